/*
 * update_conf.c: the `updates:` section of canhgac.yaml, a list of
 * sources. Read by the daemon's config_load (so that -T refuses a bad
 * one) and by canhgacctl update.
 */
#include "config.h"

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "update.h"
#include "util.h"
#include "yamldoc.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const source_keys[] = {
	"name", "url", "target", "format", "column", "header", "ca",
	"sha256", "signature", "pubkey", "max_size", "timeout"
};

/*
 * path against the configuration's directory (malloc'd); NULL without
 * memory: the configuration is read again at every reload, beside the
 * running one, and that reload then fails (util_nomem), not the daemon.
 */
static char *
conf_path(const char *dir, const char *path)
{
	char	*p;

	if (path[0] == '/' || dir == NULL || dir[0] == '\0')
		return strdup(path);
	if (asprintf(&p, "%s%s", dir, path) < 0)
		return NULL;
	return p;
}

/* A URL as fetched: https:// and paths as given, file:// its path, a
 * relative path against dir; NULL without memory. */
static char *
conf_url(const char *dir, const char *u)
{
	if (strncmp(u, "https://", 8) == 0 || u[0] == '/')
		return strdup(u);
	if (strncmp(u, "file://", 7) == 0)
		return strdup(u + 7);
	return conf_path(dir, u);
}

/* The scalar at key of m, or NULL; -1 if present but not a scalar. */
static int
get_str(struct yaml_doc *yd, struct yaml_node_s *m, const char *key,
    const char **out, char *err, size_t errlen)
{
	struct yaml_node_s	*v = yamldoc_get(yd, m, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if ((*out = yamldoc_scalar(v)) == NULL || **out == '\0')
		return yamldoc_error(yd, v, err, errlen, "updates: %s: "
		    "expected a value", key);
	return 0;
}

/* https://HOST[:PORT][/PATH], refusing what a feed URL has no need of. */
int
update_url_parse(const char *u, struct upd_url *out, char *err,
    size_t errlen)
{
	const char	*h = u + 8, *e, *p;
	size_t		 hl, i;

	memset(out, 0, sizeof(*out));
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] <= ' ' || (unsigned char)u[i] >= 0x7f)
			goto bad;
	if (strncmp(u, "https://", 8) != 0)
		goto bad;
	p = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(p - h)) != NULL)
		goto bad;	/* user:password@ */
	if (*h == '[') {
		if ((e = memchr(h, ']', (size_t)(p - h))) == NULL)
			goto bad;
		hl = (size_t)(e - h - 1);
		h++;
		e++;
		out->ip = 1;
	} else {
		e = memchr(h, ':', (size_t)(p - h));
		if (e == NULL)
			e = p;
		hl = (size_t)(e - h);
	}
	if (hl == 0 || hl >= sizeof(out->host))
		goto bad;
	memcpy(out->host, h, hl);
	snprintf(out->port, sizeof(out->port), "443");
	if (*e == ':') {
		size_t pl = (size_t)(p - e - 1);

		if (pl == 0 || pl > 5 || strspn(e + 1, "0123456789") < pl)
			goto bad;
		memcpy(out->port, e + 1, pl);
		out->port[pl] = '\0';
		if (atoi(out->port) < 1 || atoi(out->port) > 65535)
			goto bad;
	} else if (e != p)
		goto bad;
	if (*p == '\0')
		snprintf(out->path, sizeof(out->path), "/");
	else if (*p != '/' ||
	    (size_t)snprintf(out->path, sizeof(out->path), "%.*s",
	    (int)strcspn(p, "#"), p) >= sizeof(out->path))
		goto bad;
	if (!out->ip) {
		struct in_addr a;

		out->ip = inet_pton(AF_INET, out->host, &a) == 1;
	}
	return 0;
bad:
	snprintf(err, errlen, "%.200s: not a URL this can fetch "
	    "(https://HOST[:PORT]/PATH, printable, without user@)", u);
	upd_printable(err);
	return -1;
}

