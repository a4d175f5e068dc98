/*
 * match.c — decides whether an event is logged, with the per-field
 * matchers compile.c built from a parsed ruleset.
 *
 * Cost model: an event pays for the fields its rules reference, not for the
 * number of values in them. Per referenced field (a "slot"), the value is
 * case-folded once, looked up once in a hash table holding every exact value
 * (is, is not, is any, image — the image operator also looks up the
 * basename), walked once from each end with a rolling hash probed at the
 * lengths that begin with / end with values have (cost bounded by the field's
 * length, whatever the number of values; Hyperscan's end-anchored literals
 * were measured to grow with their count), and scanned once by one Hyperscan
 * database holding every contains-type value of every condition on that
 * field. The scan reports each pattern at most once (HS_FLAG_SINGLEMATCH);
 * pattern ids are contiguous per condition, so "contains all" is "every id of
 * my range was seen" and "excludes any" is "not every id was seen". A field
 * with rules__litset_min values or more gets a litset (litset.c) instead of
 * the Hyperscan database, with the same ids; it reports every occurrence,
 * and on_lit keeps the first of each so the counts stay the same. Fields
 * are prepared lazily, the first time a filter needs them, so an event that
 * an early exclude drops never touches the rest.
 *
 * Case-insensitivity: both the values (at compile time) and the field (at
 * match time) go through rules__fold, so Hyperscan runs case-sensitive on
 * folded bytes. That covers ASCII, Latin-1, Latin Extended-A, Greek and
 * Cyrillic capitals, which plain HS_FLAG_CASELESS (ASCII only) would not.
 *
 * Threads: the ruleset is read-only after compile. Hyperscan needs a scratch
 * per concurrent scan, so each thread keeps its own clone of the ruleset's
 * prototype scratch in thread-local storage, tagged with the ruleset's
 * generation number and re-cloned when another ruleset is used. If the
 * scratch cannot be had, or more matches arrive than a slot records, the
 * affected conditions fall back to rules__cond_eval_naive: slower, same
 * answer.
 */
#include "rules/match_int.h"

#include "common/utf8.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MATCH 32
#define MAX_CANDS 256
#define MAX_HITS  16
#define FOLD_TLS  65536

static __thread hs_scratch_t *tls_scratch;
static __thread uint64_t tls_gen;
static __thread char tls_fold[FOLD_TLS];
/* A thread's scratch is freed when the thread exits, through this key. */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static bool scratch_key_ok;

void rules__fold(char *out, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char *d = (unsigned char *)out;

	size_t i = 0;

	/* Eight ASCII bytes at a time: add 0x20 where a byte is in 'A'..'Z'. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w, hi, lo, up;

		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
		hi = w + 0x2525252525252525ull; /* bit 7 set where byte > 'Z' */
		lo = w + 0x3f3f3f3f3f3f3f3full; /* bit 7 set where byte >= 'A' */
		up = (lo & ~hi) & 0x8080808080808080ull;
		w |= up >> 2;
		memcpy(d + i, &w, 8);
	}
	for (; i < len; i++) {
		unsigned char c = s[i];
		uint32_t cp, lo;

		if (c < 0x80) {
			d[i] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
			continue;
		}
		d[i] = c;
		/* Only 2-byte letters have capitals here; 3- and 4-byte sequences
		 * and invalid bytes are kept as they are. */
		if (utf8__seq(s + i, len - i, &cp) != 2)
			continue;
		lo = cp;
		if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) {
			lo = cp + 0x20; /* Latin-1: À..Þ except × */
		} else if ((cp >= 0x100 && cp <= 0x137 && cp != 0x130 && cp != 0x131) ||
			   (cp >= 0x14a && cp <= 0x177)) {
			lo = cp | 1; /* Latin Extended-A, even = capital */
		} else if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) {
			lo = (cp & 1) ? cp + 1 : cp; /* odd = capital */
		} else if (cp == 0x178) {
			lo = 0xff; /* Ÿ → ÿ */
		} else if ((cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)) {
			lo = cp + 0x20; /* Greek */
		} else if (cp >= 0x410 && cp <= 0x42f) {
			lo = cp + 0x20; /* Cyrillic А..Я */
		} else if (cp >= 0x400 && cp <= 0x40f) {
			lo = cp + 0x50; /* Ѐ..Џ */
		}
		d[i] = (unsigned char)(0xc0 | (lo >> 6));
		d[i + 1] = (unsigned char)(0x80 | (lo & 0x3f));
		i++;
	}
}

