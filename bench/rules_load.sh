#!/bin/bash
# Rule-loading benchmark: wall time, CPU time and peak RSS of
# `canhgacd -T` (which loads, compiles and indexes every rule, then
# exits) with 12.5k, 50k and 100k generated rules, and with none, so
# the growth per rule can be read off. One table on stdout; one JSON
# line per row in $BENCH_DIR/rules_load.jsonl.
#
#   bench/rules_load.sh [COUNTS...]     (default 12500 50000 100000)
#
# The rules are the scaling set of `bench/bench.py rules` (four port
# rules, one address rule, five on TLS/DNS/HTTP names in every ten),
# written 25k to a file: a rule file is at most 16 MiB. Needs canhgacd
# in the build directory ($top_builddir, default build/). BENCH_DIR
# keeps the generated files; RUNS (default 3) repeats each count and
# keeps the fastest. Exits 1 if a load fails, or if the largest count
# takes more than MAX_SECONDS (default 10) of CPU time (user + system:
# other processes on a shared machine stretch wall time, hardly CPU
# time) or MAX_RSS_MB (default 500) of peak RSS.
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
B=${top_builddir:-$top_srcdir/build}
PY=/usr/bin/python3
runs=${RUNS:-3}
max_seconds=${MAX_SECONDS:-10}
max_rss_mb=${MAX_RSS_MB:-500}
per_file=25000
[ $# -gt 0 ] || set -- 0 12500 50000 100000
[ -x "$B/canhgacd" ] || { echo "rules_load.sh: $B/canhgacd is not built" >&2; exit 1; }
if [ -n "${BENCH_DIR:-}" ]; then
	dir=$BENCH_DIR; mkdir -p "$dir"
else
	dir=$(mktemp -d /tmp/cg-rules-load.XXXXXX)
	trap 'rm -rf "$dir"' EXIT
fi
: >"$dir/rules_load.jsonl"

# conf N: a configuration loading N generated rules, at level 5.
conf() {
	local n=$1 first=0 k c=$dir/rules-$1.yaml
	mkdir -p "$dir/rules-$n"
	{
		printf 'sensor:\n  name: bench\n  security_level: 5\n'
		printf '  catalog: %s/rules/controls-tcvn11930.yaml\n' "$top_srcdir"
		printf 'rules:\n  - %s/rules-%s/*.yaml\n' "$dir" "$n"
	} >"$c"
	while [ "$first" -lt "$n" ]; do
		k=$((n - first < per_file ? n - first : per_file))
		f=$dir/rules-$n/r$first.yaml
		[ -s "$f" ] || "$PY" "$top_srcdir/bench/bench.py" rules "$k" "$f" "$first"
		first=$((first + k))
	done
	echo "$c"
}

printf '%8s %10s %10s %12s %14s\n' rules wall_s cpu_s peak_rss_mb rss_per_rule_kb
base_rss=
status=0
for n in "$@"; do
	c=$(conf "$n")
	best=
	for ((i = 0; i < runs; i++)); do
		if ! /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$B/canhgacd" -T \
		    -c "$c" >"$dir/out" 2>&1; then
			echo "rules_load.sh: canhgacd -T failed with $n rules:" >&2
			tail -3 "$dir/out" >&2
			exit 1
		fi
		grep -q "$n rules active" "$dir/out" ||
		    { echo "rules_load.sh: expected $n active rules" >&2; head -2 "$dir/out" >&2; exit 1; }
		read -r wall u s rss <"$dir/time"
		if [ -z "$best" ] || awk -v a="$wall" -v b="${best%% *}" 'BEGIN{exit !(a < b)}'; then
			best="$wall $(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}') $rss"
		fi
	done
	read -r wall cpu rss <<<"$best"
	[ -n "$base_rss" ] || base_rss=$rss
	per=$(awk -v r="$rss" -v b="$base_rss" -v n="$n" 'BEGIN{printf "%.2f", n ? (r - b) / n : 0}')
	printf '%8s %10s %10s %12.1f %14s\n' "$n" "$wall" "$cpu" "$(awk -v r="$rss" 'BEGIN{print r / 1024}')" "$per"
	printf '{"rules":%s,"wall_s":%s,"cpu_s":%s,"peak_rss_kb":%s}\n' "$n" "$wall" "$cpu" "$rss" >>"$dir/rules_load.jsonl"
	last_cpu=$cpu
	last_rss=$rss
done
if awk -v w="$last_cpu" -v m="$max_seconds" 'BEGIN{exit !(w > m)}'; then
	echo "rules_load.sh: $last_cpu s of CPU for the largest set, over $max_seconds s" >&2
	status=1
fi
if [ "$last_rss" -gt $((max_rss_mb * 1024)) ]; then
	echo "rules_load.sh: peak RSS $last_rss KB for the largest set, over $max_rss_mb MB" >&2
	status=1
fi
exit $status
