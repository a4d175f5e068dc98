/*
 * parse.c — Sysmon XML configuration → the ruleset's filters (rules_int.h).
 *
 * The document is read with libxml2 from memory, with no network, no DTD and
 * no entity substitution (a DOCTYPE is refused outright, so no entity can be
 * defined), and every error names file:line of the node at fault.
 *
 * How Sysmon constructs map to filters (an AND of clauses, each an OR of
 * conditions), in document order, since the first matching filter decides:
 *  - fields directly in an event element of an OR group: one filter per
 *    field (so the matching field's own name becomes RuleName);
 *  - fields directly in an event element of an AND group: one filter, one
 *    clause per distinct field, so repeated conditions on one field are ORed
 *    (Sysmon's rule); it takes the place of the first such field;
 *  - <Rule groupRelation="and">: one filter, one clause per condition (no
 *    same-field merging inside <Rule>);
 *  - <Rule groupRelation="or">: one filter per condition.
 * RuleName is the field's name attribute, else the <Rule>'s, else the
 * <RuleGroup>'s (verbatim); for an AND filter, the first named field.
 * Event elements directly under <EventFiltering> (pre-RuleGroup configs) use
 * the schema's default relation: AND above schema 4.1, OR up to it. The
 * legacy `default` attribute names the default action, so default="include"
 * is onmatch="exclude" (the listed fields are the exceptions) and vice versa.
 *
 * vigil's own top-level elements, <VigilCaps> (caps and aggregated reports,
 * compiled into struct caps of caps_int.h for caps.c, in parse_caps.c) and
 * <HealthInterval>, are checked by the parser too, so `vigil validate`
 * reports their errors with file:line like every other. The libxml2
 * helpers all of it uses are in parse_xml.c (parse_int.h).
 */
#include "rules/parse_int.h"

#include "common/log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

const char *const rules__op_names[ROP__COUNT] = {
    [ROP_IS] = "is",
    [ROP_IS_NOT] = "is not",
    [ROP_IS_ANY] = "is any",
    [ROP_CONTAINS] = "contains",
    [ROP_CONTAINS_ANY] = "contains any",
    [ROP_CONTAINS_ALL] = "contains all",
    [ROP_EXCLUDES] = "excludes",
    [ROP_EXCLUDES_ANY] = "excludes any",
    [ROP_EXCLUDES_ALL] = "excludes all",
    [ROP_BEGIN] = "begin with",
    [ROP_NOT_BEGIN] = "not begin with",
    [ROP_END] = "end with",
    [ROP_NOT_END] = "not end with",
    [ROP_LESS] = "less than",
    [ROP_MORE] = "more than",
    [ROP_IMAGE] = "image",
};

/* Event types of Sysmon's (shared Windows/Linux) schema that Linux never
 * generates: accepted with a warning, never matched. */
static const char *const windows_events[] = {
    "CreateRemoteThread", "RegistryEvent",   "FileCreateStreamHash", "PipeEvent",
    "WmiEvent",		  "ClipboardChange", "FileDeleteDetected",   "FileBlockExecutable",
    "FileBlockShredding",
};

/* Top-level options only Sysmon for Windows acts on. */
static const char *const windows_options[] = {
    "ArchiveDirectory",	      "CheckRevocation",       "DnsLookup",
    "CaptureClipboard",	      "CopyOnDeletePE",	       "CopyOnDeleteSIDs",
    "CopyOnDeleteExtensions", "CopyOnDeleteProcesses", "DriverName",
    "ImageLoading",	      "NetworkConnect",	       "ShredExecutables",
};

static bool is_list_op(int op)
{
	return op == ROP_IS_ANY || op == ROP_CONTAINS_ANY || op == ROP_CONTAINS_ALL ||
	       op == ROP_EXCLUDES_ANY || op == ROP_EXCLUDES_ALL;
}

static struct revent *event_get(struct pctx *p, const struct vevent_def *def)
{
	struct revent *ev = p->rs->ev[def->id];

