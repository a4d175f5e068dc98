#!/usr/bin/env bats
# operate_jsonl.bats — the JSONL output as an administrator runs it: size
# rotation keeping N files (plain and gzip) with no record lost between
# them, reopen on SIGUSR1 and `vigil rotate` after a move, repair of a torn
# last line at start, whole records and exact counts on a full disk with
# recovery, and a planted output file that is not trusted.
#
# A config that logs only the exec of a marker binary keeps the counts exact
# on a machine where other things run.

load lib

setup() {
	MARK="$BATS_TEST_TMPDIR/vigil-marker"
	cp /usr/bin/true "$MARK"
	CFG="$BATS_TEST_TMPDIR/marker.xml"
	cat >"$CFG" <<XML
<Sysmon schemaversion="4.90">
  <EventFiltering>
    <RuleGroup groupRelation="or">
      <ProcessCreate onmatch="include">
        <Image condition="is">$MARK</Image>
      </ProcessCreate>
    </RuleGroup>
    <RuleGroup groupRelation="or">
      <ProcessTerminate onmatch="include"/>
    </RuleGroup>
  </EventFiltering>
</Sysmon>
XML
	D="$BATS_TEST_TMPDIR/out"
	mkdir -p "$D"
	CTL="$BATS_TEST_TMPDIR/ctl.sock"
}

teardown() {
	teardown_sensor
	mountpoint -q "$D" && umount "$D"
	true
}

marks() { # marks N: runs the marker N times
	local i
	for i in $(seq 1 "$1"); do "$MARK"; done
}

# wait_marks N: waits until $OUT holds N marker execs.
wait_marks() {
	local i
	for i in $(seq 1 200); do
		[ "$(count_events ".EventID==1 and .Image==\"$MARK\"")" -ge "$1" ] && return 0
		sleep 0.05
	done
	echo "only $(count_events ".EventID==1 and .Image==\"$MARK\"") of $1 marker events" >&2
	return 1
}

# status_of SPEC FIELD: a counter of one output from `vigil status --json`.
status_of() {
	"$VIGIL" status --socket "$CTL" --json | jq -r --arg s "$1" ".outputs[] | select(.spec==\$s) | .$2"
}

@test "jsonl rotate=16K&keep=3: exactly 4 files, each under 16K, all parse, no record lost between them" {
	spec="jsonl:$D/ev.jsonl?rotate=16K&keep=3"
	start_sensor --config "$CFG" --output "$spec"
	marks 200
	wait_marks 200
	sleep 0.3
	stop_sensor
	ls "$D"
	[ "$(ls "$D" | wc -l)" -eq 4 ]
	for f in ev.jsonl ev.jsonl.1 ev.jsonl.2 ev.jsonl.3; do
		[ -f "$D/$f" ]
		[ "$(stat -c %s "$D/$f")" -le 16384 ]
		[ "$(stat -c %a "$D/$f")" = 600 ]
		jq -e . "$D/$f" >/dev/null
	done
	# Oldest to newest, the sequence numbers run on without a gap and end
	# with the run's last record (Stopped), as in the unrotated output.
	cat "$D/ev.jsonl.3" "$D/ev.jsonl.2" "$D/ev.jsonl.1" "$D/ev.jsonl" >"$BATS_TEST_TMPDIR/all"
	jq -s -e 'map(.SequenceNumber) as $s | ($s | length) > 20 and
		([range(1; $s | length)] | all(. as $i | $s[$i] == $s[$i - 1] + 1))' "$BATS_TEST_TMPDIR/all"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/all")" = "$(tail -n 1 "$OUT")" ]
}

