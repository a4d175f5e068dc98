/*
 * natsopt.h — the security options every NATS connection vigil makes shares
 * (the NATS output, the fleet responder and the fleet asker): a NATS
 * credentials file (creds=, a JWT and nkey seed) and TLS with a CA bundle
 * (tls_ca=). User/password and token travel in the URL (sinkopt.h).
 */
#ifndef VIGIL_NATSOPT_H
#define VIGIL_NATSOPT_H

#include <nats/nats.h>

/* Applies creds (NULL or "": none) and tls_ca (NULL or "": no TLS; else
 * TLS on, server verified against that CA) to o. */
natsStatus natsopt__secure(natsOptions *o, const char *creds, const char *tls_ca);

#endif
