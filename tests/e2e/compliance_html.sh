#!/bin/bash
# Issue test 4: the HTML report of a live daemon with a week of history
# (earlier days written into its state file, today's from a replayed
# capture) rendered by headless Chromium to a PNG and, through PDF (A4,
# the print style) and pdftotext, to text: the text holds every control
# id with its status, and Chromium's net log shows no request other than
# the file itself (DNS is also mapped to nowhere, so a request could not
# succeed quietly). The page is also checked without a browser: no
# src/href/url() at all. One day's interface name in the state file (the
# service user's to write) is markup that would fetch: shown escaped.
. "$top_srcdir/tests/e2e/control_lib.sh"
. "$top_srcdir/tests/e2e/compliance_lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser)
[ -n "$CHROMIUM" ] || skip "chromium missing (scripts/setup.sh installs it)"
command -v pdftotext >/dev/null || skip "pdftotext missing (poppler-utils)"
command -v tcpreplay >/dev/null || skip "tcpreplay missing"
comp_setup chtml 3
$PY "$top_srcdir/scripts/make-demo-pcap.py" "$tmp/demo.pcap" >/dev/null
# A first run makes the state file; then six earlier days go into it.
comp_start
ctl shutdown >/dev/null; wait "$dpid"
$PY - "$tmp/etc/state/state.json" <<'PYEOF'
import json, sys, time
# 63 bytes, the longest name the state file keeps.
HOSTILE = 'e9"></title><script>fetch("//p3.invalid")</script><svg onload='
assert len(HOSTILE) <= 63
d = json.load(open(sys.argv[1]))
now = int(time.time())
day = now - now % 86400
cats = ["scan", "plaintext", "weak-crypto", "dns", "ioc"]
ctls = ["NET.IDS", "NET.CRYPTO", "NET.CRYPTO", "NET.DNS", "NET.MALWARE.GW"]
for k in range(6, 0, -1):
    t = day - k * 86400 + 3 * 3600
    d["runs"].insert(0, {"start": t, "seen": t + 20 * 3600, "end": t + 20 * 3600,
                         "clean": k != 3, "digest": "0" * 64})
    cnt = {c: (k * (i + 2)) % 7 + (i == 0) for i, c in enumerate(cats)}
    ctc = {}
    for c, x in zip(ctls, cnt.values()):
        ctc[c] = ctc.get(c, 0) + x
    d["alerts"].insert(0, {"t": t, "span": 3600, "total": sum(cnt.values()),
                           "categories": cnt, "controls": ctc})
    for h in range(0, 20, 4):
        # The state file is the service user's to write: one day's
        # interface name is markup that would fetch if not escaped.
        d["traffic"].insert(0, {"t": t + h * 3600, "span": 3600,
                                "iface": HOSTILE if k == 2 else "veth0",
                                "packets": 100000, "received": 100000,
                                "drops": (k * 37 + h * 11) % 90})
# A reload's digest and an interface's state are the service user's to
# write too (the digest is printed cut to 16 bytes, the state is at most
# 15): markup that hides the rest of the page if not escaped.
t = day - 2 * 86400 + 5 * 3600
d["reloads"].append({"time": t, "ok": True, "digest": "<!--<b id=dg1>"})
d["iface_events"] += [{"time": t, "iface": "veth0", "state": "<i id=st1>"},
                      {"time": t + 60, "iface": "veth0", "state": "up"}]
d["alerts"].sort(key=lambda r: r["t"]); d["traffic"].sort(key=lambda r: r["t"])
d["runs"].sort(key=lambda r: r["start"])
json.dump(d, open(sys.argv[1], "w"))
PYEOF
comp_start
ip netns exec "${ns}b" tcpreplay -q -i veth1 --mbps 10 "$tmp/demo.pcap" >/dev/null 2>&1
sleep 2
ctl compliance --format json >"$tmp/r.json"
ctl compliance --format html -o "$tmp/report.html" &&
    pass "canhgacctl compliance --format html" || flunk "html report"
ctl compliance --format html --lang vi -o "$tmp/report.vi.html"

# Without a browser: nothing that could fetch anything; the hostile
# interface name is there, as text.
grep -qF 'e9&quot;&gt;&lt;/title&gt;&lt;script&gt;fetch' "$tmp/report.html" &&
    pass "the state file's markup is shown escaped" ||
    flunk "the hostile interface name is not in the page escaped: $(grep -o 'e9.\{60\}' "$tmp/report.html" | head -1)"
for m in '<!--<b id=dg1>' '<i id=st1>'; do
	e=$(printf '%s' "$m" | sed 's/</\&lt;/g; s/>/\&gt;/g')
	if grep -qF -- "$m" "$tmp/report.html" "$tmp/report.vi.html"; then
		flunk "the state file's markup $m is in the page as markup"
	elif grep -qF -- "$e" "$tmp/report.html" &&
	    grep -qF -- "$e" "$tmp/report.vi.html"; then
		pass "the state file's $m is shown escaped"
	else
		flunk "the state file's $m is not in the page"
	fi
done
if grep -Eiq '(src|href)=|url\(|@import|<script|<link|<img|<svg[^>]*onload' "$tmp/report.html" "$tmp/report.vi.html"; then
	flunk "the page refers to something outside it:"
	grep -Eio '.{30}((src|href)=|url\(|@import|<script|<link|<img).{30}' "$tmp/report.html" | head
