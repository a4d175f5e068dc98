/*
 * test_fleet_answer.c — the read-only, bounded answer to a fleet hunt:
 * SELECT answers in chunks of at most FLEET_CHUNK_MAX bytes with every row;
 * INSERT, UPDATE, DELETE, ATTACH, PRAGMA writable_schema, load_extension
 * and two statements are refused and the store is unchanged; a recursive
 * CTE that never ends is stopped by the time limit; row and byte caps cut
 * the answer and say truncated; the status message carries it all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/answer.h"

static char db_path[64];
static struct fleet_env env;
static const struct fleet_ident id = {.computer = "web-1", .machine_id = "abc"};
static const struct fleet_limits lim = {.max_rows = 100000, .max_bytes = 64u << 20, .time_ms = 300};
static size_t nmsg, maxmsg, nlines;

static int count_msg(const char *msg, size_t len, void *ctx)
{
	(void)ctx;
	nmsg++;
	if (len > maxmsg)
		maxmsg = len;
	for (size_t i = 0; i < len; i++)
		nlines += msg[i] == '\n';
	return 0;
}

static int setup(void **state)
{
	sqlite3 *db;
	int fd;

	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/vigil-fleet-XXXXXX");
	fd = mkstemp(db_path);
	if (fd < 0)
		return -1;
	close(fd);
	if (sqlite3_open(db_path, &db) != SQLITE_OK)
		return -1;
	/* 5000 rows of ~200 bytes: about 1 MB of JSON, four chunks or more. */
	if (sqlite3_exec(db,
			 "CREATE TABLE t (n INTEGER, s TEXT);"
			 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < "
			 "5000) INSERT INTO t SELECT x, printf('%0200d', x) FROM c;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	sqlite3_close(db);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(db_path);
	return 0;
}

static int run(const char *sql, uint64_t max_rows, uint64_t max_bytes, struct fleet_result *res)
{
	memset(&env, 0, sizeof(env));
	snprintf(env.sql, sizeof(env.sql), "%s", sql);
	snprintf(env.nonce, sizeof(env.nonce), "00112233445566778899aabbccddeeff");
	env.max_rows = max_rows;
	env.max_bytes = max_bytes;
	nmsg = maxmsg = nlines = 0;
	return fleet__answer(db_path, &env, &lim, &id, count_msg, NULL, res);
}

static long long count_rows(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long n = -1;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void test_select_chunks(void **state)
{
	struct fleet_result res;

	(void)state;
	assert_int_equal(run("SELECT n, s FROM t ORDER BY n", 100000, 64u << 20, &res), 0);
	assert_string_equal(res.status, "ok");
	assert_int_equal(res.rows, 5000);
	assert_false(res.truncated);
	assert_true(nmsg >= 4);
	assert_int_equal(res.chunks, nmsg);
	assert_true(maxmsg <= FLEET_CHUNK_MAX);
	assert_int_equal(nlines, 5000); /* one per row, after each header */
}

static void test_writes_refused(void **state)
{
	static const char *const bad[] = {
	    "INSERT INTO t VALUES (1, 'x')",
	    "UPDATE t SET n = 0",
	    "DELETE FROM t",
	    "DROP TABLE t",
	    "CREATE TABLE u (x)",
	    "ATTACH DATABASE '/tmp/vigil-fleet-attach.db' AS a",
	    "DETACH DATABASE main",
	    "PRAGMA writable_schema = 1",
	    "PRAGMA journal_mode = DELETE",
	    "SELECT load_extension('/tmp/x.so')",
	    "BEGIN",
	};
	struct fleet_result res;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(run(bad[i], 100, 1000, &res) < 0);
		assert_string_equal(res.status, "refused");
		assert_string_equal(res.reason, "not a read: refused by the authorizer");
		assert_int_equal(nmsg, 0);
	}
	assert_int_equal(access("/tmp/vigil-fleet-attach.db", F_OK), -1);
	assert_int_equal(count_rows(), 5000);
	/* A second statement after a read is not run either. */
	assert_true(run("SELECT 1; DELETE FROM t", 100, 1000, &res) < 0);
	assert_string_equal(res.status, "failed");
	assert_int_equal(count_rows(), 5000);
}

static void test_time_limit(void **state)
{
	struct fleet_result res;

	(void)state;
	assert_true(run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) "
			"SELECT count(*) FROM c",
			100, 1000, &res) < 0);
	assert_string_equal(res.status, "failed");
	assert_string_equal(res.reason, "time limit (300 ms) reached");
	assert_true(res.truncated);
}

static void test_caps(void **state)
{
	struct fleet_result res;
	struct strbuf sb;

	(void)state;
	assert_int_equal(run("SELECT n FROM t", 10, 1u << 20, &res), 0);
	assert_string_equal(res.status, "ok");
	assert_int_equal(res.rows, 10);
	assert_true(res.truncated);
	assert_int_equal(nlines, 10);
	/* Each row is [n,"<200 digits>"], ~210 bytes: 1000 bytes hold 4. */
	assert_int_equal(run("SELECT n, s FROM t", 1000, 1000, &res), 0);
	assert_int_equal(res.rows, 4);
	assert_true(res.truncated);
	/* The responder's own cap bounds the request's. */
	{
		struct fleet_limits small = lim;

		small.max_rows = 3;
		memset(&env, 0, sizeof(env));
		snprintf(env.sql, sizeof(env.sql), "SELECT n FROM t");
		env.max_rows = 1000;
		env.max_bytes = 1u << 20;
		assert_int_equal(fleet__answer(db_path, &env, &small, &id, count_msg, NULL, &res),
				 0);
		assert_int_equal(res.rows, 3);
		assert_true(res.truncated);
	}
	strbuf__init(&sb, 4096);
	fleet__status_msg(&sb, &res, &id, "n1", 5);
	strbuf__addc(&sb, '\0');
	assert_string_equal(sb.buf,
			    "{\"type\":\"status\",\"status\":\"ok\",\"rows\":3,\"truncated\":true,"
			    "\"reason\":\"cut at 3 rows / 1048576 bytes\",\"computer\":\"web-1\","
			    "\"machine_id\":\"abc\",\"nonce\":\"n1\",\"chunks\":1,\"ms\":5}");
	strbuf__free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_select_chunks),
	    cmocka_unit_test(test_writes_refused),
	    cmocka_unit_test(test_time_limit),
	    cmocka_unit_test(test_caps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
