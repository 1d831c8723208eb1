/*
 * UDP: header and length; the payload is what the length field and the
 * capture both allow.
 */
#include "config.h"

#include <stdint.h>

#include "decode.h"
#include "types.h"

int
decode_udp(const uint8_t *p, size_t len, struct packet *pkt)
{
	size_t	ulen;

	if (len < 8) {
		pkt->err = DE_UDP_SHORT;
		return -1;
	}
	ulen = (size_t)(p[4] << 8 | p[5]);
	pkt->sport = (uint16_t)(p[0] << 8 | p[1]);
	pkt->dport = (uint16_t)(p[2] << 8 | p[3]);
	pkt->flags |= PKT_L4;
	if (ulen < 8) {
		pkt->err = DE_UDP_LEN;
		return -1;
	}
	if (ulen > len) {
		if (!(pkt->flags & (PKT_TRUNC | PKT_FRAG)))
			pkt->err = DE_UDP_LEN;	/* anomaly, keep what we have */
		ulen = len;
	}
	pkt->payload = p + 8;
	pkt->payload_len = (uint32_t)(ulen - 8);
	if (__builtin_expect(pkt->dport == 4789, 0))	/* VXLAN, RFC 7348 */
		return decode_vxlan(pkt);
	return 0;
}

/* SCTP: only the common header's ports, so flows and Community ID work. */
int
decode_sctp(const uint8_t *p, size_t len, struct packet *pkt)
{
	if (len < 12) {
		pkt->err = DE_SCTP_SHORT;
		return -1;
	}
	pkt->sport = (uint16_t)(p[0] << 8 | p[1]);
	pkt->dport = (uint16_t)(p[2] << 8 | p[3]);
	pkt->flags |= PKT_L4;
	pkt->payload = p + 12;
	pkt->payload_len = (uint32_t)(len - 12);
	return 0;
}

/* Dispatch on the IP protocol; unknown protocols are fine, just not L4. */
int
decode_l4(uint8_t proto, const uint8_t *p, size_t len, struct packet *pkt)
{
	pkt->proto = proto;
	switch (proto) {
	case PROTO_TCP:
		return decode_tcp(p, len, pkt);
	case PROTO_UDP:
		return decode_udp(p, len, pkt);
	case PROTO_ICMP:
		return decode_icmp(p, len, pkt);
	case PROTO_ICMPV6:
		return decode_icmpv6(p, len, pkt);
	case PROTO_SCTP:
		return decode_sctp(p, len, pkt);
	}
	/* Out of the switch: TCP, UDP and ICMP pay nothing for tunnels. */
	return decode_carrier(proto, p, len, pkt);
}
