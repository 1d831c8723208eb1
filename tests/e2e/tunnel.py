"""Captures for tests/e2e/tunnel.sh: the evasion suite's leak (three valid
citizen-ID numbers in a cleartext HTTP POST to a data server, rule
1000801) sent through tunnels, the request cut in 7-byte inner TCP
segments so that every number spans two or three of them. Each case is
written twice: KIND leak and benign (12-digit numbers that are not
citizen IDs), as CASE_KIND.pcap.

  gre         GRE (RFC 2784), IPv4 inside IPv4
  gre-opts    GRE with checksum, key and sequence number (RFC 2890)
  gre-ipv6    GRE over IPv6, IPv6 inside (0x86DD)
  gre-eth     GRE transparent Ethernet bridging (0x6558)
  gre-frag    GRE whose outer datagrams are cut into IPv4 fragments
  gre-frag-atomic the same, IPv6 inside, each inner packet an atomic
              fragment (RFC 6946: a Fragment header, offset 0, no more):
              rebuilt in the buffer that holds the outer datagram
  ipip        IPv4 in IPv4 (protocol 4)
  ip4in6      IPv4 in IPv6 (next header 4)
  ip6in4      IPv6 in IPv4 (protocol 41, 6in4)
  ip6in6      IPv6 in IPv6 (next header 41)
  vxlan       VXLAN (UDP 4789), an Ethernet frame inside
  nested3     IPv4 in IP in GRE in VXLAN: three tunnels, the bound
  ioc         GRE to a tunnel endpoint on the indicator list

And hostile ones, where no data-leak alert is wanted:

  nested4     four tunnels deep, one past the bound (tunnel_too_deep)
  gre-badsum  GRE with a wrong checksum (the host drops it)
  gre-decoy   GRE, each of the client's data segments sent first as a
              decoy (digits turned to 9s) whose outer IPv4 header
              checksum is wrong (the tunnel's end drops it)
  gre-shadow  the leak bare (no tunnel), each of the client's data
              segments sent first as a decoy (digits turned to 9s) in a
              GRE tunnel with right sums, the same inner addresses and
              ports: a flow of its own, never the bare connection's
  mpls-shadow the same with the decoys under an MPLS label (a host
              without MPLS drops them)
  hostile     a truncated GRE header, GRE options longer than the
              packet, RFC 1701 routing bits, VXLAN shorter than its
              header and without its I flag, a VXLAN frame of 6 bytes,
              an inner IPv4 header claiming more than it carries, and
              every truncation of an inner packet in each tunnel kind

Usage: /usr/bin/python3 tunnel.py OUTDIR
       /usr/bin/python3 tunnel.py table|referee OUTDIR
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "rules"))
sys.path.insert(0, here)
import corpus_compare  # noqa: E402
import evasion  # noqa: E402
from evasion import lines  # noqa: E402
from rulelib import Capture, Tcp, CLIENT, DB, IOC_IP  # noqa: E402
from rulelib import LEAK, BENIGN, leak_post  # noqa: E402
from caselib import ETHER4, ETHER6  # noqa: E402
from scapy.all import (Ether, IP, IPv6, IPv6ExtHdrFragment, GRE,  # noqa: E402
                       UDP, Raw, fragment, wrpcap)
from scapy.layers.vxlan import VXLAN  # noqa: E402
from scapy.contrib.mpls import MPLS  # noqa: E402

CLIENT6, DB6 = "fd00:20:9::66", "fd00:20:1::20"   # DB6: a data server
TA, TB = "198.18.0.1", "198.18.0.2"               # tunnel endpoints
TA6, TB6 = "2001:db8:7::1", "2001:db8:7::2"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def l3(frame):
    """The IP packet of an Ethernet frame (scapy's copy)."""
    return frame.payload.copy()


def outer(a, b):
    if ":" in a:
        return Ether(**ETHER6) / IPv6(src=a, dst=b)
    return Ether(**ETHER4) / IP(src=a, dst=b)


def gre(**kw):
    def wrap(f, a, b):
        return outer(a, b) / GRE(proto=0x86dd if IPv6 in f else 0x0800,
                                 **kw) / l3(f)
    return wrap


def atomic6(f, a, b):
    """f's IPv6 packet behind a Fragment header that cuts nothing."""
    p = f[IPv6]
    return Ether(**ETHER6) / IPv6(src=p.src, dst=p.dst) / \
        IPv6ExtHdrFragment(id=0xa70, offset=0, m=0) / p.payload.copy()


def gre_eth(f, a, b):
    return outer(a, b) / GRE(proto=0x6558) / f


def ipip(f, a, b):
    o = outer(a, b)
    nh = 41 if IPv6 in f else 4
    if IPv6 in o:
        o[IPv6].nh = nh
    else:
        o[IP].proto = nh
    return o / l3(f)


def vxlan(f, a, b):
    return outer(a, b) / UDP(sport=49152, dport=4789) / VXLAN(vni=100) / f


def mpls(f, a, b):
    """f's IP packet under one MPLS label (a and b unused)."""
    return Ether(type=0x8847, **(ETHER6 if IPv6 in f else ETHER4)) / \
        MPLS(label=100, s=1, ttl=64) / l3(f)


def nest(*layers):
    """layers applied innermost first, all between the same ends."""
    def wrap(f, a, b):
        for w in layers:
            f = w(f, a, b)
        return f
    return wrap


# CASE: (wrap(frame, a, b), inner over IPv6?, outer over IPv6?, outer
# fragmented?, alerts wanted: {sid: count} for the leak)
LEAKING = {1000801: 1}
CASES = {
    "gre": (gre(), False, False, False, LEAKING),
    "gre-opts": (gre(chksum_present=1, key_present=1, seqnum_present=1,
                     key=0x2a, sequence_number=7), False, False, False,
                 LEAKING),
    "gre-ipv6": (gre(), True, True, False, LEAKING),
    "gre-eth": (gre_eth, False, False, False, LEAKING),
    "gre-frag": (gre(), False, False, True, LEAKING),
    "gre-frag-atomic": (nest(atomic6, gre()), True, False, True, LEAKING),
    "ipip": (ipip, False, False, False, LEAKING),
    "ip4in6": (ipip, False, True, False, LEAKING),
    "ip6in4": (ipip, True, False, False, LEAKING),
    "ip6in6": (ipip, True, True, False, LEAKING),
    "vxlan": (vxlan, False, False, False, LEAKING),
    "nested3": (nest(ipip, gre(), vxlan), False, False, False, LEAKING),
    "ioc": (gre(), False, False, False, {1000801: 1, 1000701: 1}),
    "nested4": (nest(ipip, ipip, gre(), vxlan), False, False, False, {}),
    "gre-badsum": (gre(chksum_present=1, chksum=0x1234), False, False,
                   False, {}),
    "gre-decoy": (gre(), False, False, False, LEAKING),
    "gre-shadow": (gre(), False, False, False, LEAKING),
    "mpls-shadow": (mpls, False, False, False, LEAKING),
}

# Cases tshark cannot referee, and why.
NO_REFEREE = {
    "gre-decoy": "tshark does not check IPv4 header checksums: it reads "
                 "the decoys too",
    "gre-shadow": "tshark keys TCP streams by addresses and ports alone: "
                  "it reads the tunnelled decoys into the bare stream",
    "mpls-shadow": "the same, for the labelled decoys",
}


def inner_session(ids, v6):
    """The leaking connection, bare: its frames, in order."""
    cap = Capture(t0=1736215200.0)
    client, server = (CLIENT6, DB6) if v6 else (CLIENT, DB)
    t = Tcp(cap, client, server, 43210, 80).handshake()
    req = leak_post(ids)
    for off in range(0, len(req), 7):
        t._pkt(0, "PA", req[off:off + 7], seq=t.seq[0] + off)
    t.seq[0] += len(req)
    t._pkt(1, "A")
    t.send(1, OK).close()
    return cap.pkts, client


def tunnelled(path, case, ids):
    wrap, v6, outer6, frag, _ = CASES[case]
    a, b = (TA6, TB6) if outer6 else (TA, TB)
    if case == "ioc":
        b = IOC_IP
    out = []
    frames, client = inner_session(ids, v6)
    for f in frames:
        src = f[IPv6].src if IPv6 in f else f[IP].src
        shadow = case in ("gre-shadow", "mpls-shadow")
        # The shadows' connection is bare, its decoys wrapped.
        o = f if shadow else wrap(f, a, b) if src == client else \
            wrap(f, b, a)
        o.time = f.time
        if (shadow or case == "gre-decoy") and src == client and Raw in f:
            d = f.copy()
            d[Raw].load = evasion.nines(f[Raw].load)
            d = wrap(d, a, b)
            if case == "gre-decoy":
                d[IP].chksum = 0xbeef       # the outer header's
            d.time = f.time
            out.append(d)
        if frag:
            for k in fragment(o[IP], fragsize=48)[::-1]:
                k = Ether(**ETHER4) / k
                k.time = f.time
                out.append(k)
        else:
            out.append(o)
    wrpcap(path, out)


def hostile(path):
    """Malformed tunnels, each a frame of its own, then every truncation
    of an inner packet inside each kind of tunnel."""
    frames = []
    o = outer(TA, TB)
    o4 = Ether(**ETHER4) / IP(src=TA, dst=TB, proto=47)
    frames.append(o4 / Raw(b"\x00"))                     # 1-byte GRE
    frames.append(o4 / Raw(b"\xb0\x00\x08\x00\x00\x00"))  # C K S, 6 bytes
    frames.append(o4 / Raw(b"\x40\x00\x08\x00" + bytes(24)))  # routing
    frames.append(o / UDP(sport=1, dport=4789) / Raw(b"\x08\x00\x00"))
    frames.append(o / UDP(sport=1, dport=4789) / Raw(bytes(8) + bytes(20)))
    frames.append(o / UDP(sport=1, dport=4789) / VXLAN(vni=1) /
                  Raw(bytes(6)))                          # inner frame short
    lie = IP(src=CLIENT, dst=DB, len=1400) / Raw(b"x" * 20)
    frames.append(Ether(**ETHER4) / IP(src=TA, dst=TB, proto=4) /
                  Raw(bytes(lie)))
    inner, _ = inner_session(LEAK, False)
    data = bytes(inner[3])                # the first data segment
    for k in range(len(data) + 1):
        cut = data[:k]
        frames.append(o / GRE(proto=0x6558) / Raw(cut))
        frames.append(o / GRE(proto=0x0800) / Raw(cut[14:]))
        frames.append(Ether(**ETHER4) / IP(src=TA, dst=TB, proto=4) /
                      Raw(cut[14:]))
        frames.append(o / UDP(sport=2, dport=4789) / VXLAN(vni=1) / Raw(cut))
    for i, f in enumerate(frames):
        f.time = 1736215200.0 + i * 0.001
    wrpcap(path, frames)
    return frames


def names():
    for case in CASES:
        for kind in ("leak", "benign"):
            yield case, kind, "%s_%s" % (case, kind)


def write(outdir):
    for case, kind, name in names():
        tunnelled(os.path.join(outdir, name + ".pcap"), case,
                  LEAK if kind == "leak" else BENIGN)
    hostile(os.path.join(outdir, "hostile.pcap"))


def table(outdir):
    """One line per case; returns the number of failures."""
    bad = 0
    clear = [i.decode() for i in LEAK]
    print("%-15s %-24s %-6s %4s %6s %6s  %s" % (
        "case", "alerts (sid: n)", "masked", "http", "benign", "tunnel",
        "verdict"))
    for case, (_, _, _, _, want) in CASES.items():
        why = []
        got = {}
        for kind in ("leak", "benign"):
            name = "%s_%s" % (case, kind)
            alerts = lines(os.path.join(outdir, name + ".alerts"))
            got[kind] = {}
            for a in alerts:
                sid = a["alert"]["signature_id"]
                got[kind][sid] = got[kind].get(sid, 0) + 1
        text = ""
        for ext in (".alerts", ".events"):
            try:
                with open(os.path.join(outdir, case + "_leak" + ext)) as fp:
                    text += fp.read()
            except FileNotFoundError:
                why.append("no %s_leak%s" % (case, ext))
        masked = not any(c in text for c in clear)
        if not masked:
            why.append("a number in clear")
        leaks = {s: n for s, n in got["leak"].items()
                 if s in (1000801, 1000802)}
        if leaks != {s: n for s, n in want.items() if s != 1000701}:
            why.append("data-leak alerts %s" % leaks)
        for s, n in want.items():
            if got["leak"].get(s, 0) != n:
                why.append("rule %d: %d alerts, want %d"
                           % (s, got["leak"].get(s, 0), n))
        benign = sum(n for s, n in got["benign"].items()
                     if s in (1000801, 1000802))
        if benign:
            why.append("benign: %d data-leak alerts" % benign)
        post = any(e.get("event_type") == "http" and
                   e["http"].get("url") == "/nop-ho-so"
                   for e in lines(os.path.join(outdir, case + "_leak.events")))
        if post != bool(want):
            why.append("HTTP event for POST /nop-ho-so: %s, want %s"
                       % (post, bool(want)))
        with open(os.path.join(outdir, case + "_leak.stats")) as fp:
            tun = json.load(fp)["decode"].get("tunnel", {})
        print("%-15s %-24s %-6s %4s %6d %6s  %s" % (
            case, ",".join("%d:%d" % i for i in sorted(got["leak"].items())),
            "yes" if masked else "NO", "yes" if post else "no", benign,
            sum(v for k, v in tun.items() if k != "too_deep"),
            "ok" if not why else "FAIL: " + "; ".join(why)))
        bad += bool(why)
    print("tunnel: %d of %d cases pass" % (len(CASES) - bad, len(CASES)))
    return bad


def referee(outdir, tshark="tshark"):
    """tshark takes each leaking capture's tunnels apart itself: the HTTP
    hosts and URIs it finds are the ones in our events."""
    bad = 0
    for case, kind, name in names():
        if kind != "leak" or not CASES[case][4]:
            continue
        if case in NO_REFEREE:
            print("%-22s skip %s" % (name, NO_REFEREE[case]))
            continue
        proc = corpus_compare.tshark_rows(
            tshark, os.path.join(outdir, name + ".pcap"), "http.request",
            ["http.host", "http.request.uri"])
        rows, err = corpus_compare.collect_rows(proc)
        ours, _, err2 = corpus_compare.our_sets(
            os.path.join(outdir, name + ".events"))
        ours = ours or {}
        why = [err] if rows is None else [e for e in (err2,) if e]
        theirs = {"http_host": set(), "http_uri": set()}
        for r in rows or ():
            theirs["http_host"].update(corpus_compare.strip_port(h)
                                       for h in r.get("http.host", []))
            theirs["http_uri"].update(r.get("http.request.uri", []))
        for f in theirs:
            if not theirs[f]:
                why.append("tshark sees no %s" % f)
            elif theirs[f] != ours.get(f, set()):
                why.append("%s: tshark %s, ours %s" % (
                    f, sorted(theirs[f]), sorted(ours.get(f, set()))))
        print("%-22s %s %s" % (name, "ok  " if not why else "FAIL",
                               "; ".join(why) or "host=%s uri=%s" % (
                                   ",".join(sorted(theirs["http_host"])),
                                   ",".join(sorted(theirs["http_uri"])))))
        bad += bool(why)
    return bad


def main():
    evasion.cli(globals(), len(CASES) * 2 + 1)


if __name__ == "__main__":
    main()
