/*
 * nats.c — the NATS JetStream sink, with a disk spool for outages.
 *
 * Spec: nats://[USER:PASSWORD@|TOKEN@]HOST:PORT[,...][?OPTS]
 * (credentials go to the server and nowhere else: every place that shows
 * the spec or a server — stderr, `vigil status`, events — shows
 * USER:***@ or ***@, see sinkopt__redact; a password cannot hold ',' '?'
 * or '@')
 * OPTS: subject=S (default vigil.events), stream=N (default VIGIL),
 *   replicas=R (when the sink creates the stream, default 1),
 *   dupe_window=10m (the stream's duplicate window, when created),
 *   max_pending=N (async publishes in flight, default 4096),
 *   ack_wait=5s (how long an ack may take before the record is spooled),
 *   queue=N (records held in memory, default 131072),
 *   spool_max=256M, spool_dir=PATH (default $STATE/spool/nats-STREAM),
 *   creds=FILE (a NATS credentials file), tls_ca=FILE (TLS, the server
 *   verified against that CA; see natsopt.h).
 *
 * Each record is published as its JSON object with the header
 * Nats-Msg-Id: MMMMMMMM-BBBBBBBB-NNNNNNNNNNNNNNNN-SEQ — the first 8 hex
 * digits of /etc/machine-id and of the boot id, a random 64-bit nonce drawn
 * at every open, and the record's SequenceNumber. The stream's duplicate
 * window drops a second copy of an id, which is what turns the
 * at-least-once delivery below into exactly-once in the stream — within
 * that window: a stream the sink creates gets dupe_window (10 min); a
 * record replayed after a longer outage than the window of an existing
 * stream may land twice (never lost). The id is unique per sink instance
 * and never reused: a host whose state dir was lost (SequenceNumbers start
 * over), or two hosts with the same name (cloned VMs, containers), never
 * publish an id the stream already holds — with <computer>-<seq> ids the
 * stream silently dropped such records as duplicates. The spool keeps each
 * record's original id, so a record replayed after a crash or an outage is
 * still recognised by the stream. A direct (not replayed) publish that
 * JetStream acknowledges as a duplicate was NOT stored under our id: it is
 * counted dropped, with a warning.
 *
 * Threads: write() (event thread) serialises and pushes onto a bounded
 * queue — a full queue is a counted drop, never a wait. A publisher thread
 * owns the connection and the spool:
 *   direct mode (connected, spool empty): js_PublishMsgAsync with a bounded
 *     pending window; the ack handler counts acks, and a record whose ack
 *     fails or times out (ack_wait) goes to the spool;
 *   spool mode (disconnected, stream missing, window stalled, or spool not
 *     empty): new records are appended to the spool behind the older ones,
 *     and while connected the spool is replayed in order, a batch at a
 *     time; a batch is committed (its read offset persisted) only once every
 *     record in it is acknowledged, otherwise it is re-read later.
 * A full spool drops (counted). Stats: `acked` counts acknowledgements (a
 * replayed record may be acknowledged twice, the second time as a
 * duplicate); `queue_depth` is the backlog — queued + in flight, plus 1
 * while the spool holds anything — so 0 means everything is in the stream. At close, records still
 * in memory or unacknowledged go to the spool, and the next start replays them first. An
 * unreachable server at start is a warning: the sink spools and keeps retrying in the background
 * (the client library reconnects forever).
 */
#include "sinks/sink.h"

#include "common/duration.h"
#include "common/json.h"
#include "common/log.h"
#include "sinks/natsopt.h"
#include "sinks/queue.h"
#include "sinks/sinkopt.h"
#include "sinks/spool.h"

#include <errno.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS_MAX_SERVERS	16
#define NS_REPLAY_BATCH 2048
#define NS_LAT_BUCKETS	20000 /* 10 µs each: 0..200 ms, then overflow */
#define NS_LAT_RING	(1u << 17)

