/*
 * decode_sys.c — records about the system rather than one file or peer:
 * mounts, bpf() (eBPFEvent, or a TamperAlert for a write to the sensor's
 * own maps), kernel module loads (DriverLoad) and signals sent to a
 * protected process (TamperAlert).
 */
#include "sensor/decode_int.h"

#include "sensor/users.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int decode_mount(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_mount *e = data;
	char *src = d->buf.s1, *tgt = d->buf.s2, *fs = d->buf.s3;
	size_t off = sizeof(*e);

	if (dec_take(data, size, &off, e->src_len, src, sizeof(d->buf.s1)) ||
	    dec_take(data, size, &off, e->tgt_len, tgt, sizeof(d->buf.s2)) ||
	    dec_take(data, size, &off, e->fs_len, fs, sizeof(d->buf.s3)))
		return -EINVAL;
	if (dec_start(d, rec, EV_MOUNT, &e->hdr) == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_Syscall, dec_sys_name(e->syscall));
	dec_set_s(rec, VF_Source, src);
	dec_set_s(rec, VF_Target, tgt);
	dec_set_s(rec, VF_FsType, fs);
	vrec__setf(rec, VF_Flags, "0x%" PRIx64, (uint64_t)e->flags);
	return 1;
}

static const char *bpf_cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case BPF_PROG_LOAD:
		return "BPF_PROG_LOAD";
	case BPF_PROG_ATTACH:
		return "BPF_PROG_ATTACH";
	case BPF_RAW_TRACEPOINT_OPEN:
		return "BPF_RAW_TRACEPOINT_OPEN";
	case BPF_LINK_CREATE:
		return "BPF_LINK_CREATE";
	case BPF_MAP_UPDATE_ELEM:
		return "BPF_MAP_UPDATE_ELEM";
	case BPF_MAP_DELETE_ELEM:
		return "BPF_MAP_DELETE_ELEM";
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		return "BPF_MAP_LOOKUP_AND_DELETE_ELEM";
	case BPF_MAP_FREEZE:
		return "BPF_MAP_FREEZE";
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
		return "BPF_MAP_LOOKUP_AND_DELETE_BATCH";
	case BPF_MAP_UPDATE_BATCH:
		return "BPF_MAP_UPDATE_BATCH";
	case BPF_MAP_DELETE_BATCH:
		return "BPF_MAP_DELETE_BATCH";
	default:
		return "-";
	}
}

static const char *bpf_prog_type_name(uint32_t t, char buf[32])
{
	static const char *const names[] = {
	    "UNSPEC",
	    "SOCKET_FILTER",
	    "KPROBE",
	    "SCHED_CLS",
	    "SCHED_ACT",
	    "TRACEPOINT",
	    "XDP",
	    "PERF_EVENT",
	    "CGROUP_SKB",
	    "CGROUP_SOCK",
	    "LWT_IN",
	    "LWT_OUT",
	    "LWT_XMIT",
	    "SOCK_OPS",
	    "SK_SKB",
	    "CGROUP_DEVICE",
	    "SK_MSG",
	    "RAW_TRACEPOINT",
	    "CGROUP_SOCK_ADDR",
	    "LWT_SEG6LOCAL",
	    "LIRC_MODE2",
	    "SK_REUSEPORT",
	    "FLOW_DISSECTOR",
	    "CGROUP_SYSCTL",
	    "RAW_TRACEPOINT_WRITABLE",
	    "CGROUP_SOCKOPT",
	    "TRACING",
	    "STRUCT_OPS",
	    "EXT",
	    "LSM",
	    "SK_LOOKUP",
	    "SYSCALL",
	    "NETFILTER",
	};
	if (t < sizeof(names) / sizeof(names[0]))
		return names[t];
	snprintf(buf, 32, "%u", t);
	return buf;
}

int decode_bpf(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_bpf *e = data;
	struct proc *p = dec_hdr_proc(d, &e->hdr);
	char name[17], buf[32];

	(void)size;
	if (p == NULL)
		return -ENOMEM;
	memcpy(name, e->name, 16);
	name[16] = '\0';
	if (e->flags & VG_BPF_F_OWN_MAP) {
		/* Another process changing the sensor's maps can switch its
		 * collection off: a TamperAlert, whatever the config logs. */
		vrec__reset(rec, schema__event(EV_TAMPER_ALERT));
		dec_set_time(d, rec, e->hdr.ts);
		vrec__set_str(rec, VF_Type, "MapWrite");
		vrec__setf(rec, VF_Detail, "%s on the sensor's map %s (id %u)",
			   bpf_cmd_name(e->cmd), name, e->prog_id);
		vrec__set_str(rec, VF_ProcessGuid, p->guid);
		vrec__set_uint(rec, VF_ProcessId, p->pid);
		dec_set_s(rec, VF_Image, p->image);
		vrec__set_str(rec, VF_User, users__name(e->hdr.uid));
		return 1;
	}
	dec_begin(d, rec, EV_BPF_EVENT, e->hdr.ts, p, e->hdr.uid);
	vrec__set_str(rec, VF_BpfCommand, bpf_cmd_name(e->cmd));
	vrec__set_str(rec, VF_BpfProgramType, bpf_prog_type_name(e->prog_type, buf));
	if (e->prog_id)
		vrec__set_uint(rec, VF_BpfProgramId, e->prog_id);
	dec_set_s(rec, VF_BpfProgramName, name);
	return 1;
}

int decode_module(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_module *e = data;
	char *path = d->buf.s1;
	size_t off = sizeof(*e);
	char h[HASHES_STR_MAX] = "-";

	if (dec_take(data, size, &off, e->path_len, path, sizeof(d->buf.s1)))
		return -EINVAL;
	if (dec_start(d, rec, EV_DRIVER_LOAD, &e->hdr) == NULL)
		return -ENOMEM;
	dec_set_s(rec, VF_ImageLoaded, path);
	if (path[0])
		hash_cache__get(d->hc, path, NULL, NULL, h);
	dec_set_image_hashes(rec, h);
	return 1;
}

int decode_signal(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_signal *e = data;
	struct proc *p = dec_hdr_proc(d, &e->hdr);
	const char *name = e->sig < 65 ? sigabbrev_np((int)e->sig) : NULL;

	(void)size;
	if (p == NULL)
		return -ENOMEM;
	vrec__reset(rec, schema__event(EV_TAMPER_ALERT));
	dec_set_time(d, rec, e->hdr.ts);
	vrec__set_str(rec, VF_Type, "Signal");
	vrec__setf(rec, VF_Detail, "SIG%s (%u) sent to %s (pid %u)", name ? name : "?", e->sig,
		   e->kind == VG_PROT_SELF ? "the sensor" : "auditd", e->target);
	vrec__set_str(rec, VF_ProcessGuid, p->guid);
	vrec__set_uint(rec, VF_ProcessId, p->pid);
	dec_set_s(rec, VF_Image, p->image);
	vrec__set_str(rec, VF_User, users__name(e->hdr.uid));
	return 1;
}
