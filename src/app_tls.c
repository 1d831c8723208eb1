/*
 * app_tls.c — TLS ClientHello / ServerHello metadata: versions offered,
 * cipher suites, SNI, JA3 and JA4 fingerprints; SSLv2-format hellos.
 *
 * Input is the first bytes of one direction of a TCP stream. A handshake
 * message may be split over several TLS records and the buffer may end
 * anywhere: the parser reads through a cursor that walks the record layer,
 * so nothing is copied or allocated except the digest context at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The low-level digests are deprecated in OpenSSL 3 but still its own,
 * maintained code; they are what keeps a digest off the heap. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <sys/random.h>

#include "app.h"
#include "cccd.h"
#include "siphash.h"

#define TLS_REC_HANDSHAKE	0x16
#define TLS_REC_MAX		(16384 + 2048)	/* ciphertext bound, RFC 8446 */
/*
 * Empty handshake records skipped in a row, at most: RFC 8446 forbids
 * them, but OpenSSL reads past up to 32 in a row (MAX_EMPTY_RECORDS)
 * and completes the handshake, so a hello behind them must be read; one
 * more and OpenSSL gives up on the connection, and so does the parser.
 */
#define TLS_EMPTY_MAX		32
#define TLS_HS_CLIENT_HELLO	1
#define TLS_HS_SERVER_HELLO	2
#define SSL2_MT_CLIENT_HELLO	1
#define SSL2_MT_SERVER_HELLO	4

#define TLS_EXT_SNI		0x0000
#define TLS_EXT_GROUPS		0x000a
#define TLS_EXT_POINT_FORMATS	0x000b
#define TLS_EXT_SIG_ALGS	0x000d
#define TLS_EXT_ALPN		0x0010
#define TLS_EXT_VERSIONS	0x002b

/* JA4 sorts ciphers and extensions; beyond these it is left empty. */
#define TLS_JA4_CIPHERS_MAX	512
#define TLS_JA4_EXTS_MAX	256

enum { RD_OK = 0, RD_MORE, RD_BAD };

/* A read cursor over handshake bytes carried in consecutive records. */
struct tls_rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;		/* next unread byte of p */
	size_t		 rec_left;	/* payload bytes left in this record */
	size_t		 left;		/* bytes the enclosing field may use */
	int		 st;
	unsigned	 empty;		/* empty records just skipped in a row */
};

/* Where the parts of a ClientHello that feed the fingerprints are. */
struct tls_ch {
	struct tls_rd	 ciphers;	/* cursor at the suites */
	size_t		 ciphers_len;
	struct tls_rd	 exts;		/* cursor at the extension list */
	size_t		 exts_len;
	struct tls_rd	 groups;	/* ext 10 body after its length */
	size_t		 groups_len;
	struct tls_rd	 pf;		/* ext 11 body after its length */
	size_t		 pf_len;
	struct tls_rd	 sigalgs;	/* ext 13 body after its length */
	size_t		 sigalgs_len;
	int		 have_sni;
	int		 quic;		/* a bare QUIC CRYPTO stream */
	char		 alpn[3];	/* JA4 ALPN marker, "00" if none */
};

/* tls_client_hello's flags. */
#define TLSP_FP		0x01	/* work out JA3 and JA4 */
#define TLSP_QUIC	0x02	/* no record layer; JA4 "q"; ALPN, extensions */
#define TLSP_BARE	0x04	/* no record layer (app_tls_deframe took it) */

/*
 * Streams decimal/hex text into a digest through a small stack buffer.
 * OpenSSL's one-call-per-step digests keep their state on the stack: a
 * ClientHello is a packet, and the packet path allocates nothing (the
 * EVP interface allocates a context per digest).
 */
struct tls_hw {
	int		 sha256;
	union {
		MD5_CTX		md5;
		SHA256_CTX	sha;
	}		 c;
	char		 buf[256];
	size_t		 n;
	int		 err;
};

static int
tls_is_grease(uint16_t v)
{
	return ((v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff));
}

static int
tls_isalnum(uint8_t c)
{
	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z'));
}

/*
 * The handshake record header at p, n bytes in hand: RD_OK with its
 * payload length (0 for an empty record: the caller skips it, counting),
 * RD_MORE while it is partial (what is there must still look like one),
 * else RD_BAD.
 */
static int
tls_rec_header(const uint8_t *p, size_t n, size_t *rlen)
{
	if ((n > 0 && p[0] != TLS_REC_HANDSHAKE) || (n > 1 && p[1] != 3))
		return (RD_BAD);
	if (n < 5)
		return (RD_MORE);
	*rlen = (size_t)p[3] << 8 | p[4];
	if (*rlen > TLS_REC_MAX)
		return (RD_BAD);
	return (RD_OK);
}

/*
 * Step into the next handshake record when the current one is used up,
 * past empty ones (TLS_EMPTY_MAX in a row at most).
 */
static int
tls_rd_fill(struct tls_rd *r)
{
	size_t	 rlen = 0;
	int	 st;

	while (r->rec_left == 0) {
		if ((st = tls_rec_header(r->p + r->off, r->len - r->off,
		    &rlen)) != RD_OK)
			return (r->st = st);
		if (rlen == 0 && ++r->empty > TLS_EMPTY_MAX)
			return (r->st = RD_BAD);
		if (rlen != 0)
			r->empty = 0;
		r->off += 5;
		r->rec_left = rlen;
	}
	if (r->off >= r->len)
		return (r->st = RD_MORE);
	return (RD_OK);
}

/* One byte of the handshake stream; 0 once the cursor has failed. */
static __attribute__((noinline)) uint8_t
tls_rd_u8_slow(struct tls_rd *r)
{
	uint8_t	 v;

	if (r->st != RD_OK)
		return (0);
	if (r->left == 0) {
		r->st = RD_BAD;
		return (0);
	}
	if (tls_rd_fill(r) != RD_OK)
		return (0);
	v = r->p[r->off++];
	r->rec_left--;
	r->left--;
	return (v);
}

