#!/bin/bash
# canhgacctl update against a local HTTPS server with a test CA (in the
# test host's namespace; the updater runs in the sensor's): a good
# update (MISP text, CSV and a rule pack: files swapped, FILE.prev kept,
# the daemon reloaded, the new indicator alerts), nothing new
# (unchanged), a bad signature, a list that does not load, lists with
# an entry matching every flow (0.0.0.0/0, co.uk), feeds answering
# nothing (the lists kept, not emptied), a server
# that is down, a certificate of another CA, a redirect, a reload
# that fails (every file put back), a handshake or a TLS record sent a
# byte at a time (given up at the timeout), a host name the resolver
# never answers for and a signature dripped after a slow answer (each
# ended within its timeout + 2 s), an update stopped by SIGTERM or
# SIGHUP during the check (no staged FILE.XXXXXX left, a new file
# checked in place removed), and links
# planted at the target and at FILE.prev. In each failure the old lists stay
# and the exit status is 1, with one line a source saying why.
. "${top_srcdir:?}/tests/e2e/control_lib.sh"
command -v openssl >/dev/null || skip "openssl not installed"

CTL_ASSETS_EXTRA="  ioc_domains: {file: ioc-domains.txt, type: domain}" \
CTL_RULES_EXTRA="updates-*.yaml" ctl_setup update
cp "$tmp/canhgac.yaml" "$tmp/base.yaml"
IPS=$tmp/ioc-ips.txt
DOMS=$tmp/ioc-domains.txt
PACK=$tmp/updates-pack.yaml
mkdir -p "$tmp/pki" "$tmp/feed"

# A test CA, a server certificate for the test host's address, another
# CA, and the feed's signing key (EC P-256).
(
cd "$tmp/pki" || exit 1
for ca in ca other-ca; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 2 -subj "/CN=update test $ca" -keyout $ca.key -out $ca.pem
done
printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$CLI" >srv.ext
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=feeds" -keyout srv.key -out srv.csr
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 2 -extfile srv.ext -out srv.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out feed.key
openssl pkey -in feed.key -pubout -out feed.pub
) >"$tmp/pki/log" 2>&1 || { cat "$tmp/pki/log"; flunk "openssl"; }

PORT=8443
URL=https://$CLI:$PORT
start_server() {
	# Emptied here, not by the background job's redirection: else the
	# wait below can read the last server's "ready" before the new job
	# truncates the file, and go on before the new server listens.
	: >"$tmp/server.out"
	ip netns exec "${ns}b" $PY "$top_srcdir/tests/e2e/update_server.py" \
	    "$tmp/feed" "$tmp/pki/srv.pem" "$tmp/pki/srv.key" "$CLI" "$PORT" \
	    >>"$tmp/server.out" 2>>"$tmp/server.err" &
	srv=$!
	pids+=("$srv")
	for _ in $(seq 50); do
		grep -q ready "$tmp/server.out" 2>/dev/null && return
		sleep 0.1
	done
	flunk "the HTTPS server did not start: $(cat "$tmp/server.err")"
}
start_server

# The feeds: MISP's text export (a composite value among them), a CSV
# with a header, and a rule pack.
sign() { openssl dgst -sha256 -sign "$tmp/pki/feed.key" -out "$1.sig" "$1"; }
printf '10.97.%s.66\n203.0.113.5|8080\n198.51.100.0/24\n' "$net" \
    >"$tmp/feed/ips.txt"
sign "$tmp/feed/ips.txt"
printf 'first_seen,domain,source\n2025-01-01,evil.example,x\n2025-01-02,"bad.example",y\n' \
    >"$tmp/feed/doms.csv"
sed -e 's/sid: 42/sid: 142/' -e 's/sid: 43/sid: 143/' -e 's/sid: 44/sid: 144/' \
    -e '/^exceptions:/,$d' "$tmp/good.rules" >"$tmp/feed/pack.yaml"
