#!/bin/sh
# Indicator-list benchmark: generate 1k and 1M IPv4 and domain lists with
# bench/listgen.py and run bench/listbench on each pair (one JSON line
# each: load time, entries, memory vs file size, ns per lookup).
#
#   bench/lists.sh [LOOKUPS]
#
# LISTBENCH names the program (default: bench/listbench under the build
# directory, $top_builddir or the current directory); LISTS_DIR keeps the
# generated lists there instead of in a temporary directory.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
LISTBENCH=${LISTBENCH:-${top_builddir:-.}/bench/listbench}
lookups=${1:-10000000}

if [ ! -x "$LISTBENCH" ]; then
	echo "lists.sh: $LISTBENCH not built (make bench/listbench)" >&2
	exit 1
fi
if [ -n "${LISTS_DIR:-}" ]; then
	dir=$LISTS_DIR
	mkdir -p "$dir"
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/cg-lists.XXXXXX")
	trap 'rm -rf "$dir"' EXIT INT TERM
fi

for n in 1000 1000000; do
	for kind in ip domain; do
		f="$dir/$kind-$n.txt"
		[ -s "$f" ] || python3 "$top_srcdir/bench/listgen.py" "$kind" \
		    "$n" > "$f"
	done
done
for n in 1000 1000000; do
	"$LISTBENCH" "$dir/ip-$n.txt" "$dir/domain-$n.txt" "$lookups"
done
