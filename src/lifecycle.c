/*
 * The sensor's lifecycle (include/lifecycle.h): the subsystems table,
 * start, reload, stop and shut down, and the statistics at exit. The
 * daemon (canhgacd.c: options, detaching, main), the unit tests and the
 * fuzz targets all run the sensor through these functions.
 *
 * Everything runs on the one event base: capture sources are events on
 * it, and every packet runs decode → flow → app metadata → outputs in
 * the capture callback (sensor.c). Time inside the pipeline is packet
 * time; a one-second timer refreshes pcap counters, flushes the logs
 * and, when live traffic stops, lets wall time expire idle flows.
 * SIGINT/SIGTERM stop (sensor_stop), SIGHUP reloads (sensor_reload_async).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "alert.h"
#include "app.h"
#include "capture.h"
#include "conf.h"
#include "control.h"
#include "decode.h"
#include "defrag.h"
#include "eventlog.h"
#include "flow.h"
#include "history.h"
#include "http_session.h"
#include "hosts.h"
#include "jsonw.h"
#include "lifecycle.h"
#include "log.h"
#include "output.h"
#include "rules.h"
#include "selftest.h"
#include "sensor.h"
#include "stats.h"
#include "stream.h"
#include "workers.h"
#include "pmatch.h"
#include "types.h"
#include "util.h"

/*
 * Subsystems start in table order and stop in reverse, each with the
 * same hooks; nothing reaches into a subsystem's state directly.
 */
struct subsystem {
	const char	*name;
	int		(*init)(struct sensor *, char *, size_t);
	void		(*shutdown)(struct sensor *);
};

