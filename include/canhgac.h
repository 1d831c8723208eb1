/*
 * canhgac — internal interfaces, grouped by the file that implements them.
 */
#ifndef CANHGAC_H
#define CANHGAC_H

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct event_base;
struct config;
struct outputs;

#define CANHGAC_VERSION		PACKAGE_VERSION
#define NELEM(a)		(sizeof(a) / sizeof((a)[0]))

/* Caps that bound work and memory on hostile input. */
#define VLAN_MAX		2	/* tags kept; deeper stacks are an anomaly */
#define VLAN_DEPTH_MAX		4	/* tags walked before giving up */
#define IPV6_EXT_MAX		8	/* extension headers walked */
#define IFACE_MAX		16
#define APP_BUF_MAX		4096	/* first bytes kept per direction */
#define APP_INSPECT_MAX		UINT32_MAX /* payload rules: to stream.depth by default */

/* log.c */
void	 log_init(int debug, int to_syslog);
void	 log_setverbose(int);
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* xmalloc.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xcalloc_huge(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* util.c */
int	 util_parse_size(const char *, uint64_t *);
int	 util_parse_duration(const char *, uint64_t *);
void	 util_format_ts(uint64_t usec, char *buf, size_t len, int utc_offset);
int	 util_addr_str(int ipver, const uint8_t *a, char *buf, size_t len);
const char *util_proto_name(uint8_t proto, char *buf, size_t len);
int	 util_days_in_month(int year, int mon);
/* entry_cb: 0 taken, 1 taken with a warning in msg, -1 refused. */
int	 util_read_list(const char *path, int (*size_cb)(uint64_t, void *),
	    int (*entry_cb)(const char *, void *, char *, size_t), void *arg,
	    char *err, size_t errlen);

/* decode_*.c: pure, bounded decoders. */

/* Reasons a packet is malformed; each is counted, none is logged. */
#define DECODE_ERRORS(X)					\
	X(LINK_UNKNOWN, "link_unknown")				\
	X(ETH_SHORT, "eth_short")				\
	X(VLAN_SHORT, "vlan_short")				\
	X(VLAN_TOO_DEEP, "vlan_too_deep")			\
	X(SLL_SHORT, "sll_short")				\
	X(SLL2_SHORT, "sll2_short")				\
	X(NULL_SHORT, "null_short")				\
	X(NULL_FAMILY, "null_unknown_family")			\
	X(ARP_SHORT, "arp_short")				\
	X(IPV4_SHORT, "ipv4_short")				\
	X(IPV4_VERSION, "ipv4_bad_version")			\
	X(IPV4_HLEN, "ipv4_bad_header_length")			\
	X(IPV4_LEN, "ipv4_bad_total_length")			\
	X(IPV4_TRUNC, "ipv4_truncated")				\
	X(IPV4_OPT, "ipv4_bad_option")				\
	X(IPV4_FRAG_OVERLAP, "ipv4_frag_too_large")		\
	X(IPV6_SHORT, "ipv6_short")				\
	X(IPV6_VERSION, "ipv6_bad_version")			\
	X(IPV6_TRUNC, "ipv6_truncated")				\
	X(IPV6_EXT_SHORT, "ipv6_ext_short")			\
	X(IPV6_EXT_DEPTH, "ipv6_ext_too_many")			\
	X(IPV6_FRAG_SHORT, "ipv6_frag_short")			\
	X(IPV4_FRAG_OVERLAP_DIFF, "ipv4_frag_overlap")		\
	X(IPV6_FRAG_OVERLAP, "ipv6_frag_overlap")		\
	X(IPV6_FRAG_TOO_LARGE, "ipv6_frag_too_large")		\
	X(FRAG_TINY, "frag_tiny_first")				\
	X(FRAG_MEMCAP, "frag_memcap_evicted")			\
	X(TCP_SHORT, "tcp_short")				\
	X(TCP_HLEN, "tcp_bad_header_length")			\
	X(TCP_OPT, "tcp_bad_option")				\
	X(TCP_FLAGS, "tcp_bad_flags")				\
	X(TCP_OVERLAP_DIFF, "tcp_overlap")	/* stream.c */		\
	X(UDP_SHORT, "udp_short")				\
	X(UDP_LEN, "udp_bad_length")				\
	X(ICMP_SHORT, "icmp_short")				\
	X(ICMPV6_SHORT, "icmpv6_short")				\
	X(SCTP_SHORT, "sctp_short")

enum decode_err {
	DE_NONE = 0,
#define X(id, name) DE_##id,
	DECODE_ERRORS(X)
#undef X
	DE_MAX
};

/* Packet-level flags. */
#define PKT_FRAG	0x0001	/* IP fragment (any) */
#define PKT_FRAG_FIRST	0x0002	/* first fragment, carries L4 header */
#define PKT_ARP		0x0004
#define PKT_IPOPTS	0x0008
#define PKT_TRUNC	0x0010	/* captured shorter than on the wire */
#define PKT_L4		0x0020	/* ports / L4 header valid */
#define PKT_REASSEMBLED	0x0040	/* a datagram rebuilt from its fragments */
#define PKT_GAP		0x0080	/* stream.c: data lost before this payload */
#define PKT_STREAM_ALT	0x0100	/* stream.c: another copy, not the stream */

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMPV6	58
#define PROTO_SCTP	132

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PUSH		0x08
#define TH_ACK		0x10
#define TH_URG		0x20
#define TH_ECE		0x40
#define TH_CWR		0x80

struct iface;
struct flow;
struct app_result;

struct packet {
	uint64_t		 ts;		/* microseconds since epoch */
	uint32_t		 caplen;
	uint32_t		 wirelen;
	const struct iface	*iface;
	uint16_t		 vlan[VLAN_MAX];
	uint8_t			 vlan_n;
	uint8_t			 ipver;		/* 0, 4 or 6 */
	uint8_t			 proto;		/* IP protocol */
	uint8_t			 ttl;
	uint16_t		 ethertype;
	uint16_t		 flags;
	uint8_t			 src[16];	/* IPv4 in the first 4 */
	uint8_t			 dst[16];
	uint16_t		 sport;		/* ICMP: type<<8|code */
	uint16_t		 dport;		/* ICMP: 0 */
	uint8_t			 tcp_flags;
	uint8_t			 icmp_type;
	uint8_t			 icmp_code;
	uint8_t			 ip6_ext_n;
	uint32_t		 seq;
	uint32_t		 ack;
	uint16_t		 win;
	uint16_t		 ip_len;	/* IP total length per header */
	uint16_t		 l3_frag;	/* IPv6: fragment header offset */
	const uint8_t		*l3;
	uint32_t		 l3_len;
	const uint8_t		*payload;
	uint32_t		 payload_len;
	enum decode_err		 err;
	/* Filled by later stages. */
	struct flow		*flow;
	uint8_t			 dir;		/* 0 to_server, 1 to_client */
	struct app_result	*app;		/* metadata found in this packet */
};

struct decode_stats {
	uint64_t	packets;
	uint64_t	bytes;
	uint64_t	ipv4, ipv6, arp, tcp, udp, icmp, icmpv6, other_l3,
			    other_l4, fragments, vlan;
	uint64_t	err[DE_MAX];
};

const char *decode_err_name(enum decode_err);
int	 decode_datalink_supported(int dlt);
/* Decode one frame of link type dlt; returns 0, or -1 with pkt->err set. */
int	 decode_frame(int dlt, const uint8_t *p, size_t len, struct packet *,
	    struct decode_stats *);
int	 decode_eth(const uint8_t *, size_t, struct packet *);
int	 decode_l3(uint16_t ethertype, const uint8_t *, size_t,
	    struct packet *);
int	 decode_ipv4(const uint8_t *, size_t, struct packet *);
int	 decode_ipv6(const uint8_t *, size_t, struct packet *);
int	 decode_l4(uint8_t proto, const uint8_t *, size_t, struct packet *);
int	 decode_tcp(const uint8_t *, size_t, struct packet *);
int	 decode_udp(const uint8_t *, size_t, struct packet *);
int	 decode_icmp(const uint8_t *, size_t, struct packet *);
int	 decode_icmpv6(const uint8_t *, size_t, struct packet *);
int	 decode_sctp(const uint8_t *, size_t, struct packet *);

/* community_id.c */
int	 community_id_v1(uint16_t seed, int ipver, const uint8_t *saddr,
	    const uint8_t *daddr, uint8_t proto, uint16_t sport,
	    uint16_t dport, char *out, size_t outlen);
/* Map ICMP type/code to the port pair of the Community ID spec. */
int	 community_id_icmp_ports(uint8_t proto, uint8_t type, uint8_t code,
	    uint16_t *sport, uint16_t *dport);

/* app_*.c: application metadata parsers over the first bytes. */
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
	APP_MAX
};

