/*
 * test_coverage.c — ATT&CK coverage scoring over hand-built collection tables:
 * visibility levels at their boundaries, full/partial/missing components,
 * the v17/v18/union models, the Navigator layer's required fields (parsed
 * back with json-c), the comparison of two configs, --verified verdicts from
 * `vigil simulate` and atomics RESULTS files (tests/fixtures/atomics-results)
 * alone and combined, shown in the Navigator layer, JSON, table and HTML,
 * and file:line errors on bad data. Uses the shipped data/ (VIGIL_DATADIR).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage/coverage.h"

static struct cov_data *load(enum cov_model m)
{
	char err[512] = "";
	struct cov_data *d = cov_data__load(VIGIL_DATADIR, m, err, sizeof(err));

	if (!d)
		fail_msg("load: %s", err);
	return d;
}

/* Sysmon's builtin: ProcessCreate and ProcessTerminate only. */
static void builtin(struct cov_collect *c)
{
	cov_collect__init(c, "(builtin)");
	cov_collect__set(c, EV_PROCESS_CREATE, COV_ALL, NULL);
	cov_collect__set(c, EV_PROCESS_TERMINATE, COV_ALL, NULL);
}

static void eval(struct cov_data *d, struct cov_collect *c, const char *id,
		 struct cov_tech_result *r)
{
	int i = cov_data__find(d, id);

	assert_true(i >= 0);
	assert_int_equal(cov_data__evaluate(d, c, (size_t)i, r), 0);
}

static const struct cov_dc_result *dc(const struct cov_tech_result *r, const char *id)
{
	for (size_t i = 0; i < r->ndc; i++)
		if (strcmp(r->dc[i].dc_id, id) == 0)
			return &r->dc[i];
	fail_msg("%s has no %s", r->id, id);
	return NULL;
}

static void test_levels(void **state)
{
	assert_int_equal(cov_level_from_pct(0.0), 0);
	assert_int_equal(cov_level_from_pct(0.01), 1);
	assert_int_equal(cov_level_from_pct(1.0), 1);
	assert_int_equal(cov_level_from_pct(49.0), 1);
	assert_int_equal(cov_level_from_pct(49.99), 1);
	assert_int_equal(cov_level_from_pct(50.0), 2);
	assert_int_equal(cov_level_from_pct(74.99), 2);
	assert_int_equal(cov_level_from_pct(75.0), 3);
	assert_int_equal(cov_level_from_pct(99.99), 3);
	assert_int_equal(cov_level_from_pct(100.0), 4);
}

static void test_load_models(void **state)
{
	struct cov_data *v18 = load(COV_MODEL_V18), *v17 = load(COV_MODEL_V17),
			*u = load(COV_MODEL_UNION);
	struct cov_collect c;
	struct cov_tech_result r;

	assert_int_equal(cov_data__count(v18), 354);
	assert_int_equal(cov_data__count(v17), 347);
	assert_int_equal(cov_data__count(u), 354);
	builtin(&c);
	/* T1053.003: v18 Process Creation + File Modification; v17 adds Command
	 * Execution and Scheduled Job Creation; the union is all four. */
	eval(v18, &c, "T1053.003", &r);
	assert_int_equal(r.ndc, 2);
	assert_true(r.tactics & (1u << 4)); /* persistence */
	eval(v17, &c, "T1053.003", &r);
	assert_int_equal(r.ndc, 4);
	assert_string_equal(dc(&r, "DC0064")->label, "Command: Command Execution");
	assert_true(r.tactics & (1u << 4)); /* tactics borrowed from v18 */
	eval(u, &c, "T1053.003", &r);
	assert_int_equal(r.ndc, 4);
	assert_string_equal(dc(&r, "DC0064")->label, "DC0064 Command Execution");
	/* builtin: Process Creation + Command Execution from event 1. */
	assert_int_equal(r.n_full, 2);
	assert_int_equal(r.level, 2);
	cov_data__free(v18);
	cov_data__free(v17);
	cov_data__free(u);
}

