#!/bin/bash
# "Covered" is earned, and the evidence bundle proves what the report says.
#
# A live daemon (veth in namespaces) at level 3 with the shipped packs,
# indicator lists of real (non-documentation) entries and a remote
# output to a real syslog-ng (the shipped collector configuration, TLS):
#  - after an indicator alert reached the collector and the self-test of
#    the rule set (the cases built with the rules) passed, no control with
#    rules has a reason left: every one is covered (or, for a control that
#    needs evidence outside the sensor, "outside"), and the report leaves
#    nothing unchecked;
#  - every partial control lists each reason as one sentence, in English
#    and Vietnamese;
#  - an indicator list file older than compliance.max_list_age makes the
#    controls that need current indicators partial, with that reason;
#  - `canhgacctl evidence --sign KEY -o FILE.tar.gz` writes a bundle that
#    `sha256sum -c MANIFEST.sha256` and `openssl dgst -sha256 -verify`
#    accept; changing one file, or the manifest, makes them fail.
. "$top_srcdir/tests/e2e/control_lib.sh"
. "$top_srcdir/tests/e2e/compliance_lib.sh"
command -v syslog-ng >/dev/null || skip "syslog-ng not installed (syslog-ng-core)"
command -v openssl >/dev/null || skip "openssl not installed"
command -v sha256sum >/dev/null || skip "sha256sum missing"
MANIFEST=$top_builddir/rules/selftest/manifest.json
grep -q '"sid"' "$MANIFEST" 2>/dev/null ||
    skip "no self-test cases in $MANIFEST (make builds them with python3-scapy)"
comp_setup cevid 3
# syslog_lib.sh's collector helpers, with this test's directory and pids.
me=compliance_evidence
SHIPPED_CONF=$top_srcdir/etc/syslog-ng/canhgac-collector.conf
TMP=$tmp/sl
SL_PIDS=
fail() { echo "FAIL $*"; exit 1; }
eval "$(sed -n '/^sl_certs()/,/^}/p; /^sl_collector_conf()/,/^}/p; /^sl_collector_start()/,/^}/p; /^sl_wait_lines()/,/^}/p' "$top_srcdir/tests/e2e/syslog_lib.sh")"
cleanup_hooks+=('for p in $SL_PIDS; do kill $p 2>/dev/null; done')

net=$(( ($$ % 200) + 20 ))
ip -n "${ns}a" addr add "10.96.$net.1/24" dev veth0
ip -n "${ns}b" addr add "10.96.$net.2/24" dev veth1
ip -n "${ns}a" link set lo up
ip -n "${ns}b" route add default via "10.96.$net.1"

sl_certs "$TMP/certs"
port=$((20000 + $$ % 20000))
sl_collector_conf "$TMP/c" "$port" 127.0.0.1
sl_collector_start "$TMP/c" "${ns}a"

# Real (test) indicators: nothing from RFC 5737/3849 or reserved names.
cat >"$tmp/etc/lists/ioc-ips.txt" <<'EOF'
# test feed
45.137.21.9
185.220.101.0/24
2a0d:5600:24::/48
EOF
cat >"$tmp/etc/lists/ioc-domains.txt" <<'EOF'
c2-update-check.vn
malware-cdn.net
EOF
# TLS client fingerprints of a test feed (JA3 MD5, JA4).
echo "e7d705a3286e19ea42f587b344ee6865" >"$tmp/etc/lists/ioc-ja3.txt"
echo "t13d1516h2_8daaf6152771_02713d6af862" >"$tmp/etc/lists/ioc-ja4.txt"
$PY - "$tmp" "$port" "$MANIFEST" <<'PYEOF'
import sys, yaml
tmp, port = sys.argv[1], int(sys.argv[2])
p = tmp + "/etc/canhgac.yaml"
conf = yaml.safe_load(open(p))
conf["sensor"]["selftest_cases"] = sys.argv[3]
conf["outputs"]["remote"] = [{
    "host": "127.0.0.1", "port": port, "transport": "tls",
    "ca": tmp + "/sl/certs/ca.pem", "server_name": "collector.test",
    "spool": tmp + "/spool", "drain_timeout": "2s"}]
conf["compliance"] = {"max_list_age": "2d", "max_drop_rate": "5%"}
# Where the gateway may connect: a real partner, not a documentation address.
conf["assets"]["approved_destinations"] = ["10.96.250.10"]
yaml.safe_dump(conf, open(p, "w"), allow_unicode=True)
PYEOF
comp_start
for _ in $(seq 600); do
	grep -q "self-test of rule set" "$tmp/daemon.err" && break
	sleep 0.2
done
check "the self-test of the rule set ran" grep -q "self-test of rule set .*, 0 failed" "$tmp/daemon.err"

