#!/bin/bash
# Alert delivery, test 2: the collector is stopped during a run of at
# least 100k alerts and started again 30 s later. Afterwards every alert
# has been delivered (counted by sequence number), in order, none lost;
# duplicates from the resend window are counted and reported. The
# capture saw no drops. Exit: 0 pass, 1 fail, 77 skip.
me=syslog_outage
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=${CG_OUTAGE_ALERTS:-100000}
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_collector_start "$TMP/c"
sl_pcap "$TMP/in.pcap" $N
sl_sensor_conf "$TMP/sensor.yaml" sensor-o "  json: {path: $TMP/alerts.json}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool, backoff_max: 1s, drain_timeout: 120s}"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" --stats "$TMP/stats.json" \
	2>"$TMP/daemon.log" &
dpid=$!
SL_PIDS="$SL_PIDS $dpid"
out="$TMP/c/out/sensor-o.json"
sl_wait_lines "$out" 2000 30 || fail "nothing arrived before the outage"
sl_collector_stop "$TMP/c"
before=$(wc -l <"$out")
info "collector stopped after $before alerts; waiting 30 s"
sleep 30
sl_collector_start "$TMP/c"
wait $dpid || { cat "$TMP/daemon.log" >&2; fail "canhgacd failed"; }
sl_wait_lines "$out" $N 60 || fail "only $(wc -l <"$out") of $N lines"
sleep 1
$PY - "$TMP" $N "$before" <<'PYEOF' || { tail -20 "$TMP/daemon.log" >&2; fail "delivery incomplete"; }
import json, sys
tmp, n, before = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seqs = [int(json.loads(l)['seq']) for l in open(tmp + '/c/out/sensor-o.json')]
st = json.load(open(tmp + '/stats.json'))
d = st['outputs']['remote'][0]
uniq = sorted(set(seqs))
first = uniq[0]
missing = set(range(first, first + n)) - set(uniq)
# In order: after dropping repeats of already-seen numbers, strictly rising.
seen, order_ok, dups = set(), True, 0
last = 0
for s in seqs:
    if s in seen:
        dups += 1; continue
    seen.add(s)
    if s < last: order_ok = False
    last = s
drops = sum(i['pcap_dropped'] + i['pcap_ifdropped'] for i in st['interfaces'])
print('outage: %d alerts, %d lines at the collector, %d before the stop, '
      '%d unique, %d duplicates (resent %d), spooled %d, replayed %d, '
      'dropped %d, missing %d, in order %s, capture drops %d' % (
      n, len(seqs), before, len(uniq), dups, d['resent'], d['spooled'],
      d['replayed'], d['dropped'], len(missing), order_ok, drops), file=sys.stderr)
assert not missing and len(uniq) == n, 'lost alerts'
assert order_ok, 'out of order'
assert d['dropped'] == 0 and drops == 0
assert st['outputs']['json']['written'] == n
assert d['spooled'] > 0, 'the outage did not reach the spool'
PYEOF
echo "$me: PASS" >&2
