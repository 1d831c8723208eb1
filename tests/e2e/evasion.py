"""The evasion suite (tests/e2e/evasion.sh): the same leak -- three valid
citizen-ID numbers in a cleartext HTTP POST -- split in every way an
attacker would use to hide it from a sensor, each as its own capture.

Every case is written four times: the leak and the benign twin (BENIGN,
12-digit numbers that are not citizen IDs), each to a data server (rule
1000801: a client posting to 10.20.1.20 / fd00:20:1::20) and from a data
server to the outside (rule 1000802: 10.20.1.20 posting to 203.0.113.9).
File names: CASE_DIR_KIND.pcap, DIR "in" (to a data server) or "out",
KIND "leak" or "benign".

  onebyte     one byte a segment, in order
  onebyte-last one byte a segment, the first byte sent last (all held)
  reversed    40-byte segments, last first
  overlap-gf  the body twice: garbage first, then the data
  overlap-dg  the body twice: the data first, then garbage
  insertion   the body in order as a decoy (digits turned to 9s, as a
              copy the host never takes: bad checksum, short TTL), then
              the real body resent over it
  insertion-acked the same, the decoy a byte short and acknowledged by
              an ACK forged from the server's side, the real body with
              its last byte new (else cut to that byte, uninspected)
  insertion-far-ack the insertion, an ACK forged from the server's side
              past the bytes the client sent between decoy and real body
              (it must not let the decoy go: still compared)
  insertion-blind-ack the same, the forged ACK of the decoy exactly but
              at a sequence number far from the server's
  resent      the body in order, then retransmitted unchanged (a lossy
              link, no evasion): still one alert
  frag4       the data segment as IPv4 fragments, shuffled
  frag6       the data segment as IPv6 fragments, last first
  keepalive   the leak in the second request of a keep-alive connection
  pipelined   the same, both requests in one segment (pipelined)
  deep        the numbers after 20 KB of other body
  rst-syn     a reset far outside the window, then a SYN elsewhere, as
              if to end the connection and start over (the host ignores
              the reset and answers the SYN with a challenge ACK)
  rst-syn-badsum a reset at the next sequence number and a SYN
              elsewhere, both with bad TCP checksums (the host drops
              them), then the request one byte a segment
  badsum      a decoy body in order with a wrong TCP checksum (the host
              drops it), then the real body: the decoy never reaches
              the stream, no overlap (stream.checksum_validation: auto
              drops it: the handshake's sums from that side were right)
  badsum-gzip the same, the body gzip-encoded (before checksums were
              checked the parser read the decoy, and the real copy,
              compressed, went to the payload rules alone: no alert)
  badsum-reuse badsum-gzip on a connection that reuses the ports of one
              just reset (the new flow starts at the SYN-ACK: it must
              know that the SYN's sums were right)
  badipsum-gzip the same, the decoy's IPv4 header checksum wrong
  rst-inexact the first number cut by a reset in the window but not at
              the next sequence number (an RFC 5961 host answers a
              challenge ACK and the connection lives on), then, 12 s
              later (past the closed-flow timeout), the rest
  fin-ahead   the first number cut by a FIN forged 1,000 bytes ahead of
              the stream (the host holds it as out of order and takes
              the bytes that follow), then the rest
  tfo         TCP Fast Open: the request on the SYN (RFC 7413)
  synack-lost the SYN-ACK lost to capture, a first request answered,
              then a SYN injected elsewhere before the leak (the flow
              must be established for the SYN to be ignored)
  syn-inject  a SYN elsewhere in the sequence space before the request,
              as if to start over (the host answers a challenge ACK)
  chunked     chunked transfer coding, a chunk boundary inside each number
  big-header  the same behind a 5,000-byte header line, in 1,400-byte
              segments (past the 4 KiB first-bytes buffer; servers take
              8-16 KiB)
  lead-crlf   the same after an empty line before the request line (RFC
              9112 2.2: servers ignore it)
  chunk-zeros chunked, the first chunk size with 1,100 leading zeros
              (Node, nginx and Apache decode it)
  chunk-longext chunked, the first chunk with a 1,100-byte extension
  trailer     chunked, the numbers in trailer fields (Node hands them
              to the application)
  gzip-gzip   Content-Encoding: gzip, gzip (compressed twice; curl
              --compressed decodes it)
  gzip-2hdrs  two Content-Encoding: gzip header lines (compressed twice)
  gzip-identity Content-Encoding: gzip, identity
  gzip        Content-Encoding: gzip
  deflate     Content-Encoding: deflate (zlib)

And a TLS ClientHello (SNI) cut the ways that apply to it, for the
referee: sni_CUT.pcap, CUT onebyte, reversed, frag4, frag6.

The captures reuse stream.py's and defrag.py's cuts. `evasion.py table
DIR` reads the daemon's outputs (DIR/NAME.alerts, .events) and prints one
line per case; `evasion.py referee DIR` has tshark reassemble each leak
and SNI capture and compares its HTTP hosts, URIs and TLS SNI with the
daemon's events (corpus_compare.py's tshark, same preferences). Their exit
status is 1 if any case failed.

Usage: /usr/bin/python3 evasion.py OUTDIR
       /usr/bin/python3 evasion.py table|referee OUTDIR
"""
import gzip
import json
import os
import sys
import zlib

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "rules"))
sys.path.insert(0, here)
import corpus_compare  # noqa: E402
import defrag  # noqa: E402
import stream  # noqa: E402
from rulelib import Capture, Tcp, CLIENT, DB, EXT  # noqa: E402
from rulelib import client_hello, server_hello  # noqa: E402
from scapy.all import IP, TCP  # noqa: E402
from rulelib import LEAK, BENIGN, leak_post  # noqa: E402

