/*
 * sqlite.c — the hunting store: every record as a row in an MDE-style table.
 *
 * Spec: sqlite:PATH[?max_age=7d&max_size=512M&batch=10000&commit_ms=0&retain_every=5]
 * (`default` opens sqlite:$STATE/vigil.db next to the JSONL file).
 *
 * Schema (one table per event family; schema__family_table names them):
 *   DeviceProcessEvents, DeviceNetworkEvents, DeviceFileEvents,
 *   DeviceImageLoadEvents, DeviceEvents and DeviceAlerts. Which events land
 *   in which table is the family column of the VIGIL_EVENTS catalogue
 *   (src/common/schema.h).
 * Every table has, in this order:
 *   Timestamp INTEGER      event time, ms since the Unix epoch (indexed)
 *   UtcTime TEXT           "YYYY-MM-DD HH:MM:SS.mmm", UTC
 *   EventID INTEGER (indexed), Event TEXT, Computer TEXT,
 *   SequenceNumber INTEGER, RuleName TEXT
 *   ProcessGuid TEXT (indexed), ProcessId INTEGER, Image TEXT (indexed),
 *   User TEXT, CommandLine TEXT (the event's CommandLine, else the
 *   initiating process's), InitiatingProcessCommandLine,
 *   InitiatingProcessParentGuid, InitiatingProcessParentImage,
 *   InitiatingProcessHashes, ContainerId (TEXT)
 * then the family's own columns — the union of the EventData fields of its
 * events, in catalogue order, INTEGER for numeric fields, TEXT otherwise —
 * and last
 *   Json TEXT              the whole record as vigil's JSON object, so a
 *                          field without a column (dynamic SensorHealth
 *                          counters) is still there: json_extract(Json, '$.X').
 * Absent fields are NULL (the JSON keeps Sysmon's "-"). Text is stored as
 * the JSON output carries it: invalid UTF-8 (a file name is any bytes) has
 * each bad byte replaced by U+FFFD, so readers never fail on a row. An older database
 * missing a column gets it added with ALTER TABLE at open.
 *
 * Write path: on the event thread (it is a local file), one prepared INSERT
 * per table with values bound in place (no copies), inside a transaction
 * that commits at every flush() (the main loop flushes after each drained
 * ring-buffer batch and once a second) and every `batch` records. With
 * commit_ms=N a flush leaves a batch younger than N ms open, so that under
 * load one commit carries more rows (a group commit; rows then show up
 * within N ms plus a second at worst). WAL with
 * synchronous=NORMAL, so a crash loses at most the open batch and never
 * corrupts the file, and `vigil hunt` reads while we write.
 *
 * Retention: at most every `retain_every` seconds (at a commit), rows older
 * than max_age are deleted, then, while the live pages exceed max_size, the
 * oldest rows of the table holding the oldest event — age in batches of
 * 5,000, size in batches sized from the excess and the mean row size (at
 * most 5,000), a bounded number of batches per pass, so a pass never stalls
 * the event thread for long; freed pages go back to the OS with incremental vacuum. A full disk
 * (SQLITE_FULL) rolls the open batch back, counts its records as dropped,
 * and the sink keeps going. Files are created 0600 (SQLite gives the -wal
 * and -shm files the database file's mode); an existing store is used only
 * when it is ours and not writable by others (outfile.h).
 */
#include "sinks/sink.h"

#include "common/duration.h"
#include "common/json.h"
#include "common/log.h"
#include "common/utf8.h"
#include "sinks/outfile.h"
#include "sinks/sinkopt.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SQ_BATCH_DEFAULT 10000
#define SQ_COMMIT_MS	 0
#define SQ_RETAIN_EVERY	 5
#define SQ_DELETE_BATCH	 5000
#define SQ_DELETE_ROUNDS 8
#define SQ_MAX_COLS	 128

enum col_src {
	COL_TS,
	COL_EVENTID,
	COL_EVENT,
	COL_COMPUTER,
	COL_SEQ,
	COL_FIELD,
	COL_CMDLINE,
	COL_JSON
};

struct sq_col {
	enum col_src src;
	enum vf_id f;
};

struct sq_table {
	const char *name;
	unsigned ncols;
	struct sq_col cols[SQ_MAX_COLS];
};

