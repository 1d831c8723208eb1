/*
 * app_detect.c — guess the application protocol of a flow from the first
 * bytes of one direction. Content decides; the well-known ports only break
 * ties between protocols that look alike (an FTP and an SMTP greeting, a
 * USER command for FTP or POP3, a DNS header with no question).
 */
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "quic.h"
#include "types.h"

static const char *const app_names[APP_MAX] = {
	[APP_UNKNOWN] = "unknown",
	[APP_TLS] = "tls",
	[APP_DNS] = "dns",
	[APP_HTTP] = "http",
	[APP_SSH] = "ssh",
	[APP_TELNET] = "telnet",
	[APP_FTP] = "ftp",
	[APP_SMTP] = "smtp",
	[APP_POP3] = "pop3",
	[APP_IMAP] = "imap",
	[APP_SNMP] = "snmp",
	[APP_QUIC] = "quic",
};

/* The name used in events and rules ("tls", "dns", ...). */
const char *
app_proto_name(enum app_proto a)
{
	if ((unsigned int)a >= APP_MAX)
		return ("unknown");
	return (app_names[a]);
}

static int
detect_port(uint16_t sport, uint16_t dport, uint16_t port)
{
	return (sport == port || dport == port);
}

int
app_carries_secrets(const struct flow *f)
{
	/* The protocols' own ports too: a flow picked up after its
	 * greeting, or one detection missed, still carries them; and
	 * LDAP's simple bind and rlogin/rsh, which send a password in
	 * clear with no parser here. */
	static const uint16_t ports[] = { 21, 23, 25, 110, 143, 161, 162,
	    389, 513, 514, 587 };
	size_t	i;

	if (app_is_plain((enum app_proto)f->app_proto))
		return (1);
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (detect_port(f->cport, f->sport, ports[i]))
			return (1);
	return (0);
}

static int
detect_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* Does p start with the case-insensitive string s? */
static int
detect_prefix(const uint8_t *p, size_t len, const char *s)
{
	size_t	 i, n = strlen(s);

	if (len < n)
		return (0);
	for (i = 0; i < n; i++)
		if (detect_lower(p[i]) != detect_lower((unsigned char)s[i]))
			return (0);
	return (1);
}

/* Does the first line of p contain the case-insensitive string s? */
static int
detect_line_has(const uint8_t *p, size_t len, const char *s)
{
	size_t	 i;

	for (i = 0; i < len && p[i] != '\n'; i++)
		if (detect_prefix(p + i, len - i, s))
			return (1);
	return (0);
}

/*
 * TLS record header or SSLv2 hello, confirmed by the hello parser of the
 * direction, or of the other one when the flow was picked up mid-way.
 */
static int
detect_tls(int dir, const uint8_t *p, size_t len, struct app_tls *t,
    int *ch_rc)
{
	int		 ch, sh, rc;

	/*
	 * Any minor record version: OpenSSL reads the first record's as
	 * anything (3.255 too) and answers the hello, so a hello in such a
	 * record went undetected, its SNI and fingerprints unread; the
	 * hello parser is what confirms it.
	 */
	if (len >= 3 && p[0] == 0x16 && p[1] == 3)
		;
	else if (len >= 5 && (p[0] & 0x80) && (p[2] == 1 || p[2] == 4))
		;
	else
		return (0);
	if (dir == 0) {
		rc = app_tls_client_hello_check(p, len, t);
		if ((ch = rc != APP_BAD))
			*ch_rc = rc;
		return (ch || app_tls_server_hello(p, len, t) != APP_BAD);
	}
	sh = app_tls_server_hello(p, len, t) != APP_BAD;
	return (sh || app_tls_client_hello_check(p, len, t) != APP_BAD);
}

/*
 * Telnet option negotiation: IAC WILL/WONT/DO/DONT/SB. Two bytes of it
 * are common in random data, so away from port 23 the whole first
 * segment must be well-formed negotiation (at least two commands, known
 * option numbers).
 */