struct ns_cfg {
	char urls[NS_MAX_SERVERS][600];	 /* with credentials: for the library only */
	char shown[NS_MAX_SERVERS][300]; /* credentials hidden: for messages */
	int nurls;
	char subject[256];
	char stream[128];
	uint64_t replicas;
	uint64_t dupe_window_s;
	uint64_t max_pending;
	uint64_t ack_wait_s;
	uint64_t queue;
	uint64_t spool_max;
	char spool_dir[4096];
	char creds[1024];
	char tls_ca[1024];
};

struct ns {
	struct ns_cfg cfg;
	char id_prefix[48]; /* MMMMMMMM-BBBBBBBB-NNNNNNNNNNNNNNNN- */
	struct strbuf out;  /* event thread only */
	struct mqueue *q;
	struct mqueue *retry; /* failed direct publishes, from the ack handler */
	struct spool *spool;
	natsConnection *nc;
	jsCtx *js;
	pthread_t thr;
	bool thr_started;
	atomic_bool stop;
	atomic_bool replaying;
	bool stream_ok;
	uint64_t next_stream_try_ms, next_replay_ms, last_sync_ms;
	unsigned replay_backoff_ms;
	/* Counters shared with the ack handler and the event thread. */
	atomic_uint_fast64_t published, acked, failed, replay_failed, spooled, dropped;
	atomic_uint_fast64_t replayed, dup_lost, spool_corrupt;
	struct sink_order *order; /* the sink's; every thread here stamps it */
	atomic_bool down;
	atomic_int_fast64_t inflight; /* published, outcome not yet known */
	atomic_bool spool_empty;      /* the publisher's view, for flush() */
	uint64_t reported_dropped, reported_spooled;
	uint64_t spool_foreign; /* publisher thread */
	bool warned_dup;
	uint64_t last_lat_ms; /* event thread: last percentile scan */
	atomic_uint_fast64_t lat_hist[NS_LAT_BUCKETS + 1];
	atomic_uint_fast64_t write_ns[NS_LAT_RING];
	bool warned_down;
	char *rbuf;
	size_t rcap;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void)
{
	return now_ns() / NSEC_PER_MSEC;
}

