/*
 * Payload rules across the pieces of a TCP direction (see
 * include/pmatch.h).
 *
 * Why PCRE2 partial matching and not Hyperscan's streaming mode, by
 * measurement on the TCP payloads of bench/'s 50k-packet mixed capture
 * (47,766 pieces, 8,362 flow directions), the citizen-ID pattern: a
 * Hyperscan stream scanned a piece in about 100 ns, PCRE2 per piece in
 * 110-130 ns without partial matching and 170-190 ns with it, and this
 * file in 205-220 ns. But Hyperscan cannot compile that pattern: its
 * lookbehind and lookahead (exactly 12 digits) had to be rewritten as
 * consumed non-digits, and a rule writer's PCRE2 (lookarounds,
 * backreferences) would have to be refused or fall back to per-piece
 * matching, the evasion again; and its stream must be opened at each
 * direction's first byte and kept for every flow scanned (19 bytes and
 * an allocation each), where a carry here exists only while a piece
 * ends inside a possible match. In the daemon the cost is small, since
 * few pieces reach payload rules (TLS and SSH are not scanned):
 * callgrind, level 5, the same capture: 2,609 -> 2,633 instructions a
 * packet (+1 %).
 *
 * With PCRE2_PARTIAL_HARD a match that reaches the end of the subject is
 * reported as partial, never completed on the bytes at hand, so a
 * lookahead such as (?![0-9]) at the end of a piece waits for the next
 * one: 12 digits at the end of a piece followed by a 13th are no match.
 * The carry keeps the pattern's longest lookbehind before the partial
 * start, so (?<![0-9]) sees the byte before the boundary.
 *
 * A piece that ends with no partial match can still decide a lookbehind
 * at the start of the next one: for a one-byte lookbehind the last byte
 * is carried when the pattern, tried at the end of the piece, behaves
 * otherwise than at the start of an empty subject (for the citizen-ID
 * pattern: the piece ends in a digit); a longer lookbehind always
 * carries its bytes. (Alternatives that look behind differently can
 * still, rarely, be decided as at the start of a piece: the test is one
 * match attempt, not one per alternative.)
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "flow.h"
#include "pmatch.h"
#include "xmalloc.h"

#define PM_PIECE	65536	/* piece bytes scanned after a carry at once */

struct pm_slot {
	struct pm_slot	*hnext;		/* bucket chain (by flow) */
	struct pm_slot	*older, *newer;	/* by last use */
	struct flow	*flow;
	const void	*key;
	uint32_t	 count;		/* matches short of min_count */
	uint16_t	 clen;		/* bytes carried */
	uint16_t	 cstart;	/* the partial's start in them */
	uint8_t		 dir;
	uint8_t		 carry[PMATCH_CARRY];
};

struct pmatch {
	struct pm_slot	*slots;
	uint64_t	 nslots, fresh;	/* fresh: never used yet, in order */
	struct pm_slot	*free;
	struct pm_slot	**bucket;
	uint32_t	 mask;
	struct pm_slot	*oldest, *newest;
	uint32_t	 gen;		/* of the rule set the slots are for */
	uint64_t	 c[PMC_NCOUNTERS];
	const void	*view_key;	/* the last match spanning pieces */
	size_t		 view_len;
	size_t		 view_cut;	/* its bytes from the pieces before */
	size_t		 view_from;	/* where the rest is in its piece */
	uint8_t		 view[PMATCH_VIEW];
	uint8_t		 scratch[PMATCH_CARRY + PM_PIECE];
};

static const char *const counter_names[] = {
#define X(id, name) name,
	PMATCH_COUNTERS(X)
#undef X
};

const char *
pmatch_counter_name(enum pmatch_counter c)
{
	return (unsigned)c < PMC_NCOUNTERS ? counter_names[c] : "unknown";
}

uint64_t
pmatch_counter(const struct pmatch *pm, enum pmatch_counter c)
{
	return pm != NULL && (unsigned)c < PMC_NCOUNTERS ? pm->c[c] : 0;
}

