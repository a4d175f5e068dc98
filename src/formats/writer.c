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
	/* the fast paths leave the terminator out; strbuf promises one */
	if (w->sb->len < w->sb->cap)
		w->sb->buf[w->sb->len] = '\0';
}

static void sep(struct fw *w)
{
	if (w->more[w->depth])
		fw__putc(w->sb, ',');
	w->more[w->depth] = true;
}

/* Copies n bytes without a call for the short pieces the forms are made of
 * (keys, numbers): two overlapping loads and stores cover 4..16 bytes. */
static inline void copy_small(char *d, const char *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t a, b;

		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		uint32_t a, b;

		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else if (n > 0 && n < 4) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	} else if (n > 16) {
		memcpy(d, s, n);
	}
}

/* ,"k": straight into the buffer when it has room. */
static inline void key(struct fw *w, const char *k, size_t n)
{
	struct strbuf *sb = w->sb;
	bool comma = w->more[w->depth];

	w->more[w->depth] = true;
	if (__builtin_expect(sb->len + n + 5 <= sb->cap, 1)) {
		char *p = sb->buf + sb->len;

		*p = ',';
		p += comma;
		*p++ = '"';
		copy_small(p, k, n);
		p += n;
		p[0] = '"';
		p[1] = ':';
		sb->len = (size_t)(p + 2 - sb->buf);
		return;
	}
	if (comma)
		strbuf__addc(sb, ',');
	strbuf__addc(sb, '"');
	strbuf__add(sb, k, n);
	strbuf__add(sb, "\":", 2);
}

void fw__key_n(struct fw *w, const char *k, size_t n)
{
	key(w, k, n);
}

/* Non-zero when one of the 8 bytes of x needs escaping in JSON (below 0x20,
 * '"', '\\', 0x7f, or not ASCII). Each test is the "has a zero / a smaller
 * byte" bit trick: a borrow can only mark a byte above one that matched, so
 * the answer for the word is exact. */
static inline uint64_t esc8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);

	return (x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) |
		((d - ones) & ~d)) &
	       (ones * 0x80);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* The same for 16 bytes: bytes of 0x80 and above are negative as signed,
 * so one signed compare with 0x20 takes them with the control bytes. */
static inline int esc16(__m128i v)
{
	__m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
				 _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));

	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
	return _mm_movemask_epi8(m);
}
#endif

/* Copies s[0..n) to d while checking it: true when no byte needs escaping.
 * Every load and store stays inside s[0..n) and d[0..n) (the last word
 * overlaps the one before), so d needs no slack. */
static inline bool copy_plain(char *d, const char *s, size_t n)
{
	uint64_t bad = 0, a, b;
	size_t i = 0;

#ifdef __SSE2__
	if (n >= 16) {
		int m = 0;
		__m128i v;

		for (; i + 16 <= n; i += 16) {
			v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			m |= esc16(v);
			_mm_storeu_si128((__m128i *)(void *)(d + i), v);
		}
		if (i < n) {
			v = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
			m |= esc16(v);
			_mm_storeu_si128((__m128i *)(void *)(d + n - 16), v);
		}
		return m == 0;
	}
#endif
	if (n >= 8) {
		for (; i + 8 <= n; i += 8) {
			memcpy(&a, s + i, 8);
			bad |= esc8(a);
			memcpy(d + i, &a, 8);
		}
		if (i < n) {
			memcpy(&a, s + n - 8, 8);
			bad |= esc8(a);
			memcpy(d + n - 8, &a, 8);
		}
		return bad == 0;
	}
	if (n >= 4) {
		uint32_t lo, hi;

		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		memcpy(d, &lo, 4);
		memcpy(d + n - 4, &hi, 4);
		return esc8(lo | (uint64_t)hi << 32) == 0;
	}
	if (n == 0)
		return true;
	/* 1..3 bytes: the first, middle and last, the rest of the word 'A' */
	a = 0x4141414141000000ull | (uint64_t)(unsigned char)s[0] |
	    (uint64_t)(unsigned char)s[n / 2] << 8 | (uint64_t)(unsigned char)s[n - 1] << 16;
	d[0] = s[0];
	d[n / 2] = s[n / 2];
	d[n - 1] = s[n - 1];
	b = esc8(a);
	return b == 0;
}