/* The common case inline: the byte is there, inside the record. */
static inline uint8_t
tls_rd_u8(struct tls_rd *r)
{
	if (r->st == RD_OK && r->left != 0 && r->rec_left != 0 &&
	    r->off < r->len) {
		r->rec_left--;
		r->left--;
		return (r->p[r->off++]);
	}
	return (tls_rd_u8_slow(r));
}

/*
 * Both bytes inside the record read at once: a hello's cipher and
 * extension lists are read two bytes at a time, and byte by byte
 * through a call was a third of the hello parser (callgrind).
 */
static inline uint16_t
tls_rd_u16(struct tls_rd *r)
{
	uint16_t v;

	if (r->st == RD_OK && r->left >= 2 && r->rec_left >= 2 &&
	    r->off < r->len && r->len - r->off >= 2) {
		v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
		r->off += 2;
		r->rec_left -= 2;
		r->left -= 2;
		return (v);
	}
	v = (uint16_t)(tls_rd_u8(r) << 8);
	return (v | tls_rd_u8(r));
}

static uint32_t
tls_rd_u24(struct tls_rd *r)
{
	uint32_t v;

	v = (uint32_t)tls_rd_u8(r) << 16;
	v |= (uint32_t)tls_rd_u8(r) << 8;
	return (v | tls_rd_u8(r));
}

/* Skip n bytes, record by record. */
static void
tls_rd_skip(struct tls_rd *r, size_t n)
{
	size_t	 k;

	if (r->st != RD_OK)
		return;
	if (n > r->left) {
		r->st = RD_BAD;
		return;
	}
	while (n > 0) {
		if (tls_rd_fill(r) != RD_OK)
			return;
		k = n;
		if (k > r->rec_left)
			k = r->rec_left;
		if (k > r->len - r->off)
			k = r->len - r->off;
		r->off += k;
		r->rec_left -= k;
		r->left -= k;
		n -= k;
	}
}

/* A copy of the cursor limited to the next n bytes. */
static struct tls_rd
tls_rd_sub(const struct tls_rd *r, size_t n)
{
	struct tls_rd	 s = *r;

	s.left = n;
	return (s);
}

static int
tls_rd_result(const struct tls_rd *r)
{
	if (r->st == RD_MORE)
		return (APP_MORE);
	if (r->st == RD_BAD)
		return (APP_BAD);
	return (APP_DONE);
}

/* Start a digest; on failure the writer stays inert and err is set. */
static void
tls_hw_init(struct tls_hw *w, int sha256)
{
	memset(w, 0, sizeof(*w));
	w->sha256 = sha256;
	if ((sha256 ? SHA256_Init(&w->c.sha) : MD5_Init(&w->c.md5)) != 1)
		w->err = 1;
}

static void
tls_hw_flush(struct tls_hw *w)
{
	if (!w->err && w->n > 0 && (w->sha256 ?
	    SHA256_Update(&w->c.sha, w->buf, w->n) :
	    MD5_Update(&w->c.md5, w->buf, w->n)) != 1)
		w->err = 1;
	w->n = 0;
}

static void
tls_hw_put(struct tls_hw *w, const char *s, size_t n)
{
	size_t	 k;

	while (n > 0) {
		if (w->n == sizeof(w->buf))
			tls_hw_flush(w);
		k = sizeof(w->buf) - w->n;
		if (k > n)
			k = n;
		memcpy(w->buf + w->n, s, k);
		w->n += k;
		s += k;
		n -= k;
	}
}

/* Decimal by hand: snprintf was a third of a ClientHello's cost. */
static void
tls_hw_dec(struct tls_hw *w, unsigned int v)
{
	char	 t[12];
	size_t	 n = sizeof(t);

	do {
		t[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	tls_hw_put(w, t + n, sizeof(t) - n);
}

static void
tls_hw_hex4(struct tls_hw *w, unsigned int v)
{
	static const char hex[] = "0123456789abcdef";
	char	 t[4];

	t[0] = hex[(v >> 12) & 0xf];
	t[1] = hex[(v >> 8) & 0xf];
	t[2] = hex[(v >> 4) & 0xf];
	t[3] = hex[v & 0xf];
	tls_hw_put(w, t, 4);
}

/* Finish the digest into out as lowercase hex, at most outhex digits. */
static void
tls_hw_final(struct tls_hw *w, char *out, size_t outhex)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	unsigned int	 mdlen = w->sha256 ? SHA256_DIGEST_LENGTH :
			    MD5_DIGEST_LENGTH, i;

	out[0] = '\0';
	tls_hw_flush(w);
	if (!w->err && (w->sha256 ? SHA256_Final(md, &w->c.sha) :
	    MD5_Final(md, &w->c.md5)) == 1) {
		for (i = 0; i < mdlen && 2 * i + 1 < outhex; i++) {
			out[2 * i] = hex[md[i] >> 4];
			out[2 * i + 1] = hex[md[i] & 0xf];
		}
		out[2 * i] = '\0';
	}
}

/* Write a list of 16-bit values (non-GREASE) separated by sep. */
static void
tls_hw_list16(struct tls_hw *w, struct tls_rd r, size_t n, int hex, char sep)
{
	uint16_t v;
	int	 first = 1;

	r.left = n;
	while (r.left >= 2 && r.st == RD_OK) {
		v = tls_rd_u16(&r);
		if (r.st != RD_OK || tls_is_grease(v))
			continue;
		if (!first)
			tls_hw_put(w, &sep, 1);
		first = 0;
		if (hex)
			tls_hw_hex4(w, v);
		else
			tls_hw_dec(w, v);
	}
}

/*
 * The next extension type of the hello's list (GREASE left out, as both
 * fingerprints leave it out): 1, or 0 at the end. r starts at ch->exts.
 */
static int
tls_ext_next(struct tls_rd *r, uint16_t *type)
{
	uint16_t	t, elen;

	while (r->left >= 4 && r->st == RD_OK) {
		t = tls_rd_u16(r);
		elen = tls_rd_u16(r);
		tls_rd_skip(r, elen);
		if (r->st != RD_OK || tls_is_grease(t))
			continue;
		*type = t;
		return (1);
	}
	return (0);
}

/* The JA3 string "ver,ciphers,exts,groups,pointformats" hashed with MD5. */
static void
tls_ja3(const struct app_tls *t, const struct tls_ch *ch, char *out)
{
	struct tls_hw	 w;
	struct tls_rd	 r;
	uint16_t	 type;
	int		 first = 1;

	tls_hw_init(&w, 0);
	tls_hw_dec(&w, t->legacy_version);
	tls_hw_put(&w, ",", 1);
	tls_hw_list16(&w, ch->ciphers, ch->ciphers_len, 0, '-');
	tls_hw_put(&w, ",", 1);
	r = ch->exts;
	r.left = ch->exts_len;
	while (tls_ext_next(&r, &type)) {
		if (!first)
			tls_hw_put(&w, "-", 1);
		first = 0;
		tls_hw_dec(&w, type);
	}
	tls_hw_put(&w, ",", 1);
	tls_hw_list16(&w, ch->groups, ch->groups_len, 0, '-');
	tls_hw_put(&w, ",", 1);
	r = ch->pf;
	r.left = ch->pf_len;
	first = 1;
	while (r.left > 0 && r.st == RD_OK) {
		type = tls_rd_u8(&r);
		if (r.st != RD_OK)
			break;
		if (!first)
			tls_hw_put(&w, "-", 1);
		first = 0;
		tls_hw_dec(&w, type);
	}
	tls_hw_final(&w, out, 32);
}

/* v[i] sifted down the max-heap v[0, n). */
static void
tls_sift16(uint16_t *v, size_t i, size_t n)
{
	size_t		 c;
	uint16_t	 x = v[i];

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[c] <= x)
			break;
		v[i] = v[c];
		i = c;
	}
	v[i] = x;
}

