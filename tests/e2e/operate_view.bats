#!/usr/bin/env bats
# operate_view.bats — `vigil view` and the console output on a real run:
# one readable line per event (time, event, process (pid) → target), event
# and text filters, --follow, and no raw control character from event data
# ever reaching the terminal (a crafted file name with ESC, C1 and a
# newline in it).

load lib

setup() {
	D="$BATS_TEST_TMPDIR/d"
	mkdir -p "$D"
	CON="$BATS_TEST_TMPDIR/console.txt"
}

teardown() {
	teardown_sensor
	[ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null
	true
}

# no_raw_controls FILE: no C0 control but \n, no DEL, no UTF-8 C1 control,
# no bidi override in FILE.
no_raw_controls() {
	! LC_ALL=C grep -q -P '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xae\xab-\xad]' "$1"
}

@test "view and console:PATH on a real run: readable lines, filters, a crafted file name escaped" {
	start_sensor --config "$FIXTURES/sysmon-configs/collect-all.xml" --output "console:$CON"
	name=$'evil\e[2J\xc2\x9b31m\nname\xe2\x80\xaegpj.sh'
	/usr/bin/touch "$D/$name"
	/usr/bin/cat /etc/hostname >/dev/null
	ev=$(wait_event '.EventID==11 and (.TargetFilename | test("evil"))')
	pc=$(wait_event '.EventID==1 and .CommandLine=="/usr/bin/cat /etc/hostname"')
	sleep 0.2
	stop_sensor

	# The ProcessCreate: time, event, image(pid) → command line.
	pid=$(field "$pc" ProcessId)
	t=$(field "$pc" UtcTime)
	# --grep matches the raw JSON line, so the field name pins it down.
	run "$VIGIL" view "$OUT" --event ProcessCreate --grep '"CommandLine":"/usr/bin/cat /etc/hostname"'
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	[ "$output" = "$t ProcessCreate          /usr/bin/cat($pid) → /usr/bin/cat /etc/hostname" ]

	# The crafted name: one line, every control escaped.
	"$VIGIL" view "$OUT" --event 11 --grep evil >"$BATS_TEST_TMPDIR/v.txt"
	cat "$BATS_TEST_TMPDIR/v.txt"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/v.txt")" -eq 1 ]
	no_raw_controls "$BATS_TEST_TMPDIR/v.txt"
	grep -qF 'evil\x1b[2J\u009b31m\x0aname\u202egpj.sh' "$BATS_TEST_TMPDIR/v.txt"
	grep -q "^$(field "$ev" UtcTime) FileCreate .*/usr/bin/touch($(field "$ev" ProcessId)) → $D/evil" \
		"$BATS_TEST_TMPDIR/v.txt"

	# The console output wrote the same lines as view does, without colour
	# (not a terminal).
	no_raw_controls "$CON"
	"$VIGIL" view "$OUT" >"$BATS_TEST_TMPDIR/all.txt"
	diff "$BATS_TEST_TMPDIR/all.txt" "$CON"
}

@test "view escapes controls and invalid UTF-8 in a crafted file; colours only when asked" {
	printf '%s\n' \
		'{"EventID":11,"Event":"FileCreate","UtcTime":"2026-12-01 10:00:00.000","ProcessId":42,"Image":"/bin/x\u001b]0;pwned\u0007","TargetFilename":"/tmp/a\u009b\u007fb\u2028c\\d"}' \
		'not json' >"$D/crafted.jsonl"
	printf '{"EventID":11,"Event":"FileCreate","UtcTime":"2026-12-01 10:00:01.000","ProcessId":43,"Image":"/bin/y","TargetFilename":"/tmp/\xff\xfe"}\n' \
		>>"$D/crafted.jsonl"
	run "$VIGIL" view "$D/crafted.jsonl"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${lines[0]}" = '2026-12-01 10:00:00.000 FileCreate             /bin/x\x1b]0;pwned\x07(42) → /tmp/a\u009b\x7fb\u2028c\\d' ]
	[ "${lines[1]}" = '2026-12-01 10:00:01.000 FileCreate             /bin/y(43) → /tmp/\xff\xfe' ]
	[ "${lines[2]}" = 'vigil view: 1 line(s) skipped: not vigil events' ]
	"$VIGIL" view "$D/crafted.jsonl" >"$BATS_TEST_TMPDIR/o" 2>/dev/null
	no_raw_controls "$BATS_TEST_TMPDIR/o"
	"$VIGIL" view --color always "$D/crafted.jsonl" 2>/dev/null | grep -q $'\e\\[1m'
	NO_COLOR= "$VIGIL" view --color auto "$D/crafted.jsonl" 2>/dev/null | { ! grep -q $'\e'; }
	run "$VIGIL" view --event NoSuchEvent "$D/crafted.jsonl"
	[ "$status" -eq 64 ]
	run "$VIGIL" view "$D/missing.jsonl"
	[ "$status" -eq 66 ]
	# Standard input.
	[ "$("$VIGIL" view - <"$D/crafted.jsonl" 2>/dev/null | wc -l)" -eq 2 ]
}

@test "view --follow shows lines as they are appended and follows a rotation" {
	f="$D/f.jsonl"
	: >"$f"
	"$VIGIL" view --follow "$f" >"$BATS_TEST_TMPDIR/follow.txt" 2>&1 &
	VPID=$!
	sleep 0.3
	echo '{"EventID":1,"Event":"ProcessCreate","UtcTime":"2026-12-01 10:00:00.000","ProcessId":7,"Image":"/bin/a","CommandLine":"first"}' >>"$f"
	for _ in $(seq 1 40); do grep -q first "$BATS_TEST_TMPDIR/follow.txt" && break; sleep 0.05; done
	grep -q '/bin/a(7) → first' "$BATS_TEST_TMPDIR/follow.txt"
	mv "$f" "$f.1"
	echo '{"EventID":1,"Event":"ProcessCreate","UtcTime":"2026-12-01 10:00:01.000","ProcessId":8,"Image":"/bin/b","CommandLine":"second"}' >"$f"
	for _ in $(seq 1 40); do grep -q second "$BATS_TEST_TMPDIR/follow.txt" && break; sleep 0.05; done
	grep -q '/bin/b(8) → second' "$BATS_TEST_TMPDIR/follow.txt"
	kill "$VPID"
	VPID=
}
