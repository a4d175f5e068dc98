/*
 * decode_proc.c — process records: exec (with its tampering and login
 * session extras), fork, exit, process access (ptrace, process_vm_*,
 * /proc/PID/mem) with memory-write tampering, credential and namespace
 * changes.
 */
#include "sensor/decode_int.h"
#include "sensor/envsel.h"

#include "sensor/users.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* Linux 5.6; older libc headers lack it */
#endif

int exit_code_from_status(int status)
{
	if ((status & 0x7f) == 0)
		return (status >> 8) & 0xff;
	return 128 + (status & 0x7f);
}

/* A login session starts when a process runs with an audit session its
 * parent did not have: pam_loginuid (sshd, login, su -l) writes
 * /proc/self/loginuid, the kernel gives the task a new session id, and the
 * session's shell is exec'd with it. The writer often execs nothing itself
 * (sshd forks the shell), so its cache entry still holds the old session:
 * on a mismatch the parent's entry is re-read from /proc, and a session id
 * already announced is not announced again (a subshell forked before the
 * parent's entry was corrected inherited the old value too). Session ids
 * are never reused before a reboot, so the ring of recent ones only has to
 * cover the few processes that can still hold a stale copy. */
static bool starts_session(struct decoder *d, struct proc *parent, uint32_t sid)
{
	if (sid == UINT32_MAX || parent == NULL || parent->sessionid == sid)
		return false;
	proc_cache__refresh_session(parent);
	for (unsigned i = 0; i < DECODER_SESSIONS_SEEN; i++)
		if (d->sessions_seen[i] == sid)
			return false;
	d->sessions_seen[d->sessions_next++ % DECODER_SESSIONS_SEEN] = sid;
	return true;
}

/* Extra records for an exec: tampering (memfd, deleted image) and a new
 * login session. parent may be NULL. */
