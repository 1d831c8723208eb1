"""tls_certs_compare.py - the server certificates of one capture, ours
against tshark's.

Usage: tls_certs_compare.py [--tshark PATH] PCAP EVENTS.json

tshark (the referee, run here) dissects every TLS Certificate message; the
first certificate of each (the server's own) gives, from tshark's own X.509
dissection: the SHA-256 of its bytes, its subject and issuer (tshark's
attribute OIDs and values, written as OpenSSL's one-line form so the two
can be compared: "C=US, O=Google Inc, CN=*.google.com") and its validity.
canhgacd's tls events with a certificate (events.json from --events) give
the same four. The two sets of (fingerprint, subject, issuer, notbefore,
notafter) must be equal.

Exit status: 0 equal, 1 different (both sides printed), 2 usage.
"""

import hashlib
import json
import re
import subprocess
import sys

# OpenSSL's short names of the attributes found in server certificates.
SHORT = {
    "2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber",
    "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "street",
    "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.12": "title",
    "2.5.4.15": "businessCategory", "2.5.4.17": "postalCode",
    "2.5.4.42": "GN", "2.5.4.43": "initials", "2.5.4.46": "dnQualifier",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
}


def pairs(obj):
    """Keep tshark's repeated keys: every JSON object as a list of pairs."""
    return obj


def walk(node, key=None):
    """Yield (key, value) for every pair below node, depth first."""
    if isinstance(node, list) and node and isinstance(node[0], tuple):
        for k, v in node:
            yield k, v
            yield from walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v, key)


def get(node, key):
    """The first value of key directly in node (a list of pairs)."""
    if isinstance(node, list):
        for k, v in node:
            if k == key:
                return v
    return None


def esc(v):
    """OpenSSL's RFC 2253 escaping (ASN1_STRFLGS_ESC_2253)."""
    out = ""
    for i, ch in enumerate(v):
        if ch in ',+"\\<>;' or (i == 0 and ch in "# ") or \
                (i == len(v) - 1 and ch == " "):
            out += "\\" + ch
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out += "\\%02X" % ord(ch)
        else:
            out += ch
    return out


def rdn_text(rdn_tree):
    """An RDNSequence tree as OpenSSL writes it, in certificate order."""
    parts = []
    for k, item in rdn_tree:
        if not k.endswith("RDNSequence_item_tree"):
            continue
        for k2, elem in item:
            if not k2.endswith("RelativeDistinguishedName_item_element"):
                continue
            oid = get(elem, "x509if.oid")
            val = None
            for k3, v3 in walk(elem):
                if k3 != "x509if.oid" and isinstance(v3, str) and \
                        not k3.endswith("DirectoryString"):
                    val = v3
            if oid is None or val is None:
                continue
            parts.append("%s=%s" % (SHORT.get(oid, oid), esc(val)))
    return ", ".join(parts)


def name_of(tree, side):
    """subject or issuer of a signedCertificate_element."""
    t = get(tree, "x509af.%s_tree" % side)
    for k, v in (t or []):
        if k.endswith("rdnSequence_tree"):
            return rdn_text(v)
    return ""


def time_of(tree, which):
    v = get(get(tree, "x509af.validity_element") or [],
            "x509af.%s_tree" % which) or []
    for k, t in v:
        m = re.match(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)", t)
        if m:
            return "%sT%s" % (m.group(1), m.group(2))
    return ""


def tshark_certs(tshark, pcap):
    out = subprocess.run([tshark, "-n", "-r", pcap, "-T", "json",
                          "-o", "tcp.desegment_tcp_streams:TRUE",
                          "-o", "tls.desegment_ssl_records:TRUE",
                          "-o", "tls.desegment_ssl_application_data:TRUE",
                          "-Y", "tls.handshake.type == 11"],
                         capture_output=True, timeout=300)
    doc = json.loads(out.stdout.decode("utf-8", "surrogateescape") or "[]",
                     object_pairs_hook=lambda p: list(p))
    found = set()
    for k, hs in walk(doc):
        if not k.endswith("tls.handshake") or not isinstance(hs, list):
            continue
        if get(hs, "tls.handshake.type") != "11":
            continue
        certs = get(hs, "tls.handshake.certificates") or []
        der = get(certs, "tls.handshake.certificate")
        tree = get(get(certs, "tls.handshake.certificate_tree") or [],
                   "x509af.signedCertificate_element")
        if der is None or tree is None:
            continue
        raw = bytes.fromhex(der.replace(":", ""))
        fp = ":".join("%02x" % b for b in hashlib.sha256(raw).digest())
        found.add((fp, name_of(tree, "subject"), name_of(tree, "issuer"),
                   time_of(tree, "notBefore"), time_of(tree, "notAfter")))
    return found


def our_certs(events):
    found = set()
    with open(events, "rb") as fh:
        for raw in fh:
            ev = json.loads(raw.decode("utf-8", "surrogateescape"))
            t = ev.get("tls", {})
            if ev.get("event_type") == "tls" and "fingerprint" in t:
                found.add((t["fingerprint"], t["subject"], t["issuerdn"],
                           t.get("notbefore", ""), t.get("notafter", "")))
    return found


def main(argv):
    tshark = "tshark"
    if len(argv) >= 2 and argv[0] == "--tshark":
        tshark, argv = argv[1], argv[2:]
    if len(argv) != 2:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    theirs, ours = tshark_certs(tshark, argv[0]), our_certs(argv[1])
    if theirs == ours:
        print("ok (%d certificates)" % len(ours))
        return 0
    for c in sorted(theirs - ours):
        print("FAIL tshark only: %s" % (c,))
    for c in sorted(ours - theirs):
        print("FAIL ours only:   %s" % (c,))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
