/*
 * Rule engine tests on synthetic events: level gating, thresholds and
 * their window boundaries, suppression counts, exceptions and their
 * expiry, CCCD masking, Vietnamese messages, the port index, and a
 * reload (two rulesets alive, the old one freed: LeakSanitizer checks).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "alert.h"
#include "app.h"
#include "conf.h"
#include "flow.h"
#include "output.h"
#include "rules.h"
#include "rules-internal.h"
#include "types.h"
#include "yamldoc.h"
#include "test_vm.h"

static char	dir[] = "/tmp/cg-rules-XXXXXX";

static const char catalog[] =
"catalog: {id: t, standard: Test}\n"
"controls:\n"
"  - {id: NET.IDS, level: 1}\n"
"  - {id: NET.CRYPTO, level: 3}\n";

static const char rules[] =
"rules:\n"
"  - sid: 1\n"
"    name: SYN to the gateway\n"
"    category: scan\n"
"    severity: low\n"
"    level: 1\n"
"    controls: [NET.IDS]\n"
"    match: {proto: tcp, tcp_flags: S, dst: $gw, dst_port: [22, 443]}\n"
"    message: {en: \"{src_ip} knocked on {dest_ip}:{dest_port} ({category}, {severity})\",\n"
"              vi: \"{src_ip} gõ cửa {dest_ip}:{dest_port} ({category}, mức {severity})\"}\n"
"    advice: Look.\n"
"  - sid: 2\n"
"    name: Five SYNs in 10s\n"
"    category: bruteforce\n"
"    severity: high\n"
"    level: 1\n"
"    controls: [NET.IDS]\n"
"    match: {proto: tcp, tcp_flags: S, dst_port: 22}\n"
"    threshold: {by: [src_ip], count: 5, within: 10s}\n"
"    message: \"{count} SYNs from {src_ip} in {within}\"\n"
"    advice: Block.\n"
"  - sid: 3\n"
"    name: Level three only\n"
"    category: policy-violation\n"
"    severity: medium\n"
"    level: 3\n"
"    controls: [NET.CRYPTO]\n"
"    match: {proto: udp}\n"
"    message: udp\n"
"    advice: none\n"
"  - sid: 4\n"
"    name: Any UDP, suppressed\n"
"    category: anomaly\n"
"    severity: info\n"
"    level: 1\n"
"    match: {proto: udp, dst_port: 9999}\n"
"    suppress: {by: [src_ip], for: 60s}\n"
"    message: \"udp from {src_ip}, {suppressed} held back; id 079123456789\"\n"
"    advice: none\n"
"  - sid: 5\n"
"    name: Pair window, suppressed by source\n"
"    category: scan\n"
"    severity: medium\n"
"    level: 1\n"
"    match: {proto: tcp, tcp_flags: S, dst_port: 7777}\n"
"    threshold: {by: [src_ip, dst_ip], count: 3, within: 10s}\n"
"    suppress: {by: [src_ip], for: 60s}\n"
"    message: \"{count} SYNs from {src_ip} to {dest_ip}\"\n"
"    advice: none\n"
"  - sid: 6\n"
"    name: Pair window and suppression\n"
"    category: anomaly\n"
"    severity: low\n"
"    level: 1\n"
"    match: {proto: udp, dst_port: 7778}\n"
"    threshold: {by: [src_ip, dst_ip], count: 2, within: 10s}\n"
"    suppress: {by: [src_ip, dst_ip], for: 60s}\n"
"    message: \"{count} datagrams from {src_ip} to {dest_ip}, {suppressed} held back\"\n"
"    advice: none\n"
"  - sid: 7\n"
"    name: Malformed frames by pair\n"
"    category: anomaly\n"
"    severity: low\n"
"    level: 1\n"
"    match: {decode_error: any}\n"
"    threshold: {by: [src_ip, dst_ip], count: 2, within: 10s}\n"
"    message: \"{count} malformed frames\"\n"
"    advice: none\n"
"exceptions:\n"
"  - sids: [1]\n"
"    src: 10.0.0.7\n"
"    owner: SOC\n"
"    reason: scanner\n"
"    expires: 2025-01-31\n";

static char	 alerts_path[128];

static const char *
write_file(const char *name, const char *text)
{
	static char	path[256];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* A config at the given level and language, with the rules above. */
static struct config *
make_config_gw(int level, const char *lang, const char *gw)
{
	char		 text[1024], err[1024];
	struct config	*c;

	snprintf(alerts_path, sizeof(alerts_path), "%s/alerts.json", dir);
	unlink(alerts_path);
	snprintf(text, sizeof(text),
	    "sensor: {name: t1, security_level: %d, timezone: "
	    "Asia/Ho_Chi_Minh, catalog: catalog.yaml, language: %s}\n"
	    "assets:\n  gw: [%s]\n"
	    "rules: [rules.yaml]\n"
	    "outputs: {json: {path: alerts.json}}\n", level, lang, gw);
	c = config_load(write_file("canhgac.yaml", text), err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	return c;
}

static struct config *
make_config(int level, const char *lang)
{
	return make_config_gw(level, lang, "10.0.0.1");
}

/* Rules from text refused at level 1, with an error containing msg. */
static void
load_refused(const char *text, const char *msg)
{
	struct config	*c;
	char		 err[512];

	write_file("rules.yaml", text);
	c = make_config(1, "en");
	assert_null(rules_load(c, err, sizeof(err)));
	if (strstr(err, msg) == NULL)
		fail_msg("got \"%s\", want \"%s\"", err, msg);
	config_free(c);
	write_file("rules.yaml", rules);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("catalog.yaml", catalog);
	write_file("rules.yaml", rules);
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* A packet match context from pkt's own fields. */
static void
ctx_of(struct match_ctx *c, const struct packet *pkt)
{
	memset(c, 0, sizeof(*c));
	c->event = REV_PACKET;
	c->pkt = pkt;
	c->ts = pkt->ts;
	c->ipver = pkt->ipver;
	c->src = pkt->src;
	c->dst = pkt->dst;
	c->sport = pkt->sport;
	c->dport = pkt->dport;
	c->proto = pkt->proto;
	c->dir = pkt->dir;
}

/* What event_via's packets came in (packet.encap): 0 bare. */
static uint8_t	ev_encap;

/* A TCP or UDP packet event from src to dst at time sec, with payload
 * (or none). */
static void
event_via(struct rules_state *ws, struct alert_out *o, const char *src,
    const char *dst, uint8_t proto, uint16_t dport, uint8_t flags,
    const char *payload, uint64_t sec)
{
	struct packet		pkt;
	struct match_ctx	c;
	int			v6 = strchr(src, ':') != NULL;

	memset(&pkt, 0, sizeof(pkt));
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, src, pkt.src), 1);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, dst, pkt.dst), 1);
	pkt.ipver = v6 ? 6 : 4;
	pkt.proto = proto;
	pkt.sport = 40000;
	pkt.dport = dport;
	pkt.tcp_flags = flags;
	if (payload != NULL) {
		pkt.payload = (const uint8_t *)payload;
		pkt.payload_len = (uint32_t)strlen(payload);
	}
	pkt.ts = sec * 1000000;
	pkt.flags = PKT_L4;
	pkt.encap = ev_encap;
	ctx_of(&c, &pkt);
	rules_match_state(ws, &c, o);
}

static void
event_payload(struct ruleset *rs, struct alert_out *o, const char *src,
    const char *dst, uint8_t proto, uint16_t dport, uint8_t flags,
    const char *payload, uint64_t sec)
{
	event_via(rules_main_state(rs), o, src, dst, proto, dport, flags,
	    payload, sec);
}

static void
event(struct ruleset *rs, struct alert_out *o, const char *src,
    const char *dst, uint8_t proto, uint16_t dport, uint8_t flags,
    uint64_t sec)
{
	event_payload(rs, o, src, dst, proto, dport, flags, NULL, sec);
}

/* The set's counters, summed over its states. */
static struct rule_stats
stats_of(const struct ruleset *rs)
{
	struct rule_stats	st;

	rules_stats(rs, &st);
	return st;
}

static uint64_t
regex_limited_of(const struct ruleset *rs, uint32_t sid)
{
	struct rule_info	ri;
	size_t			i;

	for (i = 0; rules_info(rs, i, &ri) == 0; i++)
		if (ri.sid == sid)
			return ri.regex_limited;
	fail_msg("no rule %u", sid);
	return 0;
}

/* The alerts written so far, as JSON objects. */
static json_t *
read_alerts(void)
{
	json_t	*arr = json_array();
	char	 line[16384];
	FILE	*fp = fopen(alerts_path, "r");

	if (fp == NULL)
		return arr;
	while (fgets(line, sizeof(line), fp) != NULL) {
		json_error_t	 e;
		json_t		*j = json_loads(line, 0, &e);

		if (j == NULL)
			fail_msg("bad alert line: %s", line);
		json_array_append_new(arr, j);
	}
	fclose(fp);
	return arr;
}

static int
count_sid(json_t *arr, int sid)
{
	size_t	 i, n = 0;
	json_t	*a;

	json_array_foreach(arr, i, a)
		if (json_integer_value(json_object_get(json_object_get(a,
		    "alert"), "signature_id")) == sid)
			n++;
	return (int)n;
}

static json_t *
nth_sid(json_t *arr, int sid, int nth)
{
	size_t	 i;
	json_t	*a;

	json_array_foreach(arr, i, a)
		if (json_integer_value(json_object_get(json_object_get(a,
		    "alert"), "signature_id")) == sid && nth-- == 0)
			return json_object_get(a, "alert");
	return NULL;
}

/* The message of the nth alert of sid. */
static const char *
msg_of(json_t *arr, int sid, int nth)
{
	return json_string_value(json_object_get(nth_sid(arr, sid, nth),
	    "message"));
}

/*
 * The alerts written so far: n of sid, m of sid2, and the last of sid2
 * says that sup were held back before it.
 */
static void
assert_alerts(int sid, int n, int sid2, int m, int sup)
{
	json_t	*al = read_alerts();

	assert_int_equal(count_sid(al, sid), n);
	assert_int_equal(count_sid(al, sid2), m);
	assert_int_equal(json_integer_value(json_object_get(nth_sid(al, sid2,
	    m - 1), "suppressed")), sup);
	json_decref(al);
}

