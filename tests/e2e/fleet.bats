#!/usr/bin/env bats
# End-to-end tests of the federated hunt (issue 17): a nats-server on a
# loopback port of its own, `vigil serve` responders with distinct
# --computer names over stores written by the SQLite output (via
# tests/sinks/sinkfeed), the real sensor answering with --fleet, and
# `vigil hunt --fleet` asking them all: rows with a Computer column,
# --merge, --hosts, per-host caps, and every refusal — unsigned, replayed,
# expired, wrong key, a write — with its reason; `vigil status --fleet`;
# user:password, TLS with a CA the test makes, and a 3-node cluster that
# loses the node a host is on, between queries and during one.

load lib
bats_require_minimum_version 1.5.0

FEED="$BATS_TEST_DIRNAME/../../build/sinks/sinkfeed"

setup_file() {
	# The store writer is a sink test tool: build it when missing.
	if [ ! -x "$FEED" ]; then
		make -s -C "$BATS_TEST_DIRNAME/../.." sinks-tools >&2
	fi
}

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	command -v nats-server >/dev/null || { echo "nats-server missing (scripts/install-deps)" >&2; return 1; }
	T=$BATS_TEST_TMPDIR
	PORT=$((20000 + (RANDOM % 400) * 100 + 17))
	U=nats://127.0.0.1:$PORT
	PIDS=()
	nats-server -a 127.0.0.1 -p "$PORT" "${NATS_ARGS[@]}" >"$T/nats.log" 2>&1 &
	PIDS+=($!)
	retry 50 0.1 port_open "$PORT"
	"$VIGIL" fleet keygen --out "$T/adm" >"$T/keygen.out"
	mkdir -p "$T/keys"
	cp "$T/adm.pub" "$T/keys/"
}

teardown() {
	teardown_sensor
	for p in "${PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
}

# store NAME COMPUTER COUNT: a hunting store of COUNT synthetic records
# (events 1, 3, 5, 11, 23 in turn) written by the SQLite output.
store() {
	"$FEED" -n "$3" -c "$2" -d "$T/feed-$1" "sqlite:$T/$1.db" >/dev/null
}

# serve NAME COMPUTER [options...]: `vigil serve` on $T/NAME.db, waits
# until it listens. Its log is $T/NAME.log, its pid in $T/NAME.pid.
serve() {
	local name=$1 computer=$2
	shift 2
	[ -f "$T/$name.mid" ] || echo "$name-machine-id" >"$T/$name.mid"
	"$VIGIL" serve --db "$T/$name.db" --fleet "${SERVE_URL:-$U}" --fleet-keys "$T/keys" \
		--computer "$computer" --machine-id-file "$T/$name.mid" "$@" 2>"$T/$name.log" &
	PIDS+=($!)
	echo $! >"$T/$name.pid"
	retry 50 0.1 grep -q "fleet: answering" "$T/$name.log" && return 0
	cat "$T/$name.log"
	return 1
}

# both_answered: web-2 and db-1 each logged one answer.
both_answered() {
	[ "$(grep -c 'fleet: answered' "$T/b.log" "$T/c.log" | grep -c ':1$')" = 2 ]
}

# released N: N hosts, of a and b, logged that the asker stopped reading.
released() {
	[ "$(cat "$T/a.log" "$T/b.log" | grep -c 'failed: the asker stopped reading')" -eq "$1" ]
}

three_hosts() {
	store a web-1 500
	store b web-2 250
	store c db-1 100
	serve a web-1
	serve b web-2
	serve c db-1
}

hunt() {
	"$VIGIL" hunt --fleet "$U" --key "$T/adm.key" "$@"
}

@test "fleet keygen: 0600 private, 0644 public, fingerprint, never overwrites" {
	run cat "$T/keygen.out"
	[[ "$output" =~ ^$T/adm.key\ $T/adm.pub\ SHA256:[0-9a-f]{32}$ ]]
	[ "$(stat -c %a "$T/adm.key")" = 600 ]
	[ "$(stat -c %a "$T/adm.pub")" = 644 ]
	grep -q "BEGIN PRIVATE KEY" "$T/adm.key"
	grep -q "BEGIN PUBLIC KEY" "$T/adm.pub"
	run "$VIGIL" fleet keygen --out "$T/adm"
	[ "$status" -eq 73 ]
	[[ "$output" == *"already exists"* ]]
}

