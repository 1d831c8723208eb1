/*
 * The compliance history's view of a period [since, now] for the
 * report: runs and the gaps between them, interface outages, traffic
 * and capture drops, alerts by day, category and control, rule-set
 * changes, and each output's delivery state. Reads the store
 * (history.c), changes nothing.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "history.h"
#include "rules.h"
#include "safefile.h"
#include "history-internal.h"

static json_t *
iso(json_int_t t)
{
	char		 buf[32];
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (t <= 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_int_t
overlap(json_int_t a, json_int_t b, json_int_t since, json_int_t until)
{
	if (a < since)
		a = since;
	if (b > until)
		b = until;
	return b > a ? b - a : 0;
}

/* When a run ended (or now, for the one running). */
static json_int_t
run_end(const struct state *st, json_t *r, json_int_t now)
{
	json_t	*e = json_object_get(r, "end");

	if (json_is_integer(e))
		return json_integer_value(e);
	if (r == st->run)
		return now;
	return json_integer_value(json_object_get(r, "seen"));
}

static void
gap(json_t *gaps, json_int_t from, json_int_t to, json_int_t since,
    json_int_t now, const char *why)
{
	if (overlap(from, to, since, now) == 0)
		return;
	if (from < since)
		from = since;
	if (to > now)
		to = now;
	json_array_append_new(gaps, json_pack("{s:o,s:o,s:I,s:s}", "from",
	    iso(from), "to", iso(to), "seconds", to - from, "reason", why));
}

/* Runs, uptime and gaps within the period. */
static void
ev_runs(const struct state *st, json_t *ev, json_int_t since, json_int_t now)
{
	json_t		*runs = json_array(), *gaps = json_array(), *r;
	json_t		*all = json_object_get(st->doc, "runs");
	json_int_t	 up = 0, prev_end = -1, first = -1;
	size_t		 i;
	int		 unclean = 0, prev_clean = 1;

	json_array_foreach(all, i, r) {
		json_int_t	s = json_integer_value(json_object_get(r,
				    "start"));
		json_int_t	e = run_end(st, r, now);
		int		clean = json_is_true(json_object_get(r,
				    "clean"));
		int		running = r == st->run;
		json_t		*nx = json_array_get(all, i + 1);

		/*
		 * Times past now (a clock that was ahead, or the service
		 * user's hand) prove nothing: a run that has not begun is
		 * left out, and one whose end is to come is not known to have
		 * run past its start (an unclean end, its gap shown). A run
		 * ends by the start of the next at the latest (one daemon a
		 * state directory), so that no time counts twice.
		 */
		if (!running && s > now)
			continue;
		if (!running && e > now) {
			e = s;
			clean = 0;
		}
		if (!running && nx != NULL && state_rec_time(nx) <= now &&
		    e > state_rec_time(nx))
			e = state_rec_time(nx);
		if (first < 0)
			first = s;
		if (prev_end >= 0)
			gap(gaps, prev_end, s, since, now, prev_clean ?
			    "stopped" : "unclean-end");
		prev_end = e;
		prev_clean = clean;
		if (!running && (e < since || (e == since && s < since)))
			continue;
		up += overlap(s, e, since, now);
		if (!clean && !running && e >= since)
			unclean++;
		json_array_append_new(runs, json_pack("{s:o,s:o,s:b,s:b,s:s?}",
		    "start", iso(s), "end", iso(e), "clean", clean,
		    "running", running, "digest", json_string_value(
		    json_object_get(r, "digest"))));
	}
	/* Before the first record nothing is known: say so as a gap. */
	if (first > since)
		gap(gaps, since, first, since, now, "no-record");
	if (prev_end >= 0 && prev_end < now && (json_array_size(all) == 0 ||
	    json_array_get(all, json_array_size(all) - 1) != st->run))
		gap(gaps, prev_end, now, since, now, prev_clean ? "stopped" :
		    "unclean-end");
	json_object_set_new(ev, "runs", runs);
	json_object_set_new(ev, "gaps", gaps);
	json_object_set_new(ev, "uptime_in_period", json_integer(up));
	json_object_set_new(ev, "unclean_ends", json_integer(unclean));
	json_object_set_new(ev, "history_from", iso(first));
	json_object_set_new(ev, "coverage_percent", json_real(now > since ?
	    100.0 * (double)up / (double)(now - since) : 0.0));
}

