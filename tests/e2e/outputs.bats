#!/usr/bin/env bats
# End-to-end tests of the outputs with the real sensor: the embedded
# defaults, hunting over a real run, a kill -9 mid-write, Sysmon XML over
# syslog and NATS JetStream from the live sensor; and the output faults of
# issue 13: per-output counters in SensorHealth and `vigil status`, an Error
# (255) when an output starts failing and when it recovers, a SIGKILL
# reported by the next start, NATS after the state dir was lost (with a
# password in the URL that must never show). (tests/sinks/ has the
# sink-level integration tests: NATS restarts, clusters, spools.)

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	PY=/usr/bin/python3
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
	S="$BATS_TEST_TMPDIR/state"
}

teardown() {
	teardown_sensor
	[ -n "${BG_PID:-}" ] && kill "$BG_PID" 2>/dev/null || true
	[ -n "${NATS_PID:-}" ] && kill "$NATS_PID" 2>/dev/null || true
	true
}

@test "default outputs: events.jsonl and vigil.db in the state dir, 0600, and hunts over the real run" {
	OUT="$S/events.jsonl"
	"$VIGIL" run --state-dir "$S" --health-interval 0 \
		--config "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml" 2>>"$BATS_TEST_TMPDIR/sensor.log" &
	SENSOR_PID=$!
	for i in $(seq 1 200); do grep -qs '"State":"Started"' "$OUT" && break; sleep 0.05; done
	/usr/bin/true vigil-hunt-me
	cp /bin/true "$WORK/dropper"
	$PY -c "import socket; l=socket.socket(); l.bind(('127.0.0.1',0)); l.listen(1); socket.create_connection(l.getsockname()).close()"
	rm "$WORK/dropper"
	wait_event ".EventID==23 and .TargetFilename==\"$WORK/dropper\"" >/dev/null
	sleep 1.5 # the store commits at flush; give it a tick
	[ "$(stat -c %a "$S/events.jsonl")" = 600 ]
	[ "$(stat -c %a "$S/vigil.db")" = 600 ]
	# Hunts while the sensor writes.
	run "$VIGIL" hunt --db "$S/vigil.db" --format csv \
		"SELECT Image, CommandLine FROM DeviceProcessEvents WHERE EventID = 1 AND CommandLine = '/usr/bin/true vigil-hunt-me'"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/usr/bin/true,/usr/bin/true vigil-hunt-me"* ]]
	run "$VIGIL" hunt --db "$S/vigil.db" --format json \
		"SELECT TargetFilename FROM DeviceFileEvents WHERE EventID = 29 AND TargetFilename = '$WORK/dropper'"
	[ "$status" -eq 0 ]
	jq -e 'length == 1' <<<"$output"
	run "$VIGIL" hunt --db "$S/vigil.db" "SELECT count(*) AS n FROM DeviceNetworkEvents WHERE EventID = 3 AND DestinationIp = '127.0.0.1'"
	[ "$status" -eq 0 ]
	run "$VIGIL" hunt --db "$S/vigil.db" "SELEC nonsense"
	[ "$status" -eq 65 ]
	run "$VIGIL" hunt --db "$S/vigil.db" "DELETE FROM DeviceProcessEvents"
	[ "$status" -ne 0 ]
	stop_sensor
	# The same records in both outputs.
	n=$(jq -s 'length' "$OUT")
	run "$VIGIL" hunt --db "$S/vigil.db" --format csv "SELECT (SELECT count(*) FROM DeviceProcessEvents) + (SELECT count(*) FROM DeviceNetworkEvents) + (SELECT count(*) FROM DeviceFileEvents) + (SELECT count(*) FROM DeviceImageLoadEvents) + (SELECT count(*) FROM DeviceEvents) + (SELECT count(*) FROM DeviceAlerts)"
	echo "jsonl $n, sqlite $output" >&2
	[ "$(tail -n 1 <<<"$output" | tr -d "\r")" = "$n" ] # CSV lines end in CRLF (RFC 4180)
}

@test "kill -9 of the sensor mid-write leaves a store that opens and passes integrity_check" {
	"$VIGIL" run --state-dir "$S" --health-interval 0 --output "sqlite:$S/vigil.db" \
		--output "jsonl:$WORK/ev.jsonl" --config "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml" 2>/dev/null &
	SENSOR_PID=$!
	OUT="$WORK/ev.jsonl"
	for i in $(seq 1 200); do grep -qs '"State":"Started"' "$OUT" && break; sleep 0.05; done
	( for i in $(seq 1 3000); do echo x >"$WORK/f$((i % 50))"; done ) &
	sleep 0.7
	kill -9 "$SENSOR_PID"
	wait "$SENSOR_PID" || true
	SENSOR_PID=
	wait
	[ "$(sqlite3 "$S/vigil.db" 'PRAGMA integrity_check')" = ok ]
	[ "$(sqlite3 "$S/vigil.db" 'SELECT count(*) > 0 FROM DeviceFileEvents')" = 1 ]
}

