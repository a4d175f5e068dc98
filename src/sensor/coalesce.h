/*
 * coalesce.h — one FileModify (200) per file, process and window.
 *
 * A process that opens, writes and closes the same file in a loop (a log
 * written line by line, `for i in ...; do echo x >> f; done`) would give one
 * FileModify per close. The coalescer holds the first FileModify of a
 * (ProcessGuid, TargetFilename) pair for a fixed window and counts the
 * further ones of that pair into it; when the window ends, the held record
 * goes down the pipeline once with WriteCount = the number of FileModify
 * records it stands for (1 when there was no repeat). UtcTime stays the
 * first one's.
 *
 * Bounds: the window is the longest any FileModify is held (the loop's
 * timer flushes every record whose window ends before its next tick), and
 * the table has a fixed number of slots allocated at start. A record that
 * finds the table full is not held: it goes on at once with WriteCount 1, so
 * nothing is ever lost or delayed past the window for lack of room.
 */
#ifndef VIGIL_COALESCE_H
#define VIGIL_COALESCE_H

#include "common/record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COALESCE_WINDOW_NS 1000000000ull /* documented in man/vigil.8 */
#define COALESCE_SLOTS	   128

struct coalescer;

struct coalesce_stats {
	uint64_t held;	   /* records held at the start of a window */
	uint64_t merged;   /* records counted into a held one */
	uint64_t overflow; /* records passed on at once: the table was full */
};

/* A coalescer of `slots` pairs and a window of window_ns; NULL on ENOMEM. */
struct coalescer *coalesce__new(size_t slots, uint64_t window_ns);
void coalesce__free(struct coalescer *c);

/* Offers a decoded record at monotonic time now_ns. Returns true when the
 * coalescer took it (held, or counted into a held one): the caller drops
 * rec. Returns false when the caller must process rec now: not a
 * FileModify, or no free slot (rec then carries WriteCount 1). */
bool coalesce__offer(struct coalescer *c, struct vrec *rec, uint64_t now_ns);

/* Passes to fn every held record whose window ends before now_ns + slack_ns
 * (every one when all), with its WriteCount set, and frees its slot. fn may
 * not call back into the coalescer. */
void coalesce__flush(struct coalescer *c, uint64_t now_ns, uint64_t slack_ns, bool all,
		     void (*fn)(void *ctx, struct vrec *rec), void *ctx);

/* Records held now. */
size_t coalesce__pending(const struct coalescer *c);

void coalesce__stats(const struct coalescer *c, struct coalesce_stats *st);

#endif
