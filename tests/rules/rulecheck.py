"""Run the rule-pack cases through canhgacd and check the alerts.

usage: rulecheck.py CANHGACD TOP_SRCDIR WORKDIR [SID ...]

1. Coverage: every sid of rules/*.yaml has a case in cases.py, or is in
   cases.UNTESTABLE with a reason; every case names a shipped sid.
2. For every sid: each positive capture gives exactly one alert of that
   sid, with the fields of the contract's alert record and the rule's
   own name, category, severity, level and controls, and with message
   and advice fully expanded (and, when the case has `says`, a message
   matching those regular expressions; with `says_vi`, the same in
   Vietnamese); each
   negative capture gives none.
3. Vietnamese: one positive run with sensor.language vi.
4. Incidents (cases.INCIDENTS): the exact set of sids one piece of
   hostile activity raises at a level, one alert each.
5. Benign: benign.py's capture gives no alert at all at levels 1 to 5.

Exit 0 when everything holds, 1 otherwise. With SIDs, only those cases
(and no benign or coverage check) run.
"""
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases  # noqa: E402
import benign  # noqa: E402

SEVERITY = {"critical": 1, "high": 2, "medium": 3, "low": 4, "info": 5}
FLOWLESS = {"sensor"}          # alerts about the sensor carry no addresses
HOST_EVENTS = {"host_new", "arp_change"}   # about one address, no flow


def load_rules(top):
    """sid -> rule (dict), from the shipped packs."""
    rules = {}
    files = sorted(glob.glob(os.path.join(top, "rules", "*.yaml")))
    try:
        import yaml
    except ImportError:
        yaml = None
    for f in files:
        text = open(f, encoding="utf-8").read()
        if yaml is not None:
            doc = yaml.safe_load(text) or {}
            for r in doc.get("rules") or []:
                r["_file"] = os.path.basename(f)
                rules[int(r["sid"])] = r
        else:
            for m in re.finditer(r"^\s*-\s*sid:\s*(\d+)", text, re.M):
                rules[int(m.group(1))] = {"sid": int(m.group(1)),
                                          "_file": os.path.basename(f)}
    return rules


def write_conf(top, work, name, level=None, language=None, **limits):
    """The test configuration with absolute paths and the given changes."""
    text = open(os.path.join(HERE, "canhgac-test.yaml"), encoding="utf-8").read()
    text = text.replace("../../", top.rstrip("/") + "/")
    if language is not None:
        text = re.sub(r"(?m)^(\s*language:).*$", r"\g<1> %s" % language,
                      text)
    if level is not None:
        text = re.sub(r"(?m)^(\s*security_level:).*$", r"\g<1> %d" % level,
                      text)
    for k, v in limits.items():
        text, n = re.subn(r"(?m)^(\s*%s:).*$" % k, r"\g<1> %s" % v, text)
        if n != 1:
            raise SystemExit("canhgac-test.yaml has no single %s line" % k)
    path = os.path.join(work, name + ".yaml")
    with open(path, "w", encoding="utf-8") as fp:
        fp.write(text)
    return path


