/*
 * check.h — validates JSON events against the OCSF or ECS schema, as
 * `vigil schema check` and the tests use it.
 *
 * OCSF: the schema source (dictionary.json, categories.json, events/,
 * objects/, profiles/) is read as it is released: a class's attributes are
 * its own plus those of the classes it `extends` and the profiles it
 * `$include`s, enums are merged along the way, and an attribute a profile
 * brings is known (and required) only when metadata.profiles names that
 * profile. Each event is checked for class_uid / category_uid / type_uid
 * consistency, required attributes, unknown attribute names (recursively into
 * objects and arrays of objects), enum values and JSON types.
 *
 * ECS: ecs_flat.yml gives each field's type and the allowed values of
 * event.kind, event.category, event.type and event.outcome, with the event
 * types each category expects. Every leaf must be a known field of the right
 * type or lie under the custom `vigil.*` field set.
 */
#ifndef VIGIL_FORMAT_CHECK_H
#define VIGIL_FORMAT_CHECK_H

#include "formats/format.h"

#include <stddef.h>

struct schema_checker;

/* Loads the schema of format f (RECFMT_OCSF or RECFMT_ECS) from dir, the
 * directory holding dictionary.json or ecs_flat.yml. Returns 0, or -errno
 * with a reason in err. */
int schema_check__open(enum rec_format f, const char *dir, struct schema_checker **out, char *err,
		       size_t errlen);
void schema_check__free(struct schema_checker *c);

/* Called once per problem: field is the dotted path ("process.file.name",
 * "observables[0].type_id", or "-" for the whole line). */
typedef void (*schema_report_fn)(void *ctx, const char *field, const char *msg);

/* Checks one JSON text; returns the number of problems reported. */
int schema_check__line(struct schema_checker *c, const char *line, size_t len,
		       schema_report_fn report, void *ctx);

#endif