static int parse_spec(const char *arg, struct ns_cfg *cfg, const char *state_dir)
{
	const char *q = strchr(arg, '?');
	size_t hlen = q ? (size_t)(q - arg) : strlen(arg);
	const char *p = arg;
	char key[32], val[4096], shown[4096];
	bool dir_set = false;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->subject, "vigil.events");
	strcpy(cfg->stream, "VIGIL");
	cfg->replicas = 1;
	cfg->dupe_window_s = 600;
	cfg->max_pending = 4096;
	cfg->ack_wait_s = 5;
	cfg->queue = 131072;
	cfg->spool_max = 256u << 20;
	/* Messages show the spec with its secrets hidden. */
	snprintf(val, sizeof(val), "nats://%s", arg);
	sinkopt__redact(val, shown, sizeof(shown));
	if (hlen == 0) {
		fprintf(stderr, "vigil: output '%s' needs HOST:PORT\n", shown);
		return -EINVAL;
	}
	cfg->nurls =
	    sinkopt__nats_servers(p, hlen, cfg->urls, cfg->shown, NS_MAX_SERVERS, "output", shown);
	if (cfg->nurls < 0)
		return -EINVAL;
	q = q ? q + 1 : NULL;
	while ((r = sinkopt__next(&q, key, sizeof(key), val, sizeof(val))) > 0) {
		bool ok = true;

		if (strcmp(key, "subject") == 0 && *val && strlen(val) < sizeof(cfg->subject) &&
		    strpbrk(val, " \t*>") == NULL)
			strcpy(cfg->subject, val);
		else if (strcmp(key, "stream") == 0 && *val && strlen(val) < sizeof(cfg->stream) &&
			 strpbrk(val, " \t.*>/\\") == NULL)
			strcpy(cfg->stream, val);
		else if (strcmp(key, "replicas") == 0)
			ok = sinkopt__uint(val, 1, 5, &cfg->replicas) == 0;
		else if (strcmp(key, "dupe_window") == 0)
			ok = sinkopt__duration(val, &cfg->dupe_window_s) == 0 && cfg->dupe_window_s;
		else if (strcmp(key, "max_pending") == 0)
			ok = sinkopt__uint(val, 1, 1000000, &cfg->max_pending) == 0;
		else if (strcmp(key, "ack_wait") == 0)
			ok = sinkopt__duration(val, &cfg->ack_wait_s) == 0 && cfg->ack_wait_s;
		else if (strcmp(key, "queue") == 0)
			ok = sinkopt__uint(val, 1, 10000000, &cfg->queue) == 0;
		else if (strcmp(key, "spool_max") == 0)
			ok = sinkopt__size(val, &cfg->spool_max) == 0 && cfg->spool_max >= 4096;
		else if (strcmp(key, "creds") == 0 && *val && strlen(val) < sizeof(cfg->creds))
			strcpy(cfg->creds, val);
		else if (strcmp(key, "tls_ca") == 0 && *val && strlen(val) < sizeof(cfg->tls_ca))
			strcpy(cfg->tls_ca, val);
		else if (strcmp(key, "spool_dir") == 0 && val[0] == '/') {
			snprintf(cfg->spool_dir, sizeof(cfg->spool_dir), "%s", val);
			dir_set = true;
		} else
			ok = false;
		if (!ok) {
			fprintf(stderr,
				"vigil: output %s: bad option '%s=%s' (options: subject=, "
				"stream=, replicas=1-5, dupe_window=10m, max_pending=N, "
				"ack_wait=5s, queue=N, spool_max=256M, spool_dir=/PATH, "
				"creds=FILE, tls_ca=FILE)\n",
				shown, key, val);
			return -EINVAL;
		}
	}
	if (r < 0) {
		fprintf(stderr, "vigil: output %s: malformed options (expected k=v&k=v)\n", shown);
		return -EINVAL;
	}
	if (!dir_set)
		snprintf(cfg->spool_dir, sizeof(cfg->spool_dir), "%s/spool/nats-%s",
			 state_dir ? state_dir : "/var/lib/vigil", cfg->stream);
	return 0;
}

static int ns_check(const char *arg)
{
	struct ns_cfg *cfg = malloc(sizeof(*cfg));
	int err;

	if (cfg == NULL)
		return -ENOMEM;
	err = parse_spec(arg, cfg, NULL);
	free(cfg);
	return err;
}

static void note_latency(struct ns *n, natsMsg *msg)
{
	const char *id = NULL;
	const char *dash;
	uint64_t seq = 0, t0, d;

	if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) != NATS_OK || id == NULL)
		return;
	dash = strrchr(id, '-');
	if (dash == NULL)
		return;
	for (const char *c = dash + 1; *c >= '0' && *c <= '9'; c++)
		seq = seq * 10 + (uint64_t)(*c - '0');
	t0 = atomic_exchange(&n->write_ns[seq % NS_LAT_RING], 0);
	if (t0 == 0)
		return;
	d = (now_ns() - t0) / 10000; /* 10 µs buckets */
	atomic_fetch_add(&n->lat_hist[d < NS_LAT_BUCKETS ? d : NS_LAT_BUCKETS], 1);
}

/* A record lost, or a failed publish: counted, and stamped for the
 * output's recovery (struct sink_order). */
static void ns_lost(struct ns *n, atomic_uint_fast64_t *counter)
{
	atomic_fetch_add(counter, 1);
	sink_order__lost(n->order);
}

