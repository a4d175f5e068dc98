/*
 * atomics_score.c — the scorer of an Atomic Red Team run: MANIFEST (what the
 * runner did) + the sensor's JSON lines (what vigil saw) + optional Sigma
 * rules → RESULTS. See atomics_score.h and vigil(8), `atomics score`.
 *
 * Attribution. Every process a test starts descends from its sandbox root,
 * whose ProcessCreate CommandLine starts with `vigil-atomic:<runid>:<idx>`
 * (then a space or the end); each phase is a shell whose CommandLine starts
 * with `vigil-atomic:<runid>:<idx>:<phase> `. The marker must open the
 * command line: a `grep vigil-atomic:...` is not a root. The process table
 * maps ProcessGuid → parent ProcessGuid, taken from ProcessCreate and
 * ProcessFork (ParentProcessGuid) and, for a process seen only through its
 * other events (a fork that never execs, when ProcessFork is not logged),
 * from InitiatingProcessParentGuid; a ProcessCreate/ProcessFork parent
 * replaces an InitiatingProcessParentGuid one, never the reverse. A process
 * belongs to the test of its parent when the parent belongs to one (lineage
 * wins: a test that execs something named like another test's root stays in
 * its own tree), else to the test whose root marker it carries, else to none.
 * Its phase is that of its nearest phase-shell ancestor, or its own when it
 * is one (a phase marker counts only for the test the process belongs to).
 * Each process has one test, so no event counts for two. The root's own
 * events belong to the test with no phase: they count in "events" but never
 * in the command phase. Time plays no part.
 *
 * Two passes. A process's events can be written before its ProcessCreate
 * (events of different CPUs meet in user space in any order), and a child's
 * ProcessCreate before its parent's, so the first pass only builds the
 * process table from every line and the second attributes every event with
 * the whole table known. That needs a seekable file (the runner's
 * --sensor-output is one); memory is one line buffer plus the table,
 * bounded by ATOMICS_SCORE_MAX_PROCS.
 *
 * Which process acts: every event with a ProcessGuid names its initiating
 * process there (docs/EVENTS.md); ProcessAccess falls back to
 * SourceProcessGUID. DetectionAlert (242) is skipped: its ProcessGuid is the
 * matched event's, and Sigma runs here itself.
 *
 * Data components. The technique's Linux DCs come from the shipped ATT&CK
 * v18.1 table (data/attack/attack_v18.1_linux_technique_dc.tsv) through
 * cov_data; a sub-technique without a row there uses its parent's
 * (T1552.005 → T1552) and says so in "data_components_of". A DC is
 * observable when some vigil event maps to it (data/event_dc_map.tsv) and
 * seen when such an event was attributed to the test's command phase; the
 * phase shell's own ProcessCreate never counts (it is the runner's doing).
 * Key DCs are the observable ones, without the generic execution DCs
 * (DC0032 Process Creation, DC0064 Command Execution) when the technique has
 * any other observable DC. A technique with no observable DC has no key DC,
 * so its telemetry is "not_seen": vigil has nothing to show for it.
 *
 * Sigma. With rules, every attributed event (any phase, file order) goes
 * through one engine, so correlation rules work too; their state is the
 * engine's, and an alert is credited to the test of the event that
 * completed it (tests run one after another, so a window seldom spans
 * two). "alerts" lists each rule with its count and its command-phase
 * count; "alert" and "nongeneric_alert" need a command-phase match.
 *
 * Totals: "succeeded", "key_seen" and "covered" count tests that ran and
 * succeeded (telemetry is n/a otherwise); "alerted" and
 * "nongeneric_alerted" count tests that ran; "by_verdict" and the results'
 * "input" and "root_seen" are additions to the contract, for the report.
 */
#include "coverage/atomics_score.h"

#include "common/datadir.h"
#include "common/record_json.h"
#include "coverage/atomics_keydc.h"
#include "coverage/atomics_lineage.h"
#include "coverage/coverage.h"
#include "detect/sigma.h"
#include "sinks/outfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BAD_REPORT_MAX 10 /* bad lines named on err; the rest only counted */

/*
 * Sigma rules that fire on the runner's own shells, whatever the test does:
 * an alert from them says nothing about the technique, so it is "generic"
 * and does not make "nongeneric_alert". Found by running SigmaHQ's Linux
 * rules (tests/fixtures/sigmahq) over the phase shells' ProcessCreate of a
 * real run and over `/bin/sh -c true` with /tmp as working directory and
 * parent.
 */
