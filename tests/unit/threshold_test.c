/*
 * Threshold and suppression tests: one alert per window at the N-th
 * event, window edges, exact distinct counting, byte sums, suppression
 * by its own key, the memory cap under a key flood, and packet time that
 * runs backwards.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "threshold.h"

#define SEC	1000000ULL
#define MB	(1024ULL * 1024)

static struct thr_key
mkkey(uint32_t src, uint32_t dst)
{
	struct thr_key	k;

	memset(&k, 0, sizeof(k));
	memcpy(k.a, &src, sizeof(src));
	memcpy(k.b, &dst, sizeof(dst));
	k.ipver = 4;
	k.proto = 6;
	return k;
}

static struct thr_table *
mktable(uint64_t memcap, enum thr_kind kind, uint32_t count, uint64_t above,
    uint64_t within, uint64_t suppress)
{
	struct thr_spec	s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.count = count;
	s.above = above;
	s.within = within;
	s.suppress = suppress;
	return thr_new(memcap, &s, 1);
}

/*
 * Rule 0 counts `count` distinct values in a minute; rule 1's key
 * `keeper`, seen at time 0 with an hour's window, stays first on the LRU
 * list and so keeps rule 0's ended windows from being dropped as stale
 * (they are reset instead).
 */
static struct thr_table *
mkdistinct_kept(uint32_t count, const struct thr_key *keeper)
{
	struct thr_spec		 spec[2];
	struct thr_table	*t;
	struct thr_result	 out;

	memset(spec, 0, sizeof(spec));
	spec[0].kind = THR_DISTINCT;
	spec[0].count = count;
	spec[0].within = 60 * SEC;
	spec[1].kind = THR_COUNT;
	spec[1].count = 1000;
	spec[1].within = 3600 * SEC;
	t = thr_new(4 * MB, spec, 2);
	assert_int_equal(thr_event(t, 1, keeper, NULL, 0, 0, &out), 0);
	return t;
}

/* The N-th event alerts, once per window, and again in the next one. */
static void
test_count_once_per_window(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k = mkkey(1, 2);
	struct thr_result	 out;
	int			 i, alerts = 0;

	(void)state;
	t = mktable(1 * MB, THR_COUNT, 5, 0, 60 * SEC, 0);
	for (i = 1; i <= 20; i++) {
		int due = thr_event(t, 0, &k, NULL, 0, 100 * SEC + i, &out);

		assert_int_equal(due, i == 5);
		if (due) {
			alerts++;
			assert_int_equal(out.count, 5);
			assert_int_equal(out.window_start, 100 * SEC + 1);
			assert_int_equal(out.suppressed, 0);
		}
	}
	assert_int_equal(alerts, 1);
	/* Next window: again exactly at its fifth event. */
	for (i = 1; i <= 7; i++) {
		int due = thr_event(t, 0, &k, NULL, 0, 200 * SEC + i, &out);

		assert_int_equal(due, i == 5);
		if (due) {
			assert_int_equal(out.count, 5);
			assert_int_equal(out.window_start, 200 * SEC + 1);
		}
	}
	/* Another key has its own window. */
	k = mkkey(1, 3);
	for (i = 1; i <= 4; i++)
		assert_int_equal(thr_event(t, 0, &k, NULL, 0, 200 * SEC + i,
		    &out), 0);
	assert_int_equal(thr_stats(t)->keys, 2);
	thr_free(t);
}

/* An event at exactly start + within opens a new window. */
static void
test_window_boundary(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k1 = mkkey(1, 1), k2 = mkkey(2, 2);
	struct thr_result	 out;

	(void)state;
	t = mktable(1 * MB, THR_COUNT, 2, 0, 10 * SEC, 0);
	assert_int_equal(thr_event(t, 0, &k1, NULL, 0, 0, &out), 0);
	assert_int_equal(thr_event(t, 0, &k1, NULL, 0, 10 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k1, NULL, 0, 10 * SEC + 1, &out), 1);
	assert_int_equal(out.window_start, 10 * SEC);
	assert_int_equal(out.count, 2);
	/* One microsecond earlier is still the first window. */
	assert_int_equal(thr_event(t, 0, &k2, NULL, 0, 5 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k2, NULL, 0, 15 * SEC - 1, &out), 1);
	assert_int_equal(out.window_start, 5 * SEC);
	thr_free(t);
}

