#!/bin/bash
# tls_certs.sh — the server certificates canhgacd reads (TLS 1.0-1.2)
# agree with tshark's X.509 dissection: fingerprint (SHA-256), subject,
# issuer and validity (tls_certs_compare.py), on every capture of
# tests/corpus/real and of the larger corpus when present
# (CANHGAC_CORPUS, default ../shared/corpus), and on captures made from
# the rule cases' openssl certificates, their server flight cut into
# 100-byte records sent 37 bytes a segment and into 60-byte records.
# At least one certificate must have been compared from the corpus and
# every generated capture must give its certificate.
# Needs tshark and python3-scapy: skips without, fails under CI=true.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
me=tls_certs.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
command -v tshark >/dev/null || skip "tshark not installed (scripts/setup.sh)"
$PY -c 'import scapy' 2>/dev/null || skip "python3-scapy not installed"
[ -d "$top_srcdir/tests/corpus/real" ] || skip "tests/corpus/real not found"
corpus=${CANHGAC_CORPUS-$top_srcdir/../shared/corpus}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-tlscerts.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 total=0 i=0

check() {	# capture [expected certificates at least]
	local out n
	i=$((i + 1))
	rm -f "$tmp/ev$i.json"
	"$CANHGACD" -c "$top_srcdir/tests/rules/canhgac-test.yaml" -r "$1" \
	    --events "$tmp/ev$i.json" -A /dev/null >"$tmp/run.log" 2>&1
	[ -f "$tmp/ev$i.json" ] || : >"$tmp/ev$i.json"
	out=$($PY "$top_srcdir/tests/e2e/tls_certs_compare.py" "$1" \
	    "$tmp/ev$i.json")
	n=$(sed -n 's/^ok (\([0-9]*\) certificates)$/\1/p' <<<"$out")
	if [ -z "$n" ]; then
		echo "FAIL $(basename "$1"):"; echo "$out"; fail=1; return
	fi
	if [ "${2:-0}" -gt "$n" ]; then
		echo "FAIL $(basename "$1"): $n certificates, expected $2"
		fail=1; return
	fi
	total=$((total + n))
	[ "$n" -gt 0 ] && echo "ok   $(basename "$1"): $n certificates agree"
}

for f in "$top_srcdir"/tests/corpus/real/*.pcap* "$corpus"/real/*.pcap*; do
	[ -f "$f" ] || continue
	case $f in *.test.yaml) continue ;; esac
	check "$f"
done
[ "$total" -gt 0 ] || { echo "FAIL: no certificate compared in the corpus"; fail=1; }
echo "ok   corpus: $total certificates agree with tshark"

# The rule cases' certificates, cut every way the cases cut them.
for c in "1001302 pos 1" "1001310 pos 1" "1001305 pos 0" "1001305 neg 1" \
    "1001304 pos 0" "1001306 pos 0"; do
	set -- $c
	$PY "$top_srcdir/tests/rules/cases.py" "$1" "$2" "$3" "$tmp/case.pcap" >/dev/null ||
	    { echo "FAIL cases.py $c"; fail=1; continue; }
	cp "$tmp/case.pcap" "$tmp/case-$1-$2-$3.pcap"
	check "$tmp/case-$1-$2-$3.pcap" 1
done
exit $fail
