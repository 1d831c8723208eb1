"""A benign capture of normal gateway traffic, which must give no alert at
any security level (1-5) with the shipped rule packs:

- approved peers (10.20.2.0/24) using the population-database gateway's
  service ports 443 and 8443 over TLS 1.3, many connections each, with
  replies of some size;
- internal hosts resolving names through the approved resolver;
- NTP to the approved time server;
- two admin SSH sessions from admin workstations to data servers, in
  office hours on a weekday (Tuesday 09:00-10:00, Asia/Ho_Chi_Minh).

usage: benign.py OUT.pcap
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rulelib import (Capture, T_TUE_0900, GATEWAY, DB, DATA2, PEER, PEER2,  # noqa: E402
                     ADMIN, ADMIN2, RESOLVER, NTP, CLIENT, OFFICE,
                     tls_session, dns_lookup, ntp_exchange, ssh_session)

NAMES = ["dichvucong.gov.vn", "www.google.com", "update.example.gov.vn",
         "mail.example.gov.vn", "ntp.example.gov.vn", "api.example.gov.vn",
         "cdn.jsdelivr.net", "vnexpress.net", "portal.example.gov.vn",
         "login.microsoftonline.com"]


def build(path):
    cap = Capture(T_TUE_0900)
    # Time sync at start-up of the day's work.
    for host in (GATEWAY, DB, DATA2, ADMIN, ADMIN2):
        ntp_exchange(cap, host, NTP)
    # Admin session 1: SSH from an admin workstation to a data server.
    ssh_session(cap, ADMIN, DB, nbytes=20000)
    # Peers exchange data with the gateway, resolving names as they go.
    for rnd in range(12):
        for i, peer in enumerate((PEER, PEER2, "10.20.2.40")):
            port = 443 if (rnd + i) % 3 else 8443
            tls_session(cap, peer, GATEWAY, port, "gw.example.gov.vn",
                        up=4000, down=40000)
            cap.t += 1.5
        for j, host in enumerate((CLIENT, OFFICE, ADMIN, PEER)):
            dns_lookup(cap, host, RESOLVER, NAMES[(rnd * 4 + j) % len(NAMES)],
                       qid=0x2000 + rnd * 8 + j)
        cap.t += 20
        if rnd % 4 == 3:
            for host in (GATEWAY, DB):
                ntp_exchange(cap, host, NTP)
    # Admin session 2, later in the morning.
    cap.t += 600
    ssh_session(cap, ADMIN2, DATA2, nbytes=8000)
    # A burst of parallel peer requests (a batch job).
    for k in range(30):
        tls_session(cap, PEER2, GATEWAY, 443, "gw.example.gov.vn",
                    up=1500, down=6000)
    cap.write(path)
    return cap


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: benign.py OUT.pcap")
    build(sys.argv[1])
