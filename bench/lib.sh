# lib.sh — what the benchmark scripts share, sourced by each after its cd to
# the repository root: `. bench/lib.sh`. Sets no shell options: each script
# has its own `set -euo pipefail`, and everything here is safe under it.
# shellcheck shell=bash

# median: the median of the numbers on stdin, one a line (the mean of the
# middle two for an even count). sort -g, not -n: -n misorders exponents.
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

# wait_started FILE PID: the sensor writes its "Started" state record (to
# FILE, its JSON lines output) only once its probes are attached, and a
# workload run before that would be partly unseen. Returns 1 after about
# 20 s, or at once when PID has died: a sensor that failed to start is not
# waited for.
wait_started() {
	for _ in $(seq 1 400); do
		grep -q '"State":"Started"' "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# find_tracefs: sets TRACEFS, for syscall_tp. tracefs is not mounted on
# every boot, and where it cannot be (kernels before 4.1) debugfs has it.
find_tracefs() {
	TRACEFS=/sys/kernel/tracing
	[ -d "$TRACEFS/events" ] || mount -t tracefs nodev "$TRACEFS" 2>/dev/null || true
	[ -d "$TRACEFS/events" ] || TRACEFS=/sys/kernel/debug/tracing
}

# syscall_tp on|off: the syscall-tp setup, one ftrace syscall event enabled
# and no sensor (redis_bench.sh's header says what it measures).
# sys_enter_kill: a syscall the workloads never make, so the event itself
# never fires. off is also the cleanup traps' undo, so it never fails, not
# even before find_tracefs has run.
syscall_tp() {
	local enable=${TRACEFS:-/sys/kernel/tracing}/events/syscalls/sys_enter_kill/enable
	case $1 in
	on) echo 1 >"$enable" ;;
	off) { echo 0 >"$enable"; } 2>/dev/null || true ;;
	*) echo "syscall_tp: on or off, not '$1'" >&2; return 2 ;;
	esac
}

# execve_audit on|off|cleanup: the auditd setup of exec_bench.sh and
# redis_bench.sh, Debian's auditd with one rule, `-a always,exit -F
# arch=b64 -S execve` (as Falco publishes its comparison). AUDITD says
# whether it runs, for the cleanup traps: cleanup undoes it only then, and
# never fails.
AUDITD=false
execve_audit() {
	case $1 in
	on)
		auditd >/dev/null 2>&1 || true
		AUDITD=true
		auditctl -e 1 >/dev/null
		auditctl -a always,exit -F arch=b64 -S execve -k vigilbench >/dev/null
		;;
	off)
		auditctl -D >/dev/null
		auditctl -e 0 >/dev/null
		pkill -x auditd || true
		AUDITD=false
		sleep 0.5
		;;
	cleanup)
		if $AUDITD; then
			auditctl -D >/dev/null 2>&1 || true
			pkill -x auditd 2>/dev/null || true
		fi
		;;
	esac
}

# prog_ids PID: the ids of the BPF programs the process PID holds an fd
# of, comma-separated (fds that close while grep reads them are skipped:
# hence the || true).
prog_ids() {
	{ grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null || true; } | awk '{print $2}' |
		sort -un | paste -sd, -
}

# prog_stats PID: one line per BPF program the process PID holds an fd of,
# "name run_time_ns run_cnt" (both 0 unless kernel.bpf_stats_enabled=1).
prog_stats() {
	bpftool prog show -j | jq -r --arg ids "$(prog_ids "$1")" '
		($ids | split(",") | map(tonumber)) as $mine
		| .[] | select(.id as $i | $mine | index($i))
		| "\(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"'
}

# stop_pid PID: SIGTERM to PID and wait for it; nothing when PID is empty
# or already gone (the benchmarks' EXIT traps).
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# cpu_ns PID: the CPU time of process PID's live threads in ns, the sum of
# the first field of each /proc/PID/task/*/schedstat. Nanoseconds, where
# /proc/PID/stat's utime+stime are clock ticks (10 ms): a difference over
# a run of 10,000 execs reads to 0.1 ns per exec, not 1 µs. A thread that
# exits during the run takes its time with it; the sensor's threads live
# as long as it does.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{t += $1} END {printf "%.0f\n", t}'
}

# stats_restore: kernel.bpf_stats_enabled back to $STATS_WAS, what the
# script found at its start.
stats_restore() { sysctl -q -w kernel.bpf_stats_enabled="$STATS_WAS" >/dev/null 2>&1 || true; }
