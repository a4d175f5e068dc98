/*
 * parse_caps.c — vigil's <VigilCaps> section of the Sysmon XML config into
 * struct caps (caps_int.h), which caps.c runs: GlobalCap, LocalCap and
 * Aggregate elements, each checked here (unknown attributes, fields the
 * event lacks, conflicting caps) so `vigil validate` reports it with
 * file:line like every other config error. The queries of the parsed
 * section (caps__count, caps__max_keys, caps__applies) are at the end.
 */
#include "rules/caps_int.h"
#include "rules/parse_int.h"

#include "common/duration.h"

#include <stdio.h>
#include <string.h>

/* Reads duration attribute an of n into *out; dflt when absent (0: the
 * attribute is required). */
/* The longest duration a cap takes: ten years. */
#define CAPS_MAX_DURATION_NS (3650 * 86400 * NSEC_PER_SEC)

static int cap_duration(struct pctx *p, const xmlNode *n, const char *an, uint64_t dflt,
			uint64_t *out)
{
	static const struct duration_unit units[] = {
	    {"ms", NSEC_PER_MSEC},	{"s", NSEC_PER_SEC},	     {"m", 60 * NSEC_PER_SEC},
	    {"h", 3600 * NSEC_PER_SEC}, {"d", 86400 * NSEC_PER_SEC},
	};
	char *v = px_attr(n, an);
	int rc = 0;

	if (v == NULL) {
		if (dflt == 0)
			return px_err(p, n, "<%s> needs a %s attribute", px_name(n), an);
		*out = dflt;
		return 0;
	}
	if (duration__parse(px_trim(v), units, ARRAY_LEN(units), 1, CAPS_MAX_DURATION_NS, out) < 0)
		rc = px_err(p, n,
			    "bad duration \"%s\" for %s (a whole number followed by ms, s, m, h "
			    "or d, at most 3650d)",
			    v, an);
	xmlFree(v);
	return rc;
}

/* Reads integer attribute an of n, required, within [lo, hi]. */
static int cap_uint(struct pctx *p, const xmlNode *n, const char *an, int64_t lo, int64_t hi,
		    uint64_t *out)
{
	char *v = px_attr(n, an);
	int64_t x;
	int rc = 0;

	if (v == NULL)
		return px_err(p, n, "<%s> needs a %s attribute", px_name(n), an);
	if (!px_i64(v, &x) || x < lo || x > hi)
		rc = px_err(p, n, "%s must be a whole number from %lld to %lld, not \"%s\"", an,
			    (long long)lo, (long long)hi, v);
	else
		*out = (uint64_t)x;
	xmlFree(v);
	return rc;
}

/* Reads the fields attribute of a LocalCap or Aggregate into r. */
static int cap_fields(struct pctx *p, const xmlNode *n, struct caps_rule *r)
{
	char *v = px_attr(n, "fields"), *save = NULL;
	char joined[CAPS_MAX_FIELDS * 48];
	size_t jl = 0;
	int rc = 0;

	if (v == NULL)
		return px_err(p, n, "<%s> needs a fields attribute", px_name(n));
	for (char *tok = strtok_r(v, ",", &save); rc == 0 && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		const char *fname = px_trim(tok);
		enum vf_id f;

		if (*fname == '\0')
			continue;
		f = schema__field_by_name(fname);
		if (f == VF_NONE) {
			rc = px_err(p, n, "unknown field \"%s\"", fname);
			break;
		}
		if (!schema__event_has_field(r->ev, f)) {
			rc = px_err(p, n, "event %s has no field %s", r->ev->name, fname);
			break;
		}
		for (uint8_t i = 0; i < r->nfields; i++)
			if (r->fields[i] == f)
				rc = px_err(p, n, "field %s is listed twice", fname);
		if (rc == 0 && r->nfields == CAPS_MAX_FIELDS)
			rc = px_err(p, n, "more than %d key fields", CAPS_MAX_FIELDS);
		if (rc)
			break;
		r->fields[r->nfields++] = (uint8_t)f;
		jl += (size_t)snprintf(joined + jl, sizeof(joined) - jl, "%s%s", jl ? "," : "",
				       fname);
	}
	xmlFree(v);
	if (rc == 0 && r->nfields == 0)
		rc = px_err(p, n, "<%s> needs at least one field in fields", px_name(n));
	if (rc == 0) {
		r->key_fields = px_keep(p->rs, joined, jl);
		if (r->key_fields == NULL)
			rc = px_oom(p);
	}
	return rc;
}

/* Checks r against the caps before it: unique names, one GlobalCap per
 * event, no cap next to an Aggregate (it absorbs every event, so the cap
 * would never act), a bounded number per event. */
static int cap_conflicts(struct pctx *p, const xmlNode *n, const struct caps *cs,
			 const struct caps_rule *r)
{
	unsigned per_event = 0;

	for (uint32_t i = 0; i < cs->nrules; i++) {
		const struct caps_rule *o = &cs->rules[i];

		if (strcmp(o->name, r->name) == 0)
			return px_err(p, n, "duplicate cap name \"%s\" (first used at line %d)",
				      r->name, o->line);
		if (o->ev != r->ev)
			continue;
		if (o->kind == CAPS_GLOBAL && r->kind == CAPS_GLOBAL)
			return px_err(p, n, "event %s already has a GlobalCap (line %d)",
				      r->ev->name, o->line);
		if ((o->kind == CAPS_AGGREGATE) != (r->kind == CAPS_AGGREGATE))
			return px_err(p, n,
				      "event %s has both an Aggregate and a cap (line %d): an "
				      "aggregate takes every event, so the cap would never act",
				      r->ev->name, o->line);
		per_event += o->kind != CAPS_GLOBAL;
	}
	if (r->kind != CAPS_GLOBAL && per_event >= CAPS_MAX_PER_EVENT)
		return px_err(p, n, "more than %d LocalCap/Aggregate elements for event %s",
			      CAPS_MAX_PER_EVENT, r->ev->name);
	return 0;
}

