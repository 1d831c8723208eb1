#!/bin/bash
# Alert delivery, test 6: outputs.syslog sends libevtlog-formatted alerts
# to a unix-dgram socket where the shipped collector configuration's
# kv-parser turns them back into the alert fields. Also: a missing socket
# is counted and never stalls the daemon. Exit: 0 pass, 1 fail, 77 skip.
me=syslog_local
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=300
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_collector_start "$TMP/c"
sl_pcap "$TMP/in.pcap" $N
sl_sensor_conf "$TMP/sensor.yaml" sensor-l "  json: {path: $TMP/alerts.json}
  syslog: {facility: local4, socket: $TMP/c/local.sock}"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" --stats "$TMP/stats.json" \
	2>"$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "canhgacd failed"; }
out="$TMP/c/out/local/sensor-l.json"
sl_wait_lines "$out" $N 10 || fail "only $(wc -l <"$out" 2>/dev/null) of $N at the collector"
PYTHONPATH="$top_srcdir/tests/e2e" $PY - "$TMP" $N <<'PYEOF' || fail "fields differ"
import json, sys
from syslog_fields import flat
tmp, n = sys.argv[1], int(sys.argv[2])
alerts = [flat(json.loads(l)) for l in open(tmp + '/alerts.json')]
recs = [flat(json.loads(l)) for l in open(tmp + '/c/out/local/sensor-l.json')]
assert len(recs) == n
for a, r in zip(alerts, recs):
    r.pop('collector.received', None)
    if a != r:
        print('alert log:', a, '\ncollector:', r, file=sys.stderr); sys.exit(1)
d = json.load(open(tmp + '/stats.json'))['outputs']['syslog']
assert d['sent'] == n and d['dropped'] == 0, d
PYEOF
# A missing socket: counted, queued, the run still finishes.
sl_sensor_conf "$TMP/missing.yaml" sensor-m "  syslog: {socket: $TMP/no-such.sock}"
timeout 30 "$CANHGACD" -c "$TMP/missing.yaml" -r "$TMP/in.pcap" --stats "$TMP/m.json" \
	2>"$TMP/m.log" || fail "missing socket: canhgacd failed"
$PY -c "
import json,sys; d=json.load(open('$TMP/m.json'))['outputs']['syslog']
assert d['sent']==0 and d['errors']>0 and d['queued']==$N, d" || fail "missing socket not counted"
echo "$me: PASS" >&2
