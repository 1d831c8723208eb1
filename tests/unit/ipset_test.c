/*
 * Address sets: parsing with exact messages, prefixes of every length,
 * overlaps, IPv4/IPv6 separation, list files, a randomized cross-check
 * against a linear scan, and a 100k-entry load.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ipset.h"

static char	path[64];

/* A deterministic generator, so a failure can be replayed. */
static uint64_t	rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Write text (len bytes) to a fresh temporary file; returns its path. */
static const char *
write_file(const char *text, size_t len)
{
	int	fd;

	snprintf(path, sizeof(path), "/tmp/cg-ipset-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static int
has4(const struct ipset *s, const char *a)
{
	uint8_t	addr[4];

	assert_int_equal(inet_pton(AF_INET, a, addr), 1);
	return ipset_contains(s, 4, addr);
}

static int
has6(const struct ipset *s, const char *a)
{
	uint8_t	addr[16];

	assert_int_equal(inet_pton(AF_INET6, a, addr), 1);
	return ipset_contains(s, 6, addr);
}

static void
add_ok(struct ipset *s, const char *str)
{
	char	err[256] = "";

	if (ipset_add_str(s, str, err, sizeof(err)) != 0)
		fail_msg("\"%s\": %s", str, err);
}

static void
test_parse_good(void **state)
{
	struct ipset	*s = ipset_new();

	(void)state;
	add_ok(s, "10.0.0.0/8");
	add_ok(s, "10.20.0.53");
	add_ok(s, "192.168.1.77/24");		/* host bits: masked */
	add_ok(s, "fd00::/8");
	add_ok(s, "2001:db8::1/128");
	add_ok(s, "2001:db8:1::/048");
	add_ok(s, "::ffff:1.2.3.4");
	assert_int_equal(ipset_count(s), 7);
	assert_true(has4(s, "10.255.0.1"));
	assert_true(has4(s, "10.20.0.53"));
	assert_true(has4(s, "192.168.1.0"));
	assert_true(has4(s, "192.168.1.255"));
	assert_false(has4(s, "192.168.2.77"));
	assert_false(has4(s, "11.0.0.0"));
	assert_true(has6(s, "fdff::1"));
	assert_false(has6(s, "fe00::1"));
	assert_true(has6(s, "2001:db8::1"));
	assert_false(has6(s, "2001:db8::2"));
	assert_true(has6(s, "2001:db8:1:ffff::9"));
	assert_true(has6(s, "::ffff:1.2.3.4"));
	assert_false(has4(s, "1.2.3.4"));	/* mapped stays IPv6 */
	ipset_free(s);

	s = ipset_new();
	add_ok(s, "::");
	assert_true(has6(s, "::"));
	assert_false(has6(s, "::1"));
	add_ok(s, "0.0.0.0");
	assert_true(has4(s, "0.0.0.0"));
	assert_false(has4(s, "0.0.0.1"));
	add_ok(s, "0.0.0.0/0");
	assert_true(has4(s, "255.255.255.255"));
	assert_false(has6(s, "::1"));
	add_ok(s, "::/0");
	assert_true(has6(s, "ffff::1"));
	assert_int_equal(ipset_count(s), 4);
	ipset_free(s);
}

static void
test_parse_bad(void **state)
{
	static const struct {
		const char	*in;
		const char	*msg;
	} cases[] = {
		{ "", "bad address \"\"" },
		{ "10.0.0.256", "bad address \"10.0.0.256\"" },
		{ "1.2.3", "bad address \"1.2.3\"" },
		{ "1.2.3.4.5", "bad address \"1.2.3.4.5\"" },
		{ "01.2.3.4", "bad address \"01.2.3.4\"" },
		{ " 10.0.0.1", "bad address \" 10.0.0.1\"" },
		{ "10.0.0.1 ", "bad address \"10.0.0.1 \"" },
		{ "/8", "bad address \"/8\"" },
		{ "10.0.0.256/8", "bad address \"10.0.0.256/8\"" },
		{ "fe80::1%eth0", "bad address \"fe80::1%eth0\"" },
		{ "1:2:3:4:5:6:7:8:9", "bad address \"1:2:3:4:5:6:7:8:9\"" },
		{ "a\"b\\\x01\xff", "bad address \"a\\\"b\\\\\\x01\\xff\"" },
		{ "example.com", "bad address \"example.com\"" },
		{ "10.0.0.0/33", "prefix length 33 out of range for IPv4" },
		{ "10.0.0.0/999", "prefix length 999 out of range for IPv4" },
		{ "::/129", "prefix length 129 out of range for IPv6" },
		{ "10.0.0.0/", "bad prefix length \"\"" },
		{ "10.0.0.0/x", "bad prefix length \"x\"" },
		{ "10.0.0.0/-1", "bad prefix length \"-1\"" },
		{ "10.0.0.0/+8", "bad prefix length \"+8\"" },
		{ "10.0.0.0/8/8", "bad prefix length \"8/8\"" },
		{ "10.0.0.0/0008", "bad prefix length \"0008\"" },
		{ "10.0.0.0/8 ", "bad prefix length \"8 \"" },
		{ "fd00::/64x", "bad prefix length \"64x\"" },
	};
	struct ipset	*s = ipset_new();
	char		 err[256], big[300];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ipset_add_str(s, cases[i].in, err,
		    sizeof(err)), -1);
		if (strcmp(err, cases[i].msg) != 0)
			fail_msg("\"%s\": got '%s' want '%s'", cases[i].in,
			    err, cases[i].msg);
	}
	/* A long entry is quoted in part. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ipset_add_str(s, big, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), strlen("bad address \"\"") + 64 + 3);
	assert_non_null(strstr(err, "aaa...\""));
	/* A tiny error buffer is never overrun. */
	assert_int_equal(ipset_add_str(s, "10.0.0.0/33", err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(ipset_count(s), 0);
	ipset_free(s);
}

static void
test_add_api(void **state)
{
	struct ipset	*s = ipset_new();
	uint8_t		 a[16] = { 10, 1, 2, 3 };
	size_t		 m0 = ipset_memory(s);

	(void)state;
	assert_int_equal(ipset_add(s, 4, a, 33), -1);
	assert_int_equal(ipset_add(s, 4, a, -1), -1);
	assert_int_equal(ipset_add(s, 6, a, 129), -1);
	assert_int_equal(ipset_add(s, 5, a, 8), -1);
	assert_int_equal(ipset_add(s, 0, a, 0), -1);
	assert_int_equal(ipset_count(s), 0);
	assert_int_equal(ipset_add(s, 4, a, 24), 0);
	assert_int_equal(ipset_add(s, 4, a, 24), 0);	/* duplicate */
	a[3] = 99;
	assert_int_equal(ipset_add(s, 4, a, 24), 0);	/* same /24 */
	assert_int_equal(ipset_count(s), 1);
	assert_true(ipset_memory(s) > m0);
	assert_int_equal(ipset_contains(s, 5, a), 0);
	assert_int_equal(ipset_contains(s, 0, a), 0);
	ipset_free(s);
	ipset_free(NULL);
}

/* Flip bit b (0 = most significant) of a. */
static void
flip(uint8_t *a, int b)
{
	a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
}

/* One prefix of each length: its bits matter, the bits after it don't. */
static void
every_length(int ipver)
{
	int		 max = ipver == 4 ? 32 : 128, len, b;
	uint8_t		 a[16], q[16];
	struct ipset	*s;
	size_t		 i;

	for (len = 0; len <= max; len++) {
		s = ipset_new();
		for (i = 0; i < sizeof(a); i++)
			a[i] = (uint8_t)rng();
		assert_int_equal(ipset_add(s, ipver, a, len), 0);
		assert_true(ipset_contains(s, ipver, a));
		for (b = 0; b < max; b++) {
			memcpy(q, a, sizeof(q));
			flip(q, b);
			if (ipset_contains(s, ipver, q) != (b >= len))
				fail_msg("IPv%d /%d: flipping bit %d", ipver,
				    len, b);
		}
		/* Everything after the prefix randomized at once. */
		memcpy(q, a, sizeof(q));
		for (b = len; b < max; b++)
			if (rng() & 1)
				flip(q, b);
		assert_true(ipset_contains(s, ipver, q));
		assert_false(ipset_contains(s, ipver == 4 ? 6 : 4, a));
		assert_int_equal(ipset_count(s), 1);
		ipset_free(s);
	}
}

static void
test_every_length4(void **state)
{
	(void)state;
	every_length(4);
}

static void
test_every_length6(void **state)
{
	(void)state;
	every_length(6);
}

static void
test_overlap(void **state)
{
	struct ipset	*s = ipset_new();

	(void)state;
	add_ok(s, "10.1.2.3");
	add_ok(s, "10.1.0.0/16");
	add_ok(s, "10.0.0.0/8");
	add_ok(s, "10.1.2.0/24");
	add_ok(s, "10.1.0.0/16");	/* again */
	assert_int_equal(ipset_count(s), 4);
	assert_true(has4(s, "10.1.2.3"));
	assert_true(has4(s, "10.1.2.4"));
	assert_true(has4(s, "10.1.3.4"));
	assert_true(has4(s, "10.2.3.4"));
	assert_false(has4(s, "11.1.2.3"));
	assert_false(has4(s, "9.255.255.255"));

	add_ok(s, "2001:db8::/32");
	add_ok(s, "2001:db8:0:1::/64");
	add_ok(s, "2001:db8:0:1::5");
	add_ok(s, "2001:db8:0:1:8000::/65");
	assert_int_equal(ipset_count(s), 8);
	assert_true(has6(s, "2001:db8:0:1::5"));
	assert_true(has6(s, "2001:db8:0:1:8000::1"));
	assert_true(has6(s, "2001:db8:ffff::1"));
	assert_false(has6(s, "2001:db9::1"));
	ipset_free(s);
}

static void
test_families(void **state)
{
	struct ipset	*s = ipset_new();
	uint8_t		 a[16];

	(void)state;
	add_ok(s, "0.0.0.0/0");
	memset(a, 0, sizeof(a));
	assert_true(ipset_contains(s, 4, a));
	assert_false(ipset_contains(s, 6, a));
	memset(a, 0xff, sizeof(a));
	assert_false(ipset_contains(s, 6, a));
	ipset_free(s);

	s = ipset_new();
	add_ok(s, "::/0");
	assert_true(ipset_contains(s, 6, a));
	assert_false(ipset_contains(s, 4, a));
	ipset_free(s);

	/* The same leading bytes in both families. */
	s = ipset_new();
	add_ok(s, "10.0.0.0/8");
	add_ok(s, "a00::/8");
	assert_true(has4(s, "10.9.9.9"));
	assert_true(has6(s, "aff::1"));
	assert_false(has6(s, "::ffff:10.9.9.9"));
	assert_false(has4(s, "11.0.0.0"));
	ipset_free(s);
}

struct ref {
	int	ver;
	int	len;
	uint8_t	a[16];
};

/* The obvious way: does any entry's first len bits equal the address's? */
static int
ref_contains(const struct ref *r, size_t n, int ver, const uint8_t *a)
{
	size_t	i;
	int	full, rest;

	for (i = 0; i < n; i++) {
		if (r[i].ver != ver)
			continue;
		full = r[i].len / 8;
		rest = r[i].len % 8;
		if (memcmp(r[i].a, a, (size_t)full) != 0)
			continue;
		if (rest != 0 && ((r[i].a[full] ^ a[full]) &
		    (uint8_t)(0xff00 >> rest)) != 0)
			continue;
		return 1;
	}
	return 0;
}

static void
test_random_crosscheck(void **state)
{
	enum { NENT = 10000, NPROBE = 20000 };
	struct ref	*r = calloc(NENT, sizeof(*r));
	struct ipset	*s = ipset_new();
	uint8_t		 q[16];
	size_t		 i, j, hits = 0;
	int		 ver, b, max;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < NENT; i++) {
		r[i].ver = rng() % 5 < 3 ? 4 : 6;
		max = r[i].ver == 4 ? 32 : 128;
		/* Mostly long prefixes, a few short ones. */
		r[i].len = rng() % 500 == 0 ? (int)(rng() % (max + 1)) :
		    max / 4 + (int)(rng() % (max - max / 4 + 1));
		if (r[i].len < 3)
			r[i].len = 3;
		/* Few distinct high bytes, so prefixes overlap. */
		for (j = 0; j < 16; j++)
			r[i].a[j] = (uint8_t)rng();
		r[i].a[0] = (uint8_t)(rng() % 4);
		assert_int_equal(ipset_add(s, r[i].ver, r[i].a, r[i].len), 0);
	}
	for (i = 0; i < NPROBE; i++) {
		if (i % 2 == 0) {
			/* Near an entry: a random tail from a random bit. */
			j = rng() % NENT;
			ver = r[j].ver;
			max = ver == 4 ? 32 : 128;
			memcpy(q, r[j].a, sizeof(q));
			for (b = (int)(rng() % (unsigned)max); b < max; b++)
				if (rng() & 1)
					flip(q, b);
		} else {
			ver = rng() & 1 ? 4 : 6;
			for (j = 0; j < 16; j++)
				q[j] = (uint8_t)rng();
			q[0] = (uint8_t)(rng() % 8);
		}
		b = ipset_contains(s, ver, q);
		if (b != ref_contains(r, NENT, ver, q))
			fail_msg("probe %zu IPv%d: set says %d", i, ver, b);
		hits += (size_t)b;
	}
	/* Both outcomes were exercised. */
	print_message("%zu of %d probes hit\n", hits, NPROBE);
	assert_true(hits > NPROBE / 10);
	assert_true(hits < NPROBE - NPROBE / 10);
	ipset_free(s);
	free(r);
}

static void
test_file(void **state)
{
	static const char text[] =
	    "# indicator list\n"
	    "\n"
	    "10.0.0.1\n"
	    "  10.0.0.2  \n"
	    "10.0.0.3\r\n"
	    "\t10.1.0.0/16 # a trailing comment\r\n"
	    "fd00::/8#no space\n"
	    "   # indented comment\n"
	    "   \r\n"
	    "10.0.0.1\n"
	    "2001:db8::1";		/* no final newline */
	struct ipset	*s = ipset_new();
	char		 err[512] = "";

	(void)state;
	assert_int_equal(ipset_load_file(s, write_file(text,
	    sizeof(text) - 1), err, sizeof(err)), 6);
	unlink(path);
	assert_string_equal(err, "");
	assert_int_equal(ipset_count(s), 6);
	assert_true(has4(s, "10.0.0.3"));
	assert_true(has4(s, "10.1.9.9"));
	assert_true(has6(s, "fd12::1"));
	assert_true(has6(s, "2001:db8::1"));
	assert_false(has4(s, "10.0.0.4"));
	/* Loading the same file again adds nothing new. */
	assert_int_equal(ipset_load_file(s, write_file(text,
	    sizeof(text) - 1), err, sizeof(err)), 0);
	unlink(path);
	ipset_free(s);

	/* Empty and comment-only files are fine. */
	s = ipset_new();
	assert_int_equal(ipset_load_file(s, write_file("", 0), err,
	    sizeof(err)), 0);
	unlink(path);
	assert_int_equal(ipset_load_file(s, write_file("#\n#\n", 4), err,
	    sizeof(err)), 0);
	unlink(path);
	ipset_free(s);
}

/* Load text and expect err to be "PATH<suffix>". */
static void
load_fails(const char *text, size_t len, const char *suffix)
{
	struct ipset	*s = ipset_new();
	char		 err[512], want[512];

	assert_int_equal(ipset_load_file(s, write_file(text, len), err,
	    sizeof(err)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s%s", path, suffix);
	assert_string_equal(err, want);
	ipset_free(s);
}

#define LOAD_FAILS(lit, suffix) load_fails(lit, sizeof(lit) - 1, suffix)

static void
test_file_errors(void **state)
{
	char		*big;
	struct ipset	*s;
	char		 err[512];
	size_t		 n = 5000;

	(void)state;
	LOAD_FAILS("10.0.0.1\n# c\n\n10.0.0.0/33\n",
	    ":4: prefix length 33 out of range for IPv4");
	LOAD_FAILS("10.0.0.1\r\n\r\nbogus # comment\r\n",
	    ":3: bad address \"bogus\"");
	LOAD_FAILS("10.0.0.1 10.0.0.2\n",
	    ":1: bad address \"10.0.0.1 10.0.0.2\"");
	LOAD_FAILS("10.0.0.1\n10.0\0.0.2\n", ":2: NUL byte in line");
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "1.2.3.4\n#", 9);
	memset(big + 9, 'x', n - 9);
	load_fails(big, n, ":2: line longer than 4095 bytes");
	/* A long comment within the limit is fine. */
	s = ipset_new();
	big[4000] = '\n';
	assert_int_equal(ipset_load_file(s, write_file(big, 4001), err,
	    sizeof(err)), 1);
	unlink(path);
	free(big);

	assert_int_equal(ipset_load_file(s, "/nonexistent/ioc.txt", err,
	    sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/ioc.txt: cannot open: No such file or directory");
	assert_int_equal(ipset_load_file(s, "/tmp", err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: not a regular file");
	ipset_free(s);
}

/* What the list loader logged to stderr while loading text. */
static char *
load_logged(struct ipset *s, const char *text, long *n)
{
	static char	 logged[4096];
	char		 lpath[] = "/tmp/cg-ipset-log-XXXXXX", err[512];
	int		 lfd = mkstemp(lpath), saved = dup(2);
	ssize_t		 got;

	assert_true(lfd >= 0 && saved >= 0);
	dup2(lfd, 2);
	*n = ipset_load_file(s, write_file(text, strlen(text)), err,
	    sizeof(err));
	dup2(saved, 2);
	close(saved);
	unlink(path);
	got = pread(lfd, logged, sizeof(logged) - 1, 0);
	logged[got > 0 ? got : 0] = '\0';
	close(lfd);
	unlink(lpath);
	return logged;
}

/* Prefixes that make an indicator list match (nearly) everything. */
static void
test_too_wide(void **state)
{
	struct ipset	*s;
	char		 why[256], want[512];
	const char	*logged;
	long		 n;

	(void)state;
	assert_int_equal(ipset_too_wide("0.0.0.0/0", 8, 32, why,
	    sizeof(why)), 1);
	assert_string_equal(why, "0.0.0.0/0 is a /0, wider than "
	    "limits.list_min_prefix_v4 (/8): it covers 2^32 addresses, every "
	    "one there is");
	assert_int_equal(ipset_too_wide("::/0", 8, 32, why, sizeof(why)), 1);
	assert_string_equal(why, "::/0 is a /0, wider than "
	    "limits.list_min_prefix_v6 (/32): it covers 2^128 addresses, "
	    "every one there is");
	assert_int_equal(ipset_too_wide("10.0.0.0/7", 8, 32, why,
	    sizeof(why)), 1);
	assert_int_equal(ipset_too_wide("2001:db8::/31", 8, 32, why,
	    sizeof(why)), 1);
	assert_string_equal(why, "2001:db8::/31 is a /31, wider than "
	    "limits.list_min_prefix_v6 (/32): it covers 2^97 addresses");
	assert_int_equal(ipset_too_wide("10.0.0.0/8", 8, 32, why,
	    sizeof(why)), 0);
	assert_int_equal(ipset_too_wide("2001:db8::/32", 8, 32, why,
	    sizeof(why)), 0);
	assert_int_equal(ipset_too_wide("192.0.2.1", 8, 32, why,
	    sizeof(why)), 0);
	assert_int_equal(ipset_too_wide("::ffff:192.0.2.1", 8, 32, why,
	    sizeof(why)), 0);
	assert_int_equal(ipset_too_wide("10.0.0.0/8", 16, 32, why,
	    sizeof(why)), 1);

	/* A list file: loaded, with a warning naming FILE:LINE. */
	s = ipset_new();
	ipset_set_widest(s, 8, 32, 0);
	logged = load_logged(s, "192.0.2.1\n# wide\n0.0.0.0/0 # all\n"
	    "2001:db8::/32\n::/0\n", &n);
	assert_int_equal(n, 4);
	snprintf(want, sizeof(want), "canhgacd: %s:3: warning: 0.0.0.0/0 is a "
	    "/0, wider than limits.list_min_prefix_v4 (/8): it covers 2^32 "
	    "addresses, every one there is\ncanhgacd: %s:5: warning: ::/0 is "
	    "a /0, wider than limits.list_min_prefix_v6 (/32): it covers "
	    "2^128 addresses, every one there is\n", path, path);
	assert_string_equal(logged, want);
	ipset_free(s);
	/* Without limits set (a set not from a list file): no warning. */
	s = ipset_new();
	logged = load_logged(s, "0.0.0.0/0\n", &n);
	assert_int_equal(n, 1);
	assert_string_equal(logged, "");
	ipset_free(s);
}

/*
 * Entries each narrow enough that together cover more than a /8 would:
 * the 256 /8 halves of every IPv4 address, 512 /9s. Each address counted
 * once: nested entries, duplicates, and a /0 key of a wide length.
 */
/* n prefixes of length plen, one after another from base (an IPv4 /9
 * step is 2^23, an IPv6 /33 one 2^95: by family). */
static size_t
prefixes(char *text, size_t size, int v6, int n, int plen)
{
	size_t	off = 0;
	int	i;

	for (i = 0; i < n; i++)
		off += (size_t)(v6 ? snprintf(text + off, size - off,
		    "2001:%x:%x::/%d\n", 0xdb8 + i / 2, (i % 2) * 0x8000,
		    plen) : snprintf(text + off, size - off, "%d.%d.0.0/%d\n",
		    i / 2, (i % 2) * 128, plen));
	return off;
}

/* Load text as a fetched list (strict, /8 and /32): what the load
 * returned, the reason in err. */
static long
load_strict(const char *text, size_t len, char *err, size_t errlen)
{
	struct ipset	*s = ipset_new();
	long		 n;

	ipset_set_widest(s, 8, 32, 1);
	n = ipset_load_file(s, write_file(text, len), err, errlen);
	unlink(path);
	ipset_free(s);
	return n;
}

/*
 * Entries each narrow enough that together cover more than 16 /8s (a
 * /4): the 512 /9s of every IPv4 address. Each address counted once:
 * nested entries and duplicates.
 */
static void
test_too_wide_together(void **state)
{
	struct ipset	*s;
	char		 text[16384], err[512], want[512];
	const char	*logged;
	size_t		 off;
	long		 n;

	(void)state;
	off = prefixes(text, sizeof(text), 0, 512, 9);
	/* A fetched list (strict): refused, naming the file. */
	assert_int_equal(load_strict(text, off, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: its IPv4 entries together cover "
	    "256.0 times the addresses of a /8 (the widest prefix "
	    "limits.list_min_prefix_v4 lets an entry be); a list may cover "
	    "16 times that at most", path);
	assert_string_equal(err, want);
	/* A person's list: loaded, with a warning naming the file. */
	s = ipset_new();
	ipset_set_widest(s, 8, 32, 0);
	logged = load_logged(s, text, &n);
	assert_int_equal(n, 512);
	snprintf(want, sizeof(want), "canhgacd: %s: warning: its IPv4 entries "
	    "together cover 256.0 times the addresses of a /8 (the widest "
	    "prefix limits.list_min_prefix_v4 lets an entry be); a list may "
	    "cover 16 times that at most\n", path);
	assert_string_equal(logged, want);
	ipset_free(s);
	/* 33 /9s and a /24 beside them: just over 16 /8s. */
	off = prefixes(text, sizeof(text), 0, 33, 9);
	off += (size_t)snprintf(text + off, sizeof(text) - off,
	    "200.0.0.0/24\n");
	assert_int_equal(load_strict(text, off, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cover 16.5 times"));
	/* Exactly 16 /8s' worth, counted once though nested and repeated:
	 * loads, no warning. */
	off = prefixes(text, sizeof(text), 0, 32, 9);
	off += (size_t)snprintf(text + off, sizeof(text) - off,
	    "1.1.0.0/16\n1.128.3.4\n0.0.0.0/9\n15.200.0.0/10\n");
	assert_int_equal(load_strict(text, off, err, sizeof(err)), 32 + 3);
	/* IPv6: 33 /33s, 16.5 /32s; 32 /33s and a /40 inside one. */
	off = prefixes(text, sizeof(text), 1, 33, 33);
	assert_int_equal(load_strict(text, off, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "its IPv6 entries together cover 16.5 "
	    "times the addresses of a /32"));
	off = prefixes(text, sizeof(text), 1, 32, 33);
	off += (size_t)snprintf(text + off, sizeof(text) - off,
	    "2001:db8:100::/40\n");
	assert_int_equal(load_strict(text, off, err, sizeof(err)), 33);
}

static void
test_load_100k(void **state)
{
	enum { N = 100000 };
	FILE		*fp;
	struct stat	 st;
	struct ipset	*s = ipset_new();
	char		 err[512] = "";
	uint8_t		 a[4];
	uint32_t	 v;
	size_t		 i, hits = 0;
	int		 fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/cg-ipset-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "# 100k addresses\n");
	for (i = 0; i < N; i++) {
		/* An odd multiplier is a bijection: all distinct. */
		v = (uint32_t)(i * 2654435761U);
		fprintf(fp, "%u.%u.%u.%u\n", v >> 24, (v >> 16) & 0xff,
		    (v >> 8) & 0xff, v & 0xff);
	}
	fclose(fp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(ipset_load_file(s, path, err, sizeof(err)), N);
	unlink(path);
	assert_int_equal(ipset_count(s), N);
	assert_true(ipset_memory(s) <= 2 * (size_t)st.st_size);
	for (i = 0; i < N; i++) {
		v = (uint32_t)(i * 2654435761U);
		a[0] = (uint8_t)(v >> 24);
		a[1] = (uint8_t)(v >> 16);
		a[2] = (uint8_t)(v >> 8);
		a[3] = (uint8_t)v;
		assert_true(ipset_contains(s, 4, a));
		a[3] ^= 1;
		hits += (size_t)ipset_contains(s, 4, a);
	}
	/* Neighbours of entries are entries only by chance. */
	assert_true(hits < N / 100);
	ipset_free(s);
}

/* Hostile file content: random bytes and lines never crash the loader. */
static void
test_garbage(void **state)
{
	static const char	 pick[] = "0123456789abcdef.:/*#- \t\r\n\0\xff";
	struct ipset		*s;
	char			*buf, err[512];
	size_t			 n = 65536, i;
	int			 round;

	(void)state;
	buf = malloc(n);
	assert_non_null(buf);
	for (round = 0; round < 40; round++) {
		for (i = 0; i < n; i++)
			buf[i] = round % 2 ? (char)rng() :
			    pick[rng() % (sizeof(pick) - 1)];
		if (round % 4 == 1)
			for (i = 0; i < n; i++)
				if (buf[i] == '\0')
					buf[i] = '\n';
		s = ipset_new();
		err[0] = '\0';
		if (ipset_load_file(s, write_file(buf, n), err,
		    sizeof(err)) == -1)
			assert_true(strncmp(err, path, strlen(path)) == 0);
		unlink(path);
		ipset_free(s);
	}
	free(buf);
}

/*
 * A set that grows past the memory there is: the add fails with the
 * cause and the set can be freed (before, xcalloc_huge's fatal ended
 * the process: a reload's list loaded beside the running set's, or a
 * `list add`). The address space capped at what is mapped now and 16
 * MiB; not under the sanitizers, whose own mappings keep to no cap.
 */
static void
test_no_memory(void **state)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	struct ipset	*s = ipset_new();
	struct rlimit	 was, cap;
	char		 a[64], err[256], line[256];
	unsigned long long kb = 0;
	FILE		*fp;
	uint32_t	 i;
	int		 rc = 0;

	(void)state;
	assert_non_null(s);
	malloc_trim(0);
	assert_non_null(fp = fopen("/proc/self/status", "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	assert_true(kb > 0);
	assert_int_equal(getrlimit(RLIMIT_AS, &was), 0);
	cap = was;
	cap.rlim_cur = (rlim_t)(kb * 1024 + (16ULL << 20));
	assert_int_equal(setrlimit(RLIMIT_AS, &cap), 0);
	/* 4M addresses of 16 bytes: a table of 128 MiB, were there room. */
	for (i = 0; i < 4000000 && rc == 0; i++) {
		snprintf(a, sizeof(a), "2001:db8::%x:%x", i >> 16, i & 0xffff);
		rc = ipset_add_str(s, a, err, sizeof(err));
	}
	assert_int_equal(setrlimit(RLIMIT_AS, &was), 0);
	assert_int_equal(rc, -1);
	if (strstr(err, "no memory for the set at ") == NULL)
		fail_msg("%s", err);
	ipset_free(s);
#else
	(void)state;
	skip();
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_memory),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_add_api),
		cmocka_unit_test(test_every_length4),
		cmocka_unit_test(test_every_length6),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_random_crosscheck),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_too_wide),
		cmocka_unit_test(test_too_wide_together),
		cmocka_unit_test(test_load_100k),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
