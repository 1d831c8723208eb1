#!/bin/bash
# Alert delivery, test 5: a collector whose certificate is not signed by
# the configured CA, or does not match server_name, or (no server_name,
# host 127.0.0.1) names another address, or that speaks only TLS 1.1, is
# refused and the reason is reported; nothing reaches it in plaintext;
# the alerts stay in the spool. A plain TCP listener gets a ClientHello
# and no alert text. A collector that sends 64 MiB
# of junk before reading: the junk read and dropped, every alert
# delivered, memory bounded.
# Exit: 0 pass, 1 fail, 77 skip.
me=syslog_tls
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
sl_init
N=200
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_collector_start "$TMP/c"
sl_pcap "$TMP/in.pcap" $N
check() {	# NAME CA SERVER_NAME EXPECTED-IN-LOG
	sl_sensor_conf "$TMP/$1.yaml" "sensor-$1" "  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $2,
       server_name: $3, spool: $TMP/spool-$1, drain_timeout: 2s}"
	"$CANHGACD" -c "$TMP/$1.yaml" -r "$TMP/in.pcap" --stats "$TMP/$1.stats" \
		2>"$TMP/$1.log" || fail "$1: canhgacd failed"
	grep -q "$4" "$TMP/$1.log" || { cat "$TMP/$1.log" >&2; fail "$1: refusal not reported"; }
	[ ! -e "$TMP/c/out/sensor-$1.json" ] || fail "$1: alerts reached an unverified collector"
	$PY - "$TMP/$1.stats" $N <<'PYEOF' || fail "$1: counters"
import json, sys
d = json.load(open(sys.argv[1]))['outputs']['remote'][0]
assert d['sent'] == 0 and d['connects'] == 0 and d['connect_failures'] > 0, d
assert d['spool_pending'] == int(sys.argv[2]), d
assert 'certificate' in d['last_error'], d
print(d['last_error'], file=sys.stderr)
PYEOF
}
check wrongca "$TMP/certs/other-ca.pem" collector.test "certificate verification failed"
check wrongname "$TMP/certs/ca.pem" other.test "certificate verification failed: hostname mismatch"
# And the right CA and name work, against the same collector.
check_ok() {
	sl_sensor_conf "$TMP/ok.yaml" sensor-ok "  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       server_name: collector.test, spool: $TMP/spool-ok, drain_timeout: 10s}"
	"$CANHGACD" -c "$TMP/ok.yaml" -r "$TMP/in.pcap" --stats "$TMP/ok.stats" \
		2>"$TMP/ok.log" || fail "ok: canhgacd failed"
	sl_wait_lines "$TMP/c/out/sensor-ok.json" $N 10 || fail "ok: not delivered"
}
check_ok
peak_kb() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["peak_rss_kb"])' "$1"; }
ok_rss=$(peak_kb "$TMP/ok.stats")

# Fake collectors (Python's ssl, the same certificate): MODE old speaks
# TLS 1.1 at most; MODE flood sends 64 MiB of junk before it reads.
# Each writes what it received to OUT.
cat >"$TMP/fake.py" <<'PYEOF'
import socket, ssl, sys, threading
mode, port, cert, key, out = sys.argv[1:6]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
if mode == "old":
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(port)))
ls.listen(8)
print("ready", flush=True)
got = open(out, "ab")
def serve(c):
    try:
        s = ctx.wrap_socket(c, server_side=True)
    except (ssl.SSLError, OSError) as e:
        got.write(b"handshake refused: " + str(e).encode() + b"\n")
        got.flush()
        return
    if mode == "flood":
        # All of it before reading a byte: the sensor's alerts get
        # through only if it reads (and drops) the junk as it comes.
        try:
            for _ in range(1024):
                s.sendall(b"\xff" * 65536)
        except OSError:
            return
        got.write(b"junk sent: 64 MiB\n")
    while True:
        try:
            b = s.recv(65536)
        except OSError:
            break
        if not b:
            break
        got.write(b)
        got.flush()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PYEOF
