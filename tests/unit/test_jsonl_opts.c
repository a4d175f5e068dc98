/*
 * test_jsonl_opts.c — the JSONL output's options (rotate, keep, compress)
 * are checked before anything opens: good specs pass, each bad one is
 * refused. And rotate=SIZE holds when one flush carries many times SIZE:
 * the batch is split at record ends, and only a record longer than SIZE
 * passes it, alone in its file.
 */
#include "sinks/sink.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

static void test_good(void **state)
{
	assert_int_equal(sink__check_spec("jsonl:/var/log/vigil.jsonl"), 0);
	assert_int_equal(sink__check_spec("jsonl:-"), 0);
	assert_int_equal(sink__check_spec("jsonl:/x.jsonl?rotate=100M"), 0);
	assert_int_equal(sink__check_spec("jsonl:/x.jsonl?rotate=100M&keep=5&compress=gzip"), 0);
	assert_int_equal(sink__check_spec("jsonl:/x.jsonl?keep=1000&rotate=4K&compress=none"), 0);
}

static void test_bad(void **state)
{
	static const char *const bad[] = {
	    "jsonl:",
	    "jsonl:/x?rotate=1K", /* below 4K */
	    "jsonl:/x?rotate=lots",
	    "jsonl:/x?keep=0",
	    "jsonl:/x?keep=1001",
	    "jsonl:/x?compress=bzip2",
	    "jsonl:/x?rotat=1M",
	    "jsonl:/x?rotate",
	    "jsonl:-?rotate=1M", /* stdout cannot rotate */
	    "jsonl:-?compress=gzip",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fprintf(stderr, "(expected) ");
		assert_int_equal(sink__check_spec(bad[i]), -EINVAL);
	}
}

/* Lines of path: their count; checks each ends in '\n' and that the
 * SequenceNumbers run on from *next. */
static int check_file(const char *path, uint64_t *next)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lines = 0;

	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		char *sq = strstr(line, "\"SequenceNumber\":");

		assert_int_equal(line[n - 1], '\n');
		assert_non_null(sq);
		assert_int_equal(strtoull(sq + strlen("\"SequenceNumber\":"), NULL, 10), *next);
		(*next)++;
		lines++;
	}
	free(line);
	fclose(f);
	return lines;
}

static void test_rotate_splits_a_batch(void **state)
{
	char dir[] = "/tmp/vigil-jsonlrot-XXXXXX", spec[128], path[128], cmd[128];
	static char big[6000];
	struct sink_env env = {.computer = "h"};
	struct sink **v = NULL;
	struct vrec *r = calloc(1, sizeof(*r));
	size_t n = 0;
	uint64_t next = 1;
	int files = 0, lines = 0, alone = 0;
	struct stat st;

	(void)state;
	assert_non_null(r);
	assert_non_null(mkdtemp(dir));
	env.state_dir = dir;
	snprintf(spec, sizeof(spec), "jsonl:%s/ev.jsonl?rotate=4K&keep=100", dir);
	assert_int_equal(sink__open_spec(spec, &env, &v, &n), 0);
	assert_int_equal(n, 1);
	memset(big, 'x', sizeof(big) - 1);
	/* About 40 KB in one flush, with one record longer than the limit. */
	for (uint64_t seq = 1; seq <= 200; seq++) {
		vrec__reset(r, schema__event(1));
		r->seq = seq;
		r->ts_ns = 1;
		r->computer = "h";
		vrec__set_str(r, VF_Image, "/usr/bin/curl");
		vrec__set_str(r, VF_CommandLine, seq == 100 ? big : "curl https://example.org/");
		assert_int_equal(sink__write(v[0], r), 0);
	}
	assert_int_equal(sink__flush(v[0]), 0);
	sink__close(v[0]);
	free(v);
	for (int i = 100; i >= 0; i--) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/ev.jsonl", dir);
		else
			snprintf(path, sizeof(path), "%s/ev.jsonl.%d", dir, i);
		if (stat(path, &st) != 0)
			continue;
		files++;
		if (st.st_size > 4096) {
			/* Only the long record, alone. */
			assert_int_equal(check_file(path, &next), 1);
			alone++;
			lines++;
			continue;
		}
		lines += check_file(path, &next);
	}
	assert_int_equal(lines, 200);
	assert_int_equal(alone, 1);
	assert_true(files >= 10);
	free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_rotate_splits_a_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
