/*
 * The sensor configuration: YAML → struct config.
 *
 * Parse, validate, then hand back a complete struct or nothing: the
 * caller commits it only if everything succeeded. Scalar options live in
 * one declarative table (name, type, bounds, default) that also prints
 * the effective configuration for -T -v.
 */
#include "config.h"

#include <sys/sysinfo.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "ctl-protocol.h"
#include "flow.h"
#include "log.h"
#include "output.h"
#include "spool.h"
#include "types.h"
#include "update.h"
#include "util.h"
#include "workers.h"
#include "xmalloc.h"
#include "yamldoc.h"

/* OPT_AUTO: true, false or auto (an int: 1, 0, 2). */
enum opt_type { OPT_STR, OPT_INT, OPT_BOOL, OPT_SIZE, OPT_DURATION,
	OPT_PERCENT, OPT_AUTO };

struct option_def {
	const char	*section;	/* top-level mapping, or NULL */
	const char	*name;
	enum opt_type	 type;
	size_t		 off;		/* into struct config */
	int64_t		 min, max;
	const char	*def;
	int		 reloadable;
};

#define OFF(f)	offsetof(struct config, f)
/*
 * The bound of a memory cap: the host's RAM and swap (host_memory). The
 * tables are allocated whole from it (at start, or at a reload for
 * threshold_memcap and behaviour_memcap), so a cap no allocation can
 * meet would pass -T and then end the start (a reload's allocation that
 * fails fails that reload alone: the running set stays).
 */
#define HOST_MEMORY	INT64_MAX

static const struct option_def options[] = {
	{ "sensor", "name", OPT_STR, OFF(sensor_name), 1, 128, "canhgac", 1 },
	{ "sensor", "security_level", OPT_INT, OFF(security_level), 1, 5,
	    "1", 1 },
	{ "sensor", "timezone", OPT_STR, OFF(timezone), 1, 64,
	    "Asia/Ho_Chi_Minh", 1 },
	{ "sensor", "catalog", OPT_STR, OFF(catalog), 1, 4096,
	    "rules/controls-tcvn11930.yaml", 1 },
	{ "sensor", "state_dir", OPT_STR, OFF(state_dir), 1, 4096,
	    "/var/lib/canhgac", 0 },
	/* The rules' self-test cases (selftest.c), installed with them. */
	{ "sensor", "selftest_cases", OPT_STR, OFF(selftest_cases), 1, 4096,
	    "rules/selftest/manifest.json", 1 },
	/* Packet workers (workers.c); 0: one per CPU the unit allows. */
	{ "sensor", "workers", OPT_INT, OFF(workers), 0, WORKERS_MAX, "0", 0 },
	{ "limits", "flow_memcap", OPT_SIZE, OFF(flow_memcap), 1 << 20,
	    HOST_MEMORY, "256MB", 0 },
	{ "limits", "threshold_memcap", OPT_SIZE, OFF(threshold_memcap),
	    1 << 20, HOST_MEMORY, "64MB", 1 },
	{ "limits", "behaviour_memcap", OPT_SIZE, OFF(behaviour_memcap),
	    1 << 20, HOST_MEMORY, "32MB", 1 },
	/* Widest prefix a list file may hold (canhgacctl list add --force). */
	{ "limits", "list_min_prefix_v4", OPT_INT, OFF(list_min_prefix4), 0,
	    32, "8", 1 },
	{ "limits", "list_min_prefix_v6", OPT_INT, OFF(list_min_prefix6), 0,
	    128, "32", 1 },
	/* PCRE2 gives up on a start position after this many steps (its
	 * own default, ten million, let one pattern cost 16 ms a packet). */
	{ "limits", "regex_match_limit", OPT_INT, OFF(regex_match_limit),
	    1000, 10000000, "100000", 1 },
	{ "limits", "regex_depth_limit", OPT_INT, OFF(regex_depth_limit),
	    100, 10000000, "10000", 1 },
	{ "flow_timeouts", "new", OPT_DURATION, OFF(timeouts.t[FLOW_NEW]),
	    1000000, 86400LL * 1000000, "30s", 1 },
	{ "flow_timeouts", "established", OPT_DURATION,
	    OFF(timeouts.t[FLOW_ESTABLISHED]), 1000000, 86400LL * 1000000,
	    "300s", 1 },
	{ "flow_timeouts", "closed", OPT_DURATION,
	    OFF(timeouts.t[FLOW_CLOSED]), 1000000, 86400LL * 1000000, "10s", 1 },
	{ "defrag", "enabled", OPT_BOOL, OFF(defrag_enabled), 0, 1, "true", 0 },
	{ "defrag", "memcap", OPT_SIZE, OFF(defrag_memcap), 1 << 20,
	    HOST_MEMORY, "16MB", 0 },
	{ "defrag", "timeout", OPT_DURATION, OFF(defrag_timeout), 1000000,
	    86400LL * 1000000, "30s", 0 },
	{ "stream", "memcap", OPT_SIZE, OFF(stream_memcap), 1 << 20,
	    HOST_MEMORY, "32MB", 0 },
	{ "stream", "match_memcap", OPT_SIZE, OFF(stream_match_memcap),
	    1 << 20, HOST_MEMORY, "16MB", 0 },
	{ "stream", "depth", OPT_SIZE, OFF(stream_depth), 4096,
	    UINT32_MAX, "1MB", 0 },
	{ "stream", "gateway_depth", OPT_SIZE, OFF(stream_gateway_depth), 4096,
	    UINT32_MAX, "4MB", 0 },
	/* sensor.c, sensor_checksum: auto, the default, drops a wrong sum
	 * only from a side of a flow that sent right ones. */
	{ "stream", "checksum_validation", OPT_AUTO,
	    OFF(stream_checksum_validation), 0, 2, "auto", 0 },
	/* What "covered" asks of the sensor (compliance.c). */
	{ "compliance", "max_list_age", OPT_DURATION,
	    OFF(compliance_max_list_age), 3600LL * 1000000,
	    366LL * 86400 * 1000000, "7d", 1 },
	{ "compliance", "max_drop_rate", OPT_PERCENT,
	    OFF(compliance_max_drop_rate), 0, 100, "1%", 1 },
	/* Inflated bytes inspected per HTTP body, and against bombs at most
	 * ratio times the compressed bytes (plus 64 KiB). */
	{ "http", "decompress_limit", OPT_SIZE, OFF(http_decompress_limit),
	    4096, (int64_t)1 << 32, "1MB", 0 },
	{ "http", "decompress_ratio", OPT_INT, OFF(http_decompress_ratio), 1,
	    100000, "100", 0 },
	/* Bodies inflated at once: 48 KiB of zlib state each. */
	{ "http", "decompress_bodies", OPT_INT, OFF(http_decompress_bodies),
	    0, 65536, "64", 0 },
	/* The host inventory's table is sized at start (hosts.c). */
	{ "inventory", "max_hosts", OPT_INT, OFF(inventory_max_hosts), 16,
	    4194304, "65536", 0 },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/*
 * Keys owned by other subsystems (rules, outputs, service): accepted
 * here so that one file configures everything; their own loaders check
 * their contents.
 */
static const char *const top_keys[] = {
	"sensor", "capture", "assets", "rules", "exceptions", "outputs",
	"limits", "flow_timeouts", "user", "pidfile", "events",
	"defrag", "stream", "compliance", "http", "inventory", "updates"
};
static const char *const sensor_keys[] = {
	"name", "security_level", "timezone", "catalog", "language",
	"state_dir", "selftest_cases", "workers"
};
static const char *const limits_keys[] = {
	"flow_memcap", "threshold_memcap", "behaviour_memcap",
	"list_min_prefix_v4",
	"list_min_prefix_v6", "regex_match_limit", "regex_depth_limit"
};
static const char *const timeout_keys[] = { "new", "established", "closed" };
static const char *const outputs_keys[] = {
	"json", "syslog", "remote", "status"
};
static const char *const json_keys[] = { "path" };
static const char *const defrag_keys[] = { "enabled", "memcap", "timeout" };
static const char *const stream_keys[] = { "memcap", "match_memcap", "depth",
    "gateway_depth", "checksum_validation" };
static const char *const compliance_keys[] = {
	"max_list_age", "max_drop_rate"
};
static const char *const http_keys[] = {
	"decompress_limit", "decompress_ratio", "decompress_bodies"
};
static const char *const inventory_keys[] = { "max_hosts" };
static const char *const capture_keys[] = {
	"interface", "bpf", "snaplen", "promiscuous", "buffer_size"
};

/* Set one option from its text; err names the node on failure. */
/* RAM and swap, in bytes; unknown: no bound. */
static uint64_t
host_memory(void)
{
	struct sysinfo	si;

	if (sysinfo(&si) != 0 || si.mem_unit == 0)
		return UINT64_MAX;
	return ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
}

/*
 * A reload reads the new configuration on the loop beside the running
 * one: without memory for it the reload is refused (util_nomem's words
 * in err), the daemon goes on.
 */

/* A copy of s in place of *dst (freed); -1 without memory, *dst kept. */
static int
config_strdup(char **dst, const char *s, char *err, size_t errlen)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		return util_nomem(err, errlen);
	free(*dst);
	*dst = p;
	return 0;
}

