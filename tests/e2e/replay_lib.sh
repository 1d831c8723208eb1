# Sourced by the tests that build captures with a generator of the same
# name (NAME.py) and replay them through canhgacd: defrag.sh, stream.sh.
# replay_setup NAME: scapy and the daemon checked, captures made in $tmp,
# $ns named for a live part, a cleanup at exit that stops $daemon.
# check WHAT CMD...: one "ok"/"FAIL" line; a failure sets $fails.
# run NAME CONFIG: NAME.pcap (up to its first dot) replayed; alerts,
# events and stats in $tmp/NAME.*; a failure or a sanitizer report fails.
# count NAME SID [DECODE_ERROR]: alerts of that rule; stat NAME KEY.KEY.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
. "$top_srcdir/tests/e2e/skip_lib.sh"
fails=0 daemon=
replay_cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon"
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
replay_setup() {
	$PY -c 'import scapy' 2>/dev/null ||
		skip "python3-scapy is not installed (scripts/setup.sh installs it)"
	[ -x "$CANHGACD" ] || { echo "FAIL: no daemon at $CANHGACD"; exit 1; }
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-$1.XXXXXX") || exit 1
	ns=cg$1$$
	trap replay_cleanup EXIT
	$PY "$top_srcdir/tests/e2e/$1.py" "$tmp" || { echo "FAIL: $1.py"; exit 1; }
}
check() {
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=1; fi
}
run() {	# NAME CONFIG: alerts, events and stats in $tmp/NAME.*
	if ! "$CANHGACD" -c "$2" -r "$tmp/${1%%.*}.pcap" --alerts "$tmp/$1.alerts" \
	    --events "$tmp/$1.events" --stats "$tmp/$1.stats" 2>"$tmp/$1.err"; then
		echo "FAIL $1: canhgacd failed"; cat "$tmp/$1.err"; fails=1
	fi
	if grep -qE 'runtime error|Sanitizer' "$tmp/$1.err"; then
		echo "FAIL $1: sanitizer report"; cat "$tmp/$1.err"; fails=1
	fi
	touch "$tmp/$1.alerts" "$tmp/$1.events"
}
count() {	# NAME SID [DECODE_ERROR]: alerts of that rule
	$PY - "$tmp/$1.alerts" "$2" "${3:-}" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["alert"]["signature_id"] == int(sys.argv[2]) and (
            not sys.argv[3] or a.get("decode_error") == sys.argv[3]
            or sys.argv[3] in a["alert"]["message"]):
        n += 1
print(n)
EOF
}
stat() {	# NAME KEY.KEY: a counter from --stats
	$PY -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$tmp/$1.stats" "$2"
}
