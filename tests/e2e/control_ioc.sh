#!/bin/bash
# Indicators that match everything: `canhgacctl list add` refuses a
# prefix wider than limits.list_min_prefix_v4 (set to /12 here) or
# limits.list_min_prefix_v6 (/32 by default), and a public suffix (com,
# co.uk, github.io), saying why, and leaves the file alone; --force adds
# one anyway, logged. A list file edited by hand to hold one loads with
# a warning naming FILE:LINE, at reload and with -T.
. "${top_srcdir:?}/tests/e2e/control_lib.sh"

# A JA3 list (TLS fingerprints) and a service list: list add refuses
# them, naming what to do.
JA3=$(mktemp /tmp/cg-ioc-ja3.XXXXXX)
printf '965bbf2a171aa976505b14d4aaa9d8ee\n' >"$JA3"
SVC=$(mktemp /tmp/cg-ioc-svc.XXXXXX)
printf '10.20.1.10 443/tcp\n' >"$SVC"
CTL_ASSETS_EXTRA="  ioc_domains: {file: ioc-domains.txt, type: domain}
  ioc_ja3: {file: $JA3, type: ja3}
  approved_services: {file: $SVC, type: service}" \
CTL_CONF_EXTRA="limits: {list_min_prefix_v4: 12}" ctl_setup ioc
IPS=$tmp/ioc-ips.txt
DOMS=$tmp/ioc-domains.txt
cp "$IPS" "$tmp/ips.orig"
cp "$DOMS" "$tmp/doms.orig"

