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
