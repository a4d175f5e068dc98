/*
 * sigma_corr.c — Sigma correlation rules: per-group sliding-window state.
 *
 * Each correlation keeps a hash table of groups (the group-by values of the
 * matching event, through the rule's aliases) with at most
 * SIGMA_CORR_MAX_GROUPS entries: past that, expired groups go first, then
 * the least recently seen. Within a group:
 *   event_count       the match times inside the window (a ring that grows
 *                     to at most threshold + 1 entries — enough to decide);
 *   value_count       distinct value hashes with their last time (same bound);
 *   temporal          the last time each referenced rule matched;
 *   temporal_ordered  per step, the start time of the earliest chain that got
 *                     that far in order (kept only while inside the window).
 * The condition is checked when a match arrives; a group that fires starts
 * afresh, so one burst gives one alert. Time is the event's own (UtcTime),
 * so an offline replay behaves as the live sensor did.
 *
 * Correlations chain: a correlation may count or order the firings of other
 * correlations (sigma.c refuses cycles); its group-by fields are then read
 * from the event that made the inner correlation fire.
 */
#include "detect/sigma_int.h"

#include "common/duration.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING_MAX 4096

struct vt {
	uint64_t h, t;
};

struct cgroup {
	uint64_t key;
	uint64_t last;
	bool used;
	/* event_count: ring of times; value_count: table of (hash, time) */
	struct vt *ring;
	uint32_t cap, head, count;
	uint64_t *step; /* temporal: last time per base; ordered: chain start */
};

struct corr_state {
	struct cgroup *groups;
	uint32_t ngroups, size; /* open addressing, size = 2 * max */
	uint32_t need;		/* ring bound */
};

uint64_t sg_rec_time(const struct vrec *rec)
{
	size_t len;
	const char *s;
	struct tm tm;
	char buf[32];
	unsigned ms = 0;
	char *end;

	if (rec->ts_ns)
		return rec->ts_ns;
	s = vrec__get(rec, VF_UtcTime, &len);
	if (s == NULL || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL)
		return 0;
	if (*end == '.') {
		int digits = 0;

		for (end++; *end >= '0' && *end <= '9' && digits < 3; end++, digits++)
			ms = ms * 10 + (unsigned)(*end - '0');
		while (digits++ < 3)
			ms *= 10;
	}
	return (uint64_t)timegm(&tm) * NSEC_PER_SEC + (uint64_t)ms * NSEC_PER_MSEC;
}

int sg_corr_init(struct sigma_engine *e, struct sg_corr *c)
{
	struct corr_state *st = calloc(1, sizeof(*st));
	int64_t need = c->cond_val;

	if (st == NULL)
		return -ENOMEM;
	if (c->has_op2 && c->cond_val2 > need)
		need = c->cond_val2;
	need += 1;
	st->need = need < 1 ? 1 : need > RING_MAX ? RING_MAX : (uint32_t)need;
	st->size = 2 * SIGMA_CORR_MAX_GROUPS;
	st->groups = calloc(st->size, sizeof(*st->groups));
	if (st->groups == NULL) {
		free(st);
		return -ENOMEM;
	}
	c->state = st;
	return 0;
}

static void group_clear(struct cgroup *g)
{
	free(g->ring);
	free(g->step);
	memset(g, 0, sizeof(*g));
}

void sg_corr_free(struct sg_corr *c)
{
	struct corr_state *st = c->state;

	if (st == NULL)
		return;
	for (uint32_t i = 0; i < st->size; i++)
		if (st->groups[i].used)
			group_clear(&st->groups[i]);
	free(st->groups);
	free(st);
	c->state = NULL;
}

static uint64_t mix(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 1099511628211ull;
	}
	/* a separator so ("ab","c") and ("a","bc") differ */
	h ^= 0xff;
	h *= 1099511628211ull;
	return h;
}

/* Removes group i and re-inserts the entries after it in its probe run. */
static void group_remove(struct corr_state *st, uint32_t i)
{
	uint32_t mask = st->size - 1;

	group_clear(&st->groups[i]);
	st->ngroups--;
	for (uint32_t j = (i + 1) & mask; st->groups[j].used; j = (j + 1) & mask) {
		struct cgroup g = st->groups[j];
		uint32_t k = (uint32_t)g.key & mask;

		/* the slot is emptied whole: a stale ring pointer left here
		 * would be shared by the next group created in it */
		memset(&st->groups[j], 0, sizeof(st->groups[j]));
		while (st->groups[k].used)
			k = (k + 1) & mask;
		st->groups[k] = g;
	}
}

static void evict(struct corr_state *st, uint64_t now, uint64_t span)
{
	uint32_t oldest = UINT32_MAX;

	for (uint32_t i = 0; i < st->size; i++) {
		if (!st->groups[i].used)
			continue;
		if (st->groups[i].last + span < now) {
			group_remove(st, i);
			return;
		}
		if (oldest == UINT32_MAX || st->groups[i].last < st->groups[oldest].last)
			oldest = i;
	}
	if (oldest != UINT32_MAX)
		group_remove(st, oldest);
}

static struct cgroup *group_get(struct sg_corr *c, uint64_t key, uint64_t now)
{
	struct corr_state *st = c->state;
	uint32_t mask = st->size - 1, i;

