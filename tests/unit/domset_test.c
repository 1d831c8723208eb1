/*
 * Domain sets: the subdomain rule, case and trailing dots, validation with
 * exact messages, hostile names, list files, a randomized cross-check
 * against a linear scan, and a 100k-entry load.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "domset.h"

static char	path[64];

static uint64_t	rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const char *
write_file(const char *text, size_t len)
{
	int	fd;

	snprintf(path, sizeof(path), "/tmp/cg-domset-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
add_ok(struct domset *s, const char *str)
{
	char	err[256] = "";

	if (domset_add(s, str, err, sizeof(err)) != 0)
		fail_msg("\"%s\": %s", str, err);
}

static void
test_match_rules(void **state)
{
	struct domset	*s = domset_new();

	(void)state;
	assert_false(domset_match(s, "example.com"));	/* empty set */
	add_ok(s, "example.com");
	assert_true(domset_match(s, "example.com"));
	assert_true(domset_match(s, "www.example.com"));
	assert_true(domset_match(s, "a.b.c.example.com"));
	assert_true(domset_match(s, "example.com."));
	assert_true(domset_match(s, "Www.EXAMPLE.Com"));
	assert_true(domset_match(s, "WWW.EXAMPLE.COM."));
	assert_false(domset_match(s, "badexample.com"));
	assert_false(domset_match(s, "xexample.com"));
	assert_false(domset_match(s, "com"));
	assert_false(domset_match(s, "example.co"));
	assert_false(domset_match(s, "example.com.evil.net"));
	assert_false(domset_match(s, "example.comx"));
	assert_false(domset_match(s, "example"));
	assert_false(domset_match(s, ""));
	assert_false(domset_match(s, "."));
	assert_false(domset_match(s, ".."));
	assert_false(domset_match(s, "example.com.."));
	/* Malformed names still match at their label boundaries. */
	assert_true(domset_match(s, ".example.com"));
	assert_true(domset_match(s, "a..example.com"));
	assert_true(domset_match(s, "\xff\x01.example.com"));
	assert_int_equal(domset_count(s), 1);

	add_ok(s, "co.uk");
	assert_true(domset_match(s, "bbc.co.uk"));
	assert_false(domset_match(s, "uk"));
	assert_false(domset_match(s, "xco.uk"));
	assert_int_equal(domset_count(s), 2);
	domset_free(s);
	domset_free(NULL);
}

static void
test_forms(void **state)
{
	struct domset	*s = domset_new();
	size_t		 m0 = domset_memory(s);

	(void)state;
	add_ok(s, "*.evil.org");
	assert_true(domset_match(s, "evil.org"));
	assert_true(domset_match(s, "x.evil.org"));
	add_ok(s, "trailing.net.");
	assert_true(domset_match(s, "trailing.net"));
	assert_true(domset_match(s, "a.trailing.net."));
	add_ok(s, "MiXeD.CaSe");
	assert_true(domset_match(s, "mixed.case"));
	assert_true(domset_match(s, "X.MIXED.CASE"));
	add_ok(s, "under_score-dash.x1");
	assert_true(domset_match(s, "a.under_score-dash.x1"));
	domset_free(s);

	s = domset_new();
	/* Duplicates in any spelling are one entry. */
	add_ok(s, "dup.example");
	add_ok(s, "DUP.example.");
	add_ok(s, "*.dup.example");
	assert_int_equal(domset_count(s), 1);
	assert_true(domset_memory(s) > m0);
	domset_free(s);
}

