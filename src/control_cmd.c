/*
 * The status socket's commands (include/ctl-protocol.h): version,
 * status, stats, alerts, follow, rules, exceptions, reload, shutdown
 * and compliance, and the dispatch of a request line to them. The list
 * command is in control_list.c, the socket itself in control.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <jansson.h>

#include "alert.h"
#include "compliance.h"
#include "conf.h"
#include "ctl-protocol.h"
#include "eventlog.h"
#include "history.h"
#include "hosts.h"
#include "log.h"
#include "output.h"
#include "rules.h"
#include "selftest.h"
#include "sensor.h"
#include "stats.h"
#include "util.h"
#include "control-internal.h"

static uint64_t
wall_now(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

/* The reloads so far, for status and compliance. */
static json_t *
reload_json(const struct sensor *s)
{
	return json_pack("{s:I,s:I,s:o,s:b,s:s?}",
	    "count", (json_int_t)s->reloads,
	    "failures", (json_int_t)s->reload_failures,
	    "last", s->last_reload ? json_integer((json_int_t)(
	    s->last_reload / 1000000)) : json_null(),
	    "ok", s->reload_ok,
	    "error", s->reload_error[0] ? s->reload_error : NULL);
}

/* The status socket as an output. */
static json_t *
status_json(const struct control *ctl)
{
	return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}",
	    "name", "status", "path", ctl->path,
	    "clients", (json_int_t)ctl->nclients,
	    "followers", (json_int_t)ctl->nfollow,
	    "cut_off", (json_int_t)ctl->cut_off,
	    "denied", (json_int_t)ctl->denied);
}

void
control_stats(struct sensor *s, json_t *snap)
{
	struct control	*ctl = s->control;
	json_t		*o = json_object_get(snap, "outputs");

	if (ctl == NULL)
		return;
	if (o != NULL)
		json_object_set_new(o, "status", status_json(ctl));
	json_object_set_new(snap, "control", json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "accepted", (json_int_t)ctl->accepted,
	    "denied", (json_int_t)ctl->denied,
	    "evicted_idle", (json_int_t)ctl->evicted,
	    "refused_full", (json_int_t)ctl->refused_full,
	    "refused_per_uid", (json_int_t)ctl->refused_uid,
	    "refused_busy", (json_int_t)ctl->refused_busy,
	    "throttled", (json_int_t)ctl->throttled,
	    "follow_idle_closed", (json_int_t)ctl->follow_idle_closed,
	    "queued_bytes", (json_int_t)ctl->queued,
	    "follow_cut_off", (json_int_t)ctl->cut_off,
	    "requests", (json_int_t)ctl->requests,
	    "bad_requests", (json_int_t)ctl->bad_requests,
	    "ring_alerts", (json_int_t)ctl->rcount));
}

/*
 * The outputs for status: one object each, with its name; the status
 * socket's own last (stats has them as outputs.NAME, stats.c).
 */
static json_t *
outputs_status(struct control *ctl)
{
	struct sensor	*s = ctl->s;
	json_t		*a = json_array(), *o;
	int		 i;

	if (s->alerts != NULL)
		json_array_append_new(a, json_pack("{s:s,s:s?,s:I,s:I}",
		    "name", "json", "path", s->conf->alerts_path,
		    "written", (json_int_t)alert_out_count(s->alerts),
		    "errors", (json_int_t)alert_out_errors(s->alerts)));
	if (s->events != NULL)
		json_array_append_new(a, json_pack("{s:s,s:s?,s:I,s:I}",
		    "name", "events", "path", s->events_path,
		    "written", (json_int_t)eventlog_count(s->events),
		    "errors", (json_int_t)eventlog_errors(s->events)));
	if (outputs_syslog(s->outputs) != NULL) {
		o = stats_syslog(outputs_syslog(s->outputs));
		json_object_set_new(o, "name", json_string("syslog"));
		json_object_set(o, "path", json_object_get(o, "socket"));
		json_array_append_new(a, o);
	}
	for (i = 0; i < outputs_nremote(s->outputs); i++) {
		o = stats_remote(outputs_remote(s->outputs, i));
		json_object_set_new(o, "name", json_string("remote"));
		json_array_append_new(a, o);
	}
	json_array_append_new(a, status_json(ctl));
	return a;
}

