/*
 * The sensor's packet path, called by capture.c for every packet (the
 * daemon, and fuzz_pcap as the daemon does): decode, flow, the flow
 * events, application metadata, rules, and the sensor's own health
 * events. Time is packet time.
 */
#include "config.h"

#include <string.h>

#include "canhgac.h"

/*
 * A match context for a packet, oriented as the packet travels. Every
 * field is set one by one: a memset of the whole struct is a rep stosq,
 * slow to start, three times a packet.
 */
static void
ctx_packet(struct match_ctx *c, enum rule_event ev, const struct packet *pkt)
{
	c->event = ev;
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
}

/* A match context for a flow event, client to server. */
static void
ctx_flow(struct match_ctx *c, enum rule_event ev, const struct flow *f,
    uint64_t ts, const char *iface)
{
	c->event = ev;
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
}

/* Flow end: rules on the flow_end event, the flow record, app state. */
void
sensor_flow_end(struct flow *f, enum flow_end_reason r, void *arg)
{
	struct sensor		*s = arg;
	const struct iface	*ifc = capture_iface(s->cap, f->iface_idx);
	struct match_ctx	 c;

	ctx_flow(&c, REV_FLOW_END, f, f->last, ifc ? ifc->name : NULL);
	rules_match(s->rules, &c, s->alerts);
	eventlog_flow(s->events, f, r, ifc ? ifc->name : NULL);
	app_flow_release(s->app, f);
}

/* One application record: the event log, then the rules. */
void
sensor_app_record(const struct packet *pkt, const struct app_result *r,
    void *arg)
{
	struct sensor		*s = arg;
	struct match_ctx	 c;

	eventlog_app(s->events, pkt, r);
	ctx_packet(&c, REV_PACKET, pkt);
	c.app = r;
	rules_match(s->rules, &c, s->alerts);
}

/*
 * The sensor's own health as rule events: each condition is raised at
 * most once a minute of packet time, so a flood gives one alert.
 */
void
sensor_health(struct sensor *s, uint64_t now)
{
	const struct flow_stats	*fs = flow_stats(s->flows);
	struct match_ctx	 c;
	uint64_t		 drops = 0, thr_ev, od;
	int			 i;

	for (i = 0; i < capture_count(s->cap); i++) {
		const struct iface *ifc = capture_iface(s->cap, i);

		drops += ifc->ps_drop + ifc->ps_ifdrop;
	}
	thr_ev = rules_threshold_evictions(s->rules);
	memset(&c, 0, sizeof(c));
	c.event = REV_SENSOR;
	c.ts = now;
	if (drops > s->last_drops && now >= s->sensor_raised[0] + 60000000) {
		c.sensor_event = SENSOR_CAPTURE_DROPS;
		c.sensor_value = drops - s->last_drops;
		rules_match(s->rules, &c, s->alerts);
		s->sensor_raised[0] = now;
		s->last_drops = drops;
	}
	if (fs->memcap_hits > s->last_memcap &&
	    now >= s->sensor_raised[1] + 60000000) {
		c.sensor_event = SENSOR_FLOW_MEMCAP;
		c.sensor_value = fs->memcap_hits - s->last_memcap;
		rules_match(s->rules, &c, s->alerts);
		s->sensor_raised[1] = now;
		s->last_memcap = fs->memcap_hits;
	}
	od = outputs_dropped(s->outputs);
	if (od > s->last_output_drops &&
	    now >= s->sensor_raised[3] + 60000000) {
		c.sensor_event = SENSOR_OUTPUT_DROPS;
		c.sensor_value = od - s->last_output_drops;
		rules_match(s->rules, &c, s->alerts);
		s->sensor_raised[3] = now;
		s->last_output_drops = od;
	}
	/* The JSON alert log lost alerts (deleted, read-only, disk full). */
	od = alert_out_errors(s->alerts);
	if (od > s->last_log_errors &&
	    now >= s->sensor_raised[4] + 60000000) {
		c.sensor_event = SENSOR_LOG_ERRORS;
		c.sensor_value = od - s->last_log_errors;
		rules_match(s->rules, &c, s->alerts);
		s->sensor_raised[4] = now;
		s->last_log_errors = od;
	}
	/* A rule's regex gave up (limits.regex_*): an event per rule. */
	if (now >= s->sensor_raised[5] + 60000000) {
		const struct rule *r;

		while ((r = rules_limit_next(s->rules, &c.sensor_value)) !=
		    NULL) {
			c.sensor_event = SENSOR_REGEX_LIMIT;
			c.sensor_rule = r;
			rules_match(s->rules, &c, s->alerts);
			s->sensor_raised[5] = now;
		}
		c.sensor_rule = NULL;
	}
	if (thr_ev > s->last_thr_evicted &&
	    now >= s->sensor_raised[2] + 60000000) {
		c.sensor_event = SENSOR_THRESHOLD_MEMCAP;
		c.sensor_value = thr_ev - s->last_thr_evicted;
		rules_match(s->rules, &c, s->alerts);
		s->sensor_raised[2] = now;
		s->last_thr_evicted = thr_ev;
	}
}

/* The per-packet path: no allocation, no list scans. */
void
sensor_packet(const struct iface *ifc, uint64_t ts, const uint8_t *p,
    uint32_t caplen, uint32_t wirelen, void *arg)
{
	struct sensor		*s = arg;
	struct packet		 pkt;
	struct match_ctx	 c;
	struct flow		*f;

	if (s->shutting_down)
		return;
	pkt.ts = ts;
	pkt.caplen = caplen;
	pkt.wirelen = wirelen;
	pkt.iface = ifc;
	if (ts > s->last_ts)
		s->last_ts = ts;
	/* Expire on packet time, at most once per second of it. */
	if (s->last_ts >= s->last_expire + 1000000) {
		flow_expire(s->flows, s->last_ts);
		s->last_expire = s->last_ts;
		sensor_health(s, s->last_ts);
	}
	if (decode_frame(ifc->dlt, p, caplen, &pkt, &s->dstats) != 0) {
		/* A malformed packet has no flow, but rules may count it. */
		ctx_packet(&c, REV_PACKET, &pkt);
		rules_match(s->rules, &c, s->alerts);
		return;
	}
	if (pkt.ipver == 0 || ((pkt.flags & PKT_FRAG) &&
	    !(pkt.flags & PKT_FRAG_FIRST)) ||
	    (f = flow_lookup(s->flows, &pkt)) == NULL) {
		ctx_packet(&c, REV_PACKET, &pkt);
		rules_match(s->rules, &c, s->alerts);
		return;
	}
	if (f->pkts[0] + f->pkts[1] == 1) {
		ctx_flow(&c, REV_FLOW_START, f, pkt.ts, ifc->name);
		c.pkt = &pkt;
		rules_match(s->rules, &c, s->alerts);
	}
	if (f->state == FLOW_ESTABLISHED && !(f->evflags & FE_ESTABLISHED)) {
		f->evflags |= FE_ESTABLISHED;
		ctx_flow(&c, REV_FLOW_ESTABLISHED, f, pkt.ts, ifc->name);
		rules_match(s->rules, &c, s->alerts);
	}
	app_process(s->app, &pkt);
	ctx_packet(&c, REV_PACKET, &pkt);
	rules_match(s->rules, &c, s->alerts);
}
