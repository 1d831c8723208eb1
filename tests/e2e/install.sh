#!/bin/bash
# `make install DESTDIR=ROOT` from the build tree, then what was installed:
#  - the systemd unit has no @placeholder@ left; every absolute path its
#    Exec*= lines name is installed under ROOT (or, like /bin/kill, is a
#    system tool); `systemd-analyze verify` accepts the unit with those
#    paths pointed into ROOT (it checks each command is executable);
#  - the manual page its Documentation= names is installed;
#  - the hardening SECURITY.md relies on (capability bounding set, no
#    ambient capabilities, NoNewPrivileges, ProtectSystem=strict and the
#    rest of the unit's sandbox): each directive once, with its value;
#  - no State/Logs/Cache/RuntimeDirectory= without User= (systemd would
#    make the service user's directories root's at every start);
#  - ExecStartPre (`canhgacd -T -c` the installed configuration) passes:
#    the installed configuration finds its rules, lists and catalog;
#  - the rules' self-test cases (rules/selftest/, built by make) are
#    installed where the default sensor.selftest_cases finds them;
#  - the logrotate file is where Debian's logrotate reads it,
#    ROOT/etc/logrotate.d (unless configured --with-logrotatedir);
#  - `make uninstall DESTDIR=ROOT` removes the unit, the logrotate file and
#    the programs.
# Exit: 0 pass, 1 fail, 77 skip (no systemd-analyze; a failure under CI=true).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
me=install.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
command -v systemd-analyze >/dev/null || skip "systemd-analyze missing (systemd)"

