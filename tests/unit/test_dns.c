/*
 * test_dns.c — DNS message parser (dns__parse, dns__status) and the
 * observed-hostname cache, over hand-built wire-format messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sensor/dns.h"

/* A message under construction; big enough for every test message. */
struct wire {
	uint8_t b[2048];
	size_t n;
};

static void put(struct wire *w, const void *p, size_t n)
{
	assert_true(w->n + n <= sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put16(struct wire *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put(w, b, 2);
}

static void put32(struct wire *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

static void hdr(struct wire *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
	w->n = 0;
	put16(w, id);
	put16(w, flags);
	put16(w, qd);
	put16(w, an);
	put16(w, 0);
	put16(w, 0);
}

/* Dotted name to labels; returns the offset it was written at. */
static size_t name(struct wire *w, const char *dotted)
{
	size_t at = w->n;
	const char *s = dotted;

	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		uint8_t lb = (uint8_t)l;

		put(w, &lb, 1);
		put(w, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	put(w, "", 1);
	return at;
}

static void ptr(struct wire *w, size_t off)
{
	put16(w, (uint16_t)(0xc000 | off));
}

static size_t question(struct wire *w, const char *n, uint16_t type)
{
	size_t at = name(w, n);

	put16(w, type);
	put16(w, 1);
	return at;
}

/* Answer header after the owner name; returns where RDLENGTH sits. */
static size_t rr_fixed(struct wire *w, uint16_t type, uint16_t rdlen)
{
	size_t at;

	put16(w, type);
	put16(w, 1);
	put32(w, 3600);
	at = w->n;
	put16(w, rdlen);
	return at;
}

static void rr_a(struct wire *w, size_t owner, const char *dotted4)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, dotted4, a), 1);
	ptr(w, owner);
	rr_fixed(w, 1, 4);
	put(w, a, 4);
}

static void rr_aaaa(struct wire *w, size_t owner, const char *text6)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, text6, a), 1);
	ptr(w, owner);
	rr_fixed(w, 28, 16);
	put(w, a, 16);
}

/* CNAME owner -> target written in full; returns the target's offset. */
static size_t rr_cname(struct wire *w, size_t owner, const char *target)
{
	size_t len_at, at;

	ptr(w, owner);
	len_at = rr_fixed(w, 5, 0);
	at = name(w, target);
	w->b[len_at] = (uint8_t)((w->n - at) >> 8);
	w->b[len_at + 1] = (uint8_t)(w->n - at);
	return at;
}

static void test_query(void **state)
{
	struct wire w;
	struct dns_msg m;

	hdr(&w, 0xbeef, 0x0100, 1, 0);
	question(&w, "Example.COM", 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_false(m.is_response);
	assert_int_equal(m.qtype, 1);
	assert_string_equal(m.qname, "Example.COM"); /* case kept */
	assert_string_equal(m.results, "-");
	assert_int_equal(m.n_addrs, 0);
}

static void test_a(void **state)
{
	struct wire w;
	struct dns_msg m;
	size_t q;

	hdr(&w, 1, 0x8180, 1, 2);
	q = question(&w, "example.com", 1);
	rr_a(&w, q, "93.184.216.34");
	rr_a(&w, q, "10.0.0.1");
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_true(m.is_response);
	assert_int_equal(m.rcode, 0);
	assert_string_equal(m.qname, "example.com");
	assert_string_equal(m.results, "::ffff:93.184.216.34;::ffff:10.0.0.1;");
	assert_int_equal(m.n_addrs, 2);
	assert_int_equal(m.addrs[0].family, AF_INET);
	assert_memory_equal(m.addrs[0].addr, "\x5d\xb8\xd8\x22", 4);
	assert_int_equal(m.addrs[1].family, AF_INET);
	assert_memory_equal(m.addrs[1].addr, "\x0a\x00\x00\x01", 4);
}

static void test_aaaa(void **state)
{
	struct wire w;
	struct dns_msg m;
	size_t q;

	hdr(&w, 2, 0x8180, 1, 1);
	q = question(&w, "v6.example", 28);
	rr_aaaa(&w, q, "2001:db8::1");
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_int_equal(m.qtype, 28);
	assert_string_equal(m.results, "2001:db8::1;");
	assert_int_equal(m.n_addrs, 1);
	assert_int_equal(m.addrs[0].family, AF_INET6);
	assert_int_equal(m.addrs[0].addr[0], 0x20);
	assert_int_equal(m.addrs[0].addr[15], 0x01);
}

/* www -> cdn -> edge (compressed inside RDATA) -> A, as Sysmon lists it. */
static void test_cname_chain(void **state)
{
	struct wire w;
	struct dns_msg m;
	size_t q, t1, len_at, t2;

	hdr(&w, 3, 0x8180, 1, 3);
	q = question(&w, "www.example.com", 1);
	t1 = rr_cname(&w, q, "cdn.example.net");
	/* edge.<example.net of t1>: a label then a pointer into RDATA. */
	ptr(&w, t1);
	len_at = rr_fixed(&w, 5, 7);
	t2 = w.n;
	put(&w,
	    "\x04"
	    "edge",
	    5);
	ptr(&w, t1 + 4);
	assert_int_equal(w.n - t2, w.b[len_at + 1]);
	rr_a(&w, t2, "192.0.2.9");
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.qname, "www.example.com");
	assert_string_equal(m.results,
			    "type:  5 cdn.example.net;type:  5 edge.example.net;::ffff:192.0.2.9;");
	assert_int_equal(m.n_addrs, 1);
}

