/*
 * The statistics snapshot (include/stats.h): one JSON object, one
 * schema, written by `canhgacd --stats` at exit and answered to
 * `canhgacctl stats` (which renders it flat or as Prometheus text).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "alert.h"
#include "app.h"
#include "capture.h"
#include "conf.h"
#include "decode.h"
#include "defrag.h"
#include "hosts.h"
#include "eventlog.h"
#include "flow.h"
#include "http_body.h"
#include "http_session.h"
#include "output.h"
#include "rules.h"
#include "sensor.h"
#include "spool.h"
#include "stats.h"
#include "stream.h"
#include "pmatch.h"
#include "threshold.h"
#include "types.h"
#include "util.h"

#define JI(v)	((json_int_t)(v))

long
stats_peak_rss_kb(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

uint64_t
stats_cpu_usec(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static uint64_t
wall_usec(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

json_t *
stats_time(const struct sensor *s, uint64_t usec)
{
	char	buf[48];

	if (usec == 0)
		return json_null();
	util_format_ts(usec, buf, sizeof(buf), s->conf->utc_offset);
	return json_string(buf);
}

json_t *
stats_interfaces(struct sensor *s)
{
	json_t	*a = json_array();
	int	 i;

	capture_stats_update(s->cap);
	for (i = 0; i < capture_count(s->cap); i++) {
		const struct iface *ifc = capture_iface(s->cap, i);

		json_array_append_new(a, json_pack(
		    "{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I}",
		    "name", ifc->name,
		    "state", capture_link_name(capture_link_state(ifc)),
		    "offline", ifc->offline,
		    "packets", JI(ifc->pkts),
		    "pcap_received", JI(ifc->ps_recv),
		    "pcap_dropped", JI(ifc->ps_drop),
		    "pcap_ifdropped", JI(ifc->ps_ifdrop),
		    "let_go_at_start", JI(ifc->let_go_at_start)));
	}
	return a;
}

json_t *
stats_syslog(const struct syslog_out *so)
{
	struct syslog_stats	st;

	syslog_out_stats(so, &st);
	/* Every key always there (null: none), for one schema. */
	return json_pack("{s:s,s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "socket", st.socket, "state", st.state,
	    "last_error", st.last_error ? json_string(st.last_error) :
	    json_null(), "sent", JI(st.sent),
	    "queued", JI(st.queued), "retried", JI(st.retried),
	    "waiting", JI(st.waiting), "dropped", JI(st.dropped),
	    "errors", JI(st.errors));
}

json_t *
stats_remote(const struct remote *r)
{
	struct remote_stats	st;

	remote_stats(r, &st);
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
	    "s:I,s:I,s:I,s:I,s:I,s:I}",
	    "destination", st.destination, "transport", st.transport,
	    "state", st.state, "last_error", st.last_error,
	    "sent", JI(st.sent), "spooled", JI(st.spooled),
	    "replayed", JI(st.replayed), "resent", JI(st.resent),
	    "dropped", JI(st.dropped), "spool_pending", JI(st.spool_pending),
	    "spool_bytes", JI(st.spool_bytes), "in_flight", JI(st.in_flight),
	    "connects", JI(st.connects),
	    "connect_failures", JI(st.connect_failures),
	    "disconnects", JI(st.disconnects),
	    "spool_errors", JI(st.spool_errors),
	    "spool_corrupt", JI(st.spool_corrupt),
	    "format_errors", JI(st.format_errors));
}

/* dst += src, word by word: counter structs are all uint64_t. */
static void
add_words(void *dst, const void *src, size_t bytes)
{
	uint64_t	*d = dst, v;
	size_t		 i;

	for (i = 0; i < bytes / sizeof(uint64_t); i++) {
		memcpy(&v, (const char *)src + i * sizeof(v), sizeof(v));
		d[i] += v;
	}
}

void
stats_worker_totals(const struct sensor *s, struct worker_totals *t)
{
	size_t	i;
	int	k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sensor_nworkers(s); i++) {
		const struct worker *w = sensor_worker(s, i);

		add_words(&t->d, &w->dstats, sizeof(t->d));
		add_words(&t->cs, &w->csum, sizeof(t->cs));
		if (w->flows != NULL) {
			t->have_flows = 1;
			add_words(&t->f, flow_stats(w->flows), sizeof(t->f));
			t->flow_max += flow_max(w->flows);
		}
		if (w->app != NULL) {
			add_words(&t->a, app_stats(w->app), sizeof(t->a));
			add_words(&t->hs, app_http_stats(w->app),
			    sizeof(t->hs));
			add_words(t->hb, app_http_body_stats(w->app),
			    sizeof(t->hb));
		}
		if (w->defrag != NULL) {
			t->have_defrag = 1;
			add_words(t->df, defrag_stats(w->defrag)->c,
			    sizeof(t->df));
		}
		if (w->stream != NULL) {
			t->have_stream = 1;
			add_words(t->st, stream_stats(w->stream)->c,
			    sizeof(t->st));
			for (k = 0; k < PMC_NCOUNTERS; k++)
				t->pm[k] += pmatch_counter(w->pmatch,
				    (enum pmatch_counter)k);
		}
	}
}

