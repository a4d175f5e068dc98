/*
 * spool.h — a bounded, crash-safe, append-only disk queue of records.
 *
 * Used by the NATS sink when the server is unreachable or slow: records are
 * appended to numbered segment files, read back in order, and a committed
 * read position is persisted once the server has acknowledged them, so a
 * restart resumes where the acknowledged prefix ends (records after it are
 * sent again; the receiver deduplicates by message id).
 *
 * On disk, in DIR:
 *   NNNNNNNNNNNNNNNNNNNN.seg   segments, records framed as
 *                              magic F5 56 67 02 | u32 length (LE) |
 *                              u32 CRC-32 of the payload (LE) |
 *                              u32 CRC-32 of the 12 bytes before (LE) |
 *                              payload
 *   commit                     "SEGMENT OFFSET CRC\n", the committed read
 *                              position, replaced atomically (write, fsync,
 *                              rename)
 * A damaged record is skipped and counted in `corrupt`, and the records
 * after it are still delivered: a bad payload CRC under an intact header
 * skips exactly that record; a damaged header makes the reader look for
 * the next intact header (the magic's first byte never occurs in the UTF-8
 * the sink spools). At open, bytes after the last intact record of the
 * newest segment are a torn append (a crash mid-write) and are cut. Fully
 * read segments are deleted at commit. (The framing before the magic was
 * added — 0.1.0 development builds — reads as damaged: counted, not
 * silently lost.)
 *
 * fsync policy: appends go through write(2) unsynced and are fsync'd by
 * spool__sync (the caller does it about once a second and at close) and
 * whenever a segment is sealed; the commit file is fsync'd before its
 * rename. A power loss can thus lose up to a second of spooled records; a
 * process crash loses none (the page cache has them).
 *
 * Not thread-safe: one owner thread.
 */
#ifndef VIGIL_SPOOL_H
#define VIGIL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spool;

struct spool_stats {
	uint64_t appended;
	uint64_t dropped_full; /* appends refused because the spool was full */
	uint64_t corrupt;      /* records skipped as corrupt */
	uint64_t truncated;    /* torn tail bytes cut at open */
	uint64_t bytes;	       /* bytes on disk from the committed position on */
};

/* Opens (creating if needed, mode 0700) the spool in dir, bounded to
 * max_bytes on disk, with segments of seg_bytes. Recovers from a crash as
 * described above. Returns NULL with errno set. */
struct spool *spool__open(const char *dir, uint64_t max_bytes, uint64_t seg_bytes);
/* Syncs and closes; NULL is fine. */
void spool__close(struct spool *sp);

/* Appends one record. Returns 0, -ENOSPC when the spool is full (counted
 * in dropped_full), -EMSGSIZE for a record over 64 MiB, or -errno. */
int spool__append(struct spool *sp, const void *data, size_t len);
/* fsyncs the segment being written. Returns 0 or -errno. */
int spool__sync(struct spool *sp);

/* Reads the next record after the read position into *buf (grown with
 * realloc as needed; the caller frees it) and advances the read position.
 * Returns the record length (>= 0), -ENOENT when nothing is left, or
 * -errno. */
long spool__read(struct spool *sp, char **buf, size_t *cap);
/* Makes the read position the committed one (persisted) and deletes
 * segments wholly before it. Returns 0 or -errno. */
int spool__commit(struct spool *sp);
/* Moves the read position back to the committed one (for a retry). */
void spool__rewind(struct spool *sp);

/* True when no record exists after the committed position. */
bool spool__empty(const struct spool *sp);
/* True when no record is left after the read position. */
bool spool__drained(const struct spool *sp);
void spool__stats(const struct spool *sp, struct spool_stats *out);

#endif
