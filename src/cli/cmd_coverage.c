/*
 * cmd_coverage.c — `vigil coverage`: which ATT&CK techniques a Sysmon XML
 * configuration lets vigil see, scored per technique from the data components
 * its logged event types provide (see src/coverage/coverage.h).
 *
 * The ATT&CK data and vigil's event mapping are read at run time from the
 * data directory, found by datadir__find() (--data DIR, $VIGIL_DATADIR,
 * ../share/vigil beside the binary, the build tree's data/, /usr/share/vigil).
 */
#include "cli/commands.h"
#include "common/datadir.h"
#include "coverage/coverage.h"
#include "rules/rules.h"
#include "sensor/loader.h"
#include "sensor/progs.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <unistd.h>

/* --verified files combined in one report (simulate and atomics results of
 * several runs); a bound so the option list stays a fixed array. */
#define COV_VERIFIED_FILES 16

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil coverage [--config FILE] [--attack v18|v17|union]\n"
		   "                      [--format table|json|navigator|html] [-o OUT]\n"
		   "                      [--verified RESULTS.json]... [--data DIR] [--kernel]\n"
		   "       vigil coverage --compare A.xml B.xml [--format table|json] [-o OUT]\n"
		   "\n"
		   "Scores each Linux ATT&CK technique: covered / applicable data components,\n"
		   "with DeTT&CT visibility levels 0-4. Without --config, Sysmon's builtin\n"
		   "defaults (ProcessCreate and ProcessTerminate only). --verified marks each\n"
		   "technique verified/partial/failed/theoretical, with the tests behind it,\n"
		   "from `vigil simulate -o` or `vigil atomics` RESULTS files (repeatable).\n"
		   "--kernel (root) probes this kernel as `vigil check` does: events it\n"
		   "cannot deliver count as not collected, degraded ones as partial.\n"
		   "Data directory: --data, else $VIGIL_DATADIR, else ../share/vigil beside\n"
		   "the binary, else the build tree's data/, else /usr/share/vigil.\n");
}

/* Marks in c what the running kernel cannot deliver (`vigil check`'s
 * answer). Returns 0 or an exit code. */
static int apply_kernel(struct cov_collect *c)
{
	struct event_avail *av = calloc(1, sizeof(*av));
	struct utsname u;
	int err;

	if (av == NULL)
		return EX_OSERR;
	err = bpf_sensor__probe_avail(av, 0);
	if (err != 0) {
		fprintf(stderr, "vigil coverage: cannot probe this kernel: %s\n", strerror(-err));
		free(av);
		return EX_UNAVAILABLE;
	}
	snprintf(c->kernel, sizeof(c->kernel), "%s", uname(&u) == 0 ? u.release : "-");
	for (unsigned id = 0; id < VIGIL_EVENT_ID_MAX; id++)
		if (av->state[id] != AVAIL_YES)
			snprintf(c->ev[id].kernel, sizeof(c->ev[id].kernel), "%s: %s",
				 progs__avail_name((enum avail_state)av->state[id]), av->why[id]);
	free(av);
	return 0;
}

/* Loads a config (NULL = builtin) into c. Returns 0 or an exit code. */
static int load_collect(const char *path, struct cov_collect *c)
{
	struct rules_error err;
	struct ruleset *rs;

	memset(&err, 0, sizeof(err));
	rs = path ? ruleset__load_file(path, &err) : ruleset__builtin();
	if (!rs) {
		if (path && err.line)
			fprintf(stderr, "vigil coverage: %s:%d: %s\n",
				err.file[0] ? err.file : path, err.line, err.msg);
		else
			fprintf(stderr, "vigil coverage: %s: %s\n", path ? path : "(builtin)",
				err.msg[0] ? err.msg : strerror(errno));
		return EX_CONFIG;
	}
	cov_collect__from_ruleset(c, rs, path ? path : "(builtin)");
	ruleset__free(rs);
	return 0;
}