struct pmatch *
pmatch_new(uint64_t memcap)
{
	struct pmatch	*pm = xcalloc(1, sizeof(*pm));
	uint64_t	 n = memcap / (sizeof(struct pm_slot) +
			    sizeof(struct pm_slot *));
	uint64_t	 nb = 64;

	if (n < 64)
		n = 64;
	if (n > UINT32_MAX / 2)
		n = UINT32_MAX / 2;
	while (nb < n)
		nb <<= 1;
	pm->slots = xcalloc_huge(n, sizeof(struct pm_slot));
	pm->bucket = xcalloc_huge(nb, sizeof(struct pm_slot *));
	pm->nslots = n;
	pm->mask = (uint32_t)(nb - 1);
	pm->c[PMC_MAX] = n;
	return pm;
}

void
pmatch_free(struct pmatch *pm)
{
	if (pm == NULL)
		return;
	free(pm->slots);
	free(pm->bucket);
	free(pm);
}

static void
lru_unlink(struct pmatch *pm, struct pm_slot *s)
{
	if (s->older != NULL)
		s->older->newer = s->newer;
	else
		pm->oldest = s->newer;
	if (s->newer != NULL)
		s->newer->older = s->older;
	else
		pm->newest = s->older;
	s->older = s->newer = NULL;
}

static void
lru_append(struct pmatch *pm, struct pm_slot *s)
{
	s->newer = NULL;
	s->older = pm->newest;
	if (pm->newest != NULL)
		pm->newest->newer = s;
	else
		pm->oldest = s;
	pm->newest = s;
}

static struct pm_slot **
bucket_of(struct pmatch *pm, const struct flow *f)
{
	return &pm->bucket[f->hash & pm->mask];
}

static void
slot_put(struct pmatch *pm, struct pm_slot *s)
{
	struct pm_slot	**pp = bucket_of(pm, s->flow);

	while (*pp != s)
		pp = &(*pp)->hnext;
	*pp = s->hnext;
	lru_unlink(pm, s);
	s->flow->pm_slots--;
	s->flow = NULL;
	s->hnext = pm->free;
	pm->free = s;
	pm->c[PMC_USED]--;
}

static struct pm_slot *
slot_find(struct pmatch *pm, const struct flow *f, int dir, const void *key)
{
	struct pm_slot	*s;

	for (s = *bucket_of(pm, f); s != NULL; s = s->hnext)
		if (s->flow == f && s->key == key && s->dir == dir)
			return s;
	return NULL;
}

static struct pm_slot *
slot_take(struct pmatch *pm, struct flow *f, int dir, const void *key)
{
	struct pm_slot	*s, **b;

	if (pm->free == NULL && pm->fresh < pm->nslots)
		pm->free = &pm->slots[pm->fresh++];	/* zeroed */
	if (pm->free == NULL) {
		pm->c[PMC_EVICTED]++;
		slot_put(pm, pm->oldest);
	}
	s = pm->free;
	pm->free = s->hnext;
	b = bucket_of(pm, f);
	s->hnext = *b;
	*b = s;
	s->flow = f;
	s->key = key;
	s->dir = (uint8_t)dir;
	s->count = 0;
	s->clen = s->cstart = 0;
	lru_append(pm, s);
	f->pm_slots++;
	pm->c[PMC_USED]++;
	return s;
}

/* Another rule set: its rules are not these, nothing carries over. */
static void
flush(struct pmatch *pm, uint32_t gen)
{
	while (pm->oldest != NULL)
		slot_put(pm, pm->oldest);
	pm->gen = gen;
	pm->view_key = NULL;
}

void
pmatch_flow_release(struct pmatch *pm, struct flow *f)
{
	struct pm_slot	*s, *next;

	if (pm == NULL || f->pm_slots == 0)
		return;
	for (s = *bucket_of(pm, f); s != NULL && f->pm_slots > 0; s = next) {
		next = s->hnext;
		if (s->flow == f)
			slot_put(pm, s);
	}
}

void
pmatch_gap(struct pmatch *pm, struct flow *f, int dir)
{
	struct pm_slot	*s, *next;

	if (pm == NULL || f->pm_slots == 0)
		return;
	for (s = *bucket_of(pm, f); s != NULL; s = next) {
		next = s->hnext;
		if (s->flow != f || s->dir != dir)
			continue;
		s->clen = s->cstart = 0;
		if (s->count == 0)
			slot_put(pm, s);
	}
}

int
pmatch_view(const struct pmatch *pm, const void *key, const uint8_t **p,
    size_t *len, size_t *cut, size_t *from)
{
	if (pm == NULL || key == NULL || pm->view_key != key)
		return 0;
	*p = pm->view;
	*len = pm->view_len;
	if (cut != NULL)
		*cut = pm->view_cut < pm->view_len ? pm->view_cut :
		    pm->view_len;
	if (from != NULL)
		*from = pm->view_from;
	return 1;
}

