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
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_state
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
. "$top_srcdir/tests/e2e/trust_lib.sh"
tr_need
sl_init
tr_setup
S=$R/var/lib/canhgac
sl_sensor_conf "$TMP/sensor.yaml" sensor-trust-state "  json: {path: $R/var/log/canhgac/alerts.json}"
sed -i "s|^  timezone:|  state_dir: $S\n  timezone:|" "$TMP/sensor.yaml"
echo "user: $SVC" >>"$TMP/sensor.yaml"

# start NAME: running within 5 s, a warning naming state.json.
start() {
	"$CANHGACD" -v -c "$TMP/sensor.yaml" -i lo -P "$R/run/canhgac/canhgacd.pid" \
		>/dev/null 2>"$TMP/$1.log" &
	local pid=$! i
	for i in $(seq 50); do
		grep -q "running on" "$TMP/$1.log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "running on" "$TMP/$1.log" ||
		{ kill -9 "$pid" 2>/dev/null; cat "$TMP/$1.log" >&2; fail "$1: not running after 5 s"; }
	grep -q "state $S/state.json: .*new history" "$TMP/$1.log" ||
		{ cat "$TMP/$1.log" >&2; kill "$pid"; fail "$1: no warning naming state.json"; }
	kill -TERM "$pid"
	wait "$pid" || fail "$1: exit status $?"
	[ "$(tr_victim_state "$V")" = "$want" ] || fail "$1: the victim changed"
	echo "$me: $1: started, warned, new history"
}

as_svc mkfifo "$S/state.json" || fail "cannot plant the FIFO"
start fifo
as_svc rm -f "$S/state.json"
as_svc ln -s "$V" "$S/state.json"
start symlink

# The directory swapped for a link between the lock and root's save.
if ! command -v gdb >/dev/null; then skip "needs gdb"; fi
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
echo "$me: PASS"