@test "fleet hunt: every host's rows with a Computer column, then the summary" {
	three_hosts
	run --separate-stderr hunt --expect 3 --format csv \
		"SELECT EventID, count(*) AS n FROM DeviceProcessEvents GROUP BY EventID ORDER BY EventID"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$output")" = $'Computer,EventID,n\r' ]
	# sinkfeed cycles five events: a fifth of each store is EventID 1, a fifth 5.
	[ "$(sort <<<"$output" | tr -d '\r' | tail -6 | tr '\n' ' ')" = \
		"db-1,1,20 db-1,5,20 web-1,1,100 web-1,5,100 web-2,1,50 web-2,5,50 " ]
	[[ "$stderr" == *"fleet: 3 answered, 0 refused, 0 failed, 0 truncated, 0 unfinished; 6 rows in "* ]]
	# json too, Computer first.
	run --separate-stderr hunt --expect 1 --format json --hosts db-1 "SELECT count(*) AS n FROM DeviceFileEvents"
	echo "$output"
	[ "$output" = $'[\n{"Computer":"db-1","n":40}\n]' ]
}

@test "fleet hunt --merge: SQL over every host's answer (distinct hosts per value)" {
	three_hosts
	run --separate-stderr hunt --expect 3 --format csv \
		--merge "SELECT Image, count(DISTINCT Computer) AS hosts, sum(n) AS total FROM results GROUP BY Image ORDER BY Image" \
		"SELECT Image, count(*) AS n FROM DeviceProcessEvents GROUP BY Image"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$output")" = $'Image,hosts,total\r' ]
	# Every row is one Image seen on all 3 hosts; totals add up to 340.
	[ "$(tail -n +2 <<<"$output" | cut -d, -f2 | sort -u | tr -d '\r')" = 3 ]
	[ "$(tail -n +2 <<<"$output" | cut -d, -f3 | tr -d '\r' | awk '{ s += $1 } END { print s }')" = 340 ]
	run --separate-stderr hunt --expect 3 --merge "SELECT nonsense FROM results" "SELECT 1"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"--merge: no such column: nonsense"* ]]
}

@test "fleet hunt --hosts GLOB: only matching hosts answer" {
	three_hosts
	run --separate-stderr hunt --hosts 'web-*' --timeout 1s --format csv \
		"SELECT count(*) AS n FROM DeviceNetworkEvents"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(tail -n +2 <<<"$output" | sort | tr -d '\r' | tr '\n' ' ')" = "web-1,100 web-2,50 " ]
	[[ "$stderr" == *"fleet: 2 answered, 0 refused"* ]]
	! grep -q "answered a query" "$T/c.log"
}

