/*
 * Flow table tests: direction, TCP state, per-state timeouts on packet
 * time, and the memory cap with oldest-first eviction.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "app.h"
#include "flow.h"
#include "types.h"

struct ended {
	int		n[5];
	uint64_t	last_id;
	uint64_t	last_pkts[2];
	int		last_state;
};

static void
on_end(struct flow *f, enum flow_end_reason r, void *arg)
{
	struct ended *e = arg;

	e->n[r]++;
	e->last_id = f->id;
	e->last_pkts[0] = f->pkts[0];
	e->last_pkts[1] = f->pkts[1];
	e->last_state = f->state;
}

static struct packet
mkpkt(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t proto,
    uint8_t flags, uint64_t ts)
{
	struct packet	p;

	memset(&p, 0, sizeof(p));
	p.ipver = 4;
	p.proto = proto;
	p.src[0] = (uint8_t)(src >> 24);
	p.src[1] = (uint8_t)(src >> 16);
	p.src[2] = (uint8_t)(src >> 8);
	p.src[3] = (uint8_t)src;
	p.dst[0] = (uint8_t)(dst >> 24);
	p.dst[1] = (uint8_t)(dst >> 16);
	p.dst[2] = (uint8_t)(dst >> 8);
	p.dst[3] = (uint8_t)dst;
	p.sport = sp;
	p.dport = dp;
	p.tcp_flags = flags;
	p.flags = PKT_L4;
	p.ts = ts;
	p.wirelen = 100;
	return p;
}

#define A	0x0a000001
#define B	0x0a000002
#define SEC	1000000ULL

static void
test_bidirectional_tcp_states(void **state)
{
	struct ended		 e;
	struct flow_table	*ft;
	struct packet		 p;
	struct flow		*f, *g;

	(void)state;
	memset(&e, 0, sizeof(e));
	ft = flow_table_new(1 << 20, NULL, on_end, &e);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_SYN, 1 * SEC);
	f = flow_lookup(ft, &p);
	assert_non_null(f);
	assert_int_equal(p.dir, 0);
	assert_int_equal(f->state, FLOW_NEW);
	p = mkpkt(B, A, 80, 40000, PROTO_TCP, TH_SYN | TH_ACK, 1 * SEC + 10);
	g = flow_lookup(ft, &p);
	assert_ptr_equal(f, g);
	assert_int_equal(p.dir, 1);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_ACK, 1 * SEC + 20);
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_ESTABLISHED);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_FIN | TH_ACK, 2 * SEC);
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_ESTABLISHED);
	p = mkpkt(B, A, 80, 40000, PROTO_TCP, TH_FIN | TH_ACK, 2 * SEC);
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_CLOSED);
	assert_int_equal(f->pkts[0], 3);
	assert_int_equal(f->pkts[1], 2);
	assert_int_equal(f->bytes[0], 300);
	assert_int_equal(flow_stats(ft)->active, 1);
	/* Closed flows end after the closed timeout (10s), not before. */
	assert_int_equal(flow_expire(ft, 11 * SEC), 0);
	assert_int_equal(flow_expire(ft, 12 * SEC), 1);
	assert_int_equal(e.n[FLOW_END_TIMEOUT], 1);
	assert_int_equal(e.last_pkts[0], 3);
	assert_int_equal(flow_stats(ft)->active, 0);
	flow_table_free(ft);
}

/* flow_peek finds a flow and the packet's direction, changing nothing. */
static void
test_peek(void **state)
{
	struct ended		 e;
	struct flow_table	*ft;
	struct packet		 p;
	struct flow		*f;
	uint64_t		 last;
	int			 dir = -1;

	(void)state;
	memset(&e, 0, sizeof(e));
	ft = flow_table_new(1 << 20, NULL, on_end, &e);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_SYN, 1 * SEC);
	assert_null(flow_peek(ft, &p, &dir));
	assert_int_equal(flow_stats(ft)->created, 0);
	f = flow_lookup(ft, &p);
	last = f->last;
	p = mkpkt(B, A, 80, 40000, PROTO_TCP, TH_RST, 5 * SEC);
	assert_ptr_equal(flow_peek(ft, &p, &dir), f);
	assert_int_equal(dir, 1);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_ACK, 5 * SEC);
	assert_ptr_equal(flow_peek(ft, &p, &dir), f);
	assert_int_equal(dir, 0);
	/* The reset peeked at closed nothing, counted nothing. */
	assert_int_equal(f->pkts[0] + f->pkts[1], 1);
	assert_int_equal(f->last, last);
	assert_int_equal(f->tcp & FT_RST, 0);
	p = mkpkt(A, B, 40001, 80, PROTO_TCP, TH_ACK, 5 * SEC);
	assert_null(flow_peek(ft, &p, &dir));
	flow_table_free(ft);
}

