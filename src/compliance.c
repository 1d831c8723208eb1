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
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "compliance.h"
#include "conf.h"
#include "hkdf.h"
#include "output.h"
#include "rules.h"
#include "types.h"
#include "yamldoc.h"

struct comp {
	const struct config	*conf;
	const struct ruleset	*rs;
	struct yaml_doc		*cat;		/* the catalog */
	uint64_t		 now;		/* wall usec */
	json_t			*ev;		/* evidence, or NULL offline */
	json_t			*sensor_why;	/* reasons of every control */
	char			 digest[65];	/* of the rule set, when asked */
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

/*
 * The digest of a rule set: SHA-256 over each file's name and hash in
 * the report's order, so that any change of a rule, list, catalog or the
 * configuration gives another digest, and nothing else does.
 */
void
compliance_digest(const struct config *conf, const struct ruleset *rs,
    char out[65])
{
	struct sha256_hex h;
	size_t		 n, k, nf = rules_file_count(rs);

	/* On the stack: a reload's record never has an empty digest. */
	sha256_hex_init(&h);
	n = nf + rules_asset_count(rs);
	for (k = 0; k < 2 + n; k++) {
		const char	*p, *d;

		if (k == 0) {
			p = conf ? conf->path : NULL;
			d = conf ? conf->sha256 : "";
		} else if (k == 1) {
			p = rules_catalog_path(rs);
			d = rules_catalog_sha256(rs);
		} else if (k - 2 < nf) {
			p = rules_file(rs, k - 2, NULL);
			d = rules_file_sha256(rs, k - 2);
		} else {
			p = rules_asset_file(rs, k - 2 - nf);
			d = rules_asset_sha256(rs, k - 2 - nf);
		}
		if (p == NULL)
			continue;
		if (*d == '\0')
			d = "-";
		sha256_hex_update(&h, p, strlen(p) + 1);
		sha256_hex_update(&h, d, strlen(d) + 1);
	}
	sha256_hex_final(&h, out);
}

/* A file's entry in the report: its digest as the rule set read it. */
static void
add_hash(json_t *a, const char *kind, const char *path, const char *sha256)
{
	json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "kind", kind,
	    "path", path, "sha256", *sha256 != '\0' ? json_string(sha256) :
	    json_null()));
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
	return json_pack("{s:I,s:s,s:s,s:s,s:i,s:I,s:o}", "sid",
	    (json_int_t)r->sid, "name", r->name ? r->name : "", "name_vi",
	    r->name_vi ? r->name_vi : "", "category", rules_category_name(r->category), "level", r->level,
	    "hits", (json_int_t)r->hits, "last_hit", iso_time(r->last_hit));
}

static json_t *
exception_json(const struct comp *c, const struct exception *x)
{
	json_t		*sids = json_array();
	size_t		 i;
	int		 expired = x->expires != 0 && x->expires < c->now;
	uint64_t	 hits, expired_hits;

	rules_exception_hits(c->rs, x, &hits, &expired_hits);
	for (i = 0; i < x->nsids; i++)
		json_array_append_new(sids, json_integer(x->sids[i]));
	return json_pack("{s:o,s:s,s:s,s:s?,s:b,s:I,s:s?,s:i}", "sids", sids,
	    "owner", x->owner ? x->owner : "", "reason",
	    x->reason ? x->reason : "", "expires", x->expires_text,
	    "expired", expired, "hits", (json_int_t)hits,
	    "file", x->file, "line", x->line);
}



/* Append one reason, a sentence in each language, to a. */
static void
add_reason(json_t *a, const char *en, const char *vi)
{
	json_array_append_new(a, lang_pair(en, vi));
}

/* "3 ngày" / "3 days" of a number of seconds, for the reasons. */
static void
span_text(long long s, char *en, char *vi, size_t len)
{
	if (s >= 86400) {
		snprintf(en, len, "%lld day%s", s / 86400, s / 86400 == 1 ?
		    "" : "s");
		snprintf(vi, len, "%lld ngày", s / 86400);
	} else if (s >= 3600) {
		snprintf(en, len, "%lld hour%s", s / 3600, s / 3600 == 1 ?
		    "" : "s");
		snprintf(vi, len, "%lld giờ", s / 3600);
	} else {
		snprintf(en, len, "%lld minute%s", s / 60, s / 60 == 1 ?
		    "" : "s");
		snprintf(vi, len, "%lld phút", s / 60);
	}
}