static void decode_exec_extras(struct decoder *d, const struct vg_exec *e, struct proc *p,
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
	if (starts_session(d, parent, e->sessionid)) {
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

/* Environment: the configured variables out of the block the kernel
 * copied (envsel.c); a block it could not copy whole is marked cut and the
 * event counted as truncated. */
static void exec_environment(struct decoder *d, const struct vg_exec *e, const char *blk,
			     struct vrec *rec)
{
	bool whole = e->env_len >= e->env_total, cut = false;

	if (d->n_env == 0) {
		vrec__set_str(rec, VF_Environment, "-");
		return;
	}
	envsel__pick(blk, e->env_len, whole, d->env_names, d->n_env, d->buf.envout,
		     sizeof(d->buf.envout), &cut);
	vrec__set_str(rec, VF_Environment, d->buf.envout);
	if (cut && !(e->hdr.flags & VG_HF_TRUNCATED))
		d->truncated++;
}

int decode_exec(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_exec *e = data;
	char *image = d->buf.s1, *args = d->buf.args, *cwd = d->buf.s2;
	size_t off = sizeof(*e);
	uint64_t ticks = identity__ticks(d->id, e->hdr.start_ns);
	uint64_t pticks = identity__ticks(d->id, e->parent_start_ns);
	struct proc *p, *parent;
	char logon[GUID_LEN + 1], tty[VG_TTY_LEN + 1], cg[VG_CGRP_LEN + 1];
	size_t alen;

	if (dec_take(data, size, &off, e->image_len, image, sizeof(d->buf.s1)) ||
	    dec_take(data, size, &off, e->args_len, args, sizeof(d->buf.args)) ||
	    dec_take(data, size, &off, e->cwd_len, cwd, sizeof(d->buf.s2)))
		return -EINVAL;
	if (e->env_len > size - off)
		return -EINVAL;
	/* argv is NUL-separated; CommandLine joins it with spaces, as Sysmon
	 * for Linux does. */
	alen = e->args_len < VG_ARGS_MAX ? e->args_len : VG_ARGS_MAX;
	while (alen > 0 && args[alen - 1] == '\0')
		alen--;
	for (size_t i = 0; i < alen; i++)
		if (args[i] == '\0')
			args[i] = ' ';
	args[alen] = '\0';
	/* The kernel cut a longer argv block at VG_ARGS_MAX - 1 and flagged
	 * the record: the command line ends in "…", so it never passes for
	 * the whole one. */
	if ((e->hdr.flags & VG_HF_TRUNCATED) && e->args_len >= VG_ARGS_MAX - 1)
		memcpy(args + alen, "…", sizeof("…"));

	p = proc_cache__exec(d->pc, e->hdr.pid, ticks, e->ppid, pticks, image, args, cwd);
	if (p == NULL)
		return -ENOMEM;
	p->uid = e->hdr.uid;
	p->gid = e->gid;
	p->euid = e->euid;
	p->loginuid = e->loginuid;
	p->sessionid = e->sessionid;
	p->exe_ino = e->ino;
	p->exe_dev = dec_kdev(e->dev);
	p->exe_size = e->fsize;
	p->exe_mtime_sec = e->mtime_sec;
	p->exe_mtime_nsec = e->mtime_nsec;
	memcpy(tty, e->tty, VG_TTY_LEN);
	tty[sizeof(p->tty) - 1] = '\0';
	strcpy(p->tty, tty[0] ? tty : "-");
	memcpy(cg, e->cgroup, VG_CGRP_LEN);
	cg[VG_CGRP_LEN] = '\0';
	proc_cache__set_container(p, cg);

	vrec__reset(rec, schema__event(EV_PROCESS_CREATE));
	dec_set_time(d, rec, e->hdr.ts);
	vrec__set_str(rec, VF_ProcessGuid, p->guid);
	vrec__set_uint(rec, VF_ProcessId, p->pid);
	dec_set_s(rec, VF_Image, p->image);
	vrec__set_str(rec, VF_FileVersion, "-");
	vrec__set_str(rec, VF_Description, "-");
	vrec__set_str(rec, VF_Product, "-");
	vrec__set_str(rec, VF_Company, "-");
	vrec__set_str(rec, VF_OriginalFileName, "-");
	dec_set_s(rec, VF_CommandLine, p->cmdline);
	dec_set_s(rec, VF_CurrentDirectory, p->cwd);
	dec_set_s(rec, VF_User, users__name(e->hdr.uid));
	identity__logon_guid(d->id, e->sessionid, logon);
	vrec__set_str(rec, VF_LogonGuid, logon);
	if (e->loginuid != UINT32_MAX)
		vrec__set_uint(rec, VF_LogonId, e->loginuid);
	if (e->sessionid != UINT32_MAX)
		vrec__set_uint(rec, VF_TerminalSessionId, e->sessionid);
	vrec__set_str(rec, VF_IntegrityLevel, "no level");
	dec_set_s(rec, VF_Hashes, dec_proc_hashes(d, p));
	/* The creator (proc_cache__exec), which is not always the kernel's
	 * parent at this exec. */
	vrec__set_str(rec, VF_ParentProcessGuid, p->pguid);
	vrec__set_uint(rec, VF_ParentProcessId, p->ppid);
	parent = proc_cache__lookup(d->pc, p->ppid, p->pstart_ticks);
	if (parent) {
		dec_set_s(rec, VF_ParentImage, parent->image);
		dec_set_s(rec, VF_ParentCommandLine, parent->cmdline);
		dec_set_s(rec, VF_ParentUser, users__name(parent->uid));
	}
	dec_set_s(rec, VF_ContainerId, p->container);
	dec_set_s(rec, VF_Tty, p->tty);
	exec_environment(d, e, (const char *)data + off, rec);
	decode_exec_extras(d, e, p, parent, rec);
	d->exec = (struct dec_exec){.kind = VG_EXEC,
				    .pid = p->pid,
				    .ppid = p->ppid,
				    .uid = e->hdr.uid,
				    .image = p->image,
				    .image_len = strlen(p->image),
				    .cmdline = p->cmdline};
	return 1;
}

/* A fork updates the process cache; it is an event (ProcessFork) only when
 * the config logs it, since every exec is preceded by one. */
int decode_fork(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_fork *f = data;
	struct proc *c;

	(void)size;
	c = proc_cache__fork(d->pc, f->hdr.pid, identity__ticks(d->id, f->hdr.start_ns),
			     f->child_pid, identity__ticks(d->id, f->child_start_ns));
	if (!d->want_fork || c == NULL)
		return 0;
	/* The child is the process of the event (its initiating process,
	 * with the extras); the forker is its parent. */
	dec_begin(d, rec, EV_PROCESS_FORK, f->hdr.ts, c, f->hdr.uid);
	vrec__set_str(rec, VF_ParentProcessGuid, c->pguid);
	vrec__set_uint(rec, VF_ParentProcessId, f->hdr.pid);
	dec_set_s(rec, VF_CommandLine, c->cmdline);
	return 1;
}

/* prctl(PR_SET_NAME) or a write to /proc/self/comm by the group leader. */
int decode_comm(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_comm *e = data;
	char oldn[VG_COMM_LEN + 1], newn[VG_COMM_LEN + 1];

	(void)size;
	memcpy(oldn, e->old_comm, VG_COMM_LEN);
	memcpy(newn, e->new_comm, VG_COMM_LEN);
	oldn[VG_COMM_LEN] = newn[VG_COMM_LEN] = '\0';
	if (dec_start(d, rec, EV_PROCESS_RENAME, &e->hdr) == NULL)
		return -ENOMEM;
	dec_set_s(rec, VF_OldName, oldn);
	dec_set_s(rec, VF_NewName, newn);
	return 1;
}

int decode_exit(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_exit *x = data;
	struct proc *p = dec_start(d, rec, EV_PROCESS_TERMINATE, &x->hdr);

	(void)size;
	if (p == NULL)
		return -ENOMEM;
	vrec__set_int(rec, VF_ExitCode, exit_code_from_status(x->exit_code));
	proc_cache__exit(d->pc, p, x->hdr.ts);
	d->exec = (struct dec_exec){.kind = VG_EXIT,
				    .pid = p->pid,
				    .ppid = p->ppid,
				    .uid = x->hdr.uid,
				    .image = p->image,
				    .image_len = strlen(p->image)};
	return 1;
}

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

int decode_access(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_access *a = data;
	char *path = d->buf.s1;
	size_t off = sizeof(*a);
	uint32_t target = a->target_pid;
	struct proc *src, *tgt;
	const char *access;
	char buf[64];
	bool writes = false;

	if (dec_take(data, size, &off, a->path_len, path, sizeof(d->buf.s1)))
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

int decode_creds(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_creds *e = data;
	struct proc *p = dec_hdr_proc(d, &e->hdr);
	char c[24];

	(void)size;
	if (p == NULL)
		return -ENOMEM;
	/* The cache follows the change, so later events show the new user. */
	p->uid = e->new_uid;
	p->euid = e->new_euid;
	p->gid = e->new_gid;
	dec_begin(d, rec, EV_PRIVILEGE_CHANGE, e->hdr.ts, p, e->old_uid);
	vrec__set_str(rec, VF_Syscall, dec_sys_name(e->syscall));
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
	    {CLONE_NEWNS, "mnt"},  {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWUTS, "uts"},
	    {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUSER, "user"},	{CLONE_NEWPID, "pid"},
	    {CLONE_NEWNET, "net"}, {CLONE_NEWTIME, "time"},
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

int decode_ns(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_ns *e = data;
	struct proc *p = dec_start(d, rec, EV_NAMESPACE_CHANGE, &e->hdr);
	char names[96];

	(void)size;
	if (p == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_Syscall, dec_sys_name(e->syscall));
	ns_names(e->syscall, e->flags, names);
	vrec__set_str(rec, VF_Namespaces, names);
	return 1;
}
