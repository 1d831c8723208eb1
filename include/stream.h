/*
 * stream.c: TCP reassembly per direction in fixed memory.
 *
 * In-order segments go straight through (no copy). A segment ahead of
 * the next expected byte is held in fixed blocks from one pool sized at
 * start from stream.memcap, and handed on once the hole before it
 * fills; at most STREAM_FLOW_BLOCKS blocks a direction are held before
 * the hole is declared lost (a gap, counted) and inspection resumes
 * after it. When the pool is used up the flow that held data longest
 * ago loses it (evicted, counted; one stream_memcap sensor alert).
 *
 * Retransmissions are handed on once: bytes before the next expected
 * byte are cut off. Overlaps: the bytes that arrived first win (as BSD
 * stacks and Suricata's default policy keep held data), and an overlap
 * whose bytes differ from what is held is an evasion attempt: the
 * packet carries the anomaly tcp_overlap, so the alert names its flow,
 * and its own bytes are inspected by the payload rules too (flagged
 * PKT_STREAM_ALT, not given to the parsers), since the host may keep
 * either copy. Bytes handed on are kept in the same pool until the peer
 * acknowledges them (as Suricata and Zeek keep segments until ACKed; not
 * by an ACK past the bytes seen or far off its sender's stream), so
 * a segment over them is compared the same way: the same bytes are a
 * resend, cut; other bytes (an insertion's real copy after a decoy the
 * host never took) are an overlap that differs. Over bytes no longer
 * kept (acknowledged, or let go for room) a segment is inspected by the
 * payload rules alone, uncompared, its new bytes (if any) going on.
 * Each direction is inspected to stream.depth bytes.
 */
#ifndef CANHGAC_STREAM_H
#define CANHGAC_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "types.h"

#define STREAM_BLOCK		1024U	/* data bytes a block holds */
#define STREAM_FLOW_BLOCKS	64	/* held per direction before a gap */
/* Holes among the blocks that made a direction give up from which they
 * are an attack's scattered pieces, not a loss's. */
#define STREAM_SCATTER_HOLES	16U
#define STREAM_WINDOW		(16U << 20)	/* further ahead: not held */
/* Most a hole a segment cut by the snap length leaves: one merge. */
#define STREAM_CUT_MAX		65536U

/* Counters, in the order they are reported; `held_now` is a gauge. */
#define STREAM_COUNTERS(X)						\
	X(SEGMENTS, "segments")		/* TCP segments with data */	\
	X(HELD, "segments_held")	/* came out of order, held */	\
	X(RETRANSMITTED, "retransmitted") /* bytes seen before, cut */	\
	X(RESENT_INSPECTED, "resent_inspected") /* resends not comparable */ \
	X(OVERLAPS, "overlaps")		/* over held or kept data */	\
	X(OVERLAPS_DIFFER, "overlaps_differ") /* ... with other bytes */\
	X(GAPS, "gaps")			/* holes given up on */		\
	X(SCATTERED, "scattered")	/* gave up on STREAM_SCATTER_HOLES holes */ \
	X(CUT, "cut_segments")		/* longer than the snap length */ \
	X(EVICTED, "evicted")		/* flows' held data lost at memcap */ \
	X(DROPPED, "dropped")		/* segments not held: no room */ \
	X(DEPTH, "depth_reached")	/* directions past stream.depth */ \
	X(RESENT_SAME, "resent_same")	/* resends equal to the kept bytes */ \
	X(KEPT_RECLAIMED, "kept_reclaimed") /* kept blocks let go unacknowledged */ \
	X(UNKEPT, "unkept")		/* bytes handed on not kept: no room */ \
	X(ACK_UNSEEN, "ack_unseen_data") /* ACKs past the peer's bytes: ignored */ \
	X(ACK_OFF_STREAM, "ack_off_stream") /* ACKs off their sender's stream: ignored */ \
	X(BLOCKS_USED, "blocks_used")	/* blocks held now */		\
	X(BLOCKS_MAX, "blocks_max")	/* blocks in the pool */

enum stream_counter {
#define X(id, name) STC_##id,
	STREAM_COUNTERS(X)
#undef X
	STC_NCOUNTERS
};

struct stream_stats {
	uint64_t	c[STC_NCOUNTERS];
};

struct stream;
struct jsonw;
/* memcap in bytes (at least 1 MiB), depth per direction in bytes. */
struct stream *stream_new(uint64_t memcap, uint32_t depth);
void	 stream_free(struct stream *);
/* A larger depth for the flows a callback picks (an asset group). */
void	 stream_set_depth_hook(struct stream *, uint32_t depth,
	    int (*wants)(const struct flow *, void *), void *arg);
/*
 * Whether a direction's bytes may still be read (by a parser or payload
 * rule): bytes handed on are kept to compare resends only while so.
 * Without a hook every direction is.
 */
void	 stream_set_read_hook(struct stream *,
	    int (*read)(const struct flow *, int dir));

/*
 * Take one TCP packet of its flow. Afterwards pkt->payload and
 * payload_len are the bytes to inspect now (retransmitted bytes cut,
 * nothing when held or past the depth); an overlap with other bytes sets
 * pkt->err to DE_TCP_OVERLAP_DIFF when it had none, and PKT_STREAM_ALT
 * with the packet's own bytes.
 */
void	 stream_packet(struct stream *, struct packet *pkt);
/* Whether held data of pkt's direction may now be handed on. */
static inline int
stream_pending(const struct packet *pkt)
{
	return pkt->flow != NULL && (pkt->flow->app_flags & FA_HELD);
}
typedef void (*stream_deliver_cb)(struct packet *, void *);
/*
 * Hand on, in order, the held data of pkt's direction that now follows
 * what was inspected: each piece as a copy of pkt with its payload,
 * flagged PKT_GAP after a hole given up on.
 */
void	 stream_drain(struct stream *, const struct packet *pkt,
	    stream_deliver_cb, void *arg);
/* The flow ends: its held data is dropped (a gap per direction). */
void	 stream_flow_release(struct stream *, struct flow *);
const struct stream_stats *stream_stats(const struct stream *);
const char *stream_counter_name(enum stream_counter);
/* The counters as a "stream" object (--stats). */
void	 stream_stats_json(const struct stream *, struct jsonw *);

#endif
