/*
 * test_format_writer.c — the OCSF / ECS writer's fast paths against the
 * plain ones.
 *
 * fw__jstr copies a string while it checks 16 or 8 bytes at a time whether
 * anything needs escaping, and only then falls back to json__add_str. A
 * miss there would put a raw quote or control byte into the output, so
 * every byte that needs escaping is put at every position of strings of
 * every length up to past two SSE words, with the buffer's free room varied
 * so that the in-place and the growing paths both run; the output must be
 * exactly json__add_str's. Numbers and keys are checked the same way
 * against snprintf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "formats/writer.h"

/* fw__jstr(s) must equal json__add_str(s), appended after pad bytes. */
static void same_as_reference(const char *s, size_t n, size_t pad)
{
	struct strbuf a, b;

	strbuf__init(&a, 0);
	strbuf__init(&b, 0);
	for (size_t i = 0; i < pad; i++) {
		strbuf__addc(&a, 'p');
		strbuf__addc(&b, 'p');
	}
	fw__jstr(&a, s, n);
	json__add_str(&b, s, n);
	if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
		fail_msg("length %zu pad %zu: fast \"%.*s\" != reference \"%.*s\"", n, pad,
			 (int)a.len, a.buf, (int)b.len, b.buf);
	strbuf__free(&a);
	strbuf__free(&b);
}

static void test_jstr_every_position(void **state)
{
	static const unsigned char bad[] = {0x00, 0x01, '\n', 0x1f, '"',  '\\',
					    0x7f, 0x80, 0xc3, 0xff, 0x9f, 0xe2};
	char s[48];

	(void)state;
	for (size_t n = 0; n <= sizeof(s); n++) {
		memset(s, 'a', sizeof(s));
		/* clean strings: every length, padding around the growth points
		 * of the buffer (256, 512) */
		for (size_t pad = 0; pad < 8; pad++)
			same_as_reference(s, n, pad);
		same_as_reference(s, n, 250);
		same_as_reference(s, n, 255 - n);
		for (size_t at = 0; at < n; at++)
			for (size_t b = 0; b < sizeof(bad); b++) {
				s[at] = (char)bad[b];
				same_as_reference(s, n, at % 5);
				s[at] = 'a';
			}
	}
}

static void test_jstr_printable(void **state)
{
	char s[96];

	(void)state;
	/* every printable ASCII byte that needs no escaping, at every offset */
	for (int c = 0x20; c < 0x7f; c++) {
		for (size_t n = 1; n < sizeof(s); n += 7) {
			memset(s, c, n);
			same_as_reference(s, n, 3);
		}
	}
}

static void test_members(void **state)
{
	static const int64_t v[] = {0,
				    1,
				    9,
				    10,
				    99,
				    100,
				    101,
				    12345,
				    -1,
				    -10,
				    1773500966535,
				    INT64_MAX,
				    INT64_MIN + 1,
				    4294967296};
	struct strbuf sb;
	struct fw w;
	struct vrec rec;
	char want[4096];
	size_t off = 0;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	strbuf__init(&sb, 0);
	fw__begin(&w, &sb, &rec);
	off += (size_t)snprintf(want + off, sizeof(want) - off, "{");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fw__int(&w, "n", v[i]);
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s\"n\":%" PRId64,
					i ? "," : "", v[i]);
	}
	fw__int_str(&w, "s", 255);
	fw__lit(&w, "a_rather_long_key_name", "x");
	fw__lit(&w, "k", "");
	fw__bool(&w, "t", true);
	fw__obj(&w, "o");
	fw__raw(&w, "\"r\":1");
	fw__arr(&w, "list");
	fw__item_str(&w, "q\"", 2);
	fw__end(&w);
	off += (size_t)snprintf(want + off, sizeof(want) - off,
				",\"s\":\"255\",\"a_rather_long_key_name\":\"x\",\"k\":\"\","
				"\"t\":true,\"o\":{\"r\":1,\"list\":[\"q\\\"\"]}}");
	assert_string_equal(sb.buf, want);
	strbuf__free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jstr_every_position),
	    cmocka_unit_test(test_jstr_printable),
	    cmocka_unit_test(test_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
