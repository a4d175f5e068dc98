/*
 * dstream.h — the pieces of `vigil detect` (Sigma over a JetStream stream)
 * that are pure logic, kept apart so unit tests can reach them: which
 * worker a message goes to, the stable id of an alert, and the per-batch
 * ack bookkeeping.
 *
 * Partitioning: a message goes to worker hash(Computer) mod N (FNV-1a 64 of
 * the Computer value as the JSON carries it), so all of a host's events
 * reach the same worker, in stream order, and per-host correlations see
 * every event of their host. Stable across runs and worker counts only in
 * the sense that matters: the alert set does not depend on N.
 *
 * Alert id: the first 16 bytes of SHA-256 over the rule (its id, or its
 * title when it has none), the triggering event's Computer and the
 * triggering message's identity (its Nats-Msg-Id header, which the NATS
 * output makes unique per record, else Computer:SequenceNumber), as 32 hex
 * digits. A redelivered message that triggers the same rule again (after a
 * crash between writing an alert and acking its message) produces the same
 * id, so a consumer can drop the duplicate.
 */
#ifndef VIGIL_DSTREAM_H
#define VIGIL_DSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DSTREAM_ID_LEN 32 /* hex digits, without the NUL */

/* The worker (0..n-1) for a host name of len bytes. n must be >= 1. */
unsigned dstream__partition(const char *computer, size_t len, unsigned n);

/* Finds the top-level "Computer" string of a flat JSON event object
 * (as the outputs write it) without parsing the whole object: sets *out
 * and *len to its raw text (escapes kept; the hash only needs it stable).
 * Returns 0, or -ENOENT when there is none (such messages go to worker 0). */
int dstream__computer(const char *js, size_t n, const char **out, size_t *len);

/* Writes the alert id (DSTREAM_ID_LEN hex digits and a NUL) into out. */
void dstream__alert_id(const char *rule, const char *computer, const char *msg_id,
		       char out[DSTREAM_ID_LEN + 1]);

/* Ack bookkeeping for one fetched batch: a message may be acked once every
 * stage that holds it (its partition's worker, and the fleet-wide stage
 * when there is one) is done with it and the alerts it caused are written.
 * pending[i] counts the stages still holding message i. */
struct dstream_batch {
	unsigned n;
	unsigned char pending[];
};

/* A new batch of n messages, each held by `stages` stages. NULL on ENOMEM. */
struct dstream_batch *dstream__batch_new(unsigned n, unsigned stages);
/* One stage is done with message i. Returns true when nothing holds it any
 * more (it may be acked once the outputs are flushed). */
bool dstream__batch_done(struct dstream_batch *b, unsigned i);
/* Messages of the batch still held by some stage. */
unsigned dstream__batch_held(const struct dstream_batch *b);

#endif
