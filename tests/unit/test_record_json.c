/*
 * test_record_json.c — JSON lines back into records: round trips through
 * json__add_record, dynamic fields, value types, and rejected input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "common/json.h"
#include "common/record_json.h"

static struct vrec a, b;

static void test_round_trip(void **state)
{
	struct strbuf s1, s2;
	char err[128];
	size_t len;

	strbuf__init(&s1, 0);
	strbuf__init(&s2, 0);
	vrec__reset(&a, schema__event(EV_PROCESS_CREATE));
	a.seq = 12345;
	a.computer = "host-a";
	vrec__set_str(&a, VF_UtcTime, "2026-03-04 05:06:07.089");
	vrec__set_int(&a, VF_ProcessId, 4242);
	vrec__set_str(&a, VF_Image, "/usr/bin/\"quoted\" \xc3\xa9");
	vrec__set_str(&a, VF_CommandLine, "sh -c 'echo\ta\nb\\c'");
	vrec__set_int(&a, VF_LogonId, 0);
	json__add_record(&s1, &a);

	assert_int_equal(record_json__parse(&b, s1.buf, s1.len, err, sizeof(err)), 0);
	assert_int_equal(b.def->id, 1);
	assert_int_equal(b.seq, 12345);
	assert_string_equal(b.computer, "host-a");
	assert_string_equal(vrec__get(&b, VF_Image, &len), "/usr/bin/\"quoted\" \xc3\xa9");
	assert_string_equal(vrec__get(&b, VF_CommandLine, &len), "sh -c 'echo\ta\nb\\c'");
	assert_string_equal(vrec__get(&b, VF_ProcessId, &len), "4242");
	assert_string_equal(vrec__get(&b, VF_LogonId, &len), "0");
	/* "-" placeholders come back absent */
	assert_null(vrec__get(&b, VF_ParentImage, NULL));
	/* UtcTime fills the record's clock */
	assert_int_equal(b.ts_ns, 1772600767089000000ull);
	/* and the re-serialised line is identical */
	json__add_record(&s2, &b);
	assert_int_equal(s1.len, s2.len);
	assert_memory_equal(s1.buf, s2.buf, s1.len);
	strbuf__free(&s1);
	strbuf__free(&s2);
}

static void test_dynamic_and_types(void **state)
{
	static const char line[] =
	    "{\"EventID\":241,\"Event\":\"SensorHealth\",\"Computer\":\"h\",\"SequenceNumber\":"
	    "9,\"UtcTime\":\"2026-01-01 00:00:00.000\",\"RingBufferUsedPct\":3,"
	    "\"ProcessCreateSeen\":1000,\"Odd\":true,\"Nested\":{\"a\":[1,2]},\"Gone\":null}";
	char err[128];
	size_t len;

	assert_int_equal(record_json__parse(&b, line, sizeof(line) - 1, err, sizeof(err)), 0);
	assert_int_equal(b.def->id, 241);
	assert_string_equal(vrec__get(&b, VF_RingBufferUsedPct, &len), "3");
	assert_int_equal(b.ndyn, 3);
	assert_string_equal(b.dyn[0].name, "ProcessCreateSeen");
	assert_string_equal(b.dyn[0].val.s, "1000");
	assert_true(b.dyn[0].is_int);
	assert_string_equal(b.dyn[1].name, "Odd");
	assert_string_equal(b.dyn[1].val.s, "true");
	assert_string_equal(b.dyn[2].name, "Nested");
	assert_string_equal(b.dyn[2].val.s, "{\"a\":[1,2]}");
}

static void test_rejects(void **state)
{
	char err[128];

	assert_int_equal(record_json__parse(&b, "{\"EventID\":1", 12, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "invalid JSON"));
	assert_int_equal(record_json__parse(&b, "[1,2]", 5, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a JSON object");
	assert_int_equal(record_json__parse(&b, "{\"Image\":\"x\"}", 13, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "no EventID");
	assert_int_equal(record_json__parse(&b, "{\"EventID\":8}", 13, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown EventID");
	assert_int_equal(record_json__parse(&b, "{\"EventID\":99999}", 17, err, sizeof(err)),
			 -EINVAL);
	/* trailing garbage after the object */
	assert_int_equal(record_json__parse(&b, "{\"EventID\":1} x", 15, err, sizeof(err)),
			 -EINVAL);
	/* a record reused after an error parses cleanly */
	assert_int_equal(
	    record_json__parse(&b, "{\"EventID\":5,\"ExitCode\":2}", 26, err, sizeof(err)), 0);
	assert_string_equal(vrec__get(&b, VF_ExitCode, NULL), "2");
	assert_null(vrec__get(&b, VF_Image, NULL));
}

static void test_escapes_and_fallback(void **state)
{
	static const char l1[] =
	    "{\"EventID\":1,\"CommandLine\":\"a\\u00e9\\ud83d\\ude00\\/\\\"x\\\\\\t\","
	    "\"ProcessId\":-12,\"Image\":\"\",\"FileVersion\":1.5e3}  ";
	static const char l2[] = "{\"EventID\":1,\"CommandLine\":\"\\udc00x\"}";
	static const char l3[] = "{\"Image\":\"/bin/x\",\"EventID\":11}";
	char err[128];
	size_t len;

	assert_int_equal(record_json__parse(&b, l1, sizeof(l1) - 1, err, sizeof(err)), 0);
	assert_string_equal(vrec__get(&b, VF_CommandLine, &len),
			    "a\xc3\xa9\xf0\x9f\x98\x80/\"x\\\t");
	assert_string_equal(vrec__get(&b, VF_ProcessId, &len), "-12");
	assert_string_equal(vrec__get(&b, VF_FileVersion, &len), "1.5e3");
	/* "" is a present, empty value */
	assert_non_null(vrec__get(&b, VF_Image, &len));
	assert_int_equal(len, 0);
	/* a lone surrogate is json-c's business; it still parses */
	assert_int_equal(record_json__parse(&b, l2, sizeof(l2) - 1, err, sizeof(err)), 0);
	assert_non_null(vrec__get(&b, VF_CommandLine, NULL));
	/* a raw NUL inside a key is not the field "ID" (found by fuzzing) */
	static const char l4[] = "{\"EventID\":255,\"ID\0x\":\"1\"}";
	if (record_json__parse(&b, l4, sizeof(l4) - 1, err, sizeof(err)) == 0)
		assert_null(vrec__get(&b, VF_ID, NULL));
	/* EventID need not come first */
	assert_int_equal(record_json__parse(&b, l3, sizeof(l3) - 1, err, sizeof(err)), 0);
	assert_int_equal(b.def->id, 11);
	assert_string_equal(vrec__get(&b, VF_Image, NULL), "/bin/x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_dynamic_and_types),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_escapes_and_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
