/*
 * Tunnels: GRE version 0 (RFC 2784, with RFC 2890's key and sequence
 * number), IPv4 and IPv6 carried in IP (protocols 4 and 41) and VXLAN
 * (UDP port 4789, RFC 7348). The decoder only finds the inner packet and
 * notes it on the outer one (PKT_TUNNEL); the sensor decodes it with
 * decode_inner, as a packet of its own, up to TUNNEL_DEPTH_MAX tunnels
 * deep: a loop with a bound, never recursion. A frame without a tunnel
 * pays nothing here: IP protocols reach this file past the common ones'
 * switch, UDP by one test of its port.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "checksum.h"
#include "decode.h"
#include "types.h"

#define GRE_C		0x8000	/* checksum present */
#define GRE_R		0x4000	/* RFC 1701 routing: not in version 0 */
#define GRE_K		0x2000	/* key present (RFC 2890) */
#define GRE_S		0x1000	/* sequence number present (RFC 2890) */
#define GRE_s		0x0800	/* RFC 1701 strict source route */
#define GRE_RECUR	0x0700	/* RFC 1701 recursion control */
#define GRE_VER		0x0007
#define ET_IPV4		0x0800
#define ET_IPV6		0x86dd
#define ET_TEB		0x6558	/* transparent Ethernet bridging */
#define VXLAN_I		0x08	/* the VNI is valid */

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Note the inner packet. The depth is bounded by whoever takes it apart
 * (decode_inner, decode_datagram: decode_bound), so that a frame's own
 * decode keeps no count of it.
 */
static int
tunnel_found(struct packet *pkt, enum tunnel_type type, uint16_t ethertype,
    const uint8_t *p, size_t len)
{
	pkt->flags |= PKT_TUNNEL;
	pkt->tun = p;
	pkt->tun_len = (uint32_t)len;
	pkt->tun_ethertype = ethertype;
	pkt->tun_type = (uint8_t)type;
	return 0;
}

/*
 * GRE: the inner packet follows the header and its options. What Linux's
 * ip_gre drops is not taken apart (the host never sees its inner packet,
 * so bytes an attacker slips in that way must not reach the streams):
 * routing or RFC 1701 bits, a wrong checksum. Version 1 (PPTP) and other
 * payload types are left as they are, uncounted: they are not malformed.
 */
int
decode_gre(const uint8_t *p, size_t len, struct packet *pkt)
{
	uint16_t	flags, type;
	size_t		hlen = 4;

	if (pkt->flags & PKT_FRAG)
		return 0;	/* the whole datagram is decoded after defrag */
	/* Malformed tunnels are anomalies: the outer packet goes on. */
	if (len < 4) {
		pkt->err = DE_GRE_SHORT;
		return 0;
	}
	flags = rd16(p);
	type = rd16(p + 2);
	if ((flags & GRE_VER) != 0)
		return 0;
	if (flags & (GRE_R | GRE_s | GRE_RECUR)) {
		pkt->err = DE_GRE_FLAGS;
		return 0;
	}
	hlen += (flags & GRE_C) ? 4 : 0;
	hlen += (flags & GRE_K) ? 4 : 0;
	hlen += (flags & GRE_S) ? 4 : 0;
	if (len < hlen) {
		pkt->err = DE_GRE_SHORT;
		return 0;
	}
	if (type != ET_IPV4 && type != ET_IPV6 && type != ET_TEB)
		return 0;
	/* A packet cut by the snap length cannot be summed: taken as is. */
	if ((flags & GRE_C) && !(pkt->flags & PKT_TRUNC) &&
	    checksum_fold(checksum_add(0, p, len)) != 0xffff) {
		pkt->err = DE_GRE_CSUM;
		return 0;
	}
	return tunnel_found(pkt, TUN_GRE, type, p + hlen, len - hlen);
}

/*
 * IP protocols other than TCP, UDP, ICMP and SCTP: GRE, and IPv4 (4) or
 * IPv6 (41) in IP, whose inner header follows at once; others are fine,
 * just not L4.
 */
int
decode_carrier(uint8_t proto, const uint8_t *p, size_t len,
    struct packet *pkt)
{
	switch (proto) {
	case PROTO_GRE:
		return decode_gre(p, len, pkt);
	case PROTO_IPIP:
		if (pkt->flags & PKT_FRAG)
			return 0;
		return tunnel_found(pkt, TUN_IPV4_IN_IP, ET_IPV4, p, len);
	case PROTO_IPV6:
		if (pkt->flags & PKT_FRAG)
			return 0;
		return tunnel_found(pkt, TUN_IPV6_IN_IP, ET_IPV6, p, len);
	}
	return 0;
}

/*
 * VXLAN: 8 bytes, the I flag set, then an Ethernet frame. Linux drops a
 * header without the I flag; such a datagram stays plain UDP, scanned as
 * any other. A valid one's payload is the inner frame: the UDP flow keeps
 * none of it (it is inspected once, as the inner packet).
 */
int
decode_vxlan(struct packet *pkt)
{
	const uint8_t	*p = pkt->payload;
	size_t		 len = pkt->payload_len;

	if (pkt->flags & PKT_FRAG)
		return 0;
	if (len < 8) {
		pkt->err = DE_VXLAN_SHORT;
		return 0;
	}
	if (!(p[0] & VXLAN_I)) {
		pkt->err = DE_VXLAN_FLAGS;
		return 0;
	}
	pkt->payload = NULL;
	pkt->payload_len = 0;
	return tunnel_found(pkt, TUN_VXLAN, ET_TEB, p + 8, len - 8);
}

int
decode_inner(const struct packet *outer, struct packet *in, uint8_t depth,
    struct decode_stats *st)
{
	int	rc;

	in->ts = outer->ts;
	in->iface = outer->iface;
	in->caplen = outer->tun_len;
	/* What the snap length cut from the outer packet, it cut from this. */
	in->wirelen = outer->tun_len + (outer->wirelen > outer->caplen ?
	    outer->wirelen - outer->caplen : 0);
	decode_begin(in);
	if (outer->tun_ethertype == ET_TEB)
		rc = decode_eth(outer->tun, outer->tun_len, in);
	else
		rc = decode_l3(outer->tun_ethertype, outer->tun,
		    outer->tun_len, in);
	decode_bound(in, depth);
	if (st != NULL) {
		if (outer->tun_type < TUN_MAX)
			st->tunnel[outer->tun_type]++;
		if (in->err != DE_NONE)
			st->err[in->err]++;
	}
	return rc;
}
