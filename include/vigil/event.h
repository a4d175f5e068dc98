/*
 * vigil/event.h — the record format between the BPF programs and user space.
 *
 * This is the only header shared by both sides. Rules for changing it:
 *   - fixed-width __uN fields only, explicit padding, no bitfields;
 *   - every record starts with struct vg_hdr {type, version, size, ts, ...};
 *   - record type numbers are never reused; a changed layout bumps that
 *     type's VG_*_VERSION below: the BPF side writes it into hdr.version
 *     (vg_version()), and the decoder accepts exactly the version its
 *     registry row names (src/sensor/registry.c), per type;
 *   - sizes and offsets are pinned with _Static_assert below, checked by
 *     both compilers (the BPF object and user space).
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
	VG_EXEC = 1,	     /* a successful execve/execveat (sched_process_exec) */
	VG_FORK = 2,	     /* a new process (not thread) was created */
	VG_EXIT = 3,	     /* the last thread of a process exited */
	VG_NET = 4,	     /* TCP connect established / accept / UDP first send */
	VG_FILE_CREATE = 5,  /* open() created a file that did not exist */
	VG_FILE_DELETE = 6,  /* unlink/unlinkat/rmdir succeeded */
	VG_DNS = 7,	     /* a DNS message received from port 53 */
	VG_MMAP_EXEC = 8,    /* a file mapped executable (first time per process) */
	VG_ACCESS = 9,	     /* ptrace, process_vm_*, open of /proc/PID/mem */
	VG_UTIMES = 10,	     /* a file's times set to something other than now */
	VG_RAW_READ = 11,    /* a block device opened for reading */
	VG_FILE_MODIFY = 12, /* a file written through an fd, at its close */
	VG_RENAME = 13,	     /* rename/renameat/renameat2 succeeded */
	VG_ATTR = 14,	     /* chmod/chown/setxattr family succeeded */
	VG_CREDS = 15,	     /* set*id/capset changed the credentials */
	VG_NS = 16,	     /* setns/unshare/clone into new namespaces */
	VG_MOUNT = 17,	     /* mount/umount/move_mount succeeded */
	VG_BPF = 18,	     /* bpf() program load or attach */
	VG_MODULE = 19,	     /* init_module/finit_module succeeded */
	VG_LISTEN = 20,	     /* listen(), or bind() of a UDP socket */
	VG_SIGNAL = 21,	     /* a signal sent to a protected process (the sensor, auditd) */
	VG_LINK = 22,	     /* symlink/symlinkat/link/linkat succeeded */
	VG_MKDIR = 23,	     /* mkdir/mkdirat created a directory */
	VG_COMM = 24,	     /* a process renamed itself (prctl PR_SET_NAME, /proc/self/comm) */
	VG_NET_FAIL = 25,    /* an outbound TCP connect that never established */
	VG_SENS_READ = 26,   /* a file the config names opened for reading (struct vg_fpath) */
	VG_TYPE_MAX = 64,    /* array bound for per-type maps */
};

#define VG_PATH_MAX	  1024 /* longest path a record carries (longer: cut, flagged) */
#define VG_ARGS_MAX	  4096 /* longest argv block */
#define VG_ENV_MAX	  4096 /* most of an environment block a record carries */
#define VG_SENS_DIRS_MAX  8192 /* directories SensitiveFileRead watches */
#define VG_SENS_PATHS_MAX 2048 /* its rules' paths and prefixes */
#define VG_COMM_LEN	  16
#define VG_TTY_LEN	  32
#define VG_CGRP_LEN	  128
/* Layout version of each record type (hdr.version). Bump one when its
 * struct changes; user space then rejects the old layout as malformed
 * instead of misreading it. */
#define VG_EXEC_VERSION	       2 /* 2: env_len, env_total */
#define VG_FORK_VERSION	       1
#define VG_EXIT_VERSION	       1
#define VG_NET_VERSION	       1
#define VG_FILE_CREATE_VERSION 1
#define VG_FILE_DELETE_VERSION 1
#define VG_DNS_VERSION	       1
#define VG_MMAP_EXEC_VERSION   2 /* 2: struct vg_image (size, mtime) */
#define VG_ACCESS_VERSION      1
#define VG_UTIMES_VERSION      1
#define VG_RAW_READ_VERSION    1
#define VG_FILE_MODIFY_VERSION 1
#define VG_RENAME_VERSION      1
#define VG_ATTR_VERSION	       1
#define VG_CREDS_VERSION       1
#define VG_NS_VERSION	       1
#define VG_MOUNT_VERSION       1
#define VG_BPF_VERSION	       1
#define VG_MODULE_VERSION      1
#define VG_LISTEN_VERSION      1
#define VG_SIGNAL_VERSION      1
#define VG_LINK_VERSION	       1
#define VG_MKDIR_VERSION       1
#define VG_COMM_VERSION	       1
#define VG_NET_FAIL_VERSION    1
#define VG_SENS_READ_VERSION   1

