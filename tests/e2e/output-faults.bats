#!/usr/bin/env bats
# End-to-end fault tests of the outputs and of the sensor's own records
# (issue 13): per-output counters in SensorHealth and `vigil status`, an
# Error (255) when an output starts failing and when it recovers, a SIGKILL
# reported by the next start, and NATS after the state dir was lost (with
# a password in the URL that must never show).

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	PY=/usr/bin/python3
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
	CFG="$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml"
	B="$BATS_TEST_DIRNAME/../../build"
}

teardown() {
	teardown_sensor
	[ -n "${BG_PID:-}" ] && kill "$BG_PID" 2>/dev/null || true
	[ -n "${NATS_PID:-}" ] && kill "$NATS_PID" 2>/dev/null || true
	true
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
	start_sensor --config "$CFG" --output "syslog:tcp://127.0.0.1:$port"
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
	for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/44223) 2>/dev/null && break; sleep 0.05; done
	spec="nats://vigil:E2e-s3cr3t@127.0.0.1:44223?subject=vigil.sdl&stream=VIGILSDL"
	mkdir -p "$WORK/f"
	for run in 1 2; do
		rm -rf "$BATS_TEST_TMPDIR/state" # the state dir is lost between runs
		OUT="$BATS_TEST_TMPDIR/run$run.jsonl"
		start_sensor --config "$CFG" --output "$spec" --control-socket "$WORK/ctl.sock"
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
	make -s "$B/sinks/natscheck" >/dev/null
	"$B/sinks/natscheck" --dump nats://vigil:E2e-s3cr3t@127.0.0.1:44223 VIGILSDL >"$WORK/stream.jsonl"
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
