/*
 * atomics_run.h — the runner of `vigil atomics run`: runs each selected
 * Atomic Red Team test in its own sandbox (src/coverage/sandbox.c), one at a
 * time, and builds the MANIFEST the scorer reads (format fixed in the
 * atomics contract, documented in vigil(8)); then the end marker, whose
 * ProcessCreate in the sensor's output says the sensor has written
 * everything the tests caused.
 */
#ifndef VIGIL_ATOMICS_RUN_H
#define VIGIL_ATOMICS_RUN_H

#include "coverage/atomics.h"
#include "coverage/sandbox.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define ATOMICS_END_WAIT_MS 15000

struct atomics_run_opts {
	const char *atomics_dir; /* absolute */
	unsigned timeout_s;	 /* per phase */
	FILE *progress;		 /* one line per test; NULL for none */
};

/* True when t is selected by only[] (each TNNNN[.NNN] or TNNNN[.NNN]-N);
 * every test when nonly is 0. */
bool atomics_selected(const struct atomic_test *t, const char *const *only, size_t nonly);

/* True when s is TNNNN[.NNN] or TNNNN[.NNN]-N. */
bool atomics_only_ok(const char *s);

/* 16 lowercase hex characters from getrandom. Returns 0 or -errno. */
int atomics_new_runid(char runid[17]);

/* The executor's path: /bin/sh for "sh", /bin/bash for "bash", else NULL. */
const char *atomics_shell(const char *executor);

/* One manifest entry: test t at index idx; r is what ran (NULL when it was
 * not run and why says why, e.g. t->why). unknown: the first #{x} of its
 * commands that names no argument, "" for none. */
struct json_object *atomics_manifest_test(const struct atomic_test *t, size_t idx,
					  const char *runid, const struct sandbox_result *r,
					  const char *why, const char *unknown, const char *start,
					  const char *end);

/* ISO 8601 UTC with milliseconds of the real-time clock. */
void atomics_now_iso(char *buf, size_t len);

/* Runs the tests of s with sel[i] set, in order; *manifest gets the whole
 * MANIFEST. Returns 0, -ENOMEM, or -errno of a sandbox that could not even
 * be cloned (the tests after it are then not run). */
int atomics_run(const struct atomic_set *s, const bool *sel, const struct atomics_run_opts *o,
		const char *runid, struct json_object **manifest);

/* Waits out what the sensor holds (ATOMICS_HOLD_MS), execs the end marker
 * (argv[0] vigil-atomic:<runid>:end) and waits up to wait_ms for a line
 * naming it in events_path, reading from offset from.
 * Returns 0 when seen, -ETIMEDOUT, or -errno. */
int atomics_wait_end(const char *runid, const char *events_path, off_t from, int wait_ms);

#endif
