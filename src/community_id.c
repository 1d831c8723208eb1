/*
 * Community ID v1 (https://github.com/corelight/community-id-spec): a
 * flow hash that Zeek and Suricata compute the same way, so that our
 * alerts correlate with their logs.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "community_id.h"
#include "types.h"

/*
 * ICMP types come in request/reply pairs; the pair maps to a port pair
 * so both directions give the same ID. Returns 1 for one-way types.
 */
int
community_id_icmp_ports(uint8_t proto, uint8_t type, uint8_t code,
    uint16_t *sport, uint16_t *dport)
{
	static const uint8_t v4[][2] = {
		{ 8, 0 }, { 0, 8 }, { 13, 14 }, { 14, 13 }, { 15, 16 },
		{ 16, 15 }, { 10, 9 }, { 9, 10 }, { 17, 18 }, { 18, 17 },
	};
	static const uint8_t v6[][2] = {
		{ 128, 129 }, { 129, 128 }, { 133, 134 }, { 134, 133 },
		{ 135, 136 }, { 136, 135 }, { 130, 131 }, { 131, 130 },
		{ 144, 145 }, { 145, 144 }, { 139, 140 }, { 140, 139 },
	};
	const uint8_t	(*map)[2] = proto == PROTO_ICMP ? v4 : v6;
	size_t		 i, n = proto == PROTO_ICMP ? sizeof(v4) / sizeof(v4[0]) :
			    sizeof(v6) / sizeof(v6[0]);

	*sport = type;
	for (i = 0; i < n; i++) {
		if (map[i][0] == type) {
			*dport = map[i][1];
			return 0;
		}
	}
	*dport = code;
	return 1;
}

/* Compare endpoints (address, then port) as the spec orders them. */
static int
endpoint_lt(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp,
    size_t alen)
{
	int	c = memcmp(a, b, alen);

	return c < 0 || (c == 0 && ap < bp);
}

/*
 * The IDs last computed, by a hash of their input: each record and alert
 * of a flow asks for its ID again (a DNS flow's query, answer, alerts and
 * flow record), and SHA-1 with base64 was a fifth of an event record's
 * cost (callgrind, bench gateway stage). A slot holds the whole input, so
 * a hit is exact; colliding flows only cost the computation again.
 */
#define CID_SLOTS	512
#define CID_IN_MAX	(2 + 16 + 16 + 2 + 4)
#define CID_MD_LEN	20			/* SHA-1 */
#define CID_B64_LEN	(4 * ((CID_MD_LEN + 2) / 3))
#define CID_OUT_LEN	(2 + CID_B64_LEN + 1)

struct cid_slot {
	uint8_t	len;			/* of in; 0: empty */
	uint8_t	in[CID_IN_MAX];
	char	out[CID_OUT_LEN];
};

static _Thread_local struct cid_slot	cid_cache[CID_SLOTS];

static uint32_t
rol32(uint32_t x, unsigned n)
{
	return x << n | x >> (32 - n);
}

/*
 * SHA-1 (FIPS 180-4) of an input that fits one block, as the ID's
 * always does (at most 40 bytes). By hand: through EVP a digest cost
 * 2,300 instructions (a context allocated and freed, the provider's
 * dispatch) for 1,100 of compression; a cache miss is every flow's first
 * record and its flow record. It names a flow, it protects nothing.
 */
_Static_assert(CID_IN_MAX <= 55, "the ID's input fits one SHA-1 block");

/* The rounds written out (a loop choosing f per round cost twice as
 * much); the schedule kept as 16 words, each rewritten as it is used. */
#define CID_F0(b, c, d)	((((c) ^ (d)) & (b)) ^ (d))
#define CID_F1(b, c, d)	((b) ^ (c) ^ (d))
#define CID_F2(b, c, d)	(((b) & (c)) | (((b) | (c)) & (d)))
#define CID_W(i)	((i) < 16 ? w[(i) & 15] : (w[(i) & 15] = rol32( \
	w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ w[((i) + 2) & 15] ^ \
	w[(i) & 15], 1)))
#define CID_R(F, K, a, b, c, d, e, i) do {				\
	e += rol32(a, 5) + F(b, c, d) + (K) + CID_W(i);			\
	b = rol32(b, 30);						\
} while (0)
#define CID_R5(F, K, i) do {						\
	CID_R(F, K, a, b, c, d, e, (i));				\
	CID_R(F, K, e, a, b, c, d, (i) + 1);				\
	CID_R(F, K, d, e, a, b, c, (i) + 2);				\
	CID_R(F, K, c, d, e, a, b, (i) + 3);				\
	CID_R(F, K, b, c, d, e, a, (i) + 4);				\
} while (0)
#define CID_R20(F, K, i) do {						\
	CID_R5(F, K, (i));						\
	CID_R5(F, K, (i) + 5);						\
	CID_R5(F, K, (i) + 10);						\
	CID_R5(F, K, (i) + 15);						\
} while (0)

