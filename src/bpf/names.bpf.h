/*
 * names.bpf.h — names made and changed: links (symbolic and hard), new
 * directories, and a process renaming itself.
 *
 * Links and directories are remembered at syscall entry (dirfds and user
 * pointers, in the shared per-thread "calls" map) and reported at exit only
 * when the call succeeded, with relative paths sent next to their base
 * directory, as rename does: user space joins and normalises them.
 *
 * A process rename comes from the task_rename tracepoint, which every
 * kernel path that changes a comm passes through (prctl PR_SET_NAME and a
 * write to /proc/self/comm alike). exec also renames the task; that is a
 * ProcessCreate, not masquerading, so a task in the middle of an exec is
 * skipped. Only the group leader's name is the process's name (what ps
 * shows); threads naming themselves (pthread_setname_np, common in every
 * runtime) are not reported.
 */
#ifndef VIGIL_NAMES_BPF_H
#define VIGIL_NAMES_BPF_H

#include "common.bpf.h"

/* ---- symlink / link ---- */

static __always_inline int link_enter(__u32 kind, int odfd, __u64 oldp, int ndfd, __u64 newp)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_LINK))
		return 0;
	c = call_new(VG_LINK);
	if (c) {
		c->a[0] = (__u64)(__s64)odfd;
		c->a[1] = oldp;
		c->a[2] = (__u64)(__s64)ndfd;
		c->a[3] = newp;
		c->a[4] = kind;
	}
	return 0;
}

SEC("tp/syscalls/sys_enter_symlink")
int vg_symlink_e(struct trace_event_raw_sys_enter *ctx)
{
	return link_enter(VG_LINK_SYMBOLIC, AT_FDCWD, ctx->args[0], AT_FDCWD, ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_symlinkat")
int vg_symlinkat_e(struct trace_event_raw_sys_enter *ctx)
{
	return link_enter(VG_LINK_SYMBOLIC, AT_FDCWD, ctx->args[0], (int)ctx->args[1],
			  ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_link")
int vg_link_e(struct trace_event_raw_sys_enter *ctx)
{
	return link_enter(VG_LINK_HARD, AT_FDCWD, ctx->args[0], AT_FDCWD, ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_linkat")
int vg_linkat_e(struct trace_event_raw_sys_enter *ctx)
{
	return link_enter(VG_LINK_HARD, (int)ctx->args[0], ctx->args[1], (int)ctx->args[2],
			  ctx->args[3]);
}

static __always_inline int link_exit(long ret)
{
	struct call c;
	struct scratch *sc;
	struct vg_link *e;
	__u32 off;
	__u8 trunc = 0;

	if (!call_take(VG_LINK, &c) || ret != 0)
		return 0;
	sc = scratch_rec(VG_LINK, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->kind = (__u32)c.a[4];
	off = sizeof(*e);
	/* A symlink's target is stored text, not a path to resolve here. */
	if (e->kind == VG_LINK_HARD) {
		e->old_base_len = append_base(sc, off, (int)c.a[0], c.a[1], &trunc);
		off += e->old_base_len;
	}
	e->old_rel_len = append_ustr(sc, off, c.a[1]);
	off += e->old_rel_len;
	e->new_base_len = append_base(sc, off, (int)c.a[2], c.a[3], &trunc);
	off += e->new_base_len;
	e->new_rel_len = append_ustr(sc, off, c.a[3]);
	off += e->new_rel_len;
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = off;
	submit(e, off, VG_LINK);
	return 0;
}

VG_ON_EXIT(vg_symlink_x, "sys_exit_symlink", link_exit)

VG_ON_EXIT(vg_symlinkat_x, "sys_exit_symlinkat", link_exit)

VG_ON_EXIT(vg_link_x, "sys_exit_link", link_exit)

VG_ON_EXIT(vg_linkat_x, "sys_exit_linkat", link_exit)

/* ---- mkdir ---- */

static __always_inline int mkdir_enter(int dfd, __u64 upath, __u32 mode)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_MKDIR))
		return 0;
	c = call_new(VG_MKDIR);
	if (c) {
		c->a[0] = (__u64)(__s64)dfd;
		c->a[1] = upath;
		c->a[2] = mode;
	}
	return 0;
}

SEC("tp/syscalls/sys_enter_mkdir")
int vg_mkdir_e(struct trace_event_raw_sys_enter *ctx)
{
	return mkdir_enter(AT_FDCWD, ctx->args[0], (__u32)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_mkdirat")
int vg_mkdirat_e(struct trace_event_raw_sys_enter *ctx)
{
	return mkdir_enter((int)ctx->args[0], ctx->args[1], (__u32)ctx->args[2]);
}

static __always_inline int mkdir_exit(long ret)
{
	struct call c;
	struct scratch *sc;
	struct vg_mkdir *e;
	__u32 off;
	__u8 trunc = 0;

	if (!call_take(VG_MKDIR, &c) || ret != 0)
		return 0;
	sc = scratch_rec(VG_MKDIR, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->mode = (__u32)c.a[2];
	off = sizeof(*e);
	e->base_len = append_base(sc, off, (int)c.a[0], c.a[1], &trunc);
	off += e->base_len;
	e->rel_len = append_ustr(sc, off, c.a[1]);
	off += e->rel_len;
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = off;
	submit(e, off, VG_MKDIR);
	return 0;
}

VG_ON_EXIT(vg_mkdir_x, "sys_exit_mkdir", mkdir_exit)

VG_ON_EXIT(vg_mkdirat_x, "sys_exit_mkdirat", mkdir_exit)

/* ---- a process renaming itself ---- */

struct task_struct___execve {
	unsigned int in_execve : 1;
} __attribute__((preserve_access_index));

SEC("tp/task/task_rename")
int vg_task_rename(struct trace_event_raw_task_rename *ctx)
{
	struct task_struct *task = vg_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_comm *e;

	if (is_self() || !type_enabled(VG_COMM))
		return 0;
	/* The renamed task is ctx->pid (comm_write may name another thread
	 * of the group); only the group leader's name is the process's. */
	if ((__u32)BPF_CORE_READ(ctx, pid) != (__u32)(id >> 32))
		return 0;
	if (bpf_core_field_exists(((struct task_struct___execve *)0)->in_execve) &&
	    BPF_CORE_READ_BITFIELD_PROBED((struct task_struct___execve *)task, in_execve))
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count(VG_COMM, true);
		return 0;
	}
	fill_hdr(&e->hdr, VG_COMM, sizeof(*e));
	bpf_probe_read_kernel(e->old_comm, sizeof(e->old_comm), ctx->oldcomm);
	bpf_probe_read_kernel(e->new_comm, sizeof(e->new_comm), ctx->newcomm);
	e->old_comm[VG_COMM_LEN - 1] = 0;
	e->new_comm[VG_COMM_LEN - 1] = 0;
	bpf_ringbuf_submit(e, rb_flags());
	count(VG_COMM, false);
	return 0;
}

#endif /* VIGIL_NAMES_BPF_H */
