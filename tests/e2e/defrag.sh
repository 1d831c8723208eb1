#!/bin/bash
# IP defragmentation through the whole pipeline (captures from defrag.py):
#  1. an HTTP POST with three valid citizen-ID numbers, its data segment
#     cut into IPv4 fragments in a shuffled order, raises the data-leak
#     alert exactly once, the numbers masked; with `defrag.enabled: false`
#     the same capture raises nothing (the hole this closes);
#  2. the same as IPv6 fragments, last first: one alert;
#  3. the same with 12-digit numbers that are not citizen IDs: none;
#  4. a second copy of a fragment with other bytes: the leak alert once
#     (first copy wins) and one anomaly alert (ipv4_frag_overlap);
#  5. tshark, as referee, sees the same HTTP host and URI in the
#     reassembled captures as the sensor's HTTP records;
#  6. live, in a network namespace of its own: the IPv4 and IPv6
#     captures replayed (tcpreplay) on its loopback; `canhgacctl stats`
#     and its Prometheus text show the defrag counters, two alerts; a
#     reload that changes defrag.memcap is refused;
#  7. a flood of 40,000 fragment trains that never complete, with
#     `defrag.memcap: 4MB`: evictions counted, one sensor alert
#     (defrag_memcap), peak RSS within the memcaps plus 32 MiB (not under
#     AddressSanitizer, whose shadow memory defeats the bound).
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup defrag

# The rule tests' configuration (level 5, the shipped rules), paths made
# absolute, with its defrag section (the last) replaced by the one given.
conf() {
	sed -e "s|\.\./\.\./|$top_srcdir/|g" -e '/^defrag:/,$d' \
	    "$top_srcdir/tests/rules/canhgac-test.yaml"
	printf '%s\n' "$@"
}
conf >"$tmp/on.yaml"
conf 'defrag: {enabled: false}' >"$tmp/off.yaml"
conf 'defrag: {memcap: 4MB, timeout: 30s}' |
	sed 's/flow_memcap: .*/flow_memcap: 8MB/; s/threshold_memcap: .*/threshold_memcap: 4MB/' \
	>"$tmp/flood.yaml"

leak=1000802 evasion=1001020 memcap_rule=1001120

run v4 "$tmp/on.yaml"
check "IPv4 fragments out of order: one data-leak alert" [ "$(count v4 $leak)" = 1 ]
check "IPv4: one datagram reassembled" [ "$(stat v4 defrag.reassembled)" = 1 ]
check "IPv4: no anomaly alert" [ "$(count v4 $evasion)" = 0 ]
check "IPv4: no citizen-ID number in clear in any output" \
	eval '! grep -qE "001090012345|079195012346|048201012347" "$tmp"/v4.alerts "$tmp"/v4.events "$tmp"/v4.stats'
run v4.off "$tmp/off.yaml"
check "IPv4 with defrag off: no alert (the hole)" [ "$(count v4.off $leak)" = 0 ]

run v6 "$tmp/on.yaml"
check "IPv6 fragments, last first: one data-leak alert" [ "$(count v6 $leak)" = 1 ]
check "IPv6: one datagram reassembled" [ "$(stat v6 defrag.reassembled)" = 1 ]

run v4-benign "$tmp/on.yaml"
check "benign 12-digit numbers: no data-leak alert" [ "$(count v4-benign $leak)" = 0 ]

run overlap "$tmp/on.yaml"
check "overlap, other bytes: one data-leak alert (first copy wins)" \
	[ "$(count overlap $leak)" = 1 ]
check "overlap, other bytes: one anomaly alert ipv4_frag_overlap" \
	[ "$(count overlap $evasion ipv4_frag_overlap)" = 1 ]
check "overlap counted" [ "$(stat overlap defrag.overlaps_differ)" = 1 ]

# tshark reassembles IP fragments by default: the same host and URI.
if command -v tshark >/dev/null; then
	for c in v4 v6; do
		ts=$(tshark -r "$tmp/$c.pcap" -Y http.request -T fields \
		    -e http.host -e http.request.uri 2>/dev/null)
		ours=$($PY -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event_type") == "http":
        print("%s\t%s" % (e["http"]["hostname"], e["http"]["url"]))' \
		    "$tmp/$c.events")
		check "$c: tshark sees the request we see ($ts)" \
			[ -n "$ts" -a "$ts" = "$ours" ]
	done
else
	[ "${CI:-}" = true ] && { echo "FAIL: tshark missing"; fails=1; }
	echo "note: tshark missing, no referee"
fi

# Live: the status socket's stats, in a namespace nobody else sends into.
conf "defrag:" "  memcap: 16MB" >"$tmp/live-base.yaml"
if live_start live "$tmp/live-base.yaml" "$tmp/v4.pcap" "$tmp/v6.pcap"; then
	got=$(live_stat defrag.reassembled 2)
	check "live: canhgacctl stats shows 2 datagrams reassembled (got $got)" \
		[ "$got" = 2 ]
	check "live: the Prometheus text has the defrag counters" \
		eval '"$CANHGACCTL" -s "$tmp/ctl.sock" stats --prometheus |
		    grep -qx "canhgac_defrag_reassembled_total 2"'
	# The table is sized at start: a reload that changes it is refused.
	sed -i 's/^  memcap: .*/  memcap: 32MB/' "$tmp/live.yaml"
	out=$("$CANHGACCTL" -s "$tmp/ctl.sock" reload 2>&1)
	check "live: a reload changing defrag.memcap is refused ($out)" \
		eval 'grep -q "^  memcap: 32MB" "$tmp/live.yaml" &&
		    grep -q "defrag.memcap changes only at restart" <<<"$out"'
	live_stop live
	check "live: two data-leak alerts (IPv4 and IPv6)" [ "$(count live $leak)" = 2 ]
fi

run flood "$tmp/flood.yaml"
ev=$(stat flood defrag.evicted)
check "flood: evictions counted ($ev)" [ "$ev" -gt 30000 ]
check "flood: trains held within the table" \
	[ "$(stat flood defrag.active)" -le "$(stat flood defrag.max)" ]
check "flood: one sensor alert defrag_memcap" [ "$(count flood $memcap_rule)" = 1 ]
rss_within flood 8 4 4	# flow, threshold, defrag memcaps
exit $fails
