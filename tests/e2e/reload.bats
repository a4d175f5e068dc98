#!/usr/bin/env bats
# End-to-end tests of SIGHUP reloads in the live sensor: a huge value list
# compiles off the event thread (no kernel drops, `vigil status` answers,
# the new rules apply), the ConfigChange record is a clean cut between the
# old rules and the new, and configuration files that others could write
# are refused.

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
	chmod 755 "$WORK"
	CTL="$BATS_TEST_TMPDIR/ctl.sock"
	LOADPID=
}

teardown() {
	[ -z "$LOADPID" ] || kill "$LOADPID" 2>/dev/null || true
	teardown_sensor
}

# Every ProcessCreate logged.
write_all_config() {
	cat >"$1" <<'XML'
<Sysmon schemaversion="4.90">
  <EventFiltering>
    <RuleGroup groupRelation="or">
      <ProcessCreate onmatch="exclude"/>
    </RuleGroup>
  </EventFiltering>
</Sysmon>
XML
}

# ProcessCreate logged unless its command line contains one of 100,000
# values; "vigil-cut" is the last of them.
write_huge_config() {
	{
		printf '<Sysmon schemaversion="4.90"><EventFiltering><RuleGroup groupRelation="or">'
		printf '<ProcessCreate onmatch="exclude"><CommandLine condition="contains any">'
		seq 1 "${2:-99999}" | sed 's/^/tok/; s/$/-x/' | tr '\n' ';'
		printf 'vigil-cut</CommandLine></ProcessCreate></RuleGroup></EventFiltering></Sysmon>\n'
	} >"$1"
}

# Waits (up to 30 s) until `vigil status` has a line matching the regex $1.
wait_reload_state() {
	for _ in $(seq 1 3000); do
		"$VIGIL" status --socket "$CTL" 2>/dev/null | grep -q "$1" && return 0
		sleep 0.01
	done
	echo "vigil status never matched: $1" >&2
	"$VIGIL" status --socket "$CTL" >&2 || true
	return 1
}

# A steady stream of execs; each line of $WORK/load.log is "I TIME", written
# just before `/bin/true vigil-cut-I` runs ($EPOCHREALTIME: no extra exec).
# Paced by `read -t` on a FIFO nobody writes (a builtin: the only execs are
# the marked ones).
start_load() {
	mkfifo "$WORK/pace"
	(
		exec 3<>"$WORK/pace"
		i=0
		while :; do
			i=$((i + 1))
			echo "$i $EPOCHREALTIME" >>"$WORK/load.log"
			/bin/true "vigil-cut-$i"
			read -r -t 0.01 -u 3 || true
		done
	) &
	LOADPID=$!
}

stop_load() {
	kill "$LOADPID" 2>/dev/null || true
	wait "$LOADPID" 2>/dev/null || true
	LOADPID=
}

@test "reload of a 100,000-value contains any list under load: no kernel drops, status answers, the new rules apply" {
	write_all_config "$WORK/vigil.xml"
	write_huge_config "$WORK/huge.xml"
	# A small ring: a reader stalled by the compile overflows it at once.
	start_sensor --config "$WORK/vigil.xml" --ringbuf-size 256K --control-socket "$CTL"
	start_load
	sleep 0.5
	cp "$WORK/huge.xml" "$WORK/vigil.xml"
	want="SHA256=$(sha256sum "$WORK/huge.xml" | cut -d' ' -f1 | tr a-f A-F)"
	kill -HUP "$SENSOR_PID"
	# The loop thread keeps answering while the new rules compile.
	asked=0
	for i in $(seq 1 100); do
		run timeout 2 "$VIGIL" status --socket "$CTL"
		[ "$status" -eq 0 ]
		[[ "$output" == *"config: "* ]]
		asked=$((asked + 1))
		[ "$(count_events ".EventID==16 and .ConfigurationFileHash==\"$want\"")" -eq 0 ] || break
		sleep 0.05
	done
	wait_event ".EventID==16 and .ConfigurationFileHash==\"$want\"" >/dev/null
	[ "$asked" -ge 1 ]
	stop_load
	/bin/true vigil-cut-after-reload
	/bin/true tok77777-x-after-reload
	/bin/true vigil-kept-after-reload
	wait_event '.EventID==1 and .CommandLine=="/bin/true vigil-kept-after-reload"' >/dev/null
	stop_sensor
	[ "$(count_events '.CommandLine=="/bin/true vigil-cut-after-reload"')" -eq 0 ]
	[ "$(count_events '.CommandLine=="/bin/true tok77777-x-after-reload"')" -eq 0 ]
	# Not one record lost in the kernel, for any event type.
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ -n "$h" ]
	jq -e '[to_entries[] | select(.key | endswith("DroppedKernel")) | .value] | all(. == 0)' <<<"$h"
	[ "$(jq '.ProcessCreateSeen' <<<"$h")" -gt 50 ]
}

