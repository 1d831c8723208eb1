/*
 * HTTP body decoding (http_body.c) and the per-flow message reader
 * (app_http_session.c): chunked bodies cut at every byte, hostile chunk
 * sizes (overflow, hex garbage, missing CRLF), trailer fields scanned,
 * a trailer line too long, leading zeros and chunk
 * extensions of any length (decoded, nothing kept for them), gzip and
 * deflate (zlib and raw) cut at every byte, several gzip members, a
 * truncated gzip stream, decompression bombs against the ratio and the
 * limit, stacked codings (gzip, gzip; deflate, gzip; three; a coding
 * listed twice but applied once) and a double bomb, the zlib pool used up
 * (refused, inspected as it is, also for a stack), plain text
 * labelled gzip; and pipelined requests with their responses, one byte a
 * piece, paired into transactions; data lost (read as it is until a
 * message starts a piece), a switch to WebSocket, responses that are not
 * HTTP, the session pool used up and given back between transactions.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "app.h"
#include "flow.h"
#include "http_body.h"
#include "http_session.h"
#include "types.h"

#define OUTMAX	(4 << 20)

/* Everything decoded, gathered through a small sink that flushes often. */
struct out {
	struct hb_sink	 s;
	uint8_t		 small[97];
	uint8_t		*all;
	size_t		 len;
	int		 flushes, gaps;
};

static void
out_flush(struct hb_sink *s)
{
	struct out	*o = s->arg;

	const uint8_t	*p = s->reflen > 0 ? s->ref : s->buf;
	size_t		 n = s->reflen > 0 ? s->reflen : s->len;

	assert_false(s->reflen > 0 && s->len > 0);
	assert_true(o->len + n <= OUTMAX);
	memcpy(o->all + o->len, p, n);
	o->len += n;
	o->flushes++;
	o->gaps += s->gap;
	s->len = s->reflen = 0;
	s->ref = NULL;
	s->gap = 0;
}

static struct out *
out_new(void)
{
	struct out	*o = calloc(1, sizeof(*o));

	o->all = malloc(OUTMAX);
	o->s.buf = o->small;
	o->s.cap = sizeof(o->small);
	o->s.flush = out_flush;
	o->s.arg = o;
	return o;
}

static void
out_free(struct out *o)
{
	free(o->all);
	free(o);
}

/* Feed data cut at the given sizes (cycled); returns the bytes taken. */
static size_t
feed(struct http_bodies *hb, struct http_body *b, const uint8_t *p,
    size_t n, size_t cut, struct out *o)
{
	size_t	 taken = 0;

	while (taken < n && !(b->flags & HBF_DONE)) {
		size_t k = n - taken < cut ? n - taken : cut;
		size_t t = http_body_feed(hb, b, p + taken, k, &o->s);

		taken += t;
		if (t < k)
			break;
	}
	out_flush(&o->s);
	return taken;
}

static const char chunked_body[] =
    "5\r\nhello\r\n"
    "1a;name=\"v\"\r\n abcdefghijklmnopqrstuvwxy\r\n"
    "A \r\n0010900123\r\n"
    "0\r\nX-Trailer: 1\r\n\r\n";
/* The trailer fields are scanned too (an application sees them). */
static const char chunked_plain[] =
    "hello abcdefghijklmnopqrstuvwxy0010900123X-Trailer: 1\n";
#define TRAILER_LEN	13	/* not counted as the body's */

static void
test_chunked_every_cut(void **state)
{
	size_t	 n = strlen(chunked_body), cut;
	char	 buf[256];

	(void)state;
	/* What follows the body is the next message: not taken. */
	snprintf(buf, sizeof(buf), "%sGET / HTTP/1.1\r\n", chunked_body);
	for (cut = 1; cut <= n + 1; cut++) {
		struct http_bodies *hb = http_bodies_new(1 << 20, 100, 2);
		struct http_body b;
		struct out *o = out_new();
		size_t taken;

		memset(&b, 0, sizeof(b));
		http_body_start(hb, &b, HB_CHUNKED, 0, HB_IDENTITY);
		taken = feed(hb, &b, (const uint8_t *)buf, strlen(buf), cut, o);
		assert_int_equal(taken, n);
		assert_true(b.flags & HBF_DONE);
		assert_false(b.flags & HBF_BROKEN);
		assert_int_equal(o->len, strlen(chunked_plain));
		assert_memory_equal(o->all, chunked_plain, o->len);
		assert_int_equal(b.decoded, strlen(chunked_plain) -
		    TRAILER_LEN);
		assert_int_equal(http_bodies_stats(hb)[HBC_ERRORS], 0);
		assert_int_equal(http_bodies_stats(hb)[HBC_CHUNKED], 1);
		out_free(o);
		http_bodies_free(hb);
	}
}

