/*
 * cmd_hunt_fleet.c — `vigil hunt --fleet`: one signed query to every
 * responder of a fleet (`vigil run --fleet`, `vigil serve`), the answers
 * merged and printed as `vigil hunt` prints, with a leading Computer column.
 *
 *   vigil hunt --fleet URL --key FILE [--fleet-name NAME] [--hosts GLOB]
 *              [--timeout 5s] [--expect N] [--merge "SQL"]
 *              [--format table|json|csv] [--max-rows N] [--max-bytes N]
 *              [--max-total BYTES] [--roster FILE] [--retry 1s] "SQL"
 *
 * The request (src/fleet/envelope.h) is published with a reply inbox;
 * chunks are taken as they arrive until --timeout, or until --expect hosts
 * have sent a whole answer (a final status, and as many chunks as it counts).
 *
 * Asking again. A NATS node that dies takes with it the requests and
 * answers it held, and core NATS does not redeliver them: a host on that
 * node never saw the query, or answered into the void. So with --expect or
 * --roster the client asks again every --retry interval (default a fifth of
 * --timeout, at least 1s, so that a slow fleet's "accepted" messages have
 * time to arrive; 0: never) while hosts are missing, up to FLEET_TRIES requests in all. Each
 * retry is a new signed request, with its own nonce (a replayed nonce is
 * refused, by design), whose signed "skip" list names every host already
 * heard from: a host sends "accepted" as soon as a query passes its checks,
 * so a host still computing is not asked twice. Hosts heard from are asked
 * again only when their answer came incomplete (fewer chunks than its final
 * status counts), or when the client itself reconnected, since answers in
 * flight to it were lost. Rows are kept per host and per request: a newer
 * request's answer replaces what an older one left of that host, an answer
 * to an older one after a whole answer is ignored, so no row is counted
 * twice. Without --expect nothing says a host is missing; --retry then asks
 * again anyway, until the timeout. Rows go into an in-memory SQLite table
 * `results` (Computer, then the query's columns), which is what is printed
 * (SELECT * FROM results) or what --merge's SQL runs over. Client memory
 * is bounded: the library's pending buffer, and --max-total bytes of rows
 * held (default 256M); rows past it are dropped and reported. Per host,
 * --max-rows (default 10000) and --max-bytes (default 4M) travel in the
 * signed request and are bounded again by each responder's own caps.
 * Answers past their first FLEET_FREE_BYTES come on credit (answer.h, "Flow
 * control"): grant() hands out at most FLEET_GRANTS chunks at a time, so
 * what nats-server queues for this client stays bounded however much the
 * fleet answers, and stop_reading() tells hosts still sending when the
 * client is done.
 *
 * The summary (stderr) lists hosts answered, refused (with the reason),
 * failed and truncated, hosts missing with --expect, with --roster FILE (one
 * Computer a line; it also sets --expect) each listed host that sent no
 * final status as timed out, and clones: two answers
 * with one machine-id under different Computers, or one Computer answering
 * twice. Exit codes: 0 when at least one host answered; EX_UNAVAILABLE
 * when none did (or the server is unreachable); EX_USAGE; EX_NOINPUT (key);
 * EX_DATAERR (--merge SQL).
 */
#include "cli/hunt.h"
#include "cli/opts.h"

#include "common/duration.h"
#include "fleet/answer.h"
#include "fleet/envelope.h"
#include "fleet/link.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <json-c/json.h>
#include <nats/nats.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

struct host {
	char computer[256];
	char machine_id[64];
	char status[16]; /* "" until its final status */
	char reason[256];
	uint64_t rows, chunks, chunks_got, ms;
	bool truncated, cols_differ, dup;
	int attempt;	/* the request its answer belongs to; -1: none yet */
	bool heard;	/* something of it arrived since the client's last reconnect */
	bool complete;	/* a final status, and every chunk it counts */
	uint64_t nrows; /* rows of it in `results`, ... */
	uint64_t held;	/* ... their bytes, ... */
	uint64_t seq;	/* ... and the last rowid's low half */
	/* Flow control (answer.h): the subject it waits for credit on; it
	 * waits (asked, not granted yet), is queued (in the wait list, at
	 * most once), or was granted a chunk not arrived yet. */
	char credit[128];
	bool waiting, queued, granted;
	size_t next_wait; /* the wait list's next host, by index */
};

/* Requests per query: the first and its retries. */
#define FLEET_TRIES 8

