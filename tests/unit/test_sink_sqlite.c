/*
 * test_sink_sqlite.c — the SQLite store: records land in their family's
 * table with the right columns, the file is 0600 and intact, retention by
 * age and by size trims, and a full database drops and keeps going.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sinks/sink.h"

static struct vrec rec;
static char dir[] = "/tmp/vigil-sqlite-XXXXXX";

static int setup(void **state)
{
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct sink *open_sink(const char *spec)
{
	struct sink_env env = {.state_dir = dir, .computer = "h1"};
	struct sink **v = NULL;
	size_t n = 0;
	struct sink *s;

	assert_int_equal(sink__check_spec(spec), 0);
	assert_int_equal(sink__open_spec(spec, &env, &v, &n), 0);
	assert_int_equal(n, 1);
	s = v[0];
	free(v);
	return s;
}

static void fill(unsigned id, uint64_t seq, uint64_t ts_ns)
{
	vrec__reset(&rec, schema__event(id));
	rec.seq = seq;
	rec.ts_ns = ts_ns;
	rec.computer = "h1";
	vrec__set_str(&rec, VF_ProcessGuid, "{11111111-2222-3333-4444-555555555555}");
	vrec__set_int(&rec, VF_ProcessId, 100 + (int64_t)seq);
	vrec__set_str(&rec, VF_Image, "/usr/bin/curl");
	vrec__set_str(&rec, VF_User, "root");
	if (id == 1)
		vrec__set_str(&rec, VF_CommandLine, "curl -o /tmp/x 'http://a,b'");
	if (id == 3) {
		vrec__set_str(&rec, VF_DestinationIp, "10.0.0.1");
		vrec__set_int(&rec, VF_DestinationPort, 443);
		vrec__set_str(&rec, VF_InitiatingProcessCommandLine, "curl https://x");
	}
	if (id == 11)
		vrec__set_str(&rec, VF_TargetFilename, "/tmp/x");
	if (id == 241)
		vrec__add_dyn_uint(&rec, "ProcessCreateSeen", 77);
}

static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *q_text(sqlite3 *db, const char *sql)
{
	static char out[512];
	sqlite3_stmt *st;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, sizeof(out), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void test_write_and_query(void **state)
{
	char path[256], spec[400];
	uint64_t now = (uint64_t)time(NULL) * 1000000000ull;
	struct sink *s;
	sqlite3 *db;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/a.db", dir);
	snprintf(spec, sizeof(spec), "sqlite:%s?batch=7&commit_ms=0", path);
	s = open_sink(spec);
	for (uint64_t i = 1; i <= 30; i++)
		assert_int_equal(sink__write(s, (fill(i % 3 == 0   ? 1
						      : i % 3 == 1 ? 3
								   : 11,
						      i, now),
						 &rec)),
				 0);
	fill(241, 31, now);
	assert_int_equal(sink__write(s, &rec), 0);
	assert_int_equal(sink__flush(s), 0);

	/* A reader sees committed rows while the writer is still open (WAL). */
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(q_int(db, "SELECT count(*) FROM DeviceProcessEvents"), 10);
	assert_int_equal(q_int(db, "SELECT count(*) FROM DeviceNetworkEvents"), 10);
	assert_int_equal(q_int(db, "SELECT count(*) FROM DeviceFileEvents"), 10);
	assert_int_equal(q_int(db, "SELECT count(*) FROM DeviceEvents"), 1);
	assert_int_equal(q_int(db, "SELECT DestinationPort FROM DeviceNetworkEvents WHERE "
				   "SequenceNumber = 1"),
			 443);
	assert_int_equal(q_int(db, "SELECT typeof(DestinationPort) = 'integer' FROM "
				   "DeviceNetworkEvents LIMIT 1"),
			 1);
	assert_string_equal(q_text(db, "SELECT CommandLine FROM DeviceNetworkEvents LIMIT 1"),
			    "curl https://x");
	assert_string_equal(q_text(db, "SELECT CommandLine FROM DeviceProcessEvents LIMIT 1"),
			    "curl -o /tmp/x 'http://a,b'");
	assert_string_equal(q_text(db, "SELECT Event || ' ' || Computer || ' ' || Image FROM "
				       "DeviceFileEvents WHERE TargetFilename = '/tmp/x' LIMIT 1"),
			    "FileCreate h1 /usr/bin/curl");
	assert_int_equal(q_int(db, "SELECT json_extract(Json, '$.ProcessCreateSeen') FROM "
				   "DeviceEvents"),
			 77);
	assert_int_equal(q_int(db, "SELECT count(*) FROM DeviceFileEvents WHERE ContainerId IS "
				   "NULL"),
			 10);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
				   "tbl_name = 'DeviceProcessEvents'"),
			 4);
	assert_string_equal(q_text(db, "PRAGMA journal_mode"), "wal");
	sqlite3_close(db);
	sink__close(s);

	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_string_equal(q_text(db, "PRAGMA integrity_check"), "ok");
	sqlite3_close(db);

	/* Reopening an existing store appends to it. */
	s = open_sink(spec);
	fill(1, 100, now);
	assert_int_equal(sink__write(s, &rec), 0);
	sink__close(s);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(q_int(db, "SELECT count(*) FROM DeviceProcessEvents"), 11);
	sqlite3_close(db);
}