/* One INSERT per event type naming only the columns that event can fill
 * (the others default to NULL): fewer binds and a shorter program per row
 * than one statement per table. */
struct sq_ins {
	sqlite3_stmt *st;
	unsigned ncols;
	struct sq_col cols[SQ_MAX_COLS];
};

struct sq_cfg {
	char path[4096];
	uint64_t max_age;  /* seconds; 0 = keep */
	uint64_t max_size; /* bytes; 0 = unbounded */
	uint64_t batch;
	uint64_t commit_ms;
	uint64_t retain_every;
	uint64_t max_page_count; /* test hook: simulates a full disk */
};

struct sq {
	struct sq_cfg cfg;
	sqlite3 *db;
	struct sq_table t[VFAM__COUNT];
	struct sq_ins *ins[VIGIL_EVENT_ID_MAX]; /* prepared on first use */
	struct strbuf json;
	struct strbuf fix; /* a value made valid UTF-8 (bind_text) */
	bool in_tx;
	uint64_t tx_start_ms; /* when the open transaction began */
	uint64_t pending;     /* records in the open transaction */
	uint64_t last_retain;
	uint64_t full_events;
	uint64_t deleted;
	bool warned_full;
};

static const enum vf_id common_fields[] = {
    VF_RuleName,
    VF_UtcTime,
    VF_ProcessGuid,
    VF_ProcessId,
    VF_Image,
    VF_User,
    VF_CommandLine,
    VF_InitiatingProcessCommandLine,
    VF_InitiatingProcessParentGuid,
    VF_InitiatingProcessParentImage,
    VF_InitiatingProcessHashes,
    VF_ContainerId,
};

static int parse_spec(const char *arg, struct sq_cfg *cfg)
{
	const char *q = strchr(arg, '?');
	size_t plen = q ? (size_t)(q - arg) : strlen(arg);
	char key[32], val[64];
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->batch = SQ_BATCH_DEFAULT;
	cfg->commit_ms = SQ_COMMIT_MS;
	cfg->retain_every = SQ_RETAIN_EVERY;
	if (plen == 0 || plen >= sizeof(cfg->path)) {
		fprintf(stderr, "vigil: output 'sqlite:%s' needs a database path\n", arg);
		return -EINVAL;
	}
	memcpy(cfg->path, arg, plen);
	cfg->path[plen] = '\0';
	q = q ? q + 1 : NULL;
	while ((r = sinkopt__next(&q, key, sizeof(key), val, sizeof(val))) > 0) {
		if (strcmp(key, "max_age") == 0 && sinkopt__duration(val, &cfg->max_age) == 0)
			continue;
		if (strcmp(key, "max_size") == 0 && sinkopt__size(val, &cfg->max_size) == 0)
			continue;
		if (strcmp(key, "batch") == 0 && sinkopt__uint(val, 1, 1000000, &cfg->batch) == 0)
			continue;
		if (strcmp(key, "commit_ms") == 0 &&
		    sinkopt__uint(val, 0, 60000, &cfg->commit_ms) == 0)
			continue;
		if (strcmp(key, "retain_every") == 0 &&
		    sinkopt__duration(val, &cfg->retain_every) == 0)
			continue;
		if (strcmp(key, "max_page_count") == 0 &&
		    sinkopt__uint(val, 1, UINT32_MAX, &cfg->max_page_count) == 0)
			continue;
		fprintf(stderr,
			"vigil: output sqlite:%s: bad option '%s=%s' (options: "
			"max_age=7d, max_size=512M, batch=N, commit_ms=0, retain_every=5s)\n",
			cfg->path, key, val);
		return -EINVAL;
	}
	if (r < 0) {
		fprintf(stderr, "vigil: output sqlite:%s: malformed options (expected k=v&k=v)\n",
			cfg->path);
		return -EINVAL;
	}
	return 0;
}

static int sq_check(const char *arg)
{
	struct sq_cfg cfg;

	return parse_spec(arg, &cfg);
}

static uint64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * MSEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_MSEC;
}

static bool has_col(const struct sq_table *t, enum col_src src, enum vf_id f)
{
	for (unsigned i = 0; i < t->ncols; i++)
		if (t->cols[i].src == src && (src != COL_FIELD || t->cols[i].f == f))
			return true;
	return false;
}

