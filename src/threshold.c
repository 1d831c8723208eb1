/*
 * Thresholds and suppression: per-rule counting windows keyed by the
 * rule's `by` fields, and per-rule suppression records keyed by the
 * suppression's `by` fields.
 *
 * Everything lives in arrays sized from limits.threshold_memcap at
 * thr_new, so thr_event, which runs per packet, never allocates:
 *
 *  - entries: one pool for both windows and suppression records, found
 *    through a chained hash (keyed SipHash-1-3, seeded from RAND_bytes, so an
 *    attacker cannot aim every key at one chain) and kept on an LRU list.
 *    When the pool is used up the least recently touched entry is dropped
 *    (stats.evicted). An entry whose state can no longer matter (window
 *    over; suppression over with nothing held back) is also dropped when
 *    it reaches the LRU head, a couple per call, so stats.keys stays close
 *    to what is live.
 *  - values: the distinct values of THR_DISTINCT windows, exactly, as
 *    nodes in a second pool hashed on (entry, value) and threaded on a
 *    per-entry list so a window reset or an eviction frees them at once.
 *    A window keeps at most count - 1 values: the count-th fires the
 *    alert and the window's values are freed, since the window cannot
 *    fire again. When the value pool is used up, the window least
 *    recently touched among those holding values is evicted; if the only
 *    holder is the window itself (one key holding the whole pool), the
 *    new value is counted but not remembered, so past that point a
 *    repeated value may count twice (an over-estimate, never a miss).
 *
 * A reload hands the old table to the new one (thr_carry), which moves
 * its entries over in slices (thr_carry_step, from the loop's tick) and,
 * meanwhile, moves an entry the moment an event looks for it: the swap
 * does no work per entry, which for a full table held capture for tens
 * of milliseconds.
 *
 * Time is packet time and may go backwards a little: an event before a
 * window's start belongs to that window, and one before the last alert
 * sent is inside the suppression time. Nothing subtracts a later time
 * from an earlier one.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "log.h"
#include "siphash.h"
#include "threshold.h"
#include "xmalloc.h"

#define THR_NIL		UINT32_MAX
#define THR_HEAD	0x80000000U	/* hprev: bucket index, not a node */
#define THR_MIN_ENTS	64
#define THR_MIN_VALS	256
#define THR_MAX_SLOTS	(1U << 30)
#define THR_EXPIRE_STEP	2		/* stale LRU heads dropped per call */
#define THR_RECENT	1024		/* recent windows' cache, a power of two */

enum thr_type { THR_T_FREE = 0, THR_T_WIN, THR_T_SUP };

/*
 * A window (THR_T_WIN) or a suppression record (THR_T_SUP). 128 bytes
 * at a multiple of 128 (thr_new): two cache lines that the adjacent
 * line prefetcher brings in together, where 112 bytes at any offset
 * spanned three lines for half the entries.
 */
struct thr_ent {
	_Alignas(128) struct thr_key key;	/* pad zeroed */
	uint32_t	 hash;
	uint32_t	 rule;
	uint64_t	 start;		/* window start, or last alert sent */
	uint64_t	 n;		/* events; or alerts held back */
	uint64_t	 v;		/* distinct values, or bytes */
	/*
	 * THR_DISTINCT: a value this window remembers (when has_last), the
	 * last one seen. A port scan rule sees a client's same port again
	 * and again: a third of its events (mixed capture) are answered
	 * here without the value's hash and two cache misses.
	 */
	uint64_t	 last;
	uint32_t	 hnext;		/* hash chain, or free list */
	uint32_t	 lprev, lnext;	/* LRU, least recent at head */
	uint32_t	 dprev, dnext;	/* LRU among holders of values */
	uint32_t	 vals;		/* first value node, THR_NIL if none */
	uint8_t		 type;
	uint8_t		 fired;		/* this window has alerted */
	uint8_t		 has_last;
};

/* One distinct value remembered for one window. */
struct thr_val {
	uint64_t	 value;
	uint32_t	 owner;		/* entry index */
	uint32_t	 hnext;		/* hash chain, or free list */
	uint32_t	 hprev;		/* node, or THR_HEAD | bucket */
	uint32_t	 onext;		/* owner's next value */
};

struct thr_table {
	struct thr_spec	*specs;
	uint32_t	 nrules;

