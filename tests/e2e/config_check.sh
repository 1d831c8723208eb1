#!/bin/bash
# Configuration cases: each tests/config/NAME.yaml (with its rule file
# NAME.rules and list files *.list) must make `canhgacd -T` exit non-zero
# with exactly the error in NAME.expected (FILE stands for the config's
# path, DIR for its directory); each tests/config/warn/NAME.yaml must load
# and warn as NAME.expected says; every shipped configuration in etc/ must
# load, and so must every shipped rule pack, at every level.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
fail=0
for y in "$top_srcdir"/tests/config/*.yaml; do
  d=$(dirname "$y")
  exp=$(sed "s|FILE|$y|; s|DIR|$d|g" "${y%.yaml}.expected")
  out=$("$CANHGACD" -T -c "$y" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then
    echo "FAIL $(basename "$y"): accepted, expected: $exp"; fail=1
  elif ! grep -qF -- "$exp" <<<"$out"; then
    echo "FAIL $(basename "$y"): got: $out"; echo "     expected: $exp"; fail=1
  else
    echo "ok   $(basename "$y"): $out"
  fi
done
# Warnings: each tests/config/warn/NAME.yaml loads (exit 0) and prints
# the warning in NAME.expected.
for y in "$top_srcdir"/tests/config/warn/*.yaml; do
  d=$(dirname "$y")
  exp=$(sed "s|FILE|$y|; s|DIR|$d|g" "${y%.yaml}.expected")
  if ! out=$("$CANHGACD" -T -c "$y" 2>&1); then
    echo "FAIL warn/$(basename "$y"): refused: $out"; fail=1
  elif ! grep -qF -- "$exp" <<<"$out"; then
    echo "FAIL warn/$(basename "$y"): got: $out"; echo "     expected: $exp"; fail=1
  else
    echo "ok   warn/$(basename "$y"): $(grep -F -- "$exp" <<<"$out")"
  fi
done
for y in "$top_srcdir"/etc/*.yaml; do
  if out=$("$CANHGACD" -T -v -c "$y" 2>&1); then
    echo "ok   shipped $(basename "$y") loads"
  else
    echo "FAIL shipped $(basename "$y"): $out"; fail=1
  fi
done
for lvl in 1 2 3 4 5; do
  conf=$(mktemp /tmp/cg-level-XXXXXX.yaml)
  sed "s|^  security_level: .*|  security_level: $lvl|; s|catalog: rules/|catalog: $top_srcdir/etc/rules/|; s|file: lists/|file: $top_srcdir/etc/lists/|; s|^  - rules/\*.yaml|  - $top_srcdir/rules/*.yaml|" \
    "$top_srcdir/etc/canhgac.yaml" >"$conf"
  if out=$("$CANHGACD" -T -c "$conf" 2>&1); then
    echo "ok   level $lvl: $(sed -n 2p <<<"$out")"
  else
    echo "FAIL level $lvl: $out"; fail=1
  fi
  rm -f "$conf"
done
exit $fail
