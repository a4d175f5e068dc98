/*
 * record_json.c — parse a JSON line into a struct vrec; see record_json.h.
 *
 * Lines as vigil writes them — one flat object of strings, numbers and
 * booleans — go through a small hand-written parser that decodes straight
 * into the record (json-c builds a tree of objects per line, which costs
 * several times more than matching the event). Anything else — nested
 * values, lone surrogates, invalid JSON — is handed to json-c, which also
 * words the error messages; a thread-local tokener is reused.
 */
#include "common/record_json.h"

#include "common/duration.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static __thread struct json_tokener *tok;

/* Copies s into the record's arena for a dynamic field's name, which must
 * live as long as the record. NULL when the arena is full. */
static const char *arena_name(struct vrec *rec, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (VREC_ARENA - rec->used < n) {
		rec->truncated++;
		return NULL;
	}
	p = rec->arena + rec->used;
	memcpy(p, s, n);
	rec->used += (uint32_t)n;
	return p;
}

static int slow_parse(struct vrec *rec, const char *line, size_t len, char *err, size_t errlen);

static int fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

/* Value text of a JSON member; *skip for null and "-". */
static const char *value_text(struct json_object *v, size_t *len, bool *skip, bool *is_int)
{
	const char *s;

	*skip = false;
	*is_int = false;
	switch (json_object_get_type(v)) {
	case json_type_null:
		*skip = true;
		return NULL;
	case json_type_string:
		s = json_object_get_string(v);
		*len = (size_t)json_object_get_string_len(v);
		if (*len == 1 && s[0] == '-')
			*skip = true;
		return s;
	case json_type_boolean:
		s = json_object_get_boolean(v) ? "true" : "false";
		*len = strlen(s);
		return s;
	case json_type_int:
		*is_int = true;
		/* fall through */
	default:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		*len = strlen(s);
		return s;
	}
}

/* ---- field names ------------------------------------------------------ */

#define NAME_SLOTS 512

static uint8_t name_tab[NAME_SLOTS]; /* enum vf_id, 0 = empty */
static pthread_once_t name_once = PTHREAD_ONCE_INIT;

static unsigned name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h & (NAME_SLOTS - 1);
}

static void name_init(void)
{
	for (int f = 1; f < VF__COUNT; f++) {
		const char *nm = schema__field_name((enum vf_id)f);
		unsigned h = name_hash(nm, strlen(nm));

		while (name_tab[h])
			h = (h + 1) & (NAME_SLOTS - 1);
		name_tab[h] = (uint8_t)f;
	}
}

static enum vf_id field_lookup(const char *s, size_t n)
{
	for (unsigned h = name_hash(s, n); name_tab[h]; h = (h + 1) & (NAME_SLOTS - 1)) {
		const char *nm = schema__field_name((enum vf_id)name_tab[h]);

		/* s may hold NUL bytes: compare lengths, then bytes */
		if (strlen(nm) == n && memcmp(nm, s, n) == 0)
			return (enum vf_id)name_tab[h];
	}
	return VF_NONE;
}

/* ---- fast path -------------------------------------------------------- */

