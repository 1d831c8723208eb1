/*
 * TCP reassembly per direction in fixed memory (see include/stream.h).
 *
 * A flow with out-of-order data, or with bytes handed on that its peer
 * has not acknowledged yet, gets a holder from a pool (per direction:
 * the held blocks and the kept blocks, each in sequence order) and 1 KiB
 * blocks from another; a flow with neither holds nothing but the flow
 * struct's pointer. Holders sit in lists by the time they last took
 * data, so the memcap evicts the oldest without a search. Kept bytes
 * (only for comparing a resend with what was inspected) give way to held
 * ones: all kept bytes go (silently) before any held data is evicted,
 * and they never evict held data. Nothing is allocated after stream_new.
 *
 * Sequence numbers are compared as offsets from the next expected byte
 * (unsigned 32-bit differences), so wraparound past 2^32 needs nothing
 * special: held data is always less than STREAM_WINDOW ahead.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "jsonw.h"
#include "stream.h"
#include "types.h"
#include "xmalloc.h"

#define SF_SEQ0		FA_SEQ0		/* next_seq[dir] is known */
#define SF_SEQ1		FA_SEQ1
#define SF_DEPTH0	0x04	/* stream.depth reached: counted once */
#define SF_DEPTH1	0x08
#define SF_HELD		FA_HELD	/* a direction holds data out of order */
#define SF_BIG_ASKED	0x20	/* wants_big asked for this flow: its answer */
#define SF_BIG		0x40

struct sblk {
	struct sblk	*next;
	uint32_t	 seq;
	uint16_t	 len;
	uint8_t		 data[STREAM_BLOCK];
};

/*
 * Holders sit in three lists, so that room for held data is taken from
 * kept bytes first: those that only keep, those that hold and keep (their
 * kept bytes go, they stay), then those that only hold (evicted).
 */
#define SL_KEEP		0
#define SL_BOTH		1
#define SL_HELD		2

struct stream_flow {
	struct stream_flow *older, *newer;	/* by last data held */
	struct flow	*flow;
	struct sblk	*head[2];
	/* Bytes handed on, until the peer acknowledges them. */
	struct sblk	*kept[2], *kept_tail[2];
	uint16_t	 nblk[2];
	uint16_t	 nkept[2];
	uint8_t		 skip[2];		/* give up on the holes */
	uint8_t		 list;			/* SL_* */
};

struct stream {
	struct sblk	*blocks;
	struct sblk	*free_blk;
	struct stream_flow *holders;
	struct stream_flow *free_sf;
	/* Pool entries never used yet: taken in order, so the pools' pages
	 * are touched only as held data needs them (RSS follows use). */
	uint64_t	 nblk, blk_fresh, nsf, sf_fresh;
	struct stream_flow *oldest[3], *newest[3];	/* by SL_* */
	uint32_t	 depth;
	uint32_t	 big_depth;
	int		(*wants_big)(const struct flow *, void *);
	int		(*still_read)(const struct flow *, int dir);
	void		*wants_arg;
	struct stream_stats st;
	uint8_t		 run[65536];	/* held data handed on as one run */
};

static const char *const counter_names[] = {
#define X(id, name) name,
	STREAM_COUNTERS(X)
#undef X
};

const char *
stream_counter_name(enum stream_counter c)
{
	return (unsigned)c < STC_NCOUNTERS ? counter_names[c] : "unknown";
}

const struct stream_stats *
stream_stats(const struct stream *st)
{
	return &st->st;
}

void
stream_stats_json(const struct stream *st, struct jsonw *w)
{
	int	i;

	if (st == NULL)
		return;
	JW_OBJ_OPEN(w, "stream");
	for (i = 0; i < STC_NCOUNTERS; i++)
		jw_uint(w, counter_names[i], st->st.c[i]);
	jw_obj_close(w);
}

struct stream *
stream_new(uint64_t memcap, uint32_t depth)
{
	struct stream	*st = xcalloc(1, sizeof(*st));
	uint64_t	 nb, nh;

	if (memcap < (1 << 20))
		memcap = 1 << 20;
	/* A holder for every two blocks: most holes are one segment. */
	nb = memcap / (sizeof(struct sblk) + sizeof(struct stream_flow) / 2);
	if (nb > UINT32_MAX)
		nb = UINT32_MAX;
	nh = nb / 2;
	/* Taken in order from the packet path: 4 KiB pages, as the flow
	 * pool's (a 2 MiB fault there may wait for compaction). */
	st->blocks = xcalloc(nb, sizeof(struct sblk));
	st->holders = xcalloc(nh, sizeof(struct stream_flow));
	st->nblk = nb;
	st->nsf = nh;
	st->depth = st->big_depth = depth;
	st->st.c[STC_BLOCKS_MAX] = nb;
	return st;
}

