#!/usr/bin/python3
"""update_server.py DIR CERT KEY HOST PORT: serve DIR over HTTPS (the
feeds of tests/e2e/update.sh); /moved answers 302 to /ips.txt,
/nolength a body without Content-Length cut off without a TLS close,
/bighead a 20 KB header, /endless a body without Content-Length that
never ends, /drip a byte a second, /hang a byte and then nothing.
Prints "ready" once listening."""
import functools
import http.server
import ssl
import sys
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


srv = http.server.ThreadingHTTPServer(
    (host, int(port)), functools.partial(Handler, directory=d))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
