/*
 * The rules module's interface (rules_*.c): the rule language of
 * rules.md (categories, events, the compiled match, struct rule and
 * struct exception), loading and matching a rule set (rules_load.c,
 * rules_match.c), and the set as the other modules read it
 * (rules_query.c): each rule's public description and counters, its
 * exceptions, the threshold table's counters, the assets (and the list
 * files `canhgacctl list` edits) and files the set was built from. The
 * set's own layout stays in rules-internal.h.
 */
#ifndef CANHGAC_RULES_H
#define CANHGAC_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "behaviour.h"
#include "threshold.h"

struct alert_tmpl;
struct app_result;
struct config;
struct domset;
struct flow;
struct ipset;
struct tokset;
struct jsonw;
struct packet;
struct pmatch;
struct alert_out;
struct host_event;
struct svclist;

struct ruleset;
struct exception;

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
	X(ROGUEHOST, "rogue-host")				\
	X(BASELINE, "baseline")					\
	X(C2, "c2")						\
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
	REV_HOST_NEW,		/* hosts.c: a host new to the inventory */
	REV_SERVICE_NEW,	/* a host answered on a port new to it */
	REV_ARP_CHANGE,		/* an address claimed by another MAC */
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
#define SENSOR_CAPTURE_CUT	0x100	/* segments longer than the snap length */
#define SENSOR_PARSER_BUFFERS	0x200	/* a parser's pool had nothing free */
/* Their names in rule files (sensor_event) and alerts, lowest bit first:
 * the one list the parser and the alert text read. */
#define SENSOR_EVENTS(X) \
	X(SENSOR_CAPTURE_DROPS, "capture_drops") \
	X(SENSOR_FLOW_MEMCAP, "flow_memcap") \
	X(SENSOR_THRESHOLD_MEMCAP, "threshold_memcap") \
	X(SENSOR_OUTPUT_DROPS, "output_drops") \
	X(SENSOR_LOG_ERRORS, "alert_log_errors") \
	X(SENSOR_REGEX_LIMIT, "regex_limit") \
	X(SENSOR_DEFRAG_MEMCAP, "defrag_memcap") \
	X(SENSOR_STREAM_MEMCAP, "stream_memcap") \
	X(SENSOR_CAPTURE_CUT, "capture_cut") \
	X(SENSOR_PARSER_BUFFERS, "parser_buffers")

/* One event to match: a packet, a flow transition, or a sensor event. */
/*
 * Which rules a packet event is checked against: a TCP packet's header
 * rules run once when it arrives, its payload rules on each piece of
 * the direction's inspected stream (in order, perhaps later, perhaps
 * decoded), so that neither runs twice on the same bytes.
 */
enum match_scope {
	MS_ALL = 0,		/* every rule of the event */
	MS_HEADERS,		/* rules without a payload key */
	MS_PAYLOAD		/* rules with a payload key only */
};

struct match_ctx {
	enum rule_event		 event;
	uint8_t			 scope;		/* enum match_scope */
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
	/*
	 * A piece of a TCP direction's stream (sensor_payload): payload
	 * rules carry matches and counts over from its pieces before.
	 * NULL: the payload is matched alone (datagrams, other copies).
	 * pm_end: the direction ended (FIN, RST, the flow's end): what is
	 * carried is matched as the stream's last bytes.
	 */
	struct pmatch		*pm;
	uint8_t			 pm_end;
	const struct host_event	*host;		/* REV_HOST_NEW, REV_ARP_CHANGE */
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
	KW_HTTP_USER_AGENT, KW_SSH_BANNER, KW_PLAINTEXT, KW_SERVICE,
	KW_DHCP_TYPE, KW_DHCP_SERVER, KW_TLS_CERT, KW_TLS_CIPHER, KW_TLS_JA3,
	KW_TLS_JA4, KW_WHEN, KW_PAYLOAD,
	KW_EVENT,		/* every match has one: no bit, no matcher */
	KW_MAX
};
/* Each key below KW_EVENT is a bit of rule_match.keys (a uint32_t): a
 * 33rd key needs it wider. */
