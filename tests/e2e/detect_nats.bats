#!/usr/bin/env bats
# End-to-end tests of `vigil detect` (issue 17 item 6): a JetStream
# nats-server on a loopback port of its own; the repo's recorded Sigma
# fixture session (tests/fixtures/sigma/events.jsonl) replayed as three
# hosts h1, h2, h3 into the stream VIGIL through the real NATS output
# (tests/sinks/sinkfeed -j), interleaved by time; `vigil detect` over it with
# 1 and with 3 workers. Checked: the same alert set (AlertId, rule, host)
# either way, nothing duplicated or lost, plain rules, a per-host correlation
# (tests/fixtures/detect/host_burst.yml) and a fleet-wide one
# (fleet_spread.yml, --fleet-sigma) all there; every message acked (the
# consumer's num_ack_pending 0, delivered = ack floor = stream messages);
# alerts on the alerts subject; a crash between writing alerts and acking
# them, and a kill -9 between two halves of the stream, lose nothing, and
# what is written twice carries the same AlertId. Does not start the sensor.

load lib
bats_require_minimum_version 1.5.0

ROOT="$BATS_TEST_DIRNAME/../.."
FEED="$ROOT/build/sinks/sinkfeed"
CHECK="$ROOT/build/sinks/natscheck"
RULES=(--sigma "$ROOT/tests/fixtures/sigma/rules" --sigma "$ROOT/rules/sigma"
	--sigma "$ROOT/tests/fixtures/detect/host_burst.yml"
	--fleet-sigma "$ROOT/tests/fixtures/detect/fleet_spread.yml")

setup_file() {
	if [ ! -x "$FEED" ] || [ ! -x "$CHECK" ]; then
		make -s -C "$ROOT" sinks-tools >&2
	fi
}

setup() {
	command -v nats-server >/dev/null || { echo "nats-server missing (scripts/install-deps)" >&2; return 1; }
	command -v jq >/dev/null || { echo "jq missing (scripts/install-deps)" >&2; return 1; }
	T=$BATS_TEST_TMPDIR
	PORT=$((20000 + (RANDOM % 400) * 100 + 23))
	MON=$((PORT + 1))
	U=nats://127.0.0.1:$PORT
	PIDS=()
	nats-server -js -sd "$T/js" -a 127.0.0.1 -p "$PORT" -m "$MON" >"$T/nats.log" 2>&1 &
	PIDS+=($!)
	retry 50 0.1 port_open "$PORT"
	# The recorded session as three hosts, SequenceNumbers kept apart,
	# interleaved by time as a fleet's stream would be.
	local n=0 h
	for h in h1 h2 h3; do
		grep '^{"EventID"' "$FIXTURES/sigma/events.jsonl" |
			jq -c --arg h "$h" --argjson o "$n" '.Computer=$h | .SequenceNumber+=$o'
		n=$((n + 1000))
	done | jq -s -c 'sort_by(.UtcTime)[]' >"$T/events.jsonl"
	NEV=$(wc -l <"$T/events.jsonl")
	# The alerts subject lands in a stream of its own, whose duplicate
	# window drops an alert published twice (Nats-Msg-Id = AlertId).
	"$FEED" -n 0 -d "$T/feed-alerts" "$U?stream=ALERTS&subject=vigil.alerts" >/dev/null
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
}

# publish FILE: every line of FILE into the stream VIGIL by the NATS output.
publish() {
	"$FEED" -d "$T/feed" -a 10 -j "$1" "$U" >>"$T/feed.log"
}

# consumer DURABLE: "num_ack_pending delivered ack_floor stream_messages".
consumer() {
	curl -s "http://127.0.0.1:$MON/jsz?accounts=true&streams=true&consumers=true" |
		jq -r --arg d "$1" '.account_details[].stream_detail[] | select(.name=="VIGIL") |
			.state.messages as $m | .consumer_detail[] | select(.name==$d) |
			"\(.num_ack_pending) \(.delivered.stream_seq) \(.ack_floor.stream_seq) \($m)"'
}

# alerts FILE: the sorted "AlertId rule host stage" lines of a jsonl output.
alerts() {
	jq -r '[.AlertId, .RuleTitle, .Computer, .AlertStage] | @tsv' "$1" | sort
}

detect() {
	"$VIGIL" detect --from "$U?stream=VIGIL&durable=$1&ack_wait=2s${BATCH:+&batch=$BATCH}" \
		"${RULES[@]}" --idle-exit 3s --output "jsonl:$T/$1.jsonl" "${@:2}"
}