PACKSUM=$(sha256sum "$tmp/feed/pack.yaml" | cut -c1-64)

# set_updates YAML: the configuration with this updates: section.
set_updates() { { cat "$tmp/base.yaml"; echo "updates:"; echo "$1"; } >"$tmp/canhgac.yaml"; }
GOOD="  - {name: ips, url: \"$URL/ips.txt\", target: ioc_ips, format: misp,
     ca: pki/ca.pem, signature: \"$URL/ips.txt.sig\", pubkey: pki/feed.pub}
  - {name: doms, url: \"$URL/doms.csv\", target: ioc_domains, format: csv,
     column: 2, header: true, ca: pki/ca.pem, max_size: 64KB, timeout: 10s}
  - {name: pack, url: \"$URL/pack.yaml\", target: updates-pack.yaml,
     format: rules, ca: pki/ca.pem, sha256: $PACKSUM}"
set_updates "$GOOD"

# update [SOURCE...]: canhgacctl update in the sensor's namespace; the
# output in $out, the exit status in $rc.
update() {
	out=$(ip netns exec "${ns}a" "$CANHGACCTL" -s "$SOCK" update \
	    -c "$tmp/canhgac.yaml" --canhgacd "$CANHGACD" "$@" 2>&1)
	rc=$?
}
reloads() { ctl -j status | $PY -c 'import json,sys; print(json.load(sys.stdin)["reload"]["count"])'; }
# expect WHAT RC PATTERN: the last update exited RC saying PATTERN.
expect() {
	[ "$rc" -eq "$2" ] && grep -qE -- "$3" <<<"$out" && pass "$1: $(tr '\n' ' ' <<<"$out")" ||
	    flunk "$1: rc=$rc (want $2), no /$3/ in: $out"
}

check "canhgacd -T takes the updates: section" "$CANHGACD" -T -c "$tmp/canhgac.yaml"
cp "$IPS" "$tmp/ips.0"
cp "$DOMS" "$tmp/doms.0"
r0=$(reloads)

# 1. A good update.
update
expect "good update" 0 "ips: updated 3 entries"
expect "... the CSV column" 0 "doms: updated 2 entries"
expect "... the rule pack" 0 "pack: updated rule pack"
check "the MISP composite became its address" grep -qx 203.0.113.5 "$IPS"
check "the CSV's header is not an entry" bash -c "! grep -q domain '$DOMS'"
check "the previous list is kept as .prev" cmp -s "$IPS.prev" "$tmp/ips.0"
check "... and the previous domains" cmp -s "$DOMS.prev" "$tmp/doms.0"
check "the files name their source" grep -q "^# canhgacctl update: ips ($URL/ips.txt)" "$IPS"
[ "$(reloads)" -eq $((r0 + 1)) ] && pass "the daemon reloaded once" ||
    flunk "reloads: $r0 -> $(reloads)"
check "list show has the new indicator" bash -c "'$CANHGACCTL' -s '$SOCK' list show ioc_ips | grep -qx 10.97.$net.66"
check "the rule pack loaded" bash -c "'$CANHGACCTL' -s '$SOCK' rules | grep -q '^ *143 '"
ctl_traffic 1 5 "10.97.$net.66"
ctl_settle
n=$(ctl --json alerts --sid 43 | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["alerts"]))')
[ "${n:-0}" -gt 0 ] && pass "the new indicator alerts (sid 43): $n" ||
    flunk "no alert of sid 43 for 10.97.$net.66"

# 2. Again: nothing new.
r1=$(reloads)
update
expect "nothing new" 0 "ips: unchanged"
[ "$(reloads)" -eq "$r1" ] && pass "unchanged: no reload" || flunk "reloaded for nothing"

