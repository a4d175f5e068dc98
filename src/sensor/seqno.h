/*
 * seqno.h — SequenceNumber: per host, monotonic, persisted across restarts.
 *
 * Numbers are handed out from a reserved block whose upper bound is written
 * (and fsync'ed) to the state dir before any number in it is used. A clean
 * stop records the exact last number; after a crash the sensor resumes
 * above the reserved bound, so numbers never repeat (gaps are possible, and
 * a gap says "the sensor died here").
 */
#ifndef VIGIL_SEQNO_H
#define VIGIL_SEQNO_H

#include <stdint.h>

struct seqno {
	int dirfd;
	uint64_t next;
	uint64_t reserved; /* next may go up to, not including, this */
};

/* Opens state_dir/seqno (created 0600). Returns 0 or -errno. */
int seqno__open(struct seqno *s, const char *state_dir);
/* The next number; persists a new block when the current one is used up. */
uint64_t seqno__next(struct seqno *s);
/* Records the exact position and closes. */
void seqno__close(struct seqno *s);

#endif
