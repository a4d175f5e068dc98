#!/usr/bin/env bats
# Sigma on the live stream: real, harmless actions that must fire specific
# SigmaHQ Linux rules (process_creation, network_connection, file_event),
# and a benign baseline that fires none. Everything stays on loopback and
# in temporary paths. DNS names that rules look for (ngrok, mining pools)
# are answered by a responder of the test's own on 127.0.0.1:53.

load lib

RULES="$BATS_TEST_DIRNAME/../fixtures/sigmahq/rules/linux"

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	PY=/usr/bin/python3
	CFG="$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml"
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
}

teardown() {
	teardown_sensor
	[ -n "${BG_PID:-}" ] && kill "$BG_PID" 2>/dev/null || true
	rm -f /tmp/rootlog
}

# alert TITLE: waits for a DetectionAlert with this rule title.
alert() {
	wait_event ".EventID==242 and .RuleTitle==\"$1\""
}

start_dns() {
	# Answers every A query with 127.0.0.N, N counting from 3, so that
	# each name gets its own loopback address.
	$PY - "$WORK/dns-ready" <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 53))
open(sys.argv[1], 'w').close()
n = 3
while True:
    q, peer = s.recvfrom(512)
    end = 12 + q[12:].index(b'\0') + 5
    a = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + bytes([127, 0, 0, n])
    n += 1
    s.sendto(q[:2] + struct.pack('>HHHHH', 0x8180, 1, 1, 0, 0) + q[12:end] + a, peer)
PY
	BG_PID=$!
	for i in $(seq 1 100); do [ -e "$WORK/dns-ready" ] && break; sleep 0.05; done
}

# resolve_connect NAME: resolves NAME through 127.0.0.1:53 and connects
# to the answer (a listener on that loopback address).
resolve_connect() {
	$PY - "$1" <<'PY'
import socket, sys
from dnswire import query
q = query(sys.argv[1], 0x4242)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
u.connect(('127.0.0.1', 53)); u.send(q); r = u.recv(512)
ip = '.'.join(str(b) for b in r[-4:])
l = socket.socket(); l.bind((ip, 0)); l.listen(1)
socket.create_connection((ip, l.getsockname()[1])).close()
PY
}

