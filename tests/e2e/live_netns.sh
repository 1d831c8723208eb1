#!/bin/bash
#
# Live capture end to end (ENGINEERING.md, tests layer 4).
#
# Two network namespaces joined by a veth pair: canhgacd captures live on
# the server end while real clients in the other namespace talk to real
# servers: curl to python's http.server (IPv4 and IPv6), openssl s_client
# to openssl s_server (TLS 1.2 and 1.3), dig to a small UDP/TCP DNS
# responder (IPv4 and IPv6, NOERROR and NXDOMAIN), an SSH banner exchange
# and an FTP login with ncat.  tcpdump records the same interface and
# tshark is the referee for the flow table (one flow per conversation,
# packet and byte counts per direction) and for the decoded names (SNI,
# HTTP host, DNS names, SSH banners).  Every flow and metadata record is
# checked, and the FTP password must appear nowhere in the output.
#
# Needs root (network namespaces).  Skips with a reason otherwise, except
# under CI=true, where a skip is a failure.
#
# Environment (set by `make check`): top_srcdir, top_builddir, CANHGACD.
# CG_LIVE_KEEP=1 keeps the temporary directory (capture, events, logs).
# Exit: 0 pass, 1 fail, 77 skip.

if [ -z "${BASH_VERSION:-}" ]; then
	exec /bin/bash "$0" "$@"
fi
set -u

me=live_netns
PY=/usr/bin/python3
CANHGACD=${CANHGACD:-${top_builddir:-.}/canhgacd}

TMP=
NS_SRV="cg-$$-srv"
NS_CLI="cg-$$-cli"
IF_SRV="cg$$s"
IF_CLI="cg$$c"
SRV4=10.99.0.1
CLI4=10.99.0.2
SRV6=fd99::1
CLI6=fd99::2
ns_made=0
PIDS=()
DAEMON_PID=
TCPDUMP_PID=

log() { echo "$me: $*"; }

dump() {
	[ -n "$TMP" ] && [ -d "$TMP" ] || return 0
	local f
	for f in canhgacd.err events.json stats.json tcpdump.err \
	    conv.txt dns.err http4.err http6.err; do
		if [ -s "$TMP/$f" ]; then
			echo "----- $f -----"
			cat "$TMP/$f"
		fi
	done
	echo "----- end -----"
}

fail() {
	echo "$me: FAIL: $*" >&2
	dump >&2
	exit 1
}

skip() {
	if [ "${CI:-}" = true ]; then
		echo "$me: FAIL: cannot run under CI=true: $*" >&2
		exit 1
	fi
	echo "$me: SKIP: $*"
	exit 77
}

