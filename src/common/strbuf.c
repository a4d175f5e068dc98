/*
 * strbuf.c — bounded growable buffer; see strbuf.h.
 */
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf__init(struct strbuf *sb, size_t max)
{
	memset(sb, 0, sizeof(*sb));
	sb->max = max ? max : (16u << 20);
}

void strbuf__free(struct strbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

void strbuf__clear(struct strbuf *sb)
{
	sb->len = 0;
	sb->overflow = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static bool reserve(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	size_t ncap;
	char *nb;

	if (need <= sb->cap)
		return true;
	if (need > sb->max) {
		sb->overflow = true;
		return false;
	}
	ncap = sb->cap ? sb->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > sb->max)
		ncap = sb->max;
	nb = realloc(sb->buf, ncap);
	if (nb == NULL) {
		sb->overflow = true;
		return false;
	}
	if (sb->buf == NULL)
		nb[0] = '\0';
	sb->buf = nb;
	sb->cap = ncap;
	return true;
}

void strbuf__add_slow(struct strbuf *sb, const void *p, size_t n)
{
	if (!reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf__adds(struct strbuf *sb, const char *s)
{
	strbuf__add(sb, s, strlen(s));
}

void strbuf__addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

const char *strbuf__cstr(struct strbuf *sb)
{
	if (sb->buf == NULL && !reserve(sb, 0))
		return "";
	return sb->buf ? sb->buf : "";
}

size_t fmt_u64(char out[FMT_U64_MAX], uint64_t v)
{
	char tmp[FMT_U64_MAX];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

size_t fmt_ipv4(char out[FMT_IPV4_MAX], const uint8_t a[4])
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (v >= 100)
			out[n++] = (char)('0' + v / 100);
		if (v >= 10)
			out[n++] = (char)('0' + v / 10 % 10);
		out[n++] = (char)('0' + v % 10);
		out[n++] = '.';
	}
	out[--n] = '\0'; /* over the last '.' */
	return n;
}

void fmt_hex(char *out, uint64_t v, unsigned digits)
{
	static const char hx[] = "0123456789abcdef";

	while (digits--) {
		out[digits] = hx[v & 15];
		v >>= 4;
	}
}

void strbuf__add_u64(struct strbuf *sb, uint64_t v)
{
	char b[FMT_U64_MAX];

	strbuf__add(sb, b, fmt_u64(b, v));
}
