/*
 * cmd_validate.c — `vigil validate`: placeholder until its module lands; the issue
 * that builds it replaces this file.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <sysexits.h>

int cmd_validate(int argc, char **argv)
{
	fprintf(stderr, "vigil: 'validate' is not built yet\n");
	return EX_UNAVAILABLE;
}
