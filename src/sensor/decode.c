/*
 * decode.c — kernel record decoding and enrichment; see decode.h.
 */
#include "sensor/decode.h"
#include "sensor/decode_int.h"

#include "sensor/users.h"
#include "vigil/event.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

void dec_set_time(struct decoder *d, struct vrec *rec, uint64_t boot_ns)
{
	char t[24];

	rec->ts_ns = identity__boot_to_real(d->id, boot_ns);
	vrec__fmt_time(rec->ts_ns, t);
	vrec__set(rec, VF_UtcTime, t, 23);
}

void dec_set_s(struct vrec *rec, enum vf_id f, const char *s)
{
	vrec__set_str(rec, f, s && *s ? s : "-");
}

/* Lazily hashes a process's image (cached per process and per file). */
const char *dec_proc_hashes(struct decoder *d, struct proc *p)
{
	char out[HASHES_STR_MAX], alt[64];
	struct file_key k, *kp = NULL;

	if (p->hashes)
		return p->hashes;
	if (p->exe_ino) {
		k.dev = p->exe_dev;
		k.ino = p->exe_ino;
		k.size = p->exe_size;
		k.mtime_sec = p->exe_mtime_sec;
		k.mtime_nsec = p->exe_mtime_nsec;
		kp = &k;
	}
	snprintf(alt, sizeof(alt), "/proc/%u/exe", p->pid);
	hash_cache__get(d->hc, p->image, alt, kp, out);
	proc__set_str(&p->hashes, out);
	return p->hashes ? p->hashes : "-";
}

/* The initiating process's fields, and the MDE-style extras when the event
 * has them. */
void dec_set_initiator(struct decoder *d, struct vrec *rec, struct proc *p, uint32_t uid)
{
	vrec__set_str(rec, VF_ProcessGuid, p->guid);
	vrec__set_uint(rec, VF_ProcessId, p->pid);
	dec_set_s(rec, VF_Image, p->image);
	dec_set_s(rec, VF_User, users__name(uid));
	if (!schema__event_has_field(rec->def, VF_InitiatingProcessCommandLine))
		return;
	dec_set_s(rec, VF_InitiatingProcessCommandLine, p->cmdline);
	dec_set_s(rec, VF_InitiatingProcessParentGuid, p->pguid);
	dec_set_s(rec, VF_InitiatingProcessParentImage, p->parent_image);
	dec_set_s(rec, VF_InitiatingProcessHashes, dec_proc_hashes(d, p));
	dec_set_s(rec, VF_ContainerId, p->container);
}

void dec_begin(struct decoder *d, struct vrec *rec, unsigned event_id, uint64_t boot_ts,
	       struct proc *p, uint32_t uid)
{
	vrec__reset(rec, schema__event(event_id));
	dec_set_time(d, rec, boot_ts);
	dec_set_initiator(d, rec, p, uid);
}

struct proc *dec_hdr_proc(struct decoder *d, const struct vg_hdr *h)
{
	return proc_cache__lookup(d->pc, h->pid, identity__ticks(d->id, h->start_ns));
}

int exit_code_from_status(int status)
{
	if ((status & 0x7f) == 0)
		return (status >> 8) & 0xff;
	return 128 + (status & 0x7f);
}

/* Bounded copy of a length-prefixed string out of a record. */
int dec_take(const char *base, size_t size, size_t *off, uint32_t len, char *out, size_t n)
{
	if (*off > size || len > size - *off)
		return -EINVAL;
	if (len >= n)
		len = (uint32_t)(n - 1);
	memcpy(out, base + *off, len);
	out[len] = '\0';
	*off += len;
	return 0;
}

static int decode_exec(struct decoder *d, const struct vg_exec *e, size_t size, struct vrec *rec)
{
	static char image[VG_PATH_MAX + 1], args[VG_ARGS_MAX + 4], cwd[VG_PATH_MAX + 1];
	size_t off = sizeof(*e);
	uint64_t ticks = identity__ticks(d->id, e->hdr.start_ns);
	uint64_t pticks = identity__ticks(d->id, e->parent_start_ns);
	struct proc *p, *parent;
	char logon[GUID_LEN + 1], tty[VG_TTY_LEN + 1], cg[VG_CGRP_LEN + 1];
	size_t alen;

	if (dec_take((const char *)e, size, &off, e->image_len, image, sizeof(image)) ||
	    dec_take((const char *)e, size, &off, e->args_len, args, sizeof(args)) ||
	    dec_take((const char *)e, size, &off, e->cwd_len, cwd, sizeof(cwd)))
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
	/* The kernel's dev_t packs major:minor as 12:20 bits; stat's differs. */
	p->exe_dev = makedev((unsigned)(e->dev >> 20), (unsigned)(e->dev & 0xfffff));
	p->exe_size = e->fsize;
	p->exe_mtime_sec = e->mtime_sec;
	p->exe_mtime_nsec = e->mtime_nsec;
	memcpy(tty, e->tty, VG_TTY_LEN);
	tty[sizeof(p->tty) - 1] = '\0';
	strcpy(p->tty, tty[0] ? tty : "-");
	memcpy(cg, e->cgroup, VG_CGRP_LEN);
	cg[VG_CGRP_LEN] = '\0';
	proc_cache__set_container(p, cg);

	vrec__reset(rec, schema__event(1));
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
	vrec__set_str(rec, VF_ParentProcessGuid, p->pguid);
	vrec__set_uint(rec, VF_ParentProcessId, e->ppid);
	parent = proc_cache__lookup(d->pc, e->ppid, pticks);
	if (parent) {
		dec_set_s(rec, VF_ParentImage, parent->image);
		dec_set_s(rec, VF_ParentCommandLine, parent->cmdline);
		dec_set_s(rec, VF_ParentUser, users__name(parent->uid));
	}
	dec_set_s(rec, VF_ContainerId, p->container);
	dec_set_s(rec, VF_Tty, p->tty);
	decode_exec_extras(d, e, p, parent, rec);
	return 1;
}