@test "fleet: unsigned, replayed, expired, future and wrong-key queries are refused with the reason, counted and logged with the key" {
	three_hosts
	run --separate-stderr hunt --expect 3 --save-request "$T/req" "SELECT 1 AS one"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"3 answered"* ]]
	# The same bytes again: replayed.
	run --separate-stderr "$VIGIL" hunt --fleet "$U" --send-raw "$T/req" --expect 3 x
	echo "$stderr"
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"0 answered, 3 refused"* ]]
	[ "$(grep -c ': refused (replayed)' <<<"$stderr")" -eq 3 ]
	# Without its signature line: unsigned.
	head -1 "$T/req" >"$T/unsigned"
	run --separate-stderr "$VIGIL" hunt --fleet "$U" --send-raw "$T/unsigned" --expect 3 x
	[ "$(grep -c ': refused (unsigned)' <<<"$stderr")" -eq 3 ]
	# Another SQL under the same signature: bad signature.
	sed 's/SELECT 1 AS one/SELECT 2 AS one/' "$T/req" >"$T/tampered"
	run --separate-stderr "$VIGIL" hunt --fleet "$U" --send-raw "$T/tampered" --expect 3 x
	[ "$(grep -c ': refused (bad signature)' <<<"$stderr")" -eq 3 ]
	# 61 s old, 61 s ahead: expired.
	run --separate-stderr hunt --ts-offset-ms -61000 --expect 3 "SELECT 1"
	[ "$(grep -c ': refused (expired)' <<<"$stderr")" -eq 3 ]
	run --separate-stderr hunt --ts-offset-ms 61000 --expect 3 "SELECT 1"
	[ "$(grep -c ': refused (expired)' <<<"$stderr")" -eq 3 ]
	# A key no host trusts.
	"$VIGIL" fleet keygen --out "$T/intruder" >"$T/intruder.out"
	fpr=$(cut -d' ' -f3 "$T/intruder.out")
	run --separate-stderr "$VIGIL" hunt --fleet "$U" --key "$T/intruder.key" --expect 3 "SELECT 1"
	[ "$status" -eq 69 ]
	[ "$(grep -c ': refused (unknown key)' <<<"$stderr")" -eq 3 ]
	# Logged with the fingerprint; counted at exit.
	grep -q "refused a query (unknown key), key $fpr" "$T/a.log"
	grep -q "refused a query (replayed), key SHA256:" "$T/a.log"
	kill -TERM "$(cat "$T/a.pid")"
	wait "$(cat "$T/a.pid")"
	grep -q "answered 1 refused 6 failed 0" "$T/a.log"
}

@test "fleet: writes, ATTACH, PRAGMA and load_extension are refused by the authorizer; the store is unchanged" {
	three_hosts
	for sql in "DELETE FROM DeviceProcessEvents" "ATTACH DATABASE '$T/x.db' AS x" \
		"PRAGMA writable_schema = 1" "SELECT load_extension('/nonexistent.so')" \
		"UPDATE DeviceProcessEvents SET Image = 'x'"; do
		run --separate-stderr hunt --expect 3 "$sql"
		echo "$stderr"
		[ "$status" -eq 69 ]
		[ "$(grep -c ': refused (not a read: refused by the authorizer)' <<<"$stderr")" -eq 3 ]
	done
	[ ! -e "$T/x.db" ]
	[ "$(sqlite3 "$T/a.db" 'SELECT count(*) FROM DeviceProcessEvents')" = 200 ]
}

@test "fleet: caps truncate and say so; the time limit stops a runaway query; a stopped host is reported missing, by name with a roster" {
	three_hosts
	run --separate-stderr hunt --expect 3 --max-rows 7 --format csv "SELECT SequenceNumber FROM DeviceProcessEvents"
	echo "$stderr"
	[ "$(grep -c '^web-1,' <<<"$output")" -eq 7 ]
	[ "$(grep -c '^db-1,' <<<"$output")" -eq 7 ]
	[[ "$stderr" == *"3 answered, 0 refused, 0 failed, 3 truncated"* ]]
	[[ "$stderr" == *"web-1: ok, truncated (cut at 7 rows / 4194304 bytes)"* ]]
	run --separate-stderr hunt --expect 3 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
	echo "$stderr"
	[ "$(grep -c 'failed, truncated (time limit (2000 ms) reached)' <<<"$stderr")" -eq 3 ]
	# A host that does not answer: with --expect the summary says so.
	kill -STOP "$(cat "$T/b.pid")"
	run --separate-stderr hunt --expect 3 --timeout 1s "SELECT 1"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"2 answered"* ]]
	[[ "$stderr" == *"1 of 3 expected hosts did not answer in time"* ]]
	# With a roster the missing hosts are named: web-2 (stopped) and one that never ran.
	printf '# the fleet\nweb-1\nweb-2\n\ndb-1  # the database\nghost-9\n' >"$T/roster"
	run --separate-stderr hunt --roster "$T/roster" --timeout 1s "SELECT 1"
	echo "$stderr"
	[[ "$stderr" == *"2 answered, 0 refused, 0 failed, 0 truncated, 0 unfinished, 2 timed out of 4 on the roster;"* ]]
	[[ "$stderr" == *"  web-2: timed out"* ]]
	[[ "$stderr" == *"  ghost-9: timed out"* ]]
	run --separate-stderr hunt --roster "$T/roster" --hosts 'db-*' --timeout 3s "SELECT 1"
	echo "$stderr"
	[[ "$stderr" == *"1 answered, 0 refused, 0 failed, 0 truncated, 0 unfinished, 0 timed out of 1 on the roster;"* ]]
	kill -CONT "$(cat "$T/b.pid")"
}

