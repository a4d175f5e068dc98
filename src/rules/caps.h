/*
 * caps.h — transparent volume control: caps and aggregated reports.
 *
 * The <VigilCaps> section of the configuration (parsed with the rest of the
 * Sysmon XML, see parse_caps.c and vigil(8)) declares, per event type:
 *  - GlobalCap: at most N events of the type per window on this host;
 *  - LocalCap: at most M events per key (the values of listed fields) per
 *    window, the window starting at the key's first event;
 *  - Aggregate: no individual events at all, one report per key per period
 *    (periods aligned to multiples of the period since the epoch, UTC).
 * Nothing is suppressed silently: whatever a cap holds back, and whatever an
 * aggregate absorbs, comes out as 240 CapSummary records (count, first and
 * last time, min/median/max interval) when the window or period ends, when
 * its key is evicted, and at flush(all).
 *
 * The state (struct caps_state) is bounded: at most max_keys live keys across
 * all caps, least recently used evicted first, and every eviction of a key
 * that held events back produces its summary. It is for one thread (the
 * sensor's event loop): no locking.
 *
 * No libbpf and no sensor dependency: the sensor feeds records that passed
 * the Sysmon filter to caps_state__check, emits those it returns CAPS_PASS
 * for, and calls caps_state__flush from its timer and at stop or reload.
 */
#ifndef VIGIL_CAPS_H
#define VIGIL_CAPS_H

#include "common/record.h"
#include "rules/rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The compiled <VigilCaps> section of a ruleset (immutable, owned by it). */
struct caps;
/* The counting state built from it (owned by the caller). */
struct caps_state;

/* Default for maxkeys when the section does not set it, and the most
 * caps_state__new accepts (the config's own limit is lower). */
#define CAPS_DEFAULT_MAX_KEYS 100000
#define CAPS_MAX_KEYS	      (1u << 27)
/* Intervals kept per key for the median: exact up to this many, then a
 * uniform reservoir sample of this size (bounded memory). */
#define CAPS_SAMPLES 64
/* Longest stored key in bytes: a key past CAPS_KEY_MAX - 17 bytes is cut
 * there and ends in '#' and a 64-bit hash of all its values, so distinct
 * keys stay distinct. */
#define CAPS_KEY_MAX 1024

/* Returns the ruleset's caps section (borrowed, lives as long as rs), or
 * NULL when the configuration has none. */
struct caps *ruleset__caps(const struct ruleset *rs);

/* The <HealthInterval> element: SensorHealth period in seconds (0 = only at
 * stop), or -1 when the configuration does not set it (the sensor then uses
 * its command-line option or its default of 60). */
int ruleset__health_interval(const struct ruleset *rs);

/* Number of GlobalCap/LocalCap/Aggregate elements, and the configured
 * maxkeys (CAPS_DEFAULT_MAX_KEYS when unset). c may be NULL (0 and the
 * default). */
size_t caps__count(const struct caps *c);
size_t caps__max_keys(const struct caps *c);
/* True when some cap or aggregate applies to event_id. */
bool caps__applies(const struct caps *c, unsigned event_id);

/* Builds an empty state for rs's caps. max_keys 0 means the configured
 * maxkeys; it is kept within [32, CAPS_MAX_KEYS]. rs must outlive the state: on
 * reload, flush(all) and free the old state before freeing the old ruleset.
 * A ruleset without caps gives a state that passes everything. Returns NULL
 * with errno set (ENOMEM). */
struct caps_state *caps_state__new(const struct ruleset *rs, size_t max_keys);
/* Frees st and everything it holds, without emitting (flush(all) first). */
void caps_state__free(struct caps_state *st);

enum caps_verdict { CAPS_PASS = 0, CAPS_HELD = 1, CAPS_AGGREGATED = 2 };

/* Decides for one record that passed the Sysmon filter. Its time is
 * rec->ts_ns (ns since the epoch). CAPS_PASS: emit it. CAPS_HELD: a cap held
 * it back (counted, will be in a CapSummary). CAPS_AGGREGATED: an aggregate
 * counted it (will be in its period's CapSummary). Never fails: a key that
 * cannot be allocated lets the event pass. */
enum caps_verdict caps_state__check(struct caps_state *st, const struct vrec *rec);

/* Emits the summaries due at now_ns: windows and periods that ended, and
 * keys evicted or re-opened since the last flush. With all=true (stop,
 * reload) every window ends now and every pending summary is emitted; the
 * state is then empty. Each summary is built in *scratch (vrec__reset,
 * ts_ns and UtcTime set, seq 0, computer untouched) and passed to
 * emit(ctx, scratch) before the next one is built. */
void caps_state__flush(struct caps_state *st, uint64_t now_ns, bool all, struct vrec *scratch,
		       void (*emit)(void *ctx, struct vrec *rec), void *ctx);

struct caps_stats {
	uint64_t held;	       /* events held back by caps */
	uint64_t aggregated;   /* events absorbed by aggregates */
	uint64_t keys_live;    /* keys in the table now (LocalCap and Aggregate) */
	uint64_t keys_evicted; /* keys evicted to make room (LRU) */
	uint64_t summaries;    /* CapSummary records emitted */
};
/* Fills *out with st's counters (all zero for a NULL st). */
void caps_state__stats(const struct caps_state *st, struct caps_stats *out);

#endif