/* Runs on the library's thread for every async publish outcome. */
static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct ns *n = closure;

	atomic_fetch_sub(&n->inflight, 1);
	if (pa != NULL && pa->Duplicate && !atomic_load(&n->replaying)) {
		/* A first publish the stream calls a duplicate was not stored:
		 * the stream holds another record under this id. Ids are unique
		 * per instance, so this is a loss to count, never ignore. */
		atomic_fetch_add(&n->dup_lost, 1);
		ns_lost(n, &n->dropped);
	} else if (pa != NULL) {
		atomic_fetch_add(&n->acked, 1);
		sink_order__delivered(n->order);
		note_latency(n, msg);
	} else if (atomic_load(&n->replaying)) {
		/* The record is still in the spool, uncommitted: the batch
		 * will be re-read. */
		atomic_fetch_add(&n->replay_failed, 1);
	} else {
		const char *id = NULL;

		ns_lost(n, &n->failed);
		natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
		if (mqueue__push(n->retry, id, id ? strlen(id) : 0, natsMsg_GetData(msg),
				 (size_t)natsMsg_GetDataLength(msg)) < 0)
			ns_lost(n, &n->dropped);
	}
	natsMsg_Destroy(msg);
}

static void spool_put(struct ns *n, const char *id, size_t id_len, const char *data, size_t len)
{
	char stackbuf[8192];
	char *buf = stackbuf;
	size_t need = 1 + id_len + len;

	if (id_len > 255)
		id_len = 255;
	if (need > sizeof(stackbuf)) {
		buf = malloc(need);
		if (buf == NULL) {
			ns_lost(n, &n->dropped);
			return;
		}
	}
	buf[0] = (char)id_len;
	memcpy(buf + 1, id, id_len);
	memcpy(buf + 1 + id_len, data, len);
	if (spool__append(n->spool, buf, 1 + id_len + len) < 0)
		ns_lost(n, &n->dropped);
	else
		atomic_fetch_add(&n->spooled, 1);
	if (buf != stackbuf)
		free(buf);
}

static void spool_list(struct ns *n, struct mq_msg *m)
{
	while (m != NULL) {
		struct mq_msg *next = m->next;
		spool_put(n, m->buf, m->key_len, m->data, m->len);
		free(m);
		m = next;
	}
}

/* Publishes one record asynchronously. Returns NATS_OK or the error (the
 * record was not taken). */
static natsStatus publish(struct ns *n, const char *id, const char *data, size_t len)
{
	natsMsg *msg = NULL;
	jsPubOptions po;
	natsStatus s;

	s = natsMsg_Create(&msg, n->cfg.subject, NULL, data, (int)len);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(msg, "Nats-Msg-Id", id);
	if (s == NATS_OK) {
		jsPubOptions_Init(&po);
		po.MaxWait = (int64_t)n->cfg.ack_wait_s * (int64_t)MSEC_PER_SEC;
		/* Counted before the call: the ack may beat its return. */
		atomic_fetch_add(&n->inflight, 1);
		s = js_PublishMsgAsync(n->js, &msg, &po);
		if (s != NATS_OK)
			atomic_fetch_sub(&n->inflight, 1);
	}
	if (s == NATS_OK)
		atomic_fetch_add(&n->published, 1);
	natsMsg_Destroy(msg); /* NULL when the library took it */
	return s;
}

static bool connected(struct ns *n)
{
	return natsConnection_Status(n->nc) == NATS_CONN_STATUS_CONNECTED;
}

/* Makes sure the stream exists (creating it if missing); rate-limited. */
static void ensure_stream(struct ns *n)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s;
	uint64_t now = now_ms();

	if (n->stream_ok || now < n->next_stream_try_ms)
		return;
	n->next_stream_try_ms = now + 1000;
	s = js_GetStreamInfo(&si, n->js, n->cfg.stream, NULL, &jerr);
	if (s == NATS_NOT_FOUND) {
		jsStreamConfig sc;
		const char *subjects[1] = {n->cfg.subject};

		jsStreamConfig_Init(&sc);
		sc.Name = n->cfg.stream;
		sc.Subjects = subjects;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		sc.Replicas = (int64_t)n->cfg.replicas;
		sc.Duplicates = (int64_t)n->cfg.dupe_window_s * (int64_t)NSEC_PER_SEC;
		s = js_AddStream(&si, n->js, &sc, NULL, &jerr);
		if (s == NATS_OK)
			log_info("nats: created stream %s (subject %s, file storage, %llu "
				 "replicas)",
				 n->cfg.stream, n->cfg.subject,
				 (unsigned long long)n->cfg.replicas);
	}
	if (s == NATS_OK) {
		n->stream_ok = true;
	} else if (!n->warned_down) {
		log_warnx("nats: stream %s not available: %s (%d); spooling", n->cfg.stream,
			  natsStatus_GetText(s), (int)jerr);
		n->warned_down = true;
	}
	jsStreamInfo_Destroy(si);
}

