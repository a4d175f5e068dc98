/*
 * test_caps.c — caps and aggregated reports (src/rules/caps.c) and their
 * <VigilCaps> configuration: the beacon shape of issue 5, global caps,
 * aggregates, window expiry and re-opening, LRU eviction with summaries,
 * key escaping, bounded medians, the accounting invariant (every event is
 * passed, or counted in exactly one summary), config errors with file:line,
 * and every real Sysmon config still loading. Tests run from the repository
 * root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/commands.h"
#include "rules/caps.h"

#define SHARED "tests/fixtures/sysmon-configs/"
#define FIX    "tests/fixtures/configs/"
#define MS     1000000ull
#define SEC    (1000 * MS)
/* 2026-11-27 00:00:00 UTC: an hour boundary, so aggregate periods start here. */
#define T0 (1795737600ull * SEC)

static struct vrec rec, scratch;

/* What flush emitted, copied out of the scratch record. */
struct summ {
	char capped[32], cap[64], rule_name[32], key_fields[128], key[CAPS_KEY_MAX + 1];
	char first[24], last[24], utc[24];
	int64_t count, min, med, max; /* -1 when absent */
	uint64_t ts;
};

static struct summ out[256];
static size_t nout;
/* Sums of Count over every summary flushed (out[] keeps only the first). */
static uint64_t sum_agg, sum_cap;
static size_t n_overflow; /* summaries with Key "(overflow)" */

