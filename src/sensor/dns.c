/*
 * dns.c — DNS message parser and observed-hostname cache; see dns.h.
 *
 * The parser reads attacker-controlled bytes (anyone can send a process a
 * DNS answer), so every read is checked against the message end, names are
 * bounded to 255 wire octets, and a compression pointer must point before
 * the start of the label run it interrupts: each jump strictly lowers that
 * bound, so no sequence of pointers can loop.
 *
 * The cache is a fixed array of entries allocated once, a hash table of
 * chains threaded through it, and a doubly linked recency list; when full the
 * least recently used entry is reused in place. The hash is keyed with a
 * random seed so that answers chosen by an attacker cannot be made to pile
 * up in one chain.
 */
#include "sensor/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define DNS_HDR_LEN   12
#define DNS_NAME_MAX  255 /* wire octets, RFC 1035 3.1 */
#define DNS_MAX_JUMPS 64  /* belt and braces: the backwards rule already bounds them */
#define DNS_T_A	      1
#define DNS_T_CNAME   5
#define DNS_T_AAAA    28
#define DNS_C_IN      1

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* Appends one label byte in presentation form to out[*olen..), preceded by
 * the '.' separator when dot is set, as long as both fit in outsz - 1 (room
 * for the NUL); *cut is set at the first byte that does not fit, and later
 * bytes are not written, so the text never ends in half an escape or in a
 * dangling separator. */
static void put_byte(char *out, size_t outsz, size_t *olen, bool *cut, bool dot, uint8_t b)
{
	char esc[5];
	size_t n = 0;

	if (*cut || !out)
		return;
	if (dot)
		esc[n++] = '.';
	if (b > 0x20 && b < 0x7f && b != '.' && b != '\\') {
		esc[n++] = (char)b;
	} else {
		esc[n++] = '\\';
		esc[n++] = (char)('0' + b / 100);
		esc[n++] = (char)('0' + b / 10 % 10);
		esc[n++] = (char)('0' + b % 10);
	}
	if (*olen + n > outsz - 1) {
		*cut = true;
		return;
	}
	memcpy(out + *olen, esc, n);
	*olen += n;
}

/*
 * Reads the name at m[off..) into out (presentation form, may be NULL to
 * only validate). *next is set to the offset just after the name where it
 * sits (after the first pointer, if any). Returns 0 or -EINVAL: cut short,
 * reserved label type, pointer not strictly backwards, over 255 octets.
 */
static int read_name(const uint8_t *m, size_t len, size_t off, size_t *next, char *out,
		     size_t outsz)
{
	size_t pos = off, limit = off, olen = 0, wire = 0;
	unsigned jumps = 0;
	bool jumped = false, cut = false, first = true;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EINVAL;
		l = m[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -EINVAL;
			target = (size_t)(l & 0x3f) << 8 | m[pos + 1];
			/* A target at or after the start of the run we are in
			 * could lead back to this pointer: refuse it. */
			if (target >= limit || ++jumps > DNS_MAX_JUMPS)
				return -EINVAL;
			if (!jumped)
				*next = pos + 2;
			jumped = true;
			pos = limit = target;
			continue;
		}
		if (l & 0xc0) /* 01 and 10: extended/reserved label types */
			return -EINVAL;
		wire += 1u + l;
		if (wire > DNS_NAME_MAX)
			return -EINVAL;
		if (l == 0) {
			if (!jumped)
				*next = pos + 1;
			break;
		}
		if (pos + 1 + l > len)
			return -EINVAL;
		for (size_t i = 0; i < l; i++)
			put_byte(out, outsz, &olen, &cut, !first && i == 0, m[pos + 1 + i]);
		first = false;
		pos += 1u + l;
	}
	if (out)
		out[olen] = '\0';
	return 0;
}

/* Appends one complete answer to the results, or none of it: once an answer
 * does not fit the list is closed, so it stays a prefix of the answers. */
