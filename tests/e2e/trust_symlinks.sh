#!/bin/bash
# Trust, item 1: the service user plants links where root opens files.
# With the shipped tmpfiles layout (log and spool directories owned by
# `canhgac`), `canhgac` plants a symbolic link to a root-only victim at
# alerts.json, events.json, the --alerts and --stats files, a pidfile in
# its directory, a spool segment, the spool directory and its parent, the
# spool's cursor, seq and temporary files, and alerts.json and events.json
# of a daemon running as root when it reopens them by name (deleted while
# open, SIGHUP); root also plants hard links
# (as a system without fs.protected_hardlinks would let the user do).
# The daemon, started as root with `user: canhgac`, either refuses to
# start with a message naming the path (logs, stats, pidfile, segments,
# the spool directory, hard links) or replaces the link with its own
# file (the spool's state files, written by rename); in every case the
# victim keeps its owner, mode, link count and content.
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_symlinks
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
. "$top_srcdir/tests/e2e/trust_lib.sh"
tr_need
sl_init
sl_certs "$TMP/certs"
sl_pcap "$TMP/in.pcap" 20
port=$(sl_port)		# nothing listens: alerts go to the spool
R=$TMP/root
LOG=$R/var/log/canhgac
SPOOL=$R/var/lib/canhgac/spool/collector
V=$TMP/secret/victim
tr_victim "$V"
want=$(tr_victim_state "$V")
tr_conf "$TMP/sensor.yaml" "$R" "$port"

# run NAME MODE: MODE refuse (exit non-zero, message naming $bad) or
# replace (runs; $bad becomes the daemon's regular file).
run() {
	local name=$1 mode=$2 rc
	if [ "$live" = 1 ]; then
		timeout 10 "$CANHGACD" -c "$TMP/sensor.yaml" -i lo -P "$R/run/canhgac/canhgacd.pid" \
			>/dev/null 2>"$TMP/$name.log"
	else
		timeout 30 "$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" \
			--stats "$LOG/stats.json" --alerts "$LOG/alerts-copy.json" \
			>/dev/null 2>"$TMP/$name.log"
	fi
	rc=$?
	got=$(tr_victim_state "$V")
	[ "$got" = "$want" ] || { cat "$TMP/$name.log" >&2; fail "$name: the victim changed: $want -> $got"; }
	[ -z "$(ls -A "$TMP/secret" | grep -v '^victim$')" ] || fail "$name: files created beside the victim"
	case $mode in
	refuse)
		[ $rc -ne 0 ] && [ $rc -ne 124 ] || { cat "$TMP/$name.log" >&2; fail "$name: not refused (exit $rc)"; }
		grep -qF "$bad: $why" "$TMP/$name.log" || { cat "$TMP/$name.log" >&2; fail "$name: no message naming $bad: $why"; }
		;;
	replace)
		[ $rc -eq 0 ] || { cat "$TMP/$name.log" >&2; fail "$name: daemon failed (exit $rc)"; }
		[ -f "$bad" ] && [ ! -L "$bad" ] || fail "$name: $bad is not a regular file now"
		[ "$(stat -c %U "$bad")" = "$SVC" ] || fail "$name: $bad not owned by $SVC"
		;;
	gone)	# a temporary file: the link removed, never followed
		[ $rc -eq 0 ] || { cat "$TMP/$name.log" >&2; fail "$name: daemon failed (exit $rc)"; }
		[ ! -e "$bad" ] && [ ! -L "$bad" ] || fail "$name: $bad left behind"
		;;
	esac
	info "$name: $mode: ok ($(grep -m1 -oF "$bad: $why" "$TMP/$name.log" || echo "replaced"))"
}

# plant NAME PATH [MODE]: a symbolic link, planted by the service user.
plant() {
	local name=$1 mode=${3:-refuse}
	bad=$2 why="is a symbolic link" live=0
	tr_layout "$R"
	as_svc mkdir -p "$(dirname "$bad")"
	as_svc ln -s "$V" "$bad" || fail "$name: cannot plant $bad as $SVC"
	run "$name" "$mode"
}
# hard NAME PATH: a hard link to the victim.
hard() {
	bad=$2 why="has 2 hard links" live=0
	tr_layout "$R"
	as_svc mkdir -p "$(dirname "$bad")"
	ln "$V" "$bad" || fail "$1: cannot link"
	want=$(tr_victim_state "$V")
	run "$1" refuse
	rm -f "$bad"
	want=$(tr_victim_state "$V")
}