static void
cid_sha1(const uint8_t *in, size_t n, uint8_t md[CID_MD_LEN])
{
	static const uint32_t h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
	    0x10325476, 0xc3d2e1f0 };
	uint32_t	w[16], a = h0[0], b = h0[1], c = h0[2], d = h0[3],
			e = h0[4];
	uint8_t		blk[64];
	size_t		i;

	memset(blk, 0, sizeof(blk));
	memcpy(blk, in, n);
	blk[n] = 0x80;
	blk[62] = (uint8_t)(n * 8 >> 8);	/* the length in bits */
	blk[63] = (uint8_t)(n * 8);
	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 |
		    (uint32_t)blk[4 * i + 1] << 16 |
		    (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
	CID_R20(CID_F0, 0x5a827999, 0);
	CID_R20(CID_F1, 0x6ed9eba1, 20);
	CID_R20(CID_F2, 0x8f1bbcdc, 40);
	CID_R20(CID_F1, 0xca62c1d6, 60);
	a += h0[0], b += h0[1], c += h0[2], d += h0[3], e += h0[4];
	w[0] = a, w[1] = b, w[2] = c, w[3] = d, w[4] = e;
	for (i = 0; i < 5; i++) {
		md[4 * i] = (uint8_t)(w[i] >> 24);
		md[4 * i + 1] = (uint8_t)(w[i] >> 16);
		md[4 * i + 2] = (uint8_t)(w[i] >> 8);
		md[4 * i + 3] = (uint8_t)w[i];
	}
}

/* Base64 (RFC 4648, padded) of the digest, NUL-terminated. */
static void
cid_b64(const uint8_t md[CID_MD_LEN], char out[CID_B64_LEN + 1])
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i + 3 <= CID_MD_LEN; i += 3) {
		v = (uint32_t)md[i] << 16 | (uint32_t)md[i + 1] << 8 | md[i + 2];
		out[o++] = abc[v >> 18];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	/* 20 = 6 * 3 + 2: two bytes left, one '=' */
	v = (uint32_t)md[i] << 16 | (uint32_t)md[i + 1] << 8;
	out[o++] = abc[v >> 18];
	out[o++] = abc[v >> 12 & 63];
	out[o++] = abc[v >> 6 & 63];
	out[o++] = '=';
	out[o] = '\0';
}

int
community_id_v1(uint16_t seed, int ipver, const uint8_t *saddr,
    const uint8_t *daddr, uint8_t proto, uint16_t sport, uint16_t dport,
    char *out, size_t outlen)
{
	uint8_t		 buf[CID_IN_MAX];
	uint8_t		 md[CID_MD_LEN];
	uint32_t	 h = 2166136261U;
	struct cid_slot	*slot;
	size_t		 i;
	size_t		 alen = ipver == 6 ? 16 : 4, n = 0;
	int		 one_way = 0, has_ports;
	const uint8_t	*a1 = saddr, *a2 = daddr;
	uint16_t	 p1 = sport, p2 = dport;

	has_ports = proto == PROTO_TCP || proto == PROTO_UDP ||
	    proto == PROTO_ICMP || proto == PROTO_ICMPV6 || proto == 132;
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6)
		one_way = community_id_icmp_ports(proto, (uint8_t)sport,
		    (uint8_t)dport, &p1, &p2);
	if (!one_way && !endpoint_lt(a1, p1, a2, p2, alen)) {
		const uint8_t	*ta = a1;
		uint16_t	 tp = p1;

		/* Equal endpoints keep their order, as in the spec. */
		if (memcmp(a1, a2, alen) != 0 || p1 != p2) {
			a1 = a2;
			a2 = ta;
			p1 = p2;
			p2 = tp;
		}
	}
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, a1, alen);
	n += alen;
	memcpy(buf + n, a2, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (has_ports) {
		buf[n++] = (uint8_t)(p1 >> 8);
		buf[n++] = (uint8_t)p1;
		buf[n++] = (uint8_t)(p2 >> 8);
		buf[n++] = (uint8_t)p2;
	}
	if (outlen < CID_OUT_LEN)
		return -1;
	for (i = 0; i < n; i++)
		h = (h ^ buf[i]) * 16777619U;	/* FNV-1a */
	slot = &cid_cache[(h ^ h >> 16) % CID_SLOTS];
	if (slot->len == n && memcmp(slot->in, buf, n) == 0) {
		memcpy(out, slot->out, CID_OUT_LEN);
		return 0;
	}
	cid_sha1(buf, n, md);
	memcpy(out, "1:", 2);
	cid_b64(md, out + 2);
	slot->len = (uint8_t)n;
	memcpy(slot->in, buf, n);
	memcpy(slot->out, out, CID_OUT_LEN);
	return 0;
}
