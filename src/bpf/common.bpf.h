/*
 * common.bpf.h — maps and helpers shared by every vigil BPF program.
 *
 * All programs feed one ring buffer ("rb"). A program that cannot reserve
 * space drops its record and counts the drop in the per-CPU "stats" map: the
 * traced process is never made to wait. Records bigger than a few hundred
 * bytes are assembled in a per-CPU scratch buffer and copied out with
 * bpf_ringbuf_output(), because bpf_ringbuf_reserve() needs a constant size.
 *
 * Paths are rebuilt by walking dentries and mounts up to the global root
 * (host view, so a containerised process's files show where they really
 * are), like d_path() but bounded: at most VG_PATH_DEPTH components and
 * VG_PATH_MAX bytes; a longer path keeps its last components behind a "…"
 * marker ("…/usr/bin/x": never mistaken for /usr/bin/x) and the record is
 * flagged VG_HF_TRUNCATED.
 */
#ifndef VIGIL_COMMON_BPF_H
#define VIGIL_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "vigil/event.h"

#define VG_PATH_DEPTH 48
#define SCRATCH_SZ    16384 /* ≥ 2 × the largest record, power of two */
#define PATHBUF_SZ    (2 * VG_PATH_MAX)

#define AF_INET		  2
#define AF_INET6	  10
#define IPPROTO_TCP	  6
#define IPPROTO_UDP	  17
#define FMODE_CREATED	  0x100000
#define SIGNAL_GROUP_EXIT 0x00000004
#define S_IFMT		  00170000
#define S_IFREG		  0100000
#define S_IFBLK		  0060000
#define S_IFSOCK	  0140000
#define FMODE_READ	  0x1
#define FMODE_WRITE	  0x2
#define AT_FDCWD	  -100
#define PROC_SUPER_MAGIC  0x9fa0

/* Set by the loader before load: the sensor's own tgid, so that its writes
 * to its outputs never come back as events. */
const volatile __u32 self_tgid = 0;

/* Waking the reader costs an interrupt (an IPI, and on a VM an exit) on
 * every record when events are sparse: several µs in the traced process.
 * Records are committed without a wakeup until this many bytes wait; the
 * reader also polls on a short timer (sensor.c), which bounds the delay.
 * Set by the loader from the ring size. */
const volatile __u32 wake_bytes = 65536;

/* Fault injection for the tests: when the loader sets this (from
 * VIGIL_TEST_REFUSE_PROG=vg_rename_e), vg_rename_e carries an access the
 * verifier refuses, so the tests see a genuine kernel refusal and what the
 * sensor makes of it. At 0 the branch is dead: .rodata is frozen before
 * load and the verifier prunes it, on every kernel since 5.2. */
const volatile __u32 refuse_prog = 0;
#define VG_REFUSE_RENAME 1

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by the loader */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_TYPE_MAX);
	__type(key, __u32);
	__type(value, struct vg_stats);
} stats SEC(".maps");

/* 1 = collect this record type. Lets a reload switch types off without
 * detaching programs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_TYPE_MAX);
	__type(key, __u32);
	__type(value, __u32);
} enabled SEC(".maps");

#define MUTE_PATH_MAX 256

struct scratch {
	char ev[SCRATCH_SZ];
	char path[PATHBUF_SZ];
	char key[MUTE_PATH_MAX]; /* zero-padded image path, a mute_images key */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* A program on a syscall's exit tracepoint that hands the return value to
 * the handler its family shares (unlink/unlinkat/rmdir, ...). */
#define VG_ON_EXIT(fn, tp, handler)                                                                \
	SEC("tp/syscalls/" tp)                                                                     \
	int fn(struct trace_event_raw_sys_exit *ctx)                                               \
	{                                                                                          \
		return handler(ctx->ret);                                                          \
	}

/* The same for a family whose handler also needs the exit's context (the
 * syscall number) and what tells its members apart (open_flags()). */
#define VG_ON_EXIT_ARG(fn, tp, handler, arg)                                                       \
	SEC("tp/syscalls/" tp)                                                                     \
	int fn(struct trace_event_raw_sys_exit *ctx)                                               \
	{                                                                                          \
		return handler(ctx, arg);                                                          \
	}

static __always_inline __u64 rb_flags(void)
{
	return bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) >= wake_bytes ? BPF_RB_FORCE_WAKEUP
								       : BPF_RB_NO_WAKEUP;
}

