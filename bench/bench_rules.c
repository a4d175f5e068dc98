/*
 * bench_rules.c — cost of the Sysmon config filter per event.
 *
 * Generates a realistic config of ~500 rules over five event types (compound
 * <Rule>s of end with + contains, begin with/end with per file path, and in
 * every event type a few long lists: is any, contains any, end with, image),
 * builds a mix of 128 records (few enough to stay in cache, as the
 * sensor's one current record is) (process, network, file, DNS, image-load
 * events, some matching rules, most not), and times ruleset__match over
 * them: the median over 7 runs of the mean ns/event, plus the per-event
 * median and 99th percentile. It repeats that with the long lists at 10,
 * 100, 1000 and 10000 values to show the cost does not follow list length.
 *
 * usage: bench_rules [-q]      (-q: one size only, for a quick check)
 */
#include "common/strbuf.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NREC  128
#define NRUNS 7

static const char *const words[] = {
    "bash", "python3", "curl",	 "wget",       "sshd",	     "cron", "systemd",	 "nginx",
    "node", "java",    "perl",	 "ls",	       "cat",	     "grep", "awk",	 "sed",
    "tar",  "gzip",    "docker", "containerd", "kubelet",    "dbus", "rsyslogd", "chronyd",
    "sudo", "su",      "vim",	 "less",       "journalctl", "apt",  "dpkg",	 "nc",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static unsigned long long rng = 88172645463325252ull;
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

/* The i-th list token: a word and a hash of i, so values differ in their
 * last bytes as real lists do (matchers key on those). */
static const char *tok(unsigned i)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%04x", words[i % NWORDS], (i * 2654435761u) >> 16);
	return buf;
}

/* Appends n values pre<i>mid<word>post separated by ';'. */
static void list(struct strbuf *sb, const char *pre, const char *mid, const char *post, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		strbuf__addf(sb, "%s%u%s%s%s;", pre, i, mid, tok(i), post);
}

