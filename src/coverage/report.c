/*
 * report.c — the text outputs of `vigil coverage`: the per-tactic terminal
 * table, the full JSON result, the ATT&CK Navigator layer (format 4.5) and
 * the comparison of two configurations.
 *
 * All output goes into a bounded strbuf; JSON strings go through
 * json__add_str so technique names and rule names can never break the syntax.
 */
#include "coverage/coverage.h"
#include "common/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_colors[5] = {"#ff6666", "#ffb366", "#ffe766", "#c2e070", "#8ec843"};
/* With --verified, a tested technique's cell takes its verdict's colour
 * instead of the visibility gradient, so what a test proved stands out from
 * what the configuration should see in theory; hues outside the gradient. */
static const char *const verdict_colors[COV_VERDICT_N] = {[COV_VERDICT_VERIFIED] = "#3b7dd8",
							  [COV_VERDICT_PARTIAL] = "#a77dd8",
							  [COV_VERDICT_FAILED] = "#7f0000"};

/* The text of s; unlike strbuf__cstr, safe on a buffer never appended to. */
static const char *sbs(const struct strbuf *s)
{
	return s->len && s->buf ? s->buf : "";
}

static void jstr(struct strbuf *sb, const char *s)
{
	json__add_str(sb, s, strlen(s));
}

static void jkey(struct strbuf *sb, const char *k)
{
	jstr(sb, k);
	strbuf__addc(sb, ':');
}

static const char *state_name(enum cov_dc_state s)
{
	return s == COV_DC_FULL ? "covered" : s == COV_DC_PARTIAL ? "partial" : "missing";
}

static const char *level_name(enum cov_level l)
{
	return l == COV_ALL ? "all" : l == COV_PARTIAL ? "partial" : "off";
}

/* "a, b, c" of the DCs in state st (any non-missing state when covered). */
static void dc_list(struct strbuf *sb, const struct cov_tech_result *r, bool covered,
		    bool with_events)
{
	bool first = true;

	for (size_t i = 0; i < r->ndc; i++) {
		const struct cov_dc_result *dc = &r->dc[i];

		if ((dc->state != COV_DC_MISSING) != covered)
			continue;
		strbuf__adds(sb, first ? "" : ", ");
		strbuf__adds(sb, dc->label);
		if (with_events && covered)
			strbuf__addf(sb, " [%s%s]",
				     dc->state == COV_DC_PARTIAL ? "partial via " : "via ",
				     dc->events);
		first = false;
	}
	if (first)
		strbuf__adds(sb, "-");
}

static int finish(struct strbuf *sb)
{
	return sb->overflow ? -ENOMEM : 0;
}

static void json_events(struct strbuf *sb, const struct cov_collect *c)
{
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);
	bool first = true;

	strbuf__addc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		const struct cov_event_cfg *e = &c->ev[evs[i]->id];

		strbuf__adds(sb, first ? "" : ",");
		first = false;
		strbuf__addf(sb, "{\"EventID\":%u,", evs[i]->id);
		jkey(sb, "Event");
		jstr(sb, evs[i]->name);
		strbuf__addc(sb, ',');
		jkey(sb, "collected");
		jstr(sb, level_name(e->level));
		strbuf__addc(sb, ',');
		jkey(sb, e->rules_exclude ? "exclude_rules" : "include_rules");
		strbuf__addc(sb, '[');
		for (const char *p = e->rules; *p;) {
			size_t l = strcspn(p, "\n");

			if (p != e->rules)
				strbuf__addc(sb, ',');
			json__add_str(sb, p, l);
			p += l + (p[l] == '\n');
		}
		strbuf__addf(sb, "],\"rule_count\":%u,", e->nrules);
		jkey(sb, "caps");
		jstr(sb, e->caps);
		if (e->kernel[0]) {
			strbuf__addc(sb, ',');
			jkey(sb, "kernel");
			jstr(sb, e->kernel);
		}
		strbuf__addc(sb, '}');
	}
	strbuf__addc(sb, ']');
}

