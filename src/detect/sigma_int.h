/*
 * sigma_int.h — internals shared by the Sigma engine's files (not an API).
 *
 * sigma_yaml.c turns YAML into a small node tree that keeps line numbers;
 * sigma_load.c interprets a rule's tree into atoms (one test of one field
 * against one value) and an expression tree over them, with its parts
 * sigma_compile.c (values), sigma_cond.c (the condition) and
 * sigma_corr_load.c (correlation rules), see sigma_load.h; sigma_value.c
 * holds the value modifiers (wildcards, encodings, windash, CIDR);
 * sigma_match.c compiles all atoms into per-(EventID, field) Hyperscan
 * databases and hash sets and runs events; sigma_field.c reads fields and
 * evaluates the atoms that are not scanned; sigma_corr.c keeps correlation
 * state. Everything a rule owns lives in the engine's arena and is freed at
 * once with it.
 */
#ifndef VIGIL_SIGMA_INT_H
#define VIGIL_SIGMA_INT_H

#include "detect/sigma.h"

#include <hs/hs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- arena ---------------------------------------------------------- */

struct sg_chunk;
struct sg_arena {
	struct sg_chunk *head;
	size_t total; /* bytes allocated, for the memory bound */
};

void *sg_alloc(struct sg_arena *a, size_t n); /* zeroed; NULL on ENOMEM */
char *sg_strndup(struct sg_arena *a, const char *s, size_t n);
char *sg_strdup(struct sg_arena *a, const char *s);
void sg_arena_free(struct sg_arena *a);

/* ---- YAML nodes ----------------------------------------------------- */

enum yn_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct yn {
	uint8_t kind;
	bool plain; /* scalar written without quotes (null/true/numbers) */
	int line;   /* 1-based */
	char *s;    /* scalar text, NUL-terminated */
	size_t len;
	uint32_t n;	   /* seq items, or map pairs */
	struct yn **items; /* seq: n items; map: 2n (key, value, ...) */
};

/* Parses every document of buf into docs/ndocs and returns 0. On a YAML
 * error returns -EINVAL with the reason in err and its line in *err_line;
 * docs/ndocs then hold the complete documents before the error. */
int sg_yaml_parse(struct sg_arena *a, const char *buf, size_t len, struct yn ***docs, size_t *ndocs,
		  char *err, size_t errlen, int *err_line);
/* Map lookup by key; NULL when absent or m is not a map. */
struct yn *sg_yaml_get(const struct yn *m, const char *key);
bool sg_yaml_is_null(const struct yn *n);
/* The text of m's scalar key; NULL when absent, null or not a scalar. */
const char *sg_yaml_scalar(const struct yn *m, const char *key);
/* true/yes/false/no (any case) into *out; false when v is none of them. */
bool sg_yaml_bool(const struct yn *v, bool *out);

/* ---- expression tree ------------------------------------------------ */

/* SX_EATOM is an SX_ATOM whose atom is eager (Hyperscan or hash), marked
 * when the matcher is built so evaluation need not look at the atom. */
enum sx_kind { SX_ATOM, SX_AND, SX_OR, SX_NOT, SX_TRUE, SX_FALSE, SX_EATOM };

struct sx {
	uint8_t kind;
	uint32_t n;    /* children (AND/OR/NOT) */
	uint32_t atom; /* SX_ATOM: global atom index */
	struct sx **kids;
};

/* ---- atoms ---------------------------------------------------------- */

enum sa_kind {
	SA_HS,	     /* Hyperscan pattern over one field (eager) */
	SA_EXACT,    /* equality, hash set (eager) */
	SA_KEYWORD,  /* Hyperscan pattern over every field value (eager) */
	SA_PCRE,     /* regex Hyperscan cannot take (lazy) */
	SA_EXISTS,   /* field present == want (lazy) */
	SA_NULL,     /* field absent or empty (lazy) */
	SA_NUM,	     /* lt/lte/gt/gte (lazy) */
	SA_CIDR,     /* address in network (lazy) */
	SA_FIELDREF, /* compare with another field of the event (lazy) */
	SA_LIT,	     /* literal eq/contains/starts/ends (lazy; a demoted SA_HS/EXACT) */
	SA_TIME	     /* a part of a date compared as a number (lazy) */
};

