/*
 * decode_ext.c — decoding of the records beyond process lifecycle, network
 * connections and file create/delete: DNS, image loads, process access,
 * tampering, file times, raw reads, file modify/rename/attributes,
 * executables written, privilege, namespaces, mounts, BPF, modules,
 * listening sockets and login sessions.
 */
#include "sensor/decode_int.h"

#include "sensor/users.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct vrec *dec_extra(struct decoder *d, unsigned event_id)
{
	struct vrec *x;

	if (d->n_extra >= DECODER_MAX_EXTRA || d->extra[d->n_extra] == NULL)
		return NULL;
	x = d->extra[d->n_extra++];
	vrec__reset(x, schema__event(event_id));
	return x;
}

struct proc *dec_proc_by_pid(struct decoder *d, uint32_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	uint32_t tgid = pid;
	ssize_t n;
	char *p;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return proc_cache__peek_pid(d->pc, pid); /* gone: what we knew */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return proc_cache__peek_pid(d->pc, pid);
	buf[n] = '\0';
	p = strstr(buf, "\nTgid:");
	if (p)
		tgid = (uint32_t)strtoul(p + 6, NULL, 10);
	snprintf(path, sizeof(path), "/proc/%u/stat", tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
		   "%*d %*d %llu",
		   &start) != 1)
		return NULL;
	return proc_cache__lookup(d->pc, tgid, start);
}

/* Reads the (base, rel) pair at *off and joins it. */
static int take_path(const char *rec, size_t size, size_t *off, uint32_t blen, uint32_t rlen,
		     char *out, size_t n)
{
	static char base[VG_PATH_MAX + 1], rel[VG_PATH_MAX + 1];

	if (dec_take(rec, size, off, blen, base, sizeof(base)) ||
	    dec_take(rec, size, off, rlen, rel, sizeof(rel)))
		return -EINVAL;
	if (rel[0] == '\0')
		snprintf(out, n, "%s", base[0] ? base : "-");
	else
		path_join_normalize(base, rel, out, n);
	return 0;
}

static void fmt_ts(int64_t sec, uint32_t nsec, char out[24])
{
	vrec__fmt_time((uint64_t)sec * 1000000000ull + nsec, out);
}

/* ---- DNS ---- */

