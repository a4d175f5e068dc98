/*
 * test_opts.c — the command-line numeric arguments (src/cli/opts.c): what
 * --max-rows, --health-interval, --proc-cache, --wait and --ringbuf-size
 * take and what they refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "cli/opts.h"

static void test_uint(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(opts__uint("0", 0, 600, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(opts__uint("600", 0, 600, &v), 0);
	assert_int_equal(v, 600);
	assert_int_equal(opts__uint("601", 0, 600, &v), -EINVAL);
	assert_int_equal(opts__uint("63", 64, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(opts__uint("18446744073709551615", 1, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(opts__uint("18446744073709551616", 1, UINT64_MAX, &v), -EINVAL);
}

static void test_uint_refused(void **state)
{
	static const char *const bad[] = {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1k", "1.0"};
	uint64_t v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(opts__uint(bad[i], 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(v, 42); /* untouched on error */
}

static void test_size(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(opts__size("4096", 4096, 1u << 30, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(opts__size("256K", 4096, 1u << 30, &v), 0);
	assert_int_equal(v, 256 << 10);
	assert_int_equal(opts__size("4k", 4096, 1u << 30, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(opts__size("1M", 4096, 1u << 30, &v), 0);
	assert_int_equal(v, 1 << 20);
	assert_int_equal(opts__size("1024m", 4096, 1u << 30, &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(opts__size("1025m", 4096, 1u << 30, &v), -EINVAL);
	assert_int_equal(opts__size("2048", 4096, 1u << 30, &v), -EINVAL);
	assert_int_equal(opts__size("1G", 4096, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(opts__size("K", 0, UINT64_MAX, &v), -EINVAL);
	/* A suffix that would wrap 64 bits is refused, not wrapped. */
	assert_int_equal(opts__size("18014398509481985k", 0, UINT64_MAX, &v), -EINVAL);
}

static void test_ms(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(opts__ms("5s", 1, 3600000, &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(opts__ms("5", 1, 3600000, &v), 0); /* bare: seconds */
	assert_int_equal(v, 5000);
	assert_int_equal(opts__ms("300ms", 1, 3600000, &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(opts__ms("60m", 1, 3600000, &v), 0);
	assert_int_equal(v, 3600000);
	assert_int_equal(opts__ms("61m", 1, 3600000, &v), -EINVAL);
	assert_int_equal(opts__ms("0", 1, 3600000, &v), -EINVAL);
	assert_int_equal(opts__ms("0ms", 0, 3600000, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(opts__ms("5h", 1, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(opts__ms("-5s", 1, UINT64_MAX, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uint),
	    cmocka_unit_test(test_uint_refused),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_ms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
