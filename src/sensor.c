/*
 * The sensor's packet path, called by capture.c for every packet (the
 * daemon, and fuzz_pcap as the daemon does): decode, flow, the flow
 * events, application metadata, rules, and the sensor's own health
 * events. Time is packet time.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <pcap/dlt.h>

#include "alert.h"
#include "app.h"
#include "capture.h"
#include "conf.h"
#include "decode.h"
#include "defrag.h"
#include "eventlog.h"
#include "flow.h"
#include "hosts.h"
#include "http_session.h"
#include "output.h"
#include "pmatch.h"
#include "rules.h"
#include "sensor.h"
#include "stream.h"
#include "workers.h"
#include "types.h"

/*
 * A match context for a packet, oriented as the packet travels. Every
 * field is set one by one: a memset of the whole struct is a rep stosq,
 * slow to start, three times a packet.
 */
static void
ctx_packet(struct match_ctx *c, enum rule_event ev, const struct packet *pkt)
{
	c->event = ev;
	c->scope = MS_ALL;
	c->app = NULL;
	c->sensor_event = 0;
	c->sensor_value = 0;
	c->pkt = pkt;
	c->flow = pkt->flow;
	c->ts = pkt->ts;
	c->ipver = pkt->ipver;
	c->src = pkt->src;
	c->dst = pkt->dst;
	c->sport = pkt->sport;
	c->dport = pkt->dport;
	c->proto = pkt->proto;
	c->dir = pkt->dir;
	c->iface = pkt->iface ? pkt->iface->name : NULL;
	c->pm = NULL;
	c->pm_end = 0;
	c->host = NULL;
}

/* A match context for a flow event, client to server. */
static void
ctx_flow(struct match_ctx *c, enum rule_event ev, const struct flow *f,
    uint64_t ts, const char *iface)
{
	c->event = ev;
	c->scope = MS_ALL;
	c->pkt = NULL;
	c->app = NULL;
	c->dir = 0;
	c->sensor_event = 0;
	c->sensor_value = 0;
	c->flow = f;
	c->ts = ts;
	c->ipver = f->ipver;
	c->src = f->caddr;
	c->dst = f->saddr;
	c->sport = f->cport;
	c->dport = f->sport;
	c->proto = f->proto;
	c->iface = iface;
	c->pm = NULL;
	c->pm_end = 0;
	c->host = NULL;
}

/*
 * pkt's direction ended: a match carried over from its last piece is
 * decided on what is there (a number at the very end of the stream has
 * no byte after it), with pkt (no payload) as its packet.
 */
static void
sensor_payload_end(struct worker *w, const struct packet *pkt)
{
	struct match_ctx	 c;

	ctx_packet(&c, REV_PACKET, pkt);
	c.scope = MS_PAYLOAD;
	c.pm = w->pmatch;
	c.pm_end = 1;
	rules_match_state(w->match_state, &c, w->alerts);
}

/*
 * A flow ends with matches still carried: each direction's are decided,
 * on a packet made of the flow (no payload), as the direction goes.
 */
static void
sensor_flow_payload_end(struct worker *w, struct flow *f,
    const struct iface *ifc)
{
	struct packet	q;
	int		d;

	for (d = 0; d < 2 && f->pm_slots != 0; d++) {
		memset(&q, 0, sizeof(q));
		q.ts = f->last;
		q.iface = ifc;
		q.ipver = f->ipver;
		q.proto = f->proto;
		memcpy(q.src, d == 0 ? f->caddr : f->saddr, sizeof(q.src));
		memcpy(q.dst, d == 0 ? f->saddr : f->caddr, sizeof(q.dst));
		q.sport = d == 0 ? f->cport : f->sport;
		q.dport = d == 0 ? f->sport : f->cport;
		q.flags = PKT_L4;
		q.flow = f;
		q.dir = (uint8_t)d;
		sensor_payload_end(w, &q);
	}
}

