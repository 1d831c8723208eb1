/*
 * Alerts: the message and advice texts.
 *
 * A rule's message and advice are templates; each {name} in them is
 * one row of placeholders[]: the name and the function writing the
 * alert's value for it. The loader checks templates against the same
 * table (alert_placeholder_known), so a name that loads always expands.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "app.h"
#include "hosts.h"
#include "community_id.h"
#include "conf.h"
#include "decode.h"
#include "flow.h"
#include "cccd.h"
#include "jsonw.h"
#include "rules.h"
#include "threshold.h"
#include "types.h"
#include "util.h"

/* What a placeholder's text is made from. */
struct ph_args {
	const struct config		*conf;
	const struct rule		*r;
	const struct match_ctx		*c;
	const struct thr_result		*res;
	const struct alert_known	*k;	/* or NULL */
};

struct placeholder {
	const char	*name;
	void		(*text)(const struct ph_args *, char *, size_t);
};

/* The record's community_id: of the flow, "" without one. */
int
alert_flow_cid(const struct flow *f, char *out, size_t len)
{
	out[0] = '\0';
	return f != NULL && community_id_v1(0, f->ipver, f->caddr, f->saddr,
	    f->proto, f->cport, f->sport, out, len) == 0 ? 0 : -1;
}

/*
 * A text value into out, cut to len - 1 bytes as snprintf's "%s" cut it
 * (and its "(null)"): snprintf cost 600 instructions for a URL or a DNS
 * name in every alert that names one.
 */
static void
ph_copy(char *out, size_t len, const char *s)
{
	size_t	n;

	if (len == 0)
		return;
	if (s == NULL)
		s = "(null)";
	n = strnlen(s, len - 1);
	memcpy(out, s, n);
	out[n] = '\0';
}

/* A placeholder's value, its NUL included, at most. */
#define PH_VALUE_MAX	512

/* Each writes the alert's value into out; nothing when it has none. */
#define PH(name) static void name(const struct ph_args *a, char *out, \
    size_t len)

PH(ph_timestamp)
{
	util_format_ts(a->c->ts, out, len, a->conf->utc_offset);
}

PH(ph_community_id)
{
	(void)alert_flow_cid(a->c->flow, out, len);
}

/* An address the line already holds, else formatted. */
static void
addr_text(const char *known, size_t n, int ipver, const uint8_t *addr,
    char *out, size_t len)
{
	if (known == NULL || len == 0) {
		util_addr_str(ipver, addr, out, len);
		return;
	}
	if (n > len - 1)
		n = len - 1;
	memcpy(out, known, n);
	out[n] = '\0';
}

PH(ph_src_ip)
{
	addr_text(a->k ? a->k->src_ip : NULL, a->k ? a->k->src_ip_len : 0,
	    a->c->ipver, a->c->src, out, len);
}

PH(ph_dst_ip)
{
	addr_text(a->k ? a->k->dst_ip : NULL, a->k ? a->k->dst_ip_len : 0,
	    a->c->ipver, a->c->dst, out, len);
}

/*
 * The address as the rule counts it: an IPv6 one by its network when
 * the threshold's key takes it by src_ip/N or dst_ip/N (without the
 * field in the threshold's key, the suppression's), "2001:db8:1:2::/64";
 * else the address.
 */
static void
net_text(const struct ph_args *a, int i, const uint8_t *addr, char *out,
    size_t len)
{
	const struct rule	*r = a->r;
	uint8_t			 net[16];
	unsigned		 bits;
	size_t			 n;

	bits = rules_key_net(r, (r->thr_by & (i == 0 ? BY_SRC_IP :
	    BY_DST_IP)) ? r->thr_net : r->sup_net, i, a->c->ipver, addr);
	if (bits == 0) {
		if (i == 0)
			ph_src_ip(a, out, len);
		else
			ph_dst_ip(a, out, len);
		return;
	}
	memcpy(net, addr, 16);
	util_addr_net(net, bits);
	util_addr_str(6, net, out, len);
	n = strlen(out);
	snprintf(out + n, len - n, "/%u", bits);
}

PH(ph_src_net)
{
	net_text(a, 0, a->c->src, out, len);
}

PH(ph_dst_net)
{
	net_text(a, 1, a->c->dst, out, len);
}

