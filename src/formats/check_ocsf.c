/*
 * check_ocsf.c — the OCSF side of the schema checker; see check.h.
 *
 * Resolution follows the schema source's rules: `extends` first (the parent's
 * attributes, recursively), then the `$include`d profiles (each attribute
 * tagged with its profile), then the definition's own attributes merged over
 * them key by key, enums merged as unions. Resolved definitions are cached
 * in json-c objects keyed by name.
 */
#include "formats/check_int.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ocsf_schema {
	char dir[4096];
	struct json_object *dict;	      /* dictionary.json */
	struct json_object *dict_attrs;	      /* dictionary.json attributes */
	struct json_object *dict_types;	      /* dictionary.json types.attributes */
	struct json_object *classes;	      /* name → definition */
	struct json_object *objects;	      /* name → definition */
	struct json_object *by_uid;	      /* "class_uid" → name */
	struct json_object *resolved;	      /* "c:name" / "o:name" → attrs */
	struct json_object *observable_types; /* "N" → true */
	struct json_object *categories;	      /* name → uid */
};

static struct json_object *load(const char *dir, const char *rel, char *err, size_t errlen)
{
	char path[8192];
	struct json_object *o;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	o = json_object_from_file(path);
	if (o == NULL) {
		const char *why = json_util_get_last_err();
		size_t n;

		snprintf(err, errlen, "%s: cannot read or parse it (%s", path, why ? why : "?");
		n = strlen(err);
		while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
			err[--n] = '\0';
		if (n + 2 <= errlen) {
			err[n] = ')';
			err[n + 1] = '\0';
		}
	}
	return o;
}

/* The category uid of a class definition (its own, or inherited through
 * `extends`), or NULL. */
static struct json_object *category_of(struct ocsf_schema *s, struct json_object *def)
{
	for (int depth = 0; def && depth < 8; depth++) {
		struct json_object *c = NULL;
		const char *n;

		if (json_object_object_get_ex(def, "category", &c) &&
		    (n = json_object_get_string(c)) != NULL)
			return check__get(s->categories, n);
		if (!json_object_object_get_ex(def, "extends", &c) ||
		    (n = json_object_get_string(c)) == NULL)
			return NULL;
		def = check__get(s->classes, n);
	}
	return NULL;
}

static int load_dir(struct ocsf_schema *s, const char *rel, struct json_object *into, char *err,
		    size_t errlen)
{
	char path[8192];
	DIR *d;
	struct dirent *e;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
	d = opendir(path);
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char sub[4096];
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name);
		if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
			struct json_object *o = load(s->dir, sub, err, errlen);
			struct json_object *nm = check__get(o, "name");

			if (o == NULL) {
				rc = -EINVAL;
			} else if (nm == NULL) {
				json_object_put(o);
			} else {
				json_object_object_add(into, json_object_get_string(nm), o);
			}
		} else if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
			char full[8192];
			DIR *t;

			snprintf(full, sizeof(full), "%s/%s", s->dir, sub);
			t = opendir(full);
			if (t) {
				closedir(t);
				rc = load_dir(s, sub, into, err, errlen);
			}
		}
	}
	closedir(d);
	return rc;
}

static void add_observable(struct ocsf_schema *s, struct json_object *def)
{
	struct json_object *o = check__get(def, "observable");
	char k[16];

	if (o && json_object_is_type(o, json_type_int)) {
		snprintf(k, sizeof(k), "%d", json_object_get_int(o));
		json_object_object_add(s->observable_types, k, json_object_new_boolean(1));
	}
}

void ocsf_schema__free(struct ocsf_schema *s)
{
	if (!s)
		return;
	json_object_put(s->dict);
	json_object_put(s->classes);
	json_object_put(s->objects);
	json_object_put(s->by_uid);
	json_object_put(s->resolved);
	json_object_put(s->observable_types);
	json_object_put(s->categories);
	free(s);
}

