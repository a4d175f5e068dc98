#!/usr/bin/env bats
# `vigil atomics score` on the live sensor's events (shipped config): the
# sandbox runner's anchor is simulated here, a root process exec'd with
# argv[0] `vigil-atomic:<runid>:<idx>` and phase shells with
# `vigil-atomic:<runid>:<idx>:<phase>`, next to a concurrent unrelated
# process doing the same things and a look-alike command line. The scorer
# must attribute by lineage only and give the exact verdicts.

load lib
bats_require_minimum_version 1.5.0

RUNID=0123456789abcdef
ROOT="$BATS_TEST_DIRNAME/../.."

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	W="$BATS_TEST_TMPDIR/work"
	mkdir -p "$W"
	CFG="$BATS_TEST_TMPDIR/vigil.xml"
	install -m 0600 "$ROOT/etc/vigil.xml" "$CFG"
}

teardown() {
	teardown_sensor
	[ -n "${BG_PID:-}" ] && kill "$BG_PID" 2>/dev/null || true
}

# manifest FILE: four tests; 0 and 1 ran and succeeded, 2 was skipped, 3
# ran a shell builtin only.
manifest() {
	cat >"$1" <<EOF
{"vigil_atomics_manifest": 1, "runid": "$RUNID", "atomics_dir": "/x", "host": "$(hostname)",
 "started": "2026-12-05T07:00:00.000Z", "finished": "2026-12-05T07:00:10.000Z", "timeout_s": 60,
 "tests": [
  {"index": 0, "technique": "T1003.008", "number": 1, "name": "shadow", "guid": "g0", "executor": "sh",
   "ran": true, "skip_reason": null, "root_marker": "vigil-atomic:$RUNID:0", "root_pid": 1,
   "phases": [{"phase": "command", "exit": 0, "signal": 0, "timed_out": false, "ms": 5}],
   "succeeded": true, "output": "", "start": "s", "end": "e"},
  {"index": 1, "technique": "T1070.004", "number": 1, "name": "delete", "ran": true, "succeeded": true},
  {"index": 2, "technique": "T1014", "number": 1, "name": "rootkit", "ran": false,
   "skip_reason": "policy: kernel module: 'insmod' in command"},
  {"index": 3, "technique": "T1082", "number": 1, "name": "builtin only", "ran": true, "succeeded": true}
 ]}
EOF
}

# sandbox IDX PHASE-SCRIPT...: a root exec'd with the root marker that runs
# each "PHASE:COMMAND" as its own phase shell, as the runner does.
sandbox() {
	local idx=$1
	shift
	(
		export RUNID idx W
		exec -a "vigil-atomic:$RUNID:$idx" /bin/bash -c '
			for p in "$@"; do
				( exec -a "vigil-atomic:$RUNID:$idx:${p%%:*}" /bin/sh -c "${p#*:}" )
			done' bash "$@"
	)
}

