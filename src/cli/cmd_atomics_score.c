/*
 * cmd_atomics_score.c — `vigil atomics score MANIFEST.json --sensor-output
 * EVENTS.jsonl [--sigma RULES] [-o RESULTS.json]`: scores a run of Atomic
 * Red Team tests (the runner's MANIFEST) against the sensor's JSON lines
 * with src/coverage/atomics_score.c, and writes the RESULTS object.
 *
 * Without -o the RESULTS JSON goes to stdout; with -o it goes to a file
 * created fresh (0600, O_EXCL|O_NOFOLLOW: an existing file or a symlink is
 * refused, never overwritten) and stdout gets one line per test instead.
 *
 * Exit status: 0; 64 bad usage; 65 (EX_DATAERR) for a MANIFEST that is not
 * JSON or not a vigil atomics manifest; 66 (EX_NOINPUT) when a file cannot
 * be read; 69 when the ATT&CK data is missing; 70 when the Sigma matcher
 * cannot be built; 73 when -o cannot be created; 74 on a write error.
 */
#include "cli/commands.h"
#include "coverage/atomics_score.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#define MANIFEST_MAX (64u << 20)

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil atomics score MANIFEST.json --sensor-output EVENTS.jsonl\n"
		   "                           [--sigma RULES] [-o RESULTS.json]\n"
		   "\n"
		   "Scores a run of Atomic Red Team tests (the MANIFEST `vigil atomics run`\n"
		   "writes) against the sensor's JSON lines: the events of each test's process\n"
		   "tree, the ATT&CK data components they show, the Sigma alerts of RULES (a\n"
		   "file or a directory) and a verdict per test. Writes the RESULTS JSON to\n"
		   "stdout, or to a new file with -o and then one line per test. See vigil(8).\n");
}

/* Reads and parses path; on failure prints "path[:line]: why" and returns
 * NULL with *rc set. */
static struct json_object *read_manifest(const char *path, int *rc)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	char *buf = NULL;
	size_t len = 0, off;
	FILE *f = fopen(path, "re");
	int line = 1;

	*rc = 0;
	if (!f) {
		fprintf(stderr, "vigil atomics score: %s: %s\n", path, strerror(errno));
		*rc = EX_NOINPUT;
		return NULL;
	}
	buf = malloc(MANIFEST_MAX + 1);
	if (buf)
		len = fread(buf, 1, MANIFEST_MAX + 1, f);
	if (!buf || ferror(f) || len > MANIFEST_MAX) {
		fprintf(stderr, "vigil atomics score: %s: %s\n", path,
			!buf	    ? "out of memory"
			: ferror(f) ? "read error"
				    : "larger than 64 MiB");
		*rc = !buf ? EX_OSERR : ferror(f) ? EX_IOERR : EX_DATAERR;
		goto out;
	}
	tok = json_tokener_new();
	if (!tok) {
		*rc = EX_OSERR;
		goto out;
	}
	o = json_tokener_parse_ex(tok, buf, (int)len);
	off = json_tokener_get_parse_end(tok);
	if (o) {
		/* Nothing but white space may follow the object. */
		while (off < len && strchr(" \t\r\n", buf[off]))
			off++;
	}
	if (!o || off < len) {
		for (size_t i = 0; i < off && i < len; i++)
			line += buf[i] == '\n';
		fprintf(stderr, "vigil atomics score: %s:%d: not a JSON manifest: %s\n", path, line,
			!o ? json_tokener_error_desc(json_tokener_get_error(tok))
			   : "text after the object");
		json_object_put(o);
		o = NULL;
		*rc = EX_DATAERR;
	}
out:
	if (tok)
		json_tokener_free(tok);
	free(buf);
	fclose(f);
	return o;
}

int cmd_atomics_score(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sensor-output", required_argument, NULL, 's'},
	    {"sigma", required_argument, NULL, 'r'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *events = NULL, *sigma = NULL, *out = NULL, *text;
	struct json_object *manifest, *res = NULL;
	struct stat st;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:r:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			events = optarg;
			break;
		case 'r':
			sigma = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc - 1 || !events) {
		usage(stderr);
		return EX_USAGE;
	}
	manifest = read_manifest(argv[optind], &rc);
	if (!manifest)
		return rc;
	/* Refuse an existing -o (or a symlink there) before the work, not
	 * after it; the creation itself is O_EXCL|O_NOFOLLOW all the same. */
	if (out && lstat(out, &st) == 0) {
		fprintf(stderr, "vigil atomics score: %s exists: give a new file\n", out);
		json_object_put(manifest);
		return EX_CANTCREAT;
	}
	fflush(stdout);
	rc = atomics_score(manifest, events, sigma, &res, stderr);
	json_object_put(manifest);
	switch (rc) {
	case 0:
		break;
	case -EINVAL:
		return EX_DATAERR;
	case -ENOMEM:
		fprintf(stderr, "vigil atomics score: out of memory\n");
		return EX_OSERR;
	case -ENODATA:
		return EX_UNAVAILABLE;
	case -ESPIPE:
		return EX_USAGE;
	default:
		return rc == -ENOENT || rc == -EACCES || rc == -EISDIR ? EX_NOINPUT : EX_SOFTWARE;
	}
	text =
	    json_object_to_json_string_ext(res, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (out) {
		rc = atomics_write_json(out, res);
		if (rc == 0)
			atomics_score_print(stdout, res);
		else if (rc == -EIO)
			fprintf(stderr, "vigil atomics score: %s: write error\n", out);
		rc = rc == 0 ? 0 : rc == -EIO ? EX_IOERR : EX_CANTCREAT;
	} else {
		rc = puts(text) == EOF || fflush(stdout) != 0 ? EX_IOERR : 0;
	}
	json_object_put(res);
	return rc;
}