PH(ph_src_port)
{
	snprintf(out, len, "%u", a->c->sport);
}

PH(ph_dst_port)
{
	snprintf(out, len, "%u", a->c->dport);
}

PH(ph_proto)
{
	char	pn[8];

	ph_copy(out, len, util_proto_name(a->c->proto, pn,
	    sizeof(pn)));
}

PH(ph_sensor)
{
	ph_copy(out, len, a->conf->sensor_name);
}

PH(ph_in_iface)
{
	ph_copy(out, len, a->c->iface ? a->c->iface : "");
}

PH(ph_app_proto)
{
	/* A flow no parser took says so in words: "unknown" was the
	 * record's field value, and English in a Vietnamese text. */
	if (a->c->flow != NULL && a->c->flow->app_proto == APP_UNKNOWN)
		ph_copy(out, len, a->conf->language_vi ?
		    "giao thức chưa nhận diện được" : "unidentified protocol");
	else if (a->c->flow != NULL)
		ph_copy(out, len, app_proto_name(
		    (enum app_proto)a->c->flow->app_proto));
}

PH(ph_flow_id)
{
	if (a->c->flow != NULL)
		snprintf(out, len, "%llu", (unsigned long long)a->c->flow->id);
}

PH(ph_signature)
{
	ph_copy(out, len, a->conf->language_vi && a->r->name_vi ?
	    a->r->name_vi : a->r->name);
}

PH(ph_sid)
{
	snprintf(out, len, "%u", a->r->sid);
}

PH(ph_category)
{
	ph_copy(out, len, a->conf->language_vi ?
	    rules_category_name_vi(a->r->category) :
	    rules_category_name(a->r->category));
}

PH(ph_severity)
{
	ph_copy(out, len, a->conf->language_vi ?
	    rules_severity_name_vi(a->r->severity) :
	    rules_severity_name(a->r->severity));
}

PH(ph_level)
{
	snprintf(out, len, "%u", a->r->level);
}

PH(ph_controls)
{
	size_t	i, n = 0;

	for (i = 0; i < a->r->ncontrols && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? ", " : "",
		    a->r->controls[i]);
}

PH(ph_count)
{
	snprintf(out, len, "%llu", (unsigned long long)a->res->count);
}

PH(ph_distinct)
{
	snprintf(out, len, "%llu", (unsigned long long)a->res->distinct);
}

PH(ph_sum)
{
	snprintf(out, len, "%llu", (unsigned long long)(a->res->sum ?
	    a->res->sum : a->c->sensor_value));
}

/* Bytes in B, KB, MB, GB or TB (of 1024), one decimal past B. */
static void
size_text(const struct ph_args *a, uint64_t v, char *out, size_t len)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB" };
	double	d = (double)v;
	int	u = 0;

	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", d, unit[u]);
	/* Vietnamese writes the decimal comma: 11,5 MB. */
	if (a->conf->language_vi && strchr(out, '.') != NULL)
		*strchr(out, '.') = ',';
}

/* The bytes summed as a size: "52460762" is hard to read as 50 MB. */
PH(ph_sum_size)
{
	size_text(a, a->res->sum, out, len);
}

PH(ph_window)
{
	static const char *const unit[][2] = { { "ms", "mili giây" },
	    { "s", "giây" }, { "", "giây" }, { "m", "phút" },
	    { "h", "giờ" }, { "d", "ngày" } };
	const char	*w = a->r->within_text ? a->r->within_text : "";
	char		*end;
	unsigned long	 v = strtoul(w, &end, 10);
	size_t		 i;

	ph_copy(out, len, w);
	/* Vietnamese says the unit: "15m" is "15 phút". */
	for (i = 0; a->conf->language_vi && end != w && i < 6; i++)
		if (strcmp(end, unit[i][0]) == 0)
			snprintf(out, len, "%lu %s", v, unit[i][1]);
}

PH(ph_suppressed)
{
	snprintf(out, len, "%llu", (unsigned long long)a->res->suppressed);
}

PH(ph_sensor_event)
{
	ph_copy(out, len, rules_sensor_event_name(a->c->sensor_event));
}

PH(ph_regex_sid)
{
	if (a->c->event == REV_SENSOR && a->c->sensor_rule != NULL)
		snprintf(out, len, "%u", a->c->sensor_rule->sid);
}

