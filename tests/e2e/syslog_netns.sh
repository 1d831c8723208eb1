#!/bin/bash
# Alert delivery, test 7: two sensors in two network namespaces deliver
# to one collector (in a third namespace) over TLS; each alert lands in
# its sensor's file and comes from that sensor's address. Needs root;
# skips without it, except under CI=true, where that is a failure.
# Exit: 0 pass, 1 fail, 77 skip.
me=syslog_netns
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_need_root
sl_init
NS_C="cgsl-$$-c"; NS_1="cgsl-$$-1"; NS_2="cgsl-$$-2"
netns_cleanup() {
	sl_cleanup
	ip netns del "$NS_1" 2>/dev/null; ip netns del "$NS_2" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
}
trap netns_cleanup EXIT
N=1000
ip netns add "$NS_C" && ip netns add "$NS_1" && ip netns add "$NS_2" || fail "ip netns add"
for i in 1 2; do
	ns=$NS_1; [ $i = 2 ] && ns=$NS_2
	ip link add "cgc$$x$i" type veth peer name "cgs$$x$i" || fail "veth"
	ip link set "cgc$$x$i" netns "$NS_C"; ip link set "cgs$$x$i" netns "$ns"
	ip -n "$NS_C" addr add "10.98.$i.1/24" dev "cgc$$x$i"
	ip -n "$ns" addr add "10.98.$i.2/24" dev "cgs$$x$i"
	ip -n "$NS_C" link set "cgc$$x$i" up; ip -n "$ns" link set "cgs$$x$i" up
	ip -n "$ns" link set lo up
done
ip -n "$NS_C" link set lo up
sl_certs "$TMP/certs"
sl_collector_conf "$TMP/c" 6514 0.0.0.0
sl_collector_start "$TMP/c" "$NS_C"
sl_pcap "$TMP/in.pcap" $N
for i in 1 2; do
	ns=$NS_1; [ $i = 2 ] && ns=$NS_2
	sl_sensor_conf "$TMP/s$i.yaml" "sensor-$i" "  json: {path: $TMP/alerts$i.json}
  remote:
    - {host: 10.98.$i.1, port: 6514, transport: tls, ca: $TMP/certs/ca.pem,
       server_name: collector.test, spool: $TMP/spool$i, drain_timeout: 20s}"
	ip netns exec "$ns" "$CANHGACD" -c "$TMP/s$i.yaml" -r "$TMP/in.pcap" \
		2>"$TMP/d$i.log" &
	eval "p$i=\$!"
done
wait "$p1" || fail "sensor 1 failed"
wait "$p2" || fail "sensor 2 failed"
for i in 1 2; do
	sl_wait_lines "$TMP/c/out/sensor-$i.json" $N 20 || fail "sensor $i: $(wc -l <"$TMP/c/out/sensor-$i.json" 2>/dev/null) of $N"
done
$PY - "$TMP" $N <<'PYEOF' || fail "attribution"
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
for i in (1, 2):
    recs = [json.loads(l) for l in open('%s/c/out/sensor-%d.json' % (tmp, i))]
    assert len(recs) == n and len({r['seq'] for r in recs}) == n
    assert all(r['sensor'] == 'sensor-%d' % i for r in recs)
    assert all(r['collector']['peer'] == '10.98.%d.2' % i for r in recs), recs[0]['collector']
print('two sensors, %d alerts each, attributed by name and address' % n, file=sys.stderr)
PYEOF
echo "$me: PASS" >&2
