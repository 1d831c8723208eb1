/*
 * Defragmentation tests: datagrams cut into fragments, fed through the
 * real decoder (decode_frame, raw IP) and defrag_packet in order,
 * reversed, shuffled, duplicated and overlapping; the rebuilt datagram
 * must equal the original byte for byte. IPv6 overlaps abandon the
 * train (RFC 5722), tiny first fragments and datagrams past 65,535
 * bytes are anomalies, trains time out on packet time, and a flood of
 * trains stays in the memcap by evicting the oldest.
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
#include "defrag.h"
#include "types.h"

#define SEC	1000000ULL
#define BIG	(1 << 20)

struct frag {
	uint8_t	buf[2048];
	size_t	len;
};

/* An IPv4 datagram: 20-byte header, proto, then len bytes of pattern. */
static size_t
mk_v4(uint8_t *p, uint8_t proto, size_t len, uint8_t seed, uint8_t src)
{
	size_t	i, tot = 20 + len;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[4] = 0x12;
	p[5] = 0x34;
	p[8] = 64;
	p[9] = proto;
	p[12] = 10; p[13] = 0; p[14] = 0; p[15] = src;
	p[16] = 10; p[17] = 0; p[18] = 0; p[19] = 2;
	for (i = 0; i < len; i++)
		p[20 + i] = (uint8_t)(i * 7 + seed);
	if (proto == PROTO_UDP && len >= 8) {
		p[20] = 0x30; p[21] = 0x39; p[22] = 0; p[23] = 53;
		p[24] = (uint8_t)(len >> 8);
		p[25] = (uint8_t)len;
		p[26] = p[27] = 0;
	}
	return tot;
}

/* Fragment [off, off+len) of the data of IPv4 datagram dg. */
static void
frag_v4(const uint8_t *dg, size_t off, size_t len, int more, struct frag *f)
{
	uint16_t	fo = (uint16_t)(off / 8 | (more ? 0x2000 : 0));

	memcpy(f->buf, dg, 20);
	f->buf[2] = (uint8_t)((20 + len) >> 8);
	f->buf[3] = (uint8_t)(20 + len);
	f->buf[6] = (uint8_t)(fo >> 8);
	f->buf[7] = (uint8_t)fo;
	memcpy(f->buf + 20, dg + 20 + off, len);
	f->len = 20 + len;
}

/* An IPv6 datagram: fixed header, UDP, then pattern. */
static size_t
mk_v6(uint8_t *p, size_t len, uint8_t seed)
{
	size_t	i;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(len >> 8);
	p[5] = (uint8_t)len;
	p[6] = PROTO_UDP;
	p[7] = 64;
	p[8] = 0x20; p[9] = 0x01; p[10] = 0x0d; p[11] = 0xb8; p[23] = 1;
	p[24] = 0x20; p[25] = 0x01; p[26] = 0x0d; p[27] = 0xb8; p[39] = 2;
	for (i = 0; i < len; i++)
		p[40 + i] = (uint8_t)(i * 5 + seed);
	p[40] = 0x30; p[41] = 0x39; p[42] = 0; p[43] = 53;
	p[44] = (uint8_t)(len >> 8);
	p[45] = (uint8_t)len;
	return 40 + len;
}

static void
frag_v6(const uint8_t *dg, size_t off, size_t len, int more, uint32_t id,
    struct frag *f)
{
	uint16_t	fo = (uint16_t)(off | (more ? 1 : 0));

	memcpy(f->buf, dg, 40);
	f->buf[4] = (uint8_t)((8 + len) >> 8);
	f->buf[5] = (uint8_t)(8 + len);
	f->buf[6] = 44;
	f->buf[40] = dg[6];
	f->buf[41] = 0;
	f->buf[42] = (uint8_t)(fo >> 8);
	f->buf[43] = (uint8_t)fo;
	f->buf[44] = (uint8_t)(id >> 24);
	f->buf[45] = (uint8_t)(id >> 16);
	f->buf[46] = (uint8_t)(id >> 8);
	f->buf[47] = (uint8_t)id;
	memcpy(f->buf + 48, dg + 40 + off, len);
	f->len = 48 + len;
}

