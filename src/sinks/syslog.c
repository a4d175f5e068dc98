/*
 * syslog.c — the syslog sink: each record as one Sysmon XML event line.
 *
 * Specs:
 *   syslog[?OPTS]                 local syslog(3), i.e. /dev/log
 *   syslog:udp://HOST:PORT[?OPTS] RFC 5424 over UDP, one message per datagram
 *   syslog:tcp://HOST:PORT[?OPTS] RFC 5424 over TCP, octet-counting framing
 *                                 (RFC 6587 §3.4.1: "LEN SP MSG")
 *   syslog:unix:PATH[?OPTS]       RFC 5424 datagrams to a local socket
 * OPTS: mode=sysmon|vigil (sysmon: ident "sysmon", provider Linux-Sysmon,
 * channel Linux-Sysmon/Operational, Sysmon's Data names only — the default;
 * vigil: ident "vigil", provider "vigil", vigil's extra fields too),
 * ident=NAME, provider=NAME, facility=user|daemon|local0..local7|N,
 * queue=N (messages held while the collector is slow, default 65536).
 *
 * The event thread only serialises (XML and the RFC 5424 header, stamped
 * with the record's time) and pushes onto a bounded queue; a sender thread
 * does the I/O. A slow or absent collector therefore fills the queue and
 * costs counted drops, never a stalled event thread. The sender reconnects
 * with exponential backoff (100 ms doubling to 5 s) and keeps the message it
 * was sending, so one outage loses only what overflowed the queue.
 */
#include "sinks/sink.h"

#include "common/duration.h"
#include "common/log.h"
#include "sinks/queue.h"
#include "sinks/sinkopt.h"
#include "sinks/sysmon_xml.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

enum slog_mode { SLOG_LOCAL, SLOG_UDP, SLOG_TCP, SLOG_UNIX };

#define SLOG_QUEUE_DEFAULT  65536
#define SLOG_QUEUE_BYTES    (256u << 20)
#define SLOG_UDP_MAX	    65000
#define SLOG_BACKOFF_MIN    100
#define SLOG_BACKOFF_MAX    5000
#define SLOG_CLOSE_GRACE_MS 2000 /* close() keeps trying a down collector this long */

struct slog_cfg {
	enum slog_mode mode;
	char host[256];
	unsigned port;
	char path[108];
	char target[300]; /* for messages: udp://H:P, tcp://H:P, unix:PATH */
	char ident[48];
	char provider[64];
	bool vigil_mode;
	bool ident_set, provider_set; /* given in the spec */
	int facility;		      /* syslog facility number 0..23 */
	uint64_t queue;
};

struct slog {
	struct slog_cfg cfg;
	struct sysmon_xml_opts xo;
	char hostname[256];
	struct strbuf line; /* event thread only */
	struct mqueue *q;
	pthread_t thr;
	bool thr_started;
	atomic_bool stop;
	uint64_t stop_deadline_ms; /* set before stop; read by the sender */
	atomic_int fd;		   /* the sender's; close() may shut it down */
	atomic_uint_fast64_t sent, send_dropped, send_errors;
	atomic_bool down;	  /* the last attempt to reach the collector failed */
	struct sink_order *order; /* the sink's; the sender stamps it */
	uint64_t reported_dropped, reported_errors;
};

static int facility_by_name(const char *v)
{
	static const char *const names[] = {"kern", "user", "mail", "daemon", "auth",	  "syslog",
					    "lpr",  "news", "uucp", "cron",   "authpriv", "ftp"};
	uint64_t n;

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			return (int)i;
	if (strncmp(v, "local", 5) == 0 && v[5] >= '0' && v[5] <= '7' && v[6] == '\0')
		return 16 + (v[5] - '0');
	if (sinkopt__uint(v, 0, 23, &n) == 0)
		return (int)n;
	return -1;
}

