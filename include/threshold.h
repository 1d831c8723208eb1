/*
 * threshold.c: per-rule counting windows and suppression, keyed by the
 * rule's `by` fields, in tables bounded by limits.threshold_memcap.
 */
#ifndef CANHGAC_THRESHOLD_H
#define CANHGAC_THRESHOLD_H

#include <stddef.h>
#include <stdint.h>

enum thr_kind { THR_NONE = 0, THR_COUNT, THR_DISTINCT, THR_SUM };

struct bh_result;

struct thr_spec {
	enum thr_kind	 kind;
	uint32_t	 count;		/* events, or distinct values */
	uint64_t	 above;		/* THR_SUM: bytes */
	uint64_t	 within;	/* window, microseconds */
	uint64_t	 suppress;	/* microseconds, 0 = none */
};

/* A threshold key: the `by` fields of one event, already extracted. */
struct thr_key {
	uint8_t		 a[16];		/* src_ip or zero */
	uint8_t		 b[16];		/* dst_ip or zero */
	uint16_t	 sport, dport;
	uint8_t		 proto;
	uint8_t		 ipver;
	uint16_t	 pad;
	uint64_t	 name_hash;	/* sni / query, or 0 */
};

struct thr_result {
	uint64_t	 count;		/* events in the window */
	uint64_t	 distinct;	/* distinct values in the window */
	uint64_t	 sum;		/* summed bytes in the window */
	uint64_t	 suppressed;	/* alerts held back since the last one */
	uint64_t	 window_start;
	const struct bh_result *bh;	/* a behaviour rule's (behaviour.h) */
};

struct thr_stats {
	uint64_t	 keys;		/* live keys */
	uint64_t	 evicted;	/* keys dropped at the memcap */
	uint64_t	 suppressed;	/* alerts held back */
	uint64_t	 bytes;		/* memory in use */
};

struct thr_table;
/* nrules rules, each with its spec (kind THR_NONE for none). */
struct thr_table *thr_new(uint64_t memcap, const struct thr_spec *specs,
	    size_t nrules);
void	 thr_free(struct thr_table *);
/*
 * Record one matching event of rule r at time ts: key holds the
 * threshold's `by` fields, skey the suppression's (NULL: same as key).
 * value is the field counted by THR_DISTINCT, or the bytes added by
 * THR_SUM. Returns 1 if an alert is due now (out filled), 0 if not.
 */
int	 thr_event(struct thr_table *, size_t r, const struct thr_key *key,
	    const struct thr_key *skey, uint64_t value, uint64_t ts,
	    struct thr_result *out);
/*
 * thr_event in two parts, for a rule whose window and suppression live
 * in different tables (a packet worker's own, and the one shared by all
 * workers): the window of key (1: due, out filled), then the due alert
 * against the suppression of skey (1: it goes, out->suppressed set).
 */
int	 thr_event_window(struct thr_table *, size_t r,
	    const struct thr_key *key, uint64_t value, uint64_t ts,
	    struct thr_result *out);
int	 thr_event_suppress(struct thr_table *, size_t r,
	    const struct thr_key *skey, uint64_t ts, struct thr_result *out);
const struct thr_stats *thr_stats(const struct thr_table *);
/* Reload: state of from's rule r moves to to's rule map[r] (UINT32_MAX:
 * dropped), so windows and suppressions of unchanged rules go on. 1: to
 * took from over and moves it in slices (thr_carry_step, with at most n
 * entries a call, returns 1 while some are left); 0: nothing to move
 * (or no memory to), from is still the caller's to free, off the loop. */
int	 thr_carry(struct thr_table *to, struct thr_table *from,
	    const uint32_t *map);
int	 thr_carry_step(struct thr_table *, uint32_t n);
/* Packet workers: no worker will count an event before ts any more, so
 * state may be dropped as stale by that time at the latest (the table's
 * latest packet time is another worker's, who may be ahead). */
void	 thr_horizon(struct thr_table *, uint64_t ts);

#endif /* CANHGAC_THRESHOLD_H */
