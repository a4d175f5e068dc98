/*
 * datadir.h — where vigil finds its read-only data (the ATT&CK tables, the
 * event mapping and the shipped Sigma rules) without any build path inside
 * the binary.
 *
 * Search order (man/vigil.8, FILES): an explicit directory (--data), then
 * $VIGIL_DATADIR, then ../share/vigil next to the running binary
 * (/usr/sbin/vigil -> /usr/share/vigil, /usr/local/sbin/vigil ->
 * /usr/local/share/vigil), then, for a binary under a build/ directory, the
 * source tree's data/ (<tree>/build/vigil, <tree>/build/san/vigil ->
 * <tree>/data), then /usr/share/vigil.
 * A directory counts only if it holds event_dc_map.tsv, so a stray empty
 * share/vigil cannot shadow the real one.
 */
#ifndef VIGIL_DATADIR_H
#define VIGIL_DATADIR_H

#include <stddef.h>

/* Fills buf with the data directory, following the order above (explicit
 * may be NULL). Returns 0, or -ENOENT when no candidate holds the data (buf
 * then names the last fallback so errors can mention it). */
int datadir__find(const char *explicit_dir, char *buf, size_t len);

/* Fills buf with the directory of the shipped Sigma rules: DATADIR/sigma
 * for an install, the source tree's rules/sigma for a build-tree binary.
 * Returns 0 or -ENOENT. */
int datadir__sigma(char *buf, size_t len);

#endif
