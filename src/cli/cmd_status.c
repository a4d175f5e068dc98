/*
 * cmd_status.c — `vigil status [--socket PATH] [--json] [--timeout 5s]`: asks
 * the running sensor for its live counters and state over the control socket
 * (see sensor/control.h for the protocol) and prints the answer.
 *
 * Exit codes: 0 with the sensor's status on stdout; EX_UNAVAILABLE (69) when
 * no sensor listens or it does not answer; EX_NOPERM (77) when the socket or
 * the sensor refuses us (not root); EX_PROTOCOL (76) for a reply that is not
 * the protocol; EX_IOERR when stdout cannot be written; EX_USAGE for bad
 * arguments. Every failure is one line on stderr.
 */
#include "cli/commands.h"
#include "cli/hunt.h"

#include "cli/opts.h"
#include "sensor/control.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

/* A sensor that accepted but never answers must not hang the operator. The
 * default suits a host; --timeout lets a slow one (an emulated guest whose
 * sensor is still busy starting) be waited for longer. */
#define STATUS_TIMEOUT_MS     5000
#define STATUS_TIMEOUT_MAX_MS 3600000
/* Above the server's 4 MiB reply cap, so a valid reply always fits. */
#define STATUS_REPLY_MAX (8u << 20)

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil status [--socket PATH] [--json] [--timeout 5s]\n"
		   "       vigil status --fleet URL --key FILE [--hosts GLOB] [--timeout 5s]\n"
		   "                    [--expect N] [--format table|json|csv]\n"
		   "\n"
		   "Prints the running sensor's live counters and state, read from its\n"
		   "control socket. Needs root.\n"
		   "\n"
		   "  --socket PATH  the control socket (default " CONTROL_DEFAULT_PATH ")\n"
		   "  --json         one JSON object instead of text\n"
		   "  --timeout D    how long to wait for the answer (default 5s; ms, s, m)\n"
		   "  --help         this text\n");
}

/* Connects to path. Returns the fd, or a sysexits code negated after
 * printing why. */
static int dial(const char *path, uint64_t timeout_ms)
{
	struct sockaddr_un sa;
	struct timeval tv = {.tv_sec = (time_t)(timeout_ms / 1000),
			     .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000};
	size_t n = strlen(path);
	int fd, err;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vigil status: socket path %s\n", n ? "too long" : "empty");
		return -EX_USAGE;
	}
	memcpy(sa.sun_path, path, n);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vigil: socket: %s\n", strerror(errno));
		return -EX_OSERR;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	err = errno;
	close(fd);
	switch (err) {
	case EACCES:
	case EPERM:
		fprintf(stderr, "vigil: permission denied: %s (vigil status needs root)\n", path);
		return -EX_NOPERM;
	case ENOENT:
	case ECONNREFUSED:
	case ENOTDIR:
		fprintf(stderr, "vigil: no sensor running (%s: %s)\n", path, strerror(err));
		return -EX_UNAVAILABLE;
	default:
		fprintf(stderr, "vigil: cannot reach the sensor (%s: %s)\n", path, strerror(err));
		return -EX_UNAVAILABLE;
	}
}

static bool send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads until the server closes. Returns 0 or a sysexits code after
 * printing why. */
static int read_reply(int fd, const char *path, uint64_t timeout_ms, struct strbuf *sb)
{
	char buf[16384];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				fprintf(stderr,
					"vigil: the sensor did not answer within %llu ms (%s)\n",
					(unsigned long long)timeout_ms, path);
				return EX_UNAVAILABLE;
			}
			/* A reset after a refusal line still leaves that line. */
			if (errno == ECONNRESET && sb->len > 0)
				return 0;
			fprintf(stderr, "vigil: reading from the sensor: %s\n", strerror(errno));
			return EX_UNAVAILABLE;
		}
		strbuf__add(sb, buf, (size_t)n);
		if (sb->overflow) {
			fprintf(stderr, "vigil: the sensor's reply is over %u bytes\n",
				STATUS_REPLY_MAX);
			return EX_PROTOCOL;
		}
	}
}

/* Prints the body of an "OK" reply, or the reason of an "ERR" one. */
static int show_reply(struct strbuf *sb)
{
	const char *r = strbuf__cstr(sb);
	const char *nl = memchr(r, '\n', sb->len);

	if (nl != NULL && nl - r == 2 && strncmp(r, "OK", 2) == 0) {
		size_t body = sb->len - 3;

		if (fwrite(nl + 1, 1, body, stdout) != body || fflush(stdout) != 0) {
			fprintf(stderr, "vigil: writing the status: %s\n", strerror(errno));
			return EX_IOERR;
		}
		return 0;
	}
	if (nl != NULL && strncmp(r, "ERR ", 4) == 0) {
		int len = (int)(nl - r - 4);

		fprintf(stderr, "vigil: the sensor refused: %.*s\n", len, r + 4);
		if (strncmp(r + 4, "denied:", 7) == 0)
			return EX_NOPERM;
		if (strncmp(r + 4, "busy:", 5) == 0)
			return EX_TEMPFAIL;
		return EX_PROTOCOL;
	}
	if (sb->len == 0)
		fprintf(stderr, "vigil: the sensor closed the connection without answering\n");
	else
		fprintf(stderr, "vigil: the sensor's reply is not in the control protocol\n");
	return EX_PROTOCOL;
}

