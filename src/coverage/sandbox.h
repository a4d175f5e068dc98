/*
 * sandbox.h — the throwaway sandbox `vigil atomics run` runs each Atomic Red
 * Team test in (src/coverage/sandbox.c), and the sandbox's root process.
 *
 * sandbox_run() clones a child in new mount, pid, uts, ipc and network
 * namespaces, builds the sandbox's file tree there (an overlay over every
 * real filesystem whose writes land on a tmpfs, fresh tmpfs on /tmp,
 * /var/tmp, /dev/shm and /run, a minimal /dev, a fresh /proc, a read-only
 * /sys and /proc/sys), pivots into it, caps it (rlimits, a pids cgroup when
 * there is one, capabilities that reach the kernel or the disks dropped) and
 * execs the ROOT: this binary again, argv[0] the test's root marker, running
 * sandbox_root_main(). The root is pid 1 of the sandbox's pid namespace and
 * runs the test's phases, each an execve of the executor with argv[0]
 * "<marker>:<phase>", one after the other, and reports each back over a
 * pipe. When the root exits every process of the sandbox is killed (the
 * kernel kills a pid namespace with its pid 1), the mounts go with the last
 * process, and with them the tmpfs holding every write.
 *
 * Nothing is set up on the host but the pids cgroup leaf (removed after the
 * test); a test whose sandbox cannot be built completely is not run.
 */
#ifndef VIGIL_SANDBOX_H
#define VIGIL_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#define SANDBOX_OUT_MAX	     4096 /* the last bytes of a phase's output kept */
#define SANDBOX_HEAD_MAX     256  /* its first bytes kept (for the first line) */
#define SANDBOX_NOTFOUND_MAX 255  /* the programs its shell could not find */
#define SANDBOX_MAX_DEPS     64
/* prereq, get_prereq and prereq again per dependency, command, cleanup */
#define SANDBOX_MAX_PHASES	(3 * SANDBOX_MAX_DEPS + 2)
#define SANDBOX_DEFAULT_TIMEOUT 60

/* Limits of every sandbox (documented in vigil(8)). */
#define SANDBOX_NPROC	    512			   /* pids.max of its cgroup; RLIMIT_NPROC */
#define SANDBOX_AS	    (4ULL << 30)	   /* RLIMIT_AS per process */
#define SANDBOX_FSIZE	    (1ULL << 30)	   /* RLIMIT_FSIZE */
#define SANDBOX_TMPFS_SIZE  "size=1g"		   /* the overlays' upper layers, together */
#define SANDBOX_SMALL_TMPFS "size=512m"		   /* /tmp, /var/tmp, /dev/shm, /run each */
#define SANDBOX_HOSTNAME    "vigil-atomic-sandbox" /* its uts namespace's name */

struct sandbox_spec {
	const char *root_marker; /* argv[0] of the root: vigil-atomic:<runid>:<idx> */
	const char *shell;	 /* executor of command and cleanup: /bin/sh or /bin/bash */
	const char *dep_shell;	 /* executor of the dependencies */
	const char *command;
	const char *cleanup; /* "" = none */
	const char *const *prereq, *const *get_prereq;
	size_t ndeps;
	unsigned timeout_s;	 /* per phase */
	const char *atomics_dir; /* absolute; overlaid at the same path inside */
};

struct sandbox_phase {
	char phase[32]; /* "prereq0", "get_prereq0", "command", "cleanup"; "!setup" */
	int exit;	/* exit status, -1 when killed by a signal */
	int sig;	/* the signal that killed it, 0 */
	bool timed_out;
	long long ms;
	char head[SANDBOX_HEAD_MAX + 1]; /* first bytes of the output (setup: why) */
	char tail[SANDBOX_OUT_MAX + 1];	 /* last bytes of the output */
	size_t tail_len;
	bool cut; /* more output than tail holds */
	/* The commands the phase's own shell reported "not found" (dash) or
	 * "command not found" (bash), in its own name (argv[0], the phase
	 * marker, so another program's message never counts): one per line,
	 * each once; not_found_cut when more did not fit. */
	char not_found[SANDBOX_NOTFOUND_MAX + 1];
	bool not_found_cut;
	/* systemctl or systemd-run said it cannot operate: the sandbox has no
	 * systemd as PID 1 (its own pid namespace and /run), so whatever the
	 * phase asked of systemd was not done, whatever its exit status. */
	bool no_systemd;
};

/* The next name of a not_found list, at *q (not at its end): sets *name,
 * moves *q past it and its newline, and returns its length. */
static inline size_t sandbox_nf_next(const char **q, const char **name)
{
	size_t n = strcspn(*q, "\n");

	*name = *q;
	*q += n + ((*q)[n] == '\n');
	return n;
}

struct sandbox_result {
	pid_t root_pid;	 /* host pid of the root, 0 when not started */
	char error[512]; /* not "": the sandbox could not be built, nothing ran */
	bool killed;	 /* the runner's watchdog killed the root */
	int root_status; /* its wait status */
	size_t nphases;
	struct sandbox_phase phases[SANDBOX_MAX_PHASES];
};

/* Runs spec in a new sandbox and waits for it; res filled. Returns 0 (also
 * when the sandbox could not be built: res->error says why), -EINVAL for a
 * bad spec, -ENOMEM, or -errno when even cloning failed. Needs root. */
int sandbox_run(const struct sandbox_spec *spec, struct sandbox_result *res);

/* The root, inside the sandbox: reads its spec from fd 3, reports on fd 4.
 * argv0 is its marker. Returns the exit status. */
int sandbox_root_main(const char *argv0);

/* 0 when this process can build sandboxes (root, namespaces, overlayfs),
 * else -errno with why. */
int sandbox_supported(char *why, size_t len);

/* Which tree of cgroups caps the sandbox's processes, for the record:
 * "cgroup2", "cgroup1-pids" or "rlimit" (RLIMIT_NPROC only: not enforced
 * for root). */
const char *sandbox_proc_cap(void);

#endif