DB6 = "fd00:20:1::20"           # data_servers (tests/rules/canhgac-test.yaml)
# DIR: (client, server) over IPv4 and over IPv6, and the rule that fires.
DIRS = {
    "in": ((CLIENT, DB), (defrag.CLIENT6, DB6), 1000801),
    "out": ((DB, EXT), (DB6, defrag.EXT6), 1000802),
}
HEAD = (b"POST /nop-ho-so HTTP/1.1\r\nHost: dich-vu.example\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n")


def form(ids):
    """leak_post's body."""
    req = leak_post(ids)
    return req[req.index(b"\r\n\r\n") + 4:]


def chunked_post(ids):
    """Chunked: each chunk ends seven digits into a number, so the raw
    bytes hold no 12-digit run; only the decoded body does."""
    body, cuts, pos = form(ids), [], 0
    for i in ids:
        k = body.index(i, pos) + 7
        cuts.append(body[pos:k])
        pos = k
    cuts.append(body[pos:])
    return HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(
        b"%x\r\n%s\r\n" % (len(c), c) for c in cuts) + b"0\r\n\r\n"


def chunked_framed(size0=b"%x", ext0=b"", body=form):
    """Chunked as chunked_post, the first chunk-size line written as
    size0 % its length followed by ext0 (leading zeros, an extension)."""
    def make(ids):
        b, cuts, pos = body(ids), [], 0
        for i in ids:
            k = b.index(i, pos) + 7
            cuts.append(b[pos:k])
            pos = k
        cuts.append(b[pos:])
        return HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(
            (size0 % len(c) + ext0 if j == 0 else b"%x" % len(c)) +
            b"\r\n" + c + b"\r\n" for j, c in enumerate(cuts)) + \
            b"0\r\n\r\n"
    return make


def trailer_post(ids):
    """Chunked, the body plain; the numbers in trailer fields, which
    Node's http server hands to the application (req.trailers)."""
    body = b"ho_so=ok&ghi_chu=" + b"x" * 50
    return HEAD + b"Transfer-Encoding: chunked\r\n" \
        b"Trailer: X-Cccd-0, X-Cccd-1, X-Cccd-2\r\n\r\n" + \
        b"%x\r\n%s\r\n0\r\n" % (len(body), body) + b"".join(
            b"X-Cccd-%d: %s\r\n" % (k, i) for k, i in enumerate(ids)) + \
        b"\r\n"


def gzip2(b):
    return gzip.compress(gzip.compress(b, mtime=0), mtime=0)


def encoded_post(coding, pack):
    def make(ids):
        body = pack(form(ids))
        ce = b"".join(b"Content-Encoding: %s\r\n" % c     # "a|b": 2 lines
                      for c in coding.split(b"|"))
        return HEAD + ce + b"Content-Length: %d\r\n\r\n" % len(body) + body
    return make


