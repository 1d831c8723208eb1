/*
 * Rules: index and match.
 *
 * At load time every active rule is placed in the index by event kind
 * and protocol class, under the destination (or source) ports it names
 * when that list is short, else in the bucket's any-port list; rules on
 * application fields go in a list per record type. A packet is checked
 * only against the rules in its bucket under its two ports and the
 * bucket's any list; within a rule, the cheap keys are checked first and
 * regexes last. Nothing here allocates.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alert.h"
#include "app.h"
#include "conf.h"
#include "flow.h"
#include "ipset.h"
#include "jsonw.h"
#include "log.h"
#include "rules.h"
#include "threshold.h"
#include "types.h"
#include "util.h"
#include "xmalloc.h"
#include "rules-internal.h"

/* A port list longer than this is cheaper to check than to index. */
#define PORT_INDEX_MAX	1024

static int
proto_class(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP: return PC_TCP;
	case PROTO_UDP: return PC_UDP;
	case PROTO_ICMP:
	case PROTO_ICMPV6: return PC_ICMP;
	}
	return PC_OTHER;
}

static int
appr_bit(uint32_t appr)
{
	int	i;

	for (i = 0; i < 8; i++)
		if (appr & (1U << i))
			return i;
	return 0;
}

static uint32_t
port_count(const struct port_match *pm)
{
	uint32_t	i, n = 0;

	for (i = 0; i < pm->nranges; i++)
		n += (uint32_t)pm->ranges[2 * i + 1] - pm->ranges[2 * i] + 1;
	return n;
}

/*
 * Append; the array doubles at each power of two, so n appends cost
 * n copies, not n². The index is built beside the running set's at a
 * reload, so each of its allocations may fail (-1), and the reload then.
 */
static int
list_add(struct rule_list *l, uint32_t id)
{
	uint32_t	*v;

	if ((l->n & (l->n - 1)) == 0) {
		if ((v = reallocarray(l->v, l->n ? 2 * (size_t)l->n : 1,
		    sizeof(*l->v))) == NULL)
			return -1;
		l->v = v;
	}
	l->v[l->n++] = id;
	return 0;
}

/*
 * Build one port map (CSR: offsets per port, then rule ids) and its
 * bitmap of the ports that have rules: 8 KiB that stay in cache, where
 * the 256 KiB of offsets would cost most packets a miss (their source
 * port, at least, is one no rule names).
 */
static int
port_map_build(struct ruleset *rs, int ev, int pc, int src,
    uint32_t **offp, uint32_t **idsp, uint8_t **hasp)
{
	uint32_t	*off, *ids, *fill;
	size_t		 i, total = 0;
	unsigned	 p;
	uint32_t	 j;

	*offp = *idsp = NULL;
	*hasp = NULL;
	if ((off = calloc(65537, sizeof(*off))) == NULL)
		return -1;
	for (i = 0; i < rs->nrules; i++) {
		const struct rule	*r = &rs->rules[i];
		const struct port_match	*pm = rules_port_key(r, src);

		if (!rules_in_bucket(r, ev, pc) || pm == NULL)
			continue;
		for (j = 0; j < pm->nranges; j++)
			for (p = pm->ranges[2 * j]; p <= pm->ranges[2 * j + 1];
			    p++)
				off[p + 1]++;
	}
	for (p = 0; p < 65536; p++) {
		off[p + 1] += off[p];
	}
	total = off[65536];
	if (total == 0) {
		free(off);
		return 0;
	}
	ids = calloc(total, sizeof(*ids));
	fill = calloc(65536, sizeof(*fill));
	if (ids == NULL || fill == NULL ||
	    (*hasp = calloc(65536 / 8, 1)) == NULL) {
		free(off);
		free(ids);
		free(fill);
		return -1;
	}
	for (p = 0; p < 65536; p++)
		if (off[p + 1] > off[p])
			(*hasp)[p >> 3] |= (uint8_t)(1U << (p & 7));
	for (i = 0; i < rs->nrules; i++) {
		const struct rule	*r = &rs->rules[i];
		const struct port_match	*pm = rules_port_key(r, src);

		if (!rules_in_bucket(r, ev, pc) || pm == NULL)
			continue;
		for (j = 0; j < pm->nranges; j++)
			for (p = pm->ranges[2 * j]; p <= pm->ranges[2 * j + 1];
			    p++)
				ids[off[p] + fill[p]++] = (uint32_t)i;
	}
	free(fill);
	*offp = off;
	*idsp = ids;
	return 0;
}

/*
 * The port list a rule is indexed under (dst side or src side), or NULL
 * when it goes to the any-port list: no port key, a negated one, or a
 * long one. `port` (either side) is indexed on both.
 */
const struct port_match *
rules_port_key(const struct rule *r, int src)
{
	const struct rule_match	*m = &r->m;

	if (src) {
		if ((m->keys & M_PORT) && !m->port.neg &&
		    m->port.count <= PORT_INDEX_MAX &&
		    !(m->keys & (M_DPORT | M_SPORT)))
			return &m->port;
		if ((m->keys & M_SPORT) && !(m->keys & M_DPORT) &&
		    !m->sport.neg && m->sport.count <= PORT_INDEX_MAX)
			return &m->sport;
		return NULL;
	}
	if ((m->keys & M_DPORT) && !m->dport.neg &&
	    m->dport.count <= PORT_INDEX_MAX)
		return &m->dport;
	if ((m->keys & M_PORT) && !m->port.neg &&
	    m->port.count <= PORT_INDEX_MAX &&
	    !(m->keys & (M_DPORT | M_SPORT)))
		return &m->port;
	return NULL;
}

/* Does rule r belong to the (event, protocol class) bucket? */
int
rules_in_bucket(const struct rule *r, int ev, int pc)
{
	if (!r->active || r->apprec != 0 || r->m.event != ev)
		return 0;
	if (r->m.proto == 0)
		return 1;
	return proto_class(r->m.proto) == pc;
}

/*
 * The prefilter key of a packet: 0 without one, else 1 + 257 when it
 * has a decode error, + 1 + the TCP flags byte for TCP. Any-port rules
 * that test flags or decode errors are listed under the keys they can
 * match, so a plain ACK never walks the scan rules.
 */
static unsigned
pf_key(const struct packet *pkt, uint8_t proto)
{
	if (pkt == NULL)
		return 0;
	return 1 + (pkt->err != DE_NONE ? 257 : 0) +
	    (proto == PROTO_TCP ? 1 + (unsigned)pkt->tcp_flags : 0);
}

