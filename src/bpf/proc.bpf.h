/*
 * proc.bpf.h — process lifecycle: exec, fork, exit (sched tracepoints).
 *
 * exec is reported from sched_process_exec, after the new image is in place,
 * so the image, argv and cwd are the new process's. fork reports only new
 * processes (not threads) so user space can give a child that never execs
 * its parent's identity. exit reports only when the last thread of the
 * process goes (signal->live reached zero), with the wait(2) status.
 */
#ifndef VIGIL_PROC_BPF_H
#define VIGIL_PROC_BPF_H

#include "common.bpf.h"

static __always_inline void exec_file_info(struct vg_exec *e, struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	e->ino = BPF_CORE_READ(inode, i_ino);
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->fsize = BPF_CORE_READ(inode, i_size);
	inode_mtime(inode, &e->mtime_sec, &e->mtime_nsec);
	if (BPF_CORE_READ(inode, __i_nlink) == 0)
		e->flags |= VG_EXEC_F_DELETED;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct scratch *sc;
	struct vg_exec *e;
	struct file *file;
	struct mm_struct *mm;
	struct tty_struct *tty;
	unsigned long arg_start, arg_end, args_len;
	__u32 off;
	__u8 trunc = 0;
	const char *cg;

	if (is_self())
		return 0;
	if (mute_active) {
		/* A new image: whatever was muted for the old one is not. */
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		bpf_map_delete_elem(&muted, &tgid);
	}
	if (!type_enabled(VG_EXEC))
		return 0;
	sc = scratch_rec(VG_EXEC, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;

	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->parent_start_ns = BPF_CORE_READ(p, real_parent, group_leader, start_boottime);
	e->gid = BPF_CORE_READ(p, cred, gid.val);
	e->euid = BPF_CORE_READ(p, cred, euid.val);
	e->egid = BPF_CORE_READ(p, cred, egid.val);
	e->loginuid = BPF_CORE_READ(p, loginuid.val);
	e->sessionid = BPF_CORE_READ(p, sessionid);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	tty = BPF_CORE_READ(p, signal, tty);
	if (tty)
		bpf_probe_read_kernel_str(e->tty, sizeof(e->tty), tty->name);
	cg = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, name);
	if (cg)
		bpf_probe_read_kernel_str(e->cgroup, sizeof(e->cgroup), cg);

	off = sizeof(*e);
	file = BPF_CORE_READ(bprm, file);
	exec_file_info(e, file);
	e->image_len = append_path(sc, off, BPF_CORE_READ(file, f_path.dentry),
				   BPF_CORE_READ(file, f_path.mnt), &trunc);
	if (mute_active && e->image_len < MUTE_PATH_MAX) {
		__u64 *mask;
		__u32 tgid = e->hdr.pid;

		__builtin_memset(sc->key, 0, sizeof(sc->key));
		bpf_probe_read_kernel(sc->key, e->image_len & (MUTE_PATH_MAX - 1),
				      sc->ev + sizeof(*e));
		mask = bpf_map_lookup_elem(&mute_images, sc->key);
		if (mask) {
			__u64 m = *mask;
			bpf_map_update_elem(&muted, &tgid, &m, BPF_ANY);
		}
	}
	off += e->image_len;

	mm = BPF_CORE_READ(p, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
	args_len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (args_len > VG_ARGS_MAX - 1) {
		args_len = VG_ARGS_MAX - 1;
		trunc = 1;
	}
	e->args_count = bprm->argc;
	if (bpf_probe_read_user(sc->ev + (off & (SCRATCH_SZ / 2 - 1)), args_len & (VG_ARGS_MAX - 1),
				(void *)arg_start) != 0) {
		args_len = 0; /* not paged in: an empty line flagged cut, never a whole one */
		trunc = 1;
	}
	e->args_len = args_len;
	off += e->args_len;

	e->cwd_len = append_path(sc, off, BPF_CORE_READ(p, fs, pwd.dentry),
				 BPF_CORE_READ(p, fs, pwd.mnt), &trunc);
	off += e->cwd_len;

	/* The environment, as much of it as the record has room for: user
	 * space picks out the few variables that change how a program runs
	 * (LD_PRELOAD, HISTFILE, ...) and marks a block it could not see
	 * whole. Both bounds are masks the verifier can follow. */
	{
		unsigned long env_start = BPF_CORE_READ(mm, env_start);
		unsigned long env_end = BPF_CORE_READ(mm, env_end);
		__u64 total = env_end > env_start ? env_end - env_start : 0;
		__u64 room = off < SCRATCH_SZ / 2 - 1 ? SCRATCH_SZ / 2 - 1 - off : 0;
		__u64 n = total < room ? total : room;

		if (n > VG_ENV_MAX - 1)
			n = VG_ENV_MAX - 1;
		e->env_total = total > 0xffffffffull ? 0xffffffffu : (__u32)total;
		if (n && bpf_probe_read_user(sc->ev + (off & (SCRATCH_SZ / 2 - 1)),
					     n & (VG_ENV_MAX - 1), (void *)env_start) != 0)
			n = 0;
		e->env_len = (__u32)n & (VG_ENV_MAX - 1);
		off += e->env_len;
	}

	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = off;
	submit(e, off, VG_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_fork, struct task_struct *parent, struct task_struct *child)
{
	struct vg_fork *f;

	/* Threads share their process's identity: only new processes. */
	if (child->pid != child->tgid || is_self())
		return 0;
	if (mute_active) {
		/* The child runs the parent's image until it execs. */
		__u32 ptgid = parent->tgid, ctgid = child->tgid;
		__u64 *mask = bpf_map_lookup_elem(&muted, &ptgid);
		if (mask) {
			__u64 m = *mask;
			bpf_map_update_elem(&muted, &ctgid, &m, BPF_ANY);
		}
	}
	if (marks_used) {
		/* The child holds the parent's files and sockets: it may
		 * write what the parent opened, or read the answer to a
		 * query the parent sent. */
		__u32 ptgid = parent->tgid;
		if (bpf_map_lookup_elem(&dns_procs, &ptgid))
			proc_mark(&dns_procs, &dns_marks_full, child->tgid);
		if (bpf_map_lookup_elem(&wf_procs, &ptgid))
			proc_mark(&wf_procs, &wf_marks_full, child->tgid);
	}
	if (!type_enabled(VG_FORK))
		return 0;
	f = bpf_ringbuf_reserve(&rb, sizeof(*f), 0);
	if (!f) {
		count(VG_FORK, true);
		return 0;
	}
	fill_hdr(&f->hdr, VG_FORK, sizeof(*f));
	f->child_pid = child->tgid;
	f->pad = 0;
	f->child_start_ns = child->start_boottime;
	bpf_ringbuf_submit(f, rb_flags());
	count(VG_FORK, false);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_exit, struct task_struct *p)
{
	struct signal_struct *sig = p->signal;
	struct vg_exit *x;
	int code;

	/* signal->live is decremented before this tracepoint: zero means
	 * this is the last thread of the process. */
	if (sig->live.counter != 0 || is_self())
		return 0;
	if (mute_active) {
		__u32 tgid = p->tgid;
		bpf_map_delete_elem(&muted, &tgid);
	}
	if (marks_used) {
		__u32 tgid = p->tgid;
		bpf_map_delete_elem(&dns_procs, &tgid);
		bpf_map_delete_elem(&wf_procs, &tgid);
	}
	if (!type_enabled(VG_EXIT))
		return 0;
	x = bpf_ringbuf_reserve(&rb, sizeof(*x), 0);
	if (!x) {
		count(VG_EXIT, true);
		return 0;
	}
	fill_hdr(&x->hdr, VG_EXIT, sizeof(*x));
	code = p->exit_code;
	if (sig->flags & SIGNAL_GROUP_EXIT)
		code = sig->group_exit_code;
	x->exit_code = code;
	x->pad = 0;
	bpf_ringbuf_submit(x, rb_flags());
	count(VG_EXIT, false);
	return 0;
}

#endif