def onebyte(req):
    return [(o, req[o:o + 1]) for o in range(len(req))]


def whole(req):
    """The request as one segment, in order."""
    return [(0, req)]


def segments(size):
    """The request in segments of size bytes, in order."""
    return lambda req: [(o, req[o:o + size]) for o in range(0, len(req), size)]


def padded(make, pad):
    """make's request with a long header line before its others."""
    def post(ids):
        req = make(ids)
        k = req.index(b"\r\n") + 2
        return req[:k] + b"X-Pad: " + b"p" * pad + b"\r\n" + req[k:]
    return post


def after_crlf(make):
    """make's request after an empty line."""
    return lambda ids: b"\r\n" + make(ids)


FIRST = (b"GET /trang-chu HTTP/1.1\r\nHost: dich-vu.example\r\n"
         b"Connection: keep-alive\r\n\r\n")
OK5 = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nchao!"
OK2 = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def keepalive(path, ids, client, server):
    """A first request and its response, then the leak on the same
    connection."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, 80).handshake()
    t.send(0, FIRST).send(1, OK5).send(0, leak_post(ids)).send(1, OK2)
    t.close()
    cap.write(path)


def pipelined(path, ids, client, server):
    """Both requests in one segment, then both responses in one."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, 80).handshake()
    t.send(0, FIRST + leak_post(ids)).send(1, OK5 + OK2).close()
    cap.write(path)


def tfo(path, ids, client, server):
    """The request rides on the client's SYN (RFC 7413), as a server
    with Fast Open on takes it; the SYN-ACK acknowledges it."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, 80)
    req = leak_post(ids)
    t._pkt(0, "S", req)
    t.seq[0] += 1 + len(req)
    t._pkt(1, "SA")
    t.seq[1] += 1
    t._pkt(0, "A")
    t.send(1, OK2).close()
    cap.write(path)


def syn_inject(path, ids, client, server):
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, 80).handshake()
    t._pkt(0, "S", seq=t.seq[0] + 7000000)
    t._pkt(1, "A")                      # the challenge ACK
    t.send(0, leak_post(ids)).send(1, OK2).close()
    cap.write(path)


def nines(data):
    """A decoy of data: its digits turned to 9s (never a citizen ID)."""
    return bytes(0x39 if c in b"0123456789" else c for c in data)


def decoy_body(req):
    """Where req's body starts, and a decoy of it: digits turned to 9s."""
    h = req.index(b"\r\n\r\n") + 4
    return h, nines(req[h:])


def insertion(req):
    """Header, then a decoy body in order, then the real body over it."""
    h, decoy = decoy_body(req)
    return [(0, req[:h]), (h, decoy), (h, req[h:])]


def insertion_badsum(make, where, reuse=False):
    """The header, a decoy body with a wrong TCP (where "tcp") or IPv4
    header ("ip") checksum, and the real body. The handshake's sums were
    right: that direction is no offloading host's. reuse: first a
    connection on the same ports, reset; then this one's SYN and SYN-ACK
    (the SYN-ACK starts its flow), and as the client's first segment after
    them the whole request with the decoy body, the real one over it: the
    flow must know that the SYN's sums were right."""
    def write(path, ids, client, server):
        req = make(ids)
        h, decoy = decoy_body(req)
        cap = Capture(t0=1736215200.0)
        if reuse:
            old = Tcp(cap, client, server, 43210, 80).handshake()
            old._pkt(0, "R")
            h, decoy = 0, req[:h] + decoy
        t = Tcp(cap, client, server, 43210, 80, isn=(900000, 700000))
        if reuse:
            t._pkt(0, "S")
            t.seq[0] += 1
            t._pkt(1, "SA")
            t.seq[1] += 1
        else:
            t.handshake()
        isn = t.seq[0]
        if h:
            t._pkt(0, "PA", req[:h])
        bad = t._pkt(0, "PA", decoy, seq=isn + h)
        if where == "tcp":
            bad[TCP].chksum = 0xdead
        else:
            bad[IP].chksum = 0xbeef
        t._pkt(0, "PA", req[h:], seq=isn + h)
        t.seq[0] = isn + len(req)
        t._pkt(1, "A")
        t.send(1, OK2).close()
        cap.write(path)
    return write


