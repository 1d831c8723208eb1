/*
 * flow.c: the flow table.
 */
#ifndef CANHGAC_FLOW_H
#define CANHGAC_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

struct app_buf;
struct app_plain_state;
struct http_session;
struct quic_flow;
struct stream_flow;

enum flow_state {
	FLOW_NEW = 0,		/* first packet(s), no handshake */
	FLOW_ESTABLISHED,	/* TCP handshake done, or both sides spoke */
	FLOW_CLOSED,		/* FIN both ways or RST */
	FLOW_STATE_MAX
};

enum flow_end_reason {
	FLOW_END_TIMEOUT = 0,
	FLOW_END_CAPTURE,	/* end of offline capture */
	FLOW_END_EVICTION,	/* memcap */
	FLOW_END_SHUTDOWN,
	FLOW_END_REUSED		/* a new connection on its ports */
};

/* flow->evflags */
#define FE_ESTABLISHED	0x01
#define FE_INVENTORY	0x02	/* an end is in the host inventory (hosts.c) */
#define FE_RULES_APP	0x04	/* rule_live bits learnt on app_proto known */
/* A segment with right checksums seen in direction 0, 1 (sensor.c). */
#define FE_SUM_OK0	0x08
#define FE_SUM_OK1	0x10
/* The SYN held for a reuse had right sums: the new flow its answer
 * starts begins with FE_SUM_OK0 (flow.c, flow_reuse). */
#define FE_SUM_SYN	0x20

/* TCP progress bits. */
#define FT_SYN		0x01
#define FT_SYNACK	0x02
#define FT_ACK		0x04	/* handshake's third packet */
#define FT_FIN_C	0x08
#define FT_FIN_S	0x10
#define FT_RST		0x20
/* The SYN-ACK unseen: the server's ACK acknowledged the SYN (flow.c). */
#define FT_SRV_ACKED	0x40
/* A SYN with another ISN came on the closed flow's ports (flow.c, with
 * reuse_tag): a new connection once the other side answers it. */
#define FT_REUSE	0x80


/* flow->app_flags: next_seq[dir] is known (set by stream.c). */
#define FA_SEQ0		0x01
#define FA_SEQ1		0x02
/* stream.c holds data of the flow out of order (stream_pending). */
#define FA_HELD		0x10
/* app.c: the client's stream so far is empty lines (CR and LF) only. */
#define FA_LEAD		0x80

/*
 * Packed (2 bytes of padding at the end), the fields every packet
 * touches first and the ones read only at flow start and end (id,
 * first) last.
 */
struct flow {
	struct flow	*hnext;		/* hash chain */
	struct flow	*lprev, *lnext;	/* per-state idle list, oldest first */
	/* Key: client (initiator) side first. */
	uint8_t		 caddr[16];
	uint8_t		 saddr[16];
	uint16_t	 cport, sport;
	uint16_t	 vlan[VLAN_MAX];
	uint8_t		 ipver;
	uint8_t		 proto;
	uint8_t		 state;		/* enum flow_state */
	uint8_t		 tcp;		/* FT_* */
	uint8_t		 app_proto;	/* enum app_proto */
	uint8_t		 app_done[2];	/* direction finished inspecting */
	uint8_t		 iface_idx;
	uint8_t		 app_flags;	/* FA_* and stream.c's own */
	uint8_t		 evflags;	/* rule events already raised */
	uint16_t	 tls_offered;	/* highest TLS version the client offered */
	uint32_t	 hash;
	uint32_t	 next_seq[2];	/* expected TCP seq per direction */
	uint32_t	 inspected[2];	/* payload bytes inspected */
	/*
	 * rules_match.c: whether the client [0] and server [1] address
	 * are in the rule set's cached address sets (bit = slot), learnt
	 * once per flow instead of probing big lists on every packet.
	 */
	uint32_t	 aset_gen;	/* rule set these bits are for */
	uint32_t	 aset_known[2];
	uint32_t	 aset_in[2];
	uint16_t	 pm_slots;	/* pmatch.c slots this flow holds */
	/* FT_REUSE: the held SYN's direction (top bit) and the low 15 bits
	 * of the ACK that answers it (its ISN + 1). */
	uint16_t	 reuse_tag;
	/*
	 * Packet rules of the flow's port and any-port lists whose per-flow
	 * keys failed (dead) or held (live), per direction: either way they
	 * are not checked again.
	 */
	uint64_t	 rule_dead[2];
	uint64_t	 rule_live[2];
	uint64_t	 pkts[2];
	uint64_t	 bytes[2];
	uint64_t	 last;		/* microseconds */
	struct app_buf	*abuf;		/* only while a message spans segments */
	union {		/* by app_proto */
		struct app_plain_state *aplain;	/* login: what was seen */
		struct http_session *ahttp;	/* HTTP: its messages */
		struct quic_flow *aquic;	/* QUIC: hello over Initials */
	};
	struct tls_walk	*atls;		/* TLS: until the server's certificate */
	struct stream_flow *stream;	/* only while data is held or kept */
	uint64_t	 id;
	uint64_t	 first;		/* microseconds */
	/* alert.c: where the starring of credentials in an excerpt stands
	 * at the end of each direction's last inspected piece. */
	uint8_t		 cred[2];
	/* The MSS each side's SYN announced, 0 unknown (sensor.c: a longer
	 * segment to it was merged by the capturing host's GRO/LRO). */
	uint16_t	 mss[2];
	/* stream.c (CUT_*): per direction, a segment longer than the snap
	 * length was cut; its next bytes follow a gap. */
	uint8_t		 cut;
	/* Part of the key: what its packets came in (packet.encap), 0
	 * bare. A tunnelled packet with a bare connection's tuple is not
	 * of it. */
	uint8_t		 encap;
};

