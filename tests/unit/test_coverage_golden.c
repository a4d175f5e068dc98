/*
 * test_coverage_golden.c — coverage over real Sysmon configs through the real
 * rules engine: how MSTIC's collect-all.xml and main.xml are read (logged
 * nowhere / partial through named include rules / everything), how they
 * compare, and that switching NetworkConnect off loses exactly the network
 * data components, so the command-and-control techniques that rely on
 * Network Connection Creation drop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "coverage/coverage.h"
#include "rules/rules.h"

#define CFG COV_FIXTURES "/configs/"

static struct cov_collect *load_cfg(const char *path)
{
	struct cov_collect *c = calloc(1, sizeof(*c));
	struct rules_error err;
	struct ruleset *rs;

	assert_non_null(c);
	memset(&err, 0, sizeof(err));
	rs = path ? ruleset__load_file(path, &err) : ruleset__builtin();
	if (!rs)
		fail_msg("%s:%d: %s", err.file, err.line, err.msg);
	cov_collect__from_ruleset(c, rs, path ? path : "(builtin)");
	ruleset__free(rs);
	return c;
}

static void test_reading(void **state)
{
	struct cov_collect *all = load_cfg(CFG "collect-all.xml");
	struct cov_collect *mainx = load_cfg(CFG "main.xml");
	struct cov_collect *b = load_cfg(NULL);
	static const unsigned all_on[] = {1, 3, 5, 9, 10, 11, 23};

	for (size_t i = 0; i < sizeof(all_on) / sizeof(all_on[0]); i++)
		assert_int_equal(all->ev[all_on[i]].level, COV_ALL);
	assert_int_equal(all->ev[EV_DNS_QUERY].level, COV_OFF);
	assert_int_equal(all->ev[EV_IMAGE_LOAD].level, COV_OFF);
	assert_int_equal(all->ev[EV_SENSOR_HEALTH].level, COV_ALL);
	/* main.xml: named include rules → partial; empty include → nothing. */
	assert_int_equal(mainx->ev[EV_PROCESS_CREATE].level, COV_PARTIAL);
	assert_int_equal(mainx->ev[EV_NETWORK_CONNECT].level, COV_PARTIAL);
	assert_int_equal(mainx->ev[EV_FILE_CREATE].level, COV_PARTIAL);
	assert_int_equal(mainx->ev[EV_NETWORK_CONNECT].nrules, 1);
	assert_string_equal(mainx->ev[EV_NETWORK_CONNECT].rules,
			    "TechniqueID=T1105,TechniqueName=Ingress Tool Transfer");
	assert_non_null(strstr(mainx->ev[EV_PROCESS_CREATE].rules,
			       "TechniqueID=T1053.003,TechniqueName=Scheduled Task/Job: Cron\n"));
	assert_int_equal(mainx->ev[EV_PROCESS_TERMINATE].level, COV_OFF);
	assert_int_equal(mainx->ev[EV_RAW_ACCESS_READ].level, COV_OFF);
	assert_int_equal(mainx->ev[EV_FILE_DELETE].level, COV_OFF);
	/* builtin: ProcessCreate and ProcessTerminate only */
	for (unsigned id = 1; id < 200; id++)
		if (schema__event(id) && !(schema__event(id)->flags & EVF_DAEMON))
			assert_int_equal(b->ev[id].level, id == 1 || id == 5 ? COV_ALL : COV_OFF);
	free(all);
	free(mainx);
	free(b);
}

static struct json_object *compare(const struct cov_data *d, const struct cov_collect *a,
				   const struct cov_collect *b)
{
	struct strbuf sb;
	struct json_object *o;

	strbuf__init(&sb, 0);
	assert_int_equal(cov_report_compare(d, a, b, COV_FMT_JSON, &sb), 0);
	o = json_tokener_parse(sb.buf);
	assert_non_null(o);
	strbuf__free(&sb);
	return o;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("missing %s", k);
	return v;
}

static void test_collect_all_vs_main(void **state)
{
	char err[256];
	struct cov_data *d = cov_data__load(VIGIL_DATADIR, COV_MODEL_V18, err, sizeof(err));
	struct cov_collect *all = load_cfg(CFG "collect-all.xml");
	struct cov_collect *mainx = load_cfg(CFG "main.xml");
	struct cov_tech_result r;
	struct json_object *o;

	assert_non_null(d);
	o = compare(d, all, mainx);
	/* main.xml sees nothing collect-all does not; collect-all sees more in
	 * every technique where process, network or file telemetry applies. */
	assert_int_equal(json_object_get_int(get(o, "b_better")), 0);
	assert_int_equal(json_object_get_int(get(o, "a_better")),
			 json_object_get_int(get(o, "differ")));
	assert_true(json_object_get_int(get(o, "differ")) > 250);
	json_object_put(o);
	/* main.xml's rule named after T1053.003 is pointed out on that technique. */
	assert_int_equal(cov_data__evaluate(d, mainx, (size_t)cov_data__find(d, "T1053.003"), &r),
			 0);
	assert_true(r.score == 25.0);
	assert_non_null(strstr(r.dc[0].events, "1 naming T1053.003: TechniqueID=T1053.003,"));
	free(all);
	free(mainx);
	cov_data__free(d);
}

