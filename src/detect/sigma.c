/*
 * sigma.c — the Sigma engine's life cycle: create, add rule files, compile
 * (correlation resolution, reporting, matcher build), alerts, free.
 */
#include "common/log.h"
#include "detect/sigma_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RULE_FILE (16u << 20)
#define MAX_DIR_DEPTH 16

static atomic_uint_fast64_t next_uid = 1;

struct sigma_engine *sigma__new(void)
{
	struct sigma_engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->items_tail = &e->items;
	e->uid = atomic_fetch_add(&next_uid, 1);
	return e;
}

void sigma__free(struct sigma_engine *e)
{
	if (e == NULL)
		return;
	sg_matcher_free(e);
	for (struct sg_item *it = e->items; it; it = it->next)
		if (it->rule && it->rule->corr)
			sg_corr_free(it->rule->corr);
	for (uint32_t i = 0; i < e->natoms; i++)
		if (e->atoms[i].re)
			pcre2_code_free(e->atoms[i].re);
	free(e->atoms);
	free(e->rules);
	sg_arena_free(&e->arena);
	free(e);
}

static int add_entry(struct sigma_engine *e, const char *file, int line, const char *msg)
{
	struct sg_item *it = sg_alloc(&e->arena, sizeof(*it));
	struct sg_entry *en = sg_alloc(&e->arena, sizeof(*en));

	if (it == NULL || en == NULL)
		return -ENOMEM;
	en->file = sg_strdup(&e->arena, file);
	en->line = line;
	en->status = SIGMA_ERROR;
	en->msg = sg_strdup(&e->arena, msg);
	if (en->file == NULL || en->msg == NULL)
		return -ENOMEM;
	it->entry = en;
	*e->items_tail = it;
	e->items_tail = &it->next;
	return 0;
}

/* Reads a whole file (bounded). Returns 0 or -errno. */
static int read_file(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > MAX_RULE_FILE) {
		int err = errno ? errno : EFBIG;

		close(fd);
		return (size_t)st.st_size > MAX_RULE_FILE ? -EFBIG : -err;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static bool yaml_name(const char *n)
{
	size_t l = strlen(n);

	return (l > 4 && strcmp(n + l - 4, ".yml") == 0) ||
	       (l > 5 && strcmp(n + l - 5, ".yaml") == 0);
}

static int add_file(struct sigma_engine *e, const char *path)
{
	char *buf;
	size_t len;
	int rc = read_file(path, &buf, &len);

	if (rc) {
		char msg[256];

		snprintf(msg, sizeof(msg), "cannot read: %s", strerror(-rc));
		return add_entry(e, path, 0, msg) ? -ENOMEM : rc;
	}
	rc = sg_load_text(e, buf, len, path);
	free(buf);
	return rc;
}

static int add_dir(struct sigma_engine *e, const char *path, int depth)
{
	struct dirent **names;
	int n, rc = 0;

	if (depth > MAX_DIR_DEPTH)
		return add_entry(e, path, 0, "directories nested too deeply");
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		char msg[256];

		rc = -errno;
		snprintf(msg, sizeof(msg), "cannot read directory: %s", strerror(errno));
		return add_entry(e, path, 0, msg) ? -ENOMEM : rc;
	}
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		char sub[4096];
		struct stat st;

		if (nm[0] == '.' || rc == -ENOMEM)
			goto next;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, nm) >= sizeof(sub))
			goto next;
		if (stat(sub, &st) < 0)
			goto next;
		if (S_ISDIR(st.st_mode)) {
			int r = add_dir(e, sub, depth + 1);

			if (r == -ENOMEM)
				rc = r;
		} else if (S_ISREG(st.st_mode) && yaml_name(nm)) {
			if (add_file(e, sub) == -ENOMEM)
				rc = -ENOMEM;
		}
	next:
		free(names[i]);
	}
	free(names);
	return rc;
}

int sigma__add_path(struct sigma_engine *e, const char *path)
{
	struct stat st;

	if (e->compiled)
		return -EBUSY;
	if (stat(path, &st) < 0) {
		int err = errno;
		char msg[256];

		snprintf(msg, sizeof(msg), "cannot open: %s", strerror(err));
		add_entry(e, path, 0, msg);
		return -err;
	}
	if (S_ISDIR(st.st_mode))
		return add_dir(e, path, 0);
	return add_file(e, path);
}