/* What the last feed() gave: defrag_packet's result, the train's anomaly. */
static int		last_rc;
static enum decode_err	last_anomaly;
static uint8_t		feed_depth;	/* tunnels around the fragments */

/* Decode one fragment as the sensor does, and give it to defrag; 1 if
 * it completed its datagram. */
static int
feed(struct defrag *d, const struct frag *f, uint64_t ts,
    const uint8_t **out, size_t *outlen, enum decode_err *err)
{
	struct packet	pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.ts = ts;
	pkt.caplen = pkt.wirelen = (uint32_t)f->len;
	(void)decode_frame(DLT_RAW, f->buf, f->len, &pkt, NULL);
	assert_true(pkt.flags & PKT_FRAG);
	pkt.encap = feed_depth;
	last_anomaly = DE_NONE;
	last_rc = defrag_packet(d, &pkt, out, outlen, &last_anomaly);
	if (err != NULL)
		*err = pkt.err;
	return last_rc == DEFRAG_DONE;
}

/* Cut dg's data into n fragments of step bytes (the last takes the rest). */
static size_t
cut_v4(const uint8_t *dg, size_t dlen, size_t step, struct frag *fr)
{
	size_t	n = 0, off;

	for (off = 0; off < dlen; off += step, n++)
		frag_v4(dg, off, off + step < dlen ? step : dlen - off,
		    off + step < dlen, &fr[n]);
	return n;
}

/* Feed the fragments in order[]; exactly the last must complete. */
static void
feed_order(struct defrag *d, const struct frag *fr, const size_t *order,
    size_t n, const uint8_t *dg, size_t dglen)
{
	const uint8_t	*out = NULL;
	size_t		 i, outlen = 0;
	enum decode_err	 err;

	feed_depth = 0;
	for (i = 0; i < n; i++) {
		int rc = feed(d, &fr[order[i]], SEC, &out, &outlen, &err);

		assert_int_equal(rc, i + 1 == n);
		assert_int_equal(err, DE_NONE);
	}
	assert_int_equal(outlen, dglen);
	assert_memory_equal(out, dg, dglen);
}