@test "1 and 3 workers: the same alerts, correlations included, nothing duplicated, everything acked" {
	publish "$T/events.jsonl"
	# The NATS output works as an alert output too (its own stream).
	run -0 detect w1 --workers 1 --state-dir "$T/state" --output "$U?stream=ALERTOUT&subject=vigil.alertout"
	echo "$output"
	[[ "$output" == *"$NEV messages, $NEV events, 0 bad"* ]]
	BATCH=4 run -0 detect w3 --workers 3
	echo "$output"
	[[ "$output" == *"$NEV messages, $NEV events, 0 bad"* ]]
	alerts "$T/w1.jsonl" >"$T/a1"
	alerts "$T/w3.jsonl" >"$T/a3"
	diff "$T/a1" "$T/a3"
	# nothing duplicated
	[ "$(cut -f1 "$T/a1" | sort -u | wc -l)" -eq "$(wc -l <"$T/a1")" ]
	# plain rules on every host, the per-host correlation on every host
	# (each host starts 9 processes: >= 3 within 10 min, twice over), and the
	# fleet-wide one once, on the third host to run curl | sh
	for h in h1 h2 h3; do
		[ "$(grep -c $'\tDownload Piped To A Shell\t'"$h"$'\thost' "$T/a1")" -eq 1 ]
		[ "$(grep -c $'\tConnection To Port 4444\t'"$h"$'\thost' "$T/a1")" -eq 1 ]
		[ "$(grep -c $'\tBurst Of Discovery Commands From One Parent\t'"$h"$'\thost' "$T/a1")" -eq 1 ]
		[ "$(grep -c $'\tProcess Burst On One Host\t'"$h"$'\thost' "$T/a1")" -eq 2 ]
	done
	[ "$(grep -c $'\tSame Download-And-Run On Three Hosts\th3\tfleet' "$T/a1")" -eq 1 ]
	[ "$(wc -l <"$T/a1")" -eq 40 ]
	# the alerts are DetectionAlert records
	[ "$(jq -r '.EventID' "$T/w1.jsonl" | sort -u)" = 242 ]
	# every message delivered and acked, for both consumers
	[ "$(consumer w1)" = "0 $NEV $NEV $NEV" ]
	[ "$(consumer w3)" = "0 $NEV $NEV $NEV" ]
	# the alerts subject got each alert once (the second run's are
	# duplicates by Nats-Msg-Id, dropped by the ALERTS stream's window)
	"$CHECK" --dump "$U" ALERTS | jq -r '.AlertId' | sort >"$T/subj"
	[ "$(wc -l <"$T/subj")" -eq 40 ]
	diff <(cut -f1 "$T/a1" | sort) "$T/subj"
	"$CHECK" --dump "$U" ALERTOUT | jq -r '.AlertId' | sort >"$T/out"
	diff <(cut -f1 "$T/a1" | sort) "$T/out"
}

