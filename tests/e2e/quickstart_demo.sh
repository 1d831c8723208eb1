#!/bin/bash
# scripts/quickstart.sh --no-setup in a private mount namespace whose
# /var/log is an empty tmpfs: the demo runs, its alerts are in its scratch
# folder (QUICKSTART_DIR), and it writes nothing under /var/log (the demo
# alerts, dated when the capture was made, once went to the real
# /var/log/canhgac/alerts.json).
# Exit: 0 pass, 1 fail, 77 skip (not root, no unshare or scapy; a failure
# under CI=true).
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
me=quickstart_demo.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root for a private mount namespace"
command -v unshare >/dev/null || skip "unshare missing (util-linux)"
/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
    skip "python3-scapy missing (scripts/make-demo-pcap.py needs it)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-quickstart.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/demo"
unshare -m --propagation private bash -c '
	mount -t tmpfs cg-quickstart /var/log || exit 1
	QUICKSTART_DIR=$1/demo CANHGACD=$2 "$3/scripts/quickstart.sh" \
	    --no-setup >"$1/out.txt" 2>&1
	echo $? >"$1/rc"
	find /var/log -mindepth 1 >"$1/varlog.txt"
' _ "$tmp" "$CANHGACD" "$top_srcdir" ||
    { echo "FAIL: cannot mount a tmpfs on /var/log in a mount namespace"; exit 1; }

fail=0
rc=$(cat "$tmp/rc")
if [ "$rc" -eq 0 ]; then
	echo "ok   quickstart.sh --no-setup exits 0"
else
	sed 's/^/    /' "$tmp/out.txt"
	echo "FAIL quickstart.sh --no-setup: exit $rc"
	fail=1
fi
if [ -s "$tmp/varlog.txt" ]; then
	echo "FAIL quickstart wrote under /var/log:"
	sed 's/^/    /' "$tmp/varlog.txt"
	fail=1
else
	echo "ok   nothing written under /var/log"
fi
n=$(/usr/bin/python3 - "$tmp/demo/alerts.json" <<'PY'
import json, sys
try:
    recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
except (OSError, ValueError) as e:
    print(0, e)
    sys.exit(0)
print(sum(1 for r in recs if r.get("event_type") == "alert"))
PY
)
if [ "${n%% *}" -gt 0 ] && grep -q "alerts ($tmp/demo/alerts.json)" "$tmp/out.txt"; then
	echo "ok   $n demo alerts in QUICKSTART_DIR/alerts.json, shown"
else
	echo "FAIL no demo alerts in $tmp/demo/alerts.json ($n)"
	fail=1
fi
exit $fail
