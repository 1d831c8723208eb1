#!/bin/bash
# The daemon under valgrind memcheck (--leak-check=full,
# --errors-for-leak-kinds=definite, --error-exitcode): fails on any
# memory error or definite leak.
#  1. Offline: a generated mixed capture (TLS, DNS, HTTP, SSH, scans,
#     brute force) and the capture cases of tests/pcap through every
#     shipped rule pack at level 5, with every output: JSON alerts,
#     events, stats, local syslog and a remote destination that is down
#     (the spool).
#  2. Live on a veth pair (control_lib.sh): traffic, every read command of
#     the status socket, a list add/remove (rewrite and reload), SIGHUPs, a
#     broken reload, shutdown.
# The AddressSanitizer build skips (LeakSanitizer covers it there).
. "${top_srcdir:?}/tests/e2e/control_lib.sh"
command -v valgrind >/dev/null || skip "valgrind not installed"
if ldd "$CANHGACD" 2>/dev/null | grep -q libasan || grep -qa __asan_init "$CANHGACD"; then
	echo "SKIP: AddressSanitizer build (LeakSanitizer checks leaks there)"
	exit 77
fi
GEN=$top_builddir/bench/pcapgen
[ -x "$GEN" ] || skip "$GEN not built"
# PCRE2 JIT code reads past the subject by design: off under valgrind.
export CANHGAC_NO_JIT=1
VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --error-exitcode=99 --track-fds=no"

# --- 1. offline, all packs, all outputs ------------------------------------
off=$(mktemp -d /tmp/cg-vg-off.XXXXXX)
cleanup_hooks+=("rm -rf '$off'")
"$GEN" mixed -n 30000 -o "$off/mixed.pcap" --seed 3 >/dev/null || flunk "pcapgen"
caps=(-r "$off/mixed.pcap")
for d in "$top_srcdir"/tests/pcap/*/; do
	[ -f "$d/make.py" ] || continue
	n=$(basename "$d")
	if $PY "$d/make.py" "$off/$n.pcap" 2>/dev/null; then
		caps+=(-r "$off/$n.pcap")
	else
		flunk "capture case $n: make.py failed (python3-scapy?)"
	fi
done
# The shipped example, at level 5, with every output and no live parts.
$PY - "$top_srcdir" "$off" <<'EOF' || flunk "configuration"
import sys, yaml
src, off = sys.argv[1], sys.argv[2]
c = yaml.safe_load(open(src + "/etc/canhgac.yaml"))
c["sensor"].update(security_level=5, state_dir="none",
                   catalog=src + "/rules/controls-tcvn11930.yaml")
for a in c["assets"].values():
    if isinstance(a, dict):
        a["file"] = src + "/etc/" + a["file"]
c["assets"]["data_servers"].append("198.51.100.0/24")
c["rules"] = [src + "/rules/*.yaml"]
c["outputs"] = {"json": {"path": off + "/alerts.json"},
                "syslog": {"facility": "local4", "socket": off + "/syslog.sock"},
                "remote": [{"host": "127.0.0.1", "port": 9, "transport": "tcp",
                            "spool": off + "/spool", "drain_timeout": "1s"}]}
for k in ("capture", "user", "pidfile"):
    c.pop(k, None)
yaml.safe_dump(c, open(off + "/canhgac.yaml", "w"))
EOF
# A local syslog socket that reads and discards.
$PY -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
while True: s.recv(65536)' "$off/syslog.sock" &
pids+=($!)
for _ in $(seq 50); do [ -S "$off/syslog.sock" ] && break; sleep 0.1; done
# shellcheck disable=SC2086
if $VG "$CANHGACD" -c "$off/canhgac.yaml" "${caps[@]}" --events "$off/events.json" \
    --stats "$off/stats.json" 2>"$off/vg.err"; then
	pass "offline: $(( ${#caps[@]} / 2 )) captures, $(wc -l <"$off/alerts.json") alerts, $(wc -l <"$off/events.json") events: no memcheck error, no definite leak"
else
	flunk "offline run under valgrind (status $?)"
	grep -vE "^canhgacd: " "$off/vg.err" | head -60
fi
grep -E "rules active|packets \(" "$off/vg.err" | sed 's/^/  /'

# --- 2. live, status socket, reloads ------------------------------------------
CTL_WRAP=$VG
ctl_setup vg
IOC=10.97.$net.66
ctl_traffic 8 5
ctl_traffic 8 5 "$IOC"
sleep 2
for c in version status stats "stats --prometheus" "alerts --limit 50" rules exceptions \
    "list show ioc_ips" "compliance"; do
	# shellcheck disable=SC2086
	ctl $c >/dev/null 2>&1 && pass "ctl $c" || flunk "ctl $c"
done
check "list add (file rewritten, reload)" ctl list add ioc_ips "$IOC"
sleep 1
check "list remove" ctl list remove ioc_ips 192.0.2.1
for _ in 1 2 3 4 5; do kill -HUP "$dpid"; sleep 0.3; done
printf 'garbage\n' >>"$tmp/ioc-ips.txt"
ctl reload >/dev/null 2>&1 && flunk "a broken list reloaded" || pass "a broken list is refused"
sleep 1
check "daemon still running" kill -0 "$dpid"
ctl_finish