	if (ev)
		return ev;
	ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		return NULL;
	ev->def = def;
	p->rs->ev[def->id] = ev;
	return ev;
}

static int add_value(struct pctx *p, struct rcond *c, const char *v, size_t len)
{
	char *f = px_keep(p->rs, v, len);

	if (f == NULL)
		return px_oom(p);
	rules__fold(f, f, len);
	c->vals[c->nvals] = f;
	c->lens[c->nvals] = (uint32_t)len;
	c->nvals++;
	return 0;
}

/* Parses one field element into a new condition of ev; *idx gets its index. */
static int parse_cond(struct pctx *p, struct revent *ev, const xmlNode *n, uint32_t *idx)
{
	enum vf_id f = schema__field_by_name(px_name(n));
	char *cond_s, *name_s, *val = NULL;
	struct rcond *c;
	int op = -1, rc = 0;
	size_t nparts = 1;

	if (f == VF_NONE)
		return px_err(p, n, "unknown field <%s>", px_name(n));
	if (!schema__event_has_field(ev->def, f))
		return px_err(p, n, "event %s has no field %s", ev->def->name, px_name(n));
	cond_s = px_attr(n, "condition");
	if (cond_s == NULL) {
		op = ROP_IS; /* Sysmon: no condition means `is` */
	} else {
		for (int i = 0; i < ROP__COUNT; i++)
			if (strcasecmp(px_trim(cond_s), rules__op_names[i]) == 0)
				op = i;
		if (op < 0) {
			rc = px_err(p, n, "unknown condition \"%s\" on %s", cond_s, px_name(n));
			xmlFree(cond_s);
			return rc;
		}
		xmlFree(cond_s);
	}
	val = px_text(p, n, &rc);
	if (val == NULL)
		return rc;

	if (px_grow(&ev->conds, &ev->capconds, ev->nconds, sizeof(*ev->conds))) {
		free(val);
		return px_oom(p);
	}
	c = &ev->conds[ev->nconds];
	memset(c, 0, sizeof(*c));
	c->field = f;
	c->op = (uint8_t)op;
	c->line = px_line(n);
	name_s = px_attr(n, "name");
	c->name = px_keep(p->rs, name_s ? name_s : "", name_s ? strlen(name_s) : 0);
	if (name_s)
		xmlFree(name_s);
	c->raw = px_keep(p->rs, val, strlen(val));
	if (c->name == NULL || c->raw == NULL) {
		free(val);
		return px_oom(p);
	}
	/* less than / more than compare numbers on numeric fields and, as
	 * Sysmon documents, strings lexicographically on the others (the value
	 * is kept folded below, like every other condition's). */
	if ((op == ROP_LESS || op == ROP_MORE) && schema__field_kind(f) == VFK_INT) {
		if (!px_i64(val, &c->num)) {
			rc = px_err(p, n, "condition \"%s\" needs a number, got \"%s\"",
				    rules__op_names[op], val);
			free(val);
			return rc;
		}
	}
	if (is_list_op(op))
		for (const char *s = val; *s; s++)
			nparts += *s == ';';
	c->vals = px_keep_zero(p->rs, nparts * sizeof(*c->vals));
	c->lens = px_keep_zero(p->rs, nparts * sizeof(*c->lens));
	if (c->vals == NULL || c->lens == NULL) {
		free(val);
		return px_oom(p);
	}
	if (is_list_op(op)) {
		/* Empty items (";;", a trailing ';') are dropped; a list of nothing
		 * at all is the one empty value. */
		const char *s = val;

		while (rc == 0 && *s) {
			const char *e = strchr(s, ';');
			size_t l = e ? (size_t)(e - s) : strlen(s);

			if (l > 0)
				rc = add_value(p, c, s, l);
			s += l + (e != NULL);
		}
		if (rc == 0 && c->nvals == 0)
			rc = add_value(p, c, "", 0);
	} else {
		rc = add_value(p, c, val, strlen(val));
	}
	free(val);
	if (rc)
		return rc;
	if (is_substr_op(op) && c->nvals == 1 && c->lens[0] == 0)
		c->always = true;
	*idx = ev->nconds++;
	return 0;
}