/* The asset groups of one rule: defined, not empty, not examples, and
 * current where the control asks for current indicators. */
static void
rule_asset_reasons(struct comp *c, const struct rule_info *r, int current,
    json_t *why, json_t *seen)
{
	struct rules_list	 l;
	char			 be[768], bv[768], ae[32], av[32], me[32], mv[32];
	size_t			 j;
	int			 gap;

	for (j = 0; j < r->nassets; j++) {
		const char *name = r->assets[j].name;

		if (r->assets[j].negated || json_object_get(seen, name))
			continue;
		json_object_set_new(seen, name, json_true());
		if ((gap = asset_gap(c->rs, name)) != 0) {
			snprintf(be, sizeof(be), "Asset group $%s used by rule "
			    "%u is %s.", name, r->sid, gap == 2 ?
			    "not defined" : "empty");
			snprintf(bv, sizeof(bv), "Nhóm tài sản $%s mà quy tắc "
			    "%u dùng %s.", name, r->sid, gap == 2 ?
			    "chưa được khai báo" : "đang trống");
			add_reason(why, be, bv);
			continue;
		}
		if (rules_asset_doc_only(c->rs, name)) {
			snprintf(be, sizeof(be), "Asset group $%s used by rule "
			    "%u holds only documentation addresses (RFC 5737, "
			    "RFC 3849) and reserved names (.example, .test, "
			    ".invalid), so it detects nothing real.", name,
			    r->sid);
			snprintf(bv, sizeof(bv), "Nhóm tài sản $%s mà quy tắc "
			    "%u dùng chỉ chứa địa chỉ dành cho tài liệu (RFC "
			    "5737, RFC 3849) và tên miền dành riêng (.example, "
			    ".test, .invalid), nên không phát hiện được mối "
			    "nguy thật nào.", name, r->sid);
			add_reason(why, be, bv);
		}
		if (current && rules_list(c->rs, name, &l) == 0 &&
		    l.mtime > 0 && (uint64_t)l.mtime * 1000000 +
		    c->conf->compliance_max_list_age < c->now) {
			span_text((long long)(c->now / 1000000) -
			    (long long)l.mtime, ae, av, sizeof(ae));
			span_text((long long)(c->conf->compliance_max_list_age /
			    1000000), me, mv, sizeof(me));
			snprintf(be, sizeof(be), "List file %s of $%s was last "
			    "updated %s ago, longer than "
			    "compliance.max_list_age (%s), and the control "
			    "needs current indicators.", l.file, name, ae, me);
			snprintf(bv, sizeof(bv), "Tệp danh sách %s của $%s được "
			    "cập nhật lần cuối cách đây %s, quá thời hạn "
			    "compliance.max_list_age (%s), trong khi kiểm soát "
			    "này cần dấu hiệu xâm phạm còn mới.", l.file, name,
			    av, mv);
			add_reason(why, be, bv);
		}
	}
}

/*
 * The self-test of the active rules. This is the hook for the self-test
 * of the live rule set: the daemon puts its last results into the
 * evidence as "selftest": {"digest": HEX, "rules": {"SID": "pass" |
 * "fail" | "untested"}} (selftest.c, kept in the history). Until it
 * has, no rule is shown to detect on this sensor, and every control
 * with rules says "self-test not run".
 */
