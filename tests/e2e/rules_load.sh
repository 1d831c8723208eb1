#!/bin/sh
# Rule loading scales: 100k rules (the RULES_MAX) load through
# `canhgacd -T` in under 10 s of CPU and 500 MB of peak RSS. Loading was
# quadratic (a duplicate-sid scan per rule, an 8 KiB port bitmap per
# rule, a scan per literal address set): 23 s and 720 MB here. Under
# AddressSanitizer (shadow memory, slower code) only the load itself is
# checked, within 60 s and no RSS bound.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
export top_srcdir top_builddir
. "$top_srcdir/tests/e2e/skip_lib.sh"
[ -x "$top_builddir/canhgacd" ] || { echo "FAIL: no daemon at $top_builddir/canhgacd"; exit 1; }
[ -x /usr/bin/python3 ] && [ -x /usr/bin/time ] ||
	skip "needs /usr/bin/python3 and /usr/bin/time"
dir=$(mktemp -d /tmp/cg-rules-load-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM
secs=10 rss=500
# gcc links libasan dynamically; clang links it statically.
if ldd "$top_builddir/canhgacd" 2>/dev/null | grep -q libasan ||
    grep -qa __asan_init "$top_builddir/canhgacd"; then
	echo "note: AddressSanitizer build: 60 s, no RSS bound"
	secs=60 rss=100000
fi
BENCH_DIR=$dir RUNS=1 MAX_SECONDS=$secs MAX_RSS_MB=$rss \
    "$top_srcdir/bench/rules_load.sh" 0 100000
echo "PASS rules_load"
