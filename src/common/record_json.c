/*
 * record_json.c — parse a JSON line into a struct vrec; see record_json.h.
 *
 * json-c does the parsing; a thread-local tokener is reused so replaying a
 * large file does not allocate a parser per line.
 */
#include "common/record_json.h"

#include <errno.h>
#include <json-c/json.h>
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

int record_json__parse(struct vrec *rec, const char *line, size_t len, char *err, size_t errlen)
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
	rec->computer = vrec__get(rec, VF_Computer, NULL);
	{
		size_t tl;
		const char *t = vrec__get(rec, VF_UtcTime, &tl);
		char buf[32];
		struct tm tm = {0};

		if (t && tl < sizeof(buf)) {
			memcpy(buf, t, tl);
			buf[tl] = '\0';
			char *end = strptime(buf, "%Y-%m-%d %H:%M:%S", &tm);
			if (end) {
				uint64_t ms = 0;
				int d = 0;

				if (*end == '.')
					for (end++; *end >= '0' && *end <= '9' && d < 3; end++, d++)
						ms = ms * 10 + (uint64_t)(*end - '0');
				while (d++ < 3)
					ms *= 10;
				rec->ts_ns =
				    (uint64_t)timegm(&tm) * 1000000000ull + ms * 1000000ull;
			}
		}
	}
	json_object_put(obj);
	return rc;
}
