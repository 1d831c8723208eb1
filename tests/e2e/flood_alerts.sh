#!/bin/bash
# An alert storm: every packet of a 1M-packet SYN flood (bench/pcapgen
# flows, 1M distinct sources, 10 s of packet time) matches two rules.
# Rule 91 matches every TCP packet, suppressed per destination for 6 s:
# exactly two alerts per destination (4 servers, 8 alerts), the first at
# its first packet with `suppressed` 0, the second at its first packet
# 6 s or more after the first alert, its `suppressed` the destination's
# packets held back in between (read from the capture); the rest counted
# as suppressed and, the capture ending, never reported. One packet
# worker: with several, which of two packets microseconds apart takes
# the suppression first is their race (workers.sh compares worker
# counts). Rule 92 keeps a threshold per source (one state per
# packet) in a 1 MB threshold_memcap: the table evicts, and the sensor
# says so once (threshold_memcap). Capture is not held up: every packet
# is decoded and counted by the rule, and the run is timed.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
GEN=$top_builddir/bench/pcapgen
me=flood_alerts.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
[ -x "$GEN" ] || skip "$GEN not built (make bench/pcapgen)"
N=${CG_STORM_PACKETS:-1000000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-storm.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# 10 s of packet time whatever N is: two 6 s suppressions per destination.
"$GEN" flows -n "$N" --pps $(( (N + 9) / 10 )) -o "$tmp/syn.pcap" --seed 5 >/dev/null ||
    { echo "FAIL: pcapgen"; exit 1; }
cat >"$tmp/storm.yaml" <<'EOF'
rules:
  - sid: 91
    name: Every TCP packet
    category: anomaly
    severity: low
    level: 1
    controls: [NET.MON]
    match: {proto: tcp}
    suppress: {by: [dst_ip], for: 6s}
    message: "{src_ip} to {dest_ip}"
    advice: "A storm test."
  - sid: 92
    name: Two SYNs from one source
    category: anomaly
    severity: low
    level: 1
    controls: [NET.MON]
    match: {proto: tcp}
    threshold: {by: [src_ip], count: 2, within: 60s}
    message: "{src_ip} twice"
    advice: "A storm test."
EOF
cat >"$tmp/conf.yaml" <<EOF
sensor: {name: storm-test, security_level: 1, workers: 1,
         catalog: $top_srcdir/rules/controls-tcvn11930.yaml}
rules: [storm.yaml, $top_srcdir/rules/sensor.yaml]
limits: {threshold_memcap: 1MB, flow_memcap: 32MB}
outputs:
  json: {path: $tmp/alerts.json}
EOF
start=$(date +%s.%N)
"$CANHGACD" -c "$tmp/conf.yaml" -r "$tmp/syn.pcap" --stats "$tmp/stats.json" \
    2>"$tmp/stderr.txt"
rc=$?
end=$(date +%s.%N)
sed 's/^/  /' "$tmp/stderr.txt"
[ $rc -eq 0 ] || { echo "FAIL: canhgacd exited with status $rc"; exit 1; }
"$PY" - "$tmp" "$N" "$(echo "$end - $start" | bc)" <<'EOF'
import json, struct, sys
from datetime import datetime, timedelta, timezone
tmp, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
SUPPRESS_US = 6 * 1000000

# The capture's packet times per destination (classic pcap, microsecond
# stamps, Ethernet + IPv4 as pcapgen writes them).
per_dst = {}
with open(tmp + "/syn.pcap", "rb") as f:
    buf = f.read()
assert struct.unpack_from("<I", buf, 0)[0] == 0xa1b2c3d4, "not a pcap (us)"
off = 24
while off < len(buf):
    sec, us, incl, _ = struct.unpack_from("<IIII", buf, off)
    dst = ".".join(str(b) for b in buf[off + 16 + 30:off + 16 + 34])
    per_dst.setdefault(dst, []).append(sec * 1000000 + us)
    off += 16 + incl
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
def usec(stamp):
    t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z")
    return (t - EPOCH) // timedelta(microseconds=1)
st = json.load(open(tmp + "/stats.json"))
alerts = [json.loads(l) for l in open(tmp + "/alerts.json")]
by_sid = {}
for a in alerts:
    by_sid.setdefault(a["alert"]["signature_id"], []).append(a)
a91 = by_sid.get(91, [])
sens = [a for a in alerts if a["alert"].get("sensor_event") == "threshold_memcap"]
supp = sum(a["alert"].get("suppressed", 0) for a in a91)
print(f"storm: {n} packets in {secs:.1f} s ({n / secs:.0f}/s); decoded "
      f"{st['decode']['packets']}; matched {st['rules']['matched']}; rule 91 alerts "
      f"{len(a91)}; rule 92 alerts {len(by_sid.get(92, []))}; "
      f"suppressed {st['rules']['suppressed']}; threshold evictions "
      f"{st['rules']['threshold_evicted']}; threshold_memcap "
      f"sensor alerts {len(sens)}; alert lines {len(alerts)}; errors {st['outputs']['json']['errors']}")
fails = []
if st["decode"]["packets"] != n:
    fails.append(f"decoded {st['decode']['packets']} of {n}: capture held up")
if st["rules"]["matched"] < 2 * n:
    fails.append(f"rules matched {st['rules']['matched']} times, expected 2 x {n}")
if len(a91) != 8:
    fails.append(f"rule 91 raised {len(a91)} alerts, expected 8 (two per destination)")
# Each destination: the first alert at its first packet, none held back
# before it; the second at the first packet 6 s or more after it,
# carrying every packet held back in between; the packets after the
# second are held back too, and with the alerts add up to all of them.
held_total = 0
for dst, times in sorted(per_dst.items()):
    al = sorted((a for a in a91 if a["dest_ip"] == dst),
                key=lambda a: usec(a["timestamp"]))
    if len(al) != 2:
        fails.append(f"{dst}: {len(al)} rule 91 alerts, expected 2")
        continue
    t1, t2 = usec(al[0]["timestamp"]), usec(al[1]["timestamp"])
    s1, s2 = al[0]["alert"].get("suppressed"), al[1]["alert"].get("suppressed")
    if t1 != times[0] or s1 != 0:
        fails.append(f"{dst}: first alert at {t1} suppressed {s1}, "
                     f"expected at its first packet {times[0]} suppressed 0")
    due = next((i for i, t in enumerate(times) if t - t1 >= SUPPRESS_US), None)
    if due is None or times[due] != t2:
        fails.append(f"{dst}: second alert at {t2}, expected at the first "
                     f"packet 6 s after the first alert "
                     f"({None if due is None else times[due]})")
        continue
    between, after = due - 1, len(times) - due - 1
    print(f"  {dst}: {len(times)} packets; alerts {s1} and {s2} suppressed; "
          f"{between} held back between them, {after} after the second")
    if s2 != between:
        fails.append(f"{dst}: the second alert says {s2} suppressed, "
                     f"{between} were held back since the first")
    held_total += s2 + after
if held_total != st["rules"]["suppressed"]:
    fails.append(f"suppressed: {held_total} from the alerts and the capture, "
                 f"{st['rules']['suppressed']} counted")
if by_sid.get(92):
    fails.append("rule 92 alerted, but no source sent twice")
if st["rules"]["threshold_evicted"] <= 0:
    fails.append("the threshold table never evicted")
if len(sens) != 1:
    fails.append(f"{len(sens)} threshold_memcap sensor alerts, expected 1")
if st["rules"]["suppressed"] != n - len(a91):
    fails.append(f"only {st['rules']['suppressed']} suppressed")
if len(alerts) > 10:
    fails.append(f"{len(alerts)} alerts: the storm was not bounded")
for m in fails:
    print("FAIL: " + m)
sys.exit(1 if fails else 0)
EOF