# An indicator alert: UDP to a listed address, seen on veth0.
ip netns exec "${ns}b" $PY -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(b"x", ("45.137.21.9", 4444))
'
if sl_wait_lines "$TMP/c/out/lgs-dc1-gw1.json" 1 20 2>/dev/null ||
    ls "$TMP/c/out/"*.json >/dev/null 2>&1; then
	pass "the indicator alert reached the collector"
else
	flunk "nothing reached the collector"; ls -la "$TMP/c/out"; cat "$TMP/c/syslog-ng.log"
fi
for _ in $(seq 40); do
	ls "$TMP/c/out/"*.json >/dev/null 2>&1 && break
	sleep 0.5
done

ctl compliance --format json >"$tmp/r.json" || { cat "$tmp/r.json"; flunk "compliance"; }
$PY - "$tmp/r.json" <<'PYEOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
bad = 0
for c in r["controls"]:
    why = c.get("reasons") or []
    for w in why:
        for lang in ("en", "vi"):
            t = w.get(lang, "")
            # One sentence: ends with a full stop, no full stop followed
            # by a capital inside it.
            if not t.endswith(".") or re.search(r"\w\)?\. [A-ZĐ]", t):
                print("%s: not one sentence (%s): %r" % (c["id"], lang, t))
                bad = 1
        if not w.get("vi") or w["vi"] == w["en"]:
            print("%s: no Vietnamese for %r" % (c["id"], w["en"]))
            bad = 1
    if c["status"] == "partial" and not why:
        print("%s: partial without a reason" % c["id"])
        bad = 1
    if not c["rules"]:
        continue
    # "outside": the sensor's part is done, the rest is not the sensor's.
    if c["status"] not in ("covered", "outside") or any(
            k in w["en"] for w in why for k in ("untested", "self-test not run",
                                                "failed its self-test",
                                                "another rule set")):
        print("%s: %s, reasons %s" % (c["id"], c["status"], [w["en"] for w in why]))
        bad = 1
if r["summary"]["covered"] == 0:
    print("nothing covered:", r["summary"])
    bad = 1
u = [x["what"] for x in r["unchecked"]]
if u:
    print("a live report with a self-test should leave nothing unchecked:", u)
    bad = 1
sys.exit(bad)
PYEOF
check "real lists, a delivering remote output and a passing self-test: every control with rules is covered, each reason one sentence in en and vi" [ $? -eq 0 ]

# A list older than compliance.max_list_age (2d): the controls that need
# current indicators (NET.DNS, NET.MALWARE.GW) say so; others do not. The
# report judges the lists as loaded: the file's age on disk counts once
# a reload has read it, not before.
touch -d "5 days ago" "$tmp/etc/lists/ioc-domains.txt"
aged() {
	$PY - "$1" "$2" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
want = sys.argv[2] == "1"
c = {c["id"]: c for c in r["controls"]}
def aged(cid):
    return [w for w in c[cid]["reasons"] if "compliance.max_list_age" in w["en"]
            and "ioc-domains.txt" in w["en"] and "5 days" in w["en"]
            and "5 ngày" in w["vi"]]
ok = (bool(aged("NET.DNS")) and bool(aged("NET.MALWARE.GW")) and
      not aged("NET.IDS")) if want else not (aged("NET.DNS") or aged("NET.MALWARE.GW"))
if not ok:
    for k in ("NET.DNS", "NET.MALWARE.GW"):
        print(k, [w["en"] for w in c[k]["reasons"]])
sys.exit(0 if ok else 1)
PYEOF
}
ctl compliance --format json >"$tmp/touched.json"
aged "$tmp/touched.json" 0
check "a list file aged on disk but not reloaded: the report judges the list as loaded (not aged)" [ $? -eq 0 ]
ctl reload >/dev/null || flunk "canhgacctl reload"
ctl compliance --format json >"$tmp/old.json"
aged "$tmp/old.json" 1
check "a list file older than compliance.max_list_age, reloaded: the controls needing current indicators are partial with its age" [ $? -eq 0 ]

# The evidence bundle, signed with an EC key.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/key.pem" 2>/dev/null
openssl pkey -in "$tmp/key.pem" -pubout -out "$tmp/pub.pem" 2>/dev/null
ctl evidence --since 1h --sign "$tmp/key.pem" -o "$tmp/ev.tar.gz" >"$tmp/ev.out" 2>&1 ||
    { cat "$tmp/ev.out"; flunk "evidence"; }
mkdir "$tmp/x"
tar -xzf "$tmp/ev.tar.gz" -C "$tmp/x" && d=$(echo "$tmp"/x/canhgac-evidence-*)
check "the bundle is a tar.gz with one directory" [ -d "$d" ]
for f in report.json report.en.txt report.vi.txt report.en.html \
    report.vi.html selftest.json inputs.sha256 history.json alerts.json \
    VERIFY.txt MANIFEST.sha256 MANIFEST.sha256.sig; do
	[ -s "$d/$f" ] || flunk "bundle lacks $f"
