/*
 * Core types every stage shares: the packet as decoded, its protocol
 * numbers and flags, the decode error list, and the caps that bound work.
 */
#ifndef CANHGAC_TYPES_H
#define CANHGAC_TYPES_H

#include <stdint.h>

struct iface;
struct flow;
struct app_result;

#define CANHGAC_VERSION		PACKAGE_VERSION
#define NELEM(a)		(sizeof(a) / sizeof((a)[0]))

/* Caps that bound work and memory on hostile input. */
#define VLAN_MAX		2	/* tags kept; deeper stacks are an anomaly */
#define VLAN_DEPTH_MAX		4	/* tags walked before giving up */
#define IPV6_EXT_MAX		8	/* extension headers walked */
#define TUNNEL_DEPTH_MAX	3	/* tunnels taken apart inside one frame */
#define IFACE_MAX		16
#define APP_BUF_MAX		4096	/* first bytes kept per direction */
#define HTTP_HEADER_MAX		32768	/* an HTTP header, across segments */
#define APP_INSPECT_MAX		UINT32_MAX /* payload rules: to stream.depth by default */

/* Reasons a packet is malformed; each is counted, none is logged. */
#define DECODE_ERRORS(X)					\
	X(LINK_UNKNOWN, "link_unknown")				\
	X(ETH_SHORT, "eth_short")				\
	X(VLAN_SHORT, "vlan_short")				\
	X(VLAN_TOO_DEEP, "vlan_too_deep")			\
	X(SLL_SHORT, "sll_short")				\
	X(SLL2_SHORT, "sll2_short")				\
	X(NULL_SHORT, "null_short")				\
	X(NULL_FAMILY, "null_unknown_family")			\
	X(ARP_SHORT, "arp_short")				\
	X(IPV4_SHORT, "ipv4_short")				\
	X(IPV4_VERSION, "ipv4_bad_version")			\
	X(IPV4_HLEN, "ipv4_bad_header_length")			\
	X(IPV4_LEN, "ipv4_bad_total_length")			\
	X(IPV4_TRUNC, "ipv4_truncated")				\
	X(IPV4_OPT, "ipv4_bad_option")				\
	X(IPV4_FRAG_OVERLAP, "ipv4_frag_too_large")		\
	X(IPV6_SHORT, "ipv6_short")				\
	X(IPV6_VERSION, "ipv6_bad_version")			\
	X(IPV6_TRUNC, "ipv6_truncated")				\
	X(IPV6_EXT_SHORT, "ipv6_ext_short")			\
	X(IPV6_EXT_DEPTH, "ipv6_ext_too_many")			\
	X(IPV6_FRAG_SHORT, "ipv6_frag_short")			\
	X(IPV4_FRAG_OVERLAP_DIFF, "ipv4_frag_overlap")		\
	X(IPV6_FRAG_OVERLAP, "ipv6_frag_overlap")		\
	X(IPV6_FRAG_TOO_LARGE, "ipv6_frag_too_large")		\
	X(FRAG_TINY, "frag_tiny_first")				\
	X(FRAG_MEMCAP, "frag_memcap_evicted")			\
	X(TCP_SHORT, "tcp_short")				\
	X(TCP_HLEN, "tcp_bad_header_length")			\
	X(TCP_OPT, "tcp_bad_option")				\
	X(TCP_FLAGS, "tcp_bad_flags")				\
	X(TCP_OVERLAP_DIFF, "tcp_overlap")	/* stream.c */		\
	X(TCP_SCATTERED, "tcp_holes_flood")	/* stream.c */		\
	X(TCP_RST_OUT_OF_WINDOW, "tcp_rst_out_of_window") /* flow.c */	\
	X(TCP_RST_INEXACT, "tcp_rst_inexact")	/* flow.c */		\
	X(TCP_CHECKSUM, "tcp_bad_checksum")	/* checksum.c */	\
	X(IPV4_CHECKSUM, "ipv4_bad_checksum")	/* checksum.c */	\
	X(UDP_SHORT, "udp_short")				\
	X(UDP_LEN, "udp_bad_length")				\
	X(ICMP_SHORT, "icmp_short")				\
	X(ICMPV6_SHORT, "icmpv6_short")				\
	X(SCTP_SHORT, "sctp_short")				\
	X(GRE_SHORT, "gre_short")				\
	X(GRE_FLAGS, "gre_bad_flags")				\
	X(GRE_CSUM, "gre_bad_checksum")				\
	X(VXLAN_SHORT, "vxlan_short")				\
	X(VXLAN_FLAGS, "vxlan_bad_flags")			\
	X(TUNNEL_TOO_DEEP, "tunnel_too_deep")			\
	X(QUIC_HELLO_TOO_LARGE, "quic_hello_too_large") /* app.c */	\
	X(QUIC_HELLO_TOO_MANY, "quic_hello_too_many_packets") /* app.c */

