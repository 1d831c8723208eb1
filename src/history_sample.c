/*
 * The compliance history, the daemon's side: a timer samples the
 * counters the other subsystems keep anyway (rule hits, pcap
 * statistics, output stats) and adds what changed since the last
 * sample to the store (history.c); start, reload and stop are recorded
 * and saved. Nothing here runs per packet.
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

#include "alert.h"
#include "capture.h"
#include "compliance.h"
#include "conf.h"
#include "daemon.h"
#include "history.h"
#include "jsonw.h"
#include "log.h"
#include "output.h"
#include "rules.h"
#include "safefile.h"
#include "sensor.h"
#include "types.h"
#include "xmalloc.h"
#include "history-internal.h"

#define SAMPLE_SECS		10	/* counters; link state every second */
#define SAVE_SECS		60	/* the file */

static int
bsid_cmp(const void *a, const void *b)
{
	const struct base_sid	*x = a, *y = b;

	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/*
 * Alerts since the last sample, from the rules' own hit counters. It
 * runs at each reload and on the timer: without memory for the new
 * baseline the sample is skipped and the old baseline kept, so that the
 * next sample that has it counts those hits (counters carry over a
 * reload by sid), none twice. Said once until a sample works again.
 */
static void
sample_rules(struct state *st, const struct ruleset *rs, time_t now)
{
	struct base_sid	*nb;
	struct rule_info ri;
	size_t		 i, n = rules_size(rs);

	if (rs == NULL)
		return;
	if ((nb = calloc(n + 1, sizeof(*nb))) == NULL) {
		if (!st->sample_nomem)
			log_warnx("state: no memory to sample the hits of %zu "
			    "rule%s: the history counts them at a later "
			    "sample", n, n == 1 ? "" : "s");
		st->sample_nomem = 1;
		return;
	}
	st->sample_nomem = 0;
	for (i = 0; rules_info(rs, i, &ri) == 0; i++) {
		const struct rule_info	*r = &ri;
		struct base_sid		 key = { r->sid, 0 }, *o;
		uint64_t		 prev = 0;

		o = st->nbsid ? bsearch(&key, st->bsid, st->nbsid,
		    sizeof(*st->bsid), bsid_cmp) : NULL;
		if (o != NULL)
			prev = o->hits;
		/* Counters only grow; a smaller one is a new rule. */
		if (r->hits > prev)
			state_add_alerts(st, now, rules_category_name(
			    r->category), r->controls, r->ncontrols,
			    r->hits - prev, (time_t)(r->last_hit / 1000000));
		nb[i].sid = r->sid;
		nb[i].hits = r->hits;
	}
	qsort(nb, n, sizeof(*nb), bsid_cmp);
	free(st->bsid);
	st->bsid = nb;
	st->nbsid = n;
	st->base_rs = rs;
}

/* The difference of a counter that may have been reset. */
static uint64_t
delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

static int
sample_ifaces(struct state *st, struct sensor *s, time_t now)
{
	int	i, j, changed = 0;

	capture_stats_update(s->cap);
	for (i = 0; i < capture_count(s->cap); i++) {
		const struct iface	*ifc = capture_iface(s->cap, i);
		struct base_iface	*b = NULL;
		const char		*ist = capture_link_name(
					    capture_link_state(ifc));
		uint64_t		 drops = ifc->ps_drop + ifc->ps_ifdrop;

		for (j = 0; j < st->nbif; j++)
			if (strcmp(st->bif[j].name, ifc->name) == 0)
				b = &st->bif[j];
		if (b == NULL) {
			if (st->nbif == IFACE_MAX)
				continue;
			b = &st->bif[st->nbif++];
			memset(b, 0, sizeof(*b));
			snprintf(b->name, sizeof(b->name), "%s", ifc->name);
		}
		state_add_traffic(st, ifc->name, now, delta(ifc->pkts,
		    b->pkts), delta(ifc->ps_recv, b->recv), delta(drops,
		    b->drops));
		b->pkts = ifc->pkts;
		b->recv = ifc->ps_recv;
		b->drops = drops;
		if (strcmp(b->st, ist) != 0) {
			changed = b->st[0] != '\0';
			snprintf(b->st, sizeof(b->st), "%s", ist);
			state_iface_state(st, ifc->name, now, ist);
		}
	}
	return changed;
}

static struct base_out *
base_out(struct state *st, const char *name)
{
	int	i;

	for (i = 0; i < st->nbout; i++)
		if (strcmp(st->bout[i].name, name) == 0)
			return &st->bout[i];
	if (st->nbout == STATE_OUTPUTS_MAX)
		return NULL;
	memset(&st->bout[st->nbout], 0, sizeof(st->bout[0]));
	snprintf(st->bout[st->nbout].name, sizeof(st->bout[0].name), "%s",
	    name);
	return &st->bout[st->nbout++];
}

static void
sample_output(struct state *st, const char *name, time_t now, uint64_t sent,
    uint64_t dropped, int64_t pending, int64_t bytes, const char *ostate)
{
	struct base_out	*b = base_out(st, name);

	if (b == NULL)
		return;
	state_output(st, name, now, delta(sent, b->sent), delta(dropped,
	    b->dropped), pending, bytes, ostate);
	b->sent = sent;
	b->dropped = dropped;
}

/* Each output's delivery, from the counters it keeps (output.c). */
static void
sample_outputs(struct state *st, struct sensor *s, time_t now)
{
	struct syslog_stats	 sl;
	struct remote_stats	 r;
	char			 name[NAME_MAX_LEN];
	int			 i;

	if (s->alerts != NULL) {
		snprintf(name, sizeof(name), "json %s", s->conf->alerts_path ?
		    s->conf->alerts_path : (s->alerts_path ? s->alerts_path :
		    "-"));
		sample_output(st, name, now, alert_out_count(s->alerts),
		    alert_out_errors(s->alerts), -1, -1, NULL);
	}
	if (outputs_syslog(s->outputs) != NULL) {
		syslog_out_stats(outputs_syslog(s->outputs), &sl);
		sample_output(st, "syslog", now, sl.sent, sl.dropped,
		    (int64_t)sl.waiting, -1, NULL);
	}
	for (i = 0; i < outputs_nremote(s->outputs); i++) {
		remote_stats(outputs_remote(s->outputs, i), &r);
		snprintf(name, sizeof(name), "remote %s", r.destination);
		sample_output(st, name, now, r.sent + r.replayed, r.dropped,
		    (int64_t)r.spool_pending, (int64_t)r.spool_bytes, r.state);
	}
}

static void
save_now(struct state *st)
{
	char	err[512];

	if (state_save(st, err, sizeof(err)) != 0) {
		/* Once per minute at most: the timer saves no more often. */
		log_warnx("%s", err);
	}
	st->last_save = now_sec();
}

/* The tick's saves: encoded here, written and fsynced off the loop. */
static void
save_soon(struct state *st)
{
	char	err[512];

	if (state_save_background(st, err, sizeof(err)) < 0)
		log_warnx("%s", err);
	st->last_save = now_sec();
}

/* Fold everything counted since the last sample into the state. */
void
state_sample(struct sensor *s)
{
	struct state	*st = s->state;
	time_t		 now = now_sec();
	int		 urgent;

	if (st == NULL)
		return;
	state_run_seen(st, now);
	urgent = sample_ifaces(st, s, now);
	sample_rules(st, s->rules, now);
	sample_outputs(st, s, now);
	if (urgent)
		save_soon(st);
}

/* Each second the links (a short outage counts); the rest less often. */
static void
on_state_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sensor	*s = arg;
	struct state	*st = s->state;
	time_t		 now = now_sec();

	(void)fd;
	(void)what;
	if (++st->ticks % SAMPLE_SECS != 0) {
		if (sample_ifaces(st, s, now))
			save_soon(st);
		return;
	}
	state_sample(s);
	if (now - st->last_save >= SAVE_SECS)
		save_soon(st);
}