/* Parser results. */
#define APP_DONE	0	/* parsed a complete message */
#define APP_MORE	1	/* valid so far, need more bytes */
#define APP_BAD		(-1)	/* not this protocol, or malformed */

#define TLS_CIPHERS_MAX		64
#define TLS_VERSIONS_MAX	16

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
	uint16_t	server_version;		/* ServerHello negotiated */
	uint16_t	server_cipher;
};

struct app_dns {
	uint16_t	id;
	uint8_t		qr;		/* 0 query, 1 response */
	uint8_t		rcode;
	uint8_t		opcode;
	uint16_t	qtype;
	uint16_t	qdcount, ancount;
	char		qname[256];	/* dotted, without trailing dot */
};

struct app_http {
	char		method[16];
	char		uri[512];
	char		host[256];	/* without port */
	char		user_agent[256];
	char		version[16];
	size_t		consumed;	/* bytes of this request's header */
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
};

/* The PLAIN_* bits a reader may see; app_plain.c keeps state above them. */
#define PLAIN_PUBLIC	0x3f

/* Guess a protocol from the first bytes of a direction and the ports. */
enum app_proto app_detect(int proto, int dir, const uint8_t *, size_t,
	    uint16_t sport, uint16_t dport);
const char *app_proto_name(enum app_proto);

int	 app_tls_client_hello(const uint8_t *, size_t, struct app_tls *);
int	 app_tls_client_hello_check(const uint8_t *, size_t, struct app_tls *);
void	 app_tls_fingerprints(const struct app_tls *);
int	 app_tls_server_hello(const uint8_t *, size_t, struct app_tls *);
const char *app_tls_version_name(uint16_t);
int	 app_dns_parse(const uint8_t *, size_t, struct app_dns *);
const char *app_dns_rrtype_name(uint16_t);
const char *app_dns_rcode_name(uint8_t);
int	 app_http_request(const uint8_t *, size_t, struct app_http *);
int	 app_ssh_banner(const uint8_t *, size_t, struct app_ssh *);
int	 app_plain_parse(enum app_proto, int dir, const uint8_t *, size_t,
	    struct app_plain *);

/* app.c: per-flow dispatch and the bounded first-bytes buffers. */
#define APPR_TLS_CH	0x01
#define APPR_TLS_SH	0x02
#define APPR_DNS	0x04
#define APPR_HTTP	0x08
#define APPR_SSH	0x10
#define APPR_PLAIN	0x20

struct app_result {
	uint32_t	have;		/* APPR_* found in this packet */
	struct app_tls	tls;
	struct app_dns	dns;
	struct app_http	http;
	struct app_ssh	ssh;
	struct app_plain plain;
};

struct app_stats {
	uint64_t	tls, dns, http, ssh, plain;
	uint64_t	buf_exhausted, gaps, parse_errors;
};

struct app_ctx;
/* Called once per metadata record (several for pipelined requests). */
typedef void (*app_emit_cb)(const struct packet *, const struct app_result *,
	    void *);
struct app_ctx *app_init(size_t nbufs, app_emit_cb, void *);
void	 app_free(struct app_ctx *);
/* Inspect pkt's payload in its flow; records go to the emit callback. */
void	 app_process(struct app_ctx *, struct packet *);
void	 app_flow_release(struct app_ctx *, struct flow *);
const struct app_stats *app_stats(const struct app_ctx *);

/* flow.c */
enum flow_state {
	FLOW_NEW = 0,		/* first packet(s), no handshake */
	FLOW_ESTABLISHED,	/* TCP handshake done, or both sides spoke */
	FLOW_CLOSED,		/* FIN both ways or RST */
	FLOW_STATE_MAX
};

enum flow_end_reason {
	FLOW_END_TIMEOUT = 0,
	FLOW_END_CAPTURE,	/* end of offline capture */
	FLOW_END_EVICTION,	/* memcap */
	FLOW_END_SHUTDOWN
};

/* flow->evflags */
#define FE_ESTABLISHED	0x01

/* TCP progress bits. */
#define FT_SYN		0x01
#define FT_SYNACK	0x02
#define FT_ACK		0x04	/* handshake's third packet */
#define FT_FIN_C	0x08
#define FT_FIN_S	0x10
#define FT_RST		0x20

struct app_buf;
struct app_plain_state;
struct stream_flow;

/*
 * Packed (one 4-byte hole), the fields every packet touches first and
 * the ones read only at flow start and end (id, first) last.
 */
