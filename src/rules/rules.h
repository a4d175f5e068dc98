/*
 * rules.h — Sysmon XML configuration: parse, validate, compile, match.
 *
 * A ruleset is immutable once built: the sensor builds a new one on SIGHUP
 * and swaps the pointer only when the new file is valid, so a failed reload
 * keeps the old rules. Matching follows Sysmon's semantics exactly (see
 * tests/fixtures/sysmon-configs/README.md): case-insensitive, exclude before
 * include, first matching block decides, per-event defaults.
 *
 * No libbpf here: the sensor asks the ruleset which events are wanted and
 * which exact-image exclusions can be pushed into the kernel.
 */
#ifndef VIGIL_RULES_H
#define VIGIL_RULES_H

#include "common/record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ruleset;

struct rules_error {
	char file[256];
	int line; /* 0 when not tied to a line */
	char msg[512];
};

/* Hash algorithms (Sysmon's HashAlgorithms option). */
#define RULES_HASH_MD5	   0x1
#define RULES_HASH_SHA1	   0x2
#define RULES_HASH_SHA256  0x4
#define RULES_HASH_IMPHASH 0x8 /* accepted, never produced on Linux */

/* Loads and compiles a config file. Returns NULL and fills *err (file:line:
 * message) when the file is invalid. Warnings (Windows-only events or
 * options that Sysmon for Linux accepts and ignores) go to log_warnx. */
struct ruleset *ruleset__load_file(const char *path, struct rules_error *err);
/* Same, from memory; name is used in errors. */
struct ruleset *ruleset__load_buf(const char *buf, size_t len, const char *name,
				  struct rules_error *err);
/* Checks that nobody but root could have written path (a config file, or a
 * directory of rule files with everything under it): it and every
 * directory above it up to / are owned by root and not writable by group
 * or others (a sticky directory such as /tmp may be). Symbolic links are
 * resolved, and the directories holding the link are checked too. Returns
 * 0; -EPERM with err->file the offending path and err->msg the reason
 * ("mode 0666 is writable by others", "owned by uid 65534, not root");
 * or -errno when path cannot be resolved. */
int ruleset__check_perms(const char *path, struct rules_error *err);

/* Sysmon's behaviour with no config: ProcessCreate and ProcessTerminate
 * logged, everything else not. */
struct ruleset *ruleset__builtin(void);
void ruleset__free(struct ruleset *rs);

/* Decides whether rec is logged. Returns true to log it; *rule_name gets the
 * matched rule's name (NULL when none), to be put in RuleName. Safe to call
 * from several threads at once on the same ruleset. */
bool ruleset__match(const struct ruleset *rs, const struct vrec *rec, const char **rule_name);

/* How an event type is configured, for kernel pre-filtering and coverage. */
enum rules_mode {
	RULES_MODE_NONE = 0, /* logged nowhere: do not collect */
	RULES_MODE_ALL,	     /* everything logged (no rules, or empty exclude) */
	RULES_MODE_SOME,     /* some logged: rules decide per event */
};
enum rules_mode ruleset__event_mode(const struct ruleset *rs, unsigned event_id);

/* The host name every event carries in Computer: <VigilComputer> when the
 * config has it (vigil run --computer overrides it), else NULL and the
 * sensor uses gethostname(). Cloned VMs and containers share a host name,
 * which is why a fleet needs to set it. */
#define RULES_COMPUTER_MAX 253
const char *ruleset__computer(const struct ruleset *rs);

/* Whether name can be a Computer value: 1 to RULES_COMPUTER_MAX bytes of
 * letters, digits, '.', '-' and '_'. That is a DNS name (with '_' allowed for
 * the names people give containers), and it keeps the value valid as an
 * RFC 5424 HOSTNAME and as a NATS subject token without escaping. Returns 0,
 * or -EINVAL with the reason in why. */
int ruleset__check_computer(const char *name, char *why, size_t whylen);

/* The environment variables ProcessCreate's Environment field shows:
 * <VigilEnvironment> when the config has it, else the default set
 * (EVENTS.md). PATH is special: it is shown only when it names a relative
 * or world-writable directory (see sensor/envsel.c). */
#define RULES_ENV_MAX	   32
#define RULES_ENV_NAME_MAX 64
size_t ruleset__env_names(const struct ruleset *rs, const char *const **names);

/* An event's include rules as paths (exact), prefixes and file names the
 * kernel can test, lower-cased (kpaths.c says why that is exact enough).
 * Paths are at most max_len bytes and names max_name. all is set, with
 * why, when some include rule cannot be put that way: the kernel must then
 * send every candidate. Nothing in v and all unset: no include rule, the
 * event logs nothing. Returns 0 or -ENOMEM. */
struct rules_kpath {
	char *path; /* folded, as the kernel compares it; a name: without its '/' */
	char *orig; /* as written, to find it on disk */
	bool prefix;
	bool name; /* `end with` "/NAME": a file of that name in any directory */
};
struct rules_kpaths {
	struct rules_kpath *v;
	size_t n, cap;
	bool all;
	char why[200];
};
int ruleset__kernel_path_includes(const struct ruleset *rs, unsigned event_id, enum vf_id field,
				  size_t max_len, size_t max_name, struct rules_kpaths *kp);
void rules_kpaths_free(struct rules_kpaths *kp);

/* Exact image paths whose events of this type are excluded unconditionally
 * (an exclude rule `Image is X` or `Image image X` with a full path, outside
 * any AND group, and with no include rule that could match first). Dropping
 * them in the kernel gives provably the same result. Returns the count;
 * *paths points into the ruleset. */
size_t ruleset__kernel_image_excludes(const struct ruleset *rs, unsigned event_id,
				      const char *const **paths);

/* Whether image (compared ignoring ASCII case) is one of those paths: a
 * hash lookup, for the sensor's per-exec kernel pre-filter. */
bool ruleset__kernel_image_excluded(const struct ruleset *rs, unsigned event_id, const char *image);

/* Options. */
unsigned ruleset__hash_algorithms(const struct ruleset *rs); /* default SHA256 */
/* Sysmon's FieldSizes: maximum length of field f, 0 when unlimited. */
size_t ruleset__field_size(const struct ruleset *rs, enum vf_id f);
/* Truncates rec's fields to the configured FieldSizes. */
void ruleset__apply_field_sizes(const struct ruleset *rs, struct vrec *rec);

/* Identity: the path it was loaded from ("(builtin)" for the defaults), and
 * the SHA256 of the file as uppercase hex ("-" for builtin). */
const char *ruleset__path(const struct ruleset *rs);
const char *ruleset__sha256(const struct ruleset *rs);

/* Introspection for `vigil coverage`: the include/exclude rules of an event
 * type. Names are the RuleGroup/Rule/field names as written ("" if none). */
struct rules_event_summary {
	enum rules_mode mode;
	size_t n_include; /* top-level include filters (fields or <Rule>s) */
	size_t n_exclude;
	const char *const *include_names; /* n_include entries */
	const char *const *exclude_names; /* n_exclude entries */
};
void ruleset__event_summary(const struct ruleset *rs, unsigned event_id,
			    struct rules_event_summary *out);

#endif
