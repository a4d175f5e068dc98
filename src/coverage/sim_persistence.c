/*
 * sim_persistence.c — Persistence (TA0003) simulations of `vigil simulate`:
 * each writes a persistence file (cron, systemd, shell rc, authorized_keys,
 * passwd, rc.local, a patched binary) at its usual path recreated *inside*
 * the simulation's temporary directory, never the host's, and removes it.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int sim_do_cron(struct sim_ctx *ctx)
{
	return sim_drop_file(ctx, "etc/cron.d/vigil-sim", "* * * * * root /bin/true\n", 0644);
}

int sim_do_rename_into_cron(struct sim_ctx *ctx)
{
	char a[512], b[512];

	if (sim_put_file(ctx, "etc/cron.d/.tmp-job", "@reboot root /bin/true\n", O_CREAT | O_EXCL,
			 0644, a, sizeof(a)))
		return 1;
	snprintf(b, sizeof(b), "%s/etc/cron.d/job", ctx->tmp);
	if (rename(a, b))
		return 1;
	unlink(b);
	return 0;
}

int sim_do_systemd_service(struct sim_ctx *ctx)
{
	return sim_drop_file(ctx, "etc/systemd/system/vigil-sim.service",
			     "[Service]\nExecStart=/bin/true\n", 0644);
}

int sim_do_systemd_timer(struct sim_ctx *ctx)
{
	return sim_drop_file(ctx, "etc/systemd/system/vigil-sim.timer",
			     "[Timer]\nOnCalendar=hourly\n", 0644);
}

int sim_do_bashrc(struct sim_ctx *ctx)
{
	/* The file exists first, as a user's .bashrc would; then it is appended. */
	return sim_rewrite_file(ctx, "home/user/.bashrc", "# bashrc\n",
				"alias ls='ls; /bin/true'\n", O_APPEND, 0644);
}

int sim_do_authorized_keys(struct sim_ctx *ctx)
{
	return sim_drop_file(ctx, "home/user/.ssh/authorized_keys",
			     "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForVigilSimulation sim\n",
			     0600);
}

int sim_do_passwd(struct sim_ctx *ctx)
{
	return sim_append_to_copy(ctx, "/etc/passwd", "etc/passwd",
				  "vigilsim:x:4242:4242::/nonexistent:/usr/sbin/nologin\n", 0644);
}

int sim_do_rc_local(struct sim_ctx *ctx)
{
	return sim_drop_file(ctx, "etc/rc.local", "#!/bin/sh\n/bin/true\nexit 0\n", 0755);
}

int sim_do_binary_patch(struct sim_ctx *ctx)
{
	return sim_append_to_copy(ctx, "/bin/true", "bin/ls",
				  "\x7f"
				  "backdoor",
				  0755);
}
