#!/bin/bash
# Trust: root reads the configuration, the rule files and the catalog,
# at `canhgacd -T` (ExecStartPre), at a start and, in a daemon running
# as root, at every reload; a site may let another user write the rules
# directory or the one holding the configuration. There the service user
# `canhgac` plants a symbolic link to a root-only file holding a password
# hash, and root a hard link to it (as a system without
# fs.protected_hardlinks lets the user do), in the place of the
# configuration, of a rule file the rules glob matches and of the
# catalog, and of the self-test's manifest. Each is refused by -T, a
# start and a reload (SIGHUP and `canhgacctl reload`), the manifest by
# `canhgacctl selftest`, with a message naming the path; the hash is in
# no output (root read the file and printed its first line as an
# unknown key: `rule file: unknown key "root:$y$..."`), the file
# unchanged; at a reload the running rules stay and go on alerting. The
# user's own files load, and links root made in a directory of its own
# are followed, hard or symbolic.
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_yaml
. "${top_srcdir:?}/tests/e2e/lo_lib.sh"
fail() { echo "$me: FAIL: $*" >&2; exit 1; }
. "$top_srcdir/tests/e2e/trust_lib.sh"
CANHGACCTL=${CANHGACCTL:-$(dirname "$CANHGACD")/canhgacctl}
fx=$top_srcdir/tests/e2e/fixtures
[ -r "$fx/catalog.yaml" ] && [ -r "$fx/udp9999.rules" ] || skip "no fixtures in $fx"
tr_need
lo_setup trustyaml
tpid=
trap '[ -n "$tpid" ] && kill "$tpid" 2>/dev/null; lo_cleanup' EXIT