static void json_technique(struct strbuf *sb, const struct cov_tech_result *r,
			   const struct cov_verified *ver)
{
	bool first = true;

	strbuf__adds(sb, "{\"id\":");
	jstr(sb, r->id);
	strbuf__adds(sb, ",\"name\":");
	jstr(sb, r->name);
	strbuf__adds(sb, ",\"tactics\":[");
	for (unsigned t = 0; t < COV_NTACTICS; t++) {
		if (!(r->tactics & (1u << t)))
			continue;
		strbuf__adds(sb, first ? "" : ",");
		jstr(sb, cov_tactic_name(t));
		first = false;
	}
	strbuf__addf(sb,
		     "],\"score\":%.1f,\"level\":%d,\"applicable\":%zu,\"covered\":%zu,"
		     "\"partial\":%zu,\"verified\":",
		     r->score, r->level, r->ndc, r->n_full, r->n_partial);
	jstr(sb,
	     cov_verdict_name(ver ? cov_verified__get(ver, r->id) : COV_VERDICT_NONE, r->score));
	if (ver && cov_verified__tests(ver, r->id)[0]) {
		strbuf__adds(sb, ",\"verified_tests\":");
		jstr(sb, cov_verified__tests(ver, r->id));
	}
	strbuf__adds(sb, ",\"components\":[");
	for (size_t i = 0; i < r->ndc; i++) {
		strbuf__adds(sb, i ? ",{\"id\":" : "{\"id\":");
		jstr(sb, r->dc[i].dc_id);
		strbuf__adds(sb, ",\"name\":");
		jstr(sb, r->dc[i].label);
		strbuf__adds(sb, ",\"state\":");
		jstr(sb, state_name(r->dc[i].state));
		strbuf__adds(sb, ",\"events\":");
		jstr(sb, r->dc[i].events);
		strbuf__addc(sb, '}');
	}
	strbuf__adds(sb, "]}");
}

static int report_json(const struct cov_data *d, const struct cov_collect *c,
		       const struct cov_verified *ver, struct strbuf *sb)
{
	struct cov_tech_result *r = malloc(sizeof(*r));
	size_t levels[5] = {0};

	if (!r)
		return -ENOMEM;
	strbuf__adds(sb, "{\"config\":");
	jstr(sb, c->source);
	strbuf__adds(sb, ",\"attack\":");
	jstr(sb, cov_model_name(cov_data__model(d)));
	strbuf__adds(sb, ",\"scoring\":\"score = (covered + 0.5 * partial) / applicable data "
			 "components; level 0: 0%, 1: <50%, 2: <75%, 3: <100%, 4: 100%\"");
	strbuf__adds(sb, ",\"events\":");
	json_events(sb, c);
	strbuf__adds(sb, ",\"techniques\":[");
	for (size_t i = 0; i < cov_data__count(d); i++) {
		cov_data__evaluate(d, c, i, r);
		levels[r->level]++;
		strbuf__adds(sb, i ? "," : "");
		json_technique(sb, r, ver);
	}
	strbuf__addf(sb, "],\"summary\":{\"techniques\":%zu,\"levels\":[%zu,%zu,%zu,%zu,%zu]}}\n",
		     cov_data__count(d), levels[0], levels[1], levels[2], levels[3], levels[4]);
	free(r);
	return finish(sb);
}

