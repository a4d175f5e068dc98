/*
 * sigma_load.h — the Sigma loader's internal interface, shared by its
 * parts: sigma_load.c (documents, metadata, logsource routing, the
 * detection section), sigma_compile.c (search identifiers and values to
 * atoms), sigma_cond.c (the condition string) and sigma_corr_load.c
 * (correlation rules). Only those files include it.
 */
#ifndef VIGIL_SIGMA_LOAD_H
#define VIGIL_SIGMA_LOAD_H

#include "detect/sigma_int.h"

/* What one rule's load works on. */
struct lctx {
	struct sigma_engine *e;
	struct sg_rule *r;
	const struct vevent_def *def; /* the routed event */
	char **names;		      /* search identifiers... */
	struct sx **exprs;	      /* ...and their expressions */
	uint32_t nids;
	uint32_t first_atom;
	struct sg_aud *aud; /* an auditd rule's variant (sigma_auditd.c), or NULL */
};

/* Records the first problem of a rule (later ones are consequences) as its
 * status, message and line. Returns -1, so callers can `return sg_fail(...)`. */
int sg_fail(struct lctx *lc, int line, enum sigma_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* sg_fail with "out of memory". */
int sg_oom(struct lctx *lc);

/* Expression nodes, in the engine's arena; NULL on ENOMEM. */
struct sx *sg_sx_new(struct lctx *lc, int kind, uint32_t n);
/* Adds *a (for this rule) to the engine's atoms and returns its leaf. */
struct sx *sg_sx_atom(struct lctx *lc, struct sa *a);
/* AND/OR of kids[0..n); a single kid is returned as is. */
struct sx *sg_sx_join(struct lctx *lc, int kind, struct sx **kids, uint32_t n);
struct sx *sg_sx_not(struct lctx *lc, struct sx *k);

/* sigma_compile.c: the search identifier `name` (value v) to an
 * expression; NULL after sg_fail. */
struct sx *sg_compile_search(struct lctx *lc, const struct yn *v, const char *name);

/* sigma_cond.c: the condition string v over lc->names/exprs to an
 * expression; NULL after sg_fail. */
struct sx *sg_parse_condition(struct lctx *lc, const struct yn *v);

/* sigma_corr_load.c: the `correlation` map cy into lc->r->corr. Returns 0,
 * or -1 after sg_fail. */
int sg_load_correlation(struct lctx *lc, const struct yn *cy);

#endif