static void
test_v4_orders(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	static uint8_t	 dg[8000];
	static struct frag fr[64];
	size_t		 order[64], n, i, j, dglen, round;

	(void)state;
	dglen = mk_v4(dg, PROTO_UDP, 5000, 1, 1);
	n = cut_v4(dg, dglen - 20, 504, fr);
	assert_int_equal(n, 10);
	for (i = 0; i < n; i++)
		order[i] = i;
	feed_order(d, fr, order, n, dg, dglen);		/* in order */
	for (i = 0; i < n; i++)
		order[i] = n - 1 - i;
	feed_order(d, fr, order, n, dg, dglen);		/* reversed */
	srand(17);
	for (round = 0; round < 50; round++) {		/* shuffled */
		for (i = n - 1; i > 0; i--) {
			size_t t;

			j = (size_t)rand() % (i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		feed_order(d, fr, order, n, dg, dglen);
	}
	assert_int_equal(defrag_stats(d)->c[DFC_REASSEMBLED], 52);
	assert_int_equal(defrag_stats(d)->c[DFC_ACTIVE], 0);
	assert_int_equal(defrag_stats(d)->c[DFC_OVERLAPS], 0);
	defrag_free(d);
}

/* Every fragment twice: one datagram, counted overlaps, no anomaly. */
static void
test_v4_duplicates(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	uint8_t		 dg[2000];
	struct frag	 fr[8];
	const uint8_t	*out;
	size_t		 n, i, dglen, outlen;
	enum decode_err	 err;
	int		 done = 0;

	(void)state;
	dglen = mk_v4(dg, PROTO_UDP, 1000, 2, 1);
	n = cut_v4(dg, dglen - 20, 256, fr);
	for (i = 0; i < n - 1; i++) {
		assert_int_equal(feed(d, &fr[i], SEC, &out, &outlen, &err), 0);
		assert_int_equal(feed(d, &fr[i], SEC, &out, &outlen, &err), 0);
		assert_int_equal(err, DE_NONE);
	}
	done = feed(d, &fr[n - 1], SEC, &out, &outlen, &err);
	assert_int_equal(done, 1);
	assert_memory_equal(out, dg, dglen);
	assert_int_equal(defrag_stats(d)->c[DFC_OVERLAPS], n - 1);
	assert_int_equal(defrag_stats(d)->c[DFC_OVERLAPS_DIFFER], 0);
	defrag_free(d);
}

/*
 * A tunnelled fragment with a bare train's addresses and ID is a train
 * of its own (the tunnels around a packet key it): its bytes neither
 * overlap nor fill the bare one's.
 */
static void
test_tunnel_depth(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	uint8_t		 dg[2000], decoy[2000];
	struct frag	 fr[4], fd[4];
	const uint8_t	*out;
	size_t		 dglen, outlen;
	enum decode_err	 err;

	(void)state;
	dglen = mk_v4(dg, PROTO_UDP, 1000, 5, 1);
	(void)mk_v4(decoy, PROTO_UDP, 1000, 6, 1);
	assert_int_equal(cut_v4(dg, dglen - 20, 512, fr), 2);
	assert_int_equal(cut_v4(decoy, dglen - 20, 512, fd), 2);
	feed_depth = 1;
	assert_int_equal(feed(d, &fd[0], SEC, &out, &outlen, &err), 0);
	feed_depth = 0;
	assert_int_equal(feed(d, &fr[0], SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &fr[1], SEC, &out, &outlen, &err), 1);
	assert_int_equal(outlen, dglen);
	assert_memory_equal(out, dg, dglen);
	feed_depth = 1;
	assert_int_equal(feed(d, &fd[1], SEC, &out, &outlen, &err), 1);
	feed_depth = 0;
	assert_memory_equal(out, decoy, dglen);
	assert_int_equal(defrag_stats(d)->c[DFC_OVERLAPS], 0);
	defrag_free(d);
}

/*
 * Overlaps: the same bytes again are fine; other bytes raise
 * ipv4_frag_overlap and the first copy wins, whichever comes first.
 */
static void
test_v4_overlap(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	uint8_t		 dg[200], evil[200];
	struct frag	 a, b, c;
	const uint8_t	*out;
	size_t		 dglen, outlen;
	enum decode_err	 err;

	(void)state;
	dglen = mk_v4(dg, PROTO_UDP, 48, 3, 1);
	/* Same data: [0,24) then [16,48). */
	frag_v4(dg, 0, 24, 1, &a);
	frag_v4(dg, 16, 32, 0, &b);
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 1);
	assert_int_equal(err, DE_NONE);
	assert_memory_equal(out, dg, dglen);
	assert_int_equal(defrag_stats(d)->c[DFC_OVERLAPS], 1);

	/* Other bytes in [16,24): anomaly, first wins. */
	memcpy(evil, dg, dglen);
	memset(evil + 20 + 16, 'X', 8);
	frag_v4(dg, 0, 24, 1, &a);
	frag_v4(evil, 16, 16, 1, &b);
	frag_v4(dg, 32, 16, 0, &c);
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_IPV4_FRAG_OVERLAP_DIFF);
	assert_int_equal(last_rc, DEFRAG_HELD);
	assert_int_equal(feed(d, &c, SEC, &out, &outlen, &err), 1);
	assert_int_equal(err, DE_NONE);
	/* The alert is raised on the datagram, naming its flow. */
	assert_int_equal(last_anomaly, DE_IPV4_FRAG_OVERLAP_DIFF);
	assert_memory_equal(out, dg, dglen);

	/* The other way round: the evil bytes came first, and stay. */
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_IPV4_FRAG_OVERLAP_DIFF);
	assert_int_equal(feed(d, &c, SEC, &out, &outlen, &err), 1);
	assert_memory_equal(out + 20 + 16, "XXXXXXXX", 8);
	assert_int_equal(defrag_stats(d)->c[DFC_OVERLAPS_DIFFER], 2);
	defrag_free(d);
}