void
stream_free(struct stream *st)
{
	if (st == NULL)
		return;
	free(st->blocks);
	free(st->holders);
	free(st);
}

void
stream_set_depth_hook(struct stream *st, uint32_t depth,
    int (*wants)(const struct flow *, void *), void *arg)
{
	st->big_depth = depth > st->depth ? depth : st->depth;
	st->wants_big = wants;
	st->wants_arg = arg;
}

void
stream_set_read_hook(struct stream *st, int (*read)(const struct flow *, int))
{
	st->still_read = read;
}

static void
sf_unlink(struct stream *st, struct stream_flow *sf)
{
	if (sf->older != NULL)
		sf->older->newer = sf->newer;
	else
		st->oldest[sf->list] = sf->newer;
	if (sf->newer != NULL)
		sf->newer->older = sf->older;
	else
		st->newest[sf->list] = sf->older;
	sf->older = sf->newer = NULL;
}

static void
sf_append(struct stream *st, struct stream_flow *sf, uint8_t list)
{
	sf->list = list;
	sf->newer = NULL;
	sf->older = st->newest[list];
	if (st->newest[list] != NULL)
		st->newest[list]->newer = sf;
	else
		st->oldest[list] = sf;
	st->newest[list] = sf;
}

static void
blk_put(struct stream *st, struct sblk *b)
{
	b->next = st->free_blk;
	st->free_blk = b;
	st->st.c[STC_BLOCKS_USED]--;
}

/* Drop one direction's held data. */
static void
sf_drop_dir(struct stream *st, struct stream_flow *sf, int dir)
{
	struct sblk	*b;

	while ((b = sf->head[dir]) != NULL) {
		sf->head[dir] = b->next;
		blk_put(st, b);
	}
	sf->nblk[dir] = 0;
	sf->skip[dir] = 0;
}

/* Drop one direction's kept bytes; how many blocks went. */
static uint16_t
kept_drop_dir(struct stream *st, struct stream_flow *sf, int dir)
{
	uint16_t	 n = sf->nkept[dir];
	struct sblk	*b;

	while ((b = sf->kept[dir]) != NULL) {
		sf->kept[dir] = b->next;
		blk_put(st, b);
	}
	sf->kept_tail[dir] = NULL;
	sf->nkept[dir] = 0;
	return n;
}

static int
sf_held(const struct stream_flow *sf)
{
	return sf->head[0] != NULL || sf->head[1] != NULL;
}

/* Return a holder, dropping what it still holds and keeps. */
static void
sf_release(struct stream *st, struct stream_flow *sf)
{
	sf_drop_dir(st, sf, 0);
	sf_drop_dir(st, sf, 1);
	kept_drop_dir(st, sf, 0);
	kept_drop_dir(st, sf, 1);
	sf_unlink(st, sf);
	sf->flow->app_flags &= (uint8_t)~SF_HELD;
	sf->flow->stream = NULL;
	sf->flow = NULL;
	sf->newer = st->free_sf;
	st->free_sf = sf;
}

void
stream_flow_release(struct stream *st, struct flow *f)
{
	struct stream_flow	*sf = f->stream;

	if (st == NULL || sf == NULL)
		return;
	/* Held data whose hole never filled: lost to inspection. */
	st->st.c[STC_GAPS] += (sf->head[0] != NULL) + (sf->head[1] != NULL);
	sf_release(st, sf);
}

static int
sf_kept(const struct stream_flow *sf)
{
	return sf->kept[0] != NULL || sf->kept[1] != NULL;
}

static uint8_t
sf_list(const struct stream_flow *sf)
{
	return !sf_held(sf) ? SL_KEEP : sf_kept(sf) ? SL_BOTH : SL_HELD;
}

/*
 * A holder with nothing held and nothing kept goes back to the pool; one
 * that changed what it holds or keeps moves to its list (as the newest).
 */
static void
sf_release_idle(struct stream *st, struct stream_flow *sf)
{
	if (!sf_held(sf) && !sf_kept(sf))
		sf_release(st, sf);
	else if (sf->list != sf_list(sf)) {
		sf_unlink(st, sf);
		sf_append(st, sf, sf_list(sf));
	}
}

