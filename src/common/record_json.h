/*
 * record_json.h — one JSON line, as json__add_record writes it, back into a
 * struct vrec: the inverse of the jsonl sink, for offline replay (`vigil
 * sigma scan`) and tests.
 *
 * EventID selects the event definition; Computer, SequenceNumber and UtcTime
 * fill the record's header too. Catalogue fields are set by id; names not in
 * the catalogue become dynamic fields. "-" (what sinks print for an absent
 * value) leaves a field absent, so a record survives the round trip. Numbers
 * keep their text, booleans become "true"/"false", null is absent, nested
 * objects and arrays are kept as their JSON text.
 */
#ifndef VIGIL_RECORD_JSON_H
#define VIGIL_RECORD_JSON_H

#include "common/record.h"

#include <stddef.h>

/* Parses line[0..len) into rec (reset first). Returns 0, or -EINVAL with a
 * reason in err (not valid JSON, not an object, no or unknown EventID). */
int record_json__parse(struct vrec *rec, const char *line, size_t len, char *err, size_t errlen);

/* Frees the calling thread's parser scratch (a thread that parsed calls it
 * before it exits; a later parse on the thread allocates again). */
void record_json__thread_done(void);

#endif
