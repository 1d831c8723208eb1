/*
 * Unit tests' helper: a whole file into memory, to compare what two
 * writers wrote.
 */
#ifndef CANHGAC_TEST_FILE_H
#define CANHGAC_TEST_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* The whole of path, NUL-terminated (malloc'd), or NULL. */
static inline char *
test_slurp(const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	*b;
	long	 n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0) {
		fclose(fp);
		return NULL;
	}
	rewind(fp);
	b = calloc(1, (size_t)n + 1);
	if (b != NULL && fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(fp);
	return b;
}

#endif /* CANHGAC_TEST_FILE_H */