static int report_navigator(const struct cov_data *d, const struct cov_collect *c,
			    const struct cov_verified *ver, struct strbuf *sb)
{
	struct cov_tech_result *r = malloc(sizeof(*r));
	struct strbuf tmp;
	static const char *const legend[5] = {"0: no visibility", "1: <50% of data components",
					      "2: 50-74%", "3: 75-99%", "4: 100%"};

	if (!r)
		return -ENOMEM;
	strbuf__init(&tmp, 1 << 20);
	strbuf__adds(sb, "{\"name\":");
	strbuf__addf(&tmp, "vigil coverage: %s", c->source);
	jstr(sb, sbs(&tmp));
	strbuf__addf(sb,
		     ",\"versions\":{\"attack\":\"%s\",\"navigator\":\"5.1.0\",\"layer\":"
		     "\"4.5\"},\"domain\":\"enterprise-attack\",\"description\":",
		     cov_data__model(d) == COV_MODEL_V17 ? "17" : "18");
	strbuf__clear(&tmp);
	strbuf__addf(&tmp,
		     "ATT&CK %s Linux data components visible with config %s. score = 100 * "
		     "(covered + 0.5 * partial) / applicable; partial = an event type logged only "
		     "through include rules, or an event that gives part of the component.",
		     cov_model_name(cov_data__model(d)), c->source);
	jstr(sb, sbs(&tmp));
	strbuf__adds(sb,
		     ",\"filters\":{\"platforms\":[\"Linux\"]},\"sorting\":3,\"layout\":{"
		     "\"layout\":\"side\",\"showID\":true,\"showName\":true,"
		     "\"showAggregateScores\":true,\"countUnscored\":false,\"aggregateFunction\":"
		     "\"average\",\"expandedSubtechniques\":\"none\"},\"hideDisabled\":false,"
		     "\"techniques\":[");
	for (size_t i = 0; i < cov_data__count(d); i++) {
		enum cov_verdict v;
		const char *verdict, *tests;

		cov_data__evaluate(d, c, i, r);
		v = ver ? cov_verified__get(ver, r->id) : COV_VERDICT_NONE;
		verdict = cov_verdict_name(v, r->score);
		tests = cov_verified__tests(ver, r->id);
		strbuf__adds(sb, i ? ",{\"techniqueID\":" : "{\"techniqueID\":");
		jstr(sb, r->id);
		strbuf__addf(sb, ",\"score\":%.1f,", r->score);
		if (v != COV_VERDICT_NONE)
			strbuf__addf(sb, "\"color\":\"%s\",", verdict_colors[v]);
		strbuf__adds(sb, "\"comment\":");
		strbuf__clear(&tmp);
		strbuf__addf(&tmp,
			     "level %d, %zu/%zu data components covered, %zu partial. Covered: ",
			     r->level, r->n_full, r->ndc, r->n_partial);
		dc_list(&tmp, r, true, true);
		strbuf__adds(&tmp, ". Missing: ");
		dc_list(&tmp, r, false, false);
		strbuf__addf(&tmp, ". Verdict: %s", verdict);
		if (tests[0])
			strbuf__addf(&tmp, " (tests: %s)", tests);
		strbuf__addc(&tmp, '.');
		jstr(sb, sbs(&tmp));
		strbuf__adds(sb,
			     ",\"enabled\":true,\"metadata\":[{\"name\":\"covered\",\"value\":");
		strbuf__clear(&tmp);
		dc_list(&tmp, r, true, true);
		jstr(sb, sbs(&tmp));
		strbuf__adds(sb, "},{\"name\":\"missing\",\"value\":");
		strbuf__clear(&tmp);
		dc_list(&tmp, r, false, false);
		jstr(sb, sbs(&tmp));
		strbuf__addf(sb, "},{\"name\":\"visibility level\",\"value\":\"%d\"}", r->level);
		strbuf__adds(sb, ",{\"name\":\"verdict\",\"value\":");
		jstr(sb, verdict);
		if (tests[0]) {
			strbuf__adds(sb, "},{\"name\":\"tests\",\"value\":");
			jstr(sb, tests);
		}
		strbuf__adds(sb, "}],\"showSubtechniques\":false}");
	}
	strbuf__addf(sb,
		     "],\"gradient\":{\"colors\":[\"%s\",\"%s\",\"%s\"],\"minValue\":0,"
		     "\"maxValue\":100},\"legendItems\":[",
		     level_colors[0], level_colors[2], level_colors[4]);
	for (int l = 0; l < 5; l++) {
		strbuf__adds(sb, l ? ",{\"label\":" : "{\"label\":");
		jstr(sb, legend[l]);
		strbuf__addf(sb, ",\"color\":\"%s\"}", level_colors[l]);
	}
	if (ver)
		strbuf__addf(
		    sb,
		    ",{\"label\":\"verified by a test\",\"color\":\"%s\"}"
		    ",{\"label\":\"partial: a test saw some key behaviour\",\"color\":\"%s\"}"
		    ",{\"label\":\"failed: tests ran, behaviour not seen\",\"color\":\"%s\"}",
		    verdict_colors[COV_VERDICT_VERIFIED], verdict_colors[COV_VERDICT_PARTIAL],
		    verdict_colors[COV_VERDICT_FAILED]);
	strbuf__adds(
	    sb, "],\"metadata\":[{\"name\":\"generator\",\"value\":\"vigil coverage " VIGIL_VERSION
		"\"},{\"name\":\"config\",\"value\":");
	jstr(sb, c->source);
	strbuf__adds(
	    sb, "}],\"showTacticRowBackground\":false,\"tacticRowBackground\":"
		"\"#dddddd\",\"selectTechniquesAcrossTactics\":true,"
		"\"selectSubtechniquesWithParent\":false,\"selectVisibleTechniques\":false}\n");
	strbuf__free(&tmp);
	free(r);
	return finish(sb);
}