/* Addresses go to the cache only when their owner is the question or on
 * its CNAME chain (in any order, any case); QueryResults still lists all. */
static void test_chain_owners(void **state)
{
	struct wire w;
	struct dns_msg m;
	size_t q, len_at, t1, t2;

	hdr(&w, 13, 0x8180, 1, 5);
	q = question(&w, "WWW.Example.com", 1);
	/* An A record for an unrelated name: listed, not attributed. */
	name(&w, "victim.example");
	rr_fixed(&w, 1, 4);
	put(&w, "\x08\x08\x08\x08", 4);
	/* The chain's second step before its first: edge.example -> A. */
	t2 = w.n;
	name(&w, "edge.example");
	rr_fixed(&w, 1, 4);
	put(&w, "\x0a\x00\x00\x02", 4);
	/* www.example.com (other case) -> cdn.example. */
	name(&w, "www.EXAMPLE.com");
	len_at = rr_fixed(&w, 5, 0);
	t1 = name(&w, "cdn.example");
	w.b[len_at + 1] = (uint8_t)(w.n - t1);
	/* cdn.example -> edge.example, then an A for cdn.example itself. */
	ptr(&w, t1);
	len_at = rr_fixed(&w, 5, 2);
	ptr(&w, t2);
	rr_a(&w, t1, "10.0.0.1");
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.results, "::ffff:8.8.8.8;::ffff:10.0.0.2;type:  5 cdn.example;"
				       "type:  5 edge.example;::ffff:10.0.0.1;");
	assert_int_equal(m.n_addrs, 2);
	assert_memory_equal(m.addrs[0].addr, "\x0a\x00\x00\x02", 4);
	assert_memory_equal(m.addrs[1].addr, "\x0a\x00\x00\x01", 4);

	/* A CNAME cycle ends: a -> b -> a. */
	hdr(&w, 14, 0x8180, 1, 3);
	q = question(&w, "a.example", 1);
	t1 = rr_cname(&w, q, "b.example");
	ptr(&w, t1);
	rr_fixed(&w, 5, 2);
	ptr(&w, q);
	rr_a(&w, t1, "10.9.9.9");
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.results, "type:  5 b.example;type:  5 a.example;::ffff:10.9.9.9;");
	assert_int_equal(m.n_addrs, 1);
}

static void test_nxdomain(void **state)
{
	struct wire w;
	struct dns_msg m;
	char st[8];

	hdr(&w, 4, 0x8183, 1, 0);
	question(&w, "nope.invalid", 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_int_equal(m.rcode, 3);
	assert_string_equal(m.results, "-");
	assert_string_equal(dns__status(m.rcode, st), "3");
	assert_string_equal(dns__status(0, st), "0");
	assert_string_equal(dns__status(15, st), "15");
}

/* Other types are skipped by RDLENGTH; other classes and bad RDLENGTHs too. */
static void test_skip_other(void **state)
{
	struct wire w;
	struct dns_msg m;
	size_t q;

	hdr(&w, 5, 0x8180, 1, 4);
	q = question(&w, "mail.example", 15);
	ptr(&w, q);
	rr_fixed(&w, 15, 4);
	put(&w, "\x00\x0a\xc0\x0c", 4);
	ptr(&w, q);
	rr_fixed(&w, 1, 3); /* A with 3 bytes: not an address */
	put(&w, "\x01\x02\x03", 3);
	ptr(&w, q);
	put16(&w, 1);
	put16(&w, 3); /* class CH */
	put32(&w, 0);
	put16(&w, 4);
	put(&w, "\x09\x09\x09\x09", 4);
	rr_a(&w, q, "5.6.7.8");
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.results, "::ffff:5.6.7.8;");
	assert_int_equal(m.n_addrs, 1);
}

