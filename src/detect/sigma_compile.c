/*
 * sigma_compile.c — a Sigma search identifier to an expression over atoms.
 *
 * A map is the AND of its field items, a list of maps the OR of those, a
 * list of plain values a keyword search. A field item
 * `Field|mod|mod: values` becomes the OR (AND with `all`) over its values,
 * and each value, after the modifiers that rewrite values (expand, utf16*,
 * base64*, windash) ran in the order written, becomes one atom per variant.
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
#include "detect/sigma_load.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARIANTS 1024

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
			return sg_fail(lc, line, SIGMA_UNSUPPORTED, "modifier '%s' in '%s'", s,
				       key);
		if (op >= 0) {
			if (m->op != OP_EQ)
				return sg_fail(lc, line, SIGMA_UNSUPPORTED,
					       "conflicting modifiers '%s' in '%s'", s, key);
			m->op = op;
		}
		if (cmp >= 0) {
			if (m->cmp >= 0)
				return sg_fail(lc, line, SIGMA_UNSUPPORTED,
					       "conflicting modifiers '%s' in '%s'", s, key);
			m->cmp = cmp;
		}
		if (xf >= 0) {
			if (m->nx == 8)
				return sg_fail(lc, line, SIGMA_UNSUPPORTED,
					       "too many modifiers in '%s'", key);
			m->xf[m->nx++] = (enum xform)xf;
		}
	}
	/* Modifiers that replace the value comparison cannot be combined
	 * with each other or with value rewriting. */
	int special = m->re + m->cidr + m->exists + (m->cmp >= 0 && !m->tpart) + (m->tpart != 0);
	if (special > 1 || (special && (m->nx || m->op != OP_EQ)))
		return sg_fail(lc, line, SIGMA_UNSUPPORTED, "modifier combination in '%s'", key);
	if (m->fieldref && (special || m->nx))
		return sg_fail(lc, line, SIGMA_UNSUPPORTED, "modifier combination in '%s'", key);
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
		return sg_fail(lc, line, SIGMA_UNSUPPORTED,
			       "unterminated placeholder in expand value");
	struct sg_placeholder *p = find_placeholder(lc->e, (const char *)in->b + i + 1, j - i - 1);
	if (p == NULL)
		return sg_fail(lc, line, SIGMA_UNSUPPORTED,
			       "placeholder '%.*s' has no value (no placeholder file entry)",
			       (int)(j - i - 1), (const char *)in->b + i + 1);
	for (uint32_t k = 0; k < p->nvals; k++) {
		struct sv mid, t;
		size_t vl = strlen(p->vals[k]);

		if (sv_from_sigma(a, p->vals[k], vl, &mid))
			return sg_oom(lc);
		if (sv_from_bytes(a, in->b, i + mid.n + (in->n - j - 1), &t))
			return sg_oom(lc);
		memcpy(t.w, in->w, i);
		memcpy(t.b + i, mid.b, mid.n);
		memcpy(t.w + i, mid.w, mid.n);
		memcpy(t.b + i + mid.n, in->b + j + 1, in->n - j - 1);
		memcpy(t.w + i + mid.n, in->w + j + 1, in->n - j - 1);
		if (out->n >= MAX_VARIANTS)
			return sg_fail(lc, line, SIGMA_UNSUPPORTED, "expand makes too many values");
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
		return sg_oom(lc);
	for (int i = 0; i < l->n; i++) {
		struct sv *in = &l->v[i];

		if (xf != XF_EXPAND && xf != XF_WINDASH && sv_has_wild(in))
			return sg_fail(lc, line, SIGMA_UNSUPPORTED,
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
				return sg_fail(lc, line, SIGMA_ERROR,
					       "utf16 of a value not in UTF-8");
			if (rc)
				return sg_oom(lc);
			out.n++;
			break;
		}
		case XF_BASE64:
			if (sv_base64(a, in, &out.v[out.n++]))
				return sg_oom(lc);
			break;
		case XF_BASE64OFF:
			if (out.n + 3 > MAX_VARIANTS)
				return sg_fail(lc, line, SIGMA_UNSUPPORTED,
					       "too many value variants");
			if (sv_base64offset(a, in, &out.v[out.n]))
				return sg_oom(lc);
			out.n += 3;
			break;
		case XF_WINDASH: {
			int rc = sv_windash(a, in, &out.v[out.n], MAX_VARIANTS - out.n);

			if (rc == -E2BIG)
				return sg_fail(lc, line, SIGMA_UNSUPPORTED,
					       "windash makes too many variants");
			if (rc < 0)
				return sg_oom(lc);
			out.n += rc;
			break;
		}
		}
		if (out.n >= MAX_VARIANTS)
			return sg_fail(lc, line, SIGMA_UNSUPPORTED, "too many value variants");
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
		return sg_fail(lc, line, SIGMA_UNSUPPORTED, "unknown field '%s'", name);
	if (!is_common_field(f) && !schema__event_has_field(lc->def, f))
		return sg_fail(lc, line, SIGMA_UNSUPPORTED, "field '%s' is not in event %u (%s)",
			       name, lc->def->id, lc->def->name);
	*out = (uint16_t)f;
	return 0;
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
		return sg_fail(lc, line, SIGMA_ERROR,
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
		sg_fail(lc, v->line, SIGMA_ERROR,
			"value of '%s' must be a scalar or a list of scalars", key);
		return NULL;
	}
	if (keyword && (m->re || m->cidr || m->exists || m->cmp >= 0 || m->fieldref || m->neq ||
			m->tpart || m->op != OP_EQ)) {
		sg_fail(lc, v->line, SIGMA_UNSUPPORTED, "modifier on a keyword search in '%s'",
			key);
		return NULL;
	}
	if (sg_yaml_is_null(v)) {
		if (m->nx || m->op != OP_EQ || m->re || m->cidr || m->cmp >= 0 || m->exists ||
		    m->tpart || m->fieldref || keyword) {
			sg_fail(lc, v->line, SIGMA_UNSUPPORTED, "null value with modifiers in '%s'",
				key);
			return NULL;
		}
		at.kind = SA_NULL;
		x = sg_sx_atom(lc, &at);
		goto out;
	}
	if (m->exists) {
		bool b;

		if (!sg_yaml_bool(v, &b)) {
			sg_fail(lc, v->line, SIGMA_ERROR, "exists needs true or false in '%s'",
				key);
			return NULL;
		}
		at.kind = SA_EXISTS;
		at.want = b;
		x = sg_sx_atom(lc, &at);
		goto out;
	}
	if (m->cmp >= 0 || m->tpart) {
		char *end;

		at.num = strtod(v->s, &end);
		if (v->len == 0 || *end != '\0' || isnan(at.num)) {
			sg_fail(lc, v->line, SIGMA_ERROR, "'%s' needs a number, not '%s'", key,
				v->s);
			return NULL;
		}
		at.kind = m->tpart ? SA_TIME : SA_NUM;
		at.op = (uint8_t)(m->cmp >= 0 ? m->cmp : OP_EQ);
		at.tpart = (uint8_t)m->tpart;
		x = sg_sx_atom(lc, &at);
		goto out;
	}
	if (m->cidr) {
		if (sg_parse_cidr(v->s, &at)) {
			sg_fail(lc, v->line, SIGMA_ERROR, "invalid CIDR '%s' in '%s'", v->s, key);
			return NULL;
		}
		at.kind = SA_CIDR;
		x = sg_sx_atom(lc, &at);
		goto out;
	}
	if (m->fieldref) {
		if (lookup_field(lc, v->line, v->s, &at.ref))
			return NULL;
		at.kind = SA_FIELDREF;
		at.op = (uint8_t)m->op;
		x = sg_sx_atom(lc, &at);
		goto out;
	}
	if (m->re) {
		at.kind = SA_HS;
		at.pat = sg_strndup(a, v->s, v->len);
		at.patlen = v->len;
		if (at.pat == NULL) {
			sg_oom(lc);
			return NULL;
		}
		at.hs_flags = (m->re_i ? HS_FLAG_CASELESS : 0) | (m->re_m ? HS_FLAG_MULTILINE : 0) |
			      (m->re_s ? HS_FLAG_DOTALL : 0);
		at.cased = !m->re_i;
		if (strlen(at.pat) != at.patlen) {
			sg_fail(lc, v->line, SIGMA_UNSUPPORTED, "NUL byte in regular expression");
			return NULL;
		}
		if (check_regex(lc, v->line, &at))
			return NULL;
		x = sg_sx_atom(lc, &at);
		goto out;
	}

	/* Plain strings: wildcards, then the value-rewriting modifiers. */
	struct svlist l = {.v = sg_alloc(a, sizeof(struct sv)), .n = 1};
	if (l.v == NULL || sv_from_sigma(a, v->s, v->len, &l.v[0])) {
		sg_oom(lc);
		return NULL;
	}
	for (int i = 0; i < m->nx; i++)
		if (apply_xform(lc, v->line, m->xf[i], &l))
			return NULL;
	struct sx **kids = sg_alloc(a, (size_t)(l.n ? l.n : 1) * sizeof(*kids));
	if (kids == NULL) {
		sg_oom(lc);
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
			sg_oom(lc);
			return NULL;
		}
		kids[i] = sg_sx_atom(lc, &t);
		if (kids[i] == NULL) {
			sg_oom(lc);
			return NULL;
		}
	}
	if (l.n == 0) {
		x = sg_sx_new(lc, SX_FALSE, 0);
		goto out;
	}
	x = sg_sx_join(lc, SX_OR, kids, (uint32_t)l.n);