static int parse_cap_rule(struct pctx *p, struct caps *cs, const xmlNode *n)
{
	static const char *const global_attrs[] = {"name", "event", "max", "window"};
	static const char *const local_attrs[] = {"name", "event", "fields", "max", "window"};
	static const char *const agg_attrs[] = {"name", "event", "fields", "period"};
	struct caps_rule *r = &cs->rules[cs->nrules];
	char *ev_s, *name_s;
	int rc;

	memset(r, 0, sizeof(*r));
	r->line = px_line(n);
	if (strcmp(px_name(n), "GlobalCap") == 0) {
		r->kind = CAPS_GLOBAL;
		rc = px_check_attrs(p, n, global_attrs, ARRAY_LEN(global_attrs));
	} else if (strcmp(px_name(n), "LocalCap") == 0) {
		r->kind = CAPS_LOCAL;
		rc = px_check_attrs(p, n, local_attrs, ARRAY_LEN(local_attrs));
	} else if (strcmp(px_name(n), "Aggregate") == 0) {
		r->kind = CAPS_AGGREGATE;
		rc = px_check_attrs(p, n, agg_attrs, ARRAY_LEN(agg_attrs));
	} else {
		return px_err(p, n,
			      "unknown element <%s> in <VigilCaps> (GlobalCap, LocalCap or "
			      "Aggregate)",
			      px_name(n));
	}
	if (rc)
		return rc;
	ev_s = px_attr(n, "event");
	if (ev_s == NULL)
		return px_err(p, n, "<%s> needs an event attribute", px_name(n));
	r->ev = schema__event_by_name(px_trim(ev_s));
	if (r->ev == NULL)
		rc = px_err(p, n, "unknown event \"%s\"", ev_s);
	else if (r->ev->flags & EVF_DAEMON)
		rc = px_err(p, n, "event %s is the sensor's own and cannot be capped", ev_s);
	xmlFree(ev_s);
	if (rc)
		return rc;
	name_s = px_attr(n, "name");
	if (name_s == NULL && r->kind != CAPS_GLOBAL)
		return px_err(p, n, "<%s> needs a name attribute", px_name(n));
	if (name_s) {
		const char *t = px_trim(name_s);

		if (*t == '\0')
			rc = px_err(p, n, "empty name");
		else
			r->name = px_keep(p->rs, t, strlen(t));
		xmlFree(name_s);
	} else {
		char dflt[96];

		snprintf(dflt, sizeof(dflt), "global-%s", r->ev->name);
		r->name = px_keep(p->rs, dflt, strlen(dflt));
	}
	if (rc)
		return rc;
	if (r->name == NULL)
		return px_oom(p);
	if (r->kind == CAPS_AGGREGATE) {
		rc = cap_duration(p, n, "period", 3600 * NSEC_PER_SEC, &r->window_ns);
	} else {
		rc = cap_uint(p, n, "max", 0, UINT32_MAX, &r->max);
		if (rc == 0)
			rc = cap_duration(p, n, "window", cs->window_ns, &r->window_ns);
	}
	if (rc == 0 && r->kind == CAPS_GLOBAL)
		r->key_fields = "-";
	else if (rc == 0)
		rc = cap_fields(p, n, r);
	if (rc == 0)
		rc = cap_conflicts(p, n, cs, r);
	if (rc == 0)
		cs->nrules++;
	return rc;
}

int px_parse_caps(struct pctx *p, const xmlNode *n)
{
	static const char *const section_attrs[] = {"window", "maxkeys"};
	struct caps *cs;
	char *mk;
	size_t nelem = 0;
	int rc;

	if (p->rs->caps)
		return px_err(p, n, "<VigilCaps> given twice");
	rc = px_check_attrs(p, n, section_attrs, ARRAY_LEN(section_attrs));
	if (rc)
		return rc;
	cs = px_keep_zero(p->rs, sizeof(*cs));
	if (cs == NULL)
		return px_oom(p);
	cs->max_keys = CAPS_DEFAULT_MAX_KEYS;
	rc = cap_duration(p, n, "window", 24 * 3600 * NSEC_PER_SEC, &cs->window_ns);
	mk = px_attr(n, "maxkeys");
	if (rc == 0 && mk) {
		uint64_t v;

		xmlFree(mk);
		rc = cap_uint(p, n, "maxkeys", 32, 100000000, &v);
		cs->max_keys = (size_t)v;
	} else if (mk) {
		xmlFree(mk);
	}
	if (rc)
		return rc;
	for (const xmlNode *c = n->children; c; c = c->next)
		nelem += px_is_elem(c);
	cs->rules = px_keep_zero(p->rs, nelem * sizeof(*cs->rules));
	if (cs->rules == NULL)
		return px_oom(p);
	for (const xmlNode *c = n->children; rc == 0 && c; c = c->next)
		if (px_is_elem(c))
			rc = parse_cap_rule(p, cs, c);
	if (rc == 0)
		p->rs->caps = cs;
	return rc;
}

/* Queries of the parsed section (caps.h). */

size_t caps__count(const struct caps *c)
{
	return c ? c->nrules : 0;
}

size_t caps__max_keys(const struct caps *c)
{
	return c ? c->max_keys : CAPS_DEFAULT_MAX_KEYS;
}

bool caps__applies(const struct caps *c, unsigned event_id)
{
	for (uint32_t i = 0; c && i < c->nrules; i++)
		if (c->rules[i].ev->id == event_id)
			return true;
	return false;
}
