/*
 * test_utf8.c — the shared UTF-8 validator and repair (common/utf8.c):
 * what is valid, and that invalid bytes become U+FFFD one for one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/utf8.h"

static void test_valid(void **state)
{
	static const char *const ok[] = {
	    "", "plain", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"};
	static const char *const bad[] = {"\xff",
					  "\x80",
					  "\xc0\xaf",	      /* overlong */
					  "\xed\xa0\x80",     /* surrogate */
					  "\xf4\x90\x80\x80", /* > U+10FFFF */
					  "\xe2\x82",	      /* cut */
					  "a\xc3"};
	uint32_t cp;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(utf8__valid(ok[i], strlen(ok[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(utf8__valid(bad[i], strlen(bad[i])));
	assert_int_equal(utf8__seq((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
}

static void test_repair(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf__init(&sb, 1 << 16);
	utf8__add_valid(&sb, "a\xff\xc3\xa9\xe2\x82z", 7);
	assert_int_equal(sb.len, 1 + 3 + 2 + 3 + 3 + 1);
	assert_memory_equal(sb.buf, "a\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbdz", sb.len);
	strbuf__free(&sb);
}

/* The edges of RFC 3629 that every caller (JSON, XML, hunt, the rules'
 * case folding, Sigma's utf16 modifiers) relies on utf8__seq for. */
static void test_seq_edges(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8__seq((const unsigned char *)"\xc2\x80", 2, &cp), 2);
	assert_int_equal(cp, 0x80);
	assert_int_equal(utf8__seq((const unsigned char *)"\xc1\xbf", 2, &cp), 0); /* overlong */
	assert_int_equal(utf8__seq((const unsigned char *)"\xe0\x9f\xbf", 3, &cp), 0);
	assert_int_equal(utf8__seq((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0); /* D800 */
	assert_int_equal(utf8__seq((const unsigned char *)"\xef\xbf\xbf", 3, &cp), 3);
	assert_int_equal(cp, 0xffff);
	assert_int_equal(utf8__seq((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	assert_int_equal(utf8__seq((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
	/* A sequence cut by the end of the buffer is invalid. */
	assert_int_equal(utf8__seq((const unsigned char *)"\xe2\x82\xac", 2, &cp), 0);
	assert_true(utf8__is_cont(0x80));
	assert_true(utf8__is_cont(0xbf));
	assert_false(utf8__is_cont(0xc3));
	assert_false(utf8__is_cont('a'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_repair),
	    cmocka_unit_test(test_seq_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
