#!/bin/bash
# A reader must not lock root out of the status socket. Six non-admin
# users in the socket's group each try to open 43 `follow` connections
# whose filter never matches (258 in all, more than the 256 slots):
#  - outputs.status.clients_per_uid (40 here) refuses each user's extra
#    connections with a message naming the key;
#  - the slots kept for admins stay free: root's status and reload work
#    while all 240 followers hold on, and another user is told the
#    non-admin slots are in use;
#  - a follower that is sent nothing for outputs.status.follow_idle (10s
#    here) gets a notice and is closed, one that receives alerts is not;
#  - `canhgacctl --json follow > FILE` writes each line as it arrives,
#    the acknowledgement before any alert;
#  - followers cut off for lagging during an alert flood still count
#    against clients_per_uid until they are closed (one user held all
#    240 non-admin slots with them).
. "${top_srcdir:?}/tests/e2e/control_lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (users, groups, namespaces)"
command -v useradd >/dev/null && command -v runuser >/dev/null ||
    skip "useradd/runuser missing"

sfx=$$
G=cgslg$sfx
USERS=()
for i in 1 2 3 4 5 6 7; do USERS+=("cgsl$i$sfx"); done
drop_ids() {
	local u
	for u in "${USERS[@]}"; do userdel "$u" 2>/dev/null; groupdel "$u" 2>/dev/null; done
	groupdel "$G" 2>/dev/null
}
cleanup_hooks+=(drop_ids)
groupadd "$G" || skip "cannot add a group"
for u in "${USERS[@]}"; do
	useradd -M -d /nonexistent -s /usr/sbin/nologin -G "$G" "$u" ||
	    { drop_ids; skip "cannot add users"; }
done

CTL_GROUP=$G CTL_STATUS_EXTRA="clients_per_uid: 40, follow_idle: 10s" \
    ctl_setup slots
trap 'drop_ids; ctl_cleanup' EXIT
ctl_traffic 60 5
sleep 1

# Foundations 8: follow into a file, lines there while it still runs.
"$CANHGACCTL" -s "$SOCK" --json follow --sid 42 >"$tmp/follow.out" 2>&1 &
fpid=$!
pids+=("$fpid")
for _ in $(seq 50); do
	[ "$(wc -l <"$tmp/follow.out")" -ge 3 ] && break
	sleep 0.1
done
n=$(wc -l <"$tmp/follow.out")
kill -0 "$fpid" 2>/dev/null && [ "$n" -ge 3 ] &&
    pass "follow --json > file: $n lines written while it runs" ||
    flunk "follow --json > file: $n lines while running: $(head -c 300 "$tmp/follow.out")"
# Before any alert: the acknowledgement is in the file at once (it sat
# in stdio's buffer until the first alert when buffering was set late).
"$CANHGACCTL" -s "$SOCK" --json follow --sid 4000000 >"$tmp/quiet.out" 2>&1 &
qpid=$!
pids+=("$qpid")
sleep 1.5
grep -qx '{"ok":true,"follow":true}' "$tmp/quiet.out" &&
    pass "follow --json > file: the acknowledgement is written before any alert" ||
    flunk "follow --json > file, no alert yet: '$(cat "$tmp/quiet.out")'"
kill "$qpid"

$PY - "$SOCK" "$CANHGACCTL" "${USERS[@]}" <<'EOF' >"$tmp/slots.out" 2>&1
import json, os, pwd, select, socket, subprocess, sys, time
sys.path.insert(0, os.environ["top_srcdir"] + "/tests/e2e")
from control_lib import say, status_ok, exit_status, first_line
path, ctl, users = sys.argv[1], sys.argv[2], sys.argv[3:]
holders, last = users[:6], users[6]
PER_USER = 43            # more than clients_per_uid (40)

def become(user):
    pw = pwd.getpwnam(user)
    os.setgroups(os.getgrouplist(user, pw.pw_gid))
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)

# Each holder: a child under the user's uid opening PER_USER followers
# with a filter that never matches, reporting its tally on a pipe, then
# waiting for the daemon to close them and reporting the notices.
kids = []
for u in holders:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        become(u)
        socks, refused = [], []
        for i in range(PER_USER):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                try:
                    s.sendall(b'{"cmd":"follow","sid":4000000000}\n')
                except OSError:
                    pass    # refused at once: the reason is waiting
                a = first_line(s)
            except OSError as e:
                a = str(e).encode()
            if a == b'{"ok":true,"follow":true}':
                socks.append(s)
            else:
                refused.append(a.decode(errors="replace"))
                s.close()
        os.write(w, (json.dumps({"held": len(socks), "refused": refused})
                     + "\n").encode())
        # Wait for each follower to be sent the idle notice and closed.
        notices, closed, t0 = 0, 0, time.time()
        live = {s.fileno(): [s, b""] for s in socks}
        while live and time.time() - t0 < 60:
            rd, _, _ = select.select(list(live), [], [], 1)
            for fd in rd:
                s, buf = live[fd]
                c = s.recv(4096)
                if c:
                    live[fd][1] += c
                    continue
                closed += 1
                if b"follow_idle" in buf:
                    notices += 1
                del live[fd]
        os.write(w, (json.dumps({"closed": closed, "notices": notices,
                                 "after": round(time.time() - t0, 1)})
                     + "\n").encode())
        os._exit(0)
    os.close(w)
    kids.append((u, pid, os.fdopen(r)))