static int
option_set(struct config *c, const struct option_def *o, const char *s,
    struct yaml_doc *yd, struct yaml_node_s *n, char *err, size_t errlen)
{
	char		*base = (char *)c + o->off;
	uint64_t	 u;
	long long	 v;
	char		*end;

	switch (o->type) {
	case OPT_STR:
		if (strlen(s) < (size_t)o->min || strlen(s) > (size_t)o->max)
			return yamldoc_error(yd, n, err, errlen,
			    "%s.%s: length must be %lld..%lld characters",
			    o->section, o->name, (long long)o->min,
			    (long long)o->max);
		return config_strdup((char **)base, s, err, errlen);
	case OPT_INT:
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0' || end == s || v < o->min ||
		    v > o->max)
			return yamldoc_error(yd, n, err, errlen,
			    "%s.%s: expected an integer %lld..%lld, got \"%s\"",
			    o->section, o->name, (long long)o->min,
			    (long long)o->max, s);
		*(int *)base = (int)v;
		return 0;
	case OPT_AUTO:
	case OPT_BOOL:
		if (o->type == OPT_AUTO && strcmp(s, "auto") == 0)
			*(int *)base = 2;
		else if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
			*(int *)base = 1;
		else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
			*(int *)base = 0;
		else
			return yamldoc_error(yd, n, err, errlen,
			    "%s.%s: expected %strue or false, got \"%s\"",
			    o->section, o->name,
			    o->type == OPT_AUTO ? "auto, " : "", s);
		return 0;
	case OPT_SIZE:
		if (util_parse_size(s, &u) != 0 || u < (uint64_t)o->min ||
		    u > (uint64_t)o->max) {
			/* The bound a value past it broke: the least, or both. */
			char	range[64];

			if (o->max == INT64_MAX)
				snprintf(range, sizeof(range), "at least %lld "
				    "bytes", (long long)o->min);
			else
				snprintf(range, sizeof(range), "%lld..%lld "
				    "bytes", (long long)o->min,
				    (long long)o->max);
			return yamldoc_error(yd, n, err, errlen,
			    "%s.%s: expected a size such as 64MB (%s), got "
			    "\"%s\"", o->section, o->name, range, s);
		}
		/* Not the defaults: they are not the host's to refuse. */
		if (yd != NULL && o->max == HOST_MEMORY && u > host_memory())
			return yamldoc_error(yd, n, err, errlen,
			    "%s.%s: \"%s\" is more than this host's memory "
			    "(%llu MB of RAM and swap)", o->section, o->name,
			    s, (unsigned long long)(host_memory() >> 20));
		*(uint64_t *)base = u;
		return 0;
	case OPT_DURATION:
		if (util_parse_duration(s, &u) != 0 ||
		    u < (uint64_t)o->min || u > (uint64_t)o->max)
			return yamldoc_error(yd, n, err, errlen,
			    "%s.%s: expected a duration such as 90s, 15m or "
			    "1h (%llds..%llds), got \"%s\"", o->section,
			    o->name, (long long)(o->min / 1000000),
			    (long long)(o->max / 1000000), s);
		*(uint64_t *)base = u;
		return 0;
	case OPT_PERCENT: {
		double	d;

		/* "0.5%" or "0.5": a percentage. */
		errno = 0;
		d = strtod(s, &end);
		if (*end == '%')
			end++;
		if (errno != 0 || *end != '\0' || end == s || !(d >= o->min) ||
		    !(d <= o->max))
			return yamldoc_error(yd, n, err, errlen,
			    "%s.%s: expected a percentage %lld..%lld such as "
			    "0.5%%, got \"%s\"", o->section, o->name,
			    (long long)o->min, (long long)o->max, s);
		*(double *)base = d;
		return 0;
	}
	}
	return -1;
}