/* Flow end: rules on the flow_end event, the flow record, app state. */
void
sensor_flow_end(struct flow *f, enum flow_end_reason r, void *arg)
{
	struct worker		*w = arg;
	const struct iface	*ifc = capture_iface(w->s->cap, f->iface_idx);
	struct match_ctx	 c;

	ctx_flow(&c, REV_FLOW_END, f, f->last, ifc ? ifc->name : NULL);
	rules_match_state(w->match_state, &c, w->alerts);
	app_flow_end(w->app, f, ifc);
	if (f->pm_slots != 0)
		sensor_flow_payload_end(w, f, ifc);
	hosts_flow_end(w, f);
	eventlog_flow(w->events, f, r, ifc ? ifc->name : NULL);
	app_flow_release(w->app, f);
	stream_flow_release(w->stream, f);
	pmatch_flow_release(w->pmatch, f);
}

/* stream.gateway_depth: flows touching the population database gateway. */
static int
sensor_gateway_flow(const struct flow *f, void *arg)
{
	struct worker	*w = arg;

	return rules_asset_has_addr(w->s->rules, "population_db_gateway",
	    f->ipver, f->caddr) || rules_asset_has_addr(w->s->rules,
	    "population_db_gateway", f->ipver, f->saddr);
}

/* A sealed direction (encrypted, parsed): its resends need no compare. */
static int
sensor_stream_read(const struct flow *f, int dir)
{
	return !app_dir_sealed(f, dir);
}

void
sensor_stream_init(struct worker *w, unsigned share)
{
	w->stream = stream_new(w->s->conf->stream_memcap / share,
	    (uint32_t)w->s->conf->stream_depth);
	stream_set_depth_hook(w->stream,
	    (uint32_t)w->s->conf->stream_gateway_depth, sensor_gateway_flow, w);
	stream_set_read_hook(w->stream, sensor_stream_read);
	/* Restart only: read once, not through conf a packet. */
	w->csum_mode = (uint8_t)w->s->conf->stream_checksum_validation;
	w->pmatch = pmatch_new(w->s->conf->stream_match_memcap / share);
}

/*
 * One piece of a TCP direction's inspected stream, in order: the
 * payload rules, carrying matches over from the pieces before
 * (pmatch.h); after lost data (PKT_GAP) nothing is carried across the
 * hole. Another copy of bytes (PKT_STREAM_ALT) is not the stream: it is
 * matched alone. The packet's header rules ran when it arrived. Then
 * where the piece ends for the starring of credentials, which the next
 * piece's excerpt starts from (alert.h); an encrypted flow's pieces have
 * no excerpt.
 */
static void
sensor_payload(struct worker *w, const struct packet *pkt)
{
	struct match_ctx	 c;
	struct flow		*f = pkt->flow;

	if (pkt->payload_len == 0)
		return;
	ctx_packet(&c, REV_PACKET, pkt);
	c.scope = MS_PAYLOAD;
	if (f != NULL && !(pkt->flags & PKT_STREAM_ALT)) {
		if (pkt->flags & PKT_GAP) {
			pmatch_gap(w->pmatch, f, pkt->dir);
			f->cred[pkt->dir & 1] = 0;
		}
		c.pm = w->pmatch;
	}
	rules_match_state(w->match_state, &c, w->alerts);
	/* Only a byte stream carries a line into the next piece: a
	 * datagram's excerpt is the datagram, scanned whole. */
	if (c.pm != NULL && f->proto == PROTO_TCP && !app_encrypted(f))
		alert_cred_advance(&f->cred[pkt->dir & 1], pkt->payload,
		    pkt->payload_len);
}

/* A decoded view of an HTTP flow's piece (app.c): the payload rules. */
static void
sensor_http_view(const struct packet *pkt, void *arg)
{
	sensor_payload(arg, pkt);
}

void
sensor_http_init(struct worker *w, size_t nhttp)
{
	app_http_setup(w->app, nhttp, w->s->conf->http_decompress_limit,
	    (uint32_t)w->s->conf->http_decompress_ratio,
	    (size_t)w->s->conf->http_decompress_bodies, sensor_http_view, w);
}

/*
 * In-order TCP data that was held: parsers, then payload rules (an HTTP
 * flow's were given the decoded bytes by the parser).
 */
