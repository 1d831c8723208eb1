#!/bin/bash
# One statistics schema (docs/alerts.md "Counters"): a live daemon with
# every output (JSON alerts, events, local syslog to a socket this test
# reads, a remote destination on a local port this test accepts on, with
# a spool, the status socket, a state directory) answers
# `canhgacctl stats --json` with exactly the keys that its `--stats` file
# has at exit (every object's keys, recursively; "ok" aside). The remote
# destination is in `canhgacctl status`, in stats, and in the Prometheus
# text (sent, spooled, replayed, resent, dropped, spool depth), labelled
# with its destination. A sanitizer report fails the test.
. "${top_srcdir:?}/tests/e2e/lo_lib.sh"
CANHGACCTL=${CANHGACCTL:-$(dirname "$CANHGACD")/canhgacctl}
lo_setup statsschema
fx=$top_srcdir/tests/e2e/fixtures
cp "$fx/catalog.yaml" "$tmp/catalog.yaml" || { echo "FAIL: $fx missing"; exit 1; }
cp "$fx/udp9999.rules" "$tmp/rules.yaml"
mkdir "$tmp/state"
port=6514
cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: stats-schema, catalog: catalog.yaml, state_dir: $tmp/state}
capture:
  - {interface: lo}
rules: [rules.yaml]
events: events.json
outputs:
  json: {path: alerts.json}
  syslog: {facility: local4, socket: $tmp/syslog.sock}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tcp, spool: $tmp/spool,
       drain_timeout: 5s}
  status: {socket: $tmp/ctl.sock}
EOF
ctl() { "$CANHGACCTL" -s "$tmp/ctl.sock" "$@"; }

# The local syslog socket and the remote collector, reading and counting.
ip netns exec "$ns" $PY -c '
import os, select, socket, sys
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind(sys.argv[1])
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", int(sys.argv[2]))); t.listen(4)
out = open(sys.argv[3], "ab", buffering=0)
conns = []
while True:
    r, _, _ = select.select([d, t] + conns, [], [])
    for s in r:
        if s is d:
            d.recv(65536)
        elif s is t:
            conns.append(t.accept()[0])
        else:
            b = s.recv(65536)
            if not b:
                conns.remove(s)
            out.write(b)
' "$tmp/syslog.sock" "$port" "$tmp/remote.out" &
lpid=$!
for _ in $(seq 50); do [ -S "$tmp/syslog.sock" ] && break; sleep 0.1; done
ip netns exec "$ns" "$CANHGACD" -v -c "$tmp/canhgac.yaml" \
    --stats "$tmp/stats.json" 2>"$tmp/daemon.err" &
dpid=$!
for _ in $(seq 300); do grep -q "running on" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "running on" "$tmp/daemon.err" || { cat "$tmp/daemon.err"; kill "$lpid"; echo "FAIL: no start"; exit 1; }
ip netns exec "$ns" $PY -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"x", ("127.0.0.1", 9999)); time.sleep(0.02)
'
sleep 2
ctl --json stats >"$tmp/ctl-stats.json" || flunk "canhgacctl stats --json"
ctl stats --prometheus >"$tmp/prom.txt" || flunk "canhgacctl stats --prometheus"
ctl status >"$tmp/status.txt" || flunk "canhgacctl status"
ctl --json status >"$tmp/status.json" || flunk "canhgacctl status --json"
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
[ "$rc" -eq 0 ] && pass "daemon exited 0" || { flunk "daemon exit status $rc"; cat "$tmp/daemon.err"; }

$PY - "$tmp/stats.json" "$tmp/ctl-stats.json" <<'EOF' && pass "--stats and canhgacctl stats --json have the same keys" || flunk "the two statistics differ in keys"
import json, sys
def keys(v, path=""):
    out = set()
    if isinstance(v, dict):
        for k, x in v.items():
            out.add(path + "." + k)
            # per-reason and per-destination names are data, not schema
            out |= keys(x, path + "." + k)
    elif isinstance(v, list):
        for x in v:
            out |= keys(x, path + "[]")
    return out
f = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
assert c.pop("ok") is True
kf, kc = keys(f), keys(c)
for k in sorted(kf ^ kc):
    print("  only in %s: %s" % ("--stats" if k in kf else "canhgacctl", k))
need = {".outputs.json.written", ".outputs.events.written",
        ".outputs.syslog.sent", ".outputs.remote[].spool_pending",
        ".outputs.status.clients", ".control.requests", ".run.elapsed_us",
        ".rules.per_rule[].hits", ".reload.count", ".uptime"}
missing = need - kf
assert not missing, missing
sys.exit(0 if kf == kc else 1)
EOF
$PY - "$tmp/stats.json" "$tmp/alerts.json" <<'EOF' && pass "every alert counted and sent to syslog and the remote" || flunk "output counters"
import json, sys
st = json.load(open(sys.argv[1]))
n = sum(1 for _ in open(sys.argv[2]))
o = st["outputs"]
assert n == 20, n
assert o["json"]["written"] == n and o["syslog"]["sent"] == n, o
r = o["remote"][0]
assert r["sent"] + r["replayed"] == n and r["dropped"] == 0, r
EOF
for m in sent spooled replayed resent dropped; do
	grep -qE "^canhgac_output_${m}_total\{output=\"remote\",destination=\"127.0.0.1:$port\"\} [0-9]+$" "$tmp/prom.txt" ||
	    flunk "Prometheus text lacks the remote's $m"
done
grep -qE "^canhgac_output_spool_pending\{output=\"remote\",destination=\"127.0.0.1:$port\"\} [0-9]+$" "$tmp/prom.txt" &&
    grep -qE "^canhgac_output_sent_total\{output=\"remote\",destination=\"127.0.0.1:$port\"\} [1-9]" "$tmp/prom.txt" &&
    pass "Prometheus text: the remote's counters and spool depth" ||
    { flunk "Prometheus remote lines"; grep remote "$tmp/prom.txt"; }
grep -qE "^remote +[1-9][0-9]* +0 +127.0.0.1:$port \(connected, " "$tmp/status.txt" &&
    pass "canhgacctl status shows the remote: $(grep ^remote "$tmp/status.txt")" ||
    { flunk "status lacks the remote"; cat "$tmp/status.txt"; }
$PY -c 'import json, sys
r = [o for o in json.load(open(sys.argv[1]))["outputs"] if o["name"] == "remote"][0]
for k in ("state", "last_error", "sent", "spooled", "replayed", "resent", "dropped", "spool_pending"):
    assert k in r, k' "$tmp/status.json" && pass "status JSON: the remote's state and counters" ||
    flunk "status JSON lacks the remote"
if grep -qE "Sanitizer|runtime error" "$tmp/daemon.err"; then
	flunk "sanitizer report"; grep -A20 -E "Sanitizer|runtime error" "$tmp/daemon.err" | head -40
fi
exit $fail