static bool eq_has(const struct eqent *e, uint32_t ci)
{
	uint32_t lo = 0, hi;

	if (e == NULL)
		return false;
	hi = e->ncond;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (e->conds[mid] == ci)
			return true;
		if (e->conds[mid] < ci)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static const char *basename_of(const char *s, size_t len, size_t *blen)
{
	const char *b = s;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '/')
			b = s + i + 1;
	*blen = len - (size_t)(b - s);
	return b;
}

static bool has_sub(const char *h, size_t hl, const char *n, size_t nl)
{
	return nl == 0 || (nl <= hl && memmem(h, hl, n, nl) != NULL);
}

/* Byte-wise lexicographic order of two folded strings (a prefix sorts
 * first): Sysmon's less than / more than on string fields, which compare
 * case-insensitively like its other conditions. */
static int lex_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int r = al && bl ? memcmp(a, b, al < bl ? al : bl) : 0;

	if (r != 0)
		return r;
	return al < bl ? -1 : al > bl;
}

bool rules__cond_eval_naive(const struct rcond *c, const char *fv, size_t len, bool num_ok,
			    int64_t num)
{
	uint32_t cnt = 0;
	size_t bl;
	const char *b;

	switch (c->op) {
	case ROP_IS:
	case ROP_IS_ANY:
	case ROP_IS_NOT: {
		bool eq = false;

		for (uint32_t i = 0; i < c->nvals && !eq; i++)
			eq = c->lens[i] == len && memcmp(c->vals[i], fv, len) == 0;
		return c->op == ROP_IS_NOT ? !eq : eq;
	}
	case ROP_IMAGE:
		b = basename_of(fv, len, &bl);
		return (c->lens[0] == len && memcmp(c->vals[0], fv, len) == 0) ||
		       (c->lens[0] == bl && memcmp(c->vals[0], b, bl) == 0);
	case ROP_LESS:
	case ROP_MORE:
		if (schema__field_kind(c->field) == VFK_INT)
			return num_ok && (c->op == ROP_LESS ? num < c->num : num > c->num);
		return c->op == ROP_LESS ? lex_cmp(fv, len, c->vals[0], c->lens[0]) < 0
					 : lex_cmp(fv, len, c->vals[0], c->lens[0]) > 0;
	default:
		break;
	}
	for (uint32_t i = 0; i < c->nvals; i++) {
		const char *v = c->vals[i];
		size_t vl = c->lens[i];
		bool hit;

		if (c->op == ROP_BEGIN || c->op == ROP_NOT_BEGIN)
			hit = vl <= len && memcmp(fv, v, vl) == 0;
		else if (c->op == ROP_END || c->op == ROP_NOT_END)
			hit = vl <= len && memcmp(fv + len - vl, v, vl) == 0;
		else
			hit = has_sub(fv, len, v, vl);
		cnt += hit;
	}
	switch (c->op) {
	case ROP_CONTAINS:
	case ROP_CONTAINS_ANY:
	case ROP_BEGIN:
	case ROP_END:
		return cnt > 0;
	case ROP_CONTAINS_ALL:
		return cnt == c->nvals;
	case ROP_EXCLUDES_ANY:
		return cnt < c->nvals;
	default: /* excludes, excludes all, not begin with, not end with */
		return cnt == 0;
	}
}

/* ---- match ------------------------------------------------------------ */

struct fstate {
	bool done, overflow, num_done, num_ok;
	uint16_t nm;
	uint32_t len;
	const char *fv;
	const struct eqent *full, *base;
	int64_t num;
	uint8_t npre, nsuf;
	const struct eqent *pre[MAX_HITS], *suf[MAX_HITS];
	uint32_t m[MAX_MATCH];
};