static void
selftest_reasons(struct comp *c, json_t *rules, json_t *why)
{
	json_t	*st = json_object_get(c->ev, "selftest"), *v, *d;
	char	 be[1536], bv[1536], sid[16];
	size_t	 i;

	if (json_array_size(rules) == 0)
		return;
	if (!json_is_object(st)) {
		add_reason(why, c->ev == NULL ? "The self-test of the rules "
		    "cannot be checked offline (self-test not run)." :
		    "The rules have not been run against their test cases on "
		    "this sensor (self-test not run), so they are not shown "
		    "to detect.", c->ev == NULL ? "Báo cáo ngoại tuyến không "
		    "kiểm tra được kết quả tự kiểm tra của các quy tắc (chưa "
		    "chạy tự kiểm tra)." : "Các quy tắc chưa được chạy thử "
		    "với mẫu kiểm tra của chúng trên cảm biến này (chưa chạy "
		    "tự kiểm tra), nên chưa chứng minh được chúng phát hiện "
		    "đúng.");
		return;
	}
	if (c->digest[0] == '\0')
		compliance_digest(c->conf, c->rs, c->digest);
	if (strcmp(json_string_value(json_object_get(st, "digest")) ?
	    json_string_value(json_object_get(st, "digest")) : "",
	    c->digest) != 0) {
		add_reason(why, "The self-test results are for another rule "
		    "set, not the one running now.", "Kết quả tự kiểm tra là "
		    "của một bộ quy tắc khác, không phải bộ quy tắc đang "
		    "chạy.");
		return;
	}
	/*
	 * Nor of another canhgacd: after an upgrade the state file still
	 * holds the old binary's results for the same rules, until this
	 * one's own self-test has run (or for ever, if it cannot).
	 */
	if (strcmp(json_string_value(json_object_get(st, "version")) ?
	    json_string_value(json_object_get(st, "version")) : "",
	    PACKAGE_VERSION) != 0) {
		add_reason(why, "The self-test results were made by another "
		    "version of canhgacd, not the one running now.", "Kết quả "
		    "tự kiểm tra do một phiên bản canhgacd khác tạo ra, không "
		    "phải phiên bản đang chạy.");
		return;
	}
	json_array_foreach(rules, i, v) {
		const char *r;

		snprintf(sid, sizeof(sid), "%lld", (long long)
		    json_integer_value(json_object_get(v, "sid")));
		r = json_string_value(json_object_get(json_object_get(st,
		    "rules"), sid));
		if (r != NULL && strcmp(r, "pass") == 0)
			continue;
		/*
		 * A sensor-health rule has no capture case (the sensor's own
		 * drops and memcaps raise it): what it watches, this report
		 * checks itself (capture, drops, delivery).
		 */
		if ((r == NULL || strcmp(r, "untested") == 0) &&
		    strcmp(json_string_value(json_object_get(v, "category")) ?
		    json_string_value(json_object_get(v, "category")) : "",
		    "sensor") == 0)
			continue;
		d = json_object_get(json_object_get(st, "details"), sid);
		if (r != NULL && strcmp(r, "fail") == 0) {
			/* Why, from the self-test's details, when it says. */
			const char *we = json_string_value(json_object_get(d,
			    "reason"));
			const char *wv = json_string_value(json_object_get(d,
			    "reason_vi"));

			snprintf(be, sizeof(be), "Rule %s failed its self-test "
			    "with the current rule set%s%.1200s.", sid, we ?
			    ": " : "", we ? we : "");
			snprintf(bv, sizeof(bv), "Quy tắc %s không đạt khi tự "
			    "kiểm tra với bộ quy tắc hiện tại%s%.1200s.", sid,
			    wv ? ": " : "", wv ? wv : "");
		} else {
			snprintf(be, sizeof(be), "Rule %s has no self-test "
			    "case, so it is untested.", sid);
			snprintf(bv, sizeof(bv), "Quy tắc %s chưa có mẫu tự "
			    "kiểm tra nên chưa được kiểm chứng.", sid);
		}
		add_reason(why, be, bv);
	}
}

/* Seconds of a list of periods ({seconds}). */
static long long
sum_seconds(json_t *a)
{
	long long	 t = 0;
	json_t		*v;
	size_t		 i;

	json_array_foreach(a, i, v)
		t += json_integer_value(json_object_get(v, "seconds"));
	return t;
}

