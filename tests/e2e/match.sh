#!/bin/bash
# Payload rules match across segment boundaries (captures from match.py):
# an HTTP POST with three valid citizen-ID numbers, its segments in
# order (or one hole that fills), cut inside the numbers so that no piece
# holds min_count (3) of them whole:
#  1. one number cut across two segments, three segments with a number
#     cut in each, one byte a segment, and the middle segment held and
#     handed on later: the data-leak alert exactly once each, the numbers
#     masked in every output (the alert's excerpt starts at the carried
#     part of a cut number, so the number shows whole, and masked);
#  2. the same cuts of 12-digit numbers that are not citizen IDs, and of
#     13-digit runs cut 12|1 or 1|12 (never exactly 12 digits): nothing;
#  3. the body ending with the last number, cut: one alert when the
#     client's FIN ends the direction, and when the flow just ends (with
#     the capture), since no byte after it can make it longer;
#  4. --stats counts matches across pieces (stream.match_across); live,
#     in a network namespace of its own, so do `canhgacctl stats` and its
#     Prometheus text (match_states a gauge).
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup match

sed -e "s|\.\./\.\./|$top_srcdir/|g" \
    "$top_srcdir/tests/rules/canhgac-test.yaml" >"$tmp/on.yaml"
leak=1000802
ids="001090012345|079195012346|048201012347"
# The six random digits of each number: shown by no masked form.
tails="012345|012346|012347"

for c in split2 three onebyte held; do
	run $c "$tmp/on.yaml"
	check "$c: one data-leak alert" [ "$(count $c $leak)" = 1 ]
	check "$c: no citizen-ID number, nor its last six digits, in clear" \
		eval '! grep -qE "$ids|$tails" "$tmp"/$c.alerts "$tmp"/$c.stats'
	check "$c: the excerpt shows a masked number" \
		grep -qE '0[0-9]{2}\*{7}[0-9]{2}' "$tmp/$c.alerts"
	run benign-$c "$tmp/on.yaml"
	check "benign $c: no data-leak alert" [ "$(count benign-$c $leak)" = 0 ]
done
check "split2: a match across pieces counted" \
	[ "$(stat split2 stream.match_across)" -ge 1 ]
check "onebyte: partial matches carried over" \
	[ "$(stat onebyte stream.match_carried)" -ge 12 ]
check "held: data was held and handed on" \
	[ "$(stat held stream.segments_held)" -ge 1 ]
for c in long-after long-before; do
	run $c "$tmp/on.yaml"
	check "$c: 13-digit runs cut at a boundary are no numbers" \
		[ "$(count $c $leak)" = 0 ]
done
for c in end-fin end-open; do
	run $c "$tmp/on.yaml"
	check "$c: a number at the stream's end counts: one data-leak alert" \
		[ "$(count $c $leak)" = 1 ]
	check "$c: no citizen-ID number, nor its last six digits, in clear" \
		eval '! grep -qE "$ids|$tails" "$tmp"/$c.alerts'
done
check "match state released: none held at the end" \
	[ "$(stat onebyte stream.match_states)" = 0 ]

if live_start live "$tmp/on.yaml" "$tmp/split2.pcap"; then
	got=$(live_stat stream.match_across 1)
	check "live: canhgacctl stats shows a match across pieces (got $got)" \
		eval '[ "$got" != none ] && [ "$got" -ge 1 ]'
	"$CANHGACCTL" -s "$tmp/ctl.sock" stats --prometheus >"$tmp/prom" 2>&1
	check "live: Prometheus text: match_across a counter, match_states a gauge" \
		eval 'grep -q "^canhgac_stream_match_across_total [1-9]" "$tmp/prom" &&
		    grep -q "^# TYPE canhgac_stream_match_states gauge" "$tmp/prom"'
	live_stop live
	check "live: one data-leak alert" [ "$(count live $leak)" = 1 ]
fi
exit $fails
