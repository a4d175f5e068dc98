/*
 * atomics_summary.h — reading an Atomic Red Team RESULTS file (written by
 * `vigil atomics score` / `vigil atomics run -o`, format in vigil(8)) and
 * the summary a user pastes into a ticket: tests run and skipped, telemetry
 * seen for the key behaviour, alert rate, a per-technique table, and the
 * same side by side with a baseline RESULTS from another configuration.
 *
 * The numbers are computed from the "results" array, not taken from the
 * file's "totals", so a summary always agrees with the rows it lists.
 */
#ifndef VIGIL_ATOMICS_SUMMARY_H
#define VIGIL_ATOMICS_SUMMARY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The key that marks a RESULTS file, and the one version understood. */
#define ATOMICS_RESULTS_KEY	"vigil_atomics_results"
#define ATOMICS_RESULTS_VERSION 1

/* Per-test verdict, ordered so that a larger value is the better outcome;
 * ATV_NONE is "no verdict" (a field missing or unknown). */
enum atomics_verdict {
	ATV_NONE = 0,
	ATV_SKIPPED,
	ATV_COMMAND_FAILED,
	ATV_NOT_SEEN,
	ATV_PARTIAL,
	ATV_VERIFIED,
};

/* Technique roll-up: verified if any test verified; else partial if any
 * partial; else failed if any test ran; else none. */
enum atomics_rollup { ATR_NONE = 0, ATR_FAILED, ATR_PARTIAL, ATR_VERIFIED };

/* "verified", "partial", "not_seen", "command_failed", "skipped" or ""; and
 * the reverse (ATV_NONE for an unknown name). */
const char *atomics_verdict_name(enum atomics_verdict v);
enum atomics_verdict atomics_verdict_parse(const char *s);
/* "verified", "partial", "failed" or "none". */
const char *atomics_rollup_name(enum atomics_rollup r);
/* Folds one test's verdict into a technique's roll-up. */
enum atomics_rollup atomics_rollup_add(enum atomics_rollup r, enum atomics_verdict v);

/* Reads and parses a JSON file (at most 256 MiB). Returns the object, or NULL
 * with errno set (ENOENT and the like from open, EINVAL for bad JSON, EFBIG)
 * and a one-line "path:line: why" or "path: why" in err. */
struct json_object *atomics_json_load(const char *path, char *err, size_t errlen);

/* True when o is an object carrying the RESULTS key (of any version). */
bool atomics_results_is(struct json_object *o);

/* Checks that o is a RESULTS object this version reads: the key with
 * version 1, a "results" array whose entries are objects with a string
 * "technique" and an integer "number". Returns 0, or -EINVAL with a
 * one-line reason in err (naming the entry, as "results[3]: ..."). */
int atomics_results_check(struct json_object *o, char *err, size_t errlen);

/* Writes the summary of results to out; with baseline (NULL: none), the
 * comparison of results against it. Plain text with aligned columns, or
 * GitHub markdown. Returns 0, -EINVAL when either object fails
 * atomics_results_check (nothing written), -ENOMEM, or -EIO when out
 * reports a write error. */
int atomics_summary(FILE *out, struct json_object *results, struct json_object *baseline,
		    bool markdown);

#endif
