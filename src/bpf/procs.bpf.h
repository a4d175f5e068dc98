/*
 * procs.bpf.h — what processes do to each other and to the system:
 * ptrace and process_vm_* (ProcessAccess), credential changes, namespace
 * changes, mounts, BPF program loads and kernel module loads.
 *
 * All from syscall tracepoints: arguments are kept from sys_enter (with the
 * old credentials, for set*id and capset) and the record is sent at
 * sys_exit, only when the call succeeded. Repeated ptrace requests of one
 * kind from one process to one target are reported once (a debugger
 * stepping through a program would otherwise flood the ring).
 */
#ifndef VIGIL_PROCS_BPF_H
#define VIGIL_PROCS_BPF_H

#include "common.bpf.h"

#define CLONE_NEW_MASK                                                                             \
	0x7e020080ull /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME */
#define BPF_PROG_LOAD		5
#define BPF_PROG_ATTACH		8
#define BPF_RAW_TRACEPOINT_OPEN 17
#define BPF_LINK_CREATE		28

/* ---- ProcessAccess ---- */

struct acc_key {
	__u32 tgid;
	__u32 target;
	__u32 kind;
	__u32 request;
};

/* Accesses already reported. LRU: an eviction gives a second report, not
 * a lost one (see "State maps and loss" in common.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct acc_key);
	__type(value, __u8);
} acc_seen SEC(".maps");

static __always_inline int access_enter(__u32 kind, __u32 request, __u32 target)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_ACCESS))
		return 0;
	c = call_new(VG_ACCESS);
	if (c) {
		c->a[0] = kind;
		c->a[1] = request;
		c->a[2] = target;
	}
	return 0;
}

static __always_inline int access_exit(long ret)
{
	struct call c;
	struct acc_key k = {};
	struct vg_access *a;
	__u8 one = 1;

	if (!call_take(VG_ACCESS, &c) || ret < 0)
		return 0;
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	k.kind = (__u32)c.a[0];
	k.request = (__u32)c.a[1];
	k.target = (__u32)c.a[2];
	if (bpf_map_lookup_elem(&acc_seen, &k))
		return 0;
	bpf_map_update_elem(&acc_seen, &k, &one, BPF_ANY);
	a = bpf_ringbuf_reserve(&rb, sizeof(*a), 0);
	if (!a) {
		count(VG_ACCESS, true);
		return 0;
	}
	fill_hdr(&a->hdr, VG_ACCESS, sizeof(*a));
	a->kind = k.kind;
	a->request = k.request;
	a->target_pid = k.target;
	a->path_len = 0;
	bpf_ringbuf_submit(a, rb_flags());
	count(VG_ACCESS, false);
	return 0;
}

SEC("tp/syscalls/sys_enter_ptrace")
int vg_ptrace_e(struct trace_event_raw_sys_enter *ctx)
{
	return access_enter(VG_ACC_PTRACE, (__u32)ctx->args[0], (__u32)ctx->args[1]);
}

VG_ON_EXIT(vg_ptrace_x, "sys_exit_ptrace", access_exit)

SEC("tp/syscalls/sys_enter_process_vm_readv")
int vg_vmread_e(struct trace_event_raw_sys_enter *ctx)
{
	return access_enter(VG_ACC_VM_READ, 0, (__u32)ctx->args[0]);
}

VG_ON_EXIT(vg_vmread_x, "sys_exit_process_vm_readv", access_exit)

SEC("tp/syscalls/sys_enter_process_vm_writev")
int vg_vmwrite_e(struct trace_event_raw_sys_enter *ctx)
{
	return access_enter(VG_ACC_VM_WRITE, 0, (__u32)ctx->args[0]);
}

VG_ON_EXIT(vg_vmwrite_x, "sys_exit_process_vm_writev", access_exit)

/* ---- credentials ---- */

/* Before 6.3 a capability set was `struct kernel_cap_struct { u32 cap[2]; }`;
 * since then it is `struct { u64 val; }`. The ___old flavour lets CO-RE
 * relocate against whichever this kernel has. */
struct kernel_cap_struct___old {
	__u32 cap[2];
} __attribute__((preserve_access_index));

struct cred___old {
	struct kernel_cap_struct___old cap_effective;
} __attribute__((preserve_access_index));