static void add_result(struct dns_msg *out, size_t *rlen, bool *full, const char *s)
{
	size_t n = strlen(s);

	if (*full)
		return;
	if (*rlen + n > sizeof(out->results) - 1) {
		*full = true;
		return;
	}
	memcpy(out->results + *rlen, s, n + 1);
	*rlen += n;
}

static void add_addr(struct dns_msg *out, uint8_t family, const uint8_t *a, size_t n)
{
	if (out->n_addrs >= sizeof(out->addrs) / sizeof(out->addrs[0]))
		return;
	out->addrs[out->n_addrs].family = family;
	memset(out->addrs[out->n_addrs].addr, 0, sizeof(out->addrs[0].addr));
	memcpy(out->addrs[out->n_addrs].addr, a, n);
	out->n_addrs++;
}

/* Reads the answer section from *pos. Stops quietly at the first record
 * that is cut or malformed: what came before it is still good telemetry. */
static void parse_answers(const uint8_t *m, size_t len, size_t pos, unsigned ancount,
			  struct dns_msg *out)
{
	char text[DNS_NAME_MAX + 1 + 16];
	char name[256];
	size_t rlen = 0;
	bool full = false;

	for (unsigned i = 0; i < ancount; i++) {
		uint16_t type, class, rdlen;
		size_t rd, next;

		if (read_name(m, len, pos, &next, NULL, 0))
			break;
		if (next + 10 > len)
			break;
		type = be16(m + next);
		class = be16(m + next + 2);
		rdlen = be16(m + next + 8);
		rd = next + 10;
		if (rd + rdlen > len)
			break;
		pos = rd + rdlen;
		if (class != DNS_C_IN)
			continue;
		if (type == DNS_T_A && rdlen == 4) {
			const uint8_t *a = m + rd;

			snprintf(text, sizeof(text), "::ffff:%u.%u.%u.%u;", a[0], a[1], a[2], a[3]);
			add_result(out, &rlen, &full, text);
			add_addr(out, AF_INET, a, 4);
		} else if (type == DNS_T_AAAA && rdlen == 16) {
			char a6[INET6_ADDRSTRLEN];

			if (!inet_ntop(AF_INET6, m + rd, a6, sizeof(a6)))
				continue;
			snprintf(text, sizeof(text), "%s;", a6);
			add_result(out, &rlen, &full, text);
			add_addr(out, AF_INET6, m + rd, 16);
		} else if (type == DNS_T_CNAME) {
			size_t end;

			/* The target may be compressed, but its own bytes must
			 * stay inside the RDATA. */
			if (read_name(m, len, rd, &end, name, sizeof(name)) || end > pos)
				continue;
			snprintf(text, sizeof(text), "type:  5 %s;", name);
			add_result(out, &rlen, &full, text);
		}
	}
	if (rlen == 0)
		strcpy(out->results, "-");
}

/* Parses one message without a length prefix; *qd gets its QDCOUNT. */
static int parse_plain(const uint8_t *m, size_t len, struct dns_msg *out, unsigned *qd)
{
	unsigned qdcount, ancount;
	uint16_t flags;
	size_t pos;

	memset(out, 0, sizeof(*out));
	strcpy(out->results, "-");
	*qd = 0;
	if (len < DNS_HDR_LEN)
		return -EINVAL;
	out->id = be16(m);
	flags = be16(m + 2);
	out->is_response = flags & 0x8000;
	out->rcode = flags & 0x000f;
	qdcount = be16(m + 4);
	*qd = qdcount;
	ancount = be16(m + 6);
	pos = DNS_HDR_LEN;
	/* Each question takes at least 5 bytes, so this loop ends by len. */
	for (unsigned i = 0; i < qdcount; i++) {
		size_t next;
		int err;

		err = read_name(m, len, pos, &next, i == 0 ? out->qname : NULL, sizeof(out->qname));
		if (err)
			return err;
		if (next + 4 > len)
			return -EINVAL;
		if (i == 0)
			out->qtype = be16(m + next);
		pos = next + 4;
	}
	if (out->is_response)
		parse_answers(m, len, pos, ancount, out);
	return 0;
}

