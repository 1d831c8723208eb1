/*
 * Link layers: Ethernet with 802.1Q/802.1ad tags and MPLS, Linux cooked
 * (SLL, SLL2), raw IP, BSD null/loopback, and ARP. Each function checks
 * the length before every field and records why a frame is malformed.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <pcap/dlt.h>

#include "decode.h"
#include "types.h"

#define ETH_HLEN	14
#define SLL_HLEN	16
#define SLL2_HLEN	20
#define ET_IPV4		0x0800
#define ET_ARP		0x0806
#define ET_VLAN		0x8100
#define ET_QINQ		0x88a8
#define ET_QINQ_OLD	0x9100
#define ET_IPV6		0x86dd
#define ET_MPLS		0x8847
#define ET_MPLS_MC	0x8848
#define MPLS_MAX	8

#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif

static const char *decode_err_names[DE_MAX] = {
	"none",
#define X(id, name) name,
	DECODE_ERRORS(X)
#undef X
};

const char *
decode_err_name(enum decode_err e)
{
	if ((unsigned)e >= DE_MAX)
		return "unknown";
	return decode_err_names[e];
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int
decode_datalink_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case 101:		/* LINKTYPE_RAW where DLT_RAW differs */
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	}
	return 0;
}

static int
decode_fail(struct packet *pkt, enum decode_err e)
{
	pkt->err = e;
	return -1;
}

/* ARP: checked for length; hosts.c reads its addresses from l3. */
static int
decode_arp(const uint8_t *p, size_t len, struct packet *pkt)
{
	pkt->flags |= PKT_ARP;
	if (len < 8)
		return decode_fail(pkt, DE_ARP_SHORT);
	if (len < 8 + 2 * (size_t)p[4] + 2 * (size_t)p[5])
		return decode_fail(pkt, DE_ARP_SHORT);
	pkt->l3 = p;
	pkt->l3_len = (uint32_t)len;
	return 0;
}

/* MPLS label stack: walk to the bottom label and guess IP by version. */
static int
decode_mpls(const uint8_t *p, size_t len, struct packet *pkt)
{
	int	i;

	/* Not the bare connection's: a host without MPLS drops it. */
	pkt->encap |= ENCAP_MPLS;
	for (i = 0; i < MPLS_MAX; i++) {
		if (len < 4)
			return decode_fail(pkt, DE_VLAN_SHORT);
		int bottom = p[2] & 0x01;
		p += 4;
		len -= 4;
		if (bottom) {
			if (len < 1)
				return 0;
			if ((p[0] >> 4) == 4)
				return decode_l3(ET_IPV4, p, len, pkt);
			if ((p[0] >> 4) == 6)
				return decode_l3(ET_IPV6, p, len, pkt);
			return 0;
		}
	}
	return decode_fail(pkt, DE_VLAN_TOO_DEEP);
}

/*
 * Dispatch on an EtherType, walking VLAN tags first. Tags beyond
 * VLAN_MAX are not kept and beyond VLAN_DEPTH_MAX the frame is refused,
 * so a frame made of tags cannot make us loop.
 */
int
decode_l3(uint16_t type, const uint8_t *p, size_t len, struct packet *pkt)
{
	int	depth = 0;

	while (type == ET_VLAN || type == ET_QINQ || type == ET_QINQ_OLD) {
		if (++depth > VLAN_DEPTH_MAX)
			return decode_fail(pkt, DE_VLAN_TOO_DEEP);
		if (len < 4)
			return decode_fail(pkt, DE_VLAN_SHORT);
		if (pkt->vlan_n < VLAN_MAX)
			pkt->vlan[pkt->vlan_n++] = rd16(p) & 0x0fff;
		else
			pkt->err = DE_VLAN_TOO_DEEP;	/* anomaly, go on */
		type = rd16(p + 2);
		p += 4;
		len -= 4;
	}
	pkt->ethertype = type;
	switch (type) {
	case ET_IPV4:
		return decode_ipv4(p, len, pkt);
	case ET_IPV6:
		return decode_ipv6(p, len, pkt);
	case ET_ARP:
		return decode_arp(p, len, pkt);
	case ET_MPLS:
	case ET_MPLS_MC:
		return decode_mpls(p, len, pkt);
	}
	return 0;
}

int
decode_eth(const uint8_t *p, size_t len, struct packet *pkt)
{
	if (len < ETH_HLEN)
		return decode_fail(pkt, DE_ETH_SHORT);
	return decode_l3(rd16(p + 12), p + ETH_HLEN, len - ETH_HLEN, pkt);
}

/* BSD null/loopback: a 4-byte address family in the writer's order. */
static int
decode_null(const uint8_t *p, size_t len, struct packet *pkt, int net_order)
{
	uint32_t	fam, le, be;

	if (len < 4)
		return decode_fail(pkt, DE_NULL_SHORT);
	be = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
	fam = net_order ? be : (be < 256 ? be : le);
	p += 4;
	len -= 4;
	switch (fam) {
	case 2:				/* AF_INET everywhere */
		return decode_ipv4(p, len, pkt);
	case 10: case 24: case 28: case 30:	/* AF_INET6 by OS */
		return decode_ipv6(p, len, pkt);
	}
	return decode_fail(pkt, DE_NULL_FAMILY);
}

