#!/bin/bash
# The host inventory. First offline: a rogue DHCP server's offer and ack
# (tests/rules/cases.py) are two `dhcp` event records (message type,
# server identifier, offered address, client MAC) and one alert 1001204.
# Then on a live sensor (control_lib.sh: a veth pair in two namespaces;
# frames are sent with scapy from the test host's side):
#  1. an unknown host of protected_segments talks to a data server and
#     an ARP reply then claims the server's address for another MAC:
#     `canhgacctl hosts --json` shows both hosts (MAC, port answered on,
#     known or not), `--new` only the unknown one; rules 1001201 (unknown
#     host) and 1001203 (ARP spoofing, both MACs) alert once each;
#  2. the daemon stops and starts again on the same state directory: the
#     inventory is back (same first-seen time, the bytes counted when the
#     flows ended at the stop), and the unknown host talking again raises
#     no second 1001201 (it is not new);
#  2b. the unknown host added to known_hosts with a MAC (a reload), an
#     ARP reply claiming its address for another MAC: 1001203 against
#     the MAC known_hosts gives (it had none in the inventory);
#  3. 3000 datagrams from forged addresses of protected_segments that
#     nobody answers: no host enters the inventory, no 1001201 (a host is
#     taken once a flow is established: an answer, a TCP handshake);
#  4. 3000 answered exchanges from random addresses of protected_segments
#     with inventory.max_hosts 64: the table holds 64, the rest are
#     evicted and counted, peak RSS grows by less than 16 MiB, the
#     daemon lives.
# Exit: 0 pass, 1 fail, 77 skip (no root; under CI=true a failure).
. "${top_srcdir:?}/tests/e2e/control_lib.sh"
$PY -c 'import scapy' 2>/dev/null || skip "$PY with scapy not found (scripts/setup.sh)"
own=$(mktemp -d /tmp/cgh-inv.XXXXXX)
chmod 755 "$own"
mkdir "$own/state"
cleanup_hooks+=("rm -rf $own")
UNKNOWN=10.98.1.77 DB=10.98.1.20
printf '# known hosts\n%s\n10.98.1.10 02:00:0a:62:01:0a\n' "$DB" >"$own/known.txt"
printf '%s 5432/tcp\n' "$DB" >"$own/services.txt"
sed 's/controls: \[[^]]*\]/controls: [NET.IDS]/' \
    "$top_srcdir/rules/rogue-host.yaml" >"$own/rogue.yaml"
CTL_SENSOR_EXTRA="state_dir: $own/state"
CTL_RULES_EXTRA="$own/rogue.yaml"
CTL_CONF_EXTRA="inventory: {max_hosts: 64}"
CTL_ASSETS_EXTRA="  protected_segments: [10.98.0.0/16]
  known_hosts: {file: $own/known.txt, type: host}
  approved_services: {file: $own/services.txt, type: service}
  data_servers: [10.98.1.0/24]
  dhcp_servers: [10.98.0.67]"
ctl_setup hinv

# send WHAT: frames onto veth1 from the test host's namespace.
send() {
	ip netns exec "${ns}b" $PY - "$1" "$UNKNOWN" "$DB" <<'EOF'
import logging, random, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import ARP, Ether, IP, TCP, UDP, Raw, sendp
what, unk, db = sys.argv[1:4]
E = lambda: Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
pkts = []
if what == "talk":
    sp = random.randint(40000, 60000)
    pkts += [E() / IP(src=unk, dst=db) / TCP(sport=sp, dport=5432, flags="S", seq=100),
             E() / IP(src=db, dst=unk) / TCP(sport=5432, dport=sp, flags="SA", seq=500, ack=101),
             E() / IP(src=unk, dst=db) / TCP(sport=sp, dport=5432, flags="A", seq=101, ack=501),
             E() / IP(src=unk, dst=db) / TCP(sport=sp, dport=5432, flags="PA", seq=101, ack=501) / Raw(b"q" * 300),
             E() / IP(src=db, dst=unk) / TCP(sport=5432, dport=sp, flags="PA", seq=501, ack=401) / Raw(b"r" * 700)]
elif what == "arp":
    for mac in ("02:00:0a:62:01:14", "02:00:0a:62:01:14", "02:66:66:66:66:66"):
        pkts.append(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
                    ARP(op=2, hwsrc=mac, psrc=db, hwdst="02:00:00:00:00:02", pdst=unk))
elif what == "arp-unknown":
    mac = "02:66:66:66:66:77"
    pkts.append(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
                ARP(op=2, hwsrc=mac, psrc=unk, hwdst="02:00:00:00:00:02", pdst=db))
elif what in ("forged", "flood"):
    rnd = random.Random(7 if what == "flood" else 8)
    for i in range(3000):
        src = "10.98.%d.%d" % (rnd.randint(2, 254), rnd.randint(1, 254))
        pkts.append(E() / IP(src=src, dst=db) / UDP(sport=1024 + i, dport=7))
        if what == "flood":
            pkts.append(E() / IP(src=db, dst=src) / UDP(sport=7, dport=1024 + i))
sendp(pkts, iface="veth1", verbose=False)
EOF
}
# wait_for FILE PATTERN: up to 10 s.
wait_for() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
count() { grep -c "\"signature_id\":$1," "$tmp/alerts.json" 2>/dev/null || true; }

