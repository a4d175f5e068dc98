#!/usr/bin/env bats
# End-to-end tests of what vigil makes of the kernel it runs on: `vigil
# check`, the Started event's kernel fields, a program the verifier
# refuses, a kernel laid out otherwise than a program reads it, a kernel
# without BTF, and lockdown=confidentiality. The kernel
# matrix (tests/kernels) runs this file on every kernel it boots, so each
# test states what must hold on any supported kernel. What vigil must say
# where lockdown=confidentiality refuses it is tests/kernels/lockdown.bats,
# run in the matrix's confidentiality guest.

load lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; return 1; }
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
	cp "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml" "$WORK/vigil.xml"
}

teardown() {
	teardown_sensor
	[ -n "${BG_PID:-}" ] && kill "$BG_PID" 2>/dev/null || true
}

@test "vigil check: core events available, every kernel event has a state, exit 0" {
	j=$("$VIGIL" check --json 2>"$WORK/check.err")
	[ "$(jq -r .kernel <<<"$j")" = "$(uname -r)" ]
	[ "$(jq -r .core_ok <<<"$j")" = true ]
	[ "$(jq -r .probes.BTF.ok <<<"$j")" = true ]
	[ "$(jq -r '.probes["ring buffer"].ok' <<<"$j")" = true ]
	for ev in ProcessCreate NetworkConnect ProcessTerminate FileCreate FileDelete; do
		[ "$(jq -r ".events.$ev.state" <<<"$j")" = available ]
	done
	# Every event fed by the kernel has one of the three states, and
	# each one not available says why.
	[ "$(jq '[.events[] | select(.state != "available" and .state != "degraded" and .state != "unavailable")] | length' <<<"$j")" -eq 0 ]
	[ "$(jq '[.events[] | select(.state != "available" and (.why | length) == 0)] | length' <<<"$j")" -eq 0 ]
	# No program was refused on a supported kernel.
	[ "$(jq '[.programs[] | select(.state == "refused by the kernel")] | length' <<<"$j")" -eq 0 ]
	# The table form says the same.
	run "$VIGIL" check
	[ "$status" -eq 0 ]
	[[ "$output" == *"core events: OK"* ]]
}

@test "Started names the kernel and what it cannot deliver, as vigil check does; SensorHealth repeats it" {
	unavail=$("$VIGIL" check --json | jq -r '[.events | to_entries[] | select(.value.state == "unavailable") | .key] | join(",")')
	start_sensor --config "$WORK/vigil.xml"
	s=$(wait_event '.EventID==4 and .State=="Started"')
	[ "$(field "$s" Kernel)" = "$(uname -r)" ]
	# Same set, whatever the order.
	want=$(tr ',' '\n' <<<"${unavail:--}" | sort | paste -sd,)
	[ -n "$unavail" ] || want=-
	got=$(field "$s" UnavailableEvents | tr ',' '\n' | sort | paste -sd,)
	[ "$got" = "$want" ]
	[ "$(field "$s" DegradedEvents)" = "-" ]
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ "$(field "$h" UnavailableEvents)" = "$(field "$s" UnavailableEvents)" ]
	[ "$(field "$h" AttachedPrograms)" -gt 50 ]
}

@test "a program the verifier refuses is logged once with its reason; its events are degraded, everything else runs" {
	export VIGIL_TEST_REFUSE_PROG=vg_rename_e
	run "$VIGIL" check
	[ "$status" -eq 0 ]
	[[ "$output" == *"FileRename               degraded"* ]]
	[[ "$output" == *"why: vg_rename_e: invalid bpf_context access"* ]]

	start_sensor --config "$WORK/vigil.xml" --control-socket "$BATS_TEST_TMPDIR/ctl.sock"
	s=$(wait_event '.EventID==4 and .State=="Started"')
	[ "$(field "$s" DegradedEvents)" = FileRename ]
	# One line in the log, with the program and the verifier's words.
	[ "$(grep -c 'vg_rename_e refused' "$BATS_TEST_TMPDIR/sensor.log")" -eq 1 ]
	grep -q 'vg_rename_e refused by this kernel, its events are off: invalid bpf_context access' \
		"$BATS_TEST_TMPDIR/sensor.log"
	# vigil status says it too. An emulated guest's sensor can be busy
	# for seconds after Started: wait as long as for the start.
	run "$VIGIL" status --socket "$BATS_TEST_TMPDIR/ctl.sock" --timeout "${VIGIL_START_TIMEOUT:-10}s"
	[ "$status" -eq 0 ]
	[[ "$output" == *"FileRename degraded: vg_rename_e: invalid bpf_context access"* ]]
	# The rest of the sensor works: mv (renameat2) is still reported,
	# and so are processes and files.
	echo x >"$WORK/a"
	mv "$WORK/a" "$WORK/b"
	wait_event ".EventID==201 and .TargetFilename==\"$WORK/b\"" >/dev/null
	wait_event ".EventID==11 and .TargetFilename==\"$WORK/a\"" >/dev/null
	wait_event '.EventID==1 and (.Image|endswith("/mv"))' >/dev/null
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ "$(field "$h" DegradedEvents)" = FileRename ]
}

