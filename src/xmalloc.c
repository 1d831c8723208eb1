/*
 * Allocation that cannot return NULL: used at load time only, never per
 * packet, so running out of memory there is a start-up failure. What a
 * reload builds beside the running set uses the NULL-returning calls
 * (calloc_huge here, libc's otherwise), so that it fails alone.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		fatalx("xmalloc: zero size");
	if ((p = malloc(size)) == NULL)
		fatal("xmalloc: allocating %zu bytes", size);
	return p;
}

void *
xcalloc_aligned(size_t align, size_t size)
{
	void	*p;
	int	 rc;

	if (size == 0)
		fatalx("xcalloc_aligned: zero size");
	if ((rc = posix_memalign(&p, align, size)) != 0) {
		errno = rc;
		fatal("xcalloc_aligned: allocating %zu bytes", size);
	}
	memset(p, 0, size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		fatalx("xcalloc: zero size");
	if ((p = calloc(nmemb, size)) == NULL)
		fatal("xcalloc: allocating %zu * %zu bytes", nmemb, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		fatalx("xreallocarray: zero size");
	if (nmemb > SIZE_MAX / size)
		fatalx("xreallocarray: %zu * %zu overflows", nmemb, size);
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		fatal("xreallocarray: allocating %zu * %zu bytes", nmemb, size);
	return p;
}

/*
 * A table as large as the flow or threshold tables, probed at random by
 * every packet: ask for 2 MiB pages where they fit inside it. With 4 KiB
 * pages nearly every probe also misses the TLB, which costs more than the
 * cache miss itself under a hypervisor. Advice only: without transparent
 * huge pages (or with them off) nothing changes.
 */
#define HUGE_PAGE	(2UL * 1024 * 1024)

/*
 * NULL when it cannot be had: the tables sized by a memory cap or a
 * list are built again at every reload beside the running ones, and a
 * reload that finds no room for them fails, it does not end the daemon.
 */
void *
calloc_huge(size_t nmemb, size_t size)
{
	void		*p;
	uintptr_t	 lo, hi;

	if (nmemb == 0 || size == 0 || (p = calloc(nmemb, size)) == NULL)
		return NULL;
	lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	hi = ((uintptr_t)p + nmemb * size) & ~(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)lo;
	(void)hi;
#endif
	return p;
}

void *
xcalloc_huge(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		fatalx("xcalloc_huge: zero size");
	if ((p = calloc_huge(nmemb, size)) == NULL)
		fatal("xcalloc_huge: allocating %zu * %zu bytes", nmemb, size);
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("xstrdup");
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	i;

	va_start(ap, fmt);
	i = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (i < 0 || *ret == NULL)
		fatal("xasprintf");
	return i;
}

/*
 * A zero written to every page of p, zeroed memory (xcalloc's), now:
 * so that its first use is not a read that maps the shared zero page
 * and then a write that replaces it, which in a process with packet
 * workers is a TLB shoot-down, an interrupt of every other CPU running
 * one of its threads. A write only: a read first would be that again.
 */
void
xprefault(void *p, size_t len)
{
	volatile uint8_t	*b = p;
	size_t			 i;

	for (i = 0; i < len; i += 4096)
		b[i] = 0;
}