/* A port scan: 50 distinct ports alert once; one port 1000 times never. */
static void
test_distinct_portscan(void **state)
{
	struct thr_table	*t;
	struct thr_key		 scan = mkkey(10, 20), syn = mkkey(11, 20);
	struct thr_result	 out;
	uint64_t		 ts = 1000 * SEC, base, bsyn, peak, one;
	int			 i, alerts = 0;

	(void)state;
	t = mktable(4 * MB, THR_DISTINCT, 50, 0, 60 * SEC, 0);
	base = thr_stats(t)->bytes;
	for (i = 0; i < 1000; i++)
		assert_int_equal(thr_event(t, 0, &syn, NULL, 443, ts++, &out),
		    0);
	bsyn = thr_stats(t)->bytes;	/* one entry, one value */
	/* Ports 1..49 each twice, then port 50: the alert, at 99 events. */
	for (i = 1; i <= 49; i++) {
		assert_int_equal(thr_event(t, 0, &scan, NULL, (uint64_t)i,
		    ts++, &out), 0);
		assert_int_equal(thr_event(t, 0, &scan, NULL, (uint64_t)i,
		    ts++, &out), 0);
	}
	peak = thr_stats(t)->bytes;	/* two entries, 50 values */
	assert_int_equal(thr_event(t, 0, &scan, NULL, 50, ts++, &out), 1);
	assert_int_equal(out.distinct, 50);
	assert_int_equal(out.count, 99);
	assert_int_equal(out.window_start, 1000 * SEC + 1000);
	alerts++;
	for (i = 51; i <= 2000; i++)
		alerts += thr_event(t, 0, &scan, NULL, (uint64_t)i, ts++, &out);
	assert_int_equal(alerts, 1);
	/* The fired window let go of its 49 values; the other keeps one. */
	assert_int_equal(thr_stats(t)->keys, 2);
	assert_true(thr_stats(t)->bytes < peak);
	assert_int_equal((peak - thr_stats(t)->bytes) % 49, 0);
	one = (peak - thr_stats(t)->bytes) / 49;
	assert_true(one > 0 && bsyn - base > one);
	assert_int_equal(thr_stats(t)->bytes, base + 2 * (bsyn - base) - one);

	/* A new window counts afresh: earlier ports are not remembered. */
	ts = 2000 * SEC;
	for (i = 1; i <= 49; i++)
		assert_int_equal(thr_event(t, 0, &scan, NULL, (uint64_t)i,
		    ts++, &out), 0);
	assert_int_equal(thr_event(t, 0, &scan, NULL, 7, ts++, &out), 0);
	assert_int_equal(thr_event(t, 0, &scan, NULL, 50, ts++, &out), 1);
	assert_int_equal(out.distinct, 50);
	assert_int_equal(out.window_start, 2000 * SEC);
	thr_free(t);

	/*
	 * A window that ends without alerting forgets its values too (a
	 * rule 1 key with a long window in front keeps the scan's entry
	 * from being dropped as stale first).
	 */
	t = mkdistinct_kept(50, &syn);
	for (i = 1; i <= 30; i++)
		assert_int_equal(thr_event(t, 0, &scan, NULL, (uint64_t)i,
		    (uint64_t)i, &out), 0);
	ts = 100 * SEC;
	for (i = 1; i <= 49; i++)
		assert_int_equal(thr_event(t, 0, &scan, NULL, (uint64_t)i,
		    ts++, &out), 0);
	assert_int_equal(thr_event(t, 0, &scan, NULL, 50, ts++, &out), 1);
	assert_int_equal(out.distinct, 50);
	assert_int_equal(out.window_start, 100 * SEC);
	thr_free(t);

	/* Values wider than 16 bits are compared whole. */
	t = mktable(4 * MB, THR_DISTINCT, 3, 0, 60 * SEC, 0);
	assert_int_equal(thr_event(t, 0, &scan, NULL, 1ULL << 40, 1, &out), 0);
	assert_int_equal(thr_event(t, 0, &scan, NULL, 1ULL << 41, 2, &out), 0);
	assert_int_equal(thr_event(t, 0, &scan, NULL, 1ULL << 40, 3, &out), 0);
	assert_int_equal(thr_event(t, 0, &scan, NULL, 0, 4, &out), 1);
	thr_free(t);
}