static void test_scoring(void **state)
{
	struct cov_data *d = load(COV_MODEL_V18);
	struct cov_collect c;
	struct cov_tech_result r;

	builtin(&c);
	eval(d, &c, "T1033", &r); /* only Process Creation */
	assert_int_equal(r.ndc, 1);
	assert_true(r.score == 100.0);
	assert_int_equal(r.level, 4);
	assert_string_equal(dc(&r, "DC0032")->events, "ProcessCreate(1)");

	eval(d, &c, "T1053.003", &r); /* Process Creation yes, File Modification no */
	assert_true(r.score == 50.0);
	assert_int_equal(r.level, 2);
	assert_int_equal(dc(&r, "DC0061")->state, COV_DC_MISSING);
	assert_string_equal(dc(&r, "DC0061")->events, "");

	/* FileModify only through include rules: partial, the rules named. */
	cov_collect__set(&c, EV_FILE_MODIFY, COV_PARTIAL, "T1053.003 cron, crontab");
	eval(d, &c, "T1053.003", &r);
	assert_int_equal(dc(&r, "DC0061")->state, COV_DC_PARTIAL);
	assert_non_null(strstr(dc(&r, "DC0061")->events,
			       "FileModify(200) partial: 1 include rule, 1 naming "
			       "T1053.003: T1053.003 cron, crontab"));
	assert_true(r.score == 75.0);
	assert_int_equal(r.level, 3);
	assert_int_equal(r.n_partial, 1);

	/* Collected entirely: full, and rename (201) also provides it. */
	cov_collect__set(&c, EV_FILE_MODIFY, COV_ALL, NULL);
	cov_collect__set(&c, EV_FILE_RENAME, COV_ALL, NULL);
	eval(d, &c, "T1053.003", &r);
	assert_int_equal(r.level, 4);
	assert_string_equal(dc(&r, "DC0061")->events, "FileModify(200); FileRename(201)");

	/* A partial mapping caps a fully collected event at partial: DNS gives
	 * only part of Network Traffic Content. */
	cov_collect__init(&c, "t");
	cov_collect__set(&c, EV_NETWORK_CONNECT, COV_ALL, NULL);
	cov_collect__set(&c, EV_DNS_QUERY, COV_ALL, NULL);
	eval(d, &c, "T1095", &r);
	assert_int_equal(dc(&r, "DC0082")->state, COV_DC_FULL);
	assert_int_equal(dc(&r, "DC0085")->state, COV_DC_PARTIAL);
	assert_non_null(strstr(dc(&r, "DC0085")->events, "DnsQuery(22) partial mapping"));
	assert_true(r.score == 75.0);
	/* NetworkConnect off, NetworkListen on: connection creation only partial. */
	cov_collect__set(&c, EV_NETWORK_CONNECT, COV_OFF, NULL);
	cov_collect__set(&c, EV_NETWORK_LISTEN, COV_ALL, NULL);
	eval(d, &c, "T1095", &r);
	assert_int_equal(dc(&r, "DC0082")->state, COV_DC_PARTIAL);
	assert_true(r.score == 50.0);
	assert_int_equal(r.level, 2);

	/* Nothing collected but the daemon's own events. */
	cov_collect__init(&c, "none");
	assert_int_equal(c.ev[EV_SENSOR_HEALTH].level, COV_ALL);
	assert_int_equal(c.ev[EV_PROCESS_CREATE].level, COV_OFF);
	assert_string_equal(c.ev[EV_PROCESS_CREATE].caps, "none");
	eval(d, &c, "T1033", &r);
	assert_true(r.score == 0.0);
	assert_int_equal(r.level, 0);
	/* 1 of 3 with a partial: (1 + 0.5) / 3 = 50 % → level 2 (boundary). */
	cov_collect__set(&c, EV_PROCESS_CREATE, COV_ALL, NULL);
	cov_collect__set(&c, EV_PROCESS_ACCESS, COV_ALL, NULL);
	eval(d, &c, "T1055.008", &r);
	assert_int_equal(r.ndc, 3);
	assert_true(r.score == 50.0);
	assert_int_equal(r.level, 2);
	/* + PrivilegeChange for Process Metadata: 2.5 / 3 → level 3. */
	cov_collect__set(&c, EV_PRIVILEGE_CHANGE, COV_ALL, NULL);
	eval(d, &c, "T1055.008", &r);
	assert_int_equal(r.level, 3);
	assert_int_equal(cov_collect__set(&c, VIGIL_EVENT_ID_MAX, COV_ALL, NULL), -EINVAL);
	cov_data__free(d);
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("missing key %s", k);
	return v;
}

