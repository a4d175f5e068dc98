/*
 * cmd_coverage.c — `vigil coverage`: placeholder until its module lands; the issue
 * that builds it replaces this file.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <sysexits.h>

int cmd_coverage(int argc, char **argv)
{
	fprintf(stderr, "vigil: 'coverage' is not built yet\n");
	return EX_UNAVAILABLE;
}