/* The values of many windows share the pool without mixing. */
static void
test_distinct_many_windows(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k;
	struct thr_result	 out;
	uint32_t		 src;
	int			 i, alerts = 0;

	(void)state;
	t = mktable(4 * MB, THR_DISTINCT, 10, 0, 60 * SEC, 0);
	/* 100 sources, each 9 distinct ports seen 3 times: no alert. */
	for (i = 0; i < 3; i++)
		for (src = 0; src < 100; src++) {
			uint64_t	 p;

			k = mkkey(src, 1);
			for (p = 0; p < 9; p++)
				alerts += thr_event(t, 0, &k, NULL, p,
				    (uint64_t)i * SEC + p, &out);
		}
	assert_int_equal(alerts, 0);
	/* The tenth distinct port tips each one. */
	for (src = 0; src < 100; src++) {
		k = mkkey(src, 1);
		assert_int_equal(thr_event(t, 0, &k, NULL, 99, 4 * SEC, &out),
		    1);
		assert_int_equal(out.distinct, 10);
		assert_int_equal(out.count, 28);
	}
	thr_free(t);
}

/* Bytes summed in the window alert once the sum is above the limit. */
static void
test_sum_above(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k = mkkey(5, 6);
	struct thr_result	 out;
	int			 i;

	(void)state;
	t = mktable(1 * MB, THR_SUM, 0, 5 * MB, 60 * SEC, 0);
	for (i = 1; i <= 5; i++)
		assert_int_equal(thr_event(t, 0, &k, NULL, 1 * MB,
		    (uint64_t)i * SEC, &out), 0);	/* 5MB is not above */
	assert_int_equal(thr_event(t, 0, &k, NULL, 1, 6 * SEC, &out), 1);
	assert_int_equal(out.sum, 5 * MB + 1);
	assert_int_equal(out.count, 6);
	assert_int_equal(out.window_start, 1 * SEC);
	assert_int_equal(thr_event(t, 0, &k, NULL, 100 * MB, 7 * SEC, &out),
	    0);
	thr_free(t);

	/* Near the top the sum saturates rather than wrap to small. */
	t = mktable(1 * MB, THR_SUM, 0, UINT64_MAX - 1, 60 * SEC, 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, UINT64_MAX - 10, 1, &out),
	    0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 100, 2, &out), 1);
	assert_int_equal(out.sum, UINT64_MAX);
	thr_free(t);
}

/* Three due alerts inside the suppression time give one; the next
 * alert after it reports the two held back. */
static void
test_suppress(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k = mkkey(7, 8);
	struct thr_result	 out;

	(void)state;
	/* count 1 within 1us: every event is a due alert. */
	t = mktable(1 * MB, THR_COUNT, 1, 0, 1, 15 * 60 * SEC);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 0, &out), 1);
	assert_int_equal(out.suppressed, 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 1 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 2 * SEC, &out), 0);
	assert_int_equal(thr_stats(t)->suppressed, 2);
	/* Exactly at the end of the suppression time, it goes out. */
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 15 * 60 * SEC, &out), 1);
	assert_int_equal(out.suppressed, 2);
	assert_int_equal(out.count, 1);
	/* The counter restarted and suppression runs from that alert. */
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 16 * 60 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 31 * 60 * SEC, &out), 1);
	assert_int_equal(out.suppressed, 1);
	assert_int_equal(thr_stats(t)->suppressed, 3);
	thr_free(t);

	/* THR_NONE with suppress: every match is a candidate. */
	t = mktable(1 * MB, THR_NONE, 0, 0, 0, 10 * SEC);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 0, &out), 1);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 1, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 2, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 3, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 11 * SEC, &out), 1);
	assert_int_equal(out.suppressed, 3);
	thr_free(t);
}

/* Threshold by src+dst, suppression by src: one scanner, three hosts. */
static void
test_suppress_other_key(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k, sk = mkkey(66, 0);
	struct thr_result	 out;
	uint64_t		 ts = 0;
	uint32_t		 host;
	int			 p, alerts = 0, due = 0;

	(void)state;
	t = mktable(4 * MB, THR_DISTINCT, 50, 0, 60 * SEC, 15 * 60 * SEC);
	for (host = 1; host <= 3; host++) {
		k = mkkey(66, host);
		for (p = 1; p <= 100; p++) {
			due = thr_event(t, 0, &k, &sk, (uint64_t)p, ts += 1000,
			    &out);
			if (due) {
				assert_int_equal(host, 1);
				assert_int_equal(p, 50);
				assert_int_equal(out.suppressed, 0);
			}
			alerts += due;
		}
	}
	assert_int_equal(alerts, 1);
	assert_int_equal(thr_stats(t)->suppressed, 2);
	/* Another scanner is not held back by the first one's alert. */
	sk = mkkey(67, 0);
	k = mkkey(67, 1);
	for (p = 1; p <= 50; p++)
		alerts += thr_event(t, 0, &k, &sk, (uint64_t)p, ts += 1000,
		    &out);
	assert_int_equal(alerts, 2);
	/* After the suppression time the fourth host reports the two. */
	sk = mkkey(66, 0);
	k = mkkey(66, 4);
	ts = 20 * 60 * SEC;
	for (p = 1; p <= 50; p++)
		due = thr_event(t, 0, &k, &sk, (uint64_t)p, ts++, &out);
	assert_int_equal(due, 1);
	assert_int_equal(out.suppressed, 2);
	assert_int_equal(out.distinct, 50);
	thr_free(t);
}

