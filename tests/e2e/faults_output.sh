#!/bin/bash
# Faults in the JSON alert log of a live sensor (control_lib.sh: veth
# pair between namespaces, UDP traffic that alerts on every packet). The
# log lives on a small ext4 file system mounted for the test:
#  1. deleted while the daemon runs: noticed within seconds, reopened by
#     name, the alerts that went to the deleted file reported as lost;
#  2. made immutable (chattr +i: even root cannot write), then
#  3. its file system filled up: each episode is logged once, the lost
#     alerts are counted (outputs.json.errors) and raise a `sensor` alert
#     (alert_log_errors), capture goes on, writing resumes by itself when the
#     fault is cleared; no torn line is left in the file, and every alert
#     is either in the file or counted as lost.
. "${top_srcdir:?}/tests/e2e/control_lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to mount a file system"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 missing (e2fsprogs)"
mnt=$(mktemp -d /tmp/cg-faults-out-mnt.XXXXXX)
# ext4 (not tmpfs): there chattr +i also stops writes to an open file.
truncate -s 4M "$mnt.img" && mkfs.ext4 -q -F -m 0 "$mnt.img" &&
    mount -o loop "$mnt.img" "$mnt" ||
    { rm -f "$mnt.img"; rmdir "$mnt"; skip "cannot mount an ext4 image on a loop device"; }
cleanup_hooks+=("chattr -i '$mnt/alerts.json' 2>/dev/null; umount '$mnt'; rmdir '$mnt'; rm -f '$mnt.img'")
CTL_ALERTS=$mnt/alerts.json
CTL_SENSOR_RULES=1
ctl_setup fout
LOG=$mnt/alerts.json
alive() { kill -0 "$dpid" 2>/dev/null; }
# counters: "written errors" of the JSON alert log, from the daemon.
counters() {
	ctl --json status | $PY -c 'import json,sys
a = [o for o in json.load(sys.stdin)["outputs"] if o["name"] == "json"][0]
print(a["written"], a["errors"])'
}
lines() { cat "$LOG" 2>/dev/null | wc -l; }
# burst: one second of traffic (50 alerts), then quiet for the checks.
burst() { ctl_traffic 1 5; sleep 2.5; }

burst
check "alerts reach the JSON log ($(lines) lines)" [ "$(lines)" -gt 0 ]

# --- 1. deleted ---------------------------------------------------------------
read -r w0 e0 < <(counters)
rm -f "$LOG"
burst
burst
read -r w1 e1 < <(counters)
check "the log was recreated after the deletion" [ -s "$LOG" ]
msg=$(grep "deleted while open" "$tmp/daemon.err" | tail -1)
echo "  log: $msg"
check "the deletion is logged" [ -n "$msg" ]
lost=$(sed -n 's/.*(\([0-9]*\) alert(s) written to the deleted file.*/\1/p' <<<"$msg")
echo "  after the deletion: written $((w1 - w0)), in the new file $(lines), reported lost ${lost:-?}, errors +$((e1 - e0))"
check "every alert since the deletion is in the new file or reported lost" \
    [ "$((w1 - w0))" -eq "$(( $(lines) + ${lost:-0} ))" -a "$((e1 - e0))" -eq "${lost:-0}" ]

# --- 2. immutable ---------------------------------------------------------------
read -r w0 e0 < <(counters)
l0=$(lines)
chattr +i "$LOG" || flunk "chattr +i"
burst
burst
read -r w1 e1 < <(counters)
echo "  immutable: written $((w1 - w0)), errors +$((e1 - e0)), lines +$(( $(lines) - l0 ))"
check "write errors counted while immutable" [ "$((e1 - e0))" -gt 0 ]
check "the error is logged once for the episode" \
    [ "$(grep -c "cannot write alert: Operation not permitted" "$tmp/daemon.err")" -eq 1 ]
check "daemon still running" alive
chattr -i "$LOG"
burst
read -r w2 e2 < <(counters)
check "writing resumed after chattr -i" grep -q "writing again" "$tmp/daemon.err"
check "every alert is in the file or counted lost" \
    [ "$((w2 - w0))" -eq "$(( $(lines) - l0 + e2 - e0 ))" ]
$PY - "$tmp" <<'EOF' >"$tmp/sensor.txt"
import json, subprocess, sys, os
out = subprocess.run([os.environ["CANHGACCTL"], "-s", sys.argv[1] + "/ctl.sock",
                      "--json", "alerts", "--limit", "1000"],
                     capture_output=True, text=True).stdout
n = 0
for line in out.splitlines():
    try:
        j = json.loads(line)
    except ValueError:
        continue
    for a in (j.get("alerts") or [j]):
        al = a.get("alert", a)
        if isinstance(al, dict) and al.get("sensor_event") == "alert_log_errors":
            n += 1
            print(al.get("message"), file=sys.stderr)
print(n)
EOF
ns_alerts=$(tail -1 "$tmp/sensor.txt")
check "one sensor alert (alert_log_errors) for the lost alerts (got ${ns_alerts:-0})" [ "${ns_alerts:-0}" -eq 1 ]

# --- 3. file system full ---------------------------------------------------------
read -r w0 e0 < <(counters)
l0=$(lines)
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
burst
burst
read -r w1 e1 < <(counters)
echo "  disk full: written $((w1 - w0)), errors +$((e1 - e0)), lines +$(( $(lines) - l0 ))"
check "write errors counted while the disk is full" [ "$((e1 - e0))" -gt 0 ]
check "the error is logged once for the episode" \
    [ "$(grep -c "cannot write alert: No space left" "$tmp/daemon.err")" -eq 1 ]
rm -f "$mnt/filler"
burst
read -r w2 e2 < <(counters)
check "writing resumed when space was freed" \
    [ "$(grep -c "writing again" "$tmp/daemon.err")" -eq 2 ]
check "every alert is in the file or counted lost" \
    [ "$((w2 - w0))" -eq "$(( $(lines) - l0 + e2 - e0 ))" ]
check "no torn line: every line of the log is JSON" $PY -c '
import json, sys
for l in open(sys.argv[1]):
    json.loads(l)' "$LOG"
p=$(ctl --json status | $PY -c 'import json,sys; s=json.load(sys.stdin); i=s["interfaces"][0]; print(i["pcap_dropped"])')
check "capture went on without drops (pcap_dropped $p)" [ "$p" = 0 ]
ctl_finish