/*
 * What each worker took (the loop's first): packets and flows. The split
 * follows a keyed hash of the address pair, so it differs from run to
 * run and no sender can choose it; a worker far above its share is a
 * few heavy pairs.
 */
static json_t *
per_worker_json(const struct sensor *s)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < sensor_nworkers(s); i++) {
		const struct worker	*w = sensor_worker(s, i);
		uint64_t		 pk, fl = 0;
		char			 name[24];

		memcpy(&pk, &w->dstats.packets, sizeof(pk));
		if (w->flows != NULL)
			fl = flow_stats(w->flows)->created;
		snprintf(name, sizeof(name), "%zu", i);
		json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "name",
		    name, "packets", JI(pk), "flows", JI(fl)));
	}
	return a;
}

/* stream.checksum_validation as configured, and the sums' verdicts. */
static json_t *
checksum_json(const struct sensor *s, const struct worker_totals *t)
{
	int	mode = s->conf->stream_checksum_validation;

	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}",
	    "validation", mode == CSUM_AUTO ? "auto" : mode == CSUM_YES ?
	    "true" : "false",
	    "checked", JI(t->cs.checked), "wrong", JI(t->cs.wrong),
	    "dropped", JI(t->cs.dropped), "taken", JI(t->cs.taken),
	    "merged", JI(t->cs.merged));
}

static json_t *
decode_json(const struct decode_stats *d)
{
	json_t	*j, *an = json_object();
	int	 i;

	j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "packets", JI(d->packets), "bytes", JI(d->bytes),
	    "ipv4", JI(d->ipv4), "ipv6", JI(d->ipv6), "arp", JI(d->arp),
	    "tcp", JI(d->tcp), "udp", JI(d->udp), "icmp", JI(d->icmp),
	    "icmpv6", JI(d->icmpv6), "vlan", JI(d->vlan),
	    "fragments", JI(d->fragments), "other_l3", JI(d->other_l3));
	for (i = 1; i < DE_MAX; i++)
		json_object_set_new(an, decode_err_name((enum decode_err)i),
		    json_integer(JI(d->err[i])));
	json_object_set_new(j, "anomalies", an);
	/* Inner packets taken out of each kind of tunnel, and the tunnels
	 * past the depth bound, left whole. */
	json_object_set_new(j, "tunnel", json_pack(
	    "{s:I,s:I,s:I,s:I,s:I}", "gre", JI(d->tunnel[TUN_GRE]),
	    "ipv4_in_ip", JI(d->tunnel[TUN_IPV4_IN_IP]),
	    "ipv6_in_ip", JI(d->tunnel[TUN_IPV6_IN_IP]),
	    "vxlan", JI(d->tunnel[TUN_VXLAN]),
	    "too_deep", JI(d->err[DE_TUNNEL_TOO_DEEP])));
	return j;
}

static json_t *
flow_json(const struct worker_totals *t)
{
	const struct flow_stats	*fs = &t->f;

	return json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "created", JI(fs->created), "active", JI(fs->active),
	    "peak_active", JI(fs->peak_active), "max", JI(t->flow_max),
	    "evicted", JI(fs->evicted), "memcap_hits", JI(fs->memcap_hits),
	    "no_flow", JI(fs->no_flow),
	    "handshake_ack_mismatch", JI(fs->handshake_ack_mismatch),
	    "synack_missed", JI(fs->synack_missed),
	    "ended_timeout", JI(fs->ended[FLOW_END_TIMEOUT]),
	    "ended_capture", JI(fs->ended[FLOW_END_CAPTURE]),
	    "ended_eviction", JI(fs->ended[FLOW_END_EVICTION]),
	    "ended_shutdown", JI(fs->ended[FLOW_END_SHUTDOWN]),
	    "ended_reused", JI(fs->ended[FLOW_END_REUSED]),
	    "bytes_per_flow", JI(sizeof(struct flow)));
}

