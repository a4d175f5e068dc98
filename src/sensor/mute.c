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
#include "sensor/tamper.h"

#include <string.h>

/* Which events each gated kernel record type feeds. A type is collected
 * when any of them is logged; it can be muted for a process only when all
 * of them exclude its image. */
static const struct {
	uint32_t type;
	unsigned event[2];
	bool mutable; /* false: also needed for something other than its events */
} gated[] = {
    {VG_NET, {EV_NETWORK_CONNECT}, true},
    {VG_FILE_CREATE, {EV_FILE_CREATE}, true},
    {VG_FILE_DELETE, {EV_FILE_DELETE}, true},
    {VG_DNS, {EV_DNS_QUERY, EV_NETWORK_CONNECT}, false}, /* hostnames for every 3 */
    {VG_MMAP_EXEC, {EV_IMAGE_LOAD}, true},
    {VG_ACCESS, {EV_PROCESS_ACCESS, EV_PROCESS_TAMPERING}, false}, /* tamper checks */
    {VG_UTIMES, {EV_FILE_CREATE_TIME}, true},
    {VG_RAW_READ, {EV_RAW_ACCESS_READ}, true},
    {VG_FILE_MODIFY, {EV_FILE_MODIFY, EV_FILE_EXECUTABLE_DETECTED}, true},
    {VG_RENAME, {EV_FILE_RENAME}, true},
    {VG_ATTR, {EV_FILE_ATTRIBUTE_CHANGE, EV_FILE_EXECUTABLE_DETECTED}, true},
    {VG_CREDS, {EV_PRIVILEGE_CHANGE}, true},
    {VG_NS, {EV_NAMESPACE_CHANGE}, true},
    {VG_MOUNT, {EV_MOUNT}, true},
    {VG_BPF, {EV_BPF_EVENT}, true},
    {VG_MODULE, {EV_DRIVER_LOAD}, true},
    {VG_LISTEN, {EV_NETWORK_LISTEN}, true},
};

/* Which kernel record types the config needs (bit per vg_type). Process
 * records always flow: the cache needs them whatever is logged. Access to
 * the sensor and signals to it are tamper signs whatever the config logs. */
uint64_t collection_mask(const struct ruleset *rs)
{
	uint64_t mask = (1ull << VG_EXEC) | (1ull << VG_FORK) | (1ull << VG_EXIT) |
			(1ull << VG_ACCESS) | (1ull << VG_SIGNAL);

	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++)
		for (int k = 0; k < 2 && gated[i].event[k]; k++)
			if (ruleset__event_mode(rs, gated[i].event[k]) != RULES_MODE_NONE)
				mask |= 1ull << gated[i].type;
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

	/* bpf() stays attached whatever the config logs: it reports writes
	 * to the sensor's own maps (a tamper sign); its eBPFEvent records
	 * follow the enabled map like any other type. */
	bpf_sensor__set_attached(S->bpf, mask | (1ull << VG_BPF));
	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++) {
		bool on = (mask >> gated[i].type) & 1;
		bpf_sensor__set_enabled(S->bpf, gated[i].type, on);
		log_debug("collect record type %u: %s", gated[i].type, on ? "on" : "off");
	}
	S->n_attached = bpf_sensor__attached(S->bpf, S->attached, sizeof(S->attached));
	if (S->tamper != NULL)
		tamper__set_links(S->tamper, S->bpf);
}

/* The record types the config lets the kernel drop for a process running
 * image: see "muted" in common.bpf.h. */
uint64_t mute_mask(const struct ruleset *rs, const char *image)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++) {
		bool all = gated[i].mutable;
		for (int k = 0; all && k < 2 && gated[i].event[k]; k++) {
			unsigned ev = gated[i].event[k];
			if (ruleset__event_mode(rs, ev) == RULES_MODE_NONE)
				continue;
			/* ASCII case folding only: where the rules engine
			 * folds more, the user-space filter still drops. A
			 * hash lookup: a list of 100,000 paths costs an exec
			 * (and a reload) no more than one. */
			all = ruleset__kernel_image_excluded(rs, ev, image);
		}
		if (all)
			mask |= 1ull << gated[i].type;
	}
	return mask;
}

static bool ruleset_can_mute(const struct ruleset *rs)
{
	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++)
		for (int k = 0; k < 2 && gated[i].event[k]; k++) {
			const char *const *paths;
			if (ruleset__kernel_image_excludes(rs, gated[i].event[k], &paths) > 0)
				return true;
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

	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++)
		for (int k = 0; k < 2 && gated[i].event[k]; k++) {
			const char *const *p;
			size_t np = ruleset__kernel_image_excludes(S->rs, gated[i].event[k], &p);
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