/*
 * The handshake's ACK must acknowledge the SYN-ACK (stream.c has set
 * next_seq from it): a blind ACK guessing another ISN does not establish
 * the flow, and is counted; the right one then does.
 */
static void
test_handshake_ack_checked(void **state)
{
	struct ended		 e;
	struct flow_table	*ft;
	struct packet		 p;
	struct flow		*f;

	(void)state;
	memset(&e, 0, sizeof(e));
	ft = flow_table_new(1 << 20, NULL, on_end, &e);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_SYN, 1 * SEC);
	f = flow_lookup(ft, &p);
	p = mkpkt(B, A, 80, 40000, PROTO_TCP, TH_SYN | TH_ACK, 1 * SEC + 10);
	flow_lookup(ft, &p);
	f->next_seq[1] = 5001;		/* the SYN-ACK's ISN 5000, as stream.c */
	f->app_flags |= FA_SEQ1;
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_ACK, 1 * SEC + 20);
	p.ack = 123457;
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_NEW);
	assert_int_equal(flow_stats(ft)->handshake_ack_mismatch, 1);
	p.ack = 5000;			/* one short: the SYN not acknowledged */
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_NEW);
	p.ack = 5001;
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_ESTABLISHED);
	assert_int_equal(flow_stats(ft)->handshake_ack_mismatch, 2);
	/* The server sent 100 bytes first (TFO): acknowledging them is fine. */
	p = mkpkt(A, B, 40001, 80, PROTO_TCP, TH_SYN, 2 * SEC);
	f = flow_lookup(ft, &p);
	p = mkpkt(B, A, 80, 40001, PROTO_TCP, TH_SYN | TH_ACK, 2 * SEC + 10);
	flow_lookup(ft, &p);
	f->next_seq[1] = 5101;
	f->inspected[1] = 100;
	f->app_flags |= FA_SEQ1;
	p = mkpkt(A, B, 40001, 80, PROTO_TCP, TH_ACK, 2 * SEC + 20);
	p.ack = 5101;
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_ESTABLISHED);
	flow_table_free(ft);
}

/* A TCP segment between A:cport and B:80, from B if srv; its flow. */
static struct flow *
tcp_seg(struct flow_table *ft, int srv, uint16_t cport, uint8_t flags,
    uint64_t ts, uint32_t seq, uint32_t ack)
{
	struct packet	p;

	p = srv ? mkpkt(B, A, 80, cport, PROTO_TCP, flags, ts) :
	    mkpkt(A, B, cport, 80, PROTO_TCP, flags, ts);
	p.seq = seq;
	p.ack = ack;
	return flow_lookup(ft, &p);
}

/* A's SYN (ISN 1000) to B:80, its start set as stream.c sets it. */
static struct flow *
syn_seen(struct flow_table *ft, uint16_t cport, uint64_t ts)
{
	struct flow	*f = tcp_seg(ft, 0, cport, TH_SYN, ts, 1000, 0);

	f->next_seq[0] = 1001;
	f->app_flags |= FA_SEQ0;
	return f;
}

/*
 * The SYN seen, its SYN-ACK (ISN 5000) lost to capture: established once
 * the server acknowledges the SYN (or the client's bytes) and the client
 * then acknowledges the server's stream (stream.c's next_seq and
 * inspected set by hand, as it would); counted. A forger's spoofed SYN,
 * blind ACKs and the server's ACK it drew (of the SYN, which the forger
 * cannot see) establish nothing.
 */
