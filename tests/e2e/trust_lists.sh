#!/bin/bash
# Trust: root reads the list files in a directory the service user
# writes. `list add|remove` needs the daemon (user `canhgac`) to write
# the list's directory (README), and root loads the lists at start and
# in `canhgacd -T` (ExecStartPre). There `canhgac` plants a symbolic link
# to a root-only file holding a password hash: root read it and printed
# its first line in the error (`bad address "root:$y$..."`). Also a FIFO
# (root's start waited on it) and, as a system without
# fs.protected_hardlinks would let the user do, a hard link. Checked:
# each is refused with a message naming the path, at once, the secret
# appears in no output; a list the user wrote itself still loads, and a
# link root made in a directory of its own is still followed. Under gdb,
# a plain list swapped for the link between root's look and its open:
# refused too (root followed it and printed the secret). And root's
# `canhgacctl update`: the staged list swapped for the link before its
# check: refused (root mounted the secret over the list for the check,
# which printed it).
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_lists
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
. "$top_srcdir/tests/e2e/trust_lib.sh"
tr_need
sl_init
L=$TMP/etc/canhgac/lists
mkdir -p "$L" "$TMP/etc/canhgac/own"
chown "$SVC:$SVC" "$L" && chmod 750 "$L"
chmod 755 "$TMP/etc/canhgac/own"
V=$TMP/secret/shadow
tr_victim "$V"
printf 'root:$y$j9T$CANHGACSECRET0:19000:0:99999:7:::\n' >"$V"
want=$(tr_victim_state "$V")
sl_sensor_conf "$TMP/sensor.yaml" sensor-trust-lists "  json: {path: $TMP/alerts.json}"
sed -i "s|^assets:|assets:\n  ioc_ips: {file: $L/ioc-ips.txt}|" "$TMP/sensor.yaml"

# check NAME WHY: -T refuses at once, naming the list and WHY; no secret.
check() {
	timeout 10 "$CANHGACD" -T -c "$TMP/sensor.yaml" >"$TMP/$1.log" 2>&1
	local rc=$?
	[ $rc -ne 124 ] || fail "$1: -T hung on the list"
	[ $rc -ne 0 ] || { cat "$TMP/$1.log" >&2; fail "$1: accepted"; }
	grep -qF "$L/ioc-ips.txt: $2" "$TMP/$1.log" ||
		{ cat "$TMP/$1.log" >&2; fail "$1: no message naming the list: $2"; }
	! grep -q CANHGACSECRET "$TMP/$1.log" || { cat "$TMP/$1.log" >&2; fail "$1: the secret was printed"; }
	[ "$(tr_victim_state "$V")" = "${want_now:-$want}" ] || fail "$1: the victim changed"
	echo "$me: $1: refused ($2)"
}

as_svc ln -s "$V" "$L/ioc-ips.txt" || fail "cannot plant the link"
check symlink "is a symbolic link in a directory another user can write"
# A live start as root (user: canhgac) refuses it too.
cat >>"$TMP/sensor.yaml" <<YEOF
user: $SVC
YEOF
timeout 10 "$CANHGACD" -c "$TMP/sensor.yaml" -i lo -P "$TMP/pid" >"$TMP/live.log" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -qF "$L/ioc-ips.txt: is a symbolic link" "$TMP/live.log" &&
	! grep -q CANHGACSECRET "$TMP/live.log" ||
	{ cat "$TMP/live.log" >&2; fail "live start: not refused (exit $rc)"; }
echo "$me: live start: refused"

as_svc rm -f "$L/ioc-ips.txt"
as_svc mkfifo "$L/ioc-ips.txt"
check fifo "not a regular file"

as_svc rm -f "$L/ioc-ips.txt"
ln "$V" "$L/ioc-ips.txt"
want_now=$(tr_victim_state "$V")
check hardlink "has 2 hard links"
rm -f "$L/ioc-ips.txt"
[ "$(tr_victim_state "$V")" = "$want" ] || fail "the victim changed"

# The user's own list loads; root's link in root's directory is followed.
as_svc sh -c "printf '203.0.113.7\n' >'$L/ioc-ips.txt'"
"$CANHGACD" -T -c "$TMP/sensor.yaml" >"$TMP/own.log" 2>&1 ||
	{ cat "$TMP/own.log" >&2; fail "the service user's own list refused"; }
