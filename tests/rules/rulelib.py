"""Traffic builders for the rule-pack cases (tests/rules/cases.py).

Everything here adds packets to a caselib.Capture, whose clock advances
by `dt` per packet, so captures are deterministic: the same script gives
the same bytes and timestamps every run. Office hours are those of
Asia/Ho_Chi_Minh (UTC+7), the timezone of tests/rules/canhgac-test.yaml.
"""
import logging
import os
import struct
import sys

# scapy warns about MAC addresses it cannot resolve for Ether() without
# dst; the captures do not need real ones.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "..", "pcap"))
from caselib import Capture, Tcp, ip, dns_query, ETHER4, ETHER6  # noqa: E402,F401
from scapy.all import (Ether, IP, IPv6, TCP, UDP, ICMP, Raw,  # noqa: E402,F401
                       ICMPv6EchoRequest)

# Packet times, UTC epoch seconds (local time is UTC+7).
T_TUE_0900 = 1736215200.0       # Tue 2025-01-07 09:00 +07: office hours
T_TUE_1000 = T_TUE_0900 + 3600
T_TUE_1729 = T_TUE_0900 + 8 * 3600 + 29 * 60      # 17:29, still inside
T_TUE_1730 = T_TUE_0900 + 8 * 3600 + 30 * 60      # 17:30, first minute out
T_TUE_2200 = T_TUE_0900 + 13 * 3600               # weekday night
T_WED_0729 = T_TUE_0900 + 22 * 3600 + 29 * 60     # Wed 07:29, before hours
T_SAT_1000 = T_TUE_0900 + 4 * 86400 + 3600        # Sat 2025-01-11 10:00
T_DEFAULT = T_TUE_0900

# Hosts (see canhgac-test.yaml for the asset groups).
GATEWAY = "10.20.1.10"          # population_db_gateway, a data server
DB = "10.20.1.20"               # data server
DATA2 = "10.20.1.30"            # data server
PEER = "10.20.2.15"             # approved peer
PEER2 = "10.20.2.16"
ADMIN = "10.20.3.5"             # admin workstation
ADMIN2 = "10.20.3.6"
RESOLVER = "10.20.0.53"         # dns_resolvers
NTP = "10.20.0.123"             # ntp_servers
SCANNER = "10.20.0.7"           # scanner_allowlist
CLIENT = "10.20.9.66"           # internal, in no other group
OFFICE = "10.20.5.5"            # internal, in no other group
EXT = "203.0.113.9"             # outside, not an indicator
EXT_WEB = "203.0.113.80"        # outside web server, not an indicator
IOC_IP = "203.0.113.66"         # in etc/lists/ioc-ips.txt
IOC_NET_IP = "198.51.100.23"    # in 198.51.100.0/24 of the list
EXT6 = "2001:db8:99::9"         # outside (documentation prefix, not listed)


def internal_hosts(n, base="10.20.5."):
    """n internal hosts outside every special group."""
    return ["%s%d" % (base, 10 + i) for i in range(n)]


class Ports:
    """Deterministic ephemeral source ports."""

    def __init__(self, start=40000):
        self.p = start

    def __call__(self):
        self.p += 1
        if self.p > 60999:
            self.p = 40001
        return self.p


eph = Ports()


# ---------------------------------------------------------------- TCP

def probe(cap, src, dst, dport, flags="S", answer="RA", sport=None, dt=0.001):
    """One crafted probe and the server's answer (None: no answer).
    answer "SA" (open port) is followed by the prober's RST."""
    sport = sport or eph()
    if flags == "0":
        flags = 0
    cap.add(ip(src, dst) / TCP(sport=sport, dport=dport, flags=flags,
                               seq=1000), dt)
    if answer:
        cap.add(ip(dst, src) / TCP(sport=dport, dport=sport, flags=answer,
                                   seq=7000, ack=1001), 0.0005)
        if answer == "SA":
            cap.add(ip(src, dst) / TCP(sport=sport, dport=dport, flags="R",
                                       seq=1001), 0.0005)


