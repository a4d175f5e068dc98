/*
 * sim_credential.c — Credential Access (TA0006) simulations of `vigil
 * simulate`: reading the memory of the simulation's own idle child, and
 * searching its own temporary files for passwords and keys.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

int sim_do_proc_mem(struct sim_ctx *ctx)
{
	pid_t p = sim_idle_child(ctx);
	char path[64];
	long v = 0;
	int fd, rc = 1;

	if (p < 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)p);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		rc = pread(fd, &v, sizeof(v), (off_t)(uintptr_t)&sim_poke_target) == sizeof(v) ? 0
											       : 1;
		close(fd);
	}
	sim_reap(p);
	return rc;
}

int sim_do_process_vm_readv(struct sim_ctx *ctx)
{
	pid_t p = sim_idle_child(ctx);
	long v = 0;
	struct iovec l = {&v, sizeof(v)}, r = {(void *)&sim_poke_target, sizeof(v)};
	int rc;

	if (p < 0)
		return 1;
	rc = process_vm_readv(p, &l, 1, &r, 1, 0) == sizeof(v) ? 0 : 1;
	sim_reap(p);
	return rc;
}

int sim_do_grep_creds(struct sim_ctx *ctx)
{
	static const char *const argv[] = {"grep", "-ri", "password", "${TMP}/app", NULL};

	return sim_exec_on_file(ctx, "app/config.ini", "password=hunter2\n", 0600, argv);
}

int sim_do_find_keys(struct sim_ctx *ctx)
{
	static const char *const argv[] = {"find", "${TMP}", "-name", "*.pem", NULL};

	return sim_exec_on_file(ctx, "keys/id.pem", "-----BEGIN PRIVATE KEY-----\n", 0600, argv);
}

/* T1003.008: /etc/shadow read, as `cat` or a shell read loop does. Only
 * its first bytes are read and nothing is kept. */
int sim_do_shadow_read(struct sim_ctx *ctx)
{
	char b[64];
	int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(ctx->note, sizeof(ctx->note), "/etc/shadow cannot be opened here");
		return 1;
	}
	if (read(fd, b, sizeof(b)) < 0) {
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}
