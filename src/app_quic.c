/*
 * app_quic.c — the ClientHello of QUIC v1 (RFC 9000, 9001) and v2 (RFC
 * 9369) client Initial packets: SNI, ALPN, version, JA3/JA4.
 *
 * Initial packets are encrypted with keys anyone can derive from the
 * client's first Destination Connection ID. Only client Initials are
 * decrypted, and only until the flow's ClientHello is whole. Its CRYPTO
 * frames may come at any offset, out of order, over several packets
 * (coalesced in one datagram or not): they are laid into a buffer of
 * QUIC_CRYPTO_MAX bytes with a bitmap of what arrived. A hello that one
 * datagram completes (the common case) is built in the context's
 * scratch state; only a hello that spans datagrams takes a state from
 * the pool made at start, so the packet path allocates nothing. The
 * OpenSSL contexts (AES-128-GCM, AES-128-ECB) are made once and rekeyed
 * per packet; HKDF is hkdf.c's, on the stack (OpenSSL 3.0's allocated
 * five times a derivation).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app.h"
#include "hkdf.h"
#include "log.h"
#include "quic.h"
#include "xmalloc.h"

#define QUIC_CID_MAX	20
#define QUIC_PKT_MAX	65536	/* a UDP payload */
#define QUIC_TAG	16
#define QUIC_SAMPLE	16

/* Per-flow reassembly of the client's Initial CRYPTO stream. */
struct quic_flow {
	struct quic_flow *next;		/* pool free list */
	struct quic_keys keys;
	uint32_t	 version;	/* 0 until an Initial decrypted */
	uint16_t	 have;		/* bytes in order from offset 0 */
	uint16_t	 end;		/* past the highest byte held */
	uint8_t		 map[QUIC_CRYPTO_MAX / 8];	/* bytes held */
	uint8_t		 buf[QUIC_CRYPTO_MAX];
};

struct quic_ctx {
	EVP_CIPHER_CTX	*gcm;
	EVP_CIPHER_CTX	*ecb;
	struct quic_flow *pool;
	struct quic_flow *free;
	size_t		 n, fresh;	/* never used yet, in order (app.c) */
	struct quic_flow scratch;	/* a datagram's hello, no state yet */
	uint8_t		 pkt[QUIC_PKT_MAX];	/* unprotected in place */
};

/* RFC 9001 5.2 and RFC 9369 3.3.1. */
static const uint8_t quic_salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a
};
static const uint8_t quic_salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9
};

