#!/usr/bin/env bash
# kernels_bench.sh — the per-hook cost (bench/hook_cost.sh, bpf_stats) on
# Debian's 5.10, 6.1 and 6.12 kernels side by side, with the same workload,
# plus this host's own kernel.
#
# Method: each Debian kernel boots under QEMU (tests/kernels/run-guest:
# TCG, 2 vCPUs, the host's root over 9p) and runs bench/hook_cost.sh with a
# smaller workload (N files, EXECS execs, CONNS connections, from the env).
# The host's kernel runs the same script natively. Under TCG every
# instruction is emulated, so a guest's ns/run is tens of times the native
# figure: compare the guests with each other (same emulator, same
# workload), and the host with itself. Prints a Markdown section.
#
# usage: bench/kernels_bench.sh    (KERNELS="5.10 6.1 6.12" N=2000 EXECS=200
#                                   CONNS=200 HOST=1, from the env; HOST=0
#                                   leaves the host's column out; needs root)
set -euo pipefail
cd "$(dirname "$0")/.."
KERNELS=${KERNELS:-5.10 6.1 6.12}
N=${N:-2000}
EXECS=${EXECS:-200}
CONNS=${CONNS:-200}
TMP=$(mktemp -d /tmp/vigil-kbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# KEEP=DIR keeps each kernel's full hook_cost.sh report there.

[ "$(id -u)" = 0 ] || { echo "kernels_bench.sh: needs root" >&2; exit 77; }
make --no-print-directory build/vigil build/bench/filestorm build/bench/execstorm >&2

cols=()
for k in $KERNELS; do
	tests/kernels/run-guest "$k" --timeout 1800 --env "N=$N" --env "EXECS=$EXECS" \
		--env "CONNS=$CONNS" --env TOP=200 -- bench/hook_cost.sh >"$TMP/$k.md"
	cols+=("$k")
done
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$TMP"/*.md "$KEEP"/; fi
if [ "${HOST:-1}" = 1 ]; then
	N=$N EXECS=$EXECS CONNS=$CONNS TOP=200 bench/hook_cost.sh >"$TMP/host.md"
	cols+=(host)
fi

# program → ns/run, per kernel; then one table, programs in the first
# kernel's order (busiest first).
for c in "${cols[@]}"; do
	awk -F'|' '/^\| vg_/ { gsub(/ /, "", $2); gsub(/ /, "", $5); print $2, $5 }' \
		"$TMP/$c.md" >"$TMP/$c.rows"
done
rel() { sed -n 's/.*Host: [0-9]* cores*, \(.*\)\.$/\1/p' "$TMP/$1.md" | head -n 1; }

echo "## Per-hook cost across kernels"
echo
echo "Method: bench/hook_cost.sh (bpf_stats, etc/vigil.xml, $N files, $EXECS execs,"
echo "$CONNS loopback connections) in a QEMU/TCG guest per Debian kernel, and natively"
echo "on the host. Guest figures are emulated (tens of times native): compare guests"
echo "with each other. ns per run of each program; '-' where it did not run."
echo
hdr="| program |" sep="|---|"
for c in "${cols[@]}"; do
	hdr="$hdr $c ($(rel "$c")) |"
	sep="$sep---|"
done
echo "$hdr"
echo "$sep"
while read -r prog _; do
	line="| $prog |"
	for c in "${cols[@]}"; do
		v=$(awk -v p="$prog" '$1 == p { print $2 }' "$TMP/$c.rows")
		line="$line ${v:--} |"
	done
	echo "$line"
done <"$TMP/${cols[0]}.rows"
echo
for c in "${cols[@]}"; do
	m=$(grep -m1 'median ns/run' "$TMP/$c.md" | sed 's/^- //; s/; target.*//')
	echo "- $c: $m"
done