/*
 * Whether ack acknowledges direction dir's SYN (its ISN + 1) or bytes of
 * it sent since (stream.c keeps next_seq and what was inspected), as a
 * host checks a handshake; 1 while that direction's start is unknown.
 */
static inline int
flow_acks_start(const struct flow *f, int dir, uint32_t ack)
{
	if (!(f->app_flags & (dir == 0 ? FA_SEQ0 : FA_SEQ1)))
		return 1;
	return f->next_seq[dir] - ack <= f->inspected[dir];
}

/*
 * Whether a segment of len bytes at seq ends direction dir's bytes seen
 * (its end is next_seq): a FIN there closes the direction; one ahead is
 * a hole's far side. 1 while the direction's stream is unknown.
 */
static inline int
flow_seq_ends(const struct flow *f, int dir, uint32_t seq, uint32_t len)
{
	return !(f->app_flags & (dir == 0 ? FA_SEQ0 : FA_SEQ1)) ||
	    seq + len == f->next_seq[dir];
}

/*
 * Whether seq is near where direction dir's stream is (next_seq, when
 * stream.c knows it; 1 while it does not): at most 64 KiB behind, less
 * than 16 MiB ahead. A host drops a segment far from its window (RFC 9293
 * section 3.10.7.4, RFC 5961): one there is a blind forger's guess.
 */
static inline int
flow_seq_near(const struct flow *f, int dir, uint32_t seq)
{
	return !(f->app_flags & (dir == 0 ? FA_SEQ0 : FA_SEQ1)) ||
	    seq - f->next_seq[dir] + 65536 < (16U << 20) + 65536;
}

struct flow_stats {
	uint64_t	created;
	uint64_t	active;
	uint64_t	ended[5];	/* by enum flow_end_reason */
	uint64_t	evicted;
	uint64_t	memcap_hits;	/* a new flow needed eviction */
	uint64_t	no_flow;	/* could not get a flow at all */
	uint64_t	handshake_ack_mismatch;	/* not the SYN-ACK's: ignored */
	uint64_t	synack_missed;	/* established, its SYN-ACK unseen */
	uint64_t	peak_active;
	uint64_t	bytes_in_use;
};

struct flow_timeouts {
	uint64_t	t[FLOW_STATE_MAX];	/* microseconds */
};

typedef void (*flow_end_cb)(struct flow *, enum flow_end_reason, void *);

struct flow_table;
struct flow_table *flow_table_new(uint64_t memcap, const struct flow_timeouts *,
	    flow_end_cb, void *);
void	 flow_table_free(struct flow_table *);
void	 flow_table_set_ids(struct flow_table *, uint64_t first,
	    uint64_t step);
/* Find or create the flow of pkt, update counters and state. */
struct flow *flow_lookup(struct flow_table *, struct packet *);
/* pkt's flow and its direction there, or NULL: nothing changed. */
struct flow *flow_peek(const struct flow_table *, const struct packet *,
	    int *dir);
/* Expire flows idle longer than their state's timeout at time now. */
size_t	 flow_expire(struct flow_table *, uint64_t now);
/* End every flow (end of capture, shutdown). */
void	 flow_expire_all(struct flow_table *, enum flow_end_reason);
const struct flow_stats *flow_stats(const struct flow_table *);
size_t	 flow_max(const struct flow_table *);
const char *flow_state_name(enum flow_state);
const char *flow_end_reason_name(enum flow_end_reason);
void	 flow_default_timeouts(struct flow_timeouts *);
void	 flow_set_timeouts(struct flow_table *, const struct flow_timeouts *);

#endif /* CANHGAC_FLOW_H */
