"""Captures for tests/e2e/checksum.sh: a capture made on a host whose NIC
fills in TCP checksums (offload), so that every segment the client sent
shows a wrong one, as tcpdump on that host writes them.

  offload.pcap  a client whose every segment, handshake included, has a
                partial sum (the pseudo-header's, as Linux leaves it for
                the NIC): 550 pure ACKs, each answered with a right sum,
                then a cleartext HTTP POST with three valid citizen-ID
                numbers
  gro.pcap      right handshakes (the server announcing MSS 536), then
                the POST as one 700-byte segment summed as the capturing
                host's GRO leaves a merge: the pseudo-header's sum alone
  gro-decoy.pcap the same, but first a 300-byte decoy summed that way:
                too short for a merge

Usage: /usr/bin/python3 checksum.py OUTDIR
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
from rulelib import Capture, Tcp, CLIENT, DB, ip  # noqa: E402
from rulelib import LEAK, leak_post  # noqa: E402
from scapy.all import IP, TCP  # noqa: E402

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def partial(pkt):
    """The sum Linux writes for the NIC to finish: the pseudo-header's,
    folded, not complemented."""
    ip, tcp = pkt[IP], pkt[TCP]
    n = len(bytes(tcp))
    ph = (bytes(map(int, ip.src.split("."))) +
          bytes(map(int, ip.dst.split("."))) + struct.pack("!BBH", 0, 6, n))
    s = sum(struct.unpack("!6H", ph))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


class Offloaded(Tcp):
    """The client's segments carry partial sums."""

    def _pkt(self, d, flags, payload=b"", seq=None):
        p = super()._pkt(d, flags, payload, seq)
        if d == 0:
            p[TCP].chksum = partial(p)
        return p


def offload(path):
    cap = Capture(t0=1736215200.0)
    t = Offloaded(cap, CLIENT, DB, 43210, 80).handshake()
    for _ in range(550):
        t._pkt(0, "A")
        t._pkt(1, "A")
    t.send(0, leak_post(LEAK)).send(1, OK).close()
    cap.write(path)


def gro(path, decoy):
    """Right handshakes, the server announcing MSS 536. Not decoy: the
    POST as one 700-byte segment summed as GRO leaves a merge (longer than
    the MSS: the capturing host merged it). decoy: a 300-byte decoy summed
    the same way (no merge can be that short) first, then the POST."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, CLIENT, DB, 43210, 80)
    t.cap.add(ip(CLIENT, DB) / TCP(sport=43210, dport=80, flags="S",
                                   seq=t.seq[0], options=[("MSS", 1460)]))
    t.seq[0] += 1
    t.cap.add(ip(DB, CLIENT) / TCP(sport=80, dport=43210, flags="SA",
                                   seq=t.seq[1], ack=t.seq[0],
                                   options=[("MSS", 536)]))
    t.seq[1] += 1
    t._pkt(0, "A")
    req = leak_post(LEAK) + b"x" * 300
    assert len(req) > 536
    if decoy:
        d = t._pkt(0, "PA", bytes(0x39 if c in b"0123456789" else c
                                  for c in req[:300]))
        d[TCP].chksum = partial(d)
    p = t._pkt(0, "PA", req)
    if not decoy:
        p[TCP].chksum = partial(p)
    t.seq[0] += len(req)
    t._pkt(1, "A")
    t.send(1, OK).close()
    cap.write(path)


def main():
    out = sys.argv[1]
    offload(os.path.join(out, "offload.pcap"))
    gro(os.path.join(out, "gro.pcap"), False)
    gro(os.path.join(out, "gro-decoy.pcap"), True)


if __name__ == "__main__":
    main()