/* The version a record of type carries, 0 for an unknown type. Every BPF
 * caller passes a constant type, so the switch folds to one store. */
static inline __attribute__((always_inline)) __u8 vg_version(__u32 type)
{
	switch (type) {
	case VG_EXEC:
		return VG_EXEC_VERSION;
	case VG_FORK:
		return VG_FORK_VERSION;
	case VG_EXIT:
		return VG_EXIT_VERSION;
	case VG_NET:
		return VG_NET_VERSION;
	case VG_FILE_CREATE:
		return VG_FILE_CREATE_VERSION;
	case VG_FILE_DELETE:
		return VG_FILE_DELETE_VERSION;
	case VG_DNS:
		return VG_DNS_VERSION;
	case VG_MMAP_EXEC:
		return VG_MMAP_EXEC_VERSION;
	case VG_ACCESS:
		return VG_ACCESS_VERSION;
	case VG_UTIMES:
		return VG_UTIMES_VERSION;
	case VG_RAW_READ:
		return VG_RAW_READ_VERSION;
	case VG_FILE_MODIFY:
		return VG_FILE_MODIFY_VERSION;
	case VG_RENAME:
		return VG_RENAME_VERSION;
	case VG_ATTR:
		return VG_ATTR_VERSION;
	case VG_CREDS:
		return VG_CREDS_VERSION;
	case VG_NS:
		return VG_NS_VERSION;
	case VG_MOUNT:
		return VG_MOUNT_VERSION;
	case VG_BPF:
		return VG_BPF_VERSION;
	case VG_MODULE:
		return VG_MODULE_VERSION;
	case VG_LISTEN:
		return VG_LISTEN_VERSION;
	case VG_SIGNAL:
		return VG_SIGNAL_VERSION;
	case VG_LINK:
		return VG_LINK_VERSION;
	case VG_MKDIR:
		return VG_MKDIR_VERSION;
	case VG_COMM:
		return VG_COMM_VERSION;
	case VG_NET_FAIL:
		return VG_NET_FAIL_VERSION;
	case VG_SENS_READ:
		return VG_SENS_READ_VERSION;
	default:
		return 0;
	}
}

#define VG_PATH_MAX 1024 /* longest path a record carries (longer: cut, flagged) */
#define VG_ARGS_MAX 4096 /* longest argv block */
#define VG_COMM_LEN 16
#define VG_TTY_LEN  32
#define VG_CGRP_LEN 128

/* Header flags. */
#define VG_HF_TRUNCATED 0x01 /* some variable-length string was cut */

struct vg_hdr {
	__u16 type;	/* enum vg_type */
	__u8 version;	/* layout version of this type */
	__u8 flags;	/* VG_HF_* */
	__u32 size;	/* bytes in the whole record, header included */
	__u64 ts;	/* bpf_ktime_get_boot_ns() at the event */
	__u32 pid;	/* tgid of the process that caused it */
	__u32 tid;	/* thread id */
	__u64 start_ns; /* the process's start, ns since boot (group leader's start_boottime) */
	__u32 uid;	/* real uid */
	__u32 cpu;	/* cpu the event was seen on */
};

/* VG_EXEC. Followed by: image path, argv (NUL-separated), cwd, the
 * environment block (NUL-separated NAME=value, as much as fits; user space
 * keeps only the variables that change how a program runs). Version 2
 * added env_len/env_total. */
