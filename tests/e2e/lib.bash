# lib.bash — helpers for the end-to-end tests: start the real sensor as
# root, wait for events in its JSON lines output, stop it cleanly.
#
# Every test gets its own state dir and output file under $BATS_TEST_TMPDIR,
# so tests never see each other's events.

VIGIL="${VIGIL:-$BATS_TEST_DIRNAME/../../build/vigil}"
FIXTURES="$BATS_TEST_DIRNAME/../fixtures"

# The sensor refuses configuration files (and directories above them) that
# group or others can write, so the files the tests write are created
# root-only-writable whatever umask the runner has.
umask 022

# The tests' Python finds dnswire.py (DNS queries) here.
export PYTHONPATH="$BATS_TEST_DIRNAME${PYTHONPATH:+:$PYTHONPATH}"

# start_sensor [vigil run options...]: runs the sensor in the background
# and waits for its Started record. Sets SENSOR_PID, OUT, STATE.
start_sensor() {
	OUT="${OUT:-$BATS_TEST_TMPDIR/events.jsonl}"
	STATE="${STATE:-$BATS_TEST_TMPDIR/state}"
	"$VIGIL" run --output "jsonl:$OUT" --state-dir "$STATE" --health-interval 0 "$@" \
		2>>"$BATS_TEST_TMPDIR/sensor.log" &
	SENSOR_PID=$!
	local i
	# VIGIL_START_TIMEOUT (s): an emulated guest (tests/kernels) verifies
	# the BPF programs many times slower than a real machine.
	for i in $(seq 1 $((${VIGIL_START_TIMEOUT:-10} * 20))); do
		if [ -s "$OUT" ] && grep -q '"State":"Started"' "$OUT" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$SENSOR_PID" 2>/dev/null; then
			echo "sensor exited during start-up:" >&2
			cat "$BATS_TEST_TMPDIR/sensor.log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "sensor did not start within ${VIGIL_START_TIMEOUT:-10} s" >&2
	cat "$BATS_TEST_TMPDIR/sensor.log" >&2
	return 1
}

# stop_sensor: SIGTERM, and the sensor must exit 0.
stop_sensor() {
	[ -n "${SENSOR_PID:-}" ] || return 0
	kill -TERM "$SENSOR_PID" 2>/dev/null || true
	local rc=0
	wait "$SENSOR_PID" || rc=$?
	SENSOR_PID=
	if [ "$rc" -ne 0 ]; then
		echo "sensor exited with $rc" >&2
		cat "$BATS_TEST_TMPDIR/sensor.log" >&2
		return 1
	fi
}

# wait_event JQ_FILTER [timeout_s]: waits until a record matching the
# filter (a jq `select` body) is in $OUT; prints the first match.
wait_event() {
	local filter="$1" timeout="${2:-10}" i line
	for i in $(seq 1 $((timeout * 20))); do
		line=$(jq -c "select($filter)" "$OUT" 2>/dev/null | head -n 1)
		if [ -n "$line" ]; then
			printf '%s\n' "$line"
			return 0
		fi
		sleep 0.05
	done
	echo "no event matching: $filter" >&2
	return 1
}

# count_events JQ_FILTER: number of records matching now.
count_events() {
	jq -c "select($1)" "$OUT" 2>/dev/null | wc -l
}

# field JSON NAME: one field of a record, raw.
field() {
	printf '%s\n' "$1" | jq -r ".$2"
}

# retry TRIES PAUSE CMD...: runs CMD until it succeeds, at most TRIES times
# and PAUSE seconds apart. Returns 0 once it does, 1 if it never did: the
# poll a test uses to wait for something another process does.
retry() {
	local n=$1 pause=$2 i
	shift 2
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep "$pause"
	done
	return 1
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null
}

# teardown_sensor: stops a sensor a test left running, whatever its exit.
teardown_sensor() {
	if [ -n "${SENSOR_PID:-}" ]; then
		kill -TERM "$SENSOR_PID" 2>/dev/null || true
		wait "$SENSOR_PID" 2>/dev/null || true
		SENSOR_PID=
	fi
}

# dns_responder IP [CNAME]: a DNS responder on 127.0.0.1:53, in the
# background (BG_PID). It answers the first DNS_ANSWERS (default 1) queries
# it gets, whatever their name, with an A record IP (after a CNAME to CNAME
# when given), then exits; the function returns once it is ready. Needs
# $WORK.
dns_responder() {
	/usr/bin/python3 - "$WORK/dns-ready" "$1" "${2:-}" "${DNS_ANSWERS:-1}" <<'PY' &
import socket, struct, sys
from dnswire import name
ready, ip, cname, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a = struct.pack('>HHIH', 1, 1, 60, 4) + bytes(int(b) for b in ip.split('.'))
if cname:
    ans = b'\xc0\x0c' + struct.pack('>HHIH', 5, 1, 60, len(name(cname))) + name(cname)
    ans += name(cname) + a
else:
    ans = b'\xc0\x0c' + a
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 53))
open(ready, 'w').close()
for _ in range(n):
    q, peer = s.recvfrom(512)
    question = q[12:12 + q[12:].index(b'\0') + 5]
    hdr = q[:2] + struct.pack('>HHHHH', 0x8180, 1, 2 if cname else 1, 0, 0)
    s.sendto(hdr + question + ans, peer)
PY
	BG_PID=$!
	for i in $(seq 1 100); do [ -e "$WORK/dns-ready" ] && break; sleep 0.05; done
}

# dns_ask_three NAME: asks 127.0.0.1:53 for read.NAME, recvfrom.NAME and
# recvmsg.NAME, reading each answer with the call its name says: read() on
# a connected socket, recvfrom() and recvmsg() on unconnected ones (the
# sender's address comes from the call, not the socket).
dns_ask_three() {
	/usr/bin/python3 - "$1" <<'PY'
import os, select, socket, sys
from dnswire import query
base = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(('127.0.0.1', 53))
s.send(query('read.' + base))
select.select([s], [], [], 5)  # a blocking fd, so that read() waits no longer
os.read(s.fileno(), 512)
for call in ('recvfrom', 'recvmsg'):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.sendto(query(call + '.' + base), ('127.0.0.1', 53))
    u.recvfrom(512) if call == 'recvfrom' else u.recvmsg(512)
PY
}
