/*
 * sim_suite.c — the built-in simulations of `vigil simulate`.
 *
 * Written for vigil: each function does the syscall-level behaviour of one
 * Linux ATT&CK technique in the smallest safe form. Rules every simulation
 * keeps: network only on 127.0.0.1; files only under its own temporary
 * directory (persistence paths such as etc/cron.d are recreated *inside* it);
 * a helper child it starts is killed and reaped; a namespace it enters or a
 * mount it makes dies with its process; and it removes what it created (the
 * runner also removes the whole directory). Each runs in its own forked
 * process (see sim_run.c), so ${PID} in an expectation is that process.
 *
 * Expectations name only what EVENTS.md promises for the event: e.g. a
 * command's ProcessCreate has ParentProcessId = the simulation, a file event
 * has ProcessId = the simulation and TargetFilename under ${TMP}.
 */
#include "coverage/sim.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/loop.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------- */

static int find_exe(const char *name, char *out, size_t len)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char dir[256];

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) == 0 ? 0 : -ENOENT;
	}
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
		if ((size_t)snprintf(out, len, "%s/%s", dir, name) < len && access(out, X_OK) == 0)
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

static void replace_tmp(const struct sim_ctx *ctx, const char *in, char *out, size_t len)
{
	const char *p = strstr(in, "${TMP}");

	if (!p) {
		snprintf(out, len, "%s", in);
		return;
	}
	snprintf(out, len, "%.*s%s%s", (int)(p - in), in, ctx->tmp, p + 6);
}

/* Runs argv; see sim.h. */
int sim_exec(struct sim_ctx *ctx, const char *const *argv)
{
	char exe[512], args[8][512];
	char *av[9];
	pid_t pid;
	int st, i;

	if (!argv[0] || find_exe(argv[0], exe, sizeof(exe)) != 0) {
		snprintf(ctx->note, sizeof(ctx->note), "%s not installed", argv[0] ? argv[0] : "?");
		return SIM_SKIP;
	}
	for (i = 0; i < 8 && argv[i]; i++) {
		replace_tmp(ctx, argv[i], args[i], sizeof(args[i]));
		av[i] = args[i];
	}
	av[i] = NULL;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(exe, av);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return 1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(ctx->note, sizeof(ctx->note), "exec of %.150s failed", exe);
		return 1;
	}
	return 0;
}

static int runv(struct sim_ctx *ctx, const char *a0, const char *a1, const char *a2, const char *a3)
{
	const char *const argv[] = {a0, a1, a2, a3, NULL};

	return sim_exec(ctx, argv);
}

static int mkdirs(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* Writes content to ${TMP}/rel (parents created); flags as for open. */
static int put_file(struct sim_ctx *ctx, const char *rel, const char *content, int flags,
		    mode_t mode, char *path_out, size_t len)
{
	char path[512];
	int fd;
	size_t n = strlen(content);

	snprintf(path, sizeof(path), "%s/%s", ctx->tmp, rel);
	if (path_out)
		snprintf(path_out, len, "%s", path);
	if (mkdirs(path))
		return 1;
	fd = open(path, flags | O_WRONLY | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(ctx->note, sizeof(ctx->note), "open %.120s: %.60s", path, strerror(errno));
		return 1;
	}
	if (write(fd, content, n) != (ssize_t)n) {
		close(fd);
		return 1;
	}
	return close(fd) ? 1 : 0;
}

static int create_file(struct sim_ctx *ctx, const char *rel, const char *content, mode_t mode)
{
	return put_file(ctx, rel, content, O_CREAT | O_EXCL, mode, NULL, 0);
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (close(out) || n < 0)
		return -EIO;
	return 0;
}

static void rm_rel(struct sim_ctx *ctx, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", ctx->tmp, rel);
	unlink(path);
}

/* A loopback TCP listener on an ephemeral port (recorded in ctx->port). */
static int tcp_listener(struct sim_ctx *ctx)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4) ||
	    getsockname(s, (struct sockaddr *)&a, &al)) {
		close(s);
		return -1;
	}
	ctx->port = ntohs(a.sin_port);
	return s;
}

static int tcp_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		close(s);
		return -1;
	}
	return s;
}

/* Connects to our own listener and moves msg across, returning what the
 * accepting side got in got (NUL-terminated). */
static int tcp_exchange(struct sim_ctx *ctx, const char *msg, const char *reply, char *got,
			size_t glen)
{
	int l = tcp_listener(ctx), c, s;
	ssize_t n;

	if (l < 0)
		return 1;
	c = tcp_connect(ctx->port);
	s = c >= 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
	if (s < 0) {
		if (c >= 0)
			close(c);
		close(l);
		return 1;
	}
	if (write(c, msg, strlen(msg)) < 0 || (n = read(s, got, glen - 1)) < 0)
		n = 0;
	got[n] = '\0';
	if (reply && write(s, reply, strlen(reply)) > 0) {
		n = read(c, got, glen - 1);
		got[n > 0 ? n : 0] = '\0';
	}
	close(c);
	close(s);
	close(l);
	return 0;
}

/* A child that just waits to be looked at (killed by the caller). */
static pid_t idle_child(struct sim_ctx *ctx)
{
	pid_t p = fork();

	if (p == 0) {
		for (;;)
			pause();
	}
	if (p > 0)
		ctx->aux = p;
	return p;
}

static void reap(pid_t p)
{
	if (p > 0) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
}

/* ---- simulations ------------------------------------------------------ */

