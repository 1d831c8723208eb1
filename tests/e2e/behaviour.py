"""Captures for tests/e2e/behaviour.sh (issue 18, items 4-6), built with
tests/rules/rulelib.py's fixed addresses and office-hours routine.

usage: behaviour.py DIR   writes DIR/*.pcap:
  week1.pcap   days 1-10 of a peer's office-hours pulls (learning, and after)
  week2.pcap   days 11-14 of the same, then a 20x pull at 02:05 of day 15
  usual.pcap   days 1-14 and the usual pull at 09:05 of day 15
  night.pcap   days 1-14 and the 20x pull at 02:05 of day 15
  beacon.pcap  a 60-second beacon to an outside address, 15 times
  ntp.pcap     NTP to the approved server every 64 s, 30 times
  tunnel.pcap  a DNS tunnelling burst: 150 encoded names in 45 s
  steered.pcap the same tunnel's names steered by a nonce label onto 50
               values of the unkeyed FNV-1a they were counted by (of
               1024), so the distinct names never reached 60
  binary.pcap  the tunnel's 150 names as labels of 40 random bytes of
               iodine's base128 alphabet (0xbc-0xfd), escaped \\xHH
  decoy.pcap   a burst under decoy-lab.example, then five minutes later
               the tunnel under exfil-lab.example
  office.pcap  office DNS: 600 lookups of everyday names in 2 minutes
  requests.pcap  10 HTTP requests on Monday 10:00, 40 a week later
  flood.pcap   254 peers x 2 gateway ports, 20000 outside destinations,
               20000 registered domains: more keys than the tables hold
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
import rulelib as L  # noqa: E402
from rulelib import Capture, TCP, UDP, Raw, ip  # noqa: E402

NORMAL = 600 * 1000
D15 = L.T_MON_0000 + 14 * L.DAY


def routine(cap, first_day, days):
    L.office_pulls(cap, L.PEER, L.GATEWAY, 443, days, NORMAL,
                   start=L.T_MON_0000 + first_day * L.DAY)


def week1(cap):
    routine(cap, 0, 10)


def week2(cap):
    routine(cap, 10, 4)
    L.at(cap, D15 + 2 * 3600 + 300)
    L.pull(cap, L.PEER, L.GATEWAY, 443, 20 * NORMAL)


def usual(cap):
    routine(cap, 0, 14)
    L.at(cap, D15 + 9 * 3600 + 300)
    L.pull(cap, L.PEER, L.GATEWAY, 443, NORMAL)


def night(cap):
    routine(cap, 0, 14)
    L.at(cap, D15 + 2 * 3600 + 300)
    L.pull(cap, L.PEER, L.GATEWAY, 443, 20 * NORMAL)


def beacon(cap):
    L.beacon(cap, L.CLIENT, L.EXT, 443, 15, 60, 0.9)


def ntp(cap):
    for _ in range(30):
        cap.t += 64
        L.ntp_exchange(cap, L.CLIENT, L.NTP)


def tunnel(cap):
    L.tunnel_burst(cap, L.CLIENT, L.RESOLVER, "exfil-lab.example", 150, 0.3)


def fnv1a(name):
    h = 1469598103934665603
    for c in name.lower().encode():
        h = ((h ^ c) * 1099511628211) & 0xffffffffffffffff
    return h


def steered(cap):
    """300 encoded names in 60 s, each given a nonce label that puts its
    FNV-1a (what the bitmap of distinct names used) on 50 bits."""
    for i in range(300):
        base = L.random_label(i, 40)
        for nonce in range(100000):
            name = "%s.n%d.exfil-lab.example" % (base, nonce)
            if fnv1a(name) % 1024 < 50:
                break
        q = L.dns_query(name, 0x2000 + i)
        L.udp_exchange(cap, L.CLIENT, L.RESOLVER, 53, q,
                       L.dns_response(q, 0x2000 + i), dt=0.2)


def binary(cap):
    """150 names of 40 random bytes in 45 s: written \\xHH, their
    characters' entropy was the escapes' (about 3.4 bits), not the
    bytes' (over 5 in 40)."""
    import random
    import struct
    rnd = random.Random(40)
    for i in range(150):
        label = bytes(rnd.randint(0xbc, 0xfd) for _ in range(40))
        q = (struct.pack("!HHHHHH", 0x3000 + i, 0x0100, 1, 0, 0, 0) +
             bytes([40]) + label + b"\x09exfil-lab\x07example\x00" +
             struct.pack("!HH", 16, 1))
        L.udp_exchange(cap, L.CLIENT, L.RESOLVER, 53, q,
                       L.dns_response(q, 0x3000 + i), dt=0.3)


def decoy(cap):
    """A decoy tunnel first, then the real one within the hour that
    the rule's suppression holds an alert back."""
    L.tunnel_burst(cap, L.CLIENT, L.RESOLVER, "decoy-lab.example", 150, 0.3)
    cap.t += 300
    L.tunnel_burst(cap, L.CLIENT, L.RESOLVER, "exfil-lab.example", 150, 0.3)


def office(cap):
    names = ["www.google.com", "mail.google.com", "zalo.me", "chat.zalo.me",
             "vnexpress.net", "s1.vnecdn.net", "dichvucong.gov.vn",
             "outlook.office365.com", "login.microsoftonline.com",
             "ocsp.digicert.com"] + ["pc%02d.office-lab.example" % i
                                     for i in range(30)]
    for i in range(600):
        L.dns_lookup(cap, L.OFFICE, L.RESOLVER, names[i % len(names)],
                     qid=i, dt=0.2)


def requests(cap):
    for day, n in ((0, 10), (7, 40)):
        L.at(cap, L.T_MON_0000 + day * L.DAY + 10 * 3600 + 60)
        for i in range(n):
            L.http_request(cap, L.PEER, L.GATEWAY, "gw.example.gov.vn",
                           "/api/citizen?page=%d" % i)
            cap.t += 5


def flood(cap):
    for p in range(1, 255):
        for port in (443, 8443):
            L.session(cap, "10.20.2.%d" % p, L.GATEWAY, port, sport=30000 + p)
    for i in range(20000):
        dst = "198.18.%d.%d" % (i // 250, 1 + i % 250)
        cap.add(ip(L.CLIENT, dst) / TCP(sport=20000 + i % 40000, dport=443,
                                        flags="S", seq=1), 0.0001)
    for i in range(20000):
        q = L.dns_query("www.d%05d.example" % i, i & 0xffff)
        L.udp_exchange(cap, L.CLIENT, L.RESOLVER, 53, q, None, dt=0.0001)


if __name__ == "__main__":
    out = sys.argv[1]
    for name, fn, t0 in (("week1", week1, L.T_MON_0000),
                         ("week2", week2, L.T_MON_0000 + 10 * L.DAY),
                         ("usual", usual, L.T_MON_0000),
                         ("night", night, L.T_MON_0000),
                         ("beacon", beacon, L.T_DEFAULT),
                         ("ntp", ntp, L.T_DEFAULT),
                         ("tunnel", tunnel, L.T_DEFAULT),
                         ("steered", steered, L.T_DEFAULT),
                         ("binary", binary, L.T_DEFAULT),
                         ("decoy", decoy, L.T_DEFAULT),
                         ("office", office, L.T_DEFAULT),
                         ("requests", requests, L.T_MON_0000),
                         ("flood", flood, L.T_DEFAULT)):
        cap = Capture(t0)
        fn(cap)
        cap.write(os.path.join(out, name + ".pcap"))
