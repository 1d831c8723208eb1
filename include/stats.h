/*
 * stats.c: the sensor's counters as one JSON snapshot, one schema for
 * `canhgacd --stats` and `canhgacctl stats` (docs/stats.md), and the
 * pieces of it that `canhgacctl status` shows too.
 */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>

#include <jansson.h>

struct remote;
struct sensor;
struct syslog_out;

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

#endif