static __always_inline __u64 read_cap_effective(const struct cred *cr)
{
	struct cred___old *old = (void *)cr;

	if (bpf_core_field_exists(cr->cap_effective.val))
		return BPF_CORE_READ(cr, cap_effective.val);
	return (__u64)BPF_CORE_READ(old, cap_effective.cap[0]) |
	       (__u64)BPF_CORE_READ(old, cap_effective.cap[1]) << 32;
}

static __always_inline void read_creds(__u64 *ids, __u64 *caps)
{
	struct task_struct *t = vg_current_task();
	const struct cred *cr = BPF_CORE_READ(t, cred);
	__u64 uid = BPF_CORE_READ(cr, uid.val), euid = BPF_CORE_READ(cr, euid.val);
	__u64 gid = BPF_CORE_READ(cr, gid.val), egid = BPF_CORE_READ(cr, egid.val);

	ids[0] = uid | (euid << 32);
	ids[1] = gid | (egid << 32);
	*caps = read_cap_effective(cr);
}

static __always_inline int creds_enter(__u32 sys)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_CREDS))
		return 0;
	c = call_new(VG_CREDS);
	if (c) {
		c->a[0] = sys;
		read_creds(&c->x[0], &c->x[2]);
	}
	return 0;
}

static __always_inline int creds_exit(long ret)
{
	struct call c;
	struct vg_creds *e;
	__u64 ids[2], caps;

	if (!call_take(VG_CREDS, &c) || ret < 0)
		return 0;
	read_creds(ids, &caps);
	if (ids[0] == c.x[0] && ids[1] == c.x[1] && caps == c.x[2])
		return 0; /* nothing changed */
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count(VG_CREDS, true);
		return 0;
	}
	fill_hdr(&e->hdr, VG_CREDS, sizeof(*e));
	e->syscall = (__u32)c.a[0];
	e->pad = 0;
	e->old_uid = (__u32)c.x[0];
	e->old_euid = (__u32)(c.x[0] >> 32);
	e->old_gid = (__u32)c.x[1];
	e->old_egid = (__u32)(c.x[1] >> 32);
	e->new_uid = (__u32)ids[0];
	e->new_euid = (__u32)(ids[0] >> 32);
	e->new_gid = (__u32)ids[1];
	e->new_egid = (__u32)(ids[1] >> 32);
	e->old_caps = c.x[2];
	e->new_caps = caps;
	bpf_ringbuf_submit(e, rb_flags());
	count(VG_CREDS, false);
	return 0;
}

#define CREDS_PAIR(name, sys)                                                                      \
	SEC("tp/syscalls/sys_enter_" #name)                                                        \
	int vg_##name##_e(struct trace_event_raw_sys_enter *ctx)                                   \
	{                                                                                          \
		return creds_enter(sys);                                                           \
	}                                                                                          \
	SEC("tp/syscalls/sys_exit_" #name)                                                         \
	int vg_##name##_x(struct trace_event_raw_sys_exit *ctx)                                    \
	{                                                                                          \
		return creds_exit(ctx->ret);                                                       \
	}

CREDS_PAIR(setuid, VG_SYS_SETUID)
CREDS_PAIR(setgid, VG_SYS_SETGID)
CREDS_PAIR(setreuid, VG_SYS_SETREUID)
CREDS_PAIR(setregid, VG_SYS_SETREGID)
CREDS_PAIR(setresuid, VG_SYS_SETRESUID)
CREDS_PAIR(setresgid, VG_SYS_SETRESGID)
CREDS_PAIR(setfsuid, VG_SYS_SETFSUID)
CREDS_PAIR(setfsgid, VG_SYS_SETFSGID)
CREDS_PAIR(capset, VG_SYS_CAPSET)

/* ---- namespaces ---- */

static __always_inline int ns_enter(__u32 sys, __u64 flags)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_NS))
		return 0;
	if (sys != VG_SYS_SETNS && !(flags & CLONE_NEW_MASK))
		return 0;
	c = call_new(VG_NS);
	if (c) {
		c->a[0] = sys;
		c->a[1] = sys == VG_SYS_SETNS ? flags : (flags & CLONE_NEW_MASK);
	}
	return 0;
}

