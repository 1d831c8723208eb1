#!/bin/bash
# The compliance report: required controls and their status per level
# equal what the catalog and rule files imply (computed here by
# compliance_expect.py with PyYAML), changes to rules, assets and
# exceptions move the status, the HTML parses and holds its SVG, and the
# running daemon answers `canhgacctl compliance` with evidence.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
CANHGACD=${CANHGACD:-$top_builddir/canhgacd}
CANHGACCTL=${CANHGACCTL:-$top_builddir/canhgacctl}
PY=/usr/bin/python3
EXPECT=$top_srcdir/tests/e2e/compliance_expect.py
me=compliance.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
$PY -c "import yaml" 2>/dev/null || skip "python3-yaml missing"
live_skipped=

tmp=$(mktemp -d /tmp/cg-compliance.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ok=0; fail=0
pass() { echo "ok   $*"; ok=$((ok + 1)); }
flunk() { echo "FAIL $*"; fail=$((fail + 1)); }

# A private copy of the example configuration with the shipped packs.
mkdir "$tmp/etc"
cp "$top_srcdir/etc/canhgac.yaml" "$tmp/etc/"
cp -R "$top_srcdir/etc/lists" "$tmp/etc/lists"
cp -RL "$top_srcdir/rules" "$tmp/etc/rules"
CONF=$tmp/etc/canhgac.yaml

report() { # LEVEL OUT [CONF]
	"$CANHGACD" -c "${3:-$CONF}" --compliance --level "$1" --format json \
	    >"$2" 2>"$tmp/err" || { cat "$tmp/err"; return 1; }
}
# field OUT CONTROL KEY: status or English reason of one control.
field() {
	$PY -c 'import json,sys
r = json.load(open(sys.argv[1]))
c = [c for c in r["controls"] if c["id"] == sys.argv[2]][0]
print(c["reason"]["en"] if sys.argv[3] == "reason" else c[sys.argv[3]])' "$@"
}

# (a) every level with the example configuration.
for l in 1 2 3 4 5; do
	if report $l "$tmp/r$l.json" &&
	    $PY "$EXPECT" "$CONF" $l "$tmp/r$l.json"; then
		pass "level $l: controls and status as the catalog and rules imply"
	else
		flunk "level $l"
	fi
done

# (a2) the unedited example configuration is not "covered" where the
# reasons apply: no remote output at level 3 (NET.LOG), indicator lists
# of documentation entries only (NET.DNS, NET.MALWARE.GW); offline, the
# self-test, capture and delivery are named as not checked, in the text
# report too, and each control's clause is printed beside it.
if $PY - "$tmp/r3.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
c = {c["id"]: c for c in r["controls"]}
def has(cid, s):
    return any(s in w["en"] for w in c[cid]["reasons"])
assert r["summary"]["covered"] == 0, r["summary"]
assert c["NET.LOG"]["status"] == "partial" and has("NET.LOG", "No remote output is configured"), c["NET.LOG"]["reasons"]
for cid in ("NET.DNS", "NET.MALWARE.GW"):
    assert c[cid]["status"] == "partial" and has(cid, "$ioc_domains used by rule") and has(cid, "documentation addresses"), c[cid]["reasons"]
assert has("NET.MALWARE.GW", "$ioc_ips used by rule"), c["NET.MALWARE.GW"]["reasons"]
assert not has("NET.ACCESS.INT", "documentation"), c["NET.ACCESS.INT"]["reasons"]
assert [u["what"] for u in r["unchecked"]] == ["selftest", "capture", "delivery"], r["unchecked"]
PYEOF
"$CANHGACD" -c "$CONF" --compliance --level 3 >"$tmp/r3.txt" 2>"$tmp/err" &&
    grep -q "^Not checked by this report: self-test of the rules (not run); capture" "$tmp/r3.txt" &&
    grep -q "^      Clause: Bảo đảm an toàn mạng" "$tmp/r3.txt" &&
    "$CANHGACD" -c "$CONF" --compliance --level 3 --lang vi --format html \
        >"$tmp/r3vi.html" 2>"$tmp/err" &&
    grep -q "Báo cáo này chưa kiểm tra được" "$tmp/r3vi.html" &&
    grep -q "<i>Điều khoản:</i>" "$tmp/r3vi.html"; then
	pass "the example configuration: NET.LOG, NET.DNS, NET.MALWARE.GW partial with their reasons; what offline could not check; clauses in text and HTML"
else
	flunk "the example configuration's stricter coverage"; head -12 "$tmp/r3.txt"
fi

# (a3) the TCVN 14423:2025 catalog: clauses at the report's level, the
# inconsistent ones marked unverified with the reason, Decree 331/2026
# only as reported and unconfirmed.
sed 's#controls-tcvn11930.yaml#controls-tcvn14423-2025.yaml#' "$CONF" >"$tmp/etc/c14423.yaml"
if report 1 "$tmp/t1.json" "$tmp/etc/c14423.yaml" &&
    report 3 "$tmp/t3.json" "$tmp/etc/c14423.yaml" &&
    $PY - "$tmp/t1.json" "$tmp/t3.json" <<'PYEOF'
import json, sys
r1, r3 = (json.load(open(p)) for p in sys.argv[1:3])
c1 = {c["id"]: c for c in r1["controls"]}
c3 = {c["id"]: c for c in r3["controls"]}
cat = r3["identity"]["catalog"]
assert cat["standard"] == "TCVN 14423:2025" and cat["id"] == "tcvn14423-2025", cat
assert c1["NET.IDS"]["clause"] == "3.12.2.2" and c3["NET.IDS"]["clause"] == "5.12.2.2", (c1["NET.IDS"]["clause"], c3["NET.IDS"]["clause"])
assert "3.12.2.2" in c3["NET.IDS"]["unverified_reason"]["en"]
for cid in ("NET.ACCESS.INT", "NET.DLP", "NET.MALWARE.GW"):
    assert c3[cid]["clause"] == "5.12.2.2 a", c3[cid]["clause"]
    assert "same clause 5.12.2.2 a" in c3[cid]["unverified_reason"]["en"], c3[cid]
notes = " ".join(n["en"] for n in cat["notes"])
assert "Decree 331/2026" in notes and "could not be confirmed" in notes, notes
assert cat["monitoring"]["report_every_months"] == 6
assert cat["incident_reporting"]["first_notice_hours"] == 24
PYEOF
then
	pass "TCVN 14423:2025: clauses at the level, inconsistent ones unverified with the reason, Decree 331/2026 unconfirmed"
else
	flunk "TCVN 14423:2025 catalog"
fi

# (b1) remove every rule covering NET.DLP (and supersedes naming them).
cp -R "$tmp/etc" "$tmp/b1"
$PY - "$tmp/b1" <<'PYEOF'
import glob, sys, yaml
gone = set()
files = glob.glob(sys.argv[1] + "/rules/*.yaml")
for f in files:
    d = yaml.safe_load(open(f))
    if isinstance(d, dict) and d.get("rules"):
        gone |= {r["sid"] for r in d["rules"] if "NET.DLP" in (r.get("controls") or [])}
for f in files:
    d = yaml.safe_load(open(f))
    if not isinstance(d, dict) or "rules" not in d:
        continue
    d["rules"] = [r for r in d["rules"] if r["sid"] not in gone]
    for r in d["rules"]:
        if "supersedes" in r:
            r["supersedes"] = [s for s in r["supersedes"] if s not in gone]
    for x in d.get("exceptions") or []:
        x["sids"] = [s for s in x["sids"] if s not in gone]
    yaml.safe_dump(d, open(f, "w"), allow_unicode=True)
PYEOF
if report 3 "$tmp/b1.json" "$tmp/b1/canhgac.yaml" &&
    [ "$(field "$tmp/r3.json" NET.DLP status)" = partial ] &&
    [ "$(field "$tmp/b1.json" NET.DLP status)" = not-covered ] &&
    field "$tmp/b1.json" NET.DLP reason | grep -q "No active rule" &&
    $PY "$EXPECT" "$tmp/b1/canhgac.yaml" 3 "$tmp/b1.json"; then
	pass "removing the rules of NET.DLP: not covered, with the reason"
else
	flunk "removing the rules of NET.DLP"
fi

# (b2) empty a required asset group: a list file, then an inline group
# (accepted with a warning naming FILE:LINE:COLUMN, as an empty list
# file is; the rules using it match nothing, so their controls are
# partial).
cp -R "$tmp/etc" "$tmp/b2"
cp -R "$tmp/etc" "$tmp/b2i"
sed -i 's/^  population_db_gateway: .*/  population_db_gateway: []/' "$tmp/b2i/canhgac.yaml"
if report 3 "$tmp/b2i.json" "$tmp/b2i/canhgac.yaml" &&
    grep -q "canhgac.yaml:[0-9]*:[0-9]*: assets.population_db_gateway is empty" "$tmp/err" &&
    ! field "$tmp/r3.json" NET.ACCESS.INT reason | grep -q population_db_gateway &&
    [ "$(field "$tmp/b2i.json" NET.ACCESS.INT status)" = partial ] &&
    field "$tmp/b2i.json" NET.ACCESS.INT reason | grep -q 'population_db_gateway.*empty' &&
    $PY "$EXPECT" "$tmp/b2i/canhgac.yaml" 3 "$tmp/b2i.json"; then
	pass "empty inline \$population_db_gateway: a warning, NET.ACCESS.INT partial"
else
	flunk "empty inline group"; cat "$tmp/err"; field "$tmp/b2i.json" NET.ACCESS.INT reason
fi
printf '# no indicators yet\n' >"$tmp/b2/lists/ioc-ips.txt"
if report 3 "$tmp/b2.json" "$tmp/b2/canhgac.yaml" &&
    [ "$(field "$tmp/b2.json" NET.MALWARE.GW status)" = partial ] &&
    field "$tmp/b2.json" NET.MALWARE.GW reason | grep -q 'ioc_ips.*empty' &&
    $PY "$EXPECT" "$tmp/b2/canhgac.yaml" 3 "$tmp/b2.json"; then
	pass "empty \$ioc_ips: NET.MALWARE.GW partial, with the reason"
else
	flunk "empty \$ioc_ips"; field "$tmp/b2.json" NET.MALWARE.GW reason
fi

# (b3) an exception on a rule covering NET.DNS; an expired one changes nothing.
sid=$($PY -c 'import json,sys
r = json.load(open(sys.argv[1]))
print([c for c in r["controls"] if c["id"] == "NET.DNS"][0]["rules"][0]["sid"])' "$tmp/r3.json")
cp -R "$tmp/etc" "$tmp/b3"; cp -R "$tmp/etc" "$tmp/b4"
for d in b3:2099-12-31 b4:2020-01-31; do
	cat >>"$tmp/${d%%:*}/canhgac.yaml" <<EOF

exceptions:
  - sids: [$sid]
    src: 10.20.0.7
    owner: "Nguyen Van A (SOC)"
    reason: "Quarterly scan, ticket 2024-118"
    expires: ${d#*:}
EOF
done
if report 3 "$tmp/b3.json" "$tmp/b3/canhgac.yaml" &&
    [ "$(field "$tmp/b3.json" NET.DNS status)" = partial ] &&
    field "$tmp/b3.json" NET.DNS reason | grep -q "Rule $sid is silenced.*Nguyen Van A" &&
    $PY "$EXPECT" "$tmp/b3/canhgac.yaml" 3 "$tmp/b3.json"; then
	pass "an exception on rule $sid: NET.DNS partial, with owner"
else
	flunk "an exception on rule $sid"; field "$tmp/b3.json" NET.DNS reason
fi
if report 3 "$tmp/b4.json" "$tmp/b4/canhgac.yaml" &&
    ! field "$tmp/b4.json" NET.DNS reason | grep -q "silenced" &&
    $PY -c 'import json,sys
r = json.load(open(sys.argv[1]))
x = [c for c in r["controls"] if c["id"] == "NET.DNS"][0]["exceptions"]
sys.exit(not (len(x) == 1 and x[0]["expired"] is True))' "$tmp/b4.json"; then
	pass "an expired exception is listed, flagged, and does not count"
else
	flunk "an expired exception"
fi

# (c) HTML in both languages: parses, has the SVG, no external requests.
for lang in en vi; do
	"$CANHGACD" -c "$CONF" --compliance --format html --lang $lang \
	    >"$tmp/r.$lang.html" 2>"$tmp/err"
	if $PY - "$tmp/r.$lang.html" "$tmp/r3.json" <<'PYEOF'
import html.parser, json, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.ext, self.text = [], set(), [], []
    def handle_starttag(self, t, a):
        self.tags.add(t)
        for k, v in a:
            if k in ("src", "href") and v and "://" in v:
                self.ext.append(v)
        if t not in ("meta", "br", "rect", "link", "img"):
            self.stack.append(t)
    def handle_startendtag(self, t, a):
        self.tags.add(t)
    def handle_endtag(self, t):
        if not self.stack or self.stack.pop() != t:
            raise SystemExit("unbalanced </%s>" % t)
    def handle_data(self, d):
        self.text.append(d)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
text = "".join(p.text)
ids = [c["id"] for c in json.load(open(sys.argv[2]))["controls"]]
assert not p.stack, p.stack
assert "svg" in p.tags and "style" in p.tags, p.tags
assert not p.ext, p.ext
assert "@page{size:A4" in text
for i in ids:
    assert i in text, i
PYEOF
	then pass "HTML ($lang): well-formed, inline SVG and CSS, every control"
	else flunk "HTML ($lang)"; fi
done

# Hashes follow the files (issue test 5): two reports of the same files
# agree; touching one rule file changes its hash and no other; so does a
# list file; the hashes are SHA-256 of the files (sha256sum agrees).
hashes() { $PY -c 'import json,sys
for f in json.load(open(sys.argv[1]))["identity"]["files"]:
    print(f["path"], f["sha256"] or "-")' "$1"; }
report 3 "$tmp/h1.json"; report 3 "$tmp/h2.json"
echo "# touched" >>"$tmp/etc/rules/dns.yaml"; report 3 "$tmp/h3.json"
echo "# touched" >>"$tmp/etc/lists/ioc-ips.txt"; report 3 "$tmp/h4.json"
hashes "$tmp/h1.json" >"$tmp/h1"; hashes "$tmp/h2.json" >"$tmp/h2"
hashes "$tmp/h3.json" >"$tmp/h3"; hashes "$tmp/h4.json" >"$tmp/h4"
d13=$(diff "$tmp/h1" "$tmp/h3" | grep -c '^>')
d34=$(diff "$tmp/h3" "$tmp/h4" | grep -c '^>')
nf=$(wc -l <"$tmp/h1")
if cmp -s "$tmp/h1" "$tmp/h2" && [ "$d13" -eq 1 ] &&
    diff "$tmp/h1" "$tmp/h3" | grep -q '^> .*/rules/dns.yaml ' &&
    [ "$d34" -eq 1 ] && diff "$tmp/h3" "$tmp/h4" | grep -q '^> .*/lists/ioc-ips.txt ' &&
    (cd / && awk '$2 != "-" {print $2 "  " $1}' "$tmp/h4" | sha256sum --quiet -c -); then
	pass "hashes ($nf files): same files same hashes; a changed rule or list file changes its own hash only; sha256sum agrees"
else
	flunk "hashes: $d13 changed after the rule file, $d34 after the list"
fi

# The running daemon (needs root for the namespaces of control_lib.sh).
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
	(
		. "$top_srcdir/tests/e2e/control_lib.sh"
		ctl_setup comp >/dev/null
		ctl_traffic 1 5 >/dev/null 2>&1
		ctl_settle
		rc=0
		ctl compliance --format json >"$tmp/live.json" || rc=1
		ctl compliance --level 3 --format html -o "$tmp/live.html" || rc=1
		$PY - "$tmp/live.json" <<'PYEOF' || rc=1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["evidence"]["available"] is True
assert r["evidence"]["interfaces"][0]["name"] == "veth0"
c = [c for c in r["controls"] if c["id"] == "NET.IDS"][0]
assert c["alerts"] > 0 and c["last_alert"], c
assert any(x["expired"] for x in c["exceptions"]), c["exceptions"]
assert r["identity"]["level"] == 2
PYEOF
		grep -q "<svg" "$tmp/live.html" || rc=1
		# -o in a directory anyone can write: a link another user
		# planted there is refused, its root-owned target untouched.
		pub=$(mktemp -d /tmp/cg-comp-pub.XXXXXX) && chmod 1777 "$pub"
		echo secret >"$pub/victim" && chmod 600 "$pub/victim"
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    ln -s "$pub/victim" "$pub/report.html" || rc=1
		if ctl compliance --format html -o "$pub/report.html" 2>"$pub/err"; then
			echo "FAIL -o followed a planted link"; rc=1
		fi
		[ "$(cat "$pub/victim")" = secret ] || { echo "FAIL victim changed"; rc=1; }
		grep -q "report.html" "$pub/err" || { echo "FAIL no message naming the path: $(cat "$pub/err")"; rc=1; }
		rm -rf "$pub"
		exit $rc
	)
	if [ $? -eq 0 ]; then pass "canhgacctl compliance: evidence, alerts per control, -o html, -o refuses a planted link"
	else flunk "canhgacctl compliance against the daemon"; fi
else
	live_skipped="the live part needs root and iproute2"
fi

echo "$ok passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
# The rest passed, but a part that did not run is a skip, not a pass.
[ -z "$live_skipped" ] || skip "$live_skipped"
