/*
 * sink.h — where records go: one small vtable, one file per sink.
 *
 * A sink is opened from an output spec (`jsonl:PATH`, `jsonl:-`, `sqlite:PATH`,
 * `syslog[:...]`, `nats://...`, or `default`, which expands to the embedded
 * default outputs in the state dir). write() is called on the event-path
 * thread and must never block for long: sinks that talk to the network copy
 * the record into their own bounded queue and do their I/O on their own
 * thread. A sink that cannot take a record returns an error and counts it as
 * dropped; the caller counts it too and carries on.
 */
#ifndef VIGIL_SINK_H
#define VIGIL_SINK_H

#include "common/record.h"

#include <stdbool.h>
#include <stdint.h>

struct sink_env {
	const char *state_dir; /* e.g. /var/lib/vigil */
	const char *computer;  /* host name */
	const char *syslog_ident;
	const char *syslog_provider;
	bool sysmon_compat; /* syslog: use Sysmon for Linux's header values */
};

struct sink_stats {
	uint64_t written;
	uint64_t dropped;
	uint64_t errors;
	uint64_t queue_depth;
	/* Network sinks, updated at flush(): records the server acknowledged,
	 * records that went through the disk spool, and the added latency
	 * write→ack (µs) at the 50th and 99th percentile. */
	uint64_t acked;
	uint64_t spooled;
	uint64_t lat_p50_us;
	uint64_t lat_p99_us;
};

struct sink;

struct sink_ops {
	const char *kind;
	/* Optional: validates arg (the spec after the prefix) without opening
	 * anything; returns 0 or -EINVAL after printing why to stderr. */
	int (*check)(const char *arg);
	/* arg is the part of the spec after the kind's prefix. Returns 0 or
	 * -errno, after logging one clear line. */
	int (*open)(struct sink *s, const char *arg, const struct sink_env *env);
	int (*write)(struct sink *s, const struct vrec *rec);
	int (*flush)(struct sink *s);
	void (*close)(struct sink *s);
	/* Optional: closes and reopens the output by name (SIGUSR1, `vigil
	 * rotate`), for logrotate's move-then-signal. Returns 0 or -errno. */
	int (*reopen)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	void *priv;
	char *spec;
	struct sink_stats st;
};

/* Checks an output spec's syntax without opening anything. Returns 0, or
 * -EINVAL after printing why to stderr. */
int sink__check_spec(const char *spec);

/* Opens the sink(s) named by spec and appends them to *v (*n entries).
 * "default" may expand to several. Returns 0 or -errno (logged). */
int sink__open_spec(const char *spec, const struct sink_env *env, struct sink ***v, size_t *n);

int sink__write(struct sink *s, const struct vrec *rec);
int sink__flush(struct sink *s);
void sink__close(struct sink *s);
/* Reopens a sink that can (ops->reopen); 1 when it did, 0 when the sink has
 * nothing to reopen, -errno on failure. */
int sink__reopen(struct sink *s);

/* The sinks that exist. Each lives in its own file. */
extern const struct sink_ops sink_jsonl_ops;
extern const struct sink_ops sink_sqlite_ops;
extern const struct sink_ops sink_syslog_ops;
extern const struct sink_ops sink_nats_ops;
extern const struct sink_ops sink_console_ops;

#endif
