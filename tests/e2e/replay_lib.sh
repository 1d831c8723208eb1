# Sourced by the tests that build captures with a generator of the same
# name (NAME.py) and replay them through canhgacd: defrag.sh, stream.sh.
# replay_setup NAME: scapy and the daemon checked, captures made in $tmp,
# $ns named for a live part, a cleanup at exit that stops $daemon.
# check WHAT CMD...: one "ok"/"FAIL" line; a failure sets $fails.
# run NAME CONFIG: NAME.pcap (up to its first dot) replayed; alerts,
# events and stats in $tmp/NAME.*; a failure or a sanitizer report fails.
# count NAME SID [DECODE_ERROR]: alerts of that rule; stat NAME KEY.KEY.
# rss_within NAME MIB...: peak RSS within the memcaps given + 32 MiB.
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
# The live part, in a network namespace nobody else sends into:
# live_start NAME CONFIG PCAP...: canhgacd -i lo in $ns with CONFIG plus
# a JSON log ($tmp/NAME.alerts) and the status socket ($tmp/ctl.sock),
# each PCAP replayed into it; 1 when there is no namespace or tcpreplay
# (a failure under CI=true). live_stat KEY.KEY MIN: that counter of
# `canhgacctl stats` once it reaches MIN (5 s at most), or what it was.
# live_stop NAME: the daemon stopped; a sanitizer report fails.
CANHGACCTL=${CANHGACCTL:-${top_builddir:-.}/canhgacctl}
live_start() {
	local name=$1 config=$2 f
	shift 2
	if ! ip netns add "$ns" 2>/dev/null || ! command -v tcpreplay >/dev/null; then
		[ "${CI:-}" = true ] && { echo "FAIL: no network namespace or tcpreplay"; fails=1; }
		echo "note: no network namespace or tcpreplay: live part skipped"
		return 1
	fi
	ip netns exec "$ns" ip link set lo up
	{ cat "$config"; printf '%s\n' "outputs:" "  json: {path: $tmp/$name.alerts}" \
	    "  status: {socket: $tmp/ctl.sock}"; } >"$tmp/$name.yaml"
	ip netns exec "$ns" "$CANHGACD" -c "$tmp/$name.yaml" -i lo \
	    2>"$tmp/$name.err" &
	daemon=$!
	# The socket comes last at start: the capture is split by then
	# (slow under a sanitizer: up to 30 s).
	for _ in $(seq 300); do
		[ -S "$tmp/ctl.sock" ] || ! kill -0 "$daemon" 2>/dev/null && break
		sleep 0.1
	done
	if [ ! -S "$tmp/ctl.sock" ]; then
		# Stuck in its start, the loop that acts on TERM never ran.
		kill "$daemon" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$daemon" 2>/dev/null
		wait "$daemon"; daemon=
		echo "FAIL $name: no status socket after 30 s"; cat "$tmp/$name.err"
		fails=1
		return 1
	fi
	for f in "$@"; do
		ip netns exec "$ns" tcpreplay -q -i lo "$f" >/dev/null 2>&1
	done
	return 0
}
live_stat() {
	local got=
	for _ in $(seq 50); do
		got=$("$CANHGACCTL" -s "$tmp/ctl.sock" --json stats 2>/dev/null |
		    $PY -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1" 2>/dev/null)
		[ -n "$got" ] && [ "$got" -ge "$2" ] && break
		sleep 0.1
	done
	echo "${got:-none}"
}
live_stop() {
	kill "$daemon"; wait "$daemon"; daemon=
	if grep -qE 'runtime error|Sanitizer' "$tmp/$1.err"; then
		echo "FAIL $1: sanitizer report"; cat "$tmp/$1.err"; fails=1
	fi
	return 0
}
rss_within() {	# NAME MIB...: peak RSS within those memcaps (MiB) + 32 MiB
	local name=$1 sum=32 m rss
	shift
	if ldd "$CANHGACD" 2>/dev/null | grep -q libasan ||
	    grep -qa __asan_init "$CANHGACD"; then
		echo "note: AddressSanitizer build: no RSS bound"
		return
	fi
	for m; do sum=$((sum + m)); done
	rss=$(stat "$name" run.peak_rss_kb)
	check "$name: peak RSS $rss KiB within the memcaps + 32 MiB ($((sum * 1024)) KiB)" \
		[ "$rss" -le $((sum * 1024)) ]
}
