#!/bin/bash
# Alert delivery: hostile protocol fields cannot forge collector fields.
# A capture (syslog_hostile.py) puts backslashes before a forged
# "', src_ip='6.6.6.6', ...", quotes, '=', commas, ']', newlines, NULs,
# control bytes, bytes that are not UTF-8 and long strings into HTTP Host
# and User-Agent, TLS SNI, DNS names and SSH banners, and into alert
# messages through placeholders. Every alert goes to local syslog and to
# the remote TLS output of the same real syslog-ng running the shipped
# collector configuration; for every alert, the collector's parsed fields
# must equal alerts.json's, field by field. A DNS response of 8 answers
# whose names are 255 quotes must have its event (--events) like every
# other DNS message. Exit: 0 pass, 1 fail, 77 skip.
me=syslog_hostile
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_collector_start "$TMP/c"
cp "$top_srcdir/tests/e2e/syslog_hostile_rules.yaml" "$TMP/rules.yaml"
$PY "$top_srcdir/tests/e2e/syslog_hostile.py" "$TMP/in.pcap" || fail "cannot make the capture"
sl_sensor_conf "$TMP/sensor.yaml" sensor-h "  json: {path: $TMP/alerts.json}
  syslog: {facility: local4, socket: $TMP/c/local.sock}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       server_name: collector.test, spool: $TMP/spool, drain_timeout: 10s}"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" --stats "$TMP/stats.json" \
	--events "$TMP/events.json" 2>"$TMP/daemon.log" ||
	{ cat "$TMP/daemon.log" >&2; fail "canhgacd failed"; }
n=$(wc -l <"$TMP/alerts.json")
[ "$n" -ge 30 ] || fail "only $n alerts from the hostile capture"
sl_wait_lines "$TMP/c/out/local/sensor-h.json" "$n" 10 ||
	fail "local: $(wc -l <"$TMP/c/out/local/sensor-h.json" 2>/dev/null) of $n at the collector"
sl_wait_lines "$TMP/c/out/sensor-h.json" "$n" 10 ||
	fail "remote: $(wc -l <"$TMP/c/out/sensor-h.json" 2>/dev/null) of $n at the collector"
PYTHONPATH="$top_srcdir/tests/e2e" $PY - "$TMP" <<'PYEOF' || fail "the collector's fields differ from alerts.json"
import json, sys
from syslog_fields import flat
tmp = sys.argv[1]
alerts = [flat(json.loads(l)) for l in open(tmp + '/alerts.json')]
hostile = [a for a in alerts if any('\\' in v or "'" in v or '"' in v
                                    for v in a.values())]
assert len(hostile) >= 20, 'the capture lost its hostile fields: %d' % len(hostile)
bad = 0
for name, path in (('local', '/c/out/local/sensor-h.json'),
                   ('remote', '/c/out/sensor-h.json')):
    recs = [flat(json.loads(l)) for l in open(tmp + path, encoding='utf-8')]
    if len(recs) != len(alerts):
        print(name, 'has', len(recs), 'records for', len(alerts), 'alerts',
              file=sys.stderr); sys.exit(1)
    for i, (a, r) in enumerate(zip(alerts, recs)):
        r.pop('collector.received', None)
        r.pop('collector.peer', None)
        r.pop('seq', None)
        r.pop('sensor', None) if 'sensor' not in a else None
        for k in sorted(set(a) | set(r)):
            if a.get(k) != r.get(k):
                bad += 1
                print('%s alert %d %s: alerts.json %r, collector %r'
                      % (name, i, k, a.get(k), r.get(k)), file=sys.stderr)
    print(name, ':', len(recs), 'alerts,', sum(len(a) for a in alerts),
          'fields compared', file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
$PY - "$TMP/stats.json" <<'PYEOF' || fail "counters"
import json, sys
d = json.load(open(sys.argv[1]))['outputs']
assert d['syslog']['dropped'] == 0 and d['syslog']['waiting'] == 0, d
assert d['remote'][0]['dropped'] == 0, d
# Every DNS message has its event, the response of 8 answers of quotes
# too (8 KiB was too short for it: the record was lost, counted).
assert d['events']['errors'] == 0, d['events']
PYEOF
$PY - "$TMP/events.json" <<'PYEOF' || fail "a DNS message without its event"
import json, sys
dns = [json.loads(l)['dns'] for l in open(sys.argv[1]) if '"event_type":"dns"' in l]
resp = [d for d in dns if d['type'] == 'response']
assert len(dns) >= 9 and len(resp) == 1, (len(dns), len(resp))
assert len(resp[0]['answers']) == 8, resp[0]['answers']
PYEOF
echo "$me: PASS" >&2