/*
 * Real hellos carry a few dozen values: insertion sort; a heap sort
 * beyond (a hostile hello's 512 ciphers), in place: glibc's qsort
 * allocates a buffer for 1,024 bytes or more.
 */
static void
tls_sort16(uint16_t *v, size_t n)
{
	size_t		 i, j;
	uint16_t	 x;

	if (n > 64) {
		for (i = n / 2; i-- > 0;)
			tls_sift16(v, i, n);
		for (i = n; i-- > 1;) {
			x = v[0];
			v[0] = v[i];
			v[i] = x;
			tls_sift16(v, 0, i);
		}
		return;
	}
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* JA4 version marker from the highest version offered. */
static const char *
tls_ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304:	return ("13");
	case 0x0303:	return ("12");
	case 0x0302:	return ("11");
	case 0x0301:	return ("10");
	case 0x0300:	return ("s3");
	case 0x0002:	return ("s2");
	default:	return ("00");
	}
}

/* Hash a sorted list (and optional sigalgs suffix) to 12 hex digits. */
static void
tls_ja4_hash(const uint16_t *v, size_t n, const struct tls_ch *ch,
    int sigalgs, char *out)
{
	struct tls_hw	 w;
	size_t		 i;

	if (n == 0 && (!sigalgs || ch->sigalgs_len == 0)) {
		memcpy(out, "000000000000", 13);
		return;
	}
	tls_hw_init(&w, 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			tls_hw_put(&w, ",", 1);
		tls_hw_hex4(&w, v[i]);
	}
	if (sigalgs && ch->sigalgs_len > 0) {
		tls_hw_put(&w, "_", 1);
		tls_hw_list16(&w, ch->sigalgs, ch->sigalgs_len, 1, ',');
	}
	tls_hw_final(&w, out, 12);
}

/* JA4 (FoxIO): t13d1516h2_<ciphers>_<exts_sigalgs>, "q" first over QUIC. */
static void
tls_ja4(const struct app_tls *t, const struct tls_ch *ch, char *out,
    size_t outlen)
{
	uint16_t	 ciphers[TLS_JA4_CIPHERS_MAX], exts[TLS_JA4_EXTS_MAX];
	size_t		 nc = 0, ne = 0, nall = 0;
	struct tls_rd	 r;
	uint16_t	 v;
	char		 b[13], c[13];

	out[0] = '\0';
	r = ch->ciphers;
	r.left = ch->ciphers_len;
	while (r.left >= 2 && r.st == RD_OK) {
		v = tls_rd_u16(&r);
		if (r.st != RD_OK || tls_is_grease(v))
			continue;
		if (nc == TLS_JA4_CIPHERS_MAX)
			return;
		ciphers[nc++] = v;
	}
	r = ch->exts;
	r.left = ch->exts_len;
	while (tls_ext_next(&r, &v)) {
		nall++;
		if (v == TLS_EXT_SNI || v == TLS_EXT_ALPN)
			continue;
		if (ne == TLS_JA4_EXTS_MAX)
			return;
		exts[ne++] = v;
	}
	tls_sort16(ciphers, nc);
	tls_sort16(exts, ne);
	tls_ja4_hash(ciphers, nc, ch, 0, b);
	tls_ja4_hash(exts, ne, ch, 1, c);
	if (b[0] == '\0' || c[0] == '\0')
		return;
	/* "t" ver sni nc ne alpn "_" b "_" c: 10 + 1 + 12 + 1 + 12 + NUL. */
	if (outlen < 37)
		return;
	if (nc > 99)
		nc = 99;
	if (nall > 99)
		nall = 99;
	out[0] = ch->quic ? 'q' : 't';
	memcpy(out + 1, tls_ja4_version(t->max_version), 2);
	out[3] = ch->have_sni ? 'd' : 'i';
	out[4] = (char)('0' + nc / 10);
	out[5] = (char)('0' + nc % 10);
	out[6] = (char)('0' + nall / 10);
	out[7] = (char)('0' + nall % 10);
	memcpy(out + 8, ch->alpn, 2);
	out[10] = '_';
	memcpy(out + 11, b, 12);
	out[23] = '_';
	memcpy(out + 24, c, 13);
}