static int request(const char *path, const char *req, uint64_t timeout_ms);

/* argv[*i] is --timeout D or --timeout=D: parses D into *ms, moving *i past
 * a separate D. Returns false after printing why. */
static bool take_timeout(const char *cmd, int argc, char **argv, int *i, uint64_t *ms)
{
	const char *v = argv[*i][9] == '=' ? argv[*i] + 10 : *i + 1 < argc ? argv[++*i] : NULL;

	if (v == NULL || opts__ms(v, 1, STATUS_TIMEOUT_MAX_MS, ms) < 0) {
		fprintf(stderr, "vigil %s: bad --timeout '%s' (e.g. 5s, 500ms, 2m; at most 1h)\n",
			cmd, v ? v : "");
		return false;
	}
	return true;
}

/* The options every control-socket command takes: --socket PATH and
 * --timeout D, in either spelling. Returns 1 when argv[*i] was one (moving
 * *i past its value), 0 when it is not, -1 after printing why it is bad. */
static int client_opt(const char *cmd, int argc, char **argv, int *i, const char **path,
		      uint64_t *timeout_ms)
{
	if (strcmp(argv[*i], "--socket") == 0) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "vigil %s: --socket needs a path\n", cmd);
			return -1;
		}
		*path = argv[++*i];
		return 1;
	}
	if (strncmp(argv[*i], "--socket=", 9) == 0) {
		*path = argv[*i] + 9;
		return 1;
	}
	if (strcmp(argv[*i], "--timeout") == 0 || strncmp(argv[*i], "--timeout=", 10) == 0)
		return take_timeout(cmd, argc, argv, i, timeout_ms) ? 1 : -1;
	return 0;
}

int cmd_status(int argc, char **argv)
{
	const char *path = CONTROL_DEFAULT_PATH;
	const char *req;
	uint64_t timeout_ms = STATUS_TIMEOUT_MS;
	bool json = false;
	int r;

	/* --fleet asks every sensor of the fleet instead (cmd_hunt_fleet.c). */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--fleet") == 0 || strncmp(argv[i], "--fleet=", 8) == 0)
			return cmd_status_fleet(argc, argv);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if ((r = client_opt("status", argc, argv, &i, &path, &timeout_ms)) != 0) {
			if (r < 0) {
				usage(stderr);
				return EX_USAGE;
			}
		} else {
			fprintf(stderr, "vigil status: unexpected argument %s\n", argv[i]);
			usage(stderr);
			return EX_USAGE;
		}
	}

	req = json ? "status json\n" : "status\n";
	return request(path, req, timeout_ms);
}

/* `vigil rotate [--socket PATH] [--timeout 5s]`: the sensor reopens its
 * output files (as on SIGUSR1), after logrotate has moved them. Same exits as
 * status. */
int cmd_rotate(int argc, char **argv)
{
	const char *path = CONTROL_DEFAULT_PATH;
	uint64_t timeout_ms = STATUS_TIMEOUT_MS;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: vigil rotate [--socket PATH] [--timeout 5s]\n\nAsks the "
			       "running sensor "
			       "to reopen its output files (as SIGUSR1 does),\nafter logrotate "
			       "moved them. Needs root.\n");
			return 0;
		} else if ((r = client_opt("rotate", argc, argv, &i, &path, &timeout_ms)) != 0) {
			if (r < 0)
				return EX_USAGE;
		} else {
			fprintf(stderr, "vigil rotate: unexpected argument %s\n", argv[i]);
			return EX_USAGE;
		}
	}
	return request(path, "rotate\n", timeout_ms);
}

/* Sends one request line and prints the reply. */
static int request(const char *path, const char *req, uint64_t timeout_ms)
{
	struct strbuf sb;
	int fd, rc;

	fd = dial(path, timeout_ms);
	if (fd < 0)
		return -fd;
	if (!send_all(fd, req, strlen(req))) {
		/* The sensor may have refused us already: read its reason. */
		if (errno != EPIPE && errno != ECONNRESET) {
			fprintf(stderr, "vigil: sending to the sensor: %s\n", strerror(errno));
			close(fd);
			return EX_UNAVAILABLE;
		}
	}
	strbuf__init(&sb, STATUS_REPLY_MAX);
	rc = read_reply(fd, path, timeout_ms, &sb);
	close(fd);
	if (rc == 0)
		rc = show_reply(&sb);
	strbuf__free(&sb);
	return rc;
}
