/*
 * utf8.h — UTF-8 validation, shared by every output that must carry valid
 * text (JSON, Sysmon XML, the SQLite store, `vigil hunt`), so that all of
 * them agree on what is valid and on what replaces what is not: each byte
 * of an invalid sequence becomes U+FFFD.
 *
 * Valid means RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF.
 */
#ifndef VIGIL_UTF8_H
#define VIGIL_UTF8_H

#include "common/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Length (1-4) of the valid UTF-8 sequence at s (n bytes available), or 0
 * when it is invalid; *cp (when not NULL) gets its code point. */
size_t utf8__seq(const unsigned char *s, size_t n, uint32_t *cp);

/* True for a continuation byte (10xxxxxx): not the start of a character,
 * so a cut or a character count steps over it. */
static inline bool utf8__is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* True when s[0..n) is valid UTF-8 throughout. */
bool utf8__valid(const char *s, size_t n);

/* Appends s[0..n) with each byte of an invalid sequence replaced by
 * U+FFFD: the text a JSON reader gets from vigil's JSON output. */
void utf8__add_valid(struct strbuf *sb, const char *s, size_t n);

#endif
