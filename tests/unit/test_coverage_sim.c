/*
 * test_coverage_sim.c — the `vigil simulate` suite and its matcher: the suite
 * is well-formed against the event catalogue and the ATT&CK data, expected
 * events are matched in fixture sensor JSONL with the right context (pid,
 * temp dir, port), statuses come out right, the results file round-trips into
 * `coverage --verified`, and one harmless simulation really runs.
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
#include <sys/stat.h>
#include <unistd.h>

#include "common/schema.h"
#include "coverage/coverage.h"
#include "coverage/sim.h"

#define JSONL COV_FIXTURES "/sensor.jsonl"

static void test_suite_well_formed(void **state)
{
	size_t n;
	const struct sim_def *s = sim_suite(&n);
	char err[256];
	struct cov_data *d = cov_data__load(VIGIL_DATADIR, COV_MODEL_UNION, err, sizeof(err));

	assert_non_null(d);
	assert_true(n >= 40);
	for (size_t i = 0; i < n; i++) {
		/* a technique of the Linux matrix */
		if (cov_data__find(d, s[i].technique) < 0)
			fail_msg("%s: %s is not a Linux technique", s[i].id, s[i].technique);
		assert_true(s[i].run || s[i].argv[0]);
		assert_true(s[i].expect[0].event_id != 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s[i].id, s[j].id);
		for (unsigned e = 0; e < SIM_MAX_EXPECT && s[i].expect[e].event_id; e++) {
			const struct vevent_def *ev = schema__event(s[i].expect[e].event_id);

			assert_non_null(ev);
			assert_non_null(s[i].expect[e].pred[0].field);
			for (unsigned p = 0; p < SIM_MAX_PRED && s[i].expect[e].pred[p].field;
			     p++) {
				enum vf_id f = schema__field_by_name(s[i].expect[e].pred[p].field);

				if (f == VF_NONE || !schema__event_has_field(ev, f))
					fail_msg("%s: event %s has no field %s", s[i].id, ev->name,
						 s[i].expect[e].pred[p].field);
			}
		}
	}
	assert_ptr_equal(sim_find("persist-cron"), sim_find("T1053.003"));
	assert_null(sim_find("T9999"));
	cov_data__free(d);
}

static void test_expand(void **state)
{
	struct sim_result r;
	char out[64];

	sim_result__init(&r, sim_find("c2-udp"), 42, 43, 8080, "/tmp/x");
	assert_int_equal(sim_expand(&r, "${TMP}/a:${PID}:${AUX}:${PORT}:$", out, sizeof(out)), 0);
	assert_string_equal(out, "/tmp/x/a:42:43:8080:$");
	/* "42:/tmp/x" and its NUL need 10 bytes */
	assert_int_equal(sim_expand(&r, "${PID}:${TMP}", out, 9), -ENAMETOOLONG);
	assert_int_equal(sim_expand(&r, "${PID}:${TMP}", out, 10), 0);
	assert_int_equal(r.nexpect, 1);
}

static void setup_results(struct sim_result rs[6])
{
	sim_result__init(&rs[0], sim_find("discovery-whoami"), 4242, 0, 0, "/tmp/vigil-sim-W");
	sim_result__init(&rs[1], sim_find("persist-cron"), 4243, 0, 0, "/tmp/vigil-sim-AAAAAA");
	sim_result__init(&rs[2], sim_find("evasion-delete"), 4244, 0, 0, "/tmp/vigil-sim-BBBBBB");
	sim_result__init(&rs[3], sim_find("c2-udp"), 4245, 0, 40001, "/tmp/vigil-sim-U");
	sim_result__init(&rs[4], sim_find("discovery-uname"), 4246, 0, 0, "/tmp/vigil-sim-N");
	sim_result__init(&rs[5], sim_find("collect-raw-disk"), 4247, 0, 0, "/tmp/vigil-sim-R");
	rs[5].run = SIM_SKIPPED;
}

static void test_match_file(void **state)
{
	struct sim_result rs[6];

	setup_results(rs);
	assert_string_equal(sim_status(&rs[0]), "not_checked");
	assert_int_equal(sim_check_file(JSONL, 0, rs, 6, 0), 0);
	/* whoami with ParentProcessId 4999 is someone else's: only the 4242 one counts */
	assert_string_equal(sim_status(&rs[0]), "passed");
	assert_string_equal(sim_status(&rs[1]), "passed");
	/* created, but the deletion never showed up */
	assert_true(rs[2].seen[0]);
	assert_false(rs[2].seen[1]);
	assert_string_equal(sim_status(&rs[2]), "partial");
	/* the UDP flow to port 39999 is not ours; 40001 is */
	assert_string_equal(sim_status(&rs[3]), "passed");
	assert_string_equal(sim_status(&rs[4]), "failed");
	assert_string_equal(sim_status(&rs[5]), "skipped");

	/* Reading from an offset past the first events misses them. */
	setup_results(rs);
	{
		FILE *f = fopen(JSONL, "r");
		char line[4096];
		off_t off;

		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_non_null(fgets(line, sizeof(line), f));
		off = ftello(f);
		fclose(f);
		assert_int_equal(sim_check_file(JSONL, off, rs, 6, 0), 0);
	}
	assert_string_equal(sim_status(&rs[0]), "failed");
	assert_string_equal(sim_status(&rs[1]), "passed");
	assert_int_equal(sim_check_file(COV_FIXTURES "/nope.jsonl", 0, rs, 6, 0), -ENOENT);
}

