/*
 * Decoder tests: well-formed frames of every link type and layer, one
 * malformed case per reason, tunnels (GRE, IP in IP, VXLAN, nested past
 * the bound), and every truncation of valid frames, their tunnels taken
 * apart (run under ASan in CI, so an out-of-bounds read fails the test).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pcap/dlt.h>

#include "decode.h"
#include "types.h"

/* Ethernet + IPv4 + TCP SYN 10.0.0.1:40000 -> 10.0.0.2:80, MSS option. */
static const uint8_t eth_tcp[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
	0x45, 0, 0, 44, 0, 1, 0x40, 0, 64, 6, 0, 0,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff,
	0, 0, 0, 0, 2, 4, 5, 0xb4,
};

/* Ethernet + 802.1Q(100) + 802.1Q(200) + IPv4 + UDP 53 with 4 bytes. */
static const uint8_t qinq_udp[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0xa8,
	0x00, 100, 0x81, 0x00, 0x00, 200, 0x08, 0x00,
	0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0,
	192, 168, 1, 1, 192, 168, 1, 2,
	0x30, 0x39, 0, 53, 0, 12, 0, 0, 'a', 'b', 'c', 'd',
};

/* Raw IPv6 + hop-by-hop + dstopts + ICMPv6 echo request. */
static const uint8_t ip6_ext_icmp[] = {
	0x60, 0, 0, 0, 0, 24, 0, 64,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	60, 0, 1, 4, 0, 0, 0, 0,		/* HBH -> dstopts, PadN */
	58, 0, 1, 4, 0, 0, 0, 0,		/* dstopts -> ICMPv6 */
	128, 0, 0, 0, 0, 1, 0, 1,		/* echo request */
};

/* Linux SLL2 + IPv4 + ICMP echo reply. */
static const uint8_t sll2_icmp[] = {
	0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0,
	0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0,
	10, 0, 0, 2, 10, 0, 0, 1,
	0, 0, 0, 0, 0, 7, 0, 1,
};

/* BSD null (little-endian AF_INET) + IPv4 fragment (offset 8). */
static const uint8_t null_frag[] = {
	2, 0, 0, 0,
	0x45, 0, 0, 28, 0, 1, 0x20, 0x01, 64, 17, 0, 0,
	10, 0, 0, 1, 10, 0, 0, 2,
	1, 2, 3, 4, 5, 6, 7, 8,
};

/* Ethernet + IPv4 192.0.2.1 -> 192.0.2.2 + GRE (checksum, key 42,
 * sequence 7; scapy's) + eth_tcp's IPv4/TCP SYN. */
static const uint8_t gre_opts_tcp[] = {
	0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x50, 0x00, 0x07, 0x00, 0x00, 0x40, 0x2f,
	0xf6, 0x74, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xb0, 0x00,
	0x08, 0x00, 0x6a, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00,
	0x00, 0x07, 0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06,
	0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
	0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x60, 0x02,
	0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
};

/* Ethernet + IPv4 + UDP 49152 -> 4789 + VXLAN (VNI 100) + eth_tcp. */
static const uint8_t vxlan_tcp[] = {
	0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x5e, 0x00, 0x08, 0x00, 0x00, 0x40, 0x11,
	0xf6, 0x83, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00,
	0x12, 0xb5, 0x00, 0x4a, 0x38, 0xf9, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x64, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00,
	0x40, 0x06, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x60, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
};

static int
decode(int dlt, const uint8_t *p, size_t len, struct packet *pkt,
    struct decode_stats *st)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->caplen = pkt->wirelen = (uint32_t)len;
	return decode_frame(dlt, p, len, pkt, st);
}

