/*
 * Rules: the match keywords.
 *
 * A key of `match:` is one row of match_keywords[]: its name, the
 * application record it needs (0: none), the function that parses its
 * value at load and the one that tests it on an event. A rule's M_*
 * bits are the rows it uses; a match calls the testers of those bits
 * and no others, by their bit, in row order: the keys that hold for a
 * whole flow direction first, regexes last. A new keyword is a KW_ in
 * rules.h, a row here and its two functions.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "app.h"
#include "conf.h"
#include "decode.h"
#include "domset.h"
#include "flow.h"
#include "hostlist.h"
#include "ipset.h"
#include "pmatch.h"
#include "tokset.h"
#include "rules.h"
#include "types.h"
#include "yamldoc.h"
#include "rules-internal.h"

static const char *const event_names[REV_MAX] = {
	"packet", "flow_start", "flow_established", "flow_end", "sensor",
	"host_new", "service_new", "arp_change"
};

/* Value parsers, shared by keywords of the same shape. */

/* Unwrap {not: X}; returns X and sets *neg. */
static struct yaml_node_s *
unwrap_not(struct loader *L, struct yaml_node_s *n, uint8_t *neg)
{
	struct yaml_node_s	*inner;

	*neg = L->neg = 0;
	if (yamldoc_is_map(n) && (inner = yamldoc_get(L->yd, n, "not")) !=
	    NULL) {
		*neg = L->neg = 1;
		return inner;
	}
	return n;
}

/* src/dst/ip: an address, a CIDR, $list, a list of those, or {not: …}. */
static int
parse_addr(struct loader *L, struct yaml_node_s *n, const char *key,
    struct addr_match *am)
{
	struct ipset	*lit = NULL;
	size_t		 i, cnt;
	char		 e[256];

	n = unwrap_not(L, n, &am->neg);
	cnt = yamldoc_is_seq(n) ? yamldoc_seq_len(n) : 1;
	if (yamldoc_is_map(n) || (yamldoc_is_seq(n) && cnt == 0))
		return lerr(L, n, "%s: expected an address, CIDR, $list, a "
		    "list of these, or {not: …}", key);
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(n) ?
		    yamldoc_seq_at(L->yd, n, i) : n;
		const char *s = yamldoc_scalar(it);

		if (s == NULL || *s == '\0')
			return lerr(L, it, "%s: expected an address, CIDR or "
			    "$list", key);
		if (s[0] == '$') {
			const struct asset *a = asset_ref(L, it, s);

			if (a == NULL)
				return -1;
			if (a->ips == NULL)
				return lerr(L, it, "%s: asset \"%s\" holds no "
				    "addresses", key, s);
			/* Lists are shared, not copied: any of the sets. */
			if (am->nsets >= ADDR_SETS_MAX)
				return lerr(L, it, "%s: at most %d lists", key,
				    ADDR_SETS_MAX - 1);
			am->sets[am->nsets++] = a->ips;
			continue;
		}
		if (lit == NULL) {
			if (am->nsets >= ADDR_SETS_MAX)
				return lerr(L, it, "%s: at most %d lists", key,
				    ADDR_SETS_MAX - 1);
			if ((lit = own_ipset(L->rs)) == NULL)
				return lnomem(L, it);
			am->sets[am->nsets++] = lit;
		}
		if (ipset_add_str(lit, s, e, sizeof(e)) != 0)
			return lerr(L, it, "%s: %s", key, e);
	}
	return 0;
}

/* Ports: a number, LOW-HIGH, $list, a list of these, or {not: …}. */
static int
parse_ports(struct loader *L, struct yaml_node_s *n, const char *key,
    struct port_match *pm)
{
	struct port_build	 pb = { NULL, 0, 0 };
	size_t			 i, cnt;
	uint32_t		 j;
	int			 rc = -1;

	n = unwrap_not(L, n, &pm->neg);
	cnt = yamldoc_is_seq(n) ? yamldoc_seq_len(n) : 1;
	if (yamldoc_is_map(n) || (yamldoc_is_seq(n) && cnt == 0))
		return lerr(L, n, "%s: expected a port, a range such as "
		    "1024-65535, $list, a list of these, or {not: …}", key);
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(n) ?
		    yamldoc_seq_at(L->yd, n, i) : n;
		const char *s = yamldoc_scalar(it);

		if (s != NULL && s[0] == '$') {
			const struct asset *a = asset_ref(L, it, s);

			if (a == NULL)
				goto fail;
			if (a->ports == NULL) {
				lerr(L, it, "%s: asset \"%s\" holds no ports",
				    key, s);
				goto fail;
			}
			for (j = 0; j < a->nranges; j++)
				if (pb_add(&pb, a->ports[2 * j],
				    a->ports[2 * j + 1]) != 0) {
					lnomem(L, it);
					goto fail;
				}
			continue;
		}
		if (s != NULL && (rc = port_spec(s, &pb)) == -2) {
			lnomem(L, it);
			goto fail;
		}
		if (s == NULL || rc != 0) {
			lerr(L, it, "%s: bad port \"%s\" (expected "
			    "0..65535 or LOW-HIGH)", key, s ? s : "");
			goto fail;
		}
	}
	if ((pm->ranges = pb_finish(L->rs, &pb, &pm->nranges)) == NULL)
		return lnomem(L, n);
	return 0;
fail:
	free(pb.r);
	return -1;
}

/*
 * Name matchers (tls.sni, dns.query, http.host): exact, *.suffix, $list,
 * {regex: …}; text matchers (uri, user agent, banner): {contains: …},
 * {regex: …}. A list means any of them.
 */
static int
parse_strs(struct loader *L, struct yaml_node_s *n, const char *key,
    int names, struct str_matches *sm)
{
	size_t	i, cnt;

	n = unwrap_not(L, n, &sm->neg);
	cnt = yamldoc_is_seq(n) ? yamldoc_seq_len(n) : 1;
	if (cnt == 0)
		return lerr(L, n, "%s: empty list", key);
	if ((sm->v = own_calloc(L->rs, cnt, sizeof(*sm->v))) == NULL)
		return lnomem(L, n);
	sm->n = cnt;
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s	*it = yamldoc_is_seq(n) ?
					    yamldoc_seq_at(L->yd, n, i) : n;
		struct str_match	*m = &sm->v[i];
		const char		*s = yamldoc_scalar(it);
		struct yaml_node_s	*rn, *cn;
		char			*p;

		if (yamldoc_is_map(it)) {
			rn = yamldoc_get(L->yd, it, "regex");
			cn = yamldoc_get(L->yd, it, "contains");
			if (rn != NULL && yamldoc_scalar(rn) != NULL) {
				m->kind = STRM_REGEX;
				if ((m->re = compile_regex(L, rn, key,
				    yamldoc_scalar(rn), names)) == NULL)
					return -1;
				continue;
			}
			if (cn != NULL && yamldoc_scalar(cn) != NULL &&
			    !names) {
				m->kind = STRM_CONTAINS;
				if ((m->s = own_strdup(L->rs,
				    yamldoc_scalar(cn))) == NULL)
					return lnomem(L, cn);
				m->len = strlen(m->s);
				continue;
			}
			return lerr(L, it, names ? "%s: expected a name, "
			    "*.suffix, $list or {regex: …}" : "%s: expected "
			    "{contains: …} or {regex: …}", key);
		}
		if (s == NULL || *s == '\0')
			return lerr(L, it, "%s: expected a string", key);
		if (!names) {
			m->kind = STRM_CONTAINS;
			if ((m->s = own_strdup(L->rs, s)) == NULL)
				return lnomem(L, it);
			m->len = strlen(s);
			continue;
		}
		if (s[0] == '$') {
			const struct asset *a = asset_ref(L, it, s);

			if (a == NULL)
				return -1;
			if (a->doms == NULL)
				return lerr(L, it, "%s: asset \"%s\" holds no "
				    "domains", key, s);
			m->kind = STRM_DOMSET;
			m->ds = a->doms;
			continue;
		}
		if (strncmp(s, "*.", 2) == 0) {
			m->kind = STRM_SUFFIX;
			s += 1;		/* keep the dot: ".example.com" */
		} else
			m->kind = STRM_EXACT;
		if ((m->s = own_strdup(L->rs, s)) == NULL)
			return lnomem(L, it);
		for (p = m->s; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		m->len = strlen(m->s);
		/*
		 * "example.com." as DNS writes it: one trailing dot dropped,
		 * as in a domain list. Names on the wire have none, so kept
		 * it would silently match nothing; so would "*." or ".".
		 */
		if (m->len > 0 && m->s[m->len - 1] == '.')
			m->s[--m->len] = '\0';
		if (m->len == 0 || (m->kind == STRM_SUFFIX && m->len == 1) ||
		    m->s[m->len - 1] == '.')
			return lerr(L, it, "%s: \"%s\" names no domain",
			    key, yamldoc_scalar(it));
	}
	return 0;
}

