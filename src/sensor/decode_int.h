/*
 * decode_int.h — helpers shared by the decoder's files (decode.c for
 * process, network and file create/delete records; decode_ext.c for the
 * rest). Not part of the decoder's API.
 */
#ifndef VIGIL_DECODE_INT_H
#define VIGIL_DECODE_INT_H

#include "sensor/decode.h"
#include "vigil/event.h"

void dec_set_time(struct decoder *d, struct vrec *rec, uint64_t boot_ns);
/* Sets f to s, or "-" when s is NULL or empty. */
void dec_set_s(struct vrec *rec, enum vf_id f, const char *s);
const char *dec_proc_hashes(struct decoder *d, struct proc *p);
void dec_set_initiator(struct decoder *d, struct vrec *rec, struct proc *p, uint32_t uid);
/* Starts rec as an event_id caused by p: clears it, sets UtcTime from the
 * kernel's boot-time timestamp and the initiating-process fields. */
void dec_begin(struct decoder *d, struct vrec *rec, unsigned event_id, uint64_t boot_ts,
	       struct proc *p, uint32_t uid);
struct proc *dec_hdr_proc(struct decoder *d, const struct vg_hdr *h);
/* Copies len bytes at *off out of a record of size bytes (bounds-checked)
 * into out (NUL-terminated, cut to n-1); advances *off. -EINVAL when the
 * length runs past the record. */
int dec_take(const char *base, size_t size, size_t *off, uint32_t len, char *out, size_t n);
/* A second record for the same kernel record (Tampering after a
 * ProcessCreate, ...), or NULL when the extra slots are used up. */
struct vrec *dec_extra(struct decoder *d, unsigned event_id);
/* The process of a pid named by a syscall (a tid is mapped to its
 * process), looked up with its current start time; NULL if gone. */
struct proc *dec_proc_by_pid(struct decoder *d, uint32_t pid);

int decode_ext(struct decoder *d, const struct vg_hdr *h, struct vrec *rec);
/* Extra records for an exec: tampering (memfd, deleted image) and a new
 * login session. parent may be NULL. */
void decode_exec_extras(struct decoder *d, const struct vg_exec *e, struct proc *p,
			struct proc *parent, const struct vrec *create);

#endif
