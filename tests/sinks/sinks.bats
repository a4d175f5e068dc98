#!/usr/bin/env bats
# Sink integration tests against real servers that the tests start
# themselves on loopback ports: nats-server (single node and a 3-node
# JetStream cluster), UDP/TCP syslog collectors (syslogrecv, which parses
# each message with libxml2), and the SQLite store read by `vigil hunt`.
# Records come from build/sinks/sinkfeed, which drives one sink with
# synthetic records; build/sinks/natscheck reads a stream back and checks
# every Nats-Msg-Id is there exactly once.

B=${B:-build}
FEED=$B/sinks/sinkfeed
CHECK=$B/sinks/natscheck
RECV=$B/sinks/syslogrecv
VIGIL=$B/vigil

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	T=$BATS_TEST_TMPDIR
	# A port block of our own, so parallel runs on the host don't collide.
	BASE=$((20000 + (RANDOM % 400) * 100))
	PIDS=()
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
}

# start_nats NAME PORT [extra args...]: starts nats-server with JetStream and
# a store under $T/NAME; its pid goes into $T/NAME.pid.
start_nats() {
	local name=$1 port=$2
	shift 2
	nats-server -js -sd "$T/$name" -a 127.0.0.1 -p "$port" -n "$name" "$@" \
		>"$T/$name.log" 2>&1 &
	echo $! >"$T/$name.pid"
	PIDS+=($!)
	for _ in $(seq 50); do
		if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	cat "$T/$name.log"
	return 1
}

kill_nats() {
	kill -9 "$(cat "$T/$1.pid")"
	wait "$(cat "$T/$1.pid")" 2>/dev/null || true
}

@test "nats: 10,000 records cross exactly once" {
	start_nats n1 $BASE
	run $FEED -n 10000 -c h1 -d "$T" -a 60 "nats://127.0.0.1:$BASE?stream=S1&subject=s1.ev"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"written 10000 dropped 0 acked 10000"* ]]
	run $CHECK nats://127.0.0.1:$BASE S1 h1 1 10000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "msgs 10000 last_seq 10000 missing 0 duplicates 0"* ]]
}

@test "nats: server killed mid-burst and restarted: all 10,000 exactly once" {
	start_nats n1 $BASE
	$FEED -n 10000 -c h2 -r 2500 -d "$T" -a 90 \
		"nats://127.0.0.1:$BASE?stream=S2&subject=s2.ev&ack_wait=2s" >"$T/feed.out" 2>&1 &
	feed=$!
	sleep 1.5
	kill_nats n1
	sleep 2
	start_nats n1 $BASE
	wait $feed
	cat "$T/feed.out"
	grep -q "spooled [1-9]" "$T/feed.out"
	run $CHECK nats://127.0.0.1:$BASE S2 h2 1 10000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "msgs 10000 last_seq 10000 missing 0 duplicates 0"* ]]
}

@test "nats: unreachable at start, sink stopped with a full spool, next sink replays: exactly once" {
	spec="nats://127.0.0.1:$BASE?stream=S3&subject=s3.ev"
	# No server yet: the sink warns, spools, and closes with records on disk.
	run $FEED -n 6000 -c h3 -d "$T" "$spec"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"unreachable"* ]]
	[[ "$output" == *"in 6000 written 0 dropped 0 acked 0 spooled 6000"* ]]
	[ -n "$(find "$T/spool/nats-S3" -name '*.seg' -size +1k)" ]
	start_nats n1 $BASE
	# A new sink replays the old spool first, then its own records.
	run $FEED -n 4000 -s 6001 -c h3 -d "$T" -a 60 -t 10000 "$spec"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"replaying"* ]]
	[[ "$output" == *"replayed 10000 "* ]] # the old 6000, then its own 4000
	run $CHECK nats://127.0.0.1:$BASE S3 h3 1 10000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "msgs 10000 last_seq 10000 missing 0 duplicates 0"* ]]
	# Everything acknowledged: no segment holds data any more.
	[ -z "$(find "$T/spool/nats-S3" -name '*.seg' -size +0)" ]
}