/* "1.2", "1.3", "ssl3", "ssl2" → wire version. */
static int
tls_version_value(const char *s, uint16_t *v)
{
	static const struct {
		const char	*name;
		uint16_t	 v;
	} tab[] = {
		{ "1.0", 0x0301 }, { "1.1", 0x0302 }, { "1.2", 0x0303 },
		{ "1.3", 0x0304 }, { "ssl3", 0x0300 }, { "3.0", 0x0300 },
		{ "SSLv3", 0x0300 }, { "ssl2", 0x0002 }, { "2.0", 0x0002 },
		{ "SSLv2", 0x0002 }, { "TLS 1.0", 0x0301 },
		{ "TLS 1.1", 0x0302 }, { "TLS 1.2", 0x0303 },
		{ "TLS 1.3", 0x0304 },
	};
	size_t	i;

	for (i = 0; i < NELEM(tab); i++)
		if (strcmp(s, tab[i].name) == 0) {
			*v = tab[i].v;
			return 0;
		}
	return -1;
}

static int
parse_version(struct loader *L, struct yaml_node_s *n, const char *key,
    uint8_t *op, uint16_t *v)
{
	struct yaml_node_s	*x;
	const char		*s = yamldoc_scalar(n);

	*op = VER_EQ;
	if (yamldoc_is_map(n)) {
		if ((x = yamldoc_get(L->yd, n, "below")) != NULL)
			*op = VER_BELOW;
		else if ((x = yamldoc_get(L->yd, n, "above")) != NULL)
			*op = VER_ABOVE;
		else
			return lerr(L, n, "%s: expected \"1.2\", {below: "
			    "\"1.2\"} or {above: \"1.2\"}", key);
		n = x;
		s = yamldoc_scalar(x);
	}
	if (s == NULL || tls_version_value(s, v) != 0)
		return lerr(L, n, "%s: unknown version \"%s\" (use 1.0, 1.1, "
		    "1.2, 1.3, ssl3 or ssl2)", key, s ? s : "");
	return 0;
}

/* "07:30-17:30" → minutes of the day. */
static int
parse_hhmm_range(const char *s, uint16_t *a, uint16_t *b)
{
	unsigned	h1, m1, h2, m2;
	char		tail;

	if (sscanf(s, "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &tail) != 4 ||
	    h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59 ||
	    (h1 == 24 && m1) || (h2 == 24 && m2))
		return -1;
	*a = (uint16_t)(h1 * 60 + m1);
	*b = (uint16_t)(h2 * 60 + m2);
	return 0;
}

/* "mon-fri", "sat,sun", [mon, tue], "all" → bit 0 = Monday. */
static int
parse_days(struct loader *L, struct yaml_node_s *n, uint8_t *mask)
{
	static const char *const dn[] = { "mon", "tue", "wed", "thu", "fri",
	    "sat", "sun" };
	char	buf[128], *tok, *save = NULL;
	size_t	i, cnt = yamldoc_is_seq(n) ? yamldoc_seq_len(n) : 1;

	*mask = 0;
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(n) ?
		    yamldoc_seq_at(L->yd, n, i) : n;
		const char *s = yamldoc_scalar(it);

		if (s == NULL || strlen(s) >= sizeof(buf))
			return lerr(L, it, "when.days: expected e.g. mon-fri, "
			    "sat,sun or all");
		snprintf(buf, sizeof(buf), "%s", s);
		for (tok = strtok_r(buf, ", ", &save); tok != NULL;
		    tok = strtok_r(NULL, ", ", &save)) {
			char	*dash = strchr(tok, '-');
			int	 a, b, d;

			if (strcmp(tok, "all") == 0) {
				*mask = 0x7f;
				continue;
			}
			if (dash != NULL)
				*dash = '\0';
			a = name_index(tok, dn, 7);
			b = dash ? name_index(dash + 1, dn, 7) : a;
			if (a < 0 || b < 0)
				return lerr(L, it, "when.days: unknown day in "
				    "\"%s\" (mon tue wed thu fri sat sun)", s);
			for (d = a;; d = (d + 1) % 7) {
				*mask |= (uint8_t)(1 << d);
				if (d == b)
					break;
			}
		}
	}
	/* [] or "": no day, so inside never holds and outside always. */
	if (*mask == 0)
		return lerr(L, n, "when.days: names no day (mon-fri, sat,sun "
		    "or all)");
	return 0;
}

static int
parse_when(struct loader *L, struct yaml_node_s *n, struct rule_match *m)
{
	static const char *const keys[] = { "inside", "outside", "days" };
	struct yaml_node_s	*in, *out, *days;
	const char		*s;

	if (check_keys(L, n, "when", keys, NELEM(keys)) != 0)
		return -1;
	in = yamldoc_get(L->yd, n, "inside");
	out = yamldoc_get(L->yd, n, "outside");
	if ((in == NULL) == (out == NULL))
		return lerr(L, n, "when: expected exactly one of inside or "
		    "outside");
	m->when_outside = out != NULL;
	s = yamldoc_scalar(in ? in : out);
	if (s == NULL || parse_hhmm_range(s, &m->when_start, &m->when_end))
		return lerr(L, in ? in : out, "when: expected a time range "
		    "such as \"07:30-17:30\"");
	/* The end minute is excluded: "10:00-10:00" (or "24:00-00:00")
	 * holds no minute, so inside would never match and outside always:
	 * a rule made inert, or plain, without a word. */
	if (m->when_start == m->when_end ||
	    (m->when_start == 24 * 60 && m->when_end == 0))
		return lerr(L, in ? in : out, "when: \"%s\" holds no minute "
		    "(the end is excluded; the whole day is 00:00-24:00)", s);
	m->when_days = 0x7f;
	if ((days = yamldoc_get(L->yd, n, "days")) != NULL &&
	    parse_days(L, days, &m->when_days) != 0)
		return -1;
	return 0;
}

/*
 * What matching across a stream's pieces needs of the regex: JIT code
 * for partial matching, its longest lookbehind (carried before a
 * partial match), and whether it is a partial match at the start of an
 * empty subject (pmatch.c: when a piece's last byte matters).
 */
static int
payload_stream_info(struct loader *L, struct yaml_node_s *n,
    struct rule_match *m)
{
	pcre2_match_data	*md;
	uint32_t		 lb = 0;

	if (getenv("CANHGAC_NO_JIT") == NULL)
		(void)pcre2_jit_compile(m->payload_re, PCRE2_JIT_COMPLETE |
		    PCRE2_JIT_PARTIAL_HARD);
	(void)pcre2_pattern_info(m->payload_re, PCRE2_INFO_MAXLOOKBEHIND, &lb);
	m->payload_lb = (uint16_t)(lb < PMATCH_CARRY / 2 ? lb :
	    PMATCH_CARRY / 2);
	if ((md = pcre2_match_data_create_from_pattern(m->payload_re,
	    NULL)) == NULL)
		return lerr(L, n, "payload: out of memory");
	m->payload_empty = pcre2_match(m->payload_re, (PCRE2_SPTR)"", 0, 0,
	    PCRE2_PARTIAL_HARD, md, NULL) == PCRE2_ERROR_PARTIAL;
	pcre2_match_data_free(md);
	return 0;
}

