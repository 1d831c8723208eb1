#!/bin/bash
# Trust, item 2: the remote spool delivers after the privilege drop.
# The shipped tmpfiles layout (with a spool directory and segment of
# root's, as an older version left them), started as root with
# `user: canhgac`; the
# TLS collector (the shipped syslog-ng configuration) is down while all
# N alerts are spooled and comes up afterwards: every one of the N
# alerts reaches it (counted by sequence number), the spool's directory
# and files are the service user's, and nothing says Permission denied.
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_spool_drop
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
. "$top_srcdir/tests/e2e/trust_lib.sh"
tr_need
sl_init
N=200
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_pcap "$TMP/in.pcap" $N
R=$TMP/root
LOG=$R/var/log/canhgac
SPOOL=$R/var/lib/canhgac/spool/collector
tr_layout "$R"
# As an older version left it: the spool directory and a segment root's.
mkdir -m 750 "$SPOOL"
install -m 640 /dev/null "$SPOOL/0000000100000000.seg"
TR_DRAIN=60s tr_conf "$TMP/sensor.yaml" "$R" "$port"
"$CANHGACD" -v -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" --stats "$LOG/stats.json" \
	2>"$TMP/daemon.log" &
dpid=$!
SL_PIDS="$SL_PIDS $dpid"
# Every alert written, so every one is in the spool: the collector is down.
sl_wait_lines "$LOG/alerts.json" $N 30 || { cat "$TMP/daemon.log" >&2; fail "alerts not written"; }
sleep 1
kill -0 $dpid 2>/dev/null || { cat "$TMP/daemon.log" >&2; fail "daemon gone before the collector came up"; }
grep -q "running as user $SVC" "$TMP/daemon.log" || fail "no privilege drop"
sl_collector_start "$TMP/c"
wait $dpid || { cat "$TMP/daemon.log" >&2; fail "canhgacd failed"; }
out=$TMP/c/out/sensor-trust.json
sl_wait_lines "$out" $N 10
$PY - "$out" "$LOG/stats.json" $N <<'PYEOF' || { tail -20 "$TMP/daemon.log" >&2; fail "not every alert delivered"; }
import json, sys
out, stats, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
seqs = set()
try:
    seqs = {int(json.loads(l)['seq']) for l in open(out)}
except FileNotFoundError:
    pass
d = json.load(open(stats))['outputs']['remote'][0]
print('after the drop: %d of %d alerts delivered (spooled %d, replayed %d, '
      'pending %d, dropped %d)' % (len(seqs), n, d['spooled'], d['replayed'],
      d['spool_pending'], d['dropped']), file=sys.stderr)
assert d['spooled'] == n, 'the collector was not down: %d spooled' % d['spooled']
assert len(seqs) == n and d['spool_pending'] == 0 and d['dropped'] == 0
PYEOF
! grep -i "permission denied" "$TMP/daemon.log" || fail "Permission denied in the log"
bad_owner=$(find "$SPOOL" ! -user "$SVC" -print)
[ -z "$bad_owner" ] || fail "spool files not the service user's: $bad_owner"
echo "$me: PASS" >&2
