"""Compare the outputs of two replays of one capture, one with a single
packet worker and one with N (tests/e2e/workers.sh).

  workers_compare.py run RULES_DIR BASE OTHER
      BASE.alerts/.events/.stats against OTHER.*: event records the same
      multiset; alerts the same count per signature and the same
      multiset (both without flow_id, strided per worker), except the
      order-dependent rules below; the totals of STATS_KEYS equal.
  workers_compare.py events A B
      two event logs the same multiset without flow_id.

Prints one line "ok ..." or the differences; exit 0 same, 1 different.

Order-dependent rules. Every packet of an IP address pair goes to one
worker, in capture order, so whatever a rule counts or suppresses per
pair (by: [src_ip, dst_ip, ...]) comes out the same with any number of
workers. A rule whose threshold, suppression or baseline key spans
address pairs (by: [src_ip], [src_ip, dst_port], [proto], dns_tunnel's
per source), or that matches the host inventory's events (host_new,
service_new, arp_change: the inventory is one for all workers), counts
flows that different workers handle at the same time: which of them is
first, and so which flow's record (ports, time, count) the alert
carries, is a race. Those alerts compare on the signature and the
rule's key (the fields common to its by: lists, e.g. src_ip for
host_new, dest_ip and dest_port for service_new) instead of the whole
record; every other rule compares record for record.
"""
import collections
import glob
import json
import os
import re
import sys

# Totals that must not depend on the number of workers (not peaks,
# maxima, timing, memory).
STATS_PREFIXES = ("decode.", "app.")
STATS_KEYS = ("flow.created", "http.requests", "http.responses",
              "http.transactions", "defrag.fragments", "defrag.reassembled",
              "inventory.added")
# app.* resources, not counts of what was seen.
STATS_SKIP = ("app.buffers_exhausted", "app.first_bytes_exhausted",
              "app.cert_walks_exhausted", "app.logins_exhausted",
              "app.quic_hellos_exhausted")

# by: fields -> the alert record's field.
FIELD = {"src_ip": ("src_ip",), "dst_ip": ("dest_ip",),
         "dst_port": ("dest_port",), "src_port": ("src_port",),
         "proto": ("proto",), "query": ("dns", "query"),
         "sni": ("tls", "sni")}
INVENTORY_EVENTS = ("host_new", "service_new", "arp_change")


def rule_keys(rules_dir):
    """sid -> the record fields an order-dependent rule compares on."""
    out = {}
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.yaml"))):
        sid, bys, event = None, [], None

        def done():
            if sid is None:
                return
            pair = all("src_ip" in b and "dst_ip" in b for b in bys)
            if event in INVENTORY_EVENTS or not pair:
                common = set(bys[0]) if bys else {"src_ip"}
                for b in bys[1:]:
                    common &= set(b)
                if event == "host_new" or event == "arp_change":
                    common |= {"src_ip"}
                elif event == "service_new":
                    common |= {"dst_ip", "dst_port"}
                out[sid] = sorted(f for f in common if f in FIELD)
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"\s*- sid:\s*(\d+)", line)
                if m:
                    done()
                    sid, bys, event = int(m.group(1)), [], None
                    continue
                m = re.match(r"\s+(threshold|suppress|baseline|beacon):"
                             r"\s*\{by:\s*\[([^\]]*)\]", line)
                if m:
                    bys.append([x.strip() for x in m.group(2).split(",")
                                if x.strip()])
                    continue
                if re.match(r"\s+dns_tunnel:", line):
                    bys.append(["src_ip"])      # per source, implicitly
                    continue
                m = re.match(r"\s+event:\s*(\w+)", line)
                if m:
                    event = m.group(1)
        done()
    return out


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "flow_id"}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o


def load(path):
    recs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                recs.append(strip(json.loads(line)))
            except ValueError as e:
                raise SystemExit("FAIL %s:%d: not JSON (%s): %.200s"
                                 % (path, n, e, line))
    return recs


def ordered(o):
    """Keys sorted, scalars before objects: a record shown cut short
    still shows its addresses, ports and times."""
    if isinstance(o, dict):
        return {k: ordered(v) for k, v in sorted(
            o.items(), key=lambda kv: (isinstance(kv[1], (dict, list)),
                                       kv[0]))}
    if isinstance(o, list):
        return [ordered(v) for v in o]
    return o