@test "nats: a full spool drops and counts, never crashes" {
	run $FEED -n 5000 -c h4 -d "$T" "nats://127.0.0.1:$BASE?stream=S4&subject=s4.ev&spool_max=64k"
	echo "$output"
	[ "$status" -eq 0 ]
	dropped=$(sed -n 's/.*dropped \([0-9]*\).*/\1/p' <<<"$output" | tail -1)
	spooled=$(sed -n 's/.*spooled \([0-9]*\).*/\1/p' <<<"$output" | tail -1)
	[ "$dropped" -gt 0 ]
	[ "$spooled" -gt 0 ]
	[ $((dropped + spooled)) -eq 5000 ]
	[[ "$output" == *"in 5000 written 0 dropped $dropped"* ]]
	[ "$(du -sk "$T/spool/nats-S4" | cut -f1)" -le 80 ]
}

@test "nats: 3-node cluster, 3-replica stream, a node killed mid-burst: nothing lost" {
	r="--cluster_name vc --routes nats://127.0.0.1:$((BASE + 11)),nats://127.0.0.1:$((BASE + 12)),nats://127.0.0.1:$((BASE + 13))"
	start_nats c1 $((BASE + 1)) --cluster nats://127.0.0.1:$((BASE + 11)) $r
	start_nats c2 $((BASE + 2)) --cluster nats://127.0.0.1:$((BASE + 12)) $r
	start_nats c3 $((BASE + 3)) --cluster nats://127.0.0.1:$((BASE + 13)) $r
	spec="nats://127.0.0.1:$((BASE + 1)),127.0.0.1:$((BASE + 2)),127.0.0.1:$((BASE + 3))?stream=S5&subject=s5.ev&replicas=3&ack_wait=2s"
	$FEED -n 10000 -c h5 -r 2000 -d "$T" -a 120 "$spec" >"$T/feed.out" 2>&1 &
	feed=$!
	sleep 3
	kill_nats c1
	wait $feed
	st=$?
	cat "$T/feed.out"
	[ "$st" -eq 0 ]
	run $CHECK nats://127.0.0.1:$((BASE + 2)) S5 h5 1 10000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"missing 0 duplicates 0"* ]]
}

@test "syslog: UDP collector gets RFC 5424 + Sysmon XML (sysmon mode)" {
	$RECV udp $BASE 2000 30 >"$T/recv.out" &
	recv=$!
	PIDS+=($recv)
	sleep 0.3
	run $FEED -n 2000 -r 5000 -c h6 -d "$T" "syslog:udp://127.0.0.1:$BASE"
	echo "$output"
	[ "$status" -eq 0 ]
	wait $recv
	cat "$T/recv.out"
	grep -q "received 2000 valid 2000 unique 2000 app sysmon provider Linux-Sysmon" "$T/recv.out"
}

@test "syslog: TCP octet-counted, vigil mode, collector starting late (reconnect)" {
	$FEED -n 5000 -r 2500 -c h7 -d "$T" "syslog:tcp://127.0.0.1:$BASE?mode=vigil" >"$T/feed.out" 2>&1 &
	feed=$!
	sleep 0.7 # the sink is retrying with backoff by now
	run $RECV tcp $BASE 5000 30
	echo "$output"
	wait $feed
	cat "$T/feed.out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"received 5000 valid 5000 unique 5000 app vigil provider vigil"* ]]
}