int ocsf_schema__open(const char *dir, struct ocsf_schema **out, char *err, size_t errlen)
{
	struct ocsf_schema *s = calloc(1, sizeof(*s));
	struct json_object *dict, *cats;
	int rc;

	if (!s)
		return -ENOMEM;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->classes = json_object_new_object();
	s->objects = json_object_new_object();
	s->by_uid = json_object_new_object();
	s->resolved = json_object_new_object();
	s->observable_types = json_object_new_object();
	s->categories = json_object_new_object();
	dict = load(dir, "dictionary.json", err, errlen);
	cats = dict ? load(dir, "categories.json", err, errlen) : NULL;
	if (!dict || !cats) {
		json_object_put(dict);
		ocsf_schema__free(s);
		return -ENOENT;
	}
	s->dict = dict;
	s->dict_attrs = check__get(dict, "attributes");
	s->dict_types = check__get(check__get(dict, "types"), "attributes");
	json_object_object_foreach(check__get(cats, "attributes"), cn, cv)
	{
		struct json_object *u = check__get(cv, "uid");

		if (u)
			json_object_object_add(s->categories, cn, json_object_get(u));
	}
	json_object_put(cats);
	rc = load_dir(s, "events", s->classes, err, errlen);
	if (rc == 0)
		rc = load_dir(s, "objects", s->objects, err, errlen);
	if (rc < 0) {
		ocsf_schema__free(s);
		return rc;
	}
	/* class_uid = category uid * 1000 + uid; base_event is 0 */
	json_object_object_foreach(s->classes, name, def)
	{
		struct json_object *u = check__get(def, "uid"), *cat = category_of(s, def);
		char k[16];

		if (strcmp(name, "base_event") == 0) {
			json_object_object_add(s->by_uid, "0", json_object_new_string(name));
			continue;
		}
		if (!u || !cat)
			continue;
		snprintf(k, sizeof(k), "%d",
			 json_object_get_int(cat) * 1000 + json_object_get_int(u));
		json_object_object_add(s->by_uid, k, json_object_new_string(name));
	}
	/* observable type ids: 0, 99, and every type/attribute/object that
	 * declares one */
	json_object_object_add(s->observable_types, "0", json_object_new_boolean(1));
	json_object_object_add(s->observable_types, "99", json_object_new_boolean(1));
	json_object_object_foreach(s->dict_types, tn, tv)
	{
		(void)tn;
		add_observable(s, tv);
	}
	json_object_object_foreach(s->dict_attrs, an, av)
	{
		(void)an;
		add_observable(s, av);
	}
	json_object_object_foreach(s->objects, on, ov)
	{
		(void)on;
		add_observable(s, ov);
	}
	*out = s;
	return 0;
}

/* Merges attribute definition src into dst: keys overwrite, enums unite. */
static void merge_attr(struct json_object *dst, struct json_object *src, const char *profile)
{
	json_object_object_foreach(src, k, v)
	{
		if (strcmp(k, "enum") == 0 && json_object_is_type(v, json_type_object)) {
			struct json_object *e = check__get(dst, "enum");

			if (!e) {
				e = json_object_new_object();
				json_object_object_add(dst, "enum", e);
			}
			json_object_object_foreach(v, ek, ev)
			    json_object_object_add(e, ek, json_object_get(ev));
			continue;
		}
		json_object_object_add(dst, k, json_object_get(v));
	}
	if (profile)
		json_object_object_add(dst, "profile", json_object_new_string(profile));
}

static void merge_attrs(struct ocsf_schema *s, struct json_object *into, struct json_object *attrs,
			const char *profile);

static void include(struct ocsf_schema *s, struct json_object *into, struct json_object *incs)
{
	size_t n = json_object_array_length(incs);

	for (size_t i = 0; i < n; i++) {
		char err[256];
		const char *rel = json_object_get_string(json_object_array_get_idx(incs, i));
		struct json_object *p = load(s->dir, rel, err, sizeof(err));

		if (!p)
			continue;
		merge_attrs(s, into, check__get(p, "attributes"),
			    check__get(p, "name") ? json_object_get_string(check__get(p, "name"))
						  : NULL);
		json_object_put(p);
	}
}

