"""A TLS 1.3 ClientHello split over three segments (one retransmitted),
then the ServerHello: the sensor must still read the SNI."""
import sys
sys.path.insert(0, sys.path[0] + "/..")
from caselib import Capture, Tcp, tls_client_hello, tls_server_hello

cap = Capture()
t = Tcp(cap, "10.20.2.5", "10.20.1.10", 51000, 443).handshake()
ch = tls_client_hello("split.dancu.gov.vn")
t.send(0, ch[:40]).send(0, ch[40:90], retransmit=True).send(0, ch[90:])
t.send(1, tls_server_hello(0x0304)).close()
cap.write(sys.argv[1])
