"""DNS over TCP with the length prefix split from the message, a normal
UDP query/answer, and a UDP message whose name is a compression loop."""
import struct
import sys
sys.path.insert(0, sys.path[0] + "/..")
from caselib import Capture, Tcp, ip, dns_query, UDP, Raw

cap = Capture()
q = dns_query("tcp.dancu.gov.vn", qid=7, qtype=28)
t = Tcp(cap, "10.20.2.8", "10.20.0.53", 45000, 53).handshake()
t.send(0, struct.pack("!H", len(q))).send(0, q).close()
cap.add(ip("10.20.2.8", "10.20.0.53") / UDP(sport=45001, dport=53) / Raw(dns_query("udp.gov.vn", 9)))
ans = bytearray(dns_query("udp.gov.vn", 9))
ans[2] = 0x81; ans[3] = 0x83          # response, NXDOMAIN
cap.add(ip("10.20.0.53", "10.20.2.8") / UDP(sport=53, dport=45001) / Raw(bytes(ans)))
loop = struct.pack("!HHHHHH", 11, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + b"\x00\x01\x00\x01"
cap.add(ip("10.20.2.9", "10.20.0.53") / UDP(sport=45002, dport=53) / Raw(loop))
cap.write(sys.argv[1])
