#!/usr/bin/python3
"""Build the bundled demo capture: what canhgac sees on a provincial gateway.

usage: /usr/bin/python3 scripts/make-demo-pcap.py demo.pcap

About 300 packets starting 2025-01-01T03:00:00Z, with the addresses of
etc/canhgac.yaml: 10.20.1.10 the population-database gateway, 10.20.1.x
other servers, 10.20.2.x approved peers, 10.20.3.x admin workstations,
10.20.0.53 the resolver and 10.20.9.66 an outsider. In time order:

  DNS A api.dancu.gov.vn; a TLS 1.3 session from a peer (ClientHello with
  supported_versions and SNI api.dancu.gov.vn); DNS legacy.lgs.gov.vn and a
  TLS 1.0-only session (its certificate expired in 2024); HTTP GET with
  Host and User-Agent; an admin's SSH session; an FTP login with USER/PASS
  (password "Secret123"); telnet with IAC negotiation and a login prompt,
  typed character by character; SNMPv2c get with community "public"; ICMP
  echo; a DNS query for a random-looking name on a cheap TLD; a SYN scan
  of 10.20.1.10 ports 20-60 from 10.20.9.66 (RSTs back, 22 open).

Every TCP session has a real handshake and close with consistent sequence
and acknowledgement numbers. Output is byte-for-byte deterministic: fixed
times, one seeded random.Random for all "random" bytes.
"""
import base64
import random
import struct
import sys

from scapy.all import (ASN1_OID, ASN1_STRING, DNS, DNSQR, DNSRR, ICMP, IP,
                       SNMP, TCP, UDP, Ether, PcapWriter, Raw, SNMPget,
                       SNMPresponse, SNMPvarbind)

T0 = 1735700400 * 1000000          # 2025-01-01T03:00:00Z, microseconds
SEED = 20250101

GATEWAY = "10.20.1.10"
LEGACY = "10.20.1.12"
WEB = "10.20.1.25"
FTP = "10.20.1.20"
SWITCH = "10.20.1.254"
RESOLVER = "10.20.0.53"
OUTSIDER = "10.20.9.66"

# Self-signed, RSA 2048, CN=legacy.lgs.gov.vn, valid 2019-03-01..2024-03-01.
LEGACY_CERT = base64.b64decode("""
MIIDLTCCAhWgAwIBAgIFGis8TV4wDQYJKoZIhvcNAQELBQAwRzELMAkGA1UEBhMCVk4xHDAaBgNV
BAoME1NvIFR1IHBoYXAgKGxlZ2FjeSkxGjAYBgNVBAMMEWxlZ2FjeS5sZ3MuZ292LnZuMB4XDTE5
MDMwMTAwMDAwMFoXDTI0MDMwMTAwMDAwMFowRzELMAkGA1UEBhMCVk4xHDAaBgNVBAoME1NvIFR1
IHBoYXAgKGxlZ2FjeSkxGjAYBgNVBAMMEWxlZ2FjeS5sZ3MuZ292LnZuMIIBIjANBgkqhkiG9w0B
AQEFAAOCAQ8AMIIBCgKCAQEA5Yj6aSP5BzAJKsXZrLgrMBvkFI5klx/WCe28q3h1ZV8yvhyYms7J
UNeCxA8uuiSHj0UMooPYr/XUTgJKLd05vDi15UueCtyqYdxLQfpHNfZ8subBJ8NANHxSM+lNYQ0y
0+Zlr/NrQHRsHDWYOWsX5386C9z3plfaWNya+F8ie+6EFMFLAUL+EiWU0hhQVBepH87Mi+VGY1E3
X/n38H0oKwGHPPKOtIrdFnyEu50wt6lERMZtx0hUf/mwMOHGTCVEv06IVL2jkZlBEaUt/Z/BTDSQ
dla91EwGp8Jm5lbyVl+07XC2bBYlW+zVNKhvENJqyq9cGOYJrjVsxgpQhOr14wIDAQABoyAwHjAc
BgNVHREEFTATghFsZWdhY3kubGdzLmdvdi52bjANBgkqhkiG9w0BAQsFAAOCAQEAVs1hBt2Nsh2f
AjR+BsZK8GL4lv4k3i+t+6N9opV6Kg69rEiIdgmYpMdrx/xNT2J7/ZdikOkFUrHDYfhI53cFCbM3
cI5WYYuB+Fx/0/KgVx7eAdhiFYmkd4Ac0oZKqaniOtEy9pUc9pC1cAgTzxWg9Yn878JGCK/C22Rg
QaL5W9KmQsjXMQ1E/zSPz2iLQzn51o7p+OLoI+ctKMnSQ9tO3fqFFwbtu/s/8e8K4DkZf/gG5Tw0
PteUpZUrPKodG/whjBjKP9h6F8+CLFahN601KbUxsIsFC2huzlFDwfX/hGEE04PBfP2H0A2GrPtN
DLV636MpzlbBLEtUmClrJMQ9nQ==
""")