static void field(const struct vrec *r, enum vf_id f, char *dst, size_t cap)
{
	size_t len = 0;
	const char *v = vrec__get(r, f, &len);

	assert_non_null(v);
	assert_true(len < cap);
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static int64_t ival(const struct vrec *r, enum vf_id f)
{
	int64_t v;

	return vrec__get_int(r, f, &v) ? v : -1;
}

static void collect(void *ctx, struct vrec *r)
{
	struct summ *s;

	(*(size_t *)ctx)++;
	assert_int_equal(r->def->id, EV_CAP_SUMMARY);
	if (strcmp(vrec__get(r, VF_RuleName, NULL), "Aggregate") == 0)
		sum_agg += (uint64_t)ival(r, VF_Count);
	else
		sum_cap += (uint64_t)ival(r, VF_Count);
	if (strcmp(vrec__get(r, VF_Key, NULL), "(overflow)") == 0)
		n_overflow++;
	if (nout == sizeof(out) / sizeof(out[0]))
		return;
	s = &out[nout++];
	field(r, VF_CappedEvent, s->capped, sizeof(s->capped));
	field(r, VF_CapName, s->cap, sizeof(s->cap));
	field(r, VF_RuleName, s->rule_name, sizeof(s->rule_name));
	field(r, VF_KeyFields, s->key_fields, sizeof(s->key_fields));
	field(r, VF_Key, s->key, sizeof(s->key));
	field(r, VF_FirstUtcTime, s->first, sizeof(s->first));
	field(r, VF_LastUtcTime, s->last, sizeof(s->last));
	field(r, VF_UtcTime, s->utc, sizeof(s->utc));
	s->count = ival(r, VF_Count);
	s->min = ival(r, VF_MinIntervalMs);
	s->med = ival(r, VF_MedianIntervalMs);
	s->max = ival(r, VF_MaxIntervalMs);
	s->ts = r->ts_ns;
}

/* Flushes st at now; returns how many summaries came out (also in out[]). */
static size_t flush(struct caps_state *st, uint64_t now, bool all)
{
	size_t n = 0;

	nout = 0;
	caps_state__flush(st, now, all, &scratch, collect, &n);
	return n;
}

static struct ruleset *load_str(const char *xml)
{
	struct rules_error e;
	struct ruleset *rs = ruleset__load_buf(xml, strlen(xml), "t.xml", &e);

	if (rs == NULL)
		print_message("%s:%d: %s\n", e.file, e.line, e.msg);
	assert_non_null(rs);
	return rs;
}

/* Loads a config with a <VigilCaps maxkeys=...> section holding body. */
static struct ruleset *load_caps(const char *body, unsigned maxkeys)
{
	char xml[4096];

	snprintf(xml, sizeof(xml),
		 "<Sysmon schemaversion=\"4.90\">\n"
		 "<EventFiltering><RuleGroup groupRelation=\"or\">\n"
		 "<NetworkConnect onmatch=\"exclude\"/><ProcessCreate onmatch=\"exclude\"/>\n"
		 "</RuleGroup></EventFiltering>\n"
		 "<VigilCaps maxkeys=\"%u\">%s</VigilCaps>\n"
		 "</Sysmon>\n",
		 maxkeys, body);
	return load_str(xml);
}

static void conn(uint64_t ts, const char *guid, const char *ip, unsigned port)
{
	vrec__reset(&rec, schema__event(EV_NETWORK_CONNECT));
	rec.ts_ns = ts;
	vrec__set_str(&rec, VF_ProcessGuid, guid);
	vrec__set_str(&rec, VF_Image, "/usr/bin/curl");
	vrec__set_str(&rec, VF_DestinationIp, ip);
	vrec__set_int(&rec, VF_DestinationPort, port);
}

static void proc(uint64_t ts, const char *image, const char *cmdline)
{
	vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
	rec.ts_ns = ts;
	vrec__set_str(&rec, VF_Image, image);
	vrec__set_str(&rec, VF_ParentImage, "/usr/bin/bash");
	vrec__set_str(&rec, VF_User, "root");
	if (cmdline)
		vrec__set_str(&rec, VF_CommandLine, cmdline);
}

static const char *fmt(uint64_t ts)
{
	static char t[24];

	vrec__fmt_time(ts, t);
	return t;
}

#define BEACON_CAP                                                                                 \
	"<LocalCap name=\"conn-per-dest\" event=\"NetworkConnect\" "                               \
	"fields=\"ProcessGuid,DestinationIp,DestinationPort\" max=\"1\" window=\"24h\"/>"

/* Issue 5's acceptance shape: 50 connects 50 ms apart, local cap of 1. */
static void test_beacon(void **state)
{
	struct ruleset *rs = load_caps(BEACON_CAP, 1000);
	struct caps_state *st = caps_state__new(rs, 0);
	struct caps_stats cs;
	unsigned pass = 0, held = 0;

	assert_non_null(ruleset__caps(rs));
	assert_int_equal(caps__count(ruleset__caps(rs)), 1);
	assert_true(caps__applies(ruleset__caps(rs), EV_NETWORK_CONNECT));
	assert_false(caps__applies(ruleset__caps(rs), EV_PROCESS_CREATE));
	assert_non_null(st);
	for (int i = 0; i < 50; i++) {
		conn(T0 + (uint64_t)i * 50 * MS, "{G1}", "127.0.0.1", 8080);
		switch (caps_state__check(st, &rec)) {
		case CAPS_PASS:
			pass++;
			assert_int_equal(i, 0);
			break;
		case CAPS_HELD:
			held++;
			break;
		default:
			fail();
		}
	}
	assert_int_equal(pass, 1);
	assert_int_equal(held, 49);
	/* Another process to the same place is another key. */
	conn(T0 + 3 * SEC, "{G2}", "127.0.0.1", 8080);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	/* The window is 24 h: nothing is due yet. */
	assert_int_equal(flush(st, T0 + 3600 * SEC, false), 0);
	caps_state__stats(st, &cs);
	assert_int_equal(cs.held, 49);
	assert_int_equal(cs.keys_live, 2);
	/* At stop, one summary for the key that held events back. */
	assert_int_equal(flush(st, T0 + 3601 * SEC, true), 1);
	assert_string_equal(out[0].capped, "NetworkConnect");
	assert_string_equal(out[0].cap, "conn-per-dest");
	assert_string_equal(out[0].rule_name, "LocalCap");
	assert_string_equal(out[0].key_fields, "ProcessGuid,DestinationIp,DestinationPort");
	assert_string_equal(out[0].key, "{G1}|127.0.0.1|8080");
	assert_int_equal(out[0].count, 49);
	assert_int_equal(out[0].med, 50);
	assert_int_equal(out[0].min, 50);
	assert_int_equal(out[0].max, 50);
	assert_string_equal(out[0].first, fmt(T0 + 50 * MS));
	assert_string_equal(out[0].last, fmt(T0 + 49 * 50 * MS));
	assert_string_equal(out[0].utc, fmt(T0 + 3601 * SEC));
	caps_state__stats(st, &cs);
	assert_int_equal(cs.summaries, 1);
	assert_int_equal(cs.keys_live, 0);
	caps_state__free(st);
	ruleset__free(rs);
}

/* A jittery beacon (40..60 ms): the median is within 20% of 50 ms. */
static void test_beacon_jitter(void **state)
{
	struct ruleset *rs = load_caps(BEACON_CAP, 1000);
	struct caps_state *st = caps_state__new(rs, 0);
	uint64_t t = T0;

	srand(7);
	for (int i = 0; i < 50; i++) {
		conn(t, "{G1}", "10.1.2.3", 443);
		assert_int_equal(caps_state__check(st, &rec), i == 0 ? CAPS_PASS : CAPS_HELD);
		t += (uint64_t)(40 + rand() % 21) * MS;
	}
	assert_int_equal(flush(st, t, true), 1);
	assert_int_equal(out[0].count, 49);
	assert_in_range(out[0].med, 40, 60);
	assert_in_range(out[0].min, 40, 60);
	assert_in_range(out[0].max, out[0].med, 60);
	caps_state__free(st);
	ruleset__free(rs);
}

/* Without a cap all 50 pass, and a state without caps costs nothing. */
static void test_no_caps(void **state)
{
	struct ruleset *rs = load_str("<Sysmon schemaversion=\"4.90\"><EventFiltering>"
				      "<NetworkConnect onmatch=\"exclude\"/>"
				      "</EventFiltering></Sysmon>");
	struct caps_state *st = caps_state__new(rs, 0);

	assert_null(ruleset__caps(rs));
	assert_int_equal(ruleset__health_interval(rs), -1);
	assert_non_null(st);
	for (int i = 0; i < 50; i++) {
		conn(T0 + (uint64_t)i * 50 * MS, "{G1}", "127.0.0.1", 8080);
		assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	}
	assert_int_equal(flush(st, T0 + 100 * SEC, true), 0);
	caps_state__free(st);
	ruleset__free(rs);
}

static void test_global_cap(void **state)
{
	struct ruleset *rs =
	    load_caps("<GlobalCap event=\"NetworkConnect\" max=\"3\" window=\"1s\"/>", 1000);
	struct caps_state *st = caps_state__new(rs, 0);
	unsigned pass = 0;

	/* 10 events 100 ms apart, from different processes: 3 pass. */
	for (int i = 0; i < 10; i++) {
		char g[16];

		snprintf(g, sizeof(g), "{P%d}", i);
		conn(T0 + (uint64_t)i * 100 * MS, g, "10.0.0.1", 53);
		pass += caps_state__check(st, &rec) == CAPS_PASS;
	}
	assert_int_equal(pass, 3);
	assert_int_equal(flush(st, T0 + 999 * MS, false), 0);
	assert_int_equal(flush(st, T0 + 1000 * MS, false), 1);
	assert_string_equal(out[0].cap, "global-NetworkConnect");
	assert_string_equal(out[0].rule_name, "GlobalCap");
	assert_string_equal(out[0].key_fields, "-");
	assert_string_equal(out[0].key, "-");
	assert_int_equal(out[0].count, 7);
	assert_int_equal(out[0].med, 100);
	assert_string_equal(out[0].first, fmt(T0 + 300 * MS));
	assert_string_equal(out[0].last, fmt(T0 + 900 * MS));
	/* UtcTime is the end of the window. */
	assert_string_equal(out[0].utc, fmt(T0 + 1000 * MS));
	/* A new window opens with the next event. */
	for (int i = 0; i < 5; i++) {
		conn(T0 + 2 * SEC + (uint64_t)i * MS, "{P}", "10.0.0.1", 53);
		assert_int_equal(caps_state__check(st, &rec), i < 3 ? CAPS_PASS : CAPS_HELD);
	}
	/* A window that ends with nothing held gives no summary. */
	conn(T0 + 10 * SEC, "{P}", "10.0.0.1", 53);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS); /* retires the 2 s window */
	assert_int_equal(flush(st, T0 + 20 * SEC, false), 1);
	assert_int_equal(out[0].count, 2);
	assert_string_equal(out[0].utc, fmt(T0 + 3 * SEC));
	caps_state__free(st);
	ruleset__free(rs);
}

