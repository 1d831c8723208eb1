#!/usr/bin/python3
"""Send UDP datagrams at a steady rate until killed (or for SECONDS).

    udp_rate.py PPS [SECONDS [HOST [PORT]]]     default 127.0.0.1 9999

PPS/100 datagrams every 10 ms on the wall clock, so a late wake-up is
made up at once rather than lowering the rate. bench/reload_traffic.sh
and tests/e2e/reload_drops.sh send their stream with it.
"""
import socket
import sys
import time

pps = int(sys.argv[1])
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 0
dest = (sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1",
        int(sys.argv[4]) if len(sys.argv) > 4 else 9999)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t = time.time()
end = t + secs if secs > 0 else float("inf")
while t < end:
    for _ in range(max(1, pps // 100)):
        s.sendto(b"reload-bench", dest)
    t += 0.01
    d = t - time.time()
    if d > 0:
        time.sleep(d)
