/*
 * Citizen-ID (CCCD) numbers: a run of exactly 12 digits, a province code
 * as issued and a century digit 0-3, masked to 020*******34 wherever the
 * daemon writes a string.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cccd.h"

/* Province codes of citizen-ID numbers (Decree 137/2015, circular 07/2016). */
static const uint8_t cccd_provinces[] = {
	1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27,
	30, 31, 33, 34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52,
	54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82,
	83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96
};

/* A province code's three digits at s? */
static int
cccd_province(const char *s)
{
	unsigned	code = (unsigned)((s[0] - '0') * 100 + (s[1] - '0') * 10 +
			    (s[2] - '0'));
	size_t		i;

	for (i = 0; i < sizeof(cccd_provinces); i++)
		if (cccd_provinces[i] == code)
			return 1;
	return 0;
}

int
cccd_plausible(const char *s)
{
	return s[3] <= '3' && cccd_province(s);
}

size_t
cccd_mask(char *s, size_t n)
{
	size_t	at = 0, count = 0;

	while ((at = cccd_next(s, n, at)) < n) {
		memset(s + at + 3, '*', 7);
		at += 12;
		count++;
	}
	return count;
}

char *
cccd_mask_str(char *s)
{
	(void)cccd_mask(s, strlen(s));
	return s;
}

void
cccd_mask_cut(char *s, size_t n, int head, int tail)
{
	size_t	a, b;

	if (tail) {
		for (a = n; a > 0 && cccd_isdigit(s[a - 1]); a--)
			;
		/*
		 * Up to 11 digits of a number's start; 12 or more kept are
		 * no number's (a run of 13 and more is none). Four or more
		 * are checked as a number's first four are: what cannot
		 * begin one stays.
		 */
		if (n - a > 3 && n - a < 12 && s[a + 3] <= '3' &&
		    cccd_province(s + a))
			memset(s + a + 3, '*', n - a - 3);
	}
	if (head) {
		for (b = 0; b < n && cccd_isdigit(s[b]); b++)
			;
		/*
		 * Up to 11 digits of a number's end, its province unseen:
		 * all but the last two masked. Three tell no more than a
		 * masked number does, and are left ("220 ready").
		 */
		if (b > 3 && b < 12)
			memset(s, '*', b - 2);
	}
}

static int
cccd_hex(char c)
{
	return cccd_isdigit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

void
cccd_mask_escaped(char *s, size_t n, int cut)
{
	const char	*e;
	size_t		 i, a, b;

	for (e = memchr(s, '\\', n); e != NULL; e = b < n ?
	    memchr(s + b, '\\', n - b) : NULL) {
		i = (size_t)(e - s);
		/* \xHH, \HH, or '\' and the character it escapes. */
		if (i + 3 < n && s[i + 1] == 'x' && cccd_hex(s[i + 2]) &&
		    cccd_hex(s[i + 3]))
			a = i + 4;
		else if (i + 2 < n && cccd_hex(s[i + 1]) && cccd_hex(s[i + 2]))
			a = i + 3;
		else
			a = i + 2 < n ? i + 2 : n;
		for (b = a; b < n && cccd_isdigit(s[b]); b++)
			;
		if (b - a == 12 && cccd_plausible(s + a))
			memset(s + a + 3, '*', 7);
		else if (cut && b == n && b > a)
			cccd_mask_cut(s + a, b - a, 0, 1);
	}
}

size_t
cccd_copy_text(char *dst, size_t dstlen, const uint8_t *s, size_t n, char bad)
{
	size_t	i, m;

	if (dstlen == 0)
		return 0;
	m = n < dstlen - 1 ? n : dstlen - 1;
	for (i = 0; i < m; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : bad;
	dst[m] = '\0';
	/* Cut inside a run of digits: its kept part may be a number's. */
	if (m < n && m > 0 && cccd_isdigit((char)s[m]))
		cccd_mask_cut(dst, m, 0, 1);
	return m;
}
