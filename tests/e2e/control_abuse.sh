#!/bin/bash
# Abuse of the status socket while the daemon captures live traffic:
# 500 clients that connect and send nothing, oversized lines (with and
# without a newline), garbage, and a `follow` client that never reads.
# Throughout, a well-behaved client gets its answers; afterwards the
# daemon is still capturing, its memory stayed bounded, the slow
# follower was cut off with a notice, and it shuts down cleanly.
. "${top_srcdir:?}/tests/e2e/control_lib.sh"

ctl_setup abuse
ctl_traffic 40 20
sleep 1
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$dpid/status"; }
rss0=$(rss)
pk0=$(ctl --json status | $PY -c 'import json,sys; print(json.load(sys.stdin)["packets"])')

$PY - "$SOCK" "$CANHGACCTL" "$tmp" "${ns}b" "$SRV" <<'EOF' >"$tmp/abuse.out" 2>&1
import json, os, resource, socket, subprocess, sys, time
sys.path.insert(0, os.environ["top_srcdir"] + "/tests/e2e")
from control_lib import say, status_ok, exit_status
path, ctl, tmp, nsb, srv = sys.argv[1:6]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))

def well_behaved(what):
    status_ok(ctl, path, what + ": a well-behaved client")

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s

def answer(s, limit=4096):
    s.settimeout(5)
    data = b""
    try:
        while b"\n" not in data and len(data) < limit:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data

def closed(s):
    s.settimeout(5)
    try:
        while True:
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

# 500 idle clients, all held open.
idle = []
for i in range(500):
    try:
        idle.append(conn())
    except OSError as e:
        print("connect %d: %s" % (i, e))
        break
say(len(idle) == 500, "500 idle clients connected")
well_behaved("with 500 idle clients")

# Oversized line without a newline: refused and closed.
s = conn()
try:
    s.sendall(b"{" + b"x" * 100000)
except OSError:
    pass
a = answer(s)
say(b"longer than" in a and closed(s), "100 kB without a newline: %r, closed" % a[:70])
# Oversized line with a newline.
s = conn()
try:
    s.sendall(b'{"cmd":"status","pad":"' + b"y" * 20000 + b'"}\n')
except OSError:
    pass
a = answer(s)
say(b"longer than" in a and closed(s), "20 kB line: %r, closed" % a[:70])
# Garbage: an error, then the connection closed.
s = conn()
s.sendall(os.urandom(3000).replace(b"\n", b"") + b"\n")
a = answer(s)
say(a.startswith(b'{"ok":false,"error":"bad request') and closed(s),
    "garbage: %r, closed" % a[:60])
s = conn()
s.sendall(b'{"cmd":"nope"}\n[1,2]\n')
a = answer(s, 200)
say(b"unknown command" in a, "unknown command answered: %r" % a[:60])
# A since whose microseconds overflow 64 bits (undefined in C): refused.
for since in (b"1e300", b"18446744073710"):
    s = conn()
    s.sendall(b'{"cmd":"alerts","since":' + since + b'}\n')
    a = answer(s, 200)
    say(b'"ok":false' in a and b"since" in a,
        "since %s refused: %r" % (since.decode(), a[:60]))
    s.close()
well_behaved("after oversized lines and garbage")

# A follow client that never reads, with a small receive buffer.
f = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
f.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
f.connect(path)
f.sendall(b'{"cmd":"follow"}\n')
# A flood of alerting datagrams (about 600 bytes of alert each).
subprocess.run(["ip", "netns", "exec", nsb, sys.executable, "-c", """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(6000):
    s.sendto(b"z" * 16, (sys.argv[1], 9999))
    if i % 200 == 0:
        time.sleep(0.01)
""", srv], check=True)
time.sleep(1.5)
well_behaved("while a follower does not read")
data = b""
f.settimeout(5)
try:
    while True:
        c = f.recv(1 << 20)
        if not c:
            break
        data += c
except (ConnectionResetError, socket.timeout):
    pass
last = data.rstrip(b"\n").split(b"\n")[-1]
say(b"too slow" in last, "the slow follower got a notice and was cut off "
    "after %d bytes: %r" % (len(data), last[:80]))
for s in idle:
    s.close()
well_behaved("at the end")
sys.exit(exit_status())
EOF
rc=$?
cat "$tmp/abuse.out"
[ $rc -eq 0 ] && pass "abuse script" || flunk "abuse script (rc $rc)"

kill -0 "$dpid" 2>/dev/null && pass "daemon alive" || flunk "daemon died"
ctl --json stats >"$tmp/stats.json"
check "stats count the evictions, bad requests and the cut-off" \
    $PY - "$tmp/stats.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["control"]
print("     control:", c)
assert c["evicted_idle"] >= 500 - 256 and c["bad_requests"] >= 3
assert c["follow_cut_off"] >= 1
EOF
sleep 1
pk1=$(ctl --json status | $PY -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
[ "$pk1" -gt "$pk0" ] && pass "still capturing ($pk0 -> $pk1 packets)" || flunk "capture stalled $pk0 -> $pk1"
rss1=$(rss)
[ $((rss1 - rss0)) -lt 65536 ] && pass "memory bounded: RSS $rss0 -> $rss1 KiB" ||
    flunk "RSS grew $rss0 -> $rss1 KiB"
check "the cut-off was logged" grep -q "follow client too slow" "$tmp/daemon.err"
ctl_finish
