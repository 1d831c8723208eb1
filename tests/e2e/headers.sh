#!/bin/bash
# headers.sh — every header in include/ compiles on its own (it includes
# what it needs) and twice in a row (its include guard works), with the
# compiler and flags the build was configured with.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
cc=${HDR_CC:-${CC:-cc}}
flags=${HDR_CFLAGS:-}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for h in "$top_srcdir"/include/*.h; do
	b=$(basename "$h")
	printf '#include "config.h"\n#include "%s"\n#include "%s"\n' \
	    "$b" "$b" >"$tmp/t.c"
	# shellcheck disable=SC2086 # flags are a word list
	if out=$($cc $flags -DHAVE_CONFIG_H -I"$top_builddir" \
	    -I"$top_srcdir/include" -fsyntax-only "$tmp/t.c" 2>&1); then
		echo "ok   $b compiles alone"
	else
		echo "FAIL $b does not compile alone:"; echo "$out"; fail=1
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL no header in $top_srcdir/include"; exit 1; }
exit $fail
