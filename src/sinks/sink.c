/*
 * sink.c — output spec parsing and the sink vtable dispatch; see sink.h.
 */
#include "sinks/sink.h"

#include "common/log.h"

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

int sink__check_spec(const char *spec)
{
	const struct spec_kind *k;
	const char *arg;

	if (strcmp(spec, "default") == 0)
		return 0;
	k = find_kind(spec, &arg);
	if (k == NULL) {
		fprintf(stderr,
			"vigil: unknown output '%s' (expected jsonl:PATH, jsonl:-, sqlite:PATH, "
			"syslog[:udp://H:P|tcp://H:P|unix:PATH], nats://H:P, console:-, "
			"console:PATH, default)\n",
			spec);
		return -EINVAL;
	}
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
	struct sink *s = calloc(1, sizeof(*s));
	struct sink **nv;
	int err;

	if (s == NULL)
		return -ENOMEM;
	s->ops = k->ops;
	s->spec = strdup(spec);
	if (s->spec == NULL) {
		free(s);
		return -ENOMEM;
	}
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

int sink__write(struct sink *s, const struct vrec *rec)
{
	int err = s->ops->write(s, rec);

	if (err < 0)
		s->st.dropped++;
	else
		s->st.written++;
	return err;
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