/* The question name itself compressed (legal if odd), and a pointer into a
 * name's middle. */
static void test_compression(void **state)
{
	struct wire w;
	struct dns_msg m;

	hdr(&w, 6, 0x8180, 2, 0);
	question(&w, "a.b.example", 1);
	/* Second question: "c." + pointer to "b.example" (offset 12 + 2). */
	put(&w,
	    "\x01"
	    "c",
	    2);
	ptr(&w, 14);
	put16(&w, 1);
	put16(&w, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.qname, "a.b.example");

	/* Question whose name is only a pointer back into the header: the
	 * bytes there read as labels, which is odd but bounded and legal. */
	hdr(&w, 0x0000, 0x0000, 1, 0);
	ptr(&w, 0); /* offset 0: id 0x00 = root label */
	put16(&w, 1);
	put16(&w, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.qname, "");
}

static void test_pointer_loops(void **state)
{
	struct wire w;
	struct dns_msg m;
	size_t q;

	/* Pointer to itself. */
	hdr(&w, 7, 0x0100, 1, 0);
	ptr(&w, 12);
	put16(&w, 1);
	put16(&w, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), -EINVAL);

	/* A label then a pointer back to that label: a two-step cycle. */
	hdr(&w, 7, 0x0100, 1, 0);
	put(&w,
	    "\x01"
	    "a",
	    2);
	ptr(&w, 12);
	put16(&w, 1);
	put16(&w, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), -EINVAL);

	/* Forward pointer. */
	hdr(&w, 7, 0x0100, 1, 0);
	ptr(&w, 20);
	put16(&w, 1);
	put16(&w, 1);
	put(&w, "\x01x\x00", 3);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), -EINVAL);

	/* Two names pointing at each other, the second in an answer owner:
	 * the question is fine, the answer loop just ends the answers. */
	hdr(&w, 7, 0x8180, 1, 2);
	q = question(&w, "ok.example", 1);
	rr_a(&w, q, "1.1.1.1");
	ptr(&w, w.n); /* owner points at itself */
	rr_fixed(&w, 1, 4);
	put(&w, "\x02\x02\x02\x02", 4);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.results, "::ffff:1.1.1.1;");
	assert_int_equal(m.n_addrs, 1);

	/* Reserved label types 01 and 10. */
	hdr(&w, 7, 0x0100, 1, 0);
	put(&w, "\x41\x00", 2);
	put16(&w, 1);
	put16(&w, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), -EINVAL);
	w.b[12] = 0x81;
	assert_int_equal(dns__parse(w.b, w.n, false, &m), -EINVAL);
}

/* A response with a CNAME, A and AAAA, cut at every length: each prefix
 * must parse or fail cleanly, and a prefix that reaches past the question
 * must give exactly the answers that were complete. */
static void test_truncation(void **state)
{
	struct wire w;
	struct dns_msg m;
	size_t q, qend, ends[3];

	hdr(&w, 8, 0x8180, 1, 3);
	q = question(&w, "cut.example", 1);
	qend = w.n;
	rr_cname(&w, q, "t.example");
	ends[0] = w.n;
	rr_a(&w, q, "1.2.3.4");
	ends[1] = w.n;
	rr_aaaa(&w, q, "::1");
	ends[2] = w.n;

	for (size_t n = 0; n <= w.n; n++) {
		int err = dns__parse(w.b, n, false, &m);
		size_t complete = 0;

		if (n < qend) {
			assert_int_equal(err, -EINVAL);
			continue;
		}
		assert_int_equal(err, 0);
		assert_string_equal(m.qname, "cut.example");
		while (complete < 3 && ends[complete] <= n)
			complete++;
		switch (complete) {
		case 0:
			assert_string_equal(m.results, "-");
			break;
		case 1:
			assert_string_equal(m.results, "type:  5 t.example;");
			break;
		case 2:
			assert_string_equal(m.results, "type:  5 t.example;::ffff:1.2.3.4;");
			break;
		default:
			assert_string_equal(m.results, "type:  5 t.example;::ffff:1.2.3.4;::1;");
		}
		assert_int_equal(m.n_addrs, complete > 1 ? complete - 1 : 0);
		/* The same prefix over TCP, with a prefix claiming the full size. */
		{
			struct wire t;

			t.n = 0;
			put16(&t, (uint16_t)w.n);
			put(&t, w.b, n);
			assert_int_equal(dns__parse(t.b, t.n, true, &m), 0);
			assert_string_equal(m.qname, "cut.example");
			assert_int_equal(m.n_addrs, complete > 1 ? complete - 1 : 0);
		}
	}
	assert_int_equal(dns__parse(NULL, 0, false, &m), -EINVAL);
}

