#!/usr/bin/env bash
# detect_bench.sh — `vigil detect` throughput: HOSTS hosts (default 10) × PER
# events each (default 20,000; synthetic ProcessCreate, NetworkConnect,
# ProcessTerminate, FileCreate and FileDelete from tests/sinks/sinkfeed)
# published through the NATS output into a JetStream stream on a loopback
# nats-server, then read by `vigil detect` with 1 and with 3 workers (a new
# durable each time, the same stream) running the SigmaHQ Linux rules of
# the test fixtures plus rules/sigma (191 rules) and the fleet-wide test
# correlation. The figure is detect's own: messages acked per second from
# the first fetch to the last ack (parse, match, alert writes to a jsonl
# output, acks). Prints Markdown. Not a test; no root needed.
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-10}
PER=${PER:-20000}
BATCH=${BATCH:-256}
make -s all sinks-tools
TMP=$(mktemp -d)
PORT=$((30000 + RANDOM % 20000))
U=nats://127.0.0.1:$PORT
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
nats-server -js -sd "$TMP/js" -a 127.0.0.1 -p "$PORT" >"$TMP/nats.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	(exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break
	sleep 0.1
done
for h in $(seq "$HOSTS"); do
	build/sinks/sinkfeed -n "$PER" -s $((h * 10000000)) -c "host-$h" -d "$TMP/feed$h" -a 60 \
		"$U" >/dev/null
done
N=$((HOSTS * PER))
echo "| workers | events | alerts | events/s |"
echo "|---|---|---|---|"
for w in 1 3; do
	build/vigil detect --from "$U?stream=VIGIL&durable=bench$w&batch=$BATCH" \
		--sigma tests/fixtures/sigmahq/rules/linux --sigma rules/sigma \
		--fleet-sigma tests/fixtures/detect/fleet_spread.yml --workers "$w" \
		--idle-exit 2s --alerts-subject - --output "jsonl:$TMP/alerts$w.jsonl" \
		2>"$TMP/d$w.log"
	line=$(grep 'exit:' "$TMP/d$w.log")
	ev=$(sed -E 's/.* ([0-9]+) events.*/\1/' <<<"$line")
	al=$(sed -E 's/.* ([0-9]+) alerts .*/\1/' <<<"$line")
	rate=$(sed -E 's/.* ([0-9]+) messages\/s.*/\1/' <<<"$line")
	[ "$ev" -eq "$N" ] || { echo "detect read $ev of $N events" >&2; exit 1; }
	echo "| $w | $ev | $al | $rate |"
done
echo
echo "$(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