printf '198.51.100.0/24\n' >"$TMP/etc/canhgac/real.txt"
ln -s "$TMP/etc/canhgac/real.txt" "$TMP/etc/canhgac/own/ioc-ips.txt"
sed -i "s|$L/ioc-ips.txt|$TMP/etc/canhgac/own/ioc-ips.txt|" "$TMP/sensor.yaml"
"$CANHGACD" -T -c "$TMP/sensor.yaml" >"$TMP/rootlink.log" 2>&1 ||
	{ cat "$TMP/rootlink.log" >&2; fail "root's link in root's directory refused"; }
echo "$me: the user's own list and root's link load"

# A plain file at root's look, swapped for a link to the secret before
# root's open (under gdb, at the open of the read that parses the list:
# the service user can watch for it with inotify): not followed. Root
# opened the link and printed the secret's first line.
if ! command -v gdb >/dev/null; then skip "needs gdb"; fi
sed -i "s|$TMP/etc/canhgac/own/ioc-ips.txt|$L/ioc-ips.txt|" "$TMP/sensor.yaml"
as_svc sh -c "rm -f '$L/ioc-ips.txt'; printf '203.0.113.7\n' >'$L/ioc-ips.txt'"
rm -f "$TMP/swapped"
cat >"$TMP/race.py" <<PYEOF
import gdb, subprocess
done = [False]
class At(gdb.Breakpoint):
    def stop(self):
        if done[0]:
            return False
        try:
            name = gdb.parse_and_eval("(char *)\$rsi").string()
        except gdb.error:
            return False
        f, chain = gdb.newest_frame(), []
        while f is not None:
            chain.append(f.name())
            f = f.older()
        if name != "ioc-ips.txt" or "util_read_list" not in chain:
            return False
        done[0] = True
        subprocess.run(["runuser", "-u", "$SVC", "--", "ln", "-sf", "$V",
                        "$L/ioc-ips.txt"], check=True)
        open("$TMP/swapped", "w").write("1")
        return False
for c in ("set pagination off", "set confirm off",
          "set breakpoint pending on"):
    gdb.execute(c)
At("openat")
gdb.execute("run")
PYEOF
[ "$(uname -m)" = x86_64 ] || skip "the race reads openat's name from x86-64's rsi"
# LeakSanitizer cannot run under ptrace (the ASan build): off for gdb's runs.
nolsan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
timeout 60 env ASAN_OPTIONS="$nolsan" gdb -q -batch -x "$TMP/race.py" --args "$CANHGACD" -T \
	-c "$TMP/sensor.yaml" >"$TMP/race.log" 2>&1
[ -f "$TMP/swapped" ] || { cat "$TMP/race.log" >&2; fail "race: gdb never saw the list opened"; }
! grep -q CANHGACSECRET "$TMP/race.log" ||
	{ grep CANHGACSECRET "$TMP/race.log" >&2; fail "race: root followed the link swapped in before its open and printed the secret"; }
grep -qF "$L/ioc-ips.txt: is a symbolic link" "$TMP/race.log" ||
	{ cat "$TMP/race.log" >&2; fail "race: not refused naming the list"; }
[ "$(tr_victim_state "$V")" = "$want" ] || fail "race: the victim changed"
echo "$me: a link swapped in between root's look and its open: refused"

# canhgacctl update as root stages the fetched list beside the target
# and checks it bind-mounted over the target. The user swaps the staged
# file for a link to the secret just before the check starts (under gdb,
# at the fork): refused, the secret in no output. Root mounted the
# secret over the list and printed its first line.
as_svc sh -c "rm -f '$L/ioc-ips.txt'; printf '203.0.113.7\n' >'$L/ioc-ips.txt'"
CANHGACCTL=${CANHGACCTL:-${top_builddir:-.}/canhgacctl}
mkdir -p "$TMP/feed" && chmod 755 "$TMP/feed"
printf '198.51.100.9\n' >"$TMP/feed/ips.txt"
{ cat "$TMP/sensor.yaml"; printf 'updates:\n  - {name: ips, url: %s, target: ioc_ips}\n' \
	"$TMP/feed/ips.txt"; } >"$TMP/update.yaml"
rm -f "$TMP/swapped"
cat >"$TMP/race-update.py" <<PYEOF
import gdb, glob, subprocess
done = [False]
class At(gdb.Breakpoint):
    def stop(self):
        staged = glob.glob("$L/ioc-ips.txt.??????")
        if done[0] or not staged:
            return False
        done[0] = True
        subprocess.run(["runuser", "-u", "$SVC", "--", "sh", "-c",
                        "mv '%s' '$L/moved' && ln -s '$V' '%s'" %
                        (staged[0], staged[0])], check=True)
        open("$TMP/swapped", "w").write("1")
        return False
