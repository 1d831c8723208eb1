/*
 * The compliance report (compliance.c's JSON) as text for the terminal,
 * JSON, or one self-contained HTML page (inline CSS and SVG, A4), in
 * English or Vietnamese. Needs only jansson, so canhgacctl renders what
 * the status socket returns with the same code as canhgacd offline.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "compliance.h"
#include "rules.h"
#include "util.h"

enum {
	L_TITLE, L_SENSOR, L_VERSION, L_LEVEL, L_CONFIGURED, L_CATALOG,
	L_VERIFIED, L_UNVERIFIED, L_GENERATED, L_SUMMARY, L_REQUIRED,
	L_COVERED, L_PARTIAL, L_NOTCOV, L_OUTSIDE, L_CONTROLS, L_STATUS,
	L_REASON, L_RULES, L_ALERTS, L_LAST, L_EXCEPTIONS, L_EXPIRED,
	L_EVIDENCE, L_NOTAVAIL, L_UPTIME, L_IFACES, L_PACKETS, L_DROPRATE,
	L_OUTPUTS, L_RELOAD, L_NEXT, L_NEXTCTL, L_NEXTRULES, L_NEXTASSETS,
	L_NONE, L_FILES, L_BYCAT, L_OUTSIDE_EV, L_RETENTION, L_REVIEW,
	L_CONTROL, L_PERIOD, L_SINCE_START, L_UNTIL, L_COUNTS_FROM,
	L_NOEV_PERIOD, L_NOHIST, L_RUNS, L_INPERIOD, L_COVERAGE, L_UNCLEAN,
	L_GAPS, L_DOWN, L_DROPS_TIME, L_PERDAY, L_DELIVERY, L_LASTDELIV,
	L_SPOOL, L_DROPPED, L_RSHIST, L_CHANGES, L_TIME, L_EVENT, L_DIGEST,
	L_CHANGED, L_DAY, L_TOTAL, L_NODATA, L_FROM, L_TO, L_DURATION,
	L_STOPPED, L_UNCLEAN_END, L_NORECORD, L_START, L_RELOADEV, L_OK,
	L_FAILED, L_IFACE, L_THISRUN, L_CLAUSE, L_UNVERIFIED_WHY,
	L_UNCHECKED, L_NOTES, L_MONITORING, L_INCIDENT, L_LEVELS_BY,
	L_INVENTORY, L_UNKNOWN_HOSTS, L_EXPIRES, L_NEVER, L_YES, L_FAILURES,
	L_UNREADABLE, L_MAX
};

static const char *const labels[L_MAX][2] = {
	{ "canhgac compliance report", "Báo cáo tuân thủ cấp độ an toàn hệ "
	  "thống thông tin (canhgac)" },
	{ "Sensor", "Cảm biến" },
	{ "Version", "Phiên bản" },
	{ "Level", "Cấp độ" },
	{ "configured level", "cấp độ cấu hình" },
	{ "Catalog", "Danh mục" },
	{ "clauses verified", "điều khoản đã kiểm chứng" },
	{ "clauses NOT verified", "điều khoản CHƯA được kiểm chứng" },
	{ "Generated", "Thời điểm lập" },
	{ "Summary", "Tóm tắt" },
	{ "required", "biện pháp bắt buộc" },
	{ "covered", "đã đáp ứng" },
	{ "partial", "đáp ứng một phần" },
	{ "not covered", "chưa đáp ứng" },
	{ "needs evidence outside the sensor",
	  "cần bằng chứng ngoài cảm biến" },
	{ "Controls", "Các biện pháp kiểm soát" },
	{ "Status", "Trạng thái" },
	{ "Reason", "Lý do" },
	{ "Rules", "Quy tắc" },
	{ "Alerts", "Cảnh báo" },
	{ "last", "gần nhất" },
	{ "Exceptions", "Ngoại lệ" },
	{ "EXPIRED", "ĐÃ HẾT HẠN" },
	{ "Sensor evidence", "Bằng chứng từ cảm biến" },
	{ "not available (report made offline from the configuration)",
	  "không có (báo cáo lập ngoại tuyến từ cấu hình)" },
	{ "Uptime", "Thời gian chạy" },
	{ "Interfaces", "Giao diện" },
	{ "packets", "gói tin" },
	{ "drop rate", "tỷ lệ mất gói" },
	{ "Outputs", "Đầu ra" },
	{ "Last reload", "Lần nạp lại gần nhất" },
	{ "What changes at level", "Thay đổi khi lên cấp độ" },
	{ "Controls added", "Kiểm soát bổ sung" },
	{ "Rules switched on", "Quy tắc được bật thêm" },
	{ "Assets still to define", "Tài sản cần khai báo" },
	{ "none", "không có" },
	{ "Files (SHA-256)", "Tệp (SHA-256)" },
	{ "Alerts by category", "Cảnh báo theo loại" },
	{ "Outside the sensor", "Ngoài cảm biến" },
	{ "log retention (months)", "thời hạn lưu nhật ký (tháng)" },
	{ "threshold review every (months)",
	  "chu kỳ rà soát ngưỡng cảnh báo (tháng)" },
	{ "Control", "Kiểm soát" },
	{ "Period", "Kỳ báo cáo" },
	{ "all recorded history", "toàn bộ lịch sử đã ghi" },
	{ "until", "đến" },
	{ "counts from", "số liệu tính từ" },
	{ "sensor evidence is not available offline, so nothing is "
	  "restricted to it", "báo cáo ngoại tuyến không có bằng chứng từ "
	  "cảm biến để giới hạn theo kỳ" },
	{ "no state file: history before this start is unknown; counts "
	  "are since the daemon started", "không có tệp trạng thái: không "
	  "biết lịch sử trước lần khởi động này; số liệu tính từ khi khởi "
	  "động" },
	{ "Runs", "Các lần chạy" },
	{ "in the period", "trong kỳ" },
	{ "coverage", "độ phủ thời gian" },
	{ "unclean ends", "lần dừng bất thường" },
	{ "Gaps (sensor not running)", "Khoảng trống (cảm biến không chạy)" },
	{ "Interface not up", "Giao diện không hoạt động" },
	{ "Capture drop rate over time", "Tỷ lệ mất gói theo thời gian" },
	{ "Alerts per day by category", "Cảnh báo theo ngày và loại" },
	{ "Delivery of outputs", "Tình trạng chuyển cảnh báo" },
	{ "last delivered", "lần chuyển gần nhất" },
	{ "spool", "hàng đợi" },
	{ "dropped", "bị bỏ" },
	{ "Rule-set history", "Lịch sử bộ quy tắc" },
	{ "changes", "thay đổi" },
	{ "Time", "Thời điểm" },
	{ "Event", "Sự kiện" },
	{ "Digest", "Mã băm" },
	{ "changed", "đã thay đổi" },
	{ "Day", "Ngày" },
	{ "Total", "Tổng" },
	{ "no data in the period", "không có dữ liệu trong kỳ" },
	{ "From", "Từ" },
	{ "To", "Đến" },
	{ "Duration", "Thời lượng" },
	{ "stopped", "đã dừng" },
	{ "unclean end", "dừng bất thường" },
	{ "no record", "không có bản ghi" },
	{ "start", "khởi động" },
	{ "reload", "nạp lại" },
	{ "ok", "thành công" },
	{ "FAILED", "THẤT BẠI" },
	{ "Interface", "Giao diện" },
	{ "this run", "lần chạy này" },
	{ "Clause", "Điều khoản" },
	{ "unverified", "chưa kiểm chứng" },
	{ "Not checked by this report", "Báo cáo này chưa kiểm tra được" },
	{ "Notes", "Ghi chú" },
	{ "Monitoring", "Giám sát" },
	{ "Incident reporting", "Báo cáo sự cố" },
	{ "Levels defined by", "Cấp độ xác định theo" },
	{ "Host inventory (protected_segments): hosts seen",
	  "Danh mục máy trong vùng được bảo vệ (protected_segments): số máy "
	  "đã thấy" },
	{ "not in known_hosts", "không có trong known_hosts" },
	{ "expires", "hết hạn" },
	{ "never", "không thời hạn" },
	{ "yes", "có" },
	{ "failures", "lần lỗi" },
	{ "(unreadable)", "(không đọc được)" },
};

/*
 * Vietnamese words for the report's keys (file kinds, interface states;
 * categories are the rule module's, rules_category_name_vi); English
 * keeps the key itself, which tools grep.
 */
static const char *const vi_words[][2] = {
	{ "config", "cấu hình" },
	{ "catalog", "danh mục" },
	{ "rules", "quy tắc" },
	{ "list", "danh sách" },
	{ "unknown", "không rõ" },
	{ "up", "hoạt động" },
	{ "no-carrier", "mất tín hiệu" },
	{ "down", "ngừng" },
	{ "missing", "không có" },
	{ "offline", "ngoại tuyến" },
};

