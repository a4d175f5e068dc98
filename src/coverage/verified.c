/*
 * verified.c — reads test results so that coverage can say, per technique,
 * whether its visibility was proven against the live sensor, and by which
 * tests. Two kinds of file are read, told apart by their keys:
 *
 * - `vigil simulate -o` results: a technique is "verified" when at least one
 *   of its simulations passed (all expected events seen with the expected
 *   fields), "failed" when simulations for it were checked against sensor
 *   output and none passed. Simulations that were skipped or run without
 *   sensor output prove nothing either way.
 * - atomics RESULTS ("vigil_atomics_results", src/coverage/atomics_summary.h):
 *   the technique roll-up of its Atomic Red Team tests — verified if any test
 *   verified (command succeeded, all key data components seen), else partial
 *   if any partial, else failed if any test ran; skipped tests prove nothing.
 *
 * Several files combine (`--verified` given more than once): the best
 * verdict wins, verified over partial over failed, and the tests of all of
 * them are listed.
 */
#include "coverage/atomics_summary.h"
#include "coverage/coverage.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COV_VER_MAX   1024
#define COV_TESTS_MAX 4096 /* bytes of test list kept per technique */

struct cov_verified {
	size_t n;
	struct {
		char id[16];
		enum cov_verdict v;
		char *tests; /* "T1003.008-1 verified, T1003.008-2 command_failed" */
		size_t len;
	} t[COV_VER_MAX];
};

/* Higher wins when results combine. */
static int rank(enum cov_verdict v)
{
	return v == COV_VERDICT_VERIFIED  ? 3
	       : v == COV_VERDICT_PARTIAL ? 2
	       : v == COV_VERDICT_FAILED  ? 1
					  : 0;
}

/* Appends "what" to the technique's test list; past COV_TESTS_MAX the list
 * ends in ", ..." once. Returns -ENOMEM or 0. */
static int add_test(char **tests, size_t *len, const char *what)
{
	size_t l = strlen(what), need = *len + (*len ? 2 : 0) + l + 1;
	char *p;

	if (*len && strcmp(*tests + *len - 3, "...") == 0)
		return 0;
	if (need > COV_TESTS_MAX) {
		what = "...";
		l = 3;
		need = *len + (*len ? 2 : 0) + l + 1;
	}
	p = realloc(*tests, need);
	if (!p)
		return -ENOMEM;
	*tests = p;
	*len += (size_t)snprintf(p + *len, need - *len, "%s%s", *len ? ", " : "", what);
	return 0;
}

/* Records a test of technique id with its verdict (NONE: listed, no
 * verdict) and the text that names it. */
static int put(struct cov_verified *v, const char *id, enum cov_verdict verdict, const char *what)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->t[i].id, id) == 0)
			break;
	if (i == v->n) {
		if (v->n >= COV_VER_MAX || strlen(id) >= sizeof(v->t[0].id))
			return 0; /* not an ATT&CK id coverage could know */
		snprintf(v->t[i].id, sizeof(v->t[i].id), "%s", id);
		v->t[i].v = COV_VERDICT_NONE;
		v->n++;
	}
	if (rank(verdict) > rank(v->t[i].v))
		v->t[i].v = verdict;
	return add_test(&v->t[i].tests, &v->t[i].len, what);
}

static const char *str_of(struct json_object *o, const char *k)
{
	struct json_object *x;

	return json_object_object_get_ex(o, k, &x) && json_object_is_type(x, json_type_string)
		   ? json_object_get_string(x)
		   : NULL;
}

