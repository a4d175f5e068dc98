#!/usr/bin/env bash
# redis_bench.sh — what a syscall-heavy server loses to the sensor: Redis
# throughput (SET+GET) with no sensor, vigil on Sysmon's defaults (no
# --config), vigil on the shipped etc/vigil.xml, vigil logging every event,
# and auditd with one execve rule, as Falco publishes its own overhead.
# One more setup, syscall-tp, runs no sensor at all but enables one ftrace
# syscall event (sys_enter_kill, which Redis never calls) through tracefs:
# registering any syscall tracepoint moves every task onto the kernel's
# slow syscall path, so this row is the floor any sensor that keeps one
# syscall tracepoint attached pays, before a single hook runs.
#
# Method: a local redis-server (no persistence) and redis-benchmark (-t
# set,get -c 50 -n N -q --csv) from Debian, pinned to different CPUs. R rounds; in each round the
# six setups run back to back (interleaved), so drift on the host affects
# them alike. Reported per setup: the median requests/s over rounds for SET
# and GET, the ratio to no sensor, and CPU per request (the run time of
# redis-server, and of the sensor or auditd, from schedstat, over the
# requests served). Each setup is measured SETTLE s (3) after it starts. Also each sensor's kernel drops (nothing may be lost).
# Needs root; installs redis-server/redis-tools when missing. Prints a
# Markdown section. Benchmarks are not tests: run it on a quiet machine.
#
# usage: bench/redis_bench.sh        (N=200000 R=5 PORT=6390 SETTLE=3
#                                     PIN=split|same, and SETUPS="none
#                                     vigil-default" for a subset)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-200000}
R=${R:-5}
PORT=${PORT:-6390}
SETTLE=${SETTLE:-3}
VIGIL=build/vigil
TMP=$(mktemp -d /tmp/vigil-redis.XXXXXX)
VPID= RPID=

find_tracefs # for the syscall-tp row
cleanup() {
	syscall_tp off
	[ -n "$VPID" ] && { kill -TERM "$VPID" 2>/dev/null || true; wait "$VPID" 2>/dev/null || true; }
	[ -n "$RPID" ] && { kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; }
	execve_audit cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "redis_bench.sh: needs root" >&2; exit 77; }
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
[ -x "$VIGIL" ] || make --no-print-directory "$VIGIL" >&2

# Pinned: redis-server on the last CPU, redis-benchmark on the first, so
# that the scheduler moving them about is not part of what is measured;
# the sensor (or auditd) runs wherever the scheduler puts it.
#
# PIN=same puts redis-benchmark on redis-server's CPU: on a VM whose vCPUs
# the host schedules unevenly, a request's wakeup across vCPUs varies by
# tens of percent between rounds, and on one CPU throughput follows the
# CPU each request costs, which is what a sensor changes. The sensor then
# has the other CPU to itself, so its own CPU is not in the throughput;
# it is in the "agent CPU" column.
LAST_CPU=$(($(nproc) - 1))
BENCH_CPU=0
[ "${PIN:-split}" = same ] && BENCH_CPU=$LAST_CPU
taskset -c "$LAST_CPU" redis-server --port "$PORT" --save '' --appendonly no --daemonize no \
	--logfile "$TMP/redis.log" >/dev/null &
RPID=$!
for _ in $(seq 1 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done

# setup name → how to start and stop it
start() {
	case $1 in
	none) ;;
	syscall-tp) syscall_tp on ;;
	vigil-default | vigil-shipped | vigil-all)
		local cfg=()
		[ "$1" = vigil-shipped ] && cfg=(--config etc/vigil.xml)
		[ "$1" = vigil-all ] && cfg=(--config tests/fixtures/configs/all-events.xml)
		"$VIGIL" run "${cfg[@]}" --output "jsonl:$TMP/ev-$1.jsonl" --state-dir "$TMP/state" \
			--health-interval 0 --control-socket "$TMP/ctl.sock" 2>>"$TMP/vigil.log" &
		VPID=$!
		wait_started "$TMP/ev-$1.jsonl" "$VPID" || true
		;;
	auditd) execve_audit on ;;
	esac
}
stop() {
	case $1 in
	syscall-tp) syscall_tp off ;;
	vigil-*) kill -TERM "$VPID"; wait "$VPID" || true; VPID= ;;
	auditd) execve_audit off ;;
	esac
}
# The sensor's (or auditd's) pid, for its CPU.
agent_pid() {
	case $1 in
	vigil-*) echo "$VPID" ;;
	auditd) pgrep -x auditd | head -n 1 ;;
	*) echo "" ;;
	esac
}

