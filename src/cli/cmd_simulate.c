/*
 * cmd_simulate.c — `vigil simulate`: runs the built-in safe ATT&CK
 * simulations (src/coverage/sim_suite.c) and, given a live sensor's JSONL
 * output file, checks which of the events each should cause were recorded.
 *
 * Only the part of the output file written after the run started is read, so
 * a long-lived file is fine. The results file (-o) feeds `vigil coverage
 * --verified`. Exit status is 0 once the suite ran, whatever the sensor saw:
 * the per-simulation statuses are the result.
 */
#include "cli/commands.h"
#include "cli/opts.h"
#include "coverage/sim.h"

#include "common/duration.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil simulate [--sensor-output FILE.jsonl] [-o RESULTS.json]\n"
		   "                      [--only ID|TECHNIQUE[,...]] [--wait SECONDS]\n"
		   "                      [--tmpdir DIR] [--list]\n"
		   "\n"
		   "Runs safe simulations of Linux ATT&CK techniques (loopback network and\n"
		   "temporary files only; each undoes its changes). With --sensor-output,\n"
		   "waits up to --wait seconds (default 5) for the expected events in the\n"
		   "sensor's JSONL output and records each as passed/partial/failed.\n");
}

static void list(void)
{
	size_t n;
	const struct sim_def *s = sim_suite(&n);

	for (size_t i = 0; i < n; i++) {
		printf("%-26s %-10s %s\n", s[i].id, s[i].technique, s[i].name);
		for (unsigned e = 0; e < SIM_MAX_EXPECT && s[i].expect[e].event_id; e++) {
			printf("%39s EventID %u: %s (", "", s[i].expect[e].event_id,
			       s[i].expect[e].what);
			for (unsigned p = 0; p < SIM_MAX_PRED && s[i].expect[e].pred[p].field; p++)
				printf("%s%s", p ? ", " : "", s[i].expect[e].pred[p].field);
			printf(")\n");
		}
	}
	printf("%zu simulations\n", n);
}

static bool selected(const struct sim_def *d, const char *only)
{
	char buf[1024], *save = NULL, *tok;

	if (!only)
		return true;
	snprintf(buf, sizeof(buf), "%s", only);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, d->id) == 0 || strcmp(tok, d->technique) == 0)
			return true;
	return false;
}

/* `vigil simulate`: see usage(). */
int cmd_simulate(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sensor-output", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"only", required_argument, NULL, 'O'},
	    {"wait", required_argument, NULL, 'w'},
	    {"tmpdir", required_argument, NULL, 't'},
	    {"list", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sensor = NULL, *out = NULL, *only = NULL, *tmpdir = "/tmp";
	size_t n, nsel = 0, counts[6] = {0};
	const struct sim_def *suite = sim_suite(&n);
	struct sim_result *rs;
	struct strbuf sb;
	off_t from = 0;
	int opt, wait_s = 5, rc = 0;
	uint64_t v;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:o:O:w:t:lh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sensor = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'O':
			only = optarg;
			break;
		case 'w':
			if (opts__uint(optarg, 0, 600, &v) < 0) {
				fprintf(stderr, "vigil simulate: --wait takes 0-600 seconds\n");
				return EX_USAGE;
			}
			wait_s = (int)v;
			break;
		case 't':
			tmpdir = optarg;
			break;
		case 'l':
			list();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (sensor) {
		struct stat st;

		if (stat(sensor, &st) != 0) {
			fprintf(stderr, "vigil simulate: %s: %s\n", sensor, strerror(errno));
			return EX_NOINPUT;
		}
		from = st.st_size;
	}
	rs = calloc(n, sizeof(*rs));
	if (!rs)
		return EX_OSERR;
	for (size_t i = 0; i < n; i++) {
		int e;

		if (!selected(&suite[i], only))
			continue;
		e = sim_run(&suite[i], tmpdir, 20, &rs[nsel]);
		if (e) {
			fprintf(stderr, "vigil simulate: %s: cannot run: %s\n", suite[i].id,
				strerror(-e));
			rc = EX_OSERR;
			goto out;
		}
		nsel++;
	}
	if (!nsel) {
		fprintf(stderr, "vigil simulate: --only %s matches no simulation\n", only);
		rc = EX_USAGE;
		goto out;
	}
	if (sensor) {
		int e = sim_check_file(sensor, from, rs, nsel, wait_s * (int)MSEC_PER_SEC);

		if (e) {
			fprintf(stderr, "vigil simulate: %s: %s\n", sensor, strerror(-e));
			rc = EX_NOINPUT;
			goto out;
		}
	}
	for (size_t i = 0; i < nsel; i++) {
		const char *st = sim_status(&rs[i]);
		static const char *const names[6] = {"passed",	    "partial", "failed",
						     "not_checked", "skipped", "error"};

		for (int k = 0; k < 6; k++)
			if (strcmp(st, names[k]) == 0)
				counts[k]++;
		printf("%-26s %-10s %-11s", rs[i].def->id, rs[i].def->technique, st);
		for (unsigned e = 0; e < rs[i].nexpect; e++)
			printf(" %u%s", rs[i].def->expect[e].event_id,
			       !rs[i].checked  ? ""
			       : rs[i].seen[e] ? "+"
					       : "-");
		printf("%s%s\n", rs[i].ctx.note[0] ? "  # " : "", rs[i].ctx.note);
	}
	printf("%zu simulations: %zu passed, %zu partial, %zu failed, %zu not checked, %zu "
	       "skipped, %zu error\n",
	       nsel, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
	if (out) {
		FILE *f = fopen(out, "we");

		strbuf__init(&sb, 16u << 20);
		sim_results_json(rs, nsel, sensor, &sb);
		bool ok = f && fwrite(sb.buf, 1, sb.len, f) == sb.len;

		if (f && fclose(f) != 0)
			ok = false;
		if (!ok) {
			fprintf(stderr, "vigil simulate: %s: %s\n", out, strerror(errno));
			rc = EX_CANTCREAT;
		}
		strbuf__free(&sb);
	}
out:
	free(rs);
	return rc;
}
