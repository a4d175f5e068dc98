/*
 * test_fleet_link.c — the fleet URL and name: the NATS output's server list
 * with its credentials kept for the library and hidden for messages,
 * creds= and tls_ca=, the subject from the fleet name, and the refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fleet/link.h"

static void test_parse(void **state)
{
	struct fleet_link l;

	(void)state;
	assert_int_equal(fleet__link_parse(&l, "nats://alice:pw@h1:4222,tok@[::1]:4223", NULL), 0);
	assert_int_equal(l.nurls, 2);
	assert_string_equal(l.urls[0], "nats://alice:pw@h1:4222");
	assert_string_equal(l.shown[0], "nats://alice:***@h1:4222");
	assert_string_equal(l.urls[1], "nats://tok@[::1]:4223");
	assert_string_equal(l.shown[1], "nats://***@[::1]:4223");
	assert_string_equal(l.subject, "vigil.fleet.default.hunt");
	assert_string_equal(l.creds, "");
	assert_int_equal(
	    fleet__link_parse(&l, "nats://h:1?creds=/etc/a.creds&tls_ca=/etc/ca.pem", "blue-2"), 0);
	assert_string_equal(l.creds, "/etc/a.creds");
	assert_string_equal(l.tls_ca, "/etc/ca.pem");
	assert_string_equal(l.subject, "vigil.fleet.blue-2.hunt");
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    "h:1",	   "nats://",	     "nats://h",	 "nats://h:0",
	    "nats://@h:1", "nats://h:1?x=y", "nats://h:1?creds",
	};
	struct fleet_link l;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fleet__link_parse(&l, bad[i], NULL), -22);
	assert_int_equal(fleet__link_parse(&l, "nats://h:1", "a.b"), -22);
	assert_int_equal(fleet__link_parse(&l, "nats://h:1", "*"), -22);
	assert_int_equal(fleet__link_parse(&l, "nats://h:1", ""), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
