/*
 * app_plain.c — what clear-text login protocols show: telnet, FTP, SMTP,
 * POP3, IMAP and SNMP v1/v2c.
 *
 * Called once per segment (or datagram) with dir 0 = client to server,
 * 1 = server to client. The same struct app_plain is passed for both
 * directions of a flow and keeps what was seen across calls; the caller
 * zeroes it once per flow. Secrets (passwords, communities, SASL
 * responses) are never copied, only noted.
 *
 * Telnet clients often send one keystroke per segment: the user name is
 * gathered in out->user across calls (so the caller must keep the whole
 * struct, not only seen) and PLAIN_USER is set when its line ends. Only
 * a line typed after the server asked for a user name ("login:",
 * "name:") is one: a line typed after another prompt, or none, may be a
 * password (a device asking only "Passcode:", or in Vietnamese), and is
 * not copied. The prompts are matched across segments.
 *
 * Two bits of seen above the PLAIN_* ones are private state here:
 *   PLAIN_L_A  telnet: the user name is being typed;
 *              SMTP: inside DATA (lines are message text, not commands).
 *   PLAIN_L_B  telnet: the server asked for a password;
 *              SMTP/POP3/IMAP: the next client line is a SASL PLAIN
 *              response (AUTH PLAIN without an initial response).
 * The caller should mask seen with 0x3f when reporting.
 *
 * Line protocols are read a line at a time; a command split over two
 * segments is seen in pieces (its head is still recognised). Returns
 * APP_DONE when this call recognised something, APP_MORE when nothing
 * yet but the bytes fit the protocol, APP_BAD when they do not (the
 * caller can stop inspecting that direction).
 */
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "cccd.h"

#define PLAIN_L_A	0x40
#define PLAIN_L_B	0x80

#define TELNET_IAC	0xff
#define TELNET_SE	0xf0
#define TELNET_SB	0xfa
#define TELNET_WILL	0xfb

/* One line of a segment, without its CR LF. */
struct plain_line {
	const uint8_t	*s;
	size_t		 n;
};

static int
plain_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

