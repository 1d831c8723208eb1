#!/usr/bin/python3
"""Vietnamese output holds no English: vi_language.py REPORT.txt REPORT.html
RULES_DIR [ALERTS.json ...].

Checked (the outputs' counters, raw JSON in the evidence, are left out):
the Vietnamese compliance report (text and HTML, tags stripped),
every shipped rule's name_vi and vi message and advice, and the
signature_vi, message and advice of alerts written with `language: vi`. Fails on an ASCII-only English
word from WORDS (identifiers such as $assets, config.keys, file names and
{placeholders} are not words), on a number with an English unit (5m, 60s),
and on the literal translations the review rejected."""
import html
import re
import sys

import yaml

# Not here: words that are Vietnamese syllables too (a, an, in, no, on, to).
WORDS = set("""
the and or of at by for from with within without not yes
none all any is are was be been this that which when where who why how
covered partial missing outside inside status rule rules alert alerts level
levels sensor sensors control controls gateway port ports pass passed fail
failed failure failures unknown high low medium critical info scan scans
scanning sweep policy violation weak crypto leak exfiltration anomaly rogue
host hosts baseline bruteforce brute force plaintext clear clause section
network number unverified verified security report catalog evidence reason
reasons last packets packet drop drops dropped rate interval period summary
required run runs start started reload changed change changes file files
list lists config exception exceptions expired event events category
categories login logins password server client traffic volume upload
connection connections request requests query queries domain domains
beacon beacons tunnel tunnelling certificate expired unclean gap gaps ok
never seen normal hour hours day days minute minutes second seconds probe
probes sent offered detected outbound inbound inventory seen uptime
protected allowed approved unapproved admin remote internal external
""".split())

# A word: ASCII letters (hyphens inside), not part of an identifier, a path,
# a $asset, a {placeholder} or a Vietnamese word (\w is Unicode here).
WORD = re.compile(r"(?<![\w$./{@:=#%\\-])[A-Za-z]+(?:-[A-Za-z]+)*"
                  r"(?![\w./}@:=(\\-])")
UNIT = re.compile(r"\b\d+(?:[.,]\d+)?\s*(ms|s|m|h|d|min|mins|sec|secs|"
                  r"minutes?|hours?|days?|seconds?)\b")
PHRASES = [
    "Được 16 quy tắc", "đang bật bao phủ", "chứng minh phần của mình",
    "tấn công làm ngập", "giao thức văn bản rõ", "SSL đã bị phá vỡ",
    re.compile(r"\b\d+ bắt buộc"),
]

fails = []


def check(where, text):
    if not text:
        return
    # `commands`, ALL-CAPS protocol words (LOGIN, STARTTLS) and the raw
    # JSON of an output's counters in the evidence are names, not text.
    for m in WORD.finditer(re.sub(r"`[^`]*`|\{\".*\}", " ", text)):
        if m.group(0).isupper():
            continue
        for part in m.group(0).split("-"):
            if part.lower() in WORDS:
                fails.append("%s: English word %r in: %s" %
                             (where, part, text.strip()[:300]))
    for m in UNIT.finditer(text):
        fails.append("%s: unit %r not in Vietnamese in: %s" %
                     (where, m.group(0), text.strip()[:300]))
    for p in PHRASES:
        if (p.search(text) if hasattr(p, "search") else p in text):
            fails.append("%s: literal translation %r" % (where, p))
    if "cổng kết nối" in text:
        fails.append("%s: the gateway is \"máy chủ kết nối\", \"cổng\" is "
                     "a port: %s" % (where, text.strip()[:300]))


def lines(where, text):
    for i, line in enumerate(text.splitlines(), 1):
        check("%s:%d" % (where, i), line)


def html_text(doc):
    doc = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", doc)
    doc = re.sub(r"<[^>]*>", "\n", doc)
    return html.unescape(doc)


def vi(t):
    return t.get("vi") if isinstance(t, dict) else t


text = open(sys.argv[1], encoding="utf-8").read()
lines("report.txt", text)
if "cấp độ an toàn hệ thống thông tin" not in text.splitlines()[0]:
    fails.append("report.txt: title lacks \"cấp độ an toàn hệ thống "
                 "thông tin\": " + text.splitlines()[0])
page = html_text(open(sys.argv[2], encoding="utf-8").read())
lines("report.html", page)
if "cấp độ an toàn hệ thống thông tin" not in page:
    fails.append("report.html: title lacks \"cấp độ an toàn hệ thống "
                 "thông tin\"")

import glob  # noqa: E402
import os  # noqa: E402
nrules = 0
for path in sorted(glob.glob(os.path.join(sys.argv[3], "*.yaml"))):
    doc = yaml.safe_load(open(path, encoding="utf-8")) or {}
    for r in doc.get("rules") or []:
        nrules += 1
        where = "%s sid %s" % (os.path.basename(path), r.get("sid"))
        if not r.get("name_vi"):
            fails.append(where + ": no name_vi")
        check(where + " name_vi", r.get("name_vi"))
        for k in ("message", "advice"):
            if not isinstance(r.get(k), dict) or not r[k].get("vi"):
                fails.append("%s: %s has no vi" % (where, k))
            check("%s %s.vi" % (where, k), vi(r.get(k)))
    for c in doc.get("controls") or []:
        for k in ("description", "unverified_reason"):
            check("%s %s %s.vi" % (path, c.get("id"), k), vi(c.get(k)))
if nrules < 50:
    fails.append("only %d rules found in %s" % (nrules, sys.argv[3]))

import json  # noqa: E402
nalerts = 0
for path in sys.argv[4:]:
    for line in open(path, encoding="utf-8"):
        a = json.loads(line).get("alert")
        if not a:
            continue
        nalerts += 1
        if not a.get("signature_vi"):
            fails.append("alert %s: no signature_vi" % a.get("signature_id"))
        for k in ("signature_vi", "message", "advice"):
            check("alert %s %s" % (a.get("signature_id"), k), a.get(k))
if len(sys.argv) > 4 and nalerts == 0:
    fails.append("no alerts written with language: vi")

for f in fails:
    print("FAIL " + f)
print("%d rules, %d alerts checked, %d failures" % (nrules, nalerts,
                                                     len(fails)))
sys.exit(1 if fails else 0)