static int add_simulate(struct cov_verified *v, struct json_object *results)
{
	size_t n = json_object_array_length(results);

	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(results, i);
		const char *tech = str_of(r, "technique"), *status = str_of(r, "status");
		const char *id = str_of(r, "id");
		enum cov_verdict verdict;
		char what[160];

		if (!tech || !status)
			continue;
		if (strcmp(status, "passed") == 0)
			verdict = COV_VERDICT_VERIFIED;
		else if (strcmp(status, "failed") == 0 || strcmp(status, "partial") == 0)
			verdict = COV_VERDICT_FAILED;
		else
			continue;
		snprintf(what, sizeof(what), "%s %s", id ? id : "simulation", status);
		if (put(v, tech, verdict, what) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int add_atomics(struct cov_verified *v, struct json_object *root)
{
	struct json_object *results, *num;

	json_object_object_get_ex(root, "results", &results);
	for (size_t i = 0; i < json_object_array_length(results); i++) {
		struct json_object *r = json_object_array_get_idx(results, i);
		const char *tech = str_of(r, "technique");
		enum atomics_verdict av = atomics_verdict_parse(str_of(r, "verdict"));
		enum atomics_rollup ar = atomics_rollup_add(ATR_NONE, av);
		char what[96];

		if (av == ATV_NONE || av == ATV_SKIPPED)
			continue; /* a skipped test proves nothing */
		json_object_object_get_ex(r, "number", &num);
		snprintf(what, sizeof(what), "%s-%lld %s", tech,
			 (long long)json_object_get_int64(num), atomics_verdict_name(av));
		if (put(v, tech,
			ar == ATR_VERIFIED  ? COV_VERDICT_VERIFIED
			: ar == ATR_PARTIAL ? COV_VERDICT_PARTIAL
					    : COV_VERDICT_FAILED,
			what) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* An empty set of verdicts, or NULL (ENOMEM). */
struct cov_verified *cov_verified__new(void)
{
	return calloc(1, sizeof(struct cov_verified));
}

/* Adds the verdicts of a `vigil simulate -o` or atomics RESULTS file. */
int cov_verified__add_file(struct cov_verified *v, const char *path, char *err, size_t errlen)
{
	char why[512];
	struct json_object *root = atomics_json_load(path, err, errlen), *results;
	int rc;

	if (!root)
		return -errno;
	if (atomics_results_is(root)) {
		rc = atomics_results_check(root, why, sizeof(why));
		if (rc == 0)
			rc = add_atomics(v, root);
		else
			snprintf(err, errlen, "%s: %s", path, why);
	} else if (json_object_object_get_ex(root, "results", &results) &&
		   json_object_is_type(results, json_type_array)) {
		rc = add_simulate(v, results);
	} else {
		snprintf(err, errlen,
			 "%s: neither a `vigil simulate -o` file (no \"results\" array) nor an "
			 "atomics RESULTS file (no \"%s\" key)",
			 path, ATOMICS_RESULTS_KEY);
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	json_object_put(root);
	return rc;
}

/* Loads one results file of either kind. */
struct cov_verified *cov_verified__load(const char *path, char *err, size_t errlen)
{
	struct cov_verified *v = cov_verified__new();
	int rc;

	if (!v) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	rc = cov_verified__add_file(v, path, err, errlen);
	if (rc) {
		cov_verified__free(v);
		errno = -rc;
		return NULL;
	}
	return v;
}

/* Frees v; NULL is fine. */
void cov_verified__free(struct cov_verified *v)
{
	for (size_t i = 0; v && i < v->n; i++)
		free(v->t[i].tests);
	free(v);
}

/* The verdict recorded for a technique, NONE when no checked test. */
enum cov_verdict cov_verified__get(const struct cov_verified *v, const char *technique_id)
{
	for (size_t i = 0; v && i < v->n; i++)
		if (strcmp(v->t[i].id, technique_id) == 0)
			return v->t[i].v;
	return COV_VERDICT_NONE;
}

/* The tests behind a technique's verdict, "" when none. */
const char *cov_verified__tests(const struct cov_verified *v, const char *technique_id)
{
	for (size_t i = 0; v && i < v->n; i++)
		if (strcmp(v->t[i].id, technique_id) == 0)
			return v->t[i].tests ? v->t[i].tests : "";
	return "";
}

/* Display name of a verdict; without a test, "theoretical" when the config
 * should see the technique. */
const char *cov_verdict_name(enum cov_verdict v, double score)
{
	if (v == COV_VERDICT_VERIFIED)
		return "verified";
	if (v == COV_VERDICT_PARTIAL)
		return "partial";
	if (v == COV_VERDICT_FAILED)
		return "failed";
	return score > 0.0 ? "theoretical" : "-";
}
