/*
 * util.c's formatters against the C library's: IPv4 addresses written
 * by hand must read exactly as inet_ntop writes them.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "util.h"

static void
check_v4(const uint8_t a[4])
{
	char	ours[64], theirs[INET_ADDRSTRLEN];

	memset(ours, 'x', sizeof(ours));
	assert_int_equal(util_addr_str(4, a, ours, sizeof(ours)), 0);
	assert_non_null(inet_ntop(AF_INET, a, theirs, sizeof(theirs)));
	if (strcmp(ours, theirs) != 0)
		fail_msg("%u.%u.%u.%u: %s, inet_ntop %s", a[0], a[1], a[2],
		    a[3], ours, theirs);
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
			check_v4(a);
		}
	for (k = 0; k < 100000; k++) {
		seed = seed * 1664525 + 1013904223;
		memcpy(a, &seed, 4);
		check_v4(a);
	}
	/* The longest form fits exactly in INET_ADDRSTRLEN. */
	{
		char		 out[INET_ADDRSTRLEN];
		const uint8_t	 m[4] = { 255, 255, 255, 255 };

		assert_int_equal(util_addr_str(4, m, out, sizeof(out)), 0);
		assert_string_equal(out, "255.255.255.255");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_v4),
		cmocka_unit_test(test_addr_v6_and_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
