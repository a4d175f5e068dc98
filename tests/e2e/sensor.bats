#!/usr/bin/env bats
# End-to-end tests of the sensor (issue: process, network and file
# telemetry, process identity). Each test starts the real sensor as root,
# does the real thing, and checks the exact events and fields produced.

load lib

setup() {
	PY=/usr/bin/python3 # Debian's, not a pyenv shim: Image must be exact
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
}

teardown() {
	teardown_sensor
	[ -n "${BG_PID:-}" ] && kill "$BG_PID" 2>/dev/null || true
}

@test "first record is Started, SIGTERM drains and ends with Stopped, exit 0" {
	start_sensor
	first=$(head -n 1 "$OUT")
	[ "$(field "$first" EventID)" = 4 ]
	[ "$(field "$first" State)" = Started ]
	[ "$(field "$first" Version)" != - ]
	/bin/true
	stop_sensor
	last=$(tail -n 1 "$OUT")
	[ "$(field "$last" EventID)" = 4 ]
	[ "$(field "$last" State)" = Stopped ]
	# The stop was a signal to the sensor: a tamper sign, from the signal
	# tracepoint (tp_btf), on every kernel of the matrix.
	jq -e -s 'map(select(.EventID==243 and .Type=="Signal" and (.Detail|startswith("SIGTERM (15) sent to the sensor")))) | length == 1' "$OUT"
	# Every line is valid JSON, and sequence numbers increase strictly.
	jq -s -e 'map(.SequenceNumber) as $s | ($s | length) > 2 and ($s == ($s | sort)) and (($s | unique | length) == ($s | length))' "$OUT"
}

@test "exec of a script with spaces, quotes and non-ASCII: exact CommandLine, cwd, user, parent" {
	mkdir -p "$WORK/dir with space"
	cat >"$WORK/dir with space/s.sh" <<'SH'
#!/bin/sh
/bin/true
SH
	chmod +x "$WORK/dir with space/s.sh"
	start_sensor
	cd "$WORK/dir with space"
	./s.sh "a b" 'q"uote' "h\xc3\xa9llo" 'héllo wörld'
	cd - >/dev/null
	ev=$(wait_event '.EventID==1 and (.CommandLine|startswith("/bin/sh ./s.sh"))')
	[ "$(field "$ev" CommandLine)" = '/bin/sh ./s.sh a b q"uote h\xc3\xa9llo héllo wörld' ]
	[ "$(field "$ev" Image)" = "$(readlink -f /bin/sh)" ]
	[ "$(field "$ev" CurrentDirectory)" = "$WORK/dir with space" ]
	[ "$(field "$ev" User)" = root ]
	me=$BASHPID # inside $(...) BASHPID would be the subshell's
	[ "$(field "$ev" ParentProcessId)" = "$me" ]
	[ "$(field "$ev" ParentImage)" = "$(readlink /proc/$me/exe)" ]
	[ "$(field "$ev" ParentCommandLine)" = "$(tr '\0' ' ' </proc/$me/cmdline | sed 's/ $//')" ]
	[ "$(field "$ev" IntegrityLevel)" = "no level" ]
	[[ "$(field "$ev" ProcessGuid)" =~ ^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$ ]]
	# The script's child names the script as its parent.
	guid=$(field "$ev" ProcessGuid)
	child=$(wait_event ".EventID==1 and .Image==\"/usr/bin/true\" and .ParentProcessGuid==\"$guid\"")
	[ "$(field "$child" ParentImage)" = "$(readlink -f /bin/sh)" ]
	[ "$(field "$child" ParentCommandLine)" = "$(field "$ev" CommandLine)" ]
}

@test "Hashes equal sha256sum of the image" {
	start_sensor
	/usr/bin/env true
	ev=$(wait_event '.EventID==1 and .Image=="/usr/bin/env"')
	want=$(sha256sum /usr/bin/env | cut -d' ' -f1 | tr a-f A-F)
	[ "$(field "$ev" Hashes)" = "SHA256=$want" ]
}

@test "a process exiting with code 3 gives ProcessTerminate ExitCode 3" {
	start_sensor
	run /bin/sh -c 'exit 3'
	[ "$status" -eq 3 ]
	ev=$(wait_event '.EventID==5 and .ExitCode==3 and .Image=="'"$(readlink -f /bin/sh)"'"')
	guid=$(field "$ev" ProcessGuid)
	# Same process, same GUID in its create and its terminate.
	wait_event ".EventID==1 and .ProcessGuid==\"$guid\" and .CommandLine==\"/bin/sh -c exit 3\"" >/dev/null
}

