#!/bin/bash
# The status socket's ring of recent alerts (control.c: the lines one
# after another in 4 MiB allocated once) when alerts are large enough to
# wrap it by bytes, not by count: 1,600 DNS lookups of 241-character
# names, each alerting with the name sixteen times over (about 5 KB a
# line, 8 MB in all). Then `canhgacctl alerts`:
#  - every line it gives is whole JSON (a line written over, or one that
#    wrapped past the buffer's end, would not parse);
#  - they are the newest alerts, oldest first, with no gap: the names'
#    sequence numbers run up to the last lookup sent;
#  - after 800 (4 MB), all of them; after 1,600, fewer than the 1,024
#    the count allows (the bytes bound), about 4 MiB of them
#    (re-encoded: within 1 %), and at least 4 MiB less two lines (no
#    line is dropped while it still fits);
#  - a follower (`canhgacctl follow`) attached before the second batch
#    gets each of its alerts, whole.
rules_dir=$(mktemp -d /tmp/cg-control-ring-rules.XXXXXX)
chmod 755 "$rules_dir"
cat >"$rules_dir/big.yaml" <<'EOF'
rules:
  - sid: 70
    name: DNS lookup of a long name
    category: dns
    severity: info
    level: 1
    controls: [NET.IDS]
    match:
      app: dns
      dns.query: {regex: '^q[0-9]+x'}
    message: "{dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname}"
    advice: "{dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname} {dns.rrname}"
EOF
CTL_RULES_EXTRA=$rules_dir/big.yaml
. "${top_srcdir:?}/tests/e2e/control_lib.sh"
cleanup_hooks+=('rm -rf "$rules_dir"')

ctl_setup cring

# lookups FIRST COUNT: DNS queries for q<N>x<padding>.example, N from FIRST.
lookups() {
	ip netns exec "${ns}b" $PY -c 'import socket, struct, sys, time
first, count, srv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in range(first, first + count):
    label = ("q%06dx" % n).ljust(60, "a")
    name = [label, "b" * 60, "c" * 60, "d" * 50, "example"]
    q = struct.pack(">HHHHHH", n & 0xffff, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name) + b"\0"
    q += struct.pack(">HH", 1, 1)
    s.sendto(q, (srv, 53))
    # 10 alerts (47 KB) at a time: a loop a few bursts behind must not
    # queue the follower past its 256 KiB and cut it off.
    if n % 10 == 9:
        time.sleep(0.02)' "$1" "$2" "$SRV"
}
# ring_check LAST FIRST: the ring as canhgacctl gives it, judged; FIRST
# is the oldest lookup it must hold, or "wrapped" for the bytes bound.
ring_check() {
	ctl --json alerts --sid 70 --limit 1024 >"$tmp/ring.json" ||
	    { echo "canhgacctl alerts failed"; return 1; }
	$PY - "$1" "$2" "$tmp/ring.json" <<'EOF'
import json, re, sys
last, first = int(sys.argv[1]), sys.argv[2]
d = json.load(open(sys.argv[3]))
al = d["alerts"]
seq = []
for a in al:
    m = re.match(r"q(\d+)x", a["dns"]["rrname"])
    seq.append(int(m.group(1)))
size = sum(len(json.dumps(a, ensure_ascii=False, separators=(",", ":"))) for a in al)
print("n=%d first=%d last=%d bytes=%d" % (len(al), seq[0], seq[-1], size))
assert seq == list(range(seq[0], seq[0] + len(seq))), "gap or order"
assert seq[-1] == last, "newest is %d, want %d" % (seq[-1], last)
assert size <= 4 * 1024 * 1024 * 1.01, "more than 4 MiB"
if first != "wrapped":
    assert seq[0] == int(first), "oldest is %d, want %d" % (seq[0], int(first))
else:
    assert len(al) < 1024, "bounded by count, not bytes"
    line = size / len(al)
    assert size >= 4 * 1024 * 1024 - 2 * line, "lines dropped that fit"
EOF
}
# wait_ring LAST: until the newest ring alert is LAST (20 s at most).
wait_ring() {
	for _ in $(seq 100); do
		ctl --json alerts --sid 70 --limit 1 2>/dev/null |
		    grep -q "q$(printf %06d "$1")x" && return 0
		sleep 0.2
	done
	return 1
}

lookups 0 800
wait_ring 799 || flunk "the 800th alert never reached the ring"
out=$(ring_check 799 0 2>&1) && pass "ring after 800 large alerts, all kept: $out" ||
    flunk "ring after 800 large alerts: $out"

"$CANHGACCTL" -s "$SOCK" --json follow --sid 70 >"$tmp/follow.out" 2>&1 &
fpid=$!
pids+=($fpid)
sleep 1
lookups 800 800
wait_ring 1599 || flunk "the 1,600th alert never reached the ring"
out=$(ring_check 1599 wrapped 2>&1) && pass "ring after 1,600 large alerts: $out" ||
    flunk "ring after 1,600 large alerts: $out"
sleep 1
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
out=$($PY - "$tmp/follow.out" <<'EOF'
import json, re, sys
seq = []
for l in open(sys.argv[1]):
    l = l.strip()
    if '"event_type":"alert"' not in l:
        continue
    a = json.loads(l)
    seq.append(int(re.match(r"q(\d+)x", a["dns"]["rrname"]).group(1)))
print("followed %d, %d-%d" % (len(seq), seq[0] if seq else -1, seq[-1] if seq else -1))
assert seq == list(range(800, 1600)), "not the second batch whole"
EOF
) && pass "follower got the second batch whole: $out" || flunk "follower: $out"

ctl_finish
