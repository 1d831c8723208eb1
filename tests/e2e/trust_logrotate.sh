#!/bin/bash
# Trust: root's logrotate in the service user's log directory.
# /var/log/canhgac belongs to `canhgac` (etc/canhgac.tmpfiles), and
# logrotate runs as root: without `su`, every rename, open, compression
# and removal it makes there is root's, in a directory where the service
# user can swap files between two of them. The shipped
# etc/canhgac.logrotate (only its path moved under a private root and its
# postrotate command replaced by one that records its uid) is run by the
# real logrotate, first with -d, then forced, after `canhgac` planted
# links to a root-only victim at events.json and alerts.json.1 (the file
# the next run compresses). Checked: logrotate switches to the service
# user for that directory, the links are not followed (the victim keeps
# owner, mode, links and content, nothing readable by the user holds its
# text), alerts.json is rotated and created again for the service user,
# and the postrotate command (the SIGHUP) still runs as root.
# Exit: 0 pass, 1 fail, 77 skip.
me=trust_logrotate
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
. "$top_srcdir/tests/e2e/trust_lib.sh"
tr_need
command -v logrotate >/dev/null || skip "needs logrotate (scripts/setup.sh)"
sl_init
tr_setup
LOG=$R/var/log/canhgac
svc_uid=$(id -u "$SVC")
svc_gid=$(id -g "$SVC")
grep -q '^/var/log/canhgac/\*\.json {' "$top_srcdir/etc/canhgac.logrotate" ||
	fail "etc/canhgac.logrotate: no /var/log/canhgac/*.json block"
grep -q 'systemctl kill -s HUP canhgacd.service' "$top_srcdir/etc/canhgac.logrotate" ||
	fail "etc/canhgac.logrotate: no SIGHUP in postrotate"
sed -e "s#^/var/log/canhgac/#$LOG/#" \
    -e "s#systemctl kill -s HUP canhgacd.service.*#id -u >$TMP/postrotate.uid#" \
    "$top_srcdir/etc/canhgac.logrotate" >"$TMP/canhgac.logrotate"
chmod 644 "$TMP/canhgac.logrotate"

# The service user's logs, and its links.
as_svc sh -c "printf '{\"alert\":1}\n' >'$LOG/alerts.json' &&
	ln -s '$V' '$LOG/alerts.json.1' && ln -s '$V' '$LOG/events.json'" ||
	fail "the service user cannot write its log directory"

logrotate -d -s "$TMP/state" "$TMP/canhgac.logrotate" >"$TMP/debug.log" 2>&1
grep -q "switching euid from 0 to $svc_uid and egid from 0 to $svc_gid" "$TMP/debug.log" || {
	cat "$TMP/debug.log" >&2
	fail "logrotate -d: rotates $LOG as root, not as $SVC (no 'su $SVC $SVC')"
}
echo "$me: logrotate -d: switches to $SVC ($svc_uid:$svc_gid) for $LOG"

timeout 60 logrotate -v -f -s "$TMP/state" "$TMP/canhgac.logrotate" >"$TMP/run.log" 2>&1
rc=$?
[ $rc -ne 124 ] || fail "logrotate -f hung"
grep -q "switching euid from 0 to $svc_uid" "$TMP/run.log" || {
	cat "$TMP/run.log" >&2; fail "logrotate -f: not run as $SVC"; }
got=$(tr_victim_state "$V")
[ "$got" = "$want" ] || fail "the victim changed: $want -> $got"
[ -z "$(ls -A "$TMP/secret" | grep -v '^victim$')" ] || fail "files created beside the victim"
for f in "$LOG"/*; do
	[ -L "$f" ] && continue
	[ "$(stat -c %u "$f")" = "$svc_uid" ] || fail "$f: owned by $(stat -c %U "$f"), not $SVC"
	if case $f in *.gz) zcat "$f";; *) cat "$f";; esac 2>/dev/null |
		grep -q 'root only'; then
		fail "$f: holds the victim's text"
	fi
done
[ -f "$LOG/alerts.json" ] && [ ! -s "$LOG/alerts.json" ] ||
	fail "alerts.json not created again empty"
[ "$(stat -c '%U:%G %a' "$LOG/alerts.json")" = "$SVC:$SVC 640" ] ||
	fail "alerts.json: $(stat -c '%U:%G %a' "$LOG/alerts.json"), not $SVC:$SVC 640"
# The rotated alerts: alerts.json.1 (delaycompress), the link moved on.
grep -q '"alert":1' "$LOG/alerts.json.1" 2>/dev/null ||
	{ cat "$TMP/run.log" >&2; ls -la "$LOG" >&2; fail "alerts.json not rotated to alerts.json.1"; }
[ "$(cat "$TMP/postrotate.uid" 2>/dev/null)" = 0 ] ||
	{ cat "$TMP/run.log" >&2; ls -la $TMP >&2; fail "postrotate did not run as root (the SIGHUP would not be sent)"; }
echo "$me: links not followed, alerts.json rotated and created for $SVC, postrotate as root"
echo "$me: PASS"
