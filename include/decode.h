/*
 * decode_*.c: pure, bounded decoders.
 */
#ifndef CANHGAC_DECODE_H
#define CANHGAC_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "types.h"

struct decode_stats {
	uint64_t	packets;
	uint64_t	bytes;
	uint64_t	ipv4, ipv6, arp, tcp, udp, icmp, icmpv6, other_l3,
			    other_l4, fragments, vlan;
	uint64_t	err[DE_MAX];
	uint64_t	tunnel[TUN_MAX];	/* inner packets decoded */
};

/* What every decode starts from: nothing found yet. */
static inline void
decode_begin(struct packet *pkt)
{
	pkt->err = DE_NONE;
	pkt->vlan_n = 0;
	pkt->ipver = 0;
	pkt->proto = 0;
	pkt->flags = 0;
	pkt->sport = pkt->dport = 0;
	pkt->tcp_flags = 0;
	pkt->icmp_type = pkt->icmp_code = 0;
	pkt->ip6_ext_n = 0;
	pkt->payload = NULL;
	pkt->payload_len = 0;
	pkt->l3 = NULL;
	pkt->l3_len = 0;
	pkt->l4 = NULL;
	pkt->l4_len = 0;
	pkt->ethertype = 0;
	pkt->flow = NULL;
	pkt->app = NULL;
	pkt->dir = 0;
	pkt->ttl = 0;
	pkt->encap = 0;
	/* Rules may key thresholds on a packet that has no IP header. */
	memset(pkt->src, 0, sizeof(pkt->src));
	memset(pkt->dst, 0, sizeof(pkt->dst));
	if (pkt->caplen < pkt->wirelen)
		pkt->flags |= PKT_TRUNC;
}

/*
 * A packet depth tunnels deep: a tunnel inside it past TUNNEL_DEPTH_MAX
 * is not taken apart but counted (its bytes stay the opaque payload of
 * this packet, whose flow and header rules still see it).
 */
static inline void
decode_bound(struct packet *pkt, uint8_t depth)
{
	pkt->encap = (uint8_t)((pkt->encap & ENCAP_MPLS) | depth);
	if ((pkt->flags & PKT_TUNNEL) && depth >= TUNNEL_DEPTH_MAX) {
		pkt->flags &= (uint16_t)~PKT_TUNNEL;
		pkt->err = DE_TUNNEL_TOO_DEEP;
	}
}

const char *decode_err_name(enum decode_err);
int	 decode_datalink_supported(int dlt);
/* Decode one frame of link type dlt; returns 0, or -1 with pkt->err set. */
int	 decode_frame(int dlt, const uint8_t *p, size_t len, struct packet *,
	    struct decode_stats *);
/* A datagram rebuilt by defrag.c, depth tunnels deep (not counted). */
int	 decode_datagram(const uint8_t *, size_t, struct packet *,
	    uint8_t depth);
/*
 * The inner packet of outer (PKT_TUNNEL) into in, depth tunnels deep
 * (1 inside a frame's tunnel); counts the tunnel and the inner packet's
 * anomaly in st.
 */
int	 decode_inner(const struct packet *outer, struct packet *in,
	    uint8_t depth, struct decode_stats *st);
/* A frame's IP source and destination (4 or 6), or 0: dispatch only. */
int	 decode_addr_pair(int dlt, const uint8_t *, size_t,
	    const uint8_t **src, const uint8_t **dst);
int	 decode_eth(const uint8_t *, size_t, struct packet *);
int	 decode_l3(uint16_t ethertype, const uint8_t *, size_t,
	    struct packet *);
int	 decode_ipv4(const uint8_t *, size_t, struct packet *);
int	 decode_ipv6(const uint8_t *, size_t, struct packet *);
int	 decode_l4(uint8_t proto, const uint8_t *, size_t, struct packet *);
int	 decode_tcp(const uint8_t *, size_t, struct packet *);
uint16_t decode_tcp_mss(const struct packet *);
int	 decode_udp(const uint8_t *, size_t, struct packet *);
int	 decode_icmp(const uint8_t *, size_t, struct packet *);
int	 decode_icmpv6(const uint8_t *, size_t, struct packet *);
int	 decode_sctp(const uint8_t *, size_t, struct packet *);
int	 decode_gre(const uint8_t *, size_t, struct packet *);
int	 decode_carrier(uint8_t proto, const uint8_t *, size_t,
	    struct packet *);
int	 decode_vxlan(struct packet *);

#endif /* CANHGAC_DECODE_H */