@test "syslog from the live sensor: RFC 5424 over UDP carrying Sysmon for Linux's XML" {
	$PY - "$WORK/syslog.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 46514))
f = open(sys.argv[1], 'wb', buffering=0)
while True:
    m, _ = s.recvfrom(65535)
    f.write(m + b'\n')
PY
	BG_PID=$!
	sleep 0.3
	start_sensor --output syslog:udp://127.0.0.1:46514
	/usr/bin/true vigil-syslog
	wait_event '.CommandLine=="/usr/bin/true vigil-syslog"' >/dev/null
	for i in $(seq 1 100); do grep -aq 'vigil-syslog' "$WORK/syslog.txt" 2>/dev/null && break; sleep 0.05; done
	line=$(grep -a 'vigil-syslog' "$WORK/syslog.txt" | head -n 1)
	# RFC 5424 header, Sysmon's ident, then the event XML.
	re='^<[0-9]+>1 [0-9T:.+-]+Z? [^ ]+ sysmon '
	[[ "$line" =~ $re ]]
	xml=${line#*<Event>}
	xml="<Event>$xml"
	printf '%s' "$xml" | $PY -c "
import sys, xml.etree.ElementTree as ET
e = ET.fromstring(sys.stdin.read())
s = e.find('System')
assert s.find('Provider').get('Name') == 'Linux-Sysmon'
assert s.find('EventID').text == '1'
d = {x.get('Name'): x.text for x in e.find('EventData')}
assert d['CommandLine'] == '/usr/bin/true vigil-syslog', d
assert d['Image'] == '/usr/bin/true'
for k in ['RuleName','UtcTime','ProcessGuid','ProcessId','Image','CommandLine','CurrentDirectory','User','Hashes','ParentProcessGuid','ParentImage']:
    assert k in d, k
"
}

@test "NATS JetStream from the live sensor: every event of the run is in the stream, with its message id" {
	command -v nats-server >/dev/null
	nats-server -js -a 127.0.0.1 -p 44222 -sd "$WORK/js" >"$WORK/nats.log" 2>&1 &
	NATS_PID=$!
	retry 100 0.05 port_open 44222
	start_sensor --output "nats://127.0.0.1:44222?subject=vigil.e2e&stream=VIGILE2E"
	for i in $(seq 1 20); do /usr/bin/true; done
	stop_sensor
	n=$(jq -s 'length' "$OUT")
	first=$(jq -s 'map(.SequenceNumber) | min' "$OUT")
	host=$(jq -r '.Computer' "$OUT" | head -n 1)
	make -s build/sinks/natscheck >/dev/null
	# Exactly the run's sequence numbers, each once, no message id used twice.
	"$BATS_TEST_DIRNAME/../../build/sinks/natscheck" nats://127.0.0.1:44222 VIGILE2E "$host" "$first" "$n"
}

@test "outputs: SensorHealth and vigil status carry each output's counters, and In = Written + Dropped + Spooled" {
	start_sensor --output "sqlite:$BATS_TEST_TMPDIR/h.db" --control-socket "$WORK/ctl.sock"
	for i in $(seq 1 20); do /bin/true; done
	wait_event '.EventID==1 and .Image=="/usr/bin/true"' >/dev/null
	run "$VIGIL" status --socket "$WORK/ctl.sock"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"output Output1Jsonl jsonl:$OUT: in "*", written "*", dropped 0, errors 0, spooled 0, replayed 0, spool_corrupt 0"* ]]
	[[ "$output" == *"output Output2Sqlite sqlite:$BATS_TEST_TMPDIR/h.db: in "* ]]
	run "$VIGIL" status --socket "$WORK/ctl.sock" --json
	[ "$status" -eq 0 ]
	jq -e '.outputs | length == 2 and all(.in == .written + .dropped + .spooled) and .[0].name == "Output1Jsonl" and .[0].in > 0' <<<"$output"
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	for o in Output1Jsonl Output2Sqlite; do
		jq -e --arg o "$o" '.[$o+"In"] > 0 and .[$o+"In"] == .[$o+"Written"] + .[$o+"Dropped"] + .[$o+"Spooled"] and .[$o+"Errors"] == 0 and .[$o+"Replayed"] == 0 and .[$o+"SpoolCorrupt"] == 0' <<<"$h"
	done
}

@test "outputs: a failing output gives an Error (255) when it starts failing and one when it recovers" {
	port=46601
	start_sensor --config "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml" --output "syslog:tcp://127.0.0.1:$port"
	# No collector: the output fails, and the telemetry says so, once.
	e=$(wait_event '.EventID==255 and (.Description|test("Output2Syslog .*is failing"))' 15)
	[ "$(field "$e" ID)" = 241 ]
	[[ "$(field "$e" Description)" == *"syslog:tcp://127.0.0.1:$port"* ]]
	$PY - "$port" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept()
    while c.recv(65536):
        pass
PY
	BG_PID=$!
	for i in $(seq 1 100); do
		/bin/true
		[ "$(count_events '.EventID==255 and (.Description|test("Output2Syslog .*recovered"))')" -ge 1 ] && break
		sleep 0.3
	done
	wait_event '.EventID==255 and (.Description|test("Output2Syslog .*recovered: delivering again"))' 1
	[ "$(count_events '.EventID==255 and (.Description|test("Output2Syslog .*is failing"))')" -eq 1 ]
	stop_sensor
}