/* Without a threshold or suppression every match alerts. */
static void
test_none(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k = mkkey(1, 2);
	struct thr_result	 out;
	int			 i;

	(void)state;
	t = mktable(1 * MB, THR_NONE, 0, 0, 0, 0);
	for (i = 0; i < 100; i++) {
		memset(&out, 0xaa, sizeof(out));
		assert_int_equal(thr_event(t, 0, &k, NULL, 9, (uint64_t)i,
		    &out), 1);
		assert_int_equal(out.count, 1);
		assert_int_equal(out.suppressed, 0);
		assert_int_equal(out.window_start, (uint64_t)i);
	}
	assert_int_equal(thr_stats(t)->keys, 0);
	/* A rule index outside the table is no alert, not a crash. */
	assert_int_equal(thr_event(t, 1, &k, NULL, 0, 0, &out), 0);
	thr_free(t);
	thr_free(NULL);
}

/* Several rules in one table keep separate state for the same key. */
static void
test_rules_apart(void **state)
{
	struct thr_table	*t;
	struct thr_spec		 s[3];
	struct thr_key		 k = mkkey(1, 2);
	struct thr_result	 out;

	(void)state;
	memset(s, 0, sizeof(s));
	s[0].kind = THR_COUNT;
	s[0].count = 2;
	s[0].within = 60 * SEC;
	s[1].kind = THR_COUNT;
	s[1].count = 3;
	s[1].within = 60 * SEC;
	s[2].kind = THR_NONE;
	t = thr_new(1 * MB, s, 3);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 1, &out), 0);
	assert_int_equal(thr_event(t, 1, &k, NULL, 0, 1, &out), 0);
	assert_int_equal(thr_event(t, 2, &k, NULL, 0, 1, &out), 1);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 2, &out), 1);
	assert_int_equal(thr_event(t, 1, &k, NULL, 0, 2, &out), 0);
	assert_int_equal(thr_event(t, 1, &k, NULL, 0, 3, &out), 1);
	thr_free(t);
}