static int report_table(const struct cov_data *d, const struct cov_collect *c,
			const struct cov_verified *ver, struct strbuf *sb)
{
	struct cov_tech_result *r = malloc(sizeof(*r));
	size_t n[COV_NTACTICS][5] = {{0}}, tot[5] = {0}, nver[COV_NTACTICS][COV_VERDICT_N] = {{0}};
	double sum[COV_NTACTICS] = {0};
	size_t cnt[COV_NTACTICS] = {0}, nev;
	const struct vevent_def *const *evs = schema__events(&nev);

	if (!r)
		return -ENOMEM;
	strbuf__addf(sb, "config: %s   ATT&CK %s Linux, %zu techniques\n", c->source,
		     cov_model_name(cov_data__model(d)), cov_data__count(d));
	strbuf__adds(sb, "events:");
	for (size_t i = 0; i < nev; i++) {
		const struct cov_event_cfg *e = &c->ev[evs[i]->id];

		if (e->level == COV_OFF || (evs[i]->flags & EVF_DAEMON))
			continue;
		strbuf__addf(sb, " %s(%u)%s", evs[i]->name, evs[i]->id,
			     e->level == COV_PARTIAL ? "[partial]" : "");
	}
	/* Caps: the hook for vigil's future <Cap> config extension. */
	strbuf__adds(sb, "\ncaps:");
	{
		bool any = false;

		for (size_t i = 0; i < nev; i++) {
			const struct cov_event_cfg *e = &c->ev[evs[i]->id];

			if (e->level == COV_OFF || strcmp(e->caps, "none") == 0)
				continue;
			strbuf__addf(sb, " %s(%u)=%s", evs[i]->name, evs[i]->id, e->caps);
			any = true;
		}
		strbuf__adds(sb, any ? "\n\n" : " none\n\n");
	}
	if (c->kernel[0]) {
		/* What the running kernel cannot deliver, with the reason:
		 * those events count as not collected. */
		strbuf__addf(sb, "kernel %s:", c->kernel);
		bool any = false;
		for (size_t i = 0; i < nev; i++) {
			const struct cov_event_cfg *e = &c->ev[evs[i]->id];
			if (!e->kernel[0] || e->level == COV_OFF)
				continue;
			strbuf__addf(sb, "\n  %s(%u) %s", evs[i]->name, evs[i]->id, e->kernel);
			any = true;
		}
		strbuf__adds(sb, any ? "\n\n" : " every collected event available\n\n");
	}
	for (size_t i = 0; i < cov_data__count(d); i++) {
		enum cov_verdict v;

		cov_data__evaluate(d, c, i, r);
		v = ver ? cov_verified__get(ver, r->id) : COV_VERDICT_NONE;
		tot[r->level]++;
		for (unsigned t = 0; t < COV_NTACTICS; t++) {
			if (!(r->tactics & (1u << t)))
				continue;
			n[t][r->level]++;
			nver[t][v]++;
			sum[t] += r->score;
			cnt[t]++;
		}
	}
	strbuf__addf(sb, "%-22s %5s %6s %5s %5s %5s %5s %5s", "tactic", "techs", "avg%", "L0", "L1",
		     "L2", "L3", "L4");
	strbuf__adds(sb, ver ? "  verified partial failed\n" : "\n");
	for (unsigned t = 0; t < COV_NTACTICS; t++) {
		if (!cnt[t])
			continue;
		strbuf__addf(sb, "%-22s %5zu %6.1f %5zu %5zu %5zu %5zu %5zu", cov_tactic_name(t),
			     cnt[t], sum[t] / (double)cnt[t], n[t][0], n[t][1], n[t][2], n[t][3],
			     n[t][4]);
		if (ver)
			strbuf__addf(sb, "  %8zu %7zu %6zu", nver[t][COV_VERDICT_VERIFIED],
				     nver[t][COV_VERDICT_PARTIAL], nver[t][COV_VERDICT_FAILED]);
		strbuf__addc(sb, '\n');
	}
	strbuf__addf(sb, "%-22s %5zu %6s %5zu %5zu %5zu %5zu %5zu\n", "all (distinct)",
		     cov_data__count(d), "", tot[0], tot[1], tot[2], tot[3], tot[4]);
	free(r);
	return finish(sb);
}

/* Writes the report for one configuration in the chosen format. */
int cov_report(const struct cov_data *d, const struct cov_collect *c,
	       const struct cov_verified *ver, enum cov_format fmt, struct strbuf *sb)
{
	switch (fmt) {
	case COV_FMT_JSON:
		return report_json(d, c, ver, sb);
	case COV_FMT_NAVIGATOR:
		return report_navigator(d, c, ver, sb);
	case COV_FMT_HTML:
		return cov_report_html(d, c, ver, sb);
	default:
		return report_table(d, c, ver, sb);
	}
}

