/*
 * responder.c — the fleet responder; see responder.h.
 */
#include "fleet/responder.h"

#include "common/log.h"
#include "fleet/status.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fleet_responder {
	struct fleet_responder_cfg cfg;
	struct fleet_replay replay;
	natsConnection *nc;
	natsSubscription *sub;
	uint64_t started_ms;
	atomic_uint_fast64_t answered, refused, failed;
};

/* One answer being sent: see "Flow control" in answer.h. */
struct emit_ctx {
	natsConnection *nc;
	const char *reply;
	const struct fleet_ident *id;
	const char *nonce;
	uint64_t sent;		  /* bytes sent so far */
	uint64_t credits;	  /* chunks sent after waiting for credit */
	uint64_t window_end;	  /* wall ms: the request's ts + FLEET_WINDOW_MS */
	natsSubscription *credit; /* created at the first wait */
	char *inbox;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Asks the asker for credit for one chunk and waits for it. */
static int wait_credit(struct emit_ctx *ec)
{
	struct strbuf sb;
	natsMsg *m = NULL;
	natsStatus st = NATS_OK;
	uint64_t now = fleet__now_ms(), wait;
	int r = 0;

	if (now >= ec->window_end)
		return -ETIMEDOUT;
	wait = ec->window_end - now;
	if (wait > FLEET_CREDIT_IDLE_MS)
		wait = FLEET_CREDIT_IDLE_MS;
	if (ec->credit == NULL) {
		st = natsInbox_Create(&ec->inbox);
		if (st == NATS_OK)
			st = natsConnection_SubscribeSync(&ec->credit, ec->nc, ec->inbox);
		if (st != NATS_OK)
			return -EIO;
	}
	strbuf__init(&sb, 512);
	fleet__wait_msg(&sb, ec->id, ec->nonce, ec->inbox);
	/* Sent as a request whose reply subject is the credit inbox: if the
	 * asker has gone (it stopped before this wait reached it, so it could
	 * not answer "0"), the server says at once that nobody listens on its
	 * subject (NextMsg returns NATS_NO_RESPONDERS for that 503), and the
	 * answer stops now rather than at the credit wait's end. */
	if (sb.overflow || natsConnection_PublishRequest(ec->nc, ec->reply, ec->inbox, sb.buf,
							 (int)sb.len) != NATS_OK)
		r = -EIO;
	strbuf__free(&sb);
	if (r == 0)
		st = natsSubscription_NextMsg(&m, ec->credit, (int64_t)wait);
	if (r == 0 && st == NATS_TIMEOUT)
		r = -ETIMEDOUT;
	else if (r == 0 && st == NATS_NO_RESPONDERS)
		r = -ECANCELED;
	else if (r == 0 && st != NATS_OK)
		r = -EIO;
	else if (r == 0 && natsMsg_GetDataLength(m) == 1 && natsMsg_GetData(m)[0] == '0')
		r = -ECANCELED;
	natsMsg_Destroy(m);
	return r;
}

static int emit(const char *msg, size_t len, void *arg)
{
	struct emit_ctx *ec = arg;
	int r;

	if (ec->sent + len > FLEET_FREE_BYTES) {
		if ((r = wait_credit(ec)) < 0)
			return r;
		ec->credits++;
	}
	ec->sent += len;
	return natsConnection_Publish(ec->nc, ec->reply, msg, (int)len) == NATS_OK ? 0 : -EIO;
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
	struct fleet_responder *r = closure;
	const char *reply = natsMsg_GetReply(msg);
	struct emit_ctx ec = {.nc = nc, .reply = reply, .id = &r->cfg.ident};
	struct fleet_env *e = calloc(1, sizeof(*e));
	struct fleet_result res;
	enum fleet_verdict v;
	struct strbuf sb;
	uint64_t t0 = mono_ms();

	if (e == NULL || reply == NULL || reply[0] == '\0') {
		free(e);
		natsMsg_Destroy(msg);
		return;
	}
	v = fleet__env_check(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg),
			     &r->cfg.trust, &r->replay, r->cfg.ident.computer, fleet__now_ms(), e);
	if (v == FV_NOT_FOR_US) {
		free(e);
		natsMsg_Destroy(msg);
		return;
	}
	memset(&res, 0, sizeof(res));
	ec.nonce = e->nonce;
	ec.window_end = e->ts_ms + FLEET_WINDOW_MS;
	if (v == FV_OK && e->kind == FLEET_HUNT) {
		strbuf__init(&sb, 1024);
		fleet__accepted_msg(&sb, &r->cfg.ident, e->nonce);
		emit(sb.buf, sb.len, &ec);
		strbuf__free(&sb);
	}
	if (v != FV_OK) {
		res.status = "refused";
		snprintf(res.reason, sizeof(res.reason), "%s", fleet__verdict_str(v));
		atomic_fetch_add(&r->refused, 1);
		log_warnx("fleet: refused a query (%s), key %s", res.reason,
			  e->key[0] ? e->key : "none");
	} else if (e->kind == FLEET_STATUS) {
		if (fleet__status_answer(r->cfg.control_path[0] ? r->cfg.control_path : NULL,
					 r->started_ms, e, &r->cfg.ident, emit, &ec, &res) == 0) {
			atomic_fetch_add(&r->answered, 1);
		} else {
			atomic_fetch_add(&r->failed, 1);
			log_warnx("fleet: status by key %s failed: %s", e->key, res.reason);
		}
	} else if (fleet__answer(r->cfg.db_path, e, &r->cfg.limits, &r->cfg.ident, emit, &ec,
				 &res) == 0) {
		atomic_fetch_add(&r->answered, 1);
		log_info("fleet: answered a query by key %s: %llu rows in %llu chunks, %llu after "
			 "credit%s",
			 e->key, (unsigned long long)res.rows, (unsigned long long)res.chunks,
			 (unsigned long long)ec.credits, res.truncated ? " (truncated)" : "");
	} else if (strcmp(res.status, "refused") == 0) {
		atomic_fetch_add(&r->refused, 1);
		log_warnx("fleet: refused a query (%s), key %s", res.reason, e->key);
	} else {
		atomic_fetch_add(&r->failed, 1);
		log_warnx("fleet: query by key %s failed: %s", e->key, res.reason);
	}
	strbuf__init(&sb, 64u << 10);
	fleet__status_msg(&sb, &res, &r->cfg.ident, e->nonce, mono_ms() - t0);
	if (natsConnection_Publish(nc, reply, sb.buf, (int)sb.len) != NATS_OK)
		log_warnx("fleet: cannot send an answer: %s", nats_GetLastError(NULL));
	strbuf__free(&sb);
	if (ec.credit != NULL) {
		natsSubscription_Unsubscribe(ec.credit);
		natsSubscription_Destroy(ec.credit);
	}
	natsInbox_Destroy(ec.inbox);
	free(e);
	natsMsg_Destroy(msg);
}

