/*
 * sigma_load.c — one Sigma rule (a YAML document) to atoms and a condition.
 *
 * A detection section is a set of named search identifiers. Each becomes an
 * expression: a map is the AND of its field items, a list of maps the OR of
 * those, a list of plain values a keyword search. A field item
 * `Field|mod|mod: values` becomes the OR (AND with `all`) over its values,
 * and each value, after the modifiers that rewrite values (expand, utf16*,
 * base64*, windash) ran in the order written, becomes one atom per variant.
 * The condition string is parsed into a tree over those expressions.
 *
 * Logsource routing (category → EventID) lives here; see sigma.h for the
 * table. Anything valid but beyond vigil is reported "unsupported" with the
 * exact construct, never silently dropped.
 *
 * Choices where the specification leaves room: plain values and keywords
 * are case-insensitive for ASCII (bytes beyond ASCII compare exactly, as the
 * events are not guaranteed UTF-8); `re` is case-sensitive unless `|i`;
 * keywords are substring searches over every value of the event; windash
 * varies a '-' or '/' that starts a word (after a non-word character,
 * before a word character), as pySigma does, so paths do not explode into
 * thousands of variants; `neq` over a list means "none of these"; time
 * modifiers read "YYYY-MM-DD HH:MM:SS" (or with 'T'), week is ISO 8601.
 */
#include "detect/sigma_auditd.h"
#include "detect/sigma_int.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_VARIANTS 1024

static const struct {
	const char *category;
	uint16_t id;
} routes[] = {
    {"process_creation", 1},
    {"file_change", 2},
    {"file_create_time", 2},
    {"network_connection", 3},
    {"process_termination", 5},
    {"driver_load", 6},
    {"image_load", 7},
    {"raw_access_thread", 9},
    {"raw_access_read", 9},
    {"process_access", 10},
    {"file_event", 11},
    {"dns_query", 22},
    {"file_delete", 23},
    {"process_tampering", 25},
    {"file_executable_detected", 29},
    {"bpf_event", 100},
    {"file_modify", 200},
    {"file_rename", 201},
    {"file_attribute_change", 202},
    {"privilege_change", 203},
    {"network_listen", 204},
    {"namespace_change", 205},
    {"mount", 206},
    {"logon_session", 207},
    {"cap_summary", 240},
    {"tamper_alert", 243},
};

struct lctx {
	struct sigma_engine *e;
	struct sg_rule *r;
	const struct vevent_def *def;
	char **names;
	struct sx **exprs;
	uint32_t nids;
	uint32_t first_atom;
	struct sg_aud *aud; /* an auditd rule's variant (sigma_auditd.c), or NULL */
};

/* Records the first problem of a rule; later ones are consequences. */
static int __attribute__((format(printf, 4, 5)))
fail(struct lctx *lc, int line, enum sigma_status st, const char *fmt, ...)
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

