/*
 * sigma_yaml.c — YAML text to a node tree with line numbers, and the arena
 * the Sigma engine allocates from.
 *
 * libyaml's event parser gives each node a start mark; keeping it lets every
 * diagnostic about a rule say file:line. Aliases are refused (Sigma rules do
 * not use them, and they are the classic way to make a small file expand
 * into a huge tree); depth and node counts are bounded for the same reason.
 */
#include "detect/sigma_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define CHUNK_SIZE     (64 * 1024)
#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 200000

struct sg_chunk {
	struct sg_chunk *next;
	size_t used, size;
	max_align_t data[];
};

void *sg_alloc(struct sg_arena *a, size_t n)
{
	struct sg_chunk *c = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > CHUNK_SIZE / 2 ? n : CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->size = size;
		/* A big allocation gets its own chunk behind the current one
		 * so the current chunk's free space is not wasted. */
		if (size != CHUNK_SIZE && a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->total += size;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *sg_strndup(struct sg_arena *a, const char *s, size_t n)
{
	char *p = sg_alloc(a, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sg_strdup(struct sg_arena *a, const char *s)
{
	return sg_strndup(a, s, strlen(s));
}

void sg_arena_free(struct sg_arena *a)
{
	struct sg_chunk *c = a->head;

	while (c != NULL) {
		struct sg_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}

/* ---- tree building -------------------------------------------------- */

struct ybuild {
	struct sg_arena *a;
	struct yn *stack[YAML_MAX_DEPTH];
	/* growable child lists for open containers */
	struct yn **kids[YAML_MAX_DEPTH];
	uint32_t nkids[YAML_MAX_DEPTH], capkids[YAML_MAX_DEPTH];
	int depth;
	size_t nodes;
};

static int push_child(struct ybuild *b, struct yn *n)
{
	int d = b->depth - 1;

	if (b->nkids[d] == b->capkids[d]) {
		uint32_t cap = b->capkids[d] ? b->capkids[d] * 2 : 8;
		struct yn **k = realloc(b->kids[d], cap * sizeof(*k));

		if (k == NULL)
			return -ENOMEM;
		b->kids[d] = k;
		b->capkids[d] = cap;
	}
	b->kids[d][b->nkids[d]++] = n;
	return 0;
}

static void set_err(char *err, size_t errlen, int *err_line, int line, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	*err_line = line;
}

int sg_yaml_parse(struct sg_arena *a, const char *buf, size_t len, struct yn ***docs, size_t *ndocs,
		  char *err, size_t errlen, int *err_line)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct ybuild b = {.a = a};
	struct yn **dl = NULL;
	size_t nd = 0, capd = 0;
	int rc = 0;
	bool done = false;

	*docs = NULL;
	*ndocs = 0;
	*err_line = 0;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		struct yn *n = NULL;
		int line;

		if (!yaml_parser_parse(&p, &ev)) {
			set_err(err, errlen, err_line, (int)p.problem_mark.line + 1,
				p.problem ? p.problem : "YAML syntax error");
			rc = -EINVAL;
			break;
		}
		line = (int)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			set_err(err, errlen, err_line, line, "YAML aliases are not supported");
			rc = -EINVAL;
			break;
		case YAML_SCALAR_EVENT:
			n = sg_alloc(a, sizeof(*n));
			if (n == NULL) {
				rc = -ENOMEM;
				break;
			}
			n->kind = YN_SCALAR;
			n->line = line;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			n->s = sg_strndup(a, (const char *)ev.data.scalar.value,
					  ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			if (n->s == NULL)
				rc = -ENOMEM;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (b.depth >= YAML_MAX_DEPTH) {
				set_err(err, errlen, err_line, line, "YAML nested too deeply");
				rc = -EINVAL;
				break;
			}
			n = sg_alloc(a, sizeof(*n));
			if (n == NULL) {
				rc = -ENOMEM;
				break;
			}
			n->kind = ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP;
			n->line = line;
			b.stack[b.depth] = n;
			b.nkids[b.depth] = 0;
			b.depth++;
			n = NULL; /* attached when closed */
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			int d = b.depth - 1;
			struct yn *c = b.stack[d];

			c->items = sg_alloc(a, (b.nkids[d] + 1) * sizeof(*c->items));
			if (c->items == NULL) {
				rc = -ENOMEM;
				break;
			}
			if (b.nkids[d])
				memcpy(c->items, b.kids[d], b.nkids[d] * sizeof(*c->items));
			c->n = c->kind == YN_MAP ? b.nkids[d] / 2 : b.nkids[d];
			b.depth--;
			n = c;
			break;
		}
		default:
			break;
		}
		if (rc == 0 && n != NULL) {
			if (++b.nodes > YAML_MAX_NODES) {
				set_err(err, errlen, err_line, line, "YAML document too large");
				rc = -EINVAL;
			} else if (b.depth > 0) {
				rc = push_child(&b, n);
			} else {
				if (nd == capd) {
					size_t cap = capd ? capd * 2 : 4;
					struct yn **t = sg_alloc(a, cap * sizeof(*t));

					if (t == NULL) {
						rc = -ENOMEM;
					} else {
						if (nd)
							memcpy(t, dl, nd * sizeof(*t));
						dl = t;
						capd = cap;
					}
				}
				if (rc == 0)
					dl[nd++] = n;
			}
		}
		yaml_event_delete(&ev);
		if (rc != 0)
			break;
	}
	for (int i = 0; i < YAML_MAX_DEPTH; i++)
		free(b.kids[i]);
	yaml_parser_delete(&p);
	if (rc == -ENOMEM)
		set_err(err, errlen, err_line, 0, "out of memory");
	/* On a syntax error the documents before it are still whole: the
	 * caller loads them and reports the error. */
	*docs = dl;
	*ndocs = rc == -ENOMEM ? 0 : nd;
	return rc;
}

struct yn *sg_yaml_get(const struct yn *m, const char *key)
{
	if (m == NULL || m->kind != YN_MAP)
		return NULL;
	for (uint32_t i = 0; i < m->n; i++) {
		const struct yn *k = m->items[2 * i];

		if (k->kind == YN_SCALAR && strcmp(k->s, key) == 0)
			return m->items[2 * i + 1];
	}
	return NULL;
}

bool sg_yaml_is_null(const struct yn *n)
{
	if (n == NULL)
		return true;
	if (n->kind != YN_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->s, "~") == 0 || strcmp(n->s, "null") == 0 ||
	       strcmp(n->s, "Null") == 0 || strcmp(n->s, "NULL") == 0;
}

const char *sg_yaml_scalar(const struct yn *m, const char *key)
{
	const struct yn *v = sg_yaml_get(m, key);

	return v && v->kind == YN_SCALAR && !sg_yaml_is_null(v) ? v->s : NULL;
}

bool sg_yaml_bool(const struct yn *v, bool *out)
{
	if (v->kind != YN_SCALAR)
		return false;
	if (strcasecmp(v->s, "true") == 0 || strcasecmp(v->s, "yes") == 0) {
		*out = true;
		return true;
	}
	if (strcasecmp(v->s, "false") == 0 || strcasecmp(v->s, "no") == 0) {
		*out = false;
		return true;
	}
	return false;
}
