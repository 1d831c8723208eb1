#!/usr/bin/python3
"""update_server.py DIR CERT KEY HOST PORT: serve DIR over HTTPS (the
feeds of tests/e2e/update.sh); /moved answers 302 to /ips.txt,
/nolength a body without Content-Length cut off without a TLS close,
/bighead a 20 KB header, /endless a body without Content-Length that
never ends, /drip a byte a second, /hang a byte and then nothing, /slow ips.txt
after 4 seconds.
On PORT+2 and PORT+3 it sends TLS bytes one every half second, for 15
seconds: on PORT+2 from the handshake on, on PORT+3 the answer (one
TLS record) after a handshake at full speed; a byte comes well within
any socket timeout, but no record is whole for minutes.
Prints "ready" once listening."""
import functools
import http.server
import socket
import ssl
import sys
import threading
import time

d, cert, key, host, port = sys.argv[1:6]


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "https://%s:%s/ips.txt" % (host,
                                                                    port))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path in ("/endless", "/drip"):
            self.send_response(200)
            self.end_headers()
            try:
                for i in range(100000):
                    if self.path == "/drip":
                        self.wfile.write(b"1")
                        self.wfile.flush()
                        time.sleep(1)
                    else:
                        self.wfile.write(b"192.0.2.%d\n" % (i % 250) * 100)
            except OSError:
                pass
            return
        if self.path == "/slow":
            time.sleep(4)
            self.path = "/ips.txt"
            return super().do_GET()
        if self.path == "/hang":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"1")
            self.wfile.flush()
            time.sleep(30)
            return
        if self.path in ("/nolength", "/bighead"):
            self.send_response(200)
            if self.path == "/bighead":
                self.send_header("X-Pad", "a" * 20000)
            self.end_headers()
            self.wfile.write(b"192.0.2.77\n")
            return
        super().do_GET()

    def log_message(self, fmt, *args):
        sys.stderr.write("server: " + fmt % args + "\n")


def drip_tls(conn, ctx, handshake):
    """TLS over memory BIOs, so that the bytes on the wire are ours to
    send a byte at a time."""
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg, server_side=True)
    end = time.time() + 15

    def send(slow):
        data = outg.read()
        for i in range(len(data)):
            if slow and time.time() > end:
                raise OSError("enough")
            conn.sendall(data[i:i + 1] if slow else data[i:])
            if not slow:
                return
            time.sleep(0.5)

    try:
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                send(handshake)
                d = conn.recv(65536)
                if not d:
                    return
                inc.write(d)
        send(handshake)
        req = b""
        while b"\r\n\r\n" not in req:
            try:
                req += obj.read(65536)
            except ssl.SSLWantReadError:
                d = conn.recv(65536)
                if not d:
                    return
                inc.write(d)
        obj.write(b"HTTP/1.0 200 OK\r\nContent-Length: 11000\r\n\r\n" +
                  b"192.0.2.1\n" * 1100)
        send(True)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def drip_listen(ls, handshake):
    while True:
        c, _ = ls.accept()
        threading.Thread(target=drip_tls, args=(c, ctx, handshake),
                         daemon=True).start()


srv = http.server.ThreadingHTTPServer(
    (host, int(port)), functools.partial(Handler, directory=d))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
for p, hs in ((int(port) + 2, True), (int(port) + 3, False)):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, p))
    ls.listen(8)
    threading.Thread(target=drip_listen, args=(ls, hs), daemon=True).start()
print("ready", flush=True)
srv.serve_forever()