@test "TCP over loopback v4 and v6: connect (Initiated=true) and accept (Initiated=false)" {
	start_sensor --config "$FIXTURES/sysmon-configs/collect-all.xml"
	for addr in 127.0.0.1 ::1; do
		$PY - "$addr" "$WORK/port" <<'PY' &
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.bind((sys.argv[1], 0)); s.listen(1)
open(sys.argv[2] + '.tmp', 'w').write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[2] + '.tmp', sys.argv[2])
c, _ = s.accept(); c.recv(10); c.close()
PY
		BG_PID=$!
		for i in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
		port=$(cat "$WORK/port"); rm -f "$WORK/port"
		$PY -c "import socket,sys; s=socket.create_connection(('$addr',$port)); s.send(b'x'); s.close()  # vigil-connect-$port"
		wait "$BG_PID"; BG_PID=
		v6=false; [ "$addr" = ::1 ] && v6=true
		out=$(wait_event ".EventID==3 and .Initiated==\"true\" and .DestinationPort==$port")
		[ "$(field "$out" Protocol)" = tcp ]
		[ "$(field "$out" DestinationIp)" = "$addr" ]
		[ "$(field "$out" SourceIp)" = "$addr" ]
		[ "$(field "$out" DestinationIsIpv6)" = "$v6" ]
		[ "$(field "$out" SourceIsIpv6)" = "$v6" ]
		[ "$(field "$out" Image)" = "$(readlink -f "$PY")" ]
		sport=$(field "$out" SourcePort)
		# The connecting process's GUID is its ProcessCreate's.
		pc=$(wait_event ".EventID==1 and (.CommandLine|contains(\"vigil-connect-$port\"))")
		[ "$(field "$out" ProcessGuid)" = "$(field "$pc" ProcessGuid)" ]
		[ "$(field "$out" ProcessId)" = "$(field "$pc" ProcessId)" ]
		# The listener's side: source is the connecting peer.
		in=$(wait_event ".EventID==3 and .Initiated==\"false\" and .DestinationPort==$port")
		[ "$(field "$in" SourcePort)" = "$sport" ]
		[ "$(field "$in" SourceIp)" = "$addr" ]
		[ "$(field "$in" Protocol)" = tcp ]
	done
}

@test "UDP: first datagram to a peer is reported once, with port names" {
	start_sensor --config "$FIXTURES/sysmon-configs/collect-all.xml"
	$PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b'x', ('127.0.0.1', 9))
"
	ev=$(wait_event '.EventID==3 and .Protocol=="udp" and .DestinationPort==9')
	[ "$(field "$ev" DestinationIp)" = 127.0.0.1 ]
	[ "$(field "$ev" DestinationPortName)" = discard ]
	[ "$(field "$ev" Initiated)" = true ]
	[ "$(field "$ev" SourcePort)" -gt 0 ]
	sleep 0.5
	[ "$(count_events '.EventID==3 and .Protocol=="udp" and .DestinationPort==9')" -eq 1 ]
}

@test "FileCreate only for files that did not exist; FileDelete on unlink and unlinkat" {
	echo old >"$WORK/existing"
	start_sensor --config "$FIXTURES/sysmon-configs/collect-all.xml"
	echo new >"$WORK/created"
	echo again >>"$WORK/existing"       # O_CREAT on an existing file: no event
	echo more >"$WORK/created"          # truncating the now-existing file: no event
	cd "$WORK" && rm created && cd - >/dev/null   # relative path, from the cwd
	$PY -c "import os; fd=os.open('$WORK', os.O_RDONLY); os.unlink('existing', dir_fd=fd)"
	ev=$(wait_event ".EventID==11 and .TargetFilename==\"$WORK/created\"")
	[ "$(field "$ev" Image)" = "$(readlink /proc/$BASHPID/exe)" ]
	[ "$(field "$ev" CreationUtcTime)" = "$(field "$ev" UtcTime)" ]
	wait_event ".EventID==23 and .TargetFilename==\"$WORK/created\" and .Image==\"/usr/bin/rm\"" >/dev/null
	wait_event ".EventID==23 and .TargetFilename==\"$WORK/existing\"" >/dev/null
	sleep 0.3
	[ "$(count_events ".EventID==11 and .TargetFilename==\"$WORK/created\"")" -eq 1 ]
	[ "$(count_events ".EventID==11 and .TargetFilename==\"$WORK/existing\"")" -eq 0 ]
}

