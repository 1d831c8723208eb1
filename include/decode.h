/*
 * decode_*.c: pure, bounded decoders.
 */
#ifndef CANHGAC_DECODE_H
#define CANHGAC_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

struct decode_stats {
	uint64_t	packets;
	uint64_t	bytes;
	uint64_t	ipv4, ipv6, arp, tcp, udp, icmp, icmpv6, other_l3,
			    other_l4, fragments, vlan;
	uint64_t	err[DE_MAX];
};

const char *decode_err_name(enum decode_err);
int	 decode_datalink_supported(int dlt);
/* Decode one frame of link type dlt; returns 0, or -1 with pkt->err set. */
int	 decode_frame(int dlt, const uint8_t *p, size_t len, struct packet *,
	    struct decode_stats *);
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
int	 decode_udp(const uint8_t *, size_t, struct packet *);
int	 decode_icmp(const uint8_t *, size_t, struct packet *);
int	 decode_icmpv6(const uint8_t *, size_t, struct packet *);
int	 decode_sctp(const uint8_t *, size_t, struct packet *);

#endif /* CANHGAC_DECODE_H */
