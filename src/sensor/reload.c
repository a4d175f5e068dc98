/*
 * reload.c — loading the configuration: at start, and again on SIGHUP on a
 * compile thread of its own while the event loop keeps running with the old
 * rules (see struct reload_job). Shares struct sensor through sensor_int.h.
 */
#include "common/log.h"
#include "rules/caps.h"
#include "rules/rules.h"
#include "sensor/hashes.h"
#include "sensor/loader.h"
#include "sensor/sensor_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct ruleset *load_rules(const char *path, struct rules_error *err)
{
	memset(err, 0, sizeof(*err));
	return path ? ruleset__load_file(path, err) : ruleset__builtin();
}

const char *configured_computer(const struct sensor *S)
{
	return S->o->computer ? S->o->computer : ruleset__computer(S->rs);
}

/* The Computer is fixed at start (sensor.c): the outputs took it when they
 * opened. A reload that names another one says so rather than leaving some
 * events with the old name and some with the new. */
static void note_computer_change(struct sensor *S)
{
	const char *want = configured_computer(S);
	char host[256] = "", msg[600];

	if (want == NULL) {
		if (gethostname(host, sizeof(host) - 1) != 0)
			return;
		want = host;
	}
	if (strcmp(want, S->id.hostname) == 0)
		return;
	snprintf(msg, sizeof(msg),
		 "<VigilComputer> %s takes effect at the next start; events keep Computer %s", want,
		 S->id.hostname);
	log_warnx("%s", msg);
	emit_error(S, 16, msg);
}

void set_health_interval(struct sensor *S)
{
	int cfg = ruleset__health_interval(S->rs);
	S->health_interval_s = cfg >= 0 ? (unsigned)cfg : S->o->health_interval_s;
}

/* SIGHUP: the new configuration is read and compiled by a thread of its
 * own, while the loop keeps consuming events with the old rules and
 * answering `vigil status` (a 100,000-value list used to freeze the reader
 * for seconds, and the kernel dropped what it could not queue). One compile
 * at a time: a SIGHUP during a compile is remembered once and served when it
 * ends, so the last file written is the one that applies. The thread signals
 * an eventfd; the loop thread then drains the ring buffer with the old rules
 * and swaps (reload_finish), so the ConfigChange record is a clean cut. */
struct reload_job {
	pthread_t thr;
	bool running; /* a thread exists and is not joined yet */
	bool queued;  /* a SIGHUP came during the compile */
	int efd;      /* eventfd, readable when the thread is done */
	/* Written by the thread before it signals efd. */
	struct ruleset *nrs;
	struct caps_state *ncaps;
	char msg[900];	       /* why it failed, when nrs is NULL */
	char perms_warn[1100]; /* loaded in spite of insecure permissions */
};

/* "FILE: reason" of a permissions problem, for messages. */
static void perms_msg(const struct rules_error *e, char *out, size_t len)
{
	snprintf(out, len, "%s: %s", e->file, e->msg);
}

static void *reload_thread(void *arg)
{
	struct sensor *S = arg;
	struct reload_job *rl = S->rl;
	struct rules_error err;
	char what[800];
	uint64_t one = 1;

	rl->msg[0] = rl->perms_warn[0] = '\0';
	rl->nrs = NULL;
	rl->ncaps = NULL;
	if (ruleset__check_perms(S->o->config_path, &err) == -EPERM) {
		perms_msg(&err, what, sizeof(what));
		if (!S->o->insecure_config_perms) {
			snprintf(rl->msg, sizeof(rl->msg),
				 "%s: refusing: %s (use --insecure-config-perms to override)",
				 err.file, err.msg);
			goto out;
		}
		snprintf(rl->perms_warn, sizeof(rl->perms_warn),
			 "%s; loaded anyway (--insecure-config-perms)", what);
	}
	rl->nrs = load_rules(S->o->config_path, &err);
	if (rl->nrs == NULL) {
		if (err.line > 0)
			snprintf(rl->msg, sizeof(rl->msg), "%s:%d: %s", err.file, err.line,
				 err.msg);
		else
			snprintf(rl->msg, sizeof(rl->msg), "%s: %s",
				 err.file[0] ? err.file : S->o->config_path, err.msg);
		goto out;
	}
	rl->ncaps = caps_state__new(rl->nrs, 0);
	if (rl->ncaps == NULL) {
		ruleset__free(rl->nrs);
		rl->nrs = NULL;
		snprintf(rl->msg, sizeof(rl->msg), "reload: out of memory for caps");
	}
out:
	if (write(rl->efd, &one, sizeof(one)) != sizeof(one))
		log_warn("reload: cannot wake the event loop");
	return NULL;
}

