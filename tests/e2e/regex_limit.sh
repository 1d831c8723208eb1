#!/bin/bash
# PCRE2 limits: a payload rule `^(x+x+)+$` against 500 UDP payloads of 26
# `x` and a `z` (each one an exponential backtrack: 16 ms a packet under
# PCRE2's own limit of ten million steps, 8 s in all) must finish in well
# under 2 s of packet-path time under limits.regex_match_limit; the 500
# packets are counted against the rule in --stats
# (rules.per_rule[].regex_limited), a `regex_limit` sensor alert (1001106)
# names the rule and its advice (English and Vietnamese) names --stats
# keys that count it, and a payload the pattern matches still alerts. Then a
# tighter limits.regex_match_limit is honoured, and a looser one, back
# at PCRE2's default, is as slow as before (so the limit is what helps).
# And an unanchored pattern over 1,400-byte datagrams and over a TCP
# stream sent one byte a segment stays bounded.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3

[ -x "$CANHGACD" ] || { echo "FAIL: no daemon at $CANHGACD"; exit 1; }
. "$top_srcdir/tests/e2e/skip_lib.sh"
[ -x "$PY" ] || skip "$PY missing"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-regex-limit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {	# what command...
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

# 500 hostile payloads over 5 s of packet time, then one that matches
# (classic pcap, Ethernet, IPv4 with its checksum, UDP without one).
$PY - "$tmp/hostile.pcap" <<'PYEOF' || { echo "FAIL: writing the capture"; exit 1; }
import struct, sys

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff

def frame(sport, payload):
    udp = struct.pack("!HHHH", sport, 9999, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([192, 0, 2, 7]), bytes([198, 51, 100, 9]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp

with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    t = 1767225600 * 1000000
    pkts = [(t + i * 10000, frame(40000 + i, b"x" * 26 + b"z")) for i in range(500)]
    pkts.append((t + 6000000, frame(41000, b"xxxx")))
    for us, fr in pkts:
        f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(fr), len(fr)) + fr)
PYEOF

cat >"$tmp/hostile.rules" <<'EOF2'
rules:
  - sid: 9000001
    name: backtracking payload pattern
    category: anomaly
    severity: low
    level: 1
    match: {proto: udp, dst_port: 9999, payload: {regex: '^(x+x+)+$'}}
    message: "payload of x from {src_ip}"
    advice: "test rule"
EOF2
conf() {	# extra limits line
	cat <<EOF2
sensor: {name: regex-limit-test, catalog: $top_srcdir/rules/controls-tcvn11930.yaml}
rules: [$top_srcdir/rules/sensor.yaml, $tmp/hostile.rules]
outputs: {json: {path: $tmp/alerts.json}}
$1
EOF2
}

# run NAME [limits line]: canhgacd offline on $PCAP (default hostile.pcap);
# prints elapsed_us, given up by 9000001, in all, by 9000002
run() {
	conf "${2:-}" >"$tmp/$1.yaml"
	rm -f "$tmp/alerts.json"
	"$CANHGACD" -c "$tmp/$1.yaml" -r "${PCAP:-$tmp/hostile.pcap}" --stats "$tmp/$1.json" \
	    >"$tmp/$1.out" 2>&1 || { echo "FAIL: canhgacd $1:" >&2; cat "$tmp/$1.out" >&2; return 1; }
	cp "$tmp/alerts.json" "$tmp/$1.alerts" 2>/dev/null || : >"$tmp/$1.alerts"
	$PY - "$tmp/$1.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
r = s["rules"]
by_sid = {x["sid"]: x["regex_limited"] for x in r["per_rule"]}
print(s["run"]["elapsed_us"], by_sid.get(9000001, 0), r.get("regex_limited", 0),
      by_sid.get(9000002, 0))
PYEOF
}

res=$(run default) || exit 1
read -r us limited total _ <<<"$res"
echo "  default limits: ${us} us of packet path, $limited packets given up by 9000001 ($total in all)"
check "500 hostile packets take under 2 s ($us us)" [ "$us" -lt 2000000 ]
check "the 500 packets are counted against rule 9000001" [ "$limited" -eq 500 ]
check "the total counts them too" [ "$total" -eq 500 ]
read -r nalert value msg < <($PY - "$tmp/default.alerts" <<'PYEOF'
import json, sys
al = [json.loads(l) for l in open(sys.argv[1])]
s = [a["alert"] for a in al if a["alert"]["signature_id"] == 1001106]
m = [a for a in al if a["alert"]["signature_id"] == 9000001]
ok = s and all(a.get("sensor_event") == "regex_limit" and a.get("regex_sid") == 9000001
               and "rule 9000001 (backtracking payload pattern)" in a["message"] for a in s)
print(len(m), sum(int(a["message"].split(" gave up on ")[1].split()[0]) for a in s) if ok else 0,
      s[0]["message"] if s else "-")
PYEOF
)
echo "  sensor alert: $msg"
check "a regex_limit sensor alert names rule 9000001 and counts packets" [ "$value" -gt 0 ]
# The alert's advice sends the operator to a --stats key: it must be
# there, counting this rule (the English advice as written, the
# Vietnamese one from the rule pack).
check "1001106's advice names --stats keys that count the rule" \
    $PY - "$tmp/default.alerts" "$tmp/default.json" "$top_srcdir/rules/sensor.yaml" <<'PYEOF'
import json, re, sys, yaml
al = [json.loads(l) for l in open(sys.argv[1])]
st = json.load(open(sys.argv[2]))
rule = [r for r in yaml.safe_load(open(sys.argv[3]))["rules"] if r["sid"] == 1001106][0]
texts = [a["alert"]["advice"] for a in al if a["alert"]["signature_id"] == 1001106][:1]
texts.append(rule["advice"]["vi"])
def resolve(node, parts):
    """The values at a dotted path; `name[]` steps into every element."""
    if not parts:
        return [node]
    name, each = parts[0].rstrip("[]"), parts[0].endswith("[]")
    if not isinstance(node, dict) or name not in node:
        return []
    nodes = node[name] if each else [node[name]]
    if each and not isinstance(nodes, list):
        return []
    return [v for n in nodes for v in resolve(n, parts[1:])]
ok = len(texts) == 2
for t in texts:
    paths = re.findall(r"\brules\.[A-Za-z_]+(?:\[\])?(?:\.[A-Za-z_]+(?:\[\])?)*", t)
    vals = [v for p in paths for v in resolve(st, p.split("."))]
    print("  advice names %s: %s" % (paths, vals), file=sys.stderr)
    ok = ok and bool(paths) and 500 in vals
sys.exit(0 if ok else 1)
PYEOF
check "the matching payload still alerts (9000001: $nalert)" [ "$nalert" -eq 1 ]

res=$(run tight "limits: {regex_match_limit: 1000}") || exit 1
read -r us2 limited2 _ <<<"$res"
check "a tighter limit gives up on the same packets, faster ($us2 us)" \
    [ "$limited2" -eq 500 -a "$us2" -le "$((us + 500000))" ]
res=$(run loose "limits: {regex_match_limit: 10000000, regex_depth_limit: 10000000}") || exit 1
read -r us3 limited3 _ <<<"$res"
echo "  PCRE2's own limits: ${us3} us, $limited3 given up"
check "PCRE2's own limit is many times slower ($us3 us against $us us)" \
    [ "$us3" -gt "$((5 * us))" ]

# An unanchored pattern may be tried at every start position: against
# 200 datagrams of 1,400 x, `(x+x+)+[yz]` (no literal PCRE2 could look for
# first) must still cost a bounded time a packet, each counted; and a TCP
# stream sent one byte a segment, where every segment runs the regex over
# the bytes carried with it, must not cost the limit once a segment.
$PY - "$tmp/wide.pcap" "$top_srcdir" <<'PYEOF' || { echo "FAIL: writing the capture"; exit 1; }
import sys
sys.path.insert(0, sys.argv[2] + "/tests/rules")
from rulelib import Capture, Tcp, UDP, Raw, ip
cap = Capture(t0=1767225600.0)
for i in range(200):
    cap.add(ip("192.0.2.7", "198.51.100.9") / UDP(sport=40000 + i, dport=9999) /
            Raw(b"x" * 1400), 0.01)
for k in range(5):
    t = Tcp(cap, "192.0.2.8", "198.51.100.9", 41000 + k, 9998).handshake()
    for _ in range(1400):
        t.send(0, b"x")
    t.close()
cap.write(sys.argv[1])
PYEOF
cat >"$tmp/hostile.rules" <<'EOF2'
rules:
  - sid: 9000001
    name: backtracking payload pattern
    category: anomaly
    severity: low
    level: 1
    match: {proto: udp, dst_port: 9999, payload: {regex: '(x+x+)+[yz]'}}
    message: "payload of x from {src_ip}"
    advice: "test rule"
  - sid: 9000002
    name: backtracking stream pattern
    category: anomaly
    severity: low
    level: 1
    match: {proto: tcp, dst_port: 9998, payload: {regex: '(x+x+)+[yz]'}}
    message: "stream of x from {src_ip}"
    advice: "test rule"
EOF2
res=$(PCAP=$tmp/wide.pcap run wide) || exit 1
read -r us4 udp4 _ tcp4 <<<"$res"
echo "  unanchored: ${us4} us of packet path; given up on $udp4 datagrams, $tcp4 times in 5 streams of 1,400 segments"
check "200 datagrams of 1,400 bytes and 7,000 one-byte segments take under 2 s ($us4 us)" \
    [ "$us4" -lt 2000000 ]
check "each datagram counted against 9000001 ($udp4)" [ "$udp4" -eq 200 ]
check "each stream given up on, not each segment (9000002: $tcp4)" \
    [ "$tcp4" -ge 5 -a "$tcp4" -le 50 ]
exit $fail
