/*
 * IPv4 and IPv6 defragmentation in fixed memory (see include/defrag.h).
 *
 * A train holds its data in 2 KiB blocks, one per 2 KiB of the
 * datagram, each with two bitmaps over its 8-byte units (fragment
 * offsets count in 8 bytes): which units are held, and at which a
 * fragment started (to tell an exact IPv6 duplicate from an overlap).
 * Nothing is allocated after defrag_new; trains and blocks come from
 * free lists, and when either runs out the oldest train goes.
 *
 * Policy, chosen to see what the end host most likely sees and to flag
 * whatever could make it see something else:
 *  - IPv4: first wins. Bytes already held are kept; a later fragment
 *    fills only the holes. An overlap whose bytes differ from those held
 *    is an evasion attempt (anomaly ipv4_frag_overlap): hosts disagree
 *    on which copy wins, so whatever we keep, the alert says so.
 *  - IPv6: any overlap abandons the train (RFC 5722; anomaly
 *    ipv6_frag_overlap); an exact duplicate (same offset, length and
 *    bytes) is dropped alone, as RFC 8200 section 4.5 allows.
 *  - A last fragment that disagrees with data held beyond it, or with an
 *    earlier last fragment, abandons the train (as Linux does).
 *  - A datagram that would pass 65,535 bytes is abandoned (anomaly
 *    ipv4_frag_too_large / ipv6_frag_too_large); the rest of its
 *    fragments are swallowed until the train times out.
 *  - A first fragment too short to carry the whole TCP, UDP or ICMP
 *    header (RFC 1858, RFC 7112) is an anomaly (frag_tiny_first); it is
 *    still reassembled so that the payload is inspected.
 *  - IPv4 non-last fragments are cut to a multiple of 8 bytes (as Linux
 *    does); IPv6 ones that are not a multiple of 8 are discarded (RFC
 *    8200). An IPv6 atomic fragment (offset 0, no more fragments) is a
 *    whole datagram on its own (RFC 6946).
 * Unfragmentable IPv6 extension headers are not kept in the rebuilt
 * datagram: the fixed header is followed directly by the upper layer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "defrag.h"
#include "jsonw.h"
#include "types.h"
#include "siphash.h"
#include "xmalloc.h"

#define DF_BLOCK	2048			/* data bytes per block */
#define DF_UNITS	(DF_BLOCK / 8)		/* 8-byte units per block */
#define DF_PAGES	32			/* blocks per train: 64 KiB */
#define DF_DATA_MAX	65535			/* fragmentable bytes */
#define DF_TRAIN_SHARE	8192			/* memcap bytes per train */
#define DF_HDR_MAX	60

enum df_state { DF_FREE = 0, DF_OPEN, DF_DEAD };

struct df_block {
	uint64_t	have[DF_UNITS / 64];	/* unit held */
	uint64_t	start[DF_UNITS / 64];	/* a fragment starts here */
	uint8_t		data[DF_BLOCK];
};

/* Indexes are 1-based: 0 is none. */
struct df_train {
	uint32_t	hnext;		/* hash chain, or free list */
	uint32_t	older, newer;	/* by first fragment's time */
	uint32_t	hash;
	uint32_t	id;
	uint8_t		src[16], dst[16];
	uint16_t	vlan[VLAN_MAX];
	uint8_t		vlan_n;
	uint8_t		ipver;
	uint8_t		proto;		/* IPv4 only: part of the key */
	uint8_t		state;		/* enum df_state */
	uint8_t		hlen;		/* header bytes in hdr, 0 until offset 0 */
	uint8_t		last;		/* the last fragment was seen */
	uint8_t		anomaly;	/* enum decode_err, for the datagram */
	uint8_t		encap;		/* key: what it came in (types.h) */
	uint32_t	end;		/* data length, once last */
	uint32_t	hi;		/* end of the highest data held */
	uint32_t	units;		/* 8-byte units held */
	uint64_t	first;		/* packet time of the first fragment */
	uint32_t	page[DF_PAGES];	/* block per 2 KiB of data */
	uint8_t		hdr[DF_HDR_MAX];
};

struct defrag {
	struct df_train	*trains;
	uint32_t	 ntrains;
	uint32_t	 free_train;
	uint32_t	*buckets;
	uint32_t	 mask;
	struct df_block	*blocks;
	uint32_t	 nblocks;
	uint32_t	*bfree;		/* stack of free block indexes */
	uint32_t	 nbfree;
	uint32_t	 oldest, newest;
	uint64_t	 timeout;
	uint64_t	 seed[2];
	struct defrag_stats st;
	uint8_t		 out[DF_HDR_MAX + DF_DATA_MAX + 1];
};

