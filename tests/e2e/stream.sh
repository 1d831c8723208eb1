#!/bin/bash
# TCP reassembly through the whole pipeline (captures from stream.py):
#  1. an HTTP POST with three valid citizen-ID numbers raises the
#     data-leak alert exactly once when its segments come in order,
#     reversed (40-byte segments), or one byte a segment with the first
#     byte last; the numbers masked in every output; the same reversed
#     with numbers that are not citizen IDs raises nothing;
#  2. the body's segment twice with other bytes (garbage first then
#     data, and the reverse): one anomaly alert (tcp_overlap, rule
#     1001021) naming the flow, and the data-leak alert once either way;
#  3. the numbers after 20 KB of other body, in order: one alert at the
#     default stream.depth (1MB), none with `depth: 16KB`, one again from
#     the population database gateway with `gateway_depth: 1MB`;
#  4. live, in a network namespace of its own: `canhgacctl stats` and its
#     Prometheus text show the stream counters;
#  5. a flood of 6,000 connections each holding 2 KB ahead of a hole that
#     never fills, with `stream.memcap: 4MB`: evictions counted, one
#     sensor alert (stream_memcap, rule 1001121), peak RSS within the
#     memcaps plus 32 MiB (not under AddressSanitizer);
#  6. 4,000 answered connections each sending 8 KB their peer never
#     acknowledges (32 MB of bytes to keep against `stream.memcap: 4MB`),
#     every 50th with a hole that fills: kept bytes let go or not kept,
#     every hole still held and filled, nothing evicted, no sensor alert,
#     RSS within the memcaps plus 32 MiB.
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup stream

# The rule tests' configuration (level 5, the shipped rules), paths made
# absolute, its stream line replaced by the lines given.
conf() {
	sed -e "s|\.\./\.\./|$top_srcdir/|g" -e '/^stream:/d' \
	    "$top_srcdir/tests/rules/canhgac-test.yaml"
	printf '%s\n' "$@"
}
conf >"$tmp/on.yaml"
conf 'stream: {depth: 16KB, gateway_depth: 1MB}' >"$tmp/shallow.yaml"
conf 'stream: {memcap: 4MB}' |
	sed 's/flow_memcap: .*/flow_memcap: 8MB/; s/threshold_memcap: .*/threshold_memcap: 4MB/; s/^  memcap: 16MB/  memcap: 1MB/' \
	>"$tmp/flood.yaml"

named() {	# NAME SID: alerts of that rule on the POST's flow, tcp_overlap
	$PY - "$tmp/$1.alerts" "$2" <<'PYEOF'
import json, sys
print(sum(1 for a in map(json.loads, open(sys.argv[1]))
          if a["alert"]["signature_id"] == int(sys.argv[2])
          and a["alert"].get("decode_error") == "tcp_overlap"
          and a.get("flow_id") and a["src_port"] == 43210
          and a["dest_ip"] == "203.0.113.9" and a["dest_port"] == 80))
PYEOF
}
leak=1000802 evasion=1001021 memcap_rule=1001121
ids="001090012345|079195012346|048201012347"

for c in inorder reversed onebyte; do
	run $c "$tmp/on.yaml"
	check "$c: one data-leak alert" [ "$(count $c $leak)" = 1 ]
	check "$c: no anomaly alert" [ "$(count $c $evasion)" = 0 ]
	check "$c: no citizen-ID number in clear in any output" \
		eval '! grep -qE "$ids" "$tmp"/$c.alerts "$tmp"/$c.events "$tmp"/$c.stats'
done
check "reversed: segments held ($(stat reversed stream.segments_held))" \
	[ "$(stat reversed stream.segments_held)" -gt 5 ]
check "one byte a segment: the parser saw the request once" \
	[ "$(stat onebyte app.http)" = 1 ]
run benign "$tmp/on.yaml"
check "benign 12-digit numbers, reversed: no data-leak alert" \
	[ "$(count benign $leak)" = 0 ]

for c in overlap-gf overlap-dg; do
	run $c "$tmp/on.yaml"
	check "$c: one data-leak alert" [ "$(count $c $leak)" = 1 ]
	check "$c: one anomaly alert tcp_overlap naming the flow" \
		[ "$(named $c $evasion)" = 1 ]
	check "$c: overlap counted" [ "$(stat $c stream.overlaps_differ)" = 1 ]
done

run deep "$tmp/on.yaml"
check "after 20 KB of body, default depth: one data-leak alert" \
	[ "$(count deep $leak)" = 1 ]
cp "$tmp/deep.pcap" "$tmp/deep16.pcap"
run deep16 "$tmp/shallow.yaml"
check "after 20 KB of body, stream.depth 16KB: none (depth honoured)" \
	[ "$(count deep16 $leak)" = 0 ]
check "depth reached counted" [ "$(stat deep16 stream.depth_reached)" -ge 1 ]
run deep-gw "$tmp/shallow.yaml"
check "the same from the gateway, gateway_depth 1MB: one data-leak alert" \
	[ "$(count deep-gw $leak)" = 1 ]

# Live: the status socket's stats, in a namespace nobody else sends into.
if live_start live "$tmp/on.yaml" "$tmp/reversed.pcap"; then
	got=$(live_stat stream.segments_held 6)
	check "live: canhgacctl stats shows segments held (got $got)" \
		eval '[ "$got" != none ] && [ "$got" -gt 5 ]'
	check "live: the Prometheus text has the stream counters" \
		eval '"$CANHGACCTL" -s "$tmp/ctl.sock" stats --prometheus |
		    grep -q "^canhgac_stream_segments_held_total [1-9]"'
	check "live: the pool's size is a gauge, not a counter" \
		eval '"$CANHGACCTL" -s "$tmp/ctl.sock" stats --prometheus |
		    grep -qx "# TYPE canhgac_stream_blocks_max gauge"'
	live_stop live
	check "live: one data-leak alert" [ "$(count live $leak)" = 1 ]
fi

run flood "$tmp/flood.yaml"
ev=$(stat flood stream.evicted)
check "flood: evictions counted ($ev)" [ "$ev" -gt 1000 ]
check "flood: blocks held within the pool" \
	[ "$(stat flood stream.blocks_used)" -le "$(stat flood stream.blocks_max)" ]
check "flood: one sensor alert stream_memcap" [ "$(count flood $memcap_rule)" = 1 ]
rss_within flood 8 4 1 4	# flow, threshold, defrag, stream memcaps

run flood-kept "$tmp/flood.yaml"
check "unacknowledged flood: bytes let go or not kept ($(stat flood-kept stream.kept_reclaimed) let go, $(stat flood-kept stream.unkept) not kept)" \
	[ "$(( $(stat flood-kept stream.kept_reclaimed) + $(stat flood-kept stream.unkept) ))" -gt 1000 ]
check "unacknowledged flood: every hole filled, no held data lost to kept bytes" \
	eval '[ "$(stat flood-kept stream.segments_held)" = 80 ] &&
	    [ "$(stat flood-kept stream.evicted)" = 0 ] &&
	    [ "$(stat flood-kept stream.gaps)" = 0 ] &&
	    [ "$(stat flood-kept stream.dropped)" = 0 ]'
check "unacknowledged flood: no stream_memcap alert" \
	[ "$(count flood-kept $memcap_rule)" = 0 ]
rss_within flood-kept 8 4 1 4
exit $fails
