/*
 * control.c — the control socket server; see control.h for the contract and
 * the wire protocol.
 *
 * Every client gets a tiny state machine (reading the request, then writing
 * the reply) in a fixed table, so memory is bounded however many connect.
 * The fd handed to the event loop is an epoll set of our own holding the
 * listening socket, every client socket and a deadline timerfd: a nested
 * epoll fd is readable whenever any member is, which lets a request that
 * arrives after the accept, or a deadline that expires, wake the sensor's
 * loop without that loop knowing about individual clients.
 */
#include "sensor/control.h"

#include "common/duration.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_REQ_MAX	    64
#define CONTROL_REPLY_MAX   (4u << 20)
#define CONTROL_READ_NS	    (100 * NSEC_PER_MSEC)
#define CONTROL_WRITE_NS    NSEC_PER_SEC
/* Accepts per call: a connect flood cannot hold the event loop in here; the
 * level-triggered fd brings us back for the rest. */
#define CONTROL_ACCEPT_BURST 32

enum conn_state { CONN_FREE = 0, CONN_READING, CONN_WRITING };

struct conn {
	enum conn_state state;
	int fd;
	uint64_t deadline; /* CLOCK_MONOTONIC ns */
	size_t req_len;
	char req[CONTROL_REQ_MAX];
	struct strbuf out; /* the reply while WRITING */
	size_t sent;
};

struct control {
	int lfd;  /* listening socket */
	int epfd; /* what control__fd() returns */
	int tfd;  /* deadline timer */
	char *path;
	dev_t dev; /* identity of the socket inode we bound, for close */
	ino_t ino;
	struct control_stats stats;
	struct conn conns[CONTROL_MAX_CLIENTS];
	/* "rotate": reopens the outputs (control__set_rotate) */
	void (*rotate)(void *ctx, struct strbuf *out);
	void *rotate_ctx;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, n);
	return 0;
}

/* mkdir -p with mode 0700 for the components that do not exist yet; existing
 * ones are left as they are (they may be shared, like /run). */
