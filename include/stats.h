/*
 * stats.c: the sensor's counters as one JSON snapshot, one schema for
 * `canhgacd --stats` and `canhgacctl stats` (docs/stats.md), and the
 * pieces of it that `canhgacctl status` shows too.
 */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>

#include <jansson.h>

#include "app.h"
#include "checksum.h"
#include "decode.h"
#include "defrag.h"
#include "flow.h"
#include "http_body.h"
#include "http_session.h"
#include "pmatch.h"
#include "stream.h"

struct remote;
struct sensor;
struct syslog_out;

/*
 * The packet path's counters summed over the workers (read while they
 * run: each is a word a single thread writes, so a read is at most a
 * moment old). have_*: that part exists.
 */
struct worker_totals {
	struct decode_stats		d;
	struct flow_stats		f;
	uint64_t			flow_max;
	struct app_stats		a;
	struct http_session_stats	hs;
	uint64_t			hb[HBC_NCOUNTERS];
	uint64_t			df[DFC_NCOUNTERS];
	uint64_t			st[STC_NCOUNTERS];
	uint64_t			pm[PMC_NCOUNTERS];
	struct checksum_stats		cs;
	int				have_flows, have_defrag, have_stream;
};
void	 stats_worker_totals(const struct sensor *, struct worker_totals *);

/*
 * Every counter but the status socket's own (control_stats adds them):
 * uptime, decode, flow, app, interfaces, rules, outputs, reload, run.
 */
json_t	*stats_snapshot(struct sensor *);
/* The capture interfaces, their pcap counters refreshed first. */
json_t	*stats_interfaces(struct sensor *);
/* Each output's object (outputs.syslog, an element of outputs.remote). */
json_t	*stats_syslog(const struct syslog_out *);
json_t	*stats_remote(const struct remote *);
/* A time in the sensor's zone as text, or null for 0. */
json_t	*stats_time(const struct sensor *, uint64_t usec);
/* Peak resident set of this process, KiB (-1 unknown). */
long	 stats_peak_rss_kb(void);
/* The process's CPU time so far, user and system, all threads (µs). */
uint64_t stats_cpu_usec(void);

#endif