@test "fleet: big answers flow on credit, every row arrives; a client that stops reading releases the hosts at once" {
	store a web-1 5000
	store b web-2 5000
	serve a web-1
	serve b web-2
	# 2,000 whole rows a host (EventIDs 1 and 5 of 5,000), far past the
	# 16 KB an answer may send unasked: the rest flows chunk by chunk on
	# the client's credit.
	run --separate-stderr hunt --expect 2 --format csv --max-rows 100000 --max-bytes 64M \
		"SELECT * FROM DeviceProcessEvents"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"2 answered, 0 refused, 0 failed, 0 truncated, 0 unfinished; 4000 rows in "* ]]
	[ "$(grep -c '^web-1,' <<<"$output")" -eq 2000 ]
	[ "$(grep -c '^web-2,' <<<"$output")" -eq 2000 ]
	grep -Eq 'answered a query by key SHA256:[0-9a-f]{32}: 2000 rows in [0-9]+ chunks, [1-9][0-9]* after credit$' "$T/a.log"
	# A small answer needs no credit.
	run --separate-stderr hunt --expect 2 "SELECT count(*) FROM DeviceProcessEvents"
	grep -q 'answered a query by key .*: 1 rows in 1 chunks, 0 after credit$' "$T/b.log"
	# The client stops after the first whole answer (--expect 1, a tiny
	# store): the hosts still sending are told so, and stop long before
	# their credit wait (15 s) would have ended.
	store c db-1 5
	serve c db-1
	hunt --expect 1 --max-rows 100000 --max-bytes 64M --format csv \
		"SELECT *, hex(randomblob(1000)) FROM DeviceProcessEvents, (SELECT 1 UNION SELECT 2)" >/dev/null 2>&1 || true
	retry 80 0.1 released 2 || true
	cat "$T/a.log" "$T/b.log"
	released 2
	# Both are free for the next query at once.
	run --separate-stderr hunt --expect 3 --timeout 5s "SELECT 1"
	echo "$stderr"
	[[ "$stderr" == *"3 answered"* ]]
}

@test "fleet: an asker killed before a host first waits for credit: the server tells the host at once" {
	store a web-1 5000
	serve a web-1
	# The query counts to 3,000,000 before its first row, so the asker is
	# gone (SIGKILL: it cannot say "0") before the host sends anything;
	# the host's first credit wait then meets no one, and the server's
	# "no responders" ends the answer long before the 15 s wait would.
	"$VIGIL" hunt --fleet "$U" --key "$T/adm.key" --expect 1 --max-rows 100000 \
		--max-bytes 64M --format csv "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)
		 SELECT (SELECT count(*) FROM c), *, hex(randomblob(1000)) FROM DeviceProcessEvents" \
		>/dev/null 2>&1 &
	asker=$!
	sleep 0.3
	kill -KILL "$asker"
	wait "$asker" || true
	retry 80 0.1 grep -q 'failed: the asker stopped reading' "$T/a.log" || true
	cat "$T/a.log"
	grep -q 'failed: the asker stopped reading' "$T/a.log"
}

@test "fleet: two hosts with one machine-id are reported as cloned" {
	store a web-1 50
	store b web-2 50
	echo same-id >"$T/a.mid"
	echo same-id >"$T/b.mid"
	serve a web-1
	serve b web-2
	run --separate-stderr hunt --expect 2 "SELECT 1"
	echo "$stderr"
	[[ "$stderr" == *"same machine-id on hosts web-"*", web-"*": cloned?"* ]]
}