static int make_parents(char *dir)
{
	struct stat st;

	if (dir[0] == '\0' || strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0)
		return 0;
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	if (errno != ENOENT)
		return -errno;

	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		int rc;

		*slash = '\0';
		rc = make_parents(dir);
		*slash = '/';
		if (rc < 0)
			return rc;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Decides whether the file at path may be replaced: a socket nobody listens
 * on may (0 after unlinking it), a live socket may not (-EADDRINUSE), nor may
 * anything that is not a socket (-EEXIST). Nothing there at all is fine.
 */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;

	/* Non-blocking: a live sensor with a full backlog answers EAGAIN rather
	 * than stalling our start-up, and is just as alive. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 || rc == -EAGAIN || rc == -EINPROGRESS)
		return -EADDRINUSE;
	if (rc != -ECONNREFUSED)
		return rc;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Binds and listens on path with the parent directory locked, so two
 * sensors starting together cannot both judge the socket stale and remove
 * each other's. Returns the listening fd or -errno. */
static int bind_locked(struct control *c, const struct sockaddr_un *sa)
{
	char dir[sizeof(sa->sun_path)];
	char *slash;
	struct stat st;
	int dfd, lfd = -1, rc;

	strcpy(dir, c->path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	rc = make_parents(dir);
	if (rc < 0)
		return rc;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (flock(dfd, LOCK_EX) < 0) {
		rc = -errno;
		goto out;
	}
	rc = clear_stale(c->path, sa);
	if (rc < 0)
		goto out;
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		rc = -errno;
		goto out;
	}
	if (bind(lfd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		rc = -errno;
		goto out;
	}
	/* chmod after bind rather than a umask dance: umask is process-wide and
	 * the sink threads create files. Until the chmod the socket has the
	 * umask's mode, which is why a directory we create is 0700. */
	if (chmod(c->path, 0600) < 0 || lstat(c->path, &st) < 0) {
		rc = -errno;
		unlink(c->path);
		goto out;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(lfd, CONTROL_MAX_CLIENTS) < 0) {
		rc = -errno;
		unlink(c->path);
		goto out;
	}
	rc = lfd;
	lfd = -1;
out:
	if (lfd >= 0)
		close(lfd);
	close(dfd); /* also drops the lock */
	return rc;
}

struct control *control__open(const char *path)
{
	struct sockaddr_un sa;
	struct epoll_event ev = {.events = EPOLLIN};
	struct control *c;
	int rc;

	if (path == NULL)
		path = CONTROL_DEFAULT_PATH;
	rc = fill_addr(&sa, path);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->lfd = c->epfd = c->tfd = -1;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->conns[i].fd = -1;
	c->path = strdup(path);
	if (c->path == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = bind_locked(c, &sa);
	if (rc < 0)
		goto fail;
	c->lfd = rc;

	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->epfd < 0 || c->tfd < 0) {
		rc = -errno;
		goto fail;
	}
	/* data.u32 is the slot index; these two are out of the slot range. */
	ev.data.u32 = UINT32_MAX;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	ev.data.u32 = UINT32_MAX - 1;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->tfd, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	return c;
fail:
	control__close(c);
	errno = -rc;
	return NULL;
}

static void conn_free(struct control *c, struct conn *k)
{
	if (k->fd >= 0) {
		/* Closing removes it from the epoll set too. */
		close(k->fd);
	}
	strbuf__free(&k->out);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	k->state = CONN_FREE;
}

void control__close(struct control *c)
{
	struct stat st;

	if (c == NULL)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->conns[i].state != CONN_FREE)
			conn_free(c, &c->conns[i]);
	if (c->lfd >= 0) {
		/* Only our own inode: a sensor that replaced a stale-looking
		 * socket of ours must keep its own. */
		if (c->path != NULL && lstat(c->path, &st) == 0 && st.st_dev == c->dev &&
		    st.st_ino == c->ino)
			unlink(c->path);
		close(c->lfd);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->tfd >= 0)
		close(c->tfd);
	free(c->path);
	free(c);
}

int control__fd(const struct control *c)
{
	return c->epfd;
}

void control__stats(const struct control *c, struct control_stats *out)
{
	*out = c->stats;
}

/* Best effort: one line to a client we are about to close. The socket
 * buffer of a fresh connection is empty, so a short line always fits. */
static void say_and_close(struct control *c, int fd, const char *line)
{
	(void)send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void conn_drop(struct control *c, struct conn *k, const char *line)
{
	if (line != NULL)
		(void)send(k->fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
	c->stats.dropped++;
	conn_free(c, k);
}

/* Sends what is left of the reply. Returns true when the connection is done
 * with (served or dropped), false when it waits for buffer space. */
static bool conn_write(struct control *c, struct conn *k)
{
	while (k->sent < k->out.len) {
		ssize_t n = send(k->fd, k->out.buf + k->sent, k->out.len - k->sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return false;
			conn_drop(c, k, NULL); /* EPIPE, ECONNRESET: client gone */
			return true;
		}
		k->sent += (size_t)n;
	}
	c->stats.served++;
	conn_free(c, k);
	return true;
}

/* Builds the reply for a complete request line (without its newline) and
 * starts sending it. */
static void conn_reply(struct control *c, struct conn *k, char *line,
		       void (*snapshot)(void *, struct strbuf *, bool), void *ctx)
{
	struct epoll_event ev = {.events = EPOLLOUT};
	size_t n = strlen(line);
	bool json, rotate = false;

	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (strcmp(line, "rotate") == 0 && c->rotate) {
		rotate = true;
		json = false;
	} else if (strcmp(line, "status") == 0) {
		json = false;
	} else if (strcmp(line, "status json") == 0) {
		json = true;
	} else {
		conn_drop(c, k, "ERR request: expected \"status\" or \"status json\"\n");
		return;
	}
	if (snapshot == NULL && !rotate) {
		conn_drop(c, k, "ERR internal: no snapshot available\n");
		return;
	}
	strbuf__init(&k->out, CONTROL_REPLY_MAX);
	strbuf__adds(&k->out, "OK\n");
	if (rotate)
		c->rotate(c->rotate_ctx, &k->out);
	else
		snapshot(ctx, &k->out, json);
	if (k->out.overflow) {
		conn_drop(c, k, "ERR internal: status does not fit the reply limit\n");
		return;
	}
	k->state = CONN_WRITING;
	k->sent = 0;
	k->deadline = now_ns() + CONTROL_WRITE_NS;
	if (conn_write(c, k))
		return;
	/* The rest goes out as the client reads: wait for room, not for input. */
	ev.data.u32 = (uint32_t)(k - c->conns);
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, k->fd, &ev) < 0)
		conn_drop(c, k, NULL);
}

/* Reads what the client has sent so far; replies once a line is complete. */
static void conn_read(struct control *c, struct conn *k,
		      void (*snapshot)(void *, struct strbuf *, bool), void *ctx)
{
	for (;;) {
		char *nl;
		ssize_t n =
		    recv(k->fd, k->req + k->req_len, sizeof(k->req) - 1 - k->req_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_drop(c, k, NULL);
			return;
		}
		if (n == 0) {
			/* Half-closed without a newline: what came is the request. */
			if (k->req_len == 0) {
				conn_drop(c, k, NULL);
				return;
			}
			k->req[k->req_len] = '\0';
			conn_reply(c, k, k->req, snapshot, ctx);
			return;
		}
		k->req_len += (size_t)n;
		k->req[k->req_len] = '\0';
		nl = memchr(k->req, '\n', k->req_len);
		if (nl != NULL) {
			*nl = '\0';
			conn_reply(c, k, k->req, snapshot, ctx);
			return;
		}
		if (k->req_len >= sizeof(k->req) - 1) {
			conn_drop(c, k, "ERR request: request too long\n");
			return;
		}
	}
}

static struct conn *free_slot(struct control *c)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->conns[i].state == CONN_FREE)
			return &c->conns[i];
	return NULL;
}

