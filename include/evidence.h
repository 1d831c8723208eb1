/*
 * evidence.c: the evidence bundle of `canhgacctl evidence`, a .tar.gz of
 * files under dir/ with MANIFEST.sha256 and, with a key, its detached
 * signature MANIFEST.sha256.sig (openssl dgst -sha256 -verify checks it).
 */
#ifndef CANHGAC_EVIDENCE_H
#define CANHGAC_EVIDENCE_H

#include <stddef.h>

struct bundle_file {
	const char	*name;		/* under dir/, no slash */
	const char	*data;
	size_t		 len;
};

/* Write out; 0, or -1 with err naming the file or the key. */
int	 bundle_write(const char *out, const char *dir,
	    const struct bundle_file *, size_t n, const char *keypath,
	    char *err, size_t errlen);

#endif /* CANHGAC_EVIDENCE_H */
