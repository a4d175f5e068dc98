/*
 * caps_int.h — the compiled <VigilCaps> section, shared by the parser
 * (parse_caps.c builds it, in storage the ruleset owns) and the engine (caps.c
 * reads it). Nothing outside src/rules/ includes this.
 */
#ifndef VIGIL_CAPS_INT_H
#define VIGIL_CAPS_INT_H

#include "rules/caps.h"

#include <stdint.h>

enum caps_kind { CAPS_GLOBAL = 0, CAPS_LOCAL, CAPS_AGGREGATE };

/* Most key fields per cap, and most LocalCap/Aggregate elements per event
 * type (a check touches each of them, so both stay small). */
#define CAPS_MAX_FIELDS	   8
#define CAPS_MAX_PER_EVENT 16

struct caps_rule {
	enum caps_kind kind;
	const char *name;		 /* unique across the section */
	const struct vevent_def *ev;	 /* the event type it applies to */
	uint64_t max;			 /* events per window (caps) */
	uint64_t window_ns;		 /* window (caps) or period (Aggregate) */
	uint8_t nfields;		 /* 0 for GlobalCap */
	uint8_t fields[CAPS_MAX_FIELDS]; /* enum vf_id */
	const char *key_fields;		 /* "A,B,C" as reported, "-" for GlobalCap */
	int line;
};

struct caps {
	size_t max_keys;
	uint64_t window_ns; /* the section's default window */
	uint32_t nrules;
	struct caps_rule *rules; /* in document order */
};

/* Names of the kinds as written in the XML (and put in RuleName). */
extern const char *const caps__kind_names[3];

#endif