static void accept_clients(struct control *c, void (*snapshot)(void *, struct strbuf *, bool),
			   void *ctx)
{
	for (int i = 0; i < CONTROL_ACCEPT_BURST; i++) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct epoll_event ev = {.events = EPOLLIN};
		struct conn *k;
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* EAGAIN: done. EMFILE and the like: the client waits in
			 * the backlog and we try again on the next call. */
			return;
		}
		/* The socket's mode already keeps others out; this is for a
		 * non-root process that bypasses it with CAP_DAC_OVERRIDE. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
			c->stats.refused++;
			say_and_close(c, fd,
				      "ERR denied: the vigil control socket serves root only\n");
			continue;
		}
		k = free_slot(c);
		if (k == NULL) {
			c->stats.dropped++;
			say_and_close(c, fd, "ERR busy: too many status clients, try again\n");
			continue;
		}
		k->fd = fd;
		k->state = CONN_READING;
		k->req_len = 0;
		k->deadline = now_ns() + CONTROL_READ_NS;
		ev.data.u32 = (uint32_t)(k - c->conns);
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			conn_drop(c, k, "ERR internal: cannot watch the connection\n");
			continue;
		}
		/* The request usually arrived with the connect: answer now. */
		conn_read(c, k, snapshot, ctx);
	}
}

/* Arms the timer for the earliest deadline of the clients left, or disarms
 * it when there are none. */
static void arm_timer(struct control *c)
{
	struct itimerspec its;
	uint64_t next = 0;

	memset(&its, 0, sizeof(its));
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		const struct conn *k = &c->conns[i];

		if (k->state != CONN_FREE && (next == 0 || k->deadline < next))
			next = k->deadline;
	}
	if (next != 0) {
		its.it_value.tv_sec = (time_t)(next / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(next % NSEC_PER_SEC);
	}
	(void)timerfd_settime(c->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void control__handle(struct control *c, void (*snapshot)(void *ctx, struct strbuf *out, bool json),
		     void *ctx)
{
	uint64_t ticks, now;

	/* Consume the expiry so the fd stops reading as ready; the deadlines
	 * themselves are checked against the clock below. */
	(void)!read(c->tfd, &ticks, sizeof(ticks));

	/* Clients already pending first: their deadlines are older. */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct conn *k = &c->conns[i];

		if (k->state == CONN_READING)
			conn_read(c, k, snapshot, ctx);
		else if (k->state == CONN_WRITING)
			conn_write(c, k);
	}
	accept_clients(c, snapshot, ctx);

	now = now_ns();
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct conn *k = &c->conns[i];

		if (k->state == CONN_READING && now >= k->deadline)
			conn_drop(c, k, "ERR request: no request within 100 ms\n");
		else if (k->state == CONN_WRITING && now >= k->deadline)
			conn_drop(c, k, NULL);
	}
	arm_timer(c);
}

void control__set_rotate(struct control *c, void (*fn)(void *ctx, struct strbuf *out), void *ctx)
{
	if (c == NULL)
		return;
	c->rotate = fn;
	c->rotate_ctx = ctx;
}
