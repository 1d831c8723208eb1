#!/bin/bash
# Tunnels taken apart (captures from tunnel.py): a citizen-ID leak in a
# cleartext HTTP POST, cut in 7-byte inner TCP segments, carried in GRE
# (plain; checksum, key and sequence number; over IPv6; transparent
# Ethernet; its outer datagrams fragmented, also with IPv6 atomic
# fragments inside), IPv4 and IPv6 in IPv4 and in
# IPv6, VXLAN, and three tunnels nested (the bound), raises the data-leak
# alert exactly once, the numbers masked, the HTTP parser reporting the
# request; the benign twin raises nothing. A GRE tunnel to an address on
# the indicator list raises the indicator alert on the outer flow beside
# the leak alert on the inner one. Four tunnels nested (one past the
# bound) and GRE with a wrong checksum (the host drops it) raise no leak
# alert and are counted. Hostile tunnels -- truncated GRE headers and
# options, routing bits, short and flagless VXLAN, a 6-byte VXLAN frame,
# an inner header's lying length, every truncation of an inner packet in
# each kind -- are counted by reason and never crash (ASan in CI). tshark
# takes each tunnel apart itself: the HTTP host and URI it sees are ours.
# Live: `canhgacctl stats` and its Prometheus text show the counters.
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup tunnel

sed -e "s|\.\./\.\./|$top_srcdir/|g" \
    "$top_srcdir/tests/rules/canhgac-test.yaml" >"$tmp/on.yaml"

