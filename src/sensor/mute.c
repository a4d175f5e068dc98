/*
 * mute.c — what the kernel collects and what it may drop early.
 *
 * Collection: a gated record type is on when the config logs any event it
 * feeds; its programs are detached when all of their types are off.
 * Mutes: for a process whose image every event of a record type excludes,
 * the kernel drops that type's records before they reach the ring buffer
 * (see "muted" in common.bpf.h); the user-space filter stays the judge.
 */
#include "sensor/sensor_int.h"

#include "common/log.h"
#include "rules/rules.h"
#include "sensor/loader.h"
#include "sensor/registry.h"
#include "sensor/tamper.h"

#include <stdio.h>
#include <string.h>

/* Which kernel record types the config needs (bit per vg_type). Process
 * records always flow: the cache needs them whatever is logged. Access to
 * the sensor and signals to it are tamper signs whatever the config logs. */
uint64_t collection_mask(const struct ruleset *rs)
{
	uint64_t mask = vg_types_always_mask();

	for (unsigned t = 0; t < VG_TYPE_MAX; t++) {
		const uint16_t *ev;
		size_t n = vg_type_gate_events(t, &ev);

		for (size_t k = 0; k < n; k++)
			if (ruleset__event_mode(rs, ev[k]) != RULES_MODE_NONE)
				mask |= 1ull << t;
	}
	return mask;
}

/* Switches collection to what the config needs: programs whose record
 * types are all off are detached (an attached syscall tracepoint costs
 * every task a slower syscall path), the others attached; then the
 * enabled map follows. Types that stay on keep their programs attached
 * throughout, so a reload loses none of their events. */
void apply_collection(struct sensor *S)
{
	uint64_t mask = collection_mask(S->rs);
	bool dns_on = ((mask & ~S->collected) >> VG_DNS) & 1;

	/* SensitiveFileRead logs only what include rules name: without them
	 * (an empty or exclude-only block) the kernel sends nothing. */
	if (!S->sens.active)
		mask &= ~(1ull << VG_SENS_READ);
	/* bpf() stays attached whatever the config logs: it reports writes
	 * to the sensor's own maps (a tamper sign); its eBPFEvent records
	 * follow the enabled map like any other type. */
	bpf_sensor__set_attached(S->bpf, mask | (1ull << VG_BPF));
	/* Stale DNS marks go while DNS is off: cleared after it is on, they
	 * could take a mark the kernel had just made between a query and its
	 * answer. */
	if (dns_on)
		bpf_sensor__dns_prepare(S->bpf);
	for (unsigned t = 0; t < VG_TYPE_MAX; t++) {
		bool on = (mask >> t) & 1;

		if (!vg_type_gated(t))
			continue;
		bpf_sensor__set_enabled(S->bpf, t, on);
		log_debug("collect record type %u: %s", t, on ? "on" : "off");
	}
	/* The kernel keeps the DNS marks only while DNS is collected: each
	 * time it is switched on, the processes that already hold a socket
	 * an answer could come on are marked (see dns_procs), off the event
	 * loop; every read is looked at until that is done. The marking
	 * programs are attached by now, so no query falls between the two. */
	if (dns_on) {
		int err = bpf_sensor__dns_seed(S->bpf);

		if (err < 0)
			log_warnx("cannot start a thread to find the processes that may read DNS "
				  "answers (%s): found before going on",
				  strerror(-err));
	}
	S->collected = mask;
	S->n_attached = bpf_sensor__attached(S->bpf, S->attached, sizeof(S->attached));
	if (S->tamper != NULL)
		tamper__set_links(S->tamper, S->bpf);
}

/* The record types the config lets the kernel drop for a process running
 * image: see "muted" in common.bpf.h. */
