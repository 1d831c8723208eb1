/*
 * lifecycle.c: the sensor's life, as the daemon, the unit tests and the
 * fuzz targets all run it: start the subsystems (table order), reload
 * (in the loop or with the rule set built by a thread), stop, shut down
 * (reverse order), and the statistics at exit.
 */
#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow.h"

struct capture;
struct config;
struct json_t;
struct sensor;

/* Wall clock, microseconds. */
uint64_t sensor_wall_usec(void);

/* s->cap on s->base, feeding the packet path; add its sources next. */
struct capture *sensor_capture(struct sensor *);
/*
 * Start every subsystem on s->base with s->conf and s->cap (sources
 * added); s->offline, s->events_cli/events_path, s->alerts_path and
 * s->own_signals say how. On failure err says which subsystem and why;
 * sensor_shutdown still undoes what started.
 */
int	 sensor_start(struct sensor *, char *err, size_t errlen);
/* The packet path's state of s: flows, app, defrag, stream (and free). */
int	 sensor_flow_init(struct sensor *, char *err, size_t errlen);
void	 sensor_flow_shutdown(struct sensor *);
/* Run the loop until the sensor stopped (capture end or sensor_stop). */
void	 sensor_run(struct sensor *);
/*
 * Stop capture, end every flow, flush, and leave the loop once the
 * outputs drained (or their drain_timeout passed).
 */
void	 sensor_stop(struct sensor *, enum flow_end_reason);
/*
 * Shut down what started in reverse order; frees the capture, the
 * configuration and the event log path (s->base stays the caller's).
 */
void	 sensor_shutdown(struct sensor *);

/*
 * Reload: the new configuration and rule set, swapped in whole or not
 * at all (the running set stays, err says why). sensor_reload builds
 * the rule set in the loop; sensor_reload_async in a thread, calling
 * done(arg, ok, err) from the loop once swapped in or refused. A
 * request during a build gets one more build after it (the files may
 * have changed since it began), shared by all such requests.
 * sensor_reload fails during a build, whose thread reads the running set.
 */
typedef void (*sensor_reload_cb)(void *arg, int ok, const char *err);
int	 sensor_reload(struct sensor *, char *err, size_t errlen);
void	 sensor_reload_async(struct sensor *, sensor_reload_cb, void *arg);
/* Do not call done for arg (it is going away). */
void	 sensor_reload_forget(struct sensor *, void *arg);
/* A build is under way. */
int	 sensor_reload_pending(const struct sensor *);

/* The event log's path (malloc'd) in *out: --events, else `events:` of
 * c; NULL: none. -1 without memory. */
int	 sensor_events_path(const struct sensor *, const struct config *c,
	    char **out);

/* Every counter as one JSON object (stats.h, with the status socket's). */
struct json_t *sensor_stats(struct sensor *);
/* That object as one line to fp (--stats); -1 said why. */
int	 sensor_write_stats(struct sensor *, FILE *fp, const char *path);
/* A short human summary on standard error. */
void	 sensor_print_summary(struct sensor *, double secs);

#endif
