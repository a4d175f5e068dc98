#!/usr/bin/env bats
# End-to-end tests of the events Atomic Red Team showed missing (EVENTS.md
# 208-213 and ProcessCreate's Environment): each does the real action the
# technique does, harmlessly, and checks the exact event and fields.

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	PY=$(readlink -f /usr/bin/python3)
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK/keys/sub"
	echo secret >"$WORK/keys/sub/id_test"
	echo other >"$WORK/plain"
	mkdir -p "$WORK/long"
	echo secret >"$WORK/long/a-name-longer-than-the-31-byte-name-key"
	echo other >"$WORK/long/plain"
	CFG="$BATS_TEST_TMPDIR/gaps.xml"
	cat >"$CFG" <<XML
<Sysmon schemaversion="4.90">
  <EventFiltering>
    <ProcessCreate onmatch="exclude"/>
    <FileCreate onmatch="exclude"/>
    <NetworkConnect onmatch="exclude"/>
    <SensitiveFileRead onmatch="include">
      <TargetFilename condition="is">/etc/shadow</TargetFilename>
      <TargetFilename condition="begin with">$WORK/keys/</TargetFilename>
      <TargetFilename condition="end with">/.netrc</TargetFilename>
      <TargetFilename condition="is">$WORK/long/a-name-longer-than-the-31-byte-name-key</TargetFilename>
    </SensitiveFileRead>
    <NetworkConnectFailed onmatch="exclude"/>
    <FileLink onmatch="exclude"/>
    <DirectoryCreate onmatch="exclude"/>
    <ProcessRename onmatch="exclude"/>
    <ProcessFork onmatch="exclude"/>
  </EventFiltering>
</Sysmon>
XML
}

teardown() {
	teardown_sensor
}

@test "SensitiveFileRead: cat and a shell read loop on /etc/shadow, a key under a prefix; not a neighbour" {
	start_sensor --config "$CFG"
	cat /etc/shadow >/dev/null
	bash -c 'while read -r l; do :; done </etc/shadow  # vigil-read-loop'
	cat /etc/passwd >/dev/null
	cat "$WORK/plain" >/dev/null
	cat "$WORK/keys/sub/id_test" >/dev/null
	ev=$(wait_event '.EventID==208 and .TargetFilename=="/etc/shadow" and .Image=="/usr/bin/cat"')
	[ "$(field "$ev" Event)" = SensitiveFileRead ]
	[[ "$(field "$ev" Flags)" == *O_RDONLY* ]]
	wait_event '.EventID==208 and .TargetFilename=="/etc/shadow" and (.Image|endswith("/bash"))'
	wait_event ".EventID==208 and .TargetFilename==\"$WORK/keys/sub/id_test\""
	stop_sensor
	[ "$(count_events '.EventID==208 and .TargetFilename=="/etc/passwd"')" -eq 0 ]
	[ "$(count_events ".EventID==208 and .TargetFilename==\"$WORK/plain\"")" -eq 0 ]
}

@test "SensitiveFileRead: /etc/shadow read through an overlayfs /etc (a container's view) is seen" {
	# Overlay directories have their own device and inode numbers, so the
	# kernel's directory filter cannot know them: they are walked instead.
	start_sensor --config "$CFG"
	mkdir -p "$WORK/ovl"
	unshare -m sh -c "mount --make-rprivate / &&
		mount -t tmpfs t '$WORK/ovl' && mkdir '$WORK/ovl/u' '$WORK/ovl/w' &&
		mount -t overlay overlay -o 'lowerdir=/etc,upperdir=$WORK/ovl/u,workdir=$WORK/ovl/w' /etc &&
		grep -q overlay /proc/self/mountinfo &&
		/usr/bin/cat /etc/shadow >/dev/null && /usr/bin/cat /etc/passwd >/dev/null &&
		/usr/bin/tail -n 1 /etc/shadow >/dev/null"
	ev=$(wait_event '.EventID==208 and .TargetFilename=="/etc/shadow" and .Image=="/usr/bin/tail"')
	[ "$(field "$ev" Event)" = SensitiveFileRead ]
	stop_sensor
	[ "$(count_events '.EventID==208 and .TargetFilename=="/etc/shadow" and .Image=="/usr/bin/cat"')" -eq 1 ]
	[ "$(count_events '.EventID==208 and .TargetFilename=="/etc/passwd"')" -eq 0 ]
}