static int
parse_payload(struct loader *L, struct yaml_node_s *n, struct rule_match *m)
{
	static const char *const keys[] = { "regex", "min_count", "max_bytes" };
	struct yaml_node_s	*rn, *x;
	unsigned long long	 v;

	if (check_keys(L, n, "payload", keys, NELEM(keys)) != 0)
		return -1;
	rn = yamldoc_get(L->yd, n, "regex");
	if (yamldoc_scalar(rn) == NULL)
		return lerr(L, rn ? rn : n, "payload: expected {regex: …}");
	if ((m->payload_re = compile_regex(L, rn, "payload",
	    yamldoc_scalar(rn), 0)) == NULL)
		return -1;
	m->payload_min = 1;
	m->payload_max = APP_INSPECT_MAX;
	if ((x = yamldoc_get(L->yd, n, "min_count")) != NULL) {
		if (parse_uint(yamldoc_scalar(x), 10000, &v) != 0 || v == 0)
			return lerr(L, x, "payload.min_count: expected 1..10000");
		m->payload_min = (uint32_t)v;
	}
	if ((x = yamldoc_get(L->yd, n, "max_bytes")) != NULL) {
		if (parse_uint(yamldoc_scalar(x), 1 << 20, &v) != 0 || v == 0)
			return lerr(L, x, "payload.max_bytes: expected 1..1048576");
		m->payload_max = (uint32_t)v;
	}
	return payload_stream_info(L, n, m);
}

static int
parse_app(struct loader *L, struct yaml_node_s *n, struct rule_match *m)
{
	size_t	i, cnt;
	int	a;

	n = unwrap_not(L, n, &m->app_neg);
	cnt = yamldoc_is_seq(n) ? yamldoc_seq_len(n) : 1;
	/* Any of none: the rule could never match (or, negated, would
	 * always), without a word. */
	if (cnt == 0)
		return lerr(L, n, "app: empty list");
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(n) ?
		    yamldoc_seq_at(L->yd, n, i) : n;
		const char *s = yamldoc_scalar(it);

		for (a = 0; a < APP_MAX; a++)
			if (s != NULL && strcmp(s, app_proto_name(
			    (enum app_proto)a)) == 0)
				break;
		if (a == APP_MAX)
			return lerr(L, it, "app: unknown protocol \"%s\" (tls, "
			    "dns, http, ssh, telnet, ftp, smtp, pop3, imap, "
			    "snmp, quic, unknown)", s ? s : "");
		m->app_mask |= (uint16_t)(1 << a);
	}
	return 0;
}

static int
parse_icmp(struct loader *L, struct yaml_node_s *n, const char *key,
    uint8_t *bits)
{
	size_t			i, cnt = yamldoc_is_seq(n) ? yamldoc_seq_len(n) : 1;
	unsigned long long	v;

	if (cnt == 0)
		return lerr(L, n, "%s: empty list", key);
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(n) ?
		    yamldoc_seq_at(L->yd, n, i) : n;

		if (parse_uint(yamldoc_scalar(it), 255, &v) != 0)
			return lerr(L, it, "%s: expected 0..255 or a list",
			    key);
		bits[v >> 3] |= (uint8_t)(1 << (v & 7));
	}
	return 0;
}

/* tcp_flags: letters S A F R P U; ACK unlisted means ACK clear. */
static int
parse_flags(struct loader *L, struct yaml_node_s *n, struct rule_match *m)
{
	const char	*s = yamldoc_scalar(n), *p;
	int		 clear = 0;

	/* Empty, or '!' alone, would read as "ACK clear" and nothing else:
	 * most likely a value left out, not what was meant. */
	if (s == NULL || *s == '\0' || strcmp(s, "!") == 0)
		return lerr(L, n, "tcp_flags: expected letters of SAFRPU, "
		    "or 0 for none");
	if (strcmp(s, "0") == 0) {
		m->flags_clear = 0x3f;
		return 0;
	}
	/* Letters after '!' must be clear: "F!PU" is FIN without PSH/URG. */
	for (p = s; *p; p++) {
		uint8_t *dst = clear ? &m->flags_clear : &m->flags_set;

		switch (*p) {
		case '!':
			if (clear)
				return lerr(L, n, "tcp_flags: only one '!' in "
				    "\"%s\"", s);
			clear = 1;
			break;
		case 'S': *dst |= TH_SYN; break;
		case 'A': *dst |= TH_ACK; break;
		case 'F': *dst |= TH_FIN; break;
		case 'R': *dst |= TH_RST; break;
		case 'P': *dst |= TH_PUSH; break;
		case 'U': *dst |= TH_URG; break;
		default:
			return lerr(L, n, "tcp_flags: unknown flag '%c' in "
			    "\"%s\" (letters S A F R P U, then ! and the "
			    "letters that must be clear)", *p, s);
		}
	}
	if (m->flags_set & m->flags_clear)
		return lerr(L, n, "tcp_flags: a flag both set and clear in "
		    "\"%s\"", s);
	if (!(m->flags_set & TH_ACK))
		m->flags_clear |= TH_ACK;
	return 0;
}

/* Value testers: nothing here allocates. */

