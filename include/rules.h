/*
 * The rule set as the other modules read it (rules_query.c): each
 * rule's public description, its exceptions, the assets and files the
 * set was built from. The set itself is loaded and matched by
 * rules_load.c and rules_match.c; its layout stays in rules-internal.h.
 */
#ifndef CANHGAC_RULES_H
#define CANHGAC_RULES_H

#include <stddef.h>
#include <stdint.h>

struct ruleset;
struct exception;

/* One "$name" a rule's match refers to, recorded by the loader. */
struct rule_asset_ref {
	const char	*name;		/* without the '$' */
	int		 negated;	/* under {not: …} */
};

/* What a rule is, as written and as loaded at the sensor's level. */
struct rule_info {
	uint32_t			 sid;
	const char			*name;
	int				 category;	/* CAT_* */
	int				 severity;	/* 1 critical .. 5 info */
	int				 level;		/* 1..5 */
	int				 active;
	const char			*inactive_reason; /* NULL if active */
	int				 disabled;	/* enabled: false */
	const char *const		*controls;
	size_t				 ncontrols;
	const struct rule_asset_ref	*assets;	/* in match order */
	size_t				 nassets;
	uint32_t			 match_keys;	/* M_* */
	size_t				 nexceptions;	/* rules_exception */
	uint64_t			 hits;		/* alerts */
	uint64_t			 last_hit;	/* packet time, usec */
	const char			*file;
	int				 line;
};

/* Rules loaded, active or not; 0 for NULL. */
size_t	 rules_size(const struct ruleset *);
/* Rule i (0 .. rules_size - 1) into *info; -1 when out of range. */
int	 rules_info(const struct ruleset *, size_t i, struct rule_info *);
/*
 * Whether rule i would be active at level n: its level reached, not
 * disabled, and not superseded by another rule itself on at n.
 */
int	 rules_active_at(const struct ruleset *, size_t i, int n);
/* Exception j (0 .. nexceptions - 1) naming rule i, or NULL. */
const struct exception *rules_exception(const struct ruleset *, size_t i,
	    size_t j);
/* Exceptions loaded. */
size_t	 rules_exception_count(const struct ruleset *);

/* Entries (addresses, ports, domains) of asset name; -1 if undefined. */
long	 rules_asset_size(const struct ruleset *, const char *name);
size_t	 rules_asset_count(const struct ruleset *);
/* Whether addr is in asset name's addresses. */
int	 rules_asset_has_addr(const struct ruleset *, const char *name,
	    int ipver, const uint8_t *addr);
/* Asset i's list file, or NULL when it is written inline. */
const char *rules_asset_file(const struct ruleset *, size_t i);

/* Rule files read, in order; *catalog set for a catalog among them. */
size_t	 rules_file_count(const struct ruleset *);
const char *rules_file(const struct ruleset *, size_t i, int *catalog);
/* The control catalog's path, or NULL when none is loaded. */
const char *rules_catalog_path(const struct ruleset *);

/* rules_names.c: "scan" ... by CAT_*, "critical" ... by 1..5; "unknown". */
const char *rules_category_name(int);
const char *rules_severity_name(int);

#endif /* CANHGAC_RULES_H */
