/*
 * Unit tests' helper: the address space the process maps now, to cap
 * it (RLIMIT_AS) a little above that and make a large allocation fail.
 * Include after cmocka.h.
 */
#ifndef CANHGAC_TEST_VM_H
#define CANHGAC_TEST_VM_H

#include <stdio.h>

/* VmSize of /proc/self/status, in bytes. */
static inline unsigned long long
vm_bytes(void)
{
	FILE			*fp = fopen("/proc/self/status", "r");
	char			 line[256];
	unsigned long long	 kb = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	assert_true(kb > 0);
	return kb * 1024;
}

#endif
