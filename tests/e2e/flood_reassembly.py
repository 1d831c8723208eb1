"""The capture for tests/e2e/flood_reassembly.sh: TCP reassembly and IP
defragmentation flooded at once, far past their memcaps, with probes
that show which held data the sensor kept.

In packet-time order, over about 20 s:
  1. the FIRST probes: a POST carrying three valid citizen-ID numbers held
     ahead of a one-byte hole (10.20.9.201), and the same POST's segment
     as IPv4 fragments without the last (10.20.9.211);
  2. the flood, interleaved: STREAM_FLOWS connections that each hold
     56 KiB (7 segments of 8 KiB) ahead of a hole that never fills (at
     64 KiB the sensor gives up on the hole and inspects past it);
     V4_TRAINS IPv4 and V6_TRAINS IPv6 fragment trains of 62 KiB that
     never get their last fragment; from one attacker, OVERLAP_FLOWS
     connections that each send a held segment twice with other bytes
     (10.20.9.251) and OVERLAP_TRAINS complete IPv4 trains whose first
     fragment comes twice with other bytes (10.20.9.250);
  3. the LAST probes, as the first (10.20.9.202, 10.20.9.212);
  4. what the probes lacked: each POST's first byte, each train's last
     fragment;
  5. 61 s later, one unrelated packet: the trains still held time out.
Oldest first, the FIRST probes' data is evicted, the LAST probes' kept:
a data-leak alert from .202 and .212, none from .201 and .211.

Everything is written raw (the flood is about 150 MB of packets).
Usage: /usr/bin/python3 flood_reassembly.py OUTDIR
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
from rulelib import LEAK, leak_post  # noqa: E402

STREAM_FLOWS = 1200
V4_TRAINS = 1000
V6_TRAINS = 300
OVERLAP_FLOWS = 200
OVERLAP_TRAINS = 200
EXT4 = bytes([203, 0, 113, 9])
EXT6 = bytes.fromhex("20010db8009900000000000000000009")
ETH4 = b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00"
ETH6 = ETH4[:12] + b"\x86\xdd"
CLIENT6 = bytes.fromhex("fd000020000900000000000000000066")


def v4(src, payload, proto=6, ident=0, frag=0):
    return ETH4 + struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload),
                              ident, frag, 64, proto, 0, src, EXT4) + payload


def v6_frag(src, payload, ident, off, more):
    fh = struct.pack("!BBHI", 17, 0, off | more, ident)
    return ETH6 + struct.pack("!IHBB16s16s", 0x60000000,
                              8 + len(payload), 44, 64, src, EXT6) + fh + \
        payload


def tcp(sport, seq, payload=b"", flags=0x18):
    return struct.pack("!HHIIBBHHH", sport, 80, seq, 0, 0x50, flags,
                       65535, 0, 0) + payload


def host(last):
    return bytes([10, 20, 9, last])


class Pcap:
    def __init__(self, path, t0=1736215200):
        self.fp = open(path, "wb")
        self.fp.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0,
                                  65535, 1))
        self.us = t0 * 1000000

    def add(self, frame, dt_us=50):
        self.us += dt_us
        self.fp.write(struct.pack("<IIII", self.us // 1000000,
                                  self.us % 1000000, len(frame),
                                  len(frame)) + frame)


def held_post(cap, src, sport):
    """SYN, then the POST but its first byte: held ahead of the hole."""
    cap.add(v4(src, tcp(sport, 999, flags=0x02)))
    cap.add(v4(src, tcp(sport, 1001, leak_post(LEAK)[1:])))


def post_train(src, ident):
    """The POST's segment as three IPv4 fragments."""
    seg = tcp(40000, 1000, leak_post(LEAK))
    cut = [seg[0:104], seg[104:208], seg[208:]]
    return [v4(src, c, ident=ident,
               frag=(0x2000 if i < 2 else 0) | (i * 104 // 8))
            for i, c in enumerate(cut)]


def probes(cap, n):
    """Probe n (1 FIRST, 2 LAST): the held POST and the train but its
    last fragment; returns what completes them."""
    held_post(cap, host(200 + n), 41000 + n)
    frags = post_train(host(210 + n), 0x7700 + n)
    for f in frags[:2]:
        cap.add(f)
    return [v4(host(200 + n), tcp(41000 + n, 1000, b"P")), frags[2]]


def flood(cap):
    seg = b"S" * 8192
    chunk4 = b"F" * 8192
    chunk6 = b"G" * 8192
    odd = b"O" * 1024
    total = max(STREAM_FLOWS, V4_TRAINS, V6_TRAINS, OVERLAP_FLOWS,
                OVERLAP_TRAINS)
    for i in range(total):
        if i < STREAM_FLOWS:
            src, sport = host(1 + i // 60000), 1024 + i % 60000
            cap.add(v4(src, tcp(sport, 1000, b"P")))
            for k in range(7):          # the byte at 1001 never comes
                cap.add(v4(src, tcp(sport, 1002 + k * 8192, seg)))
        if i < V4_TRAINS:
            for k in range(8):          # 62 KiB, always more to come
                n = 8192 if k < 7 else 6144
                cap.add(v4(host(100), chunk4[:n], proto=17, ident=i,
                           frag=0x2000 | (k * 1024)))
        if i < V6_TRAINS:
            for k in range(8):
                n = 8192 if k < 7 else 6144
                cap.add(v6_frag(CLIENT6, chunk6[:n], ident=i,
                                off=k * 8192, more=1))
        if i < OVERLAP_FLOWS:
            src, sport = host(251), 2000 + i
            cap.add(v4(src, tcp(sport, 5000, b"P")))
            cap.add(v4(src, tcp(sport, 5002, odd)))
            cap.add(v4(src, tcp(sport, 5002, odd.replace(b"O", b"o"))))
        if i < OVERLAP_TRAINS:
            data = struct.pack("!HHHH", 3000 + i, 53, 8 + 2048, 0) + \
                b"D" * 2048
            first, rest = data[:1024], data[1024:]
            cap.add(v4(host(250), first, proto=17, ident=i, frag=0x2000))
            cap.add(v4(host(250), first[:8] + b"d" * 1016, proto=17,
                       ident=i, frag=0x2000))
            cap.add(v4(host(250), rest, proto=17, ident=i, frag=1024 // 8))


def main():
    cap = Pcap(os.path.join(sys.argv[1], "flood.pcap"))
    tails = probes(cap, 1)
    flood(cap)
    tails += probes(cap, 2)
    for f in tails:
        cap.add(f)
    cap.add(v4(host(99), b"\0" * 8, proto=17), 61 * 1000000)
    cap.fp.close()
    # What the daemon must account for (shell variables for the test):
    # every connection that held data (the flood's, the attacker's, the
    # FIRST probe's), every train started (the flood's, the attacker's,
    # both probes', and the one the FIRST probe's lone last fragment
    # starts), the trains completed (the attacker's, the LAST probe's).
    with open(os.path.join(sys.argv[1], "flood.expect"), "w") as fp:
        fp.write("holders=%d trains=%d reassembled=%d\n" % (
            STREAM_FLOWS + OVERLAP_FLOWS + 1,
            V4_TRAINS + V6_TRAINS + OVERLAP_TRAINS + 3, OVERLAP_TRAINS + 1))


if __name__ == "__main__":
    main()