struct rctx {
	FILE	*fp;
	int	 vi;
};

#define LB(c, k)	(labels[(k)][(c)->vi])
/* Legend entries a row: the Vietnamese category names are longer. */
#define LEGEND_COLS(c)	((c)->vi ? 4 : 6)
/* Where the bars of the category chart start, after the names. */
#define BAR_X(c)	((c)->vi ? 180 : 130)

/* A key of the report in the report's language. */
static const char *
kw(const struct rctx *c, const char *k)
{
	size_t	i;
	int	cat;

	for (i = 0; c->vi && i < sizeof(vi_words) / sizeof(vi_words[0]); i++)
		if (strcmp(vi_words[i][0], k) == 0)
			return vi_words[i][1];
	for (cat = 0; c->vi && cat < CAT_MAX; cat++)
		if (strcmp(rules_category_name(cat), k) == 0)
			return rules_category_name_vi(cat);
	return k;
}

/* An output's name in the history ("json PATH", "syslog", "remote HOST"). */
static const char *
output_name(const struct rctx *c, const char *name, char *buf, size_t len)
{
	static const char *const vi[][2] = {
		{ "json ", "tệp cảnh báo JSON " },
		{ "remote ", "máy thu nhật ký từ xa " },
		{ "syslog", "syslog cục bộ" } };
	size_t	i, n;

	for (i = 0; c->vi && i < sizeof(vi) / sizeof(vi[0]); i++) {
		n = strlen(vi[i][0]);
		if (strncmp(name, vi[i][0], n) == 0) {
			snprintf(buf, len, "%s%s", vi[i][1], name + n);
			return buf;
		}
	}
	return name;
}

