#!/bin/bash
# Learned baselines, beaconing and DNS tunnelling (issue 18, items 4-6),
# on captures tests/e2e/behaviour.py builds with scapy:
#  - two weeks of a peer's office-hours pulls, then a 20x pull at 02:05:
#    one baseline alert (1001501, level 3) saying the learned normal and
#    what was seen; the same two weeks and the usual pull: none;
#  - the same split over a restart: days 1-10 in one run, days 11-15 in
#    a second on the same state directory: one alert; the second run on
#    an empty state directory: none (the learning was kept);
#  - a 60-second beacon: one c2 alert (1001601), its jitter the largest
#    deviation from the interval it states; NTP every 64 s: none;
#  - a DNS tunnelling burst: one dns alert (1000604); office DNS: none;
#    the burst with each name given a nonce label that put its unkeyed
#    hash on one of 50 bits of the distinct names' map: one alert (the
#    map is keyed now; before, 50 names counted of 300 and none); the
#    burst's names as labels of 40 binary bytes: one alert (an escape
#    \xHH is one character of the entropy; before, its four: none); a
#    decoy burst under another domain first: two alerts (suppressed by
#    the registered domain; before, for the rule, the real one was held);
#  - bench's mixed capture (pcapgen) and every capture of tests/corpus at
#    level 5: no baseline, c2 or tunnelling alert;
#  - a baseline of application requests (a rule of this test): one alert
#    when a peer's HTTP requests in an hour pass 3x the learned ones;
#  - a flood of keys at limits.behaviour_memcap 1MB: every table bounded,
#    what it dropped counted (keys + evicted = keys sent);
#  - canhgacctl baselines on a live daemon shows what was learned, a
#    reload keeps it, and the stop writes it back.
. "${top_srcdir:?}/tests/e2e/lo_lib.sh"
CANHGACCTL=${CANHGACCTL:-$(dirname "$CANHGACD")/canhgacctl}
$PY -c 'import scapy' 2>/dev/null ||
  skip "python3-scapy is not installed (scripts/setup.sh installs it)"
GEN=${top_builddir:-$(dirname "$CANHGACD")}/bench/pcapgen
[ -x "$GEN" ] || skip "$GEN not built (make check builds it)"
lo_setup behave
$PY "$top_srcdir/tests/e2e/behaviour.py" "$tmp" ||
  { echo "FAIL: cannot build the captures"; exit 1; }
top=$(cd "$top_srcdir" && pwd)

# The rule-test configuration at LEVEL, with state directory STATE
# (none: no state) and behaviour_memcap MEMCAP.
conf() {
	sed -e "s|\.\./\.\./|$top/|g" \
	    -e "s|^\(\s*security_level:\).*|\1 $1|" \
	    -e "s|^\(\s*language: en\)$|\1\n  state_dir: $2|" \
	    -e "s|^\(\s*threshold_memcap:.*\)$|\1\n  behaviour_memcap: ${3:-32MB}|" \
	    "$top/tests/rules/canhgac-test.yaml" >"$tmp/conf-$4.yaml"
	echo "$tmp/conf-$4.yaml"
}
# replay CONF PCAP NAME: alerts into $tmp/NAME.json, stats $tmp/NAME.stats
replay() {
	rm -f "$tmp/$3.json"
	"$CANHGACD" -c "$1" -r "$tmp/$2.pcap" --alerts "$tmp/$3.json" \
	    --stats "$tmp/$3.stats" 2>"$tmp/$3.err" ||
	    { flunk "$3: canhgacd failed"; cat "$tmp/$3.err"; return 1; }
	if grep -qE "runtime error|Sanitizer" "$tmp/$3.err"; then
		flunk "$3: sanitizer report"; cat "$tmp/$3.err"
	fi
	touch "$tmp/$3.json"
}
# count NAME SID: alerts of SID in $tmp/NAME.json
count() { grep -c "\"signature_id\":$2," "$tmp/$1.json"; }
expect() {	# expect NAME SID N WHAT
	local n; n=$(count "$1" "$2")
	[ "$n" -eq "$3" ] && pass "$4 ($n alerts of $2)" ||
	    { flunk "$4: $n alerts of $2, expected $3"; cat "$tmp/$1.json"; }
}

mkdir "$tmp/s1" "$tmp/s2"
l3=$(conf 3 none 32MB l3)
replay "$l3" night night && expect night 1001501 1 "a 20x pull at 02:05 after two weeks of office hours"
$PY - "$tmp/night.json" <<'PYEOF' && pass "the alert says the learned normal and what was seen" || flunk "the baseline alert's record"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])][0]["alert"]
b = a["baseline"]
assert b["measure"] == "bytes" and b["never_active"] and b["normal"] == 0, b
assert 12000000 <= b["seen"] <= 12100000, b
assert "Monday 02:00" in a["message"] and "11.5 MB" in a["message"], a["message"]
assert "never active" in a["message"], a["message"]
PYEOF
replay "$l3" usual usual && expect usual 1001501 0 "the same two weeks and the usual pull"
[ -s "$tmp/usual.json" ] && { flunk "the usual traffic raised alerts"; cat "$tmp/usual.json"; }

