"""Positive and negative traffic for every shipped rule (rules/*.yaml).

CASES maps a sid to its cases: `pos` captures must give exactly one alert
of that sid (after thresholds and suppression), `neg` captures none. Each
case is (description, builder[, start time]); a builder adds packets to a
caselib.Capture. `conf` changes the test configuration for that sid
(limits, level). `says` (`says_vi`): regular expressions every positive
alert's message (in Vietnamese, from a second run) must match.
UNTESTABLE lists the sids no capture can exercise, with the reason.
rulecheck.py runs them; `python3 cases.py SID pos|neg N OUT.pcap` writes
one capture for a look with tshark.
"""
import os
import sys
import struct

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rulelib import *  # noqa: E402,F401,F403
from scapy.all import (ARP, BOOTP, DHCP, IPv6, ICMPv6ND_NA,  # noqa: E402
                       ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr)
from rulelib import (Capture, TCP, UDP, Raw, Ether, IP, ip, probe, session,  # noqa: E402
                     connections, ssh_session, tls_session, client_hello,
                     server_hello, sslv2_client_hello, http_request, ftp_login, pop3_login,
                     imap_login, smtp_session, telnet_login, snmp_get,
                     snmp_v3_get, udp_exchange, dns_lookup, ping, bulk_upload,
                     citizen_json, internal_hosts, eph,
                     CCCD_VALID, CCCD_DECOYS, T_DEFAULT, T_TUE_1000,
                     T_TUE_1729, T_TUE_1730, T_TUE_2200, T_WED_0729,
                     T_SAT_1000, GATEWAY, DB, DATA2, NTP, PEER, ADMIN, RESOLVER,
                     SCANNER, CLIENT, OFFICE, EXT, EXT_WEB, IOC_IP,
                     IOC_NET_IP, EXT6, T_MON_0000, DAY, at, pull,
                     office_pulls, beacon, tunnel_burst, dns_nx_response,
                     ntp_exchange, dns_query)

MB = 1 << 20
DB6 = "fd00:20:1::20"           # a data server (data_servers' IPv6 /64)


# ------------------------------------------------------------ builders

def port_scan(src, dst, nports, flags="S", over=2.0, first=1):
    """Probe nports ports of dst, evenly over `over` seconds; 22 and 443
    answer SYN-ACK, the rest RST."""
    def build(cap):
        gap = over / nports
        for i in range(nports):
            port = first + i
            if flags == "S":
                ans = "SA" if port in (22, 443) else "RA"
            else:
                ans = "RA"
            probe(cap, src, dst, port, flags=flags, answer=ans, dt=gap)
    return build


def sweep(src, hosts, dport, over=2.0, flags="S"):
    def build(cap):
        gap = over / len(hosts)
        for h in hosts:
            probe(cap, src, h, dport, flags=flags, answer="RA", dt=gap)
    return build


def udp_scan(src, dst, nports, over=2.0, first=1000):
    def build(cap):
        gap = over / nports
        for i in range(nports):
            cap.add(ip(src, dst) / UDP(sport=eph(), dport=first + i), gap)
    return build


def udp_sweep(src, hosts, dport, over=2.0):
    def build(cap):
        gap = over / len(hosts)
        for h in hosts:
            udp_exchange(cap, src, h, dport, snmp_get(b"public", 1), dt=gap)
    return build


def ping_sweep(src, hosts, over=2.0):
    def build(cap):
        gap = over / len(hosts)
        for i, h in enumerate(hosts):
            ping(cap, src, h, seq=i + 1, dt=gap)
    return build


def v6_hosts(n):
    return ["fd00:20:5::%x" % (0x10 + i) for i in range(n)]


def conns(client, server, dport, n, every, kind="plain"):
    """n connections to a login service, `every` seconds apart."""
    def build(cap):
        for i in range(n):
            if i:
                cap.t += every
            if kind == "ssh":
                ssh_session(cap, client, server, nbytes=300)
            elif kind == "ftp":
                session(cap, client, server, dport,
                        [b"USER admin\r\n", b"PASS guess%d\r\n" % i],
                        [b"220 FTP ready\r\n", b"331 Password required\r\n",
                         b"530 Login incorrect\r\n"], first="server")
            else:
                session(cap, client, server, dport, [b"\x03\x00\x00\x13" +
                                                     b"\x0e" * 15],
                        [b"\x03\x00\x00\x13" + b"\xd0" * 15])
    return build


def rotating(prefix, n, step=0x1f3):
    """n addresses of one IPv6 /64, as a source that takes a new one for
    each attempt (privacy addresses, or a /64 routed to the attacker)."""
    return ["%s:%x:%x:%x:%x" % (prefix, (i * step) & 0xffff, i * 7 + 1,
                                (i * 13) & 0xffff, i + 1) for i in range(n)]


def from_each(builder, clients, every, *args, **kw):
    """builder(client, *args) from each client in turn, `every` seconds
    apart."""
    def build(cap):
        for i, c in enumerate(clients):
            cap.t += every if i else 0
            builder(c, *args, **kw)(cap)
    return build


def half_open(client, server, dport):
    def build(cap):
        probe(cap, client, server, dport, flags="S", answer="SA")
    return build


def at_ssh(client, server):
    def build(cap):
        ssh_session(cap, client, server)
    return build


def one_conn(client, server, dport):
    def build(cap):
        session(cap, client, server, dport, [b"\x00" * 64], [b"\x00" * 64])
    return build


def tls(client, server, dport=443, sni="gw.example.gov.vn", maxv=0x0304,
        sv=None):
    def build(cap):
        tls_session(cap, client, server, dport, sni, maxv, sv)
    return build


def tls_empty_first(client, server, sni, k=1, cut=None, dport=443):
    """A TLS connection whose ClientHello comes behind k empty handshake
    records (RFC 8446 forbids them; OpenSSL 3 skips up to 32 in a row and
    completes the handshake, and ends it at the 33rd), in one segment or
    cut after the empties and `cut` bytes of the hello."""
    def build(cap):
        ch = client_hello(sni)
        data = (ch[:3] + b"\x00\x00") * k + ch
        at = len(data) - len(ch) + cut if cut is not None else len(data)
        first = [data[:at], data[at:]] if at < len(data) else [data]
        t = Tcp(cap, client, server, eph(), dport).handshake()
        for seg in first:
            t.send(0, seg)
        t.send(1, server_hello(0x0304))
        for seg in app_data(600):
            t.send(0, seg)
        t.close()
    return build


def tls_sh_cut(client, server, sv=0x0301, cipher=0xc013, pad=0, record=16384,
               seg=1400, dport=443):
    """A TLS connection whose ServerHello (choosing `sv` and `cipher`) has
    an unknown extension of `pad` bytes and is cut into `record`-byte
    handshake records sent in `seg`-byte segments: a server hiding its
    choice from a sensor that read 4 KiB of the hello with its records
    (OpenSSL reads a hello so cut; one padded so is the evasion's own)."""
    def build(cap):
        legacy = min(sv, 0x0303)
        ext = struct.pack("!HHH", 43, 2, sv) if sv >= 0x0304 else b""
        if pad:
            ext += struct.pack("!HH", 0xffce, pad) + bytes(pad)
        body = struct.pack("!H", legacy) + bytes(32) + b"\x00" + \
            struct.pack("!HB", cipher, 0)
        if ext:
            body += struct.pack("!H", len(ext)) + ext
        msg = b"\x02" + struct.pack("!I", len(body))[1:] + body
        recs = b"".join(struct.pack("!BHH", 0x16, legacy, len(msg[i:i + record]))
                        + msg[i:i + record] for i in range(0, len(msg), record))
        segs = [recs[i:i + seg] for i in range(0, len(recs), seg)]
        session(cap, client, server, dport,
                [client_hello("gw.example.gov.vn", 0x0304)] + app_data(300),
                segs + app_data(1200, 0xa5))
    return build


def tls_record_version(client, server, sni, record, dport=443):
    """A TLS connection whose ClientHello record carries version `record`
    (OpenSSL 3 reads the first record's minor version as anything and
    answers such a hello with its ServerHello)."""
    def build(cap):
        t = Tcp(cap, client, server, eph(), dport).handshake()
        t.send(0, client_hello(sni, record=record))
        t.send(1, server_hello(0x0304))
        for seg in app_data(600):
            t.send(0, seg)
        t.close()
    return build


def tls_hello_shaped(client, server, sni, pad=0, record=None, dport=443):
    """A TLS connection whose ClientHello has a padding extension of pad
    bytes before its SNI, and is cut into handshake records of `record`
    bytes (OpenSSL 3 reads a hello of up to 128 KiB, in records of any
    size down to one byte, and answers it). Sent in 1400-byte segments."""
    def build(cap):
        hs = client_hello(sni)[5:]
        if pad:
            body = hs[4:]
            at = 2 + 32 + 1 + body[34]
            at += 2 + struct.unpack("!H", body[at:at + 2])[0]
            at += 1 + body[at]
            elen = struct.unpack("!H", body[at:at + 2])[0]
            ext = struct.pack("!HH", 21, pad) + b"\0" * pad
            body = (body[:at] + struct.pack("!H", elen + len(ext)) + ext +
                    body[at + 2:])
            hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
        step = record or 16384
        data = b"".join(struct.pack("!BHH", 0x16, 0x0301,
                                    len(hs[i:i + step])) + hs[i:i + step]
                        for i in range(0, len(hs), step))
        t = Tcp(cap, client, server, eph(), dport).handshake()
        for i in range(0, len(data), 1400):
            t.send(0, data[i:i + 1400])
        t.send(1, server_hello(0x0304))
        for seg in app_data(600):
            t.send(0, seg)
        t.close()
    return build


def tls_port_reuse(client, server, first, sni, rst=False, dport=443):
    """Two TLS connections on the same ports, one after the other: the
    first with SNI `first`, closed (FIN both ways, or a reset: a client
    can open the next one from the same port at once), then a new one
    (a new ISN) with SNI `sni`."""
    def build(cap):
        sport = eph()
        for name, isn in ((first, (1000, 5000)), (sni, (900000, 700000))):
            t = Tcp(cap, client, server, sport, dport, isn=isn).handshake()
            t.send(0, client_hello(name))
            t.send(1, server_hello(0x0304))
            for seg in app_data(600):
                t.send(0, seg)
            if rst:
                t._pkt(0, "R")
            else:
                t.close()
    return build


def quic(client, server, sni, dport=443):
    """A QUIC v1 client Initial carrying a ClientHello for sni, sealed
    by tests/e2e/quic.py (python3-cryptography)."""
    def build(cap):
        sys.path.insert(0, os.path.join(os.path.dirname(
            os.path.abspath(__file__)), "..", "e2e"))
        from quic import client_hello, crypto, initial, V1
        h = client_hello(sni)
        udp_exchange(cap, client, server, dport,
                     initial(V1, os.urandom(8), crypto(h, 0, len(h)), 0))
    return build


