"""The capture for tests/e2e/workers_flood.sh: a stream flood from one
address pair cannot evict what another worker holds.

In packet-time order:
  1. PROBES probe POSTs, each from its own client (10.20.8.N) to the
     server, each carrying three valid citizen-ID numbers held ahead of a
     one-byte hole;
  2. the flood, from one attacker (10.20.9.1) to the same server:
     STREAM_FLOWS connections that each hold 56 KiB ahead of a hole that
     never fills (flood_reassembly.py's);
  3. each probe's first byte, which completes its POST.
With one worker the flood evicts every probe's held data (oldest first):
no data-leak alert. With several, the flood's address pair goes to one
worker and fills that worker's share of `stream.memcap` alone: the
probes the other workers hold are kept, one alert each.

Usage: /usr/bin/python3 workers_flood.py OUTDIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flood_reassembly import Pcap, held_post, tcp, v4  # noqa: E402

PROBES = 40
STREAM_FLOWS = 1200


def probe(n):
    return bytes([10, 20, 8, n])


def main():
    cap = Pcap(os.path.join(sys.argv[1], "workers_flood.pcap"))
    for n in range(1, PROBES + 1):
        held_post(cap, probe(n), 41000 + n)
    seg = b"S" * 8192
    attacker = bytes([10, 20, 9, 1])
    for i in range(STREAM_FLOWS):
        cap.add(v4(attacker, tcp(1024 + i, 1000, b"P")))
        for k in range(7):              # the byte at 1001 never comes
            cap.add(v4(attacker, tcp(1024 + i, 1002 + k * 8192, seg)))
    for n in range(1, PROBES + 1):
        cap.add(v4(probe(n), tcp(41000 + n, 1000, b"P")))
    cap.fp.close()


main()
