/*
 * Address sets: IPv4 and IPv6 addresses and CIDR prefixes.
 *
 * One open-addressing hash set per prefix length in use, holding the
 * prefixes masked to that length. Probing every length in use would cost
 * a hash and a probe per length (a feed with /32s, /24s and a scatter of
 * other CIDRs uses twenty), so each family also keeps a small index over
 * the top k bits of the address (k grows with the entry count, 4..16):
 * each bucket has a bitmask of the prefix lengths that have an entry
 * overlapping it. A lookup reads its bucket and probes only those
 * lengths, longest first: typically one or two probes, whatever the size
 * of the set, and never an allocation. The index costs at most 2 (IPv4)
 * or 8 (IPv6) bytes per entry and is rebuilt when k changes, that is when
 * the count doubles.
 *
 * Keys are stored at their natural width: 4 bytes for IPv4, 8 bytes for
 * IPv6 prefixes up to /64, 16 bytes above. The all-zero key
 * marks an empty slot, so a zero prefix (0.0.0.0/0, ::/0, 0.0.0.0/8, ...)
 * is kept as a flag beside its table. Tables grow by rehash at load time
 * and stay at most three quarters full.
 *
 * Host bits after the prefix ("10.1.2.3/8") are accepted and masked off,
 * as Suricata does: the entry means 10.0.0.0/8. IPv4 and IPv6 are separate:
 * 0.0.0.0/0 matches no IPv6 address, and "::ffff:10.0.0.1" is an IPv6
 * entry that matches only that IPv6 address.
 *
 * The hash is keyed with a per-set random seed, so a list crafted against
 * the (public) hash function cannot turn loading into a quadratic crawl.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipset.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define IPSET_MINCAP	8
#define IPSET_MAXCAP	(1U << 31)
#define IPSET_QUOTE_MAX	64			/* input bytes quoted in a message */
#define IPSET_IDX_MIN	4			/* index bits */
#define IPSET_IDX_MAX	16

struct ipset_tab {
	void		*slots;		/* cap keys of width bytes; 0 = empty */
	uint32_t	 mask;		/* cap - 1; 0 while unallocated */
	uint32_t	 n;		/* non-zero keys stored */
	uint8_t		 width;		/* 4, 8 or 16 */
	uint8_t		 zero;		/* the all-zero key is in the set */
};

struct ipset {
	struct ipset_tab t4[33];	/* by prefix length */
	struct ipset_tab t6[129];
	/*
	 * Bucket b of a family's index covers the addresses whose top k bits
	 * are b, with bit L - 1 set if a /L entry overlaps it. IPv4: one
	 * 32-bit word; IPv6: two 64-bit words. The /0 entries are checked by
	 * their flags, t4[0].zero and t6[0].zero.
	 */
	uint32_t	*idx4;
	uint64_t	*idx6;
	int		 k4, k6;	/* index bits, 0 while empty */
	size_t		 n4, n6;	/* distinct entries by family */
	uint64_t	 seed;
	size_t		 count;		/* distinct entries */
	size_t		 mem;		/* bytes allocated */
	int		 widest4, widest6;	/* list files: warn wider */
	int		 refuse_wide;		/* ... or refuse them */
};

/* Murmur3's finalizer: every input bit flips about half the output bits. */
static inline uint64_t
ipset_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline uint32_t
ipset_hash(const struct ipset *s, const struct ipset_tab *t, uint64_t hi,
    uint64_t lo)
{
	uint64_t	h = ipset_mix(hi ^ s->seed);

	if (t->width == 16)
		h = ipset_mix(h ^ lo);
	return (uint32_t)h;
}

/* Is slot i of t empty, or equal to (hi, lo)? */
static inline int
ipset_slot_is(const struct ipset_tab *t, uint32_t i, uint64_t hi,
    uint64_t lo)
{
	const uint64_t	*s64;

	switch (t->width) {
	case 4:
		return ((const uint32_t *)t->slots)[i] == (uint32_t)hi;
	case 8:
		return ((const uint64_t *)t->slots)[i] == hi;
	default:
		s64 = (const uint64_t *)t->slots + 2 * (size_t)i;
		return s64[0] == hi && s64[1] == lo;
	}
}