static int s_timestomp(struct sim_ctx *ctx)
{
	struct timespec ts[2] = {{.tv_sec = 978307200}, {.tv_sec = 978307200}}; /* 2001-01-01 */

	if (create_file(ctx, "report.txt", "x\n", 0644))
		return 1;
	if (utimensat(AT_FDCWD, "report.txt", ts, 0))
		return 1;
	rm_rel(ctx, "report.txt");
	return 0;
}

static int s_delete(struct sim_ctx *ctx)
{
	if (create_file(ctx, "evidence.log", "x\n", 0644))
		return 1;
	return unlink("evidence.log") ? 1 : 0;
}

static int s_chmod(struct sim_ctx *ctx)
{
	if (create_file(ctx, "world.sh", "#!/bin/sh\n", 0644))
		return 1;
	if (chmod("world.sh", 0777))
		return 1;
	rm_rel(ctx, "world.sh");
	return 0;
}

static int s_setuid_bit(struct sim_ctx *ctx)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/suidcopy", ctx->tmp);
	if (copy_file("/bin/true", p, 0755))
		return 1;
	if (chmod(p, 04755))
		return 1;
	unlink(p);
	return 0;
}

static int s_cron(struct sim_ctx *ctx)
{
	if (create_file(ctx, "etc/cron.d/vigil-sim", "* * * * * root /bin/true\n", 0644))
		return 1;
	rm_rel(ctx, "etc/cron.d/vigil-sim");
	return 0;
}

static int s_systemd_service(struct sim_ctx *ctx)
{
	if (create_file(ctx, "etc/systemd/system/vigil-sim.service",
			"[Service]\nExecStart=/bin/true\n", 0644))
		return 1;
	rm_rel(ctx, "etc/systemd/system/vigil-sim.service");
	return 0;
}

static int s_systemd_timer(struct sim_ctx *ctx)
{
	if (create_file(ctx, "etc/systemd/system/vigil-sim.timer", "[Timer]\nOnCalendar=hourly\n",
			0644))
		return 1;
	rm_rel(ctx, "etc/systemd/system/vigil-sim.timer");
	return 0;
}

static int s_bashrc(struct sim_ctx *ctx)
{
	/* The file exists first, as a user's .bashrc would; then it is appended. */
	if (create_file(ctx, "home/user/.bashrc", "# bashrc\n", 0644) ||
	    put_file(ctx, "home/user/.bashrc", "alias ls='ls; /bin/true'\n", O_APPEND, 0644, NULL,
		     0))
		return 1;
	rm_rel(ctx, "home/user/.bashrc");
	return 0;
}

static int s_authorized_keys(struct sim_ctx *ctx)
{
	if (create_file(ctx, "home/user/.ssh/authorized_keys",
			"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForVigilSimulation sim\n",
			0600))
		return 1;
	rm_rel(ctx, "home/user/.ssh/authorized_keys");
	return 0;
}

static int s_passwd(struct sim_ctx *ctx)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/etc/passwd", ctx->tmp);
	if (mkdirs(p) || copy_file("/etc/passwd", p, 0644))
		return 1;
	if (put_file(ctx, "etc/passwd", "vigilsim:x:4242:4242::/nonexistent:/usr/sbin/nologin\n",
		     O_APPEND, 0644, NULL, 0))
		return 1;
	unlink(p);
	return 0;
}

static int s_rc_local(struct sim_ctx *ctx)
{
	if (create_file(ctx, "etc/rc.local", "#!/bin/sh\n/bin/true\nexit 0\n", 0755))
		return 1;
	rm_rel(ctx, "etc/rc.local");
	return 0;
}

static int s_ld_preload(struct sim_ctx *ctx)
{
	if (create_file(ctx, "etc/ld.so.preload", "/nonexistent/libvigilsim.so\n", 0644))
		return 1;
	rm_rel(ctx, "etc/ld.so.preload");
	return 0;
}

static int s_masquerade(struct sim_ctx *ctx)
{
	char p[512];
	int rc;

	snprintf(p, sizeof(p), "%s/sshd", ctx->tmp);
	if (copy_file("/bin/true", p, 0755))
		return 1;
	rc = runv(ctx, p, "-D", NULL, NULL);
	unlink(p);
	return rc;
}

static int s_rename_utility(struct sim_ctx *ctx)
{
	char a[512], b[512];
	int rc;

	snprintf(a, sizeof(a), "%s/curl-copy", ctx->tmp);
	snprintf(b, sizeof(b), "%s/kworker", ctx->tmp);
	if (copy_file("/bin/true", a, 0755) || rename(a, b))
		return 1;
	rc = runv(ctx, b, NULL, NULL, NULL);
	unlink(b);
	return rc;
}

static int s_hidden_file(struct sim_ctx *ctx)
{
	if (create_file(ctx, ".vigil-hidden", "x\n", 0644))
		return 1;
	rm_rel(ctx, ".vigil-hidden");
	return 0;
}

static int s_clear_logs(struct sim_ctx *ctx)
{
	if (create_file(ctx, "var/log/auth.log", "Jan  1 sshd[1]: Accepted password\n", 0640))
		return 1;
	/* Truncate-and-write, as log wipers do. */
	if (put_file(ctx, "var/log/auth.log", "\n", O_TRUNC, 0640, NULL, 0))
		return 1;
	rm_rel(ctx, "var/log/auth.log");
	return 0;
}

static int s_clear_history(struct sim_ctx *ctx)
{
	if (create_file(ctx, "home/user/.bash_history", "ls\nwhoami\n", 0600))
		return 1;
	rm_rel(ctx, "home/user/.bash_history");
	return 0;
}

