/*
 * atomics_lineage.c — the atomics scorer's process table: each ProcessGuid
 * with its parent, the root or phase marker its ProcessCreate carried, and,
 * once the whole file has been read, the test and phase it belongs to. The
 * rules are in atomics_score.c's header comment and vigil(8).
 *
 * Processes live in a dense array (indices stay valid as it grows) with an
 * open-addressing index on the 128-bit ProcessGuid; a parent is an index.
 * Resolution walks up to the first resolved ancestor and assigns on the way
 * down, so each process is resolved once and a deep or cyclic chain costs
 * no recursion.
 */
#include "coverage/atomics_lineage.h"

#include "coverage/atomics_score.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH  4096
#define MAX_PREREQ 1000 /* prereq k is 2 + 2k, get_prereq k is 3 + 2k */

struct guid {
	uint64_t hi, lo;
};

struct atl_proc {
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
static size_t slot_of(const struct atl *s, const struct guid *g)
{
	size_t mask = s->nindex - 1, i = (size_t)guid_hash(g) & mask;

	while (s->index[i]) {
		const struct atl_proc *p = &s->procs[s->index[i] - 1];

		if (p->key.hi == g->hi && p->key.lo == g->lo)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static int32_t proc_find(const struct atl *s, const struct guid *g)
{
	size_t i;

	if (!s->nindex)
		return -1;
	i = slot_of(s, g);
	return s->index[i] ? (int32_t)(s->index[i] - 1) : -1;
}

static int index_grow(struct atl *s)
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
static int32_t proc_get(struct atl *s, const struct guid *g)
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
		struct atl_proc *p = realloc(s->procs, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->procs = p;
		s->cprocs = n;
	}
	slot = slot_of(s, g);
	s->procs[s->nprocs] =
	    (struct atl_proc){.key = *g, .root = -1, .phase_test = -1, .test = -1};
	s->index[slot] = (uint32_t)s->nprocs + 1;
	return (int32_t)s->nprocs++;
}

/* Resolves procs[i] and its unresolved ancestors, top first (see the
 * header comment for the rule). A cycle or a chain deeper than MAX_DEPTH
 * is cut there: the cut process is treated as having no parent. */
static void resolve(struct atl *s, uint32_t i)
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
		struct atl_proc *p = &s->procs[s->path_stack[--n]];
		const struct atl_proc *par = p->parent ? &s->procs[p->parent - 1] : NULL;

		if (par && par->state == 2 && par->test >= 0) {
			p->test = par->test;
			p->rphase = p->phase_test == p->test ? p->phase : par->rphase;
		} else if (p->root >= 0) {
			p->test = p->root;
			p->rphase = p->phase_test == p->test ? p->phase : ATL_PHASE_NONE;
		} else {
			p->test = -1;
			p->rphase = ATL_PHASE_NONE;
		}
		p->state = 2;
	}
}

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
static enum marker marker_parse(const struct atl *s, const char *cmd, size_t len, long *idx,
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
		*phase = ATL_PHASE_COMMAND;
		p += 7;
	} else if ((size_t)(end - p) >= 7 && memcmp(p, "cleanup", 7) == 0) {
		*phase = ATL_PHASE_CLEANUP;
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

/* Pass 1: one event into the table. */
int atl_add(struct atl *s, const struct vrec *rec)
{
	unsigned id = rec->def->id;
	bool lineage = id == EV_PROCESS_CREATE || id == EV_PROCESS_FORK;
	struct guid g, pg;
	int32_t i, pi;
	struct atl_proc *p;

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
		int phase = ATL_PHASE_NONE;

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

int atl_init(struct atl *s, const char *runid, size_t ntests)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->runid, sizeof(s->runid), "%s", runid);
	s->ntests = ntests;
	s->path_stack = malloc(MAX_DEPTH * sizeof(*s->path_stack));
	return s->path_stack ? 0 : -ENOMEM;
}

void atl_free(struct atl *s)
{
	free(s->procs);
	free(s->index);
	free(s->path_stack);
	memset(s, 0, sizeof(*s));
}

/* Pass 2: the test and phase of the event's process. */
bool atl_find(struct atl *s, const struct vrec *rec, struct atl_hit *hit)
{
	struct atl_proc *p;
	struct guid g;
	int32_t i;

	if (!actor_of(rec, &g) || (i = proc_find(s, &g)) < 0)
		return false;
	p = &s->procs[i];
	if (p->state != 2)
		resolve(s, (uint32_t)i);
	if (p->test < 0)
		return false;
	hit->test = p->test;
	hit->phase = p->rphase;
	hit->root_create = false;
	hit->phase_shell_create = false;
	if (rec->def->id == EV_PROCESS_CREATE) {
		size_t len;
		const char *cmd = vrec__get(rec, VF_CommandLine, &len);
		long idx = -1;
		int phase;
		enum marker m = cmd ? marker_parse(s, cmd, len, &idx, &phase) : M_NONE;

		hit->root_create = m == M_ROOT && p->root == p->test && idx == p->test;
		hit->phase_shell_create =
		    m == M_PHASE && p->phase_test == p->test && idx == p->test;
	}
	return true;
}
