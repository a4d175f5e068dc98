/*
 * outfile.h — opening the files an output writes (the SQLite store and its
 * -wal/-shm, the NATS spool's segments and directory) so that they are
 * never taken over: the sensor runs as root, and a file someone else owns
 * or can write would let them read the telemetry or add forged records.
 *
 * New files are created 0600 with O_CREAT|O_EXCL|O_NOFOLLOW. An existing
 * file (or directory) is used only when it is of the expected type, owned
 * by the sensor's user (root), not group- or world-writable and, for a
 * file, has one link; otherwise it is refused with a one-line error naming
 * the reason, and the operator removes or fixes it.
 */
#ifndef VIGIL_OUTFILE_H
#define VIGIL_OUTFILE_H

#include <stdbool.h>
#include <sys/stat.h>

/* Checks an open fd (what) against the rules above; dir selects the
 * expected type. Returns 0, or -EPERM after logging why (path names it). */
int outfile__check(int fd, const char *path, bool dir);

/* Opens path for writing with flags (O_WRONLY or O_RDWR, O_APPEND, ...),
 * creating it 0600 if it does not exist (*created says which), or checking
 * the existing one. Never follows a symlink. Returns the fd or -errno
 * (logged). */
int outfile__open(const char *path, int flags, bool *created);

/* Like outfile__open, but the file must not exist yet: created fresh. */
int outfile__create(const char *path, int flags);

/* If path exists, checks it (no symlink, the rules above). Returns 0 when
 * absent or fine, else -errno (logged). */
int outfile__check_path(const char *path);

#endif
