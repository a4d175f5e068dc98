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

#include "common/strbuf.h"

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

/* A walk over the labels of one name, following compression pointers. */
struct name_cur {
	const uint8_t *m;
	size_t len;
	size_t pos;   /* next byte to read */
	size_t limit; /* start of the current run: pointers must go below it */
	size_t wire;  /* octets of the name so far */
	size_t next;  /* where the name ends in place (after the first pointer) */
	unsigned jumps;
	bool jumped;
};

static void cur_init(struct name_cur *c, const uint8_t *m, size_t len, size_t off)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->len = len;
	c->pos = c->limit = off;
}

/* Steps to the next label: returns its length (1..63) with *lab pointing at
 * its bytes, 0 at the end of the name, or -EINVAL: cut short, reserved label
 * type, pointer not strictly backwards, over 255 octets. */
static int cur_next(struct name_cur *c, const uint8_t **lab)
{
	for (;;) {
		uint8_t l;

		if (c->pos >= c->len)
			return -EINVAL;
		l = c->m[c->pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (c->pos + 1 >= c->len)
				return -EINVAL;
			target = (size_t)(l & 0x3f) << 8 | c->m[c->pos + 1];
			/* A target at or after the start of the run we are in
			 * could lead back to this pointer: refuse it. */
			if (target >= c->limit || ++c->jumps > DNS_MAX_JUMPS)
				return -EINVAL;
			if (!c->jumped)
				c->next = c->pos + 2;
			c->jumped = true;
			c->pos = c->limit = target;
			continue;
		}
		if (l & 0xc0) /* 01 and 10: extended/reserved label types */
			return -EINVAL;
		c->wire += 1u + l;
		if (c->wire > DNS_NAME_MAX)
			return -EINVAL;
		if (l == 0) {
			if (!c->jumped)
				c->next = c->pos + 1;
			return 0;
		}
		if (c->pos + 1 + l > c->len)
			return -EINVAL;
		*lab = c->m + c->pos + 1;
		c->pos += 1u + l;
		return l;
	}
}

/*
 * Reads the name at m[off..) into out (presentation form, may be NULL to
 * only validate). *next is set to the offset just after the name where it
 * sits (after the first pointer, if any). Returns 0 or -EINVAL (see
 * cur_next).
 */
static int read_name(const uint8_t *m, size_t len, size_t off, size_t *next, char *out,
		     size_t outsz)
{
	struct name_cur c;
	const uint8_t *lab = NULL;
	size_t olen = 0;
	bool cut = false, first = true;
	int l;

	cur_init(&c, m, len, off);
	while ((l = cur_next(&c, &lab)) > 0) {
		for (int i = 0; out && i < l; i++)
			put_byte(out, outsz, &olen, &cut, !first && i == 0, lab[i]);
		first = false;
	}
	if (l < 0)
		return l;
	*next = c.next;
	if (out)
		out[olen] = '\0';
	return 0;
}

static uint8_t ascii_lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + 32) : b;
}

/* Whether the names at a and b are equal, ASCII case aside (RFC 4343), on
 * the wire: no decoding. Two walks reaching the same offset share the rest. */
static bool name_eq(const uint8_t *m, size_t len, size_t a, size_t b)
{
	struct name_cur ca, cb;
	const uint8_t *la = NULL, *lb = NULL;
	int na, nb;

	cur_init(&ca, m, len, a);
	cur_init(&cb, m, len, b);
	for (;;) {
		if (ca.pos == cb.pos)
			return true;
		na = cur_next(&ca, &la);
		nb = cur_next(&cb, &lb);
		if (na < 0 || nb < 0 || na != nb)
			return false;
		if (na == 0)
			return true;
		for (int i = 0; i < na; i++)
			if (ascii_lower(la[i]) != ascii_lower(lb[i]))
				return false;
	}
}

/* Appends one complete answer to the results, or none of it: once an answer
 * does not fit the list is closed, so it stays a prefix of the answers. */
static void add_result(struct dns_msg *out, size_t *rlen, bool *full, const char *s, size_t n)
{
	if (*full)
		return;
	if (*rlen + n > sizeof(out->results) - 1) {
		*full = true;
		return;
	}
	memcpy(out->results + *rlen, s, n);
	*rlen += n;
	out->results[*rlen] = '\0';
}

/* Writes "::ffff:a.b.c.d;" (Sysmon's form of an A answer) into buf, which
 * has room for 24 bytes; returns its length. By hand: snprintf cost more
 * than the rest of the parse. */
