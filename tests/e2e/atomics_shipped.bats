#!/usr/bin/env bats
# Issue 18's measurement, run in CI: every runnable Atomic Red Team test of
# the shipped set (data/atomic-red-team, 75 Linux techniques) in its own
# throwaway sandbox under the live sensor with the shipped configuration
# (etc/vigil.xml), scored against the sensor's events and SigmaHQ's Linux
# rules (tests/fixtures/sigmahq). It takes about 4 minutes.
#
# What must hold on any machine, whatever tools it has installed (a test
# whose tool is missing fails its command and counts as not succeeded):
# every runnable test ran or stopped at a local prerequisite; every sandbox
# root reached the sensor; each test's phase shells are children of its own
# root; the host's account, cron, sudo and ssh files are byte for byte
# unchanged; and floors on the shares of the tests that succeeded. The
# counts are printed for COVERAGE.md.

load lib
bats_require_minimum_version 1.5.0

ROOT="$BATS_TEST_DIRNAME/../.."

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	cd "$ROOT"
	R="$BATS_TEST_TMPDIR/results.json"
	M="$BATS_TEST_TMPDIR/manifest.json"
}

teardown() {
	teardown_sensor
}

# The host files an attack test would most like to change, with their
# sha256 (or "absent"), and the listings of the directories that hold
# persistence.
host_state() {
	local f
	for f in /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/sudoers /etc/hosts \
		/etc/crontab /etc/profile /etc/bash.bashrc /etc/ld.so.preload \
		/root/.bashrc /root/.bash_history /root/.ssh/authorized_keys; do
		if [ -e "$f" ]; then sha256sum "$f"; else echo "absent $f"; fi
	done
	ls -la /etc/cron.d /etc/sudoers.d /etc/systemd/system /root/.ssh \
		/var/spool/cron /usr/local/bin 2>&1 || true
}

# share N D: N/D as a per-mille integer (bash has no floats).
permille() {
	echo $(($1 * 1000 / $2))
}

@test "atomics: every runnable test of the shipped set, in its sandbox, under the live sensor" {
	before=$(host_state)
	runnable=$("$VIGIL" atomics list data/atomic-red-team --json | jq -s '[.[] | select(.runnable)] | length')
	[ "$runnable" -ge 150 ]
	start_sensor --config etc/vigil.xml
	run --separate-stderr "$VIGIL" atomics run data/atomic-red-team --sensor-output "$OUT" \
		--sigma tests/fixtures/sigmahq -o "$R" --manifest "$M"
	echo "$stderr" | tail -n 5
	[ "$status" -eq 0 ]
	stop_sensor
	# The host is unchanged.
	after=$(host_state)
	[ "$before" = "$after" ]
	# Every runnable test was started; the only skips besides the list's
	# reasons are prerequisites that are not met here.
	jq -e --argjson n "$runnable" \
		'[.results[] | select(.ran or (.skip_reason|startswith("prerequisite not met")))] | length == $n' "$R"
	[ "$(jq '[.results[] | select(.skip_reason != null and (.skip_reason|startswith("sandbox")))] | length' "$R")" -eq 0 ]
	# Every sandbox root reached the sensor, and the end marker too.
	jq -e '[.results[] | select(.ran and (.root_seen|not))] | length == 0' "$R"
	jq -e '.end_marker_seen' "$M"
	# Each test's phase shells are children of its own root, by the
	# sensor's ProcessGuids (read here independently of the scorer).
	runid=$(jq -r .runid "$M")
	grep -F "\"CommandLine\":\"vigil-atomic:$runid:" "$OUT" |
		jq -s -e --arg r "vigil-atomic:$runid:" '
		  [.[] | select(.EventID == 1)] as $pc
		  | ($pc | map(select(.CommandLine | test("^" + $r + "[0-9]+( |$)")))
		         | map({key: (.CommandLine | ltrimstr($r) | split(" ")[0]), value: .ProcessGuid}) | from_entries) as $roots
		  | [$pc[] | select(.CommandLine | test("^" + $r + "[0-9]+:"))
		     | (.CommandLine | ltrimstr($r) | split(":")[0]) as $i
		     | .ParentProcessGuid == $roots[$i]] | (length > 100 and all)'
	jq -e '[.results[] | select(.ran) | .events > 0] | all' "$R"
	# The numbers.
	ok=$(jq '.totals.succeeded' "$R")
	key=$(jq '.totals.key_seen' "$R")
	cov=$(jq '.totals.covered' "$R")
	al=$(jq '[.results[] | select(.succeeded and .alert)] | length' "$R")
	ng=$(jq '[.results[] | select(.succeeded and .nongeneric_alert)] | length' "$R")
	echo "# ran $(jq .totals.ran "$R") of $runnable runnable, succeeded $ok;" \
		"key behaviour seen $key ($(permille "$key" "$ok")‰), all key seen $cov;" \
		"Sigma alert $al, non-generic $ng ($(permille "$ng" "$ok")‰)" >&3
	[ "$ok" -ge 60 ]
	# On the tests that succeeded. The issue's targets are 95% with the key
	# behaviour seen and 70% with a non-generic Sigma alert; this machine
	# measured 95.7% (89 of 93) and 84.9% (COVERAGE.md says what the four
	# misses are). The key floor sits two tests below the measured 95.7%:
	# a test that times out on a slow CI machine moves it by about 1%.
	[ "$(permille "$key" "$ok")" -ge 930 ]
	[ "$(permille "$ng" "$ok")" -ge 700 ]
	# The summary a user pastes into a ticket reads the same file.
	run "$VIGIL" atomics summary "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"key behaviour seen (of succeeded)"* ]]
}
