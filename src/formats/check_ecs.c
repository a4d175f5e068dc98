/*
 * check_ecs.c — the ECS side of the schema checker; see check.h.
 *
 * ecs_flat.yml is machine-written YAML with a fixed shape: a field name at
 * column 0, its properties indented by two, and lists (normalize,
 * allowed_values, expected_event_types) as "- " items. A line reader of that
 * shape is enough, so no YAML library is needed: only the type, `required`
 * and the allowed values are read. Every dotted prefix of a field is
 * remembered so nested JSON objects can be walked.
 */
#include "formats/check_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECS_CUSTOM "vigil" /* vigil's declared custom field set */

struct ecs_schema {
	struct json_object *fields;   /* name → type string */
	struct json_object *prefixes; /* "process", "process.parent", ... */
	struct json_object *required; /* name → true */
	struct json_object *allowed;  /* "event.kind" → {value: [expected types] or null} */
};

void ecs_schema__free(struct ecs_schema *s)
{
	if (!s)
		return;
	json_object_put(s->fields);
	json_object_put(s->prefixes);
	json_object_put(s->required);
	json_object_put(s->allowed);
	free(s);
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
}

int ecs_schema__open(const char *dir, struct ecs_schema **out, char *err, size_t errlen)
{
	char path[4096], line[4096], field[4096] = "";
	struct ecs_schema *s;
	struct json_object *cur_allowed = NULL, *cur_item = NULL;
	FILE *f;
	bool in_allowed = false, in_expected = false;
	unsigned lineno = 0;

	snprintf(path, sizeof(path), "%s/ecs_flat.yml", dir);
	f = fopen(path, "re");
	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		fclose(f);
		return -ENOMEM;
	}
	s->fields = json_object_new_object();
	s->prefixes = json_object_new_object();
	s->required = json_object_new_object();
	s->allowed = json_object_new_object();
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (line[0] != ' ') {
			char *colon = strrchr(line, ':');

			if (!colon)
				continue;
			*colon = '\0';
			trim(line);
			snprintf(field, sizeof(field), "%s", line);
			in_allowed = in_expected = false;
			cur_allowed = NULL;
			/* every dotted prefix is an object that may hold it */
			for (char *d = strchr(field, '.'); d; d = strchr(d + 1, '.')) {
				*d = '\0';
				json_object_object_add(s->prefixes, field,
						       json_object_new_boolean(1));
				*d = '.';
			}
			continue;
		}
		if (!field[0])
			continue;
		if (strncmp(line, "  type: ", 8) == 0) {
			char *v = line + 8;

			trim(v);
			json_object_object_add(s->fields, field, json_object_new_string(v));
			in_allowed = false;
		} else if (strncmp(line, "  required: true", 16) == 0) {
			json_object_object_add(s->required, field, json_object_new_boolean(1));
		} else if (strncmp(line, "  allowed_values:", 17) == 0) {
			in_allowed = true;
			cur_allowed = json_object_new_object();
			json_object_object_add(s->allowed, field, cur_allowed);
			cur_item = NULL;
		} else if (in_allowed && strncmp(line, "  - ", 4) == 0) {
			in_expected = false;
			cur_item = json_object_new_object();
			/* keyed by name once it is read */
			json_object_object_add(cur_allowed, "", cur_item);
			if (strncmp(line + 4, "name: ", 6) == 0) {
				char *v = line + 10;

				trim(v);
				json_object_object_add(cur_allowed, v, json_object_get(cur_item));
			}
		} else if (in_allowed && strncmp(line, "    name: ", 10) == 0 && cur_item) {
			char *v = line + 10;

			trim(v);
			json_object_object_add(cur_allowed, v, json_object_get(cur_item));
			in_expected = false;
		} else if (in_allowed && strncmp(line, "    expected_event_types:", 25) == 0 &&
			   cur_item) {
			in_expected = true;
			json_object_object_add(cur_item, "expected", json_object_new_array());
		} else if (in_allowed && in_expected && strncmp(line, "    - ", 6) == 0) {
			char *v = line + 6;

			trim(v);
			json_object_array_add(check__get(cur_item, "expected"),
					      json_object_new_string(v));
		} else if (strncmp(line, "  ", 2) == 0 && line[2] != ' ' && line[2] != '-') {
			in_allowed = in_expected = false;
		} else if (strncmp(line, "    ", 4) == 0 && line[4] != ' ' && line[4] != '-') {
			in_expected = false;
		}
	}
	fclose(f);
	json_object_object_foreach(s->allowed, an, av)
	{
		(void)an;
		json_object_object_del(av, "");
	}
	if (json_object_object_length(s->fields) == 0) {
		snprintf(err, errlen, "%s: no fields found", path);
		ecs_schema__free(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

struct ectx {
	struct ecs_schema *s;
	struct check_out out;
};

#define problem(c, path, ...) check__problem(&(c)->out, (path), __VA_ARGS__)

static bool is_date(const char *s)
{
	/* ISO 8601 as ECS documents: YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm] */
	size_t n = strlen(s);

	if (n < 19)
		return false;
	for (size_t i = 0; i < 19; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';

		if ((i == 4 || i == 7)	   ? s[i] != '-'
		    : i == 10		   ? s[i] != 'T'
		    : (i == 13 || i == 16) ? s[i] != ':'
					   : !digit)
			return false;
	}
	return true;
}

static void check_leaf(struct ectx *c, const char *type, struct json_object *v, const char *path)
{
	enum json_type jt = json_object_get_type(v);

	if (jt == json_type_null)
		return;
	if (jt == json_type_array) {
		char p[1024];

		for (size_t i = 0; i < json_object_array_length(v); i++) {
			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			check_leaf(c, type, json_object_array_get_idx(v, i), p);
		}
		return;
	}
	if (!strcmp(type, "keyword") || !strcmp(type, "wildcard") ||
	    !strcmp(type, "constant_keyword") || !strcmp(type, "match_only_text") ||
	    !strcmp(type, "text")) {
		if (jt != json_type_string)
			problem(c, path, "expected a string (%s)", type);
	} else if (!strcmp(type, "long") || !strcmp(type, "integer") || !strcmp(type, "short") ||
		   !strcmp(type, "byte") || !strcmp(type, "unsigned_long")) {
		if (jt != json_type_int)
			problem(c, path, "expected an integer (%s)", type);
	} else if (!strcmp(type, "float") || !strcmp(type, "double") ||
		   !strcmp(type, "scaled_float") || !strcmp(type, "half_float")) {
		if (jt != json_type_int && jt != json_type_double)
			problem(c, path, "expected a number (%s)", type);
	} else if (!strcmp(type, "boolean")) {
		if (jt != json_type_boolean)
			problem(c, path, "expected a boolean (%s)", type);
	} else if (!strcmp(type, "date")) {
		if (jt != json_type_int &&
		    !(jt == json_type_string && is_date(json_object_get_string(v))))
			problem(c, path, "expected an ISO 8601 date or epoch ms (%s)", type);
	} else if (!strcmp(type, "ip")) {
		unsigned char buf[16];
		const char *t = jt == json_type_string ? json_object_get_string(v) : NULL;

		if (!t || (inet_pton(AF_INET, t, buf) != 1 && inet_pton(AF_INET6, t, buf) != 1))
			problem(c, path, "expected an IP address (%s)", type);
	} else if (!strcmp(type, "object") || !strcmp(type, "flattened") ||
		   !strcmp(type, "nested")) {
		if (jt != json_type_object)
			problem(c, path, "expected an object (%s)", type);
	}
}

static void walk(struct ectx *c, struct json_object *o, const char *prefix)
{
	char p[1024];

	json_object_object_foreach(o, k, v)
	{
		struct json_object *t;

		snprintf(p, sizeof(p), "%s%s%s", prefix, prefix[0] ? "." : "", k);
		if (strcmp(p, ECS_CUSTOM) == 0 || strncmp(p, ECS_CUSTOM ".", 6) == 0)
			continue;
		t = check__get(c->s->fields, p);
		if (t) {
			const char *ty = json_object_get_string(t);

			/* object-typed fields may hold arrays of objects whose
			 * members are fields too (dns.answers.data) */
			if (json_object_is_type(v, json_type_array) &&
			    check__get(c->s->prefixes, p) &&
			    (!strcmp(ty, "object") || !strcmp(ty, "nested"))) {
				for (size_t i = 0; i < json_object_array_length(v); i++) {
					struct json_object *e = json_object_array_get_idx(v, i);

					if (json_object_is_type(e, json_type_object))
						walk(c, e, p);
					else
						problem(c, p, "expected objects in the array%s",
							"");
				}
				continue;
			}
			if (json_object_is_type(v, json_type_object) &&
			    check__get(c->s->prefixes, p) && strcmp(ty, "flattened") != 0) {
				walk(c, v, p);
				continue;
			}
			check_leaf(c, ty, v, p);
			continue;
		}
		if (check__get(c->s->prefixes, p)) {
			if (json_object_is_type(v, json_type_object))
				walk(c, v, p);
			else
				problem(c, p, "is an object of fields in ECS, not a value%s", "");
			continue;
		}
		problem(c, p, "unknown field (not in ECS and not under " ECS_CUSTOM ".*)%s", "");
	}
}

/* The value at a dotted path in nested or dotted-key JSON. */
static struct json_object *at(struct json_object *o, const char *path)
{
	struct json_object *v;
	char buf[256];
	const char *dot;

	if ((v = check__get(o, path)) != NULL)
		return v;
	dot = strchr(path, '.');
	while (dot) {
		size_t n = (size_t)(dot - path);

		if (n >= sizeof(buf))
			return NULL;
		memcpy(buf, path, n);
		buf[n] = '\0';
		if ((v = check__get(o, buf)) != NULL && json_object_is_type(v, json_type_object))
			return at(v, dot + 1);
		dot = strchr(dot + 1, '.');
	}
	return NULL;
}

static void allowed(struct ectx *c, const char *field, struct json_object *v)
{
	struct json_object *al = check__get(c->s->allowed, field);
	size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 1;

	for (size_t i = 0; al && i < n; i++) {
		struct json_object *e =
		    json_object_is_type(v, json_type_array) ? json_object_array_get_idx(v, i) : v;
		const char *s =
		    json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;

		if (!s || !check__get(al, s))
			problem(c, field, "value '%s' is not one of ECS's allowed values",
				s ? s : json_object_to_json_string(e));
	}
}

int ecs_schema__check(struct ecs_schema *s, struct json_object *ev, schema_report_fn report,
		      void *ctx)
{
	struct ectx c = {.s = s, .out = {.report = report, .ctx = ctx}};
	struct json_object *cat, *typ;

	walk(&c, ev, "");
	json_object_object_foreach(s->required, rk, rv)
	{
		(void)rv;
		if (!at(ev, rk))
			problem(&c, rk, "required field missing%s", "");
	}
	json_object_object_foreach(s->allowed, fk, fv)
	{
		struct json_object *v = at(ev, fk);

		(void)fv;
		if (v)
			allowed(&c, fk, v);
	}
	/* each event.type must be one the event's categories expect */
	cat = at(ev, "event.category");
	typ = at(ev, "event.type");
	if (cat && typ) {
		struct json_object *al = check__get(s->allowed, "event.category");
		size_t nc =
		    json_object_is_type(cat, json_type_array) ? json_object_array_length(cat) : 1;
		size_t nt =
		    json_object_is_type(typ, json_type_array) ? json_object_array_length(typ) : 1;

		for (size_t i = 0; i < nt; i++) {
			struct json_object *t = json_object_is_type(typ, json_type_array)
						    ? json_object_array_get_idx(typ, i)
						    : typ;
			const char *ts = json_object_get_string(t);
			bool ok = false;

			for (size_t j = 0; j < nc && !ok; j++) {
				struct json_object *cv = json_object_is_type(cat, json_type_array)
							     ? json_object_array_get_idx(cat, j)
							     : cat;
				struct json_object *ex = check__get(
				    check__get(al, json_object_get_string(cv)), "expected");

				for (size_t k = 0; ex && k < json_object_array_length(ex); k++)
					if (!strcmp(json_object_get_string(
							json_object_array_get_idx(ex, k)),
						    ts))
						ok = true;
			}
			if (!ok)
				problem(&c, "event.type",
					"'%s' is not an event type the event's categories expect",
					ts);
		}
	}
	return c.out.problems;
}
