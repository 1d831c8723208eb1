/*
 * Behaviour tests (behaviour.h): the slot table stays within its slots
 * under a key flood and counts what it drops; a baseline learns an hour
 * of the week and alerts once on a 20x hour and on a never-active hour,
 * not on its normal, not under the floor, not while learning; the
 * baselines file survives a save and load, and a damaged one is refused
 * naming FILE:LINE, a FIFO or a link at its place at once; a beacon alerts once on a steady interval, never on
 * jittery or too-short ones; a DNS window alerts once on encoded names
 * under one registered domain (libpsl), never on a public suffix or an
 * office's names.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "behaviour.h"
#include "test_file.h"
#include "test_nomem.h"

#define SEC	1000000ULL
#define HOUR	(3600 * SEC)
#define DAY	(24 * HOUR)
/* Mon 2025-01-06 00:00 UTC */
#define MONDAY	(1736121600ULL * SEC)

static struct thr_key
mkkey(uint32_t src, uint16_t port)
{
	struct thr_key	k;

	memset(&k, 0, sizeof(k));
	memcpy(k.a, &src, sizeof(src));
	k.dport = port;
	k.ipver = 4;
	return k;
}

static void
test_slot_flood(void **state)
{
	struct slottab	*t = slot_new(64 * 1024, 100, 16);
	struct thr_key	 k;
	uint32_t	 i, cap = slot_capacity(t);
	int		 created;
	uint8_t		*p;

	(void)state;
	assert_true(cap >= 16 && cap < 1000);
	for (i = 0; i < 10000; i++) {
		k = mkkey(i, 443);
		p = slot_get(t, 0, &k, &created);
		assert_int_equal(created, 1);
		p[0] = (uint8_t)i;
	}
	assert_int_equal(slot_used(t), cap);
	assert_int_equal(slot_evicted(t), 10000 - cap);
	/* The most recent key is still there, with its payload. */
	k = mkkey(9999, 443);
	p = slot_get(t, 0, &k, &created);
	assert_int_equal(created, 0);
	assert_int_equal(p[0], (uint8_t)9999);
	slot_free(t);
}

static struct bh_spec
bl_spec(void)
{
	struct bh_spec	s;

	memset(&s, 0, sizeof(s));
	s.kind = BH_BASELINE;
	s.measure = BM_BYTES;
	s.factor_pct = 500;
	s.floor = 1000000;
	s.learn = 7 * DAY;
	return s;
}

/* Two weeks of 600 kB in Monday-Friday 09:00, then what `extra` says. */
static int
bl_run(struct slottab *t, const struct bh_spec *s, uint64_t when,
    uint64_t bytes, struct bh_result *out)
{
	struct thr_key	k = mkkey(15, 443);
	int		d, alerts = 0;

	for (d = 0; d < 14; d++)
		if (d % 7 < 5)
			alerts += bl_event(t, 0, s, &k, 600000, MONDAY + d * DAY +
			    9 * HOUR + 300 * SEC, 0, out);
	if (bytes != 0) {
		alerts += bl_event(t, 0, s, &k, bytes / 2, when, 0, out);
		alerts += bl_event(t, 0, s, &k, bytes / 2, when + 60 * SEC, 0,
		    out);
	}
	return alerts;
}