static json_t *
cmd_version(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	(void)ctl;
	(void)cl;
	(void)req;
	return json_pack("{s:b,s:s,s:s,s:i}", "ok", 1, "daemon", "canhgacd",
	    "version", CANHGAC_VERSION, "protocol", CTL_PROTOCOL_VERSION);
}

static json_t *
cmd_status(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	struct sensor		*s = ctl->s;
	struct worker_totals	 t;
	const struct flow_stats	*fs = &t.f;
	struct rule_stats	 rs;
	uint64_t		 now = wall_now();
	json_t			*j, *al;

	(void)cl;
	(void)req;
	stats_worker_totals(s, &t);
	rules_stats(s->rules, &rs);
	j = json_pack("{s:b,s:s,s:s,s:i,s:I,s:I,s:i}",
	    "ok", 1, "sensor", s->conf->sensor_name ? s->conf->sensor_name : "",
	    "version", CANHGAC_VERSION, "pid", (int)getpid(),
	    "started", (json_int_t)(s->start_wall / 1000000),
	    "uptime", (json_int_t)(s->start_wall ?
	    (now - s->start_wall) / 1000000 : 0),
	    "security_level", s->conf->security_level);
	json_object_set_new(j, "interfaces", stats_interfaces(ctl->s));
	json_object_set_new(j, "packets", json_integer(
	    (json_int_t)t.d.packets));
	json_object_set_new(j, "bytes", json_integer(
	    (json_int_t)t.d.bytes));
	json_object_set_new(j, "flows", json_pack("{s:I,s:I,s:I}",
	    "active", (json_int_t)fs->active,
	    "created", (json_int_t)fs->created,
	    "evicted", (json_int_t)fs->evicted));
	al = json_pack("{s:I}", "total", (json_int_t)rs.alerts);
	for (int i = SEV_CRITICAL; i <= SEV_INFO; i++)
		json_object_set_new(al, rules_severity_name(i), json_integer(
		    (json_int_t)rs.by_severity[i]));
	json_object_set_new(al, "excepted", json_integer(
	    (json_int_t)rs.excepted));
	json_object_set_new(j, "alerts", al);
	if (s->rules != NULL)
		json_object_set_new(j, "rules", json_pack("{s:I,s:I,s:I}",
		    "active", (json_int_t)rules_count(s->rules, 1),
		    "inactive", (json_int_t)rules_count(s->rules, 0),
		    "exceptions", (json_int_t)rules_exception_count(s->rules)));
	json_object_set_new(j, "outputs", outputs_status(ctl));
	json_object_set_new(j, "reload", reload_json(s));
	/* The last self-test's totals (the rules: canhgacctl selftest). */
	if (selftest_last(s) != NULL) {
		json_t *st = (json_t *)selftest_last(s);

		json_object_set_new(j, "selftest", json_pack("{s:O,s:O,s:O,"
		    "s:O,s:O}", "digest", json_object_get(st, "digest"),
		    "time", json_object_get(st, "time"), "pass",
		    json_object_get(st, "pass"), "fail", json_object_get(st,
		    "fail"), "untested", json_object_get(st, "untested")));
	}
	return j;
}

/* The one statistics snapshot (stats.c, and control_stats). */
static json_t *
cmd_stats(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	json_t	*j = reply_ok(), *snap = ctl->ops.stats(ctl->s);

	(void)cl;
	(void)req;
	json_object_update(j, snap);
	json_decref(snap);
	return j;
}