static inline void
ipset_slot_set(struct ipset_tab *t, uint32_t i, uint64_t hi, uint64_t lo)
{
	uint64_t	*s64;

	switch (t->width) {
	case 4:
		((uint32_t *)t->slots)[i] = (uint32_t)hi;
		break;
	case 8:
		((uint64_t *)t->slots)[i] = hi;
		break;
	default:
		s64 = (uint64_t *)t->slots + 2 * (size_t)i;
		s64[0] = hi;
		s64[1] = lo;
		break;
	}
}

static inline void
ipset_slot_get(const struct ipset_tab *t, uint32_t i, uint64_t *hi,
    uint64_t *lo)
{
	const uint64_t	*s64;

	switch (t->width) {
	case 4:
		*hi = ((const uint32_t *)t->slots)[i];
		*lo = 0;
		break;
	case 8:
		*hi = ((const uint64_t *)t->slots)[i];
		*lo = 0;
		break;
	default:
		s64 = (const uint64_t *)t->slots + 2 * (size_t)i;
		*hi = s64[0];
		*lo = s64[1];
		break;
	}
}

/*
 * Probe for a masked key: the slot holding it, or the empty slot where it
 * would go. Terminates because a table is never more than 3/4 full.
 */
static inline uint32_t
ipset_probe(const struct ipset *s, const struct ipset_tab *t, uint64_t hi,
    uint64_t lo, int *found)
{
	uint32_t	i = ipset_hash(s, t, hi, lo) & t->mask;

	for (;; i = (i + 1) & t->mask) {
		if (ipset_slot_is(t, i, hi, lo)) {
			*found = 1;
			return i;
		}
		if (ipset_slot_is(t, i, 0, 0)) {
			*found = 0;
			return i;
		}
	}
}

/* Is the masked key (hi, lo) in table t? The per-packet step. */
static inline int
ipset_tab_has(const struct ipset *s, const struct ipset_tab *t, uint64_t hi,
    uint64_t lo)
{
	int	found;

	if (hi == 0 && lo == 0)
		return t->zero;
	if (t->n == 0)
		return 0;
	(void)ipset_probe(s, t, hi, lo, &found);
	return found;
}

/* Double t (or give it its first slots) and reinsert its keys; -1 at
 * the largest size, -2 without memory (t unchanged). */
static int
ipset_tab_grow(struct ipset *s, struct ipset_tab *t)
{
	struct ipset_tab	 old = *t;
	uint64_t		 hi, lo;
	uint32_t		 cap, i, j;
	int			 found;

	if (old.mask != 0 && old.mask + 1 >= IPSET_MAXCAP)
		return -1;
	cap = old.mask == 0 ? IPSET_MINCAP : (old.mask + 1) * 2;
	/* A list loaded at a reload is built beside the running one's:
	 * without room, the set stays as it was and the load fails. */
	if ((t->slots = calloc_huge(cap, t->width)) == NULL) {
		t->slots = old.slots;
		return -2;
	}
	t->mask = cap - 1;
	s->mem += (size_t)cap * t->width;
	if (old.mask == 0)
		return 0;
	for (i = 0; i <= old.mask; i++) {
		ipset_slot_get(&old, i, &hi, &lo);
		if (hi == 0 && lo == 0)
			continue;
		j = ipset_probe(s, t, hi, lo, &found);
		ipset_slot_set(t, j, hi, lo);
	}
	free(old.slots);
	s->mem -= ((size_t)old.mask + 1) * old.width;
	return 0;
}

/* Insert a masked key; 1 if new, 0 if already there, -1 if full, -2
 * without memory. */
static int
ipset_tab_add(struct ipset *s, struct ipset_tab *t, uint64_t hi, uint64_t lo)
{
	uint32_t	i;
	int		found, r;

	if (hi == 0 && lo == 0) {
		if (t->zero)
			return 0;
		t->zero = 1;
		return 1;
	}
	if (t->mask == 0 ||
	    ((uint64_t)t->n + 1) * 4 > ((uint64_t)t->mask + 1) * 3) {
		if ((r = ipset_tab_grow(s, t)) < 0)
			return r;
	}
	i = ipset_probe(s, t, hi, lo, &found);
	if (found)
		return 0;
	ipset_slot_set(t, i, hi, lo);
	t->n++;
	return 1;
}

static inline uint32_t
ipset_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
ipset_be64(const uint8_t *p)
{
	return (uint64_t)ipset_be32(p) << 32 | ipset_be32(p + 4);
}

static inline uint32_t
ipset_mask4(int plen)
{
	return plen == 0 ? 0 : 0xffffffffU << (32 - plen);
}