static int write_out(const char *out, struct strbuf *sb)
{
	FILE *f = out && strcmp(out, "-") != 0 ? fopen(out, "we") : stdout;

	if (!f) {
		fprintf(stderr, "vigil coverage: %s: %s\n", out, strerror(errno));
		return EX_CANTCREAT;
	}
	if (fwrite(sb->buf ? sb->buf : "", 1, sb->len, f) != sb->len || fflush(f) != 0) {
		fprintf(stderr, "vigil coverage: %s: %s\n", out ? out : "stdout", strerror(errno));
		if (f != stdout)
			fclose(f);
		return EX_IOERR;
	}
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "vigil coverage: %s: %s\n", out, strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

/* `vigil coverage`: see usage(). */
int cmd_coverage(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},	{"attack", required_argument, NULL, 'a'},
	    {"format", required_argument, NULL, 'f'},	{"output", required_argument, NULL, 'o'},
	    {"data", required_argument, NULL, 'd'},	{"compare", no_argument, NULL, 'C'},
	    {"verified", required_argument, NULL, 'v'}, {"kernel", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *out = NULL, *verified[COV_VERIFIED_FILES];
	size_t nverified = 0;
	const char *dir = NULL;
	char dirbuf[4096];
	enum cov_model model = COV_MODEL_V18;
	enum cov_format fmt = COV_FMT_TABLE;
	bool compare = false, kernel = false;
	struct cov_collect *a = NULL, *b = NULL;
	struct cov_verified *ver = NULL;
	struct cov_data *d = NULL;
	struct strbuf sb;
	char err[1024];
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:a:f:o:d:v:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "v18") == 0)
				model = COV_MODEL_V18;
			else if (strcmp(optarg, "v17") == 0)
				model = COV_MODEL_V17;
			else if (strcmp(optarg, "union") == 0)
				model = COV_MODEL_UNION;
			else {
				fprintf(stderr,
					"vigil coverage: --attack must be v18, v17 or union\n");
				return EX_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "table") == 0)
				fmt = COV_FMT_TABLE;
			else if (strcmp(optarg, "json") == 0)
				fmt = COV_FMT_JSON;
			else if (strcmp(optarg, "navigator") == 0)
				fmt = COV_FMT_NAVIGATOR;
			else if (strcmp(optarg, "html") == 0)
				fmt = COV_FMT_HTML;
			else {
				fprintf(stderr, "vigil coverage: --format must be table, json, "
						"navigator or html\n");
				return EX_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'C':
			compare = true;
			break;
		case 'v':
			if (nverified == COV_VERIFIED_FILES) {
				fprintf(stderr, "vigil coverage: at most %d --verified files\n",
					COV_VERIFIED_FILES);
				return EX_USAGE;
			}
			verified[nverified++] = optarg;
			break;
		case 'k':
			kernel = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (compare && (argc - optind != 2 || config || nverified ||
			(fmt != COV_FMT_TABLE && fmt != COV_FMT_JSON))) {
		fprintf(stderr, "vigil coverage: --compare takes two config files and "
				"--format table or json\n");
		return EX_USAGE;
	}
	if (!compare && optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (kernel && geteuid() != 0) {
		fprintf(stderr,
			"vigil coverage: --kernel must run as root (it loads BPF programs)\n");
		return EX_NOPERM;
	}
	datadir__find(dir, dirbuf, sizeof(dirbuf)); /* a miss is reported by the load */
	dir = dirbuf;
	d = cov_data__load(dir, model, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "vigil coverage: %s\n", err);
		return errno == ENOENT ? EX_NOINPUT : EX_DATAERR;
	}
	strbuf__init(&sb, 64u << 20);
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (!a || !b) {
		rc = EX_OSERR;
		goto out;
	}
	if (nverified) {
		ver = cov_verified__new();
		if (!ver) {
			rc = EX_OSERR;
			goto out;
		}
	}
	for (size_t i = 0; i < nverified; i++) {
		int e = cov_verified__add_file(ver, verified[i], err, sizeof(err));

		if (e) {
			fprintf(stderr, "vigil coverage: %s\n", err);
			rc = e == -EINVAL || e == -EFBIG ? EX_DATAERR
			     : e == -ENOMEM		 ? EX_OSERR
							 : EX_NOINPUT;
			goto out;
		}
	}
	if (compare) {
		rc = load_collect(argv[optind], a);
		if (!rc)
			rc = load_collect(argv[optind + 1], b);
		if (rc)
			goto out;
		if (cov_report_compare(d, a, b, fmt, &sb)) {
			rc = EX_SOFTWARE;
			goto out;
		}
	} else {
		rc = load_collect(config, a);
		if (!rc && kernel)
			rc = apply_kernel(a);
		if (rc)
			goto out;
		if (cov_report(d, a, ver, fmt, &sb)) {
			fprintf(stderr, "vigil coverage: report too large\n");
			rc = EX_SOFTWARE;
			goto out;
		}
	}
	rc = write_out(out, &sb);
out:
	strbuf__free(&sb);
	free(a);
	free(b);
	cov_verified__free(ver);
	cov_data__free(d);
	return rc;
}