static void add_col(struct sq_table *t, enum col_src src, enum vf_id f)
{
	if (t->ncols < SQ_MAX_COLS && !has_col(t, src, f)) {
		t->cols[t->ncols].src = src;
		t->cols[t->ncols].f = f;
		t->ncols++;
	}
}

static const char *col_name(const struct sq_col *c)
{
	switch (c->src) {
	case COL_TS:
		return "Timestamp";
	case COL_EVENTID:
		return "EventID";
	case COL_EVENT:
		return "Event";
	case COL_COMPUTER:
		return "Computer";
	case COL_SEQ:
		return "SequenceNumber";
	case COL_CMDLINE:
		return "CommandLine";
	case COL_JSON:
		return "Json";
	case COL_FIELD:
		break;
	}
	return schema__field_name(c->f);
}

static const char *col_type(const struct sq_col *c)
{
	switch (c->src) {
	case COL_TS:
	case COL_EVENTID:
	case COL_SEQ:
		return "INTEGER";
	case COL_FIELD:
		return schema__field_kind(c->f) == VFK_INT ? "INTEGER" : "TEXT";
	default:
		return "TEXT";
	}
}

/* Builds each family's column list from the catalogue. */
static void build_tables(struct sq *q)
{
	size_t nev;
	const struct vevent_def *const *evs = schema__events(&nev);

	for (unsigned fam = 0; fam < VFAM__COUNT; fam++) {
		struct sq_table *t = &q->t[fam];

		t->name = schema__family_table((enum vigil_family)fam);
		add_col(t, COL_TS, VF_NONE);
		add_col(t, COL_FIELD, VF_UtcTime);
		add_col(t, COL_EVENTID, VF_NONE);
		add_col(t, COL_EVENT, VF_NONE);
		add_col(t, COL_COMPUTER, VF_NONE);
		add_col(t, COL_SEQ, VF_NONE);
		for (size_t i = 0; i < sizeof(common_fields) / sizeof(common_fields[0]); i++) {
			if (common_fields[i] == VF_CommandLine)
				add_col(t, COL_CMDLINE, VF_NONE);
			else
				add_col(t, COL_FIELD, common_fields[i]);
		}
		for (size_t e = 0; e < nev; e++) {
			if (evs[e]->family != fam)
				continue;
			for (unsigned i = 0; i < evs[e]->nfields; i++) {
				enum vf_id f = (enum vf_id)evs[e]->fields[i];
				if (f == VF_CommandLine || f == VF_EventID || f == VF_Event ||
				    f == VF_Computer || f == VF_SequenceNumber)
					continue;
				add_col(t, COL_FIELD, f);
			}
		}
		add_col(t, COL_JSON, VF_NONE);
	}
}

static int exec_sql(struct sq *q, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(q->db, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK) {
		log_warnx("%s: %s: %s", q->cfg.path, sql, err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
	}
	return rc;
}

/* Creates the table (or adds missing columns to an existing one), its
 * indexes, and prepares its INSERT. */
static int setup_table(struct sq *q, struct sq_table *t)
{
	struct strbuf sb;
	sqlite3_stmt *st = NULL;
	int rc;

	strbuf__init(&sb, 1 << 20);
	strbuf__addf(&sb, "CREATE TABLE IF NOT EXISTS %s (", t->name);
	for (unsigned i = 0; i < t->ncols; i++)
		strbuf__addf(&sb, "%s%s %s", i ? ", " : "", col_name(&t->cols[i]),
			     col_type(&t->cols[i]));
	strbuf__adds(&sb, ")");
	rc = exec_sql(q, strbuf__cstr(&sb));
	if (rc != SQLITE_OK)
		goto out;

	/* Bring an older table up to this column set. */
	strbuf__clear(&sb);
	strbuf__addf(&sb, "SELECT 1 FROM pragma_table_info('%s') WHERE name = ?", t->name);
	rc = sqlite3_prepare_v2(q->db, strbuf__cstr(&sb), -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out;
	for (unsigned i = 0; i < t->ncols; i++) {
		bool present;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, col_name(&t->cols[i]), -1, SQLITE_STATIC);
		present = sqlite3_step(st) == SQLITE_ROW;
		if (!present) {
			char sql[256];
			snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", t->name,
				 col_name(&t->cols[i]), col_type(&t->cols[i]));
			rc = exec_sql(q, sql);
			if (rc != SQLITE_OK)
				goto out;
		}
	}
	sqlite3_finalize(st);
	st = NULL;

	static const char *const idx[] = {"Timestamp", "ProcessGuid", "Image", "EventID"};
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "CREATE INDEX IF NOT EXISTS %s_%s ON %s(%s)", t->name,
			 idx[i], t->name, idx[i]);
		rc = exec_sql(q, sql);
		if (rc != SQLITE_OK)
			goto out;
	}

