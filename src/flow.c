/*
 * The flow table: bidirectional flows keyed by 5-tuple and VLAN.
 *
 * All flows come from one array sized by limits.flow_memcap at start-up,
 * so the per-packet path never allocates and a flood cannot grow memory:
 * when the array is used up, the flow idle the longest is ended and its
 * slot reused. Each state (new, established, closed) keeps its flows in
 * an idle list, least recently seen first; since every flow in a list has
 * the same timeout, expiry only ever looks at list heads.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "capture.h"
#include "community_id.h"
#include "flow.h"
#include "types.h"
#include "xmalloc.h"

struct flow_list {
	struct flow	*head, *tail;
};

struct flow_table {
	struct flow		*pool;		/* all flows, lazily touched */
	size_t			 max;
	size_t			 used;		/* slots ever handed out */
	struct flow		*free;		/* returned slots */
	uint32_t		*buckets;	/* pool index + 1; 0 empty */
	uint32_t		 mask;
	uint64_t		 seed[2];
	uint64_t		 next_id;
	uint64_t		 id_step;
	struct flow_list	 lists[FLOW_STATE_MAX];
	struct flow_timeouts	 to;
	flow_end_cb		 end_cb;
	void			*cb_arg;
	struct flow_stats	 st;
};

static const char *flow_state_names[FLOW_STATE_MAX] = {
	"new", "established", "closed"
};

static const char *flow_end_names[] = {
	"timeout", "end of capture", "eviction", "shutdown", "reused"
};

const char *
flow_state_name(enum flow_state s)
{
	return (unsigned)s < FLOW_STATE_MAX ? flow_state_names[s] : "unknown";
}

const char *
flow_end_reason_name(enum flow_end_reason r)
{
	return (unsigned)r < sizeof(flow_end_names) / sizeof(flow_end_names[0]) ?
	    flow_end_names[r] : "unknown";
}

void
flow_default_timeouts(struct flow_timeouts *to)
{
	to->t[FLOW_NEW] = 30ULL * 1000000;
	to->t[FLOW_ESTABLISHED] = 300ULL * 1000000;
	to->t[FLOW_CLOSED] = 10ULL * 1000000;
}

struct flow_table *
flow_table_new(uint64_t memcap, const struct flow_timeouts *to,
    flow_end_cb cb, void *arg)
{
	struct flow_table	*ft;
	size_t			 nb, per;

	ft = xcalloc(1, sizeof(*ft));
	/*
	 * Each flow costs its struct plus about one bucket word. Buckets
	 * are 32-bit pool indices, not pointers: half the bytes that
	 * every packet's first lookup misses in.
	 */
	per = sizeof(struct flow) + sizeof(*ft->buckets);
	ft->max = memcap / per;
	if (ft->max < 64)
		ft->max = 64;
	if (ft->max > UINT32_MAX - 1)
		ft->max = UINT32_MAX - 1;
	for (nb = 64; nb < ft->max && nb < (1U << 31); nb <<= 1)
		;
	ft->mask = (uint32_t)(nb - 1);
	ft->buckets = xcalloc_huge(nb, sizeof(*ft->buckets));
	/* Probed by every lookup, written by every new flow: perf of two
	 * workers had 2 % of their time in the shoot-downs of its pages'
	 * first writes (flow_lookup, do_wp_page). */
	xprefault(ft->buckets, (size_t)nb * sizeof(*ft->buckets));
	/*
	 * The pool fills in order from the packet path: a fault there on a
	 * 2 MiB page may wait for the kernel's compaction (0.7 s for 64 MB
	 * measured), and a SYN flood lost 60 % of its packets to those
	 * stalls. 4 KiB pages fault cheaply; the lookups showed no cost.
	 */
	ft->pool = xcalloc(ft->max, sizeof(struct flow));
	if (to != NULL)
		ft->to = *to;
	else
		flow_default_timeouts(&ft->to);
	ft->end_cb = cb;
	ft->cb_arg = arg;
	ft->next_id = 1;
	ft->id_step = 1;
	/* A secret hash seed keeps an attacker from aiming at one chain. */
	if (RAND_bytes((unsigned char *)ft->seed, sizeof(ft->seed)) != 1) {
		ft->seed[0] = (uint64_t)(uintptr_t)ft ^ 0x9e3779b97f4a7c15ULL;
		ft->seed[1] = (uint64_t)(uintptr_t)ft->pool;
	}
	ft->st.bytes_in_use = nb * sizeof(*ft->buckets);
	return ft;
}

