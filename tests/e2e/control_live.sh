#!/bin/bash
# Every status-socket command through canhgacctl, against a daemon live
# on a veth pair with traffic flowing: version, status, stats (JSON,
# flat and Prometheus), alerts with each filter, follow, rules,
# exceptions, list show/add/remove (the file rewritten and the new
# entry alerting at once), reload (good and broken), exit codes, and
# shutdown (exit 0, socket removed).
. "${top_srcdir:?}/tests/e2e/control_lib.sh"

ctl_setup live
IOC=10.97.$net.66
ctl_traffic 30 10
sleep 1.5

# version
out=$(ctl version) && grep -q "protocol 1" <<<"$out" &&
    pass "version: $out" || flunk "version: $out"

# status: human and JSON
out=$(ctl status)
check "status shows veth0 up" grep -qE "^veth0 +up " <<<"$out"
check "status shows the sensor and level" grep -q "ctl-test.*" <<<"$out"
ctl --json status >"$tmp/status.json"
check "status --json: packets, pcap counters, flows, alerts, reload" \
    $PY - "$tmp/status.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
i = s["interfaces"][0]
assert s["ok"] and s["packets"] > 0 and i["name"] == "veth0"
assert i["pcap_received"] > 0 and i["pcap_dropped"] == 0
assert s["flows"]["created"] >= 1 and s["alerts"]["low"] > 0
assert s["security_level"] == 2 and s["reload"]["count"] == 0
assert any(o["name"] == "json" and o["written"] > 0 for o in s["outputs"])
EOF

# stats: JSON, flat, Prometheus
ctl --json stats >"$tmp/stats.json"
check "stats --json: decode anomalies, flows, per-rule hits, exceptions" \
    $PY - "$tmp/stats.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
assert "ipv4_short" in s["decode"]["anomalies"]
assert s["flow"]["created"] >= 1 and "evicted" in s["flow"]
r = {x["sid"]: x for x in s["rules"]["per_rule"]}
assert r[42]["hits"] > 0 and r[42]["last_hit"]
assert "threshold_evicted" in s["rules"]
assert s["rules"]["per_exception"][0]["owner"] == "Nguyen Van A (SOC)"
assert s["interfaces"][0]["packets"] > 0
EOF
check "stats (flat) lists decode.packets" grep -qE "^decode.packets [1-9]" \
    <<<"$(ctl stats)"
ctl stats --prometheus >"$tmp/metrics.prom"
check "stats --prometheus: well-formed text format with the counters" \
    $PY - "$tmp/metrics.prom" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
typed, seen, vals = {}, set(), {}
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+)$')
last = None
for l in lines:
    if l.startswith("# TYPE "):
        _, _, name, t = l.split(" ")
        assert t in ("counter", "gauge"), l
        assert name not in typed, "family twice: " + name
        typed[name] = t
        last = name
        continue
    if l.startswith("# HELP "):
        continue
    m = sample.match(l)
    assert m, "bad line: " + l
    assert m.group(1) == last, "sample outside its family: " + l
    if typed[last] == "counter":
        assert last.endswith("_total"), last
    vals[m.group(1) + (m.group(2) or "")] = float(m.group(4))
assert vals["canhgac_decode_packets_total"] > 0
assert vals['canhgac_interface_pcap_received_total{interface="veth0"}'] > 0
assert vals['canhgac_rule_hits_total{sid="42"}'] > 0
assert 'canhgac_decode_anomalies_total{reason="tcp_short"}' in vals
assert vals["canhgac_uptime_seconds"] >= 1
EOF

# alerts and filters
n=$(ctl --json alerts --sid 42 --limit 5 | $PY -c 'import json,sys; d=json.load(sys.stdin); print(len(d["alerts"]) if all(a["alert"]["signature_id"]==42 for a in d["alerts"]) else -1)')
[ "$n" = 5 ] && pass "alerts --sid 42 --limit 5" || flunk "alerts --sid 42 --limit 5: $n"
out=$(ctl alerts --severity high)
[ "$(wc -l <<<"$out")" -eq 1 ] && pass "alerts --severity high: none yet (header only)" ||
    flunk "alerts --severity high: $out"
out=$(ctl alerts --category anomaly --since 10s --limit 3)
[ "$(grep -c " low  *42 *anomaly " <<<"$out")" -eq 3 ] &&
    pass "alerts --category anomaly --since 10s --limit 3 (table)" ||
    flunk "alerts table: $out"
ctl alerts --severity bogus >/dev/null 2>&1
[ $? -eq 1 ] && pass "alerts --severity bogus: exit 1" || flunk "bad severity exit code"

