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

/* Escape per RFC 8259; bytes that are not valid UTF-8 become \u00XX. */
static void
jw_escape(struct jsonw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i;

	jw_putc(w, '"');
	for (i = 0; i < n && !w->overflow; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			jw_putc(w, '\\');
			jw_putc(w, (char)c);
		} else if (c == '\n') {
			jw_putn(w, "\\n", 2);
		} else if (c == '\r') {
			jw_putn(w, "\\r", 2);
		} else if (c == '\t') {
			jw_putn(w, "\\t", 2);
		} else if (c < 0x20 || c >= 0x7f) {
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

void
jw_int(struct jsonw *w, const char *key, int64_t v)
{
	char	num[24];
	int	n;

	jw_key(w, key);
	n = snprintf(num, sizeof(num), "%" PRId64, v);
	jw_putn(w, num, (size_t)n);
}

void
jw_uint(struct jsonw *w, const char *key, uint64_t v)
{
	char	num[24];
	int	n;

	jw_key(w, key);
	n = snprintf(num, sizeof(num), "%" PRIu64, v);
	jw_putn(w, num, (size_t)n);
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