static int oom(struct lctx *lc)
{
	return fail(lc, 0, SIGMA_ERROR, "out of memory");
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

static struct sx *sx_new(struct lctx *lc, int kind, uint32_t n)
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

static struct sx *sx_atom(struct lctx *lc, struct sa *a)
{
	struct sx *x;
	int idx;

	a->rule = lc->r->idx;
	idx = sg_atom_add(lc->e, a);
	if (idx < 0)
		return NULL;
	x = sx_new(lc, SX_ATOM, 0);
	if (x)
		x->atom = (uint32_t)idx;
	return x;
}

/* AND/OR of kids[0..n); a single kid is returned as is. */
static struct sx *sx_join(struct lctx *lc, int kind, struct sx **kids, uint32_t n)
{
	struct sx *x;

	if (n == 1)
		return kids[0];
	x = sx_new(lc, kind, n);
	if (x)
		memcpy(x->kids, kids, n * sizeof(*kids));
	return x;
}

static struct sx *sx_not(struct lctx *lc, struct sx *k)
{
	struct sx *x = sx_new(lc, SX_NOT, 1);

	if (x)
		x->kids[0] = k;
	return x;
}

/* ---- modifiers -------------------------------------------------------- */

enum xform { XF_EXPAND, XF_UTF16LE, XF_UTF16BE, XF_UTF16, XF_BASE64, XF_BASE64OFF, XF_WINDASH };

struct mods {
	int op;	 /* OP_EQ, OP_CONTAINS, OP_STARTS, OP_ENDS */
	int cmp; /* -1 or OP_LT.. */
	bool all, re, re_i, re_m, re_s, cidr, exists, cased, neq, fieldref;
	int tpart; /* 0, or a time part (TP_MINUTE..) to compare */
	int nx;
	enum xform xf[8];
};

static int parse_mods(struct lctx *lc, int line, const char *key, char **mods, int n,
		      struct mods *m)
{
	memset(m, 0, sizeof(*m));
	m->op = OP_EQ;
	m->cmp = -1;
	for (int i = 0; i < n; i++) {
		const char *s = mods[i];
		int op = -1, cmp = -1, xf = -1;

		if (strcmp(s, "contains") == 0)
			op = OP_CONTAINS;
		else if (strcmp(s, "startswith") == 0)
			op = OP_STARTS;
		else if (strcmp(s, "endswith") == 0)
			op = OP_ENDS;
		else if (strcmp(s, "lt") == 0)
			cmp = OP_LT;
		else if (strcmp(s, "lte") == 0)
			cmp = OP_LTE;
		else if (strcmp(s, "gt") == 0)
			cmp = OP_GT;
		else if (strcmp(s, "gte") == 0)
			cmp = OP_GTE;
		else if (strcmp(s, "minute") == 0)
			m->tpart = TP_MINUTE;
		else if (strcmp(s, "hour") == 0)
			m->tpart = TP_HOUR;
		else if (strcmp(s, "day") == 0)
			m->tpart = TP_DAY;
		else if (strcmp(s, "week") == 0)
			m->tpart = TP_WEEK;
		else if (strcmp(s, "month") == 0)
			m->tpart = TP_MONTH;
		else if (strcmp(s, "year") == 0)
			m->tpart = TP_YEAR;
		else if (strcmp(s, "expand") == 0)
			xf = XF_EXPAND;
		else if (strcmp(s, "utf16le") == 0 || strcmp(s, "wide") == 0)
			xf = XF_UTF16LE;
		else if (strcmp(s, "utf16be") == 0)
			xf = XF_UTF16BE;
		else if (strcmp(s, "utf16") == 0)
			xf = XF_UTF16;
		else if (strcmp(s, "base64") == 0)
			xf = XF_BASE64;
		else if (strcmp(s, "base64offset") == 0)
			xf = XF_BASE64OFF;
		else if (strcmp(s, "windash") == 0)
			xf = XF_WINDASH;
		else if (strcmp(s, "all") == 0)
			m->all = true;
		else if (strcmp(s, "re") == 0)
			m->re = true;
		else if (strcmp(s, "cidr") == 0)
			m->cidr = true;
		else if (strcmp(s, "exists") == 0)
			m->exists = true;
		else if (strcmp(s, "cased") == 0)
			m->cased = true;
		else if (strcmp(s, "neq") == 0)
			m->neq = true;
		else if (strcmp(s, "fieldref") == 0)
			m->fieldref = true;
		else if (m->re &&
			 (strcmp(s, "i") == 0 || strcmp(s, "m") == 0 || strcmp(s, "s") == 0))
			*(s[0] == 'i' ? &m->re_i : s[0] == 'm' ? &m->re_m : &m->re_s) = true;
		else
			return fail(lc, line, SIGMA_UNSUPPORTED, "modifier '%s' in '%s'", s, key);
		if (op >= 0) {
			if (m->op != OP_EQ)
				return fail(lc, line, SIGMA_UNSUPPORTED,
					    "conflicting modifiers '%s' in '%s'", s, key);
			m->op = op;
		}
		if (cmp >= 0) {
			if (m->cmp >= 0)
				return fail(lc, line, SIGMA_UNSUPPORTED,
					    "conflicting modifiers '%s' in '%s'", s, key);
			m->cmp = cmp;
		}
		if (xf >= 0) {
			if (m->nx == 8)
				return fail(lc, line, SIGMA_UNSUPPORTED,
					    "too many modifiers in '%s'", key);
			m->xf[m->nx++] = (enum xform)xf;
		}
	}
	/* Modifiers that replace the value comparison cannot be combined
	 * with each other or with value rewriting. */
	int special = m->re + m->cidr + m->exists + (m->cmp >= 0 && !m->tpart) + (m->tpart != 0);
	if (special > 1 || (special && (m->nx || m->op != OP_EQ)))
		return fail(lc, line, SIGMA_UNSUPPORTED, "modifier combination in '%s'", key);
	if (m->fieldref && (special || m->nx))
		return fail(lc, line, SIGMA_UNSUPPORTED, "modifier combination in '%s'", key);
	return 0;
}

/* ---- values ----------------------------------------------------------- */

struct svlist {
	struct sv *v;
	int n;
};

static struct sg_placeholder *find_placeholder(struct sigma_engine *e, const char *name, size_t n)
{
	for (struct sg_placeholder *p = e->placeholders; p; p = p->next)
		if (strlen(p->name) == n && memcmp(p->name, name, n) == 0)
			return p;
	return NULL;
}

/* "\\%" in an expand value is a plain percent: drop the backslash and mark
 * the '%' (3) so the placeholder scan skips it. Returns in unchanged when
 * there is nothing to unescape or memory is short. */
static const struct sv *unescape_percent(struct sg_arena *a, const struct sv *in)
{
	struct sv *o;

	if (memmem(in->b, in->n, "\\%", 2) == NULL)
		return in;
	o = sg_alloc(a, sizeof(*o));
	if (o == NULL || sv_from_bytes(a, in->b, in->n, o))
		return in;
	o->n = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (in->b[i] == '\\' && !in->w[i] && i + 1 < in->n && in->b[i + 1] == '%') {
			o->b[o->n] = '%';
			o->w[o->n++] = 3;
			i++;
			continue;
		}
		o->b[o->n] = in->b[i];
		o->w[o->n++] = in->w[i];
	}
	return o;
}

/* expand: every %name% becomes each of its configured values. */
static int expand_one(struct lctx *lc, int line, const struct sv *in, struct svlist *out)
{
	struct sg_arena *a = &lc->e->arena;
	size_t i;

	for (i = 0; i < in->n; i++)
		if (in->b[i] == '%' && !in->w[i])
			break;
	if (i == in->n) {
		out->v[out->n++] = *in;
		return 0;
	}
	size_t j = i + 1;
	while (j < in->n && (in->b[j] != '%' || in->w[j]))
		j++;
	if (j == in->n)
		return fail(lc, line, SIGMA_UNSUPPORTED,
			    "unterminated placeholder in expand value");
	struct sg_placeholder *p = find_placeholder(lc->e, (const char *)in->b + i + 1, j - i - 1);
	if (p == NULL)
		return fail(lc, line, SIGMA_UNSUPPORTED,
			    "placeholder '%.*s' has no value (no placeholder file entry)",
			    (int)(j - i - 1), (const char *)in->b + i + 1);
	for (uint32_t k = 0; k < p->nvals; k++) {
		struct sv mid, t;
		size_t vl = strlen(p->vals[k]);

		if (sv_from_sigma(a, p->vals[k], vl, &mid))
			return oom(lc);
		if (sv_from_bytes(a, in->b, i + mid.n + (in->n - j - 1), &t))
			return oom(lc);
		memcpy(t.w, in->w, i);
		memcpy(t.b + i, mid.b, mid.n);
		memcpy(t.w + i, mid.w, mid.n);
		memcpy(t.b + i + mid.n, in->b + j + 1, in->n - j - 1);
		memcpy(t.w + i + mid.n, in->w + j + 1, in->n - j - 1);
		if (out->n >= MAX_VARIANTS)
			return fail(lc, line, SIGMA_UNSUPPORTED, "expand makes too many values");
		/* the rest may hold more placeholders */
		if (expand_one(lc, line, &t, out))
			return -1;
	}
	return 0;
}

