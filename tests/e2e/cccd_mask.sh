#!/bin/bash
# Personal data: a capture with a different citizen-ID number in every
# string field of every record type (DNS name, HTTP host, URL and user
# agent, TLS SNI, SSH software and protocol versions, FTP/IMAP/POP3/SMTP/
# telnet user, a payload excerpt, the capture's name as in_iface; built
# by cccd_mask.py), with a rule alerting on each, among them one on
# ssh.banner. No output may carry one of the numbers in clear, and each
# field must carry its masked form (020*******34). The clear-text logins
# (FTP, IMAP, POP3, SMTP AUTH PLAIN, telnet, SNMP) carry real passwords
# and a community, and payload rules alert on every byte of them: no
# output may carry a secret at all (a payload excerpt used to); nor four
# characters in a row of HTTP credentials cut by a segment boundary at
# every position, under a payload rule alerting on every segment:
#  1. offline (-r): --events, --alerts, outputs.json, local syslog and a
#     TLS remote, both into a real syslog-ng running the shipped
#     collector configuration, the remote's spool, --stats, the log;
#  2. live on a veth pair: the status socket's ring (alerts), a follower
#     (follow), the compliance report with the sensor's evidence, and
#     the socket's other answers (list show of a list whose entry holds
#     a number, stats, hosts, baselines, status).
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
me=cccd_mask
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/syslog_lib.sh"
CANHGACCTL=${CANHGACCTL:-${top_builddir:-.}/canhgacctl}
$PY -c 'import scapy' 2>/dev/null || {
	[ "${CI:-}" = true ] && fail "python3-scapy is not installed"
	skip "python3-scapy is not installed (scripts/setup.sh installs it)"; }
sl_init

ids=$TMP/ids.json
secrets=$TMP/secrets.json
cut_ids=$TMP/cut-ids.json
cut_secrets=$TMP/cut-secrets.json
pcap=$TMP/capture-051123456714.pcap	# in_iface is the capture's name
$PY "$top_srcdir/tests/e2e/cccd_mask.py" "$pcap" "$ids" "$secrets" "$cut_ids" \
	"$cut_secrets" ||
	fail "cannot build the capture"

