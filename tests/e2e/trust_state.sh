#!/bin/bash
# Trust: root reads the compliance state in the service user's state
# directory (/var/lib/canhgac, etc/canhgac.tmpfiles) at start, before
# the privilege drop. `canhgac` plants a FIFO at state.json: root's open
# waited on it for ever, so the daemon never started (and a link or a
# directory there must not be followed either). Checked: the daemon,
# started as root with `user: canhgac`, is running within a few seconds,
# warns naming state.json and starts a new history; the link's target is
# untouched. Then, with the state in a directory of the service user's
# own (state_dir: /var/lib/canhgac/state), the daemon runs under gdb,
# stopped just after it locked state.lock; there `canhgac` replaces that
# directory by a link to a root-only directory: root's first save went
# there (state.json created in it). Checked: the save goes to the
# directory that was locked, nothing appears in root's.
# The host inventory (src/hosts.c), read by root from the same directory
# before the drop: `canhgac` plants at hosts.json, one start each, a link
# to a root-only inventory, a FIFO, a valid file past the size cap
# (max_hosts 16: 16 KiB + 4 KiB) and a file with one malformed host among
# three good ones; then links to a root-only file at state.lock and
# hosts.lock; under gdb, a small inventory grown past the cap between
# root's size check and its read. Checked: running within 5 s, a warning
# naming the file (the FIFO's was silent: a stale ENOENT), `canhgacctl
# hosts` serves only what it should (the three good hosts; nothing of the
# root-only inventory or of a file past the cap: the grown one was read
# whole), both victims unchanged, neither's content in any output or file.
# Last, the state directory itself a link to a root-only directory: not
# followed.
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_state
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
. "$top_srcdir/tests/e2e/trust_lib.sh"
tr_need
sl_init
tr_setup
S=$R/var/lib/canhgac
SOCK=$R/run/canhgac/canhgac.sock
[ -x "$CANHGACCTL" ] || CANHGACCTL=$top_builddir/canhgacctl
sl_sensor_conf "$TMP/sensor.yaml" sensor-trust-state "  json: {path: $R/var/log/canhgac/alerts.json}
  status: {socket: $SOCK}"
sed -i "s|^  timezone:|  state_dir: $S\n  timezone:|" "$TMP/sensor.yaml"
# The smallest table: the inventory's size cap is 16 * 1 KiB + 4 KiB.
printf 'user: %s\ninventory: {max_hosts: 16}\n' "$SVC" >>"$TMP/sensor.yaml"

# inv NET N [PAD]: an inventory of N hosts NET.1..N, PAD bytes of
# blanks at its end.
inv() {
	local i
	printf '{"format":"canhgac-hosts","version":1,"evicted":0,"hosts":['
	for i in $(seq "$2"); do
		[ "$i" -gt 1 ] && printf ,
		printf '{"ip":"%s.%d","first":1700000000,"last":%d,"bytes_in":1,"bytes_out":1,"ports":["22/tcp"]}' \
			"$1" "$i" $((1700000000 + i))
	done
	printf ']}%*s\n' "${3:-0}" ''
}
# A second victim: an inventory only root may read (beside $TMP/secret,
# which the last case wants holding the victim alone). Its host, if root
# read it, would be served, logged or saved back.
VI=$TMP/secret-inv/hosts.json
mkdir -m 700 "$TMP/secret-inv" && inv 10.66.6 1 >"$VI" && chmod 600 "$VI" ||
	fail "cannot make $VI"
want_vi=$(tr_victim_state "$VI")

