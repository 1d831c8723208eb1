#!/bin/bash
# Set up (packages, both builds) and run every test: unit, config,
# capture cases, rule packs, corpus against tshark, live capture in
# network namespaces, memory, alert delivery to syslog-ng, the status
# socket, the service; once in the normal build and once under
# ASan+UBSan; the tests that start threads under ThreadSanitizer; then
# make distcheck with the tests of what the tarball and the install ship
# (Makefile.am's distcheck-quick), whose results count too. The last line is
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
# The larger capture corpus beside the tree, when there is one, runs too
# (tests/corpus alone otherwise); named here for make distcheck's copy.
if [ -z "${CANHGAC_CORPUS+set}" ] && [ -d ../shared/corpus/real ]; then
  CANHGAC_CORPUS=$(cd ../shared/corpus && pwd)
  export CANHGAC_CORPUS
fi
# Suricata's EVE schema, the referee of tests/e2e/eve_schema.sh: also
# named absolutely for make distcheck's copy.
if [ -z "${EVE_SCHEMA+set}" ] && [ -f ../shared/eve/suricata-eve-schema.json ]; then
  EVE_SCHEMA=$(cd ../shared/eve && pwd)/suricata-eve-schema.json
  export EVE_SCHEMA
fi

scripts/setup.sh --asan || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

pass=0; fail=0; skip=0
# count FILE: add the "# PASS: N" ... summary of an automake test run;
# false when it has failures.
count() {
  local k v f=0
  for k in PASS SKIP FAIL ERROR XPASS; do
    v=$(sed -n "s/^# $k: *//p" "$1" | tail -1)
    case $k in
    PASS) pass=$((pass + ${v:-0})) ;;
    SKIP) skip=$((skip + ${v:-0})) ;;
    *) f=$((f + ${v:-0})) ;;
    esac
  done
  fail=$((fail + f))
  [ "$f" -eq 0 ]
}
# show_log LOG: a failed test's own failing checks first (a long log's
# tail may hold only its summary and the daemon's stderr), then its tail.
show_log() {
  echo "   >>> $1"
  grep -E '^ *(FAIL|not ok)' "$1" | head -20 | sed 's/^/   | /'
  tail -30 "$1" | sed 's/^/   /'
  # A short copy for the end: a long run's output may be read only by
  # its last lines.
  { echo "   >>> $1"
    grep -E '^ *(FAIL|not ok)' "$1" | head -5 | sed 's/^/   | /'
    tail -8 "$1" | sed 's/^/   /'; } >>"$digest"
}
digest=$(mktemp)
trap 'rm -f "$digest"' EXIT
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
  if ! count "$log"; then
    echo "   --- failure logs ($dir) ---"
    for t in $(grep -lE '^:test-result: (FAIL|ERROR)' $(find "$dir" -name '*.trs')); do
      show_log "${t%.trs}.log"
    done
  fi