/*
 * Reload: the new timeouts hold from now on for every flow, those
 * already tracked too (each state's list is in order of last activity,
 * so the next flow_expire ends whatever the new timeout has passed).
 */
void
flow_set_timeouts(struct flow_table *ft, const struct flow_timeouts *to)
{
	ft->to = *to;
}

/* Flow ids first, first + step, ...: each worker's own, none shared. */
void
flow_table_set_ids(struct flow_table *ft, uint64_t first, uint64_t step)
{
	ft->next_id = first;
	ft->id_step = step;
}

void
flow_table_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	free(ft->pool);
	free(ft->buckets);
	free(ft);
}

size_t
flow_max(const struct flow_table *ft)
{
	return ft->max;
}

const struct flow_stats *
flow_stats(const struct flow_table *ft)
{
	return &ft->st;
}

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t
rd64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A direction-independent keyed hash of the tuple. */
static inline __attribute__((always_inline)) uint32_t
flow_hash(const struct flow_table *ft, const struct packet *pkt,
    uint16_t sport, uint16_t dport)
{
	uint64_t	a, b, h;

	a = rd64(pkt->src) ^ mix64(rd64(pkt->src + 8) ^ ft->seed[0]) ^
	    ((uint64_t)sport << 48);
	b = rd64(pkt->dst) ^ mix64(rd64(pkt->dst + 8) ^ ft->seed[0]) ^
	    ((uint64_t)dport << 48);
	a = mix64(a ^ ft->seed[1]);
	b = mix64(b ^ ft->seed[1]);
	h = (a + b) ^ ((uint64_t)pkt->proto << 8 | pkt->ipver) ^
	    ((uint64_t)(pkt->vlan_n ? pkt->vlan[0] : 0) << 16) ^
	    ((uint64_t)(pkt->vlan_n > 1 ? pkt->vlan[1] : 0) << 32) ^
	    ((uint64_t)pkt->encap << 48);
	return (uint32_t)mix64(h ^ ft->seed[0]);
}

