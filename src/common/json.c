/*
 * json.c — JSON escaping and record serialisation; see json.h.
 */
#include "common/json.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

size_t json__utf8_seq(const unsigned char *s, size_t n, uint32_t *cp_out)
{
	unsigned c = s[0];
	size_t need;
	uint32_t cp;

	if (c < 0x80) {
		if (cp_out)
			*cp_out = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp_out)
		*cp_out = cp;
	return need;
}

void json__add_str(struct strbuf *sb, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	strbuf__addc(sb, '"');
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		if (run) {
			strbuf__add(sb, s + i - run, run);
			run = 0;
		}
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
		n = json__utf8_seq(s + i, len - i, NULL);
		if (n == 0) {
			strbuf__add(sb, "\\ufffd", 6);
			i++;
			continue;
		}
		strbuf__add(sb, s + i, n);
		i += n;
	}
	if (run)
		strbuf__add(sb, s + i - run, run);
	strbuf__addc(sb, '"');
}

static bool is_integer(const char *s, size_t len)
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
	if (is_int && is_integer(s, len))
		strbuf__add(sb, s, len);
	else
		json__add_str(sb, s, len);
}

void json__add_record(struct strbuf *sb, const struct vrec *rec)
{
	const struct vevent_def *def = rec->def;

	strbuf__addf(sb, "{\"EventID\":%u,\"Event\":", def->id);
	json__add_str(sb, def->name, strlen(def->name));
	strbuf__adds(sb, ",\"Computer\":");
	json__add_str(sb, rec->computer ? rec->computer : "-",
		      rec->computer ? strlen(rec->computer) : 1);
	strbuf__addf(sb, ",\"SequenceNumber\":%" PRIu64, rec->seq);
	for (unsigned i = 0; i < def->nfields; i++) {
		enum vf_id f = (enum vf_id)def->fields[i];
		const char *name = schema__field_name(f);
		size_t len;
		const char *v = vrec__get(rec, f, &len);

		strbuf__addc(sb, ',');
		json__add_str(sb, name, strlen(name));
		strbuf__addc(sb, ':');
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
