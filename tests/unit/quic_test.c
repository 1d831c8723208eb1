/*
 * quic_test.c — unit tests for app_quic.c: the client Initial keys and
 * packet protection against RFC 9001 Appendix A (v1) and RFC 9369
 * Appendix A (v2), the ClientHello read from the decrypted CRYPTO frame,
 * a hello split over Initials (sealed here with OpenSSL, the RFC's
 * plaintext cut in two), and hostile packets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "app.h"
#include "quic.h"

/* The protected client Initials and their CRYPTO frame, as printed. */
static const char rfc9001_client_initial[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

static const char rfc9369_client_initial[] =
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
	"a18b2faa745b6fe189cf772a9f84cbfc";

static const char rfc_crypto_frame[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";

static struct quic_ctx	*q;
static size_t		 ossl_allocs;

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	 n = 0;
	unsigned v;

	while (s[0] != '\0' && s[1] != '\0' && n < cap) {
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void
check_keys(uint32_t version, const char *key, const char *iv, const char *hp)
{
	static const uint8_t dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51,
	    0x57, 0x08 };
	struct quic_keys k;
	uint8_t		 want[16];

	assert_int_equal(quic_initial_keys(q, version, dcid, sizeof(dcid),
	    &k), 0);
	assert_int_equal(unhex(key, want, sizeof(want)), 16);
	assert_memory_equal(k.key, want, 16);
	assert_int_equal(unhex(iv, want, sizeof(want)), 12);
	assert_memory_equal(k.iv, want, 12);
	assert_int_equal(unhex(hp, want, sizeof(want)), 16);
	assert_memory_equal(k.hp, want, 16);
}

/* RFC 9001 A.1 and RFC 9369 A.1: the client's key, iv and hp. */
static void
test_keys(void **state)
{
	(void)state;
	check_keys(QUIC_V1, "1f369613dd76d5467730efcbe3b1a22d",
	    "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2");
	check_keys(QUIC_V2, "8b1a0bc121284290a29e0971b5cd045d",
	    "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9");
}

/* A.2: the protected packet decrypts to the CRYPTO frame and padding. */
static void
check_decrypt(uint32_t version, const char *hex)
{
	static const uint8_t dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51,
	    0x57, 0x08 };
	struct quic_keys k;
	uint8_t		 pkt[1200], frame[245];
	const uint8_t	*plain;
	size_t		 plen, i;

	assert_int_equal(unhex(hex, pkt, sizeof(pkt)), 1200);
	assert_int_equal(unhex(rfc_crypto_frame, frame, sizeof(frame)), 245);
	assert_int_equal(quic_initial_keys(q, version, dcid, 8, &k), 0);
	/* The header is 18 bytes to the packet number (token, length). */
	assert_int_equal(quic_decrypt(q, &k, pkt, sizeof(pkt), 18, &plain,
	    &plen), 0);
	assert_int_equal(plen, 1162);
	assert_memory_equal(plain, frame, sizeof(frame));
	for (i = sizeof(frame); i < plen; i++)
		assert_int_equal(plain[i], 0);
	/* One bit off anywhere and the tag no longer holds. */
	pkt[600] ^= 0x01;
	assert_int_equal(quic_decrypt(q, &k, pkt, sizeof(pkt), 18, &plain,
	    &plen), -1);
}

static void
test_decrypt(void **state)
{
	(void)state;
	check_decrypt(QUIC_V1, rfc9001_client_initial);
	check_decrypt(QUIC_V2, rfc9369_client_initial);
}

/* The whole datagram path: SNI, ALPN, version; JA4 starts with "q". */
static void
check_hello(uint32_t version, const char *hex)
{
	struct quic_flow *fs = NULL;
	struct app_stats st;
	struct app_tls	 t;
	uint8_t		 pkt[1200];

	memset(&st, 0, sizeof(st));
	assert_int_equal(unhex(hex, pkt, sizeof(pkt)), 1200);
	assert_int_equal(quic_datagram(q, &fs, pkt, sizeof(pkt), &t, &st),
	    APP_DONE);
	assert_null(fs);
	assert_int_equal(t.quic_version, version);
	assert_string_equal(t.sni, "example.com");
	assert_int_equal(t.nalpn, 1);
	assert_string_equal(t.alpn, "alpn");
	assert_int_equal(t.max_version, 0x0304);
	assert_int_equal(st.quic_initials, 1);
	assert_int_equal(st.quic_bad, 0);
	app_tls_fingerprints(&t);
	assert_int_equal(t.ja4[0], 'q');
	assert_int_equal(strlen(t.ja3), 32);
}

static void
test_hello(void **state)
{
	(void)state;
	check_hello(QUIC_V1, rfc9001_client_initial);
	check_hello(QUIC_V2, rfc9369_client_initial);
}

/* A v1 Initial to DCID 8394c8f03e515708 around frames, 1200 bytes. */
static size_t
seal(const uint8_t *frames, size_t flen, uint8_t pn, uint8_t *out)
{
	static const uint8_t dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51,
	    0x57, 0x08 };
	size_t	 n;

	n = quic_seal(q, QUIC_V1, dcid, sizeof(dcid), pn, frames, flen, 1200,
	    out, 1200);
	assert_int_equal(n, 1200);
	return n;
}

