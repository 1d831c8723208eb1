# Helpers for the alert-delivery tests (tests/e2e/syslog_*.sh): a real
# syslog-ng running the shipped collector configuration, certificates
# made with openssl, captures of N alert-making UDP packets, and a sensor
# configuration. Sourced, not run. Each test sets $me and calls sl_init.

PY=/usr/bin/python3
CANHGACD=${CANHGACD:-${top_builddir:-.}/canhgacd}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIPPED_CONF=$top_srcdir/etc/syslog-ng/canhgac-collector.conf
TMP=
SL_PIDS=

fail() { echo "$me: FAIL: $*" >&2; exit 1; }
. "${top_srcdir:?}/tests/e2e/skip_lib.sh"
info() { echo "$me: $*" >&2; }

sl_cleanup() {
	local p
	for p in $SL_PIDS; do kill "$p" 2>/dev/null; done
	for p in $SL_PIDS; do wait "$p" 2>/dev/null; done
	if [ -n "$TMP" ] && [ -z "${CG_SYSLOG_KEEP:-}" ]; then
		rm -rf "$TMP"
	elif [ -n "$TMP" ]; then
		echo "$me: kept $TMP" >&2
	fi
}

sl_init() {
	command -v syslog-ng >/dev/null || skip "syslog-ng not installed (syslog-ng-core)"
	command -v openssl >/dev/null || skip "openssl not installed"
	[ -x "$CANHGACD" ] || fail "no daemon at $CANHGACD"
	TMP=$(mktemp -d "/tmp/cg-$me.XXXXXX")
	chmod 755 "$TMP"
	trap sl_cleanup EXIT
	cp "$top_srcdir/tests/e2e/syslog_rules.yaml" "$TMP/rules.yaml"
}

# A free TCP port on loopback for a collector, not yet handed out in this
# test. Chosen below the kernel's ephemeral range: a port the kernel
# handed out (bind to 0) could be taken as another connection's local
# port before syslog-ng binds it, and syslog-ng then does not start.
sl_port() {
	$PY - "${TMP:+$TMP/ports}" <<'PYEOF'
import random, socket, sys
used = set()
rec = sys.argv[1]
if rec:
    try:
        used = {int(l) for l in open(rec)}
    except FileNotFoundError:
        pass
lo = int(open('/proc/sys/net/ipv4/ip_local_port_range').read().split()[0])
lo = max(lo, 12000)
for _ in range(1000):
    p = random.randrange(10000, lo)
    if p in used:
        continue
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', p))
    except OSError:
        continue
    finally:
        s.close()
    if rec:
        open(rec, 'a').write('%d\n' % p)
    print(p)
    sys.exit(0)
sys.exit('no free port below %d' % lo)
PYEOF
}

# sl_certs DIR: ca.pem, collector.{pem,key} for collector.test and
# 127.0.0.1, sensor.{pem,key}, and an unrelated other-ca.pem.
sl_certs() {
	local d=$1
	mkdir -p "$d"
	(
	cd "$d" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=canhgac test CA" \
		-keyout ca.key -out ca.pem 2>/dev/null
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
		-keyout other-ca.key -out other-ca.pem 2>/dev/null
	printf 'subjectAltName=DNS:collector.test,IP:127.0.0.1,IP:10.98.0.1\nextendedKeyUsage=serverAuth\n' >srv.ext
	openssl req -newkey rsa:2048 -nodes -subj "/CN=collector.test" \
		-keyout collector.key -out collector.csr 2>/dev/null
	openssl x509 -req -in collector.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile srv.ext -out collector.pem 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\n' >cli.ext
	openssl req -newkey rsa:2048 -nodes -subj "/CN=sensor" \
		-keyout sensor.key -out sensor.csr 2>/dev/null
	openssl x509 -req -in sensor.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile cli.ext -out sensor.pem 2>/dev/null
	) || fail "cannot make certificates"
	[ -s "$d/collector.pem" ] || fail "cannot make certificates"
}

