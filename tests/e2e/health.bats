#!/usr/bin/env bats
# End-to-end tests of sensor health and tamper detection (issue: caps that
# never hide, health, tamper alerts, status).

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	PY=/usr/bin/python3
	H="$BATS_TEST_DIRNAME/../../build/helpers"
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
	cp "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml" "$WORK/vigil.xml"
}

teardown() {
	teardown_sensor
}

@test "tamper: ptrace of the sensor, a write to its config and a signal each give a TamperAlert" {
	start_sensor --config "$WORK/vigil.xml"
	"$H/inject" attach "$SENSOR_PID"
	a=$(wait_event '.EventID==243 and .Type=="ProcessAccess"')
	[ "$(field "$a" Image)" = "$(readlink -f "$H/inject")" ]
	[[ "$(field "$a" Detail)" == *"PTRACE_SEIZE"* ]]
	echo '<!-- edited -->' >>"$WORK/vigil.xml"
	c=$(wait_event '.EventID==243 and .Type=="ConfigModified"')
	[[ "$(field "$c" Detail)" == *"$WORK/vigil.xml written"* ]]
	kill -WINCH "$SENSOR_PID"
	s=$(wait_event '.EventID==243 and .Type=="Signal"')
	[[ "$(field "$s" Detail)" == *"SIGWINCH"*"the sensor"* ]]
	[ "$(field "$s" ProcessId)" = "$BASHPID" ] || [ "$(field "$s" Image)" != - ]
	stop_sensor
	# The stop itself was a signal to the sensor, and is reported too.
	wait_event '.EventID==243 and .Type=="Signal" and (.Detail|contains("SIGTERM"))' >/dev/null
}

@test "health: SensorHealth counters add up for every event type after a mixed workload" {
	start_sensor --config "$BATS_TEST_DIRNAME/../../etc/vigil.xml"
	for i in $(seq 1 20); do /bin/true; done
	echo x >"$WORK/a"; mv "$WORK/a" "$WORK/b"; chmod 600 "$WORK/b"; rm "$WORK/b"
	$PY -c "import socket; l=socket.socket(); l.bind(('127.0.0.1',0)); l.listen(1); socket.create_connection(l.getsockname()).close()"
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ -n "$h" ]
	# Seen = Emitted + Filtered + Capped + DroppedKernel + DroppedUser, per type.
	bad=$(jq -r 'to_entries | map(select(.key|endswith("Seen"))) | .[] | .key' <<<"$h" | while read -r k; do
		e=${k%Seen}
		jq -e --arg e "$e" '.[$e+"Seen"] == .[$e+"Emitted"] + .[$e+"Filtered"] + .[$e+"Capped"] + .[$e+"DroppedKernel"] + .[$e+"DroppedUser"]' <<<"$h" >/dev/null || echo "$e"
	done)
	[ -z "$bad" ]
	[ "$(jq '.ProcessCreateEmitted' <<<"$h")" -ge 20 ]
	[ "$(jq '.FileRenameEmitted' <<<"$h")" -ge 1 ]
	[ "$(jq '.NetworkConnectEmitted' <<<"$h")" -ge 1 ]
	for f in RingBufferUsedPct SinkQueueDepth CpuMs RssKiB; do
		jq -e ".$f >= 0" <<<"$h" >/dev/null
	done
}