static void merge_attrs(struct ocsf_schema *s, struct json_object *into, struct json_object *attrs,
			const char *profile)
{
	struct json_object *incs = check__get(attrs, "$include");

	if (incs && json_object_is_type(incs, json_type_array))
		include(s, into, incs);
	json_object_object_foreach(attrs, k, v)
	{
		struct json_object *dst;

		if (k[0] == '$' || !json_object_is_type(v, json_type_object))
			continue;
		dst = check__get(into, k);
		if (!dst) {
			dst = json_object_new_object();
			json_object_object_add(into, k, dst);
		}
		merge_attr(dst, v, profile);
	}
}

/* The resolved attributes of a class (is_class) or object, or NULL. */
struct json_object *ocsf_schema__resolve(struct ocsf_schema *s, const char *name, bool is_class)
{
	char key[256];
	struct json_object *table = is_class ? s->classes : s->objects, *def, *r, *ext;

	snprintf(key, sizeof(key), "%c:%s", is_class ? 'c' : 'o', name);
	if ((r = check__get(s->resolved, key)) != NULL)
		return r;
	def = check__get(table, name);
	if (!def)
		return NULL;
	r = json_object_new_object();
	json_object_object_add(s->resolved, key, r);
	ext = check__get(def, "extends");
	if (ext) {
		struct json_object *p =
		    ocsf_schema__resolve(s, json_object_get_string(ext), is_class);

		if (p) {
			json_object_object_foreach(p, k, v)
			{
				struct json_object *c = json_object_new_object();

				merge_attr(c, v, NULL);
				json_object_object_add(r, k, c);
			}
		}
	}
	merge_attrs(s, r, check__get(def, "attributes"), NULL);
	return r;
}

/* The constraints of a class or object: its own, else the nearest
 * definition's along `extends` (a definition's own replace its parent's). */
static struct json_object *constraints_of(struct ocsf_schema *s, const char *name, bool is_class)
{
	struct json_object *table = is_class ? s->classes : s->objects;
	struct json_object *def = check__get(table, name);

	for (int depth = 0; def && depth < 8; depth++) {
		struct json_object *c = check__get(def, "constraints"), *ext;

		if (c)
			return c;
		ext = check__get(def, "extends");
		if (!ext)
			return NULL;
		def = check__get(table, json_object_get_string(ext));
	}
	return NULL;
}

/* ---- checking --------------------------------------------------------- */

struct octx {
	struct ocsf_schema *s;
	struct json_object *profiles; /* of the event */
	struct check_out out;
};

#define problem(c, path, ...) check__problem(&(c)->out, (path), __VA_ARGS__)

static bool profile_on(struct octx *c, struct json_object *attr)
{
	struct json_object *p = check__get(attr, "profile");
	const char *pn;

	if (!p || json_object_is_type(p, json_type_null))
		return true;
	pn = json_object_get_string(p);
	for (size_t i = 0; c->profiles && i < json_object_array_length(c->profiles); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(c->profiles, i)), pn) ==
		    0)
			return true;
	return false;
}

/* The base type of a dictionary type (string_t, integer_t, ...). */
static const char *base_type(struct ocsf_schema *s, const char *t)
{
	for (int i = 0; i < 8; i++) {
		struct json_object *d = check__get(s->dict_types, t), *up = check__get(d, "type");

		if (!up)
			return t;
		t = json_object_get_string(up);
	}
	return t;
}

static void check_object(struct octx *c, const char *objname, struct json_object *attrs,
			 struct json_object *v, const char *path);

