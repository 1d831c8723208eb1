#!/usr/bin/python3
"""corpus_compare.py - check canhgacd's events for one capture against tshark.

Usage: corpus_compare.py [--tshark PATH] [--truth DIR] PCAP EVENTS.json STATS.json

Called by tests/e2e/corpus.sh once per capture, after canhgacd has read it.
It checks that EVENTS.json is well-formed JSON lines and STATS.json one JSON
object, then runs tshark on PCAP (tshark is the referee, run live) and
compares, per field, the SET of distinct values each side reports:

  tls_sni      tshark: tls.handshake.extensions_server_name of ClientHellos
               ours:   tls.sni
  dns_query    tshark: dns.qry.name of messages with dns.flags.response == 0
                       (display filter "dns || mdns || llmnr", see below)
               ours:   dns.queries[].rrname of dns.type == "request"
  dns_answer   tshark: dns.qry.name of messages with dns.flags.response == 1
               ours:   dns.queries[].rrname of dns.type == "response"
  http_host    tshark: http.host of http.request packets, ":port" removed
               ours:   http.hostname (rules.md: the host without its port)
  http_uri     tshark: http.request.uri of http.request packets
               ours:   http.url
  ssh_banner   tshark: ssh.protocol (the whole identification line)
               ours:   "SSH-" + proto_version + "-" + software_version
                       (+ " " + comments when our record carries them)

tshark runs with TCP reassembly, out-of-order segments included (not its
default), and IPv4/IPv6 defragmentation switched on explicitly (stated so a
preferences file cannot turn the referee's view back into packet by
packet): the names it reports are those of the reassembled streams and
datagrams. For the captures in
REASSEMBLED (fragments, reordered or duplicated segments) the fields listed
there must not be empty on tshark's side, so the comparison there is of
something that needed reassembling.

Sets, not counts: a value is reported once per message by both, but
retransmitted segments, duplicated packets and repeated queries make the
counts differ legitimately (tshark dissects every copy it is shown; we report
each direction of a flow once), so only "seen at least once" is compared.

Normalisations (applied to every file, not accepted differences):
  - http.host: tshark keeps the Host header verbatim, including ":port";
    we strip the port as rules.md asks. "[v6addr]:port" keeps the brackets.
  - ssh.protocol: our EVE ssh record (like Suricata's) has no "comments"
    field, so when our record has none the comment part of tshark's banner
    (after the first space) is dropped before comparing.
  - DNS: canhgacd deliberately reads mDNS (5353) and LLMNR (5355) as DNS
    (app_detect.c: same wire format, same port group as 53); tshark names
    those protocols mdns and llmnr but fills the same dns.* fields, so the
    referee's filter is "dns || mdns || llmnr". (The truth/ cross-check,
    made with "-Y dns", is compared with the plain-dns part only.)

Every difference left after that must be listed in ACCEPTED below with its
reason; anything else is a failure. Exit status: 0 ok, 1 failure, 2 usage.
"""

import json
import os
import re
import subprocess
import sys

# (capture file, field) -> (values, reason). values are the accepted members
# of the symmetric difference ("tshark only" and "ours only" together); any
# other differing value fails. A listed value no longer differing is reported
# as a note so the list can be trimmed.
ACCEPTED = {
    # Nothing accepted today. (masscan's version.bind probe, whose name ends
    # with a forward compression pointer, used to differ: app_dns.c now
    # follows forward pointers as resolvers and tshark do.)
}

FIELDS = ("tls_sni", "dns_query", "dns_answer", "http_host", "http_uri",
          "ssh_banner")

# The fragment and reorder captures (tests/corpus/MANIFEST.tsv categories
# ipfrag, tcp-anomaly; and the larger corpus's) and what tshark, having
# reassembled them, must find in each.
REASSEMBLED = {
    "zeek_tcp_handshake-reorder.pcap": ("http_host", "http_uri"),
    "zeek_ipv6-fragmented-dns.pcap": ("dns_query", "dns_answer"),
    "zeek_tcp_ssh-dups.pcap": ("ssh_banner",),
    "sv_tls-client-hello-frag-01_dump_mtu300.pcap": ("tls_sni",),
}

REASSEMBLY_PREFS = ["-o", "tcp.desegment_tcp_streams:TRUE",
                    "-o", "tcp.reassemble_out_of_order:TRUE",
                    "-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE"]