cat >"$TMP/rules.yaml" <<'EOF'
rules:
  - sid: 9300001
    name: DNS name looked up
    category: dns
    severity: info
    level: 1
    controls: [NET.IDS]
    match: {dns.query: {regex: "."}}
    message: "{src_ip} looked up {dns.rrname}"
    advice: "Tra cứu {rrname}"
  - sid: 9300002
    name: HTTP request
    category: policy-violation
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {http.host: {regex: "."}}
    message: "{http.hostname} {http.url} {http.http_user_agent}"
    advice: "{hostname} {url} {user_agent}"
  - sid: 9300003
    name: TLS server name
    category: weak-crypto
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {tls.sni: {regex: "."}}
    message: "{tls.sni}"
    advice: "{sni}"
  - sid: 9300004
    name: SSH banner
    category: policy-violation
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {ssh.banner: {contains: "SSH-"}}
    message: "{ssh.banner}"
    advice: "{banner}"
  - sid: 9300005
    name: User name in clear
    category: plaintext
    severity: medium
    level: 1
    controls: [NET.IDS]
    match: {plaintext: user}
    message: "user {plaintext.user} via {plaintext.protocol}"
    # Digits of the template next to the value must not hide it.
    advice: "ref 7{user}0"
  - sid: 9300006
    name: Citizen ID in a datagram
    category: data-leak
    severity: high
    level: 1
    controls: [NET.IDS]
    match: {proto: udp, dst_port: 5514, payload: {regex: "so_cccd="}}
    message: "{src_ip} sent a citizen ID from {in_iface}"
    advice: "Check {src_ip}"
  - sid: 9300007
    name: Any byte to a login service
    category: plaintext
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {proto: tcp, dst_port: [21, 23, 110, 143, 389, 587], payload: {regex: "(?s)."}}
    message: "{src_ip} sent bytes to {dest_port}"
    advice: "Check {src_ip}"
  - sid: 9300009
    name: Citizen ID field in a stream
    category: data-leak
    severity: high
    level: 1
    controls: [NET.IDS]
    match: {proto: tcp, dst_port: 9999, payload: {regex: "so_cccd="}}
    message: "{src_ip} sent a citizen ID field"
    advice: "Check {src_ip}"
  - sid: 9300010
    name: Leak marker in a stream
    category: data-leak
    severity: high
    level: 1
    controls: [NET.IDS]
    match: {proto: tcp, dst_port: 9999, payload: {regex: "leak=1"}}
    message: "{src_ip} sent a leak marker"
    advice: "Check {src_ip}"
  - sid: 9300011
    name: HTTP credentials sent
    category: plaintext
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {proto: tcp, dst_port: 80, payload: {regex: "Authorization: Basic"}}
    message: "{src_ip} sent HTTP credentials"
    advice: "Check {src_ip}"
  - sid: 9300012
    name: Any byte to a web port
    category: policy-violation
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {proto: tcp, dst_port: [8080, 8081], payload: {regex: "(?s)."}}
    message: "{src_ip} sent bytes to {dest_port}"
    advice: "Check {src_ip}"
  # A match cut by a segment boundary: its excerpt begins with the bytes
  # carried from the segment before, inside the credentials.
  - sid: 9300013
    name: Credentials in a URL, or a long base64 run
    category: plaintext
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {proto: tcp, dst_port: [8080, 8081], payload: {regex: "://[^/@ ]+:[^/@ ]+@|[A-Za-z0-9+/]{16}"}}
    message: "{src_ip} sent credentials to {dest_port}"
    advice: "Check {src_ip}"
  - sid: 9300008
    name: Any SNMP request
    category: plaintext
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {proto: udp, dst_port: 161, payload: {regex: "(?s)."}}
    message: "{src_ip} sent an SNMP request"
    advice: "Check {src_ip}"
EOF

# found WHAT JSON FILE...: 1 if a value of JSON's map is in a file, each
# such place told.
found() {
	local what=$1 json=$2 f v hit=0
	shift 2
	for v in $($PY -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).values()))' "$json"); do
		for f in "$@"; do
			if grep -rqaF -- "$v" "$f"; then
				info "$what: $v in clear in $f: $(grep -raF -m1 -- "$v" "$f" | cut -c1-300)"
				hit=1
			fi
		done
	done
	return $hit
}

# check_clear WHAT FILE...: no planted number in clear, and no password or
# community at all, in any file.
check_clear() {
	local what=$1
	shift
	found "$what" "$ids" "$@" || fail "$what: citizen-ID numbers in clear"
	found "$what" "$secrets" "$@" || fail "$what: a password or community written"
}

# ---------------------------------------------------------------- offline
sl_certs "$TMP/certs"
port=$(sl_port)
sl_collector_conf "$TMP/c" "$port"
sl_collector_start "$TMP/c"
sl_sensor_conf "$TMP/sensor.yaml" sensor-cccd "  json: {path: $TMP/alerts.json}
  syslog: {facility: local4, socket: $TMP/c/local.sock}
  remote:
    - {host: 127.0.0.1, port: $port, transport: tls, ca: $TMP/certs/ca.pem,
       spool: $TMP/spool, drain_timeout: 20s}"
"$CANHGACD" -c "$TMP/sensor.yaml" -r "$pcap" --events "$TMP/events.json" \
	--alerts "$TMP/alerts-stdout.json" --stats "$TMP/stats.json" \
	2>"$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "canhgacd failed"; }
