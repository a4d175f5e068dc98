/*
 * decode_int.h — what the decoder's files share: the dec_* helpers of
 * decode.c, and the per-type decoders of decode_proc.c, decode_net.c,
 * decode_file.c and decode_sys.c that the record registry (registry.c)
 * names. Not part of the decoder's API.
 */
#ifndef VIGIL_DECODE_INT_H
#define VIGIL_DECODE_INT_H

#include "sensor/decode.h"
#include "vigil/event.h"

#include <sys/sysmacros.h>

void dec_set_time(struct decoder *d, struct vrec *rec, uint64_t boot_ns);
/* Sets f to s, or "-" when s is NULL or empty. */
void dec_set_s(struct vrec *rec, enum vf_id f, const char *s);
/* Sets Hashes, and Signed/Signature/SignatureStatus to "-". */
void dec_set_image_hashes(struct vrec *rec, const char *hashes);
const char *dec_proc_hashes(struct decoder *d, struct proc *p);
void dec_set_initiator(struct decoder *d, struct vrec *rec, struct proc *p, uint32_t uid);
/* Starts rec as an event_id caused by p: clears it, sets UtcTime from the
 * kernel's boot-time timestamp and the initiating-process fields. */
void dec_begin(struct decoder *d, struct vrec *rec, unsigned event_id, uint64_t boot_ts,
	       struct proc *p, uint32_t uid);
/* The usual prologue: the process of h from the cache, then dec_begin with
 * h's time and uid. NULL (the caller returns -ENOMEM) when the cache has
 * no room for it. */
struct proc *dec_start(struct decoder *d, struct vrec *rec, unsigned event_id,
		       const struct vg_hdr *h);
struct proc *dec_hdr_proc(struct decoder *d, const struct vg_hdr *h);
/* Copies len bytes at *off out of a record of size bytes (bounds-checked)
 * into out (NUL-terminated, cut to n-1); advances *off. -EINVAL when the
 * length runs past the record. */
int dec_take(const char *base, size_t size, size_t *off, uint32_t len, char *out, size_t n);
/* A kernel dev_t (major:minor packed as 12:20 bits) as stat(2)'s st_dev:
 * records carry the former, hash-cache keys compare with the latter. */
static inline uint64_t dec_kdev(uint64_t kdev)
{
	return makedev((unsigned)(kdev >> 20), (unsigned)(kdev & 0xfffff));
}
/* A second record for the same kernel record (Tampering after a
 * ProcessCreate, ...), or NULL when the extra slots are used up (counted
 * in d->extra_lost: the caller just skips the event). */
struct vrec *dec_extra(struct decoder *d, unsigned event_id);
/* The process of a pid named by a syscall (a tid is mapped to its
 * process), looked up with its current start time; NULL if gone. */
struct proc *dec_proc_by_pid(struct decoder *d, uint32_t pid);
/* The name of a VG_SYS_* syscall number, "-" when unknown. */
const char *dec_sys_name(uint32_t s);

/* Per-type decoders (vg_decode_fn), one per registry row. */
int decode_exec(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_fork(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_exit(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_access(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_creds(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_ns(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_net(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_listen(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_dns(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_file_create(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_file_delete(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_image_load(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_raw_read(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_file_modify(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_utimes(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_rename(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_attr(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_mount(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_bpf(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_module(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_signal(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_comm(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_net_fail(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_link(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_mkdir(struct decoder *d, const void *data, size_t size, struct vrec *rec);
int decode_sens_read(struct decoder *d, const void *data, size_t size, struct vrec *rec);

#endif