struct fleet_hunt {
	sqlite3 *db;
	sqlite3_stmt *ins;
	int ncols; /* the query's columns, without Computer */
	const char *hosts_glob;
	char nonce[FLEET_TRIES][33]; /* of each request sent */
	int tries;
	struct host *host;
	size_t nhost, cap;
	uint64_t held, max_total, dropped_rows, msgs, rows;
	char **roster; /* --roster: the Computers that should answer */
	size_t nroster;
	/* Hosts waiting for credit, oldest first (a list through
	 * host.next_wait, by index: host[] moves when it grows), and the
	 * chunks granted and not arrived yet, at most FLEET_GRANTS. */
	natsConnection *nc;
	size_t wait_head, wait_tail;
	bool wait_any;
	unsigned granted;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil hunt --fleet nats://H:P[,H:P] --key FILE [--fleet-name NAME]\n"
		"                  [--hosts GLOB] [--timeout 5s] [--expect N] [--merge \"SQL\"]\n"
		"                  [--format table|json|csv] [--max-rows N] [--max-bytes N]\n"
		"                  [--max-total BYTES] [--roster FILE] [--retry 1s] \"SQL\"\n"
		"       vigil status --fleet nats://H:P[,H:P] --key FILE [same options]\n"
		"  rows print with a leading Computer column; --merge runs SQL over them\n"
		"  as the table `results`; a summary of the hosts goes to stderr\n");
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *jstr(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Parses s[0..len) (not NUL-terminated) as one JSON value; NULL if it is not. */
static struct json_object *parse_n(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (tok == NULL || len > INT32_MAX) {
		json_tokener_free(tok);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o != NULL && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static uint64_t jnum(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

/* The host of an answer: one per (computer, machine-id), created on first sight. */
static struct host *host_of(struct fleet_hunt *h, const char *computer, const char *mid)
{
	struct host *x;

	for (size_t i = 0; i < h->nhost; i++)
		if (strcmp(h->host[i].computer, computer) == 0 &&
		    strcmp(h->host[i].machine_id, mid) == 0)
			return &h->host[i];
	if (h->nhost == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct host *n = realloc(h->host, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		h->host = n;
		h->cap = cap;
	}
	x = &h->host[h->nhost++];
	memset(x, 0, sizeof(*x));
	snprintf(x->computer, sizeof(x->computer), "%s", computer);
	snprintf(x->machine_id, sizeof(x->machine_id), "%s", mid);
	x->attempt = -1;
	return x;
}

/* The request a nonce is of; -1 when it is none of ours. A refusal of a
 * request the host could not parse carries no nonce: it counts as the
 * host's current one. */
static int attempt_of(const struct fleet_hunt *h, const struct host *x, const char *nonce)
{
	if (nonce == NULL || nonce[0] == '\0')
		return x->attempt < 0 ? h->tries - 1 : x->attempt;
	for (int k = 0; k < h->tries; k++)
		if (strcmp(h->nonce[k], nonce) == 0)
			return k;
	return -1;
}

/* Rows of host x live at rowids (index + 1) << 32 | seq, so that what one
 * request left of a host can be dropped when a newer one answers. */
static int64_t rowid_of(const struct fleet_hunt *h, const struct host *x, uint64_t seq)
{
	return (int64_t)((((uint64_t)(x - h->host) + 1) << 32) | seq);
}

static void forget(struct fleet_hunt *h, struct host *x)
{
	char sql[128];

	if (h->ins != NULL && x->nrows > 0) {
		snprintf(sql, sizeof(sql), "DELETE FROM results WHERE rowid BETWEEN %lld AND %lld",
			 (long long)rowid_of(h, x, 0), (long long)rowid_of(h, x, UINT32_MAX));
		sqlite3_exec(h->db, sql, NULL, NULL, NULL);
	}
	h->rows -= x->nrows;
	h->held -= x->held;
	if (x->granted)
		h->granted--;
	x->granted = x->waiting = false;
	x->status[0] = x->reason[0] = '\0';
	x->rows = x->chunks = x->chunks_got = x->ms = x->nrows = x->held = x->seq = 0;
	x->truncated = x->cols_differ = x->complete = false;
}

/* Whether a message of request k is taken for host x: an older request's
 * is not once a newer one was heard, nor a newer one's once x answered
 * whole; a newer one's otherwise replaces what x had sent. */
static bool claim(struct fleet_hunt *h, struct host *x, int k)
{
	if (k < 0 || k < x->attempt || (k > x->attempt && x->complete))
		return false;
	if (k > x->attempt) {
		forget(h, x);
		x->attempt = k;
	}
	x->heard = true;
	return true;
}

/* Creates `results` (Computer, then cols; a repeated name gets _2, _3...)
 * and the insert, which sets the rowid too (see rowid_of). */
static int make_table(struct fleet_hunt *h, struct json_object *cols)
{
	size_t n = json_object_array_length(cols);
	sqlite3_str *names = sqlite3_str_new(NULL), *marks = sqlite3_str_new(NULL);
	char *list, *qs, *sql;
	int rc;

	sqlite3_str_appendall(names, "\"Computer\"");
	sqlite3_str_appendall(marks, "?,?");
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(cols, i);
		const char *name = c ? json_object_get_string(c) : "";
		int dup = strcasecmp(name, "Computer") == 0;

		for (size_t j = 0; j < i; j++) {
			struct json_object *o = json_object_array_get_idx(cols, j);
			if (o && strcasecmp(json_object_get_string(o), name) == 0)
				dup++;
		}
		if (dup)
			sqlite3_str_appendf(names, ", \"%w_%d\"", name, dup + 1);
		else
			sqlite3_str_appendf(names, ", \"%w\"", name);
		sqlite3_str_appendall(marks, ",?");
	}
	list = sqlite3_str_finish(names);
	qs = sqlite3_str_finish(marks);
	if (list == NULL || qs == NULL) {
		sqlite3_free(list);
		sqlite3_free(qs);
		return -ENOMEM;
	}
	sql = sqlite3_mprintf("CREATE TABLE results (%s)", list);
	rc = sql ? sqlite3_exec(h->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	sql = sqlite3_mprintf("INSERT INTO results(rowid, %s) VALUES (%s)", list, qs);
	if (rc == SQLITE_OK)
		rc = sql ? sqlite3_prepare_v2(h->db, sql, -1, &h->ins, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	sqlite3_free(list);
	sqlite3_free(qs);
	if (rc != SQLITE_OK)
		return -EIO;
	h->ncols = (int)n;
	return 0;
}

static void bind_value(sqlite3_stmt *st, int i, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		sqlite3_bind_null(st, i);
		break;
	case json_type_int:
		sqlite3_bind_int64(st, i, json_object_get_int64(v));
		break;
	case json_type_double:
		sqlite3_bind_double(st, i, json_object_get_double(v));
		break;
	case json_type_boolean:
		sqlite3_bind_int(st, i, json_object_get_boolean(v));
		break;
	default:
		sqlite3_bind_text(st, i, json_object_get_string(v), json_object_get_string_len(v),
				  SQLITE_TRANSIENT);
	}
}

/* The header fields every message of an answer carries; false when a
 * field is missing or the host is outside --hosts. */
static bool who(const struct fleet_hunt *h, struct json_object *o, const char **computer,
		const char **mid, const char **nonce)
{
	*computer = jstr(o, "computer");
	*mid = jstr(o, "machine_id");
	*nonce = jstr(o, "nonce");
	return *computer != NULL && *mid != NULL &&
	       (h->hosts_glob == NULL || fnmatch(h->hosts_glob, *computer, 0) == 0);
}

static void take_rows(struct fleet_hunt *h, const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len), *p;
	struct json_object *hdr, *cols;
	const char *computer, *mid, *nonce;
	struct host *x;

	hdr = parse_n(data, nl ? (size_t)(nl - data) : len);
	if (hdr == NULL)
		return;
	if (!who(h, hdr, &computer, &mid, &nonce) || nonce == NULL ||
	    !json_object_object_get_ex(hdr, "cols", &cols) ||
	    !json_object_is_type(cols, json_type_array) ||
	    (x = host_of(h, computer, mid)) == NULL || !claim(h, x, attempt_of(h, x, nonce)) ||
	    x->status[0]) {
		/* (rows after the final status of the same request: not ours) */
		json_object_put(hdr);
		return;
	}
	x->chunks_got++;
	if (x->granted) {
		x->granted = false;
		h->granted--;
	}
	if (h->ins == NULL && make_table(h, cols) < 0) {
		json_object_put(hdr);
		return;
	}
	if ((int)json_object_array_length(cols) != h->ncols) {
		x->cols_differ = true;
		json_object_put(hdr);
		return;
	}
	for (p = nl ? nl + 1 : data + len; p < data + len;) {
		const char *e = memchr(p, '\n', (size_t)(data + len - p));
		size_t l = e ? (size_t)(e - p) : (size_t)(data + len - p);
		struct json_object *row;

		if (h->held + l > h->max_total) {
			h->dropped_rows++;
			x->truncated = true;
			p += l + 1;
			continue;
		}
		row = parse_n(p, l);
		if (row != NULL && json_object_is_type(row, json_type_array) &&
		    (int)json_object_array_length(row) == h->ncols && x->seq < UINT32_MAX) {
			sqlite3_reset(h->ins);
			sqlite3_bind_int64(h->ins, 1, rowid_of(h, x, ++x->seq));
			sqlite3_bind_text(h->ins, 2, computer, -1, SQLITE_TRANSIENT);
			for (int c = 0; c < h->ncols; c++)
				bind_value(h->ins, c + 3,
					   json_object_array_get_idx(row, (size_t)c));
			if (sqlite3_step(h->ins) == SQLITE_DONE) {
				h->held += l;
				h->rows++;
				x->held += l;
				x->nrows++;
			}
		}
		json_object_put(row);
		p += l + 1;
	}
	json_object_put(hdr);
}

/* Returns true when this made the host's answer whole. */
static bool take_status(struct fleet_hunt *h, struct json_object *o)
{
	const char *computer, *mid, *nonce;
	const char *status = jstr(o, "status"), *reason = jstr(o, "reason");
	struct json_object *tr;
	struct host *x;
	int k;

	if (!who(h, o, &computer, &mid, &nonce) || status == NULL ||
	    (x = host_of(h, computer, mid)) == NULL)
		return false;
	k = attempt_of(h, x, nonce);
	if (x->status[0] && k == x->attempt) {
		x->dup = true; /* one request answered twice: the same computer and machine-id */
		return false;
	}
	if (!claim(h, x, k))
		return false;
	snprintf(x->status, sizeof(x->status), "%s", status);
	snprintf(x->reason, sizeof(x->reason), "%s", reason ? reason : "");
	if (x->granted) { /* its answer ended without the chunk granted */
		x->granted = false;
		h->granted--;
	}
	x->waiting = false;
	x->rows = jnum(o, "rows");
	x->chunks = jnum(o, "chunks");
	x->ms = jnum(o, "ms");
	if (json_object_object_get_ex(o, "truncated", &tr) && json_object_get_boolean(tr))
		x->truncated = true;
	/* Chunks lost on the way (a node died, or this client fell behind):
	 * not whole, so it is asked again while retries last. */
	x->complete = strcmp(status, "ok") != 0 || x->chunks_got == x->chunks;
	return x->complete;
}

/* "accepted": the host has the request and is working on it. */
static void take_accepted(struct fleet_hunt *h, struct json_object *o)
{
	const char *computer, *mid, *nonce;
	struct host *x;

	if (who(h, o, &computer, &mid, &nonce) && nonce != NULL &&
	    (x = host_of(h, computer, mid)) != NULL)
		claim(h, x, attempt_of(h, x, nonce));
}

/* A credit subject as a responder's library makes one (natsInbox_Create):
 * an _INBOX. name, no spaces, no wildcards, so that a hostile answer can
 * make the client publish "1" to an inbox at most, never to a fleet's
 * query subject or to a wildcard. */
static bool subject_ok(const char *s)
{
	size_t n = strlen(s);

	if (n <= 7 || n >= sizeof(((struct host *)0)->credit) || strncmp(s, "_INBOX.", 7) != 0)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == '*' || *s == '>' || *s == 0x7f)
			return false;
	return true;
}

/* "wait": host x has a chunk ready and waits for credit. */
static void take_wait(struct fleet_hunt *h, struct json_object *o)
{
	const char *computer, *mid, *nonce, *credit = jstr(o, "credit");
	struct host *x;
	size_t i;

	if (!who(h, o, &computer, &mid, &nonce) || nonce == NULL || credit == NULL ||
	    !subject_ok(credit) || (x = host_of(h, computer, mid)) == NULL ||
	    !claim(h, x, attempt_of(h, x, nonce)) || x->status[0] || x->waiting)
		return;
	/* A host waits only after sending the chunk it was granted, and one
	 * connection's messages keep their order: if that chunk has not come,
	 * it was lost (the chunk count will say so); the grant is over. */
	if (x->granted) {
		x->granted = false;
		h->granted--;
	}
	snprintf(x->credit, sizeof(x->credit), "%s", credit);
	x->waiting = true;
	if (x->queued)
		return;
	i = (size_t)(x - h->host);
	x->queued = true;
	if (h->wait_any)
		h->host[h->wait_tail].next_wait = i;
	else
		h->wait_head = i;
	h->wait_tail = i;
	h->wait_any = true;
}

/* Grants credit, oldest wait first, while fewer than FLEET_GRANTS chunks
 * are on their way. */
static void grant(struct fleet_hunt *h)
{
	while (h->wait_any && h->granted < FLEET_GRANTS) {
		struct host *x = &h->host[h->wait_head];

		x->queued = false;
		if (h->wait_head == h->wait_tail)
			h->wait_any = false;
		else
			h->wait_head = x->next_wait;
		if (!x->waiting)
			continue;
		x->waiting = false;
		if (natsConnection_Publish(h->nc, x->credit, "1", 1) == NATS_OK) {
			x->granted = true;
			h->granted++;
		}
	}
}

/* Tells every host still sending that this client stops reading, so that
 * it stops at once rather than at its credit wait's end (answer.h). That
 * is every host with a credit subject and no final status, not only those
 * waiting or granted right now: a host between a chunk that arrived and its
 * next wait would send that wait to this client while it is still
 * connected, where nobody answers it, and so hang on for the whole credit
 * wait. Its "0" waits on its credit subject and ends the next wait at once.
 * A host that never waited yet has no credit subject: the reply
 * subscription is dropped right after the waits already here are read, so
 * its first wait meets "no responders" at once, even while this client
 * still prints its results. Only a wait the server delivered between that
 * read and the unsubscribe (a round trip) can still go unanswered. */
static void stop_reading(struct fleet_hunt *h, natsSubscription *sub)
{
	int pending = 0;

	/* Waits already here but not read yet name hosts to tell too. */
	if (sub != NULL && natsSubscription_GetPending(sub, &pending, NULL) != NATS_OK)
		pending = 0;
	for (; pending > 0; pending--) {
		natsMsg *m = NULL;
		struct json_object *o;
		const char *type;

		if (natsSubscription_NextMsg(&m, sub, 1) != NATS_OK)
			break;
		if (natsMsg_GetDataLength(m) < 1024 &&
		    (o = parse_n(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m))) != NULL) {
			type = jstr(o, "type");
			if (type != NULL && strcmp(type, "wait") == 0)
				take_wait(h, o);
			json_object_put(o);
		}
		natsMsg_Destroy(m);
	}
	for (size_t i = 0; i < h->nhost; i++)
		if (h->host[i].credit[0] != '\0' && h->host[i].status[0] == '\0' && h->nc != NULL)
			natsConnection_Publish(h->nc, h->host[i].credit, "0", 1);
	if (sub != NULL)
		natsSubscription_Unsubscribe(sub);
	if (h->nc != NULL)
		natsConnection_FlushTimeout(h->nc, 1000);
}

static void take(struct fleet_hunt *h, const char *data, size_t len, size_t *finals)
{
	struct json_object *o;
	const char *type;

	h->msgs++;
	if (len > 14 && memcmp(data, "{\"type\":\"rows\"", 14) == 0) {
		take_rows(h, data, len);
		return;
	}
	o = parse_n(data, len);
	type = o != NULL ? jstr(o, "type") : NULL;
	if (type != NULL && strcmp(type, "status") == 0 && take_status(h, o))
		(*finals)++;
	else if (type != NULL && strcmp(type, "accepted") == 0)
		take_accepted(h, o);
	else if (type != NULL && strcmp(type, "wait") == 0)
		take_wait(h, o);
	json_object_put(o);
	grant(h);
}

/* A retry: a new signed request (new nonce and ts) for the hosts not heard
 * from. Returns 0, or -errno when it could not be signed or sent. */
static int ask_again(struct fleet_hunt *h, struct fleet_env *e, const struct fleet_key *key,
		     natsConnection *nc, const char *subject, const char *inbox)
{
	struct strbuf req;
	int r = 0;

	e->skip_len = 0;
	for (size_t i = 0; i < h->nhost; i++)
		if (h->host[i].complete || (h->host[i].heard && h->host[i].status[0] == '\0'))
			fleet__env_skip_add(e, h->host[i].computer);
	e->ts_ms = fleet__now_ms();
	strbuf__init(&req, FLEET_SQL_MAX * 8);
	if (fleet__env_sign(e, key, &req) < 0)
		r = -EINVAL;
	else if (natsConnection_PublishRequest(nc, subject, inbox, req.buf, (int)req.len) !=
		 NATS_OK)
		r = -EIO;
	if (r == 0)
		snprintf(h->nonce[h->tries++], sizeof(h->nonce[0]), "%s", e->nonce);
	strbuf__free(&req);
	return r;
}

/* The summary on stderr; returns how many hosts answered ok. */
static size_t summary(struct fleet_hunt *h, uint64_t expect, uint64_t ms)
{
	size_t ok = 0, refused = 0, failed = 0, truncated = 0, nodone = 0, timed_out = 0;

	for (size_t i = 0; i < h->nhost; i++) {
		struct host *x = &h->host[i];

		if (x->chunks_got != x->chunks && x->status[0] && !x->truncated) {
			x->truncated = true;
			snprintf(x->reason, sizeof(x->reason), "%llu of %llu chunks arrived",
				 (unsigned long long)x->chunks_got, (unsigned long long)x->chunks);
		}
		if (strcmp(x->status, "ok") == 0)
			ok++;
		else if (strcmp(x->status, "refused") == 0)
			refused++;
		else if (x->status[0])
			failed++;
		else
			nodone++;
		truncated += x->truncated;
	}
	for (size_t r = 0; r < h->nroster; r++) {
		bool seen = false;

		for (size_t i = 0; i < h->nhost && !seen; i++)
			seen =
			    h->host[i].status[0] && strcmp(h->host[i].computer, h->roster[r]) == 0;
		timed_out += !seen;
	}
	fprintf(stderr,
		"fleet: %zu answered, %zu refused, %zu failed, %zu truncated, %zu "
		"unfinished",
		ok, refused, failed, truncated, nodone);
	if (h->nroster)
		fprintf(stderr, ", %zu timed out of %zu on the roster", timed_out, h->nroster);
	fprintf(stderr, "; %llu rows in %llu ms", (unsigned long long)h->rows,
		(unsigned long long)ms);
	if (h->tries > 1)
		fprintf(stderr, " (%d requests)", h->tries);
	fputc('\n', stderr);
	for (size_t i = 0; i < h->nhost; i++) {
		struct host *x = &h->host[i];
		const char *st = x->status[0] ? x->status : "no final status (timed out)";

		if (strcmp(st, "ok") != 0 || x->truncated || x->cols_differ)
			fprintf(stderr, "  %s: %s%s%s%s%s\n", x->computer, st,
				x->truncated ? ", truncated" : "", x->reason[0] ? " (" : "",
				x->reason, x->reason[0] ? ")" : "");
		if (x->cols_differ)
			fprintf(stderr,
				"  %s: other columns than the first host's; its rows "
				"were left out\n",
				x->computer);
		if (x->dup)
			fprintf(stderr, "  same machine-id on hosts %s, %s: cloned?\n", x->computer,
				x->computer);
	}
	for (size_t i = 0; i < h->nhost; i++)
		for (size_t j = i + 1; j < h->nhost; j++)
			if (strcmp(h->host[i].machine_id, h->host[j].machine_id) == 0)
				fprintf(stderr, "  same machine-id on hosts %s, %s: cloned?\n",
					h->host[i].computer, h->host[j].computer);
			else if (strcmp(h->host[i].computer, h->host[j].computer) == 0)
				fprintf(stderr,
					"  computer %s answered twice, from two machine-ids: "
					"cloned or misnamed?\n",
					h->host[i].computer);
	if (h->dropped_rows)
		fprintf(stderr, "  %llu rows dropped past --max-total\n",
			(unsigned long long)h->dropped_rows);
	for (size_t r = 0; r < h->nroster; r++) {
		bool seen = false;

		for (size_t i = 0; i < h->nhost && !seen; i++)
			seen =
			    h->host[i].status[0] && strcmp(h->host[i].computer, h->roster[r]) == 0;
		if (!seen)
			fprintf(stderr, "  %s: timed out\n", h->roster[r]);
	}
	for (size_t i = 0; i < h->nhost && h->nroster; i++) {
		bool listed = false;

		for (size_t r = 0; r < h->nroster && !listed; r++)
			listed = strcmp(h->host[i].computer, h->roster[r]) == 0;
		if (!listed)
			fprintf(stderr, "  %s: answered, not on the roster\n", h->host[i].computer);
	}
	if (expect && h->nhost - nodone < expect && h->nroster == 0)
		fprintf(stderr, "  %llu of %llu expected hosts did not answer in time\n",
			(unsigned long long)(expect - (h->nhost - nodone)),
			(unsigned long long)expect);
	return ok;
}

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	char tmp[8192];
	size_t n;

	*buf = NULL;
	*len = 0;
	if (f == NULL)
		return -errno;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		char *b = realloc(*buf, *len + n + 1);

		if (b == NULL || *len + n > FLEET_SQL_MAX * 2) {
			free(b ? b : *buf);
			fclose(f);
			return -E2BIG;
		}
		*buf = b;
		memcpy(*buf + *len, tmp, n);
		*len += n;
	}
	fclose(f);
	if (*buf == NULL)
		return -ENODATA;
	(*buf)[*len] = '\0';
	return 0;
}

