#!/bin/bash
# Alert delivery, test 4: with the collector down and a small spool_max,
# the oldest alerts are dropped; the counters and a `sensor` alert
# (output_drops) say how many, and what remains is the newest, delivered
# when the collector comes back. Exit: 0 pass, 1 fail, 77 skip.
me=syslog_spool_full
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=5000
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_pcap "$TMP/in.pcap" $N
cp "$top_srcdir/rules/sensor.yaml" "$TMP/sensor-rules.yaml"
sl_sensor_conf "$TMP/sensor.yaml" sensor-f "  json: {path: $TMP/alerts.json}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool, spool_max: 256KB, drain_timeout: 1s}"
sed -i "s|^  - $TMP/rules.yaml|  - $TMP/rules.yaml\n  - $TMP/sensor-rules.yaml|" "$TMP/sensor.yaml"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" --stats "$TMP/stats.json" \
	2>"$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "canhgacd failed"; }
sl_collector_start "$TMP/c"
sl_pcap "$TMP/empty.pcap" 0
sed -i 's/drain_timeout: 1s/drain_timeout: 20s/' "$TMP/sensor.yaml"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/empty.pcap" --stats "$TMP/stats2.json" \
	2>"$TMP/daemon2.log" || fail "second run failed"
$PY - "$TMP" $N <<'PYEOF' || fail "spool-full accounting"
import json, sys, os
tmp, n = sys.argv[1], int(sys.argv[2])
st = json.load(open(tmp + '/stats.json'))
d = st['outputs']['remote'][0]
alerts = [json.loads(l) for l in open(tmp + '/alerts.json')]
sens = [a for a in alerts if a['alert'].get('sensor_event') == 'output_drops']
assert d['dropped'] > 0, d
assert d['spooled'] == d['dropped'] + d['spool_pending'], d
assert sens, 'no sensor alert for output drops'
first = alerts[:st['outputs']['json']['written']]
import re
told = sum(int(re.search(r'dropped (\d+) alerts', a['alert']['message']).group(1)) for a in sens)
assert told <= d['dropped'] and told > 0, (told, d['dropped'])
print('spool full: %d spooled, %d dropped (oldest), %d kept; sensor alert: "%s"' % (
    d['spooled'], d['dropped'], d['spool_pending'], sens[0]['alert']['message']), file=sys.stderr)
PYEOF
# The second run first delivers what the spool kept: the newest alerts.
out="$TMP/c/out/sensor-f.json"
kept=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["remote"][0]["spool_pending"])' "$TMP/stats.json")
# All of them, not the first few: the check below counts what arrived.
sl_wait_lines "$out" "$kept" 20 || fail "only $(wc -l <"$out" 2>/dev/null) of $kept kept alerts delivered"
$PY - "$TMP" <<'PYEOF' || fail "the spool did not keep the newest alerts"
import json, sys
tmp = sys.argv[1]
d = json.load(open(tmp + '/stats.json'))['outputs']['remote'][0]
kept = d['spool_pending']
recs = [json.loads(l) for l in open(tmp + '/c/out/sensor-f.json')]
seqs = [int(r['seq']) for r in recs]
# The kept ones are the highest sequence numbers of the first run.
first_run_max = d['spooled']
kept_seqs = [s for s in seqs if s <= first_run_max]
assert len(set(kept_seqs)) == kept, (len(set(kept_seqs)), kept)
assert min(kept_seqs) == first_run_max - kept + 1, (min(kept_seqs), first_run_max, kept)
PYEOF
echo "$me: PASS" >&2
