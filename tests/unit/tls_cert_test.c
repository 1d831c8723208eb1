/*
 * tls_cert_test.c — the server-certificate walk (app_tls_cert.c), the
 * certificate cache and the fingerprint sets (tokset.c), on the
 * certificates tests/rules/certs/make.sh made with openssl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "app.h"
#include "tokset.h"

#define FLIGHT_MAX	(200 * 1024)

/* DER of tests/rules/certs/NAME.pem; the test fails without it. */
static size_t
load_der(const char *name, uint8_t *out, size_t outlen)
{
	char		 path[1024];
	const char	*top = getenv("top_srcdir");
	FILE		*fp;
	X509		*x;
	unsigned char	*p = out;
	int		 n;

	snprintf(path, sizeof(path), "%s/tests/rules/certs/%s.pem",
	    top ? top : ".", name);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open (set top_srcdir)", path);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	n = i2d_X509(x, NULL);
	assert_true(n > 0 && (size_t)n <= outlen);
	assert_int_equal(i2d_X509(x, &p), n);
	X509_free(x);
	return (size_t)n;
}

static size_t
put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
	return 3;
}

/*
 * ServerHello, Certificate (leaf, then `extra` bytes of a second entry)
 * and ServerHelloDone, in handshake records of `rec` bytes.
 */
static size_t
flight(const uint8_t *leaf, size_t leaflen, size_t extra, size_t rec,
    uint8_t *out)
{
	static uint8_t	 msgs[FLIGHT_MAX];
	size_t		 n = 0, o = 0, k, i;
	static const uint8_t sh[] = { 0x02, 0x00, 0x00, 0x26, 0x03, 0x03 };

	memcpy(msgs, sh, sizeof(sh));
	n = sizeof(sh);
	memset(msgs + n, 0x11, 32);
	n += 32;
	msgs[n++] = 0;				/* session id */
	msgs[n++] = 0xc0;
	msgs[n++] = 0x2f;
	msgs[n++] = 0;				/* compression */
	msgs[n++] = 11;
	n += put24(msgs + n, 3 + 3 + leaflen + (extra ? 3 + extra : 0));
	n += put24(msgs + n, 3 + leaflen + (extra ? 3 + extra : 0));
	n += put24(msgs + n, leaflen);
	memcpy(msgs + n, leaf, leaflen);
	n += leaflen;
	if (extra) {
		n += put24(msgs + n, extra);
		memset(msgs + n, 0x30, extra);
		n += extra;
	}
	msgs[n++] = 14;
	n += put24(msgs + n, 0);
	for (i = 0; i < n; i += k) {
		k = n - i < rec ? n - i : rec;
		out[o++] = 0x16;
		out[o++] = 0x03;
		out[o++] = 0x03;
		out[o++] = (uint8_t)(k >> 8);
		out[o++] = (uint8_t)k;
		memcpy(out + o, msgs + i, k);
		o += k;
	}
	return o;
}

/* Feed in pieces of seg bytes; the verdict and where it came. */
static int
walk(const uint8_t *p, size_t n, size_t seg, struct tls_walk *w)
{
	size_t	i, k;
	int	rc = TLS_WALK_MORE;

	memset(w, 0, sizeof(*w));
	tls_walk_reset(w);
	for (i = 0; i < n && rc == TLS_WALK_MORE; i += k) {
		k = n - i < seg ? n - i : seg;
		rc = tls_walk_feed(w, p + i, k);
	}
	return rc;
}

/* Every record size and segment size gives the same leaf, whole. */
static void
test_walk_cuts(void **state)
{
	static uint8_t		 der[TLS_CERT_DER_MAX], buf[FLIGHT_MAX];
	static struct tls_walk	 w;
	static const size_t	 recs[] = { 1, 2, 7, 100, 1000, 16384 };
	size_t			 len, n, r, seg;

	(void)state;
	len = load_der("good", der, sizeof(der));
	for (r = 0; r < sizeof(recs) / sizeof(recs[0]); r++) {
		n = flight(der, len, 500, recs[r], buf);
		for (seg = 1; seg <= 70; seg += (seg < 10 ? 1 : 13)) {
			assert_int_equal(walk(buf, n, seg, &w), TLS_WALK_CERT);
			assert_int_equal(w.der_len, len);
			assert_memory_equal(w.der, der, len);
		}
		assert_int_equal(walk(buf, n, n, &w), TLS_WALK_CERT);
	}
	/* Cut short: still waiting, never a certificate. */
	n = flight(der, len, 0, 16384, buf);
	assert_int_equal(walk(buf, n - 200, 50, &w), TLS_WALK_MORE);
}

