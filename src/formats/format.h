/*
 * format.h — the three JSON shapes a record can take on any output.
 *
 * `sysmon` is vigil's own flat, Sysmon-named object (json__add_record).
 * `ocsf` is an OCSF 1.8.0 event of the class that fits each event type, and
 * `ecs` an Elastic Common Schema 9.3 document; docs/schemas.md has the
 * mapping and the reason for every class choice. Both write straight into
 * the caller's strbuf as record_json's inverse does, without building a tree,
 * so they cost less than the sysmon form does (BENCHMARKS.md).
 *
 * Nothing is dropped: a field the mapping does not place goes under
 * `unmapped` (OCSF) or the custom `vigil.*` field set (ECS).
 */
#ifndef VIGIL_FORMAT_H
#define VIGIL_FORMAT_H

#include "common/record.h"
#include "common/strbuf.h"

#include <stdint.h>

enum rec_format {
	RECFMT_SYSMON = 0,
	RECFMT_OCSF,
	RECFMT_ECS,
};

/* "sysmon", "ocsf", "ecs" → *out. Returns 0 or -EINVAL. */
int rec_format__parse(const char *s, enum rec_format *out);
const char *rec_format__name(enum rec_format f);

/* Appends rec as one JSON object in format f (no newline). */
void rec_format__add(struct strbuf *sb, const struct vrec *rec, enum rec_format f);
void ocsf__add_record(struct strbuf *sb, const struct vrec *rec);
void ecs__add_record(struct strbuf *sb, const struct vrec *rec);

/* The OCSF class each event id maps to, with the reason; the same table
 * is in docs/schemas.md. class_uid 0 is OCSF's Base Event. */
struct ocsf_map {
	uint16_t event_id;
	const char *event;
	uint16_t class_uid;
	const char *class_name;
	const char *reason;
};
/* Returns the map entry of event_id, or NULL for an id vigil does not have. */
const struct ocsf_map *ocsf__map(unsigned event_id);
const struct ocsf_map *ocsf__maps(size_t *n);

/* ECS categorisation of each event id. */
struct ecs_map {
	uint16_t event_id;
	const char *kind;
	const char *category; /* one or two, comma separated */
	const char *type;     /* one or two, comma separated */
};
const struct ecs_map *ecs__map(unsigned event_id);

#endif
