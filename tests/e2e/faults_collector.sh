#!/bin/bash
# Alert delivery faults: a collector that stalls. syslog-ng is stopped
# with SIGSTOP (the TLS connection stays open, nothing is read: the
# slowest possible collector) for 15 s while 50k alerts are made, then
# continued. The sensor must not wait for it: every packet is decoded and
# every alert written locally while it is stalled, within
# CG_STALL_LOCAL_MAX seconds (default 3; not checked under
# AddressSanitizer, which has up to 60 s) of the stall; the backlog goes
# to the spool; afterwards every alert arrives exactly once by sequence
# number (repeats from the resend window are counted), none dropped.
# Exit: 0 pass, 1 fail, 77 skip.
me=faults_collector
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=${CG_STALL_ALERTS:-50000}
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_collector_start "$TMP/c"
sl_pcap "$TMP/in.pcap" $N
sl_sensor_conf "$TMP/sensor.yaml" sensor-st "  json: {path: $TMP/alerts.json}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool, backoff_max: 1s, drain_timeout: 120s}"
out="$TMP/c/out/sensor-st.json"
# The plain build writes the rest locally in 0.3-0.6 s (2 shared CPUs).
bound=${CG_STALL_LOCAL_MAX:-3}
asan=0
if ldd "$CANHGACD" 2>/dev/null | grep -q libasan || grep -qa __asan_init "$CANHGACD"; then
	asan=1
fi
cpid=$(cat "$TMP/c/bgpid")
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" --stats "$TMP/stats.json" \
	2>"$TMP/daemon.log" &
dpid=$!
SL_PIDS="$SL_PIDS $dpid"
sl_wait_lines "$out" 1000 30 || fail "nothing arrived before the stall"
kill -STOP "$cpid"
trap 'kill -CONT $cpid 2>/dev/null; sl_cleanup' EXIT
t0=$(date +%s.%N)
# Everything is decoded and written locally while the collector stalls.
for _ in $(seq 3000); do	# 60 s: ASan builds are slow
	[ "$(wc -l <"$TMP/alerts.json")" -ge "$N" ] && break
	sleep 0.02
done
local_n=$(wc -l <"$TMP/alerts.json")
t1=$(date +%s.%N)
secs=$(echo "$t1 - $t0" | bc)
info "collector stalled; $local_n alerts written locally in $secs s (bound $bound s$([ $asan = 1 ] && echo ', not checked under ASan'))"
[ "$local_n" -ge "$N" ] || fail "only $local_n of $N alerts written while the collector stalled"
if [ $asan = 0 ] && [ "$(echo "$secs > $bound" | bc)" = 1 ]; then
	fail "the alerts took $secs s to be written locally with the collector stalled, bound $bound s"
fi
sleep 15
kill -CONT "$cpid"
wait $dpid || { cat "$TMP/daemon.log" >&2; fail "canhgacd failed"; }
sl_wait_lines "$out" $N 60 || fail "only $(wc -l <"$out") of $N lines"
sleep 1
$PY - "$TMP" $N <<'PYEOF' || { tail -20 "$TMP/daemon.log" >&2; fail "delivery incomplete"; }
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
seqs = [int(json.loads(l)['seq']) for l in open(tmp + '/c/out/sensor-st.json')]
st = json.load(open(tmp + '/stats.json'))
d = st['outputs']['remote'][0]
uniq = set(seqs)
print('stalled collector: %d alerts, %d lines delivered, %d unique, %d repeats '
      '(resent %d), spooled %d, replayed %d, dropped %d, packets decoded %d' % (
      n, len(seqs), len(uniq), len(seqs) - len(uniq), d['resent'], d['spooled'],
      d['replayed'], d['dropped'], st['decode']['packets']), file=sys.stderr)
assert st['decode']['packets'] == n
assert len(uniq) == n and max(uniq) - min(uniq) == n - 1, 'lost alerts'
assert d['dropped'] == 0 and d['spool_errors'] == 0
assert d['spooled'] > 0, 'the stall never reached the spool'
PYEOF
echo "$me: PASS" >&2
