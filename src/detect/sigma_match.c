/*
 * sigma_match.c — the one compiled matcher for every loaded Sigma rule.
 *
 * Atoms are grouped by (EventID, field). Each group's pattern atoms go into
 * one Hyperscan block-mode database (HS_FLAG_SINGLEMATCH: a pattern counts
 * once per field), its equality atoms into an open-addressing hash set keyed
 * by the case-folded value. An event costs one scan per field that any rule
 * of its EventID looks at, plus one hash probe per equality field; a hit
 * stamps the atom and makes its rule a candidate. Only candidates — and the
 * few rules whose condition can hold with no pattern or equality hit, such
 * as `not filter` alone — have their condition trees evaluated, so the cost
 * of an event follows the rules it can match, not the rules loaded.
 *
 * Per-event state (atom and rule stamps, the candidate list, Hyperscan
 * scratch) is thread-local and stamped with a generation number, so nothing
 * is cleared between events.
 */
#include "detect/sigma_auditd.h"
#include "detect/sigma_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Identical patterns (same text and flags, from different rules) are
 * compiled once: pattern id k hits atoms atom_of[first[k] .. first[k+1]). */
struct hs_group {
	uint16_t field; /* VF_NONE for the keyword database */
	hs_database_t *db;
	uint32_t *atom_of; /* atoms, grouped by pattern */
	uint32_t *first;   /* per pattern id, its first entry in atom_of; n + 1 */
	uint32_t n;	   /* distinct patterns */
};

struct ex_ent {
	uint64_t h;
	uint32_t atom; /* UINT32_MAX = empty */
};

struct ex_group {
	uint16_t field;
	struct ex_ent *tab;
	uint32_t mask;
};

struct slot {
	struct hs_group *hs;
	uint32_t nhs;
	struct hs_group kw;
	struct ex_group *ex;
	uint32_t nex;
	uint32_t *always; /* rules evaluated on every event of this id */
	uint32_t nalways;
};

struct sg_matcher {
	struct slot *slots[VIGIL_EVENT_ID_MAX];
	struct sg_rule **by_idx; /* nall entries; NULL for rules not loaded */
	hs_database_t **dbs;
	uint32_t ndbs;
};

struct sg_tls {
	uint64_t uid;
	hs_scratch_t *scratch;
	pcre2_match_data *md;
	uint32_t *atom_gen, *rule_gen, *cand;
	uint32_t natoms, nrules, ncand, gen;
	bool busy; /* inside sigma__match: a callback may not re-enter */
};

static __thread struct sg_tls *tls;

static bool is_eager(const struct sa *a)
{
	return a->kind == SA_HS || a->kind == SA_EXACT || a->kind == SA_KEYWORD;
}

/* ---- hashing ---------------------------------------------------------- */

static uint64_t hash_fold(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= sg_fold((uint8_t)s[i]);
		h *= 1099511628211ull;
	}
	return h;
}

/* ---- build ------------------------------------------------------------ */

static struct slot *get_slot(struct sg_matcher *m, uint16_t id)
{
	if (m->slots[id] == NULL)
		m->slots[id] = calloc(1, sizeof(struct slot));
	return m->slots[id];
}

