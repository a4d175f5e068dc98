/*
 * sigma_load.c — one Sigma rule (a YAML document) to atoms and a condition.
 *
 * A detection section is a set of named search identifiers. Each becomes an
 * expression (sigma_compile.c), and the condition string a tree over those
 * expressions (sigma_cond.c); a correlation rule is read by
 * sigma_corr_load.c. This file holds what they share (the loader context,
 * the first-problem-wins error, the expression nodes), the rule's metadata,
 * and logsource routing (category → EventID: the sigma columns of the
 * VIGIL_EVENTS catalogue; `service: auditd` rules go to load_auditd).
 * Anything valid but beyond vigil is reported "unsupported" with the exact
 * construct, never silently dropped.
 */
#include "detect/sigma_auditd.h"
#include "detect/sigma_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records the first problem of a rule; later ones are consequences. */
int sg_fail(struct lctx *lc, int line, enum sigma_status st, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (lc->r->msg != NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lc->r->status = st;
	lc->r->msg = sg_strdup(&lc->e->arena, buf);
	lc->r->msg_line = line;
	return -1;
}

int sg_oom(struct lctx *lc)
{
	return sg_fail(lc, 0, SIGMA_ERROR, "out of memory");
}

int sg_atom_add(struct sigma_engine *e, const struct sa *a)
{
	if (e->natoms == e->atoms_cap) {
		uint32_t cap = e->atoms_cap ? e->atoms_cap * 2 : 256;
		struct sa *t = realloc(e->atoms, cap * sizeof(*t));

		if (t == NULL)
			return -ENOMEM;
		e->atoms = t;
		e->atoms_cap = cap;
	}
	e->atoms[e->natoms] = *a;
	return (int)e->natoms++;
}

struct sx *sg_sx_new(struct lctx *lc, int kind, uint32_t n)
{
	struct sx *x = sg_alloc(&lc->e->arena, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->kind = (uint8_t)kind;
	x->n = n;
	if (n) {
		x->kids = sg_alloc(&lc->e->arena, n * sizeof(*x->kids));
		if (x->kids == NULL)
			return NULL;
	}
	return x;
}

struct sx *sg_sx_atom(struct lctx *lc, struct sa *a)
{
	struct sx *x;
	int idx;

	a->rule = lc->r->idx;
	idx = sg_atom_add(lc->e, a);
	if (idx < 0)
		return NULL;
	x = sg_sx_new(lc, SX_ATOM, 0);
	if (x)
		x->atom = (uint32_t)idx;
	return x;
}

/* AND/OR of kids[0..n); a single kid is returned as is. */
struct sx *sg_sx_join(struct lctx *lc, int kind, struct sx **kids, uint32_t n)
{
	struct sx *x;

	if (n == 1)
		return kids[0];
	x = sg_sx_new(lc, kind, n);
	if (x)
		memcpy(x->kids, kids, n * sizeof(*kids));
	return x;
}

struct sx *sg_sx_not(struct lctx *lc, struct sx *k)
{
	struct sx *x = sg_sx_new(lc, SX_NOT, 1);

	if (x)
		x->kids[0] = k;
	return x;
}

/* ---- rule ------------------------------------------------------------- */

/* A list of scalars (or one scalar) joined with sep; "" when absent. */
static const char *join_list(struct sg_arena *a, const struct yn *l, const char *sep)
{
	size_t len = 0, sl = strlen(sep);
	uint32_t n;
	char *t;

	if (l == NULL || l->kind == YN_MAP || sg_yaml_is_null(l))
		return "";
	if (l->kind == YN_SCALAR)
		return sg_strdup(a, l->s);
	n = l->n;
	for (uint32_t i = 0; i < n; i++)
		if (l->items[i]->kind == YN_SCALAR)
			len += l->items[i]->len + sl;
	t = sg_alloc(a, len + 1);
	if (t == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		if (l->items[i]->kind != YN_SCALAR)
			continue;
		if (t[0])
			strcat(t, sep);
		strcat(t, l->items[i]->s);
	}
	return t;
}

static int load_meta(struct lctx *lc, const struct yn *doc)
{
	struct sg_rule *r = lc->r;
	struct sg_arena *a = &lc->e->arena;
	const char *title = sg_yaml_scalar(doc, "title");
	const struct yn *tags = sg_yaml_get(doc, "tags");

	r->info.title = sg_strdup(a, title ? title : "");
	r->info.id = sg_strdup(a, sg_yaml_scalar(doc, "id") ? sg_yaml_scalar(doc, "id") : "");
	r->info.level =
	    sg_strdup(a, sg_yaml_scalar(doc, "level") ? sg_yaml_scalar(doc, "level") : "");
	r->name = sg_yaml_scalar(doc, "name") ? sg_strdup(a, sg_yaml_scalar(doc, "name")) : NULL;
	if (r->info.title == NULL || r->info.id == NULL || r->info.level == NULL)
		return sg_oom(lc);
	if (title == NULL)
		return sg_fail(lc, doc->line, SIGMA_ERROR, "rule has no title");
	r->info.tags = join_list(a, tags, ",");
	r->info.status =
	    sg_strdup(a, sg_yaml_scalar(doc, "status") ? sg_yaml_scalar(doc, "status") : "");
	r->info.fields = join_list(a, sg_yaml_get(doc, "fields"), ",");
	r->info.falsepositives = join_list(a, sg_yaml_get(doc, "falsepositives"), "; ");
	if (r->info.tags == NULL || r->info.status == NULL || r->info.fields == NULL ||
	    r->info.falsepositives == NULL)
		return sg_oom(lc);
	return 0;
}

/* Routes the rule by its logsource: 0 with lc->def set, 2 for an auditd
 * rule (compiled once per event by load_auditd), 1 for "no source" (the
 * rule's status and message say why), -1 after sg_fail. */
static int route(struct lctx *lc, const struct yn *doc)
{
	const struct yn *ls = sg_yaml_get(doc, "logsource");
	const char *product, *category, *service;
	char buf[256];

	if (ls == NULL || ls->kind != YN_MAP)
		return sg_fail(lc, doc->line, SIGMA_ERROR, "rule has no logsource");
	product = sg_yaml_scalar(ls, "product");
	category = sg_yaml_scalar(ls, "category");
	service = sg_yaml_scalar(ls, "service");
	if (product && strcmp(product, "linux") != 0) {
		snprintf(buf, sizeof(buf), "product: %s", product);
		goto nosrc;
	}
	if (sg_aud_is_auditd(product, service) && category == NULL)
		return 2; /* compiled per event: load_auditd */
	if (service) {
		snprintf(buf, sizeof(buf), "service: %s", service);
		goto nosrc;
	}
	if (category == NULL) {
		snprintf(buf, sizeof(buf), "product: %s, no category", product ? product : "any");
		goto nosrc;
	}
	lc->def = schema__event_by_sigma_category(category);
	if (lc->def != NULL) {
		lc->r->event_id = lc->def->id;
		return 0;
	}
	snprintf(buf, sizeof(buf), "category: %s", category);
nosrc:
	lc->r->status = SIGMA_NO_SOURCE;
	lc->r->msg = sg_strdup(&lc->e->arena, buf);
	lc->r->msg_line = ls->line;
	return 1;
}

static int load_detection(struct lctx *lc, const struct yn *doc)
{
	const struct yn *det = sg_yaml_get(doc, "detection");
	const struct yn *cond;
	struct sg_arena *a = &lc->e->arena;

	if (det == NULL || det->kind != YN_MAP)
		return sg_fail(lc, doc->line, SIGMA_ERROR, "rule has no detection map");
	if (sg_yaml_get(det, "timeframe"))
		return sg_fail(lc, sg_yaml_get(det, "timeframe")->line, SIGMA_UNSUPPORTED,
			       "timeframe (Sigma v1 aggregation; use a correlation rule)");
	cond = sg_yaml_get(det, "condition");
	if (cond == NULL)
		return sg_fail(lc, det->line, SIGMA_ERROR, "detection has no condition");
	lc->names = sg_alloc(a, (det->n + 1) * sizeof(char *));
	lc->exprs = sg_alloc(a, (det->n + 1) * sizeof(struct sx *));
	if (lc->names == NULL || lc->exprs == NULL)
		return sg_oom(lc);
	for (uint32_t i = 0; i < det->n; i++) {
		const struct yn *k = det->items[2 * i], *v = det->items[2 * i + 1];
		struct sx *x;

		if (k->kind != YN_SCALAR)
			return sg_fail(lc, k->line, SIGMA_ERROR,
				       "search identifier must be a name");
		if (strcmp(k->s, "condition") == 0)
			continue;
		x = sg_compile_search(lc, v, k->s);
		if (x == NULL)
			return -1;
		lc->names[lc->nids] = k->s;
		lc->exprs[lc->nids++] = x;
	}
	if (cond->kind == YN_SCALAR) {
		lc->r->cond = sg_parse_condition(lc, cond);
	} else if (cond->kind == YN_SEQ && cond->n > 0) {
		struct sx **kids = sg_alloc(a, cond->n * sizeof(*kids));

		if (kids == NULL)
			return sg_oom(lc);
		for (uint32_t i = 0; i < cond->n; i++) {
			if (cond->items[i]->kind != YN_SCALAR)
				return sg_fail(lc, cond->items[i]->line, SIGMA_ERROR,
					       "condition must be a string");
			kids[i] = sg_parse_condition(lc, cond->items[i]);
			if (kids[i] == NULL)
				return -1;
		}
		lc->r->cond = sg_sx_join(lc, SX_OR, kids, cond->n);
	} else {
		return sg_fail(lc, cond->line, SIGMA_ERROR, "condition must be a string or a list");
	}
	return lc->r->cond ? 0 : -1;
}

static void append_item(struct sigma_engine *e, struct sg_item *it)
{
	*e->items_tail = it;
	e->items_tail = &it->next;
}

static struct sg_rule *new_rule(struct sigma_engine *e, const char *file, int line)
{
	struct sg_rule *r = sg_alloc(&e->arena, sizeof(*r));
	struct sg_item *it = sg_alloc(&e->arena, sizeof(*it));

	if (r == NULL || it == NULL)
		return NULL;
	r->info.file = file;
	r->info.line = line;
	r->info.title = r->info.id = r->info.level = r->info.tags = "";
	r->info.status = r->info.fields = r->info.falsepositives = "";
	r->idx = e->nall++;
	it->rule = r;
	append_item(e, it);
	return r;
}

/* Another compiled variant of rule r (auditd): the same info, its own index,
 * no report line of its own. */
static struct sg_rule *new_rule_alt(struct sigma_engine *e, const struct sg_rule *r)
{
	struct sg_rule *v = sg_alloc(&e->arena, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->info = r->info;
	v->name = r->name;
	v->idx = e->nall++;
	return v;
}

/* Forgets the atoms added since `from` by a failed compilation. */
static void drop_atoms(struct sigma_engine *e, uint32_t from)
{
	for (uint32_t i = from; i < e->natoms; i++)
		if (e->atoms[i].re)
			pcre2_code_free(e->atoms[i].re);
	e->natoms = from;
}

/*
 * An auditd rule is compiled once per vigil event its records can stand for
 * (sigma_auditd.c). The first variant that can match is the rule itself;
 * further ones hang off it (r->alt) with their own index and share its info,
 * so the report has one line per rule. A variant whose condition is never
 * true is dropped; a field with no counterpart fails only its variant. With
 * no variant left the rule is "no source", with the first such reason.
 */
static void load_auditd(struct lctx *lc, const struct yn *doc)
{
	struct sigma_engine *e = lc->e;
	struct sg_rule *r = lc->r, *last = r, *v = r;
	const struct sg_aud_variant *vars;
	size_t nv = sg_aud_variants(&vars);
	struct sg_aud au = {0};
	char why[256] = "", msg[300];
	int why_line = 0;
	bool kept = false;

	for (size_t i = 0; i < nv; i++) {
		const struct vevent_def *def = schema__event(vars[i].event);
		uint32_t before = e->natoms;
		struct lctx vl = {.e = e, .r = v, .def = def, .aud = &au};

		if (def == NULL)
			continue;
		au.event = vars[i].event;
		au.role = vars[i].role;
		v->event_id = au.event;
		if (load_detection(&vl, doc) == 0 && sg_aud_fold(v->cond) >= 0) {
			if (v != r) {
				last->alt = v;
				last = v;
				e->nalts++;
			}
			kept = true;
			v = new_rule_alt(e, r);
			if (v == NULL) {
				sg_oom(lc);
				return;
			}
			continue;
		}
		drop_atoms(e, before);
		if (v->msg && v->status != SIGMA_NO_SOURCE) {
			/* invalid or unsupported Sigma: the rule fails */
			r->status = v->status;
			r->msg = v->msg;
			r->msg_line = v->msg_line;
			for (struct sg_rule *a = r->alt; a; a = a->alt)
				e->nalts--;
			r->alt = NULL;
			return;
		}
		if (v->msg && why[0] == '\0') {
			snprintf(why, sizeof(why), "%s", v->msg);
			why_line = v->msg_line;
		}
		v->status = SIGMA_LOADED;
		v->msg = NULL;
		v->cond = NULL;
	}
	if (kept)
		return;
	r->status = SIGMA_NO_SOURCE;
	r->msg_line = why[0] ? why_line : r->info.line;
	snprintf(msg, sizeof(msg), "service: auditd: %s",
		 why[0]	       ? why
		 : au.never[0] ? au.never
			       : "no selection maps to a vigil event");
	r->msg = sg_strdup(&e->arena, msg);
	if (r->msg == NULL)
		sg_oom(lc);
}

static void load_doc(struct sigma_engine *e, const struct yn *doc, const char *file)
{
	struct sg_rule *r = new_rule(e, file, doc->line);
	struct lctx lc = {.e = e, .r = r};
	uint32_t atoms_before = e->natoms;

	if (r == NULL)
		return;
	if (doc->kind != YN_MAP) {
		sg_fail(&lc, doc->line, SIGMA_ERROR, "document is not a map");
		return;
	}
	if (load_meta(&lc, doc))
		return;
	if (sg_yaml_get(doc, "correlation")) {
		sg_load_correlation(&lc, sg_yaml_get(doc, "correlation"));
		return;
	}
	switch (route(&lc, doc)) {
	case 0:
		break;
	case 2:
		load_auditd(&lc, doc);
		return;
	default:
		return;
	}
	if (load_detection(&lc, doc)) {
		/* Drop the failed rule's atoms so they never reach the matcher. */
		drop_atoms(e, atoms_before);
		r->cond = NULL;
	}
}

int sg_load_text(struct sigma_engine *e, const char *buf, size_t len, const char *file)
{
	struct sg_arena tmp = {0};
	struct yn **docs;
	size_t ndocs;
	char err[256];
	int err_line, rc;
	const char *f = sg_strdup(&e->arena, file);

	if (f == NULL)
		return -ENOMEM;
	rc = sg_yaml_parse(&tmp, buf, len, &docs, &ndocs, err, sizeof(err), &err_line);
	if (rc == -ENOMEM) {
		sg_arena_free(&tmp);
		return rc;
	}
	for (size_t i = 0; i < ndocs; i++) {
		/* An empty document (a trailing "---") is no rule. */
		if (sg_yaml_is_null(docs[i]))
			continue;
		load_doc(e, docs[i], f);
	}
	/* Rules keep pointers into the tree only for strings we copied; the
	 * tree itself may go, but the correlation refs and group names point
	 * into it: copy those now. */
	for (struct sg_item *it = e->items; it; it = it->next) {
		struct sg_corr *c = it->rule ? it->rule->corr : NULL;

		if (c == NULL || it->rule->info.file != f)
			continue;
		for (uint32_t i = 0; i < c->nrefs; i++)
			if (c->refs[i])
				c->refs[i] = sg_strdup(&e->arena, c->refs[i]);
		for (uint32_t i = 0; i < c->ngroup; i++)
			c->group_names[i] = sg_strdup(&e->arena, c->group_names[i]);
		for (uint32_t i = 0; i < c->nalias; i++) {
			c->alias_names[i] = sg_strdup(&e->arena, c->alias_names[i]);
			for (uint32_t b = 0; b < c->nrefs; b++)
				if (c->alias_fields[i][b])
					c->alias_fields[i][b] =
					    sg_strdup(&e->arena, c->alias_fields[i][b]);
		}
	}
	if (rc) {
		struct sg_item *it = sg_alloc(&e->arena, sizeof(*it));
		struct sg_entry *en = sg_alloc(&e->arena, sizeof(*en));

		if (it == NULL || en == NULL) {
			sg_arena_free(&tmp);
			return -ENOMEM;
		}
		en->file = (char *)f;
		en->line = err_line;
		en->status = SIGMA_ERROR;
		en->msg = sg_strdup(&e->arena, err);
		it->entry = en;
		append_item(e, it);
	}
	sg_arena_free(&tmp);
	return 0;
}
