/*
 * writer.c — the streaming JSON writer of the OCSF and ECS forms; see
 * writer.h.
 */
#include "formats/writer.h"

#include "common/duration.h"
#include "common/json.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

void fw__begin(struct fw *w, struct strbuf *sb, const struct vrec *rec)
{
	w->sb = sb;
	w->rec = rec;
	w->depth = 0;
	w->is_arr = 0;
	w->more[0] = false;
	/* Only the fields the record set can be marked: clear just those. */
	for (unsigned i = 0; i < rec->nset; i++)
		w->used[rec->set[i]] = 0;
	memset(w->dused, 0, rec->ndyn);
	fw__putc(sb, '{');
}

void fw__end(struct fw *w)
{
	while (w->depth > 0)
		fw__close(w);
	fw__putc(w->sb, '}');
}

static void sep(struct fw *w)
{
	if (w->more[w->depth])
		fw__putc(w->sb, ',');
	w->more[w->depth] = true;
}

void fw__key_n(struct fw *w, const char *k, size_t n)
{
	struct strbuf *sb = w->sb;
	bool comma = w->more[w->depth];

	w->more[w->depth] = true;
	if (sb->len + n + 5 <= sb->cap) {
		/* ,"k": straight into the buffer */
		char *p = sb->buf + sb->len;

		if (comma)
			*p++ = ',';
		*p++ = '"';
		memcpy(p, k, n);
		p += n;
		*p++ = '"';
		*p++ = ':';
		*p = '\0';
		sb->len = (size_t)(p - sb->buf);
		return;
	}
	if (comma)
		strbuf__addc(sb, ',');
	strbuf__addc(sb, '"');
	strbuf__add(sb, k, n);
	strbuf__add(sb, "\":", 2);
}

void fw__jstr(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint8_t any = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = u[i];

		/* branch-free, so the compiler can do 16 bytes at a time */
		any |= (uint8_t)((ch < 0x20) | (ch >= 0x7f) | (ch == '"') | (ch == '\\'));
	}
	if (any) {
		json__add_str(sb, s, len);
		return;
	}
	if (sb->len + len + 3 <= sb->cap) {
		char *p = sb->buf + sb->len;

		p[0] = '"';
		memcpy(p + 1, s, len);
		p[len + 1] = '"';
		p[len + 2] = '\0';
		sb->len += len + 2;
		return;
	}
	json__add_str(sb, s, len);
}

static void push(struct fw *w, char c)
{
	fw__putc(w->sb, c);
	if (w->depth + 1 < FW_MAX_DEPTH)
		w->depth++;
	w->more[w->depth] = false;
}

void fw__obj(struct fw *w, const char *k)
{
	fw__key(w, k);
	push(w, '{');
	w->is_arr &= ~(1u << w->depth);
}

void fw__arr(struct fw *w, const char *k)
{
	fw__key(w, k);
	push(w, '[');
	w->is_arr |= 1u << w->depth;
}

void fw__item_obj(struct fw *w)
{
	sep(w);
	push(w, '{');
	w->is_arr &= ~(1u << w->depth);
}

void fw__item_str(struct fw *w, const char *s, size_t len)
{
	sep(w);
	fw__jstr(w->sb, s, len);
}

void fw__close(struct fw *w)
{
	fw__putc(w->sb, (w->is_arr >> w->depth) & 1 ? ']' : '}');
	if (w->depth > 0)
		w->depth--;
}

void fw__str(struct fw *w, const char *k, const char *s, size_t len)
{
	fw__key(w, k);
	fw__jstr(w->sb, s, len);
}

void fw__lit_n(struct fw *w, const char *k, size_t kn, const char *s, size_t n)
{
	struct strbuf *sb = w->sb;

	fw__key_n(w, k, kn);
	if (sb->len + n + 3 <= sb->cap) {
		char *p = sb->buf + sb->len;

		p[0] = '"';
		memcpy(p + 1, s, n);
		p[n + 1] = '"';
		p[n + 2] = '\0';
		sb->len += n + 2;
		return;
	}
	strbuf__addc(sb, '"');
	strbuf__add(sb, s, n);
	strbuf__addc(sb, '"');
}

/* Decimal text of v into the end of b[24]; returns where it starts
 * (snprintf costs more than the rest of a member). */
static char *itoa_end(char b[24], int64_t v)
{
	char *p = b + 24;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return p;
}

void fw__int(struct fw *w, const char *k, int64_t v)
{
	char b[24], *p = itoa_end(b, v);

	fw__key(w, k);
	fw__put(w->sb, p, (size_t)(b + 24 - p));
}

void fw__int_str(struct fw *w, const char *k, int64_t v)
{
	char b[24], *p = itoa_end(b, v);

	fw__key(w, k);
	fw__putc(w->sb, '"');
	fw__put(w->sb, p, (size_t)(b + 24 - p));
	fw__putc(w->sb, '"');
}

void fw__bool(struct fw *w, const char *k, bool v)
{
	fw__key(w, k);
	fw__put(w->sb, v ? "true" : "false", strlen(v ? "true" : "false"));
}

