/*
 * A JSON writer into a caller-supplied buffer: events are written per
 * flow and per metadata record, so this path must not allocate. On
 * overflow the record is marked and dropped whole, never cut in half.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "canhgac.h"

void
jw_init(struct jsonw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = 0;
	w->need_comma = 0;
	jw_obj_open(w, NULL);
}

static void
jw_putc(struct jsonw *w, char c)
{
	if (w->len + 1 >= w->cap) {
		w->overflow = 1;
		return;
	}
	w->buf[w->len++] = c;
}

static void
jw_putn(struct jsonw *w, const char *s, size_t n)
{
	if (w->len + n >= w->cap) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t	len, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and beyond U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/*
 * Whether 8 bytes need no escaping: none has the top bit, none is below
 * 0x20, none is '"', '\\' or 0x7f. The classic zero-byte tests are exact
 * as yes/no answers, so a word is never wrongly called plain.
 */
#define JW_ONES		0x0101010101010101ULL
#define JW_HIGHS	0x8080808080808080ULL
#define JW_HASZERO(v)	(((v) - JW_ONES) & ~(v) & JW_HIGHS)

static inline int
jw_word_plain(uint64_t v)
{
	if (v & JW_HIGHS)
		return 0;
	/* With the top bits clear, a byte below 0x20 borrows into bit 7. */
	if ((v - JW_ONES * 0x20) & ~v & JW_HIGHS)
		return 0;
	return !JW_HASZERO(v ^ (JW_ONES * '"')) &&
	    !JW_HASZERO(v ^ (JW_ONES * '\\')) &&
	    !JW_HASZERO(v ^ (JW_ONES * 0x7f));
}

/*
 * Escape per RFC 8259. Valid UTF-8 (Vietnamese text) passes through;
 * a byte that is not valid UTF-8 becomes U+FFFD, so hostile bytes can
 * never make the line invalid.
 */
static void
jw_escape(struct jsonw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, ul;

	jw_putc(w, '"');
	for (i = 0; i < n && !w->overflow; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t run;

		/* Plain ASCII goes out a run at a time: most of every alert. */
		for (run = i; run + 8 <= n; run += 8) {
			uint64_t v;

			memcpy(&v, s + run, 8);
			if (!jw_word_plain(v))
				break;
		}
		for (; run < n && (unsigned char)s[run] >= 0x20 &&
		    (unsigned char)s[run] < 0x7f && s[run] != '"' &&
		    s[run] != '\\'; run++)
			;
		if (run > i) {
			jw_putn(w, s + i, run - i);
			i = run - 1;
			continue;
		}
		if (c >= 0x80) {
			if ((ul = utf8_len((const unsigned char *)s + i,
			    n - i)) != 0) {
				jw_putn(w, s + i, ul);
				i += ul - 1;
			} else
				jw_putn(w, "\\ufffd", 6);
			continue;
		}

		if (c == '"' || c == '\\') {
			jw_putc(w, '\\');
			jw_putc(w, (char)c);
		} else if (c == '\n') {
			jw_putn(w, "\\n", 2);
		} else if (c == '\r') {
			jw_putn(w, "\\r", 2);
		} else if (c == '\t') {
			jw_putn(w, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };
			jw_putn(w, u, sizeof(u));
		} else
			jw_putc(w, (char)c);
	}
	jw_putc(w, '"');
}

static void
jw_key(struct jsonw *w, const char *key)
{
	if (w->need_comma)
		jw_putc(w, ',');
	w->need_comma = 1;
	if (key != NULL) {
		jw_escape(w, key, strlen(key));
		jw_putc(w, ':');
	}
}

void
jw_obj_open(struct jsonw *w, const char *key)
{
	if (w->len > 0)
		jw_key(w, key);
	jw_putc(w, '{');
	w->need_comma = 0;
}

void
jw_obj_close(struct jsonw *w)
{
	jw_putc(w, '}');
	w->need_comma = 1;
}

void
jw_arr_open(struct jsonw *w, const char *key)
{
	jw_key(w, key);
	jw_putc(w, '[');
	w->need_comma = 0;
}

void
jw_arr_close(struct jsonw *w)
{
	jw_putc(w, ']');
	w->need_comma = 1;
}

void
jw_strn(struct jsonw *w, const char *key, const char *val, size_t n)
{
	jw_key(w, key);
	jw_escape(w, val, n);
}

void
jw_str(struct jsonw *w, const char *key, const char *val)
{
	jw_strn(w, key, val, strlen(val));
}

/* Decimal digits by hand: snprintf was a tenth of an alert's cost. */
static void
jw_digits(struct jsonw *w, uint64_t v, int neg)
{
	char	num[24];
	size_t	n = sizeof(num);

	do {
		num[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (neg)
		num[--n] = '-';
	jw_putn(w, num + n, sizeof(num) - n);
}

void
jw_int(struct jsonw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_digits(w, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void
jw_uint(struct jsonw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_digits(w, v, 0);
}

void
jw_bool(struct jsonw *w, const char *key, int v)
{
	jw_key(w, key);
	if (v)
		jw_putn(w, "true", 4);
	else
		jw_putn(w, "false", 5);
}

ssize_t
jw_finish(struct jsonw *w)
{
	jw_obj_close(w);
	jw_putc(w, '\n');
	if (w->overflow)
		return -1;
	w->buf[w->len] = '\0';
	return (ssize_t)w->len;
}