struct quic_ctx *
quic_new(size_t n)
{
	struct quic_ctx	*q = xcalloc(1, sizeof(*q));

	if ((q->gcm = EVP_CIPHER_CTX_new()) == NULL ||
	    (q->ecb = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(q->gcm, EVP_aes_128_gcm(), NULL, NULL,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(q->ecb, EVP_aes_128_ecb(), NULL, NULL,
	    NULL) != 1 || EVP_CIPHER_CTX_set_padding(q->ecb, 0) != 1)
		fatalx("OpenSSL: no AES-128-GCM or AES-128-ECB");
	q->pool = xcalloc(n, sizeof(*q->pool));
	q->n = n;
	return q;
}

void
quic_free(struct quic_ctx *q)
{
	if (q == NULL)
		return;
	EVP_CIPHER_CTX_free(q->gcm);
	EVP_CIPHER_CTX_free(q->ecb);
	free(q->pool);
	free(q);
}

void
quic_release(struct quic_ctx *q, struct quic_flow **fs)
{
	if (*fs == NULL)
		return;
	(*fs)->next = q->free;
	q->free = *fs;
	*fs = NULL;
}

static uint32_t
quic_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The Initial packet type: 0 in v1, 1 in v2 (RFC 9369 3.2). */
static int
quic_type_initial(uint32_t v, uint8_t b0)
{
	return ((b0 >> 4) & 3) == (v == QUIC_V2 ? 1 : 0);
}

int
quic_is_initial(const uint8_t *p, size_t len)
{
	uint32_t	 v;

	if (len < 7 || (p[0] & 0xc0) != 0xc0)
		return 0;
	v = quic_be32(p + 1);
	return (v == QUIC_V1 || v == QUIC_V2) && quic_type_initial(v, p[0]) &&
	    p[5] <= QUIC_CID_MAX;
}

/* A variable-length integer (RFC 9000 16); -1 past the end. */
static int
quic_varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
	size_t	 k, len;

	if (*i >= n)
		return -1;
	len = (size_t)1 << (p[*i] >> 6);
	if (n - *i < len)
		return -1;
	*v = p[*i] & 0x3f;
	for (k = 1; k < len; k++)
		*v = *v << 8 | p[*i + k];
	*i += len;
	return 0;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int
quic_expand_label(const uint8_t *secret, const char *label, uint8_t *out,
    size_t olen)
{
	uint8_t	 info[64];
	size_t	 ll = strlen(label), n = 0;

	info[n++] = 0;
	info[n++] = (uint8_t)olen;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;
	return hkdf_sha256_expand(secret, info, n, out, olen);
}

int
quic_initial_keys(struct quic_ctx *q, uint32_t version, const uint8_t *dcid,
    size_t dcid_len, struct quic_keys *k)
{
	uint8_t	 init[HKDF_SHA256_LEN], client[HKDF_SHA256_LEN];
	int	 v2 = version == QUIC_V2, rc;

	(void)q;
	if (version != QUIC_V1 && !v2)
		return -1;
	hkdf_sha256_extract(v2 ? quic_salt_v2 : quic_salt_v1, 20, dcid,
	    dcid_len, init);
	rc = quic_expand_label(init, "client in", client, sizeof(client));
	if (rc == 0)
		rc = quic_expand_label(client, v2 ? "quicv2 key" :
		    "quic key", k->key, sizeof(k->key));
	if (rc == 0)
		rc = quic_expand_label(client, v2 ? "quicv2 iv" :
		    "quic iv", k->iv, sizeof(k->iv));
	if (rc == 0)
		rc = quic_expand_label(client, v2 ? "quicv2 hp" :
		    "quic hp", k->hp, sizeof(k->hp));
	return rc;
}

int
quic_decrypt(struct quic_ctx *q, const struct quic_keys *k, const uint8_t *p,
    size_t n, size_t pn_off, const uint8_t **plain, size_t *plen)
{
	uint8_t	 mask[32], nonce[12], *b = q->pkt;
	size_t	 pnl, hdr, i;
	int	 l1, l2;

	/* The sample starts 4 bytes past the packet number's start. */
	if (n > sizeof(q->pkt) || pn_off + 4 + QUIC_SAMPLE > n)
		return -1;
	memcpy(b, p, n);
	if (EVP_EncryptInit_ex(q->ecb, NULL, NULL, k->hp, NULL) != 1 ||
	    EVP_EncryptUpdate(q->ecb, mask, &l1, b + pn_off + 4,
	    QUIC_SAMPLE) != 1 || l1 != QUIC_SAMPLE)
		return -1;
	b[0] ^= mask[0] & 0x0f;
	pnl = (size_t)(b[0] & 3) + 1;
	memcpy(nonce, k->iv, sizeof(nonce));
	for (i = 0; i < pnl; i++) {
		b[pn_off + i] ^= mask[1 + i];
		/* The truncated number: a client's first Initials are low. */
		nonce[12 - pnl + i] ^= b[pn_off + i];
	}
	hdr = pn_off + pnl;
	if (n - hdr < QUIC_TAG)
		return -1;
	if (EVP_DecryptInit_ex(q->gcm, NULL, NULL, k->key, nonce) != 1 ||
	    EVP_DecryptUpdate(q->gcm, NULL, &l1, b, (int)hdr) != 1 ||
	    EVP_DecryptUpdate(q->gcm, b + hdr, &l1, b + hdr,
	    (int)(n - hdr - QUIC_TAG)) != 1 ||
	    EVP_CIPHER_CTX_ctrl(q->gcm, EVP_CTRL_GCM_SET_TAG, QUIC_TAG,
	    b + n - QUIC_TAG) != 1 ||
	    EVP_DecryptFinal_ex(q->gcm, b + hdr + l1, &l2) != 1)
		return -1;
	*plain = b + hdr;
	*plen = (size_t)l1 + (size_t)l2;
	return 0;
}

/*
 * The sender's side, for the tests and fuzzers that build their inputs:
 * a client Initial of version around frames (PADDING up to pad_to
 * bytes), packet number pn in one byte, no token, SCID empty.
 */
size_t
quic_seal(struct quic_ctx *q, uint32_t version, const uint8_t *dcid,
    size_t dcid_len, uint8_t pn, const uint8_t *frames, size_t flen,
    size_t pad_to, uint8_t *out, size_t cap)
{
	struct quic_keys k;
	EVP_CIPHER_CTX	*c;
	uint8_t		 mask[32], nonce[12];
	size_t		 n = 0, plen;
	int		 l, ok;

	if (dcid_len > QUIC_CID_MAX || quic_initial_keys(q, version, dcid,
	    dcid_len, &k) != 0)
		return 0;
	/* Header: flags, version, DCID, SCID, token, 2-byte length, pn. */
	plen = 11 + dcid_len + QUIC_TAG < pad_to ?
	    pad_to - (11 + dcid_len + QUIC_TAG) : 0;
	if (plen < flen)
		plen = flen;
	if (plen < QUIC_SAMPLE)	/* the sample must lie in the payload */
		plen = QUIC_SAMPLE;
	if (plen > 16000 || 11 + dcid_len + plen + QUIC_TAG > cap)
		return 0;
	out[n++] = version == QUIC_V2 ? 0xd0 : 0xc0;	/* pn: 1 byte */
	out[n++] = (uint8_t)(version >> 24);
	out[n++] = (uint8_t)(version >> 16);
	out[n++] = (uint8_t)(version >> 8);
	out[n++] = (uint8_t)version;
	out[n++] = (uint8_t)dcid_len;
	memcpy(out + n, dcid, dcid_len);
	n += dcid_len;
	out[n++] = 0;			/* SCID */
	out[n++] = 0;			/* token */
	out[n++] = (uint8_t)(0x40 | (1 + plen + QUIC_TAG) >> 8);
	out[n++] = (uint8_t)(1 + plen + QUIC_TAG);
	out[n++] = pn;
	memcpy(out + n, frames, flen);
	memset(out + n + flen, 0, plen - flen);
	memcpy(nonce, k.iv, sizeof(nonce));
	nonce[11] ^= pn;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return 0;
	ok = EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key,
	    nonce) == 1 &&
	    EVP_EncryptUpdate(c, NULL, &l, out, (int)n) == 1 &&
	    EVP_EncryptUpdate(c, out + n, &l, out + n, (int)plen) == 1 &&
	    EVP_EncryptFinal_ex(c, out + n + plen, &l) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, QUIC_TAG,
	    out + n + plen) == 1 &&
	    EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL) == 1 &&
	    EVP_EncryptUpdate(c, mask, &l, out + n - 1 + 4,
	    QUIC_SAMPLE) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return 0;
	out[0] ^= mask[0] & 0x0f;
	out[n - 1] ^= mask[1];
	return n + plen + QUIC_TAG;
}