static void
list_remove(struct flow_list *l, struct flow *f)
{
	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void
list_append(struct flow_list *l, struct flow *f)
{
	f->lnext = NULL;
	f->lprev = l->tail;
	if (l->tail)
		l->tail->lnext = f;
	else
		l->head = f;
	l->tail = f;
}

static struct flow *
bucket_head(const struct flow_table *ft, uint32_t h)
{
	uint32_t	i = ft->buckets[h & ft->mask];

	return i != 0 ? &ft->pool[i - 1] : NULL;
}

static void
bucket_set_head(struct flow_table *ft, uint32_t h, const struct flow *f)
{
	ft->buckets[h & ft->mask] =
	    f != NULL ? (uint32_t)(f - ft->pool) + 1 : 0;
}

static void
bucket_remove(struct flow_table *ft, struct flow *f)
{
	struct flow	*p = bucket_head(ft, f->hash);

	if (p == f)
		bucket_set_head(ft, f->hash, f->hnext);
	else {
		while (p != NULL && p->hnext != f)
			p = p->hnext;
		if (p != NULL)
			p->hnext = f->hnext;
	}
	f->hnext = NULL;
}

/* End a flow: report it, unlink it, and return its slot. */
static void
flow_end(struct flow_table *ft, struct flow *f, enum flow_end_reason r)
{
	if (ft->end_cb != NULL)
		ft->end_cb(f, r, ft->cb_arg);
	list_remove(&ft->lists[f->state], f);
	bucket_remove(ft, f);
	ft->st.ended[r]++;
	ft->st.active--;
	ft->st.bytes_in_use -= sizeof(struct flow);
	f->hnext = ft->free;
	ft->free = f;
}

/* The flow idle the longest, across the state lists. */
static struct flow *
flow_oldest(struct flow_table *ft)
{
	struct flow	*best = NULL;
	int		 s;

	for (s = 0; s < FLOW_STATE_MAX; s++) {
		struct flow *h = ft->lists[s].head;

		if (h != NULL && (best == NULL || h->last < best->last))
			best = h;
	}
	return best;
}

static struct flow *
flow_alloc(struct flow_table *ft)
{
	struct flow	*f;

	if (ft->free != NULL) {
		f = ft->free;
		ft->free = f->hnext;
		return f;
	}
	if (ft->used < ft->max)
		return &ft->pool[ft->used++];
	ft->st.memcap_hits++;
	if ((f = flow_oldest(ft)) == NULL)
		return NULL;
	ft->st.evicted++;
	flow_end(ft, f, FLOW_END_EVICTION);
	f = ft->free;
	ft->free = f->hnext;
	return f;
}

/* Address equality by words (a memcmp call per compare showed up). */
static inline int
flow_addr_eq(const uint8_t *a, const uint8_t *b, size_t alen)
{
	uint64_t	x[2], y[2];
	uint32_t	u, v;

	if (alen == 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	}
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* The layers around the tuple that key a flow too: VLANs, tunnels. */
static int
flow_layers_eq(const struct flow *f, const struct packet *pkt)
{
	uint16_t	v0 = pkt->vlan_n ? pkt->vlan[0] : 0;
	uint16_t	v1 = pkt->vlan_n > 1 ? pkt->vlan[1] : 0;

	return f->vlan[0] == v0 && f->vlan[1] == v1 &&
	    f->encap == pkt->encap;
}

static void
flow_set_state(struct flow_table *ft, struct flow *f, enum flow_state s)
{
	if (f->state == s)
		return;
	list_remove(&ft->lists[f->state], f);
	f->state = (uint8_t)s;
	list_append(&ft->lists[s], f);
}

/* Advance TCP state from one packet's flags in direction dir. */
/*
 * A reset ends the flow only where its host takes it (RFC 5961 section
 * 3.2): at exactly the next sequence number of the direction's stream
 * (next_seq, when stream.c knows it), or one past it once the direction
 * sent its FIN (a FIN takes a sequence number; stream.c counts only the
 * bytes). One elsewhere in the window draws a challenge ACK and the
 * connection lives on; one far from it is dropped. Either way it does
 * not end the flow here, else a forged reset would close the flow under
 * the sensor's nose: the payload carry across segments decided at it (a
 * number cut by it never matched) and, once the closed flow timed out,
 * the rest of the connection picked up mid-stream, or restarted by a
 * SYN. Flagged as an anomaly: tcp_rst_out_of_window far from the window
 * (flow_seq_near), tcp_rst_inexact within it.
 */
static int
flow_rst_ignored(struct flow *f, int dir, struct packet *pkt)
{
	uint32_t	d;

	if (!(f->app_flags & (dir == 0 ? FA_SEQ0 : FA_SEQ1)))
		return 0;
	d = pkt->seq - f->next_seq[dir];
	if (d == 0 || (d == 1 && (f->tcp & (dir == 0 ? FT_FIN_C : FT_FIN_S))))
		return 0;
	if (pkt->err == DE_NONE)
		pkt->err = flow_seq_near(f, dir, pkt->seq) ?
		    DE_TCP_RST_INEXACT : DE_TCP_RST_OUT_OF_WINDOW;
	return 1;
}

/*
 * The SYN was seen, its SYN-ACK was not (lost to capture): the flow is
 * established once each side shows it knows the other's sequence
 * numbers, as the hosts' own checks do -- the server acknowledges the SYN
 * (or the client's bytes since), then the client acknowledges where the
 * server's stream is (learnt from that packet; its FIN counts). The
 * server's side alone is not enough: a forger's spoofed SYN plus a
 * segment out of the window draws the server's ACK of the SYN, which only
 * the spoofed address's owner sees; nor is the client's alone (Suricata's
 * async mode): that is the blind ACK the handshake check refuses.
 */
static void
flow_synack_missed(struct flow_table *ft, struct flow *f, int dir,
    const struct packet *pkt)
{
	if (dir == 1) {
		if ((f->tcp & FT_SRV_ACKED) || !(f->app_flags & FA_SEQ0) ||
		    !flow_acks_start(f, 0, pkt->ack))
			return;
		f->tcp |= FT_SRV_ACKED;
		if (!(f->app_flags & FA_SEQ1)) {
			/* Where stream.c would start it: its next byte. */
			f->next_seq[1] = pkt->seq;
			f->app_flags |= FA_SEQ1;
		}
		return;
	}
	if ((f->tcp & FT_SRV_ACKED) && (flow_acks_start(f, 1, pkt->ack) ||
	    ((f->tcp & FT_FIN_S) && flow_acks_start(f, 1, pkt->ack - 1)))) {
		ft->st.synack_missed++;
		flow_set_state(ft, f, FLOW_ESTABLISHED);
	}
}

static void
flow_tcp_update(struct flow_table *ft, struct flow *f, int dir,
    struct packet *pkt)
{
	uint8_t	flags = pkt->tcp_flags;

	if ((flags & TH_RST) && flow_rst_ignored(f, dir, pkt))
		return;
	if (flags & TH_RST) {
		f->tcp |= FT_RST;
		flow_set_state(ft, f, FLOW_CLOSED);
		return;
	}
	if ((flags & (TH_SYN | TH_ACK)) == TH_SYN && dir == 0)
		f->tcp |= FT_SYN;
	else if ((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) &&
	    dir == 1)
		f->tcp |= FT_SYNACK;
	else if ((flags & (TH_SYN | TH_ACK)) == TH_ACK && dir == 0 &&
	    (f->tcp & FT_SYNACK) && !(f->tcp & FT_ACK)) {
		/*
		 * The ACK must acknowledge the server's SYN: else a blind
		 * forger -- a SYN from a spoofed address, then an ACK
		 * guessing the ISN of a SYN-ACK it never saw -- would
		 * "establish" the flow, and the spoofed address would enter
		 * the inventory (hosts.c). Suricata refuses the same ACK
		 * ("3whs ack mismatch").
		 */
		if (flow_acks_start(f, 1, pkt->ack)) {
			f->tcp |= FT_ACK;
			if (f->state == FLOW_NEW)
				flow_set_state(ft, f, FLOW_ESTABLISHED);
		} else
			ft->st.handshake_ack_mismatch++;
	} else if ((flags & (TH_SYN | TH_ACK)) == TH_ACK &&
	    f->state == FLOW_NEW && (f->tcp & (FT_SYN | FT_SYNACK)) == FT_SYN)
		flow_synack_missed(ft, f, dir, pkt);
	if (flags & TH_FIN)
		f->tcp |= dir == 0 ? FT_FIN_C : FT_FIN_S;
	if ((f->tcp & (FT_FIN_C | FT_FIN_S)) == (FT_FIN_C | FT_FIN_S))
		flow_set_state(ft, f, FLOW_CLOSED);
	else if (f->state == FLOW_NEW && !(f->tcp & FT_SYN) &&
	    f->pkts[0] > 0 && f->pkts[1] > 0)
		/* Picked up mid-stream: both sides talking is enough. */
		flow_set_state(ft, f, FLOW_ESTABLISHED);
}

/*
 * A SYN with another ISN on the ports of a closed flow: a new connection
 * (a client that reset the last one may take its port again at once), or
 * a forger's. Kept in the old flow, a new connection inherited its
 * application state and went unread (a benign TLS connection, then one
 * from the same port with an indicator's name). Taken for one at once, a
 * reset and a SYN forged with bad checksums (which the host drops, and
 * this sensor too, but only from a side that sent right sums before:
 * sensor.c, sensor_checksum) moved the stream to the forger's ISN, and
 * the real connection's later bytes went unread. So the SYN is held (it does not
 * move the old stream: PKT_SYN_HELD) until the other side answers it,
 * with the ACK of its ISN + 1 (the SYN-ACK): then the old flow ends
 * (reason reused) and the answer starts the new one, which knows the
 * SYN's ISN. A challenge ACK, which the old connection's host sends to
 * a SYN it takes for an injected one, acknowledges the old stream and
 * starts nothing. Returns 1 when it ended *fp (then NULL).
 */
static int
flow_reuse(struct flow_table *ft, struct flow **fp, int dir,
    struct packet *pkt)
{
	struct flow	*f = *fp;
	uint8_t		 flags = pkt->tcp_flags & (TH_SYN | TH_ACK | TH_RST);
	uint16_t	 tag;

	if (flags == TH_SYN) {
		if ((f->app_flags & (dir == 0 ? FA_SEQ0 : FA_SEQ1)) &&
		    f->next_seq[dir] == pkt->seq + 1)
			return 0;	/* the old connection's own, again */
		f->tcp |= FT_REUSE;
		f->reuse_tag = (uint16_t)((dir << 15) |
		    ((pkt->seq + 1) & 0x7fff));
		pkt->flags |= PKT_SYN_HELD;
		return 0;
	}
	if (!(f->tcp & FT_REUSE) || (flags & TH_RST) || !(flags & TH_ACK))
		return 0;
	tag = (uint16_t)((!dir << 15) | (pkt->ack & 0x7fff));
	if (tag != f->reuse_tag || (flags & TH_SYN) == 0)
		return 0;
	flow_end(ft, f, FLOW_END_REUSED);
	*fp = NULL;
	return 1;
}

/*
 * pkt's flow, or NULL, and the packet's direction in it; *hp, *spp and
 * *dpp: what a new flow for it is keyed on (ICMP's ports are its type
 * and code, a packet without them has none).
 */
static inline __attribute__((always_inline)) struct flow *
flow_find(const struct flow_table *ft, const struct packet *pkt, int *dirp,
    uint32_t *hp, uint16_t *spp, uint16_t *dpp)
{
	struct flow	*f;
	uint16_t	 sp = pkt->sport, dp = pkt->dport;
	uint32_t	 h;
	size_t		 alen = pkt->ipver == 6 ? 16 : 4;

	if (pkt->proto == PROTO_ICMP || pkt->proto == PROTO_ICMPV6)
		community_id_icmp_ports(pkt->proto, pkt->icmp_type,
		    pkt->icmp_code, &sp, &dp);
	else if (!(pkt->flags & PKT_L4))
		sp = dp = 0;
	*hp = h = flow_hash(ft, pkt, sp, dp);
	*spp = sp;
	*dpp = dp;
	*dirp = 0;
	for (f = bucket_head(ft, h); f != NULL; f = f->hnext) {
		if (f->hash != h || f->proto != pkt->proto ||
		    f->ipver != pkt->ipver || !flow_layers_eq(f, pkt))
			continue;
		if (f->cport == sp && f->sport == dp &&
		    flow_addr_eq(f->caddr, pkt->src, alen) &&
		    flow_addr_eq(f->saddr, pkt->dst, alen))
			return f;
		if (f->cport == dp && f->sport == sp &&
		    flow_addr_eq(f->caddr, pkt->dst, alen) &&
		    flow_addr_eq(f->saddr, pkt->src, alen)) {
			*dirp = 1;
			return f;
		}
	}
	return NULL;
}

struct flow *
flow_peek(const struct flow_table *ft, const struct packet *pkt, int *dir)
{
	uint32_t	h;
	uint16_t	sp, dp;

	if (pkt->ipver == 0)
		return NULL;
	return flow_find(ft, pkt, dir, &h, &sp, &dp);
}

struct flow *
flow_lookup(struct flow_table *ft, struct packet *pkt)
{
	struct flow	*f;
	uint16_t	 sp, dp;
	uint32_t	 h;
	int		 dir = 0, reused = 0;

	if (pkt->ipver == 0)
		return NULL;
	f = flow_find(ft, pkt, &dir, &h, &sp, &dp);

	if (f != NULL && f->state == FLOW_CLOSED && pkt->proto == PROTO_TCP) {
		uint8_t	ev = f->evflags;

		if (flow_reuse(ft, &f, dir, pkt)) {
			reused = (ev & FE_SUM_SYN) ? 2 : 1;
			dir = 0;
		}
	}
	if (f == NULL) {
		if ((f = flow_alloc(ft)) == NULL) {
			ft->st.no_flow++;
			return NULL;
		}
		memset(f, 0, sizeof(*f));
		/*
		 * The initiator is the sender, except a SYN-ACK or an ICMP
		 * reply seen first: then the receiver started it.
		 */
		if ((pkt->proto == PROTO_TCP &&
		    (pkt->tcp_flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) ||
		    ((pkt->proto == PROTO_ICMP && pkt->icmp_type == 0) ||
		    (pkt->proto == PROTO_ICMPV6 && pkt->icmp_type == 129)))
			dir = 1;
		if (dir == 0) {
			memcpy(f->caddr, pkt->src, 16);
			memcpy(f->saddr, pkt->dst, 16);
			f->cport = sp;
			f->sport = dp;
		} else {
			memcpy(f->caddr, pkt->dst, 16);
			memcpy(f->saddr, pkt->src, 16);
			f->cport = dp;
			f->sport = sp;
		}
		f->vlan[0] = pkt->vlan_n ? pkt->vlan[0] : 0;
		f->vlan[1] = pkt->vlan_n > 1 ? pkt->vlan[1] : 0;
		f->ipver = pkt->ipver;
		f->proto = pkt->proto;
		f->encap = pkt->encap;
		f->hash = h;
		f->id = ft->next_id;
		ft->next_id += ft->id_step;
		f->first = pkt->ts;
		f->state = FLOW_NEW;
		f->iface_idx = pkt->iface != NULL ? (uint8_t)pkt->iface->idx : 0;
		f->hnext = bucket_head(ft, h);
		bucket_set_head(ft, h, f);
		list_append(&ft->lists[FLOW_NEW], f);
		ft->st.created++;
		ft->st.active++;
		ft->st.bytes_in_use += sizeof(struct flow);
		if (ft->st.active > ft->st.peak_active)
			ft->st.peak_active = ft->st.active;
		if (reused) {
			/* Started by the SYN-ACK: the held SYN's ISN is what
			 * it acknowledges (as stream.c keeps a SYN's). */
			f->tcp |= FT_SYN;
			f->next_seq[0] = pkt->ack;
			f->app_flags |= FA_SEQ0;
			/* Its sender's sums were right: so must its
			 * segments' be (sensor.c, sensor_checksum). */
			if (reused == 2)
				f->evflags |= FE_SUM_OK0;
		}
	}

	f->pkts[dir]++;
	f->bytes[dir] += pkt->wirelen;
	/* Packet time only moves forward for a flow. */
	if (pkt->ts > f->last)
		f->last = pkt->ts;
	/* Already the newest (a run of one flow's packets): moving it would
	 * only touch its neighbours' cold lines. */
	if (ft->lists[f->state].tail != f) {
		list_remove(&ft->lists[f->state], f);
		list_append(&ft->lists[f->state], f);
	}
	if (f->proto == PROTO_TCP)
		flow_tcp_update(ft, f, dir, pkt);
	else if (f->state == FLOW_NEW && f->pkts[0] > 0 && f->pkts[1] > 0)
		flow_set_state(ft, f, FLOW_ESTABLISHED);
	pkt->flow = f;
	pkt->dir = (uint8_t)dir;
	return f;
}

size_t
flow_expire(struct flow_table *ft, uint64_t now)
{
	size_t	n = 0;
	int	s;

	for (s = 0; s < FLOW_STATE_MAX; s++) {
		struct flow *f;

		while ((f = ft->lists[s].head) != NULL &&
		    f->last + ft->to.t[s] <= now) {
			flow_end(ft, f, FLOW_END_TIMEOUT);
			n++;
		}
	}
	return n;
}

void
flow_expire_all(struct flow_table *ft, enum flow_end_reason r)
{
	struct flow	*f;

	while ((f = flow_oldest(ft)) != NULL)
		flow_end(ft, f, r);
}
