/*
 * from_ruleset.c — the thin adapter from a compiled Sysmon config (struct
 * ruleset, src/rules) to coverage's collection table.
 *
 * Kept apart from the scoring core so unit tests of scoring link without the
 * rules engine, and so this is the only file that knows rules.h. The reading
 * is Sysmon's: an event type whose rules log nothing provides nothing; one
 * logged only through include rules is partial (which events get through
 * depends on the rules, so the component is only partly visible); one with
 * only exclude rules logs everything else and counts as collected.
 */
#include "coverage/coverage.h"
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

static void join_names(char *out, size_t len, const char *prefix, const char *const *names,
		       size_t n)
{
	size_t used = strlen(out);

	for (size_t i = 0; i < n && used + 1 < len; i++) {
		const char *nm = names[i] && names[i][0] ? names[i] : "(unnamed)";

		used += (size_t)snprintf(out + used, len - used, "%s%s%s", used ? ", " : "",
					 i == 0 ? prefix : "", nm);
		if (used >= len)
			used = len - 1;
	}
}

/* Fills c from rs (see coverage.h for the reading). */
void cov_collect__from_ruleset(struct cov_collect *c, const struct ruleset *rs, const char *source)
{
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	cov_collect__init(c, source);
	for (size_t i = 0; i < n; i++) {
		struct rules_event_summary s;
		struct cov_event_cfg *e = &c->ev[evs[i]->id];

		/* The daemon's own events bypass the config entirely. */
		if (evs[i]->flags & EVF_DAEMON)
			continue;
		memset(&s, 0, sizeof(s));
		ruleset__event_summary(rs, evs[i]->id, &s);
		e->rules[0] = '\0';
		switch (s.mode) {
		case RULES_MODE_NONE:
			e->level = COV_OFF;
			break;
		case RULES_MODE_ALL:
			e->level = COV_ALL;
			break;
		case RULES_MODE_SOME:
			if (s.n_include > 0) {
				e->level = COV_PARTIAL;
				join_names(e->rules, sizeof(e->rules), "", s.include_names,
					   s.n_include);
			} else {
				e->level = COV_ALL;
				join_names(e->rules, sizeof(e->rules),
					   "all but excludes: ", s.exclude_names, s.n_exclude);
			}
			break;
		}
	}
}
