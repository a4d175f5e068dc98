/*
 * caps.c — the cap and aggregation engine of caps.h.
 *
 * State is a set of keys. A key is (cap, joined field values); it holds the
 * count of events it let through in its window and, for what it held back
 * (caps) or absorbed (aggregates), a running summary: count, first and last
 * time, min and max interval and a bounded sample of intervals for the
 * median. A GlobalCap is one key with no fields, kept outside the table.
 *
 * Keys live in one chained hash table (random seed, so crafted values cannot
 * build long chains), in one of max_keys slots (the bound) and on a per-cap
 * list in window-start order, so the flush that ends windows reads only keys
 * that are due, never the whole table. Eviction is CLOCK (second chance),
 * the usual approximation of LRU: a use sets the key's bit in a byte array,
 * and the hand, sweeping the slots, clears set bits and evicts the first
 * key whose bit is clear. A key used again since the hand last passed it is
 * not evicted on this pass. A key's first event does not set its bit, so a
 * flood of one-off keys (a scan) is evicted before keys that repeat (a
 * beacon). Unlike a linked LRU list, a use touches no other key's memory (a
 * list move costs three cache misses per event with 100,000 keys). A key whose
 * window ends, or which is evicted, while check() runs cannot be emitted
 * there (check has no output), so it moves to a pending list that the next
 * flush empties. That list is bounded too (max_keys); past it, summaries are
 * merged into one per cap with Key "(overflow)", so even then nothing is
 * suppressed without a count.
 *
 * Key text: each field's value (an absent field is "-", as the sinks print
 * it), with '\' and '|' escaped by a '\', joined by '|'. The escaping makes
 * the join unambiguous: "a|b" + "c" and "a" + "b|c" give "a\|b|c" and
 * "a|b\|c". A key longer than CAPS_KEY_MAX - 17 bytes is cut there and
 * ends in '#' and a 64-bit hash of all its values, so it stays bounded
 * (CAPS_KEY_MAX) and distinct.
 *
 * Intervals: each held-back event's interval is the time since the key's
 * previous event in the window, passed or held. So N held events give N
 * intervals, and a beacon held after its first connection shows its period
 * in every one of them. For an aggregate, each event after the first in a
 * period gives one. The median is exact for up to CAPS_SAMPLES intervals,
 * then estimated from a uniform reservoir sample of that size.
 */
#include "rules/caps_int.h"
#include "rules/rules_int.h"

#include "common/duration.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

_Static_assert(VF__COUNT <= 256, "caps_rule.fields holds field ids in a byte");

const char *const caps__kind_names[3] = {
    [CAPS_GLOBAL] = "GlobalCap",
    [CAPS_LOCAL] = "LocalCap",
    [CAPS_AGGREGATE] = "Aggregate",
};

/* What a summary reports, accumulated event by event. */
struct tally {
	uint64_t count;
	uint64_t first_ns, last_ns;
	uint64_t nint; /* intervals seen (the reservoir's denominator) */
	uint64_t min_ns, max_ns;
	uint32_t nsamp, capsamp;
	uint32_t *samp; /* intervals in ms, up to CAPS_SAMPLES */
};

/* What a lookup and a decision read come first, in one cache line. */
struct ckey {
	uint64_t hash;
	struct ckey *hnext; /* the pending list once retired */
	uint32_t rule;
	uint32_t keylen;
	uint32_t slot; /* index in slots[] while in the table */
	bool in_table;
	uint64_t win_end;		  /* ns, exclusive */
	uint64_t passed;		  /* events let through in this window */
	uint64_t prev_ns;		  /* the key's last event in the window, 0 before one */
	struct ckey *exp_prev, *exp_next; /* per cap, window-start order */
	uint64_t win_start;		  /* ns */
	uint64_t emit_ns;		  /* pending: UtcTime of its summary */
	struct tally t;
	char key[]; /* NUL-terminated */
};

struct rule_state {
	struct ckey *exp_head, *exp_tail;
	struct ckey *global; /* GlobalCap: its one key, NULL when no window is open */
	struct tally overflow;
	uint64_t overflow_ns;
};

