/*
 * test_dstream.c — the separable logic of `vigil detect` (dstream.h): the
 * partition function, the Computer scan that feeds it, the alert id, the
 * per-batch ack bookkeeping, and sigma__per_host, which makes a partition
 * worker's correlations count per host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/schema.h"
#include "detect/dstream.h"
#include "detect/sigma.h"

static void test_partition(void **state)
{
	unsigned seen[3] = {0};
	char name[16];

	(void)state;
	/* One worker takes everything; the same host always maps the same. */
	assert_int_equal(dstream__partition("web1", 4, 1), 0);
	assert_int_equal(dstream__partition("web1", 4, 3), dstream__partition("web1", 4, 3));
	/* Pinned values: a change would move hosts between workers of a
	 * running deployment. FNV-1a 64 of "" is the offset basis. */
	assert_int_equal(dstream__partition("", 0, 7), (unsigned)(1469598103934665603ull % 7));
	/* 300 host names spread over 3 workers, none starved. */
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "host%03d", i);
		seen[dstream__partition(name, strlen(name), 3)]++;
	}
	for (int i = 0; i < 3; i++)
		assert_true(seen[i] > 60);
}

static void test_computer(void **state)
{
	const char *v = NULL;
	size_t n = 0;
	const char *a = "{\"EventID\":1,\"Computer\":\"web1\",\"Image\":\"/bin/x\"}";
	/* A "Computer": inside a string or a nested object is not the event's. */
	const char *b = "{\"CommandLine\":\"echo \\\"Computer\\\":\\\"evil\\\"\","
			"\"X\":{\"Computer\":\"nested\"},\"Computer\":\"h2\"}";
	const char *c = "{\"EventID\":1}";
	const char *d = "{\"Computer\":\"unterminated";

	(void)state;
	assert_int_equal(dstream__computer(a, strlen(a), &v, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(v, "web1", 4);
	assert_int_equal(dstream__computer(b, strlen(b), &v, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "h2", 2);
	assert_int_equal(dstream__computer(c, strlen(c), &v, &n), -ENOENT);
	assert_int_equal(dstream__computer(d, strlen(d), &v, &n), -ENOENT);
}

static void test_alert_id(void **state)
{
	char a[DSTREAM_ID_LEN + 1], b[DSTREAM_ID_LEN + 1];

	(void)state;
	dstream__alert_id("rule-1", "web1", "aa-bb-cc-101", a);
	assert_int_equal(strlen(a), DSTREAM_ID_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), DSTREAM_ID_LEN);
	/* stable: a redelivered message gives the same id */
	dstream__alert_id("rule-1", "web1", "aa-bb-cc-101", b);
	assert_string_equal(a, b);
	/* every part counts, and the parts do not run into each other */
	dstream__alert_id("rule-2", "web1", "aa-bb-cc-101", b);
	assert_string_not_equal(a, b);
	dstream__alert_id("rule-1", "web2", "aa-bb-cc-101", b);
	assert_string_not_equal(a, b);
	dstream__alert_id("rule-1", "web1", "aa-bb-cc-102", b);
	assert_string_not_equal(a, b);
	dstream__alert_id("rule-1w", "eb1", "aa-bb-cc-101", b);
	assert_string_not_equal(a, b);
}

static void test_batch(void **state)
{
	struct dstream_batch *bt = dstream__batch_new(3, 2);

	(void)state;
	assert_non_null(bt);
	assert_int_equal(dstream__batch_held(bt), 3);
	/* a message is free once both its stages are done, not before */
	assert_false(dstream__batch_done(bt, 1));
	assert_int_equal(dstream__batch_held(bt), 3);
	assert_true(dstream__batch_done(bt, 1));
	assert_int_equal(dstream__batch_held(bt), 2);
	/* done twice more, or out of range: no underflow, no effect */
	assert_false(dstream__batch_done(bt, 1));
	assert_false(dstream__batch_done(bt, 7));
	for (unsigned i = 0; i < 3; i += 2) {
		assert_false(dstream__batch_done(bt, i));
		assert_true(dstream__batch_done(bt, i));
	}
	assert_int_equal(dstream__batch_held(bt), 0);
	free(bt);
	bt = dstream__batch_new(0, 1);
	assert_non_null(bt);
	assert_int_equal(dstream__batch_held(bt), 0);
	free(bt);
}

static int count_alerts(const struct sigma_rule_info *r, const struct vrec *rec, void *ctx)
{
	(void)rec;
	if (r->correlation)
		(*(int *)ctx)++;
	return 0;
}

/* Two processes by root on each of two hosts: "3 by the same User" holds
 * fleet-wide but on no single host. */
static int corr_alerts(bool per_host)
{
	static const char rules[] =
	    "title: Proc\nname: p\nlogsource:\n  product: linux\n  category: process_creation\n"
	    "detection:\n  sel:\n    Image|startswith: '/'\n  condition: sel\n---\n"
	    "title: Three By One User\ncorrelation:\n  type: event_count\n  rules: [p]\n"
	    "  group-by: [User]\n  timespan: 10m\n  condition:\n    gte: 3\n";
	static struct vrec rec;
	struct sigma_engine *e = sigma__new();
	const char *hosts[] = {"a", "b", "a", "b"};
	int n = 0;

	assert_non_null(e);
	assert_int_equal(sigma__add_buf(e, rules, sizeof(rules) - 1, "t.yml"), 0);
	assert_int_equal(sigma__compile(e, NULL, NULL), 0);
	if (per_host)
		sigma__per_host(e);
	for (int i = 0; i < 4; i++) {
		vrec__reset(&rec, schema__event(1));
		rec.computer = hosts[i];
		rec.ts_ns = 1000000000ull * (uint64_t)(1700000000 + i);
		vrec__set_str(&rec, VF_Image, "/bin/true");
		vrec__set_str(&rec, VF_User, "root");
		assert_true(sigma__match(e, &rec, count_alerts, &n) >= 0);
	}
	sigma__free(e);
	return n;
}

static void test_per_host(void **state)
{
	(void)state;
	assert_true(corr_alerts(false) > 0);
	assert_int_equal(corr_alerts(true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_partition), cmocka_unit_test(test_computer),
	    cmocka_unit_test(test_alert_id),  cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_per_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
