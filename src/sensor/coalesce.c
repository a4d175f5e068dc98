/*
 * coalesce.c — FileModify coalescing by (process, file) and window; see
 * coalesce.h.
 *
 * The table is a plain array scanned linearly: it has COALESCE_SLOTS
 * entries, only FileModify records (already at most one per open file) are
 * offered, and comparing a 64-bit hash per slot costs less than keeping an
 * open-addressing table's tombstones right. The held records live in one
 * allocation made at start; only the pages a held record touches are ever
 * resident.
 */
#include "sensor/coalesce.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	uint64_t hash; /* 0: free */
	uint64_t deadline_ns;
	uint64_t count;
};

struct coalescer {
	size_t n, used;
	uint64_t window_ns;
	struct slot *slots;
	struct vrec *recs; /* recs[i] is the record held in slots[i] */
	struct coalesce_stats st;
};

struct coalescer *coalesce__new(size_t slots, uint64_t window_ns)
{
	struct coalescer *c = calloc(1, sizeof(*c));

	if (c == NULL || slots == 0)
		goto fail;
	c->n = slots;
	c->window_ns = window_ns;
	c->slots = calloc(slots, sizeof(*c->slots));
	c->recs = calloc(slots, sizeof(*c->recs));
	if (c->slots == NULL || c->recs == NULL)
		goto fail;
	return c;
fail:
	coalesce__free(c);
	errno = ENOMEM;
	return NULL;
}

void coalesce__free(struct coalescer *c)
{
	if (c == NULL)
		return;
	free(c->slots);
	free(c->recs);
	free(c);
}

static uint64_t fnv(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool same_field(const struct vrec *a, const struct vrec *b, enum vf_id f)
{
	size_t al, bl;
	const char *x = vrec__get(a, f, &al), *y = vrec__get(b, f, &bl);

	return x && y && al == bl && memcmp(x, y, al) == 0;
}

bool coalesce__offer(struct coalescer *c, struct vrec *rec, uint64_t now_ns)
{
	const char *guid, *path;
	size_t gl, pl, free_i = c->n;
	uint64_t h;

	if (rec->def->id != EV_FILE_MODIFY)
		return false;
	guid = vrec__get(rec, VF_ProcessGuid, &gl);
	path = vrec__get(rec, VF_TargetFilename, &pl);
	if (guid == NULL || path == NULL) {
		vrec__set_uint(rec, VF_WriteCount, 1);
		return false;
	}
	/* The separator keeps ("ab", "c") and ("a", "bc") apart; 0 means free. */
	h = fnv(fnv(fnv(0xcbf29ce484222325ull, guid, gl), "\n", 1), path, pl) | 1;
	for (size_t i = 0; i < c->n; i++) {
		struct slot *s = &c->slots[i];

		if (s->hash == 0) {
			if (free_i == c->n)
				free_i = i;
			continue;
		}
		if (s->hash == h && same_field(&c->recs[i], rec, VF_ProcessGuid) &&
		    same_field(&c->recs[i], rec, VF_TargetFilename)) {
			s->count++;
			c->st.merged++;
			return true;
		}
	}
	if (free_i == c->n) {
		c->st.overflow++;
		vrec__set_uint(rec, VF_WriteCount, 1);
		return false;
	}
	vrec__copy(&c->recs[free_i], rec);
	c->slots[free_i] =
	    (struct slot){.hash = h, .deadline_ns = now_ns + c->window_ns, .count = 1};
	c->used++;
	c->st.held++;
	return true;
}

void coalesce__flush(struct coalescer *c, uint64_t now_ns, uint64_t slack_ns, bool all,
		     void (*fn)(void *ctx, struct vrec *rec), void *ctx)
{
	for (size_t i = 0; i < c->n && c->used > 0; i++) {
		struct slot *s = &c->slots[i];

		if (s->hash == 0 || (!all && s->deadline_ns > now_ns + slack_ns))
			continue;
		vrec__set_uint(&c->recs[i], VF_WriteCount, s->count);
		s->hash = 0;
		c->used--;
		fn(ctx, &c->recs[i]);
	}
}

size_t coalesce__pending(const struct coalescer *c)
{
	return c->used;
}

void coalesce__stats(const struct coalescer *c, struct coalesce_stats *st)
{
	*st = c->st;
}