cp "$IPS" "$tmp/ips.1"
cp "$DOMS" "$tmp/doms.1"
cp "$PACK" "$tmp/pack.1"
# same WHAT: the lists are as after the good update, no reload since.
same() {
	cmp -s "$IPS" "$tmp/ips.1" && cmp -s "$DOMS" "$tmp/doms.1" &&
	    cmp -s "$PACK" "$tmp/pack.1" && [ "$(reloads)" -eq "$r1" ] &&
	    pass "$1: the old lists stay, the daemon untouched" ||
	    flunk "$1: files or daemon changed ($(reloads) reloads, was $r1)"
}

# 3. A bad signature: the feed changed, the signature did not.
printf '192.0.2.200\n' >>"$tmp/feed/ips.txt"
update ips
expect "bad signature" 1 "ips: failed: bad signature"
same "bad signature"
sign "$tmp/feed/ips.txt"

# 4. A rule pack whose SHA-256 is not the configured one.
echo "# changed" >>"$tmp/feed/pack.yaml"
update pack
expect "rule pack of another SHA-256" 1 "pack: failed: SHA-256 .*refused"
same "wrong SHA-256"

# 5. A list that does not load: the daemon's loader refuses an entry.
# It is checked before it is put in place: the target is never renamed
# nor linked (its ctime stays), so a daemon starting meanwhile could not
# have read it.
printf '192.0.2.9\n999.1.1.1\n' >"$tmp/feed/bad.txt"
set_updates "  - {name: bad, url: \"$URL/bad.txt\", target: ioc_ips, ca: pki/ca.pem}"
c0=$(stat -c %z "$IPS")
update
expect "a list that does not load" 1 "bad: failed: does not load.*999.1.1.1"
same "a list that does not load"
[ "$(stat -c %z "$IPS")" = "$c0" ] && pass "the bad list was checked before it was put in place" ||
    flunk "the target was touched ($c0 -> $(stat -c %z "$IPS")): the bad list was put in place to be checked"
check "no .prev-new left behind" bash -c "! ls '$tmp' | grep -q prev-new"

