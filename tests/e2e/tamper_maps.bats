#!/usr/bin/env bats
# End-to-end tests of a second root process working against the sensor's
# BPF maps: a write with bpftool is reported as it happens (MapWrite), the
# value is put back within a second or two (MapTampered), and collection
# goes on.

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
}

teardown() {
	teardown_sensor
}

# The id of the sensor's map called $1, from the map fds its process holds.
sensor_map_id() {
	local id
	for id in $(grep -h '^map_id:' /proc/"$SENSOR_PID"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -un); do
		if [ "$(bpftool map show id "$id" -j | jq -r .name)" = "$1" ]; then
			echo "$id"
			return 0
		fi
	done
	return 1
}

@test "bpftool zeroing the enabled map: MapWrite at once, MapTampered and the value restored, ProcessCreate goes on" {
	start_sensor
	id=$(sensor_map_id enabled)
	[ -n "$id" ]
	# Record type 1 is exec: switching it off would blind ProcessCreate.
	bpftool map update id "$id" key 1 0 0 0 value 0 0 0 0
	w=$(wait_event '.EventID==243 and .Type=="MapWrite"')
	[[ "$(field "$w" Detail)" == "BPF_MAP_UPDATE_ELEM on the sensor's map enabled (id $id)" ]]
	[ "$(field "$w" Image)" = "$(readlink -f "$(command -v bpftool)")" ]
	t=$(wait_event '.EventID==243 and .Type=="MapTampered"')
	[[ "$(field "$t" Detail)" == "record type 1 was switched off in the enabled map; 1 value restored" ]]
	[ "$(bpftool map lookup id "$id" key 1 0 0 0 -j | jq -r .formatted.value)" = 1 ]
	/bin/sh -c ': after-restore'
	wait_event '.EventID==1 and .CommandLine=="/bin/sh -c : after-restore"' >/dev/null
}

@test "a pinned copy of one of the sensor's programs is reported (it would outlive the sensor)" {
	mount | grep -q ' /sys/fs/bpf ' || mount -t bpf bpf /sys/fs/bpf
	pin="/sys/fs/bpf/vigil-e2e-pin-$$"
	start_sensor
	pid=$(grep -h '^prog_id:' /proc/"$SENSOR_PID"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -un | head -n 1)
	[ -n "$pid" ]
	bpftool prog pin id "$pid" "$pin"
	stop_sensor
	rm -f "$pin"
	p=$(jq -c 'select(.EventID==243 and .Type=="PinnedCopy")' "$OUT" | head -n 1)
	[ -n "$p" ]
	[[ "$(field "$p" Detail)" == "$pin pins one of the sensor's programs (1 pinned in all): it would outlive the sensor" ]]
	# The PinnedCopy comes before Stopped, so a collector sees it.
	[ "$(jq -r 'select(.EventID==243 and .Type=="PinnedCopy") | .SequenceNumber' "$OUT" | head -n 1)" -lt \
		"$(jq -r 'select(.EventID==4 and .State=="Stopped") | .SequenceNumber' "$OUT")" ]
}
