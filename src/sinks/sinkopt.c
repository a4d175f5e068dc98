/*
 * sinkopt.c — output spec helpers; see sinkopt.h.
 */
#include "sinks/sinkopt.h"

#include "common/duration.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sinkopt__next(const char **p, char *key, size_t key_size, char *val, size_t val_size)
{
	const char *s = *p, *amp, *eq;
	size_t klen, vlen;

	if (s == NULL || *s == '\0')
		return 0;
	amp = strchr(s, '&');
	if (amp == NULL)
		amp = s + strlen(s);
	eq = memchr(s, '=', (size_t)(amp - s));
	if (eq == NULL || eq == s)
		return -EINVAL;
	klen = (size_t)(eq - s);
	vlen = (size_t)(amp - eq - 1);
	if (klen >= key_size || vlen >= val_size)
		return -EINVAL;
	memcpy(key, s, klen);
	key[klen] = '\0';
	memcpy(val, eq + 1, vlen);
	val[vlen] = '\0';
	*p = *amp ? amp + 1 : amp;
	return 1;
}

int sinkopt__size(const char *s, uint64_t *out)
{
	static const struct duration_unit units[] = {
	    {"", 1},	       {"k", 1ull << 10}, {"K", 1ull << 10}, {"m", 1ull << 20},
	    {"M", 1ull << 20}, {"g", 1ull << 30}, {"G", 1ull << 30},
	};

	/* A size is read like a duration: a number, then one unit. */
	return duration__parse(s, units, sizeof(units) / sizeof(units[0]), 0, UINT64_MAX, out);
}

int sinkopt__duration(const char *s, uint64_t *out)
{
	static const struct duration_unit units[] = {
	    {"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400},
	};

	return duration__parse(s, units, sizeof(units) / sizeof(units[0]), 0, UINT64_MAX, out);
}

int sinkopt__uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct duration_unit plain[] = {{"", 1}};

	return duration__parse(s, plain, 1, min, max, out);
}

int sinkopt__hostport(const char *s, size_t len, char *host, size_t host_size, unsigned *port)
{
	const char *colon, *h = s;
	size_t hlen;
	char pbuf[8];
	uint64_t p;

	if (len == 0)
		return -EINVAL;
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);
		if (rb == NULL || rb + 1 >= s + len || rb[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = NULL;
		for (size_t i = len; i-- > 0;)
			if (s[i] == ':') {
				colon = s + i;
				break;
			}
		if (colon == NULL)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= host_size)
		return -EINVAL;
	if ((size_t)(s + len - colon - 1) >= sizeof(pbuf) || s + len - colon - 1 == 0)
		return -EINVAL;
	memcpy(pbuf, colon + 1, (size_t)(s + len - colon - 1));
	pbuf[s + len - colon - 1] = '\0';
	if (sinkopt__uint(pbuf, 1, 65535, &p) < 0)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (unsigned)p;
	return 0;
}

int sinkopt__nats_servers(const char *s, size_t len, char (*urls)[600], char (*shown)[300], int max,
			  const char *what, const char *spec_shown)
{
	const char *p = s, *end = s + len;
	int n = 0;

	if (len == 0) {
		fprintf(stderr, "vigil: %s '%s' needs HOST:PORT\n", what, spec_shown);
		return -EINVAL;
	}
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t l = comma ? (size_t)(comma - p) : (size_t)(end - p);
		const char *at = NULL, *hp = p;
		char host[256], user[300] = "";
		bool v6;
		unsigned port;

		for (const char *c = p; c < p + l; c++)
			if (*c == '@')
				at = c;
		if (at != NULL) {
			if ((size_t)(at - p) == 0 || (size_t)(at - p) >= sizeof(user)) {
				fprintf(stderr, "vigil: %s '%s': bad credentials\n", what,
					spec_shown);
				return -EINVAL;
			}
			memcpy(user, p, (size_t)(at - p));
			user[at - p] = '\0';
			hp = at + 1;
		}
		if (n >= max ||
		    sinkopt__hostport(hp, (size_t)(p + l - hp), host, sizeof(host), &port) < 0) {
			fprintf(stderr,
				"vigil: %s '%s': bad server '%.*s' (expected "
				"[USER:PASSWORD@]HOST:PORT[,...], at most %d)\n",
				what, spec_shown, (int)(p + l - hp), hp, max);
			return -EINVAL;
		}
		v6 = strchr(host, ':') != NULL;
		snprintf(urls[n], sizeof(urls[0]), "nats://%s%s%s%s%s:%u", user, *user ? "@" : "",
			 v6 ? "[" : "", host, v6 ? "]" : "", port);
		sinkopt__redact(urls[n], shown[n], sizeof(shown[0]));
		n++;
		p += l + (comma ? 1 : 0);
	}
	return n;
}

void sinkopt__redact(const char *spec, char *out, size_t n)
{
	const char *auth = strstr(spec, "://");
	const char *end;
	size_t o = 0;

	if (n == 0)
		return;
#define PUT(p, len)                                                                                \
	do {                                                                                       \
		size_t l_ = (len);                                                                 \
		if (l_ > n - 1 - o)                                                                \
			l_ = n - 1 - o;                                                            \
		memcpy(out + o, (p), l_);                                                          \
		o += l_;                                                                           \
	} while (0)
	if (auth == NULL) {
		PUT(spec, strlen(spec));
		out[o] = '\0';
		return;
	}
	auth += 3;
	PUT(spec, (size_t)(auth - spec));
	end = auth + strcspn(auth, "?");
	while (auth < end) {
		const char *comma = memchr(auth, ',', (size_t)(end - auth));
		const char *eoe = comma ? comma : end, *at = NULL;

		for (const char *c = auth; c < eoe; c++)
			if (*c == '@')
				at = c;
		if (at != NULL) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon != NULL) /* user:password@: the user stays */
				PUT(auth, (size_t)(colon - auth + 1));
			PUT("***", 3);
			auth = at;
		}
		PUT(auth, (size_t)(eoe - auth));
		if (comma != NULL)
			PUT(",", 1);
		auth = comma ? comma + 1 : end;
	}
	PUT(end, strlen(end));
#undef PUT
	out[o] = '\0';
}