/* A table entry carries the key's hash, so probing reads only the table;
 * the one key whose hash matches is the only key memory a lookup reads. */
struct hent {
	uint64_t hash;
	struct ckey *k; /* NULL: empty */
};

struct caps_state {
	const struct caps *cfg;
	struct rule_state *rst; /* per rule */
	/* Per event id: its rules, aggregates first, then LocalCaps, then the
	 * GlobalCap (the order check() needs). */
	uint8_t nby[VIGIL_EVENT_ID_MAX];
	uint16_t *by[VIGIL_EVENT_ID_MAX];
	struct hent *tab; /* open addressing, linear probing, load <= 1/2 */
	uint64_t mask;
	uint64_t seed;
	uint64_t rng;
	size_t max_keys;
	size_t live;
	struct ckey **slots;  /* max_keys: the keys in the table */
	uint8_t *ref;	      /* max_keys: CLOCK bits (REF_*) */
	uint32_t *free_slots; /* stack of empty slots */
	size_t nfree;
	size_t hand;
	struct ckey *pend_head, *pend_tail;
	size_t npend;
	struct caps_stats stats;
	char *kbuf; /* key scratch: every field escaped, plus separators */
	size_t kbuf_cap;
};

/* ---- hashing ------------------------------------------------------------ */

static uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t avalanche(uint64_t h)
{
	h ^= h >> 31;
	h *= 0x7fb5d329728ea185ull;
	h ^= h >> 27;
	h *= 0x81dadef4bc2dd44dull;
	h ^= h >> 33;
	return h;
}

/* A word-at-a-time hash of s[0..len), keyed by seed. */
static uint64_t hash_bytes(const char *s, size_t len, uint64_t seed)
{
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = rotl64(h ^ (w * 0xc2b2ae3d27d4eb4full), 29) * 0x9e3779b97f4a7c15ull;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, s + i, len - i);
		h = rotl64(h ^ (w * 0xc2b2ae3d27d4eb4full), 29) * 0x9e3779b97f4a7c15ull;
	}
	return avalanche(h);
}

static uint64_t next_rand(struct caps_state *st)
{
	/* xorshift64*: only picks reservoir slots, so speed over quality. */
	st->rng ^= st->rng >> 12;
	st->rng ^= st->rng << 25;
	st->rng ^= st->rng >> 27;
	return st->rng * 0x2545f4914f6cdd1dull;
}

/* ---- tallies ------------------------------------------------------------ */

/* Offers one interval (ms) to t's sample; t->nint already counts it. */
static void sample_add(struct caps_state *st, struct tally *t, uint32_t ms)
{
	uint64_t j;

	if (t->nsamp < CAPS_SAMPLES) {
		if (t->nsamp == t->capsamp) {
			uint32_t nc = t->capsamp ? t->capsamp * 2 : 8;
			uint32_t *np = realloc(t->samp, nc * sizeof(*np));

			if (np == NULL)
				return; /* the median uses the samples it has */
			t->samp = np;
			t->capsamp = nc;
		}
		t->samp[t->nsamp++] = ms;
		return;
	}
	/* Reservoir: interval number nint replaces a random slot with
	 * probability CAPS_SAMPLES / nint, keeping a uniform sample. */
	j = next_rand(st) % t->nint;
	if (j < CAPS_SAMPLES)
		t->samp[j] = ms;
}

