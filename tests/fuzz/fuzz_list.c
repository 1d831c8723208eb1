/*
 * libFuzzer target: an asset/indicator list file (util_read_list) loaded
 * as an address set (ipset.c) and as a domain set (domset.c), then
 * queried. When a load succeeds, every entry must match itself, and each
 * address probe must agree with a brute-force check over the prefixes.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domset.h"
#include "ipset.h"
#include "fuzz_common.h"

#define PREFIX_MAX	4096

struct prefix {
	int	 ipver;
	int	 plen;
	uint8_t	 a[16];
};

static struct prefix	pfx[PREFIX_MAX];
static size_t		npfx;

/* The entries of a list file as util_read_list yields them, one a call. */
static void
each_entry(const uint8_t *data, size_t size, void (*cb)(char *, void *),
    void *arg)
{
	char	 line[4096];
	size_t	 i = 0, len, n;
	char	*p, *h;

	while (i < size) {
		for (n = 0; i + n < size && data[i + n] != '\n'; n++)
			;
		len = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
		memcpy(line, data + i, len);
		line[len] = '\0';
		i += n + 1;
		if ((h = strchr(line, '#')) != NULL)
			*h = '\0';
		len = strlen(line);
		while (len > 0 && strchr(" \t\r\v\f", line[len - 1]))
			line[--len] = '\0';
		for (p = line; *p != '\0' && strchr(" \t\r\v\f", *p); p++)
			;
		if (*p != '\0')
			cb(p, arg);
	}
}

static void
add_prefix(char *e, void *arg)
{
	struct prefix	*x;
	char		*slash = strchr(e, '/');

	(void)arg;
	if (npfx == PREFIX_MAX)
		return;
	x = &pfx[npfx];
	if (slash != NULL)
		*slash = '\0';
	x->ipver = strchr(e, ':') != NULL ? 6 : 4;
	if (inet_pton(x->ipver == 6 ? AF_INET6 : AF_INET, e, x->a) != 1)
		abort();	/* the set accepted what is not an address */
	x->plen = slash != NULL ? atoi(slash + 1) : (x->ipver == 6 ? 128 : 32);
	npfx++;
}

static int
in_prefix(const struct prefix *x, int ipver, const uint8_t *a)
{
	int	 full = x->plen / 8, rest = x->plen % 8;

	if (x->ipver != ipver || memcmp(x->a, a, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	    ((x->a[full] ^ a[full]) & (0xff00 >> rest) & 0xff) == 0;
}

/* The set must say what the brute-force check over the prefixes says. */
static void
probe(const struct ipset *s, int ipver, const uint8_t *a)
{
	size_t	 i;
	int	 want = 0;

	for (i = 0; i < npfx && !want; i++)
		want = in_prefix(&pfx[i], ipver, a);
	if (ipset_contains(s, ipver, a) != want) {
		fprintf(stderr, "ipset_contains disagrees (want %d)\n", want);
		abort();
	}
}

static void
check_domain(char *e, void *arg)
{
	const struct domset	*d = arg;
	char			 sub[300];

	snprintf(sub, sizeof(sub), "x-1.%s", e);
	if (!domset_match(d, e) || !domset_match(d, sub)) {
		fprintf(stderr, "domain entry \"%s\" does not match\n", e);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipset	*s;
	struct domset	*d;
	char		 err[1024], path[512];
	uint8_t		 a[16];
	size_t		 i, off;
	int		 loaded;

	fuzz_write("list", data, size);
	fuzz_path("list", path, sizeof(path));

	s = ipset_new();
	npfx = 0;
	if ((loaded = ipset_load_file(s, path, err, sizeof(err)) >= 0)) {
		each_entry(data, size, add_prefix, NULL);
		if (npfx < PREFIX_MAX && ipset_count(s) > npfx) {
			fprintf(stderr, "%zu entries from %zu lines\n",
			    ipset_count(s), npfx);
			abort();
		}
		for (i = 0; i < npfx && i < 256; i++) {
			probe(s, pfx[i].ipver, pfx[i].a);
			memcpy(a, pfx[i].a, 16);
			/* Just past the prefix: the first address outside. */
			if (pfx[i].plen > 0) {
				int b = pfx[i].plen - 1;

				a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
				probe(s, pfx[i].ipver, a);
			}
		}
	} else if (strncmp(err, path, strlen(path)) != 0) {
		fprintf(stderr, "error does not name the file: %s\n", err);
		abort();
	}
	/* Addresses taken from the input bytes (checked if it loaded). */
	for (off = 0; off + 16 <= size && off < 256; off += 16) {
		memcpy(a, data + off, 16);
		if (loaded) {
			probe(s, 4, a);
			probe(s, 6, a);
		} else {
			(void)ipset_contains(s, 4, a);
			(void)ipset_contains(s, 6, a);
		}
	}
	(void)ipset_memory(s);
	ipset_free(s);

	d = domset_new();
	if (domset_load_file(d, path, err, sizeof(err)) >= 0)
		each_entry(data, size, check_domain, d);
	(void)domset_memory(d);
	(void)domset_count(d);
	domset_free(d);
	return 0;
}
