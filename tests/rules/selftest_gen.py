"""Build the self-test cases installed with the rules (rules/selftest/).

usage: selftest_gen.py TOP_SRCDIR OUTDIR

For every sid of cases.CASES, its first positive case is written to
OUTDIR/SID-0.pcap, and OUTDIR/manifest.json says what each case assumes:

  {"version": 1,
   "assets": {NAME: [ADDRESS | CIDR | PORT, ...] | {"file": PATH, ...}},
   "cases": [{"sid": N, "file": "SID-0.pcap", "description": TEXT,
              "addresses": [the addresses the capture uses]}, ...],
   "untested": {"SID": REASON, ...}}

"assets" are the asset bindings of tests/rules/canhgac-test.yaml, the
configuration the cases are written for, with the indicator list files
copied to OUTDIR/lists/ (relative paths in the manifest are read
against its directory): the daemon's self-test overlays them on the live configuration
(canhgacd's selftest.c), so that a case's addresses are what its rule's
asset groups hold. "untested" are the sids no shipped capture exercises:
cases.UNTESTABLE, and the cases that need other limits than the live
ones, and the sensor-health rules (the sensor's own state raises them).

Segments longer than an Ethernet frame (the 64 kB segments of an upload
as seen on the sending host) are stored cut to their first 128 bytes,
with their length on the wire kept, so that an upload of tens of
megabytes ships as a capture of kilobytes: the byte counts that the
exfiltration rules keep are of the length on the wire.
The output is deterministic: the same cases give the same bytes.
"""
import json
import os
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases  # noqa: E402

SNAP_LONG = 128         # what is kept of a segment longer than a frame
FRAME_MAX = 1514


def test_assets(top, outdir):
    """The assets of canhgac-test.yaml; list files copied to outdir/lists."""
    import yaml
    path = os.path.join(HERE, "canhgac-test.yaml")
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    out = {}
    for name, v in (doc.get("assets") or {}).items():
        if isinstance(v, dict) and "file" in v:
            # A copy beside the manifest, which the overlay's relative
            # paths are read against.
            f = os.path.normpath(os.path.join(HERE, v["file"]))
            os.makedirs(os.path.join(outdir, "lists"), exist_ok=True)
            rel = "lists/" + os.path.basename(f)
            shutil.copyfile(f, os.path.join(outdir, rel))
            out[name] = dict(v, file=rel)
        elif isinstance(v, list):
            out[name] = [str(x) for x in v]
        else:
            out[name] = [str(v)]
    return out


def sensor_sids(top):
    """The sensor-health rules: the sensor's own state raises them, and
    the daemon reports them untested whatever a capture holds."""
    import glob
    import yaml
    out = set()
    for f in sorted(glob.glob(os.path.join(top, "rules", "*.yaml"))):
        doc = yaml.safe_load(open(f, encoding="utf-8")) or {}
        for r in doc.get("rules") or []:
            if r.get("category") == "sensor":
                out.add(int(r["sid"]))
    return out


def write_pcap(pkts, path):
    """pcap (microseconds, Ethernet); long segments cut to SNAP_LONG."""
    with open(path, "wb") as fp:
        fp.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for p in pkts:
            raw = bytes(p)
            keep = raw if len(raw) <= FRAME_MAX else raw[:SNAP_LONG]
            us = int(round(float(p.time) * 1000000))
            fp.write(struct.pack("<IIII", us // 1000000, us % 1000000,
                                 len(keep), len(raw)))
            fp.write(keep)


def addresses(pkts):
    seen = set()
    for p in pkts:
        for layer in ("IP", "IPv6"):
            if p.haslayer(layer):
                seen.add(p[layer].src)
                seen.add(p[layer].dst)
    return sorted(seen)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: selftest_gen.py TOP_SRCDIR OUTDIR")
    top, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    man = {"version": 1, "assets": test_assets(top, out), "cases": [],
           "untested": {}}
    for sid, why in sorted(cases.UNTESTABLE.items()):
        man["untested"][str(sid)] = re.sub(r"\s+", " ", why)
    sensor = sensor_sids(top)
    for sid in sorted(cases.CASES):
        c = cases.CASES[sid]
        if sid in sensor:
            man["untested"].setdefault(str(sid), "a sensor-health rule: "
                                       "the sensor's own state raises it")
            continue
        extra = {k: v for k, v in (c.get("conf") or {}).items()
                 if k != "level"}
        if extra:
            man["untested"][str(sid)] = (
                "its case needs other limits than the live ones (%s)" %
                ", ".join("%s %s" % kv for kv in sorted(extra.items())))
            continue
        if not c.get("pos"):
            man["untested"][str(sid)] = "no positive case"
            continue
        desc, builder = c["pos"][0][0], c["pos"][0][1]
        cap = cases.Capture(c["pos"][0][2] if len(c["pos"][0]) > 2
                            else cases.T_DEFAULT)
        builder(cap)
        name = "%d-0.pcap" % sid
        write_pcap(cap.pkts, os.path.join(out, name))
        man["cases"].append({"sid": sid, "file": name, "description": desc,
                             "addresses": addresses(cap.pkts)})
    tmp = os.path.join(out, "manifest.json.tmp")
    with open(tmp, "w", encoding="utf-8") as fp:
        json.dump(man, fp, indent=1, sort_keys=True, ensure_ascii=False)
        fp.write("\n")
    os.replace(tmp, os.path.join(out, "manifest.json"))


if __name__ == "__main__":
    main()