const char *fw__peek(const struct fw *w, enum vf_id f, size_t *len)
{
	size_t n;
	const char *v = vrec__get(w->rec, f, &n);

	if (v == NULL || n == 0 || (n == 1 && v[0] == '-'))
		return NULL;
	if (len)
		*len = n;
	return v;
}

const char *fw__take(struct fw *w, enum vf_id f, size_t *len)
{
	const char *v = fw__peek(w, f, len);

	if (v)
		w->used[f] = 1;
	return v;
}

void fw__use(struct fw *w, enum vf_id f)
{
	w->used[f] = 1;
}

/* Index of a dynamic field named name with a value, or -1. */
static int dyn_index(const struct vrec *rec, const char *name)
{
	for (unsigned i = 0; i < rec->ndyn; i++) {
		const struct vrec_dyn *d = &rec->dyn[i];

		if (strcmp(d->name, name) == 0 && d->val.s && d->val.len &&
		    !(d->val.len == 1 && d->val.s[0] == '-'))
			return (int)i;
	}
	return -1;
}

/* The catalogue id of a field name, or VF_NONE: looked up once per name
 * and thread (callers pass literals, so the pointer is the key) and
 * remembered, since the lookup is a scan of the catalogue. */
static enum vf_id named_id(const char *name)
{
	static __thread struct {
		const char *name;
		enum vf_id f;
	} cache[16];

	for (unsigned i = 0; i < 16; i++) {
		if (cache[i].name == name)
			return cache[i].f;
		if (cache[i].name == NULL) {
			cache[i].name = name;
			cache[i].f = schema__field_by_name(name);
			return cache[i].f;
		}
	}
	return schema__field_by_name(name);
}

const char *fw__peek_named(const struct fw *w, const char *name, size_t *len)
{
	enum vf_id f = named_id(name);
	int i;

	if (f != VF_NONE)
		return fw__peek(w, f, len);
	i = dyn_index(w->rec, name);
	if (i < 0)
		return NULL;
	*len = w->rec->dyn[i].val.len;
	return w->rec->dyn[i].val.s;
}

const char *fw__take_named(struct fw *w, const char *name, size_t *len)
{
	enum vf_id f = named_id(name);
	int i;

	if (f != VF_NONE)
		return fw__take(w, f, len);
	i = dyn_index(w->rec, name);
	if (i < 0)
		return NULL;
	w->dused[i] = 1;
	*len = w->rec->dyn[i].val.len;
	return w->rec->dyn[i].val.s;
}

bool fw__fstr(struct fw *w, const char *k, enum vf_id f)
{
	size_t n;
	const char *v = fw__take(w, f, &n);

	if (v)
		fw__str(w, k, v, n);
	return v != NULL;
}

bool fw__is_int(const char *s, size_t len)
{
	/* 19 digits at most, so that fw__to_int cannot overflow */
	return len <= 19 && json__is_integer(s, len);
}

int64_t fw__to_int(const char *s, size_t len)
{
	int64_t v = 0;
	bool neg = len && s[0] == '-';

	for (size_t i = neg; i < len; i++)
		v = v * 10 + (s[i] - '0');
	return neg ? -v : v;
}

bool fw__fint(struct fw *w, const char *k, enum vf_id f)
{
	size_t n;
	const char *v = fw__peek(w, f, &n);

	if (v == NULL || !fw__is_int(v, n))
		return false;
	w->used[f] = 1;
	fw__key(w, k);
	fw__put(w->sb, v, n);
	return true;
}

static void add_value(struct fw *w, const char *s, size_t n, bool is_int)
{
	if (is_int && fw__is_int(s, n))
		fw__put(w->sb, s, n);
	else
		fw__jstr(w->sb, s, n);
}

void fw__unmapped(struct fw *w, const char *k)
{
	const struct vrec *rec = w->rec;
	bool open = false;

	for (unsigned i = 0; i < rec->nset; i++) {
		enum vf_id f = (enum vf_id)rec->set[i];
		size_t n;
		const char *v;

		if (w->used[f])
			continue;
		w->used[f] = 1; /* a field set twice is written once */
		v = fw__peek(w, f, &n);
		if (v == NULL)
			continue;
		if (!open) {
			fw__obj(w, k);
			open = true;
		}
		const char *fname = schema__field_name(f);

		fw__key_n(w, fname, strlen(fname));
		add_value(w, v, n, schema__field_kind(f) == VFK_INT);
	}
	for (unsigned i = 0; i < rec->ndyn; i++) {
		const struct vrec_dyn *d = &rec->dyn[i];

		if (w->dused[i] || d->val.s == NULL)
			continue;
		if (!open) {
			fw__obj(w, k);
			open = true;
		}
		sep(w);
		fw__jstr(w->sb, d->name, strlen(d->name));
		fw__putc(w->sb, ':');
		add_value(w, d->val.s, d->val.len, d->is_int);
	}
	if (open)
		fw__close(w);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * civil-calendar algorithm), and its inverse. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, unsigned n, unsigned *out)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