static void test_match_line(void **state)
{
	struct sim_result rs[1];
	const char *bad = "{\"EventID\":1,";
	const char *del = "{\"EventID\":23,\"ProcessId\":7,\"TargetFilename\":\"/t/data.db\"}";
	const char *ok = "{\"EventID\":200,\"ProcessId\":7,\"TargetFilename\":\"/t/data.db\"}";

	sim_result__init(&rs[0], sim_find("impact-destroy"), 7, 0, 0, "/t");
	assert_int_equal(sim_match_line(rs, 1, bad, strlen(bad)), -EINVAL);
	assert_int_equal(sim_match_line(rs, 1, "[1]", 3), -EINVAL);
	assert_int_equal(sim_match_line(rs, 1, del, strlen(del)), 1);
	assert_true(rs[0].seen[1]);
	assert_int_equal(sim_match_line(rs, 1, ok, strlen(ok)), 1);
	/* already met: not counted twice */
	assert_int_equal(sim_match_line(rs, 1, ok, strlen(ok)), 0);
	rs[0].checked = true;
	assert_string_equal(sim_status(&rs[0]), "passed");
}

static void test_results_roundtrip(void **state)
{
	struct sim_result rs[6];
	struct strbuf sb;
	char path[] = "/tmp/vigil-test-results-XXXXXX", err[256];
	struct json_object *root, *arr, *r0, *x;
	struct cov_verified *v;
	int fd;

	setup_results(rs);
	assert_int_equal(sim_check_file(JSONL, 0, rs, 6, 0), 0);
	strbuf__init(&sb, 0);
	sim_results_json(rs, 6, JSONL, &sb);
	root = json_tokener_parse(sb.buf);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "results", &arr));
	assert_int_equal(json_object_array_length(arr), 6);
	r0 = json_object_array_get_idx(arr, 2);
	assert_true(json_object_object_get_ex(r0, "expected", &x));
	x = json_object_array_get_idx(x, 0);
	assert_true(json_object_object_get_ex(x, "match", &x));
	assert_string_equal(
	    json_object_get_string(x),
	    "TargetFilename is /tmp/vigil-sim-BBBBBB/evidence.log and ProcessId is 4244");
	json_object_put(root);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, sb.buf, sb.len), (ssize_t)sb.len);
	close(fd);
	v = cov_verified__load(path, err, sizeof(err));
	unlink(path);
	assert_non_null(v);
	assert_int_equal(cov_verified__get(v, "T1033"), COV_VERDICT_VERIFIED);
	assert_int_equal(cov_verified__get(v, "T1053.003"), COV_VERDICT_VERIFIED);
	assert_int_equal(cov_verified__get(v, "T1070.004"), COV_VERDICT_FAILED);
	assert_int_equal(cov_verified__get(v, "T1082"), COV_VERDICT_FAILED);
	assert_int_equal(cov_verified__get(v, "T1005"), COV_VERDICT_NONE);
	cov_verified__free(v);
	strbuf__free(&sb);
}

static void test_run_real(void **state)
{
	struct sim_result r;
	struct stat st;

	/* Timestomp: creates, re-dates and deletes a file in its own temp dir. */
	assert_int_equal(sim_run(sim_find("evasion-timestomp"), "/tmp", 10, &r), 0);
	assert_int_equal(r.run, SIM_RAN);
	assert_int_equal(r.exit_code, 0);
	assert_true(r.ctx.pid > 0);
	assert_int_equal(strncmp(r.ctx.tmp, "/tmp/vigil-sim-", 15), 0);
	/* the runner removed the temp dir */
	assert_int_not_equal(stat(r.ctx.tmp, &st), 0);
	assert_string_equal(sim_status(&r), "not_checked");
	/* A loopback listener reports its port back through the shared context. */
	assert_int_equal(sim_run(sim_find("c2-nonstd-port"), "/tmp", 10, &r), 0);
	assert_int_equal(r.run, SIM_RAN);
	assert_true(r.ctx.port > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_suite_well_formed), cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_match_file),	      cmocka_unit_test(test_match_line),
	    cmocka_unit_test(test_results_roundtrip), cmocka_unit_test(test_run_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