# SETUPS (space-separated) runs a subset, for a quicker look at one row.
read -r -a SETUPS <<<"${SETUPS:-none syscall-tp vigil-default vigil-shipped vigil-all auditd}"
redis-benchmark -p "$PORT" -t set,get -c 50 -n 20000 -q >/dev/null # warm up
for r in $(seq 1 "$R"); do
	for s in "${SETUPS[@]}"; do
		start "$s"
		# Every setup waits the same SETTLE seconds after starting, so the
		# sensor's start-up (the /proc scan, the kernel freeing what the
		# load left behind) is not in what a setup is charged.
		sleep "$SETTLE"
		a=$(agent_pid "$s")
		r0=$(cpu_ns "$RPID")
		a0=0
		[ -n "$a" ] && a0=$(cpu_ns "$a")
		out=$(taskset -c "$BENCH_CPU" redis-benchmark -p "$PORT" -t set,get -c 50 -n "$N" -q --csv)
		r1=$(cpu_ns "$RPID")
		a1=0
		[ -n "$a" ] && a1=$(cpu_ns "$a")
		set_rps=$(awk -F'"' '$2=="SET" {print $4}' <<<"$out")
		get_rps=$(awk -F'"' '$2=="GET" {print $4}' <<<"$out")
		echo "$set_rps" >>"$TMP/$s.set"
		echo "$get_rps" >>"$TMP/$s.get"
		# This round's ratio to this round's no-sensor run: drift between
		# rounds cancels out of it.
		[ "$s" = none ] && { rs=$set_rps; rg=$get_rps; }
		echo "($set_rps / $rs - 1) * 100" | bc -l >>"$TMP/$s.setr"
		echo "($get_rps / $rg - 1) * 100" | bc -l >>"$TMP/$s.getr"
		# CPU ns per request, over the 2N requests.
		echo "$(( (r1 - r0) / (2 * N) ))" >>"$TMP/$s.rcpu"
		echo "$(( (a1 - a0) / (2 * N) ))" >>"$TMP/$s.acpu"
		if [[ $s == vigil-* ]]; then
			stop "$s"
			jq -r 'select(.EventID==241) | [to_entries[] | select(.key|endswith("DroppedKernel")) | .value] | add' \
				"$TMP/ev-$s.jsonl" | tail -n 1 >>"$TMP/$s.drops"
			rm -f "$TMP/ev-$s.jsonl"
		else
			stop "$s"
		fi
	done
done

# "min..max" of a file of numbers, one decimal.
spread() { sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%+.1f..%+.1f", lo, hi}'; }
echo "## Redis under the sensor"
echo
echo "Method: redis-server (no persistence, pinned to CPU $LAST_CPU) and redis-benchmark"
echo "-t set,get -c 50 -n $N (pinned to CPU $BENCH_CPU) on loopback; $R rounds, the setups"
echo "interleaved in each, each given $SETTLE s after its start before it is measured. Requests/s are medians over rounds; \"vs none\" is the median"
echo "of each round's ratio to that round's no-sensor run, with the range over rounds."
echo "CPU per request is the process's run time (schedstat, all threads) over 2N requests, in ns."
echo "Host: $(nproc) cores, $(uname -r)."
echo
echo "| setup | SET req/s | SET vs none (range) | GET req/s | GET vs none (range) | redis CPU ns/req | agent CPU ns/req | kernel drops |"
echo "|---|---|---|---|---|---|---|---|"
for s in "${SETUPS[@]}"; do
	ms=$(median <"$TMP/$s.set")
	mg=$(median <"$TMP/$s.get")
	rc=$(median <"$TMP/$s.rcpu")
	ac=$(median <"$TMP/$s.acpu")
	d=-
	[ -f "$TMP/$s.drops" ] && d=$(sort -n "$TMP/$s.drops" | tail -n 1)
	printf '| %s | %.0f | %+.1f%% (%s) | %.0f | %+.1f%% (%s) | %s | %s | %s |\n' "$s" "$ms" \
		"$(median <"$TMP/$s.setr")" "$(spread <"$TMP/$s.setr")" "$mg" \
		"$(median <"$TMP/$s.getr")" "$(spread <"$TMP/$s.getr")" "$rc" "$ac" "$d"
done
