#!/bin/bash
# Trust: root gives the status socket its group and mode in the service
# user's runtime directory. /run/canhgac belongs to `canhgac`
# (etc/canhgac.tmpfiles); root binds the socket there and then sets its
# group (`group: canhgac` in the shipped configuration) and mode. If that
# is done by name (chown/chmod follow links), `canhgac` can swap the new
# socket for a link to any file between the bind and the chown, and root
# makes that file group canhgac, mode 0660: /etc/shadow writable. The
# daemon, started as root with `user: canhgac`, runs under gdb, stopped
# just after its status socket's bind returns; there `canhgac` replaces
# the socket by a symbolic link to a root-only victim (and, second run, by
# a socket of its own), the daemon goes on. Checked: the victim keeps its
# owner, mode and content, the daemon refuses the path with a message
# naming it. Before a start, `canhgac` plants at the path a link to the
# victim, a file, a live socket of its own (each refused, untouched) and a
# stale one (taken over). A last run, untouched, gives the socket group
# canhgac and mode 0660 and answers `canhgacctl status`.
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_socket
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
. "$top_srcdir/tests/e2e/trust_lib.sh"
tr_need
command -v gdb >/dev/null || skip "needs gdb"
[ -x "$CANHGACCTL" ] || CANHGACCTL=$top_builddir/canhgacctl
sl_init
tr_setup
RUN=$R/run/canhgac
SOCK=$RUN/canhgac.sock
sl_sensor_conf "$TMP/sensor.yaml" sensor-trust-socket "  json: {path: $R/var/log/canhgac/alerts.json}
  status: {socket: $SOCK, mode: \"0660\", group: $SVC}"
sed -i "s|^  timezone:|  state_dir: none\n  timezone:|" "$TMP/sensor.yaml"
cat >>"$TMP/sensor.yaml" <<YEOF
user: $SVC
YEOF

# attack ACTION: the daemon under gdb, the socket swapped after bind;
# then stopped, if it runs.
attack() {
	local action=$1
	local swap="rm -f '$SOCK' && ln -s '$V' '$SOCK'"
	[ "$action" = link ] || swap="rm -f '$SOCK' && /usr/bin/python3 -c \
'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' '$SOCK'"
	rm -f "$SOCK"
	# capture binds too: the swap waits for the status socket to be there.
	tr_gdb_race bind "test -S '$SOCK'" "$swap"
	timeout 60 gdb -q -batch -x "$TMP/race.py" \
		--args "$CANHGACD" -c "$TMP/sensor.yaml" -i lo -P "$RUN/canhgacd.pid" \
		>"$TMP/$action.log" 2>&1 &
	local gpid=$! i
	for i in $(seq 1 100); do
		[ -f "$TMP/swapped" ] && break
		sleep 0.1
	done
	sleep 2
	pkill -TERM -P "$gpid" -x canhgacd 2>/dev/null
	kill -TERM "$(cat "$RUN/canhgacd.pid" 2>/dev/null)" 2>/dev/null
	wait "$gpid"
	[ -f "$TMP/swapped" ] || { cat "$TMP/$action.log" >&2; fail "$action: gdb never saw the socket bound"; }
}

attack link
got=$(tr_victim_state "$V")
[ "$got" = "$want" ] || { cat "$TMP/link.log" >&2; fail "link: root followed the link at $SOCK: victim $want -> $got"; }
grep -q "$SOCK: .*refusing" "$TMP/link.log" ||
	{ cat "$TMP/link.log" >&2; fail "link: no refusal naming $SOCK"; }
echo "$me: socket swapped for a link after bind: victim untouched, refused"

attack socket
grep -q "$SOCK: .*refusing" "$TMP/socket.log" ||
	{ cat "$TMP/socket.log" >&2; fail "socket: the service user's socket was not refused"; }
echo "$me: socket swapped for the service user's own socket: refused"

# Planted by the service user before the start, at the socket's path:
# a link to the victim, a file, its own live socket: each refused naming
# the path, nothing removed or followed; a stale socket of its own is
# taken over (unlinked, bound anew).
# plant WHAT: start the daemon on what is at $SOCK; its log in $TMP/WHAT.log.
plant() {
	timeout 20 "$CANHGACD" -v -c "$TMP/sensor.yaml" -i lo -P "$RUN/canhgacd.pid" \
		>/dev/null 2>"$TMP/$1.log" &
	local p=$! i
	for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -TERM "$p" 2>/dev/null
	wait "$p"
	return 0
}
rm -f "$SOCK"
as_svc ln -s "$V" "$SOCK"
plant prelink
[ -L "$SOCK" ] && [ "$(tr_victim_state "$V")" = "$want" ] &&
	grep -q "$SOCK: exists and is not a socket" "$TMP/prelink.log" ||
	{ cat "$TMP/prelink.log" >&2; fail "a link planted before the start: not refused, or followed"; }
rm -f "$SOCK"
as_svc sh -c "echo keep >'$SOCK'"
plant prefile
[ "$(cat "$SOCK" 2>/dev/null)" = keep ] &&
	grep -q "$SOCK: exists and is not a socket; not removing it" "$TMP/prefile.log" ||
	{ cat "$TMP/prefile.log" >&2; fail "a file planted at the socket path: not refused, or removed"; }
rm -f "$SOCK"
as_svc /usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
open(sys.argv[2], "w").close()
time.sleep(30)' "$SOCK" "$RUN/live-ready" &
lpid=$!
for i in $(seq 1 50); do [ -e "$RUN/live-ready" ] && break; sleep 0.1; done
plant prelive
grep -q "$SOCK: in use by a running daemon" "$TMP/prelive.log" &&
	/usr/bin/python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$SOCK" ||
	{ cat "$TMP/prelive.log" >&2; fail "a live socket at the path: not refused, or taken away"; }
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null; rm -f "$RUN/live-ready"
rm -f "$SOCK"
as_svc /usr/bin/python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
plant prestale
grep -q "removed stale socket $SOCK" "$TMP/prestale.log" ||
	{ cat "$TMP/prestale.log" >&2; fail "a stale socket at the path was not taken over"; }
echo "$me: planted before the start: link and file refused untouched, a live socket refused, a stale one taken over"

# Untouched: group and mode as configured, and it answers.
rm -f "$SOCK"
"$CANHGACD" -c "$TMP/sensor.yaml" -i lo -P "$RUN/canhgacd.pid" >/dev/null 2>"$TMP/plain.log" &
dpid=$!
for i in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
sleep 0.3
[ "$(stat -c '%U:%G %a' "$SOCK" 2>/dev/null)" = "root:$SVC 660" ] ||
	{ cat "$TMP/plain.log" >&2; fail "socket: $(stat -c '%U:%G %a' "$SOCK" 2>&1), not root:$SVC 660"; }
"$CANHGACCTL" -s "$SOCK" status >/dev/null || fail "status does not answer"
kill -TERM "$dpid"; wait "$dpid" || fail "daemon exit status $?"
echo "$me: untouched: root:$SVC 660, status answers"

# Root's canhgacctl, the other way: `canhgac` swaps the socket at the
# path for a link to a root-only socket of another daemon (a listener in
# a 0700 directory of root's). Root's `canhgacctl status` and `reload`
# must refuse the link, naming it, and never reach that socket.
ROOTDIR=$(mktemp -d /tmp/cg-rootonly-XXXXXX); chmod 0700 "$ROOTDIR"
/usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(8); s.settimeout(8)
open(sys.argv[2], "w").close()
try:
    c, _ = s.accept()
    open(sys.argv[3], "wb").write(c.recv(4096) or b"(connected)")
except socket.timeout:
    pass' "$ROOTDIR/other.sock" "$ROOTDIR/ready" "$ROOTDIR/reached" &
opid=$!
for i in $(seq 1 50); do [ -e "$ROOTDIR/ready" ] && break; sleep 0.1; done
rm -f "$SOCK"
as_svc ln -s "$ROOTDIR/other.sock" "$SOCK"
for c in status reload; do
	out=$("$CANHGACCTL" -s "$SOCK" $c 2>&1); rc=$?
	[ $rc -ne 0 ] && grep -q "$SOCK: a symbolic link, not followed" <<<"$out" ||
		{ kill "$opid" 2>/dev/null; fail "root's canhgacctl $c on a link the service user planted: exit $rc: $out"; }
done
kill "$opid" 2>/dev/null; wait "$opid" 2>/dev/null
[ ! -e "$ROOTDIR/reached" ] ||
	fail "root's canhgacctl reached the root-only socket through the link: $(cat "$ROOTDIR/reached")"
rm -rf "$ROOTDIR"; rm -f "$SOCK"
echo "$me: root's canhgacctl refuses a link planted at the socket path, the socket behind it never reached"
echo "$me: PASS"
