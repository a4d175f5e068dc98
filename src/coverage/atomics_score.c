/*
 * atomics_score.c — the scorer of an Atomic Red Team run: MANIFEST (what the
 * runner did) + the sensor's JSON lines (what vigil saw) + optional Sigma
 * rules → RESULTS. See atomics_score.h and vigil(8), `atomics score`.
 *
 * Attribution. Every process a test starts descends from its sandbox root,
 * whose ProcessCreate CommandLine starts with `vigil-atomic:<runid>:<idx>`
 * (then a space or the end); each phase is a shell whose CommandLine starts
 * with `vigil-atomic:<runid>:<idx>:<phase> `. The marker must open the
 * command line: a `grep vigil-atomic:...` is not a root. The process table
 * maps ProcessGuid → parent ProcessGuid, taken from ProcessCreate and
 * ProcessFork (ParentProcessGuid) and, for a process seen only through its
 * other events (a fork that never execs, when ProcessFork is not logged),
 * from InitiatingProcessParentGuid; a ProcessCreate/ProcessFork parent
 * replaces an InitiatingProcessParentGuid one, never the reverse. A process
 * belongs to the test of its parent when the parent belongs to one (lineage
 * wins: a test that execs something named like another test's root stays in
 * its own tree), else to the test whose root marker it carries, else to none.
 * Its phase is that of its nearest phase-shell ancestor, or its own when it
 * is one (a phase marker counts only for the test the process belongs to).
 * Each process has one test, so no event counts for two. The root's own
 * events belong to the test with no phase: they count in "events" but never
 * in the command phase. Time plays no part.
 *
 * Two passes. A process's events can be written before its ProcessCreate
 * (events of different CPUs meet in user space in any order), and a child's
 * ProcessCreate before its parent's, so the first pass only builds the
 * process table from every line and the second attributes every event with
 * the whole table known. That needs a seekable file (the runner's
 * --sensor-output is one); memory is one line buffer plus the table,
 * bounded by ATOMICS_SCORE_MAX_PROCS.
 *
 * Which process acts: every event with a ProcessGuid names its initiating
 * process there (docs/EVENTS.md); ProcessAccess falls back to
 * SourceProcessGUID. DetectionAlert (242) is skipped: its ProcessGuid is the
 * matched event's, and Sigma runs here itself.
 *
 * Data components. The technique's Linux DCs come from the shipped ATT&CK
 * v18.1 table (data/attack/attack_v18.1_linux_technique_dc.tsv) through
 * cov_data; a sub-technique without a row there uses its parent's
 * (T1552.005 → T1552) and says so in "data_components_of". A DC is
 * observable when some vigil event maps to it (data/event_dc_map.tsv) and
 * seen when such an event was attributed to the test's command phase; the
 * phase shell's own ProcessCreate never counts (it is the runner's doing).
 * Key DCs are the observable ones, without the generic execution DCs
 * (DC0032 Process Creation, DC0064 Command Execution) when the technique has
 * any other observable DC. A technique with no observable DC has no key DC,
 * so its telemetry is "not_seen": vigil has nothing to show for it.
 */
#include "coverage/atomics_score.h"

#include "common/datadir.h"
#include "common/record_json.h"
#include "coverage/coverage.h"
#include "detect/sigma.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BAD_REPORT_MAX 10 /* bad lines named on err; the rest only counted */
#define MAX_DEPTH      4096
#define PHASE_NONE     (-1)
#define PHASE_COMMAND  0
#define PHASE_CLEANUP  1
/* prereq k is 2 + 2k, get_prereq k is 3 + 2k */
#define MAX_PREREQ 1000

/*
 * Sigma rules that fire on the runner's own shells, whatever the test does:
 * an alert from them says nothing about the technique, so it is "generic"
 * and does not make "nongeneric_alert". Found by running SigmaHQ's Linux
 * rules (tests/fixtures/sigmahq) over the phase shells' ProcessCreate of a
 * real run and over `/bin/sh -c true` with /tmp as working directory and
 * parent.
 */
static const struct {
	const char *id, *title, *why;
} generic_rules[] = {
    {"30bcce26-51c5-49f2-99c8-7b59e3af36c7",
     "Execution Of Script Located In Potentially Suspicious Directory",
     "a shell with ' -c ' whose command line names '/tmp/': every phase shell (`sh -c CMD`) of a "
     "test whose command touches /tmp, which most Linux atomics do"},
    {"2fade0b6-7423-4835-9d4f-335b39b83867", "Shell Execution Of Process Located In Tmp Directory",
     "a shell whose parent image is under /tmp/: the sandbox root shell whenever vigil itself "
     "runs from under /tmp (a build tree there, CI), and any shell a test's dropped /tmp program "
     "starts"},
};

bool atomics_score_generic_rule(const char *id, const char *title)
{
	for (size_t i = 0; i < sizeof(generic_rules) / sizeof(generic_rules[0]); i++) {
		if (id && id[0] && strcmp(id, generic_rules[i].id) == 0)
			return true;
		if ((!id || !id[0]) && title && strcmp(title, generic_rules[i].title) == 0)
			return true;
	}
	return false;
}

