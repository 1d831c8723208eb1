/*
 * HMAC-SHA-256, HKDF-SHA-256 and plain SHA-256 as hex (see
 * include/hkdf.h) on OpenSSL's SHA-256 block functions, whose state lives on the stack. They are
 * deprecated in OpenSSL 3.0 in favour of EVP, which allocates a context
 * at every init; Debian 12 ships 3.0, so they are used knowingly here,
 * and the unit test checks every result against OpenSSL's own HKDF.
 */
#include "config.h"

#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "hkdf.h"

#define BLOCK	64	/* SHA-256's block */

struct hmac {
	SHA256_CTX	inner, outer;
};

static void
hmac_init(struct hmac *h, const uint8_t *key, size_t klen)
{
	uint8_t	k[BLOCK], pad[BLOCK];
	size_t	i;

	memset(k, 0, sizeof(k));
	if (klen > BLOCK) {
		/* Not SHA256(): in 3.0 that one-shot goes through EVP. */
		SHA256_Init(&h->inner);
		SHA256_Update(&h->inner, key, klen);
		SHA256_Final(k, &h->inner);
	} else if (klen > 0)
		memcpy(k, key, klen);
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	SHA256_Init(&h->inner);
	SHA256_Update(&h->inner, pad, BLOCK);
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	SHA256_Init(&h->outer);
	SHA256_Update(&h->outer, pad, BLOCK);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
}

static void
hmac_final(struct hmac *h, uint8_t out[HKDF_SHA256_LEN])
{
	uint8_t	d[HKDF_SHA256_LEN];

	SHA256_Final(d, &h->inner);
	SHA256_Update(&h->outer, d, sizeof(d));
	SHA256_Final(out, &h->outer);
	OPENSSL_cleanse(d, sizeof(d));
}

void
hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
    uint8_t out[HKDF_SHA256_LEN])
{
	struct hmac	h;

	hmac_init(&h, key, klen);
	SHA256_Update(&h.inner, msg, mlen);
	hmac_final(&h, out);
}

void
hkdf_sha256_extract(const uint8_t *salt, size_t slen, const uint8_t *ikm,
    size_t ilen, uint8_t prk[HKDF_SHA256_LEN])
{
	static const uint8_t	zeros[HKDF_SHA256_LEN];

	/* No salt: a string of HashLen zeros (RFC 5869 2.2). */
	if (slen == 0)
		hmac_sha256(zeros, sizeof(zeros), ikm, ilen, prk);
	else
		hmac_sha256(salt, slen, ikm, ilen, prk);
}

int
hkdf_sha256_expand(const uint8_t prk[HKDF_SHA256_LEN], const uint8_t *info,
    size_t ilen, uint8_t *out, size_t olen)
{
	struct hmac	h;
	uint8_t		t[HKDF_SHA256_LEN], c;
	size_t		done = 0, n;

	if (olen > 255 * HKDF_SHA256_LEN)
		return -1;
	for (c = 1; done < olen; c++) {
		hmac_init(&h, prk, HKDF_SHA256_LEN);
		if (c > 1)
			SHA256_Update(&h.inner, t, sizeof(t));
		SHA256_Update(&h.inner, info, ilen);
		SHA256_Update(&h.inner, &c, 1);
		hmac_final(&h, t);
		n = olen - done < sizeof(t) ? olen - done : sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return 0;
}

void
sha256_hex_init(struct sha256_hex *h)
{
	SHA256_Init(&h->c);
}

void
sha256_hex_update(struct sha256_hex *h, const void *p, size_t n)
{
	SHA256_Update(&h->c, p, n);
}

void
sha256_hex_final(struct sha256_hex *h, char out[65])
{
	static const char	hex[] = "0123456789abcdef";
	uint8_t			d[SHA256_DIGEST_LENGTH];
	size_t			i;

	SHA256_Final(d, &h->c);
	for (i = 0; i < sizeof(d); i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[2 * sizeof(d)] = '\0';
}