uint64_t
sensor_wall_usec(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

static void
on_outputs_drained(void *arg)
{
	struct sensor	*s = arg;

	s->drained = 1;
	event_base_loopexit(s->base, NULL);
}

void
sensor_stop(struct sensor *s, enum flow_end_reason why)
{
	if (s->shutting_down)
		return;
	s->shutting_down = 1;
	capture_stop(s->cap);
	capture_stats_update(s->cap);
	workers_finish(s->workers, why, s->w.last_ts);
	sensor_health(s, s->w.last_ts);
	if (s->w.flows != NULL) {
		/* Idle past their timeout by the last packet: timed out,
		 * whichever second the last pass ran in. */
		flow_expire(s->w.flows, s->w.last_ts);
		flow_expire_all(s->w.flows, why);
	}
	eventlog_flush(s->events);
	alert_out_flush(s->alerts);
	/* Remote destinations get up to drain_timeout to deliver. */
	outputs_drain(s->outputs, on_outputs_drained, s);
}

int
sensor_events_path(const struct sensor *s, const struct config *c,
    char **out)
{
	const char	*p = s->events_cli ? s->events_path : c->events_path;

	if (p == NULL) {
		*out = NULL;
		return 0;
	}
	*out = s->events_cli || strcmp(p, "-") == 0 ? strdup(p) :
	    config_path_try(c, p);
	return *out == NULL ? -1 : 0;
}

/*
 * Reload: build the complete new configuration and ruleset, and open
 * the new files, while capture goes on; only if all of it succeeds,
 * swap it in (being a callback of the one event loop, between packets).
 * Every key takes effect (rules, assets, exceptions, levels, flow
 * timeouts, threshold_memcap, sensor name, time zone, language, the
 * event and JSON alert files, reopened by name for logrotate) or is
 * refused by config_reload_check with FILE:LINE:COL and the running set
 * is kept. The sensor's own state (flows, thresholds of unchanged
 * rules, counters, outputs) goes on.
 */
static void
reload_begin(struct sensor *s)
{
	s->reloads++;
	s->last_reload = sensor_wall_usec();
	state_reload_begin(s);
}

/* The new configuration, checked against the running one. */
static struct config *
reload_config(struct sensor *s, char *err, size_t errlen)
{
	struct config	*nc;

	if (s->conf->path == NULL) {
		snprintf(err, errlen, "no configuration file to reload");
		return NULL;
	}
	if ((nc = config_load(s->conf->path, err, errlen)) == NULL)
		return NULL;
	if (config_reload_check(s->conf, nc, !s->offline, err, errlen) != 0) {
		config_free(nc);
		return NULL;
	}
	return nc;
}

/*
 * Freeing a replaced rule set (tens of ms for tens of thousands of
 * rules) is done by a thread of its own, so that the swap holds the
 * loop, and with it capture, only for the counters' merge. One at a
 * time: a second swap first waits for the previous free, which has
 * long finished when each set takes a build to make.
 */
static void *
retire_thread(void *arg)
{
	util_background_thread();
	rules_free(arg);
	return NULL;
}

static void
rules_retire_wait(struct sensor *s)
{
	if (s->retiring) {
		pthread_join(s->retire_tid, NULL);
		s->retiring = 0;
	}
}

static void
rules_retire(struct sensor *s, struct ruleset *old)
{
	if (old == NULL)
		return;
	rules_retire_wait(s);
	if (pthread_create(&s->retire_tid, NULL, retire_thread, old) == 0)
		s->retiring = 1;
	else
		rules_free(old);
}

/*
 * Open what the new configuration names and swap everything in, or
 * change nothing. Takes nc and nr (NULL: they failed, err says why).
 */
static int
reload_commit(struct sensor *s, struct config *nc, struct ruleset *nr,
    const struct rules_carry_plan *plan, char *err, size_t errlen)
{
	struct eventlog	*nel = NULL;
	char		*npath = NULL;
	int		 had_baselines;

	if (nc == NULL || nr == NULL)
		goto fail;
	if (sensor_events_path(s, nc, &npath) != 0) {
		snprintf(err, errlen, "no memory for the event log's path: %s",
		    strerror(ENOMEM));
		goto fail;
	}
	if (npath != NULL && (nel = eventlog_open(npath, nc->sensor_name,
	    nc->utc_offset, err, errlen)) == NULL)
		goto fail;
	if (workers_prepare(s->workers, nr, nc, nel) != 0) {
		snprintf(err, errlen, "no memory for the workers' matchers, "
		    "event queues and threshold tables (limits."
		    "threshold_memcap: %llu MiB split among them)",
		    (unsigned long long)(nc->threshold_memcap >> 20));
		goto fail;
	}
	/*
	 * The workers hold between two packets while the sets change. Held
	 * first: what they formatted under the old configuration is drained
	 * to the old alert file, not the new one with the old sensor name.
	 */
	workers_pause(s->workers);
	/* Last of what can fail: it changes the alert file only on success. */
	if (s->alerts != NULL && alert_out_retarget(s->alerts, nc, err,
	    errlen) != 0) {
		workers_resume(s->workers);
		goto fail;
	}
	had_baselines = rules_has_baselines(s->rules);
	rules_carry_counters(nr, s->rules, plan);
	rules_retire(s, s->rules);
	s->rules = nr;
	s->w.match_state = rules_main_state(nr);
	baselines_reloaded(s, had_baselines);
	if (s->w.flows != NULL)
		flow_set_timeouts(s->w.flows, &nc->timeouts);
	eventlog_carry(nel, s->events);
	eventlog_close(s->events);
	s->events = nel;
	s->w.events = nel;
	free(s->events_path);
	s->events_path = npath;
	config_free(s->conf);
	s->conf = nc;
	workers_reloaded(s->workers);
	workers_resume(s->workers);
	alert_out_reopen(s->alerts);
	s->reload_ok = 1;
	s->reload_error[0] = '\0';
	state_reload_end(s, 1, NULL);
	/* A new rule set: its self-test, with its digest. */
	selftest_request(s, NULL, NULL);
	return 0;
fail:
	workers_unprepare(s->workers);
	eventlog_close(nel);
	free(npath);
	rules_retire(s, nr);
	config_free(nc);
	s->reload_ok = 0;
	s->reload_failures++;
	snprintf(s->reload_error, sizeof(s->reload_error), "%s", err);
	state_reload_end(s, 0, err);
	return -1;
}

int
sensor_reload(struct sensor *s, char *err, size_t errlen)
{
	struct config	*nc;
	struct ruleset	*nr = NULL;

	/* The build's thread reads the running set: it is not swapped
	 * under it. */
	if (s->reload_job != NULL) {
		snprintf(err, errlen, "a reload is being built; try again "
		    "when it ends");
		return -1;
	}
	reload_begin(s);
	if ((nc = reload_config(s, err, errlen)) != NULL)
		nr = rules_load(nc, err, errlen);
	return reload_commit(s, nc, nr, NULL, err, errlen);
}

/*
 * The asynchronous reload: the rule set, the slow part (rule files,
 * regular expressions, lists; seconds for tens of thousands of rules),
 * is built by a thread while the loop goes on capturing and answering
 * the status socket; the thread only reads its own new configuration.
 * Reading the configuration (tz_offset sets TZ) and the swap stay in
 * the loop. Requests during a build are done after it, by one more
 * build for any number of them.
 */
struct reload_waiter {
	sensor_reload_cb	 cb;
	void			*arg;
	struct reload_waiter	*next;
};

struct reload_job {
	struct sensor		*s;
	struct config		*nc;
	struct ruleset		*nr;
	/* Worked out with nr by the thread, so that the swap, while
	 * capture waits, only follows arrays: which of the running set's
	 * rules (from, not swapped out while a build runs) nr's take over,
	 * and the packet workers' states. */
	const struct ruleset	*from;
	size_t			 nworkers;
	struct rules_carry_plan	*plan;
	char			 err[1024];
	pthread_t		 tid;
	int			 pipe[2];	/* the thread's "done" */
	struct event		*ev;
	struct reload_waiter	*waiters;	/* told when this build ends */
	struct reload_waiter	*next;		/* asked meanwhile */
	int			 again;		/* a build after this one */
};

static void reload_start(struct sensor *, struct reload_waiter *);

/* -1 without memory: cb is told at once that its reload failed. */
static int
waiters_add(struct reload_waiter **list, sensor_reload_cb cb, void *arg)
{
	struct reload_waiter	*w;

	if (cb == NULL)
		return 0;
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		cb(arg, 0, "no memory to queue the reload");
		return -1;
	}
	w->cb = cb;
	w->arg = arg;
	w->next = *list;
	*list = w;
	return 0;
}

