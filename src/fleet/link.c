/*
 * link.c — fleet URL parsing and connecting; see link.h.
 */
#include "fleet/link.h"

#include "common/log.h"
#include "sinks/natsopt.h"
#include "sinks/sinkopt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int fleet__link_parse(struct fleet_link *l, const char *url, const char *fleet_name)
{
	char shown[4096], key[32], val[1024];
	const char *rest, *q;
	int r;

	memset(l, 0, sizeof(*l));
	sinkopt__redact(url, shown, sizeof(shown));
	if (strncmp(url, "nats://", 7) != 0) {
		fprintf(stderr, "vigil: --fleet '%s': expected nats://HOST:PORT[,...]\n", shown);
		return -EINVAL;
	}
	rest = url + 7;
	q = strchr(rest, '?');
	l->nurls = sinkopt__nats_servers(rest, q ? (size_t)(q - rest) : strlen(rest), l->urls,
					 l->shown, FLEET_MAX_SERVERS, "--fleet", shown);
	if (l->nurls < 0)
		return -EINVAL;
	q = q ? q + 1 : NULL;
	while ((r = sinkopt__next(&q, key, sizeof(key), val, sizeof(val))) > 0) {
		if (strcmp(key, "creds") == 0 && val[0])
			snprintf(l->creds, sizeof(l->creds), "%s", val);
		else if (strcmp(key, "tls_ca") == 0 && val[0])
			snprintf(l->tls_ca, sizeof(l->tls_ca), "%s", val);
		else {
			fprintf(stderr,
				"vigil: --fleet %s: bad option '%s' (options: creds=FILE, "
				"tls_ca=FILE)\n",
				shown, key);
			return -EINVAL;
		}
	}
	if (r < 0) {
		fprintf(stderr, "vigil: --fleet %s: malformed options (expected k=v&k=v)\n", shown);
		return -EINVAL;
	}
	if (fleet_name == NULL)
		fleet_name = "default";
	if (fleet_name[0] == '\0' || strlen(fleet_name) > 200 ||
	    strspn(fleet_name,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
		strlen(fleet_name)) {
		fprintf(stderr,
			"vigil: --fleet-name '%s': letters, digits, '-' and '_' only (1-200)\n",
			fleet_name);
		return -EINVAL;
	}
	snprintf(l->subject, sizeof(l->subject), "vigil.fleet.%s.hunt", fleet_name);
	return 0;
}

/* A responder runs for months and its server may die under it: each loss
 * and each recovery is one line on stderr, so an operator sees that a host
 * was out of reach, for how long, and which node of a cluster it moved to
 * (one it may know only from the cluster's INFO, not from --fleet). Called
 * on the library's thread; one fprintf each, which stdio keeps whole. */
static void on_disconnected(natsConnection *nc, void *closure)
{
	(void)closure;
	if (natsConnection_IsClosed(nc))
		return; /* our own close at shutdown, not a loss */
	log_warnx(
	    "fleet: lost the NATS server; reconnecting (requests sent meanwhile are not seen)");
}

static void on_reconnected(natsConnection *nc, void *closure)
{
	char url[600] = "", shown[600];

	(void)closure;
	if (natsConnection_GetConnectedUrl(nc, url, sizeof(url)) != NATS_OK)
		url[0] = '\0';
	sinkopt__redact(url, shown, sizeof(shown));
	log_info("fleet: reconnected to %s", shown[0] ? shown : "the NATS server");
}

natsStatus fleet__link_connect(const struct fleet_link *l, bool keep_trying, natsConnection **nc)
{
	const char *urls[FLEET_MAX_SERVERS];
	natsOptions *opts = NULL;
	natsStatus st;

	for (int i = 0; i < l->nurls; i++)
		urls[i] = l->urls[i];
	st = natsOptions_Create(&opts);
	if (st == NATS_OK)
		st = natsOptions_SetServers(opts, urls, l->nurls);
	if (st == NATS_OK)
		st = natsOptions_SetTimeout(opts, 2000);
	if (st == NATS_OK)
		st = natsOptions_SetName(opts, "vigil-fleet");
	if (st == NATS_OK && keep_trying) {
		st = natsOptions_SetMaxReconnect(opts, -1);
		if (st == NATS_OK)
			st = natsOptions_SetReconnectWait(opts, 250);
		if (st == NATS_OK)
			st = natsOptions_SetRetryOnFailedConnect(opts, true, NULL, NULL);
		if (st == NATS_OK)
			st = natsOptions_SetDisconnectedCB(opts, on_disconnected, NULL);
		if (st == NATS_OK)
			st = natsOptions_SetReconnectedCB(opts, on_reconnected, NULL);
	}
	if (st == NATS_OK)
		st = natsopt__secure(opts, l->creds, l->tls_ca);
	if (st == NATS_OK) {
		st = natsConnection_Connect(nc, opts);
		if (st == NATS_NOT_YET_CONNECTED && keep_trying)
			st = NATS_OK;
	}
	natsOptions_Destroy(opts);
	return st;
}
