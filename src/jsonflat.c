/*
 * Flatten one JSON object (an alert record) into key=value pairs for
 * syslog and the remote outputs: nested keys joined by '.', arrays of
 * scalars by ','. A single pass over the text into a caller's buffer:
 * parsing it with jansson cost an allocation per value and most of the
 * time an alert took to reach syslog.
 *
 * The text is bounded and parsed strictly (RFC 8259); anything that is
 * not a JSON object fails as a whole. Keys are cut at FLAT_KEY_MAX - 1
 * bytes, values at FLAT_VAL_MAX - 1; an array with an object inside, or
 * longer than FLAT_VAL_MAX when joined, is left out.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonflat.h"

#define FLAT_KEY_MAX	128
#define FLAT_VAL_MAX	4096
#define FLAT_ITEM_MAX	1024
#define FLAT_DEPTH_MAX	32

struct jscan {
	const char	*p, *end;
	const char	**keys, **vals;
	size_t		 max, n;
	char		*buf;
	size_t		 buflen, used;
	int		 full;		/* buf or pairs ran out */
};

static void
js_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
js_lit(struct jscan *s, const char *lit)
{
	size_t	n = strlen(lit);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

static int
js_hex4(struct jscan *s, uint32_t *v)
{
	int	i, c;

	if (s->end - s->p < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		c = (unsigned char)*s->p++;
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		*v = *v << 4 | (uint32_t)c;
	}
	return 0;
}

static size_t
js_utf8(uint32_t cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string into out (cut to len - 1 bytes); -1 when malformed. */
static int
js_string(struct jscan *s, char *out, size_t len)
{
	size_t		n = 0, tn, i;
	uint32_t	cp, lo;
	char		t[4];
	int		c;

	if (s->p >= s->end || *s->p != '"')
		return -1;
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		/* A run of plain bytes is copied at once. */
		for (i = 0; s->p + i < s->end && s->p[i] != '"' &&
		    s->p[i] != '\\' && (unsigned char)s->p[i] >= 0x20; i++)
			;
		if (i > 0) {
			tn = n + i < len ? i : (n + 1 < len ? len - 1 - n : 0);
			memcpy(out + n, s->p, tn);
			n += tn;
			s->p += i;
			continue;
		}
		c = (unsigned char)*s->p++;
		tn = 1;
		t[0] = (char)c;
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (s->p >= s->end)
				return -1;
			switch (*s->p++) {
			case '"':	t[0] = '"'; break;
			case '\\':	t[0] = '\\'; break;
			case '/':	t[0] = '/'; break;
			case 'b':	t[0] = '\b'; break;
			case 'f':	t[0] = '\f'; break;
			case 'n':	t[0] = '\n'; break;
			case 'r':	t[0] = '\r'; break;
			case 't':	t[0] = '\t'; break;
			case 'u':
				if (js_hex4(s, &cp) != 0 || cp == 0 ||
				    (cp >= 0xdc00 && cp < 0xe000))
					return -1;
				if (cp >= 0xd800 && cp < 0xdc00) {
					if (js_lit(s, "\\u") != 0 ||
					    js_hex4(s, &lo) != 0 ||
					    lo < 0xdc00 || lo >= 0xe000)
						return -1;
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				}
				tn = js_utf8(cp, t);
				break;
			default:
				return -1;
			}
		}
		for (i = 0; i < tn; i++)
			if (n + 1 < len)
				out[n++] = t[i];
	}
	if (s->p >= s->end)
		return -1;
	s->p++;
	out[n] = '\0';
	return 0;
}

/* A number as written, or as %g when it has a fraction or exponent. */
static int
js_number(struct jscan *s, char *out, size_t len)
{
	const char	*b = s->p;
	char		 tmp[64], *e;
	size_t		 n;
	int		 real = 0;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p >= s->end || *s->p < '0' || *s->p > '9')
		return -1;
	while (s->p < s->end && ((*s->p >= '0' && *s->p <= '9') ||
	    *s->p == '.' || *s->p == 'e' || *s->p == 'E' || *s->p == '+' ||
	    *s->p == '-')) {
		if (*s->p == '.' || *s->p == 'e' || *s->p == 'E')
			real = 1;
		s->p++;
	}
	n = (size_t)(s->p - b);
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, b, n);
	tmp[n] = '\0';
	if (real) {
		double d = strtod(tmp, &e);

		if (*e != '\0')
			return -1;
		snprintf(out, len, "%g", d);
	} else {
		strtoll(tmp, &e, 10);
		if (*e != '\0')
			return -1;
		snprintf(out, len, "%s", tmp);
	}
	return 0;
}

static int js_skip(struct jscan *, int);

/*
 * A scalar, or an array of scalars joined by ','. 1 with text in out,
 * 0 when the value has no text form (consumed), -1 when malformed.
 */