/* Where a URL may point: a path, file:// or https://. */
static int
url_ok(const char *u)
{
	return u[0] == '/' || strncmp(u, "file://", 7) == 0 ||
	    strncmp(u, "https://", 8) == 0 || (strstr(u, "://") == NULL &&
	    strchr(u, ':') == NULL);
}

/* The asset's file, or -1 with err (not an asset with {file: ...}). */
static int
asset_file(struct yaml_doc *yd, struct yaml_node_s *at, const char *dir,
    struct update_source *s, char *err, size_t errlen)
{
	struct yaml_node_s	*root = yamldoc_root(yd), *a;
	const char		*f;

	a = yamldoc_get(yd, yamldoc_get(yd, root, "assets"), s->target);
	if (a == NULL)
		return yamldoc_error(yd, at, err, errlen, "updates: %s: no "
		    "asset named \"%s\"", s->name, s->target);
	if ((f = yamldoc_scalar(yamldoc_get(yd, a, "file"))) == NULL ||
	    *f == '\0')
		return yamldoc_error(yd, at, err, errlen, "updates: %s: asset "
		    "\"%s\" is not a list file ({file: PATH})", s->name,
		    s->target);
	if ((s->path = conf_path(dir, f)) == NULL)
		return util_nomem(err, errlen);
	return 0;
}

/*
 * A rule pack's file: one of the rules: patterns must take it (or it
 * would never load); -1 with err.
 */
static int
pack_file(struct yaml_doc *yd, struct yaml_node_s *at, const char *dir,
    struct update_source *s, char *err, size_t errlen)
{
	struct yaml_node_s	*rl;
	size_t			 i, n;
	const char		*base = strrchr(s->target, '/');

	rl = yamldoc_get(yd, yamldoc_root(yd), "rules");
	n = yamldoc_is_seq(rl) ? yamldoc_seq_len(rl) : 0;
	if ((s->path = conf_path(dir, s->target)) == NULL)
		return util_nomem(err, errlen);
	if (base != NULL && (strcmp(base, "/.") == 0 ||
	    strcmp(base, "/..") == 0 || base[1] == '\0'))
		return yamldoc_error(yd, at, err, errlen, "updates: %s: target "
		    "must name a file", s->name);
	for (i = 0; i < n; i++) {
		const char	*pat;
		char		*p;
		int		 m;

		if ((pat = yamldoc_scalar(yamldoc_seq_at(yd, rl, i))) == NULL)
			continue;
		if ((p = conf_path(dir, pat)) == NULL)
			return util_nomem(err, errlen);
		m = fnmatch(p, s->path, FNM_PATHNAME | FNM_PERIOD) == 0;
		free(p);
		if (m)
			return 0;
	}
	return yamldoc_error(yd, at, err, errlen, "updates: %s: target %s is "
	    "not taken by any rules: pattern, so it would never load",
	    s->name, s->target);
}

/* One source of the list; -1 with err. */
static int
source_load(struct yaml_doc *yd, struct yaml_node_s *m, const char *dir,
    struct update_source *s, char *err, size_t errlen)
{
	const char		*name, *url, *target, *fmt, *v;
	struct yaml_node_s	*n;
	struct upd_url		 pu;
	char			 e[512];
	uint64_t		 u;
	size_t			 i;

