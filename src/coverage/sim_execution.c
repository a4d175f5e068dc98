/*
 * sim_execution.c — Execution (TA0002) simulations of `vigil simulate` that
 * need code; the command-only ones (sh -c, python3 -c) are argv rows of the
 * table in sim_suite.c.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <fcntl.h>
#include <sys/wait.h>
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

/* T1106: a worker forked from the simulation that never execs, writes a
 * file of its own and exits: ProcessFork ties it to its parent. */
int sim_do_fork_worker(struct sim_ctx *ctx)
{
	int st = 0;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(sim_create_file(ctx, "fork-worker.out", "x\n", 0600) == 0 ? 0 : 1);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	ctx->aux = pid;
	sim_rm_rel(ctx, "fork-worker.out");
	return 0;
}
