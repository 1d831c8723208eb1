#!/bin/bash
# Run by package.sh in a throwaway overlay of this machine's root (as
# root, chroot): install the package given as $1, use it, purge it.
# Systemd does not run here: the daemon is started as the unit's
# ExecStartPre and ExecStart lines would, in a network namespace whose
# eth0 (a veth) is the shipped configuration's capture interface.
set -u
deb=$1
fail=0
pass() { echo "ok   $*"; }
flunk() { echo "FAIL $*"; fail=1; }
dpid=""
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null' EXIT

# A fresh machine: no trace of an earlier canhgac (the host's tests
# write /var/log/canhgac; scripts/setup.sh adds the user).
dpkg-query -W canhgac >/dev/null 2>&1 &&
    { echo "FAIL canhgac is already installed on this machine"; exit 1; }
rm -rf /etc/canhgac /usr/share/canhgac /var/lib/canhgac /var/log/canhgac
if getent passwd canhgac >/dev/null; then userdel canhgac || exit 1; fi
if getent group canhgac >/dev/null; then groupdel canhgac || exit 1; fi

if dpkg -i "$deb" >/tmp/dpkg-i.out 2>&1; then
	pass "dpkg -i $(basename "$deb")"
else
	sed 's/^/    /' /tmp/dpkg-i.out
	echo "FAIL dpkg -i"; exit 1
fi

for p in /usr/sbin/canhgacd /usr/bin/canhgacctl; do
	[ -x "$p" ] && pass "$p" || flunk "$p not installed"
done
conff=$(dpkg-query -W -f='${Conffiles}\n' canhgac | awk 'NF {print $1}')
for c in /etc/canhgac/canhgac.yaml /etc/canhgac/lists/ioc-ips.txt \
    /etc/canhgac/lists/ioc-domains.txt /etc/logrotate.d/canhgac; do
	grep -qx "$c" <<<"$conff" && [ -f "$c" ] && pass "conffile $c" ||
	    flunk "$c is not an installed conffile"
done
n=$(find /usr/share/canhgac/rules -name '*.yaml' ! -name 'controls-*' | wc -l)
cats=$(find /usr/share/canhgac/rules -name 'controls-*.yaml' | wc -l)
[ "$n" -ge 5 ] && [ "$cats" -ge 1 ] &&
    pass "/usr/share/canhgac/rules: $n rule packs, $cats catalogs" ||
    flunk "/usr/share/canhgac/rules: $n rule packs, $cats catalogs"
unit=/lib/systemd/system/canhgacd.service
[ -f "$unit" ] && pass "$unit" || { flunk "no $unit"; exit 1; }
[ -f /usr/lib/tmpfiles.d/canhgac.conf ] && pass "tmpfiles canhgac.conf" ||
    flunk "no /usr/lib/tmpfiles.d/canhgac.conf"
for m in man8/canhgacd.8 man8/canhgacctl.8 man5/canhgac.yaml.5 \
    man5/canhgac-rules.5; do
	[ -f "/usr/share/man/$m.gz" ] && pass "man page $m" ||
	    flunk "no /usr/share/man/$m.gz"
done
[ -f /usr/share/bash-completion/completions/canhgacctl ] &&
    pass "bash completion for canhgacctl" ||
    flunk "no /usr/share/bash-completion/completions/canhgacctl"
uid=$(id -u canhgac 2>/dev/null)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && id -nG canhgac | grep -qw canhgac &&
    pass "system user canhgac ($uid) in group canhgac" ||
    flunk "no system user canhgac: $(getent passwd canhgac)"
for d in /run/canhgac /var/lib/canhgac /var/log/canhgac; do
	[ "$(stat -c %U:%G "$d" 2>/dev/null)" = canhgac:canhgac ] &&
	    pass "$d (tmpfiles at postinst) is canhgac's" ||
	    flunk "$d: $(stat -c '%U:%G %a' "$d" 2>&1)"
done
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify --man=no "$unit" >/tmp/verify.out 2>&1 &&
	    pass "systemd-analyze verify $unit" ||
	    { sed 's/^/    /' /tmp/verify.out; flunk "systemd-analyze verify"; }
fi

# The unit's commands, with systemd's prefixes (+ - @ ! :) taken off,
# each after what systemd would run it under: its CapabilityBoundingSet
# (root keeps only those after exec), unless + or ! gives it full
# privileges. Run as plain root, a reload that cannot signal the daemon
# (no CAP_KILL, the daemon another user) passed here and failed in
# systemctl reload.
bset=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' |
    sed -n 's/^CAP_\(.\)/+\1/p' | tr 'A-Z' 'a-z' | paste -sd, -)