static void
test_levels_and_index(void **state)
{
	struct config		*c;
	struct ruleset		*rs;
	struct alert_out	*o;
	char			 err[512];
	json_t			*al;

	(void)state;
	c = make_config(2, "en");
	rs = rules_load(c, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	assert_int_equal(rules_count(rs, 1), 6);
	assert_int_equal(rules_count(rs, 0), 1);	/* sid 3 needs L3 */
	o = alert_out_new(c, NULL, err, sizeof(err));
	assert_non_null(o);
	/* Port 443 SYN: sid 1; port 80: none; a SYN-ACK: none. */
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 443, TH_SYN,
	    1735700000);
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 80, TH_SYN,
	    1735700000);
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 443,
	    TH_SYN | TH_ACK, 1735700000);
	event(rs, o, "10.0.0.9", "10.0.0.2", PROTO_TCP, 443, TH_SYN,
	    1735700000);
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_UDP, 53, 0, 1735700000);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 1), 1);
	assert_int_equal(count_sid(al, 3), 0);
	assert_string_equal(json_string_value(json_object_get(nth_sid(al, 1,
	    0), "message")), "10.0.0.9 knocked on 10.0.0.1:443 (scan, low)");
	json_decref(al);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);

	/* The same rules at level 3: sid 3 runs. */
	c = make_config(3, "en");
	rs = rules_load(c, err, sizeof(err));
	assert_non_null(rs);
	assert_int_equal(rules_count(rs, 1), 7);
	o = alert_out_new(c, NULL, err, sizeof(err));
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_UDP, 53, 0, 1735700000);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 3), 1);
	json_decref(al);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
}

static void
test_threshold_window(void **state)
{
	struct config		*c = make_config(1, "en");
	struct ruleset		*rs;
	struct alert_out	*o;
	char			 err[512];
	json_t			*al;
	int			 i;

	(void)state;
	rs = rules_load(c, err, sizeof(err));
	o = alert_out_new(c, NULL, err, sizeof(err));
	/* 4 SYNs: nothing; the 5th at 9s: one alert; 6th-9th: none. */
	for (i = 0; i < 9; i++)
		event(rs, o, "10.0.0.5", "10.0.0.50", PROTO_TCP, 22, TH_SYN,
		    1735700000 + (uint64_t)i);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 2), 1);
	assert_int_equal(json_integer_value(json_object_get(nth_sid(al, 2, 0),
	    "count")), 5);
	assert_string_equal(json_string_value(json_object_get(nth_sid(al, 2,
	    0), "message")), "5 SYNs from 10.0.0.5 in 10s");
	json_decref(al);
	/* At exactly start + 10s a new window starts: 5 more, one alert. */
	for (i = 0; i < 5; i++)
		event(rs, o, "10.0.0.5", "10.0.0.50", PROTO_TCP, 22, TH_SYN,
		    1735700010 + (uint64_t)i);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 2), 2);
	json_decref(al);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
}

static void
test_suppression_and_masking(void **state)
{
	struct config		*c = make_config(1, "en");
	struct ruleset		*rs;
	struct alert_out	*o;
	char			 err[512];
	json_t			*al;
	const char		*msg;

	(void)state;
	rs = rules_load(c, err, sizeof(err));
	o = alert_out_new(c, NULL, err, sizeof(err));
	event(rs, o, "10.0.0.5", "10.0.0.50", PROTO_UDP, 9999, 0, 1735700000);
	event(rs, o, "10.0.0.5", "10.0.0.51", PROTO_UDP, 9999, 0, 1735700010);
	event(rs, o, "10.0.0.5", "10.0.0.52", PROTO_UDP, 9999, 0, 1735700020);
	event(rs, o, "10.0.0.6", "10.0.0.52", PROTO_UDP, 9999, 0, 1735700020);
	event(rs, o, "10.0.0.5", "10.0.0.53", PROTO_UDP, 9999, 0, 1735700061);
	alert_out_flush(o);
	al = read_alerts();
	/* 10.0.0.5: first, then two held back, then one reporting 2. */
	assert_int_equal(count_sid(al, 4), 3);
	msg = json_string_value(json_object_get(nth_sid(al, 4, 2), "message"));
	assert_string_equal(msg, "udp from 10.0.0.5, 2 held back; id "
	    "079*******89");
	assert_int_equal(json_integer_value(json_object_get(nth_sid(al, 4, 2),
	    "suppressed")), 2);
	json_decref(al);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
}

/*
 * Two matchers of one set (workers): thresholds and suppression count
 * across both, as if one had seen every event; the counters the queries
 * and a reload read are the sum of both.
 */
static void
test_two_states(void **state)
{
	struct config		*c = make_config(1, "en");
	struct ruleset		*rs, *rs2;
	struct rules_state	*w[2];
	struct alert_out	*o;
	struct rule_info	 ri;
	char			 err[512];
	uint64_t		 hits, expired;
	size_t			 i;
	int			 k;

	(void)state;
	rs = rules_load(c, err, sizeof(err));
	assert_non_null(rs);
	w[0] = rules_main_state(rs);
	w[1] = rules_state_new(rs);
	assert_non_null(w[1]);
	assert_ptr_not_equal(w[0], w[1]);
	o = alert_out_new(c, NULL, err, sizeof(err));
	/* Rule 2: five SYNs from one source in 10 s, split over both. */
	for (k = 0; k < 5; k++)
		event_via(w[k & 1], o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 22,
		    TH_SYN, NULL, 1735700000 + (uint64_t)k);
	/* Rule 4: suppressed by source for 60 s, whichever state saw it. */
	event_via(w[0], o, "10.0.0.5", "10.0.0.50", PROTO_UDP, 9999, 0, NULL,
	    1735700000);
	event_via(w[1], o, "10.0.0.5", "10.0.0.51", PROTO_UDP, 9999, 0, NULL,
	    1735700010);
	event_via(w[1], o, "10.0.0.5", "10.0.0.53", PROTO_UDP, 9999, 0, NULL,
	    1735700061);
	/* Rule 1's exception: silenced in one state, expired in the other. */
	event_via(w[0], o, "10.0.0.7", "10.0.0.1", PROTO_TCP, 22, TH_SYN,
	    NULL, 1738342740);
	event_via(w[1], o, "10.0.0.7", "10.0.0.1", PROTO_TCP, 22, TH_SYN,
	    NULL, 1738342801);
	alert_out_flush(o);
	assert_alerts(2, 1, 4, 2, 1);
	assert_int_equal(stats_of(rs).excepted, 1);
	/* Rule 1 five times, rule 2 once, rule 4 twice, rule 1 expired. */
	assert_int_equal(stats_of(rs).alerts, 5 + 1 + 2 + 1);
	rules_exception_hits(rs, rules_exception_get(rs, 0), &hits, &expired);
	assert_int_equal(hits, 1);
	assert_int_equal(expired, 1);
	for (i = 0; rules_info(rs, i, &ri) == 0 && ri.sid != 4; i++)
		;
	assert_int_equal(ri.hits, 2);
	assert_int_equal(ri.matches, 3);
	assert_int_equal(ri.last_hit, 1735700061ULL * 1000000);
	assert_int_equal(rules_now(rs), 1738342801ULL * 1000000);
	/* A reload carries the sums into the new set's main state. */
	rs2 = rules_load(c, err, sizeof(err));
	assert_non_null(rs2);
	rules_carry_counters(rs2, rs, NULL);
	rules_free(rs);
	for (i = 0; rules_info(rs2, i, &ri) == 0 && ri.sid != 4; i++)
		;
	assert_int_equal(ri.hits, 2);
	assert_int_equal(stats_of(rs2).alerts, 9);
	rules_exception_hits(rs2, rules_exception_get(rs2, 0), &hits,
	    &expired);
	assert_int_equal(hits + expired, 2);
	alert_out_free(o);
	rules_free(rs2);
	config_free(c);
}

/* A frame whose IPv4 header is bad (IHL under 5): decode leaves its
 * addresses zero and ipver 0. */
static void
malformed_via(struct rules_state *ws, struct alert_out *o, uint64_t sec)
{
	struct packet		pkt;
	struct match_ctx	c;

	memset(&pkt, 0, sizeof(pkt));
	pkt.err = DE_IPV4_HLEN;
	pkt.ts = sec * 1000000;
	ctx_of(&c, &pkt);
	rules_match_state(ws, &c, o);
}

/*
 * The events of test_own_tables, each pair to the state its worker
 * would have (w[0] for 10.0.5.1, w[1] for 10.0.5.2 and .3); one state
 * for all when both are the same.
 */
static void
own_events(struct rules_state *w0, struct rules_state *w1,
    struct alert_out *o)
{
	int	k;

	/* Rule 5: both pairs reach three SYNs; suppressed by source. */
	for (k = 0; k < 3; k++) {
		event_via(w0, o, "10.0.5.9", "10.0.5.1", PROTO_TCP, 7777,
		    TH_SYN, NULL, 1735700000 + (uint64_t)k);
		event_via(w1, o, "10.0.5.9", "10.0.5.2", PROTO_TCP, 7777,
		    TH_SYN, NULL, 1735700000 + (uint64_t)k);
	}
	/* Rule 6: two datagrams alert for each pair; the first pair's
	 * next window is held back by its suppression, the one after it
	 * alerts. */
	for (k = 0; k < 2; k++) {
		event_via(w0, o, "10.0.5.9", "10.0.5.1", PROTO_UDP, 7778, 0,
		    NULL, 1735700000 + (uint64_t)k);
		event_via(w1, o, "10.0.5.9", "10.0.5.2", PROTO_UDP, 7778, 0,
		    NULL, 1735700000 + (uint64_t)k);
	}
	for (k = 0; k < 4; k++)
		event_via(w0, o, "10.0.5.9", "10.0.5.1", PROTO_UDP, 7778, 0,
		    NULL, 1735700000 + (k < 2 ? 20 : 70) + (uint64_t)k);
	/* Rule 7: two frames cut short before their addresses, whose
	 * zeros are one key, sent to two workers by their real header. */
	malformed_via(w0, o, 1735700000);
	malformed_via(w1, o, 1735700001);
	/* Rule 5, a third pair: two of its three SYNs (one after a
	 * reload, in test_own_tables). */
	for (k = 0; k < 2; k++)
		event_via(w1, o, "10.0.5.8", "10.0.5.3", PROTO_TCP, 7777,
		    TH_SYN, NULL, 1735700080 + (uint64_t)k);
	alert_out_flush(o);
}

/*
 * Packet workers count the windows of rules keyed by both addresses in
 * their own tables (rules_split_thresholds): the same alerts as one
 * matcher, a source's suppression still shared by both, the counters
 * summed, and a window in progress carried over a reload to the state
 * of the same worker.
 */
enum own_reload {
	OWN_CARRY,		/* rules_carry_counters, states made before */
	OWN_PLANNED,		/* as the reload's thread and swap do it */
	OWN_STALE_PLAN,		/* a plan made for another set */
};

