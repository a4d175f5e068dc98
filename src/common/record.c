/*
 * record.c — the user-space event record; see record.h.
 */
#include "common/record.h"

#include "common/duration.h"
#include "common/strbuf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void vrec__reset(struct vrec *rec, const struct vevent_def *def)
{
	for (unsigned i = 0; i < rec->nset; i++)
		rec->v[rec->set[i]].s = NULL;
	rec->nset = 0;
	rec->ndyn = 0;
	rec->used = 0;
	rec->truncated = 0;
	rec->def = def;
	rec->seq = 0;
	rec->ts_ns = 0;
}

static void mark(struct vrec *rec, enum vf_id f)
{
	if (rec->v[f].s == NULL && rec->nset < VF__COUNT)
		rec->set[rec->nset++] = (uint8_t)f;
}

/* Copies into the arena, NUL-terminated; truncates when full. */
static const char *arena_copy(struct vrec *rec, const char *s, size_t *len)
{
	size_t room = VREC_ARENA - rec->used;
	char *dst;

	if (room == 0) {
		rec->truncated++;
		*len = 0;
		return "";
	}
	if (*len + 1 > room) {
		rec->truncated++;
		*len = room - 1;
	}
	dst = rec->arena + rec->used;
	memcpy(dst, s, *len);
	dst[*len] = '\0';
	rec->used += (uint32_t)*len + 1;
	return dst;
}

void vrec__set(struct vrec *rec, enum vf_id f, const char *s, size_t len)
{
	const char *p;

	if (f <= VF_NONE || f >= VF__COUNT)
		return;
	p = arena_copy(rec, s, &len);
	mark(rec, f);
	rec->v[f].s = p;
	rec->v[f].len = (uint32_t)len;
}

void vrec__set_str(struct vrec *rec, enum vf_id f, const char *s)
{
	vrec__set(rec, f, s ? s : "-", s ? strlen(s) : 1);
}

void vrec__set_ref(struct vrec *rec, enum vf_id f, const char *s, size_t len)
{
	if (f <= VF_NONE || f >= VF__COUNT)
		return;
	if (s == NULL) {
		s = "-";
		len = 1;
	}
	mark(rec, f);
	rec->v[f].s = s;
	rec->v[f].len = (uint32_t)len;
}

void vrec__set_int(struct vrec *rec, enum vf_id f, int64_t v)
{
	char buf[FMT_U64_MAX + 1];
	size_t n;

	if (v < 0) {
		buf[0] = '-';
		n = 1 + fmt_u64(buf + 1, (uint64_t)0 - (uint64_t)v);
	} else {
		n = fmt_u64(buf, (uint64_t)v);
	}
	vrec__set(rec, f, buf, n);
}

void vrec__set_uint(struct vrec *rec, enum vf_id f, uint64_t v)
{
	char buf[FMT_U64_MAX];

	vrec__set(rec, f, buf, fmt_u64(buf, v));
}

void vrec__setf(struct vrec *rec, enum vf_id f, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	vrec__set(rec, f, buf, (size_t)n);
}

const char *vrec__get(const struct vrec *rec, enum vf_id f, size_t *len)
{
	if (f <= VF_NONE || f >= VF__COUNT || rec->v[f].s == NULL)
		return NULL;
	if (len)
		*len = rec->v[f].len;
	return rec->v[f].s;
}

bool vrec__get_int(const struct vrec *rec, enum vf_id f, int64_t *out)
{
	char buf[32];
	size_t len;
	const char *s = vrec__get(rec, f, &len);
	char *end;

	if (s == NULL || len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtoll(buf, &end, 0);
	return *end == '\0';
}

void vrec__add_dyn(struct vrec *rec, const char *name, const char *s, size_t len, bool is_int)
{
	struct vrec_dyn *d;

	if (rec->ndyn >= VREC_MAX_DYN) {
		rec->truncated++;
		return;
	}
	d = &rec->dyn[rec->ndyn++];
	d->name = name;
	d->val.s = arena_copy(rec, s, &len);
	d->val.len = (uint32_t)len;
	d->is_int = is_int;
}

void vrec__add_dyn_uint(struct vrec *rec, const char *name, uint64_t v)
{
	char buf[FMT_U64_MAX];

	vrec__add_dyn(rec, name, buf, fmt_u64(buf, v), true);
}

void vrec__copy(struct vrec *dst, const struct vrec *src)
{
	vrec__reset(dst, src->def);
	dst->seq = src->seq;
	dst->ts_ns = src->ts_ns;
	dst->computer = src->computer;
	for (unsigned i = 0; i < src->nset; i++) {
		enum vf_id f = (enum vf_id)src->set[i];
		vrec__set(dst, f, src->v[f].s, src->v[f].len);
	}
	for (unsigned i = 0; i < src->ndyn; i++)
		vrec__add_dyn(dst, src->dyn[i].name, src->dyn[i].val.s, src->dyn[i].val.len,
			      src->dyn[i].is_int);
	dst->truncated += src->truncated;
}

void vrec__fmt_time(uint64_t ts_ns, char out[24])
{
	/* The seconds part of the last time formatted on this thread: records
	 * come in time order, so most share their second with the one before,
	 * and gmtime_r plus strftime were a twentieth of the sensor's CPU. */
	static __thread time_t last_secs = -1;
	static __thread char last[20];
	time_t secs = (time_t)(ts_ns / NSEC_PER_SEC);
	unsigned ms = (unsigned)((ts_ns / NSEC_PER_MSEC) % MSEC_PER_SEC);

	if (secs != last_secs) {
		struct tm tm;

		gmtime_r(&secs, &tm);
		/* 19 characters for years 1000-9999; the ".mmm" makes 23 + NUL. */
		if (strftime(last, sizeof(last), "%Y-%m-%d %H:%M:%S", &tm) != 19) {
			memcpy(out, "1970-01-01 00:00:00.000", 24);
			last_secs = -1;
			return;
		}
		last_secs = secs;
	}
	memcpy(out, last, 19);
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = '\0';
}
