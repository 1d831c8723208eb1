#!/bin/bash
# Segments merged before capture, on a real kernel. A data server that
# runs the sensor on its own interface sends with TSO/GSO on (a veth's
# default, as most NICs'): capture sees TCP segments of up to 64 KiB,
# and the default snap length (1,600) kept only their first bytes.
# Before, the bytes past it were lost without a word, and the stream
# waited on them for good: the rest of the connection went uninspected.
# Two namespaces joined by a veth pair; the data server (10.20.1.20,
# fd00:20:1::20) POSTs 60 KB carrying three citizen-ID numbers to an
# outside host (203.0.113.9, 2001:db8:99::9) over a real TCP connection,
# then, on the same connection, a GET; canhgacd captures on the data
# server's end:
#  1. offloads on, snaplen 1600, over IPv4 and over IPv6: canhgacd warns
#     at start, naming the interface, the offloads on (tso, gso) and the
#     fix; the long segments are counted (stream.cut_segments), their
#     holes crossed as gaps once the outside host acknowledged them,
#     nothing left held, the GET after them parsed (its HTTP event), and
#     the sensor alert 1001122 says so;
#  2. offloads on, snaplen 65600: no warning, nothing cut, and the
#     data-leak alert (1000802);
#  3. offloads off (ethtool -K ... off, the warning's advice), snaplen
#     1600: no warning, nothing cut, the data-leak alert;
#  4. offloads off at start, then turned on while the sensor runs (as a
#     driver's reset restores them): the warning within seconds, once;
#     off again: said so.
# Exit: 0 pass, 1 fail, 77 skip (not root, no ethtool; never under
# CI=true).
if [ -z "${BASH_VERSION:-}" ]; then
	exec /bin/bash "$0" "$@"
fi
set -u
me=capture_merge
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/e2e/skip_lib.sh"
PY=/usr/bin/python3
D=${CANHGACD:-$top_builddir/canhgacd}
C=${CANHGACCTL:-$top_builddir/canhgacctl}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
for t in ip ethtool; do
	command -v $t >/dev/null || skip "$t not installed (scripts/setup.sh)"
done
[ -x "$PY" ] || skip "needs /usr/bin/python3"

A=cgmA$$ B=cgmB$$ IA=cgma$$ IB=cgmb$$
tmp=$(mktemp -d /tmp/cg-merge.XXXXXX)
daemon=
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=1; fi
}

ip netns add $A && ip netns add $B &&
    ip link add $IA netns $A type veth peer name $IB netns $B &&
    ip -n $A link set lo up && ip -n $B link set lo up &&
    ip -n $A addr add 10.20.1.20/32 dev $IA &&
    ip -n $B addr add 203.0.113.9/32 dev $IB &&
    ip -n $A addr add fd00:20:1::20/128 dev $IA nodad &&
    ip -n $B addr add 2001:db8:99::9/128 dev $IB nodad &&
    ip -n $A link set $IA up && ip -n $B link set $IB up &&
    ip -n $A route add 203.0.113.9/32 dev $IA &&
    ip -n $B route add 10.20.1.20/32 dev $IB &&
    ip -n $A route add 2001:db8:99::9/128 dev $IA &&
    ip -n $B route add fd00:20:1::20/128 dev $IB ||
    { echo "FAIL: cannot build the namespaces"; exit 1; }
ip netns exec $A ethtool -k $IA | grep -q '^tcp-segmentation-offload: on' ||
    { echo "FAIL: TSO is not on the veth (kernel default)"; exit 1; }

# run NAME SNAPLEN [SERVER]: the POST and the GET once, captured with
# that snap length; to 203.0.113.9 unless SERVER is given.
run() {
	local name=$1 snap=$2 server=${3:-203.0.113.9} _
	sed -e "s|\.\./\.\./|$top_srcdir/|g" \
	    "$top_srcdir/tests/rules/canhgac-test.yaml" >"$tmp/$name.yaml"
	printf '%s\n' "capture:" "  - interface: $IA" "    snaplen: $snap" \
	    "outputs:" "  json: {path: $tmp/$name.alerts}" \
	    "  status: {socket: $tmp/$name.sock}" >>"$tmp/$name.yaml"
	ip netns exec $A "$D" -c "$tmp/$name.yaml" \
	    --events "$tmp/$name.events" 2>"$tmp/$name.err" &
	daemon=$!
	for _ in $(seq 100); do [ -S "$tmp/$name.sock" ] && break; sleep 0.1; done
	# The server listens before the client starts (its "ready" line),
	# and gives up after 20 s: a failed client cannot hang the test.
	ip netns exec $B $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 80))
s.listen(1)
s.settimeout(20)
print("ready", flush=True)
c, _ = s.accept()
c.settimeout(20)
while c.recv(65536):
    pass
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" * 2)
c.close()' "$server" >"$tmp/$name.srv" 2>&1 &
	local srv=$!
	for _ in $(seq 100); do grep -q ready "$tmp/$name.srv" && break; sleep 0.05; done
	ip netns exec $A $PY -c '
import socket, sys, time
ids = [b"001090012345", b"079195012346", b"048201012347"]
body = (b"ghi_chu=" + b"x" * 30000 + b"&ho_so=" + b"&cccd=".join(ids) +
        b"&z=" + b"y" * 30000)