static void
test_eth_tcp(void **state)
{
	struct packet		pkt;
	struct decode_stats	st;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(decode(DLT_EN10MB, eth_tcp, sizeof(eth_tcp), &pkt,
	    &st), 0);
	assert_int_equal(pkt.err, DE_NONE);
	assert_int_equal(pkt.ipver, 4);
	assert_int_equal(pkt.proto, PROTO_TCP);
	assert_int_equal(pkt.sport, 40000);
	assert_int_equal(pkt.dport, 80);
	assert_int_equal(pkt.tcp_flags, TH_SYN);
	assert_int_equal(pkt.payload_len, 0);
	assert_memory_equal(pkt.src, ((uint8_t[]){ 10, 0, 0, 1 }), 4);
	assert_int_equal(st.tcp, 1);
	assert_int_equal(st.ipv4, 1);
	/* The SYN's MSS option (checksum offload's merges are judged by it). */
	assert_int_equal(decode_tcp_mss(&pkt), 1460);
	{
		uint8_t f[sizeof(eth_tcp)];

		memcpy(f, eth_tcp, sizeof(f));
		f[sizeof(f) - 4] = 1;	/* NOPs: no MSS */
		f[sizeof(f) - 3] = 1;
		f[sizeof(f) - 2] = 1;
		f[sizeof(f) - 1] = 1;
		assert_int_equal(decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL),
		    0);
		assert_int_equal(decode_tcp_mss(&pkt), 0);
		memcpy(f, eth_tcp, sizeof(f));
		f[sizeof(f) - 3] = 3;	/* an MSS option of the wrong size */
		(void)decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL);
		assert_int_equal(decode_tcp_mss(&pkt), 0);
	}
}

static void
test_qinq_udp(void **state)
{
	struct packet	pkt;

	(void)state;
	assert_int_equal(decode(DLT_EN10MB, qinq_udp, sizeof(qinq_udp), &pkt,
	    NULL), 0);
	assert_int_equal(pkt.vlan_n, 2);
	assert_int_equal(pkt.vlan[0], 100);
	assert_int_equal(pkt.vlan[1], 200);
	assert_int_equal(pkt.proto, PROTO_UDP);
	assert_int_equal(pkt.dport, 53);
	assert_int_equal(pkt.payload_len, 4);
	assert_memory_equal(pkt.payload, "abcd", 4);
}

static void
test_vlan_too_deep(void **state)
{
	uint8_t		f[14 + 4 * 8 + 20];
	struct packet	pkt;
	int		i;

	(void)state;
	memset(f, 0, sizeof(f));
	f[12] = 0x81;
	for (i = 0; i < 8; i++) {
		f[14 + 4 * i + 2] = 0x81;
		f[14 + 4 * i + 3] = 0x00;
	}
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL), -1);
	assert_int_equal(pkt.err, DE_VLAN_TOO_DEEP);
}

/*
 * Ethernet + n 802.1Q tags (VLAN 101, 102, ...) + qinq_udp's IPv4/UDP;
 * returns the frame's length.
 */
static size_t
vlan_frame(uint8_t *f, size_t cap, int n)
{
	size_t	len = 14 + 4 * (size_t)n + 32;
	int	i;

	assert_true(cap >= len);
	memcpy(f, qinq_udp, 12);
	f[12] = 0x81, f[13] = 0x00;
	for (i = 0; i < n; i++) {
		f[14 + 4 * i] = 0;
		f[14 + 4 * i + 1] = (uint8_t)(101 + i);
		f[14 + 4 * i + 2] = i + 1 < n ? 0x81 : 0x08;
		f[14 + 4 * i + 3] = 0x00;
	}
	memcpy(f + 14 + 4 * n, qinq_udp + 22, 32);
	return len;
}

/*
 * At the cap: tags past VLAN_MAX are not kept and are an anomaly
 * (DE_VLAN_TOO_DEEP counted) but the frame is decoded to its payload
 * up to VLAN_DEPTH_MAX tags; one tag more refuses the frame.
 */
