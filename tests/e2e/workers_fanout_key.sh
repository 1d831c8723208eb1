#!/bin/bash
# Live capture on two interfaces with two packet workers: the kernel's
# fanout (capture.c, capture_fanout) steers an address pair to the same
# worker on both, so a threshold counted by source and destination,
# which that worker keeps in its own table (rules_split_thresholds),
# sees the pair's packets from both links (a tap of each direction, a
# link and its mirror).
#  - Eight address pairs, ten UDP datagrams each on each link (raw
#    Ethernet frames from the far end): a rule counting twenty by
#    source and destination alerts once for every pair. Each
#    interface's program drawing its own key (the code before) sends a
#    pair to a different worker on each link half the time: eight
#    pairs all counted whole by chance is one run in 256.
CTL_SENSOR_EXTRA='workers: 2'
CTL_SECOND_LINK=1
. "${top_srcdir:?}/tests/e2e/control_lib.sh"
ctl_rules pairs <<'EOF2'
rules:
  - sid: 61
    name: Datagrams counted per address pair
    category: anomaly
    severity: info
    level: 1
    controls: [NET.IDS]
    match: {proto: udp, dst_port: 7001}
    threshold: {by: [src_ip, dst_ip], count: 20, within: 60s}
    message: "{src_ip} sent {count} datagrams to {dest_ip}"
    advice: "Nothing to do: this is a test."
EOF2

ctl_setup fankey

# Ten frames of each pair out of each far end, interleaved.
ip netns exec "${ns}b" $PY -c '
import socket, struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def frame(src, dst):
    udp = struct.pack("!HHHH", 40000, 7001, 8 + 4, 0) + b"ping"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64,
                     17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
socks = []
for dev in ("veth1", "veth3"):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    socks.append(s)
for k in range(10):
    for p in range(8):
        f = frame("192.0.2.%d" % (10 + p), "198.51.100.%d" % (20 + p))
        for s in socks:
            s.send(f)
'
for _ in $(seq 50); do
	n=$(grep -c '"signature_id":61' "$tmp/alerts.json" 2>/dev/null)
	[ "${n:-0}" -ge 8 ] && break
	sleep 0.2
done
sleep 0.5
n=$(grep -c '"signature_id":61' "$tmp/alerts.json" 2>/dev/null)
check "eight pairs, ten datagrams on each link: one alert each (got ${n:-0})" \
    test "${n:-0}" -eq 8
pairs=$($PY -c 'import json, sys
seen = set()
for l in open(sys.argv[1]):
    a = json.loads(l)
    if a["alert"]["signature_id"] == 61 and a["alert"]["count"] == 20:
        seen.add((a["src_ip"], a["dest_ip"]))
print(len(seen))' "$tmp/alerts.json")
check "each alert counts twenty, eight pairs (got $pairs)" test "$pairs" -eq 8
seen=$(ctl --json stats | $PY -c 'import json, sys
j = json.load(sys.stdin)
print(sum(i.get("packets", 0) for i in j["interfaces"]))' 2>/dev/null)
check "both interfaces captured the 160 frames (got ${seen:-?})" \
    test "${seen:-0}" -ge 160
ctl_finish
