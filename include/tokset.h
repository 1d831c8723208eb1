/*
 * tokset.c: sets of TLS fingerprints read from list files: JA3 (MD5,
 * 32 hex digits), JA4 strings, certificate SHA-256 (64 hex digits,
 * colons allowed). Sorted once at load; a lookup is a binary search.
 */
#ifndef CANHGAC_TOKSET_H
#define CANHGAC_TOKSET_H

#include <stddef.h>

enum tok_kind { TOK_NONE = 0, TOK_JA3, TOK_JA4, TOK_SHA256 };

#define TOK_LEN		65	/* the longest, a SHA-256 in hex, and NUL */

struct tokset {
	char		(*v)[TOK_LEN];
	size_t		 n, cap;
	enum tok_kind	 kind;
};

/* Check and normalise s (lowercase, colons out); -1 with why in err. */
int	 tok_norm(enum tok_kind, const char *s, char out[TOK_LEN], char *err,
	    size_t errlen);
/* Which kind s looks like, or TOK_NONE. */
enum tok_kind tok_guess(const char *s);
enum tok_kind tok_kind_value(const char *name);
const char *tok_kind_name(enum tok_kind);
int	 tokset_add(struct tokset *, const char *s, char *err, size_t errlen);
/* Sort and drop repeats: after adding, before looking up. */
void	 tokset_seal(struct tokset *);
long	 tokset_load_file(struct tokset *, const char *path, char *err,
	    size_t errlen);
int	 tokset_has(const struct tokset *, const char *norm);

#endif /* CANHGAC_TOKSET_H */