/* at_least_one / just_one of the definition's constraints. */
static void check_constraints(struct octx *c, struct json_object *cons, struct json_object *v,
			      const char *path)
{
	static const char *const kinds[] = {"at_least_one", "just_one"};

	for (int k = 0; k < 2; k++) {
		struct json_object *names = check__get(cons, kinds[k]);
		char list[512] = "";
		size_t have = 0, len = 0;

		if (!names || !json_object_is_type(names, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(names); i++) {
			const char *n = json_object_get_string(json_object_array_get_idx(names, i));

			have += check__get(v, n) != NULL;
			len += (size_t)snprintf(list + len,
						len < sizeof(list) ? sizeof(list) - len : 0, "%s%s",
						i ? ", " : "", n);
			if (len >= sizeof(list))
				len = sizeof(list) - 1;
		}
		if (have == 0 || (k == 1 && have > 1))
			problem(c, path[0] ? path : "-",
				k == 0 ? "needs at least one of: %s" : "needs exactly one of: %s",
				list);
	}
}

static void check_scalar(struct octx *c, const char *name, struct json_object *attr,
			 const char *type, struct json_object *v, const char *path)
{
	struct ocsf_schema *s = c->s;
	enum json_type jt = json_object_get_type(v);

	if (check__get(s->objects, type) || strcmp(type, "object") == 0) {
		if (jt != json_type_object) {
			problem(c, path, "expected an object (%s)", type);
			return;
		}
		if (strcmp(type, "object") != 0) {
			check_object(c, type, ocsf_schema__resolve(s, type, false), v, path);
			check_constraints(c, constraints_of(s, type, false), v, path);
		}
		return;
	}
	const char *bt = base_type(s, type);

	if (strcmp(bt, "string_t") == 0 && jt != json_type_string)
		problem(c, path, "expected a string (%s)", type);
	else if ((strcmp(bt, "integer_t") == 0 || strcmp(bt, "long_t") == 0) && jt != json_type_int)
		problem(c, path, "expected an integer (%s)", type);
	else if (strcmp(bt, "float_t") == 0 && jt != json_type_double && jt != json_type_int)
		problem(c, path, "expected a number (%s)", type);
	else if (strcmp(bt, "boolean_t") == 0 && jt != json_type_boolean)
		problem(c, path, "expected a boolean (%s)", type);
	else if (jt == json_type_int) {
		struct json_object *en = check__get(attr, "enum");
		char k[24];

		if (strcmp(name, "type_id") == 0 && strstr(path, "observables[")) {
			en = s->observable_types;
		}
		snprintf(k, sizeof(k), "%lld", (long long)json_object_get_int64(v));
		/* the dictionary's enum (0 Unknown, 99 Other, ...) and the
		 * class's or object's own values together */
		struct json_object *den = check__get(check__get(s->dict_attrs, name), "enum");

		if ((en || den) && !check__get(en, k) && !check__get(den, k))
			problem(c, path, "value %s is not in the attribute's enum", k);
	}
}

static void check_attr(struct octx *c, const char *name, struct json_object *attr,
		       struct json_object *v, const char *path)
{
	struct json_object *d = check__get(c->s->dict_attrs, name);
	struct json_object *t =
	    check__get(attr, "type") ? check__get(attr, "type") : check__get(d, "type");
	struct json_object *arr = check__get(d, "is_array");
	const char *type = t ? json_object_get_string(t) : "string_t";

	if (!d) {
		problem(c, path, "attribute not in the dictionary%s", "");
		return;
	}
	if (arr && json_object_get_boolean(arr)) {
		char p[1024];

		if (!json_object_is_type(v, json_type_array)) {
			problem(c, path, "expected an array%s", "");
			return;
		}
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			check_scalar(c, name, attr, type, json_object_array_get_idx(v, i), p);
		}
		return;
	}
	check_scalar(c, name, attr, type, v, path);
}

static void check_object(struct octx *c, const char *objname, struct json_object *attrs,
			 struct json_object *v, const char *path)
{
	char p[1024];