/* A hostile chunked body: framing lost, counted, nothing past it taken. */
static void
broken(const char *body, size_t body_len, size_t want_taken)
{
	struct http_bodies	*hb = http_bodies_new(1 << 20, 100, 2);
	struct http_body	 b;
	struct out		*o = out_new();
	size_t			 taken;

	memset(&b, 0, sizeof(b));
	http_body_start(hb, &b, HB_CHUNKED, 0, HB_IDENTITY);
	taken = feed(hb, &b, (const uint8_t *)body, body_len, 7, o);
	assert_true(b.flags & HBF_BROKEN);
	assert_true(b.flags & HBF_DONE);
	assert_int_equal(taken, want_taken);
	assert_int_equal(http_bodies_stats(hb)[HBC_ERRORS], 1);
	out_free(o);
	http_bodies_free(hb);
}

static void
test_chunked_hostile(void **state)
{
	static char zeros[3000];

	(void)state;
	/* Sizes past 2^40 (here past 2^64) are refused, not wrapped. */
	broken("fffffffffffffffffffff\r\nx", 24, 10);
	broken("10000000000000000001\r\n", 22, 11);
	/* Hex garbage, an empty size, a sign. */
	broken("zz\r\n", 4, 0);
	broken("\r\n5\r\nhello\r\n", 12, 0);
	broken("-5\r\nhello\r\n", 11, 0);
	broken("5x\r\nhello\r\n", 11, 1);
	/* The data not followed by CRLF. */
	broken("5\r\nhelloXX\r\n0\r\n\r\n", 17, 8);
	/* Leading zeros do not hide garbage or an overflow after them. */
	memset(zeros, '0', sizeof(zeros));
	zeros[sizeof(zeros) - 1] = 'x';
	broken(zeros, sizeof(zeros), sizeof(zeros) - 1);
	memset(zeros, '0', sizeof(zeros));
	memcpy(zeros + 2000, "100000000000\r\n", 14);
	broken(zeros, 2014, 2011);
	/* A trailer line past 1 KiB. */
	memset(zeros, 'a', sizeof(zeros));
	memcpy(zeros, "0\r\nX: 1\r\nY: ", 12);
	broken(zeros, sizeof(zeros), 9 + 1024);
}

/*
 * Leading zeros and extensions of any length, as Node, nginx and Apache
 * take them (before, past 1 KiB the framing was given up and the body
 * scanned raw, its numbers cut by chunk boundaries): decoded, at every
 * cut, nothing kept for the line.
 */
