/*
 * natscheck.c — verifies what a JetStream stream holds, for the sink
 * integration tests.
 *
 *   natscheck URL STREAM COMPUTER FIRST COUNT [COPIES]
 *   natscheck --dump URL STREAM
 *
 * Reads every message of STREAM by sequence. A record is named by its
 * payload, not by its message id: the JSON object's Computer and
 * SequenceNumber. Checks that every SequenceNumber FIRST .. FIRST+COUNT-1 of
 * COMPUTER is there exactly COPIES times (default 1; two sensors with the
 * same host name, or a sensor whose state dir was lost, number the same
 * records twice), that no other record is there, and that no two messages
 * share a Nats-Msg-Id. Prints
 * "msgs M last_seq L missing X duplicates D foreign F ids_reused R
 * unreadable U" and exits 0 only when all five are 0. --dump prints each
 * payload on a line.
 *
 * A read that fails for any reason but "no message found" is retried: right
 * after a cluster node is killed the stream's leader moves, and a read sent
 * meanwhile times out though the message is stored. Counting that as a gap
 * would report a loss the sink never made; a read that keeps failing is
 * "unreadable", not "missing".
 * With NATSCHECK_TLS_CA=FILE in the environment it connects over TLS and
 * verifies the server against that CA.
 */
#include "sinks/natsopt.h"

#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Message seq of STREAM into *m: NATS_OK, NATS_NOT_FOUND for a gap (deleted
 * or never stored), or the last error after ~10 s of retries. */
static natsStatus get_msg(natsMsg **m, jsCtx *js, const char *stream, unsigned long long seq)
{
	const struct timespec pause = {0, 200 * 1000 * 1000};
	natsStatus s = NATS_ERR;

	for (int attempt = 0; attempt < 50; attempt++) {
		jsErrCode jerr = 0;

		s = js_GetMsg(m, js, stream, seq, NULL, &jerr);
		if (s == NATS_OK)
			return s;
		if (jerr == JSNoMessageFoundErr)
			return NATS_NOT_FOUND;
		nanosleep(&pause, NULL);
	}
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The value of "KEY": in a flat JSON object, as text (numbers and strings
 * without escapes, enough for Computer and SequenceNumber). */
static int json_field(const char *js, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(js, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	if (*p == '"') {
		e = strchr(++p, '"');
	} else {
		e = p + strspn(p, "0123456789");
	}
	if (e == NULL || (size_t)(e - p) >= n)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	unsigned long long first = 0, count = 0, copies = 1, missing = 0, dups = 0, bad = 0,
			   reused = 0, unreadable = 0, last;
	unsigned *seen = NULL;
	char **ids = NULL;
	size_t nids = 0;
	const char *url, *stream, *computer = NULL;
	int dump = argc == 4 && strcmp(argv[1], "--dump") == 0;
	natsStatus s;

	if (!dump && argc != 6 && argc != 7) {
		fprintf(stderr, "usage: natscheck URL STREAM COMPUTER FIRST COUNT [COPIES]\n"
				"       natscheck --dump URL STREAM\n");
		return 64;
	}
	url = argv[1 + dump];
	stream = argv[2 + dump];
	if (!dump) {
		computer = argv[3];
		first = strtoull(argv[4], NULL, 10);
		count = strtoull(argv[5], NULL, 10);
		copies = argc == 7 ? strtoull(argv[6], NULL, 10) : 1;
		seen = calloc(count + 1, sizeof(*seen));
	}
	if (getenv("NATSCHECK_TLS_CA") != NULL) {
		/* A TLS server: verified against that CA, as the output's tls_ca=. */
		natsOptions *o = NULL;

		s = natsOptions_Create(&o);
		if (s == NATS_OK)
			s = natsOptions_SetURL(o, url);
		if (s == NATS_OK)
			s = natsopt__secure(o, NULL, getenv("NATSCHECK_TLS_CA"));
		if (s == NATS_OK)
			s = natsConnection_Connect(&nc, o);
		natsOptions_Destroy(o);
	} else {
		s = natsConnection_ConnectTo(&nc, url);
	}
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	if (s == NATS_OK)
		s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
	if (s != NATS_OK) {
		fprintf(stderr, "natscheck: %s (%d)\n", natsStatus_GetText(s), (int)jerr);
		return 1;
	}
	last = (unsigned long long)si->State.LastSeq;
	ids = calloc(si->State.Msgs + 1, sizeof(*ids));
	for (unsigned long long seq = si->State.FirstSeq; seq && seq <= last; seq++) {
		natsMsg *m = NULL;
		const char *id = NULL, *data;
		char host[256], num[32];
		unsigned long long k;

		s = get_msg(&m, js, stream, seq);
		if (s == NATS_NOT_FOUND)
			continue; /* a gap: deleted or never stored */
		if (s != NATS_OK) {
			fprintf(stderr, "natscheck: message %llu: %s\n", seq,
				natsStatus_GetText(s));
			unreadable++;
			continue;
		}
		data = natsMsg_GetData(m) ? natsMsg_GetData(m) : "";
		if (dump) {
			printf("%.*s\n", natsMsg_GetDataLength(m), data);
			natsMsg_Destroy(m);
			continue;
		}
		if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK || id == NULL ||
		    nids > si->State.Msgs) {
			bad++;
			natsMsg_Destroy(m);
			continue;
		}
		ids[nids++] = strdup(id);
		if (json_field(data, "Computer", host, sizeof(host)) < 0 ||
		    json_field(data, "SequenceNumber", num, sizeof(num)) < 0 ||
		    strcmp(host, computer) != 0) {
			bad++;
			natsMsg_Destroy(m);
			continue;
		}
		k = strtoull(num, NULL, 10);
		if (k < first || k >= first + count)
			bad++;
		else if (++seen[k - first] > copies)
			dups++;
		natsMsg_Destroy(m);
	}
	if (!dump) {
		for (unsigned long long i = 0; i < count; i++)
			if (seen[i] < copies)
				missing += copies - seen[i];
		qsort(ids, nids, sizeof(*ids), cmp_str);
		for (size_t i = 1; i < nids; i++)
			if (strcmp(ids[i - 1], ids[i]) == 0)
				reused++;
		printf("msgs %llu last_seq %llu missing %llu duplicates %llu foreign %llu "
		       "ids_reused %llu unreadable %llu\n",
		       (unsigned long long)si->State.Msgs, last, missing, dups, bad, reused,
		       unreadable);
	}
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	jsStreamInfo_Destroy(si);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	free(seen);
	return missing || dups || bad || reused || unreadable ? 1 : 0;
}
