/*
 * app_tls_cert.c — the server's certificate (TLS 1.0-1.2, where the
 * Certificate message is in clear), read with OpenSSL, and a bounded
 * cache so that each distinct certificate is parsed once.
 *
 * The walker follows the server's stream from its first byte, record by
 * record and handshake message by handshake message, whatever the
 * segment and record boundaries: it skips the ServerHello and copies
 * the first certificate of the chain (the server's own) into its buffer.
 * A Certificate message above TLS_CHAIN_MAX or a leaf above
 * TLS_CERT_DER_MAX is counted and not parsed. Anything else (an alert,
 * ChangeCipherSpec, TLS 1.3's encrypted records, a ServerKeyExchange
 * with no certificate before it) ends the walk.
 *
 * The cache is keyed by the certificate's SHA-256: on a hit nothing is
 * decoded; on a miss d2i_X509 parses it once and the fields the events
 * and rules use are kept, with the X509 itself for X509_check_host.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "app.h"
#include "cccd.h"
#include "xmalloc.h"

#define TLS_REC_HANDSHAKE	0x16
#define TLS_REC_MAX		(16384 + 2048)
#define TLS_EMPTY_MAX		32	/* empty records in a row: app_tls.c */
#define TLS_HS_SERVER_HELLO	2
#define TLS_HS_CERTIFICATE	11

#define CACHE_WAYS		4

enum { PH_LIST = 0, PH_LEN, PH_DER };

/* Where the walk is in the server's stream. */
void
tls_walk_reset(struct tls_walk *w)
{
	struct tls_walk	*next = w->next;
	char		 sni[sizeof(w->sni)];

	memcpy(sni, w->sni, sizeof(sni));
	memset(w, 0, offsetof(struct tls_walk, der));
	w->next = next;
	memcpy(w->sni, sni, sizeof(sni));
}

/* Handshake bytes of one record: k of them at p. */
static int
walk_hs(struct tls_walk *w, const uint8_t *p, size_t k)
{
	size_t		 s;
	uint32_t	 v;

	while (k > 0) {
		if (w->hs_n < 4) {
			w->hs[w->hs_n++] = *p++;
			k--;
			if (w->hs_n < 4)
				continue;
			w->msg_type = w->hs[0];
			w->msg_left = (uint32_t)w->hs[1] << 16 |
			    (uint32_t)w->hs[2] << 8 | w->hs[3];
			if (w->msg_type == TLS_HS_SERVER_HELLO) {
				if (w->msg_left == 0)
					w->hs_n = 0;
				continue;
			}
			if (w->msg_type != TLS_HS_CERTIFICATE ||
			    w->msg_left < 3)
				return TLS_WALK_END;
			if (w->msg_left > TLS_CHAIN_MAX)
				return TLS_WALK_BIG;
			w->phase = PH_LIST;
			w->lb_n = 0;
			continue;
		}
		if (w->msg_type == TLS_HS_SERVER_HELLO) {
			s = k < w->msg_left ? k : w->msg_left;
			p += s;
			k -= s;
			w->msg_left -= (uint32_t)s;
			if (w->msg_left == 0)
				w->hs_n = 0;
			continue;
		}
		if (w->msg_left == 0)
			return TLS_WALK_END;
		if (w->phase != PH_DER) {
			w->lb[w->lb_n++] = *p++;
			k--;
			w->msg_left--;
			if (w->lb_n < 3)
				continue;
			w->lb_n = 0;
			v = (uint32_t)w->lb[0] << 16 | (uint32_t)w->lb[1] << 8 |
			    w->lb[2];
			if (v == 0 || v > w->msg_left)
				return TLS_WALK_END;
			if (w->phase == PH_LIST) {
				w->phase = PH_LEN;
				continue;
			}
			if (v > TLS_CERT_DER_MAX)
				return TLS_WALK_BIG;
			w->der_len = v;
			w->der_n = 0;
			w->phase = PH_DER;
			continue;
		}
		s = w->der_len - w->der_n;
		if (s > k)
			s = k;
		memcpy(w->der + w->der_n, p, s);
		w->der_n += (uint32_t)s;
		w->msg_left -= (uint32_t)s;
		p += s;
		k -= s;
		if (w->der_n == w->der_len)
			return TLS_WALK_CERT;
	}
	return TLS_WALK_MORE;
}