# Waits for the DnsQuery of each of dns_ask_three NAME's three queries,
# each carrying the responder's answer.
dns_three_seen() {
	for call in read recvfrom recvmsg; do
		ev=$(wait_event ".EventID==22 and .QueryName==\"$call.$1\"")
		[[ "$(field "$ev" QueryResults)" == *127.0.0.4* ]]
	done
}

# exit_alone NAME: DNS answers for read.NAME, recvfrom.NAME and
# recvmsg.NAME and a new process's libc mapping are taken at the syscall's
# exit alone, and a truncating open without a write (told by the open's
# flags in the registers) gives FileModify; then stops the sensor.
exit_alone() {
	echo old >"$WORK/trunc"
	DNS_ANSWERS=3 dns_responder 127.0.0.4
	start_sensor --config "$WORK/vigil.xml" --control-socket "$BATS_TEST_TMPDIR/ctl.sock"
	dns_ask_three "$1"
	wait "$BG_PID"; BG_PID=
	dns_three_seen "$1"
	names=$("$VIGIL" status --json --socket "$BATS_TEST_TMPDIR/ctl.sock" --timeout "${VIGIL_START_TIMEOUT:-10}s" | jq -r '.attached_program_names')
	[[ ",$names," == *,vg_read_x,* && ",$names," == *,vg_recvmsg_x,* ]]
	[[ ",$names," != *,vg_read_e,* && ",$names," != *,vg_recvfrom_e,* && ",$names," != *,vg_recvmsg_e,* ]]
	[[ ",$names," == *,vg_mmap_x,* && ",$names," != *,vg_mmap_e,* ]]
	# A new process's libc, and the mapping's prot from the registers.
	/usr/bin/env true
	wait_event '.EventID==7 and .Image=="/usr/bin/env" and (.ImageLoaded|test("/libc\\.so"))' >/dev/null
	: >"$WORK/trunc"
	wait_event ".EventID==200 and .TargetFilename==\"$WORK/trunc\"" >/dev/null
	stop_sensor
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ "$(field "$h" ImageLoadDroppedKernel)" -eq 0 ]
	[[ "$(field "$h" DegradedEvents)" != *FileModify* ]]
}

@test "DNS answers and mappings are taken at the syscall's exit alone: read, recvfrom and recvmsg each give DnsQuery, exec gives ImageLoad, no entry program attached" {
	exit_alone exit.vigil-test.example
	[ "$(grep -c 'bytes above the saved syscall registers' "$BATS_TEST_TMPDIR/sensor.log")" -eq 0 ]
}

@test "a kernel that pads the top of its stacks (CONFIG_X86_FRED): the saved registers are found 16 bytes lower, said once, and still used" {
	export VIGIL_TEST_REGS_SKEW=fred
	exit_alone fred.vigil-test.example
	[ "$(grep -c 'keeps 16 bytes above the saved syscall registers' "$BATS_TEST_TMPDIR/sensor.log")" -eq 1 ]
}

