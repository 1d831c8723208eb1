/*
 * Domain sets: an entry matches the name itself and every name below it
 * ("example.com" matches "example.com" and "a.b.example.com", never
 * "badexample.com").
 *
 * Entries are stored lowercased, without a trailing dot, in one arena as
 * [length byte][bytes]; an open-addressing table holds (arena offset,
 * 32-bit hash) pairs and is at most three quarters full. Offset 0 of the
 * arena is never used, so offset 0 marks an empty slot. A hash hit is
 * confirmed by comparing the strings, so there are no false positives.
 *
 * The hash runs from the last byte of a name to the first, so one backward
 * pass over a name yields the hash of each of its suffixes: domset_match
 * checks the suffixes starting at label boundaries (at most 127 in 253
 * bytes) with one probe each, lowercasing into a stack buffer; it never
 * allocates and its cost does not depend on the number of entries. Only
 * suffixes with as many labels as some entry has are probed (a set of
 * registered names never probes the top-level domain, which in a large
 * table would cost a cache miss for nothing), and the walk stops past the
 * longest entry's label count.
 *
 * Entry syntax: labels of 1 to 63 letters, digits, '-' or '_', 253 bytes
 * at most; case is ignored and one trailing dot dropped. "*.example.com"
 * is accepted and means the same as "example.com" (which already covers
 * every subdomain, and so also matches example.com itself).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpsl.h>

#include "domset.h"
#include "util.h"
#include "xmalloc.h"

#define DOMSET_NAME_MAX		253	/* bytes, without the trailing dot */
#define DOMSET_LABEL_MAX	63
#define DOMSET_MINCAP		16
#define DOMSET_MAXCAP		(1U << 31)
#define DOMSET_QUOTE_MAX	64

struct domset_slot {
	uint32_t	off;		/* into the arena; 0 = empty */
	uint32_t	hash;
};

struct domset {
	uint8_t			*arena;
	size_t			 used, cap;
	struct domset_slot	*tab;
	uint32_t		 mask;	/* table size - 1, 0 while empty */
	uint32_t		 n;
	uint64_t		 seed;
	size_t			 tabmem;
	uint64_t		 nlabels[2];	/* bit n - 1: an entry has n labels */
	int			 maxlabels;
	int			 warn_suffixes;	/* list files: public suffixes */
	int			 refuse_suffixes;	/* ... or refuse them */
};

/* Murmur3's finalizer, to spread the FNV state over the index bits. */
static inline uint64_t
domset_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* One step of FNV-1a; names are fed last byte first. */
static inline uint64_t
domset_step(uint64_t h, uint8_t c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

static inline uint32_t
domset_final(uint64_t h)
{
	return (uint32_t)domset_mix(h);
}

/* Is the lowercased name[0..len) an entry, given its hash? */
static inline int
domset_find(const struct domset *s, const char *name, size_t len,
    uint32_t hash, uint32_t *slotp)
{
	const struct domset_slot	*sl;
	const uint8_t			*e;
	uint32_t			 i;

	for (i = hash & s->mask;; i = (i + 1) & s->mask) {
		sl = &s->tab[i];
		if (sl->off == 0) {
			*slotp = i;
			return 0;
		}
		if (sl->hash != hash)
			continue;
		e = s->arena + sl->off;
		if (e[0] == len && memcmp(e + 1, name, len) == 0) {
			*slotp = i;
			return 1;
		}
	}
}

/* A seed nobody outside the process can predict (best effort). */
static uint64_t
domset_seed(const void *p)
{
	uint64_t	seed;
	struct timespec	ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return domset_mix((uint64_t)(uintptr_t)p ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)ts.tv_sec << 32));
}

struct domset *
domset_new(void)
{
	struct domset	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->seed = domset_seed(s) | 1;
	return s;
}

void
domset_free(struct domset *s)
{
	if (s == NULL)
		return;
	free(s->arena);
	free(s->tab);
	free(s);
}

/* Double the table (or create it); hashes are stored, so no rehashing.
 * -1 at the largest size, -2 without memory. */
static int
domset_grow(struct domset *s)
{
	struct domset_slot	*old = s->tab;
	uint32_t		 oldcap = s->tab == NULL ? 0 : s->mask + 1;
	uint32_t		 cap, i, j;

	if (oldcap >= DOMSET_MAXCAP)
		return -1;
	cap = oldcap == 0 ? DOMSET_MINCAP : oldcap * 2;
	/* Built beside the running set's at a reload: without room the
	 * set stays as it was and the load fails, not the daemon. */
	if ((s->tab = calloc_huge(cap, sizeof(*s->tab))) == NULL) {
		s->tab = old;
		return -2;
	}
	s->mask = cap - 1;
	for (i = 0; i < oldcap; i++) {
		if (old[i].off == 0)
			continue;
		for (j = old[i].hash & s->mask; s->tab[j].off != 0;
		    j = (j + 1) & s->mask)
			;
		s->tab[j] = old[i];
	}
	free(old);
	s->tabmem = (size_t)cap * sizeof(*s->tab);
	return 0;
}

