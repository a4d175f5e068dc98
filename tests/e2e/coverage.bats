#!/usr/bin/env bats
# End-to-end tests of `vigil coverage` and `vigil simulate`: golden outputs
# over MSTIC's Sysmon configs, the Navigator layer's shape, exit codes, the
# HTML page rendered in headless Chromium (no console errors, technique cells
# present, details on selection, a screenshot in build/artifacts/), and the
# simulation suite verified against the live sensor.
#
# Regenerate the golden files after an intended change with
#   UPDATE_GOLDEN=1 bats tests/e2e/coverage.bats

load lib

ROOT="$BATS_TEST_DIRNAME/../.."
FIX=tests/fixtures/coverage
CFG=$FIX/configs
GOLD=$FIX/golden

setup() {
	cd "$ROOT"
}

teardown() {
	teardown_sensor
}

# golden NAME ARGS...: vigil coverage ARGS must print exactly $GOLD/NAME.
golden() {
	local name="$1"
	shift
	run "$VIGIL" coverage "$@"
	[ "$status" -eq 0 ]
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$output" >"$GOLD/$name"
	fi
	diff -u "$GOLD/$name" <(printf '%s\n' "$output")
}

@test "coverage: golden tables for builtin, main.xml (v18, v17, union), collect-all.xml" {
	golden builtin.table.txt
	golden main.table.txt --config $CFG/main.xml
	golden main.v17.table.txt --config $CFG/main.xml --attack v17
	golden main.union.table.txt --config $CFG/main.xml --attack union
	golden collect-all.table.txt --config $CFG/collect-all.xml
}

@test "coverage: golden comparisons (collect-all vs main, NetworkConnect off)" {
	golden compare-collect-all-main.txt --compare $CFG/collect-all.xml $CFG/main.xml
	golden compare-network-off.txt --compare $CFG/collect-all.xml $CFG/collect-all-no-network.xml
	# NetworkConnect off: every C2 technique that needs Network Connection
	# Creation loses it, and nothing else changes.
	run "$VIGIL" coverage --compare $CFG/collect-all.xml $CFG/collect-all-no-network.xml --format json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.b_better == 0 and .a_better == .differ'
	echo "$output" | jq -e '[.techniques[].a_only[].id] | unique == ["DC0078","DC0082"]'
	lost=$(echo "$output" | jq '[.techniques[] | select(.a_only | any(.id=="DC0082"))] | length')
	c2=$("$VIGIL" coverage --config $CFG/collect-all.xml --format json |
		jq '[.techniques[] | select((.tactics|index("command-and-control")) and (.components|any(.id=="DC0082")))] | length')
	[ "$c2" -ge 10 ]
	c2lost=$(echo "$output" | jq --argjson ids "$("$VIGIL" coverage --config $CFG/collect-all.xml --format json |
		jq '[.techniques[] | select((.tactics|index("command-and-control")) and (.components|any(.id=="DC0082"))) | .id]')" \
		'[.techniques[] | select(.id as $i | $ids | index($i)) | select(.a_only|any(.id=="DC0082"))] | length')
	[ "$c2lost" -eq "$c2" ]
	[ "$lost" -ge "$c2" ]
}

@test "coverage: navigator layer 4.5 has the required fields and per-technique comments" {
	run "$VIGIL" coverage --config $CFG/main.xml --format navigator -o "$BATS_TEST_TMPDIR/layer.json"
	[ "$status" -eq 0 ]
	L="$BATS_TEST_TMPDIR/layer.json"
	jq -e '.versions.layer == "4.5" and .versions.attack == "18" and .domain == "enterprise-attack"' "$L"
	jq -e '(.name|type) == "string" and (.gradient.colors|length) >= 2 and .gradient.minValue == 0 and .gradient.maxValue == 100' "$L"
	jq -e '(.legendItems|length) == 5 and (.techniques|length) == 354' "$L"
	jq -e 'all(.techniques[]; (.techniqueID|test("^T[0-9]{4}(\\.[0-9]{3})?$")) and (.score|type)=="number" and (.comment|type)=="string")' "$L"
	jq -e '.techniques[] | select(.techniqueID=="T1053.003") | .score == 25 and (.comment|contains("Missing: DC0061 File Modification"))' "$L"
	jq -e '.techniques[] | select(.techniqueID=="T1053.003") | .comment | contains("naming T1053.003")' "$L"
}

@test "coverage: exit codes for bad usage, bad config and missing data" {
	run "$VIGIL" coverage --attack v99
	[ "$status" -eq 64 ]
	run "$VIGIL" coverage --format pdf
	[ "$status" -eq 64 ]
	run "$VIGIL" coverage --compare $CFG/main.xml
	[ "$status" -eq 64 ]
	printf '<Sysmon schemaversion="4.81">\n<EventFiltering>\n<Bogus/>\n' >"$BATS_TEST_TMPDIR/bad.xml"
	run "$VIGIL" coverage --config "$BATS_TEST_TMPDIR/bad.xml"
	[ "$status" -eq 78 ]
	[[ "$output" == *"bad.xml"* ]]
	run "$VIGIL" coverage --data "$BATS_TEST_TMPDIR/nowhere"
	[ "$status" -eq 66 ]
	[[ "$output" == *"nowhere/attack/"* ]]
	run "$VIGIL" coverage --data $FIX/bad_map
	[ "$status" -eq 65 ]
	[[ "$output" == *"event_dc_map.tsv:3:"* ]]
	run "$VIGIL" coverage --verified "$CFG/main.xml"
	[ "$status" -eq 65 ]
}

