#!/bin/bash
# EVE compatibility: every record canhgacd writes for the captures of
# tests/corpus/real and for the demo capture (scripts/make-demo-pcap.py),
# events (--events) and alerts (the shipped configuration and rules), is
# validated against Suricata's EVE schema, relaxed to allow the fields
# Suricata does not have (eve_schema.py). Every record carries `host`,
# the sensor's name as Suricata writes it, next to `sensor`; every record
# type (flow, dns, tls, quic, http, ssh, plaintext, alert, alert on a DNS
# record, alert on a QUIC hello: tests/e2e/quic.py's capture) is seen.
# The schema is a test input, not part of the repository: EVE_SCHEMA, or
# ../shared/eve/suricata-eve-schema.json beside the source tree.
# Exit: 0 pass, 1 fail, 77 skip (no schema, no python3-jsonschema or
# scapy; a failure under CI=true).
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
me=eve_schema.sh
PY=/usr/bin/python3
. "$top_srcdir/tests/e2e/skip_lib.sh"
schema=${EVE_SCHEMA:-$top_srcdir/../shared/eve/suricata-eve-schema.json}
[ -f "$schema" ] || skip "Suricata's EVE schema not found: $schema"
$PY -c 'import jsonschema' 2>/dev/null ||
    skip "python3-jsonschema missing (apt-get install python3-jsonschema)"
$PY -c 'import scapy' 2>/dev/null ||
    skip "python3-scapy missing (scripts/make-demo-pcap.py needs it)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-eve.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# The shipped configuration, its alerts to a file here (as quickstart.sh),
# and a rule on every DNS question: alerts with their dns object.
awk -v out="$tmp/alerts.json" '
/^outputs:/ { print "outputs:"; print "  json: {path: \"" out "\"}"; skip = 1; next }
skip && /^[^ \t#]/ { skip = 0 }
/^  - rules\/\*\.yaml/ { print; print "  - eve-dns.yaml"; next }
!skip' "$top_srcdir/etc/canhgac.yaml" >"$tmp/canhgac.yaml"
grep -q eve-dns.yaml "$tmp/canhgac.yaml" ||
    { echo "FAIL etc/canhgac.yaml has no '  - rules/*.yaml' line"; exit 1; }
cat >"$tmp/eve-dns.yaml" <<'YAML'
rules:
  - sid: 9400001
    name: DNS name looked up
    category: dns
    severity: info
    level: 1
    controls: [NET.DNS]
    match: {dns.query: {regex: "."}}
    message: "{src_ip} looked up {dns.rrname}"
    advice: "Nothing to do: this is a test."
YAML
ln -s "$top_srcdir/etc/rules" "$tmp/rules"
ln -s "$top_srcdir/etc/lists" "$tmp/lists"
$PY "$top_srcdir/scripts/make-demo-pcap.py" "$tmp/demo.pcap" >/dev/null ||
    { echo "FAIL make-demo-pcap.py"; exit 1; }
# QUIC Initials (quic.py): quic records, and an alert on an indicator SNI.
$PY "$top_srcdir/tests/e2e/quic.py" "$tmp" || { echo "FAIL quic.py"; exit 1; }

fail=0
n=0
for f in "$top_srcdir"/tests/corpus/real/* "$tmp/demo.pcap" "$tmp/quic.pcap"; do
	case "$(basename "$f")" in
	lp_pcap-invalid-version-1.pcap | lp_shb-option-too-long.pcapng)
		continue ;;	# unreadable on purpose (corpus.sh)
	esac
	n=$((n + 1))
	"$CANHGACD" -c "$tmp/canhgac.yaml" -r "$f" --events "$tmp/ev.$n.json" \
	    >/dev/null 2>"$tmp/err" ||
	    { echo "FAIL canhgacd -r $f: $(head -n 3 "$tmp/err")"; fail=1; }
done
[ -s "$tmp/alerts.json" ] || { echo "FAIL no alerts written"; fail=1; }

if $PY "$top_srcdir/tests/e2e/eve_schema.py" "$schema" "$tmp"/ev.*.json \
    "$tmp/alerts.json" >"$tmp/out"; then
	sed 's/^/  /' "$tmp/out"
	echo "ok   $n captures: every record valid against $(basename "$schema") (relaxed)"
else
	cat "$tmp/out"; fail=1
fi
$PY - "$tmp"/ev.*.json "$tmp/alerts.json" <<'PY' || fail=1
import json, sys
types, bad = set(), []
for p in sys.argv[1:]:
    for line in open(p):
        r = json.loads(line)
        types.add(r["event_type"])
        if r.get("host") != r.get("sensor") or not r.get("host"):
            bad.append(line[:160])
        if r["event_type"] == "dns":
            d = r["dns"]
            if d.get("version") != 3 or d.get("type") not in ("request", "response"):
                bad.append(line[:160])
        if r["event_type"] == "alert" and "dns" in r:
            types.add("alert with dns")
        if r["event_type"] == "alert" and "quic" in r:
            types.add("alert with quic")
want = {"flow", "dns", "tls", "http", "ssh", "plaintext", "alert",
        "alert with dns", "quic", "alert with quic"}
ok = want <= types and not bad
print(("ok  " if ok else "FAIL") + " record types %s (want %s); host = sensor, dns version 3 in every record%s"
      % (sorted(types), sorted(want), "" if not bad else ": " + "\n    ".join(bad[:5])))
sys.exit(0 if ok else 1)
PY
exit $fail