@test "fleet: the real sensor answers hunts and status --fleet from its SQLite output and live counters, as its --computer" {
	start_sensor --output "sqlite:$T/sensor.db" --computer sensor-7 --fleet "$U" --fleet-keys "$T/keys"
	/usr/bin/true vigil-fleet-marker
	store a web-1 50
	serve a web-1
	for _ in $(seq 50); do
		run --separate-stderr hunt --expect 2 --format csv \
			"SELECT Image FROM DeviceProcessEvents WHERE EventID = 1 AND CommandLine = '/usr/bin/true vigil-fleet-marker'"
		[[ "$output" == *"sensor-7,/usr/bin/true"* ]] && break
		sleep 0.2
	done
	echo "$output"
	echo "$stderr"
	[[ "$output" == *$'sensor-7,/usr/bin/true\r'* ]]
	[[ "$stderr" == *"2 answered"* ]]
	grep -q "fleet: answering vigil.fleet.default.hunt" "$BATS_TEST_TMPDIR/sensor.log"
	# vigil status --fleet: one row per host, the sensor's from its live counters.
	run --separate-stderr "$VIGIL" status --fleet "$U" --key "$T/adm.key" --expect 2 --format csv
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$output")" = $'Computer,Role,Version,Kernel,UptimeS,ConfigSha256,EventsPerSec,Drops,OutputBacklog,Unavailable\r' ]
	kernel=$(uname -r)
	version=$(cat "$BATS_TEST_DIRNAME/../../VERSION")
	grep -q "^web-1,serve,$version,$kernel,[0-9]*,,,,,"$'\r$' <<<"$output"
	line=$(grep "^sensor-7,sensor,$version,$kernel," <<<"$output")
	# EventsPerSec is positive: the sensor saw this test's processes.
	[[ "$(cut -d, -f7 <<<"$line")" =~ ^[0-9]+\.[0-9]$ ]]
	[ "$(cut -d, -f7 <<<"$line")" != 0.0 ]
	[[ "$stderr" == *"2 answered"* ]]
	stop_sensor
}

@test "fleet: user:password in the URL, hidden in every message; --fleet-name picks the subject" {
	kill -TERM "${PIDS[0]}"
	wait "${PIDS[0]}" || true
	PIDS=()
	nats-server -a 127.0.0.1 -p "$PORT" --user fleet --pass s3cret-pw >"$T/nats.log" 2>&1 &
	PIDS+=($!)
	retry 50 0.1 port_open "$PORT"
	store a web-1 50
	SERVE_URL="nats://fleet:s3cret-pw@127.0.0.1:$PORT" serve a web-1 --fleet-name blue
	grep -q "answering vigil.fleet.blue.hunt at nats://fleet:\*\*\*@127.0.0.1:$PORT" "$T/a.log"
	run --separate-stderr "$VIGIL" hunt --fleet "nats://fleet:s3cret-pw@127.0.0.1:$PORT" \
		--fleet-name blue --key "$T/adm.key" --expect 1 --format csv "SELECT 42 AS x"
	[ "$status" -eq 0 ]
	[ "$(tail -1 <<<"$output")" = $'web-1,42\r' ]
	# Another fleet's name reaches nobody; a wrong password is refused by the server.
	run --separate-stderr "$VIGIL" hunt --fleet "nats://fleet:s3cret-pw@127.0.0.1:$PORT" \
		--key "$T/adm.key" --timeout 500ms "SELECT 1"
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"0 answered"* ]]
	run --separate-stderr "$VIGIL" hunt --fleet "nats://fleet:wrong@127.0.0.1:$PORT" \
		--key "$T/adm.key" --timeout 500ms "SELECT 1"
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"nats://fleet:***@127.0.0.1:$PORT"* ]]
	! grep -rq "s3cret-pw\|wrong" <<<"$stderr" "$T/a.log"
}

