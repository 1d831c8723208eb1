#!/bin/bash
# A SIGHUP reload builds its rule set beside the loop (Trust 8): one rule
# file is a FIFO that the test holds closed, so the reload's rule load
# waits for as long as the test likes. Meanwhile the status socket
# answers within a second, capture and matching go on (alerts keep
# coming, no pcap drops); once the file arrives the new rules are in.
# A sanitizer report fails the test.
. "${top_srcdir:?}/tests/e2e/lo_lib.sh"
CANHGACCTL=${CANHGACCTL:-$(dirname "$CANHGACD")/canhgacctl}
lo_setup reloadnb
fx=$top_srcdir/tests/e2e/fixtures
cp "$fx/catalog.yaml" "$tmp/catalog.yaml" || { echo "FAIL: $fx missing"; exit 1; }
cp "$fx/udp9999.rules" "$tmp/rules.yaml"
# The second rule file, as it will be after the reload: UDP to 9997.
sed 's/sid: 42/sid: 61/; s/9999/9997/' "$fx/udp9999.rules" >"$tmp/later.rules"
printf 'rules: []\n' >"$tmp/first.rules"
mkfifo "$tmp/slow.yaml"
cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: reload-nb, catalog: catalog.yaml, state_dir: none}
capture:
  - {interface: lo}
rules: [rules.yaml, slow.yaml]
outputs:
  json: {path: alerts.json}
  status: {socket: $tmp/ctl.sock}
EOF
ctl() { "$CANHGACCTL" -s "$tmp/ctl.sock" "$@"; }
feed() { timeout 60 cp "$1" "$tmp/slow.yaml"; }

feed "$tmp/first.rules" &
ip netns exec "$ns" "$CANHGACD" -v -c "$tmp/canhgac.yaml" \
    --stats "$tmp/stats.json" 2>"$tmp/daemon.err" &
dpid=$!
for _ in $(seq 300); do grep -q "running on" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "running on" "$tmp/daemon.err" || { cat "$tmp/daemon.err"; echo "FAIL: no start"; exit 1; }
ip netns exec "$ns" $PY -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 40
while time.time() < end:
    for _ in range(10):
        s.sendto(b"x", ("127.0.0.1", 9999)); s.sendto(b"y", ("127.0.0.1", 9997))
    time.sleep(0.1)
' &
tpid=$!
cleanup_traffic() { kill "$tpid" 2>/dev/null; }
sleep 1

kill -HUP "$dpid"
for _ in $(seq 100); do grep -q "reloading" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "reloading" "$tmp/daemon.err" && pass "SIGHUP: the reload started" || flunk "no reload started"
a1=$(wc -l <"$tmp/alerts.json")
slow=0
for i in 1 2 3 4 5; do
	start=$(date +%s%N)
	if ! timeout 5 "$CANHGACCTL" -s "$tmp/ctl.sock" status >/dev/null 2>&1; then
		slow=$((slow + 1))
	elif [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 1000 ]; then
		slow=$((slow + 1))
	fi
	sleep 0.5
done
a2=$(wc -l <"$tmp/alerts.json")
grep -q "reloaded" "$tmp/daemon.err" && flunk "the reload ended before its rule file came"
[ "$slow" -eq 0 ] && pass "status answered 5 times within a second during the reload" ||
    flunk "$slow of 5 status queries took over a second or failed during the reload"
[ "$a2" -gt "$a1" ] && pass "alerts went on during the reload ($a1 -> $a2)" ||
    flunk "no alerts during the reload ($a1 -> $a2)"
grep -q '"signature_id":61' "$tmp/alerts.json" && flunk "rule 61 alerted before the reload"

feed "$tmp/later.rules"
for _ in $(seq 100); do grep -q "reloaded" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "reloaded $tmp/canhgac.yaml" "$tmp/daemon.err" && pass "the reload finished once its file came" ||
    flunk "reload did not finish: $(tail -2 "$tmp/daemon.err")"
for _ in $(seq 50); do grep -q '"signature_id":61' "$tmp/alerts.json" && break; sleep 0.1; done
grep -q '"signature_id":61' "$tmp/alerts.json" && pass "the new rule 61 alerts" || flunk "rule 61 never alerted"

# A reload through the socket, and stop (the FIFO fed for each load).
feed "$tmp/later.rules" &
out=$(ctl reload 2>&1) && pass "canhgacctl reload: $out" || flunk "canhgacctl reload: $out"
cleanup_traffic
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=
[ "$rc" -eq 0 ] && pass "daemon exited 0" || flunk "daemon exit status $rc"
$PY -c 'import json, sys
st = json.load(open(sys.argv[1])); i = st["interfaces"][0]
sys.exit(0 if i["pcap_dropped"] == 0 and i["packets"] > 0 else 1)' "$tmp/stats.json" &&
    pass "no pcap drops" || flunk "pcap drops or no packets"
if grep -qE "Sanitizer|runtime error" "$tmp/daemon.err"; then
	flunk "sanitizer report"; grep -A20 -E "Sanitizer|runtime error" "$tmp/daemon.err" | head -40
fi
exit $fail