out:
	sqlite3_finalize(st);
	strbuf__free(&sb);
	return rc == SQLITE_OK ? 0 : -EIO;
}

static void sq_free(struct sq *q)
{
	for (unsigned i = 0; i < VIGIL_EVENT_ID_MAX; i++) {
		if (q->ins[i] != NULL)
			sqlite3_finalize(q->ins[i]->st);
		free(q->ins[i]);
	}
	if (q->db)
		sqlite3_close(q->db);
	strbuf__free(&q->json);
	strbuf__free(&q->fix);
	free(q);
}

static int sq_open(struct sink *s, const char *arg, const struct sink_env *env)
{
	struct sq *q = calloc(1, sizeof(*q));
	char sql[128];
	int fd, rc;

	if (q == NULL)
		return -ENOMEM;
	if (parse_spec(arg, &q->cfg) < 0) {
		free(q);
		return -EINVAL;
	}
	strbuf__init(&q->json, 16u << 20);
	strbuf__init(&q->fix, 16u << 20);
	/* Never take over a store (see outfile.h): the database and the
	 * files SQLite keeps beside it are created by us, 0600, whatever the
	 * umask, or must be ours and not writable by others. -wal and -shm
	 * are created before SQLite opens them, so nobody can plant them
	 * between a check and SQLite's own open. */
	{
		static const char *const side[] = {"-journal", "-wal", "-shm"};
		char sp[4200];
		bool created;
		int err = 0;

		for (size_t i = 0; i < 3 && err == 0; i++) {
			snprintf(sp, sizeof(sp), "%s%s", q->cfg.path, side[i]);
			err = outfile__check_path(sp);
		}
		fd = err == 0 ? outfile__open(q->cfg.path, O_RDWR, &created) : err;
		if (fd >= 0)
			close(fd);
		for (size_t i = 1; i < 3 && fd >= 0; i++) {
			snprintf(sp, sizeof(sp), "%s%s", q->cfg.path, side[i]);
			fd = outfile__open(sp, O_RDWR, &created);
			if (fd >= 0)
				close(fd);
		}
		if (fd < 0) { /* logged: one line naming the file and why */
			sq_free(q);
			return fd;
		}
	}
	rc = sqlite3_open_v2(q->cfg.path, &q->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
			     NULL);
	if (rc != SQLITE_OK) {
		log_warnx("cannot open output %s: %s", q->cfg.path,
			  q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
		sq_free(q);
		return -EIO;
	}
	sqlite3_busy_timeout(q->db, 2000);
	/* auto_vacuum must be chosen before the first table exists; on an
	 * existing database it is a no-op and retention still bounds the
	 * live size. */
	/* 16 KiB pages and a 64 MiB checkpoint interval: rows are ~1-2 KiB
	 * (the Json column), and fewer, larger page writes and checkpoints
	 * measured ~1.6x the insert rate of the defaults. */
	if (exec_sql(q, "PRAGMA page_size=16384") != SQLITE_OK ||
	    exec_sql(q, "PRAGMA auto_vacuum=INCREMENTAL") != SQLITE_OK ||
	    exec_sql(q, "PRAGMA journal_mode=WAL") != SQLITE_OK ||
	    exec_sql(q, "PRAGMA synchronous=NORMAL") != SQLITE_OK ||
	    exec_sql(q, "PRAGMA wal_autocheckpoint=4096") != SQLITE_OK ||
	    exec_sql(q, "PRAGMA journal_size_limit=67108864") != SQLITE_OK ||
	    exec_sql(q, "PRAGMA cache_size=-32768") != SQLITE_OK) {
		sq_free(q);
		return -EIO;
	}
	if (q->cfg.max_page_count) {
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%llu",
			 (unsigned long long)q->cfg.max_page_count);
		exec_sql(q, sql);
	}
	build_tables(q);
	exec_sql(q, "BEGIN");
	for (unsigned i = 0; i < VFAM__COUNT; i++) {
		if (setup_table(q, &q->t[i]) < 0) {
			exec_sql(q, "ROLLBACK");
			sq_free(q);
			return -EIO;
		}
	}
	if (exec_sql(q, "COMMIT") != SQLITE_OK) {
		sq_free(q);
		return -EIO;
	}
	q->last_retain = mono_s();
	s->priv = q;
	(void)env;
	return 0;
}

