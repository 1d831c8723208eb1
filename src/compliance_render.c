/*
 * The compliance report (compliance.c's JSON) as text for the terminal,
 * JSON, or one self-contained HTML page (inline CSS and SVG, A4), in
 * English or Vietnamese. Needs only jansson, so canhgacctl renders what
 * the status socket returns with the same code as canhgacd offline.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "canhgac.h"

enum {
	L_TITLE, L_SENSOR, L_VERSION, L_LEVEL, L_CONFIGURED, L_CATALOG,
	L_VERIFIED, L_UNVERIFIED, L_GENERATED, L_SUMMARY, L_REQUIRED,
	L_COVERED, L_PARTIAL, L_NOTCOV, L_OUTSIDE, L_CONTROLS, L_STATUS,
	L_REASON, L_RULES, L_ALERTS, L_LAST, L_EXCEPTIONS, L_EXPIRED,
	L_EVIDENCE, L_NOTAVAIL, L_UPTIME, L_IFACES, L_PACKETS, L_DROPRATE,
	L_OUTPUTS, L_RELOAD, L_NEXT, L_NEXTCTL, L_NEXTRULES, L_NEXTASSETS,
	L_NONE, L_FILES, L_BYCAT, L_OUTSIDE_EV, L_RETENTION, L_REVIEW,
	L_CONTROL, L_MAX
};

static const char *const labels[L_MAX][2] = {
	{ "canhgac compliance report", "Báo cáo tuân thủ canhgac" },
	{ "Sensor", "Cảm biến" },
	{ "Version", "Phiên bản" },
	{ "Level", "Cấp độ" },
	{ "configured level", "cấp độ cấu hình" },
	{ "Catalog", "Danh mục" },
	{ "clauses verified", "điều khoản đã kiểm chứng" },
	{ "clauses NOT verified", "điều khoản CHƯA được kiểm chứng" },
	{ "Generated", "Thời điểm lập" },
	{ "Summary", "Tóm tắt" },
	{ "required", "bắt buộc" },
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
	{ "threshold review every (months)", "rà soát ngưỡng mỗi (tháng)" },
	{ "Control", "Kiểm soát" },
};

struct rctx {
	FILE	*fp;
	int	 vi;
};

#define LB(c, k)	(labels[(k)][(c)->vi])

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
print_duration(FILE *fp, long long s)
{
	fprintf(fp, "%lldd %02lld:%02lld:%02lld", s / 86400, s / 3600 % 24,
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
	fprintf(fp, "%s: %s\n\n", LB(c, L_GENERATED), js(id, "generated"));
	fprintf(fp, "%s: %lld %s — %lld %s, %lld %s, %lld %s, %lld %s\n\n",
	    LB(c, L_SUMMARY), ji(sum, "required"), LB(c, L_REQUIRED),
	    ji(sum, "covered"), LB(c, L_COVERED), ji(sum, "partial"),
	    LB(c, L_PARTIAL), ji(sum, "not-covered"), LB(c, L_NOTCOV),
	    ji(sum, "outside"), LB(c, L_OUTSIDE));

	fprintf(fp, "%s\n", LB(c, L_CONTROLS));
	json_array_foreach(json_object_get(r, "controls"), i, ctl) {
		fprintf(fp, "  %-15s L%lld  %-12s %s\n", js(ctl, "id"),
		    ji(ctl, "level"), js(ctl, "status"),
		    jl(c, ctl, "description"));
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
			    js(w, "reason"), "expires", json_is_string(
			    json_object_get(w, "expires")) ? js(w, "expires") :
			    "never", json_is_true(json_object_get(w,
			    "expired")) ? " " : "", json_is_true(
			    json_object_get(w, "expired")) ?
			    LB(c, L_EXPIRED) : "");
	}

	fprintf(fp, "\n%s\n", LB(c, L_EVIDENCE));
	if (!json_is_true(json_object_get(ev, "available")))
		fprintf(fp, "  %s\n", LB(c, L_NOTAVAIL));
	else {
		fprintf(fp, "  %s: ", LB(c, L_UPTIME));
		print_duration(fp, ji(ev, "uptime"));
		fprintf(fp, "\n  %s:\n", LB(c, L_IFACES));
		json_array_foreach(json_object_get(ev, "interfaces"), i, v)
			fprintf(fp, "    %-12s %-6s %lld %s, %s %.3f%%\n",
			    js(v, "name"), js(v, "state"), ji(v, "packets"),
			    LB(c, L_PACKETS), LB(c, L_DROPRATE), drop_rate(v));
		fprintf(fp, "  %s:\n", LB(c, L_OUTPUTS));
		json_array_foreach(json_object_get(ev, "outputs"), i, v) {
			char *s = json_dumps(v, JSON_COMPACT);

			fprintf(fp, "    %s\n", s ? s : "");
			free(s);
		}
		w = json_object_get(ev, "reload");
		fprintf(fp, "  %s: %s (%lld, %s %lld)%s%s\n", LB(c, L_RELOAD),
		    json_is_integer(json_object_get(w, "last")) ? "yes" : "-",
		    ji(w, "count"), "failures", ji(w, "failures"),
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
		fprintf(fp, "  %-7s %s  %s\n", js(v, "kind"),
		    json_is_string(json_object_get(v, "sha256")) ?
		    js(v, "sha256") : "(unreadable)", js(v, "path"));
}

/* Text with &, <, >, " escaped. */
static void
hx(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
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
".mono{font-family:monospace;font-size:8pt;word-break:break-all}"
".exp{color:#a00;font-weight:bold}"
"@media print{h2{page-break-after:avoid}}";

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
		hx(fp, k);
		fprintf(fp, "</text><rect x=\"130\" y=\"%d\" width=\"%d\" "
		    "height=\"15\" fill=\"#3a6ea5\"/><text x=\"%d\" y=\"%d\" "
		    "font-size=\"11\">%lld</text>\n", y + 2, w, 135 + w,
		    y + 13, x);
		y += 20;
	}
	fprintf(fp, "</svg>\n");
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
	fprintf(fp, " (%s %s, %s %lld)</td></tr>\n", LB(c, L_VERSION),
	    js(id, "version"), LB(c, L_CONFIGURED),
	    ji(id, "configured_level"));
	fprintf(fp, "<tr><th>%s</th><td>", LB(c, L_CATALOG));
	hx(fp, js(cat, "standard"));
	fprintf(fp, " — ");
	hx(fp, jl(c, cat, "title"));
	fprintf(fp, " (%s)</td></tr>\n", json_is_true(json_object_get(cat,
	    "verified")) ? LB(c, L_VERIFIED) : LB(c, L_UNVERIFIED));
	fprintf(fp, "<tr><th>%s</th><td>%s</td></tr>\n", LB(c, L_GENERATED),
	    js(id, "generated"));
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
		fprintf(fp, "<tr class=\"%s\"><td><b>", js(ctl, "status"));
		hx(fp, js(ctl, "id"));
		fprintf(fp, "</b> (L%lld)<br>", ji(ctl, "level"));
		hx(fp, jl(c, ctl, "description"));
		fprintf(fp, "</td><td>%s <span class=\"mono\">[%s]</span></td>"
		    "<td>", status_label(c, js(ctl, "status")),
		    js(ctl, "status"));
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
			fprintf(fp, " (%s)", json_is_string(json_object_get(w,
			    "expires")) ? js(w, "expires") : "-");
			if (json_is_true(json_object_get(w, "expired")))
				fprintf(fp, " <span class=\"exp\">%s</span>",
				    LB(c, L_EXPIRED));
		}
		fprintf(fp, "</td><td class=\"mono\">");
		json_array_foreach(json_object_get(ctl, "rules"), j, v)
			fprintf(fp, "%s%lld", j ? ", " : "", ji(v, "sid"));
		fprintf(fp, "</td><td>%lld<br>%s</td></tr>\n",
		    ji(ctl, "alerts"), json_is_string(json_object_get(ctl,
		    "last_alert")) ? js(ctl, "last_alert") : "-");
	}
	fprintf(fp, "</table>\n<h2>%s</h2>\n", LB(c, L_BYCAT));
	html_chart(c, json_object_get(r, "alerts_by_category"));

	fprintf(fp, "<h2>%s</h2>\n", LB(c, L_EVIDENCE));
	if (!json_is_true(json_object_get(ev, "available")))
		fprintf(fp, "<p>%s</p>\n", LB(c, L_NOTAVAIL));
	else {
		fprintf(fp, "<p>%s: ", LB(c, L_UPTIME));
		print_duration(fp, ji(ev, "uptime"));
		fprintf(fp, "</p>\n<table><tr><th>%s</th><th>%s</th><th>%s"
		    "</th></tr>\n", LB(c, L_IFACES), LB(c, L_PACKETS),
		    LB(c, L_DROPRATE));
		json_array_foreach(json_object_get(ev, "interfaces"), i, v) {
			fprintf(fp, "<tr><td>");
			hx(fp, js(v, "name"));
			fprintf(fp, " (%s)</td><td>%lld</td><td>%.3f%%</td>"
			    "</tr>\n", js(v, "state"), ji(v, "packets"),
			    drop_rate(v));
		}
		fprintf(fp, "</table>\n<p>%s:</p><ul>\n", LB(c, L_OUTPUTS));
		json_array_foreach(json_object_get(ev, "outputs"), i, v) {
			char *s = json_dumps(v, JSON_COMPACT);

			fprintf(fp, "<li class=\"mono\">");
			hx(fp, s ? s : "");
			fprintf(fp, "</li>\n");
			free(s);
		}
		w = json_object_get(ev, "reload");
		fprintf(fp, "</ul>\n<p>%s: %lld, failures %lld ",
		    LB(c, L_RELOAD), ji(w, "count"), ji(w, "failures"));
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
			hx(fp, js(v, "name"));
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
		fprintf(fp, "<tr><td>%s</td><td class=\"mono\">", js(v, "kind"));
		hx(fp, js(v, "path"));
		fprintf(fp, "</td><td class=\"mono\">%s</td></tr>\n",
		    js(v, "sha256"));
	}
	fprintf(fp, "</table>\n</body>\n</html>\n");
}

int
compliance_render(json_t *rep, const char *format, int vi, FILE *fp)
{
	struct rctx	 c = { fp, vi };

	if (format == NULL || strcmp(format, "text") == 0)
		text_report(&c, rep);
	else if (strcmp(format, "json") == 0) {
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