def insertion_acked(path, ids, client, server):
    """Header and decoy body a byte short, a forged ACK of them from the
    server's side, then the real body over them and one byte on."""
    req = leak_post(ids)
    h = req.index(b"\r\n\r\n") + 4
    decoy = nines(req[h:-1])
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, 80).handshake()
    isn = t.seq[0]
    t._pkt(0, "PA", req[:h] + decoy)
    t.seq[0] = isn + len(req) - 1
    t._pkt(1, "A")                      # forged
    t._pkt(0, "PA", req[h:], seq=isn + h)
    t.seq[0] = isn + len(req)
    t.send(1, OK2).close()
    cap.write(path)


def insertion_forged_ack(far):
    """The insertion with an ACK forged from the server's side between
    the decoy and the real body: past the bytes the client sent (far), or
    of the decoy exactly at a sequence number 50 MB from the server's."""
    def write(path, ids, client, server):
        req = leak_post(ids)
        h, decoy = decoy_body(req)
        cap = Capture(t0=1736215200.0)
        t = Tcp(cap, client, server, 43210, 80).handshake()
        isn = t.seq[0]
        t._pkt(0, "PA", req[:h] + decoy)
        t.seq[0] = isn + len(req) + (1000000 if far else 0)
        t._pkt(1, "A", seq=None if far else t.seq[1] + 50000000)
        t.seq[0] = isn + len(req)
        t._pkt(0, "PA", req[h:], seq=isn + h)
        t.send(1, OK2).close()
        cap.write(path)
    return write


def synack_lost(path, ids, client, server):
    """The SYN-ACK not captured; a first request and its answer, then a
    SYN injected elsewhere (the host answers a challenge ACK), then the
    leak on the same connection."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, 80)
    t._pkt(0, "S")
    t.seq[0] += 1
    t.seq[1] += 1
    t._pkt(0, "A")
    t.send(0, FIRST).send(1, OK5)
    t._pkt(0, "S", seq=t.seq[0] + 7000000)
    t._pkt(1, "A")                      # the challenge ACK
    t.send(0, leak_post(ids)).send(1, OK2).close()
    cap.write(path)


def resent(req):
    """Header, then the body, then the body again: a true retransmission."""
    h = req.index(b"\r\n\r\n") + 4
    return [(0, req[:h]), (h, req[h:]), (h, req[h:])]


def rst_syn(path, ids, client, server):
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, 80).handshake()
    t._pkt(0, "R", seq=t.seq[0] + 50000000)
    t._pkt(0, "S", seq=t.seq[0] + 7000000)
    t._pkt(1, "A")                      # the challenge ACK
    t.send(0, leak_post(ids)).send(1, OK2).close()
    cap.write(path)


def rst_syn_badsum(path, ids, client, server):
    """A reset at the next sequence number and a SYN elsewhere, both
    with bad TCP checksums (the host drops them), then the request one
    byte a segment: only the reassembled stream holds a whole number."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43212, 80).handshake()
    t._pkt(0, "R")[TCP].chksum = 0xdead
    t._pkt(0, "S", seq=t.seq[0] + 7000000)[TCP].chksum = 0xbeef
    for b in leak_post(ids):
        t.send(0, bytes([b]))
    t.send(1, OK2).close()
    cap.write(path)


def rst_inexact(path, ids, client, server):
    req = leak_post(ids)
    k = req.index(ids[0]) + 6           # inside the first number
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43210, 80).handshake()
    t.send(0, req[:k])
    t._pkt(0, "R", seq=t.seq[0] + 1000)
    t._pkt(1, "A")                      # the challenge ACK
    cap.t += 12
    t.send(0, req[k:]).send(1, OK2).close()
    cap.write(path)


def fin_ahead(path, ids, client, server):
    req = leak_post(ids)
    k = req.index(ids[0]) + 6           # inside the first number
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, 43211, 80).handshake()
    t.send(0, req[:k])
    t._pkt(0, "FA", seq=t.seq[0] + 1000)
    t._pkt(1, "A")                      # a duplicate ACK for the hole
    t.send(0, req[k:]).send(1, OK2).close()
    cap.write(path)


