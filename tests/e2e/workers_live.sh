#!/bin/bash
# Live capture with two packet workers (a veth pair in network
# namespaces; the kernel's fanout splits the address pairs between the
# loop's handle and the thread's): the shared thresholds' horizon
# (workers.c, workers_horizon) follows the readers that have packets to
# read and holds nothing back once they are idle.
#  - A rule counting by source and destination port sees 120 ports over
#    twelve destination addresses (both readers get some): 120 windows.
#  - After the windows' two seconds, 100 more datagrams to one address
#    and one port: each drops stale windows (two an event). A reader
#    counted as busy with its last packet's time (a horizon stuck in the
#    past) keeps all 120, when that reader is not the one the last
#    datagrams reach (the split is keyed at random: about every other
#    run). What this does not show is a reader held behind (the code
#    before the live horizon, which set none, passes it too: it checks
#    that the horizon never holds state back once the readers are idle);
#    the replay's horizon, which is exact, is tests/e2e/workers.sh's.
#  - The same ports again, spread as before, count again from one.
#  - The status socket is bound only once the capture is split between
#    the readers (before, a client that waited for it, as a test replaying
#    traffic does, sent packets while the group formed: one flow's went
#    to both readers); datagrams sent from before the start until then
#    are let go and counted (interfaces[].let_go_at_start), not read by
#    the loop as its own.
CTL_SENSOR_EXTRA='workers: 2'
# Datagrams (to a port no rule counts) from before the daemon starts
# until it runs: the sockets hold some from before the split.
CTL_BEFORE_START='early_traffic'
early_traffic() {
	ip netns exec "${ns}b" $PY -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 60
while time.time() < end:
    for _ in range(200):
        s.sendto(b"x" * 32, (sys.argv[1], 40000))
    time.sleep(0.01)
' "$SRV" &
	early=$!
	pids+=("$early")
	sleep 0.5
}
. "${top_srcdir:?}/tests/e2e/control_lib.sh"
ctl_rules count <<'EOF2'
rules:
  - sid: 60
    name: UDP ports counted per source
    category: scan
    severity: info
    level: 1
    controls: [NET.IDS]
    match: {proto: udp, dst_port: 30000-31999}
    threshold: {by: [src_ip, dst_port], count: 1000, within: 2s}
    message: "{src_ip} sent {count} datagrams to port {dest_port}"
    advice: "Nothing to do: this is a test."
EOF2

ctl_setup wlive
for i in $(seq 10 21); do
	ip -n "${ns}a" addr add "10.97.$net.$i/24" dev veth0
done

# send FIRST_HOST NHOSTS FIRST_PORT NPORTS REPEAT: UDP datagrams to
# 10.97.NET.(FIRST_HOST + k % NHOSTS), port FIRST_PORT + k % NPORTS.
send() {
	ip netns exec "${ns}b" $PY -c 'import socket, sys, time
net, h0, nh, p0, np, rep = (int(a) for a in sys.argv[1:])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for k in range(rep):
    s.sendto(b"x", ("10.97.%d.%d" % (net, h0 + k % nh), p0 + k % np))
    if k % 20 == 19:
        time.sleep(0.01)' "$net" "$@"
}
# keys: the shared threshold table's windows, from the stats.
keys() {
	ctl --json stats | $PY -c 'import json, sys
j = json.load(sys.stdin)
print(j["rules"]["threshold_keys"])'
}
# wait_keys OP N: until keys OP N (-ge, -le), 10 s at most.
wait_keys() {
	local k _
	for _ in $(seq 50); do
		k=$(keys)
		[ "$k" "$1" "$2" ] && { echo "$k"; return 0; }
		sleep 0.2
	done
	echo "$k"
	return 1
}

kill "$early"; wait "$early" 2>/dev/null
lg=$(ctl --json stats | $PY -c 'import json, sys
print(json.load(sys.stdin)["interfaces"][0]["let_go_at_start"])')
[ "${lg:-0}" -gt 0 ] && pass "packets caught before the split let go and counted ($lg)" ||
    flunk "let_go_at_start: ${lg:-none} (want more than 0: traffic ran through the start)"

nw=$(ctl --json stats | $PY -c 'import json, sys; print(json.load(sys.stdin)["workers"]["count"])')
[ "$nw" = 2 ] && pass "two packet workers: the loop and a thread" ||
    flunk "packet workers: $nw (want 2)"

w=$(grep -n -m1 "2 packet workers" "$tmp/daemon.err" | cut -d: -f1)
l=$(grep -n -m1 "control: listening on" "$tmp/daemon.err" | cut -d: -f1)
[ -n "$w" ] && [ -n "$l" ] && [ "$w" -lt "$l" ] &&
    pass "the status socket listens once the capture is split (log lines $w, $l)" ||
    flunk "the status socket listened before the workers started (log lines ${w:-none}, ${l:-none})"

send 10 12 30000 120 120
k=$(wait_keys -ge 120) && pass "120 windows counted across both readers ($k)" ||
    flunk "windows after 120 ports: $k (want 120)"

sleep 2.5
send 10 1 31500 1 100
k=$(wait_keys -le 10) && pass "stale windows dropped once both readers were idle ($k left)" ||
    flunk "windows after the two seconds: $k (want at most 10; a stuck horizon keeps 121)"

send 10 12 30000 120 120
k=$(wait_keys -ge 120) && pass "the same ports count again ($k)" ||
    flunk "windows after the ports again: $k (want 120)"

ctl_finish
