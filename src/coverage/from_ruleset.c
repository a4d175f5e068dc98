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

/* Appends names one per line (newlines inside a name become spaces, so the
 * list stays splittable); counts every name even when the text is cut. */
static void join_names(struct cov_event_cfg *e, const char *const *names, size_t n)
{
	size_t used = strlen(e->rules);

	for (size_t i = 0; i < n; i++) {
		const char *nm = names && names[i] && names[i][0] ? names[i] : "(unnamed)";

		e->nrules++;
		if (used + 2 >= sizeof(e->rules))
			continue;
		if (used)
			e->rules[used++] = '\n';
		for (; *nm && used + 1 < sizeof(e->rules); nm++)
			e->rules[used++] = (*nm == '\n' || *nm == '\r') ? ' ' : *nm;
		e->rules[used] = '\0';
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
		e->nrules = 0;
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
				join_names(e, s.include_names, s.n_include);
			} else {
				e->level = COV_ALL;
				e->rules_exclude = true;
				join_names(e, s.exclude_names, s.n_exclude);
			}
			break;
		}
	}
}
