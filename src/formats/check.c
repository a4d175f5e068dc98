/*
 * check.c — the schema checker's entry points; see check.h.
 */
#include "formats/check_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void check__problem(struct check_out *o, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->report(o->ctx, path && path[0] ? path : "-", msg);
	o->problems++;
}

struct schema_checker {
	enum rec_format f;
	struct ocsf_schema *ocsf;
	struct ecs_schema *ecs;
	struct json_tokener *tok;
};

int schema_check__open(enum rec_format f, const char *dir, struct schema_checker **out, char *err,
		       size_t errlen)
{
	struct schema_checker *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->f = f;
	c->tok = json_tokener_new();
	if (f == RECFMT_OCSF) {
		rc = ocsf_schema__open(dir, &c->ocsf, err, errlen);
	} else if (f == RECFMT_ECS) {
		rc = ecs_schema__open(dir, &c->ecs, err, errlen);
	} else {
		snprintf(err, errlen, "no schema to check the sysmon form against");
		rc = -EINVAL;
	}
	if (rc < 0 || !c->tok) {
		schema_check__free(c);
		return rc < 0 ? rc : -ENOMEM;
	}
	*out = c;
	return 0;
}

void schema_check__free(struct schema_checker *c)
{
	if (!c)
		return;
	ocsf_schema__free(c->ocsf);
	ecs_schema__free(c->ecs);
	if (c->tok)
		json_tokener_free(c->tok);
	free(c);
}

int schema_check__line(struct schema_checker *c, const char *line, size_t len,
		       schema_report_fn report, void *ctx)
{
	struct json_object *ev;
	int n;

	json_tokener_reset(c->tok);
	ev = json_tokener_parse_ex(c->tok, line, (int)len);
	if (!ev || json_tokener_get_error(c->tok) != json_tokener_success) {
		char msg[160];

		snprintf(msg, sizeof(msg), "invalid JSON: %s",
			 json_tokener_error_desc(json_tokener_get_error(c->tok)));
		report(ctx, "-", msg);
		json_object_put(ev);
		return 1;
	}
	if (!json_object_is_type(ev, json_type_object)) {
		report(ctx, "-", "not a JSON object");
		json_object_put(ev);
		return 1;
	}
	n = c->f == RECFMT_OCSF ? ocsf_schema__check(c->ocsf, ev, report, ctx)
				: ecs_schema__check(c->ecs, ev, report, ctx);
	json_object_put(ev);
	return n;
}
