/*
 * Payload rules across the pieces of a TCP direction (pmatch.c), with
 * the shipped citizen-ID pattern: a number cut across pieces matches
 * once, at the piece that completes it; min_count counts over the
 * pieces and starts again after a match; one byte a piece; 12|1 and
 * 1|12 cuts of a 13-digit run are no match (lookahead and lookbehind
 * across the boundary); lost data drops the carry; a piece over 64 KiB
 * after a carry; the pool's cap (oldest slot evicted, counted), a new
 * rule-set generation, and the flow's end release every slot.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "flow.h"
#include "pmatch.h"

/* rules/data-leak.yaml's pattern. */
#define CCCD "(?<![0-9])(?:001|002|004|006|008|010|011|012|014|015|017|019|" \
	"020|022|024|025|026|027|030|031|033|034|035|036|037|038|040|042|044|" \
	"045|046|048|049|051|052|054|056|058|060|062|064|066|067|068|070|072|" \
	"074|075|077|079|080|082|083|084|086|087|089|091|092|093|094|095|096)" \
	"(?:[01][1-9][0-9]|[23][0-2][0-9])[0-9]{6}(?![0-9])"

static pcre2_match_data	*md;
static pcre2_code	*re;
static struct pmatch_rule rule;
static struct pmatch	*pm;
static uint32_t		 gen = 1;

static int
setup(void **state)
{
	int		ec;
	PCRE2_SIZE	off;
	uint32_t	lb = 0;

	(void)state;
	re = pcre2_compile((PCRE2_SPTR)CCCD, PCRE2_ZERO_TERMINATED,
	    PCRE2_DOTALL, &ec, &off, NULL);
	assert_non_null(re);
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
	(void)pcre2_pattern_info(re, PCRE2_INFO_MAXLOOKBEHIND, &lb);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rule.key = &rule;
	rule.re = re;
	rule.min = 1;
	rule.lookbehind = (uint16_t)lb;
	rule.empty_partial = pcre2_match(re, (PCRE2_SPTR)"", 0, 0,
	    PCRE2_PARTIAL_HARD, md, NULL) == PCRE2_ERROR_PARTIAL;
	assert_int_equal(rule.lookbehind, 1);
	pm = pmatch_new(1 << 20);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pmatch_free(pm);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return 0;
}

static int
scan(struct flow *f, const char *s)
{
	return pmatch_scan(pm, f, 0, gen, &rule, (const uint8_t *)s,
	    strlen(s), 1, md, NULL);
}

/* The pieces one by one: the results as a string of digits. */
static void
pieces(struct flow *f, const char *want, ...)
{
	char		 got[64];
	const char	*p;
	size_t		 n = 0;
	va_list		 ap;

	va_start(ap, want);
	while ((p = va_arg(ap, const char *)) != NULL && n < sizeof(got) - 1)
		got[n++] = (char)('0' + scan(f, p));
	va_end(ap);
	got[n] = '\0';
	assert_string_equal(got, want);
}

static void
flow_init(struct flow *f, uint32_t hash)
{
	memset(f, 0, sizeof(*f));
	f->hash = hash;
}

static void
test_split(void **state)
{
	struct flow	f;
	uint64_t	across = pmatch_counter(pm, PMC_ACROSS);
	const uint8_t	*v;
	size_t		 n, cut, from;

	(void)state;
	flow_init(&f, 1);
	rule.min = 1;
	pieces(&f, "01", "ho_so=001090", "012345&x", NULL);
	assert_int_equal(pmatch_counter(pm, PMC_ACROSS), across + 1);
	/* The excerpt starts before the number: it shows whole. Its first
	 * 7 bytes were carried, the rest is the piece from its start. */
	assert_true(pmatch_view(pm, &rule, &v, &n, &cut, &from));
	assert_true(n >= 13);
	assert_memory_equal(v, "=001090012345", 13);
	assert_int_equal(cut, 7);
	assert_int_equal(from, 0);
	assert_int_equal(f.pm_slots, 0);
	/* One number in one piece: no carried view for the excerpt. */
	pieces(&f, "1", "a 079195012346 b", NULL);
	assert_false(pmatch_view(pm, &rule, &v, &n, NULL, NULL));
	pmatch_flow_release(pm, &f);
}

static void
test_count(void **state)
{
	struct flow	f;

	(void)state;
	flow_init(&f, 2);
	rule.min = 3;
	/* Three numbers in three pieces, each cut: one match, at the third. */
	pieces(&f, "0001", "a=001090012", "345&b=0791950", "12346&c=048201",
	    "012347&d", NULL);
	assert_int_equal(f.pm_slots, 0);
	/* The count starts again after the match. */
	pieces(&f, "001", "x 001090012345 ", "079195012346 ",
	    "048201012347 ", NULL);
	/* Six in one piece: one match (the piece's alert covers them). */
	pieces(&f, "1", "001090012345 079195012346 048201012347 001090012345 "
	    "079195012346 048201012347 ", NULL);
	assert_int_equal(f.pm_slots, 0);
	rule.min = 1;
}

