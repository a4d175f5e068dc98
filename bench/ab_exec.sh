#!/usr/bin/env bash
# ab_exec.sh — two builds of vigil, alternating, under the same fork+exec
# storm: what a change to the event path costs or saves, per exec.
#
# Method: R rounds; in each, build A then build B runs `vigil run` on CFG
# (default: every event; CFG_B for B, to compare two configurations of one
# build, or each build with its own), N sequential fork+exec of /bin/true
# (bench/execstorm) run under it, and it stops. Alternating cancels the
# VM's drift out of the comparison (BENCHMARKS.md, 2026-12-07). Per run:
#   - the sensor's CPU per exec, in µs, from its threads' schedstat (ns;
#     cpu_ns in lib.sh), so it reads finer than clock ticks would;
#   - with kernel.bpf_stats_enabled=1 during the storm, each of its BPF
#     programs' run time per exec, and their sum; programs under 0.3 µs per
#     exec are left out of the per-program list.
# A round in which every program of one build is slower by the same factor
# is the VM, not the change: compare the rounds, not one.
# Needs root, and both builds' bench/execstorm built (make bench).
#
# usage: bench/ab_exec.sh A/build/vigil B/build/vigil   (N=10000 R=3 CFG=... CFG_B=...)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
[ $# -eq 2 ] || { echo "usage: bench/ab_exec.sh VIGIL_A VIGIL_B" >&2; exit 64; }
N=${N:-10000}
R=${R:-3}
CFG=${CFG:-tests/fixtures/configs/all-events.xml}
CFG_B=${CFG_B:-$CFG}
STORM=build/bench/execstorm
TMP=$(mktemp -d /tmp/vigil-ab.XXXXXX)
VPID=
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	stats_restore
	stop_pid "$VPID"
	rm -rf "$TMP"
}
trap cleanup EXIT

$STORM 500 >/dev/null # warm the page cache
echo "| round | build | sensor CPU per exec (µs) | BPF per exec (µs) | programs over 0.3 µs per exec: µs (runs per exec) |"
echo "|---|---|---|---|---|"
for r in $(seq 1 "$R"); do
	for side in A B; do
		if [ $side = A ]; then b=$1 cfg=$CFG; else b=$2 cfg=$CFG_B; fi
		rm -rf "$TMP/state" "$TMP/ev.jsonl"
		"$b" run --config "$cfg" --output "jsonl:$TMP/ev.jsonl" --state-dir "$TMP/state" \
			2>"$TMP/log" &
		VPID=$!
		wait_started "$TMP/ev.jsonl" "$VPID" || { cat "$TMP/log" >&2; exit 1; }
		sysctl -q -w kernel.bpf_stats_enabled=1
		prog_stats "$VPID" | sort >"$TMP/p0"
		a0=$(cpu_ns "$VPID")
		$STORM "$N" >/dev/null
		a1=$(cpu_ns "$VPID")
		prog_stats "$VPID" | sort >"$TMP/p1"
		stats_restore
		kill -TERM "$VPID" # fails, and stops the run, if the sensor died
		wait "$VPID" || true
		VPID=
		join "$TMP/p0" "$TMP/p1" | awk -v n="$N" -v r="$r" -v b="$side" \
			-v cpu="$(awk -v t=$((a1 - a0)) -v n="$N" 'BEGIN {printf "%.2f", t / 1000 / n}')" '
			{ d = ($4 - $2) / 1000 / n; t += d
			  if (d > 0.3) l = l sprintf("%s %.2f (%.1f), ", $1, d, ($5 - $3) / n) }
			END { sub(/, $/, "", l); printf "| %d | %s | %s | %.2f | %s |\n", r, b, cpu, t, l }'
	done
done