static int
plain_alpha(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

/* Next line of p from *off; the last one may lack its line end. */
static int
plain_next_line(const uint8_t *p, size_t len, size_t *off,
    struct plain_line *l)
{
	const uint8_t	*nl;
	size_t		 n;

	if (*off >= len)
		return (0);
	l->s = p + *off;
	nl = memchr(l->s, '\n', len - *off);
	n = nl != NULL ? (size_t)(nl - l->s) : len - *off;
	*off += n + (nl != NULL);
	if (n > 0 && l->s[n - 1] == '\r')
		n--;
	l->n = n;
	return (1);
}

/* Is the line text (no control bytes but TAB)? */
static int
plain_is_text(const struct plain_line *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if ((l->s[i] < 0x20 && l->s[i] != '\t') || l->s[i] == 0x7f)
			return (0);
	return (1);
}

/* Take the next space-separated word of l from *i. */
static size_t
plain_word(const struct plain_line *l, size_t *i, const uint8_t **w)
{
	size_t	 start;

	while (*i < l->n && (l->s[*i] == ' ' || l->s[*i] == '\t'))
		(*i)++;
	start = *i;
	while (*i < l->n && l->s[*i] != ' ' && l->s[*i] != '\t')
		(*i)++;
	*w = l->s + start;
	return (*i - start);
}

/* Case-insensitive comparison of a word with a command name. */
static int
plain_is(const uint8_t *w, size_t n, const char *cmd)
{
	size_t	 i;

	if (n != strlen(cmd))
		return (0);
	for (i = 0; i < n; i++)
		if (plain_lower(w[i]) != plain_lower((unsigned char)cmd[i]))
			return (0);
	return (1);
}

/* The rest of the line from i, without surrounding blanks. */
static size_t
plain_rest(const struct plain_line *l, size_t i, const uint8_t **r)
{
	size_t	 n = l->n;

	while (i < n && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	while (n > i && (l->s[n - 1] == ' ' || l->s[n - 1] == '\t'))
		n--;
	*r = l->s + i;
	return (n - i);
}

static int
plain_b64(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/*
 * A SASL PLAIN response, base64 of "authzid NUL authcid NUL passwd":
 * note the user and that a password went in clear. The password is
 * decoded only into a stack buffer and wiped.
 */
static int
plain_sasl_plain(const uint8_t *s, size_t n, struct app_plain *out)
{
	uint8_t	 buf[384];
	size_t	 i, o = 0, z1 = 0, nz = 0;
	uint32_t acc = 0;
	int	 bits = 0, v;

	if (n == 0 || (n == 1 && s[0] == '*'))
		return (0);
	for (i = 0; i < n && s[i] != '='; i++) {
		if ((v = plain_b64(s[i])) < 0 || o == sizeof(buf))
			goto fail;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	for (i = 0; i < o; i++)
		if (buf[i] == 0 && nz++ == 0)
			z1 = i;
	if (nz != 2)
		goto fail;
	for (i = z1 + 1; i < o && buf[i] != 0; i++)
		;
	(void)cccd_copy_text(out->user, sizeof(out->user), buf + z1 + 1,
	    i - z1 - 1, '?');
	out->seen |= PLAIN_USER | PLAIN_PASS;
	memset(buf, 0, sizeof(buf));
	return (1);
 fail:
	memset(buf, 0, sizeof(buf));
	return (0);
}

static void
plain_command(struct app_plain *out, const uint8_t *w, size_t n)
{
	(void)cccd_copy_text(out->command, sizeof(out->command), w, n, '?');
}

/* A server greeting line: "220 ..." (FTP, SMTP), "+OK" (POP3), "* OK". */
static int
plain_server(enum app_proto proto, const struct plain_line *l,
    struct app_plain *out, int first)
{
	int	 ok = 0;

	switch (proto) {
	case APP_FTP:
	case APP_SMTP:
		if (l->n >= 3 && l->s[0] >= '1' && l->s[0] <= '5' &&
		    l->s[1] >= '0' && l->s[1] <= '9' &&
		    l->s[2] >= '0' && l->s[2] <= '9' &&
		    (l->n == 3 || l->s[3] == ' ' || l->s[3] == '-')) {
			ok = 1;
			if (first && memcmp(l->s, "220", 3) == 0) {
				out->seen |= PLAIN_BANNER;
				return (1);
			}
		}
		break;
	case APP_POP3:
		if (l->n >= 3 && memcmp(l->s, "+OK", 3) == 0) {
			if (first) {
				out->seen |= PLAIN_BANNER;
				return (1);
			}
			ok = 1;
		} else if (l->n >= 4 && memcmp(l->s, "-ERR", 4) == 0)
			ok = 1;
		break;
	case APP_IMAP:
		if (l->n >= 4 && (memcmp(l->s, "* OK", 4) == 0 ||
		    (l->n >= 9 && memcmp(l->s, "* PREAUTH", 9) == 0))) {
			if (first) {
				out->seen |= PLAIN_BANNER;
				return (1);
			}
			ok = 1;
		} else if (l->n >= 5 && memcmp(l->s, "* BYE", 5) == 0)
			ok = 1;
		break;
	default:
		break;
	}
	/* Only the first line of a reply stream has a fixed shape. */
	return (ok || !first ? 0 : -1);
}

/* FTP and POP3 client commands (RFC 959, 2228, 1939, 2595, 5034). */
static int
plain_ftp_pop3(enum app_proto proto, const struct plain_line *l,
    struct app_plain *out)
{
	const uint8_t	*w, *a;
	size_t		 i = 0, n, an;

	n = plain_word(l, &i, &w);
	if (n < 3 || n > 4)
		return (-1);
	for (an = 0; an < n; an++)
		if (!plain_alpha(w[an]))
			return (-1);
	an = plain_rest(l, i, &a);
	if (plain_is(w, n, "USER")) {
		out->seen |= PLAIN_USER;
		(void)cccd_copy_text(out->user, sizeof(out->user), a, an, '?');
	} else if (plain_is(w, n, "PASS")) {
		out->seen |= PLAIN_PASS;
	} else if (proto == APP_FTP && plain_is(w, n, "AUTH")) {
		out->seen |= PLAIN_STARTTLS;
	} else if (proto == APP_POP3 && plain_is(w, n, "STLS")) {
		out->seen |= PLAIN_STARTTLS;
	} else if (proto == APP_POP3 && plain_is(w, n, "APOP")) {
		i = 0;
		(void)plain_word(l, &i, &w);
		an = plain_word(l, &i, &a);
		out->seen |= PLAIN_USER | PLAIN_AUTH;
		(void)cccd_copy_text(out->user, sizeof(out->user), a, an, '?');
	} else if (proto == APP_POP3 && plain_is(w, n, "AUTH")) {
		i = 0;
		(void)plain_word(l, &i, &w);
		out->seen |= PLAIN_AUTH;
		an = plain_word(l, &i, &a);
		if (plain_is(a, an, "PLAIN")) {
			an = plain_word(l, &i, &a);
			if (an == 0)
				out->seen |= PLAIN_L_B;
			else
				(void)plain_sasl_plain(a, an, out);
		}
	} else
		return (0);
	plain_command(out, w, n);
	return (1);
}

/* SMTP client commands (RFC 5321, 3207, 4954). */
static int
plain_smtp(const struct plain_line *l, struct app_plain *out)
{
	const uint8_t	*w, *a;
	size_t		 i = 0, n, an;

	if (out->seen & PLAIN_L_A) {
		if (l->n == 1 && l->s[0] == '.')
			out->seen &= ~PLAIN_L_A;
		return (0);
	}
	n = plain_word(l, &i, &w);
	if (n < 4)
		return (n == 0 ? 0 : -1);
	for (an = 0; an < 4; an++)
		if (!plain_alpha(w[an]))
			return (-1);
	if (plain_is(w, n, "DATA")) {
		out->seen |= PLAIN_L_A;
		return (0);
	}
	if (plain_is(w, n, "STARTTLS")) {
		out->seen |= PLAIN_STARTTLS;
	} else if (plain_is(w, n, "AUTH")) {
		out->seen |= PLAIN_AUTH;
		an = plain_word(l, &i, &a);
		if (plain_is(a, an, "PLAIN")) {
			an = plain_word(l, &i, &a);
			if (an == 0)
				out->seen |= PLAIN_L_B;
			else
				(void)plain_sasl_plain(a, an, out);
		}
	} else
		return (0);
	plain_command(out, w, n);
	return (1);
}

/* IMAP "tag LOGIN user pass", AUTHENTICATE, STARTTLS (RFC 9051). */
static int
plain_imap(const struct plain_line *l, struct app_plain *out)
{
	const uint8_t	*tag, *w, *a;
	size_t		 i = 0, tn, n, an, k;

	tn = plain_word(l, &i, &tag);
	n = plain_word(l, &i, &w);
	if (tn == 0)
		return (0);
	if (plain_is(w, n, "LOGIN")) {
		out->seen |= PLAIN_USER | PLAIN_PASS;
		while (i < l->n && l->s[i] == ' ')
			i++;
		if (i < l->n && l->s[i] == '"') {
			/* quoted string; keep it without escapes */
			for (k = i + 1; k < l->n && l->s[k] != '"'; k++)
				if (l->s[k] == '\\')
					k++;
			/* Unclosed, the rest of the line holds the password
			 * too: nothing copied. */
			a = l->s + i + 1;
			an = k < l->n ? k - i - 1 : 0;
			(void)cccd_copy_text(out->user, sizeof(out->user), a,
			    an, '?');
		} else if (i < l->n && l->s[i] == '{') {
			out->user[0] = '\0';	/* a literal: not followed */
		} else {
			an = plain_word(l, &i, &a);
			(void)cccd_copy_text(out->user, sizeof(out->user), a,
			    an, '?');
		}
	} else if (plain_is(w, n, "AUTHENTICATE")) {
		out->seen |= PLAIN_AUTH;
		an = plain_word(l, &i, &a);
		if (plain_is(a, an, "PLAIN")) {
			an = plain_word(l, &i, &a);
			if (an == 0)
				out->seen |= PLAIN_L_B;
			else
				(void)plain_sasl_plain(a, an, out);
		}
	} else if (plain_is(w, n, "STARTTLS")) {
		out->seen |= PLAIN_STARTTLS;
	} else
		return (0);
	plain_command(out, w, n);
	return (1);
}

/* The line protocols: each line of the segment in turn. */
static int
plain_lines(enum app_proto proto, int dir, const uint8_t *p, size_t len,
    struct app_plain *out)
{
	struct plain_line l;
	size_t		 off = 0;
	int		 found = 0, rc, first;

	while (plain_next_line(p, len, &off, &l)) {
		if (!plain_is_text(&l))
			return (found ? APP_DONE : APP_BAD);
		if (l.n == 0)
			continue;
		if (dir == 1) {
			first = !(out->seen & PLAIN_BANNER) && l.s == p;
			if ((rc = plain_server(proto, &l, out, first)) < 0)
				return (APP_BAD);
			found |= rc;
			continue;
		}
		if ((out->seen & PLAIN_L_B) && proto != APP_FTP) {
			out->seen &= ~PLAIN_L_B;
			if (plain_sasl_plain(l.s, l.n, out))
				found = 1;
			continue;
		}
		if (proto == APP_SMTP)
			rc = plain_smtp(&l, out);
		else if (proto == APP_IMAP)
			rc = plain_imap(&l, out);
		else
			rc = plain_ftp_pop3(proto, &l, out);
		if (rc < 0)
			return (found ? APP_DONE : APP_BAD);
		found |= rc;
	}
	return (found ? APP_DONE : APP_MORE);
}

/*
 * Advance a case-insensitive match of pat over one more byte c; *m, the
 * length matched so far, is the flow's (prompts come in pieces).
 */
static int
plain_match(const char *pat, uint8_t *m, uint8_t c)
{
	c = (uint8_t)plain_lower(c);
	if ((uint8_t)pat[*m] != c)
		*m = 0;
	if ((uint8_t)pat[*m] == c)
		(*m)++;
	if (pat[*m] == '\0') {
		*m = 0;
		return (1);
	}
	return (0);
}

/* One data byte (after IAC processing) of a telnet session. */
static int
plain_telnet_data(int dir, uint8_t c, struct app_plain *out)
{
	size_t	 n;

	if (dir == 1) {
		/* "Login:", "Username:", "User name:": a user name next. */
		if (plain_match("login:", &out->m_login, c) |
		    plain_match("name:", &out->m_name, c)) {
			out->prompt_user = 1;
			out->seen &= ~PLAIN_L_B;
			if (!(out->seen & PLAIN_BANNER)) {
				out->seen |= PLAIN_BANNER;
				return (1);
			}
		}
		/* "Password", "Passcode", Vietnamese "Mật khẩu": a secret. */
		if (plain_match("assword", &out->m_pass, c) |
		    plain_match("asscode", &out->m_code, c) |
		    plain_match("kh\xe1\xba\xa9u", &out->m_khau, c)) {
			out->seen |= PLAIN_L_B;
			out->prompt_user = 0;
		}
		return (0);
	}
	if (c == '\r' || c == '\n') {
		/* The end of the user name line reports it whole. */
		n = (out->seen & PLAIN_L_A) && out->user[0] != '\0';
		out->seen &= ~(PLAIN_L_A | PLAIN_L_B);
		if (n) {
			out->seen |= PLAIN_USER;
			memcpy(out->command, "login", sizeof("login"));
			return (1);
		}
		return (0);
	}
	if (c == 0x08 || c == 0x7f) {		/* erase while typing */
		if ((out->seen & PLAIN_L_A) &&
		    (n = strlen(out->user)) > 0)
			out->user[n - 1] = '\0';
		return (0);
	}
	if (c < 0x20 || c > 0x7e)
		return (0);
	if (out->seen & PLAIN_L_B) {
		if (out->seen & PLAIN_PASS)
			return (0);
		out->seen |= PLAIN_PASS;
		memcpy(out->command, "password", sizeof("password"));
		return (1);
	}
	/* Not after a user name prompt: perhaps a secret, not copied. */
	if (!(out->seen & (PLAIN_USER | PLAIN_L_A))) {
		if (!out->prompt_user)
			return (0);
		out->prompt_user = 0;
		out->seen |= PLAIN_L_A;
		out->user[0] = '\0';
	}
	if ((out->seen & PLAIN_L_A) &&
	    (n = strlen(out->user)) < sizeof(out->user) - 1) {
		out->user[n] = (char)c;
		out->user[n + 1] = '\0';
	} else if ((out->seen & PLAIN_L_A) && cccd_isdigit((char)c))
		/* Cut inside a run of digits, as cccd_copy_text cuts. */
		cccd_mask_cut(out->user, n, 0, 1);
	return (0);
}

/*
 * Telnet (RFC 854, 855): skip IAC commands, option negotiation and
 * subnegotiation; look at the data left (see the file comment).
 */
static int
plain_telnet(int dir, const uint8_t *p, size_t len, struct app_plain *out)
{
	size_t	 i = 0;
	int	 found = 0;

	while (i < len) {
		if (p[i] != TELNET_IAC) {
			found |= plain_telnet_data(dir, p[i], out);
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		if (p[i + 1] == TELNET_IAC) {		/* data byte 255 */
			i += 2;
		} else if (p[i + 1] >= TELNET_WILL) {	/* WILL..DONT opt */
			i += 3;
		} else if (p[i + 1] == TELNET_SB) {
			/* Up to IAC SE; IAC IAC inside is data. */
			for (i += 2; i < len; i++) {
				if (p[i] != TELNET_IAC)
					continue;
				if (i + 1 < len && p[i + 1] == TELNET_SE) {
					i += 2;
					break;
				}
				i++;
			}
		} else
			i += 2;
	}
	return (found ? APP_DONE : APP_MORE);
}

int
app_ber_len(const uint8_t *p, size_t len, size_t *i, size_t *out)
{
	size_t	 k, nb;

	if (*i >= len)
		return (-1);
	if (p[*i] < 0x80)
		*out = p[(*i)++];
	else {
		nb = p[(*i)++] & 0x7f;
		if (nb == 0 || nb > sizeof(*out) || len - *i < nb)
			return (-1);
		for (*out = 0, k = 0; k < nb; k++)
			*out = *out << 8 | p[(*i)++];
	}
	return (*out <= len - *i ? 0 : -1);
}

int
app_ber_version(const uint8_t *p, size_t len, size_t *i, uint64_t *out)
{
	size_t	 n, k;

	if (*i >= len || p[(*i)++] != 0x02 || app_ber_len(p, len, i, &n) ||
	    n == 0 || n > 8)
		return (-1);
	for (*out = 0, k = 0; k < n; k++)
		*out = *out << 8 | p[(*i)++];
	return (0);
}

/*
 * SNMP message (RFC 1157, 3416): SEQUENCE { INTEGER version, OCTET
 * STRING community, PDU }. v1/v2c carry the community in clear; v3 and
 * anything else is APP_BAD.
 */
static int
plain_snmp(const uint8_t *p, size_t len, struct app_plain *out)
{
	static const char *const pdus[] = { "get", "getnext", "response",
	    "set", "trap", "getbulk", "inform", "trapv2", "report" };
	size_t	 i = 0, n;
	uint64_t ver;

	if (len < 2 || p[i++] != 0x30 || app_ber_len(p, len, &i, &n) == -1)
		return (APP_BAD);
	len = i + n;				/* the outer SEQUENCE */
	if (app_ber_version(p, len, &i, &ver) == -1 || ver > 1)
		return (APP_BAD);
	if (i >= len || p[i++] != 0x04 || app_ber_len(p, len, &i, &n) == -1)
		return (APP_BAD);
	i += n;					/* the community: not kept */
	if (i >= len || p[i] < 0xa0 || p[i] > 0xa8)
		return (APP_BAD);
	if (ver == 0 && (p[i] == 0xa5 || p[i] == 0xa6 || p[i] == 0xa7))
		return (APP_BAD);		/* v2 PDUs in a v1 message */
	out->seen |= PLAIN_COMMUNITY;
	out->snmp_version = (uint8_t)(ver + 1);
	memcpy(out->command, pdus[p[i] - 0xa0], strlen(pdus[p[i] - 0xa0]) + 1);
	return (APP_DONE);
}

/* Look at one segment of a clear-text protocol (see the file comment). */
int
app_plain_parse(enum app_proto proto, int dir, const uint8_t *p, size_t len,
    struct app_plain *out)
{
	out->proto = (uint8_t)proto;
	switch (proto) {
	case APP_TELNET:
		return (plain_telnet(dir, p, len, out));
	case APP_FTP:
	case APP_SMTP:
	case APP_POP3:
	case APP_IMAP:
		return (plain_lines(proto, dir, p, len, out));
	case APP_SNMP:
		return (plain_snmp(p, len, out));
	default:
		return (APP_BAD);
	}
}