static void test_tcp_prefix(void **state)
{
	struct wire w, t;
	struct dns_msg m;
	size_t q;
	int err;

	hdr(&w, 0x4242, 0x8180, 1, 1);
	q = question(&w, "tcp.example", 1);
	rr_a(&w, q, "198.51.100.1");

	/* With the prefix. */
	t.n = 0;
	put16(&t, (uint16_t)w.n);
	put(&t, w.b, w.n);
	assert_int_equal(dns__parse(t.b, t.n, true, &m), 0);
	assert_int_equal(m.id, 0x4242);
	assert_string_equal(m.qname, "tcp.example");
	assert_string_equal(m.results, "::ffff:198.51.100.1;");

	/* Without it. */
	assert_int_equal(dns__parse(w.b, w.n, true, &m), 0);
	assert_int_equal(m.id, 0x4242);
	assert_string_equal(m.qname, "tcp.example");
	assert_string_equal(m.results, "::ffff:198.51.100.1;");

	/* Two messages in one segment: the first is parsed. */
	put16(&t, (uint16_t)w.n);
	put(&t, w.b, w.n);
	assert_int_equal(dns__parse(t.b, t.n, true, &m), 0);
	assert_int_equal(m.id, 0x4242);
	assert_string_equal(m.qname, "tcp.example");
	assert_int_equal(m.n_addrs, 1);

	/* A query whose id happens to equal its length minus 2 looks
	 * prefixed, but read that way it has no question: read unprefixed. */
	hdr(&w, 0, 0x0100, 1, 0);
	question(&w, "x.example", 1);
	w.b[0] = (uint8_t)((w.n - 2) >> 8);
	w.b[1] = (uint8_t)(w.n - 2);
	assert_int_equal(dns__parse(w.b, w.n, true, &m), 0);
	assert_string_equal(m.qname, "x.example");
	/* Over UDP, a 2-byte prefix is just a bad id, and reads as one. */
	t.n = 0;
	put16(&t, (uint16_t)w.n);
	put(&t, w.b, w.n);
	err = dns__parse(t.b, t.n, false, &m);
	assert_true(err == -EINVAL || strcmp(m.qname, "x.example") != 0);
}

static void test_escapes(void **state)
{
	struct wire w;
	struct dns_msg m;
	uint8_t lab[] = {8, 'a', '.', 'b', '\\', ' ', 0x00, 0x7f, 0xff, 3, 'c', 'o', 'm', 0};

	hdr(&w, 9, 0x0100, 1, 0);
	put(&w, lab, sizeof(lab));
	put16(&w, 16);
	put16(&w, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.qname, "a\\046b\\092\\032\\000\\127\\255.com");
	assert_int_equal(m.qtype, 16);
}

/* Names: 255 wire octets is the limit; a presentation over 255 characters
 * is cut before an escape, never inside one. */
static void test_name_limits(void **state)
{
	struct wire w;
	struct dns_msg m;
	char big[300];
	uint8_t lab[64];

	/* 3 x 63 + 61 = 250 characters, 255 wire octets: accepted. */
	memset(big, 0, sizeof(big));
	memset(big, 'x', 63);
	big[63] = '.';
	memcpy(big + 64, big, 64);
	memcpy(big + 128, big, 64);
	memset(big + 192, 'y', 61);
	hdr(&w, 10, 0x0100, 1, 0);
	question(&w, big, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_string_equal(m.qname, big);

	/* One more octet: too long. */
	big[192 + 61] = 'y';
	hdr(&w, 10, 0x0100, 1, 0);
	question(&w, big, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), -EINVAL);

	/* Four labels of 63 zero bytes: 252 escapes of 4 characters. */
	hdr(&w, 10, 0x0100, 1, 0);
	memset(lab, 0, sizeof(lab));
	lab[0] = 63;
	for (int i = 0; i < 3; i++)
		put(&w, lab, 64);
	lab[0] = 60;
	put(&w, lab, 61);
	put(&w, "", 1);
	put16(&w, 1);
	put16(&w, 1);
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	assert_int_equal(strlen(m.qname), 252); /* 63 escapes, the 64th does not fit */
	assert_memory_equal(m.qname + 248, "\\000", 4);
}

