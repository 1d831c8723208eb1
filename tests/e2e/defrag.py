"""Captures for tests/e2e/defrag.sh: the same cleartext HTTP POST carrying
three valid citizen-ID numbers, its data segment cut into IP fragments.

  v4.pcap       IPv4 fragments of 64 bytes, in a shuffled order
  v6.pcap       IPv6 fragments (Fragment header), last first
  v4-benign.pcap the same as v4 with 12-digit numbers that are not valid
                citizen IDs (province 099, not in use)
  overlap.pcap  IPv4 fragments where a second copy of some bytes differs
  flood.pcap    fragment trains that never complete, one fresh train per
                packet over 20 s of packet time (written raw: fast)

Usage: /usr/bin/python3 defrag.py OUTDIR
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
from rulelib import Capture, Tcp, ip, CLIENT, EXT  # noqa: E402
from caselib import ETHER4, ETHER6  # noqa: E402
from rulelib import LEAK, BENIGN, leak_post as post  # noqa: E402
from scapy.all import (Ether, IP, IPv6, IPv6ExtHdrFragment,  # noqa: E402
                       fragment, fragment6)

CLIENT6, EXT6 = "fd00:20:9::66", "2001:db8:99::9"


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def session(path, client, server, ids, cut, make=post, dport=80, reply=OK):
    """A connection whose request goes out as the fragments cut() makes."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, dport).handshake()
    req = make(ids)
    seg = t._pkt(0, "PA", req)
    cap.pkts.pop()                      # replaced by its fragments
    for f in cut(seg):
        cap.add(f)
    t.seq[0] += len(req)
    t._pkt(1, "A")
    t.send(1, reply).close()
    cap.write(path)


def cut_v4(seg):
    frags = fragment(seg[IP], fragsize=64)
    random.Random(7).shuffle(frags)
    return [Ether(**ETHER4) / f for f in frags]


def cut_v6(seg):
    p = seg[IPv6]
    p = IPv6(src=p.src, dst=p.dst) / IPv6ExtHdrFragment(id=0x5eed) / p.payload
    frags = fragment6(p, 200)
    frags.reverse()
    return [Ether(**ETHER6) / f for f in frags]


def cut_overlap(seg):
    """In order, plus a second copy of the second fragment whose bytes
    differ: the first copy wins and the overlap is an anomaly."""
    frags = [Ether(**ETHER4) / f for f in fragment(seg[IP], fragsize=64)]
    raw = bytearray(bytes(frags[1]))
    raw[14 + 20:14 + 36] = b"G" * 16      # Ethernet, IPv4, 16 data bytes
    evil = Ether(bytes(raw))
    return frags[:2] + [evil] + frags[2:]


def flood(path, n=40000, secs=20.0):
    """n first fragments of 1,200 bytes, each its own train."""
    t0 = 1736215200
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    data = b"F" * 1200
    for i in range(n):
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data),
                          i & 0xffff, 0x2000, 64, 17, 0,
                          bytes([10, 20, 9, 1 + (i >> 16)]),
                          bytes([203, 0, 113, 9]))
        frame = b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" \
            + iph + data
        us = int(i * secs * 1e6 / n)
        out.append(struct.pack("<IIII", t0 + us // 1000000, us % 1000000,
                               len(frame), len(frame)) + frame)
    with open(path, "wb") as fp:
        fp.write(b"".join(out))


def main():
    d = sys.argv[1]
    session(os.path.join(d, "v4.pcap"), CLIENT, EXT, LEAK, cut_v4)
    session(os.path.join(d, "v4-benign.pcap"), CLIENT, EXT, BENIGN, cut_v4)
    session(os.path.join(d, "v6.pcap"), CLIENT6, EXT6, LEAK, cut_v6)
    session(os.path.join(d, "overlap.pcap"), CLIENT, EXT, LEAK, cut_overlap)
    flood(os.path.join(d, "flood.pcap"))


if __name__ == "__main__":     # tests/e2e/evasion.py imports this
    main()