	struct thr_ent	*ents;		/* aligned in ents_mem */
	void		*ents_mem;
	uint32_t	 nents;		/* slots */
	uint32_t	 eused;		/* slots ever handed out */
	uint32_t	 efree;
	uint32_t	*ebuckets;
	uint32_t	 emask;
	uint32_t	 lhead, ltail;
	uint32_t	 dhead, dtail;

	struct thr_val	*vals;		/* NULL without THR_DISTINCT rules */
	uint32_t	 nvals;
	uint32_t	 vused;
	uint32_t	 vfree;
	uint32_t	*vbuckets;
	uint32_t	 vmask;
	uint64_t	 unremembered;	/* distinct values past the pool */

	/*
	 * Windows looked up lately by a cheap hash of (rule, key): a
	 * packet's window is found without SipHash and the bucket array's
	 * cache miss. A slot is a hint, checked against the entry; a
	 * collision costs the usual lookup, never an answer. NULL when the
	 * memcap is too small to spend it.
	 */
	uint32_t	*recent;

	uint64_t	 seed[2];
	uint64_t	 now;		/* latest packet time seen */
	uint64_t	 horizon;	/* stale by no later (thr_horizon) */
	struct thr_stats st;		/* prev's keys and bytes included */

	/* A reload's predecessor, being moved over (thr_carry). */
	struct thr_table *prev;
	uint32_t	*pmap;		/* prev's rule -> this table's */
	uint32_t	*inv;		/* this table's rule -> prev's */
};

