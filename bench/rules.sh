#!/bin/bash
# Rule-engine benchmark: packets per second of `canhgacd -r` on one
# generated mixed capture with the level-1 and level-5 packs, with 1k and
# with 1M indicator IPs plus 1M domains, against the pcap floor on the
# same file; and the load time and memory of the 1M lists. All figures in
# one run, so the ratios compare like with like.
#
#   bench/rules.sh [PACKETS] [RUNS]      (default 1000000 packets, 3 runs)
#
# Needs the build directory ($top_builddir, default build/) with canhgacd,
# bench/pcapgen, bench/floor and bench/listbench built (make check builds
# them). BENCH_DIR keeps the generated files.
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
B=${top_builddir:-$top_srcdir/build}
packets=${1:-1000000}
runs=${2:-3}
PY=/usr/bin/python3
for p in canhgacd bench/pcapgen bench/floor bench/listbench; do
	[ -x "$B/$p" ] || { echo "rules.sh: $B/$p is not built" >&2; exit 1; }
done
if [ -n "${BENCH_DIR:-}" ]; then
	dir=$BENCH_DIR; mkdir -p "$dir"
else
	dir=$(mktemp -d /tmp/cg-bench.XXXXXX)
	trap 'rm -rf "$dir"' EXIT
fi

cap=$dir/mixed-$packets.pcap
[ -s "$cap" ] || "$B/bench/pcapgen" mixed -n "$packets" -o "$cap" --seed 1
for n in 1000 1000000; do
	[ -s "$dir/ip-$n.txt" ] || $PY "$top_srcdir/bench/listgen.py" ip $n >"$dir/ip-$n.txt"
	[ -s "$dir/domain-$n.txt" ] || $PY "$top_srcdir/bench/listgen.py" domain $n >"$dir/domain-$n.txt"
done

# A configuration: the shipped one at a level, with the given lists.
mkconf() {	# level ipfile domainfile out
	sed -e "s|^  security_level: .*|  security_level: $1|" \
	    -e "s|catalog: rules/|catalog: $top_srcdir/rules/|" \
	    -e "s|{file: lists/ioc-ips.txt}|{file: $2}|" \
	    -e "s|{file: lists/ioc-domains.txt}|{file: $3}|" \
	    -e "s|{file: lists/|{file: $top_srcdir/etc/lists/|" \
	    -e "s|^  - rules/\*.yaml|  - $top_srcdir/rules/*.yaml|" \
	    -e "s|/var/log/canhgac/alerts.json|$dir/alerts.json|" \
	    "$top_srcdir/etc/canhgac.yaml" >"$4"
}
mkconf 1 "$dir/ip-1000.txt" "$dir/domain-1000.txt" "$dir/l1.yaml"
mkconf 5 "$dir/ip-1000.txt" "$dir/domain-1000.txt" "$dir/l5.yaml"
mkconf 5 "$dir/ip-1000000.txt" "$dir/domain-1000000.txt" "$dir/l5-1m.yaml"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
spread() { sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }

declare -A MED SPR RSS
measure() {	# name command...
	local name=$1; shift
	local vals=() i
	for ((i = 0; i < runs; i++)); do
		vals+=("$("$@")")
	done
	MED[$name]=$(printf '%s\n' "${vals[@]}" | cut -d' ' -f1 | median)
	SPR[$name]=$(printf '%s\n' "${vals[@]}" | cut -d' ' -f1 | spread)
	RSS[$name]=$(printf '%s\n' "${vals[@]}" | cut -d' ' -f2 | sort -n | tail -1)
}
floor_pps() {
	"$B/bench/floor" "$cap" | $PY -c 'import json,sys; print(json.load(sys.stdin)["packets_per_second"], 0)'
}
# Packets per second of the packet path: the daemon's own elapsed time
# (load time excluded), and its peak RSS.
cg_pps() {	# conf
	rm -f "$dir/alerts.json"
	"$B/canhgacd" -c "$1" -r "$cap" --stats "$dir/st.json" 2>/dev/null
	$PY -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["run"]["packets_per_second"], s["run"]["peak_rss_kb"])' "$dir/st.json"
}
measure floor floor_pps
measure l1 cg_pps "$dir/l1.yaml"
measure l5 cg_pps "$dir/l5.yaml"
measure l5_1m cg_pps "$dir/l5-1m.yaml"

# Load time of the 1M lists through the daemon (-T loads everything).
t0=$(date +%s.%N); "$B/canhgacd" -T -c "$dir/l5-1m.yaml" >/dev/null; t1=$(date +%s.%N)
t2=$(date +%s.%N); "$B/canhgacd" -T -c "$dir/l5.yaml" >/dev/null; t3=$(date +%s.%N)
load=$(echo "($t1 - $t0) - ($t3 - $t2)" | bc -l)
lists=$("$B/bench/listbench" "$dir/ip-1000000.txt" "$dir/domain-1000000.txt" 1000000)

floor=${MED[floor]}
echo "# canhgac rule benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $packets-packet mixed capture, median of $runs runs"
printf '%-34s %12s %16s %8s %10s\n' "run" "packets/s" "spread" "x floor" "peak RSS"
row() { printf '%-34s %12.0f %16s %8.3f %8s MB\n' "$1" "${MED[$2]}" "${SPR[$2]}" \
    "$(echo "${MED[$2]} / $floor" | bc -l)" "$(( ${RSS[$2]:-0} / 1024 ))"; }
row "floor (reading only)" floor
row "canhgacd level 1, 1k lists" l1
row "canhgacd level 5, 1k lists" l5
row "canhgacd level 5, 1M IPs + 1M domains" l5_1m
printf 'level 5 with 1M lists vs 1k lists: %.2fx the packet rate\n' "$(echo "${MED[l5_1m]} / ${MED[l5]}" | bc -l)"
printf '1M+1M list load through canhgacd -T: %.2f s extra\n' "$load"
echo "list sets (bench/listbench): $lists"
echo "list files: $(du -b "$dir/ip-1000000.txt" | cut -f1) bytes of IPs, $(du -b "$dir/domain-1000000.txt" | cut -f1) bytes of domains"
