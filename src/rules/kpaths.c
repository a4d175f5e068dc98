/*
 * kpaths.c — an event's include rules as the paths, path prefixes and file
 * names the kernel can test (SensitiveFileRead's in-kernel gate).
 *
 * Why it is exact enough: an event is logged only when some include filter
 * matches. A filter is an AND of clauses and a clause an OR of conditions
 * (rules_int.h), so a filter with one clause made only of `is`, `is any`,
 * `begin with` and `end with` "/NAME" conditions on the path field matches
 * only paths equal to, or beginning with, one of that clause's values, or
 * naming a file NAME in some directory. When every include filter
 * has such a clause, the union of those values is a superset of what the
 * user-space matcher can log, and the kernel may drop every other path
 * without changing the output. The user-space matcher still runs on what
 * the kernel sends (other fields, excludes, case).
 *
 * Case: rule values are folded; the kernel folds ASCII only. A value with a
 * non-ASCII byte could fold differently, so it makes the gate impossible
 * rather than narrower. Values the kernel's trie cannot hold (longer than
 * its key, not absolute) do the same, and so does an `end with` that is not
 * a whole file name ("/.netrc" is one; ".netrc" would match "x.netrc" too,
 * and "/.aws/credentials" spans a directory). "Impossible" is never silent: the
 * caller gets the reason and sends every read (kp->all).
 */
#include "rules/rules_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(struct rules_kpaths *kp, const char *v, uint32_t len, const char *orig, bool prefix,
	       bool name)
{
	struct rules_kpath *nv;

	if (kp->n == kp->cap) {
		size_t nc = kp->cap ? kp->cap * 2 : 16;
		nv = realloc(kp->v, nc * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		kp->v = nv;
		kp->cap = nc;
	}
	kp->v[kp->n].path = strndup(v, len);
	kp->v[kp->n].orig = strndup(orig ? orig : v, len);
	if (kp->v[kp->n].path == NULL || kp->v[kp->n].orig == NULL) {
		free(kp->v[kp->n].path);
		free(kp->v[kp->n].orig);
		return -ENOMEM;
	}
	kp->v[kp->n].prefix = prefix;
	kp->v[kp->n].name = name;
	kp->n++;
	return 0;
}

/* Why value v of condition c cannot go in the kernel's trie, or NULL. */
static const char *unfit(const struct rcond *c, const char *v, uint32_t len, size_t max_len,
			 size_t max_name)
{
	if (c->always || len == 0)
		return "matches every path";
	if (c->op == ROP_END) {
		if (v[0] != '/' || len < 2 || memchr(v + 1, '/', len - 1) != NULL)
			return "is not a whole file name (\"/NAME\")";
		if (len - 1 > max_name)
			return "is longer than the kernel's file name key";
	} else if (v[0] != '/') {
		return "is not an absolute path";
	}
	if (len > max_len - (c->op == ROP_BEGIN ? 0 : 1))
		return "is longer than the kernel's path key";
	for (uint32_t i = 0; i < len; i++)
		if ((unsigned char)v[i] >= 0x80)
			return "has non-ASCII text (case folding differs)";
	return NULL;
}

/* Value vi of c as written (its case), when the raw text splits the same
 * way the folded values did; NULL otherwise. The directories the kernel
 * gate watches are looked up on disk by this spelling. */
static const char *as_written(const struct rcond *c, uint32_t vi, uint32_t len)
{
	const char *s = c->raw;

	for (uint32_t i = 0; s != NULL && i < vi; i++) {
		s = strchr(s, ';');
		if (s != NULL)
			s++;
	}
	if (s == NULL || strlen(s) < len || (s[len] != '\0' && s[len] != ';'))
		return NULL;
	return s;
}

static bool clause_fits(const struct revent *ev, const struct rclause *cl, enum vf_id field)
{
	for (uint32_t k = 0; k < cl->n; k++) {
		const struct rcond *c = &ev->conds[cl->conds[k]];
		if (c->field != field || !(c->op == ROP_IS || c->op == ROP_IS_ANY ||
					   c->op == ROP_BEGIN || c->op == ROP_END))
			return false;
	}
	return cl->n > 0;
}

static void gate_off(struct rules_kpaths *kp, const struct rcond *c, const char *name,
		     const char *why)
{
	kp->all = true;
	if (c != NULL)
		snprintf(kp->why, sizeof(kp->why), "rule '%s' (line %d): value '%.60s' %s", name,
			 c->line, c->raw ? c->raw : "", why);
	else
		snprintf(kp->why, sizeof(kp->why), "rule '%s': %s", name, why);
}

int ruleset__kernel_path_includes(const struct ruleset *rs, unsigned event_id, enum vf_id field,
				  size_t max_len, size_t max_name, struct rules_kpaths *kp)
{
	const struct revent *ev = rs && event_id < VIGIL_EVENT_ID_MAX ? rs->ev[event_id] : NULL;

	memset(kp, 0, sizeof(*kp));
	if (ev == NULL)
		return 0;
	for (uint32_t fi = 0; fi < ev->nincl && !kp->all; fi++) {
		const struct rfilter *f = &ev->incl[fi];
		const char *name = f->name ? f->name : "-";
		const struct rclause *cl = NULL;

		for (uint32_t ci = 0; ci < f->nclauses && cl == NULL; ci++)
			if (clause_fits(ev, &f->clauses[ci], field))
				cl = &f->clauses[ci];
		if (cl == NULL) {
			gate_off(
			    kp, NULL, name,
			    "needs a condition other than is / is any / begin with / end with on "
			    "the path");
			break;
		}
		for (uint32_t k = 0; k < cl->n && !kp->all; k++) {
			const struct rcond *c = &ev->conds[cl->conds[k]];

			for (uint32_t vi = 0; vi < c->nvals; vi++) {
				const char *why =
				    unfit(c, c->vals[vi], c->lens[vi], max_len, max_name);
				int err;

				if (why != NULL) {
					gate_off(kp, c, name, why);
					break;
				}
				if (c->op == ROP_END) /* the name, without its '/' */
					err = add(kp, c->vals[vi] + 1, c->lens[vi] - 1, NULL, false,
						  true);
				else
					err = add(kp, c->vals[vi], c->lens[vi],
						  as_written(c, vi, c->lens[vi]),
						  c->op == ROP_BEGIN, false);
				if (err) {
					rules_kpaths_free(kp);
					return err;
				}
			}
		}
	}
	return 0;
}

void rules_kpaths_free(struct rules_kpaths *kp)
{
	for (size_t i = 0; i < kp->n; i++) {
		free(kp->v[i].path);
		free(kp->v[i].orig);
	}
	free(kp->v);
	memset(kp, 0, sizeof(*kp));
}