static int apply_xform(struct lctx *lc, int line, enum xform xf, struct svlist *l)
{
	struct sg_arena *a = &lc->e->arena;
	struct svlist out = {.v = sg_alloc(a, MAX_VARIANTS * sizeof(struct sv)), .n = 0};

	if (out.v == NULL)
		return oom(lc);
	for (int i = 0; i < l->n; i++) {
		struct sv *in = &l->v[i];

		if (xf != XF_EXPAND && xf != XF_WINDASH && sv_has_wild(in))
			return fail(lc, line, SIGMA_UNSUPPORTED,
				    "wildcard in a value that is encoded (utf16/base64)");
		switch (xf) {
		case XF_EXPAND: {
			int first = out.n;

			if (expand_one(lc, line, unescape_percent(a, in), &out))
				return -1;
			/* escaped '%' (marked 3 for the scan) is a plain literal now */
			for (int k = first; k < out.n; k++)
				for (size_t j = 0; j < out.v[k].n; j++)
					if (out.v[k].w[j] == 3)
						out.v[k].w[j] = 0;
			break;
		}
		case XF_UTF16LE:
		case XF_UTF16BE:
		case XF_UTF16: {
			int rc = sv_utf16(a, in,
					  xf == XF_UTF16LE   ? 0
					  : xf == XF_UTF16BE ? 1
							     : 2,
					  &out.v[out.n]);

			if (rc == -EINVAL)
				return fail(lc, line, SIGMA_ERROR, "utf16 of a value not in UTF-8");
			if (rc)
				return oom(lc);
			out.n++;
			break;
		}
		case XF_BASE64:
			if (sv_base64(a, in, &out.v[out.n++]))
				return oom(lc);
			break;
		case XF_BASE64OFF:
			if (out.n + 3 > MAX_VARIANTS)
				return fail(lc, line, SIGMA_UNSUPPORTED, "too many value variants");
			if (sv_base64offset(a, in, &out.v[out.n]))
				return oom(lc);
			out.n += 3;
			break;
		case XF_WINDASH: {
			int rc = sv_windash(a, in, &out.v[out.n], MAX_VARIANTS - out.n);

			if (rc == -E2BIG)
				return fail(lc, line, SIGMA_UNSUPPORTED,
					    "windash makes too many variants");
			if (rc < 0)
				return oom(lc);
			out.n += rc;
			break;
		}
		}
		if (out.n >= MAX_VARIANTS)
			return fail(lc, line, SIGMA_UNSUPPORTED, "too many value variants");
	}
	*l = out;
	return 0;
}

static bool is_common_field(enum vf_id f)
{
	return f == VF_EventID || f == VF_Event || f == VF_Computer || f == VF_SequenceNumber;
}

/* Field name to id, checked against the routed event. */
static int lookup_field(struct lctx *lc, int line, const char *name, uint16_t *out)
{
	enum vf_id f = schema__field_by_name(name);

	if (f == VF_NONE)
		return fail(lc, line, SIGMA_UNSUPPORTED, "unknown field '%s'", name);
	if (!is_common_field(f) && !schema__event_has_field(lc->def, f))
		return fail(lc, line, SIGMA_UNSUPPORTED, "field '%s' is not in event %u (%s)", name,
			    lc->def->id, lc->def->name);
	*out = (uint16_t)f;
	return 0;
}

static bool parse_bool(const struct yn *v, bool *out)
{
	if (v->kind != YN_SCALAR)
		return false;
	if (strcasecmp(v->s, "true") == 0 || strcasecmp(v->s, "yes") == 0) {
		*out = true;
		return true;
	}
	if (strcasecmp(v->s, "false") == 0 || strcasecmp(v->s, "no") == 0) {
		*out = false;
		return true;
	}
	return false;
}

/* Checks a regex: Hyperscan first (it will carry it), else PCRE2 as the
 * fallback matcher. Fills kind/re. */
static int check_regex(struct lctx *lc, int line, struct sa *a)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;
	unsigned flags = a->hs_flags | HS_FLAG_ALLOWEMPTY;

	if (hs_expression_info(a->pat, flags, &info, &cerr) == HS_SUCCESS) {
		free(info);
		return 0;
	}
	hs_free_compile_error(cerr);

	int errcode;
	PCRE2_SIZE erroff;
	uint32_t opts = (a->hs_flags & HS_FLAG_CASELESS ? PCRE2_CASELESS : 0) |
			(a->hs_flags & HS_FLAG_MULTILINE ? PCRE2_MULTILINE : 0) |
			(a->hs_flags & HS_FLAG_DOTALL ? PCRE2_DOTALL : 0);
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)a->pat, a->patlen, opts, &errcode, &erroff, NULL);

	if (re == NULL) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return fail(lc, line, SIGMA_ERROR,
			    "invalid regular expression '%s': %s at offset %zu", a->pat,
			    (const char *)msg, (size_t)erroff);
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	a->kind = SA_PCRE;
	a->re = re;
	return 0;
}

