/*
 * canhgacd: the sensor daemon.
 *
 * main() owns the one event_base. Capture sources are events on it
 * (live pcap fds, or an offline reader that yields after each batch);
 * every packet runs decode → flow → app metadata → outputs inside the
 * capture callback. Time inside the pipeline is packet time, so flow
 * timeouts fire the same way offline and live; a one-second timer only
 * refreshes pcap counters and, when live traffic stops, lets wall time
 * expire idle flows. SIGINT/SIGTERM stop capture, end every flow, flush
 * the outputs and leave the loop; SIGHUP reloads (sensor_reload).
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <pcap/pcap.h>
#include <jansson.h>

#include "alert.h"
#include "app.h"
#include "capture.h"
#include "compliance.h"
#include "conf.h"
#include "control.h"
#include "daemon.h"
#include "decode.h"
#include "defrag.h"
#include "eventlog.h"
#include "flow.h"
#include "jsonw.h"
#include "log.h"
#include "output.h"
#include "rules.h"
#include "safefile.h"
#include "sensor.h"
#include "state.h"
#include "stream.h"
#include "types.h"
#include "xmalloc.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/canhgac/canhgac.yaml"


/*
 * Subsystems start in table order and stop in reverse, each with the
 * same hooks; main never reaches into a subsystem's state directly.
 */
struct subsystem {
	const char	*name;
	int		(*init)(struct sensor *, char *, size_t);
	void		(*shutdown)(struct sensor *);
};