int
tls_walk_feed(struct tls_walk *w, const uint8_t *p, size_t n)
{
	size_t	 k;
	int	 rc;

	while (n > 0) {
		if (w->rec_left == 0) {
			w->hdr[w->hdr_n++] = *p++;
			n--;
			if (w->hdr_n < 5)
				continue;
			w->hdr_n = 0;
			if (w->hdr[0] != TLS_REC_HANDSHAKE || w->hdr[1] != 3)
				return TLS_WALK_END;
			w->rec_left = (uint32_t)w->hdr[3] << 8 | w->hdr[4];
			if (w->rec_left > TLS_REC_MAX)
				return TLS_WALK_END;
			/* An empty record is skipped, as OpenSSL does, to
			 * its bound of them in a row. */
			if (w->rec_left == 0 && ++w->empty > TLS_EMPTY_MAX)
				return TLS_WALK_END;
			if (w->rec_left != 0)
				w->empty = 0;
			continue;
		}
		k = n < w->rec_left ? n : w->rec_left;
		rc = walk_hs(w, p, k);
		if (rc != TLS_WALK_MORE)
			return rc;
		w->rec_left -= (uint32_t)k;
		p += k;
		n -= k;
	}
	return TLS_WALK_MORE;
}

struct cache_ent {
	struct tls_cert	 c;
	X509		*x;		/* NULL in an entry for bad DER */
	uint64_t	 used;		/* LRU stamp; 0 = empty */
	int		 bad;		/* OpenSSL refused these bytes */
	uint64_t	 sni_h;		/* last SNI checked, its verdict */
	int		 sni_ok;
};

struct tls_cert_cache {
	struct cache_ent	*e;
	size_t			 nsets;
	uint64_t		 clock;
	struct tls_cert_stats	 st;
};

struct tls_cert_cache *
tls_cert_cache_new(size_t entries)
{
	struct tls_cert_cache	*cc = xcalloc(1, sizeof(*cc));

	cc->nsets = entries / CACHE_WAYS;
	if (cc->nsets == 0)
		cc->nsets = 1;
	cc->e = xcalloc(cc->nsets * CACHE_WAYS, sizeof(*cc->e));
	return cc;
}

void
tls_cert_cache_free(struct tls_cert_cache *cc)
{
	size_t	i;

	if (cc == NULL)
		return;
	for (i = 0; i < cc->nsets * CACHE_WAYS; i++)
		X509_free(cc->e[i].x);
	free(cc->e);
	free(cc);
}

const struct tls_cert_stats *
tls_cert_cache_stats(const struct tls_cert_cache *cc)
{
	return &cc->st;
}

/* A distinguished name as "C=VN, O=…, CN=…" (RFC 2253 escapes, UTF-8). */
static void
cert_name(const X509_NAME *nm, char *out, size_t outlen)
{
	BIO		*b;
	int		 n;
	unsigned long	 fl = (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ &
			    ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;

	out[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, nm, 0, fl) >= 0 &&
	    (n = BIO_read(b, out, (int)outlen - 1)) > 0) {
		char	next;
		int	cut;

		out[n] = '\0';
		/* Cut inside a run of digits: its kept part may be a
		 * citizen-ID number's. */
		cut = BIO_read(b, &next, 1) == 1 && cccd_isdigit(next);
		if (cut)
			cccd_mask_cut(out, (size_t)n, 0, 1);
		/* A control byte is written \HH: digits after it are no
		 * number's to the writer. */
		cccd_mask_escaped(out, (size_t)n, cut);
	}
	BIO_free(b);
}

/* The serial as Suricata writes it: upper-case hex bytes joined by ':'. */
static void
cert_serial(const ASN1_INTEGER *ai, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char	 buf[64];
	BIGNUM		*bn;
	int		 n, i;
	size_t		 o = 0;

	out[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(ai, NULL)) == NULL)
		return;
	n = BN_num_bytes(bn);
	if (n == 0) {
		snprintf(out, outlen, "00");
	} else if (n <= (int)sizeof(buf) && BN_bn2bin(bn, buf) == n) {
		for (i = 0; i < n && o + 3 < outlen; i++) {
			if (i > 0)
				out[o++] = ':';
			out[o++] = hex[buf[i] >> 4];
			out[o++] = hex[buf[i] & 0xf];
		}
		out[o] = '\0';
	}
	BN_free(bn);
}

static int64_t
cert_time(const ASN1_TIME *t)
{
	struct tm	 tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

/* DNS names of subjectAltName, NUL-separated, as many as fit. */
static void
cert_sans(X509 *x, struct tls_cert *c)
{
	GENERAL_NAMES	*gens;
	int		 i, len;
	size_t		 o = 0;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME	*g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char	*s;
		int			 j, ok = 1;

		if (g->type != GEN_DNS)
			continue;
		s = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		for (j = 0; j < len; j++)
			if (s[j] <= 0x20 || s[j] >= 0x7f)
				ok = 0;
		if (!ok || len <= 0 || o + (size_t)len + 1 > sizeof(c->sans))
			continue;
		memcpy(c->sans + o, s, (size_t)len);
		o += (size_t)len;
		c->sans[o++] = '\0';
		c->nsans++;
	}
	GENERAL_NAMES_free(gens);
}