/* A CRYPTO frame of the RFC's hello bytes [a, e). */
static size_t
crypto_frame(const uint8_t *hello, size_t a, size_t e, uint8_t *out)
{
	out[0] = 0x06;
	out[1] = (uint8_t)(0x40 | a >> 8);
	out[2] = (uint8_t)a;
	out[3] = (uint8_t)(0x40 | (e - a) >> 8);
	out[4] = (uint8_t)(e - a);
	memcpy(out + 5, hello + a, e - a);
	return 5 + e - a;
}

/*
 * The hello in three CRYPTO frames over two Initials, the later part
 * first and out of order within its packet; then both in one datagram.
 */
static void
test_split(void **state)
{
	struct quic_flow *fs = NULL;
	struct app_stats st;
	struct app_tls	 t;
	uint8_t		 frame[245], *hello = frame + 4, f[600], dg[2400];
	size_t		 hlen = 241, n, n1, n2, before;

	(void)state;
	memset(&st, 0, sizeof(st));
	unhex(rfc_crypto_frame, frame, sizeof(frame));
	n = crypto_frame(hello, 200, hlen, f);
	n += crypto_frame(hello, 100, 200, f + n);
	n1 = seal(f, n, 1, dg);
	n = crypto_frame(hello, 0, 100, f);
	n2 = seal(f, n, 2, dg + n1);

	/*
	 * Nothing allocates: the first Initial derives its keys (hkdf.c,
	 * on the stack; OpenSSL 3.0's HKDF allocated there), the flow
	 * keeps them for the next, and AES rekeying allocates nothing.
	 */
	before = ossl_allocs;
	assert_int_equal(quic_datagram(q, &fs, dg, n1, &t, &st), APP_MORE);
	assert_non_null(fs);
	assert_int_equal(ossl_allocs, before);
	assert_int_equal(quic_datagram(q, &fs, dg + n1, n2, &t, &st),
	    APP_DONE);
	assert_int_equal(ossl_allocs, before);
	assert_string_equal(t.sni, "example.com");
	assert_int_equal(t.hello_len, hlen);
	quic_release(q, &fs);
	assert_null(fs);

	/* Coalesced: both packets in one datagram. */
	assert_int_equal(quic_datagram(q, &fs, dg, n1 + n2, &t, &st),
	    APP_DONE);
	assert_null(fs);
	assert_string_equal(t.sni, "example.com");

	/* The hello, then junk over its first bytes: the first copy wins
	 * (last-wins made the hello unreadable, with no anomaly). */
	{
		static const uint8_t junk[4] = { 0xde, 0xad, 0xbe, 0xef };

		n = crypto_frame(hello, 0, hlen, f);
		n += crypto_frame(junk, 0, 4, f + n);
		n1 = seal(f, n, 3, dg);
		assert_int_equal(quic_datagram(q, &fs, dg, n1, &t, &st),
		    APP_DONE);
		assert_string_equal(t.sni, "example.com");
		quic_release(q, &fs);
	}
	assert_int_equal(st.quic_initials, 5);
	assert_int_equal(st.quic_bad, 0);
}

