#!/bin/bash
# Reassembly bounded under attack (capture from flood_reassembly.py): at
# once, 1,200 connections each holding 56 KiB ahead of a hole that never
# fills, 1,300 IPv4 and IPv6 fragment trains of 62 KiB that never
# complete, an attacker's overlapping segments (200 connections) and
# overlapping fragments (200 trains) with other bytes -- about 150 MB of
# held data tried against `stream.memcap: 8MB` and `defrag.memcap: 8MB`
# (`stream.match_memcap: 4MB`).
#  1. peak RSS within the memcaps (flow, threshold, stream, match, defrag) plus
#     32 MiB (not under AddressSanitizer, whose shadow memory defeats it);
#  2. oldest first: of two probe POSTs with three citizen-ID numbers,
#     each held ahead of a hole (and two as IPv4 fragment trains missing
#     their last fragment), the one sent before the flood was evicted
#     (no data-leak alert when its hole fills), the one after it kept
#     (one data-leak alert);
#  3. counted exactly: every connection that held data was evicted or
#     given up as a gap (stream.evicted + stream.gaps), every train
#     started was reassembled, evicted, timed out (a packet 61 s later),
#     abandoned or is still held;
#  4. one sensor alert per memcap (defrag_memcap 1001120, stream_memcap
#     1001121) and one anomaly alert per kind of overlap from the one
#     attacker (ipv4_frag_overlap 1001020, tcp_overlap 1001021), not 200.
# One packet worker: the caps are each worker's share, so with several
# the flood (one address pair, one worker) cannot evict what another
# worker holds (tests/e2e/workers_flood.sh), and "oldest first" is of
# that worker's.
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup flood_reassembly

sed -e "s|\.\./\.\./|$top_srcdir/|g" -e '/^stream:/d' -e '/^defrag:/,$d' \
    -e 's/flow_memcap: .*/flow_memcap: 16MB/' \
    -e 's/threshold_memcap: .*/threshold_memcap: 4MB/' \
    -e 's/^  security_level: .*/&\n  workers: 1/' \
    "$top_srcdir/tests/rules/canhgac-test.yaml" >"$tmp/flood.yaml"
printf '%s\n' 'stream: {memcap: 8MB, match_memcap: 4MB}' \
    'defrag: {memcap: 8MB, timeout: 60s}' \
    >>"$tmp/flood.yaml"
eval "$(cat "$tmp/flood.expect")"	# holders= trains= reassembled=

run flood "$tmp/flood.yaml"
rm -f "$tmp/flood.pcap"		# 150 MB

from() {	# SID SRC: alerts of that rule from that address ("" none)
	$PY - "$tmp/flood.alerts" "$1" "$2" <<'EOF'
import json, sys
print(sum(1 for a in map(json.loads, open(sys.argv[1]))
          if a["alert"]["signature_id"] == int(sys.argv[2])
          and a.get("src_ip", "") == sys.argv[3]))
EOF
}

rss_within flood 16 4 8 4 8	# flow, threshold, stream, match, defrag memcaps

leak=1000802
check "oldest first: the held POST sent before the flood was evicted" \
	[ "$(from $leak 10.20.9.201)" = 0 ]
check "oldest first: the held POST sent after the flood was kept" \
	[ "$(from $leak 10.20.9.202)" = 1 ]
check "oldest first: the fragment train sent before the flood was evicted" \
	[ "$(from $leak 10.20.9.211)" = 0 ]
check "oldest first: the fragment train sent after the flood was kept" \
	[ "$(from $leak 10.20.9.212)" = 1 ]

sev=$(stat flood stream.evicted) sgap=$(stat flood stream.gaps)
check "stream: evicted $sev + gaps $sgap = the $holders connections that held data" \
	[ $((sev + sgap)) -eq "$holders" ]
check "stream: most of them evicted" [ "$sev" -gt $((holders / 2)) ]
check "stream: nothing held at the end" \
	[ "$(stat flood stream.blocks_used)" = 0 ]
dre=$(stat flood defrag.reassembled) dev=$(stat flood defrag.evicted)
dto=$(stat flood defrag.timeouts) dab=$(stat flood defrag.abandoned)
dac=$(stat flood defrag.active)
check "defrag: $reassembled trains reassembled (got $dre)" [ "$dre" = "$reassembled" ]
check "defrag: reassembled $dre + evicted $dev + timed out $dto + abandoned $dab + held $dac = the $trains trains" \
	[ $((dre + dev + dto + dab + dac)) -eq "$trains" ]
check "defrag: most evicted, the rest timed out" \
	eval '[ "$dev" -gt $((trains / 2)) ] && [ "$dto" -gt 0 ] && [ "$dac" = 0 ]'

check "one sensor alert defrag_memcap (1001120)" [ "$(count flood 1001120)" = 1 ]
check "one sensor alert stream_memcap (1001121)" [ "$(count flood 1001121)" = 1 ]
check "one anomaly alert for the attacker's 200 fragment overlaps (1001020)" \
	eval '[ "$(count flood 1001020)" = 1 ] &&
	    [ "$(count flood 1001020 ipv4_frag_overlap)" = 1 ] &&
	    [ "$(from 1001020 10.20.9.250)" = 1 ]'
check "one anomaly alert for the attacker's 200 segment overlaps (1001021)" \
	eval '[ "$(count flood 1001021)" = 1 ] &&
	    [ "$(from 1001021 10.20.9.251)" = 1 ]'
exit $fails
