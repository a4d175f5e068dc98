/*
 * cmd_schema.c — `vigil schema check FILE --format ocsf|ecs [--schema DIR]`:
 * validates each JSON line of FILE (or "-" for stdin) against the OCSF 1.8.0
 * or ECS 9.3.0 schema shipped in the data directory (data/ocsf-1.8.0,
 * data/ecs-9.3.0), or against the schema directory DIR given with --schema.
 *
 * The data directory is found like the ATT&CK data (src/common/datadir.h):
 * nothing is compiled in.
 *
 * Output: one `FILE:LINE: field: message` per problem, then
 * `N records, N valid, N invalid`. Exit 0 when every record is valid,
 * EX_DATAERR (65) otherwise, EX_NOINPUT / EX_USAGE for bad arguments.
 */
#include "cli/commands.h"
#include "common/datadir.h"

#include "formats/check.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil schema check FILE --format ocsf|ecs [--schema DIR]\n"
		"Validates each JSON line of FILE ('-' for stdin) against the OCSF 1.8.0 or\n"
		"ECS 9.3.0 schema. --schema DIR names a schema directory (the OCSF source with\n"
		"dictionary.json, or a directory with ecs_flat.yml); the default is the shipped\n"
		"one under the data directory ($VIGIL_DATADIR, else ../share/vigil beside\n"
		"the binary, else the build tree's data/, else /usr/share/vigil).\n"
		"Exit 0 when every record is valid, 65 when any is not.\n");
}

struct where {
	const char *file;
	unsigned long line;
};

static void report(void *ctx, const char *field, const char *msg)
{
	const struct where *w = ctx;

	printf("%s:%lu: %s: %s\n", w->file, w->line, field, msg);
}

int cmd_schema(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"schema", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *fmt_s = NULL, *schema = NULL, *file;
	enum rec_format fmt;
	struct schema_checker *c = NULL;
	char dir[4096], err[512];
	struct where w = {0};
	unsigned long nrec = 0, nbad = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *in;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			fmt_s = optarg;
			break;
		case 's':
			schema = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "check") != 0 || fmt_s == NULL) {
		usage(stderr);
		return EX_USAGE;
	}
	if (rec_format__parse(fmt_s, &fmt) < 0 || fmt == RECFMT_SYSMON) {
		fprintf(stderr, "vigil schema: --format must be ocsf or ecs\n");
		return EX_USAGE;
	}
	file = argv[optind + 1];
	if (schema) {
		snprintf(dir, sizeof(dir), "%s", schema);
	} else {
		char d[3800];

		/* Same search as the other data (datadir.h); a missing one is
		 * reported below with the path tried. */
		datadir__find(NULL, d, sizeof(d));
		snprintf(dir, sizeof(dir), "%s/%s", d,
			 fmt == RECFMT_OCSF ? "ocsf-1.8.0" : "ecs-9.3.0");
	}
	rc = schema_check__open(fmt, dir, &c, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "vigil schema: %s\n", err);
		return rc == -ENOENT ? EX_NOINPUT : EX_DATAERR;
	}
	in = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	if (!in) {
		fprintf(stderr, "vigil schema: %s: %s\n", file, strerror(errno));
		schema_check__free(c);
		return EX_NOINPUT;
	}
	w.file = file;
	while ((n = getline(&line, &cap, in)) != -1) {
		w.line++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		nrec++;
		if (schema_check__line(c, line, (size_t)n, report, &w) > 0)
			nbad++;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	schema_check__free(c);
	printf("%lu records, %lu valid, %lu invalid\n", nrec, nrec - nbad, nbad);
	return nbad ? EX_DATAERR : 0;
}