done
# Matching from several threads at once: the tests that run threads,
# under ThreadSanitizer, which fails them on any data race (an ASan
# build cannot have it too). Only those tests and what they link.
TSAN_TESTS="tests/unit/rules_test tests/unit/ring_test"
echo "== threads under ThreadSanitizer ($TSAN_TESTS)"
mkdir -p build-tsan
if { [ -f build-tsan/Makefile ] && [ build-tsan/Makefile -nt configure ]; } ||
    (cd build-tsan && ../configure -q --enable-tsan); then
  TSAN_OPTIONS="halt_on_error=1 exitcode=66" make -C build-tsan \
      -j"$(nproc)" check TESTS="$TSAN_TESTS" check_PROGRAMS="$TSAN_TESTS" \
      >build-tsan/check.out 2>&1
  grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' build-tsan/check.out | sed 's/^/   /'
  if [ ! -f build-tsan/test-suite.log ]; then
    echo "   make check did not run (build failure?); last lines:"
    tail -20 build-tsan/check.out | sed 's/^/   /'
    fail=$((fail + 1))
  elif ! count build-tsan/test-suite.log; then
    for t in $TSAN_TESTS; do
      tail -60 "build-tsan/$t.log" | sed 's/^/   /'
      { echo "   >>> build-tsan/$t.log"; tail -8 "build-tsan/$t.log" | sed 's/^/   /'; } >>"$digest"
    done
  fi
  # The daemon's packet workers: a level-5 replay with three of them
  # and a reload (SIGHUP) while they run. Any report fails it. 600k
  # packets: with 300k a slowed machine ended the replay (7 s under
  # ThreadSanitizer) before the reload of the level-5 set had finished.
  w=build-tsan/workers
  mkdir -p $w
  sed -e '/^outputs:/,/^$/d' -e '/^user:/d' -e '/^pidfile:/d' \
      -e 's|^  security_level: .*|  security_level: 5|' \
      -e "s|catalog: rules/|catalog: $PWD/rules/|" \
      -e "s|{file: lists/|{file: $PWD/etc/lists/|" \
      -e "s|^  - rules/\\*.yaml|  - $PWD/rules/*.yaml|" etc/canhgac.yaml >$w/l5.yaml
  if make -C build-tsan -j"$(nproc)" canhgacd >$w/make.out 2>&1 &&
      make -C build bench/pcapgen >>$w/make.out 2>&1 &&
      build/bench/pcapgen mixed -n 600000 -o $w/mixed.pcap >>$w/make.out 2>&1; then
    rm -f $w/alerts.json $w/events.json
    TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1" \
        build-tsan/canhgacd -v -c $w/l5.yaml -r $w/mixed.pcap --workers 3 \
        --alerts $w/alerts.json --events $w/events.json \
        --stats $w/stats.json 2>$w/daemon.err &
    dpid=$!
    for _ in $(seq 300); do grep -q "running on" $w/daemon.err && break; sleep 0.1; done
    sleep 1
    kill -HUP $dpid
    wait $dpid; rc=$?
    if [ $rc -eq 0 ] && grep -q "^canhgacd: reloaded" $w/daemon.err &&
        ! grep -q "WARNING: ThreadSanitizer" $w/daemon.err; then
      echo "   PASS: replay, 3 workers, a reload while they run"; pass=$((pass + 1))
    else
      echo "   FAIL: replay, 3 workers, a reload (exit $rc; $w/daemon.err):"
      grep -v '^canhgacd: ' $w/daemon.err | head -60 | sed 's/^/   /'
      tail -5 $w/daemon.err | sed 's/^/   /'
      { echo "   >>> $w/daemon.err (exit $rc)"; tail -8 $w/daemon.err | sed 's/^/   /'; } >>"$digest"
      fail=$((fail + 1))
    fi
  else
    echo "   FAIL: cannot build canhgacd or the capture ($w/make.out)"
    fail=$((fail + 1))
  fi
else
  echo "   FAIL: cannot configure build-tsan"
  fail=$((fail + 1))
fi
# The release tarball builds, passes the suite from a read-only source
# tree, installs and uninstalls cleanly (make distcheck): one more test.
# Its make check (in build/canhgac-*/_build/sub, removed when distcheck
# passes) runs DISTCHECK_TESTS and prints the same summary: its passes,
# skips and failures count.
echo "== make distcheck (distcheck-quick)"
if make -C build -j"$(nproc)" distcheck-quick >build/distcheck.out 2>&1; then
  grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' build/distcheck.out | sed 's/^/   /'
  echo "   PASS: make distcheck"
  pass=$((pass + 1))
  if ! grep -q '^# TOTAL:' build/distcheck.out; then
    echo "   FAIL: make distcheck ran no tests (no summary in build/distcheck.out)"
    fail=$((fail + 1))
  fi
  count build/distcheck.out
else
  count build/distcheck.out
  echo "   FAIL: make distcheck; its test results and last lines:"
  grep -E '^(FAIL|SKIP|ERROR|XPASS):' build/distcheck.out | sed 's/^/   /'
  # distcheck leaves its tree behind on failure: show the failed tests' logs.
  for t in $(grep -lE '^:test-result: (FAIL|ERROR)' \
      $(find build -path '*/_build/sub/*' -name '*.trs' 2>/dev/null) /dev/null); do
    show_log "${t%.trs}.log"
  done
  tail -30 build/distcheck.out | sed 's/^/   /'
  fail=$((fail + 1))
fi
if [ -s "$digest" ]; then
  echo "== failed tests, in short (their logs above)"
  head -80 "$digest"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