/* The smallest power of two not below n (n <= THR_MAX_SLOTS). */
static uint32_t
thr_pow2(uint32_t n)
{
	uint32_t	p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* How many slots of `per` bytes fit a budget, within the bounds. */
static uint32_t
thr_slots(uint64_t budget, size_t per, uint32_t min)
{
	uint64_t	n = budget / per;

	if (n < min)
		n = min;
	if (n > THR_MAX_SLOTS)
		n = THR_MAX_SLOTS;
	return (uint32_t)n;
}

/*
 * Size every pool from memcap now, so that thr_event never allocates.
 * NULL when memory for them cannot be had: a reload builds the table
 * beside the running one, and fails then, not the daemon.
 */
struct thr_table *
thr_new(uint64_t memcap, const struct thr_spec *specs, size_t nrules)
{
	struct thr_table	*t;
	uint64_t		 fixed, budget, vbudget = 0;
	uint32_t		 nb, i;
	int			 distinct = 0;

	if (nrules > UINT32_MAX - 1)
		fatalx("thr_new: %zu rules", nrules);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->horizon = UINT64_MAX;
	t->nrules = (uint32_t)nrules;
	if ((t->specs = calloc(nrules > 0 ? nrules : 1,
	    sizeof(*t->specs))) == NULL)
		goto fail;
	for (i = 0; i < t->nrules; i++) {
		t->specs[i] = specs[i];
		if (t->specs[i].count == 0)
			t->specs[i].count = 1;
		if (t->specs[i].kind == THR_DISTINCT)
			distinct = 1;
	}
	fixed = sizeof(*t) + (uint64_t)t->nrules * sizeof(*t->specs);
	budget = memcap > fixed ? memcap - fixed : 0;
	if (budget >= 256 * THR_RECENT * sizeof(uint32_t)) {
		if ((t->recent = calloc(THR_RECENT, sizeof(uint32_t))) == NULL)
			goto fail;
		memset(t->recent, 0xff, THR_RECENT * sizeof(uint32_t));
		fixed += THR_RECENT * sizeof(uint32_t);
		budget -= THR_RECENT * sizeof(uint32_t);
	}
	/*
	 * Half for distinct values when a rule counts them. Each slot is
	 * charged two bucket words: the bucket array is the next power of
	 * two above the slot count, so at most twice as long.
	 */
	if (distinct) {
		vbudget = budget / 2;
		budget -= vbudget;
	}
	t->nents = thr_slots(budget, sizeof(struct thr_ent) +
	    2 * sizeof(uint32_t), THR_MIN_ENTS);
	nb = thr_pow2(t->nents);
	t->emask = nb - 1;
	if ((t->ebuckets = calloc_huge(nb, sizeof(uint32_t))) == NULL ||
	    (t->ents_mem = calloc_huge(t->nents + 1,
	    sizeof(struct thr_ent))) == NULL)
		goto fail;
	memset(t->ebuckets, 0xff, (size_t)nb * sizeof(uint32_t));
	t->ents = (struct thr_ent *)(((uintptr_t)t->ents_mem +
	    _Alignof(struct thr_ent) - 1) & ~(uintptr_t)(_Alignof(struct thr_ent) - 1));
	t->st.bytes = fixed + (uint64_t)nb * sizeof(uint32_t);
	t->efree = t->lhead = t->ltail = t->dhead = t->dtail = THR_NIL;

	t->vfree = THR_NIL;
	if (distinct) {
		t->nvals = thr_slots(vbudget, sizeof(struct thr_val) +
		    2 * sizeof(uint32_t), THR_MIN_VALS);
		nb = thr_pow2(t->nvals);
		t->vmask = nb - 1;
		if ((t->vbuckets = calloc_huge(nb, sizeof(uint32_t))) == NULL ||
		    (t->vals = calloc_huge(t->nvals,
		    sizeof(struct thr_val))) == NULL)
			goto fail;
		memset(t->vbuckets, 0xff, (size_t)nb * sizeof(uint32_t));
		t->st.bytes += (uint64_t)nb * sizeof(uint32_t);
	}

	if (RAND_bytes((unsigned char *)t->seed, sizeof(t->seed)) != 1) {
		log_warnx("threshold: no random hash seed");
		t->seed[0] = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ULL;
		t->seed[1] = (uint64_t)(uintptr_t)t->ents ^ memcap;
	}
	return t;
fail:
	thr_free(t);
	return NULL;
}

void
thr_free(struct thr_table *t)
{
	if (t == NULL)
		return;
	thr_free(t->prev);
	free(t->pmap);
	free(t->inv);
	free(t->specs);
	free(t->ents_mem);
	free(t->ebuckets);
	free(t->vals);
	free(t->vbuckets);
	free(t->recent);
	free(t);
}

const struct thr_stats *
thr_stats(const struct thr_table *t)
{
	return &t->st;
}

/* Whether ts lies at or beyond start + len, without overflow. */
static int
thr_past(uint64_t ts, uint64_t start, uint64_t len)
{
	return ts >= start && ts - start >= len;
}

static uint64_t
thr_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * Hash of one (type, rule, key); pad was zeroed by the caller. A key
 * without IPv6 addresses has zeros past the first 4 bytes of each
 * (thr_key_make): its two addresses go in one word, 4 words hashed
 * instead of 7, a third of a threshold event's cost (callgrind).
 * Equal keys still hash alike: the entry compares the whole key.
 */
static uint32_t
thr_ent_hash(const struct thr_table *t, uint8_t type, uint32_t r,
    const struct thr_key *k)
{
	uint64_t	m[sizeof(*k) / 8 + 1];
	uint32_t	a, b;

	_Static_assert(offsetof(struct thr_key, name_hash) ==
	    offsetof(struct thr_key, sport) + 8, "ports to pad: one word");
	if (k->ipver != 6) {
		memcpy(&a, k->a, 4);
		memcpy(&b, k->b, 4);
		m[0] = (uint64_t)a << 32 | b;
		memcpy(&m[1], &k->sport, 8);
		m[2] = k->name_hash;
		m[3] = (uint64_t)r << 8 | type;
		return (uint32_t)siphash13(t->seed, m, 4);
	}
	memcpy(m, k, sizeof(*k));
	m[sizeof(*k) / 8] = (uint64_t)r << 8 | type;
	return (uint32_t)siphash13(t->seed, m, sizeof(m) / 8);
}

/*
 * Bucket of one (window, value) pair, from the window's key hash rather
 * than its slot, so it is known before the window is found and both
 * buckets can be fetched at once.
 */
static uint32_t
thr_val_hash(const struct thr_table *t, uint32_t owner_hash, uint64_t value)
{
	uint64_t	m[2];

	m[0] = value;
	m[1] = owner_hash;
	return (uint32_t)siphash13(t->seed, m, 2) & t->vmask;
}

static void
thr_lru_prepend(struct thr_table *t, uint32_t i)
{
	struct thr_ent	*e = &t->ents[i];

	e->lprev = THR_NIL;
	e->lnext = t->lhead;
	if (t->lhead != THR_NIL)
		t->ents[t->lhead].lprev = i;
	else
		t->ltail = i;
	t->lhead = i;
}

static void
thr_lru_unlink(struct thr_table *t, uint32_t i)
{
	struct thr_ent	*e = &t->ents[i];

	if (e->lprev != THR_NIL)
		t->ents[e->lprev].lnext = e->lnext;
	else
		t->lhead = e->lnext;
	if (e->lnext != THR_NIL)
		t->ents[e->lnext].lprev = e->lprev;
	else
		t->ltail = e->lprev;
	e->lprev = e->lnext = THR_NIL;
}

static void
thr_lru_append(struct thr_table *t, uint32_t i)
{
	struct thr_ent	*e = &t->ents[i];

	e->lnext = THR_NIL;
	e->lprev = t->ltail;
	if (t->ltail != THR_NIL)
		t->ents[t->ltail].lnext = i;
	else
		t->lhead = i;
	t->ltail = i;
}

static void
thr_dlru_unlink(struct thr_table *t, uint32_t i)
{
	struct thr_ent	*e = &t->ents[i];

	if (e->dprev != THR_NIL)
		t->ents[e->dprev].dnext = e->dnext;
	else
		t->dhead = e->dnext;
	if (e->dnext != THR_NIL)
		t->ents[e->dnext].dprev = e->dprev;
	else
		t->dtail = e->dprev;
	e->dprev = e->dnext = THR_NIL;
}

static void
thr_dlru_append(struct thr_table *t, uint32_t i)
{
	struct thr_ent	*e = &t->ents[i];

	e->dnext = THR_NIL;
	e->dprev = t->dtail;
	if (t->dtail != THR_NIL)
		t->ents[t->dtail].dnext = i;
	else
		t->dhead = i;
	t->dtail = i;
}

/* Return every value node of entry i to the pool (window over). */
static void
thr_vals_clear(struct thr_table *t, uint32_t i)
{
	struct thr_ent	*e = &t->ents[i];
	struct thr_val	*v;
	uint32_t	 vi, next;

	e->has_last = 0;
	if (e->vals == THR_NIL)
		return;
	for (vi = e->vals; vi != THR_NIL; vi = next) {
		v = &t->vals[vi];
		next = v->onext;
		if (v->hprev & THR_HEAD)
			t->vbuckets[v->hprev & ~THR_HEAD] = v->hnext;
		else
			t->vals[v->hprev].hnext = v->hnext;
		if (v->hnext != THR_NIL)
			t->vals[v->hnext].hprev = v->hprev;
		v->owner = THR_NIL;
		v->hnext = t->vfree;
		t->vfree = vi;
		t->st.bytes -= sizeof(*v);
	}
	e->vals = THR_NIL;
	thr_dlru_unlink(t, i);
}

/* Drop entry i: unhash it, free its values, and return its slot. */
static void
thr_ent_release(struct thr_table *t, uint32_t i)
{
	struct thr_ent	*e = &t->ents[i];
	uint32_t	*pp = &t->ebuckets[e->hash & t->emask];

	while (*pp != THR_NIL && *pp != i)
		pp = &t->ents[*pp].hnext;
	if (*pp == i)
		*pp = e->hnext;
	thr_vals_clear(t, i);
	thr_lru_unlink(t, i);
	e->type = THR_T_FREE;
	e->hnext = t->efree;
	t->efree = i;
	t->st.keys--;
	t->st.bytes -= sizeof(*e);
}

/*
 * The time state is judged stale by: the latest packet time, but with
 * packet workers not past the slowest busy worker's (thr_horizon): a
 * worker ahead must not drop a window or a suppression that a worker
 * behind it still counts in.
 */
static uint64_t
thr_clock(const struct thr_table *t)
{
	return t->now < t->horizon ? t->now : t->horizon;
}

void
thr_horizon(struct thr_table *t, uint64_t ts)
{
	if (t != NULL)
		t->horizon = ts;
}

/* Whether e, of a rule with spec s, can be dropped at time now. */
static int
thr_stale(const struct thr_ent *e, const struct thr_spec *s, uint64_t now)
{
	if (e->type == THR_T_WIN)
		return thr_past(now, e->start, s->within);
	return e->n == 0 && thr_past(now, e->start, s->suppress);
}

/* Whether entry i can be dropped without changing any later answer. */
static int
thr_ent_stale(const struct thr_table *t, uint32_t i)
{
	return thr_stale(&t->ents[i], &t->specs[t->ents[i].rule],
	    thr_clock(t));
}

/* Drop a few entries at the LRU head that no longer matter. */
static void
thr_expire(struct thr_table *t)
{
	int	k;

	for (k = 0; k < THR_EXPIRE_STEP && t->lhead != THR_NIL; k++) {
		if (!thr_ent_stale(t, t->lhead))
			break;
		thr_ent_release(t, t->lhead);
	}
}

/* The entry for (type, r, key) with hash h, or THR_NIL. */
static uint32_t
thr_ent_find(const struct thr_table *t, uint8_t type, uint32_t r,
    const struct thr_key *k, uint32_t h)
{
	const struct thr_ent	*e;
	uint32_t		 i;

	for (i = t->ebuckets[h & t->emask]; i != THR_NIL; i = e->hnext) {
		e = &t->ents[i];
		if (e->hash == h && e->type == type && e->rule == r &&
		    memcmp(&e->key, k, sizeof(*k)) == 0)
			return i;
	}
	return THR_NIL;
}

/* Entry i was used now: the most recent. */
static void
thr_ent_touch(struct thr_table *t, uint32_t i)
{
	if (t->ltail != i) {
		thr_lru_unlink(t, i);
		thr_lru_append(t, i);
	}
}

/*
 * The recent windows' cache slot of (r, k) in *slot (THR_NIL: none, as
 * for IPv6 keys), and the window there if it is (r, k)'s, else THR_NIL.
 * A window of (r, k) in this table is the one thr_ent_get would find.
 */
static uint32_t
thr_recent_get(const struct thr_table *t, uint32_t r, const struct thr_key *k,
    uint32_t *slot)
{
	const struct thr_ent	*e;
	uint64_t		 x, w;
	uint32_t		 a, b, i;

	*slot = THR_NIL;
	if (t->recent == NULL || k->ipver == 6)
		return THR_NIL;
	memcpy(&a, k->a, 4);
	memcpy(&b, k->b, 4);
	memcpy(&w, &k->sport, 8);
	x = ((uint64_t)a << 32 | b) ^ (w * 0x9e3779b97f4a7c15ULL) ^
	    (k->name_hash * 0xc4ceb9fe1a85ec53ULL) ^ r;
	*slot = (uint32_t)((x * 0xff51afd7ed558ccdULL) >> 54) &
	    (THR_RECENT - 1);
	i = t->recent[*slot];
	if (i == THR_NIL || i >= t->eused)
		return THR_NIL;
	e = &t->ents[i];
	if (e->type != THR_T_WIN || e->rule != r ||
	    memcmp(&e->key, k, sizeof(*k)) != 0)
		return THR_NIL;
	return i;
}

/*
 * Find or create the entry for (type, r, key) and make it the most
 * recent; *created says which. A full pool gives up its LRU head, which
 * is never the entry touched last. The previous table is not looked at.
 */
static uint32_t
thr_ent_get_here(struct thr_table *t, uint8_t type, uint32_t r,
    const struct thr_key *k, uint32_t h, int *created)
{
	struct thr_ent	*e;
	uint32_t	 i;

	if ((i = thr_ent_find(t, type, r, k, h)) != THR_NIL) {
		thr_ent_touch(t, i);
		*created = 0;
		return i;
	}
	if (t->efree != THR_NIL) {
		i = t->efree;
		t->efree = t->ents[i].hnext;
	} else if (t->eused < t->nents)
		i = t->eused++;
	else {
		t->st.evicted++;
		thr_ent_release(t, t->lhead);
		i = t->efree;
		t->efree = t->ents[i].hnext;
	}
	e = &t->ents[i];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->rule = r;
	e->type = type;
	e->hash = h;
	e->vals = e->dprev = e->dnext = THR_NIL;
	e->hnext = t->ebuckets[h & t->emask];
	t->ebuckets[h & t->emask] = i;
	thr_lru_append(t, i);
	t->st.keys++;
	t->st.bytes += sizeof(*e);
	*created = 1;
	return i;
}

/* Whether window i already holds value, in bucket b. */
static int
thr_val_find(const struct thr_table *t, uint32_t i, uint64_t value,
    uint32_t b)
{
	const struct thr_val	*v;
	uint32_t		 vi;

	for (vi = t->vbuckets[b]; vi != THR_NIL; vi = v->hnext) {
		v = &t->vals[vi];
		if (v->owner == i && v->value == value)
			return 1;
	}
	return 0;
}

/*
 * Remember a value new to window i. With the pool used up, the window
 * touched least recently among the holders is evicted; if that is this
 * window, the value goes unremembered (it still counts): 0.
 */
static int
thr_val_insert(struct thr_table *t, uint32_t i, uint64_t value, uint32_t b)
{
	struct thr_ent	*e = &t->ents[i];
	struct thr_val	*v;
	uint32_t	 vi;

	if (t->vfree == THR_NIL && t->vused == t->nvals) {
		if (t->dhead == THR_NIL || t->dhead == i) {
			t->unremembered++;
			return 0;
		}
		t->st.evicted++;
		thr_ent_release(t, t->dhead);
	}
	if (t->vfree != THR_NIL) {
		vi = t->vfree;
		t->vfree = t->vals[vi].hnext;
	} else
		vi = t->vused++;
	v = &t->vals[vi];
	v->value = value;
	v->owner = i;
	v->hprev = THR_HEAD | b;
	v->hnext = t->vbuckets[b];
	if (v->hnext != THR_NIL)
		t->vals[v->hnext].hprev = vi;
	t->vbuckets[b] = vi;
	if (e->vals == THR_NIL)
		thr_dlru_append(t, i);
	v->onext = e->vals;
	e->vals = vi;
	t->st.bytes += sizeof(*v);
	return 1;
}

/*
 * Move entry j of the previous table into t (under its rule's index
 * here) and free it there. recent: an event wants it now, so it becomes
 * the most recent; otherwise it goes to the LRU head (moves go newest
 * first), and only into a free slot: older than everything in t, it is
 * what t would evict. State of a rule gone or changed, or that no longer
 * matters, is dropped. Returns its index in t, or THR_NIL.
 */
static uint32_t
thr_move(struct thr_table *t, uint32_t j, int recent)
{
	struct thr_table	*p = t->prev;
	const struct thr_ent	*o = &p->ents[j];
	struct thr_ent		*e;
	uint32_t		 r, h, vi, i = THR_NIL;
	uint64_t		 bytes = p->st.bytes;
	int			 created;

	r = o->rule < p->nrules ? t->pmap[o->rule] : THR_NIL;
	if (r != THR_NIL && r < t->nrules &&
	    !thr_stale(o, &t->specs[r], thr_clock(t))) {
		if (recent || t->efree != THR_NIL || t->eused < t->nents) {
			h = thr_ent_hash(t, o->type, r, &o->key);
			i = thr_ent_get_here(t, o->type, r, &o->key, h,
			    &created);
			e = &t->ents[i];
			e->start = o->start;
			e->n = o->n;
			e->v = o->v;
			e->fired = o->fired;
			for (vi = o->vals; t->vals != NULL && vi != THR_NIL;
			    vi = p->vals[vi].onext)
				(void)thr_val_insert(t, i, p->vals[vi].value,
				    thr_val_hash(t, h, p->vals[vi].value));
			if (!recent && t->lhead != i) {
				thr_lru_unlink(t, i);
				thr_lru_prepend(t, i);
			}
		} else
			t->st.evicted++;
	}
	thr_ent_release(p, j);
	t->st.keys--;
	t->st.bytes -= bytes - p->st.bytes;
	return i;
}

/* The previous table is done with: what is left of it is freed. */
static void
thr_carry_end(struct thr_table *t)
{
	t->st.bytes -= t->prev->st.bytes;
	t->st.keys -= t->prev->st.keys;
	thr_free(t->prev);
	free(t->pmap);
	free(t->inv);
	t->prev = NULL;
	t->pmap = t->inv = NULL;
}

/*
 * thr_ent_get_here, after moving over the previous table's entry for
 * (type, r, key) if it still has one.
 */
static uint32_t
thr_ent_get(struct thr_table *t, uint8_t type, uint32_t r,
    const struct thr_key *k, uint32_t h, int *created)
{
	uint32_t	pr, i;

	if (t->prev != NULL && (pr = t->inv[r]) != THR_NIL &&
	    thr_ent_find(t, type, r, k, h) == THR_NIL &&
	    (i = thr_ent_find(t->prev, type, pr, k, thr_ent_hash(t->prev,
	    type, pr, k))) != THR_NIL &&
	    (i = thr_move(t, i, 1)) != THR_NIL) {
		*created = 0;
		return i;
	}
	return thr_ent_get_here(t, type, r, k, h, created);
}

/*
 * Count one event in window i; 1 when the window's alert is due. b: the
 * value's bucket, or THR_NIL when not worked out yet (most events of a
 * window found in the recent cache need none).
 */
static int
thr_window(struct thr_table *t, const struct thr_spec *s, uint32_t i,
    uint64_t value, uint32_t b)
{
	struct thr_ent	*e = &t->ents[i];

	e->n = thr_sat_add(e->n, 1);
	if (e->fired)
		return 0;
	switch (s->kind) {
	case THR_COUNT:
		return e->n >= s->count;
	case THR_SUM:
		e->v = thr_sat_add(e->v, value);
		return e->v > s->above;
	case THR_DISTINCT:
		if (e->vals != THR_NIL && t->dtail != i) {
			thr_dlru_unlink(t, i);
			thr_dlru_append(t, i);
		}
		if (e->has_last && e->last == value)
			return 0;
		if (b == THR_NIL)
			b = thr_val_hash(t, e->hash, value);
		if (!thr_val_find(t, i, value, b)) {
			e->v++;
			if (e->v >= s->count)
				break;
			if (!thr_val_insert(t, i, value, b))
				return 0;
		}
		e->last = value;
		e->has_last = 1;
		return 0;
	default:
		return 0;
	}
	/* The window cannot fire again: its values are done. */
	thr_vals_clear(t, i);
	return 1;
}

/* The table's clock moves on to ts, and the stalest entries go. */
static void
thr_tick(struct thr_table *t, uint64_t ts)
{
	if (ts > t->now)
		t->now = ts;
	thr_expire(t);
}

/* The window of rule r's key: 1, res filled, if it is due. */
static int
thr_window_event(struct thr_table *t, size_t r, const struct thr_key *key,
    uint64_t value, uint64_t ts, struct thr_result *out)
{
	const struct thr_spec	*s = &t->specs[r];
	struct thr_result	 res;
	struct thr_ent		*e;
	struct thr_key		 k;
	uint32_t		 i, h, vb = THR_NIL, slot;
	int			 created;

	memset(&res, 0, sizeof(res));
	if (s->kind == THR_NONE) {
		res.count = 1;
		res.window_start = ts;
	} else {
		k = *key;
		k.pad = 0;
		if ((i = thr_recent_get(t, (uint32_t)r, &k, &slot)) != THR_NIL) {
			thr_ent_touch(t, i);
			created = 0;
		} else {
			h = thr_ent_hash(t, THR_T_WIN, (uint32_t)r, &k);
			/* Both buckets are a likely cache miss: start them
			 * together. */
			__builtin_prefetch(&t->ebuckets[h & t->emask]);
			if (s->kind == THR_DISTINCT) {
				vb = thr_val_hash(t, h, value);
				__builtin_prefetch(&t->vbuckets[vb]);
			}
			i = thr_ent_get(t, THR_T_WIN, (uint32_t)r, &k, h,
			    &created);
			if (slot != THR_NIL)
				t->recent[slot] = i;
		}
		e = &t->ents[i];
		if (created || thr_past(ts, e->start, s->within)) {
			thr_vals_clear(t, i);
			e->start = ts;
			e->n = e->v = 0;
			e->fired = 0;
		}
		if (!thr_window(t, s, i, value, vb))
			return 0;
		e->fired = 1;
		res.count = e->n;
		if (s->kind == THR_DISTINCT)
			res.distinct = e->v;
		else if (s->kind == THR_SUM)
			res.sum = e->v;
		res.window_start = e->start;
	}
	*out = res;
	return 1;
}

/* A due alert of rule r against its suppression (skey): 1 if it goes,
 * out->suppressed set to those held back before it. */
static int
thr_suppress_event(struct thr_table *t, size_t r, const struct thr_key *skey,
    uint64_t ts, struct thr_result *out)
{
	const struct thr_spec	*s = &t->specs[r];
	struct thr_ent		*e;
	struct thr_key		 k;
	uint32_t		 i, h;
	int			 created;

	if (s->suppress == 0)
		return 1;
	k = *skey;
	k.pad = 0;
	h = thr_ent_hash(t, THR_T_SUP, (uint32_t)r, &k);
	i = thr_ent_get(t, THR_T_SUP, (uint32_t)r, &k, h, &created);
	e = &t->ents[i];
	if (!created && !thr_past(ts, e->start, s->suppress)) {
		e->n = thr_sat_add(e->n, 1);
		t->st.suppressed++;
		return 0;
	}
	out->suppressed = created ? 0 : e->n;
	e->n = 0;
	e->start = ts;
	return 1;
}

/* Count one event in its window, then let the alert through or hold it. */
int
thr_event(struct thr_table *t, size_t r, const struct thr_key *key,
    const struct thr_key *skey, uint64_t value, uint64_t ts,
    struct thr_result *out)
{
	struct thr_result	res;

	if (t == NULL || r >= t->nrules || key == NULL)
		return 0;
	thr_tick(t, ts);
	if (!thr_window_event(t, r, key, value, ts, &res) ||
	    !thr_suppress_event(t, r, skey != NULL ? skey : key, ts, &res))
		return 0;
	if (out != NULL)
		*out = res;
	return 1;
}

int
thr_event_window(struct thr_table *t, size_t r, const struct thr_key *key,
    uint64_t value, uint64_t ts, struct thr_result *out)
{
	if (t == NULL || r >= t->nrules || key == NULL)
		return 0;
	thr_tick(t, ts);
	return thr_window_event(t, r, key, value, ts, out);
}

int
thr_event_suppress(struct thr_table *t, size_t r, const struct thr_key *skey,
    uint64_t ts, struct thr_result *out)
{
	if (t == NULL || r >= t->nrules || skey == NULL)
		return 0;
	thr_tick(t, ts);
	return thr_suppress_event(t, r, skey, ts, out);
}

/*
 * A reload: `to` takes `from` over (1: the caller must not free it) and
 * carries every window and suppression record of it whose rule is
 * map[rule] in `to` (no map: none is; THR_NIL: the rule is gone or
 * its definition changed, and its state with it), with its distinct
 * values: an entry moves when an event asks for it, the rest in
 * slices by thr_carry_step, newest first to the LRU head so that the
 * order survives. `to` is fresh and may be smaller (threshold_memcap
 * changed): what does not fit is the oldest, dropped and counted as
 * evicted. No work per entry here: this runs while capture waits. With
 * nothing to carry (no key, or no rule kept) `from` stays the caller's
 * (0), so that a table of many MiB is freed with the old set, off the
 * loop.
 */
int
thr_carry(struct thr_table *to, struct thr_table *from, const uint32_t *map)
{
	uint32_t	r;
	int		any = 0;

	if (to == NULL || from == NULL || map == NULL)
		return 0;
	/* A carry still under way ends first (reloads seconds apart). */
	while (thr_carry_step(from, UINT32_MAX))
		;
	to->now = from->now;
	to->horizon = from->horizon;
	to->st.evicted = from->st.evicted;
	to->st.suppressed = from->st.suppressed;
	to->unremembered = from->unremembered;
	for (r = 0; r < from->nrules && !any && from->st.keys > 0; r++)
		any = map[r] < to->nrules;
	if (!any)
		return 0;
	/*
	 * This runs after the swap, where a reload can no longer fail:
	 * without memory for the maps the windows start afresh, said once.
	 */
	if ((to->inv = calloc(to->nrules + 1, sizeof(*to->inv))) == NULL ||
	    (to->pmap = calloc(from->nrules + 1, sizeof(*to->pmap))) == NULL) {
		log_warnx("threshold: no memory to carry the windows over the "
		    "reload; they start afresh");
		free(to->inv);
		to->inv = NULL;
		return 0;
	}
	memset(to->inv, 0xff, (to->nrules + 1) * sizeof(*to->inv));
	for (r = 0; r < from->nrules; r++) {
		to->pmap[r] = map[r];
		if (map[r] < to->nrules)
			to->inv[map[r]] = r;
	}
	to->prev = from;
	to->st.keys += from->st.keys;
	to->st.bytes += from->st.bytes;
	return 1;
}

/*
 * Move up to n more entries of a reload's previous table; 1 while some
 * are left, 0 once it is freed.
 */
int
thr_carry_step(struct thr_table *t, uint32_t n)
{
	if (t == NULL || t->prev == NULL)
		return 0;
	while (n-- > 0 && t->prev->ltail != THR_NIL)
		(void)thr_move(t, t->prev->ltail, 0);
	if (t->prev->ltail != THR_NIL)
		return 1;
	thr_carry_end(t);
	return 0;
}
