#!/bin/bash
# Alert delivery faults: the remote spool directory on a small tmpfs that
# fills up while the collector is down. The capture is fed through a FIFO
# in two parts: the first fills the disk (alerts the spool cannot take
# are counted as lost, said once in the log and raise the `sensor` alert
# output_drops once, though the disk stays full for over three minutes of
# packet time after it: the rule's suppression; capture goes on, every
# packet is decoded); then space is freed and the second part is spooled again ("spooling again" in the
# log). A second run with the collector up delivers everything the spool
# kept, the second part included. Exit: 0 pass, 1 fail, 77 skip.
me=faults_spool
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
sl_need_root
N1=3000 N2=200
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
# 100 ms apart: the first part is 300 s of packet time, the disk full for
# most of it, so the once-a-minute output_drops event is raised several
# times and only the rule's suppression keeps it to one alert.
GAP_US=100000
sl_pcap "$TMP/all.pcap" $((N1 + N2)) 10.20.5 $GAP_US
mkdir -p "$TMP/spool"
mount -t tmpfs -o size=1m tmpfs "$TMP/spool" || fail "cannot mount a tmpfs"
trap 'umount "$TMP/spool" 2>/dev/null; sl_cleanup' EXIT
# A filler takes a quarter of the disk, to be freed later.
dd if=/dev/zero of="$TMP/spool/filler" bs=1k count=256 2>/dev/null
cp "$top_srcdir/rules/sensor.yaml" "$TMP/sensor-rules.yaml"
sl_sensor_conf "$TMP/sensor.yaml" sensor-s "  json: {path: $TMP/alerts.json}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool, spool_max: 64MB, drain_timeout: 1s}"
sed -i "s|^  - $TMP/rules.yaml|  - $TMP/rules.yaml\n  - $TMP/sensor-rules.yaml|" "$TMP/sensor.yaml"
mkfifo "$TMP/in.fifo"
# The writer: N1 packets, then waits for $TMP/go, then the last N2.
$PY - "$TMP/all.pcap" "$TMP/in.fifo" $N1 "$TMP/go" <<'PYEOF' &
import os, struct, sys, time
data = open(sys.argv[1], 'rb').read()
off, n1 = 24, int(sys.argv[3])
for _ in range(n1):
    off += 16 + struct.unpack_from('<I', data, off + 8)[0]
with open(sys.argv[2], 'wb') as f:
    f.write(data[:off]); f.flush()
    while not os.path.exists(sys.argv[4]):
        time.sleep(0.1)
    f.write(data[off:])
PYEOF
wpid=$!
SL_PIDS="$SL_PIDS $wpid"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.fifo" --stats "$TMP/stats.json" \
	2>"$TMP/daemon.log" &
dpid=$!
SL_PIDS="$SL_PIDS $dpid"
for _ in $(seq 100); do
	grep -q "cannot write to the spool" "$TMP/daemon.log" && break
	sleep 0.1
done
grep -q "cannot write to the spool" "$TMP/daemon.log" ||
	{ cat "$TMP/daemon.log" >&2; fail "the spool never hit the full disk"; }
info "disk full: $(df -k "$TMP/spool" | awk 'NR==2 {print $3 " KiB used of " $2}')"
sleep 1
rm -f "$TMP/spool/filler"
touch "$TMP/go"
wait $wpid
wait $dpid || { cat "$TMP/daemon.log" >&2; fail "canhgacd failed (status $?)"; }
grep -E "spool|remote" "$TMP/daemon.log" | sed 's/^/  /' >&2
$PY - "$TMP" $N1 $N2 $GAP_US <<'PYEOF' || fail "spool disk-full accounting"
import datetime, json, sys
tmp, n1, n2, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
st = json.load(open(tmp + '/stats.json'))
d = st['outputs']['remote'][0]
log = open(tmp + '/daemon.log').read()
alerts = [json.loads(l) for l in open(tmp + '/alerts.json')]
sens = [a for a in alerts if a['alert'].get('sensor_event') == 'output_drops']
print('spool on a full tmpfs: %d alerts, spooled %d, lost to the full disk %d '
      '(spool_errors), dropped by spool_max %d, pending %d; packets %d; '
      'sensor alerts %d: %s' % (n1 + n2, d['spooled'], d['spool_errors'],
      d['dropped'], d['spool_pending'], st['decode']['packets'], len(sens),
      sens[0]['alert']['message'] if sens else '-'), file=sys.stderr)
assert st['decode']['packets'] == n1 + n2, 'capture incomplete'
assert st['outputs']['json']['written'] >= n1 + n2
assert d['spool_errors'] > 0, 'no spool write error counted'
# Every alert (the sensor's own included) is spooled or counted lost.
assert d['spooled'] + d['spool_errors'] == st['outputs']['json']['written'], 'alerts neither spooled nor counted'
assert d['spool_pending'] == d['spooled'], d
assert len(sens) == 1, 'expected one output_drops sensor alert, got %d' % len(sens)
# The outage lasted minutes of packet time after that alert (the disk
# stays full until the last packet of the first part): the event was
# raised again each minute, and 1001104's suppress kept it to one alert.
def ts(a):
    return datetime.datetime.fromisoformat(a['timestamp'].replace('Z', '+00:00')).timestamp()
first = [ts(a) for a in alerts if a['alert'].get('sensor_event') is None]
end = min(first) + (n1 - 1) * gap / 1e6
span = end - ts(sens[0])
print('outage after the output_drops alert: %.0f s of packet time' % span, file=sys.stderr)
assert span >= 180, 'the outage is too short to test the suppression: %.0f s' % span
assert log.count('cannot write to the spool (') == 1, 'the error should be said once'
assert 'spooling again' in log, 'no recovery in the log'
PYEOF
# The collector comes back: everything kept is delivered, the second part too.
sl_collector_start "$TMP/c"
sl_pcap "$TMP/empty.pcap" 0
sed -i 's/drain_timeout: 1s/drain_timeout: 20s/' "$TMP/sensor.yaml"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/empty.pcap" --stats "$TMP/stats2.json" \
	2>"$TMP/daemon2.log" || fail "second run failed"
out="$TMP/c/out/sensor-s.json"
kept=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"]["remote"][0]["spool_pending"])' "$TMP/stats.json")
sl_wait_lines "$out" "$kept" 20 || fail "only $(wc -l <"$out") of $kept delivered"
$PY - "$TMP" $N1 $N2 "$kept" <<'PYEOF' || fail "delivery after the disk-full episode"
import json, sys
tmp, n1, n2, kept = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
recs = [json.loads(l) for l in open(tmp + '/c/out/sensor-s.json')]
print('delivered after recovery: %d of %d kept' % (len(recs), kept), file=sys.stderr)
assert len(recs) >= kept >= n2, (len(recs), kept)
PYEOF
echo "$me: PASS" >&2
