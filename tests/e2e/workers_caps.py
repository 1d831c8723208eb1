"""Captures for tests/e2e/workers.sh.

frags.pcap, the hostile one: IP fragments of several connections
arriving interleaved, so that with more than one packet worker the
fragments of different datagrams are in flight on different workers at
once.
  6 IPv4 connections, internal clients 10.20.9.10-15 to 203.0.113.9:80,
  and 4 IPv6 connections, fd00:20:9::10-13 to 2001:db8:99::9:80, each an
  HTTP POST carrying three valid citizen-ID numbers (rulelib.LEAK, rule
  1000802), its data segment cut into IP fragments. Every IPv4 datagram
  has the same IP ID and every IPv6 one the same fragment ID, so only
  the address pair tells the trains apart; each train's fragments are
  shuffled, and the trains are dealt out one fragment of each in turn.
  Handshakes first, then the fragments, then the answers and closes.
  Fixed MACs (caselib), fixed seed, fixed times.

idle.pcap: flows left idle past their timeouts while other address pairs
(on other workers, perhaps) move packet time on: 40 UDP and 40 SYN-only
TCP flows at first, 40 UDP flows of other pairs 100 s later, every third
of the first UDP flows' 5-tuples again 200 s later (new flows), one last
packet 400 s later.

gap.pcap: twenty internal hosts each ask 8.8.8.8 (not an approved
resolver: rule 1000601, suppressed by address pair for an hour) once,
send 1,500 TCP segments each to it, ask again 2 s later (suppressed),
then twenty other hosts ask it two hours later. With packet workers the
later queries may be matched while a worker still has the segments and
second queries in hand: the thresholds' state must not be judged stale
by the time of the worker ahead (one alert too many a host, it was).
Written raw: 30,000 packets through scapy take long.

Usage: /usr/bin/python3 workers_caps.py OUTDIR
"""
import os
import random
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "rules"))
from rulelib import Capture, Tcp, LEAK, leak_post  # noqa: E402
from caselib import ETHER4, ETHER6  # noqa: E402
from scapy.all import (Ether, IP, IPv6, IPv6ExtHdrFragment, TCP,  # noqa: E402
                       UDP, Raw, fragment, fragment6, wrpcap)

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
V4 = [("10.20.9.%d" % (10 + i), "203.0.113.9") for i in range(6)]
V6 = [("fd00:20:9::%x" % (0x10 + i), "2001:db8:99::9") for i in range(4)]


def cut(seg, rnd):
    if IP in seg:
        p = seg[IP]
        p.id = 0x4242
        frags = [Ether(**ETHER4) / f for f in fragment(p, fragsize=64)]
    else:
        p = seg[IPv6]
        p = (IPv6(src=p.src, dst=p.dst) / IPv6ExtHdrFragment(id=0x5eed)
             / p.payload)
        frags = [Ether(**ETHER6) / f for f in fragment6(p, 120)]
    rnd.shuffle(frags)
    return frags


def frags(out):
    rnd = random.Random(11)
    opens, trains, closes = [], [], []
    for n, (client, server) in enumerate(V4 + V6):
        cap = Capture()
        t = Tcp(cap, client, server, 43000 + n, 80).handshake()
        opens.append(cap.pkts)
        cap.pkts = []
        req = leak_post(LEAK)
        seg = t._pkt(0, "PA", req)
        cap.pkts.pop()
        trains.append(cut(seg, rnd))
        t.seq[0] += len(req)
        t._pkt(1, "A")
        t.send(1, OK).close()
        closes.append(cap.pkts)
    pkts = []
    for group in (opens, trains, closes):
        for i in range(max(len(g) for g in group)):
            pkts += [g[i] for g in group if i < len(g)]
    for i, p in enumerate(pkts):
        p.time = 1736215200.0 + i * 0.001
    wrpcap(out, pkts)


def idle(out):
    T0 = 1736215200.0
    pkts = []

    def add(t, src, dst, l4, data=b""):
        p = Ether(**ETHER4) / IP(src=src, dst=dst) / l4
        if data:
            p = p / Raw(data)
        p.time = T0 + t
        pkts.append(p)
    for i in range(40):
        add(i * 0.01, "10.20.9.%d" % (10 + i), "203.0.113.9",
            UDP(sport=40000 + i, dport=9999), b"hello")
        add(i * 0.01 + 0.001, "10.20.9.%d" % (10 + i), "203.0.113.10",
            TCP(sport=41000 + i, dport=445, flags="S", seq=1000))
    for i in range(40):
        add(100 + i * 0.01, "10.20.8.%d" % (10 + i), "203.0.113.11",
            UDP(sport=42000 + i, dport=9999), b"later")
    for i in range(0, 40, 3):
        add(200 + i * 0.01, "10.20.9.%d" % (10 + i), "203.0.113.9",
            UDP(sport=40000 + i, dport=9999), b"again")
    add(400, "10.20.7.1", "203.0.113.12", UDP(sport=1, dport=9999), b"end")
    wrpcap(out, pkts)


def gap(out, hosts=20, filler=1500):
    def csum(b):
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        s = (s >> 16) + (s & 0xffff)
        return ~(s + (s >> 16)) & 0xffff

    def frame(src, proto, l4):
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64,
                        proto, 0, bytes(src), bytes([8, 8, 8, 8]))
        return (b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + h[:10] +
                struct.pack("!H", csum(h)) + h[12:] + l4)

    def query(src, sport, qid):
        q = (struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) +
             b"\x07example\x03com\x00" + struct.pack("!HH", 1, 1))
        return frame(src, 17, struct.pack("!HHHH", sport, 53, 8 + len(q),
                                          0) + q)
    t0, pkts = 1736215200.0, []
    first = [[10, 20, 9, 20 + i] for i in range(hosts)]
    for i, a in enumerate(first):
        pkts.append((t0 + 0.001 * i, query(a, 5000 + i, 1)))
    t = t0 + 0.1
    for k in range(filler):
        for a in first:
            t += 0.00001
            pkts.append((t, frame(a, 6, struct.pack(
                "!HHIIBBHHH", 6000, 80, 1000 + k, 1, 5 << 4, 0x10, 8192, 0,
                0))))
    for i, a in enumerate(first):
        pkts.append((t0 + 2 + 0.001 * i, query(a, 5000 + i, 2)))
    for j in range(hosts):
        pkts.append((t0 + 7200 + j, query([10, 20, 8, 1 + j], 7000 + j, 3)))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, fr in pkts:
            us = int(round(ts * 1e6))
            f.write(struct.pack("<IIII", us // 1000000, us % 1000000,
                                len(fr), len(fr)) + fr)


if __name__ == "__main__":
    frags(os.path.join(sys.argv[1], "frags.pcap"))
    idle(os.path.join(sys.argv[1], "idle.pcap"))
    gap(os.path.join(sys.argv[1], "gap.pcap"))