/* s, then spaces up to width characters (UTF-8 counted by character). */
static void
pad(FILE *fp, const char *s, int width)
{
	const char	*p;

	fputs(s, fp);
	for (p = s; *p != '\0'; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			width--;
	do
		fputc(' ', fp);
	while (--width > 0);
}

static const char *
js(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long
ji(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* A {en, vi} text in the report's language. */
static const char *
jl(const struct rctx *c, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	return js(v, c->vi ? "vi" : "en");
}

/* The catalog's notes and the owner's obligations, one line each. */
static void
catalog_lines(const struct rctx *c, json_t *cat, const char *pre,
    const char *sep, const char *post)
{
	FILE	*fp = c->fp;
	json_t	*m = json_object_get(cat, "monitoring");
	json_t	*ir = json_object_get(cat, "incident_reporting");
	json_t	*v;
	size_t	 i;

	if (json_object_get(cat, "issued") != NULL)
		fprintf(fp, "%s%s%s", pre, jl(c, cat, "issued"), post);
	if (json_object_get(cat, "levels_defined_by") != NULL)
		fprintf(fp, "%s%s%s%s%s", pre, LB(c, L_LEVELS_BY), sep,
		    jl(c, cat, "levels_defined_by"), post);
	if (json_is_object(m)) {
		fprintf(fp, "%s%s%s", pre, LB(c, L_MONITORING), sep);
		if (json_is_true(json_object_get(m, "continuous")))
			fprintf(fp, "%s; ", c->vi ? "liên tục" : "continuous");
		if (ji(m, "report_every_months") > 0)
			fprintf(fp, c->vi ? "chủ quản hệ thống báo cáo kết quả "
			    "giám sát %lld tháng một lần" : "the owner reports "
			    "on monitoring every %lld months",
			    ji(m, "report_every_months"));
		fprintf(fp, " (%s%s%s)%s", jl(c, m, "source"), *jl(c, m,
		    "source") ? ", " : "", json_is_true(json_object_get(m, "verified")) ?
		    LB(c, L_VERIFIED) : LB(c, L_UNVERIFIED_WHY), post);
	}
	if (json_is_object(ir)) {
		fprintf(fp, "%s%s%s", pre, LB(c, L_INCIDENT), sep);
		fprintf(fp, c->vi ? "thông báo ban đầu trong %lld giờ, báo cáo "
		    "trong %lld giờ; thông báo vi phạm dữ liệu cá nhân trong "
		    "%lld giờ" : "first notice within %lld hours, report "
		    "within %lld hours; personal data breach notice within "
		    "%lld hours", ji(ir, "first_notice_hours"),
		    ji(ir, "report_hours"),
		    ji(ir, "personal_data_breach_notice_hours"));
		fprintf(fp, " (%s)%s", json_is_true(json_object_get(ir,
		    "verified")) ? LB(c, L_VERIFIED) : LB(c, L_UNVERIFIED_WHY),
		    post);
	}
	json_array_foreach(json_object_get(cat, "notes"), i, v)
		fprintf(fp, "%s%s%s%s%s", pre, LB(c, L_NOTES), sep,
		    js(v, c->vi ? "vi" : "en"), post);
}

static const char *
status_label(const struct rctx *c, const char *st)
{
	if (strcmp(st, "covered") == 0)
		return LB(c, L_COVERED);
	if (strcmp(st, "partial") == 0)
		return LB(c, L_PARTIAL);
	if (strcmp(st, "not-covered") == 0)
		return LB(c, L_NOTCOV);
	return LB(c, L_OUTSIDE);
}

static void
print_duration(const struct rctx *c, long long s)
{
	fprintf(c->fp, c->vi ? "%lld ngày %02lld:%02lld:%02lld" :
	    "%lldd %02lld:%02lld:%02lld", s / 86400, s / 3600 % 24,
	    s / 60 % 60, s % 60);
}

/* Packets and drop rate of one interface. */
static double
drop_rate(json_t *ifc)
{
	double	recv = (double)ji(ifc, "pcap_received");
	double	drop = (double)ji(ifc, "pcap_dropped") +
		    (double)ji(ifc, "pcap_ifdropped");

	return recv + drop > 0 ? 100.0 * drop / (recv + drop) : 0.0;
}


/* A time member (ISO text, or unix seconds offline) as text, or "-". */
static const char *
jt(json_t *o, const char *key, char *buf, size_t len)
{
	json_t		*v = json_object_get(o, key);
	time_t		 t;
	struct tm	 tm;

	if (json_is_string(v))
		return json_string_value(v);
	if (!json_is_integer(v))
		return "-";
	t = (time_t)json_integer_value(v);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static const char *
gap_reason(const struct rctx *c, const char *r)
{
	if (strcmp(r, "stopped") == 0)
		return LB(c, L_STOPPED);
	if (strcmp(r, "unclean-end") == 0)
		return LB(c, L_UNCLEAN_END);
	return LB(c, L_NORECORD);
}

/* The period line(s) of the report. */
static void
text_period(struct rctx *c, json_t *r)
{
	json_t	*p = json_object_get(r, "period");
	json_t	*ev = json_object_get(r, "evidence");
	char	 b1[32], b2[32];

	fprintf(c->fp, "%s: ", LB(c, L_PERIOD));
	if (json_is_null(json_object_get(p, "since")) ||
	    json_object_get(p, "since") == NULL)
		fprintf(c->fp, "%s", LB(c, L_SINCE_START));
	else
		fprintf(c->fp, "%s", jt(p, "since", b1, sizeof(b1)));
	if (json_object_get(p, "until") != NULL)
		fprintf(c->fp, " %s %s (%s %s)", LB(c, L_UNTIL),
		    jt(p, "until", b1, sizeof(b1)), LB(c, L_COUNTS_FROM),
		    jt(p, "counts_from", b2, sizeof(b2)));
	if (!json_is_true(json_object_get(ev, "available")))
		fprintf(c->fp, "; %s", LB(c, L_NOEV_PERIOD));
	else if (!json_is_true(json_object_get(ev, "history")))
		fprintf(c->fp, "; %s", LB(c, L_NOHIST));
	fprintf(c->fp, "\n");
}

/* The history from the state file: runs, gaps, traffic, alerts, rules. */
static void
text_history(struct rctx *c, json_t *ev)
{
	FILE	*fp = c->fp;
	json_t	*v, *w, *x;
	size_t	 i, j;
	const char *k;

	fprintf(fp, "  %s: %zu, %s ", LB(c, L_RUNS),
	    json_array_size(json_object_get(ev, "runs")), LB(c, L_INPERIOD));
	print_duration(c, ji(ev, "uptime_in_period"));
	fprintf(fp, " (%s %.2f%%), %s: %lld\n", LB(c, L_COVERAGE),
	    json_real_value(json_object_get(ev, "coverage_percent")),
	    LB(c, L_UNCLEAN), ji(ev, "unclean_ends"));
	fprintf(fp, "  %s:", LB(c, L_GAPS));
	if (json_array_size(json_object_get(ev, "gaps")) == 0)
		fprintf(fp, " %s", LB(c, L_NONE));
	fprintf(fp, "\n");
	json_array_foreach(json_object_get(ev, "gaps"), i, v) {
		fprintf(fp, "    %s .. %s  ", js(v, "from"), js(v, "to"));
		print_duration(c, ji(v, "seconds"));
		fprintf(fp, "  %s\n", gap_reason(c, js(v, "reason")));
	}
	fprintf(fp, "  %s (%s):\n", LB(c, L_IFACES), LB(c, L_INPERIOD));
	json_array_foreach(json_object_get(ev, "interface_history"), i, v) {
		fprintf(fp, "    %-12s %lld %s, %lld %s, %s %.3f%%\n",
		    js(v, "name"), ji(v, "packets"), LB(c, L_PACKETS),
		    ji(v, "drops"), LB(c, L_DROPPED), LB(c, L_DROPRATE),
		    json_real_value(json_object_get(v, "drop_rate")));
		json_array_foreach(json_object_get(v, "down"), j, w) {
			fprintf(fp, "      %s (%s): %s .. %s  ", LB(c, L_DOWN),
			    kw(c, js(w, "state")), js(w, "from"), js(w, "to"));
			print_duration(c, ji(w, "seconds"));
			fprintf(fp, "\n");
		}
	}
	fprintf(fp, "  %s:\n", LB(c, L_DROPS_TIME));
	if (json_array_size(json_object_get(ev, "drops_over_time")) == 0)
		fprintf(fp, "    %s\n", LB(c, L_NODATA));
	json_array_foreach(json_object_get(ev, "drops_over_time"), i, v)
		fprintf(fp, "    %s %-3s %-12s %lld %s, %lld %s, %.3f%%\n",
		    js(v, "t"), ji(v, "span") == 3600 ? (c->vi ? "1 giờ" :
		    "1h") : (c->vi ? "1 ngày" : "1d"),
		    js(v, "iface"), ji(v, "packets"), LB(c, L_PACKETS),
		    ji(v, "drops"), LB(c, L_DROPPED),
		    json_real_value(json_object_get(v, "drop_rate")));
	fprintf(fp, "  %s:\n", LB(c, L_PERDAY));
	if (json_array_size(json_object_get(ev, "alerts_per_day")) == 0)
		fprintf(fp, "    %s\n", LB(c, L_NODATA));
	json_array_foreach(json_object_get(ev, "alerts_per_day"), i, v) {
		fprintf(fp, "    %s %6lld ", js(v, "day"), ji(v, "total"));
		j = 0;
		json_object_foreach(json_object_get(v, "categories"), k, x)
			fprintf(fp, "%s %s %lld", j++ ? "," : "", kw(c, k),
			    (long long)json_integer_value(x));
		fprintf(fp, "\n");
	}
	fprintf(fp, "  %s:\n", LB(c, L_DELIVERY));
	json_array_foreach(json_object_get(ev, "delivery"), i, v) {
		char b[32], on[512];

		fprintf(fp, "    %s: %s %s, %s ", output_name(c, js(v, "name"),
		    on, sizeof(on)),
		    LB(c, L_LASTDELIV), jt(v, "last_delivered", b, sizeof(b)),
		    LB(c, L_SPOOL));
		if (json_is_integer(json_object_get(v, "spool_pending")))
			fprintf(fp, "%lld", ji(v, "spool_pending"));
		else
			fprintf(fp, "-");
		fprintf(fp, ", %s %lld\n", LB(c, L_DROPPED), ji(v, "dropped"));
	}
	fprintf(fp, "  %s (%lld %s):\n", LB(c, L_RSHIST),
	    ji(ev, "ruleset_changes"), LB(c, L_CHANGES));
	json_array_foreach(json_object_get(ev, "ruleset_history"), i, v)
		fprintf(fp, "    %s %-7s %-7s %.16s%s%s%s\n", js(v, "time"),
		    strcmp(js(v, "event"), "start") == 0 ? LB(c, L_START) :
		    LB(c, L_RELOADEV), json_is_true(json_object_get(v, "ok")) ?
		    LB(c, L_OK) : LB(c, L_FAILED), js(v, "digest"),
		    json_is_true(json_object_get(v, "changed")) ? "  " : "",
		    json_is_true(json_object_get(v, "changed")) ?
		    LB(c, L_CHANGED) : "", js(v, "error"));
}

static void
text_report(struct rctx *c, json_t *r)
{
	FILE	*fp = c->fp;
	json_t	*id = json_object_get(r, "identity");
	json_t	*cat = json_object_get(id, "catalog");
	json_t	*sum = json_object_get(r, "summary");
	json_t	*ev = json_object_get(r, "evidence");
	json_t	*nx = json_object_get(r, "next_level");
	json_t	*ctl, *v, *w;
	size_t	 i, j;

	fprintf(fp, "%s — %s %lld\n", LB(c, L_TITLE), LB(c, L_LEVEL),
	    ji(id, "level"));
	fprintf(fp, "%s: %s   %s: %s   %s: %lld\n", LB(c, L_SENSOR),
	    js(id, "sensor"), LB(c, L_VERSION), js(id, "version"),
	    LB(c, L_CONFIGURED), ji(id, "configured_level"));
	fprintf(fp, "%s: %s (%s), %s\n", LB(c, L_CATALOG), js(cat, "standard"),
	    js(cat, "id"), json_is_true(json_object_get(cat, "verified")) ?
	    LB(c, L_VERIFIED) : LB(c, L_UNVERIFIED));
	catalog_lines(c, cat, "  ", ": ", "\n");
	fprintf(fp, "%s: %s\n", LB(c, L_GENERATED), js(id, "generated"));
	text_period(c, r);
	if (json_array_size(json_object_get(r, "unchecked")) > 0) {
		fprintf(fp, "%s:", LB(c, L_UNCHECKED));
		json_array_foreach(json_object_get(r, "unchecked"), i, v)
			fprintf(fp, "%s %s", i ? ";" : "", jl(c, v, "text"));
		fprintf(fp, "\n");
	}
	fprintf(fp, "\n");
	fprintf(fp, "%s: %lld %s — %lld %s, %lld %s, %lld %s, %lld %s\n\n",
	    LB(c, L_SUMMARY), ji(sum, "required"), LB(c, L_REQUIRED),
	    ji(sum, "covered"), LB(c, L_COVERED), ji(sum, "partial"),
	    LB(c, L_PARTIAL), ji(sum, "not-covered"), LB(c, L_NOTCOV),
	    ji(sum, "outside"), LB(c, L_OUTSIDE));

	fprintf(fp, "%s\n", LB(c, L_CONTROLS));
	json_array_foreach(json_object_get(r, "controls"), i, ctl) {
		fprintf(fp, "  %-15s L%lld  ", js(ctl, "id"), ji(ctl, "level"));
		/* English keeps the status key (scripts read this column). */
		pad(fp, c->vi ? status_label(c, js(ctl, "status")) :
		    js(ctl, "status"), c->vi ? 30 : 12);
		fprintf(fp, "%s\n", jl(c, ctl, "description"));
		if (json_is_string(json_object_get(ctl, "clause"))) {
			fprintf(fp, "      %s: %s", LB(c, L_CLAUSE),
			    js(ctl, "clause"));
			if (!json_is_true(json_object_get(ctl, "verified")))
				fprintf(fp, " (%s%s%s)", LB(c, L_UNVERIFIED_WHY),
				    json_object_get(ctl, "unverified_reason") ?
				    ": " : "", json_object_get(ctl,
				    "unverified_reason") ? jl(c, ctl,
				    "unverified_reason") : "");
			fprintf(fp, "\n");
		}
		if (json_array_size(json_object_get(ctl, "reasons")) > 1) {
			fprintf(fp, "      %s:\n", LB(c, L_REASON));
			json_array_foreach(json_object_get(ctl, "reasons"), j,
			    v)
				fprintf(fp, "        - %s\n", js(v, c->vi ?
				    "vi" : "en"));
		} else
			fprintf(fp, "      %s: %s\n", LB(c, L_REASON),
			    jl(c, ctl, "reason"));
		fprintf(fp, "      %s:", LB(c, L_RULES));
		json_array_foreach(json_object_get(ctl, "rules"), j, v)
			fprintf(fp, "%s %lld", j ? "," : "", ji(v, "sid"));
		if (json_array_size(json_object_get(ctl, "rules")) == 0)
			fprintf(fp, " %s", LB(c, L_NONE));
		fprintf(fp, "\n      %s: %lld, %s: %s\n", LB(c, L_ALERTS),
		    ji(ctl, "alerts"), LB(c, L_LAST),
		    json_is_string(json_object_get(ctl, "last_alert")) ?
		    js(ctl, "last_alert") : "-");
		if ((v = json_object_get(ctl, "retention_months")) != NULL)
			fprintf(fp, "      %s: %lld\n", LB(c, L_RETENTION),
			    (long long)json_integer_value(v));
		if ((v = json_object_get(ctl, "threshold_review_months")) !=
		    NULL)
			fprintf(fp, "      %s: %lld\n", LB(c, L_REVIEW),
			    (long long)json_integer_value(v));
		if (json_object_get(ctl, "outside_evidence") != NULL)
			fprintf(fp, "      %s: %s\n", LB(c, L_OUTSIDE_EV),
			    jl(c, ctl, "outside_evidence"));
		json_array_foreach(json_object_get(ctl, "exceptions"), j, w)
			fprintf(fp, "      %s: %s — %s (%s %s)%s%s\n",
			    LB(c, L_EXCEPTIONS), js(w, "owner"),
			    js(w, "reason"), LB(c, L_EXPIRES), json_is_string(
			    json_object_get(w, "expires")) ? js(w, "expires") :
			    LB(c, L_NEVER), json_is_true(json_object_get(w,
			    "expired")) ? " " : "", json_is_true(
			    json_object_get(w, "expired")) ?
			    LB(c, L_EXPIRED) : "");
	}

	fprintf(fp, "\n%s\n", LB(c, L_EVIDENCE));
	if (!json_is_true(json_object_get(ev, "available")))
		fprintf(fp, "  %s\n", LB(c, L_NOTAVAIL));
	else {
		fprintf(fp, "  %s (%s): ", LB(c, L_UPTIME), LB(c, L_THISRUN));
		print_duration(c, ji(ev, "uptime"));
		fprintf(fp, "\n");
		if (json_is_true(json_object_get(ev, "history")))
			text_history(c, ev);
		fprintf(fp, "  %s:\n", LB(c, L_IFACES));
		json_array_foreach(json_object_get(ev, "interfaces"), i, v)
			fprintf(fp, "    %-12s %-6s %lld %s, %s %.3f%%\n",
			    js(v, "name"), kw(c, js(v, "state")), ji(v, "packets"),
			    LB(c, L_PACKETS), LB(c, L_DROPRATE), drop_rate(v));
		fprintf(fp, "  %s:\n", LB(c, L_OUTPUTS));
		json_array_foreach(json_object_get(ev, "outputs"), i, v) {
			char *s = json_dumps(v, JSON_COMPACT);

			fprintf(fp, "    %s\n", s ? s : "");
			free(s);
		}
		if ((w = json_object_get(ev, "inventory")) != NULL) {
			fprintf(fp, "  %s %lld, %s %lld", LB(c, L_INVENTORY),
			    ji(w, "seen"), LB(c, L_UNKNOWN_HOSTS),
			    ji(w, "unknown"));
			json_array_foreach(json_object_get(w, "hosts"), i, v)
				fprintf(fp, "%s%s", i ? ", " : ": ",
				    js(v, "ip"));
			fprintf(fp, "\n");
		}
		w = json_object_get(ev, "reload");
		fprintf(fp, "  %s: %s (%lld, %s %lld)%s%s\n", LB(c, L_RELOAD),
		    json_is_integer(json_object_get(w, "last")) ? LB(c, L_YES) :
		    "-", ji(w, "count"), LB(c, L_FAILURES), ji(w, "failures"),
		    json_is_string(json_object_get(w, "error")) ? ": " : "",
		    js(w, "error"));
	}

	if (json_is_object(nx)) {
		fprintf(fp, "\n%s %lld\n", LB(c, L_NEXT), ji(nx, "level"));
		fprintf(fp, "  %s:", LB(c, L_NEXTCTL));
		json_array_foreach(json_object_get(nx, "controls"), i, v)
			fprintf(fp, "%s %s", i ? "," : "", js(v, "id"));
		if (json_array_size(json_object_get(nx, "controls")) == 0)
			fprintf(fp, " %s", LB(c, L_NONE));
		fprintf(fp, "\n  %s:", LB(c, L_NEXTRULES));
		json_array_foreach(json_object_get(nx, "rules"), i, v)
			fprintf(fp, "%s %lld", i ? "," : "", ji(v, "sid"));
		if (json_array_size(json_object_get(nx, "rules")) == 0)
			fprintf(fp, " %s", LB(c, L_NONE));
		fprintf(fp, "\n  %s:", LB(c, L_NEXTASSETS));
		json_array_foreach(json_object_get(nx, "assets_to_define"), i,
		    v)
			fprintf(fp, "%s $%s", i ? "," : "",
			    json_string_value(v));
		if (json_array_size(json_object_get(nx, "assets_to_define")) ==
		    0)
			fprintf(fp, " %s", LB(c, L_NONE));
		fprintf(fp, "\n");
	}

	fprintf(fp, "\n%s\n", LB(c, L_FILES));
	json_array_foreach(json_object_get(id, "files"), i, v)
	{
		fputs("  ", fp);
		pad(fp, kw(c, js(v, "kind")), c->vi ? 10 : 7);
		fprintf(fp, "%s  %s\n", json_is_string(json_object_get(v,
		    "sha256")) ? js(v, "sha256") : LB(c, L_UNREADABLE),
		    js(v, "path"));
	}
}

/* At most n bytes of text with &, <, >, " escaped. */
static void
hxn(FILE *fp, const char *s, size_t n)
{
	for (; n > 0 && *s != '\0'; s++, n--) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* Text with &, <, >, " escaped. */
static void
hx(FILE *fp, const char *s)
{
	hxn(fp, s, (size_t)-1);
}

/*
 * A status in its table cell: unbroken, or in two unbroken halves when
 * long ("cần bằng chứng / ngoài cảm biến"), so that a narrow column
 * does not put one word a line.
 */
static void
html_status(FILE *fp, const char *s)
{
	size_t		 n = strlen(s);
	const char	*cut = n > 30 ? strchr(s + n / 2 - 4, ' ') : NULL;

	if (cut == NULL)
		fprintf(fp, "<span class=\"nw\">%s</span>", s);
	else
		fprintf(fp, "<span class=\"nw\">%.*s</span> <span "
		    "class=\"nw\">%s</span>", (int)(cut - s), s, cut + 1);
}

static const char html_css[] =
"@page{size:A4;margin:15mm}"
"body{font-family:sans-serif;font-size:10pt;color:#111;margin:0 auto;"
"max-width:190mm}"
"h1{font-size:16pt;margin:0 0 4pt}h2{font-size:12pt;margin:14pt 0 4pt;"
"border-bottom:1px solid #888}"
"table{border-collapse:collapse;width:100%}"
"td,th{border:1px solid #bbb;padding:2pt 4pt;vertical-align:top;"
"text-align:left}"
"tr{page-break-inside:avoid}"
".covered{background:#d9f2d9}.partial{background:#fff2c2}"
".not-covered{background:#f8d0d0}.outside{background:#dde6f7}"
".mono{font-family:monospace;font-size:8pt;overflow-wrap:anywhere}"
".st{font-family:monospace;font-size:8pt;white-space:nowrap}"
".nw{white-space:nowrap}"
".exp{color:#a00;font-weight:bold}"
"h3{font-size:10.5pt;margin:10pt 0 3pt}"
"svg.chart{display:block;max-width:100%;height:auto;margin:4pt 0}"
".small td{font-size:8.5pt}"
"@media print{body{max-width:none}h2,h3{page-break-after:avoid}"
"svg.chart,table.small{page-break-inside:avoid}"
"a{color:inherit;text-decoration:none}}";

/* An inline SVG bar chart of alerts per category. */
static void
html_chart(struct rctx *c, json_t *cats)
{
	FILE		*fp = c->fp;
	const char	*k;
	json_t		*v;
	long long	 max = 1;
	int		 n = 0, y;

	json_object_foreach(cats, k, v) {
		if (json_integer_value(v) > max)
			max = json_integer_value(v);
		n++;
	}
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" "
	    "height=\"%d\" role=\"img\" aria-label=\"", 20 * n + 10);
	hx(fp, LB(c, L_BYCAT));
	fprintf(fp, "\">\n");
	y = 5;
	json_object_foreach(cats, k, v) {
		long long	 x = json_integer_value(v);
		int		 w = (int)(400.0 * (double)x / (double)max);

		fprintf(fp, "<text x=\"0\" y=\"%d\" font-size=\"11\">", y + 13);
		hx(fp, kw(c, k));
		fprintf(fp, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"15\" fill=\"#3a6ea5\"/><text x=\"%d\" y=\"%d\" "
		    "font-size=\"11\">%lld</text>\n", BAR_X(c), y + 2, w,
		    BAR_X(c) + 5 + w, y + 13, x);
		y += 20;
	}
	fprintf(fp, "</svg>\n");
}


/* Digits of exactly n characters at s, or -1. */
static int
digits(const char *s, int n)
{
	int	i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static const char *const palette[] = {
	"#3a6ea5", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646",
	"#2c4d75", "#772c2a", "#5f7530", "#4d3b62", "#276a7c", "#b65708"
};
#define NPALETTE	(sizeof(palette) / sizeof(palette[0]))

/* Days since the epoch of "YYYY-MM-DD", or -1. */
static long
day_num(const char *d)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (strlen(d) != 10 || (tm.tm_year = digits(d, 4)) < 1970 ||
	    (tm.tm_mon = digits(d + 5, 2)) < 1 ||
	    (tm.tm_mday = digits(d + 8, 2)) < 1)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return (long)(timegm(&tm) / 86400);
}

/* Unix seconds of "YYYY-MM-DDTHH:MM:SSZ" (the report's times), or 0. */
static long long
iso_secs(const char *s)
{
	long	d = day_num(strlen(s) >= 10 ? (char[11]){ s[0], s[1], s[2],
		    s[3], s[4], s[5], s[6], s[7], s[8], s[9], 0 } : "");

	if (d < 0 || strlen(s) < 19)
		return 0;
	return d * 86400LL + digits(s + 11, 2) * 3600LL +
	    digits(s + 14, 2) * 60LL + digits(s + 17, 2);
}

#define CHART_W		680
#define CHART_H		220
#define PLOT_X		44
#define PLOT_W		(CHART_W - PLOT_X - 8)
#define PLOT_H		150
#define DAYS_MAX	92

/*
 * Alerts per day, stacked by category, one bar a day from the first day
 * with alerts to the last (at most DAYS_MAX, the newest), legend below.
 */
static void
svg_perday(struct rctx *c, json_t *ev, json_t *cats)
{
	FILE		*fp = c->fp;
	json_t		*days = json_object_get(ev, "alerts_per_day"), *d, *v;
	long		 first, last, n, i;
	long long	 max = 1;
	size_t		 k;
	const char	*cat;
	double		 bw;

	if (json_array_size(days) == 0) {
		fprintf(fp, "<p>%s</p>\n", LB(c, L_NODATA));
		return;
	}
	first = day_num(js(json_array_get(days, 0), "day"));
	last = day_num(js(json_array_get(days, json_array_size(days) - 1),
	    "day"));
	if (first < 0 || last < first)
		return;
	if (last - first + 1 > DAYS_MAX)
		first = last - DAYS_MAX + 1;
	n = last - first + 1;
	json_array_foreach(days, k, d)
		if (ji(d, "total") > max)
			max = ji(d, "total");
	/* A bar a day, at most 40 px wide, so that a few days stay bars. */
	bw = (double)PLOT_W / (double)n;
	if (bw > 40)
		bw = 40;
	fprintf(fp, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-label=\"", CHART_W, CHART_H + 20 * (int)((json_object_size(
	    cats) + LEGEND_COLS(c) - 1) / LEGEND_COLS(c)), CHART_W, CHART_H +
	    20 * (int)((json_object_size(cats) + LEGEND_COLS(c) - 1) /
	    LEGEND_COLS(c)));
	hx(fp, LB(c, L_PERDAY));
	fprintf(fp, "\">\n<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#444\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#444\"/>\n<text x=\"%d\" y=\"16\" font-size=\"10\" "
	    "text-anchor=\"end\">%lld</text><text x=\"%d\" y=\"%d\" "
	    "font-size=\"10\" text-anchor=\"end\">0</text>\n", PLOT_X,
	    PLOT_X, 10 + PLOT_H, PLOT_X, 10 + PLOT_H, PLOT_X + PLOT_W,
	    10 + PLOT_H, PLOT_X - 3, max, PLOT_X - 3, 10 + PLOT_H);
	json_array_foreach(days, k, d) {
		long	 di = day_num(js(d, "day")) - first;
		double	 y = 10 + PLOT_H, x = PLOT_X + bw * (double)di;
		size_t	 ci = 0;

		if (di < 0 || di >= n)
			continue;
		fprintf(fp, "<g><title>");
		hx(fp, js(d, "day"));
		fprintf(fp, ": %lld</title>", ji(d, "total"));
		json_object_foreach(cats, cat, v) {
			long long	 cnt = (long long)json_integer_value(
					    json_object_get(json_object_get(d,
					    "categories"), cat));
			double		 h = (double)PLOT_H * (double)cnt /
					    (double)max;

			if (cnt > 0) {
				y -= h;
				fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" "
				    "width=\"%.1f\" height=\"%.1f\" "
				    "fill=\"%s\"/>", x + bw * 0.1, y,
				    bw * 0.8 > 1 ? bw * 0.8 : 1, h,
				    palette[ci % NPALETTE]);
			}
			ci++;
		}
		fprintf(fp, "</g>\n");
	}
	/* First and last day under the axis. */
	for (i = 0; i < (n > 1 ? 2 : 1); i++) {
		time_t		 t = (time_t)((i ? last : first) * 86400L);
		struct tm	 tm;
		char		 b[16];

		gmtime_r(&t, &tm);
		strftime(b, sizeof(b), "%Y-%m-%d", &tm);
		fprintf(fp, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
		    "text-anchor=\"%s\">%s</text>\n", i ? PLOT_X + bw *
		    (double)n : (double)PLOT_X, 24 + PLOT_H, i ? "end" :
		    "start", b);
	}
	k = 0;
	json_object_foreach(cats, cat, v) {
		int lx = 10 + (int)(k % LEGEND_COLS(c)) * (CHART_W - 20) /
		    LEGEND_COLS(c), ly = CHART_H + (int)(k / LEGEND_COLS(c)) *
		    20 - 14;

		fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" "
		    "fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"10\">",
		    lx, ly, palette[k % NPALETTE], lx + 14, ly + 9);
		hx(fp, kw(c, cat));
		fprintf(fp, "</text>\n");
		k++;
	}
	fprintf(fp, "</svg>\n");
}

/* Capture drop rate per interface over the period, a line each. */
static void
svg_drops(struct rctx *c, json_t *ev)
{
	FILE		*fp = c->fp;
	json_t		*ser = json_object_get(ev, "drops_over_time");
	json_t		*ifs = json_object_get(ev, "interface_history");
	json_t		*v, *f;
	double		 max = 1.0;
	long long	 t0, t1;
	size_t		 i, k;
	char		 b[32];

	json_array_foreach(ser, i, v)
		if (json_real_value(json_object_get(v, "drop_rate")) > max)
			max = json_real_value(json_object_get(v, "drop_rate"));
	if (json_array_size(ser) == 0) {
		fprintf(fp, "<p>%s</p>\n", LB(c, L_NODATA));
		return;
	}
	/* Buckets come in time order; a bucket sits at its middle. */
	t0 = iso_secs(js(json_array_get(ser, 0), "t"));
	t1 = t0 + 1;
	json_array_foreach(ser, i, v)
		if (iso_secs(js(v, "t")) + ji(v, "span") > t1)
			t1 = iso_secs(js(v, "t")) + ji(v, "span");
	fprintf(fp, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-label=\"", CHART_W, CHART_H, CHART_W, CHART_H);
	hx(fp, LB(c, L_DROPS_TIME));
	fprintf(fp, "\">\n<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#444\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#444\"/>\n<text x=\"%d\" y=\"16\" font-size=\"10\" "
	    "text-anchor=\"end\">%.2f%%</text><text x=\"%d\" y=\"%d\" "
	    "font-size=\"10\" text-anchor=\"end\">0%%</text>\n", PLOT_X,
	    PLOT_X, 10 + PLOT_H, PLOT_X, 10 + PLOT_H, PLOT_X + PLOT_W,
	    10 + PLOT_H, PLOT_X - 3, max, PLOT_X - 3, 10 + PLOT_H);
	json_array_foreach(ifs, k, f) {
		int	pts = 0;

		fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"1.5\" points=\"", palette[k % NPALETTE]);
		json_array_foreach(ser, i, v) {
			double x, y;

			if (strcmp(js(v, "iface"), js(f, "name")) != 0)
				continue;
			x = PLOT_X + (double)PLOT_W * ((double)(iso_secs(js(v,
			    "t")) - t0) + ji(v, "span") / 2.0) /
			    (double)(t1 - t0);
			y = 10 + PLOT_H - (double)PLOT_H * json_real_value(
			    json_object_get(v, "drop_rate")) / max;
			fprintf(fp, "%s%.1f,%.1f", pts++ ? " " : "", x, y);
		}
		fprintf(fp, "\"/>\n");
		json_array_foreach(ser, i, v) {
			if (strcmp(js(v, "iface"), js(f, "name")) != 0)
				continue;
			fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" "
			    "fill=\"%s\"><title>", PLOT_X + (double)PLOT_W *
			    ((double)(iso_secs(js(v, "t")) - t0) + ji(v,
			    "span") / 2.0) / (double)(t1 - t0),
			    10 + PLOT_H - (double)PLOT_H * json_real_value(
			    json_object_get(v, "drop_rate")) / max,
			    palette[k % NPALETTE]);
			hx(fp, js(v, "iface"));
			fprintf(fp, " ");
			hx(fp, js(v, "t"));
			fprintf(fp, ": %.3f%%</title></circle>\n",
			    json_real_value(json_object_get(v, "drop_rate")));
		}
		fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" "
		    "fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"10\">",
		    10 + (int)k * 120, CHART_H - 14, palette[k % NPALETTE],
		    24 + (int)k * 120, CHART_H - 5);
		hx(fp, js(f, "name"));
		fprintf(fp, "</text>\n");
	}
	fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"10\">", PLOT_X,
	    24 + PLOT_H);
	hx(fp, js(json_array_get(ser, 0), "t"));
	fprintf(fp, "</text><text x=\"%d\" y=\"%d\" font-size=\"10\" "
	    "text-anchor=\"end\">", PLOT_X + PLOT_W, 24 + PLOT_H);
	hx(fp, jt(json_array_get(ser, json_array_size(ser) - 1), "t", b,
	    sizeof(b)));
	fprintf(fp, "</text>\n</svg>\n");
}