PH(ph_regex_rule)
{
	if (a->c->event == REV_SENSOR && a->c->sensor_rule != NULL)
		ph_copy(out, len, a->conf->language_vi &&
		    a->c->sensor_rule->name_vi ? a->c->sensor_rule->name_vi :
		    a->c->sensor_rule->name);
}

PH(ph_decode_error)
{
	if (a->c->pkt != NULL)
		ph_copy(out, len, decode_err_name(a->c->pkt->err));
}

/* The record the event carried, when it is of type have. */
static const struct app_result *
app_of(const struct ph_args *a, uint32_t have)
{
	const struct app_result	*app = a->c->app;

	return app != NULL && (have == 0 || app->have == have) ? app : NULL;
}

/* A text field of the record, when it is of type have. */
static void
app_text(const struct ph_args *a, uint32_t have, size_t off, char *out,
    size_t len)
{
	const struct app_result	*app = app_of(a, have);

	if (app != NULL)
		ph_copy(out, len, (const char *)app + off);
}

PH(ph_sni)
{
	const struct app_result	*app = app_of(a, 0);

	if (app == NULL || (app->have != APPR_TLS_CH &&
	    app->have != APPR_TLS_CERT))
		return;
	/* A hello without server_name says so: "(SNI )" read as a field
	 * the sensor lost, where the client sent none. */
	ph_copy(out, len, app->tls.sni[0] != '\0' ? app->tls.sni :
	    a->conf->language_vi ? "không có" : "none");
}

/* The server certificate of a certificate record. */
static const struct tls_cert *
cert_of(const struct ph_args *a)
{
	const struct app_result	*app = app_of(a, APPR_TLS_CERT);

	return app != NULL ? app->tls.cert : NULL;
}

/* A text field of the certificate, when the record is one. */
static void
cert_text(const struct ph_args *a, size_t off, char *out, size_t len)
{
	const struct tls_cert	*c = cert_of(a);

	if (c != NULL)
		ph_copy(out, len, (const char *)c + off);
}

PH(ph_cert_subject)
{
	cert_text(a, offsetof(struct tls_cert, subject), out, len);
}

PH(ph_cert_issuer)
{
	cert_text(a, offsetof(struct tls_cert, issuer), out, len);
}

PH(ph_cert_fingerprint)
{
	cert_text(a, offsetof(struct tls_cert, fingerprint), out, len);
}

PH(ph_cert_sig_alg)
{
	cert_text(a, offsetof(struct tls_cert, sig_alg), out, len);
}

PH(ph_cert_key)
{
	const struct tls_cert	*c = cert_of(a);

	if (c != NULL)
		snprintf(out, len, "%s %u", c->key_type, c->key_bits);
}

/* Validity bounds as a UTC date and time. */
static void
cert_date(int64_t t, char *out, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) != NULL)
		strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
}

PH(ph_cert_notafter)
{
	const struct tls_cert	*c = cert_of(a);

	if (c != NULL)
		cert_date(c->not_after, out, len);
}

PH(ph_cert_notbefore)
{
	const struct tls_cert	*c = cert_of(a);

	if (c != NULL)
		cert_date(c->not_before, out, len);
}

PH(ph_cipher_suite)
{
	const struct app_result	*app = app_of(a, APPR_TLS_SH);

	if (app != NULL)
		snprintf(out, len, "0x%04x", app->tls.server_cipher);
}

PH(ph_ja3)
{
	const struct app_result	*app = app_of(a, APPR_TLS_CH);

	if (app != NULL) {
		app_tls_fingerprints(&app->tls);
		ph_copy(out, len, app->tls.ja3);
	}
}

PH(ph_ja4)
{
	const struct app_result	*app = app_of(a, APPR_TLS_CH);

	if (app != NULL) {
		app_tls_fingerprints(&app->tls);
		ph_copy(out, len, app->tls.ja4);
	}
}

PH(ph_tls_version)
{
	const struct app_result	*app = app_of(a, 0);

	if (app != NULL)
		ph_copy(out, len, app_tls_version_name(
		    app->have == APPR_TLS_CH ? app->tls.max_version :
		    (a->c->flow ? a->c->flow->tls_offered : 0)));
}