def tshark_rows(tshark, pcap, dfilter, fields):
    """Run tshark -T json; return (list of {field: [values]}, stderr, rc)."""
    args = [tshark, "-n", "-r", pcap] + REASSEMBLY_PREFS + \
        ["-T", "json", "-Y", dfilter]
    for f in fields:
        args += ["-e", f]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def collect_rows(proc):
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, "tshark timed out"
    err = err.decode("utf-8", "replace")
    err = re.sub(r'Running as user "root".*dangerous\.\s*', "", err).strip()
    text = out.decode("utf-8", "surrogateescape")
    try:
        pkts = json.loads(text or "[]")
    except json.JSONDecodeError as e:
        return None, "tshark output is not JSON (%s); stderr: %s" % (e, err)
    return [p.get("_source", {}).get("layers", {}) for p in pkts], err


def strip_port(host):
    """Host header value without its port (RFC 9110 7.2: uri-host [":" port])."""
    if host.startswith("["):
        end = host.find("]")
        return host[:end + 1] if end >= 0 else host
    if host.count(":") == 1:
        h, _, port = host.partition(":")
        if port == "" or port.isdigit():
            return h
    return host


def tshark_sets(tshark, pcap):
    """Return ({field: set}, error or None)."""
    procs = {
        "tls": tshark_rows(tshark, pcap, "tls.handshake.type == 1",
                           ["tls.handshake.extensions_server_name"]),
        "dns": tshark_rows(tshark, pcap, "dns || mdns || llmnr",
                           ["frame.protocols", "dns.qry.name",
                            "dns.flags.response", "dns.count.queries"]),
        "http": tshark_rows(tshark, pcap, "http.request",
                            ["http.host", "http.request.uri"]),
        "ssh": tshark_rows(tshark, pcap, "ssh.protocol", ["ssh.protocol"]),
    }
    rows = {}
    for k, p in procs.items():
        r, err = collect_rows(p)
        if r is None:
            for q in procs.values():
                if q.poll() is None:
                    q.kill()
                    q.communicate()
            return None, err
        rows[k] = r
    s = {f: set() for f in FIELDS}
    s["plain_dns_query"] = set()
    s["plain_dns_answer"] = set()
    for r in rows["tls"]:
        s["tls_sni"].update(r.get("tls.handshake.extensions_server_name", []))
    for r in rows["dns"]:
        names = r.get("dns.qry.name", [])
        flags = r.get("dns.flags.response", [])
        counts = r.get("dns.count.queries", [])
        # A frame may hold several DNS messages (DNS over TCP); split its
        # names by each message's question count.
        protos = (r.get("frame.protocols") or [""])[0].split(":")
        pos = 0
        for i, fl in enumerate(flags):
            try:
                n = int(counts[i]) if i < len(counts) else len(names) - pos
            except ValueError:
                n = len(names) - pos
            if i == len(flags) - 1:
                n = len(names) - pos
            key = "dns_answer" if fl in ("1", "True", "true") else "dns_query"
            s[key].update(names[pos:pos + n])
            if "dns" in protos:
                s["plain_" + key].update(names[pos:pos + n])
            pos += n
    for r in rows["http"]:
        s["http_host"].update(strip_port(h) for h in r.get("http.host", []))
        s["http_uri"].update(r.get("http.request.uri", []))
    for r in rows["ssh"]:
        s["ssh_banner"].update(r.get("ssh.protocol", []))
    return s, None