/* What one fragment says, whichever IP version carried it. */
struct df_frag {
	const uint8_t	*data;
	uint32_t	 off, len;	/* in the fragmentable part */
	uint32_t	 id;
	uint8_t		 proto;		/* key: IPv4 protocol, 0 for IPv6 */
	uint8_t		 l4;		/* the upper layer that follows */
	uint8_t		 more;
	uint8_t		 hlen;		/* header bytes to keep if offset 0 */
	uint8_t		 hdr[DF_HDR_MAX];
};

static const char *const counter_names[DFC_NCOUNTERS] = {
#define X(id, name) name,
	DEFRAG_COUNTERS(X)
#undef X
};

const char *
defrag_counter_name(enum defrag_counter c)
{
	return (unsigned)c < DFC_NCOUNTERS ? counter_names[c] : "unknown";
}

struct defrag *
defrag_new(uint64_t memcap, uint64_t timeout)
{
	struct defrag	*d = xcalloc(1, sizeof(*d));
	uint64_t	 nt, nb, fixed;
	uint32_t	 i, nbk;

	if (memcap < (1 << 20))
		memcap = 1 << 20;
	nt = memcap / DF_TRAIN_SHARE;
	if (nt > (1U << 20))
		nt = 1U << 20;
	for (nbk = 16; nbk < nt; nbk <<= 1)
		;
	fixed = sizeof(*d) + nt * sizeof(struct df_train) +
	    (uint64_t)nbk * sizeof(uint32_t);
	nb = (memcap - fixed) / (sizeof(struct df_block) + sizeof(uint32_t));
	if (nb > UINT32_MAX - 1)
		nb = UINT32_MAX - 1;
	d->ntrains = (uint32_t)nt;
	d->mask = nbk - 1;
	d->nblocks = (uint32_t)nb;
	d->trains = xcalloc_huge(nt, sizeof(*d->trains));
	d->buckets = xcalloc_huge(nbk, sizeof(*d->buckets));
	d->blocks = xcalloc_huge(nb, sizeof(*d->blocks));
	d->bfree = xcalloc_huge(nb, sizeof(*d->bfree));
	for (i = 0; i < d->ntrains; i++)
		d->trains[i].hnext = i + 2 <= d->ntrains ? i + 2 : 0;
	d->free_train = 1;
	for (i = 0; i < d->nblocks; i++)
		d->bfree[i] = d->nblocks - i;
	d->nbfree = d->nblocks;
	d->timeout = timeout;
	d->st.c[DFC_MAX] = d->ntrains;
	/* A secret hash seed keeps an attacker from aiming at one chain. */
	if (RAND_bytes((unsigned char *)d->seed, sizeof(d->seed)) != 1) {
		d->seed[0] = (uint64_t)(uintptr_t)d ^ 0x9e3779b97f4a7c15ULL;
		d->seed[1] = (uint64_t)(uintptr_t)d->blocks;
	}
	return d;
}

void
defrag_free(struct defrag *d)
{
	if (d == NULL)
		return;
	free(d->trains);
	free(d->buckets);
	free(d->blocks);
	free(d->bfree);
	free(d);
}

const struct defrag_stats *
defrag_stats(const struct defrag *d)
{
	return &d->st;
}

void
defrag_stats_json(const struct defrag *d, struct jsonw *w)
{
	int	i;

	if (d == NULL)
		return;
	JW_OBJ_OPEN(w, "defrag");
	for (i = 0; i < DFC_NCOUNTERS; i++)
		jw_uint(w, counter_names[i], d->st.c[i]);
	jw_obj_close(w);
}

static uint32_t
df_hash(const struct defrag *d, const struct packet *pkt,
    const struct df_frag *f)
{
	uint64_t	w[5];

	memcpy(w, pkt->src, 16);
	memcpy(w + 2, pkt->dst, 16);
	w[4] = (uint64_t)f->id << 32 | (uint64_t)f->proto << 24 |
	    (uint64_t)pkt->ipver << 16 | (pkt->vlan_n ? pkt->vlan[0] : 0);
	w[4] ^= (uint64_t)(pkt->vlan_n > 1 ? pkt->vlan[1] : 0) << 48 ^
	    (uint64_t)pkt->encap << 40;
	return (uint32_t)siphash13(d->seed, w, 5);
}

