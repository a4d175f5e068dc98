/*
 * fileops.bpf.h — file operations beyond create/delete: times (timestomp),
 * rename, mode/owner/xattr changes, content modification, executable
 * mappings (image loads), raw block-device reads and /proc/PID/mem opens.
 *
 * Path-based calls are reported as (base, rel), resolved in user space (see
 * vigil/event.h). Old values (previous mtime, mode, owner) can only be read
 * when the call names an fd, whose inode is at hand at entry; for
 * path-based calls the kernel resolves the path after our entry program,
 * and no tracepoint sits between the lookup and the change, so those
 * records say has_old = 0.
 *
 * FileModify: opens for writing of regular files are remembered by their
 * struct file; the first write-family call (write, pwrite, writev,
 * ftruncate, fallocate, copy_file_range, sendfile, splice) marks it; the
 * first close() or dup2()/dup3() over an fd of a marked file reports it
 * once. An open with O_TRUNC of a file that already existed is marked at
 * the open: the truncation is the change (`> ~/.bash_history`,
 * `cat /dev/null > /var/log/auth.log` clear a file without one write). The
 * kernel truncates, and sets the file's mtime, even when the file was
 * already empty, so such an open is reported too: after the open nothing
 * tells the two apart, and the file's modification time did change.
 *
 * A write() costs one lookup in processes that never opened a file for
 * writing (wf_procs in common.bpf.h), and an fd walk and a hash lookup in
 * the others, which is why it has its own switch (the enabled map). A file
 * written and then released only by the process's exit is not reported.
 *
 * A struct file released without a close() we see (exit, close-on-exec,
 * close_range) leaves its wfiles entry behind, and the kernel reuses the
 * pointer for the next file it opens — often a pipe or socket, whose path
 * resolves to "/". So each entry remembers the inode it was opened on and is
 * trusted only while the file still points at that inode and is open for
 * writing (an open for writing replaces any old entry), and nothing is
 * reported for an inode that is not a regular file (EVENTS.md: FileModify is
 * for regular files only). Both checks cost two reads of the struct file
 * the hook already has.
 */
#ifndef VIGIL_FILEOPS_BPF_H
#define VIGIL_FILEOPS_BPF_H

#include "common.bpf.h"

#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#define PROT_EXEC  0x4

/* ---- open-time checks: raw block reads, /proc/PID/mem, write tracking ---- */

#define O_TRUNC	 01000
#define O_APPEND 02000

/* Where an open's flags are, for open_flags(). */
enum { VG_FLAGS_ARG1, VG_FLAGS_ARG2, VG_FLAGS_HOW, VG_FLAGS_CREAT };

/*
 * The flags an open was called with, read at its exit. The kernel clears
 * O_TRUNC from f_flags once it has truncated, and an entry program on every
 * open would cost every open on the host a second hook and a map update to
 * learn it; only opens for writing of a file that already existed ask, and
 * they read the flags from the saved registers (saved_regs(), common.bpf.h).
 * Where those are not to be found, such truncations go unreported rather
 * than read from the wrong place. flags_arg says where the flags are: the
 * second argument (open), the third (openat), openat2's struct open_how in
 * user memory, or creat, which always truncates.
 */
static __always_inline __u64 open_flags(const struct trace_event_raw_sys_exit *ctx, int flags_arg)
{
	struct pt_regs *regs;
	__u64 flags = 0;

	if (flags_arg == VG_FLAGS_CREAT)
		return O_TRUNC;
	regs = saved_regs(ctx);
	if (!regs)
		return 0;
	switch (flags_arg) {
	case VG_FLAGS_ARG1:
		return BPF_CORE_READ(regs, si);
	case VG_FLAGS_ARG2:
		return BPF_CORE_READ(regs, dx);
	default:
		/* struct open_how begins with its __u64 flags. */
		bpf_probe_read_user(&flags, sizeof(flags), (void *)BPF_CORE_READ(regs, dx));
		return flags;
	}
}