# 0. Offline: a rogue DHCP offer and ack are `dhcp` event records with
# what a check needs (Suricata's names, and server_id) and one alert.
$PY "$top_srcdir/tests/rules/cases.py" 1001204 pos 0 "$own/dhcp.pcap" >/dev/null ||
    flunk "cases.py: the DHCP capture"
sed "s|\.\./\.\./|$top_srcdir/|g" "$top_srcdir/tests/rules/canhgac-test.yaml" >"$own/t.yaml"
"$CANHGACD" -c "$own/t.yaml" -r "$own/dhcp.pcap" --alerts "$own/a.json" \
    --events "$own/e.json" >/dev/null 2>"$own/r.err" || { cat "$own/r.err"; flunk "replay"; }
$PY - "$own" <<'EOF'
import json, sys
d = sys.argv[1]
ev = [json.loads(l) for l in open(d + "/e.json")]
dh = [e["dhcp"] for e in ev if e.get("event_type") == "dhcp"]
al = [json.loads(l) for l in open(d + "/a.json")]
want = {"type": "reply", "client_mac": "02:00:00:00:05:96", "assigned_ip": "10.20.5.150",
        "server_id": "10.20.5.99", "lease_time": 3600}
bad = []
if [x["dhcp_type"] for x in dh] != ["offer", "ack"]:
    bad.append("dhcp records: %r" % dh)
for x in dh:
    for k, v in want.items():
        if x.get(k) != v:
            bad.append("dhcp.%s = %r, want %r" % (k, x.get(k), v))
if [a["alert"]["signature_id"] for a in al] != [1001204] or al[0]["dhcp"]["server_id"] != "10.20.5.99":
    bad.append("alerts: %r" % al)
for m in bad:
    print("FAIL " + m)
sys.exit(1 if bad else 0)
EOF
check "DHCP offer and ack: two dhcp event records, one rogue-server alert" [ $? -eq 0 ]

send talk
send arp
wait_for "$tmp/alerts.json" '"signature_id":1001203,' ||
    flunk "no ARP spoofing alert (1001203) within the wait"
sleep 0.5
ctl --json hosts >"$tmp/h1.json" || flunk "hosts --json"
ctl --json hosts --new >"$tmp/hn.json" || flunk "hosts --new --json"
ctl hosts >"$tmp/h1.txt" || flunk "hosts (table)"
$PY - "$tmp" "$UNKNOWN" "$DB" <<'EOF'
import json, sys
tmp, unk, db = sys.argv[1:4]
h = {x["ip"]: x for x in json.load(open(tmp + "/h1.json"))["hosts"]}
n = [x["ip"] for x in json.load(open(tmp + "/hn.json"))["hosts"]]
bad = []
if unk not in h or h[unk]["known"]:
    bad.append("unknown host missing or known: %r" % h.get(unk))
if db not in h or not h[db]["known"] or "5432/tcp" not in h[db]["ports"] \
        or h[db].get("mac") != "02:66:66:66:66:66":
    bad.append("data server wrong: %r" % h.get(db))
if unk not in n or db in n:
    bad.append("--new lists %r" % n)
for m in bad:
    print("FAIL " + m)
sys.exit(1 if bad else 0)
EOF
check "hosts --json: the unknown host, the server with its port and new MAC; --new only the unknown" [ $? -eq 0 ]
check "hosts table names the unknown host" grep -q "$UNKNOWN.*NO" "$tmp/h1.txt"
check "one unknown-host alert (1001201)" [ "$(count 1001201)" = 1 ]
check "one ARP spoofing alert (1001203) with both MACs" \
    grep -q '"arp":{"mac":"02:66:66:66:66:66","old_mac":"02:00:0a:62:01:14"}' "$tmp/alerts.json"
check "ARP alert count 1" [ "$(count 1001203)" = 1 ]
ctl compliance --format text >"$tmp/report.txt" 2>&1 || flunk "compliance"
check "the compliance report gives hosts seen and the unknown one" \
    grep -q "hosts seen 2, not in known_hosts 1: $UNKNOWN" "$tmp/report.txt"