struct mctx {
	const struct ruleset *rs;
	const struct revent *ev;
	const struct vrec *rec;
	size_t fold_used;
	unsigned nheap;
	void *heap[RULES_MAX_SLOTS];
	struct fstate st[RULES_MAX_SLOTS];
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	struct fstate *s = ctx;

	if (s->nm >= MAX_MATCH) {
		s->overflow = true;
		return 1; /* stop: the naive path takes over */
	}
	s->m[s->nm++] = id;
	return 0;
}

/* A litset reports a value at every occurrence; Hyperscan's SINGLEMATCH
 * reports it once, which "contains all" counts on: keep the first only. */
static int on_lit(uint32_t id, void *ctx)
{
	struct fstate *s = ctx;

	for (uint16_t i = 0; i < s->nm; i++)
		if (s->m[i] == id)
			return 0;
	return on_match(id, 0, 0, 0, ctx);
}

static void scratch_exit(void *p)
{
	hs_free_scratch(p);
	tls_scratch = NULL;
	tls_gen = 0;
}

static void scratch_key_init(void)
{
	scratch_key_ok = pthread_key_create(&scratch_key, scratch_exit) == 0;
}

static hs_scratch_t *scratch_for(const struct ruleset *rs)
{
	if (rs->proto == NULL)
		return NULL;
	if (tls_scratch && tls_gen == rs->gen)
		return tls_scratch;
	pthread_once(&scratch_once, scratch_key_init);
	if (tls_scratch)
		hs_free_scratch(tls_scratch);
	tls_scratch = NULL;
	if (hs_clone_scratch(rs->proto, &tls_scratch) != HS_SUCCESS) {
		tls_scratch = NULL;
		return NULL;
	}
	tls_gen = rs->gen;
	if (scratch_key_ok)
		pthread_setspecific(scratch_key, tls_scratch);
	return tls_scratch;
}

void rules__scratch_release(const struct ruleset *rs)
{
	if (tls_scratch && tls_gen == rs->gen) {
		hs_free_scratch(tls_scratch);
		tls_scratch = NULL;
		tls_gen = 0;
		if (scratch_key_ok)
			pthread_setspecific(scratch_key, NULL);
	}
}

static struct fstate *prep(struct mctx *mc, uint8_t si)
{
	struct fstate *s = &mc->st[si];
	const struct rslot *sl = &mc->ev->slots[si];
	const char *raw;
	size_t len;
	char *buf;

	if (s->done)
		return s;
	s->done = true;
	s->overflow = false;
	s->num_done = false;
	s->nm = 0;
	s->npre = s->nsuf = 0;
	s->full = s->base = NULL;
	raw = vrec__get(mc->rec, sl->field, &len);
	if (raw == NULL) {
		/* Absent fields print as "-", so rules see "-" too. */
		raw = "-";
		len = 1;
	}
	if (len > UINT32_MAX - 1)
		len = UINT32_MAX - 1;
	if (mc->fold_used + len + 1 <= FOLD_TLS) {
		buf = tls_fold + mc->fold_used;
		mc->fold_used += len + 1;
	} else {
		buf = malloc(len + 1);
		if (buf == NULL) {
			/* Compare unfolded rather than fail: case may then matter. */
			s->fv = raw;
			s->len = (uint32_t)len;
			s->overflow = true;
			return s;
		}
		mc->heap[mc->nheap++] = buf;
	}
	rules__fold(buf, raw, len);
	buf[len] = '\0';
	s->fv = buf;
	s->len = (uint32_t)len;
	if (sl->eq.ents) {
		size_t bl;
		const char *b = basename_of(buf, len, &bl);

		s->full = tab_find(&sl->eq, hash_bytes(buf, len), buf, len);
		if (b != buf && sl->has_image)
			s->base = tab_find(&sl->eq, hash_bytes(b, bl), b, bl);
	}
	if (sl->pre.ents) {
		uint64_t h = 0;
		size_t max = len < sl->pre.maxlen ? len : sl->pre.maxlen;

		for (size_t l = 1; l <= max; l++) {
			const struct eqent *e;

			h = h * ROLL_K + (unsigned char)buf[l - 1] + 1;
			if (!sl->pre.lens[l])
				continue;
			e = tab_find(&sl->pre, h, buf, l);
			if (e == NULL)
				continue;
			if (s->npre >= MAX_HITS)
				s->overflow = true;
			else
				s->pre[s->npre++] = e;
		}
	}
	if (sl->suf.ents) {
		uint64_t h = 0;
		size_t max = len < sl->suf.maxlen ? len : sl->suf.maxlen;

		for (size_t l = 1; l <= max; l++) {
			const struct eqent *e;

			h = h * ROLL_K + (unsigned char)buf[len - l] + 1;
			if (!sl->suf.lens[l])
				continue;
			e = tab_find(&sl->suf, h, buf + len - l, l);
			if (e == NULL)
				continue;
			if (s->nsuf >= MAX_HITS)
				s->overflow = true;
			else
				s->suf[s->nsuf++] = e;
		}
	}
	if (sl->ls)
		litset__scan(sl->ls, buf, len, on_lit, s);
	if (sl->db) {
		hs_scratch_t *scr = scratch_for(mc->rs);

		if (scr == NULL ||
		    (hs_scan(sl->db, buf, (unsigned)len, 0, scr, on_match, s) != HS_SUCCESS &&
		     !s->overflow))
			s->overflow = true;
	}
	return s;
}