/* Parses msg as one of the two readings of a TCP capture. */
static int parse_tcp_as(const uint8_t *msg, size_t len, bool prefixed, struct dns_msg *out,
			unsigned *qd)
{
	size_t plen = be16(msg);

	/* A prefix shorter than the capture means more messages follow in
	 * the segment: parse the first. A longer one means the capture was
	 * cut: parse what we have. */
	if (prefixed)
		return parse_plain(msg + 2, plen < len - 2 ? plen : len - 2, out, qd);
	return parse_plain(msg, len, out, qd);
}

int dns__parse(const uint8_t *msg, size_t len, bool tcp, struct dns_msg *out)
{
	bool prefixed;
	unsigned qd;
	int err;

	if (!out)
		return -EINVAL;
	if (!msg)
		len = 0;
	if (!tcp || len < 2)
		return parse_plain(msg, len, out, &qd);

	/*
	 * Over TCP the capture may or may not include the length prefix.
	 * A prefix equal to the rest of the buffer suggests it. Otherwise
	 * look at QDCOUNT, which is 1 in every real message: read without a
	 * prefix it sits at bytes 4-5; read with one, at 6-7, and bytes 4-5
	 * are then the flags, which are never 0x0001 in a real message.
	 * The reading chosen must parse with a question; if it does not, the
	 * other is tried, and only then a question-less parse is accepted.
	 */
	if (be16(msg) + 2u == len)
		prefixed = true;
	else if (len >= 6 && be16(msg + 4) == 1)
		prefixed = false;
	else
		prefixed = len >= 8 && be16(msg + 6) == 1;

	err = parse_tcp_as(msg, len, prefixed, out, &qd);
	if (!err && qd > 0)
		return 0;
	err = parse_tcp_as(msg, len, !prefixed, out, &qd);
	if (!err && qd > 0)
		return 0;
	err = parse_tcp_as(msg, len, prefixed, out, &qd);
	if (!err)
		return 0;
	return parse_tcp_as(msg, len, !prefixed, out, &qd);
}

const char *dns__status(uint8_t rcode, char buf[8])
{
	snprintf(buf, 8, "%u", (unsigned)rcode);
	return buf;
}

/* ---- observed-hostname cache ---- */

#define NIL		 UINT32_MAX
#define DNS_CACHE_MAX	 (1u << 24)
#define DNS_CACHE_KEYLEN 17

struct dns_entry {
	uint8_t key[DNS_CACHE_KEYLEN]; /* 4 or 6, then the address, zero padded */
	uint32_t hnext;		       /* hash chain */
	uint32_t prev, next;	       /* recency list, head = most recent */
	char *name;
	uint64_t seen_ns;
};

struct dns_cache {
	struct dns_entry *e;
	uint32_t *buckets;
	size_t nbuckets; /* power of two */
	size_t max, n;
	uint32_t head, tail;
	uint64_t seed;
};

/* Builds the lookup key; an IPv4-mapped IPv6 address becomes its IPv4 key.
 * Returns -EINVAL for an unknown family. */
static int make_key(uint8_t family, const uint8_t *addr, uint8_t key[DNS_CACHE_KEYLEN])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(key, 0, DNS_CACHE_KEYLEN);
	if (!addr)
		return -EINVAL;
	if (family == AF_INET6 && !memcmp(addr, mapped, sizeof(mapped))) {
		family = AF_INET;
		addr += 12;
	}
	if (family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, addr, 4);
	} else if (family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, addr, 16);
	} else {
		return -EINVAL;
	}
	return 0;
}

static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static size_t key_hash(const struct dns_cache *c, const uint8_t key[DNS_CACHE_KEYLEN])
{
	uint64_t w1, w2, h;

	memcpy(&w1, key + 1, 8);
	memcpy(&w2, key + 9, 8);
	h = fmix64(c->seed ^ key[0]);
	h = fmix64(h ^ w1);
	h = fmix64(h ^ w2);
	return (size_t)h & (c->nbuckets - 1);
}

struct dns_cache *dns_cache__new(size_t max_entries)
{
	struct dns_cache *c;

