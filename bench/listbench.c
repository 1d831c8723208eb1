/*
 * listbench: load an address list and a domain list, time the lookups.
 *
 *   listbench IPFILE DOMFILE [LOOKUPS]
 *
 * Prints one JSON line. For each list: the file size, entries, load
 * seconds, memory as the set reports it (ipset_memory, domset_memory) and
 * as the process's resident size grew during the load, the ratio of the
 * reported memory to the file size, and nanoseconds per lookup for hits
 * and misses, each timed over LOOKUPS lookups (default 10M) in two
 * patterns: "rand" cycles through 1M queries drawn uniformly from the
 * whole list (fewer when LOOKUPS is below 1M), so most lookups touch a
 * cold part of the table (the worst case); "hot" cycles through 4096 of
 * them, a working set that stays in cache like the addresses and names of
 * live traffic. Hits are addresses inside a random entry (host bits
 * randomized) and subdomains of or equal to a random entry; misses are
 * random addresses and random names under the same top-level domains
 * that the set does not hold.
 */
#include "config.h"

#include <sys/stat.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domset.h"
#include "ipset.h"
#include "log.h"
#include "xmalloc.h"

#define Q_RAND_MAX (1U << 20)	/* queries in the "rand" pattern, at most */
#define Q_HOT	4096U		/* queries in the "hot" pattern */

/*
 * Queries in the "rand" pattern: a power of two, no more than the
 * lookups asked for (a short run need not build 2M query strings).
 */
static uint32_t	q_rand = Q_RAND_MAX;

struct ipq {
	uint8_t	a[16];
	int	ver;
};

struct ipent {
	uint8_t	a[16];
	int	ver;
	int	plen;
};

static uint64_t	rng_state = 0x9e3779b97f4a7c15ULL;
static volatile long sink;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident bytes of this process, from /proc/self/statm. */
static long
rss(void)
{
	FILE	*fp;
	long	 size, res = 0;

	if ((fp = fopen("/proc/self/statm", "r")) == NULL)
		return 0;
	if (fscanf(fp, "%ld %ld", &size, &res) != 2)
		res = 0;
	fclose(fp);
	return res * sysconf(_SC_PAGESIZE);
}

