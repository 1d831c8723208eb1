/*
 * app_*.c: application metadata parsers over the first bytes;
 * app.c: per-flow dispatch and the bounded first-bytes buffers.
 */
#ifndef CANHGAC_APP_H
#define CANHGAC_APP_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct packet;

enum app_proto {
	APP_UNKNOWN = 0,
	APP_TLS,
	APP_DNS,
	APP_HTTP,
	APP_SSH,
	APP_TELNET,
	APP_FTP,
	APP_SMTP,
	APP_POP3,
	APP_IMAP,
	APP_SNMP,
	APP_QUIC,
	APP_MAX
};

/* Parser results. */
#define APP_DONE	0	/* parsed a complete message */
#define APP_MORE	1	/* valid so far, need more bytes */
#define APP_BAD		(-1)	/* not this protocol, or malformed */
#define APP_TOO_LARGE	(-2)	/* valid so far, but past the bound kept */

#define TLS_CIPHERS_MAX		64
#define TLS_VERSIONS_MAX	16
#define TLS_EXTS_MAX		32	/* QUIC records: extension types kept */
#define TLS_ALPN_MAX		8	/* QUIC records: ALPN protocols kept */

struct app_tls {
	uint16_t	legacy_version;		/* ClientHello.version */
	uint16_t	max_version;		/* highest offered, GREASE skipped */
	uint16_t	versions[TLS_VERSIONS_MAX];	/* supported_versions */
	uint8_t		nversions;
	uint8_t		sslv2;			/* SSLv2-format hello */
	uint16_t	nciphers;		/* total offered */
	uint16_t	ciphers[TLS_CIPHERS_MAX];	/* first ones kept */
	char		sni[256];
	char		ja3[33];		/* MD5 hex of the JA3 string */
	char		ja4[40];
	/*
	 * The ClientHello while its record is being handed out: JA3/JA4
	 * are worked out from it only if an event or alert asks
	 * (app_tls_fingerprints), then it is forgotten.
	 */
	const uint8_t	*hello;
	size_t		 hello_len;
	uint8_t		 hello_bare;	/* hello: the message out of its records */
	uint16_t	server_version;		/* ServerHello negotiated */
	uint16_t	server_cipher;
	/* APPR_TLS_CERT: the server's certificate (the cache's entry). */
	const struct tls_cert *cert;
	uint8_t		sni_mismatch;		/* SNI named by no SAN/CN */
	/*
	 * Nonzero: the ClientHello of a QUIC Initial of this version
	 * (app_quic.c), which rules read as any ClientHello and the
	 * event log writes as a quic record; then also its extension
	 * types in order and its ALPN protocols, NUL-separated.
	 */
	uint32_t	quic_version;
	uint8_t		nexts, nalpn;
	uint16_t	exts[TLS_EXTS_MAX];
	char		alpn[128];
};

/* Bounds of the certificate walk: the Certificate message, the leaf. */
#define TLS_CHAIN_MAX		65536
#define TLS_CERT_DER_MAX	16384

/* One parsed certificate, as the events and rules see it. */
struct tls_cert {
	uint8_t		sha256[32];
	char		fingerprint[96];	/* "ab:cd:…", 32 bytes */
	char		subject[256];
	char		issuer[256];
	char		serial[100];
	char		sans[1024];		/* DNS names, NUL-separated */
	uint16_t	nsans;
	uint8_t		self_signed;
	uint32_t	key_bits;
	char		key_type[16];		/* RSA, EC, DSA, ED25519 … */
	char		sig_alg[64];		/* OpenSSL long name */
	int64_t		not_before, not_after;	/* Unix seconds */
};

/* The server's stream followed up to its first certificate. */
struct tls_walk {
	struct tls_walk	*next;			/* pool free list */
	uint8_t		 hdr[5], hdr_n;		/* record header so far */
	uint8_t		 hs[4], hs_n;		/* handshake header so far */
	uint8_t		 lb[3], lb_n;		/* a 24-bit length so far */
	uint8_t		 msg_type, phase;
	uint8_t		 empty;			/* empty records in a row */
	uint32_t	 rec_left, msg_left;
	uint32_t	 der_len, der_n;
	char		 sni[256];		/* from the ClientHello */
	uint8_t		 der[TLS_CERT_DER_MAX];	/* the leaf certificate */
};

#define TLS_WALK_MORE	0
#define TLS_WALK_CERT	1	/* der holds the leaf */
#define TLS_WALK_END	2	/* no certificate in clear */
#define TLS_WALK_BIG	3	/* over a bound: counted, not parsed */

struct tls_cert_stats {
	uint64_t	parsed, hits, evicted, bad, oversize;
};