static void
test_synack_missed(void **state)
{
	struct flow_table	*ft;
	struct flow		*f;

	(void)state;
	ft = flow_table_new(1 << 20, NULL, NULL, NULL);
	f = syn_seen(ft, 40000, 1 * SEC);
	tcp_seg(ft, 0, 40000, TH_ACK, 1 * SEC + 20, 1001, 5001);
	f->next_seq[0] = 1101;		/* and 100 bytes */
	f->inspected[0] = 100;
	assert_int_equal(f->state, FLOW_NEW);
	tcp_seg(ft, 1, 40000, TH_ACK, 1 * SEC + 30, 5001, 777);	/* a guess */
	assert_false(f->tcp & FT_SRV_ACKED);
	tcp_seg(ft, 1, 40000, TH_ACK, 1 * SEC + 40, 5001, 1101);
	assert_true(f->tcp & FT_SRV_ACKED);
	assert_int_equal(f->next_seq[1], 5001);
	assert_int_equal(f->state, FLOW_NEW);
	tcp_seg(ft, 0, 40000, TH_ACK, 1 * SEC + 50, 1101, 9999);
	assert_int_equal(f->state, FLOW_NEW);
	tcp_seg(ft, 0, 40000, TH_ACK, 1 * SEC + 60, 1101, 5001);
	assert_int_equal(f->state, FLOW_ESTABLISHED);
	assert_int_equal(flow_stats(ft)->synack_missed, 1);
	assert_int_equal(flow_stats(ft)->handshake_ack_mismatch, 0);
	/* The forger: spoofed SYN, blind ACKs, the server's ACK of the SYN. */
	f = syn_seen(ft, 40001, 2 * SEC);
	tcp_seg(ft, 0, 40001, TH_ACK, 2 * SEC + 10, 1001, 123457);
	tcp_seg(ft, 1, 40001, TH_ACK, 2 * SEC + 20, 5001, 1001);
	tcp_seg(ft, 0, 40001, TH_ACK, 2 * SEC + 30, 1001, 123457);
	assert_int_equal(f->state, FLOW_NEW);
	/* Nor does the server's side alone, however much it sends. */
	f = syn_seen(ft, 40002, 3 * SEC);
	tcp_seg(ft, 1, 40002, TH_ACK, 3 * SEC + 10, 5001, 1001);
	tcp_seg(ft, 1, 40002, TH_ACK, 3 * SEC + 20, 5001, 1001);
	assert_int_equal(f->state, FLOW_NEW);
	/* The server's 100 bytes and FIN, the client's ACK of both. */
	f->next_seq[1] = 5101;
	f->inspected[1] = 100;
	tcp_seg(ft, 1, 40002, TH_ACK | TH_FIN, 3 * SEC + 30, 5101, 1001);
	tcp_seg(ft, 0, 40002, TH_ACK, 3 * SEC + 40, 1001, 5102);
	assert_int_equal(f->state, FLOW_ESTABLISHED);
	assert_int_equal(flow_stats(ft)->synack_missed, 2);
	flow_table_free(ft);
}

static void
test_synack_first_and_rst(void **state)
{
	struct flow_table	*ft;
	struct packet		 p;
	struct flow		*f;

	(void)state;
	ft = flow_table_new(1 << 20, NULL, NULL, NULL);
	p = mkpkt(B, A, 80, 40000, PROTO_TCP, TH_SYN | TH_ACK, SEC);
	f = flow_lookup(ft, &p);
	/* The receiver of a SYN-ACK is the client. */
	assert_memory_equal(f->caddr, ((uint8_t[]){ 10, 0, 0, 1 }), 4);
	assert_int_equal(f->cport, 40000);
	assert_int_equal(p.dir, 1);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_RST, SEC);
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_CLOSED);
	flow_table_free(ft);
}

