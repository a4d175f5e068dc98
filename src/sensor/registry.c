/*
 * registry.c — the record registry, one row per kernel record type; see
 * registry.h. Adding a record type is a row here (with its decoder in one
 * of the decode_*.c files) and its struct and version in vigil/event.h.
 */
#include "sensor/registry.h"

#include "common/schema.h"
#include "sensor/decode_int.h"
#include "vigil/event.h"

/* The fixed part of a type and the version it is at. */
#define LAYOUT(k, st) .kind = k, .version = k##_VERSION, .min_size = sizeof(struct st), .name = #k

static const struct vg_type_info types[VG_TYPE_MAX] = {
    /* Process records always flow: the cache needs them whatever is logged. */
    [VG_EXEC] = {LAYOUT(VG_EXEC, vg_exec), .decode = decode_exec, .event = EV_PROCESS_CREATE,
		 .always = true},
    [VG_FORK] = {LAYOUT(VG_FORK, vg_fork), .decode = decode_fork, .always = true},
    [VG_EXIT] = {LAYOUT(VG_EXIT, vg_exit), .decode = decode_exit, .event = EV_PROCESS_TERMINATE,
		 .always = true},
    [VG_NET] = {LAYOUT(VG_NET, vg_net), .decode = decode_net, .event = EV_NETWORK_CONNECT,
		.gate = {EV_NETWORK_CONNECT}, .mutable = true},
    [VG_FILE_CREATE] = {LAYOUT(VG_FILE_CREATE, vg_file), .decode = decode_file_create,
			.event = EV_FILE_CREATE, .gate = {EV_FILE_CREATE}, .mutable = true},
    [VG_FILE_DELETE] = {LAYOUT(VG_FILE_DELETE, vg_file_delete), .decode = decode_file_delete,
			.event = EV_FILE_DELETE, .gate = {EV_FILE_DELETE}, .mutable = true},
    /* DNS answers name the hosts of every NetworkConnect: never muted. */
    [VG_DNS] = {LAYOUT(VG_DNS, vg_dns), .decode = decode_dns, .event = EV_DNS_QUERY,
		.gate = {EV_DNS_QUERY, EV_NETWORK_CONNECT}},
    [VG_MMAP_EXEC] = {LAYOUT(VG_MMAP_EXEC, vg_image), .decode = decode_image_load,
		      .event = EV_IMAGE_LOAD, .gate = {EV_IMAGE_LOAD}, .mutable = true},
    /* Access to the sensor is a tamper sign whatever the config logs. */
    [VG_ACCESS] = {LAYOUT(VG_ACCESS, vg_access), .decode = decode_access,
		   .event = EV_PROCESS_ACCESS, .gate = {EV_PROCESS_ACCESS, EV_PROCESS_TAMPERING},
		   .always = true},
    [VG_UTIMES] = {LAYOUT(VG_UTIMES, vg_utimes), .decode = decode_utimes,
		   .event = EV_FILE_CREATE_TIME, .gate = {EV_FILE_CREATE_TIME}, .mutable = true},
    [VG_RAW_READ] = {LAYOUT(VG_RAW_READ, vg_fpath), .decode = decode_raw_read,
		     .event = EV_RAW_ACCESS_READ, .gate = {EV_RAW_ACCESS_READ}, .mutable = true},
    [VG_FILE_MODIFY] = {LAYOUT(VG_FILE_MODIFY, vg_fpath), .decode = decode_file_modify,
			.event = EV_FILE_MODIFY,
			.gate = {EV_FILE_MODIFY, EV_FILE_EXECUTABLE_DETECTED}, .mutable = true},
    [VG_RENAME] = {LAYOUT(VG_RENAME, vg_rename), .decode = decode_rename, .event = EV_FILE_RENAME,
		   .gate = {EV_FILE_RENAME}, .mutable = true},
    [VG_ATTR] = {LAYOUT(VG_ATTR, vg_attr), .decode = decode_attr, .event = EV_FILE_ATTRIBUTE_CHANGE,
		 .gate = {EV_FILE_ATTRIBUTE_CHANGE, EV_FILE_EXECUTABLE_DETECTED}, .mutable = true},
    [VG_CREDS] = {LAYOUT(VG_CREDS, vg_creds), .decode = decode_creds, .event = EV_PRIVILEGE_CHANGE,
		  .gate = {EV_PRIVILEGE_CHANGE}, .mutable = true},
    [VG_NS] = {LAYOUT(VG_NS, vg_ns), .decode = decode_ns, .event = EV_NAMESPACE_CHANGE,
	       .gate = {EV_NAMESPACE_CHANGE}, .mutable = true},
    [VG_MOUNT] = {LAYOUT(VG_MOUNT, vg_mount), .decode = decode_mount, .event = EV_MOUNT,
		  .gate = {EV_MOUNT}, .mutable = true},
    [VG_BPF] = {LAYOUT(VG_BPF, vg_bpf), .decode = decode_bpf, .event = EV_BPF_EVENT,
		.gate = {EV_BPF_EVENT}, .mutable = true},
    [VG_MODULE] = {LAYOUT(VG_MODULE, vg_module), .decode = decode_module, .event = EV_DRIVER_LOAD,
		   .gate = {EV_DRIVER_LOAD}, .mutable = true},
    [VG_LISTEN] = {LAYOUT(VG_LISTEN, vg_net), .decode = decode_listen, .event = EV_NETWORK_LISTEN,
		   .gate = {EV_NETWORK_LISTEN}, .mutable = true},
    /* Signals to the sensor or auditd are tamper signs whatever is logged. */
    [VG_SIGNAL] = {LAYOUT(VG_SIGNAL, vg_signal), .decode = decode_signal, .event = EV_TAMPER_ALERT,
		   .always = true},
    [VG_LINK] = {LAYOUT(VG_LINK, vg_link), .decode = decode_link, .event = EV_FILE_LINK,
		 .gate = {EV_FILE_LINK}, .mutable = true},
    [VG_MKDIR] = {LAYOUT(VG_MKDIR, vg_mkdir), .decode = decode_mkdir, .event = EV_DIRECTORY_CREATE,
		  .gate = {EV_DIRECTORY_CREATE}, .mutable = true},
    [VG_COMM] = {LAYOUT(VG_COMM, vg_comm), .decode = decode_comm, .event = EV_PROCESS_RENAME,
		 .gate = {EV_PROCESS_RENAME}, .mutable = true},
    [VG_NET_FAIL] = {LAYOUT(VG_NET_FAIL, vg_net_fail), .decode = decode_net_fail,
		     .event = EV_NETWORK_CONNECT_FAILED, .gate = {EV_NETWORK_CONNECT_FAILED},
		     .mutable = true},
    /* Also gated by its include rules' paths in the kernel (sens_gate.c). */
    [VG_SENS_READ] = {LAYOUT(VG_SENS_READ, vg_fpath), .decode = decode_sens_read,
		      .event = EV_SENSITIVE_FILE_READ, .gate = {EV_SENSITIVE_FILE_READ},
		      .mutable = true},
};