@test "a crash after writing alerts and before acking them, then kill -9: nothing lost, correlations across the restart, duplicates share an AlertId" {
	publish "$T/events.jsonl"
	run -0 detect ref --workers 1
	alerts "$T/ref.jsonl" >"$T/ref"
	# The first two messages (h1's and h2's curl | sh) on a stream of
	# their own, so that the rest can be published after a kill -9. The
	# split sits inside both correlations' windows: the per-host burst
	# (3 process starts) of h1 and h2 and the fleet-wide one (the third
	# host's curl | sh) complete only after the restart, so they need the
	# state from before it (warm-up).
	head -n 2 "$T/events.jsonl" >"$T/first"
	tail -n +3 "$T/events.jsonl" >"$T/second"
	local H="$U?stream=HALF&subject=half.events" D pid n
	D=(--from "$U?stream=HALF&durable=c&ack_wait=2s&batch=1" "${RULES[@]}" --workers 3)
	"$FEED" -d "$T/feed-h" -a 10 -j "$T/first" "$H" >/dev/null
	# Dies (SIGKILL) right after batch 2's alerts are flushed, before its ack.
	run -137 env VIGIL_DETECT_CRASH_BEFORE_ACK=2 "$VIGIL" detect "${D[@]}" --idle-exit 3s \
		--output "jsonl:$T/c1.jsonl"
	[ "$(jq -r .Computer "$T/c1.jsonl" | sort -u | tr '\n' ' ')" = "h1 h2 " ]
	# Restart: message 2 comes again after ack_wait; then killed -9 while
	# it waits for more.
	"$VIGIL" detect "${D[@]}" --output "jsonl:$T/c2.jsonl" 2>"$T/c2.log" &
	pid=$!
	for _ in $(seq 100); do
		n=$(curl -s "http://127.0.0.1:$MON/jsz?accounts=true&streams=true&consumers=true" |
			jq -r '.account_details[].stream_detail[] | select(.name=="HALF") | .consumer_detail[0].ack_floor.stream_seq')
		[ "$n" = 2 ] && break
		sleep 0.1
	done
	[ "$n" = 2 ]
	kill -9 "$pid"
	wait "$pid" || true
	grep -q "warm-up: 1 acked message" "$T/c2.log"
	# The rest arrives while no worker runs; a restarted one rebuilds its
	# correlations from the acked history and finishes the stream.
	"$FEED" -d "$T/feed-h" -a 10 -j "$T/second" "$H" >/dev/null
	run -0 "$VIGIL" detect "${D[@]}" --idle-exit 3s --output "jsonl:$T/c3.jsonl"
	echo "$output"
	[[ "$output" == *"warm-up: 2 acked message(s)"* ]]
	cat "$T/c1.jsonl" "$T/c2.jsonl" "$T/c3.jsonl" >"$T/all.jsonl"
	# Message ids differ between the streams, so compare by rule, host and
	# the matched record: the same alerts as the uninterrupted run.
	jq -r '[.RuleTitle, .Computer, .MatchedSequenceNumber] | @tsv' "$T/ref.jsonl" | sort >"$T/want"
	jq -r '[.RuleTitle, .Computer, .MatchedSequenceNumber] | @tsv' "$T/all.jsonl" | sort -u >"$T/got"
	diff "$T/want" "$T/got"
	# Message 2's alert was written twice: the same AlertId, same content.
	[ "$(jq -r .AlertId "$T/all.jsonl" | sort | uniq -d | wc -l)" -ge 1 ]
	[ "$(jq -r .AlertId "$T/all.jsonl" | sort -u | wc -l)" -eq "$(wc -l <"$T/want")" ]
	[ "$(jq -c 'del(.SequenceNumber)' "$T/all.jsonl" | sort -u | wc -l)" -eq "$(wc -l <"$T/want")" ]
}

@test "errors: bad URL 64, bad rule 65 with FILE:LINE, unreachable server and missing stream 69" {
	run -64 "$VIGIL" detect --from "http://x" "${RULES[@]}"
	[[ "$output" == *"expected nats://"* ]]
	run -64 "$VIGIL" detect --from "$U?stream=VIGIL" "${RULES[@]}"
	[[ "$output" == *"needs stream= and durable="* ]]
	run -64 "$VIGIL" detect --from "$U?stream=VIGIL&durable=d&bogus=1" "${RULES[@]}"
	[[ "$output" == *"bad option 'bogus=1'"* ]]
	printf 'title: Broken\nlogsource:\n  product: linux\n  category: process_creation\ndetection:\n  sel:\n    Image|nosuchmod: x\n  condition: sel\n' >"$T/bad.yml"
	run -65 "$VIGIL" detect --from "$U?stream=VIGIL&durable=d" --sigma "$T/bad.yml"
	[[ "$output" == *"$T/bad.yml:"[0-9]*": "* ]]
	run -69 "$VIGIL" detect --from "nats://127.0.0.1:1?stream=VIGIL&durable=d" "${RULES[@]}"
	[[ "$output" == *"try 5 of 5"* ]]
	run -69 "$VIGIL" detect --from "$U?stream=NOPE&durable=d" "${RULES[@]}"
	[[ "$output" == *"stream NOPE"* ]]
}

@test "user:password in the URL: detects, hides the password; a wrong one is 69" {
	local AP=$((PORT + 2)) AU
	nats-server -js -sd "$T/js-auth" -a 127.0.0.1 -p "$AP" --user det --pass s3cret-pw \
		>"$T/nats-auth.log" 2>&1 &
	PIDS+=($!)
	retry 50 0.1 port_open "$AP"
	AU="nats://det:s3cret-pw@127.0.0.1:$AP"
	"$FEED" -d "$T/feed-auth" -a 10 -j "$T/events.jsonl" "$AU" >/dev/null
	run -0 "$VIGIL" detect --from "$AU?stream=VIGIL&durable=a" "${RULES[@]}" --workers 2 \
		--idle-exit 2s --output "jsonl:$T/auth.jsonl"
	[[ "$output" == *"$NEV messages, $NEV events, 0 bad, 40 alerts"* ]]
	[ "$(wc -l <"$T/auth.jsonl")" -eq 40 ]
	run -69 "$VIGIL" detect --from "nats://det:wrong@127.0.0.1:$AP?stream=VIGIL&durable=a" \
		"${RULES[@]}"
	[[ "$output" == *"nats://det:***@127.0.0.1:$AP"* ]]
	[[ "$output" != *wrong* ]]
}