cleanup() {
	local p ns
	for p in "${PIDS[@]}" $DAEMON_PID $TCPDUMP_PID; do
		kill "$p" 2>/dev/null
	done
	if [ "$ns_made" = 1 ]; then
		# Anything still running inside our own namespaces was started
		# by this test (servers, their helper shells).
		for ns in "$NS_SRV" "$NS_CLI"; do
			for p in $(ip netns pids "$ns" 2>/dev/null); do
				kill "$p" 2>/dev/null
			done
		done
		sleep 0.2
		for ns in "$NS_SRV" "$NS_CLI"; do
			for p in $(ip netns pids "$ns" 2>/dev/null); do
				kill -9 "$p" 2>/dev/null
			done
			ip netns del "$ns" 2>/dev/null
		done
	fi
	for p in "${PIDS[@]}" $DAEMON_PID $TCPDUMP_PID; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${CG_LIVE_KEEP:-}" ] && [ -n "$TMP" ]; then
		echo "$me: kept $TMP"
	elif [ -n "$TMP" ] && [ -d "$TMP" ]; then
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

in_srv() { ip netns exec "$NS_SRV" "$@"; }
in_cli() { ip netns exec "$NS_CLI" "$@"; }

# Start a server in the server namespace in the background; remember it.
bg_srv() {
	ip netns exec "$NS_SRV" "$@" &
	PIDS+=($!)
}

# wait_listen tcp|udp PORT: until something listens on PORT in the server
# namespace (so clients never race the servers, and no probe traffic).
wait_listen() {
	local opt=-Hltn _
	[ "$1" = udp ] && opt=-Hlun
	for _ in $(seq 1 100); do
		if in_srv ss $opt "( sport = :$2 )" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	fail "no $1 listener on port $2 after 10s"
}

# wait_gone PID SECONDS: until PID exits.
wait_gone() {
	local _ n=$(($2 * 10))
	for _ in $(seq 1 "$n"); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------------ checks
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces (uid $(id -u))"
[ -x "$CANHGACD" ] || fail "no daemon binary at $CANHGACD"
for t in ip ss ncat openssl curl dig tcpdump tshark timeout; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -x "$PY" ] || skip "$PY not installed"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cg-live.XXXXXX") || fail "mktemp"
chmod 755 "$TMP"

# ------------------------------------------------------------- namespaces
ip netns add "$NS_SRV" 2>"$TMP/ns.err" ||
	skip "cannot create network namespaces: $(cat "$TMP/ns.err")"
ns_made=1
ip netns add "$NS_CLI" || fail "ip netns add $NS_CLI"
ip link add "$IF_SRV" netns "$NS_SRV" type veth \
    peer name "$IF_CLI" netns "$NS_CLI" || fail "cannot create veth pair"
for x in "$NS_SRV $IF_SRV $SRV4 $SRV6" "$NS_CLI $IF_CLI $CLI4 $CLI6"; do
	set -- $x
	ip -n "$1" link set lo up || fail "lo up in $1"
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.accept_ra=0" \
	    "net.ipv6.conf.$2.router_solicitations=0" >/dev/null 2>&1
	ip -n "$1" addr add "$3/24" dev "$2" || fail "addr $3"
	ip -n "$1" addr add "$4/64" dev "$2" nodad || fail "addr $4"
	ip -n "$1" link set "$2" up || fail "link up $2"
done
set --
for _ in $(seq 1 50); do
	in_cli ip link show "$IF_CLI" | grep -q 'state UP' &&
	    in_srv ip link show "$IF_SRV" | grep -q 'state UP' && break
	sleep 0.1
done

# -------------------------------------------------------------- material
mkdir -p "$TMP/www" || fail "mkdir"
echo "hello from canhgac live test" >"$TMP/www/hello.txt"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 \
    -subj /CN=canhgac.test >"$TMP/req.out" 2>&1 ||
	fail "openssl req: $(cat "$TMP/req.out")"

cat >"$TMP/dns.py" <<'EOF'
# A tiny DNS responder: A 10.99.0.53 for any name, NXDOMAIN under nx.test.
import select, socket, struct, sys

ANS = socket.inet_aton("10.99.0.53")

def reply(q):
    if len(q) < 17:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd != 1:
        return None
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        n = q[i]
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    i += 1
    if i + 4 > len(q):
        return None
    qtype, _ = struct.unpack("!HH", q[i:i + 4])
    question = q[12:i + 4]
    name = ".".join(labels).lower()
    rd = flags & 0x0100
    if name.endswith("nx.test"):
        return struct.pack("!HHHHHH", qid, 0x8480 | rd | 3, 1, 0, 0, 0) + \
            question
    an = b""
    if qtype == 1:
        an = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + ANS
    return struct.pack("!HHHHHH", qid, 0x8480 | rd, 1, 1 if an else 0,
                       0, 0) + question + an

def recvn(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            return None
        b += d
    return b

u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u4.bind((sys.argv[1], 53))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u6.bind((sys.argv[2], 53))
t4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t4.bind((sys.argv[1], 53))
t4.listen(4)
while True:
    r, _, _ = select.select([u4, u6, t4], [], [])
    for s in r:
        if s is t4:
            c, _ = t4.accept()
            c.settimeout(5)
            try:
                while True:
                    h = recvn(c, 2)
                    if h is None:
                        break
                    q = recvn(c, struct.unpack("!H", h)[0])
                    a = reply(q) if q else None
                    if a is None:
                        break
                    c.sendall(struct.pack("!H", len(a)) + a)
            except OSError:
                pass
            c.close()
        else:
            q, peer = s.recvfrom(4096)
            a = reply(q)
            if a is not None:
                s.sendto(a, peer)
EOF

# ---------------------------------------------------------------- servers
cd "$TMP" || fail "cd $TMP"
bg_srv "$PY" -m http.server 80 --bind "$SRV4" --directory "$TMP/www" \
    >"$TMP/http4.err" 2>&1
bg_srv "$PY" -m http.server 80 --bind "$SRV6" --directory "$TMP/www" \
    >"$TMP/http6.err" 2>&1
bg_srv "$PY" "$TMP/dns.py" "$SRV4" "$SRV6" >"$TMP/dns.err" 2>&1
bg_srv bash -c "(printf 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'; sleep 4) |
    exec ncat -l $SRV4 22" >"$TMP/ssh_srv.out" 2>"$TMP/ssh_srv.err"
bg_srv bash -c "(printf '220 ftp ready\r\n'; sleep 1.2;
    printf '331 Please specify the password.\r\n'; sleep 0.6;
    printf '230 Login successful.\r\n'; sleep 0.6;
    printf '221 Goodbye.\r\n'; sleep 4) |
    exec ncat -l $SRV4 21" >"$TMP/ftp_srv.out" 2>"$TMP/ftp_srv.err"
wait_listen tcp 80
wait_listen udp 53
wait_listen tcp 53
wait_listen tcp 22
wait_listen tcp 21

# --------------------------------------------------- referee and daemon
ip netns exec "$NS_SRV" tcpdump -n -U -i "$IF_SRV" -w "$TMP/cap.pcap" 2>"$TMP/tcpdump.err" &
TCPDUMP_PID=$!
for _ in $(seq 1 100); do
	grep -q 'listening on' "$TMP/tcpdump.err" 2>/dev/null && break
	kill -0 "$TCPDUMP_PID" 2>/dev/null || fail "tcpdump died"
	sleep 0.1
done
grep -q 'listening on' "$TMP/tcpdump.err" || fail "tcpdump not ready"

# Not through in_srv: $! must be the daemon itself, not a subshell.
ip netns exec "$NS_SRV" "$CANHGACD" -v -i "$IF_SRV" --events "$TMP/events.json" \
    --stats "$TMP/stats.json" 2>"$TMP/canhgacd.err" &
DAEMON_PID=$!
sleep 1
for _ in $(seq 1 100); do
	grep -q 'running on' "$TMP/canhgacd.err" 2>/dev/null && break
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$DAEMON_PID" 2>/dev/null || {
	wait "$DAEMON_PID"
	fail "canhgacd exited at start (status $?)"
}
log "canhgacd (pid $DAEMON_PID) capturing on $IF_SRV in $NS_SRV"

