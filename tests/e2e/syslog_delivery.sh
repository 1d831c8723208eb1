#!/bin/bash
# Alert delivery, test 1: a capture replayed through canhgacd reaches two
# real syslog-ng collectors (the shipped configuration, over TLS with a CA
# made here) exactly once per destination, and the fields syslog-ng parsed
# out of the structured data (written as JSON by syslog-ng itself) equal
# the sensor's JSON alert log. Exit: 0 pass, 1 fail, 77 skip.
me=syslog_delivery
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=2000
sl_certs "$TMP/certs"
p1=$(sl_port); p2=$(sl_port)
sl_collector_conf "$TMP/c1" "$p1"
sl_collector_conf "$TMP/c2" "$p2"
sl_collector_start "$TMP/c1"
sl_collector_start "$TMP/c2"
sl_pcap "$TMP/in.pcap" $N
sl_sensor_conf "$TMP/sensor.yaml" sensor-a "  json: {path: $TMP/alerts.json}
  remote:
    - {host: 127.0.0.1, port: $p1, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool1, drain_timeout: 20s}
    - {host: 127.0.0.1, port: $p2, transport: tls, ca: $TMP/certs/ca.pem,
       server_name: collector.test, cert: $TMP/certs/sensor.pem,
       key: $TMP/certs/sensor.key, spool: $TMP/spool2, drain_timeout: 20s}"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" --stats "$TMP/stats.json" \
	2>"$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "canhgacd failed"; }
sl_wait_lines "$TMP/c1/out/sensor-a.json" $N 20 || fail "collector 1: $(wc -l <"$TMP/c1/out/sensor-a.json") of $N"
sl_wait_lines "$TMP/c2/out/sensor-a.json" $N 20 || fail "collector 2: $(wc -l <"$TMP/c2/out/sensor-a.json") of $N"
sleep 0.5
PYTHONPATH="$top_srcdir/tests/e2e" $PY - "$TMP" $N <<'PYEOF' || fail "collector records differ from the alert log"
import json, sys
from syslog_fields import flat
tmp, n = sys.argv[1], int(sys.argv[2])
alerts = [flat(json.loads(l)) for l in open(tmp + '/alerts.json')]
assert len(alerts) == n, ('alert log', len(alerts))
stats = json.load(open(tmp + '/stats.json'))
for c in ('c1', 'c2'):
    recs = [flat(json.loads(l)) for l in open(tmp + '/' + c + '/out/sensor-a.json')]
    seqs = [int(r.pop('seq')) for r in recs]
    assert len(set(seqs)) == len(seqs), (c, 'duplicate sequence numbers')
    assert len(recs) == n, (c, len(recs), n)
    assert seqs == sorted(seqs), (c, 'out of order')
    for r in recs:
        r.pop('collector.peer', None); r.pop('collector.received', None)
    for i, (a, r) in enumerate(zip(alerts, recs)):
        if a != r:
            print(c, i, 'alert log :', a, file=sys.stderr)
            print(c, i, 'collector :', r, file=sys.stderr)
            sys.exit(1)
for d in stats['outputs']['remote']:
    assert d['sent'] == n and d['dropped'] == 0, d
print('%d alerts, identical at both collectors' % n, file=sys.stderr)
PYEOF
echo "$me: PASS" >&2
