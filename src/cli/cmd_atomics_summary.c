/*
 * cmd_atomics_summary.c — `vigil atomics summary RESULTS.json [--compare
 * BASELINE.json] [--markdown]`: the summary of an atomics RESULTS file
 * (src/coverage/atomics_summary.c) to paste into a ticket, optionally side
 * by side with a baseline run under another configuration.
 *
 * Exit status: 0; 64 for bad usage; 65 (EX_DATAERR) when a file is not
 * valid JSON or not a RESULTS file this vigil reads; 66 (EX_NOINPUT) when a
 * file cannot be opened; 74 (EX_IOERR) when standard output fails.
 */
#include "cli/commands.h"
#include "coverage/atomics_summary.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil atomics summary RESULTS.json [--compare BASELINE.json] "
		   "[--markdown]\n"
		   "\n"
		   "Summarises an atomics RESULTS file: tests run and skipped (by reason),\n"
		   "key behaviour seen and Sigma alert rate of the tests that succeeded,\n"
		   "and a per-technique table. --compare puts a baseline RESULTS (another\n"
		   "configuration) beside it with the deltas and lists what changed.\n"
		   "--markdown prints GitHub markdown. See vigil(8).\n");
}

/* Loads and checks a RESULTS file; NULL after a one-line error, *rc set. */
static struct json_object *load(const char *path, int *rc)
{
	char err[1024];
	struct json_object *o = atomics_json_load(path, err, sizeof(err));

	if (!o) {
		fprintf(stderr, "vigil atomics summary: %s\n", err);
		*rc = errno == EINVAL || errno == EFBIG ? EX_DATAERR
		      : errno == ENOMEM			? EX_OSERR
							: EX_NOINPUT;
		return NULL;
	}
	if (atomics_results_check(o, err, sizeof(err)) != 0) {
		fprintf(stderr, "vigil atomics summary: %s: %s\n", path, err);
		json_object_put(o);
		*rc = EX_DATAERR;
		return NULL;
	}
	return o;
}

/* `vigil atomics summary`: see usage(). */
int cmd_atomics_summary(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"compare", required_argument, NULL, 'c'},
	    {"markdown", no_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *base_path = NULL;
	struct json_object *res, *base = NULL;
	bool md = false;
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:mh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			base_path = optarg;
			break;
		case 'm':
			md = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EX_USAGE;
	}
	res = load(argv[optind], &rc);
	if (!res)
		return rc;
	if (base_path) {
		base = load(base_path, &rc);
		if (!base) {
			json_object_put(res);
			return rc;
		}
	}
	switch (atomics_summary(stdout, res, base, md)) {
	case 0:
		break;
	case -ENOMEM:
		fprintf(stderr, "vigil atomics summary: out of memory\n");
		rc = EX_OSERR;
		break;
	case -EIO:
		fprintf(stderr, "vigil atomics summary: stdout: %s\n", strerror(errno));
		rc = EX_IOERR;
		break;
	default:
		rc = EX_SOFTWARE; /* both files were checked above */
	}
	json_object_put(res);
	json_object_put(base);
	return rc;
}
