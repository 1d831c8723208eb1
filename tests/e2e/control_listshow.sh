#!/bin/bash
# `list show` is bounded like a request: the list file is rewritten
# while the daemon runs to hold a 10 MB line and 10,000 entries of 250
# bytes, and 100 clients ask for the whole list without reading the
# answer. The daemon's peak memory (VmHWM) grows by less than 128 MiB
# (ASan included): the long line is counted, never copied, and the
# answers queued to all clients stop at 64 MiB (later askers are told the daemon is busy);
# meanwhile status still answers, and a client that reads gets the
# list with the bad line reported by number.
. "${top_srcdir:?}/tests/e2e/control_lib.sh"

READERS=${CG_READERS:-100}
# ASan keeps freed memory in quarantine (256 MB by default): small, so
# that VmHWM measures what the daemon holds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
ctl_setup listshow
ctl_traffic 30 2
sleep 1
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$dpid/status"; }
ctl list show ioc_ips >/dev/null 2>&1
ctl --json status >/dev/null
hwm0=$(hwm)

$PY - "$tmp/ioc-ips.txt" <<'EOF'
import sys
with open(sys.argv[1] + ".new", "w") as f:
    f.write("# indicator addresses\n")
    f.write("1" * (10 * 1024 * 1024) + "\n")     # line 2: 10 MB
    for i in range(10000):
        f.write("%04d%s\n" % (i, "a" * 246))
import os
os.rename(sys.argv[1] + ".new", sys.argv[1])
EOF

$PY - "$SOCK" "$CANHGACCTL" "$READERS" <<'EOF' >"$tmp/show.out" 2>&1
import json, os, select, socket, sys, threading, time
sys.path.insert(0, os.environ["top_srcdir"] + "/tests/e2e")
from control_lib import say, status_ok, exit_status
path, ctl, readers = sys.argv[1], sys.argv[2], int(sys.argv[3])

req = b'{"cmd":"list","op":"show","name":"ioc_ips","limit":10000}\n'
held = []
for i in range(readers):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    s.sendall(req)
    held.append(s)
# Every reader gets the list or a busy notice, never an unbounded line.
# They start reading after 3 s (so that answers pile up), all at once
# (the daemon closes a client that takes nothing for 10 s), while
# status is asked meanwhile.
bufs = {s.fileno(): [s, bytearray()] for s in held}

def read_all():
    time.sleep(3)
    live = dict(bufs)
    end = time.time() + 120
    while live and time.time() < end:
        rd, _, _ = select.select(list(live), [], [], 1)
        for fd in rd:
            try:
                c = live[fd][0].recv(1 << 20)
            except OSError:
                c = b""
            live[fd][1] += c        # bytearray: linear in the answer's size
            if not c or live[fd][1].endswith(b"\n"):
                del live[fd]

reader = threading.Thread(target=read_all)
reader.start()
status_ok(ctl, path, "%d list answers queued" % readers, within=30)
reader.join()
full = busy = other = 0
for s, data in bufs.values():
    s.close()
    try:
        a = json.loads(bytes(data))
    except ValueError:
        other += 1
        print("     other: %d bytes: %r" % (len(data), bytes(data[:100])))
        continue
    if a.get("ok") and a["count"] == 10000 and a["skipped"] == 1 and \
            a["skipped_first_line"] == 2 and len(a["entries"]) == 10000 and \
            max(len(e) for e in a["entries"]) == 250:
        full += 1
    elif not a.get("ok") and a["error"].startswith("busy:"):
        busy += 1
    else:
        other += 1
        print("     other:", str(a)[:200])
print("     %d full answers, %d busy, %d other" % (full, busy, other))
say(full >= 1 and other == 0 and full + busy == readers,
    "each reader got the list (10,000 entries, line 2 skipped) or busy")
sys.exit(exit_status())
EOF
rc=$?
cat "$tmp/show.out"
[ $rc -eq 0 ] && pass "list show script" || flunk "list show script (rc $rc)"
hwm1=$(hwm)
[ $((hwm1 - hwm0)) -lt $((128 * 1024)) ] &&
    pass "VmHWM bounded: $hwm0 -> $hwm1 KiB" ||
    flunk "VmHWM grew $hwm0 -> $hwm1 KiB"
out=$(ctl list show ioc_ips --limit 2 2>&1)
grep -q "1 line is not an entry (longer than 253 bytes or not printable ASCII), the first at line 2" <<<"$out" &&
    pass "canhgacctl names the skipped line" || flunk "list show: ${out:0:300}"
ctl --json stats | $PY -c '
import json, sys
c = json.load(sys.stdin)["control"]
print("     control:", c)
assert c["refused_busy"] >= 1 and c["queued_bytes"] < 65536' &&
    pass "stats count the busy refusals, the queue drained" ||
    flunk "control stats"
ctl_finish