static struct rfilter *filter_new(struct pctx *p, struct revent *ev, bool incl)
{
	struct rfilter *f;

	if (incl) {
		if (px_grow(&ev->incl, &ev->capincl, ev->nincl, sizeof(*ev->incl)))
			return NULL;
		f = &ev->incl[ev->nincl++];
	} else {
		if (px_grow(&ev->excl, &ev->capexcl, ev->nexcl, sizeof(*ev->excl)))
			return NULL;
		f = &ev->excl[ev->nexcl++];
	}
	memset(f, 0, sizeof(*f));
	return f;
}

static const char *pick_name(const char *a, const char *b, const char *c)
{
	if (a && *a)
		return a;
	if (b && *b)
		return b;
	if (c && *c)
		return c;
	return NULL;
}

/* Fills f with conds[0..n) as one filter: with and_rel, one clause per
 * condition (merge_fields: per distinct field); otherwise one clause. */
static int fill_filter(struct pctx *p, struct revent *ev, struct rfilter *f, const uint32_t *conds,
		       uint32_t n, bool and_rel, bool merge_fields, const char *rule_name,
		       const char *group_name)
{
	const char *cname = NULL;
	uint32_t nclauses = 0;

	for (uint32_t i = 0; i < n && !cname; i++)
		if (ev->conds[conds[i]].name[0])
			cname = ev->conds[conds[i]].name;
	f->name = (char *)pick_name(cname, rule_name, group_name);
	f->clauses = px_keep_zero(p->rs, (size_t)n * sizeof(*f->clauses));
	if (f->clauses == NULL)
		return px_oom(p);
	for (uint32_t i = 0; i < n; i++) {
		struct rcond *c = &ev->conds[conds[i]];
		struct rclause *cl = NULL;

		if (!and_rel) {
			cl = &f->clauses[0];
			nclauses = 1;
		} else if (merge_fields) {
			for (uint32_t k = 0; k < nclauses; k++)
				if (ev->conds[f->clauses[k].conds[0]].field == c->field)
					cl = &f->clauses[k];
		}
		if (cl == NULL) {
			cl = &f->clauses[nclauses++];
		}
		if (cl->conds == NULL) {
			cl->conds = px_keep_zero(p->rs, (size_t)n * sizeof(*cl->conds));
			if (cl->conds == NULL)
				return px_oom(p);
		}
		cl->conds[cl->n++] = conds[i];
	}
	f->nclauses = nclauses;
	return 0;
}

static int add_summary(struct pctx *p, struct revent *ev, bool incl, const char *name)
{
	const char *nm = name ? name : "";

	if (incl) {
		if (px_grow(&ev->sum_incl, &ev->capsum_incl, ev->nsum_incl, sizeof(*ev->sum_incl)))
			return px_oom(p);
		ev->sum_incl[ev->nsum_incl++] = nm;
	} else {
		if (px_grow(&ev->sum_excl, &ev->capsum_excl, ev->nsum_excl, sizeof(*ev->sum_excl)))
			return px_oom(p);
		ev->sum_excl[ev->nsum_excl++] = nm;
	}
	return 0;
}

/* Reads a groupRelation attribute: 1 = and, 0 = or, dflt when absent. */
static int relation(struct pctx *p, const xmlNode *n, bool dflt, bool *out)
{
	char *r = px_attr(n, "groupRelation");
	int rc = 0;

	*out = dflt;
	if (r == NULL)
		return 0;
	if (strcasecmp(px_trim(r), "and") == 0)
		*out = true;
	else if (strcasecmp(px_trim(r), "or") == 0)
		*out = false;
	else
		rc = px_err(p, n, "groupRelation must be \"and\" or \"or\", not \"%s\"", r);
	xmlFree(r);
	return rc;
}