/* The history sections of the HTML page. */
static void
html_history(struct rctx *c, json_t *r, json_t *ev)
{
	FILE	*fp = c->fp;
	json_t	*v, *w, *x;
	size_t	 i, j;
	const char *k;
	char	 b[32];

	fprintf(fp, "<p>%s: %zu; %s ", LB(c, L_RUNS), json_array_size(
	    json_object_get(ev, "runs")), LB(c, L_INPERIOD));
	print_duration(c, ji(ev, "uptime_in_period"));
	fprintf(fp, " (%s %.2f%%); %s: %lld</p>\n", LB(c, L_COVERAGE),
	    json_real_value(json_object_get(ev, "coverage_percent")),
	    LB(c, L_UNCLEAN), ji(ev, "unclean_ends"));
	fprintf(fp, "<h3>%s</h3>\n", LB(c, L_GAPS));
	if (json_array_size(json_object_get(ev, "gaps")) == 0)
		fprintf(fp, "<p>%s</p>\n", LB(c, L_NONE));
	else {
		fprintf(fp, "<table><tr><th>%s</th><th>%s</th><th>%s</th>"
		    "<th>%s</th></tr>\n", LB(c, L_FROM), LB(c, L_TO),
		    LB(c, L_DURATION), LB(c, L_REASON));
		json_array_foreach(json_object_get(ev, "gaps"), i, v) {
			fprintf(fp, "<tr><td>");
			hx(fp, js(v, "from"));
			fprintf(fp, "</td><td>");
			hx(fp, js(v, "to"));
			fprintf(fp, "</td><td>");
			print_duration(c, ji(v, "seconds"));
			fprintf(fp, "</td><td>%s</td></tr>\n",
			    gap_reason(c, js(v, "reason")));
		}
		fprintf(fp, "</table>\n");
	}
	fprintf(fp, "<h3>%s</h3>\n<table><tr><th>%s</th><th>%s</th><th>%s"
	    "</th><th>%s</th><th>%s</th></tr>\n", LB(c, L_IFACES),
	    LB(c, L_IFACE), LB(c, L_PACKETS), LB(c, L_DROPPED),
	    LB(c, L_DROPRATE), LB(c, L_DOWN));
	json_array_foreach(json_object_get(ev, "interface_history"), i, v) {
		fprintf(fp, "<tr><td>");
		hx(fp, js(v, "name"));
		fprintf(fp, "</td><td>%lld</td><td>%lld</td><td>%.3f%%</td>"
		    "<td>", ji(v, "packets"), ji(v, "drops"), json_real_value(
		    json_object_get(v, "drop_rate")));
		json_array_foreach(json_object_get(v, "down"), j, w) {
			/*
			 * The state is the state file's, which the service
			 * user writes: escaped like every text of it.
			 */
			fprintf(fp, "%s", j ? "<br>" : "");
			hx(fp, kw(c, js(w, "state")));
			fprintf(fp, ": ");
			hx(fp, js(w, "from"));
			fprintf(fp, " .. ");
			hx(fp, js(w, "to"));
			fprintf(fp, " (");
			print_duration(c, ji(w, "seconds"));
			fprintf(fp, ")");
		}
		fprintf(fp, "</td></tr>\n");
	}
	fprintf(fp, "</table>\n<h3>%s</h3>\n", LB(c, L_DROPS_TIME));
	svg_drops(c, ev);
	fprintf(fp, "<h3>%s</h3>\n", LB(c, L_PERDAY));
	svg_perday(c, ev, json_object_get(r, "alerts_by_category"));
	if (json_array_size(json_object_get(ev, "alerts_per_day")) > 0) {
		fprintf(fp, "<table class=\"small\"><tr><th>%s</th><th>%s</th>"
		    "<th>%s</th></tr>\n", LB(c, L_DAY), LB(c, L_TOTAL),
		    LB(c, L_BYCAT));
		json_array_foreach(json_object_get(ev, "alerts_per_day"), i,
		    v) {
			fprintf(fp, "<tr><td>");
			hx(fp, js(v, "day"));
			fprintf(fp, "</td><td>%lld</td><td>", ji(v, "total"));
			j = 0;
			json_object_foreach(json_object_get(v, "categories"),
			    k, x) {
				fprintf(fp, "%s", j++ ? ", " : "");
				hx(fp, kw(c, k));
				fprintf(fp, " %lld", (long long)
				    json_integer_value(x));
			}
			fprintf(fp, "</td></tr>\n");
		}
		fprintf(fp, "</table>\n");
	}
	fprintf(fp, "<h3>%s</h3>\n<table><tr><th>%s</th><th>%s</th><th>%s"
	    "</th><th>%s</th></tr>\n", LB(c, L_DELIVERY), LB(c, L_OUTPUTS),
	    LB(c, L_LASTDELIV), LB(c, L_SPOOL), LB(c, L_DROPPED));
	json_array_foreach(json_object_get(ev, "delivery"), i, v) {
		char on[512];

		fprintf(fp, "<tr><td class=\"mono\">");
		hx(fp, output_name(c, js(v, "name"), on, sizeof(on)));
		fprintf(fp, "</td><td>");
		hx(fp, jt(v, "last_delivered", b, sizeof(b)));
		fprintf(fp, "</td><td>");
		if (json_is_integer(json_object_get(v, "spool_pending")))
			fprintf(fp, "%lld", ji(v, "spool_pending"));
		else
			fprintf(fp, "-");
		fprintf(fp, "</td><td>%lld</td></tr>\n", ji(v, "dropped"));
	}
	fprintf(fp, "</table>\n<h3>%s (%lld %s)</h3>\n<table><tr><th>%s</th>"
	    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	    LB(c, L_RSHIST), ji(ev, "ruleset_changes"), LB(c, L_CHANGES),
	    LB(c, L_TIME), LB(c, L_EVENT), LB(c, L_STATUS), LB(c, L_DIGEST),
	    LB(c, L_CHANGED));
	json_array_foreach(json_object_get(ev, "ruleset_history"), i, v) {
		fprintf(fp, "<tr><td>");
		hx(fp, js(v, "time"));
		fprintf(fp, "</td><td>%s</td><td>%s",
		    strcmp(js(v, "event"), "start") == 0 ? LB(c, L_START) :
		    LB(c, L_RELOADEV), json_is_true(json_object_get(v, "ok")) ?
		    LB(c, L_OK) : LB(c, L_FAILED));
		if (json_is_string(json_object_get(v, "error"))) {
			fprintf(fp, ": ");
			hx(fp, js(v, "error"));
		}
		/* The state file's digest, cut to 16 bytes, then escaped. */
		fprintf(fp, "</td><td class=\"mono\">");
		hxn(fp, js(v, "digest"), 16);
		fprintf(fp, "</td><td>%s</td></tr>\n", json_is_true(
		    json_object_get(v, "changed")) ? LB(c, L_CHANGED) : "");
	}
	fprintf(fp, "</table>\n");
}