@test "SigmaHQ rules fire on real actions: 10 process_creation, 4 network_connection, 4 file_event" {
	start_dns
	start_sensor --config "$CFG" --sigma "$RULES/process_creation" \
		--sigma "$RULES/network_connection" --sigma "$RULES/file_event"
	cd "$WORK"
	# process_creation
	echo aGk= | base64 -d >/dev/null
	env /bin/sh -c true
	find . -maxdepth 0 -exec /bin/sh -c true \;
	awk 'BEGIN {system("/bin/sh -c true")}'
	dd if=/dev/zero of="$WORK/zeros" bs=1 count=1 status=none
	bash -i -c true </dev/null >/dev/null 2>&1
	echo x >"$WORK/f"; chmod 644 "$WORK/f"
	cp /etc/passwd "$WORK/passwd"
	dd if=/dev/null of=/proc/self/mem count=0 status=none 2>/dev/null || true
	rm -f /var/log/vigil-test-does-not-exist.log
	# network_connection
	$PY -c "import socket; l=socket.socket(); l.bind(('127.0.0.2',0)); l.listen(1); open('$WORK/p','w').write(str(l.getsockname()[1])); import time; time.sleep(3)" &
	for i in $(seq 1 100); do [ -s "$WORK/p" ] && break; sleep 0.05; done
	bash -c "exec 3<>/dev/tcp/127.0.0.2/$(cat "$WORK/p")"
	resolve_connect tunnel.us.ngrok.com
	resolve_connect vigil.localto.net
	resolve_connect pool.minexmr.com
	# file_event
	mkdir -p "$WORK/bin" && cp /usr/bin/touch "$WORK/bin/wget"
	"$WORK/bin/wget" "$WORK/downloaded"
	touch "$WORK/ebpfbackdoor"
	touch "$WORK/{echo,aGk=}"
	[ ! -e /tmp/rootlog ] && touch /tmp/rootlog && rm -f /tmp/rootlog
	cd - >/dev/null

	a=$(alert "Decode Base64 Encoded Text")
	[ "$(field "$a" MatchedEventID)" = 1 ]
	[ "$(field "$a" RuleLevel)" != - ]
	[[ "$(field "$a" Tags)" == *attack.* ]]
	# The alert points at the very event it matched.
	seq=$(field "$a" MatchedSequenceNumber)
	ev=$(wait_event ".SequenceNumber==$seq")
	[ "$(field "$ev" Image)" = /usr/bin/base64 ]
	[ "$(field "$a" ProcessGuid)" = "$(field "$ev" ProcessGuid)" ]
	alert "Shell Invocation via Env Command - Linux" >/dev/null
	alert "Shell Execution via Find - Linux" >/dev/null
	alert "Suspicious Invocation of Shell via AWK - Linux" >/dev/null
	alert "DD File Overwrite" >/dev/null
	alert "Bash Interactive Shell" >/dev/null
	alert "Chmod Targeting Sensitive Directories" >/dev/null
	alert "Copy Passwd Or Shadow From TMP Path" >/dev/null
	alert "Potential Linux Process Code Injection Via DD Utility" >/dev/null
	alert "Linux Logs Clearing Attempts" >/dev/null
	n=$(alert "Linux Reverse Shell Indicator")
	[ "$(field "$n" MatchedEventID)" = 3 ]
	alert "Communication To Ngrok Tunneling Service - Linux" >/dev/null
	alert "Communication To LocaltoNet Tunneling Service Initiated - Linux" >/dev/null
	alert "Linux Crypto Mining Pool Connections" >/dev/null
	f=$(alert "Wget Creating Files in Tmp Directory")
	[ "$(field "$f" MatchedEventID)" = 11 ]
	alert "Triple Cross eBPF Rootkit Default Persistence" >/dev/null
	alert "Suspicious Filename with Embedded Base64 Commands" >/dev/null
	alert "Triple Cross eBPF Rootkit Default LockFile" >/dev/null
}

@test "a benign baseline workload fires none of the SigmaHQ rules" {
	start_sensor --config "$CFG" --sigma "$RULES/process_creation" \
		--sigma "$RULES/network_connection" --sigma "$RULES/file_event"
	cd "$WORK"
	ls -la >/dev/null
	cat /etc/hostname >/dev/null
	echo hello >"$WORK/notes.txt"
	cp "$WORK/notes.txt" "$WORK/notes2.txt"
	mv "$WORK/notes2.txt" "$WORK/notes3.txt"
	grep -q hello "$WORK/notes.txt"
	sort "$WORK/notes.txt" >/dev/null
	date >/dev/null; wc -l "$WORK/notes.txt" >/dev/null
	$PY -c "import socket; l=socket.socket(); l.bind(('127.0.0.1',0)); l.listen(1); c=socket.create_connection(l.getsockname()); c.close()"
	cd - >/dev/null
	sleep 1
	stop_sensor
	[ "$(count_events '.EventID==1')" -gt 10 ]
	# The sensor sees the whole host; only alerts on the baseline's own
	# processes (this shell and what it started) count.
	me=$BASHPID
	g=$(jq -s --argjson me "$me" '[.[] | select((.EventID==1 and .ParentProcessId==$me) or .ProcessId==$me) | .ProcessGuid] | unique' "$OUT")
	[ "$(jq length <<<"$g")" -ge 10 ]
	mine=$(jq -c --argjson g "$g" 'select(.EventID==242) | select(.ProcessGuid as $p | any($g[]; . == $p))' "$OUT")
	printf '%s\n' "$mine" >&2
	[ -z "$mine" ]
}
