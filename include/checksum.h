/*
 * checksum.c: Internet checksums (RFC 1071), and whether a TCP segment's
 * bytes may reach the streams (stream.checksum_validation).
 *
 * A segment whose IPv4 header or TCP checksum is wrong never reaches its
 * host's stack; taken here it would let an attacker put a decoy in the
 * stream the parsers read (insertion: Ptacek and Newsham, 1998). What is
 * dropped is the sensor's choice (sensor.c, stream.checksum_validation).
 */
#ifndef CANHGAC_CHECKSUM_H
#define CANHGAC_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

/* The one's-complement sum of len bytes added to sum, not folded. */
uint64_t checksum_add(uint64_t sum, const uint8_t *, size_t len);
/* sum folded to 16 bits, in the bytes' own order: 0xffff when right. */
uint16_t checksum_fold(uint64_t sum);

/* 1 right, 0 wrong, -1 cannot tell (cut short by the snap length, a
 * rebuilt datagram's header, an IPv6 route not yet done). */
int	 checksum_ipv4_header(const struct packet *);
int	 checksum_tcp(const struct packet *);

enum checksum_mode { CSUM_NO, CSUM_YES, CSUM_AUTO };

/*
 * A TCP segment's sums together: its IPv4 header's (not a rebuilt
 * datagram's) and its TCP checksum; another packet's, its IPv4 header's.
 * 1 right (a TCP segment's sum judged), 0 wrong, with *why the reason,
 * -1 cannot tell.
 */
int	 checksum_segment(const struct packet *, enum decode_err *why);

/*
 * Whether a TCP segment's checksum field holds its pseudo-header's sum
 * alone: what Linux leaves for the NIC to finish (CHECKSUM_PARTIAL), on
 * the segments it sends with offload and on those GRO merged.
 */
int	 checksum_tcp_partial(const struct packet *);

struct checksum_stats {
	uint64_t	checked;	/* segments and headers summed */
	uint64_t	wrong;		/* ... wrong */
	uint64_t	dropped;	/* ... wrong and dropped */
	uint64_t	taken;		/* ... wrong and taken (auto) */
	uint64_t	merged;		/* ... of those, merged by GRO/LRO */
};

#endif /* CANHGAC_CHECKSUM_H */