fail=0
pass() { echo "ok   $*"; }
flunk() { echo "FAIL $*"; fail=1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
if ! make -s -C "$top_builddir" install DESTDIR="$root" >"$tmp/install.out" 2>&1; then
	cat "$tmp/install.out"
	echo "FAIL: make install DESTDIR=$root"
	exit 1
fi

units=$(find "$root" -name canhgacd.service -type f)
[ "$(echo "$units" | grep -c .)" -eq 1 ] ||
    { echo "FAIL: expected one installed canhgacd.service, found: $units"; exit 1; }
unit=$units
echo "unit: ${unit#"$root"}"

if grep -n '@[A-Za-z_]*@' "$unit"; then
	flunk "placeholders left in the installed unit"
else
	pass "no @placeholder@ in the unit"
fi

# The hardening SECURITY.md's privilege defence relies on, as shipped.
# Once each: a later line would override it (or, for the capability and
# address family sets, widen it). Sets compared as sets.
words() { tr ' ' '\n' | grep . | sort | tr '\n' ' '; }
while read -r key want; do
	got=$(sed -n "s/^$key=//p" "$unit")
	if [ "$(grep -c "^$key=" "$unit")" -ne 1 ]; then
		flunk "$key= is in the unit $(grep -c "^$key=" "$unit") times, not once"
	elif [ "$(words <<<"$got")" = "$(words <<<"$want")" ]; then
		pass "$key=$want"
	else
		flunk "$key=$got, not $key=$want"
	fi
done <<'EOF'
CapabilityBoundingSet CAP_NET_RAW CAP_NET_ADMIN CAP_SETUID CAP_SETGID CAP_CHOWN CAP_DAC_OVERRIDE
AmbientCapabilities
NoNewPrivileges yes
ProtectSystem strict
ReadWritePaths /var/log/canhgac /var/lib/canhgac /run/canhgac
ProtectHome yes
PrivateTmp yes
PrivateDevices yes
ProtectKernelTunables yes
ProtectKernelModules yes
ProtectKernelLogs yes
ProtectControlGroups yes
ProtectClock yes
ProtectHostname yes
RestrictNamespaces yes
RestrictRealtime yes
RestrictSUIDSGID yes
LockPersonality yes
SystemCallArchitectures native
RestrictAddressFamilies AF_UNIX AF_INET AF_INET6 AF_PACKET AF_NETLINK
EOF

# StateDirectory=, LogsDirectory=, CacheDirectory= and RuntimeDirectory=
# are set up by systemd before each command, chmod 0755 and chown -R to
# User=, root without it (the daemon starts as root and drops itself):
# the service user's directories of canhgac.tmpfiles were root's at every
# start, the state, baselines and spool not saved, logrotate (su canhgac)
# unable to rename in /var/log/canhgac. canhgac.tmpfiles makes them.
if grep -q '^User=' "$unit"; then
	pass "User= set: systemd gives its directories to that user"
elif dirs=$(grep -E '^(State|Logs|Cache|Runtime)Directory=' "$unit"); then
	flunk "no User=, so systemd makes these root's (chown -R) at every start: ${dirs//$'\n'/ }"
else
	pass "no StateDirectory=/LogsDirectory=/CacheDirectory=/RuntimeDirectory= (they would be root's without User=)"
fi

# Every absolute path in the Exec*= lines: installed under ROOT, or a
# system tool. The installed ones are pointed into ROOT for verify.
sedargs=(-e '')
for p in $(sed -n 's/^Exec[A-Za-z]*=[-@+!:]*//p' "$unit" | tr ' ' '\n' |
    grep '^/' | sort -u); do
	if [ -e "$root$p" ]; then
		pass "$p is installed"
		sedargs+=(-e "s|$p|$root$p|g")
	elif [ -e "$p" ]; then
		pass "$p is a system path"
	else
		flunk "$p: neither installed under DESTDIR nor on this system"
	fi
done
start=$(sed -n 's/^ExecStart=//p' "$unit")
bin=${start%% *}
[ -x "$root$bin" ] && [ "$(basename "$bin")" = canhgacd ] &&
    pass "ExecStart runs the installed canhgacd: $bin" ||
    flunk "ExecStart=$start does not run the installed canhgacd"

# Documentation=man:PAGE(SECTION): installed.
for m in $(sed -n 's/^Documentation=//p' "$unit" | tr ' ' '\n' | sed -n 's/^man://p'); do
	page=${m%%(*} sec=${m#*(} sec=${sec%)}
	found=$(find "$root" -path "*/man$sec/$page.$sec*" | head -n 1)
	[ -n "$found" ] && pass "Documentation=man:$m installed: ${found#"$root"}" ||
	    flunk "Documentation=man:$m: no $page.$sec installed"
done

mkdir -p "$tmp/verify"
sed "${sedargs[@]}" "$unit" >"$tmp/verify/canhgacd.service"
# --man=no: verify would look for the man page on this system, not in ROOT.
if systemd-analyze verify --man=no "$tmp/verify/canhgacd.service" \
    >"$tmp/verify.out" 2>&1 && ! grep -qi 'fatal\|bad unit' "$tmp/verify.out"; then
	pass "systemd-analyze verify accepts the unit"
else
	sed 's/^/    /' "$tmp/verify.out"
	flunk "systemd-analyze verify"
fi

# The check that runs canhgacd (another creates /run/canhgac first).
pre=$(sed -n 's/^ExecStartPre=\(.*canhgacd .*\)/\1/p' "$tmp/verify/canhgacd.service")
# shellcheck disable=SC2086
if [ -z "$pre" ]; then
	flunk "no ExecStartPre in the unit"
elif $pre >"$tmp/pre.out" 2>&1; then
	pass "ExecStartPre passes: $(head -n 1 "$tmp/pre.out")"
else
	sed 's/^/    /' "$tmp/pre.out"
	flunk "ExecStartPre fails: $pre"
fi

# The rules' self-test cases beside the installed rules, where the
# default sensor.selftest_cases (relative to the configuration) finds
# them: every sid of tests/rules/cases.py a case or a reason, every
# case's capture installed.
conf=$(find "$root" -path '*/canhgac/canhgac.yaml' -type f | head -n 1)
man=$(dirname "$conf")/rules/selftest/manifest.json
if [ -s "$man" ] && /usr/bin/python3 - "$man" "$top_srcdir" <<'PYEOF'
import json, os, sys
man = json.load(open(sys.argv[1]))
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "rules"))
import cases
d = os.path.dirname(sys.argv[1])
have = {c["sid"] for c in man["cases"]} | {int(k) for k in man["untested"]}
missing = set(cases.CASES) - have
gone = [c["file"] for c in man["cases"] if not os.path.getsize(os.path.join(d, c["file"]))]
if missing or gone or not man["assets"]:
    print("missing sids", sorted(missing), "empty captures", gone)
    sys.exit(1)
PYEOF
then
	pass "self-test cases installed at ${man#"$root"}, one for every sid of cases.py"
else
	flunk "self-test cases not installed at ${man#"$root"}"
fi

# The logrotate directory: /etc/logrotate.d unless configured otherwise.
lrdir=$(sed -n 's/^logrotatedir = //p' "$top_builddir/Makefile")
if ! "$top_builddir/config.status" --config | grep -q -- --with-logrotatedir; then
	[ "$lrdir" = /etc/logrotate.d ] && pass "logrotate directory /etc/logrotate.d" ||
	    flunk "logrotate directory $lrdir, not /etc/logrotate.d"
fi
[ -f "$root$lrdir/canhgac" ] && pass "logrotate file at $lrdir/canhgac" ||
    flunk "no logrotate file at $lrdir/canhgac: $(find "$root" -path '*logrotate*' -type f)"
grep -q '^/var/log/canhgac/\*\.json {' "$root$lrdir/canhgac" ||
    flunk "the logrotate file does not rotate /var/log/canhgac/*.json"

if make -s -C "$top_builddir" uninstall DESTDIR="$root" >"$tmp/uninstall.out" 2>&1; then
	left=$(find "$root" -type f \( -name canhgacd.service -o -name canhgac \
	    -o -name canhgacd -o -name canhgacctl \))
	[ -z "$left" ] && pass "make uninstall removes the unit, logrotate file and programs" ||
	    flunk "left after make uninstall: $left"
else
	cat "$tmp/uninstall.out"
	flunk "make uninstall DESTDIR=$root"
fi

exit $fail