static int s_audit_rules(struct sim_ctx *ctx)
{
	if (create_file(ctx, "etc/audit/rules.d/audit.rules", "-w /etc/shadow -p wa\n", 0640) ||
	    put_file(ctx, "etc/audit/rules.d/audit.rules", "-D\n", O_TRUNC, 0640, NULL, 0))
		return 1;
	rm_rel(ctx, "etc/audit/rules.d/audit.rules");
	return 0;
}

static int s_memfd_exec(struct sim_ctx *ctx)
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

static volatile long sim_poke_target = 1;

static int ptrace_attach_wait(pid_t p)
{
	int st;

	if (ptrace(PTRACE_ATTACH, p, NULL, NULL))
		return -1;
	if (waitpid(p, &st, 0) < 0)
		return -1;
	return 0;
}

static int s_ptrace_peek(struct sim_ctx *ctx)
{
	pid_t p = idle_child(ctx);
	int rc = 1;

	if (p < 0)
		return 1;
	if (ptrace_attach_wait(p) == 0) {
		errno = 0;
		ptrace(PTRACE_PEEKDATA, p, (void *)&sim_poke_target, NULL);
		rc = errno ? 1 : 0;
		ptrace(PTRACE_DETACH, p, NULL, NULL);
	} else {
		snprintf(ctx->note, sizeof(ctx->note), "ptrace attach: %s", strerror(errno));
	}
	reap(p);
	return rc;
}

static int s_ptrace_poke(struct sim_ctx *ctx)
{
	pid_t p = idle_child(ctx);
	int rc = 1;

	if (p < 0)
		return 1;
	/* Writes into the child's own copy of a variable: it changes nothing
	 * anyone uses, and the child is killed right after. */
	if (ptrace_attach_wait(p) == 0) {
		rc = ptrace(PTRACE_POKEDATA, p, (void *)&sim_poke_target, (void *)2L) ? 1 : 0;
		ptrace(PTRACE_DETACH, p, NULL, NULL);
	} else {
		snprintf(ctx->note, sizeof(ctx->note), "ptrace attach: %s", strerror(errno));
	}
	reap(p);
	return rc;
}

static int s_proc_mem(struct sim_ctx *ctx)
{
	pid_t p = idle_child(ctx);
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
	reap(p);
	return rc;
}

static int s_process_vm_readv(struct sim_ctx *ctx)
{
	pid_t p = idle_child(ctx);
	long v = 0;
	struct iovec l = {&v, sizeof(v)}, r = {(void *)&sim_poke_target, sizeof(v)};
	int rc;

	if (p < 0)
		return 1;
	rc = process_vm_readv(p, &l, 1, &r, 1, 0) == sizeof(v) ? 0 : 1;
	reap(p);
	return rc;
}

static int s_unshare(struct sim_ctx *ctx)
{
	if (unshare(CLONE_NEWUTS)) {
		snprintf(ctx->note, sizeof(ctx->note), "unshare: %s", strerror(errno));
		return errno == EPERM ? SIM_SKIP : 1;
	}
	/* Only this process's new UTS namespace sees the name. */
	return sethostname("vigil-sim", 9) ? 1 : 0;
}

static int s_mount(struct sim_ctx *ctx)
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

static int s_setresuid(struct sim_ctx *ctx)
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

static int s_loginuid(struct sim_ctx *ctx)
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
	return runv(ctx, "/bin/true", NULL, NULL, NULL);
}

static int s_bpf_socket_filter(struct sim_ctx *ctx)
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

static int s_dlopen(struct sim_ctx *ctx)
{
	static const char *const libs[] = {"/lib/x86_64-linux-gnu/libz.so.1",
					   "/usr/lib/x86_64-linux-gnu/libz.so.1",
					   "/lib/aarch64-linux-gnu/libz.so.1", "/lib64/libz.so.1"};
	char p[512];
	void *h;

	snprintf(p, sizeof(p), "%s/libvigilsim.so", ctx->tmp);
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		if (copy_file(libs[i], p, 0755) == 0)
			goto loaded;
	snprintf(ctx->note, sizeof(ctx->note), "no libz to copy");
	return SIM_SKIP;
loaded:
	h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(ctx->note, sizeof(ctx->note), "dlopen failed");
		unlink(p);
		return 1;
	}
	dlclose(h);
	unlink(p);
	return 0;
}

/* Reads the first sector of a loop device set up over a file in the
 * simulation's temp dir, and tears it down again. */
static int raw_read_loop(struct sim_ctx *ctx, char *buf)
{
	char img[512], dev[32];
	int ctl, n, fd = -1, lfd = -1, rc = SIM_SKIP;

	snprintf(img, sizeof(img), "%s/disk.img", ctx->tmp);
	fd = open(img, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ctl < 0 || ftruncate(fd, 1 << 20) != 0)
		goto out;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n < 0)
		goto out;
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	lfd = open(dev, O_RDWR | O_CLOEXEC);
	if (lfd < 0 || ioctl(lfd, LOOP_SET_FD, fd) != 0)
		goto out;
	{
		int r = open(dev, O_RDONLY | O_CLOEXEC);
		rc = r >= 0 && read(r, buf, 512) == 512 ? 0 : 1;
		if (r >= 0)
			close(r);
	}
	ioctl(lfd, LOOP_CLR_FD, 0);
