/*
 * compliance_parse_since (the --since of canhgacd --compliance and
 * canhgacctl): dates that do not exist are refused with a clear error, not
 * carried into the next month by mktime; real dates, date-times and ages
 * give the expected time. Dates carry Z (UTC) so the results do not depend
 * on the machine's zone.
 *
 * compliance_report's "covered": with a real rule set loaded from files
 * and the evidence a daemon would send (interfaces, history, delivery,
 * and the self-test results the daemon does not record yet), a control
 * is covered only when every condition holds, and each failed condition
 * is its own reason: a failed or stale self-test, a drop rate above the
 * bound, a gap, an interface not captured, no delivery in the period,
 * indicators that are only documentation entries.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "compliance.h"
#include "conf.h"
#include "rules.h"

/* 2030-01-01T00:00Z: every date below is in the past. */
#define NOW	1893456000LL

static void
refused(const char *arg, const char *why)
{
	char		err[256] = "";
	long long	v = compliance_parse_since(arg, NOW, err, sizeof(err));

	if (v != -1)
		fail_msg("--since %s: accepted as %lld", arg, v);
	if (strstr(err, why) == NULL || strstr(err, arg) == NULL)
		fail_msg("--since %s: error \"%s\" lacks \"%s\" or the argument",
		    arg, err, why);
}

static void
accepted(const char *arg, long long want)
{
	char		err[256] = "";
	long long	v = compliance_parse_since(arg, NOW, err, sizeof(err));

	if (v != want)
		fail_msg("--since %s: %lld (%s), want %lld", arg, v, err, want);
}

static void
test_no_such_date(void **state)
{
	(void)state;
	refused("2025-02-30", "no such date (2025-02 has 28 days)");
	refused("2025-02-29Z", "no such date (2025-02 has 28 days)");
	refused("2023-02-29T08:00Z", "no such date");
	refused("1900-02-29", "expected a date");	/* before 1970 */
	refused("2025-04-31", "no such date (2025-04 has 30 days)");
	refused("2025-06-31T23:59:59+07:00", "no such date");
	refused("2025-09-31", "no such date");
	refused("2025-11-31", "no such date");
	refused("2025-13-01", "expected a date");
	refused("2025-00-10", "expected a date");
	refused("2025-01-32", "expected a date");
	/* An offset's minutes past 59 (was taken: 99 minutes). */
	refused("2025-01-31T08:00+07:99", "expected a date");
	refused("2025-01-31T08:00-00:60", "expected a date");
	/* Before the epoch, not "in the future" as it was called. */
	refused("1970-01-01T00:00+01:00", "before 1970-01-01T00:00Z");
}

static void
test_real_dates(void **state)
{
	(void)state;
	accepted("2024-02-29Z", 1709164800LL);		/* leap year */
	accepted("2000-02-29T00:00Z", 951782400LL);	/* 400-year rule */
	accepted("2025-03-02Z", 1740873600LL);
	accepted("2025-01-31T08:00Z", 1738310400LL);
	accepted("2025-12-31T23:59:59+07:00", 1767200399LL);
	accepted("15m", NOW - 900);
	accepted("7d", NOW - 7 * 86400);
}

static char	dir[] = "/tmp/cg-comptest.XXXXXX";