static void
own_tables(enum own_reload how)
{
	struct config		*c = make_config(1, "en");
	struct ruleset		*rs, *rs2, *rs3;
	struct rules_state	*w[2], *n[2];
	struct rules_carry_plan	*plan = NULL;
	struct alert_out	*o;
	struct thr_stats	 one, two;
	char			 err[512];
	json_t			*al;

	/* One matcher: what two must give. */
	rs = rules_load(c, err, sizeof(err));
	assert_non_null(rs);
	o = alert_out_new(c, NULL, err, sizeof(err));
	own_events(rules_main_state(rs), rules_main_state(rs), o);
	assert_alerts(5, 1, 6, 3, 1);
	assert_alerts(7, 1, 6, 3, 1);
	rules_threshold_stats(rs, &one);
	alert_out_free(o);
	rules_free(rs);
	unlink(alerts_path);

	rs = rules_load(c, err, sizeof(err));
	assert_non_null(rs);
	w[0] = rules_main_state(rs);
	w[1] = rules_state_new(rs);
	rules_split_thresholds(rs);
	assert_non_null(w[0]->thr_own);
	assert_non_null(w[1]->thr_own);
	o = alert_out_new(c, NULL, err, sizeof(err));
	own_events(w[0], w[1], o);
	assert_alerts(5, 1, 6, 3, 1);
	assert_alerts(7, 1, 6, 3, 1);
	rules_threshold_stats(rs, &two);
	/* Keys expire by each table's own clock: only some live. */
	assert_true(two.keys > 0);
	assert_true(two.bytes > one.bytes);
	assert_int_equal(two.suppressed, one.suppressed);
	assert_int_equal(two.evicted, 0);
	/* The third pair's window goes on in w[1]'s successor. */
	rs2 = rules_load(c, err, sizeof(err));
	assert_non_null(rs2);
	n[0] = rules_main_state(rs2);
	switch (how) {
	case OWN_CARRY:
		n[1] = rules_state_new(rs2);
		rules_split_thresholds(rs2);
		rules_carry_counters(rs2, rs, NULL);
		break;
	case OWN_PLANNED:
		assert_int_equal(rules_worker_states(rs2, 1), 0);
		plan = rules_carry_plan_new(rs2, rs);
		assert_non_null(plan);
		n[1] = rules_state_nth(rs2, 1);
		assert_non_null(n[1]);
		assert_non_null(n[1]->thr_own);
		assert_null(rules_state_nth(rs2, 2));
		/* Made already: the swap's call changes nothing. */
		assert_int_equal(rules_worker_states(rs2, 1), 0);
		assert_ptr_equal(rules_state_nth(rs2, 1), n[1]);
		rules_carry_counters(rs2, rs, plan);
		break;
	case OWN_STALE_PLAN:
		/* Made against a set that is not the one carried from: the
		 * carry makes its own, and the window still goes on. */
		rs3 = rules_load(c, err, sizeof(err));
		assert_non_null(rs3);
		plan = rules_carry_plan_new(rs2, rs3);
		rules_free(rs3);
		assert_int_equal(rules_worker_states(rs2, 1), 0);
		n[1] = rules_state_nth(rs2, 1);
		rules_carry_counters(rs2, rs, plan);
		break;
	}
	rules_carry_plan_free(plan);
	rules_free(rs);
	event_via(n[1], o, "10.0.5.8", "10.0.5.3", PROTO_TCP, 7777, TH_SYN,
	    NULL, 1735700082);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 5), 2);
	json_decref(al);
	while (rules_carry_step(rs2))
		;
	rules_state_tick(n[1]);
	rules_threshold_stats(rs2, &two);
	assert_true(two.keys > 0);
	alert_out_free(o);
	rules_free(rs2);
	(void)n[0];
	config_free(c);
}

static void
test_own_tables(void **state)
{
	(void)state;
	own_tables(OWN_CARRY);
}

/* A reload's thread makes the workers' states and the carry's plan;
 * the swap only follows it: the same windows go on. */
static void
test_own_tables_planned(void **state)
{
	(void)state;
	own_tables(OWN_PLANNED);
}

static void
test_own_tables_stale_plan(void **state)
{
	(void)state;
	own_tables(OWN_STALE_PLAN);
}

/* Sources of test_threads, each sending events from both threads. */
#define MT_SRCS		2000

struct mt_arg {
	struct rules_state	*ws;
	struct alert_out	*o;
	int			 me;		/* 0 or 1 */
};

/*
 * Each source's five SYNs and four UDP datagrams, the ones whose
 * number has the parity me: the two threads race on every key.
 */
static void *
mt_run(void *arg)
{
	struct mt_arg	*a = arg;
	char		 src[32];
	int		 j, k;

	for (j = 0; j < MT_SRCS; j++) {
		snprintf(src, sizeof(src), "10.%d.%d.%d", 1 + j / 62500,
		    j / 250 % 250, j % 250 + 1);
		for (k = 0; k < 9; k++) {
			if ((j + k) % 2 != a->me)
				continue;
			if (k < 5)
				event_via(a->ws, a->o, src, "10.0.0.1",
				    PROTO_TCP, 22, TH_SYN, NULL, 1735700000);
			else
				event_via(a->ws, a->o, src, "10.0.0.60",
				    PROTO_UDP, 9999, 0, NULL, 1735700000);
		}
	}
	alert_out_flush(a->o);
	return NULL;
}

/*
 * Two threads match one set at once, each with its own state and alert
 * output: every source's threshold (rule 2, five SYNs) fires once and
 * its suppression (rule 4) lets one alert through, as one matcher
 * would; the counters sum to the same; no line is torn.
 */
static void
test_threads(void **state)
{
	struct config		*c = make_config(1, "en");
	struct ruleset		*rs;
	struct mt_arg		 a[2];
	pthread_t		 t[2];
	struct thr_stats	 ts;
	struct rule_info	 ri;
	char			 err[512];
	json_t			*al;
	size_t			 i;
	int			 k;

	(void)state;
	rs = rules_load(c, err, sizeof(err));
	assert_non_null(rs);
	for (k = 0; k < 2; k++) {
		a[k].ws = k == 0 ? rules_main_state(rs) : rules_state_new(rs);
		a[k].o = alert_out_new(c, NULL, err, sizeof(err));
		a[k].me = k;
		assert_non_null(a[k].ws);
		assert_non_null(a[k].o);
	}
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, mt_run, &a[k]), 0);
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_join(t[k], NULL), 0);
	al = read_alerts();
	assert_int_equal(count_sid(al, 1), 5 * MT_SRCS);
	assert_int_equal(count_sid(al, 2), MT_SRCS);
	assert_int_equal(count_sid(al, 4), MT_SRCS);
	json_decref(al);
	rules_threshold_stats(rs, &ts);
	assert_int_equal(ts.evicted, 0);
	assert_int_equal(stats_of(rs).alerts, 7 * MT_SRCS);
	for (i = 0; rules_info(rs, i, &ri) == 0 && ri.sid != 4; i++)
		;
	assert_int_equal(ri.matches, 4 * MT_SRCS);
	assert_int_equal(ri.hits, MT_SRCS);
	for (k = 0; k < 2; k++)
		alert_out_free(a[k].o);
	rules_free(rs);
	config_free(c);
}

static void
test_exception_expiry(void **state)
{
	struct config		*c = make_config(1, "en");
	struct ruleset		*rs;
	struct alert_out	*o;
	char			 err[512];
	json_t			*al;

	(void)state;
	rs = rules_load(c, err, sizeof(err));
	o = alert_out_new(c, NULL, err, sizeof(err));
	/* 2025-01-31 23:59 +07 = 16:59 UTC: still silenced. */
	event(rs, o, "10.0.0.7", "10.0.0.1", PROTO_TCP, 22, TH_SYN,
	    1738342740);
	/* 2025-02-01 00:00:01 +07: expired, so it alerts. */
	event(rs, o, "10.0.0.7", "10.0.0.1", PROTO_TCP, 22, TH_SYN,
	    1738342801);
	/* Another source was never excepted. */
	event(rs, o, "10.0.0.8", "10.0.0.1", PROTO_TCP, 22, TH_SYN,
	    1738342740);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 1), 2);
	assert_int_equal(stats_of(rs).excepted, 1);
	json_decref(al);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
}

static void
test_vietnamese(void **state)
{
	struct config		*c = make_config(1, "vi");
	struct ruleset		*rs;
	struct alert_out	*o;
	char			 err[512];
	json_t			*al;

	(void)state;
	rs = rules_load(c, err, sizeof(err));
	o = alert_out_new(c, NULL, err, sizeof(err));
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 22, TH_SYN,
	    1735700000);
	alert_out_flush(o);
	al = read_alerts();
	assert_string_equal(json_string_value(json_object_get(nth_sid(al, 1,
	    0), "message")), "10.0.0.9 gõ cửa 10.0.0.1:22 (dò quét, mức thấp)");
	json_decref(al);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
}