/* More answers than results fit: whole answers only, addresses capped. */
static void test_results_cut(void **state)
{
	struct wire w;
	struct dns_msg m;
	char a[32];
	size_t q, l;

	hdr(&w, 11, 0x8180, 1, 80);
	q = question(&w, "many.example", 1);
	for (int i = 0; i < 80; i++) {
		snprintf(a, sizeof(a), "10.100.%d.%d", i, 200 + i % 50);
		rr_a(&w, q, a);
	}
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	l = strlen(m.results);
	assert_true(l <= sizeof(m.results) - 1);
	assert_true(l > sizeof(m.results) - 30);
	assert_int_equal(m.results[l - 1], ';');
	assert_memory_equal(m.results, "::ffff:10.100.0.200;::ffff:10.100.1.201;", 40);
	assert_int_equal(m.n_addrs, 16);
	assert_memory_equal(m.addrs[15].addr, "\x0a\x64\x0f\xd7", 4);
}

static void test_garbage(void **state)
{
	struct dns_msg m;
	uint8_t buf[600];
	uint32_t x = 12345;
	int err;

	/* A pseudo-random stream: any outcome but a crash is fine. */
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(x % sizeof(buf));

		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		if (n > 12) { /* make the parser reach the question often */
			buf[4] = 0;
			buf[5] = 1;
		}
		err = dns__parse(buf, n, round & 1, &m);
		assert_true(err == 0 || err == -EINVAL);
		assert_true(strlen(m.qname) < sizeof(m.qname));
	}
}

static const uint8_t v4a[4] = {192, 0, 2, 1};
static const uint8_t v4b[4] = {192, 0, 2, 2};

static void test_cache_basic(void **state)
{
	struct dns_cache *c = dns_cache__new(4);
	uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	assert_non_null(c);
	assert_null(dns_cache__lookup(c, AF_INET, v4a));
	dns_cache__add(c, AF_INET, v4a, "a.example", 1);
	assert_string_equal(dns_cache__lookup(c, AF_INET, v4a), "a.example");
	assert_null(dns_cache__lookup(c, AF_INET, v4b));
	/* v4-mapped lookup finds the IPv4 entry, and a mapped add feeds it. */
	assert_string_equal(dns_cache__lookup(c, AF_INET6, mapped), "a.example");
	mapped[15] = 2;
	dns_cache__add(c, AF_INET6, mapped, "b.example", 2);
	assert_string_equal(dns_cache__lookup(c, AF_INET, v4b), "b.example");
	/* v6 is distinct from a v4 with the same leading bytes. */
	dns_cache__add(c, AF_INET6, v6, "six.example", 3);
	assert_string_equal(dns_cache__lookup(c, AF_INET6, v6), "six.example");
	v6[15] = 2;
	assert_null(dns_cache__lookup(c, AF_INET6, v6));
	/* Update keeps the last name. */
	dns_cache__add(c, AF_INET, v4a, "a2.example", 4);
	assert_string_equal(dns_cache__lookup(c, AF_INET, v4a), "a2.example");
	/* Unknown family: ignored. */
	dns_cache__add(c, 99, v4a, "x", 5);
	assert_null(dns_cache__lookup(c, 99, v4a));
	assert_string_equal(dns_cache__lookup(c, AF_INET, v4a), "a2.example");
	dns_cache__free(c);

	assert_null(dns_cache__new(0));
	assert_int_equal(errno, EINVAL);
	dns_cache__free(NULL);
}