static void
test_v6_orders(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	static uint8_t	 dg[4000];
	struct frag	 fr[8];
	const uint8_t	*out;
	size_t		 dglen, outlen, i, n = 0, off;
	enum decode_err	 err;

	(void)state;
	dglen = mk_v6(dg, 3000, 4);
	for (off = 0; off < 3000; off += 1232, n++)
		frag_v6(dg, off, off + 1232 < 3000 ? 1232 : 3000 - off,
		    off + 1232 < 3000, 77, &fr[n]);
	for (i = 0; i < n; i++) {
		assert_int_equal(feed(d, &fr[n - 1 - i], SEC, &out, &outlen,
		    &err), i + 1 == n);
		assert_int_equal(err, DE_NONE);
	}
	assert_int_equal(outlen, dglen);
	assert_memory_equal(out, dg, dglen);
	/* In order, with an exact duplicate in the middle: dropped alone. */
	assert_int_equal(feed(d, &fr[0], SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &fr[1], SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &fr[0], SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_NONE);
	assert_int_equal(feed(d, &fr[2], SEC, &out, &outlen, &err), 1);
	assert_memory_equal(out, dg, dglen);
	assert_int_equal(defrag_stats(d)->c[DFC_DUPLICATES], 1);
	defrag_free(d);
}

/* RFC 5722: an overlap, even with the same bytes, drops the datagram. */
static void
test_v6_overlap_dropped(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	uint8_t		 dg[400];
	struct frag	 a, b, c, e;
	const uint8_t	*out;
	size_t		 outlen;
	enum decode_err	 err;

	(void)state;
	mk_v6(dg, 64, 5);
	frag_v6(dg, 0, 32, 1, 9, &a);
	frag_v6(dg, 24, 16, 1, 9, &b);	/* overlaps [24,32) */
	frag_v6(dg, 32, 32, 0, 9, &c);
	frag_v6(dg, 0, 24, 1, 9, &e);	/* inside a: not a duplicate */
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_IPV6_FRAG_OVERLAP);
	assert_int_equal(last_rc, DEFRAG_DROPPED);
	assert_int_equal(feed(d, &c, SEC, &out, &outlen, &err), 0);
	assert_int_equal(last_rc, DEFRAG_DROPPED);
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(defrag_stats(d)->c[DFC_REASSEMBLED], 0);
	assert_int_equal(defrag_stats(d)->c[DFC_ABANDONED], 1);
	/* After the timeout the same id starts afresh. */
	assert_int_equal(feed(d, &a, 40 * SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &e, 40 * SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_IPV6_FRAG_OVERLAP);
	defrag_free(d);
}

/* RFC 1858: a first fragment without the whole TCP header. */
static void
test_tiny_first(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	uint8_t		 dg[200];
	struct frag	 a, b;
	const uint8_t	*out;
	size_t		 dglen, outlen;
	enum decode_err	 err;

	(void)state;
	dglen = mk_v4(dg, PROTO_TCP, 40, 6, 1);
	dg[20 + 12] = 0x50;			/* data offset 5 */
	frag_v4(dg, 0, 8, 1, &a);
	frag_v4(dg, 8, 32, 0, &b);
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_FRAG_TINY);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 1);
	assert_int_equal(last_anomaly, DE_FRAG_TINY);
	assert_memory_equal(out, dg, dglen);
	/* 24 bytes carry the header: no anomaly. */
	frag_v4(dg, 0, 24, 1, &a);
	frag_v4(dg, 24, 16, 0, &b);
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_NONE);
	defrag_free(d);
}

