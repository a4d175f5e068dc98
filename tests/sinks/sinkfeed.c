/*
 * sinkfeed.c — drives one output sink with synthetic records, for the sink
 * integration tests (tests/sinks/sinks.bats) while the live sensor is
 * elsewhere.
 *
 *   sinkfeed [-n COUNT] [-s FIRST_SEQ] [-c COMPUTER] [-r PER_SEC] [-d STATE_DIR]
 *            [-a ACK_TIMEOUT_S] [-t ACK_TARGET] SPEC
 *
 * Records cycle through events 1, 3, 5, 11 and 23 with SequenceNumber
 * FIRST_SEQ.. and realistic fields. -r paces the burst (so a test can kill a
 * server in the middle of it); -a waits, after the burst, until the sink
 * reports ACK_TARGET records (default COUNT; more when a spool from an
 * earlier run is replayed too) acknowledged, or the timeout passes.
 * With -j FILE the records are instead the JSON lines of FILE (events as the
 * jsonl output writes them, e.g. recorded from the sensor or a fixture),
 * parsed back with record_json__parse, each with its own Computer and
 * SequenceNumber; -n, -s, -c and -r then do not apply.
 * Prints one line: "in I written W dropped D acked A spooled S replayed R
 * spool_corrupt C write_ms T" (T: time spent in the write loop, i.e. on the
 * event thread) and exits 0, 1 when -a was given and not everything was
 * acknowledged, or 2 when I != W + D + S (the accounting every output
 * keeps, see sink.h).
 */
#include "common/record_json.h"
#include "sinks/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static struct vrec rec;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000ull;
}

