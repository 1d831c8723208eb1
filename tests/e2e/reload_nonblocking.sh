#!/bin/bash
# A reload builds its rule set beside the loop (Trust 8): gdb, attached
# in non-stop mode, stops the reload's thread where it begins, before it
# reads a rule file, and lets it go when the test likes; only that
# thread is stopped. Meanwhile the status socket answers within a
# second, capture and matching go on (alerts keep coming, no pcap
# drops); once let go, the rule file changed meanwhile is read and the
# new rules are in. The same for a SIGHUP, `canhgacctl reload` and
# `canhgacctl list add` (each answers once its reload ended), and a list
# add whose reload fails puts the list file back. A list file that is a
# FIFO is refused by list add at once (the loop waited on it). A FIFO
# named as the configuration, a rule file or the catalog: `-T` and a
# start refuse it within 2 s, naming it, and a reload at once (they
# waited on its open for a writer, for ever). A sanitizer report fails
# the test.
. "${top_srcdir:?}/tests/e2e/lo_lib.sh"
CANHGACCTL=${CANHGACCTL:-$(dirname "$CANHGACD")/canhgacctl}
command -v gdb >/dev/null || skip "needs gdb (scripts/setup.sh installs it)"
lo_setup reloadnb
fx=$top_srcdir/tests/e2e/fixtures
cp "$fx/catalog.yaml" "$tmp/catalog.yaml" || { echo "FAIL: $fx missing"; exit 1; }
cp "$fx/udp9999.rules" "$tmp/rules.yaml"
# The second rule file, as it will be after the reload: UDP to 9997.
sed 's/sid: 42/sid: 61/; s/9999/9997/' "$fx/udp9999.rules" >"$tmp/later.rules"
printf 'rules: []\n' >"$tmp/first.rules"
printf 'rules: [\n' >"$tmp/broken.rules"
printf '# indicators\n192.0.2.1\n' >"$tmp/ioc-ips.txt"
cp "$tmp/first.rules" "$tmp/slow.yaml"
cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: reload-nb, catalog: catalog.yaml, state_dir: none}
capture:
  - {interface: lo}
rules: [rules.yaml, slow.yaml]
assets:
  ioc_ips: {file: ioc-ips.txt}
outputs:
  json: {path: alerts.json}
  status: {socket: $tmp/ctl.sock}
EOF
ctl() { "$CANHGACCTL" -s "$tmp/ctl.sock" "$@"; }

# A FIFO named as the configuration, a rule file or the catalog (no
# writer ever opens it): -T and a start end within 2 s with an error
# naming it. A start waiting there has its signal handlers in place but
# no loop to run them: SIGTERM does not end it, hence -k.
mkfifo "$tmp/fifo.yaml"
sed 's|^rules: .*|rules: [rules.yaml, fifo.yaml]|' "$tmp/canhgac.yaml" >"$tmp/fifo-rule.yaml"
sed 's|catalog: catalog.yaml|catalog: fifo.yaml|' "$tmp/canhgac.yaml" >"$tmp/fifo-catalog.yaml"
for c in fifo.yaml fifo-rule.yaml fifo-catalog.yaml; do
	for how in -T start; do
		if [ "$how" = -T ]; then
			out=$(timeout -k 1 2 "$CANHGACD" -T -c "$tmp/$c" 2>&1)
		else
			out=$(timeout -k 1 2 ip netns exec "$ns" "$CANHGACD" -v -c "$tmp/$c" 2>&1)
		fi
		rc=$?
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			flunk "$how, the FIFO named by $c: still waiting after 2 s"
		elif [ "$rc" -ne 0 ] && grep -qF "$tmp/fifo.yaml: not a regular file" <<<"$out"; then
			pass "$how, the FIFO named by $c: $(grep -F 'not a regular file' <<<"$out")"
		else
			flunk "$how, the FIFO named by $c: exit $rc: $out"
		fi
	done
done
rm -f "$tmp/fifo.yaml"

