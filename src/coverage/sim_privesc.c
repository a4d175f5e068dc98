/*
 * sim_privesc.c — Privilege Escalation (TA0004) simulations of `vigil
 * simulate`: a setuid bit on a copy of a binary, a credential change that
 * drops to nobody, a new login session, and ptrace of the simulation's own
 * idle child.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int sim_do_setuid_bit(struct sim_ctx *ctx)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/suidcopy", ctx->tmp);
	if (sim_copy_file("/bin/true", p, 0755))
		return 1;
	if (chmod(p, 04755))
		return 1;
	unlink(p);
	return 0;
}

int sim_do_setresuid(struct sim_ctx *ctx)
{
	if (geteuid() != 0) {
		snprintf(ctx->note, sizeof(ctx->note), "needs root");
		return SIM_SKIP;
	}
	/* The safe direction of a credential change: drop to nobody. */
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 1;
	return 0;
}

int sim_do_loginuid(struct sim_ctx *ctx)
{
	int fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);
	char uid[16];
	int n;

	if (fd < 0)
		return SIM_SKIP;
	n = snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	if (write(fd, uid, (size_t)n) != n) {
		snprintf(ctx->note, sizeof(ctx->note), "loginuid: %s", strerror(errno));
		close(fd);
		return SIM_SKIP;
	}
	close(fd);
	/* As sshd does after pam_loginuid: the session's first program runs
	 * with the new audit session. */
	return sim_runv(ctx, "/bin/true", NULL, NULL, NULL);
}

static int ptrace_attach_wait(pid_t p)
{
	int st;

	if (ptrace(PTRACE_ATTACH, p, NULL, NULL))
		return -1;
	if (waitpid(p, &st, 0) < 0)
		return -1;
	return 0;
}

/* Attaches to an idle child of the simulation's own and reads (peek) or
 * writes (poke) sim_poke_target in it. */
static int ptrace_child(struct sim_ctx *ctx, bool poke)
{
	pid_t p = sim_idle_child(ctx);
	int rc = 1;

	if (p < 0)
		return 1;
	if (ptrace_attach_wait(p) == 0) {
		if (poke) {
			/* Writes into the child's own copy of a variable: it changes
			 * nothing anyone uses, and the child is killed right after. */
			rc = ptrace(PTRACE_POKEDATA, p, (void *)&sim_poke_target, (void *)2L) ? 1
											      : 0;
		} else {
			errno = 0;
			ptrace(PTRACE_PEEKDATA, p, (void *)&sim_poke_target, NULL);
			rc = errno ? 1 : 0;
		}
		ptrace(PTRACE_DETACH, p, NULL, NULL);
	} else {
		snprintf(ctx->note, sizeof(ctx->note), "ptrace attach: %s", strerror(errno));
	}
	sim_reap(p);
	return rc;
}

int sim_do_ptrace_poke(struct sim_ctx *ctx)
{
	return ptrace_child(ctx, true);
}

int sim_do_ptrace_peek(struct sim_ctx *ctx)
{
	return ptrace_child(ctx, false);
}
