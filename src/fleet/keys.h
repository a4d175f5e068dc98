/*
 * keys.h — the fleet's ed25519 keys (OpenSSL libcrypto): key pair
 * generation, the trusted-keys set a responder checks signatures against,
 * signing and verifying.
 *
 * A key's fingerprint is "SHA256:" followed by the hex of the first 16
 * bytes of SHA-256 over the raw 32-byte public key (39 characters). It
 * names the key in the envelope and in every log line about a query; the
 * signature, not the fingerprint, is what proves the sender, so 128 bits
 * are plenty to pick the key.
 */
#ifndef VIGIL_FLEET_KEYS_H
#define VIGIL_FLEET_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define FLEET_FPR_LEN	  39 /* "SHA256:" + 32 hex */
#define FLEET_SIG_LEN	  64
#define FLEET_MAX_TRUSTED 256

struct fleet_key; /* an ed25519 key, private or public */

struct fleet_trust {
	int n;
	struct fleet_key *keys[FLEET_MAX_TRUSTED];
};

/* Writes PREFIX.key (private, PEM PKCS#8, created fresh 0600 with
 * O_EXCL|O_NOFOLLOW) and PREFIX.pub (public, PEM, 0644, also fresh), and
 * the fingerprint into fpr. Returns 0 or -errno (-EEXIST when either file
 * exists; nothing is left behind on failure). */
int fleet__keygen(const char *prefix, char fpr[FLEET_FPR_LEN + 1]);

/* Loads a private key (PEM). Returns NULL with errno set. */
struct fleet_key *fleet__load_private(const char *path);
void fleet__key_free(struct fleet_key *k);
const char *fleet__key_fpr(const struct fleet_key *k);

/* Loads the trusted public keys from PATH: a file of one or more PEM
 * public keys, or a directory whose *.pub files each hold one. err gets a
 * one-line reason on failure. Returns 0 or -errno; an empty set is -ENOENT. */
int fleet__trust_load(struct fleet_trust *t, const char *path, char *err, size_t errsz);
void fleet__trust_free(struct fleet_trust *t);
/* The trusted key with that fingerprint, or NULL. */
const struct fleet_key *fleet__trust_find(const struct fleet_trust *t, const char *fpr);

/* Ed25519 signature of msg[0..len). Returns 0 or -EINVAL. */
int fleet__sign(const struct fleet_key *k, const void *msg, size_t len, uint8_t sig[FLEET_SIG_LEN]);
/* True when sig is k's signature over msg[0..len). */
int fleet__verify(const struct fleet_key *k, const void *msg, size_t len,
		  const uint8_t sig[FLEET_SIG_LEN]);

#endif