static void
put(const char *name, const char *text)
{
	char	 path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static const char catalog[] =
"catalog: {id: t, standard: \"T 1\", monitoring: {continuous: true}}\n"
"controls:\n"
"  - {id: NET.IDS, level: 1, clause: \"x.1\", evidence: sensor}\n"
"  - {id: NET.LOG, level: 1, clause: \"x.2\", evidence: sensor,\n"
"     central_storage_from_level: 1}\n"
"  - {id: NET.MALWARE.GW, level: 1, clause: \"x.3\", evidence: sensor,\n"
"     current_indicators: true}\n";

static const char rules_text[] =
"rules:\n"
"  - {sid: 1, name: a, category: scan, severity: low, level: 1,\n"
"     controls: [NET.IDS, NET.LOG], match: {event: flow_start, dst_port: 9},\n"
"     message: {en: a, vi: a}, advice: {en: a, vi: a}}\n"
"  - {sid: 2, name: b, category: ioc, severity: high, level: 1,\n"
"     controls: [NET.MALWARE.GW], match: {event: flow_start, dst: $ioc},\n"
"     message: {en: b, vi: b}, advice: {en: b, vi: b}}\n"
"  - {sid: 3, name: c, category: ioc, severity: high, level: 1,\n"
"     controls: [NET.MALWARE.GW], match: {app: dns, direction: to_server,\n"
"     dns.query: $doms}, message: {en: c, vi: c},\n"
"     advice: {en: c, vi: c}}\n";

/* The catalog load() writes (a test may put its own). */
static const char	*catalog_text = catalog;

struct fixture {
	struct config	*conf;
	struct ruleset	*rs;
	char		 digest[65];
};

static struct fixture *
load(const char *ioc, const char *doms)
{
	static struct fixture	 f;
	char			 text[1024], path[256], err[1024];

	put("catalog.yaml", catalog_text);
	put("rules.yaml", rules_text);
	put("ioc.txt", ioc);
	put("doms.txt", doms);
	snprintf(text, sizeof(text),
	    "sensor: {name: t, security_level: 1, catalog: catalog.yaml}\n"
	    "capture: [{interface: cg0}]\n"
	    "assets: {ioc: {file: ioc.txt}, doms: {file: doms.txt}}\n"
	    "rules: [rules.yaml]\n"
	    "compliance: {max_drop_rate: 1%%}\n"
	    "outputs: {remote: [{host: 127.0.0.1, port: 6514, transport: tcp,"
	    " spool: %s/spool}]}\n", dir);
	put("canhgac.yaml", text);
	snprintf(path, sizeof(path), "%s/canhgac.yaml", dir);
	if ((f.conf = config_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	if ((f.rs = rules_load(f.conf, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	compliance_digest(f.conf, f.rs, f.digest);
	return &f;
}

static void
unload(struct fixture *f)
{
	rules_free(f->rs);
	config_free(f->conf);
}

/* The evidence of a run where everything held, with these self-test
 * results (NULL: none recorded). */
static json_t *
evidence(const char *digest, const char *r1, const char *r2)
{
	json_t	*ev = json_pack("{s:b,s:[{s:s,s:s,s:i,s:i,s:i}],"
		    "s:[{s:s,s:f,s:[]}],s:[],s:[{s:s,s:s}],"
		    "s:{s:s,s:s}}", "history", 1, "interfaces", "name", "cg0",
		    "state", "up", "pcap_received", 1000, "pcap_dropped", 0,
		    "pcap_ifdropped", 0, "interface_history", "name", "cg0",
		    "drop_rate", 0.0, "down", "gaps", "delivery", "name",
		    "remote 127.0.0.1:6514", "last_delivered",
		    "2026-01-02T00:00:00Z", "period", "since",
		    "2026-01-01T00:00:00Z", "until", "2026-01-03T00:00:00Z");

	if (digest != NULL)
		json_object_set_new(ev, "selftest", json_pack("{s:s,s:s,s:{s:s,"
		    "s:s,s:s}}", "digest", digest, "version", PACKAGE_VERSION,
		    "rules", "1", r1, "2", r2, "3", "pass"));
	return ev;
}

static json_t *
control(json_t *rep, const char *id)
{
	json_t	*c;
	size_t	 i;

	json_array_foreach(json_object_get(rep, "controls"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
			return c;
	fail_msg("no control %s", id);
	return NULL;
}

static const char *
status(json_t *rep, const char *id)
{
	return json_string_value(json_object_get(control(rep, id), "status"));
}

/* Whether one of the control's reasons holds s (en) and has vi text. */
static int
has_reason(json_t *rep, const char *id, const char *s)
{
	json_t	*w;
	size_t	 i;

	json_array_foreach(json_object_get(control(rep, id), "reasons"), i, w)
		if (strstr(json_string_value(json_object_get(w, "en")), s) &&
		    strlen(json_string_value(json_object_get(w, "vi"))) > 0)
			return 1;
	return 0;
}

static json_t *
report(struct fixture *f, json_t *ev)
{
	char	 err[256];
	json_t	*rep = compliance_report(f->conf, f->rs, ev, 0, err,
		    sizeof(err));

	if (rep == NULL)
		fail_msg("%s", err);
	json_decref(ev);
	return rep;
}

static void
test_covered_when_all_hold(void **state)
{
	struct fixture	*f = load("45.137.21.9\n", "malware-cdn.net\n");
	json_t		*rep = report(f, evidence(f->digest, "pass", "pass"));

	(void)state;
	assert_string_equal(status(rep, "NET.IDS"), "covered");
	assert_string_equal(status(rep, "NET.LOG"), "covered");
	assert_string_equal(status(rep, "NET.MALWARE.GW"), "covered");
	assert_int_equal(json_array_size(json_object_get(rep, "unchecked")), 0);
	assert_string_equal(json_string_value(json_object_get(control(rep,
	    "NET.IDS"), "clause")), "x.1");	/* no clause_base: as written */
	json_decref(rep);
	unload(f);
}

static void
test_selftest(void **state)
{
	struct fixture	*f = load("45.137.21.9\n", "malware-cdn.net\n");
	json_t		*rep, *ev;

	(void)state;
	/* Rule 2 failed: its control partial, the other still covered. */
	rep = report(f, evidence(f->digest, "pass", "fail"));
	assert_string_equal(status(rep, "NET.IDS"), "covered");
	assert_string_equal(status(rep, "NET.MALWARE.GW"), "partial");
	assert_true(has_reason(rep, "NET.MALWARE.GW", "Rule 2 failed its "
	    "self-test"));
	json_decref(rep);
	/* A site rule without a case is untested, not failed. */
	rep = report(f, evidence(f->digest, "untested", "pass"));
	assert_true(has_reason(rep, "NET.IDS", "Rule 1 has no self-test case"));
	assert_string_equal(status(rep, "NET.MALWARE.GW"), "covered");
	json_decref(rep);
	/* Results of another rule set prove nothing about this one. */
	rep = report(f, evidence("00", "pass", "pass"));
	assert_true(has_reason(rep, "NET.IDS", "for another rule set"));
	assert_string_equal(status(rep, "NET.MALWARE.GW"), "partial");
	json_decref(rep);
	/*
	 * Nor those another canhgacd made of the same rules (the state
	 * file keeps them across an upgrade), or one before the version was
	 * kept: until this binary's own self-test, not shown to detect.
	 */
	ev = evidence(f->digest, "pass", "pass");
	json_object_set_new(json_object_get(ev, "selftest"), "version",
	    json_string("0.0.1-old"));
	rep = report(f, ev);
	assert_true(has_reason(rep, "NET.IDS", "another version of canhgacd"));
	assert_string_equal(status(rep, "NET.MALWARE.GW"), "partial");
	json_decref(rep);
	ev = evidence(f->digest, "pass", "pass");
	json_object_del(json_object_get(ev, "selftest"), "version");
	rep = report(f, ev);
	assert_true(has_reason(rep, "NET.IDS", "another version of canhgacd"));
	json_decref(rep);
	/* None recorded. */
	rep = report(f, evidence(NULL, NULL, NULL));
	assert_true(has_reason(rep, "NET.IDS", "(self-test not run)"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(rep, "unchecked"), 0), "what")), "selftest");
	json_decref(rep);
	unload(f);
}

static void
test_sensor_conditions(void **state)
{
	struct fixture	*f = load("45.137.21.9\n", "malware-cdn.net\n");
	json_t		*ev, *rep;

	(void)state;
	/* Drops above compliance.max_drop_rate (1%). */
	ev = evidence(f->digest, "pass", "pass");
	json_object_set_new(json_array_get(json_object_get(ev,
	    "interface_history"), 0), "drop_rate", json_real(3.5));
	rep = report(f, ev);
	assert_true(has_reason(rep, "NET.IDS", "Interface cg0 dropped 3.500% "
	    "of packets"));
	assert_true(has_reason(rep, "NET.MALWARE.GW", "dropped 3.500%"));
	json_decref(rep);
	/* A gap in the period, with monitoring continuous. */
	ev = evidence(f->digest, "pass", "pass");
	json_array_append_new(json_object_get(ev, "gaps"), json_pack(
	    "{s:i,s:s}", "seconds", 7200, "reason", "stopped"));
	rep = report(f, ev);
	assert_true(has_reason(rep, "NET.IDS", "did not run for 2 hours"));
	json_decref(rep);
	/* The interface is not captured by this run, nor recorded. */
	ev = evidence(f->digest, "pass", "pass");
	json_array_clear(json_object_get(ev, "interfaces"));
	json_array_clear(json_object_get(ev, "interface_history"));
	rep = report(f, ev);
	assert_true(has_reason(rep, "NET.IDS", "Interface cg0 is configured "
	    "but this run does not capture it"));
	json_decref(rep);
	/* Last delivery before the period: central storage not shown. */
	ev = evidence(f->digest, "pass", "pass");
	json_object_set_new(json_array_get(json_object_get(ev, "delivery"), 0),
	    "last_delivered", json_string("2025-12-31T23:00:00Z"));
	rep = report(f, ev);
	assert_string_equal(status(rep, "NET.LOG"), "partial");
	assert_true(has_reason(rep, "NET.LOG", "delivered nothing"));
	assert_string_equal(status(rep, "NET.IDS"), "covered");
	json_decref(rep);
	/* Delivered in the period, but by a destination no longer set. */
	ev = evidence(f->digest, "pass", "pass");
	json_object_set_new(json_array_get(json_object_get(ev, "delivery"), 0),
	    "name", json_string("remote 127.0.0.1:7514"));
	rep = report(f, ev);
	assert_true(has_reason(rep, "NET.LOG", "delivered nothing"));
	json_decref(rep);
	unload(f);
}

static void
test_documentation_lists(void **state)
{
	struct fixture	*f;
	json_t		*rep;

	(void)state;
	/* Only RFC 5737/3849 and reserved names: partial. */
	f = load("# examples\n192.0.2.1\n198.51.100.0/24\n203.0.113.9\n"
	    "2001:db8::/48\n", "bad.example\nc2.test\nx.invalid\n"
	    "www.example.com\n");
	rep = report(f, evidence(f->digest, "pass", "pass"));
	assert_true(has_reason(rep, "NET.MALWARE.GW", "$ioc used by rule 2 "
	    "holds only documentation addresses"));
	assert_true(has_reason(rep, "NET.MALWARE.GW", "$doms used by rule 3 "
	    "holds only documentation addresses"));
	json_decref(rep);
	unload(f);
	/* One real entry among them: covered. */
	f = load("192.0.2.1\n203.0.114.1\n", "bad.example\nexample.vn\n");
	rep = report(f, evidence(f->digest, "pass", "pass"));
	assert_string_equal(status(rep, "NET.MALWARE.GW"), "covered");
	json_decref(rep);
	unload(f);
	/* A wider prefix than the documentation range is real. */
	f = load("198.51.0.0/16\n", "notexample\n");
	rep = report(f, evidence(f->digest, "pass", "pass"));
	assert_string_equal(status(rep, "NET.MALWARE.GW"), "covered");
	json_decref(rep);
	unload(f);
}

/*
 * A clause whose level number does not fit its buffer (506 bytes before
 * it, clause_base 2000000000) is cut before the number, never past the
 * buffer nor in the middle of the number (it was: "2000" written, and
 * a byte past the 512 on the stack); a base at INT_MAX does not wrap.
 */
static void
test_clause_bounds(void **state)
{
	static char	 cat[2048];
	char		 a[507];
	struct fixture	*f;
	json_t		*rep;
	const char	*cl;

	(void)state;
	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	snprintf(cat, sizeof(cat), "catalog: {id: t, standard: \"T 1\", "
	    "clause_base: 2000000000}\ncontrols:\n"
	    "  - {id: NET.IDS, level: 1, clause: \"%s x\", evidence: sensor}\n"
	    "  - {id: NET.LOG, level: 1, clause: \"x.2\", evidence: sensor}\n"
	    "  - {id: NET.MALWARE.GW, level: 1, clause: \"x.3\", "
	    "evidence: sensor}\n", a);
	catalog_text = cat;
	f = load("45.137.21.9\n", "malware-cdn.net\n");
	rep = report(f, evidence(f->digest, "pass", "pass"));
	cl = json_string_value(json_object_get(control(rep, "NET.IDS"),
	    "clause"));
	assert_non_null(cl);
	assert_true(strlen(cl) < 512);
	if (strstr(cl, " 2") != NULL)
		assert_non_null(strstr(cl, " 2000000001"));
	assert_string_equal(json_string_value(json_object_get(control(rep,
	    "NET.LOG"), "clause")), "2000000001.2");
	json_decref(rep);
	unload(f);
	snprintf(cat, sizeof(cat), "catalog: {id: t, standard: \"T 1\", "
	    "clause_base: 2147483647}\ncontrols:\n"
	    "  - {id: NET.IDS, level: 1, clause: \"x.1\", evidence: sensor}\n"
	    "  - {id: NET.LOG, level: 1, clause: \"x.2\", evidence: sensor}\n"
	    "  - {id: NET.MALWARE.GW, level: 1, clause: \"x.3\", "
	    "evidence: sensor}\n");
	f = load("45.137.21.9\n", "malware-cdn.net\n");
	rep = report(f, evidence(f->digest, "pass", "pass"));
	assert_string_equal(json_string_value(json_object_get(control(rep,
	    "NET.IDS"), "clause")), "2147483648.1");
	json_decref(rep);
	unload(f);
	catalog_text = catalog;
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
sha256_hex(const char *text, char out[65])
{
	unsigned char	dig[32];
	unsigned int	n = 0, i;

	assert_int_equal(EVP_Digest(text, strlen(text), dig, &n, EVP_sha256(),
	    NULL), 1);
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", dig[i]);
}

/* The report's digest of the file of this kind whose path ends in name. */
static const char *
file_hash(json_t *rep, const char *kind, const char *name)
{
	json_t		*x;
	size_t		 i;
	const char	*p;

	json_array_foreach(json_object_get(json_object_get(rep, "identity"),
	    "files"), i, x) {
		p = json_string_value(json_object_get(x, "path"));
		if (strcmp(json_string_value(json_object_get(x, "kind")),
		    kind) == 0 && strlen(p) >= strlen(name) &&
		    strcmp(p + strlen(p) - strlen(name), name) == 0)
			return json_string_value(json_object_get(x, "sha256"));
	}
	fail_msg("no %s file %s in the report", kind, name);
	return NULL;
}

/*
 * The report and the rule-set digest name the files as the set read
 * them: a file changed on disk since (or a FIFO, which a second read
 * would wait on) changes nothing until the next load, which sees it.
 */
static void
test_digest_as_read(void **state)
{
	struct fixture	*f = load("192.0.2.1\n", "example.com\n");
	char		 want[65], before[65], now[65];
	json_t		*rep;

	(void)state;
	memcpy(before, f->digest, sizeof(before));
	rep = report(f, evidence(NULL, NULL, NULL));
	sha256_hex(rules_text, want);
	assert_string_equal(file_hash(rep, "rules", "/rules.yaml"), want);
	sha256_hex(catalog, want);
	assert_string_equal(file_hash(rep, "catalog", "/catalog.yaml"), want);
	sha256_hex("192.0.2.1\n", want);
	assert_string_equal(file_hash(rep, "list", "/ioc.txt"), want);
	json_decref(rep);
	put("rules.yaml", "rules: []\n");
	put("ioc.txt", "192.0.2.9\n");
	compliance_digest(f->conf, f->rs, now);
	assert_string_equal(now, before);
	rep = report(f, evidence(NULL, NULL, NULL));
	sha256_hex(rules_text, want);
	assert_string_equal(file_hash(rep, "rules", "/rules.yaml"), want);
	json_decref(rep);
	unload(f);
	f = load("192.0.2.9\n", "example.com\n");
	assert_string_not_equal(f->digest, before);
	unload(f);
}

/*
 * util_read_list of the library, wrapped (-Wl,--wrap=util_read_list,
 * Makefile.am): with rewrite_ioc set, ioc.txt is rewritten just before
 * it is read for its entries, as a person or an update could while a
 * set loads.
 */
int	__real_util_read_list(const char *, int (*)(uint64_t, void *),
	    int (*)(const char *, void *, char *, size_t), void *, char *,
	    size_t);
int	__wrap_util_read_list(const char *, int (*)(uint64_t, void *),
	    int (*)(const char *, void *, char *, size_t), void *, char *,
	    size_t);
static const char	*rewrite_ioc;

int
__wrap_util_read_list(const char *path, int (*size_cb)(uint64_t, void *),
    int (*entry_cb)(const char *, void *, char *, size_t), void *arg,
    char *err, size_t errlen)
{
	size_t	n = strlen(path);

	if (rewrite_ioc != NULL && n >= 8 && strcmp(path + n - 8,
	    "/ioc.txt") == 0) {
		put("ioc.txt", rewrite_ioc);
		rewrite_ioc = NULL;
	}
	return __real_util_read_list(path, size_cb, entry_cb, arg, err,
	    errlen);
}

/*
 * A list rewritten while the set loads is recorded with the digest of
 * what was loaded: before, its digest came from a read of its own before
 * the load, and the report named the old bytes while the set held the
 * new ones.
 */
static void
test_list_digest_as_loaded(void **state)
{
	struct fixture	*f;
	char		 want[65];
	json_t		*rep;

	(void)state;
	rewrite_ioc = "192.0.2.9\n";
	f = load("192.0.2.1\n", "example.com\n");
	assert_null(rewrite_ioc);
	rep = report(f, evidence(NULL, NULL, NULL));
	sha256_hex("192.0.2.9\n", want);
	assert_string_equal(file_hash(rep, "list", "/ioc.txt"), want);
	json_decref(rep);
	unload(f);
}

/*
 * The report reads the catalog and the lists as the rule set loaded
 * them: a catalog rewritten, or replaced by a FIFO that would block
 * the loop, and a list made real on disk change nothing until a load.
 */
static void
test_report_as_loaded(void **state)
{
	struct fixture	*f = load("192.0.2.1\n", "bad.example\n");
	char		 path[256];
	json_t		*rep;

	(void)state;
	put("catalog.yaml", "catalog: {id: other}\ncontrols:\n"
	    "  - {id: NET.OTHER, level: 1}\n");
	put("ioc.txt", "45.137.21.9\n");
	snprintf(path, sizeof(path), "%s/catalog.yaml", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	rep = report(f, evidence(f->digest, "pass", "pass"));
	assert_non_null(json_object_get(rep, "controls"));
	assert_non_null(status(rep, "NET.IDS"));
	assert_true(has_reason(rep, "NET.MALWARE.GW", "$ioc used by rule 2 "
	    "holds only documentation addresses"));
	json_decref(rep);
	unload(f);
	assert_int_equal(unlink(path), 0);
	put("catalog.yaml", catalog);
	f = load("45.137.21.9\n", "bad.example\n");
	rep = report(f, evidence(f->digest, "pass", "pass"));
	assert_false(has_reason(rep, "NET.MALWARE.GW", "$ioc used by rule 2 "
	    "holds only documentation addresses"));
	json_decref(rep);
	unload(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_such_date),
		cmocka_unit_test(test_real_dates),
		cmocka_unit_test(test_covered_when_all_hold),
		cmocka_unit_test(test_selftest),
		cmocka_unit_test(test_sensor_conditions),
		cmocka_unit_test(test_documentation_lists),
		cmocka_unit_test(test_digest_as_read),
		cmocka_unit_test(test_list_digest_as_loaded),
		cmocka_unit_test(test_clause_bounds),
		cmocka_unit_test(test_report_as_loaded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