/* One value of a field item → expression (OR of its variants). */
static struct sx *compile_value(struct lctx *lc, uint16_t field, bool keyword, const struct mods *m,
				const struct yn *v, const char *key)
{
	struct sg_arena *a = &lc->e->arena;
	struct sa at = {.field = field, .cased = m->cased};
	struct sx *x = NULL;

	if (v->kind != YN_SCALAR) {
		fail(lc, v->line, SIGMA_ERROR,
		     "value of '%s' must be a scalar or a list of scalars", key);
		return NULL;
	}
	if (keyword && (m->re || m->cidr || m->exists || m->cmp >= 0 || m->fieldref || m->neq ||
			m->tpart || m->op != OP_EQ)) {
		fail(lc, v->line, SIGMA_UNSUPPORTED, "modifier on a keyword search in '%s'", key);
		return NULL;
	}
	if (sg_yaml_is_null(v)) {
		if (m->nx || m->op != OP_EQ || m->re || m->cidr || m->cmp >= 0 || m->exists ||
		    m->tpart || m->fieldref || keyword) {
			fail(lc, v->line, SIGMA_UNSUPPORTED, "null value with modifiers in '%s'",
			     key);
			return NULL;
		}
		at.kind = SA_NULL;
		x = sx_atom(lc, &at);
		goto out;
	}
	if (m->exists) {
		bool b;

		if (!parse_bool(v, &b)) {
			fail(lc, v->line, SIGMA_ERROR, "exists needs true or false in '%s'", key);
			return NULL;
		}
		at.kind = SA_EXISTS;
		at.want = b;
		x = sx_atom(lc, &at);
		goto out;
	}
	if (m->cmp >= 0 || m->tpart) {
		char *end;

		at.num = strtod(v->s, &end);
		if (v->len == 0 || *end != '\0' || isnan(at.num)) {
			fail(lc, v->line, SIGMA_ERROR, "'%s' needs a number, not '%s'", key, v->s);
			return NULL;
		}
		at.kind = m->tpart ? SA_TIME : SA_NUM;
		at.op = (uint8_t)(m->cmp >= 0 ? m->cmp : OP_EQ);
		at.tpart = (uint8_t)m->tpart;
		x = sx_atom(lc, &at);
		goto out;
	}
	if (m->cidr) {
		if (sg_parse_cidr(v->s, &at)) {
			fail(lc, v->line, SIGMA_ERROR, "invalid CIDR '%s' in '%s'", v->s, key);
			return NULL;
		}
		at.kind = SA_CIDR;
		x = sx_atom(lc, &at);
		goto out;
	}
	if (m->fieldref) {
		if (lookup_field(lc, v->line, v->s, &at.ref))
			return NULL;
		at.kind = SA_FIELDREF;
		at.op = (uint8_t)m->op;
		x = sx_atom(lc, &at);
		goto out;
	}
	if (m->re) {
		at.kind = SA_HS;
		at.pat = sg_strndup(a, v->s, v->len);
		at.patlen = v->len;
		if (at.pat == NULL) {
			oom(lc);
			return NULL;
		}
		at.hs_flags = (m->re_i ? HS_FLAG_CASELESS : 0) | (m->re_m ? HS_FLAG_MULTILINE : 0) |
			      (m->re_s ? HS_FLAG_DOTALL : 0);
		at.cased = !m->re_i;
		if (strlen(at.pat) != at.patlen) {
			fail(lc, v->line, SIGMA_UNSUPPORTED, "NUL byte in regular expression");
			return NULL;
		}
		if (check_regex(lc, v->line, &at))
			return NULL;
		x = sx_atom(lc, &at);
		goto out;
	}

	/* Plain strings: wildcards, then the value-rewriting modifiers. */
	struct svlist l = {.v = sg_alloc(a, sizeof(struct sv)), .n = 1};
	if (l.v == NULL || sv_from_sigma(a, v->s, v->len, &l.v[0])) {
		oom(lc);
		return NULL;
	}
	for (int i = 0; i < m->nx; i++)
		if (apply_xform(lc, v->line, m->xf[i], &l))
			return NULL;
	struct sx **kids = sg_alloc(a, (size_t)(l.n ? l.n : 1) * sizeof(*kids));
	if (kids == NULL) {
		oom(lc);
		return NULL;
	}
	for (int i = 0; i < l.n; i++) {
		struct sv *s = &l.v[i];
		struct sa t = at;
		int op = keyword ? OP_CONTAINS : m->op;

		if (op == OP_EQ && !sv_has_wild(s)) {
			t.kind = SA_EXACT;
			t.pat = sg_strndup(a, (const char *)s->b, s->n);
			t.patlen = s->n;
			t.lit = t.pat;
			t.litlen = t.patlen;
			t.lop = OP_EQ;
		} else {
			size_t lo, hi;
			int lop = sv_literal(s, op, &lo, &hi);

			if (lop >= 0) {
				t.lit = sg_strndup(a, (const char *)s->b + lo, hi - lo);
				t.litlen = hi - lo;
				t.lop = (uint8_t)lop;
			}
			t.kind = keyword ? SA_KEYWORD : SA_HS;
			t.pat = sv_to_regex(a, s, op);
			t.patlen = t.pat ? strlen(t.pat) : 0;
			t.hs_flags = HS_FLAG_DOTALL | (m->cased ? 0 : HS_FLAG_CASELESS);
			if (t.pat && t.patlen == 0) {
				/* "*" or contains '': any value present. */
				t.kind = SA_EXISTS;
				t.want = true;
				if (keyword)
					t.field = VF_NONE;
			}
		}
		if (t.pat == NULL && t.kind != SA_EXISTS) {
			oom(lc);
			return NULL;
		}
		kids[i] = sx_atom(lc, &t);
		if (kids[i] == NULL) {
			oom(lc);
			return NULL;
		}
	}
	if (l.n == 0) {
		x = sx_new(lc, SX_FALSE, 0);
		goto out;
	}
	x = sx_join(lc, SX_OR, kids, (uint32_t)l.n);
out:
	if (x == NULL) {
		oom(lc);
		return NULL;
	}
	return m->neq ? sx_not(lc, x) : x;
}

static struct sx *compile_values(struct lctx *lc, const struct yn *k, const struct yn *v,
				 uint16_t field, bool keyword, const struct mods *m);
static struct sx *aud_item(struct lctx *lc, const struct yn *k, const struct yn *v,
			   const char *name, struct mods *m);

/* `Field|mods: value(s)` → expression. */
static struct sx *compile_item(struct lctx *lc, const struct yn *k, const struct yn *v)
{
	char *parts[16];
	int np = 0;
	char *key, *p;
	uint16_t field = VF_NONE;
	bool keyword;
	struct mods m;

