/*
 * app_dns.c — DNS message header, first question and, when an event asks,
 * the answer records (RFC 1035 4.1).
 *
 * The caller hands over one whole message (a UDP payload, or a TCP message
 * without its 2-byte length). Names are decoded with compression pointers;
 * a pointer may point forward, as resolvers accept it (a name a resolver
 * follows but we refused would be a blind spot), and loops end at the
 * jump cap, so the work per name stays bounded.
 *
 * Names are shown dotted without the trailing dot; the root is "<Root>" as
 * tshark prints it. Bytes other than printable ASCII, and '.' or '\' inside
 * a label, are written as \xHH so a label cannot fake a name boundary.
 * A name whose escaped form exceeds 255 characters keeps its end, cut at
 * a character boundary: the end is what name matchers and the
 * registered domain read, and a tunnel's labels of binary bytes
 * (iodine's base128) in front of it must not cut it off.
 */
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "cccd.h"
#include "util.h"

#define DNS_HDR_LEN		12
#define DNS_PTR_MAX		32	/* compression jumps per name */
#define DNS_NAME_WIRE_MAX	255	/* RFC 1035 2.3.4, with the root */
#define DNS_NAME_TEXT_MAX	1024	/* escaped: 4 a byte, dots, NUL */

/* Append s (n chars) to the name unless it would not fit whole. */
static int
dns_name_put(char *out, size_t outlen, size_t *n, const char *s, size_t k)
{
	if (*n + k >= outlen)
		return (-1);
	memcpy(out + *n, s, k);
	*n += k;
	out[*n] = '\0';
	return (0);
}

/* Escape one label byte into the dotted form (see the file comment). */
static int
dns_name_byte(char *out, size_t outlen, size_t *n, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";
	char	 e[4];

	if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
		e[0] = (char)c;
		return (dns_name_put(out, outlen, n, e, 1));
	}
	e[0] = '\\';
	e[1] = 'x';
	e[2] = hex[c >> 4];
	e[3] = hex[c & 0xf];
	return (dns_name_put(out, outlen, n, e, 4));
}

/* Whether every byte of a label goes out as it is (dns_name_byte's test). */
static int
dns_label_plain(const uint8_t *l, size_t k)
{
	size_t	i;

	for (i = 0; i < k; i++)
		if (l[i] <= 0x20 || l[i] >= 0x7f || l[i] == '.' ||
		    l[i] == '\\')
			return (0);
	return (1);
}

/*
 * Decode the name at *off into out, cut at a character boundary if its
 * escaped form does not fit (*cut set); *off moves past it in the
 * message. Returns 0, or -1 if the name is malformed or runs past len.
 */
