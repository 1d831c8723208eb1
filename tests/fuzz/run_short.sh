#!/bin/bash
# run_short.sh — the fuzz targets as a regression check: build them in a
# libFuzzer build of its own ($top_builddir/fuzz-build, CC=clang
# --enable-fuzzing, ASan+UBSan), replay every file of tests/fuzz/regress/
# TARGET/ through its target, then seed each target (seed.sh) and fuzz it
# for FUZZ_SECONDS (default 25). Any finding (crash, sanitizer report,
# leak, timeout, out-of-memory) fails. Prints per target: executions,
# executions/s, coverage (cov, ft) and corpus size.
#
# It runs once per CI run: in the plain build. The ASan build and make
# distcheck skip it (the fuzz build is its own ASan build; distcheck's
# source tree is read-only). Without clang and its fuzzer runtime it
# skips, saying so — except under CI=true, where that fails.
#
# Environment: top_srcdir, top_builddir (automake), FUZZ_SECONDS,
# FUZZ_TARGETS (default: all nine), CANHGAC_CORPUS (seed.sh).
# Exit: 0 pass, 1 fail, 77 skip.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
secs=${FUZZ_SECONDS:-25}
targets=${FUZZ_TARGETS:-decode pcap config list control tlscert quic update flows}

skip() {
	echo "SKIP: $*"
	exit 77
}

if grep -q '^CG_CFLAGS = .*fsanitize=address' "$top_builddir/Makefile" 2>/dev/null; then
	skip "sanitizer build: the fuzz targets run (as their own ASan+UBSan build) in the plain build's make check"
fi
case $top_builddir in
*/_build/sub|*/_build/sub/) skip "make distcheck: the fuzz targets run in the plain build's make check" ;;
esac

work=$top_builddir/fuzz-build
tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# clang with libFuzzer's runtime (libclang-rt-14-dev)?
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$tmp/t.c"
if ! command -v clang >/dev/null 2>&1 ||
    ! clang -fsanitize=fuzzer,address,undefined -o "$tmp/t" "$tmp/t.c" >"$tmp/t.log" 2>&1; then
	cat "$tmp/t.log" 2>/dev/null
	if [ "${CI:-}" = true ]; then
		echo "FAIL: clang with the libFuzzer runtime is needed (scripts/setup.sh installs clang libclang-rt-14-dev)"
		exit 1
	fi
	skip "clang with the libFuzzer runtime is not installed (scripts/setup.sh installs clang libclang-rt-14-dev)"
fi

mkdir -p "$work" || exit 1
if [ ! -f "$work/Makefile" ]; then
	echo "configuring the fuzzing build in $work"
	(cd "$work" && CC=clang "$top_srcdir/configure" --enable-fuzzing \
	    >"$work/configure.out" 2>&1) || { tail -30 "$work/configure.out"; echo "FAIL: configure"; exit 1; }
fi
progs=
for t in $targets; do progs="$progs tests/fuzz/fuzz_$t"; done
start=$(date +%s)
# shellcheck disable=SC2086
if ! make -C "$work" -j"$(nproc 2>/dev/null || echo 2)" $progs >"$work/make.out" 2>&1; then
	tail -40 "$work/make.out"
	echo "FAIL: building the fuzz targets"
	exit 1
fi
echo "built$progs in $(( $(date +%s) - start ))s"

fail=0
for t in $targets; do
	bin=$work/tests/fuzz/fuzz_$t
	case $t in
	pcap) opts="-max_len=65536" ;;
	config) opts="-max_len=16384 -dict=$top_srcdir/tests/fuzz/yaml.dict" ;;
	list | update) opts="-max_len=16384" ;;
	control) opts="-max_len=16384" ;;
	quic) opts="-max_len=16384" ;;
	flows) opts="-max_len=16384" ;;
	*) opts="-max_len=4096" ;;
	esac
	# The inputs that once failed: each must now pass.
	if [ -d "$top_srcdir/tests/fuzz/regress/$t" ] &&
	    [ -n "$(ls -A "$top_srcdir/tests/fuzz/regress/$t")" ]; then
		if "$bin" -close_fd_mask=3 -timeout=10 -rss_limit_mb=2048 \
		    "$top_srcdir/tests/fuzz/regress/$t"/* >"$tmp/$t.regress" 2>&1; then
			echo "PASS regress $t: $(ls "$top_srcdir/tests/fuzz/regress/$t" | wc -l) inputs"
		else
			echo "FAIL regress $t:"; tail -40 "$tmp/$t.regress"; fail=1
		fi
	fi
	"$top_srcdir/tests/fuzz/seed.sh" "$t" "$tmp/seed-$t" >/dev/null || { echo "FAIL: seed.sh $t"; fail=1; continue; }
	mkdir -p "$tmp/corpus-$t" "$tmp/art-$t"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -close_fd_mask=3 -print_final_stats=1 $opts \
	    -artifact_prefix="$tmp/art-$t/" "$tmp/corpus-$t" "$tmp/seed-$t" \
	    >"$tmp/$t.log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$tmp/$t.log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/$t.log")
	cov=$(echo "$last" | grep -oE 'cov: [0-9]+ ft: [0-9]+')
	corp=$(echo "$last" | grep -oE 'corp: [0-9]+/[0-9a-zA-Z]+')
	seeds=$(ls "$tmp/seed-$t" | wc -l)
	# libFuzzer exits 0 after max_total_time; anything else is a finding.
	if [ $rc -ne 0 ] || [ -n "$(ls -A "$tmp/art-$t")" ]; then
		echo "FAIL fuzz $t (exit $rc): ${execs:-?} execs, $cov, $corp, $seeds seeds"
		grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==|#[0-9]+ 0x' "$tmp/$t.log" | head -40
		for a in "$tmp/art-$t"/*; do
			[ -f "$a" ] && { echo "input $(basename "$a") (base64):"; head -c 4096 "$a" | base64; }
		done
		fail=1
	else
		echo "PASS fuzz $t: ${secs}s, ${execs:-?} execs (${eps:-?}/s), $cov, $corp, $seeds seeds"
	fi
done
exit $fail