out:
	if (rc == SIM_SKIP)
		snprintf(ctx->note, sizeof(ctx->note), "no readable block device, no loop device");
	if (lfd >= 0)
		close(lfd);
	if (ctl >= 0)
		close(ctl);
	if (fd >= 0)
		close(fd);
	unlink(img);
	return rc;
}

static int s_raw_read(struct sim_ctx *ctx)
{
	static const char *const devs[] = {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"};
	char buf[512];

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		int fd = open(devs[i], O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		return n == (ssize_t)sizeof(buf) ? 0 : 1;
	}
	/* Some sandboxes refuse real disks even to root. */
	return raw_read_loop(ctx, buf);
}

static int s_nonstd_port(struct sim_ctx *ctx)
{
	char got[64];

	return tcp_exchange(ctx, "beacon\n", "ok\n", got, sizeof(got));
}

static int s_http(struct sim_ctx *ctx)
{
	char got[256];

	return tcp_exchange(ctx, "GET /beacon HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
			    "HTTP/1.1 204 No Content\r\n\r\n", got, sizeof(got));
}

static int s_ingress(struct sim_ctx *ctx)
{
	char got[256];

	if (tcp_exchange(ctx, "GET /tool\n", "#!/bin/sh\nexit 0\n", got, sizeof(got)))
		return 1;
	if (create_file(ctx, "tool", got, 0755))
		return 1;
	rm_rel(ctx, "tool");
	return 0;
}

static int s_exfil_tcp(struct sim_ctx *ctx)
{
	char got[256];

	if (create_file(ctx, "loot.txt", "secret data\n", 0600))
		return 1;
	rm_rel(ctx, "loot.txt");
	return tcp_exchange(ctx, "secret data\n", NULL, got, sizeof(got));
}

static int s_udp(struct sim_ctx *ctx)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 1;
	char b[16];

	if (r >= 0 && s >= 0 && !bind(r, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(r, (struct sockaddr *)&a, &al)) {
		ctx->port = ntohs(a.sin_port);
		if (sendto(s, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a)) == 4 &&
		    recv(r, b, sizeof(b), 0) == 4)
			rc = 0;
	}
	if (r >= 0)
		close(r);
	if (s >= 0)
		close(s);
	return rc;
}

static int s_scan(struct sim_ctx *ctx)
{
	int l = tcp_listener(ctx);

	if (l < 0)
		return 1;
	/* A handful of loopback ports, one of them ours and open. */
	for (int d = -2; d <= 2; d++) {
		int c;

		if (ctx->port + d <= 0 || ctx->port + d > 65535)
			continue;
		c = tcp_connect(ctx->port + d);
		if (c >= 0)
			close(c);
	}
	close(l);
	return 0;
}

/* Writes a DNS query for vigil-sim-<pid>.example to a responder of our own on
 * 127.0.0.1:53 and reads its NXDOMAIN answer. */
static int s_dns(struct sim_ctx *ctx)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(53),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	unsigned char q[128], ans[512];
	char label[32];
	int srv = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int cli = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t n = 0, ll;
	ssize_t got;
	int rc = 1;

	if (srv < 0 || cli < 0 || bind(srv, (struct sockaddr *)&a, sizeof(a))) {
		snprintf(ctx->note, sizeof(ctx->note), "127.0.0.1:53 not available: %s",
			 strerror(errno));
		rc = SIM_SKIP;
		goto out;
	}
	ll = (size_t)snprintf(label, sizeof(label), "vigil-sim-%d", (int)getpid());
	memcpy(q, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	n = 12;
	q[n++] = (unsigned char)ll;
	memcpy(q + n, label, ll);
	n += ll;
	q[n++] = 7;
	memcpy(q + n, "example", 7);
	n += 7;
	memcpy(q + n, "\x00\x00\x01\x00\x01", 5);
	n += 5;
	/* Resolvers (glibc, musl) connect their UDP socket to the server. */
	if (connect(cli, (struct sockaddr *)&a, sizeof(a)) != 0 || send(cli, q, n, 0) != (ssize_t)n)
		goto out;
	{
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);

		got = recvfrom(srv, ans, sizeof(ans), 0, (struct sockaddr *)&from, &fl);
		if (got < 12)
			goto out;
		ans[2] = 0x81; /* response, RD */
		ans[3] = 0x83; /* RA, NXDOMAIN */
		if (sendto(srv, ans, (size_t)got, 0, (struct sockaddr *)&from, fl) != got)
			goto out;
	}
	rc = recv(cli, ans, sizeof(ans), 0) > 0 ? 0 : 1;
out:
	if (srv >= 0)
		close(srv);
	if (cli >= 0)
		close(cli);
	return rc;
}

static int s_script(struct sim_ctx *ctx)
{
	char p[512];

	if (put_file(ctx, "run.sh", "#!/bin/sh\nexit 0\n", O_CREAT | O_EXCL, 0755, p, sizeof(p)))
		return 1;
	if (runv(ctx, "sh", p, NULL, NULL))
		return 1;
	unlink(p);
	return 0;
}

static int s_base64(struct sim_ctx *ctx)
{
	if (create_file(ctx, "blob.b64", "ZWNobyB2aWdpbC1zaW0K\n", 0644))
		return 1;
	if (runv(ctx, "base64", "-d", "blob.b64", NULL) == SIM_SKIP)
		return SIM_SKIP;
	rm_rel(ctx, "blob.b64");
	return 0;
}

static int s_tar(struct sim_ctx *ctx)
{
	int rc;

	if (create_file(ctx, "stage/doc.txt", "document\n", 0644))
		return 1;
	rc = runv(ctx, "tar", "czf", "${TMP}/archive.tgz", "stage");
	rm_rel(ctx, "archive.tgz");
	rm_rel(ctx, "stage/doc.txt");
	return rc;
}