struct tls_cert_cache;
void	 tls_walk_reset(struct tls_walk *);
int	 tls_walk_feed(struct tls_walk *, const uint8_t *, size_t);
struct tls_cert_cache *tls_cert_cache_new(size_t entries);
void	 tls_cert_cache_free(struct tls_cert_cache *);
const struct tls_cert *tls_cert_get(struct tls_cert_cache *,
	    const uint8_t *der, size_t len);
int	 tls_cert_host_ok(struct tls_cert_cache *, const struct tls_cert *,
	    const char *sni);
const struct tls_cert_stats *tls_cert_cache_stats(
	    const struct tls_cert_cache *);

struct app_dns {
	uint16_t	id;
	uint8_t		qr;		/* 0 query, 1 response */
	uint8_t		rcode;
	uint8_t		opcode;
	uint16_t	flags;		/* header bytes 2-3: QR..RCODE */
	uint16_t	qtype;
	uint16_t	qdcount, ancount;
	char		qname[256];	/* dotted, without trailing dot */
	/*
	 * The message, while its record is handed out (app_emit clears it):
	 * the answers are decoded only if an event asks (app_dns_answer).
	 */
	const uint8_t	*msg;
	size_t		 msg_len;
	size_t		 q_end;		/* offset past the first question */
};

/* Answers an event shows at most (it stays within its buffer). */
#define DNS_ANSWERS_MAX	8

/* One answer record as an event writes it. */
struct app_dns_rr {
	char		rrname[256];
	char		rdata[256];	/* "" for types not shown */
	uint16_t	type;
	uint32_t	ttl;
};

/* Where app_dns_answer is in the message; starts zeroed. */
struct app_dns_iter {
	size_t		off;
	unsigned	n;
};

struct app_http {
	char		method[16];
	char		uri[512];
	char		host[256];	/* without port */
	char		user_agent[256];
	char		version[16];
	uint16_t	status;		/* a response's status code */
	uint8_t		chunked;	/* Transfer-Encoding ends in chunked */
	uint8_t		other_te;	/* a Transfer-Encoding, not chunked */
	uint8_t		coding;		/* Content-Encoding: hb_coding list */
	uint8_t		have_length;	/* a usable Content-Length */
	uint8_t		has_response;	/* transaction records: status set */
	uint8_t		unended;	/* no blank line within APP_BUF_MAX */
	uint64_t	length;		/* Content-Length */
	/* Transaction records (APPR_HTTP_TX): decoded body bytes. */
	uint64_t	request_body;
	uint64_t	response_body;
	size_t		header_len;	/* the header through its blank line */
	size_t		consumed;	/* header, and a Content-Length body */
};

struct app_ssh {
	char		proto_version[16];	/* "2.0" */
	char		software[128];		/* "OpenSSH_8.9p1" ... */
	char		comments[128];
};

/* What a plaintext login protocol showed in clear (never the secret). */
#define PLAIN_USER	0x01	/* a user name was sent */
#define PLAIN_PASS	0x02	/* a password was sent in clear */
#define PLAIN_AUTH	0x04	/* an AUTH/LOGIN command in clear */
#define PLAIN_STARTTLS	0x08	/* the client upgraded with STARTTLS */
#define PLAIN_COMMUNITY	0x10	/* SNMP community string sent */
#define PLAIN_BANNER	0x20	/* server greeting seen */

struct app_plain {
	uint8_t		proto;		/* enum app_proto */
	uint8_t		seen;		/* PLAIN_* */
	uint8_t		snmp_version;	/* 1 or 2 (v2c) */
	char		user[64];	/* user name, truncated */
	char		command[16];	/* the command that carried it */
	/* Telnet, app_plain.c's own: the server's prompt matched so far
	 * (across segments), and whether it asked for a user name. */
	uint8_t		m_login, m_name, m_pass, m_code, m_khau;
	uint8_t		prompt_user;
};

/* The PLAIN_* bits a reader may see; app_plain.c keeps state above them. */
#define PLAIN_PUBLIC	0x3f

/* A DHCP (BOOTP) message, IPv4: what a rogue server check needs. */
struct app_dhcp {
	uint8_t		op;		/* 1 request, 2 reply */
	uint8_t		msg_type;	/* option 53: 1 discover .. 8 inform */
	uint8_t		has_server;
	uint8_t		server[4];	/* option 54, server identifier */
	uint8_t		yiaddr[4];	/* offered (assigned) address */
	uint8_t		ciaddr[4];
	uint8_t		giaddr[4];	/* relay */
	uint8_t		chaddr[6];	/* client MAC (htype 1, hlen 6) */
	uint8_t		has_mac;
	uint8_t		has_lease;
	uint32_t	xid;
	uint32_t	lease_time;
	char		hostname[64];	/* option 12, printable, cut */
};