static void
sensor_stream_deliver(struct packet *pkt, void *arg)
{
	struct worker		*w = arg;

	if (!app_process(w->app, pkt))
		sensor_payload(w, pkt);
}

/* One application record: the event log, then the rules. */
void
sensor_app_record(const struct packet *pkt, const struct app_result *r,
    void *arg)
{
	struct worker		*w = arg;
	struct match_ctx	 c;

	eventlog_app(w->events, pkt, r);
	if (r->have == APPR_HTTP_TX)
		return;		/* the event log's; rules saw the request */
	ctx_packet(&c, REV_PACKET, pkt);
	c.app = r;
	rules_match_state(w->match_state, &c, w->alerts);
}

/* Raise one health condition if its counter moved and a minute passed. */
static void
sensor_raise(struct sensor *s, struct match_ctx *c, int slot, uint32_t ev,
    uint64_t now, uint64_t cur, uint64_t *last)
{
	if (cur <= *last || now < s->sensor_raised[slot] + 60000000)
		return;
	c->sensor_event = ev;
	c->sensor_value = cur - *last;
	rules_match_state(s->w.match_state, c, s->alerts);
	s->sensor_raised[slot] = now;
	*last = cur;
}

/*
 * The sensor's own health as rule events: each condition is raised at
 * most once a minute of packet time, so a flood gives one alert.
 */
/*
 * A rule's regex gave up (limits.regex_*): an event per rule, raised
 * by the worker whose matcher it was, at most once a minute.
 */
void
sensor_regex_limits(struct worker *w, uint64_t now)
{
	struct match_ctx	 c;
	const struct rule	*r;

	if (now < w->limit_raised + 60000000)
		return;
	memset(&c, 0, sizeof(c));
	c.event = REV_SENSOR;
	c.ts = now;
	while ((r = rules_limit_next(w->match_state, &c.sensor_value)) !=
	    NULL) {
		c.sensor_event = SENSOR_REGEX_LIMIT;
		c.sensor_rule = r;
		rules_match_state(w->match_state, &c, w->alerts);
		w->limit_raised = now;
	}
}

size_t
sensor_nworkers(const struct sensor *s)
{
	return 1 + workers_count(s->workers);
}

/* Worker i: 0 is the loop's, the threads follow. */
const struct worker *
sensor_worker(const struct sensor *s, size_t i)
{
	return i == 0 ? &s->w : workers_get(s->workers, i - 1);
}

/* The health counters, summed over the packet workers. */
void
sensor_totals(const struct sensor *s, struct sensor_totals *t)
{
	size_t	i;
	int	k;

	memset(t, 0, sizeof(*t));
	for (k = 0; k < capture_count(s->cap); k++) {
		const struct iface *ifc = capture_iface(s->cap, k);

		t->capture_drops += ifc->ps_drop + ifc->ps_ifdrop;
	}
	for (i = 0; i < sensor_nworkers(s); i++) {
		const struct worker *w = sensor_worker(s, i);

		if (w->flows != NULL)
			t->flow_memcap_hits += flow_stats(w->flows)->memcap_hits;
		if (w->defrag != NULL)
			t->defrag_evicted +=
			    defrag_stats(w->defrag)->c[DFC_EVICTED];
		if (w->stream != NULL) {
			t->stream_evicted +=
			    stream_stats(w->stream)->c[STC_EVICTED];
			t->stream_cut += stream_stats(w->stream)->c[STC_CUT];
		}
		if (w->app != NULL)
			t->parser_refused += app_stats(w->app)->buf_exhausted +
			    app_http_stats(w->app)->exhausted;
		if (i > 0) {
			t->lost_alerts += alert_out_lost(w->alerts);
			t->lost_events += eventlog_lost(w->events);
			t->lost_packets += workers_lost(s->workers, i - 1);
		}
	}
	t->capture_drops += t->lost_packets;
	t->output_drops = outputs_dropped(s->outputs) + t->lost_alerts +
	    t->lost_events;
}