/* Parses a decimal integer without the locale and errno cost of strtoll. */
static bool parse_i64(const char *s, size_t len, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0;
	size_t i = 0;

	if (len == 0 || len > 20)
		return false;
	if (s[0] == '-') {
		neg = true;
		i = 1;
		if (len == 1)
			return false;
	}
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* Binds text as the JSONL output carries it: valid UTF-8 in place (the
 * usual case, no copy); otherwise with each byte of an invalid sequence
 * replaced by U+FFFD (utf8__add_valid, what json__add_str does), so every
 * reader can decode every row and the column equals the Json copy. */
static void bind_text(struct sq *q, sqlite3_stmt *st, int idx, const char *v, size_t len)
{
	if (utf8__valid(v, len)) {
		sqlite3_bind_text(st, idx, v, (int)len, SQLITE_STATIC);
		return;
	}
	strbuf__clear(&q->fix);
	utf8__add_valid(&q->fix, v, len);
	sqlite3_bind_text(st, idx, q->fix.buf, (int)q->fix.len, SQLITE_TRANSIENT);
}

static void bind_value(struct sq *q, sqlite3_stmt *st, int idx, const char *v, size_t len,
		       bool is_int)
{
	int64_t n;

	if (v == NULL)
		sqlite3_bind_null(st, idx);
	else if (is_int && parse_i64(v, len, &n))
		sqlite3_bind_int64(st, idx, n);
	else
		bind_text(q, st, idx, v, len);
}

/* Rolls back the open batch after a failure and counts its records as
 * dropped (they were counted written when accepted). */
static void drop_batch(struct sink *s, struct sq *q)
{
	if (q->in_tx)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	q->in_tx = false;
	s->st.dropped += q->pending;
	s->st.written -= q->pending <= s->st.written ? q->pending : s->st.written;
	q->pending = 0;
}

static void note_failure(struct sink *s, struct sq *q, int rc)
{
	sink__lost(s, 0, 1);
	if (rc == SQLITE_FULL)
		q->full_events++;
	if (!q->warned_full)
		log_warnx("output %s: %s; dropping the open batch of %llu records and carrying on",
			  q->cfg.path, sqlite3_errstr(rc), (unsigned long long)q->pending);
	q->warned_full = true;
	drop_batch(s, q);
}

static int commit(struct sink *s, struct sq *q)
{
	int rc;

	if (!q->in_tx)
		return 0;
	rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		note_failure(s, q, rc);
		return rc == SQLITE_FULL ? -ENOSPC : -EIO;
	}
	if (q->pending > 0)
		sink_order__delivered(&s->order);
	q->in_tx = false;
	q->pending = 0;
	q->warned_full = false;
	return 0;
}