@test "reload cut: events from before the SIGHUP are judged by the old rules, and ConfigChange separates old from new" {
	write_all_config "$WORK/vigil.xml"
	write_huge_config "$WORK/huge.xml"
	start_sensor --config "$WORK/vigil.xml" --control-socket "$CTL"
	start_load
	# Enough of a stream before the reload, however busy the machine is.
	for i in $(seq 1 400); do
		[ "$(wc -l <"$WORK/load.log" 2>/dev/null || echo 0)" -ge 30 ] && break
		sleep 0.05
	done
	cp "$WORK/huge.xml" "$WORK/vigil.xml"
	/bin/true vigil-cut-0
	t_hup=$EPOCHREALTIME
	kill -HUP "$SENSOR_PID"
	want="SHA256=$(sha256sum "$WORK/huge.xml" | cut -d' ' -f1 | tr a-f A-F)"
	wait_event ".EventID==16 and .ConfigurationFileHash==\"$want\"" >/dev/null
	sleep 0.3
	stop_load
	stop_sensor
	# Every exec that surely ran before the SIGHUP was sent (the next one
	# was already announced before it) is logged: the old rules judged it.
	mapfile -t logged < <(jq -r 'select(.EventID==1 and (.CommandLine | startswith("/bin/true vigil-cut-"))) | .CommandLine | ltrimstr("/bin/true vigil-cut-")' "$OUT")
	declare -A seen
	for i in "${logged[@]}"; do seen[$i]=1; done
	n=0 missing=
	while read -r i t; do
		next=$(awk -v i="$i" '$1 == i + 1 { print $2 }' "$WORK/load.log")
		[ -n "$next" ] || continue
		if awk -v a="$next" -v b="$t_hup" 'BEGIN { exit !(a < b) }'; then
			n=$((n + 1))
			[ -n "${seen[$i]:-}" ] || missing="$missing $i"
		fi
	done <"$WORK/load.log"
	[ "$n" -ge 25 ]
	# And the one run just before the SIGHUP, still in the ring buffer then.
	[ -n "${seen[0]:-}" ] || missing="$missing 0"
	[ -z "$missing" ] || { echo "filtered by the new rules although before SIGHUP:$missing"; false; }
	# In the output, every one of them precedes the reload's ConfigChange,
	# and none follows it: after it, only the new rules judge.
	after=$(jq -c 'select(.EventID==16 or (.EventID==1 and (.CommandLine | startswith("/bin/true vigil-cut-"))))' "$OUT" |
		awk -v w="$want" 'index($0, w) { cut = 1; next } cut && /vigil-cut-/ { n++ } END { print n + 0 }')
	[ "$after" -eq 0 ]
	cfg_time=$(jq -r "select(.EventID==16 and .ConfigurationFileHash==\"$want\") | .UtcTime" "$OUT")
	latest=$(jq -r 'select(.EventID==1 and (.CommandLine | startswith("/bin/true vigil-cut-"))) | .UtcTime' "$OUT" | sort | tail -n 1)
	[[ ! "$latest" > "$cfg_time" ]]
}