int fleet__responder_setup(struct fleet_responder_cfg *cfg, const char *url, const char *fleet_name,
			   const char *keys_path, const char *computer, const char *db_path)
{
	char err[512];
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (fleet__link_parse(&cfg->link, url, fleet_name) < 0)
		return -EINVAL;
	if (keys_path == NULL) {
		fprintf(stderr, "vigil: --fleet needs --fleet-keys PATH (the keys it trusts)\n");
		return -ENOENT;
	}
	r = fleet__trust_load(&cfg->trust, keys_path, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "vigil: --fleet-keys %s\n", err);
		return -ENOENT; /* whatever the cause: -EINVAL is the URL's */
	}
	if (computer != NULL)
		snprintf(cfg->ident.computer, sizeof(cfg->ident.computer), "%s", computer);
	else if (gethostname(cfg->ident.computer, sizeof(cfg->ident.computer) - 1) < 0)
		snprintf(cfg->ident.computer, sizeof(cfg->ident.computer), "localhost");
	fleet__read_machine_id(&cfg->ident, "/etc/machine-id");
	snprintf(cfg->db_path, sizeof(cfg->db_path), "%s", db_path);
	cfg->limits.max_rows = FLEET_DEF_MAX_ROWS;
	cfg->limits.max_bytes = FLEET_DEF_MAX_BYTES;
	cfg->limits.time_ms = FLEET_DEF_TIME_MS;
	return 0;
}

struct fleet_responder *fleet__responder_start(struct fleet_responder_cfg *cfg)
{
	struct fleet_responder *r = calloc(1, sizeof(*r));
	natsStatus st;

	if (r == NULL)
		return NULL;
	r->cfg = *cfg;
	r->started_ms = mono_ms();
	memset(&cfg->trust, 0, sizeof(cfg->trust)); /* ours now */
	if (fleet__replay_init(&r->replay, FLEET_REPLAY_SLOTS) < 0) {
		fleet__trust_free(&r->cfg.trust);
		free(r);
		return NULL;
	}
	st = fleet__link_connect(&r->cfg.link, true, &r->nc);
	if (st == NATS_OK)
		st = natsConnection_Subscribe(&r->sub, r->nc, r->cfg.link.subject, on_msg, r);
	/* Requests are small; a backlog beyond this is dropped by the library. */
	if (st == NATS_OK)
		st = natsSubscription_SetPendingLimits(r->sub, 1024, 64 << 20);
	if (st != NATS_OK) {
		log_warnx("fleet: cannot listen on %s at %s: %s", r->cfg.link.subject,
			  r->cfg.link.shown[0], natsStatus_GetText(st));
		fleet__responder_stop(r);
		return NULL;
	}
	log_info("fleet: answering %s at %s as %s (%d trusted key%s)", r->cfg.link.subject,
		 r->cfg.link.shown[0], r->cfg.ident.computer, r->cfg.trust.n,
		 r->cfg.trust.n == 1 ? "" : "s");
	return r;
}

void fleet__responder_counts(struct fleet_responder *r, struct fleet_counts *c)
{
	c->answered = atomic_load(&r->answered);
	c->refused = atomic_load(&r->refused);
	c->failed = atomic_load(&r->failed);
}

void fleet__responder_stop(struct fleet_responder *r)
{
	if (r == NULL)
		return;
	if (r->sub != NULL) {
		natsSubscription_Unsubscribe(r->sub);
		natsSubscription_Destroy(r->sub);
	}
	if (r->nc != NULL) {
		natsConnection_Close(r->nc);
		natsConnection_Destroy(r->nc);
	}
	fleet__replay_free(&r->replay);
	fleet__trust_free(&r->cfg.trust);
	free(r);
}