@test "jsonl rotate with compress=gzip: rotated files are .gz, decompress and parse, no .0 left" {
	spec="jsonl:$D/ev.jsonl?rotate=16K&keep=2&compress=gzip"
	start_sensor --config "$CFG" --output "$spec"
	marks 150
	wait_marks 150
	sleep 0.3
	stop_sensor
	ls "$D"
	[ -f "$D/ev.jsonl" ] && [ -f "$D/ev.jsonl.1.gz" ] && [ -f "$D/ev.jsonl.2.gz" ]
	[ "$(ls "$D" | wc -l)" -eq 3 ]
	for f in ev.jsonl.1.gz ev.jsonl.2.gz; do
		gzip -t "$D/$f"
		zcat "$D/$f" | jq -e . >/dev/null
		[ "$(stat -c %a "$D/$f")" = 600 ]
	done
	(zcat "$D/ev.jsonl.2.gz" "$D/ev.jsonl.1.gz"; cat "$D/ev.jsonl") |
		jq -s -e 'map(.SequenceNumber) as $s |
			([range(1; $s | length)] | all(. as $i | $s[$i] == $s[$i - 1] + 1))'
}

@test "SIGUSR1 and 'vigil rotate' reopen the file after logrotate moved it" {
	start_sensor --config "$CFG" --output "jsonl:$D/a.jsonl" --control-socket "$CTL"
	marks 3
	wait_marks 3
	sleep 0.2
	mv "$D/a.jsonl" "$D/a.jsonl.old"
	kill -USR1 "$SENSOR_PID"
	for _ in $(seq 1 100); do [ -f "$D/a.jsonl" ] && break; sleep 0.05; done
	[ -f "$D/a.jsonl" ]
	marks 2
	wait_marks 5
	sleep 0.2
	[ "$(jq -c "select(.Image==\"$MARK\")" "$D/a.jsonl.old" | wc -l)" -eq 3 ]
	[ "$(jq -c "select(.Image==\"$MARK\")" "$D/a.jsonl" | wc -l)" -eq 2 ]
	[ "$(stat -c %a "$D/a.jsonl")" = 600 ]
	# The same over the control socket (both outputs: this one and $OUT).
	mv "$D/a.jsonl" "$D/a.jsonl.old2"
	run "$VIGIL" rotate --socket "$CTL"
	[ "$status" -eq 0 ]
	[[ "$output" == *"reopened 2 output(s), 0 failed"* ]]
	[ -f "$D/a.jsonl" ]
	marks 1
	wait_marks 6
	sleep 0.2
	[ "$(jq -c "select(.Image==\"$MARK\")" "$D/a.jsonl" | wc -l)" -eq 1 ]
	stop_sensor
	jq -e . "$D/a.jsonl.old" "$D/a.jsonl.old2" "$D/a.jsonl" >/dev/null
}

@test "a torn last line (crash mid-write) is cut at start, and the bytes cut are logged" {
	printf '{"EventID":1,"whole":true}\n{"EventID":1,"Image":"/usr/bin/cu' >"$D/t.jsonl"
	chmod 600 "$D/t.jsonl"
	start_sensor --config "$CFG" --output "jsonl:$D/t.jsonl"
	marks 1
	wait_marks 1
	sleep 0.2
	stop_sensor
	grep "t.jsonl: repaired a torn last line: 33 bytes cut" "$BATS_TEST_TMPDIR/sensor.log"
	jq -e . "$D/t.jsonl" >/dev/null
	[ "$(head -n 1 "$D/t.jsonl")" = '{"EventID":1,"whole":true}' ]
	[ "$(sed -n 2p "$D/t.jsonl" | jq -r .State)" = Started ]
}

@test "full disk: only whole lines, written + dropped = records produced, recovery when space is freed, and told" {
	mount -t tmpfs -o size=96k,mode=0700 vigil-test "$D"
	dd if=/dev/zero of="$D/filler" bs=4k count=8 status=none
	spec="jsonl:$D/full.jsonl"
	start_sensor --config "$CFG" --output "$spec" --control-socket "$CTL"
	marks 150
	wait_marks 150
	# The Error (255) that says the output is failing comes at the next
	# health check: counted before the counts are taken, not between them.
	wait_event '.EventID==255 and (.Description|test("full.jsonl.* is failing"))' 10 >/dev/null
	sleep 0.5
	jq -e . "$D/full.jsonl" >/dev/null
	lines=$(wc -l <"$D/full.jsonl")
	produced=$(wc -l <"$OUT")
	written=$(status_of "$spec" written)
	dropped=$(status_of "$spec" dropped)
	echo "lines $lines produced $produced written $written dropped $dropped"
	[ "$dropped" -gt 0 ]
	[ "$lines" -eq "$written" ]
	[ $((written + dropped)) -eq "$produced" ]
	# The file ends with a whole record: nothing torn to join onto.
	[ "$(tail -c 1 "$D/full.jsonl" | od -An -c | tr -d ' ')" = '\n' ]
	rm "$D/filler"
	marks 5
	wait_marks 155
	sleep 0.5
	jq -e . "$D/full.jsonl" >/dev/null
	lines=$(wc -l <"$D/full.jsonl")
	produced=$(wc -l <"$OUT")
	written=$(status_of "$spec" written)
	dropped2=$(status_of "$spec" dropped)
	echo "after freeing: lines $lines produced $produced written $written dropped $dropped2"
	[ "$lines" -eq "$written" ]
	[ $((written + dropped2)) -eq "$produced" ]
	[ "$dropped2" -ge "$dropped" ]
	# Recovery, record by record: from the first mark run after the space
	# was freed, every record the sensor produced is in the file. (Not
	# "dropped did not grow": a record the sensor makes on its own, such as
	# a periodic SensorHealth, can fall between the counts above and the rm
	# while the disk is still full, and is rightly dropped and counted.)
	first=$(jq -r "select(.Image==\"$MARK\") | .SequenceNumber" "$OUT" | tail -n 5 | head -n 1)
	jq -r --argjson f "$first" 'select(.SequenceNumber >= $f) | .SequenceNumber' "$OUT" | sort >"$BATS_TEST_TMPDIR/after.want"
	jq -r --argjson f "$first" 'select(.SequenceNumber >= $f) | .SequenceNumber' "$D/full.jsonl" | sort >"$BATS_TEST_TMPDIR/after.got"
	echo "missing after recovery: $(comm -23 "$BATS_TEST_TMPDIR/after.want" "$BATS_TEST_TMPDIR/after.got" | tr '\n' ' ')"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/after.want")" -ge 5 ]
	cmp "$BATS_TEST_TMPDIR/after.want" "$BATS_TEST_TMPDIR/after.got"
	# And it is told, once the 10 s hold after "is failing" ends, with
	# nothing more written: the sink stamps its losses and deliveries in
	# order (struct sink_order), so a second that held both the last loss
	# and the first deliveries still counts, and an idle sensor is told.
	wait_event '.EventID==255 and (.Description|test("full.jsonl.* recovered"))' 20 >/dev/null
	stop_sensor
}

@test "a planted 0666 output file owned by nobody is replaced, not appended to" {
	echo '{"EventID":1,"forged":true}' >"$D/h.jsonl"
	chown nobody "$D/h.jsonl"
	chmod 0666 "$D/h.jsonl"
	start_sensor --config "$CFG" --output "jsonl:$D/h.jsonl"
	stop_sensor
	grep "h.jsonl: owned by uid $(id -u nobody) with mode 0666: not trusted, replaced" \
		"$BATS_TEST_TMPDIR/sensor.log"
	[ "$(stat -c '%u %a' "$D/h.jsonl")" = "0 600" ]
	! grep -q forged "$D/h.jsonl"
	[ "$(head -n 1 "$D/h.jsonl" | jq -r .State)" = Started ]
	# A symlink planted at the path is refused outright.
	ln -s /etc/passwd "$D/l.jsonl"
	run "$VIGIL" run --config "$CFG" --output "jsonl:$D/l.jsonl" --state-dir "$BATS_TEST_TMPDIR/s2"
	[ "$status" -eq 73 ]
	[[ "$output" == *"is a symbolic link: refused"* ]]
}