fake() {	# MODE PORT OUT [CERT]
	$PY "$TMP/fake.py" "$1" "$2" "${4:-$TMP/certs/collector.pem}" \
	    "$TMP/certs/collector.key" "$3" >"$TMP/fake-$1.out" 2>&1 &
	SL_PIDS="$SL_PIDS $!"
	for _ in $(seq 50); do grep -q ready "$TMP/fake-$1.out" && return; sleep 0.1; done
	fail "fake collector $1 did not start: $(cat "$TMP/fake-$1.out")"
}
# against MODE DRAIN: a fake collector of MODE, the capture replayed to it
# (sensor-MODE; MODE.got, .stats, .log).
against() {
	local port
	port=$(sl_port)
	fake "$1" "$port" "$TMP/$1.got"
	sl_sensor_conf "$TMP/$1.yaml" "sensor-$1" "  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       server_name: collector.test, spool: $TMP/spool-$1, drain_timeout: $2}"
	"$CANHGACD" -c "$TMP/$1.yaml" -r "$TMP/in.pcap" --stats "$TMP/$1.stats" \
		2>"$TMP/$1.log" || fail "$1: canhgacd failed"
}
against old 2s
grep -qi "protocol version\|unsupported protocol" "$TMP/old.log" ||
	{ cat "$TMP/old.log" >&2; fail "old: TLS 1.1 refusal not reported"; }
! grep -aq "sensor-old" "$TMP/old.got" 2>/dev/null || fail "old: alerts reached a TLS 1.1 collector"
$PY - "$TMP/old.stats" $N <<'PYEOF' || fail "old: counters"
import json, sys
d = json.load(open(sys.argv[1]))['outputs']['remote'][0]
assert d['sent'] == 0 and d['connects'] == 0 and d['connect_failures'] > 0, d
assert d['spool_pending'] == int(sys.argv[2]), d
PYEOF
against flood 20s
n=$(grep -ao "canhgacd - alert" "$TMP/flood.got" | wc -l)
[ "$n" -eq $N ] || fail "flood: $n of $N alerts delivered to a collector flooding junk back"
grep -aq "junk sent: 64 MiB" "$TMP/flood.got" || fail "flood: the junk was not all taken"
rss=$(peak_kb "$TMP/flood.stats")
# Not under ASan: its quarantine keeps the junk's freed buffers.
if ldd "$CANHGACD" 2>/dev/null | grep -q libasan || grep -qa __asan_init "$CANHGACD"; then
	echo "$me: AddressSanitizer build: peak RSS $rss KB not judged" >&2
else
	[ "$rss" -le $((ok_rss + 32768)) ] ||
		fail "flood: peak RSS $rss KB against $ok_rss KB without the flood"
fi

# No server_name, host 127.0.0.1: the certificate is checked against the
# address. One from the right CA for 127.0.0.2 and collector.test (the
# same key) is refused; the collector's own (IP:127.0.0.1) delivers.
printf 'subjectAltName=DNS:collector.test,IP:127.0.0.2\nextendedKeyUsage=serverAuth\n' \
	>"$TMP/certs/ipwrong.ext"
openssl x509 -req -in "$TMP/certs/collector.csr" -CA "$TMP/certs/ca.pem" \
	-CAkey "$TMP/certs/ca.key" -CAcreateserial -days 2 \
	-extfile "$TMP/certs/ipwrong.ext" -out "$TMP/certs/ipwrong.pem" 2>/dev/null ||
	fail "cannot make the 127.0.0.2 certificate"