/* Mask a 128-bit address (hi, lo) to plen bits. */
static inline void
ipset_mask6(int plen, uint64_t *hi, uint64_t *lo)
{
	if (plen <= 64) {
		*hi &= plen == 0 ? 0 : ~0ULL << (64 - plen);
		*lo = 0;
	} else
		*lo &= ~0ULL << (128 - plen);
}

/* A seed nobody outside the process can predict (best effort). */
static uint64_t
ipset_seed(const void *p)
{
	uint64_t	seed;
	struct timespec	ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ipset_mix((uint64_t)(uintptr_t)p ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)ts.tv_sec << 32));
}

struct ipset *
ipset_new(void)
{
	struct ipset	*s;
	int		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (i = 0; i <= 32; i++)
		s->t4[i].width = 4;
	for (i = 0; i <= 128; i++)
		s->t6[i].width = i <= 64 ? 8 : 16;
	s->seed = ipset_seed(s);
	s->mem = sizeof(*s);
	return s;
}

void
ipset_free(struct ipset *s)
{
	int	i;

	if (s == NULL)
		return;
	for (i = 0; i <= 32; i++)
		free(s->t4[i].slots);
	for (i = 0; i <= 128; i++)
		free(s->t6[i].slots);
	free(s->idx4);
	free(s->idx6);
	free(s);
}

/* Index bits for a family of n entries: about one bucket per two. */
static int
ipset_index_bits(size_t n)
{
	int	k = 0;

	while (k < 63 && ((size_t)2 << k) <= n)
		k++;
	k--;			/* floor(log2(n)) - 1 */
	if (k < IPSET_IDX_MIN)
		k = IPSET_IDX_MIN;
	if (k > IPSET_IDX_MAX)
		k = IPSET_IDX_MAX;
	return k;
}

/*
 * Note a /plen entry whose address starts with the 64 bits top (IPv4 in
 * the high half) in the buckets it overlaps: one if plen >= k, else all
 * 2^(k - plen) under it.
 */
static void
ipset_index_mark(struct ipset *s, int ipver, uint64_t top, int plen)
{
	uint64_t	b, n;
	int		k = ipver == 4 ? s->k4 : s->k6;

	if (plen == 0)
		return;
	b = top >> (64 - k);
	n = plen >= k ? 1 : (uint64_t)1 << (k - plen);
	for (; n > 0; n--, b++) {
		if (ipver == 4)
			s->idx4[b] |= (uint32_t)1 << (plen - 1);
		else
			s->idx6[2 * b + (uint64_t)((plen - 1) >> 6)] |=
			    (uint64_t)1 << ((plen - 1) & 63);
	}
}

/*
 * Build a family's index with k bits from every entry in its tables; -1
 * without memory for it (the old index stays, the set unchanged).
 */
static int
ipset_index_build(struct ipset *s, int ipver, int k)
{
	struct ipset_tab	*tabs = ipver == 4 ? s->t4 : s->t6;
	uint64_t		 hi, lo;
	size_t			 bytes;
	int			 plen, max = ipver == 4 ? 32 : 128;
	uint32_t		 i;
	void			*idx;

	bytes = (ipver == 4 ? sizeof(uint32_t) : 2 * sizeof(uint64_t)) *
	    ((size_t)1 << k);
	if ((idx = calloc(1, bytes)) == NULL)
		return -1;
	if (ipver == 4) {
		if (s->idx4 != NULL)
			s->mem -= sizeof(uint32_t) * ((size_t)1 << s->k4);
		free(s->idx4);
		s->idx4 = idx;
		s->k4 = k;
	} else {
		if (s->idx6 != NULL)
			s->mem -= 2 * sizeof(uint64_t) * ((size_t)1 << s->k6);
		free(s->idx6);
		s->idx6 = idx;
		s->k6 = k;
	}
	s->mem += bytes;
	for (plen = 1; plen <= max; plen++) {
		if (tabs[plen].mask == 0)
			continue;
		if (tabs[plen].zero)
			ipset_index_mark(s, ipver, 0, plen);
		for (i = 0; i <= tabs[plen].mask; i++) {
			ipset_slot_get(&tabs[plen], i, &hi, &lo);
			if (hi != 0 || lo != 0)
				ipset_index_mark(s, ipver,
				    ipver == 4 ? hi << 32 : hi, plen);
		}
	}
	return 0;
}

