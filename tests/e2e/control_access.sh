#!/bin/bash
# Access to the status socket, with temporary users and groups:
#  - a user outside the socket's group cannot connect (file mode), and
#    even on a world-writable socket the daemon refuses it (SO_PEERCRED)
#    and logs the refusal;
#  - a member of the socket's group gets read-only commands (hosts,
#    baselines and compliance too), and reload, selftest, shutdown, list
#    add and list remove are refused, naming outputs.status.admin_group
#    (and logged);
#  - a member of the admin group may reload; root may do everything.
. "${top_srcdir:?}/tests/e2e/control_lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (users, groups, namespaces)"
command -v useradd >/dev/null && command -v runuser >/dev/null ||
    skip "useradd/runuser missing"

sfx=$$
G=cgctl$sfx
A=cgadm$sfx
U_OUT=cgout$sfx
U_MEM=cgmem$sfx
U_ADM=cgadu$sfx
drop_ids() {
	userdel "$U_OUT" 2>/dev/null; userdel "$U_MEM" 2>/dev/null
	userdel "$U_ADM" 2>/dev/null
	groupdel "$G" 2>/dev/null; groupdel "$A" 2>/dev/null
	groupdel "$U_OUT" 2>/dev/null; groupdel "$U_MEM" 2>/dev/null
	groupdel "$U_ADM" 2>/dev/null
}
cleanup_hooks+=(drop_ids)
groupadd "$G" && groupadd "$A" || skip "cannot add groups"
useradd -M -d /nonexistent -s /usr/sbin/nologin "$U_OUT" &&
    useradd -M -d /nonexistent -s /usr/sbin/nologin -G "$G" "$U_MEM" &&
    useradd -M -d /nonexistent -s /usr/sbin/nologin -G "$G,$A" "$U_ADM" ||
    { drop_ids; skip "cannot add users"; }

CTL_GROUP=$G CTL_ADMIN=$A ctl_setup access
trap 'drop_ids; ctl_cleanup' EXIT
ctl_traffic 20 5
# The client must be reachable by the test users.
install -m 0755 "$CANHGACCTL" "$tmp/canhgacctl"
as() { local u=$1; shift; runuser -u "$u" -- "$tmp/canhgacctl" -s "$SOCK" "$@"; }
sleep 1

st=$(stat -c "%a %G" "$SOCK")
[ "$st" = "660 $G" ] && pass "socket mode 0660, group $G" || flunk "socket is $st"

# Outside the groups: the socket does not let it connect.
out=$(as "$U_OUT" status 2>&1); rc=$?
[ $rc -eq 4 ] && grep -q "Permission denied" <<<"$out" &&
    pass "outsider cannot connect (exit 4): $out" || flunk "outsider: rc=$rc $out"
# Even if the file mode were wrong, the daemon checks the peer.
chmod 0666 "$SOCK"
out=$(as "$U_OUT" status 2>&1); rc=$?
[ $rc -eq 4 ] && grep -q "permission denied" <<<"$out" &&
    pass "outsider on a 0666 socket refused by SO_PEERCRED (exit 4): $out" ||
    flunk "outsider on 0666: rc=$rc $out"
chmod 0660 "$SOCK"
sleep 0.2
check "refusal logged with the uid" grep -q "control: uid $(id -u "$U_OUT") .*refused: not root or in group $G" "$tmp/daemon.err"

# Group member: read-only commands work.
for c in version status stats alerts rules baselines exceptions hosts "list show ioc_ips" compliance; do
	# shellcheck disable=SC2086
	if as "$U_MEM" $c >/dev/null 2>"$tmp/err"; then
		pass "group member: $c"
	else
		flunk "group member: $c: $(cat "$tmp/err")"
	fi
done
out=$(timeout 1 runuser -u "$U_MEM" -- "$tmp/canhgacctl" -s "$SOCK" --json follow 2>&1)
grep -q '"follow":true' <<<"$out" && pass "group member: follow" || flunk "group member: follow: $out"
# ...and changes are refused, the reason logged.
for c in reload selftest shutdown "list add ioc_ips 203.0.113.5" "list remove ioc_ips 192.0.2.1"; do
	# shellcheck disable=SC2086
	out=$(as "$U_MEM" $c 2>&1); rc=$?
	# The refusal names the key that would allow it.
	[ $rc -eq 4 ] && grep -qF "needs root or group $A (outputs.status.admin_group)" <<<"$out" &&
	    pass "group member: $c refused (exit 4): $out" || flunk "group member: $c: rc=$rc $out"
done
check "list file untouched" diff <(printf '# indicator addresses\n192.0.2.1\n') "$tmp/ioc-ips.txt"
check "refused reload logged" grep -q "control: uid $(id -u "$U_MEM") .*reload refused" "$tmp/daemon.err"
check "refused selftest logged" grep -q "control: uid $(id -u "$U_MEM") .*selftest refused" "$tmp/daemon.err"
kill -0 "$dpid" && pass "daemon still running after the refused shutdown" || flunk "daemon gone"

# Admin group member: may reload.
out=$(as "$U_ADM" reload 2>&1) && pass "admin group member: reload" ||
    flunk "admin group member: reload: $out"

# Root: everything.
out=$(ctl list add ioc_ips 203.0.113.5) && pass "root: list add" || flunk "root: list add: $out"
out=$(ctl list remove ioc_ips 203.0.113.5) && pass "root: list remove" || flunk "root: list remove: $out"
out=$(ctl reload) && pass "root: reload" || flunk "root: reload: $out"
ctl_finish