def tcp(cut, make=leak_post):
    return lambda path, ids, c, s: stream.session(path, ids, cut, client=c,
                                                  server=s, make=make)


def frag(cut):
    return lambda path, ids, c, s: defrag.session(path, c, s, ids, cut)


# CASE: (writer(path, ids, client, server), IPv6?, what it tries)
CASES = {
    "onebyte": (tcp(onebyte), False, "one byte a segment, in order"),
    "onebyte-last": (tcp(stream.onebyte), False,
                     "one byte a segment, first byte last"),
    "reversed": (tcp(stream.reversed_), False, "segments reversed"),
    "overlap-gf": (tcp(stream.overlap(True)), False,
                   "overlap: garbage, then data"),
    "overlap-dg": (tcp(stream.overlap(False)), False,
                   "overlap: data, then garbage"),
    "insertion": (tcp(insertion), False,
                  "in order: decoy body, then the real one resent"),
    "insertion-acked": (insertion_acked, False,
                        "the decoy acknowledged by a forged ACK"),
    "insertion-far-ack": (insertion_forged_ack(True), False,
                          "the decoy, a forged ACK past it, the body"),
    "insertion-blind-ack": (insertion_forged_ack(False), False,
                            "the decoy, a forged ACK off-stream, the body"),
    "badsum": (insertion_badsum(leak_post, "tcp"), False,
               "decoy with a wrong TCP checksum first"),
    "badsum-gzip": (insertion_badsum(encoded_post(
        b"gzip", lambda b: gzip.compress(b, mtime=0)), "tcp"), False,
        "the same, the body gzip-encoded"),
    "badsum-reuse": (insertion_badsum(encoded_post(
        b"gzip", lambda b: gzip.compress(b, mtime=0)), "tcp", True), False,
        "the same on a connection reusing reset ports"),
    "badipsum-gzip": (insertion_badsum(encoded_post(
        b"gzip", lambda b: gzip.compress(b, mtime=0)), "ip"), False,
        "decoy with a wrong IPv4 header checksum"),
    "resent": (tcp(resent), False,
               "the body, then the same body retransmitted"),
    "frag4": (frag(defrag.cut_v4), False, "IPv4 fragments, shuffled"),
    "frag6": (frag(defrag.cut_v6), True, "IPv6 fragments, last first"),
    "keepalive": (keepalive, False, "second request of a keep-alive"),
    "pipelined": (pipelined, False, "second request, pipelined"),
    "deep": (tcp(stream.deep, stream.deep_post), False,
             "after 20 KB of other body"),
    "rst-inexact": (rst_inexact, False,
                    "a number cut by an in-window, inexact RST"),
    "fin-ahead": (fin_ahead, False,
                  "a number cut by a FIN forged ahead of the stream"),
    "tfo": (tfo, False, "TCP Fast Open: the request on the SYN"),
    "syn-inject": (syn_inject, False, "a SYN injected before the request"),
    "synack-lost": (synack_lost, False,
                    "SYN-ACK not captured, then a SYN injected"),
    "rst-syn": (rst_syn, False, "a blind RST, then a SYN, before it"),
    "rst-syn-badsum": (rst_syn_badsum, False,
                       "an exact RST and a SYN with bad checksums"),
    "chunked": (tcp(whole, chunked_post), False,
                "chunked, boundary inside each number"),
    "big-header": (tcp(segments(1400), padded(chunked_post, 5000)), False,
                   "chunked, behind a 5,000-byte header line"),
    "lead-crlf": (tcp(whole, after_crlf(chunked_post)), False,
                  "chunked, after an empty line"),
    "chunk-zeros": (tcp(whole, chunked_framed(b"0" * 1100 + b"%x")), False,
                    "chunked, a size with 1,100 leading zeros"),
    "chunk-longext": (tcp(whole, chunked_framed(ext0=b";e=" + b"a" * 1100)),
                      False, "chunked, a 1,100-byte chunk extension"),
    "trailer": (tcp(whole, trailer_post), False,
                "chunked, the numbers in trailer fields"),
    "gzip-gzip": (tcp(whole, encoded_post(b"gzip, gzip", gzip2)), False,
                  "Content-Encoding: gzip, gzip"),
    "gzip-2hdrs": (tcp(whole, encoded_post(b"gzip|gzip", gzip2)), False,
                   "two Content-Encoding: gzip headers"),
    "gzip-identity": (tcp(whole, encoded_post(
        b"gzip, identity", lambda b: gzip.compress(b, mtime=0))), False,
        "Content-Encoding: gzip, identity"),
    "gzip": (tcp(whole, encoded_post(b"gzip",
                                     lambda b: gzip.compress(b, mtime=0))),
             False, "Content-Encoding: gzip"),
    "deflate": (tcp(whole, encoded_post(b"deflate", zlib.compress)), False,
                "Content-Encoding: deflate"),
}
# Cases tshark cannot referee, and why (printed with the referee's list).
NO_REFEREE = {
    "rst-syn": "tshark, not a host, takes the reset and the SYN for a new "
               "connection and loses the request the host received",
    "syn-inject": "tshark, not a host, takes the injected SYN for a new "
                  "connection and loses the request the host received",
    "synack-lost": "as syn-inject",
    "rst-syn-badsum": "tshark does not check TCP checksums either",
    "badsum": "tshark does not check TCP checksums: it reads the decoy",
    "badsum-gzip": "as badsum",
    "badsum-reuse": "as badsum",
    "badipsum-gzip": "tshark does not check IPv4 header checksums either",
}
# Cases where an anomaly alert (rule 1001021, tcp_overlap) is expected too.
OVERLAP = {"overlap-gf", "overlap-dg", "insertion", "insertion-far-ack",
           "insertion-blind-ack"}