static int parse_rule(struct pctx *p, struct revent *ev, const xmlNode *n, bool incl,
		      const char *group_name)
{
	uint32_t *conds = NULL, nc = 0, cap = 0;
	char *rn = px_attr(n, "name");
	const char *rule_name = NULL;
	bool and_rel;
	int rc;

	if (rn) {
		rule_name = px_keep(p->rs, rn, strlen(rn));
		xmlFree(rn);
		if (rule_name == NULL)
			return px_oom(p);
	}
	rc = relation(p, n, p->default_and, &and_rel);
	if (rc)
		return rc;
	rc = add_summary(p, ev, incl, pick_name(rule_name, group_name, NULL));
	for (const xmlNode *c = n->children; rc == 0 && c; c = c->next) {
		uint32_t idx;

		if (!px_is_elem(c))
			continue;
		if (strcmp(px_name(c), "Rule") == 0) {
			rc = px_err(p, c, "<Rule> cannot be nested");
			break;
		}
		rc = parse_cond(p, ev, c, &idx);
		if (rc)
			break;
		if (px_grow(&conds, &cap, nc, sizeof(*conds))) {
			rc = px_oom(p);
			break;
		}
		conds[nc++] = idx;
	}
	if (rc == 0 && nc > 0) {
		if (and_rel) {
			struct rfilter *f = filter_new(p, ev, incl);

			rc =
			    f ? fill_filter(p, ev, f, conds, nc, true, false, rule_name, group_name)
			      : px_oom(p);
		} else {
			for (uint32_t i = 0; rc == 0 && i < nc; i++) {
				struct rfilter *f = filter_new(p, ev, incl);

				rc = f ? fill_filter(p, ev, f, &conds[i], 1, false, false,
						     rule_name, group_name)
				       : px_oom(p);
			}
		}
	}
	free(conds);
	return rc;
}

/* Parses an event element (ProcessCreate onmatch=...). */
static int parse_event(struct pctx *p, const xmlNode *n, bool and_rel, const char *group_name)
{
	const struct vevent_def *def = schema__event_by_name(px_name(n));
	char *om = px_attr(n, "onmatch");
	struct revent *ev;
	uint32_t *plain = NULL, np = 0, cap = 0;
	long slot = -1;
	bool incl;
	int rc = 0;

	if (om == NULL) {
		char *d = px_attr(n, "default");

		if (d == NULL) {
			om = NULL;
		} else if (strcasecmp(px_trim(d), "include") == 0) {
			om = (char *)xmlStrdup((const xmlChar *)"exclude");
		} else if (strcasecmp(px_trim(d), "exclude") == 0) {
			om = (char *)xmlStrdup((const xmlChar *)"include");
		} else {
			rc = px_err(p, n, "default must be \"include\" or \"exclude\", not \"%s\"",
				    d);
			xmlFree(d);
			return rc;
		}
		if (d)
			xmlFree(d);
	}
	if (def == NULL || !(def->flags & EVF_FILTER)) {
		if (om)
			xmlFree(om);
		if (px_in_list(px_name(n), windows_events, ARRAY_LEN(windows_events))) {
			log_warnx("%s:%d: %s is a Windows-only event: accepted, never generated",
				  p->name, px_line(n), px_name(n));
			return 0;
		}
		if (def)
			return px_err(p, n, "event %s cannot be filtered", px_name(n));
		return px_err(p, n, "unknown event or element <%s>", px_name(n));
	}
	if (om == NULL)
		return px_err(p, n, "<%s> needs onmatch=\"include\" or \"exclude\"", px_name(n));
	if (strcasecmp(px_trim(om), "include") == 0) {
		incl = true;
	} else if (strcasecmp(px_trim(om), "exclude") == 0) {
		incl = false;
	} else {
		rc = px_err(p, n, "onmatch must be \"include\" or \"exclude\", not \"%s\"", om);
		xmlFree(om);
		return rc;
	}
	xmlFree(om);
	ev = event_get(p, def);
	if (ev == NULL)
		return px_oom(p);
	if (incl)
		ev->has_incl = true;
	else
		ev->has_excl = true;

	for (const xmlNode *c = n->children; rc == 0 && c; c = c->next) {
		uint32_t idx;

		if (!px_is_elem(c))
			continue;
		if (strcmp(px_name(c), "Rule") == 0) {
			rc = parse_rule(p, ev, c, incl, group_name);
			continue;
		}
		rc = parse_cond(p, ev, c, &idx);
		if (rc)
			break;
		rc = add_summary(p, ev, incl, pick_name(ev->conds[idx].name, group_name, NULL));
		if (rc)
			break;
		if (!and_rel) {
			struct rfilter *f = filter_new(p, ev, incl);

			rc = f ? fill_filter(p, ev, f, &idx, 1, false, false, NULL, group_name)
			       : px_oom(p);
			continue;
		}
		if (slot < 0) {
			/* Reserve the AND filter's place in document order. */
			if (filter_new(p, ev, incl) == NULL) {
				rc = px_oom(p);
				break;
			}
			slot = (long)(incl ? ev->nincl : ev->nexcl) - 1;
		}
		if (px_grow(&plain, &cap, np, sizeof(*plain))) {
			rc = px_oom(p);
			break;
		}
		plain[np++] = idx;
	}
	if (rc == 0 && slot >= 0) {
		struct rfilter *f = incl ? &ev->incl[slot] : &ev->excl[slot];

		rc = fill_filter(p, ev, f, plain, np, true, true, NULL, group_name);
	}
	free(plain);
	return rc;
}