# ---------------------------------------------------------------- traffic
# HTTP over IPv4 (GET) and IPv6 (HEAD); Host headers with and without port.
code=$(in_cli timeout 20 curl -sS -o /dev/null -w '%{http_code}' \
    -A 'canhgac-e2e/1.0' -H 'Host: web.test:80' \
    "http://$SRV4/hello.txt") || fail "curl IPv4 failed"
[ "$code" = 200 ] || fail "curl IPv4: HTTP status $code"
code=$(in_cli timeout 20 curl -sS -I -o /dev/null -w '%{http_code}' \
    -A 'canhgac-e2e/1.0' -H 'Host: web6.test' \
    "http://[$SRV6]/hello.txt") || fail "curl IPv6 failed"
[ "$code" = 200 ] || fail "curl IPv6: HTTP status $code"

# TLS: one s_server (-naccept 1) per connection, on 443.
#   SNI              server    client    offered (ClientHello)  negotiated
#   tls12.test       -tls1_2   default   TLS 1.3                TLS 1.2
#   tls13.test       -tls1_3   default   TLS 1.3                TLS 1.3
#   old.tls12.test   -tls1_2   -tls1_2   TLS 1.2                TLS 1.2
tls_case() {
	local name=$1 sopt=$2 copt=$3 want=$4 spid
	bg_srv openssl s_server -quiet -naccept 1 -accept "$SRV4:443" \
	    -cert "$TMP/cert.pem" -key "$TMP/key.pem" $sopt \
	    </dev/null >"$TMP/s_server.$name.out" 2>&1
	spid=$!
	wait_listen tcp 443
	in_cli timeout 20 openssl s_client -brief -connect "$SRV4:443" \
	    -servername "$name" $copt </dev/null >"$TMP/s_client.$name.out" 2>&1 ||
		fail "s_client $name: $(cat "$TMP/s_client.$name.out")"
	grep -q "Protocol version: $want" "$TMP/s_client.$name.out" ||
		fail "s_client $name: not $want: $(cat "$TMP/s_client.$name.out")"
	wait_gone "$spid" 10 || fail "s_server for $name did not exit"
}
tls_case tls12.test -tls1_2 "" TLSv1.2
tls_case tls13.test -tls1_3 "" TLSv1.3
tls_case old.tls12.test -tls1_2 -tls1_2 TLSv1.2

# DNS: UDP over IPv4 (answer and NXDOMAIN), UDP over IPv6, TCP over IPv4.
dns_case() {
	local server=$1 name=$2 status=$3 extra=$4 out
	out=$(in_cli timeout 20 dig @"$server" "$name" A +tries=1 +time=3 \
	    $extra 2>&1) || fail "dig $name @$server: $out"
	echo "$out" | grep -q "status: $status" ||
		fail "dig $name @$server: want $status: $out"
	if [ "$status" = NOERROR ]; then
		echo "$out" | grep -q '10\.99\.0\.53' ||
			fail "dig $name: no A record in the answer: $out"
	fi
}
dns_case "$SRV4" www.example.test NOERROR ""
dns_case "$SRV4" missing.nx.test NXDOMAIN ""
dns_case "$SRV6" v6.example.test NOERROR ""
dns_case "$SRV4" tcp.example.test NOERROR +tcp

# SSH banners: the server speaks first, the client answers, both close.
(printf 'SSH-2.0-OpenSSH_8.9p1\r\n'; sleep 1) |
    in_cli timeout 20 ncat "$SRV4" 22 >"$TMP/ssh_cli.out" 2>&1 ||
	fail "ncat ssh client failed: $(cat "$TMP/ssh_cli.out")"