static __always_inline bool is_self(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

/* Kernel pre-filtering by image: tgid → bit mask of record types whose
 * events the config excludes for this process's image, unconditionally
 * (exact path, exclude rule, no include that could win). User space sets
 * it when it decodes the process's exec; an exec clears it, a fork copies
 * it, an exit deletes it. Dropping here gives provably the same output as
 * the user-space filter, minus the cost of the trip. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} muted SEC(".maps");

/* Image path (zero-padded) → mask, for the exec program to mute a process
 * from its first instruction: short-lived processes are done before user
 * space could react. Paths longer than MUTE_PATH_MAX are muted by user
 * space only, after it decodes the exec. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, char[MUTE_PATH_MAX]);
	__type(value, __u64);
} mute_images SEC(".maps");

/* Set by user space when "muted" has entries, so hosts whose config has
 * no such rule pay no lookup. */
volatile __u32 mute_active = 0;

/*
 * Process marks: a hot hook that can only matter in some processes skips
 * every other one after one lookup, instead of walking task → fd → file.
 * A mark is tgid → 1, copied at fork (the child holds the parent's files),
 * dropped at exit. A full map never makes the sensor blind: the refused
 * mark sets the map's *_marks_full, and from then on the hook checks every
 * process as before. *_marks_used turns the fork and exit upkeep on at the
 * first mark, so a config without these events pays nothing for them.
 *
 * dns_procs: processes that may wait for a DNS answer. Marked at the
 * entry of a connect, sendto or sendmsg naming port 53 (net.bpf.h), before
 * the query leaves, so no answer beats its mark; seeded by user space each
 * time DNS is switched on with the processes that already hold a UDP
 * socket or a TCP connection to port 53 (sensor/dnsmark.c). That scan
 * runs on a thread of its own, and dns_seeding is 1 until it ends: every
 * process is looked at meanwhile, so an answer read by a process the scan
 * has not reached yet is not missed.
 *
 * wf_procs: processes that opened a regular file for writing while
 * FileModify was on (fileops.bpf.h), i.e. the only ones whose writes can
 * hit a wfiles entry. Files opened earlier are not in wfiles either, so
 * nothing needs seeding.
 *
 * A file or socket handed to another process by SCM_RIGHTS or taken with
 * pidfd_getfd marks the receiver too (fds_received in net.bpf.h). What
 * stays unseen (HACKING.md): fds received by recvmmsg or io_uring, and by
 * recvmsg on a kernel where the exit programs cannot read the saved
 * registers (args_by_entry).
 */
#define VG_PROC_MARKS(name)                                                                        \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 16384);                                                        \
		__type(key, __u32);                                                                \
		__type(value, __u8);                                                               \
	} name SEC(".maps")

VG_PROC_MARKS(dns_procs);
VG_PROC_MARKS(wf_procs);

volatile __u32 dns_marks_full = 0;
volatile __u32 dns_seeding = 0;
volatile __u32 wf_marks_full = 0;
volatile __u32 marks_used = 0;

/* Marks a process the caller has just looked up and found unmarked. */
static __always_inline void proc_mark_new(void *map, volatile __u32 *full, __u32 tgid)
{
	__u8 one = 1;
	long err;

	if (!marks_used)
		marks_used = 1;
	/* -EEXIST (17) is another thread of the process marking it first. */
	err = bpf_map_update_elem(map, &tgid, &one, BPF_NOEXIST);
	if (err && err != -17 && !*full)
		*full = 1;
}

static __always_inline void proc_mark(void *map, volatile __u32 *full, __u32 tgid)
{
	if (!bpf_map_lookup_elem(map, &tgid))
		proc_mark_new(map, full, tgid);
}

/* Whether the current process's calls are worth the hook's full check. */
static __always_inline bool proc_marked(void *map, volatile __u32 *full)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return *full || bpf_map_lookup_elem(map, &tgid) != NULL;
}

/* The enabled map's bit, without type_enabled()'s mute lookup: marks are
 * kept whenever their type is collected. */
static __always_inline bool collecting(__u32 type)
{
	__u32 *on = bpf_map_lookup_elem(&enabled, &type);

	return on && *on;
}

static __always_inline void count_filtered(__u32 type);

/*
 * The current task, as a pointer for BPF_CORE_READ. bpf_get_current_task()
 * exists on every supported kernel (4.8+); the BTF-typed variant needs 5.11,
 * and every read here goes through CO-RE probe reads anyway, so the older
 * helper costs nothing and keeps 5.8-5.10 loading.
 */