static void
test_chunked_long_lines(void **state)
{
	static const size_t lens[] = { 1100, 70000 };
	static const char plain[] = "cccd=0790011234&cccd=001200123456";
	size_t	 k, cut;

	(void)state;
	for (k = 0; k < 2 * 2; k++) {
		size_t	 len = lens[k / 2], n = 0;
		char	*body = malloc(3 * len + 200);

		if (k % 2 == 0) {		/* zeros, and a last chunk */
			memset(body, '0', len);
			n = len;
			n += (size_t)sprintf(body + n, "f\r\n%.15s\r\n",
			    plain);
			memset(body + n, '0', len);
			n += len;
			n += (size_t)sprintf(body + n, "12\r\n%s\r\n", plain + 15);
			memset(body + n, '0', len);
			n += len;
			n += (size_t)sprintf(body + n, "\r\n\r\n");
		} else {			/* an extension */
			n = (size_t)sprintf(body, "f;e=");
			memset(body + n, 'a', len);
			n += len;
			n += (size_t)sprintf(body + n, "\r\n%.15s\r\n"
			    "12 ; x=\"y\"\r\n%s\r\n0;z\r\n\r\n", plain,
			    plain + 15);
		}
		for (cut = 1; cut < 4000; cut = cut * 3 + 1) {
			struct http_bodies *hb = http_bodies_new(1 << 20, 100,
			    2);
			struct http_body b;
			struct out *o = out_new();

			memset(&b, 0, sizeof(b));
			http_body_start(hb, &b, HB_CHUNKED, 0, HB_IDENTITY);
			assert_int_equal(feed(hb, &b, (const uint8_t *)body, n,
			    cut, o), n);
			assert_true(b.flags & HBF_DONE);
			assert_false(b.flags & HBF_BROKEN);
			assert_int_equal(o->len, strlen(plain));
			assert_memory_equal(o->all, plain, o->len);
			assert_int_equal(http_bodies_stats(hb)[HBC_ERRORS], 0);
			out_free(o);
			http_bodies_free(hb);
		}
		free(body);
	}
}

/* Compress with zlib: wbits 31 gzip, 15 zlib, -15 raw deflate. */
static size_t
zip(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int wbits)
{
	z_stream	 z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, wbits, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	n = z.total_out;
	deflateEnd(&z);
	return n;
}

static uint8_t text[20000];

static void
make_text(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)("0123456789 cccd=&ho_so"[(i * 7 + i / 13) %
		    22]);
}

static void
test_inflate_every_cut(void **state)
{
	static const int wbits[] = { 31, 15, -15 };
	static const enum hb_coding coding[] = { HB_GZIP, HB_DEFLATE,
	    HB_DEFLATE };
	uint8_t	 z[30000];
	size_t	 zn, cut, k;

	(void)state;
	make_text();
	for (k = 0; k < 3; k++) {
		zn = zip(text, sizeof(text), z, sizeof(z), wbits[k]);
		for (cut = 1; cut < zn + 2; cut += cut < 40 ? 1 : 97) {
			struct http_bodies *hb = http_bodies_new(1 << 20, 100,
			    1);
			struct http_body b;
			struct out *o = out_new();

			memset(&b, 0, sizeof(b));
			http_body_start(hb, &b, HB_LENGTH, zn, coding[k]);
			assert_int_equal(feed(hb, &b, z, zn, cut, o), zn);
			assert_true(b.flags & HBF_DONE);
			assert_int_equal(o->len, sizeof(text));
			assert_memory_equal(o->all, text, sizeof(text));
			assert_int_equal(http_bodies_stats(hb)[HBC_ERRORS], 0);
			assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED],
			    0);
			out_free(o);
			http_bodies_free(hb);
		}
	}
}

/* Two gzip members one after the other inflate to both texts. */
static void
test_gzip_members(void **state)
{
	struct http_bodies	*hb = http_bodies_new(1 << 20, 100, 1);
	struct http_body	 b;
	struct out		*o = out_new();
	uint8_t			 z[60000];
	size_t			 a, n;

	(void)state;
	make_text();
	a = zip(text, 1000, z, sizeof(z), 31);
	n = a + zip(text + 1000, 1000, z + a, sizeof(z) - a, 31);
	memset(&b, 0, sizeof(b));
	http_body_start(hb, &b, HB_CLOSE, 0, HB_GZIP);
	assert_int_equal(feed(hb, &b, z, a + 5, 100000, o), a + 5);
	assert_int_equal(feed(hb, &b, z + a + 5, n - a - 5, 100000, o),
	    n - a - 5);
	http_body_end(hb, &b);
	assert_int_equal(o->len, 2000);
	assert_memory_equal(o->all, text, 2000);
	assert_int_equal(http_bodies_stats(hb)[HBC_ERRORS], 0);
	out_free(o);
	http_bodies_free(hb);
}