def dump(r):
    s = json.dumps(ordered(r), separators=(",", ":"))
    return s if len(s) <= 600 else s[:600] + "..."


def diff(what, a, b, la, lb, limit=8):
    """Multisets a and b (lists of hashable) equal, else lines."""
    ca, cb = collections.Counter(a), collections.Counter(b)
    if ca == cb:
        return []
    out = ["%s differ: %d records with %s, %d with %s"
           % (what, len(a), la, len(b), lb)]
    for lab, x, y in ((la, ca, cb), (lb, cb, ca)):
        only = list((x - y).elements())
        if only:
            out.append("  %d only with %s:" % (len(only), lab))
            out += ["    " + r for r in sorted(only)[:limit]]
            if len(only) > limit:
                out.append("    ... %d more" % (len(only) - limit))
    return out


def get(rec, path):
    for p in path:
        rec = rec.get(p) if isinstance(rec, dict) else None
    return rec


def compare_events(a, b, la, lb):
    return diff("event records (without flow_id)",
                [dump(r) for r in a], [dump(r) for r in b], la, lb)


def compare_alerts(a, b, la, lb, keys):
    out = []
    sa = collections.Counter(r["alert"]["signature_id"] for r in a)
    sb = collections.Counter(r["alert"]["signature_id"] for r in b)
    if sa != sb:
        out.append("alerts per signature differ (%s vs %s):" % (la, lb))
        for s in sorted(set(sa) | set(sb)):
            if sa[s] != sb[s]:
                out.append("  %d: %d vs %d" % (s, sa[s], sb[s]))
    # An order-dependent rule compares on its key only where its
    # records differ: as narrow as the capture allows.
    strict = collections.defaultdict(lambda: ([], []))
    for i, recs in enumerate((a, b)):
        for r in recs:
            sid = r["alert"]["signature_id"]
            if sid in keys:
                strict[sid][i].append(dump(r))
    loose = sorted(s for s, (x, y) in strict.items()
                   if collections.Counter(x) != collections.Counter(y))

    def form(r):
        sid = r["alert"]["signature_id"]
        if sid in loose:
            return dump({"signature_id": sid, "key": {
                f: get(r, FIELD[f]) for f in keys[sid]}})
        return dump(r)
    out += diff("alerts (without flow_id; order-dependent rules by key)",
                [form(r) for r in a], [form(r) for r in b], la, lb)
    return out, loose


def flat(o, p=""):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from flat(v, p + "." + k if p else k)
    elif isinstance(o, (int, float)) and not isinstance(o, bool):
        yield p, o


def compare_stats(a, b, la, lb):
    fa, fb = dict(flat(a)), dict(flat(b))
    out = []
    for k in sorted(set(fa) | set(fb)):
        if k in STATS_SKIP or not (k.startswith(STATS_PREFIXES)
                                   or k in STATS_KEYS):
            continue
        if fa.get(k) != fb.get(k):
            out.append("  %s: %s with %s, %s with %s"
                       % (k, fa.get(k), la, fb.get(k), lb))
    return ["statistics totals differ:"] + out if out else []


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "events":
        a, b = sys.argv[2], sys.argv[3]
        out = compare_events(load(a), load(b), os.path.basename(a),
                             os.path.basename(b))
        if out:
            print("\n".join(out))
            return 1
        print("ok same %d event records" % len(load(a)))
        return 0
    if len(sys.argv) != 5 or sys.argv[1] != "run":
        print(__doc__, file=sys.stderr)
        return 2
    keys = rule_keys(sys.argv[2])
    base, other = sys.argv[3], sys.argv[4]
    la, lb = os.path.basename(base), os.path.basename(other)
    ea, eb = load(base + ".events"), load(other + ".events")
    aa, ab = load(base + ".alerts"), load(other + ".alerts")
    with open(base + ".stats") as f:
        sta = json.load(f)
    with open(other + ".stats") as f:
        stb = json.load(f)
    out = compare_events(ea, eb, la, lb)
    aout, loose = compare_alerts(aa, ab, la, lb, keys)
    out += aout + compare_stats(sta, stb, la, lb)
    if out:
        print("\n".join(out))
        return 1
    print("ok %d events, %d alerts%s" % (
        len(ea), len(aa), " (by key: %s)" % " ".join(map(str, loose))
        if loose else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