n=0
for p in "$tmp"/*_*.pcap; do
	run "$(basename "$p" .pcap)" "$tmp/on.yaml"
	n=$((n + 1))
done
want=$(($("$PY" "$top_srcdir/tests/e2e/tunnel.py" count) - 1))
check "tunnel.py wrote the captures ($n of $want)" [ "$n" -eq "$want" ]
check "every case (table below)" \
	"$PY" "$top_srcdir/tests/e2e/tunnel.py" table "$tmp"

# Each inner packet counted once, by the tunnel it came out of (the
# inner session is 50 frames or more).
for c in gre:gre gre-opts:gre gre-ipv6:gre gre-eth:gre gre-frag:gre \
    gre-frag-atomic:gre \
    ipip:ipv4_in_ip ip4in6:ipv4_in_ip ip6in4:ipv6_in_ip \
    ip6in6:ipv6_in_ip vxlan:vxlan; do
	v=$(stat "${c%%:*}_leak" "decode.tunnel.${c#*:}")
	check "${c%%:*}: inner packets counted as ${c#*:} ($v)" [ "$v" -ge 50 ]
done
frames=$(stat vxlan_leak decode.packets)
check "nested3: each of the three tunnels counted once a frame" eval \
	'[ "$(stat nested3_leak decode.tunnel.vxlan)" = "$frames" ] &&
	 [ "$(stat nested3_leak decode.tunnel.gre)" = "$frames" ] &&
	 [ "$(stat nested3_leak decode.tunnel.ipv4_in_ip)" = "$frames" ] &&
	 [ "$(stat nested3_leak decode.tunnel.too_deep)" = 0 ]'
check "nested4: every frame's fourth tunnel counted too deep" \
	[ "$(stat nested4_leak decode.tunnel.too_deep)" = "$frames" ]
check "nested4: counted among the anomalies" \
	[ "$(stat nested4_leak decode.anomalies.tunnel_too_deep)" = "$frames" ]
check "gre-badsum: every frame's checksum refused, nothing decapsulated" \
	eval '[ "$(stat gre-badsum_leak decode.anomalies.gre_bad_checksum)" = "$frames" ] &&
	      [ "$(stat gre-badsum_leak decode.tunnel.gre)" = 0 ]'
# The leak's request is cut in 7-byte segments: as many decoys, each
# dropped before its inner packet is taken apart (the outer header's sums
# from that tunnel end were right before), so no inner overlap.
decoys=$(( ($(printf '%s' "$($PY -c 'import sys; sys.path.insert(0, sys.argv[1])
from rulelib import LEAK, leak_post
print(len(leak_post(LEAK)))' "$top_srcdir/tests/rules")") + 6) / 7 ))
check "gre-decoy: the $decoys decoys dropped (ipv4_bad_checksum), no overlap" \
	eval '[ "$(stat gre-decoy_leak decode.anomalies.ipv4_bad_checksum)" = "$decoys" ] &&
	      [ "$(stat gre-decoy_leak stream.overlaps_differ)" = 0 ]'
# The same inner addresses and ports in a tunnel are another flow (the
# tunnels around a packet key its flow): before, the tunnelled decoys
# went first into the bare connection's stream, the real bytes were an
# overlap, and the payload rules read 9s.
check "gre-shadow: the decoys a flow of their own, no overlap" \
	eval '[ "$(stat gre-shadow_leak stream.overlaps_differ)" = 0 ] &&
	      [ "$(stat gre-shadow_leak flow.created)" = 3 ]'
check "mpls-shadow: the labelled decoys a flow of their own, no overlap" \
	eval '[ "$(stat mpls-shadow_leak stream.overlaps_differ)" = 0 ] &&
	      [ "$(stat mpls-shadow_leak flow.created)" = 2 ]'
# The alert says how many tunnels its flow is in (Suricata's tunnel.depth).
depth() {	# NAME: the data-leak alert's tunnel.depth, or none
	$PY -c 'import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["alert"]["signature_id"] == 1000801:
        print(a.get("tunnel", {}).get("depth", "none"))' "$tmp/$1.alerts"
}
check "the leak alert's tunnel.depth: gre 1, nested3 3, gre-shadow none" eval \
	'[ "$(depth gre_leak)" = 1 ] && [ "$(depth nested3_leak)" = 3 ] &&
	 [ "$(depth gre-shadow_leak)" = none ]'
# (Bare ACKs are short enough to go unfragmented.)
check "gre-frag: the outer datagrams rebuilt, then taken apart" eval \
	'[ "$(stat gre-frag_leak defrag.reassembled)" -ge 50 ] &&
	 [ "$(stat gre-frag_leak decode.tunnel.gre)" = "$frames" ]'

run hostile "$tmp/on.yaml"
for c in gre_short:2 gre_bad_flags:1 vxlan_short:1 vxlan_bad_flags:1; do
	check "hostile: ${c%%:*} counted (${c#*:})" \
		[ "$(stat hostile "decode.anomalies.${c%%:*}")" = "${c#*:}" ]
done
check "hostile: the 6-byte VXLAN frame and the cut ones: eth_short" \
	[ "$(stat hostile decode.anomalies.eth_short)" -ge 15 ]
check "hostile: the inner header's lying length: ipv4_truncated" \
	[ "$(stat hostile decode.anomalies.ipv4_truncated)" -ge 1 ]
check "hostile: the truncated inner packets decapsulated and counted" \
	[ "$(stat hostile decode.tunnel.vxlan)" -ge 60 ]
check "hostile: no data-leak alert" [ "$(count hostile 1000801)" = 0 ]

if command -v tshark >/dev/null; then
	check "tshark's view of each tunnel is ours (list below)" \
		"$PY" "$top_srcdir/tests/e2e/tunnel.py" referee "$tmp"
else
	[ "${CI:-}" = true ] && { echo "FAIL: tshark missing"; fails=1; }
	echo "note: tshark missing, no referee"
fi

# Live: the counters through the status socket and its Prometheus text.
# (Two inner connections of their own: 1000801 suppresses by address.)
if live_start live "$tmp/on.yaml" "$tmp/vxlan_leak.pcap" \
    "$tmp/gre-ipv6_leak.pcap"; then
	got=$(live_stat decode.tunnel.gre "$frames")
	check "live: canhgacctl stats counts the GRE inner packets ($got)" \
		[ "$got" = "$frames" ]
	check "live: the Prometheus text has the tunnel counters" \
		eval '"$CANHGACCTL" -s "$tmp/ctl.sock" stats --prometheus |
		    grep -qx "canhgac_decode_tunnel_vxlan_total $frames"'
	live_stop live
	check "live: two data-leak alerts (VXLAN, GRE over IPv6)" \
		[ "$(count live 1000801)" = 2 ]
fi
exit $fails
