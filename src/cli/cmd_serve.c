/*
 * cmd_serve.c — `vigil serve`: answer fleet hunts from a SQLite store
 * without the sensor (an archive host, or many responders for a scale
 * test), with exactly the sensor's answering code (src/fleet/).
 *
 *   vigil serve --db PATH --fleet URL --fleet-keys PATH [--fleet-name NAME]
 *               [--computer NAME] [--max-rows N] [--max-bytes N]
 *               [--time-limit MS]
 *
 * Runs until SIGINT/SIGTERM, then prints its counts on stderr.
 * Exit codes: 0; EX_USAGE; EX_NOINPUT (no store); EX_CONFIG (the trusted
 * keys); EX_UNAVAILABLE (cannot set up the NATS connection).
 */
#include "cli/commands.h"
#include "cli/opts.h"

#include "common/log.h"
#include "fleet/responder.h"
#include "rules/rules.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil serve --db PATH --fleet nats://H:P[,H:P] --fleet-keys PATH\n"
		   "                   [--fleet-name NAME] [--computer NAME] [--max-rows N]\n"
		   "                   [--max-bytes N] [--time-limit MS] [-v]\n"
		   "  answers signed fleet hunts (vigil hunt --fleet) on\n"
		   "  vigil.fleet.NAME.hunt from the store at PATH, read-only\n");
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"fleet", required_argument, NULL, 'F'},
	    {"fleet-name", required_argument, NULL, 'n'},
	    {"fleet-keys", required_argument, NULL, 'k'},
	    {"computer", required_argument, NULL, 'N'},
	    {"max-rows", required_argument, NULL, 'r'},
	    {"max-bytes", required_argument, NULL, 'b'},
	    {"time-limit", required_argument, NULL, 't'},
	    /* For tests: hosts that share /etc/machine-id, or clones. */
	    {"machine-id-file", required_argument, NULL, 'M'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *db = NULL, *url = NULL, *name = NULL, *keys = NULL, *computer = NULL;
	const char *mid = NULL;
	uint64_t max_rows = 0, max_bytes = 0, time_ms = 0;
	struct fleet_responder_cfg *cfg;
	struct fleet_responder *r;
	struct fleet_counts c;
	struct stat st;
	sigset_t set;
	int opt, sig, verbose = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		char why[256];

		switch (opt) {
		case 'd':
			db = optarg;
			break;
		case 'F':
			url = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'k':
			keys = optarg;
			break;
		case 'N':
			if (ruleset__check_computer(optarg, why, sizeof(why)) != 0) {
				fprintf(stderr, "vigil serve: --computer: %s\n", why);
				return EX_USAGE;
			}
			computer = optarg;
			break;
		case 'r':
		case 'b':
		case 't': {
			uint64_t v;

			if (opts__size(optarg, 1, UINT64_MAX / 2, &v) < 0) {
				fprintf(stderr, "vigil serve: bad %s '%s'\n",
					opt == 'r'   ? "--max-rows"
					: opt == 'b' ? "--max-bytes"
						     : "--time-limit",
					optarg);
				return EX_USAGE;
			}
			*(opt == 'r' ? &max_rows : opt == 'b' ? &max_bytes : &time_ms) = v;
			break;
		}
		case 'M':
			mid = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc || db == NULL || url == NULL) {
		usage(stderr);
		return EX_USAGE;
	}
	log_init("vigil serve", verbose);
	if (stat(db, &st) < 0) {
		fprintf(stderr, "vigil serve: %s: %s\n", db, strerror(errno));
		return EX_NOINPUT;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return EX_OSERR;
	switch (fleet__responder_setup(cfg, url, name, keys, computer, db)) {
	case 0:
		break;
	case -EINVAL:
		free(cfg);
		return EX_USAGE;
	default:
		free(cfg);
		return EX_CONFIG;
	}
	if (mid != NULL)
		fleet__read_machine_id(&cfg->ident, mid);
	if (max_rows)
		cfg->limits.max_rows = max_rows;
	if (max_bytes)
		cfg->limits.max_bytes = max_bytes;
	if (time_ms)
		cfg->limits.time_ms = time_ms;
	/* Signals are taken with sigwait below; the library's threads inherit
	 * the mask, so none of them is interrupted. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	r = fleet__responder_start(cfg);
	free(cfg);
	if (r == NULL)
		return EX_UNAVAILABLE;
	sigwait(&set, &sig);
	fleet__responder_counts(r, &c);
	fleet__responder_stop(r);
	fprintf(stderr, "vigil serve: answered %llu refused %llu failed %llu\n",
		(unsigned long long)c.answered, (unsigned long long)c.refused,
		(unsigned long long)c.failed);
	return 0;
}