static void test_retention_age(void **state)
{
	char path[256], spec[400];
	uint64_t now = (uint64_t)time(NULL) * 1000000000ull;
	uint64_t day = 86400ull * 1000000000ull;
	struct sink *s;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/age.db", dir);
	snprintf(spec, sizeof(spec), "sqlite:%s?max_age=7d&retain_every=0&commit_ms=0", path);
	s = open_sink(spec);
	for (uint64_t i = 1; i <= 100; i++) {
		/* Half are 10 days old, half are fresh. */
		fill(i % 2 ? 1 : 3, i, i <= 50 ? now - 10 * day : now);
		assert_int_equal(sink__write(s, &rec), 0);
	}
	assert_int_equal(sink__flush(s), 0);
	sink__close(s);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(q_int(db, "SELECT (SELECT count(*) FROM DeviceProcessEvents) + (SELECT "
				   "count(*) FROM DeviceNetworkEvents)"),
			 50);
	assert_int_equal(q_int(db, "SELECT min(SequenceNumber) FROM DeviceProcessEvents"), 51);
	assert_string_equal(q_text(db, "PRAGMA integrity_check"), "ok");
	sqlite3_close(db);
}

static void test_retention_size(void **state)
{
	char path[256], spec[400];
	uint64_t now = (uint64_t)time(NULL) * 1000000000ull;
	struct sink *s;
	sqlite3 *db;
	struct stat sb;
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(path, sizeof(path), "%s/size.db", dir);
	snprintf(spec, sizeof(spec), "sqlite:%s?max_size=1M&retain_every=0&batch=500&commit_ms=0",
		 path);
	s = open_sink(spec);
	for (uint64_t i = 1; i <= 5000; i++) {
		fill(1, i, now + i * 1000000ull);
		vrec__set_str(&rec, VF_CommandLine, big);
		assert_int_equal(sink__write(s, &rec), 0);
		if (i % 500 == 0)
			assert_int_equal(sink__flush(s), 0);
	}
	assert_int_equal(sink__flush(s), 0);
	sink__close(s);
	/* ~20 MB were written; the store holds about 1 MB of the newest. */
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size < 3 * 1024 * 1024);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_true(q_int(db, "SELECT count(*) FROM DeviceProcessEvents") < 1500);
	assert_true(q_int(db, "SELECT count(*) FROM DeviceProcessEvents") > 50);
	assert_int_equal(q_int(db, "SELECT max(SequenceNumber) FROM DeviceProcessEvents"), 5000);
	assert_string_equal(q_text(db, "PRAGMA integrity_check"), "ok");
	sqlite3_close(db);
}

static void test_disk_full(void **state)
{
	char path[256], spec[400];
	uint64_t now = (uint64_t)time(NULL) * 1000000000ull;
	struct sink *s;
	char big[4000];
	int fails = 0;

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(path, sizeof(path), "%s/full.db", dir);
	/* max_page_count stands in for a full disk: SQLite returns
	 * SQLITE_FULL exactly as it does for ENOSPC. */
	snprintf(spec, sizeof(spec), "sqlite:%s?max_page_count=200&batch=10", path);
	s = open_sink(spec);
	for (uint64_t i = 1; i <= 2000; i++) {
		fill(1, i, now);
		vrec__set_str(&rec, VF_CommandLine, big);
		if (sink__write(s, &rec) < 0)
			fails++;
	}
	sink__flush(s);
	assert_true(fails > 0);
	assert_true(s->st.dropped >= (uint64_t)fails);
	assert_true(s->st.written > 0);
	assert_int_equal(s->st.written + s->st.dropped, 2000);
	assert_int_equal(s->st.in, s->st.written + s->st.dropped + s->st.spooled);
	sink__close(s);
}

/* Invalid UTF-8 is stored as the JSONL output has it (each bad byte
 * U+FFFD), so every reader can decode every row; the column and the Json
 * copy agree. */