/* Parse the alert filters of req into f; NULL or an error reply. */
static json_t *
parse_filter(json_t *req, struct ctl_filter *f)
{
	json_t	*v;
	int	 i;

	memset(f, 0, sizeof(*f));
	f->category = -1;
	if ((v = json_object_get(req, "severity")) != NULL) {
		if (json_is_integer(v) && json_integer_value(v) >= 1 &&
		    json_integer_value(v) <= 5)
			f->max_sev = (int)json_integer_value(v);
		else if (json_is_string(v)) {
			for (i = SEV_CRITICAL; i <= SEV_INFO; i++)
				if (strcmp(json_string_value(v),
				    rules_severity_name(i)) == 0)
					f->max_sev = i;
		}
		if (f->max_sev == 0)
			return reply_err("severity: expected critical, high, "
			    "medium, low or info");
	}
	if ((v = json_object_get(req, "category")) != NULL) {
		for (i = 0; json_is_string(v) && i < CAT_MAX; i++)
			if (strcmp(json_string_value(v),
			    rules_category_name(i)) == 0)
				f->category = i;
		if (f->category < 0)
			return reply_err("category: unknown; expected one of "
			    "scan, bruteforce, policy-violation, plaintext, "
			    "weak-crypto, data-leak, exfiltration, ioc, dns, "
			    "anomaly, rogue-host, baseline, c2, sensor");
	}
	if ((v = json_object_get(req, "sid")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    json_integer_value(v) > UINT32_MAX)
			return reply_err("sid: expected a positive integer");
		f->sid = (uint32_t)json_integer_value(v);
	}
	if ((v = json_object_get(req, "since")) != NULL) {
		/* Its microseconds must fit 64 bits: a conversion past them
		 * is undefined (on x86 it read as 0: every alert). */
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) >= (double)(UINT64_MAX / 1000000))
			return reply_err("since: expected unix seconds");
		f->since = (uint64_t)(json_number_value(v) * 1e6);
	}
	return NULL;
}

int
filter_match(const struct ctl_filter *f, const struct ring_ent *e)
{
	if (f->max_sev && e->sev > f->max_sev)
		return 0;
	if (f->category >= 0 && e->cat != f->category)
		return 0;
	if (f->sid && e->sid != f->sid)
		return 0;
	if (f->since && e->ts < f->since)
		return 0;
	return 1;
}

/* The newest `limit` matching alerts of the ring, oldest first. */
static void
send_alerts(struct control *ctl, struct ctl_client *cl,
    const struct ctl_filter *f, size_t limit)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	size_t		 i, n = 0, first = ctl->rcount, bytes = 128;

	/* Walk back from the newest to find where the answer starts. */
	for (i = ctl->rcount; i > 0 && n < limit; i--)
		if (filter_match(f, RING_AT(ctl, i - 1))) {
			n++;
			first = i - 1;
			bytes += RING_AT(ctl, i - 1)->len + 1;
		}
	if (bytes > reply_room(ctl)) {
		send_too_big(cl, reply_room(ctl));
		return;
	}
	evbuffer_add_printf(out, "{\"ok\":true,\"count\":%zu,\"ring\":%zu,"
	    "\"ring_capacity\":%d,\"alerts\":[", n, ctl->rcount, CTL_RING_MAX);
	for (i = first, n = 0; i < ctl->rcount; i++) {
		const struct ring_ent *e = RING_AT(ctl, i);

		if (!filter_match(f, e))
			continue;
		if (n++ > 0)
			evbuffer_add(out, ",", 1);
		evbuffer_add(out, RING_LINE(ctl, e), e->len);
	}
	evbuffer_add(out, "]}\n", 3);
}

