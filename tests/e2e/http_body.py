"""Captures for tests/e2e/http_body.sh: citizen-ID numbers hidden in HTTP
the ways an application may legitimately send them, which a sensor that
reads packets rather than HTTP does not see. One connection a capture,
client CLIENT (internal) to EXT (outside) port 80, 1,400-byte segments;
NAME-benign.pcap is the same with 12-digit numbers that are not citizen
IDs (rulelib.BENIGN).

  keepalive  POST /a (20 KB each way), GET /b (a 304), then the POST
             with the numbers past 20 KB of the client's stream: three
             transactions on one connection
  pipelined  the three requests in one segment, then the three responses
  deep       a chunked POST: 20 KB of other body in 1,000-byte chunks,
             then the numbers
  chunked    a chunked POST in one segment, a chunk boundary inside
             each number ("0010900" CRLF "5" CRLF "12345")
  gzip       a gzip-encoded POST in one segment
  gzip3      the same body compressed, in three segments, the numbers'
             compressed bytes all in the last
  deflate    zlib-wrapped deflate ("Content-Encoding: deflate")
  rawdeflate raw deflate, as some servers send for "deflate"
  response   the population database gateway (a data server) answers an
             internal client with a chunked, gzip-encoded body carrying
             the numbers (rule 1000801)
  chunkseg   as chunked, each chunk a segment: the numbers cut by
             segment boundaries too (needs matching across pieces)
  gzipsmall  a gzip POST in 16-byte segments: the inflated numbers cut
             anywhere (needs matching across pieces)
  bomb       a gzip POST that inflates to 64 MiB of zeros, the numbers
             after them (bounded: nothing alerts, counted)
  (no benign twin for bomb)

Usage: /usr/bin/python3 http_body.py OUTDIR
"""
import os
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
from rulelib import Capture, Tcp, CLIENT, EXT, GATEWAY, LEAK, BENIGN  # noqa

UA = b"Mozilla/5.0 (canhgac test)"


def form(ids):
    return b"ho_so=" + b"&cccd=".join(ids) + b"&ghi_chu=" + b"x" * 200


def head(method, uri, extra=b"", host=b"dich-vu.example"):
    return (b"%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n%s\r\n"
            % (method, uri, host, UA, extra))


def post(body, extra=b""):
    return head(b"POST", b"/nop-ho-so", extra +
                b"Content-Length: %d\r\n" % len(body)) + body


def chunked(parts):
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + \
        b"0\r\n\r\n"


def ok(body=b"ok", status=b"200 OK", extra=b""):
    return (b"HTTP/1.1 %s\r\n%sContent-Length: %d\r\n\r\n"
            % (status, extra, len(body))) + body


def segs(t, d, data, size=1400):
    for o in range(0, len(data), size):
        t.send(d, data[o:o + size])


def conn(path, exchanges, client=CLIENT, server=EXT, sport=43300):
    """exchanges: (direction, bytes, segment size) in order."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, client, server, sport, 80).handshake()
    for d, data, size in exchanges:
        segs(t, d, data, size)
    t.close()
    cap.write(path)


def keepalive(ids):
    """The POST starts past 20 KB of the client's stream."""
    return [(0, head(b"POST", b"/a", b"Content-Length: 20488\r\n") +
             b"ghi_chu=" + b"x" * 20480, 1400),
            (1, ok(b"y" * 20480), 1400),
            (0, head(b"GET", b"/b", b"If-None-Match: \"1\"\r\n"), 1400),
            (1, b"HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n\r\n", 1400),
            (0, post(form(ids)), 1400),
            (1, ok(b"da nhan", b"201 Created"), 1400)]


def pipelined(ids):
    return [(0, head(b"GET", b"/a") + head(b"GET", b"/b") +
             post(form(ids)), 4000),
            (1, ok(b"y" * 300) + ok(b"z" * 10, b"404 Not Found") +
             ok(b"da nhan", b"201 Created"), 4000)]


def te_post(body, extra=b""):
    return head(b"POST", b"/nop-ho-so", extra +
                b"Transfer-Encoding: chunked\r\n") + body