static int
df_key_eq(const struct df_train *t, const struct packet *pkt,
    const struct df_frag *f, uint32_t h)
{
	return t->hash == h && t->id == f->id && t->proto == f->proto &&
	    t->ipver == pkt->ipver && t->vlan_n == pkt->vlan_n &&
	    t->encap == pkt->encap &&
	    (t->vlan_n < 1 || t->vlan[0] == pkt->vlan[0]) &&
	    (t->vlan_n < 2 || t->vlan[1] == pkt->vlan[1]) &&
	    memcmp(t->src, pkt->src, 16) == 0 &&
	    memcmp(t->dst, pkt->dst, 16) == 0;
}

/* Give a train's blocks back to the pool. */
static void
df_drop_data(struct defrag *d, struct df_train *t)
{
	int	i;

	for (i = 0; i < DF_PAGES; i++)
		if (t->page[i] != 0) {
			d->bfree[d->nbfree++] = t->page[i];
			t->page[i] = 0;
		}
}

/* Unlink a train from its chain and the age list, and free it. */
static void
df_release(struct defrag *d, uint32_t ti)
{
	struct df_train	*t = &d->trains[ti - 1];
	uint32_t	*pp = &d->buckets[t->hash & d->mask];

	df_drop_data(d, t);
	while (*pp != 0 && *pp != ti)
		pp = &d->trains[*pp - 1].hnext;
	if (*pp == ti)
		*pp = t->hnext;
	if (t->older)
		d->trains[t->older - 1].newer = t->newer;
	else
		d->oldest = t->newer;
	if (t->newer)
		d->trains[t->newer - 1].older = t->older;
	else
		d->newest = t->older;
	t->state = DF_FREE;
	t->hnext = d->free_train;
	d->free_train = ti;
	d->st.c[DFC_ACTIVE]--;
}

void
defrag_expire(struct defrag *d, uint64_t now)
{
	while (d->oldest != 0) {
		struct df_train *t = &d->trains[d->oldest - 1];

		if (t->first + d->timeout > now)
			break;
		if (t->state == DF_OPEN)
			d->st.c[DFC_TIMEOUTS]++;
		df_release(d, d->oldest);
	}
}

/* Evict the oldest train other than keep; 0 when there is none. */
static int
df_evict(struct defrag *d, uint32_t keep, struct packet *pkt)
{
	uint32_t	victim = d->oldest;

	if (victim == keep && victim != 0)
		victim = d->trains[victim - 1].newer;
	if (victim == 0)
		return 0;
	df_release(d, victim);
	d->st.c[DFC_EVICTED]++;
	if (pkt->err == DE_NONE)
		pkt->err = DE_FRAG_MEMCAP;
	return 1;
}

static uint32_t
df_train_get(struct defrag *d, struct packet *pkt, const struct df_frag *f)
{
	uint32_t	 h = df_hash(d, pkt, f), ti;
	struct df_train	*t;

	for (ti = d->buckets[h & d->mask]; ti != 0; ti = t->hnext) {
		t = &d->trains[ti - 1];
		if (df_key_eq(t, pkt, f, h))
			return ti;
	}
	if (d->free_train == 0)
		df_evict(d, 0, pkt);
	ti = d->free_train;
	t = &d->trains[ti - 1];
	d->free_train = t->hnext;
	memset(t, 0, offsetof(struct df_train, hdr));
	t->hash = h;
	t->id = f->id;
	t->proto = f->proto;
	t->ipver = pkt->ipver;
	t->encap = pkt->encap;
	t->vlan_n = pkt->vlan_n;
	memcpy(t->vlan, pkt->vlan, sizeof(t->vlan));
	memcpy(t->src, pkt->src, 16);
	memcpy(t->dst, pkt->dst, 16);
	t->first = pkt->ts;
	t->state = DF_OPEN;
	t->hnext = d->buckets[h & d->mask];
	d->buckets[h & d->mask] = ti;
	t->older = d->newest;
	if (d->newest)
		d->trains[d->newest - 1].newer = ti;
	else
		d->oldest = ti;
	d->newest = ti;
	d->st.c[DFC_ACTIVE]++;
	return ti;
}

