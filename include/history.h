/*
 * The compliance history (history.c, history_evidence.c, history_sample.c):
 * what the compliance report needs across restarts, kept in
 * STATE_DIR/state.json (written atomically, every list capped).
 */
#ifndef CANHGAC_HISTORY_H
#define CANHGAC_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct json_t;
struct sensor;

#define STATE_FILE_MAX		(8 << 20)
#define STATE_RUNS_MAX		256
#define STATE_RELOADS_MAX	256
#define STATE_IFEVENTS_MAX	512
#define STATE_OUTPUTS_MAX	16
#define STATE_TRAFFIC_MAX	8192	/* interface buckets */
#define STATE_ALERTS_MAX	4096	/* alert buckets (hours with alerts) */
#define STATE_KEYS_MAX		64	/* categories or controls a bucket */
#define STATE_HOURLY_DAYS	14	/* then daily buckets */
#define STATE_KEEP_DAYS		400
#define STATE_SELFTESTS_MAX	256	/* self-test runs */

struct state;
/* path, in the directory dfd when >= 0 (safe_dir's), else by name. */
struct state *state_load(const char *path, int dfd, int utc_offset);
int	 state_save(struct state *, char *err, size_t errlen);
/* The same, the file written by a thread (the periodic save): 1 while
 * the last one still writes; it waits for none. */
int	 state_save_background(struct state *, char *err, size_t errlen);
void	 state_free(struct state *);
const struct json_t *state_doc(const struct state *);
void	 state_run_start(struct state *, time_t, const char *digest);
void	 state_run_seen(struct state *, time_t);
void	 state_run_stop(struct state *, time_t);
void	 state_reload(struct state *, time_t, int ok, const char *digest,
	    const char *error);
void	 state_add_traffic(struct state *, const char *iface, time_t,
	    uint64_t pkts, uint64_t recv, uint64_t drops);
void	 state_iface_state(struct state *, const char *iface, time_t,
	    const char *state);
void	 state_add_alerts(struct state *, time_t, const char *category,
	    const char *const *controls, size_t ncontrols, uint64_t n,
	    time_t last);
void	 state_output(struct state *, const char *name, time_t,
	    uint64_t delivered, uint64_t dropped, int64_t pending,
	    int64_t bytes, const char *ostate);
/* A self-test result (selftest.h), recorded. */
void	 state_selftest(struct state *, struct json_t *result);
/* The evidence of the period [since, now] as report JSON. */
struct json_t *state_evidence(const struct state *, time_t since, time_t now);
/* The daemon's hooks (s->state is NULL when there is no state file). */
int	 state_init(struct sensor *, char *err, size_t errlen);
void	 state_sample(struct sensor *);
void	 state_reload_begin(struct sensor *);
void	 state_reload_end(struct sensor *, int ok, const char *error);
void	 state_selftest_end(struct sensor *, struct json_t *result);
void	 state_shutdown(struct sensor *);
/* baseline_state.c: the learned baselines in STATE_DIR/baselines. */
int	 baselines_init(struct sensor *, char *err, size_t errlen);
void	 baselines_reloaded(struct sensor *, int had_baselines);
void	 baselines_shutdown(struct sensor *);

#endif /* CANHGAC_HISTORY_H */
