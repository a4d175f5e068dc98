/*
 * test_coalesce.c — FileModify coalescing (src/sensor/coalesce.c): repeats
 * of one (process, file) in a window become one record with WriteCount,
 * nothing is held past its window, and a full table passes records on at
 * once instead of losing them.
 */
#include "sensor/coalesce.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

static struct vrec rec;
static char got[16][64];
static unsigned ngot;
static char got_count[16][24];

static void fm(const char *guid, const char *path)
{
	vrec__reset(&rec, schema__event(EV_FILE_MODIFY));
	vrec__set_str(&rec, VF_ProcessGuid, guid);
	vrec__set_str(&rec, VF_TargetFilename, path);
}

static void collect(void *ctx, struct vrec *r)
{
	(void)ctx;
	assert_true(ngot < 16);
	snprintf(got[ngot], sizeof(got[ngot]), "%s", vrec__get(r, VF_TargetFilename, NULL));
	snprintf(got_count[ngot], sizeof(got_count[ngot]), "%s", vrec__get(r, VF_WriteCount, NULL));
	ngot++;
}

static void test_repeats_make_one(void **state)
{
	struct coalescer *c = coalesce__new(8, 1000 * MS);
	struct coalesce_stats st;

	(void)state;
	ngot = 0;
	for (int i = 0; i < 50; i++) {
		fm("{a}", "/tmp/f");
		assert_true(coalesce__offer(c, &rec, (uint64_t)i * MS));
	}
	fm("{a}", "/tmp/g"); /* another file of the same process */
	assert_true(coalesce__offer(c, &rec, 10 * MS));
	fm("{b}", "/tmp/f"); /* the same file, another process */
	assert_true(coalesce__offer(c, &rec, 20 * MS));
	assert_int_equal(coalesce__pending(c), 3);
	/* Not before the window of the first one ends (a 50 ms tick). */
	coalesce__flush(c, 900 * MS, 50 * MS, false, collect, NULL);
	assert_int_equal(ngot, 0);
	coalesce__flush(c, 955 * MS, 50 * MS, false, collect, NULL);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0], "/tmp/f");
	assert_string_equal(got_count[0], "50");
	/* A write after the window starts a new one. */
	fm("{a}", "/tmp/f");
	assert_true(coalesce__offer(c, &rec, 1001 * MS));
	coalesce__flush(c, 0, 0, true, collect, NULL);
	assert_int_equal(ngot, 4);
	assert_string_equal(got_count[1], "1");
	assert_string_equal(got_count[2], "1");
	assert_string_equal(got_count[3], "1");
	assert_int_equal(coalesce__pending(c), 0);
	coalesce__stats(c, &st);
	assert_int_equal(st.held, 4);
	assert_int_equal(st.merged, 49);
	assert_int_equal(st.overflow, 0);
	coalesce__free(c);
}

static void test_full_table_passes_on(void **state)
{
	struct coalescer *c = coalesce__new(2, 1000 * MS);
	struct coalesce_stats st;

	(void)state;
	ngot = 0;
	fm("{a}", "/1");
	assert_true(coalesce__offer(c, &rec, 0));
	fm("{a}", "/2");
	assert_true(coalesce__offer(c, &rec, 0));
	fm("{a}", "/3");
	assert_false(coalesce__offer(c, &rec, 0));
	assert_string_equal(vrec__get(&rec, VF_WriteCount, NULL), "1");
	/* A repeat of a held pair is still counted when the table is full. */
	fm("{a}", "/2");
	assert_true(coalesce__offer(c, &rec, 0));
	coalesce__stats(c, &st);
	assert_int_equal(st.overflow, 1);
	coalesce__flush(c, 0, 0, true, collect, NULL);
	assert_int_equal(ngot, 2);
	assert_string_equal(got_count[1], "2");
	coalesce__free(c);
}

static void test_other_events_untouched(void **state)
{
	struct coalescer *c = coalesce__new(2, 1000 * MS);

	(void)state;
	vrec__reset(&rec, schema__event(EV_FILE_CREATE));
	vrec__set_str(&rec, VF_ProcessGuid, "{a}");
	vrec__set_str(&rec, VF_TargetFilename, "/x");
	assert_false(coalesce__offer(c, &rec, 0));
	assert_null(vrec__get(&rec, VF_WriteCount, NULL));
	assert_int_equal(coalesce__pending(c), 0);
	coalesce__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_repeats_make_one),
	    cmocka_unit_test(test_full_table_passes_on),
	    cmocka_unit_test(test_other_events_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
