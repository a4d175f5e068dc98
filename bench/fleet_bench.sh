#!/usr/bin/env bash
# fleet_bench.sh — federated hunt latency and client memory: HOSTS `vigil
# serve` responders (default 100) on one loopback nats-server, each over a
# ROWS-record hunting store (default 100,000, written by the SQLite output
# via tests/sinks/sinkfeed), asked HUNTS times (default 30) by
# `vigil hunt --fleet --expect HOSTS`.
#
# Latency is the asker's own figure: publish to the last host's final
# status ("in N ms" of its summary). Queries: an aggregate (a few rows per
# host), 100 rows per host, and a --merge over 1,000 rows per host (whose
# client peak RSS is measured with /usr/bin/time). All responders read one
# store file (read-only): the page cache is shared, so this measures the
# fleet path — NATS, signing and checking, the answer framing, the merge —
# more than per-host disk reads. Needs root (nothing else); prints Markdown.
#
# Every responder runs with --time-limit 30000. The default limit (2 s of
# wall time per query) protects a real host, which runs one query on its own
# CPUs; here HOSTS responders share this machine's cores, so with 1,000 of
# them a query's wall time is mostly waiting for a core and the default
# would truncate hosts that did nothing wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-100}
ROWS=${ROWS:-100000}
HUNTS=${HUNTS:-30}
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
nats-server -a 127.0.0.1 -p "$PORT" >"$TMP/nats.log" 2>&1 &
PIDS+=($!)
build/sinks/sinkfeed -n "$ROWS" -c base -d "$TMP/feed" "sqlite:$TMP/store.db" >/dev/null
build/vigil fleet keygen --out "$TMP/k" >/dev/null
for i in $(seq "$HOSTS"); do
	echo "bench-machine-$i" >"$TMP/m$i"
	build/vigil serve --db "$TMP/store.db" --fleet "$U" --fleet-keys "$TMP/k.pub" \
		--time-limit 30000 --computer "host-$i" --machine-id-file "$TMP/m$i" 2>"$TMP/s$i.log" &
	PIDS+=($!)
done
for i in $(seq "$HOSTS"); do
	until grep -q "fleet: answering" "$TMP/s$i.log"; do sleep 0.05; done
done
rss=$(ps -o rss= -p "${PIDS[1]}")

# measure NAME SQL [hunt options...]: HUNTS runs, p50/p99 of "in N ms".
measure() {
	local name=$1 sql=$2
	shift 2
	for _ in $(seq "$HUNTS"); do
		build/vigil hunt --fleet "$U" --key "$TMP/k.key" --expect "$HOSTS" --timeout 30s \
			--format csv "$@" "$sql" 2>&1 >/dev/null | sed -n 's/^fleet: \([0-9]*\) answered.* \([0-9]*\) rows in \([0-9]*\) ms.*$/\1 \2 \3/p'
	done | sort -k3 -n | awk -v name="$name" -v hosts="$HOSTS" '
		{ a[NR] = $3; ans += $1; rows = $2 }
		END {
			p50 = a[int((NR - 1) * 0.5) + 1]; p99 = a[int((NR - 1) * 0.99) + 1]
			printf "| %s | %d | %d | %d | %d |\n", name, ans / NR, rows, p50, p99
		}'
}
echo "$HOSTS responders, $ROWS records each, $HUNTS hunts per query; one responder's RSS: $rss KiB."
echo
echo '| query | hosts answered (mean) | rows | p50 ms | p99 ms |'
echo '|---|---:|---:|---:|---:|'
measure "count per EventID" "SELECT EventID, count(*) AS n FROM DeviceProcessEvents GROUP BY EventID"
measure "100 rows per host" "SELECT Image, CommandLine, ProcessGuid FROM DeviceProcessEvents LIMIT 100"
echo
# /usr/bin/time's line is the last of the command's stderr.
/usr/bin/time -f "%M" build/vigil hunt --fleet "$U" --key "$TMP/k.key" --expect "$HOSTS" \
	--timeout 30s --merge "SELECT count(DISTINCT Computer), count(*) FROM results" \
	"SELECT Image, CommandLine, ProcessGuid, Hashes FROM DeviceProcessEvents LIMIT 1000" \
	>/dev/null 2>"$TMP/merge.err"
echo "Client peak RSS for a --merge over $((HOSTS * 1000)) rows (1,000 per host, 4 columns): $(tail -1 "$TMP/merge.err") KiB."
echo
grep '^fleet:' "$TMP/merge.err" | sed 's/^/    /'
