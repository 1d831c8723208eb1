#!/usr/bin/python3
"""quic.py DIR — the captures of tests/e2e/quic.sh, QUIC client Initials
protected as RFC 9001 (v1) and RFC 9369 (v2) say, with
python3-cryptography (HKDF, AES-128-GCM, AES-128-ECB header protection)
and written with scapy:

  quic.pcap     one flow per case (client 10.20.2.34, one port each):
    443   v1, the whole ClientHello in one Initial, SNI www.bad.example
          (under an ioc_domains entry), ALPN h3; a server reply after it
    8443  v2, SNI v2.quic-test.example, on a port that is not 443
    4433  v1, a 2,600-byte ClientHello (a large key share) in four CRYPTO
          frames over two Initials in two datagrams, later bytes first,
          SNI split.quic-test.example
    4434  v1, the same hello in two Initials coalesced in one datagram
          (and a Handshake-type packet after them), SNI
          coalesced.quic-test.example
    4435  v1, a CRYPTO frame past the 16 KiB reassembly bound, then
          the hello: SNI big.quic-test.example, the overflow counted
  garbage.pcap  a truncated Initial (first 60 bytes), an Initial whose
          payload is flipped (the tag fails), a long header with a DCID
          length of 200, random bytes after a v1 header; then one valid
          Initial (SNI after.quic-test.example) on another flow, which
          must still be read
  tries.pcap  a hello in 16 pieces, one an Initial (SNI
          sixteen.quic-test.example: read), and one in 17 (SNI
          seventeen.quic-test.example: past the 16 datagrams a flow is
          read for, never whole)
  large.pcap  a hello of 20 KiB, a padding extension before its SNI
          (padded.quic-test.example), in 19 full Initials; a hello of
          about 200 bytes three bytes an Initial (trickle.quic-test.example)
"""
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from scapy.all import IP, UDP, Ether, Raw, wrpcap

V1, V2 = 0x00000001, 0x6B3343CF
SALT = {V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
        V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9")}
CLIENT, SERVER = "10.20.2.34", "203.0.113.80"


def expand_label(secret, label, n):
    full = b"tls13 " + label
    info = struct.pack("!HB", n, len(full)) + full + b"\x00"
    return HKDFExpand(hashes.SHA256(), n, info).derive(secret)


def client_keys(version, dcid):
    m = hmac.HMAC(SALT[version], hashes.SHA256())
    m.update(dcid)
    client = expand_label(m.finalize(), b"client in", 32)
    pre = b"quicv2 " if version == V2 else b"quic "
    return (expand_label(client, pre + b"key", 16),
            expand_label(client, pre + b"iv", 12),
            expand_label(client, pre + b"hp", 16))


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack("!H", 0x4000 | v)
    return struct.pack("!I", 0x80000000 | v)


def ext(t, body):
    return struct.pack("!HH", t, len(body)) + body


def client_hello(sni, alpn=(b"h3",), big_share=False, pad=0):
    """A TLS 1.3 ClientHello as QUIC carries it (no record header); with
    pad, a padding extension of that many bytes before the SNI (a
    ClientHello may carry up to 64 KiB of extensions)."""
    name = sni.encode()
    exts = ext(21, bytes(pad)) if pad else b""
    exts += ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    exts += ext(10, struct.pack("!HHH", 4, 0x001D, 0x0017))
    exts += ext(13, struct.pack("!HHHH", 6, 0x0403, 0x0804, 0x0401))
    al = b"".join(bytes([len(a)]) + a for a in alpn)
    exts += ext(16, struct.pack("!H", len(al)) + al)
    exts += ext(43, b"\x02\x03\x04")
    shares = struct.pack("!HH", 0x001D, 32) + bytes(range(32))
    if big_share:	# a post-quantum share: the hello spans Initials
        shares = struct.pack("!HH", 0x6399, 2400) + bytes(
            (i * 7) & 0xFF for i in range(2400)) + shares
    exts += ext(51, struct.pack("!H", len(shares)) + shares)
    exts += ext(45, b"\x01\x01")
    exts += ext(57, bytes.fromhex("0104800075300404800f4240"))
    body = b"\x03\x03" + bytes(range(32)) + b"\x00"
    body += struct.pack("!H", 6) + struct.pack("!HHH", 0x1301, 0x1302, 0x1303)
    body += b"\x01\x00" + struct.pack("!H", len(exts)) + exts
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def crypto(hello, a, e):
    return b"\x06" + varint(a) + varint(e - a) + hello[a:e]


def initial(version, dcid, frames, pn, pad_to=1200, ptype=None):
    """A protected client Initial (or, with ptype, another long type)
    around frames, PADDING frames filling it to pad_to bytes."""
    key, iv, hp = client_keys(version, dcid)
    if ptype is None:
        ptype = 1 if version == V2 else 0
    first = 0xC0 | ptype << 4 | 1		# 2-byte packet number
    head = bytes([first]) + struct.pack("!I", version)
    head += bytes([len(dcid)]) + dcid + bytes([8]) + b"\x5c" * 8
    if ptype == (1 if version == V2 else 0):
        head += varint(0)			# no token
    # At least 4 bytes: the header protection sample needs 16 past pn.
    plen = max(len(frames), 4, pad_to - len(head) - 2 - 2 - 16)
    payload = frames + bytes(plen - len(frames))
    head += struct.pack("!H", 0x4000 | (2 + len(payload) + 16))
    pn_off = len(head)
    head += struct.pack("!H", pn)
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    sealed = AESGCM(key).encrypt(nonce, payload, head)
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sealed[2:18]) + enc.finalize()
    pkt = bytearray(head + sealed)
    pkt[0] ^= mask[0] & 0x0F
    pkt[pn_off] ^= mask[1]
    pkt[pn_off + 1] ^= mask[2]
    return bytes(pkt)


