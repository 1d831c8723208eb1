# Helpers for the trust tests (tests/e2e/trust_*.sh): the shipped
# tmpfiles layout (etc/canhgac.tmpfiles) under a private root, the
# service user `canhgac`, a root-only victim file, and a sensor
# configuration with `user: canhgac`. Sourced after syslog_lib.sh.

SVC=canhgac

tr_need() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	getent passwd "$SVC" >/dev/null || skip "needs the user $SVC (scripts/setup.sh)"
	command -v runuser >/dev/null || skip "needs runuser"
	[ -r "$top_srcdir/etc/canhgac.tmpfiles" ] || fail "no etc/canhgac.tmpfiles"
}

# As the service user.
as_svc() { runuser -u "$SVC" -- "$@"; }

# tr_layout ROOT: the directories of etc/canhgac.tmpfiles under ROOT,
# with the shipped owners and modes.
tr_layout() {
	local root=$1 type path mode user group rest
	rm -rf "$root"
	mkdir -p "$root"
	while read -r type path mode user group rest; do
		[ "$type" = d ] || continue
		mkdir -p "$root$path"
		chown "$user:$group" "$root$path" && chmod "$mode" "$root$path" ||
			fail "cannot make $root$path"
	done <"$top_srcdir/etc/canhgac.tmpfiles"
}

# tr_victim FILE: a root-only file; tr_victim_state FILE prints what
# must not change (owner, mode, size, content hash).
tr_victim() {
	mkdir -p "$(dirname "$1")"
	chmod 700 "$(dirname "$1")"
	printf 'root only: do not touch\n' >"$1"
	chown 0:0 "$1"
	chmod 600 "$1"
}
tr_victim_state() {
	echo "$(stat -c '%u:%g %a %s %h' "$1") $(sha256sum <"$1" | cut -c1-64)"
}

# tr_conf FILE ROOT PORT [EXTRA_TOP_LEVEL_YAML]: logs and the spool of
# one remote destination (TLS to PORT) in the shipped directories.
tr_conf() {
	local f=$1 root=$2 port=$3
	sl_sensor_conf "$f" sensor-trust "  json: {path: $root/var/log/canhgac/alerts.json}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       server_name: collector.test, spool: $root/var/lib/canhgac/spool/collector,
       backoff_max: 1s, drain_timeout: ${TR_DRAIN:-1s}}"
	cat >>"$f" <<YEOF
user: $SVC
events: $root/var/log/canhgac/events.json
${4:-}
YEOF
}

# tr_setup: the shipped layout under R=$TMP/root and a root-only victim
# V=$TMP/secret/victim, its state in $want (after sl_init).
tr_setup() {
	R=$TMP/root
	V=$TMP/secret/victim
	tr_layout "$R"
	tr_victim "$V"
	want=$(tr_victim_state "$V")
}

# tr_gdb_race FUNC TEST ACTION: write $TMP/race.py, a gdb script that
# runs the program and, each time a call of FUNC returns, evaluates the
# shell command TEST (as root); the first time it succeeds, runs ACTION
# as the service user (the swap, at the worst moment) and writes
# $TMP/swapped. Run: gdb -q -batch -x "$TMP/race.py" --args PROGRAM...
# FUNC may name several functions; with TR_AT=entry, TEST and ACTION
# are at their calls, not their returns.
tr_gdb_race() {
	rm -f "$TMP/swapped"
	cat >"$TMP/race.py" <<PYEOF
import gdb, subprocess
done = [False]
def act():
    if done[0] or subprocess.run(["sh", "-c", """$2"""]).returncode:
        return
    done[0] = True
    subprocess.run(["runuser", "-u", "$SVC", "--", "sh", "-c",
                    """$3"""], check=True)
    open("$TMP/swapped", "w").write("1")
class After(gdb.FinishBreakpoint):
    def stop(self):
        act()
        return False
    def out_of_scope(self):
        pass
class At(gdb.Breakpoint):
    def stop(self):
        if done[0]:
            pass
        elif "${TR_AT:-}" == "entry":
            act()
        else:
            After(gdb.newest_frame(), internal=True)
        return False
for c in ("set pagination off", "set confirm off",
          "set breakpoint pending on", "handle SIGPIPE nostop noprint pass",
          "handle SIGTERM nostop noprint pass"):
    gdb.execute(c)
for f in "$1".split():
    At(f)
gdb.execute("run")
PYEOF
}