static __always_inline int ns_exit(long ret)
{
	struct call c;
	struct vg_ns *e;

	if (!call_take(VG_NS, &c) || ret < 0)
		return 0;
	if (c.unread) {
		count_lost(VG_NS);
		return 0;
	}
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count(VG_NS, true);
		return 0;
	}
	fill_hdr(&e->hdr, VG_NS, sizeof(*e));
	e->syscall = (__u32)c.a[0];
	e->child = (c.a[0] == VG_SYS_CLONE || c.a[0] == VG_SYS_CLONE3) ? (__u32)ret : 0;
	e->flags = c.a[1];
	bpf_ringbuf_submit(e, rb_flags());
	count(VG_NS, false);
	return 0;
}

SEC("tp/syscalls/sys_enter_setns")
int vg_setns_e(struct trace_event_raw_sys_enter *ctx)
{
	return ns_enter(VG_SYS_SETNS, ctx->args[1]);
}

VG_ON_EXIT(vg_setns_x, "sys_exit_setns", ns_exit)

SEC("tp/syscalls/sys_enter_unshare")
int vg_unshare_e(struct trace_event_raw_sys_enter *ctx)
{
	return ns_enter(VG_SYS_UNSHARE, ctx->args[0]);
}

VG_ON_EXIT(vg_unshare_x, "sys_exit_unshare", ns_exit)

SEC("tp/syscalls/sys_enter_clone")
int vg_clone_e(struct trace_event_raw_sys_enter *ctx)
{
	return ns_enter(VG_SYS_CLONE, ctx->args[0]);
}

SEC("tp/syscalls/sys_exit_clone")
int vg_clone_x(struct trace_event_raw_sys_exit *ctx)
{
	/* The child returns 0 from clone too; only the parent reports. */
	if (ctx->ret == 0)
		return 0;
	return ns_exit(ctx->ret);
}

SEC("tp/syscalls/sys_enter_clone3")
int vg_clone3_e(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = 0;

	if (bpf_probe_read_user(&flags, sizeof(flags), (void *)ctx->args[0])) {
		/* Which namespaces are new is unknown: lost if it worked. */
		if (!is_self() && type_enabled(VG_NS))
			call_unread(VG_NS);
		return 0;
	}
	return ns_enter(VG_SYS_CLONE3, flags);
}

SEC("tp/syscalls/sys_exit_clone3")
int vg_clone3_x(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret == 0)
		return 0;
	return ns_exit(ctx->ret);
}

/* ---- mounts ---- */

static __always_inline int mount_enter(__u32 sys, __u64 src, __u64 tgt, __u64 fs, __u64 flags)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_MOUNT))
		return 0;
	c = call_new(VG_MOUNT);
	if (c) {
		c->a[0] = sys;
		c->a[1] = src;
		c->a[2] = tgt;
		c->a[3] = fs;
		c->a[4] = flags;
	}
	return 0;
}

static __always_inline int mount_exit(long ret)
{
	struct call c;
	struct scratch *sc;
	struct vg_mount *e;
	__u32 off;

	if (!call_take(VG_MOUNT, &c) || ret < 0)
		return 0;
	sc = scratch_rec(VG_MOUNT, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->syscall = (__u32)c.a[0];
	e->flags = c.a[4];
	off = sizeof(*e);
	e->src_len = append_ustr(sc, off, c.a[1]);
	off += e->src_len;
	e->tgt_len = append_ustr(sc, off, c.a[2]);
	off += e->tgt_len;
	e->fs_len = append_ustr(sc, off, c.a[3]);
	off += e->fs_len;
	e->hdr.size = off;
	submit(e, off, VG_MOUNT);
	return 0;
}

SEC("tp/syscalls/sys_enter_mount")
int vg_mount_e(struct trace_event_raw_sys_enter *ctx)
{
	return mount_enter(VG_SYS_MOUNT, ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3]);
}

VG_ON_EXIT(vg_mount_x, "sys_exit_mount", mount_exit)

SEC("tp/syscalls/sys_enter_umount")
int vg_umount_e(struct trace_event_raw_sys_enter *ctx)
{
	return mount_enter(VG_SYS_UMOUNT, 0, ctx->args[0], 0, ctx->args[1]);
}

VG_ON_EXIT(vg_umount_x, "sys_exit_umount", mount_exit)

SEC("tp/syscalls/sys_enter_move_mount")
int vg_mvmount_e(struct trace_event_raw_sys_enter *ctx)
{
	return mount_enter(VG_SYS_MOVE_MOUNT, ctx->args[1], ctx->args[3], 0, ctx->args[4]);
}

VG_ON_EXIT(vg_mvmount_x, "sys_exit_move_mount", mount_exit)