/* A reload builds a second set while the first is live, then frees it. */
static void
test_reload(void **state)
{
	struct config	*c1 = make_config(1, "en"), *c2;
	struct ruleset	*a, *b;
	char		 err[512];

	(void)state;
	a = rules_load(c1, err, sizeof(err));
	assert_non_null(a);
	write_file("rules.yaml", "rules:\n  - sid: 77\n    name: n\n"
	    "    category: scan\n    severity: low\n    level: 1\n"
	    "    match: {proto: icmp}\n    message: m\n    advice: a\n");
	c2 = make_config(1, "en");
	b = rules_load(c2, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(rules_count(b, 1), 1);
	assert_int_equal(rules_count(a, 1), 6);
	rules_free(a);
	config_free(c1);
	/* A broken file fails as a whole, with its position. */
	write_file("rules.yaml", "rules:\n  - sid: 78\n    name: n\n"
	    "    category: scna\n");
	{
		struct config *c3 = make_config(1, "en");

		assert_null(rules_load(c3, err, sizeof(err)));
		assert_non_null(strstr(err, "rules.yaml:4:15:"));
		assert_non_null(strstr(err, "did you mean \"scan\""));
		config_free(c3);
	}
	rules_free(b);
	config_free(c2);
	write_file("rules.yaml", rules);
}

/* The source address of the first alert of sid. */
static const char *
sid_src(json_t *arr, int sid)
{
	size_t	 i;
	json_t	*a;

	json_array_foreach(arr, i, a)
		if (json_integer_value(json_object_get(json_object_get(a,
		    "alert"), "signature_id")) == sid)
			return json_string_value(json_object_get(a, "src_ip"));
	return "";
}

/* The test's TCP flow: client 10.0.0.9:40000, server (gw) 10.0.0.1:8080. */
static void
tcp_flow(struct flow *f)
{
	memset(f, 0, sizeof(*f));
	inet_pton(AF_INET, "10.0.0.9", f->caddr);
	inet_pton(AF_INET, "10.0.0.1", f->saddr);
	f->cport = 40000;
	f->sport = 8080;
	f->ipver = 4;
	f->proto = PROTO_TCP;
}

/* A TCP packet of flow f in direction dir (0: client to server). */
static void
flow_event(struct ruleset *rs, struct alert_out *o, struct flow *f,
    int d, uint8_t flags)
{
	struct packet		pkt;
	struct match_ctx	c;

	memset(&pkt, 0, sizeof(pkt));
	memcpy(pkt.src, d ? f->saddr : f->caddr, 4);
	memcpy(pkt.dst, d ? f->caddr : f->saddr, 4);
	pkt.ipver = 4;
	pkt.proto = PROTO_TCP;
	pkt.sport = d ? f->sport : f->cport;
	pkt.dport = d ? f->cport : f->sport;
	pkt.tcp_flags = flags;
	pkt.ts = 1735700000ULL * 1000000;
	pkt.flags = PKT_L4;
	pkt.dir = (uint8_t)d;
	ctx_of(&c, &pkt);
	c.flow = f;
	rules_match_state(rules_main_state(rs), &c, o);
}

/*
 * What a flow caches (address-set answers, rules whose per-flow keys
 * failed) is per direction and per rule set: a reply still meets the
 * rules its request failed, and a reload's new asset values apply to
 * flows already open.
 */
static void
test_flow_caches(void **state)
{
	struct config	*c1, *c2;
	struct ruleset	*a, *b;
	struct alert_out *o;
	struct flow	 f;
	char		 err[512];
	json_t		*arr;

	(void)state;
	write_file("rules.yaml", "rules:\n"
	    "  - sid: 81\n    name: to gw\n    category: policy-violation\n"
	    "    severity: low\n    level: 1\n"
	    "    match: {proto: tcp, dst: $gw}\n    message: m\n    advice: a\n"
	    "  - sid: 82\n    name: from gw\n    category: policy-violation\n"
	    "    severity: low\n    level: 1\n"
	    "    match: {proto: tcp, src: $gw}\n    message: m\n    advice: a\n"
	    "  - sid: 83\n    name: SYN-ACK from gw\n    category: scan\n"
	    "    severity: low\n    level: 1\n"
	    "    match: {tcp_flags: SA, src: $gw}\n    message: m\n"
	    "    advice: a\n");
	tcp_flow(&f);

	c1 = make_config_gw(1, "en", "10.0.0.1");
	a = rules_load(c1, err, sizeof(err));
	assert_non_null(a);
	o = alert_out_new(c1, NULL, err, sizeof(err));
	assert_non_null(o);
	flow_event(a, o, &f, 0, TH_SYN);	/* 81 */
	flow_event(a, o, &f, 0, TH_ACK);	/* 81 again, 82 dead */
	flow_event(a, o, &f, 1, TH_SYN | TH_ACK);	/* 82 and 83 */
	flow_event(a, o, &f, 1, TH_ACK);	/* 82 */
	alert_out_free(o);
	arr = read_alerts();
	assert_int_equal(count_sid(arr, 81), 2);
	assert_int_equal(count_sid(arr, 82), 2);
	assert_int_equal(count_sid(arr, 83), 1);
	json_decref(arr);

	/* Reloaded with another gateway: the open flow is judged anew. */
	c2 = make_config_gw(1, "en", "10.0.0.9");
	b = rules_load(c2, err, sizeof(err));
	assert_non_null(b);
	o = alert_out_new(c2, NULL, err, sizeof(err));
	assert_non_null(o);
	flow_event(b, o, &f, 0, TH_ACK);	/* now 82: from 10.0.0.9 */
	flow_event(b, o, &f, 1, TH_ACK);	/* now 81: to 10.0.0.9 */
	alert_out_free(o);
	arr = read_alerts();
	assert_int_equal(count_sid(arr, 81), 1);
	assert_int_equal(count_sid(arr, 82), 1);
	/* From the new gateway, and to it: not the old answers. */
	assert_string_equal(sid_src(arr, 82), "10.0.0.9");
	assert_string_equal(sid_src(arr, 81), "10.0.0.1");
	json_decref(arr);
	rules_free(a);
	rules_free(b);
	config_free(c1);
	config_free(c2);
	write_file("rules.yaml", rules);
}

/* An application record from 10.0.0.9 to 10.0.0.1. */
static void
app_event(struct ruleset *rs, struct alert_out *o,
    const struct app_result *app)
{
	struct packet		pkt;
	struct match_ctx	c;

	memset(&pkt, 0, sizeof(pkt));
	inet_pton(AF_INET, "10.0.0.9", pkt.src);
	inet_pton(AF_INET, "10.0.0.1", pkt.dst);
	pkt.ipver = 4;
	pkt.proto = app->have == APPR_DNS ? PROTO_UDP : PROTO_TCP;
	pkt.sport = 40000;
	pkt.dport = app->have == APPR_DNS ? 53 : 443;
	pkt.ts = 1735700000ULL * 1000000;
	ctx_of(&c, &pkt);
	c.app = app;
	rules_match_state(rules_main_state(rs), &c, o);
}

/* An application record (TLS ClientHello, DNS or HTTP) naming name. */
static void
name_event(struct ruleset *rs, struct alert_out *o, uint32_t have,
    const char *name)
{
	static struct app_result app;

	memset(&app, 0, sizeof(app));
	app.have = have;
	snprintf(app.tls.sni, sizeof(app.tls.sni), "%s", name);
	snprintf(app.dns.qname, sizeof(app.dns.qname), "%s", name);
	app.dns.qdcount = 1;
	snprintf(app.http.host, sizeof(app.http.host), "%s", name);
	app_event(rs, o, &app);
}

/*
 * Rules on exact names and "*." suffixes are found by the name's hash:
 * case-insensitive, a suffix at every parent, never a partial label,
 * only for their own record type, several rules on one name.
 */
static void
test_name_index(void **state)
{
	struct config	*c;
	struct ruleset	*rs;
	struct alert_out *o;
	char		 err[512];
	json_t		*arr;

	(void)state;
	write_file("rules.yaml", "rules:\n"
	    "  - sid: 91\n    name: sni\n    category: policy-violation\n"
	    "    severity: low\n    level: 1\n"
	    "    match: {tls.sni: [Evil.Example, \"*.bad.example\"]}\n"
	    "    message: m\n    advice: a\n"
	    "  - sid: 92\n    name: dns\n    category: policy-violation\n"
	    "    severity: low\n    level: 1\n"
	    "    match: {dns.query: \"*.bad.example\"}\n"
	    "    message: m\n    advice: a\n"
	    "  - sid: 93\n    name: host, same name as 91\n"
	    "    category: policy-violation\n    severity: low\n    level: 1\n"
	    "    match: {http.host: evil.example}\n"
	    "    message: m\n    advice: a\n"
	    "  - sid: 94\n    name: sni also\n    category: policy-violation\n"
	    "    severity: low\n    level: 1\n"
	    "    match: {tls.sni: evil.example, dst: $gw}\n"
	    "    message: m\n    advice: a\n"
	    "  - sid: 95\n    name: as DNS writes it\n"
	    "    category: policy-violation\n    severity: low\n    level: 1\n"
	    "    match: {dns.query: Fqdn.Example.}\n"
	    "    message: m\n    advice: a\n");
	c = make_config(1, "en");
	rs = rules_load(c, err, sizeof(err));
	assert_non_null(rs);
	o = alert_out_new(c, NULL, err, sizeof(err));
	assert_non_null(o);
	name_event(rs, o, APPR_TLS_CH, "EVIL.example");	/* 91, 94 */
	name_event(rs, o, APPR_TLS_CH, "a.b.Bad.Example");	/* 91 */
	name_event(rs, o, APPR_TLS_CH, "bad.example");	/* none */
	name_event(rs, o, APPR_TLS_CH, "notbad.example");	/* none */
	name_event(rs, o, APPR_TLS_CH, "x.evil.example");	/* none */
	name_event(rs, o, APPR_DNS, "evil.example");	/* none */
	name_event(rs, o, APPR_DNS, "www.bad.example");	/* 92 */
	name_event(rs, o, APPR_HTTP, "Evil.Example");	/* 93 */
	/* The name with its trailing dot (a Host header may carry one,
	 * and servers take it) is the same name: it slipped past all. */
	name_event(rs, o, APPR_HTTP, "evil.example.");	/* 93 */
	name_event(rs, o, APPR_TLS_CH, "x.Bad.Example.");	/* 91 */
	name_event(rs, o, APPR_DNS, "www.bad.example.");	/* 92 */
	name_event(rs, o, APPR_TLS_CH, ".");	/* none */
	/* A pattern with the dot: it matched nothing. */
	name_event(rs, o, APPR_DNS, "fqdn.example");	/* 95 */
	alert_out_free(o);
	arr = read_alerts();
	assert_int_equal(count_sid(arr, 91), 3);
	assert_int_equal(count_sid(arr, 92), 2);
	assert_int_equal(count_sid(arr, 93), 2);
	assert_int_equal(count_sid(arr, 94), 1);
	assert_int_equal(count_sid(arr, 95), 1);
	assert_int_equal(json_array_size(arr), 9);
	json_decref(arr);
	rules_free(rs);
	config_free(c);
	write_file("rules.yaml", rules);
}

/*
 * A message of five long URLs, a '9' between them, runs past the 2,047
 * bytes an alert's text holds: the first four placeholders are written
 * in place, the fifth through the scratch buffer. Each URL ends in a
 * citizen ID that the '9' after it would hide from the writer (thirteen
 * digits): only masking the value alone shows it masked. The fifth's
 * other ID, which the cut splits, is masked before the cut, never shown
 * in part.
 */
static void
test_expand_cut(void **state)
{
	static struct app_result app;
	struct config		*c;
	struct ruleset		*rs;
	struct alert_out	*o;
	char			 err[512], uri[501], masked[501], want[2048];
	size_t			 i, n = 0;
	json_t			*arr;
	const char		*msg;

	(void)state;
	/* 500 bytes: the IDs at 40 (2,044 to 2,055 in the fifth copy,
	 * across the cut) and at 488, the end. */
	for (i = 0; i < 500; i++)
		uri[i] = (char)('a' + i % 26);
	uri[0] = '/';
	memcpy(uri + 40, "079123456789", 12);
	memcpy(uri + 488, "079123456789", 12);
	uri[500] = '\0';
	memcpy(masked, uri, sizeof(masked));
	memcpy(masked + 43, "*******", 7);
	memcpy(masked + 491, "*******", 7);
	for (i = 0; i < 5 && n < sizeof(want) - 1; i++) {
		size_t k = sizeof(want) - 1 - n < 500 ?
		    sizeof(want) - 1 - n : 500;

		memcpy(want + n, masked, k);
		n += k;
		if (i < 4 && n < sizeof(want) - 1)
			want[n++] = '9';
	}
	want[n] = '\0';
	write_file("rules.yaml", "rules:\n"
	    "  - sid: 95\n    name: long\n    category: policy-violation\n"
	    "    severity: low\n    level: 1\n"
	    "    match: {http.host: cut.example}\n"
	    "    message: \"{url}9{url}9{url}9{url}9{url}\"\n    advice: a\n");
	c = make_config(1, "en");
	rs = rules_load(c, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	o = alert_out_new(c, NULL, err, sizeof(err));
	assert_non_null(o);
	memset(&app, 0, sizeof(app));
	app.have = APPR_HTTP;
	snprintf(app.http.host, sizeof(app.http.host), "cut.example");
	memcpy(app.http.uri, uri, sizeof(uri));
	app_event(rs, o, &app);
	alert_out_free(o);
	arr = read_alerts();
	assert_int_equal(count_sid(arr, 95), 1);
	msg = json_string_value(json_object_get(nth_sid(arr, 95, 0),
	    "message"));
	assert_non_null(msg);
	assert_int_equal(strlen(msg), 2047);
	assert_string_equal(msg, want);
	assert_null(strstr(msg, "0791234"));
	json_decref(arr);
	rules_free(rs);
	config_free(c);
	write_file("rules.yaml", rules);
}

/* supersedes, tcp_flags with '!', decode_error {not: …}. */
static void
test_language_extensions(void **state)
{
	struct config		*c;
	struct ruleset		*rs;
	struct alert_out	*o;
	char			 err[512];
	json_t			*al;

	(void)state;
	write_file("rules.yaml",
	    "rules:\n"
	    "  - {sid: 10, name: base, category: scan, severity: low, "
	    "level: 1, match: {proto: tcp, tcp_flags: F, dst_port: 80}, "
	    "message: m, advice: a}\n"
	    "  - {sid: 11, name: tier, category: scan, severity: low, "
	    "level: 3, supersedes: [10], match: {proto: tcp, tcp_flags: "
	    "\"F!PU\", dst_port: 80}, message: m, advice: a}\n"
	    "  - {sid: 12, name: bad, category: anomaly, severity: low, "
	    "level: 1, match: {decode_error: {not: [tcp_bad_flags, "
	    "tcp_bad_option]}}, message: m, advice: a}\n");
	/* At level 1 the base rule runs; at level 3 only its tier. */
	c = make_config(1, "en");
	rs = rules_load(c, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	assert_int_equal(rules_count(rs, 1), 2);
	rules_free(rs);
	config_free(c);
	c = make_config(3, "en");
	rs = rules_load(c, err, sizeof(err));
	assert_non_null(rs);
	assert_int_equal(rules_count(rs, 1), 2);
	assert_int_equal(rules_count(rs, 0), 1);
	o = alert_out_new(c, NULL, err, sizeof(err));
	/* A bare FIN alerts; an XMAS probe (FIN PSH URG) does not. */
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 80, TH_FIN,
	    1735700000);
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 80,
	    TH_FIN | TH_PUSH | TH_URG, 1735700001);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 10), 0);
	assert_int_equal(count_sid(al, 11), 1);
	json_decref(al);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
	/* A flag both set and clear is refused. */
	load_refused("rules:\n  - {sid: 13, name: n, category: "
	    "scan, severity: low, level: 1, match: {tcp_flags: \"S!S\"}, "
	    "message: m, advice: a}\n", "both set and clear");
}

