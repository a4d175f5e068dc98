/*
 * sink.c — output spec parsing and the sink vtable dispatch; see sink.h.
 */
#include "sinks/sink.h"

#include "common/json.h"
#include "common/log.h"
#include "sinks/sinkopt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct spec_kind {
	const char *prefix; /* matched at the start of the spec */
	const struct sink_ops *ops;
};

static const struct spec_kind kinds[] = {
    {"jsonl:", &sink_jsonl_ops},  {"sqlite:", &sink_sqlite_ops},
    {"syslog", &sink_syslog_ops}, /* syslog, syslog:udp://..., syslog?mode=... */
    {"nats://", &sink_nats_ops},  {"console:", &sink_console_ops},
};

static const struct spec_kind *find_kind(const char *spec, const char **arg)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);
		if (strncmp(spec, kinds[i].prefix, n) == 0) {
			*arg = spec + n;
			return &kinds[i];
		}
	}
	return NULL;
}

/*
 * Takes `format=V` out of the spec's `?k=v&...` options into *fmt and writes
 * the rest of arg to out, so that each sink parses only its own options.
 * Returns 0, or -EINVAL after printing why (a bad value, or a format on an
 * output that is not JSON-capable).
 */
static int split_format(const struct spec_kind *k, const char *spec, const char *arg, char *out,
			size_t outsz, enum rec_format *fmt)
{
	const char *q = strchr(arg, '?'), *p;
	size_t len;
	bool any = false;

	char shown[1024];

	sinkopt__redact(spec, shown, sizeof(shown)); /* messages never show a password */
	*fmt = RECFMT_SYSMON;
	if (strlen(arg) >= outsz) {
		fprintf(stderr, "vigil: output '%s' is too long\n", shown);
		return -EINVAL;
	}
	if (q == NULL) {
		strcpy(out, arg);
		return 0;
	}
	len = (size_t)(q - arg);
	memcpy(out, arg, len);
	for (p = q + 1; *p;) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);

		if (n >= 7 && strncmp(p, "format=", 7) == 0) {
			char v[16] = "";

			if (n - 7 < sizeof(v))
				memcpy(v, p + 7, n - 7);
			if (n - 7 >= sizeof(v) || rec_format__parse(v, fmt) < 0) {
				fprintf(stderr,
					"vigil: output '%s': format must be sysmon, ocsf or ecs\n",
					shown);
				return -EINVAL;
			}
			if (k->ops == &sink_sqlite_ops) {
				fprintf(stderr,
					"vigil: output '%s': format applies to jsonl, syslog and "
					"nats outputs\n",
					shown);
				return -EINVAL;
			}
		} else if (n > 0) {
			out[len++] = any ? '&' : '?';
			memcpy(out + len, p, n);
			len += n;
			any = true;
		}
		p += n + (amp != NULL);
	}
	out[len] = '\0';
	return 0;
}

int sink__check_spec(const char *spec)
{
	const struct spec_kind *k;
	const char *arg;
	char rest[4096];
	enum rec_format fmt;

	if (strcmp(spec, "default") == 0)
		return 0;
	k = find_kind(spec, &arg);
	if (k == NULL) {
		char shown[1024];
		sinkopt__redact(spec, shown, sizeof(shown));
		fprintf(stderr,
			"vigil: unknown output '%s' (expected jsonl:PATH, jsonl:-, sqlite:PATH, "
			"syslog[:udp://H:P|tcp://H:P|unix:PATH], nats://H:P, console:-, "
			"console:PATH, default)\n",
			shown);
		return -EINVAL;
	}
	if (split_format(k, spec, arg, rest, sizeof(rest), &fmt) < 0)
		return -EINVAL;
	arg = rest;
	if (k->ops->check != NULL)
		return k->ops->check(arg);
	if (*arg == '\0') {
		fprintf(stderr, "vigil: output '%s' needs a target after the ':'\n", spec);
		return -EINVAL;
	}
	return 0;
}

