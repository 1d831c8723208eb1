#!/bin/bash
# canhgacd's options, as canhgacd(8) and README.md give them: exit 2 for
# an unknown option or an argument left over, and for an option of a
# mode not asked for (--level, --format, --lang, --since without
# --compliance; --strict-list without -T), which must not start a
# capture or a replay; -i IFACE twice exits 1 (each packet would be read
# twice); -T --strict-list FILE that cannot be read exits 1
# naming FILE; -T -v prints the effective settings; canhgacctl -t takes
# 0..86400; -T says when no catalog was loaded.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}" "${CANHGACCTL:?}"
tmp_err=$(mktemp)
CONF=$top_srcdir/etc/canhgac.yaml
PCAP=$top_srcdir/tests/corpus/community-id/icmp.pcap
LIST=$top_srcdir/etc/lists/ioc-ips.txt
fail=0
# want RC TEXT ARGS...: canhgacd -c CONF ARGS exits RC, prints no record
# on standard output and TEXT on standard error.
want() {
	local rc=$1 text=$2 out err got
	shift 2
	err=$(mktemp)
	# A mistake that starts a live capture ends here, not the test.
	out=$(timeout -s INT 10 "$CANHGACD" -c "$CONF" "$@" 2>"$err"); got=$?
	if [ $got -ne "$rc" ]; then
		echo "FAIL $*: exit $got, want $rc: $(head -n 1 "$err")"; fail=1
	elif [ -n "$out" ]; then
		echo "FAIL $*: printed $(head -c 200 <<<"$out")"; fail=1
	elif ! grep -qF -- "$text" "$err"; then
		echo "FAIL $*: stderr $(head -n 1 "$err"), want $text"; fail=1
	else
		echo "ok   $*: exit $rc, $(grep -F -- "$text" "$err" | head -n 1)"
	fi
	rm -f "$err"
}
want 2 "unrecognized option '--bogus'" --bogus -r "$PCAP" --alerts -
want 2 "usage:" -r "$PCAP" --alerts - left-over
for o in "--level 4" "--format json" "--lang vi" "--since 7d"; do
	# shellcheck disable=SC2086
	want 2 "${o% *} needs --compliance" $o -r "$PCAP" --alerts - --events -
done
# --level with a tail or not a number at all: refused (atoi took "3x").
for l in 3x 4.5 "" x; do
	want 1 "--level: 1..5" --compliance --level "$l"
done
# A configuration without pidfile or socket: a mistake leaves nothing.
mini=$(mktemp -d)
printf 'sensor: {name: t}\n' >"$mini/c.yaml"
CONF=$mini/c.yaml want 1 "-i lo given twice" -i lo -i lo --events -
rm -rf "$mini"
want 2 "--strict-list needs -T" --strict-list "$LIST" -r "$PCAP" --events -
want 1 "--strict-list /nonexistent/ioc.txt: No such file" -T \
    --strict-list /nonexistent/ioc.txt
# The same options in their own mode still work.
"$CANHGACD" -c "$CONF" --compliance --level 4 --format json --lang vi \
    --since 7d >/dev/null 2>&1 && echo "ok   --compliance --level 4 --format json --lang vi --since 7d" ||
    { echo "FAIL --compliance with its options: exit $?"; fail=1; }
"$CANHGACD" -c "$CONF" -T --strict-list "$LIST" >/dev/null 2>&1 &&
    echo "ok   -T --strict-list $LIST" ||
    { echo "FAIL -T --strict-list $LIST: exit $?"; fail=1; }
# canhgacctl -t: 0..86400 seconds; past it (an int's wrap before) a
# usage error, before any socket is tried.
"$CANHGACCTL" -s /nonexistent/sock -t 4294967297 status >/dev/null 2>"$tmp_err"
rc=$?
[ $rc -eq 2 ] && grep -qF -- '-t: expected 0..86400 seconds' "$tmp_err" &&
    echo "ok   canhgacctl -t 4294967297: exit 2, $(cat "$tmp_err")" ||
    { echo "FAIL canhgacctl -t 4294967297: exit $rc, $(cat "$tmp_err")"; fail=1; }
"$CANHGACCTL" -s /nonexistent/sock -t 0 status >/dev/null 2>&1
rc=$?
[ $rc -eq 3 ] && echo "ok   canhgacctl -t 0: accepted (exit 3: no daemon)" ||
    { echo "FAIL canhgacctl -t 0: exit $rc"; fail=1; }
rm -f "$tmp_err"

# -T -v: the effective settings, the language, outputs and user among them.
out=$("$CANHGACD" -c "$CONF" -T -v 2>&1)
for l in "sensor.security_level = 3" "sensor.language = en" \
    "outputs.json.path = /var/log/canhgac/alerts.json" \
    "user = canhgac  (restart to change)" \
    "pidfile = /run/canhgac/canhgacd.pid  (restart to change)"; do
	grep -qxF -- "$l" <<<"$out" && echo "ok   -T -v: $l" ||
	    { echo "FAIL -T -v prints no line '$l'"; fail=1; }
done
# -T without a catalog (the default one is optional and missing here):
# says so, not "catalog rules/controls-tcvn11930.yaml (0 controls)".
nocat=$(mktemp -d)
printf 'sensor: {name: t}\n' >"$nocat/c.yaml"
out=$("$CANHGACD" -T -c "$nocat/c.yaml" 2>&1)
grep -qF "0 exceptions; no catalog ($nocat/rules/controls-tcvn11930.yaml not found)" <<<"$out" &&
    echo "ok   -T without a catalog: $(sed -n 2p <<<"$out")" ||
    { echo "FAIL -T without a catalog: $out"; fail=1; }
rm -rf "$nocat"
exit $fail