/* May the service user create files in dir? A warning if not. */
static void
check_writable(struct sensor *s, const char *dir)
{
	struct stat	sb;
	uid_t		uid;
	gid_t		gid;
	char		err[256];

	if (geteuid() != 0 || s->conf->user == NULL ||
	    daemon_user(s->conf->user, &uid, &gid, err, sizeof(err)) != 0 ||
	    stat(dir, &sb) != 0)
		return;
	if (sb.st_uid == uid ? (sb.st_mode & S_IWUSR) : sb.st_gid == gid ?
	    (sb.st_mode & S_IWGRP) : (sb.st_mode & S_IWOTH))
		return;
	log_warnx("state directory %s is not writable by user %s: the "
	    "history of the compliance report will not be saved (see "
	    "etc/canhgac.tmpfiles)", dir, s->conf->user);
}

/*
 * At start (after capture opened): read the file, record this run and
 * the interfaces' state, save, and sample every SAMPLE_SECS. Replays
 * (-r) leave the state alone: they are not the sensor running.
 */
int
state_init(struct sensor *s, char *err, size_t errlen)
{
	struct timeval	 tv = { 1, 0 };
	struct state	*st;
	struct stat	 sb = { 0 };
	char		*dir, *path, digest[65], why[512];
	int		 dfd, lockfd = -1;

	(void)err;
	(void)errlen;
	if (s->offline || s->conf->state_dir == NULL ||
	    strcmp(s->conf->state_dir, "none") == 0)
		return 0;
	dir = config_path(s->conf, s->conf->state_dir);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		log_warnx("state directory %s: %s; the compliance report will "
		    "have no history", dir, sb.st_mode == 0 ?
		    strerror(errno) : "not a directory");
		free(dir);
		return 0;
	}
	/*
	 * In the service user's directory: no link of its is followed (nor
	 * the directory itself, if its parent is the user's too), the state
	 * read and every save (root's first one too) through the directory
	 * kept open. One daemon per state file: a second one runs without.
	 */
	if ((dfd = safe_dir(dir, 0, why, sizeof(why))) >= 0)
		lockfd = safe_openat(dfd, dir, "state.lock", O_RDWR | O_CREAT,
		    0640, SAFE_GIVE, why, sizeof(why));
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (lockfd < 0)
			log_warnx("state: %s; running without history", why);
		else
			log_warnx("state %s/state.lock: held by another "
			    "canhgacd; running without history", dir);
		if (lockfd >= 0)
			close(lockfd);
		if (dfd >= 0)
			close(dfd);
		free(dir);
		return 0;
	}
	xasprintf(&path, "%s/state.json", dir);
	st = state_load(path, dfd, s->conf->utc_offset);
	free(path);
	xasprintf(&st->lock, "%s/state.lock", dir);
	st->dfd = dfd;
	st->lockfd = lockfd;
	check_writable(s, dir);
	free(dir);
	s->state = st;
	st->s = s;
	compliance_digest(s->conf, s->rules, digest);
	state_run_start(st, now_sec(), digest);
	state_sample(s);
	save_now(st);
	if ((st->ev = event_new(s->base, -1, EV_PERSIST, on_state_tick,
	    s)) == NULL || event_add(st->ev, &tv) != 0)
		log_warnx("state: cannot start the timer; saved at stop only");
	return 0;
}

void
state_reload_begin(struct sensor *s)
{
	state_sample(s);
}

/* A reload happened: record it with the digest of the rule set now. */
void
state_reload_end(struct sensor *s, int ok, const char *error)
{
	char	digest[65];

	if (s->state == NULL)
		return;
	/* sensor.timezone applies on reload: days are the new zone's. */
	s->state->utc_offset = s->conf->utc_offset;
	compliance_digest(s->conf, s->rules, digest);
	state_reload(s->state, now_sec(), ok, ok ? digest : NULL,
	    ok ? NULL : error);
	state_sample(s);
	save_now(s->state);
}

/* A self-test ended: recorded and saved, as a reload is. */
void
state_selftest_end(struct sensor *s, json_t *result)
{
	if (s->state == NULL)
		return;
	state_selftest(s->state, result);
	save_now(s->state);
}

/* A clean stop: the last counters, the end of the run, saved. */
void
state_shutdown(struct sensor *s)
{
	struct state	*st = s->state;

	if (st == NULL)
		return;
	state_sample(s);
	state_run_stop(st, now_sec());
	save_now(st);
	if (st->ev != NULL)
		event_free(st->ev);
	state_free(st);
	s->state = NULL;
}
