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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_repair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
