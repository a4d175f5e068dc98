/*
 * loader.h — open, configure, load and attach the BPF object.
 *
 * libbpf's own messages are shown only with -v; without it a failure is one
 * line that says what is missing (root, BTF, the kernel's refusal).
 */
#ifndef VIGIL_LOADER_H
#define VIGIL_LOADER_H

#include "sensor/progs.h"
#include "vigil/event.h"

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stdint.h>

struct bpf_sensor;

/* Programs in the object, with room to grow. */
#define VG_MAX_PROGS 256

struct bpf_sensor_opts {
	uint32_t self_tgid;
	uint32_t ringbuf_bytes; /* power of two ≥ 4096 */
	/* Record types collected at start: the enabled map, and which programs
	 * are attached (bpf_sensor__set_attached). */
	bool want[VG_TYPE_MAX];
	int verbose;
	bool load_only; /* `vigil check`: load, report, attach nothing */
	/* Optional: true for a program not to load at all (its events are
	 * all off in the config). */
	bool (*skip)(const char *prog, void *ctx);
	void *skip_ctx;
};

/* Opens, loads and attaches; sample_cb gets every ring-buffer record.
 * A program this kernel refuses is left out (logged once, with its name
 * and the verifier's reason) and the rest run: bpf_sensor__prog_status
 * says what was left out. Returns NULL, errno set, after logging one clear
 * line when nothing could be loaded (ENOTSUP: no BTF). sample_cb may be
 * NULL with load_only, which sets up no ring buffer reader. */
struct bpf_sensor *bpf_sensor__start(const struct bpf_sensor_opts *o, ring_buffer_sample_fn cb,
				     void *ctx);
void bpf_sensor__stop(struct bpf_sensor *s);
/* The tracefs events directory (mounting tracefs if needed), or NULL with
 * *err ENOENT (no tracefs) or EPERM (there, but tracing is disabled). */
const char *bpf_sensor__tracefs(int *err);
/* The kernel's lockdown mode ("none", "integrity", "confidentiality"). */
void bpf_sensor__lockdown(char *out, size_t size);
/* Whether tracing programs may call bpf_probe_read_kernel here: 0, or -1
 * with the verifier's reason (lockdown=confidentiality refuses it). */
int bpf_sensor__probe_read_kernel(char *why, size_t size);
/* Attaches the loaded programs that feed any record type in types (bit
 * per vg_type) and detaches the others; exec, fork and exit always stay.
 * A program not attached costs the traced processes nothing. Returns 0 or
 * the -errno of the first program that failed to attach (logged). */
int bpf_sensor__set_attached(struct bpf_sensor *s, uint64_t types);
/* Writes the attached programs' names, comma-separated (cut with "…" to
 * fit), and returns how many are attached. */
size_t bpf_sensor__attached(const struct bpf_sensor *s, char *buf, size_t size);
/* Checks the control state another root process could change with
 * bpftool: the enabled map against enabled_mask (bit per vg_type) and
 * mute_active. Restores what differs; returns how many values it fixed,
 * describing the first in what. */
int bpf_sensor__verify(struct bpf_sensor *s, uint64_t enabled_mask, bool mute_active, char *what,
		       size_t whatlen);
/* Looks in /sys/fs/bpf for pins of the sensor's programs or of links to
 * them: a pinned copy outlives the sensor and keeps running (or keeps a
 * program loaded) after it stops. Returns how many, naming the first. */
int bpf_sensor__find_pins(const struct bpf_sensor *s, char *what, size_t whatlen);
/* Loads every program without attaching (as `vigil check` does) and
 * fills av with what this kernel can deliver. Returns 0 or -errno (no BTF:
 * -ENOTSUP), logged. */
int bpf_sensor__probe_avail(struct event_avail *av, int verbose);
/* Every program of the object and what happened to it; *out stays valid
 * until bpf_sensor__stop. */
size_t bpf_sensor__prog_status(const struct bpf_sensor *s, const struct prog_status **out);
/* The fd to poll for ring-buffer data. */
int bpf_sensor__fd(const struct bpf_sensor *s);
/* Consumes everything available; returns records consumed or -errno. */
int bpf_sensor__consume(struct bpf_sensor *s);
/* Sums the per-CPU counters of a record type. */
void bpf_sensor__stats(const struct bpf_sensor *s, uint32_t type, struct vg_stats *out);
/* Switches collection of a record type on or off (map write). */
int bpf_sensor__set_enabled(struct bpf_sensor *s, uint32_t type, bool on);
/* Ring-buffer fill, in percent. */
unsigned bpf_sensor__rb_used_pct(const struct bpf_sensor *s);
/* Whether the kernel side found the saved syscall registers elsewhere than
 * it reads them (saved_regs() in common.bpf.h): truncating opens go
 * unseen, and DNS and ImageLoad must take their arguments at the
 * syscalls' entry. */