enum decode_err {
	DE_NONE = 0,
#define X(id, name) DE_##id,
	DECODE_ERRORS(X)
#undef X
	DE_MAX
};
/* A rule's decode_error is a 64-bit mask of these (rules.h). */
_Static_assert(DE_MAX <= 64, "decode reasons past a rule's mask");

/*
 * A packet carries one reason. One that shows an evasion found after
 * decoding (stream.c, app.c) takes the place of a plain malformation:
 * else a junk TCP option on the piece that set it off hid it.
 */
static inline int
decode_err_yields(enum decode_err e)
{
	return e != DE_TCP_OVERLAP_DIFF && e != DE_TCP_SCATTERED &&
	    e != DE_QUIC_HELLO_TOO_LARGE && e != DE_QUIC_HELLO_TOO_MANY &&
	    e != DE_IPV4_FRAG_OVERLAP_DIFF && e != DE_IPV6_FRAG_OVERLAP &&
	    e != DE_FRAG_TINY && e != DE_IPV4_FRAG_OVERLAP &&
	    e != DE_IPV6_FRAG_TOO_LARGE;
}

/* Packet-level flags. */
#define PKT_FRAG	0x0001	/* IP fragment (any) */
#define PKT_FRAG_FIRST	0x0002	/* first fragment, carries L4 header */
#define PKT_ARP		0x0004
#define PKT_IPOPTS	0x0008
#define PKT_TRUNC	0x0010	/* captured shorter than on the wire */
#define PKT_L4		0x0020	/* ports / L4 header valid */
#define PKT_REASSEMBLED	0x0040	/* a datagram rebuilt from its fragments */
#define PKT_GAP		0x0080	/* stream.c: data lost before this payload */
#define PKT_STREAM_ALT	0x0100	/* stream.c: another copy, not the stream */
/* flow.c: a SYN on a closed flow's ports, held until the other side
 * answers it (flow_reuse): it does not move the old stream. */
#define PKT_SYN_HELD	0x0200
/* decode_tunnel.c: the payload is a tunnelled packet (tun, tun_len). */
#define PKT_TUNNEL	0x0400
/* decode_ipv6.c: a routing header with segments left: the TCP checksum's
 * destination is the route's last, not the header's. */
#define PKT_RH_PENDING	0x0800

/* Tunnels taken apart (decode_tunnel.c), one counter each. */
enum tunnel_type {
	TUN_GRE,
	TUN_IPV4_IN_IP,
	TUN_IPV6_IN_IP,
	TUN_VXLAN,
	TUN_MAX
};

#define PROTO_ICMP	1
#define PROTO_IPIP	4
#define PROTO_IPV6	41
#define PROTO_GRE	47
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMPV6	58
#define PROTO_SCTP	132

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PUSH		0x08
#define TH_ACK		0x10
#define TH_URG		0x20
#define TH_ECE		0x40
#define TH_CWR		0x80

#define ENCAP_DEPTH	0x7f
#define ENCAP_MPLS	0x80	/* under an MPLS label stack */

struct packet {
	uint64_t		 ts;		/* microseconds since epoch */
	uint32_t		 caplen;
	uint32_t		 wirelen;
	const struct iface	*iface;
	uint16_t		 vlan[VLAN_MAX];
	uint8_t			 vlan_n;
	uint8_t			 ipver;		/* 0, 4 or 6 */
	uint8_t			 proto;		/* IP protocol */
	uint8_t			 ttl;
	uint16_t		 ethertype;
	uint16_t		 flags;
	uint8_t			 src[16];	/* IPv4 in the first 4 */
	uint8_t			 dst[16];
	uint16_t		 sport;		/* ICMP: type<<8|code */
	uint16_t		 dport;		/* ICMP: 0 */
	uint8_t			 tcp_flags;
	uint8_t			 icmp_type;
	uint8_t			 icmp_code;
	uint8_t			 ip6_ext_n;
	uint32_t		 seq;
	uint32_t		 ack;
	uint16_t		 win;
	uint16_t		 ip_len;	/* IP total length per header */
	uint16_t		 l3_frag;	/* IPv6: fragment header offset */
	const uint8_t		*l3;
	uint32_t		 l3_len;
	const uint8_t		*l4;		/* TCP: header, segment length */
	uint32_t		 l4_len;
	const uint8_t		*payload;
	uint32_t		 payload_len;
	enum decode_err		 err;
	/* PKT_TUNNEL: the inner packet, its EtherType (0x6558: Ethernet). */
	const uint8_t		*tun;
	uint32_t		 tun_len;
	uint16_t		 tun_ethertype;
	uint8_t			 tun_type;	/* enum tunnel_type */
	/* What it came in, part of its flow's key: the tunnels around it
	 * (ENCAP_DEPTH bits, 0 bare), and ENCAP_MPLS. */
	uint8_t			 encap;
	/* Filled by later stages. */
	struct flow		*flow;
	uint8_t			 dir;		/* 0 to_server, 1 to_client */
	struct app_result	*app;		/* metadata found in this packet */
};

#endif /* CANHGAC_TYPES_H */
