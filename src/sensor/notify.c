/*
 * notify.c — sd_notify(3)'s datagram protocol without libsystemd; see
 * notify.h.
 */
#include "sensor/notify.h"

#include "common/duration.h"
#include "common/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t wd_ns;	  /* watchdog interval, 0 = none */
	uint64_t last_ns; /* last WATCHDOG=1 */
} N = {.fd = -1};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

int notify__init(void)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	const char *wpid = getenv("WATCHDOG_PID");
	uint64_t usec = 0, pid = 0;
	size_t len;

	if (sock == NULL || sock[0] == '\0')
		return 0;
	len = strlen(sock);
	/* A path, or '@' + a name in the abstract namespace (leading NUL). */
	if ((sock[0] != '/' && sock[0] != '@') || len < 2 || len >= sizeof(N.addr.sun_path)) {
		log_warnx("NOTIFY_SOCKET '%s' is not a unix socket path: not notifying", sock);
		return -EINVAL;
	}
	memset(&N.addr, 0, sizeof(N.addr));
	N.addr.sun_family = AF_UNIX;
	memcpy(N.addr.sun_path, sock, len);
	if (sock[0] == '@')
		N.addr.sun_path[0] = '\0';
	/* An abstract name's length is exact; a path may carry its NUL. */
	N.addr_len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (sock[0] == '@' ? 0 : 1));
	N.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (N.fd < 0) {
		int err = -errno;
		log_warn("NOTIFY_SOCKET: cannot create a socket");
		return err;
	}
	/* The watchdog is for this process only when WATCHDOG_PID says so
	 * (or is absent, as systemd leaves it for the main process). */
	if (parse_u64(getenv("WATCHDOG_USEC"), &usec) == 0 && usec > 0 &&
	    (wpid == NULL || (parse_u64(wpid, &pid) == 0 && pid == (uint64_t)getpid())))
		N.wd_ns = usec * NSEC_PER_USEC;
	/* Children (none today) must not inherit the protocol. */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
}

int notify__send(const char *msg)
{
	ssize_t n;

	if (N.fd < 0)
		return 0;
	do
		n = sendto(N.fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&N.addr,
			   N.addr_len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

void notify__tick(uint64_t now_ns)
{
	/* Half the interval, as sd_watchdog_enabled(3) advises, so one late
	 * tick does not get the service killed. */
	if (N.fd < 0 || N.wd_ns == 0 || now_ns - N.last_ns < N.wd_ns / 2)
		return;
	N.last_ns = now_ns;
	notify__send("WATCHDOG=1");
}

uint64_t notify__watchdog_ns(void)
{
	return N.wd_ns;
}

void notify__close(void)
{
	if (N.fd >= 0)
		close(N.fd);
	N.fd = -1;
}