bool bpf_sensor__regs_bad(const struct bpf_sensor *s);
/* After regs_bad was found: turns DNS and ImageLoad, if attached and still
 * reading the saved registers, to their entry programs (logged once). Returns 0 or
 * the first attach error (-errno, each logged). */
int bpf_sensor__regs_fallback(struct bpf_sensor *s);
/* The links the sensor attached: link id and the program id behind it. */
struct vg_link_ref {
	uint32_t link_id;
	uint32_t prog_id;
	int fd; /* the sensor's own fd of the link (not the ref's: valid until the
		 * next attach change, after which bpf_sensor__links is called again) */
	char prog[32];
};
/* Fills refs (at most max); returns the count. */
size_t bpf_sensor__links(const struct bpf_sensor *s, struct vg_link_ref *refs, size_t max);
/* Checks each link is still the one attached (same id) and still runs our
 * program, through the sensor's own fd: one syscall a link. Returns how
 * many are not, describing the first in what. */
int bpf_sensor__check_links(const struct bpf_sensor *s, const struct vg_link_ref *refs, size_t n,
			    char *what, size_t whatlen);
/* Kernel pre-filtering: record types (bit per vg_type) dropped in the
 * kernel for a process; mask 0 removes the entry. set_mute_active turns
 * the check on in the programs. */
int bpf_sensor__mute(struct bpf_sensor *s, uint32_t tgid, uint64_t mask);
void bpf_sensor__set_mute_active(struct bpf_sensor *s, bool on);
/* The image paths the exec program mutes by itself (path → mask); an
 * empty call (n 0) clears them. Paths of 256 bytes or more are skipped. */
int bpf_sensor__set_mute_images(struct bpf_sensor *s, const char *const *paths,
				const uint64_t *masks, size_t n);

/* SensitiveFileRead's kernel gate (sens.bpf.h): the directories (with
 * their VG_SENS_DIR_* values), the trie keys and the file names (with
 * their VG_SENS_NAME_* values) replace the maps' contents (new entries
 * first, then the stale ones go, so no read in between is missed); all
 * makes every read open go to user space. -E2BIG when a set is larger than
 * its map. */
int bpf_sensor__set_sens_gate(struct bpf_sensor *s, const struct vg_sens_dir *dirs,
			      const uint8_t *dir_vals, size_t ndirs, const struct vg_sens_key *keys,
			      size_t nkeys, const struct vg_sens_name *names,
			      const uint8_t *name_vals, size_t nnames, bool all);

/* The DNS hooks' process marks (dns_procs in common.bpf.h), as DNS is
 * switched on. dns_prepare, while DNS is still off (the kernel marks
 * nothing then), stops a scan still running, drops the marks of an
 * earlier time DNS was on, which may name pids reused since, and has
 * every read looked at (dns_seeding) until the next scan ends. dns_seed,
 * once DNS is on, starts a thread that marks the running processes that
 * may already wait for an answer (sensor/dnsmark.c), keeping what the
 * kernel marks meanwhile. When the scan fails, or a program that marks did not
 * load, every read is checked for good (dns_marks_full). dns_seed returns
 * 0, or a negative errno when no thread could be started (the scan then
 * ran before it returned). */
void bpf_sensor__dns_prepare(struct bpf_sensor *s);
int bpf_sensor__dns_seed(struct bpf_sensor *s);
/* Whether that scan is still running. */
bool bpf_sensor__dns_seeding(const struct bpf_sensor *s);
/* Whether the kernel checks every read (the map filled, or seeding
 * failed): slower, never blind. */
bool bpf_sensor__dns_check_all(const struct bpf_sensor *s);
/* The same for FileModify's write hooks (wf_procs): true once the map
 * filled. */
bool bpf_sensor__wf_check_all(const struct bpf_sensor *s);

/* Marks pid as protected (signals to it are reported) or unmarks it. */
int bpf_sensor__protect(struct bpf_sensor *s, uint32_t pid, uint32_t kind);
int bpf_sensor__unprotect(struct bpf_sensor *s, uint32_t pid);

#endif