/* Tell each waiter (in the order they asked) and free them. */
static void
waiters_done(struct reload_waiter *list, int ok, const char *err)
{
	struct reload_waiter	*w, *rev = NULL;

	while ((w = list) != NULL) {
		list = w->next;
		w->next = rev;
		rev = w;
	}
	while ((w = rev) != NULL) {
		rev = w->next;
		w->cb(w->arg, ok, err);
		free(w);
	}
}

static void
waiters_forget(struct reload_waiter **list, void *arg)
{
	struct reload_waiter	*w;

	while ((w = *list) != NULL) {
		if (w->arg == arg) {
			*list = w->next;
			free(w);
		} else
			list = &w->next;
	}
}

static void *
reload_thread(void *arg)
{
	struct reload_job	*j = arg;
	char			 c = 1;

	util_background_thread();
	j->nr = rules_load(j->nc, j->err, sizeof(j->err));
	/* Without memory for either, the swap makes them (or fails). */
	if (j->nr != NULL) {
		(void)rules_worker_states(j->nr, j->nworkers);
		j->plan = rules_carry_plan_new(j->nr, j->from);
	}
	if (write(j->pipe[1], &c, 1) != 1)
		log_warn("reload: cannot wake the loop");
	return NULL;
}

static void
reload_job_free(struct reload_job *j)
{
	event_free(j->ev);
	rules_carry_plan_free(j->plan);
	close(j->pipe[0]);
	close(j->pipe[1]);
	free(j);
}