@test "sqlite + hunt: rows queryable while written; table/json/csv; bad SQL is EX_DATAERR" {
	db=$T/vigil.db
	run $FEED -n 5000 -c h8 -d "$T" "sqlite:$db"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$db")" = 600 ]
	run $VIGIL hunt --db "$db" --format csv "SELECT count(*) AS n FROM DeviceProcessEvents"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = $'2000\r' ] # events 1 and 5 of every 5
	run $VIGIL hunt --db "$db" --format json "SELECT EventID, Image, DestinationPort FROM DeviceNetworkEvents ORDER BY SequenceNumber LIMIT 2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" = 2 ]
	[ "$(jq '.[0].DestinationPort' <<<"$output")" = 443 ]
	run $VIGIL hunt --db "$db" "SELECT Event, count(*) FROM DeviceFileEvents GROUP BY Event ORDER BY Event"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Event"*"count(*)" ]]
	[[ "${lines[2]}" == "FileCreate  "*"1000" ]]
	# CSV quoting (RFC 4180): the command lines hold quotes, '<' and '&'.
	run $VIGIL hunt --db "$db" --format csv "SELECT CommandLine || ',' FROM DeviceProcessEvents WHERE EventID = 1 ORDER BY SequenceNumber LIMIT 1"
	want="\"bash -c 'echo 5 > /tmp/x && cat <a & b>',\""
	[ "${lines[1]}" = "$want"$'\r' ]
	run $VIGIL hunt --db "$db" --format csv "SELECT 'say \"hi\"' AS q"
	[ "${lines[1]}" = $'"say ""hi"""\r' ]
	run $VIGIL hunt --db "$db" "SELEKT * FROM DeviceEvents"
	[ "$status" -eq 65 ]
	[[ "$output" == *"SQL error"*"syntax error"* ]]
	run $VIGIL hunt --db "$db" "DELETE FROM DeviceProcessEvents"
	[ "$status" -eq 65 ]
	run $VIGIL hunt --db "$T/none.db" "SELECT 1"
	[ "$status" -eq 66 ]
	# A hunt runs while a writer is active (WAL): count grows, never fails.
	$FEED -n 50000 -r 20000 -c h8 -s 5001 -d "$T" "sqlite:$db" >/dev/null &
	w=$!
	for _ in 1 2 3 4 5; do
		run $VIGIL hunt --db "$db" --format csv "SELECT count(*) FROM DeviceProcessEvents"
		[ "$status" -eq 0 ]
		sleep 0.3
	done
	wait $w
	run $VIGIL hunt --db "$db" --format csv "SELECT count(*) FROM DeviceProcessEvents"
	[ "${lines[1]}" = $'22000\r' ]
	[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ]
}

@test "bad output specs are refused with a clear message (EX_USAGE)" {
	for spec in "kafka://h:1" "nats://" "nats://h" "nats://h:1?bogus=1" "syslog:udp://h" \
		"syslog:ftp://h:1" "syslog?mode=x" "sqlite:" "sqlite:/x?max_age=soon"; do
		run $FEED -n 1 "$spec"
		echo "$spec -> $status $output"
		[ "$status" -eq 64 ]
		[[ "$output" == *"vigil:"* ]]
	done
}

@test "syslog: a TCP collector that stops reading never blocks the writer; drops are counted" {
	# Accepts one connection and never reads from it.
	python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", '"$BASE"')); s.listen(8); c, _ = s.accept(); time.sleep(60)' &
	PIDS+=($!)
	sleep 0.5
	start=$(date +%s%N)
	run $FEED -n 200000 -c h9 -d "$T" "syslog:tcp://127.0.0.1:$BASE?queue=5000"
	end=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 0 ]
	write_ms=$(sed -n 's/.*write_ms \([0-9]*\).*/\1/p' <<<"$output")
	dropped=$(sed -n 's/.*dropped \([0-9]*\).*/\1/p' <<<"$output")
	# 200,000 records on the writer's side take well under a few seconds:
	# nothing waited for the collector.
	[ "$write_ms" -lt 5000 ]
	[ "$dropped" -gt 100000 ]
	written=$(sed -n 's/.*written \([0-9]*\).*/\1/p' <<<"$output")
	[ $((written + dropped)) -eq 200000 ]
	# close() gives up on the stuck collector within its grace period.
	[ $(((end - start) / 1000000)) -lt 15000 ]
}

@test "syslog: unix datagram socket (as /dev/log), ident and provider options" {
	sock=$T/log.sock
	$RECV unix "$sock" 1000 30 >"$T/recv.out" &
	recv=$!
	PIDS+=($recv)
	sleep 0.3
	run $FEED -n 1000 -r 5000 -c h10 -d "$T" "syslog:unix:$sock?ident=edr&provider=Acme-EDR"
	echo "$output"
	[ "$status" -eq 0 ]
	wait $recv
	cat "$T/recv.out"
	grep -q "received 1000 valid 1000 unique 1000 app edr provider Acme-EDR" "$T/recv.out"
}

