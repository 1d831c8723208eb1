#!/bin/bash
# vi_language.sh — Vietnamese output holds no English (issue 20, item 5):
# the Vietnamese compliance report (text and HTML), every shipped rule's
# name_vi, vi message and advice, and the alerts written with
# `language: vi` from the demo capture are checked by vi_language.py for
# English words, English units (5m, 60s) and rejected literal translations.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
me=vi_language.sh
PY=/usr/bin/python3
. "$top_srcdir/tests/e2e/skip_lib.sh"
tmp=$(mktemp -d /tmp/cg-vi-language-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/e2e/demo_lib.sh"
demo_run ", language: vi"
# The report with each shipped catalog (a private copy of the example
# configuration), the alerts checked with the first.
mkdir "$tmp/etc"
cp -R "$top_srcdir/etc/lists" "$tmp/etc/lists"
cp -RL "$top_srcdir/rules" "$tmp/etc/rules"
alerts=$tmp/alerts.json rc=0
for cat in "$tmp"/etc/rules/controls-*.yaml; do
	sed "s|^\( *catalog:\).*|\1 $cat|" "$top_srcdir/etc/canhgac.yaml" \
	    >"$tmp/etc/canhgac.yaml"
	for f in text html; do
		"$CANHGACD" -c "$tmp/etc/canhgac.yaml" --compliance --format $f \
		    --lang vi >"$tmp/report.$f" 2>"$tmp/err" ||
			{ echo "FAIL: ${cat##*/}: --format $f:"; cat "$tmp/err"
			  rc=1; }
	done
	echo "catalog ${cat##*/}:"
	$PY "$top_srcdir/tests/e2e/vi_language.py" "$tmp/report.text" \
	    "$tmp/report.html" "$top_srcdir/rules" $alerts || rc=1
	alerts=
done
exit $rc