n=$(wc -l <"$TMP/alerts.json")
[ "$n" -gt 0 ] || fail "no alerts"
sl_wait_lines "$TMP/c/out/sensor-cccd.json" "$n" 20 ||
	fail "remote: $(wc -l <"$TMP/c/out/sensor-cccd.json" 2>/dev/null) of $n at the collector"
sl_wait_lines "$TMP/c/out/local/sensor-cccd.json" "$n" 20 ||
	fail "local syslog: $(wc -l <"$TMP/c/out/local/sensor-cccd.json" 2>/dev/null) of $n at the collector"
sleep 0.5
! grep -qE 'runtime error|Sanitizer' "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; fail "sanitizer report"; }
check_clear offline "$TMP/events.json" "$TMP/alerts.json" "$TMP/alerts-stdout.json" \
	"$TMP/c/out" "$TMP/spool" "$TMP/stats.json" "$TMP/daemon.log"

# Each field carries its number masked, in each output.
top_srcdir=$top_srcdir $PY - "$ids" "$TMP" <<'PYEOF' || fail "a field is not masked as 020*******34"
import json, os, sys
sys.path.insert(0, os.environ['top_srcdir'] + '/tests/e2e')
from syslog_fields import flat
ids, tmp = json.load(open(sys.argv[1])), sys.argv[2]
def masked(k):
    return ids[k][:3] + '*' * 7 + ids[k][10:]
def load(path):
    recs = []
    for l in open(path):
        j = json.loads(l)
        recs.append(flat(j))
        # DNS's questions and answers are arrays of objects.
        for a in ('queries', 'answers'):
            if a in j.get('dns', {}):
                for f in ('rrname', 'rdata'):
                    recs[-1]['dns.%s.%s' % (a, f)] = ','.join(
                        q.get(f, '') for q in j['dns'][a])
    return recs
bad = []
def want(recs, what, key, k, pred=lambda r: True):
    """Some record of recs (pred) has key containing id k masked."""
    vals = [r.get(key, '') for r in recs if pred(r)]
    if not any(masked(k) in v for v in vals):
        bad.append('%s: %s: no %s in %r' % (what, key, masked(k), vals[:4]))
plain = {'ftp.user': 'ftp', 'imap.user': 'imap', 'pop3.user': 'pop3',
         'smtp.user': 'smtp', 'telnet.user': 'telnet'}
ev = load(tmp + '/events.json')
typ = lambda t: lambda r: r['event_type'] == t
for rt in ('request', 'response'):
    want(ev, 'events dns ' + rt, 'dns.queries.rrname', 'dns.rrname',
         lambda r: r['event_type'] == 'dns' and r['dns.type'] == rt)
want(ev, 'events dns response', 'dns.answers.rrname', 'dns.rrname',
     lambda r: r['event_type'] == 'dns' and r['dns.type'] == 'response')
want(ev, 'events dns', 'dns.queries.rrname', 'dns.rrname.escaped', typ('dns'))
for f in ('hostname', 'url', 'http_user_agent'):
    want(ev, 'events', 'http.' + f, 'http.' + f, typ('http'))
want(ev, 'events', 'tls.sni', 'tls.sni', typ('tls'))
want(ev, 'events', 'ssh.client.software_version', 'ssh.client.software_version')
want(ev, 'events', 'ssh.server.proto_version', 'ssh.server.proto_version')
want(ev, 'events', 'ssh.server.software_version', 'ssh.server.software_version')
for k, proto in plain.items():
    want(ev, 'events ' + proto, 'plaintext.user', k,
         lambda r, p=proto: r.get('plaintext.protocol') == p)
want(ev, 'events', 'in_iface', 'in_iface')
# A proxy's URL keeps its user, its password starred.
if not any(r.get('http.url', '').startswith('http://alice:***@intra.')
           for r in ev):
    bad.append('events: no http.url with its password starred')
if not any(r.get('http.url', '').startswith('http://bob:***@intra.')
           for r in ev):
    bad.append('events: no http.url with its 3-character password starred')