/* A key's window starts at its first event; it ends, and re-opens. */
static void test_window_expiry(void **state)
{
	struct ruleset *rs = load_caps("<LocalCap name=\"c\" event=\"NetworkConnect\" "
				       "fields=\"DestinationIp\" max=\"2\" window=\"10s\"/>",
				       1000);
	struct caps_state *st = caps_state__new(rs, 0);
	struct caps_stats cs;

	for (int i = 0; i < 5; i++) {
		conn(T0 + (uint64_t)i * SEC, "{G}", "192.0.2.1", 80);
		assert_int_equal(caps_state__check(st, &rec), i < 2 ? CAPS_PASS : CAPS_HELD);
	}
	/* A second key opens its window at 3 s. */
	conn(T0 + 3 * SEC, "{G}", "192.0.2.2", 80);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	assert_int_equal(flush(st, T0 + 5 * SEC, false), 0);
	assert_int_equal(flush(st, T0 + 10 * SEC, false), 1);
	assert_string_equal(out[0].key, "192.0.2.1");
	assert_int_equal(out[0].count, 3);
	/* The interval of the first held event is from the last passed one. */
	assert_int_equal(out[0].min, 1000);
	assert_int_equal(out[0].max, 1000);
	caps_state__stats(st, &cs);
	assert_int_equal(cs.keys_live, 1); /* 192.0.2.2 is in its window */
	/* The key's window re-opened: two pass again. */
	for (int i = 0; i < 3; i++) {
		conn(T0 + 11 * SEC + (uint64_t)i * SEC, "{G}", "192.0.2.1", 80);
		assert_int_equal(caps_state__check(st, &rec), i < 2 ? CAPS_PASS : CAPS_HELD);
	}
	/* No flush at the end of that window (21 s): the next event finds it
	 * ended, and its summary waits for the next flush. */
	conn(T0 + 30 * SEC, "{G}", "192.0.2.1", 80);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	assert_int_equal(flush(st, T0 + 30 * SEC, false), 1);
	assert_string_equal(out[0].key, "192.0.2.1");
	assert_int_equal(out[0].count, 1);
	assert_string_equal(out[0].utc, fmt(T0 + 21 * SEC));
	caps_state__free(st);
	ruleset__free(rs);
}

