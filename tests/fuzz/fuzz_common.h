/*
 * Helpers shared by the libFuzzer targets: a private scratch directory
 * (removed at exit) and writing an input there, for loaders that read
 * files by name as the daemon does.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***);

/* The scratch directory, created on first use. */
const char *fuzz_dir(void);
/* fuzz_dir()/name, formatted into buf. */
const char *fuzz_path(const char *name, char *buf, size_t len);
/* Replace fuzz_dir()/name with data; aborts on failure. */
void	 fuzz_write(const char *name, const void *data, size_t len);
/* Copy a source-tree file (FUZZ_SRCDIR-relative) into the scratch dir. */
void	 fuzz_copy(const char *srcrel, const char *name);

/* Copy the shipped rule packs, catalogs and lists into the scratch dir. */
void	 fuzz_install_tree(void);
/*
 * Write a valid configuration as fuzz_dir()/name: the shipped example's
 * assets and catalog, the rule file(s) given, and extra (YAML lines).
 */
void	 fuzz_write_config(const char *name, const char *rules,
	    const char *extra);

#endif