# hold: gdb attaches to the daemon in non-stop mode (a thread that stops
# leaves the others running) with a breakpoint where the reload thread
# begins, so the next reload waits there, before it reads a rule file,
# with the loop and the packet workers running on. held WHAT: that
# thread is stopped there. release: gdb quits, detaching, and the reload
# goes on (reading the rule files as they are then).
gdbfd= gdbpid=
release() {
	[ -n "$gdbfd" ] || return 0
	# quit, not only the end of gdb's input: a child may hold it open.
	echo quit >&"$gdbfd"
	exec {gdbfd}>&-
	wait "$gdbpid"
	gdbfd= gdbpid=
}
trap 'release; lo_cleanup' EXIT
hold() {
	local i
	rm -f "$tmp/armed" "$tmp/held"
	exec {gdbfd}> >(exec timeout 300 gdb -q -nx >>"$tmp/gdb.log" 2>&1)
	gdbpid=$!
	cat >&"$gdbfd" <<G
set pagination off
set confirm off
set non-stop on
handle all nostop noprint pass
attach $dpid
break reload_thread
commands
silent
shell touch $tmp/held
end
continue -a &
shell touch $tmp/armed
G
	for i in $(seq 300); do [ -f "$tmp/armed" ] && return 0; sleep 0.1; done
	flunk "gdb did not attach: $(tail -5 "$tmp/gdb.log")"
	exit 1
}
held() {
	local i
	for i in $(seq 100); do [ -f "$tmp/held" ] && break; sleep 0.1; done
	[ -f "$tmp/held" ] && pass "$1: the reload thread stopped before its rule files" ||
	    flunk "$1: no reload thread came to the breakpoint: $(tail -5 "$tmp/gdb.log")"
}
# During a reload held back: status answers within a second each time,
# and alerts go on.
status_during() {
	local slow=0 a1 a2 i start
	a1=$(wc -l <"$tmp/alerts.json")
	for i in 1 2 3 4 5; do
		start=$(date +%s%N)
		if ! timeout 5 "$CANHGACCTL" -s "$tmp/ctl.sock" status >/dev/null 2>&1; then
			slow=$((slow + 1))
		elif [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 1000 ]; then
			slow=$((slow + 1))
		fi
		sleep 0.5
	done
	a2=$(wc -l <"$tmp/alerts.json")
	[ "$slow" -eq 0 ] && pass "$1: status answered 5 times within a second" ||
	    flunk "$1: $slow of 5 status queries took over a second or failed"
	[ "$a2" -gt "$a1" ] && pass "$1: alerts went on ($a1 -> $a2)" ||
	    flunk "$1: no alerts ($a1 -> $a2)"
}

ip netns exec "$ns" "$CANHGACD" -v -c "$tmp/canhgac.yaml" \
    --stats "$tmp/stats.json" 2>"$tmp/daemon.err" &
dpid=$!
for _ in $(seq 300); do grep -q "running on" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "running on" "$tmp/daemon.err" || { cat "$tmp/daemon.err"; echo "FAIL: no start"; exit 1; }
ip netns exec "$ns" $PY -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 40
while time.time() < end:
    for _ in range(10):
        s.sendto(b"x", ("127.0.0.1", 9999)); s.sendto(b"y", ("127.0.0.1", 9997))
    time.sleep(0.1)
' &
tpid=$!
cleanup_traffic() { kill "$tpid" 2>/dev/null; }
sleep 1

hold
kill -HUP "$dpid"
for _ in $(seq 100); do grep -q "reloading" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "reloading" "$tmp/daemon.err" && pass "SIGHUP: the reload started" || flunk "no reload started"
held SIGHUP
status_during SIGHUP
grep -q "reloaded" "$tmp/daemon.err" && flunk "the reload ended before it was let go"
grep -q '"signature_id":61' "$tmp/alerts.json" && flunk "rule 61 alerted before the reload"

cp "$tmp/later.rules" "$tmp/slow.yaml"
release
for _ in $(seq 100); do grep -q "reloaded" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "reloaded $tmp/canhgac.yaml" "$tmp/daemon.err" && pass "the reload finished once let go" ||
    flunk "reload did not finish: $(tail -2 "$tmp/daemon.err")"
for _ in $(seq 50); do grep -q '"signature_id":61' "$tmp/alerts.json" && break; sleep 0.1; done
grep -q '"signature_id":61' "$tmp/alerts.json" && pass "the new rule 61 alerts" || flunk "rule 61 never alerted"