@test "SensitiveFileRead: a file named by an end with \"/NAME\" rule is seen in any directory, in any case; a name that only ends the same is not; the gate stays in the kernel" {
	mkdir -p "$WORK/home/alice/deep"
	echo "machine x login y password z" >"$WORK/home/alice/.netrc"
	echo x >"$WORK/home/alice/deep/.NETRC"
	echo x >"$WORK/home/alice/x.netrc"
	start_sensor --config "$CFG"
	cat "$WORK/home/alice/.netrc" >/dev/null
	cat "$WORK/home/alice/x.netrc" >/dev/null
	tail -n 1 "$WORK/home/alice/deep/.NETRC" >/dev/null
	# An exact path's file is told by its name in its directory (sens.bpf.h);
	# one whose name is too long for the name key is found by a walk.
	cat "$WORK/long/plain" "$WORK/long/a-name-longer-than-the-31-byte-name-key" >/dev/null
	wait_event ".EventID==208 and .TargetFilename==\"$WORK/long/a-name-longer-than-the-31-byte-name-key\"" >/dev/null
	ev=$(wait_event ".EventID==208 and .TargetFilename==\"$WORK/home/alice/.netrc\"")
	[ "$(field "$ev" Image)" = /usr/bin/cat ]
	wait_event ".EventID==208 and .TargetFilename==\"$WORK/home/alice/deep/.NETRC\" and .Image==\"/usr/bin/tail\"" >/dev/null
	stop_sensor
	[ "$(count_events ".EventID==208 and .TargetFilename==\"$WORK/home/alice/x.netrc\"")" -eq 0 ]
	[ "$(count_events ".EventID==208 and .TargetFilename==\"$WORK/long/plain\"")" -eq 0 ]
	# Names, paths and prefixes all fit the kernel's gate: reads of other
	# files are not sent to user space.
	! grep -q "every read open goes to user space" "$BATS_TEST_TMPDIR/sensor.log"
	grep -q "3 paths and 1 file names in the kernel gate" "$BATS_TEST_TMPDIR/sensor.log"
}

@test "SensitiveFileRead: an end with that is not a whole file name sends every read open, and says so" {
	sed -i 's|<TargetFilename condition="end with">/.netrc</TargetFilename>|<TargetFilename condition="end with">.netrc</TargetFilename>|' "$CFG"
	echo x >"$WORK/x.netrc"
	start_sensor --config "$CFG"
	cat "$WORK/x.netrc" >/dev/null
	wait_event ".EventID==208 and .TargetFilename==\"$WORK/x.netrc\"" >/dev/null
	stop_sensor
	grep -q "every read open goes to user space: rule .*value '.netrc' is not a whole file name" "$BATS_TEST_TMPDIR/sensor.log"
}

@test "SensitiveFileRead, shipped config: the account databases read by a text tool are logged, a name lookup's read is not" {
	start_sensor --config "$BATS_TEST_DIRNAME/../../etc/vigil.xml"
	id -u >/dev/null
	ls -l /etc/passwd >/dev/null
	ps -o user= -p $$ >/dev/null
	cat /etc/passwd >/dev/null
	grep 'x:0:' /etc/passwd >/dev/null
	getent group root >/dev/null
	wait_event '.EventID==208 and .TargetFilename=="/etc/passwd" and .Image=="/usr/bin/cat"' >/dev/null
	ev=$(wait_event '.EventID==208 and .TargetFilename=="/etc/passwd" and .Image=="/usr/bin/grep"')
	[ "$(field "$ev" Flags)" = O_RDONLY ]
	wait_event '.EventID==208 and .TargetFilename=="/etc/group" and .Image=="/usr/bin/getent"' >/dev/null
	groups root >/dev/null
	wait_event '.EventID==208 and .TargetFilename=="/etc/group" and .Image=="/usr/bin/groups"' >/dev/null
	id root >/dev/null
	wait_event '.EventID==208 and .TargetFilename=="/etc/passwd" and .Image=="/usr/bin/id"' >/dev/null
	stop_sensor
	# ls -l and ps look names up; a login script's id -u reads neither file,
	# so only the one id root's opens are there.
	[ "$(count_events '.EventID==208 and (.Image=="/usr/bin/ls" or .Image=="/usr/bin/ps")')" -eq 0 ]
	[ "$(jq -c 'select(.EventID==208 and .Image=="/usr/bin/id") | .ProcessId' "$OUT" | sort -u | wc -l)" -eq 1 ]
}

@test "NetworkConnectFailed: a connect to a refused port names the error" {
	start_sensor --config "$CFG"
	port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	$PY - "$port" <<'PY' || true
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
except ConnectionRefusedError:
    pass
PY
	ev=$(wait_event ".EventID==209 and .DestinationPort==$port")
	[ "$(field "$ev" Event)" = NetworkConnectFailed ]
	[ "$(field "$ev" Error)" = ECONNREFUSED ]
	[ "$(field "$ev" Initiated)" = true ]
	[ "$(field "$ev" DestinationIp)" = 127.0.0.1 ]
	[ "$(field "$ev" Protocol)" = tcp ]
	[ "$(field "$ev" Image)" = "$PY" ]
	[ "$(count_events ".EventID==3 and .DestinationPort==$port")" -eq 0 ]
}