static int
detect_telnet(const uint8_t *p, size_t len, uint16_t sport, uint16_t dport)
{
	size_t	i = 0;
	int	cmds = 0;

	if (len < 2 || p[0] != 0xff || p[1] < 0xfa || p[1] > 0xfe)
		return (0);
	if (detect_port(sport, dport, 23))
		return (1);
	while (i + 2 < len && p[i] == 0xff && p[i + 1] >= 0xfb &&
	    p[i + 1] <= 0xfe && (p[i + 2] <= 49 || p[i + 2] == 255)) {
		cmds++;
		i += 3;
	}
	return (cmds >= 2 && (i == len || p[i] == 0xff));
}

/* A DNS message with a sane header that parses. */
static int
detect_dns(const uint8_t *p, size_t len, int port53)
{
	struct app_dns	 d;
	uint32_t	 rrs;
	uint8_t		 opcode;

	if (len < 12)
		return (0);
	opcode = (p[2] >> 3) & 0x0f;
	if (opcode > 5 || opcode == 3)
		return (0);
	rrs = (uint32_t)(p[6] << 8 | p[7]) + (uint32_t)(p[8] << 8 | p[9]) +
	    (uint32_t)(p[10] << 8 | p[11]);
	if ((size_t)rrs * 11 > len - 12)
		return (0);
	if (app_dns_parse(p, len, &d) != APP_DONE)
		return (0);
	if (d.qdcount == 1)
		return (1);
	return (port53 && d.qdcount == 0);
}

/*
 * SNMP: SEQUENCE { INTEGER 0|1|3, then OCTET STRING community and a PDU
 * (v1, v2c) or the SEQUENCE of v3 header data }.
 */
static int
detect_snmp(const uint8_t *p, size_t len)
{
	size_t	 i = 0, n;
	uint64_t ver;

	if (len < 8 || p[i++] != 0x30 || app_ber_len(p, len, &i, &n) ||
	    n != len - i)
		return (0);
	if (app_ber_version(p, len, &i, &ver) || i >= len)
		return (0);
	if (ver == 3)
		return (p[i] == 0x30);
	if (ver > 1 || p[i++] != 0x04 || app_ber_len(p, len, &i, &n) ||
	    n > len - i)
		return (0);
	i += n;
	return (i < len && p[i] >= 0xa0 && p[i] <= 0xa8);
}

/* A server greeting of FTP, SMTP, POP3 or IMAP. */
static enum app_proto
detect_greeting(const uint8_t *p, size_t len, uint16_t sport, uint16_t dport)
{
	int	 smtp, ftp;

	if (len >= 4 && memcmp(p, "220", 3) == 0 &&
	    (p[3] == ' ' || p[3] == '-')) {
		smtp = detect_line_has(p, len, "SMTP");
		ftp = detect_line_has(p, len, "FTP");
		if (smtp && !ftp)
			return (APP_SMTP);
		if (ftp && !smtp)
			return (APP_FTP);
		if (detect_port(sport, dport, 21))
			return (APP_FTP);
		if (detect_port(sport, dport, 25) ||
		    detect_port(sport, dport, 587))
			return (APP_SMTP);
		return (smtp ? APP_SMTP : APP_UNKNOWN);
	}
	if (detect_prefix(p, len, "+OK"))
		return (APP_POP3);
	if (detect_prefix(p, len, "* OK") || detect_prefix(p, len, "* PREAUTH"))
		return (APP_IMAP);
	return (APP_UNKNOWN);
}

/* The first command of an FTP, SMTP, POP3 or IMAP client. */
static enum app_proto
detect_command(const uint8_t *p, size_t len, uint16_t sport, uint16_t dport)
{
	static const char *const imap[] = { "LOGIN ", "CAPABILITY",
	    "AUTHENTICATE ", "STARTTLS", "ID ", NULL };
	size_t	 i, k;

	if (detect_prefix(p, len, "USER ") || detect_prefix(p, len, "PASS "))
		return (detect_port(sport, dport, 110) ? APP_POP3 : APP_FTP);
	if (detect_prefix(p, len, "EHLO ") || detect_prefix(p, len, "HELO "))
		return (APP_SMTP);
	if (detect_prefix(p, len, "CAPA\r") || detect_prefix(p, len, "STLS\r") ||
	    detect_prefix(p, len, "APOP "))
		return (APP_POP3);
	if (detect_prefix(p, len, "AUTH TLS") ||
	    detect_prefix(p, len, "AUTH SSL"))
		return (APP_FTP);
	/* IMAP: an atom tag, a space, a command. */
	for (i = 0; i < len && i < 32 && p[i] > 0x20 && p[i] < 0x7f &&
	    p[i] != '(' && p[i] != ')' && p[i] != '{' && p[i] != '"' &&
	    p[i] != '*' && p[i] != '%' && p[i] != '\\'; i++)
		;
	if (i == 0 || i >= len || p[i] != ' ')
		return (APP_UNKNOWN);
	for (k = 0; imap[k] != NULL; k++)
		if (detect_prefix(p + i + 1, len - i - 1, imap[k]))
			return (APP_IMAP);
	return (APP_UNKNOWN);
}

