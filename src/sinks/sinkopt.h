/*
 * sinkopt.h — small parsers shared by the sinks' output specs: `?k=v&k=v`
 * option lists, sizes (512M), durations (7d) and HOST:PORT lists.
 *
 * All of them only read the spec text, so sink__check_spec can run them
 * without opening anything and report the exact bad part.
 */
#ifndef VIGIL_SINKOPT_H
#define VIGIL_SINKOPT_H

#include <stddef.h>
#include <stdint.h>

/* Splits the next `key=value` pair off *p (which points after a '?' or
 * '&'); advances *p past it. Returns 1 when a pair was read, 0 at the end,
 * -EINVAL for a pair without '=' or a key/value too long for the buffers. */
int sinkopt__next(const char **p, char *key, size_t key_size, char *val, size_t val_size);

/* "512M", "2G", "100k", "4096" → bytes. Returns 0 or -EINVAL. */
int sinkopt__size(const char *s, uint64_t *out);
/* "7d", "12h", "30m", "45s", "90" (seconds) → seconds. Returns 0 or -EINVAL. */
int sinkopt__duration(const char *s, uint64_t *out);
/* Unsigned integer in [min, max]. Returns 0 or -EINVAL. */
int sinkopt__uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Parses "HOST:PORT" (HOST may be "[v6]") of s[0..len) into host and port.
 * Returns 0 or -EINVAL. */
int sinkopt__hostport(const char *s, size_t len, char *host, size_t host_size, unsigned *port);

/* Parses the server list "[USER:PASSWORD@|TOKEN@]HOST:PORT[,...]" of
 * s[0..len) into nats:// URLs for the client library (urls, credentials
 * kept) and for messages (shown, credentials hidden). what and shown name
 * the spec in the one-line error on stderr ("vigil: output 'nats://...': ...").
 * Returns the number of servers (1..max) or -EINVAL. */
int sinkopt__nats_servers(const char *s, size_t len, char (*urls)[600], char (*shown)[300], int max,
			  const char *what, const char *spec_shown);

/* Copies spec to out (size n, always terminated) with the secrets of every
 * URL authority in it hidden: "nats://alice:pw@h:1,tok@h:2?x=y" becomes
 * "nats://alice:***@h:1,***@h:2?x=y". The one function everything that
 * shows an output spec (stderr, `vigil status`, events) goes through. */
void sinkopt__redact(const char *spec, char *out, size_t n);

#endif