/* Builds the config; L = length of the long lists. Counts rules in *nrules. */
static void gen_config(struct strbuf *sb, unsigned L, unsigned *nrules)
{
	unsigned n = 0;

	strbuf__adds(sb, "<Sysmon schemaversion=\"4.90\"><HashAlgorithms>sha256</HashAlgorithms>"
			 "<EventFiltering>\n");
	/* ProcessCreate: noise excludes, then technique includes. */
	strbuf__adds(sb, "<RuleGroup groupRelation=\"or\"><ProcessCreate onmatch=\"exclude\">");
	strbuf__adds(sb, "<Image condition=\"is any\">");
	list(sb, "/usr/lib/noise", "/", "", L);
	strbuf__adds(sb, "</Image><CommandLine condition=\"contains any\">");
	list(sb, "--noise-flag-", "-", "", L);
	strbuf__adds(sb, "</CommandLine><ParentImage condition=\"end with\">/usr/sbin/cron"
			 "</ParentImage></ProcessCreate></RuleGroup>\n");
	n += 3;
	strbuf__adds(sb, "<RuleGroup groupRelation=\"or\"><ProcessCreate onmatch=\"include\">");
	for (unsigned i = 0; i < 200; i++, n++)
		strbuf__addf(sb,
			     "<Rule name=\"technique_id=T%u,technique_name=Tool %u\" "
			     "groupRelation=\"and\"><Image condition=\"end with\">/tool%u</Image>"
			     "<CommandLine condition=\"contains\">-arg%u</CommandLine></Rule>",
			     1000 + i, i, i, i);
	strbuf__adds(sb, "<CommandLine condition=\"contains any\">");
	list(sb, "evil-token-", "-", "", L);
	strbuf__adds(sb, "</CommandLine><Image condition=\"image\">");
	strbuf__adds(sb, "nmap</Image><Image condition=\"is any\">");
	list(sb, "/opt/suspicious", "/", "", L);
	strbuf__adds(sb, "</Image></ProcessCreate></RuleGroup>\n");
	n += 3;
	/* NetworkConnect. */
	strbuf__adds(sb, "<RuleGroup groupRelation=\"or\"><NetworkConnect onmatch=\"include\">");
	for (unsigned i = 0; i < 100; i++, n++)
		strbuf__addf(sb, "<Image condition=\"end with\" name=\"net%u\">/netbin%u</Image>",
			     i, i);
	/* end with takes one value: a list is one element per value. */
	for (unsigned i = 0; i < L; i++, n++)
		strbuf__addf(sb,
			     "<DestinationHostname condition=\"end with\">.bad%u-%s.example"
			     "</DestinationHostname>",
			     i, tok(i));
	strbuf__adds(sb, "<DestinationIp condition=\"is any\">");
	for (unsigned i = 0; i < L; i++)
		strbuf__addf(sb, "10.%u.%u.%u;", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	strbuf__adds(sb, "</DestinationIp><DestinationPort condition=\"is any\">4444;1337;31337"
			 "</DestinationPort></NetworkConnect></RuleGroup>\n");
	n += 3;
	/* FileCreate. */
	strbuf__adds(sb, "<RuleGroup groupRelation=\"or\"><FileCreate onmatch=\"include\">");
	for (unsigned i = 0; i < 100; i++, n++)
		strbuf__addf(
		    sb,
		    "<TargetFilename condition=\"begin with\" name=\"dir%u\">/etc/conf%u.d/"
		    "</TargetFilename>",
		    i, i);
	for (unsigned i = 0; i < 50; i++, n++)
		strbuf__addf(sb, "<TargetFilename condition=\"end with\">.ext%u</TargetFilename>",
			     i);
	strbuf__adds(sb, "<TargetFilename condition=\"contains any\">");
	list(sb, "/persist", "/", "/", L);
	strbuf__adds(sb, "</TargetFilename></FileCreate></RuleGroup>\n");
	n++;
	/* DnsQuery: log all but known-good domains. */
	strbuf__adds(sb, "<RuleGroup groupRelation=\"or\"><DnsQuery onmatch=\"exclude\">");
	for (unsigned i = 0; i < L; i++, n++)
		strbuf__addf(sb, "<QueryName condition=\"end with\">.good%u-%s.example</QueryName>",
			     i, tok(i));
	strbuf__adds(sb, "<QueryName condition=\"is any\">");
	list(sb, "host", ".", ".internal", L);
	strbuf__adds(sb, "</QueryName></DnsQuery></RuleGroup>\n");
	n += 2;
	/* ImageLoad: libraries of interest. */
	strbuf__adds(sb, "<RuleGroup groupRelation=\"or\"><ImageLoad onmatch=\"include\">");
	for (unsigned i = 0; i < 30; i++, n++)
		strbuf__addf(sb, "<ImageLoaded condition=\"end with\">/libhook%u.so</ImageLoaded>",
			     i);
	strbuf__adds(sb, "<ImageLoaded condition=\"contains any\">");
	list(sb, "/inject", "-", "/", L);
	strbuf__adds(sb, "</ImageLoaded></ImageLoad></RuleGroup>\n");
	n++;
	strbuf__adds(sb, "</EventFiltering></Sysmon>\n");
	*nrules = n;
}

static void gen_records(struct vrec *recs, unsigned L)
{
	char a[256], b[512];

	for (unsigned i = 0; i < NREC; i++) {
		struct vrec *r = &recs[i];
		unsigned k = rnd(10);
		const char *w = words[rnd(NWORDS)], *w2 = words[rnd(NWORDS)];

		if (k < 4) {
			vrec__reset(r, schema__event(EV_PROCESS_CREATE));
			if (rnd(10) == 0)
				snprintf(a, sizeof(a), "/usr/local/bin/tool%u", rnd(200));
			else
				snprintf(a, sizeof(a), "/usr/bin/%s", w);
			snprintf(b, sizeof(b),
				 "%s --config /etc/%s/%s.conf --verbose -arg%u --output "
				 "/var/log/%s.log --user %s",
				 a, w2, w, rnd(400), w, w2);
			vrec__set_str(r, VF_Image, a);
			vrec__set_str(r, VF_CommandLine, b);
			vrec__set_str(r, VF_ParentImage, "/usr/bin/bash");
			vrec__set_str(r, VF_ParentCommandLine, "-bash");
			vrec__set_str(r, VF_User, "alice");
			vrec__set_str(r, VF_CurrentDirectory, "/home/alice");
			vrec__set_int(r, VF_ProcessId, 1000 + i);
		} else if (k < 6) {
			vrec__reset(r, schema__event(EV_NETWORK_CONNECT));
			snprintf(a, sizeof(a), "/usr/bin/%s", w);
			vrec__set_str(r, VF_Image, a);
			snprintf(b, sizeof(b), "10.%u.%u.%u", rnd(3), rnd(256), rnd(256));
			vrec__set_str(r, VF_DestinationIp, b);
			snprintf(b, sizeof(b), "api.%s.%s.example.com", w, w2);
			vrec__set_str(r, VF_DestinationHostname, b);
			vrec__set_int(r, VF_DestinationPort, rnd(2) ? 443 : 4444);
		} else if (k < 8) {
			vrec__reset(r, schema__event(EV_FILE_CREATE));
			snprintf(a, sizeof(a), "/usr/bin/%s", w);
			vrec__set_str(r, VF_Image, a);
			snprintf(b, sizeof(b), "/%s/%s/cache/%s-%u.ext%u",
				 rnd(4) ? "var/lib" : "etc/conf7.d", w, w2, rnd(100000), rnd(80));
			vrec__set_str(r, VF_TargetFilename, b);
		} else if (k < 9) {
			vrec__reset(r, schema__event(EV_DNS_QUERY));
			vrec__set_str(r, VF_Image, "/usr/lib/systemd/systemd-resolved");
			unsigned q = rnd(L + L / 2);

			snprintf(b, sizeof(b), "cdn%u.good%u-%s.example", rnd(50), q, tok(q));
			vrec__set_str(r, VF_QueryName, b);
		} else {
			vrec__reset(r, schema__event(EV_IMAGE_LOAD));
			snprintf(a, sizeof(a), "/usr/bin/%s", w);
			vrec__set_str(r, VF_Image, a);
			snprintf(b, sizeof(b), "/usr/lib/x86_64-linux-gnu/lib%s.so.%u", w2, rnd(9));
			vrec__set_str(r, VF_ImageLoaded, b);
		}
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run(unsigned L, bool header)
{
	struct strbuf sb;
	struct rules_error err;
	struct ruleset *rs;
	struct vrec *recs = calloc(NREC, sizeof(*recs));
	double runs[NRUNS], *per = malloc(NREC * 8 * sizeof(double)), t0, t1, overhead;
	unsigned nrules, logged = 0, iters = 200;
	const char *name;

	strbuf__init(&sb, 0);
	gen_config(&sb, L, &nrules);
	t0 = now_ns();
	rs = ruleset__load_buf(sb.buf, sb.len, "bench.xml", &err);
	t1 = now_ns();
	if (rs == NULL || recs == NULL || per == NULL) {
		fprintf(stderr, "bench_rules: %s:%d: %s\n", err.file, err.line, err.msg);
		exit(70);
	}
	gen_records(recs, L);
	for (unsigned i = 0; i < NREC; i++)
		logged += ruleset__match(rs, &recs[i], &name);
	for (int r = 0; r < NRUNS; r++) {
		double s = now_ns();

		for (unsigned it = 0; it < iters; it++)
			for (unsigned i = 0; i < NREC; i++)
				ruleset__match(rs, &recs[i], &name);
		runs[r] = (now_ns() - s) / ((double)iters * NREC);
	}
	qsort(runs, NRUNS, sizeof(double), cmp_d);
	/* Per-event latency, minus the cost of reading the clock. */
	{
		double s = now_ns();

		for (int i = 0; i < 100000; i++)
			(void)now_ns();
		overhead = (now_ns() - s) / 100000;
	}
	for (unsigned it = 0, k = 0; it < 8; it++)
		for (unsigned i = 0; i < NREC; i++, k++) {
			double s = now_ns();

			ruleset__match(rs, &recs[i], &name);
			per[k] = now_ns() - s - overhead;
		}
	qsort(per, NREC * 8, sizeof(double), cmp_d);
	if (header)
		printf("%8s %7s %9s %10s %10s %10s %10s %8s\n", "list_len", "rules", "cfg_KiB",
		       "compile_ms", "mean_ns", "p50_ns", "p99_ns", "logged%");
	printf("%8u %7u %9zu %10.1f %10.1f %10.1f %10.1f %8.1f\n", L, nrules, sb.len / 1024,
	       (t1 - t0) / 1e6, runs[NRUNS / 2], per[NREC * 4], per[NREC * 8 * 99 / 100],
	       100.0 * logged / NREC);
	ruleset__free(rs);
	strbuf__free(&sb);
	free(recs);
	free(per);
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = {10, 100, 1000, 10000};
	bool quick = argc > 1 && strcmp(argv[1], "-q") == 0;

	printf("vigil rules filter: ns per event (median of %d runs over %d records)\n", NRUNS,
	       NREC);
	if (quick) {
		run(300, true);
		return 0;
	}
	run(300, true);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		run(sizes[i], false);
	return 0;
}
