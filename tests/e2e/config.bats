#!/usr/bin/env bats
# End-to-end tests of the Sysmon configuration in the live sensor: real
# MSTIC configs filter as Sysmon would, SIGHUP reloads keep the old rules
# on a broken file and swap in a good one.

load lib

CONFIGS="$BATS_TEST_DIRNAME/../fixtures/sysmon-configs"

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
}

teardown() {
	teardown_sensor
}

@test "main.xml: only the behaviour its include rules name is logged, with the rule's name" {
	start_sensor --config "$CONFIGS/main.xml"
	cat /etc/passwd >/dev/null
	/usr/bin/true vigil-main-not-logged
	echo x >"$WORK/f" && chmod 644 "$WORK/f" && rm "$WORK/f"
	ev=$(wait_event '.EventID==1 and .Image=="/usr/bin/cat" and .CommandLine=="cat /etc/passwd"')
	[ "$(field "$ev" RuleName)" = "TechniqueID=T1087.001,TechniqueName=Account Discovery: Local Account" ]
	c=$(wait_event '.EventID==1 and .Image=="/usr/bin/chmod"')
	[[ "$(field "$c" RuleName)" == "TechniqueID=T1548.001,"* ]]
	stop_sensor
	[ "$(count_events '.CommandLine=="/usr/bin/true vigil-main-not-logged"')" -eq 0 ]
	# Its empty include blocks for 5, 9 and 23 log none of those.
	[ "$(count_events '.EventID==5 or .EventID==9 or .EventID==23')" -eq 0 ]
	# The config is announced with its hash.
	cfg=$(jq -c 'select(.EventID==16)' "$OUT" | head -n 1)
	[ "$(field "$cfg" ConfigurationFileHash)" = "SHA256=$(sha256sum "$CONFIGS/main.xml" | cut -d' ' -f1 | tr a-f A-F)" ]
	[ "$(field "$cfg" Configuration)" = "$(readlink -f "$CONFIGS/main.xml")" ]
}

@test "collect-all.xml: everything it names is logged" {
	start_sensor --config "$CONFIGS/collect-all.xml"
	/usr/bin/true vigil-collect-all
	echo x >"$WORK/g" && rm "$WORK/g"
	pc=$(wait_event '.EventID==1 and .CommandLine=="/usr/bin/true vigil-collect-all"')
	[ "$(field "$pc" RuleName)" = - ]
	wait_event ".EventID==5 and .ProcessGuid==\"$(field "$pc" ProcessGuid)\"" >/dev/null
	wait_event ".EventID==11 and .TargetFilename==\"$WORK/g\"" >/dev/null
	wait_event ".EventID==23 and .TargetFilename==\"$WORK/g\"" >/dev/null
}

@test "no --config: Sysmon's defaults, ProcessCreate and ProcessTerminate only" {
	start_sensor
	/usr/bin/true vigil-defaults
	echo x >"$WORK/h" && rm "$WORK/h"
	wait_event '.EventID==1 and .CommandLine=="/usr/bin/true vigil-defaults"' >/dev/null
	wait_event '.EventID==5 and .Image=="/usr/bin/true"' >/dev/null
	stop_sensor
	[ "$(count_events '.EventID==11 or .EventID==23 or .EventID==3')" -eq 0 ]
}

@test "SIGHUP: a broken file keeps the old rules and emits Error; a good one swaps in and emits ConfigChange" {
	cp "$CONFIGS/main.xml" "$WORK/vigil.xml"
	start_sensor --config "$WORK/vigil.xml"
	# Broken: the old rules stay.
	printf '<Sysmon schemaversion="4.81">\n  <EventFiltering>\n    <Bogus/>\n' >"$WORK/vigil.xml"
	kill -HUP "$SENSOR_PID"
	err=$(wait_event '.EventID==255')
	[[ "$(field "$err" Description)" == "$WORK/vigil.xml:"* ]]
	cat /etc/passwd >/dev/null
	/usr/bin/true vigil-after-bad-reload
	wait_event '.EventID==1 and .CommandLine=="cat /etc/passwd"' >/dev/null
	# Good: collect-all replaces main.
	cp "$CONFIGS/collect-all.xml" "$WORK/vigil.xml"
	kill -HUP "$SENSOR_PID"
	want="SHA256=$(sha256sum "$CONFIGS/collect-all.xml" | cut -d' ' -f1 | tr a-f A-F)"
	wait_event ".EventID==16 and .ConfigurationFileHash==\"$want\"" >/dev/null
	/usr/bin/true vigil-after-good-reload
	wait_event '.EventID==1 and .CommandLine=="/usr/bin/true vigil-after-good-reload"' >/dev/null
	stop_sensor
	[ "$(count_events '.CommandLine=="/usr/bin/true vigil-after-bad-reload"')" -eq 0 ]
	# Two ConfigChange records: the start and the good reload.
	[ "$(count_events '.EventID==16')" -eq 2 ]
}

