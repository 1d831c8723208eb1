/*
 * behaviour.h: the rule keys that learn or track behaviour over time
 * rather than match one event (rules.md "Behaviour"):
 *
 *   baseline:   a per-key normal per hour of the week (baseline.c)
 *   beacon:     connections repeating at a steady interval (beacon.c)
 *   dns_tunnel: query volume, distinct names, label entropy and the
 *               NXDOMAIN ratio per registered domain (dnstunnel.c)
 *
 * Each keeps its state in a fixed table (slottab.c) sized once from
 * limits.behaviour_memcap, so the packet path allocates nothing; when a
 * table is full its least recently used key goes, and is counted.
 */
#ifndef CANHGAC_BEHAVIOUR_H
#define CANHGAC_BEHAVIOUR_H

#include <stddef.h>
#include <stdint.h>

#include "threshold.h"

enum bh_kind { BH_NONE = 0, BH_BASELINE, BH_BEACON, BH_DNSTUNNEL };
enum bh_measure { BM_BYTES = 0, BM_CONNECTIONS, BM_REQUESTS };

#define BL_HOURS	168		/* hours of the week, Monday 00:00 first */

struct bh_spec {
	uint8_t		 kind;		/* enum bh_kind */
	uint8_t		 measure;	/* baseline: enum bh_measure */
	uint32_t	 count;		/* beacon: connections; dns: queries */
	uint32_t	 distinct;	/* dns: distinct names */
	uint32_t	 factor_pct;	/* baseline: factor x 100 */
	uint32_t	 jitter_pct;	/* beacon: allowed deviation, % */
	uint32_t	 entropy_mbit;	/* dns: bits per character x 1000 */
	uint32_t	 nx_pct;	/* dns: NXDOMAIN share of answers, % */
	uint64_t	 floor;		/* baseline: bytes or events an hour */
	uint64_t	 learn;		/* baseline: usec */
	uint64_t	 min, max;	/* beacon: interval bounds, usec */
	uint64_t	 within;	/* dns: window, usec */
};

/* What an alert of a behaviour rule says (thr_result.bh). */
struct bh_result {
	uint8_t		 kind;
	uint8_t		 never;		/* baseline: hour never active */
	uint16_t	 how;		/* baseline: hour of the week */
	uint64_t	 normal;	/* baseline: learned for that hour */
	uint64_t	 seen;		/* baseline: this hour so far */
	uint64_t	 interval;	/* beacon: mean, usec */
	uint64_t	 spread;	/* beacon: largest deviation, usec */
	uint32_t	 repeats;	/* beacon: connections at that interval */
	uint32_t	 queries;	/* dns */
	uint32_t	 names;
	uint32_t	 entropy_mbit;
	uint32_t	 nx_pct;
	char		 domain[96];	/* dns: the registered domain */
};

/* slottab.c: a fixed hash table of (rule, key) -> payload, LRU evicted. */
struct slottab;
struct slottab *slot_new(uint64_t budget, size_t payload, uint32_t min);
void	 slot_free(struct slottab *);
/* The payload for (rule, key), created zeroed if new (*created = 1). */
void	*slot_get(struct slottab *, uint32_t rule, const struct thr_key *,
	    int *created);
/* Slot i in use: its payload, rule and key; NULL when free. */
void	*slot_at(const struct slottab *, uint32_t i, uint32_t *rule,
	    struct thr_key *key);
uint32_t slot_capacity(const struct slottab *);
uint64_t slot_used(const struct slottab *);
uint64_t slot_evicted(const struct slottab *);
/* Reload: state of from's rule r goes to to's rule map[r] (UINT32_MAX:
 * dropped), least recent first. */
void	 slot_carry(struct slottab *to, const struct slottab *from,
	    const uint32_t *map);

/* baseline.c */
/* Hour of the week (0 = Monday 00:00 local) of packet time ts. */
unsigned bl_hour_of_week(uint64_t ts, int utc_offset);
size_t	 bl_payload(void);
int	 bl_event(struct slottab *, uint32_t rule, const struct bh_spec *,
	    const struct thr_key *, uint64_t value, uint64_t ts,
	    int utc_offset, struct bh_result *);
/* One line per key: "SID KEY FIRST HOUR CUR FIRED L0 .. L167". */
struct ruleset;
int	 bl_save(const struct slottab *, const uint32_t *sids, int dfd,
	    const char *dir, const char *name, char *err, size_t errlen);
/* The same in two steps: a copy of the keys (on the loop; NULL without
 * memory), then the file written from it (in any thread). */
struct bl_snap;
struct bl_snap *bl_snapshot(const struct slottab *, const uint32_t *sids);
int	 bl_snap_write(const struct bl_snap *, int dfd, const char *dir,
	    const char *name, char *err, size_t errlen);
void	 bl_snap_free(struct bl_snap *);
/* Keys of sids still baselined (sid_rule maps a sid to a rule index or
 * UINT32_MAX); returns keys loaded, -1 with err on a damaged file. */
long	 bl_load(struct slottab *, uint32_t (*sid_rule)(void *, uint32_t),
	    void *arg, int dfd, const char *dir, const char *name, char *err,
	    size_t errlen);
/* What was learned for slot i, for canhgacctl baselines. */
struct bl_view {
	uint64_t	 first;		/* packet time first seen */
	uint64_t	 learned_until;
	uint64_t	 hour[BL_HOURS];
	int		 learning;
};
int	 bl_view(const struct slottab *, uint32_t i, const struct bh_spec *,
	    uint32_t *rule, struct thr_key *, struct bl_view *);

/* beacon.c */
size_t	 bc_payload(void);
int	 bc_event(struct slottab *, uint32_t rule, const struct bh_spec *,
	    const struct thr_key *, uint64_t ts, struct bh_result *);

/* dnstunnel.c */
size_t	 dt_payload(void);
/* The registered domain of name (public suffix list), into out (cut to
 * outlen); its whole length, 0 when the name is itself a public suffix or
 * not a name. */
size_t	 dt_registered(const char *name, char *out, size_t outlen);
/* Names recently looked up in the list (libpsl takes microseconds). */
struct dt_cache;
struct dt_cache *dt_cache_new(void);
void	 dt_cache_free(struct dt_cache *);
int	 dt_event(struct slottab *, struct dt_cache *, uint32_t rule,
	    const struct bh_spec *, const char *qname, int response, int rcode,
	    uint64_t ts, struct bh_result *);

#endif /* CANHGAC_BEHAVIOUR_H */