static void
test_baseline(void **state)
{
	struct bh_spec		 s = bl_spec();
	struct bh_result	 r;
	struct slottab		*t;

	(void)state;
	assert_int_equal(bl_hour_of_week(MONDAY + 9 * HOUR, 0), 9);
	assert_int_equal(bl_hour_of_week(MONDAY + 9 * HOUR, 7 * 3600), 16);
	assert_int_equal(bl_hour_of_week(MONDAY - HOUR, 0), 167);

	/* The usual volume: nothing. */
	t = slot_new(1 << 20, bl_payload(), 16);
	assert_int_equal(bl_run(t, &s, MONDAY + 14 * DAY + 9 * HOUR,
	    600000, &r), 0);
	slot_free(t);
	/* 20x in the usual hour: one alert, when the hour crosses 5x, with
	 * the normal and what was seen by then. */
	t = slot_new(1 << 20, bl_payload(), 16);
	assert_int_equal(bl_run(t, &s, MONDAY + 14 * DAY + 9 * HOUR,
	    12000000, &r), 1);
	assert_int_equal(r.kind, BH_BASELINE);
	assert_int_equal(r.how, 9);
	assert_int_equal(r.normal, 600000);
	assert_int_equal(r.seen, 6000000);
	assert_false(r.never);
	slot_free(t);
	/* 02:00, never active: one alert; under the floor: none. */
	t = slot_new(1 << 20, bl_payload(), 16);
	assert_int_equal(bl_run(t, &s, MONDAY + 14 * DAY + 2 * HOUR,
	    3000000, &r), 1);
	assert_true(r.never);
	assert_int_equal(r.how, 2);
	slot_free(t);
	t = slot_new(1 << 20, bl_payload(), 16);
	assert_int_equal(bl_run(t, &s, MONDAY + 14 * DAY + 2 * HOUR,
	    800000, &r), 0);
	slot_free(t);
	/* Still learning (day 5): a night pull teaches, never alerts. */
	t = slot_new(1 << 20, bl_payload(), 16);
	{
		struct thr_key	k = mkkey(15, 443);

		assert_int_equal(bl_event(t, 0, &s, &k, 600000, MONDAY, 0, &r),
		    0);
		assert_int_equal(bl_event(t, 0, &s, &k, 50000000, MONDAY +
		    5 * DAY + 2 * HOUR, 0, &r), 0);
	}
	slot_free(t);
}

static uint32_t
sid_rule(void *arg, uint32_t sid)
{
	(void)arg;
	return sid == 1001501 ? 0 : UINT32_MAX;
}