static void
cert_fill(X509 *x, struct tls_cert *c)
{
	EVP_PKEY	*pk;
	const char	*s;
	int		 nid;

	cert_name(X509_get_subject_name(x), c->subject, sizeof(c->subject));
	cert_name(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
	cert_serial(X509_get0_serialNumber(x), c->serial, sizeof(c->serial));
	c->not_before = cert_time(X509_get0_notBefore(x));
	c->not_after = cert_time(X509_get0_notAfter(x));
	/* Issued by its own subject and signed by its own key. */
	c->self_signed = (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
	if ((pk = X509_get0_pubkey(x)) != NULL) {
		c->key_bits = (uint32_t)EVP_PKEY_get_bits(pk);
		nid = EVP_PKEY_get_base_id(pk);
		s = nid == EVP_PKEY_RSA ? "RSA" : nid == EVP_PKEY_EC ? "EC" :
		    nid == EVP_PKEY_DSA ? "DSA" : nid == EVP_PKEY_ED25519 ?
		    "ED25519" : nid == EVP_PKEY_ED448 ? "ED448" : OBJ_nid2sn(nid);
		snprintf(c->key_type, sizeof(c->key_type), "%s",
		    s ? s : "unknown");
	} else
		snprintf(c->key_type, sizeof(c->key_type), "unknown");
	nid = X509_get_signature_nid(x);
	s = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
	snprintf(c->sig_alg, sizeof(c->sig_alg), "%s", s ? s : "unknown");
	cert_sans(x, c);
}

static void
cert_hex_fp(const uint8_t *md, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int	i;

	for (i = 0; i < 32; i++) {
		out[3 * i] = hex[md[i] >> 4];
		out[3 * i + 1] = hex[md[i] & 0xf];
		out[3 * i + 2] = i < 31 ? ':' : '\0';
	}
}

/*
 * SHA-256 of a certificate, once per server certificate seen: SHA256()
 * goes through EVP_Q_digest, which fetches the algorithm and allocates
 * and frees a context each call; the low-level functions do neither
 * (used knowingly, as community_id.c and hkdf.c use theirs).
 */
static void
sha256_of(const uint8_t *p, size_t len, uint8_t md[SHA256_DIGEST_LENGTH])
{
	SHA256_CTX	c;

	SHA256_Init(&c);
	SHA256_Update(&c, p, len);
	SHA256_Final(md, &c);
}

/*
 * The certificate with DER der: from the cache, or parsed into it (the
 * least recently used of its set goes). NULL when OpenSSL rejects it,
 * then or before (refused bytes are kept as bad).
 */
const struct tls_cert *
tls_cert_get(struct tls_cert_cache *cc, const uint8_t *der, size_t len)
{
	uint8_t			 md[SHA256_DIGEST_LENGTH];
	struct cache_ent	*set, *e, *victim;
	const unsigned char	*q = der;
	X509			*x;
	size_t			 i;

	sha256_of(der, len, md);
	set = &cc->e[((size_t)md[0] << 8 | md[1]) % cc->nsets * CACHE_WAYS];
	victim = &set[0];
	for (i = 0; i < CACHE_WAYS; i++) {
		e = &set[i];
		if (e->used != 0 && memcmp(e->c.sha256, md, sizeof(md)) == 0) {
			e->used = ++cc->clock;
			cc->st.hits++;
			if (e->bad) {
				cc->st.bad++;
				return NULL;
			}
			return &e->c;
		}
		if (e->used < victim->used)
			victim = e;
	}
	cc->st.parsed++;
	if (victim->used != 0)
		cc->st.evicted++;
	X509_free(victim->x);
	memset(victim, 0, sizeof(*victim));
	if ((x = d2i_X509(NULL, &q, (long)len)) == NULL || q != der + len) {
		/* Kept as bad: the same bytes again (a server's broken
		 * certificate, or a flood of one) are not parsed again. */
		X509_free(x);
		cc->st.bad++;
		memcpy(victim->c.sha256, md, sizeof(md));
		victim->bad = 1;
		victim->used = ++cc->clock;
		return NULL;
	}
	victim->x = x;
	memcpy(victim->c.sha256, md, sizeof(md));
	cert_hex_fp(md, victim->c.fingerprint);
	cert_fill(x, &victim->c);
	victim->used = ++cc->clock;
	return &victim->c;
}

/* FNV-1a: the memo only needs to tell one SNI from the last one. */
static uint64_t
sni_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h | 1;
}

/*
 * Does the certificate name the host sni (X509_check_host: SANs, else
 * the subject CN; wildcards in the leftmost label)? The last answer is
 * kept per certificate: most connections to it ask for the same name.
 */
int
tls_cert_host_ok(struct tls_cert_cache *cc, const struct tls_cert *c,
    const char *sni)
{
	struct cache_ent	*e = (struct cache_ent *)(uintptr_t)c;
	uint64_t		 h = sni_hash(sni);

	(void)cc;
	if (e->sni_h != h) {
		e->sni_h = h;
		e->sni_ok = X509_check_host(e->x, sni, strlen(sni), 0,
		    NULL) == 1;
	}
	return e->sni_ok;
}