struct flow {
	struct flow	*hnext;		/* hash chain */
	struct flow	*lprev, *lnext;	/* per-state idle list, oldest first */
	/* Key: client (initiator) side first. */
	uint8_t		 caddr[16];
	uint8_t		 saddr[16];
	uint16_t	 cport, sport;
	uint16_t	 vlan[VLAN_MAX];
	uint8_t		 ipver;
	uint8_t		 proto;
	uint8_t		 state;		/* enum flow_state */
	uint8_t		 tcp;		/* FT_* */
	uint8_t		 app_proto;	/* enum app_proto */
	uint8_t		 app_done[2];	/* direction finished inspecting */
	uint8_t		 iface_idx;
	uint8_t		 app_flags;	/* stream.c private */
	uint8_t		 evflags;	/* rule events already raised */
	uint16_t	 tls_offered;	/* highest TLS version the client offered */
	uint32_t	 hash;
	uint32_t	 next_seq[2];	/* expected TCP seq per direction */
	uint32_t	 inspected[2];	/* payload bytes inspected */
	/*
	 * rules_match.c: whether the client [0] and server [1] address
	 * are in the rule set's cached address sets (bit = slot), learnt
	 * once per flow instead of probing big lists on every packet.
	 */
	uint32_t	 aset_gen;	/* rule set these bits are for */
	uint32_t	 aset_known[2];
	uint32_t	 aset_in[2];
	/*
	 * Packet rules of the flow's port and any-port lists whose per-flow
	 * keys failed (dead) or held (live), per direction: either way they
	 * are not checked again.
	 */
	uint64_t	 rule_dead[2];
	uint64_t	 rule_live[2];
	uint64_t	 pkts[2];
	uint64_t	 bytes[2];
	uint64_t	 last;		/* microseconds */
	struct app_buf	*abuf;		/* only while a message spans segments */
	struct app_plain_state *aplain;	/* login protocols: what was seen */
	struct stream_flow *stream;	/* only while data is held out of order */
	uint64_t	 id;
	uint64_t	 first;		/* microseconds */
};

struct flow_stats {
	uint64_t	created;
	uint64_t	active;
	uint64_t	ended[4];	/* by enum flow_end_reason */
	uint64_t	evicted;
	uint64_t	memcap_hits;	/* a new flow needed eviction */
	uint64_t	no_flow;	/* could not get a flow at all */
	uint64_t	peak_active;
	uint64_t	bytes_in_use;
};

struct flow_timeouts {
	uint64_t	t[FLOW_STATE_MAX];	/* microseconds */
};

typedef void (*flow_end_cb)(struct flow *, enum flow_end_reason, void *);

struct flow_table;
struct flow_table *flow_table_new(uint64_t memcap, const struct flow_timeouts *,
	    flow_end_cb, void *);
void	 flow_table_free(struct flow_table *);
/* Find or create the flow of pkt, update counters and state. */
struct flow *flow_lookup(struct flow_table *, struct packet *);
/* Expire flows idle longer than their state's timeout at time now. */
size_t	 flow_expire(struct flow_table *, uint64_t now);
/* End every flow (end of capture, shutdown). */
void	 flow_expire_all(struct flow_table *, enum flow_end_reason);
const struct flow_stats *flow_stats(const struct flow_table *);
size_t	 flow_max(const struct flow_table *);
const char *flow_state_name(enum flow_state);
const char *flow_end_reason_name(enum flow_end_reason);
void	 flow_default_timeouts(struct flow_timeouts *);
void	 flow_set_timeouts(struct flow_table *, const struct flow_timeouts *);

/*
 * jsonw.c: a bounded JSON writer into a fixed buffer (no allocation).
 * Every string goes out with its citizen-ID numbers masked
 * (020*******34); jw_digest alone, for computed fingerprints, skips it.
 */
struct jsonw {
	char	*buf;
	size_t	 cap;
	size_t	 len;
	int	 overflow;
	int	 need_comma;
};
void	 jw_init(struct jsonw *, char *, size_t);
void	 jw_obj_open(struct jsonw *, const char *key);
void	 jw_obj_close(struct jsonw *);
void	 jw_arr_open(struct jsonw *, const char *key);
void	 jw_arr_close(struct jsonw *);
void	 jw_str(struct jsonw *, const char *key, const char *val);
void	 jw_strn(struct jsonw *, const char *key, const char *val, size_t n);
void	 jw_digest(struct jsonw *, const char *key, const char *val);
/* Mask citizen-ID numbers in s in place (020*******34), as every jw string. */
size_t	 cccd_mask(char *s, size_t n);
void	 jw_int(struct jsonw *, const char *key, int64_t);
void	 jw_uint(struct jsonw *, const char *key, uint64_t);
void	 jw_bool(struct jsonw *, const char *key, int);
/* Finish with a newline; returns the length or -1 on overflow. */
ssize_t	 jw_finish(struct jsonw *);

/* yamldoc.c: libyaml documents with positions for FILE:LINE:COLUMN errors. */
struct yaml_doc;
struct yaml_node_s;
struct yaml_doc *yamldoc_load(const char *path, char *err, size_t errlen);
void	 yamldoc_free(struct yaml_doc *);
const char *yamldoc_path(const struct yaml_doc *);
struct yaml_node_s *yamldoc_root(struct yaml_doc *);
int	 yamldoc_is_map(const struct yaml_node_s *);
int	 yamldoc_line(const struct yaml_node_s *);
int	 yamldoc_is_seq(const struct yaml_node_s *);
int	 yamldoc_is_scalar(const struct yaml_node_s *);
/* A scalar's text (NUL-terminated by libyaml), or NULL. */
const char *yamldoc_scalar(const struct yaml_node_s *);
/* The value under key in a mapping, or NULL. */
struct yaml_node_s *yamldoc_get(struct yaml_doc *, struct yaml_node_s *,
	    const char *key);
/* Iterate a mapping: *i starts at 0; returns 0 at the end. */
int	 yamldoc_map_next(struct yaml_doc *, struct yaml_node_s *, size_t *i,
	    struct yaml_node_s **key, struct yaml_node_s **val);
size_t	 yamldoc_seq_len(const struct yaml_node_s *);
struct yaml_node_s *yamldoc_seq_at(struct yaml_doc *, struct yaml_node_s *,
	    size_t);
