/*
 * hashes.h — image hashes for Hashes fields, cached by file identity.
 *
 * Hashing a binary costs milliseconds; a busy host execs the same few
 * hundred binaries all day. Results are cached by (device, inode, size,
 * mtime), so a file is hashed again only when it changed. The cache is a
 * fixed-size table (bounded memory); a collision simply replaces the older
 * entry. The output string is Sysmon's: "SHA256=HEX" or, for several
 * algorithms, "MD5=...,SHA1=...,SHA256=..." in that order, uppercase hex.
 */
#ifndef VIGIL_HASHES_H
#define VIGIL_HASHES_H

#include <stddef.h>
#include <stdint.h>

#define HASH_MD5       0x1
#define HASH_SHA1      0x2
#define HASH_SHA256    0x4
#define HASHES_STR_MAX 200

struct file_key {
	uint64_t dev, ino, size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

struct hash_cache;

/* Creates a cache of `slots` entries (rounded up to a power of two).
 * Returns NULL with errno set. */
struct hash_cache *hash_cache__new(size_t slots, unsigned algos);
void hash_cache__free(struct hash_cache *hc);
/* Changes the algorithms (a config reload); clears the cache. */
void hash_cache__set_algos(struct hash_cache *hc, unsigned algos);

/* Hashes of the file at path (or, when that cannot be opened, alt_path,
 * e.g. /proc/PID/exe for a deleted or memfd image). key may be NULL, in
 * which case the file is fstat'ed for it. Writes the Hashes string into out
 * and returns 0, or returns -errno and writes "-". */
int hash_cache__get(struct hash_cache *hc, const char *path, const char *alt_path,
		    const struct file_key *key, char out[HASHES_STR_MAX]);

/* Hashes an open file descriptor from its start (no caching). */
int hashes__fd(int fd, unsigned algos, char out[HASHES_STR_MAX]);

struct hash_cache_stats {
	uint64_t hits, misses, errors;
};
void hash_cache__stats(const struct hash_cache *hc, struct hash_cache_stats *st);

#endif