static int decode_exit(struct decoder *d, const struct vg_exit *x, struct vrec *rec)
{
	struct proc *p = dec_hdr_proc(d, &x->hdr);

	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, 5, x->hdr.ts, p, x->hdr.uid);
	vrec__set_int(rec, VF_ExitCode, exit_code_from_status(x->exit_code));
	proc_cache__exit(d->pc, p, x->hdr.ts);
	return 1;
}

void net_addr_str(uint8_t family, const uint8_t addr[16], char out[64], int *is_v6)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (family == 10 && memcmp(addr, mapped, 12) == 0) {
		inet_ntop(AF_INET, addr + 12, out, 64);
		*is_v6 = 0;
	} else if (family == 10) {
		inet_ntop(AF_INET6, addr, out, 64);
		*is_v6 = 1;
	} else {
		inet_ntop(AF_INET, addr, out, 64);
		*is_v6 = 0;
	}
}

/* A hostname from vigil's own DNS observations, "-" when none. */
static void hostname(struct decoder *d, struct vrec *rec, enum vf_id f, uint8_t family,
		     const uint8_t addr[16])
{
	const char *name = d->dns ? dns_cache__lookup(d->dns, family, addr) : NULL;
	dec_set_s(rec, f, name);
}

static int decode_net(struct decoder *d, const struct vg_net *n, struct vrec *rec)
{
	struct proc *p = dec_hdr_proc(d, &n->hdr);
	char l[64], r[64];
	int l6, r6, udp = n->proto == 17;
	/* Source is the side that initiated: the peer for an accept. */
	int inbound = n->kind == VG_NET_ACCEPT;
	const char *sip = inbound ? r : l, *dip = inbound ? l : r;
	uint16_t sport = inbound ? n->rport : n->lport, dport = inbound ? n->lport : n->rport;

	if (p == NULL)
		return -ENOMEM;
	net_addr_str(n->family, n->laddr, l, &l6);
	net_addr_str(n->family, n->raddr, r, &r6);
	dec_begin(d, rec, 3, n->hdr.ts, p, n->hdr.uid);
	vrec__set_str(rec, VF_Protocol, udp ? "udp" : "tcp");
	vrec__set_str(rec, VF_Initiated, inbound ? "false" : "true");
	vrec__set_str(rec, VF_SourceIsIpv6, (inbound ? r6 : l6) ? "true" : "false");
	vrec__set_str(rec, VF_SourceIp, sip);
	hostname(d, rec, VF_SourceHostname, n->family, inbound ? n->raddr : n->laddr);
	vrec__set_uint(rec, VF_SourcePort, sport);
	vrec__set_str(rec, VF_SourcePortName, services__name(d->svc, sport, udp));
	vrec__set_str(rec, VF_DestinationIsIpv6, (inbound ? l6 : r6) ? "true" : "false");
	vrec__set_str(rec, VF_DestinationIp, dip);
	hostname(d, rec, VF_DestinationHostname, n->family, inbound ? n->laddr : n->raddr);
	vrec__set_uint(rec, VF_DestinationPort, dport);
	vrec__set_str(rec, VF_DestinationPortName, services__name(d->svc, dport, udp));
	if (inbound)
		snprintf(p->peer, sizeof(p->peer), "%s", r);
	return 1;
}

static int decode_file_create(struct decoder *d, const struct vg_file *f, size_t size,
			      struct vrec *rec)
{
	static char path[VG_PATH_MAX + 1];
	size_t off = sizeof(*f);
	struct proc *p;

	if (dec_take((const char *)f, size, &off, f->path_len, path, sizeof(path)))
		return -EINVAL;
	p = dec_hdr_proc(d, &f->hdr);
	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, 11, f->hdr.ts, p, f->hdr.uid);
	vrec__set_str(rec, VF_TargetFilename, path);
	vrec__set_ref(rec, VF_CreationUtcTime, vrec__get(rec, VF_UtcTime, NULL), 23);
	return 1;
}

