/*
 * sim_helpers.c — what the simulations of `vigil simulate` share: running a
 * command (sim_exec), writing and copying files under the simulation's
 * temporary directory, loopback TCP, and helper children to look at.
 *
 * Every helper keeps the suite's rules (see sim_suite.c): files only under
 * ctx->tmp, network only on 127.0.0.1, a child it starts is the caller's to
 * reap with sim_reap().
 */
#include "coverage/sim_helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read through ptrace and /proc/PID/mem by the privilege-escalation and
 * credential-access simulations, in a forked child's copy. */
volatile long sim_poke_target = 1;

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

int sim_runv(struct sim_ctx *ctx, const char *a0, const char *a1, const char *a2, const char *a3)
{
	const char *const argv[] = {a0, a1, a2, a3, NULL};

	return sim_exec(ctx, argv);
}

int sim_mkdirs(const char *path)
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
int sim_put_file(struct sim_ctx *ctx, const char *rel, const char *content, int flags, mode_t mode,
		 char *path_out, size_t len)
{
	char path[512];
	int fd;
	size_t n = strlen(content);

	snprintf(path, sizeof(path), "%s/%s", ctx->tmp, rel);
	if (path_out)
		snprintf(path_out, len, "%s", path);
	if (sim_mkdirs(path))
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

int sim_create_file(struct sim_ctx *ctx, const char *rel, const char *content, mode_t mode)
{
	return sim_put_file(ctx, rel, content, O_CREAT | O_EXCL, mode, NULL, 0);
}

int sim_copy_file(const char *from, const char *to, mode_t mode)
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

void sim_rm_rel(struct sim_ctx *ctx, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", ctx->tmp, rel);
	unlink(path);
}

int sim_drop_file(struct sim_ctx *ctx, const char *rel, const char *content, mode_t mode)
{
	if (sim_create_file(ctx, rel, content, mode))
		return 1;
	sim_rm_rel(ctx, rel);
	return 0;
}

int sim_rewrite_file(struct sim_ctx *ctx, const char *rel, const char *content, const char *then,
		     int flags, mode_t mode)
{
	if (sim_create_file(ctx, rel, content, mode) ||
	    sim_put_file(ctx, rel, then, flags, mode, NULL, 0))
		return 1;
	sim_rm_rel(ctx, rel);
	return 0;
}

int sim_append_to_copy(struct sim_ctx *ctx, const char *from, const char *rel, const char *append,
		       mode_t mode)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", ctx->tmp, rel);
	if (sim_mkdirs(p) || sim_copy_file(from, p, mode))
		return 1;
	if (sim_put_file(ctx, rel, append, O_APPEND, mode, NULL, 0))
		return 1;
	unlink(p);
	return 0;
}

int sim_exec_on_file(struct sim_ctx *ctx, const char *rel, const char *content, mode_t mode,
		     const char *const *argv)
{
	int rc;

	if (sim_create_file(ctx, rel, content, mode))
		return 1;
	rc = sim_exec(ctx, argv);
	sim_rm_rel(ctx, rel);
	return rc;
}

/* A loopback TCP listener on an ephemeral port (recorded in ctx->port). */
int sim_tcp_listener(struct sim_ctx *ctx)
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

int sim_tcp_connect(int port)
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
int sim_tcp_exchange(struct sim_ctx *ctx, const char *msg, const char *reply, char *got,
		     size_t glen)
{
	int l = sim_tcp_listener(ctx), c, s;
	ssize_t n;

	if (l < 0)
		return 1;
	c = sim_tcp_connect(ctx->port);
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
pid_t sim_idle_child(struct sim_ctx *ctx)
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

void sim_reap(pid_t p)
{
	if (p > 0) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
}
