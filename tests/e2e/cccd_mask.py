"""A hostile capture for tests/e2e/cccd_mask.sh: a different citizen-ID
number (CCCD) in every string field the sensor reports, in every record
type, and a real password (or SNMP community) in every clear-text login.
Writes the capture to argv[1], {field: number} as JSON to argv[2] and
{protocol: secret} to argv[3]; the test asserts that each number leaves
only masked and no secret leaves at all.

Also numbers that a cut splits (a field longer than the sensor keeps, a
stream's segment edges), {field: number} to argv[4]; and HTTP credentials
cut by segment boundaries, {name: secret} to argv[5] (no four characters
of one in a row may be written).

Usage: /usr/bin/python3 cccd_mask.py OUT.pcap OUT-ids.json OUT-secrets.json
       [OUT-cut-ids.json [OUT-cut-secrets.json]]
"""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "rules"))
from rulelib import (Capture, Tcp, UDP, Raw, ip, session,  # noqa: E402
                     client_hello, server_hello, app_data, dns_lookup, eph)

# Valid province codes and century digits 0-3, so each one is a number
# the masking rule applies to; the last two digits tell them apart.
IDS = {
    "dns.rrname": "020123456701",
    "http.hostname": "001123456702",
    "http.url": "079123456703",
    "http.http_user_agent": "024123456704",
    "tls.sni": "034123456705",
    "ssh.client.software_version": "036123456706",
    "ssh.server.proto_version": "040123456707",
    "ssh.server.software_version": "038223456715",
    "ftp.user": "042123456708",
    "imap.user": "044123456709",
    "pop3.user": "045123456710",
    "smtp.user": "046123456711",
    "telnet.user": "048123456712",
    "payload_printable": "049123456713",
    "in_iface": "051123456714",
    # After a byte written \xHH whose last hex digit is a digit.
    "dns.rrname.escaped": "054123456717",
}
# The passwords and the community, each its own so a leak names its path.
SECRETS = {
    "ftp": "Hunter2-ftp-Pw",
    "imap": "Hunter2-imap-Pw",
    "pop3": "Hunter2-pop3-Pw",
    "smtp": "Hunter2-smtp-Pw",
    "telnet": "Tn3t-Pw",
    "snmp": "Snmp-C0mmunity-S3cret",
}
CLIENT, SERVER, RESOLVER = "10.20.9.66", "10.20.1.10", "10.20.0.53"

cap = Capture(t0=1736215200.0)

# DNS: the query and its answer both carry the name.
dns_lookup(cap, CLIENT, RESOLVER, IDS["dns.rrname"] + ".tra-cuu.gov.vn")
# A name escapes a byte as \xHH: before a number, \x10 would make the
# digits a run of 14, no number's for the writer, though a reader of
# the escape sees the 12 after it.
dns_lookup(cap, CLIENT, RESOLVER,
           "so\x10" + IDS["dns.rrname.escaped"] + ".tra-cuu.gov.vn",
           qid=0x4244)

# HTTP: Host, the request target and User-Agent.
req = ("GET /tra-cuu?so_cccd=%s&x=1 HTTP/1.1\r\nHost: %s.cong-dan.gov.vn\r\n"
       "User-Agent: Mozilla/5.0 (CCCD %s)\r\nAccept: */*\r\n\r\n" % (
           IDS["http.url"], IDS["http.hostname"],
           IDS["http.http_user_agent"])).encode()
session(cap, CLIENT, SERVER, 80, [req],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])

# TLS: the server name of the ClientHello.
session(cap, CLIENT, SERVER, 443,
        [client_hello(IDS["tls.sni"] + ".dich-vu.gov.vn")] + app_data(300),
        [server_hello(0x0304)] + app_data(600, 0xa5))

# SSH: the client's software version; the server's protocol and software
# versions (the protocol version is digits and dots, so it can be one).
session(cap, CLIENT, SERVER, 22,
        [b"SSH-2.0-Client_%s note\r\n" % IDS["ssh.client.software_version"]
         .encode()],
        [b"SSH-%s-Server_%s\r\n" % (IDS["ssh.server.proto_version"].encode(),
                                    IDS["ssh.server.software_version"]
                                    .encode())],
        first="server")

# Plain-text logins: FTP, IMAP, POP3, SMTP AUTH PLAIN, telnet, SNMP.
def pw(p):
    return SECRETS[p].encode()