by_ip() {	# MODE CERT DRAIN: a fake collector with CERT, no server_name
	local port
	port=$(sl_port)
	fake "$1" "$port" "$TMP/$1.got" "$2"
	sl_sensor_conf "$TMP/$1.yaml" "sensor-$1" "  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool-$1, drain_timeout: $3}"
	"$CANHGACD" -c "$TMP/$1.yaml" -r "$TMP/in.pcap" --stats "$TMP/$1.stats" \
		2>"$TMP/$1.log" || fail "$1: canhgacd failed"
}
by_ip ipwrong "$TMP/certs/ipwrong.pem" 2s
grep -q "certificate verification failed: IP address mismatch (server_name 127.0.0.1)" "$TMP/ipwrong.log" ||
	{ cat "$TMP/ipwrong.log" >&2; fail "ipwrong: refusal not reported"; }
! grep -aq "sensor-ipwrong" "$TMP/ipwrong.got" 2>/dev/null ||
	fail "ipwrong: alerts reached a collector whose certificate lacks 127.0.0.1"
$PY - "$TMP/ipwrong.stats" $N <<'PYEOF' || fail "ipwrong: counters"
import json, sys
d = json.load(open(sys.argv[1]))['outputs']['remote'][0]
assert d['sent'] == 0 and d['connects'] == 0 and d['connect_failures'] > 0, d
assert d['spool_pending'] == int(sys.argv[2]), d
assert 'IP address mismatch' in d['last_error'], d
PYEOF
by_ip ipok "$TMP/certs/collector.pem" 10s
n=$(grep -ao "canhgacd - alert" "$TMP/ipok.got" | wc -l)
[ "$n" -eq $N ] || fail "ipok: $n of $N alerts delivered by address, the right certificate"

# transport: tls against a plain TCP listener: it gets the ClientHello
# and nothing of an alert in clear.
cat >"$TMP/plain.py" <<'PYEOF'
import socket, sys
port, out = sys.argv[1:3]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(port)))
ls.listen(8)
print("ready", flush=True)
got = open(out, "ab")
while True:
    c, _ = ls.accept()
    c.settimeout(2)
    try:
        b = c.recv(65536)
        got.write(b)
        got.flush()
        c.sendall(b"220 plain text service ready\r\n")
        while True:
            b = c.recv(65536)
            if not b:
                break
            got.write(b)
            got.flush()
    except OSError:
        pass
    c.close()
PYEOF
port=$(sl_port)
$PY "$TMP/plain.py" "$port" "$TMP/plain.got" >"$TMP/plain.out" 2>&1 &
SL_PIDS="$SL_PIDS $!"
for _ in $(seq 50); do grep -q ready "$TMP/plain.out" && break; sleep 0.1; done
grep -q ready "$TMP/plain.out" || fail "plain listener did not start"
sl_sensor_conf "$TMP/plain.yaml" sensor-plain "  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool-plain, drain_timeout: 2s}"
"$CANHGACD" -c "$TMP/plain.yaml" -r "$TMP/in.pcap" --stats "$TMP/plain.stats" \
	2>"$TMP/plain.log" || fail "plain: canhgacd failed"
$PY - "$TMP/plain.got" "$TMP/plain.stats" $N <<'PYEOF' || fail "plain: alert bytes in clear, or no TLS attempt"
import json, sys
got = open(sys.argv[1], "rb").read()
assert got[:3] in (b"\x16\x03\x01", b"\x16\x03\x03"), got[:16]   # a ClientHello
for text in (b"Test alert for delivery", b"sensor-plain", b"canhgacd",
             b"alert 0", b"5514"):
    assert text not in got, text
d = json.load(open(sys.argv[2]))['outputs']['remote'][0]
assert d['sent'] == 0 and d['connects'] == 0 and d['connect_failures'] > 0, d
assert d['spool_pending'] == int(sys.argv[3]), d
print("plain: %d bytes received, a ClientHello, no alert text; %s"
      % (len(got), d['last_error']), file=sys.stderr)
PYEOF
echo "$me: by address: a certificate for 127.0.0.2 refused, the right one delivered $n" >&2
echo "$me: TLS 1.1 refused; $n alerts delivered after 64 MiB of junk, peak RSS $rss KB ($ok_rss without)" >&2
echo "$me: PASS" >&2
