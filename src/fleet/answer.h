/*
 * answer.h — runs one fleet hunt against a SQLite store, read-only and
 * bounded, and frames the answer as messages.
 *
 * The store is opened per query with SQLITE_OPEN_READONLY and PRAGMA
 * query_only, extension loading off, defensive mode on, and an authorizer
 * that allows SELECT, column reads, functions (but load_extension) and
 * recursive CTEs and denies everything else: writes, ATTACH/DETACH,
 * PRAGMA, transactions. A progress handler stops the query at the time
 * limit. Rows are capped at min(request, responder) in count and in bytes
 * (of their JSON); a cut answer says truncated.
 *
 * Messages (all JSON, one per NATS message, on the request's reply subject):
 *   rows chunk: a header line
 *     {"type":"rows","computer":C,"machine_id":M,"nonce":N,"seq":K,"cols":[..]}
 *   then one JSON array per row, '\n'-separated; at most FLEET_CHUNK_MAX bytes;
 *   then one final status:
 *     {"type":"status","status":"ok"|"refused"|"failed","rows":N,
 *      "truncated":B,"reason":R,"computer":C,"machine_id":M,"nonce":N,
 *      "chunks":K,"ms":T}
 * "chunks" lets the asker notice a chunk it did not get.
 *
 * Flow control. Core NATS has no back-pressure: when a thousand hosts
 * answer at once, the server queues every byte for the one asking client,
 * and past its max_pending (64 MB by default) it cuts that client off as a
 * slow consumer, losing every answer in flight. So an answer's chunks go
 * unasked only while its bytes so far stay within FLEET_FREE_BYTES (an
 * aggregate's few rows flow as before, at no extra round trip); before
 * each further chunk the responder sends
 *     {"type":"wait","computer":C,"machine_id":M,"nonce":N,"credit":S}
 * and waits for one message on its own subject S: anything but "0" is
 * credit for one chunk, "0" means the asker stopped reading. The wait is
 * published with S as its reply subject, so when the asker is already
 * gone the server's "no responders" status arrives on S at once and means
 * the same as "0". An asker that stops sends "0" to every host it knows a
 * credit subject of and has no final status from, waiting or not: the "0"
 * ends that host's next wait. The asker
 * grants credit to at most FLEET_GRANTS hosts at a time, oldest wait first,
 * and a host's next credit only after its chunk arrived, so what is queued
 * for it is bounded by hosts x FLEET_FREE_BYTES + FLEET_GRANTS x
 * FLEET_CHUNK_MAX (16 MB + 8 MB for 1,000 hosts) whatever the answers
 * total. A responder waits at most FLEET_CREDIT_IDLE_MS per credit, and
 * never past the request's own window (its ts + FLEET_WINDOW_MS); then the
 * answer ends failed and truncated ("the asker stopped reading"). Time
 * spent waiting does not count against the query's time limit.
 */
#ifndef VIGIL_FLEET_ANSWER_H
#define VIGIL_FLEET_ANSWER_H

#include "common/strbuf.h"
#include "fleet/envelope.h"

#include <stdbool.h>
#include <stdint.h>

#define FLEET_CHUNK_MAX	     (256u << 10)
#define FLEET_FREE_BYTES     (16u << 10)
#define FLEET_GRANTS	     32
#define FLEET_CREDIT_IDLE_MS 15000

struct fleet_ident {
	char computer[256];
	char machine_id[64];
};

struct fleet_limits {
	uint64_t max_rows;  /* the responder's own caps; the request's are */
	uint64_t max_bytes; /* bounded by these */
	uint64_t time_ms;
};

struct fleet_result {
	const char *status; /* "ok", "refused", "failed" */
	uint64_t rows;
	uint64_t chunks;
	bool truncated;
	char reason[256];
};

/* Called with each finished message; returns 0 or -errno (which stops the
 * answer as failed; -ETIMEDOUT and -ECANCELED: the asker gave no credit, or
 * said it stopped reading). */
typedef int (*fleet_emit_fn)(const char *msg, size_t len, void *ctx);

/* Runs e->sql on the store at db_path, emitting row chunks (not the final
 * status) through emit, and fills res. Returns 0 when the answer is "ok",
 * -errno otherwise (res says why). */
int fleet__answer(const char *db_path, const struct fleet_env *e, const struct fleet_limits *lim,
		  const struct fleet_ident *id, fleet_emit_fn emit, void *ctx,
		  struct fleet_result *res);

/* Appends the final status message for res (to the request with nonce). */
void fleet__status_msg(struct strbuf *sb, const struct fleet_result *res,
		       const struct fleet_ident *id, const char *nonce, uint64_t ms);

/* Appends the "accepted" message a responder sends as soon as a hunt passes
 * its checks, before running it: the client then knows the request reached
 * this host and does not ask it again while the answer is being computed. */
void fleet__accepted_msg(struct strbuf *sb, const struct fleet_ident *id, const char *nonce);

/* Appends the "wait" message: this host has a chunk ready and waits for
 * credit on subject credit (see "Flow control" above). */
void fleet__wait_msg(struct strbuf *sb, const struct fleet_ident *id, const char *nonce,
		     const char *credit);

/* Reads the host's machine id (first line of path, at most 63 characters)
 * into id->machine_id; "unknown" when it cannot. */
void fleet__read_machine_id(struct fleet_ident *id, const char *path);

#endif