/* Rules from text, loaded at level 1 with gw, and an alert output. */
static struct ruleset *
load_text(const char *text, const char *gw, struct config **c,
    struct alert_out **o)
{
	struct ruleset	*rs;
	char		 err[512];

	write_file("rules.yaml", text);
	*c = make_config_gw(1, "en", gw);
	if ((rs = rules_load(*c, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	*o = alert_out_new(*c, NULL, err, sizeof(err));
	assert_non_null(*o);
	return rs;
}

/*
 * Port lists as sorted, merged ranges: overlapping, adjacent and
 * asset-provided ranges, negation, `port` on either side, a list too
 * long to index, and the ends of each range.
 */
static void
test_port_ranges(void **state)
{
	struct config		*c;
	struct ruleset		*rs;
	struct alert_out	*o;
	json_t			*al;
	static const struct {
		uint16_t	port;
		int		hits[4];	/* sids 20..23 */
	} ev[] = {
		{ 99, { 0, 1, 0, 1 } }, { 100, { 1, 0, 0, 1 } },
		{ 150, { 1, 0, 0, 1 } }, { 200, { 1, 0, 0, 1 } },
		{ 201, { 1, 0, 0, 1 } }, { 250, { 1, 0, 0, 1 } },
		{ 251, { 0, 1, 0, 1 } }, { 443, { 1, 0, 1, 1 } },
		{ 8443, { 1, 0, 1, 0 } }, { 1023, { 0, 1, 0, 1 } },
		{ 1024, { 0, 1, 0, 0 } }, { 65535, { 0, 1, 1, 0 } },
	};
	size_t			 i, k;
	int			 want[4] = { 0, 0, 0, 0 };

	(void)state;
	rs = load_text(
	    "rules:\n"
	    "  - {sid: 20, name: a, category: scan, severity: low, level: 1, "
	    "match: {proto: tcp, dst_port: [200-250, 100-200, 443, $gwp]}, "
	    "message: m, advice: a}\n"
	    "  - {sid: 21, name: b, category: scan, severity: low, level: 1, "
	    "match: {proto: tcp, dst_port: {not: [100-250, $gwp, 443]}}, "
	    "message: m, advice: a}\n"
	    "  - {sid: 22, name: c, category: scan, severity: low, level: 1, "
	    "match: {proto: tcp, port: [443, 8443, 65535]}, "
	    "message: m, advice: a}\n"
	    "  - {sid: 23, name: d, category: scan, severity: low, level: 1, "
	    "match: {proto: tcp, dst_port: 0-1023}, message: m, advice: a}\n",
	    "10.0.0.1]\n  gwp: [8443", &c, &o);
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, ev[i].port,
		    TH_SYN, 1735700000 + i);
		for (k = 0; k < 4; k++)
			want[k] += ev[i].hits[k];
	}
	alert_out_flush(o);
	al = read_alerts();
	for (k = 0; k < 4; k++)
		if (count_sid(al, 20 + (int)k) != want[k])
			fail_msg("sid %zu: %d alerts, want %d", 20 + k,
			    count_sid(al, 20 + (int)k), want[k]);
	json_decref(al);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
	write_file("rules.yaml", rules);
}

/* A UDP datagram to port 9999 carrying payload. */
static void
udp_payload(struct ruleset *rs, struct alert_out *o, const char *payload,
    uint64_t sec)
{
	event_payload(rs, o, "10.0.0.9", "10.0.0.1", PROTO_UDP, 9999, 0,
	    payload, sec);
}

/*
 * A regex that gives up under limits.regex_match_limit: the event does
 * not match, is counted against the rule, and the rule is queued once
 * for the regex_limit sensor event until taken; a reload keeps the
 * count. A pattern the limit does not reach still matches.
 */
static void
test_regex_limit(void **state)
{
	struct config		*c;
	struct ruleset		*rs, *rs2;
	struct alert_out	*o;
	const struct rule	*r;
	char			 err[512];
	uint64_t		 n = 0;
	json_t			*al;

	(void)state;
	rs = load_text(
	    "rules:\n"
	    "  - {sid: 30, name: nested, category: anomaly, severity: low, "
	    "level: 1, match: {proto: udp, payload: {regex: '^(x+x+)+$'}}, "
	    "message: m, advice: a}\n"
	    "  - {sid: 31, name: plain, category: anomaly, severity: low, "
	    "level: 1, match: {proto: udp, payload: {regex: 'x{20}z'}}, "
	    "message: m, advice: a}\n", "10.0.0.1", &c, &o);
	assert_null(rules_limit_next(rules_main_state(rs), &n));
	udp_payload(rs, o, "xxxxxxxxxxxxxxxxxxxxxxxxxxz", 1735700000);
	udp_payload(rs, o, "xxxxxxxxxxxxxxxxxxxxxxxxxxz", 1735700001);
	udp_payload(rs, o, "xxxx", 1735700002);
	assert_int_equal(stats_of(rs).regex_limited, 2);
	r = rules_limit_next(rules_main_state(rs), &n);
	assert_non_null(r);
	assert_int_equal(r->sid, 30);
	assert_int_equal(n, 2);
	assert_int_equal(regex_limited_of(rs, r->sid), 2);
	assert_null(rules_limit_next(rules_main_state(rs), &n));
	/* Given up again: queued again, with only the new event. */
	udp_payload(rs, o, "xxxxxxxxxxxxxxxxxxxxxxxxxxz", 1735700003);
	r = rules_limit_next(rules_main_state(rs), &n);
	assert_non_null(r);
	assert_int_equal(n, 1);
	/* A reload carries the count and what is still to be raised. */
	udp_payload(rs, o, "xxxxxxxxxxxxxxxxxxxxxxxxxxz", 1735700004);
	rs2 = rules_load(c, err, sizeof(err));
	assert_non_null(rs2);
	rules_carry_counters(rs2, rs, NULL);
	rules_free(rs);
	r = rules_limit_next(rules_main_state(rs2), &n);
	assert_non_null(r);
	assert_int_equal(regex_limited_of(rs2, r->sid), 4);
	assert_int_equal(n, 1);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 30), 1);		/* "xxxx" */
	assert_int_equal(count_sid(al, 31), 4);
	json_decref(al);
	alert_out_free(o);
	rules_free(rs2);
	config_free(c);
	write_file("rules.yaml", rules);
}

/* Hits and matches of the rule with this sid; -1 when absent. */
static void
sid_counts(const struct ruleset *rs, uint32_t sid, int64_t *hits,
    int64_t *matches)
{
	struct rule_info	ri;
	size_t			i;

	*hits = *matches = -1;
	for (i = 0; i < rules_size(rs); i++)
		if (rules_info(rs, i, &ri) == 0 && ri.sid == sid) {
			*hits = (int64_t)ri.hits;
			*matches = (int64_t)ri.matches;
		}
}

#define CARRY_RULE(sid, pat, extra) \
	"  - {sid: " #sid ", name: r" #sid ", category: anomaly, " \
	"severity: low, level: 1, match: {proto: udp, payload: {regex: " \
	pat "}}, " extra "message: m, advice: a}\n"

/*
 * A reload carries counters by sid in one merge of the two sets' sid
 * orders (the swap holds capture): the rules stand in another order in
 * the new files, one is gone and one is new, and one changed. Hits and
 * matches follow the sid; the threshold window of the unchanged rule
 * 27 goes on from index 2 to index 0, so its third packet alerts.
 */
