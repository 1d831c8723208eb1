#!/bin/bash
# QUIC Initials through the whole pipeline (captures from quic.py, the
# rule tests' configuration: level 5, the shipped rules, etc/lists):
#  1. five flows, one quic record each, with the SNI, version ("1",
#     "6b3343cf") and ALPN the client sent: a v1 hello in one Initial, a
#     v2 hello on port 8443, a hello split over two Initials (CRYPTO
#     frames later bytes first), over two Initials coalesced in one
#     datagram, and after a CRYPTO frame past the 16 KiB bound (counted
#     in app.quic_oversize); JA4 starts "q13d"; nothing counted bad;
#  2. the shipped ioc_domains rule (1000704, tls.sni: $ioc_domains) fires
#     on the QUIC hello to www.bad.example, and a tls.sni rule of this
#     test ("*.quic-test.example") on the four others; `app: quic` holds;
#  3. tshark, as referee, decrypts the same Initials to the same SNIs and
#     ALPN (the hello past the bound aside: tshark stops there);
#  4. garbage (a truncated Initial, a forged tag, random bytes behind a
#     v1 header): no crash, no sanitizer report, counted in app.quic_bad;
#     a valid Initial after them on another flow is still read;
#  5. a hello in 16 Initials is read and one in 17 is not: a flow is
#     read for at most 16 client datagrams;
#  6. hellos crafted past those bounds (one declared past 16 KiB, one
#     not whole after 16 datagrams, tries.pcap's in 17) raise rule
#     1001022 with their decode errors; none of quic.pcap's does.
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
$PY -c 'import cryptography' 2>/dev/null ||
	skip "python3-cryptography is not installed (scripts/setup.sh installs it)"
replay_setup quic

cat >"$tmp/quic.rules" <<'EOF'
rules:
  - sid: 9500001
    name: QUIC to a test name
    category: policy-violation
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {app: quic, tls.sni: "*.quic-test.example"}
    message: "{src_ip} opened QUIC to {tls.sni}"
    advice: "Nothing to do: this is a test."
EOF
sed -e "s|\.\./\.\./|$top_srcdir/|g" \
    -e "s|^  - $top_srcdir/rules/\*\.yaml|&\n  - $tmp/quic.rules|" \
    "$top_srcdir/tests/rules/canhgac-test.yaml" >"$tmp/conf.yaml"
grep -q quic.rules "$tmp/conf.yaml" || { echo "FAIL: no rules line to extend"; exit 1; }

run quic "$tmp/conf.yaml"
got=$($PY - "$tmp/quic.events" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event_type"] != "quic":
        continue
    q = r["quic"]
    alpn = [v for e in q.get("extensions", []) if e["type"] == 16
            for v in e.get("values", [])]
    print(r["dest_port"], r["app_proto"], q["version"], q.get("sni"),
          ",".join(alpn), q.get("ja4", "")[:4])
PY
)
want="443 quic 1 www.bad.example h3 q13d
8443 quic 6b3343cf v2.quic-test.example h3,hq-interop q13d
4433 quic 1 split.quic-test.example h3 q13d
4434 quic 1 coalesced.quic-test.example h3 q13d
4435 quic 1 big.quic-test.example h3 q13d"
check "five quic records: SNI, version, ALPN, JA4 ($(echo $got))" [ "$got" = "$want" ]
check "five hellos counted (app.quic)" [ "$(stat quic app.quic)" = 5 ]
check "eight client Initials decrypted" [ "$(stat quic app.quic_initials)" = 8 ]
check "the CRYPTO frame past 16 KiB counted" [ "$(stat quic app.quic_oversize)" = 1 ]
check "nothing counted bad" [ "$(stat quic app.quic_bad)" = 0 ]
check "no hello there is crafted past the bounds (1001022)" \
	[ "$(count quic 1001022)" = 0 ]
check "ioc_domains rule 1000704 on the QUIC hello to www.bad.example" \
	[ "$(count quic 1000704 www.bad.example)" = 1 ]
check "tls.sni rule with app: quic on the four test names" \
	[ "$(count quic 9500001)" = 4 ]
check "alerts carry the quic object" \
	eval '$PY -c "import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not a or any(\"quic\" not in x or \"tls\" in x for x in a))" "$tmp/quic.alerts"'

if command -v tshark >/dev/null; then
	ts=$(tshark -r "$tmp/quic.pcap" -Y "tls.handshake.type == 1" -T fields \
	    -e udp.dstport -e tls.handshake.extensions_server_name \
	    -e tls.handshake.extensions_alpn_str 2>/dev/null)
	ours=$(printf '%s\n' "$got" | awk '$1 != 4435 { print $1 "\t" $4 "\t" $5 }')
	check "tshark decrypts the same SNIs and ALPN" [ -n "$ts" -a "$ts" = "$ours" ]
else
	[ "${CI:-}" = true ] && { echo "FAIL: tshark missing"; fails=1; }
	echo "note: tshark missing, no referee"
fi

run garbage "$tmp/conf.yaml"
check "garbage: counted bad ($(stat garbage app.quic_bad))" \
	[ "$(stat garbage app.quic_bad)" -ge 3 ]
check "garbage: the valid Initial after it is read" \
	eval 'grep -c "\"sni\":\"after.quic-test.example\"" "$tmp/garbage.events" | grep -qx 1'
check "garbage: no other hello" [ "$(stat garbage app.quic)" = 1 ]

# A flow is read for at most 16 client datagrams: a hello in 16 Initials
# is read, one in 17 is not (nor is its 17th Initial decrypted).
run tries "$tmp/conf.yaml"
snis=$(grep -o '"sni":"[a-z]*\.quic-test\.example"' "$tmp/tries.events" | sort -u)
check "tries: the hello in 16 Initials read, the one in 17 not ($(echo $snis))" \
	[ "$snis" = '"sni":"sixteen.quic-test.example"' ]
check "tries: one hello ($(stat tries app.quic))" [ "$(stat tries app.quic)" = 1 ]
check "tries: 32 Initials decrypted, none past the 16th of a flow ($(stat tries app.quic_initials))" \
	[ "$(stat tries app.quic_initials)" = 32 ]
check "tries: the one in 17 is an anomaly, once: 1001022 on port 52017" \
	[ "$(stat tries decode.anomalies.quic_hello_too_many_packets)" = 1 -a \
	  "$(count tries 1001022 quic_hello_too_many_packets)" = 1 -a \
	  "$(grep -c '"src_port":52017,.*"signature_id":1001022' "$tmp/tries.alerts")" = 1 ]

# Crafted past the bounds: 20 KiB of padding before the SNI; a hello
# three bytes an Initial. Neither is read; each is an anomaly (one
# alert: the suppression is by address pair).
run large "$tmp/conf.yaml"
check "large: no hello read ($(stat large app.quic))" [ "$(stat large app.quic)" = 0 ]
check "large: one of each decode error" \
	[ "$(stat large decode.anomalies.quic_hello_too_large)" = 1 -a \
	  "$(stat large decode.anomalies.quic_hello_too_many_packets)" = 1 ]
check "large: 1001022 on the padded hello" \
	[ "$(count large 1001022 quic_hello_too_large)" = 1 ]
exit $fails
