/*
 * TCP reassembly tests: a direction's data cut into segments and fed to
 * stream_packet / stream_drain in order, reversed, one byte a segment,
 * duplicated, overlapping with the same and with other bytes, with a
 * hole that never fills, across the 2^32 sequence wrap, on the SYN (TCP
 * Fast Open), past an injected SYN; what comes out
 * must be the original stream, once, in order. Also the memcap (oldest
 * flow evicted, counted) and stream.depth (and the larger depth of the
 * flows a hook picks).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flow.h"
#include "stream.h"
#include "types.h"

#define BIG	(1 << 20)
#define LEN	80000	/* the data */
#define RUN	20000	/* the stream run_order cuts */

/* What was handed on, in order, with the number of gaps flagged. */
struct sink {
	uint8_t	 buf[4 * LEN];
	size_t	 len;
	int	 gaps;
	int	 anomalies;
	size_t	 alt;		/* bytes of other copies, inspected apart */
};

static void
sink_take(struct packet *pkt, void *arg)
{
	struct sink	*k = arg;

	assert_true(k->len + pkt->payload_len <= sizeof(k->buf));
	memcpy(k->buf + k->len, pkt->payload, pkt->payload_len);
	k->len += pkt->payload_len;
	if (pkt->flags & PKT_GAP)
		k->gaps++;
}

/* A TCP packet of f's direction dir with those flags, without data. */
static void
segment(struct packet *pkt, struct flow *f, int dir, uint8_t flags,
    uint32_t seq)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->flow = f;
	pkt->dir = (uint8_t)dir;
	pkt->proto = PROTO_TCP;
	pkt->tcp_flags = flags;
	pkt->seq = seq;
}

/* pkt through the stream and what it hands on into k, as sensor.c does. */
static void
feed_packet(struct stream *st, struct sink *k, struct packet *pkt)
{
	stream_packet(st, pkt);
	if (pkt->err == DE_TCP_OVERLAP_DIFF)
		k->anomalies++;
	if (pkt->flags & PKT_STREAM_ALT)
		k->alt += pkt->payload_len;
	else if (pkt->payload_len > 0)
		sink_take(pkt, k);
	if (stream_pending(pkt))
		stream_drain(st, pkt, sink_take, k);
}

/* One segment of direction 0 with those flags, as sensor.c feeds it. */
static void
feed_flags(struct stream *st, struct flow *f, struct sink *k, uint8_t flags,
    uint32_t seq, const uint8_t *p, uint32_t n)
{
	struct packet	pkt;

	segment(&pkt, f, 0, flags, seq);
	pkt.payload = p;
	pkt.payload_len = n;
	feed_packet(st, k, &pkt);
}

static void
feed(struct stream *st, struct flow *f, struct sink *k, uint32_t seq,
    const uint8_t *p, uint32_t n)
{
	feed_flags(st, f, k, TH_ACK, seq, p, n);
}

static void
syn(struct stream *st, struct flow *f, uint32_t isn)
{
	struct packet	pkt;

	segment(&pkt, f, 0, TH_SYN, isn);
	stream_packet(st, &pkt);
}

static uint8_t data[LEN];

static void
fill(void)
{
	size_t	i;

	for (i = 0; i < LEN; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
}

static struct flow *
new_flow(void)
{
	struct flow	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->proto = PROTO_TCP;
	return f;
}

/* Cut data into segments of seg bytes, feed them in order given. */
static void
run_order(uint32_t isn, size_t seg, int reversed, struct sink *k,
    struct stream *st)
{
	struct flow	*f = new_flow();
	size_t		 nseg = (RUN + seg - 1) / seg, i;

	syn(st, f, isn - 1);
	for (i = 0; i < nseg; i++) {
		size_t j = reversed ? nseg - 1 - i : i;
		size_t off = j * seg, n = RUN - off < seg ? RUN - off : seg;

		feed(st, f, k, isn + (uint32_t)off, data + off, (uint32_t)n);
	}
	stream_flow_release(st, f);
	free(f);
}

static void
test_in_order(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));

	(void)state;
	fill();
	run_order(1000, 1460, 0, k, st);
	assert_int_equal(k->len, RUN);
	assert_memory_equal(k->buf, data, RUN);
	assert_int_equal(stream_stats(st)->c[STC_HELD], 0);
	/* One-sided (the peer never seen): nothing kept, nothing tried. */
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	assert_int_equal(stream_stats(st)->c[STC_UNKEPT], 0);
	assert_int_equal(stream_stats(st)->c[STC_KEPT_RECLAIMED], 0);
	free(k);
	stream_free(st);
}

static void
test_reversed(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));

	(void)state;
	fill();
	/* 20 segments of 1000: all but the first are held (< 64 blocks). */
	run_order(1000, 1000, 1, k, st);
	assert_int_equal(k->len, RUN);
	assert_memory_equal(k->buf, data, RUN);
	assert_int_equal(k->gaps, 0);
	assert_int_equal(stream_stats(st)->c[STC_HELD], 19);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	free(k);
	stream_free(st);
}

static void
test_one_byte(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();
	uint32_t	 i;

	(void)state;
	fill();
	syn(st, f, 99);
	/* One byte a segment, in order, then 40 bytes one by one reversed. */
	for (i = 0; i < 300; i++)
		feed(st, f, k, 100 + i, data + i, 1);
	for (i = 340; i > 300; i--)
		feed(st, f, k, 100 + i - 1, data + i - 1, 1);
	assert_int_equal(k->len, 340);
	assert_memory_equal(k->buf, data, 340);
	/* The first byte last: 399 one-byte segments share one block. */
	for (i = 341; i < 740; i++)
		feed(st, f, k, 100 + i, data + i, 1);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 1);
	assert_int_equal(k->len, 340);
	feed(st, f, k, 100 + 340, data + 340, 1);
	assert_int_equal(k->len, 740);
	assert_memory_equal(k->buf, data, 740);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

