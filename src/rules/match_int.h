/*
 * match_int.h — the hashing that the compiler (compile.c) fills tables
 * with and the matcher (match.c) probes them with; both sides must agree
 * bit for bit, so it is written once, inline (it is on the event path).
 */
#ifndef VIGIL_MATCH_INT_H
#define VIGIL_MATCH_INT_H

#include "rules/rules_int.h"

#include <stdint.h>
#include <string.h>

/* Eight bytes per step (multiply and fold); the tail byte by byte. */
static inline uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 32);
}

/* Table index of a key hash: a full 64-bit mix first, because the rolling
 * hashes of similar values differ in few bits. */
static inline uint32_t slot_of_hash(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static inline const struct eqent *tab_find(const struct htab *t, uint64_t h, const char *s,
					   size_t len)
{
	if (t->ents == NULL)
		return NULL;
	for (uint32_t i = slot_of_hash(h) & t->mask;; i = (i + 1) & t->mask) {
		const struct eqent *e = &t->ents[i];

		if (e->s == NULL)
			return NULL;
		if (e->h == h && e->len == len && memcmp(e->s, s, len) == 0)
			return e;
	}
}

/* The rolling hashes of prefixes and suffixes: one step per byte, so every
 * prefix (suffix) length is hashed in a single pass. */
#define ROLL_K 0x100000001b3ull

static inline uint64_t roll_prefix(const char *s, size_t len)
{
	uint64_t h = 0;

	for (size_t i = 0; i < len; i++)
		h = h * ROLL_K + (unsigned char)s[i] + 1;
	return h;
}

static inline uint64_t roll_suffix(const char *s, size_t len)
{
	uint64_t h = 0;

	for (size_t i = len; i > 0; i--)
		h = h * ROLL_K + (unsigned char)s[i - 1] + 1;
	return h;
}

#endif