grep -q 'SSH-2.0-OpenSSH_9.2p1' "$TMP/ssh_cli.out" ||
	fail "ssh client did not get the server banner"

# FTP login in clear text.
(sleep 0.5; printf 'USER alice\r\n'; sleep 0.6; printf 'PASS secret\r\n';
    sleep 0.6; printf 'QUIT\r\n'; sleep 1) |
    in_cli timeout 20 ncat "$SRV4" 21 >"$TMP/ftp_cli.out" 2>&1 ||
	fail "ncat ftp client failed: $(cat "$TMP/ftp_cli.out")"
grep -q '^230' "$TMP/ftp_cli.out" || fail "ftp client: no 230 reply"
sleep 0.5
grep -q 'PASS secret' "$TMP/ftp_srv.out" ||
	fail "ftp server did not receive the login"

# ------------------------------------------------------------------- stop
sleep 1.5
kill -TERM "$DAEMON_PID"
wait_gone "$DAEMON_PID" 20 || fail "canhgacd still running 20s after SIGTERM"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ "$rc" = 0 ] || fail "canhgacd exited with status $rc after SIGTERM"
kill -INT "$TCPDUMP_PID"
wait_gone "$TCPDUMP_PID" 10 || fail "tcpdump still running"
wait "$TCPDUMP_PID"
TCPDUMP_PID=

[ -s "$TMP/events.json" ] || fail "no events written"
[ -s "$TMP/stats.json" ] || fail "no stats written"
{
	tshark -r "$TMP/cap.pcap" -n -q -z conv,tcp
	tshark -r "$TMP/cap.pcap" -n -q -z conv,udp
} >"$TMP/conv.txt" 2>/dev/null

# The password must appear nowhere the daemon wrote.
for f in events.json stats.json canhgacd.err; do
	if grep -q secret "$TMP/$f"; then
		fail "the FTP password appears in $f: $(grep -n secret "$TMP/$f")"
	fi
done

# ----------------------------------------------------------------- verify
cat >"$TMP/check.py" <<'EOF'
import base64, collections, hashlib, ipaddress, json, struct, subprocess, sys

tmp, iface, srv4, cli4, srv6, cli6 = sys.argv[1:7]
SRV = {srv4: cli4, srv6: cli6}
errors = []

def err(msg):
    errors.append(msg)

def norm(a):
    return str(ipaddress.ip_address(a))

srv6, cli6 = norm(srv6), norm(cli6)
SRV = {srv4: cli4, srv6: cli6}

# ---- events
recs = []
with open(tmp + "/events.json") as fp:
    for n, line in enumerate(fp, 1):
        line = line.strip()
        if not line:
            continue
        try:
            recs.append(json.loads(line))
        except ValueError as e:
            err("events.json line %d is not JSON (%s): %s" % (n, e, line))

PROTO_NUM = {"TCP": 6, "UDP": 17}

def community_id(proto, sip, dip, sp, dp, seed=0):
    a = ipaddress.ip_address(sip).packed
    b = ipaddress.ip_address(dip).packed
    if not (a < b or (a == b and sp < dp)):
        a, b, sp, dp = b, a, dp, sp
    data = struct.pack("!H", seed) + a + b + \
        struct.pack("!BBHH", PROTO_NUM[proto], 0, sp, dp)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()

groups = collections.OrderedDict()
for r in recs:
    for k in ("timestamp", "event_type", "flow_id", "src_ip", "dest_ip",
              "proto"):
        if k not in r:
            err("record without %s: %s" % (k, json.dumps(r)))
    if r.get("proto") not in ("TCP", "UDP"):
        continue            # ICMPv6 neighbour discovery and the like
    for k in ("src_port", "dest_port", "community_id"):
        if k not in r:
            err("record without %s: %s" % (k, json.dumps(r)))
    groups.setdefault(r.get("flow_id"), []).append(r)

def tup(r):
    return (r["proto"], norm(r["src_ip"]), r["src_port"], norm(r["dest_ip"]),
            r["dest_port"])