/* Time modifiers: the part of a date value that is compared. */
enum sa_tpart { TP_NONE, TP_MINUTE, TP_HOUR, TP_DAY, TP_WEEK, TP_MONTH, TP_YEAR };

enum sa_op { OP_EQ, OP_CONTAINS, OP_STARTS, OP_ENDS, OP_LT, OP_LTE, OP_GT, OP_GTE };

struct sa {
	uint8_t kind;
	uint8_t op;
	bool cased;
	bool want;	/* SA_EXISTS */
	bool trigger;	/* a hit makes the rule a candidate (see sigma_match.c) */
	uint16_t field; /* enum vf_id */
	uint16_t ref;	/* SA_FIELDREF: the other field */
	uint32_t rule;	/* owning rule index */
	char *pat;	/* SA_HS/SA_KEYWORD/SA_PCRE: regex; SA_EXACT: value */
	size_t patlen;
	char *lit; /* the same test as a literal and lop, when it is one */
	size_t litlen;
	uint8_t lop;
	uint8_t tpart; /* SA_TIME: enum sa_tpart */
	unsigned hs_flags;
	pcre2_code *re; /* SA_PCRE, built at compile */
	double num;
	uint8_t net[16], plen, af; /* SA_CIDR: af 4 or 6 */
};

/* ---- rules ---------------------------------------------------------- */

enum corr_type { CORR_EVENT_COUNT, CORR_VALUE_COUNT, CORR_TEMPORAL, CORR_TEMPORAL_ORDERED };

struct sg_corr;

struct sg_rule {
	struct sigma_rule_info info;
	enum sigma_status status;
	char *msg; /* unsupported construct / error / no-source reason */
	int msg_line;
	char *name; /* Sigma `name`, for correlation references */
	uint16_t event_id;
	struct sx *cond;
	bool always_eval; /* condition may hold with no eager atom hit */
	bool suppressed;  /* base of correlations with generate: false only */
	uint32_t idx;
	/* correlation rule data (info.correlation) */
	struct sg_corr *corr;
	/* correlations this rule feeds */
	struct sg_corr **feeds;
	uint32_t nfeeds;
	struct sg_rule *next;
	struct sg_rule *alt; /* auditd: the next variant for another event */
};

/* Correlation definition as loaded; runtime state hangs off it. */
struct sg_corr {
	struct sg_rule *rule;
	enum corr_type type;
	char **refs; /* rule ids or names, as written */
	uint32_t nrefs;
	struct sg_rule **bases; /* resolved */
	uint16_t *group_by;	/* per group-by field, per base: field id */
	uint32_t ngroup;
	char **group_names;
	uint64_t timespan_ns;
	uint8_t cond_op; /* OP_GT.. or OP_EQ */
	int64_t cond_val;
	int64_t cond_val2; /* for ranges (unused unless two ops) */
	uint8_t cond_op2;
	bool has_op2;
	char *value_field_name; /* value_count */
	uint16_t *value_field;	/* per base */
	bool generate;
	/* sigma__per_host: the event's Computer is part of every group key */
	bool per_host;
	/* aliases: alias name -> per base field name */
	char **alias_names;
	char ***alias_fields; /* [alias][base] field names (may be NULL) */
	uint32_t nalias;
	struct corr_state *state;
};

/* Placeholders for `expand`. */
struct sg_placeholder {
	char *name;
	char **vals;
	uint32_t nvals;
	struct sg_placeholder *next;
};

struct sg_entry { /* a report line for a file that produced no rule */
	char *file;
	int line;
	enum sigma_status status;
	char *msg;
};

struct sg_item { /* rules and file-level entries, in the order added */
	struct sg_rule *rule;
	struct sg_entry *entry;
	struct sg_item *next;
};

struct sg_matcher;