_Static_assert(KW_EVENT <= 32, "match keys outgrew rule_match.keys");

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
#define M_SERVICE	(1U << KW_SERVICE)
#define M_DHCP_TYPE	(1U << KW_DHCP_TYPE)
#define M_DHCP_SERVER	(1U << KW_DHCP_SERVER)
#define M_CERT		(1U << KW_TLS_CERT)
#define M_CIPHER	(1U << KW_TLS_CIPHER)
#define M_JA3		(1U << KW_TLS_JA3)
#define M_JA4		(1U << KW_TLS_JA4)
#define M_WHEN		(1U << KW_WHEN)
#define M_PAYLOAD	(1U << KW_PAYLOAD)
/* Keys that hold for every packet of a flow in one direction. */
#define M_FLOW_KEYS	((1U << (KW_IP + 1)) - 1)
/* Keys only an application record can satisfy. */
#define M_APPREC	(M_TLS_VERSION | M_TLS_NEG | M_SNI | M_QUERY | \
			    M_HOST | M_URI | M_UA | M_BANNER | M_PLAIN | \
			    M_DHCP_TYPE | M_DHCP_SERVER | M_CERT | M_CIPHER | \
			    M_JA3 | M_JA4)

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

/* tls.cert: every condition given holds (CM_* say which are given). */
#define CM_EXPIRED	0x01
#define CM_NOT_YET	0x02
#define CM_SELF_SIGNED	0x04
#define CM_KEY_BITS	0x08
#define CM_SIG_ALG	0x10
#define CM_FP		0x20
#define CM_SNI		0x40
#define CM_KEY_TYPE	0x80

struct cert_match {
	uint8_t			 want;		/* CM_* */
	uint8_t			 expired, not_yet, self_signed, sni_mismatch;
	uint8_t			 fp_neg, sig_neg;
	uint32_t		 key_bits_below;
	char			**sig_algs;	/* OpenSSL long names */
	size_t			 nsig_algs;
	char			**key_types;	/* RSA, EC, DSA, ED25519 … */
	size_t			 nkey_types;
	const struct tokset	*fp;		/* SHA-256 fingerprints */
};

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
	uint16_t		 payload_lb;	/* its longest lookbehind */
	uint8_t			 payload_empty;	/* "" is a partial match */
	uint8_t			 when_outside;
	uint8_t			 when_days;	/* bit 0 = Monday */
	uint16_t		 when_start, when_end;	/* minutes */
	uint64_t		 decode_mask;	/* 1 << enum decode_err */
	uint8_t			 decode_neg;
	uint8_t			 plain;		/* PLAIN_* required */
	uint16_t		 sensor;	/* SENSOR_* */
	const struct svclist	*svc;		/* service: an asset's services */
	uint8_t			 svc_neg;
	uint8_t			 dhcp_neg;
	uint8_t			 dhcp_types;	/* 1 << (DHCP message type - 1) */
	struct addr_match	 dhcp_server;
	struct cert_match	 cert;		/* tls.cert */
	const uint8_t		*ciphers;	/* tls.cipher: bit per suite */
	uint8_t			 cipher_neg;
	uint8_t			 ja3_neg, ja4_neg;
	const struct tokset	*ja3, *ja4;	/* tls.ja3, tls.ja4 */
};

#define BY_SRC_IP	0x01
#define BY_DST_IP	0x02
#define BY_SRC_PORT	0x04
#define BY_DST_PORT	0x08
#define BY_PROTO	0x10
#define BY_SNI		0x20
#define BY_QUERY	0x40
#define BY_DOMAIN	0x80	/* dns.query's registered domain */
/* rule.thr_pair: its window (none, or keyed by both addresses), its
 * suppression (none, or the same) belong to one address pair, so to
 * the one packet worker that gets the pair's packets (workers.c). */
#define THR_PAIR_WINDOW	0x01
#define THR_PAIR_SUPPRESS 0x02
/* The same for IPv4 events alone: a key by an IPv6 network (src_ip/N)
 * spans pairs the workers split, an IPv4 address is kept whole. */
#define THR_PAIR_WINDOW_V4 0x04		/* THR_PAIR_WINDOW << 2 */
#define THR_PAIR_SUPPRESS_V4 0x08	/* THR_PAIR_SUPPRESS << 2 */

enum distinct_field { DF_NONE = 0, DF_SRC_IP, DF_DST_IP, DF_SRC_PORT,
	DF_DST_PORT, DF_SNI, DF_QUERY };

