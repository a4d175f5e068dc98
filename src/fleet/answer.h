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
 */
#ifndef VIGIL_FLEET_ANSWER_H
#define VIGIL_FLEET_ANSWER_H

#include "common/strbuf.h"
#include "fleet/envelope.h"

#include <stdbool.h>
#include <stdint.h>

#define FLEET_CHUNK_MAX (256u << 10)

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
 * answer as failed). */
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

/* Reads the host's machine id (first line of path, at most 63 characters)
 * into id->machine_id; "unknown" when it cannot. */
void fleet__read_machine_id(struct fleet_ident *id, const char *path);

#endif
