/*
 * test_envsel.c — ProcessCreate's Environment field (sensor/envsel.c) and
 * the <VigilEnvironment> names it uses (rules/envvars.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "rules/rules.h"
#include "sensor/envsel.h"

static const char *const names[] = {"LD_PRELOAD", "HISTFILE", "PROMPT_COMMAND", "PATH"};

static size_t pick(const char *blk, size_t len, bool whole, char *out, size_t outsz, bool *cut)
{
	return envsel__pick(blk, len, whole, names, 4, out, outsz, cut);
}

static void test_picks_named_in_block_order(void **state)
{
	static const char blk[] =
	    "HOME=/root\0LD_PRELOAD=/tmp/x.so\0TERM=xterm\0HISTFILE=/dev/null";
	char out[256];
	bool cut = true;

	(void)state;
	pick(blk, sizeof(blk), true, out, sizeof(out), &cut);
	assert_string_equal(out, "LD_PRELOAD=/tmp/x.so;HISTFILE=/dev/null");
	assert_false(cut);
}

static void test_none_is_dash(void **state)
{
	static const char blk[] = "HOME=/root\0PATH=/usr/bin:/bin";
	char out[64];
	bool cut = true;

	(void)state;
	pick(blk, sizeof(blk), true, out, sizeof(out), &cut);
	assert_string_equal(out, "-");
	assert_false(cut);
}

static void test_escapes_separators(void **state)
{
	static const char blk[] = "PROMPT_COMMAND=history -a; echo \\ok";
	char out[128];
	bool cut;

	(void)state;
	pick(blk, sizeof(blk), true, out, sizeof(out), &cut);
	assert_string_equal(out, "PROMPT_COMMAND=history -a\\; echo \\\\ok");
}

static void test_relative_path_is_shown(void **state)
{
	static const char blk[] = "PATH=.:/usr/bin";
	char out[64];
	bool cut;

	(void)state;
	pick(blk, sizeof(blk), true, out, sizeof(out), &cut);
	assert_string_equal(out, "PATH=.:/usr/bin");
	assert_true(envsel__path_risky("/usr/bin:/tmp", 13)); /* /tmp is world-writable */
	assert_false(envsel__path_risky("/usr/bin:/bin", 13));
	assert_true(envsel__path_risky("/usr/bin:", 9)); /* an empty entry is the cwd */
}

static void test_unseen_end_is_marked(void **state)
{
	/* The kernel copied only part of the block: the last entry is cut. */
	static const char blk[] = "LD_PRELOAD=/tmp/a.so\0HISTFILE=/dev/nu";
	char out[128];
	bool cut = false;

	(void)state;
	pick(blk, sizeof(blk) - 1, false, out, sizeof(out), &cut);
	assert_string_equal(out, "LD_PRELOAD=/tmp/a.so;HISTFILE=/dev/nu\xe2\x80\xa6");
	assert_true(cut);
	pick("HOME=/r", 7, false, out, sizeof(out), &cut);
	assert_string_equal(out, "\xe2\x80\xa6");
	assert_true(cut);
}

static void test_long_value_is_cut_visibly(void **state)
{
	char blk[2 * ENVSEL_VALUE_MAX], out[2 * ENVSEL_VALUE_MAX];
	bool cut = false;
	size_t n;

	(void)state;
	memcpy(blk, "LD_PRELOAD=", 11);
	memset(blk + 11, 'a', sizeof(blk) - 12);
	blk[sizeof(blk) - 1] = '\0';
	n = pick(blk, sizeof(blk), true, out, sizeof(out), &cut);
	assert_true(cut);
	assert_int_equal(n, 11 + ENVSEL_VALUE_MAX + 3);
	assert_memory_equal(out + n - 3, "\xe2\x80\xa6", 3);
}

static void test_config_names(void **state)
{
	struct rules_error err;
	static const char cfg[] = "<Sysmon schemaversion=\"4.90\">\n"
				  "<VigilEnvironment>FOO, BAR_2</VigilEnvironment>\n"
				  "<EventFiltering/></Sysmon>\n";
	static const char bad[] = "<Sysmon schemaversion=\"4.90\">\n"
				  "<VigilEnvironment>FOO,1X</VigilEnvironment>\n"
				  "<EventFiltering/></Sysmon>\n";
	struct ruleset *rs = ruleset__load_buf(cfg, sizeof(cfg) - 1, "t.xml", &err);
	const char *const *n;

	(void)state;
	assert_non_null(rs);
	assert_int_equal(ruleset__env_names(rs, &n), 2);
	assert_string_equal(n[0], "FOO");
	assert_string_equal(n[1], "BAR_2");
	ruleset__free(rs);
	assert_int_equal(ruleset__env_names(NULL, &n), 13);
	assert_null(ruleset__load_buf(bad, sizeof(bad) - 1, "t.xml", &err));
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "\"1X\" is not a variable name"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_picks_named_in_block_order),
	    cmocka_unit_test(test_none_is_dash),
	    cmocka_unit_test(test_escapes_separators),
	    cmocka_unit_test(test_relative_path_is_shown),
	    cmocka_unit_test(test_unseen_end_is_marked),
	    cmocka_unit_test(test_long_value_is_cut_visibly),
	    cmocka_unit_test(test_config_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