# One flow record per flow_id; orientation from it; envelope checks.
flows = {}
for fid, rs in groups.items():
    fl = [r for r in rs if r["event_type"] == "flow"]
    if len(fl) != 1:
        err("flow_id %s has %d flow records (want 1): %s"
            % (fid, len(fl), [json.dumps(r) for r in rs]))
        continue
    f = fl[0]
    t = tup(f)
    if t[3] not in SRV or SRV[t[3]] != t[1]:
        err("flow %s: src_ip is not the client (want client %s -> server "
            "%s): %s" % (fid, cli4 + "/" + cli6, srv4 + "/" + srv6,
                         json.dumps(f)))
    cid = community_id(t[0], t[1], t[3], t[2], t[4])
    for r in rs:
        if r.get("community_id") != cid:
            err("%s record of flow %s: community_id %s, computed %s"
                % (r["event_type"], fid, r.get("community_id"), cid))
        if r is f:
            continue
        rt = tup(r)
        fwd = not (r["event_type"] == "dns" and
                   r.get("dns", {}).get("type") == "response")
        want = t if fwd else (t[0], t[3], t[4], t[1], t[2])
        if rt != want:
            err("%s record of flow %s: addresses %s, want %s: %s"
                % (r["event_type"], fid, rt, want, json.dumps(r)))
    flows[fid] = (f, [r for r in rs if r is not f])

# ---- tshark, the referee
def tshark(*args):
    return subprocess.run(["tshark", "-n", "-r", tmp + "/cap.pcap"] +
                          list(args), capture_output=True, text=True,
                          check=True).stdout

pk = collections.defaultdict(lambda: [0, 0, 0, 0])   # tuple -> p0 p1 b0 b1
first = {}
for line in tshark("-T", "fields", "-E", "separator=|",
                   "-E", "occurrence=f", "-e", "frame.len", "-e", "ip.src",
                   "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
                   "-e", "tcp.srcport", "-e", "tcp.dstport", "-e",
                   "udp.srcport", "-e", "udp.dstport", "-e", "icmp.type",
                   "-e", "icmpv6.type").splitlines():
    (flen, s4, d4, s6, d6, tsp, tdp, usp, udp_, it4, it6) = line.split("|")
    if it4 or it6:
        continue
    if tsp:
        proto, sp, dp = "TCP", int(tsp), int(tdp)
    elif usp:
        proto, sp, dp = "UDP", int(usp), int(udp_)
    else:
        continue
    s, d = (s4, d4) if s4 else (norm(s6), norm(d6))
    key = (proto,) + tuple(sorted([(s, sp), (d, dp)]))
    if key not in first:
        first[key] = (s, sp)
    c = pk[key]
    if (s, sp) == first[key]:
        c[0] += 1
        c[2] += int(flen)
    else:
        c[1] += 1
        c[3] += int(flen)

conv = open(tmp + "/conv.txt").read()
ntcp_conv = udp_section = 0
nudp_conv = 0
section = None
for line in conv.splitlines():
    if "TCP Conversations" in line:
        section = "tcp"
    elif "UDP Conversations" in line:
        section = "udp"
    elif "<->" in line:
        if section == "tcp":
            ntcp_conv += 1
        elif section == "udp":
            nudp_conv += 1
ntcp = sum(1 for f, _ in flows.values() if f["proto"] == "TCP")
nudp = sum(1 for f, _ in flows.values() if f["proto"] == "UDP")
if ntcp != ntcp_conv:
    err("TCP flow records: %d, tshark conv,tcp conversations: %d"
        % (ntcp, ntcp_conv))
if nudp != nudp_conv:
    err("UDP flow records: %d, tshark conv,udp conversations: %d"
        % (nudp, nudp_conv))

seen_keys = set()
for fid, (f, _) in flows.items():
    t = tup(f)
    key = (t[0],) + tuple(sorted([(t[1], t[2]), (t[3], t[4])]))
    seen_keys.add(key)
    if key not in pk:
        err("flow %s %s: tshark saw no such conversation" % (fid, t))
        continue
    c = pk[key]
    if first[key] != (t[1], t[2]):
        c = [c[1], c[0], c[3], c[2]]
    fo = f.get("flow", {})
    got = [fo.get("pkts_toserver"), fo.get("pkts_toclient"),
           fo.get("bytes_toserver"), fo.get("bytes_toclient")]
    if got != c:
        err("flow %s %s: pkts/bytes toserver/toclient %s, tshark %s"
            % (fid, t, got, c))
for key in pk:
    if key not in seen_keys:
        err("tshark conversation %s (%s packets) has no flow record"
            % (key, pk[key]))

# ---- the expected exchanges
class X:
    def __init__(self, name, proto, server, port, kind, match, check):
        self.name, self.proto, self.server, self.port = name, proto, server, port
        self.kind, self.match, self.check = kind, match, check
        self.found = []

def only(rs, kind):
    return [r for r in rs if r["event_type"] == kind]

def want(cond, xname, msg, rs):
    if not cond:
        err("%s: %s; records: %s" % (xname, msg,
                                      [json.dumps(r) for r in rs]))

def chk_http(host, url, method):
    def f(x, meta):
        h = only(meta, "http")
        want(len(h) == 1 and len(meta) == 1, x.name,
             "want exactly one http record", meta)
        if h:
            b = h[0].get("http", {})
            got = (b.get("hostname"), b.get("url"), b.get("http_method"),
                   b.get("http_user_agent"))
            want(got == (host, url, method, "canhgac-e2e/1.0"), x.name,
                 "http hostname/url/method/user_agent %s" % (got,), h)
    return f

