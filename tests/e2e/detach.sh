#!/bin/bash
# -D with a relative -c, run from the configuration's directory as the
# README examples do (F7): the parent exits 0 only once the detached
# daemon runs (it answers on its socket, alerts from the relative rule
# file, reloads after leaving its working directory); a configuration
# whose rule file is broken makes the parent exit non-zero with the
# FILE:LINE:COLUMN error on its standard error, and leaves no daemon.
. "${top_srcdir:?}/tests/e2e/lo_lib.sh"
CANHGACCTL=${CANHGACCTL:-$(dirname "$CANHGACD")/canhgacctl}
lo_setup detach

fx=$top_srcdir/tests/e2e/fixtures
cp "$fx/catalog.yaml" "$tmp/catalog.yaml" || { echo "FAIL: $fx missing"; exit 1; }
cp "$fx/udp9999.rules" "$tmp/good.rules"
cp "$tmp/good.rules" "$tmp/rules.yaml"
cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: detach-test, catalog: catalog.yaml}
capture:
  - {interface: lo}
rules: [rules.yaml]
outputs:
  json: {path: alerts.json}
  status: {socket: $tmp/ctl.sock}
pidfile: $tmp/canhgacd.pid
EOF

# A good start: exit 0, and then the daemon runs.
if (cd "$tmp" && ip netns exec "$ns" "$CANHGACD" -D -c canhgac.yaml 2>"$tmp/start.err"); then
	pass "-D -c canhgac.yaml (relative) exits 0"
else
	flunk "-D start exit status $?: $(cat "$tmp/start.err")"
fi
dpid=$(cat "$tmp/canhgacd.pid" 2>/dev/null)
if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
	pass "the detached daemon runs (pid $dpid)"
else
	flunk "no daemon after a successful -D start"
fi
out=$("$CANHGACCTL" -s "$tmp/ctl.sock" status 2>&1) &&
    pass "it answers on its socket" || flunk "status: $out"
udp() {
	ip netns exec "$ns" $PY -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(5): s.sendto(b"x", ("127.0.0.1", 9999))'
}
udp
for _ in $(seq 50); do [ -s "$tmp/alerts.json" ] && break; sleep 0.1; done
[ -s "$tmp/alerts.json" ] && pass "the relative rule file alerts into the relative alert file" ||
    flunk "no alerts in $tmp/alerts.json"
kill -HUP "$dpid" 2>/dev/null
ok=no
for _ in $(seq 100); do
	if "$CANHGACCTL" -s "$tmp/ctl.sock" --json status 2>/dev/null |
	    $PY -c 'import json, sys; r = json.load(sys.stdin)["reload"]; sys.exit(0 if r["count"] == 1 and r["ok"] else 1)' 2>/dev/null; then
		ok=yes; break
	fi
	sleep 0.1
done
[ "$ok" = yes ] && pass "a reload works outside the starting directory" ||
    flunk "reload after detaching: $("$CANHGACCTL" -s "$tmp/ctl.sock" status 2>&1 | grep -i reload)"
kill -TERM "$dpid" 2>/dev/null
for _ in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$dpid" 2>/dev/null && flunk "daemon did not stop"
first=$dpid
dpid=

# A broken rule file: the parent says why and exits non-zero.
printf 'rules:\n  - sid: 43\n    name: x\n    category: scna\n' >"$tmp/rules.yaml"
if (cd "$tmp" && ip netns exec "$ns" "$CANHGACD" -D -c canhgac.yaml 2>"$tmp/bad.err"); then
	flunk "-D with a broken rule file exited 0"
else
	pass "-D with a broken rule file exits non-zero"
fi
grep -q "rules.yaml:4:15: rule 43: category" "$tmp/bad.err" &&
    pass "and prints the error: $(grep -m1 rules.yaml "$tmp/bad.err")" ||
    flunk "error not printed: $(cat "$tmp/bad.err")"
sleep 0.3
bpid=$(cat "$tmp/canhgacd.pid" 2>/dev/null)
if [ -n "$bpid" ] && [ "$bpid" != "$first" ] && kill -0 "$bpid" 2>/dev/null &&
    ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$bpid/stat" 2>/dev/null; then
	flunk "a daemon is left running after the failed start"
else
	pass "no daemon left running"
fi
if grep -qE "Sanitizer|runtime error" "$tmp/start.err" "$tmp/bad.err"; then
	flunk "sanitizer report"; grep -A20 -E "Sanitizer|runtime error" "$tmp/start.err" "$tmp/bad.err" | head -40
fi
exit $fail