static void
test_carry_by_sid(void **state)
{
	struct config		*c;
	struct ruleset		*rs, *rs2;
	struct alert_out	*o;
	char			 err[512];
	int64_t			 h, m;
	json_t			*al;
	static const struct {
		uint32_t	sid;
		int64_t		hits, matches;
	} want[] = { { 27, 0, 2 }, { 99, 0, 0 }, { 40, 3, 3 }, { 12, 1, 1 },
	    { 5, -1, -1 } };
	size_t			 i;

	(void)state;
	rs = load_text("rules:\n"
	    CARRY_RULE(40, "aa", "")
	    CARRY_RULE(12, "bb", "")
	    CARRY_RULE(27, "cc", "threshold: {by: [src_ip], count: 3, "
	    "within: 60s}, ")
	    CARRY_RULE(5, "dd", ""), "10.0.0.1", &c, &o);
	for (i = 0; i < 3; i++)
		udp_payload(rs, o, "aa", 1735700000 + i);
	udp_payload(rs, o, "bb", 1735700003);
	udp_payload(rs, o, "cc", 1735700004);
	udp_payload(rs, o, "cc", 1735700005);
	udp_payload(rs, o, "dd", 1735700006);
	write_file("rules.yaml", "rules:\n"
	    CARRY_RULE(27, "cc", "threshold: {by: [src_ip], count: 3, "
	    "within: 60s}, ")
	    CARRY_RULE(99, "ee", "")
	    CARRY_RULE(40, "aaa", "")
	    CARRY_RULE(12, "bb", ""));
	rs2 = rules_load(c, err, sizeof(err));
	if (rs2 == NULL)
		fail_msg("%s", err);
	rules_carry_counters(rs2, rs, NULL);
	rules_free(rs);
	for (i = 0; i < NELEM(want); i++) {
		sid_counts(rs2, want[i].sid, &h, &m);
		if (h != want[i].hits || m != want[i].matches)
			fail_msg("sid %u: hits %lld matches %lld, want %lld %lld",
			    want[i].sid, (long long)h, (long long)m,
			    (long long)want[i].hits, (long long)want[i].matches);
	}
	udp_payload(rs2, o, "cc", 1735700007);
	alert_out_flush(o);
	al = read_alerts();
	assert_int_equal(count_sid(al, 27), 1);
	json_decref(al);
	alert_out_free(o);
	rules_free(rs2);
	config_free(c);
	write_file("rules.yaml", rules);
}

/*
 * by: src_ip/64: an IPv6 source that takes a new address of its /64 for
 * each attempt is one source (before, each address stayed under the
 * count: no alert); an IPv4 source, another /64 and the hosts of an
 * `internal` /64 (a LAN's, shared) are each their own. dst_ip/64 the
 * same for destinations. Counted alike with the events split between
 * two workers: the rule's IPv6 windows are in the shared table.
 */
static void
test_threshold_net(void **state)
{
	static const char text[] =
	    "rules:\n"
	    "  - sid: 90\n"
	    "    name: SSH SYNs by network\n"
	    "    category: bruteforce\n"
	    "    severity: high\n"
	    "    level: 1\n"
	    "    controls: [NET.IDS]\n"
	    "    match: {proto: tcp, tcp_flags: S, dst_port: 22}\n"
	    "    threshold: {by: [src_ip/64, dst_ip], count: 5, within: 60s}\n"
	    "    suppress: {by: [src_ip/64], for: 1h}\n"
	    "    message: \"{count} from {src_net} to {dest_net} ({src_ip})\"\n"
	    "    advice: Block {src_net}.\n"
	    "  - sid: 91\n"
	    "    name: SSH SYNs by address\n"
	    "    category: bruteforce\n"
	    "    severity: high\n"
	    "    level: 1\n"
	    "    controls: [NET.IDS]\n"
	    "    match: {proto: tcp, tcp_flags: S, dst_port: 22}\n"
	    "    threshold: {by: [src_ip, dst_ip], count: 5, within: 60s}\n"
	    "    suppress: {by: [src_ip/64], for: 1h}\n"
	    "    message: \"{count} from {src_net}\"\n"
	    "    advice: Block.\n"
	    "  - sid: 93\n"
	    "    name: Telnet SYNs to a network\n"
	    "    category: scan\n"
	    "    severity: low\n"
	    "    level: 1\n"
	    "    controls: [NET.IDS]\n"
	    "    match: {proto: tcp, tcp_flags: S, dst_port: 23}\n"
	    "    threshold: {by: [dst_ip/64], distinct: dst_ip, count: 5, "
	    "within: 60s}\n"
	    "    message: \"{distinct} of {dest_net} from {src_net}\"\n"
	    "    advice: Look.\n";
	struct config		*c;
	struct ruleset		*rs;
	struct rules_state	*w[2];
	struct alert_out	*o;
	char			 err[512], a[64];
	json_t			*al;
	size_t			 i, k;

	(void)state;
	write_file("rules.yaml", text);
	c = make_config_gw(1, "en", "10.0.0.1]\n  internal: [\"fd00:20:5::/64\"");
	for (k = 0; k < 2; k++) {
		rs = rules_load(c, err, sizeof(err));
		if (rs == NULL)
			fail_msg("%s", err);
		for (i = 0; i < rs->nrules; i++)
			if (rs->rules[i].sid == 90)
				assert_int_equal(rs->rules[i].thr_pair,
				    THR_PAIR_WINDOW_V4);
		w[0] = rules_main_state(rs);
		w[1] = w[0];
		if (k == 1) {
			w[1] = rules_state_new(rs);
			rules_split_thresholds(rs);
		}
		unlink(alerts_path);
		o = alert_out_new(c, NULL, err, sizeof(err));
		/* Twelve addresses of one /64, each bit of the low 64 its
		 * own in one of them, and four of another: one alert. */
		for (i = 0; i < 12; i++) {
			snprintf(a, sizeof(a), "2001:db8:7:1:%x:%x:%x:%x",
			    (unsigned)(0x8000 >> i), (unsigned)(i * 0x1111),
			    (unsigned)(0xffff - i), (unsigned)(1u << (i % 16)));
			event_via(w[i & 1], o, a, "fd00:20:1::20", PROTO_TCP,
			    22, TH_SYN, NULL, 1735700000 + i);
		}
		for (i = 0; i < 4; i++) {
			snprintf(a, sizeof(a), "2001:db8:7:2::%zx", i + 1);
			event_via(w[i & 1], o, a, "fd00:20:1::20", PROTO_TCP,
			    22, TH_SYN, NULL, 1735700020 + i);
		}
		/* Twelve hosts of an internal /64: each its own. */
		for (i = 0; i < 12; i++) {
			snprintf(a, sizeof(a), "fd00:20:5::%zx", i + 0x10);
			event_via(w[i & 1], o, a, "fd00:20:1::20", PROTO_TCP,
			    22, TH_SYN, NULL, 1735700025 + i);
		}
		/* IPv4 as before: the address itself. */
		for (i = 0; i < 5; i++)
			event_via(w[0], o, "10.0.0.5", "10.0.0.50", PROTO_TCP,
			    22, TH_SYN, NULL, 1735700040 + i);
		/*
		 * A pair's packets inside a tunnel: the dispatcher gives them
		 * to the worker of the tunnel's ends, any of them: counted in
		 * the shared table all the same.
		 */
		ev_encap = 1;
		for (i = 0; i < 5; i++)
			event_via(w[i & 1], o, "10.0.0.7", "10.0.0.70",
			    PROTO_TCP, 22, TH_SYN, NULL, 1735700045 + i);
		ev_encap = 0;
		/* Five addresses of one destination /64, then a sixth. */
		for (i = 0; i < 6; i++) {
			snprintf(a, sizeof(a), "2001:db8:9:1:%zx::1", i * 0x101);
			event_via(w[i & 1], o, "2001:db8:8::1", a, PROTO_TCP,
			    23, TH_SYN, NULL, 1735700050 + i);
		}
		alert_out_flush(o);
		al = read_alerts();
		assert_int_equal(count_sid(al, 90), 3);
		assert_int_equal(count_sid(al, 91), 2);
		assert_int_equal(count_sid(al, 93), 1);
		assert_string_equal(msg_of(al, 90, 0), "5 from "
		    "2001:db8:7:1::/64 to fd00:20:1::20 "
		    "(2001:db8:7:1:800:4444:fffb:10)");
		assert_string_equal(msg_of(al, 90, 1), "5 from 10.0.0.5 to "
		    "10.0.0.50 (10.0.0.5)");
		/* {src_net} as the threshold counts it: the address, even
		 * with a suppression by network. */
		assert_string_equal(msg_of(al, 91, 0), "5 from 10.0.0.5");
		assert_string_equal(msg_of(al, 93, 0), "5 of 2001:db8:9:1::/64 "
		    "from 2001:db8:8::1");
		json_decref(al);
		alert_out_free(o);
		rules_free(rs);
	}
	config_free(c);
	write_file("rules.yaml", rules);

#define NET_RULE(thr) "rules:\n  - {sid: 92, name: n, category: scan, " \
	"severity: low, level: 1, controls: [NET.IDS], match: {proto: tcp}, " \
	thr ", message: m, advice: a}\n"
	load_refused(NET_RULE("threshold: {by: [src_ip/16], count: 2, "
	    "within: 1m}"), "threshold.by: expected src_ip, dst_ip, src_port, "
	    "dst_port, proto, sni, query or domain, or src_ip/N or dst_ip/N "
	    "(an IPv6 address by its first N bits, 32..128)");
	load_refused(NET_RULE("threshold: {by: [src_ip/129], count: 2, "
	    "within: 1m}"), "src_ip/N or dst_ip/N");
	load_refused(NET_RULE("threshold: {by: [sni/64], count: 2, "
	    "within: 1m}"), "src_ip/N or dst_ip/N");
	load_refused(NET_RULE("threshold: {by: [src_ip/64x], count: 2, "
	    "within: 1m}"), "src_ip/N or dst_ip/N");
	load_refused(NET_RULE("threshold: {by: [src_ip, src_ip/64], count: 2, "
	    "within: 1m}"), "threshold.by: src_ip named twice");
	load_refused(NET_RULE("suppress: {by: [dst_ip/48, dst_ip/64], "
	    "for: 1m}"), "suppress.by: dst_ip named twice");
	load_refused(NET_RULE("beacon: {by: [src_ip/64, dst_ip], count: 6}"),
	    "beacon.by: expected src_ip, dst_ip, src_port, dst_port, proto, "
	    "sni, query or domain");
#undef NET_RULE
}