static void test_network_off(void **state)
{
	char err[256];
	struct cov_data *d = cov_data__load(VIGIL_DATADIR, COV_MODEL_V18, err, sizeof(err));
	struct cov_collect *on = load_cfg(CFG "collect-all.xml");
	struct cov_collect *off = load_cfg(CFG "collect-all-no-network.xml");
	struct cov_tech_result ra, rb;
	struct json_object *o, *techs;
	size_t c2_net = 0, c2_lost = 0;

	assert_non_null(d);
	assert_int_equal(off->ev[EV_NETWORK_CONNECT].level, COV_OFF);
	o = compare(d, on, off);
	assert_int_equal(json_object_get_int(get(o, "b_better")), 0);
	techs = get(o, "techniques");
	/* Only the network components differ... */
	for (size_t i = 0; i < json_object_array_length(techs); i++) {
		struct json_object *ao = get(json_object_array_get_idx(techs, i), "a_only");

		for (size_t j = 0; j < json_object_array_length(ao); j++) {
			const char *id =
			    json_object_get_string(get(json_object_array_get_idx(ao, j), "id"));

			assert_true(strcmp(id, "DC0082") == 0 || strcmp(id, "DC0078") == 0);
		}
	}
	json_object_put(o);
	/* ...and every command-and-control technique relying on Network
	 * Connection Creation loses it and scores lower. */
	for (size_t i = 0; i < cov_data__count(d); i++) {
		bool net = false;

		cov_data__evaluate(d, on, i, &ra);
		cov_data__evaluate(d, off, i, &rb);
		if (!(ra.tactics & (1u << 11))) /* command-and-control */
			continue;
		for (size_t k = 0; k < ra.ndc; k++)
			if (strcmp(ra.dc[k].dc_id, "DC0082") == 0) {
				net = true;
				assert_int_equal(ra.dc[k].state, COV_DC_FULL);
				assert_int_equal(rb.dc[k].state, COV_DC_MISSING);
			}
		if (!net)
			continue;
		c2_net++;
		c2_lost += rb.score < ra.score;
	}
	assert_true(c2_net >= 10);
	assert_int_equal(c2_lost, c2_net);
	/* T1095: Network Connection Creation + Traffic Content (DNS off in both). */
	cov_data__evaluate(d, on, (size_t)cov_data__find(d, "T1095"), &ra);
	cov_data__evaluate(d, off, (size_t)cov_data__find(d, "T1095"), &rb);
	assert_true(ra.score == 50.0 && ra.level == 2);
	assert_true(rb.score == 0.0 && rb.level == 0);
	free(on);
	free(off);
	cov_data__free(d);
}

/* The adapter's reading of each Sysmon shape, from a config in memory. */
static void test_adapter_shapes(void **state)
{
	static const char xml[] =
	    "<Sysmon schemaversion=\"4.90\"><EventFiltering>\n"
	    "<RuleGroup groupRelation=\"or\"><ProcessCreate onmatch=\"exclude\">"
	    "<Image name=\"noisy\" condition=\"is\">/usr/bin/true</Image>"
	    "</ProcessCreate></RuleGroup>\n"
	    "<RuleGroup groupRelation=\"or\"><FileCreate onmatch=\"include\">"
	    "<TargetFilename name=\"T1053.003 cron\" condition=\"begin with\">/etc/cron"
	    "</TargetFilename><TargetFilename condition=\"end with\">.service</TargetFilename>"
	    "</FileCreate></RuleGroup>\n"
	    "<RuleGroup groupRelation=\"or\"><FileDelete onmatch=\"include\"/></RuleGroup>\n"
	    "<RuleGroup groupRelation=\"or\"><NetworkConnect onmatch=\"exclude\"/></RuleGroup>\n"
	    "</EventFiltering></Sysmon>\n";
	struct rules_error err;
	struct ruleset *rs;
	struct cov_collect *c = calloc(1, sizeof(*c));

	memset(&err, 0, sizeof(err));
	rs = ruleset__load_buf(xml, sizeof(xml) - 1, "shapes.xml", &err);
	if (!rs)
		fail_msg("%s:%d: %s", err.file, err.line, err.msg);
	cov_collect__from_ruleset(c, rs, "shapes.xml");
	ruleset__free(rs);
	/* only exclude rules: everything else is logged */
	assert_int_equal(c->ev[EV_PROCESS_CREATE].level, COV_ALL);
	assert_true(c->ev[EV_PROCESS_CREATE].rules_exclude);
	assert_string_equal(c->ev[EV_PROCESS_CREATE].rules, "noisy");
	/* include rules: partial, named (an unnamed one shows as such) */
	assert_int_equal(c->ev[EV_FILE_CREATE].level, COV_PARTIAL);
	assert_int_equal(c->ev[EV_FILE_CREATE].nrules, 2);
	assert_non_null(strstr(c->ev[EV_FILE_CREATE].rules, "T1053.003 cron"));
	/* empty include: nothing; empty exclude: everything */
	assert_int_equal(c->ev[EV_FILE_DELETE].level, COV_OFF);
	assert_int_equal(c->ev[EV_NETWORK_CONNECT].level, COV_ALL);
	assert_int_equal(c->ev[EV_NETWORK_CONNECT].nrules, 0);
	/* not mentioned, and not ProcessCreate/Terminate: nothing */
	assert_int_equal(c->ev[EV_DNS_QUERY].level, COV_OFF);
	assert_string_equal(c->ev[EV_FILE_CREATE].caps, "none");
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reading),
	    cmocka_unit_test(test_collect_all_vs_main),
	    cmocka_unit_test(test_network_off),
	    cmocka_unit_test(test_adapter_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