outputs = {'alerts.json': load(tmp + '/alerts.json'),
           '--alerts': load(tmp + '/alerts-stdout.json'),
           'remote syslog': load(tmp + '/c/out/sensor-cccd.json'),
           'local syslog': load(tmp + '/c/out/local/sensor-cccd.json')}
for what, al in outputs.items():
    sid = lambda s: lambda r: r.get('alert.signature_id') == str(s)
    want(al, what, 'dns.rrname', 'dns.rrname', sid(9300001))
    want(al, what, 'dns.rrname', 'dns.rrname.escaped', sid(9300001))
    if 'syslog' not in what:
        want(al, what, 'dns.queries.rrname', 'dns.rrname', sid(9300001))
    want(al, what, 'alert.message', 'dns.rrname', sid(9300001))
    want(al, what, 'alert.advice', 'dns.rrname', sid(9300001))
    for f in ('hostname', 'url', 'http_user_agent'):
        want(al, what, 'http.' + f, 'http.' + f, sid(9300002))
        want(al, what, 'alert.message', 'http.' + f, sid(9300002))
        want(al, what, 'alert.advice', 'http.' + f, sid(9300002))
    want(al, what, 'tls.sni', 'tls.sni', sid(9300003))
    want(al, what, 'alert.message', 'tls.sni', sid(9300003))
    # The alert on ssh.banner: both sides' fields and the banner text.
    want(al, what, 'ssh.client.software_version',
         'ssh.client.software_version', sid(9300004))
    want(al, what, 'ssh.server.proto_version', 'ssh.server.proto_version',
         sid(9300004))
    want(al, what, 'ssh.server.software_version',
         'ssh.server.software_version', sid(9300004))
    for k in ('ssh.server.proto_version', 'ssh.server.software_version',
              'ssh.client.software_version'):
        want(al, what, 'alert.message', k, sid(9300004))
        want(al, what, 'alert.advice', k, sid(9300004))
    for k, proto in plain.items():
        p = lambda r, p=proto: r.get('plaintext.protocol') == p
        want(al, what, 'plaintext.user', k, p)
        want(al, what, 'alert.message', k, p)
        want(al, what, 'alert.advice', k, p)
    want(al, what, 'payload_printable', 'payload_printable', sid(9300006))
    want(al, what, 'in_iface', 'in_iface', sid(9300006))
    want(al, what, 'alert.message', 'in_iface', sid(9300006))
    # The payload rules fired on every login, with no excerpt of one.
    for port in ('21', '23', '110', '143', '389', '587', '161'):
        hits = [r for r in al if r.get('alert.signature_id') in ('9300007', '9300008')
                and r.get('dest_port') == port]
        if not hits:
            bad.append('%s: no payload alert on port %s' % (what, port))
        if any('payload_printable' in r for r in hits):
            bad.append('%s: a payload excerpt of a login on port %s' % (what, port))
    # HTTP credentials: the excerpt keeps the header, not its value.
    basic = [r for r in al if r.get('alert.signature_id') == '9300011']
    if not basic or not all('Authorization: Basic ****' in
                            r.get('payload_printable', '') for r in basic):
        bad.append('%s: the Basic credentials not starred in %r' % (
            what, [r.get('payload_printable') for r in basic][:2]))
    if len(al) != len(outputs['alerts.json']):
        bad.append('%s: %d alerts, alerts.json %d' % (what, len(al),
                   len(outputs['alerts.json'])))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
