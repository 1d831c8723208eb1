/*
 * The record ring (ring.c): records come out whole, in order, each
 * once; a full ring refuses rather than overwrites; records too big
 * are refused; padding at the wrap is skipped; and two real threads,
 * one on each side, pass a million records of varying sizes with none
 * lost, reordered or torn (run under ThreadSanitizer by the test
 * command).
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ring.h"

static void
put(struct ring *r, uint16_t kind, const char *s)
{
	char	*p = ring_reserve(r, strlen(s));

	assert_non_null(p);
	memcpy(p, s, strlen(s));
	ring_commit(r, kind, strlen(s));
}

static void
get(struct ring *r, uint16_t kind, const char *s)
{
	uint16_t	 k;
	size_t		 len;
	const char	*p = ring_peek(r, &k, &len);

	assert_non_null(p);
	assert_int_equal(k, kind);
	assert_int_equal(len, strlen(s));
	assert_memory_equal(p, s, len);
	ring_release(r);
}

static void
test_order(void **st)
{
	struct ring	*r = ring_new(100);	/* rounded up to 4 KiB */
	uint16_t	 k;
	size_t		 len;

	(void)st;
	assert_true(ring_empty(r));
	assert_null(ring_peek(r, &k, &len));
	put(r, 1, "one");
	put(r, 2, "");
	put(r, 3, "three, longer than eight");
	assert_false(ring_empty(r));
	get(r, 1, "one");
	get(r, 2, "");
	get(r, 3, "three, longer than eight");
	assert_true(ring_empty(r));
	assert_null(ring_peek(r, &k, &len));
	ring_free(r);
}

/* Reserved but not committed: invisible; committed short: that much. */
static void
test_commit_less(void **st)
{
	struct ring	*r = ring_new(4096);
	uint16_t	 k;
	size_t		 len;
	char		*p;

	(void)st;
	p = ring_reserve(r, 1000);
	assert_non_null(p);
	memcpy(p, "abc", 3);
	assert_null(ring_peek(r, &k, &len));
	ring_commit(r, 7, 3);
	get(r, 7, "abc");
	ring_free(r);
}

static void
test_full_and_bounds(void **st)
{
	struct ring	*r = ring_new(4096);
	char		 buf[1024];
	size_t		 n = 0, max = ring_max_record(r);
	void		*p;

	(void)st;
	assert_int_equal(max, 1024 - 8);
	assert_null(ring_reserve(r, max + 1));
	assert_non_null(ring_reserve(r, max));
	/* 4096 bytes hold 4 records of 1016 + 8; the fifth is refused. */
	memset(buf, 'x', sizeof(buf));
	while ((p = ring_reserve(r, max)) != NULL) {
		memcpy(p, buf, max);
		ring_commit(r, 1, max);
		n++;
		assert_true(n <= 4);
	}
	assert_int_equal(n, 4);
	/* Freeing one makes room for one again, not more. */
	{
		uint16_t	 k;
		size_t		 len;

		assert_non_null(ring_peek(r, &k, &len));
		assert_int_equal(len, max);
		ring_release(r);
	}
	assert_non_null(ring_reserve(r, max));
	ring_commit(r, 1, max);
	assert_null(ring_reserve(r, 1));
	ring_free(r);
}

/* A record that would cross the end starts at the beginning instead. */
static void
test_wrap(void **st)
{
	struct ring	*r = ring_new(4096);
	char		 s[700], want[700];
	int		 i, j;

	(void)st;
	for (i = 0; i < 1000; i++) {
		size_t	len = (size_t)(i * 37 % 600) + 1;

		memset(s, 'a' + i % 26, len);
		s[len] = '\0';
		put(r, (uint16_t)i, s);
		if (i % 3 == 2)
			for (j = i - 2; j <= i; j++) {
				size_t	l = (size_t)(j * 37 % 600) + 1;

				memset(want, 'a' + j % 26, l);
				want[l] = '\0';
				get(r, (uint16_t)j, want);
			}
	}
	ring_free(r);
}

/*
 * The producer's marks: a record published when ring_produced said n
 * is released, and only then, once ring_consumed says n or more; the
 * padding before a wrapped record is counted on both sides.
 */
static void
test_produced_consumed(void **st)
{
	struct ring	*r = ring_new(4096);
	size_t		 mark[3], n;
	uint16_t	 kind;
	int		 i, k;

	(void)st;
	assert_int_equal(ring_produced(r), 0);
	assert_int_equal(ring_consumed(r), 0);
	for (i = 0; i < 200; i++) {
		for (k = 0; k < 3; k++) {
			assert_non_null(ring_reserve(r, 300 + (size_t)k));
			ring_commit(r, (uint16_t)k, 300 + (size_t)k);
			mark[k] = ring_produced(r);
		}
		assert_true(mark[0] < mark[1] && mark[1] < mark[2]);
		for (k = 0; k < 3; k++) {
			assert_true(ring_consumed(r) < mark[k]);
			assert_non_null(ring_peek(r, &kind, &n));
			assert_int_equal(kind, k);
			/* Peeked, not released: still held. */
			assert_true(ring_consumed(r) < mark[k]);
			ring_release(r);
			assert_true(ring_consumed(r) >= mark[k]);
			if (k < 2)
				assert_true(ring_consumed(r) < mark[k + 1]);
		}
		assert_int_equal(ring_consumed(r), ring_produced(r));
	}
	ring_free(r);
}

#define NREC	1000000

static void *
producer(void *arg)
{
	struct ring	*r = arg;
	uint32_t	 i, j;

	for (i = 0; i < NREC; i++) {
		size_t		 len = 4 + (i % 97) * 4;
		uint32_t	*p;

		while ((p = ring_reserve(r, len)) == NULL)
			;
		for (j = 0; j < len / 4; j++)
			p[j] = i + j;
		ring_commit(r, (uint16_t)(i & 0xfff), len);
	}
	return NULL;
}

static void
test_threads(void **st)
{
	struct ring	*r = ring_new(8192);
	pthread_t	 t;
	uint32_t	 i = 0, j, bad = 0;

	(void)st;
	assert_int_equal(pthread_create(&t, NULL, producer, r), 0);
	while (i < NREC) {
		uint16_t	 k;
		size_t		 len;
		const uint32_t	*p = ring_peek(r, &k, &len);

		if (p == NULL)
			continue;
		if (k != (i & 0xfff) || len != 4 + (i % 97) * 4)
			bad++;
		else
			for (j = 0; j < len / 4; j++)
				if (p[j] != i + j)
					bad++;
		ring_release(r);
		i++;
	}
	pthread_join(t, NULL);
	assert_int_equal(bad, 0);
	assert_true(ring_empty(r));
	ring_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_commit_less),
		cmocka_unit_test(test_full_and_bounds),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_produced_consumed),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