static int parse_filtering(struct pctx *p, const xmlNode *n)
{
	int rc = 0;

	for (const xmlNode *c = n->children; rc == 0 && c; c = c->next) {
		if (!px_is_elem(c))
			continue;
		if (strcmp(px_name(c), "RuleGroup") == 0) {
			char *gn = px_attr(c, "name");
			const char *group_name = NULL;
			bool and_rel;

			if (gn) {
				group_name = px_keep(p->rs, gn, strlen(gn));
				xmlFree(gn);
				if (group_name == NULL)
					return px_oom(p);
			}
			rc = relation(p, c, p->default_and, &and_rel);
			for (const xmlNode *e = c->children; rc == 0 && e; e = e->next)
				if (px_is_elem(e))
					rc = parse_event(p, e, and_rel, group_name);
		} else {
			rc = parse_event(p, c, p->default_and, NULL);
		}
	}
	return rc;
}

static int parse_hashes(struct pctx *p, const xmlNode *n)
{
	int rc = 0;
	char *t = px_text(p, n, &rc), *save = NULL;
	unsigned algs = 0;

	if (t == NULL)
		return rc;
	for (char *tok = strtok_r(t, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *a = px_trim(tok);

		if (strcmp(a, "*") == 0)
			algs |= RULES_HASH_MD5 | RULES_HASH_SHA1 | RULES_HASH_SHA256 |
				RULES_HASH_IMPHASH;
		else if (strcasecmp(a, "md5") == 0)
			algs |= RULES_HASH_MD5;
		else if (strcasecmp(a, "sha1") == 0)
			algs |= RULES_HASH_SHA1;
		else if (strcasecmp(a, "sha256") == 0)
			algs |= RULES_HASH_SHA256;
		else if (strcasecmp(a, "imphash") == 0)
			algs |= RULES_HASH_IMPHASH;
		else if (*a) {
			rc = px_err(p, n, "unknown hash algorithm \"%s\"", a);
			break;
		}
	}
	free(t);
	if (rc == 0 && algs == 0)
		rc = px_err(p, n, "HashAlgorithms is empty");
	if (rc == 0)
		p->rs->hash_algs = algs;
	return rc;
}

/* <VigilEnvironment>LD_PRELOAD, HISTFILE, ...</VigilEnvironment> (envvars.c). */
static int parse_env(struct pctx *p, const xmlNode *n)
{
	int rc = 0;
	char why[160];
	char *t = px_text(p, n, &rc);

	if (t == NULL)
		return rc;
	if (p->rs->has_env)
		rc = px_err(p, n, "<VigilEnvironment> given twice");
	else if (rules__set_env(p->rs, t, why, sizeof(why)) != 0)
		rc = px_err(p, n, "%s", why);
	free(t);
	return rc;
}

/* <VigilComputer>web-01</VigilComputer>: the Computer of every event. */
static int parse_computer(struct pctx *p, const xmlNode *n)
{
	int rc = 0;
	char why[160];
	char *t = px_text(p, n, &rc);
	const char *name;

	if (t == NULL)
		return rc;
	name = px_trim(t);
	if (p->rs->computer[0])
		rc = px_err(p, n, "<VigilComputer> given twice");
	else if (ruleset__check_computer(name, why, sizeof(why)) != 0)
		rc = px_err(p, n, "%s", why);
	else
		snprintf(p->rs->computer, sizeof(p->rs->computer), "%s", name);
	free(t);
	return rc;
}

static int parse_field_sizes(struct pctx *p, const xmlNode *n)
{
	int rc = 0;
	char *t = px_text(p, n, &rc), *save = NULL;

	if (t == NULL)
		return rc;
	for (char *tok = strtok_r(t, ",", &save); rc == 0 && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		enum vf_id f;
		int64_t sz;

		if (px_only_space(tok))
			continue;
		if (colon == NULL) {
			rc =
			    px_err(p, n, "FieldSizes entry \"%s\" is not Field:Size", px_trim(tok));
			break;
		}
		*colon = '\0';
		f = schema__field_by_name(px_trim(tok));
		if (f == VF_NONE) {
			rc = px_err(p, n, "FieldSizes: unknown field \"%s\"", px_trim(tok));
			break;
		}
		if (!px_i64(colon + 1, &sz) || sz < 0) {
			rc = px_err(p, n, "FieldSizes: bad size \"%s\" for %s", px_trim(colon + 1),
				    schema__field_name(f));
			break;
		}
		p->rs->field_size[f] = (size_t)sz;
	}
	free(t);
	return rc;
}

static int parse_schema_version(struct pctx *p, const xmlNode *root)
{
	char *sv = px_attr(root, "schemaversion");
	char *end;
	double v;
	int rc = 0;

	if (sv == NULL)
		return px_err(p, root, "<Sysmon> needs a schemaversion attribute");
	errno = 0;
	v = strtod(px_trim(sv), &end);
	if (errno || end == px_trim(sv) || *end != '\0' || !isfinite(v))
		rc = px_err(p, root, "schemaversion \"%s\" is not a number", sv);
	else if (v < 3.0 || v >= 5.0)
		rc = px_err(p, root, "schemaversion %s is not supported (3.x to 4.9x)", sv);
	xmlFree(sv);
	if (rc)
		return rc;
	p->rs->schema = v;
	/* Sysmon: groups are AND above schema 4.1, OR up to it. */
	p->default_and = v > 4.1 + 1e-9;
	return 0;
}

static int parse_health_interval(struct pctx *p, const xmlNode *n)
{
	int rc = 0;
	char *t;
	int64_t v;

	if (p->rs->has_health_interval)
		return px_err(p, n, "<HealthInterval> given twice");
	t = px_text(p, n, &rc);
	if (t == NULL)
		return rc;
	if (!px_i64(t, &v) || v < 0 || v > 86400)
		rc = px_err(p, n, "HealthInterval must be seconds from 0 to 86400, not \"%s\"",
			    px_trim(t));
	free(t);
	if (rc)
		return rc;
	p->rs->has_health_interval = true;
	p->rs->health_interval_s = (unsigned)v;
	return 0;
}

/* libxml2 reports several errors for one mistake (a mismatched tag, then
 * the premature end it causes); the first is the one to show. */
struct first_error {
	int line;
	char msg[400];
	bool set;
};

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
	struct first_error *fe = ctx;

	if (fe->set || e == NULL || e->level < XML_ERR_ERROR)
		return;
	fe->set = true;
	fe->line = e->line;
	snprintf(fe->msg, sizeof(fe->msg), "%s", e->message ? e->message : "malformed XML");
}