/* Is port p in the sorted, disjoint ranges of pm? */
static inline int
port_in(const struct port_match *pm, unsigned p)
{
	const uint16_t	*r = pm->ranges;
	uint32_t	 lo = 0, hi = pm->nranges, mid;

	/* Most lists are one port or one range: no search. */
	if (hi == 1)
		return p - r[0] <= (unsigned)(r[1] - r[0]);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p < r[2 * mid])
			hi = mid;
		else if (p > r[2 * mid + 1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* The host cache's entry for address a, taken over if another's. */
static struct aset_host *
aset_host(struct rules_state *ws, int ipver, const uint8_t *a)
{
	struct aset_host	*h;
	uint64_t		 x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	x = (x ^ (y * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ipver) *
	    0xff51afd7ed558ccdULL;
	h = &ws->ahosts[(x >> 40) & (ASET_HOSTS - 1)];
	if (h->ipver != ipver || memcmp(h->addr, a, 16) != 0) {
		memcpy(h->addr, a, 16);
		h->ipver = (uint8_t)ipver;
		h->known = h->in = 0;
	}
	return h;
}

/*
 * Is the packet's source (dst 0) or destination (dst 1) in one set?
 * With a flow and a cache slot the answer is learnt once per flow side,
 * and the side takes over what its address is known to be in (the host
 * cache). The flow is the packet's own, which the caller may change: the
 * caches are written through the const match context on purpose.
 */
static int
set_has(struct rules_state *ws, const struct match_ctx *c,
    const struct addr_match *am, int k, int dst)
{
	struct flow		*f = (struct flow *)(uintptr_t)c->flow;
	const uint8_t		*a = dst ? c->dst : c->src;
	struct aset_host	*h;
	uint32_t		 bit;
	int			 side;

	if (f == NULL || am->slot[k] < 0)
		return ipset_contains(am->sets[k], c->ipver, a);
	flow_cache_check(ws->rs, f);
	side = (dst ^ c->dir) & 1;	/* dir 0: the source is the client */
	bit = 1U << am->slot[k];
	if (f->aset_known[side] & bit)
		return (f->aset_in[side] & bit) != 0;
	h = aset_host(ws, c->ipver, a);
	if (!(h->known & bit)) {
		h->known |= bit;
		if (ipset_contains(am->sets[k], c->ipver, a))
			h->in |= bit;
	}
	f->aset_known[side] |= h->known;
	f->aset_in[side] |= h->in;
	return (h->in & bit) != 0;
}

/* The sets not yet learnt for this flow side (kept out of line so the
 * cached answer below costs no register spills). */
static __attribute__((noinline)) int
addr_in_slow(struct rules_state *ws, const struct addr_match *am,
    const struct match_ctx *c, int dst)
{
	int	i, hit = 0;

	for (i = 0; i < am->nsets && !hit; i++)
		hit = set_has(ws, c, am, i, dst);
	return hit != am->neg;
}

static inline int
addr_in(struct rules_state *ws, const struct addr_match *am,
    const struct match_ctx *c, int dst)
{
	const struct flow	*f = c->flow;
	int			 side = (dst ^ c->dir) & 1;

	if (c->ipver == 0 || (dst ? c->dst : c->src) == NULL)
		return 0;
	/* Fast path: one set already known to hold the address, or every
	 * set's answer learnt (addr_in_slow stops at the first hit, so the
	 * later sets of a hit may never be learnt). */
	if (f != NULL && am->slot_mask != 0 && f->aset_gen == ws->rs->gen) {
		if ((f->aset_in[side] & am->slot_mask) != 0)
			return !am->neg;
		if ((f->aset_known[side] & am->slot_mask) == am->slot_mask)
			return am->neg;
	}
	return addr_in_slow(ws, am, c, dst);
}

static int
regex_hit(struct rules_state *ws, const struct rule_match *m, void *re,
    const char *s, size_t len)
{
	int	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, ws->match_data,
		    ws->rs->match_ctx);

	if (rc < 0 && rules_regex_gave_up(rc))
		rules_regex_charge(ws, m);
	return rc >= 0;
}

/* Names compare case-insensitively; the patterns are stored lowercase. */
static int
str_hit(struct rules_state *ws, const struct rule_match *rm,
    const struct str_matches *sm, const char *s)
{
	size_t	i, len = strlen(s), nlen = len;
	int	hit = 0;

	/* "evil.example." is the same name (a Host header may carry the
	 * dot, and servers take it): exact and suffix names ignore one, as
	 * a domain list does, or the dot would slip past them. */
	if (nlen > 1 && s[nlen - 1] == '.')
		nlen--;
	for (i = 0; i < sm->n && !hit; i++) {
		const struct str_match *m = &sm->v[i];

		switch (m->kind) {
		case STRM_EXACT:
			hit = nlen == m->len &&
			    strncasecmp(s, m->s, nlen) == 0;
			break;
		case STRM_SUFFIX:
			hit = nlen > m->len && strncasecmp(s + nlen - m->len,
			    m->s, m->len) == 0;
			break;
		case STRM_DOMSET:
			hit = domset_match(m->ds, s);
			break;
		case STRM_REGEX:
			hit = regex_hit(ws, rm, m->re, s, len);
			break;
		case STRM_CONTAINS:
			hit = memmem(s, len, m->s, m->len) != NULL;
			break;
		}
	}
	return hit != sm->neg;
}

static int
version_ok(uint8_t op, uint16_t want, uint16_t have)
{
	if (have == 0)
		return 0;
	switch (op) {
	case VER_BELOW: return have < want;
	case VER_ABOVE: return have > want;
	}
	return have == want;
}

/* Time-of-day window in the sensor's zone, on packet time. */
static int
when_ok(const struct rule_match *m, uint64_t ts, int utc_offset)
{
	int64_t		local = (int64_t)(ts / 1000000) + utc_offset;
	int64_t		days = local >= 0 ? local / 86400 :
			    (local - 86399) / 86400;
	unsigned	minute = (unsigned)((local - days * 86400) / 60);
	unsigned	wday = (unsigned)(((days % 7) + 7 + 3) % 7); /* Mon 0 */
	int		in_time, inside;

	if (m->when_start <= m->when_end)
		in_time = minute >= m->when_start && minute < m->when_end;
	else
		in_time = minute >= m->when_start || minute < m->when_end;
	inside = in_time && ((m->when_days >> wday) & 1);
	return m->when_outside ? !inside : inside;
}

/*
 * Count regex matches in the first bytes of this direction: over the
 * pieces of a TCP stream (pmatch.c), or in this payload alone.
 */
static int
payload_ok(struct rules_state *ws, const struct rule_match *m,
    const struct match_ctx *c)
{
	const struct packet	*pkt = c->pkt;
	struct flow		*f = (struct flow *)(uintptr_t)c->flow;
	PCRE2_SIZE		*ov;
	size_t			 off = 0, len, start;
	uint32_t		 hits = 0;

	if (pkt == NULL || (pkt->payload_len == 0 && !c->pm_end))
		return 0;
	if (f != NULL && app_encrypted(f))
		return 0;
	len = pkt->payload_len;
	/* Offset of this segment in its direction (0 for datagrams). */
	start = 0;
	if (f != NULL && f->proto == PROTO_TCP)
		start = f->inspected[c->dir] >= len ?
		    f->inspected[c->dir] - len : 0;
	if (start >= m->payload_max)
		return 0;
	if (len > m->payload_max - start)
		len = m->payload_max - start;
	if (c->pm != NULL && f != NULL) {
		struct pmatch_rule	pr = { m, m->payload_re, m->payload_min,
		    m->payload_lb, m->payload_empty };
		int			rc = pmatch_scan(c->pm, f, c->dir, ws->rs->gen,
		    &pr, pkt->payload, len, !c->pm_end &&
		    start + len < m->payload_max,
		    ws->match_data, ws->rs->match_ctx);

		if (rc < 0 && rules_regex_gave_up(rc))
			rules_regex_charge(ws, m);
		return rc == 1;
	}
	ov = pcre2_get_ovector_pointer(ws->match_data);
	while (off < len && hits < m->payload_min) {
		int rc = pcre2_match(m->payload_re, pkt->payload, len, off, 0,
		    ws->match_data, ws->rs->match_ctx);

		if (rc < 0) {
			if (rules_regex_gave_up(rc))
				rules_regex_charge(ws, m);
			break;
		}
		hits++;
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return hits >= m->payload_min;
}

/* The SSH banner line as it was sent: SSH-2.0-software comments. */
static void
ssh_banner(const struct app_ssh *s, char *buf, size_t len)
{
	snprintf(buf, len, "SSH-%s-%s%s%s", s->proto_version, s->software,
	    s->comments[0] ? " " : "", s->comments);
}

/*
 * The keywords' parsers: v is the value node; the caller has set the
 * keyword's bit in m->keys.
 */
#define KW_PARSE(name) static int name(struct loader *L, \
    struct yaml_node_s *v, const char *key, struct rule_match *m)

KW_PARSE(p_proto)
{
	static const char *const pn[] = { "ip", "tcp", "udp", "icmp",
	    "icmpv6" };
	static const uint8_t pv[] = { 0, PROTO_TCP, PROTO_UDP, PROTO_ICMP,
	    PROTO_ICMPV6 };
	const char	*s = yamldoc_scalar(v);
	int		 x;

	(void)key;
	if (s == NULL || (x = name_index(s, pn, 5)) < 0)
		return lerr(L, v, "proto: expected tcp, udp, icmp, icmpv6 or "
		    "ip");
	m->proto = pv[x];
	if (m->proto == 0)		/* ip: any protocol, nothing to test */
		m->keys &= ~M_PROTO;
	return 0;
}

KW_PARSE(p_src)
{
	return parse_addr(L, v, key, &m->src);
}

KW_PARSE(p_dst)
{
	return parse_addr(L, v, key, &m->dst);
}

KW_PARSE(p_ip)
{
	return parse_addr(L, v, key, &m->ip);
}

KW_PARSE(p_src_port)
{
	return parse_ports(L, v, key, &m->sport);
}

KW_PARSE(p_dst_port)
{
	return parse_ports(L, v, key, &m->dport);
}

KW_PARSE(p_port)
{
	return parse_ports(L, v, key, &m->port);
}

KW_PARSE(p_tcp_flags)
{
	(void)key;
	return parse_flags(L, v, m);
}

KW_PARSE(p_icmp_type)
{
	return parse_icmp(L, v, key, m->icmp_type);
}

KW_PARSE(p_icmp_code)
{
	return parse_icmp(L, v, key, m->icmp_code);
}

KW_PARSE(p_direction)
{
	const char	*s = yamldoc_scalar(v);

	(void)key;
	if (s != NULL && strcmp(s, "to_server") == 0)
		m->direction = 0;
	else if (s != NULL && strcmp(s, "to_client") == 0)
		m->direction = 1;
	else
		return lerr(L, v, "direction: expected to_server or to_client");
	return 0;
}

KW_PARSE(p_event)
{
	const char	*s = yamldoc_scalar(v);
	int		 x;

	(void)key;
	if (s == NULL || (x = name_index(s, event_names, REV_MAX)) < 0)
		return lerr(L, v, "event: expected packet, flow_start, "
		    "flow_established, flow_end, sensor, host_new, service_new "
		    "or arp_change");
	m->event = (uint8_t)x;
	return 0;
}

KW_PARSE(p_app)
{
	(void)key;
	return parse_app(L, v, m);
}

KW_PARSE(p_tls_version)
{
	return parse_version(L, v, key, &m->tls_op, &m->tls_ver);
}

KW_PARSE(p_tls_negotiated)
{
	return parse_version(L, v, key, &m->neg_op, &m->neg_ver);
}

KW_PARSE(p_tls_sni)
{
	return parse_strs(L, v, key, 1, &m->sni);
}

KW_PARSE(p_dns_query)
{
	return parse_strs(L, v, key, 1, &m->query);
}

KW_PARSE(p_http_host)
{
	return parse_strs(L, v, key, 1, &m->host);
}

KW_PARSE(p_http_uri)
{
	return parse_strs(L, v, key, 0, &m->uri);
}

KW_PARSE(p_http_user_agent)
{
	return parse_strs(L, v, key, 0, &m->ua);
}

KW_PARSE(p_ssh_banner)
{
	return parse_strs(L, v, key, 0, &m->banner);
}

/* true or false. */
static int
parse_bool(struct loader *L, struct yaml_node_s *v, const char *key,
    uint8_t *out)
{
	const char	*s = yamldoc_scalar(v);

	if (s == NULL || (strcmp(s, "true") != 0 && strcmp(s, "false") != 0))
		return lerr(L, v, "%s: expected true or false", key);
	*out = strcmp(s, "true") == 0;
	return 0;
}

/*
 * Fingerprints of one kind: a $list of that kind, the values themselves
 * (one or a list), or {not: …} of either.
 */
static int
parse_tokens(struct loader *L, struct yaml_node_s *n, const char *key,
    enum tok_kind kind, const struct tokset **out, uint8_t *neg)
{
	struct tokset	*t;
	size_t		 i, cnt;
	const char	*s;
	char		 e[256];

	n = unwrap_not(L, n, neg);
	s = yamldoc_scalar(n);
	if (s != NULL && s[0] == '$') {
		const struct asset *a = asset_ref(L, n, s);

		if (a == NULL)
			return -1;
		if (a->toks == NULL || a->toks->kind != kind)
			return lerr(L, n, "%s: asset \"%s\" is not a list of "
			    "%s fingerprints (a file with type: %s)", key, s,
			    tok_kind_name(kind), tok_kind_name(kind));
		*out = a->toks;
		return 0;
	}
	cnt = yamldoc_is_seq(n) ? yamldoc_seq_len(n) : 1;
	if (yamldoc_is_map(n) || cnt == 0)
		return lerr(L, n, "%s: expected a $list, a %s value or a list "
		    "of them", key, tok_kind_name(kind));
	if ((t = own_calloc(L->rs, 1, sizeof(*t))) == NULL)
		return lnomem(L, n);
	t->kind = kind;
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(n) ?
		    yamldoc_seq_at(L->yd, n, i) : n;

		s = yamldoc_scalar(it);
		if (s == NULL || tokset_add(t, s, e, sizeof(e)) != 0) {
			if (t->v != NULL && own(L->rs, t->v) == NULL)
				t->v = NULL;
			return lerr(L, it, "%s: %s", key, s ? e :
			    "expected a string");
		}
	}
	tokset_seal(t);
	if (t->v != NULL && own(L->rs, t->v) == NULL) {
		t->v = NULL;
		t->n = 0;
		return lnomem(L, n);
	}
	*out = t;
	return 0;
}

KW_PARSE(p_tls_ja3)
{
	return parse_tokens(L, v, key, TOK_JA3, &m->ja3, &m->ja3_neg);
}

KW_PARSE(p_tls_ja4)
{
	return parse_tokens(L, v, key, TOK_JA4, &m->ja4, &m->ja4_neg);
}

/* Suites by number (0xc011, 49169) or named set (weak, rc4 …), {not: …}. */
KW_PARSE(p_tls_cipher)
{
	uint8_t			*bits;
	size_t			 i, cnt;
	unsigned long long	 x;

	v = unwrap_not(L, v, &m->cipher_neg);
	cnt = yamldoc_is_seq(v) ? yamldoc_seq_len(v) : 1;
	if (yamldoc_is_map(v) || cnt == 0)
		return lerr(L, v, "%s: expected a suite (0xc011), a set (weak, "
		    "null, export, rc4, des, anon) or a list of them", key);
	if ((bits = own_calloc(L->rs, 8192, 1)) == NULL)
		return lnomem(L, v);
	m->ciphers = bits;
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(v) ?
		    yamldoc_seq_at(L->yd, v, i) : v;
		const char *s = yamldoc_scalar(it);

		if (s != NULL && app_tls_cipher_set(s, bits) == 0)
			continue;
		if (s != NULL && strncmp(s, "0x", 2) == 0 &&
		    strlen(s) <= 6 && s[2] != '\0' &&
		    strspn(s + 2, "0123456789abcdefABCDEF") == strlen(s + 2))
			x = strtoull(s + 2, NULL, 16);
		else if (s == NULL || parse_uint(s, 65535, &x) != 0)
			return lerr(L, it, "%s: unknown suite \"%s\" (a number "
			    "like 0xc011, or weak, null, export, rc4, des, "
			    "anon)", key, s ? s : "");
		bits[x >> 3] |= (uint8_t)(1U << (x & 7));
	}
	return 0;
}

