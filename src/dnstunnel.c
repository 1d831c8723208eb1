/*
 * DNS tunnelling (rules.md "dns_tunnel"): per rule and registered domain
 * (the public suffix list, libpsl: example.co.uk, not co.uk), over a
 * window of packet time: queries, distinct names below the domain, the
 * mean Shannon entropy of those names' characters, and the share of
 * answers that are NXDOMAIN. A window alerts once when the queries and
 * distinct names reach the rule's counts and the entropy or the
 * NXDOMAIN share reaches its bound. Distinct names are bits of a fixed
 * bitmap, so two names may share one (an undercount, never more); the
 * bit is a keyed hash of the name, so a tunnel cannot choose names that
 * share a few bits and never reach the count.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include "behaviour.h"
#include "domset.h"
#include "log.h"
#include "siphash.h"
#include "util.h"

#include <openssl/rand.h>


#define DT_BITS		1024
#define DT_CACHE	1024		/* names, direct-mapped */

/*
 * The registered domain of recent names: the name's keyed hash and where
 * in it the domain starts (0 none). An office asks for the same few
 * hundred names all day; a name missed costs one libpsl lookup.
 */
struct dt_cache_ent {
	uint64_t	 hash;
	uint16_t	 len;
	uint8_t		 off;
	uint8_t		 ok;
};

struct dt_cache {
	struct dt_cache_ent	 e[DT_CACHE];
};

/*
 * The key of the names' hashes (the cache's slots, the bits of distinct
 * names): one for the process, so that a window's bitmap carried over a
 * reload (slot_carry) still counts the names it holds once.
 */
static uint64_t		 dt_seed[2];
static pthread_once_t	 dt_seed_once = PTHREAD_ONCE_INIT;

static void
dt_seed_init(void)
{
	if (RAND_bytes((unsigned char *)dt_seed, sizeof(dt_seed)) != 1) {
		log_warnx("dns_tunnel: no random hash seed");
		dt_seed[0] = (uint64_t)(uintptr_t)&dt_seed ^
		    0x9e3779b97f4a7c15ULL;
	}
}

struct dt_ent {
	uint64_t	 start;		/* window start, packet time */
	uint64_t	 entropy;	/* summed, bits per character x 1000 */
	uint32_t	 queries, answers, nx, names;
	uint32_t	 fired;
	uint64_t	 seen[DT_BITS / 64];
};


size_t
dt_payload(void)
{
	/* Asked as a table is made (a load): the names' key is drawn then,
	 * never on a packet. */
	(void)pthread_once(&dt_seed_once, dt_seed_init);
	return sizeof(struct dt_ent);
}

static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t	h = 1469598103934665603ULL;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
		h *= 1099511628211ULL;
	}
	return h;
}

size_t
dt_registered(const char *name, char *out, size_t outlen)
{
	const psl_ctx_t	*psl = domset_psl();
	char		 low[256];
	const char	*reg;
	size_t		 i, n = strlen(name);

	if (n == 0 || n >= sizeof(low) || psl == NULL)
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] + 32 : name[i]);
	low[n] = '\0';
	if ((reg = psl_registrable_domain(psl, low)) == NULL)
		return 0;
	snprintf(out, outlen, "%s", reg);
	return strlen(reg);
}

/* NULL without memory (a reload then fails, not the daemon). */
struct dt_cache *
dt_cache_new(void)
{
	return calloc(1, sizeof(struct dt_cache));
}

void
dt_cache_free(struct dt_cache *c)
{
	free(c);
}

/* Keyed hash of a name, case folded, in whole words. */
static uint64_t
dt_name_hash(const char *s, size_t n)
{
	uint64_t	w[32] = { 0 };
	size_t		i;

	for (i = 0; i < n && i < sizeof(w); i++)
		((uint8_t *)w)[i] = (uint8_t)(s[i] >= 'A' && s[i] <= 'Z' ?
		    s[i] + 32 : s[i]);
	/* Whole words, the zero padding after the name included. */
	return siphash13(dt_seed, w, n < sizeof(w) ? n / 8 + 1 :
	    sizeof(w) / 8) ^ n;
}

/*
 * The registered domain of name (of length n) through the cache, as
 * dt_registered: its whole length, out cut to outlen. The cache keeps
 * where it starts in the name, from that whole length: one cut to out
 * would move the start of a domain longer than out.
 */