/* Format "FILE:LINE:COLUMN: message" for node into err; returns -1. */
/* Digest of a node and its subtree (what it says, not where). */
uint64_t yamldoc_digest(struct yaml_doc *, struct yaml_node_s *);
int	 yamldoc_error(const struct yaml_doc *, const struct yaml_node_s *,
	    char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* The closest of candidates to word (edit distance), or NULL. */
const char *yamldoc_suggest(const char *word, const char *const *cands,
	    size_t n);

/*
 * jsonflat.c: a JSON object as key=value pairs, nested keys joined by
 * '.', arrays of scalars by ','; strings stored in buf. The number of
 * pairs (at most max), or -1 when the text is not one JSON object.
 */
int	 json_flatten(const char *json, size_t len, const char **keys,
	    const char **vals, size_t max, char *buf, size_t buflen);

/* ipset.c: address sets (IPv4 and IPv6 CIDRs); lookup cost independent
 * of the number of entries. */
struct ipset;
struct ipset *ipset_new(void);
void	 ipset_free(struct ipset *);
/* Add "10.0.0.0/8", "10.20.0.53", "fd00::/8"; -1 with a message in err. */
int	 ipset_add_str(struct ipset *, const char *, char *err, size_t errlen);
int	 ipset_add(struct ipset *, int ipver, const uint8_t *addr, int plen);
int	 ipset_contains(const struct ipset *, int ipver, const uint8_t *addr);
size_t	 ipset_count(const struct ipset *);
size_t	 ipset_memory(const struct ipset *);
/* Load a list file (one IP or CIDR a line, # comments); errors name
 * FILE:LINE. Returns entries added or -1. */
long	 ipset_load_file(struct ipset *, const char *path, char *err,
	    size_t errlen);
/* A prefix wider than /min4 (/min6)? 1 with the reason. */
int	 ipset_too_wide(const char *, int min4, int min6, char *why,
	    size_t whylen);
/* ipset_load_file warns (FILE:LINE) of entries wider than these. */
void	 ipset_set_widest(struct ipset *, int min4, int min6);

/* domset.c: domain sets; an entry matches itself and its subdomains. */
struct domset;
struct domset *domset_new(void);
void	 domset_free(struct domset *);
int	 domset_add(struct domset *, const char *, char *err, size_t errlen);
/* Does name, or a parent domain of it, belong to the set? */
int	 domset_match(const struct domset *, const char *name);
size_t	 domset_count(const struct domset *);
size_t	 domset_memory(const struct domset *);
long	 domset_load_file(struct domset *, const char *path, char *err,
	    size_t errlen);
/* Is the entry a public suffix (com, co.uk, github.io)? 1 with why. */
int	 domset_public_suffix(const char *, char *why, size_t whylen);
/* domset_load_file warns (FILE:LINE) of public suffixes. */
void	 domset_warn_suffixes(struct domset *);

/* threshold.c: per-rule counting windows and suppression, keyed by the
 * rule's `by` fields, in tables bounded by limits.threshold_memcap. */
enum thr_kind { THR_NONE = 0, THR_COUNT, THR_DISTINCT, THR_SUM };

struct thr_spec {
	enum thr_kind	 kind;
	uint32_t	 count;		/* events, or distinct values */
	uint64_t	 above;		/* THR_SUM: bytes */
	uint64_t	 within;	/* window, microseconds */
	uint64_t	 suppress;	/* microseconds, 0 = none */
};

/* A threshold key: the `by` fields of one event, already extracted. */
struct thr_key {
	uint8_t		 a[16];		/* src_ip or zero */
	uint8_t		 b[16];		/* dst_ip or zero */
	uint16_t	 sport, dport;
	uint8_t		 proto;
	uint8_t		 ipver;
	uint16_t	 pad;
	uint64_t	 name_hash;	/* sni / query, or 0 */
};

struct thr_result {
	uint64_t	 count;		/* events in the window */
	uint64_t	 distinct;	/* distinct values in the window */
	uint64_t	 sum;		/* summed bytes in the window */
	uint64_t	 suppressed;	/* alerts held back since the last one */
	uint64_t	 window_start;
};

struct thr_stats {
	uint64_t	 keys;		/* live keys */
	uint64_t	 evicted;	/* keys dropped at the memcap */
	uint64_t	 suppressed;	/* alerts held back */
	uint64_t	 bytes;		/* memory in use */
};

struct thr_table;
/* nrules rules, each with its spec (kind THR_NONE for none). */
struct thr_table *thr_new(uint64_t memcap, const struct thr_spec *specs,
	    size_t nrules);
void	 thr_free(struct thr_table *);
/*
 * Record one matching event of rule r at time ts: key holds the
 * threshold's `by` fields, skey the suppression's (NULL: same as key).
 * value is the field counted by THR_DISTINCT, or the bytes added by
 * THR_SUM. Returns 1 if an alert is due now (out filled), 0 if not.
 */
int	 thr_event(struct thr_table *, size_t r, const struct thr_key *key,
	    const struct thr_key *skey, uint64_t value, uint64_t ts,
	    struct thr_result *out);
const struct thr_stats *thr_stats(const struct thr_table *);
/* Reload: state of from's rule r moves to to's rule map[r] (UINT32_MAX:
 * dropped), so windows and suppressions of unchanged rules go on. */
void	 thr_carry(struct thr_table *to, const struct thr_table *from,
	    const uint32_t *map);

/* rules_*.c: the rule language of rules.md. */
#define RULE_CATEGORIES(X)					\
	X(SCAN, "scan")						\
	X(BRUTEFORCE, "bruteforce")				\
	X(POLICY, "policy-violation")				\
	X(PLAINTEXT, "plaintext")				\
	X(WEAKCRYPTO, "weak-crypto")				\
	X(DATALEAK, "data-leak")				\
	X(EXFIL, "exfiltration")				\
	X(IOC, "ioc")						\
	X(DNS, "dns")						\
	X(ANOMALY, "anomaly")					\
	X(SENSOR, "sensor")

enum rule_category {
#define X(id, name) CAT_##id,
	RULE_CATEGORIES(X)
#undef X
	CAT_MAX
};

enum severity {
	SEV_CRITICAL = 1, SEV_HIGH, SEV_MEDIUM, SEV_LOW, SEV_INFO
};

enum rule_event {
	REV_PACKET = 0,
	REV_FLOW_START,
	REV_FLOW_ESTABLISHED,
	REV_FLOW_END,
	REV_SENSOR,
	REV_MAX
};

/* The daemon's own health conditions (event: sensor). */
#define SENSOR_CAPTURE_DROPS	0x01
#define SENSOR_FLOW_MEMCAP	0x02
#define SENSOR_THRESHOLD_MEMCAP	0x04
#define SENSOR_OUTPUT_DROPS	0x08	/* a remote spool dropped alerts */
#define SENSOR_LOG_ERRORS	0x10	/* the JSON alert log lost alerts */
#define SENSOR_REGEX_LIMIT	0x20	/* a rule's regex hit the PCRE2 limit */
#define SENSOR_DEFRAG_MEMCAP	0x40	/* fragment trains evicted */
#define SENSOR_STREAM_MEMCAP	0x80	/* held TCP data evicted */

/* One event to match: a packet, a flow transition, or a sensor event. */
struct match_ctx {
	enum rule_event		 event;
	const struct packet	*pkt;		/* NULL for flow_end, sensor */
	const struct flow	*flow;
	const struct app_result	*app;		/* the record this packet carried */
	uint64_t		 ts;
	int			 ipver;
	const uint8_t		*src, *dst;
	uint16_t		 sport, dport;
	uint8_t			 proto;
	uint8_t			 dir;		/* 0 to_server, 1 to_client */
	uint32_t		 sensor_event;
	uint64_t		 sensor_value;	/* e.g. drops since last check */
	const struct rule	*sensor_rule;	/* REV_SENSOR: the rule it is about */
	const char		*iface;
};

/*
 * Match keywords: one row each of match_keywords[] (rules_keywords.c),
 * in the order a match checks them, the keys that hold for a whole flow
 * direction first (checked once per flow side), regexes last.
 */
enum match_kw {
	KW_PROTO, KW_DST_PORT, KW_SRC_PORT, KW_PORT, KW_DIRECTION, KW_SRC,
	KW_DST, KW_IP,
	KW_TCP_FLAGS, KW_ICMP_TYPE, KW_ICMP_CODE, KW_DECODE_ERROR,
	KW_SENSOR_EVENT, KW_APP, KW_TLS_VERSION, KW_TLS_NEGOTIATED,
	KW_TLS_SNI, KW_DNS_QUERY, KW_HTTP_HOST, KW_HTTP_URI,
	KW_HTTP_USER_AGENT, KW_SSH_BANNER, KW_PLAINTEXT, KW_WHEN, KW_PAYLOAD,
	KW_EVENT,		/* every match has one: no bit, no matcher */
	KW_MAX
};

/* The compiled form of a rule's `match` (also used by exceptions). */
#define M_PROTO		(1U << KW_PROTO)
#define M_DPORT		(1U << KW_DST_PORT)
#define M_SPORT		(1U << KW_SRC_PORT)
#define M_PORT		(1U << KW_PORT)
#define M_DIRECTION	(1U << KW_DIRECTION)
#define M_SRC		(1U << KW_SRC)
#define M_DST		(1U << KW_DST)
#define M_IP		(1U << KW_IP)
#define M_FLAGS		(1U << KW_TCP_FLAGS)
#define M_ICMP_TYPE	(1U << KW_ICMP_TYPE)
#define M_ICMP_CODE	(1U << KW_ICMP_CODE)
#define M_DECODE	(1U << KW_DECODE_ERROR)
#define M_SENSOR	(1U << KW_SENSOR_EVENT)
#define M_APP		(1U << KW_APP)
#define M_TLS_VERSION	(1U << KW_TLS_VERSION)
#define M_TLS_NEG	(1U << KW_TLS_NEGOTIATED)
#define M_SNI		(1U << KW_TLS_SNI)
#define M_QUERY		(1U << KW_DNS_QUERY)
#define M_HOST		(1U << KW_HTTP_HOST)
#define M_URI		(1U << KW_HTTP_URI)
#define M_UA		(1U << KW_HTTP_USER_AGENT)
#define M_BANNER	(1U << KW_SSH_BANNER)
#define M_PLAIN		(1U << KW_PLAINTEXT)
#define M_WHEN		(1U << KW_WHEN)
#define M_PAYLOAD	(1U << KW_PAYLOAD)
/* Keys that hold for every packet of a flow in one direction. */
#define M_FLOW_KEYS	((1U << (KW_IP + 1)) - 1)
/* Keys only an application record can satisfy. */
#define M_APPREC	(M_TLS_VERSION | M_TLS_NEG | M_SNI | M_QUERY | \
			    M_HOST | M_URI | M_UA | M_BANNER | M_PLAIN)