/* A flood of a million keys stays within the memcap by evicting. */
static void
test_memcap_flood(void **state)
{
	const uint64_t		 memcap = 64 * 1024;
	struct thr_table	*t;
	struct thr_key		 k;
	struct thr_result	 out;
	uint32_t		 i;
	uint64_t		 keys;
	int			 alerts = 0, p;

	(void)state;
	t = mktable(memcap, THR_COUNT, 2, 0, 3600 * SEC, 0);
	for (i = 0; i < 1000000; i++) {
		k = mkkey(i, ~i);
		k.sport = (uint16_t)i;
		alerts += thr_event(t, 0, &k, NULL, 0, (uint64_t)i, &out);
		assert_true(thr_stats(t)->bytes <= memcap);
	}
	assert_int_equal(alerts, 0);
	keys = thr_stats(t)->keys;
	assert_true(keys > 100);
	assert_true(keys < memcap / 64);
	assert_int_equal(thr_stats(t)->evicted, 1000000 - keys);
	/* The most recent key survived and still counts. */
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 1000000, &out), 1);
	thr_free(t);

	/* A key seen now and then stays recent and is not evicted. */
	t = mktable(memcap, THR_COUNT, 12, 0, 3600 * SEC, 0);
	for (i = 0; i < 1100; i++) {
		struct thr_key	 hot = mkkey(7, 7);

		k = mkkey(i, 1);
		alerts += thr_event(t, 0, &k, NULL, 0, (uint64_t)i, &out);
		if (i % 100 == 0)
			alerts += thr_event(t, 0, &hot, NULL, 0, (uint64_t)i,
			    &out);
	}
	assert_int_equal(alerts, 0);
	assert_true(thr_stats(t)->evicted > 0);
	k = mkkey(7, 7);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 2000, &out), 1);
	assert_int_equal(out.count, 12);
	assert_int_equal(out.window_start, 0);
	thr_free(t);

	/*
	 * Distinct values and suppression records under the same flood:
	 * each key sees 0 2 4 6 4 6 8 10, so its fifth distinct value (8)
	 * is due; suppression by a key shared by 8 keys lets one in 8 out.
	 */
	t = mktable(memcap, THR_DISTINCT, 5, 0, 3600 * SEC, 3600 * SEC);
	for (i = 0; i < 1000000; i++) {
		struct thr_key	 sk = mkkey(i / 64, 0);
		int		 due;

		k = mkkey(i / 8, 1);
		due = thr_event(t, 0, &k, &sk, i % 8 + (i & 3), (uint64_t)i,
		    &out);
		if (due) {
			assert_int_equal(i % 64, 6);
			assert_int_equal(out.distinct, 5);
			assert_int_equal(out.count, 7);
		}
		alerts += due;
		assert_true(thr_stats(t)->bytes <= memcap);
	}
	assert_int_equal(alerts, 1000000 / 64);
	assert_int_equal(thr_stats(t)->suppressed,
	    1000000 / 8 - 1000000 / 64);
	assert_true(thr_stats(t)->evicted > 0);
	/* A fresh scan after the flood is counted exactly. */
	k = mkkey(0xdead, 1);
	for (p = 1; p <= 4; p++) {
		assert_int_equal(thr_event(t, 0, &k, NULL, (uint64_t)p,
		    2000000, &out), 0);
		assert_int_equal(thr_event(t, 0, &k, NULL, (uint64_t)p,
		    2000000, &out), 0);
	}
	assert_int_equal(thr_event(t, 0, &k, NULL, 5, 2000000, &out), 1);
	assert_int_equal(out.distinct, 5);
	assert_true(thr_stats(t)->bytes <= memcap);
	thr_free(t);
}

/*
 * With the value pool full, the window holding values touched least
 * recently is evicted, so the active window stays exact.
 */
static void
test_distinct_pool_evicts(void **state)
{
	const uint64_t		 memcap = 64 * 1024;
	struct thr_table	*t;
	struct thr_key		 k;
	struct thr_result	 out;
	uint64_t		 ts = 0, evicted, bytes, start;
	uint32_t		 src;
	int			 p, alerts = 0;

	(void)state;
	t = mktable(memcap, THR_DISTINCT, 50, 0, 3600 * SEC, 0);
	/* 200 sources with 40 ports each: 8000 values, far past the pool. */
	for (src = 0; src < 200; src++) {
		k = mkkey(src, 9);
		for (p = 0; p < 40; p++)
			alerts += thr_event(t, 0, &k, NULL, (uint64_t)p, ts++,
			    &out);
		assert_true(thr_stats(t)->bytes <= memcap);
	}
	assert_int_equal(alerts, 0);
	evicted = thr_stats(t)->evicted;
	assert_true(evicted > 0);
	assert_true(thr_stats(t)->keys < 200);
	/* A new window with every port repeated: exact, no early alert. */
	k = mkkey(1000, 9);
	for (p = 1; p <= 49; p++) {
		assert_int_equal(thr_event(t, 0, &k, NULL, (uint64_t)p, ts++,
		    &out), 0);
		assert_int_equal(thr_event(t, 0, &k, NULL, (uint64_t)p, ts++,
		    &out), 0);
	}
	bytes = thr_stats(t)->bytes;
	assert_true(bytes <= memcap);
	assert_true(thr_stats(t)->evicted > evicted);
	assert_int_equal(thr_event(t, 0, &k, NULL, 50, ts++, &out), 1);
	assert_int_equal(out.distinct, 50);
	assert_int_equal(out.count, 99);
	/* Its 49 values went back to the pool. */
	assert_true(thr_stats(t)->bytes < bytes);
	thr_free(t);

	/*
	 * A window that keeps seeing known values stays recent among the
	 * holders: the newer windows are evicted before it.
	 */
	t = mktable(memcap, THR_DISTINCT, 50, 0, 3600 * SEC, 0);
	k = mkkey(1, 1);
	start = ts;
	for (p = 0; p < 40; p++)
		assert_int_equal(thr_event(t, 0, &k, NULL, (uint64_t)p, ts++,
		    &out), 0);
	for (src = 2; src < 200; src++) {
		struct thr_key	 other = mkkey(src, 1);

		for (p = 0; p < 40; p++) {
			assert_int_equal(thr_event(t, 0, &other, NULL,
			    (uint64_t)p, ts++, &out), 0);
			assert_int_equal(thr_event(t, 0, &k, NULL,
			    (uint64_t)p, ts++, &out), 0);
		}
	}
	assert_true(thr_stats(t)->evicted > 0);
	for (p = 40; p < 49; p++)
		assert_int_equal(thr_event(t, 0, &k, NULL, (uint64_t)p, ts++,
		    &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 49, ts++, &out), 1);
	assert_int_equal(out.distinct, 50);
	assert_int_equal(out.window_start, start);
	thr_free(t);
}

