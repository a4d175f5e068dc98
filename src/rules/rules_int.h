/*
 * rules_int.h — the inside of a ruleset, shared by the parser (parse.c), the
 * compiler/matcher (match.c) and the public API (ruleset.c). Nothing outside
 * src/rules/ includes this.
 *
 * Shape of a compiled ruleset: one struct revent per configured event id.
 * Each holds its conditions (one field, one operator, one or more values),
 * its exclude and include filters in document order, and per referenced
 * field a "slot" with the compiled matchers: a hash table of exact values
 * (is, is not, is any, image) and one Hyperscan database with every
 * substring/prefix/suffix value of every condition on that field. A filter
 * is an AND of clauses and a clause an OR of conditions, which expresses
 * every Sysmon construct (see parse.c).
 */
#ifndef VIGIL_RULES_INT_H
#define VIGIL_RULES_INT_H

#include "rules/rules.h"

#include <hs/hs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The 16 Sysmon operators. */
enum rop {
	ROP_IS = 0,
	ROP_IS_NOT,
	ROP_IS_ANY,
	ROP_CONTAINS,
	ROP_CONTAINS_ANY,
	ROP_CONTAINS_ALL,
	ROP_EXCLUDES,
	ROP_EXCLUDES_ANY,
	ROP_EXCLUDES_ALL,
	ROP_BEGIN,
	ROP_NOT_BEGIN,
	ROP_END,
	ROP_NOT_END,
	ROP_LESS,
	ROP_MORE,
	ROP_IMAGE,
	ROP__COUNT
};

/* Most fields one event type can reference; events have at most ~30. */
#define RULES_MAX_SLOTS 48

struct rcond {
	enum vf_id field;
	uint8_t op;
	uint8_t slot;
	bool always;	/* substring op with an empty value: every string has it */
	uint32_t nvals; /* values after the ';' split (1 for single-value ops) */
	char **vals;	/* case-folded, NUL-terminated */
	uint32_t *lens;
	char *raw;	   /* the value as written */
	int64_t num;	   /* less than / more than */
	uint32_t pat_base; /* first Hyperscan pattern id of this condition */
	bool naive;	   /* a value too long for Hyperscan: evaluated directly */
	bool anchor_incl;  /* anchor >= 0: of an include filter, else exclude */
	int32_t anchor;	   /* filter this condition can nominate, -1 if none */
	char *name;	   /* its name attribute, "" when none */
	int line;
};

struct rclause {
	uint32_t n;
	uint32_t *conds;
};

struct rfilter {
	char *name; /* RuleName when it matches (verbatim), NULL for none */
	uint32_t nclauses;
	struct rclause *clauses;
};

struct eqent {
	uint64_t h;
	const char *s;
	uint32_t len;
	uint32_t ncond;
	uint32_t *conds; /* ascending condition indices */
};

/* Open-addressing table of values → conditions. For prefix and suffix
 * tables, lens[l] says whether some value has length l (l <= maxlen). */
struct htab {
	struct eqent *ents; /* NULL when empty */
	uint32_t mask;	    /* size - 1 */
	uint32_t maxlen;
	uint8_t *lens;
};

struct litset;

struct rslot {
	enum vf_id field;
	struct htab eq;	   /* is, is not, is any, image */
	bool has_image;	   /* some image condition: also look up the basename */
	struct htab pre;   /* begin with, not begin with */
	struct htab suf;   /* end with, not end with */
	hs_database_t *db; /* contains-type values; NULL when none */
	struct litset *ls; /* the same, in place of db for large value sets */
	uint32_t npat;
	uint32_t *pat2cond; /* npat entries: Hyperscan id -> condition */
};

struct revent {
	const struct vevent_def *def;
	bool has_incl; /* an onmatch="include" block exists (even empty) */
	bool has_excl;

	uint32_t nconds, capconds;
	struct rcond *conds;
	uint32_t nincl, capincl;
	struct rfilter *incl;
	uint32_t nexcl, capexcl;
	struct rfilter *excl;

	/* Summary for coverage: one entry per top-level field or <Rule>. */
	uint32_t nsum_incl, capsum_incl;
	const char **sum_incl;
	uint32_t nsum_excl, capsum_excl;
	const char **sum_excl;

	/* Candidate index (match.c): a filter is evaluated only when a condition
	 * of its anchor clause was hit, or when it has no anchor ("always"). */
	uint64_t anchor_slots; /* bit per slot holding anchor conditions */
	uint32_t nalways_incl, nalways_excl;
	uint32_t *always_incl, *always_excl;

	uint8_t nslots;
	struct rslot slots[RULES_MAX_SLOTS];
	uint8_t slot_of[VF__COUNT]; /* slot index + 1; 0 = field not used */

	size_t nkexcl;
	const char **kexcl;
	/* The same paths ASCII-lowercased (kexcl_lc), in a hash table, for
	 * ruleset__kernel_image_excluded: one lookup per exec, whatever the
	 * number of paths. */
	char **kexcl_lc;
	struct htab kexcl_tab;
};