/*
 * Add addr/plen with the host bits masked off; 0, -1 if invalid or the
 * set is full, -2 without memory.
 */
int
ipset_add(struct ipset *s, int ipver, const uint8_t *addr, int plen)
{
	struct ipset_tab	*t;
	uint64_t		 hi, lo;
	size_t			*np;
	int			 r, k, *kp;

	if (ipver == 4 && plen >= 0 && plen <= 32) {
		t = &s->t4[plen];
		hi = ipset_be32(addr) & ipset_mask4(plen);
		lo = 0;
		np = &s->n4;
		kp = &s->k4;
	} else if (ipver == 6 && plen >= 0 && plen <= 128) {
		t = &s->t6[plen];
		hi = ipset_be64(addr);
		lo = ipset_be64(addr + 8);
		ipset_mask6(plen, &hi, &lo);
		np = &s->n6;
		kp = &s->k6;
	} else
		return -1;
	/* A table is allocated with its first key: in use iff mask != 0. */
	if (t->mask == 0 && (r = ipset_tab_grow(s, t)) < 0)
		return r;
	if ((r = ipset_tab_add(s, t, hi, lo)) < 0)
		return r;
	if (r == 0)
		return 0;
	s->count++;
	(*np)++;
	/* Without memory for a larger index the load fails and the set,
	 * not all of it indexed, is discarded (as on any error). */
	if ((k = ipset_index_bits(*np)) != *kp) {
		if (ipset_index_build(s, ipver, k) != 0)
			return -2;
	} else
		ipset_index_mark(s, ipver, ipver == 4 ? hi << 32 : hi, plen);
	return 0;
}

/*
 * Does any prefix in the set cover addr? Reads one index word (two for
 * IPv6) and probes the lengths it names, longest first; no allocation.
 */
int
ipset_contains(const struct ipset *s, int ipver, const uint8_t *addr)
{
	uint64_t	hi, lo, h, l, m;
	uint32_t	a, m4;
	size_t		b;
	int		w, bit, plen;

	if (ipver == 4) {
		if (s->idx4 == NULL)
			return 0;
		if (s->t4[0].zero)
			return 1;
		a = ipset_be32(addr);
		for (m4 = s->idx4[a >> (32 - s->k4)]; m4 != 0;
		    m4 &= ~((uint32_t)1 << (plen - 1))) {
			plen = 32 - __builtin_clz(m4);
			if (ipset_tab_has(s, &s->t4[plen],
			    a & ipset_mask4(plen), 0))
				return 1;
		}
	} else if (ipver == 6) {
		if (s->t6[0].zero)
			return 1;
		if (s->idx6 == NULL)
			return 0;
		hi = ipset_be64(addr);
		lo = ipset_be64(addr + 8);
		b = (size_t)(hi >> (64 - s->k6));
		for (w = 1; w >= 0; w--) {
			for (m = s->idx6[2 * b + (size_t)w]; m != 0;
			    m &= ~((uint64_t)1 << bit)) {
				bit = 63 - __builtin_clzll(m);
				plen = 1 + 64 * w + bit;
				h = hi;
				l = lo;
				ipset_mask6(plen, &h, &l);
				if (ipset_tab_has(s, &s->t6[plen], h, l))
					return 1;
			}
		}
	}
	return 0;
}

size_t
ipset_count(const struct ipset *s)
{
	return s->count;
}

size_t
ipset_memory(const struct ipset *s)
{
	return s->mem;
}

