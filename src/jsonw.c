/*
 * A JSON writer into a caller-supplied buffer: events are written per
 * flow and per metadata record, so this path must not allocate. On
 * overflow the record is marked and dropped whole, never cut in half.
 *
 * Every record the daemon writes (alerts, events, and through the alert
 * text local syslog, remote syslog and the status socket) is built
 * here, so this is where citizen-ID numbers are masked: every string
 * key and value, whoever writes it. Only jw_digest, for fingerprints
 * the sensor computed, skips it.
 */
#include "config.h"

#include <sys/types.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <jansson.h>

#include "cccd.h"
#include "jsonw.h"
#include "util.h"

void
jw_init(struct jsonw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = 0;
	w->need_comma = 0;
	w->addr_at = 0;
	jw_obj_open(w, NULL);
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

/*
 * Copy n bytes, most keys and values being short: up to 32 by two moves
 * of a fixed size that may overlap, not a call to memcpy (a fifth of a
 * key's cost). Reads and writes stay within the n bytes.
 */
static inline void
jw_copy(char *d, const char *s, size_t n)
{
	if (n > 16 && n <= 32) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8 && n <= 16) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else
		memcpy(d, s, n);
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
 * 0x20, none is '"', '\\' or 0x7f. With the top bits clear, adding 0x7f
 * to a byte sets its top bit exactly when the byte is not zero, and
 * adding 0x60 exactly when it is 0x20 or more: no carry crosses a byte,
 * so each byte is judged alone, in one AND of the four tests.
 */
#define JW_ONES		0x0101010101010101ULL
#define JW_HIGHS	0x8080808080808080ULL
#define JW_NZ(v)	((v) + JW_ONES * 0x7f)	/* top bit: byte != 0 */

static inline int
jw_word_plain(uint64_t v)
{
	if (v & JW_HIGHS)
		return 0;
	return ((v + JW_ONES * 0x60) & JW_NZ(v ^ (JW_ONES * '"')) &
	    JW_NZ(v ^ (JW_ONES * '\\')) & JW_NZ(v ^ (JW_ONES * 0x7f)) &
	    JW_HIGHS) == JW_HIGHS;
}

/*
 * Byte classes, by table: most strings are short, so their bytes are
 * tested one at a time. JW_PLAIN: a JSON string carries it as it is
 * (printable ASCII but " and \\). JW_NAME: a key byte that needs neither
 * escaping nor masking (a letter or '_'; no digit, so no citizen ID).
 */
#define JW_PLAIN	1
#define JW_NAME		2
static const uint8_t jw_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 0, 1, 1, 3,
	1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/*
 * Escape per RFC 8259, without the quotes. Valid UTF-8 (Vietnamese
 * text) passes through; a byte that is not valid UTF-8 becomes U+FFFD,
 * so hostile bytes can never make the line invalid.
 */
#ifdef __SSE2__
/*
 * The bytes of 16 at s that need escaping, a bit each: below 0x20 or
 * 0x80 and above (negative as signed bytes), 0x7f, '"' and '\\'. Four
 * compares for 16 bytes, where the word test above is about fifteen
 * instructions for 8: alert texts and URLs were a sixth of an alert's
 * instructions in that test (callgrind, bench gateway stage).
 */
static inline unsigned
jw_bad16(const char *s)
{
	__m128i	x = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i	bad = _mm_or_si128(
		    _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
		    _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))),
		    _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
		    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));

	return (unsigned)_mm_movemask_epi8(bad);
}
#endif

/* How many bytes at s go out as they are: blocks of 16 where SSE2 is,
 * then words of 8, then bytes. */
