/*
 * util.c's formatters against the C library's: IPv4 and IPv6 addresses
 * written by hand must read exactly as inet_ntop writes them, and timestamps
 * (the seconds' text cached) as gmtime_r, strftime and snprintf do. And
 * the list reader's caps against hostile list files.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "util.h"

/* An address of either version as util_addr_str and inet_ntop write it. */
static void
check_addr(int ipver, const uint8_t *a)
{
	char	ours[64], theirs[INET6_ADDRSTRLEN];
	size_t	i;

	memset(ours, 'x', sizeof(ours));
	assert_int_equal(util_addr_str(ipver, a, ours, sizeof(ours)), 0);
	assert_non_null(inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, a, theirs,
	    sizeof(theirs)));
	if (strcmp(ours, theirs) != 0)
		fail_msg("IPv%d: %s, inet_ntop %s", ipver, ours, theirs);
	memset(ours, 'x', sizeof(ours));
	assert_int_equal(util_addr_fmt(ipver, a, ours), strlen(theirs));
	assert_string_equal(ours, theirs);
	/* Nothing past the room promised (INET_ADDRSTRLEN for IPv4). */
	for (i = ipver == 6 ? INET6_ADDRSTRLEN : INET_ADDRSTRLEN;
	    i < sizeof(ours); i++)
		assert_true(ours[i] == 'x');
}

static int
count_entry(const char *e, void *arg, char *msg, size_t len)
{
	(void)e;
	(void)msg;
	(void)len;
	(*(int *)arg)++;
	return 0;
}

/* A list file as its content, read back: util_read_list's result. */
static int
read_list_text(const char *text, off_t size, int *n, char *err, size_t len)
{
	char	path[] = "/tmp/cg-list-XXXXXX";
	int	fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	if (size > 0)
		assert_int_equal(ftruncate(fd, size), 0);	/* sparse */
	close(fd);
	*n = 0;
	rc = util_read_list(path, NULL, count_entry, n, err, len);
	unlink(path);
	return rc;
}

/*
 * The caps on a list file, which root reads from a directory the service
 * user writes: a file past 1 GiB refused before a byte of it is read, a
 * line past 4 KiB refused naming the line.
 */
