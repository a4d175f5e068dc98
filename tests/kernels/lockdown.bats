#!/usr/bin/env bats
# What vigil says on a kernel booted with lockdown=confidentiality, where
# the kernel disables tracefs and refuses bpf_probe_read_kernel to tracing
# programs: it cannot run there, and it must say precisely why for each
# event. tests/kernels/run-matrix runs this file in its confidentiality
# guest only; on any other kernel its first assertion fails.

load ../e2e/lib

setup() {
	[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; return 1; }
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
}

@test "lockdown=confidentiality: vigil check and vigil run say precisely why each event cannot be had" {
	grep -q '\[confidentiality\]' /sys/kernel/security/lockdown
	rc=0
	j=$("$VIGIL" check --json 2>"$WORK/check.err") || rc=$?
	[ "$rc" -eq 69 ]
	[ "$(jq -r .core_ok <<<"$j")" = false ]
	[ "$(jq -r .probes.lockdown.ok <<<"$j")" = false ]
	[ "$(jq -r .probes.tracefs.ok <<<"$j")" = false ]
	[ "$(jq -r .probes.probe_read_kernel.ok <<<"$j")" = false ]
	# The BTF-typed tracepoints read kernel memory, which the kernel
	# refuses in this mode: the verifier's own words.
	for ev in ProcessCreate ProcessTerminate NetworkConnect; do
		[ "$(jq -r ".events.$ev.state" <<<"$j")" = unavailable ]
		[[ "$(jq -r ".events.$ev.why" <<<"$j")" == *"cannot use helper bpf_probe_read"* ]]
	done
	# Syscall tracepoints cannot even be looked up.
	for ev in FileCreate FileDelete DnsQuery FileModify; do
		[ "$(jq -r ".events.$ev.state" <<<"$j")" = unavailable ]
		[[ "$(jq -r ".events.$ev.why" <<<"$j")" == *"tracefs is empty, tracing disabled (lockdown confidentiality)"* ]]
	done
	run "$VIGIL" run --output "jsonl:$WORK/ev.jsonl" --state-dir "$WORK/state"
	[ "$status" -eq 69 ]
	[[ "$output" == *"this kernel cannot deliver ProcessCreate"* ]]
}
