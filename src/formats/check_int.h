/*
 * check_int.h — what check.c shares with the OCSF and ECS halves of the
 * schema checker.
 */
#ifndef VIGIL_FORMAT_CHECK_INT_H
#define VIGIL_FORMAT_CHECK_INT_H

#include "formats/check.h"

#include <json-c/json.h>
#include <stdbool.h>

/* Where a check's problems go, and how many there were. */
struct check_out {
	schema_report_fn report;
	void *ctx;
	int problems;
};

/* Reports one problem at path ("-" when empty). */
void check__problem(struct check_out *o, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The member k of object o, or NULL (also when o is not an object). */
static inline struct json_object *check__get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (o && k && json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, k, &v);
	return v;
}

struct ocsf_schema;
int ocsf_schema__open(const char *dir, struct ocsf_schema **out, char *err, size_t errlen);
void ocsf_schema__free(struct ocsf_schema *s);
struct json_object *ocsf_schema__resolve(struct ocsf_schema *s, const char *name, bool is_class);
int ocsf_schema__check(struct ocsf_schema *s, struct json_object *ev, schema_report_fn report,
		       void *ctx);

struct ecs_schema;
int ecs_schema__open(const char *dir, struct ecs_schema **out, char *err, size_t errlen);
void ecs_schema__free(struct ecs_schema *s);
int ecs_schema__check(struct ecs_schema *s, struct json_object *ev, schema_report_fn report,
		      void *ctx);

#endif