static const struct {
	const char *id, *title, *why;
} generic_rules[] = {
    {"30bcce26-51c5-49f2-99c8-7b59e3af36c7",
     "Execution Of Script Located In Potentially Suspicious Directory",
     "a shell with ' -c ' whose command line names '/tmp/': every phase shell (`sh -c CMD`) of a "
     "test whose command touches /tmp, which most Linux atomics do"},
    {"2fade0b6-7423-4835-9d4f-335b39b83867", "Shell Execution Of Process Located In Tmp Directory",
     "a shell whose parent image is under /tmp/: the sandbox root shell whenever vigil itself "
     "runs from under /tmp (a build tree there, CI), and any shell a test's dropped /tmp program "
     "starts"},
};

bool atomics_score_generic_rule(const char *id, const char *title)
{
	for (size_t i = 0; i < sizeof(generic_rules) / sizeof(generic_rules[0]); i++) {
		if (id && id[0] && strcmp(id, generic_rules[i].id) == 0)
			return true;
		if ((!id || !id[0]) && title && strcmp(title, generic_rules[i].title) == 0)
			return true;
	}
	return false;
}

struct alert {
	const struct sigma_rule_info *rule;
	unsigned long long count, cmd_count;
};

struct test_acc {
	unsigned long long events, cmd_events;
	uint32_t ev[VIGIL_EVENT_ID_MAX], cmd[VIGIL_EVENT_ID_MAX];
	bool seen[VIGIL_EVENT_ID_MAX]; /* in the command phase, phase shell's ProcessCreate aside */
	bool root_seen;
	struct alert *alerts;
	size_t nalerts, calerts;
};

struct sc {
	FILE *err;
	const char *path;
	size_t ntests;
	struct test_acc *acc;
	struct atl lin;
	/* input counters */
	unsigned long long lines, events, bad, oversize, attributed;
	/* Sigma */
	struct sigma_engine *sigma;
	int cur_test;
	bool cur_cmd;
	int sigma_rc;
};

static void msg(struct sc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(struct sc *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->err)
		return;
	va_start(ap, fmt);
	vfprintf(s->err, fmt, ap);
	va_end(ap);
	fputc('\n', s->err);
}

/* ---- reading the sensor's lines ---- */

/* Reads one line into buf (at most cap - 1 bytes, NUL-terminated). Returns
 * 1 for a line, 0 at the end, -1 for a line longer than that (consumed). */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	bool over = false;
	int c;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n < cap - 1)
			buf[n++] = (char)c;
		else
			over = true;
	}
	if (c == EOF && n == 0 && !over)
		return 0;
	buf[n] = '\0';
	*len = n;
	return over ? -1 : 1;
}

typedef int (*line_fn)(struct sc *s, struct vrec *rec);

/* Runs fn over every event line of the file; the first pass (report) names
 * and counts the bad lines. */