static const char *const syslog_keys[] = { "facility", "socket", "ident" };
static const char *const remote_keys[] = {
	"host", "port", "transport", "ca", "cert", "key", "server_name",
	"spool", "spool_max", "spool_fsync", "enterprise", "backoff_max",
	"drain_timeout", "resend_window"
};

/* outputs.syslog: {facility: local4, socket: /dev/log, ident: canhgacd} */
static int
config_syslog(struct config *c, struct yaml_doc *yd, struct yaml_node_s *m,
    char *err, size_t errlen)
{
	static const char *const fac[] = { "kern", "user", "mail", "daemon",
	    "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
	    "ftp", "", "", "", "", "local0", "local1", "local2", "local3",
	    "local4", "local5", "local6", "local7" };
	struct syslog_conf	*sc;
	struct yaml_node_s	*v;
	const char		*s;
	size_t			 i;

	if (yamldoc_check_keys(yd, m, "outputs.syslog", syslog_keys,
	    NELEM(syslog_keys), err, errlen) != 0)
		return -1;
	if ((sc = c->syslog = calloc(1, sizeof(*sc))) == NULL)
		return util_nomem(err, errlen);
	sc->facility = 20 << 3;
	if (config_strdup(&sc->socket, "/dev/log", err, errlen) != 0 ||
	    config_strdup(&sc->ident, "canhgacd", err, errlen) != 0)
		return -1;
	if ((v = yamldoc_get(yd, m, "facility")) != NULL) {
		s = yamldoc_scalar(v);
		for (i = 0; s != NULL && i < NELEM(fac); i++)
			if (*fac[i] && strcmp(s, fac[i]) == 0)
				break;
		if (s == NULL || i == NELEM(fac))
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.syslog.facility: expected a syslog "
			    "facility such as local4 or daemon");
		sc->facility = (int)i << 3;
	}
	if ((v = yamldoc_get(yd, m, "socket")) != NULL) {
		s = yamldoc_scalar(v);
		if (s == NULL || *s != '/' || strlen(s) > 107)
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.syslog.socket: expected an absolute path "
			    "of at most 107 characters");
		if (config_strdup(&sc->socket, s, err, errlen) != 0)
			return -1;
	}
	if ((v = yamldoc_get(yd, m, "ident")) != NULL) {
		s = yamldoc_scalar(v);
		if (s == NULL || *s == '\0' || strlen(s) > 48 ||
		    strpbrk(s, " :[]") != NULL)
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.syslog.ident: expected a word");
		if (config_strdup(&sc->ident, s, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int
remote_str(struct yaml_doc *yd, struct yaml_node_s *m, const char *key,
    char **out, char *err, size_t errlen)
{
	struct yaml_node_s	*v = yamldoc_get(yd, m, key);
	const char		*s;

	if (v == NULL)
		return 0;
	if ((s = yamldoc_scalar(v)) == NULL || *s == '\0')
		return yamldoc_error(yd, v, err, errlen,
		    "outputs.remote.%s: expected a value", key);
	return config_strdup(out, s, err, errlen);
}

static int
remote_dur(struct yaml_doc *yd, struct yaml_node_s *m, const char *key,
    uint64_t *out, char *err, size_t errlen)
{
	struct yaml_node_s	*v = yamldoc_get(yd, m, key);
	const char		*s;

	if (v == NULL)
		return 0;
	if ((s = yamldoc_scalar(v)) == NULL || util_parse_duration(s, out) !=
	    0 || *out == 0 || *out > 86400ULL * 1000000)
		return yamldoc_error(yd, v, err, errlen,
		    "outputs.remote.%s: expected a duration such as 5s or "
		    "2m", key);
	return 0;
}

/* *p, when set, made absolute (config_path); -1 without memory. */
static int
config_abs(const struct config *c, char **p, char *err, size_t errlen)
{
	char	*a;

	if (*p == NULL)
		return 0;
	if ((a = config_path_try(c, *p)) == NULL)
		return util_nomem(err, errlen);
	free(*p);
	*p = a;
	return 0;
}

/* outputs.remote: a list of RFC 5424 destinations, each with a spool. */
static int
config_remote(struct config *c, struct yaml_doc *yd, struct yaml_node_s *seq,
    char *err, size_t errlen)
{
	size_t	i, j, n;

	if (!yamldoc_is_seq(seq))
		return yamldoc_error(yd, seq, err, errlen,
		    "outputs.remote: expected a list of destinations");
	n = yamldoc_seq_len(seq);
	if (n > REMOTE_MAX)
		return yamldoc_error(yd, seq, err, errlen,
		    "outputs.remote: at most %d destinations", REMOTE_MAX);
	if ((c->remote = calloc(n ? n : 1, sizeof(*c->remote))) == NULL)
		return util_nomem(err, errlen);
	for (i = 0; i < n; i++) {
		struct yaml_node_s	*m = yamldoc_seq_at(yd, seq, i), *v;
		struct remote_conf	*rc = &c->remote[i];
		const char		*s;
		char			*t = NULL, *end;
		long			 l;

		c->nremote = (int)i + 1;
		rc->tls = 1;
		rc->port = 6514;
		rc->spool_max = 512ULL << 20;
		rc->enterprise = SD_ENTERPRISE_DEFAULT;
		rc->backoff_max = 30000000;
		rc->drain_timeout = 10000000;
		rc->resend_window = 2000000;
		if (yamldoc_check_keys(yd, m, "outputs.remote", remote_keys,
		    NELEM(remote_keys), err, errlen) != 0)
			return -1;
		if (remote_str(yd, m, "host", &rc->host, err, errlen) != 0)
			return -1;
		if (rc->host == NULL)
			return yamldoc_error(yd, m, err, errlen,
			    "outputs.remote: each destination needs \"host\"");
		if (remote_str(yd, m, "transport", &t, err, errlen) != 0)
			return -1;
		if (t != NULL) {
			if (strcmp(t, "tcp") == 0) {
				rc->tls = 0;
				rc->port = 514;
			} else if (strcmp(t, "tls") != 0) {
				free(t);
				return yamldoc_error(yd, yamldoc_get(yd, m,
				    "transport"), err, errlen,
				    "outputs.remote.transport: expected tls "
				    "or tcp");
			}
			free(t);
		}
		if ((v = yamldoc_get(yd, m, "port")) != NULL) {
			s = yamldoc_scalar(v);
			l = s ? strtol(s, &end, 10) : -1;
			if (s == NULL || *end != '\0' || l < 1 || l > 65535)
				return yamldoc_error(yd, v, err, errlen,
				    "outputs.remote.port: expected 1..65535");
			rc->port = (int)l;
		}
		if (remote_str(yd, m, "ca", &rc->ca, err, errlen) != 0 ||
		    remote_str(yd, m, "cert", &rc->cert, err, errlen) != 0 ||
		    remote_str(yd, m, "key", &rc->key, err, errlen) != 0 ||
		    remote_str(yd, m, "server_name", &rc->server_name, err,
		    errlen) != 0 ||
		    remote_str(yd, m, "spool", &rc->spool, err, errlen) != 0)
			return -1;
		if (!rc->tls && (rc->ca || rc->cert || rc->key))
			return yamldoc_error(yd, m, err, errlen,
			    "outputs.remote: ca, cert and key need "
			    "transport: tls");
		if (rc->key != NULL && rc->cert == NULL)
			return yamldoc_error(yd, yamldoc_get(yd, m, "key"),
			    err, errlen, "outputs.remote.key: needs cert");
		if (config_abs(c, &rc->ca, err, errlen) != 0 ||
		    config_abs(c, &rc->cert, err, errlen) != 0 ||
		    config_abs(c, &rc->key, err, errlen) != 0)
			return -1;
		if (rc->spool == NULL) {
			if (asprintf(&rc->spool, "/var/lib/canhgac/spool/%s-%d",
			    rc->host, rc->port) < 0) {
				rc->spool = NULL;
				return util_nomem(err, errlen);
			}
		} else if (config_abs(c, &rc->spool, err, errlen) != 0)
			return -1;
		if ((v = yamldoc_get(yd, m, "spool_max")) != NULL) {
			s = yamldoc_scalar(v);
			if (s == NULL || util_parse_size(s, &rc->spool_max) !=
			    0 || rc->spool_max < 65536)
				return yamldoc_error(yd, v, err, errlen,
				    "outputs.remote.spool_max: expected a "
				    "size such as 512MB (at least 64KB)");
		}
		if ((v = yamldoc_get(yd, m, "spool_fsync")) != NULL) {
			s = yamldoc_scalar(v);
			if (s && strcmp(s, "always") == 0)
				rc->fsync = SPOOL_FSYNC_ALWAYS;
			else if (s && strcmp(s, "periodic") == 0)
				rc->fsync = SPOOL_FSYNC_PERIODIC;
			else if (s && strcmp(s, "never") == 0)
				rc->fsync = SPOOL_FSYNC_NEVER;
			else
				return yamldoc_error(yd, v, err, errlen,
				    "outputs.remote.spool_fsync: expected "
				    "always, periodic or never");
		}
		if ((v = yamldoc_get(yd, m, "enterprise")) != NULL) {
			s = yamldoc_scalar(v);
			l = s ? strtol(s, &end, 10) : -1;
			if (s == NULL || *end != '\0' || l < 1 ||
			    l > 2147483647)
				return yamldoc_error(yd, v, err, errlen,
				    "outputs.remote.enterprise: expected a "
				    "private enterprise number");
			rc->enterprise = (uint32_t)l;
		}
		if (remote_dur(yd, m, "backoff_max", &rc->backoff_max, err,
		    errlen) != 0 ||
		    remote_dur(yd, m, "drain_timeout", &rc->drain_timeout, err,
		    errlen) != 0 ||
		    remote_dur(yd, m, "resend_window", &rc->resend_window, err,
		    errlen) != 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(c->remote[j].spool, rc->spool) == 0)
				return yamldoc_error(yd, m, err, errlen,
				    "outputs.remote: spool %s is already used "
				    "by another destination", rc->spool);
	}
	return 0;
}

/* -1 without memory for a default (err says so). */
static int
defaults(struct config *c, char *err, size_t errlen)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	c->status_clients_per_uid = CTL_CLIENTS_PER_UID_DEFAULT;
	c->status_follow_idle = CTL_FOLLOW_IDLE_DEFAULT;
	for (i = 0; i < NOPTIONS; i++)
		if (option_set(c, &options[i], options[i].def, NULL, NULL,
		    err, errlen) != 0) {
			if (options[i].type == OPT_STR)
				return -1;
			fatalx("bad default for %s.%s", options[i].section,
			    options[i].name);
		}
	return 0;
}

void
config_defaults(struct config *c)
{
	char	err[256];

	if (defaults(c, err, sizeof(err)) != 0)
		fatalx("%s", err);
}

static int
config_capture(struct config *c, struct yaml_doc *yd,
    struct yaml_node_s *seq, char *err, size_t errlen)
{
	size_t	i, n;

	if (!yamldoc_is_seq(seq))
		return yamldoc_error(yd, seq, err, errlen,
		    "capture: expected a list of interfaces");
	n = yamldoc_seq_len(seq);
	if (n > IFACE_MAX)
		return yamldoc_error(yd, seq, err, errlen,
		    "capture: at most %d interfaces", IFACE_MAX);
	for (i = 0; i < n; i++) {
		struct yaml_node_s	*item = yamldoc_seq_at(yd, seq, i), *v;
		struct capture_conf	*cc = &c->capture[i];
		const char		*s;
		char			*end;
		long			 l;

		/* Counted before it is filled: config_free frees its bpf. */
		c->ncapture = (int)i + 1;
		if (yamldoc_check_keys(yd, item, "capture", capture_keys,
		    NELEM(capture_keys), err, errlen) != 0)
			return -1;
		cc->snaplen = CAPTURE_SNAPLEN_DEFAULT;
		cc->promisc = 1;
		v = yamldoc_get(yd, item, "interface");
		if ((s = yamldoc_scalar(v)) == NULL || *s == '\0' ||
		    strlen(s) >= sizeof(cc->iface))
			return yamldoc_error(yd, v ? v : item, err, errlen,
			    "capture: each entry needs \"interface\": a name "
			    "of at most %zu characters", sizeof(cc->iface) - 1);
		/* Twice, its every packet would be read and counted twice. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->capture[j].iface, s) == 0)
				return yamldoc_error(yd, v, err, errlen,
				    "capture: interface \"%s\" listed twice "
				    "(first at line %d)", s, yamldoc_line(
				    yamldoc_get(yd, yamldoc_seq_at(yd, seq, j),
				    "interface")));
		snprintf(cc->iface, sizeof(cc->iface), "%s", s);
		if ((v = yamldoc_get(yd, item, "bpf")) != NULL) {
			if ((s = yamldoc_scalar(v)) == NULL)
				return yamldoc_error(yd, v, err, errlen,
				    "capture.bpf: expected a filter string");
			if (config_strdup(&cc->bpf, s, err, errlen) != 0)
				return -1;
		}
		if ((v = yamldoc_get(yd, item, "snaplen")) != NULL) {
			s = yamldoc_scalar(v);
			l = s ? strtol(s, &end, 10) : -1;
			if (s == NULL || *end != '\0' || l < 64 || l > 262144)
				return yamldoc_error(yd, v, err, errlen,
				    "capture.snaplen: expected 64..262144");
			cc->snaplen = (int)l;
		}
		if ((v = yamldoc_get(yd, item, "promiscuous")) != NULL) {
			s = yamldoc_scalar(v);
			if (s && strcmp(s, "true") == 0)
				cc->promisc = 1;
			else if (s && strcmp(s, "false") == 0)
				cc->promisc = 0;
			else
				return yamldoc_error(yd, v, err, errlen,
				    "capture.promiscuous: expected true or "
				    "false");
		}
		if ((v = yamldoc_get(yd, item, "buffer_size")) != NULL) {
			uint64_t sz;

			s = yamldoc_scalar(v);
			if (s == NULL || util_parse_size(s, &sz) != 0 ||
			    sz < 65536 || sz > (1ULL << 31))
				return yamldoc_error(yd, v, err, errlen,
				    "capture.buffer_size: expected a size "
				    "64KB..2GB");
			cc->buffer_size = (int)sz;
		}
	}
	c->ncapture = (int)n;
	return 0;
}

/* The zone's current offset from UTC, for event timestamps; -1 for an
 * unknown zone, -2 without memory. */
static int
tz_offset(const char *tz, int *off)
{
	char		 path[256];
	char		*saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	time_t		 now = time(NULL);
	struct tm	 tm;
	FILE		*fp;

	if (getenv("TZ") != NULL && saved == NULL)
		return -2;
	if (strstr(tz, "..") != NULL || tz[0] == '/') {
		free(saved);
		return -1;
	}
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	if ((fp = fopen(path, "r")) == NULL) {
		free(saved);
		/* Without tzdata, Vietnam's fixed offset is still known. */
		if (strcmp(tz, "Asia/Ho_Chi_Minh") == 0 ||
		    strcmp(tz, "Asia/Saigon") == 0) {
			*off = 7 * 3600;
			return 0;
		}
		if (strcmp(tz, "UTC") == 0) {
			*off = 0;
			return 0;
		}
		return -1;
	}
	fclose(fp);
	setenv("TZ", tz, 1);
	tzset();
	localtime_r(&now, &tm);
	*off = (int)tm.tm_gmtoff;
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else
		unsetenv("TZ");
	tzset();
	return 0;
}

/*
 * outputs.status: {socket, mode, group, admin_group, clients_per_uid,
 * follow_idle}.
 */
static int
config_status(struct config *c, struct yaml_doc *yd, struct yaml_node_s *map,
    char *err, size_t errlen)
{
	static const char *const keys[] = {
		"socket", "mode", "group", "admin_group", "clients_per_uid",
		"follow_idle"
	};
	uint64_t		 u;
	struct yaml_node_s	*v;
	const char		*s;
	char			*end;
	long			 mode;

	if (yamldoc_check_keys(yd, map, "outputs.status", keys, NELEM(keys),
	    err, errlen) != 0)
		return -1;
	if ((v = yamldoc_get(yd, map, "socket")) != NULL) {
		if ((s = yamldoc_scalar(v)) == NULL || *s != '/' ||
		    strlen(s) >= 108)
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.status.socket: expected an absolute path "
			    "shorter than 108 bytes");
		if (config_strdup(&c->status_socket, s, err, errlen) != 0)
			return -1;
	}
	if ((v = yamldoc_get(yd, map, "mode")) != NULL) {
		s = yamldoc_scalar(v);
		mode = s ? strtol(s, &end, 8) : -1;
		if (s == NULL || *s == '\0' || *end != '\0' || mode < 0 ||
		    mode > 0777)
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.status.mode: expected an octal mode such "
			    "as \"0660\"");
		c->status_mode = (int)mode;
	}
	if ((v = yamldoc_get(yd, map, "group")) != NULL) {
		if ((s = yamldoc_scalar(v)) == NULL || *s == '\0')
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.status.group: expected a group name");
		if (config_strdup(&c->status_group, s, err, errlen) != 0)
			return -1;
	}
	if ((v = yamldoc_get(yd, map, "admin_group")) != NULL) {
		if ((s = yamldoc_scalar(v)) == NULL || *s == '\0')
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.status.admin_group: expected a group name");
		if (config_strdup(&c->status_admin_group, s, err, errlen) !=
		    0)
			return -1;
	}
	if ((v = yamldoc_get(yd, map, "clients_per_uid")) != NULL) {
		s = yamldoc_scalar(v);
		mode = s ? strtol(s, &end, 10) : -1;
		if (s == NULL || *s == '\0' || *end != '\0' || mode < 1 ||
		    mode > CTL_CLIENTS_PER_UID_MAX)
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.status.clients_per_uid: expected an "
			    "integer 1..%d", CTL_CLIENTS_PER_UID_MAX);
		c->status_clients_per_uid = (int)mode;
	}
	if ((v = yamldoc_get(yd, map, "follow_idle")) != NULL) {
		if ((s = yamldoc_scalar(v)) == NULL ||
		    util_parse_duration(s, &u) != 0 || u < 1000000 ||
		    u > 86400ULL * 1000000)
			return yamldoc_error(yd, v, err, errlen,
			    "outputs.status.follow_idle: expected a duration "
			    "such as 90s, 15m or 1h (1s..1d)");
		c->status_follow_idle = u;
	}
	if (c->status_socket == NULL)
		return config_strdup(&c->status_socket,
		    "/run/canhgac/canhgac.sock", err, errlen);
	return 0;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config		*c;
	struct yaml_doc		*yd;
	struct yaml_node_s	*root, *sec, *v;
	size_t			 i;
	int			 tzrc;

	if ((yd = yamldoc_load(path, err, errlen)) == NULL)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    defaults(c, err, errlen) != 0) {
		if (c == NULL)
			util_nomem(err, errlen);
		config_free(c);
		yamldoc_free(yd);
		return NULL;
	}
	c->doc = yd;		/* freed with c from here on */
	if (config_strdup(&c->path, path, err, errlen) != 0 ||
	    config_strdup(&c->dir, path, err, errlen) != 0)
		goto fail;
	snprintf(c->sha256, sizeof(c->sha256), "%s", yamldoc_sha256(yd));
	if (strrchr(c->dir, '/') != NULL)
		strrchr(c->dir, '/')[1] = '\0';
	else
		c->dir[0] = '\0';
	root = yamldoc_root(yd);
	if (yamldoc_check_keys(yd, root, "configuration", top_keys,
	    NELEM(top_keys), err, errlen) != 0)
		goto fail;
	/* canhgacctl update reads it; checked here so that -T refuses it. */
	if (yamldoc_get(yd, root, "updates") != NULL) {
		struct update_conf uc;

		if (update_conf_load(yd, c->dir, &uc, err, errlen) != 0)
			goto fail;
		update_conf_free(&uc);
	}
	if ((sec = yamldoc_get(yd, root, "sensor")) != NULL &&
	    yamldoc_check_keys(yd, sec, "sensor", sensor_keys,
	    NELEM(sensor_keys), err, errlen) != 0)
		goto fail;
	if ((sec = yamldoc_get(yd, root, "limits")) != NULL &&
	    yamldoc_check_keys(yd, sec, "limits", limits_keys,
	    NELEM(limits_keys), err, errlen) != 0)
		goto fail;
	if ((sec = yamldoc_get(yd, root, "flow_timeouts")) != NULL &&
	    yamldoc_check_keys(yd, sec, "flow_timeouts", timeout_keys,
	    NELEM(timeout_keys), err, errlen) != 0)
		goto fail;
	if ((sec = yamldoc_get(yd, root, "defrag")) != NULL &&
	    yamldoc_check_keys(yd, sec, "defrag", defrag_keys,
	    NELEM(defrag_keys), err, errlen) != 0)
		goto fail;
	if ((sec = yamldoc_get(yd, root, "compliance")) != NULL &&
	    yamldoc_check_keys(yd, sec, "compliance", compliance_keys,
	    NELEM(compliance_keys), err, errlen) != 0)
		goto fail;
	if ((sec = yamldoc_get(yd, root, "stream")) != NULL &&
	    yamldoc_check_keys(yd, sec, "stream", stream_keys,
	    NELEM(stream_keys), err, errlen) != 0)
		goto fail;
	if ((sec = yamldoc_get(yd, root, "http")) != NULL &&
	    yamldoc_check_keys(yd, sec, "http", http_keys, NELEM(http_keys),
	    err, errlen) != 0)
		goto fail;
	if ((sec = yamldoc_get(yd, root, "inventory")) != NULL &&
	    yamldoc_check_keys(yd, sec, "inventory", inventory_keys,
	    NELEM(inventory_keys), err, errlen) != 0)
		goto fail;
	for (i = 0; i < NOPTIONS; i++) {
		const char *s;

		sec = yamldoc_get(yd, root, options[i].section);
		if (sec == NULL || (v = yamldoc_get(yd, sec,
		    options[i].name)) == NULL)
			continue;
		if ((s = yamldoc_scalar(v)) == NULL) {
			yamldoc_error(yd, v, err, errlen,
			    "%s.%s: expected a single value", options[i].section,
			    options[i].name);
			goto fail;
		}
		if (option_set(c, &options[i], s, yd, v, err, errlen) != 0)
			goto fail;
	}
	if ((sec = yamldoc_get(yd, root, "capture")) != NULL &&
	    config_capture(c, yd, sec, err, errlen) != 0)
		goto fail;
	if ((v = yamldoc_get(yd, yamldoc_get(yd, root, "sensor"),
	    "language")) != NULL) {
		const char *s = yamldoc_scalar(v);

		if (s == NULL || (strcmp(s, "en") != 0 && strcmp(s, "vi") != 0)) {
			yamldoc_error(yd, v, err, errlen,
			    "sensor.language: expected en or vi");
			goto fail;
		}
		c->language_vi = strcmp(s, "vi") == 0;
	}
	if ((sec = yamldoc_get(yd, root, "outputs")) != NULL) {
		/* A misspelt output would otherwise be an output switched off. */
		if (yamldoc_check_keys(yd, sec, "outputs", outputs_keys,
		    NELEM(outputs_keys), err, errlen) != 0)
			goto fail;
		if ((v = yamldoc_get(yd, sec, "json")) != NULL) {
			struct yaml_node_s *pn = yamldoc_get(yd, v, "path");
			const char *s = yamldoc_scalar(pn);

			if (yamldoc_check_keys(yd, v, "outputs.json", json_keys,
			    NELEM(json_keys), err, errlen) != 0)
				goto fail;
			if (s == NULL || *s == '\0') {
				yamldoc_error(yd, pn ? pn : v, err, errlen,
				    "outputs.json: expected {path: FILE}");
				goto fail;
			}
			if (config_strdup(&c->alerts_path, s, err,
			    errlen) != 0)
				goto fail;
		}
		if ((v = yamldoc_get(yd, sec, "syslog")) != NULL &&
		    config_syslog(c, yd, v, err, errlen) != 0)
			goto fail;
		if ((v = yamldoc_get(yd, sec, "remote")) != NULL &&
		    config_remote(c, yd, v, err, errlen) != 0)
			goto fail;
		if ((v = yamldoc_get(yd, sec, "status")) != NULL &&
		    config_status(c, yd, v, err, errlen) != 0)
			goto fail;
	}
	if ((v = yamldoc_get(yd, root, "user")) != NULL) {
		const char *s = yamldoc_scalar(v);

		if (s == NULL || *s == '\0' || strlen(s) > 32) {
			yamldoc_error(yd, v, err, errlen,
			    "user: expected a user name");
			goto fail;
		}
		if (config_strdup(&c->user, s, err, errlen) != 0)
			goto fail;
	}
	if ((v = yamldoc_get(yd, root, "pidfile")) != NULL) {
		const char *s = yamldoc_scalar(v);

		if (s == NULL || *s != '/') {
			yamldoc_error(yd, v, err, errlen,
			    "pidfile: expected an absolute path");
			goto fail;
		}
		if (config_strdup(&c->pidfile, s, err, errlen) != 0)
			goto fail;
	}
	if ((v = yamldoc_get(yd, root, "events")) != NULL) {
		const char *s = yamldoc_scalar(v);

		if (s == NULL || *s == '\0') {
			yamldoc_error(yd, v, err, errlen,
			    "events: expected a file path");
			goto fail;
		}
		if (config_strdup(&c->events_path, s, err, errlen) != 0)
			goto fail;
	}
	if ((tzrc = tz_offset(c->timezone, &c->utc_offset)) == -2) {
		util_nomem(err, errlen);
		goto fail;
	}
	if (tzrc != 0) {
		sec = yamldoc_get(yd, yamldoc_get(yd, root, "sensor"),
		    "timezone");
		yamldoc_error(yd, sec, err, errlen,
		    "sensor.timezone: unknown time zone \"%s\"", c->timezone);
		goto fail;
	}
	return c;
fail:
	config_free(c);
	return NULL;
}

