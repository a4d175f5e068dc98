/*
 * cmd_hunt.c — `vigil hunt`: placeholder until its module lands; the issue
 * that builds it replaces this file.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <sysexits.h>

int cmd_hunt(int argc, char **argv)
{
	fprintf(stderr, "vigil: 'hunt' is not built yet\n");
	return EX_UNAVAILABLE;
}