static void test_aggregate(void **state)
{
	struct ruleset *rs = load_caps("<Aggregate name=\"proc-hourly\" event=\"ProcessCreate\" "
				       "fields=\"Image,ParentImage,User\" period=\"1h\"/>",
				       1000);
	struct caps_state *st = caps_state__new(rs, 0);
	struct caps_stats cs;
	int64_t a = -1, b = -1;

	for (int i = 0; i < 5; i++) {
		proc(T0 + 60 * SEC + (uint64_t)i * 10 * SEC, "/usr/bin/ls", NULL);
		assert_int_equal(caps_state__check(st, &rec), CAPS_AGGREGATED);
	}
	for (int i = 0; i < 3; i++) {
		proc(T0 + 120 * SEC + (uint64_t)i * 2 * SEC, "/usr/bin/id", NULL);
		assert_int_equal(caps_state__check(st, &rec), CAPS_AGGREGATED);
	}
	/* Other event types are not touched. */
	conn(T0, "{G}", "10.0.0.1", 1);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	assert_int_equal(flush(st, T0 + 3599 * SEC, false), 0);
	/* Periods are aligned to the hour. */
	assert_int_equal(flush(st, T0 + 3600 * SEC, false), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(out[i].rule_name, "Aggregate");
		assert_string_equal(out[i].cap, "proc-hourly");
		assert_string_equal(out[i].capped, "ProcessCreate");
		assert_string_equal(out[i].key_fields, "Image,ParentImage,User");
		if (strcmp(out[i].key, "/usr/bin/ls|/usr/bin/bash|root") == 0) {
			a = out[i].count;
			assert_int_equal(out[i].med, 10000);
			assert_string_equal(out[i].first, fmt(T0 + 60 * SEC));
			assert_string_equal(out[i].last, fmt(T0 + 100 * SEC));
		} else if (strcmp(out[i].key, "/usr/bin/id|/usr/bin/bash|root") == 0) {
			b = out[i].count;
			assert_int_equal(out[i].med, 2000);
		}
	}
	assert_int_equal(a, 5);
	assert_int_equal(b, 3);
	/* The next hour is a new report; a single event has no interval. */
	proc(T0 + 3700 * SEC, "/usr/bin/ls", NULL);
	assert_int_equal(caps_state__check(st, &rec), CAPS_AGGREGATED);
	assert_int_equal(flush(st, T0 + 2 * 3600 * SEC, false), 1);
	assert_int_equal(out[0].count, 1);
	assert_int_equal(out[0].med, -1);
	caps_state__stats(st, &cs);
	assert_int_equal(cs.aggregated, 9);
	assert_int_equal(cs.summaries, 3);
	caps_state__free(st);
	ruleset__free(rs);
}

/* Past maxkeys a key not used lately goes (CLOCK, second chance); one that
 * held events back reports them on its way out. */
static void test_lru_eviction(void **state)
{
	struct ruleset *rs = load_caps(BEACON_CAP, 32);
	struct caps_state *st = caps_state__new(rs, 0);
	struct caps_stats cs;
	char ip[32];

	assert_int_equal(caps__max_keys(ruleset__caps(rs)), 32);
	conn(T0, "{OLD}", "10.9.9.9", 4444);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	conn(T0 + MS, "{OLD}", "10.9.9.9", 4444);
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD);
	/* 31 more keys fill the table; nothing is evicted yet. */
	for (int i = 0; i < 31; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", i);
		conn(T0 + SEC + (uint64_t)i * MS, "{NEW}", ip, 80);
		assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	}
	caps_state__stats(st, &cs);
	assert_int_equal(cs.keys_live, 32);
	assert_int_equal(cs.keys_evicted, 0);
	/* {OLD} was used again: it gets a second chance, and the 31 keys seen
	 * once go first. The 32nd new key evicts {OLD}. */
	for (int i = 0; i < 32; i++) {
		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		conn(T0 + 3 * SEC, "{NEW}", ip, 80);
		assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
		if (i == 30)
			assert_int_equal(flush(st, T0 + 3 * SEC, false), 0);
	}
	caps_state__stats(st, &cs);
	assert_int_equal(cs.keys_live, 32);
	assert_int_equal(cs.keys_evicted, 32);
	assert_int_equal(flush(st, T0 + 4 * SEC, false), 1);
	assert_string_equal(out[0].key, "{OLD}|10.9.9.9|4444");
	assert_int_equal(out[0].count, 1);
	assert_string_equal(out[0].first, fmt(T0 + MS));
	assert_string_equal(out[0].utc, fmt(T0 + 3 * SEC)); /* when it was evicted */
	/* A key used again survives a turn of 31 new keys. */
	conn(T0 + 6 * SEC, "{NEW}", "10.0.1.5", 80);
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD);
	for (int i = 100; i < 131; i++) {
		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		conn(T0 + 7 * SEC, "{NEW}", ip, 80);
		assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	}
	caps_state__stats(st, &cs);
	assert_int_equal(cs.keys_evicted, 63);
	conn(T0 + 8 * SEC, "{NEW}", "10.0.1.5", 80);
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD);
	/* An evicted key starts over: its next event passes. */
	conn(T0 + 8 * SEC, "{OLD}", "10.9.9.9", 4444);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	/* The evicted keys held nothing back; 10.0.1.5 is still live. */
	assert_int_equal(flush(st, T0 + 9 * SEC, false), 0);
	caps_state__free(st);

	/* The max_keys argument overrides the configuration. */
	st = caps_state__new(rs, 100);
	for (int i = 0; i < 150; i++) {
		snprintf(ip, sizeof(ip), "10.2.%d.%d", i / 256, i % 256);
		conn(T0, "{X}", ip, 80);
		caps_state__check(st, &rec);
	}
	caps_state__stats(st, &cs);
	assert_int_equal(cs.keys_live, 100);
	assert_int_equal(cs.keys_evicted, 50);
	caps_state__free(st);
	ruleset__free(rs);
}

