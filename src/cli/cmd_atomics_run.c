/*
 * cmd_atomics_run.c — `vigil atomics run DIR`: runs the runnable Linux tests
 * of an Atomic Red Team checkout, each in its own throwaway sandbox
 * (src/coverage/sandbox.c), one at a time, and writes the MANIFEST of what
 * ran; with --sensor-output, then waits (15 s at most) until the live
 * sensor's JSONL output holds the end marker's ProcessCreate, so every
 * event the tests caused is in the file for scoring.
 *
 * Also the hidden `vigil atomics run --sandbox-root`, the root process of a
 * sandbox (exec'd by the sandbox with its marker as argv[0]; refuses to run
 * anywhere else).
 *
 * With --sensor-output the run is then scored (src/coverage/atomics_score.c):
 * the sensor's events are attributed to each test by process lineage and
 * judged against the technique's ATT&CK data components and, with --sigma,
 * Sigma rules. -o writes that RESULTS file (it feeds `vigil atomics
 * summary` and `vigil coverage --verified`), and the per-test lines and the
 * summary go to standard output. Output files are created fresh and never
 * overwritten, so an existing -o or --manifest is refused before anything
 * runs.
 *
 * Exit status: 0 once the selected tests were run (whatever each did); 64
 * bad usage; 65 a bad YAML file (the others still run); 66 DIR or a named
 * technique missing, or --sensor-output missing; 69 no sandbox here (no
 * namespaces or overlayfs, or no test's sandbox could be built), or the end
 * marker never reached the sensor's output; 73 the manifest could not be written; 77 not root.
 */
#include "cli/commands.h"
#include "cli/opts.h"
#include "coverage/atomics_run.h"
#include "coverage/atomics_score.h"
#include "coverage/atomics_summary.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define MAX_ONLY 1024

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil atomics run DIR [--sensor-output EVENTS.jsonl] [--only T[,T...]]...\n"
		"                         [-o RESULTS.json] [--manifest FILE] [--sigma RULES]\n"
		"                         [--timeout SECONDS]\n"
		"\n"
		"Runs each runnable Linux test of an Atomic Red Team checkout in a throwaway\n"
		"sandbox (namespaces, an overlay whose writes vanish, no network but lo),\n"
		"one at a time, as root. --only takes techniques (T1003.008) or single tests\n"
		"(T1003.008-1). --timeout caps each phase (default %d s). With\n"
		"--sensor-output, waits until a live sensor recorded the run's end marker,\n"
		"then scores what it saw (and with --sigma, what Sigma alerted on): -o\n"
		"writes the RESULTS, standard output gets a line per test and a summary.\n"
		"See vigil(8).\n",
		SANDBOX_DEFAULT_TIMEOUT);
}

/* Splits arg at commas into v[]. */
static int add_list(char *arg, const char **v, size_t *n)
{
	char *save = NULL;

	for (char *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_ONLY)
			return -E2BIG;
		v[(*n)++] = tok;
	}
	return 0;
}

/* The distinct techniques of only[] (T of T-N) into tech[]. */
static size_t techniques(const char *const *only, size_t n, char (*tech)[16])
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = strcspn(only[i], "-");
		bool dup = false;

		for (size_t j = 0; j < k; j++)
			dup |= strlen(tech[j]) == l && strncmp(tech[j], only[i], l) == 0;
		if (dup)
			continue;
		snprintf(tech[k], 16, "%.*s", (int)l, only[i]);
		k++;
	}
	return k;
}

/* True when some test needed a sandbox and none could be built. */
static bool no_sandbox(struct json_object *manifest)
{
	struct json_object *tests, *v;
	size_t failed = 0, started = 0;

	if (!json_object_object_get_ex(manifest, "tests", &tests))
		return false;
	for (size_t i = 0; i < json_object_array_length(tests); i++) {
		struct json_object *t = json_object_array_get_idx(tests, i);
		const char *why;

		if (json_object_object_get_ex(t, "phases", &v) && json_object_array_length(v))
			started++;
		else if (json_object_object_get_ex(t, "skip_reason", &v) &&
			 (why = json_object_get_string(v)) && strncmp(why, "sandbox:", 8) == 0)
			failed++;
	}
	return failed && !started;
}

