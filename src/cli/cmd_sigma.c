/*
 * cmd_sigma.c — `vigil sigma`: check Sigma rules, or replay recorded events
 * (JSON lines as the jsonl sink writes them) through them offline.
 *
 *   vigil sigma check [--placeholders FILE] PATH...
 *   vigil sigma scan --rules PATH [--rules PATH...] [--placeholders FILE]
 *                    [-o FILE] EVENTS.jsonl|-
 *
 * check prints one line per rule and a summary, and exits EX_DATAERR when any
 * rule failed to load (unsupported or invalid); "no source" is not a
 * failure. scan writes one DetectionAlert (242) JSON line per match.
 */
#include "cli/commands.h"
#include "common/json.h"
#include "common/record_json.h"
#include "detect/sigma.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define MAX_LINE (4u << 20)

static void usage_check(FILE *f)
{
	fprintf(f, "usage: vigil sigma check [--placeholders FILE] PATH...\n"
		   "\nLoads Sigma rules (files, or directories searched for *.yml/*.yaml) and\n"
		   "prints per rule 'FILE: loaded', 'FILE:LINE: unsupported: CONSTRUCT',\n"
		   "'FILE:LINE: error: REASON' or 'FILE: no source (WHY)', then a summary.\n"
		   "Exits 0 when every rule loaded or has no source, 65 otherwise.\n"
		   "\n  --placeholders FILE  values for the 'expand' modifier (YAML map\n"
		   "                       of name: [values])\n");
}

static void usage_scan(FILE *f)
{
	fprintf(f,
		"usage: vigil sigma scan --rules PATH [--rules PATH...] [--placeholders FILE]\n"
		"                        [-o FILE] EVENTS.jsonl|-\n"
		"\nReplays recorded events (JSON lines as the jsonl output writes them) through\n"
		"the rules and writes one DetectionAlert (EventID 242) JSON line per match to\n"
		"stdout or FILE. Rules that do not load are reported on stderr and skipped;\n"
		"lines that are not events are reported as FILE:LINE and skipped (exit 65).\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil sigma check|scan ...\n"
		   "  check   load Sigma rules and report what vigil can match\n"
		   "  scan    replay recorded events through Sigma rules offline\n"
		   "'vigil sigma check --help' and 'vigil sigma scan --help' describe each.\n");
}

void sigma_cli__report(const struct sigma_report *r, void *ctx)
{
	struct sigma_cli_counts *c = ctx;
	FILE *f = c->quiet_loaded ? stderr : stdout;

	c->n[r->status]++;
	switch (r->status) {
	case SIGMA_LOADED:
		if (!c->quiet_loaded)
			fprintf(f, "%s: loaded\n", r->file);
		break;
	case SIGMA_NO_SOURCE:
		if (!c->quiet_loaded)
			fprintf(f, "%s: no source (%s)\n", r->file, r->msg);
		break;
	case SIGMA_UNSUPPORTED:
		fprintf(f, "%s:%d: unsupported: %s\n", r->file, r->line, r->msg);
		break;
	case SIGMA_ERROR:
		if (r->line > 0)
			fprintf(f, "%s:%d: error: %s\n", r->file, r->line, r->msg);
		else
			fprintf(f, "%s: error: %s\n", r->file, r->msg);
		break;
	}
}

static int want_arg(int argc, char **argv, int i, const char *opt)
{
	if (i + 1 >= argc) {
		fprintf(stderr, "vigil sigma: %s needs an argument\n", opt);
		return -1;
	}
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct sigma_engine *e = sigma__new();
	struct sigma_cli_counts c = {0};
	int npaths = 0, rc;
	char err[512];

	if (e == NULL) {
		perror("vigil sigma");
		return EX_OSERR;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_check(stdout);
			sigma__free(e);
			return 0;
		}
		if (strcmp(argv[i], "--placeholders") == 0) {
			if (want_arg(argc, argv, i, argv[i]) ||
			    sigma__load_placeholders(e, argv[i + 1], err, sizeof(err))) {
				if (i + 1 < argc)
					fprintf(stderr, "vigil sigma: %s\n", err);
				sigma__free(e);
				return i + 1 < argc ? EX_CONFIG : EX_USAGE;
			}
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "vigil sigma check: unknown option '%s'\n", argv[i]);
			usage_check(stderr);
			sigma__free(e);
			return EX_USAGE;
		}
		if (sigma__add_path(e, argv[i]) == -ENOMEM) {
			fprintf(stderr, "vigil sigma: out of memory\n");
			sigma__free(e);
			return EX_OSERR;
		}
		npaths++;
	}
	if (npaths == 0) {
		usage_check(stderr);
		sigma__free(e);
		return EX_USAGE;
	}
	rc = sigma__compile(e, sigma_cli__report, &c);
	if (rc < 0) {
		fprintf(stderr, "vigil sigma: cannot build the matcher: %s\n", strerror(-rc));
		sigma__free(e);
		return EX_SOFTWARE;
	}
	printf("%u rules: %u loaded, %u unsupported, %u errors, %u no source\n",
	       c.n[0] + c.n[1] + c.n[2] + c.n[3], c.n[SIGMA_LOADED], c.n[SIGMA_UNSUPPORTED],
	       c.n[SIGMA_ERROR], c.n[SIGMA_NO_SOURCE]);
	sigma__free(e);
	return rc > 0 ? EX_DATAERR : 0;
}