# A number that a cut splits -- a field longer than the sensor keeps, a
# segment's edge -- is never whole for the writer to mask: the part kept
# is masked where it is cut. No field holds four of its digits in a row,
# and each holds its masked part: 5 digits kept of the start (080**),
# or of the end (***14).
top_srcdir=$top_srcdir $PY - "$cut_ids" "$TMP" <<'PYEOF' || fail "a number split by a cut is in clear"
import json, os, sys
sys.path.insert(0, os.environ['top_srcdir'] + '/tests/e2e')
from syslog_fields import flat
cut, tmp = json.load(open(sys.argv[1])), sys.argv[2]
bad = []
def strings(j, path=''):
    if isinstance(j, dict):
        for k, v in j.items():
            yield from strings(v, path + '.' + k if path else k)
    elif isinstance(j, list):
        for v in j:
            yield from strings(v, path)
    elif isinstance(j, str):
        yield path, j
# Written by the sensor from the clock, the flow or a hash: not fields.
skip = ('timestamp', 'start', 'end', 'community_id', 'flow_id', 'ja3.hash',
        'ja4', 'in_iface', 'src_ip', 'dest_ip')
want = {k: v[:3] + '**' for k, v in cut.items()}
want['payload_printable.segment'] = (want['payload_printable.segment'],
                                     '***' + cut['payload_printable.segment'][10:])
seen = {k: set() for k in cut}
# Where each is written (alert texts aside).
field = {'http.url': 'url', 'http.hostname': 'hostname',
         'http.http_user_agent': 'http_user_agent', 'tls.sni': 'sni',
         'dns.rrname': 'rrname', 'dns.rrname.escaped': 'rrname',
         'ssh.client.software_version':
         'software_version', 'ftp.user': 'user', 'telnet.user': 'user',
         'payload_printable.datagram': 'payload_printable',
         'payload_printable.segment': 'payload_printable'}
for f in ('events.json', 'alerts.json', 'alerts-stdout.json',
          'c/out/sensor-cccd.json', 'c/out/local/sensor-cccd.json'):
    for l in open(os.path.join(tmp, f)):
        j = json.loads(l)
        for key, v in strings(flat(j) if 'c/out' in f else j):
            if key.split('.')[-1] in skip or key in skip:
                continue
            for k, num in cut.items():
                if any(num[i:i + 4] in v for i in range(9)):
                    bad.append('%s: %s: %s in clear: %s' % (f, key, k, v[-80:]))
                w = want[k] if isinstance(want[k], tuple) else (want[k],)
                for m in w:
                    if m in v and key.endswith(field[k]):
                        seen[k].add((f, m))
for k, w in want.items():
    for m in (w if isinstance(w, tuple) else (w,)):
        if not any(x[1] == m for x in seen[k]):
            bad.append('%s: %s in no output' % (k, m))
for b in bad[:20]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
# HTTP credentials cut by segment boundaries (cccd_mask.py): every
# segment alerts with its excerpt, and no output holds four characters
# in a row of the Basic credentials or the URL's password -- before,
# the segment after the cut showed their rest in clear.
top_srcdir=$top_srcdir $PY - "$cut_secrets" "$TMP" <<'PYEOF' || fail "credentials cut by a segment boundary in clear"
import json, os, sys
sys.path.insert(0, os.environ['top_srcdir'] + '/tests/e2e')
from syslog_fields import flat
sec, tmp = json.load(open(sys.argv[1])), sys.argv[2]
grams = {v[i:i + 4]: k for k, v in sec.items() for i in range(len(v) - 3)}
# Written by the sensor from the clock, the flow or a hash: not fields.
skip = ('timestamp', 'start', 'end', 'community_id', 'flow_id', 'ja3.hash',
        'ja4')
bad, excerpts = [], {'8080': 0, '8081': 0}
for f in ('events.json', 'alerts.json', 'alerts-stdout.json',
          'c/out/sensor-cccd.json', 'c/out/local/sensor-cccd.json'):
    for l in open(os.path.join(tmp, f)):
        j = flat(json.loads(l))
        if '8080' not in (j.get('dest_port'), j.get('src_port')) and \
           '8081' not in (j.get('dest_port'), j.get('src_port')):
            continue
        if f == 'alerts.json' and j.get('alert.signature_id') == '9300012' \
           and j.get('payload_printable'):
            excerpts[j['dest_port']] += 1
        for key, v in j.items():
            if key.split('.')[-1] in skip or not isinstance(v, str):
                continue
            for g, k in grams.items():
                if g in v:
                    bad.append('%s: %s: %s of %s in clear: %r' % (
                        f, key, g, k, v[:160]))
                    break
