#!/bin/bash
# Configuration cases: each tests/config/NAME.yaml must make `canhgacd -T`
# exit non-zero with the error in NAME.expected (FILE stands for the
# path); every shipped configuration in etc/ must load.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
fail=0
for y in "$top_srcdir"/tests/config/*.yaml; do
  exp=$(sed "s|FILE|$y|" "${y%.yaml}.expected")
  out=$("$CANHGACD" -T -c "$y" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then
    echo "FAIL $(basename "$y"): accepted, expected: $exp"; fail=1
  elif ! grep -qF -- "$exp" <<<"$out"; then
    echo "FAIL $(basename "$y"): got: $out"; echo "     expected: $exp"; fail=1
  else
    echo "ok   $(basename "$y"): $out"
  fi
done
for y in "$top_srcdir"/etc/*.yaml; do
  if out=$("$CANHGACD" -T -v -c "$y" 2>&1); then
    echo "ok   shipped $(basename "$y") loads"
  else
    echo "FAIL shipped $(basename "$y"): $out"; fail=1
  fi
done
exit $fail
