/*
 * main.c — `vigil`: dispatch to a subcommand.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
    {"run", cmd_run, "run the sensor in the foreground"},
    {"check", cmd_kernel_check, "what this kernel lets vigil see (run this first)"},
    {"validate", cmd_validate, "check a Sysmon XML configuration"},
    {"status", cmd_status, "show the running sensor's counters"},
    {"rotate", cmd_rotate, "make the running sensor reopen its output files"},
    {"view", cmd_view, "show recorded events as readable lines"},
    {"hunt", cmd_hunt, "query the SQLite hunting store (or the fleet's, --fleet)"},
    {"serve", cmd_serve, "answer fleet hunts from a store, without the sensor"},
    {"fleet", cmd_fleet, "fleet keys: vigil fleet keygen --out PREFIX"},
    {"sigma", cmd_sigma, "check Sigma rules or scan recorded events"},
    {"detect", cmd_detect, "Sigma over a NATS JetStream stream, scaled out by host"},
    {"coverage", cmd_coverage, "ATT&CK coverage of a configuration"},
    {"simulate", cmd_simulate, "run safe ATT&CK simulations"},
    {"atomics", cmd_atomics, "list the Atomic Red Team tests vigil can run"},
    {"schema", cmd_schema, "validate OCSF or ECS events against the schema"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "  %-10s %s\n", "version", "print the version");
	fprintf(f, "\n'vigil <command> --help' describes each; man vigil(8).\n");
}

int main(int argc, char **argv)
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
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("vigil %s\n", VIGIL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vigil: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EX_USAGE;
}
