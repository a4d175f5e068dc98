/*
 * registry.h — the record registry: one row per kernel record type (VG_*).
 *
 * Everything user space knows about a record type lives in its row: the
 * layout version and minimum size the decoder accepts, the decoder that
 * turns it into an event, the event its kernel counters (seen, dropped,
 * filtered) are attributed to, and how its collection is gated: whether it
 * always flows, which events switch it on when the config logs them, and
 * whether a process whose image every one of those events excludes can have
 * it muted in the kernel. The events themselves are the VIGIL_EVENTS
 * catalogue of common/schema.h; the layouts are vigil/event.h.
 */
#ifndef VIGIL_REGISTRY_H
#define VIGIL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct decoder;
struct vrec;

/* Decodes a record whose header, version and minimum size the dispatch
 * has checked; size is hdr.size. Returns as decoder__decode does. */
typedef int (*vg_decode_fn)(struct decoder *d, const void *data, size_t size, struct vrec *rec);

#define VG_GATE_EVENTS 2

struct vg_type_info {
	uint16_t kind;	   /* enum vg_type */
	uint8_t version;   /* the only hdr.version accepted (VG_*_VERSION) */
	uint32_t min_size; /* sizeof its struct vg_*: the fixed part */
	vg_decode_fn decode;
	uint16_t event; /* its main event (counter attribution); 0: none (fork) */
	/* Events whose logging switches the type's collection on, 0-ended;
	 * none: the type is not gated by the config. */
	uint16_t gate[VG_GATE_EVENTS];
	bool always;	  /* collected whatever the config logs */
	bool mutable;	  /* may be muted per process when all gate events
			   * exclude its image; false: needed for more than them */
	const char *name; /* "VG_EXEC": for messages and tests */
};

/* The row of a record type, or NULL for a type user space does not know. */
const struct vg_type_info *vg_type(unsigned kind);
/* The event a type's kernel counters are attributed to; 0 when none. */
unsigned vg_type_event(unsigned kind);
/* The minimum hdr.size of a type; 0 when unknown. */
size_t vg_type_min_size(unsigned kind);
/* The layout version the decoder accepts; 0 when unknown. */
unsigned vg_type_version(unsigned kind);
/* True when the config gates the type (it has gate events). */
bool vg_type_gated(unsigned kind);
/* The gate events of a type into *ev; returns how many (0 when none). */
size_t vg_type_gate_events(unsigned kind, const uint16_t **ev);
/* True when the type may be muted per process (see struct vg_type_info). */
bool vg_type_mutable(unsigned kind);
/* Bit per type (1 << VG_*) of the types collected whatever the config. */
uint64_t vg_types_always_mask(void);

#endif