/* Raw IP: the version nibble says which. */
static int
decode_raw(const uint8_t *p, size_t len, struct packet *pkt)
{
	if (len < 1)
		return decode_fail(pkt, DE_IPV4_SHORT);
	if ((p[0] >> 4) == 6)
		return decode_l3(ET_IPV6, p, len, pkt);
	return decode_l3(ET_IPV4, p, len, pkt);
}

int
decode_datagram(const uint8_t *p, size_t len, struct packet *pkt,
    uint8_t depth)
{
	int	rc;

	decode_begin(pkt);
	rc = decode_raw(p, len, pkt);
	decode_bound(pkt, depth);
	return rc;
}

int
decode_frame(int dlt, const uint8_t *p, size_t len, struct packet *pkt,
    struct decode_stats *st)
{
	int	rc;

	decode_begin(pkt);
	switch (dlt) {
	case DLT_EN10MB:
		rc = decode_eth(p, len, pkt);
		break;
	case DLT_LINUX_SLL:
		if (len < SLL_HLEN)
			rc = decode_fail(pkt, DE_SLL_SHORT);
		else
			rc = decode_l3(rd16(p + 14), p + SLL_HLEN,
			    len - SLL_HLEN, pkt);
		break;
	case DLT_LINUX_SLL2:
		if (len < SLL2_HLEN)
			rc = decode_fail(pkt, DE_SLL2_SHORT);
		else
			rc = decode_l3(rd16(p), p + SLL2_HLEN,
			    len - SLL2_HLEN, pkt);
		break;
	case DLT_RAW:
	case 101:
		rc = decode_raw(p, len, pkt);
		break;
	case DLT_IPV4:
		rc = decode_l3(ET_IPV4, p, len, pkt);
		break;
	case DLT_IPV6:
		rc = decode_l3(ET_IPV6, p, len, pkt);
		break;
	case DLT_NULL:
		rc = decode_null(p, len, pkt, 0);
		break;
	case DLT_LOOP:
		rc = decode_null(p, len, pkt, 1);
		break;
	default:
		rc = decode_fail(pkt, DE_LINK_UNKNOWN);
		break;
	}

	if (st != NULL) {
		st->packets++;
		st->bytes += pkt->wirelen;
		if (pkt->err != DE_NONE)
			st->err[pkt->err]++;
		if (pkt->vlan_n)
			st->vlan++;
		if (pkt->flags & PKT_ARP)
			st->arp++;
		else if (pkt->ipver == 4)
			st->ipv4++;
		else if (pkt->ipver == 6)
			st->ipv6++;
		else
			st->other_l3++;
		if (pkt->flags & PKT_FRAG)
			st->fragments++;
		if (pkt->flags & PKT_L4) {
			switch (pkt->proto) {
			case PROTO_TCP: st->tcp++; break;
			case PROTO_UDP: st->udp++; break;
			case PROTO_ICMP: st->icmp++; break;
			case PROTO_ICMPV6: st->icmpv6++; break;
			}
		} else if (pkt->ipver != 0 && !(pkt->flags & PKT_FRAG))
			st->other_l4++;
	}
	return rc;
}

/*
 * The IP addresses of a frame, found without decoding it (the
 * dispatcher's question: which worker gets it), or 0 for a frame with
 * none (ARP, unknown types, cut short). Walks what decode_frame walks
 * to the IP header: the link header, VLAN tags, an MPLS stack.
 */
int
decode_addr_pair(int dlt, const uint8_t *p, size_t len, const uint8_t **src,
    const uint8_t **dst)
{
	uint16_t	type;
	int		depth = 0;

	switch (dlt) {
	case DLT_EN10MB:
		if (len < ETH_HLEN)
			return 0;
		type = rd16(p + 12);
		p += ETH_HLEN;
		len -= ETH_HLEN;
		break;
	case DLT_LINUX_SLL:
		if (len < SLL_HLEN)
			return 0;
		type = rd16(p + 14);
		p += SLL_HLEN;
		len -= SLL_HLEN;
		break;
	case DLT_LINUX_SLL2:
		if (len < SLL2_HLEN)
			return 0;
		type = rd16(p);
		p += SLL2_HLEN;
		len -= SLL2_HLEN;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (len < 4)
			return 0;
		p += 4;
		len -= 4;
		type = 0;		/* by the version below */
		break;
	default:			/* raw IP */
		type = 0;
		break;
	}
	while ((type == ET_VLAN || type == ET_QINQ || type == ET_QINQ_OLD) &&
	    len >= 4 && ++depth <= VLAN_DEPTH_MAX) {
		type = rd16(p + 2);
		p += 4;
		len -= 4;
	}
	if (type == ET_MPLS || type == ET_MPLS_MC) {
		for (depth = 0; depth < MPLS_MAX && len >= 4; depth++) {
			int bottom = p[2] & 0x01;

			p += 4;
			len -= 4;
			if (bottom)
				break;
		}
		type = 0;
	}
	if (type == 0 && len >= 1)
		type = (p[0] >> 4) == 4 ? ET_IPV4 : (p[0] >> 4) == 6 ?
		    ET_IPV6 : 1;
	if (type == ET_IPV4 && len >= 20 && (p[0] >> 4) == 4) {
		*src = p + 12;
		*dst = p + 16;
		return 4;
	}
	if (type == ET_IPV6 && len >= 40 && (p[0] >> 4) == 6) {
		*src = p + 8;
		*dst = p + 24;
		return 6;
	}
	return 0;
}