/* Some libxml2 paths (encoding conversion) print through the generic
 * handler instead; the structured handler already recorded the error. */
static void on_xml_generic(void *ctx, const char *msg, ...)
{
}

int rules__parse(struct ruleset *rs, const char *buf, size_t len, const char *name,
		 struct rules_error *err)
{
	struct pctx p = {.rs = rs, .name = name, .err = err};
	struct first_error fe = {0};
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlNode *root;
	int rc = 0;

	if (len > 64u << 20)
		return px_err(&p, NULL, "configuration larger than 64 MiB");
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
		return px_oom(&p);
	/* The handler is thread-local in libxml2: set it around this parse only. */
	xmlSetStructuredErrorFunc(&fe, on_xml_error);
	xmlSetGenericErrorFunc(NULL, on_xml_generic);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				    XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlSetGenericErrorFunc(NULL, NULL);
	if (doc == NULL || !ctxt->wellFormed) {
		xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
		size_t l;

		if (!fe.set) {
			fe.line = e ? e->line : 0;
			snprintf(fe.msg, sizeof(fe.msg), "%s",
				 e && e->message ? e->message : "malformed XML");
		}
		l = strlen(fe.msg);
		while (l > 0 && (fe.msg[l - 1] == '\n' || fe.msg[l - 1] == ' '))
			fe.msg[--l] = '\0';
		snprintf(err->file, sizeof(err->file), "%s", name);
		err->line = fe.line;
		snprintf(err->msg, sizeof(err->msg), "malformed XML: %s", fe.msg);
		if (doc)
			xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return -EINVAL;
	}
	xmlFreeParserCtxt(ctxt);
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset || doc->extSubset) {
		/* DTD nodes carry no line number: find the declaration's. */
		const char *d = memmem(buf, len, "<!DOCTYPE", 9);

		rc = px_err(&p, NULL, "DOCTYPE declarations are not allowed");
		err->line = 1;
		for (const char *q = buf; d && q < d; q++)
			err->line += *q == '\n';
	} else if (root == NULL || strcmp(px_name(root), "Sysmon") != 0) {
		rc = px_err(&p, root, "root element must be <Sysmon>");
	} else {
		rc = parse_schema_version(&p, root);
	}
	rs->hash_algs = RULES_HASH_SHA256;
	for (xmlNode *c = root ? root->children : NULL; rc == 0 && c; c = c->next) {
		if (!px_is_elem(c))
			continue;
		if (strcmp(px_name(c), "EventFiltering") == 0)
			rc = parse_filtering(&p, c);
		else if (strcmp(px_name(c), "HashAlgorithms") == 0)
			rc = parse_hashes(&p, c);
		else if (strcmp(px_name(c), "FieldSizes") == 0)
			rc = parse_field_sizes(&p, c);
		else if (strcmp(px_name(c), "VigilCaps") == 0)
			rc = px_parse_caps(&p, c);
		else if (strcmp(px_name(c), "HealthInterval") == 0)
			rc = parse_health_interval(&p, c);
		else if (strcmp(px_name(c), "VigilEnvironment") == 0)
			rc = parse_env(&p, c);
		else if (strcmp(px_name(c), "VigilComputer") == 0)
			rc = parse_computer(&p, c);
		else if (px_in_list(px_name(c), windows_options, ARRAY_LEN(windows_options)))
			log_warnx("%s:%d: option %s only applies to Sysmon for Windows; ignored",
				  name, px_line(c), px_name(c));
		else
			rc = px_err(&p, c, "unknown element <%s>", px_name(c));
	}
	xmlFreeDoc(doc);
	return rc;
}
