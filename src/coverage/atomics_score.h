/*
 * atomics_score.h — scoring an Atomic Red Team run (`vigil atomics run`,
 * `vigil atomics score`) from the live sensor's own JSON lines: which events
 * each test's process tree produced, which of its technique's ATT&CK data
 * components they show, which Sigma rules fired, and a verdict per test.
 *
 * The MANIFEST (what the runner did) and the RESULTS (what this writes) are
 * fixed by the atomics contract; vigil(8) describes both. Attribution is by
 * ProcessGuid lineage from each test's sandbox root, never by time: the root
 * is the process whose ProcessCreate CommandLine starts with
 * `vigil-atomic:<runid>:<idx>` (then a space or the end), and each phase
 * shell's with `vigil-atomic:<runid>:<idx>:<phase> `.
 */
#ifndef VIGIL_ATOMICS_SCORE_H
#define VIGIL_ATOMICS_SCORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/* A sensor line longer than this is skipped and counted ("oversize_lines"):
 * vigil's own lines stay far below it (a record's values fit in 32 KiB). */
#define ATOMICS_SCORE_LINE_MAX (1u << 20)
/* At most this many distinct processes are tracked (about 40 MB); the
 * events of processes past it are not attributed and the overflow is
 * counted ("process_table_full"). */
#define ATOMICS_SCORE_MAX_PROCS (1u << 20)
/* At most this many tests in a manifest. */
#define ATOMICS_SCORE_MAX_TESTS 100000

/* Scores manifest against the sensor's JSON lines at events_path (a regular
 * file: it is read twice, see atomics_score.c) and, when sigma_path is not
 * NULL, the Sigma rules there (a file or a directory). On success *results
 * is a new RESULTS object the caller puts. Problems that do not stop the
 * scoring (bad or oversize lines, rules that do not load) are reported on
 * err (may be NULL) and counted in the results' "input" object.
 * Returns 0; -EINVAL for a manifest that is not one (after a one-line
 * "manifest: ..." message on err); -errno when events_path or the Sigma
 * rules cannot be read (or the matcher built); -ENODATA when the ATT&CK
 * data (data/attack, data/event_dc_map.tsv) is missing or bad; -ESPIPE when
 * events_path is not seekable; -ENOMEM. Every error is named on err. */
int atomics_score(struct json_object *manifest, const char *events_path, const char *sigma_path,
		  struct json_object **results, FILE *err);

/* How a MANIFEST or RESULTS is written (by atomics_write_json and to stdout). */
#define ATOMICS_SCORE_JSON_FLAGS                                                                   \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Writes a MANIFEST or RESULTS as JSON to a file created fresh at path
 * (0600, O_EXCL|O_NOFOLLOW: an existing file or a symlink is refused and
 * named on stderr, never overwritten). Returns 0, -errno of the creation,
 * or -EIO on a write error. */
int atomics_write_json(const char *path, struct json_object *o);

/* Prints one line per test (technique-number, verdict, key DCs seen/total,
 * events, alerts) and a totals line: the report `vigil atomics score -o`
 * and `vigil atomics run` give. */
void atomics_score_print(FILE *out, struct json_object *results);

/* True when the Sigma rule (id, or title for a rule without an id) is one
 * that fires on any shell the runner starts: see generic_rules[] in
 * atomics_score.c for the list and why each is on it. */
bool atomics_score_generic_rule(const char *id, const char *title);

#endif