# Requests through the socket whose reload is held: status answers
# meanwhile, and the request itself answers only once its reload, let go
# with RULEFILE as the second rule file, ended.
# request WHAT RULEFILE CTL-ARGS...: the request's answer in
# $tmp/held.out.
request() {
	local what=$1 file=$2
	shift 2
	hold
	ctl -t 60 "$@" >"$tmp/held.out" 2>&1 {gdbfd}>&- &
	local hpid=$!
	held "$what"
	status_during "$what"
	kill -0 "$hpid" 2>/dev/null && pass "$what: no answer before its reload was let go" ||
	    flunk "$what answered before its reload could finish: $(cat "$tmp/held.out")"
	cp "$file" "$tmp/slow.yaml"
	release
	wait "$hpid"
}

request "canhgacctl reload" "$tmp/later.rules" reload &&
    pass "canhgacctl reload answered once done: $(cat "$tmp/held.out")" ||
    flunk "canhgacctl reload: $(cat "$tmp/held.out")"
request "list add" "$tmp/later.rules" list add ioc_ips 203.0.113.7 &&
    grep -qx "203.0.113.7" "$tmp/ioc-ips.txt" &&
    pass "list add answered once reloaded: $(tr '\n' ' ' <"$tmp/held.out")" ||
    flunk "list add: $(cat "$tmp/held.out")"
cp "$tmp/ioc-ips.txt" "$tmp/ioc-before"
request "list add, failing reload" "$tmp/broken.rules" list add ioc_ips 203.0.113.8 &&
    flunk "list add with a broken rule file succeeded: $(cat "$tmp/held.out")"
grep -q "restored" "$tmp/held.out" && cmp -s "$tmp/ioc-ips.txt" "$tmp/ioc-before" &&
    pass "the failed list add put the list file back: $(cat "$tmp/held.out")" ||
    flunk "list file not restored: $(cat "$tmp/held.out"); $(cat "$tmp/ioc-ips.txt")"
# A rule file that is a FIFO at a reload: the reload fails at once,
# naming it, and the running rules stay (its thread waited for a
# writer, and the stop at the end for it).
rm -f "$tmp/slow.yaml"
mkfifo "$tmp/slow.yaml"
ctl -t 5 reload >"$tmp/fifo.out" 2>&1
frc=$?
timeout 2 sh -c ": >'$tmp/slow.yaml'" 2>/dev/null
[ "$frc" -ne 0 ] && grep -qF "$tmp/slow.yaml: not a regular file" "$tmp/fifo.out" &&
    pass "reload with a FIFO rule file refused: $(cat "$tmp/fifo.out")" ||
    flunk "reload with a FIFO rule file (exit $frc): $(cat "$tmp/fifo.out")"
rm -f "$tmp/slow.yaml"
cp "$tmp/later.rules" "$tmp/slow.yaml"
# The list file itself a FIFO (whoever writes the list's directory can
# put one there): list add refuses it at once, and the loop goes on.
# It opened the FIFO on the loop and waited there for a writer: status
# and capture stopped.
mv "$tmp/ioc-ips.txt" "$tmp/ioc-keep"
mkfifo "$tmp/ioc-ips.txt"
ctl -t 5 list add ioc_ips 203.0.113.9 >"$tmp/fifo.out" 2>&1 &
fpid=$!
sleep 0.5
status_during "list add, the list a FIFO"
wait "$fpid"
frc=$?
# Unblock a daemon that waits on it, so that the rest can run.
timeout 2 sh -c ": >'$tmp/ioc-ips.txt'" 2>/dev/null
[ "$frc" -ne 0 ] && grep -q "not a regular file" "$tmp/fifo.out" &&
    pass "list add on a FIFO refused: $(cat "$tmp/fifo.out")" ||
    flunk "list add on a FIFO (exit $frc): $(cat "$tmp/fifo.out")"
rm -f "$tmp/ioc-ips.txt"
mv "$tmp/ioc-keep" "$tmp/ioc-ips.txt"
cleanup_traffic
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=
[ "$rc" -eq 0 ] && pass "daemon exited 0" || flunk "daemon exit status $rc"
$PY -c 'import json, sys
st = json.load(open(sys.argv[1])); i = st["interfaces"][0]
sys.exit(0 if i["pcap_dropped"] == 0 and i["packets"] > 0 else 1)' "$tmp/stats.json" &&
    pass "no pcap drops" || flunk "pcap drops or no packets"
if grep -qE "Sanitizer|runtime error" "$tmp/daemon.err"; then
	flunk "sanitizer report"; grep -A20 -E "Sanitizer|runtime error" "$tmp/daemon.err" | head -40
fi
exit $fail
