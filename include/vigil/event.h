/*
 * vigil/event.h — the record format between the BPF programs and user space.
 *
 * This is the only header shared by both sides. Rules for changing it:
 *   - fixed-width __uN fields only, explicit padding, no bitfields;
 *   - every record starts with struct vg_hdr {type, version, size, ts, ...};
 *   - record type numbers are never reused; a changed layout bumps the
 *     record's version and user space rejects versions it does not know;
 *   - sizes and offsets are pinned with _Static_assert below.
 *
 * Variable-length strings (paths, command lines) follow the fixed part of a
 * record, in the order the record's *_len fields list them; each length
 * includes no terminator, and user space never trusts a length beyond
 * hdr.size. Records go through one BPF ring buffer, so per-CPU order and
 * the exec-before-anything-else order of a process are preserved.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#ifdef __bpf__
/* vmlinux.h provides the __uN types. */
#else
#include <linux/types.h>
#endif

/* Kernel record types. Never renumber. */
enum vg_type {
	VG_EXEC = 1,	    /* a successful execve/execveat (sched_process_exec) */
	VG_FORK = 2,	    /* a new process (not thread) was created */
	VG_EXIT = 3,	    /* the last thread of a process exited */
	VG_NET = 4,	    /* TCP connect established / accept / UDP first send */
	VG_FILE_CREATE = 5, /* open() created a file that did not exist */
	VG_FILE_DELETE = 6, /* unlink/unlinkat/rmdir succeeded */
	VG_TYPE_MAX = 64,   /* array bound for per-type maps */
};

#define VG_PATH_MAX  1024 /* longest path a record carries (longer: cut, flagged) */
#define VG_ARGS_MAX  4096 /* longest argv block */
#define VG_COMM_LEN  16
#define VG_TTY_LEN   32
#define VG_CGRP_LEN  128

/* Header flags. */
#define VG_HF_TRUNCATED 0x01 /* some variable-length string was cut */

struct vg_hdr {
	__u16 type;	 /* enum vg_type */
	__u8 version;	 /* layout version of this type */
	__u8 flags;	 /* VG_HF_* */
	__u32 size;	 /* bytes in the whole record, header included */
	__u64 ts;	 /* bpf_ktime_get_boot_ns() at the event */
	__u32 pid;	 /* tgid of the process that caused it */
	__u32 tid;	 /* thread id */
	__u64 start_ns;	 /* the process's start, ns since boot (group leader's start_boottime) */
	__u32 uid;	 /* real uid */
	__u32 cpu;	 /* cpu the event was seen on */
};

/* VG_EXEC. Followed by: image path, argv (NUL-separated), cwd. */
#define VG_EXEC_F_MEMFD	  0x01 /* the executed file lives on an anonymous/memfd inode */
#define VG_EXEC_F_DELETED 0x02 /* the executed file has no link left */
struct vg_exec {
	struct vg_hdr hdr;
	__u32 ppid;	/* real parent's tgid */
	__u32 flags;	/* VG_EXEC_F_* */
	__u64 parent_start_ns;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;
	__u32 sessionid;
	__u32 image_len;
	__u32 args_len;
	__u32 cwd_len;
	__u64 ino; /* executed file's inode, device and size, for the hash cache */
	__u64 dev;
	__u64 fsize;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 args_count; /* argc, when the argv block was cut */
	char comm[VG_COMM_LEN];
	char tty[VG_TTY_LEN];
	char cgroup[VG_CGRP_LEN]; /* leaf cgroup name, for ContainerId */
};

/* VG_FORK: the child's identity; the parent is hdr.pid. */
struct vg_fork {
	struct vg_hdr hdr;
	__u32 child_pid;
	__u32 pad;
	__u64 child_start_ns;
};

/* VG_EXIT. */
struct vg_exit {
	struct vg_hdr hdr;
	__s32 exit_code; /* wait(2) status: (code << 8) | signal */
	__u32 pad;
};

/* VG_NET. */
#define VG_NET_CONNECT 1 /* outbound TCP, reported when established */
#define VG_NET_ACCEPT  2 /* inbound TCP, reported at accept() */
#define VG_NET_UDP     3 /* first datagram per socket and peer */
struct vg_net {
	struct vg_hdr hdr;
	__u8 kind;   /* VG_NET_* */
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 proto;  /* IPPROTO_TCP / IPPROTO_UDP */
	__u8 pad;
	__u16 lport; /* local port, host order */
	__u16 rport; /* remote port, host order */
	__u8 laddr[16];
	__u8 raddr[16];
};

/* VG_FILE_CREATE. Followed by: path. */
struct vg_file {
	struct vg_hdr hdr;
	__u32 path_len;
	__u32 mode;
	__u64 ino;
};

/* VG_FILE_DELETE. Followed by: base dir (when path is relative), path as
 * given to the syscall. */
#define VG_DEL_F_RMDIR 0x1
struct vg_file_delete {
	struct vg_hdr hdr;
	__u32 base_len;
	__u32 path_len;
	__u32 flags;
	__u32 pad;
};

/* Per-type counters in the per-CPU "stats" map. */
struct vg_stats {
	__u64 seen;    /* events the programs produced */
	__u64 dropped; /* of those, lost because the ring buffer was full */
};

#ifndef __bpf__
_Static_assert(sizeof(struct vg_hdr) == 40, "vg_hdr layout");
_Static_assert(sizeof(struct vg_exec) == 40 + 88 + 16 + 32 + 128, "vg_exec layout");
_Static_assert(sizeof(struct vg_fork) == 56, "vg_fork layout");
_Static_assert(sizeof(struct vg_exit) == 48, "vg_exit layout");
_Static_assert(sizeof(struct vg_net) == 80, "vg_net layout");
_Static_assert(sizeof(struct vg_file) == 56, "vg_file layout");
_Static_assert(sizeof(struct vg_file_delete) == 56, "vg_file_delete layout");
_Static_assert(__builtin_offsetof(struct vg_exec, ino) == 88, "vg_exec.ino offset");
#endif

#endif
