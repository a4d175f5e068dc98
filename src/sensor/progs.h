/*
 * progs.h — what each BPF program feeds, and what a kernel that could not
 * load some of them can still deliver.
 *
 * The loader loads program by program's worth of tolerance: a program the
 * verifier refuses, or whose tracepoint this kernel lacks, is left out and
 * the rest run (loader.c). This module turns the per-program outcome into
 * the per-event answer a user needs: which events are available, degraded
 * (some of their sources are missing) or unavailable, and why. The Started
 * event, SensorHealth, `vigil status`, `vigil check` and `vigil coverage`
 * all print this answer.
 */
#ifndef VIGIL_PROGS_H
#define VIGIL_PROGS_H

#include "common/schema.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What happened to one BPF program at start-up. */
enum prog_state {
	PROG_LOADED = 0, /* loaded (and attached, once the sensor runs) */
	PROG_NO_TP,	 /* its tracepoint does not exist on this kernel */
	PROG_NO_TRACEFS, /* its tracepoint cannot be looked up: tracefs refused */
	PROG_FAILED,	 /* the kernel refused it (verifier, CO-RE, helper) */
	PROG_NOT_WANTED, /* not loaded: the active config needs none of its events */
};

struct prog_status {
	char name[32];
	char section[64];
	uint8_t state; /* enum prog_state */
	int err;       /* -errno of a failed load */
	char why[200]; /* one line: the verifier's or libbpf's reason */
};

enum avail_state {
	AVAIL_YES = 0,
	AVAIL_DEGRADED, /* some of its sources are missing: fewer events, never wrong ones */
	AVAIL_NO,
};

struct event_avail {
	uint8_t state[VIGIL_EVENT_ID_MAX]; /* enum avail_state, per EventID */
	char why[VIGIL_EVENT_ID_MAX][240];
};

/* The record types (bit per vg_type) a program can produce or needs to
 * produce them, by program name; 0 for a name the table does not know
 * (a unit test checks every program of the object has a row). */
uint64_t progs__types(const char *prog_name);
/* Whether the program is needed only where the exit programs cannot take
 * the call's arguments from the saved registers (the DNS entry programs in
 * net.bpf.h, vg_mmap_e in fileops.bpf.h): the loader attaches it only
 * there. */
bool progs__regs_fallback(const char *prog_name);

/* The events a record type produces, 0-terminated (at most 4). */
const uint16_t *progs__type_events(unsigned vg_type);

/* Computes per-event availability from the per-program outcome. Events
 * with no kernel source (daemon events, caps, alerts) are available. */
void progs__availability(const struct prog_status *ps, size_t n, struct event_avail *out);

/* "Name1,Name2" of the events in the given state, or "-" for none. */
void progs__list(const struct event_avail *a, enum avail_state st, char *buf, size_t size);

/* The core events without which vigil does not start: 1, 3, 5, 11, 23. */
extern const uint16_t progs_core_events[5];

/* From libbpf's warnings of a failed object load: the program the kernel
 * refused and the one line that says why (a CO-RE line, else the
 * verifier's last). Returns false when no program is named. */
bool progs__failed_prog(const char *log, char *name, size_t name_size, char *why, size_t why_size);

const char *progs__state_name(enum prog_state st);
const char *progs__avail_name(enum avail_state st);

#endif
