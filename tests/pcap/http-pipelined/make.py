"""Two pipelined requests in one segment (one response: the first is
answered, the second recorded unanswered at the flow's end), and one
request whose header spans two segments; Host with a port."""
import sys
sys.path.insert(0, sys.path[0] + "/..")
from caselib import Capture, Tcp

cap = Capture()
t = Tcp(cap, "10.20.2.6", "10.20.1.10", 40001, 8080).handshake()
t.send(0, b"GET /a HTTP/1.1\r\nHost: one.gov.vn:8080\r\nUser-Agent: curl/8.0\r\n\r\n"
          b"GET /b HTTP/1.1\r\nHost: two.gov.vn\r\n\r\n")
t.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").close()
u = Tcp(cap, "10.20.2.7", "10.20.1.10", 40002, 80).handshake()
u.send(0, b"POST /upload?id=7 HTTP/1.1\r\nHo").send(0, b"st: three.gov.vn\r\nContent-Length: 4\r\n\r\nabcd")
u.close()
cap.write(sys.argv[1])
