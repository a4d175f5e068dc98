/*
 * answer.c — the read-only, bounded answer to a fleet hunt; see answer.h.
 */
#include "fleet/answer.h"

#include "common/json.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Reads only: see the top of answer.h. A denial sets *(bool *)ctx, as
 * SQLite does not report every denial as SQLITE_AUTH (CREATE TABLE gives
 * SQLITE_ERROR "not authorized"). */
static int authorize(void *ctx, int action, const char *a, const char *b, const char *c,
		     const char *d)
{
	bool *denied = ctx;

	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		/* b is the function's name. */
		if (b != NULL && strcasecmp(b, "load_extension") == 0)
			break;
		return SQLITE_OK;
	default:
		break;
	}
	*denied = true;
	return SQLITE_DENY;
}

static int progress(void *ctx)
{
	return mono_ms() >= *(const uint64_t *)ctx; /* non-zero interrupts */
}

struct chunker {
	struct strbuf sb;
	size_t header_len;
	const struct fleet_env *e;
	const struct fleet_ident *id;
	sqlite3_stmt *st;
	fleet_emit_fn emit;
	void *ctx;
	uint64_t seq;
	uint64_t *deadline; /* of the time limit: moved on by time spent sending */
};

static void chunk_header(struct chunker *ck)
{
	int ncols = sqlite3_column_count(ck->st);

	strbuf__clear(&ck->sb);
	strbuf__adds(&ck->sb, "{\"type\":\"rows\",\"computer\":");
	json__add_str(&ck->sb, ck->id->computer, strlen(ck->id->computer));
	strbuf__adds(&ck->sb, ",\"machine_id\":");
	json__add_str(&ck->sb, ck->id->machine_id, strlen(ck->id->machine_id));
	strbuf__addf(&ck->sb, ",\"nonce\":\"%s\",\"seq\":%llu,\"cols\":[", ck->e->nonce,
		     (unsigned long long)ck->seq);
	for (int c = 0; c < ncols; c++) {
		const char *name = sqlite3_column_name(ck->st, c);

		if (c)
			strbuf__addc(&ck->sb, ',');
		json__add_str(&ck->sb, name ? name : "", name ? strlen(name) : 0);
	}
	strbuf__adds(&ck->sb, "]}");
	ck->header_len = ck->sb.len;
}

static int chunk_flush(struct chunker *ck)
{
	int err;

	uint64_t t0;

	if (ck->sb.len == ck->header_len)
		return 0;
	/* Waiting for the asker's credit is not the query's time. */
	t0 = mono_ms();
	err = ck->emit(ck->sb.buf, ck->sb.len, ck->ctx);
	*ck->deadline += mono_ms() - t0;
	ck->seq++;
	chunk_header(ck);
	return err;
}

/* Appends one row as a JSON array to row. */
static void row_json(sqlite3_stmt *st, struct strbuf *row)
{
	int ncols = sqlite3_column_count(st);

	strbuf__clear(row);
	strbuf__addc(row, '[');
	for (int c = 0; c < ncols; c++) {
		int type = sqlite3_column_type(st, c);

		if (c)
			strbuf__addc(row, ',');
		if (type == SQLITE_NULL) {
			strbuf__adds(row, "null");
		} else if (type == SQLITE_INTEGER) {
			strbuf__addf(row, "%lld", (long long)sqlite3_column_int64(st, c));
		} else if (type == SQLITE_FLOAT) {
			double v = sqlite3_column_double(st, c);
			if (v != v || v - v != 0)
				strbuf__adds(row, "null");
			else
				strbuf__addf(row, "%.17g", v);
		} else {
			const char *v = (const char *)sqlite3_column_text(st, c);
			json__add_str(row, v ? v : "", (size_t)sqlite3_column_bytes(st, c));
		}
	}
	strbuf__addc(row, ']');
}