/* Scores the run against the sensor's output, writes RESULTS to out (when
 * given) and prints the per-test lines and the summary. Returns ex, or the
 * exit status of what failed here when ex is 0. */
static int score(struct json_object *manifest, const char *sensor, const char *sigma,
		 const char *out, int ex)
{
	struct json_object *res = NULL;
	int rc;

	fflush(stdout);
	rc = atomics_score(manifest, sensor, sigma, &res, stderr);
	if (rc) {
		fprintf(stderr, "vigil atomics run: scoring failed: %s\n", strerror(-rc));
		return ex		? ex
		       : rc == -EINVAL	? EX_DATAERR
		       : rc == -ENODATA ? EX_UNAVAILABLE
		       : rc == -ENOMEM	? EX_OSERR
					: EX_NOINPUT;
	}
	if (out) {
		rc = atomics_write_json(out, res);
		if (rc) {
			fprintf(stderr, "vigil atomics run: %s: %s\n", out, strerror(-rc));
			ex = ex ? ex : EX_CANTCREAT;
		}
	}
	atomics_score_print(stdout, res);
	fputc('\n', stdout);
	if (atomics_summary(stdout, res, NULL, false) != 0 && !ex)
		ex = EX_IOERR;
	json_object_put(res);
	return ex;
}