/* Rule 1 and n exceptions for it, reasons r<k> in the order of ks. */
static char *
exceptions_text(const int *ks, size_t n)
{
	size_t	 cap = 512 + n * 128, len;
	char	*t = malloc(cap);
	size_t	 i;

	assert_non_null(t);
	len = (size_t)snprintf(t, cap, "rules:\n" CARRY_RULE(1, "aa", "")
	    "exceptions:\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len, "  - {sids: [1], "
		    "src: 10.0.0.7, owner: SOC, reason: r%d, "
		    "expires: 2099-12-31}\n", ks[i] < 0 ? 0 : ks[i]);
	return t;
}

/*
 * Exceptions keep their hits across a reload by identity (owner,
 * reason, expiry), matched in one merge of orders sorted by the build
 * thread: with 20,000 of them, reversed, one gone and one new, the
 * carry on the loop took seconds when every new one scanned the old
 * list. Two with the same identity pair in file order.
 */
static void
test_carry_exceptions(void **state)
{
	enum { N = 20000 };
	struct config		*c;
	struct ruleset		*rs, *rs2;
	struct alert_out	*o;
	char			 err[512], *t;
	int			*ks = calloc(N + 1, sizeof(*ks));
	size_t			 i;
	clock_t			 t0;
	double			 secs;

	(void)state;
	assert_non_null(ks);
	/* r0 twice (the duplicate identity), then r1 .. r(N-1). */
	for (i = 0; i <= N; i++)
		ks[i] = i == 0 ? 0 : (int)i - 1;
	t = exceptions_text(ks, N + 1);
	rs = load_text(t, "10.0.0.1", &c, &o);
	free(t);
	assert_int_equal(rules_exception_count(rs), N + 1);
	for (i = 0; i <= N; i++)
		rules_main_state(rs)->ec[i].hits = i + 1;
	/* Reversed; r5 gone, r(N) new; r0 twice still. */
	for (i = 0; i <= N; i++)
		ks[i] = i == N ? 0 : (int)(N - i);
	ks[N - 5] = -1;		/* becomes r0: a third one */
	t = exceptions_text(ks, N + 1);
	write_file("rules.yaml", t);
	free(t);
	rs2 = rules_load(c, err, sizeof(err));
	if (rs2 == NULL)
		fail_msg("%s", err);
	t0 = clock();
	rules_carry_counters(rs2, rs, NULL);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("carried %d exceptions in %.3f s of CPU\n", N + 1, secs);
	assert_true(secs < 1.0);
	for (i = 0; i <= N; i++) {
		const struct exception *e = rules_exception_get(rs2, i);
		int k = atoi(e->reason + 1);
		uint64_t want, hits, expired_hits;

		rules_exception_hits(rs2, e, &hits, &expired_hits);
		if (k == N || k == 5)
			want = 0;		/* new, or r5 never was */
		else if (k == 0)		/* r0: first, second, third */
			want = i == N - 5 ? 1 : i == N ? 2 : 0;
		else
			want = (uint64_t)k + 2;	/* r<k> was at index k + 1 */
		if (hits != want)
			fail_msg("exception %zu (%s): hits %llu, want %llu", i,
			    e->reason, (unsigned long long)hits,
			    (unsigned long long)want);
	}
	free(ks);
	alert_out_free(o);
	rules_free(rs);
	rules_free(rs2);
	config_free(c);
	write_file("rules.yaml", rules);
}

/*
 * {timestamp} and {community_id} expand to the alert's own fields, as
 * written in the record; {matches}, which the record has no field for,
 * is refused at load.
 */
static void
test_record_placeholders(void **state)
{
	struct config		*c;
	struct ruleset		*rs;
	struct alert_out	*o;
	struct flow		 f;
	char			 want[256];
	json_t			*al, *a;

	(void)state;
	rs = load_text(
	    "rules:\n"
	    "  - {sid: 40, name: t, category: scan, severity: low, level: 1, "
	    "match: {proto: tcp}, message: \"at {timestamp} in "
	    "{community_id}.\", advice: \"{community_id}|{timestamp}\"}\n",
	    "10.0.0.1", &c, &o);
	tcp_flow(&f);
	flow_event(rs, o, &f, 0, TH_SYN);
	alert_out_free(o);
	al = read_alerts();
	assert_int_equal(json_array_size(al), 1);
	a = json_array_get(al, 0);
	assert_non_null(json_string_value(json_object_get(a, "timestamp")));
	assert_non_null(json_string_value(json_object_get(a,
	    "community_id")));
	snprintf(want, sizeof(want), "at %s in %s.",
	    json_string_value(json_object_get(a, "timestamp")),
	    json_string_value(json_object_get(a, "community_id")));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(a, "alert"), "message")), want);
	snprintf(want, sizeof(want), "%s|%s",
	    json_string_value(json_object_get(a, "community_id")),
	    json_string_value(json_object_get(a, "timestamp")));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(a, "alert"), "advice")), want);
	json_decref(al);
	rules_free(rs);
	config_free(c);

	load_refused("rules:\n"
	    "  - {sid: 41, name: t, category: scan, severity: low, level: 1, "
	    "match: {proto: tcp}, message: \"{matches} hits\", advice: a}\n",
	    "placeholder {matches}");
}

/* What a sink saw: each call's record, in order. */
struct sink_seen {
	int		 calls;
	int		 order[4];
	uint32_t	 sid;
	int		 category, severity;
	uint64_t	 ts;
	char		 json[4096];
};
static int sink_calls;

static void
sink_a(void *ctx, const struct alert_rec *a)
{
	struct sink_seen *s = ctx;

	if (s->calls < 4)
		s->order[s->calls] = ++sink_calls;
	s->calls++;
	s->sid = a->sid;
	s->category = a->category;
	s->severity = a->severity;
	s->ts = a->ts;
	assert_true(a->len < sizeof(s->json));
	memcpy(s->json, a->json, a->len);
	s->json[a->len] = '\0';
}

static void
sink_b(void *ctx, const struct alert_rec *a)
{
	sink_a(ctx, a);
}

/*
 * Consumers of alerts register with alert.c: each registered sink gets
 * the finished record in registration order, a removed one no more,
 * and registration is bounded.
 */
/* Lines in the file now, the alert log's, without parsing them. */
static size_t
alert_lines(void)
{
	FILE	*fp = fopen(alerts_path, "r");
	size_t	 n = 0;
	int	 ch;

	if (fp == NULL)
		return 0;
	while ((ch = fgetc(fp)) != EOF)
		n += ch == '\n';
	fclose(fp);
	return n;
}

/*
 * A busy capture's batch ends hold the alert lines until there are
 * enough of them or they have waited 20 ms; an idle one writes them.
 */
static void
test_alert_write_batches(void **state)
{
	struct config		*c;
	struct ruleset		*rs;
	struct alert_out	*o;
	struct timespec		 nap = { 0, 30 * 1000000 };
	char			 err[512];
	size_t			 i, before;

	(void)state;
	c = make_config(3, "en");
	rs = rules_load(c, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	o = alert_out_new(c, NULL, err, sizeof(err));
	assert_non_null(o);
	before = alert_lines();
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_UDP, 53, 0, 1735700000);
	alert_out_batch_end(o, 1);
	alert_out_batch_end(o, 1);
	assert_int_equal(alert_lines(), before);	/* few, recent */
	nanosleep(&nap, NULL);
	alert_out_batch_end(o, 1);
	assert_int_equal(alert_lines(), before + 1);	/* waited enough */
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_UDP, 53, 0, 1735700000);
	alert_out_batch_end(o, 0);
	assert_int_equal(alert_lines(), before + 2);	/* idle: at once */
	/* Many: written by size at a busy batch end, long before 20 ms. */
	for (i = 0; i < 2000 && alert_lines() == before + 2; i++) {
		event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_UDP, 53, 0,
		    1735700000);
		alert_out_batch_end(o, 1);
	}
	assert_true(i < 2000);
	assert_true(alert_lines() > before + 2 + 100);
	alert_out_flush(o);
	assert_int_equal(alert_lines(), before + 2 + i);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
}

static void
test_alert_sinks(void **state)
{
	struct config		*c;
	struct ruleset		*rs;
	struct alert_out	*o;
	struct sink_seen	 a, b;
	char			 err[512];
	json_t			*j;
	int			 n, k;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	sink_calls = 0;
	c = make_config(2, "en");
	rs = rules_load(c, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	o = alert_out_new(c, NULL, err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(alert_sink_add(sink_a, &a), 0);
	assert_int_equal(alert_sink_add(sink_b, &b), 0);
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 443, TH_SYN,
	    1735700000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_true(a.order[0] < b.order[0]);
	assert_int_equal(a.sid, 1);
	assert_int_equal(a.ts, 1735700000ULL * 1000000);
	j = json_loads(a.json, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "alert"), "signature_id")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "alert"), "severity")), a.severity);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "alert"), "category")), rules_category_name(a.category));
	json_decref(j);
	assert_string_equal(a.json, b.json);

	alert_sink_remove(sink_a, &a);
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 443, TH_SYN,
	    1735800000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 2);

	/* Bounded: the registry refuses once full, and accepts again. */
	for (n = 0; n < 64 && alert_sink_add(sink_a, &a) == 0; n++)
		;
	assert_true(n > 0 && n < 64);
	for (k = 0; k < n; k++)
		alert_sink_remove(sink_a, &a);
	alert_sink_remove(sink_b, &b);
	assert_int_equal(alert_sink_add(sink_a, &a), 0);
	alert_sink_remove(sink_a, &a);
	event(rs, o, "10.0.0.9", "10.0.0.1", PROTO_TCP, 443, TH_SYN,
	    1735900000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 2);
	alert_out_free(o);
	rules_free(rs);
	config_free(c);
}

static const char query_rules[] =
"rules:\n"
"  - sid: 10\n"
"    name: To the gateway from outside\n"
"    category: scan\n"
"    severity: low\n"
"    level: 1\n"
"    controls: [NET.IDS]\n"
"    match: {proto: tcp, src: {not: $nets}, dst: [$gw, $nets, $gw],\n"
"            dst_port: $ports, tls.sni: [$doms, a.example]}\n"
"    message: m\n"
"    advice: a\n"
"  - sid: 11\n"
"    name: Switched off\n"
"    category: dns\n"
"    severity: info\n"
"    level: 2\n"
"    enabled: false\n"
"    match: {proto: tcp, http.uri: \"$gw\"}\n"
"    message: m\n"
"    advice: a\n"
"  - sid: 12\n"
"    name: Tighter at level 3\n"
"    category: scan\n"
"    severity: medium\n"
"    level: 3\n"
"    supersedes: [10]\n"
"    match: {proto: tcp}\n"
"    message: m\n"
"    advice: a\n"
"exceptions:\n"
"  - sids: [10]\n"
"    src: 10.0.0.7\n"
"    owner: SOC\n"
"    reason: scanner\n"
"    expires: 2099-12-31\n";

/*
 * The read side of the rules module (rules.h): each rule's description,
 * the $assets its match names as the loader met them (negated ones
 * marked, each once, a literal "$gw" in a payload not one), activity by
 * level with supersedes, exceptions, files with the catalog among them.
 */
