/*
 * The ruleset as rules_load.c builds it, rules_match.c uses it and
 * rules_query.c reads it for the other modules (rules.h). Outside the
 * rules module only control.c still looks inside (to be converted).
 */
#ifndef RULES_INTERNAL_H
#define RULES_INTERNAL_H

#include "rules.h"

/* A named asset: any mix of addresses, ports and domains. */
struct asset {
	char		*name;
	struct ipset	*ips;
	uint16_t	*ports;		/* lo, hi pairs, sorted, disjoint */
	uint32_t	 nranges;
	struct domset	*doms;
	size_t		 nips, nports, ndoms;
	char		*file;		/* list file, if any */
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

/* Rules named by regex_limit sensor events a minute at most. */
#define LIMIT_QUEUE	64

struct ruleset {
	const struct config	*conf;
	struct asset		*assets;
	size_t			 nassets;
	struct rule		*rules;
	size_t			 nrules;
	struct exception	*exc;
	size_t			 nexc;
	char			*catalog_path;
	char			*catalog_standard;
	struct control_ref	*controls;
	size_t			 ncontrols;
	char			**files;
	size_t			 nfiles;
	uint8_t			*file_catalog;	/* by files: a catalog */
	struct rule_asset_ref	*asset_refs;	/* rule.asset_ref_off */
	size_t			 nasset_refs, casset_refs;
	struct thr_table	*thr;
	struct rule_bucket	 buckets[REV_MAX][PC_MAX];
	struct rule_list	 app[8];	/* by APPR_* bit, not indexed */
	struct name_ent		*names;		/* exact and *. names, sorted */
	size_t			 nnames;
	uint64_t		 stamp;
	uint32_t		 gen;		/* names the flows' address cache */
	struct rule_stats	 st;
	void			*match_data;	/* pcre2_match_data */
	void			*match_ctx;	/* pcre2_match_context: limits */
	/* Rules whose regex gave up, for the regex_limit sensor event. */
	uint32_t		 limit_q[LIMIT_QUEUE];
	uint32_t		 limit_qn;
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

/* rules_load.c */
const struct asset *rules_asset(const struct ruleset *, const char *);
void	 rs_add_file(struct ruleset *, const char *);

/* rules_names.c: the names rule files and alerts use, by CAT_* and 1..5. */
extern const char *const rule_category_names[CAT_MAX];
extern const char *const rule_severity_names[6];

/* rules_query.c */
void	 rules_note_asset_ref(struct ruleset *, struct rule *,
	    const char *name, int negated);

/* rules_match.c */
int	 rules_regex_gave_up(int pcre2_rc);
int	 rules_index(struct ruleset *);
const struct port_match *rules_port_key(const struct rule *, int src);
int	 rules_in_bucket(const struct rule *, int ev, int pc);
void	 rules_index_free(struct ruleset *);

#endif /* RULES_INTERNAL_H */
