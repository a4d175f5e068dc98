/*
 * sensor.c — the sensor's lifecycle (start, reload, stop), the event loop
 * and the pipeline; see sensor.h. Its other concerns have files of their
 * own, sharing struct sensor through sensor_int.h: health.c (counters,
 * SensorHealth, `vigil status`), mute.c (kernel collection gates and
 * mutes), tamper_rules.c (tamper signs that need the sensor's state),
 * reload.c (loading the config at start and on SIGHUP).
 */
#include "sensor/sensor.h"

#include "common/log.h"
#include "common/record.h"
#include "detect/sigma.h"
#include "fleet/responder.h"
#include "rules/caps.h"
#include "rules/rules.h"
#include "sensor/coalesce.h"
#include "sensor/control.h"
#include "sensor/decode.h"
#include "sensor/harden.h"
#include "sensor/notify.h"
#include "sensor/loader.h"
#include "sensor/seqno.h"
#include "sensor/sensor_int.h"
#include "sensor/registry.h"
#include "sensor/tamper.h"
#include "sinks/sink.h"
#include "sinks/sinkopt.h"

#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Sends a finished record to every sink. Returns true if any took it. */
void apply_decoder_config(struct sensor *S)
{
	S->dec.n_env = ruleset__env_names(S->rs, &S->dec.env_names);
	S->dec.want_fork = ruleset__event_mode(S->rs, EV_PROCESS_FORK) != RULES_MODE_NONE;
}

bool deliver(struct sensor *S, struct vrec *rec)
{
	bool any = false;

	rec->seq = seqno__next(&S->seq);
	seqno__note(&S->seq, rec->ts_ns);
	rec->computer = S->id.hostname;
	for (size_t i = 0; i < S->n_sinks; i++)
		if (sink__write(S->sinks[i], rec) == 0)
			any = true;
	return any || S->n_sinks == 0;
}

/* A daemon event: starts drec with the current time. */
struct vrec *daemon_rec(struct sensor *S, unsigned id)
{
	struct vrec *r = S->drec;
	char t[24];

	vrec__reset(r, schema__event(id));
	r->ts_ns = identity__boot_to_real(&S->id, mono_ns());
	vrec__fmt_time(r->ts_ns, t);
	vrec__set(r, VF_UtcTime, t, 23);
	return r;
}

static void detect(struct sensor *S, const struct vrec *rec);

void emit_daemon(struct sensor *S, struct vrec *r)
{
	struct ev_counters *c = &S->ctr[r->def->id];

	c->seen++;
	if (deliver(S, r))
		c->emitted++;
	else
		c->dropped_user++;
	detect(S, r);
}

void emit_error(struct sensor *S, int code, const char *msg)
{
	struct vrec *r = daemon_rec(S, EV_ERROR);

	vrec__set_int(r, VF_ID, code);
	vrec__set_str(r, VF_Description, msg);
	emit_daemon(S, r);
}

static void emit_state(struct sensor *S, const char *state)
{
	struct vrec *r = daemon_rec(S, EV_SENSOR_STATE);

	vrec__set_str(r, VF_State, state);
	vrec__set_str(r, VF_Version, VIGIL_VERSION);
	vrec__set_str(r, VF_SchemaVersion, VIGIL_SCHEMA_VERSION);
	vrec__set_str(r, VF_Kernel, S->kernel);
	vrec__set_str(r, VF_UnavailableEvents, S->unavailable);
	vrec__set_str(r, VF_DegradedEvents, S->degraded);
	vrec__set_uint(r, VF_AttachedPrograms, S->n_attached);
	vrec__set_str(r, VF_AttachedProgramNames, S->attached);
	emit_daemon(S, r);
}

void emit_config(struct sensor *S)
{
	struct vrec *r = daemon_rec(S, EV_CONFIG_CHANGE);
	char h[80];

	vrec__set_str(r, VF_Configuration, ruleset__path(S->rs));
	if (strcmp(ruleset__sha256(S->rs), "-") == 0)
		vrec__set_str(r, VF_ConfigurationFileHash, "-");
	else {
		snprintf(h, sizeof(h), "SHA256=%s", ruleset__sha256(S->rs));
		vrec__set_str(r, VF_ConfigurationFileHash, h);
	}
	emit_daemon(S, r);
}