@test "--computer and <VigilComputer> name the host in every event; a reload naming another is reported" {
	# Cloned VMs and containers share a host name: the fleet sets its own.
	printf '<Sysmon schemaversion="4.90">\n<VigilComputer>cfg-host</VigilComputer>\n<EventFiltering/>\n</Sysmon>\n' >"$WORK/c.xml"
	start_sensor --config "$WORK/c.xml"
	/usr/bin/true vigil-computer-cfg
	wait_event '.EventID==1 and .CommandLine=="/usr/bin/true vigil-computer-cfg"' >/dev/null
	# A reload naming another host keeps the name and says so.
	sed -i 's/cfg-host/other-host/' "$WORK/c.xml"
	kill -HUP "$SENSOR_PID"
	err=$(wait_event '.EventID==255')
	[ "$(field "$err" Description)" = "<VigilComputer> other-host takes effect at the next start; events keep Computer cfg-host" ]
	stop_sensor
	[ "$(count_events '.Computer!="cfg-host"')" -eq 0 ]
	[ "$(count_events 'true')" -ge 3 ]
	# --computer overrides the config.
	rm -f "$OUT"
	start_sensor --config "$WORK/c.xml" --computer web-01.dc2
	/usr/bin/true vigil-computer-opt
	wait_event '.EventID==1 and .CommandLine=="/usr/bin/true vigil-computer-opt"' >/dev/null
	stop_sensor
	[ "$(count_events '.Computer!="web-01.dc2"')" -eq 0 ]
	[ "$(count_events '.EventID==4 and .Computer=="web-01.dc2"')" -ge 1 ]
}

@test "a bad computer name is refused: FILE:LINE and 78 in a config, 64 on the command line" {
	printf '<Sysmon schemaversion="4.90">\n<EventFiltering/>\n<VigilComputer>web 01</VigilComputer>\n</Sysmon>\n' >"$WORK/bad.xml"
	run "$VIGIL" validate "$WORK/bad.xml"
	[ "$status" -eq 78 ]
	[[ "$output" == "$WORK/bad.xml:3: a computer name has only letters, digits"* ]]
	run "$VIGIL" run --computer 'web;01' --output jsonl:- --state-dir "$WORK/s"
	[ "$status" -eq 64 ]
	[[ "$output" == *"--computer: a computer name has only letters"* ]]
}

@test "vigil validate: every shipped and shared config is OK; a broken one gives FILE:LINE and 78" {
	for f in "$CONFIGS"/*.xml "$BATS_TEST_DIRNAME/../../etc/vigil.xml"; do
		run "$VIGIL" validate "$f"
		[ "$status" -eq 0 ]
		[[ "$output" == *"configuration OK"* ]]
	done
	printf '<Sysmon schemaversion="4.90">\n<EventFiltering>\n<ProcessCreate onmatch="include">\n<Imag condition="is">x</Imag>\n</ProcessCreate></EventFiltering></Sysmon>\n' >"$WORK/bad.xml"
	run "$VIGIL" validate "$WORK/bad.xml"
	[ "$status" -eq 78 ]
	[[ "$output" == "$WORK/bad.xml:4: "* ]]
	run "$VIGIL" run --config "$WORK/bad.xml" --output jsonl:- --state-dir "$WORK/s"
	[ "$status" -eq 78 ]
}

@test "kernel pre-filtering: an exact-image exclude is applied before the ring buffer, with the same result" {
	cat >"$WORK/mute.xml" <<'XML'
<Sysmon schemaversion="4.90">
  <EventFiltering>
    <ProcessCreate onmatch="exclude"/>
    <FileCreate onmatch="exclude">
      <Image condition="is">/usr/bin/touch</Image>
    </FileCreate>
    <FileDelete onmatch="exclude"/>
  </EventFiltering>
</Sysmon>
XML
	start_sensor --config "$WORK/mute.xml"
	for i in $(seq 1 20); do touch "$WORK/t$i"; done
	/usr/bin/python3 -c "open('$WORK/py', 'w').close()"
	rm "$WORK/t1"
	wait_event ".EventID==11 and .TargetFilename==\"$WORK/py\"" >/dev/null
	wait_event ".EventID==23 and .TargetFilename==\"$WORK/t1\"" >/dev/null
	stop_sensor
	[ "$(count_events '.EventID==11 and .Image=="/usr/bin/touch"')" -eq 0 ]
	[ "$(count_events '.EventID==1 and .Image=="/usr/bin/touch"')" -eq 20 ]
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	# The 20 creations were dropped in the kernel, counted as filtered.
	[ "$(jq '.KernelFiltered' <<<"$h")" -ge 20 ]
	[ "$(jq '.FileCreateFiltered' <<<"$h")" -ge 20 ]
	jq -e '.FileCreateSeen == .FileCreateEmitted + .FileCreateFiltered + .FileCreateCapped + .FileCreateDroppedKernel + .FileCreateDroppedUser' <<<"$h"
}
