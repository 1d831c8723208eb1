"""DNS over TCP, every message of a connection (RFC 7766): a second
query after the first was answered, two queries and two answers in one
segment each, a query longer than the sensor's 4 KiB buffer followed by
another in its last segment, a length prefix cut between segments, and a
zero length cut between segments."""
import struct
import sys
sys.path.insert(0, sys.path[0] + "/..")
from caselib import Capture, Tcp, dns_query

C, R = "10.20.2.8", "10.20.0.53"


def framed(m):
    return struct.pack("!H", len(m)) + m


def answer(q):
    a = bytearray(q)
    a[2] = 0x81; a[3] = 0x80              # response, NOERROR
    return bytes(a)


cap = Capture()
q1, q2 = dns_query("first.dancu.gov.vn", 1), dns_query("second.dancu.gov.vn", 2)
t = Tcp(cap, C, R, 45100, 53).handshake()
t.send(0, framed(q1)).send(1, framed(answer(q1)))
t.send(0, framed(q2)).send(1, framed(answer(q2))).close()

q3, q4 = dns_query("pipe-a.gov.vn", 3), dns_query("pipe-b.gov.vn", 4)
t = Tcp(cap, C, R, 45101, 53).handshake()
t.send(0, framed(q3) + framed(q4))
t.send(1, framed(answer(q3)) + framed(answer(q4))).close()

big = dns_query("big.gov.vn", 5) + b"\x00" * 5000
q6 = dns_query("after-big.gov.vn", 6)
data = framed(big) + framed(q6)
t = Tcp(cap, C, R, 45102, 53).handshake()
for i in range(0, len(data), 1400):
    t.send(0, data[i:i + 1400])
t.close()

q7, q8 = dns_query("cut-a.gov.vn", 7), dns_query("cut-b.gov.vn", 8)
data = framed(q7) + framed(q8)
at = len(framed(q7)) + 1
t = Tcp(cap, C, R, 45103, 53).handshake()
t.send(0, data[:at]).send(0, data[at:]).close()

# A message of length 0 whose two length bytes come in two segments: a
# parse error, and the message after it still read (the parser looped
# on it for ever, taking no byte: found by fuzz_decode).
q9, q10 = dns_query("before-zero.gov.vn", 9), dns_query("after-zero.gov.vn", 10)
t = Tcp(cap, C, R, 45104, 53).handshake()
t.send(0, framed(q9) + b"\x00").send(0, b"\x00" + framed(q10)).close()
cap.write(sys.argv[1])
