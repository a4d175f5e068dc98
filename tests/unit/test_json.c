/*
 * test_json.c — JSON escaping and record serialisation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/json.h"

static char *esc(const char *s, size_t len, struct strbuf *sb)
{
	strbuf__clear(sb);
	json__add_str(sb, s, len);
	return (char *)strbuf__cstr(sb);
}

static void test_escapes(void **state)
{
	struct strbuf sb;
	strbuf__init(&sb, 0);
	assert_string_equal(esc("a\"b\\c", 5, &sb), "\"a\\\"b\\\\c\"");
	assert_string_equal(esc("\n\r\t\x01\x1f\x7f", 6, &sb),
			    "\"\\n\\r\\t\\u0001\\u001f\\u007f\"");
	assert_string_equal(esc("x\0y", 3, &sb), "\"x\\u0000y\"");
	strbuf__free(&sb);
}

/* Every byte value at every position of a string long enough for the
 * 16-byte scan (json.c's plain_run): escaped exactly as when it stands
 * alone, which takes the byte-at-a-time path. */
static void test_block_scan(void **state)
{
	struct strbuf sb, one;
	char in[40], want[80];

	(void)state;
	strbuf__init(&sb, 0);
	strbuf__init(&one, 0);
	for (unsigned b = 0; b < 256; b++) {
		const char *e;
		size_t elen;

		in[0] = (char)b;
		e = esc(in, 1, &one) + 1; /* without the quotes */
		elen = strlen(e) - 1;
		for (size_t p = 0; p < sizeof(in); p++) {
			memset(in, 'a', sizeof(in));
			in[p] = (char)b;
			want[0] = '"';
			memset(want + 1, 'a', p);
			memcpy(want + 1 + p, e, elen);
			memset(want + 1 + p + elen, 'a', sizeof(in) - 1 - p);
			want[1 + p + elen + sizeof(in) - 1 - p] = '"';
			want[2 + p + elen + sizeof(in) - 1 - p] = '\0';
			assert_string_equal(esc(in, sizeof(in), &sb), want);
		}
	}
	strbuf__free(&sb);
	strbuf__free(&one);
}

static void test_utf8(void **state)
{
	struct strbuf sb;
	strbuf__init(&sb, 0);
	/* Valid multi-byte sequences pass through untouched. */
	assert_string_equal(esc("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15, &sb),
			    "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* Invalid: lone continuation, truncated sequence, overlong, surrogate. */
	assert_string_equal(esc("\x80", 1, &sb), "\"\\ufffd\"");
	assert_string_equal(esc("a\xc3", 2, &sb), "\"a\\ufffd\"");
	assert_string_equal(esc("\xc0\xaf", 2, &sb), "\"\\ufffd\\ufffd\"");
	assert_string_equal(esc("\xed\xa0\x80", 3, &sb), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(esc("\xf5\x80\x80\x80", 4, &sb), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* C1 controls (CSI is U+009B) are escaped like C0; U+00A0 is not. */
	assert_string_equal(esc("\xc2\x9b\xc2\x80\xc2\xa0", 6, &sb), "\"\\u009b\\u0080\xc2\xa0\"");
	strbuf__free(&sb);
}

static void test_record(void **state)
{
	static struct vrec rec;
	struct strbuf sb;

	strbuf__init(&sb, 0);
	vrec__reset(&rec, schema__event(EV_PROCESS_TERMINATE));
	rec.seq = 42;
	rec.computer = "host1";
	vrec__set_str(&rec, VF_UtcTime, "2026-01-02 03:04:05.678");
	vrec__set_int(&rec, VF_ProcessId, 1234);
	vrec__set_str(&rec, VF_Image, "/usr/bin/\"q\"");
	vrec__set_int(&rec, VF_ExitCode, 3);
	json__add_record(&sb, &rec);
	assert_string_equal(
	    strbuf__cstr(&sb),
	    "{\"EventID\":5,\"Event\":\"ProcessTerminate\",\"Computer\":\"host1\","
	    "\"SequenceNumber\":42,\"RuleName\":\"-\",\"UtcTime\":\"2026-01-02 "
	    "03:04:05.678\",\"ProcessGuid\":\"-\",\"ProcessId\":1234,\"Image\":"
	    "\"/usr/bin/\\\"q\\\"\",\"User\":\"-\",\"ExitCode\":3,"
	    "\"InitiatingProcessCommandLine\":\"-\",\"InitiatingProcessParentGuid\":"
	    "\"-\",\"InitiatingProcessParentImage\":\"-\",\"InitiatingProcessHashes\":"
	    "\"-\",\"ContainerId\":\"-\"}");
	/* Reset clears only what was set, and the record is reusable. */
	vrec__reset(&rec, schema__event(EV_ERROR));
	assert_null(vrec__get(&rec, VF_Image, NULL));
	strbuf__free(&sb);
}

static void test_time(void **state)
{
	char t[24];
	vrec__fmt_time(1700000000123456789ull, t);
	assert_string_equal(t, "2023-11-14 22:13:20.123");
}

/* The hand-made number formatters of the event path, at their edges. */
static void test_numbers(void **state)
{
	char b[FMT_U64_MAX], h[17] = {0};
	static struct vrec rec;
	size_t len;

	(void)state;
	assert_int_equal(fmt_u64(b, 0), 1);
	assert_string_equal(b, "0");
	assert_int_equal(fmt_u64(b, 10), 2);
	assert_string_equal(b, "10");
	assert_int_equal(fmt_u64(b, UINT64_MAX), 20);
	assert_string_equal(b, "18446744073709551615");
	fmt_hex(h, 0xabc, 8);
	assert_string_equal(h, "00000abc");
	memset(h, 0, sizeof(h));
	fmt_hex(h, 0x123456789abcdef0ull, 4); /* the low bits only */
	assert_string_equal(h, "def0");

	vrec__reset(&rec, schema__event(EV_PROCESS_TERMINATE));
	vrec__set_int(&rec, VF_ExitCode, INT64_MIN);
	assert_string_equal(vrec__get(&rec, VF_ExitCode, &len), "-9223372036854775808");
	vrec__set_int(&rec, VF_ExitCode, -1);
	assert_string_equal(vrec__get(&rec, VF_ExitCode, &len), "-1");
	assert_int_equal(len, 2);
	vrec__set_uint(&rec, VF_ProcessId, 4294967295u);
	assert_string_equal(vrec__get(&rec, VF_ProcessId, &len), "4294967295");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escapes), cmocka_unit_test(test_block_scan),
	    cmocka_unit_test(test_utf8),    cmocka_unit_test(test_record),
	    cmocka_unit_test(test_time),    cmocka_unit_test(test_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