static void
html_report(struct rctx *c, json_t *r)
{
	FILE	*fp = c->fp;
	json_t	*id = json_object_get(r, "identity");
	json_t	*cat = json_object_get(id, "catalog");
	json_t	*sum = json_object_get(r, "summary");
	json_t	*ev = json_object_get(r, "evidence");
	json_t	*nx = json_object_get(r, "next_level");
	json_t	*ctl, *v, *w;
	size_t	 i, j;

	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>", c->vi ? "vi" : "en");
	hx(fp, LB(c, L_TITLE));
	fprintf(fp, " — ");
	hx(fp, js(id, "sensor"));
	fprintf(fp, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>",
	    html_css);
	hx(fp, LB(c, L_TITLE));
	fprintf(fp, " — %s %lld</h1>\n<table>\n", LB(c, L_LEVEL),
	    ji(id, "level"));
	fprintf(fp, "<tr><th>%s</th><td>", LB(c, L_SENSOR));
	hx(fp, js(id, "sensor"));
	fprintf(fp, " (%s ", LB(c, L_VERSION));
	hx(fp, js(id, "version"));
	fprintf(fp, ", %s %lld)</td></tr>\n", LB(c, L_CONFIGURED),
	    ji(id, "configured_level"));
	fprintf(fp, "<tr><th>%s</th><td>", LB(c, L_CATALOG));
	hx(fp, js(cat, "standard"));
	fprintf(fp, " — ");
	hx(fp, jl(c, cat, "title"));
	fprintf(fp, " (%s)", json_is_true(json_object_get(cat,
	    "verified")) ? LB(c, L_VERIFIED) : LB(c, L_UNVERIFIED));
	{
		char	*cl = NULL;
		size_t	 cn = 0;
		FILE	*cf = open_memstream(&cl, &cn);
		struct rctx cc = { cf, c->vi };

		if (cf != NULL) {
			catalog_lines(&cc, cat, "\n", ": ", "");
			fclose(cf);
			/* Escaped, each line after a break. */
			for (char *ln = cl ? strtok(cl, "\n") : NULL; ln;
			    ln = strtok(NULL, "\n")) {
				fprintf(fp, "<br>");
				hx(fp, ln);
			}
		}
		free(cl);
	}
	fprintf(fp, "</td></tr>\n");
	fprintf(fp, "<tr><th>%s</th><td>", LB(c, L_GENERATED));
	hx(fp, js(id, "generated"));
	fprintf(fp, "</td></tr>\n");
	{
		/* The same line as the text report, escaped. */
		char	*pl = NULL;
		size_t	 pn = 0;
		FILE	*pf = open_memstream(&pl, &pn);
		struct rctx pc = { pf, c->vi };

		if (pf != NULL) {
			text_period(&pc, r);
			fclose(pf);
			fprintf(fp, "<tr><th>%s</th><td>", LB(c, L_PERIOD));
			hx(fp, pl + strlen(LB(c, L_PERIOD)) + 2);
			fprintf(fp, "</td></tr>\n");
		}
		free(pl);
	}
	if (json_array_size(json_object_get(r, "unchecked")) > 0) {
		fprintf(fp, "<tr><th>%s</th><td>", LB(c, L_UNCHECKED));
		json_array_foreach(json_object_get(r, "unchecked"), i, v) {
			fprintf(fp, "%s", i ? "; " : "");
			hx(fp, jl(c, v, "text"));
		}
		fprintf(fp, "</td></tr>\n");
	}
	fprintf(fp, "<tr><th>%s</th><td>%lld %s: <span class=\"covered\">"
	    "%lld %s</span>, <span class=\"partial\">%lld %s</span>, "
	    "<span class=\"not-covered\">%lld %s</span>, "
	    "<span class=\"outside\">%lld %s</span></td></tr>\n</table>\n",
	    LB(c, L_SUMMARY), ji(sum, "required"), LB(c, L_REQUIRED),
	    ji(sum, "covered"), LB(c, L_COVERED), ji(sum, "partial"),
	    LB(c, L_PARTIAL), ji(sum, "not-covered"), LB(c, L_NOTCOV),
	    ji(sum, "outside"), LB(c, L_OUTSIDE));

	fprintf(fp, "<h2>%s</h2>\n<table>\n<tr><th>%s</th><th>%s</th>"
	    "<th>%s</th><th>%s</th><th>%s</th></tr>\n", LB(c, L_CONTROLS),
	    LB(c, L_CONTROL), LB(c, L_STATUS), LB(c, L_REASON),
	    LB(c, L_RULES), LB(c, L_ALERTS));
	json_array_foreach(json_object_get(r, "controls"), i, ctl) {
		fprintf(fp, "<tr class=\"");
		hx(fp, js(ctl, "status"));
		fprintf(fp, "\"><td><b>");
		hx(fp, js(ctl, "id"));
		fprintf(fp, "</b> (L%lld)<br>", ji(ctl, "level"));
		hx(fp, jl(c, ctl, "description"));
		if (json_is_string(json_object_get(ctl, "clause"))) {
			fprintf(fp, "<br><i>%s:</i> ", LB(c, L_CLAUSE));
			hx(fp, js(ctl, "clause"));
			if (!json_is_true(json_object_get(ctl, "verified"))) {
				fprintf(fp, " (%s", LB(c, L_UNVERIFIED_WHY));
				if (json_object_get(ctl, "unverified_reason")) {
					fprintf(fp, ": ");
					hx(fp, jl(c, ctl, "unverified_reason"));
				}
				fprintf(fp, ")");
			}
		}
		/* The status key only in English: no English on a vi page. */
		fprintf(fp, "</td><td>");
		html_status(fp, status_label(c, js(ctl, "status")));
		if (!c->vi) {
			fprintf(fp, " <span class=\"st\">[");
			hx(fp, js(ctl, "status"));
			fprintf(fp, "]</span>");
		}
		fprintf(fp, "</td><td>");
		if (json_array_size(json_object_get(ctl, "reasons")) > 1) {
			fprintf(fp, "<ul>");
			json_array_foreach(json_object_get(ctl, "reasons"), j,
			    v) {
				fprintf(fp, "<li>");
				hx(fp, js(v, c->vi ? "vi" : "en"));
				fprintf(fp, "</li>");
			}
			fprintf(fp, "</ul>");
		} else
			hx(fp, jl(c, ctl, "reason"));
		if (json_object_get(ctl, "outside_evidence") != NULL) {
			fprintf(fp, "<br><i>%s:</i> ", LB(c, L_OUTSIDE_EV));
			hx(fp, jl(c, ctl, "outside_evidence"));
		}
		json_array_foreach(json_object_get(ctl, "exceptions"), j, w) {
			fprintf(fp, "<br>%s: ", LB(c, L_EXCEPTIONS));
			hx(fp, js(w, "owner"));
			fprintf(fp, " — ");
			hx(fp, js(w, "reason"));
			fprintf(fp, " (%s ", LB(c, L_EXPIRES));
			hx(fp, json_is_string(json_object_get(w, "expires")) ?
			    js(w, "expires") : LB(c, L_NEVER));
			fprintf(fp, ")");
			if (json_is_true(json_object_get(w, "expired")))
				fprintf(fp, " <span class=\"exp\">%s</span>",
				    LB(c, L_EXPIRED));
		}
		fprintf(fp, "</td><td class=\"mono\">");
		json_array_foreach(json_object_get(ctl, "rules"), j, v)
			fprintf(fp, "%s%lld", j ? ", " : "", ji(v, "sid"));
		fprintf(fp, "</td><td>%lld<br>", ji(ctl, "alerts"));
		hx(fp, json_is_string(json_object_get(ctl, "last_alert")) ?
		    js(ctl, "last_alert") : "-");
		fprintf(fp, "</td></tr>\n");
	}
	fprintf(fp, "</table>\n<h2>%s</h2>\n", LB(c, L_BYCAT));
	html_chart(c, json_object_get(r, "alerts_by_category"));

	fprintf(fp, "<h2>%s</h2>\n", LB(c, L_EVIDENCE));
	if (!json_is_true(json_object_get(ev, "available")))
		fprintf(fp, "<p>%s</p>\n", LB(c, L_NOTAVAIL));
	else {
		fprintf(fp, "<p>%s (%s): ", LB(c, L_UPTIME), LB(c, L_THISRUN));
		print_duration(c, ji(ev, "uptime"));
		fprintf(fp, "</p>\n");
		if (json_is_true(json_object_get(ev, "history")))
			html_history(c, r, ev);
		fprintf(fp, "<h3>%s (%s)</h3>\n<table><tr><th>%s</th><th>%s"
		    "</th><th>%s</th></tr>\n", LB(c, L_IFACES),
		    LB(c, L_THISRUN), LB(c, L_IFACES), LB(c, L_PACKETS),
		    LB(c, L_DROPRATE));
		json_array_foreach(json_object_get(ev, "interfaces"), i, v) {
			fprintf(fp, "<tr><td>");
			hx(fp, js(v, "name"));
			fprintf(fp, " (");
			hx(fp, kw(c, js(v, "state")));
			fprintf(fp, ")</td><td>%lld</td><td>%.3f%%</td></tr>\n",
			    ji(v, "packets"), drop_rate(v));
		}
		fprintf(fp, "</table>\n<p>%s:</p><ul>\n", LB(c, L_OUTPUTS));
		json_array_foreach(json_object_get(ev, "outputs"), i, v) {
			char *s = json_dumps(v, JSON_COMPACT);

			fprintf(fp, "<li class=\"mono\">");
			hx(fp, s ? s : "");
			fprintf(fp, "</li>\n");
			free(s);
		}
		fprintf(fp, "</ul>\n");
		if ((w = json_object_get(ev, "inventory")) != NULL) {
			fprintf(fp, "<p>%s %lld, %s %lld", LB(c, L_INVENTORY),
			    ji(w, "seen"), LB(c, L_UNKNOWN_HOSTS),
			    ji(w, "unknown"));
			json_array_foreach(json_object_get(w, "hosts"), i, v) {
				fprintf(fp, "%s", i ? ", " : ": ");
				hx(fp, js(v, "ip"));
			}
			fprintf(fp, "</p>\n");
		}
		w = json_object_get(ev, "reload");
		fprintf(fp, "<p>%s: %lld, %s %lld ", LB(c, L_RELOAD),
		    ji(w, "count"), LB(c, L_FAILURES), ji(w, "failures"));
		hx(fp, js(w, "error"));
		fprintf(fp, "</p>\n");
	}

	if (json_is_object(nx)) {
		fprintf(fp, "<h2>%s %lld</h2>\n<ul>\n<li>%s:", LB(c, L_NEXT),
		    ji(nx, "level"), LB(c, L_NEXTCTL));
		json_array_foreach(json_object_get(nx, "controls"), i, v) {
			fprintf(fp, "%s ", i ? "," : "");
			hx(fp, js(v, "id"));
		}
		fprintf(fp, "</li>\n<li>%s:", LB(c, L_NEXTRULES));
		json_array_foreach(json_object_get(nx, "rules"), i, v) {
			fprintf(fp, "%s %lld ", i ? "," : "", ji(v, "sid"));
			hx(fp, js(v, c->vi ? "name_vi" : "name"));
		}
		fprintf(fp, "</li>\n<li>%s:", LB(c, L_NEXTASSETS));
		json_array_foreach(json_object_get(nx, "assets_to_define"), i,
		    v) {
			fprintf(fp, "%s $", i ? "," : "");
			hx(fp, json_string_value(v));
		}
		fprintf(fp, "</li>\n</ul>\n");
	}
	fprintf(fp, "<h2>%s</h2>\n<table>\n", LB(c, L_FILES));
	json_array_foreach(json_object_get(id, "files"), i, v) {
		fprintf(fp, "<tr><td>");
		hx(fp, kw(c, js(v, "kind")));
		fprintf(fp, "</td><td class=\"mono\">");
		hx(fp, js(v, "path"));
		fprintf(fp, "</td><td class=\"mono\">");
		hx(fp, js(v, "sha256"));
		fprintf(fp, "</td></tr>\n");
	}
	fprintf(fp, "</table>\n</body>\n</html>\n");
}