/* A gzip stream cut short: what came out was given, an error counted. */
static void
test_gzip_truncated(void **state)
{
	struct http_bodies	*hb = http_bodies_new(1 << 20, 100, 1);
	struct http_body	 b;
	struct out		*o = out_new();
	uint8_t			 z[30000];
	size_t			 zn;

	(void)state;
	make_text();
	zn = zip(text, sizeof(text), z, sizeof(z), 31);
	memset(&b, 0, sizeof(b));
	http_body_start(hb, &b, HB_CLOSE, 0, HB_GZIP);
	feed(hb, &b, z, zn / 2, 50, o);
	http_body_end(hb, &b);		/* the connection closed */
	assert_true(o->len > 0 && o->len < sizeof(text));
	assert_memory_equal(o->all, text, o->len);
	assert_int_equal(http_bodies_stats(hb)[HBC_ERRORS], 1);
	assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED], 0);
	out_free(o);
	http_bodies_free(hb);
}

/* 16 MiB of zeros: cut at ratio x input (+64 KiB), or at the limit. */
static void
test_bomb(void **state)
{
	size_t		 big = 16 << 20, zn, cut;
	uint8_t		*zeros = calloc(1, big), *z = malloc(big / 100);
	int		 pass;

	(void)state;
	zn = zip(zeros, big, z, big / 100, 31);
	for (pass = 0; pass < 2; pass++) {
		struct http_bodies *hb = http_bodies_new(1 << 20,
		    pass == 0 ? 100 : 100000, 1);
		struct http_body b;
		struct out *o = out_new();

		memset(&b, 0, sizeof(b));
		http_body_start(hb, &b, HB_LENGTH, zn, HB_GZIP);
		for (cut = 0; cut < zn; cut += 1460)
			http_body_feed(hb, &b, z + cut, zn - cut < 1460 ?
			    zn - cut : 1460, &o->s);
		out_flush(&o->s);
		assert_true(b.flags & HBF_DONE);
		if (pass == 0) {
			assert_int_equal(http_bodies_stats(hb)[HBC_RATIO], 1);
			assert_true(o->len <= 100 * b.wire + 65536);
		} else {
			assert_int_equal(http_bodies_stats(hb)[HBC_LIMIT], 1);
			assert_int_equal(o->len, 1 << 20);
		}
		assert_true(o->gaps > 0);	/* the rest is not inspected */
		assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED], 0);
		out_free(o);
		http_bodies_free(hb);
	}
	free(zeros);
	free(z);
}

/* One zlib state: a second body at once is refused and given raw. */
/*
 * Stacked codings (Content-Encoding: gzip, gzip; deflate, gzip; three),
 * undone in turn at every cut; a coding listed twice but applied once
 * (the inner "gzip" is plain text: handed on as it is); a double bomb
 * cut at the limit and the ratio on the final and on the inner output;
 * a pool too small for the stack: refused, raw.
 */
#define L2(a, b)	((unsigned)(a) << HB_CODING_BITS | (b))

static void
test_stacked_codings(void **state)
{
	static uint8_t	 z1[30000], z2[30000], z3[30000];
	size_t		 n1, n2, n3, cut, k;

	(void)state;
	make_text();
	n1 = zip(text, sizeof(text), z1, sizeof(z1), 31);
	n2 = zip(z1, n1, z2, sizeof(z2), 31);			/* gzip, gzip */
	for (k = 0; k < 4; k++) {
		const uint8_t	*z = z2;
		size_t		 zn = n2;
		unsigned	 list = L2(HB_GZIP, HB_GZIP);

		if (k == 1) {			/* deflate, gzip */
			n1 = zip(text, sizeof(text), z1, sizeof(z1), 15);
			zn = n2 = zip(z1, n1, z2, sizeof(z2), 31);
			list = L2(HB_DEFLATE, HB_GZIP);
		} else if (k == 2) {		/* gzip, raw deflate, gzip */
			n1 = zip(text, sizeof(text), z1, sizeof(z1), 31);
			n2 = zip(z1, n1, z2, sizeof(z2), -15);
			z = z3;
			zn = n3 = zip(z2, n2, z3, sizeof(z3), 31);
			list = L2(L2(HB_GZIP, HB_DEFLATE), HB_GZIP);
		} else if (k == 3) {		/* "gzip, gzip", once */
			z = z1;
			zn = zip(text, sizeof(text), z1, sizeof(z1), 31);
		}
		for (cut = 1; cut <= zn; cut = cut * 2 + 1) {
			struct http_bodies *hb = http_bodies_new(1 << 20, 100,
			    4);
			struct http_body b;
			struct out *o = out_new();

			memset(&b, 0, sizeof(b));
			http_body_start(hb, &b, HB_LENGTH, zn, list);
			assert_int_equal(feed(hb, &b, z, zn, cut, o), zn);
			assert_true(b.flags & HBF_DONE);
			assert_int_equal(o->len, sizeof(text));
			assert_memory_equal(o->all, text, sizeof(text));
			assert_int_equal(http_bodies_stats(hb)[HBC_ERRORS],
			    k == 3);
			assert_int_equal(http_bodies_stats(hb)[HBC_DECOMPRESSED],
			    1);
			assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED],
			    0);
			out_free(o);
			http_bodies_free(hb);
		}
	}
	(void)n3;
}

