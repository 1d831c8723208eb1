#!/bin/bash
# The app pools under attack: sized from flow_memcap at start (first-
# bytes buffers 1/16 of it, HTTP transactions, certificate walks and
# clear-text login states in proportion), they are used up by 700 flows
# of each kind that take a slot and never give it back (memcap_pools.py:
# half a ClientHello, half a certificate flight, HTTP headers never
# ended, a login half done) with `flow_memcap: 16MB`. Each pool running
# out is counted by its own counter (app.first_bytes_exhausted,
# app.cert_walks_exhausted, app.logins_exhausted, http.state_exhausted;
# app.buffers_exhausted is the sum of the app pools'), nothing grows:
# peak RSS stays under the memcap plus 32 MiB (not checked under
# AddressSanitizer), and logins are still recorded while states last.
set -u
: "${top_builddir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
me=memcap_pools.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
$PY -c 'import scapy' 2>/dev/null || skip "python3-scapy is not installed (scripts/setup.sh installs it)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-pools.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
asan=0
if ldd "$CANHGACD" 2>/dev/null | grep -q libasan || grep -qa __asan_init "$CANHGACD"; then
	asan=1
fi
$PY "$top_srcdir/tests/e2e/memcap_pools.py" "$tmp/pools.pcap" 700 ||
	{ echo "FAIL: cannot build the capture"; exit 1; }
printf 'sensor: {name: pools}\nlimits: {flow_memcap: 16MB}\n' >"$tmp/conf.yaml"
"$CANHGACD" -c "$tmp/conf.yaml" -r "$tmp/pools.pcap" --events "$tmp/events.json" \
	--stats "$tmp/stats.json" 2>"$tmp/stderr.txt"
rc=$?
sed 's/^/  /' "$tmp/stderr.txt"
[ $rc -eq 0 ] || { echo "FAIL: canhgacd exited with status $rc"; exit 1; }
grep -qE 'runtime error|Sanitizer' "$tmp/stderr.txt" && { echo "FAIL: sanitizer report"; exit 1; }
$PY - "$tmp/stats.json" "$tmp/events.json" "$asan" <<'PYEOF'
import json, sys
st = json.load(open(sys.argv[1]))
ev = [json.loads(l) for l in open(sys.argv[2])]
asan = sys.argv[3] == "1"
app, http, run = st["app"], st["http"], st["run"]
bound = (16 << 20) + (32 << 20)
rss = run["peak_rss_kb"] * 1024
print("app", app, "\nhttp", http, "\npeak RSS %d KiB, bound %d KiB%s" % (
    rss >> 10, bound >> 10, " (not checked under ASan)" if asan else ""))
fails = []
# Each pool on its own: one that never ran out cannot hide behind another.
for k, what in (("first_bytes_exhausted", "first-bytes buffers (half ClientHellos)"),
                ("cert_walks_exhausted", "certificate walks (half certificate flights)"),
                ("logins_exhausted", "login states (half-done logins)")):
    if app[k] <= 0:
        fails.append("the %s did not run out: app.%s is 0" % (what, k))
total = sum(app[k] for k in ("first_bytes_exhausted", "cert_walks_exhausted",
                             "logins_exhausted", "quic_hellos_exhausted"))
if app["buffers_exhausted"] != total:
    fails.append("app.buffers_exhausted %d is not the sum of the pools' %d" % (
        app["buffers_exhausted"], total))
if http["state_exhausted"] <= 0:
    fails.append("the HTTP transactions did not run out: http.state_exhausted is 0")
if not asan and rss >= bound:
    fails.append("peak RSS %d KiB >= %d KiB" % (rss >> 10, bound >> 10))
# Every packet read on through the exhaustion; logins recorded while
# states lasted.
if st["decode"]["packets"] < 700 * 4 * 4:
    fails.append("decoded %d packets" % st["decode"]["packets"])
if not any(e.get("event_type") == "plaintext" for e in ev):
    fails.append("no login read at all")
for m in fails:
    print("FAIL: " + m)
if not fails:
    print("ok: every pool's exhaustion counted, memory bounded")
sys.exit(1 if fails else 0)
PYEOF
