/*
 * sim_execution.c — Execution (TA0002) simulations of `vigil simulate` that
 * need code; the command-only ones (sh -c, python3 -c) are argv rows of the
 * table in sim_suite.c.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <fcntl.h>
#include <unistd.h>

int sim_do_script(struct sim_ctx *ctx)
{
	char p[512];

	if (sim_put_file(ctx, "run.sh", "#!/bin/sh\nexit 0\n", O_CREAT | O_EXCL, 0755, p,
			 sizeof(p)))
		return 1;
	if (sim_runv(ctx, "sh", p, NULL, NULL))
		return 1;
	unlink(p);
	return 0;
}