static void
test_stacked_bomb(void **state)
{
	size_t		 big = 64 << 20, zn, n1, cut;
	uint8_t		*zeros = calloc(1, big), *z1 = malloc(big / 100);
	uint8_t		*z = malloc(big / 100);
	int		 pass;

	(void)state;
	n1 = zip(zeros, big, z1, big / 100, 31);	/* 64 KiB */
	zn = zip(z1, n1, z, big / 100, 31);		/* some 200 bytes */
	for (pass = 0; pass < 3; pass++) {
		struct http_bodies *hb = http_bodies_new(1 << 20,
		    pass == 0 ? 100 : 100000, 2);
		struct http_body b;
		struct out *o = out_new();

		memset(&b, 0, sizeof(b));
		/* pass 2: the inner output alone, as "gzip, identity" would */
		http_body_start(hb, &b, HB_LENGTH, pass == 2 ? n1 : zn,
		    pass == 2 ? HB_GZIP : L2(HB_GZIP, HB_GZIP));
		for (cut = 0; cut < (pass == 2 ? n1 : zn); cut += 1460) {
			size_t left = (pass == 2 ? n1 : zn) - cut;

			http_body_feed(hb, &b, (pass == 2 ? z1 : z) + cut,
			    left < 1460 ? left : 1460, &o->s);
		}
		out_flush(&o->s);
		assert_true(b.flags & HBF_DONE);
		if (pass == 0) {
			/* The inner output is bounded by the ratio too. */
			assert_int_equal(http_bodies_stats(hb)[HBC_RATIO], 1);
			assert_true(o->len <= 100 * b.wire + 65536);
		} else {
			assert_int_equal(http_bodies_stats(hb)[HBC_LIMIT], 1);
			assert_int_equal(o->len, 1 << 20);
		}
		assert_true(o->gaps > 0);
		assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED], 0);
		out_free(o);
		http_bodies_free(hb);
	}
	free(zeros);
	free(z1);
	free(z);
}

/* A stack needs a state per coding, all or none. */
static void
test_stacked_pool(void **state)
{
	struct http_bodies	*hb = http_bodies_new(1 << 20, 100, 1);
	struct http_body	 b;
	struct out		*o = out_new();
	static uint8_t		 z1[30000], z2[30000];
	size_t			 n1, n2;

	(void)state;
	make_text();
	n1 = zip(text, 3000, z1, sizeof(z1), 31);
	n2 = zip(z1, n1, z2, sizeof(z2), 31);
	memset(&b, 0, sizeof(b));
	http_body_start(hb, &b, HB_LENGTH, n2, L2(HB_GZIP, HB_GZIP));
	assert_int_equal(feed(hb, &b, z2, n2, 100, o), n2);
	assert_int_equal(http_bodies_stats(hb)[HBC_REFUSED], 1);
	assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED], 0);
	assert_int_equal(o->len, n2);		/* as it is */
	assert_memory_equal(o->all, z2, n2);
	out_free(o);
	http_bodies_free(hb);
}

