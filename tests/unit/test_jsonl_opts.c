/*
 * test_jsonl_opts.c — the JSONL output's options (rotate, keep, compress)
 * are checked before anything opens: good specs pass, each bad one is
 * refused.
 */
#include "sinks/sink.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

static void test_good(void **state)
{
	assert_int_equal(sink__check_spec("jsonl:/var/log/vigil.jsonl"), 0);
	assert_int_equal(sink__check_spec("jsonl:-"), 0);
	assert_int_equal(sink__check_spec("jsonl:/x.jsonl?rotate=100M"), 0);
	assert_int_equal(sink__check_spec("jsonl:/x.jsonl?rotate=100M&keep=5&compress=gzip"), 0);
	assert_int_equal(sink__check_spec("jsonl:/x.jsonl?keep=1000&rotate=4K&compress=none"), 0);
}

static void test_bad(void **state)
{
	static const char *const bad[] = {
	    "jsonl:",
	    "jsonl:/x?rotate=1K", /* below 4K */
	    "jsonl:/x?rotate=lots",
	    "jsonl:/x?keep=0",
	    "jsonl:/x?keep=1001",
	    "jsonl:/x?compress=bzip2",
	    "jsonl:/x?rotat=1M",
	    "jsonl:/x?rotate",
	    "jsonl:-?rotate=1M", /* stdout cannot rotate */
	    "jsonl:-?compress=gzip",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fprintf(stderr, "(expected) ");
		assert_int_equal(sink__check_spec(bad[i]), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
