#!/usr/bin/env bats
# `vigil atomics summary` and `vigil coverage --verified` with atomics RESULTS
# on the hand-made fixtures in tests/fixtures/atomics-results (numbers in its
# README.md): exact output lines, markdown, the comparison, exit codes, and
# the verdicts with their tests in the Navigator layer and HTML page. Reads
# files only: no sensor is started.

load lib
bats_require_minimum_version 1.5.0

ROOT="$BATS_TEST_DIRNAME/../.."
FIX=tests/fixtures/atomics-results

setup() {
	cd "$ROOT"
}

@test "atomics summary: headline numbers and the per-technique table" {
	run --separate-stderr "$VIGIL" atomics summary $FIX/results.json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "Atomic Red Team results" ]
	[ "${lines[1]}" = "run 0123456789abcdef on host sensor-a, 2026-12-05T07:10:00.000Z to 2026-12-05T07:12:30.000Z; sensor output /var/log/vigil/a.jsonl; Sigma rules /etc/vigil/sigma" ]
	[ "${lines[2]}" = "metric                                  value" ]
	[ "${lines[3]}" = "tests                                   14" ]
	[ "${lines[4]}" = "ran (of tests)                          7 of 14 (50.0%)" ]
	[[ "$output" == *"
skipped: download                       2
skipped: policy                         1
skipped: manual                         1
skipped: executor                       1
skipped: prerequisite not met           1
skipped: sandbox                        1
succeeded (of ran)                      5 of 7 (71.4%)
command failed (of ran)                 1 of 7 (14.3%)
timed out (of ran)                      1 of 7 (14.3%)
key behaviour seen (of succeeded)       4 of 5 (80.0%)
all key behaviour seen (of succeeded)   2 of 5 (40.0%)
any Sigma alert (of succeeded)          3 of 5 (60.0%)
non-generic Sigma alert (of succeeded)  2 of 5 (40.0%)
techniques                              6
"* ]]
	[ "${lines[-7]}" = "technique  name                                          tests  ran  ok  verdict   key DCs seen  alerted  non-generic" ]
	[ "${lines[-6]}" = "T1003.008  OS Credential Dumping: /etc/passwd, /etc/...      4    3   2  verified           2/2        2            1" ]
	[ "${lines[-1]}" = "T1070.004  Indicator Removal: File Deletion                  3    1   1  partial            1/2        0            0" ]
}

@test "atomics summary --markdown: GitHub tables" {
	run "$VIGIL" atomics summary --markdown $FIX/results.json
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "### Atomic Red Team results" ]
	[[ "$output" == *"
| metric | value |
| --- | --- |
| tests | 14 |
| ran (of tests) | 7 of 14 (50.0%) |"* ]]
	[[ "$output" == *"
| technique | name | tests | ran | ok | verdict | key DCs seen | alerted | non-generic |
| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |
| T1003.008 | OS Credential Dumping: /etc/passwd, /etc/master.passwd and /etc/shadow | 4 | 3 | 2 | verified | 2/2 | 2 | 1 |"* ]]
}

@test "atomics summary --compare: side by side with deltas, changes listed" {
	run "$VIGIL" atomics summary $FIX/results.json --compare $FIX/baseline.json
	[ "$status" -eq 0 ]
	[[ "$output" == *"
key behaviour seen (of succeeded)       4 of 5 (80.0%)   3 of 5 (60.0%)   +1 (+20.0 pp)
all key behaviour seen (of succeeded)   2 of 5 (40.0%)   1 of 5 (20.0%)   +1 (+20.0 pp)
any Sigma alert (of succeeded)          3 of 5 (60.0%)   2 of 5 (40.0%)   +1 (+20.0 pp)
non-generic Sigma alert (of succeeded)  2 of 5 (40.0%)   1 of 5 (20.0%)   +1 (+20.0 pp)
"* ]]
	[[ "$output" == *"
Techniques whose verdict changed (baseline -> this run):
  T1003.008  partial -> verified
  T1070.004  failed -> partial

Tests whose verdict or alert changed (baseline -> this run):
  T1003.008-1  verdict partial -> verified; alert generic -> non-generic
  T1003.008-3  alert none -> generic
  T1070.004-1  verdict not_seen -> partial" ]]
	run "$VIGIL" atomics summary $FIX/results.json --compare $FIX/baseline.json --markdown
	[ "$status" -eq 0 ]
	[[ "$output" == *"| key behaviour seen (of succeeded) | 4 of 5 (80.0%) | 3 of 5 (60.0%) | +1 (+20.0 pp) |"* ]]
	[[ "$output" == *"- T1070.004-1: verdict not_seen -> partial" ]]
}

@test "atomics summary: exit codes and one-line errors" {
	run --separate-stderr "$VIGIL" atomics summary $FIX/bad-syntax.json
	[ "$status" -eq 65 ]
	[ -z "$output" ]
	[ "$stderr" = "vigil atomics summary: $FIX/bad-syntax.json:4: not valid JSON: quoted object property name expected" ]
	run --separate-stderr "$VIGIL" atomics summary $FIX/bad-entry.json
	[ "$status" -eq 65 ]
	[ "$stderr" = "vigil atomics summary: $FIX/bad-entry.json: results[1]: no \"technique\" string" ]
	run --separate-stderr "$VIGIL" atomics summary tests/fixtures/coverage/results.json
	[ "$status" -eq 65 ]
	[ "$stderr" = "vigil atomics summary: tests/fixtures/coverage/results.json: not an atomics RESULTS file (no \"vigil_atomics_results\" key)" ]
	run --separate-stderr "$VIGIL" atomics summary $FIX/results.json --compare $FIX/bad-version.json
	[ "$status" -eq 65 ]
	[ "$stderr" = "vigil atomics summary: $FIX/bad-version.json: \"vigil_atomics_results\" is 2, this vigil reads version 1" ]
	run --separate-stderr "$VIGIL" atomics summary "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 66 ]
	[ "$stderr" = "vigil atomics summary: $BATS_TEST_TMPDIR/missing.json: No such file or directory" ]
	run "$VIGIL" atomics summary
	[ "$status" -eq 64 ]
	run "$VIGIL" atomics summary $FIX/results.json --bogus
	[ "$status" -eq 64 ]
	run "$VIGIL" atomics summary --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: vigil atomics summary RESULTS.json"* ]]
}

@test "coverage --verified with atomics RESULTS: navigator and HTML show verdicts and tests" {
	L="$BATS_TEST_TMPDIR/layer.json"
	run "$VIGIL" coverage --verified $FIX/results.json --verified tests/fixtures/coverage/results.json --format navigator -o "$L"
	[ "$status" -eq 0 ]
	jq -e '.techniques[] | select(.techniqueID=="T1003.008") | .color == "#3b7dd8" and (.comment | endswith("Verdict: verified (tests: T1003.008-1 verified, T1003.008-2 command_failed, T1003.008-3 partial)."))' "$L"
	jq -e '.techniques[] | select(.techniqueID=="T1070.004") | .color == "#a77dd8" and (.metadata | any(.name == "tests" and .value == "T1070.004-1 partial"))' "$L"
	jq -e '.techniques[] | select(.techniqueID=="T1053.003") | .color == "#7f0000" and (.metadata | any(.name == "tests" and .value == "T1053.003-1 not_seen, T1053.003-2 command_failed, cron-file failed"))' "$L"
	# the simulate file's verdicts still count
	jq -e '.techniques[] | select(.techniqueID=="T1033") | (.metadata | any(.name == "verdict" and .value == "verified"))' "$L"
	jq -e '[.techniques[] | select(.color)] | length == 6' "$L"
	jq -e '.legendItems | length == 8' "$L"
	H="$BATS_TEST_TMPDIR/coverage.html"
	run "$VIGIL" coverage --verified $FIX/results.json --format html -o "$H"
	[ "$status" -eq 0 ]
	grep -q '<tr class="v-verified" data-t="T1003.008"><td>T1003.008</td><td>/etc/passwd and /etc/shadow</td><td>50%</td><td>verified</td><td>T1003.008-1 verified, T1003.008-2 command_failed, T1003.008-3 partial</td></tr>' "$H"
	grep -q '<tr class="v-partial" data-t="T1070.004">' "$H"
	grep -q 'class="cell L[0-4] sub v-failed" tabindex="0" data-t="T1053.003"' "$H"
	[ "$(grep -c '^<tr class="v-' "$H")" -eq 4 ]
	run "$VIGIL" coverage --verified $FIX/results.json --format json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '[.techniques[] | select(.verified_tests)] | map(.id) == ["T1003.008","T1027.013","T1053.003","T1070.004"]'
	echo "$output" | jq -e '.techniques[] | select(.id=="T1014") | .verified == "theoretical"'
	# bad files: 65 for bad JSON or the wrong kind, 66 when missing
	run --separate-stderr "$VIGIL" coverage --verified $FIX/bad-syntax.json
	[ "$status" -eq 65 ]
	[ "$stderr" = "vigil coverage: $FIX/bad-syntax.json:4: not valid JSON: quoted object property name expected" ]
	run "$VIGIL" coverage --verified $FIX/bad-entry.json
	[ "$status" -eq 65 ]
	run "$VIGIL" coverage --verified "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 66 ]
}