/* Waits for outstanding direct publishes; what is still unacknowledged
 * after ack_wait is taken back and spooled. */
static void settle_direct(struct ns *n, int64_t wait_ms)
{
	jsPubOptions po;
	natsMsgList pending = {0};

	jsPubOptions_Init(&po);
	po.MaxWait = wait_ms;
	if (js_PublishAsyncComplete(n->js, &po) != NATS_OK &&
	    js_PublishAsyncGetPendingList(&pending, n->js) == NATS_OK) {
		atomic_fetch_sub(&n->inflight, pending.Count);
		for (int i = 0; i < pending.Count; i++) {
			const char *id = NULL;
			natsMsgHeader_Get(pending.Msgs[i], "Nats-Msg-Id", &id);
			spool_put(n, id, id ? strlen(id) : 0, natsMsg_GetData(pending.Msgs[i]),
				  (size_t)natsMsg_GetDataLength(pending.Msgs[i]));
		}
		natsMsgList_Destroy(&pending);
	}
	spool_list(n, mqueue__pop_all(n->retry, 0));
}

/* Replays one batch from the spool, in order; commits it once all of it is
 * acknowledged. */
static void replay_batch(struct ns *n)
{
	jsPubOptions po;
	natsStatus s = NATS_OK;
	int sent = 0;

	if (now_ms() < n->next_replay_ms)
		return;
	settle_direct(n, (int64_t)n->cfg.ack_wait_s * (int64_t)MSEC_PER_SEC);
	atomic_store(&n->replay_failed, 0);
	atomic_store(&n->replaying, true);
	while (sent < NS_REPLAY_BATCH) {
		long len = spool__read(n->spool, &n->rbuf, &n->rcap);
		char id[256];
		size_t idl;

		if (len < 0)
			break;
		idl = (unsigned char)n->rbuf[0];
		if (len < 1 || (size_t)len < 1 + idl) {
			n->spool_foreign++; /* intact but not one of ours: skipped, counted */
			continue;
		}
		memcpy(id, n->rbuf + 1, idl);
		id[idl] = '\0';
		s = publish(n, id, n->rbuf + 1 + idl, (size_t)len - 1 - idl);
		if (s != NATS_OK)
			break;
		sent++;
	}
	jsPubOptions_Init(&po);
	po.MaxWait = (int64_t)n->cfg.ack_wait_s * (int64_t)MSEC_PER_SEC;
	if (sent > 0 && js_PublishAsyncComplete(n->js, &po) != NATS_OK) {
		natsMsgList pending = {0};
		s = NATS_TIMEOUT;
		if (js_PublishAsyncGetPendingList(&pending, n->js) == NATS_OK) {
			atomic_fetch_sub(&n->inflight, pending.Count);
			natsMsgList_Destroy(&pending); /* still in the spool */
		}
	}
	atomic_store(&n->replaying, false);
	if (s == NATS_OK && atomic_load(&n->replay_failed) == 0) {
		if (sent > 0 && spool__commit(n->spool) < 0)
			log_warn("nats: cannot persist the spool's read offset");
		atomic_fetch_add(&n->replayed, (uint64_t)sent);
		if (sent > 0)
			sink_order__delivered(n->order);
		n->replay_backoff_ms = 0;
		return;
	}
	spool__rewind(n->spool);
	n->stream_ok = false; /* re-check it: it may have been deleted */
	n->replay_backoff_ms = n->replay_backoff_ms ? n->replay_backoff_ms * 2 : 100;
	if (n->replay_backoff_ms > 5000)
		n->replay_backoff_ms = 5000;
	n->next_replay_ms = now_ms() + n->replay_backoff_ms;
}