/* Over the bounds: counted as too big, not copied; not TLS: the end. */
static void
test_walk_bounds(void **state)
{
	static uint8_t		 der[TLS_CERT_DER_MAX + 16], buf[FLIGHT_MAX];
	static struct tls_walk	 w;
	size_t			 n;
	static const uint8_t	 ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	static const uint8_t	 ske[] = { 0x16, 0x03, 0x03, 0x00, 0x04,
				    0x0c, 0x00, 0x00, 0x00 };

	(void)state;
	memset(der, 0x30, sizeof(der));
	n = flight(der, TLS_CERT_DER_MAX + 1, 0, 16384, buf);
	assert_int_equal(walk(buf, n, 1400, &w), TLS_WALK_BIG);
	n = flight(der, 1000, TLS_CHAIN_MAX, 16384, buf);
	assert_int_equal(walk(buf, n, 1400, &w), TLS_WALK_BIG);
	/* TLS 1.3: ServerHello then ChangeCipherSpec and encrypted data. */
	assert_int_equal(walk(ccs, sizeof(ccs), 1, &w), TLS_WALK_END);
	/* A ServerKeyExchange before any certificate (anonymous). */
	assert_int_equal(walk(ske, sizeof(ske), 3, &w), TLS_WALK_END);
	/* SSLv2 SERVER-HELLO, HTTP: not records at all. */
	assert_int_equal(walk((const uint8_t *)"\x80\x2e\x04\x00\x01\x00"
	    "\x02", 7, 1, &w), TLS_WALK_END);
	assert_int_equal(walk((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, 4,
	    &w), TLS_WALK_END);
	/* An empty record is skipped; one over the TLS bound ends it. */
	assert_int_equal(walk((const uint8_t *)"\x16\x03\x03\x00\x00", 5, 5,
	    &w), TLS_WALK_MORE);
	assert_int_equal(walk((const uint8_t *)"\x16\x03\x03\xff\xff", 5, 5,
	    &w), TLS_WALK_END);
}

/* k empty handshake records before each record of p. */
static size_t
empties(const uint8_t *p, size_t len, size_t k, uint8_t *out)
{
	size_t	 o = 0, i = 0, j, rl;

	while (i < len) {
		for (j = 0; j < k; j++) {
			memcpy(out + o, "\x16\x03\x03\x00\x00", 5);
			o += 5;
		}
		rl = 5 + ((size_t)p[i + 3] << 8 | p[i + 4]);
		memcpy(out + o, p + i, rl);
		o += rl;
		i += rl;
	}
	return o;
}

/*
 * Empty records in the server's flight (OpenSSL reads past up to 32 in
 * a row): the leaf is still found; 33 in a row end the walk.
 */
static void
test_walk_empty_records(void **state)
{
	static uint8_t		 der[TLS_CERT_DER_MAX], buf[FLIGHT_MAX],
				 out[2 * FLIGHT_MAX];
	static struct tls_walk	 w;
	size_t			 len, n, m, seg;

	(void)state;
	len = load_der("good", der, sizeof(der));
	n = flight(der, len, 0, 1000, buf);
	for (seg = 1; seg <= 70; seg += (seg < 10 ? 1 : 13)) {
		m = empties(buf, n, 1, out);
		assert_int_equal(walk(out, m, seg, &w), TLS_WALK_CERT);
		assert_int_equal(w.der_len, len);
		assert_memory_equal(w.der, der, len);
		m = empties(buf, n, 32, out);
		assert_int_equal(walk(out, m, seg, &w), TLS_WALK_CERT);
		assert_memory_equal(w.der, der, len);
	}
	m = empties(buf, n, 33, out);
	assert_int_equal(walk(out, m, 7, &w), TLS_WALK_END);
}

static time_t
asn1_epoch(const char *name, int after)
{
	static uint8_t		 der[TLS_CERT_DER_MAX];
	const unsigned char	*q = der;
	size_t			 len = load_der(name, der, sizeof(der));
	X509			*x = d2i_X509(NULL, &q, (long)len);
	struct tm		 tm;

	assert_non_null(x);
	assert_int_equal(ASN1_TIME_to_tm(after ? X509_get0_notAfter(x) :
	    X509_get0_notBefore(x), &tm), 1);
	X509_free(x);
	return timegm(&tm);
}

/* The fields, as openssl made them; parsed once, then from the cache. */
static void
test_cache_fields(void **state)
{
	static uint8_t		 der[TLS_CERT_DER_MAX];
	struct tls_cert_cache	*cc = tls_cert_cache_new(64);
	const struct tls_cert	*c, *c2;
	size_t			 len, i;

	(void)state;
	len = load_der("good", der, sizeof(der));
	c = tls_cert_get(cc, der, len);
	assert_non_null(c);
	assert_string_equal(c->subject,
	    "C=VN, O=Cong ket noi, CN=gw.example.gov.vn");
	assert_string_equal(c->issuer,
	    "C=VN, O=So Thong tin va Truyen thong, CN=Test CA");
	assert_int_equal(c->self_signed, 0);
	assert_string_equal(c->key_type, "RSA");
	assert_int_equal(c->key_bits, 2048);
	assert_string_equal(c->sig_alg, "sha256WithRSAEncryption");
	assert_int_equal(c->nsans, 2);
	assert_string_equal(c->sans, "gw.example.gov.vn");
	assert_string_equal(c->sans + strlen(c->sans) + 1, "*.example.gov.vn");
	assert_int_equal(c->not_before, asn1_epoch("good", 0));
	assert_int_equal(c->not_after, asn1_epoch("good", 1));
	assert_int_equal(strlen(c->fingerprint), 95);
	assert_true(tls_cert_host_ok(cc, c, "db.example.gov.vn"));
	assert_true(tls_cert_host_ok(cc, c, "gw.example.gov.vn"));
	assert_false(tls_cert_host_ok(cc, c, "a.b.example.gov.vn"));
	assert_false(tls_cert_host_ok(cc, c, "files.example.org"));
	c2 = tls_cert_get(cc, der, len);
	assert_ptr_equal(c, c2);
	assert_int_equal(tls_cert_cache_stats(cc)->parsed, 1);
	assert_int_equal(tls_cert_cache_stats(cc)->hits, 1);

	len = load_der("selfsigned", der, sizeof(der));
	assert_int_equal(tls_cert_get(cc, der, len)->self_signed, 1);
	len = load_der("weakkey", der, sizeof(der));
	assert_int_equal(tls_cert_get(cc, der, len)->key_bits, 1024);
	len = load_der("sha1", der, sizeof(der));
	assert_string_equal(tls_cert_get(cc, der, len)->sig_alg,
	    "sha1WithRSAEncryption");
	len = load_der("ec", der, sizeof(der));
	c = tls_cert_get(cc, der, len);
	assert_string_equal(c->key_type, "EC");
	assert_int_equal(c->key_bits, 256);

	/* Not a certificate, or one with bytes after it: refused. */
	assert_null(tls_cert_get(cc, (const uint8_t *)"\x30\x03\x02\x01\x01",
	    5));
	der[len] = 0;
	assert_null(tls_cert_get(cc, der, len + 1));
	assert_int_equal(tls_cert_cache_stats(cc)->bad, 2);
	/* Refused bytes again: refused from the cache, not parsed again. */
	i = tls_cert_cache_stats(cc)->parsed;
	assert_null(tls_cert_get(cc, der, len + 1));
	assert_int_equal(tls_cert_cache_stats(cc)->parsed, i);
	assert_int_equal(tls_cert_cache_stats(cc)->bad, 3);
	/* ... and the good certificate just before them still good. */
	assert_non_null(tls_cert_get(cc, der, len));
	assert_int_equal(tls_cert_cache_stats(cc)->parsed, i);
	tls_cert_cache_free(cc);
}

/* A cache of one set keeps four; the fifth distinct one evicts. */
static void
test_cache_bound(void **state)
{
	static const char *const names[] = { "good", "other", "weakkey",
	    "sha1", "ec", "selfsigned", "good" };
	static uint8_t		 der[TLS_CERT_DER_MAX];
	struct tls_cert_cache	*cc = tls_cert_cache_new(4);
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		len = load_der(names[i], der, sizeof(der));
		assert_non_null(tls_cert_get(cc, der, len));
	}
	/* good left after ec and selfsigned came: parsed again. */
	assert_int_equal(tls_cert_cache_stats(cc)->parsed, 7);
	assert_int_equal(tls_cert_cache_stats(cc)->evicted, 3);
	tls_cert_cache_free(cc);
}