/* Open files being watched for a first write, by struct file pointer (not
 * by fd: shells dup2() a redirection onto fd 1 and close the original).
 *
 * This one stays LRU, by decision (see "State maps and loss" in
 * common.bpf.h): a process that exits closes its files without a close()
 * syscall, and a file opened for writing but never written is never
 * released here, so entries are left behind by design and only eviction
 * bounds them. Evicted first are roughly the entries untouched longest, which
 * are almost always such leftovers; a file that is written and then held
 * open while 65536 newer writable opens pass could lose its FileModify, and
 * that eviction is the one loss not counted: the kernel does not report
 * it to the program. A stale entry's struct file may be reused for another
 * file: the entry keeps the inode it was opened on, and is trusted only
 * while the file still points there. */
struct wfile {
	__u64 inode; /* struct inode * the file was opened on */
	__u32 written;
	__u32 head; /* VG_HEAD_*, from the first write; HEAD_LOOKED once looked */
};

/* wfile.head after a first write that told nothing (not at offset 0, or no
 * user buffer): the later writes are not looked at, so each costs what it
 * did before. Reported as VG_HEAD_UNSEEN. */
#define HEAD_LOOKED 0x80

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct file * */
	__type(value, struct wfile);
} wfiles SEC(".maps");

/* Looks up the entry of f, dropping it when it belongs to an earlier file
 * that had the same address (see the top of this file). write_mode: the
 * caller has already seen FMODE_WRITE in f_mode. */