static void
test_timeouts_per_state(void **state)
{
	struct ended		 e;
	struct flow_table	*ft;
	struct flow_timeouts	 to;
	struct packet		 p;

	(void)state;
	memset(&e, 0, sizeof(e));
	to.t[FLOW_NEW] = 5 * SEC;
	to.t[FLOW_ESTABLISHED] = 100 * SEC;
	to.t[FLOW_CLOSED] = 1 * SEC;
	ft = flow_table_new(1 << 20, &to, on_end, &e);
	/* A one-way UDP flow stays new; a two-way one is established. */
	p = mkpkt(A, B, 1000, 53, PROTO_UDP, 0, 0);
	flow_lookup(ft, &p);
	p = mkpkt(A, B, 1001, 53, PROTO_UDP, 0, 0);
	flow_lookup(ft, &p);
	p = mkpkt(B, A, 53, 1001, PROTO_UDP, 0, 0);
	flow_lookup(ft, &p);
	assert_int_equal(flow_expire(ft, 4 * SEC), 0);
	assert_int_equal(flow_expire(ft, 5 * SEC), 1);
	assert_int_equal(e.last_state, FLOW_NEW);
	assert_int_equal(flow_expire(ft, 99 * SEC), 0);
	assert_int_equal(flow_expire(ft, 100 * SEC), 1);
	assert_int_equal(e.last_state, FLOW_ESTABLISHED);
	assert_int_equal(e.n[FLOW_END_TIMEOUT], 2);
	flow_table_free(ft);
}

/* A reload's timeouts hold for the flows already tracked too. */
static void
test_timeouts_reload(void **state)
{
	struct ended		 e;
	struct flow_table	*ft;
	struct flow_timeouts	 to;
	struct packet		 p;

	(void)state;
	memset(&e, 0, sizeof(e));
	to.t[FLOW_NEW] = 300 * SEC;
	to.t[FLOW_ESTABLISHED] = 300 * SEC;
	to.t[FLOW_CLOSED] = 300 * SEC;
	ft = flow_table_new(1 << 20, &to, on_end, &e);
	p = mkpkt(A, B, 1000, 53, PROTO_UDP, 0, 10 * SEC);
	flow_lookup(ft, &p);
	assert_int_equal(flow_expire(ft, 20 * SEC), 0);
	to.t[FLOW_NEW] = 5 * SEC;
	flow_set_timeouts(ft, &to);
	assert_int_equal(flow_expire(ft, 14 * SEC), 0);
	assert_int_equal(flow_expire(ft, 20 * SEC), 1);
	assert_int_equal(e.n[FLOW_END_TIMEOUT], 1);
	flow_table_free(ft);
}

static void
test_memcap_evicts_oldest(void **state)
{
	struct ended		 e;
	struct flow_table	*ft;
	struct packet		 p;
	size_t			 max, i;
	struct flow		*first;

	(void)state;
	memset(&e, 0, sizeof(e));
	ft = flow_table_new(64 * (sizeof(struct flow) + sizeof(uint32_t)), NULL,
	    on_end, &e);
	max = flow_max(ft);
	assert_int_equal(max, 64);
	p = mkpkt(A, B, 1, 80, PROTO_TCP, TH_SYN, 0);
	first = flow_lookup(ft, &p);
	assert_int_equal(first->id, 1);
	for (i = 1; i < 1000; i++) {
		p = mkpkt(A + (uint32_t)i, B, 1, 80, PROTO_TCP, TH_SYN, i);
		assert_non_null(flow_lookup(ft, &p));
		assert_true(flow_stats(ft)->active <= max);
	}
	assert_int_equal(flow_stats(ft)->evicted, 1000 - max);
	assert_int_equal(e.n[FLOW_END_EVICTION], 1000 - max);
	/* The flows left are the newest ones. */
	p = mkpkt(A + 999, B, 1, 80, PROTO_TCP, TH_SYN, 2000);
	assert_int_equal(flow_lookup(ft, &p)->id, 1000);
	assert_int_equal(flow_stats(ft)->created, 1000);
	flow_expire_all(ft, FLOW_END_CAPTURE);
	assert_int_equal(e.n[FLOW_END_CAPTURE], max);
	assert_int_equal(flow_stats(ft)->active, 0);
	flow_table_free(ft);
}