@test "FileModify for an open that truncates an existing file without writing: open, openat, openat2, creat; not for a new file or an open without O_TRUNC" {
	for f in redir open openat openat2 creat notrunc; do echo "old contents" >"$WORK/$f"; done
	start_sensor --config "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml"
	: >"$WORK/redir" # the shell's O_TRUNC open, dup2 onto stdout, close: no write at all
	$PY -c 'import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
w = sys.argv[1]
def closed(fd):
    assert fd >= 0, os.strerror(ctypes.get_errno())
    os.close(fd)
T = os.O_WRONLY | os.O_TRUNC
closed(libc.syscall(2, (w + "/open").encode(), T))                 # open
closed(libc.syscall(257, -100, (w + "/openat").encode(), T))       # openat
how = ctypes.create_string_buffer(struct.pack("QQQ", T, 0, 0))
closed(libc.syscall(437, -100, (w + "/openat2").encode(), how, 24)) # openat2
closed(libc.syscall(85, (w + "/creat").encode(), 0o600))           # creat
closed(libc.syscall(257, -100, (w + "/notrunc").encode(), os.O_WRONLY))
closed(libc.syscall(257, -100, (w + "/new").encode(), T | os.O_CREAT, 0o600))
' "$WORK"
	echo done >"$WORK/marker"
	wait_event ".EventID==200 and .TargetFilename==\"$WORK/marker\"" >/dev/null
	ev=$(wait_event ".EventID==200 and .TargetFilename==\"$WORK/redir\"")
	[ "$(field "$ev" Image)" = "$(readlink /proc/$BASHPID/exe)" ]
	for f in open openat openat2 creat; do
		ev=$(wait_event ".EventID==200 and .TargetFilename==\"$WORK/$f\"")
		[ "$(field "$ev" Image)" = "$(readlink -f $PY)" ]
		[ "$(stat -c %s "$WORK/$f")" -eq 0 ]
	done
	wait_event ".EventID==11 and .TargetFilename==\"$WORK/new\"" >/dev/null
	[ "$(count_events ".EventID==200 and .TargetFilename==\"$WORK/notrunc\"")" -eq 0 ]
	[ "$(count_events ".EventID==200 and .TargetFilename==\"$WORK/new\"")" -eq 0 ]
}

@test "a double-forked child keeps its creator as parent after the kernel re-parents it" {
	start_sensor --config "$FIXTURES/sysmon-configs/collect-all.xml"
	# The middle process forks the child and exits; the child waits until
	# the kernel has handed it to init, then execs.
	$PY -c '
import os, sys, time
middle = os.fork()
if middle == 0:
    creator = os.getpid()
    if os.fork() == 0:
        while os.getppid() == creator:
            time.sleep(0.01)
        with open(sys.argv[1], "w") as f:
            f.write("%d %d\n" % (creator, os.getppid()))
        os.execv("/usr/bin/true", ["true", "vigil-orphan-marker"])
    os._exit(0)
os.waitpid(middle, 0)
' "$WORK/pids"
	ev=$(wait_event '.EventID==1 and .CommandLine=="true vigil-orphan-marker"')
	read -r creator adopter <"$WORK/pids"
	[ "$adopter" != "$creator" ]
	[ "$(field "$ev" ParentProcessId)" = "$creator" ]
	[ "$(field "$ev" ParentImage)" = "$(readlink -f $PY)" ]
	# The creator's ProcessGuid, as its own ProcessTerminate gives it.
	t=$(wait_event ".EventID==5 and .ProcessId==$creator")
	[ "$(field "$ev" ParentProcessGuid)" = "$(field "$t" ProcessGuid)" ]
}

