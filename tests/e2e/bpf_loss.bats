#!/usr/bin/env bats
# End-to-end tests of loss inside the BPF programs (issue 13, defect 15): a
# state map that is full refuses new entries, and every refused entry is a
# kernel drop of its record type in SensorHealth, never a silent loss.
#
# VIGIL_TEST_MAP_MAX (src/sensor/loader.c) loads the per-thread "calls" map
# with room for a few entries; threads blocked in recvfrom() on UDP sockets
# (a possible DNS answer, so each holds an entry until it returns) fill it.
# Their process first sends a query to port 53, as a resolver does: the
# DNS hooks look only at processes that did (dns_procs in common.bpf.h).
# A recvfrom() holds an entry only where DNS is found by entry programs,
# on kernels whose saved registers the exits cannot read (net.bpf.h):
# VIGIL_TEST_REGS_SKEW makes this kernel one of those.

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	PY=/usr/bin/python3
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
	cp "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml" "$WORK/vigil.xml"
}

teardown() {
	[ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
	teardown_sensor
}

# hold_threads N: N threads of one process, each blocked in recvfrom() on
# its own UDP socket; the ports go to $WORK/ports once every thread had
# time to block. Sets HOLDER.
hold_threads() {
	$PY - "$1" "$WORK/ports" <<'EOF' &
import socket, sys, threading, time
n, out = int(sys.argv[1]), sys.argv[2]
# A query to 127.0.0.1:53 (nobody answers): this process may now read DNS
# answers, so its recvfrom() calls are looked at.
q = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q.sendto(b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\x00\x00\x01\x00\x01", ("127.0.0.1", 53))
socks = []
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
threads = [threading.Thread(target=s.recvfrom, args=(64,)) for s in socks]
for t in threads:
    t.start()
time.sleep(2)
with open(out + ".tmp", "w") as f:
    f.write(" ".join(str(s.getsockname()[1]) for s in socks))
import os
os.rename(out + ".tmp", out)
for t in threads:
    t.join()
EOF
	HOLDER=$!
	local i
	for i in $(seq 1 600); do
		[ -s "$WORK/ports" ] && return 0
		sleep 0.05
	done
	echo "the threads did not start" >&2
	return 1
}

# release_threads: one datagram (not from port 53) to every held socket.
release_threads() {
	$PY - $(cat "$WORK/ports") <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in sys.argv[1:]:
    s.sendto(b"not a dns answer, twenty bytes+", ("127.0.0.1", int(p)))
EOF
	wait "$HOLDER"
	HOLDER=
}

@test "bpf loss: a full per-thread state map counts each refused entry as a drop of its type" {
	echo x >"$WORK/f"
	VIGIL_TEST_MAP_MAX=calls:16 VIGIL_TEST_REGS_SKEW=1 start_sensor --config "$WORK/vigil.xml"
	hold_threads 48
	# The map is full: these chmods cannot keep their arguments until the
	# syscall's exit, so they are lost, and must be counted as lost.
	for i in 1 2 3 4 5; do chmod 600 "$WORK/f"; done
	release_threads
	# Room again: the next one is reported.
	chmod 640 "$WORK/f"
	wait_event ".EventID==202 and .TargetFilename==\"$WORK/f\" and .NewValue==\"0640\"" >/dev/null
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ -n "$h" ]
	# 48 threads for at most 16 entries: 32 or more refused recvfrom()
	# entries, each a possible DnsQuery; and the 5 chmods.
	[ "$(jq '.DnsQueryDroppedKernel' <<<"$h")" -ge 32 ]
	[ "$(jq '.FileAttributeChangeDroppedKernel' <<<"$h")" -ge 5 ]
	[ "$(jq '.FileAttributeChangeEmitted' <<<"$h")" -ge 1 ]
	# Counted, and really lost: none of them was reported.
	[ "$(count_events ".EventID==202 and .TargetFilename==\"$WORK/f\" and .NewValue==\"0600\"")" -eq 0 ]
	# Seen = Emitted + Filtered + Capped + DroppedKernel + DroppedUser, per type.
	bad=$(jq -r 'to_entries | map(select(.key|endswith("Seen"))) | .[] | .key' <<<"$h" | while read -r k; do
		e=${k%Seen}
		jq -e --arg e "$e" '.[$e+"Seen"] == .[$e+"Emitted"] + .[$e+"Filtered"] + .[$e+"Capped"] + .[$e+"DroppedKernel"] + .[$e+"DroppedUser"]' <<<"$h" >/dev/null || echo "$e"
	done)
	[ -z "$bad" ]
}

@test "bpf loss: without the test knob nothing is refused and nothing is counted lost" {
	echo x >"$WORK/f"
	start_sensor --config "$WORK/vigil.xml"
	hold_threads 48
	chmod 600 "$WORK/f"
	release_threads
	wait_event ".EventID==202 and .TargetFilename==\"$WORK/f\" and .NewValue==\"0600\"" >/dev/null
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ "$(jq '.DnsQueryDroppedKernel' <<<"$h")" -eq 0 ]
	[ "$(jq '.FileAttributeChangeDroppedKernel' <<<"$h")" -eq 0 ]
}
