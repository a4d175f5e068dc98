#!/usr/bin/env bash
# tcp_rw_bench.sh — what the sensor's hooks cost a TCP server's hot path,
# measured in CPU time rather than throughput, so that it can be read on a
# machine too noisy for redis_bench.sh.
#
# Method: `filestorm -r N` makes N request/response round trips on one
# loopback TCP connection in one process (write, read, write back, read
# back: both ends of a Redis request, no other syscall) and prints its own
# CPU ns per round trip (CLOCK_PROCESS_CPUTIME_ID). Setups: no sensor;
# syscall-tp (no sensor, one ftrace syscall event Redis never hits enabled:
# the slow-syscall-path floor, see redis_bench.sh); vigil with no config;
# vigil logging every event (tests/fixtures/configs/all-events.xml); and,
# when VIGIL_BASE names another build's vigil binary, that build logging
# every event, for a before/after in the same run. R rounds, the setups
# interleaved in each; reported per setup: the median ns per round trip
# over rounds, and the median of each round's difference to that round's
# no-sensor run (drift between rounds cancels out of it), with its range.
# Needs root. Prints a Markdown section. Benchmarks are not tests.
#
# WORK=getppid measures getppid(2) calls instead (`filestorm -g`), which no
# program of vigil's is on: what any attached syscall tracepoint costs every
# syscall, whatever the sensor does.
#
# usage: bench/tcp_rw_bench.sh     (N=100000 R=15 VIGIL_BASE= WORK=tcp|getppid)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-100000}
R=${R:-15}
VIGIL=build/vigil
VIGIL_BASE=${VIGIL_BASE:-}
STORM=build/bench/filestorm
WORK=${WORK:-tcp}
case $WORK in
tcp) MODE=-r WHAT="round trip" ;;
getppid) MODE=-g WHAT="getppid call" N=$((N * 20)) ;;
*) echo "tcp_rw_bench.sh: WORK is tcp or getppid, not '$WORK'" >&2; exit 64 ;;
esac
TMP=$(mktemp -d /tmp/vigil-tcprw.XXXXXX)
VPID=

find_tracefs # for the syscall-tp row
cleanup() {
	syscall_tp off
	[ -n "$VPID" ] && { kill -TERM "$VPID" 2>/dev/null || true; wait "$VPID" 2>/dev/null || true; }
	rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "tcp_rw_bench.sh: needs root" >&2; exit 77; }
[ -x "$VIGIL" ] || make --no-print-directory "$VIGIL" >&2
[ -x "$STORM" ] || make --no-print-directory "$STORM" >&2

start() {
	local bin=$VIGIL cfg=()
	case $1 in
	none) return ;;
	syscall-tp) syscall_tp on; return ;;
	vigil-all-base) bin=$VIGIL_BASE ;;
	esac
	[[ $1 == vigil-all* ]] && cfg=(--config tests/fixtures/configs/all-events.xml)
	"$bin" run "${cfg[@]}" --output "jsonl:$TMP/ev.jsonl" --state-dir "$TMP/state" \
		--health-interval 0 2>>"$TMP/vigil.log" &
	VPID=$!
	wait_started "$TMP/ev.jsonl" "$VPID" || true
}
stop() {
	case $1 in
	none) ;;
	syscall-tp) syscall_tp off ;;
	*) kill -TERM "$VPID"; wait "$VPID" || true; VPID=; rm -f "$TMP/ev.jsonl" ;;
	esac
}

SETUPS=(none syscall-tp vigil-default vigil-all)
[ -n "$VIGIL_BASE" ] && SETUPS+=(vigil-all-base)
"$STORM" "$MODE" 20000 >/dev/null # warm up
for r in $(seq 1 "$R"); do
	for s in "${SETUPS[@]}"; do
		start "$s"
		ns=$("$STORM" "$MODE" "$N")
		stop "$s"
		echo "$ns" >>"$TMP/$s.ns"
		[ "$s" = none ] && base=$ns
		echo "$ns - $base" | bc -l >>"$TMP/$s.d"
	done
done

if [ "$WORK" = tcp ]; then
	echo "## TCP round trips under the sensor"
	echo
	echo "Method: \`filestorm -r $N\` (write, read, write back, read back on one"
	echo "loopback TCP connection; CPU ns per round trip, CLOCK_PROCESS_CPUTIME_ID);"
else
	echo "## A syscall no program is on, under the sensor"
	echo
	echo "Method: \`filestorm -g $N\` (getppid(2) calls; CPU ns per call,"
	echo "CLOCK_PROCESS_CPUTIME_ID);"
fi
echo "$R rounds, the setups interleaved in each; medians over rounds, and the"
echo "median of each round's difference to its no-sensor run, with the range."
echo "Host: $(nproc) cores, $(uname -r)."
echo
echo "| setup | ns per $WHAT | vs none, ns (range) | vs none |"
echo "|---|---|---|---|"
none=$(median <"$TMP/none.ns")
for s in "${SETUPS[@]}"; do
	m=$(median <"$TMP/$s.ns")
	d=$(median <"$TMP/$s.d")
	lo=$(sort -n "$TMP/$s.d" | head -n 1)
	hi=$(sort -n "$TMP/$s.d" | tail -n 1)
	printf '| %s | %.0f | %+.0f (%+.0f..%+.0f) | %+.1f%% |\n' "$s" "$m" "$d" "$lo" "$hi" \
		"$(echo "$d / $none * 100" | bc -l)"
done