rng = random.Random(SEED)


def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def mac(ip):
    """Locally administered MAC carrying the IPv4 address."""
    a = [int(x) for x in ip.split(".")]
    return "02:00:%02x:%02x:%02x:%02x" % tuple(a)


class Capture:
    """Packets with their times; written sorted so sessions interleave."""

    def __init__(self):
        self.pkts = []
        self.ipid = {}

    def add(self, t, src, dst, l4):
        ident = self.ipid.setdefault(src, rng.randrange(1, 60000))
        self.ipid[src] = (ident + 1) & 0xffff
        ttl = 64 if src.startswith("10.20.1.") else 128 \
            if src.startswith("10.20.3.") else 63
        pkt = Ether(src=mac(src), dst=mac(dst)) / \
            IP(src=src, dst=dst, id=ident, ttl=ttl,
               flags="DF" if l4.haslayer(TCP) else 0) / l4
        self.pkts.append((t, len(self.pkts), bytes(pkt)))

    def write(self, path):
        w = PcapWriter(path, linktype=1, sync=False)
        w.write_header(None)        # write_packet does not do it
        for t, _, raw in sorted(self.pkts):
            w.write_packet(raw, sec=t // 1000000, usec=t % 1000000)
        w.close()
        return len(self.pkts)


SYN_OPTS = [("MSS", 1460), ("NOP", None), ("WScale", 7), ("NOP", None),
            ("NOP", None), ("SAckOK", b"")]


class Tcp:
    """One TCP connection; tracks sequence numbers and packet time."""

    def __init__(self, cap, t, client, cport, server, sport, rtt=900):
        self.cap, self.t, self.rtt = cap, t, rtt
        self.ep = {"c": (client, cport), "s": (server, sport)}
        self.seq = {"c": rng.getrandbits(32), "s": rng.getrandbits(32)}
        self.last = None

    def _pkt(self, frm, flags, data=b"", gap=None, opts=None):
        to = "s" if frm == "c" else "c"
        if gap is None:
            # Half a round trip when the other side answers, less when
            # the same side keeps sending.
            gap = self.rtt // 2 if frm != self.last else 40
        self.t += gap + rng.randrange(0, 30)
        self.last = frm
        (src, sp), (dst, dp) = self.ep[frm], self.ep[to]
        tcp = TCP(sport=sp, dport=dp, seq=self.seq[frm],
                  ack=self.seq[to] if "A" in flags else 0, flags=flags,
                  window=64240 if "S" in flags else 502,
                  options=opts or [])
        self.cap.add(self.t, src, dst, tcp / Raw(data) if data else tcp)
        self.seq[frm] = (self.seq[frm] + len(data) +
                         (1 if "S" in flags or "F" in flags else 0)) \
            & 0xffffffff

    def open(self):
        self._pkt("c", "S", opts=SYN_OPTS, gap=0)
        self._pkt("s", "SA", opts=SYN_OPTS)
        self._pkt("c", "A")
        return self

    def send(self, frm, data, gap=None, ack=False):
        """data in MSS-sized segments; ack: the peer ACKs at the end."""
        for i in range(0, len(data), 1460):
            seg = data[i:i + 1460]
            last = i + 1460 >= len(data)
            self._pkt(frm, "PA" if last else "A", seg,
                      gap=gap if i == 0 else None)
        if ack:
            self._pkt("s" if frm == "c" else "c", "A")

    def close(self, frm="c"):
        other = "s" if frm == "c" else "c"
        self._pkt(frm, "FA")
        self._pkt(other, "FA")
        self._pkt(frm, "A")


def udp(cap, t, src, sport, dst, dport, payload):
    cap.add(t, src, dst, UDP(sport=sport, dport=dport) / payload)


def dns_lookup(cap, t, client, name, answer, ttl=300):
    qid, port = rng.getrandbits(16), rng.randrange(32768, 61000)
    q = DNSQR(qname=name, qtype="A")
    udp(cap, t, client, port, RESOLVER, 53, DNS(id=qid, rd=1, qd=q))
    resp = DNS(id=qid, qr=1, rd=1, ra=1, qd=q,
               an=DNSRR(rrname=name, type="A", ttl=ttl, rdata=answer))
    udp(cap, t + 700 + rng.randrange(300), RESOLVER, 53, client, port, resp)


# TLS, byte by byte: scapy's TLS layer would pull in its crypto; all we
# need is well-formed hellos and opaque records.
def u16(v):
    return struct.pack("!H", v)


def vec16(b):
    return u16(len(b)) + b


def vec8(b):
    return bytes([len(b)]) + b


def ext(typ, body):
    return u16(typ) + vec16(body)


def record(ctype, version, body):
    return bytes([ctype]) + u16(version) + vec16(body)


def handshake(htype, body):
    return bytes([htype]) + struct.pack("!I", len(body))[1:] + body


def sni_ext(name):
    return ext(0, vec16(b"\x00" + vec16(name.encode())))


def client_hello_13(sni, sid):
    suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
              0xcca9, 0xcca8, 0x009c, 0x009d, 0x002f, 0x0035]
    exts = (sni_ext(sni) + ext(23, b"") + ext(0xff01, b"\x00") +
            ext(10, vec16(u16(0x001d) + u16(0x0017) + u16(0x0018))) +
            ext(11, vec8(b"\x00")) + ext(35, b"") +
            ext(16, vec16(vec8(b"h2") + vec8(b"http/1.1"))) +
            ext(13, vec16(b"".join(u16(a) for a in
                                   (0x0403, 0x0804, 0x0401, 0x0503,
                                    0x0805, 0x0501, 0x0806, 0x0601)))) +
            ext(51, vec16(u16(0x001d) + vec16(rbytes(32)))) +
            ext(45, vec8(b"\x01")) +
            ext(43, vec8(u16(0x0304) + u16(0x0303))))
    body = (u16(0x0303) + rbytes(32) + vec8(sid) +
            vec16(b"".join(u16(s) for s in suites)) + vec8(b"\x00") +
            vec16(exts))
    return record(22, 0x0301, handshake(1, body))