static int on_sigma_match(const struct sigma_rule_info *rule, const struct vrec *ev, void *ctx)
{
	struct sensor *S = ctx;
	struct ev_counters *c = &S->ctr[EV_DETECTION_ALERT];

	sigma__alert(rule, ev, S->arec);
	c->seen++;
	if (deliver(S, S->arec))
		c->emitted++;
	else
		c->dropped_user++;
	return 0;
}

/* Detection runs on what was logged, after it got its SequenceNumber, so
 * every alert points at a record the analyst has. Alerts themselves are
 * not matched again. */
static void detect(struct sensor *S, const struct vrec *rec)
{
	if (S->sigma == NULL || rec->def->id == EV_DETECTION_ALERT)
		return;
	if (sigma__match(S->sigma, rec, on_sigma_match, S) < 0)
		S->sigma_errors++;
}

static void on_cap_summary(void *ctx, struct vrec *rec)
{
	emit_daemon(ctx, rec);
}

void flush_caps(struct sensor *S, bool all)
{
	uint64_t now = identity__boot_to_real(&S->id, mono_ns());
	caps_state__flush(S->caps, now, all, S->crec, on_cap_summary, S);
}

/* One decoded event: filter, name the rule, deliver, count. */
static void process_rec(struct sensor *S, struct vrec *rec)
{
	struct ev_counters *c = &S->ctr[rec->def->id];
	const char *rule = NULL;

	tamper_checks(S, rec);
	c->seen++;
	if (!ruleset__match(S->rs, rec, &rule)) {
		c->filtered++;
		return;
	}
	vrec__set_str(rec, VF_RuleName, rule && *rule ? rule : "-");
	ruleset__apply_field_sizes(S->rs, rec);
	if (caps_state__check(S->caps, rec) != CAPS_PASS) {
		/* Held back or aggregated: counted here, and in a CapSummary
		 * when its window or period ends. */
		c->capped++;
		return;
	}
	if (deliver(S, rec))
		c->emitted++;
	else
		c->dropped_user++;
	detect(S, rec);
}

static void on_coalesced(void *ctx, struct vrec *rec)
{
	process_rec(ctx, rec);
}

/* Ring-buffer callback: one kernel record through the pipeline. */
static int on_record(void *ctx, void *data, size_t len)
{
	struct sensor *S = ctx;
	struct vrec *rec = S->rec;
	int r = decoder__decode(&S->dec, data, len, rec);

	if (r < 0) {
		const struct vg_hdr *h = data;
		unsigned ev = len >= sizeof(*h) ? vg_type_event(h->type) : 0;

		if (ev) {
			S->ctr[ev].seen++;
			S->ctr[ev].dropped_user++;
		}
		return 0;
	}
	if (r > 0 && !coalesce__offer(S->co, rec, mono_ns()))
		process_rec(S, rec);
	for (unsigned i = 0; i < S->dec.n_extra; i++)
		process_rec(S, S->dec.extra[i]);
	return 0;
}

/* Works out what this kernel can deliver from the loader's per-program
 * outcome. Returns false when even ProcessCreate is out of reach: a sensor
 * without it is not worth running half-blind. */
static bool assess_kernel(struct sensor *S)
{
	const struct prog_status *ps;
	size_t n = bpf_sensor__prog_status(S->bpf, &ps);
	struct utsname u;

	if (uname(&u) == 0)
		snprintf(S->kernel, sizeof(S->kernel), "%s", u.release);
	else
		snprintf(S->kernel, sizeof(S->kernel), "-");
	progs__availability(ps, n, S->avail);
	progs__list(S->avail, AVAIL_NO, S->unavailable, sizeof(S->unavailable));
	progs__list(S->avail, AVAIL_DEGRADED, S->degraded, sizeof(S->degraded));
	if (S->avail->state[EV_PROCESS_CREATE] == AVAIL_NO) {
		log_warnx("this kernel cannot deliver ProcessCreate (%s); 'vigil check' "
			  "shows what it lacks",
			  S->avail->why[EV_PROCESS_CREATE]);
		return false;
	}
	if (strcmp(S->unavailable, "-") != 0)
		log_warnx("on kernel %s these events are unavailable: %s ('vigil check' says why)",
			  S->kernel, S->unavailable);
	return true;
}

