/*
 * defrag.c: IPv4 and IPv6 reassembly in fixed memory.
 *
 * Fragment trains are keyed by (source, destination, identification,
 * protocol for IPv4, VLAN tags) in a table sized at start from
 * defrag.memcap; data is held in fixed blocks from one pool, so the
 * packet path allocates nothing. A train that would need more than the
 * pool holds evicts the oldest train (counted). Trains older than
 * defrag.timeout (packet time, from their first fragment) are dropped.
 *
 * Overlaps: IPv4 keeps the bytes that arrived first (first wins, as BSD
 * and Suricata's default policy do for the common cases) and reports an
 * overlap whose bytes differ as an evasion attempt; IPv6 abandons the
 * whole train on any overlap that is not an exact duplicate (RFC 5722,
 * RFC 8200 section 4.5).
 */
#ifndef CANHGAC_DEFRAG_H
#define CANHGAC_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

struct jsonw;

/* Counters, in the order they are reported; `active` and `max` are gauges. */
#define DEFRAG_COUNTERS(X)						\
	X(FRAGMENTS, "fragments")	/* fragments taken in */	\
	X(REASSEMBLED, "reassembled")	/* whole datagrams handed on */	\
	X(TIMEOUTS, "timeouts")		/* trains expired incomplete */	\
	X(OVERLAPS, "overlaps")		/* fragments over data held */	\
	X(OVERLAPS_DIFFER, "overlaps_differ") /* ... with other bytes */\
	X(DUPLICATES, "duplicates")	/* exact copies, ignored */	\
	X(EVICTED, "evicted")		/* trains dropped at the memcap */ \
	X(ABANDONED, "abandoned")	/* oversize, inconsistent, v6 overlap */ \
	X(INVALID, "invalid")		/* fragments not usable */	\
	X(ACTIVE, "active")		/* trains held now */		\
	X(MAX, "max")			/* trains the table holds */

enum defrag_counter {
#define X(id, name) DFC_##id,
	DEFRAG_COUNTERS(X)
#undef X
	DFC_NCOUNTERS
};

struct defrag_stats {
	uint64_t	c[DFC_NCOUNTERS];
};

struct defrag;
/* memcap in bytes (at least 1 MiB), timeout in microseconds. */
struct defrag *defrag_new(uint64_t memcap, uint64_t timeout);
void	 defrag_free(struct defrag *);
/* What became of a fragment. */
#define DEFRAG_DROPPED	(-1)	/* not held: its anomaly stands alone */
#define DEFRAG_HELD	0	/* held: its anomaly comes with the datagram */
#define DEFRAG_DONE	1	/* completed its datagram */

/*
 * Take one fragment (pkt->flags has PKT_FRAG; decoded by decode_ipv4 or
 * decode_ipv6). An anomaly found on the way is left in pkt->err (to be
 * counted). On DEFRAG_DONE, *out and *outlen are the whole IP datagram,
 * valid until the next call, and *anomaly the first evasion anomaly its
 * train showed (overlap, tiny first fragment), so that the alert names
 * the datagram's flow.
 */
int	 defrag_packet(struct defrag *, struct packet *pkt,
	    const uint8_t **out, size_t *outlen, enum decode_err *anomaly);
/* Drop trains older than the timeout at packet time now. */
void	 defrag_expire(struct defrag *, uint64_t now);
const struct defrag_stats *defrag_stats(const struct defrag *);
const char *defrag_counter_name(enum defrag_counter);
/* The counters as a "defrag" object (--stats). */
void	 defrag_stats_json(const struct defrag *, struct jsonw *);

#endif
