/*
 * kfacts.c — what the running kernel allows, read before and apart from
 * the BPF object: where tracefs is (mounting it when a minimal host boots
 * without it), the lockdown mode, and whether bpf_probe_read_kernel is
 * usable. Declared in loader.h with the rest of bpf_sensor__*.
 */
#include "sensor/loader.h"

#include "common/log.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Syscall tracepoints are found through tracefs; hosts that boot without
 * it mounted (minimal images, some VMs) get it mounted here. */
static void ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		log_debug("mounting tracefs on /sys/kernel/tracing failed: %s", strerror(errno));
}

#define TRACEFS_MAGIC 0x74726163

/* The tracefs events directory, or NULL with *err: ENOENT when tracefs is
 * not there at all, EPERM when it is there but the kernel keeps it empty or
 * refuses it (lockdown=confidentiality disables tracing: "Tracing disabled
 * due to lockdown"), so whether a tracepoint exists cannot be known. */
const char *bpf_sensor__tracefs(int *err)
{
	ensure_tracefs();
	static const char *const dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	*err = ENOENT;
	for (size_t i = 0; i < 2; i++) {
		char probe[96];
		struct statfs sf;
		FILE *f;

		snprintf(probe, sizeof(probe), "%s/events/sched/sched_process_exec/id", dirs[i]);
		f = fopen(probe, "r");
		if (f != NULL) {
			static char events[64];
			fclose(f);
			snprintf(events, sizeof(events), "%s/events", dirs[i]);
			return events;
		}
		if (errno != ENOENT)
			*err = errno;
		else if (statfs(dirs[i], &sf) == 0 && sf.f_type == TRACEFS_MAGIC)
			*err = EPERM; /* mounted, yet no events: tracing is disabled */
	}
	return NULL;
}

void bpf_sensor__lockdown(char *out, size_t size)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	char *a, *b;

	if (f == NULL && errno == ENOENT &&
	    mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
		f = fopen("/sys/kernel/security/lockdown", "r");
	if (f == NULL) {
		snprintf(out, size, "none");
		return;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a == NULL || b == NULL)
		snprintf(out, size, "unknown");
	else
		snprintf(out, size, "%.*s", (int)(b - a - 1), a + 1);
}

int bpf_sensor__probe_read_kernel(char *why, size_t size)
{
	/* r1 = fp - 8; r2 = 8; r3 = 0; call probe_read_kernel; r0 = 0; exit */
	const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_10},
	    {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_1, .imm = -8},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 8},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 0},
	    {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_probe_read_kernel},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 1);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, NULL, "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), &opts);
	char *nl;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	/* The verifier's reason is the last line before its statistics. */
	nl = strstr(log, "\nprocessed ");
	if (nl != NULL)
		*nl = '\0';
	nl = strrchr(log, '\n');
	snprintf(why, size, "%s", nl ? nl + 1 : (log[0] ? log : strerror(errno)));
	return -1;
}
