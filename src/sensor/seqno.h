/*
 * seqno.h — SequenceNumber: per host, monotonic, persisted across restarts;
 * and the run marker that tells the next start whether this run ended with
 * its Stopped record.
 *
 * Numbers are handed out from a reserved block whose upper bound is written
 * (and fsync'ed) to the state dir before any number in it is used. A clean
 * stop records the exact last number; after a crash the sensor resumes
 * above the reserved bound, so numbers never repeat (gaps are possible, and
 * a gap says "the sensor died here").
 *
 * The run marker, STATE/running (0600), is created just before the Started
 * record and removed just after the Stopped record has been flushed to the
 * outputs. It holds "pid started_ns last_seq last_ts_ns": the last record
 * written, brought up to date after every batch (seqno__checkpoint, one
 * pwrite when something was written, not fsync'd: a process crash loses
 * nothing, a power loss may lose the kernel's writeback delay). A marker
 * found at open means the previous run ended without its Stopped record
 * (SIGKILL, crash, power loss): seqno__unclean says so, with that record.
 */
#ifndef VIGIL_SEQNO_H
#define VIGIL_SEQNO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct seqno_prev {
	bool unclean;	     /* a marker was left behind */
	unsigned pid;	     /* of the run that left it */
	uint64_t started_ns; /* its Started record's time */
	uint64_t last_seq;   /* its last record written, 0 when none */
	uint64_t last_ts_ns;
};

struct seqno {
	int dirfd;
	uint64_t next;
	uint64_t reserved; /* next may go up to, not including, this */
	int run_fd;	   /* the run marker, -1 until seqno__mark_running */
	uint64_t started_ns, last_ts_ns, saved_seq;
	struct seqno_prev prev;
};

/* Opens state_dir/seqno (created 0600) and reads a run marker left by the
 * previous run into s->prev. Returns 0 or -errno. */
int seqno__open(struct seqno *s, const char *state_dir);
/* The next number; persists a new block when the current one is used up. */
uint64_t seqno__next(struct seqno *s);
/* Records the exact position and closes. */
void seqno__close(struct seqno *s);

/* Creates the run marker (replacing the previous run's). Returns 0 or
 * -errno (logged; the sensor runs on without it). */
int seqno__mark_running(struct seqno *s, uint64_t started_ns);
/* Notes the time of the record that just took the last number. */
static inline void seqno__note(struct seqno *s, uint64_t ts_ns)
{
	s->last_ts_ns = ts_ns;
}
/* Writes the last record's number and time into the marker if they moved. */
void seqno__checkpoint(struct seqno *s);
/* Removes the marker: the Stopped record is out. */
void seqno__mark_stopped(struct seqno *s);
/* When the previous run left its marker: true, with the one-line
 * description of the Error event in msg. */
bool seqno__unclean(const struct seqno *s, char *msg, size_t n);

#endif