	if (k->kind != YN_SCALAR) {
		fail(lc, k->line, SIGMA_ERROR, "field name must be a scalar");
		return NULL;
	}
	key = sg_strndup(&lc->e->arena, k->s, k->len);
	if (key == NULL) {
		oom(lc);
		return NULL;
	}
	for (p = key; np < 16;) {
		parts[np++] = p;
		p = strchr(p, '|');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (p != NULL) {
		fail(lc, k->line, SIGMA_UNSUPPORTED, "too many modifiers in '%s'", k->s);
		return NULL;
	}
	if (parse_mods(lc, k->line, k->s, parts + 1, np - 1, &m))
		return NULL;
	keyword = parts[0][0] == '\0';
	if (lc->aud)
		return aud_item(lc, k, v, parts[0], &m);
	if (!keyword && lookup_field(lc, k->line, parts[0], &field))
		return NULL;
	return compile_values(lc, k, v, field, keyword, &m);
}

/* The value(s) of an item, on field. */
static struct sx *compile_values(struct lctx *lc, const struct yn *k, const struct yn *v,
				 uint16_t field, bool keyword, const struct mods *m)
{
	if (v->kind == YN_MAP) {
		fail(lc, v->line, SIGMA_ERROR, "value of '%s' must be a scalar or a list", k->s);
		return NULL;
	}
	if (v->kind == YN_SCALAR)
		return compile_value(lc, field, keyword, m, v, k->s);
	if (v->n == 0) {
		fail(lc, v->line, SIGMA_ERROR, "empty value list for '%s'", k->s);
		return NULL;
	}
	struct sx **kids = sg_alloc(&lc->e->arena, v->n * sizeof(*kids));
	if (kids == NULL) {
		oom(lc);
		return NULL;
	}
	for (uint32_t i = 0; i < v->n; i++) {
		kids[i] = compile_value(lc, field, keyword, m, v->items[i], k->s);
		if (kids[i] == NULL)
			return NULL;
	}
	/* neq over a list means "none of these", not "differs from one". */
	if (m->neq && !m->all) {
		for (uint32_t i = 0; i < v->n; i++)
			kids[i] = kids[i]->kids[0];
		struct sx *any = sx_join(lc, SX_OR, kids, v->n);
		return any ? sx_not(lc, any) : NULL;
	}
	return sx_join(lc, m->all ? SX_AND : SX_OR, kids, v->n);
}

/* An item of an auditd rule: the record's field becomes the variant's
 * event field(s), ORed when there are two (comm); an item that only restates
 * the record type is true; a field with no counterpart fails the variant
 * with the reason (sigma_auditd.c). Keywords search the record's text. */
static struct sx *aud_item(struct lctx *lc, const struct yn *k, const struct yn *v,
			   const char *name, struct mods *m)
{
	uint16_t fields[2];
	struct sx *alt[2];
	int nf = 0;
	char why[256];
	bool keyword = name[0] == '\0';

	switch (sg_aud_field(lc->aud, name, fields, &nf, why, sizeof(why))) {
	case AUD_TRUE:
		return sx_new(lc, SX_TRUE, 0);
	case AUD_NOSRC:
		fail(lc, k->line, SIGMA_NO_SOURCE, "%s", why);
		return NULL;
	case AUD_UNSUPP:
		fail(lc, k->line, SIGMA_UNSUPPORTED, "%s", why);
		return NULL;
	default:
		break;
	}
	if (keyword && m->op == OP_EQ && !m->nx && !m->re && !m->cidr && !m->exists && m->cmp < 0 &&
	    !m->tpart && !m->fieldref && !m->neq) {
		m->op = OP_CONTAINS;
		keyword = false;
	}
	for (int i = 0; i < nf; i++) {
		alt[i] = compile_values(lc, k, v, fields[i], keyword, m);
		if (alt[i] == NULL)
			return NULL;
	}
	return sx_join(lc, SX_OR, alt, (uint32_t)nf);
}

static struct sx *compile_map(struct lctx *lc, const struct yn *map)
{
	struct sx **kids;

	if (map->n == 0) {
		fail(lc, map->line, SIGMA_ERROR, "empty search identifier map");
		return NULL;
	}
	if (lc->aud) {
		char why[256];
		int rc = sg_aud_map(lc->aud, map, why, sizeof(why));

		if (rc < 0) {
			fail(lc, map->line, SIGMA_UNSUPPORTED, "%s", why);
			return NULL;
		}
		if (rc == 0) /* its record type is never this event */
			return sx_new(lc, SX_FALSE, 0);
	}
	kids = sg_alloc(&lc->e->arena, map->n * sizeof(*kids));
	if (kids == NULL) {
		oom(lc);
		return NULL;
	}
	for (uint32_t i = 0; i < map->n; i++) {
		kids[i] = compile_item(lc, map->items[2 * i], map->items[2 * i + 1]);
		if (kids[i] == NULL)
			return NULL;
	}
	return sx_join(lc, SX_AND, kids, map->n);
}

static struct sx *compile_search(struct lctx *lc, const struct yn *v, const char *name)
{
	if (v->kind == YN_MAP)
		return compile_map(lc, v);
	if (v->kind == YN_SCALAR) {
		struct yn k = {.kind = YN_SCALAR, .s = "", .len = 0, .line = v->line};

		if (sg_yaml_is_null(v)) {
			fail(lc, v->line, SIGMA_ERROR, "search identifier '%s' is empty", name);
			return NULL;
		}
		return compile_item(lc, &k, v);
	}
	if (v->n == 0) {
		fail(lc, v->line, SIGMA_ERROR, "search identifier '%s' is an empty list", name);
		return NULL;
	}
	bool maps = v->items[0]->kind == YN_MAP;
	for (uint32_t i = 0; i < v->n; i++) {
		if ((v->items[i]->kind == YN_MAP) != maps || v->items[i]->kind == YN_SEQ) {
			fail(lc, v->items[i]->line, SIGMA_ERROR,
			     "search identifier '%s' mixes maps and values", name);
			return NULL;
		}
	}
	if (!maps) {
		struct yn k = {.kind = YN_SCALAR, .s = "", .len = 0, .line = v->line};

		return compile_item(lc, &k, v);
	}
	struct sx **kids = sg_alloc(&lc->e->arena, v->n * sizeof(*kids));
	if (kids == NULL) {
		oom(lc);
		return NULL;
	}
	for (uint32_t i = 0; i < v->n; i++) {
		kids[i] = compile_map(lc, v->items[i]);
		if (kids[i] == NULL)
			return NULL;
	}
	return sx_join(lc, SX_OR, kids, v->n);
}

/* ---- condition -------------------------------------------------------- */

struct cparse {
	struct lctx *lc;
	int line;
	const char *src;
	char tok[256];
	const char *p;
	bool have;
};

static int next_tok(struct cparse *c)
{
	const char *p = c->p;
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		c->tok[0] = '\0';
		c->p = p;
		return 0;
	}
	if (*p == '(' || *p == ')' || *p == '|') {
		c->tok[0] = *p;
		c->tok[1] = '\0';
		c->p = p + 1;
		return 0;
	}
	while (*p && !isspace((unsigned char)*p) && *p != '(' && *p != ')' && *p != '|') {
		if (n + 1 >= sizeof(c->tok))
			return fail(c->lc, c->line, SIGMA_ERROR, "condition token too long");
		c->tok[n++] = *p++;
	}
	c->tok[n] = '\0';
	c->p = p;
	return 0;
}

static struct sx *parse_or(struct cparse *c, int depth);

static struct sx *lookup_ident(struct cparse *c, const char *name)
{
	for (uint32_t i = 0; i < c->lc->nids; i++)
		if (strcmp(c->lc->names[i], name) == 0)
			return c->lc->exprs[i];
	fail(c->lc, c->line, SIGMA_ERROR, "condition names unknown search identifier '%s'", name);
	return NULL;
}