static void
test_onebyte(void **state)
{
	const char	*s = "id=079195012346;";
	struct flow	f;
	char		 b[2] = { 0, 0 };
	int		 hits = 0, at = -1;
	size_t		 i;

	(void)state;
	flow_init(&f, 3);
	for (i = 0; i < strlen(s); i++) {
		b[0] = s[i];
		if (scan(&f, b) == 1) {
			hits++;
			at = (int)i;
		}
	}
	assert_int_equal(hits, 1);
	assert_int_equal(at, 15);	/* the lookahead needs the ';' */
	assert_int_equal(f.pm_slots, 0);
}

static void
test_boundaries(void **state)
{
	struct flow	f;

	(void)state;
	flow_init(&f, 4);
	/* 12|1: the 12 digits at the end of a piece wait for the next. */
	pieces(&f, "00", "a 001090012345", "6 b", NULL);
	/* 1|12: the digit before the boundary is carried for the lookbehind. */
	pieces(&f, "00", "a 5", "001090012345 b", NULL);
	assert_int_equal(f.pm_slots, 0);
	/* A non-digit before the boundary: no state kept, a match. */
	pieces(&f, "01", "a ", "001090012345 b", NULL);
	assert_int_equal(f.pm_slots, 0);
	/* A number at the end of a piece, completed by a non-digit. */
	pieces(&f, "01", "a 001090012345", " b", NULL);
	/* A longer run cut in three: still no match. */
	pieces(&f, "000", "7001", "0900123", "456 ", NULL);
	assert_int_equal(f.pm_slots, 0);
}

static void
test_gap_and_end(void **state)
{
	struct flow	f;

	(void)state;
	flow_init(&f, 5);
	/* Lost data between the halves: no match across the hole. */
	pieces(&f, "0", "a 0010900", NULL);
	assert_int_equal(f.pm_slots, 1);
	pmatch_gap(pm, &f, 0);
	assert_int_equal(f.pm_slots, 0);
	pieces(&f, "0", "12345 b", NULL);
	/* The rule's max_bytes ends the direction: nothing is carried. */
	assert_int_equal(pmatch_scan(pm, &f, 0, gen, &rule,
	    (const uint8_t *)"a 0010900", 9, 0, md, NULL), 0);
	assert_int_equal(f.pm_slots, 0);
	/* The direction ends: a number at its very end is decided. */
	pieces(&f, "0", "a 001090012345", NULL);
	assert_int_equal(pmatch_scan(pm, &f, 0, gen, &rule, NULL, 0, 0, md,
	    NULL), 1);
	assert_int_equal(f.pm_slots, 0);
	/* ... but not 13 digits, nor a count short of min_count. */
	pieces(&f, "0", "a 1001090012345", NULL);
	assert_int_equal(pmatch_scan(pm, &f, 0, gen, &rule, NULL, 0, 0, md,
	    NULL), 0);
	assert_int_equal(f.pm_slots, 0);
	/* The other direction has its own state. */
	pieces(&f, "0", "a 0010900", NULL);
	assert_int_equal(pmatch_scan(pm, &f, 1, gen, &rule,
	    (const uint8_t *)"12345 b", 7, 1, md, NULL), 0);
	pieces(&f, "1", "12345 b", NULL);
}

static void
test_big_piece(void **state)
{
	struct flow	 f;
	size_t		 n = 70000;
	char		*big = malloc(n + 1);

	(void)state;
	assert_non_null(big);
	flow_init(&f, 6);
	rule.min = 2;
	memset(big, 'x', n);
	memcpy(big, "012345 ", 7);
	memcpy(big + n - 14, " 07919501234", 12);
	big[n - 2] = '6';
	big[n - 1] = ' ';
	big[n] = '\0';
	/* Half a number, then a piece longer than the copy window that
	 * completes it and holds another at its end. */
	pieces(&f, "01", "a=001090", big, NULL);
	free(big);
	rule.min = 1;
	assert_int_equal(f.pm_slots, 0);
}

static void
test_pool(void **state)
{
	struct pmatch	*small = pmatch_new(1);	/* the floor: 64 slots */
	struct pmatch	*keep = pm;
	struct flow	 f[65];
	uint64_t	 max;
	int		 i;

	(void)state;
	pm = small;
	max = pmatch_counter(pm, PMC_MAX);
	assert_int_equal(max, 64);
	for (i = 0; i < 65; i++) {
		flow_init(&f[i], (uint32_t)i);
		pieces(&f[i], "0", "a=001090", NULL);
	}
	assert_int_equal(pmatch_counter(pm, PMC_EVICTED), 1);
	assert_int_equal(pmatch_counter(pm, PMC_USED), 64);
	/* The oldest lost its carry; the others complete. */
	assert_int_equal(f[0].pm_slots, 0);
	pieces(&f[0], "0", "012345 ", NULL);
	pieces(&f[1], "1", "012345 ", NULL);
	/* The flow ends: its slot goes back. */
	pmatch_flow_release(pm, &f[2]);
	assert_int_equal(f[2].pm_slots, 0);
	assert_int_equal(pmatch_counter(pm, PMC_USED), 62);
	/* Another rule set: nothing carries over. */
	gen++;
	pieces(&f[3], "0", "012345 ", NULL);
	assert_int_equal(pmatch_counter(pm, PMC_USED), 0);
	for (i = 0; i < 65; i++)
		assert_int_equal(f[i].pm_slots, 0);
	pmatch_free(small);
	pm = keep;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_onebyte),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_gap_and_end),
		cmocka_unit_test(test_big_piece),
		cmocka_unit_test(test_pool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
