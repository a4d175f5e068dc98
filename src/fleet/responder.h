/*
 * responder.h — answers fleet requests from a SQLite store: `vigil serve`
 * and the sensor's `--fleet` run the same code.
 *
 * It subscribes to the fleet subject on its own NATS connection; requests
 * are handled one at a time on the client library's delivery thread, never
 * on the sensor's event path. Each request is checked (envelope.h), run
 * (answer.h) and answered on its reply subject; a refusal is answered too,
 * counted, and logged with the key's fingerprint.
 */
#ifndef VIGIL_FLEET_RESPONDER_H
#define VIGIL_FLEET_RESPONDER_H

#include "fleet/answer.h"
#include "fleet/keys.h"
#include "fleet/link.h"

#include <stdint.h>

struct fleet_responder_cfg {
	struct fleet_link link;
	struct fleet_trust trust; /* taken over by the responder */
	struct fleet_ident ident;
	struct fleet_limits limits;
	char db_path[4096];
	/* The sensor's control socket, for status requests ("": vigil serve,
	 * which answers with what it knows itself). See status.h. */
	char control_path[108];
};

#define FLEET_DEF_MAX_ROWS  100000
#define FLEET_DEF_MAX_BYTES (64u << 20)
#define FLEET_DEF_TIME_MS   2000

/* Fills cfg from the command line's words: the fleet URL and name, the
 * trusted keys (file or directory), the Computer (NULL: the host name),
 * the store, and the default limits. Prints a one-line error and returns
 * -EINVAL (bad URL or name) or -ENOENT (keys missing, unreadable or not
 * ed25519 public keys) on failure. */
int fleet__responder_setup(struct fleet_responder_cfg *cfg, const char *url, const char *fleet_name,
			   const char *keys_path, const char *computer, const char *db_path);

struct fleet_counts {
	uint64_t answered, refused, failed;
};

struct fleet_responder;

/* Connects (retrying in the background if the server is down) and
 * subscribes. Returns NULL after logging why. */
struct fleet_responder *fleet__responder_start(struct fleet_responder_cfg *cfg);
void fleet__responder_counts(struct fleet_responder *r, struct fleet_counts *c);
void fleet__responder_stop(struct fleet_responder *r);

#endif