cmd() { sed -n "s/^$1=[-+@!:]*//p" "$unit"; }
privs() {
	sed -n "s/^$1=\([-+@!:]*\).*/\1/p" "$unit" | sed -n "${2:-1}p" |
	    grep -q '[+!]' ||
	    echo "setpriv --bounding-set=-all${bset:+,$bset} --"
}
i=0
while read -r pre; do
	i=$((i + 1))
	# shellcheck disable=SC2046,SC2086
	if $(privs ExecStartPre $i) $pre >/tmp/pre.out 2>&1; then
		pass "ExecStartPre: $pre"
	else
		sed 's/^/    /' /tmp/pre.out; flunk "ExecStartPre: $pre"
	fi
done < <(cmd ExecStartPre)
start=$(cmd ExecStart)
# shellcheck disable=SC2046,SC2086
unshare -n sh -c 'ip link add eth0 type veth peer name cgpkg0 &&
    ip link set eth0 up && ip link set cgpkg0 up && exec "$@"' sh \
    $(privs ExecStart) $start \
    2>/tmp/daemon.err &
dpid=$!
ok=""
for _ in $(seq 100); do
	if canhgacctl status >/tmp/status.out 2>&1; then ok=1; break; fi
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.2
done
if [ -n "$ok" ]; then
	pass "ExecStart ($start) runs; canhgacctl status answers:"
	sed -n '1,4s/^/    /p' /tmp/status.out
else
	sed 's/^/    /' /tmp/status.out /tmp/daemon.err
	echo "FAIL the daemon did not answer canhgacctl status"; exit 1
fi
[ "$(awk '/^Uid:/ {print $2}' "/proc/$dpid/status")" = "$uid" ] &&
    pass "the daemon runs as canhgac" ||
    flunk "the daemon runs as uid $(awk '/^Uid:/ {print $2}' "/proc/$dpid/status")"

reload=$(cmd ExecReload)
# shellcheck disable=SC2046,SC2086
$(privs ExecReload) ${reload//\$MAINPID/$dpid} >/tmp/reload.out 2>&1 ||
    { sed 's/^/    /' /tmp/reload.out; flunk "ExecReload ($reload) failed"; }
n=""
for _ in $(seq 50); do
	n=$(canhgacctl --json status 2>/dev/null | /usr/bin/python3 -c \
	    'import json,sys; r=json.load(sys.stdin)["reload"]; print(r["count"] if r["ok"] else -1)')
	[ "${n:-0}" != 0 ] && break
	sleep 0.2
done
[ "$n" = 1 ] && pass "ExecReload ($reload): one reload, ok" ||
    flunk "after ExecReload: reload count/ok $n"

# The rules' self-test with the packaged cases (/usr/share/canhgac/rules/
# selftest, named by the packaged configuration): no rule fails.
canhgacctl -t 300 selftest >/tmp/selftest.out 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -qE "self-test of rule set [0-9a-f]{12}: [1-9][0-9]* passed, 0 failed" /tmp/selftest.out; then
	pass "canhgacctl selftest with the packaged cases: $(tail -n 1 /tmp/selftest.out)"
else
	sed 's/^/    /' /tmp/selftest.out | tail -20
	flunk "canhgacctl selftest with the packaged cases: exit $rc"
fi

kill -TERM "$dpid"
wait "$dpid"
rc=$?
dpid=""
[ "$rc" -eq 0 ] && pass "stopped (SIGTERM), exit 0" || flunk "exit $rc at stop"
[ -z "$(ls -A /run/canhgac)" ] && pass "socket and pidfile removed at stop" ||
    flunk "left in /run/canhgac: $(ls -A /run/canhgac)"
[ -s /var/log/canhgac/alerts.json ] || [ -d /var/log/canhgac ] ||
    flunk "no /var/log/canhgac"

if dpkg -r canhgac >/tmp/dpkg-r.out 2>&1; then
	pass "dpkg -r canhgac"
else
	sed 's/^/    /' /tmp/dpkg-r.out; flunk "dpkg -r canhgac"
fi
[ ! -e /usr/sbin/canhgacd ] && [ ! -e "$unit" ] &&
    [ -f /etc/canhgac/canhgac.yaml ] &&
    pass "removed: programs and unit gone, configuration kept" ||
    flunk "after dpkg -r: $(ls -d /usr/sbin/canhgacd "$unit" /etc/canhgac/canhgac.yaml 2>&1)"
if dpkg -P canhgac >/tmp/dpkg-p.out 2>&1; then
	pass "dpkg -P canhgac"
else
	sed 's/^/    /' /tmp/dpkg-p.out; flunk "dpkg -P canhgac"
fi
left=$(ls -d /etc/canhgac /usr/share/canhgac /var/lib/canhgac /var/log/canhgac \
    /run/canhgac /usr/share/doc/canhgac /etc/logrotate.d/canhgac \
    /usr/lib/tmpfiles.d/canhgac.conf /etc/systemd/system/*/canhgacd.service \
    /var/lib/systemd/deb-systemd-helper-enabled/*canhgac* 2>/dev/null)
[ -z "$left" ] && pass "purged: no file of the package or the daemon left" ||
    flunk "left after purge: $left"
dpkg-query -W canhgac >/dev/null 2>&1 && flunk "dpkg still knows canhgac"
exit $fail
