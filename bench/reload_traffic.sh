#!/bin/bash
# Reload under traffic: a live daemon on the loopback of a private network
# namespace with N generated rules (default 50,000) receives a steady UDP
# stream that a rule matches, and is reloaded with the same N rules,
# first by SIGHUP, then by `canhgacctl reload`. For each reload: how long
# the new rule set took to build and swap in, the slowest `canhgacctl
# status` answer while it was built, the alerts written and packets seen
# during it, and the packets pcap and the kernel dropped. One table on
# stdout, one JSON line per reload in $BENCH_DIR/reload_traffic.jsonl.
#
#   bench/reload_traffic.sh [RULES] [PPS]      (default 50000 2000)
#
# BUFFER_SIZE=64MB sets the capture's buffer_size (default: libpcap's).
# TRIES=N: a reload that dropped is done again, up to N times for each
# way (default 1); a busy machine drops without any reload, and one
# drop-free reload shows the reload itself holds nothing.
# DROPS_SHOWN=1: drops are shown, not judged (a sanitizer build, whose
# loop is several times slower and whose timing says nothing of the
# daemon's); everything else still is.
# Needs root (a network namespace) and canhgacd and canhgacctl in the
# build directory ($top_builddir, default build/; or $CANHGACD and
# $CANHGACCTL). Exits 1 if a reload fails, every try of a way dropped,
# too little traffic was seen, status went unanswered for over a second,
# the daemon did not exit 0 or a sanitizer reported: the promise is that
# a reload never holds capture.
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
B=${top_builddir:-$top_srcdir/build}
D=${CANHGACD:-$B/canhgacd}
C=${CANHGACCTL:-$B/canhgacctl}
PY=/usr/bin/python3
nrules=${1:-50000}
pps=${2:-2000}
tries=${TRIES:-1}
per_file=25000
[ "$(id -u)" -eq 0 ] || { echo "reload_traffic.sh: needs root" >&2; exit 1; }
for b in "$D" "$C"; do
	[ -x "$b" ] || { echo "reload_traffic.sh: $b is not built" >&2; exit 1; }
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
# one rule (tests/e2e/fixtures) that the stream matches, alerting once
# per 1,000 datagrams: alerts show that matching goes on, without one
# to write per packet.
files=
i=0
while [ "$i" -lt "$nrules" ]; do
	n=$(( nrules - i < per_file ? nrules - i : per_file ))
	"$PY" "$top_srcdir/bench/bench.py" rules "$n" "$tmp/gen$i.yaml" "$i"
	files="$files, gen$i.yaml"
	i=$((i + n))
done
sed 's/^    message:/    threshold: {by: [src_ip], count: 1000, within: 1s}\n&/' \
    "$top_srcdir/tests/e2e/fixtures/udp9999.rules" >"$tmp/udp.yaml"
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
ctl() { "$C" -s "$tmp/ctl.sock" "$@"; }
ip netns exec "$ns" "$D" -v -c "$tmp/canhgac.yaml" 2>"$tmp/daemon.err" &
dpid=$!
for _ in $(seq 1200); do grep -q "running on" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "running on" "$tmp/daemon.err" || { echo "reload_traffic.sh: the daemon did not start:" >&2; cat "$tmp/daemon.err" >&2; exit 1; }

ip netns exec "$ns" "$PY" "$top_srcdir/bench/udp_rate.py" "$pps" &
tpid=$!
sleep 2

# counters: "packets pcap_dropped if_dropped" of the capture interface,
# from status: cheap for the loop, where stats, which lists every rule,
# holds it about 100 ms at 50k rules (and so dropped packets itself).
counters() {
	ctl --json status | "$PY" -c 'import json, sys
i = json.load(sys.stdin)["interfaces"][0]
print(i.get("packets", 0), i.get("pcap_dropped", 0), i.get("if_dropped", 0))'
}
nreloads() { grep -c "reloaded\|reload failed" "$tmp/daemon.err" || true; }
bad=0
printf '%-18s %7s %7s %12s %7s %8s %9s %8s\n' how rules "load s" "max status" alerts packets "pcap drop" "if drop"
for how in SIGHUP "canhgacctl reload"; do
	for try in $(seq "$tries"); do
		read -r p0 d0 k0 < <(counters)
		a0=$(wc -l <"$tmp/alerts.json")
		r0=$(nreloads)
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
			timeout 5 "$C" -s "$tmp/ctl.sock" status >/dev/null 2>&1 || worst=5000
			ms=$(( ($(date +%s%N) - q) / 1000000 ))
			[ "$ms" -gt "$worst" ] && worst=$ms
			[ "$(nreloads)" -gt "$r0" ] && break
			[ $(( ($(date +%s%N) - start) / 1000000000 )) -gt 300 ] && { worst=-1; break; }
			sleep 0.2
		done
		msecs=$(( ($(date +%s%N) - start) / 1000000 ))
		[ -z "$cpid" ] || wait "$cpid" || { echo "canhgacctl reload: $(cat "$tmp/ctl-reload.out")" >&2; bad=1; }
		sleep 0.5
		read -r p1 d1 k1 < <(counters)
		a1=$(wc -l <"$tmp/alerts.json")
		drops=$((d1 - d0 + k1 - k0))
		printf '%-18s %7d %4d.%02d %9d ms %7d %8d %9d %8d\n' "$how" "$nrules" \
		    $((msecs / 1000)) $((msecs % 1000 / 10)) "$worst" $((a1 - a0)) \
		    $((p1 - p0)) $((d1 - d0)) $((k1 - k0))
		printf '{"how":"%s","rules":%d,"pps":%d,"buffer_size":"%s","reload_ms":%d,"max_status_ms":%d,"alerts":%d,"packets":%d,"pcap_dropped":%d,"if_dropped":%d}\n' \
		    "$how" "$nrules" "$pps" "${BUFFER_SIZE:-default}" "$msecs" \
		    "$worst" $((a1 - a0)) $((p1 - p0)) $((d1 - d0)) $((k1 - k0)) \
		    >>"$out/reload_traffic.jsonl"
		if grep -q "reload failed" "$tmp/daemon.err"; then
			echo "reload failed:" >&2; tail -3 "$tmp/daemon.err" >&2; bad=1; break
		fi
		[ "$worst" -ge 0 ] && [ "$worst" -le 1000 ] ||
			{ echo "$how: status took $worst ms" >&2; bad=1; }
		# A datagram and its ICMP answer are two packets: at least half
		# of the stream reached the loop, and matching went on.
		if [ $((p1 - p0)) -lt $((pps * (msecs + 500) / 1000)) ] ||
		    [ $((a1 - a0)) -eq 0 ]; then
			echo "$how: too little traffic seen" >&2; bad=1; break
		fi
		[ "$drops" -eq 0 ] && break
		[ "$try" -lt "$tries" ] || if [ "${DROPS_SHOWN:-0}" = 1 ]; then
			echo "$how: every reload dropped packets (shown, not judged)" >&2
		else
			echo "$how: every reload dropped packets" >&2; bad=1
		fi
	done
done
kill "$tpid" 2>/dev/null
tpid=
kill -TERM "$dpid"
rc=0
wait "$dpid" || rc=$?
dpid=
[ "$rc" -eq 0 ] || { echo "the daemon exited $rc" >&2; bad=1; }
if grep -qE "Sanitizer|runtime error" "$tmp/daemon.err"; then
	grep -A20 -E "Sanitizer|runtime error" "$tmp/daemon.err" | head -40 >&2
	bad=1
fi
exit $bad