def chk_tls(sni, offered, negotiated):
    def f(x, meta):
        t = only(meta, "tls")
        # Below TLS 1.3 the server's certificate is in clear: a record.
        ncert = 0 if negotiated == "TLS 1.3" else 1
        want(len(t) == 2 + ncert and len(meta) == 2 + ncert, x.name,
             "want %d tls records (ClientHello, ServerHello%s)"
             % (2 + ncert, ", certificate" if ncert else ""), meta)
        ch = [r for r in t if "sni" in r.get("tls", {})
              and "subject" not in r["tls"]]
        sh = [r for r in t if "negotiated" in r.get("tls", {})]
        ce = [r for r in t if "subject" in r.get("tls", {})]
        want(len(ch) == 1, x.name, "want one ClientHello record", t)
        want(len(sh) == 1, x.name, "want one ServerHello record", t)
        want(len(ce) == ncert and all(r["tls"].get("sni") == sni and
                                      r["tls"].get("fingerprint")
                                      for r in ce), x.name,
             "want %d certificate record(s) naming %s" % (ncert, sni), t)
        if ch:
            b = ch[0]["tls"]
            want(b.get("sni") == sni and b.get("version") == offered and
                 "negotiated" not in b, x.name,
                 "ClientHello: want sni %s version %s" % (sni, offered), ch)
        if sh:
            b = sh[0]["tls"]
            want(b.get("negotiated") == negotiated, x.name,
                 "ServerHello: want negotiated %s" % negotiated, sh)
            if "version" in b:
                want(b["version"] == offered, x.name,
                     "ServerHello: version (offered) should be %s" % offered,
                     sh)
    return f

def chk_dns(rrname, rcode):
    def f(x, meta):
        d = only(meta, "dns")
        q = [r for r in d if r.get("dns", {}).get("type") == "request"]
        a = [r for r in d if r.get("dns", {}).get("type") == "response"]
        want(len(q) == 1 and len(a) == 1 and len(meta) == 2, x.name,
             "want one dns query and one dns answer record", meta)
        for r in q + a:
            b = r["dns"]
            want(b.get("version") == 3 and
                 b.get("queries") == [{"rrname": rrname, "rrtype": "A"}],
                 x.name, "want version 3, queries rrname %s rrtype A"
                 % rrname, [r])
        if q:
            # Suricata 8 writes the header's rcode in requests too.
            want(q[0]["dns"].get("rcode") == "NOERROR", x.name,
                 "a query's rcode: want NOERROR", q)
        if a:
            want(a[0]["dns"].get("rcode") == rcode, x.name,
                 "answer rcode: want %s" % rcode, a)
        if q and a:
            want(q[0]["dns"].get("id") == a[0]["dns"].get("id"), x.name,
                 "query and answer ids differ", q + a)
    return f

def chk_ssh(x, meta):
    s = only(meta, "ssh")
    want(len(s) == 2 and len(meta) == 2, x.name,
         "want two ssh records (client, server)", meta)
    cl = [r["ssh"]["client"] for r in s if "client" in r.get("ssh", {})]
    sv = [r["ssh"]["server"] for r in s if "server" in r.get("ssh", {})]
    want(cl == [{"proto_version": "2.0",
                 "software_version": "OpenSSH_8.9p1"}], x.name,
         "ssh.client: want proto 2.0 software OpenSSH_8.9p1", s)
    # RFC 4253: "SSH-protoversion-softwareversion SP comments"; the comment
    # "Debian-2" is not part of the software version.
    want(len(sv) == 1 and sv[0].get("proto_version") == "2.0" and
         sv[0].get("software_version") == "OpenSSH_9.2p1", x.name,
         "ssh.server: want proto 2.0 software OpenSSH_9.2p1", s)

def chk_ftp(x, meta):
    p = only(meta, "plaintext")
    want(1 <= len(p) <= 2 and len(meta) == len(p), x.name,
         "want one or two plaintext records (USER, PASS)", meta)
    bodies = [r.get("plaintext", {}) for r in p]
    want(all(b.get("protocol") == "ftp" for b in bodies), x.name,
         "plaintext.protocol: want ftp", p)
    want(any(b.get("user") == "alice" and b.get("user_seen") is True
             for b in bodies), x.name, "no record with user alice", p)
    want(bodies and bodies[-1].get("password_seen") is True, x.name,
         "the last plaintext record must say password_seen true", p)
    want(all(b.get("user", "alice") == "alice" for b in bodies), x.name,
         "unexpected user", p)

def sni_of(meta):
    return [r["tls"]["sni"] for r in meta if "sni" in r.get("tls", {})
            and "subject" not in r["tls"]]

