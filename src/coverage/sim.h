/*
 * sim.h — `vigil simulate`: a built-in suite of safe simulations of Linux
 * ATT&CK techniques, and the matcher that checks a live sensor saw them.
 *
 * Each simulation does the real syscall-level behaviour of its technique
 * (exec of a discovery command, a loopback connection, a file written under
 * a temporary copy of a persistence path, a ptrace of its own child, ...)
 * in a forked child process, touching only loopback and a fresh temporary
 * directory, and undoes its own changes. It declares the events a sensor
 * should produce as EventID + field predicates over the JSONL output; values
 * may use ${PID} (the simulation process; commands it runs have it as
 * ParentProcessId), ${AUX} (a helper child's pid), ${TMP} (its temporary
 * directory) and ${PORT} (a loopback port it chose).
 *
 * The matcher is separate from running so that unit tests can feed it
 * fixture JSONL with hand-set contexts.
 */
#ifndef VIGIL_SIM_H
#define VIGIL_SIM_H

#include "common/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SIM_MAX_EXPECT 4
#define SIM_MAX_PRED   4
#define SIM_SKIP       77 /* run() result: cannot run here (tool missing, not root) */

enum sim_op { SIM_EQ = 0, SIM_STARTS, SIM_ENDS, SIM_CONTAINS };

struct sim_pred {
	const char *field; /* EVENTS.md field name; NULL ends the list */
	enum sim_op op;
	const char *value; /* template: ${PID} ${AUX} ${TMP} ${PORT} */
};

struct sim_expect {
	unsigned event_id; /* 0 ends the list */
	const char *what;  /* human description */
	struct sim_pred pred[SIM_MAX_PRED];
};

/* Shared between the runner and the forked simulation (MAP_SHARED), so the
 * child can report the port and helper pid it chose. */
struct sim_ctx {
	pid_t pid;
	pid_t aux;
	int port;
	char tmp[200];
	char note[200]; /* why it was skipped or failed */
};

struct sim_def {
	const char *id;
	const char *technique;
	const char *name;
	/* Either run (0, SIM_SKIP or an errno-style failure) or argv (a command
	 * executed with stdio on /dev/null; ${TMP} expanded). */
	int (*run)(struct sim_ctx *ctx);
	const char *argv[8];
	struct sim_expect expect[SIM_MAX_EXPECT];
};

/* Runs argv[0] (looked up in PATH; ${TMP} expanded in the arguments) with
 * stdio on /dev/null, cwd ctx->tmp, and waits for it. Returns 0 when it ran
 * (whatever its exit status), SIM_SKIP when the command is not installed. */
int sim_exec(struct sim_ctx *ctx, const char *const *argv);

/* The built-in suite; *n receives the count. */
const struct sim_def *sim_suite(size_t *n);
/* Finds a simulation by id or technique id (first match), or NULL. */
const struct sim_def *sim_find(const char *id_or_technique);

enum sim_run_state { SIM_RAN = 0, SIM_SKIPPED, SIM_ERROR };

struct sim_result {
	const struct sim_def *def;
	struct sim_ctx ctx;
	enum sim_run_state run;
	int exit_code;
	bool checked; /* compared against sensor output */
	bool seen[SIM_MAX_EXPECT];
	unsigned nexpect;
};

/* Prepares r for def with the given context values (tests use this to match
 * fixture JSONL without running anything). */
void sim_result__init(struct sim_result *r, const struct sim_def *def, pid_t pid, pid_t aux,
		      int port, const char *tmp);

/* Runs def in a child process with a fresh temporary directory under tmpbase
 * (removed afterwards), waiting at most timeout_s seconds. Fills r. Returns
 * 0, or -errno when the run could not even be set up. */
int sim_run(const struct sim_def *def, const char *tmpbase, int timeout_s, struct sim_result *r);

/* Expands a predicate template for r's context into out. Returns 0 or
 * -ENAMETOOLONG. */
int sim_expand(const struct sim_result *r, const char *tmpl, char *out, size_t len);

/* Matches one JSONL line (one event object) against every unmet expectation
 * of rs[0..n). Returns the number of expectations newly met, or -EINVAL when
 * the line is not a JSON object. */
int sim_match_line(struct sim_result *rs, size_t n, const char *line, size_t len);

/* Reads path from byte offset from, matching lines, and keeps polling until
 * every expectation is met or wait_ms elapsed without it. Returns 0 or
 * -errno (the file could not be opened). Marks each result checked. */
int sim_check_file(const char *path, off_t from, struct sim_result *rs, size_t n, int wait_ms);

/* "passed" (every expected event seen), "partial", "failed" (none seen),
 * "not_checked" (no sensor output given), "skipped" or "error". */
const char *sim_status(const struct sim_result *r);

/* Writes the results file (JSON, see `vigil coverage --verified`). */
void sim_results_json(const struct sim_result *rs, size_t n, const char *sensor_output,
		      struct strbuf *sb);

#endif