/* Periods an interface was not up, from its state changes. */
static json_t *
iface_down(const struct state *st, const char *name, json_int_t since,
    json_int_t now)
{
	json_t		*ev = json_object_get(st->doc, "iface_events");
	json_t		*runs = json_object_get(st->doc, "runs");
	json_t		*out = json_array(), *r, *n, *u;
	size_t		 i, j;

	json_array_foreach(ev, i, r) {
		json_int_t	t = json_integer_value(json_object_get(r,
				    "time"));
		json_int_t	end = -1;
		const char	*s = json_string_value(json_object_get(r,
				    "state"));

		if (strcmp(json_string_value(json_object_get(r, "iface")),
		    name) != 0 || strcmp(s, "up") == 0)
			continue;
		for (j = i + 1; j < json_array_size(ev); j++) {
			n = json_array_get(ev, j);
			if (strcmp(json_string_value(json_object_get(n,
			    "iface")), name) == 0) {
				end = json_integer_value(json_object_get(n,
				    "time"));
				break;
			}
		}
		/* Not after the end of the run it was seen in. */
		json_array_foreach(runs, j, u) {
			json_int_t rs = json_integer_value(json_object_get(u,
			    "start"));
			json_int_t re = run_end(st, u, now);

			if (rs <= t && t <= re && (end < 0 || end > re))
				end = re;
		}
		if (end < 0)
			end = now;
		if (overlap(t, end, since, now) == 0 && !(t == end &&
		    t >= since))
			continue;
		json_array_append_new(out, json_pack("{s:o,s:o,s:I,s:s}",
		    "from", iso(t < since ? since : t), "to", iso(end),
		    "seconds", overlap(t, end, since, now), "state", s));
	}
	return out;
}

/* The totals of one interface in ifs, made on first use. */
static json_t *
iface_entry(json_t *ifs, const char *name)
{
	json_t	*o;
	size_t	 j;

	json_array_foreach(ifs, j, o)
		if (strcmp(js_get(o, "name"), name) == 0)
			return o;
	o = json_pack("{s:s,s:i,s:i,s:i}", "name", name, "packets", 0,
	    "received", 0, "drops", 0);
	json_array_append_new(ifs, o);
	return o;
}

/* The drop rate in percent (in doubles: the sum may pass INT64_MAX). */
static double
drop_pct(json_int_t recv, json_int_t drops)
{
	double	all = (double)recv + (double)drops;

	return all > 0 ? 100.0 * (double)drops / all : 0.0;
}

/* Packets, drops and the drop rate per interface, and over time. */
static void
ev_traffic(const struct state *st, json_t *ev, json_int_t since,
    json_int_t now, json_int_t *from)
{
	json_t		*tr = json_object_get(st->doc, "traffic");
	json_t		*ifs = json_array(), *series = json_array(), *r, *o;
	size_t		 i;

	json_array_foreach(tr, i, r) {
		json_int_t	t = json_integer_value(json_object_get(r, "t"));
		json_int_t	span = json_integer_value(json_object_get(r,
				    "span"));
		json_int_t	recv = json_integer_value(json_object_get(r,
				    "received"));
		json_int_t	drops = json_integer_value(json_object_get(r,
				    "drops"));
		const char	*name = json_string_value(json_object_get(r,
				    "iface"));

		if (t + span <= since || t > now)
			continue;
		if (*from < 0 || t < *from)
			*from = t;
		json_array_append_new(series, json_pack("{s:o,s:I,s:s,s:I,s:I,"
		    "s:I,s:f}", "t", iso(t), "span", span, "iface", name,
		    "packets", json_integer_value(json_object_get(r,
		    "packets")), "received", recv, "drops", drops,
		    "drop_rate", drop_pct(recv, drops)));
		o = iface_entry(ifs, name);
		state_add_int(o, "packets", (uint64_t)json_integer_value(
		    json_object_get(r, "packets")));
		state_add_int(o, "received", (uint64_t)recv);
		state_add_int(o, "drops", (uint64_t)drops);
	}
	/* Interfaces seen only in state changes still get their periods. */
	json_array_foreach(json_object_get(st->doc, "iface_events"), i, r)
		(void)iface_entry(ifs, js_get(r, "iface"));
	json_array_foreach(ifs, i, o) {
		json_int_t recv = json_integer_value(json_object_get(o,
		    "received"));
		json_int_t drops = json_integer_value(json_object_get(o,
		    "drops"));

		json_object_set_new(o, "drop_rate", json_real(drop_pct(recv,
		    drops)));
		json_object_set_new(o, "down", iface_down(st, js_get(o, "name"),
		    since, now));
	}
	json_object_set_new(ev, "interface_history", ifs);
	json_object_set_new(ev, "drops_over_time", series);
}