static __always_inline struct task_struct *vg_current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/*
 * The user registers a syscall's entry saved at the top of the task's
 * kernel stack (x86-64: THREAD_SIZE is 16 KiB, the top padded or not),
 * for an exit program that needs the call's arguments. Reading them there
 * spares a hot syscall an entry program and a map update per call just to
 * carry its arguments to the exit (open_flags() in fileops.bpf.h, the DNS
 * reads in net.bpf.h).
 *
 * They are trusted only when they prove to be this call's: orig_ax holds
 * its number and ax its return value (the exit tracepoint takes ret from
 * regs->ax). FRED's padding of the top is probed for (regs_pad). A kernel
 * whose stack differs otherwise (KASAN doubles it) fails the check, gets
 * nothing, and regs_bad tells user space, which
 * reports FileModify as degraded and has DNS and ImageLoad found by entry
 * programs instead (args_by_entry).
 */
#define VG_THREAD_SIZE 16384

/* Set once the saved registers were not where saved_regs() reads them. */
volatile __u32 regs_bad = 0;
/* Set at the first exit of a read or mmap by the sensor itself: the
 * registers have been tried once, and regs_bad says how it went (the
 * loader's probe, regs_usable() in loader.c). */
volatile __u32 regs_checked = 0;
/* Set by user space (loader.c) when the registers cannot be used: the DNS
 * reads and mmap take their arguments from entry programs instead, through
 * the calls map. Never cleared. */
volatile __u32 args_by_entry = 0;
/* Test hook (VIGIL_TEST_REGS_SKEW, loader.c): moves the read off the saved
 * registers, as a kernel with another stack layout would. */
const volatile __u32 regs_skew = 0;
/* Bytes the kernel keeps above the saved registers: 0, or 16 on a kernel
 * built with CONFIG_X86_FRED (6.9+, TOP_OF_KERNEL_STACK_PADDING, whether
 * the CPU has FRED or not). Set by the loader's probe (regs_usable()). */
volatile __u32 regs_pad = 0;

static __always_inline struct pt_regs *saved_regs_addr(void)
{
	/* In 32 bits, so that a test's negative skew wraps to an offset. */
	__u32 off = VG_THREAD_SIZE - regs_skew - regs_pad;
	char *top = (char *)BPF_CORE_READ(vg_current_task(), stack) + off;

	return (struct pt_regs *)top - 1;
}

static __always_inline bool regs_match(const struct trace_event_raw_sys_exit *ctx, long orig_ax,
				       long ax)
{
	if (orig_ax == ctx->id && ax == ctx->ret)
		return true;
	if (!regs_bad)
		regs_bad = 1;
	return false;
}

/* The saved registers, or NULL when they are not this call's. */
static __always_inline struct pt_regs *saved_regs(const struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = saved_regs_addr();

	if (!regs_match(ctx, (long)BPF_CORE_READ(regs, orig_ax), (long)BPF_CORE_READ(regs, ax)))
		return NULL;
	return regs;
}

/* The same, copied whole into *out with one read, for an exit that needs
 * several of them and runs on every call (vg_mmap_x): one helper call
 * instead of one per register. x86-64's pt_regs layout is fixed by the
 * syscall entry code, so the copy is read with vmlinux.h's offsets. */
static __always_inline bool saved_regs_copy(const struct trace_event_raw_sys_exit *ctx,
					    struct pt_regs *out)
{
	if (bpf_probe_read_kernel(out, sizeof(*out), saved_regs_addr()))
		return false;
	return regs_match(ctx, (long)out->orig_ax, (long)out->ax);
}

/* The sensor's own call: never reported; its first one tells the loader
 * whether the registers can be used (regs_checked). */
static __always_inline void regs_probe(const struct trace_event_raw_sys_exit *ctx)
{
	if (!regs_checked) {
		saved_regs(ctx);
		regs_checked = 1;
	}
}

static __always_inline bool type_enabled(__u32 type)
{
	if (!collecting(type))
		return false;
	if (mute_active) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		__u64 *mask = bpf_map_lookup_elem(&muted, &tgid);
		if (mask && type < 64 && (*mask & (1ull << type))) {
			count_filtered(type);
			return false;
		}
	}
	return true;
}

static __always_inline void count(__u32 type, bool dropped)
{
	struct vg_stats *st = bpf_map_lookup_elem(&stats, &type);
	if (!st)
		return;
	st->seen++;
	if (dropped)
		st->dropped++;
}