/*
 * The text report as a terminal may show it: names, digests and errors
 * come from the state file, which the service user writes, and root
 * reads the report in a terminal, so control characters but the line
 * break (C0, DEL, C1 as UTF-8) and the bidirectional overrides and
 * isolates are written '?', as canhgacctl's tables do.
 */
static int
text_printable(json_t *rep, int vi, FILE *fp)
{
	const unsigned char	*p;
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*mf = open_memstream(&buf, &len);
	struct rctx		 c = { mf, vi };

	if (mf == NULL)
		return -1;
	text_report(&c, rep);
	if (fclose(mf) != 0) {
		free(buf);
		return -1;
	}
	for (p = (const unsigned char *)buf; *p != '\0';) {
		size_t skip = util_term_unsafe(p, 1);

		if (skip > 0) {
			fputc('?', fp);
			p += skip;
		} else
			fputc(*p++, fp);
	}
	free(buf);
	return 0;
}

int
compliance_render(json_t *rep, const char *format, int vi, FILE *fp)
{
	struct rctx	 c = { fp, vi };

	if (format == NULL || strcmp(format, "text") == 0) {
		if (text_printable(rep, vi, fp) != 0)
			return -1;
	} else if (strcmp(format, "json") == 0) {
		if (json_dumpf(rep, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) !=
		    0)
			return -1;
		fputc('\n', fp);
	} else if (strcmp(format, "html") == 0)
		html_report(&c, rep);
	else
		return -1;
	return fflush(fp) == 0 ? 0 : -1;
}

