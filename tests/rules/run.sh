#!/bin/bash
# Rule-pack tests: every shipped rule (rules/*.yaml) alerts exactly once on
# its positive captures and never on its negative ones; every sid has a
# case or a reason it cannot have one; a benign capture of gateway traffic
# gives no alert at any level 1..5. The captures are built with
# python3-scapy by tests/rules/cases.py and benign.py (see rulecheck.py).
#
# automake test: needs $top_srcdir and $CANHGACD; exits 0 (pass),
# 1 (fail) or 77 (skipped: no scapy).
# By hand: top_srcdir=. CANHGACD=build/canhgacd tests/rules/run.sh [SID...]
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
[ -x "$CANHGACD" ] || { echo "FAIL: no daemon at $CANHGACD"; exit 1; }
. "$top_srcdir/tests/e2e/skip_lib.sh"
$PY -c 'import scapy' 2>/dev/null ||
  skip "python3-scapy is not installed (scripts/setup.sh installs it)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-rules.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$CANHGACD" -T -c "$top_srcdir/tests/rules/canhgac-test.yaml" >"$tmp/T.out" 2>&1 ||
  { echo "FAIL: the test configuration does not load:"; cat "$tmp/T.out"; exit 1; }
$PY "$top_srcdir/tests/rules/rulecheck.py" "$CANHGACD" "$top_srcdir" "$tmp" "$@"