static int open_one(const struct spec_kind *k, const char *spec, const char *arg,
		    const struct sink_env *env, struct sink ***v, size_t *n)
{
	struct sink *s;
	struct sink **nv;
	char rest[4096], shown[4096];
	enum rec_format fmt;
	int err;

	if (split_format(k, spec, arg, rest, sizeof(rest), &fmt) < 0)
		return -EINVAL;
	arg = rest;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->ops = k->ops;
	s->format = fmt;
	/* Only the redacted form is kept: status, logs and events use it. */
	sinkopt__redact(spec, shown, sizeof(shown));
	s->spec = strdup(shown);
	if (s->spec == NULL) {
		free(s);
		return -ENOMEM;
	}
	/* Output<N><Kind>: N is the position among the opened outputs, so
	 * the names stay the same for the same command line. */
	snprintf(s->label, sizeof(s->label), "Output%zu%c%s", *n + 1, k->ops->kind[0] - 'a' + 'A',
		 k->ops->kind + 1);
	err = k->ops->open(s, arg, env);
	if (err < 0) {
		free(s->spec);
		free(s);
		return err;
	}
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (nv == NULL) {
		sink__close(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

int sink__open_spec(const char *spec, const struct sink_env *env, struct sink ***v, size_t *n)
{
	const struct spec_kind *k;
	const char *arg;
	char path[4096];

	if (strcmp(spec, "default") == 0) {
		/* The embedded defaults: everything kept under the state dir. */
		int err;

		snprintf(path, sizeof(path), "jsonl:%s/events.jsonl", env->state_dir);
		err = sink__open_spec(path, env, v, n);
		if (err < 0)
			return err;
		snprintf(path, sizeof(path), "sqlite:%s/vigil.db", env->state_dir);
		return sink__open_spec(path, env, v, n);
	}
	k = find_kind(spec, &arg);
	if (k == NULL)
		return -EINVAL;
	return open_one(k, spec, arg, env, v, n);
}

/* One counter for every output's stamps (struct sink_order). */
static atomic_uint_fast64_t order_clock;

/* Raises *field to a new stamp. Two threads stamping one field at once
 * may store out of order, so the larger stamp is kept. */
static void order_stamp(atomic_uint_fast64_t *field)
{
	uint_fast64_t now = atomic_fetch_add(&order_clock, 1) + 1;
	uint_fast64_t cur = atomic_load(field);

	while (cur < now && !atomic_compare_exchange_weak(field, &cur, now))
		;
}

void sink_order__lost(struct sink_order *o)
{
	order_stamp(&o->lost);
}

void sink_order__delivered(struct sink_order *o)
{
	order_stamp(&o->delivered);
}

bool sink_order__clean(struct sink_order *o)
{
	return atomic_load(&o->delivered) > atomic_load(&o->lost);
}

void sink__lost(struct sink *s, uint64_t dropped, uint64_t errors)
{
	s->st.dropped += dropped;
	s->st.errors += errors;
	sink_order__lost(&s->order);
}

int sink__write(struct sink *s, const struct vrec *rec)
{
	int err = s->ops->write(s, rec);

	s->st.in++;
	if (err < 0)
		sink__lost(s, 1, 0);
	else
		s->st.written++;
	return err;
}

void sink__serialize(const struct sink *s, struct strbuf *sb, const struct vrec *rec)
{
	rec_format__add(sb, rec, s->format);
}

int sink__health_check(struct sink *s, uint64_t now_ms, char *msg, size_t n)
{
	struct sink_health *h = &s->health;
	uint64_t bad = s->st.dropped + s->st.errors;

	/* Recovery is read from the output's own order of loss and delivery
	 * (struct sink_order), which holds across the hold time: an idle
	 * sensor may deliver nothing after it ends. A loss counted here that
	 * its output did not stamp is put at now, so its recovery can only be
	 * told late, never early. */
	if (bad != h->last_bad) {
		h->bad_pending = true;
		if (atomic_load(&s->order.lost) == h->seen_lost)
			sink_order__lost(&s->order);
	}
	h->last_bad = bad;
	h->seen_lost = atomic_load(&s->order.lost);
	if (h->last_event_ms != 0 && now_ms - h->last_event_ms < SINK_HEALTH_HOLD_MS)
		return 0;
	if (!h->failing && (h->bad_pending || s->st.down)) {
		h->failing = true;
		h->bad_pending = false;
		h->last_event_ms = now_ms;
		snprintf(msg, n,
			 "output %s (%s) is failing%s: %llu records dropped, %llu errors, %llu "
			 "spooled so far",
			 s->label, s->spec, s->st.down ? " (cannot reach its server)" : "",
			 (unsigned long long)s->st.dropped, (unsigned long long)s->st.errors,
			 (unsigned long long)s->st.spooled);
		return 1;
	}
	if (h->failing && !s->st.down && sink_order__clean(&s->order)) {
		h->failing = false;
		h->bad_pending = false;
		h->last_event_ms = now_ms;
		snprintf(msg, n,
			 "output %s (%s) recovered: delivering again; %llu records dropped, %llu "
			 "errors, %llu spooled in all",
			 s->label, s->spec, (unsigned long long)s->st.dropped,
			 (unsigned long long)s->st.errors, (unsigned long long)s->st.spooled);
		return -1;
	}
	h->bad_pending = false; /* more loss while failing: the same episode */
	return 0;
}

void sink__add_health(struct sink *s, struct vrec *r)
{
	/* Field names must outlive the record: kept per sink, built once. */
	static const char *const suffix[7] = {"In",	 "Written",  "Dropped",	    "Errors",
					      "Spooled", "Replayed", "SpoolCorrupt"};
	const uint64_t v[7] = {s->st.in,      s->st.written,  s->st.dropped,	  s->st.errors,
			       s->st.spooled, s->st.replayed, s->st.spool_corrupt};

	for (int k = 0; k < 7; k++) {
		if (s->health_names[k][0] == '\0')
			snprintf(s->health_names[k], sizeof(s->health_names[k]), "%s%s", s->label,
				 suffix[k]);
		vrec__add_dyn_uint(r, s->health_names[k], v[k]);
	}
}

void sink__status(const struct sink *s, struct strbuf *out, bool json)
{
	const struct sink_stats *t = &s->st;

	if (json) {
		strbuf__adds(out, "{\"name\":");
		json__add_str(out, s->label, strlen(s->label));
		strbuf__adds(out, ",\"spec\":");
		json__add_str(out, s->spec, strlen(s->spec));
		strbuf__addf(out,
			     ",\"in\":%llu,\"written\":%llu,\"dropped\":%llu,\"errors\":%llu,"
			     "\"spooled\":%llu,\"replayed\":%llu,\"spool_corrupt\":%llu,"
			     "\"failing\":%s}",
			     (unsigned long long)t->in, (unsigned long long)t->written,
			     (unsigned long long)t->dropped, (unsigned long long)t->errors,
			     (unsigned long long)t->spooled, (unsigned long long)t->replayed,
			     (unsigned long long)t->spool_corrupt,
			     s->health.failing ? "true" : "false");
		return;
	}
	strbuf__addf(out,
		     "output %s %s: in %llu, written %llu, dropped %llu, errors %llu, spooled "
		     "%llu, replayed %llu, spool_corrupt %llu%s\n",
		     s->label, s->spec, (unsigned long long)t->in, (unsigned long long)t->written,
		     (unsigned long long)t->dropped, (unsigned long long)t->errors,
		     (unsigned long long)t->spooled, (unsigned long long)t->replayed,
		     (unsigned long long)t->spool_corrupt, s->health.failing ? " (failing)" : "");
}

int sink__flush(struct sink *s)
{
	return s->ops->flush ? s->ops->flush(s) : 0;
}

void sink__close(struct sink *s)
{
	if (s == NULL)
		return;
	if (s->ops->close)
		s->ops->close(s);
	free(s->spec);
	free(s);
}

int sink__reopen(struct sink *s)
{
	int err;

	if (s->ops->reopen == NULL)
		return 0;
	err = s->ops->reopen(s);
	return err < 0 ? err : 1;
}
