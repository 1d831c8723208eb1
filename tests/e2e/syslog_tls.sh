#!/bin/bash
# Alert delivery, test 5: a collector whose certificate is not signed by
# the configured CA, or does not match server_name, is refused and the
# reason is reported; nothing reaches it in plaintext; the alerts stay
# in the spool. Exit: 0 pass, 1 fail, 77 skip.
me=syslog_tls
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=200
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_collector_start "$TMP/c"
sl_pcap "$TMP/in.pcap" $N
check() {	# NAME CA SERVER_NAME EXPECTED-IN-LOG
	sl_sensor_conf "$TMP/$1.yaml" "sensor-$1" "  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $2,
       server_name: $3, spool: $TMP/spool-$1, drain_timeout: 2s}"
	"$CANHGACD" -c "$TMP/$1.yaml" -r "$TMP/in.pcap" --stats "$TMP/$1.stats" \
		2>"$TMP/$1.log" || fail "$1: canhgacd failed"
	grep -q "$4" "$TMP/$1.log" || { cat "$TMP/$1.log" >&2; fail "$1: refusal not reported"; }
	[ ! -e "$TMP/c/out/sensor-$1.json" ] || fail "$1: alerts reached an unverified collector"
	$PY - "$TMP/$1.stats" $N <<'PYEOF' || fail "$1: counters"
import json, sys
d = json.load(open(sys.argv[1]))['outputs']['remote'][0]
assert d['sent'] == 0 and d['connects'] == 0 and d['connect_failures'] > 0, d
assert d['spool_pending'] == int(sys.argv[2]), d
assert 'certificate' in d['last_error'], d
print(d['last_error'], file=sys.stderr)
PYEOF
}
check wrongca "$TMP/certs/other-ca.pem" collector.test "certificate verification failed"
check wrongname "$TMP/certs/ca.pem" other.test "certificate verification failed: hostname mismatch"
# And the right CA and name work, against the same collector.
check_ok() {
	sl_sensor_conf "$TMP/ok.yaml" sensor-ok "  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       server_name: collector.test, spool: $TMP/spool-ok, drain_timeout: 10s}"
	"$CANHGACD" -c "$TMP/ok.yaml" -r "$TMP/in.pcap" 2>"$TMP/ok.log" || fail "ok: canhgacd failed"
	sl_wait_lines "$TMP/c/out/sensor-ok.json" $N 10 || fail "ok: not delivered"
}
check_ok
echo "$me: PASS" >&2
