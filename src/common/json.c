/*
 * json.c — JSON escaping and record serialisation; see json.h.
 */
#include "common/json.h"

#include "common/schema.h"
#include "common/utf8.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

/* 1 for a byte that stands for itself inside a JSON string: printable
 * ASCII but '"' and '\\'. Everything else takes the slow path below. A
 * table lookup per byte, not four comparisons: the scan is most of the
 * cost of serialising a record (and with SSE2, plain_run looks at 16
 * bytes at a time). */
static const unsigned char plain[256] = {
    [0x20] = 1,
    [0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7e] = 1,
};

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The length of the run of plain bytes at s (at most len). With SSE2, 16
 * bytes at a time first: a byte is not plain when, as a signed char, it is
 * below 0x20 (which takes in every byte from 0x80), or is 0x7f, '"' or
 * '\\', the same set as plain[]. Whole blocks only, so nothing past len is
 * read; the table takes the rest. */
static size_t plain_run(const unsigned char *s, size_t len)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
	const __m128i quote = _mm_set1_epi8('"'), bsl = _mm_set1_epi8('\\');

	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i bad =
		    _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, lo), _mm_cmpeq_epi8(x, del)),
				 _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bsl)));
		unsigned m = (unsigned)_mm_movemask_epi8(bad);
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < len && plain[s[i]])
		i++;
	return i;
}

void json__add_str(struct strbuf *sb, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	strbuf__addc(sb, '"');
	while (i < len) {
		size_t start = i;
		unsigned char c;
		uint32_t cp = 0;
		size_t n;

		i += plain_run(s + i, len - i);
		if (i > start)
			strbuf__add(sb, s + start, i - start);
		if (i == len)
			break;
		c = s[i];
		switch (c) {
		case '"':
			strbuf__add(sb, "\\\"", 2);
			i++;
			continue;
		case '\\':
			strbuf__add(sb, "\\\\", 2);
			i++;
			continue;
		case '\n':
			strbuf__add(sb, "\\n", 2);
			i++;
			continue;
		case '\r':
			strbuf__add(sb, "\\r", 2);
			i++;
			continue;
		case '\t':
			strbuf__add(sb, "\\t", 2);
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			strbuf__add(sb, esc, 6);
			i++;
			continue;
		}
		n = utf8__seq(s + i, len - i, &cp);
		if (n == 0) {
			strbuf__add(sb, "\\ufffd", 6);
			i++;
			continue;
		}
		if (cp <= 0x9f) {
			/* C1 controls (U+0080-U+009F): escaped like C0, so the
			 * text is safe on a terminal; JSON readers get the same. */
			char esc[6] = {'\\', 'u', '0', '0', hex[cp >> 4], hex[cp & 15]};
			strbuf__add(sb, esc, 6);
			i += n;
			continue;
		}
		strbuf__add(sb, s + i, n);
		i += n;
	}
	strbuf__addc(sb, '"');
}

bool json__is_integer(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > 20)
		return false;
	if (s[0] == '-') {
		if (len == 1)
			return false;
		i = 1;
	}
	/* No leading zeros: JSON forbids them. */
	if (s[i] == '0' && len > i + 1)
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void add_value(struct strbuf *sb, const char *s, size_t len, bool is_int)
{
	if (is_int && json__is_integer(s, len))
		strbuf__add(sb, s, len);
	else
		json__add_str(sb, s, len);
}

/* Each field's key as it is written, comma and colon included, built by
 * the compiler from the catalogue: a field name is a C identifier, so it
 * never needs escaping, and a record no longer scans and measures thirty
 * names it knew in advance. */
static const struct {
	const char *s;
	size_t len; /* not uint8_t: GCC inlines a copy of a length it knows is
		     * small as `rep movsq`, slower than memcpy for these */
} keys[VF__COUNT] = {[VF_NONE] = {"", 0},
#define VF_KEY(n, k) [VF_##n] = {",\"" #n "\":", sizeof(",\"" #n "\":") - 1},
		     VIGIL_FIELDS(VF_KEY)
#undef VF_KEY
};

void json__add_record(struct strbuf *sb, const struct vrec *rec)
{
	const struct vevent_def *def = rec->def;

	strbuf__adds(sb, "{\"EventID\":");
	strbuf__add_u64(sb, def->id);
	strbuf__adds(sb, ",\"Event\":");
	json__add_str(sb, def->name, strlen(def->name));
	strbuf__adds(sb, ",\"Computer\":");
	json__add_str(sb, rec->computer ? rec->computer : "-",
		      rec->computer ? strlen(rec->computer) : 1);
	strbuf__adds(sb, ",\"SequenceNumber\":");
	strbuf__add_u64(sb, rec->seq);
	for (unsigned i = 0; i < def->nfields; i++) {
		enum vf_id f = (enum vf_id)def->fields[i];
		size_t len;
		const char *v = vrec__get(rec, f, &len);

		strbuf__add(sb, keys[f].s, keys[f].len);
		if (v == NULL || len == 0)
			strbuf__add(sb, "\"-\"", 3);
		else
			add_value(sb, v, len, schema__field_kind(f) == VFK_INT);
	}
	for (unsigned i = 0; i < rec->ndyn; i++) {
		const struct vrec_dyn *d = &rec->dyn[i];

		strbuf__addc(sb, ',');
		json__add_str(sb, d->name, strlen(d->name));
		strbuf__addc(sb, ':');
		add_value(sb, d->val.s, d->val.len, d->is_int);
	}
	strbuf__addc(sb, '}');
}
