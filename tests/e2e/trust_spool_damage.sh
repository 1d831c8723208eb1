#!/bin/bash
# Trust, item 6: a damaged spool is not silent. N alerts are spooled
# while the collector is down; then the spool is damaged: the cursor
# points past the last segment, the seq file is lowered to 1, and a
# middle segment loses its last bytes. At the next start, with the
# collector up and M new alerts: every intact spooled alert is delivered
# (all but the one torn frame), the new alerts get numbers no old alert
# had, the daemon logs each damage with its count, --stats counts the
# loss (spool_corrupt) and an output_drops sensor alert says so.
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_spool_damage
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=400
M=50
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_pcap "$TMP/a.pcap" $N 10.20.5
sl_pcap "$TMP/b.pcap" $M 10.20.6
SPOOL=$TMP/spool
sl_sensor_conf "$TMP/sensor.yaml" sensor-d "  json: {path: $TMP/alerts.json}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $SPOOL, spool_max: 1MB, backoff_max: 1s, drain_timeout: 1s}"
cp "$top_srcdir/rules/sensor.yaml" "$TMP/sensor-rules.yaml"
sed -i "s|^  - $TMP/rules.yaml|  - $TMP/rules.yaml\n  - $TMP/sensor-rules.yaml|" "$TMP/sensor.yaml"
# Run 1: the collector is down; everything stays in the spool.
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/a.pcap" --stats "$TMP/1.stats" \
	2>"$TMP/1.log" || { cat "$TMP/1.log" >&2; fail "run 1 failed"; }
segs=($(ls "$SPOOL" | grep '\.seg$' | sort))
[ ${#segs[@]} -ge 3 ] || fail "expected 3 or more segments, got ${#segs[@]}"
read -r cseg coff <"$SPOOL/cursor" || fail "no cursor"
[ "$coff" = 0 ] || fail "run 1 delivered something (cursor $cseg $coff)"
# The damage: the cursor past the last segment (ids are hex in names).
last=${segs[${#segs[@]} - 1]}
echo "$((16#${last%.seg} + 1000)) 0" >"$SPOOL/cursor"
echo 1 >"$SPOOL/seq"
mid=$SPOOL/${segs[1]}
truncate -s $(($(stat -c %s "$mid") - 7)) "$mid"
# Run 2: the collector is up.
sl_collector_start "$TMP/c"
sed -i 's/drain_timeout: 1s/drain_timeout: 30s/' "$TMP/sensor.yaml"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/b.pcap" --stats "$TMP/2.stats" \
	2>"$TMP/2.log" || { cat "$TMP/2.log" >&2; fail "run 2 failed"; }
out=$TMP/c/out/sensor-d.json
sl_wait_lines "$out" $((N - 1 + M + 1)) 10
grep -q "the cursor (segment .*) points past the last segment (${last%.seg}); resending the $((N - 1)) alert" "$TMP/2.log" ||
	{ cat "$TMP/2.log" >&2; fail "cursor damage not logged with its count"; }
grep -q "the seq file (1) is behind the segments (sequence number $N); continuing at $((N + 1))" "$TMP/2.log" ||
	{ cat "$TMP/2.log" >&2; fail "seq damage not logged"; }
grep -q "segment ${segs[1]%.seg}: .* cannot be read; at least 1 alert lost" "$TMP/2.log" ||
	{ cat "$TMP/2.log" >&2; fail "truncated segment not logged"; }
$PY - "$out" "$TMP/2.stats" "$TMP/alerts.json" $N $M <<'PYEOF' || { tail -20 "$TMP/2.log" >&2; fail "damage not handled"; }
import json, sys
out, stats, alerts, n, m = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
by_seq = {}
for l in open(out):
    r = json.loads(l)
    by_seq.setdefault(int(r['seq']), set()).add(r.get('src_ip'))
old = [s for s, ips in by_seq.items() if '10.20.5.1' in ips]
new = [s for s, ips in by_seq.items() if '10.20.6.1' in ips]
reused = [s for s, ips in by_seq.items() if len(ips) > 1]
d = json.load(open(stats))['outputs']['remote'][0]
sens = [json.loads(l) for l in open(alerts)]
sens = [a for a in sens if a['alert'].get('sensor_event') == 'output_drops']
print('damaged spool: %d of %d old alerts delivered, %d of %d new, %d '
      'numbers reused; spool_corrupt %d; output_drops alerts %d' % (
      len(old), n, len(new), m, len(reused), d.get('spool_corrupt', -1),
      len(sens)), file=sys.stderr)
assert len(old) == n - 1, 'intact spooled alerts skipped'
assert len(new) == m and not reused, 'sequence numbers repeated'
assert min(new) > max(old), 'new numbers not after the old ones'
assert d['spool_corrupt'] == 1, d
assert len(sens) >= 1, 'no output_drops sensor alert'
print('sensor alert: %s' % sens[0]['alert']['message'], file=sys.stderr)
PYEOF
echo "$me: PASS" >&2
