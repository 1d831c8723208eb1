/*
 * app_quic.c: the ClientHello of QUIC v1 and v2 client Initial packets
 * (RFC 9000, RFC 9001 initial keys, RFC 9369 for v2).
 */
#ifndef CANHGAC_QUIC_H
#define CANHGAC_QUIC_H

#include <stddef.h>
#include <stdint.h>

#define QUIC_V1		0x00000001u
#define QUIC_V2		0x6b3343cfu

/* CRYPTO stream bytes reassembled per flow; the rest is counted. */
#define QUIC_CRYPTO_MAX	16384

/* A client's Initial packet protection keys (RFC 9001 5.2). */
struct quic_keys {
	uint8_t		key[16];	/* AEAD_AES_128_GCM */
	uint8_t		iv[12];
	uint8_t		hp[16];		/* AES-128-ECB header protection */
};

struct app_tls;
struct app_stats;
struct quic_ctx;
struct quic_flow;

/* The OpenSSL contexts, a scratch packet and n per-flow states, once. */
struct quic_ctx *quic_new(size_t n);
void	 quic_free(struct quic_ctx *);

/*
 * Cheap test: could p begin a QUIC v1/v2 Initial (long header, fixed
 * bit, a version we decrypt, the Initial type)? Most UDP fails on the
 * first byte.
 */
int	 quic_is_initial(const uint8_t *p, size_t len);

/* The client's Initial keys for version and the first DCID; 0 or -1. */
int	 quic_initial_keys(struct quic_ctx *, uint32_t version,
	    const uint8_t *dcid, size_t dcid_len, struct quic_keys *);

/*
 * Remove the header protection of the packet at p (n bytes, the packet
 * alone) and decrypt it; *plain and *plen are its frames, in the
 * context's scratch until the next call. 0, or -1 if malformed or the
 * tag is wrong.
 */
int	 quic_decrypt(struct quic_ctx *, const struct quic_keys *,
	    const uint8_t *p, size_t n, size_t pn_off,
	    const uint8_t **plain, size_t *plen);

/*
 * Seal frames as a client Initial (DCID dcid, 1-byte packet number pn,
 * padded to pad_to bytes) for tests and fuzzers; its length, 0 if it
 * does not fit cap.
 */
size_t	 quic_seal(struct quic_ctx *, uint32_t version, const uint8_t *dcid,
	    size_t dcid_len, uint8_t pn, const uint8_t *frames, size_t flen,
	    size_t pad_to, uint8_t *out, size_t cap);

/*
 * One client datagram of a QUIC flow (*fs: the flow's state, NULL until
 * a ClientHello spans Initials). APP_DONE: out holds the ClientHello
 * (its bytes valid until quic_release); APP_MORE: wait for more Initials;
 * APP_TOO_LARGE: the hello's own length is past QUIC_CRYPTO_MAX, stop
 * reading; APP_BAD: stop reading this flow (short header seen, no state
 * left, not a ClientHello). Counters go to st.
 */
int	 quic_datagram(struct quic_ctx *, struct quic_flow **fs,
	    const uint8_t *p, size_t n, struct app_tls *out,
	    struct app_stats *st);
void	 quic_release(struct quic_ctx *, struct quic_flow **fs);

#endif /* CANHGAC_QUIC_H */
