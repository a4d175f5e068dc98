/*
 * proc_cache.h — what vigil knows about each live process.
 *
 * Every event names its process by (pid, start time); the cache turns that
 * into the initiating-process fields: ProcessGuid, Image, CommandLine, User,
 * parent, hashes, container. Entries come from exec and fork records, or,
 * for processes that predate the sensor or whose records were lost, from
 * /proc. A pid whose start time differs from the entry's is a reused pid:
 * the entry is replaced, never mixed up.
 *
 * Memory is bounded: at most `max` entries; exited processes are kept for a
 * short grace period (their last events may still be in flight, and their
 * children still name them) and then freed; past the cap the least recently
 * used entry goes. An evicted live process is rebuilt from /proc on its next
 * event with the same GUID, since the GUID is a pure function of
 * (host, boot, start time, pid).
 */
#ifndef VIGIL_PROC_CACHE_H
#define VIGIL_PROC_CACHE_H

#include "sensor/identity.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc {
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_ticks; /* since boot, as /proc/PID/stat */
	uint64_t pstart_ticks;
	char guid[GUID_LEN + 1];
	char pguid[GUID_LEN + 1];
	uint32_t uid, gid, euid, loginuid, sessionid;
	/* Shared and read-only: set only with proc__set_str(). */
	char *image;   /* never NULL: "-" when unknown */
	char *cmdline; /* argv joined by spaces */
	char *cwd;
	char *parent_image; /* the parent's image when this process started */
	char *hashes;	    /* lazily computed; NULL until then */
	char tty[32];
	char container[72]; /* "-" outside containers */
	char peer[64];	    /* last inbound peer accepted (inherited at fork), "-" */
	uint64_t exe_ino, exe_dev, exe_size;
	int64_t exe_mtime_sec;
	uint32_t exe_mtime_nsec;
	bool from_proc; /* built from /proc (started before us, or records lost) */
	bool exited;
	uint64_t exit_mono_ns;
	/* internal */
	bool img_counted;  /* counted in the cache's live-image filter */
	uint16_t img_slot; /* ... in this slot */
	struct proc *hnext;
	/* Its places on the cache's two lists (proc_cache.c): [0] the LRU
	 * list, [1] the exited entries, oldest exit first. */
	struct proc_link {
		struct proc *prev, *next;
	} link[2];
};

struct proc_cache;

struct proc_cache_stats {
	uint64_t entries, hits, misses, proc_reads, evicted, reused_pids;
};

/* Creates a cache of at most max entries. NULL with errno on failure. */
struct proc_cache *proc_cache__new(const struct identity *id, size_t max);
void proc_cache__free(struct proc_cache *pc);

/* Returns the entry for (pid, start ticks), reading /proc on a miss; a
 * process gone from /proc gets a minimal entry with "-" fields. Never NULL
 * except on allocation failure. */
struct proc *proc_cache__lookup(struct proc_cache *pc, uint32_t pid, uint64_t start_ticks);
/* Returns the entry only if cached (no /proc read), else NULL. */
struct proc *proc_cache__peek(struct proc_cache *pc, uint32_t pid, uint64_t start_ticks);

/* The entry for pid whatever its start time (the latest process known
 * with that pid), or NULL. For syscalls that name a pid whose process may
 * be gone by the time the record is decoded. */
struct proc *proc_cache__peek_pid(struct proc_cache *pc, uint32_t pid);

/* A new process (fork): inherits the parent's image, command line, cwd and
 * credentials until it execs. */
struct proc *proc_cache__fork(struct proc_cache *pc, uint32_t ppid, uint64_t pstart_ticks,
			      uint32_t pid, uint64_t start_ticks);

/* An exec: replaces image/cmdline/cwd; takes ownership of nothing (copies).
 * ppid is the kernel's parent at the exec, used only when the creator is
 * not known from the fork (proc_cache.c says why). */
struct proc *proc_cache__exec(struct proc_cache *pc, uint32_t pid, uint64_t start_ticks,
			      uint32_t ppid, uint64_t pstart_ticks, const char *image,
			      const char *cmdline, const char *cwd);

/* Marks an exit; the entry lives on for the grace period. */
void proc_cache__exit(struct proc_cache *pc, struct proc *p, uint64_t now_mono_ns);

/* False when no live process's image is path; true when one may be (a
 * counting filter by the path's hash: no false "no"). Lets a file delete
 * skip the walk over every process that looks for a running binary. */
bool proc_cache__image_maybe_live(const struct proc_cache *pc, const char *path);

/* Frees exited entries older than grace_ns. */
void proc_cache__gc(struct proc_cache *pc, uint64_t now_mono_ns, uint64_t grace_ns);

/* Loads every process in /proc (start-up). Returns the number loaded. */
size_t proc_cache__snapshot(struct proc_cache *pc);

/* Sets the container id from a leaf cgroup name (docker-<id>.scope, ...). */
void proc_cache__set_container(struct proc *p, const char *cgroup_leaf);
/* Extracts a container id (64 hex) from a cgroup path or leaf name; writes
 * "-" when there is none. Exposed for tests. */
void container_id_from_cgroup(const char *cg, char out[72]);

/* Re-reads the audit login uid and session id of a live process from
 * /proc (a process that writes /proc/self/loginuid changes them without an
 * exec, so its entry would otherwise keep the old session and every child
 * would look like a new login). Returns 0, or -ESRCH when the process is
 * gone or its pid now names another process (the entry is left as it was). */
int proc_cache__refresh_session(struct proc *p);

/* Calls fn for every entry (no lookups or inserts from inside fn). */
void proc_cache__for_each(struct proc_cache *pc, void (*fn)(void *ctx, struct proc *p), void *ctx);

void proc_cache__stats(const struct proc_cache *pc, struct proc_cache_stats *st);

/* Replaces *dst, one of a struct proc's strings, with a copy of src (NULL
 * or "" → "-"); returns 0 or -ENOMEM, leaving *dst as it was. The strings
 * are shared between entries (proc_cache.c): never write into one, and
 * change them only through this. */
int proc__set_str(char **dst, const char *src);

#endif