/* Key parts are escaped, so no two value lists share a key; long values
 * are cut to a bounded key that still tells them apart. */
static void test_keys(void **state)
{
	struct ruleset *rs = load_caps("<LocalCap name=\"pc\" event=\"ProcessCreate\" "
				       "fields=\"Image,CommandLine\" max=\"1\"/>",
				       1000);
	struct caps_state *st = caps_state__new(rs, 0);
	static char longa[6000], longb[6000];
	bool seen_a = false, seen_long = false;

	proc(T0, "a|b", "c");
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	proc(T0, "a", "b|c");
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	proc(T0, "a\\", "|c");
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	proc(T0, "a", "b|c");
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD);
	/* An absent field is "-", as the sinks print it. */
	proc(T0, "/bin/true", NULL);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	proc(T0, "/bin/true", "-");
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD);

	memset(longa, 'x', sizeof(longa) - 1);
	memcpy(longb, longa, sizeof(longb));
	longb[sizeof(longb) - 2] = 'y';
	proc(T0, "/bin/sh", longa);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	proc(T0, "/bin/sh", longb);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
	proc(T0 + MS, "/bin/sh", longb);
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD);
	/* Values outside the record's arena can be longer than it: the key
	 * stays bounded, and a difference at the very end still counts. */
	{
		static char huge[200001];

		memset(huge, '|', sizeof(huge) - 1);
		vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
		rec.ts_ns = T0;
		vrec__set_ref(&rec, VF_Image, huge, sizeof(huge) - 1);
		vrec__set_ref(&rec, VF_CommandLine, huge, sizeof(huge) - 1);
		assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
		huge[sizeof(huge) - 2] = 'z';
		assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
		assert_int_equal(caps_state__check(st, &rec), CAPS_HELD);
	}
	assert_int_equal(flush(st, T0 + SEC, true), 4);
	for (size_t i = 0; i < nout; i++) {
		if (strcmp(out[i].key, "a|b\\|c") == 0)
			seen_a = true;
		if (strncmp(out[i].key, "/bin/sh|xxx", 11) == 0) {
			seen_long = true;
			assert_true(strlen(out[i].key) <= CAPS_KEY_MAX);
			assert_int_equal(out[i].key[strlen(out[i].key) - 17], '#');
		}
	}
	assert_true(seen_a);
	assert_true(seen_long);
	caps_state__free(st);
	ruleset__free(rs);
}

/* An event held by one cap does not use up another's allowance; a global
 * cap counts only what the local caps let through. */
static void test_several_caps(void **state)
{
	struct ruleset *rs = load_caps(
	    "<LocalCap name=\"per-dest\" event=\"NetworkConnect\" fields=\"DestinationIp\" "
	    "max=\"1\"/>"
	    "<LocalCap name=\"per-proc\" event=\"NetworkConnect\" fields=\"ProcessGuid\" "
	    "max=\"2\"/>"
	    "<GlobalCap event=\"NetworkConnect\" max=\"3\"/>",
	    1000);
	struct caps_state *st = caps_state__new(rs, 0);
	size_t n;

	conn(T0, "{A}", "1.1.1.1", 1);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS); /* A:1, total 1 */
	conn(T0 + 1, "{A}", "1.1.1.1", 1);
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD); /* per-dest */
	conn(T0 + 2, "{A}", "2.2.2.2", 1);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS); /* A:2, total 2 */
	conn(T0 + 3, "{A}", "3.3.3.3", 1);
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD); /* per-proc */
	conn(T0 + 4, "{B}", "3.3.3.3", 1);
	assert_int_equal(caps_state__check(st, &rec), CAPS_PASS); /* total 3 */
	conn(T0 + 5, "{C}", "4.4.4.4", 1);
	assert_int_equal(caps_state__check(st, &rec), CAPS_HELD); /* global */
	n = flush(st, T0 + SEC, true);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i].count, 1);
	caps_state__free(st);
	ruleset__free(rs);
}