int sigma__add_buf(struct sigma_engine *e, const char *buf, size_t len, const char *name)
{
	if (e->compiled)
		return -EBUSY;
	return sg_load_text(e, buf, len, name);
}

int sigma__load_placeholders(struct sigma_engine *e, const char *path, char *err, size_t errlen)
{
	struct sg_arena tmp = {0};
	struct yn **docs;
	size_t ndocs, len;
	char *buf, yerr[256];
	int line, rc = read_file(path, &buf, &len);

	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = sg_yaml_parse(&tmp, buf, len, &docs, &ndocs, yerr, sizeof(yerr), &line);
	free(buf);
	if (rc) {
		snprintf(err, errlen, "%s:%d: %s", path, line, yerr);
		goto out;
	}
	rc = -EINVAL;
	if (ndocs != 1 || docs[0]->kind != YN_MAP) {
		snprintf(err, errlen, "%s:1: placeholders must be a map of name: values", path);
		goto out;
	}
	for (uint32_t i = 0; i < docs[0]->n; i++) {
		const struct yn *k = docs[0]->items[2 * i], *v = docs[0]->items[2 * i + 1];
		struct sg_placeholder *p = sg_alloc(&e->arena, sizeof(*p));
		uint32_t n = v->kind == YN_SEQ ? v->n : 1;

		if (p == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		if (k->kind != YN_SCALAR || v->kind == YN_MAP) {
			snprintf(err, errlen, "%s:%d: placeholder values must be a list", path,
				 k->line);
			goto out;
		}
		p->name = sg_strdup(&e->arena, k->s);
		p->vals = sg_alloc(&e->arena, (n + 1) * sizeof(char *));
		if (p->name == NULL || p->vals == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (uint32_t j = 0; j < n; j++) {
			const struct yn *s = v->kind == YN_SEQ ? v->items[j] : v;

			if (s->kind != YN_SCALAR) {
				snprintf(err, errlen, "%s:%d: placeholder value must be a scalar",
					 path, s->line);
				goto out;
			}
			p->vals[j] = sg_strdup(&e->arena, s->s);
			if (p->vals[j] == NULL) {
				rc = -ENOMEM;
				goto out;
			}
		}
		p->nvals = n;
		p->next = e->placeholders;
		e->placeholders = p;
	}
	rc = 0;
out:
	sg_arena_free(&tmp);
	return rc;
}

/* ---- compile ---------------------------------------------------------- */

static void __attribute__((format(printf, 4, 5)))
rfail(struct sigma_engine *e, struct sg_rule *r, enum sigma_status st, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->status = st;
	r->msg = sg_strdup(&e->arena, buf);
	r->msg_line = r->info.line;
}

static struct sg_rule *find_rule(struct sigma_engine *e, const char *ref)
{
	for (struct sg_item *it = e->items; it; it = it->next) {
		struct sg_rule *r = it->rule;

		if (r && (strcmp(r->info.id, ref) == 0 || (r->name && strcmp(r->name, ref) == 0)))
			return r;
	}
	return NULL;
}

static int field_for(struct sigma_engine *e, struct sg_corr *c, const char *name, uint32_t b,
		     uint16_t *out)
{
	const struct vevent_def *def = schema__event(c->bases[b]->event_id);
	enum vf_id f;

	for (uint32_t a = 0; a < c->nalias; a++)
		if (strcmp(c->alias_names[a], name) == 0 && c->alias_fields[a][b])
			name = c->alias_fields[a][b];
	f = schema__field_by_name(name);
	/* A correlation's events are its bases' events, of any type: only
	 * the name can be checked. */
	if (f != VF_NONE && c->bases[b]->info.correlation) {
		*out = (uint16_t)f;
		return 0;
	}
	if (f == VF_NONE || def == NULL ||
	    (!schema__event_has_field(def, f) && f != VF_EventID && f != VF_Computer &&
	     f != VF_Event && f != VF_SequenceNumber)) {
		rfail(e, c->rule, SIGMA_UNSUPPORTED, "field '%s' is not in the events of rule '%s'",
		      name, c->refs[b]);
		return -1;
	}
	*out = (uint16_t)f;
	return 0;
}

static int resolve(struct sigma_engine *e, struct sg_corr *c)
{
	struct sg_arena *a = &e->arena;

	c->bases = sg_alloc(a, c->nrefs * sizeof(*c->bases));
	c->group_by = sg_alloc(a, (c->ngroup * c->nrefs + 1) * sizeof(uint16_t));
	c->value_field = sg_alloc(a, c->nrefs * sizeof(uint16_t));
	if (c->bases == NULL || c->group_by == NULL || c->value_field == NULL)
		return -ENOMEM;
	for (uint32_t b = 0; b < c->nrefs; b++) {
		struct sg_rule *r = find_rule(e, c->refs[b]);

		if (r == NULL) {
			rfail(e, c->rule, SIGMA_ERROR, "correlation names unknown rule '%s'",
			      c->refs[b]);
			return -1;
		}
		if (r == c->rule) {
			rfail(e, c->rule, SIGMA_ERROR, "correlation refers to itself");
			return -1;
		}
		if (r->status == SIGMA_NO_SOURCE) {
			rfail(e, c->rule, SIGMA_NO_SOURCE, "rule '%s' has %s", c->refs[b], r->msg);
			return -1;
		}
		if (r->status != SIGMA_LOADED) {
			rfail(e, c->rule, SIGMA_UNSUPPORTED, "rule '%s' did not load", c->refs[b]);
			return -1;
		}
		if (r->alt) {
			rfail(e, c->rule, SIGMA_UNSUPPORTED,
			      "rule '%s' matches several event types (auditd)", c->refs[b]);
			return -1;
		}
		c->bases[b] = r;
	}
	for (uint32_t b = 0; b < c->nrefs; b++) {
		for (uint32_t g = 0; g < c->ngroup; g++)
			if (field_for(e, c, c->group_names[g], b, &c->group_by[g * c->nrefs + b]))
				return -1;
		if (c->type == CORR_VALUE_COUNT &&
		    field_for(e, c, c->value_field_name, b, &c->value_field[b]))
			return -1;
	}
	return 0;
}

/* True when correlation (or rule) r reaches target through correlation
 * bases; chains deeper than 16 count as reaching (refused as cycles). */
static bool reaches(const struct sg_rule *r, const struct sg_rule *target, int depth)
{
	if (r == target || depth > 16)
		return true;
	if (!r->info.correlation || r->status != SIGMA_LOADED)
		return false;
	for (uint32_t b = 0; b < r->corr->nrefs; b++)
		if (reaches(r->corr->bases[b], target, depth + 1))
			return true;
	return false;
}

int sigma__compile(struct sigma_engine *e, void (*report)(const struct sigma_report *r, void *ctx),
		   void *ctx)
{
	uint32_t ncorr_total = 0, n = 0;
	int failed = 0, rc;
	char err[256] = "";

	if (e->compiled)
		return -EBUSY;
	for (struct sg_item *it = e->items; it; it = it->next) {
		struct sg_rule *r = it->rule;

		if (r == NULL || !r->info.correlation || r->status != SIGMA_LOADED)
			continue;
		rc = resolve(e, r->corr);
		if (rc == -ENOMEM)
			return rc;
		if (rc == 0)
			ncorr_total++;
	}
	/* Chains: a correlation over one that failed fails too, and cycles
	 * are refused (a match would feed itself forever). */
	for (bool changed = true; changed;) {
		changed = false;
		for (struct sg_item *it = e->items; it; it = it->next) {
			struct sg_rule *r = it->rule;

			if (r == NULL || !r->info.correlation || r->status != SIGMA_LOADED)
				continue;
			for (uint32_t b = 0; b < r->corr->nrefs; b++) {
				struct sg_rule *base = r->corr->bases[b];

				if (base->status == SIGMA_LOADED && !reaches(base, r, 0))
					continue;
				if (base->status == SIGMA_LOADED)
					rfail(e, r, SIGMA_UNSUPPORTED,
					      "correlation cycle through rule '%s'",
					      r->corr->refs[b]);
				else if (base->status == SIGMA_NO_SOURCE)
					rfail(e, r, SIGMA_NO_SOURCE, "rule '%s' has %s",
					      r->corr->refs[b], base->msg);
				else
					rfail(e, r, SIGMA_UNSUPPORTED, "rule '%s' did not load",
					      r->corr->refs[b]);
				ncorr_total--;
				changed = true;
				break;
			}
		}
	}
	/* Wire feeds: each base learns its correlations. */
	for (struct sg_item *it = e->items; it; it = it->next) {
		struct sg_rule *r = it->rule;
		bool gen = false, nogen = false;

		if (r == NULL || r->status != SIGMA_LOADED)
			continue;
		for (struct sg_item *jt = e->items; jt; jt = jt->next) {
			struct sg_rule *cr = jt->rule;

			if (cr == NULL || !cr->info.correlation || cr->status != SIGMA_LOADED)
				continue;
			for (uint32_t b = 0; b < cr->corr->nrefs; b++) {
				if (cr->corr->bases[b] != r)
					continue;
				if (r->feeds == NULL) {
					r->feeds =
					    sg_alloc(&e->arena, ncorr_total * sizeof(*r->feeds));
					if (r->feeds == NULL)
						return -ENOMEM;
				}
				/* a rule listed twice feeds once */
				if (r->nfeeds == 0 || r->feeds[r->nfeeds - 1] != cr->corr)
					r->feeds[r->nfeeds++] = cr->corr;
				*(cr->corr->generate ? &gen : &nogen) = true;
			}
		}
		/* Sigma: a rule used only by correlations that do not
		 * `generate` gives no alerts of its own. */
		r->suppressed = nogen && !gen;
	}
	e->rules = calloc(e->nall + 1, sizeof(*e->rules));
	if (e->rules == NULL)
		return -ENOMEM;
	for (struct sg_item *it = e->items; it; it = it->next) {
		struct sg_rule *r = it->rule;
		struct sigma_report rep = {0};

		if (r) {
			rep.file = r->info.file;
			rep.line = r->msg ? r->msg_line : r->info.line;
			rep.status = r->status;
			rep.title = r->info.title[0] ? r->info.title : NULL;
			rep.msg = r->msg ? r->msg : "";
			if (r->status == SIGMA_LOADED) {
				if (r->info.correlation) {
					if (sg_corr_init(e, r->corr))
						return -ENOMEM;
					e->ncorr++;
				}
				e->rules[n++] = r;
				/* auditd variants match as the rule itself */
				for (struct sg_rule *a = r->alt; a; a = a->alt) {
					a->feeds = r->feeds;
					a->nfeeds = r->nfeeds;
					a->suppressed = r->suppressed;
					e->rules[n++] = a;
				}
			}
		} else {
			rep.file = it->entry->file;
			rep.line = it->entry->line;
			rep.status = it->entry->status;
			rep.msg = it->entry->msg;
		}
		if (rep.status == SIGMA_UNSUPPORTED || rep.status == SIGMA_ERROR)
			failed++;
		if (report)
			report(&rep, ctx);
	}
	e->nrules = n;
	rc = sg_matcher_build(e, err, sizeof(err));
	if (rc) {
		if (err[0])
			log_warnx("sigma: %s", err);
		return rc;
	}
	e->compiled = true;
	return failed;
}

size_t sigma__rule_count(const struct sigma_engine *e)
{
	return e->nrules - e->nalts;
}

size_t sigma__correlation_count(const struct sigma_engine *e)
{
	return e->ncorr;
}

static void copy_field(struct vrec *out, enum vf_id f, const struct vrec *ev)
{
	size_t len;
	const char *v = vrec__get(ev, f, &len);

	if (v)
		vrec__set(out, f, v, len);
}

void sigma__per_host(struct sigma_engine *e)
{
	for (uint32_t i = 0; i < e->nrules; i++)
		if (e->rules[i]->corr != NULL)
			e->rules[i]->corr->per_host = true;
}

void sigma__alert(const struct sigma_rule_info *rule, const struct vrec *ev, struct vrec *out)
{
	size_t len;
	const char *t;

	vrec__reset(out, schema__event(EV_DETECTION_ALERT));
	out->ts_ns = ev->ts_ns;
	out->computer = ev->computer;
	t = vrec__get(ev, VF_UtcTime, &len);
	if (t) {
		vrec__set(out, VF_UtcTime, t, len);
	} else if (ev->ts_ns) {
		char buf[24];

		vrec__fmt_time(ev->ts_ns, buf);
		vrec__set_str(out, VF_UtcTime, buf);
	}
	vrec__set_str(out, VF_RuleId, rule->id[0] ? rule->id : "-");
	vrec__set_str(out, VF_RuleTitle, rule->title);
	vrec__set_str(out, VF_RuleLevel, rule->level[0] ? rule->level : "-");
	vrec__set_str(out, VF_Tags, rule->tags[0] ? rule->tags : "-");
	vrec__set_uint(out, VF_MatchedEventID, ev->def ? ev->def->id : 0);
	vrec__set_uint(out, VF_MatchedSequenceNumber, ev->seq);
	copy_field(out, VF_ProcessGuid, ev);
	copy_field(out, VF_Image, ev);
}