static void
on_reload_built(evutil_socket_t fd, short what, void *arg)
{
	struct reload_job	*j = arg;
	struct sensor		*s = j->s;
	struct reload_waiter	*waiters = j->waiters, *next = j->next;
	char			 c, err[1024];
	int			 again = j->again, ok;

	(void)what;
	if (read(fd, &c, 1) != 1)
		return;
	pthread_join(j->tid, NULL);
	snprintf(err, sizeof(err), "%s", j->err);
	/* A reload in the loop may have swapped in meanwhile. */
	if (j->nr != NULL && config_reload_check(s->conf, j->nc, !s->offline,
	    err, sizeof(err)) != 0) {
		rules_retire(s, j->nr);
		j->nr = NULL;
	}
	ok = reload_commit(s, j->nc, j->nr, j->plan, err, sizeof(err)) == 0;
	if (!ok)
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", err);
	else
		log_info("reloaded %s", s->conf->path);
	s->reload_job = NULL;
	reload_job_free(j);
	waiters_done(waiters, ok, err);
	if (!again)
		return;
	if (s->shutting_down)
		waiters_done(next, 0, "the sensor is stopping");
	else if (s->reload_job != NULL) {
		/* A waiter asked again: that build began after them all. */
		struct reload_waiter **tail = &s->reload_job->waiters;

		while (*tail != NULL)
			tail = &(*tail)->next;
		*tail = next;
	} else
		reload_start(s, next);
}

/* A build for waiters (taken over, told when it ends). */
static void
reload_start(struct sensor *s, struct reload_waiter *waiters)
{
	struct reload_job	*j;
	char			 err[1024];

	reload_begin(s);
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		snprintf(err, sizeof(err), "no memory to start a reload");
		(void)reload_commit(s, NULL, NULL, NULL, err, sizeof(err));
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", err);
		waiters_done(waiters, 0, err);
		return;
	}
	j->s = s;
	j->from = s->rules;
	j->nworkers = workers_count(s->workers);
	j->waiters = waiters;
	j->pipe[0] = j->pipe[1] = -1;
	if ((j->nc = reload_config(s, err, sizeof(err))) == NULL)
		goto fail;
	if (pipe(j->pipe) == -1) {
		snprintf(err, sizeof(err), "reload: pipe: %s", strerror(errno));
		goto fail;
	}
	if ((j->ev = event_new(s->base, j->pipe[0], EV_READ, on_reload_built,
	    j)) == NULL || event_add(j->ev, NULL) != 0 ||
	    pthread_create(&j->tid, NULL, reload_thread, j) != 0) {
		snprintf(err, sizeof(err), "reload: cannot start a thread");
		if (j->ev != NULL)
			event_free(j->ev);
		close(j->pipe[0]);
		close(j->pipe[1]);
		goto fail;
	}
	log_info("reloading %s", s->conf->path);
	s->reload_job = j;
	return;
fail:
	(void)reload_commit(s, j->nc, NULL, NULL, err, sizeof(err));
	free(j);
	log_warnx("reload failed, keeping the running configuration: %s", err);
	waiters_done(waiters, 0, err);
}

void
sensor_reload_async(struct sensor *s, sensor_reload_cb cb, void *arg)
{
	struct reload_job	*j = s->reload_job;
	struct reload_waiter	*w = NULL;

	if (j != NULL) {
		if (waiters_add(&j->next, cb, arg) == 0)
			j->again = 1;
		return;
	}
	if (waiters_add(&w, cb, arg) == 0)
		reload_start(s, w);
}

void
sensor_reload_forget(struct sensor *s, void *arg)
{
	struct reload_job	*j = s->reload_job;

	if (j != NULL) {
		waiters_forget(&j->waiters, arg);
		waiters_forget(&j->next, arg);
	}
}

int
sensor_reload_pending(const struct sensor *s)
{
	return s->reload_job != NULL;
}

/* At shutdown: a rule set still being built is waited for and dropped. */
static void
reload_cancel(struct sensor *s)
{
	struct reload_job	*j = s->reload_job;

	if (j == NULL)
		return;
	pthread_join(j->tid, NULL);
	rules_free(j->nr);
	config_free(j->nc);
	s->reload_job = NULL;
	waiters_done(j->waiters, 0, "the sensor stopped before the reload "
	    "finished");
	waiters_done(j->next, 0, "the sensor stopped before the reload "
	    "finished");
	reload_job_free(j);
}