void
config_free(struct config *c)
{
	int	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ncapture; i++)
		free(c->capture[i].bpf);
	free(c->path);
	free(c->sensor_name);
	free(c->timezone);
	free(c->events_path);
	free(c->dir);
	free(c->catalog);
	free(c->selftest_cases);
	free(c->alerts_path);
	if (c->syslog != NULL) {
		free(c->syslog->socket);
		free(c->syslog->ident);
		free(c->syslog);
	}
	for (i = 0; i < c->nremote; i++) {
		free(c->remote[i].host);
		free(c->remote[i].ca);
		free(c->remote[i].cert);
		free(c->remote[i].key);
		free(c->remote[i].server_name);
		free(c->remote[i].spool);
	}
	free(c->remote);
	free(c->user);
	free(c->pidfile);
	free(c->status_socket);
	free(c->status_group);
	free(c->status_admin_group);
	free(c->state_dir);
	yamldoc_free(c->doc);
	free(c);
}

/*
 * The node at a dotted key ("outputs.status"), or NULL; *near is the
 * deepest node on the way that exists (the root at least), to point an
 * error at when the key itself was removed.
 */
static struct yaml_node_s *
config_node(const struct config *c, const char *key,
    struct yaml_node_s **near)
{
	struct yaml_node_s	*n = yamldoc_root(c->doc), *m;
	char			 buf[64], *part, *save = NULL;