/* DER of a self-signed certificate whose subject is CN=cn (UTF8String,
 * unbounded), made here: the hostile names are no openssl command's. */
static size_t
named_der(const char *cn, uint8_t *out, size_t outlen)
{
	EVP_PKEY	*k = EVP_EC_gen("P-256");
	X509		*x = X509_new();
	X509_NAME	*nm = X509_get_subject_name(x);
	unsigned char	*p = out;
	int		 n;

	assert_non_null(k);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_NAME_add_entry_by_txt(nm, "CN",
	    V_ASN1_UTF8STRING, (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, nm), 1);
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	n = i2d_X509(x, NULL);
	assert_true(n > 0 && (size_t)n <= outlen);
	assert_int_equal(i2d_X509(x, &p), n);
	X509_free(x);
	EVP_PKEY_free(k);
	return (size_t)n;
}

/*
 * A control byte in a name is written \HH: a citizen-ID number after it
 * would be, to the writer, a run of 14 digits with the escape's, and go
 * out in clear. Masked, whole and cut by the subject's 255 bytes.
 */
static void
test_cache_escaped_number(void **state)
{
	static uint8_t		 der[TLS_CERT_DER_MAX];
	struct tls_cert_cache	*cc = tls_cert_cache_new(64);
	const struct tls_cert	*c;
	char			 cn[300], want[300];
	size_t			 len;

	(void)state;
	len = named_der("id\x10" "079123456789", der, sizeof(der));
	c = tls_cert_get(cc, der, len);
	assert_non_null(c);
	assert_string_equal(c->subject, "CN=id\\10079*******89");
	/* "CN=", 244 bytes, the escape: five digits kept of the number. */
	memset(cn, 'a', 244);
	snprintf(cn + 244, sizeof(cn) - 244, "\x10" "093135792417");
	len = named_der(cn, der, sizeof(der));
	c = tls_cert_get(cc, der, len);
	assert_non_null(c);
	snprintf(want, sizeof(want), "CN=%.244s\\10093**", cn);
	assert_string_equal(c->subject, want);
	tls_cert_cache_free(cc);
}