/* ---- BPF ---- */

/* The bpf_prog behind a program fd. */
static __always_inline struct bpf_prog *fd_prog(int fd)
{
	struct file *f = fd_file(fd);
	return f ? BPF_CORE_READ(f, private_data) : NULL;
}

/* The sensor's own maps, by id (user space fills it after load): a write
 * to one of them from another process is tampering, whatever the config
 * logs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} own_maps SEC(".maps");

#define BPF_MAP_UPDATE_ELEM		2
#define BPF_MAP_DELETE_ELEM		3
#define BPF_MAP_LOOKUP_AND_DELETE_ELEM	21
#define BPF_MAP_FREEZE			22
#define BPF_MAP_DELETE_BATCH		27
#define BPF_MAP_UPDATE_BATCH		26
#define BPF_MAP_LOOKUP_AND_DELETE_BATCH 25

/* A bpf() command that changes a map aimed at one of the sensor's maps:
 * reported at entry (an attempt is enough), as a VG_BPF record with the
 * command and the map's id and name. */
static __always_inline int own_map_write(__u32 cmd, __u64 uattr)
{
	__u32 mfd = 0, id = 0;
	struct file *f;
	struct bpf_map *map;
	struct vg_bpf *e;

	if (cmd == BPF_MAP_UPDATE_BATCH || cmd == BPF_MAP_DELETE_BATCH ||
	    cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH)
		bpf_probe_read_user(&mfd, 4, (void *)(uattr + 36)); /* batch.map_fd */
	else
		bpf_probe_read_user(&mfd, 4, (void *)uattr); /* map_fd comes first */
	f = fd_file((int)mfd);
	if (!f)
		return 0;
	map = BPF_CORE_READ(f, private_data);
	if (!map)
		return 0;
	id = BPF_CORE_READ(map, id);
	if (!bpf_map_lookup_elem(&own_maps, &id))
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count(VG_BPF, true);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->hdr, VG_BPF, sizeof(*e));
	e->cmd = cmd;
	e->flags = VG_BPF_F_OWN_MAP;
	e->prog_id = id;
	BPF_CORE_READ_INTO(&e->name, map, name);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	count(VG_BPF, false);
	return 0;
}

SEC("tp/syscalls/sys_enter_bpf")
int vg_bpf_e(struct trace_event_raw_sys_enter *ctx)
{
	__u32 cmd = (__u32)ctx->args[0];
	struct call *c;
	__u32 pfd = 0;

	if (is_self())
		return 0;
	if (cmd == BPF_MAP_UPDATE_ELEM || cmd == BPF_MAP_DELETE_ELEM ||
	    cmd == BPF_MAP_LOOKUP_AND_DELETE_ELEM || cmd == BPF_MAP_FREEZE ||
	    cmd == BPF_MAP_UPDATE_BATCH || cmd == BPF_MAP_DELETE_BATCH ||
	    cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH)
		return own_map_write(cmd, ctx->args[1]);
	if (!type_enabled(VG_BPF))
		return 0;
	if (cmd != BPF_PROG_LOAD && cmd != BPF_PROG_ATTACH && cmd != BPF_LINK_CREATE &&
	    cmd != BPF_RAW_TRACEPOINT_OPEN)
		return 0;
	/* Where the attr holds the program fd, per command. */
	if (cmd == BPF_PROG_ATTACH)
		bpf_probe_read_user(&pfd, 4, (void *)(ctx->args[1] + 4));
	else if (cmd == BPF_LINK_CREATE)
		bpf_probe_read_user(&pfd, 4, (void *)ctx->args[1]);
	else if (cmd == BPF_RAW_TRACEPOINT_OPEN)
		bpf_probe_read_user(&pfd, 4, (void *)(ctx->args[1] + 8));
	c = call_new(VG_BPF);
	if (c) {
		c->a[0] = cmd;
		c->a[1] = pfd;
	}
	return 0;
}

SEC("tp/syscalls/sys_exit_bpf")
int vg_bpf_x(struct trace_event_raw_sys_exit *ctx)
{
	struct call c;
	struct bpf_prog *prog;
	struct vg_bpf *e;
	int fd;

	if (!call_take(VG_BPF, &c) || ctx->ret < 0)
		return 0;
	fd = c.a[0] == BPF_PROG_LOAD ? (int)ctx->ret : (int)c.a[1];
	prog = fd_prog(fd);
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count(VG_BPF, true);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->hdr, VG_BPF, sizeof(*e));
	e->cmd = (__u32)c.a[0];
	if (prog) {
		e->prog_type = BPF_CORE_READ(prog, type);
		e->prog_id = BPF_CORE_READ(prog, aux, id);
		BPF_CORE_READ_INTO(&e->name, prog, aux, name);
	}
	bpf_ringbuf_submit(e, rb_flags());
	count(VG_BPF, false);
	return 0;
}