static bool cond_eval(struct mctx *mc, uint32_t ci)
{
	const struct rcond *c = &mc->ev->conds[ci];
	struct fstate *s = prep(mc, c->slot);
	uint32_t cnt = 0;

	if (c->op == ROP_LESS || c->op == ROP_MORE) {
		if (!s->num_done) {
			s->num_done = true;
			s->num_ok = vrec__get_int(mc->rec, c->field, &s->num);
		}
		return rules__cond_eval_naive(c, s->fv, s->len, s->num_ok, s->num);
	}
	if (s->overflow) /* no trustworthy compiled result for this field */
		return rules__cond_eval_naive(c, s->fv, s->len, false, 0);
	switch (c->op) {
	case ROP_IS:
	case ROP_IS_ANY:
		return eq_has(s->full, ci);
	case ROP_IS_NOT:
		return !eq_has(s->full, ci);
	case ROP_IMAGE:
		return eq_has(s->full, ci) || eq_has(s->base, ci);
	default:
		break;
	}
	if (c->always) {
		cnt = 1;
	} else if (c->naive) {
		return rules__cond_eval_naive(c, s->fv, s->len, false, 0);
	} else if (is_pre_op(c->op)) {
		for (uint8_t i = 0; i < s->npre && !cnt; i++)
			cnt = eq_has(s->pre[i], ci);
	} else if (is_suf_op(c->op)) {
		for (uint8_t i = 0; i < s->nsuf && !cnt; i++)
			cnt = eq_has(s->suf[i], ci);
	} else {
		for (uint16_t i = 0; i < s->nm; i++)
			cnt += s->m[i] - c->pat_base < c->nvals;
	}
	switch (c->op) {
	case ROP_CONTAINS:
	case ROP_CONTAINS_ANY:
	case ROP_BEGIN:
	case ROP_END:
		return cnt > 0;
	case ROP_CONTAINS_ALL:
		return cnt >= c->nvals;
	case ROP_EXCLUDES_ANY:
		return cnt < c->nvals;
	default:
		return cnt == 0;
	}
}

static bool filter_match(struct mctx *mc, const struct rfilter *f)
{
	for (uint32_t k = 0; k < f->nclauses; k++) {
		const struct rclause *cl = &f->clauses[k];
		bool any = false;

		for (uint32_t i = 0; i < cl->n && !any; i++)
			any = cond_eval(mc, cl->conds[i]);
		if (!any)
			return false;
	}
	return true;
}

struct cands {
	uint32_t nin, nex;
	uint32_t in[MAX_CANDS], ex[MAX_CANDS];
};

