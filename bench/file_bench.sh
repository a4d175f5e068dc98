#!/usr/bin/env bash
# file_bench.sh — file storm: no sensor vs vigil (two configs) vs auditd, in one run.
#
# Method: bench/filestorm creates N new files in a temp directory, one after
# another (open O_CREAT|O_EXCL, write 64 bytes, close, unlink), timed with
# CLOCK_MONOTONIC inside the program. R rounds; in each round the four
# setups run back to back, so drift on the host affects them alike. The
# median over rounds is reported, and the overhead as a ratio to the
# no-sensor median of the same rounds.
#   (a) no sensor;
#   (b) vigil with etc/vigil.xml minus FileModify and FileExecutableDetected
#       (every other event type on), JSON lines to a file;
#   (c) vigil with etc/vigil.xml (everything on), JSON lines to a file;
#   (d) Debian's auditd, started here with its log in the temp dir, and one
#       watch on the storm directory: `auditctl -w DIR -p wa`.
# Then, from the last round, what each sensor recorded: vigil's final
# SensorHealth counters, auditd's records tagged with the watch key.
# Needs root. Prints a Markdown section. Cleans up: sensors it started are
# stopped by pid, the watch removed, audit's enabled flag restored.
#
# usage: bench/file_bench.sh        (N=20000 R=7 by default, from the env)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-20000}
R=${R:-7}
VIGIL=build/vigil
STORM=build/bench/filestorm
TMP=$(mktemp -d /tmp/vigil-filebench.XXXXXX)
DIR=$TMP/storm
VPID= APID= AUDIT_WAS= BACKLOG_WAS=

cleanup() {
	stop_pid "$VPID"
	if [ -n "$APID" ]; then
		auditctl -W "$DIR" -p wa -k vigil-filebench >/dev/null 2>&1 || true
		stop_pid "$APID"
	fi
	if [ -n "$AUDIT_WAS" ]; then auditctl -e "$AUDIT_WAS" >/dev/null 2>&1 || true; fi
	if [ -n "$BACKLOG_WAS" ]; then auditctl -b "$BACKLOG_WAS" >/dev/null 2>&1 || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "file_bench.sh: needs root" >&2; exit 77; }
for t in "$VIGIL" "$STORM"; do
	[ -x "$t" ] || make --no-print-directory "$t" >&2
done
mkdir -p "$DIR"

# (b): etc/vigil.xml without the FileModify blocks and the
# FileExecutableDetected element. An event type the config does not name
# is not logged (Sysmon's rule), and the sensor then stops collecting the
# kernel record behind both (VG_FILE_MODIFY).
awk '
	/<FileModify[ >]/ && !/\/>/ { skip = 1 }
	/<FileModify[ >].*\/>/ { next }
	/<FileExecutableDetected[ >]/ { next }
	skip { if (/<\/FileModify>/) skip = 0; next }
	{ print }
' etc/vigil.xml >"$TMP/no-modify.xml"
if grep -q '<\(FileModify\|FileExecutableDetected\)[ >/]' "$TMP/no-modify.xml"; then
	echo "file_bench.sh: could not strip FileModify from etc/vigil.xml" >&2
	exit 70
fi
"$VIGIL" validate "$TMP/no-modify.xml" >/dev/null

