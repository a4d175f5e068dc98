/*
 * file.bpf.h — file creation and deletion (syscall tracepoints).
 *
 * Creation: at the exit of open/openat/openat2/creat, the new fd's struct
 * file carries FMODE_CREATED exactly when this open created the file, which
 * is the "a file that did not exist" semantics of FileCreate (not every
 * O_CREAT open). The path comes from the file's own dentry, so it is
 * absolute and resolved whatever the dirfd was.
 *
 * Deletion: unlink/unlinkat/rmdir are remembered at entry (dirfd, user
 * pointer) and reported at exit only when they succeeded. A relative path
 * is sent with its base directory (the dirfd's path or the cwd), which
 * still exists after the call; user space joins and normalises them.
 */
#ifndef VIGIL_FILE_BPF_H
#define VIGIL_FILE_BPF_H

#include "common.bpf.h"
#include "fileops.bpf.h"
#include "sens.bpf.h"

#define AT_REMOVEDIR 0x200

static __always_inline int on_open_exit(struct trace_event_raw_sys_exit *ctx, int flags_arg)
{
	long ret = ctx->ret;
	struct open_file of;
	struct scratch *sc;
	struct vg_file *e;
	struct inode *inode;
	struct file *f;
	__u8 trunc = 0;

	if (ret < 0 || is_self())
		return 0;
	f = fd_file((int)ret);
	if (!f)
		return 0;
	/* Every open on the host runs this: each field is read once, here,
	 * and handed to the checks below (a read is a helper call). Kernel
	 * pointers go through locals: BPF_CORE_READ(of.f, ...) would make
	 * of.f itself a CO-RE access, which no kernel type can satisfy. */
	inode = BPF_CORE_READ(f, f_inode);
	of.f = f;
	of.inode = inode;
	of.fmode = BPF_CORE_READ(f, f_mode);
	of.imode = BPF_CORE_READ(inode, i_mode);
	on_open_extra(&of, ctx, flags_arg);
	if (!(of.fmode & FMODE_CREATED)) {
		sens_read(&of);
		return 0;
	}
	if (!type_enabled(VG_FILE_CREATE))
		return 0;
	sc = scratch_rec(VG_FILE_CREATE, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->mode = of.imode;
	e->ino = BPF_CORE_READ(inode, i_ino);
	e->path_len = append_path(sc, sizeof(*e), BPF_CORE_READ(f, f_path.dentry),
				  BPF_CORE_READ(f, f_path.mnt), &trunc);
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = sizeof(*e) + e->path_len;
	submit(e, e->hdr.size, VG_FILE_CREATE);
	return 0;
}

VG_ON_EXIT_ARG(vg_openat_x, "sys_exit_openat", on_open_exit, VG_FLAGS_ARG2)

VG_ON_EXIT_ARG(vg_open_x, "sys_exit_open", on_open_exit, VG_FLAGS_ARG1)

VG_ON_EXIT_ARG(vg_creat_x, "sys_exit_creat", on_open_exit, VG_FLAGS_CREAT)

VG_ON_EXIT_ARG(vg_openat2_x, "sys_exit_openat2", on_open_exit, VG_FLAGS_HOW)

struct unlink_call {
	__u64 upath;
	__s32 dirfd;
	__u32 flags;
};

/* Per thread, entry to exit: a plain HASH map whose refusals are counted
 * (see "State maps and loss" in common.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_THREAD_STATE);
	__type(key, __u32);
	__type(value, struct unlink_call);
} unlink_calls SEC(".maps");

static __always_inline int unlink_enter(int dirfd, __u64 upath, __u32 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct unlink_call c = {.upath = upath, .dirfd = dirfd, .flags = flags};

	if (is_self() || !type_enabled(VG_FILE_DELETE))
		return 0;
	state_put(&unlink_calls, &tid, &c, VG_FILE_DELETE);
	return 0;
}

static __always_inline int unlink_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct unlink_call *c = bpf_map_lookup_elem(&unlink_calls, &tid);
	struct unlink_call call;
	struct vg_file_delete *e;
	struct scratch *sc;
	__u32 off;
	long n;
	char first = 0;
	__u8 trunc = 0;

	if (!c)
		return 0;
	call = *c;
	bpf_map_delete_elem(&unlink_calls, &tid);
	if (ret != 0)
		return 0;
	sc = scratch_rec(VG_FILE_DELETE, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	if (call.flags & AT_REMOVEDIR)
		e->flags |= VG_DEL_F_RMDIR;
	off = sizeof(*e);

	bpf_probe_read_user(&first, 1, (void *)call.upath);
	if (first != '/') {
		struct task_struct *task = vg_current_task();
		if (call.dirfd == AT_FDCWD) {
			e->base_len = append_path(sc, off, BPF_CORE_READ(task, fs, pwd.dentry),
						  BPF_CORE_READ(task, fs, pwd.mnt), &trunc);
		} else {
			struct file *df = fd_file(call.dirfd);
			if (df)
				e->base_len = append_path(sc, off, BPF_CORE_READ(df, f_path.dentry),
							  BPF_CORE_READ(df, f_path.mnt), &trunc);
		}
		off += e->base_len;
	}
	n = bpf_probe_read_user_str(sc->ev + (off & (SCRATCH_SZ / 2 - 1)), VG_PATH_MAX,
				    (void *)call.upath);
	if (n <= 0) {
		count_lost(VG_FILE_DELETE); /* deleted, but its name unreadable */
		return 0;
	}
	e->path_len = n - 1; /* without the NUL */
	off += e->path_len;
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = off;
	submit(e, off, VG_FILE_DELETE);
	return 0;
}

SEC("tp/syscalls/sys_enter_unlinkat")
int vg_unlinkat_e(struct trace_event_raw_sys_enter *ctx)
{
	return unlink_enter((int)ctx->args[0], ctx->args[1], (__u32)ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_unlink")
int vg_unlink_e(struct trace_event_raw_sys_enter *ctx)
{
	return unlink_enter(AT_FDCWD, ctx->args[0], 0);
}

SEC("tp/syscalls/sys_enter_rmdir")
int vg_rmdir_e(struct trace_event_raw_sys_enter *ctx)
{
	return unlink_enter(AT_FDCWD, ctx->args[0], AT_REMOVEDIR);
}

VG_ON_EXIT(vg_unlinkat_x, "sys_exit_unlinkat", unlink_exit)

VG_ON_EXIT(vg_unlink_x, "sys_exit_unlink", unlink_exit)

VG_ON_EXIT(vg_rmdir_x, "sys_exit_rmdir", unlink_exit)

#endif