done
check "the manifest names every other file" [ "$(wc -l <"$d/MANIFEST.sha256")" -eq 10 ]
(cd "$d" && sha256sum --quiet -c MANIFEST.sha256)
check "sha256sum -c MANIFEST.sha256 passes" [ $? -eq 0 ]
openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$d/MANIFEST.sha256.sig" \
    "$d/MANIFEST.sha256" >"$tmp/v1.out" 2>&1
check "openssl dgst -sha256 -verify accepts the signature" grep -q "Verified OK" "$tmp/v1.out"
$PY - "$d" <<'PYEOF'
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/report.json"))
h = json.load(open(d + "/history.json"))
a = json.load(open(d + "/alerts.json"))
s = json.load(open(d + "/selftest.json"))
ok = (h.get("history") is True and h["runs"] and a["total"] >= 1
      and a["by_control"]["NET.MALWARE.GW"] >= 1 and s["fail"] == 0
      and s["pass"] >= 30 and len(s["digest"]) == 64
      and s["digest"] == h["selftest"]["digest"]
      and "Clause" in open(d + "/report.en.txt").read()
      and "Điều khoản" in open(d + "/report.vi.html").read()
      and r["period"]["since"] is not None)
for line in open(d + "/inputs.sha256"):
    hx, path = line.rstrip("\n").split("  ", 1)
    import hashlib
    if hashlib.sha256(open(path, "rb").read()).hexdigest() != hx:
        print("inputs.sha256: wrong hash for", path)
        ok = False
sys.exit(0 if ok else 1)
PYEOF
check "the bundle holds the report, history, alert counts, the self-test results and the inputs' true hashes" [ $? -eq 0 ]
$PY "$top_srcdir/tests/e2e/vi_language.py" "$d/report.vi.txt" \
    "$d/report.vi.html" "$top_srcdir/rules" >"$tmp/vi.out" 2>&1
check "the Vietnamese report with the sensor's evidence holds no English (vi_language.py)" [ $? -eq 0 ]
grep FAIL "$tmp/vi.out" | head -20

# Tamper with one file: the manifest check fails, naming it.
cp -R "$d" "$tmp/t1"
sed -i 's/"covered": 0/"covered": 12/' "$tmp/t1/report.json"
(cd "$tmp/t1" && sha256sum -c MANIFEST.sha256) >"$tmp/t1.out" 2>&1
check "a changed report.json fails sha256sum -c" [ $? -ne 0 ]
check "the failure names report.json" grep -q "report.json: FAILED" "$tmp/t1.out"
# Re-hash it into the manifest: the signature check fails.
(cd "$tmp/t1" && sed -i "s/^[0-9a-f]*  report.json\$/$(sha256sum report.json | cut -d' ' -f1)  report.json/" MANIFEST.sha256 &&
    sha256sum --quiet -c MANIFEST.sha256)
check "(the manifest, re-hashed, matches the changed file)" [ $? -eq 0 ]
openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/t1/MANIFEST.sha256.sig" \
    "$tmp/t1/MANIFEST.sha256" >"$tmp/v2.out" 2>&1
check "a re-hashed manifest fails openssl dgst -verify" [ $? -ne 0 ]
check "openssl says Verification failure" grep -q "Verification failure" "$tmp/v2.out"

# An unsigned bundle has no signature; a bad key is refused, naming it.
ctl evidence -o "$tmp/ev2.tar.gz" >/dev/null 2>&1
check "without --sign: no signature in the bundle" \
    bash -c "! tar -tzf '$tmp/ev2.tar.gz' | grep -q sig"
echo "not a key" >"$tmp/bad.pem"
ctl evidence --sign "$tmp/bad.pem" -o "$tmp/ev3.tar.gz" >"$tmp/ev3.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'bad.pem: not a PEM private key' "$tmp/ev3.out" &&
    [ ! -e "$tmp/ev3.tar.gz" ]; then
	pass "a file that is not a key is refused, naming it, and no bundle is written"
else
	flunk "bad key: rc $rc, $(cat "$tmp/ev3.out")"
fi
ln -s "$tmp/victim" "$tmp/link.tar.gz"
echo keep >"$tmp/victim"
ctl evidence -o "$tmp/link.tar.gz" >"$tmp/ev4.out" 2>&1
check "-o through a symbolic link fails" [ $? -ne 0 ]
check "-o through a symbolic link is refused and its target kept" \
    [ "$(cat "$tmp/victim")" = keep ]
ctl_finish
