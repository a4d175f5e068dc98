/*
 * cmd_fleet.c — `vigil fleet keygen --out PREFIX`: the ed25519 key pair
 * that signs fleet queries (see src/fleet/keys.h and vigil(8)).
 *
 * PREFIX.key is the private key (PEM PKCS#8, 0600), PREFIX.pub the public
 * key (PEM, 0644) that responders list in --fleet-keys. Neither file may
 * exist already: a key is never overwritten. Prints the fingerprint.
 * Exit codes: 0; EX_USAGE; EX_CANTCREAT when a file exists or cannot be
 * written.
 */
#include "cli/commands.h"

#include "fleet/keys.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil fleet keygen --out PREFIX\n"
		   "  writes PREFIX.key (private, 0600) and PREFIX.pub (public, 0644)\n");
}

int cmd_fleet(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char fpr[FLEET_FPR_LEN + 1];
	const char *prefix = NULL;
	int opt, err;

	if (argc < 2 || strcmp(argv[1], "keygen") != 0) {
		usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : EX_USAGE;
	}
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			prefix = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (prefix == NULL || prefix[0] == '\0' || optind != argc - 1) {
		usage(stderr);
		return EX_USAGE;
	}
	err = fleet__keygen(prefix, fpr);
	if (err < 0) {
		fprintf(stderr, "vigil fleet keygen: %s.key/.pub: %s\n", prefix,
			err == -EEXIST ? "already exists (a key is never overwritten)"
				       : strerror(-err));
		return EX_CANTCREAT;
	}
	printf("%s.key %s.pub %s\n", prefix, prefix, fpr);
	return 0;
}