def session(cap, client, server, dport, to_server=(), to_client=(),
            sport=None, first="client", close=True, dt=None):
    """A complete TCP connection; the payload lists are sent alternately,
    client first (or server first with first="server")."""
    t = Tcp(cap, client, server, sport or eph(), dport).handshake()
    c, s = list(to_server), list(to_client)
    turn = 0 if first == "client" else 1
    while c or s:
        if turn == 0 and c:
            t.send(0, c.pop(0))
        elif turn == 1 and s:
            t.send(1, s.pop(0))
        turn = 1 - turn
    if close:
        t.close()
    return t


def connections(cap, client, server, dport, n, every, **kw):
    """n connections `every` seconds apart."""
    for i in range(n):
        cap.t += every if i else 0
        session(cap, client, server, dport, **kw)


def _ssh_packet(payload, block=8):
    pad = block - (len(payload) + 5) % block
    if pad < 4:
        pad += block
    return struct.pack("!IB", len(payload) + pad + 1, pad) + payload + \
        b"\x00" * pad


def _ssh_kexinit(seed):
    lists = [b"curve25519-sha256,ext-info-c", b"ssh-ed25519",
             b"chacha20-poly1305@openssh.com", b"chacha20-poly1305@openssh.com",
             b"umac-64-etm@openssh.com", b"umac-64-etm@openssh.com",
             b"none", b"none", b"", b""]
    body = b"\x14" + bytes([seed]) * 16
    for n in lists:
        body += struct.pack("!I", len(n)) + n
    return _ssh_packet(body + b"\x00" + b"\x00\x00\x00\x00")