static void
test_baseline_file(void **state)
{
	struct bh_spec		 s = bl_spec();
	struct bh_result	 r;
	struct slottab		*t, *u;
	struct bl_view		 v;
	struct thr_key		 k;
	char			 dir[] = "/tmp/cg-bl-XXXXXX", err[512], path[256];
	uint32_t		 sids[1] = { 1001501 }, rule, i;
	int			 dfd;
	FILE			*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	t = slot_new(1 << 20, bl_payload(), 16);
	bl_run(t, &s, 0, 0, &r);
	/* The periodic save writes a copy taken earlier: what the table
	 * learns after the copy is not in the file, and the file is the
	 * one a direct save of that moment writes. */
	{
		struct bl_snap	*sn;
		struct thr_key	 k2 = mkkey(77, 443);
		char		*direct, *later;

		/* No memory for the copy (the minute's save): NULL, or
		 * -1 and why (before, xreallocarray ended the daemon). */
		nomem_next = 1;
		assert_null(bl_snapshot(t, sids));
		nomem_next = 1;
		assert_int_equal(bl_save(t, sids, dfd, dir, "nomem", err,
		    sizeof(err)), -1);
		assert_int_equal(nomem_failed, 2);
		assert_non_null(strstr(err, "no memory to save"));
		snprintf(path, sizeof(path), "%s/nomem", dir);
		assert_int_not_equal(access(path, F_OK), 0);
		sn = bl_snapshot(t, sids);

		assert_int_equal(bl_save(t, sids, dfd, dir, "direct", err,
		    sizeof(err)), 0);
		(void)bl_event(t, 0, &s, &k2, 1000, MONDAY + 9 * HOUR, 0, &r);
		assert_int_equal(bl_snap_write(sn, dfd, dir, "baselines", err,
		    sizeof(err)), 0);
		bl_snap_free(sn);
		snprintf(path, sizeof(path), "%s/direct", dir);
		direct = test_slurp(path);
		snprintf(path, sizeof(path), "%s/baselines", dir);
		later = test_slurp(path);
		assert_non_null(direct);
		assert_non_null(later);
		assert_string_equal(direct, later);
		free(direct);
		free(later);
		snprintf(path, sizeof(path), "%s/direct", dir);
		unlink(path);
	}
	u = slot_new(1 << 20, bl_payload(), 16);
	assert_int_equal(bl_load(u, sid_rule, NULL, dfd, dir, "baselines",
	    err, sizeof(err)), 1);
	for (i = 0; bl_view(u, i, &s, &rule, &k, &v) != 0; i++)
		assert_true(i < slot_capacity(u));
	assert_int_equal(v.hour[9], 600000);
	assert_int_equal(v.hour[24 + 9], 600000);
	assert_int_equal(v.hour[2], 0);
	/* The loaded table alerts as the saved one would. */
	k = mkkey(15, 443);
	assert_int_equal(bl_event(u, 0, &s, &k, 12000000, MONDAY + 14 * DAY +
	    9 * HOUR, 0, &r), 1);
	slot_free(u);

	/* A damaged line: refused, naming the file and the line. */
	snprintf(path, sizeof(path), "%s/baselines", dir);
	fp = fopen(path, "a");
	assert_non_null(fp);
	fprintf(fp, "1001501 zz 1 2 3\n");
	fclose(fp);
	u = slot_new(1 << 20, bl_payload(), 16);
	assert_int_equal(bl_load(u, sid_rule, NULL, dfd, dir, "baselines",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/baselines:3: not a baseline line"));
	slot_free(u);

	/* A FIFO planted there: refused at once (a plain open would hang),
	 * and so is a link. */
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	u = slot_new(1 << 20, bl_payload(), 16);
	assert_int_equal(bl_load(u, sid_rule, NULL, dfd, dir, "baselines",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(bl_load(u, sid_rule, NULL, dfd, dir, "baselines",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(slot_used(u), 0);
	slot_free(u);
	slot_free(t);
	unlink(path);
	close(dfd);
	rmdir(dir);
}

static struct bh_spec
bc_spec(void)
{
	struct bh_spec	s;

	memset(&s, 0, sizeof(s));
	s.kind = BH_BEACON;
	s.count = 10;
	s.jitter_pct = 10;
	s.min = 10 * SEC;
	s.max = HOUR;
	return s;
}

static void
test_beacon(void **state)
{
	static const int	 jit[] = { 300, -700, 900, -200, 600, -900, 100,
				    -500, 800, -400 };
	static const int	 gaps[] = { 5, 70, 20, 200, 45, 13, 90, 30, 150,
				    60, 11, 300, 25, 80 };
	struct bh_spec		 s = bc_spec();
	struct bh_result	 r;
	struct slottab		*t = slot_new(1 << 20, bc_payload(), 16);
	struct thr_key		 k = mkkey(66, 443);
	uint64_t		 ts = MONDAY;
	int			 i, alerts = 0;

	(void)state;
	/* 60 s +- 0.9 s, 20 times: one alert, at the 10th connection. */
	for (i = 0; i < 20; i++) {
		if (bc_event(t, 0, &s, &k, MONDAY + i * 60 * SEC +
		    (uint64_t)(1000000 + jit[i % 10] * 1000), &r)) {
			alerts++;
			assert_int_equal(i, 9);
			assert_int_equal(r.repeats, 10);
			assert_true(r.interval > 59 * SEC &&
			    r.interval < 61 * SEC);
			/* The intervals are 59.0, 61.6, 58.9, 60.8, 58.5,
			 * 61.0, 59.4, 61.3, 58.8 s, their mean 59.92: the
			 * largest deviation from it is 61.6's, 1.68 s (from
			 * the mean of the run so far, 61.6 was 2.6 s off
			 * 59.0's, which the alert said). */
			assert_true(r.spread > 1670000 && r.spread < 1690000);
		}
	}
	assert_int_equal(alerts, 1);
	/* A person's uneven visits: nothing. */
	k = mkkey(67, 443);
	for (i = 0; i < 14; i++) {
		ts += (uint64_t)gaps[i] * SEC;
		assert_int_equal(bc_event(t, 0, &s, &k, ts, &r), 0);
	}
	/* Every 2 s (under min): one call, never a beacon. */
	k = mkkey(68, 443);
	for (i = 0; i < 50; i++)
		assert_int_equal(bc_event(t, 0, &s, &k, MONDAY + i * 2 * SEC,
		    &r), 0);
	slot_free(t);
}

static void
test_dns_tunnel(void **state)
{
	static const char	 b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	struct bh_spec		 s;
	struct bh_result	 r;
	struct slottab		*t = slot_new(1 << 20, dt_payload(), 16);
	struct dt_cache		*c = dt_cache_new();
	char			 name[128], reg[96], long_reg[128], lname[256];
	unsigned		 x = 12345;
	int			 i, j, alerts = 0;

	(void)state;
	assert_int_equal(dt_registered("a.b.Example.co.uk", reg, sizeof(reg)),
	    strlen("example.co.uk"));
	assert_string_equal(reg, "example.co.uk");
	assert_int_equal(dt_registered("co.uk", reg, sizeof(reg)), 0);
	memset(&s, 0, sizeof(s));
	s.kind = BH_DNSTUNNEL;
	s.within = 60 * SEC;
	s.count = 100;
	s.distinct = 60;
	s.entropy_mbit = 3800;
	/* 150 encoded names in 45 s: one alert naming the domain. */
	for (i = 0; i < 150; i++) {
		for (j = 0; j < 40; j++) {
			x = x * 1103515245 + 12345;
			name[j] = b32[(x >> 16) % 32];
		}
		snprintf(name + 40, sizeof(name) - 40, ".exfil.example.com");
		alerts += dt_event(t, c, 0, &s, name, 0, 0, MONDAY +
		    (uint64_t)i * 300000, &r);
	}
	assert_int_equal(alerts, 1);
	assert_string_equal(r.domain, "example.com");
	assert_true(r.entropy_mbit >= 3800);
	/* 300 lookups of 40 plain names under one domain: nothing. */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "host%03d.office.example.net",
		    i % 40);
		assert_int_equal(dt_event(t, c, 1, &s, name, 0, 0, MONDAY +
		    (uint64_t)i * 200000, &r), 0);
	}
	/*
	 * A registered domain longer than the 95 bytes kept of it (a 63-byte
	 * bucket label under a 41-byte private suffix): its whole length is
	 * told, and a repeated name (the cache's answer) counts under the
	 * same key as a new one. Before, the cache took the start from the
	 * cut copy: 75 names each asked twice split into two keys of 75
	 * queries, under the count of 100, and raised nothing.
	 */
	memset(long_reg, 'b', 63);
	snprintf(long_reg + 63, sizeof(long_reg) - 63,
	    ".s3.dualstack.ap-northeast-1.amazonaws.com");
	snprintf(lname, sizeof(lname), "x.%s", long_reg);
	assert_int_equal(dt_registered(lname, reg, sizeof(reg)),
	    strlen(long_reg));
	assert_int_equal(strlen(reg), sizeof(reg) - 1);
	for (alerts = 0, i = 0; i < 150; i++) {
		if (i % 2 == 0)
			for (j = 0; j < 40; j++) {
				x = x * 1103515245 + 12345;
				lname[j] = b32[(x >> 16) % 32];
			}
		snprintf(lname + 40, sizeof(lname) - 40, ".%s", long_reg);
		alerts += dt_event(t, c, 2, &s, lname, 0, 0, MONDAY +
		    (uint64_t)i * 300000, &r);
	}
	assert_int_equal(alerts, 1);
	assert_memory_equal(r.domain, long_reg, sizeof(r.domain) - 1);
	dt_cache_free(c);
	slot_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_flood),
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_baseline_file),
		cmocka_unit_test(test_beacon),
		cmocka_unit_test(test_dns_tunnel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
