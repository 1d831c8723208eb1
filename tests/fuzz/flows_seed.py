"""Seeds of fuzz_flows (tests/fuzz/fuzz_flows.c) from captures: each
pcap or pcapng file as the target's input format (two header bytes, then
per frame a 16-bit word of time class and length, and the frame), cut
into inputs of at most MAX bytes (a few per capture).

The link type picks the header's link bits (Ethernet, raw IP, Linux SLL2,
BSD loopback; other link types are left out); the first frame's time the
hour of the week; the typical gap between frames the time step; longer
gaps become the 61 s and 11 min jumps, earlier times a step back. A
capture whose frames were cut (caplen < length) is written in the cut
mode: each record the length on the wire and the first 128 bytes.

The captures: those named on the command line (the real ones), and,
with scapy, those made here in one process (scapy loads once): the
capture cases (tests/pcap), the evasion, stream, fragment, match, HTTP
body, masking and QUIC captures of tests/e2e, and each rule's positive
case (rules/selftest of the build when SELFTEST names it, else made by
selftest_gen.py).

Usage: /usr/bin/python3 flows_seed.py TOP_SRCDIR OUTDIR [CAPTURE...]
"""
import glob
import importlib.util
import os
import runpy
import shutil
import struct
import sys

LINKS = {1: 0, 101: 1, 12: 1, 14: 1, 228: 1, 229: 1, 276: 2, 0: 3}
STEPS = [0, 1, 100, 1000, 20000, 200000, 1000000, 7000000]
SNAP = 128
MAX = 16384              # fuzz_flows' -max_len (tests/fuzz/run_short.sh)
T0 = 1704067200          # Monday 2024-01-01 00:00 UTC, as fuzz_flows.c