static int64_t query_int(struct sq *q, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Deletes up to `limit` of the oldest rows of t, or only those older than
 * cutoff_ms when cutoff_ms >= 0. Returns rows deleted or -1. */
static int64_t delete_oldest(struct sq *q, const struct sq_table *t, int64_t cutoff_ms, int limit)
{
	char sql[512];
	char *err = NULL;

	if (cutoff_ms >= 0)
		snprintf(sql, sizeof(sql),
			 "DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s WHERE Timestamp < "
			 "%lld ORDER BY Timestamp LIMIT %d)",
			 t->name, t->name, (long long)cutoff_ms, limit);
	else
		snprintf(sql, sizeof(sql),
			 "DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s ORDER BY Timestamp "
			 "LIMIT %d)",
			 t->name, t->name, limit);
	if (sqlite3_exec(q->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_warnx("%s: retention: %s", q->cfg.path, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return sqlite3_changes64(q->db);
}

static uint64_t live_bytes(struct sq *q)
{
	int64_t pages = query_int(q, "PRAGMA page_count");
	int64_t free_pages = query_int(q, "PRAGMA freelist_count");
	int64_t psize = query_int(q, "PRAGMA page_size");

	if (pages < 0 || free_pages < 0 || psize < 0)
		return 0;
	return (uint64_t)(pages - free_pages) * (uint64_t)psize;
}

/* One bounded retention pass; runs outside the insert batch. */
static void retain(struct sink *s, struct sq *q)
{
	int rounds = 0;

	if (q->cfg.max_age == 0 && q->cfg.max_size == 0)
		return;
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return;
	if (q->cfg.max_age) {
		int64_t cutoff = (int64_t)time(NULL) * (int64_t)MSEC_PER_SEC -
				 (int64_t)q->cfg.max_age * (int64_t)MSEC_PER_SEC;

		for (unsigned i = 0; i < VFAM__COUNT && rounds < SQ_DELETE_ROUNDS; i++) {
			int64_t n;
			do {
				n = delete_oldest(q, &q->t[i], cutoff, SQ_DELETE_BATCH);
				if (n > 0)
					q->deleted += (uint64_t)n;
				rounds++;
			} while (n == SQ_DELETE_BATCH && rounds < SQ_DELETE_ROUNDS);
		}
	}
	while (q->cfg.max_size && rounds < SQ_DELETE_ROUNDS * 2) {
		const struct sq_table *oldest = NULL;
		int64_t oldest_ts = INT64_MAX, n, rows = 0, want;
		uint64_t live = live_bytes(q);

		if (live <= q->cfg.max_size)
			break;
		/* Delete about as many rows as the excess holds, from the
		 * average row size, so a small store is not emptied. */
		for (unsigned i = 0; i < VFAM__COUNT; i++) {
			char sql[128];
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", q->t[i].name);
			rows += query_int(q, sql);
		}
		if (rows <= 0)
			break;
		want = (int64_t)((live - q->cfg.max_size) / (live / (uint64_t)rows + 1)) + 1;
		want = want < 16 ? 16 : want > SQ_DELETE_BATCH ? SQ_DELETE_BATCH : want;

		for (unsigned i = 0; i < VFAM__COUNT; i++) {
			char sql[128];
			int64_t ts;
			snprintf(sql, sizeof(sql), "SELECT coalesce(min(Timestamp), -1) FROM %s",
				 q->t[i].name);
			ts = query_int(q, sql);
			if (ts >= 0 && ts < oldest_ts) {
				oldest_ts = ts;
				oldest = &q->t[i];
			}
		}
		if (oldest == NULL)
			break;
		n = delete_oldest(q, oldest, -1, (int)want);
		if (n <= 0)
			break;
		q->deleted += (uint64_t)n;
		rounds++;
	}
	if (sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		sink__lost(s, 0, 1);
		return;
	}
	/* Give the freed pages back so the file itself shrinks. */
	sqlite3_exec(q->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
}

static void maybe_retain(struct sink *s, struct sq *q)
{
	uint64_t now = mono_s();

	if (now - q->last_retain < q->cfg.retain_every)
		return;
	q->last_retain = now;
	retain(s, q);
}

/* Returns the INSERT for def's event type, preparing it on first use, or
 * NULL (logged). */
static struct sq_ins *get_ins(struct sq *q, const struct vevent_def *def)
{
	const struct sq_table *t = &q->t[def->family < VFAM__COUNT ? def->family : 0];
	struct sq_ins *in;
	struct strbuf sb;
	int rc;

	if (def->id >= VIGIL_EVENT_ID_MAX)
		return NULL;
	if (q->ins[def->id] != NULL)
		return q->ins[def->id];
	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return NULL;
	for (unsigned i = 0; i < t->ncols; i++) {
		const struct sq_col *c = &t->cols[i];
		bool keep;

		if (c->src == COL_FIELD)
			keep = c->f == VF_UtcTime || schema__event_has_field(def, c->f);
		else if (c->src == COL_CMDLINE)
			keep = schema__event_has_field(def, VF_CommandLine) ||
			       schema__event_has_field(def, VF_InitiatingProcessCommandLine);
		else
			keep = true;
		if (keep)
			in->cols[in->ncols++] = *c;
	}
	strbuf__init(&sb, 1 << 20);
	strbuf__addf(&sb, "INSERT INTO %s (", t->name);
	for (unsigned i = 0; i < in->ncols; i++)
		strbuf__addf(&sb, "%s%s", i ? ", " : "", col_name(&in->cols[i]));
	strbuf__adds(&sb, ") VALUES (");
	for (unsigned i = 0; i < in->ncols; i++)
		strbuf__adds(&sb, i ? ", ?" : "?");
	strbuf__adds(&sb, ")");
	rc = sqlite3_prepare_v3(q->db, strbuf__cstr(&sb), -1, SQLITE_PREPARE_PERSISTENT, &in->st,
				NULL);
	strbuf__free(&sb);
	if (rc != SQLITE_OK) {
		log_warnx("%s: preparing insert into %s: %s", q->cfg.path, t->name,
			  sqlite3_errmsg(q->db));
		free(in);
		return NULL;
	}
	q->ins[def->id] = in;
	return in;
}

static int sq_write(struct sink *s, const struct vrec *rec)
{
	struct sq *q = s->priv;
	const struct vevent_def *def = rec->def;
	struct sq_ins *in = get_ins(q, def);
	sqlite3_stmt *st;
	char utc[24];
	int rc;

	if (in == NULL) {
		sink__lost(s, 0, 1);
		return -EIO;
	}
	st = in->st;
	if (!q->in_tx) {
		rc = sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			sink__lost(s, 0, 1);
			return -EIO;
		}
		q->in_tx = true;
		q->tx_start_ms = mono_ms();
	}
	strbuf__clear(&q->json);
	json__add_record(&q->json, rec);
	if (q->json.overflow) {
		q->json.overflow = false;
		return -E2BIG;
	}
	for (unsigned i = 0; i < in->ncols; i++) {
		const struct sq_col *c = &in->cols[i];
		int idx = (int)i + 1;
		size_t len = 0;
		const char *v;

		switch (c->src) {
		case COL_TS:
			sqlite3_bind_int64(st, idx, (sqlite3_int64)(rec->ts_ns / NSEC_PER_MSEC));
			break;
		case COL_EVENTID:
			sqlite3_bind_int(st, idx, def->id);
			break;
		case COL_EVENT:
			sqlite3_bind_text(st, idx, def->name, -1, SQLITE_STATIC);
			break;
		case COL_COMPUTER:
			if (rec->computer)
				bind_text(q, st, idx, rec->computer, strlen(rec->computer));
			else
				sqlite3_bind_null(st, idx);
			break;
		case COL_SEQ:
			sqlite3_bind_int64(st, idx, (sqlite3_int64)rec->seq);
			break;
		case COL_CMDLINE:
			v = vrec__get(rec, VF_CommandLine, &len);
			if (v == NULL)
				v = vrec__get(rec, VF_InitiatingProcessCommandLine, &len);
			bind_value(q, st, idx, v, len, false);
			break;
		case COL_JSON:
			sqlite3_bind_text(st, idx, q->json.buf, (int)q->json.len, SQLITE_STATIC);
			break;
		case COL_FIELD:
			v = vrec__get(rec, c->f, &len);
			if (v == NULL && c->f == VF_UtcTime && rec->ts_ns) {
				vrec__fmt_time(rec->ts_ns, utc);
				v = utc;
				len = 23;
			}
			bind_value(q, st, idx, v, len, schema__field_kind(c->f) == VFK_INT);
			break;
		}
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		note_failure(s, q, rc);
		return rc == SQLITE_FULL ? -ENOSPC : -EIO;
	}
	q->pending++;
	if (q->pending >= q->cfg.batch) {
		rc = commit(s, q);
		if (rc == 0)
			maybe_retain(s, q);
	}
	return 0;
}

static int sq_flush(struct sink *s)
{
	struct sq *q = s->priv;
	int err;

	if (q->in_tx && mono_ms() - q->tx_start_ms < q->cfg.commit_ms)
		return 0; /* young batch: let it grow (see the top) */
	err = commit(s, q);

	if (err == 0)
		maybe_retain(s, q);
	return err;
}

static void sq_close(struct sink *s)
{
	struct sq *q = s->priv;

	if (q == NULL)
		return;
	commit(s, q);
	/* Fold the WAL back into the database on a clean stop. */
	sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sq_free(q);
	s->priv = NULL;
}

const struct sink_ops sink_sqlite_ops = {
    .kind = "sqlite",
    .check = sq_check,
    .open = sq_open,
    .write = sq_write,
    .flush = sq_flush,
    .close = sq_close,
};
