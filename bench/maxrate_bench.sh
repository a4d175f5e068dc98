#!/usr/bin/env bash
# maxrate_bench.sh — the highest real kernel event rate vigil carries with
# zero drops, with etc/vigil.xml.
#
# Method: for each target rate, a fresh `vigil run --config etc/vigil.xml`
# (JSON lines to a file) watches bench/filestorm -c: files created and
# unlinked in a temp directory (no write), i.e. two kernel events per file,
# FileCreate and FileDelete, paced at RATE/2 files per second for about DUR
# seconds. Then the sensor is stopped (it drains the ring buffer) and its
# final SensorHealth (241) gives, over every event type, the sums of
# *Seen, *Emitted, *DroppedKernel (ring buffer full) and *DroppedUser
# (decode or output failures), and CpuMs. The last rows are unpaced: one
# storm, then PAR storms at once (one per core), which also takes CPU from
# the sensor. The storm pays for the hooks itself, so its achieved rate
# can fall short of the target: the table shows both. The answer is the
# highest achieved rate whose run dropped nothing.
# Needs root. Prints a Markdown section. Stops each sensor it started (by
# pid) and removes its temp dir.
#
# usage: bench/maxrate_bench.sh   (RATES="5000 10000 20000 40000 80000" DUR=5
#                                  UNPACED=200000 files per storm, PAR=nproc,
#                                  RINGBUF=bytes to shrink the ring buffer, from the env)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RATES=${RATES:-5000 10000 20000 40000 80000}
DUR=${DUR:-5}
UNPACED=${UNPACED:-200000}
PAR=${PAR:-$(nproc)}
RINGBUF=${RINGBUF:-} # e.g. 1048576: a smaller ring buffer than the sensor's default (16M)
VIGIL=build/vigil
STORM=build/bench/filestorm
TMP=$(mktemp -d /tmp/vigil-maxrate.XXXXXX)
VPID=
SPIDS=()

cleanup() {
	for p in "${SPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$VPID" ]; then kill -TERM "$VPID" 2>/dev/null || true; wait "$VPID" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "maxrate_bench.sh: needs root" >&2; exit 77; }
for t in "$VIGIL" "$STORM"; do
	[ -x "$t" ] || make --no-print-directory "$t" >&2
done

start_vigil() {
	rm -f "$TMP/ev.jsonl"
	"$VIGIL" run --config etc/vigil.xml --output "jsonl:$TMP/ev.jsonl" --state-dir "$TMP/state" \
		--health-interval 0 --control-socket "$TMP/ctl.sock" ${RINGBUF:+--ringbuf-size "$RINGBUF"} \
		2>"$TMP/vigil.log" &
	VPID=$!
	wait_started "$TMP/ev.jsonl" "$VPID" && return
	echo "vigil did not start" >&2
	cat "$TMP/vigil.log" >&2
	exit 70
}
stop_vigil() {
	kill -TERM "$VPID"
	wait "$VPID" || true
	VPID=
}

HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$VPID/stat"; }

# One row: LABEL TARGET FILES RATE NPAR. Runs NPAR storms of FILES files
# each at RATE files/s (0: unpaced) under a fresh sensor.
best=0
row() {
	local label=$1 target=$2 files=$3 rate=$4 npar=$5 ms=0 i h t0 t1
	start_vigil
	t0=$(ticks)
	SPIDS=()
	for i in $(seq 1 "$npar"); do
		mkdir -p "$TMP/s$i"
		if [ "$rate" = 0 ]; then
			"$STORM" -c "$TMP/s$i" "$files" >"$TMP/ms$i" &
		else
			"$STORM" -c "$TMP/s$i" "$files" "$rate" >"$TMP/ms$i" &
		fi
		SPIDS+=($!)
	done
	for p in "${SPIDS[@]}"; do wait "$p"; done
	SPIDS=()
	for i in $(seq 1 "$npar"); do
		ms=$(awk -v a="$ms" -v b="$(cat "$TMP/ms$i")" 'BEGIN{print (b > a) ? b : a}')
	done
	sleep 0.2 # what is still in the ring buffer is read in this time
	t1=$(ticks)
	stop_vigil
	h=$(jq -c 'select(.EventID==241)' "$TMP/ev.jsonl" | tail -1)
	read -r seen emitted dk du < <(jq -r '
		def sum(re): [to_entries[] | select(.key|test(re)) | .value] | add;
		"\(sum("Seen$")) \(sum("Emitted$")) \(sum("DroppedKernel$")) \(sum("DroppedUser$"))"' <<<"$h")
	local achieved
	achieved=$(awk -v f="$files" -v n="$npar" -v ms="$ms" 'BEGIN{printf "%.0f", 2 * f * n / (ms / 1000)}')
	if [ "$dk" = 0 ] && [ "$du" = 0 ] && [ "$achieved" -gt "$best" ]; then best=$achieved; fi
	printf '| %s | %s | %s | %.1f | %s | %s | %s | %s | %s |\n' "$label" "$target" "$achieved" \
		"$(awk -v ms="$ms" 'BEGIN{print ms/1000}')" "$seen" "$emitted" "$dk" "$du" \
		"$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v ms="$ms" 'BEGIN{printf "%.0f%%", d / hz / (ms / 1000 + 0.2) * 100}')"
}

echo "Method: for each row a fresh vigil (etc/vigil.xml, JSON lines to a file${RINGBUF:+, ring buffer $RINGBUF bytes}) watches"
echo "\`bench/filestorm -c\` (create + unlink, 2 kernel events per file) for ~${DUR} s; counts from"
echo "its final SensorHealth, summed over all event types (the storm's events plus whatever else"
echo "the host did). vigil CPU: the sensor's utime+stime (/proc) from the storm's start to 0.2 s"
echo "after its end, as a share of one core over that time. Host: $(nproc) cores, $(uname -r),"
echo "shared with other jobs."
echo
echo "| run | target events/s | achieved events/s | storm s | Seen | Emitted | DroppedKernel | DroppedUser | vigil CPU |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in $RATES; do
	row "paced" "$r" $((r / 2 * DUR)) $((r / 2)) 1
done
row "unpaced, 1 storm" "—" "$UNPACED" 0 1
if [ "$PAR" -gt 1 ]; then
	row "unpaced, $PAR storms at once" "—" "$UNPACED" 0 "$PAR"
fi
echo
if [ "$best" -gt 0 ]; then
	echo "Highest achieved rate with zero drops: **$best events/s**."
else
	echo "Every run dropped events."
fi