#define ADDR_SETS_MAX	8

struct addr_match {
	const struct ipset	*sets[ADDR_SETS_MAX];	/* any of */
	int8_t			 slot[ADDR_SETS_MAX];	/* flow cache, -1 none */
	uint32_t		 slot_mask;	/* all sets cached: their bits */
	uint8_t			 nsets;
	uint8_t			 neg;
};

struct port_match {
	const uint16_t		*ranges;	/* lo, hi pairs, sorted, disjoint */
	uint32_t		 nranges;
	uint32_t		 count;		/* ports in them, by rules_index */
	uint8_t			 neg;
};

enum strm_kind { STRM_EXACT = 1, STRM_SUFFIX, STRM_DOMSET, STRM_REGEX,
	STRM_CONTAINS };

struct str_match {
	uint8_t			 kind;
	uint8_t			 neg;
	size_t			 len;
	char			*s;		/* lowercased for names */
	const struct domset	*ds;
	void			*re;		/* pcre2_code */
};

struct str_matches {
	struct str_match	*v;		/* any of */
	size_t			 n;
	uint8_t			 neg;		/* {not: …} around the list */
};

enum ver_op { VER_EQ = 1, VER_BELOW, VER_ABOVE };

struct rule_match {
	uint32_t		 keys;		/* M_* present */
	uint8_t			 proto;		/* 0 = any IP */
	uint8_t			 event;		/* enum rule_event */
	uint8_t			 direction;	/* 0 to_server, 1 to_client */
	uint8_t			 flags_set, flags_clear;
	uint8_t			 app_neg;
	uint16_t		 app_mask;	/* 1 << enum app_proto */
	uint8_t			 icmp_type[32], icmp_code[32];
	struct addr_match	 src, dst, ip;
	struct port_match	 sport, dport, port;
	uint8_t			 tls_op, neg_op;
	uint16_t		 tls_ver, neg_ver;
	struct str_matches	 sni, query, host, uri, ua, banner;
	void			*payload_re;	/* pcre2_code */
	uint32_t		 payload_min;
	uint32_t		 payload_max;
	uint8_t			 when_outside;
	uint8_t			 when_days;	/* bit 0 = Monday */
	uint16_t		 when_start, when_end;	/* minutes */
	uint64_t		 decode_mask;	/* 1 << enum decode_err */
	uint8_t			 decode_neg;
	uint8_t			 plain;		/* PLAIN_* required */
	uint8_t			 sensor;	/* SENSOR_* */
};

#define BY_SRC_IP	0x01
#define BY_DST_IP	0x02
#define BY_SRC_PORT	0x04
#define BY_DST_PORT	0x08
#define BY_PROTO	0x10
#define BY_SNI		0x20
#define BY_QUERY	0x40