/* ---- kernel modules (only where the kernel has them) ---- */

static __always_inline int module_enter(__u32 sys, int fd)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_MODULE))
		return 0;
	c = call_new(VG_MODULE);
	if (c) {
		c->a[0] = sys;
		c->a[1] = (__u64)(__s64)fd;
	}
	return 0;
}

static __always_inline int module_exit(long ret)
{
	struct call c;
	struct scratch *sc;
	struct vg_module *e;
	__u8 trunc = 0;

	if (!call_take(VG_MODULE, &c) || ret != 0)
		return 0;
	sc = scratch_rec(VG_MODULE, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->syscall = (__u32)c.a[0];
	if (c.a[0] == VG_SYS_FINIT_MODULE)
		e->path_len = append_fd_path(sc, sizeof(*e), (int)c.a[1], &trunc);
	e->hdr.size = sizeof(*e) + e->path_len;
	submit(e, e->hdr.size, VG_MODULE);
	return 0;
}

SEC("tp/syscalls/sys_enter_init_module")
int vg_initmod_e(struct trace_event_raw_sys_enter *ctx)
{
	return module_enter(VG_SYS_INIT_MODULE, -1);
}

VG_ON_EXIT(vg_initmod_x, "sys_exit_init_module", module_exit)

SEC("tp/syscalls/sys_enter_finit_module")
int vg_finitmod_e(struct trace_event_raw_sys_enter *ctx)
{
	return module_enter(VG_SYS_FINIT_MODULE, (int)ctx->args[0]);
}

VG_ON_EXIT(vg_finitmod_x, "sys_exit_finit_module", module_exit)

/* ---- signals to protected processes (tamper) ----
 *
 * signal_generate fires wherever the kernel queues a signal to a task,
 * whatever the way in: kill, tkill, tgkill, rt_(tg)sigqueueinfo,
 * pidfd_send_signal, kill(-pgrp) and kill(-1), which syscall tracepoints
 * would each need a hook for (the process-group and broadcast forms, one
 * per target, not at all). It fires in the sender's context, so the record
 * header names the sender. It is not a syscall tracepoint: it does not put
 * every task on the slow syscall path. A signal the kernel makes itself
 * (SIGCHLD, SIGPIPE, faults, the OOM killer's SIGKILL) has si_code > 0 or
 * info == SEND_SIG_PRIV and is not a tamper sign; a process can only send
 * si_code <= 0 (SI_USER, SI_QUEUE, SI_TKILL...), and info ==
 * SEND_SIG_NOINFO means SI_USER from current. Unlike the old syscall hooks
 * it sees only signals that were allowed to be sent, which is every one a
 * root attacker sends. */

/* pid → VG_PROT_*; the sensor puts itself and auditd here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} protected SEC(".maps");

#define VG_SEND_SIG_PRIV 1ul /* the kernel's (struct kernel_siginfo *)1 */

SEC("tp_btf/signal_generate")
int BPF_PROG(vg_signal_gen, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	unsigned long ip = (unsigned long)info;
	struct vg_signal *e;
	__u32 target, *kind;
	int code = 0; /* SEND_SIG_NOINFO: SI_USER */

	if (sig <= 0 || ip == VG_SEND_SIG_PRIV || is_self())
		return 0;
	target = BPF_CORE_READ(task, tgid);
	kind = bpf_map_lookup_elem(&protected, &target);
	if (!kind)
		return 0;
	if (ip > VG_SEND_SIG_PRIV)
		code = BPF_CORE_READ(info, si_code);
	if (code > 0)
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count(VG_SIGNAL, true);
		return 0;
	}
	fill_hdr(&e->hdr, VG_SIGNAL, sizeof(*e));
	e->target = target;
	e->sig = (__u32)sig;
	e->kind = *kind;
	e->pad = 0;
	bpf_ringbuf_submit(e, rb_flags());
	count(VG_SIGNAL, false);
	return 0;
}

#endif