static json_t *
app_json(const struct worker_totals *t)
{
	const struct app_stats	*as = &t->a;

	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
	    "s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "tls", JI(as->tls), "dns", JI(as->dns), "http", JI(as->http),
	    "ssh", JI(as->ssh), "plaintext", JI(as->plain),
	    "buffers_exhausted", JI(as->buf_exhausted),
	    "first_bytes_exhausted", JI(as->first_bytes_exhausted),
	    "cert_walks_exhausted", JI(as->cert_walks_exhausted),
	    "logins_exhausted", JI(as->logins_exhausted),
	    "quic_hellos_exhausted", JI(as->quic_hellos_exhausted),
	    "gaps", JI(as->gaps),
	    "parse_errors", JI(as->parse_errors),
	    "tls_certificates", JI(as->tls_certs),
	    "tls_certificates_parsed", JI(as->tls_cert_parsed),
	    "tls_certificates_oversize", JI(as->tls_cert_oversize),
	    "tls_certificates_bad", JI(as->tls_cert_bad),
	    "quic", JI(as->quic), "quic_initials", JI(as->quic_initials),
	    "quic_bad", JI(as->quic_bad),
	    "quic_oversize", JI(as->quic_oversize));
}

/* HTTP messages and bodies (app_http_session.c, http_body.c). */
static json_t *
http_json(const struct worker_totals *t)
{
	const struct http_session_stats	*hs = &t->hs;
	const uint64_t			*c = t->hb;
	json_t				*j;
	int				 i;

	j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
	    "requests", JI(hs->requests), "responses", JI(hs->responses),
	    "transactions", JI(hs->transactions),
	    "unpaired", JI(hs->unpaired), "desync", JI(hs->desync),
	    "state_exhausted", JI(hs->exhausted));
	for (i = 0; i < HBC_NCOUNTERS; i++)
		json_object_set_new(j, http_body_counter_name(i),
		    json_integer(JI(c[i])));
	return j;
}

/* Totals, and hits per rule (active or hit) and per exception. */
static json_t *
rules_json(const struct sensor *s)
{
	const struct ruleset	*rs = s->rules;
	struct rule_stats	 st;
	struct thr_stats	 ts;
	struct rules_bh_stats	 bs;
	json_t			*r, *hits, *exc;
	size_t			 i;

	rules_stats(rs, &st);
	rules_threshold_stats(rs, &ts);
	r = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "active", JI(rules_count(rs, 1)),
	    "inactive", JI(rules_count(rs, 0)),
	    "evaluated", JI(st.evaluated), "matched", JI(st.matched),
	    "alerts", JI(st.alerts), "excepted", JI(st.excepted),
	    "suppressed", JI(ts.suppressed),
	    "threshold_keys", JI(ts.keys),
	    "threshold_evicted", JI(ts.evicted),
	    "threshold_bytes", JI(ts.bytes),
	    "regex_limited", JI(st.regex_limited));
	rules_behaviour_stats(rs, &bs);
	json_object_set_new(r, "behaviour", json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I}",
	    "baseline_keys", JI(bs.baseline_keys),
	    "baseline_evicted", JI(bs.baseline_evicted),
	    "beacon_keys", JI(bs.beacon_keys),
	    "beacon_evicted", JI(bs.beacon_evicted),
	    "dns_tunnel_keys", JI(bs.dns_keys),
	    "dns_tunnel_evicted", JI(bs.dns_evicted)));
	hits = json_array();
	for (i = 0; i < rules_size(rs); i++) {
		struct rule_info ru;

		rules_info(rs, i, &ru);
		/* Idle rules are left out: listing 50,000 of them held the
		 * loop 100 ms a request (`canhgacctl rules` has them all). */
		if (ru.hits == 0 && ru.matches == 0 && ru.regex_limited == 0)
			continue;
		/* regex_limited: events its regex gave up on (limits.regex_*). */
		json_array_append_new(hits, json_pack("{s:I,s:s,s:I,s:I,s:o,s:I}",
		    "sid", JI(ru.sid),
		    "category", rules_category_name(ru.category),
		    "hits", JI(ru.hits),
		    "matches", JI(ru.matches),
		    "last_hit", stats_time(s, ru.last_hit),
		    "regex_limited", JI(ru.regex_limited)));
	}
	json_object_set_new(r, "per_rule", hits);
	exc = json_array();
	for (i = 0; i < rules_exception_count(rs); i++) {
		const struct exception *e = rules_exception_get(rs, i);
		uint64_t		eh, ee;

		rules_exception_hits(rs, e, &eh, &ee);
		json_array_append_new(exc, json_pack(
		    "{s:s,s:i,s:s?,s:s?,s:I,s:I}", "file", e->file,
		    "line", e->line, "owner", e->owner,
		    "expires", e->expires_text, "hits", JI(eh),
		    "expired_hits", JI(ee)));
	}
	json_object_set_new(r, "per_exception", exc);
	return r;
}