/* Parses arg (the spec after "syslog") into cfg, printing why on error. */
static int parse_spec(const char *arg, struct slog_cfg *cfg)
{
	const char *q, *target;
	size_t tlen;
	char key[32], val[256];
	bool ident_set = false, provider_set = false;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = SLOG_LOCAL;
	cfg->facility = 1; /* user, as Sysmon for Linux logs */
	cfg->queue = SLOG_QUEUE_DEFAULT;
	if (*arg != '\0' && *arg != ':' && *arg != '?') {
		fprintf(stderr,
			"vigil: output 'syslog%s': expected syslog, syslog:udp://HOST:PORT, "
			"syslog:tcp://HOST:PORT or syslog:unix:PATH\n",
			arg);
		return -EINVAL;
	}
	if (*arg == ':')
		arg++;
	q = strchr(arg, '?');
	target = arg;
	tlen = q ? (size_t)(q - arg) : strlen(arg);
	if (tlen == 0 || (tlen == 5 && strncmp(target, "local", 5) == 0)) {
		cfg->mode = SLOG_LOCAL;
	} else if (strncmp(target, "udp://", 6) == 0 || strncmp(target, "tcp://", 6) == 0) {
		cfg->mode = target[0] == 'u' ? SLOG_UDP : SLOG_TCP;
		if (sinkopt__hostport(target + 6, tlen - 6, cfg->host, sizeof(cfg->host),
				      &cfg->port) < 0) {
			fprintf(stderr,
				"vigil: output 'syslog:%.*s': expected HOST:PORT after %.6s\n",
				(int)tlen, target, target);
			return -EINVAL;
		}
	} else if (strncmp(target, "unix:", 5) == 0) {
		cfg->mode = SLOG_UNIX;
		if (tlen - 5 == 0 || tlen - 5 >= sizeof(cfg->path)) {
			fprintf(stderr,
				"vigil: output 'syslog:%.*s': needs a socket path (< %zu bytes)\n",
				(int)tlen, target, sizeof(cfg->path));
			return -EINVAL;
		}
		memcpy(cfg->path, target + 5, tlen - 5);
		cfg->path[tlen - 5] = '\0';
	} else {
		fprintf(stderr,
			"vigil: output 'syslog:%.*s': unknown transport (expected udp://, tcp:// "
			"or unix:)\n",
			(int)tlen, target);
		return -EINVAL;
	}
	snprintf(cfg->target, sizeof(cfg->target), "%.*s", (int)tlen, target);
	q = q ? q + 1 : NULL;
	while ((r = sinkopt__next(&q, key, sizeof(key), val, sizeof(val))) > 0) {
		if (strcmp(key, "mode") == 0 && strcmp(val, "sysmon") == 0) {
			cfg->vigil_mode = false;
		} else if (strcmp(key, "mode") == 0 && strcmp(val, "vigil") == 0) {
			cfg->vigil_mode = true;
		} else if (strcmp(key, "ident") == 0 && *val && strlen(val) < sizeof(cfg->ident) &&
			   strpbrk(val, " \t\r\n") == NULL) {
			snprintf(cfg->ident, sizeof(cfg->ident), "%s", val);
			ident_set = true;
		} else if (strcmp(key, "provider") == 0 && *val &&
			   strlen(val) < sizeof(cfg->provider)) {
			snprintf(cfg->provider, sizeof(cfg->provider), "%s", val);
			provider_set = true;
		} else if (strcmp(key, "facility") == 0 && facility_by_name(val) >= 0) {
			cfg->facility = facility_by_name(val);
		} else if (strcmp(key, "queue") == 0 &&
			   sinkopt__uint(val, 1, 10000000, &cfg->queue) == 0) {
		} else {
			fprintf(stderr,
				"vigil: output syslog: bad option '%s=%s' (options: "
				"mode=sysmon|vigil, ident=, provider=, facility=, queue=)\n",
				key, val);
			return -EINVAL;
		}
	}
	if (r < 0) {
		fprintf(stderr, "vigil: output syslog: malformed options '%s' (expected k=v&k=v)\n",
			q);
		return -EINVAL;
	}
	cfg->ident_set = ident_set;
	cfg->provider_set = provider_set;
	if (!ident_set)
		strcpy(cfg->ident, cfg->vigil_mode ? "vigil" : "sysmon");
	if (!provider_set)
		strcpy(cfg->provider, cfg->vigil_mode ? "vigil" : SYSMON_PROVIDER);
	return 0;
}

static int slog_check(const char *arg)
{
	struct slog_cfg cfg;

	return parse_spec(arg, &cfg);
}

static void close_fd(struct slog *l)
{
	int fd = atomic_exchange(&l->fd, -1);

	if (fd >= 0)
		close(fd);
}