@test "FileLink: ln -sf /dev/null over a history file, and a hard link" {
	start_sensor --config "$CFG"
	(cd "$WORK" && ln -sf /dev/null .bash_history)
	ln "$WORK/plain" "$WORK/plain.hard"
	ev=$(wait_event ".EventID==210 and .TargetFilename==\"$WORK/.bash_history\"")
	[ "$(field "$ev" LinkTarget)" = /dev/null ]
	[ "$(field "$ev" LinkType)" = symbolic ]
	[ "$(field "$ev" Image)" = "$(readlink -f /usr/bin/ln)" ]
	ev=$(wait_event ".EventID==210 and .TargetFilename==\"$WORK/plain.hard\"")
	[ "$(field "$ev" LinkTarget)" = "$WORK/plain" ]
	[ "$(field "$ev" LinkType)" = hard ]
}

@test "DirectoryCreate: a hidden directory, relative to the cwd" {
	start_sensor --config "$CFG"
	(cd "$WORK" && mkdir .hidden-dir)
	ev=$(wait_event ".EventID==211 and .TargetFilename==\"$WORK/.hidden-dir\"")
	[ "$(field "$ev" Event)" = DirectoryCreate ]
	[ "$(field "$ev" Image)" = "$(readlink -f /usr/bin/mkdir)" ]
}

@test "ProcessRename: prctl(PR_SET_NAME) and a write to /proc/self/comm; an exec is not a rename" {
	start_sensor --config "$CFG"
	$PY -c 'import ctypes; ctypes.CDLL(None).prctl(15, b"totally_legit", 0, 0, 0)'
	bash -c 'echo -n kworker_fake >/proc/$$/comm'
	ev=$(wait_event '.EventID==212 and .NewName=="totally_legit"')
	# The kernel's comm: the executed file's base name, 15 bytes at most.
	[ "$(field "$ev" OldName)" = "$(basename "$PY" | cut -c1-15)" ]
	[ "$(field "$ev" Image)" = "$PY" ]
	ev=$(wait_event '.EventID==212 and .NewName=="kworker_fake"')
	[ "$(field "$ev" OldName)" = bash ]
	/bin/true
	wait_event '.EventID==1 and .Image=="/usr/bin/true"'
	[ "$(count_events '.EventID==212 and .NewName=="true"')" -eq 0 ]
}

@test "ProcessFork: a child that never execs is in the tree, and its file is its own" {
	start_sensor --config "$CFG"
	$PY - "$WORK/from-child" <<'PY'
import os, sys
pid = os.fork()
if pid == 0:
    open(sys.argv[1], "w").write("x")
    os._exit(0)
os.waitpid(pid, 0)
print(pid)
PY
	fc=$(wait_event ".EventID==11 and .TargetFilename==\"$WORK/from-child\"")
	child=$(field "$fc" ProcessId)
	ev=$(wait_event ".EventID==213 and .ProcessId==$child")
	[ "$(field "$ev" Event)" = ProcessFork ]
	[ "$(field "$ev" ProcessGuid)" = "$(field "$fc" ProcessGuid)" ]
	[ "$(field "$ev" Image)" = "$PY" ]
	parent=$(wait_event ".EventID==1 and .ProcessGuid==\"$(field "$ev" ParentProcessGuid)\"")
	[ "$(field "$parent" Image)" = "$PY" ]
}

@test "Environment: LD_PRELOAD, HISTFILE and PROMPT_COMMAND on ProcessCreate; none is -" {
	start_sensor --config "$CFG"
	env -i HOME=/root HISTFILE=/dev/null 'PROMPT_COMMAND=history -c; true' \
		LD_PRELOAD=/nonexistent-vigil.so /bin/true 2>/dev/null
	env -i HOME=/root /bin/echo vigil-no-env >/dev/null
	ev=$(wait_event '.EventID==1 and .Image=="/usr/bin/true" and (.Environment|contains("HISTFILE"))')
	[ "$(field "$ev" Environment)" = 'HISTFILE=/dev/null;PROMPT_COMMAND=history -c\; true;LD_PRELOAD=/nonexistent-vigil.so' ]
	ev=$(wait_event '.EventID==1 and .CommandLine=="/bin/echo vigil-no-env"')
	[ "$(field "$ev" Environment)" = - ]
}
