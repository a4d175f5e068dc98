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
#include "common/strbuf.h"
#include "formats/format.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct sink_env {
	const char *state_dir; /* e.g. /var/lib/vigil */
	const char *computer;  /* host name */
	const char *syslog_ident;
	const char *syslog_provider;
	bool sysmon_compat; /* syslog: use Sysmon for Linux's header values */
};

/* Accounting, the same for every output: each record given to write() is
 * counted once in `in`, and ends up in exactly one of written, dropped and
 * spooled, so in = written + dropped + spooled at every flush():
 *   written   taken by the output: written to its file or store, or
 *             handed to its sender (queued, sent, in flight);
 *   dropped   lost, counted: refused at write (queue full, too large), or a
 *             batch a full disk rolled back, or a record a network output
 *             gave up on later (spool full, a message id JetStream says it
 *             already has) — those move from written to dropped;
 *   spooled   put in the disk spool instead (NATS: server down or slow, or
 *             still unacknowledged at stop) — moved from written.
 * Outside the sum: errors (I/O failures; one may drop many records),
 * replayed (records delivered from the spool, this run's or an earlier
 * one's) and spool_corrupt (spooled records found damaged, skipped). */
struct sink_stats {
	uint64_t in;
	uint64_t written;
	uint64_t dropped;
	uint64_t errors;
	uint64_t spooled;
	uint64_t replayed;
	uint64_t spool_corrupt;
	bool down; /* the output cannot deliver now (server unreachable) */
	uint64_t queue_depth;
	/* Network sinks, updated at flush(): records the server acknowledged,
	 * records that went through the disk spool, and the added latency
	 * write→ack (µs) at the 50th and 99th percentile. */
	uint64_t acked;
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

/*
 * The order of an output's losses and deliveries, for its "recovered"
 * Error. Once-a-second counters cannot tell it: in a second that holds
 * both, the loss may have come last, and a sink that counts a record
 * written when it buffers it (JSONL, SQLite, the queues of syslog and
 * NATS) learns of the loss later, at its flush or from its sender. So each
 * output stamps both where they are certain: a loss where a record is
 * given up or an I/O call fails, a delivery where data reached the file,
 * the store or the server (a write(2) that took it all, a COMMIT, a send,
 * an ack). Its own threads stamp too. A stamp is a number from one
 * process-wide counter, so stamps of every thread are in one order, with
 * no clock to tie. 0: never.
 */
struct sink_order {
	atomic_uint_fast64_t lost, delivered;
};
void sink_order__lost(struct sink_order *o);
void sink_order__delivered(struct sink_order *o);
/* Whether the output has delivered since its last loss. */
bool sink_order__clean(struct sink_order *o);

/* Failing/recovered tracking for the Error (255) events; see
 * sink__health_check. */
struct sink_health {
	bool failing;
	bool bad_pending;
	uint64_t last_bad;
	uint_fast64_t seen_lost; /* order.lost at the last check */
	uint64_t last_event_ms;
};

struct sink {
	const struct sink_ops *ops;
	void *priv;
	char *spec;	/* as given, but with secrets hidden (sinkopt__redact) */
	char label[32]; /* "Output<N><Kind>", the SensorHealth field prefix */
	struct sink_stats st;
	/* `?format=sysmon|ocsf|ecs` on jsonl, syslog and nats specs: sink.c
	 * takes it off the spec before the sink sees the rest, and the sink
	 * serialises every record with sink__serialize(). */
	enum rec_format format;
	struct sink_health health;
	struct sink_order order;
	char health_names[7][48];
};

/* Checks an output spec's syntax without opening anything. Returns 0, or
 * -EINVAL after printing why to stderr. */
int sink__check_spec(const char *spec);

/* Opens the sink(s) named by spec and appends them to *v (*n entries).
 * "default" may expand to several. Returns 0 or -errno (logged). */
int sink__open_spec(const char *spec, const struct sink_env *env, struct sink ***v, size_t *n);

int sink__write(struct sink *s, const struct vrec *rec);
/* A loss seen on the event thread: records dropped and I/O errors are
 * counted and the loss stamped (struct sink_order) in one step, so no
 * count goes without its stamp. A sink's own threads count in their
 * counters and stamp with sink_order__lost. */
void sink__lost(struct sink *s, uint64_t dropped, uint64_t errors);
/* Appends rec as one JSON object in the sink's format (no newline). */
void sink__serialize(const struct sink *s, struct strbuf *sb, const struct vrec *rec);
/* Once a second on the event thread, after flush: returns 1 when the
 * output starts failing (records dropped, I/O errors, or down), -1 when a
 * failing output has delivered since its last loss (s->order), else 0; for 1 and -1 msg
 * gets the one line to log and emit. At most one
 * transition per output every SINK_HEALTH_HOLD_MS, so a flapping output
 * cannot flood the telemetry; what happened meanwhile shows at the next. */
#define SINK_HEALTH_HOLD_MS 10000
int sink__health_check(struct sink *s, uint64_t now_ms, char *msg, size_t n);
/* Appends the output's counters to a SensorHealth record as
 * <label>In/Written/Dropped/Errors/Spooled/Replayed/SpoolCorrupt. */
void sink__add_health(struct sink *s, struct vrec *r);
/* The same counters, for `vigil status`: one text line, or one JSON
 * object. */
void sink__status(const struct sink *s, struct strbuf *out, bool json);
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
