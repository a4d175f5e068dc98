/*
 * test_atomics_summary.c — `vigil atomics summary` on the hand-made RESULTS
 * fixtures in tests/fixtures/atomics-results (numbers in its README.md): the
 * exact headline lines and per-technique rows in plain text and markdown,
 * the comparison's deltas and change lists, the verdict roll-up, and bad
 * input (file:line for broken JSON, the entry for a bad one, nothing written).
 * Tests run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage/atomics_summary.h"

#define FIX "tests/fixtures/atomics-results"

static struct json_object *load(const char *name)
{
	char path[256], err[512] = "";
	struct json_object *o;

	snprintf(path, sizeof(path), FIX "/%s", name);
	o = atomics_json_load(path, err, sizeof(err));
	if (!o)
		fail_msg("%s", err);
	assert_int_equal(atomics_results_check(o, err, sizeof(err)), 0);
	return o;
}

/* The summary of name (against base, may be NULL) as a string to free. */
static char *summary(const char *name, const char *base, bool md)
{
	struct json_object *r = load(name), *b = base ? load(base) : NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(atomics_summary(f, r, b, md), 0);
	fclose(f);
	json_object_put(r);
	json_object_put(b);
	return text;
}

/* line must be a whole line of text. */
static void has_line(const char *text, const char *line)
{
	size_t l = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[l] == '\n' || p[l] == '\0'))
			return;
	fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void test_rollup(void **state)
{
	enum atomics_rollup r = ATR_NONE;

	assert_int_equal(atomics_rollup_add(r, ATV_SKIPPED), ATR_NONE);
	r = atomics_rollup_add(r, ATV_COMMAND_FAILED);
	assert_int_equal(r, ATR_FAILED);
	assert_int_equal(atomics_rollup_add(ATR_NONE, ATV_NOT_SEEN), ATR_FAILED);
	r = atomics_rollup_add(r, ATV_PARTIAL);
	assert_int_equal(r, ATR_PARTIAL);
	/* a later failure does not undo what a test proved */
	assert_int_equal(atomics_rollup_add(r, ATV_NOT_SEEN), ATR_PARTIAL);
	r = atomics_rollup_add(r, ATV_VERIFIED);
	assert_int_equal(atomics_rollup_add(r, ATV_PARTIAL), ATR_VERIFIED);
	assert_string_equal(atomics_rollup_name(ATR_FAILED), "failed");
	assert_string_equal(atomics_rollup_name(ATR_NONE), "none");
	for (int v = ATV_SKIPPED; v <= ATV_VERIFIED; v++)
		assert_int_equal(atomics_verdict_parse(atomics_verdict_name(v)), v);
	assert_int_equal(atomics_verdict_parse("bogus"), ATV_NONE);
}

static void test_plain(void **state)
{
	char *t = summary("results.json", NULL, false);

	assert_true(strncmp(t,
			    "Atomic Red Team results\nrun 0123456789abcdef on host sensor-a, "
			    "2026-12-05T07:10:00.000Z to 2026-12-05T07:12:30.000Z; sensor "
			    "output /var/log/vigil/a.jsonl; Sigma rules /etc/vigil/sigma\n\n",
			    strlen("Atomic Red Team results\nrun ")) == 0);
	has_line(t, "run 0123456789abcdef on host sensor-a, 2026-12-05T07:10:00.000Z to "
		    "2026-12-05T07:12:30.000Z; sensor output /var/log/vigil/a.jsonl; Sigma "
		    "rules /etc/vigil/sigma");
	has_line(t, "metric                                  value");
	has_line(t, "tests                                   14");
	has_line(t, "ran (of tests)                          7 of 14 (50.0%)");
	has_line(t, "skipped (of tests)                      7 of 14 (50.0%)");
	has_line(t, "skipped: download                       2");
	has_line(t, "skipped: policy                         1");
	has_line(t, "skipped: manual                         1");
	has_line(t, "skipped: executor                       1");
	has_line(t, "skipped: prerequisite not met           1");
	has_line(t, "skipped: sandbox                        1");
	has_line(t, "succeeded (of ran)                      5 of 7 (71.4%)");
	has_line(t, "command failed (of ran)                 1 of 7 (14.3%)");
	has_line(t, "timed out (of ran)                      1 of 7 (14.3%)");
	has_line(t, "key behaviour seen (of succeeded)       4 of 5 (80.0%)");
	has_line(t, "all key behaviour seen (of succeeded)   2 of 5 (40.0%)");
	has_line(t, "any Sigma alert (of succeeded)          3 of 5 (60.0%)");
	has_line(t, "non-generic Sigma alert (of succeeded)  2 of 5 (40.0%)");
	has_line(t, "techniques: verified                    2");
	has_line(t, "techniques: partial                     1");
	has_line(t, "techniques: failed                      1");
	has_line(t, "techniques: none (no test ran)          2");
	/* no "other" reason when every skip has a known one */
	assert_null(strstr(t, "skipped: other"));
	has_line(t, "technique  name                                          tests  ran  ok  "
		    "verdict   key DCs seen  alerted  non-generic");
	has_line(t, "T1003.008  OS Credential Dumping: /etc/passwd, /etc/...      4    3   2  "
		    "verified           2/2        2            1");
	has_line(t, "T1053.003  Scheduled Task/Job: Cron                          2    2   1  "
		    "failed             0/2        0            0");
	has_line(t, "T1014      Rootkit                                           2    0   0  "
		    "none                 -        -            -");
	has_line(t, "T1070.004  Indicator Removal: File Deletion                  3    1   1  "
		    "partial            1/2        0            0");
	/* no comparison without a baseline */
	assert_null(strstr(t, "baseline"));
	free(t);
}