static __thread char *scratch;
static __thread size_t scratch_cap;

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex4(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;

	if (end - p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return true;
}

/* Decodes the string starting after its opening quote into scratch.
 * Returns the position after the closing quote, or NULL (not handled). */
static const char *read_string(const char *p, const char *end, size_t *outlen)
{
	size_t need = (size_t)(end - p) + 1, n = 0;

	if (scratch_cap < need) {
		char *t = realloc(scratch, need);

		if (t == NULL)
			return NULL;
		scratch = t;
		scratch_cap = need;
	}
	while (p < end) {
		char c = *p++;
		uint32_t cp, lo;

		if (c == '"') {
			*outlen = n;
			return p;
		}
		if ((unsigned char)c < 0x20)
			return NULL;
		if (c != '\\') {
			scratch[n++] = c;
			continue;
		}
		if (p >= end)
			return NULL;
		c = *p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			scratch[n++] = c;
			break;
		case 'b':
			scratch[n++] = '\b';
			break;
		case 'f':
			scratch[n++] = '\f';
			break;
		case 'n':
			scratch[n++] = '\n';
			break;
		case 'r':
			scratch[n++] = '\r';
			break;
		case 't':
			scratch[n++] = '\t';
			break;
		case 'u':
			if (!hex4(p, end, &cp))
				return NULL;
			p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return NULL;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    !hex4(p + 2, end, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return NULL;
				p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp < 0x80) {
				scratch[n++] = (char)cp;
			} else if (cp < 0x800) {
				scratch[n++] = (char)(0xc0 | cp >> 6);
				scratch[n++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				scratch[n++] = (char)(0xe0 | cp >> 12);
				scratch[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				scratch[n++] = (char)(0x80 | (cp & 0x3f));
			} else {
				scratch[n++] = (char)(0xf0 | cp >> 18);
				scratch[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
				scratch[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				scratch[n++] = (char)(0x80 | (cp & 0x3f));
			}
			break;
		default:
			return NULL;
		}
	}
	return NULL;
}

/* A JSON number's extent; *is_int when it is a plain integer. */
static const char *read_number(const char *p, const char *end, bool *is_int)
{
	const char *s = p;

	*is_int = true;
	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return NULL;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p < end && *p == '.') {
		*is_int = false;
		if (++p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		*is_int = false;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static void put(struct vrec *rec, const char *key, size_t klen, const char *v, size_t vlen,
		bool is_int, bool is_str)
{
	enum vf_id f;
	char name[128];

	if (klen == 7 && memcmp(key, "EventID", 7) == 0)
		return;
	if (klen == 5 && memcmp(key, "Event", 5) == 0)
		return;
	if (klen == 14 && memcmp(key, "SequenceNumber", 14) == 0) {
		rec->seq = strtoull(v, NULL, 10);
		return;
	}
	if (is_str && vlen == 1 && v[0] == '-')
		return;
	f = field_lookup(key, klen);
	if (f != VF_NONE) {
		vrec__set(rec, f, v, vlen);
		return;
	}
	memcpy(name, key, klen);
	name[klen] = '\0';
	const char *nm = arena_name(rec, name);
	if (nm)
		vrec__add_dyn(rec, nm, v, vlen, is_int);
}

/* Returns 0 when parsed, 1 when the general parser must take the line. */
static int fast_parse(struct vrec *rec, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	long long id = -1;

	vrec__reset(rec, NULL);
	rec->computer = NULL;
	p = skip_ws(p, end);
	if (p >= end || *p++ != '{')
		return 1;
	p = skip_ws(p, end);
	if (p < end && *p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		const char *key, *q;
		size_t klen, vlen;
		char nb[32];
		bool is_int;

		if (p >= end || *p++ != '"')
			return 1;
		key = p;
		q = memchr(p, '"', (size_t)(end - p));
		if (q == NULL || memchr(key, '\\', (size_t)(q - key)) || q - key >= 128)
			return 1;
		klen = (size_t)(q - key);
		for (size_t i = 0; i < klen; i++)
			if ((unsigned char)key[i] < 0x20)
				return 1; /* not JSON: json-c words the error */
		p = skip_ws(q + 1, end);
		if (p >= end || *p++ != ':')
			return 1;
		p = skip_ws(p, end);
		if (p >= end)
			return 1;
		switch (*p) {
		case '"':
			p = read_string(p + 1, end, &vlen);
			if (p == NULL)
				return 1;
			if (klen == 7 && memcmp(key, "EventID", 7) == 0)
				return 1; /* a string EventID: let json-c decide */
			put(rec, key, klen, scratch, vlen, false, true);
			break;
		case 't':
		case 'f':
			if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
				put(rec, key, klen, "true", 4, false, false);
				p += 4;
			} else if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
				put(rec, key, klen, "false", 5, false, false);
				p += 5;
			} else {
				return 1;
			}
			break;
		case 'n':
			if (end - p < 4 || memcmp(p, "null", 4) != 0)
				return 1;
			p += 4;
			break;
		default:
			q = read_number(p, end, &is_int);
			if (q == NULL || q - p >= (long)sizeof(nb))
				return 1;
			vlen = (size_t)(q - p);
			memcpy(nb, p, vlen);
			nb[vlen] = '\0';
			p = q;
			if (klen == 7 && memcmp(key, "EventID", 7) == 0) {
				if (!is_int)
					return 1;
				id = strtoll(nb, NULL, 10);
				break;
			}
			put(rec, key, klen, nb, vlen, is_int, false);
			break;
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}') {
			p++;
			break;
		}
		return 1;
	}
done:
	if (skip_ws(p, end) != end)
		return 1;
	rec->def = id >= 0 && id < VIGIL_EVENT_ID_MAX ? schema__event((unsigned)id) : NULL;
	return rec->def ? 0 : 1;
}

static void finish(struct vrec *rec)
{
	size_t tl;
	const char *t;
	char buf[32];
	struct tm tm = {0};

	rec->computer = vrec__get(rec, VF_Computer, NULL);
	t = vrec__get(rec, VF_UtcTime, &tl);
	if (t == NULL || tl >= sizeof(buf))
		return;
	memcpy(buf, t, tl);
	buf[tl] = '\0';
	char *end = strptime(buf, "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL)
		return;
	uint64_t ms = 0;
	int d = 0;

	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9' && d < 3; end++, d++)
			ms = ms * 10 + (uint64_t)(*end - '0');
	while (d++ < 3)
		ms *= 10;
	rec->ts_ns = (uint64_t)timegm(&tm) * NSEC_PER_SEC + ms * NSEC_PER_MSEC;
}

int record_json__parse(struct vrec *rec, const char *line, size_t len, char *err, size_t errlen)
{
	pthread_once(&name_once, name_init);
	if (fast_parse(rec, line, len) == 0) {
		finish(rec);
		return 0;
	}
	return slow_parse(rec, line, len, err, errlen);
}

/* The general path: json-c. */
static int slow_parse(struct vrec *rec, const char *line, size_t len, char *err, size_t errlen)
{
	struct json_object *obj, *idv;
	const struct vevent_def *def;
	int64_t id;
	int rc = 0;

	if (tok == NULL) {
		tok = json_tokener_new();
		if (tok == NULL)
			return -ENOMEM;
	}
	json_tokener_reset(tok);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		char msg[128];

		snprintf(msg, sizeof(msg), "invalid JSON: %s",
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		if (obj)
			json_object_put(obj);
		return fail(err, errlen, msg);
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n') {
			json_object_put(obj);
			return fail(err, errlen, "invalid JSON: text after the object");
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return fail(err, errlen, "not a JSON object");
	}
	if (!json_object_object_get_ex(obj, "EventID", &idv)) {
		json_object_put(obj);
		return fail(err, errlen, "no EventID");
	}
	errno = 0;
	id = json_object_get_int64(idv);
	def = (id >= 0 && id < VIGIL_EVENT_ID_MAX) ? schema__event((unsigned)id) : NULL;
	if (def == NULL || errno != 0) {
		json_object_put(obj);
		return fail(err, errlen, "unknown EventID");
	}
	vrec__reset(rec, def);
	rec->computer = NULL;
	json_object_object_foreach(obj, key, val)
	{
		enum vf_id f;
		size_t vlen = 0;
		bool skip, is_int;
		const char *s = value_text(val, &vlen, &skip, &is_int);

		if (strcmp(key, "EventID") == 0 || strcmp(key, "Event") == 0)
			continue;
		if (strcmp(key, "SequenceNumber") == 0) {
			rec->seq = s ? strtoull(s, NULL, 10) : 0;
			continue;
		}
		if (skip)
			continue;
		f = schema__field_by_name(key);
		if (f != VF_NONE) {
			vrec__set(rec, f, s, vlen);
			continue;
		}
		const char *name = arena_name(rec, key);
		if (name)
			vrec__add_dyn(rec, name, s, vlen, is_int);
	}
	finish(rec);
	json_object_put(obj);
	return rc;
}

void record_json__thread_done(void)
{
	if (tok != NULL)
		json_tokener_free(tok);
	tok = NULL;
	free(scratch);
	scratch = NULL;
	scratch_cap = 0;
}
