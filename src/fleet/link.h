/*
 * link.h — the NATS connection of the fleet (responders and askers alike).
 *
 * URL: nats://[USER:PASSWORD@|TOKEN@]HOST:PORT[,...][?creds=FILE&tls_ca=FILE]
 * — the server list and its credentials read exactly as the NATS output's
 * (sinkopt__nats_servers), shown with secrets hidden; creds= is a NATS
 * credentials file (JWT + nkey seed), tls_ca= a CA bundle, which also turns
 * TLS on. Requests go to the subject "vigil.fleet.<NAME>.hunt", NAME being
 * the fleet name (--fleet-name, default "default"; letters, digits, '-' and
 * '_'), so several fleets can share one NATS cluster.
 */
#ifndef VIGIL_FLEET_LINK_H
#define VIGIL_FLEET_LINK_H

#include <nats/nats.h>
#include <stdbool.h>

#define FLEET_MAX_SERVERS 16

struct fleet_link {
	char urls[FLEET_MAX_SERVERS][600];
	char shown[FLEET_MAX_SERVERS][300];
	int nurls;
	char creds[1024];
	char tls_ca[1024];
	char subject[300];
};

/* Parses url and the fleet name (NULL: "default"). Prints a one-line error
 * and returns -EINVAL on bad input. */
int fleet__link_parse(struct fleet_link *l, const char *url, const char *fleet_name);

/* Connects. With keep_trying, an unreachable server is retried forever in
 * the background (responders), and each loss and recovery of the server is
 * logged ("fleet: lost the NATS server...", "fleet: reconnected to URL");
 * without, it is an error (askers). Returns
 * NATS_OK or the library's status. */
natsStatus fleet__link_connect(const struct fleet_link *l, bool keep_trying, natsConnection **nc);

#endif