static void *publisher(void *arg)
{
	struct ns *n = arg;

	for (;;) {
		bool stopping = atomic_load(&n->stop);
		struct mq_msg *m = mqueue__pop_all(n->q, stopping ? 0 : 50);
		bool up;

		spool_list(n, mqueue__pop_all(n->retry, 0));
		up = connected(n);
		if (up)
			ensure_stream(n);
		up = up && n->stream_ok;
		if (up && n->warned_down) {
			log_info("nats: connected; replaying the spool");
			n->warned_down = false;
		}
		if (!up && !n->warned_down && m != NULL) {
			log_warnx("nats: %s unreachable; spooling to %s", n->cfg.shown[0],
				  n->cfg.spool_dir);
			n->warned_down = true;
		}
		if (up && spool__empty(n->spool)) {
			while (m != NULL) {
				struct mq_msg *next = m->next;
				if (publish(n, m->buf, m->data, m->len) != NATS_OK)
					break; /* stalled or lost: the rest go to the spool */
				free(m);
				m = next;
			}
		}
		spool_list(n, m);
		if (up && !spool__empty(n->spool) && !stopping)
			replay_batch(n);
		atomic_store(&n->spool_empty, spool__empty(n->spool));
		atomic_store(&n->down, !up);
		{
			struct spool_stats ss;
			spool__stats(n->spool, &ss);
			atomic_store(&n->spool_corrupt, ss.corrupt + n->spool_foreign);
		}
		if (now_ms() - n->last_sync_ms >= 1000) {
			spool__sync(n->spool);
			n->last_sync_ms = now_ms();
		}
		if (stopping && mqueue__depth(n->q) == 0)
			break;
	}
	/* Closing: what the server has not acknowledged goes to the spool. */
	settle_direct(n, connected(n) ? (int64_t)n->cfg.ack_wait_s * (int64_t)MSEC_PER_SEC : 100);
	spool_list(n, mqueue__pop_all(n->q, 0));
	spool__sync(n->spool);
	return NULL;
}

static void ns_free(struct ns *n)
{
	if (n->js)
		jsCtx_Destroy(n->js);
	if (n->nc)
		natsConnection_Destroy(n->nc);
	spool__close(n->spool);
	mqueue__free(n->q);
	mqueue__free(n->retry);
	strbuf__free(&n->out);
	free(n->rbuf);
	free(n);
}

static int mkdir_p(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* With a connected callback the library connects in the background
 * instead of blocking open() until the server answers. */
static void on_connected(natsConnection *nc, void *closure)
{
	log_debug("nats: connected");
}

/* The first 8 hex digits of a 128-bit id file (machine-id, boot_id), or
 * zeros. */
static void id8(const char *path, char out[9])
{
	char buf[64] = "";
	FILE *f = fopen(path, "re");
	size_t o = 0;

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	for (const char *c = buf; *c && o < 8; c++)
		if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))
			out[o++] = *c;
	while (o < 8)
		out[o++] = '0';
	out[8] = '\0';
}

/* MMMMMMMM-BBBBBBBB-NNNNNNNNNNNNNNNN-: machine, boot, and a nonce from
 * getrandom — unique per open, so ids are never reused whatever the
 * SequenceNumbers do (see the top). */
static void make_id_prefix(char *out, size_t n)
{
	char m[9], b[9];
	uint64_t nonce = 0;

	id8("/etc/machine-id", m);
	id8("/proc/sys/kernel/random/boot_id", b);
	if (getrandom(&nonce, sizeof(nonce), GRND_NONBLOCK) != (ssize_t)sizeof(nonce))
		nonce = now_ns() ^ ((uint64_t)getpid() << 32); /* no entropy yet: still unique */
	snprintf(out, n, "%s-%s-%016llx-", m, b, (unsigned long long)nonce);
}