void path_join_normalize(const char *base, const char *rel, char *out, size_t n)
{
	char tmp[2 * VG_PATH_MAX + 2];
	size_t len = 0;
	char *save = NULL, *tok;

	if (n == 0)
		return;
	if (rel[0] == '/' || base == NULL || base[0] == '\0')
		snprintf(tmp, sizeof(tmp), "%s", rel);
	else
		snprintf(tmp, sizeof(tmp), "%s/%s", base, rel);
	out[0] = '\0';
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		size_t tl = strlen(tok);
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		if (len + 1 + tl + 1 > n)
			break;
		out[len++] = '/';
		memcpy(out + len, tok, tl);
		len += tl;
		out[len] = '\0';
	}
	if (len == 0 && n > 1) {
		out[0] = '/';
		out[1] = '\0';
	}
}

static int decode_file_delete(struct decoder *d, const struct vg_file_delete *f, size_t size,
			      struct vrec *rec)
{
	static char base[VG_PATH_MAX + 1], rel[VG_PATH_MAX + 1], full[2 * VG_PATH_MAX + 2];
	size_t off = sizeof(*f);
	struct proc *p;

	if (dec_take((const char *)f, size, &off, f->base_len, base, sizeof(base)) ||
	    dec_take((const char *)f, size, &off, f->path_len, rel, sizeof(rel)))
		return -EINVAL;
	path_join_normalize(base, rel, full, sizeof(full));
	p = dec_hdr_proc(d, &f->hdr);
	if (p == NULL)
		return -ENOMEM;
	dec_begin(d, rec, 23, f->hdr.ts, p, f->hdr.uid);
	vrec__set_str(rec, VF_TargetFilename, full);
	vrec__set_str(rec, VF_Hashes, "-");
	vrec__set_str(rec, VF_IsExecutable, "-");
	vrec__set_str(rec, VF_Archived, "false");
	return 1;
}

int decoder__decode(struct decoder *d, const void *data, size_t len, struct vrec *rec)
{
	const struct vg_hdr *h = data;
	static const size_t min_size[] = {
	    [VG_EXEC] = sizeof(struct vg_exec),
	    [VG_FORK] = sizeof(struct vg_fork),
	    [VG_EXIT] = sizeof(struct vg_exit),
	    [VG_NET] = sizeof(struct vg_net),
	    [VG_FILE_CREATE] = sizeof(struct vg_file),
	    [VG_FILE_DELETE] = sizeof(struct vg_file_delete),
	    [VG_DNS] = sizeof(struct vg_dns),
	    [VG_MMAP_EXEC] = sizeof(struct vg_fpath),
	    [VG_ACCESS] = sizeof(struct vg_access),
	    [VG_UTIMES] = sizeof(struct vg_utimes),
	    [VG_RAW_READ] = sizeof(struct vg_fpath),
	    [VG_FILE_MODIFY] = sizeof(struct vg_fpath),
	    [VG_RENAME] = sizeof(struct vg_rename),
	    [VG_ATTR] = sizeof(struct vg_attr),
	    [VG_CREDS] = sizeof(struct vg_creds),
	    [VG_NS] = sizeof(struct vg_ns),
	    [VG_MOUNT] = sizeof(struct vg_mount),
	    [VG_BPF] = sizeof(struct vg_bpf),
	    [VG_MODULE] = sizeof(struct vg_module),
	    [VG_LISTEN] = sizeof(struct vg_net),
	    [VG_SIGNAL] = sizeof(struct vg_signal),
	};
	int r;

	d->n_extra = 0;
	if (len < sizeof(*h) || h->size > len || h->version != 1) {
		d->malformed++;
		return -EINVAL;
	}
	if (h->type >= sizeof(min_size) / sizeof(min_size[0]) || min_size[h->type] == 0) {
		d->unknown_type++;
		return -EINVAL;
	}
	if (h->size < min_size[h->type]) {
		d->malformed++;
		return -EINVAL;
	}
	if (h->flags & VG_HF_TRUNCATED)
		d->truncated++;
	switch (h->type) {
	case VG_EXEC:
		r = decode_exec(d, data, h->size, rec);
		break;
	case VG_FORK: {
		const struct vg_fork *f = data;
		proc_cache__fork(d->pc, h->pid, identity__ticks(d->id, h->start_ns), f->child_pid,
				 identity__ticks(d->id, f->child_start_ns));
		return 0;
	}
	case VG_EXIT:
		r = decode_exit(d, data, rec);
		break;
	case VG_NET:
		r = decode_net(d, data, rec);
		break;
	case VG_FILE_CREATE:
		r = decode_file_create(d, data, h->size, rec);
		break;
	case VG_FILE_DELETE:
		r = decode_file_delete(d, data, h->size, rec);
		break;
	default:
		r = decode_ext(d, h, rec);
	}
	if (r == -EINVAL)
		d->malformed++;
	return r;
}
