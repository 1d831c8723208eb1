/*
 * The compliance history's working state, shared by its three files:
 * history.c (the store: load, validate, bounded lists, save),
 * history_evidence.c (the report's view of a period) and history_sample.c
 * (the daemon's side: counters sampled on a timer, start, reload, stop).
 * Nothing outside these files looks inside.
 */
#ifndef HISTORY_INTERNAL_H
#define HISTORY_INTERNAL_H

#include <time.h>

#include <jansson.h>

#include "history.h"
#include "types.h"
#include "util.h"

#define HOUR			3600
#define DAY			86400
#define NAME_MAX_LEN		96	/* interface, output, control names */

/* What was last seen of a counter, to add only the difference. */
struct base_sid {
	uint32_t	 sid;
	uint64_t	 hits;
};
struct base_iface {
	char		 name[64];
	uint64_t	 pkts, recv, drops;
	char		 st[16];
};
struct base_out {
	char		 name[NAME_MAX_LEN];
	uint64_t	 sent, dropped;
};

struct state {
	char		*path, *tmp, *lock;
	int		 lockfd;
	int		 dfd;		/* the directory, -1: by path */
	int		 utc_offset;
	json_t		*doc;
	json_t		*run;		/* this process's run, in doc */
	int		 dirty;
	/* The periodic save: encoded on the loop, written by a thread. */
	char		*bg_buf;
	struct util_job	 bg;
	/* Sensor glue. */
	struct sensor	*s;
	struct event	*ev;
	time_t		 last_save;
	unsigned	 ticks;
	const struct ruleset *base_rs;
	struct base_sid	*bsid;
	size_t		 nbsid;
	int		 sample_nomem;	/* the last sample_rules had none */
	struct base_iface bif[IFACE_MAX];
	int		 nbif;
	struct base_out	 bout[STATE_OUTPUTS_MAX];
	int		 nbout;
};

/* A string member, or "" (never NULL). */
static inline const char *
js_get(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static inline time_t
now_sec(void)
{
	return time(NULL);
}

/* history.c */
/* The t (or time/start) of a record, for sorting. */
json_int_t state_rec_time(json_t *);
/* Add every count of src into dst (nested maps too, keys capped). */
void	 state_merge_counts(json_t *dst, json_t *src);
/* Add n to o[key] (a new key only while o has fewer than the cap). */
void	 state_add_int(json_t *o, const char *key, uint64_t n);
/* a + n for counts, held at the largest integer rather than wrapped. */
json_int_t state_count_add(json_int_t a, uint64_t n);

#endif /* HISTORY_INTERNAL_H */
