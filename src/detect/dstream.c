/*
 * dstream.c — partitioning, alert ids and ack bookkeeping for `vigil
 * detect`; see dstream.h.
 */
#include "detect/dstream.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

unsigned dstream__partition(const char *computer, size_t len, unsigned n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)computer[i];
		h *= 1099511628211ull;
	}
	return n <= 1 ? 0 : (unsigned)(h % n);
}

int dstream__computer(const char *js, size_t n, const char **out, size_t *len)
{
	static const char key[] = "\"Computer\":";
	size_t depth = 0;
	bool in_str = false;

	/* Walks the object tracking strings and nesting, so a "Computer" inside
	 * a value or a nested object is never taken for the event's. */
	for (size_t i = 0; i < n; i++) {
		char c = js[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == '"') {
			if (depth == 1 && n - i >= sizeof(key) - 1 &&
			    memcmp(js + i, key, sizeof(key) - 1) == 0) {
				size_t s = i + sizeof(key) - 1, e;

				while (s < n && (js[s] == ' ' || js[s] == '\t'))
					s++;
				if (s >= n || js[s] != '"')
					return -ENOENT;
				for (e = ++s; e < n && js[e] != '"'; e++)
					if (js[e] == '\\')
						e++;
				if (e >= n)
					return -ENOENT;
				*out = js + s;
				*len = e - s;
				return 0;
			}
			in_str = true;
		}
	}
	return -ENOENT;
}

void dstream__alert_id(const char *rule, const char *computer, const char *msg_id,
		       char out[DSTREAM_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE] = {0};
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* NUL separators: ("ab","c") and ("a","bc") must not collide. An
	 * allocation failure leaves an all-zero id: still an id, never a crash
	 * on the event path. */
	if (c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
		EVP_DigestUpdate(c, rule, strlen(rule) + 1);
		EVP_DigestUpdate(c, computer, strlen(computer) + 1);
		EVP_DigestUpdate(c, msg_id, strlen(msg_id) + 1);
		EVP_DigestFinal_ex(c, md, &mdlen);
	}
	EVP_MD_CTX_free(c);
	for (int i = 0; i < DSTREAM_ID_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[DSTREAM_ID_LEN] = '\0';
}

struct dstream_batch *dstream__batch_new(unsigned n, unsigned stages)
{
	struct dstream_batch *b = malloc(sizeof(*b) + (n ? n : 1));

	if (b == NULL)
		return NULL;
	b->n = n;
	memset(b->pending, (int)stages, n);
	return b;
}

bool dstream__batch_done(struct dstream_batch *b, unsigned i)
{
	if (i >= b->n || b->pending[i] == 0)
		return false;
	return --b->pending[i] == 0;
}

unsigned dstream__batch_held(const struct dstream_batch *b)
{
	unsigned k = 0;

	for (unsigned i = 0; i < b->n; i++)
		k += b->pending[i] != 0;
	return k;
}