static int s_staging(struct sim_ctx *ctx)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/staged/hostname", ctx->tmp);
	if (mkdirs(p) || copy_file("/etc/hostname", p, 0600))
		return 1;
	unlink(p);
	return 0;
}

static int s_grep_creds(struct sim_ctx *ctx)
{
	int rc;

	if (create_file(ctx, "app/config.ini", "password=hunter2\n", 0600))
		return 1;
	rc = runv(ctx, "grep", "-ri", "password", "${TMP}/app");
	rm_rel(ctx, "app/config.ini");
	return rc;
}

static int s_find_keys(struct sim_ctx *ctx)
{
	int rc;

	if (create_file(ctx, "keys/id.pem", "-----BEGIN PRIVATE KEY-----\n", 0600))
		return 1;
	rc = runv(ctx, "find", "${TMP}", "-name", "*.pem");
	rm_rel(ctx, "keys/id.pem");
	return rc;
}

static int s_binary_patch(struct sim_ctx *ctx)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/bin/ls", ctx->tmp);
	if (mkdirs(p) || copy_file("/bin/true", p, 0755))
		return 1;
	if (put_file(ctx, "bin/ls",
		     "\x7f"
		     "backdoor",
		     O_APPEND, 0755, NULL, 0))
		return 1;
	unlink(p);
	return 0;
}

static int s_destroy(struct sim_ctx *ctx)
{
	if (create_file(ctx, "data.db", "important\n", 0644) ||
	    put_file(ctx, "data.db", "\0\0\0\0\0\0\0\0\0\0", O_TRUNC, 0644, NULL, 0))
		return 1;
	rm_rel(ctx, "data.db");
	return 0;
}

static int s_encrypt(struct sim_ctx *ctx)
{
	if (create_file(ctx, "photo.jpg", "not really a photo\n", 0644) ||
	    create_file(ctx, "photo.jpg.locked", "\x13\x37\x13\x37", 0644))
		return 1;
	rm_rel(ctx, "photo.jpg");
	rm_rel(ctx, "photo.jpg.locked");
	return 0;
}

static int s_manipulate(struct sim_ctx *ctx)
{
	if (create_file(ctx, "ledger.csv", "alice,100\n", 0644) ||
	    put_file(ctx, "ledger.csv", "alice,900\n", O_TRUNC, 0644, NULL, 0))
		return 1;
	rm_rel(ctx, "ledger.csv");
	return 0;
}

static int s_rename_into_cron(struct sim_ctx *ctx)
{
	char a[512], b[512];

	if (put_file(ctx, "etc/cron.d/.tmp-job", "@reboot root /bin/true\n", O_CREAT | O_EXCL, 0644,
		     a, sizeof(a)))
		return 1;
	snprintf(b, sizeof(b), "%s/etc/cron.d/job", ctx->tmp);
	if (rename(a, b))
		return 1;
	unlink(b);
	return 0;
}

/* ---- the suite ---------------------------------------------------------- */

#define PPID_IS                                                                                    \
	{                                                                                          \
		"ParentProcessId", SIM_EQ, "${PID}"                                                \
	}
#define PID_IS                                                                                     \
	{                                                                                          \
		"ProcessId", SIM_EQ, "${PID}"                                                      \
	}
#define EXEC(tool)                                                                                 \
	{                                                                                          \
		1, "exec of " tool,                                                                \
		{                                                                                  \
			{"Image", SIM_ENDS, "/" tool}, PPID_IS                                     \
		}                                                                                  \
	}
#define FILE_EV(ev, what, rel)                                                                     \
	{                                                                                          \
		ev, what,                                                                          \
		{                                                                                  \
			{"TargetFilename", SIM_EQ, "${TMP}/" rel}, PID_IS                          \
		}                                                                                  \
	}
#define CONN(proto)                                                                                \
	{                                                                                          \
		3, "loopback " proto " connection",                                                \
		{                                                                                  \
			{"DestinationIp", SIM_EQ, "127.0.0.1"},                                    \
			    {"DestinationPort", SIM_EQ, "${PORT}"}, {"Protocol", SIM_EQ, proto},   \
			    PID_IS                                                                 \
		}                                                                                  \
	}

