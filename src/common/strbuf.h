/*
 * strbuf.h — a growable byte buffer for building output lines.
 *
 * Growth is bounded by a cap set at init (default 16 MiB) so that no input,
 * however large, makes a sink allocate without limit: past the cap, appends
 * are dropped and sb->overflow is set, which callers count.
 */
#ifndef VIGIL_STRBUF_H
#define VIGIL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
	bool overflow;
};

void strbuf__init(struct strbuf *sb, size_t max);
void strbuf__free(struct strbuf *sb);
void strbuf__clear(struct strbuf *sb);
/* The growing path of strbuf__add/strbuf__addc (strbuf.c). */
void strbuf__add_slow(struct strbuf *sb, const void *p, size_t n);

/* Inline: a serialised record is dozens of short appends, and the call
 * and the capacity check were a tenth of the JSON stage (pipeline_bench).
 * The fast path needs room for the bytes and the NUL already there. */
static inline void strbuf__add(struct strbuf *sb, const void *p, size_t n)
{
	if (sb->buf != NULL && n < sb->cap - sb->len) {
		memcpy(sb->buf + sb->len, p, n);
		sb->len += n;
		sb->buf[sb->len] = '\0';
		return;
	}
	strbuf__add_slow(sb, p, n);
}

static inline void strbuf__addc(struct strbuf *sb, char c)
{
	strbuf__add(sb, &c, 1);
}

void strbuf__adds(struct strbuf *sb, const char *s);
void strbuf__addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns a NUL-terminated view (valid until the next append). */
const char *strbuf__cstr(struct strbuf *sb);
/* Appends v in decimal. */
void strbuf__add_u64(struct strbuf *sb, uint64_t v);

/*
 * Number formatting for the event path, where snprintf's format parsing
 * was a tenth of the sensor's CPU in an exec storm (every record has pids,
 * GUIDs and a sequence number).
 */
#define FMT_U64_MAX 21 /* 20 digits and the NUL */
/* Writes v in decimal and a NUL to out; returns the digits' count. */
size_t fmt_u64(char out[FMT_U64_MAX], uint64_t v);
#define FMT_IPV4_MAX 16 /* "255.255.255.255" and the NUL */
/* Writes the dotted quad of a (network order), as inet_ntop(AF_INET) does,
 * and a NUL to out; returns its length. */
size_t fmt_ipv4(char out[FMT_IPV4_MAX], const uint8_t a[4]);
/* Writes v's low 4*digits bits as exactly that many lower-case hex digits
 * (leading zeros kept, no NUL). */
void fmt_hex(char *out, uint64_t v, unsigned digits);

#endif