static inline size_t
jw_plain_len(const char *s, size_t from, size_t n)
{
	size_t	run = from;

#ifdef __SSE2__
	for (; run + 16 <= n; run += 16) {
		unsigned m = jw_bad16(s + run);

		if (m != 0)
			return run + (size_t)__builtin_ctz(m);
	}
	/* Fewer than 16 left: the 16 ending at n, their bits from run on. */
	if (run < n && n - from >= 16) {
		unsigned m = jw_bad16(s + n - 16) >> (run + 16 - n);

		return m != 0 ? run + (size_t)__builtin_ctz(m) : n;
	}
#endif
	for (; run + 8 <= n; run += 8) {
		uint64_t v;

		memcpy(&v, s + run, 8);
		if (!jw_word_plain(v))
			break;
	}
	/* Fewer than 8 left after plain words: the word ending at n,
	 * overlapping them, instead of a table test per byte. */
	if (run < n && run + 8 > n && n - from >= 8) {
		uint64_t v;

		memcpy(&v, s + n - 8, 8);
		if (jw_word_plain(v))
			return n;
	}
	for (; run < n && (jw_class[(unsigned char)s[run]] & JW_PLAIN); run++)
		;
	return run;
}

static void
jw_escape_run(struct jsonw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, ul;

	for (i = 0; i < n && !w->overflow; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t run;

		/* Plain ASCII goes out a run at a time: most of every alert. */
		run = jw_plain_len(s, i, n);
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
			jw_put1(w, '\\');
			jw_put1(w, (char)c);
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
			jw_put1(w, (char)c);
	}
}

/*
 * The same masking for records built with jansson (the statistics, the
 * status socket's answers): every string value of the tree, in place.
 * Keys are the code's own names. Numbers need none: a JSON number never
 * starts with 0, and every province code does.
 */
int
jw_mask_tree(struct json_t *j)
{
	const char	*k;
	json_t		*v;
	size_t		 i, n;
	char		*buf;
	int		 rc = 0;

	if (j == NULL)
		return 0;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach(j, k, v)
			rc |= jw_mask_tree(v);
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			rc |= jw_mask_tree(v);
		break;
	case JSON_STRING:
		if ((n = json_string_length(j)) < 12 ||
		    cccd_next(json_string_value(j), n, 0) >= n)
			break;
		/* Either copy failing leaves the number as it was: said. */
		if ((buf = malloc(n)) == NULL)
			return -1;
		memcpy(buf, json_string_value(j), n);
		cccd_mask(buf, n);
		rc = json_string_setn_nocheck(j, buf, n) != 0 ? -1 : 0;
		free(buf);
		break;
	default:
		break;
	}
	return rc < 0 ? -1 : 0;
}

/* The long way of jw_escape: masking, escaping, or a buffer near full. */
static void
jw_escape_slow(struct jsonw *w, const char *s, size_t n)
{
	size_t	done = 0, at = 0;

	jw_put1(w, '"');
	/* Most keys and many values are too short to hold one. */
	if (n >= 12) {
		/* Digits need no escaping: the masked form goes out as is. */
		while ((at = cccd_next(s, n, at)) < n) {
			jw_escape_run(w, s + done, at + 3 - done);
			jw_putn(w, "*******", 7);
			done = at + 10;
			at += 12;
		}
	}
	jw_escape_run(w, s + done, n - done);
	jw_put1(w, '"');
}

/*
 * A quoted string, its citizen-ID numbers masked on the way out. Most
 * strings need nothing done: no citizen ID (too short, or none found),
 * every byte plain. Those go out in one copy between their quotes, in
 * line (the calls were a tenth of a string's cost); the rest the long way.
 */
static inline void
jw_quoted(struct jsonw *w, const char *s, size_t n)
{
	char	*p = w->buf + w->len;

	p[0] = '"';
	jw_copy(p + 1, s, n);
	p[n + 1] = '"';
	w->len += n + 2;
}

static inline void
jw_escape(struct jsonw *w, const char *s, size_t n)
{
	if ((n < 12 || cccd_next(s, n, 0) == n) && w->len + n + 2 < w->cap &&
	    jw_plain_len(s, 0, n) == n) {
		jw_quoted(w, s, n);
		return;
	}
	jw_escape_slow(w, s, n);
}

