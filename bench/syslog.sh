#!/bin/bash
# Alerts per second delivered over TLS to a real syslog-ng running the
# shipped collector configuration (a benchmark, not a test).
#   bench/syslog.sh [ALERTS]     (default 200000; run from the source tree
#                                 after building in build/)
# The time runs from the daemon's start until the collector has written
# the last alert, so it includes the spool when the sensor outruns the
# connection.
set -u
me=bench-syslog
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
CANHGACD=${CANHGACD:-$top_srcdir/build/canhgacd}
. "$top_srcdir/tests/e2e/syslog_lib.sh"
sl_init
N=${1:-200000}
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_collector_start "$TMP/c"
sl_pcap "$TMP/in.pcap" "$N"
sl_sensor_conf "$TMP/sensor.yaml" bench "  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool, drain_timeout: 300s}"
t0=$(date +%s.%N)
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" 2>"$TMP/daemon.log" || fail "canhgacd failed"
sl_wait_lines "$TMP/c/out/bench.json" "$N" 300 || fail "not all delivered"
t1=$(date +%s.%N)
echo "$N alerts delivered over TLS to syslog-ng in $(echo "$t1 - $t0" | bc) s:" \
	"$(echo "$N / ($t1 - $t0)" | bc) alerts/s"
