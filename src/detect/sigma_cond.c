/*
 * sigma_cond.c — a Sigma detection condition string to an expression tree
 * over the rule's search identifiers: `and`, `or`, `not`, parentheses,
 * `1 of x*`, `all of them`. A recursive-descent parser, depth-bounded; an
 * aggregation (`| count() ...`, Sigma v1) is reported unsupported.
 */
#include "detect/sigma_load.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

struct cparse {
	struct lctx *lc;
	int line;
	const char *src;
	char tok[256];
	const char *p;
	bool have;
};

static int next_tok(struct cparse *c)
{
	const char *p = c->p;
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		c->tok[0] = '\0';
		c->p = p;
		return 0;
	}
	if (*p == '(' || *p == ')' || *p == '|') {
		c->tok[0] = *p;
		c->tok[1] = '\0';
		c->p = p + 1;
		return 0;
	}
	while (*p && !isspace((unsigned char)*p) && *p != '(' && *p != ')' && *p != '|') {
		if (n + 1 >= sizeof(c->tok))
			return sg_fail(c->lc, c->line, SIGMA_ERROR, "condition token too long");
		c->tok[n++] = *p++;
	}
	c->tok[n] = '\0';
	c->p = p;
	return 0;
}

static struct sx *parse_or(struct cparse *c, int depth);

static struct sx *lookup_ident(struct cparse *c, const char *name)
{
	for (uint32_t i = 0; i < c->lc->nids; i++)
		if (strcmp(c->lc->names[i], name) == 0)
			return c->lc->exprs[i];
	sg_fail(c->lc, c->line, SIGMA_ERROR, "condition names unknown search identifier '%s'",
		name);
	return NULL;
}

static struct sx *parse_quant(struct cparse *c, bool all)
{
	struct lctx *lc = c->lc;
	struct sx **kids;
	uint32_t n = 0;
	bool them;

	if (next_tok(c))
		return NULL;
	them = strcmp(c->tok, "them") == 0;
	kids = sg_alloc(&lc->e->arena, (lc->nids + 1) * sizeof(*kids));
	if (kids == NULL) {
		sg_oom(lc);
		return NULL;
	}
	for (uint32_t i = 0; i < lc->nids; i++) {
		/* "them" leaves out identifiers starting with '_'. */
		if (them ? lc->names[i][0] != '_' : fnmatch(c->tok, lc->names[i], 0) == 0)
			kids[n++] = lc->exprs[i];
	}
	if (n == 0) {
		sg_fail(lc, c->line, SIGMA_ERROR, "'%s of %s' matches no search identifier",
			all ? "all" : "1", c->tok);
		return NULL;
	}
	if (next_tok(c))
		return NULL;
	return sg_sx_join(lc, all ? SX_AND : SX_OR, kids, n);
}

static struct sx *parse_prim(struct cparse *c, int depth)
{
	struct sx *x;

	if (depth > 64) {
		sg_fail(c->lc, c->line, SIGMA_ERROR, "condition nested too deeply");
		return NULL;
	}
	if (c->tok[0] == '\0') {
		sg_fail(c->lc, c->line, SIGMA_ERROR, "condition '%s' ends early", c->src);
		return NULL;
	}
	if (strcmp(c->tok, "(") == 0) {
		if (next_tok(c))
			return NULL;
		x = parse_or(c, depth + 1);
		if (x == NULL)
			return NULL;
		if (strcmp(c->tok, ")") != 0) {
			sg_fail(c->lc, c->line, SIGMA_ERROR, "missing ')' in condition '%s'",
				c->src);
			return NULL;
		}
		if (next_tok(c))
			return NULL;
		return x;
	}
	if (strcmp(c->tok, "|") == 0) {
		sg_fail(c->lc, c->line, SIGMA_UNSUPPORTED,
			"aggregation '|%s' in condition (Sigma v1; use a correlation rule)", c->p);
		return NULL;
	}
	if (strcmp(c->tok, ")") == 0 || strcmp(c->tok, "and") == 0 || strcmp(c->tok, "or") == 0) {
		sg_fail(c->lc, c->line, SIGMA_ERROR, "unexpected '%s' in condition '%s'", c->tok,
			c->src);
		return NULL;
	}
	if (strcmp(c->tok, "1") == 0 || strcmp(c->tok, "any") == 0 || strcmp(c->tok, "all") == 0) {
		bool all = strcmp(c->tok, "all") == 0;
		const char *save = c->p;
		char word[256];

		memcpy(word, c->tok, sizeof(word));
		if (next_tok(c))
			return NULL;
		if (strcmp(c->tok, "of") == 0)
			return parse_quant(c, all);
		/* an identifier that happens to be called "all" */
		c->p = save;
		memcpy(c->tok, word, sizeof(word));
	}
	x = lookup_ident(c, c->tok);
	if (x == NULL)
		return NULL;
	if (next_tok(c))
		return NULL;
	return x;
}

static struct sx *parse_not(struct cparse *c, int depth)
{
	if (strcmp(c->tok, "not") == 0) {
		struct sx *k;

		if (depth > 64) {
			sg_fail(c->lc, c->line, SIGMA_ERROR, "condition nested too deeply");
			return NULL;
		}
		if (next_tok(c))
			return NULL;
		k = parse_not(c, depth + 1);
		return k ? sg_sx_not(c->lc, k) : NULL;
	}
	return parse_prim(c, depth);
}

static struct sx *parse_binary(struct cparse *c, int depth, bool is_or)
{
	struct sx *kids[256];
	uint32_t n = 0;
	const char *op = is_or ? "or" : "and";

	for (;;) {
		struct sx *k = is_or ? parse_binary(c, depth, false) : parse_not(c, depth);

		if (k == NULL)
			return NULL;
		if (n == 256) {
			sg_fail(c->lc, c->line, SIGMA_UNSUPPORTED, "more than 256 '%s' terms", op);
			return NULL;
		}
		kids[n++] = k;
		if (strcmp(c->tok, op) != 0)
			break;
		if (next_tok(c))
			return NULL;
	}
	return sg_sx_join(c->lc, is_or ? SX_OR : SX_AND, kids, n);
}

static struct sx *parse_or(struct cparse *c, int depth)
{
	return parse_binary(c, depth, true);
}

struct sx *sg_parse_condition(struct lctx *lc, const struct yn *v)
{
	struct cparse c = {.lc = lc, .line = v->line, .src = v->s, .p = v->s};
	struct sx *x;

	if (next_tok(&c))
		return NULL;
	x = parse_or(&c, 0);
	if (x == NULL)
		return NULL;
	if (c.tok[0] == '|') {
		sg_fail(lc, v->line, SIGMA_UNSUPPORTED,
			"aggregation '|%s' in condition (Sigma v1; use a correlation rule)", c.p);
		return NULL;
	}
	if (c.tok[0] != '\0') {
		sg_fail(lc, v->line, SIGMA_ERROR, "unexpected '%s' in condition '%s'", c.tok, v->s);
		return NULL;
	}
	return x;
}