static void flush_sinks(struct sensor *S)
{
	for (size_t i = 0; i < S->n_sinks; i++)
		sink__flush(S->sinks[i]);
	seqno__checkpoint(&S->seq);
}

static void sigma_report(const struct sigma_report *r, void *ctx)
{
	size_t *counts = ctx;

	counts[r->status]++;
	if (r->status == SIGMA_UNSUPPORTED || r->status == SIGMA_ERROR) {
		if (r->line > 0)
			log_warnx("sigma: %s:%d: %s", r->file, r->line, r->msg);
		else
			log_warnx("sigma: %s: %s", r->file, r->msg);
	}
}

/* Builds the Sigma engine from --sigma paths. Rules that cannot load are
 * reported and skipped; a path that cannot be read is an error. */
static int load_sigma(struct sensor *S)
{
	size_t counts[4] = {0};
	int r;

	S->sigma = sigma__new();
	S->arec = calloc(1, sizeof(*S->arec));
	if (S->sigma == NULL || S->arec == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < S->o->n_sigma; i++) {
		if (sigma__add_path(S->sigma, S->o->sigma_paths[i]) < 0) {
			log_warn("sigma: cannot read %s", S->o->sigma_paths[i]);
			return -ENOENT;
		}
	}
	r = sigma__compile(S->sigma, sigma_report, counts);
	if (r < 0) {
		log_warnx("sigma: cannot build the matcher: %s", strerror(-r));
		return r;
	}
	log_info("sigma: %zu rules active (%zu correlations), %zu without a vigil source, "
		 "%zu not loaded",
		 sigma__rule_count(S->sigma), sigma__correlation_count(S->sigma),
		 counts[SIGMA_NO_SOURCE], counts[SIGMA_UNSUPPORTED] + counts[SIGMA_ERROR]);
	return 0;
}