def run(daemon, conf, pcap, out):
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.run([daemon, "-c", conf, "-r", pcap, "--alerts", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=600)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        return None, "canhgacd exited %d: %s" % (p.returncode, err.strip()[-800:])
    if re.search(r"runtime error|Sanitizer", err):
        return None, "sanitizer report: " + err[-1500:]
    alerts = []
    if os.path.exists(out):
        for n, line in enumerate(open(out, encoding="utf-8"), 1):
            line = line.strip()
            if not line:
                continue
            try:
                alerts.append(json.loads(line))
            except ValueError as e:
                return None, "%s:%d: not JSON (%s): %s" % (out, n, e, line[:200])
    return alerts, None


PLACEHOLDER = re.compile(r"\{[a-z0-9_.]+\}")


def check_alert(a, rule, lang="en"):
    """Problems with alert a against the contract and its rule."""
    bad = []
    for k in ("timestamp", "event_type", "sensor", "alert"):
        if k not in a:
            bad.append("no %s" % k)
    if a.get("event_type") != "alert":
        bad.append("event_type %r" % a.get("event_type"))
    if a.get("sensor") != "rules-test":
        bad.append("sensor %r" % a.get("sensor"))
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}$",
                    str(a.get("timestamp", ""))):
        bad.append("timestamp %r" % a.get("timestamp"))
    cat = rule.get("category")
    if rule.get("match", {}).get("event") in HOST_EVENTS:
        if "src_ip" not in a:
            bad.append("no src_ip")
    elif cat not in FLOWLESS:
        for k in ("src_ip", "dest_ip", "proto", "flow_id", "community_id"):
            if k not in a:
                bad.append("no %s" % k)
    al = a.get("alert", {})
    for k in ("signature_id", "signature", "category", "severity",
              "severity_name", "level", "controls", "count", "message",
              "advice"):
        if k not in al:
            bad.append("no alert.%s" % k)
    if "name" in rule and al.get("signature") != rule["name"]:
        bad.append("signature %r" % al.get("signature"))
    if cat and al.get("category") != cat:
        bad.append("category %r" % al.get("category"))
    sev = rule.get("severity")
    if sev and (al.get("severity_name") != sev or
                al.get("severity") != SEVERITY[sev]):
        bad.append("severity %r/%r" % (al.get("severity"),
                                       al.get("severity_name")))
    if "level" in rule and al.get("level") != rule["level"]:
        bad.append("level %r" % al.get("level"))
    if "controls" in rule and al.get("controls") != rule["controls"]:
        bad.append("controls %r" % al.get("controls"))
    if not isinstance(al.get("count"), int) or al.get("count", 0) < 1:
        bad.append("count %r" % al.get("count"))
    for k in ("message", "advice"):
        s = al.get(k)
        if not isinstance(s, str) or not s.strip():
            bad.append("empty %s" % k)
            continue
        if PLACEHOLDER.search(s):
            bad.append("%s not expanded: %s" % (k, s))
        tmpl = rule.get(k)
        if isinstance(tmpl, dict):
            tmpl = tmpl.get(lang)
        if isinstance(tmpl, str):
            # every literal piece of the template is in the text
            for piece in PLACEHOLDER.split(tmpl):
                if piece.strip() and piece.strip() not in s:
                    bad.append("%s does not follow the %s template: %s"
                               % (k, lang, s))
                    break
    # personal data never leaves in an alert
    if re.search(r"(?<![0-9])\d{12}(?![0-9])", json.dumps(a, ensure_ascii=False)):
        bad.append("unmasked 12-digit number in the alert")
    return bad


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    daemon, top, work = sys.argv[1:4]
    only = [int(s) for s in sys.argv[4:]]
    top = os.path.abspath(top)
    os.makedirs(work, exist_ok=True)
    rules = load_rules(top)
    fails, passes = [], 0

    def fail(msg):
        fails.append(msg)
        print("FAIL " + msg)

    if not only:
        for sid in sorted(rules):
            if sid not in cases.CASES and sid not in cases.UNTESTABLE:
                fail("%d (%s): no test case and not listed as untestable"
                     % (sid, rules[sid]["_file"]))
            if sid in cases.CASES and (not cases.CASES[sid].get("pos") or
                                       not cases.CASES[sid].get("neg")):
                fail("%d: needs at least one positive and one negative case"
                     % sid)
        for sid in sorted(set(cases.CASES) | set(cases.UNTESTABLE)):
            if sid not in rules:
                fail("%d: has a case but no shipped rule" % sid)
        for sid, why in sorted(cases.UNTESTABLE.items()):
            print("skip %d: untestable by capture: %s" % (sid, why))

    confs = {}

    def conf_for(c):
        key = tuple(sorted(c.items()))
        if key not in confs:
            confs[key] = write_conf(top, work, "conf-%d" % len(confs), **c)
        return confs[key]

    others = {}
    for sid in sorted(only or cases.CASES):
        if sid not in cases.CASES:
            fail("%d: no case" % sid)
            continue
        case = cases.CASES[sid]
        rule = rules.get(sid, {})
        conf = conf_for(case.get("conf", {}))   # may hold level=N
        for kind in ("pos", "neg"):
            for i, c in enumerate(case.get(kind, [])):
                pcap = os.path.join(work, "%d-%s%d.pcap" % (sid, kind, i))
                desc = cases.build(sid, kind, i, pcap)
                alerts, err = run(daemon, conf, pcap, pcap + ".json")
                label = "%d %s %d (%s)" % (sid, kind, i, desc)
                if err:
                    fail("%s: %s" % (label, err))
                    continue
                mine = [a for a in alerts
                        if a.get("alert", {}).get("signature_id") == sid]
                if kind == "pos":
                    others[label] = sorted({a["alert"]["signature_id"]
                                            for a in alerts
                                            if "alert" in a} - {sid})
                    if len(mine) != 1:
                        fail("%s: %d alerts of %d, expected 1" %
                             (label, len(mine), sid))
                        continue
                    bad = check_alert(mine[0], rule)
                    msg = mine[0]["alert"].get("message", "")
                    bad += ["message does not say %r: %s" % (want, msg)
                            for want in case.get("says", [])
                            if not re.search(want, msg)]
                    # says_vi: the same capture in Vietnamese, its
                    # message following the vi template and saying these
                    if not bad and "says_vi" in case:
                        vconf = conf_for(dict(case.get("conf", {}),
                                              language="vi"))
                        va, err = run(daemon, vconf, pcap, pcap + ".vi.json")
                        vm = [a for a in va or []
                              if a.get("alert", {}).get("signature_id") == sid]
                        if err or len(vm) != 1:
                            bad.append("vi: %s" % (err or "%d alerts" %
                                                   len(vm)))
                        else:
                            bad += ["vi: " + b for b in
                                    check_alert(vm[0], rule, "vi")]
                            vmsg = vm[0]["alert"].get("message", "")
                            bad += ["vi message does not say %r: %s" %
                                    (want, vmsg)
                                    for want in case["says_vi"]
                                    if not re.search(want, vmsg)]
                    if bad:
                        fail("%s: %s" % (label, "; ".join(bad)))
                        continue
                else:
                    if mine:
                        fail("%s: %d alerts of %d, expected none: %s" %
                             (label, len(mine), sid,
                              mine[0]["alert"].get("message")))
                        continue
                passes += 1
                print("ok   %s" % label)
                os.unlink(pcap)

    if not only:
        # Vietnamese messages, on the SSH brute-force case.
        sid = 1000201
        pcap = os.path.join(work, "vi.pcap")
        cases.build(sid, "pos", 0, pcap)
        vconf = write_conf(top, work, "conf-vi", level=1)
        text = open(vconf, encoding="utf-8").read()
        open(vconf, "w", encoding="utf-8").write(
            re.sub(r"(?m)^(\s*language:).*$", r"\1 vi", text))
        alerts, err = run(daemon, vconf, pcap, pcap + ".json")
        mine = [a for a in alerts or [] if a["alert"]["signature_id"] == sid]
        if err or len(mine) != 1:
            fail("vi: %s" % (err or "%d alerts of %d" % (len(mine), sid)))
        else:
            bad = check_alert(mine[0], rules.get(sid, {}), "vi")
            if bad:
                fail("vi: " + "; ".join(bad))
            else:
                passes += 1
                print("ok   vi: %s" % mine[0]["alert"]["message"])

        # Incidents: the sids one piece of activity raises, per level.
        for n, (desc, builder, expect) in enumerate(cases.INCIDENTS):
            pcap = os.path.join(work, "incident-%d.pcap" % n)
            cap = cases.Capture(cases.T_DEFAULT)
            builder(cap)
            cap.write(pcap)
            for level, want in sorted(expect.items()):
                conf = write_conf(top, work, "level-%d" % level, level=level)
                alerts, err = run(daemon, conf, pcap,
                                  pcap + ".%d.json" % level)
                if err:
                    fail("incident %s, level %d: %s" % (desc, level, err))
                    continue
                got = sorted(a["alert"]["signature_id"] for a in alerts)
                if got != sorted(want):
                    fail("incident %s, level %d: alerts %s, expected %s" %
                         (desc, level, got, sorted(want)))
                else:
                    passes += 1
                    print("ok   incident %s, level %d: %d alert(s) %s" %
                          (desc, level, len(got), got))
            os.unlink(pcap)

        # Benign gateway traffic: no alert at any level.
        pcap = os.path.join(work, "benign.pcap")
        benign.build(pcap)
        for level in range(1, 6):
            conf = write_conf(top, work, "benign-%d" % level, level=level)
            alerts, err = run(daemon, conf, pcap, pcap + ".%d.json" % level)
            if err:
                fail("benign level %d: %s" % (level, err))
            elif alerts:
                fail("benign level %d: %d alerts: %s" % (
                    level, len(alerts), "; ".join(
                        "%s %s" % (a["alert"]["signature_id"],
                                   a["alert"]["message"]) for a in alerts[:5])))
            else:
                passes += 1
                print("ok   benign capture, level %d: no alert" % level)

    print()
    print("other sids raised by positive cases (level 5):")
    for label, sids in sorted(others.items()):
        if sids:
            print("  %s: %s" % (label, " ".join(map(str, sids))))
    print("%d checks passed, %d failed" % (passes, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
