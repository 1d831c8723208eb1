/*
 * Read access to a loaded rule set for the modules that report on it
 * (compliance, its history, the alert record): nothing here runs per
 * packet, and nothing outside the rules module needs its layout.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipset.h"
#include "rules.h"
#include "rules-internal.h"

size_t
rules_size(const struct ruleset *rs)
{
	return rs != NULL ? rs->nrules : 0;
}

/* The loader writes this reason for `enabled: false`. */
static int
rule_disabled(const struct rule *r)
{
	return r->inactive_reason != NULL &&
	    strncmp(r->inactive_reason, "disabled", 8) == 0;
}

int
rules_info(const struct ruleset *rs, size_t i, struct rule_info *info)
{
	const struct rule	*r;
	struct rule_count	 rc;

	memset(info, 0, sizeof(*info));
	if (rs == NULL || i >= rs->nrules)
		return -1;
	r = &rs->rules[i];
	rules_count_sum(rs, i, &rc);
	info->sid = r->sid;
	info->name = r->name;
	info->name_vi = r->name_vi ? r->name_vi : r->name;
	info->category = r->category;
	info->severity = r->severity;
	info->level = r->level;
	info->active = r->active;
	info->inactive_reason = r->active ? NULL : r->inactive_reason;
	info->disabled = rule_disabled(r);
	info->controls = (const char *const *)r->controls;
	info->ncontrols = r->ncontrols;
	info->assets = r->nasset_refs ? &rs->asset_refs[r->asset_ref_off] :
	    NULL;
	info->nassets = r->nasset_refs;
	info->match_keys = r->m.keys;
	info->nexceptions = r->nexc;
	info->hits = rc.hits;
	info->matches = rc.matches;
	info->last_hit = rc.last_hit;
	info->regex_limited = rc.regex_limited;
	info->file = r->file;
	info->line = r->line;
	return 0;
}

int
rules_active_at(const struct ruleset *rs, size_t i, int n)
{
	const struct rule	*r;
	size_t			 k, j;

	if (rs == NULL || i >= rs->nrules)
		return 0;
	r = &rs->rules[i];
	if (r->level > n || rule_disabled(r))
		return 0;
	for (k = 0; k < rs->nrules; k++) {
		const struct rule *o = &rs->rules[k];

		if (o->level > n || rule_disabled(o))
			continue;
		for (j = 0; j < o->nsupersedes; j++)
			if (o->supersedes[j] == r->sid)
				return 0;
	}
	return 1;
}

const struct exception *
rules_exception(const struct ruleset *rs, size_t i, size_t j)
{
	if (rs == NULL || i >= rs->nrules || j >= rs->rules[i].nexc)
		return NULL;
	return &rs->exc[rs->rules[i].exc[j]];
}

size_t
rules_exception_count(const struct ruleset *rs)
{
	return rs != NULL ? rs->nexc : 0;
}

const struct exception *
rules_exception_get(const struct ruleset *rs, size_t i)
{
	return rs != NULL && i < rs->nexc ? &rs->exc[i] : NULL;
}

void
rules_threshold_stats(const struct ruleset *rs, struct thr_stats *ts)
{
	const struct rules_state	*ws;

	memset(ts, 0, sizeof(*ts));
	if (rs == NULL)
		return;
	rules_shared_lock(rs);
	*ts = *thr_stats(rs->thr);
	rules_shared_unlock(rs);
	/* The workers' own tables (rules_split_thresholds), as published. */
	for (ws = rs->states; ws != NULL; ws = ws->next) {
		if (ws->thr_own == NULL)
			continue;
		ts->keys += atomic_load_explicit(&ws->thr_own_st[0],
		    memory_order_relaxed);
		ts->evicted += atomic_load_explicit(&ws->thr_own_st[1],
		    memory_order_relaxed);
		ts->suppressed += atomic_load_explicit(&ws->thr_own_st[2],
		    memory_order_relaxed);
		ts->bytes += atomic_load_explicit(&ws->thr_own_st[3],
		    memory_order_relaxed);
	}
}

long
rules_asset_size(const struct ruleset *rs, const char *name)
{
	const struct asset	*a = rs != NULL ? rules_asset(rs, name) : NULL;

	return a == NULL ? -1 : (long)(a->nips + a->nports + a->ndoms +
	    a->ntoks);
}