void
sensor_health(struct sensor *s, uint64_t now)
{
	struct sensor_totals	 t;
	struct match_ctx	 c;

	sensor_totals(s, &t);
	memset(&c, 0, sizeof(c));
	c.event = REV_SENSOR;
	c.ts = now;
	sensor_raise(s, &c, 0, SENSOR_CAPTURE_DROPS, now, t.capture_drops,
	    &s->last_drops);
	sensor_raise(s, &c, 1, SENSOR_FLOW_MEMCAP, now, t.flow_memcap_hits,
	    &s->last_memcap);
	sensor_raise(s, &c, 3, SENSOR_OUTPUT_DROPS, now, t.output_drops,
	    &s->last_output_drops);
	/* The JSON alert log lost alerts (deleted, read-only, disk full). */
	sensor_raise(s, &c, 4, SENSOR_LOG_ERRORS, now,
	    alert_out_errors(s->alerts), &s->last_log_errors);
	sensor_regex_limits(&s->w, now);
	sensor_raise(s, &c, 6, SENSOR_DEFRAG_MEMCAP, now, t.defrag_evicted,
	    &s->last_defrag_evicted);
	sensor_raise(s, &c, 7, SENSOR_STREAM_MEMCAP, now, t.stream_evicted,
	    &s->last_stream_evicted);
	sensor_raise(s, &c, 8, SENSOR_CAPTURE_CUT, now, t.stream_cut,
	    &s->last_stream_cut);
	sensor_raise(s, &c, 9, SENSOR_PARSER_BUFFERS, now, t.parser_refused,
	    &s->last_parser_refused);
	sensor_raise(s, &c, 2, SENSOR_THRESHOLD_MEMCAP, now,
	    rules_threshold_evictions(s->rules), &s->last_thr_evicted);
}

/*
 * stream.checksum_validation: whether pkt, a TCP segment or a tunnel's
 * outer packet, goes on. 1: its sums are right; -1: they cannot be told
 * (cut by the snap length, an IPv6 route not yet done); 2: wrong, taken;
 * 0: wrong and dropped, counted as malformed, seen by header rules only
 * (its host never took its bytes: a decoy for the sensor). auto drops a
 * wrong one only in a direction that sent a right one before: a host
 * whose NIC fills sums in (offload) sends all its segments with a partial
 * sum, and a capture made on it shows every one wrong, while an attacker
 * must send the real bytes, and its handshake, with right ones. The flow
 * is looked up here only for a wrong sum (every segment of an offloading
 * host's: then twice a packet).
 */
/*
 * A segment the capturing host's GRO or LRO made of several: longer than
 * the MSS its receiver announced (1,460 or 1,440 bytes when its SYN was
 * not seen), so no single segment on the wire, and summed as Linux leaves
 * a merged one, the pseudo-header's sum alone. Its parts' sums were
 * checked by the host before it merged them.
 */
static int
sensor_merged(const struct flow *f, int dir, const struct packet *pkt)
{
	uint32_t	mss = f->mss[!dir];

	if (mss == 0)
		mss = f->ipver == 6 ? 1440 : 1460;
	return pkt->payload_len > mss && checksum_tcp_partial(pkt);
}

static __attribute__((noinline)) int
sensor_checksum(struct worker *w, struct packet *pkt)
{
	const struct flow	*f;
	struct match_ctx	 c;
	enum decode_err		 why = DE_NONE;
	int			 r, dir;

	if ((r = checksum_segment(pkt, &why)) != 0) {
		w->csum.checked += r > 0;
		return r;
	}
	w->csum.checked++;
	w->csum.wrong++;
	if (w->csum_mode == CSUM_AUTO) {
		if ((f = flow_peek(w->flows, pkt, &dir)) == NULL ||
		    !(f->evflags & (dir ? FE_SUM_OK1 : FE_SUM_OK0))) {
			w->csum.taken++;
			return 2;
		}
		if (sensor_merged(f, dir, pkt)) {
			w->csum.taken++;
			w->csum.merged++;
			return 2;
		}
	}
	w->csum.dropped++;
	w->dstats.err[why]++;
	/* An anomaly the decoder found stays the one rules see. */
	if (pkt->err == DE_NONE)
		pkt->err = why;
	ctx_packet(&c, REV_PACKET, pkt);
	c.scope = MS_HEADERS;
	rules_match_state(w->match_state, &c, w->alerts);
	return 0;
}