static void
test_pool_refused(void **state)
{
	struct http_bodies	*hb = http_bodies_new(1 << 20, 100, 1);
	struct http_body	 b1, b2, b3;
	struct out		*o = out_new();
	uint8_t			 z[30000];
	size_t			 zn;

	(void)state;
	make_text();
	zn = zip(text, 3000, z, sizeof(z), 31);
	memset(&b1, 0, sizeof(b1));
	memset(&b2, 0, sizeof(b2));
	memset(&b3, 0, sizeof(b3));
	http_body_start(hb, &b1, HB_LENGTH, zn, HB_GZIP);
	http_body_start(hb, &b2, HB_LENGTH, zn, HB_GZIP);
	feed(hb, &b1, z, 10, 10, o);
	assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED], 1);
	o->len = 0;
	feed(hb, &b2, z, zn, 100, o);
	assert_int_equal(http_bodies_stats(hb)[HBC_REFUSED], 1);
	assert_int_equal(o->len, zn);		/* as it is */
	assert_memory_equal(o->all, z, zn);
	feed(hb, &b1, z + 10, zn - 10, 100, o);	/* b1 ends: state back */
	assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED], 0);
	o->len = 0;
	http_body_start(hb, &b3, HB_LENGTH, zn, HB_GZIP);
	feed(hb, &b3, z, zn, 100, o);
	assert_int_equal(o->len, 3000);
	assert_int_equal(http_bodies_stats(hb)[HBC_DECOMPRESSED], 2);
	out_free(o);
	http_bodies_free(hb);
}

/* Plain text labelled gzip: an error, and the text inspected as it is. */
static void
test_not_gzip(void **state)
{
	static const char plain[] = "cccd=001090012345&cccd=079195012346";
	struct http_bodies	*hb = http_bodies_new(1 << 20, 100, 1);
	struct http_body	 b;
	struct out		*o = out_new();

	(void)state;
	memset(&b, 0, sizeof(b));
	http_body_start(hb, &b, HB_LENGTH, strlen(plain), HB_GZIP);
	feed(hb, &b, (const uint8_t *)plain, strlen(plain), 1000, o);
	assert_int_equal(http_bodies_stats(hb)[HBC_ERRORS], 1);
	assert_int_equal(o->len, strlen(plain));
	assert_memory_equal(o->all, plain, o->len);
	assert_int_equal(http_bodies_stats(hb)[HBC_ZLIB_USED], 0);
	out_free(o);
	http_bodies_free(hb);
}

/* Records of the session reader. */
struct recs {
	int		 n, ntx;
	char		 what[16][1100];
};

static void
rec(const struct packet *pkt, uint32_t what, const struct app_http *h,
    void *arg)
{
	struct recs	*r = arg;

	(void)pkt;
	if (r->n < 16)
		snprintf(r->what[r->n++], sizeof(r->what[0]), "%s %s %s %u %llu/%llu",
		    what == APPR_HTTP ? "req" : "tx", h->method, h->uri,
		    h->status, (unsigned long long)h->request_body,
		    (unsigned long long)h->response_body);
	r->ntx += what == APPR_HTTP_TX;
}

