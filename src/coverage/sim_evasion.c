/*
 * sim_evasion.c — Defense Evasion (TA0005) simulations of `vigil simulate`:
 * timestomping, deleting, hiding and masquerading files under the
 * simulation's temporary directory, fileless execution, a namespace and a
 * mount that die with the process, and a BPF socket filter.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int sim_do_timestomp(struct sim_ctx *ctx)
{
	struct timespec ts[2] = {{.tv_sec = 978307200}, {.tv_sec = 978307200}}; /* 2001-01-01 */

	if (sim_create_file(ctx, "report.txt", "x\n", 0644))
		return 1;
	if (utimensat(AT_FDCWD, "report.txt", ts, 0))
		return 1;
	sim_rm_rel(ctx, "report.txt");
	return 0;
}

int sim_do_delete(struct sim_ctx *ctx)
{
	if (sim_create_file(ctx, "evidence.log", "x\n", 0644))
		return 1;
	return unlink("evidence.log") ? 1 : 0;
}

int sim_do_chmod(struct sim_ctx *ctx)
{
	if (sim_create_file(ctx, "world.sh", "#!/bin/sh\n", 0644))
		return 1;
	if (chmod("world.sh", 0777))
		return 1;
	sim_rm_rel(ctx, "world.sh");
	return 0;
}

int sim_do_hidden_file(struct sim_ctx *ctx)
{
	return sim_drop_file(ctx, ".vigil-hidden", "x\n", 0644);
}

int sim_do_masquerade(struct sim_ctx *ctx)
{
	char p[512];
	int rc;

	snprintf(p, sizeof(p), "%s/sshd", ctx->tmp);
	if (sim_copy_file("/bin/true", p, 0755))
		return 1;
	rc = sim_runv(ctx, p, "-D", NULL, NULL);
	unlink(p);
	return rc;
}

int sim_do_rename_utility(struct sim_ctx *ctx)
{
	char a[512], b[512];
	int rc;

	snprintf(a, sizeof(a), "%s/curl-copy", ctx->tmp);
	snprintf(b, sizeof(b), "%s/kworker", ctx->tmp);
	if (sim_copy_file("/bin/true", a, 0755) || rename(a, b))
		return 1;
	rc = sim_runv(ctx, b, NULL, NULL, NULL);
	unlink(b);
	return rc;
}

int sim_do_clear_logs(struct sim_ctx *ctx)
{
	/* Truncate-and-write, as log wipers do. */
	return sim_rewrite_file(ctx, "var/log/auth.log", "Jan  1 sshd[1]: Accepted password\n",
				"\n", O_TRUNC, 0640);
}

int sim_do_clear_history(struct sim_ctx *ctx)
{
	return sim_drop_file(ctx, "home/user/.bash_history", "ls\nwhoami\n", 0600);
}

int sim_do_audit_rules(struct sim_ctx *ctx)
{
	return sim_rewrite_file(ctx, "etc/audit/rules.d/audit.rules", "-w /etc/shadow -p wa\n",
				"-D\n", O_TRUNC, 0640);
}

int sim_do_base64(struct sim_ctx *ctx)
{
	if (sim_create_file(ctx, "blob.b64", "ZWNobyB2aWdpbC1zaW0K\n", 0644))
		return 1;
	if (sim_runv(ctx, "base64", "-d", "blob.b64", NULL) == SIM_SKIP)
		return SIM_SKIP;
	sim_rm_rel(ctx, "blob.b64");
	return 0;
}

int sim_do_memfd_exec(struct sim_ctx *ctx)
{
	pid_t p = fork();
	int st;

	if (p < 0)
		return 1;
	if (p == 0) {
		int fd = (int)syscall(SYS_memfd_create, "vigil-sim", 0);
		char buf[65536];
		int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
		ssize_t n;
		char *const av[] = {"vigil-sim-memfd", NULL}, *const env[] = {NULL};

		if (fd < 0 || in < 0)
			_exit(1);
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)n) != n)
				_exit(1);
		close(in);
		fexecve(fd, av, env);
		_exit(1);
	}
	ctx->aux = p;
	if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(ctx->note, sizeof(ctx->note), "memfd exec failed");
		return 1;
	}
	return 0;
}

int sim_do_ld_preload(struct sim_ctx *ctx)
{
	return sim_drop_file(ctx, "etc/ld.so.preload", "/nonexistent/libvigilsim.so\n", 0644);
}

int sim_do_unshare(struct sim_ctx *ctx)
{
	if (unshare(CLONE_NEWUTS)) {
		snprintf(ctx->note, sizeof(ctx->note), "unshare: %s", strerror(errno));
		return errno == EPERM ? SIM_SKIP : 1;
	}
	/* Only this process's new UTS namespace sees the name. */
	return sethostname("vigil-sim", 9) ? 1 : 0;
}

int sim_do_mount(struct sim_ctx *ctx)
{
	char mnt[512];

	if (unshare(CLONE_NEWNS)) {
		snprintf(ctx->note, sizeof(ctx->note), "unshare: %s", strerror(errno));
		return errno == EPERM ? SIM_SKIP : 1;
	}
	/* Private propagation first, so nothing reaches the host's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 1;
	snprintf(mnt, sizeof(mnt), "%s/mnt", ctx->tmp);
	if (mkdir(mnt, 0700) || mount("vigil-sim", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"))
		return 1;
	umount(mnt);
	rmdir(mnt);
	return 0;
}

int sim_do_bpf_socket_filter(struct sim_ctx *ctx)
{
	struct bpf_insn prog[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	int fd, s, rc = 1;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = 2;
	a.license = (uintptr_t) "GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "vigil_sim");
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0) {
		snprintf(ctx->note, sizeof(ctx->note), "bpf: %s", strerror(errno));
		return errno == EPERM ? SIM_SKIP : 1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		rc = setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &fd, sizeof(fd)) ? 1 : 0;
		close(s);
	}
	close(fd);
	return rc;
}

/* T1070.003: the history file pointed at /dev/null, as `ln -sf` does it. */
int sim_do_history_symlink(struct sim_ctx *ctx)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/.bash_history", ctx->tmp);
	if (symlink("/dev/null", p) != 0)
		return 1;
	unlink(p);
	return 0;
}

/* T1564.001: a hidden directory to stage files in. */
int sim_do_hidden_dir(struct sim_ctx *ctx)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/.vigil-hidden-dir", ctx->tmp);
	if (mkdir(p, 0700) != 0)
		return 1;
	rmdir(p);
	return 0;
}

/* T1036.004: the process gives itself a system-looking name. */
int sim_do_process_rename(struct sim_ctx *ctx)
{
	(void)ctx;
	return prctl(PR_SET_NAME, "totally_legit", 0, 0, 0) == 0 ? 0 : 1;
}

/* T1562.003: a command run with history logging sent to /dev/null. */
int sim_do_histfile_env(struct sim_ctx *ctx)
{
	char *const argv[] = {"true", NULL};
	char *const envp[] = {"HISTFILE=/dev/null", "PATH=/usr/bin:/bin", NULL};
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (chdir(ctx->tmp) == 0)
			execve("/bin/true", argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	return 0;
}
