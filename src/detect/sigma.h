/*
 * sigma.h — the Sigma detection engine: rules in, alerts out.
 *
 * An engine is built in three steps: sigma__new, then sigma__add_path (files
 * or directories, recursively) or sigma__add_buf as many times as needed,
 * then sigma__compile, which resolves correlation references, reports every
 * rule's fate (loaded / unsupported / no source / error) and builds the one
 * matcher for all rules. After that the rule set is immutable and
 * sigma__match runs each event against it.
 *
 * Matching dispatches on EventID, scans each field once with a Hyperscan
 * database holding every pattern of every rule for that (EventID, field),
 * looks exact values up in hash sets, and evaluates only the conditions of
 * rules that had an atom hit (or whose condition can hold without one). The
 * per-event working memory is thread-local, so detection rules alone can be
 * matched from several threads; correlation rules keep state in the engine
 * and need the caller to serialise sigma__match.
 *
 * Logsource routing (product linux): a rule's category names the EventID it
 * is matched against; the sigma and sigma_alias columns of the VIGIL_EVENTS
 * catalogue (src/common/schema.h) say which category routes to which event
 * (schema__event_by_sigma_category). `service: auditd` rules are mapped onto
 * vigil's events by sigma_auditd.c (docs/sigma-auditd.md); rules for another
 * `service` (syslog, ...), for another product or for a category no event
 * has are reported as "no source": vigil never produces their events, which
 * is not an error.
 */
#ifndef VIGIL_SIGMA_H
#define VIGIL_SIGMA_H

#include "common/record.h"

#include <stdbool.h>
#include <stddef.h>

struct sigma_engine;

/* What a callback sees of a rule. Strings live as long as the engine. */
struct sigma_rule_info {
	const char *id; /* "" when the rule has none */
	const char *title;
	const char *level;	    /* "" when absent */
	const char *tags;	    /* comma-separated, "" when none */
	const char *status;	    /* "" when absent */
	const char *fields;	    /* comma-separated, "" when none */
	const char *falsepositives; /* "; "-separated, "" when none */
	const char *file;
	int line;
	bool correlation; /* a correlation rule, not a detection rule */
};

enum sigma_status {
	SIGMA_LOADED = 0,
	SIGMA_NO_SOURCE,   /* valid, but vigil produces no events for it */
	SIGMA_UNSUPPORTED, /* valid Sigma using something vigil cannot match */
	SIGMA_ERROR,	   /* not valid Sigma, or the file cannot be read */
};

/* One line of sigma__compile's report. msg is the construct or the reason
 * ("" for SIGMA_LOADED); for SIGMA_NO_SOURCE it reads "service: syslog", or for an auditd
 * rule "service: auditd: " and the field or value that has no counterpart. */
struct sigma_report {
	const char *file;
	int line; /* 0 when not tied to a line */
	enum sigma_status status;
	const char *title; /* NULL when not known */
	const char *msg;
};

/* Creates an empty engine. NULL with errno on allocation failure. */
struct sigma_engine *sigma__new(void);
void sigma__free(struct sigma_engine *e);

/* Reads placeholder values for the `expand` modifier from a YAML file of the
 * form `name: [value, ...]` (or `name: value`). Must come before the rules
 * that use them are added. Returns 0, or -errno with a "file:line: reason"
 * message in err. */
int sigma__load_placeholders(struct sigma_engine *e, const char *path, char *err, size_t errlen);

/* Adds the rules of a file, or of every *.yml / *.yaml under a directory
 * (recursively, in name order). Problems are recorded and reported by
 * sigma__compile; the return is -errno only when path cannot be opened. */
int sigma__add_path(struct sigma_engine *e, const char *path);
/* Adds the rules of one YAML text (possibly several documents); name is
 * used in reports. Returns 0 or -ENOMEM. */
int sigma__add_buf(struct sigma_engine *e, const char *buf, size_t len, const char *name);

/* Resolves correlations and builds the matcher. report (may be NULL) is
 * called once per rule and per unreadable file, in the order added. Returns
 * the number of rules that failed (unsupported or error), or -errno when
 * the matcher itself cannot be built (Hyperscan or memory failure). */
int sigma__compile(struct sigma_engine *e, void (*report)(const struct sigma_report *r, void *ctx),
		   void *ctx);

/* Counts after sigma__compile: rules that will match, and of those, how
 * many are correlation rules. */
size_t sigma__rule_count(const struct sigma_engine *e);
size_t sigma__correlation_count(const struct sigma_engine *e);

/* Runs rec against every rule. For each rule that matches (and for each
 * correlation whose condition becomes true) calls cb with the rule and the
 * event; a nonzero return from cb stops matching and is returned. Returns
 * the number of matches otherwise, or -errno (-ENOMEM when thread scratch
 * cannot be allocated, -EINVAL before sigma__compile, -EDEADLK when called
 * from inside one of its own callbacks on the same thread). */
int sigma__match(struct sigma_engine *e, const struct vrec *rec,
		 int (*cb)(const struct sigma_rule_info *rule, const struct vrec *rec, void *ctx),
		 void *ctx);

/* Fills out with the DetectionAlert (242) record for rule matching ev:
 * RuleId, RuleTitle, RuleLevel, Tags, MatchedEventID, MatchedSequenceNumber,
 * ProcessGuid, Image, with ev's UtcTime, time and computer. out->seq is left
 * 0 for the pipeline to assign. out must not be ev. */
void sigma__alert(const struct sigma_rule_info *rule, const struct vrec *ev, struct vrec *out);

/* After sigma__compile: every correlation counts per host, as if Computer
 * were one more group-by field. `vigil detect` sets it on the engines of its
 * partition workers, so a correlation's result does not depend on which
 * hosts happen to share a worker. */
void sigma__per_host(struct sigma_engine *e);

/* Frees the calling thread's matching scratch (call before a thread that
 * matched exits; the engine's owner thread is covered by sigma__free). */
void sigma__thread_done(void);

/* Correlation state bound: at most this many groups per correlation rule;
 * the oldest group is evicted past it. */
#define SIGMA_CORR_MAX_GROUPS 4096

#endif