static json_t *
by_name(json_t *a, const char *name)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")) ?
		    json_string_value(json_object_get(v, "name")) : "",
		    name) == 0)
			return v;
	return NULL;
}

/*
 * What every control with rules needs from the sensor in the period:
 * it ran without gaps where the catalog asks for continuous monitoring,
 * and each configured interface captured with a drop rate within
 * compliance.max_drop_rate. Offline none of it can be checked.
 */
static void
sensor_reasons(struct comp *c, struct yaml_node_s *cat, json_t *why)
{
	json_t		*ev = c->ev, *live, *hist;
	const char	*cont = cat_str(c->cat, yamldoc_get(c->cat, cat,
			    "monitoring"), "continuous");
	char		 be[512], bv[512], de[32], dv[32];
	double		 max = c->conf->compliance_max_drop_rate, rate;
	long long	 t;
	int		 i, hasht;

	if (ev == NULL) {
		add_reason(why, "Capture and the drop rate of each interface "
		    "in the period cannot be checked offline.", "Báo cáo "
		    "ngoại tuyến không kiểm tra được việc thu gói tin và tỷ lệ "
		    "mất gói của từng giao diện trong kỳ.");
		return;
	}
	hasht = json_is_true(json_object_get(ev, "history"));
	if (hasht && cont != NULL && strcmp(cont, "true") == 0 &&
	    (t = sum_seconds(json_object_get(ev, "gaps"))) > 0) {
		span_text(t, de, dv, sizeof(de));
		snprintf(be, sizeof(be), "The sensor did not run for %s of the "
		    "period (%zu gaps), and the catalog asks for continuous "
		    "monitoring.", de, json_array_size(json_object_get(ev,
		    "gaps")));
		snprintf(bv, sizeof(bv), "Cảm biến không chạy trong %s của kỳ "
		    "báo cáo (%zu khoảng trống), trong khi danh mục yêu cầu "
		    "giám sát liên tục.", dv, json_array_size(
		    json_object_get(ev, "gaps")));
		add_reason(why, be, bv);
	}
	for (i = 0; i < c->conf->ncapture; i++) {
		const char *name = c->conf->capture[i].iface;
		const char *st;

		live = by_name(json_object_get(ev, "interfaces"), name);
		hist = by_name(json_object_get(ev, "interface_history"), name);
		st = json_string_value(json_object_get(live, "state"));
		if (live == NULL) {
			snprintf(be, sizeof(be), "Interface %s is configured but "
			    "this run does not capture it.", name);
			snprintf(bv, sizeof(bv), "Giao diện %s có trong cấu hình "
			    "nhưng lần chạy này không thu gói tin trên đó.",
			    name);
			add_reason(why, be, bv);
			continue;
		}
		if (st != NULL && (strcmp(st, "down") == 0 || strcmp(st,
		    "missing") == 0 || strcmp(st, "no-carrier") == 0)) {
			snprintf(be, sizeof(be), "Interface %s is not capturing "
			    "now (link %s).", name, st);
			snprintf(bv, sizeof(bv), "Giao diện %s hiện không thu "
			    "được gói tin (trạng thái liên kết: %s).", name,
			    strcmp(st, "down") == 0 ? "tắt" : strcmp(st,
			    "missing") == 0 ? "không tồn tại" :
			    "không có tín hiệu");
			add_reason(why, be, bv);
		}
		if (hasht && hist == NULL) {
			snprintf(be, sizeof(be), "No capture on interface %s is "
			    "recorded in the period.", name);
			snprintf(bv, sizeof(bv), "Không có bản ghi nào về việc thu "
			    "gói tin trên giao diện %s trong kỳ.", name);
			add_reason(why, be, bv);
		}
		if (hasht && (t = sum_seconds(json_object_get(hist, "down"))) >
		    0) {
			span_text(t, de, dv, sizeof(de));
			snprintf(be, sizeof(be), "Interface %s was not capturing "
			    "for %s of the period.", name, de);
			snprintf(bv, sizeof(bv), "Giao diện %s không thu được gói "
			    "tin trong %s của kỳ báo cáo.", name, dv);
			add_reason(why, be, bv);
		}
		if (hasht && hist != NULL)
			rate = json_real_value(json_object_get(hist,
			    "drop_rate"));
		else {
			double recv = (double)json_integer_value(
			    json_object_get(live, "pcap_received"));
			double drop = (double)json_integer_value(
			    json_object_get(live, "pcap_dropped")) +
			    (double)json_integer_value(json_object_get(live,
			    "pcap_ifdropped"));

			rate = recv + drop > 0 ? 100.0 * drop / (recv + drop) :
			    0.0;
		}
		if (rate > max) {
			snprintf(be, sizeof(be), "Interface %s dropped %.3f%% of "
			    "packets in the period, more than "
			    "compliance.max_drop_rate (%g%%).", name, rate, max);
			snprintf(bv, sizeof(bv), "Giao diện %s bị mất %.3f%% gói "
			    "tin trong kỳ, vượt ngưỡng compliance.max_drop_rate "
			    "(%g%%).", name, rate, max);
			add_reason(why, be, bv);
		}
	}
}