static __always_inline struct wfile *wfile_of(struct file *f, __u64 *k, bool write_mode)
{
	struct wfile *w;

	*k = (__u64)f;
	w = bpf_map_lookup_elem(&wfiles, k);
	if (!w)
		return NULL;
	if (w->inode != (__u64)BPF_CORE_READ(f, f_inode) ||
	    (!write_mode && !(BPF_CORE_READ(f, f_mode) & FMODE_WRITE)) ||
	    (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFREG) {
		bpf_map_delete_elem(&wfiles, k);
		return NULL;
	}
	return w;
}

/* Fills the vg_fpath at the start of a record whose fixed part is hdr_size
 * bytes (the path follows it) and appends the path. */
static __always_inline void fpath_fill(struct scratch *sc, struct vg_fpath *e, __u32 type,
				       struct file *f, __u32 flags, __u32 hdr_size)
{
	__u8 trunc = 0;

	fill_hdr(&e->hdr, type, 0);
	e->mode = BPF_CORE_READ(f, f_inode, i_mode);
	e->ino = BPF_CORE_READ(f, f_inode, i_ino);
	e->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	e->flags = flags;
	e->path_len = append_path(sc, hdr_size, BPF_CORE_READ(f, f_path.dentry),
				  BPF_CORE_READ(f, f_path.mnt), &trunc);
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = hdr_size + e->path_len;
}

static __always_inline void emit_fpath(__u32 type, struct file *f, __u32 flags)
{
	struct scratch *sc = get_scratch();
	struct vg_fpath *e;

	if (!sc) {
		count_lost(type);
		return;
	}
	e = (void *)sc->ev;
	__builtin_memset(e, 0, sizeof(*e));
	fpath_fill(sc, e, type, f, flags, sizeof(*e));
	submit(e, e->hdr.size, type);
}

static __always_inline void on_open_extra(const struct open_file *of,
					  const struct trace_event_raw_sys_exit *ctx, int flags_arg)
{
	struct file *f = of->f;
	struct inode *inode = of->inode;
	__u32 fmode = of->fmode;
	__u32 imode = of->imode;

	if ((imode & S_IFMT) == S_IFBLK && (fmode & FMODE_READ) && type_enabled(VG_RAW_READ)) {
		emit_fpath(VG_RAW_READ, f, fmode);
		return;
	}
	if ((imode & S_IFMT) != S_IFREG)
		return;
	if (BPF_CORE_READ(inode, i_sb, s_magic) == PROC_SUPER_MAGIC) {
		struct qstr name = BPF_CORE_READ(f, f_path.dentry, d_name);
		char n[4] = {};

		if (name.len == 3 && type_enabled(VG_ACCESS)) {
			bpf_probe_read_kernel(n, 3, name.name);
			if (n[0] == 'm' && n[1] == 'e' && n[2] == 'm') {
				struct scratch *sc = get_scratch();
				struct vg_access *a;
				__u8 trunc = 0;

				if (!sc) {
					count_lost(VG_ACCESS);
					return;
				}
				a = (void *)sc->ev;
				__builtin_memset(a, 0, sizeof(*a));
				fill_hdr(&a->hdr, VG_ACCESS, 0);
				a->kind = VG_ACC_PROC_MEM;
				a->request = (fmode & FMODE_WRITE) ? 1 : 0;
				a->path_len =
				    append_path(sc, sizeof(*a), BPF_CORE_READ(f, f_path.dentry),
						BPF_CORE_READ(f, f_path.mnt), &trunc);
				a->hdr.size = sizeof(*a) + a->path_len;
				submit(a, a->hdr.size, VG_ACCESS);
			}
		}
		return;
	}
	if ((fmode & FMODE_WRITE) && type_enabled(VG_FILE_MODIFY)) {
		__u64 k = (__u64)f;
		struct wfile w = {.inode = (__u64)inode};

		if (!(fmode & FMODE_CREATED) && (open_flags(ctx, flags_arg) & O_TRUNC))
			w.written = 1;
		state_put(&wfiles, &k, &w, VG_FILE_MODIFY);
		proc_mark(&wf_procs, &wf_marks_full, bpf_get_current_pid_tgid() >> 32);
	}
}

/* The content class of buf, the first bytes written at offset 0. */
static __always_inline __u32 head_of(const void *buf, __u64 count)
{
	unsigned char m[4] = {};
	long err;

	if (count < 2)
		return HEAD_LOOKED;
	/* Constant sizes: the oldest verifiers want them. */
	if (count >= 4)
		err = bpf_probe_read_user(m, 4, buf);
	else
		err = bpf_probe_read_user(m, 2, buf);
	if (err)
		return HEAD_LOOKED;
	return vg_head_class(m, count);
}

/* A write to fd. buf is the writer's buffer for write(2) and pwrite64(2)
 * (NULL for the others), pos the offset pwrite64 names (-1: the file's).
 * Only the first write of an open is looked at: FileExecutableDetected
 * needs the header only when user space cannot read the file. */
static __always_inline int mark_written_buf(int fd, const void *buf, __u64 count, __s64 pos)
{
	struct wfile *w;
	struct file *f;
	__u64 k;

	/* Writes of a process that opened nothing for writing (a server
	 * answering on its sockets) cannot hit wfiles: one lookup, no walk
	 * (wf_procs in common.bpf.h). */
	if (!proc_marked(&wf_procs, &wf_marks_full) || !type_enabled(VG_FILE_MODIFY))
		return 0;
	f = fd_file(fd);
	if (!f)
		return 0;
	w = wfile_of(f, &k, false);
	if (!w)
		return 0;
	if (w->written == 0)
		w->written = 1;
	if (w->head == VG_HEAD_UNSEEN) {
		if (pos < 0)
			pos = (BPF_CORE_READ(f, f_flags) & O_APPEND)
				  ? BPF_CORE_READ(f, f_inode, i_size)
				  : BPF_CORE_READ(f, f_pos);
		w->head = buf && pos == 0 ? head_of(buf, count) : HEAD_LOOKED;
	}
	return 0;
}

static __always_inline int mark_written(int fd)
{
	return mark_written_buf(fd, NULL, 0, -1);
}

/* An fd going away (close, or the target of dup2/dup3): a written file
 * is reported once, at the first such release after its first write. */
static __always_inline int release_fd(int fd)
{
	struct file *f = fd_file(fd);
	struct wfile *w;
	__u64 k;

	/* Most closes on a host are of files opened only for reading, and
	 * only opens for writing are watched: one read of f_mode spares them
	 * the map lookup. */
	if (!f || !(BPF_CORE_READ(f, f_mode) & FMODE_WRITE))
		return 0;
	w = wfile_of(f, &k, true);
	if (!w || w->written == 0)
		return 0;
	if (!is_self())
		emit_fpath(VG_FILE_MODIFY, f, w->head == HEAD_LOOKED ? VG_HEAD_UNSEEN : w->head);
	bpf_map_delete_elem(&wfiles, &k);
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int vg_write_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written_buf((int)ctx->args[0], (const void *)ctx->args[1], ctx->args[2], -1);
}

SEC("tp/syscalls/sys_enter_pwrite64")
int vg_pwrite_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written_buf((int)ctx->args[0], (const void *)ctx->args[1], ctx->args[2],
				(__s64)ctx->args[3]);
}

