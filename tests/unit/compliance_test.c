/*
 * compliance_parse_since (the --since of canhgacd --compliance and
 * canhgacctl): dates that do not exist are refused with a clear error, not
 * carried into the next month by mktime; real dates, date-times and ages
 * give the expected time. Dates carry Z (UTC) so the results do not depend
 * on the machine's zone.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "compliance.h"

/* 2030-01-01T00:00Z: every date below is in the past. */
#define NOW	1893456000LL

static void
refused(const char *arg, const char *why)
{
	char		err[256] = "";
	long long	v = compliance_parse_since(arg, NOW, err, sizeof(err));

	if (v != -1)
		fail_msg("--since %s: accepted as %lld", arg, v);
	if (strstr(err, why) == NULL || strstr(err, arg) == NULL)
		fail_msg("--since %s: error \"%s\" lacks \"%s\" or the argument",
		    arg, err, why);
}

static void
accepted(const char *arg, long long want)
{
	char		err[256] = "";
	long long	v = compliance_parse_since(arg, NOW, err, sizeof(err));

	if (v != want)
		fail_msg("--since %s: %lld (%s), want %lld", arg, v, err, want);
}

static void
test_no_such_date(void **state)
{
	(void)state;
	refused("2025-02-30", "no such date (2025-02 has 28 days)");
	refused("2025-02-29Z", "no such date (2025-02 has 28 days)");
	refused("2023-02-29T08:00Z", "no such date");
	refused("1900-02-29", "expected a date");	/* before 1970 */
	refused("2025-04-31", "no such date (2025-04 has 30 days)");
	refused("2025-06-31T23:59:59+07:00", "no such date");
	refused("2025-09-31", "no such date");
	refused("2025-11-31", "no such date");
	refused("2025-13-01", "expected a date");
	refused("2025-00-10", "expected a date");
	refused("2025-01-32", "expected a date");
}

static void
test_real_dates(void **state)
{
	(void)state;
	accepted("2024-02-29Z", 1709164800LL);		/* leap year */
	accepted("2000-02-29T00:00Z", 951782400LL);	/* 400-year rule */
	accepted("2025-03-02Z", 1740873600LL);
	accepted("2025-01-31T08:00Z", 1738310400LL);
	accepted("2025-12-31T23:59:59+07:00", 1767200399LL);
	accepted("15m", NOW - 900);
	accepted("7d", NOW - 7 * 86400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_such_date),
		cmocka_unit_test(test_real_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