# Root's configuration in root's directory; the rules directory (rule
# files and the catalog, as the shipped configuration has them) and a
# directory holding another configuration are the service user's.
E=$tmp/etc
RD=$E/rules
UD=$tmp/home
mkdir -p "$E" "$RD" "$UD"
chown "$SVC:$SVC" "$RD" "$UD" && chmod 750 "$RD" "$UD" || fail "cannot make the directories"
V=$tmp/secret/shadow
tr_victim "$V"
printf 'root:$y$j9T$CANHGACSECRET0:19000:0:99999:7:::\n' >"$V"
want=$(tr_victim_state "$V")
as_svc sh -c "cat >'$RD/catalog.yaml'" <"$fx/catalog.yaml"
as_svc sh -c "cat >'$RD/udp.yaml'" <"$fx/udp9999.rules"
# conf DIR [SENSOR_KEYS]: a configuration of DIR's rules and catalog.
conf() {
	cat <<EOF
sensor: {name: trust-yaml, catalog: $1/catalog.yaml, state_dir: none${2:-}}
capture:
  - {interface: lo}
rules: [$1/*.yaml]
outputs:
  json: {path: $tmp/alerts.json}
  status: {socket: $tmp/ctl.sock}
EOF
}
conf "$RD" >"$E/canhgac.yaml"
# The daemon's, with the self-test's cases in the rules directory too.
conf "$RD" ", selftest_cases: $RD/manifest.json" | as_svc sh -c "cat >'$UD/canhgac.yaml'"
echo '{"assets": {}, "cases": [], "untested": {"42": "a test rule"}}' | as_svc sh -c "cat >'$RD/manifest.json'"
ctl() { "$CANHGACCTL" -s "$tmp/ctl.sock" "$@"; }

# plant WHAT HOW: in the place of WHAT (config, rule, catalog, manifest), a
# symbolic link to the victim the service user makes (HOW symlink) or a
# hard link to it (hardlink); the real file moved aside. Sets $bad, the
# path, $why, the refusal, and $conf, the configuration to use.
plant() {
	case $1 in
	config)  bad=$UD/canhgac.yaml conf=$UD/canhgac.yaml ;;
	rule)    bad=$RD/zz.yaml conf=$E/canhgac.yaml ;;
	catalog) bad=$RD/catalog.yaml conf=$E/canhgac.yaml ;;
	manifest) bad=$RD/manifest.json conf=$UD/canhgac.yaml ;;
	esac
	[ -e "$bad" ] && { as_svc mv "$bad" "$bad.real" || fail "$1: cannot move $bad aside"; }
	if [ "$2" = symlink ]; then
		why="is a symbolic link in a directory another user can write"
		as_svc ln -s "$V" "$bad" || fail "$1: cannot plant a link at $bad"
	else
		why="has 2 hard links in a directory another user can write"
		ln "$V" "$bad" || fail "$1: cannot make a hard link at $bad"
	fi
	want_now=$(tr_victim_state "$V")
}
# unplant: the link removed, the real file back, the victim as it was.
unplant() {
	as_svc rm -f "$bad"
	[ -e "$bad.real" ] && as_svc mv "$bad.real" "$bad"
	[ "$(tr_victim_state "$V")" = "$want" ] || fail "the victim changed"
}
# refused NAME FILE RC: RC is a failure and FILE names $bad with $why;
# nothing of the victim in it, which is unchanged.
refused() {
	if grep -q CANHGACSECRET "$2"; then
		flunk "$1: the victim's content was printed: $(grep CANHGACSECRET "$2")"
	elif [ "$3" -eq 124 ]; then
		flunk "$1: still running after 10 s: not refused"
	elif [ "$3" -ne 0 ] && grep -qF "$bad: $why" "$2"; then
		pass "$1: refused: $(grep -m1 -oF "$bad: $why" "$2")"
	else
		flunk "$1: exit $3, no refusal naming $bad: $(head -c 600 "$2")"
	fi
	[ "$(tr_victim_state "$V")" = "$want_now" ] || flunk "$1: the victim changed"
}

# -T and a start (as root, in the namespace, on its lo).
for what in config rule catalog; do
	for how in symlink hardlink; do
		plant "$what" "$how"
		timeout 10 "$CANHGACD" -T -c "$conf" >"$tmp/t.log" 2>&1
		refused "-T, $what, $how" "$tmp/t.log" $?
		timeout 10 ip netns exec "$ns" "$CANHGACD" -c "$conf" >"$tmp/start.log" 2>&1
		refused "start, $what, $how" "$tmp/start.log" $?
		unplant
	done
done

# The user's own files load; so do root's links in root's directories:
# a configuration, a rule file (symbolic) and a catalog (hard link).
"$CANHGACD" -T -c "$UD/canhgac.yaml" >"$tmp/own.log" 2>&1 &&
    pass "-T: the service user's own configuration, rules and catalog load" ||
    flunk "-T: the user's own files refused: $(cat "$tmp/own.log")"
S=$tmp/share
mkdir -p "$S" "$E/pack"
cp "$fx/catalog.yaml" "$S/catalog.yaml"
cp "$fx/udp9999.rules" "$S/udp.yaml"
conf "$E/pack" >"$S/canhgac.yaml"
chmod 600 "$S"/*.yaml
ln -s "$S/udp.yaml" "$E/pack/udp.yaml"
ln "$S/catalog.yaml" "$E/pack/catalog.yaml"
ln -s "$S/canhgac.yaml" "$E/linked.yaml"
"$CANHGACD" -T -c "$E/linked.yaml" >"$tmp/root.log" 2>&1 && grep -q "1 rules active" "$tmp/root.log" &&
    pass "-T: root's links in root's directories are followed" ||
    flunk "-T: root's links refused: $(cat "$tmp/root.log")"

# A reload in a daemon running as root, its configuration in the
# service user's directory, UDP to port 9999 alerting throughout.
ip netns exec "$ns" "$CANHGACD" -v -c "$UD/canhgac.yaml" 2>"$tmp/daemon.err" &
dpid=$!
for _ in $(seq 300); do grep -q "running on" "$tmp/daemon.err" && break; sleep 0.1; done
grep -q "running on" "$tmp/daemon.err" || fail "no start: $(cat "$tmp/daemon.err")"
ip netns exec "$ns" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    s.sendto(b"x", ("127.0.0.1", 9999))
    time.sleep(0.05)
' &
tpid=$!
# alerting NAME: alerts of sid 42 still come.
alerting() {
	local a1 a2
	a1=$(grep -c '"signature_id":42' "$tmp/alerts.json" 2>/dev/null)
	for _ in $(seq 50); do
		a2=$(grep -c '"signature_id":42' "$tmp/alerts.json" 2>/dev/null)
		[ "$a2" -gt "$a1" ] && break
		sleep 0.1
	done
	[ "$a2" -gt "$a1" ] && pass "$1: the running rules go on alerting ($a1 -> $a2)" ||
	    flunk "$1: no alert since ($a1)"
}
alerting "start"
for what in config rule catalog; do
	for how in symlink hardlink; do
		plant "$what" "$how"
		ctl -t 10 reload >"$tmp/reload.log" 2>&1
		refused "canhgacctl reload, $what, $how" "$tmp/reload.log" $?
		n=$(grep -c "reload failed" "$tmp/daemon.err")
		kill -HUP "$dpid"
		for _ in $(seq 100); do
			[ "$(grep -c "reload failed" "$tmp/daemon.err")" -gt "$n" ] && break
			sleep 0.1
		done
		grep "reload failed" "$tmp/daemon.err" | tail -n +$((n + 1)) >"$tmp/hup.log"
		refused "SIGHUP, $what, $how" "$tmp/hup.log" 1
		alerting "reload, $what, $how"
		unplant
	done
done
# The self-test's manifest (sensor.selftest_cases), read by the daemon,
# here root's, as JSON before its YAML load: by name, jansson's error
# quoted the root-only file (`'[' or '{' expected near 'root'`).
ctl -t 30 selftest >"$tmp/selftest.log" 2>&1 && pass "canhgacctl selftest with nothing planted" ||
    flunk "canhgacctl selftest with nothing planted: $(cat "$tmp/selftest.log")"
for how in symlink hardlink; do
	plant manifest "$how"
	ctl -t 30 selftest >"$tmp/selftest.log" 2>&1
	refused "canhgacctl selftest, manifest, $how" "$tmp/selftest.log" $?
	unplant
done
ctl -t 10 reload >"$tmp/reload.log" 2>&1 && pass "a reload with nothing planted: $(cat "$tmp/reload.log")" ||
    flunk "a reload with nothing planted failed: $(cat "$tmp/reload.log")"
alerting "after the reloads"
kill -0 "$dpid" 2>/dev/null || flunk "the daemon died: $(tail -5 "$tmp/daemon.err")"
# Nothing of the victim anywhere: logs, answers, alerts.
leaked=$(grep -rl CANHGACSECRET "$tmp" --exclude-dir=secret)
[ -z "$leaked" ] && pass "the victim's content is in no output" ||
    flunk "the victim's content is in: $leaked"
[ "$(tr_victim_state "$V")" = "$want" ] || flunk "the victim changed"
[ "$fail" -eq 0 ] && echo "$me: PASS" || echo "$me: FAIL"
exit "$fail"
