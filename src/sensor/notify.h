/*
 * notify.h — the systemd service notification protocol (sd_notify(3)),
 * spoken directly: one datagram per message to the unix socket named by
 * $NOTIFY_SOCKET (a path, or '@' for the abstract namespace). No libsystemd.
 *
 * The sensor sends READY=1 once its probes are attached and the Started
 * record is written, RELOADING=1 / READY=1 around a SIGHUP reload,
 * STOPPING=1 on stop, and WATCHDOG=1 from its event loop every half
 * $WATCHDOG_USEC (when $WATCHDOG_PID is unset or is this process), so a
 * stalled loop stops the pings and systemd restarts the service. Without
 * $NOTIFY_SOCKET every call is a no-op.
 */
#ifndef VIGIL_NOTIFY_H
#define VIGIL_NOTIFY_H

#include <stdint.h>

/* Reads the environment and opens the socket. Call before the seccomp
 * filter and before any thread exists. Returns 0 (also when not under
 * systemd) or -errno for a malformed $NOTIFY_SOCKET (then disabled). */
int notify__init(void);

/* Sends msg ("READY=1", "STATUS=...", lines joined by '\n'). Returns 0 or
 * -errno; never blocks. */
int notify__send(const char *msg);

/* Called from the event loop with the monotonic time: sends WATCHDOG=1
 * when half the watchdog interval has passed since the last one. */
void notify__tick(uint64_t now_ns);

/* The watchdog interval in ns (0: no watchdog requested). */
uint64_t notify__watchdog_ns(void);

void notify__close(void);

#endif