/* Thousands of intervals: the median comes from a bounded sample. */
static void test_median_bounded(void **state)
{
	struct ruleset *rs = load_caps(BEACON_CAP, 1000);
	struct caps_state *st = caps_state__new(rs, 0);
	uint64_t t = T0;

	srand(11);
	for (int i = 0; i < 20000; i++) {
		conn(t, "{G}", "10.0.0.1", 443);
		caps_state__check(st, &rec);
		t += (uint64_t)(100 + rand() % 101) * MS; /* 100..200 ms */
	}
	assert_int_equal(flush(st, t, true), 1);
	assert_int_equal(out[0].count, 19999);
	assert_in_range(out[0].med, 125, 175);
	assert_in_range(out[0].min, 100, 102);
	assert_in_range(out[0].max, 198, 200);
	caps_state__free(st);
	ruleset__free(rs);
}

/* The accounting that SensorHealth relies on: every event is passed, or in
 * exactly one summary, whatever the evictions (a tiny maxkeys, no flush
 * until the end, so pending summaries overflow too). */
static void test_accounting(void **state)
{
	struct ruleset *rs = load_caps(
	    "<LocalCap name=\"l\" event=\"NetworkConnect\" fields=\"ProcessGuid,DestinationIp\" "
	    "max=\"2\" window=\"5s\"/>"
	    "<GlobalCap event=\"NetworkConnect\" max=\"50\" window=\"3s\"/>"
	    "<Aggregate name=\"a\" event=\"ProcessCreate\" fields=\"Image\" period=\"2s\"/>",
	    32);
	struct caps_state *st = caps_state__new(rs, 0);
	uint64_t pass = 0, held = 0, agg = 0, t = T0;
	size_t total = 0;
	struct caps_stats cs;

	srand(3);
	sum_agg = sum_cap = 0;
	n_overflow = 0;
	for (int i = 0; i < 20000; i++) {
		char g[16], ip[16];

		t += (uint64_t)(rand() % 5) * MS;
		snprintf(g, sizeof(g), "{%d}", rand() % 20);
		snprintf(ip, sizeof(ip), "10.0.0.%d", rand() % 10);
		if (rand() % 3 == 0)
			proc(t, g, NULL);
		else
			conn(t, g, ip, 80);
		switch (caps_state__check(st, &rec)) {
		case CAPS_PASS:
			pass++;
			break;
		case CAPS_HELD:
			held++;
			break;
		case CAPS_AGGREGATED:
			agg++;
			break;
		}
		if (i % 5000 == 4999)
			total += flush(st, t, false);
	}
	total += flush(st, t, true);
	assert_int_equal(pass + held + agg, 20000);
	assert_int_equal(sum_cap, held);
	assert_int_equal(sum_agg, agg);
	caps_state__stats(st, &cs);
	assert_int_equal(cs.held, held);
	assert_int_equal(cs.aggregated, agg);
	assert_int_equal(cs.summaries, total);
	assert_int_equal(cs.keys_live, 0);
	assert_true(cs.keys_evicted > 0);
	/* Evictions outran the flushes: some summaries were merged. */
	assert_true(n_overflow > 0);
	caps_state__free(st);
	ruleset__free(rs);
}

/* The engine against a plain model of one LocalCap: with no eviction,
 * every verdict must be the model's, while windows end all the time (short
 * windows, periodic flushes), so the table's deletions run constantly and
 * lookups after them must still find every live key. */
static void test_model(void **state)
{
	enum { K = 3000, N = 200000, M = 3 };
	struct ruleset *rs = load_caps("<LocalCap name=\"m\" event=\"NetworkConnect\" "
				       "fields=\"DestinationIp\" max=\"3\" window=\"100ms\"/>",
				       8192);
	struct caps_state *st = caps_state__new(rs, 0);
	static uint64_t start[K], passed[K];
	static bool open[K];
	uint64_t t = T0, held = 0;
	struct caps_stats cs;

	srand(5);
	sum_agg = sum_cap = 0;
	for (int i = 0; i < N; i++) {
		unsigned k = (unsigned)rand() % (i < N / 2 ? K : K / 10);
		enum caps_verdict want;
		char ip[32];

		t += (uint64_t)(rand() % 50) * 1000; /* 0..49 us */
		if (!open[k] || t >= start[k] + 100 * MS) {
			open[k] = true;
			start[k] = t;
			passed[k] = 0;
		}
		want = passed[k] < M ? CAPS_PASS : CAPS_HELD;
		passed[k] += want == CAPS_PASS;
		held += want == CAPS_HELD;
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", k >> 16, (k >> 8) & 255, k & 255);
		conn(t, "{G}", ip, 80);
		assert_int_equal(caps_state__check(st, &rec), want);
		if (i % 1000 == 999)
			flush(st, t, false);
	}
	caps_state__stats(st, &cs);
	assert_int_equal(cs.keys_evicted, 0);
	assert_true(cs.keys_live <= K);
	flush(st, t, true);
	assert_int_equal(sum_cap, held);
	assert_true(held > 1000);
	caps_state__free(st);
	ruleset__free(rs);
}

