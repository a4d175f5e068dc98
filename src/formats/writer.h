/*
 * writer.h — the streaming JSON writer the OCSF and ECS forms share.
 *
 * It writes nested objects straight into a strbuf (commas tracked per depth)
 * and remembers which of the record's fields the mapping has placed, so that
 * fw__unmapped() can put every other one under a catch-all object: the
 * mapping code reads a field with fw__take (placed) or fw__peek (only looked
 * at), and never loses one by forgetting it.
 */
#ifndef VIGIL_FORMAT_WRITER_H
#define VIGIL_FORMAT_WRITER_H

#include "common/record.h"
#include "common/strbuf.h"

#include <stdbool.h>
#include <stdint.h>

#define FW_MAX_DEPTH 16

struct fw {
	struct strbuf *sb;
	const struct vrec *rec;
	unsigned depth;
	bool more[FW_MAX_DEPTH];
	uint32_t is_arr; /* bit d: depth d is an array */
	uint8_t used[VF__COUNT];
	uint8_t dused[VREC_MAX_DYN];
};

/* strbuf__add / __addc without the call when the buffer has room: the
 * forms write many short pieces, and the call was a fifth of their cost.
 * The fast paths do not keep the buffer NUL-terminated after every piece:
 * fw__end terminates it, and nothing reads it before. */
static inline void fw__put(struct strbuf *sb, const void *p, size_t n)
{
	if (sb->len + n + 1 <= sb->cap) {
		__builtin_memcpy(sb->buf + sb->len, p, n);
		sb->len += n;
	} else {
		strbuf__add(sb, p, n);
	}
}

static inline void fw__putc(struct strbuf *sb, char c)
{
	if (sb->len + 2 <= sb->cap)
		sb->buf[sb->len++] = c;
	else
		strbuf__addc(sb, c);
}

/* s[0..len) as a quoted JSON string: copied while it is scanned when
 * nothing needs escaping (the common case), json__add_str otherwise. */
void fw__jstr(struct strbuf *sb, const char *s, size_t len);

void fw__begin(struct fw *w, struct strbuf *sb, const struct vrec *rec);
void fw__end(struct fw *w);

/*
 * Members of the current object. k is a plain literal (never escaped).
 * Each writer takes the key's length: the macros below pass
 * __builtin_strlen of the literal, which the compiler folds, so no member
 * costs a strlen at run time.
 */
void fw__key_n(struct fw *w, const char *k, size_t kn);
#define fw__key(w, k) fw__key_n((w), (k), __builtin_strlen(k))
void fw__obj_n(struct fw *w, const char *k, size_t kn);
#define fw__obj(w, k) fw__obj_n((w), (k), __builtin_strlen(k))
void fw__arr_n(struct fw *w, const char *k, size_t kn);
#define fw__arr(w, k) fw__arr_n((w), (k), __builtin_strlen(k))
void fw__item_obj(struct fw *w); /* an object as the next array element */
void fw__item_str(struct fw *w, const char *s, size_t len);
void fw__close(struct fw *w); /* closes the innermost object or array */
void fw__str_n(struct fw *w, const char *k, size_t kn, const char *s, size_t len);
#define fw__str(w, k, s, len) fw__str_n((w), (k), __builtin_strlen(k), (s), (len))
/* A string member whose value needs no escaping (a literal, a caption). */
void fw__lit_n(struct fw *w, const char *k, size_t kn, const char *s, size_t n);
#define fw__lit(w, k, s) fw__lit_n((w), (k), __builtin_strlen(k), (s), __builtin_strlen(s))
void fw__int_n(struct fw *w, const char *k, size_t kn, int64_t v);
#define fw__int(w, k, v) fw__int_n((w), (k), __builtin_strlen(k), (v))
/* v as a JSON string of its decimal digits */
void fw__int_str_n(struct fw *w, const char *k, size_t kn, int64_t v);
#define fw__int_str(w, k, v) fw__int_str_n((w), (k), __builtin_strlen(k), (v))
void fw__bool_n(struct fw *w, const char *k, size_t kn, bool v);
#define fw__bool(w, k, v) fw__bool_n((w), (k), __builtin_strlen(k), (v))
/* Members written as they are: raw is one or more complete JSON members
 * ("a":1,"b":{...}), a literal whose parts never change, copied in one
 * piece instead of member by member. */