/* Is v a plausible version to rank: SSL 3.0 .. TLS 1.3 (or a draft)? */
static uint16_t
tls_rank_version(uint16_t v)
{
	if ((v >> 8) == 0x7f)		/* TLS 1.3 drafts */
		return (0x0304);
	if ((v >> 8) == 3 && v <= 0x0304)
		return (v);
	return (0);
}

/* server_name: the first host_name entry, non-printable bytes as '?'. */
static void
tls_ext_sni(struct tls_rd r, struct app_tls *out)
{
	uint16_t listlen, nlen, i;
	uint8_t	 type, c;
	size_t	 n = 0;
	int	 cut = 0;

	listlen = tls_rd_u16(&r);
	if (r.st != RD_OK || listlen > r.left)
		return;
	r.left = listlen;
	while (r.left >= 3 && r.st == RD_OK) {
		type = tls_rd_u8(&r);
		nlen = tls_rd_u16(&r);
		if (type != 0 || out->sni[0] != '\0') {
			tls_rd_skip(&r, nlen);
			continue;
		}
		for (i = 0; i < nlen && r.st == RD_OK; i++) {
			c = tls_rd_u8(&r);
			if (r.st == RD_OK && n < sizeof(out->sni) - 1)
				out->sni[n++] = (c > 0x20 && c < 0x7f) ?
				    (char)c : '?';
			else if (r.st == RD_OK && cut == 0)
				cut = cccd_isdigit((char)c) ? 1 : -1;
		}
		out->sni[n] = '\0';
		/* Cut inside a run of digits: its kept part may be a
		 * citizen-ID number's. */
		if (cut == 1)
			cccd_mask_cut(out->sni, n, 0, 1);
	}
}

/* supported_versions in a ClientHello: a one-byte-long list of versions. */
static void
tls_ext_versions(struct tls_rd r, struct app_tls *out)
{
	uint8_t	 n;
	uint16_t v;

	n = tls_rd_u8(&r);
	if (r.st != RD_OK || n > r.left)
		return;
	r.left = n;
	out->nversions = 0;
	out->max_version = 0;
	while (r.left >= 2 && r.st == RD_OK) {
		v = tls_rd_u16(&r);
		if (r.st != RD_OK || tls_is_grease(v))
			continue;
		if (out->nversions < TLS_VERSIONS_MAX)
			out->versions[out->nversions++] = v;
		if (tls_rank_version(v) > out->max_version)
			out->max_version = tls_rank_version(v);
	}
}

/* ALPN: JA4 takes the first and last characters of the first protocol. */
static void
tls_ext_alpn(struct tls_rd r, char *alpn)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t listlen;
	uint8_t	 n, first = 0, last = 0, i;

	listlen = tls_rd_u16(&r);
	if (r.st != RD_OK || listlen > r.left)
		return;
	n = tls_rd_u8(&r);
	for (i = 0; i < n && r.st == RD_OK; i++) {
		last = tls_rd_u8(&r);
		if (i == 0)
			first = last;
	}
	if (r.st != RD_OK || n == 0)
		return;
	if (tls_isalnum(first) && tls_isalnum(last)) {
		alpn[0] = (char)first;
		alpn[1] = (char)last;
	} else {
		alpn[0] = hex[first >> 4];
		alpn[1] = hex[last & 0xf];
	}
	alpn[2] = '\0';
}