# 2. Restart on the same state directory.
ctl shutdown >/dev/null
for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
wait "$dpid"; rc=$?
check "daemon exited 0 (status $rc)" [ "$rc" -eq 0 ]
check "inventory saved in the state directory" test -s "$own/state/hosts.json"
ip netns exec "${ns}a" "$CANHGACD" -v -c "$tmp/canhgac.yaml" 2>"$tmp/daemon2.err" &
dpid=$!
pids+=("$dpid")
wait_for "$tmp/daemon2.err" "running on" || { cat "$tmp/daemon2.err"; flunk "restart"; }
# ctl_finish looks for sanitizer reports in daemon.err: this run's too.
CTL_AFTER_EXIT='cat "$tmp/daemon2.err" >>"$tmp/daemon.err"'
ctl --json hosts >"$tmp/h2.json" || flunk "hosts after restart"
send talk
sleep 1
$PY - "$tmp" "$UNKNOWN" <<'EOF'
import json, sys
tmp, unk = sys.argv[1:3]
a = {x["ip"]: x for x in json.load(open(tmp + "/h1.json"))["hosts"]}
b = {x["ip"]: x for x in json.load(open(tmp + "/h2.json"))["hosts"]}
bad = []
if unk not in b:
    bad.append("unknown host lost at restart")
elif b[unk]["first_seen"] != a[unk]["first_seen"]:
    bad.append("first_seen changed: %s -> %s" % (a[unk]["first_seen"], b[unk]["first_seen"]))
elif b[unk]["bytes_out"] <= 0 or b[unk]["bytes_in"] <= 0:
    bad.append("bytes not kept: %r" % b[unk])
if set(a) - set(b):
    bad.append("hosts lost: %r" % sorted(set(a) - set(b)))
print("  after restart: %d hosts; %s" % (len(b), json.dumps(b.get(unk))))
for m in bad:
    print("FAIL " + m)
sys.exit(1 if bad else 0)
EOF
check "inventory back after the restart (first seen, bytes)" [ $? -eq 0 ]
check "no second unknown-host alert after the restart" [ "$(count 1001201)" = 1 ]

# 2b. The unknown host, in the inventory without a MAC (flows teach
# none), is added to known_hosts with its MAC; an ARP reply then claims
# its address for another: held to known_hosts' MAC, an arp_change
# (before, the inventory took the first MAC claimed, silently).
printf '%s 02:00:0a:62:01:4d\n' "$UNKNOWN" >>"$own/known.txt"
ctl reload >"$tmp/la.out" 2>&1 || { cat "$tmp/la.out"; flunk "reload"; }
send arp-unknown
wait_for "$tmp/alerts.json" '"old_mac":"02:00:0a:62:01:4d"' ||
    flunk "no ARP spoofing alert for $UNKNOWN against the MAC known_hosts gives"
check "ARP claim of a known host without a MAC seen: held to known_hosts' MAC" \
    grep -q '"arp":{"mac":"02:66:66:66:66:77","old_mac":"02:00:0a:62:01:4d"}' "$tmp/alerts.json"

# 3. Forged protected sources nobody answers: not hosts.
ctl --json stats >"$tmp/st0.json" || flunk "stats"
send forged
sleep 2
ctl --json stats >"$tmp/st1.json" || flunk "stats"
$PY - "$tmp" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1] + "/st0.json"))["inventory"]
b = json.load(open(sys.argv[1] + "/st1.json"))["inventory"]
print("  inventory before and after 3000 forged sources: %s -> %s" % (a["hosts"], b["hosts"]))
sys.exit(0 if b["hosts"] == a["hosts"] and b["added"] == a["added"] else 1)
EOF
check "3000 unanswered datagrams from forged protected addresses: no host added" [ $? -eq 0 ]
check "no unknown-host alert for a forged address" [ "$(count 1001201)" = 1 ]

# 4. A flood of random sources, each answered: bounded.
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$dpid/status"; }
rss0=$(hwm)
send flood
sleep 2
rss=$(hwm)
ctl --json stats >"$tmp/st.json" || flunk "stats"
ctl --json hosts >"$tmp/h3.json" || flunk "hosts after the flood"
$PY - "$tmp" "$rss0" "$rss" <<'EOF'
import json, sys
tmp, rss0, rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
inv = json.load(open(tmp + "/st.json"))["inventory"]
h = json.load(open(tmp + "/h3.json"))
print("  inventory after the flood: %s; hosts listed %d; peak RSS %d -> %d KiB"
      % (json.dumps(inv), len(h["hosts"]), rss0, rss))
bad = []
if inv["hosts"] != 64 or len(h["hosts"]) != 64 or h["seen"] != 64:
    bad.append("table not at its cap of 64")
if inv["evicted"] < 2900 or h["evicted"] < 2900:
    bad.append("evictions not counted")
if rss - rss0 >= 16 << 10:
    bad.append("peak RSS grew by %d KiB" % (rss - rss0))
for m in bad:
    print("FAIL " + m)
sys.exit(1 if bad else 0)
EOF
check "flood of 3000 sources: 64 hosts kept, evictions counted, RSS bounded" [ $? -eq 0 ]
check "daemon alive after the flood" kill -0 "$dpid"
ctl_finish
