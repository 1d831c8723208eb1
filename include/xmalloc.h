/*
 * xmalloc.c: allocation that exits on failure.
 */
#ifndef CANHGAC_XMALLOC_H
#define CANHGAC_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
/* Zeroed, aligned to align (a power of two, a multiple of a pointer). */
void	*xcalloc_aligned(size_t align, size_t);
void	 xprefault(void *, size_t);
void	*xcalloc_huge(size_t, size_t);
/* xcalloc_huge's, NULL when it cannot be had (a reload's tables). */
void	*calloc_huge(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* CANHGAC_XMALLOC_H */
