/*
 * sensor.h — the running sensor: one epoll loop in one thread. A SIGHUP's
 * compile runs on a thread of its own, and some outputs have worker
 * threads; events are handled in the loop only.
 *
 * The loop waits on the ring buffer, a signalfd (INT/TERM stop, HUP
 * reloads, USR1 reopens the outputs), a 50 ms timerfd, the tamper inotify
 * fd, the control socket (`vigil status`, `vigil rotate`) and the reload
 * eventfd. Every tick polls the ring buffer and feeds the systemd
 * watchdog; once a second the tick also refreshes the clock, ages the
 * process cache, runs the tamper checks, flushes caps, checks the outputs
 * and, when due, emits SensorHealth.
 *
 * Each record flows decode → tamper checks → filter → caps → sequence →
 * sinks → Sigma, and the sinks are flushed after every batch and every
 * tick, so a quiet host sees events at once and a busy one writes in large
 * blocks.
 */
#ifndef VIGIL_SENSOR_H
#define VIGIL_SENSOR_H

struct fleet_responder_cfg;

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SENSOR_MAX_OUTPUTS 16

struct sensor_opts {
	const char *config_path; /* NULL: Sysmon's built-in defaults */
	const char *outputs[SENSOR_MAX_OUTPUTS];
	size_t n_outputs; /* 0: "default" */
	const char *state_dir;
	uint32_t ringbuf_bytes;
	unsigned health_interval_s;
	size_t proc_cache_max;
	const char *sigma_paths[SENSOR_MAX_OUTPUTS]; /* Sigma rule files or dirs */
	size_t n_sigma;
	const char *control_path; /* NULL: CONTROL_DEFAULT_PATH */
	int verbose;
	/* --insecure-config-perms: load configuration files that someone other
	 * than root could have written, with a warning (see
	 * ruleset__check_perms). */
	bool insecure_config_perms;
	/* --computer: overrides <VigilComputer> and the host name (NULL: none). */
	const char *computer;
	/* --fleet: answer fleet hunts from the SQLite store (NULL: off). The
	 * sensor fills in the Computer and starts the responder once its
	 * outputs are open and its capabilities are cut (src/fleet/). */
	struct fleet_responder_cfg *fleet;
};

/* Runs until SIGINT/SIGTERM; returns a sysexits code (0 on a clean stop). */
int sensor__run(const struct sensor_opts *o);

#endif