plant alerts "$LOG/alerts.json"
plant events "$LOG/events.json"
plant alerts_copy "$LOG/alerts-copy.json"
plant stats "$LOG/stats.json"
plant segment "$SPOOL/0000000100000000.seg"
plant cursor "$SPOOL/cursor" replace
plant seq "$SPOOL/seq" replace
plant cursor_tmp "$SPOOL/.cursor.tmp" gone
plant seq_tmp "$SPOOL/.seq.tmp" gone
# The spool directory itself, a link to the victim's directory.
tr_layout "$R"
as_svc ln -s "$TMP/secret" "$SPOOL"
bad=$SPOOL why="is a symbolic link" live=0
run spool_dir refuse
# A directory higher up: the service user swaps /var/lib/canhgac/spool
# (in its own /var/lib/canhgac) for a link to a directory of root's that
# holds a `collector` directory; that one must not be given to it.
tr_layout "$R"
mkdir -p "$TMP/secret2/collector"
chmod 700 "$TMP/secret2" "$TMP/secret2/collector"
as_svc mv "$R/var/lib/canhgac/spool" "$R/var/lib/canhgac/spool.old"
as_svc ln -s "$TMP/secret2" "$R/var/lib/canhgac/spool"
bad=$R/var/lib/canhgac/spool why="is a symbolic link" live=0
run spool_parent refuse
[ "$(stat -c %u "$TMP/secret2/collector")" = 0 ] || fail "spool_parent: root's directory given away"
[ -z "$(ls -A "$TMP/secret2/collector")" ] || fail "spool_parent: files made in root's directory"
# The pidfile, in the runtime directory, the service user's (live, on lo).
tr_layout "$R"
bad=$R/run/canhgac/canhgacd.pid why="is a symbolic link" live=1
as_svc ln -s "$V" "$bad"
run pidfile refuse

# Reopening by name as root (no `user:`): alerts.json deleted while open
# (checked each second) and SIGHUP (reopens the logs) find links the
# service user planted in its log directory; both are refused, the old
# files kept.
tr_layout "$R"
grep -v '^user:' "$TMP/sensor.yaml" >"$TMP/root.yaml"
"$CANHGACD" -c "$TMP/root.yaml" -i lo -P "$TMP/root.pid" >/dev/null 2>"$TMP/reopen.log" &
rpid=$!
SL_PIDS="$SL_PIDS $rpid"
for i in $(seq 1 50); do [ -f "$LOG/alerts.json" ] && [ -f "$LOG/events.json" ] && break; sleep 0.1; done
kill -0 $rpid 2>/dev/null || { cat "$TMP/reopen.log" >&2; fail "reopen: daemon did not start"; }
as_svc rm -f "$LOG/alerts.json" && as_svc ln -s "$V" "$LOG/alerts.json" || fail "reopen: cannot plant"
as_svc mv "$LOG/events.json" "$LOG/events.json.1" && as_svc ln -s "$V" "$LOG/events.json" || fail "reopen: cannot plant"
for i in $(seq 1 50); do grep -q "alerts.json: is a symbolic link" "$TMP/reopen.log" && break; sleep 0.1; done
kill -HUP $rpid
for i in $(seq 1 50); do grep -q "events.json: is a symbolic link" "$TMP/reopen.log" && break; sleep 0.1; done
kill $rpid; wait $rpid
got=$(tr_victim_state "$V")
[ "$got" = "$want" ] || { cat "$TMP/reopen.log" >&2; fail "reopen: the victim changed: $want -> $got"; }
for f in alerts.json events.json; do
	grep -q "$LOG/$f: is a symbolic link" "$TMP/reopen.log" ||
		{ cat "$TMP/reopen.log" >&2; fail "reopen: no refusal for $f"; }
done
info "reopen: refused as root: $(grep -c 'is a symbolic link' "$TMP/reopen.log") time(s)"

hard alerts_hard "$LOG/alerts.json"
hard events_hard "$LOG/events.json"
hard stats_hard "$LOG/stats.json"
hard segment_hard "$SPOOL/0000000100000000.seg"

# With nothing planted, the same run works, and everything the daemon
# made in the service user's directories is the service user's.
tr_layout "$R"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$TMP/in.pcap" --stats "$LOG/stats.json" \
	--alerts "$LOG/alerts-copy.json" >/dev/null 2>"$TMP/clean.log" ||
	{ cat "$TMP/clean.log" >&2; fail "clean run failed"; }
[ "$(wc -l <"$LOG/alerts.json")" -eq 20 ] || fail "clean run: $(wc -l <"$LOG/alerts.json") alerts, expected 20"
bad_owner=$(find "$LOG/alerts.json" "$LOG/events.json" "$LOG/alerts-copy.json" "$SPOOL" \
	! -user "$SVC" -print)
[ -z "$bad_owner" ] || fail "not the service user's: $bad_owner"
echo "$me: PASS" >&2
