#!/bin/bash
# Set up (packages, both builds) and run every test: unit, config,
# capture cases, rule packs, corpus against tshark, live capture in
# network namespaces, memory, alert delivery to syslog-ng, the status
# socket, the service; once in the normal build and once under
# ASan+UBSan; then make distcheck. The last line is
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --asan || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

pass=0; fail=0; skip=0
for dir in build build-asan; do
  echo "== tests in $dir"
  make -C "$dir" -j"$(nproc)" check >"$dir/check.out" 2>&1
  grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' "$dir/check.out" | sed 's/^/   /'
  log="$dir/test-suite.log"
  if [ ! -f "$log" ]; then
    echo "   make check did not run (build failure?); last lines:"
    tail -20 "$dir/check.out" | sed 's/^/   /'
    fail=$((fail + 1))
    continue
  fi
  n() { sed -n "s/^# $1: *//p" "$log" | head -1; }
  p=$(n PASS); f=$(n FAIL); s=$(n SKIP); e=$(n ERROR); xp=$(n XPASS)
  pass=$((pass + ${p:-0})); skip=$((skip + ${s:-0}))
  fail=$((fail + ${f:-0} + ${e:-0} + ${xp:-0}))
  if [ "${f:-0}" != 0 ] || [ "${e:-0}" != 0 ]; then
    echo "   --- failure logs ($dir) ---"
    for t in $(grep -lE '^:test-result: (FAIL|ERROR)' $(find "$dir" -name '*.trs')); do
      echo "   >>> ${t%.trs}.log"
      tail -40 "${t%.trs}.log" | sed 's/^/   /'
    done
  fi
done
# The release tarball builds, passes the suite from a read-only source
# tree, installs and uninstalls cleanly (make distcheck): one more test.
echo "== make distcheck"
if CANHGAC_CORPUS=${CANHGAC_CORPUS:-$PWD/../shared/corpus} \
    make -C build -j"$(nproc)" distcheck >build/distcheck.out 2>&1; then
  echo "   PASS: make distcheck"
  pass=$((pass + 1))
else
  echo "   FAIL: make distcheck; its test results and last lines:"
  grep -E '^(FAIL|SKIP|ERROR|XPASS):' build/distcheck.out | sed 's/^/   /'
  # distcheck leaves its tree behind on failure: show the failed tests' logs.
  for t in $(grep -lE '^:test-result: (FAIL|ERROR)' \
      $(find build -path '*/_build/sub/*' -name '*.trs' 2>/dev/null) /dev/null); do
    echo "   >>> ${t%.trs}.log"
    tail -40 "${t%.trs}.log" | sed 's/^/   /'
  done
  tail -30 build/distcheck.out | sed 's/^/   /'
  fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