# 5b. A feed serving an entry that matches every flow: 0.0.0.0/0, a
# public suffix. The loader only warns of one in a person's own list;
# a fetched list with one does not load (canhgacd -T --strict-list), so
# a feed cannot turn every flow into an indicator hit.
printf '192.0.2.9\n0.0.0.0/0\n' >"$tmp/feed/wide.txt"
printf 'bad.example\nco.uk\n' >"$tmp/feed/suffix.txt"
set_updates "  - {name: wide, url: \"$URL/wide.txt\", target: ioc_ips, ca: pki/ca.pem}"
update
expect "a list holding 0.0.0.0/0" 1 "wide: failed: does not load.*0\\.0\\.0\\.0/0"
same "a list holding 0.0.0.0/0"
set_updates "  - {name: suffix, url: \"$URL/suffix.txt\", target: ioc_domains, ca: pki/ca.pem}"
update
expect "a list holding a public suffix" 1 "suffix: failed: does not load.*co\\.uk.*public suffix"
same "a list holding a public suffix"
# ... or entries each narrow enough that together match every flow: the
# 512 /9s of the IPv4 space, a single label (every name of a zone).
for i in $(seq 0 255); do printf '%d.0.0.0/9\n%d.128.0.0/9\n' "$i" "$i"; done >"$tmp/feed/nines.txt"
printf 'bad.example\nlocal\n' >"$tmp/feed/label.txt"
set_updates "  - {name: nines, url: \"$URL/nines.txt\", target: ioc_ips, ca: pki/ca.pem}"
update
expect "a list of 512 /9s, every IPv4 address" 1 "nines: failed: does not load.*together cover 256\\.0 times the addresses of a /8 .*16 times that at most"
same "a list of 512 /9s"
set_updates "  - {name: label, url: \"$URL/label.txt\", target: ioc_domains, ca: pki/ca.pem}"
update
expect "a list holding a single label" 1 "label: failed: does not load.*local is a single label"
same "a list holding a single label"
# A feed's rule pack may add detection, not take the site's away: an
# exception silencing rule 42, or a rule superseding it (42 inactive at
# every level), fails the check; its own rules it may supersede.
{ cat "$tmp/feed/pack.yaml"; printf 'exceptions:\n  - sids: [42]\n    src: 192.0.2.99\n    owner: feed\n    reason: quiet\n    expires: 2099-12-31\n'; } >"$tmp/feed/excpack.yaml"
sed -e 's/^  - sid: 142$/  - sid: 142\n    supersedes: [42]/' "$tmp/feed/pack.yaml" >"$tmp/feed/suppack.yaml"
sed -e 's/^  - sid: 143$/  - sid: 143\n    supersedes: [142]/' "$tmp/feed/pack.yaml" >"$tmp/feed/ownpack.yaml"
set_updates "  - {name: excpack, url: \"$URL/excpack.yaml\", target: updates-pack.yaml, format: rules, ca: pki/ca.pem}"
update
expect "a rule pack with an exception for a site rule" 1 "excpack: failed: does not load.*exceptions: a fetched rule pack may not carry exceptions"
same "a rule pack with an exception"
set_updates "  - {name: suppack, url: \"$URL/suppack.yaml\", target: updates-pack.yaml, format: rules, ca: pki/ca.pem}"
update
expect "a rule pack superseding a site rule" 1 "suppack: failed: does not load.*rule 142: supersedes sid 42 of .*rules.yaml: a fetched rule pack may supersede only its own rules"
same "a rule pack superseding a site rule"
cp "$tmp/feed/suppack.yaml" "$PACK"
check "the same pack put in place by a person loads (-T)" "$CANHGACD" -T -c "$tmp/base.yaml"
cp "$tmp/pack.1" "$PACK"
set_updates "  - {name: ownpack, url: \"$URL/ownpack.yaml\", target: updates-pack.yaml, format: rules, ca: pki/ca.pem}"
update
expect "a rule pack superseding its own rule" 0 "ownpack: updated"
cp "$tmp/ips.1" "$IPS"; cp "$tmp/doms.1" "$DOMS"; cp "$tmp/pack.1" "$PACK"
ctl reload >/dev/null
r1=$(reloads)
# A feed answering with nothing (an empty body, only comments, a blank
# rule pack): the lists in place are kept, not emptied (which left the
# indicator rules blind and made {not: $list} match every flow).
: >"$tmp/feed/empty.txt"
printf '# no indicators today\n\n;\n' >"$tmp/feed/comments.txt"
printf '\n  \n' >"$tmp/feed/blank.yaml"
set_updates "  - {name: empty, url: \"$URL/empty.txt\", target: ioc_ips, ca: pki/ca.pem}
  - {name: comments, url: \"$URL/comments.txt\", target: ioc_domains, ca: pki/ca.pem}
  - {name: blank, url: \"$URL/blank.yaml\", target: updates-pack.yaml, format: rules, ca: pki/ca.pem}"
update
expect "an empty feed" 1 "empty: failed: the answer \\(0 bytes\\) holds no entry; refused"
expect "... one of comments" 1 "comments: failed: .*holds no entry; refused"
expect "... a blank rule pack" 1 "blank: failed: .*is blank; refused"
same "feeds answering with nothing"
# The same entry in the person's own list: a warning, and it loads.
cp "$IPS" "$tmp/ips.own"
printf '0.0.0.0/0\n' >>"$IPS"
check "a person's own list with 0.0.0.0/0 still loads (-T)" "$CANHGACD" -T -c "$tmp/base.yaml"
cp "$tmp/ips.own" "$IPS"
cp "$tmp/feed/nines.txt" "$IPS"
out=$("$CANHGACD" -T -c "$tmp/base.yaml" 2>&1); rc=$?
expect "a person's own list of 512 /9s loads, with a warning naming it" 0 "$IPS: warning: its IPv4 entries together cover 256\\.0 times"
cp "$tmp/ips.own" "$IPS"

# 6. A certificate of another CA.
set_updates "  - {name: ips, url: \"$URL/ips.txt\", target: ioc_ips, format: misp, ca: pki/other-ca.pem}"
update
expect "another CA" 1 "ips: failed: .*certificate not trusted"
same "another CA"

# 7. A redirect.
set_updates "  - {name: ips, url: \"$URL/moved\", target: ioc_ips, ca: pki/ca.pem}"
update
expect "a redirect" 1 "ips: failed: HTTP 302: a redirect to .*refused"
same "a redirect"

# An answer cut off (no length, no TLS close), a header too large.
set_updates "  - {name: ips, url: \"$URL/nolength\", target: ioc_ips, ca: pki/ca.pem}"
update
expect "an answer cut short" 1 "ips: failed: .*the answer was cut short"
same "an answer cut short"
set_updates "  - {name: ips, url: \"$URL/bighead\", target: ioc_ips, ca: pki/ca.pem}"
update
expect "a header too large" 1 "ips: failed: .*a response header over 16384 bytes"
same "a header too large"

# A server that takes the connection and says nothing: the timeout.
ip netns exec "${ns}b" $PY -c '
import socket, sys, time
s = socket.socket()
s.bind((sys.argv[1], 8444))
s.listen(8)
time.sleep(60)' "$CLI" &
pids+=($!)
sleep 0.5
# timed_out WHAT URL PATTERN: a source of URL with a 2 s timeout fails
# saying PATTERN within 5 s, the old lists left.
timed_out() {
	local t0
	set_updates "  - {name: ips, url: \"$2\", target: ioc_ips, ca: pki/ca.pem, timeout: 2s}"
	t0=$(date +%s)
	update
	expect "$1" 1 "ips: failed: .*$3"
	[ $(($(date +%s) - t0)) -le 5 ] && pass "... given up after the timeout" ||
	    flunk "$1: a 2s timeout took $(($(date +%s) - t0))s"
	same "$1"
}
timed_out "a server that stalls" "https://$CLI:8444/ips.txt" "timed out"

# 8. Too large for max_size: told by the length, or a body that never
# ends; a server dripping a byte a second is given up at the timeout.
set_updates "  - {name: doms, url: \"$URL/doms.csv\", target: ioc_domains, format: csv, column: 2, ca: pki/ca.pem, max_size: 20}"
update
expect "larger than max_size" 1 "doms: failed: .*larger than max_size"
same "max_size"
set_updates "  - {name: ips, url: \"$URL/endless\", target: ioc_ips, ca: pki/ca.pem, max_size: 64KB}"
update
expect "an endless body" 1 "ips: failed: .*more than max_size bytes"
same "an endless body"
timed_out "a server dripping a byte a second" "$URL/drip" "no complete answer within 2 s"
# The socket's own timeout strikes inside the read here (OpenSSL tells it
# as WANT_READ): it used to say "cut short", and the dripping server did
# too when a slow machine let the timeout strike before the loop's check.
timed_out "a server that stops mid-answer" "$URL/hang" "no complete answer within 2 s"
# A byte every half second, each within any socket timeout, but no TLS
# record whole for minutes: in the handshake, and in the answer. The
# timeout bounded each read, and OpenSSL reads a record by many, so
# both went on until the server gave up (15 s).
timed_out "a handshake dripped a byte at a time" "https://$CLI:$((PORT + 2))/ips.txt" "TLS handshake: timed out"
timed_out "an answer's record dripped a byte at a time" "https://$CLI:$((PORT + 3))/ips.txt" "no complete answer within 2 s"

# bounded WHAT TIMEOUT PATTERN ITEMS: a source of these flow mapping
# ITEMS and a TIMEOUT-second timeout fails saying PATTERN within
# TIMEOUT + 2 s (timed in milliseconds), the old lists left.
bounded() {
	local t0 ms
	set_updates "  - {name: ips, target: ioc_ips, ca: pki/ca.pem, timeout: ${2}s, $4}"
	t0=$(date +%s%N)
	update
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect "$1" 1 "ips: failed: .*$3"
	[ "$ms" -le $((($2 + 2) * 1000)) ] && pass "... ended after $ms ms (timeout ${2}s)" ||
	    flunk "$1: a ${2}s timeout took $ms ms"
	same "$1"
}
# A host name the resolver never answers for: ip netns exec mounts
# /etc/netns/NAME/resolv.conf over /etc/resolv.conf, and its nameserver
# (in the sensor's namespace) reads the queries and never replies. The
# lookup ran outside the timeout: glibc's 5 s and 2 tries held it 10 s
# (more with more nameservers or search domains).
mkdir -p "/etc/netns/${ns}a"
cleanup_hooks+=("rm -rf '/etc/netns/${ns}a'")
echo "nameserver 127.0.0.1" >"/etc/netns/${ns}a/resolv.conf"
: >"$tmp/dns.out"
ip netns exec "${ns}a" $PY -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
print("ready", flush=True)
while True:
    s.recvfrom(4096)' >>"$tmp/dns.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$tmp/dns.out" && break; sleep 0.1; done
bounded "a host name that never resolves" 2 "feeds\.example\.org: the name lookup timed out \(2 s\)" \
    "url: \"https://feeds.example.org:$PORT/ips.txt\""
rm -rf "/etc/netns/${ns}a"
# A signature dripped after an answer that took 4 s of the 6: the
# signature had a timeout of its own, so the source took 10 s.
bounded "a signature dripped after a slow answer" 6 "the signature: .*no complete answer within 6 s" \
    "url: \"$URL/slow\", signature: \"$URL/drip\", pubkey: pki/feed.pub"

# Stopped during the check (SIGTERM: a timer unit's stop, or kill;
# SIGHUP: the terminal gone): the staged FILE.XXXXXX beside the list
# was left there for good. Now it is removed and the check stopped, the
# list left. The check is a canhgacd that sleeps 30 s first.
cat >"$tmp/slowcheck" <<EOF
#!/bin/bash
echo \$\$ >"$tmp/slowcheck.pid"
echo \$\$ >>"$tmp/slowcheck.pids"
trap 'kill \$! 2>/dev/null; exit 143' TERM
sleep 30 &
wait \$!
exec "$CANHGACD" "\$@"
EOF
chmod 755 "$tmp/slowcheck"
cleanup_hooks+=("kill \$(cat '$tmp/slowcheck.pids' 2>/dev/null) 2>/dev/null")
set_updates "$GOOD"	# the feed has changed since ips.1 (3.)
# An update (of the sources named) whose check is held by slowcheck, in
# the background as $upid, once the check has started.
slow_update() {
	: >"$tmp/slowcheck.pid"
	ip netns exec "${ns}a" "$CANHGACCTL" -s "$SOCK" update \
	    -c "$tmp/canhgac.yaml" --canhgacd "$tmp/slowcheck" "$@" \
	    >"$tmp/stopped.out" 2>&1 &
	upid=$!
	for _ in $(seq 100); do
		[ -s "$tmp/slowcheck.pid" ] && break
		sleep 0.1
	done
}
for sig in TERM HUP; do
	slow_update ips
	staged=$(ls "$IPS".?????? 2>/dev/null)
	[ -n "$staged" ] && [ -s "$tmp/slowcheck.pid" ] &&
	    pass "SIG$sig: the check runs on ${staged##*/}" ||
	    flunk "SIG$sig: no check running on a staged file"
	kill -"$sig" "$upid"
	wait "$upid"
	rc=$?
	[ "$rc" -gt 128 ] && pass "... the update died of SIG$sig ($rc)" ||
	    flunk "SIG$sig: the update exited $rc: $(cat "$tmp/stopped.out")"
	staged=$(ls "$IPS".?????? 2>/dev/null)
	[ -z "$staged" ] && pass "... no staged file left" ||
	    flunk "SIG$sig left the staged file $staged"
	same "stopped by SIG$sig during the check"
	# (Orphaned, it may stay a zombie a while: that is stopped.)
	chk=$(cat "$tmp/slowcheck.pid")
	for _ in $(seq 20); do
		ps -o stat= -p "$chk" | grep -qv Z || break
		sleep 0.1
	done
	ps -o stat= -p "$chk" | grep -qv Z && flunk "SIG$sig: the check goes on" ||
	    pass "... the check stopped with it"
	rm -f "$IPS".??????
done
# A new file has nothing to be mounted over: it is checked after its
# rename. Stopped then, it stayed in place unchecked, for the daemon's
# next reload or start; now it is removed, as when it does not load.
NEWPACK=$tmp/updates-new.yaml
set_updates "  - {name: newpack, url: feed/pack.yaml, target: updates-new.yaml, format: rules}"
slow_update
[ -f "$NEWPACK" ] && [ -s "$tmp/slowcheck.pid" ] &&
    pass "a new rule pack is checked in place" ||
    flunk "no check running on the new rule pack in place"
kill -TERM "$upid"
wait "$upid"
rc=$?
[ "$rc" -gt 128 ] && [ ! -e "$NEWPACK" ] && ! ls "$NEWPACK".?????? >/dev/null 2>&1 &&
    pass "... stopped during its check (rc $rc): it is removed, not left unchecked" ||
    flunk "SIGTERM during the check of a new rule pack: rc $rc, left: $(ls "$NEWPACK"* 2>&1)"
rm -f "$NEWPACK"

# 9. The server is down.
kill "$srv"; wait "$srv" 2>/dev/null
set_updates "$GOOD"
printf '192.0.2.201\n' >>"$tmp/feed/ips.txt"
update ips
expect "server down" 1 "ips: failed: .*Connection refused"
same "server down"

# 10. A reload that fails (here a key that changes only at restart):
# every file goes back, the daemon reloads again.
start_server
sign "$tmp/feed/ips.txt"
set_updates "$GOOD"
sed -i 's/{interface: veth0}/{interface: veth0, snaplen: 1500}/' "$tmp/canhgac.yaml"
update ips doms
expect "a failed reload" 1 "ips: failed: the reload failed .*changes only at restart.*previous version restored"
cmp -s "$IPS" "$tmp/ips.1" && cmp -s "$DOMS" "$tmp/doms.1" &&
    pass "after the failed reload the files are back" || flunk "files not restored"
check "the new list was there in between (.prev-new gone)" bash -c "! ls '$tmp' | grep -q prev-new"
set_updates "$GOOD"

# 11. A reload that does not answer within -t (the daemon stopped):
# every file goes back, as for a failed one, and it is asked again.
cp "$IPS" "$tmp/ips.2"
printf '192.0.2.202\n' >>"$tmp/feed/ips.txt"
sign "$tmp/feed/ips.txt"
kill -STOP "$dpid"
out=$(ip netns exec "${ns}a" "$CANHGACCTL" -s "$SOCK" -t 2 update \
    -c "$tmp/canhgac.yaml" --canhgacd "$CANHGACD" ips 2>&1)
rc=$?
kill -CONT "$dpid"
expect "a reload without an answer" 1 "ips: failed: the reload failed .*no answer within 2 seconds.*previous version restored"
cmp -s "$IPS" "$tmp/ips.2" && pass "after the reload without an answer the list is back" ||
    flunk "list not restored after the reload timed out"
check "the daemon answers again" "$CANHGACCTL" -s "$SOCK" status

# The list directory is the service user's to write (list add), and the
# updater runs as root: a link planted at the target is refused, and
# links at FILE.prev and FILE.prev-new are replaced, never followed.
victim=$tmp/victim
printf 'root:$6$secret-hash:19000\n' >"$victim"
chmod 600 "$victim"
vsum=$(sha256sum <"$victim")
set_updates "$GOOD"
mv "$IPS" "$tmp/ips.real"
ln -s "$victim" "$IPS"
update ips
expect "a target that is a symbolic link" 1 "ips: failed: .*not a regular file"
[ -L "$IPS" ] && [ "$(sha256sum <"$victim")" = "$vsum" ] && ! grep -q secret-hash <<<"$out" &&
    pass "... the link and its victim untouched, nothing of it shown" ||
    flunk "the target's link or its victim changed"
rm -f "$IPS"
mv "$tmp/ips.real" "$IPS"
printf '10.97.%s.77\n' "$net" >"$tmp/feed/ips.txt"
sign "$tmp/feed/ips.txt"
ln -sfn "$victim" "$IPS.prev"
ln -sfn "$victim" "$IPS.prev-new"
update ips
expect "links at FILE.prev and FILE.prev-new" 0 "ips: updated 1 entry"
[ ! -L "$IPS.prev" ] && [ -f "$IPS.prev" ] && [ ! -e "$IPS.prev-new" ] &&
    [ ! -L "$IPS.prev-new" ] && [ "$(sha256sum <"$victim")" = "$vsum" ] &&
    pass "... both replaced, the victim untouched" ||
    flunk "FILE.prev links: $(ls -l "$IPS".prev* 2>&1 | tr '\n' ' ')"

# The configuration check refuses a bad updates: section.
set_updates "  - {name: x, url: \"http://$CLI/a\", target: ioc_ips}"
out=$("$CANHGACD" -T -c "$tmp/canhgac.yaml" 2>&1)
[ $? -ne 0 ] && grep -q "url must be a file path, file://PATH or https://" <<<"$out" &&
    pass "-T refuses an http:// source" || flunk "-T http: $out"
set_updates "  - {name: x, url: feed/x, target: other/x.yaml, format: rules}"
update
expect "a rule pack outside the rules: patterns" 2 "not taken by any rules: pattern"
# A rule file the updater did not write is never replaced.
cp "$tmp/feed/pack.yaml" "$tmp/feed/x"
cp "$tmp/rules.yaml" "$tmp/rules.orig"
set_updates "  - {name: x, url: feed/x, target: rules.yaml, format: rules}"
update
expect "a rule file of a person's" 1 "x: failed: .*not written by canhgacctl update; refusing"
check "... left as it was" cmp -s "$tmp/rules.yaml" "$tmp/rules.orig"
# A rule pack that does not load, its error quoting a key that holds
# terminal escapes (YAML's "\e", "\a"): shown as '?', no control byte
# reaches the operator's terminal (before, they came as served).
printf 'rules:\n  - sid: 990\n    name: x\n    category: ioc\n    severity: low\n    message: m\n    "\\e]0;owned\\a\\e[2J\\e[31mKEY": 1\n' >"$tmp/feed/esc"
set_updates "  - {name: esc, url: feed/esc, target: updates-esc.yaml, format: rules}"
update
expect "a rule pack whose error quotes terminal escapes" 1 "esc: failed: .*unknown key \"\\?\\]0;owned\\?\\?\\[2J"
LC_ALL=C grep -q '[[:cntrl:]]' <<<"$out" && flunk "... a control byte in the output: $(cat -v <<<"$out")" ||
    pass "... no control byte in the output"
[ ! -e "$tmp/updates-esc.yaml" ] && pass "... the pack not left in place" || flunk "the pack that does not load stayed"
set_updates "  - {name: x, url: feed/x, target: nosuch}"
update
expect "an unknown asset" 2 "no asset named \"nosuch\""
set_updates "$GOOD"
ctl_finish