/* Mark bytes [a, e) of the CRYPTO stream held. */
static void
quic_map_set(uint8_t *map, size_t a, size_t e)
{
	for (; a < e && (a & 7) != 0; a++)
		map[a >> 3] |= (uint8_t)(1u << (a & 7));
	if (e - a >= 8) {
		memset(map + (a >> 3), 0xff, (e - a) >> 3);
		a += (e - a) & ~(size_t)7;
	}
	for (; a < e; a++)
		map[a >> 3] |= (uint8_t)(1u << (a & 7));
}

/* One CRYPTO frame's data at off; past the buffer it is counted. */
static void
quic_crypto(struct quic_flow *s, uint64_t off, const uint8_t *d, size_t len,
    struct app_stats *st)
{
	size_t	 e;

	if (len == 0)
		return;
	if (off >= QUIC_CRYPTO_MAX) {
		st->quic_oversize++;
		return;
	}
	e = (size_t)off + len;
	if (e > QUIC_CRYPTO_MAX) {
		st->quic_oversize++;
		e = QUIC_CRYPTO_MAX;
	}
	/*
	 * First copy wins, as over TCP: a second CRYPTO frame over bytes
	 * already laid (coalesced after the hello, junk at offset 0) would
	 * have spoilt the hello the server read (RFC 9000 19.6 lets it keep
	 * either; it may not check).
	 */
	{
		size_t	a;

		for (a = (size_t)off; a < e; a++)
			if (!(s->map[a >> 3] & (1u << (a & 7))))
				s->buf[a] = d[a - (size_t)off];
	}
	quic_map_set(s->map, (size_t)off, e);
	if (e > s->end)
		s->end = (uint16_t)e;
	while (s->have < s->end) {
		if ((s->have & 7) == 0 && s->end - s->have >= 8 &&
		    s->map[s->have >> 3] == 0xff)
			s->have += 8;
		else if (s->map[s->have >> 3] & (1u << (s->have & 7)))
			s->have++;
		else
			break;
	}
}