struct scan_ctx {
	FILE *out;
	struct strbuf sb;
	struct vrec *alert;
	unsigned long long alerts;
	bool write_error;
};

static int on_alert(const struct sigma_rule_info *rule, const struct vrec *rec, void *ctx)
{
	struct scan_ctx *s = ctx;

	sigma__alert(rule, rec, s->alert);
	strbuf__clear(&s->sb);
	json__add_record(&s->sb, s->alert);
	strbuf__addc(&s->sb, '\n');
	if (fwrite(s->sb.buf, 1, s->sb.len, s->out) != s->sb.len)
		s->write_error = true;
	s->alerts++;
	return 0;
}

static int cmd_scan(int argc, char **argv)
{
	struct sigma_engine *e = sigma__new();
	struct sigma_cli_counts c = {.quiet_loaded = true};
	struct scan_ctx s = {0};
	const char *events = NULL, *outpath = NULL;
	struct vrec *rec = NULL;
	int nrules = 0, rc, ret = 0;
	FILE *in = NULL;
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t n;
	unsigned long long lineno = 0, nevents = 0, bad = 0;

	if (e == NULL) {
		perror("vigil sigma");
		return EX_OSERR;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_scan(stdout);
			goto out;
		} else if (strcmp(argv[i], "--rules") == 0 || strcmp(argv[i], "-r") == 0) {
			if (want_arg(argc, argv, i, argv[i])) {
				ret = EX_USAGE;
				goto out;
			}
			if (sigma__add_path(e, argv[++i]) == -ENOMEM) {
				ret = EX_OSERR;
				goto out;
			}
			nrules++;
		} else if (strcmp(argv[i], "--placeholders") == 0) {
			if (want_arg(argc, argv, i, argv[i])) {
				ret = EX_USAGE;
				goto out;
			}
			if (sigma__load_placeholders(e, argv[++i], err, sizeof(err))) {
				fprintf(stderr, "vigil sigma: %s\n", err);
				ret = EX_CONFIG;
				goto out;
			}
		} else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
			if (want_arg(argc, argv, i, argv[i])) {
				ret = EX_USAGE;
				goto out;
			}
			outpath = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "vigil sigma scan: unknown option '%s'\n", argv[i]);
			usage_scan(stderr);
			ret = EX_USAGE;
			goto out;
		} else if (events == NULL) {
			events = argv[i];
		} else {
			fprintf(stderr, "vigil sigma scan: one events file only\n");
			ret = EX_USAGE;
			goto out;
		}
	}
	if (nrules == 0 || events == NULL) {
		usage_scan(stderr);
		ret = EX_USAGE;
		goto out;
	}
	rc = sigma__compile(e, sigma_cli__report, &c);
	if (rc < 0) {
		fprintf(stderr, "vigil sigma: cannot build the matcher: %s\n", strerror(-rc));
		ret = EX_SOFTWARE;
		goto out;
	}
	if (sigma__rule_count(e) == 0)
		fprintf(stderr, "vigil sigma: warning: no rule loaded\n");
	in = strcmp(events, "-") == 0 ? stdin : fopen(events, "r");
	if (in == NULL) {
		fprintf(stderr, "vigil sigma: %s: %s\n", events, strerror(errno));
		ret = EX_NOINPUT;
		goto out;
	}
	s.out = outpath ? fopen(outpath, "w") : stdout;
	if (s.out == NULL) {
		fprintf(stderr, "vigil sigma: %s: %s\n", outpath, strerror(errno));
		ret = EX_CANTCREAT;
		goto out;
	}
	/* zeroed: a vrec is valid empty when all-zero */
	rec = calloc(1, sizeof(*rec));
	s.alert = calloc(1, sizeof(*s.alert));
	if (rec == NULL || s.alert == NULL) {
		ret = EX_OSERR;
		goto out;
	}
	strbuf__init(&s.sb, 0);
	while ((n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if ((size_t)n > MAX_LINE) {
			fprintf(stderr, "%s:%llu: line longer than %u bytes\n", events, lineno,
				MAX_LINE);
			bad++;
			continue;
		}
		if (record_json__parse(rec, line, (size_t)n, err, sizeof(err))) {
			fprintf(stderr, "%s:%llu: %s\n", events, lineno, err);
			bad++;
			continue;
		}
		nevents++;
		rc = sigma__match(e, rec, on_alert, &s);
		if (rc < 0) {
			fprintf(stderr, "vigil sigma: matching failed: %s\n", strerror(-rc));
			ret = EX_SOFTWARE;
			break;
		}
	}
	if (ferror(in)) {
		fprintf(stderr, "vigil sigma: %s: read error\n", events);
		ret = EX_IOERR;
	}
	if (fflush(s.out) != 0 || s.write_error) {
		fprintf(stderr, "vigil sigma: write error\n");
		ret = EX_IOERR;
	}
	fprintf(stderr, "vigil sigma: %llu events, %llu alerts, %llu bad lines, %zu rules\n",
		nevents, s.alerts, bad, sigma__rule_count(e));
	if (ret == 0 && bad)
		ret = EX_DATAERR;
out:
	if (s.out && s.out != stdout)
		fclose(s.out);
	if (in && in != stdin)
		fclose(in);
	free(line);
	free(rec);
	free(s.alert);
	strbuf__free(&s.sb);
	sigma__free(e);
	return ret;
}

int cmd_sigma(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "scan") == 0)
		return cmd_scan(argc - 1, argv + 1);
	fprintf(stderr, "vigil sigma: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return EX_USAGE;
}