static void
test_vlan_depth_boundary(void **state)
{
	uint8_t			f[14 + 4 * (VLAN_DEPTH_MAX + 1) + 32];
	struct packet		pkt;
	struct decode_stats	st;
	size_t			len;
	int			n;

	(void)state;
	for (n = VLAN_MAX + 1; n <= VLAN_DEPTH_MAX; n++) {
		len = vlan_frame(f, sizeof(f), n);
		memset(&st, 0, sizeof(st));
		assert_int_equal(decode(DLT_EN10MB, f, len, &pkt, &st), 0);
		assert_int_equal(pkt.vlan_n, VLAN_MAX);
		assert_int_equal(pkt.vlan[0], 101);
		assert_int_equal(pkt.vlan[1], 102);
		assert_int_equal(pkt.err, DE_VLAN_TOO_DEEP);
		assert_int_equal(st.err[DE_VLAN_TOO_DEEP], 1);
		assert_int_equal(pkt.ipver, 4);
		assert_int_equal(pkt.proto, PROTO_UDP);
		assert_int_equal(pkt.dport, 53);
		assert_int_equal(pkt.payload_len, 4);
		assert_memory_equal(pkt.payload, "abcd", 4);
		assert_int_equal(st.udp, 1);
	}
	len = vlan_frame(f, sizeof(f), VLAN_DEPTH_MAX + 1);
	memset(&st, 0, sizeof(st));
	assert_int_equal(decode(DLT_EN10MB, f, len, &pkt, &st), -1);
	assert_int_equal(pkt.err, DE_VLAN_TOO_DEEP);
	assert_int_equal(st.err[DE_VLAN_TOO_DEEP], 1);
	assert_int_equal(pkt.ipver, 0);
	assert_int_equal(pkt.proto, 0);
	assert_int_equal(st.udp, 0);
}

/* IPv6 + n destination-options headers + an ICMPv6 echo request. */
static size_t
ip6_ext_frame(uint8_t *f, size_t cap, int n)
{
	size_t	len = 40 + 8 * (size_t)n + 8;
	int	i;

	assert_true(cap >= len);
	memcpy(f, ip6_ext_icmp, 40);
	f[4] = (uint8_t)((8 * n + 8) >> 8);
	f[5] = (uint8_t)(8 * n + 8);
	f[6] = n > 0 ? 60 : 58;
	for (i = 0; i < n; i++) {
		memset(f + 40 + 8 * i, 0, 8);
		f[40 + 8 * i] = i + 1 < n ? 60 : 58;	/* next header */
		f[40 + 8 * i + 2] = 1, f[40 + 8 * i + 3] = 4;	/* PadN */
	}
	memcpy(f + 40 + 8 * n, ip6_ext_icmp + 56, 8);
	return len;
}

/* IPV6_EXT_MAX extension headers are walked to the ICMPv6 under them;
 * one more is DE_IPV6_EXT_DEPTH, an anomaly counted, and the packet is
 * still walked to its ICMPv6 (a host takes it: refused, it went
 * uninspected); forty, as far as the packet goes, likewise. */
