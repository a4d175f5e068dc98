/*
 * envelope.h — the signed request of a fleet query, and its checks.
 *
 * On the wire a request is one line of JSON, the payload, then '\n' and the
 * base64 ed25519 signature over exactly the payload's bytes:
 *
 *   {"v":1,"kind":"hunt","sql":"SELECT ...","ts":1733380000000,
 *    "nonce":"<32 hex>","key":"SHA256:<32 hex>","max_rows":10000,
 *    "max_bytes":4194304,"hosts":"web-*","skip":["web-1","web-7"]}
 *   <88 characters of base64>
 *
 * The signature covers the bytes as sent, so no canonical re-encoding is
 * needed to verify; the payload is written by fleet__env_payload in that
 * fixed field order. "hosts" is an fnmatch(3) glob over the responder's
 * Computer ("" or absent: every host); it is signed, so a host outside it
 * stays silent. "skip" (optional, signed too) names Computers that stay
 * silent as well: a client asking again for the hosts it has not heard from
 * (`vigil hunt --retry`) lists those it has, so a re-asked query costs the
 * fleet one signature check per host that already answered. A responder that
 * predates "skip" answers again; the client keeps the first whole answer.
 * A responder checks, in this order, and refuses with:
 *   "unsigned"      no signature line;
 *   "malformed"     the payload is not a v1 envelope;
 *   "unknown key"   "key" is not one of its trusted keys;
 *   "bad signature" the signature does not verify with that key;
 *   (then a host outside "hosts", or in "skip", drops the request silently)
 *   "expired"       ts is more than FLEET_WINDOW_MS before or after its clock;
 *   "replayed"      the nonce was seen within the replay window;
 *   "replay cache full"  every slot holds a nonce still in its window.
 * The replay cache keeps a nonce for 2 x FLEET_WINDOW_MS after it was first
 * accepted (so its ts has long expired when it is forgotten) in a fixed
 * number of slots. When all slots are live it refuses rather than forgets
 * one: forgetting would let that request be replayed. Only signed requests
 * from trusted keys reach the cache, so only a key holder can fill it.
 */
#ifndef VIGIL_FLEET_ENVELOPE_H
#define VIGIL_FLEET_ENVELOPE_H

#include "common/strbuf.h"
#include "fleet/keys.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLEET_WINDOW_MS	   60000
#define FLEET_REPLAY_SLOTS 16384
#define FLEET_SQL_MAX	   (64u << 10)
#define FLEET_SKIP_MAX	   (64u << 10)

enum fleet_kind { FLEET_HUNT, FLEET_STATUS };

struct fleet_env {
	enum fleet_kind kind;
	char sql[FLEET_SQL_MAX];
	uint64_t ts_ms;
	char nonce[33];
	char key[FLEET_FPR_LEN + 1];
	uint64_t max_rows;
	uint64_t max_bytes;
	char hosts[256];
	/* "skip": the names one after another, each NUL-terminated; skip_len
	 * bytes in all (0: none). */
	char skip[FLEET_SKIP_MAX];
	size_t skip_len;
};

/* Adds name to e->skip; -E2BIG when it does not fit (that host then answers
 * again, which the client ignores). */
int fleet__env_skip_add(struct fleet_env *e, const char *name);

enum fleet_verdict {
	FV_OK,
	FV_UNSIGNED,
	FV_MALFORMED,
	FV_UNKNOWN_KEY,
	FV_BAD_SIGNATURE,
	FV_NOT_FOR_US, /* outside "hosts": no answer */
	FV_EXPIRED,
	FV_REPLAYED,
	FV_CACHE_FULL,
};

/* The refusal reason sent back ("unsigned", ...); "" for FV_OK. */
const char *fleet__verdict_str(enum fleet_verdict v);

struct fleet_replay {
	pthread_mutex_t lock;
	size_t cap;
	struct {
		uint8_t nonce[16];
		uint64_t until_ms; /* 0: free */
	} * slot;
};

int fleet__replay_init(struct fleet_replay *r, size_t cap);
void fleet__replay_free(struct fleet_replay *r);

/* Fills e->nonce (random) and e->key from k, and appends the request
 * (payload, '\n', signature) to out. Returns 0 or -errno. */
int fleet__env_sign(struct fleet_env *e, const struct fleet_key *k, struct strbuf *out);

/* Checks a request msg[0..len) as described at the top, for a responder
 * named computer at wall-clock time now_ms. On FV_OK the nonce is now
 * remembered. e is filled as far as it could be parsed (e->key names the key
 * of a refusal when there was one). */
enum fleet_verdict fleet__env_check(const char *msg, size_t len, const struct fleet_trust *t,
				    struct fleet_replay *r, const char *computer, uint64_t now_ms,
				    struct fleet_env *e);

/* Wall clock, ms since the epoch. */
uint64_t fleet__now_ms(void);

#endif
