#!/bin/bash
# Packet workers under a flood (capture from workers_flood.py): docs/SECURITY.md
# says an attacker's flood fills only its own worker's share of the caps.
# Forty probe POSTs, each from its own client and each holding three
# citizen-ID numbers ahead of a one-byte hole, then 1,200 connections from
# one attacker that each hold 56 KiB ahead of a hole that never fills
# (67 MB against `stream.memcap: 8MB`), then each probe's missing byte.
#  1. one worker: the flood evicts every probe (oldest first), so no
#     data-leak alert: the flood is strong enough to matter;
#  2. two and three workers: the attacker's address pair goes to one
#     worker (the one whose flows include the 1,200), which evicts its
#     own probes; every probe another worker holds is kept and raises
#     its alert: alerts = 40 - the probes on the attacker's worker.
# Which worker gets which pair follows a random key, so the split differs
# from run to run; the count holds for any split.
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup workers_flood
probes=40 flood=1200 leak=1000802

conf() {	# WORKERS: the configuration for that many workers
	sed -e "s|\.\./\.\./|$top_srcdir/|g" -e '/^stream:/d' -e '/^defrag:/,$d' \
	    -e 's/flow_memcap: .*/flow_memcap: 16MB/' \
	    -e 's/threshold_memcap: .*/threshold_memcap: 4MB/' \
	    -e "s/^  security_level: .*/&\n  workers: $1/" \
	    "$top_srcdir/tests/rules/canhgac-test.yaml" >"$tmp/w$1.yaml"
	echo 'stream: {memcap: 8MB, match_memcap: 4MB}' >>"$tmp/w$1.yaml"
	echo "$tmp/w$1.yaml"
}
probe_alerts() {	# NAME: data-leak alerts from the probes' clients
	$PY - "$tmp/$1.alerts" "$leak" <<'EOF'
import json, sys
print(sum(1 for a in map(json.loads, open(sys.argv[1]))
          if a["alert"]["signature_id"] == int(sys.argv[2])
          and a.get("src_ip", "").startswith("10.20.8.")))
EOF
}
attacker_flows() {	# NAME: flows of the worker that took the flood
	$PY - "$tmp/$1.stats" "$flood" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1]))["workers"]["per_worker"]
hit = [x["flows"] for x in w if x["flows"] >= int(sys.argv[2])]
print(hit[0] if len(hit) == 1 else -1)
EOF
}

cp "$tmp/workers_flood.pcap" "$tmp/w1.pcap"
run w1 "$(conf 1)"
check "one worker: the flood evicted held data ($(stat w1 stream.evicted) flows)" \
	[ "$(stat w1 stream.evicted)" -gt $((flood / 2)) ]
check "one worker: every probe evicted, no data-leak alert (got $(probe_alerts w1))" \
	[ "$(probe_alerts w1)" = 0 ]

for n in 2 3; do
	mv "$tmp/w$((n - 1)).pcap" "$tmp/w$n.pcap"
	run "w$n" "$(conf "$n")"
	af=$(attacker_flows "w$n")
	mine=$((af - flood))	# probes that shared the attacker's worker
	got=$(probe_alerts "w$n")
	check "$n workers: one worker took all $flood flooding flows (its flows: $af)" \
		[ "$af" -ge "$flood" ]
	check "$n workers: the $((probes - mine)) probes held by the other workers alert, the $mine beside the flood do not (got $got)" \
		[ "$got" = $((probes - mine)) ]
	check "$n workers: the flood was evicted as it came" \
		[ "$(stat "w$n" stream.evicted)" -gt $((flood / 2)) ]
done
[ "$fails" = 0 ] && echo "workers_flood: ok"
exit "$fails"
