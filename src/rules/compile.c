/*
 * compile.c — a parsed ruleset to its matchers (see match.c for the cost
 * model they serve): per event type and referenced field (slot), the hash
 * tables of exact, prefix and suffix values, one Hyperscan database (or a
 * litset, for large value sets) of the contains-type values, the index of
 * filters by anchor condition, and the kernel-side image excludes.
 * rules__release frees all of it.
 */
#include "rules/match_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values longer than this are matched with memmem, not Hyperscan, whose
 * literal length is limited. */
#define MAX_PATTERN 1024

/* Hyperscan compiles at about 35 µs per literal here; from this many values
 * on one field, the linear-time litset.c builds instead (100,000 values in
 * about 0.3 s, see BENCHMARKS.md). Below it Hyperscan's scan, several times
 * faster, wins, and its compile (at most ~0.6 s) runs in the reload thread,
 * off the event loop. */
uint32_t rules__litset_min = 16384;

static int cerr(struct ruleset *rs, struct rules_error *err, int line, const char *msg)
{
	snprintf(err->file, sizeof(err->file), "%s", rs->path ? rs->path : "(config)");
	err->line = line;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return -EINVAL;
}

static int tab_init(struct htab *t, uint32_t n, uint32_t maxlen, bool with_lens)
{
	uint32_t size = 16;

	while (size < n * 2)
		size *= 2;
	t->ents = calloc(size, sizeof(*t->ents));
	t->mask = size - 1;
	t->maxlen = maxlen;
	if (with_lens)
		t->lens = calloc(maxlen + 1, 1);
	return t->ents == NULL || (with_lens && t->lens == NULL) ? -ENOMEM : 0;
}

static int tab_insert(struct htab *t, uint64_t h, const char *s, uint32_t len, uint32_t ci)
{
	if (t->lens)
		t->lens[len] = 1;
	for (uint32_t i = slot_of_hash(h) & t->mask;; i = (i + 1) & t->mask) {
		struct eqent *e = &t->ents[i];

		if (e->s == NULL) {
			e->s = s;
			e->len = len;
			e->h = h;
		} else if (e->h != h || e->len != len || memcmp(e->s, s, len) != 0) {
			continue;
		}
		if (e->ncond > 0 && e->conds[e->ncond - 1] == ci)
			return 0; /* the same value twice in one list */
		uint32_t *nc = realloc(e->conds, (e->ncond + 1) * sizeof(*nc));
		if (nc == NULL)
			return -ENOMEM;
		e->conds = nc;
		e->conds[e->ncond++] = ci;
		return 0;
	}
}

static void tab_free(struct htab *t)
{
	for (uint32_t i = 0; t->ents && i <= t->mask; i++)
		free(t->ents[i].conds);
	free(t->ents);
	free(t->lens);
	memset(t, 0, sizeof(*t));
}

/* Substring-type conditions that go to Hyperscan. */
static bool is_hs_op(int op)
{
	return is_substr_op(op) && !is_pre_op(op) && !is_suf_op(op);
}