/* On SIGHUP, in the loop thread: start a compile, or queue one. */
void reload(struct sensor *S)
{
	struct reload_job *rl = S->rl;
	int err;

	if (S->o->config_path == NULL) {
		log_info("SIGHUP: no config file, keeping Sysmon's defaults");
		return;
	}
	if (rl->running) {
		rl->queued = true;
		return;
	}
	err = pthread_create(&rl->thr, NULL, reload_thread, S);
	if (err != 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "reload: cannot start the compile thread: %s",
			 strerror(err));
		log_warnx("%s, keeping the previous configuration", msg);
		emit_error(S, 16, msg);
		return;
	}
	rl->running = true;
}

/* Waits for a running compile and takes its result. */
static void reload_join(struct reload_job *rl)
{
	uint64_t n;

	if (!rl->running)
		return;
	pthread_join(rl->thr, NULL);
	rl->running = false;
	if (read(rl->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("reload: eventfd");
}

/* The compile thread is done (efd readable): swap in the loop thread. */
void reload_finish(struct sensor *S)
{
	struct reload_job *rl = S->rl;

	reload_join(rl);
	if (rl->perms_warn[0]) {
		log_warnx("warning: %s", rl->perms_warn);
		emit_error(S, 16, rl->perms_warn);
	}
	if (rl->nrs == NULL) {
		log_warnx("reload failed, keeping the previous configuration: %s", rl->msg);
		emit_error(S, 16, rl->msg);
	} else {
		/* Whatever the kernel queued up to now happened under the old
		 * rules: judge it with them before the cut. */
		bpf_sensor__consume(S->bpf);
		/* What the old caps held back is reported before they go. */
		flush_caps(S, true);
		caps_state__free(S->caps);
		S->caps = rl->ncaps;
		ruleset__free(S->rs);
		S->rs = rl->nrs;
		rl->nrs = NULL;
		rl->ncaps = NULL;
		set_health_interval(S);
		hash_cache__set_algos(S->hc, ruleset__hash_algorithms(S->rs));
		apply_decoder_config(S);
		apply_sens_gate(S);
		apply_collection(S);
		apply_mutes(S);
		log_info("configuration reloaded from %s", S->o->config_path);
		emit_config(S);
		note_computer_change(S);
	}
	if (rl->queued) {
		rl->queued = false;
		reload(S);
	}
}

int reload_init(struct sensor *S)
{
	S->rl = calloc(1, sizeof(*S->rl));
	if (S->rl == NULL)
		return -ENOMEM;
	S->rl->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return S->rl->efd < 0 ? -errno : 0;
}

/* At stop: a compile still running is waited for (it ends on its own) and
 * its result dropped. */
void reload_free(struct sensor *S)
{
	struct reload_job *rl = S->rl;

	if (rl == NULL)
		return;
	reload_join(rl);
	caps_state__free(rl->ncaps);
	ruleset__free(rl->nrs);
	if (rl->efd >= 0)
		close(rl->efd);
	free(rl);
	S->rl = NULL;
}

/* With --insecure-config-perms, the start-up load is reported too. */
void report_insecure_perms(struct sensor *S)
{
	struct rules_error err;
	char what[800], msg[900];

	if (!S->o->insecure_config_perms || S->o->config_path == NULL ||
	    ruleset__check_perms(S->o->config_path, &err) != -EPERM)
		return;
	perms_msg(&err, what, sizeof(what));
	snprintf(msg, sizeof(msg), "%s; loaded anyway (--insecure-config-perms)", what);
	emit_error(S, 16, msg);
}

int reload_fd(const struct sensor *S)
{
	return S->rl->efd;
}

const char *reload_state(const struct sensor *S)
{
	if (S->rl == NULL || !S->rl->running)
		return "idle";
	return S->rl->queued ? "compiling, one more queued" : "compiling";
}
