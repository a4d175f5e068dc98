/*
 * samples.h — one fixed, realistic sample record of every event type, for
 * the golden samples in docs/schemas/, the schema tests and the benchmark.
 *
 * The contract's newer events (208-213) are included even before the
 * catalogue defines them: their fields the catalogue lacks (Error,
 * LinkTarget, LinkType, OldName, NewName) ride as dynamic fields, as
 * record_json would carry them, so the mappings are exercised now.
 */
#ifndef VIGIL_FORMAT_SAMPLES_H
#define VIGIL_FORMAT_SAMPLES_H

#include "common/record.h"

#include <stddef.h>

/* How many sample records there are (one per event type). */
size_t format_samples__count(void);
/* Fills rec with sample i (0 ≤ i < count). */
void format_samples__build(size_t i, struct vrec *rec);

#endif
