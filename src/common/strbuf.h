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
void strbuf__add(struct strbuf *sb, const void *p, size_t n);
void strbuf__addc(struct strbuf *sb, char c);
void strbuf__adds(struct strbuf *sb, const char *s);
void strbuf__addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns a NUL-terminated view (valid until the next append). */
const char *strbuf__cstr(struct strbuf *sb);

#endif
