/*
 * cccd.c: citizen-ID (CCCD) numbers, found and masked to their province
 * code and last two digits (020*******34). jsonw.c masks every string a
 * record carries; a string cut from a longer text is masked where the
 * cut falls (cccd_mask_cut), since a writer sees only whole numbers.
 */
#ifndef CANHGAC_CCCD_H
#define CANHGAC_CCCD_H

#include <stddef.h>
#include <stdint.h>

/* Do the 12 digits at s look like a citizen ID (province, century 0-3)? */
int	 cccd_plausible(const char *s);

static inline int
cccd_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Where the next citizen-ID number in s[from, n) starts, n if none: a
 * run of exactly 12 ASCII digits that cccd_plausible accepts. from is 0
 * or the end of a run. Any 12-digit run covers one of the positions
 * probed 12 apart, so a string costs n / 12 byte tests until a probe
 * finds a digit.
 */
static inline size_t
cccd_next(const char *s, size_t n, size_t from)
{
	size_t	p, a, b;

	for (p = from + 11; p < n; p += 12) {
		if (!cccd_isdigit(s[p]))
			continue;
		for (a = p; a > from && cccd_isdigit(s[a - 1]); a--)
			;
		for (b = p + 1; b < n && cccd_isdigit(s[b]); b++)
			;
		if (b - a == 12 && cccd_plausible(s + a))
			return a;
		/* s[b] is no digit: the next run starts after it. */
		p = b;
	}
	return n;
}

/* Mask every number in s in place; how many. */
size_t	 cccd_mask(char *s, size_t n);
/* The same in a NUL-terminated string (a message); s itself. */
char	*cccd_mask_str(char *s);
/*
 * s (n bytes) was cut from a longer text: head, the text went on before
 * it; tail, after it. The digits at a cut edge may be part of a number
 * that no writer will see whole: masked as it would have been, keeping
 * at most its province code (tail) or its last two digits (head).
 */
void	 cccd_mask_cut(char *s, size_t n, int head, int tail);
/*
 * s (n bytes) escapes bytes as \xHH (DNS names), \HH (OpenSSL's RFC 2253
 * names) or '\' and a character. The digits after a hex escape are, to
 * the writer, one run with the escape's own: "\x10" or "\10" before a
 * number makes a run of 14, no number's, though a reader of the escape
 * sees the 12 after it. Each run after an escape is masked as a number;
 * when s was cut inside a run of digits (cut), the one at its end as a
 * cut number's (cccd_mask_cut on s would count the escape's digits in).
 */
void	 cccd_mask_escaped(char *s, size_t n, int cut);
/*
 * n bytes of s into dst (dstlen), printable ASCII as is and any other
 * byte as bad, cut to fit with cccd_mask_cut at the cut; the length.
 */
size_t	 cccd_copy_text(char *dst, size_t dstlen, const uint8_t *s, size_t n,
	    char bad);

#endif /* CANHGAC_CCCD_H */
