/*
 * health.c — the sensor's counters made visible: SensorHealth (241), the
 * Error raised when an output fails or recovers, and the reply to
 * `vigil status`.
 *
 * Accounting: for every EventID, Seen = Emitted + Filtered + Capped +
 * DroppedKernel + DroppedUser. Kernel drops are counted per record type in
 * the BPF stats map and attributed to the event that record type produces;
 * user-space drops are records that could not be decoded or that no sink
 * accepted. SensorHealth (241) reports all of it, periodically and at stop.
 */
#include "sensor/sensor_int.h"

#include "common/json.h"
#include "common/log.h"
#include "rules/caps.h"
#include "rules/rules.h"
#include "sensor/loader.h"
#include "sensor/progs.h"
#include "sensor/registry.h"
#include "sinks/sink.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* An Error (ID 241) when an output starts failing and when it recovers:
 * its losses reach the telemetry, not only `vigil status`. */
void check_outputs(struct sensor *S)
{
	char msg[1200];

	for (size_t i = 0; i < S->n_sinks; i++) {
		if (sink__health_check(S->sinks[i], mono_ns() / NSEC_PER_MSEC, msg, sizeof(msg)) ==
		    0)
			continue;
		log_warnx("%s", msg);
		emit_error(S, EV_SENSOR_HEALTH, msg);
	}
}

void health_names_init(struct sensor *S)
{
	static const char *const suffix[6] = {"Seen",	"Emitted",	 "Filtered",
					      "Capped", "DroppedKernel", "DroppedUser"};
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 6; k++)
			snprintf(S->health_names[evs[i]->id][k], 48, "%s%s", evs[i]->name,
				 suffix[k]);
}

/* What the kernel counted for event eid, summed over the record types that
 * feed it: records it dropped (ring buffer full), and events it did not
 * produce because the config excludes the process's image (attributed to
 * the record type's main event). */
static void kernel_counts_for(struct sensor *S, unsigned eid, uint64_t *dropped, uint64_t *filtered)
{
	struct vg_stats st;

	*dropped = *filtered = 0;
	for (uint32_t t = 0; t < VG_TYPE_MAX; t++) {
		if (vg_type_event(t) != eid)
			continue;
		bpf_sensor__stats(S->bpf, t, &st);
		*dropped += st.dropped;
		*filtered += st.filtered;
	}
}

/*
 * The one availability finding made after start: the kernel side found
 * this kernel's saved syscall registers elsewhere than it reads them
 * (saved_regs() in common.bpf.h), so an open that truncates a file
 * without writing it is not reported (open_flags() in fileops.bpf.h).
 * FileModify is degraded from then on, in the log once, and in every
 * SensorHealth and `vigil status`. DNS and ImageLoad, which read the same
 * registers, turn to their entry programs (bpf_sensor__regs_fallback())
 * and lose nothing more.
 */
static void note_open_regs(struct sensor *S)
{
	static const char why[] = "a truncating open without a write is not reported: this "
				  "kernel's saved syscall registers are not where vigil reads them";

	if (S->open_regs_bad || S->bpf == NULL || !bpf_sensor__regs_bad(S->bpf))
		return;
	S->open_regs_bad = true;
	/* Attach errors are logged there; what did attach is listed below. */
	(void)bpf_sensor__regs_fallback(S->bpf);
	S->n_attached = bpf_sensor__attached(S->bpf, S->attached, sizeof(S->attached));
	if (S->avail->state[EV_FILE_MODIFY] == AVAIL_NO)
		return;
	S->avail->state[EV_FILE_MODIFY] = AVAIL_DEGRADED;
	if (S->avail->why[EV_FILE_MODIFY][0] == '\0')
		snprintf(S->avail->why[EV_FILE_MODIFY], sizeof(S->avail->why[0]), "%s", why);
	progs__list(S->avail, AVAIL_DEGRADED, S->degraded, sizeof(S->degraded));
	log_warnx("FileModify is degraded on kernel %s: %s", S->kernel, why);
}

