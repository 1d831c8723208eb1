#!/bin/bash
# bench/ab.sh BASE_CANHGACD RUNS PCAP...: the packet path's CPU time per
# packet of two builds on the same captures, in one session, runs
# interleaved (base, this build, base, …) so that the machine's load
# falls on both alike: user + system time of `canhgacd -r PCAP` minus
# that of `canhgacd -T` (start-up), at level 5 with the shipped
# configuration and rules and one packet worker (bench/run's l5).
# Prints per capture the medians (min-max) and the median of the
# per-run ratios this/base.
#
#   git archive MAIN | tar -x -C /tmp/base && (cd /tmp/base && autoreconf -fi &&
#       mkdir build && cd build && ../configure && make canhgacd)
#   bench/ab.sh /tmp/base/build/canhgacd 7 mixed-1M.pcap
#
# Environment: top_builddir (default build/ beside this directory).
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
B=${top_builddir:-$top_srcdir/build}/canhgacd
[ $# -ge 3 ] || { echo "usage: $0 BASE_CANHGACD RUNS PCAP..." >&2; exit 2; }
A=$1 runs=$2
shift 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-ab.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
conf=$tmp/l5.yaml
. "$top_srcdir/bench/l5_conf.sh"
l5_conf "$conf"
cpu() {
	/usr/bin/time -f '%U %S' -o "$tmp/t" "$@" >/dev/null 2>&1 ||
	    { echo "$me: $* failed" >&2; exit 1; }
	awk '{ print $1 + $2 }' "$tmp/t"
}
me=bench/ab.sh
for f in "$@"; do
	pk=$(tcpdump -r "$f" -qn 2>/dev/null | wc -l)
	ta=$(cpu "$A" -T -c "$conf") tb=$(cpu "$B" -T -c "$conf")
	for _ in $(seq "$runs"); do
		echo "$f $pk $(cpu "$A" -c "$conf" -r "$f") $ta $(cpu "$B" -c "$conf" -r "$f") $tb"
	done
done | /usr/bin/python3 -c '
import statistics, sys
rows = {}
for l in sys.stdin:
    f, pk, a, ta, b, tb = l.split()
    rows.setdefault(f, []).append((int(pk), float(a) - float(ta),
                                   float(b) - float(tb)))
for f, r in rows.items():
    pk = r[0][0]
    na = [x[1] / pk * 1e9 for x in r]
    nb = [x[2] / pk * 1e9 for x in r]
    q = [x[2] / x[1] for x in r if x[1] > 0]
    print("%s: %d packets, %d runs: base %.0f ns/packet (%.0f-%.0f), "
          "this %.0f (%.0f-%.0f), this/base %.3f (%.3f-%.3f)" % (
              f.rsplit("/", 1)[-1], pk, len(r), statistics.median(na),
              min(na), max(na), statistics.median(nb), min(nb), max(nb),
              statistics.median(q), min(q), max(q)))
'
