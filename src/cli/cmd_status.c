/*
 * cmd_status.c — `vigil status`: placeholder until its module lands; the issue
 * that builds it replaces this file.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <sysexits.h>

int cmd_status(int argc, char **argv)
{
	fprintf(stderr, "vigil: 'status' is not built yet\n");
	return EX_UNAVAILABLE;
}
