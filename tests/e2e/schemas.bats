#!/usr/bin/env bats
# End-to-end tests of the OCSF and ECS forms (issue 16): one real workload,
# written by one sensor to three outputs at once — jsonl in OCSF, in ECS and
# in the default sysmon form — then `vigil schema check` must pass every
# OCSF and ECS record, and the three files must carry the same records.

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	PY=/usr/bin/python3
	H="$BATS_TEST_DIRNAME/../../build/helpers"
	CFG="$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml"
	WORK="$BATS_TEST_TMPDIR/work"
	A="$BATS_TEST_TMPDIR/ocsf.jsonl"
	B="$BATS_TEST_TMPDIR/ecs.jsonl"
	mkdir -p "$WORK/mnt"
}

teardown() {
	teardown_sensor
	[ -n "${BG_PID:-}" ] && kill "$BG_PID" 2>/dev/null || true
	mountpoint -q "$WORK/mnt" 2>/dev/null && umount "$WORK/mnt" || true
}

@test "one workload in ocsf, ecs and sysmon at once: every OCSF and ECS record passes vigil schema check, same records in all three" {
	dns_responder 127.0.0.3
	# vigil's own Sigma rules fire on the BPF load and the ptrace below
	start_sensor --config "$CFG" --sigma "$BATS_TEST_DIRNAME/../../rules/sigma" \
		--output "jsonl:$A?format=ocsf" --output "jsonl:$B?format=ecs"
	# exec, DNS to the loopback responder, a loopback connect and listen
	/bin/echo vigil-schema-exec >/dev/null
	$PY - <<'PY'
import socket
from dnswire import query
q = query('vigil-schema.example', 0x4242)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect(('127.0.0.1', 53))
s.send(q)
r = s.recv(512)
l = socket.socket(); l.bind(('127.0.0.3', 0)); l.listen(1)
c = socket.create_connection(('127.0.0.3', l.getsockname()[1]))
a, _ = l.accept()
c.close(); a.close()
PY
	wait "$BG_PID"; BG_PID=
	# files: create, modify, rename, attributes, timestomp, delete
	echo a >"$WORK/f1"
	echo more >>"$WORK/f1"
	mv "$WORK/f1" "$WORK/f2"
	chmod 0700 "$WORK/f2"
	touch -d '2001-01-01 00:00:00 UTC' "$WORK/f2"
	cp /bin/true "$WORK/exe"
	rm -f "$WORK/f2" "$WORK/exe"
	# privilege, namespaces, mounts, a BPF program, process access
	$PY -c "import os; os.setgid(65534); os.setuid(65534)"
	unshare -n /bin/true
	mount -t tmpfs -o size=1m vigilschema "$WORK/mnt"
	umount "$WORK/mnt"
	"$H/bpfload" >/dev/null
	child=$("$H/inject" ptrace)
	# a login session, the kernel path pam_loginuid takes (telemetry.bats)
	bash -c 'echo 1000 > /proc/self/loginuid && exec /bin/echo vigil-schema-login' >/dev/null
	wait_event ".EventID==23 and .TargetFilename==\"$WORK/exe\"" >/dev/null
	wait_event ".EventID==10 and .TargetProcessId==$child" >/dev/null
	wait_event '.EventID==22 and .QueryName=="vigil-schema.example"' >/dev/null
	wait_event '.EventID==206 and .Syscall=="umount"' >/dev/null
	wait_event '.EventID==207' >/dev/null
	wait_event '.EventID==242' >/dev/null
	stop_sensor

	# the event types this workload covers, in the sysmon form
	ids=$(jq -r .EventID "$OUT" | sort -n | uniq | tr '\n' ' ')
	echo "event ids: $ids"
	for id in 1 2 3 4 5 7 10 11 16 22 23 25 29 100 200 201 202 203 204 205 206 207 241 242; do
		[[ " $ids " == *" $id "* ]] || { echo "no event $id" >&2; false; }
	done

	run "$VIGIL" schema check "$A" --format ocsf
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	n=$(grep -c . "$A")
	[ "${lines[-1]}" = "$n records, $n valid, 0 invalid" ]
	run "$VIGIL" schema check "$B" --format ecs
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	n=$(grep -c . "$B")
	[ "${lines[-1]}" = "$n records, $n valid, 0 invalid" ]

	# the same records, by SequenceNumber, in all three
	jq -r .SequenceNumber "$OUT" | sort -n >"$WORK/seq.sysmon"
	jq -r .metadata.sequence "$A" | sort -n >"$WORK/seq.ocsf"
	jq -r .event.sequence "$B" | sort -n >"$WORK/seq.ecs"
	[ -s "$WORK/seq.sysmon" ]
	diff "$WORK/seq.sysmon" "$WORK/seq.ocsf"
	diff "$WORK/seq.sysmon" "$WORK/seq.ecs"

	# and the same values: the exec's ProcessGuid is process.uid (OCSF)
	# and process.entity_id (ECS) of the record with its SequenceNumber
	pc=$(jq -c 'select(.EventID==1 and .CommandLine=="/bin/echo vigil-schema-exec")' "$OUT" | head -n 1)
	seq=$(field "$pc" SequenceNumber)
	guid=$(field "$pc" ProcessGuid)
	o=$(jq -c "select(.metadata.sequence==$seq)" "$A")
	[ "$(field "$o" class_uid)" = 1007 ]
	[ "$(field "$o" activity_id)" = 1 ]
	[ "$(field "$o" process.uid)" = "$guid" ]
	[ "$(field "$o" process.cmd_line)" = "/bin/echo vigil-schema-exec" ]
	[ "$(field "$o" actor.process.uid)" = "$(field "$pc" ParentProcessGuid)" ]
	e=$(jq -c "select(.event.sequence==$seq)" "$B")
	[ "$(field "$e" process.entity_id)" = "$guid" ]
	[ "$(field "$e" process.parent.entity_id)" = "$(field "$pc" ParentProcessGuid)" ]
	[ "$(printf '%s' "$e" | jq -r '.event.category[0] + "/" + .event.type[0]')" = process/start ]
	# the DNS answer
	d=$(jq -c 'select(.class_uid==4003 and .query.hostname=="vigil-schema.example")' "$A" | head -n 1)
	[ "$(printf '%s' "$d" | jq -r '.answers[0].rdata')" = 127.0.0.3 ]
	d=$(jq -c 'select(.dns.question.name=="vigil-schema.example")' "$B" | head -n 1)
	[ "$(printf '%s' "$d" | jq -r '.dns.answers[0].data')" = 127.0.0.3 ]
	# a Sigma detection: Detection Finding in OCSF, an alert in ECS
	al=$(jq -c 'select(.EventID==242)' "$OUT" | head -n 1)
	seq=$(field "$al" SequenceNumber)
	o=$(jq -c "select(.metadata.sequence==$seq)" "$A")
	[ "$(field "$o" class_uid)" = 2004 ]
	[ "$(field "$o" finding_info.analytic.uid)" = "$(field "$al" RuleId)" ]
	e=$(jq -c "select(.event.sequence==$seq)" "$B")
	[ "$(field "$e" event.kind)" = alert ]
	[ "$(field "$e" rule.id)" = "$(field "$al" RuleId)" ]
}