	*near = n;
	snprintf(buf, sizeof(buf), "%s", key);
	for (part = strtok_r(buf, ".", &save); part != NULL;
	    part = strtok_r(NULL, ".", &save)) {
		if ((m = yamldoc_get(c->doc, n, part)) == NULL)
			return NULL;
		*near = n = m;
	}
	return n;
}

/*
 * The user and the status socket's groups exist (their keys say "must
 * exist"): a live start looks them up only once capture is open, so -T
 * looks too and warns, naming the key (a warning: packages are built and
 * tested on hosts without the service user).
 */
int
config_check_accounts(const struct config *c, char *err, size_t errlen)
{
	static const char *const account_key[] = { "user",
	    "outputs.status.group", "outputs.status.admin_group" };
	const char		*name[3];
	struct yaml_node_s	*n, *near;
	size_t			 i;

	name[0] = c->user;
	name[1] = c->status_group;
	name[2] = c->status_admin_group;
	for (i = 0; i < NELEM(account_key); i++) {
		if (name[i] == NULL || c->doc == NULL ||
		    (i == 0 ? getpwnam(name[i]) != NULL :
		    getgrnam(name[i]) != NULL))
			continue;
		n = config_node(c, account_key[i], &near);
		return yamldoc_error(c->doc, n != NULL ? n : near, err, errlen,
		    "warning: %s: no %s \"%s\" on this host: a live start "
		    "refuses it", account_key[i],
		    i == 0 ? "user" : "group", name[i]);
	}
	return 0;
}