static int each_event(struct sc *s, FILE *f, char *buf, struct vrec *rec, bool report, line_fn fn)
{
	unsigned long long lineno = 0;
	size_t len;
	char why[256];
	int r, rc;

	while ((r = read_line(f, buf, ATOMICS_SCORE_LINE_MAX + 1, &len)) != 0) {
		lineno++;
		if (report)
			s->lines++;
		while (r > 0 && len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (r < 0) {
			if (report && s->oversize++ < BAD_REPORT_MAX)
				msg(s, "%s:%llu: line longer than %u bytes, skipped", s->path,
				    lineno, ATOMICS_SCORE_LINE_MAX);
			continue;
		}
		if (len == 0)
			continue;
		if (record_json__parse(rec, buf, len, why, sizeof(why))) {
			if (report && s->bad++ < BAD_REPORT_MAX)
				msg(s, "%s:%llu: %s, skipped", s->path, lineno, why);
			continue;
		}
		if (report)
			s->events++;
		rc = fn(s, rec);
		if (rc)
			return rc;
	}
	if (ferror(f)) {
		msg(s, "%s: read error", s->path);
		return -EIO;
	}
	return 0;
}

/* Pass 1: the process table. */
static int pass_table(struct sc *s, struct vrec *rec)
{
	return atl_add(&s->lin, rec);
}

static int on_alert(const struct sigma_rule_info *rule, const struct vrec *rec, void *ctx)
{
	struct sc *s = ctx;
	struct test_acc *t = &s->acc[s->cur_test];
	size_t i;

	for (i = 0; i < t->nalerts; i++)
		if (t->alerts[i].rule == rule)
			break;
	if (i == t->nalerts) {
		if (t->nalerts == t->calerts) {
			size_t n = t->calerts ? t->calerts * 2 : 8;
			struct alert *a = realloc(t->alerts, n * sizeof(*a));

			if (!a) {
				s->sigma_rc = -ENOMEM;
				return 1;
			}
			t->alerts = a;
			t->calerts = n;
		}
		t->alerts[t->nalerts++] = (struct alert){.rule = rule};
	}
	t->alerts[i].count++;
	if (s->cur_cmd)
		t->alerts[i].cmd_count++;
	return 0;
}

/* Pass 2: attribution, counts and Sigma. */
static int pass_attribute(struct sc *s, struct vrec *rec)
{
	unsigned id = rec->def->id;
	struct atl_hit hit;
	struct test_acc *t;

	if (!atl_find(&s->lin, rec, &hit))
		return 0;
	s->attributed++;
	t = &s->acc[hit.test];
	t->events++;
	t->ev[id]++;
	t->root_seen |= hit.root_create;
	if (hit.phase == ATL_PHASE_COMMAND) {
		t->cmd_events++;
		t->cmd[id]++;
		if (!hit.phase_shell_create)
			t->seen[id] = true;
	}
	if (s->sigma) {
		int rc;

		s->cur_test = hit.test;
		s->cur_cmd = hit.phase == ATL_PHASE_COMMAND;
		rc = sigma__match(s->sigma, rec, on_alert, s);
		if (s->sigma_rc)
			return s->sigma_rc;
		if (rc < 0) {
			msg(s, "sigma: matching failed: %s", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* ---- the manifest ---- */

static int bad_manifest(struct sc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad_manifest(struct sc *s, const char *fmt, ...)
{
	va_list ap;

	if (s->err) {
		fputs("manifest: ", s->err);
		va_start(ap, fmt);
		vfprintf(s->err, fmt, ap);
		va_end(ap);
		fputc('\n', s->err);
	}
	return -EINVAL;
}

static bool get_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Checks what the scorer relies on; everything else is copied as it is. */
static int check_manifest(struct sc *s, struct json_object *m, struct json_object **tests,
			  const char **runid_out)
{
	struct json_object *v;
	const char *runid;
	size_t n;

	if (!m || !json_object_is_type(m, json_type_object))
		return bad_manifest(s, "not a JSON object");
	if (!json_object_object_get_ex(m, "vigil_atomics_manifest", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1)
		return bad_manifest(s, "\"vigil_atomics_manifest\" is not 1 (not a vigil atomics "
				       "manifest, or a version this vigil does not know)");
	runid = get_str(m, "runid");
	if (!runid || strlen(runid) != 16 || strspn(runid, "0123456789abcdef") != 16)
		return bad_manifest(s, "\"runid\" is not 16 lowercase hex digits");
	*runid_out = runid;
	if (!json_object_object_get_ex(m, "tests", tests) ||
	    !json_object_is_type(*tests, json_type_array))
		return bad_manifest(s, "\"tests\" is not an array");
	n = json_object_array_length(*tests);
	if (n > ATOMICS_SCORE_MAX_TESTS)
		return bad_manifest(s, "more than %d tests", ATOMICS_SCORE_MAX_TESTS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(*tests, i);
		const char *tech;
		bool ran, ok;

		if (!json_object_is_type(t, json_type_object))
			return bad_manifest(s, "tests[%zu] is not an object", i);
		if (!json_object_object_get_ex(t, "index", &v) ||
		    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) != (long)i)
			return bad_manifest(s, "tests[%zu]: \"index\" is not %zu", i, i);
		tech = get_str(t, "technique");
		if (!tech || tech[0] != 'T')
			return bad_manifest(s, "tests[%zu]: \"technique\" is not a technique id",
					    i);
		if (!get_bool(t, "ran", &ran))
			return bad_manifest(s, "tests[%zu]: \"ran\" is not true or false", i);
		if (ran && !get_bool(t, "succeeded", &ok))
			return bad_manifest(
			    s, "tests[%zu]: ran, but \"succeeded\" is not true or false", i);
	}
	s->ntests = n;
	return 0;
}

/* ---- data components ---- */

struct dc_ctx {
	struct cov_data *data;
	struct cov_collect *all, *one; /* every event collected; one event at a time */
	struct cov_tech_result *r_all, *r_one;
	struct atomics_keydc *keydc; /* data/atomics_key_dc.tsv */
};

static bool dc_generic(const char *id)
{
	return strcmp(id, "DC0032") == 0 || strcmp(id, "DC0064") == 0;
}

/* Sets "technique_name", "data_components" (and "data_components_of" for
 * a parent's), and returns via *nkey / *nseen the key requirements and how
 * many of them the command phase met. Without a row in the key table a
 * requirement is one key DC; a row's requirement may name alternatives. */
static int score_dcs(struct dc_ctx *c, const char *tech, const struct test_acc *t,
		     struct json_object *out, size_t *nkey, size_t *nseen)
{
	char parent[16], name[512] = "";
	int ti = cov_data__find(c->data, tech), pi = -1;
	struct json_object *dcs = json_object_new_array(), *by[COV_MAX_DC] = {0};
	const struct akd_row *row = c->keydc ? atomics_keydc__find(c->keydc, tech) : NULL;
	struct cov_dc_result *scratch = &c->r_one->dc[0];
	int idx[COV_MAX_DC];
	const char *label[COV_MAX_DC], *ids[COV_MAX_DC];
	bool observable[COV_MAX_DC], added[COV_MAX_DC], key[COV_MAX_DC];
	const struct akd_group *grp[COV_MAX_DC];
	bool specific = false;
	size_t n = 0;

	*nkey = *nseen = 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)strcspn(tech, "."), tech);
	if (strchr(tech, '.'))
		pi = cov_data__find(c->data, parent);
	if (pi >= 0 && cov_data__evaluate(c->data, c->all, (size_t)pi, c->r_all) == 0)
		snprintf(name, sizeof(name), "%s", c->r_all->name);
	if (ti >= 0 && cov_data__evaluate(c->data, c->all, (size_t)ti, c->r_all) == 0) {
		if (pi >= 0) {
			size_t l = strlen(name);

			snprintf(name + l, sizeof(name) - l, ": %s", c->r_all->name);
		} else {
			snprintf(name, sizeof(name), "%s", c->r_all->name);
		}
	} else if (pi >= 0 && cov_data__evaluate(c->data, c->all, (size_t)pi, c->r_all) == 0) {
		ti = pi;
		json_object_object_add(out, "data_components_of", json_object_new_string(parent));
	} else {
		ti = -1;
	}
	json_object_object_add(out, "technique_name", json_object_new_string(name));
	/* The DCs: ATT&CK's, then the ones the key table adds. */
	for (size_t j = 0; ti >= 0 && j < c->r_all->ndc; j++) {
		const struct cov_dc_result *d = &c->r_all->dc[j];

		idx[n] = cov_data__dc_find(c->data, d->dc_id);
		ids[n] = d->dc_id;
		label[n] = d->label;
		observable[n] = d->state != COV_DC_MISSING;
		added[n++] = false;
		if (d->state != COV_DC_MISSING && !dc_generic(d->dc_id))
			specific = true;
	}
	for (size_t g = 0; row && g < row->ngroups; g++)
		for (size_t a = 0; a < row->group[g].n; a++) {
			size_t k;

			for (k = 0; k < n && idx[k] != row->group[g].dc[a]; k++)
				;
			if (k == n && n < COV_MAX_DC &&
			    cov_data__evaluate_dc(c->data, c->all, row->group[g].dc[a], tech,
						  scratch) == 0) {
				idx[n] = row->group[g].dc[a];
				ids[n] = scratch->dc_id;
				label[n] = scratch->label;
				observable[n] = scratch->state != COV_DC_MISSING;
				added[n++] = true;
			}
		}
	/* Which DCs each event type seen in the command phase gives. */
	for (unsigned e = 0; e < VIGIL_EVENT_ID_MAX; e++) {
		if (!t->seen[e] || !schema__event(e))
			continue;
		c->one->ev[e].level = COV_ALL;
		for (size_t k = 0; k < n; k++) {
			if (cov_data__evaluate_dc(c->data, c->one, idx[k], tech, scratch) ||
			    scratch->state == COV_DC_MISSING)
				continue;
			if (!by[k])
				by[k] = json_object_new_array();
			json_object_array_add(by[k],
					      json_object_new_string(schema__event(e)->name));
		}
		c->one->ev[e].level = COV_OFF;
	}
	for (size_t k = 0; k < n; k++) {
		grp[k] = NULL;
		key[k] = !row && observable[k] && !(specific && dc_generic(ids[k]));
		for (size_t g = 0; row && g < row->ngroups; g++)
			for (size_t a = 0; a < row->group[g].n; a++)
				if (row->group[g].dc[a] == idx[k])
					grp[k] = &row->group[g];
		key[k] |= grp[k] != NULL;
	}
	for (size_t k = 0; k < n; k++) {
		const char *sp = strchr(label[k], ' ');
		struct json_object *o = json_object_new_object();

		/* v18 labels read "DC0032 Process Creation". */
		json_object_object_add(o, "id", json_object_new_string(ids[k]));
		json_object_object_add(o, "name", json_object_new_string(sp ? sp + 1 : label[k]));
		json_object_object_add(o, "key", json_object_new_boolean(key[k]));
		json_object_object_add(o, "seen", json_object_new_boolean(by[k] != NULL));
		json_object_object_add(o, "by", by[k] ? by[k] : json_object_new_array());
		json_object_object_add(o, "observable", json_object_new_boolean(observable[k]));
		json_object_object_add(o, "source",
				       json_object_new_string(added[k] ? "vigil" : "attack"));
		if (grp[k] && grp[k]->n > 1) {
			struct json_object *any = json_object_new_array();

			for (size_t a = 0; a < grp[k]->n; a++)
				for (size_t m = 0; m < n; m++)
					if (idx[m] == grp[k]->dc[a])
						json_object_array_add(
						    any, json_object_new_string(ids[m]));
			json_object_object_add(o, "key_any_of", any);
		}
		json_object_array_add(dcs, o);
		if (!row) {
			*nkey += key[k];
			*nseen += key[k] && by[k];
		}
	}
	for (size_t g = 0; row && g < row->ngroups; g++) {
		bool met = false;

		for (size_t k = 0; k < n; k++)
			met |= grp[k] == &row->group[g] && by[k];
		*nseen += met;
	}
	if (row) {
		*nkey = row->ngroups;
		json_object_object_add(out, "key_dc_row", json_object_new_string(row->tech));
	}
	json_object_object_add(out, "data_components", dcs);
	json_object_object_add(out, "key_needed", json_object_new_int64((int64_t)*nkey));
	json_object_object_add(out, "key_met", json_object_new_int64((int64_t)*nseen));
	return 0;
}

static struct json_object *event_types(const uint32_t *ev)
{
	struct json_object *o = json_object_new_object();

	for (unsigned e = 0; e < VIGIL_EVENT_ID_MAX; e++)
		if (ev[e] && schema__event(e))
			json_object_object_add(o, schema__event(e)->name,
					       json_object_new_int64(ev[e]));
	return o;
}

static int alert_cmp(const void *a, const void *b)
{
	const struct alert *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->rule->title, y->rule->title);
}

/* "alerts" (every rule that fired on the test's events, any phase, with
 * its count and command-phase count), "alert" and "nongeneric_alert" (a
 * rule, or a rule not in generic_rules[], fired in the command phase);
 * *any / *nongeneric returned. */
static void add_alerts(struct test_acc *t, struct json_object *out, bool *any, bool *nongeneric)
{
	struct json_object *arr = json_object_new_array();

	*any = *nongeneric = false;
	if (t->nalerts)
		qsort(t->alerts, t->nalerts, sizeof(*t->alerts), alert_cmp);
	for (size_t i = 0; i < t->nalerts; i++) {
		const struct sigma_rule_info *r = t->alerts[i].rule;
		bool generic = atomics_score_generic_rule(r->id, r->title);
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "title", json_object_new_string(r->title));
		json_object_object_add(o, "id", json_object_new_string(r->id));
		json_object_object_add(o, "level", json_object_new_string(r->level));
		json_object_object_add(o, "generic", json_object_new_boolean(generic));
		json_object_object_add(o, "count",
				       json_object_new_int64((int64_t)t->alerts[i].count));
		json_object_object_add(o, "command_count",
				       json_object_new_int64((int64_t)t->alerts[i].cmd_count));
		json_object_array_add(arr, o);
		/* Only the command phase makes "alert": a prerequisite's or
		 * cleanup's `rm -f FILE` fires SigmaHQ's File Deletion for
		 * nearly every test, which says nothing of the technique. */
		if (t->alerts[i].cmd_count) {
			*any = true;
			*nongeneric |= !generic;
		}
	}
	json_object_object_add(out, "alerts", arr);
	json_object_object_add(out, "alert", json_object_new_boolean(*any));
	json_object_object_add(out, "nongeneric_alert", json_object_new_boolean(*nongeneric));
}

/* The class of a skip reason: its text up to the first ':' ("download",
 * "policy", "prerequisite not met", "manual"). */
static void reason_class(const char *why, char *out, size_t len)
{
	if (!why || !why[0])
		why = "unknown";
	snprintf(out, len, "%.*s", (int)strcspn(why, ":"), why);
}

struct totals {
	long tests, ran, skipped, succeeded, key_seen, covered, alerted, nongeneric;
	long verdict[5];
	struct json_object *by_reason;
};

static const char *const verdict_names[5] = {"verified", "partial", "not_seen", "command_failed",
					     "skipped"};

/* One RESULTS entry: the manifest's fields, then the scores. */
static int score_test(struct sc *s, struct dc_ctx *c, struct json_object *mt, size_t i,
		      struct totals *tot, struct json_object **out)
{
	struct test_acc *t = &s->acc[i];
	struct json_object *o = json_object_new_object();
	bool ran = false, ok = false, any, nongeneric;
	size_t nkey, nseen;
	const char *tel;
	int verdict;

	if (!o)
		return -ENOMEM;
	json_object_object_foreach(mt, k, v) json_object_object_add(o, k, json_object_get(v));
	get_bool(mt, "ran", &ran);
	if (ran)
		get_bool(mt, "succeeded", &ok);
	score_dcs(c, get_str(mt, "technique"), t, o, &nkey, &nseen);
	json_object_object_add(o, "events", json_object_new_int64((int64_t)t->events));
	json_object_object_add(o, "event_types", event_types(t->ev));
	json_object_object_add(o, "command_events", json_object_new_int64((int64_t)t->cmd_events));
	json_object_object_add(o, "command_event_types", event_types(t->cmd));
	json_object_object_add(o, "root_seen", json_object_new_boolean(t->root_seen));
	if (!ran || !ok)
		tel = "n/a";
	else if (nkey && nseen == nkey)
		tel = "covered";
	else if (nseen)
		tel = "partial";
	else
		tel = "not_seen";
	json_object_object_add(o, "telemetry", json_object_new_string(tel));
	json_object_object_add(o, "key_seen", json_object_new_boolean(ran && nseen > 0));
	add_alerts(t, o, &any, &nongeneric);
	if (!ran)
		verdict = 4;
	else if (!ok)
		verdict = 3;
	else
		verdict = tel[0] == 'c' ? 0 : tel[0] == 'p' ? 1 : 2;
	json_object_object_add(o, "verdict", json_object_new_string(verdict_names[verdict]));

	tot->tests++;
	tot->verdict[verdict]++;
	if (!ran) {
		char cls[128];
		struct json_object *n;

		tot->skipped++;
		reason_class(get_str(mt, "skip_reason"), cls, sizeof(cls));
		if (json_object_object_get_ex(tot->by_reason, cls, &n))
			json_object_int_inc(n, 1);
		else
			json_object_object_add(tot->by_reason, cls, json_object_new_int64(1));
	} else {
		tot->ran++;
		tot->succeeded += ok;
		tot->key_seen += ok && nseen > 0;
		tot->covered += tel[0] == 'c';
		tot->alerted += any;
		tot->nongeneric += nongeneric;
	}
	*out = o;
	return 0;
}

static struct json_object *totals_json(struct totals *tot)
{
	struct json_object *o = json_object_new_object(), *v = json_object_new_object();

	json_object_object_add(o, "tests", json_object_new_int64(tot->tests));
	json_object_object_add(o, "ran", json_object_new_int64(tot->ran));
	json_object_object_add(o, "skipped", json_object_new_int64(tot->skipped));
	json_object_object_add(o, "skipped_by_reason", tot->by_reason);
	json_object_object_add(o, "succeeded", json_object_new_int64(tot->succeeded));
	json_object_object_add(o, "key_seen", json_object_new_int64(tot->key_seen));
	json_object_object_add(o, "covered", json_object_new_int64(tot->covered));
	json_object_object_add(o, "alerted", json_object_new_int64(tot->alerted));
	json_object_object_add(o, "nongeneric_alerted", json_object_new_int64(tot->nongeneric));
	for (int k = 0; k < 5; k++)
		json_object_object_add(v, verdict_names[k], json_object_new_int64(tot->verdict[k]));
	json_object_object_add(o, "by_verdict", v);
	tot->by_reason = NULL;
	return o;
}

static void copy_field(struct json_object *from, struct json_object *to, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(from, key, &v))
		json_object_object_add(to, key, json_object_get(v));
	else
		json_object_object_add(to, key, NULL);
}

static void sigma_report(const struct sigma_report *r, void *ctx)
{
	struct sc *s = ctx;

	if (r->status == SIGMA_UNSUPPORTED || r->status == SIGMA_ERROR)
		msg(s, "%s:%d: %s: %s (rule skipped)", r->file, r->line,
		    r->status == SIGMA_ERROR ? "error" : "unsupported", r->msg);
}

static int load_sigma(struct sc *s, const char *path)
{
	int rc;

	s->sigma = sigma__new();
	if (!s->sigma)
		return -ENOMEM;
	rc = sigma__add_path(s->sigma, path);
	if (rc < 0) {
		msg(s, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = sigma__compile(s->sigma, sigma_report, s);
	if (rc < 0) {
		msg(s, "sigma: cannot build the matcher: %s", strerror(-rc));
		return rc;
	}
	if (sigma__rule_count(s->sigma) == 0)
		msg(s, "sigma: warning: no rule of %s loaded", path);
	return 0;
}

static int load_data(struct dc_ctx *c, struct sc *s)
{
	char dir[4096], why[512];
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	if (datadir__find(NULL, dir, sizeof(dir))) {
		msg(s, "ATT&CK data not found (looked last in %s; set VIGIL_DATADIR)", dir);
		return -ENODATA;
	}
	c->data = cov_data__load(dir, COV_MODEL_V18, why, sizeof(why));
	if (!c->data) {
		msg(s, "%s", why);
		return errno == ENOMEM ? -ENOMEM : -ENODATA;
	}
	{
		char p[4096 + sizeof(AKD_FILE) + 1];
		int rc;

		snprintf(p, sizeof(p), "%s/%s", dir, AKD_FILE);
		rc = atomics_keydc__load(p, c->data, &c->keydc, why, sizeof(why));
		if (rc) {
			msg(s, "%s", why);
			return rc == -ENOMEM ? -ENOMEM : -ENODATA;
		}
	}
	c->all = malloc(sizeof(*c->all));
	c->one = malloc(sizeof(*c->one));
	c->r_all = malloc(sizeof(*c->r_all));
	c->r_one = malloc(sizeof(*c->r_one));
	if (!c->all || !c->one || !c->r_all || !c->r_one)
		return -ENOMEM;
	cov_collect__init(c->all, "atomics");
	cov_collect__init(c->one, "atomics");
	for (size_t i = 0; i < n; i++) {
		c->all->ev[evs[i]->id].level = COV_ALL;
		c->one->ev[evs[i]->id].level = COV_OFF;
	}
	return 0;
}

static void free_data(struct dc_ctx *c)
{
	cov_data__free(c->data);
	atomics_keydc__free(c->keydc);
	free(c->all);
	free(c->one);
	free(c->r_all);
	free(c->r_one);
}

static int build_results(struct sc *s, struct dc_ctx *c, struct json_object *m,
			 struct json_object *tests, const char *events_path, const char *sigma_path,
			 struct json_object **results)
{
	struct json_object *r = json_object_new_object(), *arr = json_object_new_array(), *in;
	struct totals tot = {.by_reason = json_object_new_object()};
	char abs[PATH_MAX];

	if (!r || !arr || !tot.by_reason) {
		json_object_put(r);
		json_object_put(arr);
		json_object_put(tot.by_reason);
		return -ENOMEM;
	}
	json_object_object_add(r, "vigil_atomics_results", json_object_new_int(1));
	copy_field(m, r, "runid");
	copy_field(m, r, "host");
	copy_field(m, r, "atomics_dir");
	json_object_object_add(
	    r, "sensor_output",
	    json_object_new_string(realpath(events_path, abs) ? abs : events_path));
	json_object_object_add(r, "sigma",
			       !sigma_path		   ? NULL
			       : realpath(sigma_path, abs) ? json_object_new_string(abs)
							   : json_object_new_string(sigma_path));
	copy_field(m, r, "started");
	copy_field(m, r, "finished");
	for (size_t i = 0; i < s->ntests; i++) {
		struct json_object *o;
		int rc = score_test(s, c, json_object_array_get_idx(tests, i), i, &tot, &o);

		if (rc) {
			json_object_put(r);
			json_object_put(arr);
			json_object_put(tot.by_reason);
			return rc;
		}
		json_object_array_add(arr, o);
	}
	json_object_object_add(r, "results", arr);
	json_object_object_add(r, "totals", totals_json(&tot));
	in = json_object_new_object();
	json_object_object_add(in, "lines", json_object_new_int64((int64_t)s->lines));
	json_object_object_add(in, "events", json_object_new_int64((int64_t)s->events));
	json_object_object_add(in, "bad_lines", json_object_new_int64((int64_t)s->bad));
	json_object_object_add(in, "oversize_lines", json_object_new_int64((int64_t)s->oversize));
	json_object_object_add(in, "attributed", json_object_new_int64((int64_t)s->attributed));
	json_object_object_add(in, "processes", json_object_new_int64((int64_t)s->lin.nprocs));
	json_object_object_add(in, "process_table_full",
			       json_object_new_int64((int64_t)s->lin.table_full));
	json_object_object_add(r, "input", in);
	*results = r;
	return 0;
}

int atomics_score(struct json_object *manifest, const char *events_path, const char *sigma_path,
		  struct json_object **results, FILE *err)
{
	struct sc s = {.err = err, .path = events_path};
	struct dc_ctx c = {0};
	struct json_object *tests = NULL;
	const char *runid = NULL;
	struct vrec *rec = NULL;
	char *buf = NULL;
	FILE *f = NULL;
	int rc;

	*results = NULL;
	rc = check_manifest(&s, manifest, &tests, &runid);
	if (rc)
		return rc;
	s.acc = calloc(s.ntests ? s.ntests : 1, sizeof(*s.acc));
	rec = calloc(1, sizeof(*rec));
	buf = malloc(ATOMICS_SCORE_LINE_MAX + 1);
	if (!s.acc || atl_init(&s.lin, runid, s.ntests) || !rec || !buf) {
		rc = -ENOMEM;
		goto out;
	}
	rc = load_data(&c, &s);
	if (rc)
		goto out;
	if (sigma_path) {
		rc = load_sigma(&s, sigma_path);
		if (rc)
			goto out;
	}
	f = fopen(events_path, "re");
	if (!f) {
		rc = -errno;
		msg(&s, "%s: %s", events_path, strerror(errno));
		goto out;
	}
	rc = each_event(&s, f, buf, rec, true, pass_table);
	if (rc)
		goto out;
	if (fseek(f, 0, SEEK_SET) != 0) {
		rc = -errno;
		msg(&s, "%s: cannot read it twice (%s): give a regular file", events_path,
		    strerror(errno));
		goto out;
	}
	rc = each_event(&s, f, buf, rec, false, pass_attribute);
	if (rc)
		goto out;
	if (s.bad > BAD_REPORT_MAX || s.oversize > BAD_REPORT_MAX)
		msg(&s,
		    "%s: %llu bad lines, %llu oversize lines in all (the first %d of each named)",
		    events_path, s.bad, s.oversize, BAD_REPORT_MAX);
	rc = build_results(&s, &c, manifest, tests, events_path, sigma_path, results);
out:
	if (f)
		fclose(f);
	free_data(&c);
	if (s.sigma)
		sigma__free(s.sigma);
	for (size_t i = 0; s.acc && i < s.ntests; i++)
		free(s.acc[i].alerts);
	free(s.acc);
	atl_free(&s.lin);
	free(rec);
	free(buf);
	return rc;
}

/* The one-line report of each test, then the totals. */
void atomics_score_print(FILE *out, struct json_object *res)
{
	struct json_object *arr, *tot, *v;

	if (!json_object_object_get_ex(res, "results", &arr))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *t = json_object_array_get_idx(arr, i), *dcs, *al;
		char id[64];
		int key = 0, seen = 0, nal = 0, nng = 0;

		snprintf(id, sizeof(id), "%s-%d",
			 json_object_get_string(json_object_object_get(t, "technique")),
			 json_object_get_int(json_object_object_get(t, "number")));
		if (json_object_object_get_ex(t, "data_components", &dcs))
			for (size_t j = 0; j < json_object_array_length(dcs); j++) {
				struct json_object *d = json_object_array_get_idx(dcs, j);

				if (json_object_get_boolean(json_object_object_get(d, "key"))) {
					key++;
					seen += json_object_get_boolean(
					    json_object_object_get(d, "seen"));
				}
			}
		/* A key table row's alternatives make one requirement of several
		 * key DCs: the scorer's own counts say how many were met. */
		if (json_object_object_get_ex(t, "key_needed", &v) &&
		    json_object_is_type(v, json_type_int)) {
			key = json_object_get_int(v);
			seen = json_object_get_int(json_object_object_get(t, "key_met"));
		}
		if (json_object_object_get_ex(t, "alerts", &al))
			for (size_t j = 0; j < json_object_array_length(al); j++) {
				struct json_object *a = json_object_array_get_idx(al, j);

				nal++;
				nng +=
				    !json_object_get_boolean(json_object_object_get(a, "generic"));
			}
		fprintf(out,
			"%-16s %-14s key DCs %d/%d  events %d (command %d)  alerts %d (%d "
			"non-generic)\n",
			id, json_object_get_string(json_object_object_get(t, "verdict")), seen, key,
			json_object_get_int(json_object_object_get(t, "events")),
			json_object_get_int(json_object_object_get(t, "command_events")), nal, nng);
	}
	if (json_object_object_get_ex(res, "totals", &tot)) {
		fprintf(out,
			"%d tests: %d ran, %d skipped, %d succeeded, %d key behaviour seen, %d "
			"covered, %d alerted, %d non-generic alert",
			json_object_get_int(json_object_object_get(tot, "tests")),
			json_object_get_int(json_object_object_get(tot, "ran")),
			json_object_get_int(json_object_object_get(tot, "skipped")),
			json_object_get_int(json_object_object_get(tot, "succeeded")),
			json_object_get_int(json_object_object_get(tot, "key_seen")),
			json_object_get_int(json_object_object_get(tot, "covered")),
			json_object_get_int(json_object_object_get(tot, "alerted")),
			json_object_get_int(json_object_object_get(tot, "nongeneric_alerted")));
		if (json_object_object_get_ex(res, "input", &v))
			fprintf(
			    out, "; %d events, %d attributed, %d bad lines",
			    json_object_get_int(json_object_object_get(v, "events")),
			    json_object_get_int(json_object_object_get(v, "attributed")),
			    json_object_get_int(json_object_object_get(v, "bad_lines")) +
				json_object_get_int(json_object_object_get(v, "oversize_lines")));
		fputc('\n', out);
	}
}

/* Writes results to a new path (0600, never an existing file or symlink). */
int atomics_write_json(const char *path, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, ATOMICS_SCORE_JSON_FLAGS);
	size_t len = strlen(text);
	int fd = outfile__create(path, O_WRONLY);
	FILE *f;

	if (fd < 0)
		return fd;
	f = fdopen(fd, "w");
	if (!f) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if (fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) == 0 ? 0 : -EIO;
}
