/*
 * The daemon's state (struct sensor, owned by canhgacd.c's main, read by
 * control.c) and sensor.c's packet path.
 */
#ifndef CANHGAC_SENSOR_H
#define CANHGAC_SENSOR_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "checksum.h"
#include "decode.h"
#include "flow.h"

struct event_base;
struct config;
struct capture;
struct flow_table;
struct app_ctx;
struct eventlog;
struct ruleset;
struct rules_state;
struct alert_out;
struct outputs;
struct event;
struct state;
struct baselines_state;
struct defrag;
struct stream;
struct pmatch;
struct reload_job;
struct selftest;
struct iface;
struct packet;
struct app_result;
struct hosts;
struct workers;
struct worker_thr;

struct sensor;

/*
 * A packet worker: what the packet path changes that is not counted
 * across flows (flows, reassembly, parsers, the rules' matcher state,
 * decode counters), so that workers of their own flows share nothing
 * of it. The loop thread's is sensor.w; workers.c runs the others on
 * threads of their own. What they share (rules, hosts, the capture) is
 * reached through s; alerts and events through their own outputs.
 */
struct worker {
	struct sensor		*s;
	struct flow_table	*flows;
	struct app_ctx		*app;
	struct defrag		*defrag;	/* defrag.c, NULL when off */
	struct stream		*stream;	/* stream.c */
	struct pmatch		*pmatch;	/* pmatch.c */
	/* The rules' matcher state: rules_main_state(s->rules). */
	struct rules_state	*match_state;
	/* s->alerts and s->events, or a worker thread's queues of them. */
	struct alert_out	*alerts;
	struct eventlog		*events;
	struct worker_thr	*thr;		/* workers.c; NULL: the loop's */
	struct decode_stats	 dstats;
	struct checksum_stats	 csum;		/* sensor.c, sensor_checksum */
	uint8_t			 csum_mode;	/* enum checksum_mode */
	uint64_t		 last_ts;	/* newest packet time */
	uint64_t		 last_expire;
	uint64_t		 limit_raised;	/* regex limits, last raised */
};

struct sensor {
	struct event_base	*base;
	struct config		*conf;
	struct capture		*cap;
	struct worker		 w;
	struct eventlog		*events;
	char			*events_path;	/* owned; NULL: no event log */
	int			 events_cli;	/* --events, not `events:` */
	struct ruleset		*rules;
	struct alert_out	*alerts;
	const char		*alerts_path;	/* --alerts */
	uint64_t		 last_drops;	/* sensor health, last seen */
	uint64_t		 last_memcap;
	uint64_t		 last_thr_evicted;
	uint64_t		 sensor_raised[10];	/* packet time of last */
	uint64_t		 last_output_drops;
	uint64_t		 last_log_errors;
	struct outputs		*outputs;	/* output.c: syslog, remote */
	struct event		*ev_sigint, *ev_sigterm, *ev_sighup, *ev_tick;
	uint64_t		 wall_start;	/* microseconds */
	uint64_t		 cpu_start;	/* the process's CPU µs then */
	int			 offline;
	int			 shutting_down;
	const char		*stats_path;
	int			 cli_ifaces;	/* -i replaced the capture list */
	uint64_t		 start_wall;	/* microseconds, for uptime */
	uint64_t		 reloads, reload_failures;
	uint64_t		 last_reload;	/* wall microseconds */
	int			 reload_ok;
	char			 reload_error[1024];
	void			*control;	/* control.c */
	struct state		*state;		/* history.c */
	struct baselines_state	*baselines;	/* baseline_state.c */
	uint64_t		 last_defrag_evicted;
	uint64_t		 last_stream_evicted;
	uint64_t		 last_stream_cut;
	uint64_t		 last_parser_refused;
	/* lifecycle.c (lifecycle.h) */
	int			 own_signals;	/* SIGINT/TERM stop, SIGHUP reloads */
	size_t			 nstarted;	/* subsystems started */
	int			 drained;	/* stopped, outputs drained */
	struct reload_job	*reload_job;	/* a rule set being built */
	pthread_t		 retire_tid;	/* freeing a replaced rule set */
	int			 retiring;
	struct hosts		*hosts;		/* hosts.c: the inventory */
	struct selftest		*selftest;	/* selftest.c, NULL offline */
	/* workers.c: the packet workers' threads beside sensor.w, NULL
	 * with one worker. */
	struct workers		*workers;
	unsigned		 workers_cli;	/* --workers; 0: sensor.workers */
};

/* sensor.c: the packet path (capture_pkt_cb, flow_end_cb, app_emit_cb). */
void	 sensor_packet(const struct iface *, uint64_t ts, const uint8_t *,
	    uint32_t caplen, uint32_t wirelen, void *sensor);
void	 sensor_flow_end(struct flow *, enum flow_end_reason, void *worker);
/* Reassembly and stream matching with a share-th of their memory caps. */
void	 sensor_stream_init(struct worker *, unsigned share);
/* lifecycle.c: worker idx of n (an nth of each memory cap), freed. */
int	 sensor_worker_init(struct worker *, struct sensor *, unsigned idx,
	    unsigned n, char *err, size_t errlen);
void	 sensor_worker_free(struct worker *);
/*
 * HTTP read message by message, nhttp transactions at once, bodies
 * decoded for the payload rules with the http.* settings.
 */
void	 sensor_http_init(struct worker *, size_t nhttp);
void	 sensor_app_record(const struct packet *, const struct app_result *,
	    void *worker);
/* The loop's worker's clock moves on a packet another worker gets. */
void	 sensor_clock(struct worker *, uint64_t ts);
/* A worker thread's packet (workers.c): what sensor_packet does. */
void	 sensor_worker_packet(struct worker *, const struct iface *,
	    uint64_t ts, const uint8_t *, uint32_t caplen, uint32_t wirelen);
/* Raise the sensor's own health events due at packet time now. */
void	 sensor_health(struct sensor *, uint64_t now);
void	 sensor_regex_limits(struct worker *, uint64_t now);
/* What the health events count, summed over the workers. */
struct sensor_totals {
	uint64_t	capture_drops;	/* the kernel's, and the workers' queues */
	uint64_t	flow_memcap_hits;
	uint64_t	output_drops;	/* remote spools, the loop's queues */
	uint64_t	defrag_evicted;
	uint64_t	stream_evicted;
	uint64_t	stream_cut;	/* segments longer than the snap length */
	/* a flow's hello, certificate, HTTP header or login not kept: its
	 * parser's pool had nothing free (app.buffers_exhausted,
	 * http.state_exhausted) */
	uint64_t	parser_refused;
	/* live: found a worker's queue full (counted in the two above) */
	uint64_t	lost_packets, lost_alerts, lost_events;
};
void	 sensor_totals(const struct sensor *, struct sensor_totals *);
/* The packet workers: 0 is the loop's (sensor.w), then the threads. */
size_t	 sensor_nworkers(const struct sensor *);
const struct worker *sensor_worker(const struct sensor *, size_t);

#endif /* CANHGAC_SENSOR_H */