/*
 * The replay ran out. Only a replay stops then: a live sensor (or one
 * embedded in a test or fuzz target with file sources) runs until told.
 */
static void
on_capture_done(void *arg)
{
	struct sensor	*s = arg;

	if (s->offline)
		sensor_stop(s, FLOW_END_CAPTURE);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct sensor	*s = arg;

	(void)what;
	if (sig == SIGHUP) {
		sensor_reload_async(s, NULL, NULL);
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	sensor_stop(s, FLOW_END_SHUTDOWN);
}

/* The alerts of a batch of packets go to the JSON log together. */
static void
on_capture_batch(void *arg, int full)
{
	struct sensor	*s = arg;

	workers_kick(s->workers);
	workers_drain(s->workers, full);
	alert_out_batch_end(s->alerts, full);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sensor	*s = arg;
	uint64_t	 now;

	(void)fd;
	(void)what;
	capture_stats_update(s->cap);
	capture_check_links(s->cap);
	(void)rules_carry_step(s->rules);
	workers_drain(s->workers, 0);
	eventlog_flush(s->events);
	alert_out_flush(s->alerts);
	outputs_tick(s->outputs);
	if (s->offline)
		return;
	/* Live and quiet: let wall time move the flow clock on. */
	now = sensor_wall_usec();
	if (now > s->w.last_ts + 1000000) {
		if (s->w.flows != NULL)
			flow_expire(s->w.flows, now);
		s->w.last_expire = now;
		sensor_health(s, now);
		alert_out_drain(s->alerts);	/* theirs, not a second later */
	}
}

/*
 * One worker's flows, parsers, reassembly and matcher state: worker idx
 * of n, with an nth of each memory cap.
 */
int
sensor_worker_init(struct worker *w, struct sensor *s, unsigned idx,
    unsigned n, char *err, size_t errlen)
{
	/* One sixteenth of the memcap buys first-bytes buffers, another
	 * the state of HTTP transactions in progress. */
	uint64_t	memcap = s->conf->flow_memcap / n;
	uint64_t	bufmem = memcap / 16;
	size_t		nbufs = (size_t)(bufmem / (2 * APP_BUF_MAX + 16));

	w->s = s;
	if (w->match_state == NULL && (w->match_state = n > 1 ?
	    rules_state_new(s->rules) : rules_main_state(s->rules)) == NULL) {
		snprintf(err, errlen, "no memory for a matcher state");
		return -1;
	}
	w->flows = flow_table_new(memcap - 2 * bufmem, &s->conf->timeouts,
	    sensor_flow_end, w);
	flow_table_set_ids(w->flows, idx + 1, n);
	w->app = app_init(nbufs, sensor_app_record, w);
	sensor_http_init(w, (size_t)(bufmem / http_session_bytes()));
	if (s->conf->defrag_enabled)
		w->defrag = defrag_new(s->conf->defrag_memcap / n,
		    s->conf->defrag_timeout);
	sensor_stream_init(w, n);
	return 0;
}

void
sensor_worker_free(struct worker *w)
{
	flow_table_free(w->flows);
	w->flows = NULL;
	app_free(w->app);
	w->app = NULL;
	defrag_free(w->defrag);
	w->defrag = NULL;
	stream_free(w->stream);
	w->stream = NULL;
	pmatch_free(w->pmatch);
	w->pmatch = NULL;
}

/* The packet path: on the loop (one worker) or on worker threads. */
int
sensor_flow_init(struct sensor *s, char *err, size_t errlen)
{
	unsigned	n = s->workers_cli > 0 ? s->workers_cli :
			    workers_wanted(s->conf->workers);

	s->w.s = s;
	/*
	 * A replay from a pipe: the loop may wait in a read for the
	 * writer, and would hold the threads' alerts back meanwhile; one
	 * worker writes each as it is found.
	 */
	if (n > 1 && s->offline && capture_streaming(s->cap)) {
		log_info("reading from a pipe: one packet worker");
		n = 1;
	}
	if (sensor_worker_init(&s->w, s, 0, n, err, errlen) != 0)
		return -1;
	return n > 1 ? workers_start(s, n, err, errlen) : 0;
}

void
sensor_flow_shutdown(struct sensor *s)
{
	workers_free(s->workers);
	s->workers = NULL;
	sensor_worker_free(&s->w);
}

static int
sub_events_init(struct sensor *s, char *err, size_t errlen)
{
	if (!s->events_cli && sensor_events_path(s, s->conf,
	    &s->events_path) != 0) {
		snprintf(err, errlen, "no memory for the event log's path");
		return -1;
	}
	if (s->events_path == NULL)
		return 0;
	s->events = eventlog_open(s->events_path, s->conf->sensor_name,
	    s->conf->utc_offset, err, errlen);
	s->w.events = s->events;
	return s->events == NULL ? -1 : 0;
}

static void
sub_events_shutdown(struct sensor *s)
{
	eventlog_close(s->events);
	s->events = NULL;
	s->w.events = NULL;
}

static int
sub_rules_init(struct sensor *s, char *err, size_t errlen)
{
	if (s->rules == NULL &&
	    (s->rules = rules_load(s->conf, err, errlen)) == NULL)
		return -1;
	s->w.match_state = rules_main_state(s->rules);
	s->alerts = alert_out_new(s->conf, s->alerts_path, err, errlen);
	s->w.alerts = s->alerts;
	return s->alerts == NULL ? -1 : 0;
}

static void
sub_rules_shutdown(struct sensor *s)
{
	alert_out_free(s->alerts);
	s->alerts = NULL;
	s->w.alerts = NULL;
	rules_free(s->rules);
	s->rules = NULL;
	s->w.match_state = NULL;
}

/* The tick, and the daemon's signals (s->own_signals). */
static int
sub_signals_init(struct sensor *s, char *err, size_t errlen)
{
	struct timeval	one = { 1, 0 };

	if ((s->ev_tick = event_new(s->base, -1, EV_PERSIST, on_tick,
	    s)) == NULL || event_add(s->ev_tick, &one) != 0) {
		snprintf(err, errlen, "cannot start the timer");
		return -1;
	}
	if (!s->own_signals)
		return 0;
	s->ev_sigint = evsignal_new(s->base, SIGINT, on_signal, s);
	s->ev_sigterm = evsignal_new(s->base, SIGTERM, on_signal, s);
	s->ev_sighup = evsignal_new(s->base, SIGHUP, on_signal, s);
	if (s->ev_sigint == NULL || s->ev_sigterm == NULL ||
	    s->ev_sighup == NULL ||
	    event_add(s->ev_sigint, NULL) != 0 ||
	    event_add(s->ev_sigterm, NULL) != 0 ||
	    event_add(s->ev_sighup, NULL) != 0) {
		snprintf(err, errlen, "cannot install signal handlers");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void
sub_signals_shutdown(struct sensor *s)
{
	struct event	**ev[] = { &s->ev_sigint, &s->ev_sigterm,
			    &s->ev_sighup, &s->ev_tick };
	size_t		  i;

	for (i = 0; i < NELEM(ev); i++)
		if (*ev[i] != NULL) {
			event_free(*ev[i]);
			*ev[i] = NULL;
		}
}

static int
sub_capture_init(struct sensor *s, char *err, size_t errlen)
{
	return capture_start(s->cap) == 0 ? 0 :
	    (snprintf(err, errlen, "cannot start capture"), -1);
}

static void
sub_capture_shutdown(struct sensor *s)
{
	/*
	 * A start that failed once capture was open (user: missing, the
	 * --stats file) never stopped: the worker threads still read their
	 * fanout handles and end their flows naming its interfaces. Done
	 * before the handles go (a stopped sensor has joined them already).
	 */
	workers_free(s->workers);
	s->workers = NULL;
	capture_free(s->cap);
	s->cap = NULL;
}

/* The status socket; it calls back here for reload and stop. */
static int
sub_control_init(struct sensor *s, char *err, size_t errlen)
{
	static const struct control_ops ops = { sensor_reload_async,
	    sensor_reload_forget, sensor_stop, sensor_stats,
	    selftest_request, selftest_forget };

	return s->offline ? 0 : control_init(s, &ops, err, errlen);
}

/* Local syslog and remote destinations, on the one event base. */
static int
sub_outputs_init(struct sensor *s, char *err, size_t errlen)
{
	s->outputs = outputs_new(s->base, s->conf, err, errlen);
	return s->outputs == NULL ? -1 : 0;
}

static void
sub_outputs_shutdown(struct sensor *s)
{
	outputs_free(s->outputs);
	s->outputs = NULL;
}

/* The socket goes with the rest of the control (control_shutdown). */
static void
sub_listen_shutdown(struct sensor *s)
{
	(void)s;
}

static const struct subsystem subsystems[] = {
	{ "signals", sub_signals_init, sub_signals_shutdown },
	{ "outputs", sub_outputs_init, sub_outputs_shutdown },
	{ "events", sub_events_init, sub_events_shutdown },
	{ "rules", sub_rules_init, sub_rules_shutdown },
	{ "control", sub_control_init, control_shutdown },
	{ "hosts", hosts_init, hosts_shutdown },	/* ends after the flows */
	{ "flow", sensor_flow_init, sensor_flow_shutdown },
	{ "capture", sub_capture_init, sub_capture_shutdown },
	{ "state", state_init, state_shutdown },	/* history_sample.c */
	{ "baselines", baselines_init, baselines_shutdown },
	/* The first self-test of the rule set, once its history is open. */
	{ "selftest", selftest_init, selftest_shutdown },
	/* The status socket last: it appears once the sensor captures. */
	{ "listen", control_listen, sub_listen_shutdown },
};

struct capture *
sensor_capture(struct sensor *s)
{
	s->cap = capture_new(s->base, sensor_packet, on_capture_done, s);
	capture_set_batch_cb(s->cap, on_capture_batch);
	return s->cap;
}

int
sensor_start(struct sensor *s, char *err, size_t errlen)
{
	char	e[1024];
	size_t	i;

	s->reload_ok = 1;
	for (i = 0; i < NELEM(subsystems); i++) {
		e[0] = '\0';
		if (subsystems[i].init(s, e, sizeof(e)) != 0) {
			snprintf(err, errlen, "%s: %s", subsystems[i].name, e);
			return -1;
		}
		s->nstarted = i + 1;
	}
	/* Packet rates are of the packet path, without the load time. */
	s->wall_start = s->start_wall = sensor_wall_usec();
	s->cpu_start = stats_cpu_usec();
	return 0;
}

void
sensor_run(struct sensor *s)
{
	/* Stopped and drained already (the caller ran the loop itself). */
	if (!s->drained)
		event_base_dispatch(s->base);
	if (!s->shutting_down)
		sensor_stop(s, FLOW_END_SHUTDOWN);
}

void
sensor_shutdown(struct sensor *s)
{
	size_t	i;

	reload_cancel(s);
	rules_retire_wait(s);
	/* Events last out, after the flows ended into them. */
	for (i = s->nstarted; i > 0; i--)
		subsystems[i - 1].shutdown(s);
	s->nstarted = 0;
	capture_free(s->cap);
	s->cap = NULL;
	config_free(s->conf);
	s->conf = NULL;
	free(s->events_path);
	s->events_path = NULL;
}

json_t *
sensor_stats(struct sensor *s)
{
	json_t	*j = stats_snapshot(s);

	control_stats(s, j);
	return j;
}

/*
 * --stats: the snapshot, at exit; any failure to write is said, and
 * makes the exit status non-zero.
 */
int
sensor_write_stats(struct sensor *s, FILE *fp, const char *path)
{
	json_t	*j = sensor_stats(s);
	int	 rc;

	rc = j == NULL || jw_mask_tree(j) != 0 ? -1 :
	    json_dumpf(j, fp, JSON_COMPACT);
	json_decref(j);
	if (rc != 0 || fputc('\n', fp) == EOF || fflush(fp) != 0) {
		log_warn("%s: cannot write the statistics", path);
		return -1;
	}
	return 0;
}

/* A short human summary of what was seen, on standard error. */
void
sensor_print_summary(struct sensor *s, double secs)
{
	struct worker_totals	 t;
	const struct decode_stats *d = &t.d;
	const struct flow_stats	*fs = &t.f;
	const struct app_stats	*as = &t.a;
	uint64_t		 anomalies = 0;
	int			 i;

	stats_worker_totals(s, &t);

	for (i = 1; i < DE_MAX; i++)
		anomalies += d->err[i];
	fprintf(stderr, "canhgacd: %llu packets (%llu bytes) in %.3fs, "
	    "%.0f packets/s, peak RSS %ld KiB\n",
	    (unsigned long long)d->packets,
	    (unsigned long long)d->bytes, secs,
	    secs > 0 ? d->packets / secs : 0.0, stats_peak_rss_kb());
	fprintf(stderr, "canhgacd: IPv4 %llu, IPv6 %llu, ARP %llu, TCP %llu, "
	    "UDP %llu, ICMP %llu, ICMPv6 %llu, fragments %llu, "
	    "malformed/anomalous %llu\n",
	    (unsigned long long)d->ipv4,
	    (unsigned long long)d->ipv6,
	    (unsigned long long)d->arp,
	    (unsigned long long)d->tcp,
	    (unsigned long long)d->udp,
	    (unsigned long long)d->icmp,
	    (unsigned long long)d->icmpv6,
	    (unsigned long long)d->fragments,
	    (unsigned long long)anomalies);
	for (i = 1; i < DE_MAX; i++)
		if (d->err[i] != 0)
			fprintf(stderr, "canhgacd:   %s: %llu\n",
			    decode_err_name((enum decode_err)i),
			    (unsigned long long)d->err[i]);
	fprintf(stderr, "canhgacd: flows %llu (peak %llu, evicted %llu); "
	    "TLS %llu, QUIC %llu, DNS %llu, HTTP %llu, SSH %llu, "
	    "plaintext %llu; events %llu\n",
	    (unsigned long long)fs->created,
	    (unsigned long long)fs->peak_active,
	    (unsigned long long)fs->evicted,
	    (unsigned long long)as->tls, (unsigned long long)as->quic,
	    (unsigned long long)as->dns,
	    (unsigned long long)as->http, (unsigned long long)as->ssh,
	    (unsigned long long)as->plain,
	    (unsigned long long)eventlog_count(s->events));
	if (s->rules != NULL) {
		struct rule_stats	rst;

		rules_stats(s->rules, &rst);
		fprintf(stderr, "canhgacd: %zu rules active; %llu alerts "
		    "(critical %llu, high %llu, medium %llu, low %llu, info "
		    "%llu), %llu excepted\n", rules_count(s->rules, 1),
		    (unsigned long long)rst.alerts,
		    (unsigned long long)rst.by_severity[1],
		    (unsigned long long)rst.by_severity[2],
		    (unsigned long long)rst.by_severity[3],
		    (unsigned long long)rst.by_severity[4],
		    (unsigned long long)rst.by_severity[5],
		    (unsigned long long)rst.excepted);
	}
	for (i = 0; i < capture_count(s->cap); i++) {
		const struct iface *ifc = capture_iface(s->cap, i);

		if (!ifc->offline)
			fprintf(stderr, "canhgacd: %s: received %llu, "
			    "dropped %llu, interface dropped %llu\n",
			    ifc->name, (unsigned long long)ifc->ps_recv,
			    (unsigned long long)ifc->ps_drop,
			    (unsigned long long)ifc->ps_ifdrop);
	}
}

