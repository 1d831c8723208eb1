#!/bin/bash
# Capture cases: for each tests/pcap/CASE/, build the capture with its
# make.py (scapy), replay it through canhgacd and check the records
# against CASE/expect.json.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
. "$top_srcdir/tests/e2e/skip_lib.sh"
$PY -c 'import scapy' 2>/dev/null ||
  skip "python3-scapy is not installed (scripts/setup.sh installs it)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for dir in "$top_srcdir"/tests/pcap/*/; do
  name=$(basename "$dir")
  [ -f "$dir/make.py" ] || continue
  n=$((n + 1))
  if ! $PY "$dir/make.py" "$tmp/$name.pcap" 2>"$tmp/$name.gen"; then
    echo "FAIL $name: generator failed"; cat "$tmp/$name.gen"; fail=1; continue
  fi
  conf="$dir/canhgac.yaml"; [ -f "$conf" ] || conf="$top_srcdir/etc/canhgac.yaml"
  # A capture of a few packets: a minute (ASan included) is a hang.
  if ! timeout -k 5 60 "$CANHGACD" -c "$conf" -r "$tmp/$name.pcap" \
       --events "$tmp/$name.json" --stats "$tmp/$name.stats" 2>"$tmp/$name.err"; then
    echo "FAIL $name: canhgacd failed or hung"; cat "$tmp/$name.err"; fail=1; continue
  fi
  if grep -qE 'runtime error|Sanitizer' "$tmp/$name.err"; then
    echo "FAIL $name: sanitizer report"; cat "$tmp/$name.err"; fail=1; continue
  fi
  if $PY "$top_srcdir/tests/pcap/check.py" "$dir/expect.json" "$tmp/$name.json" \
       "$tmp/$name.stats"; then
    echo "ok   $name"
  else
    echo "FAIL $name"; fail=1
  fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no capture cases under $top_srcdir/tests/pcap"; exit 1; }
exit $fail