int
pmatch_scan(struct pmatch *pm, struct flow *f, int dir, uint32_t gen,
    const struct pmatch_rule *r, const uint8_t *p, size_t len, int more,
    void *md, void *mc)
{
	PCRE2_SIZE	*ov = pcre2_get_ovector_pointer(md);
	struct pm_slot	*s = NULL;
	const uint8_t	*subj;
	size_t		 clen = 0, cstart = 0, pos = 0, n, off, k, from;
	uint32_t	 count = 0, lb = r->lookbehind;
	int		 rc, last;

	if (pm->gen != gen)
		flush(pm, gen);
	if (f->pm_slots != 0 && (s = slot_find(pm, f, dir, r->key)) != NULL) {
		count = s->count;
		clen = s->clen;
		cstart = s->cstart;
		memcpy(pm->scratch, s->carry, clen);
	}
	if (len == 0 && clen == 0) {
		/* The direction's end, nothing carried: nothing to find. */
		if (s != NULL && !more)
			slot_put(pm, s);
		return 0;
	}
	for (;;) {
		/* After a carry the subject is the carry and the piece, a
		 * copy; otherwise the piece itself, as it is. */
		if (clen > 0) {
			k = len - pos < PM_PIECE ? len - pos : PM_PIECE;
			if (k > 0)
				memcpy(pm->scratch + clen, p + pos, k);
			subj = pm->scratch;
			n = clen + k;
			off = cstart;
		} else {
			k = len - pos;
			subj = p;
			n = len;
			off = pos;
		}
		last = pos + k == len;
		for (;;) {
			rc = pcre2_match(r->re, subj, n, off, last && !more ?
			    0 : PCRE2_PARTIAL_HARD, md, mc);
			if (rc < 0)
				break;
			if (subj == pm->scratch && ov[0] < clen)
				pm->c[PMC_ACROSS]++;
			if (++count >= r->min) {
				/* Matched: this piece's alert covers what is
				 * left of it; the count starts again. */
				if (subj == pm->scratch) {
					pm->view_key = r->key;
					pm->view_len = n < sizeof(pm->view) ?
					    n : sizeof(pm->view);
					memcpy(pm->view, subj, pm->view_len);
					pm->view_cut = clen;
					pm->view_from = pos;
				} else
					pm->view_key = NULL;
				if (s != NULL)
					slot_put(pm, s);
				return 1;
			}
			off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
			if (off > n) {
				rc = PCRE2_ERROR_NOMATCH;
				break;
			}
		}
		if (rc != PCRE2_ERROR_PARTIAL && rc != PCRE2_ERROR_NOMATCH) {
			if (s != NULL)
				slot_put(pm, s);
			return rc;
		}
		/* What the next subject starts with. */
		from = n;
		cstart = 0;
		if (rc == PCRE2_ERROR_PARTIAL && ov[0] < n) {
			from = ov[0] >= lb ? ov[0] - lb : 0;
			cstart = ov[0] - from;
			if (n - from > PMATCH_CARRY) {
				pm->c[PMC_TOO_LONG]++;
				from = n;
				cstart = 0;
			} else
				pm->c[PMC_CARRIED]++;
		} else if (more && lb > 0 && (lb > 1 ||
		    (rc == PCRE2_ERROR_PARTIAL) != r->empty_partial)) {
			/* Only the lookbehind's bytes. */
			from = n >= lb ? n - lb : 0;
			cstart = n - from;
		}
		clen = n - from;
		if (clen > 0)
			memmove(pm->scratch, subj + from, clen);
		pos += k;
		if (last)
			break;
	}
	/* Kept only while there is something to carry on to a next piece. */
	if (!more || (count == 0 && clen == 0)) {
		if (s != NULL)
			slot_put(pm, s);
		return 0;
	}
	if (s == NULL)
		s = slot_take(pm, f, dir, r->key);
	else {
		lru_unlink(pm, s);
		lru_append(pm, s);
	}
	s->count = count;
	s->clen = (uint16_t)clen;
	s->cstart = (uint16_t)cstart;
	memcpy(s->carry, pm->scratch, clen);
	return 0;
}