/* --roster FILE: one Computer a line; blank lines and '#' comments skipped. */
static int read_roster(struct fleet_hunt *h, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[512];
	int lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "vigil hunt: --roster %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, **n;
		size_t len;

		lineno++;
		p += strspn(p, " \t");
		len = strcspn(p, "\r\n#");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue;
		p[len] = '\0';
		n = realloc(h->roster, (h->nroster + 1) * sizeof(*n));
		if (n == NULL || (n[h->nroster] = strdup(p)) == NULL) {
			if (n != NULL)
				h->roster = n;
			fclose(f);
			return -ENOMEM;
		}
		h->roster = n;
		h->nroster++;
	}
	fclose(f);
	if (h->nroster == 0) {
		fprintf(stderr, "vigil hunt: --roster %s: no host named in it\n", path);
		return -EINVAL;
	}
	return 0;
}

static int save_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, buf, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -EIO;
}

/* `vigil hunt --fleet` (kind hunt, one SQL argument) and `vigil status
 * --fleet` (kind status, none). */
static int fleet_ask(int argc, char **argv, enum fleet_kind kind)
{
	static const struct option longopts[] = {
	    {"fleet", required_argument, NULL, 'F'},
	    {"fleet-name", required_argument, NULL, 'n'},
	    {"key", required_argument, NULL, 'k'},
	    {"hosts", required_argument, NULL, 'H'},
	    {"timeout", required_argument, NULL, 't'},
	    {"expect", required_argument, NULL, 'e'},
	    {"merge", required_argument, NULL, 'M'},
	    {"format", required_argument, NULL, 'f'},
	    {"max-rows", required_argument, NULL, 'r'},
	    {"max-bytes", required_argument, NULL, 'b'},
	    {"max-total", required_argument, NULL, 'T'},
	    {"roster", required_argument, NULL, 'L'},
	    {"retry", required_argument, NULL, 'y'},
	    /* Test hooks (vigil(8) does not list them): keep the request
	     * sent, send a file's bytes as the request, shift its ts. */
	    {"save-request", required_argument, NULL, 'S'},
	    {"send-raw", required_argument, NULL, 'R'},
	    {"ts-offset-ms", required_argument, NULL, 'O'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *url = NULL, *name = NULL, *keyfile = NULL, *merge = NULL, *save = NULL;
	const char *raw = NULL, *roster = NULL;
	struct fleet_hunt h = {.max_total = 256u << 20};
	enum hunt_format fmt = FMT_TABLE;
	uint64_t timeout_ms = 5000, expect = 0, max_rows = 10000, max_bytes = 4u << 20;
	uint64_t retry_ms = 0, next_retry = UINT64_MAX, reconnects = 0;
	bool retry_set = false;
	natsStatistics *stats = NULL;
	long long ts_off = 0;
	struct fleet_link link;
	struct fleet_env *e = NULL;
	struct fleet_key *key = NULL;
	struct strbuf req;
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	natsInbox *inbox = NULL;
	natsStatus st;
	sqlite3_stmt *out = NULL;
	uint64_t t0, deadline;
	size_t finals = 0;
	int opt, ret = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		uint64_t v;

		switch (opt) {
		case 'F':
			url = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'H':
			h.hosts_glob = optarg;
			break;
		case 't':
			if (opts__ms(optarg, 1, 3600000, &timeout_ms) < 0) {
				fprintf(stderr, "vigil hunt: bad --timeout '%s' (e.g. 5s, 500ms)\n",
					optarg);
				return EX_USAGE;
			}
			break;
		case 'y':
			if (opts__ms(optarg, 0, 3600000, &retry_ms) < 0) {
				fprintf(stderr,
					"vigil hunt: bad --retry '%s' (e.g. 1s, 0: never)\n",
					optarg);
				return EX_USAGE;
			}
			retry_set = true;
			break;
		case 'e':
		case 'r':
		case 'b':
		case 'T':
			if (opts__size(optarg, 1, UINT64_MAX / 2, &v) < 0) {
				fprintf(stderr, "vigil hunt: bad number '%s'\n", optarg);
				return EX_USAGE;
			}
			*(opt == 'e'   ? &expect
			  : opt == 'r' ? &max_rows
			  : opt == 'b' ? &max_bytes
				       : &h.max_total) = v;
			break;
		case 'M':
			merge = optarg;
			break;
		case 'L':
			roster = optarg;
			break;
		case 'f':
			if (hunt__format(optarg, &fmt) < 0)
				return EX_USAGE;
			break;
		case 'S':
			save = optarg;
			break;
		case 'R':
			raw = optarg;
			break;
		case 'O':
			ts_off = strtoll(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc - (kind == FLEET_HUNT) || url == NULL ||
	    (keyfile == NULL && raw == NULL)) {
		usage(stderr);
		return EX_USAGE;
	}
	if (kind == FLEET_HUNT && strlen(argv[optind]) >= FLEET_SQL_MAX) {
		fprintf(stderr, "vigil hunt: the query is over %u bytes\n", FLEET_SQL_MAX);
		return EX_USAGE;
	}
	if (fleet__link_parse(&link, url, name) < 0)
		return EX_USAGE;
	if (roster != NULL) {
		if (read_roster(&h, roster) < 0) {
			for (size_t i = 0; i < h.nroster; i++)
				free(h.roster[i]);
			free(h.roster);
			return EX_NOINPUT;
		}
		/* Under --hosts only the roster's matching hosts are asked. */
		for (size_t i = 0, k = 0, n = h.nroster; i < n; i++) {
			if (h.hosts_glob == NULL || fnmatch(h.hosts_glob, h.roster[i], 0) == 0)
				h.roster[k++] = h.roster[i];
			else {
				free(h.roster[i]);
				h.nroster--;
			}
		}
		if (expect == 0)
			expect = h.nroster;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return EX_OSERR;
	strbuf__init(&req, FLEET_SQL_MAX * 8);
	if (raw != NULL) {
		char *buf;
		size_t len;
		struct json_object *o;

		if (read_file(raw, &buf, &len) < 0) {
			fprintf(stderr, "vigil hunt: cannot read %s\n", raw);
			free(e);
			return EX_NOINPUT;
		}
		strbuf__add(&req, buf, len);
		/* Its answers carry its nonce. */
		o = parse_n(buf, strcspn(buf, "\n"));
		snprintf(e->nonce, sizeof(e->nonce), "%s",
			 o && jstr(o, "nonce") ? jstr(o, "nonce") : "");
		json_object_put(o);
		free(buf);
	} else {
		key = fleet__load_private(keyfile);
		if (key == NULL) {
			fprintf(stderr, "vigil hunt: %s: not an ed25519 private key (%s)\n",
				keyfile, strerror(errno));
			free(e);
			return EX_NOINPUT;
		}
		e->kind = kind;
		snprintf(e->sql, sizeof(e->sql), "%s", kind == FLEET_HUNT ? argv[optind] : "");
		e->ts_ms = (uint64_t)((long long)fleet__now_ms() + ts_off);
		e->max_rows = max_rows;
		e->max_bytes = max_bytes;
		snprintf(e->hosts, sizeof(e->hosts), "%s", h.hosts_glob ? h.hosts_glob : "");
		if (fleet__env_sign(e, key, &req) < 0) {
			fprintf(stderr, "vigil hunt: %s: cannot sign the request\n", keyfile);
			fleet__key_free(key);
			strbuf__free(&req);
			free(e);
			return EX_SOFTWARE;
		}
	}
	if (save != NULL && save_file(save, req.buf, req.len) < 0)
		fprintf(stderr, "vigil hunt: cannot write %s\n", save);
	snprintf(h.nonce[0], sizeof(h.nonce[0]), "%s", e->nonce);
	h.tries = 1;
	if (sqlite3_open(":memory:", &h.db) != SQLITE_OK) {
		ret = EX_OSERR;
		goto out;
	}
	st = fleet__link_connect(&link, false, &nc);
	h.nc = nc;
	if (st == NATS_OK)
		st = natsInbox_Create(&inbox);
	if (st == NATS_OK)
		st = natsConnection_SubscribeSync(&sub, nc, inbox);
	if (st == NATS_OK)
		st = natsSubscription_SetPendingLimits(sub, -1, 256 << 20);
	t0 = mono_ms();
	if (st == NATS_OK)
		st = natsConnection_PublishRequest(nc, link.subject, inbox, req.buf, (int)req.len);
	if (st == NATS_OK)
		st = natsConnection_Flush(nc);
	if (st == NATS_OK)
		st = natsStatistics_Create(&stats);
	if (st != NATS_OK) {
		fprintf(stderr, "vigil hunt: %s: %s\n", link.shown[0], natsStatus_GetText(st));
		ret = EX_UNAVAILABLE;
		goto out;
	}
	deadline = t0 + timeout_ms;
	if (!retry_set)
		retry_ms = timeout_ms / 5 > 1000 ? timeout_ms / 5 : 1000;
	/* Without --expect nothing says a host is missing: ask again only
	 * when told to. A --send-raw request has no key to sign a retry. */
	if (key != NULL && retry_ms > 0 && (expect > 0 || retry_set))
		next_retry = t0 + retry_ms;
	sqlite3_exec(h.db, "BEGIN", NULL, NULL, NULL);
	while (expect == 0 || finals < expect) {
		uint64_t now = mono_ms(), until, n = 0;
		natsMsg *m = NULL;

		if (now >= deadline)
			break;
		/* Answers in flight to this client when it reconnected are lost:
		 * the hosts not done yet are asked again. */
		if (natsConnection_GetStats(nc, stats) == NATS_OK &&
		    natsStatistics_GetCounts(stats, NULL, NULL, NULL, NULL, &n) == NATS_OK &&
		    n != reconnects) {
			reconnects = n;
			/* Waits and granted chunks in flight were lost too:
			 * those hosts stop at their credit wait's end. */
			for (size_t i = 0; i < h.nhost; i++) {
				h.host[i].heard = h.host[i].complete;
				h.host[i].waiting = h.host[i].queued = h.host[i].granted = false;
			}
			h.granted = 0;
			h.wait_any = false;
		}
		if (now >= next_retry) {
			if (h.tries < FLEET_TRIES &&
			    ask_again(&h, e, key, nc, link.subject, inbox) < 0)
				fprintf(stderr, "vigil hunt: cannot ask again: %s\n",
					nats_GetLastError(NULL));
			next_retry = h.tries < FLEET_TRIES ? now + retry_ms : UINT64_MAX;
		}
		until = next_retry < deadline ? next_retry : deadline;
		st = natsSubscription_NextMsg(&m, sub, (int64_t)(until - now));
		if (st == NATS_TIMEOUT)
			continue;
		if (st != NATS_OK) {
			/* A slow consumer lost messages: the chunk counts show whose. */
			continue;
		}
		take(&h, natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), &finals);
		natsMsg_Destroy(m);
	}
	stop_reading(&h, sub);
	sqlite3_exec(h.db, "COMMIT", NULL, NULL, NULL);
	if (summary(&h, expect, mono_ms() - t0) == 0)
		ret = EX_UNAVAILABLE;
	if (h.ins == NULL) /* no rows at all: still a table to print or merge */
		sqlite3_exec(h.db, "CREATE TABLE results (Computer)", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(h.db, merge ? merge : "SELECT * FROM results ORDER BY rowid", -1,
			       &out, NULL) != SQLITE_OK ||
	    out == NULL) {
		fprintf(stderr, "vigil hunt: --merge: %s\n", sqlite3_errmsg(h.db));
		ret = EX_DATAERR;
		goto out;
	}
	fflush(stderr);
	if (hunt__print(out, stdout, fmt, SIZE_MAX) != SQLITE_DONE) {
		fprintf(stderr, "vigil hunt: --merge: %s\n", sqlite3_errmsg(h.db));
		ret = EX_DATAERR;
	}
out:
	fleet__key_free(key);
	natsStatistics_Destroy(stats);
	sqlite3_finalize(out);
	sqlite3_finalize(h.ins);
	sqlite3_close(h.db);
	natsSubscription_Destroy(sub);
	natsInbox_Destroy(inbox);
	if (nc != NULL) {
		natsConnection_Close(nc);
		natsConnection_Destroy(nc);
	}
	strbuf__free(&req);
	free(h.host);
	for (size_t i = 0; i < h.nroster; i++)
		free(h.roster[i]);
	free(h.roster);
	free(e);
	if (fflush(stdout) != 0 && ret == 0)
		ret = EX_IOERR;
	return ret;
}

int cmd_hunt_fleet(int argc, char **argv)
{
	return fleet_ask(argc, argv, FLEET_HUNT);
}

int cmd_status_fleet(int argc, char **argv)
{
	return fleet_ask(argc, argv, FLEET_STATUS);
}
