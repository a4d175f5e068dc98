#!/usr/bin/env bats
# operate_notify.bats — the systemd notify protocol end to end, against a
# NOTIFY_SOCKET datagram listener (these machines have no systemd as PID 1):
# READY=1 only after the Started record is written, WATCHDOG=1 from the
# event loop every WATCHDOG_USEC/2 and none while the loop is stopped,
# RELOADING=1/READY=1 around SIGHUP, STOPPING=1 on SIGTERM.

load lib

LISTEN="$BATS_TEST_DIRNAME/../helpers/notify_listen.py"

setup() {
	NLOG="$BATS_TEST_TMPDIR/notify.log"
	OUT="$BATS_TEST_TMPDIR/events.jsonl"
}

teardown() {
	[ -n "${SENSOR_PID:-}" ] && kill -CONT "$SENSOR_PID" 2>/dev/null
	teardown_sensor
	[ -n "${LPID:-}" ] && kill "$LPID" 2>/dev/null
	true
}

# listen SOCKET: starts the listener and waits until it is bound.
listen() {
	python3 "$LISTEN" "$1" "$NLOG" "$OUT" &
	LPID=$!
	local i
	for i in $(seq 1 100); do
		grep -q listening "$NLOG" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_note TEXT [N]: waits until the log has at least N lines with TEXT.
wait_note() {
	local i
	for i in $(seq 1 200); do
		[ "$(grep -c -- "$1" "$NLOG")" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	echo "notification '$1' not seen; log:" >&2
	cat "$NLOG" >&2
	return 1
}

pings() {
	grep -c 'WATCHDOG=1' "$NLOG"
}

@test "notify: READY=1 after Started, watchdog pings from the loop, none while it is stopped" {
	listen "$BATS_TEST_TMPDIR/notify.sock"
	NOTIFY_SOCKET="$BATS_TEST_TMPDIR/notify.sock" WATCHDOG_USEC=400000 start_sensor
	wait_note 'READY=1'
	# READY=1 came when the Started record was already in the output.
	grep -q 'READY=1 started=1' "$NLOG"
	[ "$(grep -c 'READY=1' "$NLOG")" -eq 1 ]
	# Every 0.2 s (half of 0.4 s): 2 s gives about 10.
	sleep 2
	n=$(pings)
	echo "pings in ~2 s: $n"
	[ "$n" -ge 6 ] && [ "$n" -le 14 ]
	# A stopped loop sends nothing.
	kill -STOP "$SENSOR_PID"
	sleep 0.3
	a=$(pings)
	sleep 1.5
	b=$(pings)
	echo "pings while stopped: $((b - a))"
	[ "$b" -eq "$a" ]
	kill -CONT "$SENSOR_PID"
	sleep 1
	[ "$(pings)" -gt "$b" ]
	# Reload: RELOADING=1 then READY=1 again.
	kill -HUP "$SENSOR_PID"
	wait_note 'READY=1' 2
	grep -q 'RELOADING=1' "$NLOG"
	grep -q 'MONOTONIC_USEC=' "$NLOG"
	stop_sensor
	grep -q 'STOPPING=1' "$NLOG"
}

@test "notify: abstract socket (@name); no watchdog pings without WATCHDOG_USEC" {
	listen "@vigil-test-notify-$$"
	NOTIFY_SOCKET="@vigil-test-notify-$$" start_sensor
	wait_note 'READY=1'
	grep -q 'READY=1 started=1' "$NLOG"
	sleep 1
	[ "$(pings)" -eq 0 ]
	stop_sensor
	grep -q 'STOPPING=1' "$NLOG"
}

@test "notify: WATCHDOG_PID naming another process disables the pings" {
	listen "$BATS_TEST_TMPDIR/notify.sock"
	NOTIFY_SOCKET="$BATS_TEST_TMPDIR/notify.sock" WATCHDOG_USEC=200000 WATCHDOG_PID=1 \
		start_sensor
	wait_note 'READY=1'
	sleep 1
	[ "$(pings)" -eq 0 ]
	stop_sensor
}