uint64_t mute_mask(const struct ruleset *rs, const char *image)
{
	uint64_t mask = 0;

	for (unsigned t = 0; t < VG_TYPE_MAX; t++) {
		const uint16_t *evs;
		size_t n = vg_type_gate_events(t, &evs);
		bool all = n > 0 && vg_type_mutable(t);

		for (size_t k = 0; all && k < n; k++) {
			unsigned ev = evs[k];
			if (ruleset__event_mode(rs, ev) == RULES_MODE_NONE)
				continue;
			/* ASCII case folding only: where the rules engine
			 * folds more, the user-space filter still drops. A
			 * hash lookup: a list of 100,000 paths costs an exec
			 * (and a reload) no more than one. */
			all = ruleset__kernel_image_excluded(rs, ev, image);
		}
		if (all)
			mask |= 1ull << t;
	}
	return mask;
}

static bool ruleset_can_mute(const struct ruleset *rs)
{
	for (unsigned t = 0; t < VG_TYPE_MAX; t++) {
		const uint16_t *ev;
		size_t n = vg_type_gate_events(t, &ev);

		for (size_t k = 0; k < n; k++) {
			const char *const *paths;
			if (ruleset__kernel_image_excludes(rs, ev[k], &paths) > 0)
				return true;
		}
	}
	return false;
}

static void mute_one(void *ctx, struct proc *p)
{
	struct sensor *S = ctx;
	bpf_sensor__mute(S->bpf, p->pid, p->exited ? 0 : mute_mask(S->rs, p->image));
}

/* The exact image paths with a nonzero mask, for the exec program. */
static void push_mute_images(struct sensor *S)
{
	const char *paths[512];
	uint64_t masks[512];
	size_t n = 0;

	for (unsigned t = 0; t < VG_TYPE_MAX; t++) {
		const uint16_t *ev;
		size_t ne = vg_type_gate_events(t, &ev);

		for (size_t k = 0; k < ne; k++) {
			const char *const *p;
			size_t np = ruleset__kernel_image_excludes(S->rs, ev[k], &p);
			for (size_t j = 0; j < np && n < 512; j++) {
				uint64_t m = mute_mask(S->rs, p[j]);
				bool dup = false;
				for (size_t q = 0; q < n && !dup; q++)
					dup = strcmp(paths[q], p[j]) == 0;
				if (m && !dup) {
					paths[n] = p[j];
					masks[n++] = m;
				}
			}
		}
	}
	bpf_sensor__set_mute_images(S->bpf, paths, masks, n);
}

/* (Re)computes the kernel pre-filter for every known process. */
void apply_mutes(struct sensor *S)
{
	S->can_mute = ruleset_can_mute(S->rs);
	push_mute_images(S);
	proc_cache__for_each(S->pc, mute_one, S);
	bpf_sensor__set_mute_active(S->bpf, S->can_mute);
}

/* SensitiveFileRead's kernel gate (sens_gate.c). A gate that cannot be
 * loaded fails open: every read open goes to user space, whose rules still
 * decide, and the reason is logged once. */
void apply_sens_gate(struct sensor *S)
{
	struct sens_gate_state st;
	int err = sens_gate__load(S->bpf, S->rs, EV_SENSITIVE_FILE_READ, &st);

	if (err) {
		memset(&st, 0, sizeof(st));
		st.active = st.all = true;
		snprintf(st.why, sizeof(st.why), "the kernel gate could not be loaded: %s",
			 strerror(-err));
		bpf_sensor__set_sens_gate(S->bpf, NULL, NULL, 0, NULL, 0, NULL, NULL, 0, true);
	}
	if (st.all && (!S->sens.all || strcmp(st.why, S->sens.why) != 0))
		log_warnx("SensitiveFileRead: every read open goes to user space: %s", st.why);
	if (st.active && !st.all &&
	    (st.npaths != S->sens.npaths || st.ndirs != S->sens.ndirs ||
	     st.nnames != S->sens.nnames))
		log_info("SensitiveFileRead: %zu paths and %zu file names in the kernel gate, %zu "
			 "directories watched%s",
			 st.npaths, st.nnames, st.ndirs,
			 st.missing ? " (some rule directories do not exist yet)" : "");
	S->sens = st;
}
