#!/usr/bin/env bats
# `vigil atomics list` on the Atomic Red Team fixtures (tests/fixtures/atomics,
# tests/fixtures/atomics-bad): the table, the JSON lines, the summary and the
# exit codes. Reads files only: no sensor is started.

load lib
bats_require_minimum_version 1.5.0

ROOT="$BATS_TEST_DIRNAME/../.."
FIX=tests/fixtures/atomics
BAD=tests/fixtures/atomics-bad

setup() {
	cd "$ROOT"
}

@test "atomics list: table and summary over the fixtures" {
	run "$VIGIL" atomics list $FIX
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "TECHNIQUE     #  EXECUTOR   RUNNABLE NAME" ]
	[ "${lines[1]}" = "T1003.008     1  bash       yes      Access /etc/shadow (Local)" ]
	[ "${lines[2]}" = "    args output_file=/tmp/T1003.008.txt" ]
	[[ "$output" == *"T1014         1  sh         no       Loadable Kernel Module based Rootkit
    cannot run: policy: kernel module: 'insmod' in command"* ]]
	[[ "$output" == *"    cannot run: download: 'curl' in get_prereq_command"* ]]
	[[ "$output" == *"    cannot run: manual: steps for a person, no command"* ]]
	[[ "$output" == *"    cannot run: executor: powershell is not sh or bash"* ]]
	[ "${lines[-1]}" = "45 tests, 26 runnable, 19 cannot run (2 manual, 2 executor, 13 policy, 2 download); 15 tests for other platforms not listed; 7 files, 0 bad" ]
}

@test "atomics list --json: one object per test, summary on stderr" {
	run --separate-stderr "$VIGIL" atomics list $FIX/atomics --json --technique T1529 --technique T1003.008
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 15 ]
	[ "${lines[0]}" = '{"technique":"T1003.008","number":1,"name":"Access /etc/shadow (Local)","guid":"3723ab77-c546-403c-8fb4-bb577033b235","executor":"bash","elevation_required":true,"input_arguments":{"output_file":"/tmp/T1003.008.txt"},"runnable":true,"reason":null}' ]
	[ "${lines[5]}" = '{"technique":"T1529","number":3,"name":"Restart System via `shutdown` - FreeBSD/macOS/Linux","guid":"6326dbc4-444b-4c04-88f4-27e94d0327cb","executor":"sh","elevation_required":true,"input_arguments":{"timeout":"now"},"runnable":false,"reason":"policy: reboot: '"'shutdown'"' in command"}' ]
	for l in "${lines[@]}"; do
		printf '%s\n' "$l" | python3 -c 'import json,sys; json.loads(sys.stdin.read())'
	done
	[ "$stderr" = "15 tests, 5 runnable, 10 cannot run (0 manual, 0 executor, 10 policy, 0 download); 6 tests for other platforms not listed; 2 files, 0 bad" ]
}

@test "atomics list: bad YAML is FILE:LINE and exit 65, the good files still listed" {
	run --separate-stderr "$VIGIL" atomics list $BAD
	[ "$status" -eq 65 ]
	[ "$stderr" = "$BAD/atomics/T9990/T9990.yaml:8: mapping values are not allowed in this context
$BAD/atomics/T9992/T9992.yaml:4: no atomic_tests list" ]
	[ "${lines[-1]}" = "9 tests, 2 runnable, 7 cannot run (0 manual, 1 executor, 5 policy, 1 download); 1 tests for other platforms not listed; 3 files, 2 bad" ]
	[[ "$output" == *"    cannot run: policy: raw disk: '/dev/sd' in command"* ]]
}

@test "atomics list: missing DIR or technique is 66, bad usage 64" {
	run "$VIGIL" atomics list "$BATS_TEST_TMPDIR/nowhere"
	[ "$status" -eq 66 ]
	[ "$output" = "$BATS_TEST_TMPDIR/nowhere: No such file or directory" ]
	run "$VIGIL" atomics list $FIX --technique T9999
	[ "$status" -eq 66 ]
	[ "$output" = "$FIX/atomics/T9999/T9999.yaml: No such file or directory" ]
	run "$VIGIL" atomics list $FIX --technique ../etc
	[ "$status" -eq 64 ]
	run "$VIGIL" atomics list
	[ "$status" -eq 64 ]
	run "$VIGIL" atomics
	[ "$status" -eq 64 ]
	run "$VIGIL" atomics list $FIX --bogus
	[ "$status" -eq 64 ]
}
