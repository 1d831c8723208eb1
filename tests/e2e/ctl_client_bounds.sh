#!/bin/bash
# canhgacctl reads no more than the daemon may send (CTL_REPLY_MAX,
# 32 MiB): a socket that answers with 40 MiB and no end of line makes it
# stop with "answer longer" (exit 5) and close the socket before the
# 40 MiB are sent, where it used to read up to 256 MiB; a long but valid
# answer (8 MiB) is read whole. `rules` joins pages: a socket whose pages
# do not add up (the same "next" each time, a total past what a daemon
# loads) is refused within a few pages, where canhgacctl kept asking and
# joining for ever (its memory grew by tens of MB a second); pages that
# add up are joined. An alert's text reaches the terminal without its
# control and bidirectional-override characters.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
CANHGACCTL=${CANHGACCTL:-$top_builddir/canhgacctl}
. "$top_srcdir/tests/e2e/skip_lib.sh"
PY=/usr/bin/python3
[ -x "$CANHGACCTL" ] || { echo "FAIL: $CANHGACCTL not built"; exit 1; }
tmp=$(mktemp -d)
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
ok=0 fail=0
check() { local d=$1; shift; if "$@"; then echo "ok   $d"; ok=$((ok+1)); else echo "FAIL $d"; fail=$((fail+1)); fi; }

# serve MODE: one connection; "long" sends 40 MiB without a newline,
# "valid" an 8 MiB JSON answer; what was sent goes to s.sock.sent.
serve() {
	$PY - "$tmp/s.sock" "$1" <<'EOF' &
import json, os, socket, sys
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(1)
open(path + ".ready", "w").close()
c, _ = s.accept()
c.recv(8192)
sent = 0
try:
    if mode == "long":
        for _ in range(40):
            c.sendall(b"x" * (1 << 20))
            sent += 1 << 20
        c.sendall(b"\n")
    elif mode == "controls":
        msg = ("CN=\x1b[31mx\x1b]0;t\x07 \u009b2J \u202egnp.exe "
               "\u2066a\u2069 t\u00ean mi\u1ec1n")
        c.sendall(json.dumps({"ok": True, "count": 1, "alerts": [{
            "timestamp": "2026-12-05T10:00:00+0700", "src_ip": "10.0.0.1",
            "dest_ip": "10.0.0.2", "alert": {
                "severity_name": "high", "signature_id": 1,
                "category": "ioc", "message": msg}}]}).encode() + b"\n")
    else:
        c.sendall(json.dumps({"ok": True, "pad": "y" * (8 << 20)}).encode()
                  + b"\n")
except OSError:
    pass
open(path + ".sent", "w").write("%d\n" % sent)
EOF
	srv=$!
	for _ in $(seq 50); do [ -e "$tmp/s.sock.ready" ] && break; sleep 0.1; done
}

serve long
"$CANHGACCTL" -s "$tmp/s.sock" -t 20 \
    status >/dev/null 2>"$tmp/err"
rc=$?
wait $srv
check "40 MiB without an end: exit 5 (got $rc)" [ "$rc" = 5 ]
check "... saying the answer is too long" grep -q "answer longer than 33554432" "$tmp/err"
sent=$(cat "$tmp/s.sock.sent")
check "... closing before the 40 MiB were sent ($sent bytes taken)" \
    [ "$sent" -lt 41943040 ]
rm -f "$tmp"/s.sock*
serve valid
"$CANHGACCTL" -s "$tmp/s.sock" -t 20 --json status >"$tmp/out" 2>"$tmp/err"
rc=$?
wait $srv
check "an 8 MiB answer is read whole (rc $rc, $(wc -c <"$tmp/out") bytes)" \
    [ "$rc" = 0 ] && [ "$(wc -c <"$tmp/out")" -gt 8388608 ]
# Text from the wire reaches an operator's terminal in the alerts table:
# control characters (C0, C1) and the bidirectional overrides are shown
# as '?', other UTF-8 kept.
rm -f "$tmp"/s.sock*
serve controls
"$CANHGACCTL" -s "$tmp/s.sock" -t 20 alerts >"$tmp/out" 2>"$tmp/err"
rc=$?
wait $srv
check "alerts table: no control or bidi character reaches the terminal (rc $rc)" \
    $PY - "$tmp/out" <<'EOF'
import sys
t = open(sys.argv[1], "rb").read()
bad = [c for c in (b"\x1b", b"\x07", b"\xc2\x9b", b"\xe2\x80\xae",
                   b"\xe2\x81\xa6", b"\xe2\x81\xa9") if c in t]
sys.exit(1 if bad or "tên miền".encode() not in t or b"CN=?[31mx" not in t
         else 0)
EOF
# pages MODE: rules pages on every connection, each of 64 KiB; "stuck"
# answers next 1 every time, "huge" a total of a billion rules, "valid"
# three pages of one rule each. Connections taken go to p.sock.n.
pages() {
	rm -f "$tmp"/p.sock*
	$PY - "$tmp/p.sock" "$1" <<'EOF' &
import json, socket, sys
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(8)
open(path + ".ready", "w").close()
pad = "y" * (64 << 10)
n = 0
while n < 100000:
    c, _ = s.accept()
    off = json.loads(c.recv(8192).decode()).get("offset", 0)
    n += 1
    open(path + ".n", "w").write("%d\n" % n)
    rep = {"ok": True, "generation": 1, "security_level": 1,
           "total": 10 ** 9 if mode == "huge" else 3,
           "rules": [{"sid": off + 1, "name": pad if mode != "valid"
                      else "r%d" % (off + 1)}]}
    if mode == "stuck":
        rep["next"] = 1
    elif mode == "huge" or off < 2:
        rep["next"] = off + 1
    try:
        c.sendall(json.dumps(rep).encode() + b"\n")
    except OSError:
        pass
    c.close()
EOF
	srv=$!
	for _ in $(seq 50); do [ -e "$tmp/p.sock.ready" ] && break; sleep 0.1; done
}
for mode in stuck huge; do
	pages $mode
	timeout 20 "$CANHGACCTL" -s "$tmp/p.sock" -t 10 rules >/dev/null \
	    2>"$tmp/err"
	rc=$?
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	n=$(cat "$tmp/p.sock.n" 2>/dev/null)
	check "rules, pages $mode: exit 5 (got $rc: $(head -c 200 "$tmp/err"))" \
	    [ "$rc" = 5 ]
	check "... after at most 3 pages ($n taken)" [ "${n:-0}" -le 3 ]
	check "... saying the pages do not add up" \
	    grep -q "pages do not add up" "$tmp/err"
done
pages valid
timeout 30 "$CANHGACCTL" -s "$tmp/p.sock" -t 20 --json rules >"$tmp/out" \
    2>"$tmp/err"
rc=$?
kill $srv 2>/dev/null
wait $srv 2>/dev/null
check "rules, three pages that add up: joined (rc $rc$(cat "$tmp/err"))" \
    [ "$rc" = 0 ] && [ "$($PY -c 'import json, sys
print([r["sid"] for r in json.load(sys.stdin)["rules"]])' <"$tmp/out")" = "[1, 2, 3]" ]
echo "$ok passed, $fail failed"
exit $((fail > 0))