@test "nats: sequence numbers starting over (state dir lost) still reach the stream: nothing deduplicated away" {
	start_nats n1 $BASE
	spec="nats://127.0.0.1:$BASE?stream=S6&subject=s6.ev"
	run $FEED -n 3000 -c h11 -d "$T/run1" -a 60 "$spec"
	echo "$output"
	[ "$status" -eq 0 ]
	# The state dir (seqno and spool) is gone: the next run numbers from 1
	# again. Its records are new events and must all be stored.
	run $FEED -n 3000 -c h11 -d "$T/run2" -a 60 "$spec"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"written 3000 dropped 0 acked 3000"* ]]
	run $CHECK nats://127.0.0.1:$BASE S6 h11 1 3000 2
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "msgs 6000 last_seq 6000 missing 0 duplicates 0 foreign 0 ids_reused 0 unreadable 0" ]]
}

@test "nats: two hosts with the same host name publish to one stream: nothing lost" {
	start_nats n1 $BASE
	spec="nats://127.0.0.1:$BASE?stream=S7&subject=s7.ev"
	$FEED -n 5000 -r 5000 -c clone -d "$T/a" -a 60 "$spec" >"$T/a.out" 2>&1 &
	a=$!
	$FEED -n 5000 -r 5000 -c clone -d "$T/b" -a 60 "$spec" >"$T/b.out" 2>&1 &
	b=$!
	wait $a
	wait $b
	cat "$T/a.out" "$T/b.out"
	# Both create the missing stream at once, and the one that loses that
	# race (error 10065) spools its records and replays them once the
	# stream is there: written or spooled, every record is acknowledged.
	grep -q "dropped 0 acked 5000" "$T/a.out"
	grep -q "dropped 0 acked 5000" "$T/b.out"
	run $CHECK nats://127.0.0.1:$BASE S7 clone 1 5000 2
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "msgs 10000 last_seq 10000 missing 0 duplicates 0 foreign 0 ids_reused 0 unreadable 0" ]]
}

@test "nats: user:password@ in the URL authenticates and is never printed" {
	start_nats n1 $BASE --user alice --pass 'Pw-s3cr3t'
	spec="nats://alice:Pw-s3cr3t@127.0.0.1:$BASE?stream=S8&subject=s8.ev"
	run $FEED -n 500 -c h12 -d "$T" -a 30 "$spec"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"written 500 dropped 0 acked 500"* ]]
	[[ "$output" != *"s3cr3t"* ]]
	# Unreachable server: the warning names the server, without the password.
	run $FEED -n 10 -c h12 -d "$T/x" "nats://alice:Pw-s3cr3t@127.0.0.1:$((BASE + 9))?stream=S8"
	echo "$output"
	[[ "$output" == *"alice:***@127.0.0.1"* ]]
	[[ "$output" != *"s3cr3t"* ]]
	# A token, and a spec error: neither echoes the secret.
	run $FEED -n 1 "nats://tok-s3cr3t@127.0.0.1:$BASE?bogus=1"
	echo "$output"
	[ "$status" -eq 64 ]
	[[ "$output" == *"***@127.0.0.1"* ]]
	[[ "$output" != *"s3cr3t"* ]]
	# With a wrong password nothing is acknowledged, and still nothing leaks.
	run $FEED -n 10 -c h12 -d "$T/y" "nats://alice:wrong-s3cr3t@127.0.0.1:$BASE?stream=S8"
	echo "$output"
	[[ "$output" != *"s3cr3t"* ]]
}

@test "nats: TLS with a CA made by the test (tls_ca=): every record crosses exactly once" {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
		-out "$T/ca.pem" -days 1 -subj /CN=vigil-test-ca 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/srv.key" \
		-out "$T/srv.csr" -subj /CN=127.0.0.1 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$T/ext"
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/srv.pem" -days 1 -extfile "$T/ext" 2>/dev/null
	start_nats n1 $BASE --tls --tlscert "$T/srv.pem" --tlskey "$T/srv.key"
	run $FEED -n 2000 -c h14 -d "$T" -a 30 "nats://127.0.0.1:$BASE?stream=S14&subject=s14.ev&tls_ca=$T/ca.pem"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"written 2000 dropped 0 acked 2000"* ]]
	NATSCHECK_TLS_CA="$T/ca.pem" run $CHECK nats://127.0.0.1:$BASE S14 h14 1 2000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "msgs 2000 last_seq 2000 missing 0 duplicates 0"* ]]
	# Another CA: nothing is acknowledged (the records wait in the spool).
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/o.key" \
		-out "$T/other.pem" -days 1 -subj /CN=other 2>/dev/null
	run $FEED -n 10 -c h14 -d "$T/o" "nats://127.0.0.1:$BASE?stream=S14&tls_ca=$T/other.pem"
	echo "$output"
	[[ "$output" == *"acked 0 spooled 10"* ]]
}

