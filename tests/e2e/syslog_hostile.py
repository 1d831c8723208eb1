#!/usr/bin/python3
"""A capture whose protocol fields are hostile to the alert outputs.

usage: /usr/bin/python3 syslog_hostile.py OUT.pcap

For each hostile string: an HTTP request with it as Host and User-Agent,
a TLS ClientHello with it as SNI, a DNS query with it as a label and an
SSH client banner with it as the software version. The strings carry
what breaks key-value and structured-data formats: a trailing backslash
before a forged "', src_ip='...", quotes, '=', commas, ']', newlines,
NULs, control bytes, bytes that are not UTF-8, and length.
"""
import struct
import sys

from scapy.all import DNS, DNSQR, IP, TCP, UDP, Ether, PcapWriter, Raw

FORGE = b"', src_ip='6.6.6.6', dest_ip='7.7.7.7', alert.severity='1', x='"
HOSTILE = [
    b"evil\\" + FORGE,
    b"back\\\\slash\\",
    b"q\"uo'te=x,y] z\"]=\\\"",
    b"new\nline\r\x00nul\x01\x1b[31mred\x7f",
    b"\xff\xfe\xc3\x28 bad utf8 \xe1\xbb\x87 Vi\xe1\xbb\x87t",
    b"x\\', alert.signature_id='1', y='",
    b"sd]\" canhgac@32473 seq=\"9\"] [x a=\"b\\",
    b"L" * 300 + b"\\",
]

T0 = 1735700400 * 1000000
CLIENT, SERVER, RESOLVER = "10.20.5.7", "10.20.1.25", "10.20.0.53"


class Cap:
    def __init__(self):
        self.t = T0
        self.pkts = []
        self.port = 40000

    def add(self, src, dst, l4):
        self.t += 1000
        p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / \
            IP(src=src, dst=dst, ttl=64) / l4
        self.pkts.append((self.t, bytes(p)))

    def tcp(self, dport, client_data, server_data=b""):
        self.port += 1
        c, s = 1000, 5000
        sp = self.port
        self.add(CLIENT, SERVER, TCP(sport=sp, dport=dport, flags="S", seq=c))
        self.add(SERVER, CLIENT, TCP(sport=dport, dport=sp, flags="SA",
                                     seq=s, ack=c + 1))
        c += 1
        s += 1
        self.add(CLIENT, SERVER, TCP(sport=sp, dport=dport, flags="A",
                                     seq=c, ack=s))
        if server_data:
            self.add(SERVER, CLIENT, TCP(sport=dport, dport=sp, flags="PA",
                                         seq=s, ack=c) / Raw(server_data))
            s += len(server_data)
        self.add(CLIENT, SERVER, TCP(sport=sp, dport=dport, flags="PA",
                                     seq=c, ack=s) / Raw(client_data))
        c += len(client_data)
        self.add(SERVER, CLIENT, TCP(sport=dport, dport=sp, flags="A",
                                     seq=s, ack=c))
        self.add(CLIENT, SERVER, TCP(sport=sp, dport=dport, flags="FA",
                                     seq=c, ack=s))
        self.add(SERVER, CLIENT, TCP(sport=dport, dport=sp, flags="FA",
                                     seq=s, ack=c + 1))
        self.add(CLIENT, SERVER, TCP(sport=sp, dport=dport, flags="A",
                                     seq=c + 1, ack=s + 1))

    def write(self, path):
        w = PcapWriter(path, linktype=1, sync=False)
        w.write_header(None)
        for t, raw in self.pkts:
            w.write_packet(raw, sec=t // 1000000, usec=t % 1000000)
        w.close()


def client_hello(sni):
    ext_sni = struct.pack("!BH", 0, len(sni)) + sni
    ext_sni = struct.pack("!H", len(ext_sni)) + ext_sni
    exts = struct.pack("!HH", 0, len(ext_sni)) + ext_sni
    body = struct.pack("!H", 0x0303) + bytes(32) + b"\x00" + \
        struct.pack("!H", 4) + b"\x13\x01\xc0\x2f" + b"\x01\x00" + \
        struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def main(path):
    cap = Cap()
    for i, h in enumerate(HOSTILE):
        url = h.replace(b" ", b"+").replace(b"\n", b"").replace(b"\r", b"")
        cap.tcp(80, b"GET /p?q=" + url +
                b" HTTP/1.1\r\nHost: " + h + b"\r\nUser-Agent: " + h +
                b"\r\nAccept: */*\r\n\r\n")
        cap.tcp(443, client_hello(h[:250]))
        cap.tcp(22, b"SSH-2.0-" + h[:200] + b"\r\n",
                b"SSH-2.0-OpenSSH_9.2p1 " + h[:100] + b"\r\n")
        label = h[:63]
        qname = label + b".example.vn."
        cap.add(CLIENT, RESOLVER, UDP(sport=5300 + i, dport=53) /
                DNS(id=i + 1, rd=1, qd=DNSQR(qname=qname, qtype="A")))
    # A response whose 8 answers (the most an event keeps) have names of
    # 255 quotes, each written \" : its event is the longest one.
    cap.add(CLIENT, RESOLVER, UDP(sport=5399, dport=53) /
            Raw(struct.pack("!HHHHHH", 99, 0x0100, 1, 0, 0, 0) +
                wire_name(b"c2.example.vn") + b"\x00\x01\x00\x01"))
    cap.add(RESOLVER, CLIENT, UDP(sport=53, dport=5399) /
            Raw(quote_response(99)))
    cap.write(path)


def wire_name(name):
    return b"".join(bytes([len(l)]) + l for l in name.split(b".")) + b"\x00"


def quote_response(qid):
    big = wire_name(b".".join([b'"' * 63] * 3 + [b'"' * 61]))
    m = struct.pack("!HHHHHH", qid, 0x8180, 1, 8, 0, 0) + \
        wire_name(b"c2.example.vn") + b"\x00\x01\x00\x01"
    for _ in range(7):
        m += big + struct.pack("!HHIH", 5, 1, 60, len(big)) + big
    return m + big + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([6, 6, 6, 6])


if __name__ == "__main__":
    main(sys.argv[1])