/*
 * Keys are the code's own names: one of letters and '_' goes out in one
 * copy, the rest (and a buffer near full) the long way, which gives the
 * same bytes. Keys were a third of the strings escaped per record.
 */
static inline void
jw_key(struct jsonw *w, const char *key)
{
	size_t	n;

	if (w->need_comma)
		jw_put1(w, ',');
	w->need_comma = 1;
	if (key == NULL)
		return;
	for (n = 0; jw_class[(unsigned char)key[n]] & JW_NAME; n++)
		;
	if (key[n] == '\0' && w->len + n + 3 < w->cap) {
		char	*p = w->buf + w->len;

		p[0] = '"';
		jw_copy(p + 1, key, n);
		p[n + 1] = '"';
		p[n + 2] = ':';
		w->len += n + 3;
		return;
	}
	jw_escape(w, key, strlen(key));
	jw_put1(w, ':');
}

/*
 * A fingerprint the sensor computed (JA3, JA4): no personal data can be
 * in it, and masking a hex run that happens to be all digits would
 * break matching it against threat intelligence.
 */
void
jw_val_digest(struct jsonw *w, const char *val)
{
	jw_put1(w, '"');
	jw_escape_run(w, val, strlen(val));
	jw_put1(w, '"');
}

/* How many decimal digits v has (1 for 0). */
static inline size_t
jw_ndigits(uint64_t v)
{
	size_t	n = 1;

	for (; v >= 10000; v /= 10000)
		n += 4;
	if (v >= 100)
		n += v >= 1000 ? 3 : 2;
	else if (v >= 10)
		n++;
	return n;
}

/*
 * Decimal digits by hand, two at a time from a table: snprintf was a
 * tenth of an alert's cost, and a division per digit half of a number's
 * (a flow_id has 16 or more). Counted first, then written from the last
 * straight into the buffer: built in a scratch array by two-byte stores
 * and moved out by one 16-byte load, they stalled that load until the
 * stores had landed (store forwarding fails across stores), a tenth of
 * an event record's CPU time by perf.
 */
static void
jw_digits(struct jsonw *w, uint64_t v, int neg)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	size_t	n = jw_ndigits(v) + (neg != 0);
	char	*p;

	if (w->len + n >= w->cap) {
		w->overflow = 1;
		return;
	}
	p = w->buf + w->len + n;
	w->len += n;
	for (; v >= 100; v /= 100) {
		p -= 2;
		memcpy(p, pairs + v % 100 * 2, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, pairs + v * 2, 2);
	} else
		*--p = (char)('0' + v);
	if (neg)
		*--p = '-';
}

