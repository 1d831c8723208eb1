/*
 * The ruleset as rules_load.c builds it (with rules_keywords.c's
 * keyword parsers), rules_match.c uses it and rules_query.c reads it
 * for the other modules (rules.h). Only rules_*.c include it: every
 * other module reads the set through rules.h.
 */
#ifndef RULES_INTERNAL_H
#define RULES_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "flow.h"
#include "rules.h"
#include "yamldoc.h"

struct config;
struct domset;
struct hostlist;
struct svclist;
struct ipset;
struct thr_table;

/* A named asset: any mix of addresses, ports and domains. */
struct asset {
	char		*name;
	struct ipset	*ips;
	uint16_t	*ports;		/* lo, hi pairs, sorted, disjoint */
	uint32_t	 nranges;
	struct domset	*doms;
	struct hostlist	*hosts;		/* type: host (known_hosts) */
	struct svclist	*svcs;		/* type: service (approved_services) */
	struct tokset	*toks;		/* TLS fingerprints (tokset.h) */
	size_t		 nips, nports, ndoms, ntoks;
	char		*file;		/* list file, if any */
	char		 sha256[65];	/* of the list file when loaded */
	int64_t		 mtime;		/* of the list file when loaded */
	/* Entries that are documentation examples (doc_entry in
	 * rules_load.c) and real ones; a file is read to its first real. */
	size_t		 nexamples, nreal;
};

struct control_ref {
	char		*id;
	int		 level;
};

/* Protocol classes of the rule index. */
enum { PC_TCP = 0, PC_UDP, PC_ICMP, PC_OTHER, PC_MAX };

struct rule_list {
	uint32_t	*v;
	uint32_t	 n;
};

/*
 * Packet prefilter keys of the any-port rules that test TCP flags or
 * decode errors: no packet; else the decode-error bit and, for TCP,
 * the flags byte (see pf_key in rules_match.c).
 */
#define PF_KEYS		(1 + 2 * 257)

/* Rules of one event kind and protocol class, by port. */
struct rule_bucket {
	struct rule_list	 any;		/* no usable port key */
	uint32_t		*pf_off;	/* PF_KEYS + 1 offsets, or NULL */
	uint32_t		*pf_ids;	/* any-port rules on flags/errors */
	uint32_t		*dport_off;	/* 65537 offsets, or NULL */
	uint32_t		*dport_ids;
	uint8_t			*dport_has;	/* a bit per port with rules */
	uint32_t		*sport_off;
	uint32_t		*sport_ids;
	uint8_t			*sport_has;
};

/*
 * A rule whose only application key is an SNI, query or host list of
 * exact names and "*." suffixes, under each name's hash: a record
 * tries only the rules naming it or one of its parent domains.
 */
struct name_ent {
	uint64_t	h;		/* lowercase FNV-1a of the name */
	uint32_t	rule;
	uint8_t		appr;		/* APPR_* of the record */
};

/*
 * What one address is known to be in, by the flows' address-set slots
 * (addr_slots in rules_match.c): a flow side takes it over on its first
 * set question, so a host seen in many flows is probed in the lists
 * once, not once per flow. Direct-mapped; a colliding address takes the
 * entry over (collisions cost probes, never answers).
 */
struct aset_host {
	uint8_t		 addr[16];
	uint32_t	 known, in;	/* by slot, as a flow side's */
	uint8_t		 ipver;		/* 0: empty */
};

#define ASET_HOSTS	4096		/* a power of two */

/* Rules named by regex_limit sensor events a minute at most. */
#define LIMIT_QUEUE	64

/* A rule's counters in one matcher's state. */
struct rule_count {
	uint64_t	 hits;		/* alerts */
	uint64_t	 matches;
	uint64_t	 last_hit;	/* packet time */
	uint64_t	 regex_limited;	/* events its regex gave up on */
	uint64_t	 limit_reported;	/* of those, raised */
	uint8_t		 limit_queued;
};

/* An exception's counters in one matcher's state. */
struct exc_count {
	uint64_t	 hits;
	uint64_t	 expired_hits;	/* would have applied, but expired */
};