SNI = "cong-dich-vu.example"
# CUT: writer(path) of a TLS session whose ClientHello is cut that way.
SNI_CUTS = {
    "onebyte": lambda p: stream.session(
        p, None, onebyte, make=lambda _: client_hello(SNI), dport=443,
        reply=server_hello()),
    "reversed": lambda p: stream.session(
        p, None, stream.reversed_, make=lambda _: client_hello(SNI),
        dport=443, reply=server_hello()),
    "frag4": lambda p: defrag.session(
        p, CLIENT, EXT, None, defrag.cut_v4,
        make=lambda _: client_hello(SNI), dport=443, reply=server_hello()),
    "frag6": lambda p: defrag.session(
        p, defrag.CLIENT6, defrag.EXT6, None, defrag.cut_v6,
        make=lambda _: client_hello(SNI), dport=443, reply=server_hello()),
}


def names():
    for case in CASES:
        for d in DIRS:
            for kind in ("leak", "benign"):
                yield case, d, kind, "%s_%s_%s" % (case, d, kind)


def write(outdir):
    for case, d, kind, name in names():
        writer, v6, _ = CASES[case]
        client, server = DIRS[d][1 if v6 else 0]
        writer(os.path.join(outdir, name + ".pcap"),
               LEAK if kind == "leak" else BENIGN, client, server)
    for cut, writer in SNI_CUTS.items():
        writer(os.path.join(outdir, "sni_%s.pcap" % cut))


def referee(outdir, tshark="tshark"):
    """tshark's reassembled view against ours, per capture; returns the
    number of captures that differ or where tshark saw nothing."""
    fields = ("http_host", "http_uri", "tls_sni")
    caps = [(name, ("http_host", "http_uri"))
            for case, _, kind, name in names()
            if kind == "leak" and case not in NO_REFEREE]
    caps += [("sni_" + cut, ("tls_sni",)) for cut in SNI_CUTS]
    bad = 0
    for name, need in caps:
        proc = corpus_compare.tshark_rows(
            tshark, os.path.join(outdir, name + ".pcap"),
            "http.request || tls.handshake.type == 1",
            ["http.host", "http.request.uri",
             "tls.handshake.extensions_server_name"])
        rows, err = corpus_compare.collect_rows(proc)
        ours, _, err2 = corpus_compare.our_sets(
            os.path.join(outdir, name + ".events"))
        why = [e for e in (err2,) if e] if rows is not None else [err]
        theirs = {f: set() for f in fields}
        for r in rows or ():
            theirs["http_host"].update(corpus_compare.strip_port(h)
                                       for h in r.get("http.host", []))
            theirs["http_uri"].update(r.get("http.request.uri", []))
            theirs["tls_sni"].update(
                r.get("tls.handshake.extensions_server_name", []))
        for f in fields:
            if ours and theirs[f] != ours[f]:
                why.append("%s: tshark %s, ours %s" % (
                    f, sorted(theirs[f]), sorted(ours[f])))
        why += ["tshark sees no %s" % f for f in need if not theirs[f]]
        print("%-26s %s %s" % (name, "ok  " if not why else "FAIL",
                               "; ".join(why) or " ".join(
                                   "%s=%s" % (f, ",".join(sorted(theirs[f])))
                                   for f in need)))
        bad += bool(why)
    for case, why in NO_REFEREE.items():
        print("%-26s not compared: %s" % (case, why))
    return bad


