/*
 * update_format.c: indicator formats (plain lists, a CSV column, MISP's
 * text export) converted to the list format the loader reads: one entry
 * a line. The input is whatever a feed served: nothing in it is
 * trusted, every value is bounded and must be printable ASCII.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "update.h"
#include "xmalloc.h"

#define ENTRY_MAX	253	/* as list add: the longest domain */

void
upd_buf_add(struct upd_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
upd_buf_free(struct upd_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* A message quoting a feed: its bytes outside printable ASCII as '?'. */
void
upd_printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static const char *const format_names[] = { "plain", "csv", "misp",
    "rules" };

const char *
update_format_name(enum update_format f)
{
	return format_names[f];
}

int
update_format_parse(const char *s, enum update_format *f)
{
	size_t	i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(s, format_names[i]) == 0) {
			*f = (enum update_format)i;
			return 0;
		}
	return -1;
}

/* Trim blanks (and a CR) from both ends of [*p, *p + *n). */
static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && strchr(" \t\r", **p) != NULL) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && strchr(" \t\r", (*p)[*n - 1]) != NULL)
		(*n)--;
}

/* Append one value as an entry line, after checking it; -1 with err. */
static int
emit(struct upd_buf *out, const char *v, size_t n, unsigned long line,
    size_t *count, char *err, size_t errlen)
{
	size_t	i;

	trim(&v, &n);
	if (n == 0)
		return 0;
	if (n > ENTRY_MAX) {
		snprintf(err, errlen, "line %lu: a value of %zu bytes (at most "
		    "%d)", line, n, ENTRY_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] >= 0x7f || v[i] == '#') {
			snprintf(err, errlen, "line %lu: \"%.*s\" is not one "
			    "printable word", line, (int)(n > 64 ? 64 : n), v);
			upd_printable(err);
			return -1;
		}
	upd_buf_add(out, v, n);
	upd_buf_add(out, "\n", 1);
	(*count)++;
	return 0;
}

/*
 * A plain list or MISP's text export: the first word of each line,
 * comments (# or ;) and blank lines skipped. MISP composite values
 * ("domain|ip", "ip-dst|port") give their first part.
 */
static int
convert_lines(const char *in, size_t len, int misp, struct upd_buf *out,
    size_t *count, char *err, size_t errlen)
{
	const char	*p = in, *end = in + len, *nl, *v;
	unsigned long	 line = 0;
	size_t		 n;

	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		v = p;
		n = (size_t)(nl - p);
		trim(&v, &n);
		if (n == 0 || *v == '#' || *v == ';')
			continue;
		/* A trailing comment or a second column goes. */
		for (size_t i = 0; i < n; i++)
			if (strchr(" \t#", v[i]) != NULL ||
			    (misp && v[i] == '|')) {
				n = i;
				break;
			}
		if (emit(out, v, n, line, count, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/*
 * A CSV file (RFC 4180: quoted fields, "" in them, newlines inside
 * quotes): the value of column col of each record, a record whose first
 * field starts with # skipped, and the first record with header.
 */
static int
convert_csv(const char *in, size_t len, int col, int header,
    struct upd_buf *out, size_t *count, char *err, size_t errlen)
{
	char		 field[ENTRY_MAX + 2];
	size_t		 fl = 0, i;
	int		 fno = 1, quoted = 0, infield = 0, comment = 0;
	int		 over = 0;
	unsigned long	 line = 1, recline = 1, rec = 0;

	for (i = 0; i <= len; i++) {
		int c = i < len ? (unsigned char)in[i] : -1;

		if (quoted) {
			if (c == -1) {
				snprintf(err, errlen, "line %lu: a quoted "
				    "field does not end", recline);
				return -1;
			}
			if (c == '"' && i + 1 < len && in[i + 1] == '"')
				i++;
			else if (c == '"') {
				quoted = 0;
				continue;
			}
			if (c == '\n')
				line++;
		} else if (c == '"' && !infield) {
			quoted = infield = 1;
			continue;
		} else if (c == ',' || c == '\n' || c == -1) {
			if (fno == 1 && fl > 0 && field[0] == '#')
				comment = 1;
			if (fno == col && !comment && !(header && rec == 0)) {
				if (over) {
					snprintf(err, errlen, "line %lu: a "
					    "value longer than %d bytes",
					    recline, ENTRY_MAX);
					return -1;
				}
				if (emit(out, field, fl, recline, count, err,
				    errlen) != 0)
					return -1;
			}
			fl = 0;
			over = infield = 0;
			if (c == ',') {
				fno++;
				continue;
			}
			/* The end of a record (a blank line is none). */
			if (!comment && (fno > 1 || i == 0 ||
			    in[i - 1] != '\n'))
				rec++;
			fno = 1;
			comment = 0;
			if (c == '\n')
				recline = ++line;
			continue;
		}
		/* The first field is kept only when it is the column: a
		 * comment is told by its first byte, whichever is taken. */
		if (fno == 1 && !infield && c == '#')
			comment = 1;
		infield = 1;
		if (fno != col)
			continue;
		if (fl < ENTRY_MAX + 1)
			field[fl++] = (char)c;
		else
			over = 1;
	}
	return 0;
}

int
update_convert(const char *in, size_t len, enum update_format f,
    int column, int header, const char *comment, struct upd_buf *out,
    size_t *count, char *err, size_t errlen)
{
	*count = 0;
	if (comment != NULL) {
		upd_buf_add(out, "# ", 2);
		upd_buf_add(out, comment, strlen(comment));
		upd_buf_add(out, "\n", 1);
	}
	switch (f) {
	case UPD_PLAIN:
		return convert_lines(in, len, 0, out, count, err, errlen);
	case UPD_MISP:
		return convert_lines(in, len, 1, out, count, err, errlen);
	case UPD_CSV:
		return convert_csv(in, len, column, header, out, count, err,
		    errlen);
	case UPD_RULES:
		if (memchr(in, '\0', len) != NULL) {
			snprintf(err, errlen, "a NUL byte in a rule pack");
			return -1;
		}
		upd_buf_add(out, in, len);
		return 0;
	}
	return -1;
}