/*
 * Guess the protocol from the first bytes of direction dir (0 client to
 * server, 1 server to client); APP_UNKNOWN when unsure. dir is a hint
 * only: a flow picked up mid-way may have its directions swapped, so
 * greetings and commands are recognised either way.
 */
enum app_proto
app_detect(int proto, int dir, const uint8_t *p, size_t len, uint16_t sport,
    uint16_t dport)
{
	struct app_tls	 t;
	int		 rc;

	return (app_detect_hello(proto, dir, p, len, sport, dport, &t, &rc));
}

enum app_proto
app_detect_hello(int proto, int dir, const uint8_t *p, size_t len,
    uint16_t sport, uint16_t dport, struct app_tls *ch, int *ch_rc)
{
	struct app_http	 h;
	struct app_ssh	 s;
	enum app_proto	 a;
	size_t		 mlen, lead;
	int		 port53;

	*ch_rc = -1;
	if (p == NULL || len == 0)
		return (APP_UNKNOWN);
	port53 = detect_port(sport, dport, 53) ||
	    detect_port(sport, dport, 5353) || detect_port(sport, dport, 5355);
	if (proto == PROTO_UDP) {
		/* NetBIOS name service shares DNS's header but is not DNS. */
		if (detect_port(sport, dport, 137) ||
		    detect_port(sport, dport, 138))
			return (APP_UNKNOWN);
		/* Any port: the long header and version say it. */
		if (quic_is_initial(p, len))
			return (APP_QUIC);
		if (detect_snmp(p, len))
			return (APP_SNMP);
		if (detect_dns(p, len, port53))
			return (APP_DNS);
		return (APP_UNKNOWN);
	}
	if (proto != PROTO_TCP)
		return (APP_UNKNOWN);

	if (detect_tls(dir, p, len, ch, ch_rc))
		return (APP_TLS);
	*ch_rc = -1;		/* not TLS: nothing to hand on */
	if (detect_prefix(p, len, "SSH-"))
		return (APP_SSH);
	lead = app_http_lead(p, len);
	if (memchr(p + lead, ' ', len - lead < 20 ? len - lead : 20) != NULL &&
	    app_http_request(p + lead, len - lead, &h) != APP_BAD)
		return (APP_HTTP);
	if (len >= 8 && memcmp(p, "HTTP/1.", 7) == 0)
		return (APP_HTTP);
	if (detect_telnet(p, len, sport, dport))
		return (APP_TELNET);
	if (len >= 14) {
		mlen = (size_t)p[0] << 8 | p[1];
		if (mlen >= 12 && mlen <= len - 2 &&
		    detect_dns(p + 2, mlen, port53))
			return (APP_DNS);
		if (mlen >= 12 && mlen > len - 2 && port53 &&
		    detect_dns(p + 2, len - 2, port53))
			return (APP_DNS);
	}
	if ((a = detect_greeting(p, len, sport, dport)) != APP_UNKNOWN)
		return (a);
	if ((a = detect_command(p, len, sport, dport)) != APP_UNKNOWN)
		return (a);
	/* Ties the content cannot settle. */
	if (detect_port(sport, dport, 22) &&
	    app_ssh_banner(p, len, &s) != APP_BAD)
		return (APP_SSH);
	if (detect_port(sport, dport, 23))
		return (APP_TELNET);
	return (APP_UNKNOWN);
}
