/*
 * dnsmark.h — which running processes may already be waiting for a DNS
 * answer, to seed the kernel's dns_procs marks (see common.bpf.h).
 *
 * The kernel marks a process when it connects or sends to port 53; what it
 * cannot see is a query sent before the marks were kept (the sensor was not
 * running, or DNS was switched off). dnsmark__scan finds the processes
 * that could read such an answer: those holding a UDP socket (an
 * unconnected one may hear from port 53) or a TCP connection to port 53,
 * in any network namespace.
 */
#ifndef VIGIL_SENSOR_DNSMARK_H
#define VIGIL_SENSOR_DNSMARK_H

#include <stddef.h>
#include <stdint.h>

/* Most socket inodes the scan keeps (8 bytes each); a host with more
 * makes the scan fail with -E2BIG, and the caller checks every read. */
#define DNSMARK_SOCKS_MAX (1u << 20)

/* Calls mark(ctx, tgid) for each process under proc_root ("/proc", or a
 * test's copy of its layout) that holds such a socket; a mark that
 * returns nonzero stops the scan with that value. Returns the number of
 * processes marked, or a negative errno (-E2BIG: more sockets than
 * DNSMARK_SOCKS_MAX; -ENOMEM). */
long dnsmark__scan(const char *proc_root, int (*mark)(void *ctx, uint32_t tgid), void *ctx);

/* One line of /proc/net/{udp,udp6,tcp,tcp6}: its socket's inode, and
 * whether the socket could carry DNS answers (every UDP socket; a TCP one
 * whose remote port is 53). Returns 0, or -1 for a line that is not a
 * socket (the header). */
int dnsmark__parse_line(const char *line, int udp, uint64_t *inode, int *dns);

#endif
