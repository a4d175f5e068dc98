/*
 * natsopt.c — creds= and tls_ca= for NATS connections; see natsopt.h.
 */
#include "sinks/natsopt.h"

natsStatus natsopt__secure(natsOptions *o, const char *creds, const char *tls_ca)
{
	natsStatus st = NATS_OK;

	if (creds != NULL && creds[0])
		st = natsOptions_SetUserCredentialsFromFiles(o, creds, NULL);
	if (st == NATS_OK && tls_ca != NULL && tls_ca[0]) {
		st = natsOptions_SetSecure(o, true);
		if (st == NATS_OK)
			st = natsOptions_LoadCATrustedCertificates(o, tls_ca);
	}
	return st;
}
