/*
 * test_sink_health.c — per-output accounting and the failing/recovered
 * transitions behind the Error (255) events: every record given to an
 * output is counted once in In and ends in exactly one of Written, Dropped
 * and Spooled; an output that starts losing records reports once, and once
 * more when it delivers again (after its last loss, in the output's own
 * order of the two); a flapping output cannot flood; the
 * SensorHealth field names are Output<N><Kind><Counter>.
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

#include "sinks/sink.h"

static bool fail_writes;
static struct vrec rec;

/* An output that delivers at write, as a synchronous one would: it
 * stamps the delivery (struct sink_order); sink__write stamps the loss. */
static int fake_write(struct sink *s, const struct vrec *r)
{
	(void)r;
	if (fail_writes)
		return -EIO;
	sink_order__delivered(&s->order);
	return 0;
}

static const struct sink_ops fake_ops = {.kind = "fake", .write = fake_write};

static void writes(struct sink *s, int n)
{
	for (int i = 0; i < n; i++)
		sink__write(s, &rec);
}

/* One write per character, in order: 'x' one that fails, 'o' one that
 * delivers. */
static void play(struct sink *s, const char *steps)
{
	for (; *steps; steps++) {
		fail_writes = *steps == 'x';
		sink__write(s, &rec);
	}
	fail_writes = false;
}

static char msg[512];

static int check(struct sink *s, uint64_t now_ms)
{
	return sink__health_check(s, now_ms, msg, sizeof(msg));
}

static void test_transitions(void **state)
{
	struct sink s = {.ops = &fake_ops, .spec = "fake:x"};
	(void)state;
	snprintf(s.label, sizeof(s.label), "Output3Fake");
	vrec__reset(&rec, schema__event(1));
	fail_writes = false;
	writes(&s, 10);
	assert_int_equal(check(&s, 1000), 0);
	/* Starts failing: one event, naming the output and the loss. */
	fail_writes = true;
	writes(&s, 5);
	assert_int_equal(s.st.in, 15);
	assert_int_equal(s.st.written, 10);
	assert_int_equal(s.st.dropped, 5);
	assert_int_equal(check(&s, 2000), 1);
	assert_non_null(strstr(msg, "Output3Fake (fake:x) is failing"));
	assert_non_null(strstr(msg, "5 records dropped"));
	/* More loss is the same episode: no second event. */
	writes(&s, 5);
	assert_int_equal(check(&s, 3000), 0);
	/* Delivers again, but within the hold time: not yet. */
	fail_writes = false;
	writes(&s, 3);
	assert_int_equal(check(&s, 4000), 0);
	/* Then loses again, still within the hold: what was delivered before
	 * that loss proves nothing. */
	fail_writes = true;
	writes(&s, 1);
	assert_int_equal(check(&s, 5000), 0);
	assert_int_equal(check(&s, 12001), 0);
	/* Records delivered within the hold and after the last loss count:
	 * the recovery is told as the hold ends, with nothing more written
	 * (an idle sensor may write nothing for minutes). */
	fail_writes = false;
	writes(&s, 1);
	assert_int_equal(check(&s, 12500), -1);
	assert_non_null(strstr(msg, "recovered"));
	assert_non_null(strstr(msg, "11 records dropped"));
	/* Flapping: a new failure right after is held back, then told. */
	fail_writes = true;
	writes(&s, 1);
	assert_int_equal(check(&s, 14000), 0);
	assert_int_equal(check(&s, 22501), 1);
	assert_int_equal(s.st.in, s.st.written + s.st.dropped + s.st.spooled);
	/* A network output that is down fails without losing anything yet. */
	{
		struct sink d = {.ops = &fake_ops, .spec = "fake:y"};
		fail_writes = false;
		writes(&d, 2);
		d.st.down = true;
		assert_int_equal(check(&d, 1000), 1);
		assert_non_null(strstr(msg, "cannot reach"));
	}
}

/* What the once-a-second counters could not tell: the order of a loss and
 * the deliveries within one check, and records counted written when
 * buffered that a later flush loses. */
static void test_loss_delivery_order(void **state)
{
	(void)state;
	vrec__reset(&rec, schema__event(1));
	{
		/* Loss, then delivery, in one second: recovered at the end of
		 * the hold with nothing written after it. */
		struct sink s = {.ops = &fake_ops, .spec = "fake:a"};
		play(&s, "x");
		assert_int_equal(check(&s, 1000), 1);
		play(&s, "xo");
		assert_int_equal(check(&s, 2000), 0);
		assert_int_equal(check(&s, 11001), -1);
	}
	{
		/* Delivery, then loss, in one second: not recovered. */
		struct sink s = {.ops = &fake_ops, .spec = "fake:b"};
		play(&s, "x");
		assert_int_equal(check(&s, 1000), 1);
		play(&s, "ox");
		assert_int_equal(check(&s, 2000), 0);
		assert_int_equal(check(&s, 11001), 0);
		assert_int_equal(check(&s, 60000), 0);
	}
	{
		/* A buffering output counts a record written when it takes it;
		 * a flush that then fails moves it to dropped and stamps the
		 * loss. Taking records into the buffer is no delivery. */
		struct sink s = {.ops = &fake_ops, .spec = "fake:c"};
		s.st.in = s.st.written = 5; /* buffered, unstamped */
		s.st.written -= 5;	    /* the flush failed */
		sink__lost(&s, 5, 1);
		assert_int_equal(check(&s, 1000), 1);
		s.st.in += 3; /* buffered again, the flush not yet done */
		s.st.written += 3;
		assert_int_equal(check(&s, 11001), 0);
		sink_order__delivered(&s.order); /* the flush wrote them */
		assert_int_equal(check(&s, 12000), -1);
	}
	{
		/* A loss its output did not stamp is put at the check that
		 * sees it: a delivery stamped before it does not count. */
		struct sink s = {.ops = &fake_ops, .spec = "fake:d"};
		play(&s, "o");
		s.st.dropped++;
		assert_int_equal(check(&s, 1000), 1);
		assert_int_equal(check(&s, 11001), 0);
		play(&s, "o");
		assert_int_equal(check(&s, 12000), -1);
	}
}

static void test_health_fields(void **state)
{
	char dir[] = "/tmp/vigil-health-XXXXXX", cmd[128];
	struct sink_env env = {.computer = "h"};
	struct sink **v = NULL;
	size_t n = 0;
	struct vrec *r = calloc(1, sizeof(*r));
	const char *want[] = {"Output1JsonlIn",		  "Output1JsonlWritten",
			      "Output1JsonlDropped",	  "Output1JsonlErrors",
			      "Output1JsonlSpooled",	  "Output1JsonlReplayed",
			      "Output1JsonlSpoolCorrupt", "Output2SqliteIn"};

	(void)state;
	assert_non_null(mkdtemp(dir));
	env.state_dir = dir;
	assert_int_equal(sink__open_spec("default", &env, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->label, "Output1Jsonl");
	assert_string_equal(v[1]->label, "Output2Sqlite");
	vrec__reset(r, schema__event(241));
	sink__add_health(v[0], r);
	sink__add_health(v[1], r);
	assert_int_equal(r->ndyn, 14);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(r->dyn[i].name, want[i]);
	for (size_t i = 0; i < n; i++)
		sink__close(v[i]);
	free(v);
	free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transitions),
	    cmocka_unit_test(test_loss_delivery_order),
	    cmocka_unit_test(test_health_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
