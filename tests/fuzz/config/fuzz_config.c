/*
 * fuzz_config.c — libFuzzer harness for the Sysmon XML configuration loader
 * (ruleset__load_buf), and for the matcher of whatever loads.
 *
 * Any byte string must either load or fail with a file:line error: never
 * crash, leak or read out of bounds. When it loads, a record built from the
 * input's own bytes is matched against every filterable event type, so the
 * compiled matchers (hash tables, Hyperscan databases, case folding) run on
 * hostile values too, and the compiled answer of every condition is checked
 * against the naive reference evaluator, and the whole decision (logged or
 * not, and RuleName) against the unindexed reference matcher. Inputs of odd
 * length put every contains-type value set on the litset (litset.c) instead
 * of Hyperscan, so both matchers meet hostile values.
 */
#include "rules/rules_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vrec rec;
static uint32_t litset_default;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_error err;
	struct ruleset *rs;

	if (litset_default == 0)
		litset_default = rules__litset_min;
	rules__litset_min = (size & 1) ? 1 : litset_default;
	rs = ruleset__load_buf((const char *)data, size, "fuzz.xml", &err);
	size_t n;
	const struct vevent_def *const *evs;
	const char *val;
	size_t vlen;

	if (rs == NULL) {
		if (err.msg[0] == '\0')
			abort(); /* every failure must say why */
		return 0;
	}
	/* Field values: the tail of the input, so paths from the config recur. */
	vlen = size > 64 ? 64 : size;
	val = (const char *)data + size - vlen;
	evs = schema__events(&n);
	for (size_t i = 0; i < n; i++) {
		const struct vevent_def *def = evs[i];
		struct rules_event_summary sum;
		const char *const *paths;
		const char *name;
		size_t n_paths;

		vrec__reset(&rec, def);
		for (unsigned k = 0; k < def->nfields; k++) {
			if (schema__field_kind(def->fields[k]) == VFK_INT)
				vrec__set_int(&rec, def->fields[k],
					      (int64_t)(size * 37 % 1000) - 500);
			else
				vrec__set(&rec, def->fields[k], val + (k % (vlen + 1)),
					  vlen - (k % (vlen + 1)));
		}
		const char *name2;
		if (ruleset__match(rs, &rec, &name) != rules__match_naive(rs, &rec, &name2) ||
		    name != name2)
			abort(); /* the index chose differently from the definition */
		if (rules__check_conds(rs, &rec) >= 0)
			abort(); /* compiled matcher disagrees with the definition */
		ruleset__event_summary(rs, def->id, &sum);
		for (size_t k = 0; k < sum.n_include; k++)
			if (sum.include_names[k] == NULL)
				abort();
		n_paths = ruleset__kernel_image_excludes(rs, def->id, &paths);
		for (size_t k = 0; k < n_paths; k++)
			if (!ruleset__kernel_image_excluded(rs, def->id, paths[k]))
				abort(); /* the per-exec lookup misses a listed path */
		ruleset__apply_field_sizes(rs, &rec);
	}
	ruleset__free(rs);
	return 0;
}
