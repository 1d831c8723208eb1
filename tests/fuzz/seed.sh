#!/bin/bash
# seed.sh TARGET DIR — build the seed corpus of a fuzz target in DIR from
# the source tree (configurations, rules, lists, capture generators, the
# real captures of tests/corpus), a larger capture corpus of the same layout
# if there is one and generated valid examples. Nothing here is committed:
# seeds are made at run time.
#
# Environment: top_srcdir (default: two levels up), CANHGAC_CORPUS (the
# larger corpus; default $top_srcdir/../shared/corpus, if present),
# SEED_MAX_BYTES (largest seed file kept, default 65536), top_builddir
# (flows: the rule self-test captures it built, if any).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
corpus=${CANHGAC_CORPUS:-$top_srcdir/../shared/corpus}
max=${SEED_MAX_BYTES:-65536}
PY=/usr/bin/python3
[ $# -eq 2 ] || { echo "usage: $0 TARGET DIR" >&2; exit 2; }
target=$1 dir=$2
mkdir -p "$dir" || exit 1
n=0 i=0

# put NAME [PREFIX-BYTE-OCTAL] < data: one seed (prefix: the mode byte).
put() {
	local f="$dir/$1"
	if [ $# -ge 2 ]; then
		{ printf "\\$2"; cat; } >"$f"
	else
		cat >"$f"
	fi
	if [ "$(stat -c %s "$f")" -gt "$max" ]; then rm -f "$f"; else n=$((n + 1)); fi
}

captures() {	# the real captures and the capture cases' generated ones
	local f c
	for c in "$top_srcdir/tests/corpus" "$corpus"; do
		[ -d "$c/real" ] || continue
		for f in "$c"/real/*.pcap "$c"/real/*.pcapng \
		    "$c"/community-id/*.pcap*; do
			[ -f "$f" ] && echo "$f"
		done
	done
	if $PY -c 'import scapy' 2>/dev/null; then
		for f in "$top_srcdir"/tests/pcap/*/make.py; do
			c=$(basename "$(dirname "$f")")
			$PY "$f" "$dir/.gen-$c.pcap" >/dev/null 2>&1 &&
			    echo "$dir/.gen-$c.pcap"
		done
		# ARP claims and DHCP replies (the host inventory's inputs).
		for c in "1001203 pos 0" "1001203 pos 2" "1001204 pos 0" \
		    "1001201 pos 1"; do
			set -- $c
			$PY "$top_srcdir/tests/rules/cases.py" $c \
			    "$dir/.gen-rule-$1-$3.pcap" >/dev/null 2>&1 &&
			    echo "$dir/.gen-rule-$1-$3.pcap"
		done
	fi
}

case $target in
list)
	for f in "$top_srcdir"/etc/lists/*.txt "$top_srcdir"/tests/config/*.list; do
		[ -f "$f" ] && put "$(basename "$f")" <"$f"
	done
	printf '10.0.0.0/8\n192.168.1.7\n# comment\n  172.16.0.0/12  # lab\r\n\nfd00::/8\n::1\n2001:db8::/32\n0.0.0.0/0\n' | put gen-ips
	printf 'example.com\n*.evil.example.\nXN--80AK6AA92E.com # idn\r\n\nlocalhost\na.b.c.d.e.f\n' | put gen-domains
	;;
update)
	# Mode byte 0 plain, 1 csv, 2 misp; then the column/header byte.
	for f in "$top_srcdir"/etc/lists/ioc-*.txt; do
		[ -f "$f" ] && put "plain-$(basename "$f")" 000 < <(printf '\001'; cat "$f")
	done
	printf '\021first_seen,ip,"note"\r\n2025-01-01,192.0.2.1,"a, ""b"""\r\n# c,d\r\n\r\n"x\ny",198.51.100.0/24\n' | put csv 001
	printf '\000192.0.2.7\n203.0.113.5|8080\nevil.example|192.0.2.9\n\n' | put misp 002
	;;
config)
	# Mode byte 0: a whole configuration; 1: a rule file under a fixed one.
	for f in "$top_srcdir"/etc/canhgac.yaml "$top_srcdir"/tests/config/*.yaml \
	    "$top_srcdir"/tests/rules/canhgac-test.yaml "$top_srcdir"/tests/pcap/*/canhgac.yaml \
	    "$top_srcdir"/tests/e2e/syslog_rules.yaml; do
		[ -f "$f" ] && put "c-$(basename "$(dirname "$f")")-$(basename "$f")" 000 <"$f"
	done
	for f in "$top_srcdir"/rules/*.yaml "$top_srcdir"/tests/config/*.rules; do
		case $f in */controls-*) continue ;; esac
		[ -f "$f" ] && put "r-$(basename "$f")" 001 <"$f"
	done
	;;
