/*
 * parse_int.h — what the Sysmon XML config parser's files share: the parse
 * context and the libxml2 helpers (parse_xml.c) that parse.c (filters,
 * options) and parse_caps.c (<VigilCaps>) are written with. Every error
 * goes through px_err, so each names file:line of the node at fault.
 * Nothing outside src/rules/parse*.c includes this.
 */
#ifndef VIGIL_PARSE_INT_H
#define VIGIL_PARSE_INT_H

#include "rules/rules_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct pctx {
	struct ruleset *rs;
	const char *name; /* the config's name, for errors */
	struct rules_error *err;
	bool default_and;
};

/* Fills p->err with file:line of n (no line when n is NULL) and the
 * message; returns -EINVAL. */
int px_err(struct pctx *p, const xmlNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fills p->err with "out of memory"; returns -ENOMEM. */
int px_oom(struct pctx *p);
/* n's line in the document; 0 when unknown. */
int px_line(const xmlNode *n);

bool px_in_list(const char *s, const char *const *list, size_t n);
/* Grows *arr (of *cap elements of size sz) to hold n+1. 0 or -ENOMEM. */
int px_grow(void *arr, uint32_t *cap, uint32_t n, size_t sz);
/* Hands d (malloc'd) over to the ruleset, which frees it in
 * rules__release; returns d, or NULL (d freed) on ENOMEM. */
void *px_track(struct ruleset *rs, void *d);
/* Copies s[0..len) into storage owned by the ruleset; NULL on ENOMEM. */
char *px_keep(struct ruleset *rs, const char *s, size_t len);
/* len zeroed bytes owned by the ruleset; NULL on ENOMEM. */
void *px_keep_zero(struct ruleset *rs, size_t len);

bool px_is_elem(const xmlNode *n);
const char *px_name(const xmlNode *n);
/* Returns an attribute's value (caller frees with xmlFree) or NULL. */
char *px_attr(const xmlNode *n, const char *name);
/* Collects the text of an element that must hold only text. Returns a
 * malloc'd string, or NULL with the error filled and *rc set. */
char *px_text(struct pctx *p, const xmlNode *n, int *rc);
/* Trims ASCII whitespace in place; returns the start. */
char *px_trim(char *s);
bool px_only_space(const char *s);
/* A whole (strtoll base 0) number, spaces around allowed. */
bool px_i64(const char *s, int64_t *out);
/* Refuses attributes of n outside ok[], so a misspelt one is an error,
 * not a silently ignored setting. 0 or -EINVAL. */
int px_check_attrs(struct pctx *p, const xmlNode *n, const char *const *ok, size_t nok);

/* parse_caps.c: the <VigilCaps> element n into p->rs->caps. */
int px_parse_caps(struct pctx *p, const xmlNode *n);

#endif