/*
 * Free the oldest holder but keep, of the first list that has one; 0 if
 * there was none. Kept bytes go before held data: a holder that just
 * keeps bytes goes, then a holder's kept bytes (it stays, holding), and
 * that loss is not an eviction (nothing inspected is lost; a resend over
 * those bytes is inspected uncompared); keep's own kept bytes go too
 * before others' held data. Room for kept bytes (for_kept) is taken from
 * holders that just keep bytes alone.
 */
static int
evict_oldest(struct stream *st, struct stream_flow *keep, int for_kept)
{
	struct stream_flow	*sf = NULL;
	int			 l;

	for (l = SL_KEEP; sf == NULL && l <= (for_kept ? SL_KEEP : SL_HELD);
	    l++)
		if (l == SL_HELD && keep != NULL && sf_kept(keep))
			sf = keep;
		else if ((sf = st->oldest[l]) != NULL && sf == keep)
			sf = sf->newer;
	if (sf == NULL)
		return 0;
	/* keep is about to hold: filed SL_HELD, as sf_get files it. */
	if (sf->list == SL_BOTH || sf == keep) {
		st->st.c[STC_KEPT_RECLAIMED] += kept_drop_dir(st, sf, 0) +
		    kept_drop_dir(st, sf, 1);
		sf_unlink(st, sf);
		sf_append(st, sf, SL_HELD);
		return 1;
	}
	if (sf_held(sf))
		st->st.c[STC_EVICTED]++;
	else
		st->st.c[STC_KEPT_RECLAIMED] += sf->nkept[0] + sf->nkept[1];
	sf_release(st, sf);
	return 1;
}

static struct sblk *
blk_get(struct stream *st, struct stream_flow *keep, int for_kept)
{
	struct sblk	*b;

	if (st->free_blk == NULL && st->blk_fresh < st->nblk)
		st->free_blk = &st->blocks[st->blk_fresh++];	/* zeroed */
	/* A holder let go may have had no block (idle): go on. */
	while (st->free_blk == NULL)
		if (!evict_oldest(st, keep, for_kept))
			return NULL;
	b = st->free_blk;
	st->free_blk = b->next;
	st->st.c[STC_BLOCKS_USED]++;
	return b;
}

static struct stream_flow *
sf_get(struct stream *st, struct flow *f, int for_kept)
{
	struct stream_flow	*sf = f->stream;

	if (sf == NULL) {
		if (st->free_sf == NULL && st->sf_fresh < st->nsf)
			st->free_sf = &st->holders[st->sf_fresh++];
		while (st->free_sf == NULL)
			if (!evict_oldest(st, NULL, for_kept))
				return NULL;
		sf = st->free_sf;
		st->free_sf = sf->newer;
		memset(sf, 0, sizeof(*sf));
		sf->flow = f;
		f->stream = sf;
	} else
		sf_unlink(st, sf);
	/* Filed as what it is about to be: only a holder filed to hold
	 * (not for_kept) ever gets held data, so none in SL_KEEP has any. */
	sf_append(st, sf, for_kept ? (sf_held(sf) ? SL_BOTH : SL_KEEP) :
	    sf_kept(sf) ? SL_BOTH : SL_HELD);
	return sf;
}

#define HOLD_DIFFER	0x01	/* an overlap over held bytes differed */
#define HOLD_SCATTERED	0x02	/* gave up on STREAM_SCATTER_HOLES holes */

/*
 * Hold [seq, seq + n) ahead of the next expected byte: the parts not
 * held yet go in new blocks, the parts already held stay (first wins)
 * and are compared. Returns HOLD_* bits.
 */