control)
	for r in '{"cmd":"version"}' '{"cmd":"status"}' '{"cmd":"stats"}' \
	    '{"cmd":"alerts"}' '{"cmd":"alerts","severity":"high","category":"scan","sid":1000001,"since":0,"limit":5}' \
	    '{"cmd":"follow","severity":"low"}' '{"cmd":"rules"}' '{"cmd":"rules","active":true}' \
	    '{"cmd":"exceptions"}' '{"cmd":"hosts"}' '{"cmd":"hosts","new":true,"limit":5}' '{"cmd":"list","op":"show","name":"ioc_ips","offset":0,"limit":10}' \
	    '{"cmd":"list","op":"add","name":"ioc_ips","entries":["192.0.2.1","198.51.100.0/24"]}' \
	    '{"cmd":"list","op":"remove","name":"ioc_ips","entries":["203.0.113.66"]}' \
	    '{"cmd":"list","op":"add","name":"ioc_domains","entries":["evil.example","*.bad.example"]}' \
	    '{"cmd":"list","op":"show","name":"ioc_domains"}' '{"cmd":"reload"}' \
	    '{"cmd":"compliance"}' '{"cmd":"compliance","level":5}' '{"cmd":"shutdown"}'; do
		i=$((i + 1))
		printf '\000%s\n' "$r" | put "req-$i"
		printf '\001%s\n{"cmd":"status"}\n' "$r" | put "admin-$i"
	done
	printf '\001{"cmd":"version"}\r\n\n{"cmd":"stats"}\n{"cmd":"alerts","limit":1}\n' | put multi
	;;
pcap)
	captures | while read -r f; do put "$(basename "$f")" <"$f"; done
	n=$(find "$dir" -maxdepth 1 -type f ! -name '.*' | wc -l)
	rm -f "$dir"/.gen-*
	;;
decode)
	# One frame a seed: a byte naming the link type, then the frame.
	captures | $PY -c '
import sys, struct, os
dlts = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7}
out, n = sys.argv[1], 0
def pcap(b):
	e = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
	lt = struct.unpack(e + "I", b[20:24])[0] & 0xffff
	o = 24
	while o + 16 <= len(b):
		cl = struct.unpack(e + "I", b[o + 8:o + 12])[0]
		yield lt, b[o + 16:o + 16 + cl]
		o += 16 + cl
def pcapng(b):
	e, lts, o = "<", [], 0
	while o + 12 <= len(b):
		t = struct.unpack(e + "I", b[o:o + 4])[0]
		if t == 0x0a0d0d0a:
			e = "<" if b[o + 8:o + 12] == b"\x4d\x3c\x2b\x1a" else ">"
			t, lts = 0x0a0d0d0a, []
		ln = struct.unpack(e + "I", b[o + 4:o + 8])[0]
		if ln < 12:
			return
		if t == 1:
			lts.append(struct.unpack(e + "H", b[o + 8:o + 10])[0])
		elif t == 6 and o + 28 <= len(b):
			i, cl = struct.unpack(e + "I", b[o + 8:o + 12])[0], struct.unpack(e + "I", b[o + 20:o + 24])[0]
			if i < len(lts):
				yield lts[i], b[o + 28:o + 28 + cl]
		o += ln