@test "kill -9: the next start reports the unclean stop right after Started, with the last record written" {
	start_sensor --state-dir "$BATS_TEST_TMPDIR/state"
	/usr/bin/true vigil-before-kill
	m=$(wait_event '.CommandLine=="/usr/bin/true vigil-before-kill"')
	sleep 0.5
	kill -9 "$SENSOR_PID"
	wait "$SENSOR_PID" || true
	SENSOR_PID=
	old="$BATS_TEST_TMPDIR/old.jsonl"
	mv "$OUT" "$old"
	start_sensor
	stop_sensor
	# Started, then at once the Error naming the previous run's last record.
	[ "$(jq -s '.[0].State' "$OUT")" = '"Started"' ]
	e=$(jq -c -s '.[1]' "$OUT")
	[ "$(field "$e" EventID)" = 255 ]
	[ "$(field "$e" ID)" = 4 ]
	d=$(field "$e" Description)
	echo "$d"
	[[ "$d" == "previous run (pid "*") ended without its Stopped record"*"its last record written: SequenceNumber "* ]]
	seq=$(sed -n 's/.*SequenceNumber \([0-9]*\) at .*/\1/p' <<<"$d")
	at=$(sed -n 's/.* at \(.*\) UTC$/\1/p' <<<"$d")
	# It is a record the killed run wrote, with that record's time, at or
	# after the last one we saw it write.
	[ "$(jq -r --argjson s "$seq" 'select(.SequenceNumber==$s) | .UtcTime' "$old")" = "$at" ]
	[ "$seq" -ge "$(field "$m" SequenceNumber)" ]
	# A clean stop leaves nothing to report.
	mv "$OUT" "$BATS_TEST_TMPDIR/second.jsonl"
	start_sensor
	stop_sensor
	[ "$(count_events '.EventID==255')" -eq 0 ]
}

@test "NATS: state dir deleted and the sensor restarted: every new FileCreate reaches the stream; the password never shows" {
	command -v nats-server >/dev/null
	nats-server -js -a 127.0.0.1 -p 44223 -sd "$WORK/js" --user vigil --pass 'E2e-s3cr3t' >"$WORK/nats.log" 2>&1 &
	NATS_PID=$!
	retry 100 0.05 port_open 44223
	spec="nats://vigil:E2e-s3cr3t@127.0.0.1:44223?subject=vigil.sdl&stream=VIGILSDL"
	mkdir -p "$WORK/f"
	for run in 1 2; do
		rm -rf "$BATS_TEST_TMPDIR/state" # the state dir is lost between runs
		OUT="$BATS_TEST_TMPDIR/run$run.jsonl"
		start_sensor --config "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml" --output "$spec" --control-socket "$WORK/ctl.sock"
		for i in $(seq 1 150); do : >"$WORK/f/run$run-$i"; done
		wait_event ".EventID==11 and .TargetFilename==\"$WORK/f/run$run-150\"" >/dev/null
		run "$VIGIL" status --socket "$WORK/ctl.sock"
		[ "$status" -eq 0 ]
		[[ "$output" == *"nats://vigil:***@127.0.0.1:44223"* ]]
		[[ "$output" != *"s3cr3t"* ]]
		run "$VIGIL" status --socket "$WORK/ctl.sock" --json
		[[ "$output" != *"s3cr3t"* ]]
		stop_sensor
	done
	! grep -q s3cr3t "$BATS_TEST_TMPDIR/sensor.log" "$BATS_TEST_TMPDIR"/run*.jsonl
	# Both runs numbered from 1; each run's FileCreates are all in the stream.
	[ "$(jq -s 'map(.SequenceNumber) | min' "$BATS_TEST_TMPDIR/run2.jsonl")" -lt 100 ]
	make -s build/sinks/natscheck >/dev/null
	"$BATS_TEST_DIRNAME/../../build/sinks/natscheck" --dump nats://vigil:E2e-s3cr3t@127.0.0.1:44223 VIGILSDL >"$WORK/stream.jsonl"
	for run in 1 2; do
		want=$(jq -c "select(.EventID==11 and (.TargetFilename|startswith(\"$WORK/f/run$run-\")))" "$BATS_TEST_TMPDIR/run$run.jsonl" | wc -l)
		got=$(jq -c "select(.EventID==11 and (.TargetFilename|startswith(\"$WORK/f/run$run-\")))" "$WORK/stream.jsonl" | wc -l)
		echo "run $run: jsonl $want stream $got"
		[ "$want" -eq 150 ]
		[ "$got" -eq 150 ]
	done
	# And every record of run 2 is there, not only the FileCreates.
	[ "$(jq -s length "$BATS_TEST_TMPDIR/run2.jsonl")" -le "$(jq -s length "$WORK/stream.jsonl")" ]
}