/* Past 65,535 bytes: an anomaly, and the train is abandoned. */
static void
test_oversize(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	static uint8_t	 dg[70000];
	struct frag	 a, b;
	const uint8_t	*out;
	size_t		 outlen;
	enum decode_err	 err;

	(void)state;
	mk_v4(dg, PROTO_UDP, 65600, 7, 1);
	frag_v4(dg, 0, 64, 1, &a);
	frag_v4(dg, 65528, 24, 0, &b);	/* ends at 65552 + 20 */
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_IPV4_FRAG_OVERLAP);	/* ipv4_frag_too_large */
	assert_int_equal(defrag_stats(d)->c[DFC_ABANDONED], 1);

	mk_v6(dg, 65600 - 40, 8);
	frag_v6(dg, 0, 64, 1, 5, &a);
	frag_v6(dg, 65528, 16, 0, 5, &b);	/* payload 65544 */
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_IPV6_FRAG_TOO_LARGE);
	assert_int_equal(defrag_stats(d)->c[DFC_ABANDONED], 2);
	/* Up to the limit exactly is fine: 65,535 total. */
	mk_v4(dg, PROTO_UDP, 65515, 9, 3);
	frag_v4(dg, 0, 1480, 1, &a);
	assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
	frag_v4(dg, 65512, 3, 0, &b);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 0);
	assert_int_equal(err, DE_NONE);
	defrag_free(d);
}

static void
test_timeout(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	uint8_t		 dg[200];
	struct frag	 a, b;
	const uint8_t	*out;
	size_t		 dglen, outlen;
	enum decode_err	 err;

	(void)state;
	dglen = mk_v4(dg, PROTO_UDP, 64, 10, 1);
	frag_v4(dg, 0, 32, 1, &a);
	frag_v4(dg, 32, 32, 0, &b);
	assert_int_equal(feed(d, &a, 100 * SEC, &out, &outlen, &err), 0);
	defrag_expire(d, 129 * SEC);
	assert_int_equal(defrag_stats(d)->c[DFC_ACTIVE], 1);
	defrag_expire(d, 131 * SEC);
	assert_int_equal(defrag_stats(d)->c[DFC_ACTIVE], 0);
	assert_int_equal(defrag_stats(d)->c[DFC_TIMEOUTS], 1);
	/* The second half alone, later, does not complete anything. */
	assert_int_equal(feed(d, &b, 131 * SEC, &out, &outlen, &err), 0);
	/* Within the timeout it does. */
	assert_int_equal(feed(d, &a, 150 * SEC, &out, &outlen, &err), 1);
	assert_memory_equal(out, dg, dglen);
	defrag_free(d);
}

/*
 * A flood of trains that never complete: the table holds at most its
 * max, evicts the oldest (counted, anomaly frag_memcap_evicted), and a
 * train of the newest still completes.
 */
static void
test_memcap(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	uint8_t		 dg[2000];
	struct frag	 a, b;
	const uint8_t	*out;
	size_t		 outlen, dglen;
	uint64_t	 max = defrag_stats(d)->c[DFC_MAX], i;
	enum decode_err	 err;
	int		 memcap_seen = 0;

	(void)state;
	assert_true(max >= 16);
	for (i = 0; i < max + 100; i++) {
		dglen = mk_v4(dg, PROTO_UDP, 1600, 11, 1);
		dg[4] = (uint8_t)(i >> 8);
		dg[5] = (uint8_t)i;
		dg[15] = (uint8_t)(i >> 16);
		frag_v4(dg, 0, 1480, 1, &a);
		assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err), 0);
		memcap_seen |= err == DE_FRAG_MEMCAP;
		assert_true(defrag_stats(d)->c[DFC_ACTIVE] <= max);
	}
	assert_true(memcap_seen);
	assert_true(defrag_stats(d)->c[DFC_EVICTED] >= 100);
	/* The last train is still there and completes. */
	frag_v4(dg, 1480, 120, 0, &b);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 1);
	assert_memory_equal(out, dg, dglen);
	/* The first one was evicted. */
	dg[4] = dg[5] = dg[15] = 0;
	frag_v4(dg, 1480, 120, 0, &b);
	assert_int_equal(feed(d, &b, SEC, &out, &outlen, &err), 0);
	defrag_free(d);
}

