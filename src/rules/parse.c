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
 * compiled into struct caps of caps_int.h for caps.c) and <HealthInterval>,
 * are checked here too, so `vigil validate` reports their errors with
 * file:line like every other.
 */
#include "rules/rules_int.h"
#include "rules/caps_int.h"

#include "common/log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
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

struct pctx {
	struct ruleset *rs;
	const char *name;
	struct rules_error *err;
	bool default_and;
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int node_line(const xmlNode *n)
{
	long l = n ? xmlGetLineNo(n) : 0;

	return l > 0 && l < 0x7fffffff ? (int)l : 0;
}

static int perr(struct pctx *p, const xmlNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(struct pctx *p, const xmlNode *n, const char *fmt, ...)
{
	va_list ap;

	snprintf(p->err->file, sizeof(p->err->file), "%s", p->name);
	p->err->line = node_line(n);
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int oom(struct pctx *p)
{
	snprintf(p->err->file, sizeof(p->err->file), "%s", p->name);
	p->err->line = 0;
	snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
	return -ENOMEM;
}

/* Grows *arr (of *cap elements of size sz) to hold n+1. */
static int grow(void *arr, uint32_t *cap, uint32_t n, size_t sz)
{
	void **pa = arr;
	uint32_t nc;
	void *np;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 8;
	np = realloc(*pa, (size_t)nc * sz);
	if (np == NULL)
		return -ENOMEM;
	*pa = np;
	*cap = nc;
	return 0;
}

/* Hands d over to the ruleset, which frees it in rules__release. */
static void *track(struct ruleset *rs, void *d)
{
	if (d == NULL)
		return NULL;
	if (rs->nstrs == rs->capstrs) {
		size_t nc = rs->capstrs ? rs->capstrs * 2 : 64;
		char **np = realloc(rs->strs, nc * sizeof(*np));

		if (np == NULL) {
			free(d);
			return NULL;
		}
		rs->strs = np;
		rs->capstrs = nc;
	}
	rs->strs[rs->nstrs++] = d;
	return d;
}

/* Copies s[0..len) into storage owned by the ruleset. */
static char *keep(struct ruleset *rs, const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return track(rs, d);
}

static void *keep_zero(struct ruleset *rs, size_t len)
{
	return track(rs, calloc(1, len ? len : 1));
}

static bool is_elem(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE;
}

static const char *nname(const xmlNode *n)
{
	return (const char *)n->name;
}

/* Returns an attribute's value (caller frees with xmlFree) or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

/* Collects the text of an element that must hold only text. Returns a
 * malloc'd string or NULL with the error filled. */
static char *text_of(struct pctx *p, const xmlNode *n, int *rc)
{
	size_t len = 0, cap = 64;
	char *s = malloc(cap);

	if (s == NULL) {
		*rc = oom(p);
		return NULL;
	}
	s[0] = '\0';
	for (const xmlNode *c = n->children; c; c = c->next) {
		const char *t;
		size_t tl;

		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type == XML_ELEMENT_NODE) {
			*rc = perr(p, c, "unexpected element <%s> inside <%s>", nname(c), nname(n));
			free(s);
			return NULL;
		}
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) {
			*rc = perr(p, c, "unsupported content inside <%s>", nname(n));
			free(s);
			return NULL;
		}
		t = (const char *)c->content;
		tl = t ? strlen(t) : 0;
		if (len + tl + 1 > cap) {
			char *ns;

			while (len + tl + 1 > cap)
				cap *= 2;
			ns = realloc(s, cap);
			if (ns == NULL) {
				free(s);
				*rc = oom(p);
				return NULL;
			}
			s = ns;
		}
		memcpy(s + len, t, tl);
		len += tl;
		s[len] = '\0';
	}
	return s;
}

/* Trims ASCII whitespace in place; returns the start. */
static char *trim(char *s)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool only_space(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return false;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno != 0)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

static bool is_list_op(int op)
{
	return op == ROP_IS_ANY || op == ROP_CONTAINS_ANY || op == ROP_CONTAINS_ALL ||
	       op == ROP_EXCLUDES_ANY || op == ROP_EXCLUDES_ALL;
}

static bool is_substr_op(int op)
{
	return op >= ROP_CONTAINS && op <= ROP_NOT_END;
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
	char *f = keep(p->rs, v, len);

	if (f == NULL)
		return oom(p);
	rules__fold(f, f, len);
	c->vals[c->nvals] = f;
	c->lens[c->nvals] = (uint32_t)len;
	c->nvals++;
	return 0;
}

/* Parses one field element into a new condition of ev; *idx gets its index. */
static int parse_cond(struct pctx *p, struct revent *ev, const xmlNode *n, uint32_t *idx)
{
	enum vf_id f = schema__field_by_name(nname(n));
	char *cond_s, *name_s, *val = NULL;
	struct rcond *c;
	int op = -1, rc = 0;
	size_t nparts = 1;

	if (f == VF_NONE)
		return perr(p, n, "unknown field <%s>", nname(n));
	if (!schema__event_has_field(ev->def, f))
		return perr(p, n, "event %s has no field %s", ev->def->name, nname(n));
	cond_s = attr(n, "condition");
	if (cond_s == NULL) {
		op = ROP_IS; /* Sysmon: no condition means `is` */
	} else {
		for (int i = 0; i < ROP__COUNT; i++)
			if (strcasecmp(trim(cond_s), rules__op_names[i]) == 0)
				op = i;
		if (op < 0) {
			rc = perr(p, n, "unknown condition \"%s\" on %s", cond_s, nname(n));
			xmlFree(cond_s);
			return rc;
		}
		xmlFree(cond_s);
	}
	if ((op == ROP_LESS || op == ROP_MORE) && schema__field_kind(f) != VFK_INT)
		return perr(p, n, "condition \"%s\" needs a numeric field; %s is a string",
			    rules__op_names[op], nname(n));
	val = text_of(p, n, &rc);
	if (val == NULL)
		return rc;

	if (grow(&ev->conds, &ev->capconds, ev->nconds, sizeof(*ev->conds))) {
		free(val);
		return oom(p);
	}
	c = &ev->conds[ev->nconds];
	memset(c, 0, sizeof(*c));
	c->field = f;
	c->op = (uint8_t)op;
	c->line = node_line(n);
	name_s = attr(n, "name");
	c->name = keep(p->rs, name_s ? name_s : "", name_s ? strlen(name_s) : 0);
	if (name_s)
		xmlFree(name_s);
	c->raw = keep(p->rs, val, strlen(val));
	if (c->name == NULL || c->raw == NULL) {
		free(val);
		return oom(p);
	}
	if (op == ROP_LESS || op == ROP_MORE) {
		if (!parse_i64(val, &c->num)) {
			rc = perr(p, n, "condition \"%s\" needs a number, got \"%s\"",
				  rules__op_names[op], val);
			free(val);
			return rc;
		}
	}
	if (is_list_op(op))
		for (const char *s = val; *s; s++)
			nparts += *s == ';';
	c->vals = keep_zero(p->rs, nparts * sizeof(*c->vals));
	c->lens = keep_zero(p->rs, nparts * sizeof(*c->lens));
	if (c->vals == NULL || c->lens == NULL) {
		free(val);
		return oom(p);
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
		if (grow(&ev->incl, &ev->capincl, ev->nincl, sizeof(*ev->incl)))
			return NULL;
		f = &ev->incl[ev->nincl++];
	} else {
		if (grow(&ev->excl, &ev->capexcl, ev->nexcl, sizeof(*ev->excl)))
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
	f->clauses = keep_zero(p->rs, (size_t)n * sizeof(*f->clauses));
	if (f->clauses == NULL)
		return oom(p);
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
			cl->conds = keep_zero(p->rs, (size_t)n * sizeof(*cl->conds));
			if (cl->conds == NULL)
				return oom(p);
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
		if (grow(&ev->sum_incl, &ev->capsum_incl, ev->nsum_incl, sizeof(*ev->sum_incl)))
			return oom(p);
		ev->sum_incl[ev->nsum_incl++] = nm;
	} else {
		if (grow(&ev->sum_excl, &ev->capsum_excl, ev->nsum_excl, sizeof(*ev->sum_excl)))
			return oom(p);
		ev->sum_excl[ev->nsum_excl++] = nm;
	}
	return 0;
}

/* Reads a groupRelation attribute: 1 = and, 0 = or, dflt when absent. */
static int relation(struct pctx *p, const xmlNode *n, bool dflt, bool *out)
{
	char *r = attr(n, "groupRelation");
	int rc = 0;

	*out = dflt;
	if (r == NULL)
		return 0;
	if (strcasecmp(trim(r), "and") == 0)
		*out = true;
	else if (strcasecmp(trim(r), "or") == 0)
		*out = false;
	else
		rc = perr(p, n, "groupRelation must be \"and\" or \"or\", not \"%s\"", r);
	xmlFree(r);
	return rc;
}

static int parse_rule(struct pctx *p, struct revent *ev, const xmlNode *n, bool incl,
		      const char *group_name)
{
	uint32_t *conds = NULL, nc = 0, cap = 0;
	char *rn = attr(n, "name");
	const char *rule_name = NULL;
	bool and_rel;
	int rc;

	if (rn) {
		rule_name = keep(p->rs, rn, strlen(rn));
		xmlFree(rn);
		if (rule_name == NULL)
			return oom(p);
	}
	rc = relation(p, n, p->default_and, &and_rel);
	if (rc)
		return rc;
	rc = add_summary(p, ev, incl, pick_name(rule_name, group_name, NULL));
	for (const xmlNode *c = n->children; rc == 0 && c; c = c->next) {
		uint32_t idx;

		if (!is_elem(c))
			continue;
		if (strcmp(nname(c), "Rule") == 0) {
			rc = perr(p, c, "<Rule> cannot be nested");
			break;
		}
		rc = parse_cond(p, ev, c, &idx);
		if (rc)
			break;
		if (grow(&conds, &cap, nc, sizeof(*conds))) {
			rc = oom(p);
			break;
		}
		conds[nc++] = idx;
	}
	if (rc == 0 && nc > 0) {
		if (and_rel) {
			struct rfilter *f = filter_new(p, ev, incl);

			rc =
			    f ? fill_filter(p, ev, f, conds, nc, true, false, rule_name, group_name)
			      : oom(p);
		} else {
			for (uint32_t i = 0; rc == 0 && i < nc; i++) {
				struct rfilter *f = filter_new(p, ev, incl);

				rc = f ? fill_filter(p, ev, f, &conds[i], 1, false, false,
						     rule_name, group_name)
				       : oom(p);
			}
		}
	}
	free(conds);
	return rc;
}

/* Parses an event element (ProcessCreate onmatch=...). */
static int parse_event(struct pctx *p, const xmlNode *n, bool and_rel, const char *group_name)
{
	const struct vevent_def *def = schema__event_by_name(nname(n));
	char *om = attr(n, "onmatch");
	struct revent *ev;
	uint32_t *plain = NULL, np = 0, cap = 0;
	long slot = -1;
	bool incl;
	int rc = 0;

	if (om == NULL) {
		char *d = attr(n, "default");

		if (d == NULL) {
			om = NULL;
		} else if (strcasecmp(trim(d), "include") == 0) {
			om = (char *)xmlStrdup((const xmlChar *)"exclude");
		} else if (strcasecmp(trim(d), "exclude") == 0) {
			om = (char *)xmlStrdup((const xmlChar *)"include");
		} else {
			rc =
			    perr(p, n, "default must be \"include\" or \"exclude\", not \"%s\"", d);
			xmlFree(d);
			return rc;
		}
		if (d)
			xmlFree(d);
	}
	if (def == NULL || !(def->flags & EVF_FILTER)) {
		if (om)
			xmlFree(om);
		if (in_list(nname(n), windows_events, ARRAY_LEN(windows_events))) {
			log_warnx("%s:%d: %s is a Windows-only event: accepted, never generated",
				  p->name, node_line(n), nname(n));
			return 0;
		}
		if (def)
			return perr(p, n, "event %s cannot be filtered", nname(n));
		return perr(p, n, "unknown event or element <%s>", nname(n));
	}
	if (om == NULL)
		return perr(p, n, "<%s> needs onmatch=\"include\" or \"exclude\"", nname(n));
	if (strcasecmp(trim(om), "include") == 0) {
		incl = true;
	} else if (strcasecmp(trim(om), "exclude") == 0) {
		incl = false;
	} else {
		rc = perr(p, n, "onmatch must be \"include\" or \"exclude\", not \"%s\"", om);
		xmlFree(om);
		return rc;
	}
	xmlFree(om);
	ev = event_get(p, def);
	if (ev == NULL)
		return oom(p);
	if (incl)
		ev->has_incl = true;
	else
		ev->has_excl = true;

	for (const xmlNode *c = n->children; rc == 0 && c; c = c->next) {
		uint32_t idx;

		if (!is_elem(c))
			continue;
		if (strcmp(nname(c), "Rule") == 0) {
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
			       : oom(p);
			continue;
		}
		if (slot < 0) {
			/* Reserve the AND filter's place in document order. */
			if (filter_new(p, ev, incl) == NULL) {
				rc = oom(p);
				break;
			}
			slot = (long)(incl ? ev->nincl : ev->nexcl) - 1;
		}
		if (grow(&plain, &cap, np, sizeof(*plain))) {
			rc = oom(p);
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
		if (!is_elem(c))
			continue;
		if (strcmp(nname(c), "RuleGroup") == 0) {
			char *gn = attr(c, "name");
			const char *group_name = NULL;
			bool and_rel;

			if (gn) {
				group_name = keep(p->rs, gn, strlen(gn));
				xmlFree(gn);
				if (group_name == NULL)
					return oom(p);
			}
			rc = relation(p, c, p->default_and, &and_rel);
			for (const xmlNode *e = c->children; rc == 0 && e; e = e->next)
				if (is_elem(e))
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
	char *t = text_of(p, n, &rc), *save = NULL;
	unsigned algs = 0;

	if (t == NULL)
		return rc;
	for (char *tok = strtok_r(t, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *a = trim(tok);

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
			rc = perr(p, n, "unknown hash algorithm \"%s\"", a);
			break;
		}
	}
	free(t);
	if (rc == 0 && algs == 0)
		rc = perr(p, n, "HashAlgorithms is empty");
	if (rc == 0)
		p->rs->hash_algs = algs;
	return rc;
}

/* <VigilEnvironment>LD_PRELOAD, HISTFILE, ...</VigilEnvironment> (envvars.c). */
static int parse_env(struct pctx *p, const xmlNode *n)
{
	int rc = 0;
	char why[160];
	char *t = text_of(p, n, &rc);

	if (t == NULL)
		return rc;
	if (p->rs->has_env)
		rc = perr(p, n, "<VigilEnvironment> given twice");
	else if (rules__set_env(p->rs, t, why, sizeof(why)) != 0)
		rc = perr(p, n, "%s", why);
	free(t);
	return rc;
}

static int parse_field_sizes(struct pctx *p, const xmlNode *n)
{
	int rc = 0;
	char *t = text_of(p, n, &rc), *save = NULL;

	if (t == NULL)
		return rc;
	for (char *tok = strtok_r(t, ",", &save); rc == 0 && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		enum vf_id f;
		int64_t sz;

		if (only_space(tok))
			continue;
		if (colon == NULL) {
			rc = perr(p, n, "FieldSizes entry \"%s\" is not Field:Size", trim(tok));
			break;
		}
		*colon = '\0';
		f = schema__field_by_name(trim(tok));
		if (f == VF_NONE) {
			rc = perr(p, n, "FieldSizes: unknown field \"%s\"", trim(tok));
			break;
		}
		if (!parse_i64(colon + 1, &sz) || sz < 0) {
			rc = perr(p, n, "FieldSizes: bad size \"%s\" for %s", trim(colon + 1),
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
	char *sv = attr(root, "schemaversion");
	char *end;
	double v;
	int rc = 0;

	if (sv == NULL)
		return perr(p, root, "<Sysmon> needs a schemaversion attribute");
	errno = 0;
	v = strtod(trim(sv), &end);
	if (errno || end == trim(sv) || *end != '\0' || !isfinite(v))
		rc = perr(p, root, "schemaversion \"%s\" is not a number", sv);
	else if (v < 3.0 || v >= 5.0)
		rc = perr(p, root, "schemaversion %s is not supported (3.x to 4.9x)", sv);
	xmlFree(sv);
	if (rc)
		return rc;
	p->rs->schema = v;
	/* Sysmon: groups are AND above schema 4.1, OR up to it. */
	p->default_and = v > 4.1 + 1e-9;
	return 0;
}

/* Refuses attributes outside ok[], so a misspelt one is an error, not a
 * silently ignored setting. */
static int check_attrs(struct pctx *p, const xmlNode *n, const char *const *ok, size_t nok)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (!in_list((const char *)a->name, ok, nok))
			return perr(p, n, "<%s> has no attribute \"%s\"", nname(n),
				    (const char *)a->name);
	return 0;
}

/* Reads duration attribute an of n into *out; dflt when absent (0: the
 * attribute is required). */
static int cap_duration(struct pctx *p, const xmlNode *n, const char *an, uint64_t dflt,
			uint64_t *out)
{
	char *v = attr(n, an);
	int rc = 0;

	if (v == NULL) {
		if (dflt == 0)
			return perr(p, n, "<%s> needs a %s attribute", nname(n), an);
		*out = dflt;
		return 0;
	}
	if (!caps__parse_duration(trim(v), out))
		rc = perr(p, n,
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
	char *v = attr(n, an);
	int64_t x;
	int rc = 0;

	if (v == NULL)
		return perr(p, n, "<%s> needs a %s attribute", nname(n), an);
	if (!parse_i64(v, &x) || x < lo || x > hi)
		rc = perr(p, n, "%s must be a whole number from %lld to %lld, not \"%s\"", an,
			  (long long)lo, (long long)hi, v);
	else
		*out = (uint64_t)x;
	xmlFree(v);
	return rc;
}

/* Reads the fields attribute of a LocalCap or Aggregate into r. */
static int cap_fields(struct pctx *p, const xmlNode *n, struct caps_rule *r)
{
	char *v = attr(n, "fields"), *save = NULL;
	char joined[CAPS_MAX_FIELDS * 48];
	size_t jl = 0;
	int rc = 0;

	if (v == NULL)
		return perr(p, n, "<%s> needs a fields attribute", nname(n));
	for (char *tok = strtok_r(v, ",", &save); rc == 0 && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		const char *fname = trim(tok);
		enum vf_id f;

		if (*fname == '\0')
			continue;
		f = schema__field_by_name(fname);
		if (f == VF_NONE) {
			rc = perr(p, n, "unknown field \"%s\"", fname);
			break;
		}
		if (!schema__event_has_field(r->ev, f)) {
			rc = perr(p, n, "event %s has no field %s", r->ev->name, fname);
			break;
		}
		for (uint8_t i = 0; i < r->nfields; i++)
			if (r->fields[i] == f)
				rc = perr(p, n, "field %s is listed twice", fname);
		if (rc == 0 && r->nfields == CAPS_MAX_FIELDS)
			rc = perr(p, n, "more than %d key fields", CAPS_MAX_FIELDS);
		if (rc)
			break;
		r->fields[r->nfields++] = (uint8_t)f;
		jl += (size_t)snprintf(joined + jl, sizeof(joined) - jl, "%s%s", jl ? "," : "",
				       fname);
	}
	xmlFree(v);
	if (rc == 0 && r->nfields == 0)
		rc = perr(p, n, "<%s> needs at least one field in fields", nname(n));
	if (rc == 0) {
		r->key_fields = keep(p->rs, joined, jl);
		if (r->key_fields == NULL)
			rc = oom(p);
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
			return perr(p, n, "duplicate cap name \"%s\" (first used at line %d)",
				    r->name, o->line);
		if (o->ev != r->ev)
			continue;
		if (o->kind == CAPS_GLOBAL && r->kind == CAPS_GLOBAL)
			return perr(p, n, "event %s already has a GlobalCap (line %d)", r->ev->name,
				    o->line);
		if ((o->kind == CAPS_AGGREGATE) != (r->kind == CAPS_AGGREGATE))
			return perr(p, n,
				    "event %s has both an Aggregate and a cap (line %d): an "
				    "aggregate takes every event, so the cap would never act",
				    r->ev->name, o->line);
		per_event += o->kind != CAPS_GLOBAL;
	}
	if (r->kind != CAPS_GLOBAL && per_event >= CAPS_MAX_PER_EVENT)
		return perr(p, n, "more than %d LocalCap/Aggregate elements for event %s",
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
	r->line = node_line(n);
	if (strcmp(nname(n), "GlobalCap") == 0) {
		r->kind = CAPS_GLOBAL;
		rc = check_attrs(p, n, global_attrs, ARRAY_LEN(global_attrs));
	} else if (strcmp(nname(n), "LocalCap") == 0) {
		r->kind = CAPS_LOCAL;
		rc = check_attrs(p, n, local_attrs, ARRAY_LEN(local_attrs));
	} else if (strcmp(nname(n), "Aggregate") == 0) {
		r->kind = CAPS_AGGREGATE;
		rc = check_attrs(p, n, agg_attrs, ARRAY_LEN(agg_attrs));
	} else {
		return perr(p, n,
			    "unknown element <%s> in <VigilCaps> (GlobalCap, LocalCap or "
			    "Aggregate)",
			    nname(n));
	}
	if (rc)
		return rc;
	ev_s = attr(n, "event");
	if (ev_s == NULL)
		return perr(p, n, "<%s> needs an event attribute", nname(n));
	r->ev = schema__event_by_name(trim(ev_s));
	if (r->ev == NULL)
		rc = perr(p, n, "unknown event \"%s\"", ev_s);
	else if (r->ev->flags & EVF_DAEMON)
		rc = perr(p, n, "event %s is the sensor's own and cannot be capped", ev_s);
	xmlFree(ev_s);
	if (rc)
		return rc;
	name_s = attr(n, "name");
	if (name_s == NULL && r->kind != CAPS_GLOBAL)
		return perr(p, n, "<%s> needs a name attribute", nname(n));
	if (name_s) {
		const char *t = trim(name_s);

		if (*t == '\0')
			rc = perr(p, n, "empty name");
		else
			r->name = keep(p->rs, t, strlen(t));
		xmlFree(name_s);
	} else {
		char dflt[96];

		snprintf(dflt, sizeof(dflt), "global-%s", r->ev->name);
		r->name = keep(p->rs, dflt, strlen(dflt));
	}
	if (rc)
		return rc;
	if (r->name == NULL)
		return oom(p);
	if (r->kind == CAPS_AGGREGATE) {
		rc = cap_duration(p, n, "period", 3600ull * 1000000000ull, &r->window_ns);
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

static int parse_caps(struct pctx *p, const xmlNode *n)
{
	static const char *const section_attrs[] = {"window", "maxkeys"};
	struct caps *cs;
	char *mk;
	size_t nelem = 0;
	int rc;

	if (p->rs->caps)
		return perr(p, n, "<VigilCaps> given twice");
	rc = check_attrs(p, n, section_attrs, ARRAY_LEN(section_attrs));
	if (rc)
		return rc;
	cs = keep_zero(p->rs, sizeof(*cs));
	if (cs == NULL)
		return oom(p);
	cs->max_keys = CAPS_DEFAULT_MAX_KEYS;
	rc = cap_duration(p, n, "window", 24ull * 3600 * 1000000000ull, &cs->window_ns);
	mk = attr(n, "maxkeys");
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
		nelem += is_elem(c);
	cs->rules = keep_zero(p->rs, nelem * sizeof(*cs->rules));
	if (cs->rules == NULL)
		return oom(p);
	for (const xmlNode *c = n->children; rc == 0 && c; c = c->next)
		if (is_elem(c))
			rc = parse_cap_rule(p, cs, c);
	if (rc == 0)
		p->rs->caps = cs;
	return rc;
}

static int parse_health_interval(struct pctx *p, const xmlNode *n)
{
	int rc = 0;
	char *t;
	int64_t v;

	if (p->rs->has_health_interval)
		return perr(p, n, "<HealthInterval> given twice");
	t = text_of(p, n, &rc);
	if (t == NULL)
		return rc;
	if (!parse_i64(t, &v) || v < 0 || v > 86400)
		rc = perr(p, n, "HealthInterval must be seconds from 0 to 86400, not \"%s\"",
			  trim(t));
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
		return perr(&p, NULL, "configuration larger than 64 MiB");
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
		return oom(&p);
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

		rc = perr(&p, NULL, "DOCTYPE declarations are not allowed");
		err->line = 1;
		for (const char *q = buf; d && q < d; q++)
			err->line += *q == '\n';
	} else if (root == NULL || strcmp(nname(root), "Sysmon") != 0) {
		rc = perr(&p, root, "root element must be <Sysmon>");
	} else {
		rc = parse_schema_version(&p, root);
	}
	rs->hash_algs = RULES_HASH_SHA256;
	for (xmlNode *c = root ? root->children : NULL; rc == 0 && c; c = c->next) {
		if (!is_elem(c))
			continue;
		if (strcmp(nname(c), "EventFiltering") == 0)
			rc = parse_filtering(&p, c);
		else if (strcmp(nname(c), "HashAlgorithms") == 0)
			rc = parse_hashes(&p, c);
		else if (strcmp(nname(c), "FieldSizes") == 0)
			rc = parse_field_sizes(&p, c);
		else if (strcmp(nname(c), "VigilCaps") == 0)
			rc = parse_caps(&p, c);
		else if (strcmp(nname(c), "HealthInterval") == 0)
			rc = parse_health_interval(&p, c);
		else if (strcmp(nname(c), "VigilEnvironment") == 0)
			rc = parse_env(&p, c);
		else if (in_list(nname(c), windows_options, ARRAY_LEN(windows_options)))
			log_warnx("%s:%d: option %s only applies to Sysmon for Windows; ignored",
				  name, node_line(c), nname(c));
		else
			rc = perr(&p, c, "unknown element <%s>", nname(c));
	}
	xmlFreeDoc(doc);
	return rc;
}