static void test_config_ok(void **state)
{
	struct rules_error e;
	struct ruleset *rs = ruleset__load_file(FIX "caps-ok.xml", &e);
	const struct caps *c;

	if (rs == NULL)
		print_message("%s:%d: %s\n", e.file, e.line, e.msg);
	assert_non_null(rs);
	c = ruleset__caps(rs);
	assert_non_null(c);
	assert_int_equal(caps__count(c), 3);
	assert_int_equal(caps__max_keys(c), 100000);
	assert_true(caps__applies(c, EV_FILE_CREATE));
	assert_true(caps__applies(c, EV_PROCESS_CREATE));
	assert_false(caps__applies(c, EV_FILE_DELETE));
	assert_int_equal(ruleset__health_interval(rs), 30);
	/* The filter itself is unchanged by the section. */
	assert_int_equal(ruleset__event_mode(rs, EV_NETWORK_CONNECT), RULES_MODE_ALL);
	ruleset__free(rs);
}

static void expect_error(const char *xml, int line, const char *msg)
{
	struct rules_error e;
	struct ruleset *rs = ruleset__load_buf(xml, strlen(xml), "e.xml", &e);

	if (rs)
		print_message("accepted: %s\n", xml);
	assert_null(rs);
	if (e.line != line || strstr(e.msg, msg) == NULL)
		print_message("got %s:%d: %s\nwant line %d: %s\n", e.file, e.line, e.msg, line,
			      msg);
	assert_string_equal(e.file, "e.xml");
	assert_int_equal(e.line, line);
	assert_non_null(strstr(e.msg, msg));
}

#define HEAD "<Sysmon schemaversion=\"4.90\">\n<VigilCaps>\n"
#define TAIL "\n</VigilCaps>\n</Sysmon>\n"