static void
test_retransmissions(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();

	(void)state;
	fill();
	syn(st, f, 0);
	feed(st, f, k, 1, data, 1000);
	feed(st, f, k, 1, data, 1000);		/* exact copy */
	feed(st, f, k, 501, data + 500, 1000);	/* half old, half new */
	feed(st, f, k, 2501, data + 2500, 500);	/* ahead: held */
	feed(st, f, k, 2501, data + 2500, 500);	/* a copy of held data */
	feed(st, f, k, 1501, data + 1500, 1000);	/* fills the hole */
	assert_int_equal(k->len, 3000);
	assert_memory_equal(k->buf, data, 3000);
	assert_int_equal(k->anomalies, 0);
	assert_int_equal(stream_stats(st)->c[STC_RETRANSMITTED], 1500);
	assert_int_equal(stream_stats(st)->c[STC_OVERLAPS], 1);
	assert_int_equal(stream_stats(st)->c[STC_OVERLAPS_DIFFER], 0);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

/*
 * TCP Fast Open (RFC 7413): data on the SYN starts one past its sequence
 * number and is handed on; the SYN retransmitted with it is a
 * retransmission, not handed on again, and does not rewind the stream.
 */
static void
test_syn_data(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();

	(void)state;
	fill();
	feed_flags(st, f, k, TH_SYN, 4999, data, 300);
	assert_int_equal(k->len, 300);
	feed_flags(st, f, k, TH_SYN, 4999, data, 300);
	assert_int_equal(k->len, 300);
	assert_int_equal(stream_stats(st)->c[STC_RETRANSMITTED], 300);
	feed(st, f, k, 5301, data + 301, 99);		/* ahead: held */
	feed(st, f, k, 5300, data + 300, 1);		/* fills the hole */
	assert_int_equal(k->len, 400);
	assert_memory_equal(k->buf, data, 400);
	assert_int_equal(k->anomalies, 0);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

/*
 * A SYN elsewhere on an established connection (injected: the host
 * answers it with a challenge ACK) does not move the stream; once the
 * connection closed, a SYN starts the next one on the same ports.
 */
static void
test_syn_injected(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();

	(void)state;
	fill();
	syn(st, f, 999);
	feed(st, f, k, 1000, data, 100);
	f->state = FLOW_ESTABLISHED;
	syn(st, f, 7000000);
	feed(st, f, k, 1100, data + 100, 100);
	assert_int_equal(k->len, 200);
	assert_memory_equal(k->buf, data, 200);
	f->state = FLOW_CLOSED;
	syn(st, f, 9000000);
	feed(st, f, k, 9000001, data + 200, 100);
	assert_int_equal(k->len, 300);
	assert_memory_equal(k->buf, data, 300);
	/* Closed again: a new connection's ISN just behind the old stream. */
	syn(st, f, 8999000);
	feed(st, f, k, 8999001, data + 300, 100);
	assert_int_equal(k->len, 400);
	assert_memory_equal(k->buf, data, 400);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

/* Overlap over held data: the first bytes win; other bytes: anomaly. */
static void
overlap_case(int garbage_first)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();
	uint8_t		 garbage[600];

	fill();
	memset(garbage, 'G', sizeof(garbage));
	syn(st, f, 0);
	if (garbage_first) {
		feed(st, f, k, 1001, garbage, 600);
		feed(st, f, k, 901, data + 900, 900);	/* over it, longer */
	} else {
		feed(st, f, k, 901, data + 900, 900);
		feed(st, f, k, 1001, garbage, 600);
	}
	assert_int_equal(k->anomalies, 1);
	/* The second copy is inspected apart, whole. */
	assert_int_equal(k->alt, garbage_first ? 900 : 600);
	feed(st, f, k, 1, data, 900);
	assert_int_equal(k->len, 1800);
	if (garbage_first) {
		assert_memory_equal(k->buf, data, 1000);
		assert_memory_equal(k->buf + 1000, garbage, 600);
		assert_memory_equal(k->buf + 1600, data + 1600, 200);
	} else
		assert_memory_equal(k->buf, data, 1800);
	assert_int_equal(stream_stats(st)->c[STC_OVERLAPS_DIFFER], 1);
	stream_flow_release(st, f);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	free(f);
	free(k);
	stream_free(st);
}

static void
test_overlap_differ(void **state)
{
	(void)state;
	overlap_case(0);
	overlap_case(1);
}

/* An in-order segment over held data with other bytes: anomaly too. */
static void
test_overlap_in_order(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();
	uint8_t		 bad[1000];

	(void)state;
	fill();
	memcpy(bad, data, sizeof(bad));
	bad[700] ^= 0xff;
	syn(st, f, 0);
	feed(st, f, k, 501, data + 500, 500);
	feed(st, f, k, 1, bad, 1000);
	assert_int_equal(k->anomalies, 1);
	assert_int_equal(k->len, 1000);
	assert_memory_equal(k->buf, data, 1000);	/* held bytes won */
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

/*
 * One segment of direction 0 cut by the snap length: n bytes captured
 * of wire, behind a 20-byte IPv4 and a 20-byte TCP header whose total
 * length says wire.
 */
static void
feed_cut_frame(struct stream *st, struct flow *f, struct sink *k,
    uint32_t seq, const uint8_t *p, uint32_t n, uint32_t frame_wire,
    uint32_t ip_wire);

static void
feed_cut(struct stream *st, struct flow *f, struct sink *k, uint32_t seq,
    const uint8_t *p, uint32_t n, uint32_t wire)
{
	feed_cut_frame(st, f, k, seq, p, n, wire, wire);
}

/* The same, the frame carrying frame_wire bytes of payload, its IP
 * header saying ip_wire. */
static void
feed_cut_frame(struct stream *st, struct flow *f, struct sink *k,
    uint32_t seq, const uint8_t *p, uint32_t n, uint32_t frame_wire,
    uint32_t ip_wire)
{
	static uint8_t	frame[40 + 2000];
	struct packet	pkt;

	assert_true(n <= 2000);
	memcpy(frame + 40, p, n);
	frame[2] = (uint8_t)((40 + ip_wire) >> 8);
	frame[3] = (uint8_t)(40 + ip_wire);
	segment(&pkt, f, 0, TH_ACK, seq);
	pkt.ipver = 4;
	pkt.l3 = frame;
	pkt.ip_len = (uint16_t)(40 + ip_wire);
	pkt.payload = frame + 40;
	pkt.payload_len = n;
	pkt.caplen = 54 + n;		/* behind a 14-byte link header */
	pkt.wirelen = 54 + frame_wire;
	pkt.flags |= PKT_TRUNC;
	feed_packet(st, k, &pkt);
}

static void ack_from_peer(struct stream *, struct flow *, uint32_t);

/*
 * Segments longer than the snap length (a capturing host's GRO or TSO):
 * the captured bytes go on; the hole after one is crossed once the peer
 * acknowledges bytes past it (its host took them, they will not come
 * again), not before: a cut segment its host dropped (a decoy) leaves the
 * real bytes, sent after it, to be read in order. Counted, and the bytes
 * after a crossed hole say so (PKT_GAP).
 */
static void
test_cut(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();

	(void)state;
	fill();
	f->pkts[1] = 1;		/* two-sided: handed-on bytes are kept */
	syn(st, f, 0);
	/* Two cut segments in a row, as TSO sends them. */
	feed_cut(st, f, k, 1, data, 1500, 16000);
	assert_int_equal(k->len, 1500);
	feed_cut(st, f, k, 16001, data + 16000, 1500, 16000);
	assert_int_equal(k->len, 1500);		/* held behind the hole */
	assert_int_equal(stream_stats(st)->c[STC_CUT], 2);
	assert_int_equal(stream_stats(st)->c[STC_GAPS], 0);
	/* Acknowledged past the first: the hole is crossed to the held
	 * bytes, which go on with the next segment. */
	ack_from_peer(st, f, 20001);
	assert_int_equal(f->next_seq[0], 16001);
	assert_int_equal(stream_stats(st)->c[STC_GAPS], 1);
	feed(st, f, k, 32001, data + 32000, 100);
	assert_int_equal(k->len, 3000);
	assert_int_equal(k->gaps, 1);
	assert_memory_equal(k->buf + 1500, data + 16000, 1500);
	/* The second hole, to the held segment after it. */
	ack_from_peer(st, f, 32101);
	feed(st, f, k, 32101, data + 32100, 100);
	assert_int_equal(k->len, 3200);
	assert_int_equal(k->gaps, 2);
	assert_memory_equal(k->buf + 3000, data + 32000, 200);
	assert_int_equal(stream_stats(st)->c[STC_GAPS], 2);
	/*
	 * A cut segment its host dropped (a decoy, the same first bytes):
	 * no acknowledgement past it; the real bytes sent after it are read
	 * in order, nothing to the payload rules alone. An ACK past its
	 * bytes by more than a merge reaches crosses nothing.
	 */
	feed_cut(st, f, k, 32201, data + 32200, 1000, 9000);
	assert_int_equal(k->len, 4200);
	ack_from_peer(st, f, 32201 + 1000 + STREAM_CUT_MAX + 1);
	feed(st, f, k, 32201, data + 32200, 1400);
	feed(st, f, k, 33601, data + 33600, 1400);
	assert_int_equal(k->len, 4200 + 400 + 1400);
	assert_memory_equal(k->buf + 4200, data + 33200, 1800);
	assert_int_equal(k->alt, 0);
	assert_int_equal(k->gaps, 2);
	assert_int_equal(stream_stats(st)->c[STC_CUT], 3);
	assert_int_equal(stream_stats(st)->c[STC_GAPS], 2);
	/* Cut before its payload, acknowledged: the whole segment a gap. */
	feed_cut(st, f, k, 35001, data, 0, 8000);
	ack_from_peer(st, f, 43001);
	feed(st, f, k, 43001, data + 43000, 100);
	assert_int_equal(k->len, 6100);
	assert_int_equal(k->gaps, 3);
	assert_memory_equal(k->buf + 6000, data + 43000, 100);
	/* A resend with new bytes, cut: the new bytes go on, the hole
	 * after them is crossed at the ACK. */
	feed_cut(st, f, k, 43001, data + 43000, 400, 5000);
	assert_int_equal(k->len, 6400);
	assert_int_equal(stream_stats(st)->c[STC_CUT], 5);
	ack_from_peer(st, f, 48001);
	feed(st, f, k, 48001, data + 48000, 100);
	assert_int_equal(k->len, 6500);
	assert_int_equal(k->gaps, 4);
	assert_memory_equal(k->buf + 6100, data + 43100, 300);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

/* A hole that never fills: given up on, inspection resumes after it. */
static void
test_gap(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();
	uint32_t	 i;

	(void)state;
	fill();
	syn(st, f, 0);
	feed(st, f, k, 1, data, 1000);
	/*
	 * Bytes 1000..1999 lost; then segments of 1000 bytes are held
	 * until the direction holds STREAM_FLOW_BLOCKS blocks: the hole is
	 * given up on and everything held goes on.
	 */
	for (i = 0; i < 75 && stream_stats(st)->c[STC_GAPS] == 0; i++) {
		assert_int_equal(k->len, 1000);
		feed(st, f, k, 2001 + i * 1000, data + 2000 + i * 1000, 1000);
	}
	assert_true(i * 1000 > (STREAM_FLOW_BLOCKS - 1) * STREAM_BLOCK);
	assert_true(i * 1000 <= STREAM_FLOW_BLOCKS * STREAM_BLOCK);
	assert_int_equal(stream_stats(st)->c[STC_GAPS], 1);
	assert_int_equal(stream_stats(st)->c[STC_SCATTERED], 0);
	assert_int_equal(k->gaps, 1);
	assert_int_equal(k->len, 1000 + i * 1000);
	assert_memory_equal(k->buf + 1000, data + 2000, i * 1000);
	/* And what follows goes straight through. */
	feed(st, f, k, 2001 + i * 1000, data + 2000 + i * 1000, 100);
	assert_int_equal(k->len, 1000 + i * 1000 + 100);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	/* A hole still open when the flow ends is a gap too. */
	feed(st, f, k, 5001 + i * 1000, data, 100);
	stream_flow_release(st, f);
	assert_int_equal(stream_stats(st)->c[STC_GAPS], 2);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	free(f);
	free(k);
	stream_free(st);
}

/*
 * Pieces of `piece` bytes, each one byte past the last (a hole before
 * each), after a first run of `first` bytes ahead of a hole: how many
 * pieces came until the direction gave up with the anomaly (0: none in
 * `count` pieces), and how many times it was raised.
 */
static uint32_t
scatter(uint32_t first, uint32_t piece, uint32_t count, uint32_t *flagged,
    enum decode_err preset)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = new_flow();
	struct packet	 pkt;
	uint32_t	 i, at = 0, seq = 2;

	assert_non_null(k);
	*flagged = 0;
	syn(st, f, 0);
	if (first > 0) {
		feed(st, f, k, seq, data, first);
		seq += first + 1;
	}
	for (i = 0; i < count; i++) {
		segment(&pkt, f, 0, TH_ACK, seq);
		pkt.payload = data;
		pkt.payload_len = piece;
		pkt.err = preset;
		feed_packet(st, k, &pkt);
		if (pkt.err == DE_TCP_SCATTERED) {
			if ((*flagged)++ == 0)
				at = i + 1;
		}
		seq += piece + 1;
	}
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
	return at;
}

/*
 * Pieces each ahead of a hole: the direction gives up at
 * STREAM_FLOW_BLOCKS blocks, and the piece that made it is an anomaly
 * (tcp_holes_flood) when STREAM_SCATTER_HOLES holes or more lie among
 * them, once for the pieces given up on; a loss's few holes are not.
 */
static void
test_scattered(void **state)
{
	uint32_t	flagged;

	(void)state;
	fill();
	/* A byte at every second offset. */
	assert_int_equal(scatter(0, 1, STREAM_FLOW_BLOCKS + 40, &flagged,
	    DE_NONE), STREAM_FLOW_BLOCKS);
	assert_int_equal(flagged, 1);
	/* 65 bytes a piece: over 4 KiB held, holes all the same. */
	assert_int_equal(scatter(0, 65, STREAM_FLOW_BLOCKS, &flagged,
	    DE_NONE), STREAM_FLOW_BLOCKS);
	/* 4 KiB ahead first (four full blocks), then bytes. */
	assert_int_equal(scatter(4096, 1, STREAM_FLOW_BLOCKS, &flagged,
	    DE_NONE), STREAM_FLOW_BLOCKS - 4);
	/* 4 KiB pieces: 16 holes in 64 blocks, the least raised. */
	assert_int_equal(scatter(0, 4 * STREAM_BLOCK, 16, &flagged,
	    DE_NONE), 16);
	/* 5 KiB pieces: 13 holes when the 64 blocks are reached. */
	assert_int_equal(scatter(0, 5 * STREAM_BLOCK, 20, &flagged,
	    DE_NONE), 0);
	assert_int_equal(flagged, 0);
	/* A junk TCP option on every piece does not hide it. */
	assert_int_equal(scatter(0, 1, STREAM_FLOW_BLOCKS, &flagged,
	    DE_TCP_OPT), STREAM_FLOW_BLOCKS);
	assert_int_equal(STREAM_SCATTER_HOLES, 16);
}

static void
test_wraparound(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));

	(void)state;
	fill();
	/* The stream crosses 2^32 in the middle, reversed and in order. */
	run_order(UINT32_MAX - 9000, 1000, 1, k, st);
	assert_int_equal(k->len, RUN);
	assert_memory_equal(k->buf, data, RUN);
	k->len = 0;
	run_order(UINT32_MAX - 500, 700, 0, k, st);
	assert_int_equal(k->len, RUN);
	assert_memory_equal(k->buf, data, RUN);
	free(k);
	stream_free(st);
}

/* More held data than the pool: the oldest flow's goes, counted. */
static void
test_memcap(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*fl[400];
	uint64_t	 max = 0;
	int		 i;

	(void)state;
	fill();
	for (i = 0; i < 400; i++) {
		fl[i] = new_flow();
		syn(st, fl[i], 0);
		/* 10 held blocks a flow: 4,000 wanted, under 1,000 fit. */
		feed(st, fl[i], k, 2001, data, 10 * STREAM_BLOCK);
		if (stream_stats(st)->c[STC_BLOCKS_USED] > max)
			max = stream_stats(st)->c[STC_BLOCKS_USED];
	}
	assert_true(max <= stream_stats(st)->c[STC_BLOCKS_MAX]);
	assert_true(stream_stats(st)->c[STC_EVICTED] >= 280);
	/* Oldest first: the first flow lost its data, the last kept it. */
	assert_null(fl[0]->stream);
	assert_non_null(fl[399]->stream);
	assert_int_equal(k->len, 0);
	for (i = 0; i < 400; i++) {
		stream_flow_release(st, fl[i]);
		free(fl[i]);
	}
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	free(k);
	stream_free(st);
}

static int
always(const struct flow *f, void *arg)
{
	(void)f;
	return *(int *)arg;
}

static void
test_depth(void **state)
{
	struct stream	*st = stream_new(BIG, 5000);
	struct sink	*k = calloc(1, sizeof(*k));
	int		 big = 0;

	(void)state;
	fill();
	run_order(1, 1460, 0, k, st);
	assert_int_equal(k->len, 5000);
	assert_memory_equal(k->buf, data, 5000);
	assert_int_equal(stream_stats(st)->c[STC_DEPTH], 1);
	/* Reversed: nothing held past the depth either. */
	k->len = 0;
	run_order(1, 1000, 1, k, st);
	assert_int_equal(k->len, 5000);
	assert_memory_equal(k->buf, data, 5000);
	/* The hook's flows get the larger depth. */
	stream_set_depth_hook(st, 12000, always, &big);
	big = 1;
	k->len = 0;
	run_order(1, 1460, 0, k, st);
	assert_int_equal(k->len, 12000);
	assert_memory_equal(k->buf, data, 12000);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	free(k);
	stream_free(st);
}

/* The peer acknowledges up to ack (a bare ACK of direction 1). */
static void
ack_from_peer(struct stream *st, struct flow *f, uint32_t ack)
{
	struct packet	pkt;

	segment(&pkt, f, 1, TH_ACK, 0);
	pkt.ack = ack;
	stream_packet(st, &pkt);
}

/* out: data's first n bytes, the one at `at` changed (fill() first). */
static void
data_but(uint8_t *out, size_t n, size_t at)
{
	memcpy(out, data, n);
	out[at] ^= 0x5a;
}

/* A flow whose peer has sent (its SYN-ACK): handed-on bytes are kept. */
static struct flow *
answered_flow(struct stream *st, uint32_t isn)
{
	struct flow	*f = new_flow();

	f->pkts[0] = f->pkts[1] = 1;
	syn(st, f, isn);
	return f;
}

/* The end of a test: flows fl[0..n) and f released, no block left used. */
static void
release_all(struct stream *st, struct sink *k, struct flow **fl, int n,
    struct flow *f)
{
	int	i;

	for (i = 0; i < n; i++) {
		stream_flow_release(st, fl[i]);
		free(fl[i]);
	}
	stream_flow_release(st, f);
	free(f);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	free(k);
	stream_free(st);
}

/*
 * Bytes handed on are kept until the peer acknowledges them: the same
 * bytes again are a resend, inspected once; other bytes over them (the
 * real copy after a decoy the host never took) are an overlap that
 * differs: anomaly, and inspected apart. Once acknowledged they go, and
 * a resend over them is inspected apart, uncompared.
 */
static void
test_resend_compared(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = answered_flow(st, 0);
	uint8_t		 other[1000];

	(void)state;
	fill();
	data_but(other, sizeof(other), 321);
	feed(st, f, k, 1, data, 1000);
	assert_non_null(f->stream);
	assert_false(f->app_flags & FA_HELD);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 1);
	feed(st, f, k, 1, data, 1000);			/* a true resend */
	feed(st, f, k, 101, data + 100, 300);		/* part of it */
	assert_int_equal(k->alt, 0);
	assert_int_equal(k->anomalies, 0);
	assert_int_equal(stream_stats(st)->c[STC_RESENT_SAME], 2);
	feed(st, f, k, 1, other, 1000);			/* other bytes */
	assert_int_equal(k->anomalies, 1);
	assert_int_equal(k->alt, 1000);
	assert_int_equal(stream_stats(st)->c[STC_OVERLAPS_DIFFER], 1);
	/* Half over the kept bytes with a change, half new. */
	memcpy(other, data + 500, sizeof(other));
	other[10] ^= 0x5a;
	feed(st, f, k, 501, other, 1000);
	assert_int_equal(k->anomalies, 2);
	assert_int_equal(k->alt, 2000);
	assert_int_equal(k->len, 1500);			/* the new half */
	assert_memory_equal(k->buf, data, 1000);
	assert_memory_equal(k->buf + 1000, other + 500, 500);
	/* Acknowledged: let go; the holder goes back. */
	ack_from_peer(st, f, 1501);
	assert_null(f->stream);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	feed(st, f, k, 1, data, 1000);
	assert_int_equal(k->alt, 3000);
	assert_int_equal(k->anomalies, 2);
	assert_int_equal(stream_stats(st)->c[STC_RESENT_INSPECTED], 1);
	assert_int_equal(k->len, 1500);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

/* A SYN-ACK of direction 1 with that ISN, acknowledging ack. */
static void
syn_ack(struct stream *st, struct flow *f, uint32_t isn, uint32_t ack)
{
	struct packet	pkt;

	segment(&pkt, f, 1, TH_SYN | TH_ACK, isn);
	pkt.ack = ack;
	stream_packet(st, &pkt);
}

/*
 * A SYN-ACK that does not acknowledge the SYN (a blind forger's) seeds
 * nothing and moves nothing, before the real one or after it.
 */
static void
test_syn_ack_forged(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct flow	*f = new_flow();

	(void)state;
	syn(st, f, 1000);
	syn_ack(st, f, 900000000, 777);		/* forged, first */
	assert_false(f->app_flags & FA_SEQ1);
	syn_ack(st, f, 5000, 1001);		/* the server's */
	assert_int_equal(f->next_seq[1], 5001);
	syn_ack(st, f, 900000000, 4242);	/* forged, after */
	assert_int_equal(f->next_seq[1], 5001);
	syn_ack(st, f, 5000, 1001);		/* resent: unchanged */
	assert_int_equal(f->next_seq[1], 5001);
	stream_flow_release(st, f);
	free(f);
	stream_free(st);
}

/* A bare ACK of direction 1 at seq, acknowledging ack. */
static void
ack_at(struct stream *st, struct flow *f, uint32_t seq, uint32_t ack)
{
	struct packet	pkt;

	segment(&pkt, f, 1, TH_ACK, seq);
	pkt.ack = ack;
	stream_packet(st, &pkt);
}

/*
 * An ACK past the bytes the peer sent, or on a segment far from its
 * sender's stream, is a forger's: it lets no kept bytes go (counted), so
 * an insertion's real copy after it is still compared: an overlap that
 * differs. The peer's FIN takes a sequence number an ACK may cover.
 */
static void
test_ack_forged_keeps(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = answered_flow(st, 0);
	const struct stream_stats *ss = stream_stats(st);
	uint8_t		 other[1000];

	(void)state;
	fill();
	data_but(other, sizeof(other), 500);
	feed(st, f, k, 1, data, 1000);
	ack_from_peer(st, f, 1001 + 100000);		/* past the bytes */
	assert_int_equal(ss->c[STC_ACK_UNSEEN], 1);
	feed(st, f, k, 1, other, 1000);
	assert_int_equal(k->anomalies, 1);
	assert_int_equal(ss->c[STC_RESENT_INSPECTED], 0);
	/* The server's stream known (its SYN-ACK): an ACK far from it. */
	syn_ack(st, f, 5000, 1);
	ack_at(st, f, 5001 + 50000000, 1001);
	assert_int_equal(ss->c[STC_ACK_OFF_STREAM], 1);
	feed(st, f, k, 1, other, 1000);
	assert_int_equal(k->anomalies, 2);
	ack_at(st, f, 5001, 1001);			/* the server's */
	assert_null(f->stream);
	feed(st, f, k, 1, other, 1000);
	assert_int_equal(k->anomalies, 2);
	assert_int_equal(ss->c[STC_RESENT_INSPECTED], 1);
	/* More bytes and the client's FIN: the ACK of both lets them go. */
	feed(st, f, k, 1001, data, 1000);
	assert_non_null(f->stream);
	f->tcp |= FT_FIN_C;
	ack_at(st, f, 5001, 2002);
	assert_null(f->stream);
	assert_int_equal(ss->c[STC_ACK_UNSEEN], 1);
	assert_int_equal(ss->c[STC_ACK_OFF_STREAM], 1);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

static int
read_only_dir1(const struct flow *f, int dir)
{
	(void)f;
	return dir == 1;
}

/* A direction nothing reads any more (the read hook) keeps nothing. */
static void
test_kept_only_read(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = answered_flow(st, 0);

	(void)state;
	fill();
	stream_set_read_hook(st, read_only_dir1);
	feed(st, f, k, 1, data, 1000);
	assert_int_equal(k->len, 1000);
	assert_null(f->stream);
	assert_int_equal(stream_stats(st)->c[STC_BLOCKS_USED], 0);
	feed(st, f, k, 1, data, 1000);		/* uncompared: apart */
	assert_int_equal(k->alt, 1000);
	assert_int_equal(stream_stats(st)->c[STC_RESENT_INSPECTED], 1);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

/*
 * Kept bytes are bounded per direction (the oldest go) and never cost
 * held data: with the pool full of held data nothing more is kept and no
 * held data is evicted for it; held data needing room takes it from a
 * flow that only keeps bytes, without counting an eviction.
 */
static void
test_kept_bounded(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	struct flow	*f = answered_flow(st, 0), *fl[120];
	const struct stream_stats *ss = stream_stats(st);
	uint64_t	 before;
	uint32_t	 off;
	int		 i;

	(void)state;
	fill();
	/* 78 KB unacknowledged: at most 64 blocks kept. */
	for (off = 0; off + 1000 <= 78000; off += 1000)
		feed(st, f, k, 1 + off, data + off, 1000);
	assert_int_equal(k->len, 78000);
	assert_int_equal(ss->c[STC_BLOCKS_USED], STREAM_FLOW_BLOCKS);
	assert_true(ss->c[STC_KEPT_RECLAIMED] >= 78000 / STREAM_BLOCK -
	    STREAM_FLOW_BLOCKS);
	/* The newest bytes are the ones kept: a resend of them compares. */
	feed(st, f, k, 1 + 77000, data + 77000, 1000);
	assert_int_equal(ss->c[STC_RESENT_SAME], 1);
	/* Held data from 120 flows: 1,200 blocks wanted, under 1,000 fit. */
	before = ss->c[STC_KEPT_RECLAIMED];
	for (i = 0; i < 120; i++) {
		uint64_t reclaimed = ss->c[STC_KEPT_RECLAIMED];

		fl[i] = new_flow();
		syn(st, fl[i], 0);
		feed(st, fl[i], k, 2001, data, 10 * STREAM_BLOCK);
		/* The keeping flow was oldest: it went first, uncounted. */
		if (f->stream == NULL && reclaimed != ss->c[STC_KEPT_RECLAIMED])
			assert_int_equal(ss->c[STC_EVICTED], 0);
	}
	assert_null(f->stream);
	assert_true(ss->c[STC_EVICTED] >= 1);
	assert_int_equal(ss->c[STC_KEPT_RECLAIMED] - before, STREAM_FLOW_BLOCKS);
	/* Keeping more than the free blocks finds no room, evicts nothing. */
	{
		uint64_t ev = ss->c[STC_EVICTED];
		uint32_t n = (uint32_t)(ss->c[STC_BLOCKS_MAX] -
		    ss->c[STC_BLOCKS_USED] + 3) * STREAM_BLOCK;

		assert_true(n <= LEN);
		feed(st, f, k, 78001, data, n);
		assert_int_equal(ss->c[STC_EVICTED], ev);
		assert_int_equal(ss->c[STC_UNKEPT], 1);
	}
	assert_true(ss->c[STC_BLOCKS_USED] <= ss->c[STC_BLOCKS_MAX]);
	release_all(st, k, fl, 120, f);
}

/*
 * Kept bytes never cost held data, whichever holder keeps them: out-of-
 * order data needing room takes it from kept bytes (of flows that only
 * keep, then of flows that also hold) before it evicts the held data of
 * an older flow. mode 0: the others only keep; 1: they also hold a byte;
 * 2: the holders, not the blocks, run out (one kept byte a flow).
 */
static void
kept_vs_held(int mode)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	const struct stream_stats *ss = stream_stats(st);
	struct flow	*v = new_flow(), *w = new_flow(), *w2 = new_flow();
	struct flow	*a[700];
	uint32_t	 off;
	int		 na = 0;

	fill();
	syn(st, v, 0);
	feed(st, v, k, 2001, data, 1000);		/* held, the oldest */
	assert_true(v->app_flags & FA_HELD);
	while (mode == 2 ? na < 700 :
	    ss->c[STC_BLOCKS_MAX] - ss->c[STC_BLOCKS_USED] >= 66) {
		a[na] = answered_flow(st, 0);
		k->len = 0;
		if (mode == 1)
			feed(st, a[na], k, 200001, data, 1);
		for (off = 0; off < (mode == 2 ? 1 : 64 * STREAM_BLOCK);
		    off += STREAM_BLOCK)
			feed(st, a[na], k, 1 + off, data + off,
			    mode == 2 ? 1 : STREAM_BLOCK);
		na++;
	}
	/* Two flows hold 63 blocks each (short of a gap): no room left. */
	syn(st, w, 0);
	feed(st, w, k, 2001, data, mode == 2 ? 1 : 63 * STREAM_BLOCK);
	syn(st, w2, 0);
	feed(st, w2, k, 2001, data, mode == 2 ? 1 : 63 * STREAM_BLOCK);
	assert_non_null(w->stream);
	assert_non_null(w2->stream);
	assert_non_null(v->stream);
	assert_int_equal(ss->c[STC_EVICTED], 0);
	assert_true(ss->c[STC_KEPT_RECLAIMED] > 0);
	/* The victim's hole fills: all its data comes out. */
	k->len = 0;
	feed(st, v, k, 1, data + 5000, 2000);
	assert_int_equal(k->len, 3000);
	assert_memory_equal(k->buf + 2000, data, 1000);
	stream_flow_release(st, w);
	stream_flow_release(st, w2);
	free(w);
	free(w2);
	release_all(st, k, a, na, v);
}

static void
test_kept_vs_held(void **state)
{
	(void)state;
	kept_vs_held(0);
	kept_vs_held(1);
	kept_vs_held(2);
}

/*
 * A flow's own kept bytes give way to its held data too: with the rest
 * of the pool held by an older flow, a flow that keeps 64 blocks and then
 * holds data lets its kept bytes go, and the older flow keeps its data.
 */
static void
test_kept_own(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	const struct stream_stats *ss = stream_stats(st);
	struct flow	*f = answered_flow(st, 0), *v[16];
	uint32_t	 off;
	int		 i, nv = 0;

	(void)state;
	fill();
	for (off = 0; off < 64 * STREAM_BLOCK; off += STREAM_BLOCK)
		feed(st, f, k, 1 + off, data + off, STREAM_BLOCK);
	assert_int_equal(ss->c[STC_BLOCKS_USED], 64);
	/* Others hold 60 blocks each (short of a gap) until < 60 are free. */
	while (ss->c[STC_BLOCKS_MAX] - ss->c[STC_BLOCKS_USED] >= 60) {
		v[nv] = new_flow();
		syn(st, v[nv], 0);
		feed(st, v[nv], k, 2001, data, 60 * STREAM_BLOCK);
		assert_non_null(v[nv]->stream);
		nv++;
	}
	assert_int_equal(ss->c[STC_EVICTED], 0);
	/* f holds 60 blocks: they come from its kept ones and the free. */
	feed(st, f, k, 1 + 65 * STREAM_BLOCK, data, 60 * STREAM_BLOCK);
	assert_int_equal(ss->c[STC_EVICTED], 0);
	assert_int_equal(ss->c[STC_DROPPED], 0);
	for (i = 0; i < nv; i++)
		assert_non_null(v[i]->stream);
	release_all(st, k, v, nv, f);
}

/*
 * A resend with other bytes over kept ones and new bytes past the depth:
 * the direction still moves on (nothing past the depth is held), so what
 * follows is in order, not dropped as ahead of a hole.
 */
static void
test_kept_differ_past_depth(void **state)
{
	struct stream	*st = stream_new(BIG, 5000);
	struct sink	*k = calloc(1, sizeof(*k));
	const struct stream_stats *ss = stream_stats(st);
	struct flow	*f = answered_flow(st, 0);
	uint8_t		 other[2000];

	(void)state;
	fill();
	feed(st, f, k, 1, data, 5000);
	memcpy(other, data + 4000, sizeof(other));
	other[5] ^= 0x5a;
	feed(st, f, k, 4001, other, 2000);
	assert_int_equal(k->anomalies, 1);
	assert_int_equal(f->next_seq[0], 6001);
	feed(st, f, k, 6001, data + 6000, 1000);
	assert_int_equal(f->next_seq[0], 7001);
	assert_int_equal(ss->c[STC_DROPPED], 0);
	assert_int_equal(k->len, 5000);
	stream_flow_release(st, f);
	free(f);
	free(k);
	stream_free(st);
}

/*
 * Insertion past kept bytes let go (an ACK forged from the peer's side,
 * or room): a copy with other bytes and one new byte after them is not
 * cut to the new byte, else its other bytes go uninspected: like a copy
 * wholly old, it is inspected apart, uncompared, and the new byte goes
 * on in order. The same without a new byte: inspected apart.
 */
static void
test_resend_partly_unkept(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	const struct stream_stats *ss = stream_stats(st);
	struct flow	*f = answered_flow(st, 0);
	uint8_t		 other[1001];

	(void)state;
	fill();
	feed(st, f, k, 1, data, 1000);			/* the decoy */
	ack_from_peer(st, f, 1001);			/* forged */
	assert_null(f->stream);
	memcpy(other, data + 3000, sizeof(other));
	feed(st, f, k, 1, other, 1001);
	assert_int_equal(k->alt, 1001);
	assert_int_equal(k->anomalies, 0);
	assert_int_equal(ss->c[STC_RESENT_INSPECTED], 1);
	assert_int_equal(k->len, 1001);
	assert_memory_equal(k->buf, data, 1000);
	assert_int_equal(k->buf[1000], other[1000]);
	assert_int_equal(f->next_seq[0], 1002);
	release_all(st, k, NULL, 0, f);
}

/*
 * A new connection on the same ports (a SYN once the flow closed) drops
 * the old one's kept bytes: its first bytes, at an old kept sequence
 * number, are new, not compared with the old connection's; held data of
 * the old one left behind the new start goes without being handed on.
 */
static void
test_kept_syn_reseed(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	const struct stream_stats *ss = stream_stats(st);
	struct flow	*f = answered_flow(st, 0);
	uint8_t		 other[1000];

	(void)state;
	fill();
	feed(st, f, k, 1, data, 1000);
	feed(st, f, k, 3001, data + 3000, 1000);	/* held, hole before */
	assert_int_equal(ss->c[STC_BLOCKS_USED], 2);
	f->state = FLOW_CLOSED;
	syn(st, f, 2999999000U);
	syn(st, f, 4294966000U);			/* again, far off */
	assert_null(f->stream);
	assert_int_equal(ss->c[STC_GAPS], 1);
	memcpy(other, data, sizeof(other));
	other[7] ^= 0x5a;
	feed(st, f, k, 4294966001U, other, 1000);
	feed(st, f, k, 4294966001U, other, 1000);	/* the same: cut */
	assert_int_equal(k->anomalies, 0);
	assert_int_equal(k->alt, 0);
	assert_int_equal(ss->c[STC_RESENT_SAME], 1);
	assert_int_equal(k->len, 2000);
	assert_memory_equal(k->buf + 1000, other, 1000);
	ack_from_peer(st, f, 4294967001U);
	assert_null(f->stream);
	assert_false(f->app_flags & FA_HELD);
	release_all(st, k, NULL, 0, f);
}

/*
 * Many flows at random in a small pool: segments in order, ahead, old
 * with the same or other bytes, ACKs near and far, SYNs, flows ending.
 * No block is lost or used twice (all back at the end), the pool's
 * bound holds, a flow flagged as holding has a holder, and a flow that
 * holds data gets it drained (ASan checks the holders' reuse).
 */
static void
test_kept_random(void **state)
{
	struct stream	*st = stream_new(BIG, UINT32_MAX);
	struct sink	*k = calloc(1, sizeof(*k));
	const struct stream_stats *ss = stream_stats(st);
	struct flow	*fl[64];
	uint32_t	 x = 12345, i;
	int		 j;

	(void)state;
	fill();
	for (j = 0; j < 64; j++)
		fl[j] = answered_flow(st, (uint32_t)j * 0x10000000U);
	for (i = 0; i < 300000; i++) {
		struct flow *f;
		uint32_t r, next, seq, n;
		struct packet pkt;

		x = x * 1103515245U + 12345U;
		r = x >> 8;
		f = fl[r % 64];
		next = f->next_seq[0];
		n = 1 + (r >> 6) % 3000;
		switch ((r >> 20) % 8) {
		case 0: case 1:
			seq = next;
			break;
		case 2: case 3:
			seq = next + (r >> 6) % 200000;
			break;
		case 4:
			seq = next - (r >> 6) % 5000;
			break;
		case 5:
			segment(&pkt, f, 1, TH_ACK, 0);
			pkt.ack = next - (r >> 6) % 70000 + ((r & 1) << 31);
			stream_packet(st, &pkt);
			continue;
		case 6:
			if (r & 0x10)
				f->state = FLOW_CLOSED;
			syn(st, f, (r & 0x20) ? next - 1 : r);
			f->state = FLOW_ESTABLISHED;
			continue;
		default:
			if ((r & 0x3f) == 0) {
				stream_flow_release(st, f);
				continue;
			}
			seq = next - 1000;
			break;
		}
		/* The byte at seq is data[seq % 50000], or its neighbour. */
		k->len = 0;
		feed(st, f, k, seq, data + seq % 50000 + ((r & 7) == 0), n);
		assert_true(ss->c[STC_BLOCKS_USED] <= ss->c[STC_BLOCKS_MAX]);
		assert_true(!(f->app_flags & FA_HELD) || f->stream != NULL);
	}
	release_all(st, k, fl, 63, fl[63]);
}

/* Kept bytes across the 2^32 wrap: compared and acknowledged there. */
static void
test_kept_wrap(void **state)
{
	struct stream	*st = stream_new(BIG, BIG);
	struct sink	*k = calloc(1, sizeof(*k));
	const struct stream_stats *ss = stream_stats(st);
	uint32_t	 isn = 0xFFFFFC00U;
	struct flow	*f = answered_flow(st, isn - 1);
	uint8_t		 other[3000];

	(void)state;
	fill();
	feed(st, f, k, isn, data, 3000);		/* 1 KiB before 2^32 */
	feed(st, f, k, isn + 500, data + 500, 2000);	/* the same, across */
	assert_int_equal(ss->c[STC_RESENT_SAME], 1);
	memcpy(other, data, sizeof(other));
	other[2500] ^= 0x5a;				/* after the wrap */
	feed(st, f, k, isn, other, 3000);
	assert_int_equal(k->anomalies, 1);
	/* Acknowledged past the wrap: all go but the last block's bytes. */
	ack_from_peer(st, f, isn + 2048);
	assert_int_equal(ss->c[STC_BLOCKS_USED], 1);
	feed(st, f, k, isn + 2048, data + 2048, 952);
	assert_int_equal(ss->c[STC_RESENT_SAME], 2);
	/* An acknowledgement 2^31 or more ahead is not one: nothing goes. */
	ack_from_peer(st, f, isn + 3000 + 0x80000000U);
	assert_int_equal(ss->c[STC_BLOCKS_USED], 1);
	ack_from_peer(st, f, isn + 3000);
	assert_null(f->stream);
	assert_int_equal(k->len, 3000);
	free(f);
	free(k);
	stream_free(st);
}

/* The performance contract holds with the stream pointer. */
static void
test_flow_size(void **state)
{
	(void)state;
	assert_true(sizeof(struct flow) + sizeof(uint32_t) <= 256);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_reversed),
		cmocka_unit_test(test_one_byte),
		cmocka_unit_test(test_retransmissions),
		cmocka_unit_test(test_syn_data),
		cmocka_unit_test(test_syn_injected),
		cmocka_unit_test(test_overlap_differ),
		cmocka_unit_test(test_overlap_in_order),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_scattered),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_memcap),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_resend_compared),
		cmocka_unit_test(test_kept_bounded),
		cmocka_unit_test(test_kept_only_read),
		cmocka_unit_test(test_syn_ack_forged),
		cmocka_unit_test(test_ack_forged_keeps),
		cmocka_unit_test(test_kept_vs_held),
		cmocka_unit_test(test_kept_own),
		cmocka_unit_test(test_kept_differ_past_depth),
		cmocka_unit_test(test_kept_wrap),
		cmocka_unit_test(test_kept_random),
		cmocka_unit_test(test_kept_syn_reseed),
		cmocka_unit_test(test_resend_partly_unkept),
		cmocka_unit_test(test_flow_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
