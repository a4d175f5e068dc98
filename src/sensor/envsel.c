/*
 * envsel.c — the environment variables of a new process that change how
 * it runs (LD_PRELOAD, HISTFILE=/dev/null, PROMPT_COMMAND, ...), picked
 * out of the block the exec program copies.
 *
 * The kernel copies as much of the block as the record has room for
 * (VG_ENV_MAX); what it could not copy is unseen, and the field says so
 * with a trailing "…" rather than passing a partial view off as whole.
 * PATH is in the default set but shown only when risky: every process has
 * one, and only a relative or world-writable entry lets a planted binary
 * win the lookup (T1574.007).
 */
#include "sensor/envsel.h"

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define ELLIPSIS "\xe2\x80\xa6"

struct out {
	char *p;
	size_t size, len;
	bool cut;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->size == 0)
		return;
	if (o->len + n >= o->size) {
		n = o->size - 1 - o->len;
		o->cut = true;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* A value with ';' and '\' escaped, so the pairs split unambiguously. */
static void put_value(struct out *o, const char *v, size_t n)
{
	bool cut = n > ENVSEL_VALUE_MAX;

	if (cut)
		n = ENVSEL_VALUE_MAX;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == ';' || v[i] == '\\')
			put(o, "\\", 1);
		put(o, v + i, 1);
	}
	if (cut) {
		put(o, ELLIPSIS, 3);
		o->cut = true;
	}
}

#define PATH_CACHE 32
#define PATH_TTL_S 5

static struct {
	char dir[128];
	time_t at;
	bool writable;
} cache[PATH_CACHE];
static unsigned cache_next;

static bool world_writable(const char *dir, size_t n)
{
	struct stat st;
	char buf[128];
	time_t now = time(NULL);
	bool w;

	if (n >= sizeof(buf))
		return false; /* not cached, not worth a stat per exec */
	memcpy(buf, dir, n);
	buf[n] = '\0';
	for (unsigned i = 0; i < PATH_CACHE; i++)
		if (cache[i].at != 0 && now - cache[i].at < PATH_TTL_S &&
		    strcmp(cache[i].dir, buf) == 0)
			return cache[i].writable;
	w = stat(buf, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_IWOTH);
	memcpy(cache[cache_next].dir, buf, n + 1);
	cache[cache_next].at = now;
	cache[cache_next].writable = w;
	cache_next = (cache_next + 1) % PATH_CACHE;
	return w;
}

bool envsel__path_risky(const char *v, size_t len)
{
	size_t i = 0;

	while (i <= len) {
		const char *e = memchr(v + i, ':', len - i);
		size_t n = e ? (size_t)(e - (v + i)) : len - i;

		if (n == 0 || v[i] != '/')
			return true; /* "", ".", "bin": resolved from the cwd */
		if (world_writable(v + i, n))
			return true;
		i += n + 1;
		if (e == NULL)
			break;
	}
	return false;
}

size_t envsel__pick(const char *blk, size_t len, bool whole, const char *const *names,
		    size_t nnames, char *out, size_t outsz, bool *cut)
{
	struct out o = {.p = out, .size = outsz};
	size_t i = 0;
	bool any = false, shown_cut = false;

	if (outsz > 0)
		out[0] = '\0';
	while (i < len) {
		const char *ent = blk + i;
		const char *end = memchr(ent, '\0', len - i);
		size_t n = end ? (size_t)(end - ent) : len - i;
		const char *eq = memchr(ent, '=', n);
		bool partial = end == NULL && !whole;

		i += n + 1;
		if (eq == NULL)
			continue;
		for (size_t k = 0; k < nnames; k++) {
			size_t nl = strlen(names[k]);
			const char *v = eq + 1;
			size_t vl = n - (size_t)(v - ent);

			if ((size_t)(eq - ent) != nl || memcmp(ent, names[k], nl) != 0)
				continue;
			if (nl == 4 && memcmp(ent, "PATH", 4) == 0 && !partial &&
			    !envsel__path_risky(v, vl))
				break;
			if (any)
				put(&o, ";", 1);
			put(&o, ent, nl + 1);
			put_value(&o, v, vl);
			if (partial) {
				put(&o, ELLIPSIS, 3);
				o.cut = shown_cut = true;
			}
			any = true;
			break;
		}
	}
	if (!whole && !shown_cut) {
		/* Variables past what the kernel copied are unseen. */
		if (any)
			put(&o, ";", 1);
		put(&o, ELLIPSIS, 3);
		o.cut = true;
	} else if (!any) {
		put(&o, "-", 1);
	}
	*cut = o.cut;
	return o.len;
}
