#!/usr/bin/env bash
# idle_rate.sh — events per minute the shipped configuration (etc/vigil.xml)
# produces on a host left alone: how much telemetry an idle server costs.
#
# Method: `vigil run --config etc/vigil.xml` writing JSON lines for SECONDS
# (default 180) while the script does nothing; then the rate, and where the
# events came from (per event type, and the images behind most of them), so
# a reader can tell housekeeping from anything else that ran. Not part of
# bench/run-all (it only waits). Needs root. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${SECONDS_RUN:-180}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
t0=$(date +%s)
timeout -s INT "$SECONDS_RUN" build/vigil run --config etc/vigil.xml \
	--output "jsonl:$TMP/ev.jsonl" --state-dir "$TMP/state" --health-interval 60 \
	2>"$TMP/log" || true
t1=$(date +%s)
n=$(wc -l <"$TMP/ev.jsonl")
echo "$n events in $((t1 - t0)) s: $((n * 60 / (t1 - t0))) events/min"
echo
echo '| event | count |'
echo '|---|---:|'
jq -r '.Event' "$TMP/ev.jsonl" | sort | uniq -c | sort -rn | head -12 |
	awk '{ printf "| %s | %s |\n", $2, $1 }'
echo
echo '| image (top 15) | events |'
echo '|---|---:|'
jq -r '.Image // "(sensor)"' "$TMP/ev.jsonl" | sort | uniq -c | sort -rn | head -15 |
	awk '{ printf "| %s | %s |\n", $2, $1 }'