/* Abandon a train: its data goes, its later fragments are swallowed. */
static void
df_abandon(struct defrag *d, struct df_train *t)
{
	df_drop_data(d, t);
	t->state = DF_DEAD;
	d->st.c[DFC_ABANDONED]++;
}

static int
df_bit(const uint64_t *map, uint32_t u)
{
	return (map[u / 64] >> (u % 64)) & 1;
}

static struct df_block *
df_block_of(struct defrag *d, const struct df_train *t, uint32_t unit)
{
	uint32_t	b = t->page[unit / DF_UNITS];

	return b ? &d->blocks[b - 1] : NULL;
}

/*
 * IPv6: is [u0, u1) exactly one fragment held, with the same bytes?
 * Held fragments never overlap, so the one starting at u0 runs to the
 * next start bit or the first unit not held.
 */
static int
df_exact_dup(struct defrag *d, const struct df_train *t,
    const struct df_frag *f, uint32_t u0, uint32_t u1)
{
	struct df_block	*b = df_block_of(d, t, u0);
	uint32_t	 u, n;

	if (b == NULL || !df_bit(b->start, u0 % DF_UNITS))
		return 0;
	for (u = u0; u < u1; u++) {
		b = df_block_of(d, t, u);
		if (b == NULL || !df_bit(b->have, u % DF_UNITS) ||
		    (u > u0 && df_bit(b->start, u % DF_UNITS)))
			return 0;
		n = f->off + f->len - u * 8 < 8 ? f->off + f->len - u * 8 : 8;
		if (memcmp(b->data + (u % DF_UNITS) * 8, f->data + (u * 8 -
		    f->off), n) != 0)
			return 0;
	}
	b = df_block_of(d, t, u1);
	return u1 * 8 >= t->hi || b == NULL || !df_bit(b->have,
	    u1 % DF_UNITS) || df_bit(b->start, u1 % DF_UNITS);
}

/* The bits of word w (of a block's 256-unit map) in units [a, b). */
static uint64_t
df_mask(uint32_t w, uint32_t a, uint32_t b)
{
	uint32_t	lo = w * 64, hi = lo + 64;

	if (b <= lo || a >= hi)
		return 0;
	lo = a > lo ? a - lo : 0;
	hi = b < hi ? b - w * 64 : 64;
	return hi - lo == 64 ? ~0ULL : ((1ULL << (hi - lo)) - 1) << lo;
}

/* A block for the page, from the pool (evicting other trains); or NULL. */
static struct df_block *
df_page(struct defrag *d, uint32_t ti, struct packet *pkt, uint32_t page)
{
	struct df_train	*t = &d->trains[ti - 1];
	struct df_block	*b;

	if (t->page[page] == 0) {
		while (d->nbfree == 0)
			if (!df_evict(d, ti, pkt))
				return NULL;
		t->page[page] = d->bfree[--d->nbfree];
		b = &d->blocks[t->page[page] - 1];
		memset(b->have, 0, sizeof(b->have));
		memset(b->start, 0, sizeof(b->start));
	}
	return &d->blocks[t->page[page] - 1];
}

/*
 * Put a fragment's bytes in the train, first wins: a block's span with
 * nothing held yet is one copy; one with units held goes unit by unit,
 * comparing. Returns -1 when the pool could not give a block even after
 * evicting every other train, else sets *overlap / *differ.
 */
static int
df_insert(struct defrag *d, uint32_t ti, const struct df_frag *f,
    struct packet *pkt, int *overlap, int *differ)
{
	struct df_train	*t = &d->trains[ti - 1];
	uint32_t	 pos, next, fend = f->off + f->len, u, ua, ub, w;

	for (pos = f->off; pos < fend; pos = next) {
		struct df_block	*b = df_page(d, ti, pkt, pos / DF_BLOCK);
		uint64_t	 held = 0;

		if (b == NULL)
			return -1;
		next = (pos / DF_BLOCK + 1) * DF_BLOCK;
		if (next > fend)
			next = fend;
		ua = pos % DF_BLOCK / 8;
		ub = (next - 1) % DF_BLOCK / 8 + 1;
		if (pos == f->off)
			b->start[ua / 64] |= 1ULL << (ua % 64);
		for (w = 0; w < DF_UNITS / 64; w++)
			held |= b->have[w] & df_mask(w, ua, ub);
		if (held == 0) {
			memcpy(b->data + pos % DF_BLOCK, f->data + (pos - f->off),
			    next - pos);
			for (w = 0; w < DF_UNITS / 64; w++)
				b->have[w] |= df_mask(w, ua, ub);
			t->units += ub - ua;
			continue;
		}
		for (u = ua; u < ub; u++) {
			uint32_t	 at = pos / DF_BLOCK * DF_BLOCK + u * 8;
			uint32_t	 n = fend - at < 8 ? fend - at : 8;
			const uint8_t	*src = f->data + (at - f->off);

			if (df_bit(b->have, u)) {
				*overlap = 1;
				if (memcmp(b->data + u * 8, src, n) != 0)
					*differ = 1;
				continue;
			}
			memcpy(b->data + u * 8, src, n);
			b->have[u / 64] |= 1ULL << (u % 64);
			t->units++;
		}
	}
	if (fend > t->hi)
		t->hi = fend;
	return 0;
}

