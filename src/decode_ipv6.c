/*
 * IPv6: the fixed header and the extension-header chain (more than
 * IPV6_EXT_MAX headers is an anomaly, walked still); fragments are
 * flagged for defrag.c.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "types.h"

#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_ESP		50
#define NH_AH		51
#define NH_NONE		59
#define NH_DSTOPTS	60
#define NH_MOBILITY	135
#define NH_HIP		139
#define NH_SHIM6	140

int
decode_ipv6(const uint8_t *p, size_t len, struct packet *pkt)
{
	size_t	plen, off;
	uint8_t	nh;

	if (len < 40) {
		pkt->err = DE_IPV6_SHORT;
		return -1;
	}
	if ((p[0] >> 4) != 6) {
		pkt->err = DE_IPV6_VERSION;
		return -1;
	}
	plen = (size_t)(p[4] << 8 | p[5]);
	if (plen == 0)
		plen = len - 40;	/* jumbogram or zero: use what we have */
	if (40 + plen > len) {
		if (!(pkt->flags & PKT_TRUNC)) {
			pkt->err = DE_IPV6_TRUNC;
			return -1;
		}
		plen = len - 40;
	}
	len = 40 + plen;	/* drop link-layer padding */
	pkt->ipver = 6;
	pkt->ip_len = (uint16_t)(40 + plen > 65535 ? 65535 : 40 + plen);
	pkt->ttl = p[7];
	memcpy(pkt->src, p + 8, 16);
	memcpy(pkt->dst, p + 24, 16);
	pkt->l3 = p;
	pkt->l3_len = (uint32_t)len;

	nh = p[6];
	off = 40;
	for (;;) {
		size_t	elen;

		switch (nh) {
		case NH_HOPOPTS:
		case NH_ROUTING:
		case NH_DSTOPTS:
		case NH_MOBILITY:
		case NH_HIP:
		case NH_SHIM6:
		case NH_AH:
		case NH_FRAGMENT:
			break;
		default:
			pkt->proto = nh;
			if (nh == NH_NONE || nh == NH_ESP)
				return 0;
			return decode_l4(nh, p + off, len - off, pkt);
		}
		/*
		 * Past IPV6_EXT_MAX: an anomaly, counted, but the chain is
		 * walked on (each header takes 8 bytes or more, so the
		 * packet's length bounds it): a host takes such a packet,
		 * and refused here it went uninspected, under the malformed
		 * flood rule's threshold.
		 */
		if (pkt->ip6_ext_n < UINT8_MAX &&
		    ++pkt->ip6_ext_n > IPV6_EXT_MAX)
			pkt->err = DE_IPV6_EXT_DEPTH;
		if (len - off < 8) {
			pkt->proto = nh;
			if (pkt->err != DE_IPV6_EXT_DEPTH)
				pkt->err = nh == NH_FRAGMENT ?
				    DE_IPV6_FRAG_SHORT : DE_IPV6_EXT_SHORT;
			return -1;
		}
		if (nh == NH_FRAGMENT) {
			uint16_t fo = (uint16_t)(p[off + 2] << 8 | p[off + 3]);

			if (!(pkt->flags & PKT_FRAG))
				pkt->l3_frag = off <= UINT16_MAX ?
				    (uint16_t)off : 0;	/* defrag.c */
			pkt->flags |= PKT_FRAG;
			if ((fo & 0xfff8) != 0) {
				pkt->proto = p[off];
				return 0;	/* later fragment: no L4 */
			}
			if ((fo & 0x0001) == 0 && off + 8 == len) {
				/* An atomic fragment with nothing in it. */
			}
			pkt->flags |= PKT_FRAG_FIRST;
			elen = 8;
		} else if (nh == NH_AH)
			elen = ((size_t)p[off + 1] + 2) * 4;
		else {
			if (nh == NH_ROUTING && p[off + 3] != 0)
				pkt->flags |= PKT_RH_PENDING;
			elen = ((size_t)p[off + 1] + 1) * 8;
		}
		if (elen > len - off) {
			pkt->proto = nh;
			pkt->err = DE_IPV6_EXT_SHORT;
			return -1;
		}
		nh = p[off];
		off += elen;
	}
}
