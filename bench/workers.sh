#!/bin/bash
# bench/workers.sh [RUNS] [PCAP]: how the packet path scales with
# workers on this machine (issue 22, item 4), at level 5 with the
# shipped configuration and rules, outputs off.
#
# Offline: `canhgacd --workers N -r PCAP` for N = 1 and 2 (and 3),
# interleaved (1, 2, 3, 1, 2, 3, …) so the machine's load falls on all
# alike; per N the median wall time of the packet path (the summary's
# "in S s", start-up excluded), packets/s, CPU seconds (user + system,
# whole run) and the median of the per-round ratios packets/s N over 1.
#
# Live: a veth pair; tcpreplay sends PCAP into one end at rising rates
# (Mbit/s) while canhgacd -i captures the other with 1 and 2 workers;
# the highest rate each took without a drop (the interface's kernel
# drops plus the workers' queue losses, from --stats). tcpreplay runs
# on CPU 0 (taskset): this machine has two, so the generator cannot be
# kept off both workers' CPUs; the numbers say so.
#
# Default: 5 rounds of a generated mixed capture of a million packets
# (bench/pcapgen, seed 1). Environment: top_builddir (default build/
# beside this directory). Needs root and tcpreplay for the live part.
set -u
export LC_ALL=C
me=bench/workers.sh
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
B=${top_builddir:-$top_srcdir/build}
runs=${1:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-workers.XXXXXX") || exit 1
trap 'ip link del cgwA 2>/dev/null; rm -rf "$tmp"' EXIT
pcap=${2:-}
if [ -z "$pcap" ]; then
	pcap=$tmp/mixed-1M.pcap
	"$B/bench/pcapgen" mixed -n 1000000 -o "$pcap" --seed 1 >/dev/null ||
	    { echo "$me: pcapgen failed (make check builds it)" >&2; exit 1; }
fi
conf=$tmp/l5.yaml
. "$top_srcdir/bench/l5_conf.sh"
l5_conf "$conf"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "capture: $pcap"

# offline: N, wall (packet path), pkts/s, cpu
offline() {
	/usr/bin/time -f '%U %S' -o "$tmp/t" "$B/canhgacd" -c "$conf" -r "$pcap" \
	    --workers "$1" 2>"$tmp/log" >/dev/null ||
	    { echo "$me: canhgacd --workers $1 failed" >&2; cat "$tmp/log" >&2; exit 1; }
	awk -v n="$1" -v cpu="$(awk '{ print $1 + $2 }' "$tmp/t")" '
	    /packets .* in [0-9.]+s/ { for (i = 1; i <= NF; i++) if ($i == "in") w = $(i + 1);
	        sub(/s,?$/, "", w); print n, w, $2 / w, cpu; exit }' "$tmp/log"
}
for r in $(seq "$runs"); do
	for n in 1 2 3; do echo "$r $(offline $n)"; done
done | /usr/bin/python3 -c '
import statistics, sys
by = {}
for l in sys.stdin:
    r, n, w, pps, cpu = l.split()
    by.setdefault(int(n), {})[int(r)] = (float(w), float(pps), float(cpu))
print("| workers | wall s (median) | packets/s | CPU s | packets/s over 1 worker (median of rounds, min-max) |")
print("|---|---|---|---|---|")
for n in sorted(by):
    rows = by[n]
    q = [rows[r][1] / by[1][r][1] for r in rows if r in by[1]]
    print("| %d | %.3f | %.0f | %.2f | %.2f (%.2f-%.2f) |" % (n,
        statistics.median(x[0] for x in rows.values()),
        statistics.median(x[1] for x in rows.values()),
        statistics.median(x[2] for x in rows.values()),
        statistics.median(q), min(q), max(q)))
'

# live: the highest drop-free rate with N workers
if [ "$(id -u)" != 0 ] || ! command -v tcpreplay >/dev/null; then
	echo "live: skipped (needs root and tcpreplay)"
	exit 0
fi
live_sample=$tmp/live.pcap
# A tenth of the capture keeps each try short.
tcpdump -r "$pcap" -c 100000 -w "$live_sample" 2>/dev/null ||
    { echo "$me: tcpdump failed" >&2; exit 1; }
ip link del cgwA 2>/dev/null
ip link add cgwA type veth peer name cgwB && ip link set cgwA up &&
    ip link set cgwB up || { echo "$me: cannot make a veth pair" >&2; exit 1; }
sysctl -qw net.ipv6.conf.cgwA.disable_ipv6=1 net.ipv6.conf.cgwB.disable_ipv6=1
try() {	# workers mbps -> lost packets
	rm -f "$tmp/s.json"
	"$B/canhgacd" -c "$conf" -i cgwA --workers "$1" -P "$tmp/pid" \
	    --stats "$tmp/s.json" 2>"$tmp/live.log" & pid=$!
	sleep 1.5
	# Preloaded and paced by nanosleep, not a busy clock: the generator
	# takes as little of CPU 0 as it can.
	taskset -c 0 tcpreplay -q -K --timer=nano -i cgwB --mbps "$2" \
	    "$live_sample" >"$tmp/tr" 2>&1
	sleep 1
	kill -TERM "$pid"; wait "$pid"
	/usr/bin/python3 -c '
import json, re, sys
s = json.load(open(sys.argv[1]))
i = s["interfaces"][0]
m = re.search(r"Rated: [0-9.]+ Bps, ([0-9.]+) Mbps, ([0-9.]+) pps", open(sys.argv[2]).read())
print(i["pcap_dropped"] + i["pcap_ifdropped"] + s["workers"]["queue_lost_packets"],
      i["packets"], m.group(1) if m else "?", m.group(2) if m else "?")' "$tmp/s.json" "$tmp/tr"
}
echo
echo "| workers | highest drop-free rate (asked; sent Mbit/s, packets/s) | packets captured | first rate with drops |"
echo "|---|---|---|---|"
for n in 1 2; do
	ok=- okp=- bad=-
	for mbps in 100 200 300 400 600 800 1000 1500 2000 3000; do
		set -- $(try "$n" "$mbps")
		if [ "$1" = 0 ]; then ok="$mbps ($3, $4)" okp=$2
		else bad="$mbps: $1 of 100000 lost"; break; fi
	done
	echo "| $n | $ok | $okp | $bad |"
done