static struct sx *parse_quant(struct cparse *c, bool all)
{
	struct lctx *lc = c->lc;
	struct sx **kids;
	uint32_t n = 0;
	bool them;

	if (next_tok(c))
		return NULL;
	them = strcmp(c->tok, "them") == 0;
	kids = sg_alloc(&lc->e->arena, (lc->nids + 1) * sizeof(*kids));
	if (kids == NULL) {
		oom(lc);
		return NULL;
	}
	for (uint32_t i = 0; i < lc->nids; i++) {
		/* "them" leaves out identifiers starting with '_'. */
		if (them ? lc->names[i][0] != '_' : fnmatch(c->tok, lc->names[i], 0) == 0)
			kids[n++] = lc->exprs[i];
	}
	if (n == 0) {
		fail(lc, c->line, SIGMA_ERROR, "'%s of %s' matches no search identifier",
		     all ? "all" : "1", c->tok);
		return NULL;
	}
	if (next_tok(c))
		return NULL;
	return sx_join(lc, all ? SX_AND : SX_OR, kids, n);
}

static struct sx *parse_prim(struct cparse *c, int depth)
{
	struct sx *x;

	if (depth > 64) {
		fail(c->lc, c->line, SIGMA_ERROR, "condition nested too deeply");
		return NULL;
	}
	if (c->tok[0] == '\0') {
		fail(c->lc, c->line, SIGMA_ERROR, "condition '%s' ends early", c->src);
		return NULL;
	}
	if (strcmp(c->tok, "(") == 0) {
		if (next_tok(c))
			return NULL;
		x = parse_or(c, depth + 1);
		if (x == NULL)
			return NULL;
		if (strcmp(c->tok, ")") != 0) {
			fail(c->lc, c->line, SIGMA_ERROR, "missing ')' in condition '%s'", c->src);
			return NULL;
		}
		if (next_tok(c))
			return NULL;
		return x;
	}
	if (strcmp(c->tok, "|") == 0) {
		fail(c->lc, c->line, SIGMA_UNSUPPORTED,
		     "aggregation '|%s' in condition (Sigma v1; use a correlation rule)", c->p);
		return NULL;
	}
	if (strcmp(c->tok, ")") == 0 || strcmp(c->tok, "and") == 0 || strcmp(c->tok, "or") == 0) {
		fail(c->lc, c->line, SIGMA_ERROR, "unexpected '%s' in condition '%s'", c->tok,
		     c->src);
		return NULL;
	}
	if (strcmp(c->tok, "1") == 0 || strcmp(c->tok, "any") == 0 || strcmp(c->tok, "all") == 0) {
		bool all = strcmp(c->tok, "all") == 0;
		const char *save = c->p;
		char word[256];

		memcpy(word, c->tok, sizeof(word));
		if (next_tok(c))
			return NULL;
		if (strcmp(c->tok, "of") == 0)
			return parse_quant(c, all);
		/* an identifier that happens to be called "all" */
		c->p = save;
		memcpy(c->tok, word, sizeof(word));
	}
	x = lookup_ident(c, c->tok);
	if (x == NULL)
		return NULL;
	if (next_tok(c))
		return NULL;
	return x;
}

static struct sx *parse_not(struct cparse *c, int depth)
{
	if (strcmp(c->tok, "not") == 0) {
		struct sx *k;

		if (depth > 64) {
			fail(c->lc, c->line, SIGMA_ERROR, "condition nested too deeply");
			return NULL;
		}
		if (next_tok(c))
			return NULL;
		k = parse_not(c, depth + 1);
		return k ? sx_not(c->lc, k) : NULL;
	}
	return parse_prim(c, depth);
}

static struct sx *parse_binary(struct cparse *c, int depth, bool is_or)
{
	struct sx *kids[256];
	uint32_t n = 0;
	const char *op = is_or ? "or" : "and";

	for (;;) {
		struct sx *k = is_or ? parse_binary(c, depth, false) : parse_not(c, depth);

		if (k == NULL)
			return NULL;
		if (n == 256) {
			fail(c->lc, c->line, SIGMA_UNSUPPORTED, "more than 256 '%s' terms", op);
			return NULL;
		}
		kids[n++] = k;
		if (strcmp(c->tok, op) != 0)
			break;
		if (next_tok(c))
			return NULL;
	}
	return sx_join(c->lc, is_or ? SX_OR : SX_AND, kids, n);
}

static struct sx *parse_or(struct cparse *c, int depth)
{
	return parse_binary(c, depth, true);
}

static struct sx *parse_condition(struct lctx *lc, const struct yn *v)
{
	struct cparse c = {.lc = lc, .line = v->line, .src = v->s, .p = v->s};
	struct sx *x;

	if (next_tok(&c))
		return NULL;
	x = parse_or(&c, 0);
	if (x == NULL)
		return NULL;
	if (c.tok[0] == '|') {
		fail(lc, v->line, SIGMA_UNSUPPORTED,
		     "aggregation '|%s' in condition (Sigma v1; use a correlation rule)", c.p);
		return NULL;
	}
	if (c.tok[0] != '\0') {
		fail(lc, v->line, SIGMA_ERROR, "unexpected '%s' in condition '%s'", c.tok, v->s);
		return NULL;
	}
	return x;
}

/* ---- rule ------------------------------------------------------------- */

static const char *scalar(const struct yn *m, const char *key)
{
	const struct yn *v = sg_yaml_get(m, key);

	return v && v->kind == YN_SCALAR && !sg_yaml_is_null(v) ? v->s : NULL;
}

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
	const char *title = scalar(doc, "title");
	const struct yn *tags = sg_yaml_get(doc, "tags");

	r->info.title = sg_strdup(a, title ? title : "");
	r->info.id = sg_strdup(a, scalar(doc, "id") ? scalar(doc, "id") : "");
	r->info.level = sg_strdup(a, scalar(doc, "level") ? scalar(doc, "level") : "");
	r->name = scalar(doc, "name") ? sg_strdup(a, scalar(doc, "name")) : NULL;
	if (r->info.title == NULL || r->info.id == NULL || r->info.level == NULL)
		return oom(lc);
	if (title == NULL)
		return fail(lc, doc->line, SIGMA_ERROR, "rule has no title");
	r->info.tags = join_list(a, tags, ",");
	r->info.status = sg_strdup(a, scalar(doc, "status") ? scalar(doc, "status") : "");
	r->info.fields = join_list(a, sg_yaml_get(doc, "fields"), ",");
	r->info.falsepositives = join_list(a, sg_yaml_get(doc, "falsepositives"), "; ");
	if (r->info.tags == NULL || r->info.status == NULL || r->info.fields == NULL ||
	    r->info.falsepositives == NULL)
		return oom(lc);
	return 0;
}

