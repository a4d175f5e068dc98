/*
 * cmd_sigma.c — `vigil sigma`: placeholder until its module lands; the issue
 * that builds it replaces this file.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <sysexits.h>

int cmd_sigma(int argc, char **argv)
{
	fprintf(stderr, "vigil: 'sigma' is not built yet\n");
	return EX_UNAVAILABLE;
}
