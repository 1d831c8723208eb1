#!/bin/bash
# docs_alerts.sh — every JSON example in docs/alerts.md is a record that
# canhgacd writes today: the demo capture (scripts/make-demo-pcap.py) is
# read with the shipped rule packs at level 5, as the document says, and
# each example must equal one of the alert or event records written
# (compared as JSON values, so the pretty-printed one counts too); the
# quic example comes from tests/e2e/quic.py's capture.
# Needs python3 with scapy (scripts/setup.sh): skips without it, fails
# under CI=true.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
me=docs_alerts.sh
PY=/usr/bin/python3

. "$top_srcdir/tests/e2e/skip_lib.sh"
tmp=$(mktemp -d /tmp/cg-docs-alerts-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/e2e/demo_lib.sh"
# The documented records are one worker's (flow ids are numbered per
# worker): the demo runs with one, as the docs were made.
demo_run ", workers: 1"
# The quic record's example: tests/e2e/quic.py's capture, same settings.
$PY "$top_srcdir/tests/e2e/quic.py" "$tmp" >/dev/null 2>&1 ||
	{ echo "FAIL: tests/e2e/quic.py"; exit 1; }
if ! "$CANHGACD" -c "$tmp/demo.yaml" -r "$tmp/quic.pcap" \
    --events "$tmp/quic-events.json" >"$tmp/out" 2>&1; then
	echo "FAIL: canhgacd on quic.pcap:"; cat "$tmp/out"; exit 1
fi
cat "$tmp/quic-events.json" >>"$tmp/events.json"
# The dhcp records' example: a DISCOVER and its OFFER, made here.
$PY - "$tmp/dhcp.pcap" <<'PYEOF' || { echo "FAIL: writing dhcp.pcap"; exit 1; }
import sys
from scapy.all import Ether, IP, UDP, BOOTP, DHCP, wrpcap
mac = bytes.fromhex("020000000021")
d = (Ether(src="02:00:00:00:00:21", dst="ff:ff:ff:ff:ff:ff") /
     IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) /
     BOOTP(op=1, xid=0x1a2b3c4d, chaddr=mac) /
     DHCP(options=[("message-type", "discover"), ("hostname", "ke-toan-01"),
                   "end"]))
o = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:21") /
     IP(src="10.20.0.1", dst="10.20.5.21") / UDP(sport=67, dport=68) /
     BOOTP(op=2, xid=0x1a2b3c4d, yiaddr="10.20.5.21", chaddr=mac) /
     DHCP(options=[("message-type", "offer"), ("server_id", "10.20.0.1"),
                   ("lease_time", 86400), "end"]))
d.time, o.time = 1735700400.0, 1735700400.002
wrpcap(sys.argv[1], [d, o])
PYEOF
if ! "$CANHGACD" -c "$tmp/demo.yaml" -r "$tmp/dhcp.pcap" \
    --events "$tmp/dhcp-events.json" >"$tmp/out" 2>&1; then
	echo "FAIL: canhgacd on dhcp.pcap:"; cat "$tmp/out"; exit 1
fi
cat "$tmp/dhcp-events.json" >>"$tmp/events.json"
$PY - "$top_srcdir/docs/alerts.md" "$tmp/alerts.json" "$tmp/events.json" <<'EOF'
import json, re, sys

doc = open(sys.argv[1], encoding="utf-8").read()
written = []
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        written += [json.loads(line) for line in f]
examples = []
for block in re.findall(r"```json\n(.*?)```", doc, re.S):
    try:
        examples.append(json.loads(block))
    except ValueError:
        examples += [json.loads(l) for l in block.splitlines() if l.strip()]
fail = 0
for ex in examples:
    what = "%s %s" % (ex.get("event_type"), ex.get("alert", {}).get(
        "signature_id", ex.get("flow_id")))
    if ex in written:
        print("ok   %s: written as documented" % what)
    else:
        print("FAIL %s: not among the %d records written:\n     %s" %
              (what, len(written), json.dumps(ex)))
        fail = 1
if len(examples) < 10:
    print("FAIL docs/alerts.md: only %d JSON examples found" % len(examples))
    fail = 1
sys.exit(fail)
EOF