static void
test_ipv6_ext_depth_boundary(void **state)
{
	uint8_t		f[40 + 8 * 40 + 8];
	struct packet	pkt;
	size_t		len;

	(void)state;
	len = ip6_ext_frame(f, sizeof(f), IPV6_EXT_MAX);
	assert_int_equal(decode(DLT_IPV6, f, len, &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_NONE);
	assert_int_equal(pkt.ipver, 6);
	assert_int_equal(pkt.ip6_ext_n, IPV6_EXT_MAX);
	assert_int_equal(pkt.proto, PROTO_ICMPV6);
	assert_int_equal(pkt.icmp_type, 128);
	len = ip6_ext_frame(f, sizeof(f), IPV6_EXT_MAX + 1);
	assert_int_equal(decode(DLT_IPV6, f, len, &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_IPV6_EXT_DEPTH);
	assert_int_equal(pkt.ip6_ext_n, IPV6_EXT_MAX + 1);
	assert_int_equal(pkt.proto, PROTO_ICMPV6);
	assert_int_equal(pkt.icmp_type, 128);
	len = ip6_ext_frame(f, sizeof(f), 40);
	assert_int_equal(decode(DLT_IPV6, f, len, &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_IPV6_EXT_DEPTH);
	assert_int_equal(pkt.ip6_ext_n, 40);
	assert_int_equal(pkt.proto, PROTO_ICMPV6);
}

static void
test_ipv6_ext_icmp(void **state)
{
	struct packet	pkt;

	(void)state;
	assert_int_equal(decode(DLT_RAW, ip6_ext_icmp, sizeof(ip6_ext_icmp),
	    &pkt, NULL), 0);
	assert_int_equal(pkt.ipver, 6);
	assert_int_equal(pkt.ip6_ext_n, 2);
	assert_int_equal(pkt.proto, PROTO_ICMPV6);
	assert_int_equal(pkt.icmp_type, 128);
	assert_int_equal(pkt.err, DE_NONE);
}

static void
test_ipv6_ext_chain_capped(void **state)
{
	uint8_t		f[40 + 8 * 12];
	struct packet	pkt;
	int		i;

	(void)state;
	memset(f, 0, sizeof(f));
	f[0] = 0x60;
	f[5] = 8 * 12;
	f[6] = 60;
	for (i = 0; i < 12; i++)
		f[40 + 8 * i] = 60;	/* dstopts forever */
	assert_int_equal(decode(DLT_IPV6, f, sizeof(f), &pkt, NULL), -1);
	assert_int_equal(pkt.err, DE_IPV6_EXT_DEPTH);
}

static void
test_sll2_icmp(void **state)
{
	struct packet	pkt;

	(void)state;
	assert_int_equal(decode(DLT_LINUX_SLL2, sll2_icmp, sizeof(sll2_icmp),
	    &pkt, NULL), 0);
	assert_int_equal(pkt.proto, PROTO_ICMP);
	assert_int_equal(pkt.icmp_type, 0);
}

static void
test_null_fragment(void **state)
{
	struct packet	pkt;

	(void)state;
	assert_int_equal(decode(DLT_NULL, null_frag, sizeof(null_frag), &pkt,
	    NULL), 0);
	assert_true(pkt.flags & PKT_FRAG);
	assert_false(pkt.flags & PKT_FRAG_FIRST);
	assert_false(pkt.flags & PKT_L4);
}

/* One malformed input per reason, each reported with that reason. */
static void
test_malformed_reasons(void **state)
{
	struct packet	pkt;
	uint8_t		f[128];

	(void)state;
	assert_int_equal(decode(DLT_EN10MB, eth_tcp, 10, &pkt, NULL), -1);
	assert_int_equal(pkt.err, DE_ETH_SHORT);

	assert_int_equal(decode(DLT_EN10MB, eth_tcp, 14 + 10, &pkt, NULL), -1);
	assert_int_equal(pkt.err, DE_IPV4_SHORT);

	memcpy(f, eth_tcp, sizeof(eth_tcp));
	f[14] = 0x43;			/* IHL 3 */
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(eth_tcp), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_IPV4_HLEN);

	memcpy(f, eth_tcp, sizeof(eth_tcp));
	f[14 + 3] = 200;		/* total length past the frame */
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(eth_tcp), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_IPV4_TRUNC);

	memcpy(f, eth_tcp, sizeof(eth_tcp));
	f[14 + 3] = 10;			/* total length below the header */
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(eth_tcp), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_IPV4_LEN);

	memcpy(f, eth_tcp, sizeof(eth_tcp));
	f[14 + 20 + 12] = 0xf0;		/* TCP data offset 60 > segment */
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(eth_tcp), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_TCP_HLEN);

	memcpy(f, eth_tcp, sizeof(eth_tcp));
	f[14 + 20 + 21] = 40;		/* MSS option length past header */
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(eth_tcp), &pkt, NULL),
	    0);
	assert_int_equal(pkt.err, DE_TCP_OPT);

	memcpy(f, eth_tcp, sizeof(eth_tcp));
	f[14 + 20 + 13] = TH_SYN | TH_FIN;
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(eth_tcp), &pkt, NULL),
	    0);
	assert_int_equal(pkt.err, DE_TCP_FLAGS);

	memcpy(f, qinq_udp, sizeof(qinq_udp));
	f[22 + 20 + 5] = 4;		/* UDP length below 8 */
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(qinq_udp), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_UDP_LEN);

	assert_int_equal(decode(DLT_EN10MB, qinq_udp, 14 + 3, &pkt, NULL), -1);
	assert_int_equal(pkt.err, DE_VLAN_SHORT);

	assert_int_equal(decode(DLT_LINUX_SLL2, sll2_icmp, 12, &pkt, NULL), -1);
	assert_int_equal(pkt.err, DE_SLL2_SHORT);

	assert_int_equal(decode(DLT_LINUX_SLL2, sll2_icmp, 20 + 20 + 2, &pkt,
	    NULL), -1);
	assert_int_equal(pkt.err, DE_IPV4_TRUNC);

	assert_int_equal(decode(DLT_NULL, null_frag, 2, &pkt, NULL), -1);
	assert_int_equal(pkt.err, DE_NULL_SHORT);
	memcpy(f, null_frag, sizeof(null_frag));
	f[0] = 77;
	assert_int_equal(decode(DLT_NULL, f, sizeof(null_frag), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_NULL_FAMILY);

	assert_int_equal(decode(DLT_RAW, ip6_ext_icmp, 30, &pkt, NULL), -1);
	assert_int_equal(pkt.err, DE_IPV6_SHORT);
	memcpy(f, ip6_ext_icmp, sizeof(ip6_ext_icmp));
	f[0] = 0x70;
	assert_int_equal(decode(DLT_IPV6, f, sizeof(ip6_ext_icmp), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_IPV6_VERSION);
	memcpy(f, ip6_ext_icmp, sizeof(ip6_ext_icmp));
	f[41] = 200;			/* HBH length past the packet */
	assert_int_equal(decode(DLT_IPV6, f, sizeof(ip6_ext_icmp), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_IPV6_EXT_SHORT);

	assert_int_equal(decode(12345, eth_tcp, sizeof(eth_tcp), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_LINK_UNKNOWN);
}

/* Frames cut by the snap length are not malformed. */
static void
test_snaplen_truncation(void **state)
{
	struct packet	pkt;

	uint8_t		f[sizeof(eth_tcp)];

	(void)state;
	memcpy(f, eth_tcp, sizeof(f));
	f[14 + 2] = 0x05;		/* 1500 bytes on the wire */
	f[14 + 3] = 0xdc;
	memset(&pkt, 0, sizeof(pkt));
	pkt.caplen = sizeof(f);
	pkt.wirelen = 1514;
	assert_int_equal(decode_frame(DLT_EN10MB, f, sizeof(f), &pkt, NULL), 0);
	assert_true(pkt.flags & PKT_TRUNC);
	assert_int_equal(pkt.err, DE_NONE);
	assert_int_equal(pkt.proto, PROTO_TCP);
	/* Without the snap length as excuse, the same frame is a lie. */
	pkt.wirelen = pkt.caplen;
	assert_int_equal(decode_frame(DLT_EN10MB, f, sizeof(f), &pkt, NULL),
	    -1);
	assert_int_equal(pkt.err, DE_IPV4_TRUNC);
}

/*
 * An IPv4 header (20 bytes, protocol proto) before the len bytes at
 * out + 20, which the caller has put there; returns the packet's length.
 */
static size_t
ip4_wrap(uint8_t *out, uint8_t proto, size_t len)
{
	static const uint8_t h[20] = { 0x45, 0, 0, 0, 0, 9, 0, 0, 64, 0, 0, 0,
	    192, 0, 2, 1, 192, 0, 2, 2 };

	memcpy(out, h, sizeof(h));
	out[2] = (uint8_t)((len + 20) >> 8);
	out[3] = (uint8_t)(len + 20);
	out[9] = proto;
	return len + 20;
}

/* The inner packets of pkt, each decoded from the last, as sensor.c does;
 * returns how many tunnels were taken apart. */
static int
decap(struct packet *pkt, struct decode_stats *st)
{
	struct packet	in;
	int		n = 0;

	while (pkt->flags & PKT_TUNNEL) {
		decode_inner(pkt, &in, (uint8_t)(n + 1), st);
		*pkt = in;
		n++;
		assert_true(n <= TUNNEL_DEPTH_MAX);
	}
	return n;
}

/* GRE with checksum, key and sequence number: the inner SYN whole. */
static void
test_gre(void **state)
{
	struct packet		pkt;
	struct decode_stats	st;
	uint8_t			f[sizeof(gre_opts_tcp)];

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(decode(DLT_EN10MB, gre_opts_tcp, sizeof(gre_opts_tcp),
	    &pkt, &st), 0);
	assert_int_equal(pkt.err, DE_NONE);
	assert_int_equal(pkt.proto, PROTO_GRE);
	assert_true(pkt.flags & PKT_TUNNEL);
	assert_int_equal(pkt.tun_type, TUN_GRE);
	assert_int_equal(pkt.tun_len, 44);
	assert_int_equal(pkt.payload_len, 0);	/* inspected inside only */
	assert_int_equal(pkt.src[3], 1);
	assert_int_equal(decap(&pkt, &st), 1);
	assert_int_equal(pkt.err, DE_NONE);
	assert_int_equal(pkt.ipver, 4);
	assert_int_equal(pkt.proto, PROTO_TCP);
	assert_int_equal(pkt.src[0], 10);
	assert_int_equal(pkt.sport, 40000);
	assert_int_equal(pkt.dport, 80);
	assert_int_equal(pkt.tcp_flags, TH_SYN);
	assert_int_equal(pkt.caplen, 44);
	assert_int_equal(st.tunnel[TUN_GRE], 1);
	assert_int_equal(st.packets, 1);	/* the frame, once */

	/* A byte changed under the checksum: Linux drops it, so do we. */
	memcpy(f, gre_opts_tcp, sizeof(f));
	f[sizeof(f) - 1] ^= 1;
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_GRE_CSUM);
	assert_false(pkt.flags & PKT_TUNNEL);
	/* Cut by the snap length it cannot be summed: taken as it is. */
	memset(&pkt, 0, sizeof(pkt));
	pkt.caplen = sizeof(f);
	pkt.wirelen = sizeof(f) + 100;
	assert_int_equal(decode_frame(DLT_EN10MB, f, sizeof(f), &pkt, NULL), 0);
	assert_true(pkt.flags & PKT_TUNNEL);
	assert_int_equal(decap(&pkt, NULL), 1);
	assert_true(pkt.flags & PKT_TRUNC);

	/* RFC 1701 routing in version 0: refused, counted. */
	memcpy(f, gre_opts_tcp, sizeof(f));
	f[34] |= 0x40;
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_GRE_FLAGS);
	assert_false(pkt.flags & PKT_TUNNEL);
	/* Version 1 (PPTP) and other payloads: not malformed, not taken
	 * apart. */
	memcpy(f, gre_opts_tcp, sizeof(f));
	f[35] |= 1;
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_NONE);
	assert_false(pkt.flags & PKT_TUNNEL);
	memcpy(f, gre_opts_tcp, sizeof(f));
	f[36] = 0x88;
	f[37] = 0x0b;
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_NONE);
	assert_false(pkt.flags & PKT_TUNNEL);

	/* Options the packet does not hold, and a header cut in two. */
	memcpy(f, gre_opts_tcp, sizeof(f));
	f[16] = 0;
	f[17] = 20 + 8;
	assert_int_equal(decode(DLT_EN10MB, f, 14 + 28, &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_GRE_SHORT);
	assert_false(pkt.flags & PKT_TUNNEL);
	f[17] = 20 + 2;
	assert_int_equal(decode(DLT_EN10MB, f, 14 + 22, &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_GRE_SHORT);
	assert_false(pkt.flags & PKT_TUNNEL);

	/* A first fragment: taken apart only once defrag.c rebuilt it. */
	memcpy(f, gre_opts_tcp, sizeof(f));
	f[20] = 0x20;			/* more fragments */
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL), 0);
	assert_true(pkt.flags & PKT_FRAG);
	assert_false(pkt.flags & PKT_TUNNEL);
}

