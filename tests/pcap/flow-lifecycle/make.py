"""Flow life: a UDP tuple seen again after its timeout is a new flow; a
TCP connection closed both ways; an ICMP echo pair is one flow; a
SYN-ACK seen first still puts the client on the right side."""
import sys
sys.path.insert(0, sys.path[0] + "/..")
from caselib import Capture, Tcp, ip, UDP, Raw
from scapy.all import ICMP, TCP

cap = Capture()
cap.add(ip("10.20.3.1", "10.20.0.123") / UDP(sport=123, dport=123) / Raw(b"\x23" + bytes(47)))
cap.add(ip("10.20.3.1", "10.20.0.123") / UDP(sport=123, dport=123) / Raw(b"\x23" + bytes(47)), dt=400)
Tcp(cap, "10.20.3.2", "10.20.1.10", 50000, 22).handshake().close()
cap.add(ip("10.20.3.3", "10.20.1.10") / ICMP(type=8, id=1, seq=1) / Raw(b"ping"))
cap.add(ip("10.20.1.10", "10.20.3.3") / ICMP(type=0, id=1, seq=1) / Raw(b"ping"))
cap.add(ip("10.20.1.10", "10.20.3.4") / TCP(sport=443, dport=50001, flags="SA", seq=9, ack=1))
cap.write(sys.argv[1])
