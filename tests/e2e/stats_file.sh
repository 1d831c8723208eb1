#!/bin/bash
# --stats FILE (F5): counters larger than the first buffer (3,000
# exceptions with long owners) are written whole, as valid JSON; a
# statistics file that cannot be written (/dev/full) is an error and a
# non-zero exit status, not a silent empty file. And `events: -`.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
. "$top_srcdir/tests/e2e/skip_lib.sh"
[ -x "$PY" ] || skip "$PY missing"
tmp=$(mktemp -d /tmp/cg-stats.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

# One UDP packet in a classic pcap file.
$PY - "$tmp/one.pcap" <<'EOF'
import struct, sys
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + 4, 1, 0, 64, 17, 0,
                 bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
udp = struct.pack("!HHHH", 1234, 9999, 12, 0) + b"abcd"
frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1700000000, 0, len(frame), len(frame)))
    f.write(frame)
EOF
fx=$top_srcdir/tests/e2e/fixtures
cp "$fx/catalog.yaml" "$tmp/catalog.yaml" || { echo "FAIL: $fx missing"; exit 1; }
{
	cat "$fx/udp9999.rules"
	echo "exceptions:"
	for i in $(seq 3000); do
		printf '  - {sids: [42], src: 192.0.2.%d, owner: "Owner %04d %s", reason: "ticket %d", expires: 2099-12-31}\n' \
		    $((i % 250 + 1)) "$i" "$(printf 'x%.0s' $(seq 100))" "$i"
	done
} >"$tmp/rules.yaml"
cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: stats-test, catalog: catalog.yaml}
rules: [rules.yaml]
EOF

if "$CANHGACD" -c "$tmp/canhgac.yaml" -r "$tmp/one.pcap" \
    --stats "$tmp/stats.json" 2>"$tmp/err1"; then
	if $PY -c '
import json, sys
st = json.load(open(sys.argv[1]))
exc = st["rules"]["per_exception"]
assert len(exc) == 3000, len(exc)
hits = {r["sid"]: r["hits"] for r in st["rules"]["per_rule"]}
assert hits == {42: 1}, st["rules"]["per_rule"]
print("ok   %d bytes of statistics, 3000 exceptions, valid JSON" % len(open(sys.argv[1]).read()))
' "$tmp/stats.json"; then :; else
		echo "FAIL statistics file: $(head -c 200 "$tmp/stats.json")"; fail=1
	fi
else
	echo "FAIL daemon exit status $?"; cat "$tmp/err1"; fail=1
fi

if "$CANHGACD" -c "$tmp/canhgac.yaml" -r "$tmp/one.pcap" \
    --stats /dev/full 2>"$tmp/err2"; then
	echo "FAIL --stats /dev/full: exit status 0"; fail=1
elif grep -q "/dev/full: cannot write the statistics: No space left on device" "$tmp/err2"; then
	echo "ok   --stats /dev/full: $(grep /dev/full "$tmp/err2")"
else
	echo "FAIL --stats /dev/full: no error message"; cat "$tmp/err2"; fail=1
fi
# events: - in the configuration is standard output, not a file named
# after the configuration's directory.
printf 'events: "-"\n' >>"$tmp/canhgac.yaml"
n=$("$CANHGACD" -c "$tmp/canhgac.yaml" -r "$tmp/one.pcap" 2>"$tmp/err3" | grep -c '"event_type":"flow"')
[ "$n" = 1 ] && echo "ok   events: - writes the flow record to standard output" ||
    { echo "FAIL events: - gave $n flow records on standard output"; fail=1; }
if grep -qE "Sanitizer|runtime error" "$tmp/err1" "$tmp/err2" "$tmp/err3"; then
	echo "FAIL sanitizer report"; grep -A20 -E "Sanitizer|runtime error" "$tmp/err1" "$tmp/err2" | head -40; fail=1
fi
exit $fail