/*
 * A decoded packet, whole: flow, flow events, app metadata, rules; -1
 * when its checksums dropped it (a tunnel's inner packet is not taken
 * apart then). Inlined: as a call it cost 24 instructions a packet
 * (callgrind).
 */
static inline __attribute__((always_inline)) int
sensor_whole(struct worker *w, const struct iface *ifc, struct packet *pkt)
{
	struct match_ctx	 c;
	struct flow		*f;
	int			 decoded, sum = -1;
	enum decode_err		 err0;

	if ((pkt->proto == PROTO_TCP || (pkt->flags & PKT_TUNNEL)) &&
	    w->csum_mode != CSUM_NO &&
	    (sum = sensor_checksum(w, pkt)) == 0)
		return -1;
	err0 = pkt->err;
	if (pkt->ipver == 0 || ((pkt->flags & PKT_FRAG) &&
	    !(pkt->flags & PKT_FRAG_FIRST)) ||
	    (f = flow_lookup(w->flows, pkt)) == NULL) {
		if (pkt->flags & PKT_ARP)
			hosts_arp(w, pkt);
		ctx_packet(&c, REV_PACKET, pkt);
		rules_match_state(w->match_state, &c, w->alerts);
		return 0;
	}
	if (sum == 1)
		f->evflags |= (pkt->dir ? FE_SUM_OK1 : FE_SUM_OK0) |
		    ((pkt->flags & PKT_SYN_HELD) ? FE_SUM_SYN : 0);
	if ((pkt->tcp_flags & TH_SYN) && f->proto == PROTO_TCP)
		f->mss[pkt->dir & 1] = decode_tcp_mss(pkt);
	if (pkt->err != err0)		/* flow.c: an ignored reset */
		w->dstats.err[pkt->err]++;
	if (f->pkts[0] + f->pkts[1] == 1) {
		ctx_flow(&c, REV_FLOW_START, f, pkt->ts, ifc->name);
		c.pkt = pkt;
		rules_match_state(w->match_state, &c, w->alerts);
	}
	if (f->state == FLOW_ESTABLISHED && !(f->evflags & FE_ESTABLISHED)) {
		f->evflags |= FE_ESTABLISHED;
		ctx_flow(&c, REV_FLOW_ESTABLISHED, f, pkt->ts, ifc->name);
		rules_match_state(w->match_state, &c, w->alerts);
		hosts_flow_established(w, f, pkt->ts, ifc->name);
	}
	if (f->proto == PROTO_TCP) {
		enum decode_err before = pkt->err;

		stream_packet(w->stream, pkt);
		if (pkt->err != before)
			w->dstats.err[pkt->err]++;
	}
	err0 = pkt->err;
	decoded = app_process(w->app, pkt);
	if (pkt->err != err0)
		w->dstats.err[pkt->err]++;
	ctx_packet(&c, REV_PACKET, pkt);
	if (f->proto == PROTO_TCP) {
		c.scope = MS_HEADERS;
		rules_match_state(w->match_state, &c, w->alerts);
		if (!decoded)
			sensor_payload(w, pkt);
	} else {
		/* DHCP: server to client or client to server. */
		if (f->proto == PROTO_UDP && (pkt->sport ^ pkt->dport) == (67 ^
		    68) && (pkt->sport == 67 || pkt->sport == 68))
			hosts_dhcp(w, pkt);
		else if (f->proto == PROTO_ICMPV6 && (pkt->icmp_type == 136 ||
		    pkt->icmp_type == 135))
			hosts_ndp(w, pkt);	/* neighbour advert., solicit. */
		rules_match_state(w->match_state, &c, w->alerts);
	}
	if (stream_pending(pkt))
		stream_drain(w->stream, pkt, sensor_stream_deliver, w);
	/*
	 * The direction closes with nothing held: its carry is decided. Not
	 * at a reset the flow ignored (flow.c, flow_rst_ignored: not at the
	 * next sequence number), which its host ignores too, nor at a FIN
	 * that does not end the bytes seen (one forged ahead of them): the
	 * bytes after it continue the stream, a number cut by it included.
	 */
	if (((pkt->tcp_flags & TH_FIN) && flow_seq_ends(f, pkt->dir,
	    pkt->seq, pkt->payload_len)) ||
	    ((pkt->tcp_flags & TH_RST) && (f->tcp & FT_RST))) {
		if (f->pm_slots != 0 && f->proto == PROTO_TCP &&
		    !stream_pending(pkt))
			sensor_payload_end(w, pkt);
	}
	return 0;
}

