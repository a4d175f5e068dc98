#!/usr/bin/env bash
# sens_gate_cost.sh — what SensitiveFileRead's kernel gate costs an open of
# a file nobody asked about.
#
# Method: bench/hook_cost.sh runs R times with etc/vigil.xml (the gate
# loaded from its SensitiveFileRead includes) and R times with the same
# config minus SensitiveFileRead (the gate's program path not taken),
# interleaved. The workload is the file storm only (N files in a temp dir
# under /tmp: none is a sensitive path, so each open costs the gate its
# one sens_dirs lookup and nothing more). Reported: the ns/run of
# vg_openat_x, where the gate runs, per round and as medians, and the
# difference of the medians: the gate's cost per open.
# Needs root. Prints a Markdown section.
#
# usage: bench/sens_gate_cost.sh   (N=20000 R=5, from the env)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-20000}
R=${R:-5}
TMP=$(mktemp -d /tmp/vigil-sensgate.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
[ "$(id -u)" = 0 ] || { echo "sens_gate_cost.sh: needs root" >&2; exit 77; }

# etc/vigil.xml without its SensitiveFileRead blocks.
awk '
	/<SensitiveFileRead[ >]/ && !/\/>/ { skip = 1 }
	/<SensitiveFileRead[ >].*\/>/ { next }
	skip { if (/<\/SensitiveFileRead>/) skip = 0; next }
	{ print }
' etc/vigil.xml >"$TMP/no-sens.xml"
if grep -q '<SensitiveFileRead[ >/]' "$TMP/no-sens.xml"; then
	echo "sens_gate_cost.sh: could not strip SensitiveFileRead from etc/vigil.xml" >&2
	exit 70
fi
build/vigil validate "$TMP/no-sens.xml" >/dev/null

# One hook_cost run; prints vg_openat_x's "runs ns/run".
openat() {
	CFG=$1 N=$N EXECS=1 CONNS=1 GAPS=0 TOP=200 ./bench/hook_cost.sh |
		awk -F' *\\| *' '$2 == "vg_openat_x" { print $3, $5 }'
}
on=() off=()
for r in $(seq 1 "$R"); do
	a=$(openat etc/vigil.xml)
	b=$(openat "$TMP/no-sens.xml")
	[ -n "$a" ] && [ -n "$b" ] || { echo "sens_gate_cost.sh: no vg_openat_x row" >&2; exit 70; }
	on+=("${a#* }") off+=("${b#* }")
	echo "round $r: with the gate ${a#* } ns/run (${a% *} runs), without ${b#* } ns/run (${b% *} runs)" >&2
done
mon=$(printf '%s\n' "${on[@]}" | median) moff=$(printf '%s\n' "${off[@]}" | median)
echo "Method: bench/hook_cost.sh with only the file storm ($N files under /tmp, none of them a"
echo "sensitive path), $R interleaved rounds per config; vg_openat_x's ns/run from bpf_stats."
echo "Host: $(nproc) cores, $(uname -r)."
echo
echo "| config | vg_openat_x ns/run, median of $R | rounds |"
echo "|---|---|---|"
echo "| etc/vigil.xml (SensitiveFileRead gate loaded) | $mon | ${on[*]} |"
echo "| etc/vigil.xml minus SensitiveFileRead | $moff | ${off[*]} |"
echo
awk -v a="$mon" -v b="$moff" 'BEGIN { printf "- the gate on an open of another file: **%+.0f ns** (difference of the medians)\n", a - b }'