/* A name or a list of names (or {not: …} when neg is given). */
static int
parse_names(struct loader *L, struct yaml_node_s *x, const char *key,
    const char *example, char ***out, size_t *nout, uint8_t *neg)
{
	size_t	j, cnt;

	if (neg != NULL)
		x = unwrap_not(L, x, neg);
	cnt = yamldoc_is_seq(x) ? yamldoc_seq_len(x) : 1;
	if (yamldoc_is_map(x) || cnt == 0)
		return lerr(L, x, "%s: expected a name (%s) or a list of names",
		    key, example);
	if ((*out = own_calloc(L->rs, cnt, sizeof(**out))) == NULL)
		return lnomem(L, x);
	*nout = cnt;
	for (j = 0; j < cnt; j++) {
		struct yaml_node_s *it = yamldoc_is_seq(x) ?
		    yamldoc_seq_at(L->yd, x, j) : x;
		const char *s = yamldoc_scalar(it);

		if (s == NULL || *s == '\0')
			return lerr(L, it, "%s: expected a name", key);
		if (((*out)[j] = own_strdup(L->rs, s)) == NULL)
			return lnomem(L, it);
	}
	return 0;
}

/*
 * tls.cert: a mapping of conditions on the server's certificate, all of
 * which must hold.
 */
KW_PARSE(p_tls_cert)
{
	static const char *const keys[] = { "expired", "not_yet_valid",
	    "self_signed", "key_bits_below", "key_type",
	    "signature_algorithm", "fingerprint", "sni_mismatch" };
	struct cert_match	*cm = &m->cert;
	struct yaml_node_s	*k, *x;
	unsigned long long	 bits;
	size_t			 i = 0;

	if (!yamldoc_is_map(v) || check_keys(L, v, key, keys,
	    NELEM(keys)) != 0)
		return yamldoc_is_map(v) ? -1 : lerr(L, v, "%s: expected a "
		    "mapping of expired, not_yet_valid, self_signed, "
		    "key_bits_below, key_type, signature_algorithm, "
		    "fingerprint, sni_mismatch", key);
	while (yamldoc_map_next(L->yd, v, &i, &k, &x)) {
		const char *kn = yamldoc_scalar(k);

		if (strcmp(kn, "expired") == 0) {
			cm->want |= CM_EXPIRED;
			if (parse_bool(L, x, kn, &cm->expired) != 0)
				return -1;
		} else if (strcmp(kn, "not_yet_valid") == 0) {
			cm->want |= CM_NOT_YET;
			if (parse_bool(L, x, kn, &cm->not_yet) != 0)
				return -1;
		} else if (strcmp(kn, "self_signed") == 0) {
			cm->want |= CM_SELF_SIGNED;
			if (parse_bool(L, x, kn, &cm->self_signed) != 0)
				return -1;
		} else if (strcmp(kn, "sni_mismatch") == 0) {
			cm->want |= CM_SNI;
			if (parse_bool(L, x, kn, &cm->sni_mismatch) != 0)
				return -1;
		} else if (strcmp(kn, "key_bits_below") == 0) {
			cm->want |= CM_KEY_BITS;
			if (yamldoc_scalar(x) == NULL || parse_uint(
			    yamldoc_scalar(x), 65536, &bits) != 0 || bits == 0)
				return lerr(L, x, "%s.key_bits_below: expected "
				    "a number of bits, 1..65536", key);
			cm->key_bits_below = (uint32_t)bits;
		} else if (strcmp(kn, "fingerprint") == 0) {
			cm->want |= CM_FP;
			if (parse_tokens(L, x, "tls.cert.fingerprint",
			    TOK_SHA256, &cm->fp, &cm->fp_neg) != 0)
				return -1;
		} else if (strcmp(kn, "key_type") == 0) {
			cm->want |= CM_KEY_TYPE;
			if (parse_names(L, x, "tls.cert.key_type", "RSA",
			    &cm->key_types, &cm->nkey_types, NULL) != 0)
				return -1;
		} else {
			cm->want |= CM_SIG_ALG;
			if (parse_names(L, x, "tls.cert.signature_algorithm",
			    "sha1WithRSAEncryption", &cm->sig_algs,
			    &cm->nsig_algs, &cm->sig_neg) != 0)
				return -1;
		}
	}
	if (cm->want == 0)
		return lerr(L, v, "%s: empty mapping", key);
	return 0;
}

