/*
 * verified.c — reads a `vigil simulate` results file so that coverage can say,
 * per technique, whether its visibility was proven against the live sensor.
 *
 * A technique is "verified" when at least one of its simulations passed (all
 * expected events seen with the expected fields), "failed" when simulations
 * for it were checked against sensor output and none passed. Simulations that
 * were skipped or run without sensor output prove nothing either way.
 */
#include "coverage/coverage.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COV_VER_MAX 1024

struct cov_verified {
	size_t n;
	struct {
		char id[16];
		enum cov_verdict v;
	} t[COV_VER_MAX];
};

static void put(struct cov_verified *v, const char *id, enum cov_verdict verdict)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->t[i].id, id) == 0)
			break;
	if (i == v->n) {
		if (v->n >= COV_VER_MAX || strlen(id) >= sizeof(v->t[0].id))
			return;
		snprintf(v->t[i].id, sizeof(v->t[i].id), "%s", id);
		v->t[i].v = verdict;
		v->n++;
		return;
	}
	if (verdict == COV_VERDICT_VERIFIED)
		v->t[i].v = COV_VERDICT_VERIFIED;
}

/* Loads a results file written by `vigil simulate -o`. */
struct cov_verified *cov_verified__load(const char *path, char *err, size_t errlen)
{
	struct json_object *root = json_object_from_file(path), *results;
	struct cov_verified *v;
	size_t n;

	if (!root) {
		snprintf(err, errlen, "%s: cannot read or parse JSON: %s", path,
			 json_util_get_last_err() ? json_util_get_last_err() : "?");
		errno = EINVAL;
		return NULL;
	}
	if (!json_object_object_get_ex(root, "results", &results) ||
	    !json_object_is_type(results, json_type_array)) {
		snprintf(err, errlen, "%s: no \"results\" array (not a vigil simulate file)", path);
		json_object_put(root);
		errno = EINVAL;
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		json_object_put(root);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = json_object_array_length(results);
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(results, i), *t, *s;
		const char *status;

		if (!json_object_object_get_ex(r, "technique", &t) ||
		    !json_object_object_get_ex(r, "status", &s))
			continue;
		status = json_object_get_string(s);
		if (strcmp(status, "passed") == 0)
			put(v, json_object_get_string(t), COV_VERDICT_VERIFIED);
		else if (strcmp(status, "failed") == 0 || strcmp(status, "partial") == 0)
			put(v, json_object_get_string(t), COV_VERDICT_FAILED);
	}
	json_object_put(root);
	return v;
}

/* Frees v; NULL is fine. */
void cov_verified__free(struct cov_verified *v)
{
	free(v);
}

/* The verdict recorded for a technique, NONE when no checked simulation. */
enum cov_verdict cov_verified__get(const struct cov_verified *v, const char *technique_id)
{
	for (size_t i = 0; v && i < v->n; i++)
		if (strcmp(v->t[i].id, technique_id) == 0)
			return v->t[i].v;
	return COV_VERDICT_NONE;
}

/* Display name of a verdict; without a simulation, "theoretical" when the
 * config should see the technique. */
const char *cov_verdict_name(enum cov_verdict v, double score)
{
	if (v == COV_VERDICT_VERIFIED)
		return "verified";
	if (v == COV_VERDICT_FAILED)
		return "failed";
	return score > 0.0 ? "theoretical" : "-";
}
