#!/usr/bin/python3
"""The offline compliance report's expectation, from the files alone.

compliance_expect.py CONFIG LEVEL REPORT.json: reads the configuration,
its catalog, rule files, asset groups, list files and exceptions with
PyYAML (not canhgacd's code), works out for LEVEL the required controls,
their status and every reason the offline report must give (asset groups
missing, empty or only documentation entries, list files older than
compliance.max_list_age, live exceptions, central storage, and what
cannot be checked offline), and compares with the report canhgacd
produced. Prints each difference; exits 1 if there is one.
"""
import datetime
import glob
import ipaddress
import json
import os
import re
import sys
import time

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

    def entries(name):
        v = assets[name]
        if isinstance(v, dict) and "file" in v:
            with open(os.path.join(base, v["file"]), encoding="utf-8") as f:
                return [l.split("#")[0].strip() for l in f
                        if l.split("#")[0].strip()]
        if v in (None, "", []):
            return []
        return [str(x) for x in (v if isinstance(v, list) else [v])]

    def missing(name):
        return name not in assets

    def empty(name):
        return not entries(name)

    DOC_NETS = [ipaddress.ip_network(n) for n in
                ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                 "2001:db8::/32")]
    RESERVED = ("example", "test", "invalid", "localhost", "example.com",
                "example.net", "example.org")

    def doc_entry(e):
        try:
            n = ipaddress.ip_network(e, strict=False)
            return any(n.version == d.version and n.subnet_of(d)
                       for d in DOC_NETS)
        except ValueError:
            pass
        if "/" in e or re.fullmatch(r"[0-9-]+", e):
            return False
        e = e.lower().rstrip(".")
        return any(e == t or e.endswith("." + t) for t in RESERVED)

    def doc_only(name):
        es = entries(name)
        return bool(es) and all(doc_entry(e) for e in es)

    def units(s):
        m = re.fullmatch(r"(\d+)([smhd]?)", str(s))
        return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600,
                                  "d": 86400}[m.group(2)]

    max_age = units((conf.get("compliance") or {}).get("max_list_age", "7d"))

    def too_old(name):
        v = assets[name]
        if not (isinstance(v, dict) and "file" in v):
            return False
        return os.stat(os.path.join(base, v["file"])).st_mtime + max_age \
            < time.time()

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

    remote = bool((conf.get("outputs") or {}).get("remote"))
    want = {}
    for c in cat["controls"]:
        if c["level"] > level:
            continue
        cov = [r for r in rules if c["id"] in (r.get("controls") or [])
               and active(r, level)]
        outside = c.get("evidence") == "partly-outside"
        why, seen = [], set()
        for r in cov:
            s = set()
            refs(r.get("match"), s)
            for a in sorted(s):
                if a in seen:
                    continue
                seen.add(a)
                if missing(a):
                    why.append("$%s used by rule %d is not defined"
                               % (a, r["sid"]))
                    continue
                if empty(a):
                    why.append("$%s used by rule %d is empty" % (a, r["sid"]))
                    continue
                if doc_only(a):
                    why.append("$%s used by rule %d holds only documentation"
                               % (a, r["sid"]))
                if c.get("current_indicators") and too_old(a):
                    why.append("of $%s was last updated" % a)
            if live_exc(r["sid"]):
                why.append("Rule %d is silenced" % r["sid"])
        if cov:
            why.append("(self-test not run)")
            why.append("Capture and the drop rate of each interface in the "
                       "period cannot be checked offline.")
        fs = c.get("central_storage_from_level")
        if fs and level >= fs:
            why.append("cannot be checked offline" if remote else
                       "No remote output is configured")
        if not cov and not outside:
            st, why = "not-covered", ["No active rule"]
        elif why:
            st = "partial"
        elif outside:
            st, why = "outside", ["outside the sensor"]
        else:
            st, why = "covered", ["Covered by"]
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
        got_why = [w["en"] for w in c.get("reasons", [])]
        # Each expected reason in its own sentence, and no other.
        if c["status"] != st or rs != sids or len(got_why) != len(why) or \
                any(not any(w in g for g in got_why) for w in why):
            print("level %d %s: got %s rules %s reasons %s; expected %s "
                  "rules %s reasons %s" % (level, cid, c["status"], rs,
                                           got_why, st, sids, why))
            bad = 1
    if rep["identity"]["level"] != level:
        print("level %d: report says level %s" % (level,
                                                   rep["identity"]["level"]))
        bad = 1
    sys.exit(bad)


if __name__ == "__main__":
    main()