# Across a restart: the learning of days 1-10 is kept in the state directory.
c1=$(conf 3 "$tmp/s1" 32MB s1)
replay "$c1" week1 week1 && expect week1 1001501 0 "days 1-10 (learning)"
grep -q "^1001501 " "$tmp/s1/baselines" &&
    pass "the state directory holds the learned baseline" ||
    flunk "no baseline of 1001501 in $tmp/s1/baselines"
replay "$c1" week2 week2 && expect week2 1001501 1 "days 11-15 after a restart: the 02:05 pull"
c2=$(conf 3 "$tmp/s2" 32MB s2)
replay "$c2" week2 fresh && expect fresh 1001501 0 "days 11-15 with nothing learned before (still learning)"

# Beaconing and DNS tunnelling, and their benign counterparts.
replay "$l3" beacon beacon && expect beacon 1001601 1 "a 60-second beacon"
# Its intervals are 60 s moved by up to 1.44 s, their mean 59.93 s: the
# alert's jitter is 61.44 - 59.93 (before, 2.3 s: 61.44 against 59.1,
# the mean of the run when it came).
$PY - "$tmp/beacon.json" <<'PYEOF' && pass "the beacon alert's interval and jitter are the capture's" || flunk "the beacon alert's numbers"
import json, sys
b = json.loads(open(sys.argv[1]).readline())["alert"]["beacon"]
assert b["connections"] == 10 and 59900 <= b["interval_ms"] <= 59960, b
assert 1500 <= b["jitter_ms"] <= 1520, b
PYEOF
replay "$l3" ntp ntp && expect ntp 1001601 0 "NTP every 64 s to the approved server"
[ -s "$tmp/ntp.json" ] && { flunk "NTP raised alerts"; cat "$tmp/ntp.json"; }
replay "$l3" tunnel tunnel && expect tunnel 1000604 1 "a DNS tunnelling burst"
grep -q '"domain":"exfil-lab.example"' "$tmp/tunnel.json" &&
    pass "the tunnel alert names the registered domain" ||
    flunk "the tunnel alert does not name exfil-lab.example"
replay "$l3" steered steered &&
    expect steered 1000604 1 "a tunnel's names steered onto few bits of FNV-1a"
replay "$l3" decoy decoy &&
    expect decoy 1000604 2 "a decoy tunnel, then the real one under another domain"
grep -q '"domain":"exfil-lab.example"' "$tmp/decoy.json" &&
    pass "the real tunnel is not held back by the decoy's suppression" ||
    flunk "the decoy's alert held back the real tunnel's"
replay "$l3" binary binary &&
    expect binary 1000604 1 "a tunnel's names of binary bytes, written \\xHH"
l5=$(conf 5 none 32MB l5)
replay "$l5" office office && expect office 1000614 0 "office DNS at level 5"
[ -s "$tmp/office.json" ] && { flunk "office DNS raised alerts"; cat "$tmp/office.json"; }

# bench's mixed capture: none of these rules speaks.
"$GEN" mixed -n 50000 -o "$tmp/mixed.pcap" >/dev/null 2>&1 || flunk "pcapgen"
replay "$l5" mixed mixed
n=$(grep -cE '"signature_id":(10015[0-9][0-9]|10016[0-9][0-9]|1000604|1000614),' "$tmp/mixed.json")
[ "$n" -eq 0 ] && pass "bench's mixed capture at level 5: no baseline, c2 or tunnel alert" ||
    { flunk "bench's mixed capture raised $n behaviour alerts"; grep -E '"signature_id":(10015|10016|1000604|1000614)' "$tmp/mixed.json" | head -3; }

n=0
for f in "$top/tests/corpus/real/"*; do
	"$CANHGACD" -c "$l5" -r "$f" --alerts - 2>/dev/null
done >"$tmp/corpus.json"
[ -s "$tmp/corpus.json" ] || flunk "the corpus gave no alert at all (was it read?)"
n=$(grep -cE '"signature_id":(10015[0-9][0-9]|10016[0-9][0-9]|1000604|1000614),' "$tmp/corpus.json")
[ "$n" -eq 0 ] && pass "tests/corpus at level 5: no baseline, c2 or tunnel alert" ||
    flunk "tests/corpus raised $n behaviour alerts"