# follow: a live stream of JSON alert lines
"$CANHGACCTL" -s "$SOCK" --json follow --sid 42 >"$tmp/follow.out" 2>&1 &
fpid=$!
sleep 1.5
kill -INT $fpid
wait $fpid
frc=$?
n=$($PY -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
ack = json.loads(lines[0])
assert ack == {"ok": True, "follow": True}, ack
print(sum(1 for l in lines[1:] if json.loads(l)["alert"]["signature_id"] == 42))
' "$tmp/follow.out")
[ "$frc" -eq 0 ] && [ "${n:-0}" -ge 50 ] && pass "follow streamed $n alerts, exit 0 on ^C" ||
    flunk "follow: rc=$frc n=$n"

# rules and exceptions
out=$(ctl rules)
check "rules: 42 active with hits" grep -qE "^42 +1 +low +anomaly +active +[1-9]" <<<"$out"
check "rules: 44 inactive with the reason" grep -qE "^44 .*inactive.*level 5" <<<"$out"
n=$(ctl --json rules --inactive | $PY -c 'import json,sys; print([r["sid"] for r in json.load(sys.stdin)["rules"]])')
[ "$n" = "[44]" ] && pass "rules --inactive" || flunk "rules --inactive: $n"
out=$(ctl exceptions)
check "exceptions: owner, expiry, EXPIRED" \
    grep -qE "^42 +Nguyen Van A \(SOC\) +2024-03-31 +EXPIRED +0 +0 +Test exception" <<<"$out"

# list show / add / remove on the indicator file, alerting at once
out=$(ctl list show ioc_ips 2>/dev/null)
[ "$out" = "192.0.2.1" ] && pass "list show" || flunk "list show: $out"
ctl_traffic 20 5 "$IOC"
sleep 1
before=$(ctl --json alerts --sid 43 | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')
# The admin's mode and owner of the list survive the rewrite.
chmod 0604 "$tmp/ioc-ips.txt"
chown 1:1 "$tmp/ioc-ips.txt"
out=$(ctl list add ioc_ips "$IOC" 192.0.2.1)
check "list add: one added, one already present" \
    grep -q "added 1 entry to ioc_ips" <<<"$out"
[ "$(stat -c '%a %u %g' "$tmp/ioc-ips.txt")" = "604 1 1" ] &&
    pass "list add kept the file's mode and owner" ||
    flunk "list add changed mode/owner: $(stat -c '%a %u %g' "$tmp/ioc-ips.txt")"
check "list file rewritten, comments kept" \
    diff <(printf '# indicator addresses\n192.0.2.1\n%s\n' "$IOC") "$tmp/ioc-ips.txt"
sleep 1.5
after=$(ctl --json alerts --sid 43 | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[ "$before" -eq 0 ] && [ "$after" -gt 0 ] &&
    pass "the added indicator alerts at once ($before -> $after)" ||
    flunk "indicator alerts $before -> $after"
ctl list add ioc_ips not-an-address >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q "not-an-address" "$tmp/err" &&
    pass "list add of a bad entry refused: $(cat "$tmp/err")" ||
    flunk "bad entry: rc=$rc $(cat "$tmp/err")"
out=$(ctl list remove ioc_ips "$IOC" 203.0.113.9)
check "list remove: removed, and reports what was not there" \
    grep -qE "removed 1 entry.*|not found: 203.0.113.9" <<<"$out"
check "list file after remove" \
    diff <(printf '# indicator addresses\n192.0.2.1\n') "$tmp/ioc-ips.txt"
sleep 1
c1=$(ctl --json alerts --sid 43 | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')
sleep 1
c2=$(ctl --json alerts --sid 43 | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[ "$c1" -eq "$c2" ] && pass "removed indicator stops alerting" || flunk "still alerting $c1 -> $c2"
ctl list show no_such_list >/dev/null 2>&1
[ $? -eq 1 ] && pass "list show of an unknown list: exit 1" || flunk "unknown list"

# reload: good, then a broken rule file kept out with its position
out=$(ctl reload) && grep -q "reloaded $tmp/canhgac.yaml" <<<"$out" &&
    pass "reload" || flunk "reload: $out"
printf 'rules:\n  - sid: 45\n    name: x\n    category: scna\n' >"$tmp/rules.yaml"
out=$(ctl reload 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q "$tmp/rules.yaml:4:15:" <<<"$out" &&
    pass "broken reload: exit 1 with FILE:LINE:COLUMN" || flunk "broken reload: rc=$rc $out"
check "status shows the failed reload" grep -q "FAILED: .*rules.yaml:4:15" <<<"$(ctl status)"
check "old rules still alert" grep -qE "^42 .*active" <<<"$(ctl rules)"
cp "$tmp/good.rules" "$tmp/rules.yaml"

# exit codes of the client itself
ctl frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && pass "unknown command: exit 2" || flunk "unknown command"
"$CANHGACCTL" -s "$tmp/none.sock" status >/dev/null 2>&1
[ $? -eq 3 ] && pass "no daemon: exit 3" || flunk "no daemon exit code"
check "-h prints the manual" grep -q "EXIT STATUS" <<<"$("$CANHGACCTL" -h)"

ctl_finish
