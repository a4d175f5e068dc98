/*
 * ocsf_int.h — what the OCSF writer's files share: ocsf.c writes a record,
 * ocsf_map.c says which class and activity each event is.
 */
#ifndef VIGIL_OCSF_INT_H
#define VIGIL_OCSF_INT_H

#include "formats/writer.h"

#define OCSF_VERSION "1.8.0"

struct cls {
	int activity_id;
	const char *activity; /* caption */
	int severity_id;
};

/* The activity and severity of event id, some of which depend on the
 * record's fields (read with fw__peek, nothing taken). */
struct cls ocsf__classify(const struct fw *w, unsigned id);

#endif