static int push_db(struct sg_matcher *m, hs_database_t *db)
{
	hs_database_t **t = realloc(m->dbs, (m->ndbs + 1) * sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	m->dbs = t;
	m->dbs[m->ndbs++] = db;
	return 0;
}

/* Moves an atom Hyperscan refused to PCRE2; one PCRE2 also refuses never
 * matches (it was checked at load, so this is a resource limit). */
static void demote(struct sa *a)
{
	int errcode;
	PCRE2_SIZE off;
	uint32_t opts = (a->hs_flags & HS_FLAG_CASELESS ? PCRE2_CASELESS : 0) |
			(a->hs_flags & HS_FLAG_MULTILINE ? PCRE2_MULTILINE : 0) |
			(a->hs_flags & HS_FLAG_DOTALL ? PCRE2_DOTALL : 0);

	a->re = pcre2_compile((PCRE2_SPTR)a->pat, a->patlen, opts, &errcode, &off, NULL);
	if (a->re)
		pcre2_jit_compile(a->re, PCRE2_JIT_COMPLETE);
	a->kind = SA_PCRE;
}

/* An eager atom that is not a trigger is only looked at when its rule is
 * already a candidate: testing it then is cheaper than scanning for it on
 * every event (SigmaHQ's rules pair long literals with short ones like "sh"
 * or "-c" that hit nearly every command line). */
static void make_lazy(struct sa *a)
{
	if (a->lit != NULL) {
		if (a->kind == SA_KEYWORD)
			a->field = VF_NONE;
		a->kind = SA_LIT;
		return;
	}
	demote(a);
}

/* Compiles the pattern atoms in list[0..n) into g. */
static int cmp_pattern(const void *x, const void *y, void *arg)
{
	const struct sa *atoms = arg;
	const struct sa *a = &atoms[*(const uint32_t *)x], *b = &atoms[*(const uint32_t *)y];

	if (a->hs_flags != b->hs_flags)
		return a->hs_flags < b->hs_flags ? -1 : 1;
	return strcmp(a->pat, b->pat);
}

/* Compiles the pattern atoms in list[0..n) into g, one expression per
 * distinct (pattern, flags). An expression Hyperscan refuses sends its
 * atoms to PCRE2 and the rest is compiled again. */
static int build_hs(struct sigma_engine *e, struct sg_matcher *m, uint32_t *list, uint32_t n,
		    uint16_t field, struct hs_group *g, char *err, size_t errlen)
{
	const char **exprs = calloc(n + 1, sizeof(*exprs));
	unsigned *flags = calloc(n + 1, sizeof(*flags)), *ids = calloc(n + 1, sizeof(*ids));
	uint32_t *first = calloc(n + 1, sizeof(*first)), u = 0;
	int rc = -ENOMEM;

	g->field = field;
	if (exprs == NULL || flags == NULL || ids == NULL || first == NULL)
		goto out;
	for (;;) {
		uint32_t k = 0;
		hs_compile_error_t *cerr = NULL;

		for (uint32_t i = 0; i < n; i++) {
			struct sa *a = &e->atoms[list[i]];

			if (a->kind == SA_HS || a->kind == SA_KEYWORD)
				list[k++] = list[i];
		}
		n = k;
		if (n == 0) {
			rc = 0;
			goto out;
		}
		qsort_r(list, n, sizeof(*list), cmp_pattern, e->atoms);
		u = 0;
		for (uint32_t i = 0; i < n; i++) {
			const struct sa *a = &e->atoms[list[i]];

			if (i > 0 && cmp_pattern(&list[i - 1], &list[i], e->atoms) == 0)
				continue;
			exprs[u] = a->pat;
			flags[u] = a->hs_flags | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
			ids[u] = u;
			first[u++] = i;
		}
		first[u] = n;
		if (hs_compile_multi(exprs, flags, ids, u, HS_MODE_BLOCK, NULL, &g->db, &cerr) ==
		    HS_SUCCESS)
			break;
		if (cerr->expression < 0) {
			snprintf(err, errlen, "hyperscan: %s", cerr->message);
			hs_free_compile_error(cerr);
			rc = -EINVAL;
			goto out;
		}
		for (uint32_t j = first[cerr->expression]; j < first[cerr->expression + 1]; j++)
			demote(&e->atoms[list[j]]);
		hs_free_compile_error(cerr);
	}
	g->atom_of = malloc(n * sizeof(*g->atom_of));
	if (g->atom_of == NULL || push_db(m, g->db)) {
		hs_free_database(g->db);
		g->db = NULL;
		goto out;
	}
	memcpy(g->atom_of, list, n * sizeof(*list));
	g->first = first;
	first = NULL;
	g->n = u;
	rc = 0;
out:
	free(first);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

static int build_ex(struct sigma_engine *e, const uint32_t *list, uint32_t n, uint16_t field,
		    struct ex_group *g)
{
	uint32_t size = 16;

	while (size < n * 2)
		size <<= 1;
	g->field = field;
	g->tab = malloc(size * sizeof(*g->tab));
	if (g->tab == NULL)
		return -ENOMEM;
	g->mask = size - 1;
	for (uint32_t i = 0; i < size; i++)
		g->tab[i].atom = UINT32_MAX;
	for (uint32_t i = 0; i < n; i++) {
		const struct sa *a = &e->atoms[list[i]];
		uint64_t h = hash_fold(a->pat, a->patlen);
		uint32_t j = (uint32_t)h & g->mask;

		while (g->tab[j].atom != UINT32_MAX)
			j = (j + 1) & g->mask;
		g->tab[j].h = h;
		g->tab[j].atom = list[i];
	}
	return 0;
}

/* Marks eager atom leaves SX_EATOM (after any demotion to PCRE2). */
static void mark_eager(const struct sigma_engine *e, struct sx *x)
{
	if (x->kind == SX_ATOM || x->kind == SX_EATOM) {
		x->kind = is_eager(&e->atoms[x->atom]) ? SX_EATOM : SX_ATOM;
		return;
	}
	for (uint32_t i = 0; i < x->n; i++)
		mark_eager(e, x->kids[i]);
}

/*
 * Trigger atoms: a set of eager atoms such that the expression can only hold
 * if one of them was hit. An OR needs all its children's sets; an AND needs
 * only one child's, and picks the most selective — the one whose shortest
 * pattern is longest, since "/sh" hits far more events than "/usr/bin/xterm".
 * Only trigger hits make a rule a candidate, so a rule whose filter or
 * parent-image part hits does not get evaluated for nothing. Returns -1 when
 * no such set exists (the rule must always be evaluated), else the score.
 */
static long triggers(struct sigma_engine *e, const struct sx *x, bool mark)
{
	long best = -1, sc;
	uint32_t pick = 0;

	switch (x->kind) {
	case SX_EATOM:
		if (mark)
			e->atoms[x->atom].trigger = true;
		return (long)e->atoms[x->atom].patlen;
	case SX_FALSE:
		return LONG_MAX;
	case SX_OR:
		for (uint32_t i = 0; i < x->n; i++) {
			sc = triggers(e, x->kids[i], false);
			if (sc < 0)
				return -1;
			if (best < 0 || sc < best)
				best = sc;
		}
		if (mark)
			for (uint32_t i = 0; i < x->n; i++)
				triggers(e, x->kids[i], true);
		return best;
	case SX_AND:
		for (uint32_t i = 0; i < x->n; i++) {
			sc = triggers(e, x->kids[i], false);
			if (sc > best) {
				best = sc;
				pick = i;
			}
		}
		if (best >= 0 && mark)
			triggers(e, x->kids[pick], true);
		return best;
	default:
		return -1;
	}
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int sg_matcher_build(struct sigma_engine *e, char *err, size_t errlen)
{
	struct sg_matcher *m = calloc(1, sizeof(*m));
	uint32_t *list = NULL;
	int rc = -ENOMEM;

	if (m == NULL)
		return -ENOMEM;
	e->m = m;
	m->by_idx = calloc(e->nall + 1, sizeof(*m->by_idx));
	list = malloc((e->natoms + 1) * sizeof(*list));
	if (m->by_idx == NULL || list == NULL)
		goto out;
	for (uint32_t i = 0; i < e->nrules; i++)
		m->by_idx[e->rules[i]->idx] = e->rules[i];

	/* Choose each rule's trigger atoms; the other eager atoms go lazy. */
	for (uint32_t i = 0; i < e->nrules; i++) {
		if (e->rules[i]->info.correlation)
			continue;
		mark_eager(e, e->rules[i]->cond);
		triggers(e, e->rules[i]->cond, true);
	}
	for (uint32_t i = 0; i < e->natoms; i++) {
		struct sa *a = &e->atoms[i];

		if (e->all_triggers)
			a->trigger = true;
		else if (m->by_idx[a->rule] && is_eager(a) && !a->trigger)
			make_lazy(a);
	}

	/* Which (event, field) pairs have atoms: walk events, then fields. */
	for (unsigned ev = 0; ev < VIGIL_EVENT_ID_MAX; ev++) {
		uint16_t fields[VF__COUNT + SG_AUD_NVFIELDS + 1];
		uint32_t nf = 0, nkw = 0;
		bool any = false;

		for (uint32_t i = 0; i < e->natoms; i++) {
			const struct sg_rule *r = m->by_idx[e->atoms[i].rule];

			if (r == NULL || r->event_id != ev)
				continue;
			any = true;
			if (e->atoms[i].kind == SA_KEYWORD) {
				list[nkw++] = i;
				continue;
			}
			if (!is_eager(&e->atoms[i]))
				continue;
			bool seen = false;
			for (uint32_t k = 0; k < nf; k++)
				seen |= fields[k] == e->atoms[i].field;
			if (!seen)
				fields[nf++] = e->atoms[i].field;
		}
		if (!any)
			continue;
		struct slot *s = get_slot(m, (uint16_t)ev);
		if (s == NULL)
			goto out;
		if (nkw) {
			rc = build_hs(e, m, list, nkw, VF_NONE, &s->kw, err, errlen);
			if (rc)
				goto out;
			rc = -ENOMEM;
		}
		qsort(fields, nf, sizeof(fields[0]), cmp_u16);
		s->hs = calloc(nf + 1, sizeof(*s->hs));
		s->ex = calloc(nf + 1, sizeof(*s->ex));
		if (s->hs == NULL || s->ex == NULL)
			goto out;
		for (uint32_t k = 0; k < nf; k++) {
			uint32_t nhs = 0, nex = 0;

			for (uint32_t i = 0; i < e->natoms; i++) {
				const struct sa *a = &e->atoms[i];
				const struct sg_rule *r = m->by_idx[a->rule];

				if (r && r->event_id == ev && a->field == fields[k] &&
				    a->kind == SA_HS)
					list[nhs++] = i;
			}
			if (nhs) {
				rc = build_hs(e, m, list, nhs, fields[k], &s->hs[s->nhs], err,
					      errlen);
				if (rc)
					goto out;
				rc = -ENOMEM;
				if (s->hs[s->nhs].db)
					s->nhs++;
			}
			for (uint32_t i = 0; i < e->natoms; i++) {
				const struct sa *a = &e->atoms[i];
				const struct sg_rule *r = m->by_idx[a->rule];

				if (r && r->event_id == ev && a->field == fields[k] &&
				    a->kind == SA_EXACT)
					list[nex++] = i;
			}
			if (nex) {
				if (build_ex(e, list, nex, fields[k], &s->ex[s->nex]))
					goto out;
				s->nex++;
			}
		}
	}
	/* Rules that must run on every event of their id: those with no
	 * trigger set, and those whose trigger Hyperscan refused (demoted). */
	for (uint32_t i = 0; i < e->nrules; i++) {
		struct sg_rule *r = e->rules[i];
		struct slot *s;

		if (r->info.correlation)
			continue;
		mark_eager(e, r->cond);
		r->always_eval = triggers(e, r->cond, false) < 0;
		if (!r->always_eval)
			continue;
		s = get_slot(m, r->event_id);
		if (s == NULL)
			goto out;
		uint32_t *t = realloc(s->always, (s->nalways + 1) * sizeof(*t));
		if (t == NULL)
			goto out;
		s->always = t;
		s->always[s->nalways++] = r->idx;
	}
	rc = 0;
out:
	free(list);
	return rc;
}

void sg_matcher_free(struct sigma_engine *e)
{
	struct sg_matcher *m = e->m;

	if (m == NULL)
		return;
	for (unsigned i = 0; i < VIGIL_EVENT_ID_MAX; i++) {
		struct slot *s = m->slots[i];

		if (s == NULL)
			continue;
		for (uint32_t k = 0; k < s->nhs; k++) {
			free(s->hs[k].atom_of);
			free(s->hs[k].first);
		}
		free(s->kw.atom_of);
		free(s->kw.first);
		for (uint32_t k = 0; k < s->nex; k++)
			free(s->ex[k].tab);
		free(s->hs);
		free(s->ex);
		free(s->always);
		free(s);
	}
	for (uint32_t i = 0; i < m->ndbs; i++)
		hs_free_database(m->dbs[i]);
	free(m->dbs);
	free(m->by_idx);
	free(m);
	e->m = NULL;
	if (tls && tls->uid == e->uid)
		sigma__thread_done();
}

/* ---- thread scratch --------------------------------------------------- */

void sigma__thread_done(void)
{
	if (tls == NULL)
		return;
	hs_free_scratch(tls->scratch);
	pcre2_match_data_free(tls->md);
	free(tls->atom_gen);
	free(tls->rule_gen);
	free(tls->cand);
	free(tls);
	tls = NULL;
}

static struct sg_tls *get_tls(struct sigma_engine *e)
{
	struct sg_tls *t = tls;

	if (t && t->uid == e->uid)
		return t;
	sigma__thread_done();
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	tls = t;
	t->uid = e->uid;
	t->natoms = e->natoms;
	t->nrules = e->nall;
	t->atom_gen = calloc(e->natoms + 1, sizeof(uint32_t));
	t->rule_gen = calloc(e->nall + 1, sizeof(uint32_t));
	t->cand = calloc(e->nall + 1, sizeof(uint32_t));
	t->md = pcre2_match_data_create(1, NULL);
	if (t->atom_gen == NULL || t->rule_gen == NULL || t->cand == NULL || t->md == NULL)
		goto fail;
	for (uint32_t i = 0; i < e->m->ndbs; i++)
		if (hs_alloc_scratch(e->m->dbs[i], &t->scratch) != HS_SUCCESS)
			goto fail;
	return t;
fail:
	sigma__thread_done();
	return NULL;
}

/* ---- matching --------------------------------------------------------- */

struct scan_ctx {
	struct sg_tls *t;
	const struct hs_group *g;
	const struct sa *atoms;
};

static inline void hit(struct sg_tls *t, const struct sa *atoms, uint32_t atom)
{
	uint32_t r;

	if (t->atom_gen[atom] == t->gen)
		return;
	t->atom_gen[atom] = t->gen;
	if (!atoms[atom].trigger)
		return;
	r = atoms[atom].rule;
	if (t->rule_gen[r] != t->gen) {
		t->rule_gen[r] = t->gen;
		t->cand[t->ncand++] = r;
	}
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		    void *ctx)
{
	struct scan_ctx *c = ctx;

	for (uint32_t j = c->g->first[id]; j < c->g->first[id + 1]; j++)
		hit(c->t, c->atoms, c->g->atom_of[j]);
	return 0;
}

static bool eval(const struct sigma_engine *e, const struct sx *x, const struct vrec *rec,
		 struct sg_tls *t)
{
	switch (x->kind) {
	case SX_EATOM:
		return t->atom_gen[x->atom] == t->gen;
	case SX_ATOM:
		return sg_atom_eval(&e->atoms[x->atom], rec, t->md);
	case SX_AND:
		for (uint32_t i = 0; i < x->n; i++)
			if (!eval(e, x->kids[i], rec, t))
				return false;
		return true;
	case SX_OR:
		for (uint32_t i = 0; i < x->n; i++)
			if (eval(e, x->kids[i], rec, t))
				return true;
		return false;
	case SX_NOT:
		return !eval(e, x->kids[0], rec, t);
	case SX_TRUE:
		return true;
	default:
		return false;
	}
}

static void scan_exact(const struct sigma_engine *e, const struct ex_group *g, const char *v,
		       size_t len, struct sg_tls *t)
{
	uint64_t h = hash_fold(v, len);

	for (uint32_t j = (uint32_t)h & g->mask; g->tab[j].atom != UINT32_MAX;
	     j = (j + 1) & g->mask) {
		const struct sa *a = &e->atoms[g->tab[j].atom];

		if (g->tab[j].h != h || a->patlen != len)
			continue;
		if (a->cased ? memcmp(a->pat, v, len) == 0 : sg_eq_fold(a->pat, v, len))
			hit(t, e->atoms, g->tab[j].atom);
	}
}

/* Reports r's match (unless only correlations use it) and feeds the
 * correlations over r, recursively for chained ones (acyclic: checked at
 * compile). Returns the callback's nonzero return, else 0. */
static int report_match(const struct sg_rule *r, const struct vrec *rec,
			int (*cb)(const struct sigma_rule_info *, const struct vrec *, void *),
			void *ctx, int *nmatch)
{
	int rc;

	if (!r->suppressed) {
		(*nmatch)++;
		rc = cb ? cb(&r->info, rec, ctx) : 0;
		if (rc != 0)
			return rc;
	}
	for (uint32_t k = 0; k < r->nfeeds; k++) {
		if (!sg_corr_feed(r->feeds[k], r, rec))
			continue;
		rc = report_match(r->feeds[k]->rule, rec, cb, ctx, nmatch);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int sigma__match(struct sigma_engine *e, const struct vrec *rec,
		 int (*cb)(const struct sigma_rule_info *rule, const struct vrec *rec, void *ctx),
		 void *ctx)
{
	const struct slot *s;
	struct sg_tls *t;
	struct scan_ctx sc;
	char buf[24];
	int nmatch = 0;

	if (e == NULL || !e->compiled || e->m == NULL || rec == NULL || rec->def == NULL)
		return -EINVAL;
	s = e->m->slots[rec->def->id];
	if (s == NULL)
		return 0;
	if (tls && tls->busy)
		return -EDEADLK;
	t = get_tls(e);
	if (t == NULL)
		return -ENOMEM;
	if (++t->gen == 0) {
		/* Wrapped: old stamps could alias the new generation. */
		memset(t->atom_gen, 0, t->natoms * sizeof(uint32_t));
		memset(t->rule_gen, 0, t->nrules * sizeof(uint32_t));
		t->gen = 1;
	}
	t->ncand = 0;
	t->busy = true;
	sc.t = t;
	sc.atoms = e->atoms;
	for (uint32_t i = 0; i < s->nhs; i++) {
		size_t len;
		const char *v = sg_field(rec, s->hs[i].field, &len, buf);

		if (v == NULL)
			continue;
		sc.g = &s->hs[i];
		hs_scan(s->hs[i].db, v, (unsigned)len, 0, t->scratch, on_match, &sc);
	}
	for (uint32_t i = 0; i < s->nex; i++) {
		size_t len;
		const char *v = sg_field(rec, s->ex[i].field, &len, buf);

		if (v != NULL)
			scan_exact(e, &s->ex[i], v, len, t);
	}
	if (s->kw.db) {
		sc.g = &s->kw;
		for (unsigned i = 0; i < rec->nset; i++) {
			const struct vrec_val *val = &rec->v[rec->set[i]];

			if (val->s)
				hs_scan(s->kw.db, val->s, val->len, 0, t->scratch, on_match, &sc);
		}
		for (unsigned i = 0; i < rec->ndyn; i++)
			hs_scan(s->kw.db, rec->dyn[i].val.s, rec->dyn[i].val.len, 0, t->scratch,
				on_match, &sc);
	}
	for (uint32_t i = 0; i < s->nalways; i++) {
		uint32_t r = s->always[i];

		if (t->rule_gen[r] != t->gen) {
			t->rule_gen[r] = t->gen;
			t->cand[t->ncand++] = r;
		}
	}
	/* Rule order, so that alerts come out in load order. */
	for (uint32_t i = 1; i < t->ncand; i++) {
		uint32_t v = t->cand[i], j = i;

		while (j > 0 && t->cand[j - 1] > v) {
			t->cand[j] = t->cand[j - 1];
			j--;
		}
		t->cand[j] = v;
	}
	for (uint32_t i = 0; i < t->ncand; i++) {
		const struct sg_rule *r = e->m->by_idx[t->cand[i]];
		int rc;

		if (r == NULL || !eval(e, r->cond, rec, t))
			continue;
		rc = report_match(r, rec, cb, ctx, &nmatch);
		if (rc != 0) {
			t->busy = false;
			return rc;
		}
	}
	t->busy = false;
	return nmatch;
}