static void
test_read_list_caps(void **state)
{
	char	 err[512], *line;
	int	 n;
	time_t	 t0;

	(void)state;
	assert_int_equal(read_list_text("10.0.0.1\n# c\n\n 10.0.0.2 # x\r\n",
	    0, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	t0 = time(NULL);
	assert_int_equal(read_list_text("10.0.0.1\n", (1L << 30) + 1, &n, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than the 1073741824-byte limit"));
	assert_int_equal(n, 0);
	assert_true(time(NULL) - t0 < 5);
	line = malloc(5000);
	assert_non_null(line);
	memcpy(line, "10.0.0.1\n", 9);
	memset(line + 9, 'a', 4200);
	strcpy(line + 4209, "\n");
	assert_int_equal(read_list_text(line, 0, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: line longer than 4095 bytes"));
	free(line);
}

static void
test_addr_v4(void **state)
{
	uint8_t		a[4];
	unsigned	v, p, k;
	uint32_t	seed = 12345;

	(void)state;
	/* Every byte value in every position (1-, 2- and 3-digit). */
	for (p = 0; p < 4; p++)
		for (v = 0; v < 256; v++) {
			memset(a, 7, sizeof(a));
			a[p] = (uint8_t)v;
			check_addr(4, a);
		}
	for (k = 0; k < 100000; k++) {
		seed = seed * 1664525 + 1013904223;
		memcpy(a, &seed, 4);
		check_addr(4, a);
	}
	/* The longest form fits exactly in INET_ADDRSTRLEN. */
	{
		char		 out[INET_ADDRSTRLEN];
		const uint8_t	 m[4] = { 255, 255, 255, 255 };

		assert_int_equal(util_addr_str(4, m, out, sizeof(out)), 0);
		assert_string_equal(out, "255.255.255.255");
	}
}

/*
 * IPv6 by hand against inet_ntop: every pattern of zero and non-zero
 * words (the "::" run: none, ties, leading, trailing, all), each
 * non-zero word of 1-4 hex digits, the embedded IPv4 forms and their
 * near misses, and random addresses.
 */
static void
test_addr_v6(void **state)
{
	static const uint16_t	vals[] = { 1, 0xa, 0x10, 0xfe, 0x100, 0xabc,
	    0x1000, 0xffff, 0x2001, 0xdb8 };
	uint8_t		a[16];
	unsigned	mask, i, k, v;
	uint32_t	seed = 54321;

	(void)state;
	for (mask = 0; mask < 256; mask++)
		for (v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			for (i = 0; i < 8; i++) {
				uint16_t x = (mask >> i & 1) ?
				    vals[(v + i) % (sizeof(vals) /
				    sizeof(vals[0]))] : 0;

				a[2 * i] = (uint8_t)(x >> 8);
				a[2 * i + 1] = (uint8_t)x;
			}
			check_addr(6, a);
			/* The same with ffff in word 5: ::ffff:a.b.c.d when
			 * the rest before it is zero. */
			a[10] = a[11] = 0xff;
			check_addr(6, a);
		}
	for (k = 0; k < 100000; k++) {
		for (i = 0; i < 16; i += 4) {
			seed = seed * 1664525 + 1013904223;
			memcpy(a + i, &seed, 4);
		}
		/* Zero some words, so runs of every length come up. */
		for (i = 0; i < 8; i++)
			if ((seed >> (i * 3 % 29)) & 1)
				a[2 * i] = a[2 * i + 1] = 0;
		check_addr(6, a);
	}
}

static void
test_addr_v6_and_short(void **state)
{
	char		out[INET6_ADDRSTRLEN], tiny[8];
	uint8_t		a6[16] = { 0xfd, 0, 0, 0x20, 0, 1, [15] = 0x10 };
	const uint8_t	a4[4] = { 10, 20, 1, 10 };

	(void)state;
	assert_int_equal(util_addr_str(6, a6, out, sizeof(out)), 0);
	assert_string_equal(out, "fd00:20:1::10");
	/* Too small a buffer fails cleanly, empty. */
	assert_int_equal(util_addr_str(4, a4, tiny, sizeof(tiny)), -1);
	assert_string_equal(tiny, "");
}

/* The formatting util_format_ts did before it cached a second's text. */
static void
ts_reference(uint64_t usec, char *buf, size_t len, int utc_offset)
{
	time_t		t = (time_t)(usec / 1000000) + utc_offset;
	struct tm	tm;
	int		off = utc_offset < 0 ? -utc_offset : utc_offset;
	char		date[32], full[64];
	size_t		n;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "1970-01-01T00:00:00.000000+0000");
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	/* Whole first, then cut to len as snprintf would (GCC's
	 * truncation warning does not follow the lengths through). */
	snprintf(full, sizeof(full), "%s.%06u%c%02d%02d", date,
	    (unsigned)(usec % 1000000), utc_offset < 0 ? '-' : '+',
	    (off / 3600) % 100, (off % 3600) / 60);
	if (len == 0)
		return;
	n = strlen(full) < len ? strlen(full) : len - 1;
	memcpy(buf, full, n);
	buf[n] = '\0';
}

static void
test_format_ts(void **state)
{
	static const int	offsets[] = { 0, 25200, -18000, 19800, 20700,
	    -34200, 50400, -43200 };
	char			ours[40], theirs[40], small[20], small2[20];
	uint64_t		usec = 1735700400ULL * 1000000;
	uint32_t		seed = 777;
	size_t			i, k, n;

	(void)state;
	/* Runs within a second, across seconds, days and years, with the
	 * offset changing under a cached second. */
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245U + 12345U;
		switch (seed >> 29) {
		case 0: usec += 1; break;
		case 1: usec += 999999; break;
		case 2: usec += (uint64_t)(seed >> 8) * 1000; break;
		case 3: usec += 86400ULL * 1000000 * (seed >> 24); break;
		default: usec += seed >> 12; break;
		}
		k = (seed >> 16) % (sizeof(offsets) / sizeof(offsets[0]));
		if ((seed & 0x300) != 0)
			k = 1;		/* mostly one zone, as a sensor has */
		n = util_format_ts(usec, ours, sizeof(ours), offsets[k]);
		assert_int_equal(n, strlen(ours));
		ts_reference(usec, theirs, sizeof(theirs), offsets[k]);
		if (strcmp(ours, theirs) != 0)
			fail_msg("%llu %+d: %s, expected %s",
			    (unsigned long long)usec, offsets[k], ours,
			    theirs);
	}
	/* Past year 9999, before 1970 +offset, and a short buffer. */
	n = util_format_ts(253402300800ULL * 1000000 + 5, ours, sizeof(ours), 0);
	assert_int_equal(n, strlen(ours));
	ts_reference(253402300800ULL * 1000000 + 5, theirs, sizeof(theirs), 0);
	assert_string_equal(ours, theirs);
	util_format_ts(0, ours, sizeof(ours), -3600);
	ts_reference(0, theirs, sizeof(theirs), -3600);
	assert_string_equal(ours, theirs);
	n = util_format_ts(usec, small, sizeof(small), 25200);
	assert_int_equal(n, strlen(small));
	ts_reference(usec, small2, sizeof(small2), 25200);
	assert_string_equal(small, small2);
	assert_int_equal(util_format_ts(usec, small, 0, 25200), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_v4),
		cmocka_unit_test(test_addr_v6),
		cmocka_unit_test(test_addr_v6_and_short),
		cmocka_unit_test(test_format_ts),
		cmocka_unit_test(test_read_list_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
