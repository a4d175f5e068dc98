#!/usr/bin/env bats
# `vigil atomics run` (issue 18): the throwaway sandbox and the markers, on
# the made-up techniques of tests/fixtures/atomics-sandbox. Runs as root.
# The sandbox tests need no sensor; the attribution test starts the real
# one (run this file under `flock /tmp/vigil-sensor.lock`).

load lib
bats_require_minimum_version 1.5.0

ROOT="$BATS_TEST_DIRNAME/../.."
SBX=tests/fixtures/atomics-sandbox

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	cd "$ROOT"
	M="$BATS_TEST_TMPDIR/manifest.json"
}

teardown() {
	teardown_sensor
	[ -n "${BG_PID:-}" ] && kill "$BG_PID" 2>/dev/null || true
}

# The files the persistence test writes, each with its sha256 or "absent".
snapshot() {
	local f
	for f in /etc/passwd /etc/shadow /root/.ssh/authorized_keys /etc/cron.d/x \
		/var/spool/cron/crontabs/root /usr/local/bin/x /tmp/x /var/tmp/x /run/x \
		/opt/vigil-prereq/tool.sh "$SBX/atomics/T9901/src/hello.txt"; do
		if [ -e "$f" ]; then sha256sum "$f"; else echo "absent $f"; fi
	done
	ls -la /root/.ssh /etc/cron.d /var/spool/cron 2>&1 || true
}

# test INDEX FIELD: one field of a test of the manifest, as JSON.
mt() {
	jq -c ".tests[$1].$2" "$M"
}

@test "atomics run: writes to /etc, /root, cron, /usr/local, /tmp and the atomics folder vanish; the host is unchanged" {
	before=$(snapshot)
	touch "$BATS_TEST_TMPDIR/stamp"
	sleep 1.1 # -newer compares whole seconds on some filesystems
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9901 --manifest "$M"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"[1/1] T9901-1 ok ("* ]]
	[[ "$stderr" == *"#{nosuch} names no input argument: left as is"* ]]
	# It really wrote, inside: the user line is in its /etc/passwd, the
	# atomics folder's file was there (and changed, inside only).
	[ "$(mt 0 ran)" = true ]
	[ "$(mt 0 succeeded)" = true ]
	[ "$(mt 0 output)" = '"hello from the atomics folder\n1\nunknown #{nosuch}\n"' ]
	[ "$(mt 0 unknown_inputs)" = '["nosuch"]' ]
	[ "$(mt 0 '"phases"|map(.phase)')" = '["command","cleanup"]' ]
	# The host: the same bytes, nothing new.
	after=$(snapshot)
	[ "$before" = "$after" ]
	! grep -q vigiltest /etc/passwd
	[ -z "$(find /etc /root/.ssh /usr/local /var/spool /opt -newer "$BATS_TEST_TMPDIR/stamp" 2>/dev/null)" ]
	# The pids cgroup leaf is gone too.
	[ -z "$(ls -d /sys/fs/cgroup/vigil-atomic-* /sys/fs/cgroup/pids/vigil-atomic-* 2>/dev/null)" ]
}