struct sigma_engine {
	struct sg_arena arena;
	struct sg_item *items, **items_tail;
	struct sg_placeholder *placeholders;
	struct sa *atoms;
	uint32_t natoms, atoms_cap;
	struct sg_rule **rules; /* after compile: loaded rules */
	uint32_t nrules;
	uint32_t ncorr;
	uint32_t nall;	/* all rules ever parsed (indices) */
	uint32_t nalts; /* auditd variants beyond a rule's first (sigma_load.c) */
	bool compiled;
	bool all_triggers; /* tests: scan every eager atom (no lazy demotion) */
	uint64_t uid;
	struct sg_matcher *m;
};

/* sigma_load.c: parses one YAML text into rules appended to the engine. */
int sg_load_text(struct sigma_engine *e, const char *buf, size_t len, const char *file);
/* Adds an atom; returns its index, or -ENOMEM. */
int sg_atom_add(struct sigma_engine *e, const struct sa *a);

/* sigma_value.c ------------------------------------------------------- */

/* A value being modified: bytes plus, per byte, 0 literal, 1 '*', 2 '?'. */
struct sv {
	uint8_t *b;
	uint8_t *w;
	size_t n;
};

/* Parses Sigma wildcards and escapes (\* \? \\) of s. */
int sv_from_sigma(struct sg_arena *a, const char *s, size_t n, struct sv *out);
/* Plain bytes, no wildcards. */
int sv_from_bytes(struct sg_arena *a, const uint8_t *s, size_t n, struct sv *out);
bool sv_has_wild(const struct sv *v);
/* UTF-8 to UTF-16 (le, be, bom+le). Returns -EINVAL on invalid UTF-8. */
int sv_utf16(struct sg_arena *a, const struct sv *in, int which, struct sv *out);
/* base64 of in (no wildcards). */
int sv_base64(struct sg_arena *a, const struct sv *in, struct sv *out);
/* The three base64offset forms of in. */
int sv_base64offset(struct sg_arena *a, const struct sv *in, struct sv out[3]);
/* windash: all variants (at most max); returns count or -E2BIG. */
int sv_windash(struct sg_arena *a, const struct sv *in, struct sv *out, int max);
/* Builds a Hyperscan regex for v with match op (OP_EQ/CONTAINS/STARTS/ENDS). */
char *sv_to_regex(struct sg_arena *a, const struct sv *v, int op);
/* When v with match op is a plain literal test (wildcards only at the ends,
 * where they just drop an anchor), returns the effective op and the literal's
 * bounds [*lo, *hi); else -1. */
int sv_literal(const struct sv *v, int op, size_t *lo, size_t *hi);
/* Parses "a.b.c.d/n" or "v6/n" into atom fields; -EINVAL when invalid. */
int sg_parse_cidr(const char *s, struct sa *atom);
/* True when the address text s[0..n) is in atom's network. */
bool sg_cidr_match(const struct sa *atom, const char *s, size_t n);

/* sigma_match.c ------------------------------------------------------- */

int sg_matcher_build(struct sigma_engine *e, char *err, size_t errlen);
void sg_matcher_free(struct sigma_engine *e);

/* sigma_field.c ------------------------------------------------------- */

/* ASCII case folding, as every case-insensitive comparison does it (bytes
 * beyond ASCII compare exactly). */
static inline uint8_t sg_fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static inline bool sg_eq_fold(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sg_fold((uint8_t)a[i]) != sg_fold((uint8_t)b[i]))
			return false;
	return true;
}

/* Whether the lazy atom a holds for rec; md is the thread's PCRE2 match
 * data. */
bool sg_atom_eval(const struct sa *a, const struct vrec *rec, pcre2_match_data *md);
/* Field value of rec by id, including EventID/Event/Computer/SequenceNumber
 * which live outside the value array; buf (≥ 24 bytes) holds numbers. */
const char *sg_field(const struct vrec *rec, unsigned f, size_t *len, char *buf);

/* sigma_corr.c -------------------------------------------------------- */

int sg_corr_init(struct sigma_engine *e, struct sg_corr *c);
void sg_corr_free(struct sg_corr *c);
/* Feeds a match of base rule r into correlation c; returns true when the
 * correlation condition is met (and resets that group). */
bool sg_corr_feed(struct sg_corr *c, const struct sg_rule *r, const struct vrec *rec);
uint64_t sg_rec_time(const struct vrec *rec);

#endif
