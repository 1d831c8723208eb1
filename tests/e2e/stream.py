"""Captures for tests/e2e/stream.sh: the same cleartext HTTP POST carrying
three valid citizen-ID numbers, its bytes sent as TCP segments in the
ways an attacker would to split them from a sensor's view.

  inorder.pcap      the request in two segments, in order (the baseline)
  reversed.pcap     cut into 40-byte segments, sent last first
  onebyte.pcap      one byte a segment, the first byte sent last
  benign.pcap       as reversed, 12-digit numbers that are not citizen IDs
  overlap-gf.pcap   the body's segment first as garbage, then as data,
                    then the head: the two copies overlap with other bytes
  overlap-dg.pcap   the same, the data copy first and the garbage second
  deep.pcap         in order, the numbers after 20 KB of other body
  deep-gw.pcap      the same from the population database gateway
  flood.pcap        connections that each hold 2 KB ahead of a hole that
                    never fills, over 20 s of packet time (written raw)

Usage: /usr/bin/python3 stream.py OUTDIR
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
from rulelib import Capture, Tcp, CLIENT, EXT, GATEWAY  # noqa: E402
from rulelib import LEAK, BENIGN, leak_post as post  # noqa: E402
from defrag import OK  # noqa: E402


def deep_post(ids):
    body = b"ghi_chu=" + b"x" * 20480 + b"&cccd=" + b"&cccd=".join(ids)
    return (b"POST /nop-ho-so HTTP/1.1\r\nHost: dich-vu.example\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def deep(req):
    """In order, 1,400 bytes a segment; the numbers in the last one."""
    k = req.index(b"&cccd=")
    return [(o, req[o:min(o + 1400, k)]) for o in range(0, k, 1400)] + \
        [(k, req[k:])]


def session(path, ids, pieces, client=CLIENT, make=post, server=EXT,
            dport=80, reply=OK):
    """A connection whose request goes out as (offset, bytes) pieces."""
    req = make(ids)
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, dport).handshake()
    isn = t.seq[0]
    for off, data in pieces(req):
        t._pkt(0, "PA", data, seq=isn + off)
    t.seq[0] += len(req)
    t._pkt(1, "A")
    t.send(1, reply).close()
    cap.write(path)


def inorder(req):
    h = req.index(b"\r\n\r\n") + 4
    return [(0, req[:h]), (h, req[h:])]


def reversed_(req):
    return [(o, req[o:o + 40]) for o in range(0, len(req), 40)][::-1]


def onebyte(req):
    return [(o, req[o:o + 1]) for o in range(1, len(req))] + [(0, req[:1])]


def overlap(garbage_first):
    def cut(req):
        h = req.index(b"\r\n\r\n") + 4
        data = (h, req[h:])
        junk = (h, bytes(0x39 if c in b"0123456789" else 0x79
                         for c in req[h:]))
        return ([junk, data] if garbage_first else [data, junk]) + \
            [(0, req[:h])]
    return cut


def flood(path, n=6000, secs=20.0):
    """n connections from as many ports, each a 2,048-byte segment held
    ahead of a hole (the first data seen sets the stream's start)."""
    t0 = 1736215200
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    data = b"O" * 2048

    def frame(i, seq, payload):
        tcp = struct.pack("!HHIIBBHHH", 1024 + i % 60000, 8080, seq, 0,
                          0x50, 0x18, 65535, 0, 0)
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload),
                          i & 0xffff, 0, 64, 6, 0,
                          bytes([10, 20, 9, 1 + (i // 60000)]),
                          bytes([203, 0, 113, 9]))
        return b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" \
            + iph + tcp + payload
    for i in range(n):
        us = int(i * secs * 1e6 / n)
        for f in (frame(i, 1000, b"P"), frame(i, 5000, data)):
            out.append(struct.pack("<IIII", t0 + us // 1000000,
                                   us % 1000000, len(f), len(f)) + f)
    with open(path, "wb") as fp:
        fp.write(b"".join(out))


def flood_kept(path, n=4000, segs=8, secs=20.0):
    """n answered connections, each sending segs KB in order that its peer
    never acknowledges (kept bytes: 32 MB wanted), every 50th with its
    first two segments swapped (the second held until the first comes)."""
    t0 = 1736215200
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    data = b"K" * 1024
    client = lambda i: bytes([10, 20, 8, 1 + (i // 60000)])
    server = bytes([203, 0, 113, 9])

    def frame(src, dst, sport, dport, seq, flags, payload):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 0x50, flags,
                          65535, 0, 0)
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0,
                          64, 6, 0, src, dst)
        return b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" \
            + iph + tcp + payload
    for i in range(n):
        us = int(i * secs * 1e6 / n)
        port = 1024 + i % 60000
        order = list(range(segs))
        if i % 50 == 0:
            order[0], order[1] = 1, 0
        frames = [frame(client(i), server, port, 8080, 999, 0x02, b""),
                  frame(server, client(i), 8080, port, 6999, 0x12, b"")]
        frames += [frame(client(i), server, port, 8080, 1000 + 1024 * k,
                         0x18, data) for k in order]
        for f in frames:
            out.append(struct.pack("<IIII", t0 + us // 1000000,
                                   us % 1000000, len(f), len(f)) + f)
    with open(path, "wb") as fp:
        fp.write(b"".join(out))


def main():
    d = sys.argv[1]
    session(os.path.join(d, "inorder.pcap"), LEAK, inorder)
    session(os.path.join(d, "reversed.pcap"), LEAK, reversed_)
    session(os.path.join(d, "onebyte.pcap"), LEAK, onebyte)
    session(os.path.join(d, "benign.pcap"), BENIGN, reversed_)
    session(os.path.join(d, "overlap-gf.pcap"), LEAK, overlap(True))
    session(os.path.join(d, "overlap-dg.pcap"), LEAK, overlap(False))
    session(os.path.join(d, "deep.pcap"), LEAK, deep, make=deep_post)
    session(os.path.join(d, "deep-gw.pcap"), LEAK, deep, client=GATEWAY,
            make=deep_post)
    flood(os.path.join(d, "flood.pcap"))
    flood_kept(os.path.join(d, "flood-kept.pcap"))


if __name__ == "__main__":     # tests/e2e/evasion.py imports this
    main()