long long
compliance_parse_since(const char *s, long long now, char *err, size_t errlen)
{
	struct tm	 tm;
	const char	*p;
	char		*end;
	long long	 v, off = 0;
	int		 utc = 0, n;

	if (s == NULL || *s == '\0')
		goto bad;
	/* An age: 90s, 15m, 12h, 7d. */
	if (isdigit((unsigned char)*s) && strchr(s, '-') == NULL) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || v < 0 || v > 100LL * 366 * 86400)
			goto bad;
		if (strcmp(end, "s") == 0 || *end == '\0')
			;
		else if (strcmp(end, "m") == 0)
			v *= 60;
		else if (strcmp(end, "h") == 0)
			v *= 3600;
		else if (strcmp(end, "d") == 0)
			v *= 86400;
		else if (strcmp(end, "w") == 0)
			v *= 7 * 86400;
		else
			goto bad;
		/* A bare large number is a time (unix seconds), as in alerts. */
		if (*end == '\0' && v > 100000000)
			return v <= now ? v : (snprintf(err, errlen, "--since "
			    "%s: in the future", s), -1);
		return now - v > 0 ? now - v : 0;
	}
	/* YYYY-MM-DD[(T| )HH:MM[:SS]][Z|±HH:MM] */
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) < 10 || (tm.tm_year = digits(s, 4)) < 1970 ||
	    s[4] != '-' || (tm.tm_mon = digits(s + 5, 2)) < 1 ||
	    tm.tm_mon > 12 || s[7] != '-' ||
	    (tm.tm_mday = digits(s + 8, 2)) < 1 || tm.tm_mday > 31)
		goto bad;
	/* mktime would take 2025-02-30 for 2025-03-02. */
	if (tm.tm_mday > util_days_in_month(tm.tm_year, tm.tm_mon)) {
		snprintf(err, errlen, "--since %s: no such date (%.7s has %d "
		    "days)", s, s, util_days_in_month(tm.tm_year, tm.tm_mon));
		return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = s + 10;
	if (*p == 'T' || *p == ' ') {
		if ((tm.tm_hour = digits(p + 1, 2)) < 0 || tm.tm_hour > 23 ||
		    p[3] != ':' || (tm.tm_min = digits(p + 4, 2)) < 0 ||
		    tm.tm_min > 59)
			goto bad;
		p += 6;
		if (*p == ':') {
			if ((tm.tm_sec = digits(p + 1, 2)) < 0 ||
			    tm.tm_sec > 60)
				goto bad;
			p += 3;
		}
	}
	if (*p == 'Z') {
		utc = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		if ((n = digits(p + 1, 2)) < 0 || n > 14 || p[3] != ':' ||
		    digits(p + 4, 2) < 0 || digits(p + 4, 2) > 59)
			goto bad;
		off = (n * 3600LL + digits(p + 4, 2) * 60LL) *
		    (*p == '+' ? 1 : -1);
		utc = 1;
		p += 6;
	}
	if (*p != '\0')
		goto bad;
	if (utc)
		v = (long long)timegm(&tm) - off;
	else {
		tm.tm_isdst = -1;
		v = (long long)mktime(&tm);
	}
	/* 1970-01-01 east of UTC is before the epoch, not in the future. */
	if (v < 0) {
		snprintf(err, errlen, "--since %s: before "
		    "1970-01-01T00:00Z", s);
		return -1;
	}
	if (v > now) {
		snprintf(err, errlen, "--since %s: in the future", s);
		return -1;
	}
	return v;
bad:
	snprintf(err, errlen, "--since: expected a date (2025-01-31), a "
	    "date-time (2025-01-31T08:00, Z or +07:00 for an exact zone) or "
	    "an age (90s, 15m, 12h, 7d), got \"%s\"", s ? s : "");
	return -1;
}
