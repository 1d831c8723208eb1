/*
 * Checksum tests: the sum against a plain 16-bit reference at each
 * alignment and every length to 200 (then every 37th to 1,600), split
 * anywhere and with a large sum carried in, RFC 1071's example, IPv4
 * header and TCP sums of decoded IPv4 and IPv6 frames (right, each bit
 * flipped, cut short, a fragment, a route not yet done), and a segment's
 * verdict with its reason.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pcap/dlt.h>

#include "checksum.h"
#include "decode.h"
#include "types.h"

/* RFC 1071's definition, 16-bit words in network order, folded. */
static uint16_t
ref_sum(const uint8_t *p, size_t len)
{
	uint32_t	sum = 0;
	size_t		i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Ours in network order: the fold keeps the bytes' own order. */
static uint16_t
our_sum(const uint8_t *p, size_t len)
{
	uint16_t	f = checksum_fold(checksum_add(0, p, len));
	uint8_t		b[2];

	memcpy(b, &f, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void
test_sum_reference(void **state)
{
	uint8_t		buf[1600 + 16];
	size_t		len, off, i;

	(void)state;
	srand(1071);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (off = 0; off < 16; off++)
		for (len = 0; len <= 1600; len += len < 200 ? 1 : 37)
			assert_int_equal(our_sum(buf + off, len),
			    ref_sum(buf + off, len));
	/* All ones: every carry taken. */
	memset(buf, 0xff, sizeof(buf));
	for (len = 0; len <= 1600; len += 61)
		assert_int_equal(our_sum(buf, len), ref_sum(buf, len));
}

static void
test_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: the sum of these bytes is ddf2. */
	static const uint8_t ex[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
	    0xf6, 0xf7 };

	(void)state;
	assert_int_equal(our_sum(ex, sizeof(ex)), 0xddf2);
	assert_int_equal(ref_sum(ex, sizeof(ex)), 0xddf2);
}

/* Decode n bytes of f captured from a frame of wire bytes. */
static int
dec(int dlt, const uint8_t *f, size_t n, size_t wire, struct packet *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->caplen = (uint32_t)n;
	pkt->wirelen = (uint32_t)wire;
	return decode_frame(dlt, f, n, pkt, NULL);
}

/* Ethernet + IPv4 + TCP 10.0.0.1:40000 -> 10.0.0.2:80, 11 bytes of data. */
static size_t
make_v4(uint8_t *f, int right)
{
	static const uint8_t hdr[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 51, 0, 1, 0x40, 0, 64, 6, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 9, 0x50, 0x18,
		0xff, 0xff, 0, 0, 0, 0,
	};
	size_t		n = sizeof(hdr);
	uint8_t		ph[12 + 31];
	uint16_t	s;

	memcpy(f, hdr, n);
	memcpy(f + n, "hello world", 11);
	n += 11;
	s = (uint16_t)~ref_sum(f + 14, 20);
	f[24] = (uint8_t)(s >> 8);
	f[25] = (uint8_t)s;
	memcpy(ph, f + 26, 8);		/* addresses */
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = 0;
	ph[11] = 31;
	memcpy(ph + 12, f + 34, 31);
	s = (uint16_t)~ref_sum(ph, sizeof(ph));
	f[50] = (uint8_t)(s >> 8);
	f[51] = (uint8_t)s;
	if (!right)
		f[60] ^= 1;
	return n;
}

/* Raw IPv6 + TCP 2001:db8::1 -> 2001:db8::2, 5 bytes, route optional. */
static size_t
make_v6(uint8_t *f, int routing, uint8_t segleft)
{
	uint8_t		ph[40 + 25], *t;
	size_t		n = 40, tl = 25;
	uint16_t	s;

	memset(f, 0, 40);
	f[0] = 0x60;
	f[6] = routing ? 43 : 6;
	f[7] = 64;
	f[8] = 0x20; f[9] = 0x01; f[10] = 0x0d; f[11] = 0xb8; f[23] = 1;
	f[24] = 0x20; f[25] = 0x01; f[26] = 0x0d; f[27] = 0xb8; f[39] = 2;
	if (routing) {
		memset(f + n, 0, 8);
		f[n] = 6;		/* next: TCP */
		f[n + 2] = 4;		/* SRH type */
		f[n + 3] = segleft;
		n += 8;
	}
	t = f + n;
	memset(t, 0, 20);
	t[0] = 0x9c; t[1] = 0x40; t[3] = 80; t[7] = 1; t[12] = 0x50;
	t[13] = 0x18; t[14] = 0xff; t[15] = 0xff;
	memcpy(t + 20, "hello", 5);
	f[4] = 0;
	f[5] = (uint8_t)(n - 40 + tl);
	memcpy(ph, f + 8, 32);
	memset(ph + 32, 0, 8);
	ph[35] = (uint8_t)tl;
	ph[39] = 6;
	memcpy(ph + 40, t, tl);
	s = (uint16_t)~ref_sum(ph, sizeof(ph));
	t[16] = (uint8_t)(s >> 8);
	t[17] = (uint8_t)s;
	return n + tl;
}

static void
test_tcp_v4(void **state)
{
	uint8_t		f[128];
	struct packet	pkt;
	size_t		n, i;

	(void)state;
	n = make_v4(f, 1);
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_ipv4_header(&pkt), 1);
	assert_int_equal(checksum_tcp(&pkt), 1);
	/* Any one bit of the IP header or the segment flipped is caught. */
	for (i = 14 * 8; i < n * 8; i++) {
		make_v4(f, 1);
		f[i / 8] ^= (uint8_t)(1 << (i % 8));
		if (dec(DLT_EN10MB, f, n, n, &pkt) != 0)
			continue;	/* a length or version it broke */
		if (i / 8 < 34)
			assert_true(checksum_ipv4_header(&pkt) == 0 ||
			    (i / 8 >= 26 && checksum_tcp(&pkt) == 0));
		else
			assert_int_equal(checksum_tcp(&pkt), 0);
	}
	make_v4(f, 0);
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_ipv4_header(&pkt), 1);
	assert_int_equal(checksum_tcp(&pkt), 0);
	/* Cut by the snap length: the bytes unseen cannot be summed. */
	make_v4(f, 1);
	assert_int_equal(dec(DLT_EN10MB, f, n - 3, n, &pkt), 0);
	assert_true(pkt.flags & PKT_TRUNC);
	assert_int_equal(checksum_tcp(&pkt), -1);
	/* A first fragment: the sum covers the datagram. */
	make_v4(f, 1);
	f[20] = 0x20;			/* more fragments */
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_tcp(&pkt), -1);
	assert_int_equal(checksum_ipv4_header(&pkt), 0);	/* flag moved */
}

