/*
 * sigma_auditd.h — `product: linux, service: auditd` Sigma rules on vigil's
 * events (internals of the Sigma engine, not an API).
 *
 * An auditd rule tests audit records (EXECVE, SYSCALL, PATH, ...), one
 * record at a time. vigil has no records, but each record type it can stand
 * for corresponds to one or more vigil events: EXECVE to ProcessCreate, a
 * PATH record to the file events and to the exec of the binary, a SYSCALL
 * record to the event that syscall produces. A rule is therefore compiled
 * once per vigil event ("variant"): a selection whose record type cannot be
 * that event is constant false there, the record's fields become the event's
 * fields (a0..aN the command line's arguments, exe the Image, name the
 * TargetFilename), and variants that can never match are dropped. A field
 * with no faithful counterpart fails its variant; a rule left with no variant
 * is "no source" with the reason. The table is in sigma_auditd.c and
 * docs/sigma-auditd.md.
 */
#ifndef VIGIL_SIGMA_AUDITD_H
#define VIGIL_SIGMA_AUDITD_H

#include "detect/sigma_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Virtual fields (ids beyond the schema's) that sg_field computes from an
 * event: argument i of the command line (EXECVE a<i>), the argument count
 * (argc), and the two stand-ins for a task's comm. */
#define SG_VF_ARG0	 1024
#define SG_AUD_MAX_ARGS	 32
#define SG_VF_ARGC	 (SG_VF_ARG0 + SG_AUD_MAX_ARGS)
#define SG_VF_COMM_IMAGE (SG_VF_ARGC + 1)
#define SG_VF_COMM_ARG0	 (SG_VF_ARGC + 2)
#define SG_AUD_NVFIELDS	 (SG_AUD_MAX_ARGS + 3)

/* One vigil event an auditd rule is compiled for. role 1 is FileRename's
 * old name (SourceFilename, the PATH record of nametype DELETE). */
struct sg_aud_variant {
	uint16_t event;
	uint8_t role;
};

/* State of one variant's compilation. */
struct sg_aud {
	uint16_t event;
	uint8_t role;
	uint8_t rec;	 /* record type of the selection being compiled */
	char never[192]; /* why some selection can never match anywhere */
};

enum sg_aud_result {
	AUD_FIELDS = 0, /* fields[0..nf) hold the event fields to test (OR) */
	AUD_TRUE,	/* the item only restates the record type: always true */
	AUD_NOSRC,	/* no faithful counterpart: why says which */
	AUD_UNSUPP,	/* valid Sigma the mapping cannot take: why says what */
};

/* True when a logsource names auditd on Linux. */
bool sg_aud_is_auditd(const char *product, const char *service);
/* The variants to try, in order. */
size_t sg_aud_variants(const struct sg_aud_variant **out);
/* Before a selection map is compiled: its record type for au's event.
 * Returns 1 when it can hold there, 0 when it never can (constant false),
 * or AUD_UNSUPP (as a negative) with why. */
int sg_aud_map(struct sg_aud *au, const struct yn *map, char *why, size_t n);
/* A field name of a selection (or "" for keywords) to the event's fields. */
enum sg_aud_result sg_aud_field(const struct sg_aud *au, const char *name, uint16_t fields[2],
				int *nf, char *why, size_t n);
/* Folds constant subtrees; returns 1 (always true), -1 (never true) or 0. */
int sg_aud_fold(struct sx *x);
/* A virtual field's value (see SG_VF_*), or NULL when the event has none. */
const char *sg_aud_vfield(const struct vrec *rec, unsigned f, size_t *len, char *buf);

#endif
