/*
 * data.c — loads the ATT&CK technique tables and vigil's event → data
 * component mapping, and scores one technique against a collection table.
 *
 * Everything is keyed by v18 data component id (DC0032): the v17 legacy file
 * names components "DataSource: Component", which we resolve through the v18
 * catalogue's names (every v17.1 Linux component has a v18 namesake), so the
 * union of both models is a plain set union on ids. Sizes are bounded: at most
 * COV_MAX_TECH techniques, COV_MAX_DC components per technique, lines of
 * COV_LINE_MAX bytes; anything beyond is a clear file:line error.
 */
#include "coverage/coverage.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COV_MAX_TECH 2048
#define COV_MAX_CAT  256
#define COV_MAX_MAP  256
#define COV_LINE_MAX 65536

struct cov_dc {
	char id[8];
	char *name;
	char *label_v18; /* "DC0032 Process Creation" */
};

struct cov_map_row {
	uint16_t event;
	uint16_t dc; /* index into cat */
	bool partial;
};

struct cov_tech {
	char id[16];
	char *name;
	unsigned tactics;
	uint8_t ndc;
	uint16_t dc[COV_MAX_DC];
	char *label[COV_MAX_DC]; /* owned; NULL = v18 label of the catalogue */
};

struct cov_data {
	enum cov_model model;
	size_t ncat, nmap, ntech;
	struct cov_dc cat[COV_MAX_CAT];
	struct cov_map_row map[COV_MAX_MAP];
	struct cov_tech *tech; /* COV_MAX_TECH */
};

static const char *const tactic_names[COV_NTACTICS] = {
    "reconnaissance",  "resource-development",
    "initial-access",  "execution",
    "persistence",     "privilege-escalation",
    "defense-evasion", "credential-access",
    "discovery",       "lateral-movement",
    "collection",      "command-and-control",
    "exfiltration",    "impact",
};
static const char *const tactic_titles[COV_NTACTICS] = {
    "Reconnaissance",  "Resource Development",
    "Initial Access",  "Execution",
    "Persistence",     "Privilege Escalation",
    "Defense Evasion", "Credential Access",
    "Discovery",       "Lateral Movement",
    "Collection",      "Command and Control",
    "Exfiltration",    "Impact",
};

/* Returns the tactic's short name, or "?" past the end. */
const char *cov_tactic_name(unsigned i)
{
	return i < COV_NTACTICS ? tactic_names[i] : "?";
}

/* Returns the tactic's display title, or "?" past the end. */
const char *cov_tactic_title(unsigned i)
{
	return i < COV_NTACTICS ? tactic_titles[i] : "?";
}

/* Returns the model's display name. */
const char *cov_model_name(enum cov_model m)
{
	switch (m) {
	case COV_MODEL_V18:
		return "v18.1";
	case COV_MODEL_V17:
		return "v17.1";
	default:
		return "v18.1+v17.1";
	}
}

/* DeTT&CT: 0 % → 0, under 50 % → 1, under 75 % → 2, under 100 % → 3, else 4. */
int cov_level_from_pct(double pct)
{
	if (pct <= 0.0)
		return 0;
	if (pct < 50.0)
		return 1;
	if (pct < 75.0)
		return 2;
	if (pct < 100.0)
		return 3;
	return 4;
}

/* Sets every event type off except the daemon's own (never filtered). */
void cov_collect__init(struct cov_collect *c, const char *source)
{
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	memset(c, 0, sizeof(*c));
	snprintf(c->source, sizeof(c->source), "%s", source ? source : "-");
	for (unsigned i = 0; i < VIGIL_EVENT_ID_MAX; i++)
		snprintf(c->ev[i].caps, sizeof(c->ev[i].caps), "none");
	for (size_t i = 0; i < n; i++)
		if (evs[i]->flags & EVF_DAEMON)
			c->ev[evs[i]->id].level = COV_ALL;
}