enum distinct_field { DF_NONE = 0, DF_SRC_IP, DF_DST_IP, DF_SRC_PORT,
	DF_DST_PORT, DF_SNI, DF_QUERY };

struct rule {
	uint32_t		 sid;
	char			*name;
	uint8_t			 category;
	uint8_t			 severity;
	uint8_t			 level;
	uint8_t			 active;
	char			*inactive_reason;
	char			**controls;
	size_t			 ncontrols;
	char			*message[2];	/* en, vi */
	char			*advice[2];
	struct rule_match	 m;
	uint8_t			 apprec;	/* APPR_* this rule needs, or 0 */
	struct thr_spec		 thr;
	uint8_t			 thr_by, sup_by;
	uint8_t			 distinct;	/* enum distinct_field */
	char			*within_text;	/* "60s" as written */
	char			*file;		/* where it was defined */
	int			 line;
	uint64_t		 digest;	/* of its YAML definition */
	uint64_t		 hits;		/* alerts */
	uint64_t		 matches;
	uint64_t		 last_hit;	/* packet time */
	uint64_t		 stamp;		/* last event evaluated */
	uint64_t		 regex_limited;	/* events its regex gave up on */
	uint64_t		 limit_reported;	/* of those, raised */
	uint8_t			 limit_queued;
	size_t			*exc;		/* exceptions naming this sid */
	size_t			 nexc;
	uint32_t		*supersedes;	/* sids it replaces when active */
	size_t			 nsupersedes;
	uint32_t		 asset_ref_off;	/* its $assets (rules_query.c) */
	uint32_t		 nasset_refs;
};

struct exception {
	uint32_t		*sids;
	size_t			 nsids;
	struct rule_match	 m;
	char			*owner;
	char			*reason;
	char			*expires_text;
	uint64_t		 expires;	/* end of that day, usec; 0 never */
	char			*file;
	int			 line;
	uint64_t		 hits;
	uint64_t		 expired_hits;	/* would have applied, but expired */
};

struct ruleset;
struct alert_out;

struct rule_stats {
	uint64_t	 evaluated;	/* candidate rules checked */
	uint64_t	 matched;
	uint64_t	 alerts;
	uint64_t	 excepted;
	uint64_t	 suppressed;
	uint64_t	 by_severity[6];
	uint64_t	 regex_limited;	/* events a regex gave up on */
};

/* Load rules, assets, exceptions and the catalog named by conf. */
struct ruleset *rules_load(const struct config *, char *err, size_t errlen);
/* A rule whose regex gave up since it was last returned, and on how many
 * events; NULL when none (for the regex_limit sensor event). */
const struct rule *rules_limit_next(struct ruleset *, uint64_t *count);
void	 rules_free(struct ruleset *);
/* -T: active and inactive rules per level and per category. */
void	 rules_print_summary(const struct ruleset *, FILE *, int verbose);
size_t	 rules_count(const struct ruleset *, int active);
/* Match one event; alerts go to out. */
void	 rules_match(struct ruleset *, const struct match_ctx *,
	    struct alert_out *);
const struct rule_stats *rules_stats(const struct ruleset *);
uint64_t rules_threshold_evictions(const struct ruleset *);
/* Keep hit counts across a reload: by sid, and exceptions by identity. */
void	 rules_carry_counters(struct ruleset *to, const struct ruleset *from);
/* Write per-rule and per-exception counters into w (--stats). */

#include "alert.h"

/* daemon.c: pidfile lock, daemonizing, dropping root. */
int	 daemon_pidfile(const char *path, char *err, size_t errlen);
void	 daemon_pidfile_update(int fd);
void	 daemon_pidfile_remove(int fd, const char *path);
int	 daemon_user(const char *user, uid_t *uid, gid_t *gid, char *err,
	    size_t errlen);
int	 daemon_drop(uid_t uid, gid_t gid, char *err, size_t errlen);
/* -D: fork; the parent exits 0 once the child calls daemon_detach_done
 * with the returned descriptor, or 1 if the child exits before. */
int	 daemon_detach(char *err, size_t errlen);
void	 daemon_detach_done(int fd);

/* output.c, output_syslog.c, output_remote.c, spool.c: alert delivery. */
#define REMOTE_MAX		8
#define SD_ENTERPRISE_DEFAULT	32473

enum spool_fsync { SPOOL_FSYNC_PERIODIC, SPOOL_FSYNC_ALWAYS, SPOOL_FSYNC_NEVER };

struct syslog_conf {
	int		 facility;	/* LOG_LOCAL4 ... (already shifted) */
	char		*socket;	/* default /dev/log */
	char		*ident;
};

struct remote_conf {
	char		*host;
	int		 port;
	int		 tls;		/* transport: tls (default) or tcp */
	char		*ca, *cert, *key;
	char		*server_name;	/* checked in the certificate; = host */
	char		*spool;		/* directory */
	uint64_t	 spool_max;	/* bytes */
	enum spool_fsync fsync;
	uint32_t	 enterprise;	/* SD-ID canhgac@N */
	uint64_t	 backoff_max;	/* usec */
	uint64_t	 drain_timeout;	/* usec, at exit */
	uint64_t	 resend_window;	/* usec kept after TCP ack */
};

/* One alert as the outputs see it: the JSON line and what they need. */
struct alert_rec {
	const char	*json;		/* one JSON object, with newline */
	size_t		 len;
	uint32_t	 sid;
	int		 category;	/* CAT_* */
	int		 severity;	/* 1 critical .. 5 info */
	uint64_t	 ts;		/* usec since the epoch */
	const char	*sensor;
	/* Filled by outputs_alert: the JSON flattened to key=value. */
	const char	*const *keys;
	const char	*const *vals;
	size_t		 nkv;
};

struct outputs;
struct outputs *outputs_new(struct event_base *, const struct config *,
	    char *err, size_t errlen);
void	 outputs_free(struct outputs *);
void	 outputs_alert(struct outputs *, const struct alert_rec *);
/* Deliver what is pending (up to each drain_timeout), then call cb. */
void	 outputs_drain(struct outputs *, void (*cb)(void *), void *arg);
void	 outputs_tick(struct outputs *);
/* Alerts an output gave up on (syslog queue, spool, unformattable). */
uint64_t outputs_dropped(const struct outputs *);
/* Alerts that could not be flattened (they reached no output). */
uint64_t outputs_unformattable(const struct outputs *);
const struct syslog_out *outputs_syslog(const struct outputs *);
int	 outputs_nremote(const struct outputs *);
const struct remote *outputs_remote(const struct outputs *, int);