/*
 * What the outputs load at start and the option table cannot see: each
 * tls destination's ca, cert and key files, loaded as the start loads
 * them (a bad one passed -T, then refused the start with no place).
 */
int
config_check_outputs(const struct config *c, char *err, size_t errlen)
{
	struct yaml_node_s	*seq, *m, *v, *near;
	const char		*which;
	char			 e[1024];
	int			 i;

	for (i = 0; i < c->nremote; i++) {
		if (remote_check_tls(&c->remote[i], &which, e, sizeof(e)) == 0)
			continue;
		if (c->doc == NULL) {
			snprintf(err, errlen, "%s", e);
			return -1;
		}
		seq = config_node(c, "outputs.remote", &near);
		m = seq != NULL ? yamldoc_seq_at(c->doc, seq, (size_t)i) : NULL;
		v = m != NULL && which != NULL ? yamldoc_get(c->doc, m,
		    which) : NULL;
		return yamldoc_error(c->doc, v != NULL ? v : m != NULL ? m :
		    near, err, errlen, "outputs.remote.%s: %s", which != NULL ?
		    which : "transport", e);
	}
	return 0;
}

static int
restart_only(const struct config *nc, const char *key, char *err,
    size_t errlen)
{
	struct yaml_node_s	*near;

	(void)config_node(nc, key, &near);
	return yamldoc_error(nc->doc, near, err, errlen,
	    "%s changes only at restart", key);
}

