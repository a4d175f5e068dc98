/*
 * bench_caps.c — cost per event of the cap stage (src/rules/caps.c) with
 * 100,000 distinct keys live, the figure issue 5 asks for.
 *
 * Config: the beacon cap of issue 5 (LocalCap on NetworkConnect keyed by
 * ProcessGuid, DestinationIp, DestinationPort, max 1 per 24 h) plus a
 * GlobalCap on the same event, and an hourly Aggregate on ProcessCreate
 * keyed by Image, ParentImage, User. The state first gets N distinct keys
 * (default 100,000); then events are timed in these shapes:
 *  - hit:    a random existing key (held back: lookup, LRU touch, tally);
 *  - new:    a key never seen, with the table full (LRU eviction + insert);
 *  - agg:    ProcessCreate over N live aggregate keys;
 *  - none:   an event type with no cap (the sensor's common case).
 * Keys are picked at random so the hash table is read out of cache, as it
 * is with real traffic. Each event's three fields are set by reference on
 * one reused record; that cost is timed alone ("fill") and subtracted.
 * Reported: mean ns/event, the median of 7 runs of 1,000,000 events, and the
 * resident memory per live key.
 *
 * usage: bench_caps [-n KEYS] [-q]     (-q: 1 run instead of 7)
 */
#include "rules/caps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NEVENTS 1000000
#define MS	1000000ull
#define SEC	(1000 * MS)

static struct vrec rec, scratch;

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Key material: guid, ip and port strings for key number i. */
struct kv {
	char guid[40], ip[16], port[8], image[48];
};
static struct kv *kvs;