struct ruleset {
	struct revent *ev[VIGIL_EVENT_ID_MAX];
	char *path;
	char sha256[65];
	unsigned hash_algs;
	double schema;
	size_t field_size[VF__COUNT];
	uint64_t gen;	     /* identifies this ruleset for thread-local scratch */
	hs_scratch_t *proto; /* scratch big enough for every database */
	/* The <VigilCaps> section (caps_int.h; NULL when none) and
	 * <HealthInterval>, both built by parse.c in tracked storage. */
	struct caps *caps;
	bool has_health_interval;
	unsigned health_interval_s;
	/* <VigilEnvironment>: the variables ProcessCreate's Environment shows
	 * (envvars.c); nenv 0 with has_env unset means the default set. */
	bool has_env;
	unsigned nenv;
	char env[RULES_ENV_MAX][RULES_ENV_NAME_MAX];
	const char *env_view[RULES_ENV_MAX]; /* env[i], as ruleset__env_names gives them */
	/* <VigilComputer>; "" when the config has none. */
	char computer[RULES_COMPUTER_MAX + 1];
	/* Every string the parser kept, freed together. */
	char **strs;
	size_t nstrs, capstrs;
};

/* Sets rs's environment variable names from the text of <VigilEnvironment>
 * (comma-separated). Returns 0, or -EINVAL with a message in why. */
int rules__set_env(struct ruleset *rs, const char *text, char *why, size_t whylen);

/* Operator classes, as the parser, the compiler and the matcher sort them. */
static inline bool is_eq_op(int op)
{
	return op == ROP_IS || op == ROP_IS_NOT || op == ROP_IS_ANY || op == ROP_IMAGE;
}

static inline bool is_substr_op(int op)
{
	return op >= ROP_CONTAINS && op <= ROP_NOT_END;
}

static inline bool is_pre_op(int op)
{
	return op == ROP_BEGIN || op == ROP_NOT_BEGIN;
}

static inline bool is_suf_op(int op)
{
	return op == ROP_END || op == ROP_NOT_END;
}

/* Case folding: ASCII, Latin-1 Supplement, Latin Extended-A, basic Greek and
 * Cyrillic capitals map to their lowercase letters. Every mapping keeps the
 * byte length, so out may be the same size as in and positions agree. */
void rules__fold(char *out, const char *in, size_t len);

/* Parses buf into rs (which the caller allocated and zeroed). Returns 0, or
 * -EINVAL with err filled. */
int rules__parse(struct ruleset *rs, const char *buf, size_t len, const char *name,
		 struct rules_error *err);

/* Builds the matchers of every event. Returns 0 or -errno with err filled. */
int rules__compile(struct ruleset *rs, struct rules_error *err);

/* Frees what rules__parse and rules__compile built (not rs itself). */
void rules__release(struct ruleset *rs);

/* match.c: frees the calling thread's Hyperscan scratch when it was cloned
 * for rs (rules__release, so a freed ruleset leaves none behind). */
void rules__scratch_release(const struct ruleset *rs);

/* The reference evaluator: one condition against one folded value, by
 * definition, with no compiled matcher. Used when a compiled match list
 * overflows, and by tests to check the compiled path. */
bool rules__cond_eval_naive(const struct rcond *c, const char *fv, size_t len, bool num_ok,
			    int64_t num);

/* Checks every condition of rec's event type both ways, compiled and
 * naive. Returns the index of the first condition where they disagree, or -1
 * when all agree (for tests and the fuzzer). */
long rules__check_conds(const struct ruleset *rs, const struct vrec *rec);

/* ruleset__match by definition: every filter in order, every condition
 * evaluated naively, no index, no compiled matcher. The reference the tests
 * and the fuzzer hold the fast path to. */
bool rules__match_naive(const struct ruleset *rs, const struct vrec *rec, const char **rule_name);

/* Multi-literal substring matcher (litset.c) for large value sets, which
 * Hyperscan compiles too slowly. Build: n values (non-empty, compared byte
 * for byte), each with the caller's id; 0 or -errno. Scan: calls on_hit for
 * every value occurrence (a value may be reported more than once) and stops
 * when on_hit returns nonzero; returns 1 if stopped, else 0. */
int litset__build(const char *const *vals, const uint32_t *lens, const uint32_t *ids, uint32_t n,
		  struct litset **out);
int litset__scan(const struct litset *ls, const char *s, size_t len,
		 int (*on_hit)(uint32_t id, void *ctx), void *ctx);
void litset__free(struct litset *ls);

/* A slot with at least this many contains-type values uses a litset instead
 * of Hyperscan (tests lower it to compare both against the naive path). */
extern uint32_t rules__litset_min;

/* Names of the operators, as written in the XML. */
extern const char *const rules__op_names[ROP__COUNT];

#endif