/*
 * Central storage from the catalog's level: a remote output configured,
 * and (with evidence) one that delivered in the period.
 */
static void
storage_reasons(struct comp *c, struct yaml_node_s *cn, int n, json_t *why)
{
	const char	*fs = cat_str(c->cat, cn, "central_storage_from_level");
	json_t		*ev = c->ev, *v;
	const char	*since = json_string_value(json_object_get(
			    json_object_get(ev, "period"), "since"));
	char		 be[384], bv[384], dest[300];
	size_t		 i;
	int		 from = fs ? atoi(fs) : 0, ok = 0, k;

	if (from < 1 || n < from)
		return;
	if (c->conf->nremote == 0) {
		snprintf(be, sizeof(be), "No remote output is configured "
		    "(outputs.remote), and the catalog requires central storage "
		    "of the logs from level %d.", from);
		snprintf(bv, sizeof(bv), "Chưa cấu hình đầu ra gửi về máy chủ "
		    "nhật ký tập trung (outputs.remote), trong khi danh mục yêu "
		    "cầu lưu trữ nhật ký tập trung từ cấp độ %d.", from);
		add_reason(why, be, bv);
		return;
	}
	if (ev == NULL) {
		add_reason(why, "Delivery to the remote output in the period "
		    "cannot be checked offline.", "Báo cáo ngoại tuyến không "
		    "kiểm tra được việc chuyển nhật ký về máy chủ tập trung "
		    "trong kỳ.");
		return;
	}
	/* Delivered by a destination configured now, not an old one. */
	for (k = 0; k < c->conf->nremote && !ok; k++) {
		snprintf(dest, sizeof(dest), "%s:%d", c->conf->remote[k].host,
		    c->conf->remote[k].port);
		snprintf(be, sizeof(be), "remote %s", dest);
		if (json_is_true(json_object_get(ev, "history"))) {
			const char *ld = json_string_value(json_object_get(
			    by_name(json_object_get(ev, "delivery"), be),
			    "last_delivered"));

			ok = ld != NULL && (since == NULL || strcmp(ld,
			    since) >= 0);
		} else
			json_array_foreach(json_object_get(ev, "outputs"), i,
			    v)
				if (strcmp(json_string_value(json_object_get(v,
				    "destination")) ? json_string_value(
				    json_object_get(v, "destination")) : "",
				    dest) == 0 && json_integer_value(
				    json_object_get(v, "sent")) +
				    json_integer_value(json_object_get(v,
				    "replayed")) > 0)
					ok = 1;
	}
	if (!ok)
		add_reason(why, "The remote output delivered nothing to central "
		    "storage in the period.", "Đầu ra gửi về máy chủ nhật ký "
		    "tập trung chưa chuyển được bản ghi nào trong kỳ.");
}