def pcap(b):
    e = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = b[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    lt = struct.unpack(e + "I", b[20:24])[0] & 0xffff
    o = 24
    while o + 16 <= len(b):
        s, f, cl, wl = struct.unpack(e + "IIII", b[o:o + 16])
        us = s * 1000000 + (f // 1000 if nano else f)
        yield lt, us, b[o + 16:o + 16 + cl], wl
        o += 16 + cl


def pcapng(b):
    e, lts, o = "<", [], 0
    while o + 12 <= len(b):
        t = struct.unpack(e + "I", b[o:o + 4])[0]
        if t == 0x0a0d0d0a:
            e = "<" if b[o + 8:o + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            lts = []
        ln = struct.unpack(e + "I", b[o + 4:o + 8])[0]
        if ln < 12:
            return
        if t == 1:
            lts.append(struct.unpack(e + "H", b[o + 8:o + 10])[0])
        elif t == 6 and o + 28 <= len(b):
            i, hi, lo, cl, wl = struct.unpack(e + "IIIII", b[o + 8:o + 28])
            if i < len(lts):
                yield lts[i], (hi << 32 | lo), b[o + 28:o + 28 + cl], wl
        o += ln


def frames(path):
    b = open(path, "rb").read()
    gen = pcapng(b) if b[:4] == b"\x0a\x0d\x0d\x0a" else pcap(b)
    out = []
    try:
        for f in gen:
            out.append(f)
    except struct.error:
        pass
    return out


def inputs(fr, maxlen, windows):
    """The records of one link type, cut into at most `windows` inputs."""
    lt = fr[0][0]
    fr = [f for f in fr if f[0] == lt]
    cut = any(len(d) < wl for _, _, d, wl in fr)
    gaps = sorted(b[1] - a[1] for a, b in zip(fr, fr[1:]) if b[1] > a[1])
    typical = gaps[len(gaps) // 2] if gaps else 1000
    step = min(range(len(STEPS)), key=lambda i: abs(STEPS[i] - typical))
    head0 = LINKS[lt] | step << 3 | (0x40 if cut else 0)
    out, i = [], 0
    while i < len(fr) and len(out) < windows:
        first = fr[i][1]
        hour = ((first // 1000000 - T0) // 3600) % 168
        buf = bytearray([head0, hour])
        prev = first
        while i < len(fr):
            _, ts, d, wl = fr[i]
            gap = ts - prev
            tc = 1 if gap < 0 else 3 if gap >= 600000000 else \
                2 if gap >= 60000000 else 0
            if cut:
                n = min(wl, 0x3fff)
                body = (d + bytes(SNAP))[:min(n, SNAP)]
            else:
                n = len(d)
                body = d
            if n > 0x3fff:
                i += 1
                continue
            rec = struct.pack("!H", tc << 14 | n) + body
            if len(buf) + len(rec) > maxlen:
                if len(buf) == 2:       # alone too long: left out
                    i += 1
                    continue
                break
            buf += rec
            prev = ts
            i += 1
        out.append(bytes(buf))
    return out


def run(script, *args):
    """A generator script as __main__, in this process; False if it failed."""
    argv, path = sys.argv, sys.path[:]
    sys.argv = [script] + list(args)
    sys.path.insert(0, os.path.dirname(script))
    try:
        runpy.run_path(script, run_name="__main__")
        return True
    except (Exception, SystemExit):
        return False
    finally:
        sys.argv, sys.path[:] = argv, path


def generate(top, gen):
    """The made captures: (prefix, windows, paths)."""
    e2e, pcap = os.path.join(top, "tests", "e2e"), os.path.join(gen, "e2e")
    os.makedirs(pcap)
    for t in ("http_body", "defrag", "stream", "match", "evasion"):
        run(os.path.join(e2e, t + ".py"), pcap)
    run(os.path.join(e2e, "cccd_mask.py"), os.path.join(pcap, "cccd.pcap"),
        os.path.join(gen, "ids.json"), os.path.join(gen, "secrets.json"))
    sys.path.insert(0, e2e)
    try:
        import quic
        quic.main(pcap)
    except Exception:
        pass
    try:
        # Bombs that fit an input, the numbers after them: 2 MiB of zeros
        # (past http.decompress_ratio), and 1.1 MB that deflates 90 to 1
        # (past http.decompress_limit first).
        import http_body as hb
        import random
        from rulelib import LEAK
        r = random.Random(1)
        tail = b"&cccd=" + b"&cccd=".join(LEAK)
        for name, body in (
                ("bomb-ratio", b"\0" * (2 << 20)),
                ("bomb-limit", b"".join(b"\0" * 300 + bytes([r.randrange(
                    256)]) for _ in range(3700)))):
            hb.conn(os.path.join(pcap, name + ".pcap"),
                    [(0, hb.post(hb.gz(body + tail),
                                 b"Content-Encoding: gzip\r\n"), 1400),
                     (1, hb.ok(), 1400)])
    except Exception:
        pass
    for f in sorted(glob.glob(os.path.join(top, "tests", "pcap", "*",
                                           "make.py"))):
        run(f, os.path.join(pcap, "case-%s.pcap" %
                            os.path.basename(os.path.dirname(f))))
    for f in glob.glob(os.path.join(pcap, "flood*.pcap")):
        os.unlink(f)            # thousands of flows: cut to nothing useful
    st = os.environ.get("SELFTEST", "")
    rules = sorted(glob.glob(os.path.join(st, "*.pcap"))) if st else []
    if not rules:
        st = os.path.join(gen, "selftest")
        run(os.path.join(top, "tests", "rules", "selftest_gen.py"), top, st)
        rules = sorted(glob.glob(os.path.join(st, "*.pcap")))
    return [("rule", 1, rules),
            ("e2e", 2, sorted(glob.glob(os.path.join(pcap, "*.pcap"))))]


def main():
    top, out = sys.argv[1], sys.argv[2]
    sets = [("cap", 3, sys.argv[3:])]
    gen = os.path.join(out, ".gen-flows")
    if importlib.util.find_spec("scapy") is not None:
        sets += generate(top, gen)
    n = 0
    for prefix, windows, paths in sets:
        for path in paths:
            try:
                fr = frames(path)
            except OSError:
                continue
            if not fr or fr[0][0] not in LINKS:
                continue
            base = os.path.splitext(os.path.basename(path))[0]
            for k, b in enumerate(inputs(fr, MAX, windows)):
                with open(os.path.join(out, "%s-%s-%d" % (prefix, base, k)),
                          "wb") as f:
                    f.write(b)
                n += 1
    shutil.rmtree(gen, ignore_errors=True)
    print(n)


if __name__ == "__main__":
    main()