static uint64_t parse_timespan(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mul;

	if (end == s || v == 0 || v > 1000000)
		return 0;
	switch (*end) {
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	case 'M':
		mul = 30 * 86400;
		break;
	case 'y':
		mul = 365 * 86400;
		break;
	default:
		return 0;
	}
	if (end[1] != '\0')
		return 0;
	return v * mul * 1000000000ull;
}

static int parse_corr_cond(struct lctx *lc, const struct yn *cond, struct sg_corr *c)
{
	static const struct {
		const char *name;
		uint8_t op;
	} ops[] = {{"gt", OP_GT}, {"gte", OP_GTE}, {"lt", OP_LT}, {"lte", OP_LTE}, {"eq", OP_EQ}};
	int nops = 0;

	if (cond == NULL) {
		if (c->type == CORR_TEMPORAL || c->type == CORR_TEMPORAL_ORDERED) {
			c->cond_op = OP_GTE;
			c->cond_val = c->nrefs;
			return 0;
		}
		return fail(lc, lc->r->info.line, SIGMA_ERROR, "correlation has no condition");
	}
	if (cond->kind != YN_MAP)
		return fail(lc, cond->line, SIGMA_ERROR, "correlation condition must be a map");
	for (uint32_t i = 0; i < cond->n; i++) {
		const struct yn *k = cond->items[2 * i], *v = cond->items[2 * i + 1];
		bool found = false;

		if (k->kind != YN_SCALAR || v->kind != YN_SCALAR)
			return fail(lc, k->line, SIGMA_ERROR, "bad correlation condition");
		if (strcmp(k->s, "field") == 0) {
			c->value_field_name = sg_strdup(&lc->e->arena, v->s);
			continue;
		}
		for (size_t j = 0; j < sizeof(ops) / sizeof(ops[0]); j++) {
			char *end;
			long long n;

			if (strcmp(k->s, ops[j].name) != 0)
				continue;
			n = strtoll(v->s, &end, 10);
			if (v->len == 0 || *end != '\0')
				return fail(lc, v->line, SIGMA_ERROR,
					    "correlation condition '%s' needs an integer", k->s);
			if (nops == 0) {
				c->cond_op = ops[j].op;
				c->cond_val = n;
			} else if (nops == 1) {
				c->cond_op2 = ops[j].op;
				c->cond_val2 = n;
				c->has_op2 = true;
			} else {
				return fail(lc, k->line, SIGMA_UNSUPPORTED,
					    "more than two correlation condition operators");
			}
			nops++;
			found = true;
		}
		if (!found)
			return fail(lc, k->line, SIGMA_UNSUPPORTED, "correlation condition '%s'",
				    k->s);
	}
	if (nops == 0)
		return fail(lc, cond->line, SIGMA_ERROR, "correlation condition has no operator");
	if (c->type == CORR_VALUE_COUNT && c->value_field_name == NULL)
		return fail(lc, cond->line, SIGMA_ERROR, "value_count condition needs 'field'");
	return 0;
}

static int load_correlation(struct lctx *lc, const struct yn *cy)
{
	struct sg_arena *a = &lc->e->arena;
	struct sg_corr *c = sg_alloc(a, sizeof(*c));
	const char *type = scalar(cy, "type");
	const struct yn *rules = sg_yaml_get(cy, "rules");
	const struct yn *gb = sg_yaml_get(cy, "group-by");
	const struct yn *al = sg_yaml_get(cy, "aliases");
	const char *ts = scalar(cy, "timespan");
	const struct yn *gen = sg_yaml_get(cy, "generate");

	if (c == NULL)
		return oom(lc);
	lc->r->corr = c;
	lc->r->info.correlation = true;
	c->rule = lc->r;
	if (cy->kind != YN_MAP)
		return fail(lc, cy->line, SIGMA_ERROR, "correlation must be a map");
	if (type == NULL)
		return fail(lc, cy->line, SIGMA_ERROR, "correlation has no type");
	if (strcmp(type, "event_count") == 0)
		c->type = CORR_EVENT_COUNT;
	else if (strcmp(type, "value_count") == 0)
		c->type = CORR_VALUE_COUNT;
	else if (strcmp(type, "temporal") == 0)
		c->type = CORR_TEMPORAL;
	else if (strcmp(type, "temporal_ordered") == 0)
		c->type = CORR_TEMPORAL_ORDERED;
	else
		return fail(lc, sg_yaml_get(cy, "type")->line, SIGMA_UNSUPPORTED,
			    "correlation type '%s'", type);
	if (rules == NULL)
		return fail(lc, cy->line, SIGMA_ERROR, "correlation has no rules");
	if (rules->kind == YN_SCALAR) {
		c->refs = sg_alloc(a, sizeof(char *));
		if (c->refs == NULL)
			return oom(lc);
		c->refs[0] = rules->s;
		c->nrefs = 1;
	} else if (rules->kind == YN_SEQ && rules->n > 0 && rules->n <= 64) {
		c->refs = sg_alloc(a, rules->n * sizeof(char *));
		if (c->refs == NULL)
			return oom(lc);
		for (uint32_t i = 0; i < rules->n; i++) {
			if (rules->items[i]->kind != YN_SCALAR)
				return fail(lc, rules->items[i]->line, SIGMA_ERROR,
					    "correlation rule reference must be a scalar");
			c->refs[i] = rules->items[i]->s;
		}
		c->nrefs = rules->n;
	} else {
		return fail(lc, rules->line, SIGMA_ERROR, "correlation rules must be 1..64 names");
	}
	if (ts == NULL)
		return fail(lc, cy->line, SIGMA_ERROR, "correlation has no timespan");
	c->timespan_ns = parse_timespan(ts);
	if (c->timespan_ns == 0)
		return fail(lc, sg_yaml_get(cy, "timespan")->line, SIGMA_ERROR,
			    "invalid timespan '%s'", ts);
	if (gb) {
		const struct yn *const *items =
		    gb->kind == YN_SEQ ? (const struct yn *const *)gb->items : &gb;
		uint32_t n = gb->kind == YN_SEQ ? gb->n : 1;

		if (n > 16)
			return fail(lc, gb->line, SIGMA_UNSUPPORTED,
				    "more than 16 group-by fields");
		c->group_names = sg_alloc(a, (n + 1) * sizeof(char *));
		if (c->group_names == NULL)
			return oom(lc);
		for (uint32_t i = 0; i < n; i++) {
			if (items[i]->kind != YN_SCALAR)
				return fail(lc, items[i]->line, SIGMA_ERROR, "bad group-by field");
			c->group_names[i] = items[i]->s;
		}
		c->ngroup = n;
	}
	if (al) {
		if (al->kind != YN_MAP)
			return fail(lc, al->line, SIGMA_ERROR, "aliases must be a map");
		c->nalias = al->n;
		c->alias_names = sg_alloc(a, (al->n + 1) * sizeof(char *));
		c->alias_fields = sg_alloc(a, (al->n + 1) * sizeof(char **));
		if (c->alias_names == NULL || c->alias_fields == NULL)
			return oom(lc);
		for (uint32_t i = 0; i < al->n; i++) {
			const struct yn *k = al->items[2 * i], *m = al->items[2 * i + 1];

			if (k->kind != YN_SCALAR || m->kind != YN_MAP)
				return fail(lc, k->line, SIGMA_ERROR,
					    "alias must map rule names to fields");
			c->alias_names[i] = k->s;
			c->alias_fields[i] = sg_alloc(a, (c->nrefs + 1) * sizeof(char *));
			if (c->alias_fields[i] == NULL)
				return oom(lc);
			for (uint32_t j = 0; j < m->n; j++) {
				const struct yn *rk = m->items[2 * j], *fv = m->items[2 * j + 1];
				uint32_t b;

				for (b = 0; b < c->nrefs; b++)
					if (rk->kind == YN_SCALAR && strcmp(rk->s, c->refs[b]) == 0)
						break;
				if (b == c->nrefs || fv->kind != YN_SCALAR)
					return fail(lc, rk->line, SIGMA_ERROR,
						    "alias '%s' names a rule the correlation does "
						    "not use",
						    k->s);
				c->alias_fields[i][b] = fv->s;
			}
		}
	}
	c->generate = false;
	if (gen && !parse_bool(gen, &c->generate))
		return fail(lc, gen->line, SIGMA_ERROR, "generate must be true or false");
	return parse_corr_cond(lc, sg_yaml_get(cy, "condition"), c);
}