static void test_nosigma(void **state)
{
	char *t = summary("nosigma.json", NULL, false);

	has_line(t, "run 0123456789abcdef on host sensor-a, 2026-12-05T07:10:00.000Z to "
		    "2026-12-05T07:12:30.000Z; sensor output /var/log/vigil/a.jsonl; Sigma "
		    "rules none (no --sigma)");
	/* no alert rate and no alert columns without Sigma */
	assert_null(strstr(t, "Sigma alert"));
	assert_null(strstr(t, "alerted"));
	has_line(t, "key behaviour seen (of succeeded)      4 of 5 (80.0%)");
	has_line(t, "T1027.013  Obfuscated Files or Information: Encrypte...      2    1   1  "
		    "verified           1/1");
	free(t);
}

static void test_markdown(void **state)
{
	char *t = summary("results.json", NULL, true);

	assert_true(strncmp(t, "### Atomic Red Team results\n\n", 29) == 0);
	has_line(t, "| metric | value |");
	has_line(t, "| --- | --- |");
	has_line(t, "| key behaviour seen (of succeeded) | 4 of 5 (80.0%) |");
	has_line(t, "| non-generic Sigma alert (of succeeded) | 2 of 5 (40.0%) |");
	has_line(t, "#### Per technique");
	has_line(t, "| technique | name | tests | ran | ok | verdict | key DCs seen | alerted | "
		    "non-generic |");
	has_line(t, "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
	/* full names in markdown, nothing cut */
	has_line(t, "| T1003.008 | OS Credential Dumping: /etc/passwd, /etc/master.passwd and "
		    "/etc/shadow | 4 | 3 | 2 | verified | 2/2 | 2 | 1 |");
	/* markdown's own characters in file text are escaped */
	has_line(t, "run 0123456789abcdef on host sensor-a, 2026-12-05T07:10:00.000Z to "
		    "2026-12-05T07:12:30.000Z; sensor output /var/log/vigil/a.jsonl; Sigma "
		    "rules /etc/vigil/sigma  ");
	free(t);
}

static void test_markdown_escape(void **state)
{
	struct json_object *r = load("nosigma.json"), *arr, *t0;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_true(json_object_object_get_ex(r, "results", &arr));
	t0 = json_object_array_get_idx(arr, 0);
	json_object_object_add(t0, "technique_name", json_object_new_string("a|b *c*\n"));
	json_object_object_add(r, "host", json_object_new_string("h_1"));
	assert_int_equal(atomics_summary(f, r, NULL, true), 0);
	fclose(f);
	has_line(text, "| T1003.008 | a\\|b \\*c\\*? | 4 | 3 | 2 | verified | 2/2 |");
	assert_non_null(strstr(text, "on host h\\_1,"));
	free(text);
	json_object_put(r);
}

static void test_compare(void **state)
{
	char *t = summary("results.json", "baseline.json", false);

	has_line(t, "this run: 0123456789abcdef on host sensor-a, 2026-12-05T07:10:00.000Z to "
		    "2026-12-05T07:12:30.000Z; sensor output /var/log/vigil/a.jsonl; Sigma "
		    "rules /etc/vigil/sigma");
	has_line(t, "baseline: 0123456789abcdef on host sensor-b, 2026-12-05T07:10:00.000Z to "
		    "2026-12-05T07:12:30.000Z; sensor output /var/log/vigil/b.jsonl; Sigma "
		    "rules /etc/vigil/sigma");
	has_line(t, "metric                                  this run         baseline         "
		    "delta");
	has_line(t, "tests                                   14               14               0");
	has_line(t, "ran (of tests)                          7 of 14 (50.0%)  7 of 14 (50.0%)  "
		    "0 (+0.0 pp)");
	has_line(t, "key behaviour seen (of succeeded)       4 of 5 (80.0%)   3 of 5 (60.0%)   "
		    "+1 (+20.0 pp)");
	has_line(t, "all key behaviour seen (of succeeded)   2 of 5 (40.0%)   1 of 5 (20.0%)   "
		    "+1 (+20.0 pp)");
	has_line(t, "any Sigma alert (of succeeded)          3 of 5 (60.0%)   2 of 5 (40.0%)   "
		    "+1 (+20.0 pp)");
	has_line(t, "non-generic Sigma alert (of succeeded)  2 of 5 (40.0%)   1 of 5 (20.0%)   "
		    "+1 (+20.0 pp)");
	has_line(t, "techniques: verified                    2                1                +1");
	has_line(t, "techniques: failed                      1                2                -1");
	has_line(t, "technique  name                                          ran/ok  baseline  "
		    "verdict   baseline  key DCs  baseline  delta  alerted  baseline  delta  "
		    "non-generic  baseline  delta");
	has_line(t,
		 "T1003.008  OS Credential Dumping: /etc/passwd, /etc/...     3/2       3/2  "
		 "verified  partial       2/2       1/2     +1        2         1     +1          "
		 "  1         0     +1");
	has_line(t,
		 "T1070.004  Indicator Removal: File Deletion                 1/1       1/1  "
		 "partial   failed        1/2       0/2     +1        0         0      0          "
		 "  0         0      0");
	has_line(t, "Techniques whose verdict changed (baseline -> this run):");
	has_line(t, "  T1003.008  partial -> verified");
	has_line(t, "  T1070.004  failed -> partial");
	has_line(t, "Tests whose verdict or alert changed (baseline -> this run):");
	has_line(t, "  T1003.008-1  verdict partial -> verified; alert generic -> non-generic");
	has_line(t, "  T1003.008-3  alert none -> generic");
	has_line(t, "  T1070.004-1  verdict not_seen -> partial");
	/* unchanged tests are not listed */
	assert_null(strstr(t, "T1027.013-3"));
	assert_null(strstr(t, "T1053.003-"));
	free(t);

	/* against itself: nothing changed, every delta zero */
	t = summary("results.json", "results.json", false);
	has_line(t, "key behaviour seen (of succeeded)       4 of 5 (80.0%)   4 of 5 (80.0%)   "
		    "0 (+0.0 pp)");
	assert_non_null(strstr(t, "this run):\n  none\n\nTests whose"));
	assert_non_null(strstr(t, "this run):\n  none\n"));
	free(t);
}

static void test_compare_markdown_and_sigma(void **state)
{
	char *t = summary("results.json", "baseline.json", true);

	has_line(t, "| metric | this run | baseline | delta |");
	has_line(t, "| key behaviour seen (of succeeded) | 4 of 5 (80.0%) | 3 of 5 (60.0%) | +1 "
		    "(+20.0 pp) |");
	has_line(t, "#### Techniques whose verdict changed (baseline -> this run)");
	has_line(t, "- T1003.008: partial -> verified");
	has_line(t, "- T1003.008-1: verdict partial -> verified; alert generic -> non-generic");
	free(t);

	/* one side without Sigma: its alert rate is n/a, alerts not compared */
	t = summary("nosigma.json", "baseline.json", false);
	has_line(t, "any Sigma alert (of succeeded)          n/a (no Sigma)   2 of 5 (40.0%)   -");
	assert_null(strstr(t, "alert generic"));
	assert_null(strstr(t, "alerted  baseline"));
	has_line(t, "  T1003.008-1  verdict partial -> verified");
	free(t);
}

static void test_compare_missing(void **state)
{
	struct json_object *r = load("results.json"), *b = load("baseline.json"), *arr;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	/* drop the baseline's T1048.003 (index 10) and rename its T1014 tests */
	assert_true(json_object_object_get_ex(b, "results", &arr));
	json_object_array_del_idx(arr, 10, 1);
	json_object_object_add(json_object_array_get_idx(arr, 6), "technique",
			       json_object_new_string("T1014.001"));
	assert_int_equal(atomics_summary(f, r, b, false), 0);
	fclose(f);
	has_line(text, "  T1048.003  (not in baseline) -> none");
	has_line(text, "  T1014.001  none -> (not in this run)");
	has_line(text, "  T1048.003-1  only in this run");
	has_line(text, "  T1014.001-1  only in baseline");
	has_line(text, "  T1014-1      only in this run");
	assert_non_null(strstr(text, "\nT1014.001  Rootkit "));
	free(text);
	json_object_put(r);
	json_object_put(b);
}

static void test_bad(void **state)
{
	char err[512] = "";
	struct json_object *o, *good = load("results.json");
	FILE *f;

	assert_null(atomics_json_load(FIX "/bad-syntax.json", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, FIX "/bad-syntax.json:4: not valid JSON: quoted object property "
				     "name expected");
	assert_null(atomics_json_load(FIX "/nonexistent.json", err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, FIX "/nonexistent.json: No such file or directory");

	o = atomics_json_load(FIX "/bad-entry.json", err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(atomics_results_check(o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "results[1]: no \"technique\" string");
	f = fopen("/dev/null", "w");
	assert_int_equal(atomics_summary(f, o, NULL, false), -EINVAL);
	/* a bad baseline is refused too */
	assert_int_equal(atomics_summary(f, good, o, false), -EINVAL);
	fclose(f);
	json_object_put(o);

	o = atomics_json_load(FIX "/bad-version.json", err, sizeof(err));
	assert_int_equal(atomics_results_check(o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "\"vigil_atomics_results\" is 2, this vigil reads version 1");
	json_object_put(o);

	/* a `vigil simulate` file is the wrong kind */
	o = atomics_json_load("tests/fixtures/coverage/results.json", err, sizeof(err));
	assert_non_null(o);
	assert_false(atomics_results_is(o));
	assert_int_equal(atomics_results_check(o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not an atomics RESULTS file (no \"vigil_atomics_results\" key)");
	json_object_put(o);

	/* a write error is reported */
	f = fopen("/dev/full", "w");
	if (f) {
		assert_int_equal(atomics_summary(f, good, NULL, false), -EIO);
		fclose(f);
	}
	json_object_put(good);
}

/* Fields of the wrong type count as absent; an empty run prints zeros. */
static void test_odd(void **state)
{
	struct json_object *o = json_tokener_parse(
	    "{\"vigil_atomics_results\":1,\"sigma\":\"r\",\"results\":[{\"technique\":"
	    "\"T1\",\"number\":1,\"ran\":\"yes\",\"phases\":5,\"data_components\":{},"
	    "\"verdict\":7},{\"technique\":\"T1\",\"number\":2,\"ran\":true,\"succeeded\":"
	    "true,\"phases\":[1,{\"phase\":3}],\"data_components\":[1,{\"id\":5},"
	    "{\"id\":\"DC1\",\"key\":true,\"seen\":\"x\"}],\"key_seen\":1,"
	    "\"technique_name\":null,\"verdict\":\"bogus\"}]}");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(o);
	assert_int_equal(atomics_summary(f, o, o, false), 0);
	fclose(f);
	has_line(text,
		 "skipped: other                          1                1                0");
	has_line(text, "succeeded (of ran)                      1 of 1 (100.0%)  1 of 1 (100.0%)  "
		       "0 (+0.0 pp)");
	has_line(text, "key behaviour seen (of succeeded)       0 of 1 (0.0%)    0 of 1 (0.0%)    "
		       "0 (+0.0 pp)");
	has_line(text,
		 "techniques: none (no test ran)          1                1                0");
	free(text);
	json_object_put(o);

	o = json_tokener_parse("{\"vigil_atomics_results\":1,\"results\":[]}");
	text = NULL;
	f = open_memstream(&text, &len);
	assert_int_equal(atomics_summary(f, o, NULL, false), 0);
	fclose(f);
	has_line(text, "ran (of tests)                         0 of 0");
	has_line(text, "technique  name  tests  ran  ok  verdict  key DCs seen");
	free(text);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rollup),
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_nosigma),
	    cmocka_unit_test(test_markdown),
	    cmocka_unit_test(test_markdown_escape),
	    cmocka_unit_test(test_compare),
	    cmocka_unit_test(test_compare_markdown_and_sigma),
	    cmocka_unit_test(test_compare_missing),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_odd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