def server_hello_13(sid):
    exts = ext(43, u16(0x0304)) + \
        ext(51, u16(0x001d) + vec16(rbytes(32)))
    body = u16(0x0303) + rbytes(32) + vec8(sid) + u16(0x1301) + b"\x00" + \
        vec16(exts)
    return record(22, 0x0303, handshake(2, body)) + \
        record(20, 0x0303, b"\x01")


def client_hello_10(sni):
    """An old client: TLS 1.0 only, CBC suites, no supported_versions."""
    suites = [0xc014, 0xc013, 0x0035, 0x002f, 0x000a]
    exts = (sni_ext(sni) + ext(10, vec16(u16(0x0017) + u16(0x0018))) +
            ext(11, vec8(b"\x00")) + ext(0xff01, b"\x00"))
    body = (u16(0x0301) + rbytes(32) + vec8(b"") +
            vec16(b"".join(u16(s) for s in suites)) + vec8(b"\x00") +
            vec16(exts))
    return record(22, 0x0301, handshake(1, body))


def server_hello_10():
    body = u16(0x0301) + rbytes(32) + vec8(rbytes(32)) + u16(0x002f) + \
        b"\x00" + vec16(ext(0xff01, b"\x00"))
    certs = handshake(11, struct.pack("!I", len(LEGACY_CERT) + 3)[1:] +
                      struct.pack("!I", len(LEGACY_CERT))[1:] + LEGACY_CERT)
    return record(22, 0x0301, handshake(2, body) + certs + handshake(14, b""))