int
rules_asset_has_addr(const struct ruleset *rs, const char *name, int ipver,
    const uint8_t *addr)
{
	const struct asset	*a = rs != NULL ? rules_asset(rs, name) : NULL;

	return a != NULL && a->ips != NULL &&
	    ipset_contains(a->ips, ipver, addr);
}

uint32_t
rules_generation(const struct ruleset *rs)
{
	return rs != NULL ? rs->gen : 0;
}

const struct ipset *
rules_asset_ipset(const struct ruleset *rs, const char *name)
{
	const struct asset	*a = rs != NULL ? rules_asset(rs, name) : NULL;

	return a != NULL ? a->ips : NULL;
}

const struct hostlist *
rules_asset_hosts(const struct ruleset *rs, const char *name)
{
	const struct asset	*a = rs != NULL ? rules_asset(rs, name) : NULL;

	return a != NULL ? a->hosts : NULL;
}

size_t
rules_asset_count(const struct ruleset *rs)
{
	return rs != NULL ? rs->nassets : 0;
}

const char *
rules_asset_file(const struct ruleset *rs, size_t i)
{
	return rs != NULL && i < rs->nassets ? rs->assets[i].file : NULL;
}

int
rules_list(const struct ruleset *rs, const char *name, struct rules_list *l)
{
	const struct asset	*a = rs != NULL ? rules_asset(rs, name) : NULL;

	memset(l, 0, sizeof(*l));
	if (a == NULL)
		return -1;
	/* A service list's lines are not addresses: not edited as one. */
	if (a->file != NULL && a->svcs != NULL)
		return -3;
	if (a->file == NULL || (a->ips == NULL && a->doms == NULL &&
	    a->toks == NULL))
		return -2;
	l->name = a->name;
	l->file = a->file;
	l->ips = a->ips != NULL;
	l->domains = a->doms != NULL;
	l->mtime = a->mtime;
	return 0;
}

size_t
rules_file_count(const struct ruleset *rs)
{
	return rs != NULL ? rs->nfiles : 0;
}

const char *
rules_file(const struct ruleset *rs, size_t i, int *catalog)
{
	if (catalog != NULL)
		*catalog = 0;
	if (rs == NULL || i >= rs->nfiles)
		return NULL;
	if (catalog != NULL && rs->file_catalog != NULL)
		*catalog = rs->file_catalog[i];
	return rs->files[i];
}

const char *
rules_catalog_path(const struct ruleset *rs)
{
	return rs != NULL ? rs->catalog_path : NULL;
}

const char *
rules_file_sha256(const struct ruleset *rs, size_t i)
{
	return rs != NULL && i < rs->nfiles ? rs->file_sha256[i] : "";
}

const char *
rules_catalog_sha256(const struct ruleset *rs)
{
	return rs != NULL ? rs->catalog_sha256 : "";
}

struct yaml_doc *
rules_catalog_doc(const struct ruleset *rs)
{
	return rs != NULL ? rs->catalog_doc : NULL;
}

int
rules_asset_doc_only(const struct ruleset *rs, const char *name)
{
	const struct asset	*a = rules_asset(rs, name);

	return a != NULL && a->nexamples > 0 && a->nreal == 0;
}

const char *
rules_asset_sha256(const struct ruleset *rs, size_t i)
{
	return rs != NULL && i < rs->nassets ? rs->assets[i].sha256 : "";
}

/*
 * The loader, parsing rule r's match, met "$name": keep it once per
 * name and negation, in the order written, for rules_info. -1 without
 * memory (a reload's set beside the running one: that load fails).
 */
int
rules_note_asset_ref(struct ruleset *rs, struct rule *r, const char *name,
    int negated)
{
	size_t	i;

	if (r->nasset_refs == 0)
		r->asset_ref_off = (uint32_t)rs->nasset_refs;
	for (i = 0; i < r->nasset_refs; i++) {
		const struct rule_asset_ref *o =
		    &rs->asset_refs[r->asset_ref_off + i];

		if (o->negated == negated && strcmp(o->name, name) == 0)
			return 0;
	}
	if (rs->nasset_refs == rs->casset_refs) {
		struct rule_asset_ref *v = reallocarray(rs->asset_refs,
		    rs->casset_refs ? rs->casset_refs * 2 : 64,
		    sizeof(*rs->asset_refs));

		if (v == NULL)
			return -1;
		rs->asset_refs = v;
		rs->casset_refs = rs->casset_refs ? rs->casset_refs * 2 : 64;
	}
	rs->asset_refs[rs->nasset_refs].name = name;
	rs->asset_refs[rs->nasset_refs].negated = negated;
	rs->nasset_refs++;
	r->nasset_refs++;
	return 0;
}

