"""A capture for tests/e2e/memcap_pools.sh: N flows of each kind that
holds an app pool's slot and never lets it go -- a TLS ClientHello cut
in half (a first-bytes buffer), a server's certificate flight cut in
half (a certificate walk), HTTP request headers never ended (a
transaction), a login half done (a clear-text login state) -- all open
at once. Usage: /usr/bin/python3 memcap_pools.py OUT.pcap N
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
from rulelib import (Capture, Tcp, client_hello, server_hello,  # noqa: E402
                     server_flight, cert_der)

out, n = sys.argv[1], int(sys.argv[2])
cap = Capture(t0=1736215200.0)
hello = client_hello("pool.example.gov.vn")
flight = server_hello(0x0303) + server_flight([cert_der("good")])
for i in range(n):
    cli = "10.%d.%d.%d" % (100 + i // 62500, (i // 250) % 250, i % 250 + 1)
    t = Tcp(cap, cli, "10.20.1.10", 20000 + i % 40000, 443).handshake()
    t.send(0, hello[:len(hello) // 2])
    t = Tcp(cap, cli, "10.20.1.11", 20000 + i % 40000, 443).handshake()
    t.send(0, hello)
    t.send(1, flight[:len(flight) // 2])
    t = Tcp(cap, cli, "10.20.1.12", 20000 + i % 40000, 80).handshake()
    t.send(0, b"GET /pool/%d HTTP/1.1\r\nHost: pool.example\r\nX-A: " % i)
    t = Tcp(cap, cli, "10.20.1.13", 20000 + i % 40000, 110).handshake()
    t.send(1, b"+OK POP3 ready\r\n")
    t.send(0, b"USER alice%d\r\n" % i)
cap.write(out)