struct syslog_out;
struct syslog_stats {
	const char	*socket;
	const char	*state;		/* delivering, retrying, down */
	const char	*last_error;	/* or NULL */
	uint64_t	 sent, queued, retried, waiting, dropped, errors;
};
struct syslog_out *syslog_out_new(struct event_base *,
	    const struct syslog_conf *, char *err, size_t errlen);
void	 syslog_out_free(struct syslog_out *);
/* Never blocks: what the socket refuses waits, retried on a timer. */
void	 syslog_out_send(struct syslog_out *, const struct alert_rec *);
/* Deliver what waits while the listener takes it, then call cb. */
void	 syslog_out_drain(struct syslog_out *, void (*cb)(void *), void *arg);
uint64_t syslog_out_dropped(const struct syslog_out *);
void	 syslog_out_stats(const struct syslog_out *, struct syslog_stats *);

struct remote;
struct remote *remote_new(struct event_base *, const struct remote_conf *,
	    const char *sensor, char *err, size_t errlen);
void	 remote_free(struct remote *);
void	 remote_send(struct remote *, const struct alert_rec *);
int	 remote_drained(const struct remote *);
void	 remote_drain(struct remote *, void (*cb)(void *), void *arg);
void	 remote_tick(struct remote *);
uint64_t remote_dropped(const struct remote *);
struct remote_stats {
	const char	*destination;	/* host:port */
	const char	*transport;	/* tcp, tls */
	const char	*state;		/* disconnected, connecting, connected */
	const char	*last_error;	/* "" if none */
	uint64_t	 sent, spooled, replayed, resent, dropped;
	uint64_t	 spool_pending, spool_bytes, in_flight;
	uint64_t	 connects, connect_failures, disconnects;
	uint64_t	 spool_errors, spool_corrupt, format_errors;
};
void	 remote_stats(const struct remote *, struct remote_stats *);
/* Format one RFC 5424 message, octet-counted; returns its length. */
size_t	 remote_format(char *buf, size_t len, const struct alert_rec *,
	    const char *hostname, uint32_t enterprise, uint64_t seq);

/* spool.c: append-only segment files of octet-counted frames. */
struct spool;
struct spool_pos {
	uint64_t	 seg;
	uint64_t	 off;
};
struct spool *spool_open(const char *dir, uint64_t max, enum spool_fsync,
	    char *err, size_t errlen);
void	 spool_close(struct spool *);
/* Append one frame; the oldest frames go when the spool is full. */
int	 spool_append(struct spool *, const char *frame, size_t len);
/* Prepend frames (unacknowledged at exit) before everything else. */
int	 spool_prepend(struct spool *, const char *frames, size_t len,
	    uint64_t nframes);
/* Next frame after the read position; 1 found, 0 none, -1 error. */
int	 spool_read(struct spool *, char **frame, size_t *len,
	    struct spool_pos *end);
/* Everything before pos is delivered; older segments are removed. */
void	 spool_commit(struct spool *, const struct spool_pos *);
/* Commit everything read so far. */
void	 spool_commit_read(struct spool *);
uint64_t spool_pending(const struct spool *);	/* unread frames */
uint64_t spool_bytes(const struct spool *);
uint64_t spool_dropped(const struct spool *);
/* Frames lost to a damaged spool (torn, truncated, corrupt segments). */
uint64_t spool_corrupt(const struct spool *);
void	 spool_sync(struct spool *);
/* The sequence number to use next; reserved ahead on disk. */
uint64_t spool_next_seq(struct spool *);

/* config.c */
struct capture_conf {
	char		 iface[64];
	char		*bpf;
	int		 snaplen;
	int		 promisc;
	int		 buffer_size;	/* bytes, 0 = libpcap default */
};

struct config {
	char		*path;
	char		*sensor_name;
	int		 security_level;
	char		*timezone;
	int		 utc_offset;	/* seconds east, for timestamps */
	struct capture_conf capture[IFACE_MAX];
	int		 ncapture;
	uint64_t	 flow_memcap;
	struct flow_timeouts timeouts;
	char		*events_path;
	char		*dir;		/* of the config file: relative paths */
	char		*catalog;
	int		 language_vi;	/* sensor.language: vi */
	uint64_t	 threshold_memcap;
	int		 regex_match_limit;	/* PCRE2 steps per start */
	int		 regex_depth_limit;	/* PCRE2 backtracking depth */
	char		*alerts_path;	/* outputs.json.path */
	struct syslog_conf *syslog;	/* outputs.syslog, or NULL */
	struct remote_conf *remote;	/* outputs.remote[] */
	int		 nremote;
	char		*user;		/* drop root to this user */
	char		*pidfile;
	char		*status_socket;	/* outputs.status.socket */
	int		 status_mode;	/* outputs.status.mode, 0: 0660 */
	char		*status_group;	/* outputs.status.group */
	char		*status_admin_group;	/* may reload, shut down */
	int		 status_clients_per_uid; /* connections a non-root uid */
	uint64_t	 status_follow_idle;	/* usec a follower may get nothing */
	int		 list_min_prefix4;	/* widest list file prefix */
	int		 list_min_prefix6;
	char		*state_dir;	/* sensor.state_dir, or "none" */
	struct yaml_doc	*doc;		/* kept for later subsystems */
	int		 defrag_enabled;	/* defrag.* (defrag.c) */
	uint64_t	 defrag_memcap;
	uint64_t	 defrag_timeout;
	uint64_t	 stream_memcap;		/* stream.* (stream.c) */
	uint64_t	 stream_depth;
	uint64_t	 stream_gateway_depth;
};

struct config *config_load(const char *path, char *err, size_t errlen);
void	 config_free(struct config *);
void	 config_defaults(struct config *);
void	 config_print(const struct config *, FILE *);
/* 0 if a reload from old to new applies every change; -1 and err
 * ("FILE:LINE:COL: KEY changes only at restart") if one needs a restart.
 * live: capture comes from the configuration's interfaces (not -r). */
int	 config_reload_check(const struct config *old,
	    const struct config *new, int live, char *err, size_t errlen);
/* path made absolute against the config file's directory (malloc'd). */
char	*config_path(const struct config *, const char *path);

/* capture.c */
struct iface {
	char		 name[64];
	int		 idx;
	int		 dlt;
	int		 offline;
	uint64_t	 pkts;		/* packets handed to decode */
	uint64_t	 ps_recv, ps_drop, ps_ifdrop;
};

struct capture;
typedef void (*capture_pkt_cb)(const struct iface *, uint64_t ts,
	    const uint8_t *, uint32_t caplen, uint32_t wirelen, void *);
typedef void (*capture_done_cb)(void *);
struct capture *capture_new(struct event_base *, capture_pkt_cb,
	    capture_done_cb, void *);
