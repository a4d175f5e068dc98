/*
 * test_sink_util.c — the sinks' helpers: output-spec option parsing
 * (sizes, durations, HOST:PORT, k=v lists) and the bounded message queue
 * between the event thread and a sink's I/O thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/queue.h"
#include "sinks/sinkopt.h"

static void test_sizes_durations(void **state)
{
	uint64_t v;

	assert_int_equal(sinkopt__size("512M", &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(sinkopt__size("2G", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(sinkopt__size("100k", &v), 0);
	assert_int_equal(v, 102400);
	assert_int_equal(sinkopt__size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(sinkopt__size("12T", &v), -EINVAL);
	assert_int_equal(sinkopt__size("M", &v), -EINVAL);
	assert_int_equal(sinkopt__size("1MB", &v), -EINVAL);
	assert_int_equal(sinkopt__size("-1", &v), -EINVAL);
	assert_int_equal(sinkopt__size("99999999999999999999", &v), -EINVAL);
	assert_int_equal(sinkopt__size("17179869184G", &v), -EINVAL); /* overflows */

	assert_int_equal(sinkopt__duration("7d", &v), 0);
	assert_int_equal(v, 7 * 86400);
	assert_int_equal(sinkopt__duration("12h", &v), 0);
	assert_int_equal(v, 12 * 3600);
	assert_int_equal(sinkopt__duration("30m", &v), 0);
	assert_int_equal(v, 1800);
	assert_int_equal(sinkopt__duration("45", &v), 0);
	assert_int_equal(v, 45);
	assert_int_equal(sinkopt__duration("1w", &v), -EINVAL);
	assert_int_equal(sinkopt__duration("", &v), -EINVAL);

	assert_int_equal(sinkopt__uint("3", 1, 5, &v), 0);
	assert_int_equal(sinkopt__uint("9", 1, 5, &v), -EINVAL);
	assert_int_equal(sinkopt__uint("0", 1, 5, &v), -EINVAL);
}