def appdata(n, version=0x0303):
    """Opaque application_data records (16 bytes of AEAD tag each)."""
    out = b""
    while n > 0:
        k = min(n, 16384)
        out += record(23, version, rbytes(k + 16))
        n -= k
    return out


def tls13_session(cap, t, client, sni, server, requests):
    sid = rbytes(32)
    s = Tcp(cap, t, client, rng.randrange(32768, 61000), server, 443).open()
    s.send("c", client_hello_13(sni, sid))
    # EncryptedExtensions, Certificate, CertificateVerify, Finished.
    s.send("s", server_hello_13(sid) + appdata(2400))
    s.send("c", record(20, 0x0303, b"\x01") + appdata(37) + appdata(420))
    for i, size in enumerate(requests):
        if i:
            s.send("c", appdata(rng.randrange(300, 600)), gap=40000)
        s.send("s", appdata(size), ack=True)
    s.send("c", appdata(2))                        # close_notify
    s.close("c")


def tls10_session(cap, t, client, sni, server):
    s = Tcp(cap, t, client, rng.randrange(1025, 5000), server, 443).open()
    s.send("c", client_hello_10(sni))
    s.send("s", server_hello_10())
    cke = handshake(16, vec16(rbytes(256)))        # RSA premaster
    s.send("c", record(22, 0x0301, cke) + record(20, 0x0301, b"\x01") +
           record(22, 0x0301, rbytes(48)))         # encrypted Finished
    s.send("s", record(20, 0x0301, b"\x01") + record(22, 0x0301, rbytes(48)))
    s.send("c", record(23, 0x0301, rbytes(368)))
    s.send("s", record(23, 0x0301, rbytes(3104)), ack=True)
    s.close("c")


