/*
 * fuzz_dns.c — libFuzzer harness for the DNS message parser (dns__parse) and
 * the observed-hostname cache fed from what it returns.
 *
 * Any byte string, read as a UDP payload and as a TCP one, must parse or
 * fail with -EINVAL, never crash or read out of bounds, and what it returns
 * must keep the promises of dns.h: NUL-terminated printable strings, a
 * bounded address list, results made of whole ';'-terminated answers. The
 * answered addresses then go through a tiny cache, so its eviction and
 * IPv4-mapped handling run on hostile input too.
 */
#include "sensor/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct dns_cache *cache;

static void check_text(const char *s, size_t cap, bool spaces)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort(); /* not terminated */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch > 0x7e || ch < 0x20 || (ch == ' ' && !spaces))
			abort();
	}
}

static void check(const uint8_t *data, size_t size, bool tcp)
{
	struct dns_msg m;
	char st[8];
	size_t rl;
	int err;

	err = dns__parse(data, size, tcp, &m);
	if (err != 0 && err != -EINVAL)
		abort();
	if (strcmp(dns__status(m.rcode, st), "") == 0)
		abort();
	if (err)
		return;
	if (m.rcode > 15 || m.n_addrs > 16)
		abort();
	check_text(m.qname, sizeof(m.qname), false);
	check_text(m.results, sizeof(m.results), true);
	rl = strlen(m.results);
	if (strcmp(m.results, "-") != 0 && (rl == 0 || m.results[rl - 1] != ';'))
		abort();
	for (size_t i = 0; i < m.n_addrs; i++) {
		const char *got;

		if (m.addrs[i].family != AF_INET && m.addrs[i].family != AF_INET6)
			abort();
		dns_cache__add(cache, m.addrs[i].family, m.addrs[i].addr, m.qname, i);
		got = dns_cache__lookup(cache, m.addrs[i].family, m.addrs[i].addr);
		if (!got || strcmp(got, m.qname) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cache) {
		cache = dns_cache__new(8);
		if (!cache)
			abort();
	}
	check(data, size, false);
	check(data, size, true);
	return 0;
}
