/*
 * natscheck.c — verifies what a JetStream stream holds, for the sink
 * integration tests.
 *
 *   natscheck URL STREAM COMPUTER FIRST COUNT
 *
 * Reads every message of STREAM by sequence and checks that the
 * Nats-Msg-Id headers are exactly COMPUTER-FIRST .. COMPUTER-(FIRST+COUNT-1),
 * each once, and that each payload is a JSON object whose SequenceNumber
 * matches its id. Prints "msgs M last_seq L missing X duplicates D" and
 * exits 0 only when nothing is missing or duplicated.
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	unsigned long long first, count, missing = 0, dups = 0, bad = 0, last;
	unsigned char *seen;
	size_t clen;
	natsStatus s;

	if (argc != 6) {
		fprintf(stderr, "usage: natscheck URL STREAM COMPUTER FIRST COUNT\n");
		return 64;
	}
	first = strtoull(argv[4], NULL, 10);
	count = strtoull(argv[5], NULL, 10);
	clen = strlen(argv[3]);
	seen = calloc(count + 1, 1);
	s = natsConnection_ConnectTo(&nc, argv[1]);
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	if (s == NATS_OK)
		s = js_GetStreamInfo(&si, js, argv[2], NULL, &jerr);
	if (s != NATS_OK) {
		fprintf(stderr, "natscheck: %s (%d)\n", natsStatus_GetText(s), (int)jerr);
		return 1;
	}
	last = (unsigned long long)si->State.LastSeq;
	for (unsigned long long seq = si->State.FirstSeq; seq && seq <= last; seq++) {
		natsMsg *m = NULL;
		const char *id = NULL;
		unsigned long long k;
		char want[64];

		if (js_GetMsg(&m, js, argv[2], seq, NULL, &jerr) != NATS_OK)
			continue; /* a gap: deleted or never stored */
		if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK || id == NULL ||
		    strncmp(id, argv[3], clen) != 0 || id[clen] != '-') {
			bad++;
			natsMsg_Destroy(m);
			continue;
		}
		k = strtoull(id + clen + 1, NULL, 10);
		snprintf(want, sizeof(want), "\"SequenceNumber\":%llu,", k);
		if (k < first || k >= first + count ||
		    strstr(natsMsg_GetData(m) ? natsMsg_GetData(m) : "", want) == NULL)
			bad++;
		else if (seen[k - first]++)
			dups++;
		natsMsg_Destroy(m);
	}
	for (unsigned long long i = 0; i < count; i++)
		if (!seen[i])
			missing++;
	printf("msgs %llu last_seq %llu missing %llu duplicates %llu foreign %llu\n",
	       (unsigned long long)si->State.Msgs, last, missing, dups, bad);
	jsStreamInfo_Destroy(si);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	free(seen);
	return missing || dups || bad ? 1 : 0;
}