out:
	if (x == NULL) {
		sg_oom(lc);
		return NULL;
	}
	return m->neq ? sg_sx_not(lc, x) : x;
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
		sg_fail(lc, k->line, SIGMA_ERROR, "field name must be a scalar");
		return NULL;
	}
	key = sg_strndup(&lc->e->arena, k->s, k->len);
	if (key == NULL) {
		sg_oom(lc);
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
		sg_fail(lc, k->line, SIGMA_UNSUPPORTED, "too many modifiers in '%s'", k->s);
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
		sg_fail(lc, v->line, SIGMA_ERROR, "value of '%s' must be a scalar or a list", k->s);
		return NULL;
	}
	if (v->kind == YN_SCALAR)
		return compile_value(lc, field, keyword, m, v, k->s);
	if (v->n == 0) {
		sg_fail(lc, v->line, SIGMA_ERROR, "empty value list for '%s'", k->s);
		return NULL;
	}
	struct sx **kids = sg_alloc(&lc->e->arena, v->n * sizeof(*kids));
	if (kids == NULL) {
		sg_oom(lc);
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
		struct sx *any = sg_sx_join(lc, SX_OR, kids, v->n);
		return any ? sg_sx_not(lc, any) : NULL;
	}
	return sg_sx_join(lc, m->all ? SX_AND : SX_OR, kids, v->n);
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
		return sg_sx_new(lc, SX_TRUE, 0);
	case AUD_NOSRC:
		sg_fail(lc, k->line, SIGMA_NO_SOURCE, "%s", why);
		return NULL;
	case AUD_UNSUPP:
		sg_fail(lc, k->line, SIGMA_UNSUPPORTED, "%s", why);
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
	return sg_sx_join(lc, SX_OR, alt, (uint32_t)nf);
}