/* Counted as seen and filtered: the event existed, the config drops it. */
static __always_inline void count_filtered(__u32 type)
{
	struct vg_stats *st = bpf_map_lookup_elem(&stats, &type);
	if (!st)
		return;
	st->seen++;
	st->filtered++;
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* Fills the common header from the current task. */
static __always_inline void fill_hdr(struct vg_hdr *h, __u16 type, __u32 size)
{
	struct task_struct *task = vg_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->version = vg_version(type);
	h->flags = 0;
	h->size = size;
	h->ts = bpf_ktime_get_boot_ns();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->cpu = bpf_get_smp_processor_id();
}

/* Starts a record in the per-CPU scratch: clears its fixed part (size, a
 * compile-time constant once inlined) and fills the header. *rec points at
 * it; the caller appends strings after it and sets hdr.size. NULL when the
 * scratch is unavailable. */
static __always_inline struct scratch *scratch_rec(__u16 type, __u32 size, void **rec)
{
	struct scratch *sc = get_scratch();

	if (!sc) {
		count(type, true);
		return NULL;
	}
	__builtin_memset(sc->ev, 0, size);
	fill_hdr((struct vg_hdr *)sc->ev, type, 0);
	*rec = sc->ev;
	return sc;
}

/* Sends size bytes of a scratch-built record; counts it either way. */
static __always_inline void submit(void *data, __u32 size, __u32 type)
{
	__u64 sz = size;
	long err;

	if (sz > SCRATCH_SZ / 2 - 1)
		sz = SCRATCH_SZ / 2 - 1;
	/* An explicit mask the compiler cannot fold away: the verifier needs
	 * to see the bound on the register it checks. */
	asm volatile("%0 &= 0x1fff" : "+r"(sz));
	err = bpf_ringbuf_output(&rb, data, sz, rb_flags());
	count(type, err != 0);
}

struct walk_ctx {
	struct scratch *sc;
	struct dentry *dentry;
	struct mount *mnt;
	__u32 pos;
	__u8 trunc;
};

/* One step of the walk. Returns 1 to stop. Kept a real BPF function (not
 * inlined), so the verifier checks its body once per calling context rather
 * than once per unrolled copy. */
static __noinline long walk_step(__u32 i, struct walk_ctx *data)
{
	struct walk_ctx *w = data;
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	struct dentry *mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct qstr name;
	__u32 len, pos = w->pos;

	if (dentry == mnt_root) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
		if (mp == mnt)
			return 1; /* the global root */
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		return 0;
	}
	/* A dentry that is its own parent but not a mount root is a pseudo
	 * file (memfd, anonymous inode): its name is the whole path, as
	 * /proc/PID/exe shows it ("/memfd:NAME"). It is written below and
	 * the walk stops after it. */
	name = BPF_CORE_READ(dentry, d_name);
	len = name.len;
	/* Keep pos ≥ 4: lengths stay below VG_PATH_MAX, and a cut path has
	 * room for its "…" marker in front. */
	if (len + 5 > pos || pos > VG_PATH_MAX) {
		w->trunc = 1;
		return 1;
	}
	pos -= len;
	bpf_probe_read_kernel(w->sc->path + (pos & (VG_PATH_MAX - 1)), len & (VG_PATH_MAX - 1),
			      name.name);
	pos -= 1;
	w->sc->path[pos & (VG_PATH_MAX - 1)] = '/';
	w->pos = pos;
	w->dentry = parent;
	if (parent == dentry)
		return 1;
	if (i == VG_PATH_DEPTH - 1)
		w->trunc = 1;
	return 0;
}

/*
 * Writes the absolute path of (dentry, vfsmount) into sc->path, ending at
 * offset VG_PATH_MAX. Returns the start offset; the path is
 * sc->path[start .. VG_PATH_MAX). *trunc is set when components were lost.
 */
static __always_inline __u32 walk_path(struct scratch *sc, struct dentry *dentry,
				       struct vfsmount *vfsmnt, __u8 *trunc)
{
	struct walk_ctx w = {
	    .sc = sc,
	    .dentry = dentry,
	    .mnt = container_of(vfsmnt, struct mount, mnt),
	    .pos = VG_PATH_MAX,
	};