static long
file_size(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The file name as a JSON string (it may hold any byte). */
static void
json_string(const char *s)
{
	const unsigned char	*p;

	putchar('"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* A list line without comment and surrounding space; NULL if empty. */
static char *
list_entry(char *line)
{
	char	*p, *e;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return *p == '\0' ? NULL : p;
}

/* Read the entries of an address list again, for hit queries. */
static struct ipent *
ip_entries(const char *path, size_t *np)
{
	FILE		*fp;
	char		 line[512], *p, *slash;
	struct ipent	*e = NULL;
	size_t		 n = 0, cap = 0;

	if ((fp = fopen(path, "r")) == NULL)
		fatal("%s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((p = list_entry(line)) == NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			e = xreallocarray(e, cap, sizeof(*e));
		}
		memset(&e[n], 0, sizeof(e[n]));
		if ((slash = strchr(p, '/')) != NULL)
			*slash = '\0';
		e[n].ver = strchr(p, ':') != NULL ? 6 : 4;
		if (inet_pton(e[n].ver == 6 ? AF_INET6 : AF_INET, p,
		    e[n].a) != 1)
			continue;
		e[n].plen = slash ? atoi(slash + 1) : e[n].ver == 6 ? 128 : 32;
		n++;
	}
	fclose(fp);
	*np = n;
	return e;
}

/* Read the entries of a domain list again, normalized. */
static char **
dom_entries(const char *path, size_t *np)
{
	FILE	 *fp;
	char	  line[512], *p, **e = NULL;
	size_t	  n = 0, cap = 0, len;

	if ((fp = fopen(path, "r")) == NULL)
		fatal("%s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((p = list_entry(line)) == NULL)
			continue;
		if (strncmp(p, "*.", 2) == 0)
			p += 2;
		len = strlen(p);
		if (len > 0 && p[len - 1] == '.')
			p[len - 1] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			e = xreallocarray(e, cap, sizeof(*e));
		}
		e[n++] = xstrdup(p);
	}
	fclose(fp);
	*np = n;
	return e;
}

/* Nanoseconds per ipset_contains over lookups queries cycling through q. */
static double
time_ip(const struct ipset *s, const struct ipq *q, uint32_t nq,
    long lookups)
{
	double	t0;
	long	i, hits = 0;
	uint32_t j = 0;

	t0 = now();
	for (i = 0; i < lookups; i++) {
		hits += ipset_contains(s, q[j].ver, q[j].a);
		j = (j + 1) & (nq - 1);
	}
	sink = hits;
	return (now() - t0) * 1e9 / (double)lookups;
}

static double
time_dom(const struct domset *s, char *const *q, uint32_t nq, long lookups)
{
	double	t0;
	long	i, hits = 0;
	uint32_t j = 0;

	t0 = now();
	for (i = 0; i < lookups; i++) {
		hits += domset_match(s, q[j]);
		j = (j + 1) & (nq - 1);
	}
	sink = hits;
	return (now() - t0) * 1e9 / (double)lookups;
}

/* A query inside entry e: its prefix, then random bits. */
static void
ip_hit(const struct ipent *e, struct ipq *q)
{
	int	b, max = e->ver == 6 ? 128 : 32;

	memcpy(q->a, e->a, sizeof(q->a));
	q->ver = e->ver;
	for (b = e->plen; b < max; b++)
		if (rng() & 1)
			q->a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
}

static void
bench_ip(const char *path, long lookups)
{
	struct ipset	*s = ipset_new();
	struct ipent	*e;
	struct ipq	*hit, *miss;
	char		 err[1024];
	size_t		 n, i, j;
	uint64_t	 v;
	long		 r0, added;
	double		 t0, t;

	r0 = rss();
	t0 = now();
	if ((added = ipset_load_file(s, path, err, sizeof(err))) == -1)
		fatalx("%s", err);
	t = now() - t0;
	r0 = rss() - r0;
	e = ip_entries(path, &n);
	if (n == 0)
		fatalx("%s: no entries", path);
	hit = xcalloc(q_rand, sizeof(*hit));
	miss = xcalloc(q_rand, sizeof(*miss));
	for (i = 0; i < q_rand; i++) {
		ip_hit(&e[rng() % n], &hit[i]);
		/* Random addresses of the family of a random entry. */
		for (j = 0; j < 1000; j++) {
			miss[i].ver = e[rng() % n].ver;
			v = rng();
			memcpy(miss[i].a, &v, 8);
			v = rng();
			memcpy(miss[i].a + 8, &v, 8);
			if (!ipset_contains(s, miss[i].ver, miss[i].a))
				break;
		}
	}
	printf("\"ip_file\":");
	json_string(path);
	printf(",\"ip_file_bytes\":%ld,\"ip_entries\":%zu,\"ip_added\":%ld,"
	    "\"ip_load_s\":%.3f,\"ip_memory\":%zu,\"ip_rss_growth\":%ld,"
	    "\"ip_memory_per_file_byte\":%.2f,", file_size(path),
	    ipset_count(s), added, t, ipset_memory(s), r0,
	    (double)ipset_memory(s) / (double)file_size(path));
	printf("\"ip_hit_rand_ns\":%.1f,\"ip_miss_rand_ns\":%.1f,"
	    "\"ip_hit_hot_ns\":%.1f,\"ip_miss_hot_ns\":%.1f,",
	    time_ip(s, hit, q_rand, lookups), time_ip(s, miss, q_rand, lookups),
	    time_ip(s, hit, Q_HOT, lookups), time_ip(s, miss, Q_HOT, lookups));
	free(hit);
	free(miss);
	free(e);
	ipset_free(s);
}

/* A query string: prefix + name, kept in one allocation per query. */
static char *
dom_query(const char *prefix, const char *name)
{
	char	*q;

	xasprintf(&q, "%s%s", prefix, name);
	return q;
}

static void
bench_dom(const char *path, long lookups)
{
	static const char	 al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct domset		*s = domset_new();
	char			**e, **hit, **miss, rnd[16], err[1024];
	const char		*dot;
	size_t			 n, i, j, k;
	long			 r0, added;
	double			 t0, t;

	r0 = rss();
	t0 = now();
	if ((added = domset_load_file(s, path, err, sizeof(err))) == -1)
		fatalx("%s", err);
	t = now() - t0;
	r0 = rss() - r0;
	e = dom_entries(path, &n);
	if (n == 0)
		fatalx("%s: no entries", path);
	hit = xcalloc(q_rand, sizeof(*hit));
	miss = xcalloc(q_rand, sizeof(*miss));
	for (i = 0; i < q_rand; i++) {
		hit[i] = dom_query(rng() & 1 ? "www." : "", e[rng() % n]);
		/* A random label in place of an entry's first one. */
		for (j = 0;; j++) {
			for (k = 0; k < 10; k++)
				rnd[k] = al[rng() % (sizeof(al) - 1)];
			rnd[k++] = '.';
			rnd[k] = '\0';
			dot = strchr(e[rng() % n], '.');
			miss[i] = dom_query(rnd, dot ? dot + 1 : "example");
			if (!domset_match(s, miss[i]) || j == 999)
				break;
			free(miss[i]);
		}
	}
	printf("\"dom_file\":");
	json_string(path);
	printf(",\"dom_file_bytes\":%ld,\"dom_entries\":%zu,\"dom_added\":%ld,"
	    "\"dom_load_s\":%.3f,\"dom_memory\":%zu,\"dom_rss_growth\":%ld,"
	    "\"dom_memory_per_file_byte\":%.2f,", file_size(path),
	    domset_count(s), added, t, domset_memory(s), r0,
	    (double)domset_memory(s) / (double)file_size(path));
	printf("\"dom_hit_rand_ns\":%.1f,\"dom_miss_rand_ns\":%.1f,"
	    "\"dom_hit_hot_ns\":%.1f,\"dom_miss_hot_ns\":%.1f",
	    time_dom(s, hit, q_rand, lookups),
	    time_dom(s, miss, q_rand, lookups),
	    time_dom(s, hit, Q_HOT, lookups),
	    time_dom(s, miss, Q_HOT, lookups));
	for (i = 0; i < q_rand; i++) {
		free(hit[i]);
		free(miss[i]);
	}
	for (i = 0; i < n; i++)
		free(e[i]);
	free(hit);
	free(miss);
	free(e);
	domset_free(s);
}

int
main(int argc, char **argv)
{
	long	lookups = 10000000;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: listbench IPFILE DOMFILE [LOOKUPS]\n");
		return 2;
	}
	if (argc == 4 && (lookups = atol(argv[3])) <= 0) {
		fprintf(stderr, "listbench: bad LOOKUPS \"%s\"\n", argv[3]);
		return 2;
	}
	while (q_rand > Q_HOT && (long)q_rand / 2 >= lookups)
		q_rand /= 2;
	log_init(1, 0);
	printf("{");
	bench_ip(argv[1], lookups);
	bench_dom(argv[2], lookups);
	printf(",\"lookups\":%ld}\n", lookups);
	return 0;
}