static struct sx *compile_map(struct lctx *lc, const struct yn *map)
{
	struct sx **kids;

	if (map->n == 0) {
		sg_fail(lc, map->line, SIGMA_ERROR, "empty search identifier map");
		return NULL;
	}
	if (lc->aud) {
		char why[256];
		int rc = sg_aud_map(lc->aud, map, why, sizeof(why));

		if (rc < 0) {
			sg_fail(lc, map->line, SIGMA_UNSUPPORTED, "%s", why);
			return NULL;
		}
		if (rc == 0) /* its record type is never this event */
			return sg_sx_new(lc, SX_FALSE, 0);
	}
	kids = sg_alloc(&lc->e->arena, map->n * sizeof(*kids));
	if (kids == NULL) {
		sg_oom(lc);
		return NULL;
	}
	for (uint32_t i = 0; i < map->n; i++) {
		kids[i] = compile_item(lc, map->items[2 * i], map->items[2 * i + 1]);
		if (kids[i] == NULL)
			return NULL;
	}
	return sg_sx_join(lc, SX_AND, kids, map->n);
}

struct sx *sg_compile_search(struct lctx *lc, const struct yn *v, const char *name)
{
	if (v->kind == YN_MAP)
		return compile_map(lc, v);
	if (v->kind == YN_SCALAR) {
		struct yn k = {.kind = YN_SCALAR, .s = "", .len = 0, .line = v->line};

		if (sg_yaml_is_null(v)) {
			sg_fail(lc, v->line, SIGMA_ERROR, "search identifier '%s' is empty", name);
			return NULL;
		}
		return compile_item(lc, &k, v);
	}
	if (v->n == 0) {
		sg_fail(lc, v->line, SIGMA_ERROR, "search identifier '%s' is an empty list", name);
		return NULL;
	}
	bool maps = v->items[0]->kind == YN_MAP;
	for (uint32_t i = 0; i < v->n; i++) {
		if ((v->items[i]->kind == YN_MAP) != maps || v->items[i]->kind == YN_SEQ) {
			sg_fail(lc, v->items[i]->line, SIGMA_ERROR,
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
		sg_oom(lc);
		return NULL;
	}
	for (uint32_t i = 0; i < v->n; i++) {
		kids[i] = compile_map(lc, v->items[i]);
		if (kids[i] == NULL)
			return NULL;
	}
	return sg_sx_join(lc, SX_OR, kids, v->n);
}
