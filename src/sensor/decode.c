/*
 * decode.c — the decoder's dispatch and the helpers its per-domain files
 * share; see decode.h. Each record is checked against its row in the
 * record registry (registry.c) before the row's decoder sees it.
 */
#include "sensor/decode.h"
#include "sensor/decode_int.h"
#include "sensor/registry.h"

#include "sensor/users.h"
#include "vigil/event.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* A loaded image's Hashes, and the signature fields Linux has no source
 * for (ImageLoad, DriverLoad). */
void dec_set_image_hashes(struct vrec *rec, const char *hashes)
{
	vrec__set_str(rec, VF_Hashes, hashes);
	vrec__set_str(rec, VF_Signed, "-");
	vrec__set_str(rec, VF_Signature, "-");
	vrec__set_str(rec, VF_SignatureStatus, "-");
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

struct proc *dec_start(struct decoder *d, struct vrec *rec, unsigned event_id,
		       const struct vg_hdr *h)
{
	struct proc *p = dec_hdr_proc(d, h);

	if (p != NULL)
		dec_begin(d, rec, event_id, h->ts, p, h->uid);
	return p;
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

struct vrec *dec_extra(struct decoder *d, unsigned event_id)
{
	struct vrec *x;

	if (d->n_extra >= DECODER_MAX_EXTRA || d->extra[d->n_extra] == NULL) {
		d->extra_lost++;
		return NULL;
	}
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

const char *dec_sys_name(uint32_t s)
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

int decoder__decode(struct decoder *d, const void *data, size_t len, struct vrec *rec)
{
	const struct vg_hdr *h = data;
	const struct vg_type_info *t;
	int r;

	d->n_extra = 0;
	d->exec.kind = 0;
	if (len < sizeof(*h) || h->size > len) {
		d->malformed++;
		return -EINVAL;
	}
	t = vg_type(h->type);
	if (t == NULL) {
		d->unknown_type++;
		return -EINVAL;
	}
	/* A layout this build does not know is not guessed at. */
	if (h->version != t->version || h->size < t->min_size) {
		d->malformed++;
		return -EINVAL;
	}
	if (h->flags & VG_HF_TRUNCATED)
		d->truncated++;
	r = t->decode(d, data, h->size, rec);
	if (r == -EINVAL)
		d->malformed++;
	return r;
}

const struct dec_exec *decoder__exec(const struct decoder *d)
{
	return d->exec.kind ? &d->exec : NULL;
}