/* IPv4 and IPv6 in IPv4 and in IPv6. */
static void
test_ip_in_ip(void **state)
{
	struct packet		pkt;
	struct decode_stats	st;
	uint8_t			f[256];
	size_t			n;

	(void)state;
	memset(&st, 0, sizeof(st));
	memcpy(f + 20, eth_tcp + 14, sizeof(eth_tcp) - 14);
	n = ip4_wrap(f, PROTO_IPIP, sizeof(eth_tcp) - 14);
	assert_int_equal(decode(DLT_RAW, f, n, &pkt, &st), 0);
	assert_int_equal(pkt.tun_type, TUN_IPV4_IN_IP);
	assert_int_equal(decap(&pkt, &st), 1);
	assert_int_equal(pkt.proto, PROTO_TCP);
	assert_int_equal(pkt.dport, 80);

	memcpy(f + 20, ip6_ext_icmp, sizeof(ip6_ext_icmp));
	n = ip4_wrap(f, PROTO_IPV6, sizeof(ip6_ext_icmp));
	assert_int_equal(decode(DLT_RAW, f, n, &pkt, &st), 0);
	assert_int_equal(pkt.tun_type, TUN_IPV6_IN_IP);
	assert_int_equal(decap(&pkt, &st), 1);
	assert_int_equal(pkt.ipver, 6);
	assert_int_equal(pkt.proto, PROTO_ICMPV6);
	assert_int_equal(pkt.icmp_type, 128);

	/* IPv6 in IPv6: the outer's next header 41. */
	memcpy(f, ip6_ext_icmp, 40);
	f[4] = 0;
	f[5] = sizeof(ip6_ext_icmp);
	f[6] = PROTO_IPV6;
	memcpy(f + 40, ip6_ext_icmp, sizeof(ip6_ext_icmp));
	assert_int_equal(decode(DLT_RAW, f, 40 + sizeof(ip6_ext_icmp), &pkt,
	    &st), 0);
	assert_int_equal(pkt.ipver, 6);
	assert_int_equal(pkt.tun_type, TUN_IPV6_IN_IP);
	assert_int_equal(decap(&pkt, &st), 1);
	assert_int_equal(pkt.proto, PROTO_ICMPV6);
	assert_int_equal(st.tunnel[TUN_IPV4_IN_IP], 1);
	assert_int_equal(st.tunnel[TUN_IPV6_IN_IP], 2);

	/* An inner header claiming more than it carries: the inner packet's
	 * anomaly, counted. */
	memcpy(f + 20, eth_tcp + 14, sizeof(eth_tcp) - 14);
	f[20 + 3] = 200;
	n = ip4_wrap(f, PROTO_IPIP, sizeof(eth_tcp) - 14);
	assert_int_equal(decode(DLT_RAW, f, n, &pkt, &st), 0);
	assert_int_equal(decap(&pkt, &st), 1);
	assert_int_equal(pkt.err, DE_IPV4_TRUNC);
	assert_int_equal(st.err[DE_IPV4_TRUNC], 1);
}