# refused LIST ENTRY WHY: list add fails (exit 1) naming WHY and --force.
refused() {
	local out rc
	out=$(ctl list add "$1" "$2" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -q -- "$3" <<<"$out" && grep -q -- "--force" <<<"$out" &&
	    pass "list add $1 $2 refused: $out" || flunk "list add $1 $2: rc=$rc $out"
}
refused ioc_ips 0.0.0.0/0 "0.0.0.0/0 is a /0, wider than limits.list_min_prefix_v4 (/12)"
refused ioc_ips ::/0 "::/0 is a /0, wider than limits.list_min_prefix_v6 (/32)"
refused ioc_ips 10.0.0.0/8 "wider than limits.list_min_prefix_v4 (/12): it covers 2^24"
refused ioc_ips 2001:db8::/16 "2001:db8::/16 is a /16"
refused ioc_domains com "com is a public suffix"
refused ioc_domains '*.co.uk' "co.uk is a public suffix"
refused ioc_domains github.io "github.io is a public suffix"
check "refusals leave the IP list as it was" cmp -s "$IPS" "$tmp/ips.orig"
check "refusals leave the domain list as it was" cmp -s "$DOMS" "$tmp/doms.orig"
# One bad entry refuses the whole request.
out=$(ctl list add ioc_ips 203.0.113.9 0.0.0.0/0 2>&1)
[ $? -eq 1 ] && cmp -s "$IPS" "$tmp/ips.orig" &&
    pass "a request with one wide entry adds none" || flunk "mixed request: $out"

out=$(ctl list add ioc_ja3 7f855fbc8ca91032b84599b99142ebf5 2>&1)
[ $? -eq 1 ] && grep -q "ioc_ja3\" is a TLS fingerprint list: edit its file and reload" <<<"$out" &&
    [ "$(cat "$JA3")" = 965bbf2a171aa976505b14d4aaa9d8ee ] &&
    pass "list add to a JA3 list refused: $out" || flunk "list add ioc_ja3: $out"

# A service list ({file: PATH} too): refused as one, not as "not a list
# file" (which it was called before).
out=$(ctl list add approved_services 10.20.1.10 2>&1)
[ $? -eq 1 ] && grep -q "approved_services\" is a service list (IP PORT/PROTO lines): edit its file and reload" <<<"$out" &&
    [ "$(cat "$SVC")" = "10.20.1.10 443/tcp" ] &&
    pass "list add to a service list refused: $out" || flunk "list add approved_services: $out"

# Narrow enough: accepted.
check "list add ioc_ips 10.16.0.0/12" ctl list add ioc_ips 10.16.0.0/12
check "list add ioc_ips 2001:db8::/32" ctl list add ioc_ips 2001:db8::/32
check "list add ioc_domains evil.example.com" ctl list add ioc_domains evil.example.com
check "list add ioc_domains corp (not a listed suffix)" ctl list add ioc_domains corp
out=$(ctl status --force 2>&1)
[ $? -eq 2 ] && grep -q "force goes with list add" <<<"$out" &&
    pass "--force elsewhere is a usage error" || flunk "status --force: $out"

# --force, before or after the name: added, reported, logged.
out=$(ctl list add --force ioc_ips 0.0.0.0/0 2>&1) &&
    grep -q "forced: 0.0.0.0/0" <<<"$out" &&
    pass "list add --force ioc_ips 0.0.0.0/0: $(tr '\n' ' ' <<<"$out")" ||
    flunk "list add --force: $out"
out=$(ctl list add ioc_domains --force com 2>&1) &&
    grep -q "forced: com" <<<"$out" &&
    pass "list add ioc_domains --force com" || flunk "list add NAME --force: $out"
check "the forced entries are in the files" \
    grep -qx "0.0.0.0/0" "$IPS"
check "... both" grep -qx "com" "$DOMS"
check "the force was logged with the uid" \
    grep -q "control: uid 0 (pid [0-9]*): list add ioc_ips: forced: 0.0.0.0/0 is a /0" "$tmp/daemon.err"
# The reload that list add made warns of them, naming FILE:LINE.
n=$(grep -nx "0.0.0.0/0" "$IPS" | cut -d: -f1)
check "the reload warned: $IPS:$n" \
    grep -q "$IPS:$n: warning: 0.0.0.0/0 is a /0, wider than limits.list_min_prefix_v4 (/12)" "$tmp/daemon.err"

# Edited by hand: a reload loads it, with a warning naming FILE:LINE.
printf '# hand edit\nexample.org\nco.uk   # oops\n' >"$DOMS"
check "reload after a hand edit" ctl reload
check "the hand-edited public suffix is named: $DOMS:3" \
    grep -q "$DOMS:3: warning: co.uk is a public suffix: it matches every domain registered under it" "$tmp/daemon.err"
out=$("$CANHGACD" -T -c "$tmp/canhgac.yaml" 2>&1)
grep -q "$DOMS:3: warning: co.uk is a public suffix" <<<"$out" &&
    grep -q "$IPS:$n: warning: 0.0.0.0/0 is a /0" <<<"$out" &&
    pass "-T warns of both with FILE:LINE" || flunk "-T: $out"
# Many entries at once against a 3,000-line list (each line is looked
# up among the entries, case folded, not compared with each): the file
# afterwards is exactly what the old line-by-entry comparison gave,
# worked out here in Python, and the reply says the same.
$PY - "$DOMS" "$tmp/want" <<'EOF2'
import sys
with open(sys.argv[1], "w") as f:
    f.write("# many\n")
    for i in range(3000):
        d = "d%04d.example.net" % i
        f.write((d.upper() if i % 7 == 0 else d) + ("  # note\n" if i % 5 == 0 else "\n"))
# 300 present (every 10th), 20 absent, 55 that a line starts with or
# that start with a line, 20 repeats of present ones (395 in all; a
# request is at most 8 KiB).
want = ["d%04d.example.net" % i for i in range(0, 3000, 10)]
want += ["x%04d.example.net" % i for i in range(20)]
# Prefixes of a line, and a line as a prefix: not the line (d0011 stays).
want += ["d0011.example.ne", "d0011.example.nett", "d0011.example.net.x", "d0011"]
# ... and beside present ones, where the search must order them right.
for i in range(30, 200, 10):
    want += ["d%04d.example.ne" % i, "d%04d.example.net.x" % i, "d%04d" % i]
want += want[:20]
open(sys.argv[2], "w").write(" ".join(want))
EOF2
check "reload of the 3,000-line list" ctl reload
cp "$DOMS" "$tmp/doms.before"
out=$(ctl --json list remove ioc_domains $(cat "$tmp/want") 2>&1)
res=$($PY - "$tmp/doms.before" "$DOMS" "$tmp/want" "$out" <<'EOF2'
import json, sys
before = open(sys.argv[1]).read().splitlines(True)
want = open(sys.argv[3]).read().split()
r = json.loads(sys.argv[4])
def tok(l):
    t = l.split("#", 1)[0].split()
    return t[0].lower() if t else None
ws = set(want)
keep = [l for l in before if tok(l) not in ws]
assert open(sys.argv[2]).read() == "".join(keep), "file differs"
assert len(before) - len(keep) == 300, len(before) - len(keep)
present = set(tok(l) for l in before)
assert sorted(set(r["removed"])) == sorted(w for w in ws if w in present), "removed"
assert sorted(set(r["not_found"])) == sorted(w for w in ws if w not in present), "not_found"
assert any(tok(l) == "d0011.example.net" for l in keep), "d0011 removed"
print("removed 300 lines of 3,001, %d not found" % len(set(r["not_found"])))
EOF2
) && pass "list remove of 395 entries: $res" || flunk "list remove of 395 entries: $res $out"
# Add: 200 already there (some in capitals in the file), 150 new, 50
# of the new ones twice: each new one added once, in the request's order.
$PY - "$tmp/want" <<'EOF2'
import sys
want = ["d%04d.example.net" % i for i in range(1, 3000, 15)][:200]
new = ["n%04d.example.org" % i for i in range(150)]
open(sys.argv[1], "w").write(" ".join(want + new + new[:50]))
EOF2
cp "$DOMS" "$tmp/doms.before"
out=$(ctl --json list add ioc_domains $(cat "$tmp/want") 2>&1)
res=$($PY - "$tmp/doms.before" "$DOMS" "$out" <<'EOF2'
import json, sys
before = open(sys.argv[1]).read()
new = ["n%04d.example.org" % i for i in range(150)]
r = json.loads(sys.argv[3])
assert open(sys.argv[2]).read() == before + "".join(n + "\n" for n in new), "file differs"
assert r["added"] == new, "added"
assert len(r["already_present"]) == 200, len(r["already_present"])
print("added 150, 200 already present")
EOF2
) && pass "list add of 400 entries: $res" || flunk "list add of 400 entries: $res $out"

rm -f "$JA3" "$SVC"
ctl_finish