static int
dns_name_text(const uint8_t *p, size_t len, size_t *off, char *out,
    size_t outlen, int *cut)
{
	size_t	 pos = *off, after = 0, wire = 1, n = 0, i;
	size_t	 ptr;
	int	 jumps = 0, full = 0, cutdigit = 0;
	uint8_t	 b;

	out[0] = '\0';
	for (;;) {
		if (pos >= len)
			return (-1);
		b = p[pos];
		if (b == 0) {
			pos++;
			break;
		}
		if ((b & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return (-1);
			ptr = (size_t)(b & 0x3f) << 8 | p[pos + 1];
			if (ptr == pos || ptr >= len || ++jumps > DNS_PTR_MAX)
				return (-1);
			if (after == 0)
				after = pos + 2;
			pos = ptr;
			continue;
		}
		if (b & 0xc0)		/* extended label types: obsolete */
			return (-1);
		if (pos + 1 + b > len)
			return (-1);
		wire += 1 + (size_t)b;
		if (wire > DNS_NAME_WIRE_MAX)
			return (-1);
		if (!full && n > 0 && dns_name_put(out, outlen, &n, ".", 1))
			full = 1;
		/* A label of plain bytes that fits goes in whole: a byte at a
		 * time was most of a DNS record's answers. */
		if (!full && n + b < outlen && dns_label_plain(p + pos + 1, b))
			(void)dns_name_put(out, outlen, &n,
			    (const char *)p + pos + 1, b);
		else
			for (i = 0; i < b && !full; i++)
				if (dns_name_byte(out, outlen, &n,
				    p[pos + 1 + i])) {
					full = 1;
					/* Cut inside a run of digits: its
					 * kept part may be a citizen-ID
					 * number's. */
					cutdigit = cccd_isdigit((char)
					    p[pos + 1 + i]);
					if (cutdigit)
						cccd_mask_cut(out, n, 0, 1);
				}
		pos += 1 + (size_t)b;
	}
	cccd_mask_escaped(out, n, cutdigit);
	if (wire == 1 && outlen > sizeof("<Root>"))
		memcpy(out, "<Root>", sizeof("<Root>"));
	*off = after != 0 ? after : pos;
	*cut = full;
	return (0);
}

/*
 * The name at *off, as dns_name_text gives it; one too long for out
 * keeps its end (the file comment): its head cut off, not its tail, which
 * lost the name's domain and with it every rule on the name.
 */
static int
dns_name(const uint8_t *p, size_t len, size_t *off, char *out, size_t outlen)
{
	char		 whole[DNS_NAME_TEXT_MAX];
	size_t		 at = 0, n, o = *off;
	int		 cut;

	if (dns_name_text(p, len, off, out, outlen, &cut) == -1)
		return (-1);
	if (!cut || outlen >= sizeof(whole))
		return (0);
	/* Whole here: no wire name takes more (DNS_NAME_WIRE_MAX). */
	if (dns_name_text(p, len, &o, whole, sizeof(whole), &cut) == -1 ||
	    cut)
		return (0);
	/* Whole characters: a '\\' is always an escape's four. */
	n = strlen(whole);
	while (at < n && (n - at >= outlen || whole[at] == '.'))
		at += whole[at] == '\\' ? 4 : 1;
	if (at > n)
		at = n;
	memcpy(out, whole + at, n - at + 1);
	/* whole was masked; a run of digits cut at its head still is one
	 * no writer sees whole. */
	if (at > 0 && cccd_isdigit(whole[at - 1]) && cccd_isdigit(whole[at]))
		cccd_mask_cut(out, n - at, 1, 0);
	return (0);
}

/*
 * Step *off past the name there without decoding it: its labels in
 * place, and a pointer ends it (not followed, as dns_name would: the
 * questions after the first are only passed over, and a message of
 * pointer-only questions made each of its bytes cost a whole name).
 * -1 where dns_name would find the name malformed in place.
 */
static int
dns_skip_name(const uint8_t *p, size_t len, size_t *off)
{
	size_t	pos = *off, wire = 1, ptr;
	uint8_t	b;

	for (;;) {
		if (pos >= len)
			return (-1);
		b = p[pos];
		if (b == 0) {
			*off = pos + 1;
			return (0);
		}
		if ((b & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return (-1);
			ptr = (size_t)(b & 0x3f) << 8 | p[pos + 1];
			if (ptr == pos || ptr >= len)
				return (-1);
			*off = pos + 2;
			return (0);
		}
		if (b & 0xc0)
			return (-1);
		wire += 1 + (size_t)b;
		if (pos + 1 + b > len || wire > DNS_NAME_WIRE_MAX)
			return (-1);
		pos += 1 + (size_t)b;
	}
}

/*
 * Parse the header and the first question. qdcount 0 is allowed (qname
 * stays empty); a malformed header or question is APP_BAD.
 */
int
app_dns_parse(const uint8_t *p, size_t len, struct app_dns *out)
{
	size_t	 off = DNS_HDR_LEN;

	memset(out, 0, sizeof(*out));
	if (len < DNS_HDR_LEN)
		return (APP_BAD);
	out->msg = p;
	out->msg_len = len;
	out->q_end = off;
	out->id = (uint16_t)(p[0] << 8 | p[1]);
	out->flags = (uint16_t)(p[2] << 8 | p[3]);
	out->qr = p[2] >> 7;
	out->opcode = (p[2] >> 3) & 0x0f;
	out->rcode = p[3] & 0x0f;
	out->qdcount = (uint16_t)(p[4] << 8 | p[5]);
	out->ancount = (uint16_t)(p[6] << 8 | p[7]);
	if (out->qdcount == 0)
		return (APP_DONE);
	if (dns_name(p, len, &off, out->qname, sizeof(out->qname)) == -1)
		return (APP_BAD);
	if (len - off < 4)
		return (APP_BAD);
	out->qtype = (uint16_t)(p[off] << 8 | p[off + 1]);
	out->q_end = off + 4;
	return (APP_DONE);
}

/*
 * The first character-string of a TXT record: spaces and '.' as they
 * are, other bytes escaped as in names.
 */
static void
dns_txt(const uint8_t *p, size_t rdlen, char *out, size_t outlen)
{
	size_t	n = 0, i;
	char	c;
	int	cut = 0;

	out[0] = '\0';
	if (rdlen == 0)
		return;
	for (i = 0; i < p[0] && 1 + i < rdlen; i++) {
		c = (char)p[1 + i];
		if ((c == ' ' || c == '.') ?
		    dns_name_put(out, outlen, &n, &c, 1) :
		    dns_name_byte(out, outlen, &n, p[1 + i])) {
			/* Cut inside a run of digits, as dns_name. */
			cut = cccd_isdigit(c);
			if (cut)
				cccd_mask_cut(out, n, 0, 1);
			break;
		}
	}
	cccd_mask_escaped(out, n, cut);
}

/*
 * The next answer record (at most DNS_ANSWERS_MAX): 1 with rr filled, 0
 * when there is none left or the message is gone, -1 when the record is
 * malformed (the caller stops there). rdata is written for A, AAAA,
 * CNAME, NS, PTR, MX (the exchange) and TXT (the first string).
 */
int
app_dns_answer(const struct app_dns *d, struct app_dns_iter *it,
    struct app_dns_rr *rr)
{
	const uint8_t	*p = d->msg;
	size_t		 len = d->msg_len, rdlen, at;
	unsigned	 q;
	uint16_t	 type;

	if (p == NULL || it->n >= d->ancount || it->n >= DNS_ANSWERS_MAX)
		return (0);
	if (it->n == 0) {
		/* Past the questions after the first. */
		it->off = d->q_end;
		for (q = 1; q < d->qdcount; q++) {
			if (dns_skip_name(p, len, &it->off) == -1 ||
			    len - it->off < 4)
				return (-1);
			it->off += 4;
		}
	}
	if (dns_name(p, len, &it->off, rr->rrname, sizeof(rr->rrname)) == -1 ||
	    len - it->off < 10)
		return (-1);
	at = it->off;
	type = (uint16_t)(p[at] << 8 | p[at + 1]);
	rr->type = type;
	rr->ttl = (uint32_t)p[at + 4] << 24 | (uint32_t)p[at + 5] << 16 |
	    (uint32_t)p[at + 6] << 8 | p[at + 7];
	rdlen = (size_t)p[at + 8] << 8 | p[at + 9];
	at += 10;
	if (len - at < rdlen)
		return (-1);
	it->off = at + rdlen;
	it->n++;
	rr->rdata[0] = '\0';
	switch (type) {
	case 1:		/* A */
		if (rdlen == 4)	/* inet_ntop's text; it formats by sprintf */
			util_addr_str(4, p + at, rr->rdata, sizeof(rr->rdata));
		break;
	case 28:	/* AAAA */
		if (rdlen == 16)	/* the same, by hand */
			util_addr_str(6, p + at, rr->rdata, sizeof(rr->rdata));
		break;
	case 15:	/* MX: preference, then the exchange */
		if (rdlen < 3)
			break;
		at += 2;
		/* FALLTHROUGH */
	case 2:		/* NS */
	case 5:		/* CNAME */
	case 12:	/* PTR */
		/* A name cut by its rdata's end reads on into the next
		 * record: keep it only if it ends inside its own. */
		if (dns_name(p, at + (rdlen - (type == 15 ? 2 : 0)), &at,
		    rr->rdata, sizeof(rr->rdata)) == -1)
			rr->rdata[0] = '\0';
		break;
	case 16:	/* TXT */
		dns_txt(p + at, rdlen, rr->rdata, sizeof(rr->rdata));
		break;
	}
	return (1);
}

/* Mnemonic of an RR type (IANA DNS parameters); "unknown" otherwise. */
const char *
app_dns_rrtype_name(uint16_t t)
{
	switch (t) {
	case 1:		return ("A");
	case 2:		return ("NS");
	case 5:		return ("CNAME");
	case 6:		return ("SOA");
	case 12:	return ("PTR");
	case 13:	return ("HINFO");
	case 15:	return ("MX");
	case 16:	return ("TXT");
	case 17:	return ("RP");
	case 18:	return ("AFSDB");
	case 24:	return ("SIG");
	case 25:	return ("KEY");
	case 28:	return ("AAAA");
	case 29:	return ("LOC");
	case 33:	return ("SRV");
	case 35:	return ("NAPTR");
	case 36:	return ("KX");
	case 37:	return ("CERT");
	case 39:	return ("DNAME");
	case 41:	return ("OPT");
	case 42:	return ("APL");
	case 43:	return ("DS");
	case 44:	return ("SSHFP");
	case 45:	return ("IPSECKEY");
	case 46:	return ("RRSIG");
	case 47:	return ("NSEC");
	case 48:	return ("DNSKEY");
	case 49:	return ("DHCID");
	case 50:	return ("NSEC3");
	case 51:	return ("NSEC3PARAM");
	case 52:	return ("TLSA");
	case 53:	return ("SMIMEA");
	case 55:	return ("HIP");
	case 59:	return ("CDS");
	case 60:	return ("CDNSKEY");
	case 61:	return ("OPENPGPKEY");
	case 62:	return ("CSYNC");
	case 63:	return ("ZONEMD");
	case 64:	return ("SVCB");
	case 65:	return ("HTTPS");
	case 99:	return ("SPF");
	case 108:	return ("EUI48");
	case 109:	return ("EUI64");
	case 249:	return ("TKEY");
	case 250:	return ("TSIG");
	case 251:	return ("IXFR");
	case 252:	return ("AXFR");
	case 253:	return ("MAILB");
	case 254:	return ("MAILA");
	case 255:	return ("ANY");
	case 256:	return ("URI");
	case 257:	return ("CAA");
	default:	return ("unknown");
	}
}

/* Mnemonic of a header RCODE (RFC 1035, 2136, 6895); "unknown" otherwise. */
const char *
app_dns_rcode_name(uint8_t rc)
{
	switch (rc) {
	case 0:		return ("NOERROR");
	case 1:		return ("FORMERR");
	case 2:		return ("SERVFAIL");
	case 3:		return ("NXDOMAIN");
	case 4:		return ("NOTIMP");
	case 5:		return ("REFUSED");
	case 6:		return ("YXDOMAIN");
	case 7:		return ("YXRRSET");
	case 8:		return ("NXRRSET");
	case 9:		return ("NOTAUTH");
	case 10:	return ("NOTZONE");
	case 11:	return ("DSOTYPENI");
	default:	return ("unknown");
	}
}
