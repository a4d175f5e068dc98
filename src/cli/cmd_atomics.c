/*
 * cmd_atomics.c — `vigil atomics`, the Atomic Red Team commands: list here;
 * run (cmd_atomics_run.c), score (cmd_atomics_score.c) and summary
 * (cmd_atomics_summary.c) in their own files.
 *
 * `vigil atomics list DIR`: the Linux tests of an Atomic Red Team checkout
 * (src/coverage/atomics.c), each with its arguments' defaults and whether
 * vigil may run it here, and why not.
 *
 * Exit status: 0; 65 (EX_DATAERR) when any YAML file was bad (each named on
 * stderr as FILE:LINE, the others still listed); 66 (EX_NOINPUT) when DIR or
 * a named technique does not exist; 64 for bad usage.
 */
#include "cli/commands.h"
#include "common/json.h"
#include "common/strbuf.h"
#include "coverage/atomics.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define MAX_TECH 1024

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil atomics list DIR [--technique T[,T...]]... [--json]\n"
		"       vigil atomics run DIR --sensor-output EVENTS.jsonl [-o RESULTS.json]\n"
		"                         [--sigma RULES] [--only T[-N],...] [--timeout S]\n"
		"       vigil atomics score MANIFEST --sensor-output EVENTS.jsonl [--sigma RULES]\n"
		"                         [-o RESULTS.json]\n"
		"       vigil atomics summary RESULTS.json [--compare BASELINE.json] [--markdown]\n"
		"\n"
		"list: the Linux tests of an Atomic Red Team checkout (DIR is its root or\n"
		"its atomics/ folder): technique, test number, executor, whether vigil\n"
		"can run it here (and why not), name and input argument defaults.\n"
		"--json gives one JSON object per test per line.\n"
		"run: each runnable test in a throwaway sandbox under the live sensor,\n"
		"then scored. score: a run's MANIFEST against the sensor's events.\n"
		"summary: a RESULTS file as a table for a ticket, or two compared.\n"
		"See vigil(8).\n");
}

/* s for a one-line table: control characters shown as '?'. */
static void put_clean(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_table(const struct atomic_set *s)
{
	printf("%-11s %3s  %-10s %-8s %s\n", "TECHNIQUE", "#", "EXECUTOR", "RUNNABLE", "NAME");
	for (size_t i = 0; i < s->n; i++) {
		const struct atomic_test *t = &s->tests[i];

		char exec[64];
		size_t k;

		/* The executor is the file's text: cleaned like the name. */
		for (k = 0; t->executor[k] && k < sizeof(exec) - 1; k++)
			exec[k] = (unsigned char)t->executor[k] < 0x20 || t->executor[k] == 0x7f
				      ? '?'
				      : t->executor[k];
		exec[k] = '\0';
		printf("%-11s %3d  %-10s %-8s ", t->technique, t->number, exec,
		       t->reason == ATOMIC_RUNNABLE ? "yes" : "no");
		put_clean(t->name);
		putchar('\n');
		if (t->reason != ATOMIC_RUNNABLE) {
			printf("    cannot run: ");
			put_clean(t->why);
			putchar('\n');
		}
		for (size_t a = 0; a < t->nargs; a++) {
			printf("    %s ", a ? "    " : "args");
			put_clean(t->args[a].name);
			putchar('=');
			put_clean(t->args[a].def);
			putchar('\n');
		}
	}
}

static void print_json(const struct atomic_set *s)
{
	struct strbuf sb;

	strbuf__init(&sb, 16u << 20);
	for (size_t i = 0; i < s->n; i++) {
		const struct atomic_test *t = &s->tests[i];

		strbuf__clear(&sb);
		strbuf__adds(&sb, "{\"technique\":");
		json__add_str(&sb, t->technique, strlen(t->technique));
		strbuf__addf(&sb, ",\"number\":%d,\"name\":", t->number);
		json__add_str(&sb, t->name, strlen(t->name));
		strbuf__adds(&sb, ",\"guid\":");
		json__add_str(&sb, t->guid, strlen(t->guid));
		strbuf__adds(&sb, ",\"executor\":");
		json__add_str(&sb, t->executor, strlen(t->executor));
		strbuf__addf(&sb, ",\"elevation_required\":%s,\"input_arguments\":{",
			     t->elevation_required ? "true" : "false");
		for (size_t a = 0; a < t->nargs; a++) {
			if (a)
				strbuf__addc(&sb, ',');
			json__add_str(&sb, t->args[a].name, strlen(t->args[a].name));
			strbuf__addc(&sb, ':');
			json__add_str(&sb, t->args[a].def, strlen(t->args[a].def));
		}
		strbuf__addf(&sb, "},\"runnable\":%s,\"reason\":",
			     t->reason == ATOMIC_RUNNABLE ? "true" : "false");
		if (t->reason == ATOMIC_RUNNABLE)
			strbuf__adds(&sb, "null");
		else
			json__add_str(&sb, t->why, strlen(t->why));
		strbuf__adds(&sb, "}\n");
		fwrite(sb.buf, 1, sb.len, stdout);
	}
	strbuf__free(&sb);
}

/* Splits a --technique argument at commas into tech[]. */
static int add_techniques(char *arg, const char **tech, size_t *n)
{
	char *save = NULL;

	for (char *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_TECH)
			return -E2BIG;
		tech[(*n)++] = tok;
	}
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"technique", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char *tech[MAX_TECH];
	struct atomic_set s;
	size_t ntech = 0;
	bool json = false;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (add_techniques(optarg, tech, &ntech) < 0) {
				fprintf(stderr, "vigil atomics list: at most %d techniques\n",
					MAX_TECH);
				return EX_USAGE;
			}
			break;
		case 'j':
			json = true;
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
	atomics_init(&s);
	fflush(stdout);
	rc = atomics_load_dir(&s, argv[optind], tech, ntech, stderr);
	if (rc) {
		atomics_free(&s);
		if (rc == -ENOMEM) {
			fprintf(stderr, "vigil atomics list: out of memory\n");
			return EX_OSERR;
		}
		return rc == -EINVAL ? EX_USAGE : EX_NOINPUT;
	}
	if (json)
		print_json(&s);
	else
		print_table(&s);
	/* The summary goes to stderr under --json so stdout stays JSON lines. */
	fprintf(json ? stderr : stdout,
		"%zu tests, %zu runnable, %zu cannot run (%zu manual, %zu executor, %zu policy, "
		"%zu download); %zu tests for other platforms not listed; %zu files, %zu bad\n",
		s.n, s.by_reason[ATOMIC_RUNNABLE], s.n - s.by_reason[ATOMIC_RUNNABLE],
		s.by_reason[ATOMIC_MANUAL], s.by_reason[ATOMIC_EXECUTOR],
		s.by_reason[ATOMIC_POLICY], s.by_reason[ATOMIC_DOWNLOAD], s.other_platform, s.files,
		s.bad_files);
	rc = s.bad_files ? EX_DATAERR : 0;
	atomics_free(&s);
	return rc;
}

/* `vigil atomics`: see usage(). */
int cmd_atomics(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "summary") == 0)
		return cmd_atomics_summary(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "score") == 0)
		return cmd_atomics_score(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_atomics_run(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EX_USAGE;
}
