/*
 * cmd_simulate.c — `vigil simulate`: placeholder until its module lands; the issue
 * that builds it replaces this file.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <sysexits.h>

int cmd_simulate(int argc, char **argv)
{
	fprintf(stderr, "vigil: 'simulate' is not built yet\n");
	return EX_UNAVAILABLE;
}
