/*
 * siphash.h: keyed SipHash-1-3 over whole 64-bit words, inline for the
 * packet path's hash tables (thresholds, fragment trains), seeded from
 * RAND_bytes by each table.
 */
#ifndef CANHGAC_SIPHASH_H
#define CANHGAC_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIP_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32); \
	v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32); \
} while (0)

/*
 * SipHash-1-3 over whole words: a keyed hash an attacker cannot steer.
 * 1-3 (Rust's HashMap default) rather than 2-4: the tables need
 * resistance to collisions chosen without the key, not a MAC, and the
 * hash runs on every threshold event and every fragment.
 */
static inline uint64_t
siphash13(const uint64_t k[2], const uint64_t *m, size_t n)
{
	uint64_t	v0 = k[0] ^ 0x736f6d6570736575ULL;
	uint64_t	v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t	v2 = k[0] ^ 0x6c7967656e657261ULL;
	uint64_t	v3 = k[1] ^ 0x7465646279746573ULL;
	uint64_t	b;
	size_t		i;

	for (i = 0; i < n; i++) {
		v3 ^= m[i];
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	b = (uint64_t)(n * 8) << 56;
	v3 ^= b;
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* CANHGAC_SIPHASH_H */