def lines(path):
    try:
        with open(path) as fp:
            return [json.loads(x) for x in fp if x.strip()]
    except FileNotFoundError:
        return []


def table(outdir):
    """One line per case and direction; returns the number of failures."""
    bad = 0
    clear = [i.decode() for i in LEAK]
    print("%-12s %-3s %-38s %4s %6s %4s %6s %7s  %s" % (
        "case", "dir", "evasion", "leak", "masked", "http", "benign",
        "overlap", "verdict"))
    for case in CASES:
        for d in DIRS:
            sid = DIRS[d][2]
            why = []
            got = {}
            for kind in ("leak", "benign"):
                name = "%s_%s_%s" % (case, d, kind)
                alerts = lines(os.path.join(outdir, name + ".alerts"))
                leaks = [a for a in alerts
                         if a["alert"]["category"] == "data-leak"]
                got[kind] = (len(leaks),
                             sum(1 for a in leaks
                                 if a["alert"]["signature_id"] == sid),
                             sum(1 for a in alerts
                                 if a["alert"]["signature_id"] == 1001021))
                text = ""
                for ext in (".alerts", ".events"):
                    try:
                        with open(os.path.join(outdir, name + ext)) as fp:
                            text += fp.read()
                    except FileNotFoundError:
                        why.append("no %s%s" % (name, ext))
                if kind == "leak":
                    masked = not any(c in text for c in clear)
                    if not masked:
                        why.append("a number in clear")
                    # The HTTP parser saw the leaking request too.
                    post = any(e.get("event_type") == "http" and
                               e["http"].get("url") == "/nop-ho-so"
                               for e in lines(os.path.join(outdir,
                                                           name + ".events")))
                    if not post:
                        why.append("no HTTP event for POST /nop-ho-so")
            n, n_sid, anom = got["leak"]
            if (n, n_sid) != (1, 1):
                why.append("%d data-leak alerts (%d of rule %d), want 1"
                           % (n, n_sid, sid))
            if got["benign"][0]:
                why.append("benign: %d data-leak alerts" % got["benign"][0])
            want_anom = 1 if case in OVERLAP else 0
            for kind in ("leak", "benign"):
                if got[kind][2] != want_anom:
                    why.append("%s: %d tcp_overlap alerts, want %d"
                               % (kind, got[kind][2], want_anom))
            print("%-12s %-3s %-38s %4d %6s %4s %6d %3d/%-3d  %s" % (
                case, d, CASES[case][2], n, "yes" if masked else "NO",
                "yes" if post else "NO", got["benign"][0], anom,
                got["benign"][2],
                "ok" if not why else "FAIL: " + "; ".join(why)))
            bad += bool(why)
    print("evasion: %d of %d cases and directions pass"
          % (len(CASES) * len(DIRS) - bad, len(CASES) * len(DIRS)))
    return bad


def cli(funcs, count):
    """A capture suite's command line: `count` (the captures write()
    makes), `table|referee DIR` (exit 1 on a failure), or `OUTDIR`."""
    if sys.argv[1] == "count":
        print(count)
        return
    if sys.argv[1] in ("table", "referee"):
        sys.exit(1 if funcs[sys.argv[1]](sys.argv[2]) else 0)
    funcs["write"](sys.argv[1])


def main():
    cli(globals(), len(CASES) * len(DIRS) * 2 + len(SNI_CUTS))


if __name__ == "__main__":
    main()