req = (b"POST /nop-ho-so HTTP/1.1\r\nHost: dich-vu.example\r\n"
       b"Content-Type: application/x-www-form-urlencoded\r\n"
       b"Content-Length: %d\r\n\r\n" % len(body)) + body
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(req)
time.sleep(0.5)   # acknowledged: the GET in a segment of its own
s.sendall(b"GET /sau-cat HTTP/1.1\r\nHost: dich-vu.example\r\n\r\n")
s.shutdown(socket.SHUT_WR)
s.recv(100)
s.close()' "$server" || echo "note: the client failed"
	wait $srv
	# The health check runs on the loop's clock: a sensor alert within
	# a few seconds of the segments.
	for _ in $(seq 50); do
		"$C" -s "$tmp/$name.sock" --json stats >"$tmp/$name.stats" 2>/dev/null
		grep -q '"signature_id":1000802\|"signature_id":1001122' \
		    "$tmp/$name.alerts" 2>/dev/null && [ -s "$tmp/$name.stats" ] &&
		    break
		sleep 0.2
	done
	sleep 1
	"$C" -s "$tmp/$name.sock" --json stats >"$tmp/$name.stats" 2>/dev/null
	[ -s "$tmp/$name.stats" ] || echo "note: $name: no stats"
	kill $daemon
	wait $daemon
	daemon=
	if grep -qE 'runtime error|Sanitizer' "$tmp/$name.err"; then
		echo "FAIL $name: sanitizer report"; cat "$tmp/$name.err"; fails=1
	fi
}
stat() {	# stat NAME KEY: a counter of canhgacctl stats --json
	$PY -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$tmp/$1.stats" "$2" 2>/dev/null || echo none
}
count() { grep -c "\"signature_id\":$2," "$tmp/$1.alerts" 2>/dev/null || true; }

run cut 1600
run cut6 1600 2001:db8:99::9
run whole 65600
ip netns exec $A ethtool -K $IA gro off lro off tso off gso off 2>/dev/null
ip netns exec $A ethtool -k $IA | grep -q '^tcp-segmentation-offload: off' ||
    { echo "FAIL: cannot turn TSO off"; exit 1; }
run off 1600

check "cut: the start warning names the interface, the offloads and the fix" \
	grep -q "$IA: the kernel merges TCP segments before capture (tso, gso on).*snaplen 1600.*ethtool -K $IA gro off lro off tso off gso off" "$tmp/cut.err"
for n in cut cut6; do
	check "$n: long segments counted ($(stat $n stream.cut_segments))" \
		[ "$(stat $n stream.cut_segments)" -ge 1 ]
	check "$n: their holes crossed as gaps ($(stat $n stream.gaps))" \
		[ "$(stat $n stream.gaps)" -ge 1 ]
	check "$n: nothing left held ($(stat $n stream.blocks_used) blocks)" \
		[ "$(stat $n stream.blocks_used)" = 0 ]
	check "$n: the GET after them parsed (its HTTP event)" \
		grep -q '"url":"/sau-cat"' "$tmp/$n.events"
	check "$n: one sensor alert 1001122" [ "$(count $n 1001122)" = 1 ]
done
check "whole: no warning" eval '! grep -q "merges TCP segments" "$tmp/whole.err"'
check "whole: nothing cut" [ "$(stat whole stream.cut_segments)" = 0 ]
check "whole: the data-leak alert" [ "$(count whole 1000802)" = 1 ]
check "whole: no sensor alert" [ "$(count whole 1001122)" = 0 ]
check "off: no warning" eval '! grep -q "merges TCP segments" "$tmp/off.err"'
check "off: nothing cut" [ "$(stat off stream.cut_segments)" = 0 ]
check "off: the data-leak alert" [ "$(count off 1000802)" = 1 ]
check "whole: the GET parsed" grep -q '"url":"/sau-cat"' "$tmp/whole.events"

# 4. On while running: a daemon that warned at start only said nothing.
sed "s|$tmp/off\.|$tmp/later.|g" "$tmp/off.yaml" >"$tmp/later.yaml"
ip netns exec $A "$D" -c "$tmp/later.yaml" 2>"$tmp/later.err" &
daemon=$!
for _ in $(seq 100); do [ -S "$tmp/later.sock" ] && break; sleep 0.1; done
[ -S "$tmp/later.sock" ] &&	# the socket comes after the start's look
    cp "$tmp/later.err" "$tmp/later.start"
ip netns exec $A ethtool -K $IA tso on gso on 2>/dev/null
ip netns exec $A ethtool -k $IA | grep -q '^tcp-segmentation-offload: on' ||
    { echo "FAIL: cannot turn TSO on again"; fails=1; }
for _ in $(seq 100); do
	grep -q "the kernel merges TCP" "$tmp/later.err" && break
	sleep 0.1
done
sleep 6		# a second look (5 s) says nothing new
ip netns exec $A ethtool -K $IA tso off gso off 2>/dev/null
for _ in $(seq 100); do
	grep -q "no longer merges" "$tmp/later.err" && break
	sleep 0.1
done
kill $daemon
wait $daemon
daemon=
check "later: no warning at start (offloads off)" \
	eval '[ -f "$tmp/later.start" ] && ! grep -q "merges TCP" "$tmp/later.start"'
check "later: turned on while running, the warning names them" \
	grep -q "$IA: the kernel merges TCP segments before capture (tso, gso on)" "$tmp/later.err"
check "later: said once" [ "$(grep -c "the kernel merges TCP" "$tmp/later.err")" = 1 ]
check "later: turned off again, said so" grep -q "$IA: the kernel no longer merges" "$tmp/later.err"

[ $fails = 0 ] || { for n in cut cut6 whole off later; do echo "--- $n.err"; grep -v "^canhgacd: \(inventory\|state\|baselines\|self-test\)" "$tmp/$n.err"; done; }
[ $fails = 0 ] && echo "PASS $me" || echo "FAIL $me"
exit $fails
