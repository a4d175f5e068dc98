/*
 * litset.c — a multi-literal substring matcher (Aho-Corasick) for the large
 * contains-type value lists that Hyperscan compiles too slowly.
 *
 * Why: Hyperscan's compile time grows at about 35 µs per literal on the test
 * machine (100,000 values took 3.5 s with hs_compile_lit_multi, more with
 * hs_compile_multi), and a reload must not wait that long. This automaton is
 * built in O(n log n) for the sort plus O(total bytes) for the trie and its
 * failure links, and scans in O(field length + matches reported).
 *
 * Layout: the trie's nodes are numbered breadth first, so the children of a
 * node are contiguous (first .. first + nchild) and sorted by their byte
 * (label); a transition is a binary search in that range. What a scan reads
 * per byte (first, nchild, fail, hit, label) sits in one 16-byte struct, so
 * a step costs one cache line, not one per array: with 100,000 values the
 * automaton is far larger than the cache. The root has a dense 256-entry
 * table, which is where a scan spends most bytes. fail is the Aho-Corasick
 * failure link; hit is the node itself when a value ends there, else the
 * nearest such node on its failure chain (0 = none: the root never has a
 * value, because empty values are never put here). The value lists (out[],
 * next_out[]) and the chain of value-holding nodes (dict[]) are read only
 * on a hit.
 *
 * Values are matched byte for byte; the caller folds case on both sides.
 */
#include "rules/rules_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct lnode {
	uint32_t first;	 /* first child */
	uint32_t fail;	 /* failure link */
	uint32_t hit;	 /* this node or the nearest one on the failure chain with values */
	uint16_t nchild; /* children: first .. first + nchild - 1 */
	uint8_t label;	 /* the byte on the edge into the node */
};

struct litset {
	uint32_t nnodes, nvals;
	struct lnode *node; /* nnodes */
	uint32_t *dict;	    /* nnodes: the next node with values after hit's own */
	uint32_t *out;	    /* nnodes: first value ending here, NONE if none */
	uint32_t *next_out; /* nvals */
	uint32_t *ids;	    /* nvals: the caller's id of each value */
	uint32_t root[256];
};

struct sort_ctx {
	const char *const *vals;
	const uint32_t *lens;
};

static int cmp_val(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *sc = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint32_t lx = sc->lens[x], ly = sc->lens[y];
	int c = memcmp(sc->vals[x], sc->vals[y], lx < ly ? lx : ly);

	if (c)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x < y ? -1 : x > y;
}