	if (max_entries == 0 || max_entries > DNS_CACHE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->max = max_entries;
	c->nbuckets = 1;
	while (c->nbuckets < max_entries * 2)
		c->nbuckets <<= 1;
	c->e = calloc(max_entries, sizeof(*c->e));
	c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
	if (!c->e || !c->buckets) {
		dns_cache__free(c);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < c->nbuckets; i++)
		c->buckets[i] = NIL;
	c->head = c->tail = NIL;
	/* Without entropy the seed is weaker, never absent: the cache still
	 * works, chains are just guessable. */
	if (getrandom(&c->seed, sizeof(c->seed), GRND_NONBLOCK) != sizeof(c->seed))
		c->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
	return c;
}

void dns_cache__free(struct dns_cache *c)
{
	if (!c)
		return;
	if (c->e)
		for (size_t i = 0; i < c->n; i++)
			free(c->e[i].name);
	free(c->e);
	free(c->buckets);
	free(c);
}

static void lru_unlink(struct dns_cache *c, uint32_t i)
{
	struct dns_entry *e = &c->e[i];

	if (e->prev != NIL)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != NIL)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NIL;
}

static void lru_push_front(struct dns_cache *c, uint32_t i)
{
	struct dns_entry *e = &c->e[i];

	e->prev = NIL;
	e->next = c->head;
	if (c->head != NIL)
		c->e[c->head].prev = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

static uint32_t find(const struct dns_cache *c, const uint8_t key[DNS_CACHE_KEYLEN], size_t b)
{
	for (uint32_t i = c->buckets[b]; i != NIL; i = c->e[i].hnext)
		if (!memcmp(c->e[i].key, key, DNS_CACHE_KEYLEN))
			return i;
	return NIL;
}

static void hash_remove(struct dns_cache *c, uint32_t i)
{
	uint32_t *link = &c->buckets[key_hash(c, c->e[i].key)];

	while (*link != NIL && *link != i)
		link = &c->e[*link].hnext;
	if (*link == i)
		*link = c->e[i].hnext;
	c->e[i].hnext = NIL;
}

void dns_cache__add(struct dns_cache *c, uint8_t family, const uint8_t *addr, const char *name,
		    uint64_t now_ns)
{
	uint8_t key[DNS_CACHE_KEYLEN];
	char *copy;
	uint32_t i;
	size_t b;

	if (!c || !name || make_key(family, addr, key))
		return;
	b = key_hash(c, key);
	i = find(c, key, b);
	if (i != NIL && strncmp(c->e[i].name, name, DNS_NAME_MAX) == 0 &&
	    strlen(c->e[i].name) == strnlen(name, DNS_NAME_MAX)) {
		c->e[i].seen_ns = now_ns;
		lru_unlink(c, i);
		lru_push_front(c, i);
		return;
	}
	/* Copy first: on ENOMEM the cache keeps its previous state. */
	copy = strndup(name, DNS_NAME_MAX);
	if (!copy)
		return;
	if (i == NIL) {
		if (c->n < c->max) {
			i = (uint32_t)c->n++;
		} else {
			i = c->tail;
			lru_unlink(c, i);
			hash_remove(c, i);
			free(c->e[i].name);
			c->e[i].name = NULL;
		}
		memcpy(c->e[i].key, key, DNS_CACHE_KEYLEN);
		c->e[i].hnext = c->buckets[b];
		c->buckets[b] = i;
	} else {
		lru_unlink(c, i);
		free(c->e[i].name);
	}
	c->e[i].name = copy;
	c->e[i].seen_ns = now_ns;
	lru_push_front(c, i);
}

const char *dns_cache__lookup(struct dns_cache *c, uint8_t family, const uint8_t *addr)
{
	uint8_t key[DNS_CACHE_KEYLEN];
	uint32_t i;

	if (!c || make_key(family, addr, key))
		return NULL;
	i = find(c, key, key_hash(c, key));
	if (i == NIL)
		return NULL;
	if (c->head != i) {
		lru_unlink(c, i);
		lru_push_front(c, i);
	}
	return c->e[i].name;
}
