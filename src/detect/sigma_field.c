/*
 * sigma_field.c — one Sigma atom against one record, read directly.
 *
 * The matcher (sigma_match.c) scans the eager atoms (Hyperscan patterns,
 * hashed equalities) once per field; the rest — numbers, time parts, CIDR,
 * field references, PCRE, `exists`, `null` — are evaluated here, when a
 * rule's condition reaches them. sg_field, the one way to read a field of a
 * record (including those that live outside its value array), is also what
 * the correlations (sigma_corr.c) read their group-by and value fields with.
 */
#include "detect/sigma_auditd.h"
#include "detect/sigma_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *sg_field(const struct vrec *rec, unsigned f, size_t *len, char *buf)
{
	int n;

	switch (f) {
	case VF_EventID:
		n = snprintf(buf, 24, "%u", rec->def ? rec->def->id : 0u);
		*len = (size_t)n;
		return buf;
	case VF_Event:
		if (rec->def == NULL)
			return NULL;
		*len = strlen(rec->def->name);
		return rec->def->name;
	case VF_SequenceNumber:
		n = snprintf(buf, 24, "%llu", (unsigned long long)rec->seq);
		*len = (size_t)n;
		return buf;
	case VF_Computer:
		if (rec->computer) {
			*len = strlen(rec->computer);
			return rec->computer;
		}
		return vrec__get(rec, VF_Computer, len);
	default:
		if (f >= SG_VF_ARG0) /* an auditd rule's virtual field */
			return sg_aud_vfield(rec, f, len, buf);
		return vrec__get(rec, (enum vf_id)f, len);
	}
}

static bool absent(const char *v, size_t len)
{
	/* Sinks print absent values as "-": a record replayed from JSON has
	 * "-" where the original had nothing. */
	return v == NULL || len == 0 || (len == 1 && v[0] == '-');
}

static bool num_cmp(double v, int op, double ref)
{
	switch (op) {
	case OP_EQ:
		return v == ref;
	case OP_LT:
		return v < ref;
	case OP_LTE:
		return v <= ref;
	case OP_GT:
		return v > ref;
	case OP_GTE:
		return v >= ref;
	default:
		return false;
	}
}

static bool contains(const char *v, size_t vl, const char *r, size_t rl, bool cased)
{
	uint8_t c0;

	if (rl == 0)
		return true;
	if (cased)
		return memmem(v, vl, r, rl) != NULL;
	c0 = sg_fold((uint8_t)r[0]);
	for (size_t i = 0; i + rl <= vl; i++)
		if (sg_fold((uint8_t)v[i]) == c0 && sg_eq_fold(v + i + 1, r + 1, rl - 1))
			return true;
	return false;
}

static bool str_op(const char *v, size_t vl, const char *r, size_t rl, int op, bool cased)
{
	if (rl > vl || (op == OP_EQ && rl != vl))
		return false;
	switch (op) {
	case OP_EQ:
	case OP_STARTS:
		return cased ? memcmp(v, r, rl) == 0 : sg_eq_fold(v, r, rl);
	case OP_ENDS:
		return cased ? memcmp(v + vl - rl, r, rl) == 0 : sg_eq_fold(v + vl - rl, r, rl);
	case OP_CONTAINS:
		return contains(v, vl, r, rl, cased);
	default:
		return false;
	}
}

/* Time modifiers: the date in v ("YYYY-MM-DD HH:MM:SS[.mmm]", or with a 'T')
 * reduced to one part and compared. Week is the ISO 8601 week. */
static bool time_part(const char *v, size_t len, const struct sa *a)
{
	char buf[40], wk[8];
	struct tm tm = {0};
	double part;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (strptime(buf, "%Y-%m-%d %H:%M:%S", &tm) == NULL &&
	    strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return false;
	switch (a->tpart) {
	case TP_MINUTE:
		part = tm.tm_min;
		break;
	case TP_HOUR:
		part = tm.tm_hour;
		break;
	case TP_DAY:
		part = tm.tm_mday;
		break;
	case TP_WEEK:
		/* strptime leaves the weekday unset: normalise first */
		tm.tm_isdst = 0;
		if (timegm(&tm) == (time_t)-1)
			return false;
		strftime(wk, sizeof(wk), "%V", &tm);
		part = atoi(wk);
		break;
	case TP_MONTH:
		part = tm.tm_mon + 1;
		break;
	default:
		part = tm.tm_year + 1900;
		break;
	}
	return num_cmp(part, a->op, a->num);
}

/* A keyword: any value of the event contains the literal. */
static bool any_field_has(const struct sa *a, const struct vrec *rec)
{
	for (unsigned i = 0; i < rec->nset; i++) {
		const struct vrec_val *v = &rec->v[rec->set[i]];

		if (v->s && contains(v->s, v->len, a->lit, a->litlen, a->cased))
			return true;
	}
	for (unsigned i = 0; i < rec->ndyn; i++)
		if (contains(rec->dyn[i].val.s, rec->dyn[i].val.len, a->lit, a->litlen, a->cased))
			return true;
	return false;
}

/* Out of line (it is also in another file than its caller): its buffers
 * would otherwise give every eval frame a stack protector and a large
 * frame. */
__attribute__((noinline)) bool sg_atom_eval(const struct sa *a, const struct vrec *rec,
					    pcre2_match_data *md)
{
	char buf[24], nb[64];
	size_t len = 0;
	const char *v;

	if (a->kind == SA_EXISTS && a->field == VF_NONE)
		return rec->nset > 0 || rec->ndyn > 0;
	v = sg_field(rec, a->field, &len, buf);
	switch (a->kind) {
	case SA_EXISTS:
		/* presence, not value: an empty value exists; "-" is how an
		 * absent one is written */
		return (v != NULL && !(len == 1 && v[0] == '-')) == a->want;
	case SA_TIME:
		return !absent(v, len) && time_part(v, len, a);
	case SA_NULL:
		return absent(v, len);
	case SA_NUM: {
		char *end;
		double d;

		if (absent(v, len) || len >= sizeof(nb))
			return false;
		memcpy(nb, v, len);
		nb[len] = '\0';
		d = strtod(nb, &end);
		return *end == '\0' && num_cmp(d, a->op, a->num);
	}
	case SA_CIDR:
		return !absent(v, len) && sg_cidr_match(a, v, len);
	case SA_FIELDREF: {
		char buf2[24];
		size_t rl = 0;
		const char *r = sg_field(rec, a->ref, &rl, buf2);

		if (v == NULL || r == NULL)
			return false;
		return str_op(v, len, r, rl, a->op, a->cased);
	}
	case SA_LIT:
		if (a->field == VF_NONE)
			return any_field_has(a, rec);
		return v != NULL && str_op(v, len, a->lit, a->litlen, a->lop, a->cased);
	case SA_PCRE:
		if (v == NULL || a->re == NULL)
			return false;
		return pcre2_match(a->re, (PCRE2_SPTR)v, len, 0, 0, md, NULL) >= 0;
	default:
		return false;
	}
}