/* Marks res failed with the reason prefix + what. Returns err. */
static int fail(struct fleet_result *res, int err, const char *prefix, const char *what)
{
	res->status = "failed";
	snprintf(res->reason, sizeof(res->reason), "%s%s", prefix, what);
	return err;
}

static int open_ro(const char *db_path, sqlite3 **db, bool *denied, struct fleet_result *res)
{
	int rc = sqlite3_open_v2(db_path, db, SQLITE_OPEN_READONLY, NULL);

	if (rc != SQLITE_OK)
		return fail(res, -ENOENT, "cannot open the store: ",
			    *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(*db, 1000);
	sqlite3_db_config(*db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(*db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(*db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_limit(*db, SQLITE_LIMIT_ATTACHED, 0);
	if (sqlite3_exec(*db, "PRAGMA query_only=1", NULL, NULL, NULL) != SQLITE_OK)
		return fail(res, -EIO, "cannot open the store: ", sqlite3_errmsg(*db));
	/* From here on nothing but reads. */
	sqlite3_set_authorizer(*db, authorize, denied);
	return 0;
}

int fleet__answer(const char *db_path, const struct fleet_env *e, const struct fleet_limits *lim,
		  const struct fleet_ident *id, fleet_emit_fn emit, void *ctx,
		  struct fleet_result *res)
{
	uint64_t max_rows = e->max_rows < lim->max_rows ? e->max_rows : lim->max_rows;
	uint64_t max_bytes = e->max_bytes < lim->max_bytes ? e->max_bytes : lim->max_bytes;
	uint64_t deadline = mono_ms() + lim->time_ms, bytes = 0;
	struct chunker ck = {.e = e, .id = id, .emit = emit, .ctx = ctx, .deadline = &deadline};
	struct strbuf row;
	sqlite3 *db = NULL;
	const char *tail;
	bool denied = false;
	int rc, err = 0;

	memset(res, 0, sizeof(*res));
	res->status = "ok";
	if (open_ro(db_path, &db, &denied, res) < 0) {
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_progress_handler(db, 1000, progress, &deadline);
	rc = sqlite3_prepare_v2(db, e->sql, -1, &ck.st, &tail);
	if (rc != SQLITE_OK && (rc == SQLITE_AUTH || denied)) {
		/* Not a bad query but a forbidden one: say so plainly. */
		err = fail(res, -EPERM, "", "not a read: refused by the authorizer");
		res->status = "refused";
		sqlite3_close(db);
		return err;
	}
	if (rc != SQLITE_OK || ck.st == NULL) {
		err = fail(res, -EINVAL,
			   "SQL: ", rc == SQLITE_OK ? "empty query" : sqlite3_errmsg(db));
		sqlite3_close(db);
		return err;
	}
	while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';')
		tail++;
	if (*tail != '\0') {
		sqlite3_finalize(ck.st);
		sqlite3_close(db);
		return fail(res, -EINVAL, "SQL: ", "one statement at a time");
	}
	strbuf__init(&ck.sb, FLEET_CHUNK_MAX * 2);
	strbuf__init(&row, FLEET_CHUNK_MAX * 2);
	chunk_header(&ck);
	while ((rc = sqlite3_step(ck.st)) == SQLITE_ROW) {
		if (res->rows >= max_rows) {
			res->truncated = true;
			break;
		}
		row_json(ck.st, &row);
		if (row.overflow || row.len > FLEET_CHUNK_MAX - ck.header_len - 1 ||
		    bytes + row.len > max_bytes) {
			/* A row too big for a chunk counts as a cut too. */
			res->truncated = true;
			break;
		}
		if (ck.sb.len + 1 + row.len > FLEET_CHUNK_MAX && (err = chunk_flush(&ck)) < 0)
			break;
		strbuf__addc(&ck.sb, '\n');
		strbuf__add(&ck.sb, row.buf, row.len);
		bytes += row.len;
		res->rows++;
	}
	if (err == 0)
		err = chunk_flush(&ck);
	if (err == -ETIMEDOUT || err == -ECANCELED) {
		fail(res, err, "", "the asker stopped reading");
		res->truncated = true;
	} else if (err < 0) {
		fail(res, err, "", "cannot send the answer");
	} else if (rc == SQLITE_INTERRUPT || (rc != SQLITE_ROW && rc != SQLITE_DONE &&
					      sqlite3_errcode(db) == SQLITE_INTERRUPT)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "time limit (%llu ms) reached",
			 (unsigned long long)lim->time_ms);
		err = fail(res, -ETIMEDOUT, "", msg);
		res->truncated = true;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		err = fail(res, -EINVAL, "SQL: ", sqlite3_errmsg(db));
	}
	res->chunks = ck.seq;
	if (res->truncated && res->reason[0] == '\0')
		snprintf(res->reason, sizeof(res->reason), "cut at %llu rows / %llu bytes",
			 (unsigned long long)max_rows, (unsigned long long)max_bytes);
	strbuf__free(&row);
	strbuf__free(&ck.sb);
	sqlite3_finalize(ck.st);
	sqlite3_close(db);
	return err;
}

void fleet__status_msg(struct strbuf *sb, const struct fleet_result *res,
		       const struct fleet_ident *id, const char *nonce, uint64_t ms)
{
	strbuf__adds(sb, "{\"type\":\"status\",\"status\":");
	json__add_str(sb, res->status, strlen(res->status));
	strbuf__addf(sb,
		     ",\"rows\":%llu,\"truncated\":%s,\"reason\":", (unsigned long long)res->rows,
		     res->truncated ? "true" : "false");
	json__add_str(sb, res->reason, strlen(res->reason));
	strbuf__adds(sb, ",\"computer\":");
	json__add_str(sb, id->computer, strlen(id->computer));
	strbuf__adds(sb, ",\"machine_id\":");
	json__add_str(sb, id->machine_id, strlen(id->machine_id));
	strbuf__adds(sb, ",\"nonce\":");
	json__add_str(sb, nonce, strlen(nonce));
	strbuf__addf(sb, ",\"chunks\":%llu,\"ms\":%llu}", (unsigned long long)res->chunks,
		     (unsigned long long)ms);
}

void fleet__accepted_msg(struct strbuf *sb, const struct fleet_ident *id, const char *nonce)
{
	strbuf__adds(sb, "{\"type\":\"accepted\",\"computer\":");
	json__add_str(sb, id->computer, strlen(id->computer));
	strbuf__adds(sb, ",\"machine_id\":");
	json__add_str(sb, id->machine_id, strlen(id->machine_id));
	strbuf__adds(sb, ",\"nonce\":");
	json__add_str(sb, nonce, strlen(nonce));
	strbuf__addc(sb, '}');
}

void fleet__wait_msg(struct strbuf *sb, const struct fleet_ident *id, const char *nonce,
		     const char *credit)
{
	strbuf__adds(sb, "{\"type\":\"wait\",\"computer\":");
	json__add_str(sb, id->computer, strlen(id->computer));
	strbuf__adds(sb, ",\"machine_id\":");
	json__add_str(sb, id->machine_id, strlen(id->machine_id));
	strbuf__adds(sb, ",\"nonce\":");
	json__add_str(sb, nonce, strlen(nonce));
	strbuf__adds(sb, ",\"credit\":");
	json__add_str(sb, credit, strlen(credit));
	strbuf__addc(sb, '}');
}

void fleet__read_machine_id(struct fleet_ident *id, const char *path)
{
	FILE *f = fopen(path, "re");

	snprintf(id->machine_id, sizeof(id->machine_id), "unknown");
	if (f == NULL)
		return;
	if (fgets(id->machine_id, sizeof(id->machine_id), f) == NULL)
		snprintf(id->machine_id, sizeof(id->machine_id), "unknown");
	id->machine_id[strcspn(id->machine_id, "\r\n")] = '\0';
	if (id->machine_id[0] == '\0')
		snprintf(id->machine_id, sizeof(id->machine_id), "unknown");
	fclose(f);
}