for port, n in excerpts.items():
    # 4 places cut at every position (2 segments), 1 a byte a segment.
    if n < 100:
        bad.append('port %s: %d excerpts of alerts on every segment' % (port, n))
for b in bad[:20]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
info "offline: $n alerts; events, alerts, local and remote syslog masked"

# The daemon's own words quote what they refuse or show: a list line it
# refuses (-T and a start print the loader's error), an exception's owner
# and reason in the offline compliance report (text, JSON, HTML). Masked
# as every record is: before, each carried the number in clear.
MSGID=056123456718
OWNID=054123456719
printf 'bad..%s.example\n' "$MSGID" >"$TMP/bad-domains.txt"
cat >"$TMP/words.yaml" <<EOF
sensor: {name: sensor-words, security_level: 5, timezone: Asia/Ho_Chi_Minh,
         catalog: $top_srcdir/rules/controls-tcvn11930.yaml}
assets:
  ioc_domains: {file: $TMP/bad-domains.txt, type: domain}
rules: [$TMP/rules.yaml]
EOF
"$CANHGACD" -T -c "$TMP/words.yaml" >"$TMP/words-T.out" 2>&1 &&
	fail "-T took a list with a bad line"
grep -qF "bad..056*******18.example" "$TMP/words-T.out" ||
	fail "-T: the refused line is not quoted masked: $(cat "$TMP/words-T.out")"
printf 'ok.example\n' >"$TMP/bad-domains.txt"
cat >>"$TMP/words.yaml" <<EOF
exceptions:
  - sids: [9300001]
    src: 10.20.9.66
    owner: "Nguyen Van A (CCCD $OWNID)"
    reason: "approved by $MSGID"
    expires: 2030-06-30
EOF
for f in text json html; do
	"$CANHGACD" -c "$TMP/words.yaml" --compliance --format "$f" \
	    >"$TMP/words-report.$f" 2>&1 || fail "offline --compliance --format $f failed"
	grep -qF "054*******19" "$TMP/words-report.$f" ||
		fail "offline report ($f): the exception's owner is not shown masked"
done
check_clear words "$TMP/words-T.out" "$TMP"/words-report.*
for v in "$MSGID" "$OWNID"; do
	! grep -qF "$v" "$TMP/words-T.out" "$TMP"/words-report.* ||
		fail "the daemon's words hold $v in clear"
done
info "offline: -T's error and the offline compliance report masked"

# ---------------------------------------------------------------- live
sl_need_root
command -v tcpreplay >/dev/null || fail "tcpreplay not installed (scripts/setup.sh)"
[ -x "$CANHGACCTL" ] || fail "no canhgacctl at $CANHGACCTL"
ns=cgmask$$
cleanup_ns() { ip netns del "${ns}a" 2>/dev/null; ip netns del "${ns}b" 2>/dev/null; sl_cleanup; }
trap cleanup_ns EXIT
ip netns add "${ns}a" && ip netns add "${ns}b" || fail "cannot create namespaces"
ip link add veth0 netns "${ns}a" type veth peer name veth1 netns "${ns}b" ||
	fail "cannot create the veth pair"
ip -n "${ns}a" link set veth0 up
ip -n "${ns}b" link set veth1 up
# An indicator list whose entry holds a number: the socket's answers
# about it (list show, stats) are masked as every record is.
LISTED=052123456716
printf '%s.example\n' "$LISTED" >"$TMP/ioc-domains.txt"
cat >"$TMP/live.yaml" <<EOF
sensor: {name: sensor-live, security_level: 5, timezone: Asia/Ho_Chi_Minh,
         catalog: $top_srcdir/rules/controls-tcvn11930.yaml}