static void test_navigator(void **state)
{
	struct cov_data *d = load(COV_MODEL_V18);
	struct cov_collect c;
	struct strbuf sb;
	struct json_object *root, *techs, *t0, *meta;
	bool seen = false;

	builtin(&c);
	strbuf__init(&sb, 0);
	assert_int_equal(cov_report(d, &c, NULL, COV_FMT_NAVIGATOR, &sb), 0);
	root = json_tokener_parse(strbuf__cstr(&sb));
	assert_non_null(root);
	assert_string_equal(json_object_get_string(get(get(root, "versions"), "layer")), "4.5");
	assert_string_equal(json_object_get_string(get(get(root, "versions"), "attack")), "18");
	assert_string_equal(json_object_get_string(get(root, "domain")), "enterprise-attack");
	assert_non_null(strstr(json_object_get_string(get(root, "name")), "(builtin)"));
	assert_int_equal(json_object_array_length(get(get(root, "gradient"), "colors")), 3);
	assert_int_equal(json_object_get_int(get(get(root, "gradient"), "maxValue")), 100);
	assert_int_equal(json_object_array_length(get(root, "legendItems")), 5);
	techs = get(root, "techniques");
	assert_int_equal(json_object_array_length(techs), 354);
	for (size_t i = 0; i < json_object_array_length(techs); i++) {
		t0 = json_object_array_get_idx(techs, i);
		assert_true(json_object_is_type(get(t0, "score"), json_type_double) ||
			    json_object_is_type(get(t0, "score"), json_type_int));
		if (strcmp(json_object_get_string(get(t0, "techniqueID")), "T1053.003") != 0)
			continue;
		seen = true;
		assert_true(json_object_get_double(get(t0, "score")) == 50.0);
		assert_non_null(strstr(json_object_get_string(get(t0, "comment")),
				       "Covered: DC0032 Process Creation [via ProcessCreate(1)]"));
		assert_non_null(strstr(json_object_get_string(get(t0, "comment")),
				       "Missing: DC0061 File Modification"));
		meta = get(t0, "metadata");
		assert_string_equal(
		    json_object_get_string(get(json_object_array_get_idx(meta, 1), "value")),
		    "DC0061 File Modification");
	}
	assert_true(seen);
	json_object_put(root);

	/* The JSON format parses too and carries the per-event table. */
	strbuf__clear(&sb);
	assert_int_equal(cov_report(d, &c, NULL, COV_FMT_JSON, &sb), 0);
	root = json_tokener_parse(strbuf__cstr(&sb));
	assert_non_null(root);
	assert_int_equal(json_object_array_length(get(root, "techniques")), 354);
	t0 = json_object_array_get_idx(get(root, "events"), 0);
	assert_int_equal(json_object_get_int(get(t0, "EventID")), 1);
	assert_string_equal(json_object_get_string(get(t0, "collected")), "all");
	assert_string_equal(json_object_get_string(get(t0, "caps")), "none");
	json_object_put(root);
	strbuf__free(&sb);
	cov_data__free(d);
}