def deep(ids):
    other = b"ghi_chu=" + b"x" * 20480
    parts = [other[o:o + 1000] for o in range(0, len(other), 1000)]
    body = chunked(parts + [b"&cccd=" + b"&cccd=".join(ids)])
    return [(0, te_post(body), 1400), (1, ok(), 1400)]


def chunked_split(ids):
    b = form(ids)
    cuts, last = [], 0
    for i in ids:       # each number cut after its seventh digit
        k = b.index(i) + 7
        cuts.append(b[last:k])
        last = k
    cuts.append(b[last:])
    return [(0, te_post(chunked(cuts)), 4000), (1, ok(), 1400)]


def chunked_segments(ids):
    """As chunked, each chunk (and its framing) a segment of its own:
    every number is cut by a segment boundary too."""
    _, req, _ = chunked_split(ids)[0]
    h = req.index(b"\r\n\r\n") + 4
    body, cuts, o = req[h:], [], 0
    while o < len(body):
        k = body.index(b"\r\n", body.index(b"\r\n", o) + 2) + 2
        cuts.append(body[o:k])
        o = k
    return [(0, req[:h], 4000)] + [(0, c, 4000) for c in cuts] + \
        [(1, ok(), 1400)]


def gz(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def zl(data, wbits):
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return c.compress(data) + c.flush()


def gzip_one(ids):
    return [(0, post(gz(form(ids)), b"Content-Encoding: gzip\r\n"), 4000),
            (1, ok(), 1400)]


def gzip3(ids):
    """Three segments; the first two inflate to bytes before the numbers."""
    body = b"ghi_chu=" + bytes(
        (i * 7919) % 251 for i in range(3000)) + b"&" + form(ids)
    z = gz(body)
    first = body.index(ids[0])
    k = len(z) - 1
    while len(zlib.decompressobj(31).decompress(z[:k])) >= first:
        k -= 1
    req = post(z, b"Content-Encoding: gzip\r\n")
    h = len(req) - len(z)
    one = (h + k) // 2
    return [(0, req[:one], 4000), (0, req[one:h + k], 4000),
            (0, req[h + k:], 4000), (1, ok(), 1400)]


def gzip_small(ids):
    """gzip in 16-byte segments: the inflated numbers cut anywhere."""
    req = post(gz(form(ids)), b"Content-Encoding: gzip\r\n")
    h = req.index(b"\r\n\r\n") + 4
    return [(0, req[:h], 4000), (0, req[h:], 16), (1, ok(), 1400)]


def deflate(ids):
    return [(0, post(zl(form(ids), 15), b"Content-Encoding: deflate\r\n"),
             4000), (1, ok(), 1400)]


def rawdeflate(ids):
    return [(0, post(zl(form(ids), -15), b"Content-Encoding: deflate\r\n"),
             4000), (1, ok(), 1400)]


def response(ids):
    body = b'{"ho_so": [' + b",".join(b'{"cccd": "%s"}' % i for i in ids) \
        + b"]}"
    z = gz(body)
    mid = len(z) // 2
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunked([z[:mid], z[mid:]]))
    return [(0, head(b"GET", b"/ho-so?id=7", host=b"gateway.internal"),
             1400), (1, resp, 4000)]


def bomb(ids):
    body = b"\0" * (64 << 20) + b"&cccd=" + b"&cccd=".join(ids)
    return [(0, post(gz(body), b"Content-Encoding: gzip\r\n"), 1400),
            (1, ok(), 1400)]


CASES = {
    "keepalive": keepalive, "pipelined": pipelined, "deep": deep,
    "chunked": chunked_split, "gzip": gzip_one, "gzip3": gzip3,
    "deflate": deflate, "rawdeflate": rawdeflate, "response": response,
    "chunkseg": chunked_segments, "gzipsmall": gzip_small,
}


def main(out):
    for name, make in CASES.items():
        kw = {"client": CLIENT, "server": EXT}
        if name == "response":
            kw = {"client": CLIENT, "server": GATEWAY}
        conn(os.path.join(out, name + ".pcap"), make(LEAK), **kw)
        conn(os.path.join(out, name + "-benign.pcap"), make(BENIGN), **kw)
    conn(os.path.join(out, "bomb.pcap"), bomb(LEAK))


if __name__ == "__main__":
    main(sys.argv[1])
