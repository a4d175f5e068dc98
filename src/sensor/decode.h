/*
 * decode.h — kernel records (vigil/event.h) → enriched user-space records.
 *
 * The decoder validates every length against the record's size before use
 * (a malformed record is counted and skipped, never trusted), keeps the
 * process cache current (exec, fork, exit), and fills each event's fields
 * and its initiating process from the cache.
 *
 * decode.c checks each record against its row in the record registry
 * (registry.h: known type, version, minimum size) and calls the row's
 * decoder, which lives with its domain: decode_proc.c, decode_net.c,
 * decode_file.c or decode_sys.c.
 */
#ifndef VIGIL_DECODE_H
#define VIGIL_DECODE_H

#include "common/record.h"
#include "sensor/dns.h"
#include "sensor/hashes.h"
#include "sensor/identity.h"
#include "sensor/proc_cache.h"
#include "sensor/services.h"
#include "vigil/event.h"

#include <stddef.h>
#include <stdint.h>

/* Extra records one kernel record can produce: a ProcessCreate's tampering
 * and login session, a FileDelete's "Image is deleted" for each process
 * running the deleted file (beyond the room here they are counted in
 * extra_lost, never sent half). */
#define DECODER_MAX_EXTRA     4
#define DECODER_SESSIONS_SEEN 64

/* The strings a record is copied into while it is decoded (they were
 * function-static buffers: a decoder per thread would have shared them). */
struct dec_scratch {
	char base[VG_PATH_MAX + 1], rel[VG_PATH_MAX + 1];	    /* a (base, rel) pair */
	char path[2 * VG_PATH_MAX + 2], path2[2 * VG_PATH_MAX + 2]; /* joined paths */
	char s1[VG_PATH_MAX + 1], s2[VG_PATH_MAX + 1], s3[VG_PATH_MAX + 1];
	char args[VG_ARGS_MAX + 4];
	char env[VG_ENV_MAX + 1]; /* an exec's environment block */
	char envout[2048];	  /* its Environment field */
	struct dns_msg dns;
};

/* The process of the last exec or exit record, typed, for checks that need
 * it without parsing the event's strings back (the tamper checks): what the
 * ProcessCreate / ProcessTerminate event's ProcessId, ParentProcessId,
 * Image and CommandLine say. The strings belong to the process cache and
 * stay valid until the next decoder__decode(). */
struct dec_exec {
	uint16_t kind; /* VG_EXEC or VG_EXIT; 0 when the last record was neither */
	uint32_t pid, ppid, uid;
	const char *image; /* never NULL when kind != 0: "-" when unknown */
	size_t image_len;
	const char *cmdline; /* VG_EXEC only; NULL for VG_EXIT */
};

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
	uint64_t extra_lost; /* extra events with no free record (counted, not sent) */
	/* Login sessions announced lately (LogonSession), see decode_proc.c. */
	uint32_t sessions_seen[DECODER_SESSIONS_SEEN];
	unsigned sessions_next;
	struct dec_exec exec; /* see decoder__exec() */
	/* The variables ProcessCreate's Environment shows (the config's
	 * <VigilEnvironment> or the default set; set by the sensor at each
	 * load, see ruleset__env_names). NULL/0: the field is "-". */
	const char *const *env_names;
	size_t n_env;
	bool want_fork; /* the config logs ProcessFork: forks become events */
	struct dec_scratch buf;
};

/* Decodes one ring-buffer record into rec. Returns 1 when rec holds an
 * event to emit, 0 when the record only updated state (fork, or a DNS
 * message that was not an answer), or -EINVAL for a malformed record
 * (counted in d->malformed). Some records also produce extra events:
 * d->extra[0 .. d->n_extra) hold them, to be handled after rec. */
int decoder__decode(struct decoder *d, const void *data, size_t len, struct vrec *rec);

/* The typed process of the last record decoded when it was an exec or an
 * exit (see struct dec_exec), else NULL. */
const struct dec_exec *decoder__exec(const struct decoder *d);

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