static size_t fmt_a(char *buf, const uint8_t a[4])
{
	size_t n;

	memcpy(buf, "::ffff:", 7);
	n = 7 + fmt_ipv4(buf + 7, a);
	buf[n++] = ';'; /* over fmt_ipv4's NUL */
	return n;
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

/* One resource record of the answer section. */
struct dns_rr {
	size_t owner; /* offset of the owner name */
	uint16_t type, class, rdlen;
	size_t rd; /* offset of RDATA */
};

/* Reads the record at *pos and moves *pos past it. Returns 0, or -EINVAL
 * when it is cut or its owner name is malformed. */
static int next_rr(const uint8_t *m, size_t len, size_t *pos, struct dns_rr *rr)
{
	size_t next;

	if (read_name(m, len, *pos, &next, NULL, 0) || next + 10 > len)
		return -EINVAL;
	rr->owner = *pos;
	rr->type = be16(m + next);
	rr->class = be16(m + next + 2);
	rr->rdlen = be16(m + next + 8);
	rr->rd = next + 10;
	if (rr->rd + rr->rdlen > len)
		return -EINVAL;
	*pos = rr->rd + rr->rdlen;
	return 0;
}

/* The target of a CNAME record: it may be compressed, but its own bytes
 * must stay inside the RDATA. */
static int cname_target(const uint8_t *m, size_t len, const struct dns_rr *rr, char *out,
			size_t outsz)
{
	size_t end;

	if (rr->class != DNS_C_IN || rr->type != DNS_T_CNAME)
		return -EINVAL;
	if (read_name(m, len, rr->rd, &end, out, outsz) || end > rr->rd + rr->rdlen)
		return -EINVAL;
	return 0;
}

/* The names an address answer may belong to: the question and the CNAME
 * targets reached from it, by their offsets in the message. Compared without
 * case (resolvers may answer in another case than asked, RFC 4343). */
#define DNS_CHAIN_MAX 8

struct dns_chain {
	size_t off[DNS_CHAIN_MAX];
	unsigned n;
};

static bool chain_has(const uint8_t *m, size_t len, const struct dns_chain *ch, size_t name)
{
	for (unsigned i = 0; i < ch->n; i++)
		if (name_eq(m, len, ch->off[i], name))
			return true;
	return false;
}

/*
 * Reads the answer section at pos. Stops quietly at the first record that is
 * cut or malformed: what came before it is still good telemetry.
 * QueryResults lists every A/AAAA/CNAME answer, as the resolver gave them;
 * addrs only those whose owner is the question or in its CNAME chain, since
 * the cache will file them under the question's name and a server must not
 * be able to name addresses it was not asked about.
 */
static void parse_answers(const uint8_t *m, size_t len, size_t start, unsigned ancount,
			  struct dns_msg *out, bool have_q, size_t q_off)
{
	/* "type:  5 " + a name of up to 255 characters + ";" + NUL. */
	char text[9 + DNS_NAME_MAX + 2];
	struct dns_chain ch;
	struct dns_rr rr;
	size_t rlen = 0, pos = start;
	unsigned n_cname = 0;
	bool full = false, grew, skipped;

	for (unsigned i = 0; i < ancount && next_rr(m, len, &pos, &rr) == 0; i++) {
		const uint8_t *a = m + rr.rd;

		if (rr.class != DNS_C_IN)
			continue;
		if (rr.type == DNS_T_A && rr.rdlen == 4) {
			add_result(out, &rlen, &full, text, fmt_a(text, a));
		} else if (rr.type == DNS_T_AAAA && rr.rdlen == 16) {
			size_t n;

			if (!inet_ntop(AF_INET6, a, text, INET6_ADDRSTRLEN))
				continue;
			n = strlen(text);
			text[n++] = ';';
			add_result(out, &rlen, &full, text, n);
		} else if (cname_target(m, len, &rr, text + 9, sizeof(text) - 10) == 0) {
			size_t n = 9 + strlen(text + 9);

			n_cname++;
			memcpy(text, "type:  5 ", 9);
			text[n++] = ';';
			add_result(out, &rlen, &full, text, n);
		}
	}
	if (rlen == 0)
		strcpy(out->results, "-");
	if (!have_q)
		return;

	/* The chain, to a fixed point: CNAMEs need not come in order, so
	 * another round runs while one added a name and another CNAME was
	 * passed over. Each round adds a name or ends: at most DNS_CHAIN_MAX. */
	ch.off[0] = q_off;
	ch.n = 1;
	skipped = n_cname > 0;
	grew = skipped;
	while (grew && skipped && ch.n < DNS_CHAIN_MAX) {
		grew = skipped = false;
		pos = start;
		for (unsigned i = 0;
		     i < ancount && ch.n < DNS_CHAIN_MAX && next_rr(m, len, &pos, &rr) == 0; i++) {
			if (cname_target(m, len, &rr, NULL, 0) || chain_has(m, len, &ch, rr.rd))
				continue;
			if (!chain_has(m, len, &ch, rr.owner)) {
				skipped = true; /* may join once a later one is in */
				continue;
			}
			ch.off[ch.n++] = rr.rd;
			grew = true;
		}
	}

	pos = start;
	for (unsigned i = 0; i < ancount && next_rr(m, len, &pos, &rr) == 0; i++) {
		if (rr.class != DNS_C_IN || !chain_has(m, len, &ch, rr.owner))
			continue;
		if (rr.type == DNS_T_A && rr.rdlen == 4)
			add_addr(out, AF_INET, m + rr.rd, 4);
		else if (rr.type == DNS_T_AAAA && rr.rdlen == 16)
			add_addr(out, AF_INET6, m + rr.rd, 16);
	}
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
		parse_answers(m, len, pos, ancount, out, qdcount > 0, DNS_HDR_LEN);
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
