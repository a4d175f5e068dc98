/*
 * bench_rules_compile.c — how long a configuration with one huge
 * `contains any` list takes to load (parse, validate, compile), which is
 * what a SIGHUP reload or `vigil validate` waits for, and what a match then
 * costs per event.
 *
 * For N values (1,000 to 300,000) of two shapes — random tokens, and
 * path-like values sharing long prefixes — it times ruleset__load_buf (the
 * median of 3 loads) and ruleset__match on 128 command lines of ~200 bytes
 * (mean ns). Times are the thread's CPU time, not wall time, so that other
 * load on the machine does not count. It also loads up to 30,000 values with the litset threshold
 * raised so that Hyperscan compiles them, as before the litset existed (this
 * needs the rules' internals: rules__litset_min).
 *
 * usage: bench_rules_compile [-q]     (-q: 100,000 values only)
 */
#include "rules/rules_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NREC 128

static double now(void)
{
	struct timespec ts;

	/* CPU time of this thread: the machine is shared, and wall time
	 * would measure the neighbours too. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void value(char *out, size_t len, unsigned i, int shape)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789-_.";
	unsigned long long h = (i + 1) * 0x9e3779b97f4a7c15ull;
	char tail[12];

	/* Derived from i alone, so a record can carry a listed value. */
	for (int k = 0; k < 10; k++, h = h * 6364136223846793005ull + 1442695040888963407ull)
		tail[k] = al[(h >> 33) % (sizeof(al) - 1)];
	tail[10] = '\0';
	if (shape == 0)
		snprintf(out, len, "%s%u", tail, i);
	else
		snprintf(out, len, "/opt/vendor/app%u/lib/%s.so", i % 97, tail);
}

static char *config(unsigned n, int shape, size_t *len)
{
	size_t cap = (size_t)n * 48 + 1024, l = 0;
	char *x = malloc(cap), v[64];

	if (x == NULL)
		exit(70);
	l += (size_t)snprintf(x + l, cap - l,
			      "<Sysmon schemaversion=\"4.90\"><EventFiltering><RuleGroup "
			      "groupRelation=\"or\"><ProcessCreate onmatch=\"exclude\">"
			      "<CommandLine condition=\"contains any\">");
	for (unsigned i = 0; i < n; i++) {
		value(v, sizeof(v), i, shape);
		l += (size_t)snprintf(x + l, cap - l, "%s;", v);
	}
	l += (size_t)snprintf(x + l, cap - l,
			      "</CommandLine></ProcessCreate></RuleGroup></EventFiltering>"
			      "</Sysmon>");
	*len = l;
	return x;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void one(unsigned n, int shape, bool hyperscan)
{
	size_t len;
	char *xml = config(n, shape, &len);
	double t[3], t0;
	struct ruleset *rs = NULL;
	static struct vrec recs[NREC];
	char cl[256];
	unsigned logged = 0;

	uint32_t dflt = rules__litset_min;

	if (hyperscan)
		rules__litset_min = UINT32_MAX;
	for (int r = 0; r < 3; r++) {
		struct rules_error e;

		if (rs)
			ruleset__free(rs);
		t0 = now();
		rs = ruleset__load_buf(xml, len, "bench.xml", &e);
		t[r] = now() - t0;
		if (rs == NULL) {
			fprintf(stderr, "bench.xml:%d: %s\n", e.line, e.msg);
			exit(70);
		}
	}
	qsort(t, 3, sizeof(t[0]), cmp_d);
	for (int i = 0; i < NREC; i++) {
		char v[64];

		/* Spread over twice the list: half of them are in it. */
		value(v, sizeof(v), (unsigned)((i * 2654435761ull) % (2ull * n)), shape);
		snprintf(cl, sizeof(cl),
			 "/usr/bin/python3 -m worker --config /etc/app/worker-%d.yaml --log-level "
			 "info --queue jobs-%d %s --retries 3 --timeout 30s --user svc",
			 i, i * 7, v);
		vrec__reset(&recs[i], schema__event(EV_PROCESS_CREATE));
		vrec__set_str(&recs[i], VF_Image, "/usr/bin/python3");
		vrec__set_str(&recs[i], VF_CommandLine, cl);
	}
	t0 = now();
	for (int r = 0; r < 200; r++)
		for (int i = 0; i < NREC; i++) {
			const char *name;

			logged += ruleset__match(rs, &recs[i], &name);
		}
	printf("%8u %-6s %-9s %10.1f %10.1f %8.1f\n", n, shape ? "paths" : "tokens",
	       hyperscan || n < dflt ? "hyperscan" : "litset", t[1] * 1e3,
	       (now() - t0) / (200.0 * NREC) * 1e9, 100.0 * logged / (200.0 * NREC));
	ruleset__free(rs);
	free(xml);
	rules__litset_min = dflt;
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = {1000, 10000, 16384, 30000, 100000, 300000};
	bool quick = argc > 1 && strcmp(argv[1], "-q") == 0;

	printf("vigil rules compile: one contains any list of N values\n");
	printf("%8s %-6s %-9s %10s %10s %8s\n", "values", "shape", "matcher", "load_ms", "match_ns",
	       "logged%");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		if (quick && sizes[s] != 100000)
			continue;
		for (int shape = 0; shape < 2; shape++) {
			one(sizes[s], shape, false);
			if (!quick && sizes[s] <= 30000 && sizes[s] >= rules__litset_min)
				one(sizes[s], shape, true);
		}
	}
	return 0;
}