static void test_cache_lru(void **state)
{
	struct dns_cache *c = dns_cache__new(3);
	uint8_t a[4] = {10, 0, 0, 0};
	char n[32];

	assert_non_null(c);
	for (uint8_t i = 1; i <= 3; i++) {
		a[3] = i;
		snprintf(n, sizeof(n), "h%u", i);
		dns_cache__add(c, AF_INET, a, n, i);
	}
	/* Use h1, so h2 is now the least recent. */
	a[3] = 1;
	assert_string_equal(dns_cache__lookup(c, AF_INET, a), "h1");
	a[3] = 4;
	dns_cache__add(c, AF_INET, a, "h4", 4);
	a[3] = 2;
	assert_null(dns_cache__lookup(c, AF_INET, a));
	for (uint8_t i = 1; i <= 4; i++) {
		if (i == 2)
			continue;
		a[3] = i;
		snprintf(n, sizeof(n), "h%u", i);
		assert_string_equal(dns_cache__lookup(c, AF_INET, a), n);
	}
	/* Re-adding the same name refreshes too: after using h1 and h4,
	 * h3 is the least recent; re-adding it leaves h1 to go for h5. */
	a[3] = 1;
	assert_non_null(dns_cache__lookup(c, AF_INET, a));
	a[3] = 4;
	assert_non_null(dns_cache__lookup(c, AF_INET, a));
	a[3] = 3;
	dns_cache__add(c, AF_INET, a, "h3", 9);
	a[3] = 1;
	dns_cache__add(c, AF_INET, (uint8_t[]){10, 0, 0, 5}, "h5", 10);
	assert_null(dns_cache__lookup(c, AF_INET, a));
	a[3] = 3;
	assert_string_equal(dns_cache__lookup(c, AF_INET, a), "h3");

	/* Many more than the bound: only the last 3 stay. */
	for (unsigned i = 0; i < 1000; i++) {
		uint8_t b[4] = {172, 16, (uint8_t)(i >> 8), (uint8_t)i};

		snprintf(n, sizeof(n), "n%u", i);
		dns_cache__add(c, AF_INET, b, n, i);
	}
	for (unsigned i = 0; i < 1000; i++) {
		uint8_t b[4] = {172, 16, (uint8_t)(i >> 8), (uint8_t)i};
		const char *got = dns_cache__lookup(c, AF_INET, b);

		if (i < 997) {
			assert_null(got);
		} else {
			snprintf(n, sizeof(n), "n%u", i);
			assert_string_equal(got, n);
		}
	}
	dns_cache__free(c);
}

/* A long name is cut to 255 characters. */
static void test_cache_long_name(void **state)
{
	struct dns_cache *c = dns_cache__new(2);
	char longname[400];

	memset(longname, 'z', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	dns_cache__add(c, AF_INET, v4a, longname, 1);
	assert_int_equal(strlen(dns_cache__lookup(c, AF_INET, v4a)), 255);
	/* Same first 255 characters: treated as the same name. */
	dns_cache__add(c, AF_INET, v4a, longname + 1, 2);
	assert_int_equal(strlen(dns_cache__lookup(c, AF_INET, v4a)), 255);
	dns_cache__free(c);
}

/* What the decoder will do: parse an answer, feed the cache, look up the
 * address a later connect goes to. */
static void test_parse_to_cache(void **state)
{
	struct wire w;
	struct dns_msg m;
	struct dns_cache *c = dns_cache__new(16);
	uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 203, 0, 113, 5};
	size_t q;

	hdr(&w, 12, 0x8180, 1, 2);
	q = question(&w, "api.example.org", 1);
	rr_a(&w, q, "203.0.113.5");
	rr_aaaa(&w, q, "2001:db8::5");
	assert_int_equal(dns__parse(w.b, w.n, false, &m), 0);
	for (size_t i = 0; i < m.n_addrs; i++)
		dns_cache__add(c, m.addrs[i].family, m.addrs[i].addr, m.qname, 1);
	assert_string_equal(dns_cache__lookup(c, AF_INET6, mapped), "api.example.org");
	assert_string_equal(dns_cache__lookup(c, AF_INET6, m.addrs[1].addr), "api.example.org");
	dns_cache__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query),
	    cmocka_unit_test(test_a),
	    cmocka_unit_test(test_aaaa),
	    cmocka_unit_test(test_cname_chain),
	    cmocka_unit_test(test_nxdomain),
	    cmocka_unit_test(test_skip_other),
	    cmocka_unit_test(test_compression),
	    cmocka_unit_test(test_pointer_loops),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_tcp_prefix),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_results_cut),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_cache_basic),
	    cmocka_unit_test(test_cache_lru),
	    cmocka_unit_test(test_cache_long_name),
	    cmocka_unit_test(test_parse_to_cache),
	    cmocka_unit_test(test_chain_owners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
