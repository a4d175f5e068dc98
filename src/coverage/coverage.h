/*
 * coverage.h — ATT&CK coverage of a vigil configuration.
 *
 * Three inputs meet here. The ATT&CK data (data/attack/: the Linux techniques
 * with the data components, DCs, that detect them, in the v18 model, the v17
 * legacy model or their union), vigil's reviewed mapping from its events to
 * DCs (data/event_dc_map.tsv, each pair "full" or "partial"), and a collection
 * table saying, per event id, whether the configuration logs that event type
 * at all, only through narrow include rules, or entirely.
 *
 * The collection table (struct cov_collect) is plain data on purpose: unit
 * tests build it by hand, and cov_collect__from_ruleset() fills it from a
 * struct ruleset the way Sysmon applies a config. Scoring is DeTT&CT's:
 * per technique, covered DCs ÷ applicable DCs, where a DC reached only through
 * partial collection or a partial mapping counts one half; visibility levels
 * 0 (0 %), 1 (<50 %), 2 (<75 %), 3 (<100 %), 4 (100 %).
 */
#ifndef VIGIL_COVERAGE_H
#define VIGIL_COVERAGE_H

#include "common/schema.h"
#include "common/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

enum cov_model { COV_MODEL_V18 = 0, COV_MODEL_V17, COV_MODEL_UNION };

/* How much of an event type a configuration collects. */
enum cov_level { COV_OFF = 0, COV_PARTIAL = 1, COV_ALL = 2 };

#define COV_RULES_MAX 2048
#define COV_CAPS_MAX  128

struct cov_event_cfg {
	enum cov_level level;
	/* Names of the include rules that make the event partial (or, for ALL,
	 * of the exclude rules), one per line; nrules counts them even when the
	 * text was cut at COV_RULES_MAX. Unnamed rules are "(unnamed)". */
	char rules[COV_RULES_MAX];
	unsigned nrules;
	bool rules_exclude; /* rules are exclude rules (level ALL) */
	/* Caps on this event type: a hook for vigil's future <Cap> extension of
	 * the XML config. Always "none" until caps exist; printed as is. */
	char caps[COV_CAPS_MAX];
	/* What the running kernel does with it (`vigil coverage --kernel`):
	 * "" when untested or available, else "degraded: why" or
	 * "unavailable: why". Unavailable counts as not collected; degraded
	 * caps the data components it gives at partial. */
	char kernel[320];
};

struct cov_collect {
	char source[256]; /* config path, or "(builtin)" */
	char kernel[80];  /* the kernel release --kernel probed, or "" */
	struct cov_event_cfg ev[VIGIL_EVENT_ID_MAX];
};

/* Resets c to "nothing collected" except the daemon's own events (EVF_DAEMON:
 * never filtered, so always ALL); caps "none"; source copied. */
void cov_collect__init(struct cov_collect *c, const char *source);
/* Sets one event type's level and include-rule names (newline-separated,
 * may be NULL).
 * Returns 0, or -EINVAL for an id outside the table. */
int cov_collect__set(struct cov_collect *c, unsigned event_id, enum cov_level level,
		     const char *rules);

struct ruleset;
/* Fills c from a ruleset as Sysmon applies it: RULES_MODE_NONE → OFF;
 * RULES_MODE_ALL → ALL; RULES_MODE_SOME with include rules → PARTIAL (the rule
 * names recorded); RULES_MODE_SOME with only exclude rules → ALL (everything
 * but the exclusions is logged; the exclusions are named in rules). */
void cov_collect__from_ruleset(struct cov_collect *c, const struct ruleset *rs, const char *source);

/* The ATT&CK data plus the event mapping. */
struct cov_data;

/* Loads dir/attack/... and dir/event_dc_map.tsv for a model. Returns NULL with
 * errno set and a "file:line: message" in err on a bad or missing file. */
struct cov_data *cov_data__load(const char *dir, enum cov_model model, char *err, size_t errlen);
void cov_data__free(struct cov_data *d);
size_t cov_data__count(const struct cov_data *d);
enum cov_model cov_data__model(const struct cov_data *d);
/* Technique index of an id like "T1053.003", or -1. */
int cov_data__find(const struct cov_data *d, const char *technique_id);
/* "v18.1", "v17.1" or "v18.1+v17.1". */
const char *cov_model_name(enum cov_model m);