static size_t
dt_cached_registered(struct dt_cache *c, const char *name, size_t n,
    char *out, size_t outlen)
{
	struct dt_cache_ent	*e;
	uint64_t		 h;
	size_t			 len, reg;

	if (c == NULL || n >= 256)
		return dt_registered(name, out, outlen);
	h = dt_name_hash(name, n);
	e = &c->e[h % DT_CACHE];
	if (e->hash != h || e->len != n) {
		e->hash = h;
		e->len = (uint16_t)n;
		reg = dt_registered(name, out, outlen);
		e->ok = reg != 0 && reg <= n;
		e->off = e->ok ? (uint8_t)(n - reg) : 0;
		return e->ok ? reg : 0;
	}
	if (!e->ok)
		return 0;
	/* What snprintf "%s" wrote, without its format machinery (a third
	 * of a cached query's cost, callgrind). */
	reg = n - e->off;
	if (outlen == 0)
		return reg;
	len = reg < outlen ? reg : outlen - 1;
	memcpy(out, name + e->off, len);
	out[len] = '\0';
	for (; *out != '\0'; out++)
		if (*out >= 'A' && *out <= 'Z')
			*out = (char)(*out + 32);
	return reg;
}

/*
 * Shannon entropy of the name's characters, dots left out, x 1000. A
 * byte app_dns escaped as \xHH is one character, its own: counted as
 * the four of its escape, a label of random bytes (iodine's base128)
 * measured about 3.4 bits where its bytes carry 7.
 */
static uint32_t
entropy_mbit(const char *s, size_t n)
{
	unsigned	cnt[256] = { 0 };
	size_t		i, total = 0;
	double		h = 0, p;
	int		hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '.')
			continue;
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' &&
		    (hi = util_hexval(s[i + 2])) >= 0 &&
		    (lo = util_hexval(s[i + 3])) >= 0) {
			cnt[hi << 4 | lo]++;
			i += 3;
		} else
			cnt[(uint8_t)s[i]]++;
		total++;
	}
	if (total == 0)
		return 0;
	for (i = 0; i < 256; i++)
		if (cnt[i] != 0) {
			p = (double)cnt[i] / (double)total;
			h -= p * log2(p);
		}
	return (uint32_t)(h * 1000.0);
}

int
dt_event(struct slottab *t, struct dt_cache *c, uint32_t rule,
    const struct bh_spec *s, const char *qname, int response, int rcode,
    uint64_t ts, struct bh_result *out)
{
	struct dt_ent	*e;
	struct thr_key	 k;
	char		 reg[96];
	size_t		 n, sub, rlen;
	uint64_t	 h;
	uint32_t	 ent;
	int		 created, hit;

	if (t == NULL || qname == NULL)
		return 0;
	n = strlen(qname);
	if ((rlen = dt_cached_registered(c, qname, n, reg, sizeof(reg))) == 0)
		return 0;
	sub = n > rlen ? n - rlen : 0;
	memset(&k, 0, sizeof(k));
	k.name_hash = fnv(reg, strlen(reg));
	e = slot_get(t, rule, &k, &created);
	if (created || !(ts >= e->start && ts - e->start < s->within)) {
		if (!created && ts < e->start)
			return 0;	/* a late packet of an older window */
		memset(e, 0, sizeof(*e));
		e->start = ts;
	}
	if (response) {
		e->answers++;
		if (rcode == 3)
			e->nx++;
	} else {
		e->queries++;
		/* Keyed: an unkeyed hash (FNV-1a) let a tunnel steer its
		 * names, by a nonce label, onto a few bits. */
		h = dt_name_hash(qname, n);
		if (!(e->seen[(h % DT_BITS) / 64] >> (h % 64) & 1)) {
			e->seen[(h % DT_BITS) / 64] |= 1ULL << (h % 64);
			e->names++;
			/* Each distinct name's part below the domain once. */
			ent = entropy_mbit(qname, sub);
			e->entropy += ent;
		}
	}
	if (e->fired || e->queries < s->count || e->names < s->distinct)
		return 0;
	hit = 0;
	if (s->entropy_mbit != 0 && e->names > 0 &&
	    e->entropy / e->names >= s->entropy_mbit)
		hit = 1;
	if (s->nx_pct != 0 && e->answers > 0 &&
	    (uint64_t)e->nx * 100 >= (uint64_t)e->answers * s->nx_pct)
		hit = 1;
	if (s->entropy_mbit == 0 && s->nx_pct == 0)
		hit = 1;
	if (!hit)
		return 0;
	e->fired = 1;
	memset(out, 0, sizeof(*out));
	out->kind = BH_DNSTUNNEL;
	out->queries = e->queries;
	out->names = e->names;
	out->entropy_mbit = e->names ? (uint32_t)(e->entropy / e->names) : 0;
	out->nx_pct = e->answers ? (uint32_t)((uint64_t)e->nx * 100 /
	    e->answers) : 0;
	snprintf(out->domain, sizeof(out->domain), "%s", reg);
	return 1;
}