# refused CMD...: runs CMD, which must exit 78 with exactly the line $want.
refused() {
	run "$@"
	[ "$status" -eq 78 ]
	[ "$output" = "$want" ] || { echo "got: $output"; echo "want: $want"; false; }
}

@test "config permissions: a 0666 file, a file owned by nobody, a group-writable directory are refused by run and validate" {
	mkdir -p "$WORK/p"
	chmod 755 "$WORK/p"
	write_all_config "$WORK/p/vigil.xml"
	run "$VIGIL" validate "$WORK/p/vigil.xml"
	[ "$status" -eq 0 ]
	sfx="(use --insecure-config-perms to override)"
	chmod 666 "$WORK/p/vigil.xml"
	want="vigil: $WORK/p/vigil.xml: refusing: mode 0666 is writable by others $sfx"
	refused "$VIGIL" validate "$WORK/p/vigil.xml"
	refused "$VIGIL" run --config "$WORK/p/vigil.xml" --output jsonl:- --state-dir "$WORK/s"
	chmod 644 "$WORK/p/vigil.xml"
	chown nobody "$WORK/p/vigil.xml"
	want="vigil: $WORK/p/vigil.xml: refusing: owned by uid $(id -u nobody), not root $sfx"
	refused "$VIGIL" validate "$WORK/p/vigil.xml"
	refused "$VIGIL" run --config "$WORK/p/vigil.xml" --output jsonl:- --state-dir "$WORK/s"
	chown root "$WORK/p/vigil.xml"
	chmod 775 "$WORK/p"
	want="vigil: $WORK/p: refusing: directory mode 0775 is writable by its group $sfx"
	refused "$VIGIL" validate "$WORK/p/vigil.xml"
	refused "$VIGIL" run --config "$WORK/p/vigil.xml" --output jsonl:- --state-dir "$WORK/s"
	chmod 755 "$WORK/p"
	# A Sigma rule in a directory given to --sigma, writable by others.
	mkdir -p "$WORK/sigma"
	chmod 755 "$WORK/sigma"
	printf 'title: t\nlogsource: {product: linux, category: process_creation}\ndetection: {sel: {Image: /x}, condition: sel}\n' >"$WORK/sigma/r.yml"
	chmod 646 "$WORK/sigma/r.yml"
	want="vigil: $WORK/sigma/r.yml: refusing: mode 0646 is writable by others $sfx"
	refused "$VIGIL" run --config "$WORK/p/vigil.xml" --sigma "$WORK/sigma" --output jsonl:- --state-dir "$WORK/s"
	# A root-owned file in a root-owned sticky directory (like /tmp) is fine:
	# nobody else can rename or replace it there.
	mkdir -p "$WORK/sticky"
	chmod 1777 "$WORK/sticky"
	write_all_config "$WORK/sticky/vigil.xml"
	run "$VIGIL" validate "$WORK/sticky/vigil.xml"
	[ "$status" -eq 0 ]
}