static int make_state_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_warn("cannot create state directory %s", dir);
		return -errno;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_warnx("state directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

/* SIGUSR1 and `vigil rotate`: every output that writes a file reopens it
 * by name, after logrotate has moved the old one away. */
static void reopen_sinks(void *ctx, struct strbuf *out)
{
	struct sensor *S = ctx;
	int n = 0, failed = 0;

	flush_sinks(S);
	for (size_t i = 0; i < S->n_sinks; i++) {
		int r = sink__reopen(S->sinks[i]);
		n += r > 0;
		failed += r < 0;
	}
	log_info("reopened %d output(s), %d failed", n, failed);
	if (out)
		strbuf__addf(out, "reopened %d output(s), %d failed\n", n, failed);
}

/* Runs until SIGINT/SIGTERM (0), or until epoll fails (-errno, logged): a
 * loop that cannot wait for its inputs would spin or stall, blind. */
static int loop(struct sensor *S, int sfd, int tfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	/* The tamper and control fds are -1 when unavailable: the sensor
	 * runs without them (said at start-up). */
	const struct {
		int fd;
		const char *what;
	} in[] = {
	    {bpf_sensor__fd(S->bpf), "ring buffer"},
	    {sfd, "signalfd"},
	    {tfd, "timerfd"},
	    {tamper__fd(S->tamper), "tamper inotify fd"},
	    {S->ctl ? control__fd(S->ctl) : -1, "control socket"},
	    {reload_fd(S), "reload eventfd"},
	};
	struct epoll_event evs[8];
	uint64_t last_second = mono_ns();
	unsigned pin_tick = 0;
	bool stop = false;
	int err = 0;

	if (ep < 0) {
		err = -errno;
		log_warn("event loop: epoll_create1");
		return err;
	}
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = in[i].fd};

		if (in[i].fd < 0)
			continue;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, in[i].fd, &ev) != 0) {
			err = -errno;
			log_warn("event loop: cannot watch the %s", in[i].what);
			close(ep);
			return err;
		}
	}

	while (!stop) {
		int n = epoll_wait(ep, evs, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			log_warn("event loop: epoll_wait failed, stopping");
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					char m[64];
					snprintf(m, sizeof(m), "RELOADING=1\nMONOTONIC_USEC=%llu",
						 (unsigned long long)(mono_ns() / NSEC_PER_USEC));
					notify__send(m);
					reload(S);
					notify__send("READY=1");
				} else if (si.ssi_signo == SIGUSR1) {
					reopen_sinks(S, NULL);
				} else {
					notify__send("STOPPING=1");
					stop = true;
				}
			} else if (fd == tfd) {
				uint64_t ticks;
				uint64_t now = mono_ns();
				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					continue;
				bpf_sensor__consume(S->bpf);
				/* Held FileModify records whose window ends before the next tick.
				 */
				coalesce__flush(S->co, now, 50 * NSEC_PER_MSEC, false, on_coalesced,
						S);
				notify__tick(now); /* from the loop: a stall stops it */
				if (now - last_second >= NSEC_PER_SEC) {
					last_second = now;
					identity__refresh_clock(&S->id);
					proc_cache__gc(S->pc, now, 5 * NSEC_PER_SEC);
					tamper__tick(S->tamper, on_tamper, S);
					verify_maps(S);
					/* bpffs is small; every 10 s is plenty. */
					if (++pin_tick % 10 == 0)
						check_pins(S);
					flush_caps(S, false);
					check_outputs(S);
					/* New directories under a SensitiveFileRead
					 * prefix join the gate within a minute. */
					if (S->sens.active && !S->sens.all &&
					    now - S->last_sens_mono >=
						SENS_REFRESH_S * NSEC_PER_SEC) {
						S->last_sens_mono = now;
						apply_sens_gate(S);
					}
					if (S->health_interval_s &&
					    now - S->last_health_mono >=
						(uint64_t)S->health_interval_s * NSEC_PER_SEC) {
						S->last_health_mono = now;
						emit_health(S);
					}
				}
				flush_sinks(S);
			} else if (fd == reload_fd(S)) {
				reload_finish(S);
				flush_sinks(S);
			} else if (S->ctl && fd == control__fd(S->ctl)) {
				control__handle(S->ctl, status_snapshot, S);
			} else if (fd == tamper__fd(S->tamper)) {
				tamper__on_inotify(S->tamper, on_tamper, S);
				flush_sinks(S);
			} else {
				bpf_sensor__consume(S->bpf);
				flush_sinks(S);
			}
		}
	}
	close(ep);
	return err;
}