KW_PARSE(p_payload)
{
	(void)key;
	return parse_payload(L, v, m);
}

KW_PARSE(p_when)
{
	(void)key;
	return parse_when(L, v, m);
}

/* A reason, any, a list of reasons, or {not: …}. */
KW_PARSE(p_decode_error)
{
	struct yaml_node_s	*dv;
	size_t			 j, cnt;
	int			 x;

	(void)key;
	dv = unwrap_not(L, v, &m->decode_neg);
	cnt = yamldoc_is_seq(dv) ? yamldoc_seq_len(dv) : 1;
	if (cnt == 0)
		return lerr(L, dv, "decode_error: empty list");
	for (j = 0; j < cnt; j++) {
		struct yaml_node_s *it = yamldoc_is_seq(dv) ?
		    yamldoc_seq_at(L->yd, dv, j) : dv;
		const char *t = yamldoc_scalar(it);

		if (t != NULL && strcmp(t, "any") == 0) {
			m->decode_mask |= ~1ULL;
			continue;
		}
		for (x = 1; x < DE_MAX; x++)
			if (t != NULL && strcmp(t,
			    decode_err_name((enum decode_err)x)) == 0)
				break;
		if (x == DE_MAX)
			return lerr(L, it, "decode_error: unknown reason \"%s\" "
			    "(e.g. any, tcp_bad_flags, ipv4_truncated)",
			    t ? t : "");
		m->decode_mask |= 1ULL << x;
	}
	return 0;
}

/* Names of a list value into bits: one name or a list of them. */
static int
parse_name_bits(struct loader *L, struct yaml_node_s *v,
    const char *const *names, const uint16_t *bits, size_t n,
    const char *expected, uint16_t *out)
{
	size_t	j, cnt = yamldoc_is_seq(v) ? yamldoc_seq_len(v) : 1;
	int	x;

	if (cnt == 0)
		return lerr(L, v, "%s (an empty list names none)", expected);
	for (j = 0; j < cnt; j++) {
		struct yaml_node_s *it = yamldoc_is_seq(v) ?
		    yamldoc_seq_at(L->yd, v, j) : v;
		const char *t = yamldoc_scalar(it);

		if (t == NULL || (x = name_index(t, names, n)) < 0)
			return lerr(L, it, "%s", expected);
		*out |= bits[x];
	}
	return 0;
}

KW_PARSE(p_plaintext)
{
	static const char *const pn[] = { "user", "password", "auth",
	    "community" };
	static const uint16_t pv[] = { PLAIN_USER, PLAIN_PASS, PLAIN_AUTH,
	    PLAIN_COMMUNITY };
	uint16_t	b = m->plain;
	int		rc;

	(void)key;
	rc = parse_name_bits(L, v, pn, pv, NELEM(pn), "plaintext: expected "
	    "user, password, auth or community", &b);
	m->plain = (uint8_t)b;
	return rc;
}

KW_PARSE(p_sensor_event)
{
#define X(bit, name) name,
	static const char *const sn[] = { SENSOR_EVENTS(X) };
#undef X
#define X(bit, name) bit,
	static const uint16_t sv[] = { SENSOR_EVENTS(X) };
#undef X
#define X(bit, name) " " name
	static const char msg[] = "sensor_event: expected one of" SENSOR_EVENTS(X);
#undef X

	(void)key;
	return parse_name_bits(L, v, sn, sv, NELEM(sn), msg, &m->sensor);
}

/* service: $asset of approved services (type: service), or {not: …}. */
KW_PARSE(p_service)
{
	const char		*s;
	const struct asset	*a;

	v = unwrap_not(L, v, &m->svc_neg);
	s = yamldoc_scalar(v);
	if (s == NULL || s[0] != '$')
		return lerr(L, v, "%s: expected $list of services (a list file "
		    "of IP PORT/PROTO lines), or {not: …}", key);
	if ((a = asset_ref(L, v, s)) == NULL)
		return -1;
	if (a->svcs == NULL)
		return lerr(L, v, "%s: asset \"%s\" holds no services (a list "
		    "file of IP PORT/PROTO lines)", key, s);
	m->svc = a->svcs;
	return 0;
}

KW_PARSE(p_dhcp_type)
{
	static const char *const dn[] = { "discover", "offer", "request",
	    "decline", "ack", "nak", "release", "inform" };
	static const uint16_t dv[] = { 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4,
	    1 << 5, 1 << 6, 1 << 7 };	/* message type - 1 */
	uint16_t	b = m->dhcp_types;
	int		rc;

	(void)key;
	v = unwrap_not(L, v, &m->dhcp_neg);
	rc = parse_name_bits(L, v, dn, dv, NELEM(dn), "dhcp.type: expected "
	    "discover, offer, request, decline, ack, nak, release or inform",
	    &b);
	m->dhcp_types = (uint8_t)b;
	return rc;
}

KW_PARSE(p_dhcp_server)
{
	return parse_addr(L, v, key, &m->dhcp_server);
}

/*
 * The keywords' testers: does the event satisfy this key of m? The
 * per-flow ones may be answered once per flow side (rules_match.c);
 * those of record keys run only with a record (rules_match_ok).
 */
#define KW_MATCH(name) static int name(struct rules_state *ws, \
    const struct rule_match *m, const struct match_ctx *c)

KW_MATCH(m_proto)
{
	(void)ws;
	return m->proto == c->proto;
}

KW_MATCH(m_dst_port)
{
	(void)ws;
	return port_in(&m->dport, c->dport) != m->dport.neg;
}

KW_MATCH(m_src_port)
{
	(void)ws;
	return port_in(&m->sport, c->sport) != m->sport.neg;
}

KW_MATCH(m_port)
{
	(void)ws;
	return (port_in(&m->port, c->sport) || port_in(&m->port, c->dport)) !=
	    m->port.neg;
}

KW_MATCH(m_direction)
{
	(void)ws;
	return m->direction == c->dir;
}

KW_MATCH(m_src)
{
	return addr_in(ws, &m->src, c, 0);
}

KW_MATCH(m_dst)
{
	return addr_in(ws, &m->dst, c, 1);
}

KW_MATCH(m_ip)
{
	return addr_in(ws, &m->ip, c, 0) || addr_in(ws, &m->ip, c, 1);
}

KW_MATCH(m_tcp_flags)
{
	const struct packet	*pkt = c->pkt;

	(void)ws;
	return pkt != NULL && c->proto == PROTO_TCP &&
	    (pkt->tcp_flags & m->flags_set) == m->flags_set &&
	    (pkt->tcp_flags & m->flags_clear) == 0;
}

static int
icmp_ok(const uint8_t *bits, const struct match_ctx *c, unsigned v)
{
	return c->pkt != NULL && (c->proto == PROTO_ICMP ||
	    c->proto == PROTO_ICMPV6) && bit_test(bits, v);
}

KW_MATCH(m_icmp_type)
{
	(void)ws;
	return icmp_ok(m->icmp_type, c, c->pkt ? c->pkt->icmp_type : 0);
}

KW_MATCH(m_icmp_code)
{
	(void)ws;
	return icmp_ok(m->icmp_code, c, c->pkt ? c->pkt->icmp_code : 0);
}

KW_MATCH(m_decode_error)
{
	const struct packet	*pkt = c->pkt;

	(void)ws;
	return pkt != NULL && pkt->err != DE_NONE &&
	    !!(m->decode_mask & (1ULL << pkt->err)) != m->decode_neg;
}

KW_MATCH(m_sensor_event)
{
	(void)ws;
	return (c->sensor_event & m->sensor) != 0;
}

static int
app_ok(const struct rule_match *m, unsigned ap)
{
	return !!(m->app_mask & (1U << ap)) != m->app_neg;
}

KW_MATCH(m_app)
{
	(void)ws;
	return app_ok(m, c->flow != NULL ? c->flow->app_proto : APP_UNKNOWN);
}