/* Truncations and garbage: no crash, counted, never a hello. */
static void
test_hostile(void **state)
{
	struct quic_flow *fs = NULL;
	struct app_stats st;
	struct app_tls	 t;
	uint8_t		 pkt[1200], frame[245], f[300];
	size_t		 n, i;
	int		 rc;

	(void)state;
	memset(&st, 0, sizeof(st));
	unhex(rfc9001_client_initial, pkt, sizeof(pkt));
	for (n = 0; n < sizeof(pkt); n += 7) {
		rc = quic_datagram(q, &fs, pkt, n, &t, &st);
		assert_int_not_equal(rc, APP_DONE);
		quic_release(q, &fs);
	}
	assert_true(st.quic_bad > 100);
	/* Not a hello: a CRYPTO frame of a ServerHello type byte. */
	unhex(rfc_crypto_frame, frame, sizeof(frame));
	frame[4] = 2;
	n = seal(frame, sizeof(frame), 0, pkt);
	assert_int_equal(quic_datagram(q, &fs, pkt, n, &t, &st), APP_BAD);
	/* A CRYPTO frame far past the cap is counted, not stored. */
	memset(&st, 0, sizeof(st));
	f[0] = 0x06;
	f[1] = 0x80;	/* offset 4-byte varint: 1 MiB */
	f[2] = 0x10;
	f[3] = 0;
	f[4] = 0;
	f[5] = 0x10;
	for (i = 6; i < 6 + 16; i++)
		f[i] = 0xaa;
	n = seal(f, 22, 0, pkt);
	assert_int_equal(quic_datagram(q, &fs, pkt, n, &t, &st), APP_MORE);
	assert_int_equal(st.quic_oversize, 1);
	assert_null(fs);
	/* A hello declaring 20,000 bytes, past the cap: given up at once,
	 * and told apart from garbage (app.c raises it as an anomaly). */
	memset(&st, 0, sizeof(st));
	f[0] = 0x06;
	f[1] = 0;	/* offset 0 */
	f[2] = 4;
	f[3] = 0x01;	/* ClientHello, 0x004e20 bytes */
	f[4] = 0x00;
	f[5] = 0x4e;
	f[6] = 0x20;
	n = seal(f, 7, 0, pkt);
	assert_int_equal(quic_datagram(q, &fs, pkt, n, &t, &st),
	    APP_TOO_LARGE);
	assert_int_equal(st.quic_oversize, 1);
	assert_int_equal(st.parse_errors, 0);
	assert_null(fs);
	/* Random bytes behind a valid-looking header. */
	for (i = 0; i < 64; i++) {
		memset(pkt + 7, (int)i * 37, sizeof(pkt) - 7);
		pkt[0] = 0xc0;
		pkt[1] = pkt[2] = pkt[3] = 0;
		pkt[4] = 1;
		pkt[5] = (uint8_t)(i % 24);
		(void)quic_datagram(q, &fs, pkt, sizeof(pkt), &t, &st);
		quic_release(q, &fs);
	}
}

/* Detection is cheap and strict: a byte or the version decides. */
static void
test_is_initial(void **state)
{
	uint8_t	 pkt[1200];

	(void)state;
	unhex(rfc9001_client_initial, pkt, sizeof(pkt));
	assert_true(quic_is_initial(pkt, sizeof(pkt)));
	assert_false(quic_is_initial(pkt, 6));
	pkt[0] = 0x40;		/* short header */
	assert_false(quic_is_initial(pkt, sizeof(pkt)));
	pkt[0] = 0xe0;		/* v1 Handshake */
	assert_false(quic_is_initial(pkt, sizeof(pkt)));
	unhex(rfc9369_client_initial, pkt, sizeof(pkt));
	assert_true(quic_is_initial(pkt, sizeof(pkt)));
	pkt[4] ^= 1;		/* an unknown version */
	assert_false(quic_is_initial(pkt, sizeof(pkt)));
}

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	ossl_allocs++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	ossl_allocs++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_decrypt),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_is_initial),
	};
	int	 rc;

	/* Before OpenSSL's first allocation: the hot path's are counted. */
	CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
	q = quic_new(4);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	quic_free(q);
	return rc;
}
