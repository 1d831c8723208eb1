#!/bin/bash
# community_id.sh — canhgacd's Community IDs against the specification's
# baseline (corelight/community-id-spec, copied to
# tests/corpus/community-id/).
#
# canhgacd reads each sample capture (tcp, udp, icmp, icmp6, ipv6, sctp);
# every flow event's community_id must equal the one baseline_deflt.json
# (seed 0, base64) gives for that flow's tuple. The baseline lists each
# tuple in both orientations. Our flow events carry no ports for ICMP and
# ICMPv6 but an icmp_type (the Community ID "source port" equivalent), so
# those match on addresses, protocol and icmp_type. Then every baseline ID
# of a protocol that has a sample capture here must have been produced by
# some flow (RSVP, proto 46, has no capture in that folder).
#
# Environment: top_srcdir, top_builddir, CANHGACD (automake).
# Exit: 0 pass, 1 fail, 77 skip (only when tests/corpus/community-id is
# absent; a failure under CI=true).

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
CANHGACD=${CANHGACD:-$top_builddir/canhgacd}
PYTHON=/usr/bin/python3
cid=$top_srcdir/tests/corpus/community-id
me=community_id.sh
. "$here/skip_lib.sh"

[ -d "$cid" ] || skip "$cid not found"
if [ ! -x "$CANHGACD" ]; then
	echo "FAIL: canhgacd not found or not executable: $CANHGACD"
	exit 1
fi
if [ ! -x "$PYTHON" ]; then
	echo "FAIL: $PYTHON not found"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-cid.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
fail=0
evs=""
for p in tcp udp icmp icmp6 ipv6 sctp; do
	f="$cid/$p.pcap"
	if [ ! -f "$f" ]; then
		echo "FAIL $p.pcap: missing from $cid"
		fail=1
		continue
	fi
	timeout -k 5 60 "$CANHGACD" -r "$f" --events "$tmp/$p.json" \
	    --stats "$tmp/$p.stats.json" </dev/null >/dev/null 2>"$tmp/$p.err"
	rc=$?
	if [ "$rc" -ne 0 ] || grep -q -E 'runtime error|AddressSanitizer|LeakSanitizer' "$tmp/$p.err"; then
		echo "FAIL $p.pcap: canhgacd exit status $rc"
		sed -n '1,20s/^/    stderr: /p' "$tmp/$p.err"
		fail=1
		continue
	fi
	evs="$evs $p.pcap=$tmp/$p.json"
done

# shellcheck disable=SC2086
"$PYTHON" - "$cid/baseline_deflt.json" $evs <<'PY'
import json
import sys

PROTOS = {"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58, "ICMPv6": 58,
          "SCTP": 132}
# Protocols that have a sample capture in community-id/: their baseline IDs
# must all be produced.
COVERED = {1, 6, 17, 58, 132}

baseline = json.load(open(sys.argv[1]))
seen = set()
fails = 0


def proto_num(p):
    if isinstance(p, int):
        return p
    if p in PROTOS:
        return PROTOS[p]
    try:
        return int(p)
    except (TypeError, ValueError):
        return None


for arg in sys.argv[2:]:
    name, _, path = arg.partition("=")
    nflows = 0
    bad = []
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            ev = json.loads(line)
            if ev.get("event_type") != "flow":
                continue
            nflows += 1
            src, dst = ev.get("src_ip"), ev.get("dest_ip")
            proto = proto_num(ev.get("proto"))
            got = ev.get("community_id")
            desc = "%s -> %s proto %s" % (src, dst, ev.get("proto"))
            if proto in (1, 58):
                t = ev.get("icmp_type")
                desc += " icmp_type %s" % t
                cands = [b for b in baseline if b["proto"] == proto and
                         b["saddr"] == src and b["daddr"] == dst and
                         b["sport"] == t]
            elif "src_port" in ev or "dest_port" in ev:
                sp, dp = ev.get("src_port"), ev.get("dest_port")
                desc = "%s:%s -> %s:%s proto %s" % (src, sp, dst, dp, ev.get("proto"))
                cands = [b for b in baseline if b["proto"] == proto and
                         b["saddr"] == src and b["daddr"] == dst and
                         b["sport"] == sp and b["dport"] == dp]
            else:
                # No ports in our record: match on addresses and protocol.
                cands = [b for b in baseline if b["proto"] == proto and
                         b["saddr"] == src and b["daddr"] == dst]
                desc += " (no ports in our record)"
            want = sorted(set(b["communityid"] for b in cands))
            if got is None:
                bad.append("%s: no community_id (baseline %s)" % (desc, want))
            elif not want:
                bad.append("%s: community_id %s, tuple not in the baseline"
                           % (desc, got))
            elif got not in want:
                bad.append("%s: community_id %s, baseline says %s"
                           % (desc, got, " or ".join(want)))
            else:
                seen.add(got)
    if nflows == 0:
        bad.append("no flow events")
    if bad:
        fails += 1
        print("FAIL %s:" % name)
        for b in bad:
            print("    " + b)
    else:
        print("ok   %s (%d flows)" % (name, nflows))

missing = sorted(set(b["communityid"] for b in baseline
                     if b["proto"] in COVERED) - seen)
for m in missing:
    tup = [b for b in baseline if b["communityid"] == m][0]
    print("FAIL baseline %s (%s %s -> %s ports %s/%s) produced by no flow"
          % (m, tup["proto"], tup["saddr"], tup["daddr"], tup["sport"], tup["dport"]))
    fails += 1
sys.exit(1 if fails else 0)
PY
prc=$?
if [ "$prc" -ne 0 ] || [ "$fail" -ne 0 ]; then
	echo "community_id: FAIL"
	exit 1
fi
echo "community_id: all flow IDs match the baseline"
exit 0