/* outputs.json, .events, .syslog, .remote[] (status: control_stats). */
static json_t *
outputs_json(const struct sensor *s)
{
	json_t	*o, *rem = json_array();
	int	 i;

	o = json_pack("{s:I}", "unformattable",
	    JI(outputs_unformattable(s->outputs)));
	if (s->alerts != NULL)
		json_object_set_new(o, "json", json_pack("{s:s?,s:I,s:I}",
		    "path", s->alerts_path ? s->alerts_path :
		    s->conf->alerts_path,
		    "written", JI(alert_out_count(s->alerts)),
		    "errors", JI(alert_out_errors(s->alerts))));
	if (s->events != NULL)
		json_object_set_new(o, "events", json_pack("{s:s?,s:I,s:I}",
		    "path", s->events_path,
		    "written", JI(eventlog_count(s->events)),
		    "errors", JI(eventlog_errors(s->events))));
	if (outputs_syslog(s->outputs) != NULL)
		json_object_set_new(o, "syslog", stats_syslog(
		    outputs_syslog(s->outputs)));
	for (i = 0; i < outputs_nremote(s->outputs); i++)
		json_array_append_new(rem, stats_remote(outputs_remote(
		    s->outputs, i)));
	json_object_set_new(o, "remote", rem);
	return o;
}

json_t *
stats_snapshot(struct sensor *s)
{
	uint64_t	 now = wall_usec();
	double		 secs = s->wall_start && now > s->wall_start ?
			    (double)(now - s->wall_start) / 1e6 : 0;
	struct worker_totals	 t;
	struct sensor_totals	 h;
	uint64_t	 cpu;
	json_t		*j;

	j = json_pack("{s:I}", "uptime", JI(s->start_wall && now >
	    s->start_wall ? (now - s->start_wall) / 1000000 : 0));
	stats_worker_totals(s, &t);
	json_object_set_new(j, "decode", decode_json(&t.d));
	json_object_set_new(json_object_get(j, "decode"), "checksum",
	    checksum_json(s, &t));
	if (t.have_flows) {
		json_object_set_new(j, "flow", flow_json(&t));
		json_object_set_new(j, "app", app_json(&t));
		json_object_set_new(j, "http", http_json(&t));
	}
	if (t.have_defrag) {
		json_t	*df = json_object();
		int	 i;

		for (i = 0; i < DFC_NCOUNTERS; i++)
			json_object_set_new(df, defrag_counter_name(i),
			    json_integer(JI(t.df[i])));
		json_object_set_new(j, "defrag", df);
	}
	if (t.have_stream) {
		json_t	*sj = json_object();
		int	 i;

		for (i = 0; i < STC_NCOUNTERS; i++)
			json_object_set_new(sj, stream_counter_name(i),
			    json_integer(JI(t.st[i])));
		for (i = 0; i < PMC_NCOUNTERS; i++)
			json_object_set_new(sj, pmatch_counter_name(i),
			    json_integer(JI(t.pm[i])));
		json_object_set_new(j, "stream", sj);
	}
	if (s->hosts != NULL) {
		const struct hosts_stats *hs = hosts_stats(s->hosts);

		json_object_set_new(j, "inventory", json_pack(
		    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "hosts", JI(hs->hosts),
		    "max_hosts", JI(hs->cap), "added", JI(hs->added),
		    "evicted", JI(hs->evicted), "ports_dropped",
		    JI(hs->ports_dropped), "arp_changes", JI(hs->arp_changes),
		    "dhcp", JI(hs->dhcp)));
	}
	json_object_set_new(j, "interfaces", stats_interfaces(s));
	if (s->rules != NULL)
		json_object_set_new(j, "rules", rules_json(s));
	json_object_set_new(j, "outputs", outputs_json(s));
	json_object_set_new(j, "reload", json_pack("{s:I,s:I,s:o,s:b,s:o}",
	    "count", JI(s->reloads), "failures", JI(s->reload_failures),
	    "last", s->last_reload ? json_integer(JI(s->last_reload /
	    1000000)) : json_null(), "ok", s->reload_ok,
	    "error", s->reload_error[0] ? json_string(s->reload_error) :
	    json_null()));
	sensor_totals(s, &h);
	json_object_set_new(j, "workers", json_pack("{s:I,s:I,s:I,s:I,s:o}",
	    "count", JI(sensor_nworkers(s)),
	    "queue_lost_packets", JI(h.lost_packets),
	    "queue_lost_alerts", JI(h.lost_alerts),
	    "queue_lost_events", JI(h.lost_events),
	    "per_worker", per_worker_json(s)));
	/* cpu_us: the packet path's CPU time, as elapsed_us is its wall
	 * time (a benchmark need not take the start-up's away). */
	cpu = stats_cpu_usec();
	json_object_set_new(j, "run", json_pack("{s:I,s:I,s:I,s:I}",
	    "elapsed_us", JI(secs * 1e6),
	    "cpu_us", JI(cpu > s->cpu_start ? cpu - s->cpu_start : 0),
	    "packets_per_second", JI(secs > 0 ? t.d.packets / secs : 0),
	    "peak_rss_kb", JI(stats_peak_rss_kb())));
	return j;
}