/* The reasons joined, one sentence after another, in each language. */
static json_t *
joined(json_t *why)
{
	json_t	*v;
	size_t	 i, ne = 1, nv = 1;
	char	*en, *vi;

	json_array_foreach(why, i, v) {
		ne += strlen(json_string_value(json_object_get(v, "en"))) + 1;
		nv += strlen(json_string_value(json_object_get(v, "vi"))) + 1;
	}
	en = calloc(1, ne);
	vi = calloc(1, nv);
	if (en == NULL || vi == NULL) {
		free(en);
		free(vi);
		return lang_pair("", "");
	}
	json_array_foreach(why, i, v) {
		if (i > 0) {
			strcat(en, " ");
			strcat(vi, " ");
		}
		strcat(en, json_string_value(json_object_get(v, "en")));
		strcat(vi, json_string_value(json_object_get(v, "vi")));
	}
	v = lang_pair(en, vi);
	free(en);
	free(vi);
	return v;
}

/*
 * A catalog clause at level n: with clause_base B, an "x" standing alone
 * before a dot or space is the level's clause number n + B.
 */
static json_t *
clause_at(struct comp *c, struct yaml_node_s *cat, const char *cl, int n)
{
	const char	*b = cat_str(c->cat, cat, "clause_base");
	char		 out[512], num[32];
	size_t		 i, o = 0, k;

	if (cl == NULL)
		return json_null();
	for (i = 0; cl[i] != '\0' && o + 4 < sizeof(out); i++) {
		if (b != NULL && cl[i] == 'x' && (i == 0 || cl[i - 1] == ' ' ||
		    cl[i - 1] == '(') && (cl[i + 1] == '.' || cl[i + 1] == ' ' ||
		    cl[i + 1] == '\0')) {
			/*
			 * The number whole or not at all: snprintf's length
			 * of a cut one took o past the buffer. The base held
			 * within an int and added in long long: no wrap.
			 */
			long long base = strtoll(b, NULL, 10);

			if (base > INT_MAX)
				base = INT_MAX;
			if (base < INT_MIN)
				base = INT_MIN;
			k = (size_t)snprintf(num, sizeof(num), "%lld",
			    (long long)n + base);
			if (o + k + 1 > sizeof(out))
				break;
			memcpy(out + o, num, k);
			o += k;
		} else
			out[o++] = cl[i];
	}
	out[o] = '\0';
	return json_string(out);
}