	/* A bounded loop, not bpf_loop(): bpf_loop needs 5.17, and an object
	 * that merely references it (a BPF_PSEUDO_FUNC load) is refused by
	 * older verifiers even on a path that never runs. */
	for (__u32 i = 0; i < VG_PATH_DEPTH; i++)
		if (walk_step(i, &w))
			break;
	if (w.trunc) {
		*trunc = 1;
		/* A cut path never looks whole: "…" (UTF-8) goes before what
		 * is kept, so "…/usr/bin/x" cannot match a rule on
		 * "/usr/bin/" that the real path (/tmp/.../usr/bin/x) would
		 * not. */
		if (w.pos >= 4 && w.pos < VG_PATH_MAX) {
			sc->path[(w.pos - 3) & (VG_PATH_MAX - 1)] = (char)0xe2;
			sc->path[(w.pos - 2) & (VG_PATH_MAX - 1)] = (char)0x80;
			sc->path[(w.pos - 1) & (VG_PATH_MAX - 1)] = (char)0xa6;
			w.pos -= 3;
		}
	}
	if (w.pos >= VG_PATH_MAX) {
		w.pos = VG_PATH_MAX - 1;
		sc->path[VG_PATH_MAX - 1] = '/';
	}
	return w.pos;
}

/* Appends the path walked into sc->path at ev+off; returns its length. */
static __always_inline __u32 append_path(struct scratch *sc, __u32 off, struct dentry *dentry,
					 struct vfsmount *mnt, __u8 *trunc)
{
	__u32 start = walk_path(sc, dentry, mnt, trunc);
	__u32 len = VG_PATH_MAX - start;

	if (start >= VG_PATH_MAX || len > VG_PATH_MAX)
		return 0;
	bpf_probe_read_kernel(sc->ev + (off & (SCRATCH_SZ / 2 - 1)), len & (VG_PATH_MAX - 1),
			      sc->path + (start & (VG_PATH_MAX - 1)));
	return len & (VG_PATH_MAX - 1);
}

/* A file an open just returned, with the fields every check of it needs
 * (on_open_exit() reads each once). */
struct open_file {
	struct file *f;
	struct inode *inode;
	__u32 fmode;
	__u32 imode;
};

/* The struct file behind fd in the current task, or NULL. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = vg_current_task();
	struct files_struct *files = BPF_CORE_READ(task, files);
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (!files || fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(files, fdt);
	if ((unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/*
 * State maps and loss. A state map carries an event from one program to a
 * later one (a syscall's entry to its exit, a socket's SYN_SENT to
 * ESTABLISHED). If such an entry is lost, so is the event, so these maps
 * are plain HASH maps, never LRU: an LRU map makes room by evicting another
 * thread's entry, and that event then vanishes without a trace. A plain
 * HASH map that is full refuses the update instead, and the refusal is
 * counted (state_put, call_new) as a kernel drop of the record type, which
 * SensorHealth reports as <Event>DroppedKernel. A refusal is counted at
 * entry, before the call's outcome is known: a call that would have failed
 * (or, for DNS, an unconnected UDP socket that would not have heard from
 * port 53) counts as a loss too. Over-counting a loss is the safe side.
 *
 * The per-thread maps hold at most one entry per thread (a thread is in one
 * syscall at a time, and a new entry replaces its own old one, which a full
 * map allows), so VG_THREAD_STATE entries cover every thread that can be
 * inside a traced syscall at once on a host with the default pid_max.
 *
 * Maps that only remember what was already reported (img_seen, udp_seen,
 * acc_seen) stay LRU: an eviction there gives a second report, not a lost
 * one. wfiles (files opened for writing, until their first release) stays
 * LRU as well: files closed by exit() never reach a close() program, so a
 * plain map would fill for good; see fileops.bpf.h.
 *
 * VIGIL_TEST_MAP_MAX (loader.c) shrinks a state map at load so the tests
 * can fill it for real.
 */
#define VG_THREAD_STATE 32768

/* Arguments of an in-flight syscall, by thread, from its sys_enter to its
 * sys_exit program. tag says which syscall stored them, so an exit never
 * reads another call's arguments. */
struct call {
	__u32 tag;
	__u32 unread; /* an argument the entry could not read: see call_unread */
	__u64 a[6];
	__u64 x[4]; /* values read at entry (old mode, old creds, ...) */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_THREAD_STATE);
	__type(key, __u32);
	__type(value, struct call);
} calls SEC(".maps");

