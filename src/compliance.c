/*
 * Compliance: for a security level, each control the catalog requires,
 * whether the active rules cover it, what the sensor saw for it, and
 * what changes at the next level.
 *
 * Nothing about controls is compiled in: the catalog file is read here
 * (descriptions, clauses, evidence kind, per-level data). The rule set
 * is read through rules.h, with the asset groups each rule's match
 * names as the loader recorded them, so that an empty group shows as a
 * gap. The report is a JSON object;
 * compliance_render.c turns it into text or HTML (the client does the
 * same with what the status socket returns).
 */
#include "config.h"

#include <sys/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "compliance.h"
#include "conf.h"
#include "rules.h"
#include "types.h"
#include "yamldoc.h"

struct comp {
	const struct config	*conf;
	const struct ruleset	*rs;
	struct yaml_doc		*cat;		/* the catalog */
	uint64_t		 now;		/* wall usec */
	json_t			*ev;		/* evidence, or NULL offline */
};

/* "2025-01-01T03:53:20Z" from microseconds since the epoch. */
static json_t *
iso_time(uint64_t usec)
{
	char		 buf[32];
	time_t		 t = (time_t)(usec / 1000000);
	struct tm	 tm;

	if (usec == 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* SHA-256 of a file as hex, or NULL when it cannot be read. */
static json_t *
file_sha256(const char *path)
{
	EVP_MD_CTX	*md;
	unsigned char	 buf[65536], dig[EVP_MAX_MD_SIZE];
	unsigned int	 dlen = 0, i;
	char		 hex[2 * EVP_MAX_MD_SIZE + 1];
	size_t		 n;
	FILE		*fp;
	int		 ok = 1;

	if (path == NULL || (fp = fopen(path, "rb")) == NULL)
		return json_null();
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		ok = 0;
	while (ok && (n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (EVP_DigestUpdate(md, buf, n) != 1)
			ok = 0;
	if (ferror(fp))
		ok = 0;
	if (ok && EVP_DigestFinal_ex(md, dig, &dlen) != 1)
		ok = 0;
	EVP_MD_CTX_free(md);
	fclose(fp);
	if (!ok)
		return json_null();
	for (i = 0; i < dlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	return json_string(hex);
}

/*
 * The digest of a rule set: SHA-256 over each file's name and hash in
 * the report's order, so that any change of a rule, list, catalog or the
 * configuration gives another digest, and nothing else does.
 */
void
compliance_digest(const struct config *conf, const struct ruleset *rs,
    char out[65])
{
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	unsigned char	 dig[EVP_MAX_MD_SIZE];
	unsigned int	 dlen = 0, i;
	size_t		 n, k, nf = rules_file_count(rs);
	const char	*paths[3];

	out[0] = '\0';
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return;
	}
	paths[0] = conf ? conf->path : NULL;
	paths[1] = rules_catalog_path(rs);
	n = nf + rules_asset_count(rs);
	for (k = 0; k < 2 + n; k++) {
		const char	*p = k < 2 ? paths[k] : k - 2 < nf ?
				    rules_file(rs, k - 2, NULL) :
				    rules_asset_file(rs, k - 2 - nf);
		json_t		*h;

		if (p == NULL)
			continue;
		h = file_sha256(p);
		paths[2] = json_is_string(h) ? json_string_value(h) : "-";
		EVP_DigestUpdate(md, p, strlen(p) + 1);
		EVP_DigestUpdate(md, paths[2], strlen(paths[2]) + 1);
		json_decref(h);
	}
	if (EVP_DigestFinal_ex(md, dig, &dlen) == 1)
		for (i = 0; i < dlen && i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", dig[i]);
	EVP_MD_CTX_free(md);
}

static void
add_hash(json_t *a, const char *kind, const char *path)
{
	json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "kind", kind,
	    "path", path, "sha256", file_sha256(path)));
}

static int
rule_has_control(const struct rule_info *r, const char *id)
{
	size_t	i;

	for (i = 0; i < r->ncontrols; i++)
		if (strcmp(r->controls[i], id) == 0)
			return 1;
	return 0;
}

/* 0 defined and not empty, 1 empty, 2 missing. */
static int
asset_gap(const struct ruleset *rs, const char *name)
{
	long	n = rules_asset_size(rs, name);

	if (n < 0)
		return 2;
	return n == 0 ? 1 : 0;
}

static json_t *
lang_pair(const char *en, const char *vi)
{
	return json_pack("{s:s,s:s}", "en", en, "vi", vi);
}

/* Both languages of a catalog text ({en, vi} or a plain string). */
static json_t *
cat_text(struct yaml_doc *yd, struct yaml_node_s *n)
{
	const char	*en, *vi;

	if (n == NULL)
		return json_null();
	if (yamldoc_is_scalar(n))
		return lang_pair(yamldoc_scalar(n), yamldoc_scalar(n));
	en = yamldoc_scalar(yamldoc_get(yd, n, "en"));
	vi = yamldoc_scalar(yamldoc_get(yd, n, "vi"));
	return lang_pair(en ? en : (vi ? vi : ""), vi ? vi : (en ? en : ""));
}

static const char *
cat_str(struct yaml_doc *yd, struct yaml_node_s *n, const char *key)
{
	return yamldoc_scalar(yamldoc_get(yd, n, key));
}

/* A per-level value of a control ({3: 6, 4: 3}) at level n, or -1. */
static long
per_level(struct yaml_doc *yd, struct yaml_node_s *c, const char *key, int n)
{
	char		 k[8];
	const char	*s;

	snprintf(k, sizeof(k), "%d", n);
	s = yamldoc_scalar(yamldoc_get(yd, yamldoc_get(yd, c, key), k));
	return s ? strtol(s, NULL, 10) : -1;
}

static json_t *
rule_json(const struct rule_info *r)
{
	return json_pack("{s:I,s:s,s:s,s:i,s:I,s:o}", "sid",
	    (json_int_t)r->sid, "name", r->name ? r->name : "",
	    "category", rules_category_name(r->category), "level", r->level,
	    "hits", (json_int_t)r->hits, "last_hit", iso_time(r->last_hit));
}

static json_t *
exception_json(const struct comp *c, const struct exception *x)
{
	json_t	*sids = json_array();
	size_t	 i;
	int	 expired = x->expires != 0 && x->expires < c->now;

	for (i = 0; i < x->nsids; i++)
		json_array_append_new(sids, json_integer(x->sids[i]));
	return json_pack("{s:o,s:s,s:s,s:s?,s:b,s:I,s:s?,s:i}", "sids", sids,
	    "owner", x->owner ? x->owner : "", "reason",
	    x->reason ? x->reason : "", "expires", x->expires_text,
	    "expired", expired, "hits", (json_int_t)x->hits,
	    "file", x->file, "line", x->line);
}

/* Set the reason, in both languages. */
static void
set_reason(json_t *o, const char *en, const char *vi)
{
	json_object_set_new(o, "reason", lang_pair(en, vi));
}

/* One required control at level n. */
static json_t *
control_json(struct comp *c, struct yaml_node_s *cn, int n, json_t *cnt)
{
	const struct ruleset	*rs = c->rs;
	struct yaml_doc		*yd = c->cat;
	const char		*id = cat_str(yd, cn, "id");
	const char		*ev = cat_str(yd, cn, "evidence");
	const char		*lv = cat_str(yd, cn, "level");
	const char		*vf = cat_str(yd, cn, "verified");
	json_t			*o, *rules = json_array(), *excs = json_array();
	struct rule_info	 ri;
	const char		*gap = NULL, *exc_owner = NULL;
	uint32_t		 exc_sid = 0, gap_sid = 0, off_sid = 0;
	int			 gap_kind = 0, off_dis = 0;
	char			 be[512], bv[512];
	uint64_t		 alerts = 0, last = 0;
	size_t			 i, j, k;
	long			 v;
	int			 outside = ev != NULL &&
				    strcmp(ev, "partly-outside") == 0;

	o = json_pack("{s:s,s:i,s:s?,s:b,s:o,s:s}", "id", id,
	    "level", lv ? atoi(lv) : 0, "clause", cat_str(yd, cn, "clause"),
	    "verified", vf != NULL && strcmp(vf, "true") == 0,
	    "description", cat_text(yd, yamldoc_get(yd, cn, "description")),
	    "evidence", ev ? ev : "sensor");
	for (i = 0; rules_info(rs, i, &ri) == 0; i++) {
		const struct rule_info	*r = &ri;

		if (!rule_has_control(r, id))
			continue;
		if (!rules_active_at(rs, i, n)) {
			if (off_sid == 0 && r->level <= n && r->disabled) {
				off_sid = r->sid;
				off_dis = 1;
			}
			continue;
		}
		json_array_append_new(rules, rule_json(r));
		alerts += r->hits;
		if (r->last_hit > last)
			last = r->last_hit;
		for (j = 0; j < r->nassets && gap == NULL; j++)
			if (!r->assets[j].negated && (gap_kind = asset_gap(rs,
			    r->assets[j].name))) {
				gap = r->assets[j].name;
				gap_sid = r->sid;
			}
		for (j = 0; j < r->nexceptions; j++) {
			const struct exception *x = rules_exception(rs, i, j);
			int dup = 0;

			/* An exception naming several sids is listed once. */
			for (k = 0; k < j; k++)
				if (rules_exception(rs, i, k) == x)
					dup = 1;
			if (dup)
				continue;
			json_array_append_new(excs, exception_json(c, x));
			if (!(x->expires != 0 && x->expires < c->now) &&
			    exc_sid == 0) {
				exc_sid = r->sid;
				exc_owner = x->owner;
			}
		}
	}
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "exceptions", excs);
	json_object_set_new(o, "alerts", json_integer((json_int_t)alerts));
	json_object_set_new(o, "last_alert", iso_time(last));
	/* With a state file: the period's alerts, across restarts. */
	if (json_is_object(json_object_get(c->ev, "alerts_by_control"))) {
		json_t *la = json_object_get(json_object_get(c->ev,
		    "last_alert"), id);

		json_object_set_new(o, "alerts", json_integer(
		    json_integer_value(json_object_get(json_object_get(c->ev,
		    "alerts_by_control"), id))));
		json_object_set_new(o, "last_alert", la ? json_incref(la) :
		    json_null());
	}
	if ((v = per_level(yd, cn, "retention_months", n)) >= 0)
		json_object_set_new(o, "retention_months", json_integer(v));
	if ((v = per_level(yd, cn, "threshold_review_months", n)) >= 0)
		json_object_set_new(o, "threshold_review_months",
		    json_integer(v));
	if (outside)
		json_object_set_new(o, "outside_evidence", cat_text(yd,
		    yamldoc_get(yd, cn, "outside_evidence")));

	if (json_array_size(rules) == 0 && !outside) {
		json_object_set_new(o, "status", json_string("not-covered"));
		if (off_sid != 0 && off_dis) {
			snprintf(be, sizeof(be), "No active rule covers it: "
			    "rule %u is disabled in its rule file.", off_sid);
			snprintf(bv, sizeof(bv), "Không có quy tắc nào đang bật "
			    "cho kiểm soát này: quy tắc %u bị tắt trong tệp "
			    "quy tắc.", off_sid);
		} else {
			snprintf(be, sizeof(be), "No active rule covers it at "
			    "level %d.", n);
			snprintf(bv, sizeof(bv), "Không có quy tắc nào đang bật "
			    "cho kiểm soát này ở cấp độ %d.", n);
		}
		set_reason(o, be, bv);
	} else if (gap != NULL) {
		json_object_set_new(o, "status", json_string("partial"));
		snprintf(be, sizeof(be), "Asset group $%s used by rule %u is "
		    "%s.", gap, gap_sid, gap_kind == 2 ? "not defined" :
		    "empty");
		snprintf(bv, sizeof(bv), "Nhóm tài sản $%s mà quy tắc %u dùng "
		    "%s.", gap, gap_sid, gap_kind == 2 ? "chưa được khai báo" :
		    "đang trống");
		set_reason(o, be, bv);
		json_object_set_new(o, "missing_asset", json_string(gap));
	} else if (exc_sid != 0) {
		json_object_set_new(o, "status", json_string("partial"));
		snprintf(be, sizeof(be), "Rule %u is silenced in part by an "
		    "exception (owner: %s).", exc_sid, exc_owner ? exc_owner :
		    "?");
		snprintf(bv, sizeof(bv), "Quy tắc %u bị tắt một phần bởi một "
		    "ngoại lệ (người chịu trách nhiệm: %s).", exc_sid,
		    exc_owner ? exc_owner : "?");
		set_reason(o, be, bv);
	} else if (outside) {
		json_object_set_new(o, "status", json_string("outside"));
		snprintf(be, sizeof(be), "The sensor shows its part (%zu "
		    "active rules, log settings, uptime); the rest needs "
		    "evidence outside the sensor.", json_array_size(rules));
		snprintf(bv, sizeof(bv), "Cảm biến chứng minh phần của mình "
		    "(%zu quy tắc đang bật, cấu hình nhật ký, thời gian chạy); "
		    "phần còn lại cần bằng chứng ngoài cảm biến.",
		    json_array_size(rules));
		set_reason(o, be, bv);
	} else {
		json_object_set_new(o, "status", json_string("covered"));
		snprintf(be, sizeof(be), "Covered by %zu active rules; every "
		    "asset group they use is defined.", json_array_size(rules));
		snprintf(bv, sizeof(bv), "Được %zu quy tắc đang bật bao phủ; "
		    "mọi nhóm tài sản liên quan đã được khai báo.",
		    json_array_size(rules));
		set_reason(o, be, bv);
	}
	json_object_set_new(cnt, json_string_value(json_object_get(o,
	    "status")), json_integer(json_integer_value(json_object_get(cnt,
	    json_string_value(json_object_get(o, "status")))) + 1));
	return o;
}

/* Controls, rules and assets that level n+1 adds. */
static json_t *
next_level(struct comp *c, struct yaml_node_s *ctl, int n)
{
	const struct ruleset	*rs = c->rs;
	struct yaml_doc		*yd = c->cat;
	json_t			*o, *ca, *ra, *aa;
	struct rule_info	 ri;
	size_t			 i, j, k;

	if (n >= 5)
		return json_null();
	ca = json_array();
	ra = json_array();
	aa = json_array();
	for (i = 0; i < yamldoc_seq_len(ctl); i++) {
		struct yaml_node_s *cn = yamldoc_seq_at(yd, ctl, i);
		const char *lv = cat_str(yd, cn, "level");

		if (lv != NULL && atoi(lv) == n + 1)
			json_array_append_new(ca, json_pack("{s:s,s:o}", "id",
			    cat_str(yd, cn, "id"), "description", cat_text(yd,
			    yamldoc_get(yd, cn, "description"))));
	}
	for (i = 0; rules_info(rs, i, &ri) == 0; i++) {
		const struct rule_info	*r = &ri;
		json_t			*cs;

		if (!rules_active_at(rs, i, n + 1) || rules_active_at(rs, i, n))
			continue;
		cs = json_array();
		for (j = 0; j < r->ncontrols; j++)
			json_array_append_new(cs, json_string(r->controls[j]));
		json_array_append_new(ra, json_pack("{s:I,s:s,s:s,s:o}", "sid",
		    (json_int_t)r->sid, "name", r->name ? r->name : "",
		    "category", rules_category_name(r->category),
		    "controls", cs));
		for (j = 0; j < r->nassets; j++) {
			const char *name = r->assets[j].name;
			int dup = 0;

			if (r->assets[j].negated || asset_gap(rs, name) == 0)
				continue;
			for (k = 0; k < json_array_size(aa); k++)
				if (strcmp(json_string_value(json_array_get(aa,
				    k)), name) == 0)
					dup = 1;
			if (!dup)
				json_array_append_new(aa, json_string(name));
		}
	}
	o = json_pack("{s:i,s:o,s:o,s:o}", "level", n + 1, "controls", ca,
	    "rules", ra, "assets_to_define", aa);
	return o;
}

static json_t *
identity_json(struct comp *c, struct yaml_node_s *cat, int n)
{
	const struct config	*conf = c->conf;
	const struct ruleset	*rs = c->rs;
	struct yaml_doc		*yd = c->cat;
	json_t			*h = json_array(), *o;
	const char		*vf = cat_str(yd, cat, "verified");
	const char		*p;
	size_t			 i;
	int			 catfile;

	if (conf->path != NULL)
		add_hash(h, "config", conf->path);
	if (rules_catalog_path(rs) != NULL)
		add_hash(h, "catalog", rules_catalog_path(rs));
	for (i = 0; (p = rules_file(rs, i, &catfile)) != NULL; i++)
		if (!catfile)
			add_hash(h, "rules", p);
	for (i = 0; i < rules_asset_count(rs); i++)
		if ((p = rules_asset_file(rs, i)) != NULL)
			add_hash(h, "list", p);
	o = json_pack("{s:s,s:s,s:i,s:i,s:o,s:o}",
	    "sensor", conf->sensor_name ? conf->sensor_name : "",
	    "version", CANHGAC_VERSION, "level", n,
	    "configured_level", conf->security_level,
	    "generated", iso_time(c->now), "files", h);
	json_object_set_new(o, "language", json_string(conf->language_vi ?
	    "vi" : "en"));
	json_object_set_new(o, "catalog", json_pack("{s:s?,s:s?,s:s?,s:o,"
	    "s:b,s:s?}", "path", rules_catalog_path(rs),
	    "id", cat_str(yd, cat, "id"),
	    "standard", cat_str(yd, cat, "standard"),
	    "title", cat_text(yd, yamldoc_get(yd, cat, "title")),
	    "verified", vf != NULL && strcmp(vf, "true") == 0,
	    "source", cat_str(yd, cat, "source")));
	return o;
}

json_t *
compliance_report(const struct config *conf, const struct ruleset *rs,
    json_t *evidence, int level, char *err, size_t errlen)
{
	struct comp		 c;
	struct yaml_node_s	*root, *ctl;
	json_t			*rep, *ctls, *cnt, *cats;
	struct timespec		 ts;
	size_t			 i;
	int			 n = level > 0 ? level : conf->security_level;

	if (n < 1 || n > 5) {
		snprintf(err, errlen, "level must be 1..5");
		return NULL;
	}
	if (rules_catalog_path(rs) == NULL) {
		snprintf(err, errlen, "no control catalog loaded (set "
		    "sensor.catalog)");
		return NULL;
	}
	memset(&c, 0, sizeof(c));
	c.conf = conf;
	c.rs = rs;
	c.ev = evidence;
	clock_gettime(CLOCK_REALTIME, &ts);
	c.now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	if ((c.cat = yamldoc_load(rules_catalog_path(rs), err, errlen)) ==
	    NULL)
		return NULL;
	root = yamldoc_root(c.cat);
	ctl = yamldoc_get(c.cat, root, "controls");

	rep = json_object();
	json_object_set_new(rep, "identity", identity_json(&c,
	    yamldoc_get(c.cat, root, "catalog"), n));
	ctls = json_array();
	cnt = json_pack("{s:i,s:i,s:i,s:i}", "covered", 0, "partial", 0,
	    "not-covered", 0, "outside", 0);
	for (i = 0; i < yamldoc_seq_len(ctl); i++) {
		struct yaml_node_s *cn = yamldoc_seq_at(c.cat, ctl, i);
		const char *lv = cat_str(c.cat, cn, "level");

		if (cat_str(c.cat, cn, "id") == NULL || lv == NULL ||
		    atoi(lv) > n)
			continue;
		json_array_append_new(ctls, control_json(&c, cn, n, cnt));
	}
	json_object_set_new(cnt, "required", json_integer(
	    (json_int_t)json_array_size(ctls)));
	json_object_set_new(rep, "summary", cnt);
	json_object_set_new(rep, "controls", ctls);
	/* Alerts by category, over every rule (the chart). */
	cats = json_object();
	for (i = 0; i < CAT_MAX; i++) {
		uint64_t	 sum = 0;
		struct rule_info ri;
		size_t		 j;

		json_t	*pc = json_object_get(json_object_get(evidence,
			    "alerts_by_category"), rules_category_name((int)i));

		for (j = 0; rules_info(rs, j, &ri) == 0; j++)
			if ((size_t)ri.category == i)
				sum += ri.hits;
		if (json_is_object(json_object_get(evidence,
		    "alerts_by_category")))
			sum = (uint64_t)json_integer_value(pc);
		json_object_set_new(cats, rules_category_name((int)i),
		    json_integer((json_int_t)sum));
	}
	json_object_set_new(rep, "alerts_by_category", cats);
	json_object_set_new(rep, "next_level", next_level(&c, ctl, n));
	if (evidence != NULL) {
		json_object_set(evidence, "available", json_true());
		json_object_set(rep, "evidence", evidence);
		if (json_object_get(evidence, "period") != NULL)
			json_object_set(rep, "period", json_object_get(
			    evidence, "period"));
	} else
		json_object_set_new(rep, "evidence", json_pack("{s:b}",
		    "available", 0));
	yamldoc_free(c.cat);
	return rep;
}
