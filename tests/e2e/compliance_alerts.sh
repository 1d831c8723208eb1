#!/bin/bash
# Issue test 3: a scenario capture (scripts/make-demo-pcap.py: TLS 1.0,
# FTP and telnet logins, SNMP, a port scan, ...) replayed with tcpreplay
# onto the wire a live daemon captures (veth in a namespace), with the
# shipped packs at level 5; the alert count of every control in the
# report (JSON) equals the number of alert records in the JSON alert log
# that carry that control, and several controls have alerts.
. "$top_srcdir/tests/e2e/control_lib.sh"
. "$top_srcdir/tests/e2e/compliance_lib.sh"
command -v tcpreplay >/dev/null || skip "tcpreplay missing"
comp_setup calert 5
$PY "$top_srcdir/scripts/make-demo-pcap.py" "$tmp/demo.pcap" >/dev/null ||
    { echo "FAIL: cannot build the capture"; exit 1; }
comp_start
ip netns exec "${ns}b" tcpreplay -q -i veth1 --mbps 10 "$tmp/demo.pcap" \
    >"$tmp/replay.out" 2>&1 || { cat "$tmp/replay.out"; flunk "tcpreplay"; }
sleep 2
ctl compliance --level 5 --format json >"$tmp/r.json" ||
    { cat "$tmp/r.json"; flunk "compliance"; }
sleep 2	# stragglers of the replay (each alert is its own write(2))
$PY - "$tmp/r.json" "$tmp/alerts.json" <<'PYEOF'
import collections, json, sys
r = json.load(open(sys.argv[1]))
log = collections.Counter()
n = 0
for line in open(sys.argv[2]):
    a = json.loads(line)
    n += 1
    for c in a["alert"]["controls"]:
        log[c] += 1
rep = {c["id"]: c["alerts"] for c in r["controls"]}
print("alert records in the log:", n)
print("per control, report / log:")
bad = 0
for cid in sorted(set(rep) | set(log)):
    print("  %-16s %4s / %4s" % (cid, rep.get(cid, "-"), log.get(cid, 0)))
    if cid in rep and rep[cid] != log.get(cid, 0):
        bad = 1
# Every control in the log that the catalog requires at 5 is reported.
if set(log) - set(rep):
    print("controls in the log, not in the report:", set(log) - set(rep))
    bad = 1
with_alerts = [c for c in rep if rep[c] > 0]
if len(with_alerts) < 3:
    print("expected alerts for at least 3 controls, got", with_alerts)
    bad = 1
ev = r["evidence"]
if not ev.get("history") or sum(ev["alerts_by_control"].values()) < n:
    print("evidence without the history of alerts")
    bad = 1
sys.exit(bad)
PYEOF
check "alerts per control in the report equal the JSON alert log" [ $? -eq 0 ]
ctl_finish