held, refused = 0, []
for u, pid, f in kids:
    t = json.loads(f.readline())
    held += t["held"]
    refused += t["refused"]
print("     held %d followers; refused %d: %s" % (held, len(refused),
      sorted(set(refused))))
say(held == 240, "six users hold 240 followers (40 each), got %d" % held)
say(len(refused) == 6 * (PER_USER - 40) and all(
    "too many connections" in x and "clients_per_uid" in x for x in refused),
    "the per-uid cap refused %d extra connections with a reason" % len(refused))

def as_user(user, *args):
    pid = os.fork()
    if pid == 0:
        become(user)
        os.execv(ctl, [ctl, "-s", path] + list(args))
    return os.waitpid(pid, 0)[1]

# Root (an admin) is not locked out: status and reload.
status_ok(ctl, path, "root, with 240 followers")
r = subprocess.run([ctl, "-s", path, "-t", "10", "reload"],
                   capture_output=True, text=True)
say(r.returncode == 0, "root: reload (rc %d %s)" % (r.returncode,
    (r.stdout + r.stderr).strip()))
st = json.loads(subprocess.run([ctl, "-s", path, "--json", "stats"],
                capture_output=True, text=True).stdout)["control"]
print("     control:", st)
say(st["refused_per_uid"] == len(refused), "stats count the per-uid refusals")
# Another non-admin user: the non-admin slots are all in use.
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
pid = os.fork()
if pid == 0:
    become(last)
    s.connect(path)
    try:
        s.sendall(b'{"cmd":"status"}\n')
    except OSError:
        pass
    a = first_line(s)
    print("     seventh user:", a.decode(errors="replace"), flush=True)
    os._exit(0 if b"connections open to non-admins are in use" in a else 1)
rc = os.waitpid(pid, 0)[1]
say(rc == 0, "a seventh user is told the non-admin slots are in use")

# The idle followers are closed after follow_idle, with a notice.
for u, pid, f in kids:
    t = json.loads(f.readline())
    os.waitpid(pid, 0)
    say(t["closed"] == 40 and t["notices"] == 40 and t["after"] < 40,
        "%s: %d followers closed (%d with the follow_idle notice) %ss "
        "after they got their answers" % (u, t["closed"], t["notices"],
        t["after"]))
# The slots are free again for the users.
say(as_user(last, "status") == 0, "after that the seventh user gets status")
sys.exit(exit_status())
EOF
rc=$?
cat "$tmp/slots.out"
[ $rc -eq 0 ] && pass "slots script" || flunk "slots script (rc $rc)"

# The follower that kept receiving alerts was not closed as idle.
kill -0 "$fpid" 2>/dev/null && pass "a follower receiving alerts stays connected" ||
    flunk "the busy follower was closed: $(tail -2 "$tmp/follow.out")"
kill -INT "$fpid"
wait "$fpid"
check "follow stopped by ^C exits 0" [ $? -eq 0 ]
check "the idle closes were logged" grep -q "follower sent nothing for 10s; closed" "$tmp/daemon.err"
check "the per-uid refusals were logged" grep -q "refused: too many connections" "$tmp/daemon.err"

# A follower cut off for lagging is closed only once its last output
# goes or CTL_WRITE_SEC passes; it still holds its connection till then.
# One user opening followers that never read, during an alert flood,
# must stay within clients_per_uid (40 here): closing ones were not
# counted, and one uid held all 240 non-admin slots.
ctl_traffic 12 100 "$SRV"
sleep 1
$PY - "$SOCK" "${USERS[0]}" "$tmp/cutoff.n" <<'EOF' &
import os, pwd, socket, sys, time
path, user, out = sys.argv[1], sys.argv[2], sys.argv[3]
pw = pwd.getpwnam(user)
os.setgroups(os.getgrouplist(user, pw.pw_gid))
os.setgid(pw.pw_gid)
os.setuid(pw.pw_uid)
held, t0 = [], time.time()
while time.time() - t0 < 8:
    for _ in range(8):
        s = socket.socket(socket.AF_UNIX)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.connect(path)
            s.sendall(b'{"cmd":"follow"}\n')
            held.append(s)
        except OSError:
            s.close()
    time.sleep(0.1)
open(out, "w").write("%d\n" % len(held))
time.sleep(3)
EOF
cpid=$!
pids+=("$cpid")
most=0 cut=0
for _ in $(seq 16); do
	sleep 0.5
	read -r n c < <(ctl --json stats | $PY -c 'import json, sys
j = json.load(sys.stdin)
print(j["outputs"]["status"]["clients"], j["control"]["follow_cut_off"])')
	[ "${n:-0}" -gt "$most" ] && most=$n
	cut=${c:-0}
done
wait "$cpid"
echo "     one user's followers during a flood: at most $most connections open, $cut cut off"
check "followers were cut off for lagging ($cut)" [ "$cut" -gt 0 ]
# Root's stats connection is the one more.
check "one uid held at most clients_per_uid (40) connections, cut-off ones too (most: $((most - 1)))" \
	[ "$most" -le 41 ]
ctl_finish
