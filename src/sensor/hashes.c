/*
 * hashes.c — cached file hashing with OpenSSL EVP; see hashes.h.
 */
#include "sensor/hashes.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Files bigger than this are not hashed ("-"): hashing a multi-GiB file
 * would stall the event path for seconds. */
#define HASH_MAX_FILE (256ull << 20)

struct hash_entry {
	struct file_key key;
	unsigned algos;
	char str[HASHES_STR_MAX];
};

struct hash_cache {
	size_t mask;
	unsigned algos;
	struct hash_entry *e;
	struct hash_cache_stats st;
};

struct hash_cache *hash_cache__new(size_t slots, unsigned algos)
{
	struct hash_cache *hc = calloc(1, sizeof(*hc));
	size_t n = 16;

	if (hc == NULL)
		return NULL;
	while (n < slots)
		n <<= 1;
	hc->e = calloc(n, sizeof(*hc->e));
	if (hc->e == NULL) {
		free(hc);
		return NULL;
	}
	hc->mask = n - 1;
	hc->algos = algos ? algos : HASH_SHA256;
	return hc;
}

void hash_cache__free(struct hash_cache *hc)
{
	if (hc == NULL)
		return;
	free(hc->e);
	free(hc);
}

void hash_cache__set_algos(struct hash_cache *hc, unsigned algos)
{
	hc->algos = algos ? algos : HASH_SHA256;
	memset(hc->e, 0, (hc->mask + 1) * sizeof(*hc->e));
}

static void hex_upper(const unsigned char *d, unsigned n, char *out)
{
	static const char hx[] = "0123456789ABCDEF";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int hashes__fd(int fd, unsigned algos, char out[HASHES_STR_MAX])
{
	static const struct {
		unsigned bit;
		const char *name;
		const EVP_MD *(*md)(void);
	} algs[] = {
	    {HASH_MD5, "MD5", EVP_md5},
	    {HASH_SHA1, "SHA1", EVP_sha1},
	    {HASH_SHA256, "SHA256", EVP_sha256},
	};
	EVP_MD_CTX *ctx[3] = {NULL, NULL, NULL};
	unsigned char buf[65536];
	int err = 0;
	size_t used = 0;
	ssize_t n;

	strcpy(out, "-");
	for (int i = 0; i < 3; i++) {
		if (!(algos & algs[i].bit))
			continue;
		ctx[i] = EVP_MD_CTX_new();
		if (ctx[i] == NULL || !EVP_DigestInit_ex(ctx[i], algs[i].md(), NULL)) {
			err = -ENOMEM;
			goto out;
		}
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		for (int i = 0; i < 3; i++)
			if (ctx[i])
				EVP_DigestUpdate(ctx[i], buf, (size_t)n);
	}
	out[0] = '\0';
	for (int i = 0; i < 3; i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;

		if (!ctx[i])
			continue;
		EVP_DigestFinal_ex(ctx[i], md, &mdlen);
		used += (size_t)snprintf(out + used, HASHES_STR_MAX - used,
					 "%s%s=", used ? "," : "", algs[i].name);
		if (used + 2 * mdlen + 1 > HASHES_STR_MAX)
			break;
		hex_upper(md, mdlen, out + used);
		used += 2 * mdlen;
	}
out:
	for (int i = 0; i < 3; i++)
		EVP_MD_CTX_free(ctx[i]);
	if (err)
		strcpy(out, "-");
	return err;
}

static size_t slot_of(const struct hash_cache *hc, const struct file_key *k)
{
	uint64_t h = k->dev * 0x9e3779b97f4a7c15ull ^ k->ino * 0xc2b2ae3d27d4eb4full ^ k->size ^
		     (uint64_t)k->mtime_sec * 0x165667b19e3779f9ull ^ k->mtime_nsec;
	h ^= h >> 29;
	return (size_t)h & hc->mask;
}

static void key_of(const struct stat *st, struct file_key *k)
{
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = (uint64_t)st->st_size;
	k->mtime_sec = st->st_mtim.tv_sec;
	k->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
}

int hash_cache__get(struct hash_cache *hc, const char *path, const char *alt_path,
		    const struct file_key *key, char out[HASHES_STR_MAX])
{
	struct file_key k;
	struct hash_entry *e;
	struct stat st;
	int fd = -1, err;
	const struct file_key *kernel_key = key;

	strcpy(out, "-");
	if (key) {
		k = *key;
	} else if (path && path[0] == '/' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		/* No identity from the kernel (ImageLoad, FileExecutableDetected):
		 * the path's, by one stat rather than open, fstat and close. It is
		 * what the open below would see a moment later, so a hit here
		 * is the hit that would have been. A library every process maps
		 * (libc) is a hit at each exec. */
		key_of(&st, &k);
		key = &k;
	}
	if (key) {
		e = &hc->e[slot_of(hc, &k)];
		if (e->algos == hc->algos && memcmp(&e->key, &k, sizeof(k)) == 0) {
			hc->st.hits++;
			memcpy(out, e->str, HASHES_STR_MAX);
			return 0;
		}
	}
	/* One fstat per file opened: every call here is a syscall on the
	 * event path, and each is dear on a VM. */
	if (path && path[0] == '/')
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0 &&
	    (fstat(fd, &st) != 0 || (kernel_key && (uint64_t)st.st_ino != kernel_key->ino))) {
		/* The path now names another file (replaced after exec). */
		close(fd);
		fd = -1;
	}
	if (fd < 0 && alt_path) {
		fd = open(alt_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd >= 0 && fstat(fd, &st) != 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		hc->st.errors++;
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > HASH_MAX_FILE) {
		close(fd);
		hc->st.errors++;
		return -EINVAL;
	}
	key_of(&st, &k);
	e = &hc->e[slot_of(hc, &k)];
	if (e->algos == hc->algos && memcmp(&e->key, &k, sizeof(k)) == 0) {
		close(fd);
		hc->st.hits++;
		memcpy(out, e->str, HASHES_STR_MAX);
		return 0;
	}
	hc->st.misses++;
	err = hashes__fd(fd, hc->algos, out);
	close(fd);
	if (err) {
		hc->st.errors++;
		return err;
	}
	e->key = k;
	e->algos = hc->algos;
	memcpy(e->str, out, HASHES_STR_MAX);
	return 0;
}

void hash_cache__stats(const struct hash_cache *hc, struct hash_cache_stats *st)
{
	*st = hc->st;
}
