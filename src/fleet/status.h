/*
 * status.h — the answer to a fleet "status" request (`vigil status
 * --fleet`): one row per host with its role, version, kernel, uptime,
 * configuration hash, events/s, drops, output backlog and unavailable events.
 *
 * A sensor's responder asks its own sensor over the control socket
 * ("status json", as `vigil status` does), so the row is the sensor's live
 * view and the event loop answers it as any other status client, without
 * blocking. `vigil serve` has no sensor: it gives its version, kernel and
 * uptime, the rest NULL. Derived columns: EventsPerSec is the events
 * emitted since start over the uptime (an average, not a rate of the last
 * seconds; the first second counts as one); Drops adds the kernel and user drops of every event and
 * the outputs' drops; OutputBacklog is what the outputs took in and neither wrote nor dropped
 * (queued or spooled).
 */
#ifndef VIGIL_FLEET_STATUS_H
#define VIGIL_FLEET_STATUS_H

#include "fleet/answer.h"

/* Emits the status row as one rows chunk for request e. control_path:
 * the sensor's control socket, or NULL for `vigil serve` (started_ms: its
 * start, CLOCK_MONOTONIC ms). Fills res. Returns 0 or -errno. */
int fleet__status_answer(const char *control_path, uint64_t started_ms, const struct fleet_env *e,
			 const struct fleet_ident *id, fleet_emit_fn emit, void *ctx,
			 struct fleet_result *res);

#endif