/* Pipelined requests and their responses, one byte a piece. */
static void
test_session_pipelined(void **state)
{
	static const char req[] =
	    "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	    "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\n0\r\n\r\n"
	    "HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char resp[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	    "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1\r\nz\r\n0\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";
	struct http_bodies	*hb = http_bodies_new(1 << 20, 100, 1);
	struct http_sessions	*hs = http_sessions_new(4, hb);
	struct out		*o = out_new();
	struct recs		 r;
	struct flow		 f;
	struct packet		 pkt;
	size_t			 i;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	memset(&pkt, 0, sizeof(pkt));
	f.app_proto = APP_HTTP;
	pkt.flow = &f;
	for (i = 0; i < strlen(req); i++)
		assert_int_equal(http_session_piece(hs, &pkt,
		    (const uint8_t *)req + i, 1, &o->s, rec, &r), 0);
	out_flush(&o->s);
	/* What the rules see: headers as they are, the body de-chunked. */
	assert_int_equal(o->len, strlen(req) - strlen("3\r\n\r\n0\r\n\r\n"));
	pkt.dir = 1;
	for (i = 0; i < strlen(resp); i++)
		http_session_piece(hs, &pkt, (const uint8_t *)resp + i, 1,
		    &o->s, rec, &r);
	assert_int_equal(r.n, 6);
	assert_string_equal(r.what[0], "req GET /a 0 0/0");
	assert_string_equal(r.what[1], "req POST /b 0 0/0");
	assert_string_equal(r.what[2], "req HEAD /c 0 0/0");
	assert_string_equal(r.what[3], "tx GET /a 200 0/2");
	assert_string_equal(r.what[4], "tx POST /b 201 3/1");
	assert_string_equal(r.what[5], "tx HEAD /c 200 0/0");
	assert_int_equal(http_sessions_stats(hs)->transactions, 3);
	assert_int_equal(http_sessions_stats(hs)->desync, 0);
	http_session_end(hs, &f, &pkt, rec, &r);
	assert_int_equal(r.ntx, 3);
	assert_null(f.ahttp);
	out_free(o);
	http_sessions_free(hs);
	http_bodies_free(hb);
}

/* A session reader with one direction of one flow, for the tests below. */
struct one {
	struct http_bodies	*hb;
	struct http_sessions	*hs;
	struct out		*o;
	struct recs		 r;
	struct flow		 f;
	struct packet		 pkt;
};

static struct one *
one_new(size_t nsessions)
{
	struct one	*t = calloc(1, sizeof(*t));

	t->hb = http_bodies_new(1 << 20, 100, 1);
	t->hs = http_sessions_new(nsessions, t->hb);
	t->o = out_new();
	t->f.app_proto = APP_HTTP;
	t->pkt.flow = &t->f;
	return t;
}

static int
one_piece(struct one *t, int dir, uint16_t flags, const char *s)
{
	t->pkt.dir = (uint8_t)dir;
	t->pkt.flags = flags;
	return http_session_piece(t->hs, &t->pkt, (const uint8_t *)s,
	    strlen(s), &t->o->s, rec, &t->r);
}

static void
one_free(struct one *t)
{
	http_session_end(t->hs, &t->f, &t->pkt, rec, &t->r);
	out_free(t->o);
	http_sessions_free(t->hs);
	http_bodies_free(t->hb);
	free(t);
}

/*
 * Data lost inside a body: the direction is read as it is, and picks up
 * at the next piece that starts a message.
 */
static void
test_session_gap(void **state)
{
	struct one	*t = one_new(4);

	(void)state;
	one_piece(t, 0, 0, "POST /a HTTP/1.1\r\nContent-Length: 100\r\n\r\n"
	    "abc");
	one_piece(t, 0, PKT_GAP, "xyz GET /not HTTP/1.1\r\n\r\n");
	assert_int_equal(http_sessions_stats(t->hs)->desync, 1);
	assert_int_equal(http_sessions_stats(t->hs)->requests, 1);
	one_piece(t, 0, 0, "more body bytes");
	assert_int_equal(http_sessions_stats(t->hs)->requests, 1);
	one_piece(t, 0, 0, "GET /b HTTP/1.1\r\nHost: y\r\n\r\n");
	assert_int_equal(http_sessions_stats(t->hs)->requests, 2);
	assert_string_equal(t->r.what[1], "req GET /b 0 0/0");
	one_free(t);
}