/* Can a rule's flags and decode keys hold for a packet of this key? */
static int
pf_can_match(const struct rule_match *m, unsigned key)
{
	unsigned	k, flags;
	int		err, tcp;

	if (key == 0)
		return !(m->keys & (M_FLAGS | M_DECODE));
	k = key - 1;
	err = k >= 257;
	if (err)
		k -= 257;
	tcp = k > 0;
	flags = tcp ? k - 1 : 0;
	if ((m->keys & M_FLAGS) && (!tcp ||
	    (flags & m->flags_set) != m->flags_set ||
	    (flags & m->flags_clear) != 0))
		return 0;
	if ((m->keys & M_DECODE) && !err)
		return 0;
	return 1;
}

static int
pf_build(struct ruleset *rs, int ev, int pc, struct rule_bucket *b)
{
	uint32_t	*cand;
	size_t		 i, n = 0, total = 0;
	unsigned	 key;
	int		 ported = pc == PC_TCP || pc == PC_UDP;

	if ((cand = calloc(rs->nrules + 1, sizeof(*cand))) == NULL)
		return -1;
	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (rules_in_bucket(r, ev, pc) &&
		    (r->m.keys & (M_FLAGS | M_DECODE)) &&
		    !(ported && (rules_port_key(r, 0) != NULL ||
		    rules_port_key(r, 1) != NULL)))
			cand[n++] = (uint32_t)i;
	}
	if (n == 0) {
		free(cand);
		return 0;
	}
	/* Count, then fill: PF_KEYS lists in one array. */
	for (key = 0; key < PF_KEYS; key++)
		for (i = 0; i < n; i++)
			total += pf_can_match(&rs->rules[cand[i]].m, key);
	/* Freed with the set's index (rules_index_free) on failure too. */
	if ((b->pf_off = calloc(PF_KEYS + 1, sizeof(*b->pf_off))) == NULL ||
	    (b->pf_ids = calloc(total + 1, sizeof(*b->pf_ids))) == NULL) {
		free(cand);
		return -1;
	}
	total = 0;
	for (key = 0; key < PF_KEYS; key++) {
		b->pf_off[key] = (uint32_t)total;
		for (i = 0; i < n; i++)
			if (pf_can_match(&rs->rules[cand[i]].m, key))
				b->pf_ids[total++] = cand[i];
	}
	b->pf_off[PF_KEYS] = (uint32_t)total;
	free(cand);
	return 0;
}

/* An address set that may get a slot in the flows' membership cache. */
struct slot_cand {
	const struct ipset	*set;
	size_t			 size;
	size_t			 first;		/* order of first use */
};