/* "2025-01-02" of t in the sensor's time zone. */
static void
local_day(const struct state *st, json_int_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)(t + st->utc_offset);
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Alerts in the period: by control, by category, per day. */
static void
ev_alerts(const struct state *st, json_t *ev, json_int_t since,
    json_int_t now, json_int_t *from)
{
	json_t		*al = json_object_get(st->doc, "alerts");
	json_t		*ctl = json_object(), *cat = json_object();
	json_t		*days = json_array(), *last = json_object();
	json_t		*r, *d = NULL, *v;
	const char	*k;
	json_int_t	 total = 0;
	char		 day[16];
	size_t		 i;

	json_array_foreach(al, i, r) {
		json_int_t	t = json_integer_value(json_object_get(r, "t"));
		json_int_t	span = json_integer_value(json_object_get(r,
				    "span"));

		if (t + span <= since || t > now)
			continue;
		if (*from < 0 || t < *from)
			*from = t;
		state_merge_counts(ctl, json_object_get(r, "controls"));
		state_merge_counts(cat, json_object_get(r, "categories"));
		total = state_count_add(total, (uint64_t)json_integer_value(
		    json_object_get(r, "total")));
		local_day(st, t, day, sizeof(day));
		if (d == NULL || strcmp(js_get(d, "day"), day) != 0) {
			d = json_pack("{s:s,s:i,s:{}}", "day", day, "total", 0,
			    "categories");
			json_array_append_new(days, d);
		}
		state_add_int(d, "total", (uint64_t)json_integer_value(
		    json_object_get(r, "total")));
		state_merge_counts(json_object_get(d, "categories"),
		    json_object_get(r, "categories"));
	}
	json_object_foreach(json_object_get(st->doc, "last_alert"), k, v)
		if (json_integer_value(v) >= since &&
		    json_integer_value(v) <= now)	/* none from later */
			json_object_set_new(last, k, iso(json_integer_value(v)));
	json_object_set_new(ev, "alerts_total", json_integer(total));
	json_object_set_new(ev, "alerts_by_control", ctl);
	json_object_set_new(ev, "alerts_by_category", cat);
	json_object_set_new(ev, "alerts_per_day", days);
	json_object_set_new(ev, "last_alert", last);
}

/*
 * Rule-set history: each start and reload with its digest, and whether
 * the digest differs from the one before (a change of the rule set).
 */