@test "fleet: TLS with a CA made by the test (tls_ca=); a client without it is refused" {
	kill -TERM "${PIDS[0]}"
	wait "${PIDS[0]}" || true
	PIDS=()
	# A throwaway CA and a server certificate for 127.0.0.1.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
		-out "$T/ca.pem" -days 1 -subj /CN=vigil-test-ca 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/srv.key" \
		-out "$T/srv.csr" -subj /CN=127.0.0.1 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$T/ext"
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/srv.pem" -days 1 -extfile "$T/ext" 2>/dev/null
	nats-server -a 127.0.0.1 -p "$PORT" --tls --tlscert "$T/srv.pem" --tlskey "$T/srv.key" \
		>"$T/nats.log" 2>&1 &
	PIDS+=($!)
	retry 50 0.1 port_open "$PORT"
	store a web-1 50
	SERVE_URL="$U?tls_ca=$T/ca.pem" serve a web-1
	run --separate-stderr "$VIGIL" hunt --fleet "$U?tls_ca=$T/ca.pem" --key "$T/adm.key" \
		--expect 1 --format csv "SELECT 7 AS x"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(tail -1 <<<"$output")" = $'web-1,7\r' ]
	# Without the CA (plain text, or another CA) the server is not reached.
	run --separate-stderr "$VIGIL" hunt --fleet "$U" --key "$T/adm.key" --timeout 500ms "SELECT 1"
	[ "$status" -eq 69 ]
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/o.key" \
		-out "$T/other-ca.pem" -days 1 -subj /CN=other 2>/dev/null
	run --separate-stderr "$VIGIL" hunt --fleet "$U?tls_ca=$T/other-ca.pem" --key "$T/adm.key" \
		--timeout 500ms "SELECT 1"
	echo "$stderr"
	[ "$status" -eq 69 ]
	[[ "$stderr" != *"web-1"* ]]
}

# routed N: cluster node N logged routes to two other nodes.
routed() {
	[ "$(grep -c 'Route connection created' "$T/c$1.log")" -ge 2 ]
}

# all_three QUERY...: `vigil hunt --expect 3` on nodes 2 and 3 until all
# three hosts answer (a host's interest reaches the other nodes over the
# routes a moment after it subscribed), at most 40 tries; $output and
# $stderr are the last try's.
all_three() {
	local i
	for i in $(seq 40); do
		run --separate-stderr "$VIGIL" hunt --fleet "$all" --key "$T/adm.key" --expect 3 \
			--timeout 1s --format csv "$@"
		[[ "$stderr" == *"3 answered"* ]] && return 0
		sleep 0.25
	done
	echo "$output"
	echo "$stderr"
	return 1
}

# cluster3: the test's single server replaced by a 3-node cluster (ports
# PORT+1..3, routes PORT+11..13), pids in $T/cN.pid; then three stores of
# 50 records, web-1 served on node 1, web-2 on node 2, db-1 on node 3 (each
# given one node; the cluster tells it about the others).
cluster3() {
	kill -TERM "${PIDS[0]}"
	wait "${PIDS[0]}" || true
	PIDS=()
	local r="--cluster_name vf --routes nats://127.0.0.1:$((PORT + 11)),nats://127.0.0.1:$((PORT + 12)),nats://127.0.0.1:$((PORT + 13))"
	for n in 1 2 3; do
		# shellcheck disable=SC2086
		nats-server -a 127.0.0.1 -p $((PORT + n)) -n "c$n" --cluster nats://127.0.0.1:$((PORT + 10 + n)) $r \
			>"$T/c$n.log" 2>&1 &
		PIDS+=($!)
		echo $! >"$T/c$n.pid"
	done
	for n in 1 2 3; do
		retry 50 0.1 port_open $((PORT + n))
	done
	# Each node routed to both others before any host connects, so each
	# host's first INFO already lists the nodes it may move to.
	for n in 1 2 3; do
		retry 100 0.1 routed "$n" || {
			cat "$T/c$n.log"
			return 1
		}
	done
	store a web-1 50
	store b web-2 50
	store c db-1 50
	SERVE_URL=nats://127.0.0.1:$((PORT + 1)) serve a web-1
	SERVE_URL=nats://127.0.0.1:$((PORT + 2)) serve b web-2
	SERVE_URL=nats://127.0.0.1:$((PORT + 3)) serve c db-1
}

