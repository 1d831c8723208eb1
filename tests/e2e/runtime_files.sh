#!/bin/bash
# The status socket and the pidfile go at every stop (F10): the runtime
# directory is created as the shipped etc/canhgac.tmpfiles line for
# /run/canhgac says (mode, and owner the service user; the test's user
# is nobody), the daemon starts as root, drops to nobody, and after
# SIGTERM neither file is left; a stop after a reload too. A second
# instance started on the pidfile's path after it was removed keeps its
# pidfile when the first stops. Where the directory is root's, the
# daemon says at stop why the pidfile stays. A start that fails leaves
# no pidfile.
. "${top_srcdir:?}/tests/e2e/lo_lib.sh"
id nobody >/dev/null 2>&1 || skip "no user nobody"
lo_setup runtime

# The shipped line: d /run/canhgac MODE USER GROUP -
read -r _ _ mode owner group _ < <(grep -E '^d /run/canhgac ' "$top_srcdir/etc/canhgac.tmpfiles")
[ -n "${mode:-}" ] || { echo "FAIL: no /run/canhgac line in etc/canhgac.tmpfiles"; exit 1; }
[ "$owner" = canhgac ] && [ "$group" = canhgac ] &&
    pass "tmpfiles gives /run/canhgac to the service user ($mode $owner:$group)" ||
    flunk "tmpfiles: /run/canhgac is $owner:$group"
# start DIR_OWNER: the daemon on lo with its socket and pidfile in $tmp/run.
start() {
	rm -rf "$tmp/run"
	mkdir -m "$mode" "$tmp/run"
	chown "$1" "$tmp/run"
	cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: runtime-test}
capture:
  - {interface: lo}
outputs:
  status: {socket: $tmp/run/canhgac.sock}
user: nobody
pidfile: $tmp/run/canhgacd.pid
EOF
	ip netns exec "$ns" "$CANHGACD" -v -c "$tmp/canhgac.yaml" 2>"$tmp/daemon.err" &
	dpid=$!
	for _ in $(seq 300); do
		grep -q "running on" "$tmp/daemon.err" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "running as user nobody" "$tmp/daemon.err" ||
	    { cat "$tmp/daemon.err"; echo "FAIL: the daemon did not start as nobody"; exit 1; }
	[ -S "$tmp/run/canhgac.sock" ] && [ -s "$tmp/run/canhgacd.pid" ] ||
	    flunk "socket or pidfile missing while running"
}
stop() {
	kill -TERM "$dpid"
	wait "$dpid"
	rc=$?
	dpid=
	[ "$rc" -eq 0 ] || flunk "daemon exit status $rc"
}

start nobody:nogroup
stop
left=$(ls -A "$tmp/run")
[ -z "$left" ] && pass "nothing left in the runtime directory after a stop" ||
    flunk "left behind: $left"

start nobody:nogroup
kill -HUP "$dpid"
for _ in $(seq 100); do grep -q "reloaded" "$tmp/daemon.err" && break; sleep 0.1; done
stop
left=$(ls -A "$tmp/run")
[ -z "$left" ] && pass "nothing left after a reload and a stop" || flunk "left behind after a reload: $left"

# Never another instance's pidfile: the path removed while the first
# runs, a second instance starts on it (its own lock on a new file), and
# the first stops: the second's pidfile stays, with its pid, until it
# stops itself.
start nobody:nogroup
rm -f "$tmp/run/canhgacd.pid"
sed "s|$tmp/run/canhgac.sock|$tmp/run/second.sock|" "$tmp/canhgac.yaml" >"$tmp/second.yaml"
ip netns exec "$ns" "$CANHGACD" -v -c "$tmp/second.yaml" 2>"$tmp/second.err" &
bpid=$!
for _ in $(seq 300); do
	grep -q "running on" "$tmp/second.err" 2>/dev/null && break
	sleep 0.1
done
grep -q "running on" "$tmp/second.err" ||
    { cat "$tmp/second.err"; flunk "the second instance did not start"; }
stop
[ "$(cat "$tmp/run/canhgacd.pid" 2>/dev/null)" = "$bpid" ] &&
    pass "the first instance's stop left the second's pidfile ($bpid)" ||
    flunk "the second instance's pidfile was removed or changed: '$(cat "$tmp/run/canhgacd.pid" 2>/dev/null)'"
grep -q "canhgacd.pid: not removed: no longer this instance's pidfile" "$tmp/daemon.err" &&
    pass "the first instance says why it left the pidfile" ||
    flunk "no reason logged: $(tail -3 "$tmp/daemon.err")"
kill -TERM "$bpid"
wait "$bpid" || flunk "second instance exit status $?"
left=$(ls -A "$tmp/run")
[ -z "$left" ] && pass "the second instance removed its own at its stop" ||
    flunk "left behind after the second stopped: $left"

# A start that fails after taking the pidfile (an interface that does
# not exist, in the foreground and with -D) leaves none behind.
rm -rf "$tmp/run" && mkdir -m "$mode" "$tmp/run"
sed "s|{interface: lo}|{interface: cgnone0}|" "$tmp/canhgac.yaml" >"$tmp/noif.yaml"
for d in "" -D; do
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$CANHGACD" $d -c "$tmp/noif.yaml" 2>"$tmp/noif.err"
	rc=$?
	left=$(ls -A "$tmp/run")
	[ $rc -eq 1 ] && grep -q "cgnone0" "$tmp/noif.err" && [ -z "$left" ] &&
	    pass "a failed start${d:+ with $d} (exit 1, naming cgnone0) leaves no pidfile" ||
	    flunk "failed start${d:+ with $d}: exit $rc, $(cat "$tmp/noif.err"), left: $left"
done

# A root-owned directory: the pidfile stays (its lock makes that
# harmless) and the daemon says why.
start root:root
stop
grep -q "canhgacd.pid: cannot remove the pidfile: Permission denied (its directory must belong to the service user" "$tmp/daemon.err" &&
    pass "a root-owned directory: the reason is logged" ||
    flunk "no reason logged: $(tail -3 "$tmp/daemon.err")"
if grep -qE "Sanitizer|runtime error" "$tmp/daemon.err"; then
	flunk "sanitizer report"; grep -A20 -E "Sanitizer|runtime error" "$tmp/daemon.err" | head -40
fi
exit $fail