/*
 * A fragment goes to defrag.c. A completed datagram is decoded again
 * (into whole, as many tunnels deep as the fragment) and goes the whole
 * way, carrying its train's evasion anomaly so that the alert names its
 * flow; it is returned, for its tunnel if it carries one. A fragment's own
 * anomaly (one defrag.c dropped it for, or the decoder's) goes to the
 * rules alone, without the payload: only the datagram's payload is
 * inspected.
 */
static struct packet *
sensor_fragment(struct worker *w, const struct iface *ifc, struct packet *pkt,
    struct packet *whole, uint8_t depth)
{
	struct match_ctx	 c;
	struct packet		*done = NULL;
	const uint8_t		*d;
	size_t			 n;
	enum decode_err		 before = pkt->err, anomaly = DE_NONE;
	int			 rc;

	rc = defrag_packet(w->defrag, pkt, &d, &n, &anomaly);
	if (pkt->err != before)
		w->dstats.err[pkt->err]++;
	if (rc == DEFRAG_DONE && n <= UINT32_MAX) {
		whole->ts = pkt->ts;
		whole->caplen = whole->wirelen = (uint32_t)n;
		whole->iface = ifc;
		rc = decode_datagram(d, n, whole, depth);
		whole->vlan_n = pkt->vlan_n;
		memcpy(whole->vlan, pkt->vlan, sizeof(whole->vlan));
		whole->flags |= PKT_REASSEMBLED;
		if (whole->err != DE_NONE)
			w->dstats.err[whole->err]++;
		else
			whole->err = anomaly;
		if (rc == 0) {
			sensor_whole(w, ifc, whole);
			done = whole;
		} else {
			ctx_packet(&c, REV_PACKET, whole);
			rules_match_state(w->match_state, &c, w->alerts);
		}
		rc = DEFRAG_DONE;
	}
	if (pkt->err != DE_NONE && (rc == DEFRAG_DROPPED ||
	    pkt->err == before)) {
		pkt->payload = NULL;
		pkt->payload_len = 0;
		ctx_packet(&c, REV_PACKET, pkt);
		rules_match_state(w->match_state, &c, w->alerts);
	}
	return done;
}

/*
 * A decoded packet: a fragment to defrag.c, a malformed packet to the
 * rules alone (it has no flow, but rules may count it), the rest the
 * whole way. Returns the packet whose tunnel comes next (pkt, or the
 * datagram rebuilt into whole), or NULL. depth: tunnels around pkt.
 */
static struct packet *
sensor_decoded(struct worker *w, const struct iface *ifc, struct packet *pkt,
    int rc, struct packet *whole, uint8_t depth)
{
	struct match_ctx	c;

	if ((pkt->flags & PKT_FRAG) && w->defrag != NULL && pkt->l3 != NULL) {
		/* A fragment its host drops must not build a datagram. */
		if (pkt->ipver == 4 &&
		    w->csum_mode != CSUM_NO &&
		    sensor_checksum(w, pkt) == 0)
			return NULL;
		return sensor_fragment(w, ifc, pkt, whole, depth);
	}
	if (rc != 0) {
		ctx_packet(&c, REV_PACKET, pkt);
		rules_match_state(w->match_state, &c, w->alerts);
		return NULL;
	}
	return sensor_whole(w, ifc, pkt) < 0 ? NULL : pkt;
}