static uint32_t go(const struct litset *ls, const struct lnode *n, uint8_t b)
{
	uint32_t lo = n->first, hi = n->first + n->nchild;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ls->node[mid].label == b)
			return mid;
		if (ls->node[mid].label < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void litset__free(struct litset *ls)
{
	if (ls == NULL)
		return;
	free(ls->node);
	free(ls->dict);
	free(ls->out);
	free(ls->next_out);
	free(ls->ids);
	free(ls);
}

/* The trie in depth-first order, as the sorted values give it: children
 * hang off first_child/next_sibling in byte order. */
struct dfs_trie {
	uint32_t n, cap;
	uint32_t *child, *sibling, *last, *out;
	uint8_t *label;
};

/* Room for the most nodes the values can make (one per byte, plus the
 * root): allocated once, so the build never copies a growing array. */
static int dfs_init(struct dfs_trie *t, uint64_t max)
{
	if (max > UINT32_MAX - 1)
		return -E2BIG;
	t->cap = (uint32_t)max;
	t->child = malloc(max * sizeof(uint32_t));
	t->sibling = malloc(max * sizeof(uint32_t));
	t->last = malloc(max * sizeof(uint32_t));
	t->out = malloc(max * sizeof(uint32_t));
	t->label = malloc(max);
	return t->child && t->sibling && t->last && t->out && t->label ? 0 : -ENOMEM;
}

static void dfs_add(struct dfs_trie *t, uint32_t parent, uint8_t b, uint32_t *node)
{
	uint32_t v = t->n++;

	t->child[v] = t->sibling[v] = t->last[v] = t->out[v] = NONE;
	t->label[v] = b;
	if (v > 0) {
		/* Values arrive sorted, so a new child sorts after its siblings. */
		if (t->last[parent] == NONE)
			t->child[parent] = v;
		else
			t->sibling[t->last[parent]] = v;
		t->last[parent] = v;
	}
	*node = v;
}

static void dfs_free(struct dfs_trie *t)
{
	free(t->child);
	free(t->sibling);
	free(t->last);
	free(t->out);
	free(t->label);
}

int litset__build(const char *const *vals, const uint32_t *lens, const uint32_t *ids, uint32_t n,
		  struct litset **out)
{
	struct sort_ctx sc = {vals, lens};
	struct dfs_trie t = {0};
	struct litset *ls = NULL;
	uint32_t *order = NULL, *stack = NULL, *newid = NULL, *queue = NULL;
	uint32_t maxlen = 0, prev = NONE, root;
	uint64_t total = 1;
	int rc = -ENOMEM;

	*out = NULL;
	for (uint32_t i = 0; i < n; i++) {
		if (lens[i] == 0)
			return -EINVAL; /* empty values are "always", never here */
		maxlen = lens[i] > maxlen ? lens[i] : maxlen;
		total += lens[i];
	}
	order = malloc((n ? n : 1) * sizeof(*order));
	stack = malloc(((size_t)maxlen + 1) * sizeof(*stack));
	ls = calloc(1, sizeof(*ls));
	if (order == NULL || stack == NULL || ls == NULL)
		goto out;
	ls->nvals = n;
	ls->next_out = malloc((n ? n : 1) * sizeof(*ls->next_out));
	ls->ids = malloc((n ? n : 1) * sizeof(*ls->ids));
	if (ls->next_out == NULL || ls->ids == NULL)
		goto out;
	memcpy(ls->ids, ids, (size_t)n * sizeof(*ids));
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_val, &sc);

	rc = dfs_init(&t, total);
	if (rc)
		goto out;
	rc = -ENOMEM;
	dfs_add(&t, 0, 0, &root);
	stack[0] = root;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t v = order[k], l = lens[v], common = 0, node;

		/* The nodes shared with the previous value (sorted order). */
		if (prev != NONE) {
			uint32_t pl = lens[prev];

			while (common < l && common < pl && vals[v][common] == vals[prev][common])
				common++;
		}
		for (uint32_t d = common; d < l; d++) {
			dfs_add(&t, stack[d], (uint8_t)vals[v][d], &node);
			stack[d + 1] = node;
		}
		node = stack[l];
		ls->next_out[v] = t.out[node];
		t.out[node] = v;
		prev = v;
	}

	/* Breadth-first renumbering: children become contiguous. */
	ls->nnodes = t.n;
	newid = malloc((size_t)t.n * sizeof(*newid));
	queue = malloc((size_t)t.n * sizeof(*queue));
	ls->node = calloc(t.n, sizeof(*ls->node));
	ls->dict = calloc(t.n, sizeof(*ls->dict));
	ls->out = malloc((size_t)t.n * sizeof(*ls->out));
	if (newid == NULL || queue == NULL || ls->node == NULL || ls->dict == NULL ||
	    ls->out == NULL)
		goto out;
	{
		uint32_t head = 0, tail = 0;

		queue[tail++] = root;
		newid[root] = 0;
		while (head < tail) {
			uint32_t u = queue[head], nu = head++;
			struct lnode *nd = &ls->node[nu];

			nd->first = tail;
			nd->label = t.label[u];
			ls->out[nu] = t.out[u];
			for (uint32_t c = t.child[u]; c != NONE; c = t.sibling[c]) {
				newid[c] = tail;
				queue[tail++] = c;
				nd->nchild++;
			}
		}
	}

	/* Failure and dictionary links, parents before children. */
	for (uint32_t b = 0; b < 256; b++)
		ls->root[b] = go(ls, &ls->node[0], (uint8_t)b);
	for (uint32_t u = 0; u < ls->nnodes; u++) {
		const struct lnode *pu = &ls->node[u];

		for (uint32_t v = pu->first; v < pu->first + pu->nchild; v++) {
			struct lnode *pv = &ls->node[v];
			uint32_t f = pu->fail, nx = 0;

			if (u != 0) {
				for (;;) {
					nx = f == 0 ? ls->root[pv->label]
						    : go(ls, &ls->node[f], pv->label);
					if (nx || f == 0)
						break;
					f = ls->node[f].fail;
				}
			}
			pv->fail = nx;
			ls->dict[v] = ls->node[nx].hit;
			pv->hit = ls->out[v] != NONE ? v : ls->dict[v];
		}
	}
	*out = ls;
	ls = NULL;
	rc = 0;
out:
	dfs_free(&t);
	free(order);
	free(stack);
	free(newid);
	free(queue);
	litset__free(ls);
	return rc;
}

int litset__scan(const struct litset *ls, const char *s, size_t len,
		 int (*on_hit)(uint32_t id, void *ctx), void *ctx)
{
	const struct lnode *nodes = ls->node;
	uint32_t node = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)s[i];

		for (;;) {
			uint32_t nx;

			if (node == 0) {
				node = ls->root[b];
				break;
			}
			nx = go(ls, &nodes[node], b);
			if (nx) {
				node = nx;
				break;
			}
			node = nodes[node].fail;
		}
		for (uint32_t o = nodes[node].hit; o; o = ls->dict[o])
			for (uint32_t v = ls->out[o]; v != NONE; v = ls->next_out[v])
				if (on_hit(ls->ids[v], ctx))
					return 1;
	}
	return 0;
}