else
	pass "no src/href/url()/script/link/img in the page"
fi

chrome() { # OUT-OPTION NETLOG PAGE [OPTION...]
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --hide-scrollbars --no-pdf-header-footer --print-to-pdf-no-header \
	    --no-first-run --disable-extensions --disable-sync \
	    --disable-background-networking --disable-component-update \
	    --user-data-dir="$tmp/chrome" \
	    --host-resolver-rules="MAP * ~NOTFOUND" \
	    --log-net-log="$2" --net-log-capture-mode=Everything \
	    "${@:4}" "$1" "file://$3" >>"$tmp/chrome.out" 2>&1
}
chrome --screenshot="$tmp/report.png" "$tmp/net1.json" "$tmp/report.html" \
    --window-size=820,4200
chrome --print-to-pdf="$tmp/report.pdf" "$tmp/net2.json" "$tmp/report.html"
chrome --print-to-pdf="$tmp/report.vi.pdf" "$tmp/net3.json" "$tmp/report.vi.html"
if [ -s "$tmp/report.png" ] && [ "$(head -c 8 "$tmp/report.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ]; then
	pass "PNG rendered ($(stat -c %s "$tmp/report.png") bytes)"
else flunk "no PNG"; tail -20 "$tmp/chrome.out"; fi
for l in en vi; do
	pdf=$tmp/report.pdf; [ $l = vi ] && pdf=$tmp/report.vi.pdf
	if pdftotext -layout "$pdf" "$tmp/report.$l.txt" 2>/dev/null; then
		pass "PDF ($l) to text: $(pdfinfo "$pdf" 2>/dev/null | grep -E '^(Pages|Page size)' | tr -s ' ' | tr '\n' ' ')"
	else flunk "PDF ($l)"; tail -20 "$tmp/chrome.out"; fi
done
if pdfinfo "$tmp/report.pdf" | grep -q "Page size:.*(A4)"; then pass "printed on A4"
else flunk "not A4: $(pdfinfo "$tmp/report.pdf" | grep 'Page size')"; fi
$PY - "$tmp/r.json" "$tmp/report.en.txt" "$tmp/report.vi.txt" <<'PYEOF'
import json, re, sys, unicodedata
r = json.load(open(sys.argv[1]))
bad = 0
for f in sys.argv[2:]:
    # pdftotext may break a long line: compare without whitespace.
    text = unicodedata.normalize("NFC", re.sub(r"\s+", "", open(
        f, encoding="utf-8").read()))
    for c in r["controls"]:
        # The level may wrap below the id, past cells of the same row.
        i = text.find(c["id"])
        lv = "(L%d)" % c["level"]
        # The Vietnamese page names the status in Vietnamese only (the
        # long one in two lines).
        st = "[" + c["status"] + "]" if not f.endswith(".vi.txt") else {
            "covered": "đãđápứng", "partial": "đápứngmộtphần",
            "not-covered": "chưađápứng",
            "outside": "cầnbằngchứng"}[c["status"]]
        if i < 0 or not 0 <= text.find(lv, i) - i < 200 or \
                text.find(st, i) < 0 or text.find(st, i) - i > 2000:
            print("%s: %s with status %s not found" % (f, c["id"], st))
            bad = 1
    for w in ("NET.IDS", "veth0"):
        if w not in text:
            print("%s: %s missing" % (f, w)); bad = 1
print("controls checked:", len(r["controls"]))
sys.exit(bad)
PYEOF
check "the rendered text holds every control id with its status (en, vi)" [ $? -eq 0 ]
# The detector is proven first: a copy of the page with an image and a
# CSS background by URL must show both as requests made for the page
# (Chromium's own background requests, updates and sign-in, are told
# apart by their network isolation key: not the file:// site).
sed 's|<body>|<body><img src="http://probe.invalid/x.png"><div style="background:url(https://probe2.invalid/y.png)">x</div>|' \
    "$tmp/report.html" >"$tmp/probe.html"
chrome --print-to-pdf="$tmp/probe.pdf" "$tmp/net0.json" "$tmp/probe.html"
$PY - "$tmp"/net0.json "$tmp"/net1.json "$tmp"/net2.json "$tmp"/net3.json <<'PYEOF'
import json, sys
def page_requests(f):
    raw = open(f).read()
    try:
        log = json.loads(raw)
    except ValueError:    # a net log cut short by the exit
        log = json.loads(raw.rstrip().rstrip(",") + "]}")
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    out = []
    for e in log.get("events", []):
        p = e.get("params") or {}
        if types.get(e["type"]) == "URL_REQUEST_START_JOB" and (
                "file://" in p.get("network_isolation_key", "") or
                p.get("initiator") == "null"):
            out.append(p["url"])
    return out
probe = page_requests(sys.argv[1])
print("probe page, requests for the page:", probe)
bad = sorted(probe) != ["http://probe.invalid/x.png", "https://probe2.invalid/y.png"]
if bad:
    print("the detector does not see the probe's requests: not trusted")
for f in sys.argv[2:]:
    r = page_requests(f)
    print("%s: requests for the page: %s" % (f.rsplit("/", 1)[1], r))
    bad |= bool(r)
sys.exit(bad)
PYEOF
check "Chromium's net log: no request but the file itself" [ $? -eq 0 ]
cp "$tmp/report.png" "$tmp/report.pdf" "$tmp/report.html" "${CG_HTML_OUT:-$tmp}/" 2>/dev/null
ctl_finish