static int ns_open(struct sink *s, const char *arg, const struct sink_env *env)
{
	struct ns *n = calloc(1, sizeof(*n));
	const char *urls[NS_MAX_SERVERS];
	natsOptions *opts = NULL;
	jsOptions jo;
	natsStatus st;
	int err;

	if (n == NULL)
		return -ENOMEM;
	n->order = &s->order;
	err = parse_spec(arg, &n->cfg, env ? env->state_dir : NULL);
	if (err < 0) {
		free(n);
		return err;
	}
	make_id_prefix(n->id_prefix, sizeof(n->id_prefix));
	strbuf__init(&n->out, 16u << 20);
	n->q = mqueue__new(n->cfg.queue, 512u << 20);
	n->retry = mqueue__new(SIZE_MAX, SIZE_MAX); /* bounded by max_pending */
	err = mkdir_p(n->cfg.spool_dir);
	if (err == 0) {
		n->spool = spool__open(n->cfg.spool_dir, n->cfg.spool_max,
				       n->cfg.spool_max / 8 > (16u << 20) ? (16u << 20)
									  : n->cfg.spool_max / 8);
		if (n->spool == NULL)
			err = -errno;
	}
	if (err < 0 || n->q == NULL || n->retry == NULL) {
		log_warnx("nats: cannot open the spool %s: %s", n->cfg.spool_dir,
			  strerror(err < 0 ? -err : ENOMEM));
		ns_free(n);
		return err < 0 ? err : -ENOMEM;
	}
	atomic_store(&n->spool_empty, spool__empty(n->spool));
	if (!spool__empty(n->spool))
		log_info("nats: %s holds records from before; replaying them first",
			 n->cfg.spool_dir);

	for (int i = 0; i < n->cfg.nurls; i++)
		urls[i] = n->cfg.urls[i];
	st = natsOptions_Create(&opts);
	if (st == NATS_OK)
		st = natsOptions_SetServers(opts, urls, n->cfg.nurls);
	if (st == NATS_OK)
		st = natsOptions_SetMaxReconnect(opts, -1); /* forever */
	if (st == NATS_OK)
		st = natsOptions_SetReconnectWait(opts, 250);
	if (st == NATS_OK)
		st = natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, n);
	if (st == NATS_OK)
		st = natsOptions_SetReconnectBufSize(opts, 8 << 20);
	if (st == NATS_OK)
		st = natsOptions_SetTimeout(opts, 2000);
	if (st == NATS_OK)
		st = natsOptions_SetName(opts, "vigil");
	if (st == NATS_OK)
		st = natsopt__secure(opts, n->cfg.creds, n->cfg.tls_ca);
	if (st == NATS_OK) {
		st = natsConnection_Connect(&n->nc, opts);
		if (st == NATS_NOT_YET_CONNECTED) {
			log_warnx("nats: %s unreachable; spooling to %s and retrying",
				  n->cfg.shown[0], n->cfg.spool_dir);
			n->warned_down = true;
			st = NATS_OK;
		}
	}
	natsOptions_Destroy(opts);
	if (st == NATS_OK) {
		jsOptions_Init(&jo);
		jo.Wait = 2000;
		jo.PublishAsync.MaxPending = (int64_t)n->cfg.max_pending;
		jo.PublishAsync.AckHandler = on_ack;
		jo.PublishAsync.AckHandlerClosure = n;
		/* A full window means the server is slow: wait a little, then
		 * spool rather than hold the queue. */
		jo.PublishAsync.StallWait = 100;
		st = natsConnection_JetStream(&n->js, n->nc, &jo);
	}
	if (st != NATS_OK) {
		log_warnx("nats: cannot set up the connection: %s", natsStatus_GetText(st));
		ns_free(n);
		return -EIO;
	}
	err = pthread_create(&n->thr, NULL, publisher, n);
	if (err != 0) {
		ns_free(n);
		return -err;
	}
	n->thr_started = true;
	s->priv = n;
	return 0;
}