static void
ev_ruleset(const struct state *st, json_t *ev, json_int_t since,
    json_int_t now)
{
	json_t		*runs = json_object_get(st->doc, "runs");
	json_t		*rl = json_object_get(st->doc, "reloads");
	json_t		*hist = json_array();
	const char	*prev = NULL;
	size_t		 i = 0, j = 0;
	int		 changes = 0, nrel = 0, fails = 0;

	/* Both lists are in time order: merge them. */
	while (i < json_array_size(runs) || j < json_array_size(rl)) {
		json_t		*a = json_array_get(runs, i);
		json_t		*b = json_array_get(rl, j);
		int		 isrun = b == NULL || (a != NULL &&
				    state_rec_time(a) <= state_rec_time(b));
		json_t		*x = isrun ? a : b;
		json_int_t	 t = state_rec_time(x);
		const char	*dg = json_string_value(json_object_get(x,
				    "digest"));
		int		 ok = isrun || json_is_true(json_object_get(x,
				    "ok"));
		int		 changed = ok && dg != NULL && prev != NULL &&
				    strcmp(dg, prev) != 0;

		if (isrun)
			i++;
		else
			j++;
		if (t >= since && t <= now) {
			json_array_append_new(hist, json_pack("{s:o,s:s,s:b,"
			    "s:s?,s:b,s:s?}", "time", iso(t), "event",
			    isrun ? "start" : "reload", "ok", ok, "digest", dg,
			    "changed", changed, "error", json_string_value(
			    json_object_get(x, "error"))));
			changes += changed;
			nrel += !isrun;
			fails += !ok;
		}
		if (ok && dg != NULL)
			prev = dg;
	}
	json_object_set_new(ev, "ruleset_history", hist);
	json_object_set_new(ev, "ruleset_changes", json_integer(changes));
	json_object_set_new(ev, "reloads_in_period", json_integer(nrel));
	json_object_set_new(ev, "reload_failures_in_period",
	    json_integer(fails));
}

static json_t *
ev_outputs(const struct state *st)
{
	json_t	*out = json_array(), *r;
	size_t	 i;

	json_array_foreach(json_object_get(st->doc, "outputs"), i, r)
		json_array_append_new(out, json_pack("{s:s,s:o,s:O,s:O,s:O,"
		    "s:O,s:o}", "name", js_get(r, "name"), "last_delivered",
		    iso(json_integer_value(json_object_get(r,
		    "last_delivered"))), "dropped", json_object_get(r,
		    "dropped"), "spool_pending", json_object_get(r,
		    "spool_pending") ? json_object_get(r, "spool_pending") :
		    json_null(), "spool_bytes", json_object_get(r,
		    "spool_bytes") ? json_object_get(r, "spool_bytes") :
		    json_null(), "state", json_object_get(r, "state") ?
		    json_object_get(r, "state") : json_null(), "updated",
		    iso(json_integer_value(json_object_get(r, "updated")))));
	return out;
}

/* What the state holds for the period [since, now], as report JSON. */
/*
 * The self-tests: the last result per rule (compliance.c's "selftest")
 * and the runs of the period.
 */
static void
ev_selftests(const struct state *st, json_t *ev, time_t since, time_t now)
{
	json_t	*a = json_array(), *r, *last = json_object_get(st->doc,
		    "selftest_last");
	size_t	 i;

	json_array_foreach(json_object_get(st->doc, "selftests"), i, r)
		if (state_rec_time(r) >= since && state_rec_time(r) <= now)
			json_array_append(a, r);
	json_object_set_new(ev, "selftest_runs", a);
	if (json_is_object(last))
		json_object_set(ev, "selftest", last);
}

json_t *
state_evidence(const struct state *st, time_t since, time_t now)
{
	int		 all = since <= 0;
	json_t		*ev = json_object();
	json_int_t	 from = -1;

	json_t		*r0 = json_array_get(json_object_get(st->doc, "runs"),
			    0);

	/* No --since: all of the history there is. */
	if (since <= 0)
		since = r0 != NULL ? state_rec_time(r0) : now;
	/* Not after now, nor from a first run dated later (see ev_runs). */
	if (since > now)
		since = now;
	ev_runs(st, ev, since, now);
	ev_traffic(st, ev, since, now, &from);
	ev_alerts(st, ev, since, now, &from);
	ev_ruleset(st, ev, since, now);
	json_object_set_new(ev, "delivery", ev_outputs(st));
	ev_selftests(st, ev, since, now);
	json_object_set_new(ev, "period", json_pack("{s:o,s:o,s:o,s:s}",
	    "since", all ? json_null() : iso(since), "until", iso(now),
	    "counts_from", iso(from >= 0 && from < since ? from : since),
	    "state_file", st->path));
	return ev;
}