static void tally_interval(struct caps_state *st, struct tally *t, uint64_t iv_ns)
{
	uint64_t ms = (iv_ns + NSEC_PER_MSEC / 2) / NSEC_PER_MSEC;

	if (t->nint == 0 || iv_ns < t->min_ns)
		t->min_ns = iv_ns;
	if (t->nint == 0 || iv_ns > t->max_ns)
		t->max_ns = iv_ns;
	t->nint++;
	sample_add(st, t, ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}

/* Counts one event at now; prev_ns is the key's previous event (0: none). */
static void tally_event(struct caps_state *st, struct tally *t, uint64_t now, uint64_t prev_ns)
{
	if (t->count == 0 || now < t->first_ns)
		t->first_ns = now;
	if (t->count == 0 || now > t->last_ns)
		t->last_ns = now;
	t->count++;
	if (prev_ns)
		tally_interval(st, t, now > prev_ns ? now - prev_ns : 0);
}

/* Folds src into dst (the overflow summary of a cap). The merged median
 * is an estimate: src's sample stands for all of src's intervals. */
static void tally_merge(struct caps_state *st, struct tally *dst, const struct tally *src)
{
	uint64_t had = dst->nint;

	if (src->count == 0)
		return;
	if (dst->count == 0 || src->first_ns < dst->first_ns)
		dst->first_ns = src->first_ns;
	if (dst->count == 0 || src->last_ns > dst->last_ns)
		dst->last_ns = src->last_ns;
	dst->count += src->count;
	if (src->nint == 0)
		return;
	dst->min_ns = had && dst->min_ns < src->min_ns ? dst->min_ns : src->min_ns;
	dst->max_ns = had && dst->max_ns > src->max_ns ? dst->max_ns : src->max_ns;
	for (uint32_t i = 0; i < src->nsamp; i++) {
		dst->nint++;
		sample_add(st, dst, src->samp[i]);
	}
	dst->nint = had + src->nint;
}

static void tally_reset(struct tally *t)
{
	uint32_t *samp = t->samp;
	uint32_t cap = t->capsamp;

	memset(t, 0, sizeof(*t));
	t->samp = samp;
	t->capsamp = cap;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* ---- summaries ---------------------------------------------------------- */

static void set_time(struct vrec *r, enum vf_id f, uint64_t ns)
{
	char t[24];

	vrec__fmt_time(ns, t);
	vrec__set(r, f, t, 23);
}

/* Builds one CapSummary in scratch and emits it. */
static void emit_summary(struct caps_state *st, const struct caps_rule *rule, const char *key,
			 size_t keylen, struct tally *t, uint64_t ts,
			 void (*emit)(void *ctx, struct vrec *rec), void *ctx, struct vrec *scratch)
{
	vrec__reset(scratch, schema__event(EV_CAP_SUMMARY));
	scratch->ts_ns = ts;
	set_time(scratch, VF_UtcTime, ts);
	vrec__set_ref(scratch, VF_RuleName, caps__kind_names[rule->kind],
		      strlen(caps__kind_names[rule->kind]));
	vrec__set_ref(scratch, VF_CappedEvent, rule->ev->name, strlen(rule->ev->name));
	vrec__set_ref(scratch, VF_CapName, rule->name, strlen(rule->name));
	vrec__set_ref(scratch, VF_KeyFields, rule->key_fields, strlen(rule->key_fields));
	vrec__set(scratch, VF_Key, key, keylen);
	vrec__set_uint(scratch, VF_Count, t->count);
	set_time(scratch, VF_FirstUtcTime, t->first_ns);
	set_time(scratch, VF_LastUtcTime, t->last_ns);
	if (t->nint > 0) {
		uint64_t med = 0;

		vrec__set_uint(scratch, VF_MinIntervalMs,
			       (t->min_ns + NSEC_PER_MSEC / 2) / NSEC_PER_MSEC);
		if (t->nsamp > 0) {
			qsort(t->samp, t->nsamp, sizeof(*t->samp), cmp_u32);
			if (t->nsamp % 2)
				med = t->samp[t->nsamp / 2];
			else
				med =
				    ((uint64_t)t->samp[t->nsamp / 2 - 1] + t->samp[t->nsamp / 2]) /
				    2;
			vrec__set_uint(scratch, VF_MedianIntervalMs, med);
		}
		vrec__set_uint(scratch, VF_MaxIntervalMs,
			       (t->max_ns + NSEC_PER_MSEC / 2) / NSEC_PER_MSEC);
	}
	st->stats.summaries++;
	emit(ctx, scratch);
}

/* ---- keys --------------------------------------------------------------- */

/* CLOCK bits: REF_PINNED protects the keys one check() holds pointers to. */
#define REF_CLEAR  0
#define REF_USED   1
#define REF_PINNED 2

static void key_use(struct caps_state *st, struct ckey *k)
{
	st->ref[k->slot] = REF_USED;
}

static void exp_unlink(struct rule_state *rs, struct ckey *k)
{
	if (k->exp_prev)
		k->exp_prev->exp_next = k->exp_next;
	else
		rs->exp_head = k->exp_next;
	if (k->exp_next)
		k->exp_next->exp_prev = k->exp_prev;
	else
		rs->exp_tail = k->exp_prev;
	k->exp_prev = k->exp_next = NULL;
}

static void exp_append(struct rule_state *rs, struct ckey *k)
{
	k->exp_next = NULL;
	k->exp_prev = rs->exp_tail;
	if (rs->exp_tail)
		rs->exp_tail->exp_next = k;
	else
		rs->exp_head = k;
	rs->exp_tail = k;
}

/* Removes k from the table by backward shifting: each later entry of the
 * run moves into the hole unless its home slot lies cyclically after the
 * hole, so no tombstones build up. */
static void table_unlink(struct caps_state *st, struct ckey *k)
{
	uint64_t i = k->hash & st->mask, j;

	while (st->tab[i].k && st->tab[i].k != k)
		i = (i + 1) & st->mask;
	if (st->tab[i].k == NULL)
		return;
	for (j = i;;) {
		uint64_t home;

		j = (j + 1) & st->mask;
		if (st->tab[j].k == NULL)
			break;
		home = st->tab[j].hash & st->mask;
		/* Stays when home is in (i, j], cyclically. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		st->tab[i] = st->tab[j];
		i = j;
	}
	st->tab[i].k = NULL;
	st->tab[i].hash = 0;
}

static void key_free(struct ckey *k)
{
	free(k->t.samp);
	free(k);
}

/* Takes k out of the table, its slot and its cap's window list. */
static void key_detach(struct caps_state *st, struct ckey *k)
{
	if (!k->in_table)
		return;
	table_unlink(st, k);
	st->slots[k->slot] = NULL;
	st->ref[k->slot] = REF_CLEAR;
	st->free_slots[st->nfree++] = k->slot;
	exp_unlink(&st->rst[k->rule], k);
	k->in_table = false;
	st->live--;
}

/* Retires a key whose window ended or which was evicted (detached, or a
 * GlobalCap key): a key with something to report waits on the pending list
 * for the next flush, others are freed. Past max_keys pending summaries the
 * report is merged into the cap's overflow summary. */
static void key_retire(struct caps_state *st, struct ckey *k, uint64_t emit_ns)
{
	if (k->t.count == 0) {
		key_free(k);
		return;
	}
	if (st->npend >= st->max_keys) {
		struct rule_state *rs = &st->rst[k->rule];

		tally_merge(st, &rs->overflow, &k->t);
		if (emit_ns > rs->overflow_ns)
			rs->overflow_ns = emit_ns;
		key_free(k);
		return;
	}
	k->emit_ns = emit_ns;
	k->hnext = NULL;
	if (st->pend_tail)
		st->pend_tail->hnext = k;
	else
		st->pend_head = k;
	st->pend_tail = k;
	st->npend++;
}

static struct ckey *key_alloc(uint32_t rule, const char *key, size_t keylen, uint64_t hash)
{
	struct ckey *k = calloc(1, sizeof(*k) + keylen + 1);

	if (k == NULL)
		return NULL;
	k->rule = rule;
	k->hash = hash;
	k->keylen = (uint32_t)keylen;
	memcpy(k->key, key, keylen);
	k->key[keylen] = '\0';
	return k;
}

/* Makes room for one more key: the CLOCK hand clears used bits until it
 * meets a key not used since its last pass, and evicts that one. Pinned keys
 * are skipped; at most CAPS_MAX_PER_EVENT of the 32 or more slots are, so
 * two turns always find a victim. */
static void evict_one(struct caps_state *st, uint64_t now)
{
	struct ckey *v = NULL;

	for (size_t n = 0; n < 2 * st->max_keys + 1 && v == NULL; n++) {
		size_t s = st->hand;

		st->hand = st->hand + 1 == st->max_keys ? 0 : st->hand + 1;
		if (st->slots[s] == NULL || st->ref[s] == REF_PINNED)
			continue;
		if (st->ref[s] == REF_USED)
			st->ref[s] = REF_CLEAR;
		else
			v = st->slots[s];
	}
	if (v == NULL)
		return;
	key_detach(st, v);
	st->stats.keys_evicted++;
	key_retire(st, v, now);
}

/* Adds a key for rule with its window opening at now. NULL on ENOMEM. */
static struct ckey *key_insert(struct caps_state *st, uint32_t rule, const char *key, size_t keylen,
			       uint64_t hash, uint64_t now)
{
	const struct caps_rule *r = &st->cfg->rules[rule];
	struct ckey *k;

	if (st->nfree == 0)
		evict_one(st, now);
	if (st->nfree == 0)
		return NULL;
	k = key_alloc(rule, key, keylen, hash);
	if (k == NULL)
		return NULL;
	k->slot = st->free_slots[--st->nfree];
	st->slots[k->slot] = k;
	st->ref[k->slot] = REF_CLEAR;
	if (r->kind == CAPS_AGGREGATE)
		/* Periods are aligned: hourly reports cover whole hours. */
		k->win_start = now - now % r->window_ns;
	else
		k->win_start = now;
	k->win_end = k->win_start + r->window_ns;
	{
		uint64_t i = hash & st->mask;

		while (st->tab[i].k)
			i = (i + 1) & st->mask;
		st->tab[i].hash = hash;
		st->tab[i].k = k;
	}
	exp_append(&st->rst[rule], k);
	k->in_table = true;
	st->live++;
	return k;
}

static struct ckey *key_find(struct caps_state *st, uint32_t rule, const char *key, size_t keylen,
			     uint64_t hash)
{
	for (uint64_t i = hash & st->mask; st->tab[i].k; i = (i + 1) & st->mask) {
		struct ckey *k = st->tab[i].k;

		if (st->tab[i].hash == hash && k->rule == rule && k->keylen == keylen &&
		    memcmp(k->key, key, keylen) == 0)
			return k;
	}
	return NULL;
}

/* Longest key stored whole; a cut key is longer (KEY_CUT plus '#' and 16
 * hex digits), so a whole key never looks like a cut one. */
#define KEY_CUT (CAPS_KEY_MAX - 17)

/* Appends v[0..len) to buf at *pos, escaping '\' and '|', writing nothing
 * past buf[lim). Returns false when it ran out of room. */
static bool key_put(char *buf, size_t *pos, size_t lim, const char *v, size_t len)
{
	size_t p = *pos;
	bool ok = true;

	for (;;) {
		const char *a = memchr(v, '|', len), *b = memchr(v, '\\', len);
		const char *e = a && (!b || a < b) ? a : b;
		size_t run = e ? (size_t)(e - v) : len;

		if (run > lim - p) {
			run = lim - p;
			ok = false;
		}
		memcpy(buf + p, v, run);
		p += run;
		if (!ok || e == NULL)
			break;
		if (lim - p < 2) {
			ok = false;
			break;
		}
		buf[p++] = '\\';
		buf[p++] = *e;
		v = e + 1;
		len -= run + 1;
	}
	*pos = p;
	return ok;
}

/* Builds rule's key for rec in st->kbuf; returns its length and sets *hash.
 * A key past KEY_CUT bytes is cut there and ends in '#' and a hash of the
 * raw values with their lengths (which tells every value list apart). */
static size_t key_build(struct caps_state *st, const struct caps_rule *r, uint32_t rule,
			const struct vrec *rec, uint64_t *hash)
{
	size_t pos = 0;
	bool whole = true;

	for (uint8_t i = 0; i < r->nfields && whole; i++) {
		size_t len = 0;
		const char *v = vrec__get(rec, (enum vf_id)r->fields[i], &len);

		if (v == NULL) {
			v = "-";
			len = 1;
		}
		if (i && pos < KEY_CUT)
			st->kbuf[pos++] = '|';
		else if (i)
			whole = false;
		if (whole)
			whole = key_put(st->kbuf, &pos, KEY_CUT, v, len);
	}
	if (!whole) {
		uint64_t h = 0x5ca1ab1eull;

		for (uint8_t i = 0; i < r->nfields; i++) {
			size_t len = 0;
			const char *v = vrec__get(rec, (enum vf_id)r->fields[i], &len);

			if (v == NULL) {
				v = "-";
				len = 1;
			}
			h = hash_bytes(v, len, h + i);
		}
		pos += (size_t)snprintf(st->kbuf + pos, 18, "#%016llx", (unsigned long long)h);
	}
	*hash = hash_bytes(st->kbuf, pos, st->seed + rule);
	return pos;
}

/* ---- public API --------------------------------------------------------- */

struct caps_state *caps_state__new(const struct ruleset *rs, size_t max_keys)
{
	const struct caps *cfg = ruleset__caps(rs);
	struct caps_state *st = calloc(1, sizeof(*st));
	uint64_t nb = 64;

	if (st == NULL)
		goto nomem;
	st->cfg = cfg;
	if (max_keys == 0)
		max_keys = caps__max_keys(cfg);
	st->max_keys = max_keys < 32 ? 32 : max_keys > CAPS_MAX_KEYS ? CAPS_MAX_KEYS : max_keys;
	if (getrandom(&st->seed, sizeof(st->seed), GRND_NONBLOCK) != sizeof(st->seed))
		st->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uintptr_t)st;
	st->rng = st->seed | 1;
	if (cfg == NULL)
		return st;
	/* At least twice as many entries as keys: short probe runs, and
	 * always an empty entry to end one. */
	while (nb < 2 * st->max_keys)
		nb <<= 1;
	st->tab = calloc(nb, sizeof(*st->tab));
	st->mask = nb - 1;
	st->rst = calloc(cfg->nrules, sizeof(*st->rst));
	/* A key is at most KEY_CUT bytes, then '#', 16 hex digits and a NUL. */
	st->kbuf_cap = CAPS_KEY_MAX + 1;
	st->kbuf = malloc(st->kbuf_cap);
	st->slots = calloc(st->max_keys, sizeof(*st->slots));
	st->ref = calloc(st->max_keys, sizeof(*st->ref));
	st->free_slots = calloc(st->max_keys, sizeof(*st->free_slots));
	if (st->tab == NULL || st->rst == NULL || st->kbuf == NULL || st->slots == NULL ||
	    st->ref == NULL || st->free_slots == NULL)
		goto nomem;
	/* Lowest slot popped first, so the first sweep meets keys oldest first. */
	for (size_t i = 0; i < st->max_keys; i++)
		st->free_slots[st->nfree++] = (uint32_t)(st->max_keys - 1 - i);
	for (int pass = 0; pass < 3; pass++) {
		/* Aggregates first, then LocalCaps, then the GlobalCap. */
		static const enum caps_kind order[3] = {CAPS_AGGREGATE, CAPS_LOCAL, CAPS_GLOBAL};

		for (uint32_t i = 0; i < cfg->nrules; i++) {
			const struct caps_rule *r = &cfg->rules[i];
			unsigned id = r->ev->id;

			if (r->kind != order[pass])
				continue;
			if (st->by[id] == NULL) {
				st->by[id] = calloc(CAPS_MAX_PER_EVENT + 1, sizeof(*st->by[id]));
				if (st->by[id] == NULL)
					goto nomem;
			}
			if (st->nby[id] <= CAPS_MAX_PER_EVENT)
				st->by[id][st->nby[id]++] = (uint16_t)i;
		}
	}
	return st;
nomem:
	caps_state__free(st);
	errno = ENOMEM;
	return NULL;
}

void caps_state__free(struct caps_state *st)
{
	struct ckey *k, *n;

	if (st == NULL)
		return;
	for (size_t i = 0; st->slots && i < st->max_keys; i++)
		if (st->slots[i])
			key_free(st->slots[i]);
	for (k = st->pend_head; k; k = n) {
		n = k->hnext;
		key_free(k);
	}
	for (uint32_t i = 0; st->rst && i < st->cfg->nrules; i++) {
		if (st->rst[i].global)
			key_free(st->rst[i].global);
		free(st->rst[i].overflow.samp);
	}
	for (unsigned id = 0; id < VIGIL_EVENT_ID_MAX; id++)
		free(st->by[id]);
	free(st->rst);
	free(st->slots);
	free(st->ref);
	free(st->free_slots);
	free(st->tab);
	free(st->kbuf);
	free(st);
}

/* Looks up rule's key for rec; a key whose window has ended is retired and
 * NULL returned (the event opens a new window). */
static struct ckey *lookup_live(struct caps_state *st, uint32_t rule, const struct vrec *rec,
				uint64_t now, size_t *keylen, uint64_t *hash)
{
	const struct caps_rule *r = &st->cfg->rules[rule];
	struct ckey *k;

	*keylen = key_build(st, r, rule, rec, hash);
	k = key_find(st, rule, st->kbuf, *keylen, *hash);
	if (k && now >= k->win_end) {
		key_detach(st, k);
		key_retire(st, k, k->win_end);
		k = NULL;
	}
	return k;
}

enum caps_verdict caps_state__check(struct caps_state *st, const struct vrec *rec)
{
	struct ckey *found[CAPS_MAX_PER_EVENT];
	bool fresh[CAPS_MAX_PER_EVENT];
	uint32_t local_rule[CAPS_MAX_PER_EVENT];
	unsigned nlocal = 0, n, id;
	const uint16_t *rules;
	uint64_t now;
	struct ckey *holder = NULL;
	int global = -1;

	if (st == NULL || st->cfg == NULL || rec == NULL || rec->def == NULL)
		return CAPS_PASS;
	id = rec->def->id;
	n = id < VIGIL_EVENT_ID_MAX ? st->nby[id] : 0;
	if (n == 0)
		return CAPS_PASS;
	rules = st->by[id];
	now = rec->ts_ns ? rec->ts_ns : 1;

	if (st->cfg->rules[rules[0]].kind == CAPS_AGGREGATE) {
		/* The parser never mixes aggregates and caps on one event. */
		unsigned counted = 0;

		for (unsigned i = 0; i < n; i++) {
			size_t kl;
			uint64_t h;
			struct ckey *k = lookup_live(st, rules[i], rec, now, &kl, &h);

			if (k)
				key_use(st, k);
			else
				k = key_insert(st, rules[i], st->kbuf, kl, h, now);
			if (k == NULL)
				continue; /* no memory for this report */
			tally_event(st, &k->t, now, k->prev_ns);
			k->prev_ns = now;
			counted++;
		}
		if (counted == 0)
			return CAPS_PASS; /* in no report: never hide it */
		st->stats.aggregated++;
		return CAPS_AGGREGATED;
	}

	/* Decide first, commit after: an event held by one cap must not use
	 * up another cap's allowance. */
	for (unsigned i = 0; i < n; i++) {
		const struct caps_rule *r = &st->cfg->rules[rules[i]];
		size_t kl;
		uint64_t h;
		struct ckey *k;

		if (r->kind == CAPS_GLOBAL) {
			struct rule_state *rs = &st->rst[rules[i]];

			global = rules[i];
			if (rs->global && now >= rs->global->win_end) {
				key_retire(st, rs->global, rs->global->win_end);
				rs->global = NULL;
			}
			if (holder == NULL && rs->global && rs->global->passed >= r->max)
				holder = rs->global;
			continue;
		}
		k = lookup_live(st, rules[i], rec, now, &kl, &h);
		if (k) {
			/* Pinned until the end of this check, so making room for
			 * another key of this event never evicts it. */
			st->ref[k->slot] = REF_PINNED;
			if (holder == NULL && k->passed >= r->max)
				holder = k;
		}
		found[nlocal] = k;
		fresh[nlocal] = false;
		local_rule[nlocal++] = rules[i];
	}
	if (holder) {
		for (unsigned i = 0; i < nlocal; i++)
			if (found[i])
				key_use(st, found[i]);
		tally_event(st, &holder->t, now, holder->prev_ns);
		holder->prev_ns = now;
		st->stats.held++;
		return CAPS_HELD;
	}
	for (unsigned i = 0; i < nlocal; i++) {
		struct ckey *k = found[i];

		if (k == NULL) {
			size_t kl;
			uint64_t h;

			kl = key_build(st, &st->cfg->rules[local_rule[i]], local_rule[i], rec, &h);
			k = key_insert(st, local_rule[i], st->kbuf, kl, h, now);
			if (k == NULL)
				continue; /* no memory: the event passes uncounted */
			found[i] = k;
			fresh[i] = true;
			st->ref[k->slot] = REF_PINNED;
		}
		k->passed++;
		k->prev_ns = now;
	}
	/* Unpin: keys met before are marked used, new ones are not, so a
	 * flood of one-off keys is evicted before keys that repeat. */
	for (unsigned i = 0; i < nlocal; i++)
		if (found[i])
			st->ref[found[i]->slot] = fresh[i] ? REF_CLEAR : REF_USED;
	if (global >= 0) {
		struct rule_state *rs = &st->rst[global];

		if (rs->global == NULL) {
			rs->global = key_alloc((uint32_t)global, "-", 1, 0);
			if (rs->global) {
				rs->global->win_start = now;
				rs->global->win_end = now + st->cfg->rules[global].window_ns;
			}
		}
		if (rs->global) {
			rs->global->passed++;
			rs->global->prev_ns = now;
		}
	}
	return CAPS_PASS;
}

static void emit_key(struct caps_state *st, struct ckey *k, uint64_t ts,
		     void (*emit)(void *ctx, struct vrec *rec), void *ctx, struct vrec *scratch)
{
	emit_summary(st, &st->cfg->rules[k->rule], k->key, k->keylen, &k->t, ts, emit, ctx,
		     scratch);
}

void caps_state__flush(struct caps_state *st, uint64_t now_ns, bool all, struct vrec *scratch,
		       void (*emit)(void *ctx, struct vrec *rec), void *ctx)
{
	struct ckey *k, *n;

	if (st == NULL || st->cfg == NULL || scratch == NULL || emit == NULL)
		return;
	/* Windows that ended, in each cap's window-start order. */
	for (uint32_t i = 0; i < st->cfg->nrules; i++) {
		struct rule_state *rs = &st->rst[i];

		while (rs->exp_head && (all || now_ns >= rs->exp_head->win_end)) {
			k = rs->exp_head;
			key_detach(st, k);
			key_retire(st, k, all && now_ns < k->win_end ? now_ns : k->win_end);
		}
		if (rs->global && (all || now_ns >= rs->global->win_end)) {
			k = rs->global;
			rs->global = NULL;
			key_retire(st, k, all && now_ns < k->win_end ? now_ns : k->win_end);
		}
	}
	/* Then everything pending, oldest first. */
	for (k = st->pend_head; k; k = n) {
		n = k->hnext;
		emit_key(st, k, k->emit_ns, emit, ctx, scratch);
		key_free(k);
	}
	st->pend_head = st->pend_tail = NULL;
	st->npend = 0;
	for (uint32_t i = 0; i < st->cfg->nrules; i++) {
		struct rule_state *rs = &st->rst[i];

		if (rs->overflow.count == 0)
			continue;
		emit_summary(st, &st->cfg->rules[i], "(overflow)", 10, &rs->overflow,
			     rs->overflow_ns, emit, ctx, scratch);
		tally_reset(&rs->overflow);
	}
}

void caps_state__stats(const struct caps_state *st, struct caps_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return;
	*out = st->stats;
	out->keys_live = st->live;
}