PH(ph_tls_negotiated)
{
	const struct app_result	*app = app_of(a, APPR_TLS_SH);

	if (app != NULL)
		ph_copy(out, len, app_tls_version_name(
		    app->tls.server_version));
}

PH(ph_query)
{
	app_text(a, APPR_DNS, offsetof(struct app_result, dns.qname), out,
	    len);
}

PH(ph_hostname)
{
	app_text(a, APPR_HTTP, offsetof(struct app_result, http.host), out,
	    len);
}

PH(ph_url)
{
	app_text(a, APPR_HTTP, offsetof(struct app_result, http.uri), out,
	    len);
}

PH(ph_user_agent)
{
	app_text(a, APPR_HTTP, offsetof(struct app_result, http.user_agent),
	    out, len);
}

PH(ph_banner)
{
	const struct app_result	*app = app_of(a, APPR_SSH);

	if (app != NULL)
		snprintf(out, len, "SSH-%s-%s", app->ssh.proto_version,
		    app->ssh.software);
}

PH(ph_user)
{
	const struct app_result	*app = app_of(a, APPR_PLAIN);

	/* A login whose user name the capture missed (picked up after
	 * USER, or the segment lost) says so, not "(user )". */
	if (app != NULL)
		ph_copy(out, len, app->plain.user[0] != '\0' ?
		    app->plain.user : a->conf->language_vi ?
		    "không xác định được" : "not seen");
}

PH(ph_plain_protocol)
{
	const struct app_result	*app = app_of(a, APPR_PLAIN);

	if (app != NULL)
		ph_copy(out, len, app_proto_name(
		    (enum app_proto)app->plain.proto));
}

/* host_new, arp_change: the MAC claimed now, and the one before. */
PH(ph_mac)
{
	if (a->c->host != NULL && a->c->host->has_mac && len >= 18)
		hosts_mac_str(a->c->host->mac, out);
}

PH(ph_old_mac)
{
	if (a->c->host != NULL && a->c->host->has_old && len >= 18)
		hosts_mac_str(a->c->host->old_mac, out);
}

PH(ph_dhcp_server)
{
	const struct app_result	*app = app_of(a, APPR_DHCP);

	if (app != NULL)
		util_addr_str(4, app->dhcp.has_server ? app->dhcp.server :
		    a->c->src, out, len);
}

PH(ph_dhcp_assigned)
{
	static const uint8_t		 none[4];
	const struct app_result	*app = app_of(a, APPR_DHCP);

	/* An ack to a DHCPINFORM gives settings and no address: "0.0.0.0"
	 * read as an address handed out. */
	if (app != NULL && memcmp(app->dhcp.yiaddr, none, 4) == 0)
		ph_copy(out, len, a->conf->language_vi ?
		    "không có, chỉ cấp cấu hình" : "none, settings only");
	else if (app != NULL)
		util_addr_str(4, app->dhcp.yiaddr, out, len);
}

PH(ph_dhcp_type)
{
	const struct app_result	*app = app_of(a, APPR_DHCP);

	if (app != NULL)
		ph_copy(out, len, app_dhcp_type_name(
		    app->dhcp.msg_type));
}

PH(ph_dhcp_client_mac)
{
	const struct app_result	*app = app_of(a, APPR_DHCP);

	if (app != NULL && app->dhcp.has_mac && len >= 18)
		hosts_mac_str(app->dhcp.chaddr, out);
}

/* A behaviour rule's numbers (behaviour.h); empty for other rules. */
static const struct bh_result *
bh_of(const struct ph_args *a, int kind)
{
	return a->res != NULL && a->res->bh != NULL &&
	    a->res->bh->kind == kind ? a->res->bh : NULL;
}

/* A baseline amount: bytes in B, KB, MB or GB; counts as they are. */
static void
bh_amount(const struct ph_args *a, uint64_t v, char *out, size_t len)
{
	if (a->r->bh.measure != BM_BYTES)
		snprintf(out, len, "%llu", (unsigned long long)v);
	else
		size_text(a, v, out, len);
}

PH(ph_normal)
{
	const struct bh_result	*b = bh_of(a, BH_BASELINE);

	if (b != NULL && b->never)
		ph_copy(out, len, a->conf->language_vi ?
		    "0 (chưa từng hoạt động trong khung giờ này)" :
		    "0 (never active in that hour)");
	else if (b != NULL)
		bh_amount(a, b->normal, out, len);
}

