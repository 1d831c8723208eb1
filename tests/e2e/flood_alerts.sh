#!/bin/bash
# An alert storm: every packet of a 1M-packet SYN flood (bench/pcapgen
# flows, 1M distinct sources, 10 s of packet time) matches two rules.
# Rule 91 matches every TCP packet, suppressed per destination for an
# hour: at most one alert per destination (4 servers), the rest counted
# as suppressed. Rule 92 keeps a threshold per source (one state per
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
"$GEN" flows -n "$N" --pps 100000 -o "$tmp/syn.pcap" --seed 5 >/dev/null ||
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
    suppress: {by: [dst_ip], for: 1h}
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
sensor: {name: storm-test, security_level: 1,
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
import json, sys
tmp, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
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
if not 1 <= len(a91) <= 4:
    fails.append(f"rule 91 raised {len(a91)} alerts, expected 1..4 (one per destination)")
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