def quic_shaped(client, server, sni, pad=0, per=1100, junk=0, dport=443):
    """A QUIC v1 client's hello with a padding extension of pad bytes
    before its SNI, its bytes `per` a client Initial (each datagram
    1,200 bytes), after `junk` Initials of PADDING frames alone."""
    def build(cap):
        sys.path.insert(0, os.path.join(os.path.dirname(
            os.path.abspath(__file__)), "..", "e2e"))
        from quic import client_hello, crypto, initial, V1
        h = client_hello(sni, big_share=pad == 0, pad=pad)
        d, sport = os.urandom(8), eph()
        for i in range(junk):
            udp_exchange(cap, client, server, dport, initial(V1, d, b"", i),
                         sport=sport)
        for i, a in enumerate(range(0, len(h), per)):
            udp_exchange(cap, client, server, dport, initial(
                V1, d, crypto(h, a, min(a + per, len(h))), junk + i),
                sport=sport)
    return build


def cert(client, server, name="good", **kw):
    def build(cap):
        tls12_cert_session(cap, client, server, name, **kw)
    return build


def t_cert(name="good", offset=30 * 86400, end=False):
    """A packet time relative to a test certificate's validity: offset
    seconds after notBefore (or after notAfter with end)."""
    return cert_dates(name)[1 if end else 0] + offset


def http(client, server, host, uri="/", dport=80, method="GET", body=b"",
         **kw):
    def build(cap):
        http_request(cap, client, server, host, uri, dport, method, body,
                     **kw)
    return build


def lookups(client, resolver, names, every=0.5, answer=True):
    def build(cap):
        for i, n in enumerate(names):
            dns_lookup(cap, client, resolver, n, qid=0x1000 + i,
                       answer=answer, dt=every)
    return build


def binary_lookup(client, resolver, name, nbytes=60):
    """A lookup of name behind a label of nbytes binary bytes (iodine's
    base128 alphabet), answered: escaped as \\xHH, the name passes 255
    characters."""
    def build(cap):
        label = bytes(0xbc + (7 * i) % 66 for i in range(nbytes))
        q = (struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) +
             bytes([nbytes]) + label +
             b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) +
             b"\x00" + struct.pack("!HH", 1, 1))
        udp_exchange(cap, client, resolver, 53, q, dns_response(q, 0x1234))
    return build


def dns_tcp(client, resolver, names, together=False):
    """Lookups on one DNS-over-TCP connection (RFC 7766: a resolver
    answers every query of it), each answered before the next, or all
    queries in one segment and all answers in one."""
    def build(cap):
        qs = [dns_query(n, 0x2000 + i) for i, n in enumerate(names)]
        rs = [dns_response(q, 0x2000 + i) for i, q in enumerate(qs)]
        fr = [struct.pack("!H", len(m)) + m for m in qs]
        fa = [struct.pack("!H", len(m)) + m for m in rs]
        t = Tcp(cap, client, resolver, eph(), 53).handshake()
        if together:
            t.send(0, b"".join(fr)).send(1, b"".join(fa))
        else:
            for q, r in zip(fr, fa):
                t.send(0, q).send(1, r)
        t.close()
    return build


def long_names(n, label_len):
    return ["%s.t.tunnel-lab.example" % (("%02d" % i) * 40)[:label_len]
            for i in range(n)]


def malformed(src, dst, n, over=20.0):
    """n TCP packets with SYN and RST together (tcp_bad_flags)."""
    def build(cap):
        gap = over / n
        for i in range(n):
            cap.add(ip(src, dst) / TCP(sport=45000, dport=80, flags="SR",
                                       seq=100 + i), gap)
    return build


def synfin(src, dst, n):
    def build(cap):
        for i in range(n):
            cap.add(ip(src, dst) / TCP(sport=46000 + i, dport=80, flags="SF",
                                       seq=100), 0.2)
    return build


def health_tail(cap, tail):
    """tail seconds of ordinary traffic (a TLS session every half second)
    after a flood, so that the sensor's health check runs."""
    for _ in range(int(tail * 2)):
        tls_session(cap, PEER, GATEWAY, 443)
        cap.t += 0.5


def syn_flood(n, over=5.0, tail=3.0):
    """n SYNs from n distinct sources (100.64.0.0/10, not internal, not
    listed) to the gateway's port 443, then a few seconds of ordinary
    traffic so the sensor's once-a-second health check runs."""
    def build(cap):
        gap = over / n
        for i in range(n):
            src = "100.%d.%d.%d" % (64 + (i >> 16), (i >> 8) & 255, i & 255)
            cap.add(ip(src, GATEWAY) / TCP(sport=1024 + (i % 60000),
                                           dport=443, flags="S", seq=i), gap)
        health_tail(cap, tail)
    return build


def cccd_post(client, server, numbers, dport=80):
    return http(client, server, "api.example.gov.vn", "/v1/cong-dan",
                dport, "POST", citizen_json(numbers))


def upload(client, server, nbytes, dport=443, spread=120.0):
    def build(cap):
        tls_session(cap, client, server, dport, "upload.example", up=0,
                    down=0)
        bulk_upload(cap, client, server, dport, nbytes, spread=spread)
    return build


def cccd_in_tls(client, server, numbers, dport=443):
    """Citizen records as the bytes of TLS application-data records: a
    TLS session's records are ciphertext and are not scanned."""
    def build(cap):
        body = citizen_json(numbers)
        rec = b"\x17\x03\x03" + struct.pack("!H", len(body)) + body
        session(cap, client, server, dport,
                [client_hello("api.example.gov.vn"), rec], [server_hello()])
    return build


def frag_overlap(src, dst, differ=True):
    """A UDP datagram in 4 IPv4 fragments, out of order; with differ a
    second copy of the second fragment carries other bytes."""
    def build(cap):
        data = bytes(UDP(sport=5353, dport=9999) / Raw(b"A" * 56))
        parts = [IP(src=src, dst=dst, id=4242, proto=17, frag=o // 8,
                    flags="MF" if o + 16 < len(data) else 0) /
                 Raw(data[o:o + 16]) for o in range(0, len(data), 16)]
        evil = IP(src=src, dst=dst, id=4242, proto=17, frag=2, flags="MF") / \
            Raw(b"B" * 16 if differ else data[16:32])
        for p in [parts[3], parts[1], evil, parts[0], parts[2]]:
            cap.add(Ether(**ETHER4) / p)
    return build


def frag_flood(n, over=3.0, tail=3.0):
    """n first fragments that never complete, each its own train, then a
    few seconds of ordinary traffic so the health check runs."""
    def build(cap):
        for i in range(n):
            cap.add(Ether(**ETHER4) / IP(src=EXT, dst=GATEWAY, id=i, proto=17,
                                 flags="MF") / Raw(b"F" * 1024), over / n)
        health_tail(cap, tail)
    return build


def tcp_overlap(src, dst, differ=True):
    """A request whose second segment comes first, then a second copy of
    it (other bytes with differ), then the first segment."""
    def build(cap):
        t = Tcp(cap, src, dst, eph(), 8080).handshake()
        a, b = b"PUT /x HTTP/1.1\r\nHost: h\r\n", b"X-Pad: " + b"A" * 40
        s = t.seq[0]
        t._pkt(0, "PA", b, seq=s + len(a))
        t._pkt(0, "PA", b"X-Pad: " + b"B" * 40 if differ else b,
               seq=s + len(a))
        t._pkt(0, "PA", a, seq=s)
        t.seq[0] += len(a) + len(b)
        t._pkt(1, "A")
        t.close()
    return build


def tcp_scattered(src, dst, lost_one=False):
    """A TLS client whose ClientHello (300 bytes) comes a byte a segment,
    every second byte first (each ahead of a hole), then the bytes that
    fill the holes; with lost_one, a 100 KB upload instead whose second
    segment the capture lost (full segments held after one hole)."""
    def build(cap):
        t = Tcp(cap, src, dst, eph(), 443).handshake()
        s = t.seq[0]
        if lost_one:
            data = bytes(range(256)) * 400
            for i in range(0, len(data), 1400):
                if i != 1400:
                    t._pkt(0, "PA", data[i:i + 1400], seq=s + i)
        else:
            data = client_hello("cdn.c2.evil.example",
                                ciphers=list(range(1, 100)))
            for i in list(range(1, len(data), 2)) + list(
                    range(0, len(data), 2)):
                t._pkt(0, "PA", data[i:i + 1], seq=s + i)
        t.seq[0] += len(data)
        t._pkt(1, "A")
        t.close()
    return build


def stream_flood(n, over=3.0, tail=3.0):
    """n connections each holding 2 KB ahead of a hole that never fills,
    then a few seconds of ordinary traffic so the health check runs."""
    def build(cap):
        for i in range(n):
            sport = 1024 + i % 60000
            cap.add(ip(EXT, GATEWAY) / TCP(sport=sport, dport=8080,
                                           flags="PA", seq=5000 + i) /
                    Raw(b"O" * 2048), over / n)
            cap.add(ip(EXT, GATEWAY) / TCP(sport=sport, dport=8080,
                                           flags="PA", seq=9000 + i) /
                    Raw(b"O" * 2048), 0)
        health_tail(cap, tail)
    return build


def half_started(n, dport, sport, first, tail=3.0):
    """n connections from one outside host to the gateway's dport (source
    ports from sport), each sending `first` and nothing more (each holds
    a parser buffer until it times out), then health_tail."""
    def build(cap):
        for i in range(n):
            t = Tcp(cap, EXT, GATEWAY, sport + i, dport).handshake()
            t.send(0, first)
            cap.t += 2.0 / n
        health_tail(cap, tail)
    return build


