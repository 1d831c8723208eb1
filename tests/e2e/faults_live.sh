#!/bin/bash
# Faults on a live sensor (veth pair between network namespaces, see
# control_lib.sh): the capture interface taken down and brought up again
# (status says down, the daemon keeps running and resumes capture), a
# storm of 100 SIGHUPs in one second (the daemon survives, answers the
# status socket and ends with the new rules loaded), and an indicator
# list replaced by garbage (the reload is refused naming FILE:LINE, the
# old rules and lists stay active, status shows the failed reload), and
# the interface deleted and made again (status missing, not up; the log
# says a restart is needed, never "resumed").
. "${top_srcdir:?}/tests/e2e/control_lib.sh"

ctl_setup faults
IOC=10.97.$net.66

# status_field EXPR: evaluate a Python expression on `status --json` (s).
status_field() {
	ctl --json status | $PY -c 'import json,sys; s=json.load(sys.stdin); print('"$1"')'
}
# hits SID: the rule's hit counter.
hits() {
	ctl --json stats | $PY -c 'import json,sys
s = json.load(sys.stdin)
print(sum(r["hits"] for r in s["rules"]["per_rule"] if r["sid"] == int(sys.argv[1])))' "$1"
}
alive() { kill -0 "$dpid" 2>/dev/null; }

# --- 1. the capture interface down and up again -------------------------
ctl_traffic 60 5
sleep 1.5
p0=$(status_field 's["interfaces"][0]["packets"]')
check "traffic seen before the fault ($p0 packets)" [ "${p0:-0}" -gt 0 ]
ip -n "${ns}a" link set veth0 down
# The once-a-second link check notices it (later under ASan): 10 s at most.
for _ in $(seq 100); do
	grep -qiE "veth0.*(went down|is down)" "$tmp/daemon.err" &&
	    [ "$(status_field 's["interfaces"][0]["state"]')" = down ] && break
	sleep 0.1
done
st=$(status_field 's["interfaces"][0]["state"]')
check "status reports veth0 down (state: $st)" [ "$st" = down ]
check "daemon still running with veth0 down" alive
grep -i "veth0" "$tmp/daemon.err" | grep -iE "down|error" | tail -2 | sed 's/^/  log: /'
check "the log names veth0 going down" grep -qiE "veth0.*(went down|is down)" "$tmp/daemon.err"
p1=$(status_field 's["interfaces"][0]["packets"]')
ip -n "${ns}a" link set veth0 up
ip -n "${ns}a" addr add "$SRV/24" dev veth0 2>/dev/null
ip -n "${ns}a" addr add "$IOC/24" dev veth0 2>/dev/null
t0=$(date +%s.%N)
resumed=
for _ in $(seq 100); do
	p2=$(status_field 's["interfaces"][0]["packets"]')
	if [ "${p2:-0}" -gt "$((p1 + 10))" ]; then resumed=$(date +%s.%N); break; fi
	sleep 0.1
done
if [ -n "$resumed" ]; then
	pass "capture resumed $(echo "$resumed - $t0" | bc) s after veth0 came up ($p1 -> $p2 packets)"
else
	flunk "capture did not resume within 10 s after veth0 came up ($p1 packets)"
fi
st=$(status_field 's["interfaces"][0]["state"]')
check "status reports veth0 up again (state: $st)" [ "$st" = up ]
# The link check that logs it runs once a second; packets may flow first.
for _ in $(seq 30); do
	grep -qiE "veth0.*(resum|up again)" "$tmp/daemon.err" && break
	sleep 0.1
done
check "the log says veth0 resumed" grep -qiE "veth0.*(resum|up again)" "$tmp/daemon.err"

# --- 2. a SIGHUP storm: 100 in one second ----------------------------------
# The new rules add sid 45 (UDP to port 9998); the last reload must have it.
cat "$tmp/good.rules" >"$tmp/rules.yaml"
$PY - "$tmp/rules.yaml" <<'EOF'
import sys
p = sys.argv[1]
t = open(p).read()
t = t.replace("exceptions:", """  - sid: 45
    name: UDP to the second test port
    category: anomaly
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {proto: udp, dst_port: 9998}
    message: "{src_ip} sent to {dest_ip}:{dest_port}"
    advice: "Nothing to do: this is a test."
exceptions:""")
open(p, "w").write(t)
EOF
r0=$(status_field 's["reload"]["count"]')
t0=$(date +%s.%N)
for _ in $(seq 100); do kill -HUP "$dpid"; sleep 0.005; done
t1=$(date +%s.%N)
answered=0
for _ in $(seq 5); do ctl status >/dev/null && answered=$((answered + 1)); done
sleep 1
r1=$(status_field 's["reload"]["count"]')
echo "  100 SIGHUPs in $(echo "$t1 - $t0" | bc) s; reloads counted: $((r1 - r0))"
check "daemon survived the SIGHUP storm" alive
check "status answered 5/5 right after the storm" [ "$answered" = 5 ]
check "at least one reload ran and the last one succeeded" \
    [ "$((r1 - r0))" -ge 1 -a "$(status_field 's["reload"]["ok"]')" = True ]
