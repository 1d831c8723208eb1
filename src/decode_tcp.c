/*
 * TCP: header, flags, options validated. Flag combinations no stack
 * sends (SYN+FIN, SYN+RST, none, Xmas) are an anomaly, not an error: the
 * packet still belongs to its flow so a rule can act on it.
 */
#include "config.h"

#include <stdint.h>

#include "decode.h"
#include "types.h"

/*
 * Walk a TCP header's options: -1 when one overruns them. mss, when
 * given, gets the MSS option's value (0 without one).
 */
static int
decode_tcp_options(const uint8_t *p, size_t len, uint16_t *mss)
{
	size_t	i = 0;

	while (i < len) {
		if (p[i] == 0)
			return 0;
		if (p[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len)
			return -1;
		if (mss != NULL && p[i] == 2 && p[i + 1] == 4)
			*mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
		i += p[i + 1];
	}
	return 0;
}

int
decode_tcp(const uint8_t *p, size_t len, struct packet *pkt)
{
	size_t	hlen;
	uint8_t	f;

	if (len < 20) {
		pkt->err = DE_TCP_SHORT;
		return -1;
	}
	hlen = (size_t)(p[12] >> 4) * 4;
	if (hlen < 20 || hlen > len) {
		pkt->err = DE_TCP_HLEN;
		return -1;
	}
	pkt->sport = (uint16_t)(p[0] << 8 | p[1]);
	pkt->dport = (uint16_t)(p[2] << 8 | p[3]);
	pkt->seq = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	    (uint32_t)p[6] << 8 | p[7];
	pkt->ack = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	    (uint32_t)p[10] << 8 | p[11];
	pkt->tcp_flags = f = p[13];
	pkt->win = (uint16_t)(p[14] << 8 | p[15]);
	pkt->flags |= PKT_L4;
	pkt->l4 = p;
	pkt->l4_len = (uint32_t)len;
	if (hlen > 20 && decode_tcp_options(p + 20, hlen - 20, NULL) != 0)
		pkt->err = DE_TCP_OPT;
	f &= TH_FIN | TH_SYN | TH_RST | TH_PUSH | TH_ACK | TH_URG;
	if ((f & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
	    (f & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) || f == 0 ||
	    (f & (TH_FIN | TH_PUSH | TH_URG)) == (TH_FIN | TH_PUSH | TH_URG))
		pkt->err = DE_TCP_FLAGS;
	pkt->payload = p + hlen;
	pkt->payload_len = (uint32_t)(len - hlen);
	return 0;
}

/* The MSS option of a decoded TCP segment (a SYN's), or 0. */
uint16_t
decode_tcp_mss(const struct packet *pkt)
{
	uint16_t	mss = 0;
	size_t		hlen;

	if (pkt->l4 == NULL || !(pkt->flags & PKT_L4) ||
	    pkt->proto != PROTO_TCP)
		return 0;
	hlen = (size_t)(pkt->l4[12] >> 4) * 4;
	if (hlen < 20 || hlen > pkt->l4_len ||
	    decode_tcp_options(pkt->l4 + 20, hlen - 20, &mss) != 0)
		return 0;
	return mss;
}