capture:
  - {interface: veth0}
assets:
  ioc_domains: {file: $TMP/ioc-domains.txt, type: domain}
rules: [$TMP/rules.yaml]
outputs:
  json: {path: $TMP/live-alerts.json}
  status: {socket: $TMP/ctl.sock, mode: "0660", group: root}
EOF
ip netns exec "${ns}a" "$CANHGACD" -v -c "$TMP/live.yaml" \
	--events "$TMP/live-events.json" 2>"$TMP/live.log" &
dpid=$!
SL_PIDS="$SL_PIDS $dpid"
for _ in $(seq 50); do grep -q "running on" "$TMP/live.log" && break; sleep 0.1; done
grep -q "running on" "$TMP/live.log" || { cat "$TMP/live.log" >&2; fail "live daemon did not start"; }
"$CANHGACCTL" -s "$TMP/ctl.sock" --json follow >"$TMP/follow.json" 2>"$TMP/follow.err" &
SL_PIDS="$SL_PIDS $!"
sleep 0.5
ip netns exec "${ns}b" tcpreplay -q -i veth1 --pps 500 "$pcap" >"$TMP/replay.log" 2>&1 ||
	{ cat "$TMP/replay.log" >&2; fail "tcpreplay failed"; }
sl_wait_lines "$TMP/live-alerts.json" "$n" 20 ||
	fail "live: $(wc -l <"$TMP/live-alerts.json") of $n alerts"
sl_wait_lines "$TMP/follow.json" $((n + 1)) 10 ||
	fail "follow: $(wc -l <"$TMP/follow.json") of $n alerts"
"$CANHGACCTL" -s "$TMP/ctl.sock" --json alerts --limit 1000 >"$TMP/ring.json" ||
	fail "canhgacctl alerts failed"
"$CANHGACCTL" -s "$TMP/ctl.sock" compliance --format json -o "$TMP/compliance.json" ||
	fail "canhgacctl compliance failed"
for q in "list show ioc_domains" "--json list show ioc_domains" "--json stats" \
    "--json hosts" "--json baselines" "--json status"; do
	# shellcheck disable=SC2086
	"$CANHGACCTL" -s "$TMP/ctl.sock" $q >>"$TMP/answers.txt" 2>&1 ||
		fail "canhgacctl $q failed"
done
grep -qF "052*******16.example" "$TMP/answers.txt" ||
	fail "list show: the listed number is not shown masked: $(grep -m1 example "$TMP/answers.txt")"
! grep -qF "$LISTED" "$TMP/answers.txt" ||
	fail "a socket answer holds $LISTED in clear: $(grep -m1 -F "$LISTED" "$TMP/answers.txt" | cut -c1-300)"
"$CANHGACCTL" -s "$TMP/ctl.sock" shutdown >/dev/null || fail "shutdown"
for _ in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
wait "$dpid" || fail "live daemon exit status $?"
! grep -qE 'runtime error|Sanitizer' "$TMP/live.log" || { cat "$TMP/live.log" >&2; fail "sanitizer report"; }
check_clear live "$TMP/follow.json" "$TMP/ring.json" "$TMP/compliance.json" \
	"$TMP/live-alerts.json" "$TMP/live-events.json" "$TMP/live.log" \
	"$TMP/answers.txt"
for f in follow.json ring.json; do
	$PY - "$ids" "$TMP/$f" <<'PYEOF' || fail "$f: a field is not masked"
import json, sys
ids = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
miss = [k for k in ids if k != 'in_iface' and
        ids[k][:3] + '*' * 7 + ids[k][10:] not in text]
if miss:
    print(sys.argv[2], 'lacks the masked', miss, file=sys.stderr)
    sys.exit(1)
PYEOF
done
echo "$me: PASS" >&2