# run NAME PATTERN: a root start running within 5 s (a FIFO held root's
# open for ever) with a warning matching PATTERN; the inventory it serves
# in $TMP/NAME.hosts (its addresses, sorted); stopped with exit 0; both
# victims unchanged, neither's content anywhere but in them. Under gdb
# with GDB=1 (10 s to start, $TMP/race.py).
run() {
	local pid i gdb=()
	[ -n "${GDB:-}" ] && gdb=(timeout 60 gdb -q -batch -x "$TMP/race.py" --args)
	"${gdb[@]}" "$CANHGACD" -v -c "$TMP/sensor.yaml" -i lo -P "$R/run/canhgac/canhgacd.pid" \
		>/dev/null 2>"$TMP/$1.log" &
	pid=$!
	for i in $(seq $((${#gdb[@]} ? 100 : 50))); do
		grep -q "running on" "$TMP/$1.log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "running on" "$TMP/$1.log" ||
		{ kill -9 "$pid" 2>/dev/null; cat "$TMP/$1.log" >&2; fail "$1: not running after $((i / 10)) s"; }
	grep -qE "$2" "$TMP/$1.log" ||
		{ cat "$TMP/$1.log" >&2; kill "$pid"; wait "$pid"; fail "$1: no warning like '$2'"; }
	timeout 5 "$CANHGACCTL" -s "$SOCK" --json hosts >"$TMP/$1.json" ||
		{ kill "$pid"; wait "$pid"; fail "$1: canhgacctl hosts"; }
	# Root's save at start made the service user's file, as README says
	# of all it creates there (it was root's until the next minute's).
	! grep -q "state_dir: $S\$" "$TMP/sensor.yaml" ||
		[ "$(stat -c %U "$S/state.json" 2>/dev/null)" = "$SVC" ] ||
		{ kill "$pid"; wait "$pid"; fail "$1: state.json while running: $(stat -c '%U:%G' "$S/state.json" 2>&1), not $SVC's"; }
	$PY -c 'import json, sys
print(" ".join(sorted(h["ip"] for h in json.load(open(sys.argv[1]))["hosts"])))' \
		"$TMP/$1.json" >"$TMP/$1.hosts" || fail "$1: hosts answer"
	# The daemon by its pidfile: under gdb, $pid is timeout's.
	kill -TERM "$(cat "$R/run/canhgac/canhgacd.pid")" 2>/dev/null || kill -TERM "$pid"
	wait "$pid" || fail "$1: exit status $?"
	[ "$(tr_victim_state "$V")" = "$want" ] || fail "$1: the victim changed"
	[ "$(tr_victim_state "$VI")" = "$want_vi" ] || fail "$1: the victim inventory changed"
	# Logs, answers, the saved state and inventory, the alert log.
	grep -rlF -D skip -e 'root only: do not touch' -e 10.66.6. --exclude-dir='secret*' "$TMP" >&2 &&
		fail "$1: a victim's content is in the files above"
	echo "$me: $1: running, warned, victims untouched"
}
# hosts NAME ADDRESSES: what run NAME served.
hosts() {
	[ "$(cat "$TMP/$1.hosts")" = "$2" ] ||
		fail "$1: hosts served: '$(cat "$TMP/$1.hosts")', want '$2'"
	echo "$me: $1: hosts served: '$2'"
}
# plant NAME COMMAND...: as `canhgac`, NAME in the state directory
# replaced by what COMMAND makes there.
plant() {
	as_svc rm -f "$S/$1" && as_svc "${@:2}" || fail "cannot plant $1"
}

as_svc mkfifo "$S/state.json" || fail "cannot plant the FIFO"
run fifo "state $S/state.json: .*new history"
plant state.json ln -s "$V" "$S/state.json"
run symlink "state $S/state.json: .*new history"

plant hosts.json ln -s "$VI" "$S/hosts.json"
run hosts-symlink "inventory: $S/hosts.json: is a symbolic link"
hosts hosts-symlink ""
plant hosts.json mkfifo "$S/hosts.json"
run hosts-fifo "inventory: $S/hosts.json: not a regular file"
hosts hosts-fifo ""
# Valid but past the cap (read, its hosts would be served).
inv 10.20.8 3 30000 >"$TMP/big.json"
plant hosts.json cp "$TMP/big.json" "$S/hosts.json"
run hosts-big "inventory: $S/hosts.json: too large"
hosts hosts-big ""
# One host with an address that is none, among three good ones; the
# oldest, so read first: the good ones after it must still be taken.
inv 10.20.7 3 | sed 's|"hosts":\[|&{"ip":"10.20.7.300","first":1700000000,"last":1700000000},|' \
	>"$TMP/bad.json"
plant hosts.json cp "$TMP/bad.json" "$S/hosts.json"
run hosts-malformed "inventory: $S/hosts.json: 1 malformed hosts skipped"
hosts hosts-malformed "10.20.7.1 10.20.7.2 10.20.7.3"

# The locks: root opens them O_RDWR | O_CREAT and gives them to `canhgac`
# (fchown): through a link, the victim would be the service user's.
# Refused, naming the file; the daemon runs without history or saves.
plant state.lock ln -s "$V" "$S/state.lock"
plant hosts.lock ln -s "$V" "$S/hosts.lock"
run locks "state: $S/state.lock: is a symbolic link; refusing to follow it; running without history"
grep -q "inventory: $S/hosts.lock: is a symbolic link" "$TMP/locks.log" ||
	{ cat "$TMP/locks.log" >&2; fail "locks: no warning naming hosts.lock"; }
as_svc rm -f "$S/state.lock" "$S/hosts.lock"

if ! command -v gdb >/dev/null; then skip "needs gdb"; fi
# A valid inventory under the cap at root's size check, grown past it
# before the read (under gdb, as its read begins: the service user can
# watch for root's open and append): read up to the cap only, refused.
inv 10.20.9 1 >"$TMP/small.json"
plant hosts.json cp "$TMP/small.json" "$S/hosts.json"
# Made just before the inventory is read: the moment to act.
as_svc rm -f "$S/hosts.lock"
TR_AT=entry tr_gdb_race safe_read_capped "test -e '$S/hosts.lock'" \
	"cat '$TMP/big.json' >'$S/hosts.json'"
GDB=1 run hosts-grown "inventory: $S/hosts.json: too large \\(grew while read\\)"
[ -f "$TMP/swapped" ] || fail "hosts-grown: gdb never saw the inventory read"
hosts hosts-grown ""

# The same for the compliance history: a state.json under its 8 MiB cap
# at root's size check, grown past it as its read begins (when the
# daemon holds it open: the inventory is read the same way).
plant state.json sh -c "printf '{\"format\":\"canhgac-state\"}' >'$S/state.json'"
as_svc rm -f "$S/state.lock"
TR_AT=entry tr_gdb_race safe_read_capped \
	"test -e '$S/state.lock' && find /proc/[0-9]*/fd -lname '$S/state.json' 2>/dev/null | grep -q ." \
	"head -c 9000000 /dev/zero >>'$S/state.json'"
GDB=1 run state-grown "state $S/state.json: grew past its cap while read; starting a new history"
[ -f "$TMP/swapped" ] || fail "state-grown: gdb never saw the state read"

# The directory swapped for a link between the lock and root's save.
as_svc rm -f "$S/state.json"
as_svc mkdir "$S/state" || fail "cannot make $S/state"
sed -i "s|state_dir: $S\$|state_dir: $S/state|" "$TMP/sensor.yaml"
grep -q "state_dir: $S/state" "$TMP/sensor.yaml" || fail "state_dir not set"
tr_gdb_race flock "test -e '$S/state/state.lock'" \
	"mv '$S/state' '$S/state.old' && ln -s '$TMP/secret' '$S/state'"
timeout 60 gdb -q -batch -x "$TMP/race.py" --args "$CANHGACD" -v -c "$TMP/sensor.yaml" \
	-i lo -P "$R/run/canhgac/canhgacd.pid" >"$TMP/swap.log" 2>&1 &
gpid=$!
for i in $(seq 100); do
	grep -q "running on" "$TMP/swap.log" && break
	sleep 0.1
done
sleep 0.5
kill -TERM "$(cat "$R/run/canhgac/canhgacd.pid" 2>/dev/null)" 2>/dev/null
wait "$gpid"
[ -f "$TMP/swapped" ] || { cat "$TMP/swap.log" >&2; fail "swap: gdb never saw state.lock locked"; }
[ -z "$(ls -A "$TMP/secret" | grep -v '^victim$')" ] ||
	{ ls -la "$TMP/secret" >&2; fail "swap: root saved the state through the link: $(ls "$TMP/secret" | tr '\n' ' ')"; }
[ "$(tr_victim_state "$V")" = "$want" ] || fail "swap: the victim changed"
[ -f "$S/state.old/state.json" ] ||
	{ cat "$TMP/swap.log" >&2; fail "swap: the state was not saved in the locked directory"; }
echo "$me: state directory swapped for a link after the lock: saved where locked"

# Before a start, the state directory itself (in the service user's
# directory) a link to a root-only directory holding a history: not
# followed, neither read nor locked nor written there.
as_svc rm -rf "$S/state" "$S/state.old"
mkdir -m 700 "$TMP/secret-state" || fail "cannot make $TMP/secret-state"
printf '{"format":"root only: do not touch"}\n' >"$TMP/secret-state/state.json"
chmod 600 "$TMP/secret-state/state.json"
want_ss=$(tr_victim_state "$TMP/secret-state/state.json")
as_svc ln -s "$TMP/secret-state" "$S/state" || fail "cannot plant the state directory link"
run statedir-link "state: $S/state: .*running without history"
# Read, the file would be warned about (not a state file).
! grep -q "state $S/state/state.json" "$TMP/statedir-link.log" ||
	fail "statedir-link: root read state.json through the link: $(grep "state $S/state/state.json" "$TMP/statedir-link.log")"
[ "$(tr_victim_state "$TMP/secret-state/state.json")" = "$want_ss" ] &&
	[ "$(ls -A "$TMP/secret-state")" = state.json ] ||
	fail "statedir-link: root used the linked directory: $(ls -A "$TMP/secret-state" | tr '\n' ' ')"
echo "$me: PASS"
