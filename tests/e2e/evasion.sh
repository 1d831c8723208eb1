#!/bin/bash
# The evasion suite (captures from evasion.py): the same leak, three valid
# citizen-ID numbers in a cleartext HTTP POST, split every way an attacker
# would -- one byte a segment (in order, and the first byte last), segments reversed, overlapping segments
# (garbage then data, and the reverse), IPv4 fragments out of order, IPv6
# fragments, the second request of a keep-alive connection (and pipelined), on the SYN (TCP Fast Open), after an injected SYN (also on a
# connection whose SYN-ACK was not captured), a number cut by a reset in
# the window but not at the next sequence number (ignored, counted as
# tcp_rst_inexact; the rest sent past the closed-flow timeout), or by a
# FIN forged ahead of the stream (no end: the bytes after it go on), after 20 KB
# of other body, chunked with a boundary inside each number (also after a chunk size
# with 1,100 leading zeros, or a 1,100-byte chunk extension), the numbers
# in chunk trailer fields, gzip (also twice: 'gzip, gzip' and two header
# lines; 'gzip, identity') and
# deflate content coding -- to a data server (rule 1000801) and from a
# data server to the outside (rule 1000802). Each raises the data-leak
# alert exactly once, no citizen-ID number is in clear in the alerts or
# events, the HTTP parser reports the leaking request; the same with
# benign 12-digit numbers (not citizen IDs) raises no data-leak alert; the
# overlap cases and the insertion (the real body over an in-order decoy
# not yet acknowledged, also after a forged ACK past the decoy or far off
# the server's stream) raise one tcp_overlap anomaly (rule 1001021) each,
# the others none, and a true resend is compared and inspected once. A
# decoy body with a wrong TCP or IPv4 header checksum from a side whose
# handshake had right ones is dropped before the stream
# (stream.checksum_validation: auto), counted (tcp_bad_checksum,
# ipv4_bad_checksum), and the real body, gzip-encoded too, raises the
# alert with no overlap (before, the gzip-encoded one raised none). One
# table line per case and direction.
# tshark, as referee, reassembles each leak capture and a TLS ClientHello
# cut one byte a segment, reversed, and in IPv4 and IPv6 fragments: its
# HTTP hosts, URIs and TLS SNI are the ones in the daemon's events.
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup evasion

# The rule tests' configuration (level 5, the shipped rules, reassembly
# and defragmentation at their defaults), paths made absolute.
sed -e "s|\.\./\.\./|$top_srcdir/|g" \
    "$top_srcdir/tests/rules/canhgac-test.yaml" >"$tmp/on.yaml"

n=0
for p in "$tmp"/*.pcap; do
	name=$(basename "$p" .pcap)
	run "$name" "$tmp/on.yaml"
	n=$((n + 1))
done
want=$("$PY" "$top_srcdir/tests/e2e/evasion.py" count)
check "evasion.py wrote the captures ($n of $want)" [ "$n" -eq "$want" ]
check "every case and direction (table below)" \
	"$PY" "$top_srcdir/tests/e2e/evasion.py" table "$tmp"
# Bytes handed on are kept until acknowledged: the resend is compared
# and cut (inspected once), the insertion's real copy is told apart.
for d in in out; do
	check "resent $d: the resend matched the kept bytes" \
		[ "$(stat resent_${d}_leak stream.resent_same)" -ge 1 ]
	check "resent $d: nothing inspected uncompared" \
		[ "$(stat resent_${d}_leak stream.resent_inspected)" = 0 ]
	check "insertion $d: the real copy differs from the decoy" \
		[ "$(stat insertion_${d}_leak stream.overlaps_differ)" = 1 ]
	# The decoys with wrong checksums dropped before the stream (auto:
	# their side's handshake had right ones).
	for c in badsum:tcp_bad_checksum badsum-gzip:tcp_bad_checksum \
	    badsum-reuse:tcp_bad_checksum badipsum-gzip:ipv4_bad_checksum; do
		check "${c%%:*} $d: the decoy dropped (${c#*:})" \
			[ "$(stat "${c%%:*}_${d}_leak" "decode.anomalies.${c#*:}")" = 1 ]
		check "${c%%:*} $d: one wrong sum, dropped, none taken" \
			[ "$(stat "${c%%:*}_${d}_leak" decode.checksum.dropped)/$(stat "${c%%:*}_${d}_leak" decode.checksum.taken)" = 1/0 ]
	done
	# The forged ACKs ignored, the flow established without its SYN-ACK,
	# the inexact reset ignored.
	for c in insertion-far-ack:stream.ack_unseen_data \
	    insertion-blind-ack:stream.ack_off_stream \
	    synack-lost:flow.synack_missed \
	    rst-inexact:decode.anomalies.tcp_rst_inexact; do
		check "${c%%:*} $d: counted once in ${c#*:}" \
			[ "$(stat "${c%%:*}_${d}_leak" "${c#*:}")" = 1 ]
	done
done
if command -v tshark >/dev/null; then
	check "tshark's reassembled view is ours (list below)" \
		"$PY" "$top_srcdir/tests/e2e/evasion.py" referee "$tmp"
else
	[ "${CI:-}" = true ] && { echo "FAIL: tshark missing"; fails=1; }
	echo "note: tshark missing, no referee"
fi
exit $fails