void
jw_val_int(struct jsonw *w, int64_t v)
{
	jw_digits(w, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void
jw_obj_open(struct jsonw *w, const char *key)
{
	if (w->len > 0)
		jw_key(w, key);
	jw_val_open(w, '{');
}

void
jw_arr_open(struct jsonw *w, const char *key)
{
	jw_key(w, key);
	jw_val_open(w, '[');
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

void
jw_digest(struct jsonw *w, const char *key, const char *val)
{
	jw_key(w, key);
	jw_val_digest(w, val);
}

void
jw_int(struct jsonw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_val_int(w, v);
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
	jw_val_bool(w, v);
}

void
jw_val_str(struct jsonw *w, const char *val, size_t n)
{
	jw_escape(w, val, n);
}

void
jw_val_safen(struct jsonw *w, const char *val, size_t n)
{
	if (w->len + n + 2 >= w->cap) {
		w->overflow = 1;
		return;
	}
	jw_quoted(w, val, n);
}

/*
 * An address, formatted straight into the buffer between its quotes:
 * through a scratch string, its strlen and copy loaded what byte stores
 * had just written, and waited for them. Digits, dots, hex and colons
 * need no escaping, and no run of twelve digits fits in one.
 */
void
jw_val_addr(struct jsonw *w, int ipver, const uint8_t *a)
{
	char	*p = w->buf + w->len;
	size_t	 n;

	if (w->len + INET6_ADDRSTRLEN + 2 >= w->cap) {
		char	t[INET6_ADDRSTRLEN];

		n = util_addr_fmt(ipver, a, t);
		jw_val_safen(w, t, n);
		w->addr_at = 0;
		return;
	}
	p[0] = '"';
	n = util_addr_fmt(ipver, a, p + 1);
	p[n + 1] = '"';
	w->addr_at = w->len + 1;
	w->len += n + 2;
}

void
jw_val_safe(struct jsonw *w, const char *val)
{
	jw_val_safen(w, val, strlen(val));
}

void
jw_val_clean(struct jsonw *w, const char *val)
{
	size_t	n = strlen(val);

	if ((n < 12 || cccd_next(val, n, 0) == n) && w->len + n + 2 < w->cap) {
		jw_quoted(w, val, n);
		return;
	}
	jw_escape_slow(w, val, n);
}

void
jw_val_uint(struct jsonw *w, uint64_t v)
{
	jw_digits(w, v, 0);
}

/* Whether the values are those m was written from (their lengths kept:
 * a strlen per value was a tenth of a record's envelope). */
static int
jw_memo_same(const struct jw_memo *m, const char *const *vals, size_t n)
{
	const char	*p = m->src;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (vals[i] == NULL) {
			if (*p++ != 0)
				return 0;
			continue;
		}
		if (*p++ != 1 || strcmp(p, vals[i]) != 0)
			return 0;
		p += m->vlen[i] + 1;
	}
	return 1;
}

int
jw_memo_put(struct jsonw *w, const struct jw_memo *m,
    const char *const *vals, size_t n)
{
	if (m->len == 0 || n > JW_MEMO_VALS || w->need_comma != m->comma ||
	    w->len + m->len >= w->cap || !jw_memo_same(m, vals, n))
		return 0;
	memcpy(w->buf + w->len, m->json, m->len);
	w->len += m->len;
	w->need_comma = 1;
	return 1;
}

char *
jw_members_copy(const struct jsonw *w, size_t *len)
{
	char	*p;

	if (w->overflow || w->len < 2)
		return NULL;
	*len = w->len - 1;
	if ((p = malloc(*len)) == NULL)
		return NULL;
	memcpy(p, w->buf + 1, *len);
	return p;
}

void
jw_members(struct jsonw *w, const char *json, size_t len)
{
	if (w->need_comma)
		jw_putn(w, ",", 1);
	jw_putn(w, json, len);
	w->need_comma = 1;
}

void
jw_memo_keep(struct jw_memo *m, const struct jsonw *w, size_t mark,
    int comma, const char *const *vals, size_t n)
{
	size_t	i, o = 0, l;

	m->len = 0;
	if (w->overflow || w->len - mark > sizeof(m->json) || w->len == mark ||
	    n > JW_MEMO_VALS)
		return;
	for (i = 0; i < n; i++) {
		if (vals[i] == NULL) {
			if (o + 1 > sizeof(m->src))
				return;
			m->src[o++] = 0;
			continue;
		}
		l = strlen(vals[i]);
		if (o + l + 2 > sizeof(m->src))
			return;
		m->vlen[i] = l;
		m->src[o++] = 1;
		memcpy(m->src + o, vals[i], l + 1);
		o += l + 1;
	}
	memcpy(m->json, w->buf + mark, w->len - mark);
	m->comma = comma;
	m->len = w->len - mark;
}

ssize_t
jw_finish(struct jsonw *w)
{
	jw_obj_close(w);
	jw_put1(w, '\n');
	if (w->overflow)
		return -1;
	w->buf[w->len] = '\0';
	return (ssize_t)w->len;
}