static const struct sim_def suite[] = {
    /* Discovery: the commands themselves are the behaviour. */
    {"discovery-whoami",
     "T1033",
     "System Owner/User Discovery: whoami",
     NULL,
     {"whoami"},
     {EXEC("whoami")}},
    {"discovery-uname",
     "T1082",
     "System Information Discovery: uname -a",
     NULL,
     {"uname", "-a"},
     {EXEC("uname")}},
    {"discovery-ip-addr",
     "T1016",
     "System Network Configuration Discovery: ip addr",
     NULL,
     {"ip", "addr"},
     {EXEC("ip")}},
    {"discovery-ps", "T1057", "Process Discovery: ps aux", NULL, {"ps", "aux"}, {EXEC("ps")}},
    {"discovery-ls",
     "T1083",
     "File and Directory Discovery: ls -la",
     NULL,
     {"ls", "-la", "${TMP}"},
     {EXEC("ls")}},
    {"discovery-passwd",
     "T1087.001",
     "Local Account Discovery: cat /etc/passwd",
     NULL,
     {"cat", "/etc/passwd"},
     {{1, "cat /etc/passwd", {{"CommandLine", SIM_CONTAINS, "/etc/passwd"}, PPID_IS}}}},
    {"discovery-groups", "T1069.001", "Local Groups Discovery: id", NULL, {"id"}, {EXEC("id")}},
    {"discovery-ss",
     "T1049",
     "System Network Connections Discovery: ss -tanp",
     NULL,
     {"ss", "-tanp"},
     {EXEC("ss")}},
    {"discovery-services",
     "T1007",
     "System Service Discovery: systemctl list-units",
     NULL,
     {"systemctl", "list-units", "--type=service", "--no-pager"},
     {EXEC("systemctl")}},
    {"discovery-dpkg",
     "T1518",
     "Software Discovery: dpkg -l",
     NULL,
     {"dpkg", "-l"},
     {EXEC("dpkg")}},
    {"discovery-date", "T1124", "System Time Discovery: date", NULL, {"date"}, {EXEC("date")}},
    {"discovery-locale",
     "T1614.001",
     "System Language Discovery: locale",
     NULL,
     {"locale"},
     {EXEC("locale")}},
    {"discovery-virt",
     "T1497.001",
     "Virtualization/Sandbox Evasion: systemd-detect-virt",
     NULL,
     {"systemd-detect-virt"},
     {EXEC("systemd-detect-virt")}},
    {"discovery-login-defs",
     "T1201",
     "Password Policy Discovery: cat /etc/login.defs",
     NULL,
     {"cat", "/etc/login.defs"},
     {{1, "cat /etc/login.defs", {{"CommandLine", SIM_CONTAINS, "/etc/login.defs"}, PPID_IS}}}},
    {"discovery-hosts",
     "T1018",
     "Remote System Discovery: getent hosts",
     NULL,
     {"getent", "hosts", "localhost"},
     {EXEC("getent")}},
    {"discovery-find",
     "T1119",
     "Automated Collection: find files",
     NULL,
     {"find", "${TMP}", "-type", "f"},
     {EXEC("find")}},
    /* Execution */
    {"exec-sh-c",
     "T1059.004",
     "Unix Shell: sh -c",
     NULL,
     {"sh", "-c", "echo vigil-sim"},
     {{1, "sh -c", {{"CommandLine", SIM_CONTAINS, "echo vigil-sim"}, PPID_IS}}}},
    {"exec-python",
     "T1059.006",
     "Python: python3 -c",
     NULL,
     {"python3", "-c", "pass"},
     {{1, "python3 -c", {{"Image", SIM_CONTAINS, "/python3"}, PPID_IS}}}},
    {"exec-script",
     "T1204.002",
     "User Execution: script dropped and run",
     s_script,
     {},
     {FILE_EV(11, "script created", "run.sh"),
      {1, "script run", {{"CommandLine", SIM_CONTAINS, "${TMP}/run.sh"}, PPID_IS}}}},
    /* Defense evasion */
    {"evasion-timestomp",
     "T1070.006",
     "Timestomp: utimensat to 2001",
     s_timestomp,
     {},
     {FILE_EV(2, "file time changed", "report.txt")}},
    {"evasion-delete",
     "T1070.004",
     "File Deletion: unlink",
     s_delete,
     {},
     {FILE_EV(11, "file created", "evidence.log"), FILE_EV(23, "file deleted", "evidence.log")}},
    {"evasion-chmod",
     "T1222.002",
     "Linux File Permissions Modification: chmod 0777",
     s_chmod,
     {},
     {{202,
       "mode change",
       {{"TargetFilename", SIM_EQ, "${TMP}/world.sh"}, {"Change", SIM_EQ, "mode"}, PID_IS}}}},
    {"evasion-hidden",
     "T1564.001",
     "Hidden Files: dot file",
     s_hidden_file,
     {},
     {FILE_EV(11, "hidden file created", ".vigil-hidden")}},
    {"evasion-masquerade",
     "T1036.005",
     "Match Legitimate Name: run a copy named sshd",
     s_masquerade,
     {},
     {{1, "exec of ${TMP}/sshd", {{"Image", SIM_EQ, "${TMP}/sshd"}, PPID_IS}}}},
    {"evasion-rename-utility",
     "T1036.003",
     "Rename System Utilities: rename then run",
     s_rename_utility,
     {},
     {{201,
       "rename",
       {{"SourceFilename", SIM_EQ, "${TMP}/curl-copy"},
	{"TargetFilename", SIM_EQ, "${TMP}/kworker"},
	PID_IS}},
      {1, "exec of renamed copy", {{"Image", SIM_EQ, "${TMP}/kworker"}, PPID_IS}}}},
    {"evasion-clear-logs",
     "T1070.002",
     "Clear Linux System Logs: truncate auth.log",
     s_clear_logs,
     {},
     {FILE_EV(200, "log truncated", "var/log/auth.log")}},
    {"evasion-clear-history",
     "T1070.003",
     "Clear Command History: delete .bash_history",
     s_clear_history,
     {},
     {FILE_EV(23, "history deleted", "home/user/.bash_history")}},
    {"evasion-audit-rules",
     "T1562.012",
     "Disable Linux Audit System: rewrite audit rules",
     s_audit_rules,
     {},
     {FILE_EV(200, "audit rules rewritten", "etc/audit/rules.d/audit.rules")}},
    {"evasion-decode", "T1140", "Deobfuscate/Decode: base64 -d", s_base64, {}, {EXEC("base64")}},
    {"evasion-memfd-exec",
     "T1620",
     "Reflective Code Loading: memfd_create + fexecve",
     s_memfd_exec,
     {},
     {{1, "exec of a memfd", {{"Image", SIM_CONTAINS, "memfd:vigil-sim"}, PPID_IS}},
      {25,
       "fileless execution",
       {{"Type", SIM_EQ, "Fileless execution"}, {"ProcessId", SIM_EQ, "${AUX}"}}}}},
    {"evasion-ld-preload",
     "T1574.006",
     "Dynamic Linker Hijacking: write ld.so.preload",
     s_ld_preload,
     {},
     {FILE_EV(11, "ld.so.preload created", "etc/ld.so.preload")}},
    {"evasion-namespace",
     "T1611",
     "Escape to Host: unshare a UTS namespace",
     s_unshare,
     {},
     {{205, "unshare", {{"Syscall", SIM_EQ, "unshare"}, PID_IS}}}},
    {"evasion-mount",
     "T1564",
     "Hide Artifacts: private tmpfs mount",
     s_mount,
     {},
     {{206, "tmpfs mount", {{"Target", SIM_EQ, "${TMP}/mnt"}, PID_IS}},
      {205, "mount namespace", {{"Syscall", SIM_EQ, "unshare"}, PID_IS}}}},
    {"evasion-bpf-filter",
     "T1205.002",
     "Socket Filters: load and attach a BPF socket filter",
     s_bpf_socket_filter,
     {},
     {{100, "bpf program load", {PID_IS}}}},
    /* Persistence (paths recreated under the temporary directory) */
    {"persist-cron",
     "T1053.003",
     "Cron: file in etc/cron.d",
     s_cron,
     {},
     {FILE_EV(11, "cron file created", "etc/cron.d/vigil-sim")}},
    {"persist-cron-rename",
     "T1053.003",
     "Cron: job renamed into etc/cron.d",
     s_rename_into_cron,
     {},
     {{201, "rename into cron.d", {{"TargetFilename", SIM_EQ, "${TMP}/etc/cron.d/job"}, PID_IS}}}},
    {"persist-systemd-service",
     "T1543.002",
     "Systemd Service: new unit file",
     s_systemd_service,
     {},
     {FILE_EV(11, "unit created", "etc/systemd/system/vigil-sim.service")}},
    {"persist-systemd-timer",
     "T1053.006",
     "Systemd Timers: new timer unit",
     s_systemd_timer,
     {},
     {FILE_EV(11, "timer created", "etc/systemd/system/vigil-sim.timer")}},
    {"persist-bashrc",
     "T1546.004",
     "Unix Shell Configuration Modification: append to .bashrc",
     s_bashrc,
     {},
     {FILE_EV(200, ".bashrc modified", "home/user/.bashrc")}},
    {"persist-ssh-keys",
     "T1098.004",
     "SSH Authorized Keys: write authorized_keys",
     s_authorized_keys,
     {},
     {FILE_EV(11, "authorized_keys created", "home/user/.ssh/authorized_keys")}},
    {"persist-account",
     "T1136.001",
     "Create Local Account: append to a copy of /etc/passwd",
     s_passwd,
     {},
     {FILE_EV(200, "passwd modified", "etc/passwd")}},
    {"persist-rc-local",
     "T1037.004",
     "RC Scripts: write rc.local",
     s_rc_local,
     {},
     {FILE_EV(11, "rc.local created", "etc/rc.local"),
      FILE_EV(29, "executable written", "etc/rc.local")}},
    {"persist-binary-patch",
     "T1554",
     "Compromise Host Software Binary: patch a copy of a binary",
     s_binary_patch,
     {},
     {FILE_EV(200, "binary modified", "bin/ls")}},
    /* Privilege escalation */
    {"privesc-setuid-bit",
     "T1548.001",
     "Setuid and Setgid: chmod u+s",
     s_setuid_bit,
     {},
     {{202,
       "setuid bit set",
       {{"TargetFilename", SIM_EQ, "${TMP}/suidcopy"},
	{"NewValue", SIM_CONTAINS, "4755"},
	PID_IS}}}},
    {"privesc-setresuid",
     "T1548",
     "Credential change: setresuid",
     s_setresuid,
     {},
     {{203, "uid change", {{"NewUid", SIM_EQ, "65534"}, PID_IS}}}},
    {"privesc-loginuid",
     "T1078.003",
     "Local Accounts: new login session (loginuid)",
     s_loginuid,
     {},
     /* The session is reported for its first program, the simulation's
      * child, as it would be for the shell sshd starts. */
     {{207, "login session", {{"Image", SIM_EQ, "/usr/bin/true"}, {"LogonId", SIM_EQ, "0"}}}}},
    {"privesc-ptrace-poke",
     "T1055.008",
     "Ptrace System Calls: POKEDATA into own child",
     s_ptrace_poke,
     {},
     {{10,
       "ptrace of child",
       {{"SourceProcessId", SIM_EQ, "${PID}"}, {"TargetProcessId", SIM_EQ, "${AUX}"}}},
      /* Tampering names the process written into, as Sysmon does. */
      {25, "memory write", {{"Type", SIM_EQ, "Memory write"}, {"ProcessId", SIM_EQ, "${AUX}"}}}}},
    {"privesc-ptrace-attach",
     "T1055.008",
     "Ptrace System Calls: attach and PEEKDATA",
     s_ptrace_peek,
     {},
     {{10,
       "ptrace of child",
       {{"SourceProcessId", SIM_EQ, "${PID}"}, {"TargetProcessId", SIM_EQ, "${AUX}"}}}}},
    /* Credential access */
    {"cred-shadow",
     "T1003.008",
     "/etc/passwd and /etc/shadow: cat /etc/shadow",
     NULL,
     {"cat", "/etc/shadow"},
     {{1, "cat /etc/shadow", {{"CommandLine", SIM_CONTAINS, "/etc/shadow"}, PPID_IS}}}},
    {"cred-proc-mem",
     "T1003.007",
     "Proc Filesystem: read /proc/PID/mem of own child",
     s_proc_mem,
     {},
     {{10,
       "/proc/PID/mem open",
       {{"SourceProcessId", SIM_EQ, "${PID}"}, {"TargetProcessId", SIM_EQ, "${AUX}"}}}}},
    {"cred-vm-readv",
     "T1003.007",
     "Proc Filesystem: process_vm_readv of own child",
     s_process_vm_readv,
     {},
     {{10,
       "process_vm_readv",
       {{"SourceProcessId", SIM_EQ, "${PID}"}, {"TargetProcessId", SIM_EQ, "${AUX}"}}}}},
    {"cred-grep",
     "T1552.001",
     "Credentials In Files: grep -ri password",
     s_grep_creds,
     {},
     {{1, "grep password", {{"CommandLine", SIM_CONTAINS, "password"}, PPID_IS}}}},
    {"cred-find-keys",
     "T1552.004",
     "Private Keys: find *.pem",
     s_find_keys,
     {},
     {{1, "find *.pem", {{"CommandLine", SIM_CONTAINS, "*.pem"}, PPID_IS}}}},
    /* Collection */
    {"collect-tar",
     "T1560.001",
     "Archive via Utility: tar czf",
     s_tar,
     {},
     {EXEC("tar"), {11, "archive created", {{"TargetFilename", SIM_EQ, "${TMP}/archive.tgz"}}}}},
    {"collect-staging",
     "T1074.001",
     "Local Data Staging: copy to a staging dir",
     s_staging,
     {},
     {FILE_EV(11, "staged copy", "staged/hostname")}},
    {"collect-raw-disk",
     "T1005",
     "Data from Local System: raw block device read",
     s_raw_read,
     {},
     {{9, "raw read", {{"Device", SIM_STARTS, "/dev/"}, PID_IS}}}},
    {"collect-module",
     "T1129",
     "Shared Modules: dlopen a copied library",
     s_dlopen,
     {},
     {{7, "library load", {{"ImageLoaded", SIM_EQ, "${TMP}/libvigilsim.so"}, PID_IS}}}},
    /* Command and control, exfiltration (loopback only) */
    {"c2-nonstd-port",
     "T1571",
     "Non-Standard Port: loopback TCP on an ephemeral port",
     s_nonstd_port,
     {},
     {CONN("tcp"), {204, "listener", {{"LocalPort", SIM_EQ, "${PORT}"}, PID_IS}}}},
    {"c2-http",
     "T1071.001",
     "Web Protocols: HTTP request over loopback",
     s_http,
     {},
     {CONN("tcp")}},
    {"c2-udp", "T1095", "Non-Application Layer Protocol: UDP datagram", s_udp, {}, {CONN("udp")}},
    {"c2-dns",
     "T1071.004",
     "DNS: query to a loopback responder",
     s_dns,
     {},
     {{22, "DNS query", {{"QueryName", SIM_EQ, "vigil-sim-${PID}.example"}, PID_IS}},
      {3,
       "UDP to port 53",
       {{"DestinationPort", SIM_EQ, "53"}, {"Protocol", SIM_EQ, "udp"}, PID_IS}}}},
    {"c2-ingress",
     "T1105",
     "Ingress Tool Transfer: download over loopback and save",
     s_ingress,
     {},
     {CONN("tcp"), FILE_EV(11, "tool written", "tool")}},
    {"exfil-tcp",
     "T1048.003",
     "Exfiltration Over Unencrypted Protocol: loopback TCP",
     s_exfil_tcp,
     {},
     {CONN("tcp")}},
    {"discovery-scan",
     "T1046",
     "Network Service Discovery: loopback port scan",
     s_scan,
     {},
     {CONN("tcp")}},
    /* Impact (own files only) */
    {"impact-destroy",
     "T1485",
     "Data Destruction: overwrite then delete",
     s_destroy,
     {},
     {FILE_EV(200, "overwritten", "data.db"), FILE_EV(23, "deleted", "data.db")}},
    {"impact-encrypt",
     "T1486",
     "Data Encrypted for Impact: write .locked, remove original",
     s_encrypt,
     {},
     {FILE_EV(11, "encrypted copy", "photo.jpg.locked"),
      FILE_EV(23, "original removed", "photo.jpg")}},
    {"impact-manipulate",
     "T1565.001",
     "Stored Data Manipulation: rewrite a record",
     s_manipulate,
     {},
     {FILE_EV(200, "data rewritten", "ledger.csv")}},
};

/* The suite; *n receives the count. */
const struct sim_def *sim_suite(size_t *n)
{
	*n = sizeof(suite) / sizeof(suite[0]);
	return suite;
}

/* Finds a simulation by id, else the first for a technique id. */
const struct sim_def *sim_find(const char *id_or_technique)
{
	size_t n = sizeof(suite) / sizeof(suite[0]);

	for (size_t i = 0; i < n; i++)
		if (strcmp(suite[i].id, id_or_technique) == 0)
			return &suite[i];
	for (size_t i = 0; i < n; i++)
		if (strcmp(suite[i].technique, id_or_technique) == 0)
			return &suite[i];
	return NULL;
}