/* Responses that are not HTTP, and a switch to another protocol. */
static void
test_session_responses(void **state)
{
	struct one	*t = one_new(4);

	(void)state;
	one_piece(t, 0, 0, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
	one_piece(t, 1, 0, "HTTP/1.1 101 Switching Protocols\r\n\r\n"
	    "\x81\x05hello");
	assert_int_equal(t->r.ntx, 1);
	assert_string_equal(t->r.what[1], "tx GET /ws 101 0/0");
	/* After the switch the flow is no more HTTP: its state is given
	 * back and app.c reads neither way. */
	assert_null(t->f.ahttp);
	assert_true(t->f.app_done[0] && t->f.app_done[1]);
	one_free(t);

	/* A tunnel: what follows the 200 is not HTTP either way. */
	t = one_new(4);
	one_piece(t, 0, 0, "CONNECT a:443 HTTP/1.1\r\n\r\n");
	one_piece(t, 1, 0, "HTTP/1.1 200 OK\r\n\r\n");
	assert_int_equal(t->r.ntx, 1);
	assert_null(t->f.ahttp);
	assert_true(t->f.app_done[0] && t->f.app_done[1]);
	one_free(t);

	t = one_new(4);
	one_piece(t, 0, 0, "GET / HTTP/1.1\r\n\r\n");
	one_piece(t, 1, 0, "HTTP/1.1 2x0 OK\r\n\r\n");
	one_piece(t, 1, 0, "HTTP/9.1 200 OK\r\n\r\n");
	/* Each message that cannot be read is a loss of its own. */
	assert_int_equal(http_sessions_stats(t->hs)->responses, 0);
	assert_int_equal(http_sessions_stats(t->hs)->desync, 2);
	one_free(t);
}

/* Sessions in use by as many flows as the pool holds: the next is refused. */
static void
test_session_pool(void **state)
{
	struct http_bodies	*hb = http_bodies_new(1 << 20, 100, 1);
	struct http_sessions	*hs = http_sessions_new(4, hb);
	struct out		*o = out_new();
	struct recs		 r;
	struct flow		 f[5];
	struct packet		 pkt;
	int			 i;
	static const char	 half[] = "GET /a HTTP/1.1\r\nHo";
	static const char	 whole[] = "GET /a HTTP/1.1\r\n\r\n";

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(f, 0, sizeof(f));
	memset(&pkt, 0, sizeof(pkt));
	for (i = 0; i < 5; i++) {
		f[i].app_proto = APP_HTTP;
		pkt.flow = &f[i];
		assert_int_equal(http_session_piece(hs, &pkt,
		    (const uint8_t *)half, strlen(half), &o->s, rec, &r),
		    i < 4 ? 0 : -1);
	}
	assert_int_equal(http_sessions_stats(hs)->exhausted, 1);
	/* A flow whose transaction is done gives its state back. */
	pkt.flow = &f[0];
	http_session_piece(hs, &pkt, (const uint8_t *)"st: x\r\n\r\n", 9,
	    &o->s, rec, &r);
	pkt.dir = 1;
	http_session_piece(hs, &pkt, (const uint8_t *)
	    "HTTP/1.1 204 No Content\r\n\r\n", 27, &o->s, rec, &r);
	assert_int_equal(http_sessions_stats(hs)->transactions, 1);
	assert_null(f[0].ahttp);
	pkt.dir = 0;
	pkt.flow = &f[4];
	assert_int_equal(http_session_piece(hs, &pkt, (const uint8_t *)whole,
	    strlen(whole), &o->s, rec, &r), 0);
	for (i = 0; i < 5; i++) {
		pkt.flow = &f[i];
		http_session_end(hs, &f[i], &pkt, rec, &r);
	}
	/* Half a header is no request: f[1..3] recorded nothing. */
	assert_int_equal(http_sessions_stats(hs)->transactions, 2);
	assert_int_equal(http_sessions_stats(hs)->requests, 2);
	out_free(o);
	http_sessions_free(hs);
	http_bodies_free(hb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunked_every_cut),
		cmocka_unit_test(test_chunked_hostile),
		cmocka_unit_test(test_chunked_long_lines),
		cmocka_unit_test(test_inflate_every_cut),
		cmocka_unit_test(test_gzip_members),
		cmocka_unit_test(test_gzip_truncated),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_pool_refused),
		cmocka_unit_test(test_stacked_codings),
		cmocka_unit_test(test_stacked_bomb),
		cmocka_unit_test(test_stacked_pool),
		cmocka_unit_test(test_not_gzip),
		cmocka_unit_test(test_session_pipelined),
		cmocka_unit_test(test_session_gap),
		cmocka_unit_test(test_session_responses),
		cmocka_unit_test(test_session_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