static void test_hostport(void **state)
{
	char host[64];
	unsigned port;
	const char *s;

	s = "127.0.0.1:4222";
	assert_int_equal(sinkopt__hostport(s, strlen(s), host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 4222);
	s = "[::1]:514";
	assert_int_equal(sinkopt__hostport(s, strlen(s), host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 514);
	s = "collector.example.com:6514,other";
	assert_int_equal(sinkopt__hostport(s, 26, host, sizeof(host), &port), 0);
	assert_string_equal(host, "collector.example.com");
	assert_int_equal(port, 6514);
	s = "host";
	assert_int_equal(sinkopt__hostport(s, strlen(s), host, sizeof(host), &port), -EINVAL);
	s = "host:";
	assert_int_equal(sinkopt__hostport(s, strlen(s), host, sizeof(host), &port), -EINVAL);
	s = ":80";
	assert_int_equal(sinkopt__hostport(s, strlen(s), host, sizeof(host), &port), -EINVAL);
	s = "h:0";
	assert_int_equal(sinkopt__hostport(s, strlen(s), host, sizeof(host), &port), -EINVAL);
	s = "h:65536";
	assert_int_equal(sinkopt__hostport(s, strlen(s), host, sizeof(host), &port), -EINVAL);
	s = "[::1]514";
	assert_int_equal(sinkopt__hostport(s, strlen(s), host, sizeof(host), &port), -EINVAL);
}

static void test_options(void **state)
{
	const char *p = "a=1&bb=two&c=";
	char k[8], v[8];

	assert_int_equal(sinkopt__next(&p, k, sizeof(k), v, sizeof(v)), 1);
	assert_string_equal(k, "a");
	assert_string_equal(v, "1");
	assert_int_equal(sinkopt__next(&p, k, sizeof(k), v, sizeof(v)), 1);
	assert_string_equal(k, "bb");
	assert_string_equal(v, "two");
	assert_int_equal(sinkopt__next(&p, k, sizeof(k), v, sizeof(v)), 1);
	assert_string_equal(k, "c");
	assert_string_equal(v, "");
	assert_int_equal(sinkopt__next(&p, k, sizeof(k), v, sizeof(v)), 0);
	p = "novalue";
	assert_int_equal(sinkopt__next(&p, k, sizeof(k), v, sizeof(v)), -EINVAL);
	p = "=x";
	assert_int_equal(sinkopt__next(&p, k, sizeof(k), v, sizeof(v)), -EINVAL);
	p = "k=waytoolongvalue";
	assert_int_equal(sinkopt__next(&p, k, sizeof(k), v, sizeof(v)), -EINVAL);
	p = NULL;
	assert_int_equal(sinkopt__next(&p, k, sizeof(k), v, sizeof(v)), 0);
}

static void test_redact(void **state)
{
	static const char *const cases[][2] = {
	    {"nats://alice:pw@h:1?stream=S", "nats://alice:***@h:1?stream=S"},
	    {"nats://tok@h:1,bob:x@y@h2:2", "nats://***@h:1,bob:***@h2:2"},
	    {"nats://h:1,h2:2?subject=a@b", "nats://h:1,h2:2?subject=a@b"},
	    {"jsonl:/var/lib/vigil/a@b.jsonl", "jsonl:/var/lib/vigil/a@b.jsonl"},
	    {"syslog:tcp://u:p@h:514", "syslog:tcp://u:***@h:514"},
	};
	char out[128], tiny[8];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sinkopt__redact(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	/* Cut, never overflowing, and the secret never shows even cut. */
	sinkopt__redact("nats://al:secret@h:1", tiny, sizeof(tiny));
	assert_string_equal(tiny, "nats://");
}

/* The payload is NUL-terminated outside its length, so a syslog message
 * can be sent as exactly len bytes and still be a C string for syslog(3). */
static void test_queue_nul(void **state)
{
	struct mq_msg *m = mq_msg__new("k", 1, "abc", 3);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 3);
	assert_int_equal(m->data[3], '\0');
	free(m);
}

static void test_queue_bounds(void **state)
{
	struct mqueue *q = mqueue__new(3, 100);
	struct mq_msg *m;
	int i = 0;

	assert_non_null(q);
	assert_int_equal(mqueue__push(q, "k1", 2, "aaaa", 4), 0);
	assert_int_equal(mqueue__push(q, NULL, 0, "bb", 2), 0);
	assert_int_equal(mqueue__push(q, "k3", 2, "c", 1), 0);
	/* Full by count: refused at once, never a wait. */
	assert_int_equal(mqueue__push(q, "k4", 2, "d", 1), -ENOBUFS);
	assert_int_equal(mqueue__depth(q), 3);
	m = mqueue__pop_all(q, 0);
	for (struct mq_msg *x = m; x; x = x->next, i++) {
		static const char *const keys[] = {"k1", "", "k3"};
		static const char *const data[] = {"aaaa", "bb", "c"};
		assert_string_equal(x->buf, keys[i]);
		assert_int_equal(x->len, strlen(data[i]));
		assert_memory_equal(x->data, data[i], x->len);
	}
	assert_int_equal(i, 3);
	mq_msg__free_list(m);
	assert_int_equal(mqueue__depth(q), 0);
	/* Full by bytes. */
	char big[80] = {0};
	assert_int_equal(mqueue__push(q, NULL, 0, big, sizeof(big)), 0);
	assert_int_equal(mqueue__push(q, NULL, 0, big, 30), -ENOBUFS);
	mq_msg__free_list(mqueue__pop_all(q, 0));
	/* Empty pop with a timeout returns NULL; a closed queue refuses. */
	assert_null(mqueue__pop_all(q, 10));
	mqueue__close(q);
	assert_int_equal(mqueue__push(q, NULL, 0, "x", 1), -EPIPE);
	mqueue__free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes_durations), cmocka_unit_test(test_hostport),
	    cmocka_unit_test(test_options),	    cmocka_unit_test(test_queue_bounds),
	    cmocka_unit_test(test_redact),	    cmocka_unit_test(test_queue_nul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