/*
 * Whether a reload from old to nc may go ahead. Every key either takes
 * effect on reload (the daemon applies it) or is listed here: a reload
 * that changes one is refused, naming it where the new file has it, and
 * the running configuration stays; never accepted and ignored. These
 * are what was opened or set up as root before dropping privileges
 * (capture, the status socket, pidfile, user), and what holds state
 * that a swap would lose (the flow table's memory, spools, the state
 * directory). Sections are compared by what the YAML says, so a key
 * added to a section later is covered without a change here.
 */
static const char *const restart_sections[] = {
	"capture", "outputs.syslog", "outputs.remote", "outputs.status",
	"user", "pidfile"
};

int
config_reload_check(const struct config *old, const struct config *nc,
    int live, char *err, size_t errlen)
{
	const char *const	*sections = restart_sections;
	struct yaml_node_s	*near;
	size_t			 i, sz;

	if (old->doc == NULL || nc->doc == NULL)
		return 0;
	for (i = 0; i < NOPTIONS; i++) {
		const struct option_def *o = &options[i];
		const char *a = (const char *)old + o->off;
		const char *b = (const char *)nc + o->off;
		char key[64];

		if (o->reloadable)
			continue;
		sz = o->type == OPT_SIZE || o->type == OPT_DURATION ?
		    sizeof(uint64_t) : o->type == OPT_PERCENT ?
		    sizeof(double) : sizeof(int);
		if (o->type == OPT_STR ? strcmp(*(char *const *)a,
		    *(char *const *)b) == 0 : memcmp(a, b, sz) == 0)
			continue;
		snprintf(key, sizeof(key), "%s.%s", o->section, o->name);
		return restart_only(nc, key, err, errlen);
	}
	for (i = 0; i < NELEM(restart_sections); i++) {
		/* Replaying files (-r), the capture list is not used. */
		if (!live && strcmp(sections[i], "capture") == 0)
			continue;
		if (yamldoc_digest(old->doc, config_node(old, sections[i],
		    &near)) != yamldoc_digest(nc->doc, config_node(nc,
		    sections[i], &near)))
			return restart_only(nc, sections[i], err, errlen);
	}
	return 0;
}

