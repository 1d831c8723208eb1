/*
 * The starring of credentials in payload excerpts (alert.c) across the
 * pieces of a TCP direction: a piece that begins inside them, the
 * header's name or scheme, a folded line, a URL's "://" or userinfo, is
 * starred from where the piece before left off (alert_cred_advance),
 * as the whole stream scanned at once would be; and so is an excerpt
 * that begins with bytes a match carried over (alert_cred_hide's cut).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alert.h"

#define MAXS	256

/* The excerpt of piece p (n bytes) from state st, its bytes outside
 * printable ASCII as '.' as alert.c writes it; the state after it. */
static uint8_t
excerpt(char *ex, const uint8_t *p, size_t n, uint8_t st)
{
	size_t	i;

	for (i = 0; i < n; i++)
		ex[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	ex[n] = '\0';
	alert_cred_hide(ex, n, p, n, 0, st);
	alert_cred_advance(&st, p, n);
	return st;
}

/* Whether ex holds 4 characters of secret in a row. */
static int
leaks(const char *ex, size_t n, const char *secret)
{
	size_t	i, j, l = strlen(secret);

	for (i = 0; i + 4 <= l; i++)
		for (j = 0; j + 4 <= n; j++)
			if (memcmp(ex + j, secret + i, 4) == 0)
				return 1;
	return 0;
}

/*
 * Each place cut at every position of its secret into two pieces, and
 * sent a byte a piece: no excerpt holds 4 characters of it in a row.
 */
static void
test_every_cut(void **state)
{
	static const char *const b64 = "dXNlcjpwYXNzd29yZA==", *const pw =
	    "s3cretpw";
	static const struct {
		const char *head, *secret, *tail;
	} place[] = {
		{ "GET /a HTTP/1.1\r\nHost: h\r\n",
		  "Authorization: Basic dXNlcjpwYXNzd29yZA==", "\r\n\r\n" },
		{ "GET /f HTTP/1.1\r\nHost: h\r\n",
		  "Authorization: Basic\r\n dXNlcjpwYXNzd29yZA==", "\r\n\r\n" },
		{ "GET /p HTTP/1.1\r\n",
		  "Proxy-Authorization:\tBasic dXNlcjpwYXNzd29yZA==", "\r\n\r\n" },
		{ "GET ", "http://user:s3cretpw@host/", " HTTP/1.1\r\n\r\n" },
		{ "GET /r HTTP/1.1\r\nReferer: ", "http://user:s3cretpw@host/",
		  "\r\n\r\n" },
		{ "u=", "http://user:s3cretpw@host/", "&x=1" },
	};
	char		 ex[MAXS + 1], buf[MAXS];
	size_t		 i, cut, k, n, h, at;
	uint8_t		 st;

	(void)state;
	for (i = 0; i < sizeof(place) / sizeof(place[0]); i++) {
		const char *secret = strchr(place[i].secret, ':') ==
		    place[i].secret + 4 ? pw : b64;

		h = strlen(place[i].head);
		n = (size_t)snprintf(buf, sizeof(buf), "%s%s%s", place[i].head,
		    place[i].secret, place[i].tail);
		for (cut = h; cut <= h + strlen(place[i].secret); cut++) {
			st = excerpt(ex, (const uint8_t *)buf, cut, 0);
			assert_false(leaks(ex, cut, secret));
			(void)excerpt(ex, (const uint8_t *)buf + cut, n - cut, st);
			if (leaks(ex, n - cut, secret))
				fail_msg("%s cut at %zu: %s", place[i].secret,
				    cut - h, ex);
		}
		/* A byte a piece: each one of the secret starred. */
		at = h + (size_t)(strstr(place[i].secret, secret) -
		    place[i].secret);
		for (k = 0, st = 0; k < n; k++) {
			st = excerpt(ex, (const uint8_t *)buf + k, 1, st);
			if (k >= at && k < at + strlen(secret) && ex[0] != '*')
				fail_msg("%s a byte a piece: byte %zu in clear",
				    place[i].secret, k - h);
		}
	}
}

static const char *const words[] = { "Authorization:", "authorization: ",
	"Basic ", "dXNl", "\r\n", "\r", "\n", " ", "\t", "://", "http",
	"user", ":", "@", "/", "pw", "x", "Proxy-", "A", "a", "n", "?", "#",
	"\r\n ", "\r\n\t", "z", "\x7f" };

/* Random text of the words above into s; its length. */
static size_t
random_text(uint8_t *s)
{
	size_t	n = 0, l;
	int	parts = 1 + rand() % 14, j;

	for (j = 0; j < parts; j++) {
		const char *w = words[(size_t)rand() %
		    (sizeof(words) / sizeof(words[0]))];

		l = strlen(w);
		if (n + l > MAXS)
			break;
		memcpy(s + n, w, l);
		n += l;
	}
	return n;
}

/*
 * Random text cut in three pieces: every character the whole text's
 * excerpt stars, the pieces' excerpts star too, and the state after the
 * pieces is the state after the whole.
 */
static void
test_pieces_agree(void **state)
{
	uint8_t		s[MAXS], st, whole_st;
	char		whole[MAXS + 1], ex[MAXS + 1];
	size_t		n, cuts[4], k, i;
	int		it;

	(void)state;
	srand(1);
	for (it = 0; it < 200000; it++) {
		if ((n = random_text(s)) < 2)
			continue;
		(void)excerpt(whole, s, n, 0);
		cuts[0] = 0;
		cuts[1] = 1 + (size_t)rand() % (n - 1);
		cuts[2] = cuts[1] + (size_t)rand() % (n - cuts[1]);
		cuts[3] = n;
		for (k = 0, st = 0; k < 3; k++) {
			if (cuts[k + 1] == cuts[k])
				continue;
			st = excerpt(ex, s + cuts[k], cuts[k + 1] - cuts[k], st);
			for (i = cuts[k]; i < cuts[k + 1]; i++)
				if (whole[i] == '*' && ex[i - cuts[k]] != '*')
					fail_msg("iteration %d: byte %zu in clear",
					    it, i);
			whole_st = 0;
			alert_cred_advance(&whole_st, s, cuts[k + 1]);
			assert_int_equal(st, whole_st);
		}
	}
}

/*
 * An excerpt that begins with x bytes carried from the piece before
 * (a match spanning the cut): every character the whole text's excerpt
 * stars is starred in it too.
 */
static void
test_carried_agree(void **state)
{
	uint8_t		s[MAXS], st;
	char		whole[MAXS + 1], ex[MAXS + 1];
	size_t		n, a, x, i;
	int		it;

	(void)state;
	srand(2);
	for (it = 0; it < 200000; it++) {
		if ((n = random_text(s)) < 3)
			continue;
		(void)excerpt(whole, s, n, 0);
		a = 1 + (size_t)rand() % (n - 1);
		x = 1 + (size_t)rand() % a;
		st = 0;
		alert_cred_advance(&st, s, a);
		memset(ex, '.', n);
		alert_cred_hide(ex, n - (a - x), s + a - x, n - (a - x), x, st);
		for (i = a - x; i < n; i++)
			if (whole[i] == '*' && ex[i - (a - x)] != '*')
				fail_msg("iteration %d: byte %zu in clear", it, i);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_pieces_agree),
		cmocka_unit_test(test_carried_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