void emit_health(struct sensor *S)
{
	struct vrec *r = daemon_rec(S, EV_SENSOR_HEALTH);
	struct rusage ru;
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);
	uint64_t qdepth = 0, kfiltered = 0;

	note_open_regs(S);
	getrusage(RUSAGE_SELF, &ru);
	for (size_t i = 0; i < S->n_sinks; i++)
		qdepth += S->sinks[i]->st.queue_depth;
	vrec__set_uint(r, VF_RingBufferUsedPct, bpf_sensor__rb_used_pct(S->bpf));
	vrec__set_uint(r, VF_SinkQueueDepth, qdepth);
	vrec__set_uint(r, VF_CpuMs,
		       (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
			   (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000);
	vrec__set_uint(r, VF_RssKiB, (uint64_t)ru.ru_maxrss);
	vrec__set_str(r, VF_UnavailableEvents, S->unavailable);
	vrec__set_str(r, VF_DegradedEvents, S->degraded);
	vrec__set_uint(r, VF_AttachedPrograms, S->n_attached);
	vrec__set_str(r, VF_AttachedProgramNames, S->attached);
	/* This record counts itself as seen and emitted before it goes out,
	 * so the totals it shows add up. */
	S->ctr[EV_SENSOR_HEALTH].seen++;
	S->ctr[EV_SENSOR_HEALTH].emitted++;
	for (size_t i = 0; i < n; i++) {
		unsigned id = evs[i]->id;
		struct ev_counters *c = &S->ctr[id];
		uint64_t kd, kf;

		kernel_counts_for(S, id, &kd, &kf);

		kfiltered += kf;
		vrec__add_dyn_uint(r, S->health_names[id][0], c->seen + kd + kf);
		vrec__add_dyn_uint(r, S->health_names[id][1], c->emitted);
		vrec__add_dyn_uint(r, S->health_names[id][2], c->filtered + kf);
		vrec__add_dyn_uint(r, S->health_names[id][3], c->capped);
		vrec__add_dyn_uint(r, S->health_names[id][4], kd);
		vrec__add_dyn_uint(r, S->health_names[id][5], c->dropped_user);
	}
	vrec__add_dyn_uint(r, "KernelFiltered", kfiltered);
	vrec__add_dyn_uint(r, "DecoderMalformed", S->dec.malformed);
	vrec__add_dyn_uint(r, "DecoderTruncated", S->dec.truncated);
	vrec__add_dyn_uint(r, "DnsUnparsed", S->dec.dns_unparsed);
	vrec__add_dyn_uint(r, "DecoderExtraLost", S->dec.extra_lost);
	vrec__add_dyn_uint(r, "SigmaErrors", S->sigma_errors);
	{
		struct caps_stats cs;
		struct proc_cache_stats ps;
		caps_state__stats(S->caps, &cs);
		vrec__add_dyn_uint(r, "CapKeysLive", cs.keys_live);
		vrec__add_dyn_uint(r, "CapKeysEvicted", cs.keys_evicted);
		vrec__add_dyn_uint(r, "CapSummaries", cs.summaries);
		proc_cache__stats(S->pc, &ps);
		vrec__add_dyn_uint(r, "ProcCacheEntries", ps.entries);
		vrec__add_dyn_uint(r, "ProcCacheEvicted", ps.evicted);
	}
	{
		struct vg_stats fs;
		bpf_sensor__stats(S->bpf, VG_FORK, &fs);
		vrec__add_dyn_uint(r, "ProcessForkDroppedKernel", fs.dropped);
	}
	for (size_t i = 0; i < S->n_sinks; i++)
		sink__add_health(S->sinks[i], r);
	if (!deliver(S, r)) {
		S->ctr[EV_SENSOR_HEALTH].emitted--;
		S->ctr[EV_SENSOR_HEALTH].dropped_user++;
	}
}

/* One line per event this kernel cannot fully deliver, with the reason. */
static void status_unavailable(struct sensor *S, struct strbuf *out)
{
	for (unsigned id = 0; id < VIGIL_EVENT_ID_MAX; id++) {
		const struct vevent_def *ev = schema__event(id);
		if (S->avail->state[id] == AVAIL_YES || ev == NULL)
			continue;
		strbuf__addf(out, "  %s %s: %s\n", ev->name,
			     progs__avail_name((enum avail_state)S->avail->state[id]),
			     S->avail->why[id]);
	}
}

/* Which processes' reads the DNS hooks look at (dns_procs in
 * common.bpf.h): the cheap path, or every read after the marks could not
 * be kept. */
static const char *dns_reads(const struct sensor *S)
{
	if (!((S->collected >> VG_DNS) & 1))
		return "off";
	if (bpf_sensor__dns_seeding(S->bpf))
		return "every process, until the running ones that may read answers are found";
	return bpf_sensor__dns_check_all(S->bpf) ? "every process"
						 : "processes that queried port 53";
}

/* Which processes' writes FileModify's hooks look at (wf_procs). */
static const char *write_hooks(const struct sensor *S)
{
	if (!((S->collected >> VG_FILE_MODIFY) & 1))
		return "off";
	return bpf_sensor__wf_check_all(S->bpf) ? "every process"
						: "processes that opened a file for writing";
}

/* The reply to `vigil status`: what an operator asks a running sensor. */
void status_snapshot(void *ctx, struct strbuf *out, bool json)
{
	struct sensor *S = ctx;
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);
	uint64_t now = identity__boot_to_real(&S->id, mono_ns());
	struct caps_stats cs;
	struct proc_cache_stats ps;
	char t[24];

	note_open_regs(S);
	caps_state__stats(S->caps, &cs);
	proc_cache__stats(S->pc, &ps);
	vrec__fmt_time(S->started_real_ns, t);
	if (!json) {
		strbuf__addf(out, "vigil %s, pid %u, up %llu s (since %s UTC)\n", VIGIL_VERSION,
			     S->self_pid,
			     (unsigned long long)((now - S->started_real_ns) / NSEC_PER_SEC), t);
		strbuf__addf(out, "config: %s (SHA256 %s); reload: %s\n", ruleset__path(S->rs),
			     ruleset__sha256(S->rs), reload_state(S));
		strbuf__addf(out, "kernel %s: unavailable events: %s; degraded: %s\n", S->kernel,
			     S->unavailable, S->degraded);
		status_unavailable(S, out);
		strbuf__addf(out, "attached BPF programs (%zu): %s\n", S->n_attached, S->attached);
		strbuf__addf(out, "DNS answers looked for in: %s; writes looked at in: %s\n",
			     dns_reads(S), write_hooks(S));
		strbuf__addf(out, "ring buffer: %u%% used; process cache: %llu entries\n",
			     bpf_sensor__rb_used_pct(S->bpf), (unsigned long long)ps.entries);
		strbuf__addf(out, "caps: %llu keys live, %llu evicted, %llu summaries\n",
			     (unsigned long long)cs.keys_live, (unsigned long long)cs.keys_evicted,
			     (unsigned long long)cs.summaries);
		for (size_t i = 0; i < S->n_sinks; i++)
			sink__status(S->sinks[i], out, false);
		strbuf__addf(out, "%-24s %10s %10s %10s %8s %8s %8s\n", "event", "seen", "emitted",
			     "filtered", "capped", "dropK", "dropU");
		for (size_t i = 0; i < n; i++) {
			struct ev_counters *c = &S->ctr[evs[i]->id];
			uint64_t kd, kf;

			kernel_counts_for(S, evs[i]->id, &kd, &kf);
			if (c->seen + kd + kf == 0)
				continue;
			strbuf__addf(
			    out, "%-24s %10llu %10llu %10llu %8llu %8llu %8llu\n", evs[i]->name,
			    (unsigned long long)(c->seen + kd + kf), (unsigned long long)c->emitted,
			    (unsigned long long)(c->filtered + kf), (unsigned long long)c->capped,
			    (unsigned long long)kd, (unsigned long long)c->dropped_user);
		}
		return;
	}
	strbuf__addf(out,
		     "{\"version\":\"%s\",\"pid\":%u,\"uptime_s\":%llu,\"config\":", VIGIL_VERSION,
		     S->self_pid, (unsigned long long)((now - S->started_real_ns) / NSEC_PER_SEC));
	json__add_str(out, ruleset__path(S->rs), strlen(ruleset__path(S->rs)));
	strbuf__adds(out, ",\"config_sha256\":");
	json__add_str(out, ruleset__sha256(S->rs), strlen(ruleset__sha256(S->rs)));
	strbuf__adds(out, ",\"reload\":");
	json__add_str(out, reload_state(S), strlen(reload_state(S)));
	strbuf__adds(out, ",\"kernel\":");
	json__add_str(out, S->kernel, strlen(S->kernel));
	strbuf__adds(out, ",\"unavailable_events\":");
	json__add_str(out, S->unavailable, strlen(S->unavailable));
	strbuf__adds(out, ",\"degraded_events\":");
	json__add_str(out, S->degraded, strlen(S->degraded));
	strbuf__addf(out, ",\"attached_programs\":%zu,\"attached_program_names\":", S->n_attached);
	json__add_str(out, S->attached, strlen(S->attached));
	strbuf__adds(out, ",\"dns_reads\":");
	json__add_str(out, dns_reads(S), strlen(dns_reads(S)));
	strbuf__adds(out, ",\"write_hooks\":");
	json__add_str(out, write_hooks(S), strlen(write_hooks(S)));
	strbuf__addf(out,
		     ",\"ring_buffer_used_pct\":%u,\"proc_cache_entries\":%llu,"
		     "\"cap_keys_live\":%llu,\"cap_keys_evicted\":%llu,\"outputs\":[",
		     bpf_sensor__rb_used_pct(S->bpf), (unsigned long long)ps.entries,
		     (unsigned long long)cs.keys_live, (unsigned long long)cs.keys_evicted);
	for (size_t i = 0; i < S->n_sinks; i++) {
		if (i)
			strbuf__addc(out, ',');
		sink__status(S->sinks[i], out, true);
	}
	strbuf__adds(out, "],\"events\":{");
	for (size_t i = 0, k = 0; i < n; i++) {
		struct ev_counters *c = &S->ctr[evs[i]->id];
		uint64_t kd, kf;

		kernel_counts_for(S, evs[i]->id, &kd, &kf);
		strbuf__addf(out,
			     "%s\"%s\":{\"seen\":%llu,\"emitted\":%llu,\"filtered\":%llu,"
			     "\"capped\":%llu,\"dropped_kernel\":%llu,\"dropped_user\":%llu}",
			     k++ ? "," : "", evs[i]->name, (unsigned long long)(c->seen + kd + kf),
			     (unsigned long long)c->emitted, (unsigned long long)(c->filtered + kf),
			     (unsigned long long)c->capped, (unsigned long long)kd,
			     (unsigned long long)c->dropped_user);
	}
	strbuf__adds(out, "}}\n");
}