	if (yamldoc_check_keys(yd, m, "updates", source_keys,
	    NELEM(source_keys), err, errlen) != 0)
		return -1;
	if (get_str(yd, m, "name", &name, err, errlen) != 0 ||
	    get_str(yd, m, "url", &url, err, errlen) != 0 ||
	    get_str(yd, m, "target", &target, err, errlen) != 0 ||
	    get_str(yd, m, "format", &fmt, err, errlen) != 0)
		return -1;
	if (name == NULL || url == NULL || target == NULL)
		return yamldoc_error(yd, m, err, errlen, "updates: each source "
		    "needs name, url and target");
	for (i = 0; name[i] != '\0'; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    strchr("_.-", name[i]) == NULL)
			break;
	if (name[i] != '\0' || i > 64)
		return yamldoc_error(yd, m, err, errlen, "updates: name "
		    "\"%s\": letters, digits, _ . - (at most 64)", name);
	if ((s->name = strdup(name)) == NULL ||
	    (s->target = strdup(target)) == NULL)
		return util_nomem(err, errlen);
	if (!url_ok(url))
		return yamldoc_error(yd, m, err, errlen, "updates: %s: url "
		    "must be a file path, file://PATH or https://HOST/PATH",
		    name);
	/* As the fetch will parse it: a bad one is this line's error, not
	 * a failure of `canhgacctl update` later. */
	if (strncmp(url, "https://", 8) == 0 &&
	    update_url_parse(url, &pu, e, sizeof(e)) != 0)
		return yamldoc_error(yd, yamldoc_get(yd, m, "url"), err,
		    errlen, "updates: %s: url: %s", name, e);
	if ((s->url = conf_url(dir, url)) == NULL)
		return util_nomem(err, errlen);
	s->format = UPD_PLAIN;
	if (fmt != NULL && update_format_parse(fmt, &s->format) != 0)
		return yamldoc_error(yd, yamldoc_get(yd, m, "format"), err,
		    errlen, "updates: %s: format: expected plain, csv, misp or "
		    "rules", name);
	s->column = 1;
	if ((n = yamldoc_get(yd, m, "column")) != NULL) {
		v = yamldoc_scalar(n);
		if (s->format != UPD_CSV || v == NULL ||
		    (s->column = atoi(v)) < 1 || s->column > 1000)
			return yamldoc_error(yd, n, err, errlen, "updates: %s: "
			    "column: 1..1000, with format csv", name);
	}
	if ((n = yamldoc_get(yd, m, "header")) != NULL) {
		v = yamldoc_scalar(n);
		if (s->format != UPD_CSV || v == NULL ||
		    (strcmp(v, "true") && strcmp(v, "false")))
			return yamldoc_error(yd, n, err, errlen, "updates: %s: "
			    "header: true or false, with format csv", name);
		s->header = strcmp(v, "true") == 0;
	}
	if (get_str(yd, m, "ca", &v, err, errlen) != 0)
		return -1;
	if (v != NULL && (s->ca = conf_path(dir, v)) == NULL)
		return util_nomem(err, errlen);
	if (get_str(yd, m, "sha256", &v, err, errlen) != 0)
		return -1;
	if (v != NULL) {
		for (i = 0; isxdigit((unsigned char)v[i]); i++)
			;
		if (i != 64 || v[i] != '\0')
			return yamldoc_error(yd, yamldoc_get(yd, m, "sha256"),
			    err, errlen, "updates: %s: sha256: expected 64 hex "
			    "digits", name);
		if ((s->sha256 = strdup(v)) == NULL)
			return util_nomem(err, errlen);
	}
	if (get_str(yd, m, "signature", &v, err, errlen) != 0)
		return -1;
	if (v != NULL && !url_ok(v))
		return yamldoc_error(yd, m, err, errlen, "updates: %s: "
		    "signature: a file path, file://PATH or https:// URL",
		    name);
	if (v != NULL && strncmp(v, "https://", 8) == 0 &&
	    update_url_parse(v, &pu, e, sizeof(e)) != 0)
		return yamldoc_error(yd, yamldoc_get(yd, m, "signature"), err,
		    errlen, "updates: %s: signature: %s", name, e);
	if (v != NULL && (s->signature = conf_url(dir, v)) == NULL)
		return util_nomem(err, errlen);
	if (get_str(yd, m, "pubkey", &v, err, errlen) != 0)
		return -1;
	if (v != NULL && (s->pubkey = conf_path(dir, v)) == NULL)
		return util_nomem(err, errlen);
	if ((s->signature == NULL) != (s->pubkey == NULL))
		return yamldoc_error(yd, m, err, errlen, "updates: %s: "
		    "signature and pubkey go together", name);
	s->max_size = UPD_MAX_SIZE_DEFAULT;
	if ((n = yamldoc_get(yd, m, "max_size")) != NULL &&
	    ((v = yamldoc_scalar(n)) == NULL || util_parse_size(v, &u) != 0 ||
	    u < 1 || u > UPD_MAX_SIZE_MAX))
		return yamldoc_error(yd, n, err, errlen, "updates: %s: "
		    "max_size: a size up to 1GB", name);
	if (n != NULL)
		s->max_size = u;
	s->timeout = UPD_TIMEOUT_DEFAULT;
	if ((n = yamldoc_get(yd, m, "timeout")) != NULL &&
	    ((v = yamldoc_scalar(n)) == NULL ||
	    util_parse_duration(v, &u) != 0 || u < 1000000 ||
	    u > 3600ULL * 1000000))
		return yamldoc_error(yd, n, err, errlen, "updates: %s: "
		    "timeout: 1s..1h", name);
	if (n != NULL)
		s->timeout = (int)(u / 1000000);
	if (s->format == UPD_RULES)
		return pack_file(yd, m, dir, s, err, errlen);
	return asset_file(yd, m, dir, s, err, errlen);
}