@test "atomics score: live events attributed by lineage from the root, with exact verdicts" {
	start_sensor --config "$CFG"
	# An unrelated process doing what test 0 does, at the same time, and a
	# command line that names the marker without starting with it.
	(
		for i in 1 2 3 4 5; do
			touch "$W/unrelated$i"
			cat /etc/shadow >/dev/null
			sleep 0.05
		done
	) &
	BG_PID=$!
	sh -c "echo vigil-atomic:$RUNID:0 >$W/lookalike"
	sandbox 0 "command:touch $W/x; cat /etc/shadow >/dev/null; (echo hi >$W/y)" \
		"cleanup:rm -f $W/x $W/y"
	sandbox 1 "prereq0:touch $W/z" "command:rm -f $W/z"
	sandbox 3 "command:echo builtin"
	wait "$BG_PID"
	BG_PID=
	# The end marker, as the runner writes it; once it is in the file, so
	# is everything before it.
	(exec -a "vigil-atomic:$RUNID:end" /bin/true)
	wait_event ".EventID==1 and .CommandLine==\"vigil-atomic:$RUNID:end\"" >/dev/null
	wait_event ".EventID==23 and .TargetFilename==\"$W/y\"" >/dev/null
	stop_sensor

	M="$BATS_TEST_TMPDIR/manifest.json"
	R="$BATS_TEST_TMPDIR/results.json"
	manifest "$M"
	run "$VIGIL" atomics score "$M" --sensor-output "$OUT" -o "$R" \
		--sigma "$ROOT/tests/fixtures/sigmahq/rules/linux"
	echo "$output"
	jq -c '.results[] | [.verdict, .event_types, .command_event_types, [.alerts[] | .title]]' "$R"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$R")" = 600 ]
	[ "${lines[0]}" = "T1003.008-1      verified       key DCs 1/1  $(jq -r '.results[0] | "events \(.events) (command \(.command_events))"' "$R")  alerts $(jq -r '.results[0].alerts | "\(length) (\(map(select(.generic|not))|length) non-generic)"' "$R")" ]
	[[ "${lines[4]}" == "4 tests: 3 ran, 1 skipped, 3 succeeded, 2 key behaviour seen, 2 covered, "* ]]

	# Test 0: touch's file and the subshell's, the shadow read of the
	# command phase only; the unrelated loop and the look-alike are out.
	jq -e '.results[0].command_event_types.FileCreate == 2' "$R"
	jq -e '.results[0].event_types.FileCreate == 2' "$R"
	jq -e '.results[0].command_event_types.SensitiveFileRead == 1' "$R"
	jq -e '.results[0].event_types.SensitiveFileRead == 1' "$R"
	# the phase shell, touch and cat
	jq -e '.results[0].command_event_types.ProcessCreate == 3' "$R"
	# the root, the cleanup shell and its rm, besides
	jq -e '.results[0].event_types.ProcessCreate == 6' "$R"
	jq -e '.results[0].event_types.FileDelete == 2 and (.results[0].command_event_types.FileDelete == null)' "$R"
	jq -e '.results[0].root_seen and .results[0].telemetry == "covered" and .results[0].verdict == "verified"' "$R"
	jq -e '.results[0].data_components[] | select(.id == "DC0055") | .key and .seen and .by == ["SensitiveFileRead"]' "$R"
	jq -e '.results[0].data_components[] | select(.id == "DC0032") | (.key | not) and .seen' "$R"
	# every attributed file event is one of the tests' own files
	jq -e --arg w "$W" '[.results[].event_types.FileCreate // 0] | add == 3' "$R"
	# Test 1: its prerequisite's file, deleted in the command phase.
	jq -e '.results[1].command_event_types.FileDelete == 1 and .results[1].verdict == "verified"' "$R"
	jq -e '.results[1].event_types.FileCreate == 1 and (.results[1].command_event_types.FileCreate == null)' "$R"
	# Test 2 was skipped; test 3's only process is its phase shell, which
	# does not count.
	jq -e '.results[2].verdict == "skipped" and .results[2].events == 0' "$R"
	jq -e '.totals.skipped_by_reason == {"policy": 1}' "$R"
	jq -e '.results[3].command_events >= 1 and .results[3].command_event_types.ProcessCreate == 1' "$R"
	jq -e '.results[3].telemetry == "not_seen" and .results[3].verdict == "not_seen"' "$R"
	# Sigma: the phase shells name /tmp/ with -c, a generic rule.
	jq -e '.results[0].alerts[] | select(.id == "30bcce26-51c5-49f2-99c8-7b59e3af36c7") | .generic and .count >= 2' "$R"
	jq -e '.input.bad_lines == 0 and .input.oversize_lines == 0' "$R"
	jq -e '.totals | .tests == 4 and .ran == 3 and .succeeded == 3 and .key_seen == 2 and .covered == 2' "$R"
}

@test "atomics score: bad manifest exits 65, an existing -o is refused, stdout without -o" {
	E="$BATS_TEST_TMPDIR/events.jsonl"
	M="$BATS_TEST_TMPDIR/manifest.json"
	: >"$E"
	manifest "$M"
	printf '{"vigil_atomics_manifest": 1,\n "runid": ' >"$BATS_TEST_TMPDIR/bad.json"
	run "$VIGIL" atomics score "$BATS_TEST_TMPDIR/bad.json" --sensor-output "$E"
	[ "$status" -eq 65 ]
	[[ "$output" == "vigil atomics score: $BATS_TEST_TMPDIR/bad.json:2: not a JSON manifest: "* ]]
	echo '{"vigil_atomics_manifest": 1, "runid": "x", "tests": []}' >"$BATS_TEST_TMPDIR/bad2.json"
	run "$VIGIL" atomics score "$BATS_TEST_TMPDIR/bad2.json" --sensor-output "$E"
	[ "$status" -eq 65 ]
	[ "$output" = 'manifest: "runid" is not 16 lowercase hex digits' ]
	run "$VIGIL" atomics score "$M"
	[ "$status" -eq 64 ]
	run "$VIGIL" atomics score "$M" --sensor-output "$BATS_TEST_TMPDIR/none.jsonl"
	[ "$status" -eq 66 ]
	: >"$BATS_TEST_TMPDIR/exists.json"
	run "$VIGIL" atomics score "$M" --sensor-output "$E" -o "$BATS_TEST_TMPDIR/exists.json"
	[ "$status" -eq 73 ]
	[ ! -s "$BATS_TEST_TMPDIR/exists.json" ]
	ln -s "$BATS_TEST_TMPDIR/target.json" "$BATS_TEST_TMPDIR/link.json"
	run "$VIGIL" atomics score "$M" --sensor-output "$E" -o "$BATS_TEST_TMPDIR/link.json"
	[ "$status" -eq 73 ]
	[ ! -e "$BATS_TEST_TMPDIR/target.json" ]
	run --separate-stderr "$VIGIL" atomics score "$M" --sensor-output "$E"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.vigil_atomics_results == 1 and (.results | length) == 4 and .sigma == null'
	echo "$output" | jq -e '[.results[].verdict] == ["not_seen", "not_seen", "skipped", "not_seen"]'
}
