#!/bin/bash
# Checksum offload (captures from checksum.py): a capture made on a host
# whose NIC fills in TCP checksums shows every segment that host sent,
# its handshake's too, with a wrong sum. stream.checksum_validation
# decides what the sensor does with them:
#  1. auto (the default) drops a wrong segment only from a side whose
#     segments had right sums before (an attacker's decoy: evasion.sh);
#     here none had: every one is taken (decode.checksum.taken), none
#     counted malformed, no malformed-packet alert, and the citizen-ID
#     POST raises the data-leak alert once;
#  2. true drops every wrong segment, counted as tcp_bad_checksum: the
#     POST is never read (what true asks for);
#  3. false sums nothing: the alert, no segment checked;
#  3b. receive offload: a segment longer than the MSS its receiver
#     announced, summed as GRO leaves a merge (the pseudo-header's sum),
#     is taken in auto (merged) and the POST it carries alerts; a shorter
#     one summed that way, from a side whose sums were right, is a decoy:
#     dropped; true drops the merged one too;
#  4. live, in a network namespace of its own: the same as 1, and
#     `canhgacctl stats` and its Prometheus text show the counters.
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup checksum

conf() {	# the rule tests' configuration, its stream line replaced
	sed -e "s|\.\./\.\./|$top_srcdir/|g" -e '/^stream:/d' \
	    "$top_srcdir/tests/rules/canhgac-test.yaml"
	printf '%s\n' "$@"
}
conf >"$tmp/auto.yaml"
conf 'stream: {checksum_validation: true}' >"$tmp/true.yaml"
conf 'stream: {checksum_validation: false}' >"$tmp/false.yaml"
leak=1000801

for mode in auto true false; do
	cp "$tmp/offload.pcap" "$tmp/$mode.pcap"
	run "$mode" "$tmp/$mode.yaml"
done
run gro "$tmp/auto.yaml"
run gro-decoy "$tmp/auto.yaml"
cp "$tmp/gro.pcap" "$tmp/gro_true.pcap"
run gro_true "$tmp/true.yaml"

check "auto: one data-leak alert" [ "$(count auto $leak)" = 1 ]
check "auto: the client's wrong sums taken" \
	[ "$(stat auto decode.checksum.taken)" -ge 555 ]
check "auto: none dropped" [ "$(stat auto decode.checksum.dropped)" = 0 ]
check "auto: none counted malformed" \
	[ "$(stat auto decode.anomalies.tcp_bad_checksum)" = 0 ]
check "auto: no malformed-packet alert" \
	[ "$(count auto 1001001)$(count auto 1001002)" = 00 ]
check "auto: the server's sums checked and right" \
	[ "$(stat auto decode.checksum.checked)" -ge 1110 ]

check "true: the POST dropped, no alert" [ "$(count true $leak)" = 0 ]
check "true: every client segment counted (tcp_bad_checksum)" \
	[ "$(stat true decode.anomalies.tcp_bad_checksum)" -ge 555 ]
check "true: as many dropped" \
	[ "$(stat true decode.checksum.dropped)" -ge 555 ]

check "gro: the merged segment taken (merged), the alert" eval \
	'[ "$(stat gro decode.checksum.merged)/$(stat gro decode.checksum.dropped)" = 1/0 ] &&
	 [ "$(count gro $leak)" = 1 ]'
check "gro-decoy: the short one summed the same way dropped, the alert" eval \
	'[ "$(stat gro-decoy decode.checksum.dropped)/$(stat gro-decoy decode.checksum.merged)" = 1/0 ] &&
	 [ "$(count gro-decoy $leak)" = 1 ]'
check "gro, true: the merged segment dropped too" eval \
	'[ "$(stat gro_true decode.checksum.dropped)" = 1 ] &&
	 [ "$(count gro_true $leak)" = 0 ]'

check "false: one data-leak alert" [ "$(count false $leak)" = 1 ]
check "false: nothing summed" [ "$(stat false decode.checksum.checked)" = 0 ]

if live_start live "$tmp/auto.yaml" "$tmp/offload.pcap"; then
	taken=$(live_stat decode.checksum.taken 555)
	check "live, auto: the client's wrong sums taken ($taken)" \
		[ "$taken" -ge 555 ]
	check "live, auto: none dropped" \
		[ "$(live_stat decode.checksum.dropped 0)" = 0 ]
	for _ in $(seq 50); do
		grep -q "\"signature_id\":$leak" "$tmp/live.alerts" 2>/dev/null &&
			break
		sleep 0.1
	done
	check "live, auto: the data-leak alert" \
		grep -q "\"signature_id\":$leak" "$tmp/live.alerts"
	check "live: the Prometheus text has the counters" eval \
		'"$CANHGACCTL" -s "$tmp/ctl.sock" stats --prometheus |
		grep -q "^canhgac_decode_checksum_taken"'
	live_stop live
fi
exit $fails