/* Guess a protocol from the first bytes of a direction and the ports. */
enum app_proto app_detect(int proto, int dir, const uint8_t *, size_t,
	    uint16_t sport, uint16_t dport);
/*
 * The same, also handing out the ClientHello check it ran on the bytes
 * (dir 0): *ch_rc its result, -1 when it did not run or failed.
 */
enum app_proto app_detect_hello(int proto, int dir, const uint8_t *, size_t,
	    uint16_t sport, uint16_t dport, struct app_tls *ch, int *ch_rc);
const char *app_proto_name(enum app_proto);
/*
 * The flow's session is encrypted (TLS, SSH): no clear text for payload
 * rules to find once known (as Suricata's default encryption handling).
 */
static inline int
app_encrypted(const struct flow *f)
{
	return f->app_proto == APP_TLS || f->app_proto == APP_SSH;
}
/* One of the clear-text login protocols, app_plain.c's. */
static inline int
app_is_plain(enum app_proto a)
{
	return a == APP_TELNET || a == APP_FTP || a == APP_SMTP ||
	    a == APP_POP3 || a == APP_IMAP || a == APP_SNMP;
}
/*
 * The flow is, or by its ports may be, one of the clear-text login
 * protocols (telnet, FTP, SMTP, POP3, IMAP, SNMP): its payload carries
 * passwords and communities, which no output may hold (alert.c leaves
 * out a payload rule's excerpt of it).
 */
int	 app_carries_secrets(const struct flow *);
/*
 * The parser of direction dir of f is done. The server's side stays open
 * while its certificate may come.
 */
static inline int
app_dir_done(const struct flow *f, int dir)
{
	return f->app_done[dir] && !(dir == 1 && f->atls != NULL);
}
/*
 * Nothing reads direction dir of f any more: its parser is done and the
 * session is encrypted, so payload rules skip it too.
 */
static inline int
app_dir_sealed(const struct flow *f, int dir)
{
	return app_dir_done(f, dir) && app_encrypted(f);
}

int	 app_tls_client_hello(const uint8_t *, size_t, struct app_tls *);
int	 app_tls_client_hello_check(const uint8_t *, size_t, struct app_tls *);
int	 app_tls_client_hello_quic(const uint8_t *, size_t, struct app_tls *);
int	 app_tls_client_hello_bare(const uint8_t *, size_t, struct app_tls *);
/*
 * The record layer of a client's stream taken off as it comes, segment
 * by segment (app.c gathers a hello that spans segments this way).
 */
struct tls_deframe {
	uint8_t		 hdr[5], hdr_n;	/* record header so far */
	uint8_t		 empty;		/* empty records in a row */
	uint16_t	 rec_left;	/* payload bytes left in the record */
};
int	 app_tls_deframe(struct tls_deframe *, const uint8_t *, size_t,
	    uint8_t *, size_t *, size_t);
void	 app_tls_fingerprints(const struct app_tls *);
int	 app_tls_server_hello(const uint8_t *, size_t, struct app_tls *);
int	 app_tls_server_hello_bare(const uint8_t *, size_t,
	    struct app_tls *);
/*
 * Whether the records at p certainly do not hold the whole handshake
 * message yet (the hello parsers would ask for more): well-formed
 * handshake record headers whose payloads add up to less than the
 * message's length, or to fewer than its 4-byte header. 0 when anything
 * else (SSLv2, another record type, a bad length): the parser decides.
 */
int	 app_tls_msg_short(const uint8_t *, size_t);
const char *app_tls_version_name(uint16_t);
const char *app_tls_ext_name(uint16_t);
int	 app_tls_cipher_set(const char *name, uint8_t *bits);
int	 app_dns_parse(const uint8_t *, size_t, struct app_dns *);
int	 app_dns_answer(const struct app_dns *, struct app_dns_iter *,
	    struct app_dns_rr *);
const char *app_dns_rrtype_name(uint16_t);
const char *app_dns_rcode_name(uint8_t);
int	 app_http_request(const uint8_t *, size_t, struct app_http *);
/*
 * The empty lines at p before a request (RFC 9112 2.2): its leading CR
 * and LF bytes, however many. Servers skip any number (nginx, Node;
 * Apache ten lines), so detection and the session take them off first:
 * the request parser's own few let nine CRLFs hide a request.
 */
