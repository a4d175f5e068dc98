/*
 * commands.h — the subcommands of the one `vigil` binary.
 *
 * Each takes argc/argv with argv[0] the subcommand name and returns a
 * sysexits(3) code. Each lives in its own src/cli/cmd_*.c file.
 */
#ifndef VIGIL_COMMANDS_H
#define VIGIL_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
int cmd_sigma(int argc, char **argv);
int cmd_coverage(int argc, char **argv);
int cmd_simulate(int argc, char **argv);

#endif
