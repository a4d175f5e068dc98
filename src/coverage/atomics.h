/*
 * atomics.h — reading an Atomic Red Team checkout (atomics/<T>/<T>.yaml)
 * into the list of its Linux tests, and deciding for each whether vigil may
 * run it: `vigil atomics list` (src/cli/cmd_atomics.c) prints the result, and
 * the sandbox runner to come runs only the tests marked runnable.
 *
 * A test is Linux when its supported_platforms names "linux"; the others
 * (windows, macos, cloud, containers) are counted and not listed. Its number
 * is its 1-based position in the file's atomic_tests list, all platforms
 * counted, as Invoke-AtomicRedTeam numbers them (-TestNumbers). Unknown
 * fields are ignored, so a newer checkout still loads.
 */
#ifndef VIGIL_ATOMICS_H
#define VIGIL_ATOMICS_H

#include "detect/sigma_int.h" /* the YAML tree reader and its arena */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A YAML file bigger than this is refused (and counted as bad): the largest
 * upstream file is under 100 KiB, and the tree of a file is held whole. */
#define ATOMICS_MAX_FILE (4u << 20)
/* At most this many tests are kept, all files together (upstream has about
 * 1,700 across every platform). */
#define ATOMICS_MAX_TESTS 100000

/* Why a test cannot run here, in the order they are tested: the first that
 * applies is the one reported. */
enum atomic_reason {
	ATOMIC_RUNNABLE = 0,
	ATOMIC_MANUAL,	 /* executor "manual": steps for a person */
	ATOMIC_EXECUTOR, /* executor (or dependency executor) not sh or bash */
	ATOMIC_POLICY,	 /* a command the safety policy refuses */
	ATOMIC_DOWNLOAD, /* a prerequisite fetched from the network */
	ATOMIC_NREASONS,
};

struct atomic_arg {
	const char *name;
	const char *def; /* "" when the argument has no default */
};

/* One entry of a test's dependencies: prereq_command says (exit 0) whether
 * it is met, get_prereq_command makes it so. Texts as in the file: "" when
 * absent; atomics_substitute() gives what runs. */
struct atomic_dep {
	const char *description, *prereq, *get_prereq;
};

struct atomic_test {
	const char *technique; /* the folder name, e.g. "T1003.008" */
	const char *file;      /* the YAML file it came from */
	int number;	       /* 1-based within the file */
	int line;	       /* of the test in the file */
	const char *name, *guid, *executor;
	bool elevation_required;
	struct atomic_arg *args;
	size_t nargs;
	/* What running needs, as written in the file ("" when absent). */
	const char *command, *cleanup;
	const char *dep_executor; /* dependency_executor_name; "" = executor */
	struct atomic_dep *deps;
	size_t ndeps;
	const char *atomics_dir; /* replaces PathToAtomicsFolder */
	enum atomic_reason reason;
	const char *why; /* e.g. "policy: kernel module: 'insmod' in command"; "" when runnable */
};

struct atomic_set {
	struct sg_arena arena; /* every string and array of the set */
	struct atomic_test *tests;
	size_t n, cap;
	size_t files;	  /* YAML files read */
	size_t bad_files; /* refused: unreadable, too big, bad YAML or layout */
	size_t other_platform;
	size_t by_reason[ATOMIC_NREASONS];
};

void atomics_init(struct atomic_set *s);
void atomics_free(struct atomic_set *s);

/* Loads the technique folders of dir, which is the checkout's root (holding
 * atomics/) or its atomics/ folder itself, sorted by name; with ntech > 0
 * only the techniques named in tech (each TNNNN or TNNNN.NNN). Each bad
 * file gets one "FILE:LINE: message" line on err and is counted in
 * bad_files; the others still load. Returns 0; -ENOENT when dir (or a named
 * technique's file) does not exist, after a one-line message on err; -EINVAL
 * for a technique name that is not one; -ENOMEM. */
int atomics_load_dir(struct atomic_set *s, const char *dir, const char *const *tech, size_t ntech,
		     FILE *err);

/* Loads one technique file; technique names its tests and atomics_dir
 * replaces PathToAtomicsFolder in the commands the policy checks. Returns 0,
 * -EINVAL for a bad file (after its "FILE:LINE: message" on err; counted),
 * or -ENOMEM. */
int atomics_load_file(struct atomic_set *s, const char *path, const char *technique,
		      const char *atomics_dir, FILE *err);

/* At most this many dependencies of a test are kept (and checked). */
#define ATOMICS_MAX_DEPS 64

/* cmd as it runs: each #{name} of an input argument replaced by its default,
 * then PathToAtomicsFolder (also inside a default) by t->atomics_dir, in
 * one pass (a default's own #{x} is not expanded again), as
 * Invoke-AtomicRedTeam does. A #{x} naming no argument is left as is and,
 * when unknown is not NULL, the first such x is copied there (else it is
 * set to ""). Malloc'd; NULL on ENOMEM. */
char *atomics_substitute(const struct atomic_test *t, const char *cmd, char *unknown,
			 size_t unknown_len);

/* True when name is TNNNN or TNNNN.NNN. */
bool atomics_technique_ok(const char *name);

/* The short name of a reason: "runnable", "manual", "executor", "policy",
 * "download". */
const char *atomics_reason_name(enum atomic_reason r);

/* The safety policy on one command text (arguments already substituted):
 * returns NULL when it allows it, else the class refused ("kernel module",
 * "sysctl write", "mount", "raw disk", "reboot", "BPF") with the matched
 * pattern in *pattern. */
const char *atomics_policy_check(const char *cmd, const char **pattern);

/* The network-download patterns on one prerequisite command: the matched
 * pattern, or NULL. */
const char *atomics_download_check(const char *cmd);

#endif