# measure: requests, on HTTP requests (a rule of this test).
cat >"$tmp/req.rules" <<'EOF2'
rules:
  - sid: 9000001
    name: HTTP requests of a peer above its baseline
    category: baseline
    severity: low
    level: 1
    match: {app: http, dst: $population_db_gateway}
    baseline: {by: [src_ip], measure: requests, factor: 3, floor: 5, learn: 1d}
    message: "{src_ip} made {seen} {measure} in the hour of {hour}; normal {normal}"
    advice: "check {src_ip}"
EOF2
sed "s|^  - $top/rules/\*.yaml|  - $tmp/req.rules|" "$l3" >"$tmp/conf-req.yaml"
replay "$tmp/conf-req.yaml" requests requests &&
    expect requests 9000001 1 "40 HTTP requests where 10 were learned"
grep -q '"message":"10.20.2.15 made 31 requests in the hour of Monday 10:00; normal 10"' "$tmp/requests.json" &&
    pass "the requests alert says 31 requests against a normal of 10" ||
    { flunk "the requests alert's message"; cat "$tmp/requests.json"; }

# A flood of keys: every table bounded, evictions counted.
fl=$(conf 5 none 1MB flood)
replay "$fl" flood flood
$PY - "$tmp/flood.stats" <<'PYEOF' && pass "the flood of keys kept every table bounded, evictions counted" || flunk "behaviour tables under a flood"
import json, sys
b = json.load(open(sys.argv[1]))["rules"]["behaviour"]
print(b)
# 254 peers x 2 ports (two baseline rules at level 5: bytes and
# connections), 20000 destinations, 20000 domains.
for k, sent in (("baseline", 2 * 508), ("beacon", 20000),
                ("dns_tunnel", 20000)):
    assert 0 < b[k + "_keys"] < sent, (k, b)
    assert b[k + "_evicted"] > 0, (k, b)
    assert b[k + "_keys"] + b[k + "_evicted"] == sent, (k, b)
PYEOF

# canhgacctl baselines: a live daemon with the state of the restart test.
cat >"$tmp/live.yaml" <<EOF2
$(grep -v "^\s*capture" "$c1")
capture:
  - {interface: lo}
outputs:
  status: {socket: $tmp/ctl.sock}
EOF2
sed -i 's|^\s*json:.*||' "$tmp/live.yaml"
ip netns exec "$ns" "$CANHGACD" -v -c "$tmp/live.yaml" 2>"$tmp/live.err" &
dpid=$!
for _ in $(seq 300); do grep -q "running on" "$tmp/live.err" && break; sleep 0.1; done
if ! grep -q "running on" "$tmp/live.err"; then
	flunk "the live daemon did not start"; cat "$tmp/live.err"
else
	"$CANHGACCTL" -s "$tmp/ctl.sock" --json baselines >"$tmp/bl.json" ||
	    flunk "canhgacctl baselines --json"
	"$CANHGACCTL" -s "$tmp/ctl.sock" baselines >"$tmp/bl.txt" ||
	    flunk "canhgacctl baselines"
	$PY - "$tmp/bl.json" <<'PYEOF' && pass "canhgacctl baselines --json shows the learned week" || flunk "canhgacctl baselines --json"
import json, sys
j = json.load(open(sys.argv[1]))
b = [x for x in j["baselines"] if x["sid"] == 1001501]
assert len(b) == 1, j
b = b[0]
assert b["src_ip"] == "10.20.2.15" and b["dest_port"] == 443, b
# 5 weekdays x 4 office slots learned; Monday 09:00 is hour 9.
assert b["active_hours"] == 20 and b["hours"][9] > 600000, b
assert b["hours"][2] == 0 and b["learning"] is False, b
PYEOF
	grep -q "10.20.2.15 port 443" "$tmp/bl.txt" && grep -q "Mon 09:00 .. Fri 16:00" "$tmp/bl.txt" &&
	    pass "canhgacctl baselines prints the key and its week" ||
	    { flunk "canhgacctl baselines text"; cat "$tmp/bl.txt"; }
	"$CANHGACCTL" -s "$tmp/ctl.sock" reload >/dev/null ||
	    flunk "canhgacctl reload"
	"$CANHGACCTL" -s "$tmp/ctl.sock" --json baselines >"$tmp/bl2.json"
	$PY - "$tmp/bl.json" "$tmp/bl2.json" <<'PYEOF' && pass "a reload keeps what was learned" || flunk "a reload lost the baselines"
import json, sys
a, b = (json.load(open(f))["baselines"] for f in sys.argv[1:3])
assert a and a == b, (a, b)
PYEOF
	rm -f "$tmp/s1/baselines"
	kill -TERM "$dpid"; wait "$dpid"; dpid=
	grep -q "^1001501 " "$tmp/s1/baselines" &&
	    pass "the stop wrote the baselines back" ||
	    flunk "no baselines written at stop"
fi
exit $fail