static void test_config_errors(void **state)
{
	static const struct {
		const char *file;
		int line;
		const char *msg;
	} files[] = {
	    {FIX "caps-bad-event.xml", 4, "unknown event \"NetworkConect\""},
	    {FIX "caps-bad-field.xml", 4, "event FileCreate has no field DestinationIp"},
	    {FIX "caps-bad-duration.xml", 6, "bad duration \"10 minutes\" for window"},
	    {FIX "caps-dup-name.xml", 4, "duplicate cap name \"per-dest\" (first used at line 3)"},
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct rules_error e;
		char *argv[] = {"validate", (char *)files[i].file, NULL};

		assert_null(ruleset__load_file(files[i].file, &e));
		assert_string_equal(e.file, files[i].file);
		assert_int_equal(e.line, files[i].line);
		assert_non_null(strstr(e.msg, files[i].msg));
		assert_int_equal(cmd_validate(2, argv), EX_CONFIG);
	}
	{
		char *argv[] = {"validate", FIX "caps-ok.xml", NULL};

		assert_int_equal(cmd_validate(2, argv), 0);
	}

	expect_error(HEAD "<LocalCap name=\"x\" event=\"NetworkConnect\" fields=\"Bogus\" "
			  "max=\"1\"/>" TAIL,
		     3, "unknown field \"Bogus\"");
	expect_error(HEAD "<GlobalCap event=\"NetworkConnect\" max=\"1\" window=\"0s\"/>" TAIL, 3,
		     "bad duration \"0s\"");
	expect_error(HEAD "<GlobalCap event=\"NetworkConnect\" max=\"1\" window=\"5\"/>" TAIL, 3,
		     "bad duration \"5\"");
	expect_error(HEAD "<GlobalCap event=\"NetworkConnect\" max=\"1\" window=\"99999d\"/>" TAIL,
		     3, "bad duration");
	expect_error(HEAD "<GlobalCap event=\"NetworkConnect\" max=\"-1\"/>" TAIL, 3,
		     "max must be a whole number");
	expect_error(HEAD "<GlobalCap event=\"NetworkConnect\"/>" TAIL, 3,
		     "<GlobalCap> needs a max attribute");
	expect_error(HEAD "<GlobalCap event=\"NetworkConnect\" max=\"1\" fields=\"Image\"/>" TAIL,
		     3, "<GlobalCap> has no attribute \"fields\"");
	expect_error(HEAD "<GlobalCap event=\"NetworkConnect\" max=\"1\"/>\n"
			  "<GlobalCap name=\"g2\" event=\"NetworkConnect\" max=\"2\"/>" TAIL,
		     4, "already has a GlobalCap (line 3)");
	expect_error(HEAD "<GlobalCap event=\"CapSummary\" max=\"1\"/>" TAIL, 3,
		     "event CapSummary is the sensor's own");
	expect_error(HEAD "<LocalCap event=\"NetworkConnect\" fields=\"Image\" max=\"1\"/>" TAIL, 3,
		     "needs a name attribute");
	expect_error(HEAD "<LocalCap name=\"x\" event=\"NetworkConnect\" max=\"1\"/>" TAIL, 3,
		     "needs a fields attribute");
	expect_error(HEAD "<LocalCap name=\"x\" event=\"NetworkConnect\" fields=\"Image,Image\" "
			  "max=\"1\"/>" TAIL,
		     3, "field Image is listed twice");
	expect_error(HEAD "<Aggregate name=\"a\" event=\"NetworkConnect\" fields=\"Image\"/>\n"
			  "<LocalCap name=\"x\" event=\"NetworkConnect\" fields=\"Image\" "
			  "max=\"1\"/>" TAIL,
		     4, "both an Aggregate and a cap (line 3)");
	expect_error(HEAD "<Aggregate name=\"a\" event=\"ProcessCreate\" fields=\"Image\" "
			  "period=\"1x\"/>" TAIL,
		     3, "bad duration \"1x\" for period");
	expect_error(HEAD "<Throttle/>" TAIL, 3, "unknown element <Throttle> in <VigilCaps>");
	expect_error("<Sysmon schemaversion=\"4.90\">\n<VigilCaps maxkeys=\"10\"/>\n</Sysmon>", 2,
		     "maxkeys must be a whole number from 32");
	expect_error("<Sysmon schemaversion=\"4.90\">\n<VigilCaps windw=\"1h\"/>\n</Sysmon>", 2,
		     "<VigilCaps> has no attribute \"windw\"");
	expect_error("<Sysmon schemaversion=\"4.90\">\n<VigilCaps/>\n<VigilCaps/>\n</Sysmon>", 3,
		     "<VigilCaps> given twice");
	expect_error("<Sysmon schemaversion=\"4.90\">\n\n<HealthInterval>soon</HealthInterval>\n"
		     "</Sysmon>",
		     3, "HealthInterval must be seconds");
}

static void test_health_interval(void **state)
{
	struct ruleset *rs = load_str("<Sysmon schemaversion=\"4.90\">"
				      "<HealthInterval> 0 </HealthInterval></Sysmon>");

	assert_int_equal(ruleset__health_interval(rs), 0);
	/* An empty section is accepted and means no caps. */
	ruleset__free(rs);
	rs = load_str("<Sysmon schemaversion=\"4.90\"><VigilCaps window=\"1h\"/></Sysmon>");
	assert_null(ruleset__caps(rs));
	ruleset__free(rs);
}

/* Real Sysmon for Linux configs have no such section and load unchanged. */
static void test_shared_configs(void **state)
{
	DIR *d = opendir(SHARED);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[512];
		size_t l = strlen(de->d_name);
		struct rules_error e;
		struct ruleset *rs;
		struct caps_state *st;

		if (l < 4 || strcmp(de->d_name + l - 4, ".xml") != 0)
			continue;
		snprintf(path, sizeof(path), SHARED "%s", de->d_name);
		rs = ruleset__load_file(path, &e);
		if (rs == NULL)
			print_message("%s:%d: %s\n", e.file, e.line, e.msg);
		assert_non_null(rs);
		assert_null(ruleset__caps(rs));
		st = caps_state__new(rs, 0);
		assert_non_null(st);
		conn(T0, "{G}", "127.0.0.1", 1);
		assert_int_equal(caps_state__check(st, &rec), CAPS_PASS);
		caps_state__free(st);
		ruleset__free(rs);
		n++;
	}
	closedir(d);
	assert_true(n >= 4);
	/* The shipped config too. */
	{
		struct rules_error e;
		struct ruleset *rs = ruleset__load_file("etc/vigil.xml", &e);

		assert_non_null(rs);
		ruleset__free(rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_beacon),	    cmocka_unit_test(test_beacon_jitter),
	    cmocka_unit_test(test_no_caps),	    cmocka_unit_test(test_global_cap),
	    cmocka_unit_test(test_window_expiry),   cmocka_unit_test(test_aggregate),
	    cmocka_unit_test(test_lru_eviction),    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_several_caps),    cmocka_unit_test(test_median_bounded),
	    cmocka_unit_test(test_accounting),	    cmocka_unit_test(test_model),
	    cmocka_unit_test(test_config_ok),	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_health_interval), cmocka_unit_test(test_shared_configs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