const struct vg_type_info *vg_type(unsigned kind)
{
	return kind < VG_TYPE_MAX && types[kind].decode ? &types[kind] : NULL;
}

unsigned vg_type_event(unsigned kind)
{
	const struct vg_type_info *t = vg_type(kind);
	return t ? t->event : 0;
}

size_t vg_type_min_size(unsigned kind)
{
	const struct vg_type_info *t = vg_type(kind);
	return t ? t->min_size : 0;
}

unsigned vg_type_version(unsigned kind)
{
	const struct vg_type_info *t = vg_type(kind);
	return t ? t->version : 0;
}

size_t vg_type_gate_events(unsigned kind, const uint16_t **ev)
{
	const struct vg_type_info *t = vg_type(kind);
	size_t n = 0;

	if (t == NULL) {
		*ev = NULL;
		return 0;
	}
	while (n < VG_GATE_EVENTS && t->gate[n])
		n++;
	*ev = t->gate;
	return n;
}

bool vg_type_gated(unsigned kind)
{
	const struct vg_type_info *t = vg_type(kind);
	return t && t->gate[0] != 0;
}

bool vg_type_mutable(unsigned kind)
{
	const struct vg_type_info *t = vg_type(kind);
	return t && t->mutable;
}

uint64_t vg_types_always_mask(void)
{
	uint64_t mask = 0;

	for (unsigned k = 0; k < VG_TYPE_MAX; k++)
		if (types[k].decode && types[k].always)
			mask |= 1ull << k;
	return mask;
}