@test "nats: a corrupted spool: damaged records skipped and counted, all the others delivered" {
	spec="nats://127.0.0.1:$BASE?stream=S9&subject=s9.ev"
	# No server: 6000 records go to the spool.
	run $FEED -n 6000 -c h13 -d "$T" "$spec"
	echo "$output"
	[[ "$output" == *"spooled 6000"* ]]
	seg=$(find "$T/spool/nats-S9" -name '*.seg' | sort | head -n 1)
	size=$(stat -c %s "$seg")
	[ "$size" -gt 200000 ]
	# Flip one byte in each of four records spread over the segment (a
	# header, payloads), and overwrite a 300-byte run with zeros.
	for off in 1000 40000 80001 120002; do
		printf '\x5a' | dd of="$seg" bs=1 seek=$off conv=notrunc status=none
	done
	dd if=/dev/zero of="$seg" bs=1 seek=160000 count=300 conv=notrunc status=none
	start_nats n1 $BASE
	run $FEED -n 0 -c h13 -d "$T" -a 60 -t 1 "$spec"
	echo "$output"
	corrupt=$(sed -n 's/.*spool_corrupt \([0-9]*\).*/\1/p' <<<"$output")
	replayed=$(sed -n 's/.* replayed \([0-9]*\).*/\1/p' <<<"$output")
	[ "$corrupt" -ge 5 ]
	[ "$corrupt" -le 8 ]
	run $CHECK nats://127.0.0.1:$BASE S9 h13 1 6000
	echo "$output"
	missing=$(sed -n 's/.*missing \([0-9]*\).*/\1/p' <<<"$output")
	# Only the damaged records are missing; everything else arrived once.
	[ "$missing" -ge 5 ]
	[ "$missing" -le 8 ]
	[ "$replayed" -eq $((6000 - missing)) ]
	[[ "$output" == *"duplicates 0 foreign 0 ids_reused 0 unreadable 0" ]]
}

@test "hunt: control characters, C1, DEL and invalid UTF-8 are escaped in table, csv and json" {
	db=$T/evil.db
	# ESC[2J (clear screen), CSI as C1 (U+009B), DEL, a lone 0xff, a CR
	# that would hide text, BEL, and a column name holding ESC.
	sqlite3 "$db" "CREATE TABLE t (v TEXT); INSERT INTO t VALUES (CAST(X'411b5b324a42c29b33316d437f44ff450d460747e282ac' AS TEXT));"
	for fmt in table csv json; do
		"$VIGIL" hunt --db "$db" --format "$fmt" "SELECT v, v AS \"x$(printf '\033')y\" FROM t" >"$T/out.$fmt" 2>&1
		python3 - "$T/out.$fmt" "$fmt" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
fmt = sys.argv[2]
t = b.decode('utf-8')  # valid UTF-8 throughout, or this raises
body = t.replace('\r\n', '\n') if fmt == 'csv' else t
bad = [hex(ord(c)) for c in body if (ord(c) < 0x20 and c != '\n') or 0x7f <= ord(c) <= 0x9f]
assert not bad, (fmt, bad, t)
assert '\u20ac' in t, t  # valid text passes unchanged
if fmt == 'json':
    import json
    v = json.loads(t)[0]
    assert v['v'] == 'A\x1b[2JB\x9b31mC\x7fD\ufffdE\rF\x07G\u20ac', v
else:
    assert '\\x1b[2J' in t and '\\u009b31m' in t and '\\x7f' in t and '\\xff' in t and '\\x0d' in t, t
print(fmt, 'ok')
PY
	done
}