for path in sys.stdin.read().split():
	b = open(path, "rb").read()
	try:
		gen = pcapng(b) if b[:4] == b"\x0a\x0d\x0d\x0a" else pcap(b)
		k = 0
		for lt, fr in gen:
			if lt not in dlts or k >= 200:
				continue
			k += 1
			n += 1
			open(os.path.join(out, "f%06d" % n), "wb").write(bytes([dlts[lt]]) + fr)
	except Exception as ex:
		pass
print(n)
' "$dir" >/dev/null
	rm -f "$dir"/.gen-*
	n=$(find "$dir" -maxdepth 1 -type f | wc -l)
	;;
tlscert)
	# The rule cases' certificates: each as a DER (mode 1) and as a
	# server flight (ServerHello, Certificate, ServerHelloDone) in
	# 100-byte records fed 37 bytes at a time (mode 72 = 36 << 1).
	for f in "$top_srcdir"/tests/rules/certs/*.pem; do
		b=$(basename "$f" .pem)
		openssl x509 -in "$f" -outform DER 2>/dev/null | put "der-$b" 001
		$PY -c '
import struct, sys
sys.path.insert(0, sys.argv[1])
from rulelib import server_flight, cert_der
sys.stdout.buffer.write(server_flight([cert_der(sys.argv[2]), cert_der("ca")], 0xc02f, 100))
' "$top_srcdir/tests/rules" "$b" 2>/dev/null | put "flight-$b" 110
	done
	;;
quic)
	# tests/e2e/quic.py's hellos: mode 1 (sealed here), as plaintext
	# CRYPTO frames, whole and split over two Initials; mode 0, the
	# datagrams of its captures as they are.
	$PY - "$top_srcdir/tests/e2e" "$dir" <<'PY' 2>/dev/null
import os, struct, sys
sys.path.insert(0, sys.argv[1])
from quic import client_hello, crypto, main
out = sys.argv[2]
def put(name, mode, grams):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([mode]) + b"".join(struct.pack("!H", len(g)) + g
                                         for g in grams))
h = client_hello("seed.quic-test.example")
put("hello-v1", 1, [crypto(h, 0, len(h))])
put("hello-v2", 3, [b"\x01" + crypto(h, 0, len(h))])
b = client_hello("big.quic-test.example", big_share=True)
put("split", 1, [crypto(b, 1200, len(b)), b"\x02\x00\x00\x00\x00" +
                 crypto(b, 0, 1200)])
main(out)
from scapy.all import rdpcap, UDP
for p in ("quic", "garbage"):
    put("cap-" + p, 0, [bytes(x[UDP].payload)
                        for x in rdpcap(os.path.join(out, p + ".pcap"))])
    os.unlink(os.path.join(out, p + ".pcap"))
PY
	;;
flows)
	# Conversations in fuzz_flows' records, from the real captures and
	# those flows_seed.py makes (the build's rule self-test cases if made).
	for c in "$top_srcdir/tests/corpus" "$corpus"; do
		[ -d "$c/real" ] && ls "$c"/real/*.pcap "$c"/real/*.pcapng \
		    "$c"/community-id/*.pcap 2>/dev/null
	done | SELFTEST=${top_builddir:+$top_builddir/rules/selftest} xargs \
	    $PY "$top_srcdir/tests/fuzz/flows_seed.py" "$top_srcdir" "$dir" \
	    >/dev/null
	;;
*)
	echo "seed.sh: unknown target $target" >&2; exit 2 ;;
esac
echo "seed.sh: $target: $(find "$dir" -maxdepth 1 -type f ! -name '.*' | wc -l) seeds in $dir"