/* QUIC records list the ALPN protocols: NUL-separated, printable, cut. */
static void
tls_ext_alpn_list(struct tls_rd r, struct app_tls *out)
{
	uint16_t listlen;
	uint8_t	 n, i, c;
	size_t	 k = 0;

	listlen = tls_rd_u16(&r);
	if (r.st != RD_OK || listlen > r.left)
		return;
	r.left = listlen;
	while (r.left > 0 && r.st == RD_OK && out->nalpn < TLS_ALPN_MAX) {
		n = tls_rd_u8(&r);
		if (r.st != RD_OK || n == 0 || n > r.left ||
		    k + n + 1 > sizeof(out->alpn))
			return;
		for (i = 0; i < n; i++) {
			c = tls_rd_u8(&r);
			out->alpn[k++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
		}
		out->alpn[k++] = '\0';
		out->nalpn++;
	}
}

/* Walk the extension list, noting what the metadata and fingerprints use. */
static void
tls_client_exts(struct tls_rd *r, size_t extlen, struct app_tls *out,
    struct tls_ch *ch)
{
	struct tls_rd	 s;
	uint16_t	 type, elen, n;

	r->left = extlen;
	while (r->left >= 4 && r->st == RD_OK) {
		type = tls_rd_u16(r);
		elen = tls_rd_u16(r);
		if (r->st != RD_OK)
			return;
		if (elen > r->left) {
			r->st = RD_BAD;
			return;
		}
		s = tls_rd_sub(r, elen);
		if (ch->quic && out->nexts < TLS_EXTS_MAX &&
		    !tls_is_grease(type))
			out->exts[out->nexts++] = type;
		switch (type) {
		case TLS_EXT_SNI:
			ch->have_sni = 1;
			tls_ext_sni(s, out);
			break;
		case TLS_EXT_VERSIONS:
			tls_ext_versions(s, out);
			break;
		case TLS_EXT_ALPN:
			tls_ext_alpn(s, ch->alpn);
			if (ch->quic)
				tls_ext_alpn_list(s, out);
			break;
		case TLS_EXT_GROUPS:
		case TLS_EXT_SIG_ALGS:
			n = tls_rd_u16(&s);
			if (s.st != RD_OK || n > s.left)
				break;
			if (type == TLS_EXT_GROUPS && ch->groups_len == 0) {
				ch->groups = s;
				ch->groups_len = n;
			} else if (type == TLS_EXT_SIG_ALGS &&
			    ch->sigalgs_len == 0) {
				ch->sigalgs = s;
				ch->sigalgs_len = n;
			}
			break;
		case TLS_EXT_POINT_FORMATS:
			n = tls_rd_u8(&s);
			if (s.st == RD_OK && n <= s.left && ch->pf_len == 0) {
				ch->pf = s;
				ch->pf_len = n;
			}
			break;
		default:
			break;
		}
		tls_rd_skip(r, elen);
	}
	if (r->st == RD_OK && r->left != 0)
		r->st = RD_BAD;
}

/* SSLv2-format CLIENT-HELLO (also sent by SSLv3/TLS clients for compat). */
static int
tls_sslv2_client_hello(const uint8_t *p, size_t len, struct app_tls *out)
{
	size_t	 rlen, cs, sid, chal, i;
	uint16_t v;
	uint32_t spec;

	if (len < 2)
		return (APP_MORE);
	rlen = (size_t)(p[0] & 0x7f) << 8 | p[1];
	if (rlen < 9)
		return (APP_BAD);
	if (len >= 3 && p[2] != SSL2_MT_CLIENT_HELLO)
		return (APP_BAD);
	if (len >= 5) {
		v = (uint16_t)(p[3] << 8 | p[4]);
		if (v != 0x0002 && !((v >> 8) == 3 && v <= 0x0303))
			return (APP_BAD);
	}
	if (len < 11)
		return (APP_MORE);
	cs = (size_t)p[5] << 8 | p[6];
	sid = (size_t)p[7] << 8 | p[8];
	chal = (size_t)p[9] << 8 | p[10];
	if (cs == 0 || cs % 3 != 0 || (sid != 0 && sid != 16) ||
	    chal < 16 || chal > 32 || 9 + cs + sid + chal != rlen)
		return (APP_BAD);
	if (len < 2 + rlen)
		return (APP_MORE);
	out->sslv2 = 1;
	out->legacy_version = (uint16_t)(p[3] << 8 | p[4]);
	out->max_version = out->legacy_version;
	for (i = 0; i < cs; i += 3) {
		spec = (uint32_t)p[11 + i] << 16 | (uint32_t)p[12 + i] << 8 |
		    p[13 + i];
		if (out->nciphers < TLS_CIPHERS_MAX)
			out->ciphers[out->nciphers] = (uint16_t)(spec & 0xffff);
		out->nciphers++;
	}
	return (APP_DONE);
}

/*
 * Fingerprints of recent distinct hellos. A gateway's clients are a few
 * dozen TLS stacks sending the same JA3/JA4 inputs again and again, and
 * the three digests (MD5, two SHA-256) cost ~28,000 instructions a
 * hello, 15 % of the bench mixed capture once an indicator list is not
 * empty. The key is a keyed SipHash of every input of both fingerprints
 * (GREASE left out, as they leave it out), so a hit gives what the
 * digests would. Per thread: the self-test parses on its own.
 */
#define TLS_FP_SLOTS	256
#define TLS_FP_WORDS	256	/* 1,024 values; a larger hello is not kept */

struct tls_fp_slot {
	uint64_t	 key;		/* 0: empty */
	char		 ja3[sizeof(((struct app_tls *)0)->ja3)];
	char		 ja4[sizeof(((struct app_tls *)0)->ja4)];
};

struct tls_fp_key {
	uint64_t	 w[TLS_FP_WORDS];
	size_t		 n;		/* 16-bit values put */
};

static _Thread_local struct tls_fp_slot	tls_fp_cache[TLS_FP_SLOTS];
static _Thread_local uint64_t		tls_fp_seed[2];
static _Thread_local int		tls_fp_seeded;

static int
tls_fp_put(struct tls_fp_key *k, uint16_t v)
{
	if (k->n == 4 * TLS_FP_WORDS)
		return (-1);
	if (k->n % 4 == 0)
		k->w[k->n / 4] = 0;
	k->w[k->n / 4] |= (uint64_t)v << (16 * (k->n % 4));
	k->n++;
	return (0);
}

/* A list's length then its values: no two lists run into each other. */
static int
tls_fp_list(struct tls_fp_key *k, struct tls_rd r, size_t n, int u8)
{
	uint16_t	v;

	if (tls_fp_put(k, (uint16_t)n) != 0)
		return (-1);
	r.left = n;
	while (r.left >= (u8 ? 1U : 2U) && r.st == RD_OK) {
		v = u8 ? tls_rd_u8(&r) : tls_rd_u16(&r);
		if (r.st != RD_OK || (!u8 && tls_is_grease(v)))
			continue;
		if (tls_fp_put(k, v) != 0)
			return (-1);
	}
	return (0);
}

/* The hello's key, or 0 when it is too large to keep. */
static uint64_t
tls_fp_key(const struct app_tls *t, const struct tls_ch *ch)
{
	struct tls_fp_key	 k;
	struct tls_rd		 r;
	uint16_t		 type;
	uint64_t		 h;

	k.n = 0;
	if (tls_fp_put(&k, t->legacy_version) != 0 ||
	    tls_fp_put(&k, t->max_version) != 0 ||
	    tls_fp_put(&k, (uint16_t)(ch->have_sni | ch->quic << 1)) != 0 ||
	    tls_fp_put(&k, (uint16_t)((uint8_t)ch->alpn[0] << 8 |
	    (uint8_t)ch->alpn[1])) != 0 ||
	    tls_fp_list(&k, ch->ciphers, ch->ciphers_len, 0) != 0 ||
	    tls_fp_list(&k, ch->groups, ch->groups_len, 0) != 0 ||
	    tls_fp_list(&k, ch->pf, ch->pf_len, 1) != 0 ||
	    tls_fp_list(&k, ch->sigalgs, ch->sigalgs_len, 0) != 0 ||
	    tls_fp_put(&k, (uint16_t)ch->exts_len) != 0)
		return (0);
	r = ch->exts;
	r.left = ch->exts_len;
	while (tls_ext_next(&r, &type))
		if (tls_fp_put(&k, type) != 0)
			return (0);
	if (!tls_fp_seeded) {
		if (getrandom(tls_fp_seed, sizeof(tls_fp_seed), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(tls_fp_seed))
			return (0);
		tls_fp_seeded = 1;
	}
	h = siphash13(tls_fp_seed, k.w, (k.n + 3) / 4);
	return (h != 0 ? h : 1);
}

static void
tls_fingerprint(struct app_tls *t, const struct tls_ch *ch)
{
	uint64_t		 key = tls_fp_key(t, ch);
	struct tls_fp_slot	*s = &tls_fp_cache[key % TLS_FP_SLOTS];

	if (key != 0 && s->key == key) {
		memcpy(t->ja3, s->ja3, sizeof(s->ja3));
		memcpy(t->ja4, s->ja4, sizeof(s->ja4));
		return;
	}
	tls_ja3(t, ch, t->ja3);
	tls_ja4(t, ch, t->ja4, sizeof(t->ja4));
	if (key != 0) {
		s->key = key;
		memcpy(s->ja3, t->ja3, sizeof(s->ja3));
		memcpy(s->ja4, t->ja4, sizeof(s->ja4));
	}
}

/*
 * Parse the ClientHello at the start of the client's stream. Versions,
 * ciphers (GREASE left out) and SNI go to out, then JA3 and JA4. QUIC
 * carries the handshake bare: the whole buffer is then one "record".
 */
static int
tls_client_hello(const uint8_t *p, size_t len, struct app_tls *out,
    int flags)
{
	struct tls_rd	 r = { p, len, 0, 0, 4, RD_OK, 0 };
	struct tls_ch	 ch;
	uint8_t		 type, sidlen, complen;
	uint32_t	 mlen;
	uint16_t	 cslen, extlen, v, i;

	memset(out, 0, sizeof(*out));
	memset(&ch, 0, sizeof(ch));
	memcpy(ch.alpn, "00", 3);
	if (len == 0)
		return (APP_MORE);
	if (flags & (TLSP_QUIC | TLSP_BARE)) {
		ch.quic = (flags & TLSP_QUIC) != 0;
		r.rec_left = len;
	} else if (p[0] & 0x80)
		return (tls_sslv2_client_hello(p, len, out));

	type = tls_rd_u8(&r);
	mlen = tls_rd_u24(&r);
	if (r.st != RD_OK)
		return (tls_rd_result(&r));
	if (type != TLS_HS_CLIENT_HELLO || mlen < 41)
		return (APP_BAD);
	r.left = mlen;
	out->legacy_version = tls_rd_u16(&r);
	if (r.st == RD_OK && (out->legacy_version >> 8) != 3)
		return (APP_BAD);
	out->max_version = out->legacy_version;
	tls_rd_skip(&r, 32);
	sidlen = tls_rd_u8(&r);
	if (r.st == RD_OK && sidlen > 32)
		return (APP_BAD);
	tls_rd_skip(&r, sidlen);
	cslen = tls_rd_u16(&r);
	if (r.st != RD_OK)
		return (tls_rd_result(&r));
	if (cslen == 0 || cslen % 2 != 0 || cslen > r.left)
		return (APP_BAD);
	ch.ciphers = tls_rd_sub(&r, cslen);
	ch.ciphers_len = cslen;
	for (i = 0; i < cslen / 2 && r.st == RD_OK; i++) {
		v = tls_rd_u16(&r);
		if (r.st != RD_OK || tls_is_grease(v))
			continue;
		if (out->nciphers < TLS_CIPHERS_MAX)
			out->ciphers[out->nciphers] = v;
		out->nciphers++;
	}
	complen = tls_rd_u8(&r);
	if (r.st == RD_OK && complen == 0)
		return (APP_BAD);
	tls_rd_skip(&r, complen);
	if (r.st != RD_OK)
		return (tls_rd_result(&r));
	if (r.left > 0) {
		extlen = tls_rd_u16(&r);
		if (r.st != RD_OK)
			return (tls_rd_result(&r));
		if (extlen > r.left)
			return (APP_BAD);
		ch.exts = tls_rd_sub(&r, extlen);
		ch.exts_len = extlen;
		tls_client_exts(&r, extlen, out, &ch);
		if (r.st != RD_OK)
			return (tls_rd_result(&r));
	}
	if (out->nversions == 0 || out->max_version == 0)
		out->max_version = out->legacy_version;
	if (flags & TLSP_FP)
		tls_fingerprint(out, &ch);
	return (APP_DONE);
}

int
app_tls_client_hello(const uint8_t *p, size_t len, struct app_tls *out)
{
	return (tls_client_hello(p, len, out, TLSP_FP));
}

/*
 * A ClientHello carried bare, as QUIC's CRYPTO frames carry it (RFC
 * 9001 4.1): the same fields, and the ALPN protocols and extension
 * types its record lists. JA3/JA4 are left to app_tls_fingerprints.
 */
int
app_tls_client_hello_quic(const uint8_t *p, size_t len, struct app_tls *out)
{
	return (tls_client_hello(p, len, out, TLSP_QUIC));
}

/*
 * JA3 and JA4 of a hello parsed without them, from the bytes it keeps
 * while its record is handed out. The record is the caller's own
 * (app.c's result): it is written through the const pointer on purpose.
 */
void
app_tls_fingerprints(const struct app_tls *ct)
{
	struct app_tls	*t = (struct app_tls *)(uintptr_t)ct;
	struct app_tls	 full;

	if (t->hello == NULL)
		return;
	if (tls_client_hello(t->hello, t->hello_len, &full, TLSP_FP |
	    (t->quic_version != 0 ? TLSP_QUIC : 0) |
	    (t->hello_bare ? TLSP_BARE : 0)) == APP_DONE) {
		memcpy(t->ja3, full.ja3, sizeof(t->ja3));
		memcpy(t->ja4, full.ja4, sizeof(t->ja4));
	}
	t->hello = NULL;
}

/*
 * A TLS ClientHello gathered out of its records (app_tls_deframe): the
 * same fields, JA3/JA4 left to app_tls_fingerprints (hello_bare set).
 */
int
app_tls_client_hello_bare(const uint8_t *p, size_t len, struct app_tls *out)
{
	return (tls_client_hello(p, len, out, TLSP_BARE));
}

/* The handshake message's length with its header, once that is there. */
static size_t
tls_msg_need(const uint8_t *m, size_t len)
{
	return (len < 4 ? 0 : 4 + ((size_t)m[1] << 16 | (size_t)m[2] << 8 |
	    m[3]));
}

/*
 * Take the records off n bytes of a client's stream at p, as the hello
 * parser reads them (handshake records only, each within the bound, at
 * most TLS_EMPTY_MAX empty ones in a row), up to the end of the first
 * handshake message (what follows it, early data or a ChangeCipherSpec,
 * is not the hello's). Its bytes are appended to out (*outlen so far,
 * cap at most: what is past cap is left out, the caller sees the buffer
 * full). -1 on what the parser refuses.
 */
int
app_tls_deframe(struct tls_deframe *d, const uint8_t *p, size_t n,
    uint8_t *out, size_t *outlen, size_t cap)
{
	size_t	 k, rlen = 0, need, keep;

	for (;;) {
		need = tls_msg_need(out, *outlen);
		if (n == 0 || (need != 0 && *outlen >= need))
			return (0);
		if (d->rec_left == 0) {
			d->hdr[d->hdr_n++] = *p++;
			n--;
			if (tls_rec_header(d->hdr, d->hdr_n, &rlen) == RD_BAD)
				return (-1);
			if (d->hdr_n < 5)
				continue;
			d->hdr_n = 0;
			if (rlen == 0 && ++d->empty > TLS_EMPTY_MAX)
				return (-1);
			if (rlen != 0)
				d->empty = 0;
			d->rec_left = (uint16_t)rlen;
			continue;
		}
		k = n < d->rec_left ? n : d->rec_left;
		/* Not past the message (its header first, to learn it). */
		if (k > (need != 0 ? need : 4) - *outlen)
			k = (need != 0 ? need : 4) - *outlen;
		keep = *outlen < cap ? cap - *outlen : 0;
		if (keep > k)
			keep = k;
		memcpy(out + *outlen, p, keep);
		*outlen += keep;
		d->rec_left = (uint16_t)(d->rec_left - k);
		p += k;
		n -= k;
	}
}

/* The same checks without JA3/JA4: protocol detection only asks "is it?" */
int
app_tls_client_hello_check(const uint8_t *p, size_t len, struct app_tls *out)
{
	return (tls_client_hello(p, len, out, 0));
}

/*
 * Parse the server's first handshake message: a ServerHello (version from
 * supported_versions when TLS 1.3) or an SSLv2 SERVER-HELLO. Only the
 * server_* fields of out are written.
 */
static int
tls_server_hello(const uint8_t *p, size_t len, struct app_tls *out, int flags)
{
	struct tls_rd	 r = { p, len, 0, 0, 4, RD_OK, 0 };
	uint8_t		 type, sidlen;
	uint32_t	 mlen;
	uint16_t	 version, cipher, extlen, etype, elen, sel = 0;
	size_t		 rlen;

	out->server_version = 0;
	out->server_cipher = 0;
	if (len == 0)
		return (APP_MORE);
	if (flags & TLSP_BARE)
		r.rec_left = len;
	else if (p[0] & 0x80) {
		if (len < 2)
			return (APP_MORE);
		rlen = (size_t)(p[0] & 0x7f) << 8 | p[1];
		if (rlen < 11 || (len >= 3 && p[2] != SSL2_MT_SERVER_HELLO))
			return (APP_BAD);
		if (len < 2 + 11)
			return (APP_MORE);
		if (p[3] > 1 || p[5] != 0x00 || p[6] != 0x02)
			return (APP_BAD);
		out->server_version = 0x0002;
		return (APP_DONE);
	}

	type = tls_rd_u8(&r);
	mlen = tls_rd_u24(&r);
	if (r.st != RD_OK)
		return (tls_rd_result(&r));
	if (type != TLS_HS_SERVER_HELLO || mlen < 38)
		return (APP_BAD);
	r.left = mlen;
	version = tls_rd_u16(&r);
	if (r.st == RD_OK && (version >> 8) != 3)
		return (APP_BAD);
	tls_rd_skip(&r, 32);
	sidlen = tls_rd_u8(&r);
	if (r.st == RD_OK && sidlen > 32)
		return (APP_BAD);
	tls_rd_skip(&r, sidlen);
	cipher = tls_rd_u16(&r);
	(void)tls_rd_u8(&r);		/* compression method */
	if (r.st != RD_OK)
		return (tls_rd_result(&r));
	if (r.left > 0) {
		extlen = tls_rd_u16(&r);
		if (r.st == RD_OK && extlen != r.left)
			return (APP_BAD);
		while (r.left >= 4 && r.st == RD_OK) {
			etype = tls_rd_u16(&r);
			elen = tls_rd_u16(&r);
			if (r.st == RD_OK && etype == TLS_EXT_VERSIONS &&
			    elen == 2) {
				sel = tls_rd_u16(&r);
				continue;
			}
			tls_rd_skip(&r, elen);
		}
		if (r.st == RD_OK && r.left != 0)
			return (APP_BAD);
		if (r.st != RD_OK)
			return (tls_rd_result(&r));
	}
	out->server_version = sel != 0 ? sel : version;
	out->server_cipher = cipher;
	return (APP_DONE);
}

int
app_tls_server_hello(const uint8_t *p, size_t len, struct app_tls *out)
{
	return (tls_server_hello(p, len, out, 0));
}

/* A ServerHello gathered out of its records (app_tls_deframe). */
int
app_tls_server_hello_bare(const uint8_t *p, size_t len, struct app_tls *out)
{
	return (tls_server_hello(p, len, out, TLSP_BARE));
}

int
app_tls_msg_short(const uint8_t *p, size_t len)
{
	size_t	 off = 0, rlen = 0, avail, have = 0, need = 0, i;
	unsigned empty = 0;
	uint8_t	 hdr[4];

	while (off < len) {
		int st = tls_rec_header(p + off, len - off, &rlen);

		if (st == RD_BAD)
			return (0);
		if (st == RD_MORE)
			break;
		/* Past the parser's bound: let it say so. */
		empty = rlen == 0 ? empty + 1 : 0;
		if (empty > TLS_EMPTY_MAX)
			return (0);
		avail = len - off - 5 < rlen ? len - off - 5 : rlen;
		/* The message's header may itself span records. */
		for (i = 0; i < avail && have + i < 4; i++)
			hdr[have + i] = p[off + 5 + i];
		have += avail;
		if (need == 0 && have >= 4)
			need = 4 + ((size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 |
			    hdr[3]);
		if (need != 0 && have >= need)
			return (0);
		off += 5 + rlen;
	}
	return (1);
}

/* Display name of a protocol version, as used in events and rules. */
const char *
app_tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0002:	return ("SSLv2");
	case 0x0300:	return ("SSLv3");
	case 0x0301:	return ("TLS 1.0");
	case 0x0302:	return ("TLS 1.1");
	case 0x0303:	return ("TLS 1.2");
	case 0x0304:	return ("TLS 1.3");
	default:	return ("unknown");
	}
}

/*
 * The named sets of weak cipher suites (IANA code points): no
 * encryption, export grade, RC4, single and triple DES, and suites with
 * no server authentication at all. "weak" is all of them.
 */
static const uint16_t tls_null[] = { 0x0000, 0x0001, 0x0002, 0x002c, 0x002d,
	0x002e, 0x003b, 0x00b0, 0x00b1, 0x00b4, 0x00b5, 0x00b8, 0x00b9, 0xc001,
	0xc006, 0xc00b, 0xc010, 0xc015, 0xc039, 0xc03a, 0xc03b, 0 };
static const uint16_t tls_export[] = { 0x0003, 0x0006, 0x0008, 0x000b, 0x000e,
	0x0011, 0x0014, 0x0017, 0x0019, 0x0026, 0x0027, 0x0028, 0x0029, 0x002a,
	0x002b, 0x0062, 0x0063, 0x0064, 0x0065, 0 };
static const uint16_t tls_rc4[] = { 0x0003, 0x0004, 0x0005, 0x0017, 0x0018,
	0x0020, 0x0024, 0x0028, 0x002b, 0x0064, 0x0066, 0x008a, 0x008e, 0x0092,
	0xc002, 0xc007, 0xc00c, 0xc011, 0xc016, 0xc033, 0 };
static const uint16_t tls_des[] = { 0x0008, 0x0009, 0x000a, 0x000b, 0x000c,
	0x000d, 0x000e, 0x000f, 0x0010, 0x0011, 0x0012, 0x0013, 0x0014, 0x0015,
	0x0016, 0x0019, 0x001a, 0x001b, 0x001e, 0x001f, 0x0022, 0x0023, 0x0026,
	0x0029, 0x0062, 0x0063, 0x008b, 0x008f, 0x0093, 0xc003, 0xc008, 0xc00d,
	0xc012, 0xc017, 0xc01a, 0xc01b, 0xc01c, 0xc034, 0 };
static const uint16_t tls_anon[] = { 0x0017, 0x0018, 0x0019, 0x001a, 0x001b,
	0x0034, 0x003a, 0x0046, 0x006c, 0x006d, 0x0089, 0x009b, 0x00a6, 0x00a7,
	0x00bf, 0x00c5, 0xc015, 0xc016, 0xc017, 0xc018, 0xc019, 0xc046, 0xc047,
	0xc05a, 0xc05b, 0xc084, 0xc085, 0 };

/* Set the bits of the named set in bits[8192]; -1 if no such name. */
/* IANA's name of a TLS extension, as Suricata's quic records write it. */
const char *
app_tls_ext_name(uint16_t t)
{
	switch (t) {
	case 0: return ("server_name");
	case 5: return ("status_request");
	case 10: return ("supported_groups");
	case 11: return ("ec_point_formats");
	case 13: return ("signature_algorithms");
	case 16: return ("alpn");
	case 18: return ("signed_certificate_timestamp");
	case 21: return ("padding");
	case 22: return ("encrypt_then_mac");
	case 23: return ("extended_master_secret");
	case 27: return ("compress_certificate");
	case 28: return ("record_size_limit");
	case 35: return ("session_ticket");
	case 41: return ("pre_shared_key");
	case 42: return ("early_data");
	case 43: return ("supported_versions");
	case 44: return ("cookie");
	case 45: return ("psk_key_exchange_modes");
	case 49: return ("post_handshake_auth");
	case 50: return ("signature_algorithms_cert");
	case 51: return ("key_share");
	case 57: return ("quic_transport_parameters");
	case 65281: return ("renegotiation_info");
	}
	return (NULL);
}

int
app_tls_cipher_set(const char *name, uint8_t *bits)
{
	static const struct {
		const char	*name;
		const uint16_t	*v;
	} sets[] = { { "null", tls_null }, { "export", tls_export },
	    { "rc4", tls_rc4 }, { "des", tls_des }, { "anon", tls_anon } };
	size_t		 i, j;
	int		 found = 0;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		if (strcmp(name, "weak") != 0 && strcmp(name, sets[i].name))
			continue;
		found = 1;
		/* Every list but the first ends at its 0 terminator. */
		for (j = 0; j == 0 || sets[i].v[j] != 0; j++)
			bits[sets[i].v[j] >> 3] |= (uint8_t)(1U <<
			    (sets[i].v[j] & 7));
	}
	return found ? 0 : -1;
}
