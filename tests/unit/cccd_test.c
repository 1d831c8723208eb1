/*
 * cccd.c: citizen-ID numbers cut by a fixed buffer or a segment edge.
 * A writer (jsonw.c) masks only whole numbers, so a field cut inside one
 * used to go out with up to 11 of its 12 digits in clear. Every cut of a
 * number, at its end, its start or both, must leave no more than three
 * of its digits in a row after the writer's masking; runs that cannot be
 * a number's part are left alone.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cccd.h"

/* Valid province (079), century digit 1: a number the rule applies to. */
#define NUMBER	"079123456703"

/* Does s hold four or more of NUMBER's digits in a row, in clear? */
static int
leaks(const char *s)
{
	char	part[5];
	size_t	i;

	for (i = 0; i + 4 <= strlen(NUMBER); i++) {
		memcpy(part, NUMBER + i, 4);
		part[4] = '\0';
		if (strstr(s, part) != NULL)
			return 1;
	}
	return 0;
}

/* A field copied into buffers of every size: its number cut at each digit. */
static void
test_copy_cut_tail(void **state)
{
	const char	*text = "GET /tra-cuu?so_cccd=" NUMBER "&x=1";
	size_t		 len = strlen(text), size, m;
	char		 dst[128];

	(void)state;
	for (size = 1; size <= len + 1; size++) {
		memset(dst, 'x', sizeof(dst));
		m = cccd_copy_text(dst, size, (const uint8_t *)text, len, '?');
		assert_int_equal(m, size - 1 < len ? size - 1 : len);
		assert_int_equal(dst[m], '\0');
		assert_memory_equal(dst, text, m > 21 ? 21 : m);
		(void)cccd_mask(dst, m);
		if (leaks(dst))
			fail_msg("cut at %zu: %s", m, dst);
	}
	/* Whole, it is the writer's to mask. */
	m = cccd_copy_text(dst, sizeof(dst), (const uint8_t *)text, len, '?');
	assert_string_equal(dst, text);
	assert_int_equal(cccd_mask(dst, m), 1);
	assert_string_equal(dst, "GET /tra-cuu?so_cccd=079*******03&x=1");
}

/* A segment that begins inside a number, ends inside one, or both. */
static void
test_cut_head_and_both(void **state)
{
	char	s[64];
	size_t	k, j, n = strlen(NUMBER);

	(void)state;
	for (k = 0; k < n; k++) {
		snprintf(s, sizeof(s), "%s&x=1", NUMBER + k);
		cccd_mask_cut(s, strlen(s), 1, 0);
		(void)cccd_mask(s, strlen(s));
		if (leaks(s))
			fail_msg("head from %zu: %s", k, s);
		for (j = k + 1; j <= n; j++) {
			memcpy(s, NUMBER + k, j - k);
			s[j - k] = '\0';
			cccd_mask_cut(s, j - k, 1, 1);
			(void)cccd_mask(s, j - k);
			if (leaks(s))
				fail_msg("digits %zu..%zu: %s", k, j, s);
		}
	}
	/* The last two digits stay, as the writer's masking leaves them. */
	snprintf(s, sizeof(s), "%s;", NUMBER + 4);
	cccd_mask_cut(s, strlen(s), 1, 0);
	assert_string_equal(s, "******03;");
}

/* in, cut at the edges asked, reads want. */
static void
check_cut(const char *in, int head, int tail, const char *want)
{
	char	s[64];

	snprintf(s, sizeof(s), "%s", in);
	cccd_mask_cut(s, strlen(s), head, tail);
	assert_string_equal(s, want);
}

/* What cannot be part of a number stays as it is. */
static void
test_cut_leaves_others(void **state)
{
	char	s[16];

	(void)state;
	/* Not a province's start (978), or a century digit past 3. */
	check_cut("Content-Length: 9784", 0, 1, "Content-Length: 9784");
	check_cut("id=0794", 0, 1, "id=0794");
	check_cut("id=0791", 0, 1, "id=079*");
	/* Three digits tell no more than a masked number. */
	check_cut("id=079", 0, 1, "id=079");
	check_cut("220 ready", 1, 1, "220 ready");
	check_cut("2205 ready", 1, 0, "**05 ready");
	/* Twelve kept and more after: a run of 13 or more is no number. */
	check_cut("x=9791234567030", 0, 1, "x=9791234567030");
	/* A cut on no digit: a copy as it was. */
	assert_int_equal(cccd_copy_text(s, 8, (const uint8_t *)"ab0791\x01x",
	    8, '?'), 7);
	assert_string_equal(s, "ab0791?");
	assert_int_equal(cccd_copy_text(s, 0, (const uint8_t *)"ab", 2, '?'),
	    0);
}

/* in, its runs after escapes masked (cut: cut at its end), reads want. */
static void
check_escaped(const char *in, int cut, const char *want)
{
	char	s[64];

	snprintf(s, sizeof(s), "%s", in);
	cccd_mask_escaped(s, strlen(s), cut);
	assert_string_equal(s, want);
}

/*
 * After an escape whose last character is a digit, the writer sees the
 * escape's digits and the number's as one run, too long to be one.
 */
static void
test_escaped(void **state)
{
	(void)state;
	/* DNS names' \xHH, OpenSSL's \HH, and '\' before a character. */
	check_escaped("a\\x10" NUMBER ".vn", 0, "a\\x10079*******03.vn");
	check_escaped("CN=\\10" NUMBER, 0, "CN=\\10079*******03");
	check_escaped("O=x\\," NUMBER, 0, "O=x\\,079*******03");
	check_escaped("\\x01" NUMBER "\\x20" NUMBER, 0,
	    "\\x01079*******03\\x20079*******03");
	/* An escaped '\' before digits: those are the text's own, 14. */
	check_escaped("\\\\10" NUMBER, 0, "\\\\10" NUMBER);
	/* Not a number: 13 digits, a century digit past 3. */
	check_escaped("\\x10" NUMBER "4", 0, "\\x10" NUMBER "4");
	check_escaped("\\x10079923456703", 0, "\\x10079923456703");
	/* Cut after an escape: its kept part masked as a cut number's. */
	check_escaped("\\x200791234", 1, "\\x20079****");
	check_escaped("\\x200791234", 0, "\\x200791234");
	check_escaped("\\1", 1, "\\1");
	check_escaped("\\", 1, "\\");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_cut_tail),
		cmocka_unit_test(test_cut_head_and_both),
		cmocka_unit_test(test_cut_leaves_others),
		cmocka_unit_test(test_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