/* What one matcher changes as it matches (rules.h). */
struct rules_state {
	const struct ruleset	*rs;
	const struct rule	*rules;		/* rs->rules, a load nearer */
	struct rules_state	*next;		/* the set's next state */
	uint64_t		 stamp;		/* the event being matched */
	uint64_t		*stamps;	/* by rule: last event tried */
	struct rule_count	*rc;		/* by rule */
	struct exc_count	*ec;		/* by exception */
	uint64_t		 last_ts;	/* latest event's packet time */
	struct aset_host	*ahosts;	/* ASET_HOSTS, or NULL: no slots */
	struct rule_stats	 st;
	void			*match_data;	/* pcre2_match_data */
	/* rules_split_thresholds: the THR_PAIR_* rules' own table, and
	 * its counters as the loop reads them (stats). */
	struct thr_table	*thr_own;
	_Atomic uint64_t	 thr_own_st[4];	/* keys, evicted, suppressed, bytes */
	/* Rules whose regex gave up, for the regex_limit sensor event. */
	uint32_t		 limit_q[LIMIT_QUEUE];
	uint32_t		 limit_qn;
};

struct ruleset {
	const struct config	*conf;
	struct asset		*assets;
	size_t			 nassets;
	struct rule		*rules;
	size_t			 nrules;
	uint32_t		*by_sid;	/* rule indices in sid order */
	struct exception	*exc;
	size_t			 nexc;
	uint32_t		*exc_by_id;	/* by owner, reason, expiry */
	char			*catalog_path;
	char			 catalog_sha256[65];
	struct yaml_doc		*catalog_doc;	/* as loaded, for the report */
	char			*catalog_standard;
	struct control_ref	*controls;
	size_t			 ncontrols;
	char			**files;
	char			(*file_sha256)[65];	/* by files, as read */
	size_t			 nfiles;
	uint8_t			*file_catalog;	/* by files: a catalog */
	struct rule_asset_ref	*asset_refs;	/* rule.asset_ref_off */
	size_t			 nasset_refs, casset_refs;
	/*
	 * What matching counts across flows, the one thing of the set a
	 * match changes (rules_state holds the rest): thresholds and
	 * behaviour keys count once for the whole sensor. Once a second
	 * state matches, shared_mu is held around every use of them
	 * (rules_shared_lock); alone, a matcher pays nothing for it.
	 */
	struct thr_table	*thr;
	struct slottab		*bl, *bc, *dt;	/* behaviour.h state */
	struct dt_cache		*dtc;
	pthread_mutex_t		*shared_mu;
	struct rule_bucket	 buckets[REV_MAX][PC_MAX];
	struct rule_list	 app[8];	/* by APPR_* bit, not indexed */
	struct name_ent		*names;		/* exact and *. names, sorted */
	size_t			 nnames;
	uint32_t		 gen;		/* names the flows' address cache */
	int			 aset_slots;	/* some rule has address-set slots */
	void			*match_ctx;	/* pcre2_match_context: limits */
	/* Its matchers' states, the main one first (rules_state_new). */
	struct rules_state	*states;
	/* Everything allocated at load, freed with the set. */
	void			**owned;
	size_t			 nowned, cowned;
	struct ipset		**ipsets;
	size_t			 nipsets, cipsets;
	struct domset		**domsets;
	size_t			 ndomsets, cdomsets;
	void			**regex;
	size_t			 nregex, cregex;
};

/* Ports under construction: lo-hi ranges, sorted and merged at the end. */
struct port_build {
	uint16_t	*r;		/* lo, hi pairs */
	size_t		 n, cap;	/* ranges */
};

/* The loader's working state: where we are, for error messages. */
struct loader {
	struct ruleset		*rs;
	const struct config	*conf;
	struct yaml_doc		*yd;
	char			*err;
	size_t			 errlen;
	size_t			 crules, cexc;	/* capacity of rs->rules, exc */
	/*
	 * Rule index + 1 by sid, open addressing under a seeded hash: a
	 * rule file cannot choose sids that collide, so n rules cost n
	 * lookups, where a scan per rule cost n².
	 */
	uint32_t		*sids;
	size_t			 sidcap;	/* a power of two, or 0 */
	uint64_t		 sidseed;
	/* The current file's path, kept once for all its rules. */
	const struct yaml_doc	*file_yd;
	char			*file;
	struct rule		*rule;		/* whose match: $assets noted */
	int			 neg;		/* the last unwrap_not */
	int			 catalog;	/* the file read is a catalog */
	char			 file_sha256[65];	/* of the file read */
	int			 overlaid;	/* assets defined by an overlay win */
};

/* rules_load.c */
const struct asset *rules_asset(const struct ruleset *, const char *);
int	 rs_add_file(struct ruleset *, const char *, const char *sha256);
/* rules_load.c, for the keyword parsers: errors at FILE:LINE:COLUMN,
 * allocations owned by the set, and the values keywords share. */