KW_MATCH(m_tls_version)
{
	const struct app_result	*app = c->app;

	(void)ws;
	return version_ok(m->tls_op, m->tls_ver, app->have == APPR_TLS_CH ?
	    app->tls.max_version : (c->flow ? c->flow->tls_offered : 0));
}

KW_MATCH(m_tls_negotiated)
{
	const struct app_result	*app = c->app;

	(void)ws;
	return app->have == APPR_TLS_SH && version_ok(m->neg_op, m->neg_ver,
	    app->tls.server_version);
}

KW_MATCH(m_tls_sni)
{
	return (c->app->have == APPR_TLS_CH || c->app->have ==
	    APPR_TLS_CERT) && str_hit(ws, m, &m->sni, c->app->tls.sni);
}

KW_MATCH(m_dns_query)
{
	return c->app->have == APPR_DNS && c->app->dns.qdcount != 0 &&
	    str_hit(ws, m, &m->query, c->app->dns.qname);
}

KW_MATCH(m_http_host)
{
	return c->app->have == APPR_HTTP && str_hit(ws, m, &m->host,
	    c->app->http.host);
}

KW_MATCH(m_http_uri)
{
	return c->app->have == APPR_HTTP && str_hit(ws, m, &m->uri,
	    c->app->http.uri);
}

KW_MATCH(m_http_user_agent)
{
	return c->app->have == APPR_HTTP && str_hit(ws, m, &m->ua,
	    c->app->http.user_agent);
}

KW_MATCH(m_ssh_banner)
{
	char	b[300];

	if (c->app->have != APPR_SSH)
		return 0;
	ssh_banner(&c->app->ssh, b, sizeof(b));
	return str_hit(ws, m, &m->banner, b);
}

/* A list of plaintext items means any of them. */
KW_MATCH(m_plaintext)
{
	(void)ws;
	return c->app->have == APPR_PLAIN && (c->app->plain.seen & m->plain);
}

/* The event's server side (dst, dst_port, proto) is one of the services. */
KW_MATCH(m_service)
{
	(void)ws;
	return c->ipver != 0 && c->dst != NULL && svclist_has(m->svc,
	    c->ipver, c->dst, c->dport, c->proto) != m->svc_neg;
}

KW_MATCH(m_dhcp_type)
{
	uint8_t	t = c->app->dhcp.msg_type;

	(void)ws;
	return c->app->have == APPR_DHCP && t >= 1 && t <= 8 &&
	    !!(m->dhcp_types & (1U << (t - 1))) != m->dhcp_neg;
}

/* Is a in one of the match's sets? */
static int
dhcp_addr_in(const struct addr_match *am, const uint8_t *a)
{
	int	i;

	for (i = 0; i < am->nsets; i++)
		if (ipset_contains(am->sets[i], 4, a))
			return 1;
	return 0;
}

/*
 * The server: its identifier (option 54), else the sender's address.
 * A server's reply not relayed (giaddr 0) is sent by the server itself,
 * so the sender is the server too: approved only if both are. A rogue
 * server quoting the approved server's identifier from its own address
 * is outside; a relayed reply's sender is the relay agent.
 */
KW_MATCH(m_dhcp_server)
{
	static const uint8_t	 zero[4];
	const struct app_dhcp	*d = &c->app->dhcp;
	const struct addr_match	*am = &m->dhcp_server;
	int			 hit;

	(void)ws;
	if (c->app->have != APPR_DHCP)
		return 0;
	if (!d->has_server)
		hit = c->ipver == 4 && c->src != NULL && dhcp_addr_in(am, c->src);
	else {
		hit = dhcp_addr_in(am, d->server);
		if (hit && d->op == 2 && memcmp(d->giaddr, zero, 4) == 0 &&
		    c->ipver == 4 && c->src != NULL)
			hit = dhcp_addr_in(am, c->src);
	}
	return hit != am->neg;
}

/* The record's fingerprint in (or, with not, out of) the set. */
static int
tok_hit(const struct tokset *t, uint8_t neg, const char *v)
{
	return v[0] != '\0' && tokset_has(t, v) != neg;
}

/*
 * Is the hello's fingerprint worth working out? Not for an empty list
 * (the shipped indicator lists start empty): nothing can be in it.
 */
static int
tok_wanted(const struct tokset *t, uint8_t neg)
{
	return t->n > 0 || neg;
}

KW_MATCH(m_tls_ja3)
{
	(void)ws;
	if (c->app->have != APPR_TLS_CH || !tok_wanted(m->ja3, m->ja3_neg))
		return 0;
	app_tls_fingerprints(&c->app->tls);
	return tok_hit(m->ja3, m->ja3_neg, c->app->tls.ja3);
}

KW_MATCH(m_tls_ja4)
{
	(void)ws;
	if (c->app->have != APPR_TLS_CH || !tok_wanted(m->ja4, m->ja4_neg))
		return 0;
	app_tls_fingerprints(&c->app->tls);
	return tok_hit(m->ja4, m->ja4_neg, c->app->tls.ja4);
}

KW_MATCH(m_tls_cipher)
{
	uint16_t	x = c->app->tls.server_cipher;

	(void)ws;
	return c->app->have == APPR_TLS_SH && c->app->tls.server_version !=
	    0x0002 && !!(m->ciphers[x >> 3] & (1U << (x & 7))) !=
	    m->cipher_neg;
}

/* Is name among the names (any case)? A rule's few, not a list. */
static int
name_in(char *const *names, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(names[i], name) == 0)
			return 1;
	return 0;
}

KW_MATCH(m_tls_cert)
{
	const struct cert_match	*cm = &m->cert;
	const struct tls_cert	*ct;
	int64_t			 now = (int64_t)(c->ts / 1000000);
	char			 fp[TOK_LEN];
	int			 i;

	(void)ws;
	if (c->app->have != APPR_TLS_CERT || (ct = c->app->tls.cert) == NULL)
		return 0;
	if ((cm->want & CM_EXPIRED) && (now > ct->not_after) != cm->expired)
		return 0;
	if ((cm->want & CM_NOT_YET) && (now < ct->not_before) != cm->not_yet)
		return 0;
	if ((cm->want & CM_SELF_SIGNED) && ct->self_signed != cm->self_signed)
		return 0;
	if ((cm->want & CM_SNI) && c->app->tls.sni_mismatch !=
	    cm->sni_mismatch)
		return 0;
	if ((cm->want & CM_KEY_BITS) && !(ct->key_bits > 0 &&
	    ct->key_bits < cm->key_bits_below))
		return 0;
	if ((cm->want & CM_KEY_TYPE) && !name_in(cm->key_types,
	    cm->nkey_types, ct->key_type))
		return 0;
	if ((cm->want & CM_SIG_ALG) && name_in(cm->sig_algs, cm->nsig_algs,
	    ct->sig_alg) == cm->sig_neg)
		return 0;
	if (cm->want & CM_FP) {
		for (i = 0; i < 32; i++)
			memcpy(fp + 2 * i, ct->fingerprint + 3 * i, 2);
		fp[64] = '\0';
		if (!tok_hit(cm->fp, cm->fp_neg, fp))
			return 0;
	}
	return 1;
}

KW_MATCH(m_when)
{
	return when_ok(m, c->ts, ws->rs->conf->utc_offset);
}

KW_MATCH(m_payload)
{
	return payload_ok(ws, m, c);
}

/*
 * The keywords, by KW_ (which is also their bit and the order a match
 * tests them in). direct: may be written directly in an exception.
 */