static void
test_tokset(void **state)
{
	struct tokset	 t = { NULL, 0, 0, TOK_SHA256 };
	char		 b[TOK_LEN], e[256];

	(void)state;
	assert_int_equal(tok_guess("965bbf2a171aa976505b14d4aaa9d8ee"),
	    TOK_JA3);
	assert_int_equal(tok_guess("t13d060300_efd4ac2ef9c0_b0ac53b37fa7"),
	    TOK_JA4);
	assert_int_equal(tok_guess("63:49:65:A1:F8:6A:2E:73:76:0C:ED:AF:60:77:"
	    "56:AA:71:5E:EB:86:33:71:68:14:49:95:23:70:39:72:D6:D7"),
	    TOK_SHA256);
	assert_int_equal(tok_guess("10.0.0.1"), TOK_NONE);
	assert_int_equal(tok_guess("example.com"), TOK_NONE);
	assert_int_equal(tok_norm(TOK_JA3, "965BBF2A171AA976505B14D4AAA9D8EE",
	    b, e, sizeof(e)), 0);
	assert_string_equal(b, "965bbf2a171aa976505b14d4aaa9d8ee");
	assert_int_equal(tok_norm(TOK_JA3, "965bbf2a171aa976505b14d4aaa9d8e",
	    b, e, sizeof(e)), -1);
	assert_int_equal(tok_norm(TOK_JA4, "t13d060300-efd4ac2ef9c0_b0ac53b37fa7",
	    b, e, sizeof(e)), -1);
	assert_int_equal(tok_norm(TOK_SHA256, "63::49", b, e, sizeof(e)), -1);
	assert_int_equal(tok_norm(TOK_SHA256, ":6349", b, e, sizeof(e)), -1);
	assert_int_equal(tokset_add(&t, "63:49:65:A1:F8:6A:2E:73:76:0C:ED:AF:"
	    "60:77:56:AA:71:5E:EB:86:33:71:68:14:49:95:23:70:39:72:D6:D7", e,
	    sizeof(e)), 0);
	assert_int_equal(tokset_add(&t, "634965a1f86a2e73760cedaf607756aa715e"
	    "eb863371681449952370397 2d6d7", e, sizeof(e)), -1);
	assert_int_equal(tokset_add(&t, "634965a1f86a2e73760cedaf607756aa715e"
	    "eb8633716814499523703972d6d7", e, sizeof(e)), 0);
	assert_int_equal(tokset_add(&t, "00" "4965a1f86a2e73760cedaf607756aa715e"
	    "eb8633716814499523703972d6d7", e, sizeof(e)), 0);
	tokset_seal(&t);
	assert_int_equal(t.n, 2);
	assert_true(tokset_has(&t, "634965a1f86a2e73760cedaf607756aa715eeb86"
	    "33716814499523703972d6d7"));
	assert_false(tokset_has(&t, "734965a1f86a2e73760cedaf607756aa715eeb86"
	    "33716814499523703972d6d7"));
	free(t.v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_cuts),
		cmocka_unit_test(test_walk_bounds),
		cmocka_unit_test(test_walk_empty_records),
		cmocka_unit_test(test_cache_fields),
		cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_cache_escaped_number),
		cmocka_unit_test(test_tokset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