struct rule {
	uint32_t		 sid;
	char			*name;
	char			*name_vi;	/* NULL: name */
	uint8_t			 category;
	uint8_t			 severity;
	uint8_t			 level;
	uint8_t			 active;
	char			*inactive_reason;
	char			**controls;
	size_t			 ncontrols;
	char			*message[2];	/* en, vi */
	char			*advice[2];
	/* The same compiled at load (alert_tmpl_compile): alerts run these. */
	struct alert_tmpl	*message_t[2];
	struct alert_tmpl	*advice_t[2];
	/* alert_rule_members per language, or NULL: written per alert. */
	char			*alert_members[2];
	size_t			 alert_members_len[2];
	struct rule_match	 m;
	uint8_t			 apprec;	/* APPR_* this rule needs, or 0 */
	struct thr_spec		 thr;
	uint8_t			 thr_by, sup_by;
	/* by: src_ip/N, dst_ip/N: an IPv6 source's and destination's
	 * prefix length in the key ([0] src, [1] dst), 0 the address. */
	uint8_t			 thr_net[2], sup_net[2];
	/* With a net: the addresses kept whole all the same (the
	 * `internal` asset's: a LAN's hosts share its /64), or NULL. */
	const struct ipset	*net_keep;
	uint8_t			 thr_pair;	/* THR_PAIR_*: keyed by both addresses */
	uint8_t			 distinct;	/* enum distinct_field */
	uint8_t			 bh_by;		/* BY_* of a behaviour key */
	struct bh_spec		 bh;		/* baseline, beacon, dns_tunnel */
	char			*within_text;	/* "60s" as written */
	char			*file;		/* where it was defined */
	int			 line;
	uint64_t		 digest;	/* of its YAML definition */
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
};


struct rule_stats {
	uint64_t	 evaluated;	/* candidate rules checked */
	uint64_t	 matched;
	uint64_t	 alerts;
	uint64_t	 excepted;
	uint64_t	 by_severity[6];
	uint64_t	 regex_limited;	/* events a regex gave up on */
};

/* Load rules, assets, exceptions and the catalog named by conf. */
struct ruleset *rules_load(const struct config *, char *err, size_t errlen);
/* The same, with overlay's `assets:` in place of the groups they name. */
struct yaml_doc;
struct ruleset *rules_load_overlay(const struct config *, struct yaml_doc *,
	    char *err, size_t errlen);
void	 rules_free(struct ruleset *);
/*
 * What matching changes: a match's scratch (regex match data, the
 * address cache, which rules an event tried) and the counters (hits per
 * rule and exception, rule_stats). A set is shared read-only by every
 * matcher; each matcher has a state of its own, and the queries below
 * sum the set's states. rules_load makes the first (rules_main_state);
 * the set frees its states with it. Make every state before any thread
 * matches with the set: the second one turns the cross-flow tables'
 * lock on, and a match already under way would not hold it.
 */
struct rules_state;
struct rules_state *rules_state_new(struct ruleset *);
struct rules_state *rules_main_state(const struct ruleset *);
/*
 * Every matcher state of the set made (packet workers): with more than
 * one, each gets a table of its own for the windows and suppressions
 * of rules counted by address pair (THR_PAIR_*), which no other worker
 * sees, so that they are counted without the set's lock: with two
 * workers, that lock taken on every match made them slower than one
 * (mixed capture, level 5). threshold_memcap is split among them, and
 * the shared table keeps its own. -1 without memory for them.
 */
int	 rules_split_thresholds(struct ruleset *);
/* A reload's set for n packet workers, made by the reload's thread:
 * states up to the main one and n more, thresholds split. -1 without
 * memory. rules_state_nth: the main state (0) or worker i's (i + 1). */
int	 rules_worker_states(struct ruleset *, size_t n);
struct rules_state *rules_state_nth(const struct ruleset *, size_t i);
/* A worker's own: a slice of a reload's carried threshold state. */
void	 rules_state_tick(struct rules_state *);
/* A rule whose regex gave up since it was last returned, and on how many
 * events; NULL when none (for the regex_limit sensor event). */
const struct rule *rules_limit_next(struct rules_state *, uint64_t *count);
/* -T: active and inactive rules per level and per category. */
void	 rules_print_summary(const struct ruleset *, FILE *, int verbose);
size_t	 rules_count(const struct ruleset *, int active);
/* Match one event with a matcher's state (rules_main_state, or one of
 * rules_state_new); alerts go to out. */