struct guid {
	uint64_t hi, lo;
};

struct proc {
	struct guid key;
	uint32_t parent;    /* index + 1 into procs, 0 = none */
	int32_t root;	    /* test whose root marker a ProcessCreate carried, or -1 */
	int32_t phase_test; /* test of a phase marker, or -1 */
	int32_t test;	    /* resolved test, or -1 */
	int16_t phase;	    /* the phase marker's phase */
	int16_t rphase;	    /* resolved phase */
	uint8_t edge;	    /* 0 no parent, 1 InitiatingProcessParentGuid, 2 ParentProcessGuid */
	uint8_t state;	    /* 0 unresolved, 1 being resolved, 2 resolved */
};

struct alert {
	const struct sigma_rule_info *rule;
	unsigned long long count, cmd_count;
};

struct test_acc {
	unsigned long long events, cmd_events;
	uint32_t ev[VIGIL_EVENT_ID_MAX], cmd[VIGIL_EVENT_ID_MAX];
	bool seen[VIGIL_EVENT_ID_MAX]; /* in the command phase, phase shell's ProcessCreate aside */
	bool root_seen;
	struct alert *alerts;
	size_t nalerts, calerts;
};

struct sc {
	FILE *err;
	const char *path;
	char runid[17];
	size_t ntests;
	struct test_acc *acc;
	/* process table: dense array + open-addressing index of proc idx + 1 */
	struct proc *procs;
	size_t nprocs, cprocs;
	uint32_t *index;
	size_t nindex; /* power of two */
	unsigned long long table_full;
	uint32_t *path_stack;
	/* input counters */
	unsigned long long lines, events, bad, oversize, attributed;
	/* Sigma */
	struct sigma_engine *sigma;
	int cur_test;
	bool cur_cmd;
	int sigma_rc;
};

static void msg(struct sc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(struct sc *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->err)
		return;
	va_start(ap, fmt);
	vfprintf(s->err, fmt, ap);
	va_end(ap);
	fputc('\n', s->err);
}

/* ---- ProcessGuid and the process table ---- */

/* Parses "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (braces and dashes
 * optional): exactly 32 hex digits. */
static bool guid_parse(const char *s, size_t len, struct guid *g)
{
	unsigned n = 0;

	g->hi = g->lo = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i], v;

		if (c == '{' || c == '}' || c == '-')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return false;
		if (n >= 32)
			return false;
		if (n < 16)
			g->hi = g->hi << 4 | (uint64_t)v;
		else
			g->lo = g->lo << 4 | (uint64_t)v;
		n++;
	}
	return n == 32;
}

static bool rec_guid(const struct vrec *rec, enum vf_id f, struct guid *g)
{
	size_t len;
	const char *v = vrec__get(rec, f, &len);

	return v && guid_parse(v, len, g);
}

static uint64_t guid_hash(const struct guid *g)
{
	uint64_t x = g->hi ^ (g->lo * 0x9e3779b97f4a7c15ull);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x;
}