for c in ("set pagination off", "set confirm off",
          "set breakpoint pending on"):
    gdb.execute(c)
At("fork")
gdb.execute("run")
PYEOF
timeout 60 env ASAN_OPTIONS="$nolsan" gdb -q -batch -x "$TMP/race-update.py" --args "$CANHGACCTL" update \
	-c "$TMP/update.yaml" --canhgacd "$CANHGACD" >"$TMP/update.log" 2>&1
[ -f "$TMP/swapped" ] || { cat "$TMP/update.log" >&2; fail "update: gdb never saw the staged list"; }
! grep -q CANHGACSECRET "$TMP/update.log" ||
	{ grep CANHGACSECRET "$TMP/update.log" >&2; fail "update: root checked the secret mounted over the list and printed it"; }
grep -q "ips: failed: .*replaced meanwhile" "$TMP/update.log" ||
	{ cat "$TMP/update.log" >&2; fail "update: the swapped staged file not refused"; }
[ "$(cat "$L/ioc-ips.txt")" = 203.0.113.7 ] || fail "update: the list changed"
[ "$(tr_victim_state "$V")" = "$want" ] || fail "update: the victim changed"
echo "$me: update: the staged list swapped for a link before the check: refused"
# Without the swap, the update goes through.
as_svc rm -f "$L/moved"
rm -f "$L"/ioc-ips.txt.??????
"$CANHGACCTL" update -c "$TMP/update.yaml" --canhgacd "$CANHGACD" >"$TMP/update2.log" 2>&1 ||
	{ cat "$TMP/update2.log" >&2; fail "update: a plain update failed"; }
grep -qx 198.51.100.9 "$L/ioc-ips.txt" || fail "update: the list was not updated"
echo "$me: update: a plain update goes through"

# A daemon run as root (no user:) serves list show, add and remove on the
# file as it is now. The user links the list to the secret: each is
# refused naming the list, nothing of the secret shown or copied in —
# list show returned its line as an entry, list add rewrote the list
# with it.
SOCK=$TMP/root.sock
grep -v '^user:' "$TMP/sensor.yaml" >"$TMP/root.yaml"
cat >>"$TMP/root.yaml" <<YEOF
  status: {socket: $SOCK}
YEOF
sed -i "s|^  state_dir: .*||; s|^  timezone:|  state_dir: none\n  timezone:|" "$TMP/root.yaml"
"$CANHGACD" -c "$TMP/root.yaml" -i lo -P "$TMP/root.pid" >"$TMP/root.log" 2>&1 &
rpid=$!
SL_PIDS="$SL_PIDS $rpid"
for _ in $(seq 100); do "$CANHGACCTL" -s "$SOCK" status >/dev/null 2>&1 && break; sleep 0.1; done
"$CANHGACCTL" -s "$SOCK" list show ioc_ips >"$TMP/show0.log" 2>&1 && grep -q 198.51.100.9 "$TMP/show0.log" ||
	{ cat "$TMP/show0.log" "$TMP/root.log" >&2; fail "root daemon: list show of the plain list"; }
as_svc sh -c "rm -f '$L/ioc-ips.txt'; ln -s '$V' '$L/ioc-ips.txt'"
for c in "show ioc_ips" "add ioc_ips 192.0.2.55" "remove ioc_ips 198.51.100.9"; do
	"$CANHGACCTL" -s "$SOCK" list $c >"$TMP/list.log" 2>&1 && { cat "$TMP/list.log" >&2; fail "list $c: accepted through the link"; }
	grep -qF "$L/ioc-ips.txt: is a symbolic link" "$TMP/list.log" ||
		{ cat "$TMP/list.log" >&2; fail "list $c: not refused naming the list"; }
	! grep -q CANHGACSECRET "$TMP/list.log" "$TMP/root.log" ||
		{ grep CANHGACSECRET "$TMP/list.log" "$TMP/root.log" >&2; fail "list $c: the secret was shown"; }
	[ -L "$L/ioc-ips.txt" ] && [ "$(tr_victim_state "$V")" = "$want" ] ||
		fail "list $c: the list or the victim changed"
	echo "$me: root daemon: list $c through the user's link: refused"
done
kill -TERM "$rpid"; wait "$rpid" || { cat "$TMP/root.log" >&2; fail "root daemon: exit status $?"; }
! grep -q CANHGACSECRET "$TMP/root.log" || fail "root daemon: the secret in its log"
echo "$me: PASS"
