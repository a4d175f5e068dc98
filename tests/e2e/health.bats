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
	# pidfd_send_signal(2), which no kill/tkill/tgkill hook saw: the
	# signal tracepoint catches every way a signal is sent.
	$PY -c "import os, signal; signal.pidfd_send_signal(os.pidfd_open($SENSOR_PID), signal.SIGURG)"
	p=$(wait_event '.EventID==243 and .Type=="Signal" and (.Detail|contains("SIGURG"))')
	[[ "$(field "$p" Detail)" == "SIGURG (23) sent to the sensor (pid $SENSOR_PID)" ]]
	[ "$(field "$p" Image)" = "$(readlink -f "$(command -v "$PY")")" ]
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

# beacon N PORT INTERVAL_S: N TCP connections from one process to one
# loopback port, INTERVAL_S apart; the listener is another process, as a
# C2 server would be.
beacon() {
	$PY - "$1" "$2" <<'PY' &
import socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', port)); l.listen(128)
open('/dev/shm/vigil-beacon-%d' % port, 'w').close()
for _ in range(n):
    c, _ = l.accept(); c.close()
PY
	local srv=$!
	for i in $(seq 1 100); do [ -e "/dev/shm/vigil-beacon-$2" ] && break; sleep 0.05; done
	rm -f "/dev/shm/vigil-beacon-$2"
	$PY - "$1" "$2" "$3" <<'PY'
import socket, sys, time
n, port, gap = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
t0 = time.monotonic()
for i in range(n):
    time.sleep(max(0, t0 + i * gap - time.monotonic()))
    socket.create_connection(('127.0.0.1', port)).close()
PY
	wait "$srv"
}

caps_config() {
	cat >"$WORK/caps.xml" <<XML
<Sysmon schemaversion="4.90">
  <EventFiltering>
    <NetworkConnect onmatch="exclude"/>
    <ProcessCreate onmatch="exclude"/>
  </EventFiltering>
  <VigilCaps>
    $1
  </VigilCaps>
</Sysmon>
XML
}

@test "caps: a 50-connection beacon with a local cap of 1 gives one event and one CapSummary (Count 49, median ~50 ms)" {
	caps_config '<LocalCap name="beacon" event="NetworkConnect" fields="ProcessGuid,DestinationIp,DestinationPort" max="1" window="24h"/>'
	start_sensor --config "$WORK/caps.xml"
	beacon 50 47001 0.05
	stop_sensor
	[ "$(count_events '.EventID==3 and .Initiated=="true" and .DestinationPort==47001')" -eq 1 ]
	c=$(jq -c 'select(.EventID==3 and .Initiated=="true" and .DestinationPort==47001)' "$OUT")
	s=$(jq -c --arg g "$(field "$c" ProcessGuid)" 'select(.EventID==240 and .CapName=="beacon" and (.Key|startswith($g)))' "$OUT")
	[ "$(printf '%s\n' "$s" | grep -c .)" -eq 1 ]
	[ "$(field "$s" Count)" -eq 49 ]
	[ "$(field "$s" CappedEvent)" = NetworkConnect ]
	med=$(field "$s" MedianIntervalMs)
	[ "$med" -ge 40 ] && [ "$med" -le 60 ]
	[ "$(field "$s" FirstUtcTime)" != - ] && [ "$(field "$s" LastUtcTime)" != - ]
	# Health counts the 49 as capped for NetworkConnect.
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ "$(jq '.NetworkConnectCapped' <<<"$h")" -ge 49 ]
}

@test "caps: without the cap the same beacon gives all 50 events" {
	caps_config ''
	start_sensor --config "$WORK/caps.xml"
	beacon 50 47002 0.05
	stop_sensor
	[ "$(count_events '.EventID==3 and .Initiated=="true" and .DestinationPort==47002')" -eq 50 ]
	[ "$(count_events '.EventID==240')" -eq 0 ]
}

@test "caps: a global cap passes N per window and summarises the rest" {
	caps_config '<GlobalCap event="NetworkConnect" max="5" window="1h"/>'
	start_sensor --config "$WORK/caps.xml"
	beacon 20 47003 0.01
	stop_sensor
	# 20 outbound + 20 accepted connections: 5 pass, 35 summarised.
	[ "$(count_events '.EventID==3 and .DestinationPort==47003')" -eq 5 ]
	s=$(jq -c 'select(.EventID==240 and .CappedEvent=="NetworkConnect")' "$OUT")
	[ "$(printf '%s\n' "$s" | grep -c .)" -eq 1 ]
	[ "$(field "$s" Count)" -eq 35 ]
}

@test "caps: an aggregated report replaces every event with one record per key and period" {
	caps_config '<Aggregate name="exec-hourly" event="ProcessCreate" fields="Image" period="1h"/>'
	start_sensor --config "$WORK/caps.xml"
	for i in $(seq 1 12); do /usr/bin/true; done
	stop_sensor
	[ "$(count_events '.EventID==1 and .Image=="/usr/bin/true"')" -eq 0 ]
	s=$(jq -c 'select(.EventID==240 and .CapName=="exec-hourly" and .Key=="/usr/bin/true")' "$OUT")
	[ "$(printf '%s\n' "$s" | grep -c .)" -eq 1 ]
	[ "$(field "$s" Count)" -eq 12 ]
}

@test "vigil status answers while the sensor runs, and refuses a non-root user" {
	start_sensor --control-socket "$WORK/ctl.sock"
	/usr/bin/true vigil-status
	wait_event '.CommandLine=="/usr/bin/true vigil-status"' >/dev/null
	run "$VIGIL" status --socket "$WORK/ctl.sock"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ProcessCreate"* ]]
	[[ "$output" == *"ring buffer"* ]]
	run "$VIGIL" status --socket "$WORK/ctl.sock" --json
	[ "$status" -eq 0 ]
	jq -e '.events.ProcessCreate.seen >= 1' <<<"$output"
	[ "$(stat -c %a "$WORK/ctl.sock")" = 600 ]
	chmod 755 "$WORK" "$BATS_TEST_TMPDIR"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$VIGIL" status --socket "$WORK/ctl.sock"
	[ "$status" -eq 77 ]
	# A sensor that accepts but does not answer: the wait ends at
	# --timeout with exit 69; a timeout of 0 is refused as bad usage.
	kill -STOP "$SENSOR_PID"
	run "$VIGIL" status --socket "$WORK/ctl.sock" --timeout 300ms
	kill -CONT "$SENSOR_PID"
	[ "$status" -eq 69 ]
	[[ "$output" == *"did not answer within 300 ms"* ]]
	run "$VIGIL" status --socket "$WORK/ctl.sock" --timeout 0
	[ "$status" -eq 64 ]
}

@test "drops: a tiny ring buffer and a frozen consumer give counted kernel drops in SensorHealth" {
	start_sensor --ringbuf-size 4096 --config "$BATS_TEST_DIRNAME/../../etc/vigil.xml"
	kill -STOP "$SENSOR_PID"
	for i in $(seq 1 200); do echo x >"$WORK/f$i"; done
	kill -CONT "$SENSOR_PID"
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ "$(jq '.FileCreateDroppedKernel' <<<"$h")" -gt 0 ]
	[ "$(jq '.FileCreateSeen' <<<"$h")" -ge 200 ]
	[ -z "$(ls "$WORK" | grep -c f200 | grep -v 1)" ]
}
