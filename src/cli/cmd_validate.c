/*
 * cmd_validate.c — `vigil validate FILE`: loads a Sysmon XML configuration
 * exactly as the sensor would (parse, check against the event catalogue,
 * compile the matchers) and says whether it is usable, like `ntpd -n`.
 *
 * Exit codes: 0 and "configuration OK" on stdout when valid; EX_CONFIG with
 * "FILE:LINE: message" on stderr when not, or when someone other than root
 * could have written it (as `vigil run` refuses it); EX_NOINPUT when the file cannot be
 * read; EX_USAGE for bad arguments. Warnings (Windows-only events and options)
 * go to stderr and do not fail validation.
 */
#include "cli/commands.h"

#include "common/log.h"
#include "rules/rules.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil validate [-v] [--insecure-config-perms] FILE\n"
		   "\n"
		   "Checks a Sysmon XML configuration (schema 3.x to 4.90) as the sensor\n"
		   "would load it. Prints \"configuration OK\" and exits 0 when it is valid;\n"
		   "otherwise prints FILE:LINE: message and exits 78 (EX_CONFIG).\n"
		   "Like the sensor, it refuses (78) a file that someone other than root\n"
		   "could have written.\n"
		   "\n"
		   "  -v       also print, per event type, how it is filtered\n"
		   "  --insecure-config-perms  check such a file anyway, with a warning\n"
		   "  --help   this text\n");
}

static const char *mode_name(enum rules_mode m)
{
	switch (m) {
	case RULES_MODE_ALL:
		return "all";
	case RULES_MODE_SOME:
		return "filtered";
	default:
		return "off";
	}
}

static void print_modes(const struct ruleset *rs)
{
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	for (size_t i = 0; i < n; i++) {
		struct rules_event_summary sum;

		if (!(evs[i]->flags & EVF_FILTER))
			continue;
		ruleset__event_summary(rs, evs[i]->id, &sum);
		printf("%-24s %-8s include=%zu exclude=%zu\n", evs[i]->name, mode_name(sum.mode),
		       sum.n_include, sum.n_exclude);
	}
}

int cmd_validate(int argc, char **argv)
{
	struct rules_error err;
	struct ruleset *rs;
	const char *path = NULL;
	bool verbose = false, insecure = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "--insecure-config-perms") == 0) {
			insecure = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "vigil validate: unknown option %s\n", argv[i]);
			usage(stderr);
			return EX_USAGE;
		} else if (path == NULL) {
			path = argv[i];
		} else {
			fprintf(stderr, "vigil validate: one file at a time\n");
			return EX_USAGE;
		}
	}
	if (path == NULL) {
		usage(stderr);
		return EX_USAGE;
	}
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "vigil validate: %s: %s\n", path, strerror(errno));
		return EX_NOINPUT;
	}
	if (!config_perms_ok(path, insecure))
		return EX_CONFIG;
	rs = ruleset__load_file(path, &err);
	if (rs == NULL) {
		if (err.line > 0)
			fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
		else
			fprintf(stderr, "%s: %s\n", err.file[0] ? err.file : path, err.msg);
		return (errno == ENOENT || errno == EACCES || errno == EISDIR) ? EX_NOINPUT
									       : EX_CONFIG;
	}
	if (verbose)
		print_modes(rs);
	printf("configuration OK\n");
	ruleset__free(rs);
	return 0;
}