static int
hold(struct stream *st, struct stream_flow *sf, int dir, uint32_t next,
    uint32_t seq, const uint8_t *p, uint32_t n)
{
	struct sblk	**pp = &sf->head[dir], *b, *prev = NULL;
	uint32_t	 s = seq - next, e = s + n, cur = s;
	int		 differ = 0, overlapped = 0;

	while (cur < e) {
		uint32_t bs = UINT32_MAX, be = UINT32_MAX, end;

		if ((b = *pp) != NULL) {
			bs = b->seq - next;
			be = bs + b->len;
			if (be <= cur) {
				prev = b;
				pp = &b->next;
				continue;
			}
		}
		if (cur < bs) {
			end = e < bs ? e : bs;
			/* Tiny segments share a block: fill the one before. */
			if (prev != NULL && prev->seq + prev->len == next + cur &&
			    prev->len < STREAM_BLOCK) {
				uint32_t take = end - cur > (uint32_t)(STREAM_BLOCK -
				    prev->len) ? (uint32_t)(STREAM_BLOCK - prev->len) :
				    end - cur;

				memcpy(prev->data + prev->len, p + (cur - s), take);
				prev->len = (uint16_t)(prev->len + take);
				cur += take;
				continue;
			}
			while (cur < end) {
				uint32_t take = end - cur > STREAM_BLOCK ?
				    STREAM_BLOCK : end - cur;
				struct sblk *nb;

				if (sf->nblk[dir] >= 2 * STREAM_FLOW_BLOCKS ||
				    (nb = blk_get(st, sf, 0)) == NULL) {
					st->st.c[STC_DROPPED]++;
					sf->skip[dir] = 1;
					return differ;
				}
				nb->seq = next + cur;
				nb->len = (uint16_t)take;
				memcpy(nb->data, p + (cur - s), take);
				nb->next = *pp;
				*pp = nb;
				sf->flow->app_flags |= SF_HELD;
				prev = nb;
				pp = &nb->next;
				sf->nblk[dir]++;
				cur += take;
			}
			continue;
		}
		end = e < be ? e : be;
		overlapped = 1;
		if (memcmp(b->data + (cur - bs), p + (cur - s), end - cur) != 0)
			differ = 1;
		cur = end;
		prev = b;
		pp = &b->next;
	}
	if (overlapped)
		st->st.c[STC_OVERLAPS]++;
	if (differ)
		st->st.c[STC_OVERLAPS_DIFFER]++;
	if (sf->nblk[dir] >= STREAM_FLOW_BLOCKS && !sf->skip[dir]) {
		uint32_t holes = 1;

		sf->skip[dir] = 1;	/* the hole is not coming back */
		/*
		 * A loss leaves one hole, or a few, with the segments after
		 * each. Many holes between the pieces are sent so: what
		 * fills them later is old data, which the parsers no longer
		 * read (a hello, a Host header hidden so).
		 */
		for (b = sf->head[dir]; b != NULL && b->next != NULL;
		    b = b->next)
			holes += b->seq + b->len != b->next->seq;
		if (holes >= STREAM_SCATTER_HOLES) {
			st->st.c[STC_SCATTERED]++;
			return differ | HOLD_SCATTERED;
		}
	}
	return differ;
}

/* How many of n bytes at the direction's offset are within its depth. */
static uint32_t
within_depth(struct stream *st, struct flow *f, int dir, uint32_t n)
{
	uint32_t	depth = st->depth, done = f->inspected[dir];

	/* Asked once a flow, not on every segment past the depth: the
	 * answer (an asset lookup by name, two address lookups) was per
	 * segment of every bulk transfer. Kept for the flow's life. */
	if (done + (uint64_t)n > depth && st->wants_big != NULL) {
		if (!(f->app_flags & SF_BIG_ASKED)) {
			f->app_flags |= SF_BIG_ASKED;
			if (st->wants_big(f, st->wants_arg))
				f->app_flags |= SF_BIG;
		}
		if (f->app_flags & SF_BIG)
			depth = st->big_depth;
	}
	if (done >= depth)
		return 0;
	return depth - done < n ? depth - done : n;
}

/* n in-order bytes were taken: advance the direction, count inspected. */
static uint32_t
advance(struct stream *st, struct flow *f, int dir, uint32_t n)
{
	uint32_t	keep = within_depth(st, f, dir, n);

	uint8_t		depthbit = dir == 0 ? SF_DEPTH0 : SF_DEPTH1;

	f->next_seq[dir] += n;
	if (keep < n && !(f->app_flags & depthbit)) {
		f->app_flags |= depthbit;
		st->st.c[STC_DEPTH]++;
	}
	f->inspected[dir] += keep;
	return keep;
}

/*
 * Keep n bytes at seq just handed on in direction dir, until the peer
 * acknowledges them, so that a resend can be compared with what was
 * inspected. Not when the peer has sent nothing (a one-sided capture:
 * no acknowledgement would ever free them), nor for a direction nothing
 * reads any more (the read hook: an encrypted session past its
 * handshake; most of a gateway's bytes). At most STREAM_FLOW_BLOCKS
 * blocks a direction: past that the oldest go (counted). The caller
 * returns the holder if it ends up idle.
 */