/* A record that cannot be kept track of (a state map full, an entry that
 * will not go in) is an event lost in the kernel: counted as seen and
 * dropped, so SensorHealth's DroppedKernel shows it. */
static __always_inline void count_lost(__u32 type)
{
	count(type, true);
}

/* Stores a state entry; counts the event lost when the map refuses it. */
static __always_inline void state_put(void *map, const void *key, const void *val, __u32 type)
{
	if (bpf_map_update_elem(map, key, val, BPF_ANY) != 0)
		count_lost(type);
}

static __always_inline struct call *call_new(__u32 tag)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call c = {.tag = tag};
	struct call *p;

	/* A refused update is a lost event (see "State maps and loss"). */
	if (bpf_map_update_elem(&calls, &tid, &c, BPF_ANY) != 0) {
		count_lost(tag & 0xff); /* tags are a vg_type in the low byte */
		return NULL;
	}
	p = bpf_map_lookup_elem(&calls, &tid);
	if (!p)
		count_lost(tag & 0xff);
	return p;
}

/* An entry program that could not read an argument it needs (user memory
 * not paged in: tracepoints cannot fault) marks the call, and the exit
 * counts the event lost if the call succeeded. An unreadable pointer the
 * kernel also fails on gives no event either way, so nothing is counted. */
static __always_inline void call_unread(__u32 tag)
{
	struct call *c = call_new(tag);

	if (c)
		c->unread = 1;
}

/* Takes the stored call of this thread if it has this tag (copied out,
 * entry deleted). Returns false when there is none.
 *
 * The entry is copied whatever its tag, and the tag compared after: with
 * the copy under the tag check, clang keeps the fields in registers set
 * on one branch and tests the tag a second time before using them, and
 * verifiers before about 6.8 cannot tell that the second test follows
 * from the first, so they refuse the program for reading a register that
 * path never set ("R8 !read_ok" on 6.1). */
static __always_inline bool call_take(__u32 tag, struct call *out)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call *c = bpf_map_lookup_elem(&calls, &tid);

	if (!c)
		return false;
	__builtin_memcpy(out, c, sizeof(*out));
	bpf_map_delete_elem(&calls, &tid);
	return out->tag == tag;
}

#define OFF(o) ((o) & (SCRATCH_SZ / 2 - 1))

/* Appends a user string (at most VG_PATH_MAX-1 bytes); returns its length. */
static __always_inline __u32 append_ustr(struct scratch *sc, __u32 off, __u64 uptr)
{
	long n;

	if (!uptr)
		return 0;
	n = bpf_probe_read_user_str(sc->ev + OFF(off), VG_PATH_MAX, (void *)uptr);
	if (n <= 1)
		return 0;
	return (__u32)(n - 1) & (VG_PATH_MAX - 1);
}

/* Appends the path of an open fd; returns its length. */
static __always_inline __u32 append_fd_path(struct scratch *sc, __u32 off, int fd, __u8 *trunc)
{
	struct file *f = fd_file(fd);

	if (!f)
		return 0;
	return append_path(sc, off, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt),
			   trunc);
}

/* Appends the directory a relative user path is resolved from: the cwd
 * for AT_FDCWD, else dirfd's path; nothing for an absolute path. */
static __always_inline __u32 append_base(struct scratch *sc, __u32 off, int dirfd, __u64 upath,
					 __u8 *trunc)
{
	char first = 0;
	struct task_struct *task;

	if (upath)
		bpf_probe_read_user(&first, 1, (void *)upath);
	if (first == '/')
		return 0;
	if (dirfd != AT_FDCWD)
		return append_fd_path(sc, off, dirfd, trunc);
	task = vg_current_task();
	return append_path(sc, off, BPF_CORE_READ(task, fs, pwd.dentry),
			   BPF_CORE_READ(task, fs, pwd.mnt), trunc);
}

/* A file's mtime, across the kernel's field renames. */
struct inode___mtime_old {
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

static __always_inline void inode_mtime(struct inode *inode, __s64 *sec, __u32 *nsec)
{
	if (bpf_core_field_exists(inode->i_mtime_sec)) {
		*sec = BPF_CORE_READ(inode, i_mtime_sec);
		*nsec = BPF_CORE_READ(inode, i_mtime_nsec);
	} else {
		struct inode___mtime_old *old = (void *)inode;
		*sec = BPF_CORE_READ(old, i_mtime.tv_sec);
		*nsec = BPF_CORE_READ(old, i_mtime.tv_nsec);
	}
}

#endif
