"""Building blocks for capture cases: real TCP sessions with correct
sequence numbers, so the sensor sees what a real stack would send."""
import struct

from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, wrpcap  # noqa: F401


class Capture:
    def __init__(self, t0=1735700400.0):
        self.pkts = []
        self.t = t0
        # Set: frames longer are cut to it, as a capture with that snap
        # length keeps them (the record says the length on the wire).
        self.snaplen = None

    def add(self, pkt, dt=0.001):
        self.t += dt
        pkt.time = self.t
        self.pkts.append(pkt)
        return pkt

    def write(self, path):
        if self.snaplen is None:
            wrpcap(path, self.pkts)
            return
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0,
                                self.snaplen, 1))
            for p in self.pkts:
                b = bytes(p)
                us = int(round(float(p.time) * 1e6))
                f.write(struct.pack("<IIII", us // 1000000, us % 1000000,
                                    min(len(b), self.snaplen), len(b)))
                f.write(b[:self.snaplen])


# scapy's own choice for an IPv6 destination it cannot resolve, given
# here: finding none costs a one-second neighbour solicitation a packet.
ETHER6 = dict(dst="ff:ff:ff:ff:ff:ff")
# The same for IPv4: scapy ARPs for a destination on the machine's own
# network (192.0.2.0/24 here: the rule cases' 192.0.2.10 took three
# minutes, an ARP timeout a packet), and the captures need no real MAC.
ETHER4 = dict(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")


def ip(src, dst):
    if ":" in src:
        return Ether(**ETHER6) / IPv6(src=src, dst=dst)
    return Ether(**ETHER4) / IP(src=src, dst=dst)


class Tcp:
    """A TCP connection: handshake, data either way, FIN close."""

    def __init__(self, cap, client, server, sport, dport, isn=(1000, 5000)):
        self.cap, self.c, self.s = cap, client, server
        self.sport, self.dport = sport, dport
        self.seq = [isn[0], isn[1]]

    def _pkt(self, d, flags, payload=b"", seq=None):
        src, dst = (self.c, self.s) if d == 0 else (self.s, self.c)
        sp, dp = (self.sport, self.dport) if d == 0 else (self.dport, self.sport)
        s = self.seq[d] if seq is None else seq
        p = ip(src, dst) / TCP(sport=sp, dport=dp, flags=flags, seq=s,
                               ack=self.seq[1 - d] if "A" in flags else 0)
        if payload:
            p = p / Raw(payload)
        return self.cap.add(p)

    def handshake(self):
        self._pkt(0, "S")
        self.seq[0] += 1
        self._pkt(1, "SA")
        self.seq[1] += 1
        self._pkt(0, "A")
        return self

    def send(self, d, payload, retransmit=False):
        start = self.seq[d]
        self._pkt(d, "PA", payload)
        self.seq[d] += len(payload)
        if retransmit:
            self._pkt(d, "PA", payload, seq=start)
        self._pkt(1 - d, "A")
        return self

    def close(self):
        self._pkt(0, "FA")
        self.seq[0] += 1
        self._pkt(1, "FA")
        self.seq[1] += 1
        self._pkt(0, "A")
        return self


def tls_client_hello(sni, versions=(0x0304, 0x0303), legacy=0x0303):
    """A ClientHello with SNI, supported_versions and groups."""
    ciphers = [0x1301, 0x1302, 0xc02f, 0xc030]
    name = sni.encode()
    sni_ext = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    ext = struct.pack("!HH", 0, len(sni_ext)) + sni_ext
    sv = struct.pack("!B", 2 * len(versions)) + b"".join(
        struct.pack("!H", v) for v in versions)
    ext += struct.pack("!HH", 43, len(sv)) + sv
    groups = struct.pack("!HHH", 4, 0x001d, 0x0017)
    ext += struct.pack("!HH", 10, len(groups)) + groups
    body = struct.pack("!H", legacy) + bytes(range(32)) + b"\x00"
    body += struct.pack("!H", 2 * len(ciphers)) + b"".join(
        struct.pack("!H", c) for c in ciphers)
    body += b"\x01\x00" + struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_server_hello(version=0x0304):
    ext = b""
    if version == 0x0304:
        ext = struct.pack("!HHH", 43, 2, 0x0304)
    body = struct.pack("!H", 0x0303) + bytes(32) + b"\x00" + b"\x13\x01\x00"
    body += struct.pack("!H", len(ext)) + ext
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


def dns_query(name, qid=0x1234, qtype=1):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)