def host_of(meta):
    return [r["http"].get("hostname") for r in meta if "http" in r]

def dns_of(meta):
    return [q["rrname"] for r in meta if "dns" in r
            for q in r["dns"].get("queries", [])]

X_ = [
    X("http4", "TCP", srv4, 80, "http", lambda m: "web.test" in host_of(m),
      chk_http("web.test", "/hello.txt", "GET")),
    X("http6", "TCP", srv6, 80, "http", lambda m: "web6.test" in host_of(m),
      chk_http("web6.test", "/hello.txt", "HEAD")),
    X("tls12", "TCP", srv4, 443, "tls", lambda m: "tls12.test" in sni_of(m),
      chk_tls("tls12.test", "TLS 1.3", "TLS 1.2")),
    X("tls13", "TCP", srv4, 443, "tls", lambda m: "tls13.test" in sni_of(m),
      chk_tls("tls13.test", "TLS 1.3", "TLS 1.3")),
    X("tls12-only", "TCP", srv4, 443, "tls",
      lambda m: "old.tls12.test" in sni_of(m),
      chk_tls("old.tls12.test", "TLS 1.2", "TLS 1.2")),
    X("dns-udp4", "UDP", srv4, 53, "dns",
      lambda m: "www.example.test" in dns_of(m),
      chk_dns("www.example.test", "NOERROR")),
    X("dns-nx", "UDP", srv4, 53, "dns",
      lambda m: "missing.nx.test" in dns_of(m),
      chk_dns("missing.nx.test", "NXDOMAIN")),
    X("dns-udp6", "UDP", srv6, 53, "dns",
      lambda m: "v6.example.test" in dns_of(m),
      chk_dns("v6.example.test", "NOERROR")),
    X("dns-tcp", "TCP", srv4, 53, "dns",
      lambda m: "tcp.example.test" in dns_of(m),
      chk_dns("tcp.example.test", "NOERROR")),
    X("ssh", "TCP", srv4, 22, "ssh", lambda m: True, chk_ssh),
    X("ftp", "TCP", srv4, 21, "plaintext", lambda m: True, chk_ftp),
]

unclaimed = dict(flows)
for x in X_:
    for fid, (f, meta) in flows.items():
        t = tup(f)
        if (t[0], t[3], t[4]) != (x.proto, x.server, x.port):
            continue
        # A flow to this service is claimed by this exchange if its
        # metadata names it, or if it is the only one for the service.
        if x.match(meta) or (not any(r["event_type"] == x.kind
                                     for r in meta) and
                             sum(1 for y in X_ if (y.proto, y.server,
                                                   y.port) ==
                                 (x.proto, x.server, x.port)) == 1):
            x.found.append(fid)
    if len(x.found) != 1:
        err("%s (%s to %s port %d): %d matching flows, want 1: %s"
            % (x.name, x.proto, x.server, x.port, len(x.found),
               [json.dumps(r) for fid in x.found for r in
                [flows[fid][0]] + flows[fid][1]]))
        if not x.found:
            # Point at a flow of the service without the metadata.
            for fid, (f, meta) in flows.items():
                t = tup(f)
                if (t[0], t[3], t[4]) == (x.proto, x.server, x.port) and \
                        fid in unclaimed:
                    err("  unclaimed %s flow %s: %s" % (
                        x.name, fid, [json.dumps(r) for r in
                                      [f] + meta]))
        continue
    fid = x.found[0]
    unclaimed.pop(fid, None)
    f, meta = flows[fid]
    x.check(x, meta)
    fo = f.get("flow", {})
    if f["proto"] == "TCP":
        want(fo.get("pkts_toserver", 0) > 0 and
             fo.get("pkts_toclient", 0) > 0, x.name,
             "want packets both ways", [f])
        want(fo.get("state") == "closed", x.name,
             "cleanly closed TCP connection: want state closed", [f])
        tf = f.get("tcp", fo.get("tcp", {}))
        want(tf.get("syn") is True and tf.get("syn_ack") is True and
             (tf.get("fin") is True or tf.get("rst") is True), x.name,
             "want tcp syn, syn_ack and fin or rst", [f])
    else:
        want(fo.get("pkts_toserver") == 1 and fo.get("pkts_toclient") == 1,
             x.name, "want one datagram each way", [f])
        want(fo.get("state") in ("established", "new"), x.name,
             "UDP flow state", [f])
    want(fo.get("reason") in ("shutdown", "timeout"), x.name,
         "flow.reason: want shutdown (or timeout)", [f])

for fid, (f, meta) in unclaimed.items():
    err("unexpected flow %s: %s" % (fid, [json.dumps(r) for r in
                                          [f] + meta]))