static void
kept_add(struct stream *st, struct flow *f, int dir, uint32_t seq,
    const uint8_t *p, uint32_t n)
{
	struct stream_flow	*sf;
	struct sblk		*t;

	if (n == 0 || f->pkts[!dir] == 0 ||
	    (st->still_read != NULL && !st->still_read(f, dir)))
		return;
	if ((sf = sf_get(st, f, 1)) == NULL) {
		st->st.c[STC_UNKEPT]++;
		return;
	}
	while (n > 0) {
		uint32_t take;

		t = sf->kept_tail[dir];
		if (t == NULL || t->seq + t->len != seq ||
		    t->len == STREAM_BLOCK) {
			if (sf->nkept[dir] >= STREAM_FLOW_BLOCKS) {
				t = sf->kept[dir];
				sf->kept[dir] = t->next;
				sf->nkept[dir]--;
				blk_put(st, t);
				st->st.c[STC_KEPT_RECLAIMED]++;
				if (sf->kept[dir] == NULL)
					sf->kept_tail[dir] = NULL;
			}
			if ((t = blk_get(st, sf, 1)) == NULL) {
				st->st.c[STC_UNKEPT]++;
				break;
			}
			t->seq = seq;
			t->len = 0;
			t->next = NULL;
			if (sf->kept_tail[dir] != NULL)
				sf->kept_tail[dir]->next = t;
			else
				sf->kept[dir] = t;
			sf->kept_tail[dir] = t;
			sf->nkept[dir]++;
		}
		take = STREAM_BLOCK - t->len < n ? STREAM_BLOCK - t->len : n;
		memcpy(t->data + t->len, p, take);
		t->len = (uint16_t)(t->len + take);
		seq += take;
		p += take;
		n -= take;
	}
}

/* The peer acknowledged up to ack: direction dir's kept bytes before it go. */
static void
kept_ack(struct stream *st, struct stream_flow *sf, int dir, uint32_t ack)
{
	struct sblk	*b;

	while ((b = sf->kept[dir]) != NULL &&
	    (int32_t)(ack - (b->seq + b->len)) >= 0) {
		sf->kept[dir] = b->next;
		sf->nkept[dir]--;
		blk_put(st, b);
	}
	if (b == NULL)
		sf->kept_tail[dir] = NULL;
}

#define KC_DIFFER	0x01	/* some byte differs from the one kept */
#define KC_ALL		0x02	/* every byte was compared */

/* Compare [seq, seq + n), all before the next expected byte, with the kept. */
static int
kept_compare(const struct stream_flow *sf, int dir, uint32_t seq,
    const uint8_t *p, uint32_t n)
{
	const struct sblk	*b;
	uint32_t		 covered = 0;
	int			 r = 0;

	for (b = sf->kept[dir]; b != NULL; b = b->next) {
		/* Offsets from seq; kept data is within a window of it. */
		int64_t	bs = (int32_t)(b->seq - seq), be = bs + b->len;
		int64_t	lo = bs > 0 ? bs : 0, hi = be < n ? be : n;

		if (bs >= n)
			break;
		if (lo >= hi)
			continue;
		covered += (uint32_t)(hi - lo);
		if (memcmp(b->data + (lo - bs), p + lo, (size_t)(hi - lo)) != 0)
			r |= KC_DIFFER;
	}
	if (covered >= n)
		r |= KC_ALL;
	return r;
}

/*
 * A SYN-ACK acknowledges the SYN it answers (its ISN + 1, or the data on
 * it): one that does not is no host's answer (the client resets it,
 * RFC 9293 section 3.10.7.3) but a blind forger's, and must not seed or
 * move the stream, else a forged SYN-ACK after the real one would blind
 * the sensor to the server's bytes.
 */
static int
syn_ack_answers(const struct flow *f, const struct packet *pkt, int dir)
{
	return !(pkt->tcp_flags & TH_ACK) || flow_acks_start(f, !dir, pkt->ack);
}

/*
 * Whether pkt's ACK may let the peer's kept bytes go. Not one past what
 * the peer has sent in order (its FIN counts): no host acknowledges
 * further (Suricata's "ACK for unseen data"); nor one on a segment far
 * from its sender's own stream, which the peer would drop. Either is a
 * forger's, and would let an insertion's real copy pass uncompared.
 */
static int
ack_credible(struct stream *st, const struct flow *f, int dir,
    const struct packet *pkt)
{
	uint32_t	sent = f->next_seq[!dir] +
	    ((f->tcp & (dir == 1 ? FT_FIN_C : FT_FIN_S)) != 0);

	if ((int32_t)(pkt->ack - sent) > 0) {
		st->st.c[STC_ACK_UNSEEN]++;
		return 0;
	}
	if (!flow_seq_near(f, dir, pkt->seq)) {
		st->st.c[STC_ACK_OFF_STREAM]++;
		return 0;
	}
	return 1;
}