static void
test_rules_query(void **state)
{
	struct config		*c;
	struct ruleset		*rs;
	struct rule_info	 ri;
	const struct exception	*x;
	char			 text[1024], err[1024], qdir[200];
	const char		*p;
	int			 cat;

	(void)state;
	snprintf(qdir, sizeof(qdir), "%s/q", dir);
	mkdir(qdir, 0700);
	write_file("q/a.yaml", query_rules);
	write_file("q/b-catalog.yaml", catalog);
	snprintf(text, sizeof(text),
	    "sensor: {name: t1, security_level: 1, timezone: "
	    "Asia/Ho_Chi_Minh, catalog: catalog.yaml}\n"
	    "assets:\n  gw: [10.0.0.1]\n  nets: [10.0.0.0/8]\n"
	    "  ports: [443]\n  doms: [example.com]\n"
	    "rules: [\"q/*.yaml\"]\n");
	c = config_load(write_file("query.yaml", text), err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	rs = rules_load(c, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);

	assert_int_equal(rules_size(rs), 3);
	assert_int_equal(rules_size(NULL), 0);
	assert_int_equal(rules_info(rs, 3, &ri), -1);
	assert_int_equal(rules_info(rs, 0, &ri), 0);
	assert_int_equal(ri.sid, 10);
	assert_string_equal(ri.name, "To the gateway from outside");
	assert_string_equal(rules_category_name(ri.category), "scan");
	assert_string_equal(rules_severity_name(ri.severity), "low");
	assert_int_equal(ri.level, 1);
	assert_true(ri.active);
	assert_null(ri.inactive_reason);
	assert_false(ri.disabled);
	assert_int_equal(ri.ncontrols, 1);
	assert_string_equal(ri.controls[0], "NET.IDS");
	assert_int_equal(ri.match_keys, M_PROTO | M_SRC | M_DST | M_DPORT |
	    M_SNI);
	assert_int_equal(ri.nassets, 5);
	assert_string_equal(ri.assets[0].name, "nets");
	assert_true(ri.assets[0].negated);
	assert_string_equal(ri.assets[1].name, "gw");
	assert_false(ri.assets[1].negated);
	assert_string_equal(ri.assets[2].name, "nets");
	assert_false(ri.assets[2].negated);
	assert_string_equal(ri.assets[3].name, "ports");
	assert_string_equal(ri.assets[4].name, "doms");
	assert_int_equal(ri.nexceptions, 1);
	assert_non_null(strstr(ri.file, "q/a.yaml"));
	assert_int_equal(ri.line, 2);
	x = rules_exception(rs, 0, 0);
	assert_non_null(x);
	assert_string_equal(x->owner, "SOC");
	assert_null(rules_exception(rs, 0, 1));
	assert_int_equal(rules_exception_count(rs), 1);

	assert_int_equal(rules_info(rs, 1, &ri), 0);
	assert_int_equal(ri.sid, 11);
	assert_false(ri.active);
	assert_true(ri.disabled);
	assert_non_null(ri.inactive_reason);
	assert_int_equal(ri.nassets, 0);
	assert_null(rules_exception(rs, 1, 0));
	assert_int_equal(rules_info(rs, 2, &ri), 0);
	assert_false(ri.active);
	assert_false(ri.disabled);
	assert_non_null(strstr(ri.inactive_reason, "level 3"));

	/* 10 on at 1 and 2, replaced by 12 from 3; 11 never. */
	assert_true(rules_active_at(rs, 0, 1));
	assert_true(rules_active_at(rs, 0, 2));
	assert_false(rules_active_at(rs, 0, 3));
	assert_false(rules_active_at(rs, 2, 2));
	assert_true(rules_active_at(rs, 2, 3));
	assert_false(rules_active_at(rs, 1, 5));
	assert_false(rules_active_at(rs, 3, 5));

	assert_int_equal(rules_asset_size(rs, "gw"), 1);
	assert_int_equal(rules_asset_size(rs, "nope"), -1);
	assert_int_equal(rules_asset_count(rs), 4);
	assert_null(rules_asset_file(rs, 0));
	assert_null(rules_asset_file(rs, 4));
	assert_int_equal(rules_file_count(rs), 2);
	p = rules_file(rs, 0, &cat);
	assert_non_null(strstr(p, "q/a.yaml"));
	assert_false(cat);
	p = rules_file(rs, 1, &cat);
	assert_non_null(strstr(p, "q/b-catalog.yaml"));
	assert_true(cat);
	assert_null(rules_file(rs, 2, &cat));
	assert_non_null(strstr(rules_catalog_path(rs), "catalog.yaml"));
	rules_free(rs);
	config_free(c);
	unlink(write_file("q/a.yaml", ""));
	unlink(write_file("q/b-catalog.yaml", ""));
	rmdir(qdir);
}

/*
 * The self-test's overlay: a group the overlay names holds the
 * overlay's entries, every other group keeps the configuration's, and
 * the rules are the configuration's. A bad overlay entry is refused at
 * the overlay's FILE:LINE:COLUMN.
 */
static void
test_asset_overlay(void **state)
{
	struct config	*c = make_config_gw(5, "en", "10.0.0.1");
	struct yaml_doc	*ov;
	struct ruleset	*rs, *plain;
	uint8_t		 a[16], b[16];
	char		 err[512];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(inet_pton(AF_INET, "10.0.0.1", a), 1);
	assert_int_equal(inet_pton(AF_INET, "10.20.1.10", b), 1);
	ov = yamldoc_load(write_file("overlay.json", "{\"assets\": "
	    "{\"gw\": [\"10.20.1.10/32\"], \"extra\": [443]}}"), err,
	    sizeof(err));
	assert_non_null(ov);
	rs = rules_load_overlay(c, ov, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	plain = rules_load(c, err, sizeof(err));
	assert_non_null(plain);
	assert_true(rules_asset_has_addr(rs, "gw", 4, b));
	assert_false(rules_asset_has_addr(rs, "gw", 4, a));
	assert_true(rules_asset_has_addr(plain, "gw", 4, a));
	assert_false(rules_asset_has_addr(plain, "gw", 4, b));
	assert_int_equal(rules_size(rs), rules_size(plain));
	assert_int_equal(rules_asset_size(rs, "extra"), 1);
	rules_free(rs);
	rules_free(plain);
	yamldoc_free(ov);
	ov = yamldoc_load(write_file("overlay.json", "{\"assets\":\n"
	    " {\"gw\": [\"10.20.1.300\"]}}"), err, sizeof(err));
	assert_non_null(ov);
	assert_null(rules_load_overlay(c, ov, err, sizeof(err)));
	assert_non_null(strstr(err, "overlay.json:2:"));
	assert_non_null(strstr(err, "assets.gw"));
	yamldoc_free(ov);
	config_free(c);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
/*
 * The configuration text loaded with the address space capped at what
 * is mapped now and room more: the load fails naming msg (it is what a
 * reload builds beside the running set); with the cap lifted it loads.
 */
static void
load_capped(const char *text, unsigned long long room, const char *msg)
{
	struct config	*c;
	struct ruleset	*rs;
	struct rlimit	 was, cap;
	char		 err[1024];

	c = config_load(write_file("capped.yaml", text), err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	/* What malloc keeps of the earlier loads' memory is given back,
	 * so that the room is all there is. */
	malloc_trim(0);
	assert_int_equal(getrlimit(RLIMIT_AS, &was), 0);
	cap = was;
	cap.rlim_cur = (rlim_t)(vm_bytes() + room);
	assert_int_equal(setrlimit(RLIMIT_AS, &cap), 0);
	rs = rules_load(c, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_AS, &was), 0);
	assert_null(rs);
	if (strstr(err, msg) == NULL)
		fail_msg("got \"%s\", want \"%s\"", err, msg);
	assert_non_null(rs = rules_load(c, err, sizeof(err)));
	rules_free(rs);
	config_free(c);
}
#endif

/*
 * A rule set's tables that cannot be had fail its load with the cause,
 * as a bad rule does: a reload builds them beside the running set's,
 * and such a failure ended the daemon (xcalloc's fatal) instead of the
 * reload. Not under the sanitizers, whose own mappings keep to no cap
 * of the address space.
 */
static void
test_no_memory(void **state)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	static const char beacon[] =
	    "rules:\n"
	    "  - sid: 900\n"
	    "    name: Beacon\n"
	    "    category: c2\n"
	    "    severity: high\n"
	    "    level: 1\n"
	    "    controls: [NET.IDS]\n"
	    "    match: {event: flow_start}\n"
	    "    beacon: {by: [src_ip, dst_ip], count: 10, jitter: 10%, "
	    "min: 10s, max: 1h}\n"
	    "    message: m\n"
	    "    advice: a\n";
	const char	*conf = "sensor: {name: t1, catalog: catalog.yaml}\n"
	    "assets:\n  gw: [10.0.0.1]\n"
	    "rules: [rules.yaml, beacon.yaml]\n";
	char		 text[512];

	(void)state;
	write_file("beacon.yaml", beacon);
	snprintf(text, sizeof(text), "%slimits: {threshold_memcap: 1GB}\n",
	    conf);
	load_capped(text, 128ULL << 20,
	    "limits.threshold_memcap: cannot allocate 1024 MiB");
	snprintf(text, sizeof(text), "%slimits: {behaviour_memcap: 1GB}\n",
	    conf);
	load_capped(text, 128ULL << 20,
	    "limits.behaviour_memcap: cannot allocate 341 MiB");
	/* A list's growth (ipset_test, test_no_memory) fails the same way:
	 * FILE:LINE: no memory for the set at N entries. */
#else
	(void)state;
	skip();
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_and_index),
		cmocka_unit_test(test_threshold_window),
		cmocka_unit_test(test_threshold_net),
		cmocka_unit_test(test_carry_by_sid),
		cmocka_unit_test(test_carry_exceptions),
		cmocka_unit_test(test_suppression_and_masking),
		cmocka_unit_test(test_exception_expiry),
		cmocka_unit_test(test_two_states),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_own_tables),
		cmocka_unit_test(test_own_tables_planned),
		cmocka_unit_test(test_own_tables_stale_plan),
		cmocka_unit_test(test_vietnamese),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_flow_caches),
		cmocka_unit_test(test_name_index),
		cmocka_unit_test(test_expand_cut),
		cmocka_unit_test(test_language_extensions),
		cmocka_unit_test(test_port_ranges),
		cmocka_unit_test(test_regex_limit),
		cmocka_unit_test(test_record_placeholders),
		cmocka_unit_test(test_alert_sinks),
		cmocka_unit_test(test_alert_write_batches),
		cmocka_unit_test(test_rules_query),
		cmocka_unit_test(test_asset_overlay),
		cmocka_unit_test(test_no_memory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
