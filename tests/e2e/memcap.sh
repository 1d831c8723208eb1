#!/bin/bash
# Flow memcap: a generated capture of 2 million distinct flows (one SYN
# each) runs with `flow_memcap: 64MB`. Peak RSS must stay under the memcap
# plus 32 MiB, and the counters must account for every flow: all created,
# some evicted, and evicted = created - ended at end of capture - timed out.
# Under AddressSanitizer (shadow memory makes RSS meaningless) a smaller
# run checks only the accounting.
set -u
: "${top_builddir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
GEN=$top_builddir/bench/pcapgen

[ -x "$CANHGACD" ] || { echo "FAIL: no daemon at $CANHGACD"; exit 1; }
me=memcap.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
[ -x "$GEN" ] || skip "$GEN not built (make bench/pcapgen)"
[ -x "$PY" ] || skip "$PY not found"
/usr/bin/time -v true >/dev/null 2>&1 || skip "GNU time missing (package time)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-memcap.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# gcc links libasan dynamically; clang links it statically.
asan=0
if [ "${CANHGAC_ASAN:-0}" = 1 ] ||
    ldd "$CANHGACD" 2>/dev/null | grep -q libasan ||
    grep -qa __asan_init "$CANHGACD"; then
  asan=1
fi
if [ $asan = 1 ]; then
  flows=200000 memcap=8MB memcap_bytes=$((8 << 20))
  echo "note: AddressSanitizer build: $flows flows, flow_memcap $memcap," \
    "eviction accounting only (ASan shadow memory defeats the RSS bound)"
else
  flows=2000000 memcap=64MB memcap_bytes=$((64 << 20))
fi

"$GEN" flows -n "$flows" -o "$tmp/flows.pcap" --seed 7 ||
  { echo "FAIL: pcapgen"; exit 1; }
cat >"$tmp/conf.yaml" <<EOF
sensor: {name: memcap-test}
limits: {flow_memcap: $memcap}
EOF

# GNU time, when installed, cross-checks the daemon's own getrusage figure.
timer=(/usr/bin/time -v -o "$tmp/time.txt")
limit=()
command -v timeout >/dev/null && limit=(timeout 900)
"${limit[@]}" "${timer[@]}" "$CANHGACD" -c "$tmp/conf.yaml" \
  -r "$tmp/flows.pcap" --stats "$tmp/stats.json" 2>"$tmp/stderr.txt"
rc=$?
sed 's/^/  /' "$tmp/stderr.txt"
if [ $rc -ne 0 ]; then
  echo "FAIL: canhgacd exited with status $rc"
  exit 1
fi
time_kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' \
  "$tmp/time.txt")
[ -n "$time_kb" ] || { echo "FAIL: no peak RSS from GNU time in $tmp/time.txt"; exit 1; }

"$PY" - "$tmp/stats.json" "$flows" "$memcap_bytes" "$asan" "$time_kb" <<'EOF'
import json, sys

path, flows, memcap, asan, time_kb = sys.argv[1:6]
flows, memcap, asan = int(flows), int(memcap), asan == "1"
try:
    st = json.load(open(path))
    f, run, dec = st["flow"], st["run"], st["decode"]
except (OSError, ValueError, KeyError) as e:
    print(f"FAIL: cannot read {path}: {e}")
    sys.exit(1)
bound = memcap + (32 << 20)
rss = run["peak_rss_kb"] * 1024
expect = f["created"] - f["ended_capture"] - f["ended_timeout"]
print(f"packets {dec['packets']}, flows created {f['created']}, "
      f"table max {f['max']}, evicted {f['evicted']}, "
      f"ended: capture {f['ended_capture']}, timeout {f['ended_timeout']}, "
      f"eviction {f['ended_eviction']}")
print(f"peak RSS {rss >> 10} KiB (getrusage)"
      + (f", {time_kb} KiB (GNU time)" if time_kb else ", GNU time absent")
      + f"; bound {bound >> 10} KiB = memcap {memcap >> 20} MiB + 32 MiB"
      + (" (not checked under ASan)" if asan else ""))
fails = []
if dec["packets"] != flows:
    fails.append(f"decoded {dec['packets']} packets, generated {flows}")
if f["created"] != flows:
    fails.append(f"created {f['created']} flows, expected {flows}")
if f["evicted"] <= 0:
    fails.append("nothing evicted: the memcap did not bite")
if f["evicted"] != expect:
    fails.append(f"evicted {f['evicted']} != created - ended_capture - "
                 f"ended_timeout = {expect}")
if f["ended_eviction"] != f["evicted"]:
    fails.append(f"ended_eviction {f['ended_eviction']} != evicted "
                 f"{f['evicted']}")
if not asan:
    if rss >= bound:
        fails.append(f"peak RSS {rss >> 10} KiB >= {bound >> 10} KiB")
    if time_kb and int(time_kb) * 1024 >= bound:
        fails.append(f"GNU time peak RSS {time_kb} KiB >= {bound >> 10} KiB")
for m in fails:
    print("FAIL: " + m)
if not fails:
    print("ok: every flow is accounted for"
          + ("" if asan else "; peak RSS within the bound"))
sys.exit(1 if fails else 0)
EOF