void fw__jstr(struct strbuf *sb, const char *s, size_t len)
{
	if (sb->len + len + 3 <= sb->cap) {
		char *p = sb->buf + sb->len;

		/* copy and check in one pass; when something needs escaping
		 * the copy is left past len and written over */
		if (copy_plain(p + 1, s, len)) {
			p[0] = '"';
			p[len + 1] = '"';
			sb->len += len + 2;
			return;
		}
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

void fw__obj_n(struct fw *w, const char *k, size_t kn)
{
	key(w, k, kn);
	push(w, '{');
	w->is_arr &= ~(1u << w->depth);
}

void fw__arr_n(struct fw *w, const char *k, size_t kn)
{
	key(w, k, kn);
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

void fw__str_n(struct fw *w, const char *k, size_t kn, const char *s, size_t len)
{
	key(w, k, kn);
	fw__jstr(w->sb, s, len);
}

void fw__lit_n(struct fw *w, const char *k, size_t kn, const char *s, size_t n)
{
	struct strbuf *sb = w->sb;

	key(w, k, kn);
	if (sb->len + n + 3 <= sb->cap) {
		char *p = sb->buf + sb->len;

		p[0] = '"';
		copy_small(p + 1, s, n);
		p[n + 1] = '"';
		sb->len += n + 2;
		return;
	}
	strbuf__addc(sb, '"');
	strbuf__add(sb, s, n);
	strbuf__addc(sb, '"');
}

void fw__raw_n(struct fw *w, const char *raw, size_t n)
{
	sep(w);
	fw__put(w->sb, raw, n);
}

/* Decimal text of v into the end of b[24], two digits a step; returns
 * where it starts (snprintf costs more than the rest of a member). */
char *fw__itoa_end(char b[24], int64_t v)
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
				       "25262728293031323334353637383940414243444546474849"
				       "50515253545556575859606162636465666768697071727374"
				       "75767778798081828384858687888990919293949596979899";
	char *p = b + 24;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);

		u /= 100;
		p -= 2;
		memcpy(p, pairs + 2 * r, 2);
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * u, 2);
	} else {
		*--p = (char)('0' + u);
	}
	if (v < 0)
		*--p = '-';
	return p;
}

void fw__int_n(struct fw *w, const char *k, size_t kn, int64_t v)
{
	char b[24], *p;
	size_t n;
	struct strbuf *sb = w->sb;

	key(w, k, kn);
	if (v >= 0 && v < 10 && sb->len + 2 <= sb->cap) {
		/* ids and type_ids are mostly one digit */
		sb->buf[sb->len++] = (char)('0' + v);
		return;
	}
	p = fw__itoa_end(b, v);
	n = (size_t)(b + 24 - p);
	if (sb->len + n + 1 <= sb->cap) {
		copy_small(sb->buf + sb->len, p, n);
		sb->len += n;
		return;
	}
	strbuf__add(sb, p, n);
}

void fw__int_str_n(struct fw *w, const char *k, size_t kn, int64_t v)
{
	char b[24], *p = fw__itoa_end(b, v);

	*--p = '"';
	key(w, k, kn);
	fw__put(w->sb, p, (size_t)(b + 24 - p));
	fw__putc(w->sb, '"');
}

void fw__bool_n(struct fw *w, const char *k, size_t kn, bool v)
{
	key(w, k, kn);
	if (v)
		fw__put(w->sb, "true", 4);
	else
		fw__put(w->sb, "false", 5);
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

bool fw__fstr_n(struct fw *w, const char *k, size_t kn, enum vf_id f)
{
	size_t n;
	const char *v = fw__take(w, f, &n);

	if (v)
		fw__str_n(w, k, kn, v, n);
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

bool fw__fint_n(struct fw *w, const char *k, size_t kn, enum vf_id f)
{
	size_t n;
	const char *v = fw__peek(w, f, &n);

	if (v == NULL || !fw__is_int(v, n))
		return false;
	w->used[f] = 1;
	key(w, k, kn);
	if (w->sb->len + n + 1 <= w->sb->cap) {
		copy_small(w->sb->buf + w->sb->len, v, n);
		w->sb->len += n;
	} else {
		strbuf__add(w->sb, v, n);
	}
	return true;
}

static void add_value(struct fw *w, const char *s, size_t n, bool is_int)
{
	if (is_int && fw__is_int(s, n))
		fw__put(w->sb, s, n);
	else
		fw__jstr(w->sb, s, n);
}

/* The catalogue's field names never change: their lengths are measured
 * once, not at every unmapped member. */
static uint8_t name_len[VF__COUNT];
static pthread_once_t name_len_once = PTHREAD_ONCE_INIT;

static void measure_names(void)
{
	for (unsigned f = 0; f < VF__COUNT; f++) {
		const char *name = schema__field_name((enum vf_id)f);
		size_t n = name ? strlen(name) : 0;

		name_len[f] = (uint8_t)(n < 255 ? n : 255);
	}
}

static size_t field_name_len(enum vf_id f)
{
	pthread_once(&name_len_once, measure_names);
	return name_len[f] < 255 ? name_len[f] : strlen(schema__field_name(f));
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
		key(w, schema__field_name(f), field_name_len(f));
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
