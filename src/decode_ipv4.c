/*
 * IPv4: header, options (validated, not interpreted), fragments flagged
 * for defrag.c.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "types.h"

static int
decode_ipv4_options(const uint8_t *p, size_t len)
{
	size_t	i = 0;

	while (i < len) {
		uint8_t type = p[i];

		if (type == 0)		/* end of option list */
			return 0;
		if (type == 1) {	/* no-op */
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;
		if (p[i + 1] < 2 || i + p[i + 1] > len)
			return -1;
		i += p[i + 1];
	}
	return 0;
}

int
decode_ipv4(const uint8_t *p, size_t len, struct packet *pkt)
{
	size_t		hlen, tlen;
	uint16_t	frag;

	if (len < 20) {
		pkt->err = DE_IPV4_SHORT;
		return -1;
	}
	if ((p[0] >> 4) != 4) {
		pkt->err = DE_IPV4_VERSION;
		return -1;
	}
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > len) {
		pkt->err = DE_IPV4_HLEN;
		return -1;
	}
	tlen = (size_t)(p[2] << 8 | p[3]);
	if (tlen < hlen) {
		pkt->err = DE_IPV4_LEN;
		return -1;
	}
	if (tlen > len) {
		/* Cut short by the snap length is normal; otherwise a lie. */
		if (!(pkt->flags & PKT_TRUNC)) {
			pkt->err = DE_IPV4_TRUNC;
			return -1;
		}
		tlen = len;
	}
	pkt->ipver = 4;
	pkt->ip_len = (uint16_t)(p[2] << 8 | p[3]);
	pkt->ttl = p[8];
	pkt->proto = p[9];
	memset(pkt->src, 0, sizeof(pkt->src));
	memset(pkt->dst, 0, sizeof(pkt->dst));
	memcpy(pkt->src, p + 12, 4);
	memcpy(pkt->dst, p + 16, 4);
	pkt->l3 = p;
	pkt->l3_len = (uint32_t)tlen;
	if (hlen > 20) {
		pkt->flags |= PKT_IPOPTS;
		if (decode_ipv4_options(p + 20, hlen - 20) != 0)
			pkt->err = DE_IPV4_OPT;	/* anomaly, go on */
	}
	frag = (uint16_t)(p[6] << 8 | p[7]);
	if (frag & 0x3fff) {
		pkt->flags |= PKT_FRAG;
		/* A fragment that would end past 65535 is a crafted overlap. */
		if ((size_t)(frag & 0x1fff) * 8 + (tlen - hlen) > 65535 - 20)
			pkt->err = DE_IPV4_FRAG_OVERLAP;
		if ((frag & 0x1fff) != 0)
			return 0;	/* no L4 header in later fragments */
		pkt->flags |= PKT_FRAG_FIRST;
	}
	return decode_l4(pkt->proto, p + hlen, tlen - hlen, pkt);
}