/* The whole datagram into d->out; its length. */
static size_t
df_build(struct defrag *d, const struct df_train *t)
{
	uint8_t		*o = d->out;
	uint32_t	 p, n, len;

	memcpy(o, t->hdr, t->hlen);
	if (t->ipver == 4) {
		len = t->hlen + t->end;
		o[2] = (uint8_t)(len >> 8);
		o[3] = (uint8_t)len;
		o[6] = o[7] = 0;
	} else {
		o[4] = (uint8_t)(t->end >> 8);
		o[5] = (uint8_t)t->end;
	}
	for (p = 0; p * DF_BLOCK < t->end; p++) {
		n = t->end - p * DF_BLOCK < DF_BLOCK ? t->end - p * DF_BLOCK :
		    DF_BLOCK;
		memcpy(o + t->hlen + p * DF_BLOCK,
		    d->blocks[t->page[p] - 1].data, n);
	}
	return (size_t)t->hlen + t->end;
}

/* The smallest first fragment that carries the whole upper header. */
static uint32_t
df_l4_min(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP:
		return 20;
	case PROTO_UDP:
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return 8;
	}
	return 0;
}

/* Read the fragment from pkt; -1 when it cannot be used. */
static int
df_parse(const struct packet *pkt, struct df_frag *f)
{
	const uint8_t	*p = pkt->l3;
	uint32_t	 hlen, fo;

	if (p == NULL)
		return -1;
	/* Cut by the snap length: the bytes are not all there. */
	if ((pkt->flags & PKT_TRUNC) && pkt->ip_len > pkt->l3_len)
		return -1;
	if (pkt->ipver == 4) {
		hlen = (uint32_t)(p[0] & 0x0f) * 4;
		if (hlen < 20 || pkt->l3_len < hlen)
			return -1;
		fo = (uint32_t)(p[6] << 8 | p[7]);
		f->id = (uint32_t)(p[4] << 8 | p[5]);
		f->off = (fo & 0x1fff) * 8;
		f->more = (fo & 0x2000) != 0;
		f->proto = f->l4 = p[9];
		f->data = p + hlen;
		f->len = pkt->l3_len - hlen;
		if (f->more)
			f->len &= ~7U;
		f->hlen = (uint8_t)hlen;
		memcpy(f->hdr, p, hlen);
	} else {
		hlen = pkt->l3_frag;
		if (hlen < 40 || hlen + 8 > pkt->l3_len)
			return -1;
		fo = (uint32_t)(p[hlen + 2] << 8 | p[hlen + 3]);
		f->id = (uint32_t)p[hlen + 4] << 24 |
		    (uint32_t)p[hlen + 5] << 16 |
		    (uint32_t)p[hlen + 6] << 8 | p[hlen + 7];
		f->off = fo & 0xfff8;
		f->more = fo & 1;
		f->proto = 0;
		f->l4 = p[hlen];
		f->data = p + hlen + 8;
		f->len = pkt->l3_len - hlen - 8;
		if (f->more && (f->len & 7) != 0)
			return -1;
		f->hlen = 40;
		memcpy(f->hdr, p, 40);
		f->hdr[6] = f->l4;
	}
	if (f->more && f->len == 0)
		return -1;
	return 0;
}

