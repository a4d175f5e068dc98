/*
 * test_datadir.c — the data directory is found relative to the running
 * binary (<tree>/build[/san]/tests/test_datadir -> <tree>/data), $VIGIL_DATADIR and an
 * explicit directory take precedence, and the shipped Sigma rules are found
 * in the build tree's rules/sigma.
 */
#include "common/datadir.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void test_build_tree(void **state)
{
	char buf[PATH_MAX], want[PATH_MAX], real[PATH_MAX];

	unsetenv("VIGIL_DATADIR");
	assert_int_equal(datadir__find(NULL, buf, sizeof(buf)), 0);
	assert_non_null(realpath("data", want)); /* unit tests run from the repo root */
	assert_non_null(realpath(buf, real));
	assert_string_equal(real, want);

	assert_int_equal(datadir__sigma(buf, sizeof(buf)), 0);
	assert_non_null(realpath("rules/sigma", want));
	assert_non_null(realpath(buf, real));
	assert_string_equal(real, want);
}

static void test_precedence(void **state)
{
	char buf[PATH_MAX];

	setenv("VIGIL_DATADIR", "/nonexistent/env", 1);
	assert_int_equal(datadir__find(NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/nonexistent/env");
	assert_int_equal(datadir__find("/given", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/given");
	unsetenv("VIGIL_DATADIR");
	assert_int_equal(datadir__find("", buf, sizeof(buf)), 0); /* empty = not given */
	assert_null(strstr(buf, "/given"));
	assert_int_equal(datadir__find("/xyz", buf, 3), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_tree),
	    cmocka_unit_test(test_precedence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