@test "atomics run: pid 1 is the root marker, own hostname, read-only /proc/sys and /sys, no disks, only lo" {
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9902-1 --manifest "$M"
	[ "$status" -eq 0 ]
	out=$(jq -r '.tests[0].output' "$M")
	runid=$(jq -r .runid "$M")
	[[ "$out" == *"ppid=1"* ]]
	[[ "$out" == *"root=vigil-atomic:$runid:0 atomics run --sandbox-root "* ]]
	[[ "$out" == *"hostname=vigil-atomic-sandbox"* ]]
	[ "$(hostname)" != vigil-atomic-sandbox ]
	[[ "$out" == *"ifaces=lo "* ]]
	[[ "$out" == *"procsys=ro"* ]]
	[[ "$out" == *"sys=ro"* ]]
	# /dev: the harmless devices only.
	[[ "$out" == *"fd full null ptmx pts random shm stderr stdin stdout tty urandom zero"* ]]
	# Capabilities that reach the kernel are gone: SYS_MODULE (16),
	# SYS_RAWIO (17), SYS_ADMIN (21), SYS_BOOT (22), BPF (39); kept: KILL (5).
	capbnd=$(printf '%s\n' "$out" | sed -n 's/^capbnd=//p')
	for bit in 16 17 21 22 39; do
		[ $(((0x$capbnd >> bit) & 1)) -eq 0 ]
	done
	[ $(((0x$capbnd >> 5) & 1)) -eq 1 ]
	[[ "$out" == *"core=0 fsize=1048576"* ]]
	# Processes capped by a pids cgroup leaf where the host has one.
	if [ "$(jq -r .process_cap "$M")" != rlimit ]; then
		[[ "$out" == *"cgroup="*":/vigil-atomic-$(jq -r '.tests[0].root_pid' "$M")"* ]]
	fi
	# Its own pid namespace: only its few processes are visible.
	procs=$(printf '%s\n' "$out" | sed -n 's/^procs=//p')
	[ "$procs" -lt 10 ]
}