static int route(struct lctx *lc, const struct yn *doc)
{
	const struct yn *ls = sg_yaml_get(doc, "logsource");
	const char *product, *category, *service;
	char buf[256];

	if (ls == NULL || ls->kind != YN_MAP)
		return fail(lc, doc->line, SIGMA_ERROR, "rule has no logsource");
	product = scalar(ls, "product");
	category = scalar(ls, "category");
	service = scalar(ls, "service");
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
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].category, category) == 0) {
			lc->r->event_id = routes[i].id;
			lc->def = schema__event(routes[i].id);
			return 0;
		}
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
		return fail(lc, doc->line, SIGMA_ERROR, "rule has no detection map");
	if (sg_yaml_get(det, "timeframe"))
		return fail(lc, sg_yaml_get(det, "timeframe")->line, SIGMA_UNSUPPORTED,
			    "timeframe (Sigma v1 aggregation; use a correlation rule)");
	cond = sg_yaml_get(det, "condition");
	if (cond == NULL)
		return fail(lc, det->line, SIGMA_ERROR, "detection has no condition");
	lc->names = sg_alloc(a, (det->n + 1) * sizeof(char *));
	lc->exprs = sg_alloc(a, (det->n + 1) * sizeof(struct sx *));
	if (lc->names == NULL || lc->exprs == NULL)
		return oom(lc);
	for (uint32_t i = 0; i < det->n; i++) {
		const struct yn *k = det->items[2 * i], *v = det->items[2 * i + 1];
		struct sx *x;

		if (k->kind != YN_SCALAR)
			return fail(lc, k->line, SIGMA_ERROR, "search identifier must be a name");
		if (strcmp(k->s, "condition") == 0)
			continue;
		x = compile_search(lc, v, k->s);
		if (x == NULL)
			return -1;
		lc->names[lc->nids] = k->s;
		lc->exprs[lc->nids++] = x;
	}
	if (cond->kind == YN_SCALAR) {
		lc->r->cond = parse_condition(lc, cond);
	} else if (cond->kind == YN_SEQ && cond->n > 0) {
		struct sx **kids = sg_alloc(a, cond->n * sizeof(*kids));

		if (kids == NULL)
			return oom(lc);
		for (uint32_t i = 0; i < cond->n; i++) {
			if (cond->items[i]->kind != YN_SCALAR)
				return fail(lc, cond->items[i]->line, SIGMA_ERROR,
					    "condition must be a string");
			kids[i] = parse_condition(lc, cond->items[i]);
			if (kids[i] == NULL)
				return -1;
		}
		lc->r->cond = sx_join(lc, SX_OR, kids, cond->n);
	} else {
		return fail(lc, cond->line, SIGMA_ERROR, "condition must be a string or a list");
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

/* Forgets a failed compilation of r: its atoms, condition and verdict. */
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
				oom(lc);
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
		oom(lc);
}

static void load_doc(struct sigma_engine *e, const struct yn *doc, const char *file)
{
	struct sg_rule *r = new_rule(e, file, doc->line);
	struct lctx lc = {.e = e, .r = r};
	uint32_t atoms_before = e->natoms;

	if (r == NULL)
		return;
	if (doc->kind != YN_MAP) {
		fail(&lc, doc->line, SIGMA_ERROR, "document is not a map");
		return;
	}
	if (load_meta(&lc, doc))
		return;
	if (sg_yaml_get(doc, "correlation")) {
		load_correlation(&lc, sg_yaml_get(doc, "correlation"));
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
		for (uint32_t i = atoms_before; i < e->natoms; i++)
			if (e->atoms[i].re)
				pcre2_code_free(e->atoms[i].re);
		e->natoms = atoms_before;
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