static int
slot_set_cmp(const void *a, const void *b)
{
	const struct slot_cand	*x = a, *y = b;

	if (x->set != y->set)
		return (uintptr_t)x->set < (uintptr_t)y->set ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Largest first; among equals, the first used. */
static int
slot_cand_cmp(const void *a, const void *b)
{
	const struct slot_cand	*x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void
slot_collect(struct slot_cand *c, size_t *n, const struct addr_match *am)
{
	int	k;

	for (k = 0; k < am->nsets; k++) {
		c[*n].set = am->sets[k];
		c[*n].first = *n;
		(*n)++;
	}
}

static void
slot_assign(struct addr_match *am, const struct slot_cand *c, size_t n)
{
	size_t	i;
	int	k;

	am->slot_mask = 0;
	for (k = 0; k < ADDR_SETS_MAX; k++) {
		am->slot[k] = -1;
		for (i = 0; k < am->nsets && i < n; i++)
			if (c[i].set == am->sets[k])
				am->slot[k] = (int8_t)i;
		if (k < am->nsets && am->slot[k] >= 0)
			am->slot_mask |= 1U << am->slot[k];
	}
	/* Zero unless every set has a slot. */
	for (k = 0; k < am->nsets; k++)
		if (am->slot[k] < 0)
			am->slot_mask = 0;
}

/*
 * Give the 32 largest address sets a slot in the flows' membership
 * cache (32 bits a side); the rest are probed on each packet. Sets are
 * told apart by sorting, so a rule set with a literal address in every
 * rule indexes in n log n.
 */
static int
addr_slots(struct ruleset *rs)
{
	static uint32_t		 gen;
	struct slot_cand	*c;
	size_t			 n = 0, cap = 1, i, u = 0;

	rs->gen = ++gen != 0 ? gen : ++gen;
	for (i = 0; i < rs->nrules; i++)
		cap += rs->rules[i].m.src.nsets + rs->rules[i].m.dst.nsets +
		    rs->rules[i].m.ip.nsets;
	for (i = 0; i < rs->nexc; i++)
		cap += rs->exc[i].m.src.nsets + rs->exc[i].m.dst.nsets +
		    rs->exc[i].m.ip.nsets;
	if ((c = calloc(cap, sizeof(*c))) == NULL)
		return -1;
	for (i = 0; i < rs->nrules; i++) {
		slot_collect(c, &n, &rs->rules[i].m.src);
		slot_collect(c, &n, &rs->rules[i].m.dst);
		slot_collect(c, &n, &rs->rules[i].m.ip);
	}
	for (i = 0; i < rs->nexc; i++) {
		slot_collect(c, &n, &rs->exc[i].m.src);
		slot_collect(c, &n, &rs->exc[i].m.dst);
		slot_collect(c, &n, &rs->exc[i].m.ip);
	}
	/* One entry per set, at its first use. */
	qsort(c, n, sizeof(*c), slot_set_cmp);
	for (i = 0; i < n; i++)
		if (u == 0 || c[i].set != c[u - 1].set) {
			c[u] = c[i];
			c[u++].size = ipset_count(c[i].set);
		}
	qsort(c, u, sizeof(*c), slot_cand_cmp);
	if (u > 32)
		u = 32;
	rs->aset_slots = u > 0;
	for (i = 0; i < rs->nrules; i++) {
		slot_assign(&rs->rules[i].m.src, c, u);
		slot_assign(&rs->rules[i].m.dst, c, u);
		slot_assign(&rs->rules[i].m.ip, c, u);
	}
	for (i = 0; i < rs->nexc; i++) {
		slot_assign(&rs->exc[i].m.src, c, u);
		slot_assign(&rs->exc[i].m.dst, c, u);
		slot_assign(&rs->exc[i].m.ip, c, u);
	}
	free(c);
	return 0;
}

static uint64_t name_hash(const char *);
static uint64_t name_index_hash(const char *, size_t);
static uint64_t name_hashn(const char *, size_t);

static int
name_ent_cmp(const void *a, const void *b)
{
	const struct name_ent	*x = a, *y = b;

	if (x->appr != y->appr)
		return x->appr < y->appr ? -1 : 1;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* The one name key of a rule on record type appr, or NULL. */
static const struct str_matches *
name_key(const struct rule *r)
{
	uint32_t	k = r->m.keys & M_APPREC;

	if (r->apprec == APPR_TLS_CH && k == M_SNI)
		return &r->m.sni;
	if (r->apprec == APPR_DNS && k == M_QUERY)
		return &r->m.query;
	if (r->apprec == APPR_HTTP && k == M_HOST)
		return &r->m.host;
	return NULL;
}

/* Index rule id by its names when they are all exact or "*." ones: 1,
 * 0 if not, -1 without memory. */
static int
names_add(struct ruleset *rs, uint32_t id, size_t *cap)
{
	struct name_ent			*v;
	const struct rule		*r = &rs->rules[id];
	const struct str_matches	*sm = name_key(r);
	size_t				 i;

	if (sm == NULL || sm->neg || sm->n == 0)
		return 0;
	for (i = 0; i < sm->n; i++)
		if (sm->v[i].neg || !(sm->v[i].kind == STRM_EXACT ||
		    (sm->v[i].kind == STRM_SUFFIX && sm->v[i].s[0] == '.')))
			return 0;
	while (rs->nnames + sm->n > *cap) {
		if ((v = reallocarray(rs->names, *cap ? *cap * 2 : 64,
		    sizeof(*rs->names))) == NULL)
			return -1;
		rs->names = v;
		*cap = *cap ? *cap * 2 : 64;
	}
	for (i = 0; i < sm->n; i++) {
		struct name_ent	*e = &rs->names[rs->nnames++];

		e->h = name_index_hash(sm->v[i].s, strlen(sm->v[i].s));
		e->rule = id;
		e->appr = r->apprec;
	}
	return 1;
}

int
rules_index(struct ruleset *rs)
{
	size_t		 i, names_cap = 0;
	int		 ev, pc;

	for (i = 0; i < rs->nrules; i++) {
		struct rule_match *m = &rs->rules[i].m;

		m->dport.count = port_count(&m->dport);
		m->sport.count = port_count(&m->sport);
		m->port.count = port_count(&m->port);
	}

	for (ev = 0; ev < REV_MAX; ev++) {
		for (pc = 0; pc < PC_MAX; pc++) {
			struct rule_bucket *b = &rs->buckets[ev][pc];
			int ported = pc == PC_TCP || pc == PC_UDP;

			if (ported && (port_map_build(rs, ev, pc, 0,
			    &b->dport_off, &b->dport_ids, &b->dport_has) != 0 ||
			    port_map_build(rs, ev, pc, 1, &b->sport_off,
			    &b->sport_ids, &b->sport_has) != 0))
				return -1;
			for (i = 0; i < rs->nrules; i++) {
				const struct rule *r = &rs->rules[i];

				if (!rules_in_bucket(r, ev, pc))
					continue;
				if (ported && (rules_port_key(r, 0) != NULL ||
				    rules_port_key(r, 1) != NULL))
					continue;
				if (!(r->m.keys & (M_FLAGS | M_DECODE)) &&
				    list_add(&b->any, (uint32_t)i) != 0)
					return -1;
			}
			if (pf_build(rs, ev, pc, b) != 0)
				return -1;
		}
	}
	if (addr_slots(rs) != 0)
		return -1;
	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		int n;

		if (!r->active || r->apprec == 0)
			continue;
		if ((n = names_add(rs, (uint32_t)i, &names_cap)) < 0 ||
		    (n == 0 && list_add(&rs->app[appr_bit(r->apprec)],
		    (uint32_t)i) != 0))
			return -1;
	}
	if (rs->nnames > 1)
		qsort(rs->names, rs->nnames, sizeof(*rs->names), name_ent_cmp);
	return rules_state_new(rs) != NULL ? 0 : -1;
}

static void
rules_state_free(struct rules_state *ws)
{
	free(ws->stamps);
	free(ws->rc);
	free(ws->ec);
	free(ws->ahosts);
	thr_free(ws->thr_own);
	if (ws->match_data != NULL)
		pcre2_match_data_free(ws->match_data);
	free(ws);
}

/* A state for one more matcher of rs, freed with rs; NULL: no memory
 * for it (a reload then fails). */
struct rules_state *
rules_state_new(struct ruleset *rs)
{
	struct rules_state	*ws = calloc(1, sizeof(*ws)), **pp;

	if (ws == NULL)
		return NULL;
	ws->rs = rs;
	ws->rules = rs->rules;
	/* Stamps start at 0 and events at 1: no rule counts as tried. */
	if ((ws->stamps = calloc(rs->nrules + 1, sizeof(*ws->stamps))) ==
	    NULL || (ws->rc = calloc(rs->nrules + 1, sizeof(*ws->rc))) ==
	    NULL || (ws->ec = calloc(rs->nexc + 1, sizeof(*ws->ec))) ==
	    NULL || (rs->aset_slots && (ws->ahosts = calloc(ASET_HOSTS,
	    sizeof(*ws->ahosts))) == NULL) ||
	    (ws->match_data = pcre2_match_data_create(16, NULL)) == NULL) {
		rules_state_free(ws);
		return NULL;
	}
	/* A second matcher: from now on the cross-flow tables are shared.
	 * Made before that matcher runs, so no one sees it half set. */
	if (rs->states != NULL && rs->shared_mu == NULL) {
		pthread_mutexattr_t	a;

		if ((rs->shared_mu = calloc(1, sizeof(*rs->shared_mu))) ==
		    NULL) {
			rules_state_free(ws);
			return NULL;
		}
		/* Held for a table update (well under a microsecond): a
		 * waiter spins a little before it sleeps, since sleeping
		 * and being woken cost far more than the wait (perf: the
		 * futex wake-ups were a tenth of two workers' time). */
		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
		pthread_mutex_init(rs->shared_mu, &a);
		pthread_mutexattr_destroy(&a);
	}
	for (pp = &rs->states; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = ws;
	return ws;
}

struct rules_state *
rules_main_state(const struct ruleset *rs)
{
	return rs != NULL ? rs->states : NULL;
}

void
rules_index_free(struct ruleset *rs)
{
	int	ev, pc, i;

	for (ev = 0; ev < REV_MAX; ev++)
		for (pc = 0; pc < PC_MAX; pc++) {
			struct rule_bucket *b = &rs->buckets[ev][pc];

			free(b->any.v);
			free(b->pf_off);
			free(b->pf_ids);
			free(b->dport_off);
			free(b->dport_ids);
			free(b->dport_has);
			free(b->sport_off);
			free(b->sport_ids);
			free(b->sport_has);
		}
	for (i = 0; i < 8; i++)
		free(rs->app[i].v);
	free(rs->names);
	while (rs->states != NULL) {
		struct rules_state *ws = rs->states;

		rs->states = ws->next;
		rules_state_free(ws);
	}
	if (rs->shared_mu != NULL) {
		pthread_mutex_destroy(rs->shared_mu);
		free(rs->shared_mu);
		rs->shared_mu = NULL;
	}
}

/* Did PCRE2 give up (a limit of limits.regex_*), rather than answer? */
int
rules_regex_gave_up(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

static void
limit_queue(struct rules_state *ws, uint32_t id)
{
	if (!ws->rc[id].limit_queued && ws->limit_qn < LIMIT_QUEUE) {
		ws->rc[id].limit_queued = 1;
		ws->limit_q[ws->limit_qn++] = id;
	}
}

/*
 * A regex of m gave up on this event (and does not match): count it,
 * and when m is a rule's own match rather than an exception's, charge
 * the rule and queue it for the regex_limit sensor event. Out of line:
 * the match path pays nothing until a limit is hit.
 */
__attribute__((noinline)) void
rules_regex_charge(struct rules_state *ws, const struct rule_match *m)
{
	const struct ruleset	*rs = ws->rs;
	uintptr_t		 a = (uintptr_t)m - offsetof(struct rule, m);
	uintptr_t		 lo = (uintptr_t)rs->rules;
	uint32_t		 id;

	ws->st.regex_limited++;
	if (a < lo || a >= lo + rs->nrules * sizeof(*rs->rules) ||
	    (a - lo) % sizeof(*rs->rules) != 0)
		return;
	id = (uint32_t)((a - lo) / sizeof(*rs->rules));
	ws->rc[id].regex_limited++;
	limit_queue(ws, id);
}

/* FNV-1a of a name, case folded: one byte. */
#define NAME_FNV_BASIS	1469598103934665603ULL
static inline uint64_t
name_fnv_step(uint64_t h, char c)
{
	h ^= (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	return h * 1099511628211ULL;
}

static uint64_t
name_hashn(const char *s, size_t n)
{
	uint64_t	h = NAME_FNV_BASIS;
	size_t		i;

	for (i = 0; i < n; i++)
		h = name_fnv_step(h, s[i]);
	return h;
}

static uint64_t
name_hash(const char *s)
{
	return name_hashn(s, strlen(s));
}

/* The same, of the last byte first: see try_names. */
static uint64_t
name_index_hash(const char *s, size_t n)
{
	uint64_t	h = NAME_FNV_BASIS;

	while (n > 0)
		h = name_fnv_step(h, s[--n]);
	return h;
}

/*
 * An IPv6 address a key takes by its first bits bits (src_ip/N), unless
 * it is one to keep whole: an `internal` one, whose /64 is a LAN's,
 * shared by its hosts. 0: the address itself.
 */
unsigned
rules_key_net(const struct rule *r, const uint8_t *net, int i, int ipver,
    const uint8_t *addr)
{
	if (net == NULL || net[i] == 0 || ipver != 6 || addr == NULL ||
	    (r->net_keep != NULL && ipset_contains(r->net_keep, 6, addr)))
		return 0;
	return net[i];
}

/* net: by src_ip/N and dst_ip/N's N (r's), or NULL for the whole
 * addresses. */
static void
thr_key_make(const struct match_ctx *c, uint8_t by, const struct rule *r,
    const uint8_t *net, struct thr_key *k)
{
	size_t		alen = c->ipver == 6 ? 16 : 4;
	unsigned	bits;

	memset(k, 0, sizeof(*k));
	k->ipver = (uint8_t)c->ipver;
	if ((by & BY_SRC_IP) && c->src != NULL)
		memcpy(k->a, c->src, alen);
	if ((by & BY_DST_IP) && c->dst != NULL)
		memcpy(k->b, c->dst, alen);
	/* Most events: IPv4, or a rule by whole addresses. */
	if (c->ipver == 6 && net != NULL && (net[0] | net[1]) != 0) {
		if ((by & BY_SRC_IP) && (bits = rules_key_net(r, net, 0, 6,
		    c->src)) != 0)
			util_addr_net(k->a, bits);
		if ((by & BY_DST_IP) && (bits = rules_key_net(r, net, 1, 6,
		    c->dst)) != 0)
			util_addr_net(k->b, bits);
	}
	if (by & BY_SRC_PORT)
		k->sport = c->sport;
	if (by & BY_DST_PORT)
		k->dport = c->dport;
	if (by & BY_PROTO)
		k->proto = c->proto;
	if ((by & BY_SNI) && c->app != NULL && (c->app->have == APPR_TLS_CH ||
	    c->app->have == APPR_TLS_CERT))
		k->name_hash = name_hash(c->app->tls.sni);
	if ((by & BY_DOMAIN) && c->app != NULL && c->app->have == APPR_DNS) {
		char	reg[96];

		/* One key for all the names of a registered domain (a
		 * tunnel's, each name new); a name without one is its own. */
		k->name_hash = dt_registered(c->app->dns.qname, reg,
		    sizeof(reg)) ? name_hash(reg) : name_hash(c->app->dns.qname);
	}
	if ((by & BY_QUERY) && c->app != NULL && c->app->have == APPR_DNS)
		k->name_hash = name_hash(c->app->dns.qname);
}

static uint64_t
addr_hash(const uint8_t *a, size_t alen)
{
	uint64_t	h = 1469598103934665603ULL;
	size_t		i;

	if (a == NULL)
		return 0;
	for (i = 0; i < alen; i++)
		h = (h ^ a[i]) * 1099511628211ULL;
	return h;
}

/* The value a distinct threshold counts, or the bytes a sum adds. */
static uint64_t
thr_value(const struct rule *r, const struct match_ctx *c)
{
	uint64_t	v = 0;
	size_t		alen = c->ipver == 6 ? 16 : 4;

	if (r->thr.kind == THR_SUM) {
		if (c->event == REV_FLOW_END && c->flow != NULL)
			return c->flow->bytes[0] + c->flow->bytes[1];
		return c->pkt != NULL ? c->pkt->wirelen : 0;
	}
	switch (r->distinct) {
	case DF_SRC_IP:
		v = addr_hash(c->src, alen);
		break;
	case DF_DST_IP:
		v = addr_hash(c->dst, alen);
		break;
	case DF_SRC_PORT:
		v = c->sport;
		break;
	case DF_DST_PORT:
		v = c->dport;
		break;
	case DF_SNI:
		v = c->app ? name_hash(c->app->tls.sni) : 0;
		break;
	case DF_QUERY:
		v = c->app ? name_hash(c->app->dns.qname) : 0;
		break;
	}
	return v;
}

/*
 * A behaviour rule's event (behaviour.h): 1 when its baseline, beacon
 * or DNS window says alert now, with what it saw in *out.
 */
static int
behaviour_event(const struct ruleset *rs, uint32_t id, const struct rule *r,
    const struct match_ctx *c, struct bh_result *out)
{
	struct thr_key	key;
	uint64_t	v;

	switch (r->bh.kind) {
	case BH_BASELINE:
		thr_key_make(c, r->bh_by, r, NULL, &key);
		if (r->bh.measure != BM_BYTES)
			v = 1;
		else if (c->event == REV_FLOW_END && c->flow != NULL)
			v = c->flow->bytes[0] + c->flow->bytes[1];
		else
			v = c->pkt != NULL ? c->pkt->wirelen : 0;
		return bl_event(rs->bl, id, &r->bh, &key, v, c->ts,
		    rs->conf->utc_offset, out);
	case BH_BEACON:
		thr_key_make(c, r->bh_by, r, NULL, &key);
		return bc_event(rs->bc, id, &r->bh, &key, c->ts, out);
	case BH_DNSTUNNEL:
		if (c->app == NULL || !(c->app->have & APPR_DNS) ||
		    c->app->dns.qdcount == 0)
			return 0;
		return dt_event(rs->dt, rs->dtc, id, &r->bh, c->app->dns.qname,
		    c->app->dns.qr, c->app->dns.rcode, c->ts, out);
	}
	return 0;
}

/* Is this event silenced by an exception of the rule? */
static int
excepted(struct rules_state *ws, const struct rule *r,
    const struct match_ctx *c)
{
	size_t	i;

	for (i = 0; i < r->nexc; i++) {
		const struct exception *e = &ws->rs->exc[r->exc[i]];

		if (!rules_match_ok(ws, &e->m, c, 1, 0))
			continue;
		if (e->expires != 0 && c->ts >= e->expires) {
			ws->ec[r->exc[i]].expired_hits++;
			continue;
		}
		ws->ec[r->exc[i]].hits++;
		return 1;
	}
	return 0;
}

/* Rules come off the queue for sensor_health, a minute at most apart. */
const struct rule *
rules_limit_next(struct rules_state *ws, uint64_t *count)
{
	struct rule_count	*rc;
	uint32_t		 id;

	if (ws == NULL || ws->limit_qn == 0)
		return NULL;
	id = ws->limit_q[--ws->limit_qn];
	rc = &ws->rc[id];
	rc->limit_queued = 0;
	*count = rc->regex_limited - rc->limit_reported;
	rc->limit_reported = rc->regex_limited;
	return &ws->rs->rules[id];
}

/* The threshold key and the suppression key (NULL without suppression:
 * most rules suppress by what they count by, the same key, not made twice). */
static inline __attribute__((always_inline)) const struct thr_key *
rule_thr_keys(const struct rule *r, const struct match_ctx *c,
    struct thr_key *key, struct thr_key *skey)
{
	thr_key_make(c, r->thr_by, r, r->thr_net, key);
	if (r->thr.suppress == 0)
		return NULL;
	if (r->sup_by == r->thr_by && r->sup_net[0] == r->thr_net[0] &&
	    r->sup_net[1] == r->thr_net[1])
		return key;
	thr_key_make(c, r->sup_by, r, r->sup_net, skey);
	return skey;
}

/*
 * An event about the address pair of the packet or flow it came from:
 * every event of that pair is matched by the worker that gets the pair
 * (workers.c, capture_fanout), so its THR_PAIR_* state is that worker's
 * alone. Only with the addresses decoded: a frame cut short or malformed
 * before them keeps zeros (and ARP has none), one key for frames that
 * the dispatcher sent to any worker by their real header. Not a host's
 * event (one address, from whichever worker saw the host) nor the
 * sensor's.
 */
static int
pair_event(const struct match_ctx *c)
{
	/* A tunnel's inner packets go to the worker of its ends. */
	uint8_t	encap = c->flow != NULL ? c->flow->encap : c->pkt != NULL ?
	    c->pkt->encap : 0;

	return (c->ipver == 4 || c->ipver == 6) && c->src != NULL &&
	    c->dst != NULL && c->host == NULL && c->event != REV_SENSOR &&
	    (encap & ENCAP_DEPTH) == 0;
}

/* The counters of a worker's own table, for the loop's stats. */
static void
own_publish(struct rules_state *ws)
{
	const struct thr_stats	*st = thr_stats(ws->thr_own);

	atomic_store_explicit(&ws->thr_own_st[0], st->keys,
	    memory_order_relaxed);
	atomic_store_explicit(&ws->thr_own_st[1], st->evicted,
	    memory_order_relaxed);
	atomic_store_explicit(&ws->thr_own_st[2], st->suppressed,
	    memory_order_relaxed);
	atomic_store_explicit(&ws->thr_own_st[3], st->bytes,
	    memory_order_relaxed);
}

/*
 * A pair event of a THR_PAIR_WINDOW rule: its window in the worker's own
 * table, its suppression there too or (keyed by fewer fields, such as a
 * scan's source alone) in the shared one, under the lock only for an
 * alert that is due.
 */
static int
own_event(struct rules_state *ws, uint32_t id, const struct rule *r,
    uint8_t pair, const struct thr_key *key, const struct thr_key *sk,
    uint64_t value, uint64_t ts, struct thr_result *res)
{
	int	pass = thr_event_window(ws->thr_own, id, key, value, ts, res);

	if (pass && r->thr.suppress > 0) {
		if (pair & THR_PAIR_SUPPRESS)
			pass = thr_event_suppress(ws->thr_own, id, sk, ts, res);
		else {
			rules_shared_lock(ws->rs);
			pass = thr_event_suppress(ws->rs->thr, id, sk, ts, res);
			rules_shared_unlock(ws->rs);
		}
	}
	own_publish(ws);
	return pass;
}

/*
 * A rule that matched: exceptions, behaviour, threshold and suppression,
 * then the alert. Out of line: its frame (two threshold keys, the
 * results) is not set up for the most tries, which do not match.
 */
static __attribute__((noinline)) void
rule_matched(struct rules_state *ws, uint32_t id, const struct rule *r,
    const struct match_ctx *c, struct alert_out *out)
{
	const struct ruleset	*rs = ws->rs;
	struct thr_key		 key, skey;
	const struct thr_key	*sk;
	struct thr_result	 res;
	struct bh_result	 bh;
	uint64_t		 value;
	uint8_t			 pair;
	int			 pass;

	ws->rc[id].matches++;
	ws->st.matched++;
	if (r->nexc > 0 && excepted(ws, r, c)) {
		ws->st.excepted++;
		return;
	}
	memset(&res, 0, sizeof(res));
	if (r->bh.kind == BH_NONE) {
		/* The keys before the lock: with several workers it is held
		 * for the tables' work alone. */
		sk = rule_thr_keys(r, c, &key, &skey);
		value = thr_value(r, c);
		pair = r->thr_pair;
		if (c->ipver == 4)
			pair |= (uint8_t)(pair >> 2);	/* the _V4 bits */
		if (ws->thr_own != NULL && (pair & THR_PAIR_WINDOW) &&
		    pair_event(c))
			pass = own_event(ws, id, r, pair, &key, sk, value,
			    c->ts, &res);
		else {
			rules_shared_lock(rs);
			pass = thr_event(rs->thr, id, &key, sk, value, c->ts,
			    &res) == 1;
			rules_shared_unlock(rs);
		}
	} else {
		/* A behaviour rule's event mostly stops at its baseline:
		 * keys only for one that passes it. */
		rules_shared_lock(rs);
		pass = behaviour_event(rs, id, r, c, &bh);
		if (pass) {
			sk = rule_thr_keys(r, c, &key, &skey);
			value = thr_value(r, c);
			pass = thr_event(rs->thr, id, &key, sk, value, c->ts,
			    &res) == 1;
		}
		rules_shared_unlock(rs);
	}
	if (!pass)
		return;
	if (r->bh.kind != BH_NONE)
		res.bh = &bh;
	ws->rc[id].hits++;
	ws->rc[id].last_hit = c->ts;
	ws->st.alerts++;
	ws->st.by_severity[r->severity]++;
	alert_emit(out, rs->conf, r, c, &res);
}

static void
rule_eval(struct rules_state *ws, uint32_t id, const struct rule *r,
    const struct match_ctx *c, struct alert_out *out, int flow_keys_done)
{
	ws->stamps[id] = ws->stamp;
	ws->st.evaluated++;
	if (rules_match_ok(ws, &r->m, c, 0, flow_keys_done))
		rule_matched(ws, id, r, c, out);
}

/*
 * The checks that turn most tries away, inline: a third of the tries
 * end here (a rule of the other scope, or already tried), and the
 * call into rule_eval's large frame cost more than the checks.
 */
static inline void
rule_try(struct rules_state *ws, uint32_t id, const struct match_ctx *c,
    struct alert_out *out, int flow_keys_done)
{
	const struct rule	*r;

	/* A rule reached through both ports is checked once. */
	if (ws->stamps[id] == ws->stamp)
		return;
	r = &ws->rules[id];
	if (c->scope != MS_ALL &&
	    (r->m.payload_re != NULL) != (c->scope == MS_PAYLOAD))
		return;
	rule_eval(ws, id, r, c, out, flow_keys_done);
}

static void
try_list(struct rules_state *ws, const struct rule_list *l,
    const struct match_ctx *c, struct alert_out *out)
{
	uint32_t	i;

	for (i = 0; i < l->n; i++)
		rule_try(ws, l->v[i], c, out, 0);
}

/*
 * Rules of a list fixed for the flow's direction (its port lists and the
 * any-port list): per-flow keys are checked on a flow's first packet in
 * each direction only; a rule they fail is skipped for the rest of the
 * flow in that direction, one they pass goes straight to its per-packet
 * keys. Once the flow's application protocol is known its keys (app,
 * payload in an encrypted session) count as per-flow ones too. Bits
 * number the rules across the lists, the first 64; returns the next
 * position.
 */
static uint32_t
try_flow_list(struct rules_state *ws, const uint32_t *ids, uint32_t n,
    uint32_t pos, uint64_t *dead, uint64_t *live, const struct match_ctx *c,
    struct alert_out *out)
{
	uint64_t	todo, bit;
	uint32_t	i = 0, end = pos + n, hi, b;

	/*
	 * The positions under 64 by their set bits, not one by one: most of
	 * a flow's rules are dead after its first packet, and stepping
	 * through them cost more than the few left (callgrind, mixed
	 * capture: a sixth of the rule matching). Ascending, as before.
	 */
	if (pos < 64) {
		hi = end < 64 ? end : 64;
		todo = (hi - pos == 64 ? ~0ULL : ((1ULL << (hi - pos)) - 1)
		    << pos) & ~*dead;
		while (todo != 0) {
			b = (uint32_t)__builtin_ctzll(todo);
			todo &= todo - 1;
			bit = 1ULL << b;
			if (!(*live & bit)) {
				const struct rule_match *m =
				    &ws->rules[ids[b - pos]].m;

				if (!rules_match_flow_keys(ws, m, c) ||
				    !rules_match_app_keys(m, c->flow)) {
					*dead |= bit;
					continue;
				}
				*live |= bit;
			}
			rule_try(ws, ids[b - pos], c, out, 1);
		}
		i = hi - pos;
	}
	/* Past the first 64: no per-flow memory, every key each time. */
	for (; i < n; i++)
		rule_try(ws, ids[i], c, out, 0);
	return end;
}

/* A name's suffixes looked up: a 255-byte name has at most 128 (the
 * buffers below hold 255 at most, which the assertion keeps true). */
#define NAME_SUFFIX_MAX	130
_Static_assert(sizeof(((struct app_tls *)0)->sni) <= 2 * NAME_SUFFIX_MAX &&
    sizeof(((struct app_dns *)0)->qname) <= 2 * NAME_SUFFIX_MAX &&
    sizeof(((struct app_http *)0)->host) <= 2 * NAME_SUFFIX_MAX,
    "every suffix of a name has its slot");

/* The rules naming the record's SNI, query or host, or a parent of it. */
static void
try_names(struct rules_state *ws, const struct match_ctx *c,
    struct alert_out *out)
{
	const struct ruleset	*rs = ws->rs;
	const struct app_result	*app = c->app;
	const char		*s;
	size_t			 len, i, lo, hi, mid, nsuf = 0;
	uint64_t		 h, suf[NAME_SUFFIX_MAX];
	uint8_t			 appr = (uint8_t)app->have;

	if (rs->nnames == 0)
		return;
	if (appr == APPR_TLS_CH)
		s = app->tls.sni;
	else if (appr == APPR_DNS && app->dns.qdcount > 0)
		s = app->dns.qname;
	else if (appr == APPR_HTTP)
		s = app->http.host;
	else
		return;
	len = strlen(s);
	/* Without one trailing dot, as str_hit compares names. */
	if (len > 1 && s[len - 1] == '.')
		len--;
	/*
	 * The whole name (exact), then every ".parent" suffix, longest
	 * first. Their hashes in one pass from the end (the index hashes
	 * the last byte first): hashing each suffix anew cost a name of
	 * one-letter labels its length squared (255 bytes: 32 K steps).
	 */
	for (h = NAME_FNV_BASIS, i = len; i > 0; i--) {
		h = name_fnv_step(h, s[i - 1]);
		if (i == 1 || s[i - 1] == '.')
			suf[nsuf++] = h;
	}
	while (nsuf > 0) {
		struct name_ent	key;

		key.h = suf[--nsuf];
		key.appr = appr;
		key.rule = 0;
		lo = 0;
		hi = rs->nnames;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (name_ent_cmp(&rs->names[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < rs->nnames && rs->names[lo].appr == appr &&
		    rs->names[lo].h == key.h; lo++)
			rule_try(ws, rs->names[lo].rule, c, out, 0);
	}
}

static void
try_ports(struct rules_state *ws, const uint32_t *off, const uint32_t *ids,
    const uint8_t *has, uint16_t port, const struct match_ctx *c,
    struct alert_out *out)
{
	uint32_t	i;

	if (off == NULL || (has != NULL && !bit_test(has, port)))
		return;
	for (i = off[port]; i < off[port + 1]; i++)
		rule_try(ws, ids[i], c, out, 0);
}

void
rules_match_state(struct rules_state *ws, const struct match_ctx *c,
    struct alert_out *out)
{
	const struct ruleset		*rs;
	const struct rule_bucket	*b;
	struct flow			*f;
	uint64_t			*dead, *live;
	uint32_t			 pos = 0;

	if (ws == NULL)
		return;
	rs = ws->rs;
	ws->stamp++;
	if (c->ts > ws->last_ts)
		ws->last_ts = c->ts;
	if (c->app != NULL) {
		try_names(ws, c, out);
		try_list(ws, &rs->app[appr_bit(c->app->have)], c, out);
		return;
	}
	b = &rs->buckets[c->event][proto_class(c->proto)];
	if (b->pf_off != NULL) {
		unsigned key = pf_key(c->pkt, c->proto);

		try_ports(ws, b->pf_off, b->pf_ids, NULL, (uint16_t)key, c,
		    out);
	}
	f = (struct flow *)(uintptr_t)c->flow;
	if (f == NULL || c->event != REV_PACKET) {
		try_ports(ws, b->dport_off, b->dport_ids, b->dport_has,
		    c->dport, c, out);
		try_ports(ws, b->sport_off, b->sport_ids, b->sport_has,
		    c->sport, c, out);
		try_list(ws, &b->any, c, out);
		return;
	}
	flow_cache_check(rs, f);
	/*
	 * The application protocol is known now, for good: the live rules
	 * are checked once more, on it too, and a telnet rule stops being
	 * tried on every packet of an SSH flow.
	 */
	if (f->app_proto != APP_UNKNOWN && !(f->evflags & FE_RULES_APP)) {
		f->evflags |= FE_RULES_APP;
		f->rule_live[0] = f->rule_live[1] = 0;
	}
	dead = &f->rule_dead[c->dir & 1];
	live = &f->rule_live[c->dir & 1];
	/* A port without rules has an empty list: skipping it moves no
	 * dead-bit position. */
	if (b->dport_off != NULL && bit_test(b->dport_has, c->dport))
		pos = try_flow_list(ws, b->dport_ids + b->dport_off[c->dport],
		    b->dport_off[c->dport + 1] - b->dport_off[c->dport], pos,
		    dead, live, c, out);
	if (b->sport_off != NULL && bit_test(b->sport_has, c->sport))
		pos = try_flow_list(ws, b->sport_ids + b->sport_off[c->sport],
		    b->sport_off[c->sport + 1] - b->sport_off[c->sport], pos,
		    dead, live, c, out);
	(void)try_flow_list(ws, b->any.v, b->any.n, pos, dead, live, c, out);
}

void
rules_stats(const struct ruleset *rs, struct rule_stats *st)
{
	const struct rules_state	*ws;
	size_t				 i;

	memset(st, 0, sizeof(*st));
	for (ws = rs != NULL ? rs->states : NULL; ws != NULL; ws = ws->next) {
		st->evaluated += ws->st.evaluated;
		st->matched += ws->st.matched;
		st->alerts += ws->st.alerts;
		st->excepted += ws->st.excepted;
		for (i = 0; i < 6; i++)
			st->by_severity[i] += ws->st.by_severity[i];
		st->regex_limited += ws->st.regex_limited;
	}
}

/* Rule id's counters over the set's states. */
void
rules_count_sum(const struct ruleset *rs, size_t id, struct rule_count *rc)
{
	const struct rules_state	*ws;

	memset(rc, 0, sizeof(*rc));
	for (ws = rs->states; ws != NULL; ws = ws->next) {
		rc->hits += ws->rc[id].hits;
		rc->matches += ws->rc[id].matches;
		if (ws->rc[id].last_hit > rc->last_hit)
			rc->last_hit = ws->rc[id].last_hit;
		rc->regex_limited += ws->rc[id].regex_limited;
		rc->limit_reported += ws->rc[id].limit_reported;
		rc->limit_queued |= ws->rc[id].limit_queued;
	}
}

void
rules_exception_hits(const struct ruleset *rs, const struct exception *x,
    uint64_t *hits, uint64_t *expired_hits)
{
	const struct rules_state	*ws;
	size_t				 j = (size_t)(x - rs->exc);

	*hits = *expired_hits = 0;
	if (j >= rs->nexc)
		return;
	for (ws = rs->states; ws != NULL; ws = ws->next) {
		*hits += ws->ec[j].hits;
		*expired_hits += ws->ec[j].expired_hits;
	}
}

/*
 * Which rules of a reload's new set take over what of the running set's,
 * worked out by the reload's thread: the definitions it compares are
 * fixed once a set is built, and the running set is not swapped while a
 * build is under way. Both sets come sorted by sid (by_sid), so it is
 * one linear merge, but at 50,000 rules one that walks both sets' rule
 * structures (over 100 ms under AddressSanitizer): the loop, which does
 * the carry while capture waits, only follows these arrays.
 */
struct rules_carry_plan {
	const struct ruleset	*from;
	size_t			 npairs;
	uint32_t		*pair;		/* to's and from's, by sid */
	/* from's index -> to's, or UINT32_MAX: threshold windows carry
	 * for an unchanged definition (sid and digest), behaviour state
	 * for the same kind (a baseline with the same key and measure). */
	uint32_t		*thr_map;
	uint32_t		*bh_map;
};

void
rules_carry_plan_free(struct rules_carry_plan *p)
{
	if (p == NULL)
		return;
	free(p->pair);
	free(p->thr_map);
	free(p->bh_map);
	free(p);
}

/* NULL without memory: the carry then makes its own on the loop. */
struct rules_carry_plan *
rules_carry_plan_new(const struct ruleset *to, const struct ruleset *from)
{
	struct rules_carry_plan	*p;
	size_t			 a = 0, b = 0, i, n;

	if (to == NULL || from == NULL || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->from = from;
	n = from->nrules + 1;
	if ((p->pair = calloc(2 * (to->nrules < from->nrules ? to->nrules :
	    from->nrules) + 2, sizeof(*p->pair))) == NULL ||
	    (p->thr_map = calloc(n, sizeof(*p->thr_map))) == NULL ||
	    (p->bh_map = calloc(n, sizeof(*p->bh_map))) == NULL) {
		rules_carry_plan_free(p);
		return NULL;
	}
	for (i = 0; i < n; i++)
		p->thr_map[i] = p->bh_map[i] = UINT32_MAX;
	while (a < to->nrules && b < from->nrules) {
		uint32_t		 ti = to->by_sid[a], fi = from->by_sid[b];
		const struct rule	*nr = &to->rules[ti];
		const struct rule	*o = &from->rules[fi];

		if (nr->sid != o->sid) {
			if (nr->sid < o->sid)
				a++;
			else
				b++;
			continue;
		}
		p->pair[2 * p->npairs] = ti;
		p->pair[2 * p->npairs + 1] = fi;
		p->npairs++;
		if (o->digest == nr->digest)
			p->thr_map[fi] = ti;
		if (nr->bh.kind != BH_NONE && nr->bh.kind == o->bh.kind &&
		    (nr->bh.kind == BH_BASELINE ? o->bh_by == nr->bh_by &&
		    o->bh.measure == nr->bh.measure : o->digest == nr->digest))
			p->bh_map[fi] = ti;
		a++;
		b++;
	}
	return p;
}

/*
 * A reload keeps beacon runs and DNS windows of unchanged rules, and a
 * baseline's learning for every rule whose sid, key fields and measure
 * are the same (a new message or a tighter factor keeps what was
 * learned). One map serves the three tables: a rule has slots in its
 * kind's table alone, and is mapped only to a rule of its kind.
 */
static void
behaviour_carry(struct ruleset *to, const struct ruleset *from,
    const uint32_t *map)
{
	slot_carry(to->bl, from->bl, map);
	slot_carry(to->bc, from->bc, map);
	slot_carry(to->dt, from->dt, map);
}

/*
 * A reload must not make the counters look like a fresh start: rules
 * keep their hits by sid, exceptions theirs when owner, reason and
 * expiry are unchanged, and the totals carry on. Threshold windows and
 * suppressions go on for a rule whose definition (sid and the digest of
 * its YAML) did not change, so that reloading often cannot hide a slow
 * scan; a changed rule starts afresh. This runs on the loop while
 * capture waits: what pairs with what comes worked out (plan, made for
 * from), and a table from no longer needs stays with from, to be freed
 * with it off the loop.
 */
void
rules_carry_counters(struct ruleset *to, struct ruleset *from,
    const struct rules_carry_plan *plan)
{
	struct rules_carry_plan	*own = NULL;
	struct rules_state	*ws, *tw, *fw;
	size_t			 i, j;

	if (to == NULL || from == NULL || (ws = to->states) == NULL)
		return;
	rules_stats(from, &ws->st);
	ws->last_ts = rules_now(from);
	if (plan == NULL || plan->from != from)
		plan = own = rules_carry_plan_new(to, from);
	/* Without a plan (no memory, after the swap) nothing but the
	 * totals is carried: counters and windows start afresh. */
	if (plan == NULL)
		log_warnx("reload: no memory to carry the rules' counters and "
		    "windows; they start afresh");
	for (i = 0; plan != NULL && i < plan->npairs; i++) {
		uint32_t		ti = plan->pair[2 * i];
		struct rule_count	oc;

		rules_count_sum(from, plan->pair[2 * i + 1], &oc);
		ws->rc[ti] = oc;
		ws->rc[ti].limit_queued = 0;
		/* Still to be raised: queue it in the new set. */
		if (oc.limit_queued)
			limit_queue(ws, ti);
	}
	if (plan != NULL && from->nrules > 0) {
		if (thr_carry(to->thr, from->thr, plan->thr_map))
			from->thr = NULL;
		behaviour_carry(to, from, plan->bh_map);
		/* A worker's own table to its state in the new set: both
		 * lists are in the workers' order (the loop's first). */
		for (tw = to->states, fw = from->states; tw != NULL &&
		    fw != NULL; tw = tw->next, fw = fw->next)
			if (tw->thr_own != NULL && fw->thr_own != NULL) {
				if (thr_carry(tw->thr_own, fw->thr_own,
				    plan->thr_map))
					fw->thr_own = NULL;
				own_publish(tw);
			}
	}
	rules_carry_plan_free(own);
	/* Exceptions the same way, by identity; equal ones pair in order. */
	for (i = 0, j = 0; i < to->nexc && j < from->nexc;) {
		const struct exception	*n = &to->exc[to->exc_by_id[i]];
		const struct exception	*o = &from->exc[from->exc_by_id[j]];
		int			 c = rules_exception_id_cmp(n, o);

		if (c == 0)
			rules_exception_hits(from, o,
			    &ws->ec[to->exc_by_id[i]].hits,
			    &ws->ec[to->exc_by_id[i]].expired_hits);
		i += c <= 0;
		j += c >= 0;
	}
}

/* Threshold entries moved over per tick: a few ms of the loop. */
#define CARRY_STEP	16384
/* A worker's own, per second of packet time: on its packet path. */
#define CARRY_STEP_OWN	2048

/* -1 without memory for a table: a reload then fails as a whole. */
int
rules_split_thresholds(struct ruleset *rs)
{
	struct rules_state	*ws;
	struct thr_spec		*specs;
	size_t			 n = 0, have = 0;
	int			 rc = 0;

	if (rs == NULL)
		return 0;
	for (ws = rs->states; ws != NULL; ws = ws->next) {
		n++;
		have += ws->thr_own != NULL;
	}
	if (n < 2 || have == n)
		return 0;
	if ((specs = rules_thr_specs(rs)) == NULL)
		return -1;
	for (ws = rs->states; ws != NULL && rc == 0; ws = ws->next)
		if (ws->thr_own == NULL) {
			if ((ws->thr_own = thr_new(rs->conf->threshold_memcap /
			    n, specs, rs->nrules)) == NULL)
				rc = -1;
			else
				own_publish(ws);
		}
	free(specs);
	return rc;
}

int
rules_worker_states(struct ruleset *rs, size_t n)
{
	while (rules_state_nth(rs, n) == NULL)
		if (rules_state_new(rs) == NULL)
			return -1;
	return rules_split_thresholds(rs);
}

struct rules_state *
rules_state_nth(const struct ruleset *rs, size_t i)
{
	struct rules_state	*ws;

	for (ws = rs->states; ws != NULL && i > 0; ws = ws->next)
		i--;
	return ws;
}

void
rules_state_tick(struct rules_state *ws)
{
	if (ws != NULL && ws->thr_own != NULL &&
	    thr_carry_step(ws->thr_own, CARRY_STEP_OWN) == 0)
		own_publish(ws);
}

int
rules_carry_step(struct ruleset *rs)
{
	int	more;

	if (rs == NULL)
		return 0;
	rules_shared_lock(rs);
	more = thr_carry_step(rs->thr, CARRY_STEP);
	rules_shared_unlock(rs);
	return more;
}

void
rules_horizon(struct ruleset *rs, uint64_t ts)
{
	if (rs == NULL)
		return;
	rules_shared_lock(rs);
	thr_horizon(rs->thr, ts);
	rules_shared_unlock(rs);
}

int
rules_exception_id_cmp(const struct exception *x, const struct exception *y)
{
	int	c;

	if ((c = strcmp(x->owner, y->owner)) != 0 ||
	    (c = strcmp(x->reason, y->reason)) != 0)
		return c;
	return strcmp(x->expires_text, y->expires_text);
}

uint64_t
rules_threshold_evictions(const struct ruleset *rs)
{
	struct thr_stats	ts;

	rules_threshold_stats(rs, &ts);
	return ts.evicted;
}
