/*
 * workers.c: packet workers on threads of their own (sensor.workers
 * over 1). The loop thread reads the capture and hands each packet to
 * the worker of its address pair (both directions, and every fragment,
 * to the same one) through a ring; each worker has its own flows,
 * reassembly, parsers and matcher state, and queues its alerts and
 * event records back to the loop thread, which writes them and keeps
 * outputs, the status socket, the history and the sensor's health.
 */
#ifndef CANHGAC_WORKERS_H
#define CANHGAC_WORKERS_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct sensor;
struct worker;
struct iface;
struct workers;

#define WORKERS_MAX	64	/* sensor.workers, --workers */

/* The number sensor.workers asks for: 0 is one per usable CPU. */
unsigned	 workers_wanted(int configured);
/*
 * n workers (n >= 2): the loop's own (sensor.w, set up already, an nth
 * of the memory caps) and n - 1 threads, on s's rules and outputs; the
 * capture now hands packets to workers_dispatch. -1 with err set.
 */
int		 workers_start(struct sensor *, unsigned n, char *err,
		    size_t errlen);
/* capture_pkt_cb: the packet to the worker of its address pair. */
void		 workers_dispatch(const struct iface *, uint64_t ts,
		    const uint8_t *, uint32_t caplen, uint32_t wirelen,
		    void *sensor);
/* After a capture batch: wake the workers it gave packets to. */
void		 workers_kick(struct workers *);
/* The loop thread: write and hand on what the workers queued; busy:
 * more packets are coming (alert_out_batch_end). */
void		 workers_drain(struct workers *, int busy);
/*
 * Stop: each worker reads what is queued, times out the flows idle too
 * long by end_ts (the last packet's time), ends the rest for why and
 * exits; the loop drains them meanwhile, then joins them.
 */
void		 workers_finish(struct workers *, enum flow_end_reason why,
		    uint64_t end_ts);
/*
 * Hold every worker between two packets (a reload swaps the rule set
 * and configuration meanwhile), and let them go on.
 */
void		 workers_pause(struct workers *);
void		 workers_resume(struct workers *);
/* A reload: a matcher state per worker in the new set and a queue for
 * its records under the new configuration and event log nel (before
 * the swap; -1: no memory), then, held, swapped in with the
 * configuration; or, the reload failed, forgotten (the states are freed
 * with that set, the queues here). */
struct ruleset;
struct config;
struct eventlog;
int		 workers_prepare(struct workers *, struct ruleset *,
		    const struct config *, const struct eventlog *);
void		 workers_reloaded(struct workers *);
void		 workers_unprepare(struct workers *);
void		 workers_free(struct workers *);
/* Worker threads (the loop's own not counted): 0 with none. */
size_t		 workers_count(const struct workers *);
struct worker	*workers_get(struct workers *, size_t);
/* Packets worker i never saw: its queue was full (live capture). */
uint64_t	 workers_lost(const struct workers *, size_t);

#endif /* CANHGAC_WORKERS_H */
