#!/bin/bash
# Trust: root reads the compliance state in the service user's state
# directory (/var/lib/canhgac, etc/canhgac.tmpfiles) at start, before
# the privilege drop. `canhgac` plants a FIFO at state.json: root's open
# waited on it for ever, so the daemon never started (and a link or a
# directory there must not be followed either). Checked: the daemon,
# started as root with `user: canhgac`, is running within a few seconds,
# warns naming state.json and starts a new history; the link's target is
# untouched.
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
echo "$me: PASS"