void	 rules_match_state(struct rules_state *, const struct match_ctx *,
	    struct alert_out *);
/* The set's counters, summed over its states. */
void	 rules_stats(const struct ruleset *, struct rule_stats *);
uint64_t rules_threshold_evictions(const struct ruleset *);
/*
 * Keep hit counts across a reload: by sid, and exceptions by identity;
 * to takes over from's threshold state, moved over by rules_carry_step
 * (a slice a call, from the loop's tick: 1 while some is left). The
 * plan (which rule of to takes over which of from's) is made off the
 * loop while from is not swapped out; the carry follows it on the loop
 * while capture waits. A plan made for another set, or none (NULL), is
 * made at the carry.
 */
struct rules_carry_plan;
struct rules_carry_plan *rules_carry_plan_new(const struct ruleset *to,
	    const struct ruleset *from);
void	 rules_carry_plan_free(struct rules_carry_plan *);
void	 rules_carry_counters(struct ruleset *to, struct ruleset *from,
	    const struct rules_carry_plan *);
int	 rules_carry_step(struct ruleset *);
/* Packet workers: thresholds and suppressions stay until ts at least
 * (thr_horizon). */
void	 rules_horizon(struct ruleset *, uint64_t ts);

/* One "$name" a rule's match refers to, recorded by the loader. */
struct rule_asset_ref {
	const char	*name;		/* without the '$' */
	int		 negated;	/* under {not: …} */
};

/* What a rule is, as written and as loaded at the sensor's level. */
struct rule_info {
	uint32_t			 sid;
	const char			*name;
	const char			*name_vi;	/* name if none */
	int				 category;	/* CAT_* */
	int				 severity;	/* 1 critical .. 5 info */
	int				 level;		/* 1..5 */
	int				 active;
	const char			*inactive_reason; /* NULL if active */
	int				 disabled;	/* enabled: false */
	const char *const		*controls;
	size_t				 ncontrols;
	const struct rule_asset_ref	*assets;	/* in match order */
	size_t				 nassets;
	uint32_t			 match_keys;	/* M_* */
	size_t				 nexceptions;	/* rules_exception */
	uint64_t			 hits;		/* alerts */
	uint64_t			 matches;
	uint64_t			 last_hit;	/* packet time, usec */
	uint64_t			 regex_limited;	/* events its regex gave up on */
	const char			*file;
	int				 line;
};

/* Rules loaded, active or not; 0 for NULL. */
size_t	 rules_size(const struct ruleset *);
/* Rule i (0 .. rules_size - 1) into *info; -1 when out of range. */
int	 rules_info(const struct ruleset *, size_t i, struct rule_info *);
/*
 * Whether rule i would be active at level n: its level reached, not
 * disabled, and not superseded by another rule itself on at n.
 */
int	 rules_active_at(const struct ruleset *, size_t i, int n);
/* Exception j (0 .. nexceptions - 1) naming rule i, or NULL. */
const struct exception *rules_exception(const struct ruleset *, size_t i,
	    size_t j);
/* Exceptions loaded. */
size_t	 rules_exception_count(const struct ruleset *);
/* Exception i of the set (0 .. rules_exception_count - 1), in file order;
 * NULL when out of range. */
const struct exception *rules_exception_get(const struct ruleset *, size_t i);
/* The events exception x (of the set) silenced, and those it would have
 * but for its expiry. */
void	 rules_exception_hits(const struct ruleset *, const struct exception *x,
	    uint64_t *hits, uint64_t *expired_hits);
/* The threshold and suppression table's counters. */
void	 rules_threshold_stats(const struct ruleset *, struct thr_stats *);

/* Entries (addresses, ports, domains) of asset name; -1 if undefined. */
long	 rules_asset_size(const struct ruleset *, const char *name);
size_t	 rules_asset_count(const struct ruleset *);
/* Which rule set this is: a number no other set loaded by this process
 * had (the address may be reused after a free; this is not). */
uint32_t rules_generation(const struct ruleset *);
/* Asset name's addresses, known_hosts entries (type: host), or NULL. */
const struct ipset *rules_asset_ipset(const struct ruleset *, const char *);
/* The bits of address addr ([i] 0 src, 1 dst) a key by net[] (r's
 * thr_net or sup_net) takes, or 0 for the whole address. */