const struct match_keyword match_keywords[KW_MAX] = {
	[KW_PROTO] =		{ "proto", 0, p_proto, m_proto, 1 },
	[KW_DST_PORT] =		{ "dst_port", 0, p_dst_port, m_dst_port, 1 },
	[KW_SRC_PORT] =		{ "src_port", 0, p_src_port, m_src_port, 1 },
	[KW_PORT] =		{ "port", 0, p_port, m_port, 1 },
	[KW_DIRECTION] =	{ "direction", 0, p_direction, m_direction, 1 },
	[KW_SRC] =		{ "src", 0, p_src, m_src, 1 },
	[KW_DST] =		{ "dst", 0, p_dst, m_dst, 1 },
	[KW_IP] =		{ "ip", 0, p_ip, m_ip, 1 },
	[KW_TCP_FLAGS] =	{ "tcp_flags", 0, p_tcp_flags, m_tcp_flags, 0 },
	[KW_ICMP_TYPE] =	{ "icmp_type", 0, p_icmp_type, m_icmp_type, 0 },
	[KW_ICMP_CODE] =	{ "icmp_code", 0, p_icmp_code, m_icmp_code, 0 },
	[KW_DECODE_ERROR] =	{ "decode_error", 0, p_decode_error,
				    m_decode_error, 0 },
	[KW_SENSOR_EVENT] =	{ "sensor_event", 0, p_sensor_event,
				    m_sensor_event, 0 },
	[KW_APP] =		{ "app", 0, p_app, m_app, 1 },
	[KW_TLS_VERSION] =	{ "tls.version", APPR_TLS_CH, p_tls_version,
				    m_tls_version, 0 },
	[KW_TLS_NEGOTIATED] =	{ "tls.negotiated", APPR_TLS_SH,
				    p_tls_negotiated, m_tls_negotiated, 0 },
	[KW_TLS_SNI] =		{ "tls.sni", APPR_TLS_CH, p_tls_sni, m_tls_sni,
				    1 },
	[KW_DNS_QUERY] =	{ "dns.query", APPR_DNS, p_dns_query,
				    m_dns_query, 1 },
	[KW_HTTP_HOST] =	{ "http.host", APPR_HTTP, p_http_host,
				    m_http_host, 1 },
	[KW_HTTP_URI] =		{ "http.uri", APPR_HTTP, p_http_uri,
				    m_http_uri, 0 },
	[KW_HTTP_USER_AGENT] =	{ "http.user_agent", APPR_HTTP,
				    p_http_user_agent, m_http_user_agent, 0 },
	[KW_SSH_BANNER] =	{ "ssh.banner", APPR_SSH, p_ssh_banner,
				    m_ssh_banner, 0 },
	[KW_PLAINTEXT] =	{ "plaintext", APPR_PLAIN, p_plaintext,
				    m_plaintext, 0 },
	[KW_SERVICE] =		{ "service", 0, p_service, m_service, 0 },
	[KW_DHCP_TYPE] =	{ "dhcp.type", APPR_DHCP, p_dhcp_type,
				    m_dhcp_type, 0 },
	[KW_DHCP_SERVER] =	{ "dhcp.server", APPR_DHCP, p_dhcp_server,
				    m_dhcp_server, 0 },
	[KW_TLS_CERT] =		{ "tls.cert", APPR_TLS_CERT, p_tls_cert,
				    m_tls_cert, 0 },
	[KW_TLS_CIPHER] =	{ "tls.cipher", APPR_TLS_SH, p_tls_cipher,
				    m_tls_cipher, 0 },
	[KW_TLS_JA3] =		{ "tls.ja3", APPR_TLS_CH, p_tls_ja3, m_tls_ja3,
				    0 },
	[KW_TLS_JA4] =		{ "tls.ja4", APPR_TLS_CH, p_tls_ja4, m_tls_ja4,
				    0 },
	[KW_WHEN] =		{ "when", 0, p_when, m_when, 0 },
	[KW_PAYLOAD] =		{ "payload", 0, p_payload, m_payload, 0 },
	[KW_EVENT] =		{ "event", 0, p_event, NULL, 0 },
};

/* The keywords' names (only those allowed directly in an exception). */
size_t
rules_keyword_names(const char **out, int direct)
{
	size_t	i, n = 0;

	for (i = 0; i < KW_MAX; i++)
		if (!direct || match_keywords[i].direct)
			out[n++] = match_keywords[i].name;
	return n;
}

/*
 * A `match:` mapping (or an exception's own mapping, direct, whose
 * other keys are extra): every key known, each parsed by its row.
 */
int
rules_parse_match(struct loader *L, struct yaml_node_s *map,
    struct rule_match *m, const char *const *extra, size_t nextra,
    int direct, const char *where)
{
	const char		*allowed[KW_MAX + 8];
	struct yaml_node_s	*k, *v;
	size_t			 i = 0, n;
	int			 x;

	memset(m, 0, sizeof(*m));
	for (n = 0; n < nextra && n < 8; n++)
		allowed[n] = extra[n];
	n += rules_keyword_names(allowed + n, direct);
	if (check_keys(L, map, where, allowed, n) != 0)
		return -1;
	while (yamldoc_map_next(L->yd, map, &i, &k, &v)) {
		const char	*key = yamldoc_scalar(k);

		for (x = 0; x < KW_MAX; x++)
			if (strcmp(key, match_keywords[x].name) == 0)
				break;
		if (x == KW_MAX)
			continue;	/* one of the exception's own keys */
		if (x != KW_EVENT)
			m->keys |= 1U << x;
		if (match_keywords[x].parse(L, v, key, m) != 0)
			return -1;
	}
	if ((m->keys & M_SENSOR) && m->event != REV_SENSOR)
		return lerr(L, map, "%s: sensor_event needs event: sensor",
		    where);
	if (m->event == REV_SENSOR && !(m->keys & M_SENSOR))
		return lerr(L, map, "%s: event: sensor needs sensor_event",
		    where);
	return 0;
}

/* Which application record a rule's keys need (one at most). */
int
rules_apprec(struct loader *L, struct yaml_node_s *n, struct rule *r)
{
	uint32_t	k = r->m.keys & M_APPREC;
	unsigned	recs = 0;

	for (; k != 0; k &= k - 1)
		recs |= match_keywords[__builtin_ctz(k)].apprec;
	if (recs & APPR_TLS_CERT) {
		/* The certificate record carries the SNI; the flow, the
		 * offered version. */
		if (r->m.keys & (M_JA3 | M_JA4 | M_TLS_NEG | M_CIPHER))
			return lerr(L, n, "match: tls.cert combines only with "
			    "tls.sni and tls.version (the others arrive in "
			    "other messages)");
		recs &= ~(unsigned)APPR_TLS_CH;
	}
	if (recs & APPR_TLS_SH) {
		/* The offered version is kept on the flow for ServerHello. */
		if (r->m.keys & (M_SNI | M_JA3 | M_JA4))
			return lerr(L, n, "match: tls.negotiated and "
			    "tls.cipher cannot be combined with tls.sni, "
			    "tls.ja3 or tls.ja4 (they arrive in different "
			    "messages)");
		recs &= ~(unsigned)APPR_TLS_CH;
	}
	if (recs & (recs - 1))
		return lerr(L, n, "match: keys of different protocols (tls, "
		    "dns, http, ssh, plaintext, dhcp) cannot be combined in one "
		    "rule");
	r->apprec = (uint8_t)recs;
	if (r->apprec != 0 && r->m.event != REV_PACKET)
		return lerr(L, n, "match: application fields need event: "
		    "packet");
	return 0;
}

/* The keys of m that hold for a whole flow direction. */
int
rules_match_flow_keys(struct rules_state *ws, const struct rule_match *m,
    const struct match_ctx *c)
{
	uint32_t	k;

	for (k = m->keys & M_FLOW_KEYS; k != 0; k &= k - 1)
		if (!match_keywords[__builtin_ctz(k)].match(ws, m, c))
			return 0;
	return 1;
}

/*
 * The keys of m that hold for the rest of flow f once its application
 * protocol is known (app, and payload: never in an encrypted session);
 * 1 while it is not known.
 */
int
rules_match_app_keys(const struct rule_match *m, const struct flow *f)
{
	if (f->app_proto == APP_UNKNOWN)
		return 1;
	if ((m->keys & M_APP) && !app_ok(m, f->app_proto))
		return 0;
	return !((m->keys & M_PAYLOAD) && app_encrypted(f));
}

/*
 * Does the event satisfy m? ignore_event is for exceptions, whose keys
 * apply to whatever event the rule matched; flow_keys_done when the
 * caller has checked the per-flow keys.
 */
int
rules_match_ok(struct rules_state *ws, const struct rule_match *m,
    const struct match_ctx *c, int ignore_event, int flow_keys_done)
{
	uint32_t	k = m->keys & ~M_FLOW_KEYS;

	if (!ignore_event && m->event != c->event)
		return 0;
	if (!flow_keys_done && !rules_match_flow_keys(ws, m, c))
		return 0;
	if ((k & M_APPREC) && c->app == NULL)
		return 0;
	for (; k != 0; k &= k - 1)
		if (!match_keywords[__builtin_ctz(k)].match(ws, m, c))
			return 0;
	return 1;
}
