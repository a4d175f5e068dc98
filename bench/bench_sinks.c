/*
 * bench_sinks.c — records per second through each sink, in one run:
 * JSONL to a file, the SQLite store, and NATS JetStream (counted when
 * acknowledged by a local nats-server this program starts), plus the
 * latency NATS adds from write() to the server's ack (p50/p99).
 *
 *   build/bench/bench_sinks [-n RECORDS] [-p NATS_PORT] [-o jsonl,sqlite,nats]
 *
 * Records are ProcessCreate/NetworkConnect/FileCreate mixes of realistic
 * size (~900 bytes of JSON). Each figure is records / wall time from the
 * first write to the last record durable (JSONL: written and closed;
 * SQLite: committed and closed; NATS: acknowledged by JetStream).
 */
#include "sinks/sink.h"

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static struct vrec recs[3];

/* CPU seconds this process used so far (all threads). The machine is
 * shared, so records per CPU-second is the steadier figure. */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double last_cpu_rate;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void build_records(void)
{
	static const unsigned ids[3] = {1, 3, 11};
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (int i = 0; i < 3; i++) {
		struct vrec *r = &recs[i];
		char utc[24];

		vrec__reset(r, schema__event(ids[i]));
		r->computer = "benchhost";
		r->ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		vrec__fmt_time(r->ts_ns, utc);
		vrec__set_str(r, VF_UtcTime, utc);
		vrec__set_str(r, VF_ProcessGuid, "{5ab1c0de-65a1-6b2c-0000-0000000004d2}");
		vrec__set_int(r, VF_ProcessId, 1234);
		vrec__set_str(r, VF_Image, "/usr/bin/python3.11");
		vrec__set_str(r, VF_User, "root");
		vrec__set_str(r, VF_InitiatingProcessCommandLine,
			      "python3 /opt/app/worker.py --queue jobs --concurrency 4");
		vrec__set_str(r, VF_InitiatingProcessParentGuid,
			      "{5ab1c0de-65a1-6b2c-0000-000000000001}");
		vrec__set_str(r, VF_InitiatingProcessParentImage, "/usr/lib/systemd/systemd");
		vrec__set_str(
		    r, VF_InitiatingProcessHashes,
		    "SHA256=4f2b1e7c9d0a8b6c5e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d");
		vrec__set_str(r, VF_ContainerId, "-");
		if (ids[i] == 1) {
			vrec__set_str(
			    r, VF_CommandLine,
			    "/usr/bin/curl -fsSL https://example.com/install.sh -o /tmp/i.sh");
			vrec__set_str(r, VF_CurrentDirectory, "/root");
			vrec__set_str(r, VF_ParentImage, "/usr/bin/bash");
			vrec__set_str(r, VF_ParentCommandLine, "bash");
			vrec__set_str(
			    r, VF_Hashes,
			    "SHA256="
			    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
		} else if (ids[i] == 3) {
			vrec__set_str(r, VF_Protocol, "tcp");
			vrec__set_str(r, VF_Initiated, "true");
			vrec__set_str(r, VF_SourceIp, "10.0.0.5");
			vrec__set_int(r, VF_SourcePort, 51234);
			vrec__set_str(r, VF_DestinationIp, "93.184.216.34");
			vrec__set_int(r, VF_DestinationPort, 443);
			vrec__set_str(r, VF_DestinationPortName, "https");
		} else {
			vrec__set_str(r, VF_TargetFilename, "/var/tmp/cache/build-1234/output.o");
			vrec__set_str(r, VF_CreationUtcTime, utc);
		}
	}
}

static struct sink *open_one(const char *spec, const char *dir)
{
	struct sink_env env = {.state_dir = dir, .computer = "benchhost"};
	struct sink **v = NULL;
	size_t n = 0;
	struct sink *s;

	if (sink__open_spec(spec, &env, &v, &n) < 0 || n != 1) {
		fprintf(stderr, "bench_sinks: cannot open %s\n", spec);
		exit(1);
	}
	s = v[0];
	free(v);
	return s;
}

/* Writes n records (at `rate` per second when rate > 0, else as fast as
 * possible) with sequence numbers from first; returns records/s until all
 * are durable (closed, or acknowledged when wait_acked). */
static double run(struct sink *s, uint64_t n, uint64_t first, uint64_t rate, bool wait_acked,
		  uint64_t *p50, uint64_t *p99)
{
	double t0 = now_s(), t1, c0 = cpu_s();

	for (uint64_t i = 0; i < n; i++) {
		struct vrec *r = &recs[i % 3];
		r->seq = first + i;
		sink__write(s, r);
		if ((i & 1023) == 1023 || rate)
			sink__flush(s);
		if (rate) {
			double due = t0 + (double)(i + 1) / (double)rate, now = now_s();
			if (due > now)
				usleep((useconds_t)((due - now) * 1e6));
		}
	}
	sink__flush(s);
	if (wait_acked) {
		double until = now_s() + 120;
		while (s->st.acked < n && now_s() < until) {
			usleep(1000);
			sink__flush(s);
		}
		t1 = now_s();
		usleep(1100000); /* the sink refreshes its percentiles once a second */
		sink__flush(s);
		*p50 = s->st.lat_p50_us;
		*p99 = s->st.lat_p99_us;
		if (s->st.acked < n)
			fprintf(stderr, "bench_sinks: only %llu of %llu acked\n",
				(unsigned long long)s->st.acked, (unsigned long long)n);
		if (s->st.dropped)
			fprintf(stderr, "bench_sinks: %llu dropped\n",
				(unsigned long long)s->st.dropped);
		sink__close(s);
	} else {
		sink__close(s);
		t1 = now_s();
	}
	last_cpu_rate = (double)n / (cpu_s() - c0);
	return (double)n / (t1 - t0);
}

int main(int argc, char **argv)
{
	uint64_t n = 300000, p50 = 0, p99 = 0;
	int port = 24222, opt;
	const char *only = "jsonl,sqlite,nats";
	char dir[] = "/tmp/vigil-bench-XXXXXX", spec[512], store[600], portstr[16];
	pid_t ns;
	double r;

	while ((opt = getopt(argc, argv, "n:p:o:")) != -1) {
		if (opt == 'o')
			only = optarg;
		else if (opt == 'n')
			n = strtoull(optarg, NULL, 10);
		else if (opt == 'p')
			port = atoi(optarg);
		else
			return 64;
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	build_records();
	printf("bench_sinks: %llu records per sink\n", (unsigned long long)n);

	snprintf(spec, sizeof(spec), "jsonl:%s/events.jsonl", dir);
	if (strstr(only, "jsonl") == NULL)
		goto sqlite;
	r = run(open_one(spec, dir), n, 1, 0, false, NULL, NULL);
	printf("%-8s %10.0f records/s  (%.0f per CPU-second)\n", "jsonl", r, last_cpu_rate);

sqlite:
	snprintf(spec, sizeof(spec), "sqlite:%s/vigil.db", dir);
	if (strstr(only, "sqlite") == NULL)
		goto nats;
	r = run(open_one(spec, dir), n, 1, 0, false, NULL, NULL);
	printf("%-8s %10.0f records/s  (%.0f per CPU-second)\n", "sqlite", r, last_cpu_rate);

nats:
	if (strstr(only, "nats") == NULL)
		goto out;
	snprintf(store, sizeof(store), "%s/nats", dir);
	snprintf(portstr, sizeof(portstr), "%d", port);
	{
		char *args[] = {"nats-server", "-js", "-a", "127.0.0.1", "-p", portstr,
				"-sd",	       store, "-l", "/dev/null", NULL};
		if (posix_spawnp(&ns, "nats-server", NULL, NULL, args, environ) != 0) {
			fprintf(stderr, "bench_sinks: cannot start nats-server\n");
			return 1;
		}
	}
	usleep(700000);
	snprintf(
	    spec, sizeof(spec),
	    "nats://127.0.0.1:%d?stream=BENCH&subject=bench.ev&queue=2000000&spool_dir=%s/spool",
	    port, dir);
	r = run(open_one(spec, dir), n, 1, 0, true, &p50, &p99);
	printf("%-8s %10.0f records/s acked (burst; write->ack includes queueing: p50 %s%.0f ms, "
	       "p99 %s%.0f ms)\n",
	       "nats", r, p50 >= 200000 ? ">" : "", (double)p50 / 1000.0, p99 >= 200000 ? ">" : "",
	       (double)p99 / 1000.0);
	/* Added latency at a steady, sustainable rate: what one event waits. */
	r = run(open_one(spec, dir), 20000, n + 1, 10000, true, &p50, &p99);
	printf("%-8s %10.0f records/s paced     write->ack p50 %.2f ms, p99 %.2f ms\n", "nats", r,
	       (double)p50 / 1000.0, (double)p99 / 1000.0);
	kill(ns, SIGTERM);
	waitpid(ns, NULL, 0);
out : {
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
}
	return 0;
}
