/*
 * hkdf.c: HMAC-SHA-256 and HKDF-SHA-256 (RFC 2104, RFC 5869) on the
 * stack. OpenSSL 3.0's EVP digests and MACs allocate at every init (an
 * HKDF derivation five times); QUIC derives Initial keys on the packet
 * path, which allocates nothing.
 */
#ifndef CANHGAC_HKDF_H
#define CANHGAC_HKDF_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

#define HKDF_SHA256_LEN	32

void	 hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg,
	    size_t mlen, uint8_t out[HKDF_SHA256_LEN]);
/* PRK = HMAC(salt, ikm). */
void	 hkdf_sha256_extract(const uint8_t *salt, size_t slen,
	    const uint8_t *ikm, size_t ilen, uint8_t prk[HKDF_SHA256_LEN]);
/* olen bytes of OKM from prk and info: 0; -1 when olen > 255 * 32. */
int	 hkdf_sha256_expand(const uint8_t prk[HKDF_SHA256_LEN],
	    const uint8_t *info, size_t ilen, uint8_t *out, size_t olen);

/*
 * SHA-256 as 64 hex digits, fed in pieces, its state on the stack: the
 * digests of the configuration, rule files, lists and rule set a reload
 * records cannot come out empty for want of memory (EVP allocated a
 * context for each).
 */
struct sha256_hex {
	SHA256_CTX	c;
};
void	 sha256_hex_init(struct sha256_hex *);
void	 sha256_hex_update(struct sha256_hex *, const void *, size_t);
void	 sha256_hex_final(struct sha256_hex *, char out[65]);

#endif /* CANHGAC_HKDF_H */
