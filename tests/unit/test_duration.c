/*
 * test_duration.c — the shared "<number><unit>" parser (common/duration.c)
 * with each of its callers' unit tables: caps periods (ms..d, in ns), output
 * specs (bare seconds..d) and what the parser itself refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "common/duration.h"

static const struct duration_unit ns_units[] = {
    {"ms", NSEC_PER_MSEC},
    {"s", NSEC_PER_SEC},
    {"m", 60 * NSEC_PER_SEC},
};
static const struct duration_unit s_units[] = {{"", 1}, {"s", 1}, {"h", 3600}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_constants(void **state)
{
	(void)state;
	assert_true(NSEC_PER_SEC == 1000000000ull);
	assert_true(NSEC_PER_MSEC * MSEC_PER_SEC == NSEC_PER_SEC);
	assert_true(NSEC_PER_USEC * USEC_PER_SEC == NSEC_PER_SEC);
}

static void test_units(void **state)
{
	uint64_t v = 0, mul = 0;

	(void)state;
	assert_int_equal(duration__parse("250ms", ns_units, N(ns_units), 0, UINT64_MAX, &v), 0);
	assert_true(v == 250 * NSEC_PER_MSEC);
	assert_int_equal(duration__parse("2m", ns_units, N(ns_units), 0, UINT64_MAX, &v), 0);
	assert_true(v == 120 * NSEC_PER_SEC);
	/* "ms" is not "m" followed by junk: the whole suffix must match. */
	assert_int_equal(duration__parse("3s", ns_units, N(ns_units), 0, UINT64_MAX, &v), 0);
	assert_true(v == 3 * NSEC_PER_SEC);
	/* A bare number only where the table has the empty unit. */
	assert_int_equal(duration__parse("45", s_units, N(s_units), 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 45);
	assert_int_equal(duration__parse("45", ns_units, N(ns_units), 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(duration__parse("0", s_units, N(s_units), 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(duration__split("7h", s_units, N(s_units), &v, &mul), 0);
	assert_int_equal(v, 7);
	assert_int_equal(mul, 3600);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {"",	 "s",  "-5s",  "+5s",  " 5s",
					  "5 s", "5x", "5sec", "1.5s", "5S"};
	uint64_t v = 77;

	(void)state;
	for (size_t i = 0; i < N(bad); i++)
		assert_int_equal(duration__parse(bad[i], ns_units, N(ns_units), 0, UINT64_MAX, &v),
				 -EINVAL);
	assert_int_equal(duration__parse(NULL, ns_units, N(ns_units), 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(v, 77); /* untouched on error */
}

static void test_limits(void **state)
{
	uint64_t v;

	(void)state;
	/* The product is bounded by max... */
	assert_int_equal(duration__parse("10s", ns_units, N(ns_units), 0, 10 * NSEC_PER_SEC, &v),
			 0);
	assert_int_equal(duration__parse("11s", ns_units, N(ns_units), 0, 10 * NSEC_PER_SEC, &v),
			 -EINVAL);
	/* ...from below too (caps refuse a zero period)... */
	assert_int_equal(duration__parse("0ms", ns_units, N(ns_units), 1, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(duration__parse("1ms", ns_units, N(ns_units), 1, UINT64_MAX, &v), 0);
	/* ...never wraps... */
	assert_int_equal(duration__parse("18446744074s", ns_units, N(ns_units), 0, UINT64_MAX, &v),
			 -EINVAL);
	/* ...and the digits alone may not pass 64 bits. */
	assert_int_equal(
	    duration__parse("18446744073709551615", s_units, N(s_units), 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(
	    duration__parse("18446744073709551616", s_units, N(s_units), 0, UINT64_MAX, &v),
	    -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_constants),
	    cmocka_unit_test(test_units),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
