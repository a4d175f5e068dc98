/*
 * record.h — one decoded, enriched event in user space.
 *
 * A record is what flows from the sensor's decoder through the config filter,
 * caps, Sigma and into every sink. Values are byte strings (not necessarily
 * UTF-8: command lines and paths are whatever the kernel had), held in the
 * record's own arena or pointing at storage that outlives the record's trip
 * down the pipeline (the process cache, string literals). Integer fields are
 * kept as their decimal text; schema__field_kind() says how sinks print them.
 *
 * Presence is tracked per field: vrec__get returns NULL for an absent field
 * and sinks print absent EventData fields as "-". vrec__reset clears only the
 * fields that were set, so a reused record costs O(fields set), not
 * O(VF__COUNT).
 *
 * A few events (SensorHealth) have fields whose names are not in the static
 * catalogue; those go in the dynamic list, printed after the static ones.
 */
#ifndef VIGIL_RECORD_H
#define VIGIL_RECORD_H

#include "common/schema.h"

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define VREC_ARENA   32768
#define VREC_MAX_DYN 512 /* SensorHealth: ~200 per-event counters, 7 per output */

struct vrec_val {
	const char *s; /* NULL when absent */
	uint32_t len;
};

struct vrec_dyn {
	const char *name;
	struct vrec_val val;
	bool is_int;
};

struct vrec {
	const struct vevent_def *def;
	uint64_t seq;	/* SequenceNumber; 0 until assigned */
	uint64_t ts_ns; /* UtcTime as ns since the epoch */
	const char *computer;
	uint8_t nset;
	uint8_t set[VF__COUNT]; /* ids of fields set, in the order set */
	struct vrec_val v[VF__COUNT];
	uint16_t ndyn;
	struct vrec_dyn dyn[VREC_MAX_DYN];
	uint32_t used;
	uint32_t truncated; /* count of values cut because the arena was full */
	char arena[VREC_ARENA];
};

/* Starts a new event of the given type in rec (clears what was set). */
void vrec__reset(struct vrec *rec, const struct vevent_def *def);

/* Sets f to a copy of s[0..len) in the arena. Never fails: a full arena
 * truncates the value and counts it in rec->truncated. */
void vrec__set(struct vrec *rec, enum vf_id f, const char *s, size_t len);
void vrec__set_str(struct vrec *rec, enum vf_id f, const char *s);
/* Sets f to s without copying; s must outlive the record's use. */
void vrec__set_ref(struct vrec *rec, enum vf_id f, const char *s, size_t len);
void vrec__set_int(struct vrec *rec, enum vf_id f, int64_t v);
void vrec__set_uint(struct vrec *rec, enum vf_id f, uint64_t v);
void vrec__setf(struct vrec *rec, enum vf_id f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Returns the value of f (and its length in *len if len != NULL), or NULL. */
const char *vrec__get(const struct vrec *rec, enum vf_id f, size_t *len);
/* Parses an integer field; returns false when absent or not a number. */
bool vrec__get_int(const struct vrec *rec, enum vf_id f, int64_t *out);

/* Appends a dynamic field (name must outlive the record). */
void vrec__add_dyn(struct vrec *rec, const char *name, const char *s, size_t len, bool is_int);
void vrec__add_dyn_uint(struct vrec *rec, const char *name, uint64_t v);

/* Copies src into dst so dst no longer points into anything src referenced
 * (the process cache may change after the call). */
void vrec__copy(struct vrec *dst, const struct vrec *src);

/* Formats ns since the epoch as Sysmon's "YYYY-MM-DD HH:MM:SS.mmm" (UTC). */
void vrec__fmt_time(uint64_t ts_ns, char out[24]);

#endif