void fw__raw_n(struct fw *w, const char *raw, size_t n);
#define fw__raw(w, raw) fw__raw_n((w), (raw), __builtin_strlen(raw))

/* A field's value, or NULL when absent, empty or "-". take marks it placed. */
static inline const char *fw__peek(const struct fw *w, enum vf_id f, size_t *len)
{
	const struct vrec_val *v;

	if (f <= VF_NONE || f >= VF__COUNT)
		return NULL;
	v = &w->rec->v[f];
	if (v->s == NULL || v->len == 0 || (v->len == 1 && v->s[0] == '-'))
		return NULL;
	if (len)
		*len = v->len;
	return v->s;
}

static inline const char *fw__take(struct fw *w, enum vf_id f, size_t *len)
{
	const char *v = fw__peek(w, f, len);

	if (v)
		w->used[f] = 1;
	return v;
}
/* Marks f placed without reading it. */
void fw__use(struct fw *w, enum vf_id f);
/* A field by name: the catalogue if it has the name, else the record's
 * dynamic fields (the contract's newer fields, before the catalogue has
 * them). take marks it placed. */
const char *fw__take_named(struct fw *w, const char *name, size_t *len);
const char *fw__peek_named(const struct fw *w, const char *name, size_t *len);

/* Writes f as a string member k when present; returns true when written. */
bool fw__fstr_n(struct fw *w, const char *k, size_t kn, enum vf_id f);
#define fw__fstr(w, k, f) fw__fstr_n((w), (k), __builtin_strlen(k), (f))
/* Writes f as a number member k when it holds an integer; a value that is
 * not one is left for the catch-all, where it keeps its text. */
bool fw__fint_n(struct fw *w, const char *k, size_t kn, enum vf_id f);
#define fw__fint(w, k, f) fw__fint_n((w), (k), __builtin_strlen(k), (f))

/* Writes every field not placed yet as members of a new object k (skipped
 * when there are none); numbers stay numbers. */
void fw__unmapped(struct fw *w, const char *k);

/* Helpers on values. */
bool fw__is_int(const char *s, size_t len);
int64_t fw__to_int(const char *s, size_t len);
/* "YYYY-MM-DD HH:MM:SS[.mmm]" → ms since the epoch; false when not that. */
bool fw__parse_time_ms(const char *s, size_t len, int64_t *ms);
/* The part of a path after its last '/'. */
const char *fw__basename(const char *s, size_t len, size_t *blen);
/* One answer of QueryResults ("type:  5 name" for a CNAME, "::ffff:a.b.c.d"
 * for an A record, an IPv6 address for AAAA) between p and e: returns its
 * data (the address without the ::ffff: prefix) and sets *type to "CNAME",
 * "A", "AAAA" or NULL. */
const char *fw__dns_answer(const char *p, const char *e, size_t *n, const char **type);
/* Writes ProcessCreate's Environment ("NAME=value;NAME=value") as the
 * array k: of {name, value} objects, or of the "NAME=value" strings. */
void fw__env(struct fw *w, const char *k, bool as_objects);

/* Writes "a,b,c" v[0..n) as the array of strings k. */
void fw__csv(struct fw *w, const char *k, const char *v, size_t n);

/* True when v[0..n) is the text lit (v may be NULL). */
static inline bool fw__eq(const char *v, size_t n, const char *lit)
{
	return v && n == __builtin_strlen(lit) && __builtin_memcmp(v, lit, n) == 0;
}

/* Writes QueryResults v[0..n) as array k: objects {data_key: data, type}
 * when data_key is given, else only the A and AAAA addresses as strings.
 * Returns the number of addresses. */
unsigned fw__dns_answers(struct fw *w, const char *k, const char *data_key, const char *v,
			 size_t n);
/* Decimal text of v at the end of b[24]; returns where it starts. */
char *fw__itoa_end(char b[24], int64_t v);
/* Appends ts_ns as ISO 8601 UTC with ms, "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void fw__iso_time(char out[32], uint64_t ts_ns);

#endif