@test "config permissions: --insecure-config-perms loads with a warning on stderr and an Error (255) record" {
	mkdir -p "$WORK/p"
	chmod 755 "$WORK/p"
	write_all_config "$WORK/p/vigil.xml"
	chmod 666 "$WORK/p/vigil.xml"
	run "$VIGIL" validate --insecure-config-perms "$WORK/p/vigil.xml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vigil: warning: $WORK/p/vigil.xml: mode 0666 is writable by others; loaded anyway (--insecure-config-perms)"* ]]
	[[ "$output" == *"configuration OK"* ]]
	start_sensor --config "$WORK/p/vigil.xml" --insecure-config-perms --control-socket "$CTL"
	grep -q "vigil: warning: $WORK/p/vigil.xml: mode 0666 is writable by others" "$BATS_TEST_TMPDIR/sensor.log"
	e=$(wait_event '.EventID==255')
	[ "$(field "$e" Description)" = "$WORK/p/vigil.xml: mode 0666 is writable by others; loaded anyway (--insecure-config-perms)" ]
	# A reload of it is allowed too, and reported again.
	kill -HUP "$SENSOR_PID"
	wait_event '.EventID==16 and .Configuration!=null' >/dev/null
	for i in $(seq 1 100); do
		[ "$(count_events '.EventID==255')" -ge 2 ] && [ "$(count_events '.EventID==16')" -ge 2 ] && break
		sleep 0.05
	done
	[ "$(count_events '.EventID==255')" -eq 2 ]
	[ "$(count_events '.EventID==16')" -eq 2 ]
	stop_sensor
}

@test "config permissions: at SIGHUP a file made writable by others is refused, the old rules stay, Error (255)" {
	write_all_config "$WORK/vigil.xml"
	start_sensor --config "$WORK/vigil.xml" --control-socket "$CTL"
	write_huge_config "$WORK/vigil.xml"
	chmod 666 "$WORK/vigil.xml"
	kill -HUP "$SENSOR_PID"
	e=$(wait_event '.EventID==255')
	[ "$(field "$e" Description)" = "$WORK/vigil.xml: refusing: mode 0666 is writable by others (use --insecure-config-perms to override)" ]
	/bin/true vigil-cut-old-rules
	wait_event '.EventID==1 and .CommandLine=="/bin/true vigil-cut-old-rules"' >/dev/null
	stop_sensor
	[ "$(count_events '.EventID==16')" -eq 1 ]
}

@test "SIGHUPs during a compile are queued once: the file as last written applies, with one more ConfigChange" {
	write_all_config "$WORK/vigil.xml"
	write_huge_config "$WORK/huge.xml" 300000
	cat >"$WORK/final.xml" <<'XML'
<Sysmon schemaversion="4.90">
  <EventFiltering>
    <RuleGroup groupRelation="or">
      <ProcessCreate onmatch="include">
        <CommandLine condition="contains">vigil-final</CommandLine>
      </ProcessCreate>
    </RuleGroup>
  </EventFiltering>
</Sysmon>
XML
	start_sensor --config "$WORK/vigil.xml" --control-socket "$CTL"
	cp "$WORK/huge.xml" "$WORK/next.xml" && mv "$WORK/next.xml" "$WORK/vigil.xml"
	kill -HUP "$SENSOR_PID"
	# Signals of one kind pending together are one signal: send the next
	# ones only once the sensor has taken this one and is compiling (a
	# 300,000-value list: about a second), as `vigil status` says.
	wait_reload_state "reload: compiling$"
	cp "$WORK/final.xml" "$WORK/next.xml" && mv "$WORK/next.xml" "$WORK/vigil.xml"
	kill -HUP "$SENSOR_PID"
	kill -HUP "$SENSOR_PID"
	wait_reload_state "reload: compiling, one more queued$"
	final="SHA256=$(sha256sum "$WORK/final.xml" | cut -d' ' -f1 | tr a-f A-F)"
	wait_event ".EventID==16 and .ConfigurationFileHash==\"$final\"" >/dev/null
	/bin/true vigil-final-check
	/bin/true vigil-not-included
	wait_event '.EventID==1 and .CommandLine=="/bin/true vigil-final-check"' >/dev/null
	stop_sensor
	[ "$(count_events '.CommandLine=="/bin/true vigil-not-included"')" -eq 0 ]
	# The start, the first compile, and one for the two queued SIGHUPs.
	[ "$(count_events '.EventID==16')" -eq 3 ]
	[ "$(jq -r 'select(.EventID==16) | .ConfigurationFileHash' "$OUT" | tail -n 1)" = "$final" ]
	[ "$(count_events '.EventID==255')" -eq 0 ]
}