static void test_invalid_utf8(void **state)
{
	char path[256], spec[300];
	uint64_t now = (uint64_t)time(NULL) * 1000000000ull;
	struct sink *s;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/utf8.db", dir);
	snprintf(spec, sizeof(spec), "sqlite:%s", path);
	s = open_sink(spec);
	fill(1, 1, now);
	vrec__set_str(&rec, VF_CommandLine, "cat \xff\xfe-\xc3(\xe2\x82 caf\xc3\xa9");
	vrec__set_str(&rec, VF_Image, "/tmp/\xed\xa0\x80x"); /* a surrogate */
	assert_int_equal(sink__write(s, &rec), 0);
	sink__close(s);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_string_equal(
	    q_text(db, "SELECT CommandLine FROM DeviceProcessEvents"),
	    "cat \xef\xbf\xbd\xef\xbf\xbd-\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9");
	assert_string_equal(q_text(db, "SELECT Image FROM DeviceProcessEvents"),
			    "/tmp/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");
	assert_int_equal(q_int(db,
			       "SELECT CommandLine = json_extract(Json, '$.CommandLine') AND "
			       "Image = json_extract(Json, '$.Image') FROM DeviceProcessEvents"),
			 1);
	sqlite3_close(db);
}

/* An output file is never taken over: an existing database (or -wal)
 * someone else owns or can write, or a symlink, is refused; a new one is
 * created 0600, with its -wal and -shm. */
static void test_not_taken_over(void **state)
{
	char path[256], spec[300], side[300];
	struct sink_env env = {.state_dir = dir, .computer = "h1"};
	struct sink **v = NULL;
	size_t n = 0;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/taken.db", dir);
	snprintf(spec, sizeof(spec), "sqlite:%s", path);
	/* World-writable (0666): anyone could add forged rows. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0666), 0);
	close(fd);
	assert_int_equal(sink__open_spec(spec, &env, &v, &n), -EPERM);
	assert_int_equal(n, 0);
	if (geteuid() == 0) {
		/* Owned by nobody, even 0600. */
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(sink__open_spec(spec, &env, &v, &n), -EPERM);
		assert_int_equal(chown(path, 0, 0), 0);
	}
	assert_int_equal(unlink(path), 0);
	/* A symlink to somewhere else. */
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_true(sink__open_spec(spec, &env, &v, &n) < 0);
	assert_int_equal(unlink(path), 0);
	/* A planted, writable -wal next to a fresh database. */
	snprintf(side, sizeof(side), "%s-wal", path);
	fd = open(side, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_int_equal(fchmod(fd, 0622), 0);
	close(fd);
	assert_int_equal(sink__open_spec(spec, &env, &v, &n), -EPERM);
	assert_int_equal(unlink(side), 0);
	unlink(path);
	/* Fresh: 0600, and so are the -wal and -shm while it is open. */
	umask(0);
	assert_int_equal(sink__open_spec(spec, &env, &v, &n), 0);
	umask(022);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(side, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(side, sizeof(side), "%s-shm", path);
	assert_int_equal(stat(side, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	sink__close(v[0]);
	free(v);
}

static void test_bad_specs(void **state)
{
	assert_int_equal(sink__check_spec("sqlite:"), -EINVAL);
	assert_int_equal(sink__check_spec("sqlite:/x.db?max_age=7w"), -EINVAL);
	assert_int_equal(sink__check_spec("sqlite:/x.db?max_size=lots"), -EINVAL);
	assert_int_equal(sink__check_spec("sqlite:/x.db?bogus=1"), -EINVAL);
	assert_int_equal(sink__check_spec("sqlite:/x.db?max_age"), -EINVAL);
	assert_int_equal(sink__check_spec("sqlite:/x.db?max_age=7d&max_size=512M"), 0);
	assert_int_equal(sink__check_spec("syslog"), 0);
	assert_int_equal(sink__check_spec("syslog:udp://127.0.0.1:514?mode=vigil"), 0);
	assert_int_equal(sink__check_spec("syslog:tcp://[::1]:6514"), 0);
	assert_int_equal(sink__check_spec("syslog:unix:/dev/log?ident=x&provider=y"), 0);
	assert_int_equal(sink__check_spec("syslog:udp://host"), -EINVAL);
	assert_int_equal(sink__check_spec("syslog:udp://host:99999"), -EINVAL);
	assert_int_equal(sink__check_spec("syslog:ftp://host:1"), -EINVAL);
	assert_int_equal(sink__check_spec("syslog?mode=loud"), -EINVAL);
	assert_int_equal(sink__check_spec("syslogx"), -EINVAL);
	assert_int_equal(sink__check_spec("nats://127.0.0.1:4222,127.0.0.1:4223?subject=a.b"), 0);
	assert_int_equal(sink__check_spec("nats://"), -EINVAL);
	assert_int_equal(sink__check_spec("nats://host"), -EINVAL);
	assert_int_equal(sink__check_spec("nats://h:1?stream=a.b"), -EINVAL);
	assert_int_equal(sink__check_spec("nats://h:1?replicas=9"), -EINVAL);
	assert_int_equal(sink__check_spec("kafka://h:1"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_and_query), cmocka_unit_test(test_retention_age),
	    cmocka_unit_test(test_retention_size),  cmocka_unit_test(test_disk_full),
	    cmocka_unit_test(test_bad_specs),	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_not_taken_over),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