/* Entries whose window is over leave the table as packet time moves. */
static void
test_expire(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k, b = mkkey(99, 99);
	struct thr_result	 out;
	uint32_t		 i;

	(void)state;
	t = mktable(1 * MB, THR_COUNT, 5, 0, 10 * SEC, 0);
	for (i = 0; i < 3; i++) {
		k = mkkey(i, 0);
		assert_int_equal(thr_event(t, 0, &k, NULL, 0, i, &out), 0);
	}
	assert_int_equal(thr_stats(t)->keys, 3);
	/* Two stale entries go per call, judged by the latest time seen. */
	assert_int_equal(thr_event(t, 0, &b, NULL, 0, 100 * SEC, &out), 0);
	assert_int_equal(thr_stats(t)->keys, 2);
	assert_int_equal(thr_event(t, 0, &b, NULL, 0, 5 * SEC, &out), 0);
	assert_int_equal(thr_stats(t)->keys, 1);
	assert_int_equal(thr_stats(t)->evicted, 0);
	/* The live one still counts from its start. */
	assert_int_equal(thr_event(t, 0, &b, NULL, 0, 101 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &b, NULL, 0, 102 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &b, NULL, 0, 103 * SEC, &out), 1);
	assert_int_equal(out.window_start, 100 * SEC);
	thr_free(t);
}

/* One window asking for more values than the pool holds. */
static void
test_distinct_past_pool(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k = mkkey(1, 1);
	struct thr_result	 out;
	uint64_t		 v;
	int			 due = 0;

	(void)state;
	/* A tiny memcap gets the minimum pool, a few hundred values. */
	t = mktable(1, THR_DISTINCT, 5000, 0, 3600 * SEC, 0);
	for (v = 0; v < 4999; v++)
		assert_int_equal(thr_event(t, 0, &k, NULL, v, v, &out), 0);
	/* Values still held are recognised as repeats. */
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, v, &out), 0);
	due = thr_event(t, 0, &k, NULL, v, v, &out);
	assert_int_equal(due, 1);
	assert_int_equal(out.distinct, 5000);
	thr_free(t);
}

/*
 * A window answers a repeat of the last value it remembered without the
 * value pool (threshold.c's last): never across windows, and not for a
 * value the pool had no room for, which still counts each time.
 */
static void
test_distinct_last_value(void **state)
{
	/* value, time, alert due; the second window ends unfired, so its
	 * last value is new to the third. */
	static const struct { uint64_t v, ts; int due; } step[] = {
		{ 5, 1, 0 }, { 5, 2, 0 }, { 6, 3, 0 }, { 6, 4, 0 }, { 5, 5, 0 },
		{ 7, 6, 1 },
		{ 1, 100 * SEC, 0 }, { 2, 100 * SEC, 0 },
		{ 2, 200 * SEC, 0 }, { 2, 200 * SEC, 0 }, { 1, 200 * SEC, 0 },
		{ 3, 200 * SEC, 1 },
	};
	struct thr_table	*t;
	struct thr_key		 k = mkkey(1, 2), other = mkkey(3, 4);
	struct thr_result	 out;
	uint64_t		 v;
	size_t			 i;

	(void)state;
	t = mkdistinct_kept(3, &other);
	for (i = 0; i < sizeof(step) / sizeof(step[0]); i++) {
		assert_int_equal(thr_event(t, 0, &k, NULL, step[i].v,
		    step[i].ts, &out), step[i].due);
		if (step[i].due)
			assert_int_equal(out.distinct, 3);
	}
	assert_int_equal(out.count, 4);
	assert_int_equal(out.window_start, 200 * SEC);
	thr_free(t);

	/* Past the pool a repeat counts again (an over-estimate). */
	t = mktable(1, THR_DISTINCT, 5000, 0, 3600 * SEC, 0);
	for (v = 0; v < 4997; v++)
		assert_int_equal(thr_event(t, 0, &k, NULL, v, v, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 1ULL << 40, v, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 1ULL << 40, v, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 1ULL << 41, v, &out), 1);
	assert_int_equal(out.distinct, 5000);
	thr_free(t);
}

