/*
 * dns.h — DNS message parser (event 22 DnsQuery) and the observed-hostname
 * cache (DestinationHostname/SourceHostname of event 3 NetworkConnect).
 *
 * The sensor hands us the raw payload of a DNS message a process received on
 * port 53 (UDP, or TCP with or without its 2-byte length prefix). dns__parse
 * turns it into the DnsQuery fields; the A/AAAA answers go into a bounded LRU
 * cache address -> name so later connections to those addresses can be named
 * without any lookup of our own.
 *
 * Field formats, chosen to match what Sysmon (Windows) writes, so existing
 * parsers and rules keep working:
 *  - QueryName: the first question's name as sent (case kept), labels joined
 *    by '.', no trailing dot; the root name is "". Bytes outside printable
 *    ASCII, the space, '.' and '\' inside a label are written as \DDD
 *    (decimal, RFC 4343 style), so the text is always printable and a '.' is
 *    always a label separator. At most 255 characters: a longer presentation
 *    is cut before the escape that does not fit.
 *  - QueryResults: every answer followed by ';', in message order. A CNAME is
 *    "type:  5 <target>;" (two spaces, as Sysmon prints it), an A record is
 *    "::ffff:a.b.c.d;" (Sysmon's IPv4-mapped form), an AAAA record is its
 *    inet_ntop text ("2001:db8::1;"). Other types are not listed. "-" when
 *    there is none. When the next answer would not fit in the buffer the
 *    list stops there: it is cut at an answer boundary, never mid-answer.
 *  - QueryStatus: the DNS RCODE as a decimal string ("0" success, "3"
 *    NXDOMAIN), see dns__status.
 *
 * Answers are read from responses only (QR=1), class IN only. A message cut
 * inside the answer section (a capture is at most 512 bytes) still parses:
 * the answers before the first cut or malformed record are kept. A message
 * whose header or question section is cut or malformed is -EINVAL.
 */
#ifndef VIGIL_SENSOR_DNS_H
#define VIGIL_SENSOR_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Result of parsing one DNS message. Strings are NUL-terminated, bounded. */
struct dns_msg {
	uint16_t id;
	bool is_response;
	uint8_t rcode;	    /* header RCODE (0..15) */
	uint16_t qtype;	    /* first question's type */
	char qname[256];    /* first question's name, no trailing dot, as sent (case kept) */
	char results[1024]; /* Sysmon-style QueryResults, see above; "-" when none */
	/* Addresses answered (A/AAAA) for the hostname cache, and CNAME chain. */
	size_t n_addrs;
	struct {
		uint8_t family;
		uint8_t addr[16];
	} addrs[16];
};

/*
 * Parses msg[0..len). tcp: the message may start with a 2-byte length prefix
 * (RFC 1035 4.2.2); both with and without are accepted. Returns 0, or -EINVAL
 * for a malformed message (out is then still NUL-terminated but meaningless).
 * Never reads out of bounds; compression pointers must point strictly
 * backwards and their number is bounded, so a loop cannot hang it.
 * addrs holds the first 16 A/AAAA answers (family AF_INET with addr[0..4),
 * or AF_INET6), in network byte order, whose owner name is the question's
 * or on its CNAME chain (case-insensitive): the addresses qname resolved to,
 * and nothing a server slipped in for other names.
 */
int dns__parse(const uint8_t *msg, size_t len, bool tcp, struct dns_msg *out);

/*
 * Sysmon's QueryStatus text for an rcode. Sysmon logs the status as a number
 * (Windows puts its own error codes there, 9003 for NXDOMAIN...); vigil uses
 * the DNS RCODE itself as a decimal string ("0", "3"), written into buf.
 * Returns buf.
 */
const char *dns__status(uint8_t rcode, char buf[8]);

/* Observed hostnames: address -> name, bounded, LRU. */
struct dns_cache;

/* A cache holding at most max_entries addresses (1..2^24). NULL with errno
 * EINVAL or ENOMEM. */
struct dns_cache *dns_cache__new(size_t max_entries);
void dns_cache__free(struct dns_cache *c);

/*
 * Records that name resolved to addr (family AF_INET / AF_INET6, addr in
 * network order, 4 or 16 bytes used) at time now_ns, with the TTL ignored (we
 * keep the last observed name). An IPv4-mapped IPv6 address is stored as its
 * IPv4 address. When full, the least recently added or looked-up entry goes.
 * Names longer than 255 characters are cut; other families are ignored.
 */
void dns_cache__add(struct dns_cache *c, uint8_t family, const uint8_t *addr, const char *name,
		    uint64_t now_ns);

/*
 * The last name observed for addr, or NULL. IPv4-mapped IPv6 addresses match
 * their IPv4 entry. A hit counts as a use for the LRU order. The string is
 * owned by the cache and valid until the next dns_cache__add or free.
 */
const char *dns_cache__lookup(struct dns_cache *c, uint8_t family, const uint8_t *addr);

#endif