PH(ph_seen)
{
	const struct bh_result	*b = bh_of(a, BH_BASELINE);

	if (b != NULL)
		bh_amount(a, b->seen, out, len);
}

PH(ph_measure)
{
	static const char *const m[2][3] = {
		{ "bytes", "connections", "requests" },
		{ "dung lượng", "kết nối", "yêu cầu" } };

	ph_copy(out, len, m[a->conf->language_vi ? 1 : 0][
	    a->r->bh.measure < 3 ? a->r->bh.measure : 0]);
}

PH(ph_hour)
{
	static const char *const day[2][7] = {
		{ "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
		  "Saturday", "Sunday" },
		{ "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu",
		  "thứ Bảy", "Chủ nhật" } };
	const struct bh_result	*b = bh_of(a, BH_BASELINE);

	if (b != NULL)
		snprintf(out, len, "%s %02u:00", day[a->conf->language_vi ?
		    1 : 0][(b->how / 24) % 7], b->how % 24);
}

/* Seconds with one decimal: 60.0s, in Vietnamese "60,0 giây". */
static void
bh_secs(const struct ph_args *a, uint64_t usec, char *out, size_t len)
{
	snprintf(out, len, a->conf->language_vi ? "%llu,%01llu giây" :
	    "%llu.%01llus", (unsigned long long)(usec / 1000000),
	    (unsigned long long)(usec % 1000000 / 100000));
}

PH(ph_interval)
{
	const struct bh_result	*b = bh_of(a, BH_BEACON);

	if (b != NULL)
		bh_secs(a, b->interval, out, len);
}

PH(ph_jitter)
{
	const struct bh_result	*b = bh_of(a, BH_BEACON);

	if (b != NULL)
		bh_secs(a, b->spread, out, len);
}

PH(ph_repeats)
{
	const struct bh_result	*b = bh_of(a, BH_BEACON);

	if (b != NULL)
		snprintf(out, len, "%u", b->repeats);
}

PH(ph_domain)
{
	const struct bh_result	*b = bh_of(a, BH_DNSTUNNEL);

	if (b != NULL)
		ph_copy(out, len, b->domain);
}

PH(ph_queries)
{
	const struct bh_result	*b = bh_of(a, BH_DNSTUNNEL);

	if (b != NULL)
		snprintf(out, len, "%u", b->queries);
}

PH(ph_names)
{
	const struct bh_result	*b = bh_of(a, BH_DNSTUNNEL);

	if (b != NULL)
		snprintf(out, len, "%u", b->names);
}

PH(ph_entropy)
{
	const struct bh_result	*b = bh_of(a, BH_DNSTUNNEL);

	/* Vietnamese writes the decimal comma, as bh_amount: 4,15. */
	if (b != NULL)
		snprintf(out, len, a->conf->language_vi ? "%u,%02u" : "%u.%02u",
		    b->entropy_mbit / 1000, b->entropy_mbit % 1000 / 10);
}

PH(ph_nxdomain)
{
	const struct bh_result	*b = bh_of(a, BH_DNSTUNNEL);

	if (b != NULL)
		snprintf(out, len, "%u%%", b->nx_pct);
}

