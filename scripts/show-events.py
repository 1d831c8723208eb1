#!/usr/bin/python3
"""Print canhgacd event records (JSON lines) as a short readable table."""
import json
import sys


def describe(e):
    t = e.get("event_type")
    if t == "flow":
        f = e["flow"]
        return "%s %s pkts %d/%d bytes %d/%d (%s)" % (
            e.get("app_proto", "-"), f["state"], f["pkts_toserver"],
            f["pkts_toclient"], f["bytes_toserver"], f["bytes_toclient"],
            f["reason"])
    if t == "tls":
        x = e["tls"]
        if "sni" in x or "client_hello_version" in x:
            return "ClientHello sni=%s offers %s ja3=%s" % (
                x.get("sni", "-"), x.get("version"),
                x.get("ja3", {}).get("hash", "-"))
        return "ServerHello negotiated %s" % x.get("negotiated")
    if t == "dns":
        x = e["dns"]
        q = (x.get("queries") or [{}])[0]
        a = ",".join(r.get("rdata", r["rrtype"]) for r in x.get("answers", []))
        return "%s %s %s %s %s" % (x["type"], q.get("rrname", "-"),
                                   q.get("rrtype", "-"), x["rcode"], a)
    if t == "http":
        x = e["http"]
        return "%s %s host=%s ua=%s" % (x["http_method"], x["url"],
                                        x.get("hostname", "-"),
                                        x.get("http_user_agent", "-"))
    if t == "ssh":
        x = e["ssh"]
        side = "client" if "client" in x else "server"
        return "%s %s" % (side, x[side]["software_version"])
    if t == "plaintext":
        x = e["plaintext"]
        seen = [k for k in ("user_seen", "password_seen", "auth_seen",
                            "community_seen", "starttls") if x.get(k)]
        return "%s %s %s" % (x["protocol"], x.get("user", ""), ",".join(seen))
    if t == "alert":
        a = e["alert"]
        return "[%s %s %s] %s -- %s" % (a["severity_name"], a["category"],
                                      a["signature_id"], a["message"],
                                      a["advice"])
    return json.dumps(e)


def main():
    counts = {}
    with open(sys.argv[1]) as fh:
        for line in fh:
            e = json.loads(line)
            t = e.get("event_type")
            counts[t] = counts.get(t, 0) + 1
            src = "%s:%s" % (e.get("src_ip"), e.get("src_port", ""))
            dst = "%s:%s" % (e.get("dest_ip"), e.get("dest_port", ""))
            print("%-9s %-22s -> %-22s %-4s %s" % (
                t, src, dst, e.get("proto"), describe(e)))
    print("records: " + ", ".join("%s %d" % kv for kv in sorted(counts.items())))


if __name__ == "__main__":
    main()
