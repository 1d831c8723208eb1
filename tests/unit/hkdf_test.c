/*
 * hkdf.c against OpenSSL: HMAC-SHA-256 against HMAC() (RFC 4231's test
 * case 2, and random keys shorter and longer than a block), HKDF against
 * OpenSSL's EVP_KDF HKDF on random salts, keys and infos of every size
 * an Initial uses and more, including empty ones and the 255-block
 * limit. That a derivation allocates nothing: quic_test's test_split.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "hkdf.h"

static void
test_rfc4231(void **state)
{
	static const uint8_t want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04,
		0x24, 0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08,
		0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec,
		0x38, 0x43 };
	const char	*msg = "what do ya want for nothing?";
	uint8_t		 out[32];

	(void)state;
	hmac_sha256((const uint8_t *)"Jefe", 4, (const uint8_t *)msg,
	    strlen(msg), out);
	assert_memory_equal(out, want, 32);
}

static void
test_hmac_random(void **state)
{
	uint8_t		key[200], msg[300], a[32], b[32];
	unsigned	blen;
	int		i;

	(void)state;
	for (i = 0; i < 500; i++) {
		size_t kl = (size_t)i % sizeof(key), ml = (size_t)(i * 7) %
		    sizeof(msg);

		assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
		assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
		hmac_sha256(key, kl, msg, ml, a);
		assert_non_null(HMAC(EVP_sha256(), key, (int)kl, msg, ml, b,
		    &blen));
		assert_int_equal(blen, 32);
		assert_memory_equal(a, b, 32);
	}
}

/* OpenSSL's HKDF in one mode, the reference. */
static void
ref_hkdf(int mode, const uint8_t *salt, size_t slen, const uint8_t *key,
    size_t klen, const uint8_t *info, size_t ilen, uint8_t *out, size_t olen)
{
	EVP_KDF		*kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX	*c = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM	 prm[6], *p = prm;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)key, klen);
	if (slen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)salt, slen);
	if (ilen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)(uintptr_t)info, ilen);
	*p = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(c, out, olen, prm), 1);
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
}

static void
test_hkdf_random(void **state)
{
	static uint8_t	a[255 * 32], b[255 * 32];
	uint8_t		salt[80], ikm[80], info[200], prk[32], rprk[32];
	static const size_t olens[] = { 1, 12, 16, 32, 33, 42, 64, 100,
	    255 * 32 };
	size_t		i, sl, il, nl;

	(void)state;
	for (i = 0; i < 300; i++) {
		sl = i % 3 == 0 ? 0 : i % sizeof(salt);
		il = (i * 13) % sizeof(ikm) + 1;
		nl = i % 5 == 0 ? 0 : (i * 7) % sizeof(info);
		assert_int_equal(RAND_bytes(salt, sizeof(salt)), 1);
		assert_int_equal(RAND_bytes(ikm, sizeof(ikm)), 1);
		assert_int_equal(RAND_bytes(info, sizeof(info)), 1);
		hkdf_sha256_extract(salt, sl, ikm, il, prk);
		ref_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, sl, ikm, il,
		    NULL, 0, rprk, sizeof(rprk));
		assert_memory_equal(prk, rprk, 32);
		size_t ol = olens[i % (sizeof(olens) / sizeof(olens[0]))];
		assert_int_equal(hkdf_sha256_expand(prk, info, nl, a, ol), 0);
		ref_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, 32, info,
		    nl, b, ol);
		assert_memory_equal(a, b, ol);
	}
	assert_int_equal(hkdf_sha256_expand(prk, info, 1, a, 255 * 32 + 1),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_hmac_random),
		cmocka_unit_test(test_hkdf_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
