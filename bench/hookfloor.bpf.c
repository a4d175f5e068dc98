// SPDX-License-Identifier: GPL-2.0
/*
 * hookfloor.bpf.c — empty tracepoint programs: the floor of bpf_stats.
 *
 * With kernel.bpf_stats_enabled=1 the kernel reads the clock before and
 * after every program run and adds the difference to run_time_ns. On a
 * VM whose clock source is slow to read (kvm-clock here) those two reads
 * cost more than most of vigil's programs. bench/hook_cost.sh runs these
 * programs, which do nothing, on hooks that its workload hits, in the
 * same window as vigil's: their ns/run is what the measurement itself
 * costs, and what is above it is the program's own work.
 *
 * The same program type (SEC("tp/...")) and the same kind of hooks as
 * vigil's: a syscall entry, a syscall exit and a scheduler tracepoint.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp/syscalls/sys_enter_close")
int floor_close_e(void *ctx)
{
	(void)ctx;
	return 0;
}

SEC("tp/syscalls/sys_exit_openat")
int floor_openat_x(void *ctx)
{
	(void)ctx;
	return 0;
}

SEC("tp/sched/sched_process_exec")
int floor_exec(void *ctx)
{
	(void)ctx;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
