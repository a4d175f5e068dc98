/*
 * commands.h — the subcommands of the one `vigil` binary.
 *
 * Each takes argc/argv with argv[0] the subcommand name and returns a
 * sysexits(3) code. Each lives in its own src/cli/cmd_*.c file.
 */
#ifndef VIGIL_COMMANDS_H
#define VIGIL_COMMANDS_H

#include <stdbool.h>

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
int cmd_sigma(int argc, char **argv);
int cmd_coverage(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_atomics(int argc, char **argv);
int cmd_atomics_summary(int argc, char **argv);
int cmd_atomics_score(int argc, char **argv);
int cmd_atomics_run(int argc, char **argv);
int cmd_kernel_check(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_detect(int argc, char **argv);

/* cmd_sigma.c: sigma__compile's report callback as `vigil sigma` prints it
 * (FILE:LINE: unsupported/error: ...), shared by `vigil detect`. ctx is a
 * struct sigma_cli_counts; quiet_loaded prints only problems, to stderr. */
struct sigma_report;
struct sigma_cli_counts {
	unsigned n[4];
	bool quiet_loaded;
};
void sigma_cli__report(const struct sigma_report *r, void *ctx);

/* cmd_run.c: false (after a one-line error) when path could have been
 * written by someone other than root; with override, true after a warning.
 * `vigil run` and `vigil validate` apply it alike. */
bool config_perms_ok(const char *path, bool override);

#endif