def http_session(cap, t, client, host, server):
    s = Tcp(cap, t, client, rng.randrange(32768, 61000), server, 80).open()
    s.send("c", ("GET /tra-cuu/ho-so?ma=HS-2024-0117 HTTP/1.1\r\n"
                 "Host: %s\r\n"
                 "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                 "AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/131.0.0.0 Safari/537.36\r\n"
                 "Accept: text/html\r\nAccept-Language: vi-VN,vi;q=0.9\r\n"
                 "Connection: keep-alive\r\n\r\n" % host).encode())
    body = ("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
            "<title>Tra cuu ho so</title></head><body><h1>Cong dich vu "
            "cong tinh</h1><p>Ho so HS-2024-0117: dang xu ly.</p>"
            "</body></html>\n").encode()
    s.send("s", b"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\n"
           b"Content-Type: text/html; charset=utf-8\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body) + body, ack=True)
    s.close("c")


def ssh_plain(payload):
    """An unencrypted SSH binary packet (RFC 4253 section 6)."""
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return struct.pack("!IB", 1 + len(payload) + pad, pad) + payload + \
        rbytes(pad)


def ssh_string(b):
    return struct.pack("!I", len(b)) + b


def ssh_kexinit():
    lists = [b"curve25519-sha256,ecdh-sha2-nistp256,"
             b"diffie-hellman-group14-sha256",
             b"ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
             b"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
             b"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
             b"hmac-sha2-256-etm@openssh.com",
             b"hmac-sha2-256-etm@openssh.com",
             b"none", b"none", b"", b""]
    return ssh_plain(b"\x14" + rbytes(16) +
                     b"".join(ssh_string(x) for x in lists) + b"\x00" +
                     b"\x00\x00\x00\x00")


def ssh_session(cap, t, client, server):
    s = Tcp(cap, t, client, rng.randrange(32768, 61000), server, 22).open()
    s.send("s", b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n")
    s.send("c", b"SSH-2.0-OpenSSH_for_Windows_9.5\r\n")
    s.send("c", ssh_kexinit())
    s.send("s", ssh_kexinit())
    s.send("c", ssh_plain(b"\x1e" + ssh_string(rbytes(32))))
    hostkey = ssh_string(b"ssh-ed25519") + ssh_string(rbytes(32))
    sig = ssh_string(b"ssh-ed25519") + ssh_string(rbytes(64))
    s.send("s", ssh_plain(b"\x1f" + ssh_string(hostkey) +
                          ssh_string(rbytes(32)) + ssh_string(sig)) +
           ssh_plain(b"\x15"))
    s.send("c", ssh_plain(b"\x15") + rbytes(52))
    for size_c, size_s in ((68, 52), (84, 68), (420, 36), (116, 580),
                           (36, 1124), (52, 36)):
        s.send("c", rbytes(size_c), gap=rng.randrange(50000, 400000))
        s.send("s", rbytes(size_s))
    s.close("c")


def ftp_session(cap, t, client, server):
    s = Tcp(cap, t, client, rng.randrange(32768, 61000), server, 21).open()
    for frm, line in (("s", "220 (vsFTPd 3.0.5)"),
                      ("c", "USER ftpsync"),
                      ("s", "331 Please specify the password."),
                      ("c", "PASS Secret123"),
                      ("s", "230 Login successful."),
                      ("c", "SYST"),
                      ("s", "215 UNIX Type: L8"),
                      ("c", "PWD"),
                      ("s", '257 "/home/ftpsync" is the current directory'),
                      ("c", "QUIT"),
                      ("s", "221 Goodbye.")):
        s.send(frm, (line + "\r\n").encode(),
               gap=rng.randrange(150000, 900000) if frm == "c" else None)
    s.close("s")


IAC, DO, DONT, WILL, WONT, SB, SE = 255, 253, 254, 251, 252, 250, 240
TTYPE, NAWS, ECHO, SGA = 24, 31, 1, 3


def telnet_session(cap, t, client, server):
    s = Tcp(cap, t, client, rng.randrange(32768, 61000), server, 23).open()
    s.send("s", bytes([IAC, DO, TTYPE, IAC, DO, NAWS]))
    s.send("c", bytes([IAC, WILL, TTYPE, IAC, WILL, NAWS,
                       IAC, SB, NAWS, 0, 120, 0, 40, IAC, SE]))
    s.send("s", bytes([IAC, SB, TTYPE, 1, IAC, SE, IAC, WILL, ECHO,
                       IAC, WILL, SGA]))
    s.send("c", bytes([IAC, SB, TTYPE, 0]) + b"XTERM" +
           bytes([IAC, SE, IAC, DO, ECHO, IAC, DO, SGA]))
    s.send("s", b"\r\nUser Access Verification\r\n\r\nUsername: ")
    # Character mode: each key is a segment, the server echoes it.
    for ch in b"admin":
        s.send("c", bytes([ch]), gap=rng.randrange(120000, 300000))
        s.send("s", bytes([ch]))
    s.send("c", b"\r\n", gap=200000)
    s.send("s", b"\r\nPassword: ")
    for ch in b"Sw1tch@2019":                      # not echoed
        s.send("c", bytes([ch]), gap=rng.randrange(100000, 250000),
               ack=True)
    s.send("c", b"\r\n", gap=200000)
    s.send("s", b"\r\n\r\nsw-core-01>")
    for ch in b"exit":
        s.send("c", bytes([ch]), gap=rng.randrange(150000, 300000))
        s.send("s", bytes([ch]))
    s.send("c", b"\r\n", gap=200000)
    s.send("s", b"\r\n")
    s.close("s")


def snmp_get(cap, t, client, server):
    port, rid = rng.randrange(32768, 61000), rng.randrange(1, 2 ** 31)
    oids = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0"]
    udp(cap, t, client, port, server, 161, SNMP(
        version=1, community="public", PDU=SNMPget(
            id=rid, varbindlist=[SNMPvarbind(oid=ASN1_OID(o))
                                 for o in oids])))
    values = [b"Linux gw-dancu-01 5.15.0-126-generic x86_64", b"gw-dancu-01"]
    udp(cap, t + 1800, server, 161, client, port, SNMP(
        version=1, community="public", PDU=SNMPresponse(
            id=rid, varbindlist=[SNMPvarbind(oid=ASN1_OID(o),
                                             value=ASN1_STRING(v))
                                 for o, v in zip(oids, values)])))


def ping(cap, t, client, server, count=3):
    ident = rng.getrandbits(16)
    for seq in range(1, count + 1):
        data = bytes(range(0x10, 0x40)) + bytes(range(0x20, 0x38))  # 56
        cap.add(t, client, server, ICMP(type=8, id=ident, seq=seq) / data)
        cap.add(t + 420 + rng.randrange(80), server, client,
                ICMP(type=0, id=ident, seq=seq) / data)
        t += 1000000


def syn_scan(cap, t, scanner, target, ports, open_ports):
    """nmap -sS style: one SYN per port, RST/ACK back, RST after SYN/ACK."""
    order = list(ports)
    rng.shuffle(order)
    sport = 41000
    for port in order:
        seq = rng.getrandbits(32)
        cap.add(t, scanner, target, TCP(sport=sport, dport=port, seq=seq,
                                        flags="S", window=1024,
                                        options=[("MSS", 1460)]))
        t += 300 + rng.randrange(200)
        if port in open_ports:
            cap.add(t, target, scanner, TCP(sport=port, dport=sport,
                                            seq=rng.getrandbits(32),
                                            ack=seq + 1, flags="SA",
                                            window=64240,
                                            options=[("MSS", 1460)]))
            t += 300 + rng.randrange(200)
            cap.add(t, scanner, target, TCP(sport=sport, dport=port,
                                            seq=seq + 1, flags="R",
                                            window=0))
        else:
            cap.add(t, target, scanner, TCP(sport=port, dport=sport, seq=0,
                                            ack=seq + 1, flags="RA",
                                            window=0))
        t += 500 + rng.randrange(1500)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-demo-pcap.py OUT.pcap")
    cap = Capture()
    s = 1000000
    dns_lookup(cap, T0 + 100000, "10.20.2.21", "api.dancu.gov.vn", GATEWAY)
    tls13_session(cap, T0 + 120000, "10.20.2.21", "api.dancu.gov.vn",
                  GATEWAY, [5400, 1800])
    dns_lookup(cap, T0 + 2 * s, "10.20.2.34", "legacy.lgs.gov.vn", LEGACY)
    tls10_session(cap, T0 + 2 * s + 30000, "10.20.2.34",
                  "legacy.lgs.gov.vn", LEGACY)
    dns_lookup(cap, T0 + 5 * s, "10.20.3.6", "cong.lgs.gov.vn", WEB)
    http_session(cap, T0 + 5 * s + 20000, "10.20.3.6", "cong.lgs.gov.vn",
                 WEB)
    ssh_session(cap, T0 + 8 * s, "10.20.3.4", GATEWAY)
    ftp_session(cap, T0 + 12 * s, "10.20.3.5", FTP)
    telnet_session(cap, T0 + 16 * s, "10.20.3.7", SWITCH)
    snmp_get(cap, T0 + 22 * s, "10.20.3.4", GATEWAY)
    ping(cap, T0 + 24 * s, "10.20.3.4", GATEWAY)
    # Long random label, throwaway TLD: what DGA malware looks up.
    dns_lookup(cap, T0 + 30 * s, "10.20.2.57",
               "kq7x9z2m4v8b1n6p.update-vn.top", "185.220.101.47", ttl=60)
    syn_scan(cap, T0 + 40 * s, OUTSIDER, GATEWAY, range(20, 61), {22})
    tls13_session(cap, T0 + 45 * s, "10.20.2.22", "api.dancu.gov.vn",
                  GATEWAY, [2600])
    n = cap.write(sys.argv[1])
    print("%s: %d packets" % (sys.argv[1], n), file=sys.stderr)


if __name__ == "__main__":
    main()