check "the new rule 45 is loaded" grep -qE "^ *45 " <<<"$(ctl rules)"

# --- 3. a list file replaced by garbage on reload --------------------------
printf '# indicator addresses\n%s\n' "$IOC" >"$tmp/ioc-ips.txt"
ctl reload >/dev/null || flunk "reload with $IOC on the list"
ctl_traffic 1 5 "$IOC"
sleep 1.5
h0=$(hits 43)
check "rule 43 alerts for the indicator $IOC ($h0 hits)" [ "${h0:-0}" -gt 0 ]
printf '# indicator addresses\n%s\nthis is not an address\n\x01\x02garbage\n' "$IOC" \
    >"$tmp/ioc-ips.txt"
kill -HUP "$dpid"
for _ in $(seq 100); do
	[ "$(status_field 's["reload"]["ok"]')" = False ] && break
	sleep 0.1
done
err=$(status_field 's["reload"]["error"]')
rok=$(status_field 's["reload"]["ok"]')
echo "  reload error: $err"
check "status shows the failed reload (ok: $rok)" [ "$rok" = False ]
check "the error names the list file and line 3" grep -q "ioc-ips.txt:3" <<<"$err"
check "the log says the reload failed" grep -q "reload failed" "$tmp/daemon.err"
out=$(ctl reload 2>&1)
check "canhgacctl reload is refused too (exit non-zero)" [ $? -ne 0 ]
ctl_traffic 1 5 "$IOC"
sleep 1.5
h1=$(hits 43)
check "the old list stays active: rule 43 still alerts ($h0 -> $h1 hits)" [ "${h1:-0}" -gt "$h0" ]
check "the old rules stay active: rule 45 still loaded" grep -qE "^ *45 " <<<"$(ctl rules)"
check "daemon still running" alive

# --- 4. the capture interface deleted, then made again ----------------------
# The packet socket was bound to the old interface: the new one of the
# same name (another index) is not captured, and the daemon, no longer
# root, cannot open it. Status must say missing -- not up, and the log
# not "resumed" -- and name the restart it needs.
ip -n "${ns}a" link del veth0
# Status asks the kernel; the log is the once-a-second link check's.
for _ in $(seq 100); do
	[ "$(status_field 's["interfaces"][0]["state"]')" = missing ] &&
	    grep -q "veth0: interface is missing" "$tmp/daemon.err" && break
	sleep 0.1
done
st=$(status_field 's["interfaces"][0]["state"]')
check "veth0 deleted: status says missing (state: $st)" [ "$st" = missing ]
check "veth0 deleted: the log says capture stopped and to restart" \
    grep -qE "veth0: interface is missing; capture stopped; restart" "$tmp/daemon.err"
ip link add veth0 netns "${ns}a" type veth peer name veth1 netns "${ns}b"
ip -n "${ns}a" addr add "$SRV/24" dev veth0
ip -n "${ns}b" addr add "$CLI/24" dev veth1
ip -n "${ns}a" link set veth0 up
ip -n "${ns}b" link set veth1 up
for _ in $(seq 100); do
	grep -q "veth0: interface replaced" "$tmp/daemon.err" && break
	sleep 0.1
done
grep "veth0: interface replaced" "$tmp/daemon.err" | tail -1 | sed 's/^/  log: /'
check "veth0 made again: the log says replaced, restart to capture on it" \
    grep -qE "veth0: interface replaced \(index [0-9]+, captured [0-9]+\): capture stopped; restart" "$tmp/daemon.err"
sleep 1.5
st=$(status_field 's["interfaces"][0]["state"]')
check "veth0 made again: status still says missing, not up (state: $st)" [ "$st" = missing ]
check "veth0 made again: the log never says capture resumed after it" \
    bash -c "! sed -n '/veth0: interface \(is missing\|replaced\)/,\$p' '$tmp/daemon.err' | grep -q 'capture resumed'"
check "daemon still running" alive
ctl_finish