session(cap, CLIENT, SERVER, 21,
        [b"USER %s\r\n" % IDS["ftp.user"].encode(), b"PASS %s\r\n" % pw("ftp")],
        [b"220 ProFTPD Server ready\r\n", b"331 Password required\r\n",
         b"230 Logged in\r\n"], first="server")
session(cap, CLIENT, SERVER, 143,
        [b"a1 LOGIN %s %s\r\n" % (IDS["imap.user"].encode(), pw("imap"))],
        [b"* OK IMAP4rev1 Service Ready\r\n", b"a1 OK LOGIN completed\r\n"],
        first="server")
session(cap, CLIENT, SERVER, 110,
        [b"USER %s\r\n" % IDS["pop3.user"].encode(), b"PASS %s\r\n" % pw("pop3")],
        [b"+OK POP3 server ready\r\n", b"+OK\r\n", b"+OK Logged in.\r\n"],
        first="server")
plain = base64.b64encode(b"\0" + IDS["smtp.user"].encode() + b"\0" + pw("smtp"))
# The SASL response is the password too, in base64.
SECRETS["smtp.sasl"] = plain.decode()
session(cap, CLIENT, SERVER, 587,
        [b"EHLO client.example\r\n", b"AUTH PLAIN " + plain + b"\r\n"],
        [b"220 mail.example ESMTP Postfix\r\n",
         b"250-mail.example\r\n250 AUTH PLAIN LOGIN\r\n",
         b"235 2.7.0 Authentication successful\r\n"], first="server")
t = Tcp(cap, CLIENT, SERVER, eph(), 23).handshake()
t.send(1, b"\r\nDebian GNU/Linux 12\r\nlogin: ")
for ch in IDS["telnet.user"].encode() + b"\r":
    t.send(0, bytes([ch]))
t.send(1, b"Password: ")
for ch in pw("telnet") + b"\r":
    t.send(0, bytes([ch]))
t.close()
# SNMP v2c get-request: the community is the password (BER by hand:
# version 1, community, GetRequest of sysDescr.0).
comm = pw("snmp")
pdu = bytes.fromhex("a019020101020100020100300e300c06082b060102010101000500")
body = b"\x02\x01\x01\x04" + bytes([len(comm)]) + comm + pdu
cap.add(ip(CLIENT, SERVER) / UDP(sport=eph(), dport=161) /
        Raw(b"\x30" + bytes([len(body)]) + body))

# Where a secret hides elsewhere: a device that asks only "Passcode:"
# (the line typed is no user name), a proxy's URL with a password, HTTP
# Basic credentials under a payload rule, an LDAP simple bind (port
# 389), an IMAP LOGIN whose quote never closes.
SECRETS["telnet.passcode"] = "Tn3t-Passc0de"
t = Tcp(cap, CLIENT, SERVER, eph(), 23).handshake()
t.send(1, b"\r\nUser Access Verification\r\n\r\nPasscode: ")
for ch in SECRETS["telnet.passcode"].encode() + b"\r":
    t.send(0, bytes([ch]))
t.close()
SECRETS["http.userinfo"] = "Url-S3cret-Pw7"
SECRETS["http.basic"] = "Basic-S3cret-Pw8"
SECRETS["http.basic.b64"] = base64.b64encode(
    b"alice:" + SECRETS["http.basic"].encode()).decode()
