/*
 * Rules: load and compile.
 *
 * Assets, the control catalog, rule files and exceptions are read into a
 * complete new ruleset; any error is reported as FILE:LINE:COLUMN with
 * what was expected, and the whole set is discarded, so a caller keeps
 * running with the old one. Everything a packet needs is decided here:
 * address lists become ipsets, ports become bitmaps, domain lists become
 * domsets, regexes are compiled once with PCRE2 JIT, and rules are
 * indexed by event kind, protocol and port (rules_match.c).
 */
#include "config.h"

#include <sys/stat.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alert.h"
#include "app.h"
#include "conf.h"
#include "domset.h"
#include "tokset.h"
#include "ipset.h"
#include "log.h"
#include "rules.h"
#include "threshold.h"
#include "types.h"
#include "hostlist.h"
#include "util.h"
#include "yamldoc.h"
#include "rules-internal.h"
#include "safefile.h"
#include "ctl-protocol.h"

#define RULES_MAX		CTL_RULES_TOTAL_MAX	/* canhgacctl checks it */
#define RULE_FILES_MAX		1024
/* limits.regex_*: defaults for a configuration built without config.c. */
#define REGEX_MATCH_LIMIT	100000
#define REGEX_DEPTH_LIMIT	10000
/* compile_regex's probes: the run, the bytes tried at most, the tail. */
#define PROBE_LEN		64
#define PROBE_BYTES		16
#define PROBE_TAIL		64

static const char *const rule_keys[] = {
	"sid", "name", "name_vi", "category", "severity", "level", "controls", "match",
	"threshold", "suppress", "message", "advice", "enabled", "supersedes",
	"baseline", "beacon", "dns_tunnel"
};

/* An exception's own keys; its match keys are keywords' (direct ones). */
static const char *const exception_own_keys[] = {
	"sids", "owner", "reason", "expires", "match"
};

static const char *const by_names[] = {
	"src_ip", "dst_ip", "src_port", "dst_port", "proto", "sni", "query",
	"domain"
};

int
lerr(struct loader *L, const struct yaml_node_s *n, const char *fmt, ...)
{
	char	msg[600];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return yamldoc_error(L->yd, n, L->err, L->errlen, "%s", msg);
}

int
check_keys(struct loader *L, struct yaml_node_s *map, const char *where,
    const char *const *allowed, size_t n)
{
	struct yaml_node_s	*k, *v;
	size_t			 i = 0, j;

	if (!yamldoc_is_map(map))
		return lerr(L, map, "%s: expected a mapping", where);
	while (yamldoc_map_next(L->yd, map, &i, &k, &v)) {
		const char *s = yamldoc_scalar(k), *sug;

		if (s == NULL)
			return lerr(L, k, "%s: keys must be plain words", where);
		for (j = 0; j < n; j++)
			if (strcmp(s, allowed[j]) == 0)
				break;
		if (j < n)
			continue;
		if ((sug = yamldoc_suggest(s, allowed, n)) != NULL)
			return lerr(L, k, "%s: unknown key \"%s\" (did you "
			    "mean \"%s\"?)", where, s, sug);
		return lerr(L, k, "%s: unknown key \"%s\"", where, s);
	}
	return 0;
}

int
name_index(const char *s, const char *const *names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char			*end;
	unsigned long long	 v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * A set is built beside the running one at every reload, so no
 * allocation of the loader ends the process: each may fail, and the
 * load fails then with this, as for a bad rule (the running set stays).
 */
int
lnomem(struct loader *L, const struct yaml_node_s *n)
{
	if (n == NULL || L->yd == NULL) {
		snprintf(L->err, L->errlen, "no memory to load the rule set: "
		    "%s", strerror(ENOMEM));
		return -1;
	}
	return lerr(L, n, "no memory to load the rule set: %s",
	    strerror(ENOMEM));
}

/*
 * Keep an allocation to free with the ruleset: p, or NULL if p is NULL
 * or cannot be kept (then freed).
 */
void *
own(struct ruleset *rs, void *p)
{
	void	**v;

	if (p == NULL)
		return NULL;
	if (rs->nowned == rs->cowned) {
		if ((v = reallocarray(rs->owned, rs->cowned ? rs->cowned * 2 :
		    64, sizeof(*rs->owned))) == NULL) {
			free(p);
			return NULL;
		}
		rs->owned = v;
		rs->cowned = rs->cowned ? rs->cowned * 2 : 64;
	}
	rs->owned[rs->nowned++] = p;
	return p;
}

/* Owned copies; NULL without memory. */
char *
own_strdup(struct ruleset *rs, const char *s)
{
	return own(rs, strdup(s));
}

void *
own_calloc(struct ruleset *rs, size_t n, size_t size)
{
	return own(rs, calloc(n, size));
}

/*
 * Room for one more element in an array of capacity *cap holding n:
 * doubling, so n appends cost n log n copies at most, not n². NULL
 * without memory (v and *cap unchanged).
 */
static void *
grow(void *v, size_t n, size_t *cap, size_t size)
{
	void	*nv;

	if (n < *cap)
		return v;
	if ((nv = reallocarray(v, *cap ? *cap * 2 : 16, size)) != NULL)
		*cap = *cap ? *cap * 2 : 16;
	return nv;
}

/* The path of the document being read, one owned copy per file; NULL
 * without memory. */
static char *
loader_file(struct loader *L)
{
	char	*f;

	if (L->file_yd != L->yd) {
		if ((f = own_strdup(L->rs, yamldoc_path(L->yd))) == NULL)
			return NULL;
		L->file = f;
		L->file_yd = L->yd;
	}
	return L->file;
}

/* A seed nobody outside the process can predict (best effort). */
static uint64_t
sid_seed(const struct loader *L)
{
	uint64_t	seed;
	struct timespec	ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed | 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)(uintptr_t)L ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)ts.tv_sec << 32)) | 1;
}

static size_t
sid_slot(const struct loader *L, uint32_t sid)
{
	uint64_t	h = (sid ^ L->sidseed) * 0x9e3779b97f4a7c15ULL;
	size_t		i;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	for (i = (size_t)h & (L->sidcap - 1); L->sids[i] != 0;
	    i = (i + 1) & (L->sidcap - 1))
		if (L->rs->rules[L->sids[i] - 1].sid == sid)
			break;
	return i;
}

/* The rule already loaded with this sid, or NULL. */
static struct rule *
rule_by_sid(const struct loader *L, uint32_t sid)
{
	size_t	i;

	if (L->sidcap == 0)
		return NULL;
	i = sid_slot(L, sid);
	return L->sids[i] != 0 ? &L->rs->rules[L->sids[i] - 1] : NULL;
}

/* -1 without memory. */
static int
sid_put(struct loader *L, uint32_t sid, uint32_t idx)
{
	uint32_t	*old = L->sids, *nv;
	size_t		 oldcap = L->sidcap, i;

	if (2 * (idx + 1) > L->sidcap) {
		if ((nv = calloc(L->sidcap ? 2 * L->sidcap : 256,
		    sizeof(*L->sids))) == NULL)
			return -1;
		if (L->sidseed == 0)
			L->sidseed = sid_seed(L);
		L->sidcap = L->sidcap ? 2 * L->sidcap : 256;
		L->sids = nv;
		for (i = 0; i < oldcap; i++)
			if (old[i] != 0)
				L->sids[sid_slot(L, L->rs->rules[old[i] -
				    1].sid)] = old[i];
		free(old);
	}
	L->sids[sid_slot(L, sid)] = idx + 1;
	return 0;
}

/* A new set owned by rs; NULL without memory. */
struct ipset *
own_ipset(struct ruleset *rs)
{
	struct ipset	*s, **v;

	if (rs->nipsets == rs->cipsets) {
		if ((v = reallocarray(rs->ipsets, rs->cipsets ? rs->cipsets *
		    2 : 32, sizeof(*rs->ipsets))) == NULL)
			return NULL;
		rs->ipsets = v;
		rs->cipsets = rs->cipsets ? rs->cipsets * 2 : 32;
	}
	if ((s = ipset_new()) != NULL)
		rs->ipsets[rs->nipsets++] = s;
	return s;
}

static struct domset *
own_domset(struct ruleset *rs)
{
	struct domset	*s, **v;

	if (rs->ndomsets == rs->cdomsets) {
		if ((v = reallocarray(rs->domsets, rs->cdomsets ?
		    rs->cdomsets * 2 : 32, sizeof(*rs->domsets))) == NULL)
			return NULL;
		rs->domsets = v;
		rs->cdomsets = rs->cdomsets ? rs->cdomsets * 2 : 32;
	}
	if ((s = domset_new()) != NULL)
		rs->domsets[rs->ndomsets++] = s;
	return s;
}

/* re kept to free with rs; NULL without memory (re freed). */
static void *
own_regex(struct ruleset *rs, pcre2_code *re)
{
	void		**v;

	if (rs->nregex == rs->cregex) {
		if ((v = reallocarray(rs->regex, rs->cregex ? rs->cregex * 2 :
		    32, sizeof(*rs->regex))) == NULL) {
			pcre2_code_free(re);
			return NULL;
		}
		rs->regex = v;
		rs->cregex = rs->cregex ? rs->cregex * 2 : 32;
	}
	rs->regex[rs->nregex++] = re;
	return re;
}

const struct asset *
rules_asset(const struct ruleset *rs, const char *name)
{
	size_t	i;

	for (i = 0; i < rs->nassets; i++)
		if (strcmp(rs->assets[i].name, name) == 0)
			return &rs->assets[i];
	return NULL;
}