static int ns_write(struct sink *s, const struct vrec *rec)
{
	struct ns *n = s->priv;
	char id[320];
	int idl, err;

	strbuf__clear(&n->out);
	sink__serialize(s, &n->out, rec);
	if (n->out.overflow) {
		n->out.overflow = false;
		return -E2BIG;
	}
	idl = snprintf(id, sizeof(id), "%s%llu", n->id_prefix, (unsigned long long)rec->seq);
	if (idl < 0 || (size_t)idl >= sizeof(id))
		return -ENAMETOOLONG;
	atomic_store(&n->write_ns[rec->seq % NS_LAT_RING], now_ns());
	err = mqueue__push(n->q, id, (size_t)idl, n->out.buf, n->out.len);
	return err;
}

static uint64_t percentile(struct ns *n, uint64_t total, double pct)
{
	uint64_t want = (uint64_t)((double)total * pct), acc = 0;

	for (unsigned i = 0; i <= NS_LAT_BUCKETS; i++) {
		acc += atomic_load(&n->lat_hist[i]);
		if (acc > want)
			return (uint64_t)i * 10 + 5;
	}
	return (uint64_t)NS_LAT_BUCKETS * 10;
}

static int ns_flush(struct sink *s)
{
	struct ns *n = s->priv;
	uint64_t d = atomic_load(&n->dropped), sp = atomic_load(&n->spooled), total = 0;
	uint64_t dup = atomic_load(&n->dup_lost);

	/* Records dropped or spooled after queueing were counted written
	 * then: they move, so that in = written + dropped + spooled. */
	s->st.dropped += d - n->reported_dropped;
	s->st.spooled += sp - n->reported_spooled;
	s->st.written -= d - n->reported_dropped + sp - n->reported_spooled;
	n->reported_dropped = d;
	n->reported_spooled = sp;
	if (dup > 0 && !n->warned_dup) {
		log_warnx("nats: stream %s already held %llu of our message ids; those records "
			  "were not stored (counted dropped)",
			  n->cfg.stream, (unsigned long long)dup);
		n->warned_dup = true;
	}
	s->st.acked = atomic_load(&n->acked);
	s->st.replayed = atomic_load(&n->replayed);
	s->st.spool_corrupt = atomic_load(&n->spool_corrupt);
	s->st.down = atomic_load(&n->down);
	s->st.errors = atomic_load(&n->failed);
	{
		/* Backlog: queued, in flight, and 1 while the spool holds any. */
		int_fast64_t inflight = atomic_load(&n->inflight);
		s->st.queue_depth = mqueue__depth(n->q) + (uint64_t)(inflight > 0 ? inflight : 0) +
				    (atomic_load(&n->spool_empty) ? 0 : 1);
	}
	/* The percentiles scan the histogram: at most once a second. */
	if (now_ms() - n->last_lat_ms < 1000 && !atomic_load(&n->stop))
		return 0;
	n->last_lat_ms = now_ms();
	for (unsigned i = 0; i <= NS_LAT_BUCKETS; i++)
		total += atomic_load(&n->lat_hist[i]);
	if (total > 0) {
		s->st.lat_p50_us = percentile(n, total, 0.50);
		s->st.lat_p99_us = percentile(n, total, 0.99);
	}
	return 0;
}

static void ns_close(struct sink *s)
{
	struct ns *n = s->priv;

	if (n == NULL)
		return;
	if (n->thr_started) {
		atomic_store(&n->stop, true);
		mqueue__kick(n->q);
		pthread_join(n->thr, NULL);
	}
	ns_flush(s);
	/* Close the connection before the context the ack handler uses. */
	if (n->nc)
		natsConnection_Close(n->nc);
	ns_free(n);
	s->priv = NULL;
}

const struct sink_ops sink_nats_ops = {
    .kind = "nats",
    .check = ns_check,
    .open = ns_open,
    .write = ns_write,
    .flush = ns_flush,
    .close = ns_close,
};