/* Fills rec with a synthetic event number seq. */
static void fill(uint64_t seq, const char *computer)
{
	static const unsigned ids[] = {1, 3, 5, 11, 23};
	unsigned id = ids[seq % 5];
	char utc[24];

	vrec__reset(&rec, schema__event(id));
	rec.seq = seq;
	rec.ts_ns = now_ns();
	rec.computer = computer;
	vrec__fmt_time(rec.ts_ns, utc);
	vrec__set_str(&rec, VF_UtcTime, utc);
	vrec__setf(&rec, VF_ProcessGuid, "{5ab1c0de-%04x-0000-%04x-000000000001}",
		   (unsigned)(seq >> 16 & 0xffff), (unsigned)(seq & 0xffff));
	vrec__set_uint(&rec, VF_ProcessId, 1000 + seq % 30000);
	vrec__set_str(&rec, VF_Image, "/usr/bin/bash");
	vrec__set_str(&rec, VF_User, "root");
	switch (id) {
	case 1:
		vrec__setf(&rec, VF_CommandLine, "bash -c 'echo %llu > /tmp/x && cat <a & b>'",
			   (unsigned long long)seq);
		vrec__set_str(&rec, VF_CurrentDirectory, "/root");
		vrec__set_str(&rec, VF_ParentImage, "/usr/sbin/sshd");
		vrec__set_str(
		    &rec, VF_Hashes,
		    "SHA256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
		break;
	case 3:
		vrec__set_str(&rec, VF_Protocol, "tcp");
		vrec__set_str(&rec, VF_Initiated, "true");
		vrec__set_str(&rec, VF_SourceIp, "10.0.0.2");
		vrec__set_uint(&rec, VF_SourcePort, 40000 + seq % 20000);
		vrec__set_str(&rec, VF_DestinationIp, "93.184.216.34");
		vrec__set_uint(&rec, VF_DestinationPort, 443);
		break;
	case 5:
		vrec__set_int(&rec, VF_ExitCode, 0);
		break;
	default:
		vrec__setf(&rec, VF_TargetFilename, "/tmp/vigil-feed/%llu",
			   (unsigned long long)seq);
		break;
	}
}

int main(int argc, char **argv)
{
	uint64_t n = 10000, first = 1, rate = 0, ack_timeout = 0, target = 0;
	const char *computer = "feedhost", *state = "/tmp", *jsonl = NULL;
	FILE *jf = NULL;
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t len;
	struct sink_env env = {0};
	struct sink **v = NULL;
	size_t nv = 0;
	struct sink *s;
	uint64_t t0, write_ms;
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "n:s:c:r:d:a:t:j:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 's':
			first = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			computer = optarg;
			break;
		case 'r':
			rate = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			state = optarg;
			break;
		case 'a':
			ack_timeout = strtoull(optarg, NULL, 10);
			break;
		case 't':
			target = strtoull(optarg, NULL, 10);
			break;
		case 'j':
			jsonl = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: sinkfeed [-n N] [-s SEQ] [-c HOST] [-r RATE] [-d DIR] "
				"[-a SECS] [-t ACKED] [-j EVENTS.jsonl] SPEC\n");
			return EX_USAGE;
		}
	}
	if (optind != argc - 1)
		return EX_USAGE;
	if (sink__check_spec(argv[optind]) < 0)
		return EX_USAGE;
	env.state_dir = state;
	env.computer = computer;
	if (sink__open_spec(argv[optind], &env, &v, &nv) < 0 || nv != 1)
		return EX_UNAVAILABLE;
	s = v[0];
	t0 = mono_ms();
	if (jsonl != NULL) {
		jf = fopen(jsonl, "r");
		if (jf == NULL) {
			perror(jsonl);
			return EX_NOINPUT;
		}
		n = 0;
		while ((len = getline(&line, &cap, jf)) > 0) {
			if (record_json__parse(&rec, line, (size_t)len, err, sizeof(err))) {
				fprintf(stderr, "sinkfeed: %s: %s\n", jsonl, err);
				return EX_DATAERR;
			}
			sink__write(s, &rec);
			if (++n % 500 == 0)
				sink__flush(s);
		}
		fclose(jf);
		free(line);
	}
	for (uint64_t i = 0; i < n && jsonl == NULL; i++) {
		fill(first + i, computer);
		sink__write(s, &rec);
		if ((i + 1) % 500 == 0)
			sink__flush(s);
		if (rate) {
			/* Pace: record i is due at t0 + i / rate. */
			uint64_t due = t0 + (i + 1) * 1000 / rate;
			uint64_t now = mono_ms();
			if (due > now)
				usleep((useconds_t)(due - now) * 1000);
		}
	}
	sink__flush(s);
	write_ms = mono_ms() - t0;
	if (ack_timeout) {
		uint64_t until = mono_ms() + ack_timeout * 1000;
		if (target == 0)
			target = n;
		/* Acked, and nothing left queued, in flight or spooled. */
		while ((s->st.acked < target || s->st.queue_depth > 0) && mono_ms() < until) {
			usleep(20000);
			sink__flush(s);
		}
		if (s->st.acked < target || s->st.queue_depth > 0)
			rc = 1;
	}
	/* Close by hand so the stats the sink folds in at close are kept. */
	s->ops->close(s);
	printf("in %llu written %llu dropped %llu acked %llu spooled %llu replayed %llu "
	       "spool_corrupt %llu write_ms %llu\n",
	       (unsigned long long)s->st.in, (unsigned long long)s->st.written,
	       (unsigned long long)s->st.dropped, (unsigned long long)s->st.acked,
	       (unsigned long long)s->st.spooled, (unsigned long long)s->st.replayed,
	       (unsigned long long)s->st.spool_corrupt, (unsigned long long)write_ms);
	/* The accounting invariant every output keeps. */
	if (s->st.in != s->st.written + s->st.dropped + s->st.spooled) {
		fprintf(stderr, "sinkfeed: in %llu != written + dropped + spooled\n",
			(unsigned long long)s->st.in);
		rc = 2;
	}
	free(s->spec);
	free(s);
	free(v);
	return rc;
}