def ssh_session(cap, client, server, sport=None, nbytes=2000):
    """SSH: banners, KEXINIT both ways, NEWKEYS, then encrypted traffic
    (opaque bytes) of about nbytes each way."""
    banner = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
    newkeys = _ssh_packet(b"\x15")
    enc_c = [bytes([0x11 + i % 7]) * min(1200, nbytes - i * 1200)
             for i in range((nbytes + 1199) // 1200)]
    enc_s = [bytes([0x33 + i % 5]) * min(1200, nbytes - i * 1200)
             for i in range((nbytes + 1199) // 1200)]
    return session(cap, client, server, 22,
                   [banner, _ssh_kexinit(1), newkeys] + enc_c,
                   [banner, _ssh_kexinit(2), newkeys] + enc_s,
                   sport=sport, first="server")


# ---------------------------------------------------------------- TLS

def client_hello(sni, max_version=0x0304, record=0x0301, ciphers=None):
    """A ClientHello as a client whose newest version is max_version
    would send it: supported_versions only from TLS 1.3, no extensions
    at all from SSLv3."""
    if max_version >= 0x0304:
        legacy, versions = 0x0303, [0x0304, 0x0303]
    else:
        legacy, versions = max_version, []
    ciphers = ciphers or [0x1301, 0x1302, 0xc02f, 0xc030, 0x009c, 0x002f]
    ext = b""
    if max_version >= 0x0301 and sni:
        name = sni.encode()
        sni_ext = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
        ext += struct.pack("!HH", 0, len(sni_ext)) + sni_ext
        groups = struct.pack("!HHH", 4, 0x001d, 0x0017)
        ext += struct.pack("!HH", 10, len(groups)) + groups
    if versions:
        sv = struct.pack("!B", 2 * len(versions)) + b"".join(
            struct.pack("!H", v) for v in versions)
        ext += struct.pack("!HH", 43, len(sv)) + sv
    body = struct.pack("!H", legacy) + bytes(range(32)) + b"\x00"
    body += struct.pack("!H", 2 * len(ciphers)) + b"".join(
        struct.pack("!H", c) for c in ciphers)
    body += b"\x01\x00"
    if ext:
        body += struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    if max_version < 0x0301:
        record = max_version
    return struct.pack("!BH", 0x16, record) + struct.pack("!H", len(hs)) + hs


def sslv2_client_hello(version=0x0002):
    """An SSLv2-format CLIENT-HELLO (2-byte record header, high bit set)
    offering at most `version` (0x0002: SSL 2.0 only)."""
    specs = b"\x07\x00\xc0\x05\x00\x80\x03\x00\x80\x01\x00\x80"
    challenge = bytes(range(16))
    body = b"\x01" + struct.pack("!HHHH", version, len(specs), 0,
                                  len(challenge)) + specs + challenge
    return struct.pack("!H", 0x8000 | len(body)) + body


def server_hello(version=0x0304, cipher=None):
    """A ServerHello choosing `version` (1.3 through supported_versions)
    and `cipher` (a modern suite of that version by default)."""
    ext = b""
    legacy = version
    if version >= 0x0304:
        legacy = 0x0303
        ext = struct.pack("!HHH", 43, 2, 0x0304)
    if cipher is None:
        cipher = 0x1301 if version >= 0x0304 else 0xc02f
        if version < 0x0301:
            cipher = 0x002f
    body = struct.pack("!H", legacy) + bytes(32) + b"\x00"
    body += struct.pack("!HB", cipher, 0)
    if ext:
        body += struct.pack("!H", len(ext)) + ext
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return struct.pack("!BH", 0x16, min(legacy, 0x0303)) + \
        struct.pack("!H", len(hs)) + hs


def app_data(n, fill=0x5a):
    """TLS application data records of about n bytes in total."""
    out, left = [], n
    while left > 0:
        k = min(left, 1400)
        out.append(b"\x17\x03\x03" + struct.pack("!H", k) + bytes([fill]) * k)
        left -= k
    return out


# The offer of the TLS client on the rule cases' JA3/JA4 indicator lists
# (tests/rules/ioc-ja3.txt, ioc-ja4.txt): no other capture offers it.
IOC_CIPHERS = [0xc02c, 0xc030, 0x009f, 0x0035, 0x000a]


def tls_session(cap, client, server, dport=443, sni="gw.example.gov.vn",
                max_version=0x0304, server_version=None, up=600, down=3000,
                sport=None, ciphers=None):
    """A TLS connection: hellos, then application data each way."""
    sv = server_version if server_version is not None else \
        min(max_version, 0x0304)
    ups, downs = app_data(up), app_data(down, 0xa5)
    return session(cap, client, server, dport,
                   [client_hello(sni, max_version, ciphers=ciphers)] + ups,
                   [server_hello(sv)] + downs, sport=sport)


CERTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "certs")


def cert_der(name):
    """DER of tests/rules/certs/NAME.pem (made with openssl by make.sh)."""
    import base64
    pem = open(os.path.join(CERTS, name + ".pem")).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END")[0]
    return base64.b64decode("".join(body.split()))


def cert_dates(name):
    """(notBefore, notAfter) of a certificate, epoch seconds, by openssl."""
    import calendar
    import subprocess
    import time
    out = subprocess.run(["openssl", "x509", "-noout", "-dates", "-in",
                          os.path.join(CERTS, name + ".pem")],
                         capture_output=True, text=True, check=True).stdout
    d = dict(line.split("=", 1) for line in out.splitlines())
    conv = lambda v: calendar.timegm(time.strptime(v, "%b %d %H:%M:%S %Y %Z"))
    return conv(d["notBefore"]), conv(d["notAfter"])


def _hs(mtype, body):
    return bytes([mtype]) + struct.pack("!I", len(body))[1:] + body


def server_flight(chain, cipher=0xc02f, record=16384):
    """ServerHello (TLS 1.2), Certificate (the DERs of chain, leaf first)
    and ServerHelloDone, cut into handshake records of `record` bytes."""
    certs = b"".join(struct.pack("!I", len(d))[1:] + d for d in chain)
    msgs = server_hello(0x0303, cipher)[5:] + \
        _hs(11, struct.pack("!I", len(certs))[1:] + certs) + _hs(14, b"")
    return b"".join(struct.pack("!BHH", 0x16, 0x0303, len(msgs[i:i + record]))
                    + msgs[i:i + record] for i in range(0, len(msgs), record))


def tls12_cert_session(cap, client, server, cert="good", sni="gw.example.gov.vn",
                       cipher=0xc02f, dport=443, record=16384, seg=1400,
                       hello=None):
    """A TLS 1.2 connection whose server presents tests/rules/certs/CERT
    (and the test CA), its flight cut into `record`-byte records sent in
    `seg`-byte segments; then application data."""
    flight = server_flight([cert_der(cert), cert_der("ca")], cipher, record)
    segs = [flight[i:i + seg] for i in range(0, len(flight), seg)]
    return session(cap, client, server, dport,
                   [hello or client_hello(sni, 0x0303)] + app_data(300),
                   segs + app_data(1200, 0xa5))


# ---------------------------------------------------------------- clear text

# A form that leaks citizen IDs (the data-leak rules' target), for the
# evasion captures (tests/e2e/defrag.py, stream.py). LEAK: valid numbers
# (province codes in use, century digit 0-3); BENIGN: 12 digits, no
# province 099, so not citizen IDs.
LEAK = [b"001090012345", b"079195012346", b"048201012347"]
BENIGN = [b"099090012345", b"099195012346", b"099201012347"]


def leak_post(ids):
    """An HTTP POST whose form body carries ids."""
    body = b"ho_so=" + b"&cccd=".join(ids) + b"&ghi_chu=" + b"x" * 200
    return (b"POST /nop-ho-so HTTP/1.1\r\nHost: dich-vu.example\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def http_request(cap, client, server, host, uri="/", dport=80, method="GET",
                 body=b"", sport=None, lead=b"", before=None):
    """A request and its answer; lead: bytes before the request line
    (empty lines), before: a whole request and answer first on the same
    connection (keep-alive)."""
    head = lead + ("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: curl/7.88.1\r\n"
                   "Accept: */*\r\n" % (method, uri, host)).encode()
    if body:
        head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" \
            % len(body)
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    return session(cap, client, server, dport,
                   ([before] if before else []) + [head + b"\r\n" + body],
                   ([ok] if before else []) + [ok], sport=sport)


def ftp_login(cap, client, server, user=b"alice", tls=False):
    if tls:
        return session(cap, client, server, 21,
                       [b"AUTH TLS\r\n", client_hello("ftp.example")],
                       [b"220 ProFTPD Server ready\r\n",
                        b"234 AUTH TLS successful\r\n", server_hello(0x0303)],
                       first="server")
    return session(cap, client, server, 21,
                   [b"USER " + user + b"\r\n", b"PASS Secr3tPassw0rd\r\n",
                    b"QUIT\r\n"],
                   [b"220 ProFTPD Server ready\r\n",
                    b"331 Password required\r\n", b"230 Logged in\r\n",
                    b"221 Goodbye\r\n"], first="server")


def pop3_login(cap, client, server, stls=False):
    if stls:
        return session(cap, client, server, 110,
                       [b"STLS\r\n", client_hello("mail.example")],
                       [b"+OK POP3 server ready\r\n",
                        b"+OK Begin TLS negotiation\r\n", server_hello(0x0303)],
                       first="server")
    return session(cap, client, server, 110,
                   [b"USER alice\r\n", b"PASS Secr3tPassw0rd\r\n", b"QUIT\r\n"],
                   [b"+OK POP3 server ready\r\n", b"+OK\r\n",
                    b"+OK Logged in.\r\n", b"+OK Bye\r\n"], first="server")


def imap_login(cap, client, server, starttls=False):
    if starttls:
        return session(cap, client, server, 143,
                       [b"a1 STARTTLS\r\n", client_hello("mail.example")],
                       [b"* OK IMAP4rev1 Service Ready\r\n",
                        b"a1 OK Begin TLS negotiation now\r\n",
                        server_hello(0x0303)], first="server")
    return session(cap, client, server, 143,
                   [b"a1 LOGIN alice Secr3tPassw0rd\r\n", b"a2 LOGOUT\r\n"],
                   [b"* OK IMAP4rev1 Service Ready\r\n",
                    b"a1 OK LOGIN completed\r\n", b"* BYE\r\n"],
                   first="server")


def smtp_session(cap, client, server, mode="auth"):
    """mode: auth (AUTH PLAIN in clear), starttls, or relay (no auth)."""
    greet = b"220 mail.example ESMTP Postfix\r\n"
    ehlo_ok = (b"250-mail.example\r\n250-STARTTLS\r\n"
               b"250 AUTH PLAIN LOGIN\r\n")
    if mode == "starttls":
        return session(cap, client, server, 587,
                       [b"EHLO client.example\r\n", b"STARTTLS\r\n",
                        client_hello("mail.example")],
                       [greet, ehlo_ok, b"220 2.0.0 Ready to start TLS\r\n",
                        server_hello(0x0303)], first="server")
    if mode == "relay":
        return session(cap, client, server, 25,
                       [b"EHLO client.example\r\n",
                        b"MAIL FROM:<a@client.example>\r\n",
                        b"RCPT TO:<b@mail.example>\r\n", b"QUIT\r\n"],
                       [greet, ehlo_ok, b"250 2.1.0 Ok\r\n", b"250 2.1.5 Ok\r\n",
                        b"221 2.0.0 Bye\r\n"], first="server")
    # AUTH PLAIN with an initial response: "\0alice\0Secr3tPassw0rd"
    return session(cap, client, server, 587,
                   [b"EHLO client.example\r\n",
                    b"AUTH PLAIN AGFsaWNlAFNlY3IzdFBhc3N3MHJk\r\n",
                    b"QUIT\r\n"],
                   [greet, ehlo_ok, b"235 2.7.0 Authentication successful\r\n",
                    b"221 2.0.0 Bye\r\n"], first="server")


def telnet_login(cap, client, server):
    """Server negotiates options, asks for login and password; the client
    types one character per segment, as real telnet clients do."""
    t = Tcp(cap, client, server, eph(), 23).handshake()
    t.send(1, b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27")
    t.send(0, b"\xff\xfb\x18\xff\xfb\x20\xff\xfb\x23\xff\xfb\x27")
    t.send(1, b"\r\nDebian GNU/Linux 12\r\nlogin: ")
    for ch in b"admin\r":
        t.send(0, bytes([ch]))
    t.send(1, b"Password: ")
    for ch in b"Secr3t\r":
        t.send(0, bytes([ch]))
    t.send(1, b"\r\nLast login: Mon Jan  6 10:00:00\r\n$ ")
    for ch in b"ls\r":
        t.send(0, bytes([ch]))
    t.close()
    return t


def _ber(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    return bytes([tag, 0x82]) + struct.pack("!H", n) + content


def snmp_get(community=b"public", version=1, pdu_tag=0xa0, odd=False):
    """SNMP get of sysDescr.0 (pdu_tag 0xa2: its response); version 0 =
    v1, 1 = v2c. odd: the message's and the community's lengths in the
    four-byte long form and the version in two bytes with a leading
    zero, as net-snmp's agent reads them (BER allows the lengths)."""
    oid = b"\x2b\x06\x01\x02\x01\x01\x01\x00"
    varbind = _ber(0x30, _ber(0x06, oid) + b"\x05\x00")
    pdu = _ber(pdu_tag, _ber(0x02, b"\x12\x34") +
               b"\x02\x01\x00\x02\x01\x00" + _ber(0x30, varbind))
    if odd:
        def long4(tag, body):
            return bytes([tag, 0x84]) + struct.pack("!I", len(body)) + body
        return long4(0x30, b"\x02\x02\x00" + bytes([version]) +
                     long4(0x04, community) + pdu)
    return _ber(0x30, b"\x02\x01" + bytes([version]) +
                _ber(0x04, community) + pdu)


def snmp_v3_get():
    """An SNMPv3 (noAuthNoPriv) get: no community."""
    hdr = _ber(0x30, b"\x02\x04\x00\x00\x30\x39\x02\x03\x00\xff\xe3"
               b"\x04\x01\x04\x02\x01\x03")
    usm = _ber(0x04, _ber(0x30, _ber(0x04, b"") + b"\x02\x01\x00\x02\x01\x00"
                      + _ber(0x04, b"") + _ber(0x04, b"") + _ber(0x04, b"")))
    oid = b"\x2b\x06\x01\x02\x01\x01\x01\x00"
    varbind = _ber(0x30, _ber(0x06, oid) + b"\x05\x00")
    pdu = _ber(0xa0, _ber(0x02, b"\x12\x35") + b"\x02\x01\x00\x02\x01\x00" +
               _ber(0x30, varbind))
    scoped = _ber(0x30, _ber(0x04, b"") + _ber(0x04, b"") + pdu)
    return _ber(0x30, b"\x02\x01\x03" + hdr + usm + scoped)


def udp_exchange(cap, client, server, dport, request, reply=None, sport=None,
                 dt=0.001):
    sport = sport or eph()
    cap.add(ip(client, server) / UDP(sport=sport, dport=dport) /
            Raw(request), dt)
    if reply is not None:
        cap.add(ip(server, client) / UDP(sport=dport, dport=sport) /
                Raw(reply), 0.0005)


def dns_response(query, qid):
    """A response echoing the question with one A record 192.0.2.1."""
    hdr = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0)
    ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes(
        [192, 0, 2, 1])
    return hdr + query[12:] + ans


def dns_lookup(cap, client, resolver, name, qid=0x4242, answer=True,
               sport=None, dt=0.001):
    q = dns_query(name, qid)
    udp_exchange(cap, client, resolver, 53, q,
                 dns_response(q, qid) if answer else None, sport=sport, dt=dt)


def ntp_exchange(cap, client, server):
    req = b"\x23" + b"\x00" * 47
    rep = b"\x24\x02\x06\xe9" + b"\x00" * 44
    udp_exchange(cap, client, server, 123, req, rep, sport=123)


def ping(cap, src, dst, seq=1, reply=True, dt=0.001):
    if ":" in src:
        cap.add(Ether(**ETHER6) / IPv6(src=src, dst=dst) /
                ICMPv6EchoRequest(id=0x77, seq=seq), dt)
        return
    cap.add(Ether(**ETHER4) / IP(src=src, dst=dst) / ICMP(type=8, id=0x77, seq=seq),
            dt)
    if reply:
        cap.add(Ether(**ETHER4) / IP(src=dst, dst=src) / ICMP(type=0, id=0x77,
                                                      seq=seq), 0.0005)


def bulk_upload(cap, client, server, dport, nbytes, seg=64000, spread=60.0):
    """An upload of nbytes in large segments (as captured on the sending
    host, where segmentation offload hands the stack 64 kB segments),
    spread over `spread` seconds."""
    t = Tcp(cap, client, server, eph(), dport).handshake()
    nseg = max(1, (nbytes + seg - 1) // seg)
    gap = spread / nseg
    chunk = b"\x17\x03\x03" + b"\x00" * (seg - 3)
    for i in range(nseg):
        cap.t += gap
        t.send(0, chunk)
    t.close()
    return t


# ---------------------------------------------------- behaviour (issue 18)

T_MON_0000 = T_TUE_0900 - 33 * 3600   # Mon 2025-01-06 00:00 +07
DAY = 86400.0
OFFICE_SLOTS = (9, 11, 14, 16)        # hours a peer pulls, weekdays


def pull(cap, client, server, dport, nbytes, seg=64000):
    """An API pull: a small request, then nbytes back in large segments
    (as captured on the server, with segmentation offload)."""
    t = Tcp(cap, client, server, eph(), dport).handshake()
    t.send(0, b"\x17\x03\x03\x00\x40" + b"\x00" * 64)
    left = nbytes
    while left > 0:
        n = max(3, min(seg, left))
        t.send(1, b"\x17\x03\x03" + b"\x00" * (n - 3))
        left -= n
    t.close()
    return t


def at(cap, when):
    """Move the clock to `when` (never backwards)."""
    cap.t = max(cap.t, when)


def office_pulls(cap, client, server, dport, days, nbytes, conns=1,
                 start=T_MON_0000, slots=OFFICE_SLOTS):
    """`days` days from Monday 00:00 of a peer's office-hours routine:
    on weekdays, in each slot hour, `conns` pulls of nbytes."""
    first = int(round((start - T_MON_0000) / DAY))
    for d in range(days):
        if (first + d) % 7 >= 5:        # Saturday, Sunday
            continue
        for h in slots:
            at(cap, start + d * DAY + h * 3600 + 300)
            for _ in range(conns):
                pull(cap, client, server, dport, nbytes)
                cap.t += 2


def beacon(cap, client, server, dport, n, every, jitter=0.0, payload=b"ping"):
    """n short TCP connections `every` seconds apart, each moved by up to
    +-jitter seconds (a fixed pattern: the capture is deterministic)."""
    pattern = (0.3, -0.7, 0.9, -0.2, 0.6, -0.9, 0.1, -0.5, 0.8, -0.4)
    base = cap.t
    for i in range(n):
        at(cap, base + i * every + jitter * pattern[i % len(pattern)])
        session(cap, client, server, dport, to_server=[payload],
                to_client=[b"pong"])


def dns_nx_response(query, qid):
    """NXDOMAIN for the question."""
    hdr = struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0)
    return hdr + query[12:]


def random_label(i, n=40, alphabet="abcdefghijklmnopqrstuvwxyz234567"):
    """A deterministic base32-looking label (what a tunnel encodes)."""
    import hashlib
    h = hashlib.sha256(b"%d" % i).digest() * 2
    return "".join(alphabet[b % len(alphabet)] for b in h[:n])


def tunnel_burst(cap, client, resolver, domain, n, every, nx=False,
                 label=40):
    """n lookups of encoded names under domain, `every` seconds apart,
    each answered (NXDOMAIN with nx)."""
    for i in range(n):
        name = "%s.%s" % (random_label(i, label), domain)
        q = dns_query(name, 0x1000 + i)
        r = dns_nx_response(q, 0x1000 + i) if nx else dns_response(q, 0x1000 + i)
        udp_exchange(cap, client, resolver, 53, q, r, dt=every)


# CCCD-shaped numbers: valid (province, century, year) and decoys.
CCCD_VALID = ["020095001234", "001185004321", "079301778899",
              "048172334455", "096004556677"]
CCCD_DECOYS = ["003195001234",     # 003 is not a province code
               "097195001234",     # nor is 097
               "020595001234",     # century digit 5: not yet
               "020005001234",     # 1905: implausible
               "0200950012345",    # 13 digits
               "120095001234"]     # 120 is no code


def citizen_json(numbers):
    rows = ",".join('{"ho_ten":"Nguyễn Văn %s","so_cccd":"%s"}' % (chr(65 + i),
                                                                   n)
                    for i, n in enumerate(numbers))
    return ('{"ban_ghi":[%s]}' % rows).encode("utf-8")
