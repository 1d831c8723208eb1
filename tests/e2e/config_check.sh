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
# A FIFO where the configuration, a rule file or the catalog is named
# (planted by whoever can write there): refused at once, never waited on.
fifo_dir=$(mktemp -d /tmp/cg-fifo-XXXXXX)
mkfifo "$fifo_dir/fifo.yaml"
cp "$top_srcdir/etc/canhgac.yaml" "$fifo_dir/conf.yaml"
sed -i "s|catalog: rules/.*|catalog: $top_srcdir/etc/rules/controls-tcvn11930.yaml|; s|file: lists/|file: $top_srcdir/etc/lists/|; s|^  - rules/\*.yaml|  - $fifo_dir/fifo.yaml|" "$fifo_dir/conf.yaml"
sed "s|catalog: .*|catalog: $fifo_dir/fifo.yaml|; s|^  - $fifo_dir/fifo.yaml|  - $top_srcdir/rules/*.yaml|" \
    "$fifo_dir/conf.yaml" >"$fifo_dir/conf-catalog.yaml"
for c in fifo.yaml conf.yaml conf-catalog.yaml; do
  out=$(timeout 20 "$CANHGACD" -T -c "$fifo_dir/$c" 2>&1); rc=$?
  if [ $rc -eq 124 ]; then
    echo "FAIL a FIFO named by $c: -T still waiting after 20 s"; fail=1
  elif [ $rc -ne 0 ] && grep -qF "$fifo_dir/fifo.yaml: not a regular file" <<<"$out"; then
    echo "ok   a FIFO named by $c: $(grep -F 'not a regular file' <<<"$out")"
  else
    echo "FAIL a FIFO named by $c: exit $rc: $out"; fail=1
  fi
done
rm -rf "$fifo_dir"
exit $fail
