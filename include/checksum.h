/*
 * checksum.c: Internet checksums (RFC 1071), and whether a TCP segment's
 * bytes may reach the streams (stream.checksum_validation).
 *
 * A segment whose IPv4 header or TCP checksum is wrong never reaches its
 * host's stack; taken here it would let an attacker put a decoy in the
 * stream the parsers read (insertion: Ptacek and Newsham, 1998). A host
 * whose NIC fills in checksums (offload) writes its outgoing segments
 * with a partial sum, and a capture made on it shows them wrong: such
 * segments are taken when their source is one of this host's addresses
 * (live capture), and `auto` samples a capture's first segments and
 * stops checking where a tenth or more are wrong.
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
/* What a worker does now: auto starts sampling and ends on or off. */
enum checksum_state { CSUM_OFF, CSUM_ON, CSUM_SAMPLING };

/* Segments auto samples, and the wrong ones among them that turn it off:
 * a tenth. With none wrong in the first CSUM_SAMPLE_CLEAN it is on. */
#define CSUM_SAMPLE		1000
#define CSUM_SAMPLE_CLEAN	100

/* This host's addresses (live capture), sorted; at most CSUM_LOCAL_MAX. */
#define CSUM_LOCAL_MAX		256
struct checksum_local {
	size_t		n;
	uint8_t		addr[CSUM_LOCAL_MAX][17];	/* ipver, address */
};
/* The host's addresses from getifaddrs; -1 with errno when it fails. */
int	 checksum_local_load(struct checksum_local *);

struct checksum_stats {
	uint64_t	checked;	/* segments whose sum was computed */
	uint64_t	wrong;		/* ... found wrong */
	uint64_t	own;		/* ... wrong but sent by this host */
	uint64_t	taken_unchecked; /* wrong, taken while sampling */
};

struct checksum_check {
	uint8_t				 state;	/* enum checksum_state */
	uint32_t			 sampled, sample_wrong;
	const struct checksum_local	*local;	/* NULL: none (offline) */
	struct checksum_stats		 st;
};

void	 checksum_init(struct checksum_check *, enum checksum_mode,
	    const struct checksum_local *);
/*
 * Whether a decoded TCP packet (or an IPv4 fragment) may go on: 0 when
 * its IPv4 header or TCP checksum is wrong and validation is on, with
 * pkt->err set to the reason (the caller counts it). A sampling check
 * that turns validation off returns with *turned_off set.
 */
int	 checksum_accept(struct checksum_check *, struct packet *,
	    int *turned_off);
const char *checksum_state_name(enum checksum_state);

#endif /* CANHGAC_CHECKSUM_H */
