/*
 * keys.c — ed25519 keys for the fleet; see keys.h.
 */
#include "fleet/keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fleet_key {
	EVP_PKEY *pkey;
	char fpr[FLEET_FPR_LEN + 1];
};

static int set_fpr(struct fleet_key *k)
{
	uint8_t raw[32], md[32];
	size_t len = sizeof(raw);
	unsigned mdlen = 0;

	if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &len) != 1 || len != 32 ||
	    EVP_Digest(raw, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return -EINVAL;
	memcpy(k->fpr, "SHA256:", 7);
	for (int i = 0; i < 16; i++)
		snprintf(k->fpr + 7 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static struct fleet_key *wrap(EVP_PKEY *pkey)
{
	struct fleet_key *k;

	if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		errno = EINVAL;
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	k->pkey = pkey;
	if (set_fpr(k) < 0) {
		fleet__key_free(k);
		errno = EINVAL;
		return NULL;
	}
	return k;
}

void fleet__key_free(struct fleet_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *fleet__key_fpr(const struct fleet_key *k)
{
	return k->fpr;
}

/* Writes a PEM with writer() to a file created fresh with mode. */
static int write_pem(const char *path, mode_t mode, EVP_PKEY *pkey, int private)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	FILE *f;
	int ok;

	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0) { /* the umask must not widen or narrow it */
		int e = errno;
		close(fd);
		unlink(path);
		return -e;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		int e = errno;
		close(fd);
		unlink(path);
		return -e;
	}
	ok = private ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
		     : PEM_write_PUBKEY(f, pkey);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

int fleet__keygen(const char *prefix, char fpr[FLEET_FPR_LEN + 1])
{
	char kpath[4096], ppath[4096];
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx;
	struct fleet_key *k;
	int err;

	if (snprintf(kpath, sizeof(kpath), "%s.key", prefix) >= (int)sizeof(kpath) ||
	    snprintf(ppath, sizeof(ppath), "%s.pub", prefix) >= (int)sizeof(ppath))
		return -ENAMETOOLONG;
	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return -EIO;
	}
	EVP_PKEY_CTX_free(ctx);
	k = wrap(pkey);
	if (k == NULL)
		return -EIO;
	err = write_pem(kpath, 0600, k->pkey, 1);
	if (err == 0) {
		err = write_pem(ppath, 0644, k->pkey, 0);
		if (err < 0)
			unlink(kpath);
	}
	if (err == 0)
		memcpy(fpr, k->fpr, FLEET_FPR_LEN + 1);
	fleet__key_free(k);
	return err;
}

struct fleet_key *fleet__load_private(const char *path)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *pkey;

	if (f == NULL)
		return NULL;
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return wrap(pkey);
}

/* Adds every PEM public key of one file. Returns how many, or -errno. */
static int load_pub_file(struct fleet_trust *t, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *pkey;
	int n = 0;

	if (f == NULL) {
		int e = errno;
		snprintf(err, errsz, "%s: %s", path, strerror(e));
		return -e;
	}
	while ((pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL)) != NULL) {
		struct fleet_key *k = wrap(pkey);

		if (k == NULL) {
			snprintf(err, errsz, "%s: key %d is not an ed25519 public key", path,
				 n + 1);
			fclose(f);
			return -EINVAL;
		}
		if (t->n >= FLEET_MAX_TRUSTED) {
			fleet__key_free(k);
			snprintf(err, errsz, "%s: more than %d trusted keys", path,
				 FLEET_MAX_TRUSTED);
			fclose(f);
			return -E2BIG;
		}
		t->keys[t->n++] = k;
		n++;
	}
	fclose(f);
	if (n == 0) {
		snprintf(err, errsz, "%s: no PEM public key in it", path);
		return -EINVAL;
	}
	return n;
}

int fleet__trust_load(struct fleet_trust *t, const char *path, char *err, size_t errsz)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int r = 0;

	memset(t, 0, sizeof(*t));
	if (stat(path, &st) < 0) {
		int e = errno;
		snprintf(err, errsz, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		r = load_pub_file(t, path, err, errsz);
		if (r < 0)
			fleet__trust_free(t);
		return r < 0 ? r : 0;
	}
	d = opendir(path);
	if (d == NULL) {
		int e = errno;
		snprintf(err, errsz, "%s: %s", path, strerror(e));
		return -e;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char p[4096];

		if (len < 5 || strcmp(de->d_name + len - 4, ".pub") != 0 || de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		r = load_pub_file(t, p, err, errsz);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r >= 0 && t->n == 0) {
		snprintf(err, errsz, "%s: no *.pub file in it", path);
		r = -ENOENT;
	}
	if (r < 0) {
		fleet__trust_free(t);
		return r;
	}
	return 0;
}

void fleet__trust_free(struct fleet_trust *t)
{
	for (int i = 0; i < t->n; i++)
		fleet__key_free(t->keys[i]);
	t->n = 0;
}

const struct fleet_key *fleet__trust_find(const struct fleet_trust *t, const char *fpr)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->keys[i]->fpr, fpr) == 0)
			return t->keys[i];
	return NULL;
}

int fleet__sign(const struct fleet_key *k, const void *msg, size_t len, uint8_t sig[FLEET_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t slen = FLEET_SIG_LEN;
	int ok;

	if (ctx == NULL)
		return -ENOMEM;
	/* Ed25519 hashes the message itself: no digest is named. */
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &slen, msg, len) == 1 && slen == FLEET_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

int fleet__verify(const struct fleet_key *k, const void *msg, size_t len,
		  const uint8_t sig[FLEET_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, FLEET_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}