/* Quote hostile input for a message: printable, bounded, escaped. */
static const char *
ipset_quote(const char *in, char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 o = 0, n;

	for (n = 0; *p != '\0' && n < IPSET_QUOTE_MAX && o + 5 < outlen;
	    p++, n++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p < 0x20 || *p >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0xf];
		} else
			out[o++] = (char)*p;
	}
	if (*p != '\0' && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/*
 * Parse "a.b.c.d", "a.b.c.d/n", an IPv6 address or "x::/n". Host bits are
 * masked off; the prefix length is 1 to 3 decimal digits.
 */
int
ipset_add_str(struct ipset *s, const char *str, char *err, size_t errlen)
{
	char		 abuf[INET6_ADDRSTRLEN + 1], q[IPSET_QUOTE_MAX * 4 + 8];
	uint8_t		 addr[16];
	const char	*slash, *p;
	size_t		 alen;
	int		 ipver, max, plen, ok;

	slash = strchr(str, '/');
	alen = slash != NULL ? (size_t)(slash - str) : strlen(str);
	ok = alen > 0 && alen < sizeof(abuf);
	if (ok) {
		memcpy(abuf, str, alen);
		abuf[alen] = '\0';
		ipver = memchr(abuf, ':', alen) != NULL ? 6 : 4;
		ok = inet_pton(ipver == 6 ? AF_INET6 : AF_INET, abuf,
		    addr) == 1;
	}
	if (!ok) {
		snprintf(err, errlen, "bad address \"%s\"",
		    ipset_quote(str, q, sizeof(q)));
		return -1;
	}
	max = ipver == 6 ? 128 : 32;
	plen = max;
	if (slash != NULL) {
		p = slash + 1;
		plen = 0;
		for (alen = 0; p[alen] >= '0' && p[alen] <= '9' && alen < 4;
		    alen++)
			plen = plen * 10 + (p[alen] - '0');
		if (alen == 0 || alen > 3 || p[alen] != '\0') {
			snprintf(err, errlen, "bad prefix length \"%s\"",
			    ipset_quote(p, q, sizeof(q)));
			return -1;
		}
		if (plen > max) {
			snprintf(err, errlen,
			    "prefix length %d out of range for IPv%d", plen,
			    ipver);
			return -1;
		}
	}
	switch (ipset_add(s, ipver, addr, plen)) {
	case 0:
		break;
	case -2:
		snprintf(err, errlen, "no memory for the set at %zu entries: "
		    "%s", s->count, strerror(ENOMEM));
		return -1;
	default:
		snprintf(err, errlen, "too many entries in the set");
		return -1;
	}
	return 0;
}

/*
 * Is str (an entry ipset_add_str took) a prefix wider than /min4 or
 * /min6 for its family? 1 with the reason in why, else 0. An indicator
 * list holding 0.0.0.0/0 makes every flow an indicator hit.
 */
int
ipset_too_wide(const char *str, int min4, int min6, char *why,
    size_t whylen)
{
	const char	*slash = strchr(str, '/');
	int		 v6 = memchr(str, ':', slash ? (size_t)(slash - str) :
			    strlen(str)) != NULL;
	int		 plen, min = v6 ? min6 : min4;

	if (slash == NULL || (plen = atoi(slash + 1)) >= min)
		return 0;
	snprintf(why, whylen, "%s is a /%d, wider than "
	    "limits.list_min_prefix_v%d (/%d): it covers 2^%d addresses%s",
	    str, plen, v6 ? 6 : 4, min, (v6 ? 128 : 32) - plen, plen == 0 ?
	    ", every one there is" : "");
	return 1;
}

void
ipset_set_widest(struct ipset *s, int min4, int min6, int refuse)
{
	s->widest4 = min4;
	s->widest6 = min6;
	s->refuse_wide = refuse;
}

static int
ipset_list_entry(const char *s, void *arg, char *msg, size_t msglen)
{
	struct ipset	*set = arg;

	if (ipset_add_str(set, s, msg, msglen) != 0)
		return -1;
	if ((set->widest4 || set->widest6) && ipset_too_wide(s,
	    set->widest4, set->widest6, msg, msglen))
		return set->refuse_wide ? -1 : 1;
	return 0;
}

/*
 * Is (hi, lo), a /plen of the family, inside a shorter entry? Probes
 * only the shorter lengths the index names for its bucket, as
 * ipset_contains does.
 */
static int
ipset_covered(const struct ipset *s, int v6, int plen, uint64_t hi,
    uint64_t lo)
{
	uint64_t	h, l, m;
	uint32_t	m4;
	int		w, len;

	if (plen == 0)
		return 0;
	if (!v6) {
		if (s->t4[0].zero)
			return 1;
		m4 = s->idx4[hi >> (32 - s->k4)] &
		    (uint32_t)(((uint64_t)1 << (plen - 1)) - 1);
		for (; m4 != 0; m4 &= ~((uint32_t)1 << (len - 1))) {
			len = 32 - __builtin_clz(m4);
			if (ipset_tab_has(s, &s->t4[len], hi & ipset_mask4(len),
			    0))
				return 1;
		}
		return 0;
	}
	if (s->t6[0].zero)
		return 1;
	for (w = 0; w <= 1; w++) {
		/* Bit b of word w is the length 1 + 64w + b: those < plen. */
		len = plen - 1 - 64 * w;
		m = s->idx6[2 * (size_t)(hi >> (64 - s->k6)) + (size_t)w];
		if (len <= 0)
			break;
		if (len < 64)
			m &= ((uint64_t)1 << len) - 1;
		for (; m != 0; m &= m - 1) {
			len = 1 + 64 * w + __builtin_ctzll(m);
			h = hi;
			l = lo;
			ipset_mask6(len, &h, &l);
			if (ipset_tab_has(s, &s->t6[len], h, l))
				return 1;
		}
	}
	return 0;
}

/*
 * The addresses a family's entries cover together, each counted once,
 * in units of 2^-COVER_UNIT of a /min: a list of entries each narrow
 * enough can still add up to every address (512 /9s). Entries
 * narrower than /(min + COVER_UNIT) count as nothing: 2^31 of them are
 * less than 2^-9 of a /min. -1 if an entry alone is wider than /min
 * (ipset_too_wide has said so, line by line).
 */
#define COVER_UNIT	40
static int64_t
ipset_cover(const struct ipset *s, int v6, int min)
{
	const struct ipset_tab	*t;
	uint64_t		 hi, lo, sum = 0;
	uint32_t		 i;
	int			 len, bits = v6 ? 128 : 32;

	for (len = 0; len <= bits; len++) {
		t = v6 ? &s->t6[len] : &s->t4[len];
		if (t->n == 0 && !t->zero)
			continue;
		if (len < min)
			return -1;
		if (len > min + COVER_UNIT)
			break;
		if (t->zero && !ipset_covered(s, v6, len, 0, 0))
			sum += 1ULL << (min + COVER_UNIT - len);
		for (i = 0; t->n != 0 && i <= t->mask; i++) {
			if (ipset_slot_is(t, i, 0, 0))
				continue;
			ipset_slot_get(t, i, &hi, &lo);
			if (!ipset_covered(s, v6, len, hi, lo))
				sum += 1ULL << (min + COVER_UNIT - len);
		}
		/* Past 2^62 units it is far over a /min already. */
		if (sum > 1ULL << 62)
			break;
	}
	return (int64_t)sum;
}

/*
 * Do the entries together cover more than COVER_MAX_FACTOR prefixes of
 * the widest length an entry may have? 1 with the reason in why. A feed
 * of hundreds of /16s and /20s covers a few /8s' worth; 16 /8s is a
 * sixteenth of every IPv4 address, which no indicator feed holds.
 */
#define COVER_MAX_FACTOR	16
static int
ipset_too_wide_together(const struct ipset *s, char *why, size_t whylen)
{
	int64_t	c;
	int	v6;

	for (v6 = 0; v6 <= 1; v6++) {
		int	min = v6 ? s->widest6 : s->widest4;

		if (min == 0 || (c = ipset_cover(s, v6, min)) <=
		    (int64_t)COVER_MAX_FACTOR << COVER_UNIT)
			continue;
		snprintf(why, whylen, "its IPv%d entries together cover %"
		    PRId64 ".%" PRId64 " times the addresses of a /%d (the "
		    "widest prefix limits.list_min_prefix_v%d lets an entry "
		    "be); a list may cover %d times that at most",
		    v6 ? 6 : 4, c >> COVER_UNIT,
		    ((c & (((int64_t)1 << COVER_UNIT) - 1)) * 10) >>
		    COVER_UNIT, min, v6 ? 6 : 4, COVER_MAX_FACTOR);
		return 1;
	}
	return 0;
}

/*
 * Load a list file: one address or prefix a line (util_read_list has the
 * format). Returns the number of entries new to the set, or -1 with the
 * reason in err; on error the set holds the lines before the bad one:
 * discard it. With widest prefixes set, the list as a whole is judged
 * too: refused (a fetched list) or warned of, naming the file.
 */
long
ipset_load_file(struct ipset *s, const char *path, char *err, size_t errlen)
{
	size_t	before = s->count;
	char	why[256];

	if (util_read_list(path, NULL, ipset_list_entry, s, err, errlen) != 0)
		return -1;
	if ((s->widest4 || s->widest6) &&
	    ipset_too_wide_together(s, why, sizeof(why))) {
		if (s->refuse_wide) {
			snprintf(err, errlen, "%s: %s", path, why);
			return -1;
		}
		log_warnx("%s: warning: %s", path, why);
	}
	return (long)(s->count - before);
}
