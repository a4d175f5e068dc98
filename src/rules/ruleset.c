/*
 * ruleset.c — the public face of a Sysmon configuration (rules.h): loading,
 * identity (path, SHA256), options (hash algorithms, FieldSizes) and the
 * questions the sensor and `vigil coverage` ask per event type. Parsing is in
 * parse.c (and parse_caps.c), compiling in compile.c, matching in match.c.
 */
#include "rules/rules_int.h"
#include "rules/caps_int.h"

#include "common/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define MAX_CONFIG_BYTES (64u << 20)

static uint64_t next_gen(void)
{
	static uint64_t gen;

	return __atomic_add_fetch(&gen, 1, __ATOMIC_RELAXED);
}

static struct ruleset *rs_new(const char *path)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->path = strdup(path);
	if (rs->path == NULL) {
		free(rs);
		return NULL;
	}
	rs->gen = next_gen();
	rs->hash_algs = RULES_HASH_SHA256;
	snprintf(rs->sha256, sizeof(rs->sha256), "-");
	return rs;
}

static void sha256_hex(const char *buf, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		snprintf(out, 65, "-");
		return;
	}
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02X", md[i]);
}

static void set_err(struct rules_error *err, const char *file, int line, const char *msg)
{
	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

struct ruleset *ruleset__load_buf(const char *buf, size_t len, const char *name,
				  struct rules_error *err)
{
	struct rules_error dummy;
	struct ruleset *rs;
	int rc;

	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (name == NULL)
		name = "(config)";
	if (buf == NULL || len > MAX_CONFIG_BYTES) {
		set_err(err, name, 0,
			buf ? "configuration larger than 64 MiB" : "no configuration");
		errno = EINVAL;
		return NULL;
	}
	rs = rs_new(name);
	if (rs == NULL) {
		set_err(err, name, 0, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	rc = rules__parse(rs, buf, len, name, err);
	if (rc == 0)
		rc = rules__compile(rs, err);
	if (rc) {
		ruleset__free(rs);
		errno = rc == -ENOMEM ? ENOMEM : EINVAL;
		return NULL;
	}
	sha256_hex(buf, len, rs->sha256);
	return rs;
}

struct ruleset *ruleset__load_file(const char *path, struct rules_error *err)
{
	struct rules_error dummy;
	struct ruleset *rs;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, saved;

	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		saved = errno;
		set_err(err, path, 0, strerror(saved));
		if (fd >= 0)
			close(fd);
		errno = saved;
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_CONFIG_BYTES) {
		set_err(err, path, 0,
			S_ISREG(st.st_mode) ? "configuration larger than 64 MiB"
					    : "not a regular file");
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		set_err(err, path, 0, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	saved = errno;
	close(fd);
	if (len < (size_t)st.st_size) {
		set_err(err, path, 0, "short read");
		free(buf);
		errno = saved ? saved : EIO;
		return NULL;
	}
	rs = ruleset__load_buf(buf, len, path, err);
	saved = errno;
	free(buf);
	errno = saved;
	return rs;
}

struct ruleset *ruleset__builtin(void)
{
	struct ruleset *rs = rs_new("(builtin)");

	if (rs == NULL)
		errno = ENOMEM;
	return rs;
}

void ruleset__free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	rules__release(rs);
	free(rs->path);
	free(rs);
}

enum rules_mode ruleset__event_mode(const struct ruleset *rs, unsigned event_id)
{
	const struct vevent_def *def = schema__event(event_id);
	const struct revent *ev;

	if (def == NULL)
		return RULES_MODE_NONE;
	if (!(def->flags & EVF_FILTER))
		return RULES_MODE_ALL;
	ev = rs ? rs->ev[event_id] : NULL;
	if (ev == NULL)
		return (event_id == EV_PROCESS_CREATE || event_id == EV_PROCESS_TERMINATE)
			   ? RULES_MODE_ALL
			   : RULES_MODE_NONE;
	if (ev->has_incl)
		return ev->nincl == 0 ? RULES_MODE_NONE : RULES_MODE_SOME;
	return ev->nexcl == 0 ? RULES_MODE_ALL : RULES_MODE_SOME;
}

size_t ruleset__kernel_image_excludes(const struct ruleset *rs, unsigned event_id,
				      const char *const **paths)
{
	const struct revent *ev = rs && event_id < VIGIL_EVENT_ID_MAX ? rs->ev[event_id] : NULL;

	if (ev == NULL || ev->nkexcl == 0) {
		if (paths)
			*paths = NULL;
		return 0;
	}
	if (paths)
		*paths = ev->kexcl;
	return ev->nkexcl;
}

unsigned ruleset__hash_algorithms(const struct ruleset *rs)
{
	return rs ? rs->hash_algs : RULES_HASH_SHA256;
}

size_t ruleset__field_size(const struct ruleset *rs, enum vf_id f)
{
	if (rs == NULL || f <= VF_NONE || f >= VF__COUNT)
		return 0;
	return rs->field_size[f];
}

void ruleset__apply_field_sizes(const struct ruleset *rs, struct vrec *rec)
{
	if (rs == NULL || rec == NULL)
		return;
	for (unsigned i = 0; i < rec->nset; i++) {
		enum vf_id f = rec->set[i];
		size_t max = rs->field_size[f], l;
		const char *s = rec->v[f].s;

		if (max == 0 || s == NULL || rec->v[f].len <= max)
			continue;
		/* Cut on a UTF-8 character boundary, never inside a sequence. */
		l = max;
		while (l > 0 && utf8__is_cont((unsigned char)s[l]))
			l--;
		rec->v[f].len = (uint32_t)l;
	}
}

const char *ruleset__path(const struct ruleset *rs)
{
	return rs ? rs->path : "(builtin)";
}

const char *ruleset__sha256(const struct ruleset *rs)
{
	return rs ? rs->sha256 : "-";
}

void ruleset__event_summary(const struct ruleset *rs, unsigned event_id,
			    struct rules_event_summary *out)
{
	const struct revent *ev = rs && event_id < VIGIL_EVENT_ID_MAX ? rs->ev[event_id] : NULL;

	memset(out, 0, sizeof(*out));
	out->mode = ruleset__event_mode(rs, event_id);
	if (ev == NULL)
		return;
	out->n_include = ev->nsum_incl;
	out->n_exclude = ev->nsum_excl;
	out->include_names = ev->sum_incl;
	out->exclude_names = ev->sum_excl;
}

/* The config's <VigilCaps> (parse_caps.c) and <HealthInterval>. */
struct caps *ruleset__caps(const struct ruleset *rs)
{
	return rs && rs->caps && rs->caps->nrules ? rs->caps : NULL;
}

const char *ruleset__computer(const struct ruleset *rs)
{
	return rs && rs->computer[0] ? rs->computer : NULL;
}

int ruleset__check_computer(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);

	if (n == 0 || n > RULES_COMPUTER_MAX) {
		snprintf(why, whylen, "a computer name has 1 to %d characters, not %zu",
			 RULES_COMPUTER_MAX, n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '.' && c != '-' && c != '_') {
			snprintf(why, whylen,
				 "a computer name has only letters, digits, '.', '-' and '_': "
				 "byte %zu is 0x%02x",
				 i + 1, c);
			return -EINVAL;
		}
	}
	return 0;
}

int ruleset__health_interval(const struct ruleset *rs)
{
	return rs && rs->has_health_interval ? (int)rs->health_interval_s : -1;
}