/* The slot of g in the index: its own, or the empty one it would take. */
static size_t slot_of(const struct sc *s, const struct guid *g)
{
	size_t mask = s->nindex - 1, i = (size_t)guid_hash(g) & mask;

	while (s->index[i]) {
		const struct proc *p = &s->procs[s->index[i] - 1];

		if (p->key.hi == g->hi && p->key.lo == g->lo)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static int32_t proc_find(const struct sc *s, const struct guid *g)
{
	size_t i;

	if (!s->nindex)
		return -1;
	i = slot_of(s, g);
	return s->index[i] ? (int32_t)(s->index[i] - 1) : -1;
}

static int index_grow(struct sc *s)
{
	size_t n = s->nindex ? s->nindex * 2 : 1u << 16;
	uint32_t *idx = calloc(n, sizeof(*idx)), *old = s->index;

	if (!idx)
		return -ENOMEM;
	s->index = idx;
	s->nindex = n;
	for (size_t i = 0; i < s->nprocs; i++)
		s->index[slot_of(s, &s->procs[i].key)] = (uint32_t)i + 1;
	free(old);
	return 0;
}

/* The index of g in the table, added when new; -ENOSPC when the table is
 * full (counted), -ENOMEM. */
static int32_t proc_get(struct sc *s, const struct guid *g)
{
	int32_t i = proc_find(s, g);
	size_t slot;

	if (i >= 0)
		return i;
	if (s->nprocs >= ATOMICS_SCORE_MAX_PROCS) {
		s->table_full++;
		return -ENOSPC;
	}
	if ((s->nprocs + 1) * 2 > s->nindex && index_grow(s))
		return -ENOMEM;
	if (s->nprocs == s->cprocs) {
		size_t n = s->cprocs ? s->cprocs * 2 : 4096;
		struct proc *p = realloc(s->procs, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->procs = p;
		s->cprocs = n;
	}
	slot = slot_of(s, g);
	s->procs[s->nprocs] = (struct proc){.key = *g, .root = -1, .phase_test = -1, .test = -1};
	s->index[slot] = (uint32_t)s->nprocs + 1;
	return (int32_t)s->nprocs++;
}

/* Resolves procs[i] and its unresolved ancestors, top first (see the
 * header comment for the rule). A cycle or a chain deeper than MAX_DEPTH
 * is cut there: the cut process is treated as having no parent. */
static void resolve(struct sc *s, uint32_t i)
{
	size_t n = 0;
	uint32_t cur = i;

	while (s->procs[cur].state == 0 && n < MAX_DEPTH) {
		s->procs[cur].state = 1;
		s->path_stack[n++] = cur;
		if (!s->procs[cur].parent)
			break;
		cur = s->procs[cur].parent - 1;
	}
	while (n > 0) {
		struct proc *p = &s->procs[s->path_stack[--n]];
		const struct proc *par = p->parent ? &s->procs[p->parent - 1] : NULL;

		if (par && par->state == 2 && par->test >= 0) {
			p->test = par->test;
			p->rphase = p->phase_test == p->test ? p->phase : par->rphase;
		} else if (p->root >= 0) {
			p->test = p->root;
			p->rphase = p->phase_test == p->test ? p->phase : PHASE_NONE;
		} else {
			p->test = -1;
			p->rphase = PHASE_NONE;
		}
		p->state = 2;
	}
}

/* ---- markers ---- */

enum marker { M_NONE = 0, M_ROOT, M_PHASE };

/* Parses a decimal without sign or leading zero into *out (< limit). */
static const char *parse_num(const char *p, const char *end, long limit, long *out)
{
	long v = 0;
	const char *start = p;

	while (p < end && isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		if (v >= limit)
			return NULL;
		p++;
	}
	if (p == start || (*start == '0' && p - start > 1))
		return NULL;
	*out = v;
	return p;
}

/* Which marker of this run cmd[0..len) opens with, if any; *idx and *phase
 * filled. */
static enum marker marker_parse(const struct sc *s, const char *cmd, size_t len, long *idx,
				int *phase)
{
	static const char pre[] = "vigil-atomic:";
	const char *p = cmd, *end = cmd + len;
	long k;

	if (len < sizeof(pre) - 1 + 16 + 2 || memcmp(p, pre, sizeof(pre) - 1) != 0)
		return M_NONE;
	p += sizeof(pre) - 1;
	if (memcmp(p, s->runid, 16) != 0 || p[16] != ':')
		return M_NONE;
	p += 17;
	p = parse_num(p, end, (long)s->ntests, idx);
	if (!p)
		return M_NONE;
	if (p == end || *p == ' ')
		return M_ROOT;
	if (*p++ != ':')
		return M_NONE;
	if ((size_t)(end - p) >= 7 && memcmp(p, "command", 7) == 0) {
		*phase = PHASE_COMMAND;
		p += 7;
	} else if ((size_t)(end - p) >= 7 && memcmp(p, "cleanup", 7) == 0) {
		*phase = PHASE_CLEANUP;
		p += 7;
	} else if ((size_t)(end - p) >= 6 && memcmp(p, "prereq", 6) == 0) {
		p = parse_num(p + 6, end, MAX_PREREQ, &k);
		if (!p)
			return M_NONE;
		*phase = 2 + 2 * (int)k;
	} else if ((size_t)(end - p) >= 10 && memcmp(p, "get_prereq", 10) == 0) {
		p = parse_num(p + 10, end, MAX_PREREQ, &k);
		if (!p)
			return M_NONE;
		*phase = 3 + 2 * (int)k;
	} else {
		return M_NONE;
	}
	return p == end || *p == ' ' ? M_PHASE : M_NONE;
}

/* ---- reading the sensor's lines ---- */

/* The acting process's guid, or false when the event has none (or is a
 * DetectionAlert). */
static bool actor_of(const struct vrec *rec, struct guid *g)
{
	if (rec->def->id == EV_DETECTION_ALERT)
		return false;
	if (rec_guid(rec, VF_ProcessGuid, g))
		return true;
	return rec->def->id == EV_PROCESS_ACCESS && rec_guid(rec, VF_SourceProcessGUID, g);
}

/* Reads one line into buf (at most cap - 1 bytes, NUL-terminated). Returns
 * 1 for a line, 0 at the end, -1 for a line longer than that (consumed). */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	bool over = false;
	int c;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n < cap - 1)
			buf[n++] = (char)c;
		else
			over = true;
	}
	if (c == EOF && n == 0 && !over)
		return 0;
	buf[n] = '\0';
	*len = n;
	return over ? -1 : 1;
}

typedef int (*line_fn)(struct sc *s, struct vrec *rec);

/* Runs fn over every event line of the file; the first pass (report) names
 * and counts the bad lines. */