@test "coverage: HTML renders in headless Chromium without console errors" {
	command -v chromium >/dev/null || {
		[ "${CI:-}" != true ] || { echo "chromium missing (scripts/install-deps)" >&2; return 1; }
		skip "chromium not installed (scripts/install-deps)"
	}
	mkdir -p build/artifacts
	H="$PWD/build/artifacts/coverage.html"
	"$VIGIL" coverage --config $CFG/main.xml --verified $FIX/results.json \
		--verified tests/fixtures/atomics-results/results.json --format html -o "$H"
	[ "$(grep -c 'https\?://' "$H")" -eq 0 ]
	cells_expected=$("$VIGIL" coverage --config $CFG/main.xml --format json | jq '[.techniques[].tactics | length] | add')
	flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
		--disable-background-networking --disable-component-update --disable-sync
		--enable-logging=stderr --v=0)
	U=$(mktemp -d)
	timeout 120 chromium "${flags[@]}" --user-data-dir="$U" --dump-dom "file://$H#T1053.003" \
		>"$BATS_TEST_TMPDIR/dom.html" 2>"$BATS_TEST_TMPDIR/chromium.log"
	rm -rf "$U"
	if grep ':CONSOLE' "$BATS_TEST_TMPDIR/chromium.log"; then
		echo "console messages above" >&2
		return 1
	fi
	# the script ran to its end
	grep -q 'data-ready="1"' "$BATS_TEST_TMPDIR/dom.html"
	cells=$(grep -o 'class="cell L[0-4]' "$BATS_TEST_TMPDIR/dom.html" | wc -l)
	[ "$cells" -eq "$cells_expected" ]
	[ "$(grep -o 'class="tactic"' "$BATS_TEST_TMPDIR/dom.html" | wc -l)" -ge 12 ]
	# selecting a technique (#T1053.003) shows its components in the panel
	grep -q '<div id="panel" style="display: block;"><h3>T1053.003 Cron</h3>' "$BATS_TEST_TMPDIR/dom.html"
	# --verified marks: T1033 verified in the fixture results
	grep -q 'class="cell L[0-4] v-verified" tabindex="0" data-t="T1033"' "$BATS_TEST_TMPDIR/dom.html"
	# and the atomics RESULTS: verdicts on the cells, the tests in the table
	grep -q 'class="cell L[0-4] sub v-partial" tabindex="0" data-t="T1070.004"' "$BATS_TEST_TMPDIR/dom.html"
	grep -q '<tr class="v-failed" data-t="T1053.003"><td>T1053.003</td><td>Cron</td><td>[0-9]*%</td><td>failed</td><td>cron-file failed, T1053.003-1 not_seen, T1053.003-2 command_failed</td></tr>' "$BATS_TEST_TMPDIR/dom.html"
	U=$(mktemp -d)
	rm -f build/artifacts/coverage.png
	timeout 120 chromium "${flags[@]}" --user-data-dir="$U" --window-size=1600,1000 \
		--screenshot="$PWD/build/artifacts/coverage.png" "file://$H" 2>/dev/null
	rm -rf "$U"
	[ -s build/artifacts/coverage.png ]
	[ "$(head -c 8 build/artifacts/coverage.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

@test "simulate: the suite lists at least 40 simulations" {
	run "$VIGIL" simulate --list
	[ "$status" -eq 0 ]
	n=$(echo "$output" | tail -n 1 | awk '{print $1}')
	[ "$n" -ge 40 ]
	run "$VIGIL" simulate --only T9999.999
	[ "$status" -eq 64 ]
}

@test "simulate: against the live sensor, every simulation of the suite produces its expected events" {
	[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; return 1; }
	start_sensor --config "$BATS_TEST_DIRNAME/../fixtures/configs/all-events.xml"
	R="$BATS_TEST_TMPDIR/results.json"
	run "$VIGIL" simulate --sensor-output "$OUT" -o "$R" --wait 10
	echo "$output"
	[ "$status" -eq 0 ]
	stop_sensor
	jq -e '[.results[] | .status] | all(. == "passed")' "$R"
	jq -e '(.results | length) >= 40' "$R"
	# each simulation's temporary directory is gone
	for t in $(jq -r '.results[].tmp' "$R"); do
		[[ "$t" == /tmp/vigil-sim-* ]]
		[ ! -e "$t" ]
	done
	run "$VIGIL" coverage --config $CFG/collect-all.xml --verified "$R" --format json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.techniques[] | select(.id=="T1033") | .verified == "verified"'
	# A technique the suite has no simulation for stays theoretical.
	echo "$output" | jq -e '[.techniques[] | select(.verified == "theoretical")] | length > 0'
}
