#!/bin/bash
# Checksum offload (captures from checksum.py): a capture made on a host
# whose NIC fills in TCP checksums shows every segment that host sent
# with a wrong sum. stream.checksum_validation decides what the sensor
# does with them:
#  1. auto (the default) samples the first 1,000 TCP segments, finds a
#     tenth or more wrong, stops checking, says so on stderr and in
#     `--stats` (decode.checksum: a worker off, the wrong ones taken while
#     sampling), drops nothing and counts no malformed packet: the
#     citizen-ID POST after them raises the data-leak alert once;
#  2. true drops every wrong segment, counted as tcp_bad_checksum: the
#     POST is never read (that is what true asks for; auto is there so
#     that an offloading capture point does not do this);
#  3. false sums nothing: the alert, and no segment checked;
#  4. live, in a network namespace of its own whose loopback also has the
#     client's address (the sensor's host sent them, its NIC fills the
#     sums in): with true, its segments are taken (own_host) and the
#     alert raised; `canhgacctl stats` shows the counters.
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

check "auto: one data-leak alert" [ "$(count auto $leak)" = 1 ]
check "auto: checking turned off on the worker that saw them" \
	[ "$(stat auto decode.checksum.workers_off)" = 1 ]
check "auto: wrong sums taken while sampling (at least a tenth)" \
	[ "$(stat auto decode.checksum.wrong_taken_sampling)" -ge 100 ]
check "auto: none counted malformed" \
	[ "$(stat auto decode.anomalies.tcp_bad_checksum)" = 0 ]
check "auto: no malformed-packet alert" \
	[ "$(count auto 1001001)$(count auto 1001002)" = 00 ]
check "auto: says so on stderr" \
	grep -q "checksum validation off: .* of the first 1000 TCP segments" \
	"$tmp/auto.err"

check "true: the POST dropped, no alert" [ "$(count true $leak)" = 0 ]
check "true: every client segment counted (tcp_bad_checksum)" \
	[ "$(stat true decode.anomalies.tcp_bad_checksum)" -ge 550 ]
check "true: still checking" \
	[ "$(stat true decode.checksum.workers_checking)" -ge 1 ]

check "false: one data-leak alert" [ "$(count false $leak)" = 1 ]
check "false: nothing summed" [ "$(stat false decode.checksum.checked)" = 0 ]

# Live: the client's address is the sensor host's own.
if LIVE_ADDR=10.20.9.66/32 live_start live "$tmp/true.yaml" \
    "$tmp/offload.pcap"; then
	own=$(live_stat decode.checksum.own_host 550)
	check "live, true: the host's own segments taken ($own)" \
		[ "$own" -ge 550 ]
	check "live, true: none dropped" \
		[ "$(live_stat decode.anomalies.tcp_bad_checksum 0)" = 0 ]
	for _ in $(seq 50); do
		grep -q "\"signature_id\":$leak" "$tmp/live.alerts" 2>/dev/null &&
			break
		sleep 0.1
	done
	check "live, true: the data-leak alert" \
		grep -q "\"signature_id\":$leak" "$tmp/live.alerts"
	check "live: the Prometheus text has the counters" eval \
		'"$CANHGACCTL" -s "$tmp/ctl.sock" stats --prometheus |
		grep -q "^canhgac_decode_checksum_own_host"'
	live_stop live
fi
exit $fails