def half_hellos(n):
    """Each the first half of a 2 KB ClientHello."""
    hello = client_hello("hold.example", ciphers=list(range(1, 900)))
    return half_started(n, 443, 20000, hello[:len(hello) // 2])


def half_headers(n):
    """Each an HTTP request whose header never ends (an HTTP session)."""
    return half_started(n, 80, 30000,
                        b"GET / HTTP/1.1\r\nHost: gw.example.gov.vn\r\n"
                        b"X-Pad: " + b"a" * 200 + b"\r\n")


def long_segments(snaplen, tail=3.0):
    """A client's POST to a data server in three 16,000-byte segments,
    as a capturing host's TSO or GRO hands them to capture, captured with
    that snap length; then a few seconds of ordinary traffic so the
    health check runs."""
    def build(cap):
        cap.snaplen = snaplen
        t = Tcp(cap, CLIENT, DB, 40123, 80).handshake()
        body = b"ghi_chu=" + b"x" * 47992
        t.send(0, b"POST /nop-ho-so HTTP/1.1\r\nHost: dich-vu.example\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body))
        for i in range(0, len(body), 16000):
            t.send(0, body[i:i + 16000])
        t.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        t.close()
        health_tail(cap, tail)
    return build


def both(*builders):
    def build(cap):
        for b in builders:
            b(cap)
    return build


# ------------------------------------------------- hosts (rogue-host.yaml)

GW_MAC = "02:00:0a:14:01:0a"     # the gateway's MAC in etc/lists/known-hosts.txt
SPOOF_MAC = "02:66:66:66:66:66"
GATEWAY6 = "fd00:20:1::10"       # the gateway over IPv6 (known, no MAC)
UNKNOWN = "10.20.1.77"           # in protected_segments, not in known_hosts
DHCP_OK = "10.20.0.67"           # dhcp_servers
ROGUE_DHCP = "10.20.5.99"
APPROVED_DST = "192.0.2.10"      # approved_destinations
STAGING = "10.20.7.7"            # private, outside approved_destinations


def forged_syns(n, dst, dport, blind_ack=False, synack_lost=False):
    """n SYNs from n forged addresses of the server segment (in
    protected_segments, not in known_hosts) that nobody answers; or, with
    blind_ack, that dst answers (to the real owner), followed by the
    forger's ACK guessing the SYN-ACK's sequence number. With synack_lost
    the SYN-ACK is not in the capture, and the forger's blind ACK carries
    data out of the window, which draws the server's ACK of the SYN (seen;
    the forger does not see it), then a second blind guess."""
    def seg(cap, i, d, flags, seq, ack=0, data=b""):
        """Forger i's segment (d 0) or the server's to it (d 1)."""
        ends = ["10.20.1.%d" % (100 + i), dst]
        ports = [40000 + i, dport]
        p = ip(ends[d], ends[1 - d]) / TCP(sport=ports[d], dport=ports[1 - d],
                                           flags=flags, seq=seq, ack=ack)
        cap.add(p / Raw(data) if data else p, 0.01)

    def build(cap):
        for i in range(n):
            seg(cap, i, 0, "S", 1000)
            if not blind_ack:
                continue
            if not synack_lost:
                seg(cap, i, 1, "SA", 70000 + 977 * i, 1001)
            seg(cap, i, 0, "A", 1001, 123457 + i)
            if synack_lost:
                seg(cap, i, 0, "PA", 901001, 123457 + i, b"x" * 64)
                seg(cap, i, 1, "A", 70001 + 977 * i, 1001)
                seg(cap, i, 0, "A", 1001, 223457 + i)
    return build


def synack_lost_conn(client, server, dport):
    """one_conn's connection with its SYN-ACK lost to capture."""
    def build(cap):
        t = Tcp(cap, client, server, eph(), dport)
        t._pkt(0, "S")
        t.seq[0] += 1
        t.seq[1] += 1
        t._pkt(0, "A")
        t.send(0, b"\x00" * 64).send(1, b"\x00" * 64).close()
    return build


def arp_claim(addr, mac, times=1, gratuitous=False, hwtype=1, request=False):
    """ARP replies (or gratuitous requests, or with request requests for
    the peer's address, whose sender fields a host's cache takes as
    well) claiming addr for mac; hwtype 6 (IEEE 802), which Linux takes
    on Ethernet as it takes 1."""
    def build(cap):
        for _ in range(times):
            if request:
                a = ARP(op=1, hwsrc=mac, psrc=addr, hwdst="00:00:00:00:00:00",
                        pdst=PEER)
                dst = "ff:ff:ff:ff:ff:ff"
            elif gratuitous:
                a = ARP(op=1, hwsrc=mac, psrc=addr, hwdst="00:00:00:00:00:00",
                        pdst=addr)
                dst = "ff:ff:ff:ff:ff:ff"
            else:
                a = ARP(op=2, hwsrc=mac, psrc=addr, hwdst="02:00:0a:14:02:0f",
                        pdst=PEER)
                dst = "02:00:0a:14:02:0f"
            if hwtype != 1:
                # Patched in: scapy takes MACs as text for another type.
                a = Raw(bytes([0, hwtype]) + bytes(a)[2:])
            cap.add(Ether(src=mac, dst=dst, type=0x0806) / a, 1.0)
    return build


def ns_claim(addr, mac, times=1):
    """Neighbour solicitations from addr for the peer's address with a
    source link-layer address option of mac (a host's cache takes it,
    RFC 4861 7.2.3, as it takes an ARP request's sender)."""
    def build(cap):
        for _ in range(times):
            cap.add(Ether(src=mac, dst="33:33:ff:00:00:15") /
                    IPv6(src=addr, dst="ff02::1:ff00:15") /
                    ICMPv6ND_NS(tgt="fd00:20:1::15") /
                    ICMPv6NDOptSrcLLAddr(lladdr=mac), 1.0)
    return build


def nd_claim(addr, mac, times=1):
    """Unsolicited IPv6 neighbour advertisements (override) claiming addr
    for mac, to all nodes."""
    def build(cap):
        for _ in range(times):
            cap.add(Ether(src=mac, dst="33:33:00:00:00:01") /
                    IPv6(src=addr, dst="ff02::1") /
                    ICMPv6ND_NA(tgt=addr, R=0, S=0, O=1) /
                    ICMPv6NDOptDstLLAddr(lladdr=mac), 1.0)
    return build


def dhcp(server, server_id, msgtype, yiaddr="10.20.5.150",
         chaddr="02:00:00:00:05:96", overload=False, giaddr="0.0.0.0",
         bad_tail=False):
    """A DHCP message from server (port 67) to the client (68); overload:
    its type and server identifier in the file field (option 52); giaddr:
    the relay agent it went through (then server is the relay); bad_tail:
    its last option runs past the end (no end option)."""
    def build(cap):
        mac = bytes(int(x, 16) for x in chaddr.split(":"))
        types = {"offer": 2, "ack": 5, "nak": 6}
        opts = [("message-type", types[msgtype]), ("server_id", server_id),
                ("lease_time", 3600), "end"]
        bootfile = b""
        if overload:
            bootfile = (bytes([53, 1, types[msgtype], 54, 4]) +
                        bytes(int(x) for x in server_id.split(".")) +
                        b"\xff")
            opts = [("lease_time", 3600), (52, b"\x01"), "end"]
        tail = b""
        if bad_tail:
            opts, tail = opts[:-1], b"\x2b\xfa\x00"
        cap.add(Ether(dst="ff:ff:ff:ff:ff:ff") /
                IP(src=server, dst="255.255.255.255") /
                UDP(sport=67, dport=68) /
                BOOTP(op=2, xid=0x1234, yiaddr=yiaddr, giaddr=giaddr,
                      chaddr=mac, file=bootfile.ljust(128, b"\0")) /
                DHCP(options=opts) / Raw(tail), 0.5)
    return build


def dhcp_request(client_mac="02:00:00:00:05:96", server_id=ROGUE_DHCP):
    """A client's DHCPREQUEST naming server_id (not a server speaking)."""
    def build(cap):
        mac = bytes(int(x, 16) for x in client_mac.split(":"))
        cap.add(Ether(src=client_mac, dst="ff:ff:ff:ff:ff:ff") /
                IP(src="0.0.0.0", dst="255.255.255.255") /
                UDP(sport=68, dport=67) /
                BOOTP(op=1, xid=0x1234, chaddr=mac) /
                DHCP(options=[("message-type", 3), ("server_id", server_id),
                              ("requested_addr", "10.20.5.150"), "end"]), 0.5)
    return build


def udp_conn(client, server, dport):
    def build(cap):
        udp_exchange(cap, client, server, dport, b"\x1b" + b"\x00" * 47,
                     b"\x1c" + b"\x00" * 47)
    return build


# ------------------------------------------------ behaviour (issue 18)

NORMAL = 600 * 1000             # a peer's usual pull, each office slot
NIGHT = T_MON_0000 + 14 * DAY + 2 * 3600 + 300   # Mon of week 3, 02:05


def peer_routine(days=14, nbytes=NORMAL, conns=1):
    """Two weeks of a peer's office-hours pulls: the first learned, the
    second the same (so quiet)."""
    def build(cap):
        office_pulls(cap, PEER, GATEWAY, 443, days, nbytes, conns=conns)
    return build


def peer_night_pull(nbytes):
    """The routine, then one pull of nbytes at 02:05 (no activity ever at
    that hour)."""
    def build(cap):
        peer_routine()(cap)
        at(cap, NIGHT)
        pull(cap, PEER, GATEWAY, 443, nbytes)
    return build


def peer_slot_pull(nbytes):
    """The routine, then Monday 09:05 of week 3 with nbytes pulled."""
    def build(cap):
        peer_routine()(cap)
        at(cap, T_MON_0000 + 14 * DAY + 9 * 3600 + 300)
        pull(cap, PEER, GATEWAY, 443, nbytes)
    return build


def peer_conns(n, when, conns=3):
    """Two weeks of `conns` connections a slot, then n at `when`."""
    def build(cap):
        office_pulls(cap, PEER, GATEWAY, 443, 14, 2000, conns=conns)
        at(cap, when)
        for _ in range(n):
            session(cap, PEER, GATEWAY, 443)
            cap.t += 0.5
    return build


SLOT_W3 = T_MON_0000 + 14 * DAY + 9 * 3600 + 1800   # Mon of week 3, 09:30


def beaconing(client, server, dport, n, every, jitter):
    def build(cap):
        beacon(cap, client, server, dport, n, every, jitter)
    return build


def irregular(client, server, dport, gaps):
    """Connections at uneven gaps (a person browsing)."""
    def build(cap):
        for g in gaps:
            cap.t += g
            session(cap, client, server, dport, to_server=[b"GET"],
                    to_client=[b"200"])
    return build


def ntp_every(n, every):
    def build(cap):
        for _ in range(n):
            cap.t += every
            ntp_exchange(cap, CLIENT, NTP)
    return build


def tunnel(n, every, domain="exfil-lab.example", nx=False, label=40):
    def build(cap):
        tunnel_burst(cap, CLIENT, RESOLVER, domain, n, every, nx, label)
    return build


def office_dns(n, every):
    """An office's lookups: a few dozen everyday names, over and over."""
    names = ["www.google.com", "mail.google.com", "accounts.google.com",
             "www.facebook.com", "static.xx.fbcdn.net", "zalo.me",
             "chat.zalo.me", "vnexpress.net", "s1.vnecdn.net",
             "dichvucong.gov.vn", "thuvienphapluat.vn", "outlook.office365.com",
             "login.microsoftonline.com", "update.microsoft.com",
             "ocsp.digicert.com"] + ["host%03d.office-lab.example" % i
                                     for i in range(40)]
    def build(cap):
        for i in range(n):
            dns_lookup(cap, OFFICE, RESOLVER, names[i % len(names)],
                       qid=0x2000 + i, dt=every)
    return build


def plain_names(n, every, nx=False):
    """n distinct names of little entropy under one domain."""
    def build(cap):
        for i in range(n):
            name = "host%03d.office-lab.example" % i
            q = dns_query(name, 0x3000 + i)
            r = dns_nx_response(q, 0x3000 + i) if nx else dns_response(q, 0x3000 + i)
            udp_exchange(cap, OFFICE, RESOLVER, 53, q, r, dt=every)
    return build


# ------------------------------------------------------------ the cases

GW_PORTS = [GATEWAY]
APPROVED_DEST = "192.0.2.10"    # approved_destinations: the national endpoint
HOSTS60 = internal_hosts(60)

CASES = {
    # scan.yaml ------------------------------------------------------
    1000101: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("SYN scan of 200 ports of the gateway in 2 s",
              port_scan(EXT, GATEWAY, 200)),
             ("SYN scan of 1000 ports of 3 hosts (one alert: suppressed by source)",
              both(port_scan(EXT, GATEWAY, 1000, over=5),
                   port_scan(EXT, DB, 1000, over=5),
                   port_scan(EXT, "10.20.1.30", 1000, over=5)))],
        neg=[("SYN probes to 40 ports", port_scan(EXT, GATEWAY, 40)),
             ("allowlisted scanner, 200 ports", port_scan(SCANNER, GATEWAY, 200)),
             ("60 ports over 10 minutes", port_scan(EXT, GATEWAY, 60, over=600))]),
    1000102: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("SYN sweep of port 445 on 60 internal hosts",
              sweep(CLIENT, HOSTS60, 445))],
        neg=[("SYN sweep of 25 hosts", sweep(CLIENT, HOSTS60[:25], 445)),
             ("client opening 443 on 60 outside web servers",
              sweep(CLIENT, ["203.0.113.%d" % (100 + i) for i in range(60)],
                    443)),
             ("allowlisted scanner sweeping 60 hosts",
              sweep(SCANNER, HOSTS60, 445))]),
    1000103: dict(
        pos=[("bare FIN probes to 30 ports", port_scan(EXT, GATEWAY, 30, "F"))],
        neg=[("bare FIN probes to 8 ports", port_scan(EXT, GATEWAY, 8, "F")),
             ("30 complete connections to 30 ports, FIN+ACK closes",
              both(*[one_conn(CLIENT, OFFICE, 2000 + i) for i in range(30)]))]),
    1000104: dict(
        pos=[("NULL probes to 30 ports", port_scan(EXT, GATEWAY, 30, "0"))],
        neg=[("NULL probes to 8 ports", port_scan(EXT, GATEWAY, 8, "0"))]),
    1000105: dict(
        pos=[("XMAS probes to 30 ports", port_scan(EXT, GATEWAY, 30, "FPU"))],
        neg=[("XMAS probes to 8 ports", port_scan(EXT, GATEWAY, 8, "FPU"))]),
    1000106: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("UDP datagrams to 100 ports of the gateway",
              udp_scan(EXT, GATEWAY, 100))],
        neg=[("UDP datagrams to 25 ports", udp_scan(EXT, GATEWAY, 25)),
             ("100 DNS queries from 100 source ports, with answers",
              lookups(CLIENT, RESOLVER, ["h%d.example.gov.vn" % i
                                         for i in range(100)], every=0.01))]),
    1000107: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("SNMP to port 161 of 50 internal hosts",
              udp_sweep(CLIENT, HOSTS60[:50], 161))],
        neg=[("SNMP to 20 hosts", udp_sweep(CLIENT, HOSTS60[:20], 161))]),
    1000108: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("pings to 40 hosts", ping_sweep(EXT, HOSTS60[:40]))],
        neg=[("pings to 15 hosts", ping_sweep(EXT, HOSTS60[:15])),
             ("allowlisted scanner pinging 40 hosts",
              ping_sweep(SCANNER, HOSTS60[:40]))]),
    1000109: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("ICMPv6 pings to 40 hosts", ping_sweep(EXT6, v6_hosts(40)))],
        neg=[("ICMPv6 pings to 15 hosts", ping_sweep(EXT6, v6_hosts(15)))]),
    1000111: dict(
        pos=[("20 ports over 3 minutes", port_scan(EXT, GATEWAY, 20, over=180)),
             ("20 ports of an IPv6 data server, each probe from a new "
              "address of one /64 (src_ip/64)",
              both(*[port_scan(a, DB6, 1, over=9, first=100 + k)
                     for k, a in enumerate(rotating("2001:db8:66:1", 20))]))],
        neg=[("10 ports", port_scan(EXT, GATEWAY, 10, over=180)),
             ("20 ports, each from another /64 (other networks)",
              both(*[port_scan("2001:db8:66:%x::1" % (k + 2), DB6, 1, over=9,
                               first=100 + k) for k in range(20)])),
             ("20 ports, each from another internal host of one LAN /64",
              both(*[port_scan(a, DB6, 1, over=9, first=100 + k)
                     for k, a in enumerate(v6_hosts(20))]))],
        says=[r"(^| )(%s|2001:db8:66:1::/64) sent TCP SYN probes to 1[5-9] "
              r"ports" % EXT]),
    1000112: dict(
        pos=[("SYN to 15 hosts over 3 minutes",
              sweep(CLIENT, HOSTS60[:15], 445, over=180))],
        neg=[("SYN to 8 hosts", sweep(CLIENT, HOSTS60[:8], 445, over=180))]),
    1000116: dict(
        pos=[("UDP to 15 ports over 3 minutes",
              udp_scan(EXT, GATEWAY, 15, over=180))],
        neg=[("UDP to 8 ports", udp_scan(EXT, GATEWAY, 8, over=180))]),
    1000117: dict(
        pos=[("SNMP to 15 hosts over 3 minutes",
              udp_sweep(CLIENT, HOSTS60[:15], 161, over=180))],
        neg=[("SNMP to 8 hosts", udp_sweep(CLIENT, HOSTS60[:8], 161, over=180))]),
    1000118: dict(
        pos=[("pings to 15 hosts over 3 minutes",
              ping_sweep(EXT, HOSTS60[:15], over=180))],
        neg=[("pings to 8 hosts", ping_sweep(EXT, HOSTS60[:8], over=180))]),
    1000119: dict(
        pos=[("ICMPv6 pings to 15 hosts over 3 minutes",
              ping_sweep(EXT6, v6_hosts(15), over=180))],
        neg=[("ICMPv6 pings to 8 hosts", ping_sweep(EXT6, v6_hosts(8), over=180))]),

    # bruteforce.yaml ------------------------------------------------
    1000201: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("40 SSH connections in 80 s", conns(EXT, DB, 22, 40, 2, "ssh"))],
        neg=[("15 SSH connections in 2 minutes", conns(EXT, DB, 22, 15, 8, "ssh")),
             ("40 half-open SYNs to port 22 (a flood, not logins)",
              both(*[half_open(EXT, DB, 22)] * 40))]),
    1000202: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("40 RDP connections in 80 s", conns(EXT, DB, 3389, 40, 2))],
        neg=[("15 RDP connections in 2 minutes", conns(EXT, DB, 3389, 15, 8))]),
    1000203: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("40 FTP logins in 80 s", conns(EXT, DB, 21, 40, 2, "ftp"))],
        neg=[("15 FTP logins in 2 minutes", conns(EXT, DB, 21, 15, 8, "ftp"))]),
    1000204: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("50 PostgreSQL connections in 50 s", conns(CLIENT, DB, 5432, 50, 1))],
        neg=[("50 connections from the gateway (a data server's pool)",
              conns(GATEWAY, DB, 5432, 50, 1)),
             ("25 connections in 2 minutes", conns(CLIENT, DB, 1433, 25, 4))]),
    1000205: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("30 WinRM connections in 60 s", conns(EXT, DB, 5985, 30, 2))],
        neg=[("15 WinRM connections in 2 minutes", conns(EXT, DB, 5985, 15, 8))]),
    1000211: dict(
        pos=[("12 SSH connections over 8 minutes", conns(EXT, DB, 22, 12, 40, "ssh")),
             ("12 SSH connections to an IPv6 data server over 8 minutes, each "
              "from a new address of one /64 (src_ip/64)",
              from_each(conns, rotating("2001:db8:77:1", 12), 40, DB6, 22, 1,
                        0, "ssh"))],
        neg=[("8 SSH connections over 8 minutes", conns(EXT, DB, 22, 8, 60, "ssh")),
             ("12 SSH connections, each from another /64",
              from_each(conns, ["2001:db8:77:%x::5" % (k + 2) for k in range(12)],
                        40, DB6, 22, 1, 0, "ssh")),
             ("12 SSH connections, one from each of 12 internal hosts of one "
              "LAN /64 (kept whole)",
              from_each(conns, v6_hosts(12), 40, DB6, 22, 1, 0, "ssh"))],
        says=[r"^(%s|2001:db8:77:1::/64) opened 1[0-2] SSH connections to "
              r"(%s|%s) within 10m$" % (EXT, DB, DB6)]),
    1000212: dict(
        pos=[("12 RDP connections over 8 minutes", conns(EXT, DB, 3389, 12, 40))],
        neg=[("8 RDP connections", conns(EXT, DB, 3389, 8, 60))]),
    1000213: dict(
        pos=[("12 FTP logins over 8 minutes", conns(EXT, DB, 21, 12, 40, "ftp"))],
        neg=[("8 FTP logins", conns(EXT, DB, 21, 8, 60, "ftp"))]),
    1000214: dict(
        pos=[("20 MySQL connections over 8 minutes", conns(CLIENT, DB, 3306, 20, 24))],
        neg=[("10 MySQL connections", conns(CLIENT, DB, 3306, 10, 48))]),
    1000215: dict(
        pos=[("12 VNC connections over 8 minutes", conns(EXT, DB, 5900, 12, 40))],
        neg=[("8 VNC connections", conns(EXT, DB, 5900, 8, 60))]),

    # policy.yaml ----------------------------------------------------
    1000301: dict(
        pos=[("internal host outside approved peers, TLS 1.3 to 443",
              tls(CLIENT, GATEWAY, 443)),
             ("outside host, 3 sessions to 8443 (one alert)",
              both(*[tls(EXT, GATEWAY, 8443)] * 3))],
        neg=[("approved peer, TLS 1.3 to 443", tls(PEER, GATEWAY, 443)),
             ("unapproved host, half-open SYN to 443",
              half_open(CLIENT, GATEWAY, 443)),
             ("unapproved host to another data server's 443",
              tls(CLIENT, DB, 443))]),
    1000302: dict(
        pos=[("SSH from a non-admin host to a data server", at_ssh(CLIENT, DB)),
             ("RDP from outside to a data server", one_conn(EXT, DB, 3389))],
        neg=[("SSH from an admin workstation", at_ssh(ADMIN, DB)),
             ("SSH from a non-admin host to a non-data server",
              at_ssh(CLIENT, OFFICE))]),
    1000305: dict(
        pos=[("the gateway opens TLS to a private staging host",
              tls(GATEWAY, STAGING, 443)),
             ("the gateway sends DNS to a resolver outside dns_resolvers",
              udp_conn(GATEWAY, "10.20.7.53", 53))],
        neg=[("the gateway to its approved destination",
              tls(GATEWAY, APPROVED_DST, 443)),
             ("the gateway's NTP and DNS to the approved servers",
              both(udp_conn(GATEWAY, NTP, 123),
                   udp_conn(GATEWAY, RESOLVER, 53))),
             ("an approved peer connects to the gateway",
              tls(PEER, GATEWAY, 443)),
             ("the gateway's IPv6 neighbour advertisement to all nodes "
              "and a DHCP request broadcast",
              both(nd_claim(GATEWAY6, GW_MAC),
                   udp_conn(GATEWAY, "255.255.255.255", 67)))]),
    1000303: dict(
        pos=[("PostgreSQL from a non-admin host", one_conn(CLIENT, DB, 5432))],
        neg=[("PostgreSQL from an admin workstation", one_conn(ADMIN, DB, 5432))]),
    1000304: dict(
        pos=[("admin SSH on a Tuesday at 22:00", at_ssh(ADMIN, DB), T_TUE_2200),
             ("admin SSH on a Saturday at 10:00", at_ssh(ADMIN, DB), T_SAT_1000),
             ("admin RDP on a Tuesday at 17:30", one_conn(ADMIN, DB, 3389),
              T_TUE_1730),
             ("admin SSH on a Wednesday at 07:29", at_ssh(ADMIN, DB), T_WED_0729)],
        neg=[("admin SSH on a Tuesday at 10:00", at_ssh(ADMIN, DB), T_TUE_1000),
             ("admin SSH on a Tuesday at 17:29", at_ssh(ADMIN, DB), T_TUE_1729),
             ("TLS from an admin workstation at night", tls(ADMIN, DB, 443),
              T_TUE_2200)]),

    # plaintext.yaml -------------------------------------------------
    1000401: dict(
        pos=[("telnet login to a data server", lambda c: telnet_login(c, CLIENT, DB))],
        neg=[("telnet between two hosts outside data_servers",
              lambda c: telnet_login(c, CLIENT, OFFICE))]),
    1000402: dict(
        pos=[("FTP USER/PASS to a data server", lambda c: ftp_login(c, CLIENT, DB))],
        neg=[("FTP with AUTH TLS", lambda c: ftp_login(c, CLIENT, DB, tls=True)),
             ("FTP login between hosts outside data_servers",
              lambda c: ftp_login(c, CLIENT, OFFICE))]),
    1000403: dict(
        # A login whose USER the capture missed says so, not "(user )".
        says=[r"\(user (alice|not seen)\)$"],
        says_vi=[r"\(người dùng (alice|không xác định được)\)$"],
        pos=[("POP3 USER/PASS to a data server", lambda c: pop3_login(c, CLIENT, DB)),
             ("POP3 PASS picked up after USER (mid-session)",
              lambda c: session(c, CLIENT, DB, 110,
                                [b"PASS Secr3tPassw0rd\r\n", b"QUIT\r\n"],
                                [b"+OK POP3 server ready\r\n",
                                 b"+OK Logged in.\r\n", b"+OK Bye\r\n"],
                                first="server"))],
        neg=[("POP3 with STLS", lambda c: pop3_login(c, CLIENT, DB, stls=True))]),
    1000404: dict(
        pos=[("IMAP LOGIN to a data server", lambda c: imap_login(c, CLIENT, DB))],
        neg=[("IMAP with STARTTLS", lambda c: imap_login(c, CLIENT, DB, starttls=True))]),
    1000405: dict(
        pos=[("SMTP AUTH PLAIN to a data server", lambda c: smtp_session(c, CLIENT, DB))],
        neg=[("SMTP with STARTTLS", lambda c: smtp_session(c, CLIENT, DB, "starttls")),
             ("SMTP relay without AUTH", lambda c: smtp_session(c, CLIENT, DB, "relay"))]),
    1000406: dict(
        pos=[("SNMP v2c get to a data server, 5 polls",
              lambda c: [udp_exchange(c, CLIENT, DB, 161, snmp_get(), snmp_get(pdu_tag=0xa2),
                                      dt=10) for _ in range(5)]),
             ("SNMP v1 get to a data server",
              lambda c: udp_exchange(c, CLIENT, DB, 161, snmp_get(b"private", 0))),
             ("SNMP v2c get with four-byte lengths and a two-byte version, "
              "as net-snmp takes them (before, not taken for SNMP)",
              lambda c: udp_exchange(c, CLIENT, DB, 161, snmp_get(odd=True)))],
        neg=[("SNMPv3 get to a data server",
              lambda c: udp_exchange(c, CLIENT, DB, 161, snmp_v3_get()))]),
    1000407: dict(
        pos=[("HTTP GET to the gateway", http(CLIENT, GATEWAY, "gw.example.gov.vn"))],
        neg=[("HTTP GET between hosts outside data_servers",
              http(CLIENT, OFFICE, "intranet.example")),
             ("TLS to the gateway", tls(PEER, GATEWAY))]),
    1000408: dict(
        pos=[("data server fetching a URL over HTTP",
              http(DB, EXT_WEB, "updates.example", "/pkg/list"))],
        neg=[("data server to the gateway over HTTP (1000407's case)",
              http(DB, GATEWAY, "gw.example.gov.vn")),
             ("data server fetching over TLS", tls(DB, EXT_WEB, sni="updates.example"))]),

    # weak-crypto.yaml -----------------------------------------------
    1000501: dict(
        pos=[("TLS 1.0 client to the gateway", tls(CLIENT, GATEWAY, maxv=0x0301))],
        neg=[("TLS 1.2 client", tls(CLIENT, GATEWAY, maxv=0x0303)),
             ("SSLv3 client (1000503's case)", tls(CLIENT, GATEWAY, maxv=0x0300)),
             ("TLS 1.0 between hosts outside data_servers",
              tls(CLIENT, OFFICE, maxv=0x0301))]),
    1000502: dict(
        # A hello without server_name says so, not "(SNI )".
        says=[r"\(SNI (gw\.example\.gov\.vn|none)\)"],
        says_vi=[r"\(SNI: (gw\.example\.gov\.vn|không có)\)"],
        pos=[("TLS 1.1 client to a data server", tls(CLIENT, DB, maxv=0x0302)),
             ("the same without server_name",
              tls(CLIENT, DB, sni=None, maxv=0x0302))],
        neg=[("TLS 1.3 client", tls(CLIENT, DB, maxv=0x0304))]),
    1000503: dict(
        pos=[("SSLv3 client to the gateway", tls(CLIENT, GATEWAY, maxv=0x0300)),
             ("SSLv2 CLIENT-HELLO to a data server",
              lambda c: session(c, CLIENT, DB, 443, [sslv2_client_hello()],
                                [b"\x00" * 32]))],
        neg=[("TLS 1.0 client (1000501's case)", tls(CLIENT, GATEWAY, maxv=0x0301))]),
    1000504: dict(
        pos=[("modern client, server picks TLS 1.0",
              tls(CLIENT, DB, maxv=0x0304, sv=0x0301)),
             ("the same in a ServerHello padded to 5 KB (read framed, "
              "4 KiB of it, it went unread)", tls_sh_cut(CLIENT, DB, pad=5000)),
             ("the same in a 1 KB ServerHello cut into one-byte records "
              "(6 KB framed)", tls_sh_cut(CLIENT, DB, pad=1000, record=1))],
        neg=[("server picks TLS 1.2", tls(CLIENT, DB, maxv=0x0304, sv=0x0303))]),

    # tls.yaml -------------------------------------------------------
    1001301: dict(
        pos=[("data server chooses RC4-SHA", cert(CLIENT, DB, cipher=0x0005), t_cert()),
             ("gateway chooses 3DES (ECDHE-RSA-DES-CBC3-SHA)",
              cert(CLIENT, GATEWAY, cipher=0xc012), t_cert()),
             ("data server chooses RC4-SHA in a 1 KB ServerHello cut into "
              "one-byte records, 37-byte segments",
              tls_sh_cut(CLIENT, DB, sv=0x0303, cipher=0x0005, pad=1000,
                         record=1, seg=37)),
             ("data server chooses NULL-SHA256 (TLS 1.3 client)",
              lambda c: session(c, CLIENT, DB, 443, [client_hello("gw.example.gov.vn")],
                                [server_hello(0x0303, 0x003b)]))],
        neg=[("data server chooses ECDHE-RSA-AES128-GCM-SHA256",
              cert(CLIENT, DB, cipher=0xc02f), t_cert()),
             ("RC4 between hosts outside data_servers",
              cert(CLIENT, OFFICE, cipher=0x0005), t_cert())]),
    1001302: dict(
        pos=[("data server's certificate expired a day ago", cert(CLIENT, DB),
              t_cert(offset=86400, end=True)),
             ("the same, flight in 100-byte records and 37-byte segments",
              cert(CLIENT, DB, record=100, seg=37), t_cert(offset=86400, end=True))],
        neg=[("valid certificate", cert(CLIENT, DB), t_cert()),
             ("a day before it expires", cert(CLIENT, DB), t_cert(offset=-86400, end=True)),
             ("expired certificate outside data_servers", cert(CLIENT, OFFICE),
              t_cert(offset=86400, end=True))]),
    1001303: dict(
        pos=[("data server's certificate valid only from tomorrow", cert(CLIENT, DB),
              t_cert(offset=-86400))],
        neg=[("a day after it became valid", cert(CLIENT, DB), t_cert(offset=86400))]),
    1001304: dict(
        pos=[("self-signed certificate on the gateway", cert(CLIENT, GATEWAY, "selfsigned"),
              t_cert("selfsigned"))],
        neg=[("CA-issued certificate", cert(CLIENT, GATEWAY), t_cert()),
             ("self-signed certificate outside data_servers",
              cert(CLIENT, OFFICE, "selfsigned"), t_cert("selfsigned"))]),
    1001305: dict(
        pos=[("1024-bit RSA key", cert(CLIENT, DB, "weakkey"), t_cert("weakkey"))],
        neg=[("2048-bit RSA key", cert(CLIENT, DB), t_cert()),
             ("256-bit EC key (P-256)", cert(CLIENT, DB, "ec"), t_cert("ec"))]),
    1001306: dict(
        pos=[("certificate signed with sha1WithRSAEncryption",
              cert(CLIENT, DB, "sha1"), t_cert("sha1"))],
        neg=[("certificate signed with SHA-256", cert(CLIENT, DB), t_cert()),
             ("ECDSA-signed leaf is not SHA-1 either", cert(CLIENT, DB, "ec"), t_cert("ec"))]),
    1001307: dict(
        pos=[("SNI files.example.org, certificate for *.example.gov.vn",
              cert(CLIENT, DB, sni="files.example.org"), t_cert())],
        neg=[("SNI db.example.gov.vn matches *.example.gov.vn",
              cert(CLIENT, DB, sni="db.example.gov.vn"), t_cert()),
             ("client sent no SNI: nothing to compare",
              cert(CLIENT, DB, sni=""), t_cert())]),
    1001308: dict(
        pos=[("client whose JA3 is listed",
              lambda c: tls_session(c, CLIENT, EXT_WEB, 443, "a.example",
                                    ciphers=IOC_CIPHERS))],
        neg=[("a common TLS 1.3 client", tls(CLIENT, EXT_WEB, sni="a.example")),
             ("the listed client's suites, offering at most TLS 1.2 (another JA3)",
              lambda c: tls_session(c, CLIENT, EXT_WEB, 443, "a.example", 0x0303,
                                    ciphers=IOC_CIPHERS))]),
    1001309: dict(
        pos=[("client whose JA4 is listed",
              lambda c: tls_session(c, CLIENT, EXT_WEB, 443, "a.example",
                                    ciphers=IOC_CIPHERS))],
        neg=[("a common TLS 1.3 client", tls(CLIENT, EXT_WEB, sni="a.example")),
             ("the listed client's suites, offering at most TLS 1.2 (another JA4)",
              lambda c: tls_session(c, CLIENT, EXT_WEB, 443, "a.example", 0x0303,
                                    ciphers=IOC_CIPHERS))]),
    1001310: dict(
        pos=[("gateway to the national endpoint, certificate not pinned",
              cert(GATEWAY, APPROVED_DEST, "other"), t_cert("other")),
             ("the same, certificate chain cut in 60-byte records",
              cert(GATEWAY, APPROVED_DEST, "other", record=60, seg=500), t_cert("other"))],
        neg=[("gateway to the national endpoint, pinned certificate",
              cert(GATEWAY, APPROVED_DEST), t_cert()),
             ("another host to the endpoint, certificate not pinned",
              cert(CLIENT, APPROVED_DEST, "other"), t_cert("other")),
             ("gateway to a destination not approved", cert(GATEWAY, EXT_WEB, "other"),
              t_cert("other"))]),

    # dns.yaml -------------------------------------------------------
    1000601: dict(
        pos=[("20 queries to an outside resolver",
              lookups(CLIENT, "8.8.8.8", ["q%d.example.com" % i for i in range(20)]))],
        neg=[("queries to the approved resolver",
              lookups(CLIENT, RESOLVER, ["q%d.example.com" % i for i in range(20)])),
             ("the approved resolver forwarding upstream",
              lookups(RESOLVER, "198.41.0.4", ["q%d.example.com" % i for i in range(20)]))]),
    1000602: dict(
        pos=[("DNS over TLS to 1.1.1.1", tls(CLIENT, "1.1.1.1", 853, "one.one.one.one"))],
        neg=[("DNS over TLS to the approved resolver",
              tls(CLIENT, RESOLVER, 853, "resolver.example.gov.vn"))]),
    1000603: dict(
        pos=[("12 lookups with 50-character labels in 2 minutes",
              lookups(CLIENT, RESOLVER, long_names(12, 50), every=10))],
        neg=[("5 such lookups", lookups(CLIENT, RESOLVER, long_names(5, 50), every=10)),
             ("12 lookups with 30-character labels",
              lookups(CLIENT, RESOLVER, long_names(12, 30), every=10))]),

    # ioc.yaml -------------------------------------------------------
    1000701: dict(
        pos=[("TLS to an indicator address", tls(CLIENT, IOC_IP, 443, "x.example")),
             ("UDP to an address in an indicator prefix",
              lambda c: udp_exchange(c, CLIENT, IOC_NET_IP, 4444, b"ping"))],
        neg=[("TLS to the next address", tls(CLIENT, "203.0.113.67", 443, "x.example"))]),
    1000702: dict(
        pos=[("SYN from an indicator prefix to the gateway",
              half_open(IOC_NET_IP, GATEWAY, 443))],
        neg=[("SYN from a neighbouring prefix", half_open("198.51.99.23", GATEWAY, 443))]),
    1000703: dict(
        pos=[("lookup of www.bad.example", lookups(CLIENT, RESOLVER, ["www.bad.example"])),
             ("three lookups of the same name (one alert)",
              lookups(CLIENT, RESOLVER, ["bad.example"] * 3)),
             ("the second query of a DNS-over-TCP connection",
              dns_tcp(CLIENT, RESOLVER, ["www.example.org", "www.bad.example"])),
             ("the second of two queries in one TCP segment",
              dns_tcp(CLIENT, RESOLVER, ["www.example.org", "www.bad.example"],
                      together=True)),
             ("www.bad.example behind a label of 60 binary bytes, 240 "
              "characters escaped (cut at its end, the name lost its domain)",
              binary_lookup(CLIENT, RESOLVER, "www.bad.example"))],
        neg=[("lookup of notbad.example", lookups(CLIENT, RESOLVER, ["notbad.example"])),
             ("lookup of evil.example (only c2.evil.example is listed)",
              lookups(CLIENT, RESOLVER, ["evil.example"])),
             ("the resolver forwarding www.bad.example upstream",
              lookups(RESOLVER, "198.41.0.4", ["www.bad.example"]))]),
    1000704: dict(
        pos=[("TLS with SNI cdn.c2.evil.example",
              tls(CLIENT, EXT_WEB, 443, "cdn.c2.evil.example")),
             ("QUIC Initial with SNI cdn.c2.evil.example",
              quic(CLIENT, EXT_WEB, "cdn.c2.evil.example")),
             ("the same TLS hello behind an empty handshake record",
              tls_empty_first(CLIENT, EXT_WEB, "cdn.c2.evil.example")),
             ("behind 32 empty records, the hello cut after 20 bytes",
              tls_empty_first(CLIENT, EXT_WEB, "cdn.c2.evil.example", 32,
                              cut=20)),
             ("the hello in a record of version 3.255 (OpenSSL answers it)",
              tls_record_version(CLIENT, EXT_WEB, "cdn.c2.evil.example",
                                 0x03ff)),
             ("a 1.3 KiB hello in one-byte records (8 KiB on the wire)",
              tls_hello_shaped(CLIENT, EXT_WEB, "cdn.c2.evil.example",
                               pad=1200, record=1)),
             ("the hello padded to 20 KiB before its SNI, in 16 KiB records",
              tls_hello_shaped(CLIENT, EXT_WEB, "cdn.c2.evil.example",
                               pad=20000)),
             ("a new connection from the same port after a benign one closed",
              tls_port_reuse(CLIENT, EXT_WEB, "www.example.org",
                             "cdn.c2.evil.example")),
             ("the same after a reset",
              tls_port_reuse(CLIENT, EXT_WEB, "www.example.org",
                             "cdn.c2.evil.example", rst=True))],
        neg=[("TLS with SNI evil.example", tls(CLIENT, EXT_WEB, 443, "evil.example")),
             ("behind 33 empty records (OpenSSL ends the handshake)",
              tls_empty_first(CLIENT, EXT_WEB, "cdn.c2.evil.example", 33)),
             ("QUIC Initial with SNI evil.example",
              quic(CLIENT, EXT_WEB, "evil.example"))]),
    1000705: dict(
        pos=[("HTTP to phish-dichvucong.example",
              http(CLIENT, EXT_WEB, "phish-dichvucong.example", "/login")),
             ("the same, spaces doubled in the request line (nginx takes "
              "runs of them; Python's http.server too)",
              http(CLIENT, EXT_WEB, "phish-dichvucong.example", "  /login  ")),
             ("the same after 20 empty lines (nginx and Node skip any "
              "number; before, nine hid the request)",
              http(CLIENT, EXT_WEB, "phish-dichvucong.example", "/login",
                   lead=b"\r\n" * 20)),
             ("20 empty lines and \"GE\" in one segment, \"T /login ...\" "
              "in the next (nginx reads it)",
              lambda c: session(c, CLIENT, EXT_WEB, 80, [
                  b"\r\n" * 20 + b"GE",
                  b"T /login HTTP/1.1\r\nHost: phish-dichvucong.example\r\n\r\n"
              ])),
             ("20 empty lines, \"GE\" and \"T /login ...\" in three segments",
              lambda c: session(c, CLIENT, EXT_WEB, 80, [
                  b"\r\n" * 20, b"GE",
                  b"T /login HTTP/1.1\r\nHost: phish-dichvucong.example\r\n\r\n"
              ])),
             ("the second request of a connection, 40 empty lines before it",
              http(CLIENT, EXT_WEB, "phish-dichvucong.example", "/login",
                   lead=b"\r\n" * 40,
                   before=b"GET / HTTP/1.1\r\nHost: dichvucong.example.gov.vn"
                          b"\r\n\r\n"))],
        neg=[("HTTP to dichvucong.example.gov.vn",
              http(CLIENT, EXT_WEB, "dichvucong.example.gov.vn", "/login"))]),

    # data-leak.yaml -------------------------------------------------
    1000801: dict(
        # A protocol no parser took is named in words, not "unknown".
        says=[r"\(port \d+/TCP, (http|unidentified protocol)\)$"],
        says_vi=[r"\(cổng \d+/TCP, (http|giao thức chưa nhận diện được)\)$"],
        pos=[("POST of 3 citizen records to a data server",
              cccd_post(CLIENT, DB, CCCD_VALID[:3])),
             ("a data server sending 5 records to an internal host",
              cccd_post(DB, OFFICE, CCCD_VALID)),
             ("3 records to a data server over a port no parser takes",
              lambda c: session(c, CLIENT, DB, 9000,
                                [citizen_json(CCCD_VALID[:3])], [b"OK\n"]))],
        neg=[("2 valid numbers among decoys", cccd_post(CLIENT, DB, CCCD_VALID[:2] + CCCD_DECOYS)),
             ("3 records between hosts outside data_servers",
              cccd_post(CLIENT, OFFICE, CCCD_VALID[:3])),
             ("3 records over TLS", tls(CLIENT, DB))]),
    1000802: dict(
        pos=[("a data server posting 4 records to an outside host",
              cccd_post(DB, EXT_WEB, CCCD_VALID[:4]))],
        neg=[("decoys only, to an outside host", cccd_post(DB, EXT_WEB, CCCD_DECOYS)),
             ("4 records inside a TLS session's records (not scanned)",
              cccd_in_tls(DB, EXT_WEB, CCCD_VALID[:4]))]),

    # exfiltration.yaml ----------------------------------------------
    1000901: dict(
        conf={"level": 3},      # superseded by its tighter tier from level 5
        pos=[("60 MB from a data server to an outside host in 2 minutes",
              upload(DB, EXT_WEB, 60 * MB))],
        neg=[("40 MB", upload(DB, EXT_WEB, 40 * MB)),
             ("60 MB to an internal host", upload(DB, OFFICE, 60 * MB)),
             ("60 MB over 30 minutes", upload(DB, EXT_WEB, 60 * MB, spread=1800))]),
    1000902: dict(
        # The bytes as a size beside their count: "15728640 bytes" alone
        # is hard to read as 15 MB.
        says=[r" sent 1[0-9]\.\d MB \(\d+ bytes\) to "],
        says_vi=[r" đã gửi 1[0-9],\d MB \(\d+ byte\) tới "],
        pos=[("15 MB from a data server to an outside host",
              upload(DB, EXT_WEB, 15 * MB))],
        neg=[("8 MB", upload(DB, EXT_WEB, 8 * MB))]),
    1000903: dict(
        pos=[("data server connecting to an outside host, 3 times (one alert)",
              both(*[tls(DB, EXT_WEB, 443, "partner.example")] * 3))],
        neg=[("data server connecting to an internal host", tls(DB, OFFICE, 443)),
             ("a data server's IPv6 neighbour advertisement to all nodes, "
              "mDNS and a DHCP broadcast",
              both(nd_claim("fd00:20:1::20", "02:00:0a:14:01:14"),
                   udp_conn(DB, "224.0.0.251", 5353),
                   udp_conn(DB, "255.255.255.255", 67)))]),

    # anomaly.yaml ---------------------------------------------------
    1001001: dict(
        conf={"level": 1},      # superseded by its tighter tier from level 3
        pos=[("150 SYN+RST packets in 20 s", malformed(EXT, GATEWAY, 150))],
        neg=[("80 SYN+RST packets", malformed(EXT, GATEWAY, 80))]),
    1001002: dict(
        pos=[("30 SYN+RST packets in 20 s", malformed(EXT, GATEWAY, 30))],
        neg=[("15 SYN+RST packets", malformed(EXT, GATEWAY, 15))]),
    1001003: dict(
        pos=[("5 SYN+FIN packets", synfin(EXT, GATEWAY, 5))],
        neg=[("2 SYN+FIN packets", synfin(EXT, GATEWAY, 2))]),

    1001020: dict(
        pos=[("IPv4 fragments, a second copy with other bytes",
              frag_overlap(EXT, GATEWAY))],
        neg=[("IPv4 fragments out of order, a second copy with the same bytes",
              frag_overlap(EXT, GATEWAY, differ=False))]),

    1001021: dict(
        pos=[("a segment over held data with other bytes",
              tcp_overlap(EXT, GATEWAY))],
        neg=[("segments out of order, a copy with the same bytes",
              tcp_overlap(EXT, GATEWAY, differ=False))]),

    1001022: dict(
        pos=[("a QUIC hello with 20 KiB of padding before its SNI",
              quic_shaped(CLIENT, EXT_WEB, "cdn.c2.evil.example", pad=20000)),
             ("a 2.5 KiB QUIC hello 152 bytes an Initial: whole at the "
              "17th, one past those read",
              quic_shaped(CLIENT, EXT_WEB, "www.example.com", per=152)),
             ("16 Initials of padding alone, then a hello in one",
              quic_shaped(CLIENT, EXT_WEB, "cdn.c2.evil.example", junk=16,
                          per=4000))],
        neg=[("a QUIC hello with a post-quantum share over three Initials",
              quic_shaped(CLIENT, EXT_WEB, "www.example.com")),
             ("the same hello 162 bytes an Initial: whole at the 16th",
              quic_shaped(CLIENT, EXT_WEB, "www.example.com", per=162)),
             ("13 Initials of padding alone, then the hello in three",
              quic_shaped(CLIENT, EXT_WEB, "www.example.com", junk=13))]),

    1001023: dict(
        pos=[("a ClientHello a byte a segment, every second byte first",
              tcp_scattered(CLIENT, EXT_WEB))],
        neg=[("a 100 KB upload whose second segment the capture lost",
              tcp_scattered(CLIENT, EXT_WEB, lost_one=True))]),

    # rogue-host.yaml ------------------------------------------------
    1001201: dict(
        pos=[("a host outside known_hosts in the server segment connects "
              "to a database", one_conn(UNKNOWN, DB, 5432)),
             ("a host outside known_hosts announces itself by gratuitous "
              "ARP, then talks (one alert)",
              both(arp_claim(UNKNOWN, "02:00:00:00:01:4d", gratuitous=True),
                   one_conn(UNKNOWN, DB, 5432))),
             ("a host outside known_hosts connects to a database, the "
              "SYN-ACK lost to capture", synack_lost_conn(UNKNOWN, DB, 5432))],
        neg=[("known host to a database", one_conn(DATA2, DB, 5432)),
             ("office host outside protected_segments",
              one_conn(OFFICE, DB, 5432)),
             ("SYNs from 50 forged server-segment addresses, never "
              "answered (not hosts until a handshake completes)",
              forged_syns(50, DB, 5432)),
             ("SYNs from 20 forged server-segment addresses, answered, "
              "then blind ACKs guessing the SYN-ACK's ISN",
              forged_syns(20, DB, 5432, blind_ack=True)),
             ("SYNs from 20 forged server-segment addresses, the SYN-ACKs "
              "not captured, blind ACKs and data drawing the server's ACK "
              "of the SYN", forged_syns(20, DB, 5432, blind_ack=True,
                                        synack_lost=True))]),
    1001202: dict(
        pos=[("a data server answers on 8080, three times (one alert)",
              both(*[one_conn(CLIENT, DB, 8080)] * 3)),
             ("a data server answers on UDP 69", udp_conn(CLIENT, DB, 69))],
        neg=[("the database port of an approved service",
              one_conn(ADMIN, DB, 5432)),
             ("8080 probed but refused (no answer is no service)",
              half_open(CLIENT, DB, 8080)),
             ("a host outside data_servers answers on 8080",
              one_conn(CLIENT, OFFICE, 8080))]),
    1001203: dict(
        # The spoofer is the new claimant, whichever worker handled the
        # claims first (an older claim handled late named the gateway).
        says=["now claimed by MAC %s; it was %s" % (SPOOF_MAC, GW_MAC)],
        says_vi=["hiện được MAC %s nhận là của mình, trước đó là %s"
                 % (SPOOF_MAC, GW_MAC)],
        pos=[("the gateway's ARP reply, then a spoofer's gratuitous ARP "
              "for its address, three times (one alert)",
              both(arp_claim(GATEWAY, GW_MAC, 2),
                   arp_claim(GATEWAY, SPOOF_MAC, 3, gratuitous=True))),
             ("a spoofer's ARP reply for the gateway, the first one seen: "
              "known_hosts gives the MAC", arp_claim(GATEWAY, SPOOF_MAC, 2)),
             ("a spoofer's ARP reply for the gateway of hardware type 6 "
              "(IEEE 802, which Linux takes on Ethernet), after the gateway's",
              both(arp_claim(GATEWAY, GW_MAC),
                   arp_claim(GATEWAY, SPOOF_MAC, 2, hwtype=6))),
             ("a spoofer's gratuitous ARP of hardware type 6 for the gateway",
              arp_claim(GATEWAY, SPOOF_MAC, gratuitous=True, hwtype=6)),
             ("a host behind the gateway's address asking for the peer "
              "(an ARP request: every host's cache takes its sender)",
              both(arp_claim(GATEWAY, GW_MAC),
                   arp_claim(GATEWAY, SPOOF_MAC, 2, request=True))),
             ("IPv6: the gateway's neighbour advertisement, then a "
              "spoofer's, twice (one alert)",
              both(nd_claim(GATEWAY6, GW_MAC), nd_claim(GATEWAY6, SPOOF_MAC, 2))),
             ("IPv6: a host behind the gateway's address soliciting the "
              "peer's, with its own MAC as source link-layer address",
              both(nd_claim(GATEWAY6, GW_MAC), ns_claim(GATEWAY6, SPOOF_MAC, 2)))],
        neg=[("the gateway's own ARP replies, gratuitous ARP and requests",
              both(arp_claim(GATEWAY, GW_MAC, 3),
                   arp_claim(GATEWAY, GW_MAC, 1, gratuitous=True),
                   arp_claim(GATEWAY, GW_MAC, 2, request=True))),
             ("IPv6: the gateway's own neighbour advertisements and "
              "solicitations",
              both(nd_claim(GATEWAY6, GW_MAC, 3), ns_claim(GATEWAY6, GW_MAC, 2))),
             ("an office host outside protected_segments changes MAC",
              both(arp_claim(OFFICE, "02:00:00:00:05:05"),
                   arp_claim(OFFICE, "02:00:00:00:05:06")))]),
    1001204: dict(
        # An ack to a DHCPINFORM gives no address: not "giving 0.0.0.0".
        says=[r"\(address given: (10\.20\.5\.150|none, settings only)\)$"],
        says_vi=[r"\(địa chỉ cấp: (10\.20\.5\.150|không có, chỉ cấp cấu hình)\)$"],
        pos=[("offer and ack from a server outside dhcp_servers (one alert)",
              both(dhcp(ROGUE_DHCP, ROGUE_DHCP, "offer"),
                   dhcp(ROGUE_DHCP, ROGUE_DHCP, "ack"))),
             ("the same, their type and server in the file field "
              "(option overload, as clients read it)",
              both(dhcp(ROGUE_DHCP, ROGUE_DHCP, "offer", overload=True),
                   dhcp(ROGUE_DHCP, ROGUE_DHCP, "ack", overload=True))),
             ("a rogue server sending its own offer and ack with the "
              "approved server's identifier (before, none: option 54 alone "
              "was judged)",
              both(dhcp(ROGUE_DHCP, DHCP_OK, "offer"),
                   dhcp(ROGUE_DHCP, DHCP_OK, "ack"))),
             ("a rogue identifier sent from the approved server's address",
              both(dhcp(DHCP_OK, ROGUE_DHCP, "offer"),
                   dhcp(DHCP_OK, ROGUE_DHCP, "ack"))),
             ("a rogue server's ack to a DHCPINFORM (settings, no address)",
              dhcp(ROGUE_DHCP, ROGUE_DHCP, "ack", yiaddr="0.0.0.0")),
             ("a rogue offer and ack whose last option runs past the end "
              "(udhcpc takes the options before it; before, none)",
              both(dhcp(ROGUE_DHCP, ROGUE_DHCP, "offer", bad_tail=True),
                   dhcp(ROGUE_DHCP, ROGUE_DHCP, "ack", bad_tail=True)))],
        neg=[("offer and ack from the approved DHCP server",
              both(dhcp(DHCP_OK, DHCP_OK, "offer"),
                   dhcp(DHCP_OK, DHCP_OK, "ack"))),
             ("the same, their last option running past the end",
              both(dhcp(DHCP_OK, DHCP_OK, "offer", bad_tail=True),
                   dhcp(DHCP_OK, DHCP_OK, "ack", bad_tail=True))),
             ("the approved server's offer and ack through a relay agent "
              "(sent by the relay, giaddr set)",
              both(dhcp("10.20.5.1", DHCP_OK, "offer", giaddr="10.20.5.1"),
                   dhcp("10.20.5.1", DHCP_OK, "ack", giaddr="10.20.5.1"))),
             ("a client's request naming a rogue server",
              dhcp_request())]),

    # sensor.yaml ----------------------------------------------------
    1001102: dict(
        pos=[("SYN flood from 20000 sources, flow_memcap 1MB", syn_flood(20000))],
        neg=[("2000 SYNs, flow_memcap 1MB", syn_flood(2000))],
        conf={"flow_memcap": "1MB"}),
    1001103: dict(
        pos=[("SYN flood from 20000 sources, threshold_memcap 1MB",
              syn_flood(20000))],
        neg=[("300 SYNs, threshold_memcap 1MB", syn_flood(300))],
        conf={"threshold_memcap": "1MB"}),
    1001120: dict(
        pos=[("1000 fragment trains that never complete, defrag memcap 1MB",
              frag_flood(1000))],
        neg=[("100 fragment trains, defrag memcap 1MB", frag_flood(100))],
        conf={"memcap": "1MB"}),
    1001121: dict(
        pos=[("1000 connections holding out-of-order data, stream memcap 1MB",
              stream_flood(1000))],
        neg=[("100 connections holding out-of-order data", stream_flood(100))]),
    1001122: dict(
        pos=[("a POST in 16,000-byte segments (TSO/GRO) captured at a "
              "1,600-byte snap length", long_segments(1600))],
        neg=[("the same segments captured whole", long_segments(65535))]),
    1001123: dict(
        pos=[("200 connections each holding half a 2 KB ClientHello, "
              "flow_memcap 1MB (16 parser buffers)", half_hellos(200)),
             ("400 HTTP requests whose header never ends, flow_memcap 1MB",
              half_headers(400))],
        neg=[("16 such connections, as many as the buffers",
              half_hellos(16)),
             ("3 HTTP requests whose header never ends", half_headers(3))],
        conf={"flow_memcap": "1MB"}),

    # baseline.yaml --------------------------------------------------
    1001501: dict(
        pos=[("two weeks of office-hours pulls, then a 20x pull at 02:05",
              peer_night_pull(20 * NORMAL), T_MON_0000),
             ("two weeks of pulls, then 20x in a usual hour",
              peer_slot_pull(20 * NORMAL), T_MON_0000)],
        neg=[("two weeks of the same office-hours pulls", peer_routine(), T_MON_0000),
             ("an 8 MB pull at 02:05 (under the 10 MB floor)",
              peer_night_pull(8 << 20), T_MON_0000)],
        conf={"level": 3}),
    1001511: dict(
        pos=[("two weeks of pulls, then a 20x pull at 02:05",
              peer_night_pull(20 * NORMAL), T_MON_0000)],
        neg=[("two weeks of the same pulls", peer_routine(), T_MON_0000),
             ("a 1.5 MB pull at 02:05 (under the 2 MB floor)",
              peer_night_pull(1500 * 1000), T_MON_0000)],
        conf={"level": 4}),
    1001521: dict(
        pos=[("two weeks of pulls, then a 20x pull at 02:05",
              peer_night_pull(20 * NORMAL), T_MON_0000),
             ("two weeks of pulls, then 3x in a usual hour",
              peer_slot_pull(3 * NORMAL), T_MON_0000)],
        neg=[("two weeks of the same pulls", peer_routine(), T_MON_0000),
             ("1.5x in a usual hour (under twice the normal)",
              peer_slot_pull(3 * NORMAL // 2), T_MON_0000)]),
    1001502: dict(
        pos=[("two weeks of 3 connections a slot, then 250 at 02:05",
              peer_conns(250, NIGHT), T_MON_0000)],
        neg=[("two weeks, then 150 at 02:05 (under the floor of 200)",
              peer_conns(150, NIGHT), T_MON_0000)],
        conf={"level": 3}),
    1001512: dict(
        pos=[("two weeks of 3 connections a slot, then 60 at 02:05",
              peer_conns(60, NIGHT), T_MON_0000)],
        neg=[("two weeks, then 40 at 02:05 (under the floor of 50)",
              peer_conns(40, NIGHT), T_MON_0000)],
        conf={"level": 4}),
    1001522: dict(
        pos=[("two weeks of 3 connections a slot, then 12 in a usual hour",
              peer_conns(12, SLOT_W3), T_MON_0000)],
        neg=[("two weeks, then 6 in a usual hour (twice the normal, under the floor)",
              peer_conns(6, SLOT_W3), T_MON_0000)]),

    # c2.yaml --------------------------------------------------------
    1001601: dict(
        pos=[("a 60-second beacon to an outside address, 15 times, +-0.9 s",
              beaconing(CLIENT, EXT, 443, 15, 60, 0.9))],
        neg=[("NTP to the approved server every 64 s", ntp_every(20, 64)),
             ("the same beacon to an approved destination",
              beaconing(CLIENT, "192.0.2.10", 443, 15, 60, 0.9)),
             ("browsing an outside site at uneven times",
              irregular(CLIENT, EXT_WEB, 443,
                        [5, 70, 20, 200, 45, 13, 90, 30, 150, 60, 11, 300]))],
        conf={"level": 3}),
    1001611: dict(
        pos=[("a 30-second beacon, 8 times, +-2.7 s",
              beaconing(CLIENT, EXT, 8443, 8, 30, 2.7))],
        neg=[("NTP to the approved server every 64 s", ntp_every(20, 64)),
             ("browsing an outside site at uneven times",
              irregular(CLIENT, EXT_WEB, 443,
                        [5, 70, 20, 200, 45, 13, 90, 30, 150, 60, 11, 300]))]),

    # dns.yaml, tunnelling windows ----------------------------------
    1000604: dict(
        # Vietnamese writes the decimal comma, as for sizes and seconds.
        # ... and the message names the hosts of the last query.
        says=[r"mean entropy \d\.\d\d bits",
              r"last: \S+, between 10\.20\.[59]\.\d+ and 10\.20\.0\.53\)"],
        says_vi=[r"entropy trung bình \d,\d\d bit",
                 r"gần nhất: \S+, giữa 10\.20\.[59]\.\d+ và 10\.20\.0\.53\)"],
        pos=[("150 lookups of 40-character encoded names in 45 s",
              tunnel(150, 0.3)),
             ("150 distinct plain names, all NXDOMAIN, in 45 s",
              plain_names(150, 0.3, nx=True))],
        neg=[("office DNS: 300 lookups of everyday names in 60 s",
              office_dns(300, 0.2)),
             ("150 distinct plain names that resolve, in 45 s",
              plain_names(150, 0.3)),
             ("50 encoded lookups (under the volume)", tunnel(50, 0.3))],
        conf={"level": 3}),
    1000614: dict(
        pos=[("60 lookups of 30-character encoded names in 2 minutes",
              tunnel(60, 2.0, label=30))],
        neg=[("office DNS: 300 lookups of everyday names in 60 s",
              office_dns(300, 0.2)),
             ("60 distinct plain names that resolve, in 2 minutes",
              plain_names(60, 2.0))]),
}

# Incidents: what one piece of hostile activity raises in all, per level.
# The expected sids document how quiet the packs are (rules/README.md,
# "How the tiers stay quiet"): one alert per rule, never one per host,
# port or packet; at level 3 and above a large incident also crosses the
# tightened tier.
INCIDENTS = [
    ("nmap -sS of 1000 ports of the gateway",
     port_scan(EXT, GATEWAY, 1000, over=5),
     {1: [1000101], 3: [1000111], 5: [1000111]}),
    ("SYN sweep of port 445 across a /24, from inside",
     sweep(CLIENT, internal_hosts(200, "10.20.7.")[:200], 445, over=10),
     {1: [1000102], 3: [1000112], 5: [1000112]}),
    ("nmap -sS of 100 ports on 40 internal hosts",
     both(*[port_scan(EXT, h, 100, over=1) for h in internal_hosts(40, "10.20.7.")]),
     {1: [1000101, 1000102], 5: [1000111, 1000112]}),
    ("300 SSH password guesses from outside against a data server",
     conns(EXT, DB, 22, 300, 1, "ssh"),
     {1: [1000201, 1000302], 3: [1000211, 1000302],
      5: [1000211, 1000302]}),
    ("slow SSH guessing from inside: 30 tries in 25 minutes",
     conns(CLIENT, DB, 22, 30, 50, "ssh"),
     {1: [1000302], 3: [1000211, 1000302], 5: [1000211, 1000302]}),
    ("TLS 1.0 client against a data server that accepts TLS 1.0",
     both(*[tls(CLIENT, DB, maxv=0x0301)] * 5),
     {1: [], 3: [1000501], 4: [1000501, 1000504], 5: [1000501, 1000504]}),
]

UNTESTABLE = {
    1001101: "capture drops happen only on live interfaces (the kernel or "
             "libpcap drops packets); a capture file read with -r never "
             "drops, so no pcap can raise it",
    1001104: "needs an output that drops (a full remote spool, a local "
             "syslog queue with no listener): tests/e2e/syslog_spool_full.sh "
             "and tests/e2e/syslog_stall.sh raise it",
    1001105: "needs a JSON alert log that cannot be written: "
             "tests/e2e/faults_output.sh raises it",
    1001106: "needs a payload rule whose regex backtracks without end, "
             "which no shipped pack has: tests/e2e/regex_limit.sh raises it",
}


def build(sid, kind, index, path):
    case = CASES[sid][kind][index]
    cap = Capture(case[2] if len(case) > 2 else T_DEFAULT)
    case[1](cap)
    cap.write(path)
    return case[0]


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: cases.py SID pos|neg N OUT.pcap")
    print(build(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]))
