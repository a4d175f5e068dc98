/*
 * sensor_int.h — the running sensor's state, shared by its files; not part
 * of the sensor's API (that is sensor.h).
 *
 * sensor.c owns the lifecycle and the loop; health.c, mute.c and
 * tamper_rules.c each take one concern of the same struct sensor. The
 * functions below are grouped by the file that defines them.
 */
#ifndef VIGIL_SENSOR_INT_H
#define VIGIL_SENSOR_INT_H

#include "common/schema.h"
#include "sensor/decode.h"
#include "sensor/sens_gate.h"
#include "common/duration.h"
#include "sensor/seqno.h"
#include "sensor/sensor.h"
#include "vigil/event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_sensor;
struct caps_state;
struct control;
struct event_avail;
struct reload_job;
struct rules_error;
struct ruleset;
struct sigma_engine;
struct sink;
struct strbuf;
struct tamper;

/* How often SensitiveFileRead's gate is re-read from disk (seconds). */
#define SENS_REFRESH_S 60

struct ev_counters {
	uint64_t seen, emitted, filtered, capped, dropped_user;
};

struct sensor {
	const struct sensor_opts *o;
	struct identity id;
	struct proc_cache *pc;
	struct hash_cache *hc;
	struct services *svc;
	struct dns_cache *dns;
	struct decoder dec;
	struct coalescer *co; /* FileModify by (process, file) and window */
	struct ruleset *rs;
	struct bpf_sensor *bpf;
	struct tamper *tamper;
	bool can_mute; /* the config has image excludes the kernel can apply */
	struct caps_state *caps;
	struct vrec *crec; /* CapSummary scratch */
	struct control *ctl;
	struct reload_job *rl; /* the SIGHUP compile thread, see reload() */
	unsigned health_interval_s;
	uint64_t started_real_ns;
	uint32_t self_pid;
	struct sigma_engine *sigma; /* NULL without --sigma */
	struct vrec *arec;	    /* alert scratch */
	uint64_t sigma_errors;
	struct sink **sinks;
	size_t n_sinks;
	struct seqno seq;
	struct vrec *rec;  /* the record being decoded */
	struct vrec *drec; /* daemon-event scratch */
	struct ev_counters ctr[VIGIL_EVENT_ID_MAX];
	uint64_t last_health_mono;
	char health_names[VIGIL_EVENT_ID_MAX][6][48];
	/* What this kernel cannot deliver (progs.h), computed at start; one
	 * later finding can add to it (note_open_regs(), health.c). */
	struct event_avail *avail;
	bool open_regs_bad;
	char unavailable[1024], degraded[1024], kernel[65];
	char attached[4096]; /* names of the attached BPF programs */
	size_t n_attached;
	uint64_t collected;	     /* record types collected (bit per vg_type), as last applied */
	struct sens_gate_state sens; /* SensitiveFileRead's kernel gate, as loaded */
	uint64_t last_sens_mono;
};

/* sensor.c: the pipeline's last steps, for the other files. */

/* Now on CLOCK_BOOTTIME, the kernel records' clock, in ns. */
uint64_t mono_ns(void);
/* Sends a finished record to every sink. Returns true if any took it. */
bool deliver(struct sensor *S, struct vrec *rec);
/* A daemon event: starts S->drec with the current time and returns it. */
struct vrec *daemon_rec(struct sensor *S, unsigned id);
/* Counts and delivers a daemon event r, then runs detection on it. */
void emit_daemon(struct sensor *S, struct vrec *r);
/* Emits an Error (255) with code and msg. */
void emit_error(struct sensor *S, int code, const char *msg);
/* Emits a ConfigChange (16) for the config in force. */
void emit_config(struct sensor *S);
/* Sends on what the caps hold: the summaries due, or all of them. */
void flush_caps(struct sensor *S, bool all);

/* reload.c: the config at start and on SIGHUP. */

/* The config file at path, or the embedded default when path is NULL;
 * NULL with *err filled when it is refused. */
struct ruleset *load_rules(const char *path, struct rules_error *err);
/* SensorHealth's interval: the config's, else the command line's. */
void set_health_interval(struct sensor *S);
/* The Computer asked for: --computer, else the config's <VigilComputer>,
 * else NULL (the host name stays). */
const char *configured_computer(const struct sensor *S);
/* SIGHUP: starts a compile on its own thread, or queues one. */
void reload(struct sensor *S);
/* The compile thread is done (reload_fd readable): swap the new config in. */
void reload_finish(struct sensor *S);
/* Sets up and tears down the reload machinery (S->rl). */
int reload_init(struct sensor *S);
void reload_free(struct sensor *S);
/* The eventfd that becomes readable when a compile ends. */
int reload_fd(const struct sensor *S);
/* For `vigil status`: "idle", "compiling" or "compiling, one more queued". */
const char *reload_state(const struct sensor *S);
/* With --insecure-config-perms, an Error saying the start-up load was
 * insecure. */
void report_insecure_perms(struct sensor *S);

/* health.c: counters out to SensorHealth and `vigil status`. */

/* Builds the SensorHealth field names ("ProcessCreateSeen", ...) once. */
void health_names_init(struct sensor *S);
/* Emits one SensorHealth (241) with every counter. */
void emit_health(struct sensor *S);
/* An Error when an output starts failing or recovers. */
void check_outputs(struct sensor *S);
/* The reply to `vigil status` (text, or one JSON object). */
void status_snapshot(void *ctx, struct strbuf *out, bool json);

/* mute.c: kernel collection gates and per-process mutes. */

/* Which kernel record types the config needs (bit per vg_type). */
uint64_t collection_mask(const struct ruleset *rs);
/* Attaches, detaches and enables programs to match collection_mask. */
void apply_collection(struct sensor *S);
/* The record types the kernel may drop for a process running image. */
uint64_t mute_mask(const struct ruleset *rs, const char *image);
/* (Re)computes the kernel pre-filter for every known process. */
void apply_mutes(struct sensor *S);
/* (Re)loads SensitiveFileRead's kernel gate from the config; call before
 * apply_collection, which turns the type off when the gate is inactive. */
void apply_sens_gate(struct sensor *S);
/* The decoder's share of the config: Environment's names, ProcessFork. */
void apply_decoder_config(struct sensor *S);

/* tamper_rules.c: tamper signs that need the sensor's state. */

/* tamper_alert_fn (tamper.h) for tamper.c's findings: a TamperAlert. */
void on_tamper(void *ctx, const char *type, const char *detail);
/* Tamper signs in a decoded event, before the config filter; also mutes
 * a new process for the kernel when the config allows (mute.c). */
void tamper_checks(struct sensor *S, const struct vrec *rec);
/* Puts back control-map values someone rewrote, and says so. */
void verify_maps(struct sensor *S);
/* A TamperAlert when the sensor's BPF objects are pinned in bpffs. */
void check_pins(struct sensor *S);
/* Marks the running auditd's pids so that signals to them are reported. */
void protect_auditd(struct sensor *S);

#endif