	for (i = (uint32_t)key & mask; st->groups[i].used; i = (i + 1) & mask)
		if (st->groups[i].key == key)
			return &st->groups[i];
	if (st->ngroups >= SIGMA_CORR_MAX_GROUPS) {
		evict(st, now, c->timespan_ns);
		for (i = (uint32_t)key & mask; st->groups[i].used; i = (i + 1) & mask)
			;
	}
	memset(&st->groups[i], 0, sizeof(st->groups[i]));
	st->groups[i].used = true;
	st->groups[i].key = key;
	st->ngroups++;
	if (c->type == CORR_TEMPORAL || c->type == CORR_TEMPORAL_ORDERED) {
		st->groups[i].step = calloc(c->nrefs, sizeof(uint64_t));
		if (st->groups[i].step == NULL) {
			group_remove(st, i);
			return NULL;
		}
	}
	return &st->groups[i];
}

static bool cond_ok(const struct sg_corr *c, int64_t n)
{
	bool ok;

	switch (c->cond_op) {
	case OP_GT:
		ok = n > c->cond_val;
		break;
	case OP_GTE:
		ok = n >= c->cond_val;
		break;
	case OP_LT:
		ok = n < c->cond_val;
		break;
	case OP_LTE:
		ok = n <= c->cond_val;
		break;
	default:
		ok = n == c->cond_val;
		break;
	}
	if (!ok || !c->has_op2)
		return ok;
	switch (c->cond_op2) {
	case OP_GT:
		return n > c->cond_val2;
	case OP_GTE:
		return n >= c->cond_val2;
	case OP_LT:
		return n < c->cond_val2;
	case OP_LTE:
		return n <= c->cond_val2;
	default:
		return n == c->cond_val2;
	}
}

static int ring_push(struct cgroup *g, uint32_t max, uint64_t h, uint64_t t)
{
	if (g->count == g->cap && g->cap < max) {
		uint32_t cap = g->cap ? g->cap * 2 : 4;
		struct vt *r;

		if (cap > max)
			cap = max;
		r = malloc(cap * sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		/* unroll the ring into the new buffer, oldest first */
		for (uint32_t i = 0; i < g->count; i++)
			r[i] = g->ring[(g->head + i) % g->cap];
		free(g->ring);
		g->ring = r;
		g->cap = cap;
		g->head = 0;
	}
	if (g->count == g->cap) { /* full at the bound: drop the oldest */
		g->ring[g->head] = (struct vt){h, t};
		g->head = (g->head + 1) % g->cap;
		return 0;
	}
	g->ring[(g->head + g->count) % g->cap] = (struct vt){h, t};
	g->count++;
	return 0;
}

/* Drops ring entries older than the window. Entries are in time order only
 * approximately (replayed events may be out of order), so compact. */
static void ring_expire(struct cgroup *g, uint64_t lo)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < g->count; i++) {
		struct vt v = g->ring[(g->head + i) % g->cap];

		if (v.t >= lo)
			g->ring[(g->head + k++) % g->cap] = v;
	}
	g->count = k;
}

bool sg_corr_feed(struct sg_corr *c, const struct sg_rule *r, const struct vrec *rec)
{
	uint64_t now = sg_rec_time(rec), key = 1469598103934665603ull;
	uint64_t lo = now > c->timespan_ns ? now - c->timespan_ns : 0;
	uint32_t base;
	struct cgroup *g;
	char buf[24];
	int64_t n = 0;

	for (base = 0; base < c->nrefs; base++)
		if (c->bases[base] == r)
			break;
	if (base == c->nrefs || c->state == NULL)
		return false;
	for (uint32_t i = 0; i < c->ngroup; i++) {
		size_t len = 0;
		const char *v = sg_field(rec, c->group_by[i * c->nrefs + base], &len, buf);

		key = v ? mix(key, v, len) : mix(key, "", 0);
	}
	if (c->per_host) {
		size_t len = 0;
		const char *v = sg_field(rec, VF_Computer, &len, buf);

		key = v ? mix(key, v, len) : mix(key, "", 0);
	}
	g = group_get(c, key, now);
	if (g == NULL)
		return false;
	if (now > g->last)
		g->last = now;
	switch (c->type) {
	case CORR_EVENT_COUNT:
		ring_expire(g, lo);
		if (ring_push(g, c->state->need, 0, now))
			return false;
		n = g->count;
		break;
	case CORR_VALUE_COUNT: {
		size_t len = 0;
		const char *v = sg_field(rec, c->value_field[base], &len, buf);
		uint64_t h;
		bool found = false;

		if (v == NULL)
			return false; /* no value: nothing to count */
		h = mix(1469598103934665603ull, v, len);
		ring_expire(g, lo);
		for (uint32_t i = 0; i < g->count; i++) {
			struct vt *e = &g->ring[(g->head + i) % g->cap];

			if (e->h == h) {
				e->t = now;
				found = true;
			}
		}
		if (!found && ring_push(g, c->state->need, h, now))
			return false;
		n = g->count;
		break;
	}
	case CORR_TEMPORAL:
		g->step[base] = now ? now : 1;
		for (uint32_t i = 0; i < c->nrefs; i++)
			if (g->step[i] && g->step[i] >= lo)
				n++;
		break;
	case CORR_TEMPORAL_ORDERED:
		/* The same rule may fill several steps; later steps first so
		 * one event does not advance a chain twice. */
		for (uint32_t s = c->nrefs; s-- > 0;) {
			if (c->bases[s] != r)
				continue;
			if (s == 0)
				g->step[0] = now ? now : 1;
			else if (g->step[s - 1] && g->step[s - 1] >= lo)
				g->step[s] = g->step[s - 1];
		}
		for (uint32_t i = 0; i < c->nrefs && g->step[i] && g->step[i] >= lo; i++)
			n++;
		break;
	}
	if (!cond_ok(c, n))
		return false;
	/* Fired: this group starts over. */
	g->count = 0;
	g->head = 0;
	if (g->step)
		memset(g->step, 0, c->nrefs * sizeof(uint64_t));
	return true;
}