static int each_event(struct sc *s, FILE *f, char *buf, struct vrec *rec, bool report, line_fn fn)
{
	unsigned long long lineno = 0;
	size_t len;
	char why[256];
	int r, rc;

	while ((r = read_line(f, buf, ATOMICS_SCORE_LINE_MAX + 1, &len)) != 0) {
		lineno++;
		if (report)
			s->lines++;
		while (r > 0 && len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (r < 0) {
			if (report && s->oversize++ < BAD_REPORT_MAX)
				msg(s, "%s:%llu: line longer than %u bytes, skipped", s->path,
				    lineno, ATOMICS_SCORE_LINE_MAX);
			continue;
		}
		if (len == 0)
			continue;
		if (record_json__parse(rec, buf, len, why, sizeof(why))) {
			if (report && s->bad++ < BAD_REPORT_MAX)
				msg(s, "%s:%llu: %s, skipped", s->path, lineno, why);
			continue;
		}
		if (report)
			s->events++;
		rc = fn(s, rec);
		if (rc)
			return rc;
	}
	if (ferror(f)) {
		msg(s, "%s: read error", s->path);
		return -EIO;
	}
	return 0;
}

/* Pass 1: the process table. */
static int pass_table(struct sc *s, struct vrec *rec)
{
	unsigned id = rec->def->id;
	bool lineage = id == EV_PROCESS_CREATE || id == EV_PROCESS_FORK;
	struct guid g, pg;
	int32_t i, pi;
	struct proc *p;

	if (!actor_of(rec, &g))
		return 0;
	i = proc_get(s, &g);
	if (i < 0)
		return i == -ENOSPC ? 0 : i;
	if (rec_guid(rec, lineage ? VF_ParentProcessGuid : VF_InitiatingProcessParentGuid, &pg) &&
	    (pg.hi != g.hi || pg.lo != g.lo) && s->procs[i].edge < (lineage ? 2 : 1)) {
		pi = proc_get(s, &pg);
		if (pi < 0 && pi != -ENOSPC)
			return pi;
		if (pi >= 0) {
			s->procs[i].parent = (uint32_t)pi + 1;
			s->procs[i].edge = lineage ? 2 : 1;
		}
	}
	p = &s->procs[i];
	if (id == EV_PROCESS_CREATE) {
		size_t len;
		const char *cmd = vrec__get(rec, VF_CommandLine, &len);
		long idx;
		int phase = PHASE_NONE;

		switch (cmd ? marker_parse(s, cmd, len, &idx, &phase) : M_NONE) {
		case M_ROOT:
			if (p->root < 0)
				p->root = (int32_t)idx;
			break;
		case M_PHASE:
			if (p->phase_test < 0) {
				p->phase_test = (int32_t)idx;
				p->phase = (int16_t)phase;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

static int on_alert(const struct sigma_rule_info *rule, const struct vrec *rec, void *ctx)
{
	struct sc *s = ctx;
	struct test_acc *t = &s->acc[s->cur_test];
	size_t i;

	for (i = 0; i < t->nalerts; i++)
		if (t->alerts[i].rule == rule)
			break;
	if (i == t->nalerts) {
		if (t->nalerts == t->calerts) {
			size_t n = t->calerts ? t->calerts * 2 : 8;
			struct alert *a = realloc(t->alerts, n * sizeof(*a));

			if (!a) {
				s->sigma_rc = -ENOMEM;
				return 1;
			}
			t->alerts = a;
			t->calerts = n;
		}
		t->alerts[t->nalerts++] = (struct alert){.rule = rule};
	}
	t->alerts[i].count++;
	if (s->cur_cmd)
		t->alerts[i].cmd_count++;
	return 0;
}

/* Pass 2: attribution, counts and Sigma. */
static int pass_attribute(struct sc *s, struct vrec *rec)
{
	unsigned id = rec->def->id;
	struct test_acc *t;
	struct proc *p;
	struct guid g;
	int32_t i;

	if (!actor_of(rec, &g) || (i = proc_find(s, &g)) < 0)
		return 0;
	p = &s->procs[i];
	if (p->state != 2)
		resolve(s, (uint32_t)i);
	if (p->test < 0)
		return 0;
	s->attributed++;
	t = &s->acc[p->test];
	t->events++;
	t->ev[id]++;
	if (p->root == p->test && id == EV_PROCESS_CREATE)
		t->root_seen = true;
	if (p->rphase == PHASE_COMMAND) {
		bool shell_itself = false;

		t->cmd_events++;
		t->cmd[id]++;
		if (id == EV_PROCESS_CREATE && p->phase_test == p->test) {
			size_t len;
			const char *cmd = vrec__get(rec, VF_CommandLine, &len);
			long idx;
			int phase;

			shell_itself = cmd && marker_parse(s, cmd, len, &idx, &phase) == M_PHASE &&
				       idx == p->test;
		}
		if (!shell_itself)
			t->seen[id] = true;
	}
	if (s->sigma) {
		int rc;

		s->cur_test = p->test;
		s->cur_cmd = p->rphase == PHASE_COMMAND;
		rc = sigma__match(s->sigma, rec, on_alert, s);
		if (s->sigma_rc)
			return s->sigma_rc;
		if (rc < 0) {
			msg(s, "sigma: matching failed: %s", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* ---- the manifest ---- */

static int bad_manifest(struct sc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad_manifest(struct sc *s, const char *fmt, ...)
{
	va_list ap;

	if (s->err) {
		fputs("manifest: ", s->err);
		va_start(ap, fmt);
		vfprintf(s->err, fmt, ap);
		va_end(ap);
		fputc('\n', s->err);
	}
	return -EINVAL;
}

static bool get_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Checks what the scorer relies on; everything else is copied as it is. */
static int check_manifest(struct sc *s, struct json_object *m, struct json_object **tests)
{
	struct json_object *v;
	const char *runid;
	size_t n;

	if (!m || !json_object_is_type(m, json_type_object))
		return bad_manifest(s, "not a JSON object");
	if (!json_object_object_get_ex(m, "vigil_atomics_manifest", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1)
		return bad_manifest(s, "\"vigil_atomics_manifest\" is not 1 (not a vigil atomics "
				       "manifest, or a version this vigil does not know)");
	runid = get_str(m, "runid");
	if (!runid || strlen(runid) != 16 || strspn(runid, "0123456789abcdef") != 16)
		return bad_manifest(s, "\"runid\" is not 16 lowercase hex digits");
	memcpy(s->runid, runid, 17);
	if (!json_object_object_get_ex(m, "tests", tests) ||
	    !json_object_is_type(*tests, json_type_array))
		return bad_manifest(s, "\"tests\" is not an array");
	n = json_object_array_length(*tests);
	if (n > ATOMICS_SCORE_MAX_TESTS)
		return bad_manifest(s, "more than %d tests", ATOMICS_SCORE_MAX_TESTS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(*tests, i);
		const char *tech;
		bool ran, ok;

		if (!json_object_is_type(t, json_type_object))
			return bad_manifest(s, "tests[%zu] is not an object", i);
		if (!json_object_object_get_ex(t, "index", &v) ||
		    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) != (long)i)
			return bad_manifest(s, "tests[%zu]: \"index\" is not %zu", i, i);
		tech = get_str(t, "technique");
		if (!tech || tech[0] != 'T')
			return bad_manifest(s, "tests[%zu]: \"technique\" is not a technique id",
					    i);
		if (!get_bool(t, "ran", &ran))
			return bad_manifest(s, "tests[%zu]: \"ran\" is not true or false", i);
		if (ran && !get_bool(t, "succeeded", &ok))
			return bad_manifest(
			    s, "tests[%zu]: ran, but \"succeeded\" is not true or false", i);
	}
	s->ntests = n;
	return 0;
}

/* ---- data components ---- */

struct dc_ctx {
	struct cov_data *data;
	struct cov_collect *all, *one; /* every event collected; one event at a time */
	struct cov_tech_result *r_all, *r_one;
};

static bool dc_generic(const char *id)
{
	return strcmp(id, "DC0032") == 0 || strcmp(id, "DC0064") == 0;
}

/* Sets "technique_name", "data_components" (and "data_components_of" for
 * a parent's), and returns via *nkey / *nseen the key DCs and how many of
 * them the command phase showed. */
static int score_dcs(struct dc_ctx *c, const char *tech, const struct test_acc *t,
		     struct json_object *out, size_t *nkey, size_t *nseen)
{
	char parent[16], name[512] = "";
	int ti = cov_data__find(c->data, tech), pi = -1;
	struct json_object *dcs = json_object_new_array(), *by[COV_MAX_DC] = {0};
	bool specific = false;

	*nkey = *nseen = 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)strcspn(tech, "."), tech);
	if (strchr(tech, '.'))
		pi = cov_data__find(c->data, parent);
	if (pi >= 0 && cov_data__evaluate(c->data, c->all, (size_t)pi, c->r_all) == 0)
		snprintf(name, sizeof(name), "%s", c->r_all->name);
	if (ti >= 0 && cov_data__evaluate(c->data, c->all, (size_t)ti, c->r_all) == 0) {
		if (pi >= 0) {
			size_t l = strlen(name);

			snprintf(name + l, sizeof(name) - l, ": %s", c->r_all->name);
		} else {
			snprintf(name, sizeof(name), "%s", c->r_all->name);
		}
	} else if (pi >= 0 && cov_data__evaluate(c->data, c->all, (size_t)pi, c->r_all) == 0) {
		ti = pi;
		json_object_object_add(out, "data_components_of", json_object_new_string(parent));
	} else {
		ti = -1;
	}
	json_object_object_add(out, "technique_name", json_object_new_string(name));
	if (ti < 0) {
		json_object_object_add(out, "data_components", dcs);
		return 0;
	}
	for (size_t j = 0; j < c->r_all->ndc; j++)
		if (c->r_all->dc[j].state != COV_DC_MISSING && !dc_generic(c->r_all->dc[j].dc_id))
			specific = true;
	/* Which DCs each event type seen in the command phase gives. */
	for (unsigned e = 0; e < VIGIL_EVENT_ID_MAX; e++) {
		if (!t->seen[e] || !schema__event(e))
			continue;
		c->one->ev[e].level = COV_ALL;
		cov_data__evaluate(c->data, c->one, (size_t)ti, c->r_one);
		c->one->ev[e].level = COV_OFF;
		for (size_t j = 0; j < c->r_one->ndc; j++) {
			if (c->r_one->dc[j].state == COV_DC_MISSING)
				continue;
			if (!by[j])
				by[j] = json_object_new_array();
			json_object_array_add(by[j],
					      json_object_new_string(schema__event(e)->name));
		}
	}
	for (size_t j = 0; j < c->r_all->ndc; j++) {
		const struct cov_dc_result *d = &c->r_all->dc[j];
		bool observable = d->state != COV_DC_MISSING;
		bool key = observable && !(specific && dc_generic(d->dc_id));
		const char *label = d->label, *sp = strchr(label, ' ');
		struct json_object *o = json_object_new_object();

		/* v18 labels read "DC0032 Process Creation". */
		json_object_object_add(o, "id", json_object_new_string(d->dc_id));
		json_object_object_add(o, "name", json_object_new_string(sp ? sp + 1 : label));
		json_object_object_add(o, "key", json_object_new_boolean(key));
		json_object_object_add(o, "seen", json_object_new_boolean(by[j] != NULL));
		json_object_object_add(o, "by", by[j] ? by[j] : json_object_new_array());
		json_object_object_add(o, "observable", json_object_new_boolean(observable));
		json_object_array_add(dcs, o);
		*nkey += key;
		*nseen += key && by[j];
	}
	json_object_object_add(out, "data_components", dcs);
	return 0;
}

static struct json_object *event_types(const uint32_t *ev)
{
	struct json_object *o = json_object_new_object();

	for (unsigned e = 0; e < VIGIL_EVENT_ID_MAX; e++)
		if (ev[e] && schema__event(e))
			json_object_object_add(o, schema__event(e)->name,
					       json_object_new_int64(ev[e]));
	return o;
}

static int alert_cmp(const void *a, const void *b)
{
	const struct alert *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->rule->title, y->rule->title);
}

/* "alerts" (every rule that fired on the test's events, any phase, with
 * its count and command-phase count), "alert" and "nongeneric_alert" (a
 * rule, or a rule not in generic_rules[], fired in the command phase);
 * *any / *nongeneric returned. */
static void add_alerts(struct test_acc *t, struct json_object *out, bool *any, bool *nongeneric)
{
	struct json_object *arr = json_object_new_array();

	*any = *nongeneric = false;
	if (t->nalerts)
		qsort(t->alerts, t->nalerts, sizeof(*t->alerts), alert_cmp);
	for (size_t i = 0; i < t->nalerts; i++) {
		const struct sigma_rule_info *r = t->alerts[i].rule;
		bool generic = atomics_score_generic_rule(r->id, r->title);
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "title", json_object_new_string(r->title));
		json_object_object_add(o, "id", json_object_new_string(r->id));
		json_object_object_add(o, "level", json_object_new_string(r->level));
		json_object_object_add(o, "generic", json_object_new_boolean(generic));
		json_object_object_add(o, "count",
				       json_object_new_int64((int64_t)t->alerts[i].count));
		json_object_object_add(o, "command_count",
				       json_object_new_int64((int64_t)t->alerts[i].cmd_count));
		json_object_array_add(arr, o);
		/* Only the command phase makes "alert": a prerequisite's or
		 * cleanup's `rm -f FILE` fires SigmaHQ's File Deletion for
		 * nearly every test, which says nothing of the technique. */
		if (t->alerts[i].cmd_count) {
			*any = true;
			*nongeneric |= !generic;
		}
	}
	json_object_object_add(out, "alerts", arr);
	json_object_object_add(out, "alert", json_object_new_boolean(*any));
	json_object_object_add(out, "nongeneric_alert", json_object_new_boolean(*nongeneric));
}

/* The class of a skip reason: its text up to the first ':' ("download",
 * "policy", "prerequisite not met", "manual"). */
static void reason_class(const char *why, char *out, size_t len)
{
	if (!why || !why[0])
		why = "unknown";
	snprintf(out, len, "%.*s", (int)strcspn(why, ":"), why);
}

struct totals {
	long tests, ran, skipped, succeeded, key_seen, covered, alerted, nongeneric;
	long verdict[5];
	struct json_object *by_reason;
};

static const char *const verdict_names[5] = {"verified", "partial", "not_seen", "command_failed",
					     "skipped"};

/* One RESULTS entry: the manifest's fields, then the scores. */
static int score_test(struct sc *s, struct dc_ctx *c, struct json_object *mt, size_t i,
		      struct totals *tot, struct json_object **out)
{
	struct test_acc *t = &s->acc[i];
	struct json_object *o = json_object_new_object();
	bool ran = false, ok = false, any, nongeneric;
	size_t nkey, nseen;
	const char *tel;
	int verdict;

	if (!o)
		return -ENOMEM;
	json_object_object_foreach(mt, k, v) json_object_object_add(o, k, json_object_get(v));
	get_bool(mt, "ran", &ran);
	if (ran)
		get_bool(mt, "succeeded", &ok);
	score_dcs(c, get_str(mt, "technique"), t, o, &nkey, &nseen);
	json_object_object_add(o, "events", json_object_new_int64((int64_t)t->events));
	json_object_object_add(o, "event_types", event_types(t->ev));
	json_object_object_add(o, "command_events", json_object_new_int64((int64_t)t->cmd_events));
	json_object_object_add(o, "command_event_types", event_types(t->cmd));
	json_object_object_add(o, "root_seen", json_object_new_boolean(t->root_seen));
	if (!ran || !ok)
		tel = "n/a";
	else if (nkey && nseen == nkey)
		tel = "covered";
	else if (nseen)
		tel = "partial";
	else
		tel = "not_seen";
	json_object_object_add(o, "telemetry", json_object_new_string(tel));
	json_object_object_add(o, "key_seen", json_object_new_boolean(ran && nseen > 0));
	add_alerts(t, o, &any, &nongeneric);
	if (!ran)
		verdict = 4;
	else if (!ok)
		verdict = 3;
	else
		verdict = tel[0] == 'c' ? 0 : tel[0] == 'p' ? 1 : 2;
	json_object_object_add(o, "verdict", json_object_new_string(verdict_names[verdict]));

	tot->tests++;
	tot->verdict[verdict]++;
	if (!ran) {
		char cls[128];
		struct json_object *n;

		tot->skipped++;
		reason_class(get_str(mt, "skip_reason"), cls, sizeof(cls));
		if (json_object_object_get_ex(tot->by_reason, cls, &n))
			json_object_int_inc(n, 1);
		else
			json_object_object_add(tot->by_reason, cls, json_object_new_int64(1));
	} else {
		tot->ran++;
		tot->succeeded += ok;
		tot->key_seen += ok && nseen > 0;
		tot->covered += tel[0] == 'c';
		tot->alerted += any;
		tot->nongeneric += nongeneric;
	}
	*out = o;
	return 0;
}

static struct json_object *totals_json(struct totals *tot)
{
	struct json_object *o = json_object_new_object(), *v = json_object_new_object();

	json_object_object_add(o, "tests", json_object_new_int64(tot->tests));
	json_object_object_add(o, "ran", json_object_new_int64(tot->ran));
	json_object_object_add(o, "skipped", json_object_new_int64(tot->skipped));
	json_object_object_add(o, "skipped_by_reason", tot->by_reason);
	json_object_object_add(o, "succeeded", json_object_new_int64(tot->succeeded));
	json_object_object_add(o, "key_seen", json_object_new_int64(tot->key_seen));
	json_object_object_add(o, "covered", json_object_new_int64(tot->covered));
	json_object_object_add(o, "alerted", json_object_new_int64(tot->alerted));
	json_object_object_add(o, "nongeneric_alerted", json_object_new_int64(tot->nongeneric));
	for (int k = 0; k < 5; k++)
		json_object_object_add(v, verdict_names[k], json_object_new_int64(tot->verdict[k]));
	json_object_object_add(o, "by_verdict", v);
	tot->by_reason = NULL;
	return o;
}

static void copy_field(struct json_object *from, struct json_object *to, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(from, key, &v))
		json_object_object_add(to, key, json_object_get(v));
	else
		json_object_object_add(to, key, NULL);
}

static void sigma_report(const struct sigma_report *r, void *ctx)
{
	struct sc *s = ctx;

	if (r->status == SIGMA_UNSUPPORTED || r->status == SIGMA_ERROR)
		msg(s, "%s:%d: %s: %s (rule skipped)", r->file, r->line,
		    r->status == SIGMA_ERROR ? "error" : "unsupported", r->msg);
}

static int load_sigma(struct sc *s, const char *path)
{
	int rc;

	s->sigma = sigma__new();
	if (!s->sigma)
		return -ENOMEM;
	rc = sigma__add_path(s->sigma, path);
	if (rc < 0) {
		msg(s, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = sigma__compile(s->sigma, sigma_report, s);
	if (rc < 0) {
		msg(s, "sigma: cannot build the matcher: %s", strerror(-rc));
		return rc;
	}
	if (sigma__rule_count(s->sigma) == 0)
		msg(s, "sigma: warning: no rule of %s loaded", path);
	return 0;
}

static int load_data(struct dc_ctx *c, struct sc *s)
{
	char dir[4096], why[512];
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	if (datadir__find(NULL, dir, sizeof(dir))) {
		msg(s, "ATT&CK data not found (looked last in %s; set VIGIL_DATADIR)", dir);
		return -ENODATA;
	}
	c->data = cov_data__load(dir, COV_MODEL_V18, why, sizeof(why));
	if (!c->data) {
		msg(s, "%s", why);
		return errno == ENOMEM ? -ENOMEM : -ENODATA;
	}
	c->all = malloc(sizeof(*c->all));
	c->one = malloc(sizeof(*c->one));
	c->r_all = malloc(sizeof(*c->r_all));
	c->r_one = malloc(sizeof(*c->r_one));
	if (!c->all || !c->one || !c->r_all || !c->r_one)
		return -ENOMEM;
	cov_collect__init(c->all, "atomics");
	cov_collect__init(c->one, "atomics");
	for (size_t i = 0; i < n; i++) {
		c->all->ev[evs[i]->id].level = COV_ALL;
		c->one->ev[evs[i]->id].level = COV_OFF;
	}
	return 0;
}

static void free_data(struct dc_ctx *c)
{
	cov_data__free(c->data);
	free(c->all);
	free(c->one);
	free(c->r_all);
	free(c->r_one);
}

static int build_results(struct sc *s, struct dc_ctx *c, struct json_object *m,
			 struct json_object *tests, const char *events_path, const char *sigma_path,
			 struct json_object **results)
{
	struct json_object *r = json_object_new_object(), *arr = json_object_new_array(), *in;
	struct totals tot = {.by_reason = json_object_new_object()};
	char abs[PATH_MAX];

	if (!r || !arr || !tot.by_reason) {
		json_object_put(r);
		json_object_put(arr);
		json_object_put(tot.by_reason);
		return -ENOMEM;
	}
	json_object_object_add(r, "vigil_atomics_results", json_object_new_int(1));
	copy_field(m, r, "runid");
	copy_field(m, r, "host");
	copy_field(m, r, "atomics_dir");
	json_object_object_add(
	    r, "sensor_output",
	    json_object_new_string(realpath(events_path, abs) ? abs : events_path));
	json_object_object_add(r, "sigma",
			       !sigma_path		   ? NULL
			       : realpath(sigma_path, abs) ? json_object_new_string(abs)
							   : json_object_new_string(sigma_path));
	copy_field(m, r, "started");
	copy_field(m, r, "finished");
	for (size_t i = 0; i < s->ntests; i++) {
		struct json_object *o;
		int rc = score_test(s, c, json_object_array_get_idx(tests, i), i, &tot, &o);

		if (rc) {
			json_object_put(r);
			json_object_put(arr);
			json_object_put(tot.by_reason);
			return rc;
		}
		json_object_array_add(arr, o);
	}
	json_object_object_add(r, "results", arr);
	json_object_object_add(r, "totals", totals_json(&tot));
	in = json_object_new_object();
	json_object_object_add(in, "lines", json_object_new_int64((int64_t)s->lines));
	json_object_object_add(in, "events", json_object_new_int64((int64_t)s->events));
	json_object_object_add(in, "bad_lines", json_object_new_int64((int64_t)s->bad));
	json_object_object_add(in, "oversize_lines", json_object_new_int64((int64_t)s->oversize));
	json_object_object_add(in, "attributed", json_object_new_int64((int64_t)s->attributed));
	json_object_object_add(in, "processes", json_object_new_int64((int64_t)s->nprocs));
	json_object_object_add(in, "process_table_full",
			       json_object_new_int64((int64_t)s->table_full));
	json_object_object_add(r, "input", in);
	*results = r;
	return 0;
}

int atomics_score(struct json_object *manifest, const char *events_path, const char *sigma_path,
		  struct json_object **results, FILE *err)
{
	struct sc s = {.err = err, .path = events_path};
	struct dc_ctx c = {0};
	struct json_object *tests = NULL;
	struct vrec *rec = NULL;
	char *buf = NULL;
	FILE *f = NULL;
	int rc;

	*results = NULL;
	rc = check_manifest(&s, manifest, &tests);
	if (rc)
		return rc;
	s.acc = calloc(s.ntests ? s.ntests : 1, sizeof(*s.acc));
	s.path_stack = malloc(MAX_DEPTH * sizeof(*s.path_stack));
	rec = calloc(1, sizeof(*rec));
	buf = malloc(ATOMICS_SCORE_LINE_MAX + 1);
	if (!s.acc || !s.path_stack || !rec || !buf) {
		rc = -ENOMEM;
		goto out;
	}
	rc = load_data(&c, &s);
	if (rc)
		goto out;
	if (sigma_path) {
		rc = load_sigma(&s, sigma_path);
		if (rc)
			goto out;
	}
	f = fopen(events_path, "re");
	if (!f) {
		rc = -errno;
		msg(&s, "%s: %s", events_path, strerror(errno));
		goto out;
	}
	rc = each_event(&s, f, buf, rec, true, pass_table);
	if (rc)
		goto out;
	if (fseek(f, 0, SEEK_SET) != 0) {
		rc = -errno;
		msg(&s, "%s: cannot read it twice (%s): give a regular file", events_path,
		    strerror(errno));
		goto out;
	}
	rc = each_event(&s, f, buf, rec, false, pass_attribute);
	if (rc)
		goto out;
	if (s.bad > BAD_REPORT_MAX || s.oversize > BAD_REPORT_MAX)
		msg(&s,
		    "%s: %llu bad lines, %llu oversize lines in all (the first %d of each named)",
		    events_path, s.bad, s.oversize, BAD_REPORT_MAX);
	rc = build_results(&s, &c, manifest, tests, events_path, sigma_path, results);
out:
	if (f)
		fclose(f);
	free_data(&c);
	if (s.sigma)
		sigma__free(s.sigma);
	for (size_t i = 0; s.acc && i < s.ntests; i++)
		free(s.acc[i].alerts);
	free(s.acc);
	free(s.path_stack);
	free(s.procs);
	free(s.index);
	free(rec);
	free(buf);
	return rc;
}