/* -1 without memory. */
int
pb_add(struct port_build *b, unsigned lo, unsigned hi)
{
	uint16_t	*v;

	if ((v = grow(b->r, b->n, &b->cap, 2 * sizeof(*b->r))) == NULL)
		return -1;
	b->r = v;
	b->r[2 * b->n] = (uint16_t)lo;
	b->r[2 * b->n + 1] = (uint16_t)hi;
	b->n++;
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const uint16_t	*x = a, *y = b;

	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) :
	    (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/*
 * Sort and merge the ranges into an array owned by the set: memory in
 * proportion to what the rule says, where a bitmap took 8 KiB a rule.
 * NULL without memory (b emptied either way).
 */
uint16_t *
pb_finish(struct ruleset *rs, struct port_build *b, uint32_t *nranges)
{
	uint16_t	*out;
	size_t		 i, n = 0;

	if (b->n > 1)
		qsort(b->r, b->n, 2 * sizeof(*b->r), range_cmp);
	if ((out = own_calloc(rs, b->n ? 2 * b->n : 1, sizeof(*out))) ==
	    NULL) {
		free(b->r);
		memset(b, 0, sizeof(*b));
		return NULL;
	}
	for (i = 0; i < b->n; i++) {
		uint16_t lo = b->r[2 * i], hi = b->r[2 * i + 1];

		if (n > 0 && (uint32_t)lo <= (uint32_t)out[2 * n - 1] + 1) {
			if (hi > out[2 * n - 1])
				out[2 * n - 1] = hi;
			continue;
		}
		out[2 * n] = lo;
		out[2 * n + 1] = hi;
		n++;
	}
	free(b->r);
	memset(b, 0, sizeof(*b));
	*nranges = (uint32_t)n;
	return out;
}

/* Port "80", range "1024-65535": add it; -1 if not a port spec, -2
 * without memory. */
int
port_spec(const char *s, struct port_build *pb)
{
	unsigned long long	 a, b;
	char			 buf[32], *dash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((dash = strchr(buf, '-')) != NULL) {
		*dash = '\0';
		if (parse_uint(buf, 65535, &a) != 0 ||
		    parse_uint(dash + 1, 65535, &b) != 0 || a > b)
			return -1;
	} else if (parse_uint(buf, 65535, &a) == 0)
		b = a;
	else
		return -1;
	return pb_add(pb, (unsigned)a, (unsigned)b) == 0 ? 0 : -2;
}

/* Is s an address or CIDR (rather than a domain)? */
static int
looks_like_ip(const char *s)
{
	return strchr(s, ':') != NULL ||
	    (isdigit((unsigned char)s[0]) && strspn(s, "0123456789./") ==
	    strlen(s) && strchr(s, '.') != NULL);
}

/*
 * Whether a list entry is a documentation address (RFC 5737, RFC 3849)
 * or a reserved name (RFC 2606, RFC 6761): such entries are examples and
 * detect nothing real. Ports and anything else count as real. The
 * compliance report asks (rules_asset_doc_only).
 */
static int
doc_entry(const char *e)
{
	static const char *const tlds[] = { "example", "test", "invalid",
	    "localhost", "example.com", "example.net", "example.org" };
	char		 buf[256], *sl;
	unsigned char	 a[16];
	size_t		 i, n = strlen(e), k;
	long		 plen = -1;

	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, e, n + 1);
	if ((sl = strchr(buf, '/')) != NULL) {
		*sl++ = '\0';
		plen = strtol(sl, NULL, 10);
	}
	if (inet_pton(AF_INET, buf, a) == 1)
		return (plen < 0 || plen >= 24) && ((a[0] == 192 && a[1] == 0 &&
		    a[2] == 2) || (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
		    (a[0] == 203 && a[1] == 0 && a[2] == 113));
	if (inet_pton(AF_INET6, buf, a) == 1)
		return (plen < 0 || plen >= 32) && a[0] == 0x20 &&
		    a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8;
	if (sl != NULL)
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	while (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	for (i = 0; i < sizeof(tlds) / sizeof(tlds[0]); i++) {
		k = strlen(tlds[i]);
		if (n == k ? strcmp(buf, tlds[i]) == 0 : n > k &&
		    buf[n - k - 1] == '.' && strcmp(buf + n - k, tlds[i]) == 0)
			return 1;
	}
	return 0;
}

/* One list entry from a line: comment and blanks cut; NULL if none. */
static char *
list_entry(char *p)
{
	char	*q;

	if ((q = strchr(p, '#')) != NULL)
		*q = '\0';
	while (isspace((unsigned char)*p))
		p++;
	for (q = p + strlen(p); q > p && isspace((unsigned char)q[-1]); q--)
		;
	*q = '\0';
	return *p != '\0' ? p : NULL;
}

/*
 * Count a list file's example and real entries (doc_entry) up to its
 * first real one: a real feed costs a line or two. Unreadable: real.
 */
static void
asset_file_examples(struct asset *a, const char *path)
{
	char	 line[1024], e[256], *p;
	FILE	*fp;
	int	 fd = safe_open_read(path, e, sizeof(e));

	if (fd < 0 || (fp = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		a->nreal++;
		return;
	}
	while (a->nreal == 0 && fgets(line, sizeof(line), fp) != NULL)
		if ((p = list_entry(line)) != NULL)
			*(doc_entry(p) ? &a->nexamples : &a->nreal) += 1;
	fclose(fp);
}

/* One inline asset item: a port, a range, an address, or a domain. */
static int
asset_item(struct loader *L, struct asset *a, struct port_build *pb,
    struct yaml_node_s *n)
{
	const char	*s = yamldoc_scalar(n);
	char		 e[256];

	if (s == NULL || *s == '\0')
		return lerr(L, n, "assets.%s: expected an address, CIDR, port, "
		    "port range or domain", a->name);
	*(doc_entry(s) ? &a->nexamples : &a->nreal) += 1;
	if (isdigit((unsigned char)s[0]) && strspn(s, "0123456789-") ==
	    strlen(s)) {
		switch (port_spec(s, pb)) {
		case 0:
			break;
		case -2:
			return lnomem(L, n);
		default:
			return lerr(L, n, "assets.%s: bad port or range \"%s\" "
			    "(expected 0..65535 or LOW-HIGH)", a->name, s);
		}
		a->nports++;
		return 0;
	}
	if (looks_like_ip(s)) {
		if (a->ips == NULL && (a->ips = own_ipset(L->rs)) == NULL)
			return lnomem(L, n);
		if (ipset_add_str(a->ips, s, e, sizeof(e)) != 0)
			return lerr(L, n, "assets.%s: %s", a->name, e);
		a->nips++;
		return 0;
	}
	if (a->doms == NULL && (a->doms = own_domset(L->rs)) == NULL)
		return lnomem(L, n);
	if (domset_add(a->doms, s, e, sizeof(e)) != 0)
		return lerr(L, n, "assets.%s: %s", a->name, e);
	a->ndoms++;
	return 0;
}

/* A list file's kind: `type`, or told by its first entry. */
enum { LF_DOMAIN = 0, LF_IP, LF_HOST, LF_SERVICE, LF_TOKENS };

static int
list_kind_first(struct loader *L, struct asset *a, struct yaml_node_s *fn,
    const char *path, int *kind, enum tok_kind *tk)
{
	char	line[512], e[1024];
	FILE	*fp;
	int	fd = safe_open_read(path, e, sizeof(e));

	if (fd < 0 || (fp = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		return lerr(L, fn, "assets.%s: %s", a->name, fd < 0 ?
		    e : strerror(errno));
	}
	*kind = LF_IP;		/* empty list: either works */
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line + strspn(line, " \t");
		int hk;

		if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
			continue;
		p[strcspn(p, "#\r\n")] = '\0';
		hk = hostlist_entry_kind(p);
		p[strcspn(p, " \t")] = '\0';
		if ((*tk = tok_guess(p)) != TOK_NONE)
			*kind = LF_TOKENS;
		else
			*kind = hk == 1 ? LF_HOST : hk == 2 ? LF_SERVICE :
			    looks_like_ip(p) ? LF_IP : LF_DOMAIN;
		break;
	}
	fclose(fp);
	return 0;
}

/*
 * A list file with no entry: accepted with a warning naming the
 * configuration's `file:` line, as an empty inline group is, so that
 * -T says which rules match none of it yet (or, negated, everything).
 */
static void
list_empty(struct loader *L, struct asset *a, struct yaml_node_s *fn,
    const char *path)
{
	char	msg[1400];

	yamldoc_error(L->yd, fn, msg, sizeof(msg), "assets.%s: %s is empty: "
	    "until it is filled in, a rule or exception naming it matches "
	    "none of it, and one naming {not: $%s} matches everything",
	    a->name, path, a->name);
	log_warnx("%s", msg);
}

/*
 * Its digest, which the report and the history show, and its age, which
 * the report judges: of the bytes the load read, not of the file on
 * disk now, nor of a second read that could see other bytes.
 */
static int
asset_digest(struct loader *L, struct asset *a, struct yaml_node_s *fn,
    const char *path)
{
	if (util_list_digest(path, a->sha256, &a->mtime) != 0)
		return lerr(L, fn, "assets.%s: %s: no digest of the list as "
		    "read", a->name, path);
	return 0;
}

/* A list file of TLS fingerprints: loaded, sorted, owned by the set. */
static int
asset_tokens(struct loader *L, struct asset *a, struct yaml_node_s *fn,
    const char *path, enum tok_kind kind)
{
	struct tokset	*t = own_calloc(L->rs, 1, sizeof(*t));
	char		 e[1024];
	long		 n;

	if (t == NULL)
		return lnomem(L, fn);
	t->kind = kind;
	a->toks = t;
	n = tokset_load_file(t, path, e, sizeof(e));
	if (t->v != NULL && own(L->rs, t->v) == NULL) {
		t->v = NULL;
		t->n = 0;
		return lnomem(L, fn);
	}
	if (n < 0)
		return lerr(L, fn, "assets.%s: %s", a->name, e);
	a->ntoks = (size_t)n;
	if (n == 0)
		list_empty(L, a, fn, path);
	return asset_digest(L, a, fn, path);
}

/*
 * A list file's path: relative to the configuration, or, in the
 * self-test's overlay, to the overlay's own directory (malloc'd; NULL
 * without memory).
 */
static char *
overlay_path(struct loader *L, const char *file)
{
	const char	*od = L->yd != L->conf->doc ? yamldoc_path(L->yd) : NULL;
	const char	*slash = od ? strrchr(od, '/') : NULL;
	char		*p;

	if (slash == NULL || file[0] == '/')
		return config_path_try(L->conf, file);
	if (asprintf(&p, "%.*s/%s", (int)(slash - od), od, file) < 0)
		return NULL;
	return p;
}

/*
 * Is path the file canhgacd --strict-list names (the same file, however
 * reached)? An update's check: a feed's list with an entry that would
 * match every flow is refused; a person's own list is only warned of.
 * A feed's rule pack may not carry exceptions nor supersede others'
 * rules.
 */
static int
strict_list(const struct loader *L, const char *path)
{
	struct stat	a, b;

	return L->conf->strict_list != NULL && stat(path, &a) == 0 &&
	    stat(L->conf->strict_list, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
}

/*
 * A list file: addresses, domains, hosts (`IP [MAC]`), services
 * (`IP PORT/PROTO`) or TLS fingerprints, told by `type` or the first
 * entry.
 */
static int
asset_file(struct loader *L, struct asset *a, struct yaml_node_s *map)
{
	struct yaml_node_s	*fn = yamldoc_get(L->yd, map, "file");
	struct yaml_node_s	*tn = yamldoc_get(L->yd, map, "type");
	static const char *const keys[] = { "file", "type" };
	static const char *const kinds[] = { "domain", "ip", "host",
	    "service" };
	const char		*type = yamldoc_scalar(tn);
	char			*path, e[1024];
	long			 n;
	int			 kind = -1, i, strict;
	enum tok_kind		 tk = TOK_NONE;

	if (check_keys(L, map, "assets", keys, NELEM(keys)) != 0)
		return -1;
	if (yamldoc_scalar(fn) == NULL)
		return lerr(L, fn ? fn : map, "assets.%s: expected {file: PATH}",
		    a->name);
	if (tn != NULL) {
		for (i = 0; type != NULL && i < (int)NELEM(kinds); i++)
			if (strcmp(type, kinds[i]) == 0)
				kind = i;
		if (kind < 0 && type != NULL &&
		    (tk = tok_kind_value(type)) != TOK_NONE)
			kind = LF_TOKENS;
		if (kind < 0)
			return lerr(L, tn, "assets.%s: type must be ip, domain, "
			    "host, service, ja3, ja4 or sha256", a->name);
	}
	if ((path = own(L->rs, overlay_path(L, yamldoc_scalar(fn)))) == NULL)
		return lnomem(L, fn);
	a->file = path;
	if (kind < 0 && list_kind_first(L, a, fn, path, &kind, &tk) != 0)
		return -1;
	if (kind == LF_TOKENS)
		return asset_tokens(L, a, fn, path, tk);
	if (kind != LF_DOMAIN && (a->ips = own_ipset(L->rs)) == NULL)
		return lnomem(L, fn);
	strict = strict_list(L, path);
	switch (kind) {
	case LF_IP:
		asset_file_examples(a, path);
		ipset_set_widest(a->ips, L->conf->list_min_prefix4,
		    L->conf->list_min_prefix6, strict);
		n = ipset_load_file(a->ips, path, e, sizeof(e));
		a->nips = n > 0 ? (size_t)n : 0;
		break;
	case LF_DOMAIN:
		asset_file_examples(a, path);
		if ((a->doms = own_domset(L->rs)) == NULL)
			return lnomem(L, fn);
		domset_warn_suffixes(a->doms, strict);
		n = domset_load_file(a->doms, path, e, sizeof(e));
		a->ndoms = n > 0 ? (size_t)n : 0;
		break;
	case LF_HOST:
		if ((a->hosts = own_calloc(L->rs, 1, sizeof(*a->hosts))) ==
		    NULL)
			return lnomem(L, fn);
		n = hostlist_load(a->hosts, a->ips, path, e, sizeof(e));
		a->nips = n > 0 ? (size_t)n : 0;
		if (a->hosts->v != NULL && own(L->rs, a->hosts->v) == NULL) {
			a->hosts->v = NULL;
			a->hosts->n = 0;
			return lnomem(L, fn);
		}
		break;
	default:
		if ((a->svcs = own_calloc(L->rs, 1, sizeof(*a->svcs))) == NULL)
			return lnomem(L, fn);
		n = svclist_load(a->svcs, a->ips, path, e, sizeof(e));
		a->nips = n > 0 ? (size_t)n : 0;
		if (a->svcs->v != NULL && own(L->rs, a->svcs->v) == NULL) {
			a->svcs->v = NULL;
			a->svcs->n = 0;
			return lnomem(L, fn);
		}
		break;
	}
	if (n < 0)
		return lerr(L, fn, "assets.%s: %s", a->name, e);
	if (n == 0)
		list_empty(L, a, fn, path);
	return asset_digest(L, a, fn, path);
}

/*
 * An inline group left empty (`name: []` or `name:`): accepted with a
 * warning, as an empty host or service list file is, so that an
 * operator can describe the assets in stages; until it is filled in it
 * names nothing (so {not: $name} is everything: an empty allowlist
 * allows no one, and an exception written so silences all of its
 * sids), and the compliance report shows the controls of its rules as
 * partial. The warning says both.
 */
static int
asset_empty(struct loader *L, struct asset *a, struct yaml_node_s *n)
{
	char	msg[600];

	yamldoc_error(L->yd, n, msg, sizeof(msg), "assets.%s is empty: until "
	    "it is filled in, a rule or exception naming it matches none of "
	    "it, and one naming {not: $%s} matches everything", a->name,
	    a->name);
	log_warnx("%s", msg);
	if ((a->ips = own_ipset(L->rs)) == NULL ||
	    (a->doms = own_domset(L->rs)) == NULL ||
	    (a->ports = own_calloc(L->rs, 1, sizeof(*a->ports))) == NULL)
		return lnomem(L, n);
	return 0;
}

static int
load_assets(struct loader *L, struct yaml_node_s *map)
{
	struct yaml_node_s	*k, *v;
	struct port_build	 pb = { NULL, 0, 0 };
	size_t			 i = 0, j;

	if (map == NULL)
		return 0;
	if (!yamldoc_is_map(map))
		return lerr(L, map, "assets: expected a mapping of name: list");
	while (yamldoc_map_next(L->yd, map, &i, &k, &v)) {
		struct ruleset	*rs = L->rs;
		struct asset	*a;
		const char	*name = yamldoc_scalar(k);

		if (name == NULL || !(isalpha((unsigned char)name[0]) ||
		    name[0] == '_') || strspn(name, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(name))
			return lerr(L, k, "assets: a name is letters, digits "
			    "and _, starting with a letter");
		if (rules_asset(rs, name) != NULL && L->overlaid)
			continue;
		if (rules_asset(rs, name) != NULL)
			return lerr(L, k, "assets: \"%s\" is defined twice",
			    name);
		if ((a = reallocarray(rs->assets, rs->nassets + 1,
		    sizeof(*rs->assets))) == NULL)
			return lnomem(L, k);
		rs->assets = a;
		a = &rs->assets[rs->nassets++];
		memset(a, 0, sizeof(*a));
		if ((a->name = own_strdup(rs, name)) == NULL)
			return lnomem(L, k);
		if (yamldoc_is_map(v)) {
			if (asset_file(L, a, v) != 0)
				return -1;
		} else if (yamldoc_is_seq(v) && yamldoc_seq_len(v) > 0) {
			for (j = 0; j < yamldoc_seq_len(v); j++)
				if (asset_item(L, a, &pb, yamldoc_seq_at(L->yd,
				    v, j)) != 0)
					goto fail;
		} else if (yamldoc_is_scalar(v) && yamldoc_scalar(v) != NULL &&
		    *yamldoc_scalar(v) != '\0') {
			if (asset_item(L, a, &pb, v) != 0)
				goto fail;
		} else if (asset_empty(L, a, v) != 0)
			goto fail;
		if (pb.n > 0 && (a->ports = pb_finish(rs, &pb,
		    &a->nranges)) == NULL)
			return lnomem(L, k);
	}
	return 0;
fail:
	free(pb.r);
	return -1;
}

/* Resolve "$name" to an asset, with the nearest name suggested. */
const struct asset *
asset_ref(struct loader *L, struct yaml_node_s *n, const char *s)
{
	const struct asset	*a = rules_asset(L->rs, s + 1);
	const char		**names;
	const char		*sug;
	size_t			 i;

	if (a != NULL && L->rule != NULL && rules_note_asset_ref(L->rs,
	    L->rule, a->name, L->neg) != 0) {
		lnomem(L, n);
		return NULL;
	}
	if (a != NULL)
		return a;
	if ((names = calloc(L->rs->nassets + 1, sizeof(*names))) == NULL) {
		lnomem(L, n);
		return NULL;
	}
	for (i = 0; i < L->rs->nassets; i++)
		names[i] = L->rs->assets[i].name;
	sug = yamldoc_suggest(s + 1, names, L->rs->nassets);
	if (sug != NULL)
		lerr(L, n, "unknown asset \"%s\" (did you mean \"$%s\"?)", s,
		    sug);
	else
		lerr(L, n, "unknown asset \"%s\" (define it under assets:)", s);
	free(names);
	return NULL;
}

/*
 * Does the pattern give up under limits.regex_* on a crafted input: a
 * run of one byte it can match, then one it does not expect, then the
 * pattern's own text (so that a literal it requires is there and PCRE2
 * cannot skip the attempt)? That is how nested quantifiers such as
 * (x+x+)+ explode. Packets like it would never match, only be counted:
 * warn, so that -T shows it.
 */
static void
probe_regex(struct loader *L, struct yaml_node_s *n, const char *key,
    pcre2_code *re, const char *pat)
{
	char			 cand[PROBE_BYTES], msg[700];
	uint8_t			 subj[PROBE_LEN + 1 + PROBE_TAIL];
	size_t			 tail = strnlen(pat, PROBE_TAIL);
	pcre2_match_data	*md;
	const char		*p;
	size_t			 nc = 0, i;
	int			 rc;

	/* A letter, a digit and a space stand for \w, \d and \s. */
	for (p = "a0 "; *p != '\0'; p++)
		cand[nc++] = *p;
	for (p = pat; *p != '\0' && nc < sizeof(cand); p++)
		if (isalnum((unsigned char)*p) && memchr(cand, *p, nc) == NULL)
			cand[nc++] = *p;
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL)
		return;
	for (i = 0; i < nc; i++) {
		memset(subj, cand[i], PROBE_LEN);
		subj[PROBE_LEN] = 0x01;
		memcpy(subj + PROBE_LEN + 1, pat, tail);
		rc = pcre2_match(re, subj, PROBE_LEN + 1 + tail, 0, 0, md,
		    L->rs->match_ctx);
		if (!rules_regex_gave_up(rc))
			continue;
		yamldoc_error(L->yd, n, msg, sizeof(msg), "%s: regex \"%.80s\" "
		    "gives up under limits.regex_match_limit %d and "
		    "regex_depth_limit %d on %d bytes of '%c' and one other: "
		    "packets like that are never matched, only counted "
		    "(--stats regex_limited, sensor alert 1001106); rewrite it "
		    "without nested quantifiers", key, pat,
		    L->conf->regex_match_limit, L->conf->regex_depth_limit,
		    PROBE_LEN, cand[i]);
		log_warnx("%s", msg);
		break;
	}
	pcre2_match_data_free(md);
}

/* Compile a PCRE2 pattern with JIT; errors name the offset. */
void *
compile_regex(struct loader *L, struct yaml_node_s *n, const char *key,
    const char *pat, int caseless)
{
	pcre2_code	*re;
	int		 ec;
	PCRE2_SIZE	 off;
	PCRE2_UCHAR	 msg[256];

	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    (caseless ? PCRE2_CASELESS : 0) | PCRE2_DOTALL, &ec, &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		lerr(L, n, "%s: regex does not compile at offset %zu: %s", key,
		    (size_t)off, (const char *)msg);
		return NULL;
	}
	/*
	 * JIT is an optimisation: without it the interpreter still works.
	 * CANHGAC_NO_JIT turns it off for hosts that forbid executable
	 * memory and for valgrind (JIT code reads whole words past the
	 * subject, which memcheck cannot tell from a bug).
	 */
	if (getenv("CANHGAC_NO_JIT") == NULL)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	probe_regex(L, n, key, re, pat);
	if (own_regex(L->rs, re) == NULL) {
		lnomem(L, n);
		return NULL;
	}
	return re;
}

/*
 * "src_ip/N" or "dst_ip/N": the address, an IPv6 one by its first N bits
 * (32..128); *net gets N, the field's bit is returned, or 0 for any other
 * text. IPv4 addresses stay whole.
 */
static uint8_t
by_net(const char *s, uint8_t net[2])
{
	static const char *const f[2] = { "src_ip/", "dst_ip/" };
	unsigned long long	 v;
	int			 i;

	for (i = 0; i < 2; i++)
		if (strncmp(s, f[i], 7) == 0 && parse_uint(s + 7, 128, &v) ==
		    0 && v >= 32) {
			net[i] = (uint8_t)v;
			return i == 0 ? BY_SRC_IP : BY_DST_IP;
		}
	return 0;
}

/* net: NULL where an address cannot be taken by its network. */
static int
parse_by(struct loader *L, struct yaml_node_s *n, const char *where,
    uint8_t *by, uint8_t net[2])
{
	size_t	i, cnt;
	int	x;
	uint8_t	b, nn[2] = { 0, 0 };

	*by = 0;
	if (net != NULL)
		net[0] = net[1] = 0;
	if (n == NULL)
		return 0;
	cnt = yamldoc_is_seq(n) ? yamldoc_seq_len(n) : 1;
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(n) ?
		    yamldoc_seq_at(L->yd, n, i) : n;
		const char *s = yamldoc_scalar(it);

		if (s != NULL && net != NULL && (b = by_net(s, nn)) != 0) {
			if (*by & b)
				return lerr(L, it, "%s.by: %s named twice",
				    where, b == BY_SRC_IP ? "src_ip" : "dst_ip");
			*by |= b;
			continue;
		}
		if (s == NULL || (x = name_index(s, by_names,
		    NELEM(by_names))) < 0)
			return lerr(L, it, "%s.by: expected src_ip, dst_ip, "
			    "src_port, dst_port, proto, sni, query or domain%s",
			    where, net != NULL ? ", or src_ip/N or dst_ip/N "
			    "(an IPv6 address by its first N bits, 32..128)" :
			    "");
		if (*by & (1 << x))
			return lerr(L, it, "%s.by: %s named twice", where,
			    by_names[x]);
		*by |= (uint8_t)(1 << x);
	}
	if (net != NULL) {
		/* /128 is the address itself. */
		net[0] = nn[0] == 128 ? 0 : nn[0];
		net[1] = nn[1] == 128 ? 0 : nn[1];
	}
	return 0;
}

static int
parse_duration_node(struct loader *L, struct yaml_node_s *n,
    const char *key, uint64_t *out)
{
	if (util_parse_duration(yamldoc_scalar(n), out) != 0 || *out == 0)
		return lerr(L, n, "%s: expected a duration such as 90s, 15m "
		    "or 1h", key);
	return 0;
}

static int
parse_threshold(struct loader *L, struct yaml_node_s *n, struct rule *r)
{
	static const char *const keys[] = { "by", "count", "distinct", "sum",
	    "above", "within" };
	static const char *const df[] = { "", "src_ip", "dst_ip", "src_port",
	    "dst_port", "sni", "query" };
	static const uint8_t df_by[] = { 0, BY_SRC_IP, BY_DST_IP, BY_SRC_PORT,
	    BY_DST_PORT, BY_SNI, BY_QUERY };
	struct yaml_node_s	*c, *d, *s, *a, *w;
	unsigned long long	 v;
	int			 x;

	if (check_keys(L, n, "threshold", keys, NELEM(keys)) != 0 ||
	    parse_by(L, yamldoc_get(L->yd, n, "by"), "threshold",
	    &r->thr_by, r->thr_net) != 0)
		return -1;
	c = yamldoc_get(L->yd, n, "count");
	d = yamldoc_get(L->yd, n, "distinct");
	s = yamldoc_get(L->yd, n, "sum");
	a = yamldoc_get(L->yd, n, "above");
	w = yamldoc_get(L->yd, n, "within");
	if (w == NULL)
		return lerr(L, n, "threshold: needs within (e.g. 60s)");
	if (parse_duration_node(L, w, "threshold.within", &r->thr.within))
		return -1;
	if ((r->within_text = own_strdup(L->rs, yamldoc_scalar(w))) == NULL)
		return lnomem(L, w);
	if (s != NULL) {
		if (c != NULL || d != NULL)
			return lerr(L, s, "threshold: sum cannot be combined "
			    "with count or distinct");
		if (yamldoc_scalar(s) == NULL ||
		    strcmp(yamldoc_scalar(s), "bytes") != 0)
			return lerr(L, s, "threshold.sum: only bytes can be "
			    "summed");
		if (a == NULL || util_parse_size(yamldoc_scalar(a),
		    &r->thr.above) != 0)
			return lerr(L, a ? a : n, "threshold: sum: bytes needs "
			    "above: SIZE (e.g. 5MB)");
		r->thr.kind = THR_SUM;
		return 0;
	}
	if (a != NULL)
		return lerr(L, a, "threshold.above: only with sum: bytes");
	if (c == NULL || parse_uint(yamldoc_scalar(c), 1000000, &v) != 0 ||
	    v == 0)
		return lerr(L, c ? c : n, "threshold: needs count: N "
		    "(1..1000000)");
	r->thr.count = (uint32_t)v;
	r->thr.kind = THR_COUNT;
	if (d != NULL) {
		if (yamldoc_scalar(d) == NULL || (x = name_index(
		    yamldoc_scalar(d), df, NELEM(df))) <= 0)
			return lerr(L, d, "threshold.distinct: expected "
			    "src_ip, dst_ip, src_port, dst_port, sni or query");
		r->distinct = (uint8_t)x;
		r->thr.kind = THR_DISTINCT;
		/* A window per value of the field holds one value of it:
		 * count 2 and more would never be reached. Not one per
		 * network: its addresses are the values. */
		if ((r->thr_by & df_by[x]) && v > 1 && (x > DF_DST_IP ||
		    r->thr_net[x - 1] == 0))
			return lerr(L, d, "threshold: distinct %s is also in "
			    "by, so each window holds one %s and count %llu "
			    "is never reached", df[x], df[x], v);
	}
	return 0;
}

static int
parse_suppress(struct loader *L, struct yaml_node_s *n, struct rule *r)
{
	static const char *const keys[] = { "by", "for" };
	struct yaml_node_s	*f;

	if (check_keys(L, n, "suppress", keys, NELEM(keys)) != 0 ||
	    parse_by(L, yamldoc_get(L->yd, n, "by"), "suppress",
	    &r->sup_by, r->sup_net) != 0)
		return -1;
	if ((f = yamldoc_get(L->yd, n, "for")) == NULL)
		return lerr(L, n, "suppress: needs for: DURATION");
	return parse_duration_node(L, f, "suppress.for", &r->thr.suppress);
}

/*
 * A positive decimal ("2.5"; with pct, "10%" too, as 0.10) times scale,
 * at most max.
 */
static int
parse_decimal(struct loader *L, struct yaml_node_s *n, const char *key,
    unsigned scale, int pct, double max, uint32_t *out)
{
	const char	*s = n != NULL ? yamldoc_scalar(n) : NULL;
	char		*end;
	double		 v;

	if (s == NULL)
		return lerr(L, n, "%s: expected a number", key);
	v = strtod(s, &end);
	if (pct && *end == '%') {
		v /= 100.0;
		end++;
	}
	if (end == s || *end != '\0' || !(v > 0) || v > max)
		return lerr(L, n, "%s: expected a number above 0 and at most "
		    "%g%s", key, max, pct ? " (or a percentage)" : "");
	*out = (uint32_t)(v * scale + 0.5);
	return 0;
}

static int
parse_bh_count(struct loader *L, struct yaml_node_s *map, const char *name,
    const char *key, uint32_t *out)
{
	struct yaml_node_s	*n = yamldoc_get(L->yd, map, name);
	unsigned long long	 v;

	/* Missing: the error points at the mapping (a NULL node gave the
	 * file name alone). */
	if (n == NULL)
		return lerr(L, map, "%s: needs %s: a count of 2 to 1000000",
		    key, name);
	if (parse_uint(yamldoc_scalar(n), 1000000, &v) != 0 || v < 2)
		return lerr(L, n, "%s.%s: expected a count of 2 to 1000000",
		    key, name);
	*out = (uint32_t)v;
	return 0;
}

/* baseline: {by, measure, factor, floor, learn} */
static int
parse_baseline(struct loader *L, struct yaml_node_s *n, struct rule *r)
{
	static const char *const keys[] = { "by", "measure", "factor",
	    "floor", "learn" };
	static const char *const measures[] = { "bytes", "connections",
	    "requests" };
	struct bh_spec		*b = &r->bh;
	struct yaml_node_s	*x;
	int			 m;

	if (check_keys(L, n, "baseline", keys, NELEM(keys)) != 0 ||
	    parse_by(L, yamldoc_get(L->yd, n, "by"), "baseline",
	    &r->bh_by, NULL) != 0)
		return -1;
	b->kind = BH_BASELINE;
	x = yamldoc_get(L->yd, n, "measure");
	if (x == NULL || yamldoc_scalar(x) == NULL || (m = name_index(
	    yamldoc_scalar(x), measures, NELEM(measures))) < 0)
		return lerr(L, x ? x : n, "baseline: needs measure: bytes, "
		    "connections or requests");
	b->measure = (uint8_t)m;
	if ((x = yamldoc_get(L->yd, n, "factor")) == NULL)
		return lerr(L, n, "baseline: needs factor: N (e.g. 5: five "
		    "times the learned normal)");
	if (parse_decimal(L, x, "baseline.factor", 100, 0, 1000000, &b->factor_pct)
	    != 0)
		return -1;
	if (b->factor_pct < 100)
		return lerr(L, x, "baseline.factor: below 1 would alert on the "
		    "learned normal itself");
	if ((x = yamldoc_get(L->yd, n, "floor")) != NULL) {
		if (yamldoc_scalar(x) == NULL || (b->measure == BM_BYTES ?
		    util_parse_size(yamldoc_scalar(x), &b->floor) :
		    parse_uint(yamldoc_scalar(x), UINT32_MAX,
		    (unsigned long long *)&b->floor)) != 0)
			return lerr(L, x, "baseline.floor: expected %s",
			    b->measure == BM_BYTES ? "a size such as 10MB" :
			    "a count");
	}
	b->learn = 7ULL * 86400 * 1000000;
	if ((x = yamldoc_get(L->yd, n, "learn")) != NULL &&
	    parse_duration_node(L, x, "baseline.learn", &b->learn) != 0)
		return -1;
	if (b->learn < 3600ULL * 1000000)
		return lerr(L, x, "baseline.learn: at least 1h");
	return 0;
}

/* beacon: {by, count, jitter, min, max} */
static int
parse_beacon(struct loader *L, struct yaml_node_s *n, struct rule *r)
{
	static const char *const keys[] = { "by", "count", "jitter", "min",
	    "max" };
	struct bh_spec		*b = &r->bh;
	struct yaml_node_s	*x;

	if (check_keys(L, n, "beacon", keys, NELEM(keys)) != 0 ||
	    parse_by(L, yamldoc_get(L->yd, n, "by"), "beacon",
	    &r->bh_by, NULL) != 0)
		return -1;
	if (yamldoc_get(L->yd, n, "by") == NULL)
		r->bh_by = BY_SRC_IP | BY_DST_IP;
	b->kind = BH_BEACON;
	if (parse_bh_count(L, n, "count", "beacon", &b->count) != 0)
		return -1;
	b->jitter_pct = 10;
	if ((x = yamldoc_get(L->yd, n, "jitter")) != NULL &&
	    parse_decimal(L, x, "beacon.jitter", 100, 1, 1, &b->jitter_pct))
		return -1;
	b->min = 10ULL * 1000000;
	b->max = 3600ULL * 1000000;
	if ((x = yamldoc_get(L->yd, n, "min")) != NULL &&
	    parse_duration_node(L, x, "beacon.min", &b->min) != 0)
		return -1;
	if ((x = yamldoc_get(L->yd, n, "max")) != NULL &&
	    parse_duration_node(L, x, "beacon.max", &b->max) != 0)
		return -1;
	if (b->max <= b->min || b->max > 86400ULL * 1000000)
		return lerr(L, n, "beacon: max must be above min and at most "
		    "1d");
	return 0;
}

/* dns_tunnel: {within, queries, distinct, entropy, nxdomain} */
static int
parse_dns_tunnel(struct loader *L, struct yaml_node_s *n, struct rule *r)
{
	static const char *const keys[] = { "within", "queries", "distinct",
	    "entropy", "nxdomain" };
	struct bh_spec		*b = &r->bh;
	struct yaml_node_s	*x;

	if (check_keys(L, n, "dns_tunnel", keys, NELEM(keys)) != 0)
		return -1;
	b->kind = BH_DNSTUNNEL;
	if ((x = yamldoc_get(L->yd, n, "within")) == NULL)
		return lerr(L, n, "dns_tunnel: needs within (e.g. 60s)");
	if (parse_duration_node(L, x, "dns_tunnel.within", &b->within) != 0)
		return -1;
	if ((r->within_text = own_strdup(L->rs, yamldoc_scalar(x))) == NULL)
		return lnomem(L, x);
	if (parse_bh_count(L, n, "queries", "dns_tunnel", &b->count) != 0 ||
	    parse_bh_count(L, n, "distinct", "dns_tunnel", &b->distinct) != 0)
		return -1;
	if ((x = yamldoc_get(L->yd, n, "entropy")) != NULL &&
	    parse_decimal(L, x, "dns_tunnel.entropy", 1000, 0, 8,
	    &b->entropy_mbit) != 0)
		return -1;
	if ((x = yamldoc_get(L->yd, n, "nxdomain")) != NULL &&
	    parse_decimal(L, x, "dns_tunnel.nxdomain", 100, 1, 1,
	    &b->nx_pct) != 0)
		return -1;
	return 0;
}

/* At most one of baseline, beacon, dns_tunnel; never with threshold. */
static int
parse_behaviour(struct loader *L, struct yaml_node_s *n, struct rule *r)
{
	static const char *const keys[] = { "baseline", "beacon",
	    "dns_tunnel" };
	static int (*const parse[])(struct loader *, struct yaml_node_s *,
	    struct rule *) = { parse_baseline, parse_beacon,
	    parse_dns_tunnel };
	struct yaml_node_s	*x, *seen = NULL;
	size_t			 i;

	for (i = 0; i < NELEM(keys); i++) {
		if ((x = yamldoc_get(L->yd, n, keys[i])) == NULL)
			continue;
		if (seen != NULL)
			return lerr(L, x, "rule %u: only one of baseline, "
			    "beacon and dns_tunnel", r->sid);
		if (yamldoc_get(L->yd, n, "threshold") != NULL)
			return lerr(L, x, "rule %u: %s counts on its own: "
			    "drop threshold", r->sid, keys[i]);
		seen = x;
		if (parse[i](L, x, r) != 0)
			return -1;
	}
	if (seen == NULL)
		return 0;
	/* Counted on the application records (requests, DNS messages). */
	if (r->apprec == 0 && (r->m.keys & M_APP) && !r->m.app_neg &&
	    (r->bh.kind == BH_DNSTUNNEL || r->bh.measure == BM_REQUESTS)) {
		if (r->m.app_mask == 1U << APP_DNS)
			r->apprec = APPR_DNS;
		else if (r->m.app_mask == 1U << APP_HTTP)
			r->apprec = APPR_HTTP;
		else if (r->m.app_mask == 1U << APP_TLS)
			r->apprec = APPR_TLS_CH;
	}
	if (r->apprec != 0 && r->m.event != REV_PACKET)
		return lerr(L, seen, "rule %u: application records need "
		    "event: packet", r->sid);
	if (r->bh.kind == BH_DNSTUNNEL && r->apprec != APPR_DNS)
		return lerr(L, seen, "rule %u: dns_tunnel needs app: dns in "
		    "its match", r->sid);
	if (r->bh.kind == BH_BASELINE && r->bh.measure == BM_REQUESTS &&
	    r->apprec == 0)
		return lerr(L, seen, "rule %u: baseline measure: requests "
		    "needs app: http, dns or tls in its match", r->sid);
	if (r->bh.kind == BH_BASELINE && r->bh.measure == BM_CONNECTIONS &&
	    r->m.event != REV_FLOW_START && r->m.event != REV_FLOW_ESTABLISHED)
		return lerr(L, seen, "rule %u: baseline measure: connections "
		    "needs event: flow_start or flow_established", r->sid);
	if (r->bh.kind == BH_BEACON && r->m.event != REV_FLOW_START &&
	    r->m.event != REV_FLOW_ESTABLISHED)
		return lerr(L, seen, "rule %u: beacon counts connections: it "
		    "needs event: flow_start or flow_established", r->sid);
	return 0;
}

/*
 * The behaviour rules' tables (behaviour.h), a third of
 * limits.behaviour_memcap each, only for the kinds the set uses.
 */
static int
behaviour_tables(struct ruleset *rs, char *err, size_t errlen)
{
	uint64_t	share = rs->conf->behaviour_memcap / 3;
	int		used[4] = { 0 };
	size_t		i;

	for (i = 0; i < rs->nrules; i++)
		used[rs->rules[i].bh.kind] = 1;
	if ((used[BH_BASELINE] && (rs->bl = slot_new(share, bl_payload(),
	    16)) == NULL) || (used[BH_BEACON] && (rs->bc = slot_new(share,
	    bc_payload(), 16)) == NULL) || (used[BH_DNSTUNNEL] &&
	    ((rs->dt = slot_new(share, dt_payload(), 16)) == NULL ||
	    (rs->dtc = dt_cache_new()) == NULL))) {
		/* The running set's tables stay: name what did not fit. */
		snprintf(err, errlen, "limits.behaviour_memcap: cannot "
		    "allocate %llu MiB for a behaviour table: %s",
		    (unsigned long long)(share >> 20), strerror(ENOMEM));
		return -1;
	}
	/* Read the public suffix list now, not on the first query. */
	if (used[BH_DNSTUNNEL] && domset_psl() == NULL)
		log_warnx("dns_tunnel: no public suffix list (libpsl); "
		    "the dns_tunnel rules see no domain");
	return 0;
}

/* Check {placeholders} of a message template. */
static int
check_template(struct loader *L, struct yaml_node_s *n, const char *key,
    const char *t)
{
	const char	*p = t, *e;
	char		 name[64];

	while ((p = strchr(p, '{')) != NULL) {
		if ((e = strchr(p, '}')) == NULL)
			return lerr(L, n, "%s: unclosed { in \"%s\"", key, t);
		if ((size_t)(e - p - 1) >= sizeof(name) || e == p + 1)
			return lerr(L, n, "%s: bad placeholder in \"%s\"", key,
			    t);
		memcpy(name, p + 1, (size_t)(e - p - 1));
		name[e - p - 1] = '\0';
		if (!alert_placeholder_known(name)) {
			size_t nn;
			const char *const *names = alert_placeholder_names(&nn);
			const char *sug = yamldoc_suggest(name, names, nn);

			return lerr(L, n, "%s: unknown placeholder {%s}%s%s%s",
			    key, name, sug ? " (did you mean {" : "",
			    sug ? sug : "", sug ? "}?)" : "");
		}
		p = e + 1;
	}
	return 0;
}

/* message/advice: a string or {en: …, vi: …}; compiled into tout. */
static int
parse_text(struct loader *L, struct yaml_node_s *n, const char *key,
    char *out[2], struct alert_tmpl *tout[2])
{
	static const char *const keys[] = { "en", "vi" };
	const char	*s;
	int		 i;

	if ((s = yamldoc_scalar(n)) != NULL) {
		if (check_template(L, n, key, s) != 0)
			return -1;
		if ((out[0] = out[1] = own_strdup(L->rs, s)) == NULL ||
		    (tout[0] = tout[1] = own(L->rs,
		    alert_tmpl_compile(out[0]))) == NULL)
			return lnomem(L, n);
		return 0;
	}
	if (check_keys(L, n, key, keys, NELEM(keys)) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		struct yaml_node_s *x = yamldoc_get(L->yd, n, keys[i]);

		if (x == NULL)
			continue;
		if ((s = yamldoc_scalar(x)) == NULL)
			return lerr(L, x, "%s.%s: expected text", key,
			    keys[i]);
		if (check_template(L, x, key, s) != 0)
			return -1;
		if ((out[i] = own_strdup(L->rs, s)) == NULL)
			return lnomem(L, x);
	}
	if (out[0] == NULL && out[1] == NULL)
		return lerr(L, n, "%s: expected text or {en: …, vi: …}", key);
	if (out[0] == NULL)
		out[0] = out[1];
	if (out[1] == NULL)
		out[1] = out[0];
	if ((tout[0] = own(L->rs, alert_tmpl_compile(out[0]))) == NULL ||
	    (tout[1] = out[1] == out[0] ? tout[0] :
	    own(L->rs, alert_tmpl_compile(out[1]))) == NULL)
		return lnomem(L, n);
	return 0;
}

static int
catalog_has(const struct ruleset *rs, const char *id)
{
	size_t	i;

	for (i = 0; i < rs->ncontrols; i++)
		if (strcmp(rs->controls[i].id, id) == 0)
			return 1;
	return 0;
}

static int
parse_rule(struct loader *L, struct yaml_node_s *n, struct rule *r)
{
	struct ruleset		*rs = L->rs;
	const struct rule	*dup;
	struct yaml_node_s	*x;
	unsigned long long	 v;
	const char		*s;
	size_t			 i;
	int			 k;

	memset(r, 0, sizeof(*r));
	if (check_keys(L, n, "rule", rule_keys, NELEM(rule_keys)) != 0)
		return -1;
	if ((r->file = loader_file(L)) == NULL)
		return lnomem(L, n);
	r->line = yamldoc_line(n);
	r->digest = yamldoc_digest(L->yd, n);
	x = yamldoc_get(L->yd, n, "sid");
	if (x == NULL || parse_uint(yamldoc_scalar(x), 0xffffffffULL, &v) ||
	    v == 0)
		return lerr(L, x ? x : n, "rule: needs sid: an integer "
		    "1..4294967295");
	r->sid = (uint32_t)v;
	if ((dup = rule_by_sid(L, r->sid)) != NULL)
		return lerr(L, x, "rule: duplicate sid %u (first defined "
		    "at %s:%d)", r->sid, dup->file, dup->line);
	if (sid_put(L, r->sid, (uint32_t)(r - rs->rules)) != 0)
		return lnomem(L, x);
	x = yamldoc_get(L->yd, n, "name");
	if ((s = yamldoc_scalar(x)) == NULL || *s == '\0')
		return lerr(L, x ? x : n, "rule %u: needs name: text", r->sid);
	if ((r->name = own_strdup(rs, s)) == NULL)
		return lnomem(L, x);
	/* Optional: the Vietnamese name, for text in sensor.language vi. */
	if ((x = yamldoc_get(L->yd, n, "name_vi")) != NULL) {
		if ((s = yamldoc_scalar(x)) == NULL || *s == '\0')
			return lerr(L, x, "rule %u: name_vi: expected text",
			    r->sid);
		if ((r->name_vi = own_strdup(rs, s)) == NULL)
			return lnomem(L, x);
	}
	x = yamldoc_get(L->yd, n, "category");
	if ((s = yamldoc_scalar(x)) == NULL || (k = name_index(s,
	    rule_category_names, CAT_MAX)) < 0) {
		const char *sug = s ? yamldoc_suggest(s, rule_category_names,
		    CAT_MAX) : NULL;

		return lerr(L, x ? x : n, "rule %u: category must be one of "
		    "scan, bruteforce, policy-violation, plaintext, "
		    "weak-crypto, data-leak, exfiltration, ioc, dns, anomaly, "
		    "rogue-host, baseline, c2, sensor%s%s%s", r->sid, sug ? " (did you mean \"" : "",
		    sug ? sug : "", sug ? "\"?)" : "");
	}
	r->category = (uint8_t)k;
	x = yamldoc_get(L->yd, n, "severity");
	if ((s = yamldoc_scalar(x)) == NULL || (k = name_index(s,
	    rule_severity_names, NELEM(rule_severity_names))) <= 0)
		return lerr(L, x ? x : n, "rule %u: severity must be critical, "
		    "high, medium, low or info", r->sid);
	r->severity = (uint8_t)k;
	x = yamldoc_get(L->yd, n, "level");
	if (x == NULL || parse_uint(yamldoc_scalar(x), 5, &v) != 0 || v < 1)
		return lerr(L, x ? x : n, "rule %u: level must be 1..5",
		    r->sid);
	r->level = (uint8_t)v;
	x = yamldoc_get(L->yd, n, "controls");
	if (x != NULL) {
		size_t cnt = yamldoc_is_seq(x) ? yamldoc_seq_len(x) : 1;

		if ((r->controls = own_calloc(rs, cnt ? cnt : 1,
		    sizeof(char *))) == NULL)
			return lnomem(L, x);
		for (i = 0; i < cnt; i++) {
			struct yaml_node_s *it = yamldoc_is_seq(x) ?
			    yamldoc_seq_at(L->yd, x, i) : x;

			if ((s = yamldoc_scalar(it)) == NULL)
				return lerr(L, it, "rule %u: controls: "
				    "expected control ids", r->sid);
			if (rs->ncontrols == 0) {
				lerr(L, it, "rule %u: controls need a catalog "
				    "(set sensor.catalog)", r->sid);
				return -1;
			}
			if (!catalog_has(rs, s)) {
				const char **ids = calloc(rs->ncontrols + 1,
				    sizeof(*ids));
				const char *sug;
				size_t j;

				if (ids == NULL)
					return lnomem(L, it);
				for (j = 0; j < rs->ncontrols; j++)
					ids[j] = rs->controls[j].id;
				sug = yamldoc_suggest(s, ids, rs->ncontrols);
				lerr(L, it, "rule %u: unknown control \"%s\" "
				    "(not in catalog %s)%s%s%s", r->sid, s,
				    rs->catalog_path, sug ?
				    " (did you mean \"" : "", sug ? sug : "",
				    sug ? "\"?)" : "");
				free(ids);
				return -1;
			}
			if ((r->controls[r->ncontrols++] = own_strdup(rs,
			    s)) == NULL)
				return lnomem(L, it);
		}
	}
	if ((x = yamldoc_get(L->yd, n, "match")) == NULL)
		return lerr(L, n, "rule %u: needs match: {…}", r->sid);
	L->rule = r;
	k = rules_parse_match(L, x, &r->m, NULL, 0, 0, "match");
	L->rule = NULL;
	if (k != 0 || rules_apprec(L, x, r) != 0)
		return -1;
	if ((x = yamldoc_get(L->yd, n, "threshold")) != NULL &&
	    parse_threshold(L, x, r) != 0)
		return -1;
	if ((x = yamldoc_get(L->yd, n, "suppress")) != NULL &&
	    parse_suppress(L, x, r) != 0)
		return -1;
	if (parse_behaviour(L, n, r) != 0)
		return -1;
	if ((r->thr.kind == THR_DISTINCT && ((r->distinct == DF_SNI &&
	    r->apprec != APPR_TLS_CH) || (r->distinct == DF_QUERY &&
	    r->apprec != APPR_DNS))) ||
	    ((r->thr_by | r->sup_by) & (1 << 5) && r->apprec != APPR_TLS_CH) ||
	    ((r->thr_by | r->sup_by) & (BY_QUERY | BY_DOMAIN) &&
	    r->apprec != APPR_DNS))
		return lerr(L, n, "rule %u: sni/query/domain in threshold or "
		    "suppress need a tls.sni or dns.query match", r->sid);
	if ((x = yamldoc_get(L->yd, n, "message")) == NULL)
		return lerr(L, n, "rule %u: needs message: text", r->sid);
	if (parse_text(L, x, "message", r->message, r->message_t) != 0)
		return -1;
	if ((x = yamldoc_get(L->yd, n, "advice")) == NULL)
		return lerr(L, n, "rule %u: needs advice: what to do", r->sid);
	if (parse_text(L, x, "advice", r->advice, r->advice_t) != 0)
		return -1;
	if ((x = yamldoc_get(L->yd, n, "supersedes")) != NULL) {
		size_t cnt = yamldoc_is_seq(x) ? yamldoc_seq_len(x) : 1;

		if ((r->supersedes = own_calloc(rs, cnt ? cnt : 1,
		    sizeof(uint32_t))) == NULL)
			return lnomem(L, x);
		for (i = 0; i < cnt; i++) {
			struct yaml_node_s *it = yamldoc_is_seq(x) ?
			    yamldoc_seq_at(L->yd, x, i) : x;

			if (parse_uint(yamldoc_scalar(it), 0xffffffffULL, &v) !=
			    0 || v == r->sid)
				return lerr(L, it, "rule %u: supersedes: expected "
				    "the sids of other rules", r->sid);
			r->supersedes[r->nsupersedes++] = (uint32_t)v;
		}
	}
	r->active = L->conf->security_level >= r->level;
	if ((x = yamldoc_get(L->yd, n, "enabled")) != NULL) {
		s = yamldoc_scalar(x);
		if (s == NULL || (strcmp(s, "true") && strcmp(s, "false")))
			return lerr(L, x, "rule %u: enabled: true or false",
			    r->sid);
		if (strcmp(s, "false") == 0) {
			r->active = 0;
			if ((r->inactive_reason = own_strdup(rs, "disabled in "
			    "its rule file")) == NULL)
				return lnomem(L, x);
		}
	}
	if (!r->active && r->inactive_reason == NULL) {
		char *why;

		if (asprintf(&why, "requires security level %d; the sensor is "
		    "at level %d", r->level, L->conf->security_level) < 0 ||
		    (r->inactive_reason = own(rs, why)) == NULL)
			return lnomem(L, n);
	}
	return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/*
 * An expired exception still loads (packet time decides, and an offline
 * capture may be older), but it silences nothing live: say so, at its
 * date, so that -T and the daemon's log show it.
 */
static void
exception_expired(struct loader *L, struct yaml_node_s *n,
    const struct exception *e)
{
	char	sids[200], msg[600];
	size_t	i, len = 0;

	sids[0] = '\0';
	for (i = 0; i < e->nsids && len < sizeof(sids); i++)
		len += (size_t)snprintf(sids + len, sizeof(sids) - len, "%s%u",
		    i ? ", " : "", e->sids[i]);
	yamldoc_error(L->yd, n, msg, sizeof(msg), "exception for sids [%s] "
	    "expired on %s: it silences nothing now; renew it with a new "
	    "date or remove it", sids, e->expires_text);
	log_warnx("%s", msg);
}

/*
 * With match:, a match key written beside it would silently not apply
 * (the exception would silence more than its author wrote): refuse it.
 */
static int
exception_beside_match(struct loader *L, struct yaml_node_s *n)
{
	struct yaml_node_s	*k, *v;
	size_t			 i = 0;

	while (yamldoc_map_next(L->yd, n, &i, &k, &v))
		if (name_index(yamldoc_scalar(k), exception_own_keys,
		    NELEM(exception_own_keys)) < 0)
			return lerr(L, k, "exception: \"%s\" beside match: "
			    "would not be used; write it under match:",
			    yamldoc_scalar(k));
	return 0;
}

static int
parse_exception(struct loader *L, struct yaml_node_s *n, struct exception *e)
{
	struct ruleset		*rs = L->rs;
	struct yaml_node_s	*x, *mm;
	const char		*s, *keys[NELEM(exception_own_keys) + KW_MAX];
	unsigned long long	 v;
	unsigned		 y, mo, d;
	size_t			 i, cnt;
	char			 tail;

	memset(e, 0, sizeof(*e));
	if ((e->file = loader_file(L)) == NULL)
		return lnomem(L, n);
	e->line = yamldoc_line(n);
	memcpy(keys, exception_own_keys, sizeof(exception_own_keys));
	cnt = NELEM(exception_own_keys) + rules_keyword_names(keys +
	    NELEM(exception_own_keys), 1);
	if (check_keys(L, n, "exception", keys, cnt) != 0)
		return -1;
	x = yamldoc_get(L->yd, n, "sids");
	if (x == NULL)
		return lerr(L, n, "exception: needs sids: [SID, …]");
	cnt = yamldoc_is_seq(x) ? yamldoc_seq_len(x) : 1;
	if ((e->sids = own_calloc(rs, cnt ? cnt : 1, sizeof(*e->sids))) ==
	    NULL)
		return lnomem(L, x);
	for (i = 0; i < cnt; i++) {
		struct yaml_node_s *it = yamldoc_is_seq(x) ?
		    yamldoc_seq_at(L->yd, x, i) : x;

		if (parse_uint(yamldoc_scalar(it), 0xffffffffULL, &v) != 0)
			return lerr(L, it, "exception: sids: expected rule "
			    "sids");
		e->sids[e->nsids++] = (uint32_t)v;
	}
	/* Accountable tuning: who, why and until when are required. */
	if ((s = yamldoc_scalar(x = yamldoc_get(L->yd, n, "owner"))) == NULL ||
	    *s == '\0')
		return lerr(L, x ? x : n, "exception: needs owner: who "
		    "answers for it");
	if ((e->owner = own_strdup(rs, s)) == NULL)
		return lnomem(L, x);
	if ((s = yamldoc_scalar(x = yamldoc_get(L->yd, n, "reason"))) ==
	    NULL || *s == '\0')
		return lerr(L, x ? x : n, "exception: needs reason: why");
	if ((e->reason = own_strdup(rs, s)) == NULL)
		return lnomem(L, x);
	if ((s = yamldoc_scalar(x = yamldoc_get(L->yd, n, "expires"))) ==
	    NULL)
		return lerr(L, x ? x : n, "exception: needs expires: "
		    "YYYY-MM-DD");
	if (sscanf(s, "%4u-%2u-%2u%c", &y, &mo, &d, &tail) != 3 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970)
		return lerr(L, x, "exception: expires: expected a date "
		    "YYYY-MM-DD, got \"%s\"", s);
	if ((int)d > util_days_in_month((int)y, (int)mo))
		return lerr(L, x, "exception: expires %s: no such date (%.7s "
		    "has %d days)", s, s, util_days_in_month((int)y, (int)mo));
	if ((e->expires_text = own_strdup(rs, s)) == NULL)
		return lnomem(L, x);
	/* Through the end of that day in the sensor's zone. */
	e->expires = (uint64_t)((days_from_civil(y, mo, d) + 1) * 86400LL -
	    L->conf->utc_offset) * 1000000ULL;
	if (e->expires <= (uint64_t)time(NULL) * 1000000ULL)
		exception_expired(L, x, e);
	/* Match keys directly in the exception, or under match:. */
	if ((mm = yamldoc_get(L->yd, n, "match")) == NULL)
		return rules_parse_match(L, n, &e->m, exception_own_keys,
		    NELEM(exception_own_keys), 1, "exception");
	if (exception_beside_match(L, n) != 0)
		return -1;
	return rules_parse_match(L, mm, &e->m, NULL, 0, 0, "exception.match");
}

static int
load_exceptions(struct loader *L, struct yaml_node_s *seq)
{
	struct ruleset	*rs = L->rs;
	size_t		 i;

	if (seq == NULL)
		return 0;
	if (!yamldoc_is_seq(seq))
		return lerr(L, seq, "exceptions: expected a list");
	for (i = 0; i < yamldoc_seq_len(seq); i++) {
		struct exception	*v;

		if ((v = grow(rs->exc, rs->nexc, &L->cexc,
		    sizeof(*rs->exc))) == NULL)
			return lnomem(L, seq);
		rs->exc = v;
		if (parse_exception(L, yamldoc_seq_at(L->yd, seq, i),
		    &rs->exc[rs->nexc]) != 0)
			return -1;
		rs->nexc++;
	}
	return 0;
}

/* Catalog controls by id, then in file order (ids_dup). */
struct ctl_ref {
	const char		*id;
	size_t			 i;
};

static int
ctl_ref_cmp(const void *a, const void *b)
{
	const struct ctl_ref	*x = a, *y = b;
	int			 c = strcmp(x->id, y->id);

	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/*
 * A control id given twice: which level holds? The rules would map to
 * the first and the report list both, under either level. Refused, as a
 * duplicate sid is, naming both places; sorted, so n log n.
 */
static int
catalog_dup(struct loader *L, struct yaml_node_s *ctl)
{
	size_t		 n = L->rs->ncontrols, i;
	struct ctl_ref	*v;
	int		 rc = 0;

	if (n < 2)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return lnomem(L, ctl);
	for (i = 0; i < n; i++) {
		v[i].id = L->rs->controls[i].id;
		v[i].i = i;
	}
	qsort(v, n, sizeof(*v), ctl_ref_cmp);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(v[i - 1].id, v[i].id) == 0)
			rc = lerr(L, yamldoc_seq_at(L->yd, ctl, v[i].i),
			    "catalog: control %s given twice (first at line "
			    "%d)", v[i].id, yamldoc_line(yamldoc_seq_at(L->yd,
			    ctl, v[i - 1].i)));
	free(v);
	return rc;
}

static int
load_catalog(struct loader *L, struct yaml_node_s *where)
{
	struct ruleset		*rs = L->rs;
	struct yaml_doc		*yd, *saved = L->yd;
	struct yaml_node_s	*root, *cat, *ctl, *x;
	char			 e[1024];
	size_t			 i;
	unsigned long long	 lv;

	if ((rs->catalog_path = own(rs, config_path_try(L->conf,
	    L->conf->catalog))) == NULL)
		return lnomem(L, where);
	if ((yd = yamldoc_load(rs->catalog_path, e, sizeof(e))) == NULL)
		return lerr(L, where, "sensor.catalog: %s", e);
	snprintf(rs->catalog_sha256, sizeof(rs->catalog_sha256), "%s",
	    yamldoc_sha256(yd));
	L->yd = yd;
	root = yamldoc_root(yd);
	cat = yamldoc_get(yd, root, "catalog");
	ctl = yamldoc_get(yd, root, "controls");
	if (!yamldoc_is_seq(ctl)) {
		lerr(L, ctl ? ctl : root, "catalog: needs controls: a list");
		goto fail;
	}
	if (((x = yamldoc_get(yd, cat, "standard")) != NULL &&
	    yamldoc_scalar(x) != NULL && (rs->catalog_standard =
	    own_strdup(rs, yamldoc_scalar(x))) == NULL) || (rs->controls =
	    own_calloc(rs, yamldoc_seq_len(ctl) + 1,
	    sizeof(*rs->controls))) == NULL) {
		lnomem(L, ctl);
		goto fail;
	}
	/* The report adds it to a level to number clauses: a number. */
	if ((x = yamldoc_get(yd, cat, "clause_base")) != NULL) {
		const char *b = yamldoc_scalar(x);

		if (b == NULL || parse_uint(b + (*b == '-'), *b == '-' ?
		    -(unsigned long long)INT_MIN : INT_MAX, &lv) != 0) {
			lerr(L, x, "catalog: clause_base must be a whole number "
			    "(an int)");
			goto fail;
		}
	}
	for (i = 0; i < yamldoc_seq_len(ctl); i++) {
		struct yaml_node_s *c = yamldoc_seq_at(yd, ctl, i);
		const char *id = yamldoc_scalar(yamldoc_get(yd, c, "id"));

		if (id == NULL) {
			lerr(L, c, "catalog: each control needs id");
			goto fail;
		}
		x = yamldoc_get(yd, c, "level");
		if (x == NULL || parse_uint(yamldoc_scalar(x), 5, &lv) != 0 ||
		    lv < 1) {
			lerr(L, x ? x : c, "catalog: control %s: level must be "
			    "1..5", id);
			goto fail;
		}
		if ((rs->controls[rs->ncontrols].id = own_strdup(rs, id)) ==
		    NULL) {
			lnomem(L, c);
			goto fail;
		}
		rs->controls[rs->ncontrols].level = (int)lv;
		rs->ncontrols++;
	}
	if (catalog_dup(L, ctl) != 0)
		goto fail;
	L->yd = saved;
	yamldoc_free(rs->catalog_doc);
	rs->catalog_doc = yd;	/* the report reads it, not the file again */
	return 0;
fail:
	L->yd = saved;
	yamldoc_free(yd);
	return -1;
}

/* One rule file: a `rules:` list and optional `exceptions:`. */
static int
load_rule_file(struct loader *L, const char *path)
{
	struct ruleset		*rs = L->rs;
	struct yaml_doc		*yd, *saved = L->yd;
	struct yaml_node_s	*root, *seq, *x;
	static const char *const keys[] = { "rules", "exceptions" };
	size_t			 i;
	int			 rc = -1;

	if ((yd = yamldoc_load(path, L->err, L->errlen)) == NULL)
		return -1;
	snprintf(L->file_sha256, sizeof(L->file_sha256), "%s",
	    yamldoc_sha256(yd));
	L->yd = yd;
	root = yamldoc_root(yd);
	/* A catalog beside the rule packs is not a rule file. */
	if (yamldoc_is_map(root) && yamldoc_get(yd, root, "controls") != NULL &&
	    yamldoc_get(yd, root, "rules") == NULL) {
		L->catalog = 1;
		rc = 0;
		goto out;
	}
	if (check_keys(L, root, "rule file", keys, NELEM(keys)) != 0)
		goto out;
	seq = yamldoc_get(yd, root, "rules");
	if (seq != NULL && !yamldoc_is_seq(seq)) {
		lerr(L, seq, "rules: expected a list of rules");
		goto out;
	}
	for (i = 0; i < yamldoc_seq_len(seq); i++) {
		struct rule	*v;

		if (rs->nrules >= RULES_MAX) {
			lerr(L, seq, "rules: more than %d rules", RULES_MAX);
			goto out;
		}
		if ((v = grow(rs->rules, rs->nrules, &L->crules,
		    sizeof(*rs->rules))) == NULL) {
			lnomem(L, seq);
			goto out;
		}
		rs->rules = v;
		if (parse_rule(L, yamldoc_seq_at(yd, seq, i),
		    &rs->rules[rs->nrules]) != 0)
			goto out;
		rs->nrules++;
	}
	x = yamldoc_get(yd, root, "exceptions");
	/* A feed may add detection, not take it away: an exception is the
	 * site's own decision, with its owner and expiry. */
	if (x != NULL && strict_list(L, path)) {
		lerr(L, x, "exceptions: a fetched rule pack may not carry "
		    "exceptions (they silence rules here); write them in a "
		    "rule file of your own");
		goto out;
	}
	if (x != NULL && load_exceptions(L, x) != 0)
		goto out;
	rc = 0;
out:
	L->yd = saved;
	L->file_yd = NULL;
	yamldoc_free(yd);
	return rc;
}

static int
load_rule_files(struct loader *L, struct yaml_node_s *seq)
{
	size_t	i, j, nfiles = 0;

	if (seq == NULL)
		return 0;
	if (!yamldoc_is_seq(seq))
		return lerr(L, seq, "rules: expected a list of files or globs");
	for (i = 0; i < yamldoc_seq_len(seq); i++) {
		struct yaml_node_s	*it = yamldoc_seq_at(L->yd, seq, i);
		const char		*s = yamldoc_scalar(it);
		char			*pat;
		glob_t			 g;
		int			 rc;

		if (s == NULL)
			return lerr(L, it, "rules: expected a file or glob");
		if ((pat = config_path_try(L->conf, s)) == NULL)
			return lnomem(L, it);
		memset(&g, 0, sizeof(g));
		rc = glob(pat, GLOB_ERR, NULL, &g);
		if (rc == GLOB_NOMATCH && strpbrk(s, "*?[") != NULL) {
			/* An empty glob is fine: a pack directory may be. */
			free(pat);
			globfree(&g);
			continue;
		}
		if (rc != 0) {
			lerr(L, it, "rules: %s: no such file", pat);
			free(pat);
			globfree(&g);
			return -1;
		}
		for (j = 0; j < g.gl_pathc; j++) {
			if (++nfiles > RULE_FILES_MAX ||
			    load_rule_file(L, g.gl_pathv[j]) != 0) {
				if (nfiles > RULE_FILES_MAX)
					lerr(L, it, "rules: more than %d files",
					    RULE_FILES_MAX);
				free(pat);
				globfree(&g);
				return -1;
			}
			if (rs_add_file(L->rs, g.gl_pathv[j],
			    L->file_sha256) != 0) {
				lnomem(L, it);
				free(pat);
				globfree(&g);
				return -1;
			}
			L->rs->file_catalog[L->rs->nfiles - 1] = L->catalog;
			L->catalog = 0;
		}
		free(pat);
		globfree(&g);
	}
	return 0;
}

/* -1 without memory (the three arrays, each at least nfiles long, as
 * they were). */
int
rs_add_file(struct ruleset *rs, const char *path, const char *sha256)
{
	char		**f, (*h)[65];
	uint8_t		 *c;

	if ((f = reallocarray(rs->files, rs->nfiles + 1,
	    sizeof(*rs->files))) == NULL)
		return -1;
	rs->files = f;
	if ((h = reallocarray(rs->file_sha256, rs->nfiles + 1,
	    sizeof(*rs->file_sha256))) == NULL)
		return -1;
	rs->file_sha256 = h;
	if ((c = reallocarray(rs->file_catalog, rs->nfiles + 1, 1)) == NULL)
		return -1;
	rs->file_catalog = c;
	if ((rs->files[rs->nfiles] = own_strdup(rs, path)) == NULL)
		return -1;
	snprintf(rs->file_sha256[rs->nfiles], sizeof(rs->file_sha256[0]), "%s",
	    sha256 != NULL ? sha256 : "");
	rs->file_catalog[rs->nfiles++] = 0;
	return 0;
}

/* The rules' threshold specs, in rule order, for thr_new (freed by the
 * caller); NULL without memory. */
struct thr_spec *
rules_thr_specs(const struct ruleset *rs)
{
	struct thr_spec	*specs = calloc(rs->nrules + 1, sizeof(*specs));
	size_t		 i;

	if (specs == NULL)
		return NULL;
	for (i = 0; i < rs->nrules; i++)
		specs[i] = rs->rules[i].thr;
	return specs;
}

/*
 * Every sid a rule supersedes is known, and no rule supersedes itself
 * round a cycle (directly is refused at parse): on one, which rule stayed
 * active would be the file order's choice. Kahn's peeling of the rules no rule left
 * supersedes: what cannot be peeled is on a cycle (no recursion: a
 * hostile chain may be as long as the rule set).
 */
static int
supersedes_check(struct loader *L)
{
	struct ruleset	*rs = L->rs;
	uint32_t	*indeg, *queue, qh = 0, qt = 0;
	size_t		 i, j, done = 0;
	struct rule	*r, *old;
	int		 rc = 0;

	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		for (j = 0; j < r->nsupersedes; j++) {
			if ((old = rule_by_sid(L, r->supersedes[j])) == NULL) {
				snprintf(L->err, L->errlen, "%s:%d: rule %u: "
				    "supersedes unknown sid %u", r->file,
				    r->line, r->sid, r->supersedes[j]);
				return -1;
			}
			/* Superseding makes the old rule inactive: a feed
			 * may replace its own rules, not the site's. */
			if (strcmp(old->file, r->file) != 0 &&
			    strict_list(L, r->file)) {
				snprintf(L->err, L->errlen, "%s:%d: rule %u: "
				    "supersedes sid %u of %s: a fetched rule "
				    "pack may supersede only its own rules",
				    r->file, r->line, r->sid, old->sid,
				    old->file);
				return -1;
			}
		}
	}
	indeg = calloc(rs->nrules ? rs->nrules : 1, sizeof(*indeg));
	queue = calloc(rs->nrules ? rs->nrules : 1, sizeof(*queue));
	if (indeg == NULL || queue == NULL) {
		free(indeg);
		free(queue);
		return lnomem(L, NULL);
	}
	for (i = 0; i < rs->nrules; i++)
		for (j = 0; j < rs->rules[i].nsupersedes; j++)
			indeg[rule_by_sid(L, rs->rules[i].supersedes[j]) -
			    rs->rules]++;
	for (i = 0; i < rs->nrules; i++)
		if (indeg[i] == 0)
			queue[qt++] = (uint32_t)i;
	while (qh < qt) {
		r = &rs->rules[queue[qh++]];
		done++;
		for (j = 0; j < r->nsupersedes; j++) {
			size_t k = (size_t)(rule_by_sid(L, r->supersedes[j]) -
			    rs->rules);

			if (--indeg[k] == 0)
				queue[qt++] = (uint32_t)k;
		}
	}
	/*
	 * Left over: the rules on a cycle and those it leads to, each with
	 * a predecessor left over. Walking back from one by predecessors
	 * (through an array of them) as many steps as there are rules ends
	 * on the cycle: name that rule and the one before it there.
	 */
	if (done < rs->nrules) {
		uint32_t	*off = calloc(rs->nrules + 1, sizeof(*off));
		uint32_t	*pred = NULL, *fill = NULL, cur = 0, p = 0;

		if (off == NULL)
			goto nomem;
		for (i = 0; i < rs->nrules; i++)
			for (j = 0; j < rs->rules[i].nsupersedes; j++)
				off[rule_by_sid(L, rs->rules[i].supersedes[j]) -
				    rs->rules + 1]++;
		for (i = 0; i < rs->nrules; i++)
			off[i + 1] += off[i];
		pred = calloc(off[rs->nrules] ? off[rs->nrules] : 1,
		    sizeof(*pred));
		fill = calloc(rs->nrules, sizeof(*fill));
		if (pred == NULL || fill == NULL) {
			free(off);
			free(pred);
			free(fill);
			goto nomem;
		}
		for (i = 0; i < rs->nrules; i++)
			for (j = 0; j < rs->rules[i].nsupersedes; j++) {
				size_t k = (size_t)(rule_by_sid(L,
				    rs->rules[i].supersedes[j]) - rs->rules);

				pred[off[k] + fill[k]++] = (uint32_t)i;
			}
		while (indeg[cur] == 0)
			cur++;
		for (i = 0; i <= rs->nrules; i++) {
			for (j = off[cur]; indeg[pred[j]] == 0; j++)
				;
			p = cur;
			cur = pred[j];
		}
		/* cur supersedes p, both on the cycle. */
		r = &rs->rules[cur];
		snprintf(L->err, L->errlen, "%s:%d: rule %u: supersedes %u, "
		    "which supersedes it in turn (directly or through other "
		    "rules): one of them must not", r->file, r->line, r->sid,
		    rs->rules[p].sid);
		rc = -1;
		free(off);
		free(pred);
		free(fill);
	}
	free(indeg);
	free(queue);
	return rc;
nomem:
	free(indeg);
	free(queue);
	return lnomem(L, NULL);
}

/*
 * A tighter variant of a rule, active at a higher level, replaces the
 * base rule there (supersedes:), so one detection gives one alert at
 * every level. Unknown sids are an error at the superseding rule.
 */
static int
apply_supersedes(struct loader *L)
{
	struct ruleset	*rs = L->rs;
	size_t		 i, j;
	char		*why;

	if (supersedes_check(L) != 0)
		return -1;
	for (i = 0; i < rs->nrules; i++) {
		struct rule *r = &rs->rules[i], *old;

		for (j = 0; j < r->nsupersedes; j++) {
			old = rule_by_sid(L, r->supersedes[j]);
			if (!r->active || !old->active)
				continue;
			old->active = 0;
			if (asprintf(&why, "superseded by rule %u (level %d) "
			    "at this level", r->sid, r->level) < 0 ||
			    (old->inactive_reason = own(rs, why)) == NULL)
				return lnomem(L, NULL);
		}
	}
	return 0;
}

/* Link each rule to the exceptions naming its sid; -1 without memory. */
static int
link_exceptions(struct loader *L)
{
	struct ruleset	*rs = L->rs;
	struct rule	*r;
	size_t		 i, j, *v;

	for (i = 0; i < rs->nexc; i++)
		for (j = 0; j < rs->exc[i].nsids; j++) {
			if ((r = rule_by_sid(L, rs->exc[i].sids[j])) == NULL)
				continue;
			if ((v = reallocarray(r->exc, r->nexc + 1,
			    sizeof(*r->exc))) == NULL)
				return lnomem(L, NULL);
			r->exc = v;
			r->exc[r->nexc++] = i;
		}
	return 0;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The rules' indices in sid order, sorted here (in the reload thread)
 * so that the swap on the loop carries counters in one merge.
 */
static int
index_by_sid(struct ruleset *rs)
{
	uint64_t	*keys;
	size_t		 i;

	if (rs->nrules == 0)
		return 0;
	if ((keys = calloc(rs->nrules, sizeof(*keys))) == NULL)
		return -1;
	for (i = 0; i < rs->nrules; i++)
		keys[i] = (uint64_t)rs->rules[i].sid << 32 | i;
	qsort(keys, rs->nrules, sizeof(*keys), u64_cmp);
	if ((rs->by_sid = calloc(rs->nrules, sizeof(*rs->by_sid))) == NULL) {
		free(keys);
		return -1;
	}
	for (i = 0; i < rs->nrules; i++)
		rs->by_sid[i] = (uint32_t)keys[i];
	free(keys);
	return 0;
}

static int
exc_ptr_cmp(const void *a, const void *b)
{
	const struct exception	*x = *(const struct exception *const *)a;
	const struct exception	*y = *(const struct exception *const *)b;
	int			 c = rules_exception_id_cmp(x, y);

	/* Equal ones stay in file order: the carry pairs them in order. */
	return c != 0 ? c : (x > y) - (x < y);
}

/* The exceptions' indices by identity, for the same merge. */
static int
index_exceptions(struct ruleset *rs)
{
	const struct exception	**p;
	size_t			  i;

	if (rs->nexc == 0)
		return 0;
	if ((p = calloc(rs->nexc, sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < rs->nexc; i++)
		p[i] = &rs->exc[i];
	qsort(p, rs->nexc, sizeof(*p), exc_ptr_cmp);
	if ((rs->exc_by_id = calloc(rs->nexc, sizeof(*rs->exc_by_id))) ==
	    NULL) {
		free(p);
		return -1;
	}
	for (i = 0; i < rs->nexc; i++)
		rs->exc_by_id[i] = (uint32_t)(p[i] - rs->exc);
	free(p);
	return 0;
}

struct ruleset *
rules_load(const struct config *conf, char *err, size_t errlen)
{
	return rules_load_overlay(conf, NULL, err, errlen);
}

/*
 * The rule set of conf, with the asset groups of overlay's `assets:`
 * (the self-test's bindings) in place of conf's groups of the same name.
 */
struct ruleset *
rules_load_overlay(const struct config *conf, struct yaml_doc *overlay,
    char *err, size_t errlen)
{
	struct ruleset		*rs = calloc(1, sizeof(*rs));
	struct loader		 L;
	struct yaml_node_s	*root = NULL;
	struct thr_spec		*specs;
	const struct ipset	*lan;
	size_t			 i;

	if (rs == NULL) {
		snprintf(err, errlen, "no memory to load the rule set: %s",
		    strerror(ENOMEM));
		return NULL;
	}
	rs->conf = conf;
	/* Every match runs under the configured limits, the probes of
	 * compile_regex included. */
	if ((rs->match_ctx = pcre2_match_context_create(NULL)) == NULL) {
		snprintf(err, errlen, "cannot allocate a PCRE2 match context");
		free(rs);
		return NULL;
	}
	pcre2_set_match_limit(rs->match_ctx, (uint32_t)(conf->regex_match_limit
	    > 0 ? conf->regex_match_limit : REGEX_MATCH_LIMIT));
	pcre2_set_depth_limit(rs->match_ctx, (uint32_t)(conf->regex_depth_limit
	    > 0 ? conf->regex_depth_limit : REGEX_DEPTH_LIMIT));
	memset(&L, 0, sizeof(L));
	L.rs = rs;
	L.conf = conf;
	L.yd = conf->doc;
	L.err = err;
	L.errlen = errlen;
	L.crules = L.cexc = 0;
	L.sids = NULL;
	L.sidcap = 0;
	L.sidseed = 0;
	L.file_yd = NULL;
	L.file = NULL;
	L.overlaid = 0;
	if (conf->doc != NULL)
		root = yamldoc_root(conf->doc);
	if (root != NULL) {
		struct yaml_node_s *cat = yamldoc_get(conf->doc,
		    yamldoc_get(conf->doc, root, "sensor"), "catalog");

		if (overlay != NULL) {
			L.yd = overlay;
			if (load_assets(&L, yamldoc_get(overlay,
			    yamldoc_root(overlay), "assets")))
				goto fail;
			L.yd = conf->doc;
			L.overlaid = 1;
		}
		if (load_assets(&L, yamldoc_get(conf->doc, root, "assets")))
			goto fail;
		L.overlaid = 0;
		/*
		 * The catalog is required when named; the default one is
		 * optional, so a capture-only configuration needs none.
		 */
		if (cat == NULL && (rs->catalog_path = own(rs,
		    config_path_try(conf, conf->catalog))) == NULL) {
			lnomem(&L, NULL);
			goto fail;
		}
		if (cat != NULL || access(rs->catalog_path, R_OK) == 0) {
			if (load_catalog(&L, cat ? cat : root) != 0)
				goto fail;
		}
		if (load_rule_files(&L, yamldoc_get(conf->doc, root,
		    "rules")) != 0)
			goto fail;
		if (load_exceptions(&L, yamldoc_get(conf->doc, root,
		    "exceptions")) != 0)
			goto fail;
	}
	if (apply_supersedes(&L) != 0 || link_exceptions(&L) != 0)
		goto fail;
	lan = rules_asset_ipset(rs, "internal");
	for (i = 0; i < rs->nrules; i++) {
		struct rule	*r = &rs->rules[i];
		uint8_t		 pair = BY_SRC_IP | BY_DST_IP;

		/*
		 * A behaviour rule counts in its own tables first. A key by
		 * an address's network spans pairs that the workers split
		 * by the exact addresses: the shared table's.
		 */
		if (r->bh.kind == BH_NONE && (r->thr.kind == THR_NONE ||
		    (r->thr_by & pair) == pair))
			r->thr_pair |= r->thr_net[0] || r->thr_net[1] ?
			    THR_PAIR_WINDOW_V4 : THR_PAIR_WINDOW;
		if (r->thr.suppress == 0 || (r->sup_by & pair) == pair)
			r->thr_pair |= r->sup_net[0] || r->sup_net[1] ?
			    THR_PAIR_SUPPRESS_V4 : THR_PAIR_SUPPRESS;
		if (r->thr_net[0] || r->thr_net[1] || r->sup_net[0] ||
		    r->sup_net[1])
			r->net_keep = lan;
	}
	if ((specs = rules_thr_specs(rs)) != NULL)
		rs->thr = thr_new(conf->threshold_memcap, specs, rs->nrules);
	free(specs);
	if (rs->thr == NULL) {
		/* The running set's table stays: name what did not fit. */
		snprintf(err, errlen, "limits.threshold_memcap: cannot "
		    "allocate %llu MiB for the threshold table: %s",
		    (unsigned long long)(conf->threshold_memcap >> 20),
		    strerror(ENOMEM));
		goto fail;
	}
	if (behaviour_tables(rs, err, errlen) != 0)
		goto fail;
	if (rules_index(rs) != 0 || index_by_sid(rs) != 0 ||
	    index_exceptions(rs) != 0) {
		snprintf(err, errlen, "no memory to index the rules: %s",
		    strerror(ENOMEM));
		goto fail;
	}
	for (i = 0; i < rs->nrules; i++) {
		struct rule	*r = &rs->rules[i];

		r->alert_members[0] = own(rs, alert_rule_members(r, 0,
		    &r->alert_members_len[0]));
		/* Without a Vietnamese name the two languages' are one. */
		if (r->name_vi == NULL) {
			r->alert_members[1] = r->alert_members[0];
			r->alert_members_len[1] = r->alert_members_len[0];
		} else
			r->alert_members[1] = own(rs, alert_rule_members(r, 1,
			    &r->alert_members_len[1]));
	}
	free(L.sids);
	return rs;
fail:
	free(L.sids);
	rules_free(rs);
	return NULL;
}

void
rules_free(struct ruleset *rs)
{
	size_t	i;

	if (rs == NULL)
		return;
	rules_index_free(rs);
	yamldoc_free(rs->catalog_doc);
	if (rs->match_ctx != NULL)
		pcre2_match_context_free(rs->match_ctx);
	thr_free(rs->thr);
	slot_free(rs->bl);
	slot_free(rs->bc);
	slot_free(rs->dt);
	dt_cache_free(rs->dtc);
	for (i = 0; i < rs->nrules; i++)
		free(rs->rules[i].exc);
	for (i = 0; i < rs->nregex; i++)
		pcre2_code_free(rs->regex[i]);
	for (i = 0; i < rs->nipsets; i++)
		ipset_free(rs->ipsets[i]);
	for (i = 0; i < rs->ndomsets; i++)
		domset_free(rs->domsets[i]);
	for (i = 0; i < rs->nowned; i++)
		free(rs->owned[i]);
	free(rs->owned);
	free(rs->regex);
	free(rs->ipsets);
	free(rs->domsets);
	free(rs->files);
	free(rs->file_catalog);
	free(rs->file_sha256);
	free(rs->asset_refs);
	free(rs->rules);
	free(rs->by_sid);
	free(rs->exc);
	free(rs->exc_by_id);
	free(rs->assets);
	free(rs);
}

size_t
rules_count(const struct ruleset *rs, int active)
{
	size_t	i, n = 0;

	for (i = 0; i < rs->nrules; i++)
		if (!!rs->rules[i].active == !!active)
			n++;
	return n;
}

/* -T: what is loaded, active and inactive, per level and category. */
void
rules_print_summary(const struct ruleset *rs, FILE *fp, int verbose)
{
	size_t	i, act[6][2], cat[CAT_MAX][2];
	int	l, c;

	memset(act, 0, sizeof(act));
	memset(cat, 0, sizeof(cat));
	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		act[r->level][r->active ? 0 : 1]++;
		cat[r->category][r->active ? 0 : 1]++;
	}
	fprintf(fp, "security level %d: %zu rules active, %zu inactive, from "
	    "%zu files; %zu assets; %zu exceptions; ", rs->conf->security_level,
	    rules_count(rs, 1), rules_count(rs, 0), rs->nfiles, rs->nassets,
	    rs->nexc);
	/* The default catalog is optional: say when none was loaded. */
	if (rs->catalog_sha256[0] == '\0')
		fprintf(fp, "no catalog (%s not found)\n", rs->catalog_path ?
		    rs->catalog_path : "none named");
	else
		fprintf(fp, "catalog %s (%zu controls)\n",
		    rs->catalog_standard ? rs->catalog_standard :
		    rs->catalog_path, rs->ncontrols);
	fprintf(fp, "  by level:    ");
	for (l = 1; l <= 5; l++)
		fprintf(fp, " L%d %zu active/%zu inactive%s", l, act[l][0],
		    act[l][1], l < 5 ? "," : "\n");
	fprintf(fp, "  by category:\n");
	for (c = 0; c < CAT_MAX; c++)
		if (cat[c][0] + cat[c][1] > 0)
			fprintf(fp, "    %-17s %3zu active, %3zu inactive\n",
			    rule_category_names[c], cat[c][0], cat[c][1]);
	for (i = 0; i < rs->nexc; i++) {
		const struct exception *e = &rs->exc[i];

		fprintf(fp, "  exception %s:%d (%s; %s) %s %s\n", e->file,
		    e->line, e->owner, e->reason, e->expires <=
		    (uint64_t)time(NULL) * 1000000ULL ? "EXPIRED on" :
		    "expires", e->expires_text);
	}
	if (!verbose)
		return;
	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		fprintf(fp, "  %s %u L%d %-8s %-16s %s%s%s\n", r->active ?
		    "active  " : "inactive", r->sid, r->level,
		    rule_severity_names[r->severity],
		    rule_category_names[r->category], r->name,
		    r->active ? "" : " — ", r->active ? "" :
		    r->inactive_reason);
	}
}