session(cap, CLIENT, SERVER, 80,
        [("GET http://alice:%s@intra.cong-dan.gov.vn/bao-cao HTTP/1.1\r\n"
          "Host: intra.cong-dan.gov.vn\r\nAuthorization: Basic %s\r\n"
          "\r\n" % (SECRETS["http.userinfo"], SECRETS["http.basic.b64"]))
         .encode()],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
# A password of three characters is one too.
SECRETS["http.userinfo3"] = "P!~"
session(cap, CLIENT, SERVER, 80,
        [("GET http://bob:%s@intra.cong-dan.gov.vn/ HTTP/1.1\r\n"
          "Host: intra.cong-dan.gov.vn\r\n\r\n" % SECRETS["http.userinfo3"])
         .encode()],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
# Credentials on a folded line (obs-fold, which servers may take).
SECRETS["http.fold.b64"] = base64.b64encode(b"dave:Fold-S3cret-Pw3").decode()
session(cap, CLIENT, SERVER, 9999,
        [("GET /f?leak=1 HTTP/1.1\r\nAuthorization: Basic\r\n %s\r\n"
          "Host: intra.cong-dan.gov.vn\r\n\r\n" % SECRETS["http.fold.b64"])
         .encode()],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
# A URL's password ending at the excerpt's last byte, its '@' after it.
SECRETS["http.referer"] = "Ref-S3cret-Pw4"
req = ("GET /r HTTP/1.1\r\nAuthorization: Basic %s\r\nX-Pad: " %
       SECRETS["http.basic.b64"]).encode()
ref = ("\r\nReferer: http://carol:%s" % SECRETS["http.referer"]).encode()
req += b"p" * (128 - len(req) - len(ref)) + ref
assert len(req) == 128
session(cap, CLIENT, SERVER, 80,
        [req + b"@intra.cong-dan.gov.vn/\r\nHost: intra.cong-dan.gov.vn\r\n\r\n"],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
SECRETS["ldap"] = "Ldap-S3cret-Pw5"
dn, lpw = b"cn=admin,dc=example", SECRETS["ldap"].encode()
bind = (b"\x02\x01\x03\x04" + bytes([len(dn)]) + dn + b"\x80" +
        bytes([len(lpw)]) + lpw)
op = b"\x60" + bytes([len(bind)]) + bind
msg = b"\x02\x01\x01" + op
session(cap, CLIENT, SERVER, 389, [b"\x30" + bytes([len(msg)]) + msg],
        [bytes.fromhex("300c02010161070a010004000400")])
SECRETS["imap.unclosed"] = "Imap-S3cret-Pw6"
session(cap, CLIENT, SERVER, 143,
        [b'a1 LOGIN "dave %s\r\n' % SECRETS["imap.unclosed"].encode()],
        [b"* OK IMAP4rev1 Service Ready\r\n", b"a1 BAD\r\n"],
        first="server")

# A payload rule's printable excerpt.
cap.add(ip(CLIENT, SERVER) / UDP(sport=eph(), dport=5514) /
        Raw(b"so_cccd=%s;" % IDS["payload_printable"].encode()))

# Numbers a cut splits: a field longer than the sensor keeps, with a
# number across the place it is cut, and a stream whose segments begin
# and end inside one. Whole in no output, so the writer never masks
# them: each kept part must be masked where it is cut.
CUT_IDS = {
    "http.url": "080135792406",
    "http.hostname": "082135792407",
    "http.http_user_agent": "083135792408",
    "tls.sni": "084135792409",
    "dns.rrname": "086135792410",
    "dns.rrname.escaped": "093135792417",
    "ssh.client.software_version": "087135792411",
    "ftp.user": "089135792412",
    "telnet.user": "094135792418",
    "payload_printable.datagram": "091135792413",
    "payload_printable.segment": "092135792414",
}


def across(prefix, room, key, pad="a"):
    """prefix, padding, then CUT_IDS[key] starting 5 characters before
    the end of a field of room - 1 characters: its first 5 kept."""
    return prefix + pad * (room - 1 - 5 - len(prefix)) + CUT_IDS[key]


# HTTP: uri[512], host[256], user_agent[256].
req = ("GET %s&x=1 HTTP/1.1\r\nHost: %s.gov.vn\r\nUser-Agent: %s (x)\r\n"
       "Accept: */*\r\n\r\n" % (
           across("/tra-cuu?q=", 512, "http.url"),
           across("h", 256, "http.hostname"),
           across("Mozilla/5.0 ", 256, "http.http_user_agent"))).encode()
session(cap, CLIENT, SERVER, 80, [req],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
# TLS: sni[256].
session(cap, CLIENT, SERVER, 443,
        [client_hello(across("s", 256, "tls.sni") + ".vn")] + app_data(300),
        [server_hello(0x0304)] + app_data(600, 0xa5))
# DNS: qname[256]; a name fits in it unless escaped bytes make it longer
# (each written \\xHH): 50 such bytes are 200 characters.
dns_lookup(cap, CLIENT, RESOLVER, "\x01" * 50 + "." +
           across("", 256 - 201, "dns.rrname") + ".vn", qid=0x4343)
# The same with the kept digits right after an escaped space (\x20): the
# escape's digits are not the number's.
dns_lookup(cap, CLIENT, RESOLVER, "\x02" * 50 + "." + "a" * 45 + " " +
           CUT_IDS["dns.rrname.escaped"] + ".vn", qid=0x4345)
# SSH: software[128].
session(cap, CLIENT, SERVER, 22,
        [b"SSH-2.0-%s note\r\n" % across("C_", 128,
                                          "ssh.client.software_version")
         .encode()],
        [b"SSH-2.0-OpenSSH_9.2\r\n"], first="server")
# FTP: user[64].
session(cap, CLIENT, SERVER, 21,
        [b"USER %s\r\n" % across("u", 64, "ftp.user").encode(),
         b"PASS %s\r\n" % pw("ftp")],
        [b"220 ProFTPD Server ready\r\n", b"331 Password required\r\n",
         b"230 Logged in\r\n"], first="server")
# Telnet: user[64], typed a character a segment.
t = Tcp(cap, CLIENT, SERVER, eph(), 23).handshake()
t.send(1, b"\r\nDebian GNU/Linux 12\r\nlogin: ")
for ch in across("t", 64, "telnet.user").encode() + b"\r":
    t.send(0, bytes([ch]))
t.send(1, b"Password: ")
for ch in pw("telnet") + b"\r":
    t.send(0, bytes([ch]))
t.close()
# A payload excerpt is the first 128 bytes of a datagram.
cap.add(ip(CLIENT, SERVER) / UDP(sport=eph(), dport=5514) /
        Raw(b"%s;" % across("so_cccd=", 129, "payload_printable.datagram",
                            "p").encode()))
# A stream cut inside a number by its segments: the first ends with its
# start, the second begins with its end.
n = CUT_IDS["payload_printable.segment"].encode()
t = Tcp(cap, CLIENT, SERVER, eph(), 9999).handshake()
t.send(0, b"record so_cccd=" + n[:7])
t.send(0, n[7:] + b" leak=1 done")
t.close()

# Credentials cut by a segment boundary: each excerpt is one segment,
# and a payload rule alerts on every segment (ports 8080 and 8081), so
# the segment after the cut must be starred from where the one before
# left off: in the header's name, its scheme, its credentials, a folded
# line, a URL's "://" or its userinfo. Cut at every position, and sent a
# byte a segment; HTTP (8080) and a stream no parser reads (8081).
CUT_SECRETS = {"basic.b64": "dXNlcjpwYXNzd29yZA==", "url.password": "s3cretpw"}
SECRETS.update({"cut." + k: v for k, v in CUT_SECRETS.items()})
AUTH = ("Authorization: Basic %s" % CUT_SECRETS["basic.b64"]).encode()
FOLD = ("Authorization: Basic\r\n %s" % CUT_SECRETS["basic.b64"]).encode()
URL = ("http://user:%s@host/" % CUT_SECRETS["url.password"]).encode()
RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
PLACES = [
    (b"GET /a HTTP/1.1\r\nHost: host\r\n", AUTH, b"\r\nAccept: */*\r\n\r\n"),
    (b"GET /f HTTP/1.1\r\nHost: host\r\n", FOLD, b"\r\nAccept: */*\r\n\r\n"),
    (b"GET ", URL, b" HTTP/1.1\r\nHost: host\r\n\r\n"),
    (b"GET /r HTTP/1.1\r\nHost: host\r\nReferer: ", URL, b"\r\n\r\n"),
    (b"POST /p HTTP/1.1\r\nHost: host\r\nContent-Length: %d\r\n\r\nu=" %
     (len(URL) + 4), URL, b"&x=1"),
]


def quiet_port():
    """An ephemeral port holding no four digits of a cut number in a row
    (the test looks for them in every field)."""
    while True:
        p = eph()
        if not any(str(p)[i:i + 4] in v for v in CUT_IDS.values()
                   for i in range(len(str(p)) - 3)):
            return p


for head, secret, tail in PLACES:
    for cut in range(1, len(secret)):
        session(cap, CLIENT, SERVER, 8080,
                [head + secret[:cut], secret[cut:] + tail], [RESP],
                sport=quiet_port())
    t = Tcp(cap, CLIENT, SERVER, quiet_port(), 8081).handshake()
    t.send(0, b"NOTE 1\r\n" + head)
    for ch in secret:
        t.send(0, bytes([ch]))
    t.send(0, tail)
    t.close()

cap.write(sys.argv[1])
with open(sys.argv[2], "w") as f:
    json.dump(IDS, f, indent=1)
with open(sys.argv[3], "w") as f:
    json.dump(SECRETS, f, indent=1)
if len(sys.argv) > 4:
    with open(sys.argv[4], "w") as f:
        json.dump(CUT_IDS, f, indent=1)
if len(sys.argv) > 5:
    with open(sys.argv[5], "w") as f:
        json.dump(CUT_SECRETS, f, indent=1)
