#!/usr/bin/env bash
# exec_bench.sh — fork+exec storm: no sensor vs vigil vs auditd, in one run.
#
# Method: N sequential fork+exec of /bin/true (bench/execstorm), repeated R
# rounds; in each round the three setups run back to back so drift on the
# host affects them alike. The median over rounds is reported, and the
# overhead as a ratio to the no-sensor run of the same rounds.
#   - vigil: `vigil run` with collect-all.xml (every event type of the sensor
#     issue logged) writing JSON lines to a file.
#   - auditd: Debian's auditd with one rule, `-a always,exit -F arch=b64 -S execve`.
# Then the CPU that vigil uses at a fixed 1,600 exec/s for 10 s (utime+stime
# of the sensor process from /proc, as % of one core), and its drop counters.
# Needs root. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-4000}
R=${R:-5}
VIGIL=build/vigil
STORM=build/bench/execstorm
CFG=tests/fixtures/sysmon-configs/collect-all.xml
TMP=$(mktemp -d)
trap 'kill $VPID 2>/dev/null || true; auditctl -D >/dev/null 2>&1 || true; pkill -x auditd 2>/dev/null || true; rm -rf "$TMP"' EXIT
VPID=

start_vigil() {
	"$VIGIL" run --config "$CFG" --output "jsonl:$TMP/ev.jsonl" --state-dir "$TMP/state" \
		--health-interval 0 2>"$TMP/vigil.log" &
	VPID=$!
	wait_started "$TMP/ev.jsonl" "$VPID" && return
	echo "vigil did not start" >&2; cat "$TMP/vigil.log" >&2; exit 1
}
stop_vigil() { kill -TERM "$VPID"; wait "$VPID" || true; VPID=; }

start_auditd() {
	auditd >/dev/null 2>&1 || true
	auditctl -e 1 >/dev/null
	auditctl -a always,exit -F arch=b64 -S execve -k vigilbench >/dev/null
}
stop_auditd() {
	auditctl -D >/dev/null; auditctl -e 0 >/dev/null
	pkill -x auditd || true; sleep 0.5
}

base=() vig=() aud=()
$STORM 500 >/dev/null # warm the page cache
for r in $(seq 1 "$R"); do
	base+=("$($STORM "$N")")
	start_vigil; vig+=("$($STORM "$N")"); stop_vigil
	start_auditd; aud+=("$($STORM "$N")"); stop_auditd
done
mb=$(printf '%s\n' "${base[@]}" | median)
mv=$(printf '%s\n' "${vig[@]}" | median)
ma=$(printf '%s\n' "${aud[@]}" | median)

# CPU at a fixed rate.
start_vigil
ticks() { awk '{print $14 + $15}' "/proc/$VPID/stat"; }
t0=$(ticks)
wall=$($STORM 16000 1600)
t1=$(ticks)
stop_vigil
hz=$(getconf CLK_TCK)
cpu=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v w="$wall" 'BEGIN {printf "%.1f", d / hz / (w / 1000) * 100}')
rate=$(awk -v w="$wall" 'BEGIN {printf "%.0f", 16000 / (w / 1000)}')
h=$(jq -c 'select(.EventID==241)' "$TMP/ev.jsonl" | tail -1)
drops=$(jq '[to_entries[] | select(.key|test("Dropped")) | .value] | add' <<<"$h")
created=$(jq -r '.ProcessCreateEmitted' <<<"$h")

cat <<MD
| setup | $N fork+exec, median of $R (ms) | per exec (µs) | overhead vs none |
|---|---|---|---|
| no sensor | $mb | $(awk -v a="$mb" -v n="$N" 'BEGIN{printf "%.1f", a*1000/n}') | — |
| vigil (collect-all.xml, JSONL) | $mv | $(awk -v a="$mv" -v n="$N" 'BEGIN{printf "%.1f", a*1000/n}') | $(awk -v a="$mv" -v b="$mb" 'BEGIN{printf "%+.1f%%", (a/b-1)*100}') |
| auditd, one execve rule | $ma | $(awk -v a="$ma" -v n="$N" 'BEGIN{printf "%.1f", a*1000/n}') | $(awk -v a="$ma" -v b="$mb" 'BEGIN{printf "%+.1f%%", (a/b-1)*100}') |

vigil at a paced 1,600 exec/s (achieved: $rate/s over $(awk -v w="$wall" 'BEGIN{printf "%.1f", w/1000}') s): $cpu% of one core; ProcessCreate emitted: $created (of 16,000 + helpers); events dropped (kernel + user, all types): $drops.
MD