/*
 * flow->cut, per direction (bit << dir): a segment of it was cut by the
 * snap length, so an acknowledgement past its bytes may cross the hole;
 * and the next bytes handed on follow a gap (PKT_GAP).
 */
#define CUT_PENDING	0x01
#define CUT_GAP		0x04

/*
 * Bytes of pkt's TCP payload past the snap length, 0 for a whole one: the
 * capturing host's GRO, LRO, TSO or GSO hands capture segments of up to
 * 64 KiB, which a snap length of a link's frame cuts. The IP header says
 * how long the segment was (IPv6's payload length as sent, not the 16-bit
 * total decode keeps), no longer than the frame's own uncaptured bytes.
 * Only for a frame cut short (PKT_TRUNC, tested by the caller).
 */
static uint32_t
cut_bytes(const struct packet *pkt)
{
	uint32_t	hdrs, wire, uncaptured = pkt->wirelen - pkt->caplen;

	if (pkt->l3 == NULL ||
	    pkt->payload == NULL || pkt->payload < pkt->l3 ||
	    (pkt->flags & PKT_REASSEMBLED) || pkt->wirelen < pkt->caplen)
		return 0;
	hdrs = (uint32_t)(pkt->payload - pkt->l3);
	if (pkt->ipver == 4)
		wire = (uint32_t)(pkt->l3[2] << 8 | pkt->l3[3]);
	else if (pkt->ipver == 6)
		wire = 40 + (uint32_t)(pkt->l3[4] << 8 | pkt->l3[5]);
	else
		return 0;
	if (wire <= hdrs + pkt->payload_len)
		return 0;
	wire -= hdrs + pkt->payload_len;
	return wire < uncaptured ? wire : uncaptured;
}

/*
 * The peer acknowledged bytes of direction dir past those seen, after a
 * segment of dir was cut: its host took the bytes the capture did not
 * keep, and they will not come again. The hole is crossed, to the ACK or
 * to the first held bytes, whichever is nearer; those bytes follow a gap.
 * Not on the cut alone: a segment its host dropped (a decoy) can be cut
 * too, and the real bytes after it must still be read in order. Not an
 * ACK off its sender's stream (a blind forger's), nor one further than a
 * merge reaches.
 */
static void
cut_acked(struct stream *st, struct flow *f, int dir,
    const struct packet *ack)
{
	uint32_t	ahead = ack->ack - f->next_seq[dir], held;

	if (ahead == 0 || ahead > STREAM_CUT_MAX || !flow_seq_near(f, !dir, ack->seq))
		return;
	if (f->stream != NULL && f->stream->head[dir] != NULL) {
		held = f->stream->head[dir]->seq - f->next_seq[dir];
		if (held < ahead)
			ahead = held;
		if (ahead == 0)
			return;
	}
	f->next_seq[dir] += ahead;
	f->cut |= (uint8_t)(CUT_GAP << dir);
	st->st.c[STC_GAPS]++;
}

/* A segment of dir cut by the snap length: counted; its hole waits for
 * the peer's acknowledgement (cut_acked) or the hold limit. */
static void
cut_seen(struct stream *st, struct flow *f, int dir)
{
	f->cut |= (uint8_t)(CUT_PENDING << dir);
	st->st.c[STC_CUT]++;
}

/* The gap flag for the next bytes handed on in dir, taken. */
static uint16_t
cut_gap(struct flow *f, int dir)
{
	if (!(f->cut & (CUT_GAP << dir)))
		return 0;
	f->cut &= (uint8_t)~(CUT_GAP << dir);
	return PKT_GAP;
}

