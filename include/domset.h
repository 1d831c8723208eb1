/*
 * domset.c: domain sets; an entry matches itself and its subdomains.
 */
#ifndef CANHGAC_DOMSET_H
#define CANHGAC_DOMSET_H

#include <stddef.h>

struct domset;
/* NULL without memory (as ipset_new). */
struct domset *domset_new(void);
void	 domset_free(struct domset *);
int	 domset_add(struct domset *, const char *, char *err, size_t errlen);
/* Does name, or a parent domain of it, belong to the set? */
int	 domset_match(const struct domset *, const char *name);
size_t	 domset_count(const struct domset *);
size_t	 domset_memory(const struct domset *);
long	 domset_load_file(struct domset *, const char *path, char *err,
	    size_t errlen);
/* Is the entry a public suffix (com, co.uk, github.io)? 1 with why. */
int	 domset_public_suffix(const char *, char *why, size_t whylen);
/* The public suffix list (libpsl): the system's if newer, else built in. */
struct psl_ctx_st;
const struct psl_ctx_st *domset_psl(void);
/* domset_load_file warns (FILE:LINE) of public suffixes, or with refuse
 * fails on the first, or on a single label (a fetched list). */
void	 domset_warn_suffixes(struct domset *, int refuse);

#endif /* CANHGAC_DOMSET_H */