class Cap:
    def __init__(self):
        self.pkts, self.t = [], 1735700000.0

    def send(self, sport, dport, data, reply=False):
        src, dst = (SERVER, CLIENT) if reply else (CLIENT, SERVER)
        p = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / \
            IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / \
            Raw(data)
        self.t += 0.001
        p.time = self.t
        self.pkts.append(p)


def main(out):
    cap = Cap()
    dcid = bytes.fromhex("8394c8f03e515708")

    h = client_hello("www.bad.example")
    cap.send(50443, 443, initial(V1, dcid, crypto(h, 0, len(h)), 0))
    cap.send(443, 50443, bytes([0xC0]) + os.urandom(1199), reply=True)

    h = client_hello("v2.quic-test.example", alpn=(b"h3", b"hq-interop"))
    cap.send(50444, 8443, initial(V2, os.urandom(12), crypto(h, 0, len(h)),
                                  0))

    big = client_hello("split.quic-test.example", big_share=True)
    n = len(big)
    d2 = os.urandom(8)
    cap.send(50445, 4433, initial(V1, d2, crypto(big, 2000, n) +
                                  crypto(big, 1100, 2000), 0))
    cap.send(50445, 4433, initial(V1, d2, crypto(big, 600, 1100) +
                                  crypto(big, 0, 600), 1))

    big = client_hello("coalesced.quic-test.example", big_share=True)
    n = len(big)
    d3 = os.urandom(8)
    cap.send(50446, 4434,
             initial(V1, d3, crypto(big, 1300, n), 0, pad_to=0) +
             initial(V1, d3, crypto(big, 0, 1300), 1, pad_to=0) +
             initial(V1, d3, b"\x01", 2, pad_to=0, ptype=2))

    h = client_hello("big.quic-test.example")
    d4 = os.urandom(8)
    cap.send(50447, 4435, initial(V1, d4, crypto(b"\xaa" * 16400,
                                                  16300, 16400), 0))
    cap.send(50447, 4435, initial(V1, d4, crypto(h, 0, len(h)), 1))
    wrpcap(os.path.join(out, "quic.pcap"), cap.pkts)

    g = Cap()
    h = client_hello("truncated.quic-test.example")
    ok = initial(V1, os.urandom(8), crypto(h, 0, len(h)), 0)
    g.send(51001, 443, ok[:60])
    bad = bytearray(initial(V1, os.urandom(8), crypto(h, 0, len(h)), 0))
    bad[700] ^= 0x40
    g.send(51002, 443, bytes(bad))
    g.send(51003, 443, bytes([0xC0, 0, 0, 0, 1, 200]) + os.urandom(300))
    g.send(51004, 443, bytes([0xC3, 0, 0, 0, 1, 8]) + os.urandom(1194))
    h = client_hello("after.quic-test.example")
    g.send(51005, 443, initial(V1, os.urandom(8), crypto(h, 0, len(h)), 0))
    wrpcap(os.path.join(out, "garbage.pcap"), g.pkts)

    t = Cap()
    for port, name, k in ((52016, "sixteen", 16), (52017, "seventeen", 17)):
        h = client_hello(name + ".quic-test.example")
        d = os.urandom(8)
        cuts = [len(h) * i // k for i in range(k + 1)]
        for i in range(k):
            t.send(port, 443, initial(V1, d, crypto(h, cuts[i], cuts[i + 1]),
                                      i))
    wrpcap(os.path.join(out, "tries.pcap"), t.pkts)

    # Hellos crafted past the bounds: 20 KiB of padding before the SNI,
    # in 19 full Initials; a small hello three bytes an Initial, so not
    # whole after the 16 datagrams a flow is read for.
    g = Cap()
    h = client_hello("padded.quic-test.example", pad=20000)
    d = os.urandom(8)
    for i, a in enumerate(range(0, len(h), 1100)):
        g.send(53001, 443, initial(V1, d, crypto(h, a, min(a + 1100, len(h))),
                                   i))
    h = client_hello("trickle.quic-test.example")
    d = os.urandom(8)
    for i, a in enumerate(range(0, len(h), 3)):
        g.send(53002, 443, initial(V1, d, crypto(h, a, min(a + 3, len(h))),
                                   i))
    wrpcap(os.path.join(out, "large.pcap"), g.pkts)


if __name__ == "__main__":
    main(sys.argv[1])
