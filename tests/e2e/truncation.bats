#!/usr/bin/env bats
# End-to-end tests of cut values: a path or command line cut to fit never
# passes for a whole one ("…" marks the cut), so no exclude rule can match
# what is not there, and the cut is counted in SensorHealth.

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
}

teardown() {
	teardown_sensor
}

# A name of N copies of character C.
rep() { printf "%${1}s" "" | tr ' ' "$2"; }

@test "a path cut to fit keeps a leading …/ and escapes a 'begin with /usr/bin/' exclude" {
	cat >"$WORK/vigil.xml" <<'EOF'
<Sysmon schemaversion="4.90">
  <EventFiltering>
    <ProcessCreate onmatch="exclude">
      <Image condition="begin with">/usr/bin/</Image>
    </ProcessCreate>
  </EventFiltering>
</Sysmon>
EOF
	# /usr/bin/D*250/D*250/D*250/D*200/M_spoofexe is about 980 bytes:
	# it fits in the kernel's 1,024-byte path, and the 100-byte
	# component above it does not, so the cut falls just above "usr".
	tail="usr/bin/$(rep 250 D)/$(rep 250 D)/$(rep 250 D)/$(rep 200 D)"
	dir="$WORK/$(rep 100 P)/$tail"
	mkdir -p "$dir"
	cp /bin/true "$dir/M_spoofexe"
	start_sensor --config "$WORK/vigil.xml"
	"$dir/M_spoofexe"
	e=$(wait_event '.EventID==1 and (.Image|endswith("/M_spoofexe"))')
	img=$(field "$e" Image)
	[[ "$img" == "…/usr/bin/"* ]]
	[ "$img" = "…/$tail/M_spoofexe" ]
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ "$(field "$h" DecoderTruncated)" -ge 1 ]
}

@test "a command line over 4,095 bytes ends in … and is cut, never passed off as whole" {
	start_sensor
	long=$(rep 5000 A)
	/bin/sh -c ': marker' "$long"
	e=$(wait_event '.EventID==1 and (.CommandLine|startswith("/bin/sh -c : marker"))')
	cl=$(field "$e" CommandLine)
	[[ "$cl" == *"…" ]]
	[ "${#cl}" -lt 4200 ]
	# An argv that fits is untouched.
	/bin/sh -c ': short marker' x
	e=$(wait_event '.EventID==1 and .CommandLine=="/bin/sh -c : short marker x"')
	[ -n "$e" ]
}