static void
test_validation(void **state)
{
	static const struct {
		const char	*in;
		const char	*msg;
	} cases[] = {
		{ "", "empty domain \"\"" },
		{ ".", "empty domain \".\"" },
		{ "*.", "empty domain \"*.\"" },
		{ "a..b", "empty label in \"a..b\"" },
		{ ".a", "empty label in \".a\"" },
		{ "a.b..", "empty label in \"a.b..\"" },
		{ "a b", "bad character \\x20 in \"a b\"" },
		{ "ex*ample.com", "bad character '*' in \"ex*ample.com\"" },
		{ "*", "bad character '*' in \"*\"" },
		{ "a.*.b", "bad character '*' in \"a.*.b\"" },
		{ "*.*.x", "bad character '*' in \"*.*.x\"" },
		{ "http://x", "bad character ':' in \"http://x\"" },
		{ "a'b", "bad character \\x27 in \"a'b\"" },
		{ "a\"b", "bad character '\"' in \"a\\\"b\"" },
		{ "ex\xc3\xa4mple.vn",
		    "bad character \\xc3 in \"ex\\xc3\\xa4mple.vn\"" },
		{ "tab\there", "bad character \\x09 in \"tab\\x09here\"" },
	};
	struct domset	*s = domset_new();
	char		 err[512], name[300], want[512];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(domset_add(s, cases[i].in, err, sizeof(err)),
		    -1);
		if (strcmp(err, cases[i].msg) != 0)
			fail_msg("\"%s\": got '%s' want '%s'", cases[i].in,
			    err, cases[i].msg);
	}

	/* Labels: 63 bytes is the most. */
	memset(name, 'a', 63);
	strcpy(name + 63, ".vn");
	add_ok(s, name);
	memset(name, 'b', 64);
	strcpy(name + 64, ".vn");
	assert_int_equal(domset_add(s, name, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "label longer than 63 bytes in "
	    "\"%.64s...\"", name);
	assert_string_equal(err, want);

	/* Names: 253 bytes is the most (a trailing dot aside). */
	for (i = 0; i < 252; i += 2)
		memcpy(name + i, "c.", 2);
	name[252] = 'c';
	name[253] = '\0';
	add_ok(s, name);
	name[253] = '.';
	name[254] = '\0';
	add_ok(s, name);
	assert_true(domset_match(s, name));
	name[253] = 'd';
	assert_int_equal(domset_add(s, name, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "domain \"%.64s...\" longer than 253 "
	    "bytes", name);
	assert_string_equal(err, want);

	/* A tiny error buffer is never overrun. */
	assert_int_equal(domset_add(s, "a..b", err, 6), -1);
	assert_int_equal(strlen(err), 5);
	assert_int_equal(domset_count(s), 2);
	domset_free(s);
}

static void
test_long_names(void **state)
{
	struct domset	*s = domset_new();
	char		*name;
	size_t		 n = 5000, i;

	(void)state;
	name = malloc(n + 1);
	assert_non_null(name);
	add_ok(s, "a");
	/* 127 labels in 253 bytes: every suffix is probed. */
	for (i = 0; i < 252; i += 2)
		memcpy(name + i, "b.", 2);
	memcpy(name + 252, "a", 2);
	assert_true(domset_match(s, name));
	name[252] = 'b';
	assert_false(domset_match(s, name));

	/* Longer than any entry: the tail still decides. */
	memset(name, 'x', n);
	name[n] = '\0';
	assert_false(domset_match(s, name));
	name[n - 2] = '.';
	assert_false(domset_match(s, name));
	name[n - 1] = 'a';
	assert_true(domset_match(s, name));
	add_ok(s, "evil.com");
	memcpy(name + n - 9, ".evil.com", 9);
	assert_true(domset_match(s, name));
	name[n - 9] = 'x';
	assert_false(domset_match(s, name));

	/* A 253-byte entry under a longer name. */
	for (i = 0; i < 252; i += 2)
		memcpy(name + i, "e.", 2);
	name[252] = 'e';
	name[253] = '\0';
	add_ok(s, name);
	memmove(name + 2, name, 254);
	memcpy(name, "z.", 2);
	assert_true(domset_match(s, name));
	memcpy(name, "zz", 2);
	assert_false(domset_match(s, name));
	free(name);
	domset_free(s);
}

static void
test_file(void **state)
{
	static const char text[] =
	    "# indicator domains\n"
	    "\n"
	    "evil.example\n"
	    "  Bad.Example  \r\n"
	    "*.wild.example # trailing comment\r\n"
	    "dot.example.#comment\n"
	    "\t\t# indented comment\n"
	    "evil.example\n"
	    "last.example";	/* no final newline */
	struct domset	*s = domset_new();
	char		 err[512] = "";

	(void)state;
	assert_int_equal(domset_load_file(s, write_file(text,
	    sizeof(text) - 1), err, sizeof(err)), 5);
	unlink(path);
	assert_string_equal(err, "");
	assert_int_equal(domset_count(s), 5);
	assert_true(domset_match(s, "x.evil.example"));
	assert_true(domset_match(s, "bad.example"));
	assert_true(domset_match(s, "a.wild.example"));
	assert_true(domset_match(s, "dot.example"));
	assert_true(domset_match(s, "last.example"));
	assert_false(domset_match(s, "example"));
	/* The arena is trimmed: memory stays near the file size. */
	assert_true(domset_memory(s) < 1024);
	/* Again: nothing new, and the set still works after growth. */
	assert_int_equal(domset_load_file(s, write_file(text,
	    sizeof(text) - 1), err, sizeof(err)), 0);
	unlink(path);
	add_ok(s, "later.example");
	assert_true(domset_match(s, "later.example"));
	assert_true(domset_match(s, "evil.example"));
	domset_free(s);

	s = domset_new();
	assert_int_equal(domset_load_file(s, write_file("", 0), err,
	    sizeof(err)), 0);
	unlink(path);
	assert_false(domset_match(s, "x"));
	domset_free(s);
}

static void
load_fails(const char *text, size_t len, const char *suffix)
{
	struct domset	*s = domset_new();
	char		 err[512], want[512];

	assert_int_equal(domset_load_file(s, write_file(text, len), err,
	    sizeof(err)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s%s", path, suffix);
	assert_string_equal(err, want);
	domset_free(s);
}

#define LOAD_FAILS(lit, suffix) load_fails(lit, sizeof(lit) - 1, suffix)

static void
test_file_errors(void **state)
{
	struct domset	*s = domset_new();
	char		 err[512], *big;
	size_t		 n = 5000;

	(void)state;
	LOAD_FAILS("ok.example\n# c\n\nbad..example\n",
	    ":4: empty label in \"bad..example\"");
	LOAD_FAILS("ok.example\r\n\r\nhttp://x.example/ # c\r\n",
	    ":3: bad character ':' in \"http://x.example/\"");
	LOAD_FAILS("a.example b.example\n",
	    ":1: bad character \\x20 in \"a.example b.example\"");
	LOAD_FAILS("a.example\nb.exa\0mple\n", ":2: NUL byte in line");
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "a.example\n", 10);
	memset(big + 10, 'x', n - 10);
	load_fails(big, n, ":2: line longer than 4095 bytes");
	free(big);
	assert_int_equal(domset_load_file(s, "/nonexistent/dom.txt", err,
	    sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/dom.txt: cannot open: No such file or directory");
	assert_int_equal(domset_load_file(s, "/tmp", err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: not a regular file");
	domset_free(s);
}

/* A random name over a tiny alphabet, so names and entries collide. */
static void
rand_name(char *buf, int maxlabels, int upper)
{
	int	labels = 1 + (int)(rng() % (unsigned)maxlabels), i, j, n;
	size_t	o = 0;

	for (i = 0; i < labels; i++) {
		if (i > 0)
			buf[o++] = '.';
		n = 1 + (int)(rng() % 2);
		for (j = 0; j < n; j++) {
			buf[o] = (char)('a' + rng() % 3);
			if (upper && rng() % 3 == 0)
				buf[o] = (char)toupper((unsigned char)buf[o]);
			o++;
		}
	}
	buf[o] = '\0';
}

/* The obvious way: name equals an entry or ends in "." + entry. */
static int
ref_match(char (*ents)[32], size_t n, const char *name)
{
	char	low[64];
	size_t	i, ln, le;

	for (i = 0; name[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	ln = i;
	for (i = 0; i < n; i++) {
		le = strlen(ents[i]);
		if (le > ln || strcmp(low + ln - le, ents[i]) != 0)
			continue;
		if (le == ln || low[ln - le - 1] == '.')
			return 1;
	}
	return 0;
}

static void
test_random_crosscheck(void **state)
{
	enum { NENT = 1000, NPROBE = 20000 };
	char		(*ents)[32] = calloc(NENT, 32);
	struct domset	*s = domset_new();
	char		 name[64];
	size_t		 i, hits = 0;
	int		 m;

	(void)state;
	assert_non_null(ents);
	for (i = 0; i < NENT; i++) {
		/* Entries of 2 to 4 labels; names of 1 to 6. */
		do
			rand_name(ents[i], 4, 0);
		while (strchr(ents[i], '.') == NULL);
		add_ok(s, ents[i]);
	}
	assert_true(domset_count(s) <= NENT);
	for (i = 0; i < NPROBE; i++) {
		rand_name(name, 6, 1);
		m = domset_match(s, name);
		if (m != ref_match(ents, NENT, name))
			fail_msg("\"%s\": set says %d", name, m);
		hits += (size_t)m;
	}
	print_message("%zu distinct entries, %zu of %d probes hit\n",
	    domset_count(s), hits, NPROBE);
	assert_true(hits > NPROBE / 10);
	assert_true(hits < NPROBE - NPROBE / 10);
	domset_free(s);
	free(ents);
}

static void
test_load_100k(void **state)
{
	enum { N = 100000 };
	FILE		*fp;
	struct stat	 st;
	struct domset	*s = domset_new();
	char		 err[512] = "", name[128];
	size_t		 i;
	int		 fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/cg-domset-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "# 100k domains\n");
	for (i = 0; i < N; i++)
		fprintf(fp, "h%zx.zone%zu.example\n", i * 2654435761U,
		    i % 97);
	fclose(fp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(domset_load_file(s, path, err, sizeof(err)), N);
	unlink(path);
	assert_int_equal(domset_count(s), N);
	assert_true(domset_memory(s) <= 2 * (size_t)st.st_size);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "WWW.h%zx.zone%zu.example",
		    i * 2654435761U, i % 97);
		assert_true(domset_match(s, name));
		snprintf(name, sizeof(name), "h%zx.zone%zu.example",
		    i * 2654435761U + 1, i % 97);
		assert_false(domset_match(s, name + 1));
	}
	domset_free(s);
}

/* Hostile file content: random bytes and lines never crash the loader. */
static void
test_garbage(void **state)
{
	static const char	 pick[] = "0123456789abcdef.:/*#- \t\r\n\0\xff";
	struct domset		*s;
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
		s = domset_new();
		err[0] = '\0';
		if (domset_load_file(s, write_file(buf, n), err,
		    sizeof(err)) == -1)
			assert_true(strncmp(err, path, strlen(path)) == 0);
		unlink(path);
		domset_free(s);
	}
	free(buf);
}

/*
 * Public suffixes (libpsl's list, ICANN and private sections): an
 * indicator list holding one matches every domain under it. An unknown
 * single label (an internal zone) is not one.
 */
static void
test_public_suffix(void **state)
{
	static const char *const yes[] = {
		"com", "COM.", "*.com", "co.uk", "vn", "gov.vn", "github.io",
	};
	static const char *const no[] = {
		"example.com", "evil.co.uk", "corp", "internal.corp",
		"user.github.io", "bank.gov.vn",
	};
	char	why[256];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (domset_public_suffix(yes[i], why, sizeof(why)) != 1)
			fail_msg("%s: not taken for a public suffix", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (domset_public_suffix(no[i], why, sizeof(why)) != 0)
			fail_msg("%s: taken for a public suffix: %s", no[i],
			    why);
	assert_int_equal(domset_public_suffix("*.CO.UK.", why, sizeof(why)),
	    1);
	assert_string_equal(why, "co.uk is a public suffix: it matches every "
	    "domain registered under it");
}

/* A fetched list (strict) holding one label: refused; a person's own
 * list may name an internal zone that way. */
static void
test_single_label(void **state)
{
	static const char *const one[] = {
		"local", "LAN.", "*.internal", "corp",
	};
	struct domset	*s;
	char		 text[64], err[512], want[512];
	size_t		 i;
	int		 n;

	(void)state;
	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		n = snprintf(text, sizeof(text), "bad.example\n%s\n", one[i]);
		s = domset_new();
		domset_warn_suffixes(s, 1);
		assert_int_equal(domset_load_file(s, write_file(text,
		    (size_t)n), err, sizeof(err)), -1);
		unlink(path);
		snprintf(want, sizeof(want), "%s:2: %s is a single label: it "
		    "matches every name in that zone", path, one[i]);
		assert_string_equal(err, want);
		domset_free(s);
		s = domset_new();
		domset_warn_suffixes(s, 0);
		assert_int_equal(domset_load_file(s, write_file(text,
		    (size_t)n), err, sizeof(err)), 2);
		unlink(path);
		assert_true(domset_match(s, "host.corp.local") ||
		    domset_match(s, "x.lan") || domset_match(s, "a.internal")
		    || domset_match(s, "a.corp"));
		domset_free(s);
	}
	/* Two labels and more still load in a fetched list. */
	s = domset_new();
	domset_warn_suffixes(s, 1);
	assert_int_equal(domset_load_file(s, write_file("evil.corp\n"
	    "a.b.local\n", 20), err, sizeof(err)), 2);
	unlink(path);
	domset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_rules),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_public_suffix),
		cmocka_unit_test(test_single_label),
		cmocka_unit_test(test_random_crosscheck),
		cmocka_unit_test(test_load_100k),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