int	 capture_add_live(struct capture *, const struct capture_conf *,
	    char *err, size_t errlen);
int	 capture_add_file(struct capture *, const char *path, char *err,
	    size_t errlen);
struct pcap;
int	 capture_add_offline(struct capture *, struct pcap *, const char *path,
	    char *err, size_t errlen);
int	 capture_start(struct capture *);
void	 capture_stop(struct capture *);
void	 capture_stats_update(struct capture *);
enum { CAPTURE_LINK_UNKNOWN, CAPTURE_LINK_UP, CAPTURE_LINK_NO_CARRIER,
	CAPTURE_LINK_DOWN, CAPTURE_LINK_MISSING, CAPTURE_LINK_OFFLINE };
int	 capture_link_state(const struct iface *);
const char *capture_link_name(int);
void	 capture_check_links(struct capture *);
int	 capture_count(const struct capture *);
const struct iface *capture_iface(const struct capture *, int);
void	 capture_free(struct capture *);

/* event.c: EVE-style event records. */
struct eventlog;
struct eventlog *eventlog_open(const char *path, const char *sensor,
	    int utc_offset, char *err, size_t errlen);
void	 eventlog_flow(struct eventlog *, const struct flow *,
	    enum flow_end_reason, const char *iface);
void	 eventlog_app(struct eventlog *, const struct packet *,
	    const struct app_result *);
void	 eventlog_flush(struct eventlog *);
void	 eventlog_carry(struct eventlog *to, const struct eventlog *from);
void	 eventlog_close(struct eventlog *);
uint64_t eventlog_count(const struct eventlog *);
uint64_t eventlog_errors(const struct eventlog *);

/* canhgacd.c: the daemon's state, owned by main, read by control.c. */
struct sensor {
	struct event_base	*base;
	struct config		*conf;
	struct capture		*cap;
	struct flow_table	*flows;
	struct app_ctx		*app;
	struct eventlog		*events;
	char			*events_path;	/* owned; NULL: no event log */
	int			 events_cli;	/* --events, not `events:` */
	struct ruleset		*rules;
	struct alert_out	*alerts;
	const char		*alerts_path;	/* --alerts */
	uint64_t		 last_drops;	/* sensor health, last seen */
	uint64_t		 last_memcap;
	uint64_t		 last_thr_evicted;
	uint64_t		 sensor_raised[8];	/* packet time of last */
	uint64_t		 last_output_drops;
	uint64_t		 last_log_errors;
	struct outputs		*outputs;	/* output.c: syslog, remote */
	struct decode_stats	 dstats;
	struct event		*ev_sigint, *ev_sigterm, *ev_sighup, *ev_tick;
	uint64_t		 last_ts;	/* newest packet time */
	uint64_t		 last_expire;
	uint64_t		 wall_start;	/* microseconds */
	int			 offline;
	int			 shutting_down;
	const char		*stats_path;
	int			 cli_ifaces;	/* -i replaced the capture list */
	uint64_t		 start_wall;	/* microseconds, for uptime */
	uint64_t		 reloads, reload_failures;
	uint64_t		 last_reload;	/* wall microseconds */
	int			 reload_ok;
	char			 reload_error[1024];
	void			*control;	/* control.c */
	struct state		*state;		/* state.c */
	struct defrag		*defrag;	/* defrag.c, NULL when off */
	uint64_t		 last_defrag_evicted;
	struct stream		*stream;	/* stream.c */
	uint64_t		 last_stream_evicted;
	/* lifecycle.c (lifecycle.h) */
	int			 own_signals;	/* SIGINT/TERM stop, SIGHUP reloads */
	size_t			 nstarted;	/* subsystems started */
	int			 drained;	/* stopped, outputs drained */
	struct reload_job	*reload_job;	/* a rule set being built */
};

/* sensor.c: the packet path (capture_pkt_cb, flow_end_cb, app_emit_cb). */
void	 sensor_packet(const struct iface *, uint64_t ts, const uint8_t *,
	    uint32_t caplen, uint32_t wirelen, void *sensor);
void	 sensor_flow_end(struct flow *, enum flow_end_reason, void *sensor);
void	 sensor_stream_init(struct sensor *);
void	 sensor_app_record(const struct packet *, const struct app_result *,
	    void *sensor);
/* Raise the sensor's own health events due at packet time now. */
void	 sensor_health(struct sensor *, uint64_t now);

/* control.c: the status socket (ctl-protocol.h). */
struct control_ops {
	/* Reload; done(arg, ok, err) from the loop once it ended. */
	void	(*reload)(struct sensor *, void (*done)(void *, int,
		    const char *), void *arg);
	void	(*reload_forget)(struct sensor *, void *arg);
	void	(*stop)(struct sensor *, enum flow_end_reason);
	/* The statistics snapshot (stats.h), with control_stats in it. */
	struct json_t *(*stats)(struct sensor *);
};
/* Add the status socket's counters (control, outputs.status) to snap. */
void	 control_stats(struct sensor *, struct json_t *snap);
/* Listen on outputs.status.socket, if configured; s->control holds it. */
int	 control_init(struct sensor *, const struct control_ops *,
	    char *err, size_t errlen);
void	 control_shutdown(struct sensor *);
/* Requests in buf as a local client would send them; answers go to out. */
struct evbuffer;
void	 control_feed(struct sensor *, const char *buf, size_t len, int admin,
	    struct evbuffer *out);
/* The status socket's alert sink (ctx: its struct control): keep the
 * alert in the ring and stream it to follow clients. */
void	 control_alert(void *ctx, const struct alert_rec *);

/*
 * compliance.c: coverage per control of the catalog at a level (0: the
 * configured one), as a JSON object. evidence is what the running daemon
 * shows (uptime, interfaces, outputs, reload), or NULL offline.
 */
struct json_t;
struct json_t *compliance_report(const struct config *,
	    const struct ruleset *, struct json_t *evidence, int level,
	    char *err, size_t errlen);
/* SHA-256 naming the rule set: config, catalog, rule and list files. */
void	 compliance_digest(const struct config *, const struct ruleset *,
	    char out[65]);
/* compliance_render.c: format text, json or html; vi for Vietnamese. */
int	 compliance_render(struct json_t *, const char *format, int vi,
	    FILE *);
/*
 * The report's period from --since: an ISO date (2025-01-02, local
 * midnight), date-time (2025-01-02T08:00, local; Z or +07:00 exact) or
 * an age (90s, 15m, 12h, 7d). Unix seconds, or -1 with err set.
 */
long long compliance_parse_since(const char *, long long now, char *err,
	    size_t errlen);

#include "state.h"

#endif /* CANHGAC_H */