# Metadata records without a flow record of their own were reported above
# (flow_id with 0 flow records); app records must belong to TCP/UDP flows.

# ---- tshark's decoding of the same packets
def ts_list(filt, *fields):
    args = ["-Y", filt, "-T", "fields", "-E", "separator=|"]
    for fl in fields:
        args += ["-e", fl]
    return [tuple(l.split("|")) for l in tshark(*args).splitlines()]

ev_sni = sorted(r["tls"]["sni"] for r in recs if "sni" in r.get("tls", {})
                and "subject" not in r["tls"])     # ClientHellos only
ts_sni = sorted(s for (s,) in ts_list("tls.handshake.type == 1",
                "tls.handshake.extensions_server_name"))
if ev_sni != ts_sni:
    err("tls.sni %s, tshark %s" % (ev_sni, ts_sni))

ev_http = sorted((r["http"].get("hostname"), r["http"].get("url"),
                  r["http"].get("http_method"))
                 for r in recs if r.get("event_type") == "http")
ts_http = sorted((h.rsplit(":", 1)[0] if h.count(":") == 1 else h, u, m)
                 for (h, u, m) in ts_list("http.request", "http.host",
                                          "http.request.uri",
                                          "http.request.method"))
if ev_http != ts_http:
    err("http host/url/method %s, tshark %s" % (ev_http, ts_http))

RC = {0: "NOERROR", 3: "NXDOMAIN"}
# The header flags as tshark reads them: the type, the hex `flags` and
# the rcode (of queries too, as Suricata 8 writes it) follow from them.
ev_dns = sorted((r["dns"]["type"], r["dns"]["queries"][0]["rrname"],
                 r["dns"]["flags"], r["dns"]["rcode"])
                for r in recs if r.get("event_type") == "dns")
ts_dns = sorted(("response" if int(fl, 16) & 0x8000 else "request", name,
                 "%x" % int(fl, 16), RC.get(int(fl, 16) & 0xf, "?"))
                for (fl, name) in ts_list("dns", "dns.flags", "dns.qry.name"))
if ev_dns != ts_dns:
    err("dns type/rrname/flags/rcode %s, tshark %s" % (ev_dns, ts_dns))
ev_ans = sorted((a["rrname"], a["rrtype"], a["ttl"], a.get("rdata"))
                for r in recs if r.get("event_type") == "dns"
                for a in r["dns"].get("answers", []))
ts_ans = sorted((n, "A", int(t), a) for (n, t, a) in ts_list(
    "dns.flags.response == 1 && dns.a", "dns.resp.name", "dns.resp.ttl",
    "dns.a"))
if ev_ans != ts_ans:
    err("dns answers %s, tshark %s" % (ev_ans, ts_ans))

ev_ssh = sorted("SSH-%s-%s" % (b["proto_version"], b["software_version"])
                for r in recs if r.get("event_type") == "ssh"
                for b in r["ssh"].values())
ts_ssh = sorted(s.split(" ")[0].strip() for (s,) in
                ts_list("ssh.protocol", "ssh.protocol"))
if ev_ssh != ts_ssh:
    err("ssh banners %s, tshark %s" % (ev_ssh, ts_ssh))

ts_user = [u for (u,) in ts_list('ftp.request.command == "USER"',
                                 "ftp.request.arg")]
ev_user = sorted(set(r["plaintext"]["user"] for r in recs
                     if "user" in r.get("plaintext", {})))
if ev_user != sorted(set(ts_user)):
    err("plaintext users %s, tshark %s" % (ev_user, ts_user))

# ---- stats
st = json.load(open(tmp + "/stats.json"))
ifs = [i for i in st.get("interfaces", []) if i.get("name") == iface]
if len(ifs) != 1:
    err("stats: want one interface %s: %s" % (iface, st.get("interfaces")))
else:
    i = ifs[0]
    if not i.get("pcap_received", 0) > 0:
        err("stats: %s pcap_received %s" % (iface, i.get("pcap_received")))
    if i.get("pcap_dropped") != 0:
        err("stats: %s pcap_dropped %s" % (iface, i.get("pcap_dropped")))
evs = st.get("outputs", {}).get("events", {})
if evs.get("errors") != 0:
    err("stats: outputs.events.errors %s" % evs.get("errors"))
if evs.get("written") != len(recs):
    err("stats: outputs.events.written %s, events.json has %d records"
        % (evs.get("written"), len(recs)))

if errors:
    print("\n".join(errors))
    sys.exit(1)
print("%d records, %d TCP/UDP flows, %d exchanges checked"
      % (len(recs), len(flows), len(X_)))
EOF

out=$("$PY" "$TMP/check.py" "$TMP" "$IF_SRV" "$SRV4" "$CLI4" "$SRV6" \
    "$CLI6" 2>&1) || fail "record checks:
$out"
log "PASS: $out"
exit 0