	if (!attrs) {
		problem(c, path, "object %s is not in the schema", objname);
		return;
	}
	json_object_object_foreach(v, k, val)
	{
		struct json_object *a;

		snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", k);
		a = check__get(attrs, k);
		if (!a) {
			problem(c, p, "unknown attribute of %s", objname);
			continue;
		}
		if (!profile_on(c, a)) {
			problem(c, p, "attribute of profile %s, not in metadata.profiles",
				json_object_get_string(check__get(a, "profile")));
			continue;
		}
		check_attr(c, k, a, val, p);
	}
	json_object_object_foreach(attrs, ak, av)
	{
		struct json_object *r = check__get(av, "requirement");

		if (r && strcmp(json_object_get_string(r), "required") == 0 && profile_on(c, av) &&
		    !check__get(v, ak)) {
			snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", ak);
			problem(c, p, "required attribute missing (%s)", objname);
		}
	}
}

static int64_t int_of(struct json_object *o, const char *k, bool *ok)
{
	struct json_object *v = check__get(o, k);

	*ok = v && json_object_is_type(v, json_type_int);
	return *ok ? json_object_get_int64(v) : -1;
}

int ocsf_schema__check(struct ocsf_schema *s, struct json_object *ev, schema_report_fn report,
		       void *ctx)
{
	struct octx c = {.s = s, .out = {.report = report, .ctx = ctx}};
	bool ok1, ok2, ok3, ok4;
	int64_t cls = int_of(ev, "class_uid", &ok1), cat = int_of(ev, "category_uid", &ok2);
	int64_t act = int_of(ev, "activity_id", &ok3), tu = int_of(ev, "type_uid", &ok4);
	char k[24];
	struct json_object *name, *def, *attrs;
	const char *cname;

	if (!ok1) {
		problem(&c, "class_uid", "missing or not an integer%s", "");
		return c.out.problems;
	}
	snprintf(k, sizeof(k), "%lld", (long long)cls);
	name = check__get(s->by_uid, k);
	if (!name) {
		problem(&c, "class_uid", "no class %s in the schema", k);
		return c.out.problems;
	}
	cname = json_object_get_string(name);
	def = check__get(s->classes, cname);
	if (ok2) {
		struct json_object *cu = category_of(s, def);
		int64_t want = cu ? json_object_get_int64(cu) : 0;

		if (cat != want) {
			snprintf(k, sizeof(k), "%lld", (long long)want);
			problem(&c, "category_uid", "does not match the class's category (%s)", k);
		}
	}
	if (ok3 && ok4 && tu != cls * 100 + act) {
		snprintf(k, sizeof(k), "%lld", (long long)(cls * 100 + act));
		problem(&c, "type_uid", "must be class_uid * 100 + activity_id (%s)", k);
	}
	c.profiles = check__get(check__get(ev, "metadata"), "profiles");
	if (c.profiles && !json_object_is_type(c.profiles, json_type_array))
		c.profiles = NULL;
	attrs = ocsf_schema__resolve(s, cname, true);
	/* class_uid's enum lives in the compiled schema only: the source
	 * gives the base event's {0}. Checked above instead. */
	json_object_object_foreach(ev, ek, ev2)
	{
		struct json_object *a = check__get(attrs, ek);

		if (strcmp(ek, "class_uid") == 0 || strcmp(ek, "category_uid") == 0 ||
		    strcmp(ek, "type_uid") == 0) {
			if (!json_object_is_type(ev2, json_type_int))
				problem(&c, ek, "expected an integer%s", "");
			continue;
		}
		if (!a) {
			problem(&c, ek, "unknown attribute of class %s", cname);
			continue;
		}
		if (!profile_on(&c, a)) {
			problem(&c, ek, "attribute of profile %s, not in metadata.profiles",
				json_object_get_string(check__get(a, "profile")));
			continue;
		}
		check_attr(&c, ek, a, ev2, ek);
	}
	json_object_object_foreach(attrs, ak, av)
	{
		struct json_object *r = check__get(av, "requirement");

		if (r && strcmp(json_object_get_string(r), "required") == 0 && profile_on(&c, av) &&
		    !check__get(ev, ak))
			problem(&c, ak, "required attribute missing (class %s)", cname);
	}
	check_constraints(&c, constraints_of(s, cname, true), ev, "");
	return c.out.problems;
}