int sensor__run(const struct sensor_opts *o)
{
	struct sensor *S = calloc(1, sizeof(*S));
	struct fleet_responder *fleet = NULL;
	struct sink_env env = {0};
	struct bpf_sensor_opts bo = {0};
	struct rules_error err;
	/* The reader polls the ring every 50 ms (records are committed without
	 * a wakeup until enough wait, see wake_bytes in common.bpf.h), and
	 * does its housekeeping once a second. */
	struct itimerspec its = {{0, 50 * NSEC_PER_MSEC}, {0, 50 * NSEC_PER_MSEC}};
	sigset_t mask;
	int sfd = -1, tfd = -1, rc = EX_SOFTWARE;
	size_t snap;

	if (S == NULL)
		return EX_OSERR;
	S->o = o;
	S->seq.dirfd = -1;
	S->rec = calloc(1, sizeof(*S->rec));
	S->drec = calloc(1, sizeof(*S->drec));
	if (S->rec == NULL || S->drec == NULL)
		goto out;
	vrec__reset(S->rec, NULL);
	vrec__reset(S->drec, NULL);
	health_names_init(S);

	if (geteuid() != 0) {
		log_warnx("vigil run must run as root: it loads BPF programs");
		rc = EX_NOPERM;
		goto out;
	}
	/* Before any thread (sink workers) exists, so all inherit both: the
	 * signals go to the signalfd only (a worker thread with them unblocked
	 * would be killed by the default action), and the capabilities. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	notify__init();
	harden__drop_caps();
	S->rs = load_rules(o->config_path, &err);
	if (S->rs == NULL) {
		if (err.line > 0)
			log_warnx("%s:%d: %s", err.file, err.line, err.msg);
		else
			log_warnx("%s: %s", err.file[0] ? err.file : o->config_path, err.msg);
		rc = EX_CONFIG;
		goto out;
	}
	set_health_interval(S);
	S->caps = caps_state__new(S->rs, 0);
	S->crec = calloc(1, sizeof(*S->crec));
	if (S->caps == NULL || S->crec == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	if (o->n_sigma && load_sigma(S) != 0) {
		rc = EX_CONFIG;
		goto out;
	}
	if (make_state_dir(o->state_dir) != 0) {
		rc = EX_CANTCREAT;
		goto out;
	}
	if (identity__init(&S->id, o->state_dir) != 0) {
		log_warnx("cannot read the boot time from /proc/stat");
		rc = EX_OSERR;
		goto out;
	}
	if (seqno__open(&S->seq, o->state_dir) != 0) {
		log_warn("cannot keep the sequence number in %s", o->state_dir);
		rc = EX_CANTCREAT;
		goto out;
	}
	/* The Computer of every event is fixed for the sensor's life: sinks
	 * (syslog's HOSTNAME, NATS) take it when they open. */
	if (configured_computer(S))
		snprintf(S->id.hostname, sizeof(S->id.hostname), "%s", configured_computer(S));
	env.state_dir = o->state_dir;
	env.computer = S->id.hostname;
	env.sysmon_compat = true;
	for (size_t i = 0; i < (o->n_outputs ? o->n_outputs : 1); i++) {
		const char *spec = o->n_outputs ? o->outputs[i] : "default";
		if (sink__open_spec(spec, &env, &S->sinks, &S->n_sinks) != 0) {
			char shown[1024];
			sinkopt__redact(spec, shown, sizeof(shown));
			log_warnx("cannot open output '%s'", shown);
			rc = EX_CANTCREAT;
			goto out;
		}
	}
	if (o->fleet != NULL) {
		/* Its own connection and the library's threads: a query never
		 * runs on the event path. */
		snprintf(o->fleet->ident.computer, sizeof(o->fleet->ident.computer), "%s",
			 S->id.hostname);
		fleet = fleet__responder_start(o->fleet);
		if (fleet == NULL) {
			rc = EX_UNAVAILABLE;
			goto out;
		}
	}

	S->pc = proc_cache__new(&S->id, o->proc_cache_max);
	S->hc = hash_cache__new(4096, ruleset__hash_algorithms(S->rs));
	S->svc = services__load(NULL);
	S->dns = dns_cache__new(8192);
	if (S->pc == NULL || S->hc == NULL || S->svc == NULL || S->dns == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	S->dec.id = &S->id;
	S->dec.pc = S->pc;
	S->dec.hc = S->hc;
	S->dec.svc = S->svc;
	S->dec.dns = S->dns;
	S->co = coalesce__new(COALESCE_SLOTS, COALESCE_WINDOW_NS);
	if (S->co == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	for (int i = 0; i < DECODER_MAX_EXTRA; i++) {
		S->dec.extra[i] = calloc(1, sizeof(struct vrec));
		if (S->dec.extra[i] == NULL) {
			rc = EX_OSERR;
			goto out;
		}
	}

	if (reload_init(S) != 0) {
		log_warn("cannot set up reloads");
		rc = EX_OSERR;
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) != 0) {
		log_warn("cannot set up signals and timers");
		rc = EX_OSERR;
		goto out;
	}

	bo.self_tgid = (uint32_t)getpid();
	bo.ringbuf_bytes = o->ringbuf_bytes;
	bo.verbose = o->verbose;
	for (int t = 0; t < VG_TYPE_MAX; t++)
		bo.want[t] = (collection_mask(S->rs) >> t) & 1;
	S->avail = calloc(1, sizeof(*S->avail));
	if (S->avail == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	S->bpf = bpf_sensor__start(&bo, on_record, S);
	if (S->bpf == NULL || !assess_kernel(S)) {
		rc = EX_UNAVAILABLE;
		goto out;
	}
	apply_decoder_config(S);
	apply_sens_gate(S);
	apply_collection(S);
	S->self_pid = (uint32_t)getpid();
	bpf_sensor__protect(S->bpf, S->self_pid, VG_PROT_SELF);
	{
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		S->tamper = tamper__new(o->config_path, n > 0 ? exe : NULL);
		if (S->tamper == NULL) {
			rc = EX_OSERR;
			goto out;
		}
		tamper__set_links(S->tamper, S->bpf);
	}
	/* After attaching: anything that starts from now on is seen by a
	 * probe, anything before is in /proc. */
	snap = proc_cache__snapshot(S->pc);
	apply_mutes(S);
	protect_auditd(S);
	/* The probes are attached and tracefs is mounted: what is left to do
	 * needs none of the calls the filter refuses. */
	harden__seccomp();
	S->ctl = control__open(o->control_path);
	if (S->ctl == NULL)
		log_warn("control socket %s unavailable: 'vigil status' will not answer",
			 o->control_path ? o->control_path : CONTROL_DEFAULT_PATH);
	S->started_real_ns = identity__boot_to_real(&S->id, mono_ns());
	log_info("sensor started: %zu processes known, config %s, %zu output(s)", snap,
		 ruleset__path(S->rs), S->n_sinks);
	seqno__mark_running(&S->seq, S->started_real_ns);
	emit_state(S, "Started");
	{
		/* Right after Started: the run before this one was cut off. */
		char msg[512];
		if (seqno__unclean(&S->seq, msg, sizeof(msg))) {
			log_warnx("%s", msg);
			emit_error(S, EV_SENSOR_STATE, msg);
		}
	}
	emit_config(S);
	report_insecure_perms(S);
	flush_sinks(S);
	S->last_health_mono = mono_ns();
	control__set_rotate(S->ctl, reopen_sinks, S);
	/* Only now: the probes are attached and Started is written. */
	notify__send("READY=1\nSTATUS=sensor running");
	notify__tick(mono_ns());

	/* An event loop that failed still drains and says Stopped below. */
	rc = loop(S, sfd, tfd) < 0 ? EX_OSERR : 0;
	reload_free(S);

	/* Drain what the kernel already queued, then say goodbye. */
	while (bpf_sensor__consume(S->bpf) > 0)
		;
	coalesce__flush(S->co, 0, 0, true, on_coalesced, S);
	flush_caps(S, true);
	check_pins(S);
	emit_health(S);
	emit_state(S, "Stopped");
	flush_sinks(S);
	seqno__mark_stopped(&S->seq);
	log_info("sensor stopped");
out:
	fleet__responder_stop(fleet);
	for (size_t i = 0; i < S->n_sinks; i++)
		sink__close(S->sinks[i]);
	free(S->sinks);
	bpf_sensor__stop(S->bpf);
	seqno__close(&S->seq);
	if (S->rs)
		ruleset__free(S->rs);
	proc_cache__free(S->pc);
	hash_cache__free(S->hc);
	services__free(S->svc);
	dns_cache__free(S->dns);
	coalesce__free(S->co);
	for (int i = 0; i < DECODER_MAX_EXTRA; i++)
		free(S->dec.extra[i]);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	reload_free(S);
	tamper__free(S->tamper);
	control__close(S->ctl);
	notify__close();
	caps_state__free(S->caps);
	free(S->crec);
	sigma__free(S->sigma);
	free(S->arec);
	free(S->rec);
	free(S->drec);
	free(S->avail);
	free(S);
	return rc;
}
