"""Malformed and abusive packets are counted by reason and do not stop
the packets after them."""
import sys
sys.path.insert(0, sys.path[0] + "/..")
from caselib import Capture, ip, UDP, Raw
from scapy.all import Ether, IP, TCP, Dot1Q

cap = Capture()
cap.add(ip("10.20.9.66", "10.20.1.10") / TCP(sport=1, dport=80, flags="SF"))
cap.add(ip("10.20.9.66", "10.20.1.10") / TCP(sport=2, dport=80, flags=""))
bad = bytes(Ether() / IP(src="10.20.9.66", dst="10.20.1.10") / UDP(sport=3, dport=53) / Raw(b"x" * 20))
cap.add(Ether(bad[:14 + 10]))                                   # IPv4 header cut
deep = Ether() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / Dot1Q(vlan=4) / Dot1Q(vlan=5) / IP()
cap.add(deep)
cap.add(ip("10.20.9.66", "10.20.1.10") / UDP(sport=4, dport=53) / Raw(b"ok"))
cap.write(sys.argv[1])