SEC("tp/syscalls/sys_enter_writev")
int vg_writev_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written((int)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_pwritev")
int vg_pwritev_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written((int)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_pwritev2")
int vg_pwritev2_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written((int)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_ftruncate")
int vg_ftrunc_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written((int)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_copy_file_range")
int vg_cfr_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written((int)ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_sendfile64")
int vg_sendfile_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written((int)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_splice")
int vg_splice_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written((int)ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_fallocate")
int vg_falloc_e(struct trace_event_raw_sys_enter *ctx)
{
	return mark_written((int)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_close")
int vg_close_e(struct trace_event_raw_sys_enter *ctx)
{
	if (!type_enabled(VG_FILE_MODIFY))
		return 0;
	return release_fd((int)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_dup2")
int vg_dup2_e(struct trace_event_raw_sys_enter *ctx)
{
	if (!type_enabled(VG_FILE_MODIFY) || ctx->args[0] == ctx->args[1])
		return 0;
	return release_fd((int)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_dup3")
int vg_dup3_e(struct trace_event_raw_sys_enter *ctx)
{
	if (!type_enabled(VG_FILE_MODIFY))
		return 0;
	return release_fd((int)ctx->args[1]);
}

/* ---- executable mappings (ImageLoad) ---- */

struct img_key {
	__u32 tgid;
	__u32 pad;
	__u64 start_ns;
	__u64 ino;
	__u64 dev;
};

/* Images already reported per process. LRU: an eviction gives a second
 * report, not a lost one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct img_key);
	__type(value, __u8);
} img_seen SEC(".maps");

/* ImageLoad's record: emit_fpath's, with the file's size and mtime. */
static __always_inline void emit_image(struct file *f, __u32 prot)
{
	struct scratch *sc = get_scratch();
	struct vg_image *e;

	if (!sc) {
		count_lost(VG_MMAP_EXEC);
		return;
	}
	e = (void *)sc->ev;
	__builtin_memset(e, 0, sizeof(*e));
	e->fsize = BPF_CORE_READ(f, f_inode, i_size);
	inode_mtime(BPF_CORE_READ(f, f_inode), &e->mtime_sec, &e->mtime_nsec);
	fpath_fill(sc, &e->f, VG_MMAP_EXEC, f, prot, sizeof(*e));
	submit(e, e->f.hdr.size, VG_MMAP_EXEC);
}

/*
 * An executable mapping is seen at mmap's exit, which needs the call's
 * prot and fd. Most mappings are not executable (an exec maps about eight
 * things, four with PROT_EXEC), so the exit takes both from the saved
 * registers (saved_regs_copy(), common.bpf.h) and a mapping costs one
 * program and no map operation. With args_by_entry (registers not usable
 * here), vg_mmap_e carries them in the calls map instead.
 */
SEC("tp/syscalls/sys_enter_mmap")
int vg_mmap_e(struct trace_event_raw_sys_enter *ctx)
{
	struct call *c;

	if (!(ctx->args[2] & PROT_EXEC) || (int)ctx->args[4] < 0 || is_self() ||
	    !type_enabled(VG_MMAP_EXEC))
		return 0;
	c = call_new(VG_MMAP_EXEC);
	if (c) {
		c->a[0] = ctx->args[4];
		c->a[1] = ctx->args[2];
	}
	return 0;
}

SEC("tp/syscalls/sys_exit_mmap")
int vg_mmap_x(struct trace_event_raw_sys_exit *ctx)
{
	struct img_key k = {};
	struct pt_regs regs;
	struct call c;
	struct file *f;
	__u32 prot;
	__u8 one = 1;
	int fd;

	if (args_by_entry) {
		if (!call_take(VG_MMAP_EXEC, &c) || (unsigned long)ctx->ret >= (unsigned long)-4095)
			return 0;
		fd = (int)c.a[0];
		prot = (__u32)c.a[1];
	} else {
		if ((unsigned long)ctx->ret >= (unsigned long)-4095)
			return 0;
		if (is_self()) {
			regs_probe(ctx);
			return 0;
		}
		if (!saved_regs_copy(ctx, &regs)) {
			/* User space turns to vg_mmap_e at its next look at
			 * regs_bad; until then a mapping cannot be told apart,
			 * and each counts as a lost ImageLoad (the safe side). */
			count_lost(VG_MMAP_EXEC);
			return 0;
		}
		prot = (__u32)regs.dx;
		fd = (int)regs.r8;
		if (!(prot & PROT_EXEC) || fd < 0 || !type_enabled(VG_MMAP_EXEC))
			return 0;
	}
	f = fd_file(fd);
	if (!f)
		return 0;
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	k.start_ns = BPF_CORE_READ(vg_current_task(), group_leader, start_boottime);
	k.ino = BPF_CORE_READ(f, f_inode, i_ino);
	k.dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	if (bpf_map_lookup_elem(&img_seen, &k))
		return 0; /* each (process, object) once */
	bpf_map_update_elem(&img_seen, &k, &one, BPF_ANY);
	emit_image(f, prot);
	return 0;
}

/* ---- file times ---- */

static __always_inline int utimes_enter(__u32 sys, int dfd, __u64 upath, __s64 msec, __u32 mnsec)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_UTIMES))
		return 0;
	c = call_new(VG_UTIMES);
	if (!c)
		return 0;
	c->a[0] = sys;
	c->a[1] = (__u64)(__s64)dfd;
	c->a[2] = upath;
	c->a[3] = (__u64)msec;
	c->a[4] = mnsec;
	if (!upath) {
		/* fd-based: the old time is on the inode right now. */
		struct file *f = fd_file(dfd);
		if (f) {
			__s64 s;
			__u32 ns;
			inode_mtime(BPF_CORE_READ(f, f_inode), &s, &ns);
			c->x[0] = 1;
			c->x[1] = (__u64)s;
			c->x[2] = ns;
		}
	}
	return 0;
}

/* The new times could not be read: the event is lost if the call works. */
static __always_inline int utimes_unread(void)
{
	if (!is_self() && type_enabled(VG_UTIMES))
		call_unread(VG_UTIMES);
	return 0;
}

SEC("tp/syscalls/sys_enter_utimensat")
int vg_utimensat_e(struct trace_event_raw_sys_enter *ctx)
{
	struct timespec64 ts[2] = {};
	__s64 sec;
	long nsec;

	if (!ctx->args[2])
		return 0; /* NULL times: set to now, not a timestomp */
	if (bpf_probe_read_user(ts, sizeof(ts), (void *)ctx->args[2]))
		return utimes_unread();
	if (ts[1].tv_nsec == UTIME_OMIT) {
		if (ts[0].tv_nsec == UTIME_OMIT || ts[0].tv_nsec == UTIME_NOW)
			return 0;
		sec = ts[0].tv_sec;
		nsec = ts[0].tv_nsec;
	} else if (ts[1].tv_nsec == UTIME_NOW) {
		if (ts[0].tv_nsec == UTIME_OMIT || ts[0].tv_nsec == UTIME_NOW)
			return 0;
		sec = ts[0].tv_sec;
		nsec = ts[0].tv_nsec;
	} else {
		sec = ts[1].tv_sec;
		nsec = ts[1].tv_nsec;
	}
	return utimes_enter(VG_SYS_UTIMENSAT, (int)ctx->args[0], ctx->args[1], sec, (__u32)nsec);
}

struct timeval___vg {
	long tv_sec;
	long tv_usec;
};

static __always_inline int timeval_enter(__u32 sys, int dfd, __u64 upath, __u64 utv)
{
	struct timeval___vg tv[2] = {};

	if (!utv)
		return 0;
	if (bpf_probe_read_user(tv, sizeof(tv), (void *)utv))
		return utimes_unread();
	return utimes_enter(sys, dfd, upath, tv[1].tv_sec, (__u32)(tv[1].tv_usec * 1000));
}

SEC("tp/syscalls/sys_enter_utimes")
int vg_utimes_e(struct trace_event_raw_sys_enter *ctx)
{
	return timeval_enter(VG_SYS_UTIMES, AT_FDCWD, ctx->args[0], ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_futimesat")
int vg_futimesat_e(struct trace_event_raw_sys_enter *ctx)
{
	return timeval_enter(VG_SYS_FUTIMESAT, (int)ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_utime")
int vg_utime_e(struct trace_event_raw_sys_enter *ctx)
{
	long ut[2] = {}; /* struct utimbuf { actime, modtime } */

	if (!ctx->args[1])
		return 0;
	if (bpf_probe_read_user(ut, sizeof(ut), (void *)ctx->args[1]))
		return utimes_unread();
	return utimes_enter(VG_SYS_UTIME, AT_FDCWD, ctx->args[0], ut[1], 0);
}

static __always_inline int utimes_exit(long ret)
{
	struct call c;
	struct scratch *sc;
	struct vg_utimes *e;
	__u32 off;
	__u8 trunc = 0;

	if (!call_take(VG_UTIMES, &c) || ret != 0)
		return 0;
	if (c.unread) {
		count_lost(VG_UTIMES);
		return 0;
	}
	sc = scratch_rec(VG_UTIMES, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->syscall = (__u32)c.a[0];
	e->new_mtime_sec = (__s64)c.a[3];
	e->new_mtime_nsec = (__u32)c.a[4];
	e->has_old = (__u32)c.x[0];
	e->old_mtime_sec = (__s64)c.x[1];
	e->old_mtime_nsec = (__u32)c.x[2];
	off = sizeof(*e);
	if (c.a[2]) {
		e->base_len = append_base(sc, off, (int)c.a[1], c.a[2], &trunc);
		off += e->base_len;
		e->rel_len = append_ustr(sc, off, c.a[2]);
	} else {
		e->rel_len = append_fd_path(sc, off, (int)c.a[1], &trunc);
	}
	off += e->rel_len;
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = off;
	submit(e, off, VG_UTIMES);
	return 0;
}

VG_ON_EXIT(vg_utimensat_x, "sys_exit_utimensat", utimes_exit)

VG_ON_EXIT(vg_utimes_x, "sys_exit_utimes", utimes_exit)

VG_ON_EXIT(vg_futimesat_x, "sys_exit_futimesat", utimes_exit)

VG_ON_EXIT(vg_utime_x, "sys_exit_utime", utimes_exit)

/* ---- rename ---- */

static __always_inline int rename_enter(int odfd, __u64 oldp, int ndfd, __u64 newp, __u32 flags)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_RENAME))
		return 0;
	c = call_new(VG_RENAME);
	if (c) {
		c->a[0] = (__u64)(__s64)odfd;
		c->a[1] = oldp;
		c->a[2] = (__u64)(__s64)ndfd;
		c->a[3] = newp;
		c->a[4] = flags;
	}
	return 0;
}

SEC("tp/syscalls/sys_enter_rename")
int vg_rename_e(struct trace_event_raw_sys_enter *ctx)
{
	if (refuse_prog == VG_REFUSE_RENAME)
		asm volatile("r0 = *(u64 *)(r1 + 65536)" ::: "r0"); /* out of the context */
	return rename_enter(AT_FDCWD, ctx->args[0], AT_FDCWD, ctx->args[1], 0);
}

SEC("tp/syscalls/sys_enter_renameat")
int vg_renameat_e(struct trace_event_raw_sys_enter *ctx)
{
	return rename_enter((int)ctx->args[0], ctx->args[1], (int)ctx->args[2], ctx->args[3], 0);
}

SEC("tp/syscalls/sys_enter_renameat2")
int vg_renameat2_e(struct trace_event_raw_sys_enter *ctx)
{
	return rename_enter((int)ctx->args[0], ctx->args[1], (int)ctx->args[2], ctx->args[3],
			    (__u32)ctx->args[4]);
}

static __always_inline int rename_exit(long ret)
{
	struct call c;
	struct scratch *sc;
	struct vg_rename *e;
	__u32 off;
	__u8 trunc = 0;

	if (!call_take(VG_RENAME, &c) || ret != 0)
		return 0;
	sc = scratch_rec(VG_RENAME, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->flags = (__u32)c.a[4];
	off = sizeof(*e);
	e->old_base_len = append_base(sc, off, (int)c.a[0], c.a[1], &trunc);
	off += e->old_base_len;
	e->old_rel_len = append_ustr(sc, off, c.a[1]);
	off += e->old_rel_len;
	e->new_base_len = append_base(sc, off, (int)c.a[2], c.a[3], &trunc);
	off += e->new_base_len;
	e->new_rel_len = append_ustr(sc, off, c.a[3]);
	off += e->new_rel_len;
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = off;
	submit(e, off, VG_RENAME);
	return 0;
}

VG_ON_EXIT(vg_rename_x, "sys_exit_rename", rename_exit)

VG_ON_EXIT(vg_renameat_x, "sys_exit_renameat", rename_exit)

VG_ON_EXIT(vg_renameat2_x, "sys_exit_renameat2", rename_exit)

/* ---- mode, owner, xattr ---- */

/* a[0]=syscall a[1]=kind a[2]=dirfd or fd a[3]=upath (0: fd-based)
 * a[4]=new mode or uid a[5]=gid; x[3]=xattr name pointer. */
static __always_inline int attr_enter(__u32 sys, __u32 kind, int fd, __u64 upath, __u64 v1,
				      __u64 v2, __u64 xname)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_ATTR))
		return 0;
	c = call_new(VG_ATTR);
	if (!c)
		return 0;
	c->a[0] = sys;
	c->a[1] = kind;
	c->a[2] = (__u64)(__s64)fd;
	c->a[3] = upath;
	c->a[4] = v1;
	c->a[5] = v2;
	c->x[3] = xname;
	if (!upath) {
		struct file *f = fd_file(fd);
		if (f) {
			struct inode *ino = BPF_CORE_READ(f, f_inode);
			c->x[0] = 1;
			c->x[1] = BPF_CORE_READ(ino, i_mode);
			c->x[2] = ((__u64)BPF_CORE_READ(ino, i_gid.val) << 32) |
				  BPF_CORE_READ(ino, i_uid.val);
		}
	}
	return 0;
}

SEC("tp/syscalls/sys_enter_chmod")
int vg_chmod_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_CHMOD, VG_ATTR_MODE, AT_FDCWD, ctx->args[0], ctx->args[1], 0, 0);
}

SEC("tp/syscalls/sys_enter_fchmod")
int vg_fchmod_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_FCHMOD, VG_ATTR_MODE, (int)ctx->args[0], 0, ctx->args[1], 0, 0);
}

SEC("tp/syscalls/sys_enter_fchmodat")
int vg_fchmodat_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_FCHMODAT, VG_ATTR_MODE, (int)ctx->args[0], ctx->args[1],
			  ctx->args[2], 0, 0);
}

SEC("tp/syscalls/sys_enter_fchmodat2")
int vg_fchmodat2_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_FCHMODAT, VG_ATTR_MODE, (int)ctx->args[0], ctx->args[1],
			  ctx->args[2], 0, 0);
}

SEC("tp/syscalls/sys_enter_chown")
int vg_chown_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_CHOWN, VG_ATTR_OWNER, AT_FDCWD, ctx->args[0], ctx->args[1],
			  ctx->args[2], 0);
}