size_t	 app_http_lead(const uint8_t *, size_t);
int	 app_http_response(const uint8_t *, size_t, struct app_http *);
int	 app_ssh_banner(const uint8_t *, size_t, struct app_ssh *);
int	 app_dhcp_parse(const uint8_t *, size_t, struct app_dhcp *);
const char *app_dhcp_type_name(uint8_t);
struct jsonw;
void	 app_dhcp_json(struct jsonw *, const struct app_dhcp *);
/*
 * SNMP's BER, read as net-snmp reads it (app_plain.c): a length at *i,
 * short or long form of up to eight bytes, that fits in len; and the
 * version INTEGER at *i, its tag and length, of one to eight bytes,
 * leading zeros taken (the agent takes "02 02 00 01" as version 1; a
 * parser that took only one byte let the community go unseen). -1 if
 * malformed or past len.
 */
int	 app_ber_len(const uint8_t *, size_t len, size_t *i, size_t *out);
int	 app_ber_version(const uint8_t *, size_t len, size_t *i,
	    uint64_t *out);
int	 app_plain_parse(enum app_proto, int dir, const uint8_t *, size_t,
	    struct app_plain *);

/* app.c: per-flow dispatch and the bounded first-bytes buffers. */
#define APPR_TLS_CH	0x01
#define APPR_TLS_SH	0x02
#define APPR_DNS	0x04
#define APPR_HTTP	0x08
#define APPR_SSH	0x10
#define APPR_PLAIN	0x20
#define APPR_TLS_CERT	0x40	/* the server's certificate */
#define APPR_DHCP	0x80	/* hosts.c, not app.c: no flow state */
/* An HTTP request and its response, when the response is done (or the
 * flow ends): for the event log only, past the 8 bits rules index by;
 * rules see each request as APPR_HTTP. */
#define APPR_HTTP_TX	0x100

struct app_result {
	uint32_t	have;		/* APPR_* found in this packet */
	struct app_tls	tls;
	struct app_dns	dns;
	struct app_http	http;
	struct app_ssh	ssh;
	struct app_plain plain;
	struct app_dhcp	dhcp;
};

struct app_stats {
	uint64_t	tls, dns, http, ssh, plain;
	uint64_t	quic;			/* quic records */
	uint64_t	quic_initials;		/* client Initials decrypted */
	uint64_t	quic_bad;		/* malformed, forged */
	uint64_t	quic_oversize;		/* CRYPTO data past the cap */
	uint64_t	buf_exhausted, gaps, parse_errors;
	/* A pool used up, each on its own; buf_exhausted is their sum. */
	uint64_t	first_bytes_exhausted;	/* first-bytes buffers */
	uint64_t	cert_walks_exhausted;	/* certificate walks */
	uint64_t	logins_exhausted;	/* clear-text login states */
	uint64_t	quic_hellos_exhausted;	/* QUIC hellos kept */
	uint64_t	tls_certs;		/* certificate records */
	uint64_t	tls_cert_oversize;	/* chains over the bound */
	uint64_t	tls_cert_parsed;	/* cache misses parsed */
	uint64_t	tls_cert_bad;		/* OpenSSL refused them */
};

struct app_ctx;
/* Called once per metadata record (several for pipelined requests). */
typedef void (*app_emit_cb)(const struct packet *, const struct app_result *,
	    void *);
struct app_ctx *app_init(size_t nbufs, app_emit_cb, void *);
void	 app_free(struct app_ctx *);
/*
 * HTTP (http_session.h, http_body.h): nhttp transactions in progress at
 * once; limit and ratio bound each inflated body, nzlib bodies are
 * inflated at once; inspect gets what the payload rules see of an HTTP
 * flow: headers as they are, bodies decoded.
 */
struct iface;
struct http_session_stats;
typedef void (*app_inspect_cb)(const struct packet *, void *);
void	 app_http_setup(struct app_ctx *, size_t nhttp, uint64_t limit,
	    uint32_t ratio, size_t nzlib, app_inspect_cb inspect, void *);
/*
 * Inspect pkt's payload in its flow; records go to the emit callback.
 * Returns 1 when the payload went to the inspect callback decoded (an
 * HTTP flow): the caller must not inspect pkt's own payload. A hello
 * shaped to escape the parser sets pkt->err when it had none
 * (quic_hello_too_large, quic_hello_too_many_packets).
 */
int	 app_process(struct app_ctx *, struct packet *);
/* The flow ends: HTTP transactions still open are recorded. */
void	 app_flow_end(struct app_ctx *, struct flow *, const struct iface *);
void	 app_flow_release(struct app_ctx *, struct flow *);
const struct http_session_stats *app_http_stats(const struct app_ctx *);
const uint64_t *app_http_body_stats(const struct app_ctx *);
const struct app_stats *app_stats(const struct app_ctx *);

#endif /* CANHGAC_APP_H */
