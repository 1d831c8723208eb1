#!/bin/bash
# A reload builds its rule set beside the loop (Trust 8): one rule file
# is a FIFO that the test holds closed, so the reload's rule load waits
# for as long as the test likes. Meanwhile the status socket answers
# within a second, capture and matching go on (alerts keep coming, no
# pcap drops); once the file arrives the new rules are in. The same for
# a SIGHUP, `canhgacctl reload` and `canhgacctl list add` (each answers
# once its reload ended), and a list add whose reload fails puts the
# list file back. A list file that is a FIFO is refused by list add at
# once (the loop waited on it). A sanitizer report fails the test.
. "${top_srcdir:?}/tests/e2e/lo_lib.sh"
CANHGACCTL=${CANHGACCTL:-$(dirname "$CANHGACD")/canhgacctl}
lo_setup reloadnb
fx=$top_srcdir/tests/e2e/fixtures
cp "$fx/catalog.yaml" "$tmp/catalog.yaml" || { echo "FAIL: $fx missing"; exit 1; }
cp "$fx/udp9999.rules" "$tmp/rules.yaml"
# The second rule file, as it will be after the reload: UDP to 9997.
sed 's/sid: 42/sid: 61/; s/9999/9997/' "$fx/udp9999.rules" >"$tmp/later.rules"
printf 'rules: []\n' >"$tmp/first.rules"
printf 'rules: [\n' >"$tmp/broken.rules"
printf '# indicators\n192.0.2.1\n' >"$tmp/ioc-ips.txt"
mkfifo "$tmp/slow.yaml"
cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: reload-nb, catalog: catalog.yaml, state_dir: none}
capture:
  - {interface: lo}
rules: [rules.yaml, slow.yaml]
assets:
  ioc_ips: {file: ioc-ips.txt}
outputs:
  json: {path: alerts.json}
  status: {socket: $tmp/ctl.sock}
EOF
ctl() { "$CANHGACCTL" -s "$tmp/ctl.sock" "$@"; }
feed() { timeout 60 cp "$1" "$tmp/slow.yaml"; }
# During a reload held back by its rule file: status answers within a
# second each time, and alerts go on.
status_during() {
	local slow=0 a1 a2 i start
	a1=$(wc -l <"$tmp/alerts.json")
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
	[ "$slow" -eq 0 ] && pass "$1: status answered 5 times within a second" ||
	    flunk "$1: $slow of 5 status queries took over a second or failed"
	[ "$a2" -gt "$a1" ] && pass "$1: alerts went on ($a1 -> $a2)" ||
	    flunk "$1: no alerts ($a1 -> $a2)"
}

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
status_during SIGHUP
grep -q "reloaded" "$tmp/daemon.err" && flunk "the reload ended before its rule file came"
grep -q '"signature_id":61' "$tmp/alerts.json" && flunk "rule 61 alerted before the reload"

feed "$tmp/later.rules"
for _ in $(seq 100); do grep -q "reloaded" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "reloaded $tmp/canhgac.yaml" "$tmp/daemon.err" && pass "the reload finished once its file came" ||
    flunk "reload did not finish: $(tail -2 "$tmp/daemon.err")"
for _ in $(seq 50); do grep -q '"signature_id":61' "$tmp/alerts.json" && break; sleep 0.1; done
grep -q '"signature_id":61' "$tmp/alerts.json" && pass "the new rule 61 alerts" || flunk "rule 61 never alerted"

# Requests through the socket whose reload waits for the FIFO: status
# answers meanwhile, and the request itself answers only once the rule
# file came.
# held WHAT RULEFILE CTL-ARGS...: the request's answer in $tmp/held.out.
held() {
	local what=$1 file=$2
	shift 2
	ctl -t 60 "$@" >"$tmp/held.out" 2>&1 &
	local hpid=$!
	sleep 0.5
	status_during "$what"
	kill -0 "$hpid" 2>/dev/null && pass "$what: no answer before its rule file came" ||
	    flunk "$what answered before its reload could finish: $(cat "$tmp/held.out")"
	feed "$file"
	wait "$hpid"
}

held "canhgacctl reload" "$tmp/later.rules" reload &&
    pass "canhgacctl reload answered once done: $(cat "$tmp/held.out")" ||
    flunk "canhgacctl reload: $(cat "$tmp/held.out")"
held "list add" "$tmp/later.rules" list add ioc_ips 203.0.113.7 &&
    grep -qx "203.0.113.7" "$tmp/ioc-ips.txt" &&
    pass "list add answered once reloaded: $(tr '\n' ' ' <"$tmp/held.out")" ||
    flunk "list add: $(cat "$tmp/held.out")"
cp "$tmp/ioc-ips.txt" "$tmp/ioc-before"
held "list add, failing reload" "$tmp/broken.rules" list add ioc_ips 203.0.113.8 &&
    flunk "list add with a broken rule file succeeded: $(cat "$tmp/held.out")"
grep -q "restored" "$tmp/held.out" && cmp -s "$tmp/ioc-ips.txt" "$tmp/ioc-before" &&
    pass "the failed list add put the list file back: $(cat "$tmp/held.out")" ||
    flunk "list file not restored: $(cat "$tmp/held.out"); $(cat "$tmp/ioc-ips.txt")"
# The list file itself a FIFO (whoever writes the list's directory can
# put one there): list add refuses it at once, and the loop goes on.
# It opened the FIFO on the loop and waited there for a writer: status
# and capture stopped.
mv "$tmp/ioc-ips.txt" "$tmp/ioc-keep"
mkfifo "$tmp/ioc-ips.txt"
ctl -t 5 list add ioc_ips 203.0.113.9 >"$tmp/fifo.out" 2>&1 &
fpid=$!
sleep 0.5
status_during "list add, the list a FIFO"
wait "$fpid"
frc=$?
# Unblock a daemon that waits on it, and its reload then waiting on
# the rule file, so that the rest can run.
timeout 2 sh -c ": >'$tmp/ioc-ips.txt'" 2>/dev/null &&
    feed "$tmp/later.rules"
[ "$frc" -ne 0 ] && grep -q "not a regular file" "$tmp/fifo.out" &&
    pass "list add on a FIFO refused: $(cat "$tmp/fifo.out")" ||
    flunk "list add on a FIFO (exit $frc): $(cat "$tmp/fifo.out")"
rm -f "$tmp/ioc-ips.txt"
mv "$tmp/ioc-keep" "$tmp/ioc-ips.txt"
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