/* Writes a Hyperscan expression matching v literally. */
static char *hs_literal(const char *v, size_t len, int op)
{
	char *e = malloc(len * 4 + 4), *p = e;

	if (e == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			*p++ = (char)c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	*p = '\0';
	return e;
}

/* The contains-type values of slot si into a litset: the values are already
 * folded, and pattern ids are the same as Hyperscan's would be. */
static int compile_litset(struct revent *ev, uint8_t si, uint32_t npat)
{
	struct rslot *sl = &ev->slots[si];
	const char **vals = calloc(npat, sizeof(*vals));
	uint32_t *lens = calloc(npat, sizeof(*lens)), *ids = calloc(npat, sizeof(*ids));
	uint32_t k = 0;
	int rc = -ENOMEM;

	if (vals && lens && ids) {
		for (uint32_t i = 0; i < ev->nconds; i++) {
			const struct rcond *c = &ev->conds[i];

			if (c->slot != si || !is_hs_op(c->op) || c->always || c->naive)
				continue;
			for (uint32_t v = 0; v < c->nvals; v++, k++) {
				vals[k] = c->vals[v];
				lens[k] = c->lens[v];
				ids[k] = c->pat_base + v;
			}
		}
		rc = litset__build(vals, lens, ids, k, &sl->ls);
		if (rc == 0)
			sl->npat = npat;
	}
	free(vals);
	free(lens);
	free(ids);
	return rc;
}

static int compile_slot(struct ruleset *rs, struct revent *ev, uint8_t si, struct rules_error *err)
{
	struct rslot *sl = &ev->slots[si];
	uint32_t neq = 0, npre = 0, nsuf = 0, npat = 0, k = 0, maxpre = 0, maxsuf = 0;
	char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	int rc = 0;

	for (uint32_t i = 0; i < ev->nconds; i++) {
		struct rcond *c = &ev->conds[i];

		if (c->slot != si)
			continue;
		for (uint32_t v = 0; v < c->nvals && is_substr_op(c->op); v++)
			if (c->lens[v] > MAX_PATTERN)
				c->naive = true;
		if (is_eq_op(c->op)) {
			neq += c->nvals;
			sl->has_image = sl->has_image || c->op == ROP_IMAGE;
		} else if (c->always || c->naive) {
			continue;
		} else if (is_pre_op(c->op)) {
			npre++;
			maxpre = c->lens[0] > maxpre ? c->lens[0] : maxpre;
		} else if (is_suf_op(c->op)) {
			nsuf++;
			maxsuf = c->lens[0] > maxsuf ? c->lens[0] : maxsuf;
		} else if (is_hs_op(c->op)) {
			c->pat_base = npat;
			npat += c->nvals;
		}
	}
	if ((neq && tab_init(&sl->eq, neq, 0, false)) ||
	    (npre && tab_init(&sl->pre, npre, maxpre, true)) ||
	    (nsuf && tab_init(&sl->suf, nsuf, maxsuf, true)))
		return -ENOMEM;
	for (uint32_t i = 0; i < ev->nconds && rc == 0; i++) {
		struct rcond *c = &ev->conds[i];

		if (c->slot != si)
			continue;
		if (is_eq_op(c->op)) {
			for (uint32_t v = 0; v < c->nvals && rc == 0; v++)
				rc = tab_insert(&sl->eq, hash_bytes(c->vals[v], c->lens[v]),
						c->vals[v], c->lens[v], i);
		} else if (c->always || c->naive) {
			continue;
		} else if (is_pre_op(c->op)) {
			rc = tab_insert(&sl->pre, roll_prefix(c->vals[0], c->lens[0]), c->vals[0],
					c->lens[0], i);
		} else if (is_suf_op(c->op)) {
			rc = tab_insert(&sl->suf, roll_suffix(c->vals[0], c->lens[0]), c->vals[0],
					c->lens[0], i);
		}
	}
	if (rc)
		return rc;
	if (npat == 0)
		return 0;
	exprs = calloc(npat, sizeof(*exprs));
	flags = calloc(npat, sizeof(*flags));
	ids = calloc(npat, sizeof(*ids));
	sl->pat2cond = calloc(npat, sizeof(*sl->pat2cond));
	if (exprs == NULL || flags == NULL || ids == NULL || sl->pat2cond == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < ev->nconds && rc == 0; i++) {
		struct rcond *c = &ev->conds[i];

		if (c->slot != si || !is_hs_op(c->op) || c->always || c->naive)
			continue;
		for (uint32_t v = 0; v < c->nvals; v++) {
			sl->pat2cond[c->pat_base + v] = i;
			if (npat >= rules__litset_min)
				continue; /* compile_litset reads the values itself */
			exprs[k] = hs_literal(c->vals[v], c->lens[v], c->op);
			if (exprs[k] == NULL) {
				rc = -ENOMEM;
				break;
			}
			flags[k] = HS_FLAG_SINGLEMATCH;
			ids[k] = c->pat_base + v;
			k++;
		}
	}
	if (rc == 0 && npat >= rules__litset_min) {
		rc = compile_litset(ev, si, npat);
		goto out;
	}
	if (rc == 0) {
		hs_compile_error_t *ce = NULL;

		if (hs_compile_multi((const char *const *)exprs, flags, ids, npat, HS_MODE_BLOCK,
				     NULL, &sl->db, &ce) != HS_SUCCESS) {
			char msg[400];
			const char *bad = "";
			int line = 0;

			if (ce && ce->expression >= 0) {
				for (uint32_t i = 0; i < ev->nconds; i++) {
					struct rcond *c = &ev->conds[i];

					if (c->slot == si && is_hs_op(c->op) && !c->always &&
					    !c->naive && (uint32_t)ce->expression >= c->pat_base &&
					    (uint32_t)ce->expression < c->pat_base + c->nvals) {
						line = c->line;
						bad = c->raw;
					}
				}
			}
			snprintf(msg, sizeof(msg), "cannot compile %s value \"%.200s\": %s",
				 schema__field_name(sl->field), bad, ce ? ce->message : "error");
			hs_free_compile_error(ce);
			rc = cerr(rs, err, line, msg);
			goto out;
		}
		if (hs_alloc_scratch(sl->db, &rs->proto) != HS_SUCCESS)
			rc = -ENOMEM;
		sl->npat = npat;
	}
out:
	for (uint32_t i = 0; exprs && i < k; i++)
		free(exprs[i]);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* Exact image paths that the kernel may drop for this event type.
 *
 * Proof of equivalence: exclude filters are checked before any include, and
 * an event is dropped as soon as one exclude filter matches. A filter with a
 * single clause matches when any condition of that clause does. So if such a
 * clause holds `Image is P`, `Image is any ...;P;...` or `Image image P` with P
 * a full path, every event whose Image is byte-for-byte P is dropped by the
 * user-space matcher whatever its other fields are. The kernel dropping
 * exactly those events (exact bytes, a subset of the case-insensitive match)
 * therefore changes no outcome, given that the kernel compares the same path
 * the sensor puts in Image. Filters with several clauses (AND) are never used:
 * there the image alone does not decide. */
static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int kernel_excludes(struct ruleset *rs, struct revent *ev)
{
	size_t n = 0, cap = 0;
	const char **out = NULL;

	for (uint32_t fi = 0; fi < ev->nexcl; fi++) {
		const struct rfilter *f = &ev->excl[fi];

		if (f->nclauses != 1)
			continue;
		for (uint32_t k = 0; k < f->clauses[0].n; k++) {
			const struct rcond *c = &ev->conds[f->clauses[0].conds[k]];
			const char *s = c->raw;

			if (c->field != VF_Image ||
			    !(c->op == ROP_IS || c->op == ROP_IS_ANY || c->op == ROP_IMAGE))
				continue;
			while (*s) {
				const char *e = c->op == ROP_IS_ANY ? strchr(s, ';') : NULL;
				size_t l = e ? (size_t)(e - s) : strlen(s);

				if (l > 0 && s[0] == '/') {
					char *p = strndup(s, l);

					if (p != NULL && n == cap) {
						size_t nc = cap ? cap * 2 : 8;
						const char **no = realloc(out, nc * sizeof(*no));

						if (no == NULL) {
							free(p);
							p = NULL;
						} else {
							out = no;
							cap = nc;
						}
					}
					if (p == NULL) {
						for (size_t i = 0; i < n; i++)
							free((char *)out[i]);
						free(out);
						return -ENOMEM;
					}
					out[n++] = p;
				}
				s += l + (e != NULL);
			}
		}
	}
	ev->kexcl = out;
	ev->nkexcl = n;
	(void)rs;
	if (n == 0)
		return 0;
	ev->kexcl_lc = calloc(n, sizeof(*ev->kexcl_lc));
	if (ev->kexcl_lc == NULL || tab_init(&ev->kexcl_tab, (uint32_t)n, 0, false))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(out[i]);
		char *lc = malloc(l + 1);

		if (lc == NULL)
			return -ENOMEM;
		for (size_t k = 0; k <= l; k++)
			lc[k] = ascii_lower(out[i][k]);
		ev->kexcl_lc[i] = lc;
		if (tab_insert(&ev->kexcl_tab, hash_bytes(lc, l), lc, (uint32_t)l, 0))
			return -ENOMEM;
	}
	return 0;
}

bool ruleset__kernel_image_excluded(const struct ruleset *rs, unsigned event_id, const char *image)
{
	const struct revent *ev = rs && event_id < VIGIL_EVENT_ID_MAX ? rs->ev[event_id] : NULL;
	char stack[512] = "", *lc = stack;
	size_t l;
	bool hit;

	if (ev == NULL || ev->nkexcl == 0 || image == NULL)
		return false;
	l = strlen(image);
	if (l >= sizeof(stack) && (lc = malloc(l + 1)) == NULL) {
		/* Not muting is always safe: user space still filters. */
		return false;
	}
	for (size_t k = 0; k < l; k++)
		lc[k] = ascii_lower(image[k]);
	hit = tab_find(&ev->kexcl_tab, hash_bytes(lc, l), lc, l) != NULL;
	if (lc != stack)
		free(lc);
	return hit;
}

static bool is_positive_op(int op)
{
	return op == ROP_IS || op == ROP_IS_ANY || op == ROP_IMAGE || op == ROP_CONTAINS ||
	       op == ROP_CONTAINS_ANY || op == ROP_CONTAINS_ALL || op == ROP_BEGIN || op == ROP_END;
}

/* A clause can anchor its filter when it cannot hold unless one of its
 * conditions registers a hit in a compiled matcher: every condition is a
 * positive operator (a hit is needed to be true) with no empty or too-long
 * value. Returns 0 (no), 1 (yes), 2 (yes, exact values only: preferred). */
static int anchor_kind(const struct revent *ev, const struct rclause *cl)
{
	bool all_eq = true;

	for (uint32_t i = 0; i < cl->n; i++) {
		const struct rcond *c = &ev->conds[cl->conds[i]];

		if (!is_positive_op(c->op) || c->always || c->naive)
			return 0;
		all_eq = all_eq && is_eq_op(c->op);
	}
	return all_eq ? 2 : 1;
}

static int index_filters(struct revent *ev, bool incl)
{
	uint32_t n = incl ? ev->nincl : ev->nexcl, na = 0;
	const struct rfilter *fs = incl ? ev->incl : ev->excl;
	uint32_t *always = calloc(n ? n : 1, sizeof(*always));

	if (always == NULL)
		return -ENOMEM;
	for (uint32_t fi = 0; fi < n; fi++) {
		const struct rfilter *f = &fs[fi];
		int best = 0;
		uint32_t bk = 0;

		for (uint32_t k = 0; k < f->nclauses; k++) {
			int kind = anchor_kind(ev, &f->clauses[k]);

			if (kind > best) {
				best = kind;
				bk = k;
			}
		}
		if (best == 0) {
			always[na++] = fi;
			continue;
		}
		for (uint32_t i = 0; i < f->clauses[bk].n; i++) {
			struct rcond *c = &ev->conds[f->clauses[bk].conds[i]];

			c->anchor = (int32_t)fi;
			c->anchor_incl = incl;
			ev->anchor_slots |= 1ull << c->slot;
		}
	}
	if (incl) {
		ev->always_incl = always;
		ev->nalways_incl = na;
	} else {
		ev->always_excl = always;
		ev->nalways_excl = na;
	}
	return 0;
}

int rules__compile(struct ruleset *rs, struct rules_error *err)
{
	for (unsigned id = 0; id < VIGIL_EVENT_ID_MAX; id++) {
		struct revent *ev = rs->ev[id];
		int rc;

		if (ev == NULL)
			continue;
		for (uint32_t i = 0; i < ev->nconds; i++) {
			struct rcond *c = &ev->conds[i];

			if (ev->slot_of[c->field] == 0) {
				if (ev->nslots >= RULES_MAX_SLOTS)
					return cerr(rs, err, c->line,
						    "too many fields in one event");
				ev->slots[ev->nslots].field = c->field;
				ev->slot_of[c->field] = ++ev->nslots;
			}
			c->slot = ev->slot_of[c->field] - 1;
			c->anchor = -1;
		}
		for (uint8_t s = 0; s < ev->nslots; s++) {
			rc = compile_slot(rs, ev, s, err);
			if (rc == -ENOMEM)
				return cerr(rs, err, 0, "out of memory");
			if (rc)
				return rc;
		}
		if (kernel_excludes(rs, ev) || index_filters(ev, true) || index_filters(ev, false))
			return cerr(rs, err, 0, "out of memory");
	}
	return 0;
}

void rules__release(struct ruleset *rs)
{
	for (unsigned id = 0; id < VIGIL_EVENT_ID_MAX; id++) {
		struct revent *ev = rs->ev[id];

		if (ev == NULL)
			continue;
		for (uint8_t s = 0; s < ev->nslots; s++) {
			struct rslot *sl = &ev->slots[s];

			if (sl->db)
				hs_free_database(sl->db);
			litset__free(sl->ls);
			tab_free(&sl->eq);
			tab_free(&sl->pre);
			tab_free(&sl->suf);
			free(sl->pat2cond);
		}
		for (size_t i = 0; i < ev->nkexcl; i++) {
			free((char *)ev->kexcl[i]);
			free(ev->kexcl_lc ? ev->kexcl_lc[i] : NULL);
		}
		free(ev->kexcl);
		free(ev->kexcl_lc);
		tab_free(&ev->kexcl_tab);
		free(ev->conds);
		free(ev->incl);
		free(ev->excl);
		free(ev->sum_incl);
		free(ev->sum_excl);
		free(ev->always_incl);
		free(ev->always_excl);
		free(ev);
		rs->ev[id] = NULL;
	}
	for (size_t i = 0; i < rs->nstrs; i++)
		free(rs->strs[i]);
	free(rs->strs);
	rs->strs = NULL;
	rs->nstrs = rs->capstrs = 0;
	if (rs->proto)
		hs_free_scratch(rs->proto);
	rs->proto = NULL;
	rules__scratch_release(rs);
}
