/*
 * sigma_value.c — Sigma value modifiers: wildcards and escapes, UTF-16,
 * base64 and base64offset, windash, regex generation, CIDR.
 *
 * A value travels as bytes plus a parallel wildcard mask so that modifiers
 * which rewrite bytes (windash) keep `*` and `?` meaning what the rule said,
 * and escaped `\*` stays a literal star. Encoding modifiers (utf16, base64)
 * only take wildcard-free values: the encoding of a wildcard is meaningless.
 */
#include "detect/sigma_int.h"

#include "common/utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sv_alloc(struct sg_arena *a, size_t n, struct sv *out)
{
	out->b = sg_alloc(a, n + 1);
	out->w = sg_alloc(a, n + 1);
	out->n = 0;
	return out->b && out->w ? 0 : -ENOMEM;
}

int sv_from_sigma(struct sg_arena *a, const char *s, size_t n, struct sv *out)
{
	if (sv_alloc(a, n, out))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		/* Sigma escapes: \* \? \\ are literals; a backslash before
		 * anything else is itself a literal backslash. */
		if (c == '\\' && i + 1 < n &&
		    (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
			out->b[out->n] = (uint8_t)s[i + 1];
			out->w[out->n++] = 0;
			i++;
			continue;
		}
		out->b[out->n] = (uint8_t)c;
		out->w[out->n++] = c == '*' ? 1 : c == '?' ? 2 : 0;
	}
	return 0;
}

int sv_from_bytes(struct sg_arena *a, const uint8_t *s, size_t n, struct sv *out)
{
	if (sv_alloc(a, n, out))
		return -ENOMEM;
	memcpy(out->b, s, n);
	out->n = n;
	return 0;
}

bool sv_has_wild(const struct sv *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->w[i])
			return true;
	return false;
}

static void put16(struct sv *o, uint16_t u, bool be)
{
	o->b[o->n++] = be ? (uint8_t)(u >> 8) : (uint8_t)u;
	o->b[o->n++] = be ? (uint8_t)u : (uint8_t)(u >> 8);
}

/* which: 0 = utf16le/wide, 1 = utf16be, 2 = utf16 (little-endian with BOM,
 * as Windows writes it). */