/* Packet time that steps backwards stays inside the window. */
static void
test_time_backwards(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k = mkkey(3, 4);
	struct thr_result	 out;

	(void)state;
	t = mktable(1 * MB, THR_COUNT, 3, 0, 10 * SEC, 60 * SEC);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 100 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 0, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 101 * SEC, &out), 1);
	assert_int_equal(out.window_start, 100 * SEC);
	assert_int_equal(out.count, 3);
	/* A due alert dated before the last one sent is suppressed. */
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 120 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 121 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 50 * SEC, &out), 0);
	assert_int_equal(thr_stats(t)->suppressed, 1);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 200 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 201 * SEC, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 202 * SEC, &out), 1);
	assert_int_equal(out.suppressed, 1);
	thr_free(t);

	/* At the end of time, start + within would wrap: it must not. */
	t = mktable(1 * MB, THR_COUNT, 2, 0, 60 * SEC, UINT64_MAX);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, UINT64_MAX - 5, &out),
	    0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, 3, &out), 1);
	assert_int_equal(out.window_start, UINT64_MAX - 5);
	assert_int_equal(thr_event(t, 0, &k, NULL, 0, UINT64_MAX, &out), 0);
	thr_free(t);
}

/* The pad bytes of a key do not split one key into two. */
static void
test_key_pad(void **state)
{
	struct thr_table	*t;
	struct thr_key		 k1 = mkkey(1, 2), k2 = mkkey(1, 2);
	struct thr_result	 out;

	(void)state;
	k2.pad = 0xbeef;
	t = mktable(1 * MB, THR_COUNT, 2, 0, 60 * SEC, 0);
	assert_int_equal(thr_event(t, 0, &k1, NULL, 0, 1, &out), 0);
	assert_int_equal(thr_event(t, 0, &k2, NULL, 0, 2, &out), 1);
	k2.name_hash = 1;
	assert_int_equal(thr_event(t, 0, &k2, NULL, 0, 3, &out), 0);
	thr_free(t);
}

/*
 * A reload (thr_carry): a distinct-port scan spread over ten reloads
 * alerts at its tenth port as without them; a rule moved to another
 * index keeps its window; a suppression goes on; a rule mapped to
 * nothing (changed) starts afresh.
 */
static void
test_carry(void **state)
{
	struct thr_spec		 sp[2];
	struct thr_table	*t, *n;
	struct thr_key		 k = mkkey(1, 2);
	struct thr_result	 out;
	uint32_t		 same[2] = { 1, 0 }, none[2] = { UINT32_MAX,
				    UINT32_MAX };
	int			 i, due = 0;

	(void)state;
	memset(sp, 0, sizeof(sp));
	sp[0].kind = THR_DISTINCT;
	sp[0].count = 10;
	sp[0].within = 600 * SEC;
	sp[0].suppress = 3600 * SEC;
	sp[1] = sp[0];
	t = thr_new(1 * MB, sp, 2);
	for (i = 0; i < 10; i++) {
		/* Rule 0 here is rule 1 after the reload and back again. */
		due = thr_event(t, (size_t)(i % 2), &k, NULL, 1000 + (uint64_t)i,
		    100 * SEC + (uint64_t)i * 30 * SEC, &out);
		assert_int_equal(due, i == 9);
		n = thr_new(1 * MB, sp, 2);
		/* n takes t over */
		assert_int_equal(thr_carry(n, t, same), 1);
		t = n;
	}
	assert_int_equal(out.distinct, 10);
	assert_int_equal(out.window_start, 100 * SEC);
	/*
	 * The suppression went on over the reloads (now rule 0): the next
	 * window's alert is held back and counted.
	 */
	for (i = 0; i < 10; i++)
		assert_int_equal(thr_event(t, 0, &k, NULL, (uint64_t)i,
		    750 * SEC + (uint64_t)i, &out), 0);
	assert_int_equal(thr_stats(t)->suppressed, 1);
	/* A changed rule: nothing carried, a new window from the start. */
	n = thr_new(1 * MB, sp, 2);
	/* Nothing to move: t stays the caller's to free. */
	assert_int_equal(thr_carry(n, t, none), 0);
	thr_free(t);
	t = n;
	assert_int_equal(thr_stats(t)->keys, 0);
	assert_int_equal(thr_stats(t)->suppressed, 1);
	for (i = 0; i < 9; i++)
		assert_int_equal(thr_event(t, 0, &k, NULL, (uint64_t)i,
		    800 * SEC + (uint64_t)i, &out), 0);
	assert_int_equal(thr_event(t, 0, &k, NULL, 9, 900 * SEC, &out), 1);
	thr_free(t);
}