static void test_compare(void **state)
{
	struct cov_data *d = load(COV_MODEL_V18);
	struct cov_collect a, b;
	struct strbuf sb;
	struct json_object *root, *techs;
	bool t1095 = false;

	cov_collect__init(&a, "a.xml");
	cov_collect__init(&b, "b.xml");
	cov_collect__set(&a, EV_PROCESS_CREATE, COV_ALL, NULL);
	cov_collect__set(&b, EV_PROCESS_CREATE, COV_ALL, NULL);
	cov_collect__set(&a, EV_NETWORK_CONNECT, COV_ALL, NULL);
	strbuf__init(&sb, 0);
	assert_int_equal(cov_report_compare(d, &a, &b, COV_FMT_JSON, &sb), 0);
	root = json_tokener_parse(strbuf__cstr(&sb));
	assert_non_null(root);
	/* Only A sees anything extra: every difference is A's network telemetry. */
	assert_int_equal(json_object_get_int(get(root, "b_better")), 0);
	assert_true(json_object_get_int(get(root, "a_better")) > 10);
	techs = get(root, "techniques");
	for (size_t i = 0; i < json_object_array_length(techs); i++) {
		struct json_object *t = json_object_array_get_idx(techs, i), *ao;

		assert_int_equal(json_object_array_length(get(t, "b_only")), 0);
		ao = get(t, "a_only");
		for (size_t j = 0; j < json_object_array_length(ao); j++) {
			const char *id =
			    json_object_get_string(get(json_object_array_get_idx(ao, j), "id"));
			assert_true(strcmp(id, "DC0082") == 0 || strcmp(id, "DC0078") == 0);
		}
		if (strcmp(json_object_get_string(get(t, "id")), "T1095") == 0) {
			t1095 = true;
			assert_true(json_object_get_double(get(t, "score_a")) == 50.0);
			assert_true(json_object_get_double(get(t, "score_b")) == 0.0);
		}
	}
	assert_true(t1095);
	json_object_put(root);
	/* Identical configs: nothing differs. */
	strbuf__clear(&sb);
	assert_int_equal(cov_report_compare(d, &b, &b, COV_FMT_TABLE, &sb), 0);
	assert_non_null(strstr(strbuf__cstr(&sb), "0 techniques differ"));
	strbuf__free(&sb);
	cov_data__free(d);
}

static void test_verified(void **state)
{
	char err[512];
	struct cov_verified *v = cov_verified__load(COV_FIXTURES "/results.json", err, sizeof(err));

	assert_non_null(v);
	assert_int_equal(cov_verified__get(v, "T1033"), COV_VERDICT_VERIFIED);
	assert_int_equal(cov_verified__get(v, "T1053.003"), COV_VERDICT_FAILED);
	/* one failed run and one pass: the technique was seen */
	assert_int_equal(cov_verified__get(v, "T1070.006"), COV_VERDICT_VERIFIED);
	/* run without sensor output: proves nothing */
	assert_int_equal(cov_verified__get(v, "T1095"), COV_VERDICT_NONE);
	assert_string_equal(cov_verdict_name(COV_VERDICT_NONE, 50.0), "theoretical");
	assert_string_equal(cov_verdict_name(COV_VERDICT_NONE, 0.0), "-");
	cov_verified__free(v);
	assert_null(cov_verified__load(COV_FIXTURES "/bad_map/event_dc_map.tsv", err, sizeof(err)));
}

#define ATOMICS_RESULTS "tests/fixtures/atomics-results/results.json"

/* The technique roll-up of atomics tests: verified if any test verified,
 * else partial, else failed if any ran; skipped tests prove nothing. */
