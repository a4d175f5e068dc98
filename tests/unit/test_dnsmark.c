/*
 * test_dnsmark.c — the start-up scan for processes that may read DNS
 * answers (sensor/dnsmark.c), over a made-up /proc: socket tables per
 * network namespace, and fd links.
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
#include <sys/stat.h>
#include <unistd.h>

#include "sensor/dnsmark.h"

static const char udp_hdr[] = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			      "retrnsmt   uid  timeout inode ref pointer drops\n";
static const char tcp_hdr[] = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			      "retrnsmt   uid  timeout inode\n";

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void mkdirs(const char *root, const char *pid)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, pid);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/fd", root, pid);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/ns", root, pid);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/net", root, pid);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void fd(const char *root, const char *pid, const char *n, const char *target)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s/fd/%s", root, pid, n);
	assert_int_equal(symlink(target, p), 0);
}

struct marks {
	uint32_t pid[16];
	size_t n;
	int fail_at; /* mark number that fails, or -1 */
};

static int mark(void *ctx, uint32_t tgid)
{
	struct marks *m = ctx;

	if ((int)m->n == m->fail_at)
		return -ENOSPC;
	m->pid[m->n++] = tgid;
	return 0;
}

static int has(const struct marks *m, uint32_t pid)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->pid[i] == pid)
			return 1;
	return 0;
}

/* pid 100 and 200 share a namespace: 100 holds a UDP socket (1111), 200 a
 * TCP connection to port 80 (2222). pid 300 is in a namespace of its own
 * and holds a TCP connection to port 53 (3333). pid 400 holds no socket. */
static char *make_proc(void)
{
	char tmpl[] = "/tmp/vigil-dnsmark-XXXXXX";
	char *root = strdup(mkdtemp(tmpl));
	char p[512], q[512];

	mkdirs(root, "100");
	mkdirs(root, "200");
	mkdirs(root, "300");
	mkdirs(root, "400");
	snprintf(p, sizeof(p), "%s/100/ns/net", root);
	put(p, "");
	snprintf(q, sizeof(q), "%s/200/ns/net", root);
	assert_int_equal(link(p, q), 0); /* same namespace: same inode */
	snprintf(p, sizeof(p), "%s/300/ns/net", root);
	put(p, "");
	snprintf(p, sizeof(p), "%s/400/ns/net", root);
	put(p, "");

	snprintf(p, sizeof(p), "%s/100/net/udp", root);
	put(p,
	    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	    "timeout inode ref pointer drops\n"
	    "  412: 0100007F:A1B2 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0 "
	    "       0 1111 2 0000000000000000 0\n");
	snprintf(p, sizeof(p), "%s/100/net/tcp", root);
	put(p, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	       "timeout inode\n"
	       "   0: 0100007F:C000 0100007F:0050 01 00000000:00000000 00:00000000 00000000     0 "
	       "       0 2222 1 0000000000000000 20 4 30 10 -1\n");
	snprintf(p, sizeof(p), "%s/300/net/tcp6", root);
	put(p,
	    "  sl  local_address                         remote_address                        st "
	    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	    "   0: 00000000000000000000000001000000:D000 00000000000000000000000001000000:0035 01 "
	    "00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000\n");
	/* 400's namespace has a UDP socket that no process below holds. */
	snprintf(p, sizeof(p), "%s/400/net/udp", root);
	put(p, "   sl  local_address rem_address   st\n"
	       "    1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0 "
	       "       0 4444 2 0000000000000000 0\n");

	fd(root, "100", "3", "socket:[1111]");
	fd(root, "100", "4", "/dev/null");
	fd(root, "200", "4", "socket:[2222]");
	fd(root, "200", "5", "pipe:[1111]");
	fd(root, "300", "7", "socket:[3333]");
	fd(root, "400", "0", "/dev/null");
	fd(root, "400", "1", "socket:[44445]");
	snprintf(p, sizeof(p), "%s/self", root); /* not a pid: skipped */
	assert_int_equal(mkdir(p, 0755), 0);
	return root;
}

static void rm_proc(char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static void test_marks_udp_and_tcp_to_53(void **state)
{
	char *root = make_proc();
	struct marks m = {.fail_at = -1};

	(void)state;
	assert_int_equal(dnsmark__scan(root, mark, &m), 2);
	assert_true(has(&m, 100));
	assert_true(has(&m, 300));
	assert_false(has(&m, 200)); /* TCP to port 80 */
	assert_false(has(&m, 400)); /* a pipe or an unknown socket */
	rm_proc(root);
}

static void test_mark_failure_stops(void **state)
{
	char *root = make_proc();
	struct marks m = {.fail_at = 0};

	(void)state;
	assert_int_equal(dnsmark__scan(root, mark, &m), -ENOSPC);
	rm_proc(root);
}

static void test_missing_proc(void **state)
{
	struct marks m = {.fail_at = -1};

	(void)state;
	assert_int_equal(dnsmark__scan("/nonexistent-vigil-proc", mark, &m), -ENOENT);
}

static void test_parse_line(void **state)
{
	uint64_t ino = 0;
	int dns = -1;

	(void)state;
	assert_int_equal(dnsmark__parse_line(udp_hdr, 1, &ino, &dns), -1);
	assert_int_equal(dnsmark__parse_line(tcp_hdr, 0, &ino, &dns), -1);
	assert_int_equal(
	    dnsmark__parse_line("   1: 00000000:0044 00000000:0000 07 00000000:00000000 "
				"00:00000000 00000000     0        0 98765 2",
				1, &ino, &dns),
	    0);
	assert_int_equal(ino, 98765);
	assert_int_equal(dns, 1); /* any UDP socket */
	assert_int_equal(
	    dnsmark__parse_line("   1: 0100007F:C000 08080808:0035 01 00000000:00000000 "
				"00:00000000 00000000     0        0 5 1",
				0, &ino, &dns),
	    0);
	assert_int_equal(dns, 1);
	assert_int_equal(
	    dnsmark__parse_line("   1: 0100007F:C000 08080808:01BB 01 00000000:00000000 "
				"00:00000000 00000000     0        0 5 1",
				0, &ino, &dns),
	    0);
	assert_int_equal(dns, 0);
	/* Cut lines and junk are not sockets. */
	assert_int_equal(dnsmark__parse_line("   1: 0100007F:C000 08080808", 0, &ino, &dns), -1);
	assert_int_equal(
	    dnsmark__parse_line("   1: 0100007F:C000 08080808:00ZZ 01 00000000:00000000 "
				"00:00000000 00000000     0        0 5 1",
				0, &ino, &dns),
	    -1);
	assert_int_equal(dnsmark__parse_line("", 0, &ino, &dns), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_marks_udp_and_tcp_to_53),
	    cmocka_unit_test(test_mark_failure_stops),
	    cmocka_unit_test(test_missing_proc),
	    cmocka_unit_test(test_parse_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