/*
 * Fragments and tunnels, off the common path. A tunnel's outer packet
 * goes the whole way first, as Suricata's tunnel root does: its flow
 * (GRE, IP-in-IP or the VXLAN UDP flow between the tunnel's ends), flow
 * events and header rules, so an indicator list names a tunnel endpoint;
 * but with no payload, since its payload is the inner packet and is
 * inspected once, there. Then each inner packet is decoded and handled as
 * if it had come bare: flows, defrag, streams, parsers and rules. The
 * decoder notes no tunnel TUNNEL_DEPTH_MAX deep (decode_bound, counted),
 * so the loop ends; two packets suffice, each made from the other (its
 * bytes are the frame's or defrag.c's, which copies a fragment before it
 * builds over the datagram that held it).
 */
static __attribute__((noinline)) void
sensor_layers(struct worker *w, const struct iface *ifc, struct packet *pkt,
    int rc)
{
	struct packet	 buf[2], *in, *whole;
	uint8_t		 depth = 0;

	whole = &buf[0];
	pkt = sensor_decoded(w, ifc, pkt, rc, whole, depth);
	while (pkt != NULL && (pkt->flags & PKT_TUNNEL)) {
		in = pkt == &buf[0] ? &buf[1] : &buf[0];
		whole = in == &buf[0] ? &buf[1] : &buf[0];
		rc = decode_inner(pkt, in, ++depth, &w->dstats);
		pkt = sensor_decoded(w, ifc, in, rc, whole, depth);
	}
}

/*
 * A worker's packet clock. Expire on packet time, at most once per
 * second of it; health: see worker_packet.
 */
static inline void
worker_clock(struct worker *w, uint64_t ts, int health)
{
	if (ts > w->last_ts)
		w->last_ts = ts;
	if (w->last_ts >= w->last_expire + 1000000) {
		flow_expire(w->flows, w->last_ts);
		if (w->defrag != NULL)
			defrag_expire(w->defrag, w->last_ts);
		w->last_expire = w->last_ts;
		rules_state_tick(w->match_state);
		if (health)
			sensor_health(w->s, w->last_ts);
		else
			sensor_regex_limits(w, w->last_ts);
	}
}

/* The loop's worker sees the time of a packet another worker gets. */
void
sensor_clock(struct worker *w, uint64_t ts)
{
	worker_clock(w, ts, 1);
}

/*
 * The per-packet path: no allocation, no list scans. health: the loop
 * thread's worker raises the sensor's health events on packet time; a
 * worker thread only its own regex limits (the loop raises the rest).
 */
static inline void
worker_packet(struct worker *w, const struct iface *ifc, uint64_t ts,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen, int health)
{
	struct packet		 pkt;
	struct match_ctx	 c;
	int			 rc;

	pkt.ts = ts;
	pkt.caplen = caplen;
	pkt.wirelen = wirelen;
	pkt.iface = ifc;
	worker_clock(w, ts, health);
	rc = decode_frame(ifc->dlt, p, caplen, &pkt, &w->dstats);
	if (pkt.flags & (PKT_FRAG | PKT_TUNNEL)) {
		sensor_layers(w, ifc, &pkt, rc);
		return;
	}
	if (rc != 0) {
		/* A malformed packet has no flow, but rules may count it. */
		ctx_packet(&c, REV_PACKET, &pkt);
		rules_match_state(w->match_state, &c, w->alerts);
		return;
	}
	(void)sensor_whole(w, ifc, &pkt);
}

void
sensor_packet(const struct iface *ifc, uint64_t ts, const uint8_t *p,
    uint32_t caplen, uint32_t wirelen, void *arg)
{
	struct sensor	*s = arg;

	if (s->shutting_down)
		return;
	worker_packet(&s->w, ifc, ts, p, caplen, wirelen, 1);
}

void
sensor_worker_packet(struct worker *w, const struct iface *ifc, uint64_t ts,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	worker_packet(w, ifc, ts, p, caplen, wirelen, 0);
}