int cmd_atomics_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sensor-output", required_argument, NULL, 's'},
	    {"only", required_argument, NULL, 'O'},
	    {"output", required_argument, NULL, 'o'},
	    {"manifest", required_argument, NULL, 'm'},
	    {"sigma", required_argument, NULL, 'S'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char *only[MAX_ONLY];
	static char tech[MAX_ONLY][16];
	const char *tech_p[MAX_ONLY];
	const char *sensor = NULL, *out = NULL, *manifest_path = NULL, *sigma = NULL;
	struct atomics_run_opts ro = {.timeout_s = SANDBOX_DEFAULT_TIMEOUT, .progress = stderr};
	struct json_object *manifest = NULL;
	struct atomic_set s;
	char dir[PATH_MAX], runid[17], why[256];
	size_t nonly = 0, ntech, nsel = 0;
	bool *sel = NULL;
	off_t from = 0;
	int opt, rc, ex = 0;
	uint64_t v;

	if (argc == 2 && strcmp(argv[1], "--sandbox-root") == 0)
		return sandbox_root_main(program_invocation_name);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:O:o:m:S:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sensor = optarg;
			break;
		case 'O':
			if (add_list(optarg, only, &nonly) < 0) {
				fprintf(stderr, "vigil atomics run: at most %d --only entries\n",
					MAX_ONLY);
				return EX_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'm':
			manifest_path = optarg;
			break;
		case 'S':
			sigma = optarg;
			break;
		case 't':
			if (opts__uint(optarg, 1, 3600, &v) < 0) {
				fprintf(stderr,
					"vigil atomics run: --timeout takes 1-3600 seconds\n");
				return EX_USAGE;
			}
			ro.timeout_s = (unsigned)v;
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
	for (size_t i = 0; i < nonly; i++)
		if (!atomics_only_ok(only[i])) {
			fprintf(stderr,
				"vigil atomics run: --only %s: not TNNNN[.NNN] or TNNNN[.NNN]-N\n",
				only[i]);
			return EX_USAGE;
		}
	if ((out || sigma) && !sensor) {
		fprintf(stderr, "vigil atomics run: -o and --sigma score the run, which needs "
				"--sensor-output\n");
		return EX_USAGE;
	}
	/* Refused now, not after minutes of tests. */
	for (int k = 0; k < 2; k++) {
		const char *p = k ? out : manifest_path;
		struct stat st;

		if (p && lstat(p, &st) == 0) {
			fprintf(stderr,
				"vigil atomics run: %s: exists; output files are never "
				"overwritten\n",
				p);
			return EX_CANTCREAT;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "vigil atomics run: needs root (the sandbox uses namespaces and "
				"mounts)\n");
		return EX_NOPERM;
	}
	if (!realpath(argv[optind], dir)) {
		fprintf(stderr, "%s: %s\n", argv[optind], strerror(errno));
		return EX_NOINPUT;
	}
	if (sensor) {
		struct stat st;

		if (stat(sensor, &st) != 0) {
			fprintf(stderr, "vigil atomics run: %s: %s\n", sensor, strerror(errno));
			return EX_NOINPUT;
		}
		from = st.st_size;
	}
	if (sandbox_supported(why, sizeof(why)) != 0) {
		fprintf(stderr, "vigil atomics run: no sandbox here, nothing run: %s\n", why);
		return EX_UNAVAILABLE;
	}
	ntech = techniques(only, nonly, tech);
	for (size_t i = 0; i < ntech; i++)
		tech_p[i] = tech[i];
	atomics_init(&s);
	rc = atomics_load_dir(&s, dir, tech_p, ntech, stderr);
	if (rc) {
		atomics_free(&s);
		if (rc == -ENOMEM) {
			fprintf(stderr, "vigil atomics run: out of memory\n");
			return EX_OSERR;
		}
		return rc == -EINVAL ? EX_USAGE : EX_NOINPUT;
	}
	/* The atomics folder the tests' PathToAtomicsFolder means. */
	{
		char adir[PATH_MAX + 16];
		struct stat st;

		snprintf(adir, sizeof(adir), "%s/atomics", dir);
		if (stat(adir, &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(dir, sizeof(dir), "%.*s", (int)sizeof(dir) - 1, adir);
	}
	ro.atomics_dir = dir;
	sel = calloc(s.n ? s.n : 1, sizeof(*sel));
	if (!sel || atomics_new_runid(runid) != 0) {
		fprintf(stderr, "vigil atomics run: out of memory or randomness\n");
		free(sel);
		atomics_free(&s);
		return EX_OSERR;
	}
	for (size_t i = 0; i < s.n; i++)
		nsel += sel[i] = atomics_selected(&s.tests[i], only, nonly);
	if (nonly && !nsel) {
		fprintf(stderr, "vigil atomics run: --only matches no Linux test\n");
		ex = EX_USAGE;
		goto out;
	}
	/* A sandbox that dies before reading its go byte must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "vigil atomics run: run %s, %zu tests, timeout %u s per phase\n", runid,
		nsel, ro.timeout_s);
	rc = atomics_run(&s, sel, &ro, runid, &manifest);
	if (rc)
		fprintf(stderr, "vigil atomics run: stopped: %s\n", strerror(-rc));
	if (manifest && no_sandbox(manifest)) {
		fprintf(stderr, "vigil atomics run: no sandbox could be built here, nothing ran "
				"(see the skip reasons)\n");
		ex = EX_UNAVAILABLE;
	}
	if (manifest && sensor) {
		int e = atomics_wait_end(runid, sensor, from, ATOMICS_END_WAIT_MS);

		json_object_object_add(manifest, "sensor_output", json_object_new_string(sensor));
		json_object_object_add(manifest, "end_marker_seen",
				       json_object_new_boolean(e == 0));
		if (e) {
			fprintf(stderr,
				"vigil atomics run: the end marker vigil-atomic:%s:end never "
				"appeared in %s within %d s: %s (is the sensor running?)\n",
				runid, sensor, ATOMICS_END_WAIT_MS / 1000,
				e == -ETIMEDOUT ? "timed out" : strerror(-e));
			ex = EX_UNAVAILABLE;
		}
	}
	if (manifest && manifest_path) {
		int e = atomics_write_json(manifest_path, manifest);

		if (e) {
			fprintf(stderr, "vigil atomics run: %s: %s\n", manifest_path, strerror(-e));
			ex = EX_CANTCREAT;
		}
	}
	if (manifest && sensor)
		ex = score(manifest, sensor, sigma, out, ex);
	if (!ex && rc)
		ex = EX_OSERR;
	if (!ex && s.bad_files)
		ex = EX_DATAERR;
out:
	json_object_put(manifest);
	free(sel);
	atomics_free(&s);
	return ex;
}
