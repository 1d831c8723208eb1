#!/bin/sh
# Rule loading scales: 100k rules (the RULES_MAX) load through
# `canhgacd -T` in under 10 s and 500 MB of peak RSS. Loading was
# quadratic (a duplicate-sid scan per rule, an 8 KiB port bitmap per
# rule, a scan per literal address set): 23 s and 720 MB here.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
export top_srcdir top_builddir
if [ ! -x "$top_builddir/canhgacd" ] || [ ! -x /usr/bin/python3 ] ||
    [ ! -x /usr/bin/time ]; then
	echo "rules_load: needs canhgacd, /usr/bin/python3 and /usr/bin/time"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
dir=$(mktemp -d /tmp/cg-rules-load-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM
BENCH_DIR=$dir RUNS=1 MAX_SECONDS=${MAX_SECONDS:-10} MAX_RSS_MB=${MAX_RSS_MB:-500} \
    "$top_srcdir/bench/rules_load.sh" 0 100000
echo "PASS rules_load"