@test "a kernel whose saved syscall registers are not where vigil reads them: FileModify degraded, said once; writes still reported; DNS and ImageLoad by entry programs" {
	echo old >"$WORK/trunc"
	export VIGIL_TEST_REGS_SKEW=1
	DNS_ANSWERS=3 dns_responder 127.0.0.4
	start_sensor --config "$WORK/vigil.xml" --control-socket "$BATS_TEST_TMPDIR/ctl.sock"
	: >"$WORK/trunc"
	echo new >"$WORK/written"
	wait_event ".EventID==200 and .TargetFilename==\"$WORK/written\"" >/dev/null
	run "$VIGIL" status --socket "$BATS_TEST_TMPDIR/ctl.sock" --timeout "${VIGIL_START_TIMEOUT:-10}s"
	[ "$status" -eq 0 ]
	[[ "$output" == *"FileModify degraded: a truncating open without a write is not reported"* ]]
	[[ "$output" == *vg_read_e*vg_read_x* && "$output" == *vg_mmap_e*vg_mmap_x* ]]
	dns_ask_three entry.vigil-test.example
	wait "$BG_PID"; BG_PID=
	dns_three_seen entry.vigil-test.example
	/usr/bin/env true
	wait_event '.EventID==7 and .Image=="/usr/bin/env" and (.ImageLoaded|test("/libc\\.so"))' >/dev/null
	[ "$(grep -c 'DNS answers and executable mappings are found by entry and exit programs' "$BATS_TEST_TMPDIR/sensor.log")" -eq 1 ]
	stop_sensor
	[ "$(count_events ".EventID==200 and .TargetFilename==\"$WORK/trunc\"")" -eq 0 ]
	h=$(jq -c 'select(.EventID==241)' "$OUT" | tail -n 1)
	[ "$(field "$h" DegradedEvents)" = FileModify ]
	[ "$(grep -c 'FileModify is degraded on kernel' "$BATS_TEST_TMPDIR/sensor.log")" -eq 1 ]
}

@test "a kernel without BTF: one clear line naming what is missing, exit 69, for run and check" {
	# Hide the kernel's BTF in a private mount namespace: what the
	# sensor sees is exactly a kernel built without it.
	run unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf &&
		\"$VIGIL\" run --output jsonl:$WORK/ev.jsonl --state-dir $WORK/state"
	[ "$status" -eq 69 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"no BTF (/sys/kernel/btf/vmlinux missing)"*"CONFIG_DEBUG_INFO_BTF=y"* ]]
	run unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && \"$VIGIL\" check"
	[ "$status" -eq 69 ]
	[[ "$output" == *"BTF                NO   missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y"* ]]
}

@test "vigil coverage --kernel marks what this kernel cannot deliver, as vigil check says" {
	cfg="$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml"
	unavail=$("$VIGIL" check --json 2>/dev/null | jq -r '[.events | to_entries[] | select(.value.state == "unavailable") | .key] | sort | join(",")')
	j=$("$VIGIL" coverage --config "$cfg" --kernel --format json)
	marked=$(jq -r '[.events[] | select((.kernel // "") | startswith("unavailable")) | .Event] | sort | join(",")' <<<"$j")
	[ "$marked" = "$unavail" ]
	# Without --kernel nothing is marked, and the table names the kernel.
	[ "$("$VIGIL" coverage --config "$cfg" --format json | jq '[.events[] | select(.kernel)] | length')" -eq 0 ]
	"$VIGIL" coverage --config "$cfg" --kernel | grep -q "^kernel $(uname -r):"
	# Not as root: refused, one line.
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$VIGIL" coverage --config "$cfg" --kernel
	[ "$status" -eq 77 ]
}

@test "SensitiveFileRead's kernel gate matches an exact path and a file name in any directory on this kernel, and nothing else" {
	# The name is read from the dentry (sens.bpf.h), a layout CO-RE must
	# find on every kernel; the gate staying in the kernel is what the
	# log line says.
	sed -i 's|<TargetFilename condition="is any">/etc/shadow;/etc/gshadow</TargetFilename>|&<TargetFilename condition="end with">/.pgpass</TargetFilename>|' "$WORK/vigil.xml"
	mkdir -p "$WORK/h/u"
	echo "db:5432:*:u:decoy" >"$WORK/h/u/.pgpass"
	echo x >"$WORK/h/u/pgpass"
	start_sensor --config "$WORK/vigil.xml"
	cat /etc/shadow >/dev/null
	cat "$WORK/h/u/pgpass" "$WORK/h/u/.pgpass" >/dev/null
	wait_event '.EventID==208 and .TargetFilename=="/etc/shadow"' >/dev/null
	wait_event ".EventID==208 and .TargetFilename==\"$WORK/h/u/.pgpass\"" >/dev/null
	stop_sensor
	[ "$(count_events ".EventID==208 and .TargetFilename==\"$WORK/h/u/pgpass\"")" -eq 0 ]
	grep -q "SensitiveFileRead: 2 paths and 1 file names in the kernel gate" "$BATS_TEST_TMPDIR/sensor.log"
}
