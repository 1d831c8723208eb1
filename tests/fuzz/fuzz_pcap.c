/*
 * libFuzzer target: the offline capture path of `canhgacd -r FILE`. The
 * input is a pcap or pcapng file, opened from memory (fmemopen +
 * pcap_fopen_offline) and added with capture_add_offline, read by
 * capture.c on an event loop in batches, and each packet goes through
 * decode, flow, app metadata, the shipped rule packs, alert formatting
 * and the event log (to /dev/null) in the order of canhgacd.c's
 * on_packet. At the end of each input every flow ends (FLOW_END_CAPTURE),
 * as at the end of a replay; the flow table, rules and outputs live on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <pcap/pcap.h>

#include "canhgac.h"
#include "fuzz_common.h"

static struct sensor	 S;

static void
ctx_packet(struct match_ctx *c, enum rule_event ev, const struct packet *pkt)
{
	memset(c, 0, sizeof(*c));
	c->event = ev;
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

static void
ctx_flow(struct match_ctx *c, enum rule_event ev, const struct flow *f,
    uint64_t ts, const char *iface)
{
	memset(c, 0, sizeof(*c));
	c->event = ev;
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

static void
on_flow_end(struct flow *f, enum flow_end_reason r, void *arg)
{
	struct sensor		*s = arg;
	const struct iface	*ifc = s->cap ? capture_iface(s->cap,
				    f->iface_idx) : NULL;
	struct match_ctx	 c;

	ctx_flow(&c, REV_FLOW_END, f, f->last, ifc ? ifc->name : NULL);
	rules_match(s->rules, &c, s->alerts);
	eventlog_flow(s->events, f, r, ifc ? ifc->name : NULL);
	app_flow_release(s->app, f);
}

static void
on_app_record(const struct packet *pkt, const struct app_result *r,
    void *arg)
{
	struct sensor		*s = arg;
	struct match_ctx	 c;

	eventlog_app(s->events, pkt, r);
	ctx_packet(&c, REV_PACKET, pkt);
	c.app = r;
	rules_match(s->rules, &c, s->alerts);
}

/* canhgacd.c's on_packet, less the sensor-health events. */
static void
on_packet(const struct iface *ifc, uint64_t ts, const uint8_t *p,
    uint32_t caplen, uint32_t wirelen, void *arg)
{
	struct sensor		*s = arg;
	struct packet		 pkt;
	struct match_ctx	 c;
	struct flow		*f;

	pkt.ts = ts;
	pkt.caplen = caplen;
	pkt.wirelen = wirelen;
	pkt.iface = ifc;
	if (ts > s->last_ts)
		s->last_ts = ts;
	if (s->last_ts >= s->last_expire + 1000000) {
		flow_expire(s->flows, s->last_ts);
		s->last_expire = s->last_ts;
	}
	if (decode_frame(ifc->dlt, p, caplen, &pkt, &s->dstats) != 0) {
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

static void
on_done(void *arg)
{
	event_base_loopexit(((struct sensor *)arg)->base, NULL);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[2048], path[512];

	(void)argc;
	(void)argv;
	fuzz_install_tree();
	fuzz_write_config("canhgac.yaml", "rules/*.yaml", "");
	if ((S.conf = config_load(fuzz_path("canhgac.yaml", path,
	    sizeof(path)), err, sizeof(err))) == NULL ||
	    (S.rules = rules_load(S.conf, err, sizeof(err))) == NULL ||
	    (S.alerts = alert_out_new(S.conf, "/dev/null", err,
	    sizeof(err))) == NULL ||
	    (S.events = eventlog_open("/dev/null", "fuzz", 0, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_pcap: %s\n", err);
		abort();
	}
	S.flows = flow_table_new(8 << 20, NULL, on_flow_end, &S);
	S.app = app_init(256, on_app_record, &S);
	S.offline = 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 ebuf[PCAP_ERRBUF_SIZE], err[1024];
	FILE	*fp;
	pcap_t	*p;

	if (size == 0 || (fp = fmemopen((void *)(uintptr_t)data, size,
	    "rb")) == NULL)
		return 0;
	ebuf[0] = '\0';
	if ((p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf)) == NULL) {
		fclose(fp);
		return 0;
	}
	S.base = event_base_new();
	S.cap = capture_new(S.base, on_packet, on_done, &S);
	if (capture_add_offline(S.cap, p, "fuzz.pcap", err, sizeof(err)) ==
	    0 && capture_start(S.cap) == 0)
		event_base_dispatch(S.base);
	flow_expire_all(S.flows, FLOW_END_CAPTURE);
	alert_out_flush(S.alerts);
	eventlog_flush(S.events);
	capture_free(S.cap);
	S.cap = NULL;
	event_base_free(S.base);
	S.base = NULL;
	return 0;
}