/* DCs state-better in x than in y, as "label (events)" list; returns count. */
static size_t better(struct strbuf *sb, const struct cov_tech_result *x,
		     const struct cov_tech_result *y, bool json)
{
	size_t n = 0;

	for (size_t i = 0; i < x->ndc; i++) {
		if (x->dc[i].state <= y->dc[i].state)
			continue;
		if (json) {
			strbuf__adds(sb, n ? ",{\"id\":" : "{\"id\":");
			jstr(sb, x->dc[i].dc_id);
			strbuf__adds(sb, ",\"name\":");
			jstr(sb, x->dc[i].label);
			strbuf__adds(sb, ",\"state\":");
			jstr(sb, state_name(x->dc[i].state));
			strbuf__adds(sb, ",\"other\":");
			jstr(sb, state_name(y->dc[i].state));
			strbuf__adds(sb, ",\"events\":");
			jstr(sb, x->dc[i].events);
			strbuf__addc(sb, '}');
		} else {
			strbuf__addf(sb, "%s%s: %s via %s; other config: %s",
				     n ? "\n          " : "", x->dc[i].label,
				     state_name(x->dc[i].state), x->dc[i].events,
				     state_name(y->dc[i].state));
		}
		n++;
	}
	return n;
}

/* Compares a and b technique by technique; lists only techniques that differ. */
int cov_report_compare(const struct cov_data *d, const struct cov_collect *a,
		       const struct cov_collect *b, enum cov_format fmt, struct strbuf *sb)
{
	struct cov_tech_result *ra = malloc(sizeof(*ra)), *rb = malloc(sizeof(*rb));
	size_t ndiff = 0, a_only = 0, b_only = 0;
	bool json = fmt == COV_FMT_JSON;

	if (!ra || !rb) {
		free(ra);
		free(rb);
		return -ENOMEM;
	}
	if (json) {
		strbuf__adds(sb, "{\"a\":");
		jstr(sb, a->source);
		strbuf__adds(sb, ",\"b\":");
		jstr(sb, b->source);
		strbuf__adds(sb, ",\"attack\":");
		jstr(sb, cov_model_name(cov_data__model(d)));
		strbuf__adds(sb, ",\"techniques\":[");
	} else {
		strbuf__addf(sb,
			     "A: %s\nB: %s\nATT&CK %s; techniques whose visibility differs:\n\n",
			     a->source, b->source, cov_model_name(cov_data__model(d)));
	}
	for (size_t i = 0; i < cov_data__count(d); i++) {
		struct strbuf xa, xb;
		size_t na, nb;

		cov_data__evaluate(d, a, i, ra);
		cov_data__evaluate(d, b, i, rb);
		strbuf__init(&xa, 1 << 20);
		strbuf__init(&xb, 1 << 20);
		na = better(&xa, ra, rb, json);
		nb = better(&xb, rb, ra, json);
		if (na || nb) {
			a_only += na != 0;
			b_only += nb != 0;
			if (json) {
				strbuf__adds(sb, ndiff ? ",{\"id\":" : "{\"id\":");
				jstr(sb, ra->id);
				strbuf__adds(sb, ",\"name\":");
				jstr(sb, ra->name);
				strbuf__addf(sb,
					     ",\"score_a\":%.1f,\"score_b\":%.1f,\"level_a\":%d,"
					     "\"level_b\":%d,\"a_only\":[",
					     ra->score, rb->score, ra->level, rb->level);
				strbuf__adds(sb, sbs(&xa));
				strbuf__adds(sb, "],\"b_only\":[");
				strbuf__adds(sb, sbs(&xb));
				strbuf__adds(sb, "]}");
			} else {
				strbuf__addf(
				    sb, "%-10s %-40.40s A %5.1f%% (L%d)  B %5.1f%% (L%d)\n", ra->id,
				    ra->name, ra->score, ra->level, rb->score, rb->level);
				if (na)
					strbuf__addf(sb, "    A sees more: %s\n", sbs(&xa));
				if (nb)
					strbuf__addf(sb, "    B sees more: %s\n", sbs(&xb));
			}
			ndiff++;
		}
		strbuf__free(&xa);
		strbuf__free(&xb);
	}
	if (json)
		strbuf__addf(sb, "],\"differ\":%zu,\"a_better\":%zu,\"b_better\":%zu}\n", ndiff,
			     a_only, b_only);
	else
		strbuf__addf(sb, "\n%zu techniques differ: A sees more in %zu, B in %zu\n", ndiff,
			     a_only, b_only);
	free(ra);
	free(rb);
	return finish(sb);
}