static void
test_tcp_v6(void **state)
{
	uint8_t		f[128];
	struct packet	pkt;
	size_t		n;

	(void)state;
	n = make_v6(f, 0, 0);
	assert_int_equal(dec(DLT_RAW, f, n, n, &pkt), 0);
	assert_int_equal(checksum_ipv4_header(&pkt), -1);
	assert_int_equal(checksum_tcp(&pkt), 1);
	f[n - 1] ^= 1;
	assert_int_equal(dec(DLT_RAW, f, n, n, &pkt), 0);
	assert_int_equal(checksum_tcp(&pkt), 0);
	/* A routing header done: the destination is the header's. */
	n = make_v6(f, 1, 0);
	assert_int_equal(dec(DLT_RAW, f, n, n, &pkt), 0);
	assert_int_equal(checksum_tcp(&pkt), 1);
	/* Segments left: the sum's destination is elsewhere, not judged. */
	n = make_v6(f, 1, 1);
	assert_int_equal(dec(DLT_RAW, f, n, n, &pkt), 0);
	assert_int_equal(checksum_tcp(&pkt), -1);
}

static void
test_segment(void **state)
{
	uint8_t		f[128];
	struct packet	pkt;
	enum decode_err	why = DE_NONE;
	size_t		n;

	(void)state;
	n = make_v4(f, 1);
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_segment(&pkt, &why), 1);
	n = make_v4(f, 0);
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_segment(&pkt, &why), 0);
	assert_int_equal(why, DE_TCP_CHECKSUM);
	/* A wrong IPv4 header: its own reason, the TCP sum not asked. */
	n = make_v4(f, 1);
	f[22] ^= 1;			/* TTL */
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_segment(&pkt, &why), 0);
	assert_int_equal(why, DE_IPV4_CHECKSUM);
	/* Not TCP (a tunnel's outer packet): the header alone. */
	n = make_v4(f, 1);
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	pkt.proto = PROTO_GRE;
	assert_int_equal(checksum_segment(&pkt, &why), 1);
	/* A first fragment: the header judged, the TCP sum cannot be. */
	f[20] = 0x20;
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_segment(&pkt, &why), 0);
	assert_int_equal(why, DE_IPV4_CHECKSUM);
	make_v4(f, 1);
	f[20] = 0x20;
	f[24] = f[25] = 0;
	{
		uint16_t s = (uint16_t)~ref_sum(f + 14, 20);

		f[24] = (uint8_t)(s >> 8);
		f[25] = (uint8_t)s;
	}
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_segment(&pkt, &why), -1);
}

/* The field GRO and TX offload leave: the pseudo-header's sum alone. */
static void
test_partial(void **state)
{
	uint8_t		f[128], ph[12];
	struct packet	pkt;
	size_t		n;
	uint16_t	s;

	(void)state;
	n = make_v4(f, 1);
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_tcp_partial(&pkt), 0);
	memcpy(ph, f + 26, 8);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = 0;
	ph[11] = (uint8_t)(n - 34);
	s = ref_sum(ph, sizeof(ph));
	f[50] = (uint8_t)(s >> 8);
	f[51] = (uint8_t)s;
	assert_int_equal(dec(DLT_EN10MB, f, n, n, &pkt), 0);
	assert_int_equal(checksum_tcp(&pkt), 0);
	assert_int_equal(checksum_tcp_partial(&pkt), 1);
	/* Cut short: cannot be told. */
	assert_int_equal(dec(DLT_EN10MB, f, n - 1, n, &pkt), 0);
	assert_int_equal(checksum_tcp_partial(&pkt), 0);
}

/* A sum carried into the wide loop, and one split anywhere. */
static void
test_sum_pieces(void **state)
{
	uint8_t		buf[600];
	size_t		i, cut;
	uint16_t	whole;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	whole = checksum_fold(checksum_add(0, buf, sizeof(buf)));
	for (cut = 0; cut <= sizeof(buf); cut += 2)
		assert_int_equal(checksum_fold(checksum_add(checksum_add(0,
		    buf, cut), buf + cut, sizeof(buf) - cut)), whole);
	/* A large sum carried in (many pieces before). */
	assert_int_equal(checksum_fold(checksum_add(0xfffffffffffULL, buf,
	    sizeof(buf))), checksum_fold(0xfffffffffffULL +
	    checksum_fold(checksum_add(0, buf, sizeof(buf)))));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_reference),
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_tcp_v4),
		cmocka_unit_test(test_tcp_v6),
		cmocka_unit_test(test_segment),
		cmocka_unit_test(test_sum_pieces),
		cmocka_unit_test(test_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
