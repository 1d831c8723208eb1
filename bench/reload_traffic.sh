#!/bin/bash
# Reload under traffic: a live daemon on the loopback of a private network
# namespace with N generated rules (default 50,000) receives a steady UDP
# stream that a rule matches, and is reloaded with the same N rules,
# first by SIGHUP, then by `canhgacctl reload`. For each reload: how long
# the new rule set took to build and swap in, the slowest `canhgacctl
# status` answer while it was built, the alerts written during it, and
# the packets pcap and the kernel dropped. One table on stdout, one JSON
# line per reload in $BENCH_DIR/reload_traffic.jsonl.
#
#   bench/reload_traffic.sh [RULES] [PPS]      (default 50000 2000)
#
# BUFFER_SIZE=64MB sets the capture's buffer_size (default: libpcap's).
# Needs root (a network namespace) and canhgacd and canhgacctl in the
# build directory ($top_builddir, default build/). Exits 1 if a reload
# fails, any packet is dropped, or status went unanswered for over a
# second: the promise is that a reload never holds capture.
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
B=${top_builddir:-$top_srcdir/build}
PY=/usr/bin/python3
nrules=${1:-50000}
pps=${2:-2000}
per_file=25000
[ "$(id -u)" -eq 0 ] || { echo "reload_traffic.sh: needs root" >&2; exit 1; }
for b in canhgacd canhgacctl; do
	[ -x "$B/$b" ] || { echo "reload_traffic.sh: $B/$b is not built" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/cg-reload-bench.XXXXXX)
chmod 755 "$tmp"
ns=cgrlb$$
dpid= tpid=
cleanup() {
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
out=${BENCH_DIR:-$tmp}
mkdir -p "$out"

# The generated rules, 25k a file (a rule file is capped at 16 MiB), and
# one rule (tests/e2e/fixtures) that the stream matches, so alerts show
# that matching goes on.
files=
i=0
while [ "$i" -lt "$nrules" ]; do
	n=$(( nrules - i < per_file ? nrules - i : per_file ))
	"$PY" "$top_srcdir/bench/bench.py" rules "$n" "$tmp/gen$i.yaml" "$i"
	files="$files, gen$i.yaml"
	i=$((i + n))
done
cp "$top_srcdir/tests/e2e/fixtures/udp9999.rules" "$tmp/udp.yaml"
cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: reload-bench, security_level: 5, state_dir: none,
         catalog: $top_srcdir/rules/controls-tcvn11930.yaml}
capture:
  - {interface: lo${BUFFER_SIZE:+, buffer_size: $BUFFER_SIZE}}
rules: [udp.yaml$files]
outputs:
  json: {path: alerts.json}
  status: {socket: $tmp/ctl.sock}
EOF
ctl() { "$B/canhgacctl" -s "$tmp/ctl.sock" "$@"; }
ip netns exec "$ns" "$B/canhgacd" -v -c "$tmp/canhgac.yaml" 2>"$tmp/daemon.err" &
dpid=$!
for _ in $(seq 600); do grep -q "running on" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "running on" "$tmp/daemon.err" || { echo "reload_traffic.sh: the daemon did not start:" >&2; cat "$tmp/daemon.err" >&2; exit 1; }

ip netns exec "$ns" "$PY" - "$pps" <<'PYEOF' &
import socket, sys, time
pps = int(sys.argv[1]); s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t, n = time.time(), 0
while True:
    for _ in range(max(1, pps // 100)):
        s.sendto(b"reload-bench", ("127.0.0.1", 9999)); n += 1
    t += 0.01
    d = t - time.time()
    if d > 0:
        time.sleep(d)
PYEOF
tpid=$!
sleep 2

# counters: "packets pcap_dropped if_dropped" of the capture interface.
counters() {
	ctl --json stats | "$PY" -c 'import json, sys
i = json.load(sys.stdin)["interfaces"][0]
print(i.get("packets", 0), i.get("pcap_dropped", 0), i.get("if_dropped", 0))'
}
bad=0
printf '%-16s %8s %7s %12s %8s %9s %8s %8s\n' how rules "load s" "max status" alerts packets "pcap drop" "if drop"
for how in SIGHUP "canhgacctl reload"; do
	read -r p0 d0 k0 < <(counters)
	a0=$(wc -l <"$tmp/alerts.json")
	r0=$(grep -c "reloaded" "$tmp/daemon.err" || true)
	start=$(date +%s%N)
	cpid=
	if [ "$how" = SIGHUP ]; then
		kill -HUP "$dpid"
	else
		ctl -t 600 reload >"$tmp/ctl-reload.out" 2>&1 &
		cpid=$!
	fi
	worst=0
	while :; do
		q=$(date +%s%N)
		timeout 5 "$B/canhgacctl" -s "$tmp/ctl.sock" status >/dev/null 2>&1 || worst=5000
		ms=$(( ($(date +%s%N) - q) / 1000000 ))
		[ "$ms" -gt "$worst" ] && worst=$ms
		[ "$(grep -c "reloaded\|reload failed" "$tmp/daemon.err" || true)" -gt "$r0" ] && break
		[ $(( ($(date +%s%N) - start) / 1000000000 )) -gt 300 ] && { worst=-1; break; }
		sleep 0.2
	done
	secs=$(( ($(date +%s%N) - start) / 1000000 ))
	[ -z "$cpid" ] || wait "$cpid" || { echo "canhgacctl reload: $(cat "$tmp/ctl-reload.out")" >&2; bad=1; }
	sleep 1
	read -r p1 d1 k1 < <(counters)
	a1=$(wc -l <"$tmp/alerts.json")
	printf '%-16s %8d %7.2f %10d ms %8d %9d %8d %8d\n' "$how" "$nrules" \
	    "$(echo "scale=2; $secs / 1000" | bc)" "$worst" $((a1 - a0)) \
	    $((p1 - p0)) $((d1 - d0)) $((k1 - k0))
	printf '{"how":"%s","rules":%d,"pps":%d,"reload_ms":%d,"max_status_ms":%d,"alerts":%d,"packets":%d,"pcap_dropped":%d,"if_dropped":%d}\n' \
	    "$how" "$nrules" "$pps" "$secs" "$worst" $((a1 - a0)) $((p1 - p0)) \
	    $((d1 - d0)) $((k1 - k0)) >>"$out/reload_traffic.jsonl"
	grep -q "reload failed" "$tmp/daemon.err" && { echo "reload failed:" >&2; tail -3 "$tmp/daemon.err" >&2; bad=1; }
	[ "$worst" -ge 0 ] && [ "$worst" -le 1000 ] || bad=1
	[ $((d1 - d0 + k1 - k0)) -eq 0 ] && [ $((a1 - a0)) -gt 0 ] || bad=1
done
exit $bad