#define VG_EXEC_F_MEMFD	  0x01 /* the executed file lives on an anonymous/memfd inode */
#define VG_EXEC_F_DELETED 0x02 /* the executed file has no link left */
struct vg_exec {
	struct vg_hdr hdr;
	__u32 ppid;  /* real parent's tgid */
	__u32 flags; /* VG_EXEC_F_* */
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
	__u32 env_len;	  /* bytes of the environment block that follow cwd */
	__u32 env_total;  /* the whole block's size (env_len < env_total: cut) */
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
#define VG_NET_LISTEN  4 /* (VG_LISTEN) listen() on a TCP socket */
#define VG_NET_BIND    5 /* (VG_LISTEN) bind() of a UDP socket */
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

/* VG_NET_FAIL: the layout of struct vg_net (kind VG_NET_CONNECT) with the
 * socket's error in err: ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ... or 0
 * when the connecting process itself gave up (closed the socket while the
 * SYN was unanswered). */
struct vg_net_fail {
	struct vg_net net;
	__u32 err;
	__u32 pad;
};

/* VG_LINK. Followed by: target base, target, link base, link path. For a
 * symbolic link the target is the text stored in the link, verbatim (it is
 * resolved from the link's directory, not the caller's), so its base is
 * empty; for a hard link it is an existing file, resolved like any path. */
#define VG_LINK_SYMBOLIC 1
#define VG_LINK_HARD	 2
struct vg_link {
	struct vg_hdr hdr;
	__u32 kind; /* VG_LINK_* */
	__u32 old_base_len;
	__u32 old_rel_len;
	__u32 new_base_len;
	__u32 new_rel_len;
	__u32 pad;
};

/* VG_MKDIR. Followed by: base, path. */
struct vg_mkdir {
	struct vg_hdr hdr;
	__u32 mode; /* the mode asked for (before the umask) */
	__u32 base_len;
	__u32 rel_len;
	__u32 pad;
};

/* VG_COMM: old and new names as the kernel holds them (comm, 15 bytes and
 * a NUL at most: a longer name given to prctl is cut by the kernel itself). */
struct vg_comm {
	struct vg_hdr hdr;
	char old_comm[VG_COMM_LEN];
	char new_comm[VG_COMM_LEN];
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

/* Records below that name a file by a path given to a syscall carry it as
 * (base, rel): rel is the string the caller passed, base the directory it
 * is relative to (the dirfd's path or the cwd), empty when rel is absolute
 * or when the path comes from an fd (then rel is the fd's absolute path).
 * User space joins and normalises them. */

/* VG_DNS. Followed by: payload (the message as received). */
#define VG_DNS_PAYLOAD_MAX 2048
struct vg_dns {
	struct vg_hdr hdr;
	__u8 proto;  /* IPPROTO_UDP / IPPROTO_TCP */
	__u8 family; /* of peer */
	__u16 port;  /* peer port, host order */
	__u32 payload_len;
	__u8 peer[16];
};

/* VG_MMAP_EXEC / VG_RAW_READ / VG_FILE_MODIFY / VG_SENS_READ. Followed by: path. */
struct vg_fpath {
	struct vg_hdr hdr;
	__u32 path_len;
	__u32 mode; /* i_mode */
	__u64 ino;
	__u64 dev;   /* kernel dev_t */
	__u32 flags; /* VG_RAW_READ: f_mode; VG_SENS_READ: open flags; VG_MMAP_EXEC: prot;
		      * VG_FILE_MODIFY: VG_HEAD_* */
	__u32 pad;
};

/* VG_MMAP_EXEC: the mapped file's vg_fpath, then its size and mtime, which
 * with the inode and device make the hash cache's key: a library that every
 * process maps (libc) is then a cache hit without a stat. The path follows
 * the whole struct. */
struct vg_image {
	struct vg_fpath f;
	__u64 fsize;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 pad;
};

/* VG_FILE_MODIFY's flags: what the first write put at offset 0, seen in the
 * writer's buffer. User space reads the file itself when it can; this is
 * for when it cannot (removed at once, or written in another mount
 * namespace, where the path names another file or none). */
#define VG_HEAD_UNSEEN 0 /* no write(2)/pwrite64(2) at offset 0 seen */
#define VG_HEAD_ELF    1 /* "\177ELF" */
#define VG_HEAD_SCRIPT 2 /* "#!" */
#define VG_HEAD_DATA   3 /* anything else */

/* The VG_HEAD_* class of a file's first n bytes m (n <= 4 read): the one
 * definition of "its content says it is a program", for the kernel's view
 * of a write and user space's read of the file alike. */
static inline __attribute__((always_inline)) __u32 vg_head_class(const unsigned char *m, __u64 n)
{
	if (n >= 4 && m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F')
		return VG_HEAD_ELF;
	if (n >= 2 && m[0] == '#' && m[1] == '!')
		return VG_HEAD_SCRIPT;
	return VG_HEAD_DATA;
}

/* VG_ACCESS. Followed by: path (for VG_ACC_PROC_MEM). */
#define VG_ACC_PTRACE	1
#define VG_ACC_VM_READ	2
#define VG_ACC_VM_WRITE 3
#define VG_ACC_PROC_MEM 4
struct vg_access {
	struct vg_hdr hdr;
	__u32 kind;	  /* VG_ACC_* */
	__u32 request;	  /* ptrace request; for PROC_MEM, 1 when opened for writing */
	__u32 target_pid; /* tgid or tid the call named */
	__u32 path_len;
};

/* VG_UTIMES. Followed by: base, rel. */
struct vg_utimes {
	struct vg_hdr hdr;
	__u32 base_len;
	__u32 rel_len;
	__s64 new_mtime_sec;
	__u32 new_mtime_nsec;
	__u32 has_old; /* 1 when the old times were read (fd-based calls) */
	__s64 old_mtime_sec;
	__u32 old_mtime_nsec;
	__u32 syscall; /* VG_SYS_* */
};

/* VG_RENAME. Followed by: old base, old rel, new base, new rel. */
struct vg_rename {
	struct vg_hdr hdr;
	__u32 old_base_len;
	__u32 old_rel_len;
	__u32 new_base_len;
	__u32 new_rel_len;
	__u32 flags;
	__u32 pad;
};

/* VG_ATTR. Followed by: base, rel, xattr name. */
#define VG_ATTR_MODE  1
#define VG_ATTR_OWNER 2
#define VG_ATTR_XATTR 3
struct vg_attr {
	struct vg_hdr hdr;
	__u32 kind;    /* VG_ATTR_* */
	__u32 has_old; /* old values were read (fd-based calls) */
	__u32 old_mode, new_mode;
	__u32 old_uid, old_gid;
	__u32 new_uid, new_gid; /* (u32)-1: unchanged */
	__u32 base_len, rel_len, name_len;
	__u32 syscall; /* VG_SYS_* */
};

/* VG_CREDS. */
struct vg_creds {
	struct vg_hdr hdr;
	__u32 syscall; /* VG_SYS_* */
	__u32 pad;
	__u32 old_uid, old_euid, old_gid, old_egid;
	__u32 new_uid, new_euid, new_gid, new_egid;
	__u64 old_caps, new_caps; /* effective capability sets */
};

/* VG_NS. */
struct vg_ns {
	struct vg_hdr hdr;
	__u32 syscall; /* VG_SYS_* */
	__u32 child;   /* clone: the new process */
	__u64 flags;   /* CLONE_NEW* bits (setns: nstype) */
};

/* VG_MOUNT. Followed by: source, target, fstype. */
struct vg_mount {
	struct vg_hdr hdr;
	__u32 syscall; /* VG_SYS_* */
	__u32 src_len, tgt_len, fs_len;
	__u64 flags;
};

/* VG_BPF. */
/* VG_BPF. With VG_BPF_F_OWN_MAP: a command that changes one of the sensor's
 * own maps, from another process; prog_id is then the map's id and name its
 * name (a TamperAlert, whatever the config logs). */
#define VG_BPF_F_OWN_MAP 0x01
struct vg_bpf {
	struct vg_hdr hdr;
	__u32 cmd;
	__u32 prog_type;
	__u32 prog_id;
	__u32 flags; /* VG_BPF_F_* */
	char name[16];
};

/* VG_MODULE. Followed by: path (finit_module) or nothing. */
struct vg_module {
	struct vg_hdr hdr;
	__u32 syscall; /* VG_SYS_* */
	__u32 path_len;
};

/* VG_SIGNAL. */
struct vg_signal {
	struct vg_hdr hdr;
	__u32 target; /* pid the signal was sent to */
	__u32 sig;
	__u32 kind; /* value of the target in the "protected" map */
	__u32 pad;
};

/* Values in the "protected" map: what a protected pid is. */
#define VG_PROT_SELF   1
#define VG_PROT_AUDITD 2

/* Keys of SensitiveFileRead's kernel gate (sens.bpf.h), filled by user space:
 * a directory by (superblock dev_t, inode), and a path or prefix for the
 * LPM trie (prefixlen in bits; an exact path includes its NUL). */
#define VG_SENS_KEY 256
struct vg_sens_dir {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};
struct vg_sens_key {
	__u32 prefixlen;
	__u8 path[VG_SENS_KEY];
};
/* A file name (a rule's `end with` "/NAME", or the last part of an exact
 * path): the name, folded and NUL-padded. Names are 1..VG_SENS_NAME-1
 * bytes. */
#define VG_SENS_NAME	  32
#define VG_SENS_NAMES_MAX (VG_SENS_PATHS_MAX + 256)
struct vg_sens_name {
	__u8 name[VG_SENS_NAME];
};
/* sens_dirs values: the directory holds an exact path's file (EXACT), or
 * is under a prefix, where any file can be named (PREFIX). */
#define VG_SENS_DIR_EXACT  1
#define VG_SENS_DIR_PREFIX 2
/* sens_names values: a file of this name is wanted in any directory (ANY),
 * or it is the last part of some exact path (LEAF). */
#define VG_SENS_NAME_ANY  1
#define VG_SENS_NAME_LEAF 2

/* Syscalls named in records (stable numbers, not the arch's). */
enum vg_sys {
	VG_SYS_NONE = 0,
	VG_SYS_UTIMENSAT,
	VG_SYS_UTIMES,
	VG_SYS_FUTIMESAT,
	VG_SYS_UTIME,
	VG_SYS_CHMOD,
	VG_SYS_FCHMOD,
	VG_SYS_FCHMODAT,
	VG_SYS_CHOWN,
	VG_SYS_FCHOWN,
	VG_SYS_LCHOWN,
	VG_SYS_FCHOWNAT,
	VG_SYS_SETXATTR,
	VG_SYS_LSETXATTR,
	VG_SYS_FSETXATTR,
	VG_SYS_REMOVEXATTR,
	VG_SYS_LREMOVEXATTR,
	VG_SYS_FREMOVEXATTR,
	VG_SYS_SETUID,
	VG_SYS_SETGID,
	VG_SYS_SETREUID,
	VG_SYS_SETREGID,
	VG_SYS_SETRESUID,
	VG_SYS_SETRESGID,
	VG_SYS_SETFSUID,
	VG_SYS_SETFSGID,
	VG_SYS_CAPSET,
	VG_SYS_SETNS,
	VG_SYS_UNSHARE,
	VG_SYS_CLONE,
	VG_SYS_CLONE3,
	VG_SYS_MOUNT,
	VG_SYS_UMOUNT,
	VG_SYS_MOVE_MOUNT,
	VG_SYS_INIT_MODULE,
	VG_SYS_FINIT_MODULE,
	VG_SYS__COUNT
};

/* Per-type counters in the per-CPU "stats" map. */
struct vg_stats {
	__u64 seen;	/* events the programs produced */
	__u64 dropped;	/* of those, lost because the ring buffer was full */
	__u64 filtered; /* not produced: the process's image is excluded by the
			 * config for every event this type feeds (see "muted") */
};

/* Checked by both compilers: the BPF object and user space must agree. */
_Static_assert(sizeof(struct vg_hdr) == 40, "vg_hdr layout");
_Static_assert(sizeof(struct vg_exec) == 40 + 96 + 16 + 32 + 128, "vg_exec layout");
_Static_assert(sizeof(struct vg_fork) == 56, "vg_fork layout");
_Static_assert(sizeof(struct vg_exit) == 48, "vg_exit layout");
_Static_assert(sizeof(struct vg_net) == 80, "vg_net layout");
_Static_assert(sizeof(struct vg_file) == 56, "vg_file layout");
_Static_assert(sizeof(struct vg_file_delete) == 56, "vg_file_delete layout");
_Static_assert(__builtin_offsetof(struct vg_exec, ino) == 88, "vg_exec.ino offset");
_Static_assert(sizeof(struct vg_dns) == 64, "vg_dns layout");
_Static_assert(sizeof(struct vg_fpath) == 72, "vg_fpath layout");
_Static_assert(sizeof(struct vg_image) == 96, "vg_image layout");
_Static_assert(sizeof(struct vg_access) == 56, "vg_access layout");
_Static_assert(sizeof(struct vg_utimes) == 80, "vg_utimes layout");
_Static_assert(sizeof(struct vg_rename) == 64, "vg_rename layout");
_Static_assert(sizeof(struct vg_attr) == 88, "vg_attr layout");
_Static_assert(sizeof(struct vg_creds) == 96, "vg_creds layout");
_Static_assert(sizeof(struct vg_ns) == 56, "vg_ns layout");
_Static_assert(sizeof(struct vg_mount) == 64, "vg_mount layout");
_Static_assert(sizeof(struct vg_bpf) == 72, "vg_bpf layout");
_Static_assert(sizeof(struct vg_module) == 48, "vg_module layout");
_Static_assert(sizeof(struct vg_signal) == 56, "vg_signal layout");
_Static_assert(sizeof(struct vg_net_fail) == 88, "vg_net_fail layout");
_Static_assert(sizeof(struct vg_link) == 64, "vg_link layout");
_Static_assert(sizeof(struct vg_mkdir) == 56, "vg_mkdir layout");
_Static_assert(sizeof(struct vg_comm) == 72, "vg_comm layout");
_Static_assert(sizeof(struct vg_sens_key) == 260, "vg_sens_key layout");
_Static_assert(sizeof(struct vg_sens_dir) == 16, "vg_sens_dir layout");

#endif