int
defrag_packet(struct defrag *d, struct packet *pkt, const uint8_t **out,
    size_t *outlen, enum decode_err *anomaly)
{
	struct df_frag	 f;
	struct df_train	*t;
	uint32_t	 ti, fend;
	int		 overlap = 0, differ = 0, toolarge;

	d->st.c[DFC_FRAGMENTS]++;
	defrag_expire(d, pkt->ts);
	if (df_parse(pkt, &f) != 0) {
		d->st.c[DFC_INVALID]++;
		return DEFRAG_DROPPED;
	}
	fend = f.off + f.len;
	if (f.off == 0 && f.more && f.len < df_l4_min(f.l4))
		pkt->err = DE_FRAG_TINY;
	/* Too large: for IPv6 the unfragmentable headers count too. */
	toolarge = pkt->ipver == 4 ? fend + f.hlen > 65535 :
	    fend + (uint32_t)(pkt->l3_frag - 40) > 65535;
	if (toolarge)
		pkt->err = pkt->ipver == 4 ? DE_IPV4_FRAG_OVERLAP :
		    DE_IPV6_FRAG_TOO_LARGE;
	/* RFC 6946: an atomic fragment is a datagram of its own. */
	if (pkt->ipver == 6 && f.off == 0 && !f.more) {
		if (toolarge)
			return DEFRAG_DROPPED;
		memcpy(d->out, f.hdr, 40);
		d->out[4] = (uint8_t)(f.len >> 8);
		d->out[5] = (uint8_t)f.len;
		/* A tunnel's inner fragment may lie in d->out already. */
		memmove(d->out + 40, f.data, f.len);
		*out = d->out;
		*outlen = 40 + f.len;
		*anomaly = DE_NONE;
		d->st.c[DFC_REASSEMBLED]++;
		return DEFRAG_DONE;
	}
	ti = df_train_get(d, pkt, &f);
	t = &d->trains[ti - 1];
	if (t->state == DF_DEAD)
		return DEFRAG_DROPPED;
	if (toolarge) {
		df_abandon(d, t);
		return DEFRAG_DROPPED;
	}
	if ((!f.more && ((t->last && fend != t->end) || fend < t->hi)) ||
	    (f.more && t->last && fend > t->end)) {
		df_abandon(d, t);
		return DEFRAG_DROPPED;
	}
	if (pkt->ipver == 6) {
		uint32_t	u, u0 = f.off / 8, u1 = (fend + 7) / 8;

		for (u = u0; u < u1; u++) {
			struct df_block *b = df_block_of(d, t, u);

			if (b != NULL && df_bit(b->have, u % DF_UNITS))
				break;
		}
		if (u < u1) {
			d->st.c[DFC_OVERLAPS]++;
			if (df_exact_dup(d, t, &f, u0, u1)) {
				d->st.c[DFC_DUPLICATES]++;
				return DEFRAG_DROPPED;
			}
			pkt->err = DE_IPV6_FRAG_OVERLAP;
			df_abandon(d, t);
			return DEFRAG_DROPPED;
		}
	}
	if (df_insert(d, ti, &f, pkt, &overlap, &differ) != 0) {
		pkt->err = DE_FRAG_MEMCAP;
		d->st.c[DFC_EVICTED]++;
		df_abandon(d, t);
		return DEFRAG_DROPPED;
	}
	if (overlap) {
		d->st.c[DFC_OVERLAPS]++;
		if (differ) {
			d->st.c[DFC_OVERLAPS_DIFFER]++;
			pkt->err = DE_IPV4_FRAG_OVERLAP_DIFF;
		}
	}
	if (f.off == 0 && t->hlen == 0) {
		memcpy(t->hdr, f.hdr, f.hlen);
		t->hlen = f.hlen;
	}
	if (!f.more) {
		t->last = 1;
		t->end = fend;
	}
	if ((pkt->err == DE_FRAG_TINY || pkt->err == DE_IPV4_FRAG_OVERLAP_DIFF) &&
	    t->anomaly == DE_NONE)
		t->anomaly = (uint8_t)pkt->err;
	if (!t->last || t->hlen == 0 || t->units != (t->end + 7) / 8)
		return DEFRAG_HELD;
	if (t->hlen + t->end > 65535 + (t->ipver == 6 ? 40U : 0U)) {
		pkt->err = t->ipver == 4 ? DE_IPV4_FRAG_OVERLAP :
		    DE_IPV6_FRAG_TOO_LARGE;
		df_abandon(d, t);
		return DEFRAG_DROPPED;
	}
	*outlen = df_build(d, t);
	*out = d->out;
	*anomaly = (enum decode_err)t->anomaly;
	d->st.c[DFC_REASSEMBLED]++;
	df_release(d, ti);
	return DEFRAG_DONE;
}
