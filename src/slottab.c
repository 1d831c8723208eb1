/*
 * A fixed table of (rule, key) -> payload for the behaviour rules
 * (baseline.c, beacon.c, dnstunnel.c): every slot is allocated at
 * slot_new from a byte budget, found through a chained hash (keyed
 * SipHash-1-3, seeded from RAND_bytes, so a flood cannot aim at one
 * chain) and kept on an LRU list. A new key in a full table takes the
 * least recently used slot (counted in evicted): slot_get, which runs
 * per event, never allocates.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "behaviour.h"
#include "log.h"
#include "siphash.h"
#include "xmalloc.h"

#define SLOT_NIL	UINT32_MAX
#define SLOT_MAX	(1U << 24)

struct slot_hdr {
	struct thr_key	 key;
	uint32_t	 rule;
	uint32_t	 hash;
	uint32_t	 hnext;		/* chain, or free list */
	uint32_t	 lprev, lnext;	/* LRU, least recent at head */
	uint32_t	 used;
};

struct slottab {
	struct slot_hdr	*hdr;
	uint8_t		*payload;
	size_t		 psize;
	uint32_t	 n, handed, free;
	uint32_t	*buckets;
	uint32_t	 mask;
	uint32_t	 lhead, ltail;
	uint64_t	 used, evicted;
	uint64_t	 seed[2];
};

/* NULL without memory for it: a reload then fails, not the daemon. */
struct slottab *
slot_new(uint64_t budget, size_t payload, uint32_t min)
{
	struct slottab	*t = calloc(1, sizeof(*t));
	uint64_t	 n = budget / (sizeof(struct slot_hdr) + payload +
			    2 * sizeof(uint32_t));
	uint32_t	 nb = 1;

	if (t == NULL)
		return NULL;
	if (n < min)
		n = min;
	if (n > SLOT_MAX)
		n = SLOT_MAX;
	t->n = (uint32_t)n;
	t->psize = payload;
	while (nb < t->n)
		nb <<= 1;
	t->mask = nb - 1;
	if ((t->buckets = calloc_huge(nb, sizeof(uint32_t))) == NULL ||
	    (t->hdr = calloc_huge(t->n, sizeof(*t->hdr))) == NULL ||
	    (t->payload = calloc_huge(t->n, payload)) == NULL) {
		slot_free(t);
		return NULL;
	}
	memset(t->buckets, 0xff, (size_t)nb * sizeof(uint32_t));
	t->free = t->lhead = t->ltail = SLOT_NIL;
	if (RAND_bytes((unsigned char *)t->seed, sizeof(t->seed)) != 1) {
		log_warnx("behaviour: no random hash seed");
		t->seed[0] = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ULL;
		t->seed[1] = (uint64_t)(uintptr_t)t->hdr;
	}
	return t;
}

void
slot_free(struct slottab *t)
{
	if (t == NULL)
		return;
	free(t->hdr);
	free(t->payload);
	free(t->buckets);
	free(t);
}

uint32_t
slot_capacity(const struct slottab *t)
{
	return t != NULL ? t->n : 0;
}

uint64_t
slot_used(const struct slottab *t)
{
	return t != NULL ? t->used : 0;
}

uint64_t
slot_evicted(const struct slottab *t)
{
	return t != NULL ? t->evicted : 0;
}

static uint32_t
slot_hash(const struct slottab *t, uint32_t rule, const struct thr_key *k)
{
	uint64_t	m[sizeof(*k) / 8 + 1];

	memcpy(m, k, sizeof(*k));
	m[sizeof(*k) / 8] = rule;
	return (uint32_t)siphash13(t->seed, m, sizeof(m) / 8);
}

static void
slot_unlink(struct slottab *t, uint32_t i)
{
	struct slot_hdr	*h = &t->hdr[i];

	if (h->lprev != SLOT_NIL)
		t->hdr[h->lprev].lnext = h->lnext;
	else
		t->lhead = h->lnext;
	if (h->lnext != SLOT_NIL)
		t->hdr[h->lnext].lprev = h->lprev;
	else
		t->ltail = h->lprev;
}

static void
slot_append(struct slottab *t, uint32_t i)
{
	struct slot_hdr	*h = &t->hdr[i];

	h->lnext = SLOT_NIL;
	h->lprev = t->ltail;
	if (t->ltail != SLOT_NIL)
		t->hdr[t->ltail].lnext = i;
	else
		t->lhead = i;
	t->ltail = i;
}

/* Drop slot i (the LRU head when the table is full). */
static void
slot_release(struct slottab *t, uint32_t i)
{
	uint32_t	*pp = &t->buckets[t->hdr[i].hash & t->mask];

	while (*pp != SLOT_NIL && *pp != i)
		pp = &t->hdr[*pp].hnext;
	if (*pp == i)
		*pp = t->hdr[i].hnext;
	slot_unlink(t, i);
	t->hdr[i].used = 0;
	t->hdr[i].hnext = t->free;
	t->free = i;
	t->used--;
}

void *
slot_get(struct slottab *t, uint32_t rule, const struct thr_key *key,
    int *created)
{
	struct slot_hdr	*h;
	struct thr_key	 k = *key;
	uint32_t	 hv, i;

	k.pad = 0;
	hv = slot_hash(t, rule, &k);
	for (i = t->buckets[hv & t->mask]; i != SLOT_NIL; i = h->hnext) {
		h = &t->hdr[i];
		if (h->hash == hv && h->rule == rule &&
		    memcmp(&h->key, &k, sizeof(k)) == 0) {
			if (t->ltail != i) {
				slot_unlink(t, i);
				slot_append(t, i);
			}
			*created = 0;
			return t->payload + (size_t)i * t->psize;
		}
	}
	if (t->free == SLOT_NIL && t->handed == t->n) {
		t->evicted++;
		slot_release(t, t->lhead);
	}
	if (t->free != SLOT_NIL) {
		i = t->free;
		t->free = t->hdr[i].hnext;
	} else
		i = t->handed++;
	h = &t->hdr[i];
	h->key = k;
	h->rule = rule;
	h->hash = hv;
	h->used = 1;
	h->hnext = t->buckets[hv & t->mask];
	t->buckets[hv & t->mask] = i;
	slot_append(t, i);
	t->used++;
	memset(t->payload + (size_t)i * t->psize, 0, t->psize);
	*created = 1;
	return t->payload + (size_t)i * t->psize;
}

void *
slot_at(const struct slottab *t, uint32_t i, uint32_t *rule,
    struct thr_key *key)
{
	if (t == NULL || i >= t->handed || !t->hdr[i].used)
		return NULL;
	if (rule != NULL)
		*rule = t->hdr[i].rule;
	if (key != NULL)
		*key = t->hdr[i].key;
	return t->payload + (size_t)i * t->psize;
}

void
slot_carry(struct slottab *to, const struct slottab *from,
    const uint32_t *map)
{
	const struct slot_hdr	*o;
	uint32_t		 i, r;
	int			 created;
	void			*p;

	if (to == NULL || from == NULL || to->psize != from->psize)
		return;
	to->evicted = from->evicted;
	for (i = from->lhead; i != SLOT_NIL; i = o->lnext) {
		o = &from->hdr[i];
		if ((r = map[o->rule]) == UINT32_MAX)
			continue;
		p = slot_get(to, r, &o->key, &created);
		memcpy(p, from->payload + (size_t)i * from->psize,
		    from->psize);
	}
}
