/*
 * identity.h — host identity, clocks, and ProcessGuid.
 *
 * A ProcessGuid is {HHHHHHHH-TTTT-TTTT-TTTT-PPPPPPPPPPPP}: 32 bits of host
 * (the first 8 hex digits of /etc/machine-id), 48 bits of the process's
 * absolute start time in clock ticks (boot time + the start time since boot
 * that /proc/PID/stat shows), and 48 bits of pid. The start time since boot
 * comes from the kernel's start_boottime, in the same ticks /proc uses, so a
 * process first met in /proc and one first met by a probe get the same GUID.
 *
 * Boot time must not move while the host is up, or every GUID would change
 * on a sensor restart after an NTP step: /proc/stat's btime is derived from
 * the wall clock, so the first value seen for a boot (keyed by
 * /proc/sys/kernel/random/boot_id) is persisted in the state dir and reused.
 */
#ifndef VIGIL_IDENTITY_H
#define VIGIL_IDENTITY_H

#include <stdint.h>

#define GUID_LEN 38 /* {8-4-4-4-12} */

struct identity {
	uint32_t host;		 /* first 32 bits of machine-id */
	uint64_t boot_ticks;	 /* boot time, in ticks since the epoch */
	uint64_t boot_ns;	 /* boot time, in ns since the epoch (for UtcTime) */
	long clk_tck;		 /* USER_HZ */
	uint64_t real_offset_ns; /* CLOCK_REALTIME − CLOCK_BOOTTIME */
	char hostname[256];
};

/* Reads machine-id, boot_id, btime and the host name; persists/reuses the
 * boot time under state_dir (NULL: no persistence). Returns 0 or -errno. */
int identity__init(struct identity *id, const char *state_dir);

/* Ticks since boot for a start time in ns since boot, as /proc/PID/stat. */
uint64_t identity__ticks(const struct identity *id, uint64_t start_ns);

/* Formats the GUID of (pid, start time ns since boot) into out. */
void identity__guid(const struct identity *id, uint32_t pid, uint64_t start_ns,
		    char out[GUID_LEN + 1]);
/* Same, from ticks since boot (as read from /proc/PID/stat field 22). */
void identity__guid_ticks(const struct identity *id, uint32_t pid, uint64_t start_ticks,
			  char out[GUID_LEN + 1]);
/* LogonGuid: the same scheme with the boot time and the audit session id,
 * so a session id reused after a reboot gets a new GUID. */
void identity__logon_guid(const struct identity *id, uint32_t sessionid, char out[GUID_LEN + 1]);

/* Converts a bpf_ktime_get_boot_ns() timestamp to ns since the epoch. */
uint64_t identity__boot_to_real(const struct identity *id, uint64_t boot_ns);
/* Re-reads the CLOCK_REALTIME − CLOCK_BOOTTIME offset (call periodically, so
 * UtcTime follows the wall clock while GUIDs stay fixed). */
void identity__refresh_clock(struct identity *id);

#endif