/* Aliases share a function: Suricata's names and the rule keys'. */
static const struct placeholder placeholders[] = {
	{ "timestamp", ph_timestamp },
	{ "sensor", ph_sensor },
	{ "in_iface", ph_in_iface },
	{ "src_ip", ph_src_ip },
	{ "src_port", ph_src_port },
	{ "dest_ip", ph_dst_ip },
	{ "dest_port", ph_dst_port },
	{ "dst_ip", ph_dst_ip },
	{ "dst_port", ph_dst_port },
	{ "src_net", ph_src_net },
	{ "dest_net", ph_dst_net },
	{ "dst_net", ph_dst_net },
	{ "proto", ph_proto },
	{ "app_proto", ph_app_proto },
	{ "flow_id", ph_flow_id },
	{ "community_id", ph_community_id },
	{ "signature", ph_signature },
	{ "signature_id", ph_sid },
	{ "sid", ph_sid },
	{ "name", ph_signature },
	{ "category", ph_category },
	{ "severity", ph_severity },
	{ "level", ph_level },
	{ "controls", ph_controls },
	{ "count", ph_count },
	{ "distinct", ph_distinct },
	{ "sum", ph_sum },
	{ "sum_size", ph_sum_size },
	{ "window", ph_window },
	{ "within", ph_window },
	{ "suppressed", ph_suppressed },
	{ "sni", ph_sni },
	{ "tls.sni", ph_sni },
	{ "tls.version", ph_tls_version },
	{ "tls.negotiated", ph_tls_negotiated },
	{ "tls.subject", ph_cert_subject },
	{ "tls.issuerdn", ph_cert_issuer },
	{ "tls.fingerprint", ph_cert_fingerprint },
	{ "tls.notafter", ph_cert_notafter },
	{ "tls.notbefore", ph_cert_notbefore },
	{ "tls.signature_algorithm", ph_cert_sig_alg },
	{ "tls.key", ph_cert_key },
	{ "tls.cipher_suite", ph_cipher_suite },
	{ "tls.ja3", ph_ja3 },
	{ "tls.ja4", ph_ja4 },
	{ "rrname", ph_query },
	{ "query", ph_query },
	{ "dns.rrname", ph_query },
	{ "dns.query", ph_query },
	{ "hostname", ph_hostname },
	{ "http.hostname", ph_hostname },
	{ "url", ph_url },
	{ "http.url", ph_url },
	{ "http.http_user_agent", ph_user_agent },
	{ "user_agent", ph_user_agent },
	{ "ssh.banner", ph_banner },
	{ "banner", ph_banner },
	{ "plaintext.user", ph_user },
	{ "user", ph_user },
	{ "plaintext.protocol", ph_plain_protocol },
	{ "sensor_event", ph_sensor_event },
	{ "value", ph_sum },
	{ "decode_error", ph_decode_error },
	{ "regex_sid", ph_regex_sid },
	{ "regex_rule", ph_regex_rule },
	{ "mac", ph_mac },
	{ "old_mac", ph_old_mac },
	{ "dhcp.server", ph_dhcp_server },
	{ "dhcp.assigned_ip", ph_dhcp_assigned },
	{ "dhcp.type", ph_dhcp_type },
	{ "dhcp.client_mac", ph_dhcp_client_mac },
	{ "normal", ph_normal },
	{ "seen", ph_seen },
	{ "measure", ph_measure },
	{ "hour", ph_hour },
	{ "interval", ph_interval },
	{ "jitter", ph_jitter },
	{ "repeats", ph_repeats },
	{ "domain", ph_domain },
	{ "queries", ph_queries },
	{ "names", ph_names },
	{ "entropy", ph_entropy },
	{ "nxdomain", ph_nxdomain },
};

/*
 * Every alert looks up its templates' names, and a strcmp scan of all of
 * them was a tenth of an alert's instructions: the names are chained by
 * first byte, in table order, once (the loader's thread asks too).
 */
_Static_assert(NELEM(placeholders) < 255,
    "ph_first and ph_next hold 1 + an index");
static uint8_t		ph_first[256];	/* 1 + the first with that byte, or 0 */
static uint8_t		ph_next[NELEM(placeholders)];
static pthread_once_t	ph_once = PTHREAD_ONCE_INIT;

static void
ph_index(void)
{
	size_t	i = NELEM(placeholders);

	while (i-- > 0) {
		unsigned char c = (unsigned char)placeholders[i].name[0];

		ph_next[i] = ph_first[c];
		ph_first[c] = (uint8_t)(i + 1);
	}
}

static const struct placeholder *
ph_find(const char *name)
{
	unsigned	i;

	(void)pthread_once(&ph_once, ph_index);
	for (i = ph_first[(unsigned char)name[0]]; i != 0; i = ph_next[i - 1])
		if (strcmp(name, placeholders[i - 1].name) == 0)
			return &placeholders[i - 1];
	return NULL;
}

int
alert_placeholder_known(const char *name)
{
	return ph_find(name) != NULL;
}

/* The names, for a suggestion: *n of them. */
const char *const *
alert_placeholder_names(size_t *n)
{
	static const char	*names[NELEM(placeholders)];
	size_t			 i;

	for (i = 0; i < NELEM(placeholders); i++)
		names[i] = placeholders[i].name;
	*n = NELEM(placeholders);
	return names;
}

