/* cmd_run.c — temporary until the sensor lands. */
#include "cli/commands.h"
#include <sysexits.h>
int cmd_run(int argc, char **argv)
{
	return EX_UNAVAILABLE;
}
