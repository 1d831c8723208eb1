/*
 * Beaconing (rules.md "beacon"): per rule and key (by default one
 * internal host and one outside destination), the connections the rule
 * matches, usually at flow start. Intervals shorter than the rule's min
 * are one burst (a retry, a second socket): they move the last time on
 * and count nothing, so a chatty stream is never a beacon; one longer than
 * max ends the run. An interval within jitter % of the run's mean
 * extends the run, another one starts a new run; a run of count
 * connections alerts once. The state is O(1) per key.
 */
#include "config.h"

#include <string.h>

#include "behaviour.h"

struct bc_ent {
	uint64_t	 last;		/* packet time of the run's last */
	uint64_t	 mean;		/* mean interval of the run, usec */
	uint64_t	 lo, hi;	/* its shortest and longest interval */
	uint32_t	 n;		/* intervals in the run */
	uint32_t	 fired;
};

size_t
bc_payload(void)
{
	return sizeof(struct bc_ent);
}

static uint64_t
absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

int
bc_event(struct slottab *t, uint32_t rule, const struct bh_spec *s,
    const struct thr_key *key, uint64_t ts, struct bh_result *out)
{
	struct bc_ent	*e;
	uint64_t	 iv, d;
	int		 created;

	if (t == NULL)
		return 0;
	e = slot_get(t, rule, key, &created);
	if (created || ts <= e->last) {
		if (created)
			e->last = ts;
		return 0;
	}
	iv = ts - e->last;
	e->last = ts;
	/* Part of the same call; a chatty stream never adds up to one. */
	if (iv < s->min)
		return 0;
	if (iv > s->max) {
		e->n = 0;
		e->fired = 0;
		return 0;
	}
	d = absdiff(iv, e->mean);
	if (e->n == 0 || d * 100 > e->mean * s->jitter_pct) {
		/* A new run starts with this interval. */
		e->mean = e->lo = e->hi = iv;
		e->n = 1;
		e->fired = 0;
	} else {
		e->mean = (e->mean * e->n + iv) / (e->n + 1);
		if (iv < e->lo)
			e->lo = iv;
		if (iv > e->hi)
			e->hi = iv;
		e->n++;
	}
	if (e->fired || e->n + 1 < s->count)
		return 0;
	e->fired = 1;
	memset(out, 0, sizeof(*out));
	out->kind = BH_BEACON;
	out->interval = e->mean;
	/* From the mean the alert states, not from the mean of the run
	 * when the interval came (1.5 s off 60 read 2.3 s). */
	out->spread = absdiff(e->hi, e->mean) > absdiff(e->mean, e->lo) ?
	    absdiff(e->hi, e->mean) : absdiff(e->mean, e->lo);
	out->repeats = e->n + 1;
	return 1;
}