/* Tactics in the Enterprise matrix's column order. */
#define COV_NTACTICS 14
const char *cov_tactic_name(unsigned i);  /* "initial-access" */
const char *cov_tactic_title(unsigned i); /* "Initial Access" */

enum cov_dc_state { COV_DC_MISSING = 0, COV_DC_PARTIAL, COV_DC_FULL };

#define COV_MAX_DC 48

struct cov_dc_result {
	const char *dc_id; /* "DC0032" */
	const char *label; /* "DC0032 Process Creation" or "Process: Process Creation" */
	enum cov_dc_state state;
	/* Events that provide it: "ProcessCreate(1)", "FileCreate(11) partial:
	 * 4 include rules, 1 names T1053.003: ...", ...; "" when missing. */
	char events[1024];
};

struct cov_tech_result {
	const char *id;
	const char *name;
	unsigned tactics; /* bit i = cov_tactic_name(i) */
	size_t ndc, n_full, n_partial;
	struct cov_dc_result dc[COV_MAX_DC];
	double score; /* 0..100 */
	int level;    /* 0..4 */
};

/* Evaluates technique idx under collection c into *out. Returns 0, or
 * -EINVAL for a bad index. */
int cov_data__evaluate(const struct cov_data *d, const struct cov_collect *c, size_t idx,
		       struct cov_tech_result *out);

/* Catalogue index of a data component id ("DC0061"), or -1. */
int cov_data__dc_find(const struct cov_data *d, const char *dc_id);
/* Evaluates one catalogue DC (any, not only a technique's) under c into *out;
 * tid names the technique in rule descriptions. Returns 0, or -EINVAL for a
 * bad index. */
int cov_data__evaluate_dc(const struct cov_data *d, const struct cov_collect *c, int dc_idx,
			  const char *tid, struct cov_dc_result *out);

/* DeTT&CT visibility level of a percentage. */
int cov_level_from_pct(double pct);

/* Per-technique verdicts from `vigil simulate -o` results and atomics RESULTS
 * files (verified.c): verified, partial (atomics only: some key behaviour
 * seen) or failed, with the tests behind each. */
struct cov_verified;
enum cov_verdict {
	COV_VERDICT_NONE = 0,
	COV_VERDICT_VERIFIED,
	COV_VERDICT_FAILED,
	COV_VERDICT_PARTIAL,
};
#define COV_VERDICT_N (COV_VERDICT_PARTIAL + 1)
/* An empty set, or NULL with errno ENOMEM. */
struct cov_verified *cov_verified__new(void);
/* Adds one file's verdicts; several files combine, the best verdict of a
 * technique winning (verified > partial > failed). Returns 0, or -errno with
 * a one-line "path[:line]: why" in err (-EINVAL: not JSON or neither kind,
 * -ENOENT and the like: cannot open). */
int cov_verified__add_file(struct cov_verified *v, const char *path, char *err, size_t errlen);
/* new + add_file; NULL with errno set and err filled on failure. */
struct cov_verified *cov_verified__load(const char *path, char *err, size_t errlen);
void cov_verified__free(struct cov_verified *v);
enum cov_verdict cov_verified__get(const struct cov_verified *v, const char *technique_id);
/* The tests behind a technique's verdict, comma-separated, as
 * "T1003.008-1 verified, T1003.008-2 command_failed" (atomics) or
 * "cron-file passed" (simulate); "" when none. Valid until v is freed. */
const char *cov_verified__tests(const struct cov_verified *v, const char *technique_id);
/* "verified", "partial", "failed" or, when there is no test, "theoretical"
 * for a technique with score > 0 and "-" otherwise. */
const char *cov_verdict_name(enum cov_verdict v, double score);

enum cov_format { COV_FMT_TABLE = 0, COV_FMT_JSON, COV_FMT_NAVIGATOR, COV_FMT_HTML };

/* Writes the report for one configuration. ver may be NULL. Returns 0 or
 * -ENOMEM when sb overflowed. */
int cov_report(const struct cov_data *d, const struct cov_collect *c,
	       const struct cov_verified *ver, enum cov_format fmt, struct strbuf *sb);
/* Writes a technique-by-technique comparison of a and b (table or json). */
int cov_report_compare(const struct cov_data *d, const struct cov_collect *a,
		       const struct cov_collect *b, enum cov_format fmt, struct strbuf *sb);
/* The HTML page (html.c). */
int cov_report_html(const struct cov_data *d, const struct cov_collect *c,
		    const struct cov_verified *ver, struct strbuf *sb);

#endif