static void
test_icmp_echo_and_vlan(void **state)
{
	struct flow_table	*ft;
	struct packet		 p;
	struct flow		*f, *g;

	(void)state;
	ft = flow_table_new(1 << 20, NULL, NULL, NULL);
	p = mkpkt(A, B, 8, 0, PROTO_ICMP, 0, 0);
	p.icmp_type = 8;
	f = flow_lookup(ft, &p);
	p = mkpkt(B, A, 0, 0, PROTO_ICMP, 0, 1);
	p.icmp_type = 0;
	g = flow_lookup(ft, &p);
	assert_ptr_equal(f, g);
	assert_int_equal(p.dir, 1);
	/* The same tuple on another VLAN is another flow. */
	p = mkpkt(A, B, 1000, 53, PROTO_UDP, 0, 0);
	f = flow_lookup(ft, &p);
	p = mkpkt(A, B, 1000, 53, PROTO_UDP, 0, 0);
	p.vlan_n = 1;
	p.vlan[0] = 10;
	g = flow_lookup(ft, &p);
	assert_ptr_not_equal(f, g);
	assert_int_equal(flow_stats(ft)->created, 3);
	/* And inside a tunnel (a decoy with a bare flow's tuple), both
	 * ways; the bare flow is still found. */
	p = mkpkt(A, B, 1000, 53, PROTO_UDP, 0, 0);
	p.encap = 1;
	g = flow_lookup(ft, &p);
	assert_ptr_not_equal(f, g);
	p = mkpkt(B, A, 53, 1000, PROTO_UDP, 0, 0);
	p.encap = 1;
	assert_ptr_equal(flow_lookup(ft, &p), g);
	assert_int_equal(p.dir, 1);
	p = mkpkt(B, A, 53, 1000, PROTO_UDP, 0, 0);
	assert_ptr_equal(flow_lookup(ft, &p), f);
	assert_int_equal(flow_stats(ft)->created, 4);
	flow_table_free(ft);
}

static void
test_flow_size(void **state)
{
	(void)state;
	/* The performance contract: at most 256 bytes of state a flow. */
	assert_true(sizeof(struct flow) + sizeof(uint32_t) <= 256);
}

/*
 * A new connection on the ports of a closed flow (a SYN with another
 * ISN) ends it and starts a flow of its own, with none of its state: a
 * client that reset a benign TLS connection and opened the next from
 * the same port had that one's hello go unread. The closed one's SYN
 * again (a retransmission) stays in it.
 */
static void
test_port_reuse(void **state)
{
	struct ended		 e;
	struct flow_table	*ft;
	struct packet		 p;
	struct flow		*f, *g;
	uint64_t		 id;

	(void)state;
	memset(&e, 0, sizeof(e));
	ft = flow_table_new(1 << 20, NULL, on_end, &e);
	p = mkpkt(A, B, 40000, 443, PROTO_TCP, TH_SYN, SEC);
	p.seq = 1000;
	f = flow_lookup(ft, &p);
	f->app_flags |= FA_SEQ0;	/* as stream.c keeps it */
	f->next_seq[0] = 1001;
	f->app_proto = APP_TLS;
	f->app_done[0] = 1;
	id = f->id;
	p = mkpkt(A, B, 40000, 443, PROTO_TCP, TH_RST, SEC + 10);
	p.seq = 1001;
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_CLOSED);
	p = mkpkt(A, B, 40000, 443, PROTO_TCP, TH_SYN, SEC + 20);
	p.seq = 1000;
	g = flow_lookup(ft, &p);
	assert_ptr_equal(g, f);
	assert_int_equal(e.n[FLOW_END_REUSED], 0);
	/* Another ISN: held in the old flow, moving nothing, until the
	 * server answers it. */
	p = mkpkt(A, B, 40000, 443, PROTO_TCP, TH_SYN, SEC + 30);
	p.seq = 7777;
	g = flow_lookup(ft, &p);
	assert_ptr_equal(g, f);
	assert_true(p.flags & PKT_SYN_HELD);
	assert_int_equal(e.n[FLOW_END_REUSED], 0);
	/* The old connection's host, taking it for an injected SYN, sends
	 * a challenge ACK (of the old stream): nothing starts. */
	p = mkpkt(B, A, 443, 40000, PROTO_TCP, TH_ACK, SEC + 30);
	p.ack = 1001;
	assert_ptr_equal(flow_lookup(ft, &p), f);
	assert_int_equal(e.n[FLOW_END_REUSED], 0);
	/* Its SYN-ACK: the old flow ends, the answer starts the new one,
	 * which knows the SYN's ISN. */
	p = mkpkt(B, A, 443, 40000, PROTO_TCP, TH_SYN | TH_ACK, SEC + 30);
	p.seq = 90000;
	p.ack = 7778;
	g = flow_lookup(ft, &p);
	assert_int_equal(e.n[FLOW_END_REUSED], 1);
	assert_int_equal(e.last_id, id);
	assert_int_not_equal(g->id, id);
	assert_int_equal(g->state, FLOW_NEW);
	assert_int_equal(g->app_proto, APP_UNKNOWN);
	assert_int_equal(g->app_done[0], 0);
	assert_int_equal(g->pkts[1], 1);
	assert_int_equal(p.dir, 1);
	assert_int_equal(g->caddr[3], 1);	/* A, the SYN's sender */
	assert_int_equal(g->cport, 40000);
	assert_true(g->tcp & FT_SYN);
	assert_true(g->app_flags & FA_SEQ0);
	assert_int_equal(g->next_seq[0], 7778);
	p = mkpkt(A, B, 40000, 443, PROTO_TCP, TH_ACK, SEC + 30);
	p.seq = 7778;
	p.ack = 90001;
	assert_ptr_equal(flow_lookup(ft, &p), g);
	assert_int_equal(g->state, FLOW_ESTABLISHED);
	assert_int_equal(flow_stats(ft)->active, 1);
	assert_int_equal(flow_stats(ft)->ended[FLOW_END_REUSED], 1);
	assert_string_equal(flow_end_reason_name(FLOW_END_REUSED), "reused");
	flow_table_free(ft);
}