@test "fleet: 3-node NATS cluster, the node a host is on killed: it moves to another and answers again" {
	cluster3
	all="nats://127.0.0.1:$((PORT + 2)),127.0.0.1:$((PORT + 3))"
	all_three "SELECT 1"
	kill -9 "$(cat "$T/c1.pid")"
	# web-1 says it lost node 1 and which node it moved to: one it knows
	# only from the cluster, since its --fleet names node 1 alone.
	retry 100 0.1 grep -q 'fleet: reconnected to' "$T/a.log" || {
		cat "$T/a.log"
		return 1
	}
	grep -q 'fleet: lost the NATS server; reconnecting' "$T/a.log"
	grep -Eq "fleet: reconnected to nats://127.0.0.1:($((PORT + 2))|$((PORT + 3)))\$" "$T/a.log"
	all_three "SELECT count(*) AS n FROM DeviceProcessEvents"
	echo "$output"
	grep -q '^web-1,20' <<<"$output"
	# Only web-1's node died: the others neither lost nor moved.
	! grep -q 'fleet: lost' "$T/b.log" "$T/c.log"
}

@test "fleet: a cluster node killed during a query: the host on it is asked again, the query answered whole" {
	cluster3
	printf 'web-1\nweb-2\ndb-1\n' >"$T/roster"
	all="nats://127.0.0.1:$((PORT + 2)),127.0.0.1:$((PORT + 3))"
	# Node 1 frozen: the query reaches web-2 and db-1 but sits in node 1's
	# socket, never delivered to web-1. Then node 1 dies with it, mid-query.
	kill -STOP "$(cat "$T/c1.pid")"
	"$VIGIL" hunt --fleet "$all" --key "$T/adm.key" --roster "$T/roster" --timeout 20s \
		--retry 1s --format csv "SELECT count(*) AS n FROM DeviceProcessEvents" \
		>"$T/hunt.out" 2>"$T/hunt.err" &
	local hp=$!
	retry 50 0.1 both_answered || true
	kill -0 "$hp" # still waiting for web-1
	kill -9 "$(cat "$T/c1.pid")"
	wait "$hp"
	cat "$T/hunt.out" "$T/hunt.err"
	[[ "$(cat "$T/hunt.err")" == *"fleet: 3 answered, 0 refused, 0 failed, 0 truncated, 0 unfinished, 0 timed out of 3 on the roster; 3 rows in "* ]]
	[ "$(tail -n +2 "$T/hunt.out" | tr -d '\r' | sort | tr '\n' ' ')" = "db-1,20 web-1,20 web-2,20 " ]
	# web-1 answered a retry; web-2 and db-1, skipped by it, answered once.
	grep -Eq '[(][2-8] requests[)]' "$T/hunt.err"
	[ "$(grep -c 'fleet: answered' "$T/a.log")" = 1 ]
	[ "$(grep -c 'fleet: answered' "$T/b.log")" = 1 ]
	[ "$(grep -c 'fleet: answered' "$T/c.log")" = 1 ]
}

@test "fleet: bad --fleet settings are refused before anything starts (64, 66, 78)" {
	run "$VIGIL" run --output "jsonl:$T/x.jsonl" --fleet "$U" --fleet-keys "$T/keys"
	[ "$status" -eq 64 ]
	[[ "$output" == *"--fleet answers from a SQLite store"* ]]
	run "$VIGIL" run --fleet-keys "$T/keys"
	[ "$status" -eq 64 ]
	run "$VIGIL" run --fleet "$U" --fleet-keys "$T/nonexistent"
	[ "$status" -eq 78 ]
	[[ "$output" == *"--fleet-keys $T/nonexistent: No such file or directory"* ]]
	run "$VIGIL" serve --db "$T/none.db" --fleet "$U" --fleet-keys "$T/keys"
	[ "$status" -eq 66 ]
	run "$VIGIL" serve --db "$T/adm.pub" --fleet "nats://u:pw-x@h" --fleet-keys "$T/keys"
	[ "$status" -eq 64 ]
	[[ "$output" == *"nats://u:***@h"* ]]
	[[ "$output" != *"pw-x"* ]]
	run "$VIGIL" serve --db "$T/adm.pub" --fleet "$U" --fleet-keys "$T/adm.key"
	[ "$status" -eq 78 ]
	[[ "$output" == *"no PEM public key"* ]]
	run "$VIGIL" hunt --fleet "$U" --key "$T/adm.pub" "SELECT 1"
	[ "$status" -eq 66 ]
	run "$VIGIL" hunt --fleet "$U" --key "$T/adm.key" --fleet-name 'a.b' "SELECT 1"
	[ "$status" -eq 64 ]
}