/*
 * A reload of a table holding 200,000 keys: thr_carry does no work per
 * key (it ran while capture waited: tens of ms for a full table), an
 * event moves its key's state over at once, thr_carry_step moves the
 * rest in slices, and every window goes on under its rule's new index,
 * distinct values included.
 */
static void
test_carry_slices(void **state)
{
	enum { N = 200000, STEP = 10000 };
	struct thr_spec		 sp[2], sp2[2];
	struct thr_table	*t, *n;
	struct thr_key		 k;
	struct thr_result	 out;
	uint32_t		 map[2] = { 1, 0 }, i;
	clock_t			 t0;
	double			 secs;
	int			 steps = 0;

	(void)state;
	memset(sp, 0, sizeof(sp));
	sp[0].kind = THR_COUNT;
	sp[0].count = 3;
	sp[0].within = 600 * SEC;
	sp[1] = sp[0];
	sp[1].kind = THR_DISTINCT;
	sp2[0] = sp[1];
	sp2[1] = sp[0];
	t = thr_new(64 * MB, sp, 2);
	for (i = 0; i < N; i++) {
		k = mkkey(i, 1);
		assert_int_equal(thr_event(t, i & 1, &k, NULL, i, 100 * SEC + i,
		    &out), 0);
	}
	assert_int_equal(thr_stats(t)->keys, N);
	n = thr_new(64 * MB, sp2, 2);
	t0 = clock();
	assert_int_equal(thr_carry(n, t, map), 1);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("thr_carry of %d keys: %.4f s of CPU\n", N, secs);
	assert_true(secs < 0.005);
	assert_int_equal(thr_stats(n)->keys, N);
	/* Key 6, a count window (now rule 1): its third event alerts. */
	k = mkkey(6, 1);
	assert_int_equal(thr_event(n, 1, &k, NULL, 0, 200 * SEC, &out), 0);
	assert_int_equal(thr_event(n, 1, &k, NULL, 0, 201 * SEC, &out), 1);
	assert_int_equal(out.count, 3);
	while (thr_carry_step(n, STEP))
		steps++;
	assert_true(steps >= N / STEP - 1 && steps <= N / STEP);
	assert_int_equal(thr_stats(n)->keys, N);
	/* Key 8, moved by a step: the same. */
	k = mkkey(8, 1);
	assert_int_equal(thr_event(n, 1, &k, NULL, 0, 202 * SEC, &out), 0);
	assert_int_equal(thr_event(n, 1, &k, NULL, 0, 203 * SEC, &out), 1);
	/* Key 9, distinct values (now rule 0): 9 again, then two new. */
	k = mkkey(9, 1);
	assert_int_equal(thr_event(n, 0, &k, NULL, 9, 204 * SEC, &out), 0);
	assert_int_equal(thr_event(n, 0, &k, NULL, 100, 205 * SEC, &out), 0);
	assert_int_equal(thr_event(n, 0, &k, NULL, 101, 206 * SEC, &out), 1);
	assert_int_equal(out.distinct, 3);
	assert_int_equal(out.window_start, 100 * SEC + 9);
	thr_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_once_per_window),
		cmocka_unit_test(test_window_boundary),
		cmocka_unit_test(test_distinct_portscan),
		cmocka_unit_test(test_distinct_many_windows),
		cmocka_unit_test(test_sum_above),
		cmocka_unit_test(test_suppress),
		cmocka_unit_test(test_suppress_other_key),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_rules_apart),
		cmocka_unit_test(test_memcap_flood),
		cmocka_unit_test(test_distinct_last_value),
		cmocka_unit_test(test_distinct_pool_evicts),
		cmocka_unit_test(test_distinct_past_pool),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_key_pad),
		cmocka_unit_test(test_carry),
		cmocka_unit_test(test_carry_slices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