@test "a process started before the sensor keeps its ProcessGuid across a sensor restart" {
	$PY -c "
import os, signal, time
n = [0]
def on(sig, f):
    n[0] += 1
    open('$WORK/mark%d' % n[0], 'w').close()
signal.signal(signal.SIGUSR1, on)
while True: time.sleep(0.1)
" &
	BG_PID=$!
	sleep 0.3
	start_sensor --config "$FIXTURES/sysmon-configs/collect-all.xml"
	kill -USR1 "$BG_PID"
	a=$(wait_event ".EventID==11 and .TargetFilename==\"$WORK/mark1\"")
	stop_sensor
	OUT="$BATS_TEST_TMPDIR/events2.jsonl"
	start_sensor --config "$FIXTURES/sysmon-configs/collect-all.xml"
	kill -USR1 "$BG_PID"
	b=$(wait_event ".EventID==11 and .TargetFilename==\"$WORK/mark2\"")
	[ "$(field "$a" ProcessGuid)" = "$(field "$b" ProcessGuid)" ]
	[ "$(field "$a" ProcessId)" = "$BG_PID" ]
	[ "$(field "$b" Image)" = "$(readlink /proc/$BG_PID/exe)" ]
	[ "$(field "$b" InitiatingProcessParentGuid)" = "$(field "$a" InitiatingProcessParentGuid)" ]
	# Sequence numbers carry on across the restart.
	s1=$(jq -s 'map(.SequenceNumber)|max' "$BATS_TEST_TMPDIR/events.jsonl")
	s2=$(jq -s 'map(.SequenceNumber)|min' "$OUT")
	[ "$s2" -gt "$s1" ]
}

@test "the sensor's own output writes never come back as events" {
	start_sensor --config "$FIXTURES/sysmon-configs/collect-all.xml"
	spid=$SENSOR_PID
	# A second output file is created by the sensor after its probes
	# are attached: still no FileCreate for it, nor anything of its pid.
	for i in $(seq 1 50); do /bin/true; done
	stop_sensor
	[ "$(count_events ".ProcessId==$spid")" -eq 0 ]
	[ "$(count_events ".EventID==11 and (.TargetFilename|endswith(\"events.jsonl\"))")" -eq 0 ]
	[ "$(count_events ".EventID==11 and (.TargetFilename|contains(\"/state/\"))")" -eq 0 ]
}

@test "kernel drops with a tiny ring buffer are counted and reported at stop; the workload completes" {
	start_sensor --ringbuf-size 4096
	# Freeze the consumer so the burst overflows the 4 KiB ring.
	kill -STOP "$SENSOR_PID"
	for i in $(seq 1 300); do /bin/true; done
	kill -CONT "$SENSOR_PID"
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -1)
	[ -n "$h" ]
	seen=$(field "$h" ProcessCreateSeen)
	drop=$(field "$h" ProcessCreateDroppedKernel)
	emit=$(field "$h" ProcessCreateEmitted)
	filt=$(field "$h" ProcessCreateFiltered)
	capd=$(field "$h" ProcessCreateCapped)
	du=$(field "$h" ProcessCreateDroppedUser)
	[ "$drop" -gt 0 ]
	[ "$seen" -ge 300 ]
	[ "$seen" -eq $((emit + filt + capd + drop + du)) ]
}

@test "bad input: unknown option and bad output spec exit 64; unwritable output and non-root fail with one line" {
	run "$VIGIL" run --bogus
	[ "$status" -eq 64 ]
	run "$VIGIL" run --output ftp://x
	[ "$status" -eq 64 ]
	[[ "$output" == *"unknown output"* ]]
	run "$VIGIL" run --output jsonl:/nonexistent-dir/x.jsonl --state-dir "$BATS_TEST_TMPDIR/s"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/nonexistent-dir/x.jsonl"* ]]
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$VIGIL" run --output jsonl:-
	[ "$status" -eq 77 ]
	[[ "$output" == *"must run as root"* ]]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}

@test "the running sensor has dropped its capabilities, set no_new_privs and a seccomp filter on every thread" {
	start_sensor --output "sqlite:$BATS_TEST_TMPDIR/h.db"
	for t in /proc/$SENSOR_PID/task/*; do
		eff=$(awk '/^CapEff/ {print $2}' "$t/status")
		bnd=$(awk '/^CapBnd/ {print $2}' "$t/status")
		# setuid(7), kill(5), net_admin(12), sys_module(16), chown(0) are gone.
		for bit in 0 5 7 12 16; do
			[ $(( 0x$eff >> bit & 1 )) -eq 0 ]
			[ $(( 0x$bnd >> bit & 1 )) -eq 0 ]
		done
		grep -q '^Seccomp:[[:space:]]*2' "$t/status"
		grep -q '^NoNewPrivs:[[:space:]]*1' "$t/status"
	done
	# And it still works.
	/usr/bin/true vigil-hardened
	wait_event '.EventID==1 and .CommandLine=="/usr/bin/true vigil-hardened"' >/dev/null
}