/* Opens the transport. Returns 0 or -errno (not logged: the caller
 * rate-limits its warnings). */
static int connect_fd(struct slog *l)
{
	if (l->cfg.mode == SLOG_LOCAL) {
		return 0;
	} else if (l->cfg.mode == SLOG_UNIX) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		memcpy(sun.sun_path, l->cfg.path, strlen(l->cfg.path) + 1);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			int err = -errno;
			close(fd);
			return err;
		}
		l->fd = fd;
		return 0;
	} else {
		struct addrinfo hints = {0}, *res = NULL, *ai;
		char port[8];
		int err = -EHOSTUNREACH;

		hints.ai_socktype = l->cfg.mode == SLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
		snprintf(port, sizeof(port), "%u", l->cfg.port);
		if (getaddrinfo(l->cfg.host, port, &hints, &res) != 0)
			return -EHOSTUNREACH;
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			int fd =
			    socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
			struct timeval tv = {.tv_sec = 5};

			if (fd < 0)
				continue;
			/* A collector that stops reading must not hold the
			 * sender forever: time out and reconnect. */
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
				l->fd = fd;
				err = 0;
				break;
			}
			err = -errno;
			close(fd);
		}
		freeaddrinfo(res);
		return err;
	}
}

static int send_all(int fd, const struct iovec *iov_in, int n)
{
	struct iovec iov[2];
	ssize_t w;

	memcpy(iov, iov_in, sizeof(*iov) * (size_t)n);
	while (n > 0) {
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};

		/* sendmsg, not writev: MSG_NOSIGNAL, so a collector that
		 * hangs up costs an EPIPE, not a SIGPIPE. */
		w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		while (n > 0 && (size_t)w >= iov[0].iov_len) {
			w -= (ssize_t)iov[0].iov_len;
			iov[0] = iov[1];
			n--;
		}
		if (n > 0) {
			iov[0].iov_base = (char *)iov[0].iov_base + w;
			iov[0].iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Sends one message. Returns 0, -EMSGSIZE (message dropped, connection
 * fine) or another -errno (connection broken). */
static int send_one(struct slog *l, const struct mq_msg *m)
{
	char prefix[16];
	struct iovec iov[2];
	ssize_t w;

	switch (l->cfg.mode) {
	case SLOG_LOCAL:
		syslog(LOG_INFO, "%s", m->data);
		return 0;
	case SLOG_TCP:
		iov[0].iov_base = prefix;
		iov[0].iov_len = (size_t)snprintf(prefix, sizeof(prefix), "%u ", m->len);
		iov[1].iov_base = m->data;
		iov[1].iov_len = m->len;
		return send_all(l->fd, iov, 2);
	case SLOG_UDP:
	case SLOG_UNIX:
		if (m->len > SLOG_UDP_MAX)
			return -EMSGSIZE;
		w = send(l->fd, m->data, m->len, MSG_NOSIGNAL);
		if (w < 0 && (errno == ECONNREFUSED || errno == EMSGSIZE || errno == ENOBUFS ||
			      errno == EAGAIN))
			return -EMSGSIZE; /* datagram lost; the socket is still usable */
		return w < 0 ? -errno : 0;
	}
	return -EINVAL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * MSEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_MSEC;
}

static void sleep_ms(struct slog *l, unsigned ms)
{
	/* Sleeps in slices so close() is not held up by a long backoff. */
	while (ms > 0 && !(atomic_load(&l->stop) && now_ms() >= l->stop_deadline_ms)) {
		unsigned d = ms < 50 ? ms : 50;
		struct timespec ts = {.tv_nsec = (long)d * (long)NSEC_PER_MSEC};
		nanosleep(&ts, NULL);
		ms -= d;
	}
}

/* A record the sender gave up on, or a failed send: counted, and stamped
 * for the output's recovery (struct sink_order). */
static void slog_lost(struct slog *l, atomic_uint_fast64_t *counter)
{
	atomic_fetch_add(counter, 1);
	sink_order__lost(l->order);
}

static void *sender(void *arg)
{
	struct slog *l = arg;
	unsigned backoff = SLOG_BACKOFF_MIN;
	bool warned = false, gave_up = false;

	for (;;) {
		struct mq_msg *m = mqueue__pop_all(l->q, 200);

		if (m == NULL && atomic_load(&l->stop))
			break;
		while (m != NULL && gave_up) {
			/* Closing and the collector failed us past the grace
			 * period: the rest is dropped without another try. */
			struct mq_msg *next = m->next;
			slog_lost(l, &l->send_dropped);
			free(m);
			m = next;
		}
		while (m != NULL) {
			int err = 0;

			if (l->fd < 0 && l->cfg.mode != SLOG_LOCAL)
				err = connect_fd(l);
			if (err == 0)
				err = send_one(l, m);
			if (err == 0 || err == -EMSGSIZE) {
				struct mq_msg *next = m->next;
				if (err == 0) {
					atomic_fetch_add(&l->sent, 1);
					sink_order__delivered(l->order);
					atomic_store(&l->down, false);
				} else
					slog_lost(l, &l->send_dropped);
				free(m);
				m = next;
				backoff = SLOG_BACKOFF_MIN;
				warned = false;
				continue;
			}
			slog_lost(l, &l->send_errors);
			atomic_store(&l->down, true);
			if (!warned)
				log_warnx("syslog collector %s: %s; retrying with backoff",
					  l->cfg.target, strerror(-err));
			warned = true;
			close_fd(l);
			if (atomic_load(&l->stop) && now_ms() >= l->stop_deadline_ms) {
				/* Closing with the collector away past the grace
				 * period: what is left is dropped, and counted. */
				for (struct mq_msg *x = m; x; x = x->next)
					slog_lost(l, &l->send_dropped);
				mq_msg__free_list(m);
				m = NULL;
				gave_up = true;
				break;
			}
			sleep_ms(l, backoff);
			backoff = backoff * 2 > SLOG_BACKOFF_MAX ? SLOG_BACKOFF_MAX : backoff * 2;
		}
	}
	return NULL;
}

/* Joins thr if it ends within ms; returns whether it did. */
static bool join_within(pthread_t thr, unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / (unsigned)MSEC_PER_SEC;
	ts.tv_nsec += (long)(ms % (unsigned)MSEC_PER_SEC) * (long)NSEC_PER_MSEC;
	if (ts.tv_nsec >= (long)NSEC_PER_SEC) {
		ts.tv_sec++;
		ts.tv_nsec -= (long)NSEC_PER_SEC;
	}
	return pthread_timedjoin_np(thr, NULL, &ts) == 0;
}

static int slog_open(struct sink *s, const char *arg, const struct sink_env *env)
{
	struct slog *l = calloc(1, sizeof(*l));
	int err;

	if (l == NULL)
		return -ENOMEM;
	err = parse_spec(arg, &l->cfg);
	if (err < 0) {
		free(l);
		return err;
	}
	l->fd = -1;
	/* The daemon's settings (sink_env) fill in what the spec left out;
	 * the mode itself comes from the spec (mode=, default sysmon). */
	if (env != NULL && env->syslog_ident != NULL && !l->cfg.ident_set)
		snprintf(l->cfg.ident, sizeof(l->cfg.ident), "%s", env->syslog_ident);
	if (env != NULL && env->syslog_provider != NULL && !l->cfg.provider_set)
		snprintf(l->cfg.provider, sizeof(l->cfg.provider), "%s", env->syslog_provider);
	l->xo.provider = l->cfg.provider;
	l->xo.extras = l->cfg.vigil_mode;
	if (l->cfg.vigil_mode)
		l->xo.channel = "vigil/Operational";
	l->xo.pid = (unsigned)getpid();
	l->xo.tid = (unsigned)syscall(SYS_gettid);
	l->xo.uid = (unsigned)getuid();
	if (env != NULL && env->computer != NULL)
		snprintf(l->hostname, sizeof(l->hostname), "%s", env->computer);
	else if (gethostname(l->hostname, sizeof(l->hostname) - 1) < 0)
		strcpy(l->hostname, "-");
	strbuf__init(&l->line, 16u << 20);
	l->q = mqueue__new(l->cfg.queue, SLOG_QUEUE_BYTES);
	if (l->q == NULL) {
		strbuf__free(&l->line);
		free(l);
		return -ENOMEM;
	}
	if (l->cfg.mode == SLOG_LOCAL)
		openlog(l->cfg.ident, LOG_NDELAY, l->cfg.facility << 3);
	err = connect_fd(l);
	atomic_store(&l->down, err < 0 && l->cfg.mode != SLOG_LOCAL);
	if (err < 0 && l->cfg.mode != SLOG_LOCAL)
		log_warnx("syslog collector %s: %s; will keep retrying", l->cfg.target,
			  strerror(-err));
	l->order = &s->order;
	err = pthread_create(&l->thr, NULL, sender, l);
	if (err != 0) {
		close_fd(l);
		mqueue__free(l->q);
		strbuf__free(&l->line);
		free(l);
		return -err;
	}
	l->thr_started = true;
	s->priv = l;
	return 0;
}

static int slog_write(struct sink *s, const struct vrec *rec)
{
	struct slog *l = s->priv;
	struct strbuf *sb = &l->line;
	int err;

	strbuf__clear(sb);
	if (l->cfg.mode != SLOG_LOCAL) {
		/* RFC 5424 header: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID
		 * MSGID SD, stamped with the event's own time. */
		time_t secs = (time_t)(rec->ts_ns / NSEC_PER_SEC);
		unsigned us = (unsigned)(rec->ts_ns % NSEC_PER_SEC / NSEC_PER_USEC);
		char ts[32];
		struct tm tm;

		gmtime_r(&secs, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		strbuf__addf(sb, "<%d>1 %s.%06uZ %s %s %u - - ", l->cfg.facility * 8 + LOG_INFO, ts,
			     us, rec->computer ? rec->computer : l->hostname, l->cfg.ident,
			     l->xo.pid);
	}
	if (s->format == RECFMT_SYSMON)
		sysmon_xml__add_record(sb, rec, &l->xo);
	else
		sink__serialize(s, sb, rec); /* JSON in the message */
	if (sb->overflow) {
		sb->overflow = false;
		return -E2BIG;
	}
	/* Exactly the message: no NUL goes on the wire (the queue keeps one
	 * after the payload for syslog(3), outside len). */
	err = mqueue__push(l->q, NULL, 0, sb->buf, sb->len);
	s->st.queue_depth = mqueue__depth(l->q);
	return err;
}

/* Folds the sender's drop and error counts into the sink's stats (on the
 * event thread, which owns s->st). */
static int slog_flush(struct sink *s)
{
	struct slog *l = s->priv;
	uint64_t d = atomic_load(&l->send_dropped), e = atomic_load(&l->send_errors);

	/* Records the sender dropped were counted written when queued. */
	s->st.dropped += d - l->reported_dropped;
	s->st.written -=
	    d - l->reported_dropped <= s->st.written ? d - l->reported_dropped : s->st.written;
	s->st.errors += e - l->reported_errors;
	l->reported_dropped = d;
	l->reported_errors = e;
	s->st.queue_depth = mqueue__depth(l->q);
	s->st.down = atomic_load(&l->down);
	return 0;
}

static void slog_close(struct sink *s)
{
	struct slog *l = s->priv;

	if (l == NULL)
		return;
	if (l->thr_started) {
		/* The sender drains what is queued (it exits on an empty
		 * queue once stop is set), retrying a down collector for up
		 * to SLOG_CLOSE_GRACE_MS before dropping the rest. */
		l->stop_deadline_ms = now_ms() + SLOG_CLOSE_GRACE_MS;
		atomic_store(&l->stop, true);
		mqueue__kick(l->q);
		if (!join_within(l->thr, SLOG_CLOSE_GRACE_MS + 500)) {
			/* Stuck in a send to a collector that stopped reading:
			 * cut the connection so the sender sees an error. */
			int fd = atomic_load(&l->fd);
			if (fd >= 0)
				shutdown(fd, SHUT_RDWR);
			pthread_join(l->thr, NULL);
		}
	}
	slog_flush(s);
	close_fd(l);
	if (l->cfg.mode == SLOG_LOCAL)
		closelog();
	mqueue__free(l->q);
	strbuf__free(&l->line);
	free(l);
	s->priv = NULL;
}

const struct sink_ops sink_syslog_ops = {
    .kind = "syslog",
    .check = slog_check,
    .open = slog_open,
    .write = slog_write,
    .flush = slog_flush,
    .close = slog_close,
};