@test "vigil schema check reports FILE:LINE: field: message and exits 65 on invalid records" {
	printf '%s\n' '{"class_uid":1007,"category_uid":1,"activity_id":1,"type_uid":100701,"severity_id":1,"time":1,"metadata":{"version":"1.8.0","product":{"name":"vigil"}},"device":{"type_id":0},"actor":{},"process":{"pid":"7"}}' \
		'not json' >"$WORK/bad.jsonl"
	run "$VIGIL" schema check "$WORK/bad.jsonl" --format ocsf
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"$WORK/bad.jsonl:1: process.pid: expected an integer"* ]]
	[[ "$output" == *"$WORK/bad.jsonl:2: -: invalid JSON"* ]]
	[ "${lines[-1]}" = "2 records, 0 valid, 2 invalid" ]
	printf '%s\n' '{"@timestamp":"2026-01-01T00:00:00.000Z","ecs":{"version":"9.3.0"},"event":{"kind":"event","category":["file"],"type":["start"]}}' >"$WORK/bad-ecs.jsonl"
	run "$VIGIL" schema check "$WORK/bad-ecs.jsonl" --format ecs
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"bad-ecs.jsonl:1: event.type: 'start' is not an event type the event's categories expect"* ]]
	run "$VIGIL" schema check "$WORK/bad.jsonl" --format cef
	[ "$status" -eq 64 ]
}