/* The behaviour tables' keys and evictions (--stats, status). */
void
rules_behaviour_stats(const struct ruleset *rs, struct rules_bh_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (rs == NULL)
		return;
	rules_shared_lock(rs);
	st->baseline_keys = slot_used(rs->bl);
	st->baseline_evicted = slot_evicted(rs->bl);
	st->beacon_keys = slot_used(rs->bc);
	st->beacon_evicted = slot_evicted(rs->bc);
	st->dns_keys = slot_used(rs->dt);
	st->dns_evicted = slot_evicted(rs->dt);
	rules_shared_unlock(rs);
}

/* The latest packet time the rule set has seen. */
uint64_t
rules_now(const struct ruleset *rs)
{
	const struct rules_state	*ws;
	uint64_t			 t = 0;

	for (ws = rs != NULL ? rs->states : NULL; ws != NULL; ws = ws->next)
		if (ws->last_ts > t)
			t = ws->last_ts;
	return t;
}

int
rules_has_baselines(const struct ruleset *rs)
{
	return rs != NULL && rs->bl != NULL;
}

static uint32_t
baseline_rule_of(void *arg, uint32_t sid)
{
	const struct ruleset	*rs = arg;
	size_t			 i;

	/* At load and reload only: a scan of the rules is fine. */
	for (i = 0; i < rs->nrules; i++)
		if (rs->rules[i].sid == sid &&
		    rs->rules[i].bh.kind == BH_BASELINE)
			return (uint32_t)i;
	return UINT32_MAX;
}

long
rules_baselines_load(struct ruleset *rs, int dfd, const char *dir,
    char *err, size_t errlen)
{
	long	n;

	if (rs == NULL || rs->bl == NULL)
		return 0;
	rules_shared_lock(rs);
	n = bl_load(rs->bl, baseline_rule_of, rs, dfd, dir,
	    RULES_BASELINES_FILE, err, errlen);
	rules_shared_unlock(rs);
	return n;
}

struct bl_snap *
rules_baselines_snapshot(const struct ruleset *rs)
{
	struct bl_snap	*sn;
	uint32_t	*sids;
	size_t		 i;

	if (rs == NULL || rs->bl == NULL)
		return NULL;
	if ((sids = calloc(rs->nrules + 1, sizeof(*sids))) == NULL)
		return NULL;
	for (i = 0; i < rs->nrules; i++)
		sids[i] = rs->rules[i].sid;
	rules_shared_lock(rs);
	sn = bl_snapshot(rs->bl, sids);
	rules_shared_unlock(rs);
	free(sids);
	return sn;
}

int
rules_baselines_save(const struct ruleset *rs, int dfd, const char *dir,
    char *err, size_t errlen)
{
	struct bl_snap	*sn;
	int		 rc;

	if (rs == NULL || rs->bl == NULL)
		return 0;
	if ((sn = rules_baselines_snapshot(rs)) == NULL) {
		snprintf(err, errlen, "baselines %s/%s: no memory to save: %s",
		    dir, RULES_BASELINES_FILE, strerror(ENOMEM));
		return -1;
	}
	rc = bl_snap_write(sn, dfd, dir, RULES_BASELINES_FILE, err, errlen);
	bl_snap_free(sn);
	return rc;
}

/* Slot i of the baseline table: 0 and *v filled, 1 free, -1 past the end. */
int
rules_baseline_at(const struct ruleset *rs, size_t i,
    struct rules_baseline *v)
{
	uint32_t	r;
	int		rc;

	memset(v, 0, sizeof(*v));
	if (rs == NULL || rs->bl == NULL || i >= slot_capacity(rs->bl))
		return -1;
	rules_shared_lock(rs);
	rc = bl_view(rs->bl, (uint32_t)i, NULL, &r, &v->key, &v->bl);
	rules_shared_unlock(rs);
	if (rc != 0 || r >= rs->nrules)
		return 1;
	v->sid = rs->rules[r].sid;
	v->name = rs->rules[r].name;
	v->measure = rs->rules[r].bh.measure;
	v->by = rs->rules[r].bh_by;
	v->bl.learned_until = v->bl.first + rs->rules[r].bh.learn;
	return 0;
}