SEC("tp/syscalls/sys_enter_lchown")
int vg_lchown_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_LCHOWN, VG_ATTR_OWNER, AT_FDCWD, ctx->args[0], ctx->args[1],
			  ctx->args[2], 0);
}

SEC("tp/syscalls/sys_enter_fchown")
int vg_fchown_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_FCHOWN, VG_ATTR_OWNER, (int)ctx->args[0], 0, ctx->args[1],
			  ctx->args[2], 0);
}

SEC("tp/syscalls/sys_enter_fchownat")
int vg_fchownat_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_FCHOWNAT, VG_ATTR_OWNER, (int)ctx->args[0], ctx->args[1],
			  ctx->args[2], ctx->args[3], 0);
}

SEC("tp/syscalls/sys_enter_setxattr")
int vg_setxattr_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_SETXATTR, VG_ATTR_XATTR, AT_FDCWD, ctx->args[0], 0, 0,
			  ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_lsetxattr")
int vg_lsetxattr_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_LSETXATTR, VG_ATTR_XATTR, AT_FDCWD, ctx->args[0], 0, 0,
			  ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_fsetxattr")
int vg_fsetxattr_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_FSETXATTR, VG_ATTR_XATTR, (int)ctx->args[0], 0, 0, 0,
			  ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_removexattr")
