/*
 * envelope.c — signing and checking fleet requests; see envelope.h.
 */
#include "fleet/envelope.h"

#include "common/json.h"

#include <errno.h>
#include <fnmatch.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static const char *const verdicts[] = {
    [FV_OK] = "",
    [FV_UNSIGNED] = "unsigned",
    [FV_MALFORMED] = "malformed",
    [FV_UNKNOWN_KEY] = "unknown key",
    [FV_BAD_SIGNATURE] = "bad signature",
    [FV_NOT_FOR_US] = "not for this host",
    [FV_EXPIRED] = "expired",
    [FV_REPLAYED] = "replayed",
    [FV_CACHE_FULL] = "replay cache full",
};

const char *fleet__verdict_str(enum fleet_verdict v)
{
	return (unsigned)v < sizeof(verdicts) / sizeof(verdicts[0]) ? verdicts[v] : "?";
}

uint64_t fleet__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int fleet__replay_init(struct fleet_replay *r, size_t cap)
{
	r->slot = calloc(cap, sizeof(*r->slot));
	if (r->slot == NULL)
		return -ENOMEM;
	r->cap = cap;
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

void fleet__replay_free(struct fleet_replay *r)
{
	if (r->slot == NULL)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->slot);
	r->slot = NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2n lowercase hex digits → out[n]. Returns 0 or -EINVAL. */
static int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return s[2 * n] == '\0' ? 0 : -EINVAL;
}

/* Remembers nonce until now + 2 windows; FV_REPLAYED if it is there. */
static enum fleet_verdict replay_note(struct fleet_replay *r, const char *hex, uint64_t now_ms)
{
	uint8_t nonce[16];
	size_t free_slot = SIZE_MAX;
	enum fleet_verdict v = FV_OK;

	if (unhex(hex, nonce, sizeof(nonce)) < 0)
		return FV_MALFORMED;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->cap; i++) {
		if (r->slot[i].until_ms <= now_ms) {
			r->slot[i].until_ms = 0;
			if (free_slot == SIZE_MAX)
				free_slot = i;
			continue;
		}
		if (memcmp(r->slot[i].nonce, nonce, sizeof(nonce)) == 0) {
			v = FV_REPLAYED;
			break;
		}
	}
	if (v == FV_OK && free_slot == SIZE_MAX)
		v = FV_CACHE_FULL;
	if (v == FV_OK) {
		memcpy(r->slot[free_slot].nonce, nonce, sizeof(nonce));
		r->slot[free_slot].until_ms = now_ms + 2 * FLEET_WINDOW_MS;
	}
	pthread_mutex_unlock(&r->lock);
	return v;
}

static void payload(const struct fleet_env *e, struct strbuf *sb)
{
	strbuf__addf(
	    sb, "{\"v\":1,\"kind\":\"%s\",\"sql\":", e->kind == FLEET_STATUS ? "status" : "hunt");
	json__add_str(sb, e->sql, strlen(e->sql));
	strbuf__addf(sb,
		     ",\"ts\":%llu,\"nonce\":\"%s\",\"key\":\"%s\",\"max_rows\":%llu,"
		     "\"max_bytes\":%llu,\"hosts\":",
		     (unsigned long long)e->ts_ms, e->nonce, e->key,
		     (unsigned long long)e->max_rows, (unsigned long long)e->max_bytes);
	json__add_str(sb, e->hosts, strlen(e->hosts));
	if (e->skip_len > 0) {
		strbuf__adds(sb, ",\"skip\":[");
		for (size_t off = 0; off < e->skip_len;) {
			size_t n = strlen(e->skip + off);

			if (off > 0)
				strbuf__addc(sb, ',');
			json__add_str(sb, e->skip + off, n);
			off += n + 1;
		}
		strbuf__addc(sb, ']');
	}
	strbuf__addc(sb, '}');
}

int fleet__env_skip_add(struct fleet_env *e, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || e->skip_len + n + 1 > sizeof(e->skip))
		return -E2BIG;
	memcpy(e->skip + e->skip_len, name, n + 1);
	e->skip_len += n + 1;
	return 0;
}

/* "skip", when present, is an array of non-empty strings that fits e->skip. */
static bool get_skip(struct json_object *o, struct fleet_env *e)
{
	struct json_object *v;
	size_t n;

	e->skip_len = 0;
	if (!json_object_object_get_ex(o, "skip", &v))
		return true;
	if (!json_object_is_type(v, json_type_array))
		return false;
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);

		if (s == NULL || !json_object_is_type(s, json_type_string) ||
		    memchr(json_object_get_string(s), '\0',
			   (size_t)json_object_get_string_len(s)) != NULL ||
		    fleet__env_skip_add(e, json_object_get_string(s)) < 0)
			return false;
	}
	return true;
}

static bool skipped(const struct fleet_env *e, const char *computer)
{
	for (size_t off = 0; off < e->skip_len; off += strlen(e->skip + off) + 1)
		if (strcmp(e->skip + off, computer) == 0)
			return true;
	return false;
}