# sl_collector_conf DIR PORT [LISTEN] [PEER_VERIFY]: the shipped config
# with only its @define lines changed.
sl_collector_conf() {
	local d=$1 port=$2 listen=${3:-127.0.0.1} pv=${4:-optional-untrusted}
	mkdir -p "$d/out"
	sed -e "s|^@define canhgac_listen .*|@define canhgac_listen \"$listen\"|" \
	    -e "s|^@define canhgac_port .*|@define canhgac_port \"$port\"|" \
	    -e "s|^@define canhgac_tls_dir .*|@define canhgac_tls_dir \"$TMP/certs\"|" \
	    -e "s|^@define canhgac_peer_verify .*|@define canhgac_peer_verify \"$pv\"|" \
	    -e "s|^@define canhgac_out_dir .*|@define canhgac_out_dir \"$d/out\"|" \
	    -e "s|^@define canhgac_local_socket .*|@define canhgac_local_socket \"$d/local.sock\"|" \
	    "$SHIPPED_CONF" >"$d/collector.conf"
	# Only the @define lines may differ from what is shipped.
	diff <(grep -v '^@define' "$SHIPPED_CONF") <(grep -v '^@define' "$d/collector.conf") >/dev/null ||
		fail "collector config differs from the shipped one"
}

# sl_collector_start DIR [NETNS]: run syslog-ng in the foreground (in
# the background of this shell); waits until it listens.
sl_collector_start() {
	local d=$1 ns=${2:-} i
	local cmd=(syslog-ng -F --no-caps -f "$d/collector.conf" -p "$d/pid" -R "$d/persist" -c "$d/ctl")
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "${cmd[@]}" >>"$d/syslog-ng.log" 2>&1 &
	else
		"${cmd[@]}" >>"$d/syslog-ng.log" 2>&1 &
	fi
	echo $! >"$d/bgpid"
	SL_PIDS="$SL_PIDS $!"
	for i in $(seq 1 100); do
		[ -S "$d/ctl" ] && [ -S "$d/local.sock" ] && return 0
		kill -0 "$(cat "$d/bgpid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "$d/syslog-ng.log" >&2
	fail "syslog-ng did not start"
}

sl_collector_stop() {
	local d=$1 p
	p=$(cat "$d/bgpid")
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rm -f "$d/ctl"
}

# sl_pcap FILE N [SRC_NET [GAP_US]]: N UDP packets, each one alert, GAP_US
# microseconds of packet time apart (default 1000: 1 ms).
sl_pcap() {
	$PY - "$1" "$2" "${3:-10.20.5}" "${4:-1000}" <<'PYEOF'
import struct, sys
path, n, net, gap = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
dst = bytes([10, 20, 1, 10])
out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
t0 = 1735700400
for i in range(n):
    src = bytes([int(x) for x in net.split('.')] + [1 + (i // 50000) % 250])
    sport = 1024 + i % 50000
    payload = b'alert %d' % i
    udp = struct.pack('!HHHH', sport, 5514, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    frame = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00' + ip + udp
    us = i * gap
    out.append(struct.pack('<IIII', t0 + us // 1000000, us % 1000000, len(frame), len(frame)) + frame)
open(path, 'wb').write(b''.join(out))
PYEOF
}

# sl_sensor_conf FILE NAME REMOTE_YAML [EXTRA_OUTPUTS_YAML]
sl_sensor_conf() {
	cat >"$1" <<YEOF
sensor:
  name: $2
  security_level: 5
  timezone: Asia/Ho_Chi_Minh
  catalog: $top_srcdir/rules/controls-tcvn11930.yaml
assets:
  population_db_gateway: [10.20.1.10/32]
rules:
  - $TMP/rules.yaml
outputs:
$3
YEOF
}

# sl_wait_lines FILE N SECONDS: until FILE has at least N lines.
sl_wait_lines() {
	local f=$1 n=$2 t=$3 i have=0
	for i in $(seq 1 $((t * 10))); do
		have=$(cat "$f" 2>/dev/null | wc -l)
		[ "$have" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

sl_need_root() {
	if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
		skip "needs root and network namespaces"
	fi
}