/* Sets one event type's level and rule names. */
int cov_collect__set(struct cov_collect *c, unsigned event_id, enum cov_level level,
		     const char *rules)
{
	if (event_id >= VIGIL_EVENT_ID_MAX)
		return -EINVAL;
	c->ev[event_id].level = level;
	snprintf(c->ev[event_id].rules, sizeof(c->ev[event_id].rules), "%s", rules ? rules : "");
	c->ev[event_id].nrules = 0;
	if (rules && rules[0]) {
		c->ev[event_id].nrules = 1;
		for (const char *p = rules; *p; p++)
			c->ev[event_id].nrules += *p == '\n' && p[1];
	}
	return 0;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Splits line in place on tabs into at most max fields; returns the count. */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

static int cat_find_id(const struct cov_data *d, const char *id)
{
	for (size_t i = 0; i < d->ncat; i++)
		if (strcmp(d->cat[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int cat_find_name(const struct cov_data *d, const char *name)
{
	for (size_t i = 0; i < d->ncat; i++)
		if (strcmp(d->cat[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Reads path line by line, calling fn on each non-comment, non-empty line
 * (newline stripped). fn returns 0 or a negative errno having filled err. */
static int each_line(const char *path, struct cov_data *d, char *err, size_t errlen,
		     int (*fn)(struct cov_data *, char *, const char *, int, char *, size_t))
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, rc = 0;

	if (!f) {
		rc = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > COV_LINE_MAX) {
			seterr(err, errlen, "%s:%d: line too long", path, lineno);
			rc = -EFBIG;
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		rc = fn(d, line, path, lineno, err, errlen);
		if (rc)
			break;
	}
	free(line);
	fclose(f);
	return rc;
}

static int cat_line(struct cov_data *d, char *line, const char *path, int lineno, char *err,
		    size_t errlen)
{
	char *f[3];
	struct cov_dc *dc;

	if (split_tabs(line, f, 3) < 2 || strncmp(f[0], "DC", 2) != 0 || strlen(f[0]) > 7) {
		seterr(err, errlen, "%s:%d: expected 'DCnnnn<TAB>name'", path, lineno);
		return -EINVAL;
	}
	if (d->ncat >= COV_MAX_CAT) {
		seterr(err, errlen, "%s:%d: more than %d data components", path, lineno,
		       COV_MAX_CAT);
		return -EFBIG;
	}
	dc = &d->cat[d->ncat];
	snprintf(dc->id, sizeof(dc->id), "%s", f[0]);
	dc->name = strdup(f[1]);
	if (!dc->name || asprintf(&dc->label_v18, "%s %s", f[0], f[1]) < 0) {
		dc->label_v18 = NULL;
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->ncat++;
	return 0;
}

static int map_line(struct cov_data *d, char *line, const char *path, int lineno, char *err,
		    size_t errlen)
{
	char *f[6], *colon, *end;
	long ev;
	int dc;

	if (split_tabs(line, f, 6) != 6) {
		seterr(err, errlen, "%s:%d: expected 6 tab-separated columns", path, lineno);
		return -EINVAL;
	}
	ev = strtol(f[0], &end, 10);
	if (*end || ev < 0 || ev >= VIGIL_EVENT_ID_MAX || !schema__event((unsigned)ev)) {
		seterr(err, errlen, "%s:%d: '%s' is not a vigil event id", path, lineno, f[0]);
		return -EINVAL;
	}
	if (strcmp(schema__event((unsigned)ev)->name, f[1]) != 0) {
		seterr(err, errlen, "%s:%d: event %ld is %s, not %s", path, lineno, ev,
		       schema__event((unsigned)ev)->name, f[1]);
		return -EINVAL;
	}
	colon = strchr(f[2], ':');
	if (colon)
		*colon++ = '\0';
	dc = cat_find_id(d, f[2]);
	if (dc < 0 || !colon || strcmp(d->cat[dc].name, colon) != 0) {
		seterr(err, errlen, "%s:%d: '%s:%s' is not a v18 data component", path, lineno,
		       f[2], colon ? colon : "");
		return -EINVAL;
	}
	/* The v17 name must be the same component, or the two models disagree. */
	colon = strstr(f[3], ": ");
	if (!colon || strcmp(colon + 2, d->cat[dc].name) != 0) {
		seterr(err, errlen, "%s:%d: v17 component '%s' does not name %s", path, lineno,
		       f[3], d->cat[dc].name);
		return -EINVAL;
	}
	if (strcmp(f[4], "full") != 0 && strcmp(f[4], "partial") != 0) {
		seterr(err, errlen, "%s:%d: quality must be full or partial", path, lineno);
		return -EINVAL;
	}
	if (!f[5][0]) {
		seterr(err, errlen, "%s:%d: a reason is required", path, lineno);
		return -EINVAL;
	}
	if (d->nmap >= COV_MAX_MAP) {
		seterr(err, errlen, "%s:%d: too many rows", path, lineno);
		return -EFBIG;
	}
	d->map[d->nmap].event = (uint16_t)ev;
	d->map[d->nmap].dc = (uint16_t)dc;
	d->map[d->nmap].partial = f[4][0] == 'p';
	d->nmap++;
	return 0;
}

static struct cov_tech *tech_get(struct cov_data *d, const char *id, const char *name,
				 const char *path, int lineno, char *err, size_t errlen)
{
	struct cov_tech *t;

	for (size_t i = 0; i < d->ntech; i++)
		if (strcmp(d->tech[i].id, id) == 0)
			return &d->tech[i];
	if (id[0] != 'T' || strlen(id) >= sizeof(t->id)) {
		seterr(err, errlen, "%s:%d: '%s' is not a technique id", path, lineno, id);
		errno = EINVAL;
		return NULL;
	}
	if (d->ntech >= COV_MAX_TECH) {
		seterr(err, errlen, "%s:%d: more than %d techniques", path, lineno, COV_MAX_TECH);
		errno = EFBIG;
		return NULL;
	}
	t = &d->tech[d->ntech];
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->name = strdup(name);
	if (!t->name) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	d->ntech++;
	return t;
}

static int tech_add_dc(struct cov_tech *t, int dc, const char *label, const char *path, int lineno,
		       char *err, size_t errlen)
{
	for (size_t i = 0; i < t->ndc; i++)
		if (t->dc[i] == dc)
			return 0;
	if (t->ndc >= COV_MAX_DC) {
		seterr(err, errlen, "%s:%d: more than %d data components", path, lineno,
		       COV_MAX_DC);
		return -EFBIG;
	}
	t->dc[t->ndc] = (uint16_t)dc;
	t->label[t->ndc] = NULL;
	if (label) {
		t->label[t->ndc] = strdup(label);
		if (!t->label[t->ndc]) {
			seterr(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	t->ndc++;
	return 0;
}

static int parse_tactics(const char *s, unsigned *out)
{
	char buf[512], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (tok = strtok_r(buf, ",; ", &save); tok; tok = strtok_r(NULL, ",; ", &save)) {
		unsigned i;

		for (i = 0; i < COV_NTACTICS; i++)
			if (strcmp(tok, tactic_names[i]) == 0)
				break;
		if (i == COV_NTACTICS)
			return -EINVAL;
		*out |= 1u << i;
	}
	return 0;
}

static int v18_line(struct cov_data *d, char *line, const char *path, int lineno, char *err,
		    size_t errlen)
{
	char *f[4], *save = NULL, *tok;
	struct cov_tech *t;
	unsigned tactics;

	if (split_tabs(line, f, 4) != 4) {
		seterr(err, errlen, "%s:%d: expected 4 tab-separated columns", path, lineno);
		return -EINVAL;
	}
	if (parse_tactics(f[2], &tactics)) {
		seterr(err, errlen, "%s:%d: unknown tactic in '%s'", path, lineno, f[2]);
		return -EINVAL;
	}
	t = tech_get(d, f[0], f[1], path, lineno, err, errlen);
	if (!t)
		return -errno;
	t->tactics |= tactics;
	for (tok = strtok_r(f[3], ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *colon = strchr(tok, ':');
		int dc, rc;

		if (colon)
			*colon = '\0';
		dc = cat_find_id(d, tok);
		if (dc < 0) {
			seterr(err, errlen, "%s:%d: unknown data component '%s'", path, lineno,
			       tok);
			return -EINVAL;
		}
		rc = tech_add_dc(t, dc, NULL, path, lineno, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int v17_line(struct cov_data *d, char *line, const char *path, int lineno, char *err,
		    size_t errlen)
{
	char *f[3], *save = NULL, *tok;
	struct cov_tech *t;

	if (split_tabs(line, f, 3) != 3) {
		seterr(err, errlen, "%s:%d: expected 3 tab-separated columns", path, lineno);
		return -EINVAL;
	}
	t = tech_get(d, f[0], f[1], path, lineno, err, errlen);
	if (!t)
		return -errno;
	for (tok = strtok_r(f[2], ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *sep = strstr(tok, ": ");
		int dc, rc;

		dc = sep ? cat_find_name(d, sep + 2) : -1;
		if (dc < 0) {
			seterr(err, errlen, "%s:%d: '%s' names no known data component", path,
			       lineno, tok);
			return -EINVAL;
		}
		/* In the union the v18 label wins, so a component shows one name. */
		rc = tech_add_dc(t, dc, d->model == COV_MODEL_V17 ? tok : NULL, path, lineno, err,
				 errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* Tactics for v17-only loads come from the v18 file: the legacy file has none. */
static int v18_tactics_line(struct cov_data *d, char *line, const char *path, int lineno, char *err,
			    size_t errlen)
{
	char *f[4];
	unsigned tactics;

	if (split_tabs(line, f, 4) != 4 || parse_tactics(f[2], &tactics)) {
		seterr(err, errlen, "%s:%d: bad technique line", path, lineno);
		return -EINVAL;
	}
	for (size_t i = 0; i < d->ntech; i++)
		if (strcmp(d->tech[i].id, f[0]) == 0)
			d->tech[i].tactics |= tactics;
	return 0;
}

static int path_join(char *out, size_t len, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

#define F_CAT "attack/attack_v18.1_data_components.tsv"
#define F_V18 "attack/attack_v18.1_linux_technique_dc.tsv"
#define F_V17 "attack/attack_v17.1_linux_technique_dc_legacy.tsv"
#define F_MAP "event_dc_map.tsv"

/* Loads the data for a model from dir. */
struct cov_data *cov_data__load(const char *dir, enum cov_model model, char *err, size_t errlen)
{
	struct cov_data *d = calloc(1, sizeof(*d));
	char p[4096];
	int rc;

	if (!d || !(d->tech = calloc(COV_MAX_TECH, sizeof(*d->tech)))) {
		free(d);
		seterr(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	d->model = model;
	rc = path_join(p, sizeof(p), dir, F_CAT);
	if (!rc)
		rc = each_line(p, d, err, errlen, cat_line);
	if (!rc)
		rc = path_join(p, sizeof(p), dir, F_MAP);
	if (!rc)
		rc = each_line(p, d, err, errlen, map_line);
	if (!rc && model != COV_MODEL_V17) {
		rc = path_join(p, sizeof(p), dir, F_V18);
		if (!rc)
			rc = each_line(p, d, err, errlen, v18_line);
	}
	if (!rc && model != COV_MODEL_V18) {
		rc = path_join(p, sizeof(p), dir, F_V17);
		if (!rc)
			rc = each_line(p, d, err, errlen, v17_line);
		if (!rc && model == COV_MODEL_V17) {
			rc = path_join(p, sizeof(p), dir, F_V18);
			if (!rc)
				rc = each_line(p, d, err, errlen, v18_tactics_line);
		}
	}
	if (rc == -ENAMETOOLONG)
		seterr(err, errlen, "%s: path too long", dir);
	if (!rc && d->ntech == 0) {
		seterr(err, errlen, "%s: no techniques", dir);
		rc = -ENODATA;
	}
	if (rc) {
		cov_data__free(d);
		errno = -rc;
		return NULL;
	}
	return d;
}

/* Frees d and everything it owns; NULL is fine. */
void cov_data__free(struct cov_data *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ncat; i++) {
		free(d->cat[i].name);
		free(d->cat[i].label_v18);
	}
	for (size_t i = 0; i < d->ntech; i++) {
		free(d->tech[i].name);
		for (size_t j = 0; j < d->tech[i].ndc; j++)
			free(d->tech[i].label[j]);
	}
	free(d->tech);
	free(d);
}

/* Number of techniques loaded. */
size_t cov_data__count(const struct cov_data *d)
{
	return d->ntech;
}

/* The model d was loaded for. */
enum cov_model cov_data__model(const struct cov_data *d)
{
	return d->model;
}

/* Index of technique id, or -1. */
int cov_data__find(const struct cov_data *d, const char *technique_id)
{
	for (size_t i = 0; i < d->ntech; i++)
		if (strcmp(d->tech[i].id, technique_id) == 0)
			return (int)i;
	return -1;
}

static void append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* True when rule name [s, s+len) mentions technique id tid as a whole token
 * (T1053 does not match T1053.003 nor T10530). */
static bool names_technique(const char *s, size_t len, const char *tid)
{
	size_t tl = strlen(tid);

	for (size_t i = 0; i + tl <= len; i++) {
		char after = i + tl < len ? s[i + tl] : '\0';

		if (memcmp(s + i, tid, tl) != 0)
			continue;
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.'))
			continue;
		if (isalnum((unsigned char)after) ||
		    (after == '.' && isdigit((unsigned char)s[i + tl + 1])))
			continue;
		return true;
	}
	return false;
}

/* Appends " partial: N include rules..." naming the rules that mention the
 * technique, or all of them when there are few: a config written per
 * technique (MSTIC's, sysmon-modular) names its rules after them. */
static void describe_rules(char *buf, size_t len, const struct cov_event_cfg *ec, const char *tid)
{
	const char *p = ec->rules;
	unsigned hits = 0;

	append(buf, len, " partial: %u include rule%s", ec->nrules, ec->nrules == 1 ? "" : "s");
	for (int pass = 0; pass < 2; pass++) {
		p = ec->rules;
		while (*p) {
			size_t l = strcspn(p, "\n");
			bool hit = names_technique(p, l, tid);

			if (pass == 0 && hit)
				hits++;
			if (pass == 1 && (hit || (hits == 0 && ec->nrules <= 3)))
				append(buf, len, "%s%.*s", buf[strlen(buf) - 1] == ':' ? " " : "; ",
				       (int)l, p);
			p += l + (p[l] == '\n');
		}
		if (pass == 0) {
			if (hits)
				append(buf, len, ", %u naming %s:", hits, tid);
			else if (ec->nrules <= 3 && ec->nrules > 0)
				append(buf, len, ":");
			else
				break;
		}
	}
	if (!hits && ec->nrules > 3)
		append(buf, len, ", none naming %s", tid);
}

/* Catalogue index of a data component id like "DC0061", or -1. */
int cov_data__dc_find(const struct cov_data *d, const char *dc_id)
{
	for (size_t i = 0; i < d->ncat; i++)
		if (strcmp(d->cat[i].id, dc_id) == 0)
			return (int)i;
	return -1;
}

/* Fills r for catalogue DC dc under collection c: the best state any mapped
 * event gives it, where an event's contribution is the lesser of how much
 * the config collects and how well the event maps. tid names the technique
 * for describe_rules. r->label is the v18 label. */
static void eval_dc(const struct cov_data *d, const struct cov_collect *c, size_t dc,
		    const char *tid, struct cov_dc_result *r)
{
	r->dc_id = d->cat[dc].id;
	r->label = d->cat[dc].label_v18;
	r->state = COV_DC_MISSING;
	r->events[0] = '\0';
	for (size_t m = 0; m < d->nmap; m++) {
		const struct cov_map_row *row = &d->map[m];
		const struct cov_event_cfg *ec = &c->ev[row->event];
		enum cov_dc_state st;

		if (row->dc != dc || ec->level == COV_OFF ||
		    strncmp(ec->kernel, "unavailable", 11) == 0)
			continue;
		st = (ec->level == COV_ALL && !row->partial && ec->kernel[0] == '\0')
			 ? COV_DC_FULL
			 : COV_DC_PARTIAL;
		if (st > r->state)
			r->state = st;
		append(r->events, sizeof(r->events), "%s%s(%u)", r->events[0] ? "; " : "",
		       schema__event(row->event)->name, row->event);
		if (ec->level == COV_PARTIAL)
			describe_rules(r->events, sizeof(r->events), ec, tid);
		else if (row->partial)
			append(r->events, sizeof(r->events), " partial mapping");
		if (strcmp(ec->caps, "none") != 0)
			append(r->events, sizeof(r->events), " caps: %s", ec->caps);
		if (ec->kernel[0])
			append(r->events, sizeof(r->events), " degraded on this kernel");
	}
}

/* Evaluates catalogue DC dc_idx (cov_data__dc_find) under c, for a DC that
 * is not in a technique's list (the atomics scorer's added key DCs).
 * Returns 0, or -EINVAL for a bad index. */
int cov_data__evaluate_dc(const struct cov_data *d, const struct cov_collect *c, int dc_idx,
			  const char *tid, struct cov_dc_result *out)
{
	if (dc_idx < 0 || (size_t)dc_idx >= d->ncat)
		return -EINVAL;
	eval_dc(d, c, (size_t)dc_idx, tid, out);
	return 0;
}

/* Scores technique idx: each DC as eval_dc, under the technique's label. */
int cov_data__evaluate(const struct cov_data *d, const struct cov_collect *c, size_t idx,
		       struct cov_tech_result *out)
{
	const struct cov_tech *t;

	if (idx >= d->ntech)
		return -EINVAL;
	t = &d->tech[idx];
	memset(out, 0, sizeof(*out));
	out->id = t->id;
	out->name = t->name;
	out->tactics = t->tactics;
	out->ndc = t->ndc;
	for (size_t i = 0; i < t->ndc; i++) {
		struct cov_dc_result *r = &out->dc[i];

		eval_dc(d, c, t->dc[i], t->id, r);
		if (t->label[i])
			r->label = t->label[i];
		if (r->state == COV_DC_FULL)
			out->n_full++;
		else if (r->state == COV_DC_PARTIAL)
			out->n_partial++;
	}
	if (t->ndc)
		out->score =
		    100.0 * ((double)out->n_full + 0.5 * (double)out->n_partial) / (double)t->ndc;
	out->level = cov_level_from_pct(out->score);
	return 0;
}
