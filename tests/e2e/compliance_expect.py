#!/usr/bin/python3
"""The compliance report's expectation, computed from the files alone.

compliance_expect.py CONFIG LEVEL REPORT.json: reads the configuration,
its catalog, rule files, asset groups and exceptions with PyYAML (not
canhgacd's code), works out for LEVEL the required controls and their
status, and compares with the report canhgacd produced. Prints each
difference; exits 1 if there is one.
"""
import datetime
import glob
import json
import os
import sys

import yaml


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def refs(node, out):
    """Asset names ($x) a match uses, except under `not:`."""
    if isinstance(node, str):
        if node.startswith("$") and len(node) > 1:
            out.add(node[1:])
    elif isinstance(node, list):
        for x in node:
            refs(x, out)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k != "not":
                refs(v, out)


def main():
    conf_path, level, report = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    base = os.path.dirname(os.path.abspath(conf_path))
    conf = load(conf_path)
    sensor = conf.get("sensor", {})
    cat = load(os.path.join(base, sensor["catalog"]))
    rules, excs = [], list(conf.get("exceptions") or [])
    for pat in conf.get("rules", []):
        for f in sorted(glob.glob(os.path.join(base, pat))):
            doc = load(f)
            if not isinstance(doc, dict) or "rules" not in doc:
                continue
            rules += doc.get("rules") or []
            excs += doc.get("exceptions") or []
    assets = conf.get("assets") or {}

    def empty(name):
        if name not in assets:
            return True
        v = assets[name]
        if isinstance(v, dict) and "file" in v:
            with open(os.path.join(base, v["file"]), encoding="utf-8") as f:
                return not any(l.split("#")[0].strip() for l in f)
        return v in (None, [], "")

    def on(r, n):
        return r["level"] <= n and r.get("enabled", True) is not False

    def active(r, n):
        if not on(r, n):
            return False
        return not any(on(o, n) and r["sid"] in (o.get("supersedes") or [])
                       for o in rules)

    today = datetime.date.today()

    def live_exc(sid):
        for x in excs:
            if sid not in x.get("sids", []):
                continue
            e = x.get("expires")
            if e is None or datetime.date.fromisoformat(str(e)) >= today:
                return True
        return False

    want = {}
    for c in cat["controls"]:
        if c["level"] > level:
            continue
        cov = [r for r in rules if c["id"] in (r.get("controls") or [])
               and active(r, level)]
        outside = c.get("evidence") == "partly-outside"
        gap = None
        for r in cov:
            s = set()
            refs(r.get("match"), s)
            for a in sorted(s):
                if empty(a):
                    gap = a
                    break
            if gap:
                break
        if not cov and not outside:
            st, why = "not-covered", "No active rule"
        elif gap:
            st, why = "partial", "$" + gap
        elif any(live_exc(r["sid"]) for r in cov):
            st, why = "partial", "exception"
        elif outside:
            st, why = "outside", "outside the sensor"
        else:
            st, why = "covered", "Covered by"
        want[c["id"]] = (st, why, sorted(r["sid"] for r in cov))

    with open(report, encoding="utf-8") as f:
        rep = json.load(f)
    got = {c["id"]: c for c in rep["controls"]}
    bad = 0
    if set(got) != set(want):
        print("level %d: controls %s, expected %s"
              % (level, sorted(got), sorted(want)))
        bad = 1
    for cid, (st, why, sids) in sorted(want.items()):
        c = got.get(cid)
        if c is None:
            continue
        rs = sorted(r["sid"] for r in c["rules"])
        if c["status"] != st or why not in c["reason"]["en"] or rs != sids:
            print("level %d %s: got %s (%s) rules %s; expected %s (%s) "
                  "rules %s" % (level, cid, c["status"], c["reason"]["en"],
                                rs, st, why, sids))
            bad = 1
    if rep["identity"]["level"] != level:
        print("level %d: report says level %s" % (level,
                                                   rep["identity"]["level"]))
        bad = 1
    sys.exit(bad)


if __name__ == "__main__":
    main()