int vg_rmxattr_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_REMOVEXATTR, VG_ATTR_XATTR, AT_FDCWD, ctx->args[0], 0, 0,
			  ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_lremovexattr")
int vg_lrmxattr_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_LREMOVEXATTR, VG_ATTR_XATTR, AT_FDCWD, ctx->args[0], 0, 0,
			  ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_fremovexattr")
int vg_frmxattr_e(struct trace_event_raw_sys_enter *ctx)
{
	return attr_enter(VG_SYS_FREMOVEXATTR, VG_ATTR_XATTR, (int)ctx->args[0], 0, 0, 0,
			  ctx->args[1]);
}

static __always_inline int attr_exit(long ret)
{
	struct call c;
	struct scratch *sc;
	struct vg_attr *e;
	__u32 off;
	__u8 trunc = 0;

	if (!call_take(VG_ATTR, &c) || ret != 0)
		return 0;
	sc = scratch_rec(VG_ATTR, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->syscall = (__u32)c.a[0];
	e->kind = (__u32)c.a[1];
	e->has_old = (__u32)c.x[0];
	e->old_mode = (__u32)c.x[1];
	e->old_uid = (__u32)c.x[2];
	e->old_gid = (__u32)(c.x[2] >> 32);
	if (e->kind == VG_ATTR_MODE) {
		e->new_mode = (__u32)c.a[4];
	} else if (e->kind == VG_ATTR_OWNER) {
		e->new_uid = (__u32)c.a[4];
		e->new_gid = (__u32)c.a[5];
	}
	off = sizeof(*e);
	if (c.a[3]) {
		e->base_len = append_base(sc, off, (int)c.a[2], c.a[3], &trunc);
		off += e->base_len;
		e->rel_len = append_ustr(sc, off, c.a[3]);
	} else {
		e->rel_len = append_fd_path(sc, off, (int)c.a[2], &trunc);
	}
	off += e->rel_len;
	e->name_len = append_ustr(sc, off, c.x[3]);
	off += e->name_len;
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = off;
	submit(e, off, VG_ATTR);
	return 0;
}

VG_ON_EXIT(vg_chmod_x, "sys_exit_chmod", attr_exit)
VG_ON_EXIT(vg_fchmod_x, "sys_exit_fchmod", attr_exit)
VG_ON_EXIT(vg_fchmodat_x, "sys_exit_fchmodat", attr_exit)
VG_ON_EXIT(vg_fchmodat2_x, "sys_exit_fchmodat2", attr_exit)
VG_ON_EXIT(vg_chown_x, "sys_exit_chown", attr_exit)
VG_ON_EXIT(vg_lchown_x, "sys_exit_lchown", attr_exit)
VG_ON_EXIT(vg_fchown_x, "sys_exit_fchown", attr_exit)
VG_ON_EXIT(vg_fchownat_x, "sys_exit_fchownat", attr_exit)
VG_ON_EXIT(vg_setxattr_x, "sys_exit_setxattr", attr_exit)
VG_ON_EXIT(vg_lsetxattr_x, "sys_exit_lsetxattr", attr_exit)
VG_ON_EXIT(vg_fsetxattr_x, "sys_exit_fsetxattr", attr_exit)
VG_ON_EXIT(vg_rmxattr_x, "sys_exit_removexattr", attr_exit)
VG_ON_EXIT(vg_lrmxattr_x, "sys_exit_lremovexattr", attr_exit)
VG_ON_EXIT(vg_frmxattr_x, "sys_exit_fremovexattr", attr_exit)

#endif