/* Big trains exhaust the block pool before the train table. */
static void
test_memcap_blocks(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	static uint8_t	 dg[70000];
	struct frag	 a;
	const uint8_t	*out;
	size_t		 outlen, off;
	uint64_t	 i;
	enum decode_err	 err;

	(void)state;
	for (i = 0; i < 40; i++) {
		mk_v4(dg, PROTO_UDP, 65000, 12, (uint8_t)i);
		/* Every other block of the datagram: never complete. */
		for (off = 0; off < 64000; off += 4096) {
			frag_v4(dg, off, 8, 1, &a);
			assert_int_equal(feed(d, &a, SEC, &out, &outlen, &err),
			    0);
		}
	}
	assert_true(defrag_stats(d)->c[DFC_EVICTED] > 0);
	assert_true(defrag_stats(d)->c[DFC_ACTIVE] < 40);
	defrag_free(d);
}

/*
 * Hostile trains: random offsets, lengths, flags and bytes over a few
 * keys, IPv4 and IPv6, in a small table (run under ASan in CI). Whatever
 * completes must be a well-formed datagram of the length it claims.
 */
static void
test_random(void **state)
{
	struct defrag	*d = defrag_new(BIG, 30 * SEC);
	static uint8_t	 dg[70000];
	struct frag	 f;
	const uint8_t	*out;
	size_t		 outlen, i, off, len;
	uint64_t	 ts = SEC;
	enum decode_err	 err;

	(void)state;
	srand(99);
	for (i = 0; i < 20000; i++) {
		int	more = rand() % 4 != 0, v6 = rand() % 2;

		off = (size_t)(rand() % 8192) * 8;
		if (rand() % 2)		/* small datagrams, some complete */
			off %= rand() % 2 ? 4096 : 32;
		len = (size_t)(rand() % 1400) + 1;
		if (more && !v6 && rand() % 2)
			len &= ~(size_t)7;
		if (more && v6)
			len = (len + 7) & ~(size_t)7;
		if (len == 0)
			len = 8;
		if (!v6 && off == 0)
			more = 1;	/* else it is no fragment */
		if (v6) {
			mk_v6(dg, 65535, (uint8_t)rand());
			frag_v6(dg, off, len, more, (uint32_t)(rand() % 4), &f);
		} else {
			mk_v4(dg, PROTO_UDP, 65515 + 200, (uint8_t)rand(),
			    (uint8_t)(rand() % 3));
			dg[5] = (uint8_t)(rand() % 4);
			frag_v4(dg, off, len, more, &f);
		}
		ts += (uint64_t)(rand() % 20000);
		if (feed(d, &f, ts, &out, &outlen, &err)) {
			if ((out[0] >> 4) == 4)
				assert_int_equal(outlen,
				    (size_t)(out[2] << 8 | out[3]));
			else
				assert_int_equal(outlen,
				    40 + (size_t)(out[4] << 8 | out[5]));
			assert_true(outlen <= 65535 + 40);
		}
		assert_true(defrag_stats(d)->c[DFC_ACTIVE] <=
		    defrag_stats(d)->c[DFC_MAX]);
	}
	/* Every path was taken (counts for srand(99)). */
	assert_true(defrag_stats(d)->c[DFC_REASSEMBLED] > 50);
	assert_true(defrag_stats(d)->c[DFC_OVERLAPS_DIFFER] > 20);
	assert_true(defrag_stats(d)->c[DFC_ABANDONED] > 50);
	defrag_expire(d, ts + 31 * SEC);
	assert_int_equal(defrag_stats(d)->c[DFC_ACTIVE], 0);
	defrag_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_orders),
		cmocka_unit_test(test_v4_duplicates),
		cmocka_unit_test(test_v4_overlap),
		cmocka_unit_test(test_tunnel_depth),
		cmocka_unit_test(test_v6_orders),
		cmocka_unit_test(test_v6_overlap_dropped),
		cmocka_unit_test(test_tiny_first),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_memcap),
		cmocka_unit_test(test_memcap_blocks),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
