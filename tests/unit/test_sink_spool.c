/*
 * test_sink_spool.c — the NATS sink's disk spool: in-order write/replay,
 * the committed offset surviving a reopen, recovery from a torn or corrupt
 * tail, segment rolling and deletion, and a full spool counting drops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sinks/spool.h"

static char root[] = "/tmp/vigil-spool-XXXXXX";
static char *buf;
static size_t cap;

static int setup(void **state)
{
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	free(buf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void sub(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", root, name);
}

static void put(struct spool *sp, unsigned i)
{
	char rec[64];
	int n = snprintf(rec, sizeof(rec), "record-%06u", i);
	assert_int_equal(spool__append(sp, rec, (size_t)n), 0);
}

static void expect(struct spool *sp, unsigned i)
{
	char rec[64];
	int n = snprintf(rec, sizeof(rec), "record-%06u", i);
	long len = spool__read(sp, &buf, &cap);
	assert_int_equal(len, n);
	assert_memory_equal(buf, rec, (size_t)n);
}

static int count_segments(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".seg"))
			n++;
	closedir(d);
	return n;
}

static void test_write_replay(void **state)
{
	char dir[256];
	struct spool *sp;

	sub(dir, sizeof(dir), "a");
	sp = spool__open(dir, 1 << 20, 4096);
	assert_non_null(sp);
	assert_true(spool__empty(sp));
	for (unsigned i = 0; i < 1000; i++)
		put(sp, i);
	assert_false(spool__empty(sp));
	assert_true(count_segments(dir) > 3); /* rolled at 4 KiB */
	/* Read half, commit; read some more without committing. */
	for (unsigned i = 0; i < 500; i++)
		expect(sp, i);
	assert_int_equal(spool__commit(sp), 0);
	for (unsigned i = 500; i < 600; i++)
		expect(sp, i);
	spool__close(sp);

	/* After a restart the uncommitted reads come again, in order. */
	sp = spool__open(dir, 1 << 20, 4096);
	assert_non_null(sp);
	for (unsigned i = 500; i < 1000; i++)
		expect(sp, i);
	assert_int_equal(spool__read(sp, &buf, &cap), -ENOENT);
	assert_true(spool__drained(sp));
	/* Rewind re-reads from the committed point. */
	spool__rewind(sp);
	expect(sp, 500);
	while (spool__read(sp, &buf, &cap) >= 0)
		;
	assert_int_equal(spool__commit(sp), 0);
	assert_true(spool__empty(sp));
	assert_int_equal(count_segments(dir), 0); /* consumed segments deleted */
	/* New appends after a full drain work and survive a reopen. */
	put(sp, 7);
	spool__close(sp);
	sp = spool__open(dir, 1 << 20, 4096);
	expect(sp, 7);
	assert_int_equal(spool__read(sp, &buf, &cap), -ENOENT);
	spool__close(sp);
}