void
stream_packet(struct stream *st, struct packet *pkt)
{
	struct flow		*f = pkt->flow;
	struct stream_flow	*sf;
	int			 dir = pkt->dir;
	uint8_t			 seqbit = dir == 0 ? SF_SEQ0 : SF_SEQ1;
	const uint8_t		*p = pkt->payload;
	uint32_t		 n = pkt->payload_len, rel, seq = pkt->seq, lost;
	int			 held;

	if ((pkt->tcp_flags & TH_SYN) && !(pkt->flags & PKT_SYN_HELD)) {
		/*
		 * The SYN takes one sequence number; data on it (TCP Fast
		 * Open, RFC 7413: a host with it on takes the data) follows.
		 * A SYN again once the direction started (retransmitted)
		 * does not rewind it: its data is then a retransmission. Nor
		 * does one elsewhere on an established connection, which
		 * hosts answer with a challenge ACK (RFC 5961 section 4):
		 * else one injected SYN would blind the sensor to the rest.
		 * On a closed flow flow.c holds a SYN with another ISN until
		 * the other side answers it, then starts a new flow
		 * (flow_reuse): held, it moves nothing here. One that comes
		 * unheld on a closed flow starts the stream again.
		 */
		seq++;
		if (syn_ack_answers(f, pkt, dir) &&
		    (!(f->app_flags & seqbit) ||
		    (f->state == FLOW_CLOSED && f->next_seq[dir] != seq) ||
		    (f->state != FLOW_ESTABLISHED &&
		    f->next_seq[dir] - seq >= STREAM_WINDOW))) {
			f->next_seq[dir] = seq;
			f->app_flags |= seqbit;
			f->cut &= (uint8_t)~((CUT_PENDING | CUT_GAP) << dir);
			if (f->stream != NULL) {
				/*
				 * A new connection: the old one's bytes go,
				 * held ones as a gap (else they would read as
				 * the new stream's once it reached them).
				 */
				st->st.c[STC_GAPS] +=
				    f->stream->head[dir] != NULL;
				sf_drop_dir(st, f->stream, dir);
				kept_drop_dir(st, f->stream, dir);
				sf_release_idle(st, f->stream);
			}
		}
	}
	/* f->cut first: nearly every flow has none (callgrind). */
	if (f->cut != 0 && (f->cut & (CUT_PENDING << !dir)) &&
	    (pkt->tcp_flags & TH_ACK))
		cut_acked(st, f, !dir, pkt);
	if ((pkt->tcp_flags & TH_ACK) && f->stream != NULL &&
	    f->stream->kept[!dir] != NULL && ack_credible(st, f, dir, pkt)) {
		kept_ack(st, f->stream, !dir, pkt->ack);
		sf_release_idle(st, f->stream);
	}
	lost = (pkt->flags & PKT_TRUNC) ? cut_bytes(pkt) : 0;
	if (n == 0 && lost == 0)
		return;
	st->st.c[STC_SEGMENTS]++;
	if (!(f->app_flags & seqbit)) {
		f->next_seq[dir] = seq;
		f->app_flags |= seqbit;
	}
	pkt->payload_len = 0;
	rel = seq - f->next_seq[dir];
	if (n == 0 && rel != 0)
		return;		/* cut before its payload, not in order */
	if (rel >= 0x80000000U) {
		/* Old data: a retransmission, maybe with some new. */
		uint32_t behind = f->next_seq[dir] - seq;
		uint32_t old = behind < n ? behind : n;
		int cmp = f->stream != NULL ?
		    kept_compare(f->stream, dir, seq, p, old) : 0;

		/* Cut past the bytes seen: a hole the peer's ACK may cross. */
		if (lost > 0 && behind < n + lost)
			cut_seen(st, f, dir);
		lost = 0;	/* counted */

		st->st.c[STC_RETRANSMITTED] += old;
		if (cmp & KC_DIFFER) {
			/*
			 * Other bytes than those inspected, before the peer
			 * acknowledged them: the host may keep either copy
			 * (insertion: the first had a bad checksum or too low
			 * a TTL to reach it). An overlap that differs, as over
			 * held data.
			 */
			st->st.c[STC_OVERLAPS]++;
			st->st.c[STC_OVERLAPS_DIFFER]++;
			if (decode_err_yields(pkt->err))
				pkt->err = DE_TCP_OVERLAP_DIFF;
		} else if (cmp & KC_ALL) {
			if (behind >= n) {
				/* The same bytes again: inspected once. */
				st->st.c[STC_RESENT_SAME]++;
				return;
			}
		} else
			/*
			 * Over bytes no longer kept (acknowledged, or let go
			 * for room; an ACK can be forged): a copy with other
			 * bytes cannot be told from a true resend, with new
			 * bytes after them or not.
			 */
			st->st.c[STC_RESENT_INSPECTED]++;
		if (cmp != KC_ALL) {
			/*
			 * Its bytes go to the payload rules alone, as an
			 * overlap's do; the parsers follow the stream: the new
			 * part, if any, is held and drained. Past the depth
			 * nothing is held: move on, or the direction would
			 * wait on a hole for good.
			 */
			if (behind < n && within_depth(st, f, dir, 1) == 0)
				(void)advance(st, f, dir, n - behind);
			else if (behind < n) {
				if ((sf = sf_get(st, f, 0)) == NULL)
					st->st.c[STC_DROPPED]++;
				else {
					(void)hold(st, sf, dir,
					    f->next_seq[dir], f->next_seq[dir],
					    p + behind, n - behind);
					sf_release_idle(st, sf);
				}
			}
			pkt->payload = p;
			pkt->payload_len = n;
			pkt->flags |= PKT_STREAM_ALT;
			return;
		}
		seq += behind;
		p += behind;
		n -= behind;
		rel = 0;
	}
	if (rel == 0 && (f->stream == NULL || f->stream->head[dir] == NULL)) {
		/* The common case: in order, nothing held. */
		pkt->payload = p;
		pkt->payload_len = advance(st, f, dir, n);
		kept_add(st, f, dir, seq, p, pkt->payload_len);
		if (f->cut != 0)
			pkt->flags |= cut_gap(f, dir);
		if (lost > 0 && within_depth(st, f, dir, 1) == 0)
			f->next_seq[dir] += lost;	/* nothing read there */
		else if (lost > 0)
			cut_seen(st, f, dir);
		if (f->stream != NULL)
			sf_release_idle(st, f->stream);
		return;
	}
	if (n == 0)
		return;		/* cut before its payload, behind held data */
	if (rel >= STREAM_WINDOW || within_depth(st, f, dir, 1) == 0) {
		st->st.c[STC_DROPPED]++;
		return;
	}
	if ((sf = sf_get(st, f, 0)) == NULL) {
		st->st.c[STC_DROPPED]++;
		return;
	}
	if (lost > 0)
		cut_seen(st, f, dir);
	if (rel > 0)
		st->st.c[STC_HELD]++;
	held = hold(st, sf, dir, f->next_seq[dir], seq, p, n);
	if ((held & HOLD_SCATTERED) && decode_err_yields(pkt->err))
		pkt->err = DE_TCP_SCATTERED;
	if (held & HOLD_DIFFER) {
		/*
		 * The host may keep this copy: its bytes are inspected too,
		 * by the payload rules alone (the parsers follow the stream).
		 */
		if (decode_err_yields(pkt->err))
			pkt->err = DE_TCP_OVERLAP_DIFF;
		pkt->payload = p;
		pkt->payload_len = n;
		pkt->flags |= PKT_STREAM_ALT;
	}
	sf_release_idle(st, sf);	/* nothing could be held */
}