/* VXLAN: an Ethernet frame after 8 bytes with the I flag. */
static void
test_vxlan(void **state)
{
	struct packet		pkt;
	struct decode_stats	st;
	uint8_t			f[sizeof(vxlan_tcp)];

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(decode(DLT_EN10MB, vxlan_tcp, sizeof(vxlan_tcp), &pkt,
	    &st), 0);
	assert_int_equal(pkt.proto, PROTO_UDP);
	assert_int_equal(pkt.dport, 4789);
	assert_int_equal(pkt.tun_type, TUN_VXLAN);
	assert_int_equal(pkt.payload_len, 0);	/* inspected inside only */
	assert_int_equal(decap(&pkt, &st), 1);
	assert_int_equal(pkt.proto, PROTO_TCP);
	assert_int_equal(pkt.sport, 40000);
	assert_int_equal(st.tunnel[TUN_VXLAN], 1);

	/* No I flag: plain UDP, its payload scanned as any other. */
	memcpy(f, vxlan_tcp, sizeof(f));
	f[42] = 0;
	assert_int_equal(decode(DLT_EN10MB, f, sizeof(f), &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_VXLAN_FLAGS);
	assert_false(pkt.flags & PKT_TUNNEL);
	assert_int_equal(pkt.payload_len, sizeof(f) - 42);

	/* Shorter than its header; an inner frame of 6 bytes. */
	memcpy(f, vxlan_tcp, sizeof(f));
	f[16] = 0;
	f[17] = 20 + 8 + 4;
	f[38] = 0;
	f[39] = 8 + 4;
	assert_int_equal(decode(DLT_EN10MB, f, 14 + 32, &pkt, NULL), 0);
	assert_int_equal(pkt.err, DE_VXLAN_SHORT);
	assert_false(pkt.flags & PKT_TUNNEL);
	f[17] = 20 + 8 + 8 + 6;
	f[39] = 8 + 8 + 6;
	assert_int_equal(decode(DLT_EN10MB, f, 14 + 42, &pkt, &st), 0);
	assert_true(pkt.flags & PKT_TUNNEL);
	assert_int_equal(decap(&pkt, &st), 1);
	assert_int_equal(pkt.err, DE_ETH_SHORT);
	assert_int_equal(st.err[DE_ETH_SHORT], 1);
}

/* Tunnels in tunnels: TUNNEL_DEPTH_MAX taken apart, the next counted. */
static void
test_tunnel_depth(void **state)
{
	struct packet		pkt;
	struct decode_stats	st;
	uint8_t			f[512];
	size_t			n = sizeof(eth_tcp) - 14, off = 200;
	int			d;

	(void)state;
	memset(&st, 0, sizeof(st));
	memcpy(f + off, eth_tcp + 14, n);
	for (d = 0; d < TUNNEL_DEPTH_MAX; d++) {
		off -= 20;
		n = ip4_wrap(f + off, PROTO_IPIP, n);
	}
	assert_int_equal(decode(DLT_RAW, f + off, n, &pkt, &st), 0);
	assert_int_equal(decap(&pkt, &st), TUNNEL_DEPTH_MAX);
	assert_int_equal(pkt.err, DE_NONE);
	assert_int_equal(pkt.proto, PROTO_TCP);

	off -= 20;
	n = ip4_wrap(f + off, PROTO_IPIP, n);
	assert_int_equal(decode(DLT_RAW, f + off, n, &pkt, &st), 0);
	assert_int_equal(decap(&pkt, &st), TUNNEL_DEPTH_MAX);
	assert_int_equal(pkt.err, DE_TUNNEL_TOO_DEEP);
	assert_int_equal(pkt.proto, PROTO_IPIP);
	assert_int_equal(st.err[DE_TUNNEL_TOO_DEEP], 1);
	assert_int_equal(st.tunnel[TUN_IPV4_IN_IP], 2 * TUNNEL_DEPTH_MAX);
}

/* Every prefix and random corruption of every sample must decode safely. */
static void
test_truncations_and_flips(void **state)
{
	static const struct {
		int		 dlt;
		const uint8_t	*p;
		size_t		 len;
	} samples[] = {
		{ DLT_EN10MB, eth_tcp, sizeof(eth_tcp) },
		{ DLT_EN10MB, qinq_udp, sizeof(qinq_udp) },
		{ DLT_RAW, ip6_ext_icmp, sizeof(ip6_ext_icmp) },
		{ DLT_LINUX_SLL2, sll2_icmp, sizeof(sll2_icmp) },
		{ DLT_NULL, null_frag, sizeof(null_frag) },
		{ DLT_EN10MB, gre_opts_tcp, sizeof(gre_opts_tcp) },
		{ DLT_EN10MB, vxlan_tcp, sizeof(vxlan_tcp) },
	};
	struct decode_stats	st;
	struct packet		pkt;
	uint64_t		x = 0x9e3779b97f4a7c15ULL;
	size_t			i, n;
	int			k;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		for (n = 0; n <= samples[i].len; n++) {
			/* A heap copy of exactly n bytes: ASan sees overruns. */
			uint8_t *c = malloc(n ? n : 1);

			memcpy(c, samples[i].p, n);
			decode(samples[i].dlt, c, n, &pkt, &st);
			decap(&pkt, &st);
			free(c);
		}
		for (k = 0; k < 20000; k++) {
			uint8_t	*c = malloc(samples[i].len);
			int	 flips = 1 + k % 4, j;

			memcpy(c, samples[i].p, samples[i].len);
			for (j = 0; j < flips; j++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				c[x % samples[i].len] = (uint8_t)(x >> 32);
			}
			n = (size_t)(x >> 40) % (samples[i].len + 1);
			decode(samples[i].dlt, c, n, &pkt, &st);
			decap(&pkt, &st);
			free(c);
		}
	}
	assert_true(st.packets > 100000);
}

static void
test_err_names(void **state)
{
	int	i;

	(void)state;
	for (i = 1; i < DE_MAX; i++)
		assert_string_not_equal(decode_err_name((enum decode_err)i),
		    "unknown");
	assert_string_equal(decode_err_name(DE_MAX), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_tcp),
		cmocka_unit_test(test_qinq_udp),
		cmocka_unit_test(test_vlan_too_deep),
		cmocka_unit_test(test_vlan_depth_boundary),
		cmocka_unit_test(test_ipv6_ext_depth_boundary),
		cmocka_unit_test(test_ipv6_ext_icmp),
		cmocka_unit_test(test_ipv6_ext_chain_capped),
		cmocka_unit_test(test_sll2_icmp),
		cmocka_unit_test(test_null_fragment),
		cmocka_unit_test(test_malformed_reasons),
		cmocka_unit_test(test_snaplen_truncation),
		cmocka_unit_test(test_truncations_and_flips),
		cmocka_unit_test(test_gre),
		cmocka_unit_test(test_ip_in_ip),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_tunnel_depth),
		cmocka_unit_test(test_err_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