/* config_path's, NULL without memory: for a rule set built at a reload
 * beside the running one, whose load then fails, not the daemon. */
char *
config_path_try(const struct config *c, const char *path)
{
	char	*p;

	if (path[0] == '/' || c->dir == NULL || c->dir[0] == '\0')
		return strdup(path);
	if (asprintf(&p, "%s%s", c->dir, path) < 0)
		return NULL;
	return p;
}

char *
config_path(const struct config *c, const char *path)
{
	char	*p;

	if ((p = config_path_try(c, path)) == NULL)
		fatal("config_path");
	return p;
}

/* Print the effective configuration, from the option table. */
void
config_print(const struct config *c, FILE *fp)
{
	size_t	i;
	int	j;

	for (i = 0; i < NOPTIONS; i++) {
		const struct option_def	*o = &options[i];
		const char		*base = (const char *)c + o->off;

		fprintf(fp, "%s.%s = ", o->section, o->name);
		switch (o->type) {
		case OPT_STR:
			fprintf(fp, "%s", *(char *const *)base);
			break;
		case OPT_INT:
		case OPT_BOOL:
			fprintf(fp, "%d", *(const int *)base);
			break;
		case OPT_AUTO:
			fprintf(fp, "%s", *(const int *)base == 2 ? "auto" :
			    *(const int *)base ? "true" : "false");
			break;
		case OPT_SIZE:
			fprintf(fp, "%llu bytes",
			    (unsigned long long)*(const uint64_t *)base);
			break;
		case OPT_DURATION:
			fprintf(fp, "%llus",
			    (unsigned long long)(*(const uint64_t *)base /
			    1000000));
			break;
		case OPT_PERCENT:
			fprintf(fp, "%g%%", *(const double *)base);
			break;
		}
		fprintf(fp, "%s\n", o->reloadable ? "" :
		    "  (restart to change)");
	}
	/* The keys outside the option table a reader checks too. */
	fprintf(fp, "sensor.language = %s\n", c->language_vi ? "vi" : "en");
	fprintf(fp, "outputs.json.path = %s\n", c->alerts_path ?
	    c->alerts_path : "(none)");
	fprintf(fp, "events = %s\n", c->events_path ? c->events_path :
	    "(none)");
	fprintf(fp, "outputs.status.socket = %s  (restart to change)\n",
	    c->status_socket ? c->status_socket : "(none)");
	fprintf(fp, "user = %s  (restart to change)\n", c->user ? c->user :
	    "(none)");
	fprintf(fp, "pidfile = %s  (restart to change)\n", c->pidfile ?
	    c->pidfile : "(none)");
	fprintf(fp, "restart to change:");
	for (i = 0; i < NELEM(restart_sections); i++)
		fprintf(fp, " %s", restart_sections[i]);
	fprintf(fp, "\n");
	for (j = 0; j < c->ncapture; j++)
		fprintf(fp, "capture[%d] = %s snaplen=%d promiscuous=%s "
		    "buffer_size=%d bpf=\"%s\"\n", j, c->capture[j].iface,
		    c->capture[j].snaplen, c->capture[j].promisc ? "true" :
		    "false", c->capture[j].buffer_size,
		    c->capture[j].bpf ? c->capture[j].bpf : "");
}