/*
 * The frames of a client Initial: only PADDING, PING, ACK, CRYPTO and
 * CONNECTION_CLOSE may be there (RFC 9000 12.4). -1 if malformed.
 */
static int
quic_frames(struct quic_flow *s, const uint8_t *p, size_t n,
    struct app_stats *st)
{
	size_t	 i = 0;
	uint64_t t, a, b, c, k;

	while (i < n) {
		t = p[i++];
		switch (t) {
		case 0x00:		/* PADDING */
			while (i < n && p[i] == 0)
				i++;
			break;
		case 0x01:		/* PING */
			break;
		case 0x02:		/* ACK */
		case 0x03:		/* ACK with ECN counts */
			if (quic_varint(p, n, &i, &a) || quic_varint(p, n,
			    &i, &a) || quic_varint(p, n, &i, &c) ||
			    quic_varint(p, n, &i, &a) || c > n - i)
				return -1;
			/* Each range is two varints, at least a byte each. */
			for (k = 0; k < 2 * c + (t == 0x03 ? 3 : 0); k++)
				if (quic_varint(p, n, &i, &a))
					return -1;
			break;
		case 0x06:		/* CRYPTO */
			if (quic_varint(p, n, &i, &a) ||
			    quic_varint(p, n, &i, &b) || b > n - i)
				return -1;
			quic_crypto(s, a, p + i, (size_t)b, st);
			i += (size_t)b;
			break;
		case 0x1c:		/* CONNECTION_CLOSE */
			if (quic_varint(p, n, &i, &a) || quic_varint(p, n,
			    &i, &a) || quic_varint(p, n, &i, &b) || b > n - i)
				return -1;
			i += (size_t)b;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/*
 * One long-header packet at the start of p. Returns its length, 0 when
 * the rest of the datagram is not a long-header packet we read (a short
 * header, a Retry, padding after the last packet), -1 if malformed.
 */
static long
quic_packet(struct quic_ctx *q, struct quic_flow *s, const uint8_t *p,
    size_t n, struct app_stats *st)
{
	struct quic_keys k;
	const uint8_t	*plain;
	size_t		 i = 6, dcl, pn_off, end, plen;
	uint64_t	 tok, len;
	uint32_t	 v;

	if ((p[0] & 0xc0) != 0xc0)
		return 0;
	if (n < 7)		/* a long header cut short */
		return -1;
	v = quic_be32(p + 1);
	if (v != QUIC_V1 && v != QUIC_V2)
		return -1;
	if (((p[0] >> 4) & 3) == (v == QUIC_V2 ? 0 : 3))	/* Retry */
		return 0;
	dcl = p[5];
	if (dcl > QUIC_CID_MAX || n - i < dcl + 1 ||
	    p[i + dcl] > QUIC_CID_MAX || n - i - dcl - 1 < p[i + dcl])
		return -1;
	i += dcl + 1 + p[i + dcl];
	if (quic_type_initial(v, p[0]) &&
	    (quic_varint(p, n, &i, &tok) || tok > n - i))
		return -1;
	if (quic_type_initial(v, p[0]))
		i += (size_t)tok;
	if (quic_varint(p, n, &i, &len) || len > n - i)
		return -1;
	pn_off = i;
	end = i + (size_t)len;
	/* 0-RTT or Handshake coalesced with it: not readable here. */
	if (!quic_type_initial(v, p[0]))
		return (long)end;
	if (s->version != 0 && s->version != v)
		return -1;
	/* The keys come from the DCID of the client's first Initial. */
	if (s->version != 0)
		k = s->keys;
	else if (quic_initial_keys(q, v, p + 6, dcl, &k) != 0)
		return -1;
	if (quic_decrypt(q, &k, p, end, pn_off, &plain, &plen) != 0)
		return -1;
	st->quic_initials++;
	if (s->version == 0) {
		s->keys = k;
		s->version = v;
	}
	if (quic_frames(s, plain, plen, st) != 0)
		return -1;
	return (long)end;
}

int
quic_datagram(struct quic_ctx *q, struct quic_flow **fs, const uint8_t *p,
    size_t n, struct app_tls *out, struct app_stats *st)
{
	struct quic_flow *s = *fs;
	size_t		  off = 0, mlen;
	long		  used = 0;
	int		  rc;

	/* A short header: the handshake is over, no Initial will come. */
	if (n == 0 || !(p[0] & 0x80))
		return APP_BAD;
	if (s == NULL) {
		s = &q->scratch;
		s->version = 0;
		s->have = s->end = 0;
		memset(s->map, 0, sizeof(s->map));
	}
	while (off < n && (used = quic_packet(q, s, p + off, n - off,
	    st)) > 0)
		off += (size_t)used;
	if (off < n && used < 0)
		st->quic_bad++;
	if (s->have < 4)
		rc = APP_MORE;
	else
		rc = app_tls_client_hello_quic(s->buf, s->have, out);
	if (rc == APP_BAD) {
		st->parse_errors++;
		return APP_BAD;
	}
	if (rc == APP_MORE) {
		mlen = s->have < 4 ? 0 : (size_t)s->buf[1] << 16 |
		    (size_t)s->buf[2] << 8 | s->buf[3];
		if (mlen + 4 > QUIC_CRYPTO_MAX) {
			st->quic_oversize++;
			return APP_TOO_LARGE;
		}
		if (*fs != NULL || s->end == 0)
			return APP_MORE;
		/* The hello goes on in a later datagram: keep what came. */
		if (q->free == NULL && q->fresh < q->n)
			q->free = &q->pool[q->fresh++];
		if (q->free == NULL) {
			st->buf_exhausted++;
			st->quic_hellos_exhausted++;
			return APP_BAD;
		}
		*fs = q->free;
		q->free = (*fs)->next;
		memcpy(*fs, s, sizeof(*s));
		(*fs)->next = NULL;
		return APP_MORE;
	}
	out->quic_version = s->version;
	out->hello = s->buf;
	out->hello_len = s->have;
	return APP_DONE;
}