def our_sets(events_path):
    """Return ({field: set}, set of banners' comment presence, error)."""
    s = {f: set() for f in FIELDS}
    have_comments = False
    with open(events_path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.decode("utf-8", "surrogateescape").strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except json.JSONDecodeError as e:
                return None, False, "events line %d is not JSON: %s" % (n, e)
            if not isinstance(ev, dict) or "event_type" not in ev:
                return None, False, "events line %d has no event_type" % n
            t = ev["event_type"]
            if t == "tls" and "sni" in ev.get("tls", {}):
                s["tls_sni"].add(ev["tls"]["sni"])
            elif t == "dns":
                d = ev.get("dns", {})
                key = "dns_answer" if d.get("type") == "response" else "dns_query"
                for q in d.get("queries", []):
                    s[key].add(q["rrname"])
            elif t == "http":
                h = ev.get("http", {})
                if "hostname" in h:
                    s["http_host"].add(h["hostname"])
                if "url" in h:
                    s["http_uri"].add(h["url"])
            elif t == "ssh":
                for side in ("client", "server"):
                    b = ev.get("ssh", {}).get(side)
                    if not b:
                        continue
                    v = "SSH-%s-%s" % (b.get("proto_version", ""),
                                       b.get("software_version", ""))
                    if b.get("comments"):
                        have_comments = True
                        v += " " + b["comments"]
                    s["ssh_banner"].add(v)
    return s, have_comments, None


def check_stats(stats_path):
    try:
        with open(stats_path) as fh:
            st = json.load(fh)
    except (OSError, ValueError) as e:
        return "stats file unreadable or not JSON: %s" % e
    if not isinstance(st, dict):
        return "stats file is not a JSON object"
    return None


def truth_sets(truth_dir, name):
    path = os.path.join(truth_dir, name + ".json")
    try:
        with open(path) as fh:
            t = json.load(fh)
    except (OSError, ValueError):
        return None
    return {
        "tls_sni": set(t.get("tls_sni", {})),
        "dns_query": set(t.get("dns_query_names", {})),
        "dns_answer": set(t.get("dns_response_qry_names", {})),
        "http_host": set(strip_port(h) for h in t.get("http_hosts", {})),
        "http_uri": set(t.get("http_uris", {})),
        "ssh_banner": set(t.get("ssh_banners", {})),
    }


def fmt(vals):
    return "{" + ", ".join(repr(v) for v in sorted(vals)) + "}"


def main(argv):
    tshark = "tshark"
    truth_dir = None
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--tshark" and i + 1 < len(argv):
            tshark = argv[i + 1]
            i += 2
        elif argv[i] == "--truth" and i + 1 < len(argv):
            truth_dir = argv[i + 1]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 3:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    pcap, events, stats = args
    name = os.path.basename(pcap)

    err = check_stats(stats)
    if err:
        print("FAIL %s" % err)
        return 1
    ours, have_comments, err = our_sets(events)
    if err:
        print("FAIL %s" % err)
        return 1
    theirs, err = tshark_sets(tshark, pcap)
    if err:
        print("FAIL tshark: %s" % err)
        return 1
    if not have_comments:
        theirs["ssh_banner"] = set(b.split(" ", 1)[0] for b in theirs["ssh_banner"])

    fails, notes = [], []
    for f in FIELDS:
        only_t = theirs[f] - ours[f]
        only_o = ours[f] - theirs[f]
        diff = only_t | only_o
        acc_vals, reason = ACCEPTED.get((name, f), (set(), ""))
        acc_vals = set(acc_vals)
        if diff & acc_vals:
            notes.append("accepted %s difference %s: %s"
                         % (f, fmt(diff & acc_vals), reason))
        if acc_vals - diff:
            notes.append("accepted %s difference %s no longer observed"
                         % (f, fmt(acc_vals - diff)))
        only_t -= acc_vals
        only_o -= acc_vals
        if only_t or only_o:
            fails.append("%s: tshark only %s, ours only %s"
                         % (f, fmt(only_t), fmt(only_o)))

    if truth_dir:
        tr = truth_sets(truth_dir, name)
        if tr is None:
            notes.append("no readable %s.json in %s: no cross-check with truth/"
                         % (name, truth_dir))
        else:
            if not have_comments:
                tr["ssh_banner"] = set(b.split(" ", 1)[0] for b in tr["ssh_banner"])
            for f in FIELDS:
                live = theirs.get("plain_" + f, theirs[f])
                if tr[f] != live:
                    notes.append("tshark here and truth/ (tshark 4.0) differ on %s: "
                                 "live only %s, truth only %s"
                                 % (f, fmt(live - tr[f]), fmt(tr[f] - live)))

    for f in REASSEMBLED.get(name, ()):
        if not theirs[f]:
            fails.append("%s: tshark reports nothing for this reassembly "
                         "capture (REASSEMBLED)" % f)

    counts = " ".join("%s=%d" % (f, len(ours[f])) for f in FIELDS if ours[f] or theirs[f])
    if fails:
        print("FAIL " + "; ".join(fails))
    else:
        print("ok" + (" (" + counts + ")" if counts else ""))
    for n in notes:
        print("  note: " + n)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
