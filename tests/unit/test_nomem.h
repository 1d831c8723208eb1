/*
 * Unit tests' helper: realloc and reallocarray of the library, wrapped
 * (-Wl,--wrap=realloc -Wl,--wrap=reallocarray, Makefile.am), fail as
 * with no memory left while nomem_next is set, once. xreallocarray goes
 * through realloc, its replacements through reallocarray: the same
 * test ends the old code and checks the new. Include once per program.
 */
#ifndef CANHGAC_TEST_NOMEM_H
#define CANHGAC_TEST_NOMEM_H

#include <errno.h>
#include <stdlib.h>

static int	nomem_next, nomem_failed;

void	*__real_realloc(void *, size_t);
void	*__wrap_realloc(void *, size_t);
void	*__real_reallocarray(void *, size_t, size_t);
void	*__wrap_reallocarray(void *, size_t, size_t);

static int
nomem_now(void)
{
	if (!nomem_next)
		return 0;
	nomem_next = 0;
	nomem_failed++;
	errno = ENOMEM;
	return 1;
}

void *
__wrap_realloc(void *p, size_t n)
{
	return nomem_now() ? NULL : __real_realloc(p, n);
}

void *
__wrap_reallocarray(void *p, size_t n, size_t size)
{
	return nomem_now() ? NULL : __real_reallocarray(p, n, size);
}

#endif /* CANHGAC_TEST_NOMEM_H */