bool fw__parse_time_ms(const char *s, size_t len, int64_t *ms)
{
	unsigned y, mo, d, h, mi, se, frac = 0;

	if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
	    s[13] != ':' || s[16] != ':')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	if (len >= 23 && s[19] == '.' && !digits(s + 20, 3, &frac))
		return false;
	*ms = ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + se) * 1000 + frac;
	return true;
}

const char *fw__basename(const char *s, size_t len, size_t *blen)
{
	const char *p = memrchr(s, '/', len);

	if (p == NULL || p + 1 == s + len) {
		*blen = len;
		return s;
	}
	p++;
	*blen = (size_t)(s + len - p);
	return p;
}

void fw__iso_time(char out[32], uint64_t ts_ns)
{
	int64_t secs = (int64_t)(ts_ns / NSEC_PER_SEC), y;
	unsigned ms = (unsigned)((ts_ns / NSEC_PER_MSEC) % MSEC_PER_SEC), m, d;
	unsigned sod = (unsigned)(secs % 86400);

	unsigned yy, hh = sod / 3600, mi = sod / 60 % 60, ss = sod % 60;

	civil_from_days(secs / 86400, &y, &m, &d);
	yy = (unsigned)(y % 10000);
	out[0] = (char)('0' + yy / 1000);
	out[1] = (char)('0' + yy / 100 % 10);
	out[2] = (char)('0' + yy / 10 % 10);
	out[3] = (char)('0' + yy % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = 'T';
	out[11] = (char)('0' + hh / 10);
	out[12] = (char)('0' + hh % 10);
	out[13] = ':';
	out[14] = (char)('0' + mi / 10);
	out[15] = (char)('0' + mi % 10);
	out[16] = ':';
	out[17] = (char)('0' + ss / 10);
	out[18] = (char)('0' + ss % 10);
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = 'Z';
	out[24] = '\0';
}

const char *fw__dns_answer(const char *p, const char *e, size_t *n, const char **type)
{
	*type = NULL;
	if (e - p > 5 && memcmp(p, "type:", 5) == 0) {
		const char *q = p + 5;

		while (q < e && *q == ' ')
			q++;
		if (e - q > 2 && q[0] == '5' && q[1] == ' ')
			*type = "CNAME";
		while (q < e && *q != ' ')
			q++;
		while (q < e && *q == ' ')
			q++;
		p = q;
	} else if (e - p > 7 && memcmp(p, "::ffff:", 7) == 0 &&
		   memchr(p + 7, '.', (size_t)(e - p - 7))) {
		/* Sysmon writes A answers as IPv4-mapped addresses */
		p += 7;
		*type = "A";
	} else if (memchr(p, ':', (size_t)(e - p))) {
		*type = "AAAA";
	} else if (memchr(p, '.', (size_t)(e - p))) {
		*type = "A";
	}
	*n = (size_t)(e - p);
	return p;
}

unsigned fw__dns_answers(struct fw *w, const char *k, const char *data_key, const char *v, size_t n)
{
	const char *p = v, *end = v + n;
	bool open = false;
	unsigned naddr = 0;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end, *type, *d;
		size_t dn;

		d = fw__dns_answer(p, e, &dn, &type);
		p = e + 1;
		if (dn == 0 || (data_key == NULL && !(type && type[0] == 'A')))
			continue;
		if (!open) {
			fw__arr(w, k);
			open = true;
		}
		naddr += type && type[0] == 'A';
		if (data_key == NULL) {
			fw__item_str(w, d, dn);
			continue;
		}
		fw__item_obj(w);
		fw__str(w, data_key, d, dn);
		if (type)
			fw__lit(w, "type", type);
		fw__close(w);
	}
	if (open)
		fw__close(w);
	return naddr;
}

void fw__csv(struct fw *w, const char *k, const char *v, size_t n)
{
	const char *p = v, *end = v + n;

	fw__arr(w, k);
	while (p < end) {
		const char *e = memchr(p, ',', (size_t)(end - p));

		if (e == NULL)
			e = end;
		if (e > p)
			fw__item_str(w, p, (size_t)(e - p));
		p = e + 1;
	}
	fw__close(w);
}

void fw__env(struct fw *w, const char *k, bool as_objects)
{
	size_t n;
	const char *v = fw__take_named(w, "Environment", &n), *p, *end;

	if (!v)
		return;
	fw__arr(w, k);
	for (p = v, end = v + n; p < end;) {
		const char *e = memchr(p, ';', (size_t)(end - p));
		const char *eq;

		if (e == NULL)
			e = end;
		eq = memchr(p, '=', (size_t)(e - p));
		if (e > p && !as_objects) {
			fw__item_str(w, p, (size_t)(e - p));
		} else if (e > p && eq) {
			fw__item_obj(w);
			fw__str(w, "name", p, (size_t)(eq - p));
			fw__str(w, "value", eq + 1, (size_t)(e - eq - 1));
			fw__close(w);
		}
		p = e + 1;
	}
	fw__close(w);
}