int	 lerr(struct loader *, const struct yaml_node_s *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 check_keys(struct loader *, struct yaml_node_s *, const char *,
	    const char *const *, size_t);
int	 name_index(const char *, const char *const *, size_t);
int	 parse_uint(const char *, unsigned long long, unsigned long long *);
/* Owned by the set; NULL without memory (lnomem then says so). */
void	*own(struct ruleset *, void *);
char	*own_strdup(struct ruleset *, const char *);
void	*own_calloc(struct ruleset *, size_t, size_t);
struct ipset *own_ipset(struct ruleset *);
int	 lnomem(struct loader *, const struct yaml_node_s *);
const struct asset *asset_ref(struct loader *, struct yaml_node_s *,
	    const char *);
void	*compile_regex(struct loader *, struct yaml_node_s *, const char *,
	    const char *, int);
int	 pb_add(struct port_build *, unsigned, unsigned);
uint16_t *pb_finish(struct ruleset *, struct port_build *, uint32_t *);
int	 port_spec(const char *, struct port_build *);

/*
 * rules_keywords.c: a match keyword is one row, by its KW_ (rules.h).
 * parse reads its value into m at load; match tests it on an event.
 */
struct match_keyword {
	const char	*name;
	uint8_t		 apprec;	/* APPR_* record it needs, or 0 */
	int		(*parse)(struct loader *, struct yaml_node_s *,
			    const char *, struct rule_match *);
	int		(*match)(struct rules_state *, const struct rule_match *,
			    const struct match_ctx *);
	uint8_t		 direct;	/* allowed directly in an exception */
};
extern const struct match_keyword match_keywords[KW_MAX];
size_t	 rules_keyword_names(const char **, int direct);
int	 rules_parse_match(struct loader *, struct yaml_node_s *,
	    struct rule_match *, const char *const *extra, size_t nextra,
	    int direct, const char *where);
int	 rules_apprec(struct loader *, struct yaml_node_s *, struct rule *);
int	 rules_match_flow_keys(struct rules_state *, const struct rule_match *,
	    const struct match_ctx *);
int	 rules_match_app_keys(const struct rule_match *, const struct flow *);
int	 rules_match_ok(struct rules_state *, const struct rule_match *,
	    const struct match_ctx *, int ignore_event, int flow_keys_done);

static inline int
bit_test(const uint8_t *bits, unsigned v)
{
	return (bits[v >> 3] >> (v & 7)) & 1;
}

/* The cross-flow tables (thr, bl, bc, dt, dtc) are the caller's until
 * rules_shared_unlock. */
static inline void
rules_shared_lock(const struct ruleset *rs)
{
	if (rs->shared_mu != NULL)
		pthread_mutex_lock(rs->shared_mu);
}

static inline void
rules_shared_unlock(const struct ruleset *rs)
{
	if (rs->shared_mu != NULL)
		pthread_mutex_unlock(rs->shared_mu);
}

/* What a flow learnt about an older rule set is forgotten. */
static inline void
flow_cache_check(const struct ruleset *rs, struct flow *f)
{
	if (f->aset_gen == rs->gen)
		return;
	f->aset_gen = rs->gen;
	f->aset_known[0] = f->aset_known[1] = 0;
	f->aset_in[0] = f->aset_in[1] = 0;
	f->rule_dead[0] = f->rule_dead[1] = 0;
	f->rule_live[0] = f->rule_live[1] = 0;
}

/* rules_names.c: the names rule files and alerts use, by CAT_* and 1..5. */
extern const char *const rule_category_names[CAT_MAX];
extern const char *const rule_severity_names[6];

/* rules_query.c */
int	 rules_note_asset_ref(struct ruleset *, struct rule *,
	    const char *name, int negated);

/* rules_match.c */
int	 rules_regex_gave_up(int pcre2_rc);
/* An exception's identity across a reload: owner, reason, expiry. */
int	 rules_exception_id_cmp(const struct exception *,
	    const struct exception *);
void	 rules_regex_charge(struct rules_state *, const struct rule_match *);
void	 rules_count_sum(const struct ruleset *, size_t id, struct rule_count *);
int	 rules_index(struct ruleset *);
const struct port_match *rules_port_key(const struct rule *, int src);
int	 rules_in_bucket(const struct rule *, int ev, int pc);
void	 rules_index_free(struct ruleset *);

struct thr_spec	*rules_thr_specs(const struct ruleset *);

#endif /* RULES_INTERNAL_H */