@test "atomics run: a listener on the host's own non-lo address is unreachable from the sandbox" {
	addr=$(ip -4 -o addr show scope global | awk '{sub("/.*","",$4); print $4; exit}')
	[ -n "$addr" ]
	port=$((20000 + RANDOM % 20000))
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(5)
while True:
    c, _ = s.accept(); open(sys.argv[3], "a").write("accepted\n"); c.close()
' "$addr" "$port" "$BATS_TEST_TMPDIR/accepted" &
	BG_PID=$!
	# The same connect from the host works: the listener is there.
	for i in $(seq 1 50); do
		bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null && break
		sleep 0.1
	done
	for i in $(seq 1 20); do
		[ -s "$BATS_TEST_TMPDIR/accepted" ] && break
		sleep 0.1
	done
	[ "$(cat "$BATS_TEST_TMPDIR/accepted")" = accepted ]
	# A copy of the fixture aimed at it.
	mkdir -p "$BATS_TEST_TMPDIR/art/atomics/T9902"
	sed -e "s/default: 127.0.0.1/default: $addr/" -e "s/default: '1'/default: '$port'/" \
		$SBX/atomics/T9902/T9902.yaml >"$BATS_TEST_TMPDIR/art/atomics/T9902/T9902.yaml"
	run --separate-stderr "$VIGIL" atomics run "$BATS_TEST_TMPDIR/art" --only T9902-2 --manifest "$M"
	[ "$status" -eq 0 ]
	[ "$(mt 0 ran)" = true ]
	[ "$(mt 0 succeeded)" = false ]
	[ "$(mt 0 '"phases"[0].exit')" = 1 ]
	[[ "$(mt 0 output)" == *"Network is unreachable"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/accepted")" = accepted ]
}

@test "atomics run: a hang is killed at --timeout with everything it started; cleanup still runs" {
	start=$(date +%s)
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9902-3 --manifest "$M" --timeout 2
	[ "$status" -eq 0 ]
	[ $(($(date +%s) - start)) -lt 10 ]
	[[ "$stderr" == *"[1/1] T9902-3 command timed out ("* ]]
	[ "$(jq '.timeout_s' "$M")" = 2 ]
	[ "$(mt 0 '"phases"[0]|[.phase,.exit,.signal,.timed_out]')" = '["command",-1,9,true]' ]
	[ "$(mt 0 '"phases"[0].ms')" -ge 2000 ]
	[ "$(mt 0 '"phases"[1]|[.phase,.exit,.timed_out]')" = '["cleanup",0,false]' ]
	[ "$(mt 0 succeeded)" = false ]
	[ "$(mt 0 ran)" = true ]
	# Neither the sleep nor the one it put in the background survives.
	! pgrep -f "sleep 1017"
}

@test "atomics run: a dependency whose prereq fails runs get_prereq, then the command; one never met skips the command" {
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9904 --manifest "$M"
	[ "$status" -eq 0 ]
	[ "$(mt 0 '"phases"|map([.phase,.exit])')" = '[["prereq0",1],["get_prereq0",0],["prereq0",0],["command",0]]' ]
	[ "$(mt 0 succeeded)" = true ]
	[ "$(mt 0 output)" = '"tool ran\n"' ]
	[ "$(mt 1 ran)" = false ]
	[ "$(mt 1 skip_reason)" = '"prerequisite not met: no such thing here"' ]
	[ "$(mt 1 '"phases"|map(.phase)')" = '["prereq0","get_prereq0","prereq0"]' ]
	[ ! -e /opt/vigil-prereq ]
}

@test "atomics run: a command that calls a missing program failed, though its shell exits 0; a lookup that finds nothing did not" {
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9907 --manifest "$M"
	[ "$status" -eq 0 ]
	[ "$(mt 0 'phases[] | select(.phase=="command") | .exit')" = 0 ]
	[ "$(mt 0 succeeded)" = false ]
	# Each missing program once, in order; the output of `type` is not the
	# shell's own error and does not count.
	# Two pipeline members' messages on one line (dash writes the prefix
	# apart) still name the command.
	[ "$(mt 0 not_found)" = '["vigil-no-such-tool","vigil-also-missing","vigil-interleaved"]' ]
	[ "$(mt 1 succeeded)" = false ]
	[ "$(mt 1 not_found)" = '["vigil-no-such-tool"]' ]
	[ "$(mt 2 succeeded)" = true ]
	[ "$(mt 2 not_found)" = '[]' ]
	[[ "$stderr" == *"T9907-1 command failed: vigil-no-such-tool: not found here"* ]]
}

@test "atomics run: a command whose systemd-run finds no systemd as PID 1 failed, though its shell exits 0" {
	command -v systemd-run >/dev/null || { [ "${CI:-}" != true ] || return 1; skip "no systemd-run"; }
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9909 --manifest "$M"
	[ "$status" -eq 0 ]
	[ "$(mt 0 'phases[] | select(.phase=="command") | .exit')" = 0 ]
	[ "$(mt 0 succeeded)" = false ]
	[ "$(mt 0 no_systemd)" = true ]
	[[ "$stderr" == *"T9909-1 command failed: no systemd as PID 1 here"* ]]
	# The words elsewhere in a line are not systemd's refusal.
	[ "$(mt 1 succeeded)" = true ]
	[ "$(mt 1 no_systemd)" = false ]
}

@test "atomics run: /tmp/AtomicRedTeam/atomics is the checkout under test, and what a test changes there vanishes" {
	f="$SBX/atomics/T9908/T9908.yaml"
	before=$(stat -c '%a %U' "$f")
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9908 --manifest "$M"
	[ "$status" -eq 0 ]
	[ "$(mt 0 succeeded)" = true ]
	[ "$(mt 0 output)" = '"777\n"' ]
	[ "$(stat -c '%a %U' "$f")" = "$before" ]
	[ ! -e /tmp/AtomicRedTeam ] || [ "$(readlink -f /tmp/AtomicRedTeam/atomics)" != "$(readlink -f "$SBX/atomics")" ]
}

@test "atomics run: the policy refuses before anything runs, usage and exit codes" {
	rm -f /tmp/vigil-atomics-refused-marker
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9903 --manifest "$M"
	[ "$status" -eq 0 ]
	[ "$(mt 0 skip_reason)" = "\"policy: kernel module: 'insmod' in command\"" ]
	[ "$(mt 1 skip_reason)" = "\"policy: BPF: '/sys/kernel/debug/tracing' in command\"" ]
	[ "$(jq -c '[.tests[]|.ran,.root_marker,.root_pid,(.phases|length)]' "$M")" = '[false,null,null,0,false,null,null,0]' ]
	[ ! -e /tmp/vigil-atomics-refused-marker ]
	run "$VIGIL" atomics run $SBX --only T9903-x
	[ "$status" -eq 64 ]
	run "$VIGIL" atomics run $SBX --timeout 0
	[ "$status" -eq 64 ]
	run "$VIGIL" atomics run "$BATS_TEST_TMPDIR/nowhere"
	[ "$status" -eq 66 ]
	run "$VIGIL" atomics run $SBX --sensor-output "$BATS_TEST_TMPDIR/none.jsonl"
	[ "$status" -eq 66 ]
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$VIGIL" atomics run $SBX
	[ "$status" -eq 77 ]
	# The root's subcommand refuses to run outside a sandbox.
	run "$VIGIL" atomics run --sandbox-root
	[ "$status" -eq 64 ]
}

@test "atomics run under the live sensor: root marker, phase shells by ParentProcessGuid, the end marker; refused tests start nothing" {
	start_sensor
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9901,T9903,T9904-1 \
		--sensor-output "$OUT" --manifest "$M" -o "$BATS_TEST_TMPDIR/results.json"
	[ "$status" -eq 0 ]
	[ "$(jq .end_marker_seen "$M")" = true ]
	# -o is the scored RESULTS: every manifest test, with its verdict.
	R="$BATS_TEST_TMPDIR/results.json"
	[ "$(jq .vigil_atomics_results "$R")" = 1 ]
	jq -e --slurpfile m "$M" '($m[0].tests | length) == (.results | length) and
		([.results[] | .verdict == (if .ran | not then "skipped"
			elif .succeeded | not then "command_failed"
			else (.verdict | select(. == "verified" or . == "partial" or . == "not_seen")) end)]
		 | all)' "$R"
	[ "$(jq .runid "$R")" = "$(jq .runid "$M")" ]
	[[ "$output" == *"key behaviour seen (of succeeded)"* ]]
	runid=$(jq -r .runid "$M")
	[[ "$runid" =~ ^[0-9a-f]{16}$ ]]
	# The end marker's ProcessCreate is in the output already.
	[ "$(count_events ".EventID==1 and .CommandLine==\"vigil-atomic:$runid:end\"")" -eq 1 ]
	# Test 0 (T9901-1): root, then command and cleanup shells under it.
	root=$(wait_event ".EventID==1 and (.CommandLine|startswith(\"vigil-atomic:$runid:0 \"))")
	[ "$(field "$root" CommandLine)" = "vigil-atomic:$runid:0 atomics run --sandbox-root" ]
	[ "$(field "$root" ProcessId)" = "$(mt 0 root_pid)" ]
	rg=$(field "$root" ProcessGuid)
	for ph in command cleanup; do
		ev=$(wait_event ".EventID==1 and (.CommandLine|startswith(\"vigil-atomic:$runid:0:$ph -c \"))")
		[ "$(field "$ev" ParentProcessGuid)" = "$rg" ]
		[ "$(field "$ev" Image)" = /usr/bin/dash ] || [ "$(field "$ev" Image)" = /bin/sh ] || [ "$(field "$ev" Image)" = /usr/bin/sh ]
	done
	# A process the command started descends from the command shell.
	cg=$(field "$(wait_event ".EventID==1 and (.CommandLine|startswith(\"vigil-atomic:$runid:0:command -c \"))")" ProcessGuid)
	ev=$(wait_event ".EventID==1 and .ParentProcessGuid==\"$cg\" and (.CommandLine|startswith(\"chmod 755 /usr/local/bin/x\"))")
	# Tests 1 and 2 (T9903) were refused: no process carries their markers.
	[ "$(count_events "(.CommandLine // \"\")|startswith(\"vigil-atomic:$runid:1\")")" -eq 0 ]
	[ "$(count_events "(.CommandLine // \"\")|startswith(\"vigil-atomic:$runid:2\")")" -eq 0 ]
	# Test 3 (T9904-1): every phase shell is a child of its root.
	root=$(wait_event ".EventID==1 and (.CommandLine|startswith(\"vigil-atomic:$runid:3 \"))")
	rg=$(field "$root" ProcessGuid)
	for ph in prereq0 get_prereq0 command; do
		ev=$(wait_event ".EventID==1 and (.CommandLine|startswith(\"vigil-atomic:$runid:3:$ph -c \"))")
		[ "$(field "$ev" ParentProcessGuid)" = "$rg" ]
		[ "$(field "$ev" Image)" = /usr/bin/bash ] || [ "$ph" = command ]
	done
	[ "$(count_events ".EventID==1 and (.CommandLine|startswith(\"vigil-atomic:$runid:3:prereq0 -c \"))")" -eq 2 ]
	stop_sensor
}

@test "atomics run under the live sensor: what the command leaves in the background runs, in the command's tree, after its shell exits" {
	start_sensor
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9905 \
		--sensor-output "$OUT" --manifest "$M" -o "$BATS_TEST_TMPDIR/results.json"
	[ "$status" -eq 0 ]
	runid=$(jq -r .runid "$M")
	sh=$(wait_event ".EventID==1 and (.CommandLine|startswith(\"vigil-atomic:$runid:0:command -c \"))")
	shg=$(field "$sh" ProcessGuid)
	# The subshell execs true half a second after the command's shell has
	# exited: the kernel had re-parented it to the root by then, and the
	# ProcessCreate still names the shell that created it.
	ev=$(wait_event '.EventID==1 and .CommandLine=="/usr/bin/true vigil-background-marker"')
	[ "$(field "$ev" ParentProcessGuid)" = "$shg" ]
	t=$(wait_event ".EventID==5 and .ProcessGuid==\"$shg\"")
	[[ "$(field "$t" UtcTime)" < "$(field "$ev" UtcTime)" ]]
	# The scorer attributes it to the command phase.
	jq -e '.results[0].command_event_types.ProcessCreate >= 1' "$BATS_TEST_TMPDIR/results.json"
	stop_sensor
}

@test "atomics run under the live sensor: the last test's FileModify, held by the sensor to coalesce, is scored" {
	start_sensor --config etc/vigil.xml
	run --separate-stderr "$VIGIL" atomics run $SBX --only T9906 \
		--sensor-output "$OUT" --manifest "$M" -o "$BATS_TEST_TMPDIR/results.json"
	[ "$status" -eq 0 ]
	runid=$(jq -r .runid "$M")
	# The runner execs the end marker after the sensor's hold window, so
	# the held FileModify is written before it, and the scorer counts it.
	end=$(wait_event ".EventID==1 and .CommandLine==\"vigil-atomic:$runid:end\"")
	mod=$(wait_event '.EventID==200 and .TargetFilename=="/tmp/vigil-held"')
	[ "$(field "$mod" WriteCount)" = 2 ]
	[ "$(field "$mod" SequenceNumber)" -lt "$(field "$end" SequenceNumber)" ]
	jq -e '.results[0].command_event_types.FileModify == 1' "$BATS_TEST_TMPDIR/results.json"
	stop_sensor
}

@test "atomics run: the end marker that never comes is reported, exit 69" {
	: >"$BATS_TEST_TMPDIR/dead.jsonl"
	run --separate-stderr timeout 60 "$VIGIL" atomics run $SBX --only T9904-2 \
		--sensor-output "$BATS_TEST_TMPDIR/dead.jsonl" --manifest "$M"
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"the end marker vigil-atomic:"*":end never appeared in $BATS_TEST_TMPDIR/dead.jsonl within 15 s"* ]]
	[ "$(jq .end_marker_seen "$M")" = false ]
}
