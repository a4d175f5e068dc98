/*
 * control.h — the sensor's control socket: live counters and state for
 * `vigil status`, served over a unix stream socket that only root can use.
 *
 * The sensor's single event-loop thread owns it. control__fd() is added to
 * the loop's epoll set, and control__handle() is called whenever it is
 * readable; nothing here ever blocks, so a stuck or hostile client costs
 * the event path at most one non-blocking syscall per call.
 *
 * Wire protocol, one request per connection:
 *   request:  "status\n" or "status json\n" (at most 64 bytes, CR tolerated),
 *             or "rotate\n" (reopen the output files, as SIGUSR1 does)
 *   reply:    "OK\n" followed by the snapshot text, then the server closes;
 *             or one line "ERR <kind>: <message>\n" and close, where kind is
 *             "denied" (peer is not uid 0), "request" (malformed or unknown
 *             request), "busy" (too many clients pending) or "internal".
 * The status line lets the client tell a refusal from a snapshot without
 * guessing at the snapshot's contents.
 */
#ifndef VIGIL_CONTROL_H
#define VIGIL_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"

#define CONTROL_DEFAULT_PATH "/run/vigil/control.sock"

struct control;

/*
 * Creates and listens on path (NULL: CONTROL_DEFAULT_PATH). Missing parent
 * directories are created with mode 0700; the socket is chmod 0600. A socket
 * left by a dead sensor (connect refused) is replaced; a live one (connect
 * succeeds) is refused with EADDRINUSE; a non-socket file at path is left
 * alone and refused with EEXIST. Returns NULL with errno on failure (and
 * logs nothing: the caller decides how loud to be).
 */
struct control *control__open(const char *path);

/* Closes every client and the socket, and unlinks the socket file if it is
 * still the one this control created. NULL is a no-op. */
void control__close(struct control *c);

/*
 * The fd to watch for EPOLLIN (level- or edge-triggered). It is not the
 * listening socket itself but an epoll set over the listening socket, the
 * clients still being read or written, and a timer for their deadlines: so
 * it also turns readable when a slow client finally sends its request or a
 * silent one times out, and control__handle() gets called for that too.
 */
int control__fd(const struct control *c);

/*
 * Does all the work that is ready, without blocking: accepts pending clients
 * (refusing, with one "ERR denied" line, any whose SO_PEERCRED uid is not 0),
 * reads request lines, replies with "OK\n" plus what snapshot(ctx, out, json)
 * appends to out, and closes. A client that has not sent a full request
 * within ~100 ms, or has not taken its reply within ~1 s, is dropped. Replies
 * are capped at 4 MiB. snapshot is called once per valid request, from this
 * thread; out already holds the "OK" line, so it must append, not clear.
 * json is true for "status json", when the snapshot should be one JSON
 * object.
 */
void control__handle(struct control *c, void (*snapshot)(void *ctx, struct strbuf *out, bool json),
		     void *ctx);

struct control_stats {
	uint64_t served;  /* replies sent in full */
	uint64_t refused; /* non-root peers turned away */
	uint64_t dropped; /* timed out, malformed, busy, or gone mid-reply */
};

/* Serves "rotate" requests: fn appends what it did to out (after "OK\n").
 * Without it, "rotate" is refused as an unknown request. */
void control__set_rotate(struct control *c, void (*fn)(void *ctx, struct strbuf *out), void *ctx);

/* Copies the counters into *out. */
void control__stats(const struct control *c, struct control_stats *out);

#endif
