/*
 * tokset.c — sets of TLS fingerprints (JA3, JA4, certificate SHA-256)
 * from indicator and pinning lists; see tokset.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokset.h"
#include "util.h"

static const char *const kind_names[] = { "", "ja3", "ja4", "sha256" };

static int
is_hex(const char *s, size_t n)
{
	return strspn(s, "0123456789abcdefABCDEF") >= n;
}

/* JA4: t13d1516h2_8daaf6152771_02713d6af862 (FoxIO's a_b_c). */
static int
is_ja4(const char *s)
{
	if (strlen(s) != 36 || s[10] != '_' || s[23] != '_')
		return 0;
	if (strchr("tqd", tolower((unsigned char)s[0])) == NULL ||
	    !isalnum((unsigned char)s[1]) || !isalnum((unsigned char)s[2]) ||
	    strchr("di", tolower((unsigned char)s[3])) == NULL ||
	    strspn(s + 4, "0123456789") < 4 ||
	    !isalnum((unsigned char)s[8]) || !isalnum((unsigned char)s[9]))
		return 0;
	return is_hex(s + 11, 12) && is_hex(s + 24, 12);
}

/* 64 hex digits, or 32 pairs joined by single colons. */
static int
sha256_hex(const char *s, char *out)
{
	size_t	i, o = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == ':') {
			if (i == 0 || s[i + 1] == '\0' || s[i + 1] == ':' ||
			    o % 2 != 0)
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || o == 64)
			return -1;
		out[o++] = (char)tolower((unsigned char)s[i]);
	}
	out[o] = '\0';
	return o == 64 ? 0 : -1;
}

int
tok_norm(enum tok_kind k, const char *s, char out[TOK_LEN], char *err,
    size_t errlen)
{
	size_t	i, n = strlen(s);

	switch (k) {
	case TOK_JA3:
		if (n != 32 || !is_hex(s, 32)) {
			snprintf(err, errlen, "not a JA3 hash (32 hex digits)");
			return -1;
		}
		break;
	case TOK_JA4:
		if (!is_ja4(s)) {
			snprintf(err, errlen, "not a JA4 fingerprint (like "
			    "t13d1516h2_8daaf6152771_02713d6af862)");
			return -1;
		}
		break;
	case TOK_SHA256:
		if (n >= 128 || sha256_hex(s, out) != 0) {
			snprintf(err, errlen, "not a SHA-256 fingerprint (64 "
			    "hex digits, colons allowed between pairs)");
			return -1;
		}
		return 0;
	default:
		snprintf(err, errlen, "unknown list type");
		return -1;
	}
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return 0;
}

enum tok_kind
tok_guess(const char *s)
{
	char	b[TOK_LEN];

	if (strlen(s) == 32 && is_hex(s, 32))
		return TOK_JA3;
	if (is_ja4(s))
		return TOK_JA4;
	if (strlen(s) < 128 && sha256_hex(s, b) == 0)
		return TOK_SHA256;
	return TOK_NONE;
}

enum tok_kind
tok_kind_value(const char *name)
{
	int	k;

	for (k = TOK_JA3; k <= TOK_SHA256; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return (enum tok_kind)k;
	return TOK_NONE;
}

const char *
tok_kind_name(enum tok_kind k)
{
	return (unsigned)k <= TOK_SHA256 ? kind_names[k] : "";
}

int
tokset_add(struct tokset *t, const char *s, char *err, size_t errlen)
{
	char	b[TOK_LEN];

	if (tok_norm(t->kind, s, b, err, errlen) != 0)
		return -1;
	if (t->n == t->cap) {
		/* A reload's list, beside the running one's: may fail. */
		char	(*v)[TOK_LEN] = reallocarray(t->v, t->cap ? t->cap * 2 :
		    16, sizeof(*t->v));

		if (v == NULL) {
			snprintf(err, errlen, "no memory for the list at %zu "
			    "entries: %s", t->n, strerror(ENOMEM));
			return -1;
		}
		t->v = v;
		t->cap = t->cap ? t->cap * 2 : 16;
	}
	memcpy(t->v[t->n++], b, TOK_LEN);
	return 0;
}

static int
tok_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

void
tokset_seal(struct tokset *t)
{
	size_t	i, o = 0;

	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof(*t->v), tok_cmp);
	for (i = 1; i < t->n; i++)
		if (strcmp(t->v[i], t->v[o]) != 0)
			memcpy(t->v[++o], t->v[i], TOK_LEN);
	t->n = o + 1;
}

static int
tok_entry(const char *s, void *arg, char *err, size_t errlen)
{
	return tokset_add(arg, s, err, errlen);
}

long
tokset_load_file(struct tokset *t, const char *path, char *err,
    size_t errlen)
{
	if (util_read_list(path, NULL, tok_entry, t, err, errlen) != 0)
		return -1;
	tokset_seal(t);
	return (long)t->n;
}

int
tokset_has(const struct tokset *t, const char *norm)
{
	return t->n > 0 && bsearch(norm, t->v, t->n, sizeof(*t->v),
	    tok_cmp) != NULL;
}
