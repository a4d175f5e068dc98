/*
 * utf8.c — UTF-8 validation and repair; see utf8.h.
 */
#include "common/utf8.h"

size_t utf8__seq(const unsigned char *s, size_t n, uint32_t *cp_out)
{
	unsigned c = s[0];
	size_t need;
	uint32_t cp;

	if (c < 0x80) {
		if (cp_out)
			*cp_out = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0; /* a continuation byte, an overlong lead, or past U+10FFFF */
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if (!utf8__is_cont(s[i]))
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp_out)
		*cp_out = cp;
	return need;
}

bool utf8__valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		size_t k;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8__seq(s + i, n - i, NULL);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

void utf8__add_valid(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0; /* run: bytes of valid text not yet appended */

	while (i < n) {
		size_t k = s[i] < 0x80 ? 1 : utf8__seq(s + i, n - i, NULL);

		if (k > 0) {
			i += k;
			run += k;
			continue;
		}
		strbuf__add(sb, s + i - run, run);
		run = 0;
		strbuf__add(sb, UTF8_REPLACEMENT, 3);
		i++;
	}
	strbuf__add(sb, s + i - run, run);
}