int fleet__env_sign(struct fleet_env *e, const struct fleet_key *k, struct strbuf *out)
{
	uint8_t rnd[16], sig[FLEET_SIG_LEN];
	unsigned char b64[4 * ((FLEET_SIG_LEN + 2) / 3) + 1];
	size_t start = out->len;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(e->nonce + 2 * i, 3, "%02x", rnd[i]);
	snprintf(e->key, sizeof(e->key), "%s", fleet__key_fpr(k));
	payload(e, out);
	if (fleet__sign(k, out->buf + start, out->len - start, sig) < 0)
		return -EINVAL;
	EVP_EncodeBlock(b64, sig, FLEET_SIG_LEN);
	strbuf__addc(out, '\n');
	strbuf__adds(out, (const char *)b64);
	return 0;
}

static bool get_str(struct json_object *o, const char *name, char *out, size_t size, bool required)
{
	struct json_object *v;
	size_t len;

	if (!json_object_object_get_ex(o, name, &v)) {
		out[0] = '\0';
		return !required;
	}
	if (!json_object_is_type(v, json_type_string))
		return false;
	len = (size_t)json_object_get_string_len(v);
	if (len >= size || memchr(json_object_get_string(v), '\0', len))
		return false;
	memcpy(out, json_object_get_string(v), len + 1);
	return true;
}

static bool get_u64(struct json_object *o, const char *name, uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_uint64(v);
	return json_object_get_int64(v) >= 0;
}

static enum fleet_verdict parse(const char *p, size_t len, struct fleet_env *e)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	char kind[16];
	uint64_t v = 0;
	bool ok;

	if (tok == NULL)
		return FV_MALFORMED;
	o = json_tokener_parse_ex(tok, p, (int)len);
	ok = o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	     (size_t)json_tokener_get_parse_end(tok) == len &&
	     json_object_is_type(o, json_type_object);
	json_tokener_free(tok);
	/* The key first, so that a refusal names it even if the rest is bad. */
	ok = ok && get_str(o, "key", e->key, sizeof(e->key), true);
	ok = ok && get_u64(o, "v", &v) && v == 1;
	ok = ok && get_str(o, "kind", kind, sizeof(kind), true);
	ok = ok && (strcmp(kind, "hunt") == 0 || strcmp(kind, "status") == 0);
	e->kind = ok && strcmp(kind, "status") == 0 ? FLEET_STATUS : FLEET_HUNT;
	ok = ok && get_str(o, "sql", e->sql, sizeof(e->sql), e->kind == FLEET_HUNT);
	ok = ok && get_u64(o, "ts", &e->ts_ms);
	ok = ok && get_str(o, "nonce", e->nonce, sizeof(e->nonce), true) && strlen(e->nonce) == 32;
	ok = ok && get_u64(o, "max_rows", &e->max_rows) && get_u64(o, "max_bytes", &e->max_bytes);
	ok = ok && get_str(o, "hosts", e->hosts, sizeof(e->hosts), false);
	ok = ok && get_skip(o, e);
	json_object_put(o);
	return ok ? FV_OK : FV_MALFORMED;
}

enum fleet_verdict fleet__env_check(const char *msg, size_t len, const struct fleet_trust *t,
				    struct fleet_replay *r, const char *computer, uint64_t now_ms,
				    struct fleet_env *e)
{
	const char *nl = memchr(msg, '\n', len);
	unsigned char b64[89], raw[66];
	size_t plen, slen;
	const struct fleet_key *k;
	enum fleet_verdict v;

	memset(e->key, 0, sizeof(e->key));
	e->sql[0] = '\0';
	e->skip_len = 0;
	if (nl == NULL)
		return FV_UNSIGNED;
	plen = (size_t)(nl - msg);
	slen = len - plen - 1;
	while (slen > 0 && (nl[slen] == '\n' || nl[slen] == '\r' || nl[slen] == ' '))
		slen--;
	if (slen == 0)
		return FV_UNSIGNED;
	v = parse(msg, plen, e);
	if (v != FV_OK)
		return v;
	k = fleet__trust_find(t, e->key);
	if (k == NULL)
		return FV_UNKNOWN_KEY;
	/* 64 bytes are 88 base64 characters ending "==". */
	if (slen != 88 || nl[87] != '=' || nl[88] != '=')
		return FV_BAD_SIGNATURE;
	memcpy(b64, nl + 1, 88);
	b64[88] = '\0';
	if (EVP_DecodeBlock(raw, b64, 88) != 66 || !fleet__verify(k, msg, plen, raw))
		return FV_BAD_SIGNATURE;
	if ((e->hosts[0] != '\0' && fnmatch(e->hosts, computer, 0) != 0) || skipped(e, computer))
		return FV_NOT_FOR_US;
	if (e->ts_ms + FLEET_WINDOW_MS < now_ms || e->ts_ms > now_ms + FLEET_WINDOW_MS)
		return FV_EXPIRED;
	return replay_note(r, e->nonce, now_ms);
}