/*
 * A template compiled when its rule loads: alerts only run the steps,
 * where parsing the text for {names} on every alert was a fifth of its
 * cost. A step is a run of literal text or one placeholder; the steps
 * give the bytes the text gave when parsed (a '{' without its '}', or
 * with a name too long, is text; an unknown name gives nothing).
 */
struct tmpl_op {
	uint32_t	off, len;	/* the literal: text[off, off + len) */
	int		ph;		/* placeholders[] index, -1: literal */
};

struct alert_tmpl {
	const char	*text;
	size_t		 nops;
	struct tmpl_op	 ops[];
};

#define TMPL_NAME_MAX	64

/* A literal run, joined to the run before when they touch. */
static void
tmpl_lit(struct alert_tmpl *tp, size_t off, size_t len)
{
	struct tmpl_op	*o = tp->nops ? &tp->ops[tp->nops - 1] : NULL;

	if (o != NULL && o->ph < 0 && o->off + o->len == off) {
		o->len += (uint32_t)len;
		return;
	}
	o = &tp->ops[tp->nops++];
	o->off = (uint32_t)off;
	o->len = (uint32_t)len;
	o->ph = -1;
}

struct alert_tmpl *
alert_tmpl_compile(const char *t)
{
	struct alert_tmpl	*tp;
	const char		*p, *e;
	size_t			 nb = 0;

	for (p = t; (p = strchr(p, '{')) != NULL; p++)
		nb++;
	/* Each '{' ends at most one run and makes one step. */
	if ((tp = malloc(sizeof(*tp) + (2 * nb + 1) *
	    sizeof(tp->ops[0]))) == NULL)
		return NULL;
	tp->text = t;
	tp->nops = 0;
	for (p = t; *p != '\0';) {
		const struct placeholder	*ph;
		char				 name[TMPL_NAME_MAX];

		if (*p != '{') {
			size_t vl = strcspn(p, "{");

			tmpl_lit(tp, (size_t)(p - t), vl);
			p += vl;
			continue;
		}
		if ((e = strchr(p, '}')) == NULL ||
		    (size_t)(e - p - 1) >= sizeof(name)) {
			tmpl_lit(tp, (size_t)(p - t), 1);
			p++;
			continue;
		}
		memcpy(name, p + 1, (size_t)(e - p - 1));
		name[e - p - 1] = '\0';
		if ((ph = ph_find(name)) != NULL) {
			tp->ops[tp->nops].off = 0;
			tp->ops[tp->nops].len = 0;
			tp->ops[tp->nops++].ph = (int)(ph - placeholders);
		}
		p = e + 1;
	}
	return tp;
}

/*
 * Expand a compiled template into out, cut to len - 1 bytes; its length.
 * A placeholder's value is cut to 511 bytes and masked alone, then cut to
 * the room left. With 512 bytes of room it is written in place: through a
 * scratch buffer, the copy loaded what byte stores had just written and
 * waited for them.
 */
size_t
alert_expand(const struct alert_tmpl *tp, const struct config *conf,
    const struct rule *r, const struct match_ctx *c,
    const struct thr_result *res, const struct alert_known *k, char *out,
    size_t len)
{
	const struct ph_args	 a = { conf, r, c, res, k };
	size_t			 i, n = 0;

	for (i = 0; i < tp->nops && n + 1 < len; i++) {
		const struct tmpl_op	*o = &tp->ops[i];
		const char		*src = tp->text + o->off;
		char			 val[PH_VALUE_MAX];
		size_t			 vl = o->len;

		if (o->ph >= 0 && len - n >= PH_VALUE_MAX) {
			out[n] = '\0';
			placeholders[o->ph].text(&a, out + n, PH_VALUE_MAX);
			vl = strlen(out + n);
			cccd_mask(out + n, vl);
			n += vl;
			continue;
		}
		if (o->ph >= 0) {
			val[0] = '\0';
			placeholders[o->ph].text(&a, val, sizeof(val));
			vl = strlen(val);
			/* Masked alone too: template text next to it could
			 * make the number longer than 12 digits and hide it
			 * from the writer. */
			cccd_mask(val, vl);
			src = val;
		}
		if (vl > len - 1 - n)
			vl = len - 1 - n;
		memcpy(out + n, src, vl);
		n += vl;
	}
	out[n] = '\0';
	return n;
}