static bool cand_add(const struct revent *ev, struct cands *cs, uint32_t ci)
{
	const struct rcond *c = &ev->conds[ci];

	if (c->anchor < 0)
		return true;
	if (c->anchor_incl) {
		if (cs->nin >= MAX_CANDS)
			return false;
		cs->in[cs->nin++] = (uint32_t)c->anchor;
	} else {
		if (cs->nex >= MAX_CANDS)
			return false;
		cs->ex[cs->nex++] = (uint32_t)c->anchor;
	}
	return true;
}

/* Collects the filters worth evaluating. Returns false when the index
 * cannot be trusted for this event (a matcher overflowed): evaluate all. */
static bool collect(struct mctx *mc, struct cands *cs)
{
	const struct revent *ev = mc->ev;

	cs->nin = cs->nex = 0;
	for (uint8_t si = 0; si < ev->nslots; si++) {
		const struct rslot *sl = &ev->slots[si];
		const struct fstate *s;

		if (!(ev->anchor_slots & (1ull << si)))
			continue;
		s = prep(mc, si);
		if (s->overflow)
			return false;
		for (uint32_t i = 0; s->full && i < s->full->ncond; i++)
			if (!cand_add(ev, cs, s->full->conds[i]))
				return false;
		for (uint32_t i = 0; s->base && i < s->base->ncond; i++)
			if (ev->conds[s->base->conds[i]].op == ROP_IMAGE &&
			    !cand_add(ev, cs, s->base->conds[i]))
				return false;
		for (uint16_t i = 0; i < s->nm; i++)
			if (!cand_add(ev, cs, sl->pat2cond[s->m[i]]))
				return false;
		for (uint8_t h = 0; h < s->npre; h++)
			for (uint32_t i = 0; i < s->pre[h]->ncond; i++)
				if (!cand_add(ev, cs, s->pre[h]->conds[i]))
					return false;
		for (uint8_t h = 0; h < s->nsuf; h++)
			for (uint32_t i = 0; i < s->suf[h]->ncond; i++)
				if (!cand_add(ev, cs, s->suf[h]->conds[i]))
					return false;
	}
	return true;
}