unsigned	 rules_key_net(const struct rule *r, const uint8_t *net, int i,
		    int ipver, const uint8_t *addr);
const struct hostlist *rules_asset_hosts(const struct ruleset *,
	    const char *name);
/* Whether addr is in asset name's addresses. */
int	 rules_asset_has_addr(const struct ruleset *, const char *name,
	    int ipver, const uint8_t *addr);
/* Asset i's list file, or NULL when it is written inline. */
const char *rules_asset_file(const struct ruleset *, size_t i);
/* An asset kept in a list file ({file: PATH}), as `list` shows and edits it. */
struct rules_list {
	const char	*name;
	const char	*file;
	int		 ips;		/* holds addresses */
	int		 domains;	/* holds domains */
	int64_t		 mtime;		/* the file's, when the set loaded it */
};				/* neither: TLS fingerprints (tokset.h) */
/* The asset named name into *l: 0; -1 when there is none, -2 when it is
 * not a list file of addresses, domains or fingerprints, -3 when it is a
 * list file of services (IP PORT/PROTO lines, not edited as entries). */
int	 rules_list(const struct ruleset *, const char *name, struct rules_list *);

/* Rule files read, in order; *catalog set for a catalog among them. */
size_t	 rules_file_count(const struct ruleset *);
const char *rules_file(const struct ruleset *, size_t i, int *catalog);
/* The control catalog's path, or NULL when none is loaded. */
const char *rules_catalog_path(const struct ruleset *);
/*
 * SHA-256 (hex) of a rule file, the catalog or an asset's list file as
 * the set read it; "" when it was not read. Reports use these rather
 * than reading the files again (which may have changed since, or be a
 * FIFO that would block the loop).
 */
const char *rules_file_sha256(const struct ruleset *, size_t i);
const char *rules_catalog_sha256(const struct ruleset *);
/* The catalog document as loaded (read-only), or NULL. */
struct yaml_doc *rules_catalog_doc(const struct ruleset *);
/*
 * 1 when asset name holds entries and every one is a documentation
 * address (RFC 5737, RFC 3849) or a reserved name (.example, .test,
 * .invalid, .localhost), as the set loaded it: such a list detects
 * nothing real.
 */
int	 rules_asset_doc_only(const struct ruleset *, const char *name);
const char *rules_asset_sha256(const struct ruleset *, size_t i);

/* rules_names.c: "scan" ... by CAT_*, "critical" ... by 1..5; "unknown". */
const char *rules_category_name(int);
const char *rules_severity_name(int);
/* The name of the lowest SENSOR_* condition set in e; "" for none. */
const char *rules_sensor_event_name(uint32_t e);
/* The same in Vietnamese; "không rõ" out of range. */
const char *rules_category_name_vi(int);
const char *rules_severity_name_vi(int);

/* The behaviour rules' tables (behaviour.h): keys held, keys evicted. */
struct rules_bh_stats {
	uint64_t	 baseline_keys, baseline_evicted;
	uint64_t	 beacon_keys, beacon_evicted;
	uint64_t	 dns_keys, dns_evicted;
};
void	 rules_behaviour_stats(const struct ruleset *,
	    struct rules_bh_stats *);
/* Learned baselines in STATE_DIR/baselines (dfd: that directory). */
#define RULES_BASELINES_FILE	"baselines"
int	 rules_has_baselines(const struct ruleset *);
uint64_t rules_now(const struct ruleset *);	/* latest packet time */
long	 rules_baselines_load(struct ruleset *, int dfd, const char *dir,
	    char *err, size_t errlen);
int	 rules_baselines_save(const struct ruleset *, int dfd,
	    const char *dir, char *err, size_t errlen);
/* A copy of the baselines to write later (bl_snap_write, bl_snap_free,
 * behaviour.h); NULL when the set has none or there is no memory. */
struct bl_snap *rules_baselines_snapshot(const struct ruleset *);
struct rules_baseline {
	uint32_t	 sid;
	const char	*name;
	uint8_t		 measure;	/* enum bh_measure */
	uint8_t		 by;		/* BY_* */
	struct thr_key	 key;
	struct bl_view	 bl;
};
int	 rules_baseline_at(const struct ruleset *, size_t i,
	    struct rules_baseline *);

#endif /* CANHGAC_RULES_H */
