#!/bin/bash
# Alert delivery, test 3: with the collector down the daemon spools its
# alerts and is killed (SIGKILL) with a non-empty spool; restarted with
# the collector up, it delivers the spool. Exit: 0 pass, 1 fail, 77 skip.
me=syslog_restart
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=3000
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_pcap "$TMP/in.pcap" $N
sl_pcap "$TMP/empty.pcap" 0
sl_sensor_conf "$TMP/sensor.yaml" sensor-r "  json: {path: $TMP/alerts.json}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool, backoff_max: 1s, drain_timeout: 60s}"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" 2>"$TMP/daemon1.log" &
dpid=$!
SL_PIDS="$SL_PIDS $dpid"
sl_wait_lines "$TMP/alerts.json" $N 30 || fail "first run made no alerts"
sleep 1.5
kill -KILL $dpid
wait $dpid 2>/dev/null
ls "$TMP"/spool/*.seg >/dev/null 2>&1 || fail "no spool after the kill"
info "killed with $(cat "$TMP"/spool/*.seg | wc -c) bytes spooled"
sl_collector_start "$TMP/c"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/empty.pcap" --stats "$TMP/stats.json" \
	2>"$TMP/daemon2.log" || { cat "$TMP/daemon2.log" >&2; fail "restart failed"; }
out="$TMP/c/out/sensor-r.json"
sl_wait_lines "$out" $N 30 || fail "only $(wc -l <"$out" 2>/dev/null) of $N delivered after the restart"
$PY - "$out" $N "$TMP/stats.json" <<'PYEOF' || fail "spool not delivered"
import json, sys
seqs = [int(json.loads(l)['seq']) for l in open(sys.argv[1])]
n = int(sys.argv[2])
u = sorted(set(seqs))
assert len(u) == n and u[-1] - u[0] == n - 1, (len(u), u[:3], u[-3:])
assert seqs == sorted(seqs)
d = json.load(open(sys.argv[3]))['outputs']['remote'][0]
assert d['replayed'] >= n and d['spool_pending'] == 0, d
print('restart: %d spooled alerts delivered after kill -9, %d duplicates' % (n, len(seqs) - n), file=sys.stderr)
PYEOF
echo "$me: PASS" >&2