static void test_verified_atomics(void **state)
{
	char err[512];
	struct cov_verified *v = cov_verified__load(ATOMICS_RESULTS, err, sizeof(err));

	if (!v)
		fail_msg("%s", err);
	assert_int_equal(cov_verified__get(v, "T1003.008"), COV_VERDICT_VERIFIED);
	assert_string_equal(
	    cov_verified__tests(v, "T1003.008"),
	    "T1003.008-1 verified, T1003.008-2 command_failed, T1003.008-3 partial");
	assert_int_equal(cov_verified__get(v, "T1070.004"), COV_VERDICT_PARTIAL);
	assert_string_equal(cov_verified__tests(v, "T1070.004"), "T1070.004-1 partial");
	assert_int_equal(cov_verified__get(v, "T1053.003"), COV_VERDICT_FAILED);
	assert_string_equal(cov_verified__tests(v, "T1053.003"),
			    "T1053.003-1 not_seen, T1053.003-2 command_failed");
	assert_int_equal(cov_verified__get(v, "T1027.013"), COV_VERDICT_VERIFIED);
	/* only skipped tests: no verdict, no tests */
	assert_int_equal(cov_verified__get(v, "T1014"), COV_VERDICT_NONE);
	assert_string_equal(cov_verified__tests(v, "T1014"), "");
	assert_string_equal(cov_verdict_name(COV_VERDICT_PARTIAL, 0.0), "partial");

	/* a simulate file adds to it: T1053.003 stays failed with both tests
	 * listed, T1033 comes in verified */
	assert_int_equal(cov_verified__add_file(v, COV_FIXTURES "/results.json", err, sizeof(err)),
			 0);
	assert_int_equal(cov_verified__get(v, "T1053.003"), COV_VERDICT_FAILED);
	assert_string_equal(cov_verified__tests(v, "T1053.003"),
			    "T1053.003-1 not_seen, T1053.003-2 command_failed, cron-file failed");
	assert_int_equal(cov_verified__get(v, "T1033"), COV_VERDICT_VERIFIED);
	assert_string_equal(cov_verified__tests(v, "T1033"), "discovery-whoami passed");
	/* the baseline: T1003.008 partial there, but verified wins */
	assert_int_equal(cov_verified__add_file(v, "tests/fixtures/atomics-results/baseline.json",
						err, sizeof(err)),
			 0);
	assert_int_equal(cov_verified__get(v, "T1003.008"), COV_VERDICT_VERIFIED);
	cov_verified__free(v);

	/* baseline alone: partial beats failed within a technique */
	v = cov_verified__load("tests/fixtures/atomics-results/baseline.json", err, sizeof(err));
	assert_int_equal(cov_verified__get(v, "T1003.008"), COV_VERDICT_PARTIAL);
	assert_int_equal(cov_verified__get(v, "T1070.004"), COV_VERDICT_FAILED);
	cov_verified__free(v);

	/* bad files: a line for broken JSON, the entry for a bad one, the kind */
	assert_null(
	    cov_verified__load("tests/fixtures/atomics-results/bad-syntax.json", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "bad-syntax.json:4: not valid JSON"));
	assert_null(
	    cov_verified__load("tests/fixtures/atomics-results/bad-entry.json", err, sizeof(err)));
	assert_non_null(strstr(err, "bad-entry.json: results[1]: no \"technique\" string"));
	assert_null(cov_verified__load(COV_FIXTURES "/configs/nonexistent.json", err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_null(
	    cov_verified__load("tests/fixtures/atomics-results/README.md", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
}

/* The verdicts and their tests in the Navigator layer, JSON, table, HTML. */
static void test_verified_reports(void **state)
{
	struct cov_data *d = load(COV_MODEL_V18);
	char err[512];
	struct cov_verified *v = cov_verified__load(ATOMICS_RESULTS, err, sizeof(err));
	struct json_object *root, *techs, *legend;
	struct cov_collect c;
	struct strbuf sb;
	size_t found = 0, colored = 0;
	const char *h;

	assert_non_null(v);
	builtin(&c);
	strbuf__init(&sb, 0);
	assert_int_equal(cov_report(d, &c, v, COV_FMT_NAVIGATOR, &sb), 0);
	root = json_tokener_parse(strbuf__cstr(&sb));
	assert_non_null(root);
	legend = get(root, "legendItems");
	assert_int_equal(json_object_array_length(legend), 8);
	assert_string_equal(
	    json_object_get_string(get(json_object_array_get_idx(legend, 6), "label")),
	    "partial: a test saw some key behaviour");
	techs = get(root, "techniques");
	for (size_t i = 0; i < json_object_array_length(techs); i++) {
		struct json_object *t = json_object_array_get_idx(techs, i), *meta;
		const char *id = json_object_get_string(get(t, "techniqueID"));
		const char *comment = json_object_get_string(get(t, "comment"));

		meta = get(t, "metadata");
		colored += json_object_object_get_ex(t, "color", NULL);
		if (strcmp(id, "T1003.008") == 0) {
			found++;
			assert_string_equal(json_object_get_string(get(t, "color")), "#3b7dd8");
			assert_non_null(strstr(comment, ". Verdict: verified (tests: T1003.008-1 "
							"verified, T1003.008-2 command_failed, "
							"T1003.008-3 partial)."));
			assert_string_equal(
			    json_object_get_string(get(json_object_array_get_idx(meta, 3), "name")),
			    "verdict");
			assert_string_equal(json_object_get_string(
						get(json_object_array_get_idx(meta, 3), "value")),
					    "verified");
			assert_string_equal(json_object_get_string(
						get(json_object_array_get_idx(meta, 4), "value")),
					    "T1003.008-1 verified, T1003.008-2 command_failed, "
					    "T1003.008-3 partial");
		} else if (strcmp(id, "T1070.004") == 0) {
			found++;
			assert_string_equal(json_object_get_string(get(t, "color")), "#a77dd8");
			assert_non_null(
			    strstr(comment, ". Verdict: partial (tests: T1070.004-1 partial)."));
		} else if (strcmp(id, "T1053.003") == 0) {
			found++;
			assert_string_equal(json_object_get_string(get(t, "color")), "#7f0000");
			assert_non_null(strstr(comment, ". Verdict: failed (tests: T1053.003-1 "
							"not_seen, T1053.003-2 command_failed)."));
		} else if (strcmp(id, "T1014") == 0) {
			found++;
			assert_false(json_object_object_get_ex(t, "color", NULL));
			assert_non_null(strstr(comment, ". Verdict: theoretical."));
			assert_int_equal(json_object_array_length(meta), 4);
		}
	}
	assert_int_equal(found, 4);
	/* colour only on the 4 techniques a test decided */
	assert_int_equal(colored, 4);
	json_object_put(root);

	strbuf__clear(&sb);
	assert_int_equal(cov_report(d, &c, v, COV_FMT_JSON, &sb), 0);
	assert_non_null(
	    strstr(strbuf__cstr(&sb),
		   "\"verified\":\"partial\",\"verified_tests\":\"T1070.004-1 partial\""));

	strbuf__clear(&sb);
	assert_int_equal(cov_report(d, &c, v, COV_FMT_TABLE, &sb), 0);
	assert_non_null(strstr(strbuf__cstr(&sb), "L4  verified partial failed\n"));
	/* T1070.004 (partial) is defense-evasion; T1003.008 credential-access */
	assert_non_null(strstr(strbuf__cstr(&sb), "         1       1      0\ncredential-access "));
	assert_non_null(strstr(strbuf__cstr(&sb), "         1       0      0\ndiscovery "));

	strbuf__clear(&sb);
	assert_int_equal(cov_report(d, &c, v, COV_FMT_HTML, &sb), 0);
	h = strbuf__cstr(&sb);
	assert_non_null(strstr(h, "<table id=\"tested\"><tr><th>technique</th><th>name</th>"
				  "<th>visibility</th><th>verdict</th><th>tests</th></tr>\n"));
	assert_non_null(strstr(h, "<tr class=\"v-partial\" data-t=\"T1070.004\"><td>T1070.004"
				  "</td><td>File Deletion</td><td>50%</td><td>partial</td>"
				  "<td>T1070.004-1 partial</td></tr>"));
	assert_non_null(strstr(h, "<td>T1003.008-1 verified, T1003.008-2 command_failed, "
				  "T1003.008-3 partial</td>"));
	assert_non_null(strstr(h, " v-partial\" tabindex=\"0\" data-t=\"T1070.004\""));
	assert_non_null(strstr(h, " v-failed\" tabindex=\"0\" data-t=\"T1053.003\""));
	assert_non_null(strstr(h, "verdict: failed (tests: T1053.003-1 not_seen, T1053.003-2 "
				  "command_failed)</p>"));
	assert_null(strstr(h, "data-t=\"T1014\"><td>"));
	strbuf__free(&sb);
	cov_verified__free(v);
	cov_data__free(d);
}

static void test_bad_data(void **state)
{
	char err[512] = "";

	assert_null(cov_data__load(COV_FIXTURES "/bad_map", COV_MODEL_V18, err, sizeof(err)));
	assert_non_null(strstr(err, "bad_map/event_dc_map.tsv:3: quality must be full or partial"));
	assert_null(cov_data__load(COV_FIXTURES "/nonexistent", COV_MODEL_V18, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "nonexistent/attack/attack_v18.1_data_components.tsv"));
}

static void test_table(void **state)
{
	struct cov_data *d = load(COV_MODEL_V18);
	struct cov_collect c;
	struct strbuf sb;
	const char *t;

	builtin(&c);
	cov_collect__set(&c, EV_FILE_CREATE, COV_PARTIAL, "cron");
	snprintf(c.ev[EV_FILE_CREATE].caps, sizeof(c.ev[0].caps), "per-image 100/s");
	strbuf__init(&sb, 0);
	assert_int_equal(cov_report(d, &c, NULL, COV_FMT_TABLE, &sb), 0);
	t = sb.buf;
	assert_non_null(strstr(t, "config: (builtin)   ATT&CK v18.1 Linux, 354 techniques\n"));
	assert_non_null(
	    strstr(t, "events: ProcessCreate(1) ProcessTerminate(5) FileCreate(11)[partial]\n"));
	assert_non_null(strstr(t, "caps: FileCreate(11)=per-image 100/s\n"));
	/* discovery: 38 techniques, one row; the distinct total adds up to 354 */
	assert_non_null(strstr(t, "\ndiscovery                 38 "));
	assert_non_null(strstr(t, "\nall (distinct)           354 "));
	strbuf__free(&sb);
	cov_data__free(d);
}

/* Every event of the catalogue has a reviewed row, except the two daemon
 * events the mapping's header argues map to nothing. */
static void test_map_complete(void **state)
{
	FILE *f = fopen(VIGIL_DATADIR "/event_dc_map.tsv", "r");
	bool seen[VIGIL_EVENT_ID_MAX] = {false};
	char line[4096];
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned id;

		if (line[0] != '#' && sscanf(line, "%u\t", &id) == 1 && id < VIGIL_EVENT_ID_MAX)
			seen[id] = true;
	}
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		if (evs[i]->id == EV_CAP_SUMMARY || evs[i]->id == EV_DETECTION_ALERT) {
			assert_false(seen[evs[i]->id]);
			continue;
		}
		if (!seen[evs[i]->id])
			fail_msg("event %u %s has no row in event_dc_map.tsv", evs[i]->id,
				 evs[i]->name);
	}
}

static void test_html(void **state)
{
	struct cov_data *d = load(COV_MODEL_V18);
	struct cov_collect c;
	struct strbuf sb;
	size_t cells = 0;
	const char *p;

	builtin(&c);
	strbuf__init(&sb, 0);
	assert_int_equal(cov_report(d, &c, NULL, COV_FMT_HTML, &sb), 0);
	for (p = strbuf__cstr(&sb); (p = strstr(p, "<div class=\"cell ")); p++)
		cells++;
	/* one cell per (technique, tactic) pair: more than techniques */
	assert_true(cells > 354);
	assert_null(strstr(strbuf__cstr(&sb), "http://"));
	assert_null(strstr(strbuf__cstr(&sb), "https://"));
	assert_non_null(strstr(strbuf__cstr(&sb), "id=\"d-T1053.003\""));
	strbuf__free(&sb);
	cov_data__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_load_models),
	    cmocka_unit_test(test_scoring),
	    cmocka_unit_test(test_navigator),
	    cmocka_unit_test(test_compare),
	    cmocka_unit_test(test_verified),
	    cmocka_unit_test(test_bad_data),
	    cmocka_unit_test(test_html),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_map_complete),
	    cmocka_unit_test(test_verified_atomics),
	    cmocka_unit_test(test_verified_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