static void make_kv(struct kv *k, unsigned i)
{
	snprintf(k->guid, sizeof(k->guid), "{6b1d2f4c-%04x-%04x-0000-00000000%04x}",
		 (i * 2654435761u) >> 20, i & 0xffff, i >> 16);
	snprintf(k->ip, sizeof(k->ip), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	snprintf(k->port, sizeof(k->port), "%u", 1024 + i % 50000);
	snprintf(k->image, sizeof(k->image), "/usr/lib/app/bin/worker-%u", i);
}

static void fill_conn(const struct kv *k, uint64_t ts)
{
	vrec__reset(&rec, schema__event(EV_NETWORK_CONNECT));
	rec.ts_ns = ts;
	vrec__set_ref(&rec, VF_ProcessGuid, k->guid, strlen(k->guid));
	vrec__set_ref(&rec, VF_DestinationIp, k->ip, strlen(k->ip));
	vrec__set_ref(&rec, VF_DestinationPort, k->port, strlen(k->port));
}

static void fill_proc(const struct kv *k, uint64_t ts)
{
	vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
	rec.ts_ns = ts;
	vrec__set_ref(&rec, VF_Image, k->image, strlen(k->image));
	vrec__set_ref(&rec, VF_ParentImage, "/usr/bin/bash", 13);
	vrec__set_ref(&rec, VF_User, "root", 4);
}

static void fill_delete(const struct kv *k, uint64_t ts)
{
	vrec__reset(&rec, schema__event(EV_FILE_DELETE));
	rec.ts_ns = ts;
	vrec__set_ref(&rec, VF_Image, k->image, strlen(k->image));
	vrec__set_ref(&rec, VF_TargetFilename, k->guid, strlen(k->guid));
	vrec__set_ref(&rec, VF_User, "root", 4);
}

static void sink(void *ctx, struct vrec *r)
{
	(*(unsigned long *)ctx)++;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum shape { FILL, HIT, NEW, AGG, NONE };

/* One run of NEVENTS events of a shape; returns ns/event. */
static double run(struct caps_state *st, enum shape sh, unsigned nkeys, unsigned *fresh,
		  uint64_t ts)
{
	volatile unsigned sinkv = 0;
	double t0 = now_ns();

	for (unsigned i = 0; i < NEVENTS; i++) {
		switch (sh) {
		case FILL:
			fill_conn(&kvs[rnd(nkeys)], ts + i);
			sinkv += rec.nset;
			break;
		case HIT:
			fill_conn(&kvs[rnd(nkeys)], ts + i);
			sinkv += caps_state__check(st, &rec);
			break;
		case NEW: {
			/* A never-seen key: existing material with the GUID's
			 * last 12 digits rewritten from a counter ("zzzz" marks
			 * it fresh), cheaper than formatting. */
			struct kv k = kvs[rnd(nkeys)];
			unsigned c = (*fresh)++;

			memcpy(k.guid + 20, "zzzz", 4);
			for (int d = 0; d < 8; d++)
				k.guid[32 - d] = "0123456789abcdef"[(c >> (4 * d)) & 15];
			fill_conn(&k, ts + i);
			sinkv += caps_state__check(st, &rec);
			break;
		}
		case AGG:
			fill_proc(&kvs[rnd(nkeys)], ts + i);
			sinkv += caps_state__check(st, &rec);
			break;
		case NONE:
			fill_delete(&kvs[rnd(nkeys)], ts + i);
			sinkv += caps_state__check(st, &rec);
			break;
		}
	}
	(void)sinkv;
	return (now_ns() - t0) / NEVENTS;
}

static double median_run(struct caps_state *st, enum shape sh, unsigned nkeys, unsigned *fresh,
			 uint64_t ts, int nruns)
{
	double r[7];

	for (int i = 0; i < nruns; i++)
		r[i] = run(st, sh, nkeys, fresh, ts + (uint64_t)i * SEC);
	qsort(r, (size_t)nruns, sizeof(r[0]), cmp_d);
	return r[nruns / 2];
}

int main(int argc, char **argv)
{
	static const char cfg[] =
	    "<Sysmon schemaversion=\"4.90\">\n"
	    "<VigilCaps window=\"24h\" maxkeys=\"1000000\">\n"
	    "<GlobalCap event=\"NetworkConnect\" max=\"1000000000\"/>\n"
	    "<LocalCap name=\"conn-per-dest\" event=\"NetworkConnect\" "
	    "fields=\"ProcessGuid,DestinationIp,DestinationPort\" max=\"1\" window=\"24h\"/>\n"
	    "<Aggregate name=\"proc-hourly\" event=\"ProcessCreate\" "
	    "fields=\"Image,ParentImage,User\" period=\"1h\"/>\n"
	    "</VigilCaps>\n</Sysmon>\n";
	unsigned nkeys = 100000, fresh = 0;
	int nruns = 7;
	struct rules_error err;
	struct ruleset *rs;
	struct caps_state *st;
	struct caps_stats cs;
	uint64_t ts = 1795737600ull * SEC + 60 * SEC; /* inside an hour */
	unsigned long nsum = 0;
	double fill, hit, fresh_ns, agg, none;
	long rss0, rss1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0)
			nruns = 1;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			nkeys = (unsigned)strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: bench_caps [-n KEYS] [-q]\n");
			return 64;
		}
	}
	if (nkeys < 100)
		nkeys = 100;
	rs = ruleset__load_buf(cfg, sizeof(cfg) - 1, "bench", &err);
	if (rs == NULL) {
		fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
		return 70;
	}
	kvs = calloc(nkeys, sizeof(*kvs));
	if (kvs == NULL)
		return 70;
	for (unsigned i = 0; i < nkeys; i++)
		make_kv(&kvs[i], i);

	/* hit: N live LocalCap keys (each passed once), events on them held. */
	st = caps_state__new(rs, nkeys + 1);
	rss0 = rss_kib();
	for (unsigned i = 0; i < nkeys; i++) {
		fill_conn(&kvs[i], ts);
		caps_state__check(st, &rec);
	}
	rss1 = rss_kib();
	fill = median_run(st, FILL, nkeys, &fresh, ts, nruns);
	hit = median_run(st, HIT, nkeys, &fresh, ts, nruns);
	caps_state__stats(st, &cs);
	printf("## cap stage (bench_caps), %u live keys\n\n", nkeys);
	printf("memory: %.0f bytes per live key before anything is held "
	       "(RSS %ld -> %ld KiB)\n",
	       (double)(rss1 - rss0) * 1024 / nkeys, rss0, rss1);
	/* With every key holding events, each key also keeps its interval sample. */
	caps_state__flush(st, ts + 2 * SEC * 8, true, &scratch, sink, &nsum);
	caps_state__free(st);

	/* new: the table full at exactly N keys, every event a new key. */
	st = caps_state__new(rs, nkeys);
	for (unsigned i = 0; i < nkeys; i++) {
		fill_conn(&kvs[i], ts);
		caps_state__check(st, &rec);
	}
	fresh_ns = median_run(st, NEW, nkeys, &fresh, ts, nruns);
	caps_state__stats(st, &cs);
	printf("evictions during 'new': %llu (live %llu)\n", (unsigned long long)cs.keys_evicted,
	       (unsigned long long)cs.keys_live);
	caps_state__flush(st, ts + 100 * SEC, true, &scratch, sink, &nsum);
	caps_state__free(st);

	/* agg and none: N live aggregate keys. */
	st = caps_state__new(rs, nkeys + 1);
	for (unsigned i = 0; i < nkeys; i++) {
		fill_proc(&kvs[i], ts);
		caps_state__check(st, &rec);
	}
	agg = median_run(st, AGG, nkeys, &fresh, ts, nruns);
	none = median_run(st, NONE, nkeys, &fresh, ts, nruns);
	caps_state__flush(st, ts + 100 * SEC, true, &scratch, sink, &nsum);
	caps_state__free(st);

	printf("\n| shape | ns/event (incl. %.0f ns record fill) | cap stage alone |\n", fill);
	printf("|---|---|---|\n");
	printf("| hit: held on an existing key (LocalCap + GlobalCap) | %.0f | %.0f |\n", hit,
	       hit - fill);
	printf("| new: unseen key, table full (evict + insert) | %.0f | %.0f |\n", fresh_ns,
	       fresh_ns - fill);
	printf("| agg: Aggregate on an existing key | %.0f | %.0f |\n", agg, agg - fill);
	printf("| none: event type without caps | %.0f | %.0f |\n", none, none - fill);
	printf("\nmedian of %d runs of %d events; %lu summaries emitted at the flushes\n", nruns,
	       NEVENTS, nsum);
	ruleset__free(rs);
	free(kvs);
	return 0;
}