static uint64_t
wall_usec(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

static void
on_outputs_drained(void *arg)
{
	struct sensor	*s = arg;

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
	sensor_health(s, s->last_ts);
	flow_expire_all(s->flows, why);
	eventlog_flush(s->events);
	alert_out_flush(s->alerts);
	/* Remote destinations get up to drain_timeout to deliver. */
	outputs_drain(s->outputs, on_outputs_drained, s);
}

/* The event log's path: --events, else `events:` against the config. */
static char *
events_path_of(const struct sensor *s, const struct config *c)
{
	if (s->events_cli)
		return xstrdup(s->events_path);
	if (c->events_path == NULL)
		return NULL;
	return strcmp(c->events_path, "-") == 0 ? xstrdup("-") :
	    config_path(c, c->events_path);
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
	s->last_reload = wall_usec();
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
 * Open what the new configuration names and swap everything in, or
 * change nothing. Takes nc and nr (NULL: they failed, err says why).
 */
static int
reload_commit(struct sensor *s, struct config *nc, struct ruleset *nr,
    char *err, size_t errlen)
{
	struct eventlog	*nel = NULL;
	char		*npath = NULL;

	if (nc == NULL || nr == NULL)
		goto fail;
	if ((npath = events_path_of(s, nc)) != NULL && (nel = eventlog_open(
	    npath, nc->sensor_name, nc->utc_offset, err, errlen)) == NULL)
		goto fail;
	/* Last of what can fail: it changes the alert file only on success. */
	if (s->alerts != NULL && alert_out_retarget(s->alerts, nc, err,
	    errlen) != 0)
		goto fail;

	rules_carry_counters(nr, s->rules);
	rules_free(s->rules);
	s->rules = nr;
	if (s->flows != NULL)
		flow_set_timeouts(s->flows, &nc->timeouts);
	eventlog_carry(nel, s->events);
	eventlog_close(s->events);
	s->events = nel;
	free(s->events_path);
	s->events_path = npath;
	config_free(s->conf);
	s->conf = nc;
	alert_out_reopen(s->alerts);
	s->reload_ok = 1;
	s->reload_error[0] = '\0';
	state_reload_end(s, 1, NULL);
	return 0;
fail:
	eventlog_close(nel);
	free(npath);
	rules_free(nr);
	config_free(nc);
	s->reload_ok = 0;
	s->reload_failures++;
	snprintf(s->reload_error, sizeof(s->reload_error), "%s", err);
	state_reload_end(s, 0, err);
	return -1;
}

/* A reload start to end in the loop (the status socket's, which answers). */
int
sensor_reload(struct sensor *s, char *err, size_t errlen)
{
	struct config	*nc;
	struct ruleset	*nr = NULL;

	reload_begin(s);
	if ((nc = reload_config(s, err, errlen)) != NULL)
		nr = rules_load(nc, err, errlen);
	return reload_commit(s, nc, nr, err, errlen);
}

/*
 * SIGHUP: the rule set, the slow part (rule files, regular expressions,
 * lists; seconds for tens of thousands of rules), is built by a thread
 * while the loop goes on capturing and answering the status socket; the
 * thread only reads its own new configuration. Reading the configuration
 * (tz_offset sets TZ) and the swap stay in the loop. A SIGHUP during a
 * build is done after it, once for any number of them.
 */
struct reload_job {
	struct sensor	*s;
	struct config	*nc;
	struct ruleset	*nr;
	char		 err[1024];
	pthread_t	 tid;
	int		 pipe[2];	/* the thread's "done" */
	struct event	*ev;
	int		 again;		/* another SIGHUP came meanwhile */
};

static struct reload_job	*reload_job;

static void *
reload_thread(void *arg)
{
	struct reload_job	*j = arg;
	char			 c = 1;

	j->nr = rules_load(j->nc, j->err, sizeof(j->err));
	if (write(j->pipe[1], &c, 1) != 1)
		log_warn("reload: cannot wake the loop");
	return NULL;
}

static void reload_async(struct sensor *);

static void
reload_job_free(struct reload_job *j)
{
	event_free(j->ev);
	close(j->pipe[0]);
	close(j->pipe[1]);
	free(j);
}

static void
on_reload_built(evutil_socket_t fd, short what, void *arg)
{
	struct reload_job	*j = arg;
	struct sensor		*s = j->s;
	char			 c, err[1024];
	int			 again = j->again;

	(void)what;
	if (read(fd, &c, 1) != 1)
		return;
	pthread_join(j->tid, NULL);
	snprintf(err, sizeof(err), "%s", j->err);
	/* A reload through the socket may have swapped in meanwhile. */
	if (j->nr != NULL && config_reload_check(s->conf, j->nc, !s->offline,
	    err, sizeof(err)) != 0) {
		rules_free(j->nr);
		j->nr = NULL;
	}
	if (reload_commit(s, j->nc, j->nr, err, sizeof(err)) != 0)
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", err);
	else
		log_info("reloaded %s", s->conf->path);
	reload_job = NULL;
	reload_job_free(j);
	if (again && !s->shutting_down)
		reload_async(s);
}

static void
reload_async(struct sensor *s)
{
	struct reload_job	*j;
	char			 err[1024];

	if (reload_job != NULL) {
		reload_job->again = 1;
		return;
	}
	reload_begin(s);
	j = xcalloc(1, sizeof(*j));
	j->s = s;
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
	reload_job = j;
	return;
fail:
	(void)reload_commit(s, j->nc, NULL, err, sizeof(err));
	free(j);
	log_warnx("reload failed, keeping the running configuration: %s", err);
}

/* At stop: a rule set still being built is waited for and dropped. */
static void
reload_job_cancel(void)
{
	struct reload_job	*j = reload_job;

	if (j == NULL)
		return;
	pthread_join(j->tid, NULL);
	rules_free(j->nr);
	config_free(j->nc);
	reload_job = NULL;
	reload_job_free(j);
}

static void
on_capture_done(void *arg)
{
	sensor_stop(arg, FLOW_END_CAPTURE);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct sensor	*s = arg;

	(void)what;
	if (sig == SIGHUP) {
		reload_async(s);
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	sensor_stop(s, FLOW_END_SHUTDOWN);
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
	eventlog_flush(s->events);
	alert_out_flush(s->alerts);
	outputs_tick(s->outputs);
	if (s->offline)
		return;
	/* Live and quiet: let wall time move the flow clock on. */
	now = wall_usec();
	if (now > s->last_ts + 1000000) {
		flow_expire(s->flows, now);
		s->last_expire = now;
		sensor_health(s, now);
	}
}

static int
sub_flow_init(struct sensor *s, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	/* One sixteenth of the memcap buys first-bytes buffers. */
	uint64_t	bufmem = s->conf->flow_memcap / 16;
	size_t		nbufs = (size_t)(bufmem / (2 * APP_BUF_MAX + 16));

	s->flows = flow_table_new(s->conf->flow_memcap - bufmem,
	    &s->conf->timeouts, sensor_flow_end, s);
	s->app = app_init(nbufs, sensor_app_record, s);
	if (s->conf->defrag_enabled)
		s->defrag = defrag_new(s->conf->defrag_memcap,
		    s->conf->defrag_timeout);
	sensor_stream_init(s);
	return 0;
}

static void
sub_flow_shutdown(struct sensor *s)
{
	flow_table_free(s->flows);
	app_free(s->app);
	defrag_free(s->defrag);
	s->defrag = NULL;
	stream_free(s->stream);
	s->stream = NULL;
}

static int
sub_events_init(struct sensor *s, char *err, size_t errlen)
{
	if (s->events_path == NULL)
		return 0;
	s->events = eventlog_open(s->events_path, s->conf->sensor_name,
	    s->conf->utc_offset, err, errlen);
	return s->events == NULL ? -1 : 0;
}

static void
sub_events_shutdown(struct sensor *s)
{
	eventlog_close(s->events);
	s->events = NULL;
}

static int
sub_rules_init(struct sensor *s, char *err, size_t errlen)
{
	if (s->rules == NULL &&
	    (s->rules = rules_load(s->conf, err, errlen)) == NULL)
		return -1;
	s->alerts = alert_out_new(s->conf, s->alerts_path, err, errlen);
	return s->alerts == NULL ? -1 : 0;
}

static void
sub_rules_shutdown(struct sensor *s)
{
	alert_out_free(s->alerts);
	s->alerts = NULL;
	rules_free(s->rules);
	s->rules = NULL;
}

static int
sub_signals_init(struct sensor *s, char *err, size_t errlen)
{
	struct timeval	one = { 1, 0 };

	s->ev_sigint = evsignal_new(s->base, SIGINT, on_signal, s);
	s->ev_sigterm = evsignal_new(s->base, SIGTERM, on_signal, s);
	s->ev_sighup = evsignal_new(s->base, SIGHUP, on_signal, s);
	s->ev_tick = event_new(s->base, -1, EV_PERSIST, on_tick, s);
	if (s->ev_sigint == NULL || s->ev_sigterm == NULL ||
	    s->ev_sighup == NULL || s->ev_tick == NULL ||
	    event_add(s->ev_sigint, NULL) != 0 ||
	    event_add(s->ev_sigterm, NULL) != 0 ||
	    event_add(s->ev_sighup, NULL) != 0 ||
	    event_add(s->ev_tick, &one) != 0) {
		snprintf(err, errlen, "cannot install signal handlers");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void
sub_signals_shutdown(struct sensor *s)
{
	reload_job_cancel();
	if (s->ev_sigint)
		event_free(s->ev_sigint);
	if (s->ev_sigterm)
		event_free(s->ev_sigterm);
	if (s->ev_sighup)
		event_free(s->ev_sighup);
	if (s->ev_tick)
		event_free(s->ev_tick);
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
	capture_free(s->cap);
	s->cap = NULL;
}

/* The status socket; it calls back into main for reload and stop. */
static int
sub_control_init(struct sensor *s, char *err, size_t errlen)
{
	static const struct control_ops ops = { sensor_reload, sensor_stop };

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

static const struct subsystem subsystems[] = {
	{ "signals", sub_signals_init, sub_signals_shutdown },
	{ "outputs", sub_outputs_init, sub_outputs_shutdown },
	{ "events", sub_events_init, sub_events_shutdown },
	{ "rules", sub_rules_init, sub_rules_shutdown },
	{ "control", sub_control_init, control_shutdown },
	{ "flow", sub_flow_init, sub_flow_shutdown },
	{ "capture", sub_capture_init, sub_capture_shutdown },
	{ "state", state_init, state_shutdown },	/* state.c */
};
#define NSUBSYSTEMS (sizeof(subsystems) / sizeof(subsystems[0]))

static long
peak_rss_kb(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

/* Every counter, as one JSON object into w (for --stats and the tests). */
static ssize_t
stats_json(struct sensor *s, struct jsonw *wp, double secs)
{
	const struct flow_stats	*fs = flow_stats(s->flows);
	const struct app_stats	*as = app_stats(s->app);
	struct jsonw		 w = *wp;
	int			 i;

	jw_obj_open(&w, "decode");
	jw_uint(&w, "packets", s->dstats.packets);
	jw_uint(&w, "bytes", s->dstats.bytes);
	jw_uint(&w, "ipv4", s->dstats.ipv4);
	jw_uint(&w, "ipv6", s->dstats.ipv6);
	jw_uint(&w, "arp", s->dstats.arp);
	jw_uint(&w, "tcp", s->dstats.tcp);
	jw_uint(&w, "udp", s->dstats.udp);
	jw_uint(&w, "icmp", s->dstats.icmp);
	jw_uint(&w, "icmpv6", s->dstats.icmpv6);
	jw_uint(&w, "vlan", s->dstats.vlan);
	jw_uint(&w, "fragments", s->dstats.fragments);
	jw_uint(&w, "other_l3", s->dstats.other_l3);
	jw_obj_open(&w, "anomalies");
	for (i = 1; i < DE_MAX; i++)
		if (s->dstats.err[i] != 0)
			jw_uint(&w, decode_err_name((enum decode_err)i),
			    s->dstats.err[i]);
	jw_obj_close(&w);
	jw_obj_close(&w);
	jw_obj_open(&w, "flow");
	jw_uint(&w, "created", fs->created);
	jw_uint(&w, "active", fs->active);
	jw_uint(&w, "peak_active", fs->peak_active);
	jw_uint(&w, "max", flow_max(s->flows));
	jw_uint(&w, "evicted", fs->evicted);
	jw_uint(&w, "memcap_hits", fs->memcap_hits);
	jw_uint(&w, "ended_timeout", fs->ended[FLOW_END_TIMEOUT]);
	jw_uint(&w, "ended_capture", fs->ended[FLOW_END_CAPTURE]);
	jw_uint(&w, "ended_eviction", fs->ended[FLOW_END_EVICTION]);
	jw_uint(&w, "ended_shutdown", fs->ended[FLOW_END_SHUTDOWN]);
	jw_uint(&w, "bytes_per_flow", sizeof(struct flow));
	jw_obj_close(&w);
	defrag_stats_json(s->defrag, &w);
	stream_stats_json(s->stream, &w);
	jw_obj_open(&w, "app");
	jw_uint(&w, "tls", as->tls);
	jw_uint(&w, "dns", as->dns);
	jw_uint(&w, "http", as->http);
	jw_uint(&w, "ssh", as->ssh);
	jw_uint(&w, "plaintext", as->plain);
	jw_uint(&w, "buffers_exhausted", as->buf_exhausted);
	jw_uint(&w, "gaps", as->gaps);
	jw_uint(&w, "parse_errors", as->parse_errors);
	jw_obj_close(&w);
	jw_arr_open(&w, "interfaces");
	for (i = 0; i < capture_count(s->cap); i++) {
		const struct iface *ifc = capture_iface(s->cap, i);

		jw_obj_open(&w, NULL);
		jw_str(&w, "name", ifc->name);
		jw_bool(&w, "offline", ifc->offline);
		jw_uint(&w, "packets", ifc->pkts);
		jw_uint(&w, "pcap_received", ifc->ps_recv);
		jw_uint(&w, "pcap_dropped", ifc->ps_drop);
		jw_uint(&w, "pcap_ifdropped", ifc->ps_ifdrop);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if (s->rules != NULL)
		rules_stats_json(s->rules, &w);
	jw_obj_open(&w, "alerts");
	jw_uint(&w, "written", alert_out_count(s->alerts));
	jw_uint(&w, "errors", alert_out_errors(s->alerts));
	jw_obj_close(&w);
	outputs_stats_json(s->outputs, &w);
	jw_obj_open(&w, "events");
	jw_uint(&w, "written", eventlog_count(s->events));
	jw_uint(&w, "errors", eventlog_errors(s->events));
	jw_obj_close(&w);
	jw_obj_open(&w, "run");
	jw_uint(&w, "elapsed_us", (uint64_t)(secs * 1e6));
	jw_uint(&w, "packets_per_second", secs > 0 ?
	    (uint64_t)(s->dstats.packets / secs) : 0);
	jw_int(&w, "peak_rss_kb", peak_rss_kb());
	jw_obj_close(&w);
	return jw_finish(&w);
}

#define STATS_BUF_MIN	(256U << 10)
#define STATS_BUF_MAX	(256U << 20)

/*
 * --stats: the per-rule and per-exception counters grow with the rule
 * set, so the buffer grows until the object fits (up to a bound); any
 * failure to write is said, and makes the exit status non-zero.
 */
static int
write_stats(struct sensor *s, FILE *fp, const char *path, double secs)
{
	struct jsonw	 w;
	char		*buf = NULL;
	size_t		 cap;
	ssize_t		 n = -1;

	for (cap = STATS_BUF_MIN; n < 0 && cap <= STATS_BUF_MAX; cap *= 4) {
		free(buf);
		buf = xmalloc(cap);
		jw_init(&w, buf, cap);
		n = stats_json(s, &w, secs);
	}
	if (n < 0) {
		log_warnx("%s: statistics larger than %u bytes; not written",
		    path, STATS_BUF_MAX);
		free(buf);
		return -1;
	}
	if (fwrite(buf, 1, (size_t)n, fp) != (size_t)n || fflush(fp) != 0) {
		log_warn("%s: cannot write the statistics", path);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/* A short human summary of what was seen, on standard error. */
static void
print_summary(struct sensor *s, double secs)
{
	const struct flow_stats	*fs = flow_stats(s->flows);
	const struct app_stats	*as = app_stats(s->app);
	uint64_t		 anomalies = 0;
	int			 i;

	for (i = 1; i < DE_MAX; i++)
		anomalies += s->dstats.err[i];
	fprintf(stderr, "canhgacd: %llu packets (%llu bytes) in %.3fs, "
	    "%.0f packets/s, peak RSS %ld KiB\n",
	    (unsigned long long)s->dstats.packets,
	    (unsigned long long)s->dstats.bytes, secs,
	    secs > 0 ? s->dstats.packets / secs : 0.0, peak_rss_kb());
	fprintf(stderr, "canhgacd: IPv4 %llu, IPv6 %llu, ARP %llu, TCP %llu, "
	    "UDP %llu, ICMP %llu, ICMPv6 %llu, fragments %llu, "
	    "malformed/anomalous %llu\n",
	    (unsigned long long)s->dstats.ipv4,
	    (unsigned long long)s->dstats.ipv6,
	    (unsigned long long)s->dstats.arp,
	    (unsigned long long)s->dstats.tcp,
	    (unsigned long long)s->dstats.udp,
	    (unsigned long long)s->dstats.icmp,
	    (unsigned long long)s->dstats.icmpv6,
	    (unsigned long long)s->dstats.fragments,
	    (unsigned long long)anomalies);
	for (i = 1; i < DE_MAX; i++)
		if (s->dstats.err[i] != 0)
			fprintf(stderr, "canhgacd:   %s: %llu\n",
			    decode_err_name((enum decode_err)i),
			    (unsigned long long)s->dstats.err[i]);
	fprintf(stderr, "canhgacd: flows %llu (peak %llu, evicted %llu); "
	    "TLS %llu, DNS %llu, HTTP %llu, SSH %llu, plaintext %llu; "
	    "events %llu\n",
	    (unsigned long long)fs->created,
	    (unsigned long long)fs->peak_active,
	    (unsigned long long)fs->evicted,
	    (unsigned long long)as->tls, (unsigned long long)as->dns,
	    (unsigned long long)as->http, (unsigned long long)as->ssh,
	    (unsigned long long)as->plain,
	    (unsigned long long)eventlog_count(s->events));
	if (s->rules != NULL)
		fprintf(stderr, "canhgacd: %zu rules active; %llu alerts "
		    "(critical %llu, high %llu, medium %llu, low %llu, info "
		    "%llu), %llu excepted\n", rules_count(s->rules, 1),
		    (unsigned long long)rules_stats(s->rules)->alerts,
		    (unsigned long long)rules_stats(s->rules)->by_severity[1],
		    (unsigned long long)rules_stats(s->rules)->by_severity[2],
		    (unsigned long long)rules_stats(s->rules)->by_severity[3],
		    (unsigned long long)rules_stats(s->rules)->by_severity[4],
		    (unsigned long long)rules_stats(s->rules)->by_severity[5],
		    (unsigned long long)rules_stats(s->rules)->excepted);
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

/*
 * Everything that needs root is open: give our files to the service
 * user and become it. A replay (-r) without that user stays root with
 * a warning; a live sensor refuses to run as root when told not to.
 */
static int
drop_root(struct sensor *s, int offline, char *err, size_t errlen)
{
	uid_t	uid;
	gid_t	gid;

	if (daemon_user(s->conf->user, &uid, &gid, err, errlen) != 0) {
		if (!offline)
			return -1;
		log_warnx("%s; replaying as root", err);
		return 0;
	}
	if (daemon_drop(uid, gid, err, errlen) != 0)
		return -1;
	log_info("running as user %s (uid %ld)", s->conf->user, (long)uid);
	return 0;
}

/*
 * --compliance: the report from the configuration alone; the sensor
 * evidence is marked not available (no daemon is asked).
 */
static int
offline_compliance(struct sensor *s, int level, const char *format,
    int lang, long long since)
{
	struct json_t	*rep;
	char		 err[1024];
	int		 rc = 0;

	if ((s->rules = rules_load(s->conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		config_free(s->conf);
		return 1;
	}
	if ((rep = compliance_report(s->conf, s->rules, NULL, level, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "canhgacd: compliance: %s\n", err);
		rc = 1;
	} else if (json_object_set_new(rep, "period", json_pack("{s:o,s:b}",
	    "since", since >= 0 ? json_integer(since) : json_null(),
	    "evidence", 0)) != 0 || compliance_render(rep, format, lang >= 0 ?
	    lang :
	    s->conf->language_vi, stdout) != 0) {
		fprintf(stderr, "canhgacd: compliance: cannot write the "
		    "report\n");
		rc = 1;
	}
	json_decref(rep);
	rules_free(s->rules);
	config_free(s->conf);
	return rc;
}

/* path against the working directory, copied into buf. */
static const char *
abs_path(const char *path, char *buf, size_t len)
{
	char	cwd[PATH_MAX];
	int	n;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		n = snprintf(buf, len, "%s", path);
	else
		n = snprintf(buf, len, "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= len)
		fatalx("%s: path too long", path);
	return buf;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: canhgacd [-DTvh] [-c FILE] [-r CAPTURE]... [-i IFACE]...\n"
"                [-P PIDFILE]\n"
"                [--alerts FILE|-] [--events FILE|-] [--stats FILE|-]\n"
"                [--version]\n"
"  -c FILE          configuration (default %s)\n"
"  -r FILE          read a pcap/pcapng capture (repeatable, in order)\n"
"  -i IFACE         capture live on IFACE (repeatable; replaces the\n"
"                   configured capture list)\n"
"  -T               check the configuration (and rules) and exit\n"
"  -D               run in the background (systemd runs it in front)\n"
"  -P PIDFILE       pidfile and instance lock (default: pidfile: in the\n"
"                   configuration; live capture only)\n"
"  --alerts FILE    also write alert records as JSON lines (- for stdout)\n"
"  --events FILE    write flow/tls/dns/http/ssh/plaintext event records\n"
"                   as JSON lines (- for standard output)\n"
"  --stats FILE     write all counters as JSON at exit (- for stdout)\n"
"  --compliance     print the compliance report from the configuration\n"
"                   (no evidence) and exit; with --level N (default\n"
"                   sensor.security_level), --format text|json|html,\n"
"                   --lang en|vi, --since DATE (the period; offline\n"
"                   there is no evidence to restrict, and it says so)\n"
"  -v               more output (-v -T prints the effective config)\n"
"  --version        print the version and exit\n"
"  -h               this help\n", DEFAULT_CONFIG);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'E' },
		{ "alerts", required_argument, NULL, 'A' },
		{ "stats", required_argument, NULL, 'S' },
		{ "compliance", no_argument, NULL, 'C' },
		{ "level", required_argument, NULL, 'L' },
		{ "format", required_argument, NULL, 'F' },
		{ "lang", required_argument, NULL, 'G' },
		{ "since", required_argument, NULL, 'N' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sensor	 s;
	const char	*conffile = NULL;
	const char	*files[IFACE_MAX], *ifaces[IFACE_MAX];
	int		 nfiles = 0, nifaces = 0, test = 0, verbose = 0;
	int		 ch, i, done = 0, rc = 0, detach = 0, pidfd = -1;
	int		 readyfd = -1;
	char		 absconf[PATH_MAX], abs_events[PATH_MAX];
	char		 abs_pid[PATH_MAX];
	const char	*pidfile = NULL, *events_arg = NULL;
	FILE		*stats_fp = NULL;
	int		 compliance = 0, clevel = 0, clang = -1;
	long long	 csince = -1;
	const char	*cformat = "text";
	char		 err[1024];
	double		 secs;

	memset(&s, 0, sizeof(s));
	while ((ch = getopt_long(argc, argv, "c:r:i:TvhE:S:A:DP:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conffile = optarg;
			break;
		case 'r':
			if (nfiles >= IFACE_MAX)
				fatalx("at most %d -r files", IFACE_MAX);
			files[nfiles++] = optarg;
			break;
		case 'i':
			if (nifaces >= IFACE_MAX)
				fatalx("at most %d -i interfaces", IFACE_MAX);
			ifaces[nifaces++] = optarg;
			break;
		case 'T':
			test = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'E':
			events_arg = optarg;
			break;
		case 'S':
			s.stats_path = optarg;
			break;
		case 'A':
			s.alerts_path = optarg;
			break;
		case 'D':
			detach = 1;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'C':
			compliance = 1;
			break;
		case 'L':
			clevel = atoi(optarg);
			if (clevel < 1 || clevel > 5)
				fatalx("--level: 1..5");
			break;
		case 'F':
			cformat = optarg;
			if (strcmp(cformat, "text") && strcmp(cformat, "json") &&
			    strcmp(cformat, "html"))
				fatalx("--format: text, json or html");
			break;
		case 'N':
			if ((csince = compliance_parse_since(optarg,
			    (long long)time(NULL), err, sizeof(err))) < 0)
				fatalx("%s", err);
			break;
		case 'G':
			if (strcmp(optarg, "en") && strcmp(optarg, "vi"))
				fatalx("--lang: en or vi");
			clang = strcmp(optarg, "vi") == 0;
			break;
		case 'V':
			printf("canhgacd %s (%s)\n", CANHGAC_VERSION,
			    pcap_lib_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(0, 0);
	log_setverbose(verbose);

	if (conffile == NULL && access(DEFAULT_CONFIG, R_OK) == 0)
		conffile = DEFAULT_CONFIG;
	/*
	 * Detached, the daemon leaves its working directory once running:
	 * paths that a reload opens again are made absolute first (the
	 * configuration's own relative paths follow its directory).
	 */
	if (detach && conffile != NULL)
		conffile = abs_path(conffile, absconf, sizeof(absconf));
	if (detach && events_arg != NULL && strcmp(events_arg, "-") != 0)
		events_arg = abs_path(events_arg, abs_events,
		    sizeof(abs_events));
	if (conffile != NULL) {
		if ((s.conf = config_load(conffile, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
	} else {
		if (test) {
			fprintf(stderr, "canhgacd: no configuration: %s not "
			    "found and no -c given\n", DEFAULT_CONFIG);
			return 1;
		}
		s.conf = xcalloc(1, sizeof(*s.conf));
		config_defaults(s.conf);
		s.conf->utc_offset = 7 * 3600;
	}
	if (compliance)
		return offline_compliance(&s, clevel, cformat, clang, csince);
	if (test) {
		if ((s.rules = rules_load(s.conf, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", err);
			config_free(s.conf);
			return 1;
		}
		printf("configuration %s: OK\n", conffile);
		if (verbose)
			config_print(s.conf, stdout);
		rules_print_summary(s.rules, stdout, verbose);
		rules_free(s.rules);
		config_free(s.conf);
		return 0;
	}
	s.events_cli = events_arg != NULL;
	s.events_path = s.events_cli ? xstrdup(events_arg) :
	    events_path_of(&s, s.conf);
	/* What root creates before the drop is the service user's. */
	if (geteuid() == 0 && s.conf->user != NULL) {
		uid_t	uid;
		gid_t	gid;

		if (daemon_user(s.conf->user, &uid, &gid, err,
		    sizeof(err)) == 0)
			safefile_set_owner(uid, gid);
	}

	/* A live sensor holds the pidfile lock; replays run beside it. */
	if (pidfile == NULL)
		pidfile = s.conf->pidfile;
	if (pidfile != NULL)	/* a reload frees s.conf; -D leaves the cwd */
		pidfile = abs_path(pidfile, abs_pid, sizeof(abs_pid));
	if (nfiles == 0 && pidfile != NULL && (pidfd = daemon_pidfile(pidfile,
	    err, sizeof(err))) < 0) {
		fprintf(stderr, "canhgacd: %s\n", err);
		config_free(s.conf);
		free(s.events_path);
		return 1;
	}
	if (detach) {
		if ((readyfd = daemon_detach(err, sizeof(err))) < 0)
			fatalx("%s", err);
		daemon_pidfile_update(pidfd);
	}
	if ((s.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	s.cap = capture_new(s.base, sensor_packet, on_capture_done, &s);
	if (nfiles > 0) {
		s.offline = 1;
		for (i = 0; i < nfiles; i++)
			if (capture_add_file(s.cap, files[i], err,
			    sizeof(err)) != 0)
				fatalx("%s", err);
	} else if (nifaces > 0) {
		s.cli_ifaces = 1;
		for (i = 0; i < nifaces; i++) {
			struct capture_conf cc;

			memset(&cc, 0, sizeof(cc));
			snprintf(cc.iface, sizeof(cc.iface), "%s", ifaces[i]);
			cc.snaplen = 1600;
			cc.promisc = 1;
			/* Keep the configured filter for a listed interface. */
			for (int j = 0; j < s.conf->ncapture; j++)
				if (strcmp(s.conf->capture[j].iface,
				    ifaces[i]) == 0)
					cc = s.conf->capture[j];
			if (capture_add_live(s.cap, &cc, err, sizeof(err)) != 0)
				fatalx("%s", err);
		}
	} else if (s.conf->ncapture > 0) {
		for (i = 0; i < s.conf->ncapture; i++)
			if (capture_add_live(s.cap, &s.conf->capture[i], err,
			    sizeof(err)) != 0)
				fatalx("%s", err);
	} else
		fatalx("nothing to capture: give -r FILE, -i IFACE or a "
		    "capture list in the configuration");

	for (i = 0; i < (int)NSUBSYSTEMS; i++) {
		if (subsystems[i].init(&s, err, sizeof(err)) != 0) {
			log_warnx("%s: %s", subsystems[i].name, err);
			rc = 1;
			break;
		}
		done = i + 1;
	}
	/* Opened now, while still root: written at exit, after the drop. */
	if (rc == 0 && s.stats_path != NULL) {
		int fd = -1;

		/* Not through a link another user planted there. */
		stats_fp = strcmp(s.stats_path, "-") == 0 ? stdout :
		    (fd = safe_open(s.stats_path, O_WRONLY | O_CREAT | O_TRUNC,
		    0644, 0, err, sizeof(err))) < 0 ? NULL : fdopen(fd, "w");
		if (stats_fp == NULL) {
			log_warnx("%s", fd < 0 ? err : strerror(errno));
			if (fd >= 0)
				close(fd);
			rc = 1;
		}
	}
	if (rc == 0 && geteuid() == 0 && s.conf->user != NULL &&
	    drop_root(&s, nfiles > 0, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		rc = 1;
	}
	/* Loaded, open and unprivileged: only now has a -D start worked. */
	if (rc == 0 && detach) {
		daemon_detach_done(readyfd);
		log_init(0, 1);
	}
	/* Packet rates are of the packet path, without the load time. */
	s.wall_start = s.start_wall = wall_usec();
	s.reload_ok = 1;
	if (rc == 0) {
		log_info("running on %d source(s)", capture_count(s.cap));
		event_base_dispatch(s.base);
		if (!s.shutting_down)
			sensor_stop(&s, FLOW_END_SHUTDOWN);
	}
	secs = (double)(wall_usec() - s.wall_start) / 1e6;
	if (rc == 0) {
		capture_stats_update(s.cap);
		print_summary(&s, secs);
		if (stats_fp != NULL && write_stats(&s, stats_fp, s.stats_path,
		    secs) != 0)
			rc = 1;
	}
	if (stats_fp != NULL && stats_fp != stdout && fclose(stats_fp) != 0 &&
	    rc == 0) {
		log_warn("%s: cannot write the statistics", s.stats_path);
		rc = 1;
	}
	/* Events last out, after the flows ended into them. */
	for (i = done; i > 0; i--)
		subsystems[i - 1].shutdown(&s);
	if (done < (int)NSUBSYSTEMS)
		capture_free(s.cap);
	event_base_free(s.base);
	config_free(s.conf);
	free(s.events_path);
	daemon_pidfile_remove(pidfd, pidfile);
	return rc;
}