static int
js_text(struct jscan *s, char *out, size_t len, int depth)
{
	char	item[FLAT_ITEM_MAX];
	size_t	n = 0;
	int	r, ok = 1, first = 1;

	js_ws(s);
	if (s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '"':
		return js_string(s, out, len) == 0 ? 1 : -1;
	case 't':
		snprintf(out, len, "true");
		return js_lit(s, "true") == 0 ? 1 : -1;
	case 'f':
		snprintf(out, len, "false");
		return js_lit(s, "false") == 0 ? 1 : -1;
	case 'n':
		out[0] = '\0';
		return js_lit(s, "null") == 0 ? 1 : -1;
	case '{':
		return js_skip(s, depth) == 0 ? 0 : -1;
	case '[':
		if (depth >= FLAT_DEPTH_MAX)
			return -1;
		s->p++;
		out[0] = '\0';
		js_ws(s);
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return 1;
		}
		for (;;) {
			r = js_text(s, item, sizeof(item), depth + 1);
			if (r < 0)
				return -1;
			if (r == 0)
				ok = 0;
			else if (ok) {
				n += (size_t)snprintf(out + n, len > n ?
				    len - n : 0, "%s%s", first ? "" : ",",
				    item);
				if (n >= len)
					ok = 0;
			}
			first = 0;
			js_ws(s);
			if (s->p < s->end && *s->p == ',') {
				s->p++;
				continue;
			}
			if (s->p < s->end && *s->p == ']') {
				s->p++;
				return ok;
			}
			return -1;
		}
	default:
		return js_number(s, out, len) == 0 ? 1 : -1;
	}
}

static int js_object(struct jscan *, const char *, int);

/* Consume any value. */
static int
js_skip(struct jscan *s, int depth)
{
	char	tmp[FLAT_ITEM_MAX];

	js_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == '{')
		return js_object(s, NULL, depth);
	return js_text(s, tmp, sizeof(tmp), depth) < 0 ? -1 : 0;
}

static const char *
js_store(struct jscan *s, const char *v)
{
	size_t	len = strlen(v);
	char	*p;

	if (s->used + len + 1 > s->buflen) {
		s->full = 1;
		return NULL;
	}
	p = s->buf + s->used;
	memcpy(p, v, len + 1);
	s->used += len + 1;
	return p;
}

/* prefix.name, cut to FLAT_KEY_MAX - 1 bytes. */
static void
js_join(char *key, const char *prefix, const char *name)
{
	size_t	n = 0, i;

	for (i = 0; prefix[i] != '\0' && n + 1 < FLAT_KEY_MAX; i++)
		key[n++] = prefix[i];
	if (*prefix != '\0' && n + 1 < FLAT_KEY_MAX)
		key[n++] = '.';
	for (i = 0; name[i] != '\0' && n + 1 < FLAT_KEY_MAX; i++)
		key[n++] = name[i];
	key[n] = '\0';
}

/* The members of an object, their keys under prefix (NULL: skip). */
static int
js_object(struct jscan *s, const char *prefix, int depth)
{
	char	name[FLAT_KEY_MAX], key[FLAT_KEY_MAX], val[FLAT_VAL_MAX];
	int	r;

	if (depth >= FLAT_DEPTH_MAX)
		return -1;
	js_ws(s);
	if (s->p >= s->end || *s->p != '{')
		return -1;
	s->p++;
	js_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		js_ws(s);
		if (js_string(s, name, sizeof(name)) != 0)
			return -1;
		js_ws(s);
		if (s->p >= s->end || *s->p++ != ':')
			return -1;
		js_ws(s);
		if (prefix == NULL) {
			if (js_skip(s, depth + 1) != 0)
				return -1;
		} else if (s->p < s->end && *s->p == '{') {
			js_join(key, prefix, name);
			if (js_object(s, key, depth + 1) != 0)
				return -1;
		} else {
			r = js_text(s, val, sizeof(val), depth + 1);
			if (r < 0)
				return -1;
			js_join(key, prefix, name);
			if (r > 0 && !s->full) {
				if (s->n == s->max)
					s->full = 1;
				else if ((s->keys[s->n] = js_store(s, key)) !=
				    NULL && (s->vals[s->n] = js_store(s, val))
				    != NULL)
					s->n++;
			}
		}
		js_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			return 0;
		}
		return -1;
	}
}

int
json_flatten(const char *json, size_t len, const char **keys,
    const char **vals, size_t max, char *buf, size_t buflen)
{
	struct jscan	s;

	memset(&s, 0, sizeof(s));
	s.p = json;
	s.end = json + len;
	s.keys = keys;
	s.vals = vals;
	s.max = max;
	s.buf = buf;
	s.buflen = buflen;
	if (js_object(&s, "", 0) != 0)
		return -1;
	js_ws(&s);
	if (s.p != s.end)
		return -1;
	return (int)s.n;
}
