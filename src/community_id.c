/*
 * Community ID v1 (https://github.com/corelight/community-id-spec): a
 * flow hash that Zeek and Suricata compute the same way, so that our
 * alerts correlate with their logs.
 */
#include "config.h"

#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdint.h>
#include <string.h>

#include <openssl/sha.h>

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
 * The IDs last computed, by a hash of their input: a flow's records and
 * alerts from one packet ask for its ID again and again (a DNS answer's
 * record, its alerts). A slot holds the whole input, so a hit is exact;
 * colliding flows only cost the computation again. Small on purpose:
 * with SHA-NI a digest is about 60 ns, less than the cache miss of a
 * slot in a table too big for L2. 16,384 slots (1.2 MB) had been sized
 * by callgrind, which counts no cache misses and no SHA-NI; by CPU time
 * (bench gateway capture, nine interleaved rounds), 64 slots took 35 ms
 * off a run with 310,480 event records and 28 ms off the alert-heavy
 * run's 202,094 alerts; 512 slots did no better, one slot worse.
 */
#define CID_SLOTS	64
#define CID_IN_MAX	(2 + 16 + 16 + 2 + 4)
#define CID_MD_LEN	SHA_DIGEST_LENGTH
#define CID_B64_LEN	(4 * ((CID_MD_LEN + 2) / 3))
#define CID_OUT_LEN	(2 + CID_B64_LEN + 1)

/*
 * A slot's key is the ordered input as words (two for IPv4, five for
 * IPv6), made in registers from the addresses where they lie: hashing
 * the digest's input bytes just written one at a time made each 8-byte
 * load wait for those stores (store forwarding fails across them), a
 * third of the function's CPU time by perf.
 */
#define CID_KEY_MAX	5

struct cid_slot {
	uint64_t key[CID_KEY_MAX];
	uint8_t	 nkey;			/* 0: empty */
	char	 out[CID_OUT_LEN];
};

static _Thread_local struct cid_slot	cid_cache[CID_SLOTS];

/*
 * SHA-1 through OpenSSL's low-level functions, deprecated since 3.0 and
 * used knowingly (as hkdf.c uses SHA-256's): EVP_Digest allocates and
 * frees a context and dispatches through the provider, 2,300
 * instructions a digest where these take about 1,150; a cache miss is
 * every flow's first record and its flow record. Base64 by hand, as
 * EVP_EncodeBlock writes it (its 230 instructions were a sixth of a
 * miss): six groups of three bytes, then the last two and one '='.
 */
static void
cid_digest(const uint8_t *in, size_t n, char out[CID_B64_LEN + 1])
{
	static const char	b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	SHA_CTX			c;
	uint8_t			md[CID_MD_LEN];
	size_t			i;
	char			*o = out;

	SHA1_Init(&c);
	SHA1_Update(&c, in, n);
	SHA1_Final(md, &c);
	for (i = 0; i + 3 <= CID_MD_LEN; i += 3) {
		uint32_t v = (uint32_t)md[i] << 16 | (uint32_t)md[i + 1] << 8 |
		    md[i + 2];

		*o++ = b64[v >> 18];
		*o++ = b64[v >> 12 & 63];
		*o++ = b64[v >> 6 & 63];
		*o++ = b64[v & 63];
	}
	/* CID_MD_LEN % 3 == 2 */
	o[0] = b64[md[18] >> 2];
	o[1] = b64[(md[18] & 3) << 4 | md[19] >> 4];
	o[2] = b64[(md[19] & 15) << 2];
	o[3] = '=';
	o[4] = '\0';
}

int
community_id_v1(uint16_t seed, int ipver, const uint8_t *saddr,
    const uint8_t *daddr, uint8_t proto, uint16_t sport, uint16_t dport,
    char *out, size_t outlen)
{
	uint8_t		 buf[CID_IN_MAX];
	uint64_t	 h, key[CID_KEY_MAX];
	struct cid_slot	*slot;
	size_t		 i, nkey = 0;
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
	if (outlen < CID_OUT_LEN)
		return -1;
	if (alen == 4) {
		uint32_t	x, y;

		memcpy(&x, a1, 4);
		memcpy(&y, a2, 4);
		key[nkey++] = (uint64_t)x | (uint64_t)y << 32;
	} else {
		memcpy(&key[0], a1, 8);
		memcpy(&key[1], a1 + 8, 8);
		memcpy(&key[2], a2, 8);
		memcpy(&key[3], a2 + 8, 8);
		nkey = 4;
	}
	key[nkey++] = (uint64_t)seed | (uint64_t)proto << 16 |
	    (uint64_t)has_ports << 24 | (uint64_t)p1 << 32 | (uint64_t)p2 << 48;
	h = nkey;
	for (i = 0; i < nkey; i++) {
		h = (h ^ key[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	slot = &cid_cache[(h ^ h >> 16) % CID_SLOTS];
	if (slot->nkey == nkey && memcmp(slot->key, key, nkey * 8) == 0) {
		memcpy(out, slot->out, CID_OUT_LEN);
		return 0;
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
	memcpy(out, "1:", 2);
	cid_digest(buf, n, out + 2);
	slot->nkey = (uint8_t)nkey;
	memcpy(slot->key, key, nkey * 8);
	memcpy(slot->out, out, CID_OUT_LEN);
	return 0;
}
