/*
 * parse_xml.c — the config parser's libxml2 helpers (see parse_int.h):
 * errors with file:line, storage the ruleset owns, attribute and text
 * access, trimming and whole numbers as Sysmon configs write them.
 */
#include "rules/parse_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool px_in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

int px_line(const xmlNode *n)
{
	long l = n ? xmlGetLineNo(n) : 0;

	return l > 0 && l < 0x7fffffff ? (int)l : 0;
}

int px_err(struct pctx *p, const xmlNode *n, const char *fmt, ...)
{
	va_list ap;

	snprintf(p->err->file, sizeof(p->err->file), "%s", p->name);
	p->err->line = px_line(n);
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int px_oom(struct pctx *p)
{
	snprintf(p->err->file, sizeof(p->err->file), "%s", p->name);
	p->err->line = 0;
	snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
	return -ENOMEM;
}

/* Grows *arr (of *cap elements of size sz) to hold n+1. */
int px_grow(void *arr, uint32_t *cap, uint32_t n, size_t sz)
{
	void **pa = arr;
	uint32_t nc;
	void *np;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 8;
	np = realloc(*pa, (size_t)nc * sz);
	if (np == NULL)
		return -ENOMEM;
	*pa = np;
	*cap = nc;
	return 0;
}

/* Hands d over to the ruleset, which frees it in rules__release. */
void *px_track(struct ruleset *rs, void *d)
{
	if (d == NULL)
		return NULL;
	if (rs->nstrs == rs->capstrs) {
		size_t nc = rs->capstrs ? rs->capstrs * 2 : 64;
		char **np = realloc(rs->strs, nc * sizeof(*np));

		if (np == NULL) {
			free(d);
			return NULL;
		}
		rs->strs = np;
		rs->capstrs = nc;
	}
	rs->strs[rs->nstrs++] = d;
	return d;
}

/* Copies s[0..len) into storage owned by the ruleset. */
char *px_keep(struct ruleset *rs, const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return px_track(rs, d);
}

void *px_keep_zero(struct ruleset *rs, size_t len)
{
	return px_track(rs, calloc(1, len ? len : 1));
}

bool px_is_elem(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE;
}

const char *px_name(const xmlNode *n)
{
	return (const char *)n->name;
}

/* Returns an attribute's value (caller frees with xmlFree) or NULL. */
char *px_attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

/* Collects the text of an element that must hold only text. Returns a
 * malloc'd string or NULL with the error filled. */
char *px_text(struct pctx *p, const xmlNode *n, int *rc)
{
	size_t len = 0, cap = 64;
	char *s = malloc(cap);

	if (s == NULL) {
		*rc = px_oom(p);
		return NULL;
	}
	s[0] = '\0';
	for (const xmlNode *c = n->children; c; c = c->next) {
		const char *t;
		size_t tl;

		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type == XML_ELEMENT_NODE) {
			*rc = px_err(p, c, "unexpected element <%s> inside <%s>", px_name(c),
				     px_name(n));
			free(s);
			return NULL;
		}
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) {
			*rc = px_err(p, c, "unsupported content inside <%s>", px_name(n));
			free(s);
			return NULL;
		}
		t = (const char *)c->content;
		tl = t ? strlen(t) : 0;
		if (len + tl + 1 > cap) {
			char *ns;

			while (len + tl + 1 > cap)
				cap *= 2;
			ns = realloc(s, cap);
			if (ns == NULL) {
				free(s);
				*rc = px_oom(p);
				return NULL;
			}
			s = ns;
		}
		memcpy(s + len, t, tl);
		len += tl;
		s[len] = '\0';
	}
	return s;
}

/* Trims ASCII whitespace in place; returns the start. */
char *px_trim(char *s)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool px_only_space(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

bool px_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return false;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno != 0)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

/* Refuses attributes outside ok[], so a misspelt one is an error, not a
 * silently ignored setting. */
int px_check_attrs(struct pctx *p, const xmlNode *n, const char *const *ok, size_t nok)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (!px_in_list((const char *)a->name, ok, nok))
			return px_err(p, n, "<%s> has no attribute \"%s\"", px_name(n),
				      (const char *)a->name);
	return 0;
}
