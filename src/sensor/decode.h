/*
 * decode.h — kernel records (vigil/event.h) → enriched user-space records.
 *
 * The decoder validates every length against the record's size before use
 * (a malformed record is counted and skipped, never trusted), keeps the
 * process cache current (exec, fork, exit), and fills each event's fields
 * and its initiating process from the cache.
 */
#ifndef VIGIL_DECODE_H
#define VIGIL_DECODE_H

#include "common/record.h"
#include "sensor/dns.h"
#include "sensor/hashes.h"
#include "sensor/identity.h"
#include "sensor/proc_cache.h"
#include "sensor/services.h"

#include <stddef.h>
#include <stdint.h>

#define DECODER_MAX_EXTRA 2

struct decoder {
	const struct identity *id;
	struct proc_cache *pc;
	struct hash_cache *hc;
	const struct services *svc;
	struct dns_cache *dns; /* may be NULL: no hostnames */
	uint64_t malformed;    /* records rejected as inconsistent */
	uint64_t truncated;    /* records flagged VG_HF_TRUNCATED by the kernel */
	uint64_t unknown_type;
	uint64_t dns_unparsed; /* DNS payloads that were not a DNS response */
	/* Extra records produced by the last decode, in order after rec. */
	struct vrec *extra[DECODER_MAX_EXTRA]; /* allocated by the caller */
	unsigned n_extra;
};

/* Decodes one ring-buffer record into rec. Returns 1 when rec holds an
 * event to emit, 0 when the record only updated state (fork, or a DNS
 * message that was not an answer), or -EINVAL for a malformed record
 * (counted in d->malformed). Some records also produce extra events:
 * d->extra[0 .. d->n_extra) hold them, to be handled after rec. */
int decoder__decode(struct decoder *d, const void *data, size_t len, struct vrec *rec);

/* Joins base and rel ("/a/b" + "../c" → "/a/c") lexically, removing "."
 * and ".." components and duplicate slashes; rel absolute ignores base.
 * Writes at most n bytes (NUL included). Exposed for tests. */
void path_join_normalize(const char *base, const char *rel, char *out, size_t n);

/* Formats an address of a vg_net record; sets *is_v6 (false for v4 and for
 * v4-mapped v6). Exposed for tests. */
void net_addr_str(uint8_t family, const uint8_t addr[16], char out[64], int *is_v6);

/* wait(2) status → ExitCode: the exit status, or 128 + signal. */
int exit_code_from_status(int status);

#endif