/* One required control at level n. */
static json_t *
control_json(struct comp *c, struct yaml_node_s *cat, struct yaml_node_s *cn,
    int n, json_t *cnt)
{
	const struct ruleset	*rs = c->rs;
	struct yaml_doc		*yd = c->cat;
	const char		*id = cat_str(yd, cn, "id");
	const char		*ev = cat_str(yd, cn, "evidence");
	const char		*lv = cat_str(yd, cn, "level");
	const char		*vf = cat_str(yd, cn, "verified");
	const char		*ci = cat_str(yd, cn, "current_indicators");
	json_t			*o, *rules = json_array(), *excs = json_array();
	json_t			*why = json_array(), *seen = json_object();
	struct yaml_node_s	*ur = yamldoc_get(yd, cn, "unverified_reason");
	struct rule_info	 ri;
	uint32_t		 off_sid = 0;
	int			 off_dis = 0;
	char			 be[512], bv[512];
	uint64_t		 alerts = 0, last = 0;
	size_t			 i, j, k;
	long			 v;
	int			 outside = ev != NULL &&
				    strcmp(ev, "partly-outside") == 0;

	o = json_pack("{s:s,s:i,s:o,s:b,s:o,s:s}", "id", id,
	    "level", lv ? atoi(lv) : 0, "clause", clause_at(c, cat,
	    cat_str(yd, cn, "clause"), n),
	    "verified", vf != NULL && strcmp(vf, "true") == 0,
	    "description", cat_text(yd, yamldoc_get(yd, cn, "description")),
	    "evidence", ev ? ev : "sensor");
	if (ur != NULL) {
		json_t *t = cat_text(yd, ur);

		json_object_set_new(t, "en", clause_at(c, cat,
		    json_string_value(json_object_get(t, "en")), n));
		json_object_set_new(t, "vi", clause_at(c, cat,
		    json_string_value(json_object_get(t, "vi")), n));
		json_object_set_new(o, "unverified_reason", t);
	}
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
		rule_asset_reasons(c, r, ci != NULL && strcmp(ci, "true") == 0,
		    why, seen);
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
			if (!(x->expires != 0 && x->expires < c->now)) {
				snprintf(be, sizeof(be), "Rule %u is silenced in "
				    "part by an exception (owner: %s).", r->sid,
				    x->owner ? x->owner : "?");
				snprintf(bv, sizeof(bv), "Một ngoại lệ đang bỏ "
				    "qua một phần cảnh báo của quy tắc %u "
				    "(người chịu trách nhiệm: %s).", r->sid,
				    x->owner ? x->owner : "?");
				add_reason(why, be, bv);
			}
		}
	}
	json_decref(seen);
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
	if (json_array_size(rules) > 0) {
		selftest_reasons(c, rules, why);
		json_array_extend(why, c->sensor_why);
	}
	storage_reasons(c, cn, n, why);

	if (json_array_size(rules) == 0 && !outside) {
		json_object_set_new(o, "status", json_string("not-covered"));
		json_array_clear(why);
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
		add_reason(why, be, bv);
	} else if (json_array_size(why) > 0) {
		json_object_set_new(o, "status", json_string("partial"));
	} else if (outside) {
		json_object_set_new(o, "status", json_string("outside"));
		snprintf(be, sizeof(be), "The sensor shows its part (%zu "
		    "active rules, log settings, uptime); the rest needs "
		    "evidence outside the sensor.", json_array_size(rules));
		snprintf(bv, sizeof(bv), "Phần thuộc trách nhiệm của cảm biến "
		    "đã có bằng chứng (%zu quy tắc đang bật, cấu hình ghi nhật "
		    "ký, thời gian hoạt động); phần còn lại cần bằng chứng ngoài "
		    "cảm biến.",
		    json_array_size(rules));
		add_reason(why, be, bv);
	} else {
		json_object_set_new(o, "status", json_string("covered"));
		snprintf(be, sizeof(be), "Covered by %zu active rules, and "
		    "every condition is met: real entries in their asset "
		    "groups, self-test passed with the running rule set, "
		    "capture within bounds in the period.",
		    json_array_size(rules));
		snprintf(bv, sizeof(bv), "Có %zu quy tắc đang bật cho kiểm "
		    "soát này và mọi điều kiện đều đạt: nhóm tài sản có dữ "
		    "liệu thật, tự kiểm tra đạt với bộ quy tắc đang chạy, thu "
		    "gói tin trong kỳ không vượt ngưỡng mất gói.",
		    json_array_size(rules));
		add_reason(why, be, bv);
	}
	json_object_set_new(o, "reason", joined(why));
	json_object_set_new(o, "reasons", why);
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
		json_array_append_new(ra, json_pack("{s:I,s:s,s:s,s:s,s:o}",
		    "sid", (json_int_t)r->sid, "name", r->name ? r->name : "",
		    "name_vi", r->name_vi ? r->name_vi : "", "category", rules_category_name(r->category),
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

/* A catalog block's numbers ({report_hours: 72}) as they are. */
static json_t *
cat_numbers(struct yaml_doc *yd, struct yaml_node_s *n)
{
	struct yaml_node_s	*k, *v;
	json_t			*o = json_object();
	size_t			 i = 0;

	while (yamldoc_is_map(n) && yamldoc_map_next(yd, n, &i, &k, &v)) {
		const char	*ks = yamldoc_scalar(k), *vs = yamldoc_scalar(v);
		char		*end;
		long		 x;

		if (ks == NULL || vs == NULL)
			continue;
		x = strtol(vs, &end, 10);
		json_object_set_new(o, ks, *vs != '\0' && *end == '\0' ?
		    json_integer(x) : strcmp(vs, "true") == 0 ? json_true() :
		    strcmp(vs, "false") == 0 ? json_false() :
		    json_string(vs));
	}
	return o;
}

/*
 * The rest of the catalog's header for the report: who issued the
 * standard, its notes (what is reported and unconfirmed), and the
 * owner's obligations of monitoring and incident reporting.
 */
static void
catalog_extra(struct comp *c, struct yaml_node_s *cat, json_t *o)
{
	struct yaml_doc		*yd = c->cat;
	struct yaml_node_s	*n;
	json_t			*notes = json_array();
	size_t			 i;

	if ((n = yamldoc_get(yd, cat, "issued")) != NULL)
		json_object_set_new(o, "issued", cat_text(yd, n));
	if ((n = yamldoc_get(yd, cat, "levels_defined_by")) != NULL)
		json_object_set_new(o, "levels_defined_by", cat_text(yd, n));
	n = yamldoc_get(yd, cat, "notes");
	for (i = 0; i < yamldoc_seq_len(n); i++)
		json_array_append_new(notes, cat_text(yd, yamldoc_seq_at(yd, n,
		    i)));
	json_object_set_new(o, "notes", notes);
	if ((n = yamldoc_get(yd, cat, "monitoring")) != NULL) {
		json_object_set_new(o, "monitoring", cat_numbers(yd, n));
		json_object_set_new(json_object_get(o, "monitoring"), "source",
		    cat_text(yd, yamldoc_get(yd, n, "source")));
	}
	if ((n = yamldoc_get(yd, cat, "incident_reporting")) != NULL)
		json_object_set_new(o, "incident_reporting", cat_numbers(yd,
		    n));
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
		add_hash(h, "config", conf->path, conf->sha256);
	if (rules_catalog_path(rs) != NULL)
		add_hash(h, "catalog", rules_catalog_path(rs),
		    rules_catalog_sha256(rs));
	for (i = 0; (p = rules_file(rs, i, &catfile)) != NULL; i++)
		if (!catfile)
			add_hash(h, "rules", p, rules_file_sha256(rs, i));
	for (i = 0; i < rules_asset_count(rs); i++)
		if ((p = rules_asset_file(rs, i)) != NULL)
			add_hash(h, "list", p, rules_asset_sha256(rs, i));
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
	catalog_extra(c, cat, json_object_get(o, "catalog"));
	return o;
}

/*
 * What the report could not check: offline, the self-test results,
 * capture and drops, and delivery; with a daemon, the self-test while
 * the daemon records none.
 */
static json_t *
unchecked_json(struct comp *c)
{
	json_t	*a = json_array();

	if (!json_is_object(json_object_get(c->ev, "selftest")))
		json_array_append_new(a, json_pack("{s:s,s:o}", "what",
		    "selftest", "text", lang_pair("self-test of the rules (not "
		    "run)", "kết quả tự kiểm tra các quy tắc (chưa chạy)")));
	if (c->ev == NULL) {
		json_array_append_new(a, json_pack("{s:s,s:o}", "what",
		    "capture", "text", lang_pair("capture and drop rate of "
		    "each interface in the period", "việc thu gói tin và tỷ lệ "
		    "mất gói của từng giao diện trong kỳ")));
		json_array_append_new(a, json_pack("{s:s,s:o}", "what",
		    "delivery", "text", lang_pair("delivery to the remote "
		    "output in the period", "việc chuyển nhật ký về máy chủ "
		    "tập trung trong kỳ")));
	}
	return a;
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
	/* The catalog as the rule set loaded it: not read again. */
	if ((c.cat = rules_catalog_doc(rs)) == NULL) {
		snprintf(err, errlen, "%s: not loaded", rules_catalog_path(rs));
		return NULL;
	}
	root = yamldoc_root(c.cat);
	ctl = yamldoc_get(c.cat, root, "controls");
	c.sensor_why = json_array();
	sensor_reasons(&c, yamldoc_get(c.cat, root, "catalog"), c.sensor_why);

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
		json_array_append_new(ctls, control_json(&c, yamldoc_get(c.cat,
		    root, "catalog"), cn, n, cnt));
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
	json_object_set_new(rep, "unchecked", unchecked_json(&c));
	json_decref(c.sensor_why);
	return rep;
}