/*
 * A reset and a SYN forged with bad checksums (the host drops both):
 * with no SYN-ACK to the forged ISN the old flow stays, and the real
 * connection's segments, and its host's challenge ACK, stay in it.
 */
static void
test_port_reuse_forged(void **state)
{
	struct ended		 e;
	struct flow_table	*ft;
	struct packet		 p;
	struct flow		*f;

	(void)state;
	memset(&e, 0, sizeof(e));
	ft = flow_table_new(1 << 20, NULL, on_end, &e);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_SYN, SEC);
	p.seq = 1000;
	f = flow_lookup(ft, &p);
	f->app_flags |= FA_SEQ0 | FA_SEQ1;	/* as stream.c keeps them */
	f->next_seq[0] = 1001;
	f->next_seq[1] = 5001;
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_RST, SEC + 1);
	p.seq = 1001;
	flow_lookup(ft, &p);
	assert_int_equal(f->state, FLOW_CLOSED);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_SYN, SEC + 1);
	p.seq = 7000000;
	assert_ptr_equal(flow_lookup(ft, &p), f);
	p = mkpkt(A, B, 40000, 80, PROTO_TCP, TH_ACK | TH_PUSH, SEC + 1);
	p.seq = 1001;
	p.ack = 5001;
	assert_ptr_equal(flow_lookup(ft, &p), f);
	/* A SYN-ACK that answers another ISN (a forger's guess) starts
	 * nothing either. */
	p = mkpkt(B, A, 80, 40000, PROTO_TCP, TH_SYN | TH_ACK, SEC + 1);
	p.seq = 123;
	p.ack = 7000002;
	assert_ptr_equal(flow_lookup(ft, &p), f);
	assert_int_equal(e.n[FLOW_END_REUSED], 0);
	assert_int_equal(flow_stats(ft)->created, 1);
	flow_table_free(ft);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bidirectional_tcp_states),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_handshake_ack_checked),
		cmocka_unit_test(test_synack_missed),
		cmocka_unit_test(test_synack_first_and_rst),
		cmocka_unit_test(test_timeouts_per_state),
		cmocka_unit_test(test_timeouts_reload),
		cmocka_unit_test(test_memcap_evicts_oldest),
		cmocka_unit_test(test_icmp_echo_and_vlan),
		cmocka_unit_test(test_flow_size),
		cmocka_unit_test(test_port_reuse),
		cmocka_unit_test(test_port_reuse_forged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