void
stream_drain(struct stream *st, const struct packet *pkt,
    stream_deliver_cb cb, void *arg)
{
	struct flow		*f = pkt->flow;
	struct stream_flow	*sf = f->stream;
	int			 dir = pkt->dir;
	struct packet		 q;
	struct sblk		*b;

	if (sf == NULL)
		return;
	for (;;) {
		uint32_t	 m = 0, seq0 = f->next_seq[dir];
		uint16_t	 gap = 0;

		/* Gather the contiguous run: one buffer, one inspection. */
		while ((b = sf->head[dir]) != NULL) {
			uint32_t next = f->next_seq[dir] + m;
			uint32_t rel = b->seq - next, off = 0;

			if (rel >= 0x80000000U) {
				off = next - b->seq;
				if (off > b->len)
					off = b->len;
			} else if (rel > 0) {
				if (m > 0 || !sf->skip[dir])
					break;
				/* Lost: inspection resumes after the hole. */
				st->st.c[STC_GAPS]++;
				f->next_seq[dir] = seq0 = b->seq;
				gap = PKT_GAP;
			}
			if (b->len - off > sizeof(st->run) - m)
				break;
			memcpy(st->run + m, b->data + off, b->len - off);
			m += b->len - off;
			sf->head[dir] = b->next;
			sf->nblk[dir]--;
			blk_put(st, b);
		}
		if (m == 0)
			break;
		q = *pkt;
		q.seq = seq0;
		q.payload = st->run;
		q.payload_len = advance(st, f, dir, m);
		gap |= cut_gap(f, dir);
		q.flags |= gap;
		q.err = DE_NONE;
		kept_add(st, f, dir, seq0, st->run, q.payload_len);
		if (q.payload_len > 0)
			cb(&q, arg);
	}
	if (sf->head[dir] == NULL)
		sf->skip[dir] = 0;
	if (!sf_held(sf)) {
		f->app_flags &= (uint8_t)~SF_HELD;
		sf_release_idle(st, sf);
	}
}
