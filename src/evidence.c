/*
 * The evidence bundle of `canhgacctl evidence`: a gzip'd ustar archive
 * of in-memory files under one directory, with MANIFEST.sha256 (the
 * SHA-256 of every other file, in sha256sum's format) and, with a key,
 * MANIFEST.sha256.sig: a detached signature of the manifest that
 *
 *   openssl dgst -sha256 -verify PUBLIC.pem \
 *       -signature MANIFEST.sha256.sig MANIFEST.sha256
 *
 * checks (RSA PKCS#1 v1.5 or ECDSA, DER). The archive is opened with
 * safe_open: run as root with -o in /tmp, a planted link must not make
 * it truncate another file.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <zlib.h>

#include "evidence.h"
#include "safefile.h"

#define TAR_BLOCK	512

static void
hex_sha256(const void *p, size_t n, char out[65])
{
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dl = 0, i;

	out[0] = '\0';
	if (EVP_Digest(p, n, d, &dl, EVP_sha256(), NULL) != 1)
		return;
	for (i = 0; i < dl && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The manifest: "HEX  NAME\n" a file, as sha256sum -c reads it. */
static char *
manifest(const struct bundle_file *f, size_t n, size_t *len)
{
	char	*m = NULL, hex[65];
	size_t	 i;
	FILE	*fp = open_memstream(&m, len);

	if (fp == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		hex_sha256(f[i].data, f[i].len, hex);
		fprintf(fp, "%s  %s\n", hex, f[i].name);
	}
	if (fclose(fp) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

/* A detached SHA-256 signature of data with the PEM private key. */
static unsigned char *
sign(const char *keypath, const char *data, size_t len, size_t *siglen,
    char *err, size_t errlen)
{
	EVP_PKEY	*pk;
	EVP_MD_CTX	*md = NULL;
	unsigned char	*sig = NULL;
	FILE		*fp;
	int		 id, ok = 0;

	if ((fp = fopen(keypath, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", keypath, strerror(errno));
		return NULL;
	}
	pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (pk == NULL) {
		snprintf(err, errlen, "%s: not a PEM private key (unencrypted "
		    "RSA or EC)", keypath);
		return NULL;
	}
	id = EVP_PKEY_base_id(pk);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
		snprintf(err, errlen, "%s: an RSA or EC key is needed (openssl "
		    "dgst -sha256 -verify cannot check this key type)",
		    keypath);
		EVP_PKEY_free(pk);
		return NULL;
	}
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) == 1 &&
	    EVP_DigestSignUpdate(md, data, len) == 1 &&
	    EVP_DigestSignFinal(md, NULL, siglen) == 1 &&
	    (sig = malloc(*siglen)) != NULL &&
	    EVP_DigestSignFinal(md, sig, siglen) == 1)
		ok = 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	if (!ok) {
		free(sig);
		snprintf(err, errlen, "%s: signing failed", keypath);
		return NULL;
	}
	return sig;
}

/* One ustar member: header, data, padding to the block. */
static int
tar_member(gzFile gz, const char *name, const void *data, size_t len,
    time_t mtime)
{
	unsigned char	 h[TAR_BLOCK], pad[TAR_BLOCK];
	unsigned int	 sum = 0;
	size_t		 i;

	if (strlen(name) >= 100)
		return -1;
	memset(h, 0, sizeof(h));
	memset(pad, 0, sizeof(pad));
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
	snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)mtime);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	for (i = 0; i < sizeof(h); i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	if (gzwrite(gz, h, sizeof(h)) != (int)sizeof(h) ||
	    (len > 0 && gzwrite(gz, data, (unsigned)len) != (int)len) ||
	    (len % TAR_BLOCK != 0 && gzwrite(gz, pad, (unsigned)(TAR_BLOCK -
	    len % TAR_BLOCK)) != (int)(TAR_BLOCK - len % TAR_BLOCK)))
		return -1;
	return 0;
}

int
bundle_write(const char *out, const char *dir, const struct bundle_file *f,
    size_t n, const char *keypath, char *err, size_t errlen)
{
	unsigned char	*sig = NULL;
	unsigned char	 zero[2 * TAR_BLOCK];
	char		*man, path[256];
	size_t		 manlen = 0, siglen = 0, i;
	time_t		 now = time(NULL);
	gzFile		 gz;
	int		 fd, bad = 0;

	for (i = 0; i < n; i++)
		if (f[i].len > 0x7fffffff || strlen(dir) + strlen(f[i].name) +
		    2 >= 100) {
			snprintf(err, errlen, "%s: too large or name too long",
			    f[i].name);
			return -1;
		}
	if ((man = manifest(f, n, &manlen)) == NULL) {
		snprintf(err, errlen, "cannot build the manifest");
		return -1;
	}
	if (keypath != NULL && (sig = sign(keypath, man, manlen, &siglen, err,
	    errlen)) == NULL) {
		free(man);
		return -1;
	}
	if ((fd = safe_open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644, 0, err,
	    errlen)) == -1) {
		free(man);
		free(sig);
		return -1;
	}
	if ((gz = gzdopen(fd, "wb9")) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: cannot start gzip", out);
		free(man);
		free(sig);
		return -1;
	}
	for (i = 0; i < n && !bad; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, f[i].name);
		bad = tar_member(gz, path, f[i].data, f[i].len, now);
	}
	snprintf(path, sizeof(path), "%s/MANIFEST.sha256", dir);
	bad = bad || tar_member(gz, path, man, manlen, now);
	if (sig != NULL) {
		snprintf(path, sizeof(path), "%s/MANIFEST.sha256.sig", dir);
		bad = bad || tar_member(gz, path, sig, siglen, now);
	}
	memset(zero, 0, sizeof(zero));
	bad = bad || gzwrite(gz, zero, sizeof(zero)) != (int)sizeof(zero);
	if (gzclose(gz) != Z_OK)
		bad = 1;
	free(man);
	free(sig);
	if (bad) {
		snprintf(err, errlen, "%s: cannot write the bundle", out);
		return -1;
	}
	return 0;
}