/* Make room in the arena for need more bytes; -1 past the offsets'
 * range, -2 without memory. */
static int
domset_reserve(struct domset *s, size_t need)
{
	size_t	 base = s->used == 0 ? 1 : s->used;	/* offset 0: empty */
	size_t	 cap;
	uint8_t	*p;

	if (need > UINT32_MAX - base)
		return -1;
	if (base + need > s->cap) {
		cap = s->cap < 4096 ? 4096 : s->cap * 2;
		if (cap < base + need)
			cap = base + need;
		if ((p = realloc(s->arena, cap)) == NULL)
			return -2;
		s->arena = p;
		s->cap = cap;
	}
	s->used = base;
	return 0;
}

/* Quote hostile input for a message: printable, bounded, escaped. */
static const char *
domset_quote(const char *in, char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 o = 0, n;

	for (n = 0; *p != '\0' && n < DOMSET_QUOTE_MAX && o + 5 < outlen;
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

static inline int
domset_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

static inline unsigned char
domset_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * Validate and add one entry; a duplicate is not an error. Returns 0, or
 * -1 with the reason in err.
 */
int
domset_add(struct domset *s, const char *str, char *err, size_t errlen)
{
	char		 name[DOMSET_NAME_MAX], q[DOMSET_QUOTE_MAX * 4 + 8];
	const char	*p = str;
	size_t		 len, i, label = 0;
	uint64_t	 h;
	uint32_t	 hash, slot;
	unsigned char	 c;
	int		 nl = 0, r;

	len = strlen(p);
	if (len >= 2 && p[0] == '*' && p[1] == '.') {
		p += 2;
		len -= 2;
	}
	if (len > 0 && p[len - 1] == '.')
		len--;
	if (len == 0) {
		snprintf(err, errlen, "empty domain \"%s\"",
		    domset_quote(str, q, sizeof(q)));
		return -1;
	}
	if (len > DOMSET_NAME_MAX) {
		snprintf(err, errlen, "domain \"%s\" longer than %d bytes",
		    domset_quote(str, q, sizeof(q)), DOMSET_NAME_MAX);
		return -1;
	}
	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '.') {
			if (label == 0) {
				snprintf(err, errlen, "empty label in \"%s\"",
				    domset_quote(str, q, sizeof(q)));
				return -1;
			}
			if (label > DOMSET_LABEL_MAX) {
				snprintf(err, errlen, "label longer than %d "
				    "bytes in \"%s\"", DOMSET_LABEL_MAX,
				    domset_quote(str, q, sizeof(q)));
				return -1;
			}
			label = 0;
			nl++;
			if (i < len)
				name[i] = '.';
			continue;
		}
		c = domset_lower((unsigned char)p[i]);
		if (!domset_label_char(c)) {
			if (c > 0x20 && c < 0x7f && c != '\'' && c != '\\')
				snprintf(err, errlen, "bad character '%c' in "
				    "\"%s\"", c, domset_quote(str, q,
				    sizeof(q)));
			else
				snprintf(err, errlen, "bad character \\x%02x "
				    "in \"%s\"", c, domset_quote(str, q,
				    sizeof(q)));
			return -1;
		}
		name[i] = (char)c;
		label++;
	}

	h = s->seed;
	for (i = len; i > 0; i--)
		h = domset_step(h, (uint8_t)name[i - 1]);
	hash = domset_final(h);
	if (s->n > 0 && domset_find(s, name, len, hash, &slot))
		return 0;
	if ((r = domset_reserve(s, len + 1)) != 0 || ((s->tab == NULL ||
	    ((uint64_t)s->n + 1) * 4 > ((uint64_t)s->mask + 1) * 3) &&
	    (r = domset_grow(s)) != 0)) {
		if (r == -2)
			snprintf(err, errlen, "no memory for the set at %u "
			    "entries: %s", s->n, strerror(ENOMEM));
		else
			snprintf(err, errlen, "too many entries in the set");
		return -1;
	}
	(void)domset_find(s, name, len, hash, &slot);
	s->tab[slot].off = (uint32_t)s->used;
	s->tab[slot].hash = hash;
	s->arena[s->used] = (uint8_t)len;
	memcpy(s->arena + s->used + 1, name, len);
	s->used += len + 1;
	s->n++;
	s->nlabels[(nl - 1) >> 6] |= (uint64_t)1 << ((nl - 1) & 63);
	if (nl > s->maxlabels)
		s->maxlabels = nl;
	return 0;
}

/*
 * Does name or a parent domain of it belong to the set? name may be mixed
 * case and end in a dot. Of a name longer than 253 bytes only the last 253
 * are looked at: no entry can be longer, so no match is lost.
 */