start_vigil() { # CFG
	rm -f "$TMP/ev.jsonl"
	"$VIGIL" run --config "$1" --output "jsonl:$TMP/ev.jsonl" --state-dir "$TMP/state" \
		--health-interval 0 --control-socket "$TMP/ctl.sock" 2>"$TMP/vigil.log" &
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

# auditd is started with its own config directory, so its log goes to the
# temp dir and not into /var/log/audit. -n: no fork, so $! is its pid.
AUDIT_OK=1
if [ "$(auditctl -s 2>/dev/null | awk '$1 == "pid" {print $2}')" != "0" ]; then
	AUDIT_OK=0 # another audit daemon is registered: leave it alone
fi
AUDIT_WAS=$(auditctl -s 2>/dev/null | awk '$1 == "enabled" {print $2}')
BACKLOG_WAS=$(auditctl -s 2>/dev/null | awk '$1 == "backlog_limit" {print $2}')
audit_lost() { auditctl -s | awk '$1 == "lost" {print $2}'; }
mkdir -p "$TMP/audit"
# One round writes ~60 MB of log: no rotation within it (Debian rotates at 8 MB).
sed -e "s|^log_file *=.*|log_file = $TMP/audit/audit.log|" \
	-e 's|^log_group *=.*|log_group = root|' \
	-e 's|^max_log_file *=.*|max_log_file = 1024|' /etc/audit/auditd.conf >"$TMP/audit/auditd.conf"
chmod 600 "$TMP/audit/auditd.conf"
start_auditd() {
	auditd -n -c "$TMP/audit" >/dev/null 2>&1 &
	APID=$!
	for _ in $(seq 1 100); do
		[ "$(auditctl -s | awk '$1 == "pid" {print $2}')" = "$APID" ] && break
		sleep 0.05
	done
	# Debian's audit.rules sets -b 8192; the kernel's default (64) would
	# make every traced call wait for auditd (backlog_wait_time).
	auditctl -b 8192 >/dev/null
	auditctl -e 1 >/dev/null
	auditctl -w "$DIR" -p wa -k vigil-filebench >/dev/null
}
stop_auditd() {
	auditctl -W "$DIR" -p wa -k vigil-filebench >/dev/null
	kill -TERM "$APID"
	wait "$APID" || true
	APID=
	auditctl -e "$AUDIT_WAS" >/dev/null
	auditctl -b "$BACKLOG_WAS" >/dev/null
}

health() { jq -c 'select(.EventID==241)' "$TMP/ev.jsonl" | tail -1; }

base=() nomod=() full=() aud=()
$STORM "$DIR" 2000 >/dev/null # warm the dentry and inode caches
for r in $(seq 1 "$R"); do
	base+=("$($STORM "$DIR" "$N")")
	start_vigil "$TMP/no-modify.xml"
	nomod+=("$($STORM "$DIR" "$N")")
	stop_vigil
	h_nomod=$(health)
	start_vigil etc/vigil.xml
	full+=("$($STORM "$DIR" "$N")")
	stop_vigil
	h_full=$(health)
	if [ "$AUDIT_OK" = 1 ]; then
		rm -f "$TMP"/audit/audit.log*
		lost0=$(audit_lost)
		start_auditd
		aud+=("$($STORM "$DIR" "$N")")
		stop_auditd
		alost=$(($(audit_lost) - lost0))
	fi
done
mb=$(printf '%s\n' "${base[@]}" | median)
mn=$(printf '%s\n' "${nomod[@]}" | median)
mf=$(printf '%s\n' "${full[@]}" | median)

per() { awk -v a="$1" -v n="$N" 'BEGIN{printf "%.1f", a*1000/n}'; }
ratio() { awk -v a="$1" -v b="$mb" 'BEGIN{printf "%.2f× (%+.1f%%)", a/b, (a/b-1)*100}'; }
counts() { # HEALTH -> "create/modify/delete emitted, drops"
	jq -r '"\(.FileCreateEmitted) / \(.FileModifyEmitted) / \(.FileDeleteEmitted); dropped \([to_entries[] | select(.key|test("Dropped")) | .value] | add)"' <<<"$1"
}

echo "Method: $N files per run (open O_CREAT|O_EXCL, write 64 B, close, unlink) in a temp"
echo "directory on $(df --output=fstype "$DIR" | tail -1 | tr -d ' '), timed by bench/filestorm (CLOCK_MONOTONIC);"
echo "$R interleaved rounds, median per setup; ratios against the no-sensor median of the same"
echo "rounds. vigil writes JSON lines to a file on the same disk. Host: $(nproc) cores, $(uname -r)."
echo
echo "| setup | $N files, median of $R (ms) | per file (µs) | vs no sensor | recorded in the last round (FileCreate / FileModify / FileDelete) |"
echo "|---|---|---|---|---|"
echo "| (a) no sensor | $mb | $(per "$mb") | 1.00× | — |"
echo "| (b) vigil, etc/vigil.xml minus FileModify/FileExecutableDetected | $mn | $(per "$mn") | $(ratio "$mn") | $(counts "$h_nomod") |"
echo "| (c) vigil, etc/vigil.xml (everything) | $mf | $(per "$mf") | $(ratio "$mf") | $(counts "$h_full") |"
if [ "$AUDIT_OK" = 1 ]; then
	ma=$(printf '%s\n' "${aud[@]}" | median)
	arecs=$(cat "$TMP"/audit/audit.log* | grep -c 'key="vigil-filebench"' || true)
	echo "| (d) auditd, \`auditctl -w DIR -p wa\` | $ma | $(per "$ma") | $(ratio "$ma") | $arecs syscall records with the watch key; $alost lost by the kernel (backlog 8192) |"
else
	echo "| (d) auditd | — | — | — | skipped: another audit daemon is registered |"
fi
echo
echo "Targets: (b) at most +10%; (c) below (d)."
echo "All rounds (ms): none ${base[*]}; (b) ${nomod[*]}; (c) ${full[*]}${aud:+; (d) ${aud[*]}}."