int
update_conf_load(struct yaml_doc *yd, const char *dir, struct update_conf *uc,
    char *err, size_t errlen)
{
	struct yaml_node_s	*root = yamldoc_root(yd), *seq;
	size_t			 i, j;

	memset(uc, 0, sizeof(*uc));
	uc->socket = NULL;
	{
		const char *sk = yamldoc_scalar(yamldoc_get(yd, yamldoc_get(yd,
		    yamldoc_get(yd, root, "outputs"), "status"), "socket"));

		if (sk != NULL && (uc->socket = conf_path(dir, sk)) == NULL)
			return util_nomem(err, errlen);
	}
	if ((seq = yamldoc_get(yd, root, "updates")) == NULL)
		return 0;
	if (!yamldoc_is_seq(seq))
		return yamldoc_error(yd, seq, err, errlen, "updates: expected "
		    "a list of sources");
	if ((uc->src = calloc(yamldoc_seq_len(seq) ? yamldoc_seq_len(seq) : 1,
	    sizeof(*uc->src))) == NULL) {
		util_nomem(err, errlen);
		goto fail;
	}
	uc->nsrc = yamldoc_seq_len(seq);
	for (i = 0; i < uc->nsrc; i++) {
		struct yaml_node_s *m = yamldoc_seq_at(yd, seq, i);

		if (source_load(yd, m, dir, &uc->src[i], err, errlen) != 0)
			goto fail;
		for (j = 0; j < i; j++) {
			if (strcmp(uc->src[j].name, uc->src[i].name) == 0) {
				yamldoc_error(yd, m, err, errlen, "updates: "
				    "two sources named %s", uc->src[i].name);
				goto fail;
			}
			if (strcmp(uc->src[j].path, uc->src[i].path) == 0) {
				yamldoc_error(yd, m, err, errlen, "updates: "
				    "%s and %s both write %s", uc->src[j].name,
				    uc->src[i].name, uc->src[i].path);
				goto fail;
			}
		}
	}
	return 0;
fail:
	update_conf_free(uc);
	return -1;
}

void
update_conf_free(struct update_conf *uc)
{
	size_t	i;

	for (i = 0; i < uc->nsrc; i++) {
		struct update_source *s = &uc->src[i];

		free(s->name);
		free(s->url);
		free(s->target);
		free(s->path);
		free(s->ca);
		free(s->sha256);
		free(s->signature);
		free(s->pubkey);
	}
	free(uc->src);
	free(uc->socket);
	memset(uc, 0, sizeof(*uc));
}