static void test_torn_tail(void **state)
{
	char dir[256], seg[300];
	struct spool *sp;
	struct spool_stats st;
	int fd;

	sub(dir, sizeof(dir), "b");
	sp = spool__open(dir, 1 << 20, 1 << 20);
	for (unsigned i = 0; i < 10; i++)
		put(sp, i);
	spool__close(sp);
	/* A crash mid-append: a header promising 100 bytes, 5 of them. */
	snprintf(seg, sizeof(seg), "%s/%020d.seg", dir, 1);
	fd = open(seg, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x64\0\0\0\x01\x02\x03\x04hello", 13), 13);
	close(fd);

	sp = spool__open(dir, 1 << 20, 1 << 20);
	assert_non_null(sp);
	spool__stats(sp, &st);
	assert_int_equal(st.truncated, 13);
	for (unsigned i = 0; i < 10; i++)
		expect(sp, i);
	assert_int_equal(spool__read(sp, &buf, &cap), -ENOENT);
	put(sp, 10); /* appends continue after the cut */
	expect(sp, 10);
	spool__close(sp);
}

static void test_corrupt_crc(void **state)
{
	char dir[256], seg[300];
	struct spool *sp;
	int fd;
	off_t end;

	sub(dir, sizeof(dir), "c");
	sp = spool__open(dir, 1 << 20, 1 << 20);
	for (unsigned i = 0; i < 10; i++)
		put(sp, i);
	spool__close(sp);
	/* Flip the last payload byte of the last record. */
	snprintf(seg, sizeof(seg), "%s/%020d.seg", dir, 1);
	fd = open(seg, O_RDWR);
	end = lseek(fd, 0, SEEK_END);
	assert_int_equal(pwrite(fd, "Z", 1, end - 1), 1);
	close(fd);
	sp = spool__open(dir, 1 << 20, 1 << 20);
	for (unsigned i = 0; i < 9; i++)
		expect(sp, i);
	assert_int_equal(spool__read(sp, &buf, &cap), -ENOENT);
	spool__close(sp);
}

/* Damage in the middle of the spool (bytes flipped in headers and
 * payloads of several segments): exactly the damaged records are skipped
 * and counted, every other record is still delivered, in order. */
static void test_corrupt_middle(void **state)
{
	char dir[256], seg[300];
	struct spool *sp;
	struct spool_stats st;
	unsigned next = 0, got = 0;
	int fd;

	sub(dir, sizeof(dir), "m");
	sp = spool__open(dir, 1 << 20, 4096); /* 4 KiB segments: ~150 records each */
	for (unsigned i = 0; i < 1000; i++)
		put(sp, i);
	spool__close(sp);
	/* Records are 29 bytes on disk. Segment 1: a payload byte of record
	 * 10, a header byte (length) of record 40. Segment 3: the magic of
	 * one record. Segment 5: 3 bytes straddling two records. */
	snprintf(seg, sizeof(seg), "%s/%020d.seg", dir, 1);
	fd = open(seg, O_RDWR);
	assert_int_equal(pwrite(fd, "Z", 1, 10 * 29 + 16 + 3), 1);
	assert_int_equal(pwrite(fd, "\x7f", 1, 40 * 29 + 5), 1);
	close(fd);
	snprintf(seg, sizeof(seg), "%s/%020d.seg", dir, 3);
	fd = open(seg, O_RDWR);
	assert_int_equal(pwrite(fd, "\0", 1, 20 * 29), 1);
	close(fd);
	snprintf(seg, sizeof(seg), "%s/%020d.seg", dir, 5);
	fd = open(seg, O_RDWR);
	assert_int_equal(pwrite(fd, "\1\2\3", 3, 30 * 29 - 1), 3);
	close(fd);

	sp = spool__open(dir, 1 << 20, 4096);
	assert_non_null(sp);
	for (;;) {
		long len = spool__read(sp, &buf, &cap);
		char text[16];
		unsigned i;

		if (len == -ENOENT)
			break;
		assert_true(len == 13);
		memcpy(text, buf, 13);
		text[13] = '\0';
		assert_int_equal(sscanf(text, "record-%06u", &i), 1);
		assert_true(i >= next); /* in order, nothing twice */
		next = i + 1;
		got++;
	}
	spool__stats(sp, &st);
	assert_int_equal(st.corrupt, 5);
	assert_int_equal(got, 995);
	assert_int_equal(next, 1000);
	spool__close(sp);
}

/* The spool is never taken over: a directory or a segment that someone
 * else owns or can write is refused; new segments are 0600. */
static void test_not_taken_over(void **state)
{
	char d[256], seg[300];
	struct spool *sp;
	struct stat st;

	sub(d, sizeof(d), "t");
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(chmod(d, 0777), 0);
	errno = 0;
	assert_null(spool__open(d, 1 << 20, 4096));
	assert_int_equal(errno, EPERM);
	assert_int_equal(chmod(d, 0700), 0);
	sp = spool__open(d, 1 << 20, 4096);
	assert_non_null(sp);
	put(sp, 1);
	spool__close(sp);
	snprintf(seg, sizeof(seg), "%s/%020d.seg", d, 1);
	assert_int_equal(stat(seg, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A segment made world-writable: refused, not appended to. */
	assert_int_equal(chmod(seg, 0666), 0);
	errno = 0;
	assert_null(spool__open(d, 1 << 20, 4096));
	assert_int_equal(errno, EPERM);
	if (geteuid() == 0) {
		assert_int_equal(chmod(seg, 0600), 0);
		assert_int_equal(chown(seg, 65534, 65534), 0);
		assert_null(spool__open(d, 1 << 20, 4096));
		assert_int_equal(chown(d, 65534, 65534), 0);
		assert_int_equal(chown(seg, 0, 0), 0);
		assert_null(spool__open(d, 1 << 20, 4096)); /* the directory's owner */
	}
}

static void test_full(void **state)
{
	char dir[256];
	struct spool *sp;
	struct spool_stats st;
	unsigned ok = 0, refused = 0;

	sub(dir, sizeof(dir), "d");
	sp = spool__open(dir, 4096, 1024);
	for (unsigned i = 0; i < 1000; i++) {
		char rec[64];
		int n = snprintf(rec, sizeof(rec), "record-%06u", i);
		int err = spool__append(sp, rec, (size_t)n);
		if (err == 0)
			ok++;
		else if (err == -ENOSPC)
			refused++;
		else
			fail();
	}
	spool__stats(sp, &st);
	assert_true(ok > 100 && ok < 300); /* 4096 / (8 + 13) */
	assert_int_equal(refused, 1000 - ok);
	assert_int_equal(st.dropped_full, refused);
	assert_true(st.bytes <= 4096);
	/* Consuming frees room again. */
	for (unsigned i = 0; i < ok; i++)
		expect(sp, i);
	assert_int_equal(spool__commit(sp), 0);
	put(sp, 5000);
	expect(sp, 5000);
	spool__close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_replay),   cmocka_unit_test(test_torn_tail),
	    cmocka_unit_test(test_corrupt_crc),	   cmocka_unit_test(test_full),
	    cmocka_unit_test(test_corrupt_middle), cmocka_unit_test(test_not_taken_over),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