const char *
req_str(json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

size_t
req_limit(json_t *req, size_t def, size_t max)
{
	json_t	*v = json_object_get(req, "limit");

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (size_t)json_integer_value(v) < max ?
		    (size_t)json_integer_value(v) : max;
	return def;
}

static json_t *
cmd_alerts(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	struct ctl_filter	 f;
	json_t			*e;

	if ((e = parse_filter(req, &f)) != NULL)
		return e;
	send_alerts(ctl, cl, &f, req_limit(req, 100, CTL_RING_MAX));
	return NULL;
}

static json_t *
cmd_follow(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	json_t	*e;

	if ((e = parse_filter(req, &cl->flt)) != NULL)
		return e;
	if (!cl->follow)
		ctl->nfollow++;
	cl->follow = 1;
	cl->last_sent = time(NULL);
	/* A follower need not speak again: no idle timeout. */
	{
		struct timeval wtv = { CTL_WRITE_SEC, 0 };

		bufferevent_set_timeouts(cl->bev, NULL, &wtv);
	}
	return json_pack("{s:b,s:b}", "ok", 1, "follow", 1);
}

/*
 * The rules a page at a time (`offset` is a position in the whole set,
 * `next` where the following page starts): one answer for 100,000 rules
 * held the loop for a second and took 135 MB. `generation` changes with
 * every reload that took, so a client paging through sees whether the set changed.
 */
static json_t *
cmd_rules(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	const struct ruleset	*rs = ctl->s->rules;
	json_t			*a, *rep, *v = json_object_get(req, "active");
	size_t			 i, limit, n = 0;

	(void)cl;
	if (rs == NULL)
		return reply_err("no rules loaded");
	i = 0;
	if ((v = json_object_get(req, "offset")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return reply_err("offset: expected a number >= 0");
		i = (size_t)json_integer_value(v);
	}
	v = json_object_get(req, "active");
	limit = req_limit(req, CTL_RULES_PAGE, CTL_SHOW_MAX);
	a = json_array();
	for (; i < rules_size(rs) && n < limit; i++) {
		struct rule_info r;

		rules_info(rs, i, &r);
		if (json_is_boolean(v) && (int)json_is_true(v) != !!r.active)
			continue;
		json_array_append_new(a, json_pack(
		    "{s:I,s:s,s:s,s:s,s:i,s:b,s:s?,s:I,s:I,s:o,s:s,s:i}",
		    "sid", (json_int_t)r.sid, "name", r.name,
		    "category", rules_category_name(r.category),
		    "severity", rules_severity_name(r.severity),
		    "level", r.level, "active", r.active,
		    "inactive_reason", r.inactive_reason,
		    "hits", (json_int_t)r.hits,
		    "matches", (json_int_t)r.matches,
		    "last_hit", stats_time(ctl->s, r.last_hit),
		    "file", r.file ? r.file : "", "line", r.line));
		n++;
	}
	rep = json_pack("{s:b,s:i,s:I,s:I,s:o}", "ok", 1, "security_level",
	    ctl->s->conf->security_level, "total", (json_int_t)rules_size(rs),
	    "generation", (json_int_t)ctl->s->reloads, "rules", a);
	if (i < rules_size(rs))
		json_object_set_new(rep, "next", json_integer((json_int_t)i));
	return rep;
}

/* One learned baseline: its key fields, learning period and hours. */
static json_t *
baseline_json(struct control *ctl, const struct rules_baseline *b,
    uint64_t now)
{
	static const char *const measure[] = { "bytes", "connections",
	    "requests" };
	const struct thr_key	*k = &b->key;
	json_t			*j, *h;
	char			 a[64];
	int			 i, active = 0;
	uint64_t		 peak = 0;

	j = json_pack("{s:I,s:s,s:s}", "sid", (json_int_t)b->sid, "rule",
	    b->name ? b->name : "", "measure", measure[b->measure < 3 ?
	    b->measure : 0]);
	if ((b->by & BY_SRC_IP) && util_addr_str(k->ipver, k->a, a,
	    sizeof(a)) == 0)
		json_object_set_new(j, "src_ip", json_string(a));
	if ((b->by & BY_DST_IP) && util_addr_str(k->ipver, k->b, a,
	    sizeof(a)) == 0)
		json_object_set_new(j, "dest_ip", json_string(a));
	if (b->by & BY_SRC_PORT)
		json_object_set_new(j, "src_port", json_integer(k->sport));
	if (b->by & BY_DST_PORT)
		json_object_set_new(j, "dest_port", json_integer(k->dport));
	if (b->by & BY_PROTO)
		json_object_set_new(j, "proto", json_integer(k->proto));
	h = json_array();
	for (i = 0; i < BL_HOURS; i++) {
		json_array_append_new(h, json_integer((json_int_t)
		    (b->bl.hour[i] > INT64_MAX ? INT64_MAX : b->bl.hour[i])));
		active += b->bl.hour[i] != 0;
		if (b->bl.hour[i] > peak)
			peak = b->bl.hour[i];
	}
	json_object_set_new(j, "first_seen", stats_time(ctl->s,
	    b->bl.first));
	json_object_set_new(j, "learned_until", stats_time(ctl->s,
	    b->bl.learned_until));
	json_object_set_new(j, "learning", json_boolean(
	    b->bl.learned_until > now));
	json_object_set_new(j, "active_hours", json_integer(active));
	json_object_set_new(j, "peak", json_integer((json_int_t)(peak >
	    INT64_MAX ? INT64_MAX : peak)));
	json_object_set_new(j, "hours", h);
	return j;
}

/* What the baseline rules learned, key by key (--sid, --limit, --offset). */
static json_t *
cmd_baselines(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	const struct ruleset	*rs = ctl->s->rules;
	struct rules_baseline	 b;
	json_t			*a, *v;
	size_t			 i, n = 0, total = 0, off = 0;
	size_t			 lim = req_limit(req, 1000, 10000);
	uint32_t		 sid = 0;
	uint64_t		 now;
	int			 rc;

	(void)cl;
	if (rs == NULL)
		return reply_err("no rules loaded");
	/* Packet time; before the first packet, the clock's. */
	if ((now = rules_now(rs)) == 0)
		now = wall_now();
	if ((v = json_object_get(req, "sid")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    json_integer_value(v) > UINT32_MAX)
			return reply_err("sid: expected a positive integer");
		sid = (uint32_t)json_integer_value(v);
	}
	if (json_is_integer(v = json_object_get(req, "offset")) &&
	    json_integer_value(v) > 0)
		off = (size_t)json_integer_value(v);
	a = json_array();
	for (i = 0; (rc = rules_baseline_at(rs, i, &b)) >= 0; i++) {
		if (rc != 0 || (sid != 0 && b.sid != sid))
			continue;
		if (total++ < off || n >= lim)
			continue;
		json_array_append_new(a, baseline_json(ctl, &b, now));
		n++;
	}
	return json_pack("{s:b,s:I,s:o}", "ok", 1, "total", (json_int_t)total,
	    "baselines", a);
}

static json_t *
cmd_exceptions(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	const struct ruleset	*rs = ctl->s->rules;
	uint64_t		 now = wall_now();
	json_t			*a, *sids;
	size_t			 i, k;

	(void)cl;
	(void)req;
	if (rs == NULL)
		return reply_err("no rules loaded");
	a = json_array();
	for (i = 0; i < rules_exception_count(rs); i++) {
		const struct exception *e = rules_exception_get(rs, i);
		uint64_t		hits, expired_hits;

		rules_exception_hits(rs, e, &hits, &expired_hits);
		sids = json_array();
		for (k = 0; k < e->nsids; k++)
			json_array_append_new(sids, json_integer(e->sids[k]));
		json_array_append_new(a, json_pack(
		    "{s:o,s:s?,s:s?,s:s?,s:b,s:I,s:I,s:s,s:i}",
		    "sids", sids, "owner", e->owner, "reason", e->reason,
		    "expires", e->expires_text,
		    "expired", e->expires != 0 && now > e->expires,
		    "hits", (json_int_t)hits,
		    "expired_hits", (json_int_t)expired_hits,
		    "file", e->file ? e->file : "", "line", e->line));
	}
	return json_pack("{s:b,s:o}", "ok", 1, "exceptions", a);
}

static void
client_reloaded(void *arg, int ok, const char *err)
{
	struct ctl_client	*cl = arg;

	client_answer(cl, ok ? json_pack("{s:b,s:s}", "ok", 1, "reloaded",
	    cl->ctl->s->conf->path) : reply_err("reload failed, keeping the "
	    "running configuration: %s", err));
}

/* Answered when the rule set, built by a thread, is swapped in. */
static json_t *
cmd_reload(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	(void)req;
	log_info("control: reload requested by uid %ld (pid %ld)",
	    (long)cl->uid, (long)cl->pid);
	cl->waiting = 1;
	ctl->ops.reload(ctl->s, client_reloaded, cl);
	return NULL;
}

static void
client_selftested(void *arg, const json_t *res, const char *err)
{
	struct ctl_client	*cl = arg;

	client_answer(cl, res != NULL ? json_pack("{s:b,s:O}", "ok", 1,
	    "selftest", res) : reply_err("self-test not run: %s", err));
}

/*
 * Run the self-test of the running rule set now (in a thread; answered
 * when it ends, with the result per rule). Admin: it costs a rule set
 * build per case.
 */
static json_t *
cmd_selftest(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	(void)req;
	if (ctl->ops.selftest == NULL)
		return reply_err("self-test: not available");
	log_info("control: self-test requested by uid %ld (pid %ld)",
	    (long)cl->uid, (long)cl->pid);
	cl->waiting = 1;
	ctl->ops.selftest(ctl->s, client_selftested, cl);
	return NULL;
}

static json_t *
cmd_shutdown(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	(void)req;
	log_info("control: shutdown requested by uid %ld (pid %ld)",
	    (long)cl->uid, (long)cl->pid);
	/* The loop ends after this; control_shutdown sends the answer. */
	send_json(cl, json_pack("{s:b,s:b}", "ok", 1, "stopping", 1));
	ctl->ops.stop(ctl->s, FLOW_END_SHUTDOWN);
	return NULL;
}

/*
 * The compliance report for a level (default: the configured one), with
 * the sensor evidence this process holds (uptime, interfaces, outputs,
 * reloads) and, from the state file, the history of the period since
 * `since` (unix seconds; default all of it): runs and gaps, interface
 * outages, packets and drops, alerts per control and day, reloads.
 */
static json_t *
cmd_compliance(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	struct sensor	*s = ctl->s;
	json_t		*ev, *rep, *lv = json_object_get(req, "level");
	json_t		*sv = json_object_get(req, "since");
	uint64_t	 now = wall_now();
	char		 err[256];
	struct worker_totals t;

	(void)cl;
	stats_worker_totals(s, &t);
	if (lv != NULL && (!json_is_integer(lv) || json_integer_value(lv) < 1 ||
	    json_integer_value(lv) > 5))
		return reply_err("level: an integer 1..5");
	if (sv != NULL && (!json_is_integer(sv) || json_integer_value(sv) < 0 ||
	    (uint64_t)json_integer_value(sv) > now / 1000000))
		return reply_err("since: unix seconds, not in the future");
	ev = json_pack("{s:I,s:I,s:I}", "started",
	    (json_int_t)(s->start_wall / 1000000), "uptime",
	    (json_int_t)(s->start_wall ? (now - s->start_wall) / 1000000 : 0),
	    "packets", (json_int_t)t.d.packets);
	json_object_set_new(ev, "interfaces", stats_interfaces(ctl->s));
	json_object_set_new(ev, "outputs", outputs_status(ctl));
	json_object_set_new(ev, "reload", reload_json(s));
	/* NET.ROGUE: hosts seen, and (the first 100 of) those not known. */
	json_object_set_new(ev, "inventory", hosts_json(s, 1, 100));
	if (s->state != NULL) {
		json_t *h;

		state_sample(s);
		h = state_evidence(s->state, sv ? (time_t)json_integer_value(
		    sv) : 0, (time_t)(now / 1000000));
		json_object_update(ev, h);
		json_decref(h);
		json_object_set_new(ev, "history", json_true());
	} else
		json_object_set_new(ev, "history", json_false());
	/* This process's last self-test, also without a history. */
	if (selftest_last(s) != NULL)
		json_object_set_new(ev, "selftest", json_deep_copy(
		    selftest_last(s)));
	rep = compliance_report(s->conf, s->rules, ev, lv ?
	    (int)json_integer_value(lv) : 0, err, sizeof(err));
	json_decref(ev);
	if (rep == NULL)
		return reply_err("compliance: %s", err);
	json_object_set_new(rep, "ok", json_true());
	return rep;
}

/*
 * The host inventory, the most recently seen first; "new": true only
 * hosts not in known_hosts; at most "limit" (default and cap
 * CTL_SHOW_MAX) hosts, "truncated" when there were more.
 */
static json_t *
cmd_hosts(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	json_t		*nv = json_object_get(req, "new");
	json_t		*lv = json_object_get(req, "limit"), *rep;
	json_int_t	 limit = CTL_SHOW_MAX;

	(void)cl;
	if (nv != NULL && !json_is_boolean(nv))
		return reply_err("new: true or false");
	if (lv != NULL) {
		if (!json_is_integer(lv) || json_integer_value(lv) < 1 ||
		    json_integer_value(lv) > CTL_SHOW_MAX)
			return reply_err("limit: an integer 1..%d",
			    CTL_SHOW_MAX);
		limit = json_integer_value(lv);
	}
	rep = hosts_json(ctl->s, json_is_true(nv), (size_t)limit);
	json_object_set_new(rep, "ok", json_true());
	return rep;
}

static const struct ctl_cmd {
	const char	*name;
	json_t		*(*fn)(struct control *, struct ctl_client *, json_t *);
	int		 admin;		/* changes something */
} ctl_cmds[] = {
	{ CTL_CMD_VERSION, cmd_version, 0 },
	{ CTL_CMD_STATUS, cmd_status, 0 },
	{ CTL_CMD_STATS, cmd_stats, 0 },
	{ CTL_CMD_ALERTS, cmd_alerts, 0 },
	{ CTL_CMD_FOLLOW, cmd_follow, 0 },
	{ CTL_CMD_RULES, cmd_rules, 0 },
	{ CTL_CMD_BASELINES, cmd_baselines, 0 },
	{ CTL_CMD_EXCEPTIONS, cmd_exceptions, 0 },
	{ CTL_CMD_LIST, cmd_list, 0 },		/* add/remove checked inside */
	{ CTL_CMD_RELOAD, cmd_reload, 1 },
	{ CTL_CMD_SHUTDOWN, cmd_shutdown, 1 },
	{ CTL_CMD_COMPLIANCE, cmd_compliance, 0 },
	{ CTL_CMD_HOSTS, cmd_hosts, 0 },
	{ CTL_CMD_SELFTEST, cmd_selftest, 1 },
};

/* One request line; returns -1 if the client must be closed. */
int
client_request(struct ctl_client *cl, const char *line, size_t len)
{
	struct control	*ctl = cl->ctl;
	json_error_t	 je;
	json_t		*req, *rep = NULL;
	const char	*cmd;
	size_t		 i;

	ctl->requests++;
	if (len == 0 || (len == 1 && line[0] == '\r'))
		return 0;
	if ((req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(req)) {
		ctl->bad_requests++;
		send_json(cl, reply_err("bad request: %s", req ?
		    "expected a JSON object" : je.text));
		json_decref(req);
		return -1;
	}
	if ((cmd = req_str(req, "cmd")) == NULL) {
		ctl->bad_requests++;
		send_json(cl, reply_err("bad request: no \"cmd\""));
		json_decref(req);
		return 0;
	}
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(cmd, ctl_cmds[i].name) == 0)
			break;
	if (i == sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))
		rep = reply_err("unknown command \"%.64s\"", cmd);
	else if (ctl_cmds[i].admin && !cl->admin) {
		ctl->denied++;
		ctl_refusal(ctl, "uid %ld (pid %ld): %s refused: not root or "
		    "in the admin group", (long)cl->uid, (long)cl->pid, cmd);
		rep = ctl->admin_name != NULL ? reply_err("permission denied: "
		    "%s needs root or group %s (outputs.status.admin_group)",
		    cmd, ctl->admin_name) : reply_err("permission denied: %s "
		    "needs root (outputs.status.admin_group is not set)", cmd);
	} else {
		cl->in_request = 1;
		rep = ctl_cmds[i].fn(ctl, cl, req);
		cl->in_request = 0;
	}
	if (rep != NULL)
		send_json(cl, rep);
	json_decref(req);
	return 0;
}
