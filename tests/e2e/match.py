"""Captures for tests/e2e/match.sh: an HTTP POST carrying three valid
citizen-ID numbers whose segments come IN ORDER (or with one hole that
fills), cut so that the numbers cross segment boundaries. Each piece a
payload rule sees holds fewer than the rule's min_count (3) numbers, or
only part of one: the rule must count and match across the pieces.

  split2.pcap      two segments, the boundary inside the second number
  three.pcap       three segments, one number each, each cut in two
  onebyte.pcap     one byte a segment, in order
  held.pcap        the same cuts as split2 plus one, the middle segment
                   sent last: the first piece in order, the rest held and
                   then handed on (the boundary inside a number)
  benign-*.pcap    each of the above with 12-digit numbers that are not
                   citizen IDs (province 099)
  long-after.pcap  three 13-digit runs, each a valid number and one more
                   digit, cut 12|1: no number of exactly 12 digits
  long-before.pcap three 13-digit runs, one digit and then a valid
                   number, cut 1|12
  end-fin.pcap     the body ends with the third number, cut; the
                   client's FIN follows: the number is the stream's end
  end-open.pcap    the same without FIN: the flow ends with the capture

Usage: /usr/bin/python3 match.py OUTDIR
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
from rulelib import Capture, Tcp, CLIENT, EXT  # noqa: E402
from rulelib import LEAK, BENIGN, leak_post  # noqa: E402


def session(path, req, cuts, order=None, close=True):
    """A connection whose request goes out cut at the offsets cuts, its
    segments sent in order (or in the order given); then the answer and
    FIN both ways, when close."""
    cap = Capture(t0=1736215200.0)
    t = Tcp(cap, CLIENT, EXT, 43211, 80).handshake()
    isn = t.seq[0]
    edges = [0] + sorted(cuts) + [len(req)]
    segs = [(edges[i], req[edges[i]:edges[i + 1]])
            for i in range(len(edges) - 1)]
    for i in (order if order is not None else range(len(segs))):
        off, data = segs[i]
        t._pkt(0, "PA", data, seq=isn + off)
    t.seq[0] += len(req)
    if close:
        t._pkt(1, "A")
        t.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").close()
    cap.write(path)


def end_post(ids):
    """A POST whose body ends with the last number: no byte after it."""
    body = b"ho_so=" + b"&cccd=".join(ids)
    return (b"POST /nop-ho-so HTTP/1.1\r\nHost: dich-vu.example\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def at(req, ids, k, d):
    """The offset d digits into number k of the request."""
    return req.index(ids[k]) + d


def cases(d, tag, ids):
    req = leak_post(ids)
    session(os.path.join(d, tag + "split2.pcap"), req, [at(req, ids, 1, 5)])
    session(os.path.join(d, tag + "three.pcap"), req,
            [at(req, ids, 0, 6), at(req, ids, 1, 4), at(req, ids, 2, 9)])
    session(os.path.join(d, tag + "onebyte.pcap"), req,
            list(range(1, len(req))))
    session(os.path.join(d, tag + "held.pcap"), req,
            [at(req, ids, 1, 5), at(req, ids, 2, 3)], order=[0, 2, 1])


def main():
    d = sys.argv[1]
    cases(d, "", LEAK)
    cases(d, "benign-", BENIGN)
    after = [i + b"7" for i in LEAK]
    req = leak_post(after)
    session(os.path.join(d, "long-after.pcap"), req,
            [at(req, after, k, 12) for k in range(3)])
    before = [b"5" + i for i in LEAK]
    req = leak_post(before)
    session(os.path.join(d, "long-before.pcap"), req,
            [at(req, before, k, 1) for k in range(3)])
    req = end_post(LEAK)
    for name, close in (("end-fin", True), ("end-open", False)):
        session(os.path.join(d, name + ".pcap"), req,
                [at(req, LEAK, 1, 6), at(req, LEAK, 2, 4)], close=close)


main()