static int decode_dns(struct decoder *d, const struct vg_dns *e, size_t size, struct vrec *rec)
{
	static struct dns_msg m;
	const uint8_t *payload = (const uint8_t *)(e + 1);
	char st[8];
	struct proc *p;

	if (e->payload_len > size - sizeof(*e))
		return -EINVAL;
	if (dns__parse(payload, e->payload_len, e->proto == 6, &m) != 0 || !m.is_response) {
		d->dns_unparsed++;
		return 0;
	}
	p = dec_hdr_proc(d, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	for (size_t i = 0; d->dns && i < m.n_addrs; i++)
		dns_cache__add(d->dns, m.addrs[i].family, m.addrs[i].addr, m.qname, e->hdr.ts);
	dec_begin(d, rec, EV_DNS_QUERY, e->hdr.ts, p, e->hdr.uid);
	dec_set_s(rec, VF_QueryName, m.qname);
	vrec__set_str(rec, VF_QueryStatus, dns__status(m.rcode, st));
	dec_set_s(rec, VF_QueryResults, m.results);
	return 1;
}

/* ---- image loads, raw reads, file modify (+ executables written) ---- */

static bool is_elf(const char *path)
{
	unsigned char mag[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	bool r = false;

	if (fd < 0)
		return false;
	r = read(fd, mag, 4) == 4 && mag[0] == 0x7f && mag[1] == 'E' && mag[2] == 'L' &&
	    mag[3] == 'F';
	close(fd);
	return r;
}

static void file_hashes(struct decoder *d, const char *path, char out[HASHES_STR_MAX])
{
	hash_cache__get(d->hc, path, NULL, NULL, out);
}

/* FileExecutableDetected for path, written by p, when it is an ELF or has
 * an exec bit. */
static void exec_detected(struct decoder *d, const struct vrec *from, struct proc *p, uint32_t uid,
			  const char *path, uint32_t mode)
{
	char h[HASHES_STR_MAX];
	struct vrec *x;
	struct stat st;

	if (stat(path, &st) != 0) {
		/* Gone already (written and removed at once): the kernel's
		 * mode still tells an executable; the content is lost. */
		if (!S_ISREG(mode) || !(mode & 0111))
			return;
	} else if (!S_ISREG(st.st_mode) ||
		   (!(mode & 0111) && !(st.st_mode & 0111) && !is_elf(path))) {
		return;
	}
	x = dec_extra(d, EV_FILE_EXECUTABLE_DETECTED);
	if (x == NULL)
		return;
	x->ts_ns = from->ts_ns;
	vrec__set_str(x, VF_UtcTime, vrec__get(from, VF_UtcTime, NULL));
	dec_set_initiator(d, x, p, uid);
	vrec__set_str(x, VF_TargetFilename, path);
	file_hashes(d, path, h);
	vrec__set_str(x, VF_Hashes, h);
}

static int decode_fpath(struct decoder *d, const struct vg_fpath *e, size_t size, struct vrec *rec)
{
	static char path[VG_PATH_MAX + 1];
	size_t off = sizeof(*e);
	char h[HASHES_STR_MAX];
	struct proc *p;

	if (dec_take((const char *)e, size, &off, e->path_len, path, sizeof(path)))
		return -EINVAL;
	p = dec_hdr_proc(d, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	switch (e->hdr.type) {
	case VG_MMAP_EXEC:
		dec_begin(d, rec, EV_IMAGE_LOAD, e->hdr.ts, p, e->hdr.uid);
		vrec__set_str(rec, VF_ImageLoaded, path);
		vrec__set_str(rec, VF_FileVersion, "-");
		vrec__set_str(rec, VF_Description, "-");
		vrec__set_str(rec, VF_Product, "-");
		vrec__set_str(rec, VF_Company, "-");
		vrec__set_str(rec, VF_OriginalFileName, "-");
		/* The cache stats the file for its identity (size and mtime
		 * are not in the record). */
		hash_cache__get(d->hc, path, NULL, NULL, h);
		vrec__set_str(rec, VF_Hashes, h);
		vrec__set_str(rec, VF_Signed, "-");
		vrec__set_str(rec, VF_Signature, "-");
		vrec__set_str(rec, VF_SignatureStatus, "-");
		return 1;
	case VG_RAW_READ:
		dec_begin(d, rec, EV_RAW_ACCESS_READ, e->hdr.ts, p, e->hdr.uid);
		vrec__set_str(rec, VF_Device, path);
		return 1;
	default: /* VG_FILE_MODIFY */
		dec_begin(d, rec, EV_FILE_MODIFY, e->hdr.ts, p, e->hdr.uid);
		vrec__set_str(rec, VF_TargetFilename, path);
		exec_detected(d, rec, p, e->hdr.uid, path, e->mode);
		return 1;
	}
}

/* ---- process access and memory-write tampering ---- */

static const char *ptrace_name(uint32_t req, char buf[32])
{
	static const char *const names[] = {
	    [0] = "PTRACE_TRACEME",    [1] = "PTRACE_PEEKTEXT",	  [2] = "PTRACE_PEEKDATA",
	    [3] = "PTRACE_PEEKUSER",   [4] = "PTRACE_POKETEXT",	  [5] = "PTRACE_POKEDATA",
	    [6] = "PTRACE_POKEUSER",   [7] = "PTRACE_CONT",	  [8] = "PTRACE_KILL",
	    [9] = "PTRACE_SINGLESTEP", [12] = "PTRACE_GETREGS",	  [13] = "PTRACE_SETREGS",
	    [14] = "PTRACE_GETFPREGS", [15] = "PTRACE_SETFPREGS", [16] = "PTRACE_ATTACH",
	    [17] = "PTRACE_DETACH",    [24] = "PTRACE_SYSCALL",
	};
	switch (req) {
	case 0x4200:
		return "PTRACE_SETOPTIONS";
	case 0x4201:
		return "PTRACE_GETEVENTMSG";
	case 0x4204:
		return "PTRACE_GETREGSET";
	case 0x4205:
		return "PTRACE_SETREGSET";
	case 0x4206:
		return "PTRACE_SEIZE";
	case 0x4207:
		return "PTRACE_INTERRUPT";
	default:
		break;
	}
	if (req < sizeof(names) / sizeof(names[0]) && names[req])
		return names[req];
	snprintf(buf, 32, "PTRACE_%u", req);
	return buf;
}

static bool ptrace_writes(uint32_t req)
{
	return req == 4 || req == 5 || req == 6 || req == 13 || req == 15 || req == 0x4205;
}

static int decode_access(struct decoder *d, const struct vg_access *a, size_t size,
			 struct vrec *rec)
{
	static char path[VG_PATH_MAX + 1];
	size_t off = sizeof(*a);
	uint32_t target = a->target_pid;
	struct proc *src, *tgt;
	const char *access;
	char buf[64];
	bool writes = false;

	if (dec_take((const char *)a, size, &off, a->path_len, path, sizeof(path)))
		return -EINVAL;
	switch (a->kind) {
	case VG_ACC_PTRACE:
		access = ptrace_name(a->request, buf);
		writes = ptrace_writes(a->request);
		if (a->request == 0) /* TRACEME: the tracer-to-be is the parent */
			target = 0;
		break;
	case VG_ACC_VM_READ:
		access = "process_vm_readv";
		break;
	case VG_ACC_VM_WRITE:
		access = "process_vm_writev";
		writes = true;
		break;
	case VG_ACC_PROC_MEM:
		/* /proc/PID/mem or /proc/PID/task/TID/mem */
		if (sscanf(path, "/proc/%u/", &target) != 1)
			return 0; /* /proc/self is a symlink, resolved already */
		writes = a->request == 1;
		access = writes ? "/proc/PID/mem write" : "/proc/PID/mem read";
		break;
	default:
		return -EINVAL;
	}
	src = dec_hdr_proc(d, &a->hdr);
	if (src == NULL)
		return -ENOMEM;
	if (target == 0)
		target = src->ppid;
	tgt = dec_proc_by_pid(d, target);
	/* The lookup may have evicted src; look it up again (it is cheap). */
	src = dec_hdr_proc(d, &a->hdr);
	if (src == NULL)
		return -ENOMEM;
	dec_begin(d, rec, EV_PROCESS_ACCESS, a->hdr.ts, src, a->hdr.uid);
	vrec__set_str(rec, VF_SourceProcessGUID, src->guid);
	vrec__set_uint(rec, VF_SourceProcessId, src->pid);
	vrec__set_uint(rec, VF_SourceThreadId, a->hdr.tid);
	dec_set_s(rec, VF_SourceImage, src->image);
	vrec__set_str(rec, VF_SourceUser, users__name(a->hdr.uid));
	if (tgt) {
		vrec__set_str(rec, VF_TargetProcessGUID, tgt->guid);
		vrec__set_uint(rec, VF_TargetProcessId, tgt->pid);
		dec_set_s(rec, VF_TargetImage, tgt->image);
		vrec__set_str(rec, VF_TargetUser, users__name(tgt->uid));
	} else {
		vrec__set_uint(rec, VF_TargetProcessId, target);
	}
	vrec__set_str(rec, VF_GrantedAccess, access);
	vrec__set_str(rec, VF_CallTrace, "-");
	if (writes) {
		struct vrec *x = dec_extra(d, EV_PROCESS_TAMPERING);
		if (x) {
			/* Tampering names the process written into. */
			x->ts_ns = rec->ts_ns;
			vrec__set_str(x, VF_UtcTime, vrec__get(rec, VF_UtcTime, NULL));
			if (tgt)
				dec_set_initiator(d, x, tgt, tgt->uid);
			else
				vrec__set_uint(x, VF_ProcessId, target);
			vrec__set_str(x, VF_Type, "Memory write");
		}
	}
	return 1;
}

/* ---- timestomping, rename, attributes ---- */

static int decode_utimes(struct decoder *d, const struct vg_utimes *e, size_t size,
			 struct vrec *rec)
{
	static char path[2 * VG_PATH_MAX + 2];
	size_t off = sizeof(*e);
	char t[24];
	struct proc *p;

	if (take_path((const char *)e, size, &off, e->base_len, e->rel_len, path, sizeof(path)))
		return -EINVAL;
	p = dec_hdr_proc(d, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, EV_FILE_CREATE_TIME, e->hdr.ts, p, e->hdr.uid);
	vrec__set_str(rec, VF_TargetFilename, path);
	fmt_ts(e->new_mtime_sec, e->new_mtime_nsec, t);
	vrec__set_str(rec, VF_CreationUtcTime, t);
	if (e->has_old) {
		fmt_ts(e->old_mtime_sec, e->old_mtime_nsec, t);
		vrec__set_str(rec, VF_PreviousCreationUtcTime, t);
	} else {
		vrec__set_str(rec, VF_PreviousCreationUtcTime, "-");
	}
	return 1;
}

static int decode_rename(struct decoder *d, const struct vg_rename *e, size_t size,
			 struct vrec *rec)
{
	static char from[2 * VG_PATH_MAX + 2], to[2 * VG_PATH_MAX + 2];
	size_t off = sizeof(*e);
	struct proc *p;

	if (take_path((const char *)e, size, &off, e->old_base_len, e->old_rel_len, from,
		      sizeof(from)) ||
	    take_path((const char *)e, size, &off, e->new_base_len, e->new_rel_len, to, sizeof(to)))
		return -EINVAL;
	p = dec_hdr_proc(d, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, EV_FILE_RENAME, e->hdr.ts, p, e->hdr.uid);
	vrec__set_str(rec, VF_SourceFilename, from);
	vrec__set_str(rec, VF_TargetFilename, to);
	return 1;
}

static void fmt_mode(uint32_t mode, char out[16])
{
	snprintf(out, 16, "%04o", mode & 07777);
}

static void fmt_owner(uint32_t uid, uint32_t gid, char out[32])
{
	if (uid == UINT32_MAX && gid == UINT32_MAX)
		strcpy(out, "-");
	else if (uid == UINT32_MAX)
		snprintf(out, 32, "-:%u", gid);
	else if (gid == UINT32_MAX)
		snprintf(out, 32, "%u:-", uid);
	else
		snprintf(out, 32, "%u:%u", uid, gid);
}

static int decode_attr(struct decoder *d, const struct vg_attr *e, size_t size, struct vrec *rec)
{
	static char path[2 * VG_PATH_MAX + 2], name[VG_PATH_MAX + 1];
	size_t off = sizeof(*e);
	char o[32], n[32];
	struct proc *p;

	if (take_path((const char *)e, size, &off, e->base_len, e->rel_len, path, sizeof(path)) ||
	    dec_take((const char *)e, size, &off, e->name_len, name, sizeof(name)))
		return -EINVAL;
	p = dec_hdr_proc(d, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, EV_FILE_ATTRIBUTE_CHANGE, e->hdr.ts, p, e->hdr.uid);
	vrec__set_str(rec, VF_TargetFilename, path);
	switch (e->kind) {
	case VG_ATTR_MODE:
		vrec__set_str(rec, VF_Change, "mode");
		if (e->has_old)
			fmt_mode(e->old_mode, o);
		else
			strcpy(o, "-");
		fmt_mode(e->new_mode, n);
		vrec__set_str(rec, VF_OldValue, o);
		vrec__set_str(rec, VF_NewValue, n);
		/* A file given an exec bit it did not have. */
		if ((e->new_mode & 0111) && !(e->has_old && (e->old_mode & 0111)))
			exec_detected(d, rec, p, e->hdr.uid, path, e->new_mode);
		break;
	case VG_ATTR_OWNER:
		vrec__set_str(rec, VF_Change, "owner");
		if (e->has_old)
			fmt_owner(e->old_uid, e->old_gid, o);
		else
			strcpy(o, "-");
		fmt_owner(e->new_uid, e->new_gid, n);
		vrec__set_str(rec, VF_OldValue, o);
		vrec__set_str(rec, VF_NewValue, n);
		break;
	default:
		vrec__set_str(rec, VF_Change, "xattr");
		vrec__set_str(rec, VF_OldValue, "-");
		dec_set_s(rec, VF_NewValue, name);
		break;
	}
	return 1;
}

/* ---- privilege, namespaces, mounts, BPF, modules, listen ---- */

static const char *sys_name(uint32_t s)
{
	static const char *const names[VG_SYS__COUNT] = {
	    [VG_SYS_UTIMENSAT] = "utimensat",
	    [VG_SYS_UTIMES] = "utimes",
	    [VG_SYS_FUTIMESAT] = "futimesat",
	    [VG_SYS_UTIME] = "utime",
	    [VG_SYS_CHMOD] = "chmod",
	    [VG_SYS_FCHMOD] = "fchmod",
	    [VG_SYS_FCHMODAT] = "fchmodat",
	    [VG_SYS_CHOWN] = "chown",
	    [VG_SYS_FCHOWN] = "fchown",
	    [VG_SYS_LCHOWN] = "lchown",
	    [VG_SYS_FCHOWNAT] = "fchownat",
	    [VG_SYS_SETXATTR] = "setxattr",
	    [VG_SYS_LSETXATTR] = "lsetxattr",
	    [VG_SYS_FSETXATTR] = "fsetxattr",
	    [VG_SYS_REMOVEXATTR] = "removexattr",
	    [VG_SYS_LREMOVEXATTR] = "lremovexattr",
	    [VG_SYS_FREMOVEXATTR] = "fremovexattr",
	    [VG_SYS_SETUID] = "setuid",
	    [VG_SYS_SETGID] = "setgid",
	    [VG_SYS_SETREUID] = "setreuid",
	    [VG_SYS_SETREGID] = "setregid",
	    [VG_SYS_SETRESUID] = "setresuid",
	    [VG_SYS_SETRESGID] = "setresgid",
	    [VG_SYS_SETFSUID] = "setfsuid",
	    [VG_SYS_SETFSGID] = "setfsgid",
	    [VG_SYS_CAPSET] = "capset",
	    [VG_SYS_SETNS] = "setns",
	    [VG_SYS_UNSHARE] = "unshare",
	    [VG_SYS_CLONE] = "clone",
	    [VG_SYS_CLONE3] = "clone3",
	    [VG_SYS_MOUNT] = "mount",
	    [VG_SYS_UMOUNT] = "umount",
	    [VG_SYS_MOVE_MOUNT] = "move_mount",
	    [VG_SYS_INIT_MODULE] = "init_module",
	    [VG_SYS_FINIT_MODULE] = "finit_module",
	};
	return s < VG_SYS__COUNT && names[s] ? names[s] : "-";
}

static int decode_creds(struct decoder *d, const struct vg_creds *e, struct vrec *rec)
{
	struct proc *p = dec_hdr_proc(d, &e->hdr);
	char c[24];

	if (p == NULL)
		return -ENOMEM;
	/* The cache follows the change, so later events show the new user. */
	p->uid = e->new_uid;
	p->euid = e->new_euid;
	p->gid = e->new_gid;
	dec_begin(d, rec, EV_PRIVILEGE_CHANGE, e->hdr.ts, p, e->old_uid);
	vrec__set_str(rec, VF_Syscall, sys_name(e->syscall));
	/* Effective ids: they are what the kernel checks. */
	vrec__set_uint(rec, VF_OldUid, e->old_euid);
	vrec__set_uint(rec, VF_NewUid, e->new_euid);
	vrec__set_uint(rec, VF_OldGid, e->old_egid);
	vrec__set_uint(rec, VF_NewGid, e->new_egid);
	snprintf(c, sizeof(c), "0x%016" PRIx64, (uint64_t)e->old_caps);
	vrec__set_str(rec, VF_OldCaps, c);
	snprintf(c, sizeof(c), "0x%016" PRIx64, (uint64_t)e->new_caps);
	vrec__set_str(rec, VF_NewCaps, c);
	return 1;
}

static void ns_names(uint32_t sys, uint64_t flags, char out[96])
{
	static const struct {
		uint64_t bit;
		const char *name;
	} ns[] = {
	    {0x00020000, "mnt"},  {0x02000000, "cgroup"}, {0x04000000, "uts"}, {0x08000000, "ipc"},
	    {0x10000000, "user"}, {0x20000000, "pid"},	  {0x40000000, "net"}, {0x00000080, "time"},
	};
	size_t used = 0;

	out[0] = '\0';
	if (sys == VG_SYS_SETNS && flags == 0) {
		strcpy(out, "any");
		return;
	}
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if (flags & ns[i].bit)
			used += (size_t)snprintf(out + used, 96 - used, "%s%s", used ? "," : "",
						 ns[i].name);
	if (used == 0)
		strcpy(out, "-");
}

static int decode_ns(struct decoder *d, const struct vg_ns *e, struct vrec *rec)
{
	struct proc *p = dec_hdr_proc(d, &e->hdr);
	char names[96];

	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, EV_NAMESPACE_CHANGE, e->hdr.ts, p, e->hdr.uid);
	vrec__set_str(rec, VF_Syscall, sys_name(e->syscall));
	ns_names(e->syscall, e->flags, names);
	vrec__set_str(rec, VF_Namespaces, names);
	return 1;
}

static int decode_mount(struct decoder *d, const struct vg_mount *e, size_t size, struct vrec *rec)
{
	static char src[VG_PATH_MAX + 1], tgt[VG_PATH_MAX + 1], fs[VG_PATH_MAX + 1];
	size_t off = sizeof(*e);
	struct proc *p;

	if (dec_take((const char *)e, size, &off, e->src_len, src, sizeof(src)) ||
	    dec_take((const char *)e, size, &off, e->tgt_len, tgt, sizeof(tgt)) ||
	    dec_take((const char *)e, size, &off, e->fs_len, fs, sizeof(fs)))
		return -EINVAL;
	p = dec_hdr_proc(d, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, EV_MOUNT, e->hdr.ts, p, e->hdr.uid);
	vrec__set_str(rec, VF_Syscall, sys_name(e->syscall));
	dec_set_s(rec, VF_Source, src);
	dec_set_s(rec, VF_Target, tgt);
	dec_set_s(rec, VF_FsType, fs);
	vrec__setf(rec, VF_Flags, "0x%" PRIx64, (uint64_t)e->flags);
	return 1;
}

static const char *bpf_cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case 5:
		return "BPF_PROG_LOAD";
	case 8:
		return "BPF_PROG_ATTACH";
	case 17:
		return "BPF_RAW_TRACEPOINT_OPEN";
	case 28:
		return "BPF_LINK_CREATE";
	case 2:
		return "BPF_MAP_UPDATE_ELEM";
	case 3:
		return "BPF_MAP_DELETE_ELEM";
	case 21:
		return "BPF_MAP_LOOKUP_AND_DELETE_ELEM";
	case 22:
		return "BPF_MAP_FREEZE";
	case 25:
		return "BPF_MAP_LOOKUP_AND_DELETE_BATCH";
	case 26:
		return "BPF_MAP_UPDATE_BATCH";
	case 27:
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

static int decode_bpf(struct decoder *d, const struct vg_bpf *e, struct vrec *rec)
{
	struct proc *p = dec_hdr_proc(d, &e->hdr);
	char name[17], buf[32];

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

static int decode_module(struct decoder *d, const struct vg_module *e, size_t size,
			 struct vrec *rec)
{
	static char path[VG_PATH_MAX + 1];
	size_t off = sizeof(*e);
	char h[HASHES_STR_MAX] = "-";
	struct proc *p;

	if (dec_take((const char *)e, size, &off, e->path_len, path, sizeof(path)))
		return -EINVAL;
	p = dec_hdr_proc(d, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, EV_DRIVER_LOAD, e->hdr.ts, p, e->hdr.uid);
	dec_set_s(rec, VF_ImageLoaded, path);
	if (path[0])
		file_hashes(d, path, h);
	vrec__set_str(rec, VF_Hashes, h);
	vrec__set_str(rec, VF_Signed, "-");
	vrec__set_str(rec, VF_Signature, "-");
	vrec__set_str(rec, VF_SignatureStatus, "-");
	return 1;
}

static int decode_listen(struct decoder *d, const struct vg_net *n, struct vrec *rec)
{
	struct proc *p = dec_hdr_proc(d, &n->hdr);
	char l[64];
	int v6;

	if (p == NULL)
		return -ENOMEM;
	net_addr_str(n->family, n->laddr, l, &v6);
	dec_begin(d, rec, EV_NETWORK_LISTEN, n->hdr.ts, p, n->hdr.uid);
	vrec__set_str(rec, VF_Protocol, n->proto == 17 ? "udp" : "tcp");
	vrec__set_str(rec, VF_LocalIp, l);
	vrec__set_uint(rec, VF_LocalPort, n->lport);
	return 1;
}

/* ---- signals to protected processes ---- */

static int decode_signal(struct decoder *d, const struct vg_signal *e, struct vrec *rec)
{
	struct proc *p = dec_hdr_proc(d, &e->hdr);
	const char *name = e->sig < 65 ? sigabbrev_np((int)e->sig) : NULL;

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

/* ---- extras of an exec ---- */

void decode_exec_extras(struct decoder *d, const struct vg_exec *e, struct proc *p,
			struct proc *parent, const struct vrec *create)
{
	struct vrec *x;

	if (e->flags & VG_EXEC_F_DELETED) {
		x = dec_extra(d, EV_PROCESS_TAMPERING);
		if (x) {
			x->ts_ns = create->ts_ns;
			vrec__set_str(x, VF_UtcTime, vrec__get(create, VF_UtcTime, NULL));
			dec_set_initiator(d, x, p, e->hdr.uid);
			vrec__set_str(x, VF_Type,
				      strncmp(p->image, "/memfd:", 7) == 0 ? "Fileless execution"
									   : "Image is deleted");
		}
	}
	/* A login session starts when a process runs with an audit session
	 * its parent did not have: pam_loginuid (sshd, login, su -l) writes
	 * /proc/self/loginuid, the kernel gives the task a new session id, and
	 * the session's shell is exec'd with it. */
	if (e->sessionid != UINT32_MAX && parent && parent->sessionid != e->sessionid) {
		char logon[GUID_LEN + 1];

		x = dec_extra(d, EV_LOGON_SESSION);
		if (x) {
			x->ts_ns = create->ts_ns;
			vrec__set_str(x, VF_UtcTime, vrec__get(create, VF_UtcTime, NULL));
			dec_set_initiator(d, x, p, e->hdr.uid);
			identity__logon_guid(d->id, e->sessionid, logon);
			vrec__set_str(x, VF_LogonGuid, logon);
			if (e->loginuid != UINT32_MAX)
				vrec__set_uint(x, VF_LogonId, e->loginuid);
			vrec__set_uint(x, VF_TerminalSessionId, e->sessionid);
			dec_set_s(x, VF_Tty, p->tty);
			dec_set_s(x, VF_RemoteAddress, p->peer);
		}
	}
}

int decode_ext(struct decoder *d, const struct vg_hdr *h, struct vrec *rec)
{
	switch (h->type) {
	case VG_DNS:
		return decode_dns(d, (const void *)h, h->size, rec);
	case VG_MMAP_EXEC:
	case VG_RAW_READ:
	case VG_FILE_MODIFY:
		return decode_fpath(d, (const void *)h, h->size, rec);
	case VG_ACCESS:
		return decode_access(d, (const void *)h, h->size, rec);
	case VG_UTIMES:
		return decode_utimes(d, (const void *)h, h->size, rec);
	case VG_RENAME:
		return decode_rename(d, (const void *)h, h->size, rec);
	case VG_ATTR:
		return decode_attr(d, (const void *)h, h->size, rec);
	case VG_CREDS:
		return decode_creds(d, (const void *)h, rec);
	case VG_NS:
		return decode_ns(d, (const void *)h, rec);
	case VG_MOUNT:
		return decode_mount(d, (const void *)h, h->size, rec);
	case VG_BPF:
		return decode_bpf(d, (const void *)h, rec);
	case VG_MODULE:
		return decode_module(d, (const void *)h, h->size, rec);
	case VG_LISTEN:
		return decode_listen(d, (const void *)h, rec);
	case VG_SIGNAL:
		return decode_signal(d, (const void *)h, rec);
	default:
		return -EINVAL;
	}
}
