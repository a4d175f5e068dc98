/*
 * bench_formats.c — the JSONL sink's records per second in the sysmon, ocsf
 * and ecs forms, side by side in one run (issue 16's target: the standard
 * forms at ≥ 80% of the sysmon form's rate).
 *
 *   build/bench/bench_formats [-n RECORDS] [-r ROUNDS]
 *
 * The records are the fixed samples of every event type (src/formats/
 * samples.c), cycled, so the mix weights each event type equally. Each round
 * runs the three forms one after another through a real `jsonl:FILE?format=`
 * sink (open, N writes, close: written and closed is durable for this sink)
 * to a fresh file in $TMPDIR, and also through the serialiser alone into
 * a memory buffer. Rounds interleave the forms so that the shared machine's
 * noise falls on all three alike. Reported: the median rate of each form,
 * and its ratio to the sysmon form taken within each round (the median and
 * the lowest and highest of those per-round ratios): a load spike that hits
 * one round moves both sides of its ratio, not one side of a median.
 */
#include "formats/format.h"
#include "formats/samples.h"
#include "sinks/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 31

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process: the machine is shared, so records per
 * CPU-second is the steadier figure next to the wall-clock one. */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp);
	return s[n / 2];
}

/* "93% (88-97%)": the median of the per-round ratios x[r] / base[r], and
 * their range. */
static void ratio(char *out, size_t size, const double *x, const double *base, int n)
{
	double r[MAX_ROUNDS] = {0}, lo, hi;

	for (int i = 0; i < n; i++)
		r[i] = 100.0 * x[i] / base[i];
	lo = hi = r[0];
	for (int i = 1; i < n; i++) {
		lo = r[i] < lo ? r[i] : lo;
		hi = r[i] > hi ? r[i] : hi;
	}
	snprintf(out, size, "%.0f%% (%.0f-%.0f%%)", median(r, n), lo, hi);
}

int main(int argc, char **argv)
{
	static const char *const names[3] = {"sysmon", "ocsf", "ecs"};
	struct vrec *recs;
	size_t nrec = format_samples__count(), n = 300000;
	int rounds = 5, opt;
	double sink_rate[3][MAX_ROUNDS], sink_cpu[3][MAX_ROUNDS], ser_rate[3][MAX_ROUNDS];
	double bytes[3] = {0};
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct sink_env env = {.state_dir = tmp, .computer = "benchhost"};
	struct strbuf sb;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else {
			fprintf(stderr, "usage: bench_formats [-n RECORDS] [-r ROUNDS]\n");
			return 64;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || n == 0) {
		fprintf(stderr, "bench_formats: 1 ≤ rounds ≤ %d, records > 0\n", MAX_ROUNDS);
		return 64;
	}
	recs = calloc(nrec, sizeof(*recs));
	if (!recs)
		return 70;
	for (size_t i = 0; i < nrec; i++)
		format_samples__build(i, &recs[i]);
	strbuf__init(&sb, 0);

	for (int r = 0; r < rounds; r++) {
		for (int f = 0; f < 3; f++) {
			char path[4096], spec[4200];
			struct sink **v = NULL;
			size_t nv = 0;
			double t0, c0;

			/* the serialiser alone */
			t0 = now_s();
			for (size_t i = 0; i < n; i++) {
				strbuf__clear(&sb);
				rec_format__add(&sb, &recs[i % nrec], (enum rec_format)f);
				if (r == 0 && i < nrec)
					bytes[f] += (double)sb.len;
			}
			ser_rate[f][r] = (double)n / (now_s() - t0);

			/* the JSONL sink to a file */
			snprintf(path, sizeof(path), "%s/bench-formats-%d-%s.jsonl", tmp,
				 (int)getpid(), names[f]);
			unlink(path);
			snprintf(spec, sizeof(spec), "jsonl:%s?format=%s", path, names[f]);
			if (sink__open_spec(spec, &env, &v, &nv) < 0 || nv != 1) {
				fprintf(stderr, "bench_formats: cannot open %s\n", spec);
				return 73;
			}
			t0 = now_s();
			c0 = cpu_s();
			for (size_t i = 0; i < n; i++) {
				recs[i % nrec].seq = i;
				sink__write(v[0], &recs[i % nrec]);
			}
			sink__close(v[0]);
			sink_rate[f][r] = (double)n / (now_s() - t0);
			sink_cpu[f][r] = (double)n / (cpu_s() - c0);
			free(v);
			unlink(path);
		}
	}
	printf(
	    "%zu records per round (the %zu event types' samples, cycled), %d rounds; "
	    "rates: median round; vs sysmon: median of the per-round ratios (lowest-highest)\n\n",
	    n, nrec, rounds);
	printf("| form | bytes/record | JSONL sink, records/s (wall) | vs sysmon | JSONL sink, "
	       "records/CPU-s | vs sysmon | serialiser alone, records/s | vs sysmon |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (int f = 0; f < 3; f++) {
		char rs[64], rc[64], rz[64];

		ratio(rs, sizeof(rs), sink_rate[f], sink_rate[0], rounds);
		ratio(rc, sizeof(rc), sink_cpu[f], sink_cpu[0], rounds);
		ratio(rz, sizeof(rz), ser_rate[f], ser_rate[0], rounds);
		printf("| %s | %.0f | %.0f | %s | %.0f | %s | %.0f | %s |\n", names[f],
		       bytes[f] / (double)nrec, median(sink_rate[f], rounds), rs,
		       median(sink_cpu[f], rounds), rc, median(ser_rate[f], rounds), rz);
	}
	strbuf__free(&sb);
	free(recs);
	return 0;
}