int sv_utf16(struct sg_arena *a, const struct sv *in, int which, struct sv *out)
{
	bool be = which == 1;

	if (sv_alloc(a, in->n * 4 + 2, out))
		return -ENOMEM;
	if (which == 2)
		put16(out, 0xfeff, false);
	for (size_t i = 0; i < in->n;) {
		uint32_t cp;
		size_t k = utf8__seq(in->b + i, in->n - i, &cp);

		if (k == 0)
			return -EINVAL;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			put16(out, (uint16_t)(0xd800 | (cp >> 10)), be);
			put16(out, (uint16_t)(0xdc00 | (cp & 0x3ff)), be);
		} else {
			put16(out, (uint16_t)cp, be);
		}
		i += k;
	}
	return 0;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = (uint8_t)b64chars[v >> 18];
		out[o++] = (uint8_t)b64chars[(v >> 12) & 63];
		out[o++] = (uint8_t)b64chars[(v >> 6) & 63];
		out[o++] = (uint8_t)b64chars[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = (uint8_t)b64chars[v >> 18];
		out[o++] = (uint8_t)b64chars[(v >> 12) & 63];
		out[o++] = i + 1 < n ? (uint8_t)b64chars[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

int sv_base64(struct sg_arena *a, const struct sv *in, struct sv *out)
{
	if (sv_alloc(a, (in->n + 2) / 3 * 4, out))
		return -ENOMEM;
	out->n = b64_encode(in->b, in->n, out->b);
	return 0;
}

/*
 * base64offset: the value may sit at any byte offset of the encoded data, so
 * encode it behind 0, 1 and 2 filler bytes and keep only the characters that
 * depend on the value alone. With i filler bytes the first 0, 2 or 3
 * characters mix in filler; at the end, the characters of an incomplete
 * final group mix in whatever follows, so they go too: with (n + i) % 3 == 1
 * the last 3 characters (2 of them padding) and with == 2 the last 2.
 */
int sv_base64offset(struct sg_arena *a, const struct sv *in, struct sv out[3])
{
	static const size_t start[3] = {0, 2, 3};

	for (int i = 0; i < 3; i++) {
		size_t n = in->n + (size_t)i, enc_len, end_cut;
		uint8_t *tmp = sg_alloc(a, n + 1), *enc;

		if (tmp == NULL)
			return -ENOMEM;
		memset(tmp, ' ', (size_t)i);
		memcpy(tmp + i, in->b, in->n);
		enc = sg_alloc(a, (n + 2) / 3 * 4 + 1);
		if (enc == NULL)
			return -ENOMEM;
		enc_len = b64_encode(tmp, n, enc);
		end_cut = n % 3 == 1 ? 3 : n % 3 == 2 ? 2 : 0;
		if (enc_len < start[i] + end_cut)
			enc_len = start[i] + end_cut; /* empty result */
		if (sv_from_bytes(a, enc + start[i], enc_len - start[i] - end_cut, &out[i]))
			return -ENOMEM;
	}
	return 0;
}

static bool is_word(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/*
 * windash: a command-line flag written `-x` may also be written with `/` or
 * a Unicode dash on Windows. Every `-` or `/` that starts a word (not after
 * a word character, followed by one) gets each of the five forms; the
 * variants are all combinations.
 */
int sv_windash(struct sg_arena *a, const struct sv *in, struct sv *out, int max)
{
	static const char *const dash[5] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94",
					    "\xe2\x80\x95"};
	size_t pos[16];
	int npos = 0, total = 1;

	for (size_t i = 0; i < in->n; i++) {
		if (in->w[i] || (in->b[i] != '-' && in->b[i] != '/'))
			continue;
		if (i > 0 && is_word(in->b[i - 1]) && !in->w[i - 1])
			continue;
		if (i + 1 >= in->n || !is_word(in->b[i + 1]) || in->w[i + 1])
			continue;
		if (npos == 16)
			return -E2BIG;
		pos[npos++] = i;
		total *= 5;
		if (total > max)
			return -E2BIG;
	}
	for (int v = 0; v < total; v++) {
		struct sv *o = &out[v];
		int code = v, p = 0;

		if (sv_alloc(a, in->n + 2 * (size_t)npos, o))
			return -ENOMEM;
		for (size_t i = 0; i < in->n; i++) {
			if (p < npos && pos[p] == i) {
				const char *d = dash[code % 5];

				code /= 5;
				p++;
				for (; *d; d++) {
					o->b[o->n] = (uint8_t)*d;
					o->w[o->n++] = 0;
				}
				continue;
			}
			o->b[o->n] = in->b[i];
			o->w[o->n++] = in->w[i];
		}
	}
	return total;
}

char *sv_to_regex(struct sg_arena *a, const struct sv *v, int op)
{
	static const char hex[] = "0123456789abcdef";
	/* worst case 4 chars per byte plus anchors */
	char *r = sg_alloc(a, v->n * 4 + 8), *p;
	size_t lo = 0, hi = v->n;

	if (r == NULL)
		return NULL;
	p = r;
	/* Leading/trailing '*' of an anchored pattern are just the absence of
	 * the anchor; dropping them keeps Hyperscan's literal paths fast. */
	bool anchor_start = op == OP_EQ || op == OP_STARTS;
	bool anchor_end = op == OP_EQ || op == OP_ENDS;

	while (anchor_start && lo < hi && v->w[lo] == 1) {
		anchor_start = false;
		lo++;
	}
	while (lo < hi && v->w[lo] == 1)
		lo++;
	while (anchor_end && hi > lo && v->w[hi - 1] == 1) {
		anchor_end = false;
		hi--;
	}
	while (hi > lo && v->w[hi - 1] == 1)
		hi--;
	if (anchor_start) {
		*p++ = '\\';
		*p++ = 'A';
	}
	for (size_t i = lo; i < hi; i++) {
		uint8_t c = v->b[i];

		if (v->w[i] == 1) {
			*p++ = '.';
			*p++ = '*';
		} else if (v->w[i] == 2) {
			*p++ = '.';
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9')) {
			*p++ = (char)c;
		} else {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	if (anchor_end) {
		*p++ = '\\';
		*p++ = 'z';
	}
	*p = '\0';
	return r;
}

int sv_literal(const struct sv *v, int op, size_t *lo, size_t *hi)
{
	bool start = op == OP_EQ || op == OP_STARTS, end = op == OP_EQ || op == OP_ENDS;
	size_t l = 0, h = v->n;

	while (l < h && v->w[l] == 1) {
		start = false;
		l++;
	}
	while (h > l && v->w[h - 1] == 1) {
		end = false;
		h--;
	}
	for (size_t i = l; i < h; i++)
		if (v->w[i])
			return -1;
	*lo = l;
	*hi = h;
	return start && end ? OP_EQ : start ? OP_STARTS : end ? OP_ENDS : OP_CONTAINS;
}

int sg_parse_cidr(const char *s, struct sa *atom)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	long plen;
	char *end;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(atom->net, 0, sizeof(atom->net));
	if (inet_pton(AF_INET, buf, atom->net) == 1) {
		atom->af = 4;
	} else if (inet_pton(AF_INET6, buf, atom->net) == 1) {
		atom->af = 6;
	} else {
		return -EINVAL;
	}
	if (slash == NULL) {
		plen = atom->af == 4 ? 32 : 128;
	} else {
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || plen < 0 ||
		    plen > (atom->af == 4 ? 32 : 128))
			return -EINVAL;
	}
	atom->plen = (uint8_t)plen;
	return 0;
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool sg_cidr_match(const struct sa *atom, const char *s, size_t n)
{
	char buf[64];
	uint8_t addr[16];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* IPv6 scope ids ("fe80::1%eth0") are not part of the address. */
	char *pct = strchr(buf, '%');
	if (pct)
		*pct = '\0';
	if (atom->af == 4) {
		if (inet_pton(AF_INET, buf, addr) == 1)
			return prefix_eq(addr, atom->net, atom->plen);
		/* An IPv4-mapped IPv6 address is the IPv4 address. */
		if (inet_pton(AF_INET6, buf, addr) == 1) {
			static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
							   0, 0, 0, 0, 0xff, 0xff};

			if (memcmp(addr, mapped, 12) == 0)
				return prefix_eq(addr + 12, atom->net, atom->plen);
		}
		return false;
	}
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return false;
	return prefix_eq(addr, atom->net, atom->plen);
}