int
domset_match(const struct domset *s, const char *name)
{
	char		 low[DOMSET_NAME_MAX];
	size_t		 len, start, i, c;
	uint64_t	 h;
	uint32_t	 slot;
	int		 nl = 0;

	if (s->n == 0)
		return 0;
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	start = len > DOMSET_NAME_MAX ? len - DOMSET_NAME_MAX : 0;
	for (i = start; i < len; i++)
		low[i - start] = (char)domset_lower((unsigned char)name[i]);
	/*
	 * c walks back from the last byte; name[c..len) is a suffix, of nl
	 * non-empty labels when c starts one (a suffix with an empty label
	 * is never an entry).
	 */
	h = s->seed;
	for (c = len; c-- > start;) {
		h = domset_step(h, (uint8_t)low[c - start]);
		if ((c != 0 && name[c - 1] != '.') || name[c] == '.')
			continue;
		if (++nl > s->maxlabels)
			return 0;
		if ((s->nlabels[(nl - 1) >> 6] >> ((nl - 1) & 63) & 1) &&
		    domset_find(s, low + (c - start), len - c,
		    domset_final(h), &slot))
			return 1;
	}
	return 0;
}

size_t
domset_count(const struct domset *s)
{
	return s->n;
}

size_t
domset_memory(const struct domset *s)
{
	return sizeof(*s) + s->cap + s->tabmem;
}

static int
domset_list_size(uint64_t size, void *arg)
{
	/* An entry never takes more bytes than its line: reserve once. */
	return domset_reserve(arg, (size_t)size + 1);
}

/* The system's list (package publicsuffix) if newer, else libpsl's. */
const psl_ctx_t *
domset_psl(void)
{
	static const psl_ctx_t	*psl;

	if (psl == NULL && (psl = psl_latest(NULL)) == NULL)
		psl = psl_builtin();
	return psl;
}

/*
 * Is str (an entry domset_add took) a public suffix, com or co.uk or
 * github.io, that every name under it would match? 1 with the reason in
 * why. Only listed suffixes count: an unknown single label (an internal
 * zone) is not one.
 */
int
domset_public_suffix(const char *str, char *why, size_t whylen)
{
	const psl_ctx_t		*psl;
	char			 name[DOMSET_NAME_MAX + 1];
	const char		*p = str;
	size_t			 len, i;

	if (p[0] == '*' && p[1] == '.')
		p += 2;
	len = strlen(p);
	if (len > 0 && p[len - 1] == '.')
		len--;
	if (len == 0 || len > DOMSET_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		name[i] = (char)domset_lower((unsigned char)p[i]);
	name[len] = '\0';
	if ((psl = domset_psl()) == NULL)
		return 0;
	if (!psl_is_public_suffix2(psl, name, PSL_TYPE_ANY |
	    PSL_TYPE_NO_STAR_RULE))
		return 0;
	snprintf(why, whylen, "%s is a public suffix: it matches every "
	    "domain registered under it", name);
	return 1;
}

/* One label, "local" or "*.lan" or "internal.", with no dot inside. */
static int
domset_single_label(const char *str)
{
	size_t	len;

	if (str[0] == '*' && str[1] == '.')
		str += 2;
	len = strlen(str);
	if (len > 0 && str[len - 1] == '.')
		len--;
	return len > 0 && memchr(str, '.', len) == NULL;
}

void
domset_warn_suffixes(struct domset *s, int refuse)
{
	s->warn_suffixes = 1;
	s->refuse_suffixes = refuse;
}

static int
domset_list_entry(const char *s, void *arg, char *msg, size_t msglen)
{
	struct domset	*set = arg;

	if (domset_add(set, s, msg, msglen) != 0)
		return -1;
	if (set->warn_suffixes && domset_public_suffix(s, msg, msglen))
		return set->refuse_suffixes ? -1 : 1;
	/* A person may list an internal zone; a feed listing one label
	 * (local, lan, internal) makes every name of that zone a hit. */
	if (set->refuse_suffixes && domset_single_label(s)) {
		snprintf(msg, msglen, "%s is a single label: it matches every "
		    "name in that zone", s);
		return -1;
	}
	return 0;
}

/*
 * Load a list file: one domain a line (util_read_list has the format).
 * The arena is sized for the whole file up front and trimmed at the end.
 * Returns the number of entries new to the set, or -1 with the reason in
 * err; on error discard the set.
 */
long
domset_load_file(struct domset *s, const char *path, char *err,
    size_t errlen)
{
	size_t	before = s->n;

	if (util_read_list(path, domset_list_size, domset_list_entry, s, err,
	    errlen) != 0)
		return -1;
	/* A trim: when even that fails, the larger arena serves as well. */
	if (s->cap > s->used && s->used > 0) {
		uint8_t	*p = realloc(s->arena, s->used);

		if (p != NULL) {
			s->arena = p;
			s->cap = s->used;
		}
	}
	return (long)(s->n - before);
}
