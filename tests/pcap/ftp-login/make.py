"""An FTP login in clear: the user is reported, the password never."""
import sys
sys.path.insert(0, sys.path[0] + "/..")
from caselib import Capture, Tcp

cap = Capture()
t = Tcp(cap, "10.20.9.66", "10.20.1.10", 40100, 21).handshake()
t.send(1, b"220 ProFTPD Server ready\r\n")
t.send(0, b"USER alice\r\n").send(1, b"331 Password required\r\n")
t.send(0, b"PASS Secr3tPassw0rd\r\n").send(1, b"230 Logged in\r\n").close()
cap.write(sys.argv[1])