static void sort_u32(uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = a[i], j = i;

		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

/* Index of the first include filter that matches among the sorted
 * candidates and the always-evaluated ones, or -1. */
static long first_include(struct mctx *mc, uint32_t *in, uint32_t nin)
{
	const struct revent *ev = mc->ev;
	uint32_t i = 0, j = 0;
	long last = -1;

	sort_u32(in, nin);
	while (i < nin || j < ev->nalways_incl) {
		uint32_t f;

		if (j >= ev->nalways_incl || (i < nin && in[i] < ev->always_incl[j]))
			f = in[i++];
		else
			f = ev->always_incl[j++];
		if ((long)f == last)
			continue; /* nominated twice */
		last = (long)f;
		if (filter_match(mc, &ev->incl[f]))
			return (long)f;
	}
	return -1;
}

bool ruleset__match(const struct ruleset *rs, const struct vrec *rec, const char **rule_name)
{
	const struct revent *ev;
	struct mctx mc;
	struct cands cs;
	bool out;
	int decided = 0;

	if (rule_name)
		*rule_name = NULL;
	if (rec == NULL || rec->def == NULL)
		return false;
	if (!(rec->def->flags & EVF_FILTER))
		return true; /* the daemon's own events are never filtered */
	ev = rs ? rs->ev[rec->def->id] : NULL;
	if (ev == NULL)
		return rec->def->id == EV_PROCESS_CREATE || rec->def->id == EV_PROCESS_TERMINATE;

	mc.rs = rs;
	mc.ev = ev;
	mc.rec = rec;
	mc.fold_used = 0;
	mc.nheap = 0;
	for (uint8_t i = 0; i < ev->nslots; i++)
		mc.st[i].done = false;

	out = !ev->has_incl;
	if (collect(&mc, &cs)) {
		long f;

		for (uint32_t i = 0; i < cs.nex && !decided; i++)
			decided = filter_match(&mc, &ev->excl[cs.ex[i]]);
		for (uint32_t i = 0; i < ev->nalways_excl && !decided; i++)
			decided = filter_match(&mc, &ev->excl[ev->always_excl[i]]);
		if (decided) {
			out = false;
		} else if ((f = first_include(&mc, cs.in, cs.nin)) >= 0) {
			out = true;
			if (rule_name)
				*rule_name = ev->incl[f].name;
		}
		goto done;
	}
	/* The index overflowed: every filter, in order. */
	for (uint32_t i = 0; i < ev->nexcl && !decided; i++)
		if (filter_match(&mc, &ev->excl[i])) {
			out = false;
			decided = 1;
		}
	for (uint32_t i = 0; i < ev->nincl && !decided; i++)
		if (filter_match(&mc, &ev->incl[i])) {
			out = true;
			decided = 1;
			if (rule_name)
				*rule_name = ev->incl[i].name;
		}
done:
	for (unsigned i = 0; i < mc.nheap; i++)
		free(mc.heap[i]);
	return out;
}

long rules__check_conds(const struct ruleset *rs, const struct vrec *rec)
{
	const struct revent *ev;
	struct mctx mc;
	long bad = -1;

	if (rs == NULL || rec == NULL || rec->def == NULL || rs->ev[rec->def->id] == NULL)
		return -1;
	ev = rs->ev[rec->def->id];
	mc.rs = rs;
	mc.ev = ev;
	mc.rec = rec;
	mc.fold_used = 0;
	mc.nheap = 0;
	for (uint8_t i = 0; i < ev->nslots; i++)
		mc.st[i].done = false;
	for (uint32_t ci = 0; ci < ev->nconds && bad < 0; ci++) {
		const struct rcond *c = &ev->conds[ci];
		const struct fstate *s = prep(&mc, c->slot);
		int64_t num = 0;
		bool num_ok = vrec__get_int(rec, c->field, &num);

		if (cond_eval(&mc, ci) != rules__cond_eval_naive(c, s->fv, s->len, num_ok, num))
			bad = (long)ci;
	}
	for (unsigned i = 0; i < mc.nheap; i++)
		free(mc.heap[i]);
	return bad;
}

/* Naive evaluation of one filter: every condition by definition. */
static bool filter_match_naive(const struct revent *ev, const struct vrec *rec,
			       const struct rfilter *f)
{
	for (uint32_t k = 0; k < f->nclauses; k++) {
		const struct rclause *cl = &f->clauses[k];
		bool any = false;

		for (uint32_t i = 0; i < cl->n && !any; i++) {
			const struct rcond *c = &ev->conds[cl->conds[i]];
			size_t len;
			const char *raw = vrec__get(rec, c->field, &len);
			char *fv;
			int64_t num = 0;
			bool num_ok = vrec__get_int(rec, c->field, &num);

			if (raw == NULL) {
				raw = "-";
				len = 1;
			}
			fv = malloc(len + 1);
			if (fv == NULL)
				return false;
			rules__fold(fv, raw, len);
			any = rules__cond_eval_naive(c, fv, len, num_ok, num);
			free(fv);
		}
		if (!any)
			return false;
	}
	return true;
}

bool rules__match_naive(const struct ruleset *rs, const struct vrec *rec, const char **rule_name)
{
	const struct revent *ev;

	*rule_name = NULL;
	if (rec == NULL || rec->def == NULL)
		return false;
	if (!(rec->def->flags & EVF_FILTER))
		return true;
	ev = rs ? rs->ev[rec->def->id] : NULL;
	if (ev == NULL)
		return rec->def->id == EV_PROCESS_CREATE || rec->def->id == EV_PROCESS_TERMINATE;
	for (uint32_t i = 0; i < ev->nexcl; i++)
		if (filter_match_naive(ev, rec, &ev->excl[i]))
			return false;
	for (uint32_t i = 0; i < ev->nincl; i++)
		if (filter_match_naive(ev, rec, &ev->incl[i])) {
			*rule_name = ev->incl[i].name;
			return true;
		}
	return !ev->has_incl;
}
