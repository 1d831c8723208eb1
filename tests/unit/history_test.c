/*
 * history.c: a saved history loads back the same; a missing file, garbage,
 * a hostile document or an oversized file give a fresh history (never a
 * crash); every list stays within its cap; old hourly buckets fold into
 * daily ones; the evidence for a period counts runs, gaps and alerts.
 */
#include "config.h"

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

#include "history.h"
#include "test_file.h"

static char dir[256], path[300];

static int
setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/history_test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	return 0;
}

static int
teardown(void **st)
{
	char	cmd[320];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void
write_file(const char *s, size_t n)
{
	n = n ? n : strlen(s);
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(s, 1, n, fp), n);
	fclose(fp);
}

static size_t
arr(struct state *st, const char *key)
{
	return json_array_size(json_object_get((json_t *)state_doc(st), key));
}

static void
save(struct state *st)
{
	char	err[256];

	assert_int_equal(state_save(st, err, sizeof(err)), 0);
}

/* Save and load give the same history; no temporary file is left. */
static void
test_roundtrip(void **unused)
{
	struct state	*st = state_load(path, -1, 7 * 3600);
	const char	*ctl[] = { "NET.IDS", "NET.DNS" };
	time_t		 t = time(NULL) - 7200;
	json_t		*ev;
	char		 tmp[320];

	(void)unused;
	state_run_start(st, t, "abc");
	state_add_traffic(st, "eth0", t + 10, 1000, 1010, 10);
	state_add_alerts(st, t + 20, "dns", ctl, 2, 3, t + 19);
	state_iface_state(st, "eth0", t, "up");
	state_iface_state(st, "eth0", t + 30, "down");
	state_iface_state(st, "eth0", t + 30, "down");	/* no change */
	state_iface_state(st, "eth0", t + 90, "up");
	state_reload(st, t + 40, 1, "def", NULL);
	state_output(st, "syslog", t + 50, 5, 1, 0, -1, NULL);
	state_run_stop(st, t + 100);
	save(st);
	state_free(st);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);

	st = state_load(path, -1, 7 * 3600);
	assert_int_equal(arr(st, "runs"), 1);
	assert_int_equal(arr(st, "iface_events"), 3);
	state_run_start(st, t + 200, "def");
	ev = state_evidence(st, 0, t + 300);
	assert_int_equal(json_array_size(json_object_get(ev, "runs")), 2);
	assert_int_equal(json_array_size(json_object_get(ev, "gaps")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(ev, "gaps"), 0), "seconds")), 100);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    ev, "alerts_by_control"), "NET.DNS")), 3);
	assert_int_equal(json_integer_value(json_object_get(ev,
	    "uptime_in_period")), 100 + 100);
	assert_int_equal(json_integer_value(json_object_get(ev,
	    "ruleset_changes")), 1);
	/* Down from t+30 to t+90. */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(json_object_get(ev,
	    "interface_history"), 0), "down"), 0), "seconds")), 60);
	json_decref(ev);
	/* The report is a copy: a second one counts the same. */
	state_add_alerts(st, t + 3620, "dns", ctl, 2, 4, t + 3620);
	ev = state_evidence(st, 0, t + 7300);
	json_decref(ev);
	ev = state_evidence(st, 0, t + 7300);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    ev, "alerts_by_control"), "NET.DNS")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    ev, "alerts_by_category"), "dns")), 7);
	json_decref(ev);
	/* A period after run 1 leaves it and its reload out. */
	ev = state_evidence(st, t + 150, t + 300);
	assert_int_equal(json_array_size(json_object_get(ev, "runs")), 1);
	assert_int_equal(json_integer_value(json_object_get(ev,
	    "reloads_in_period")), 0);
	json_decref(ev);
	state_free(st);
}

/*
 * The periodic save: encoded when asked, written by a thread; the file
 * is the one a direct save of that moment writes, what comes after is
 * not in it, and a direct save (or the end) waits for it first.
 */
static void
test_background(void **unused)
{
	struct state	*st = state_load(path, -1, 0);
	time_t		 t = time(NULL) - 7200;
	char		 err[256], tmp[320], *direct, *bg;
	int		 i, rc;

	(void)unused;
	state_run_start(st, t, "abc");
	state_add_traffic(st, "eth0", t + 10, 1000, 1010, 10);
	save(st);
	assert_non_null(direct = test_slurp(path));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(state_save_background(st, err, sizeof(err)), 0);
	state_iface_state(st, "eth9", t + 20, "down");
	/* Busy, or done: never a second writer on the same temporary. */
	rc = state_save_background(st, err, sizeof(err));
	assert_true(rc == 0 || rc == 1);
	for (i = 0; i < 1000 && access(path, F_OK) != 0; i++)
		usleep(10000);
	state_free(st);		/* joins */
	assert_non_null(bg = test_slurp(path));
	if (rc == 1)
		assert_string_equal(bg, direct);
	else
		assert_non_null(strstr(bg, "eth9"));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);
	free(direct);
	free(bg);
}

/* A run without a stop is an unclean end at its last sign of life. */
static void
test_unclean(void **unused)
{
	struct state	*st = state_load(path, -1, 0);
	json_t		*ev;

	(void)unused;
	state_run_start(st, 1000, NULL);
	state_run_seen(st, 1060);
	save(st);
	state_free(st);
	st = state_load(path, -1, 0);
	state_run_start(st, 2000, NULL);
	ev = state_evidence(st, 0, 2100);
	assert_int_equal(json_integer_value(json_object_get(ev,
	    "unclean_ends")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(ev, "gaps"), 0), "reason")), "unclean-end");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(ev, "gaps"), 0), "seconds")), 2000 - 1060);
	json_decref(ev);
	state_free(st);
}

/* Garbage of every kind: a fresh history, and it saves again. */
static void
test_garbage(void **unused)
{
	static const char *const bad[] = {
		"", "{", "null", "[]", "\"x\"", "{\"format\":\"x\"}",
		"{\"format\":\"canhgac-state\",\"version\":99}",
		"\xff\xfe\x00garbage", "{\"a\":1,\"a\":2}",
	};
	struct state	*st;
	size_t		 i;
	char		 deep[20001];

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (i == 0) {
			write_file("", 0);	/* an empty file */
			unlink(path);
			assert_int_equal(truncate(path, 0), -1);
			fclose(fopen(path, "w"));
		} else
			write_file(bad[i], i == 7 ? 10 : strlen(bad[i]));
		st = state_load(path, -1, 0);
		assert_int_equal(arr(st, "runs"), 0);
		state_run_start(st, 5, NULL);
		save(st);
		state_free(st);
	}
	/* Deep nesting and a file over the size cap. */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	write_file(deep, strlen(deep));
	st = state_load(path, -1, 0);
	assert_int_equal(arr(st, "runs"), 0);
	state_free(st);
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		assert_int_equal(fseek(fp, STATE_FILE_MAX + 1, SEEK_SET), 0);
		fputc('}', fp);
		fclose(fp);
	}
	st = state_load(path, -1, 0);
	assert_int_equal(arr(st, "runs"), 0);
	state_free(st);
	/* Right format, records of the wrong shape: those are dropped. */
	write_file("{\"format\":\"canhgac-state\",\"version\":1,\"runs\":["
	    "{\"start\":5,\"seen\":6,\"end\":null,\"clean\":false},"
	    "{\"start\":\"x\"},7,{\"start\":9,\"seen\":1,\"clean\":true}],"
	    "\"traffic\":{\"a\":1},\"alerts\":[{\"t\":1,\"span\":3600,"
	    "\"total\":1,\"categories\":{\"dns\":-1},\"controls\":{}}],"
	    "\"last_alert\":[1]}", 0);
	st = state_load(path, -1, 0);
	assert_int_equal(arr(st, "runs"), 1);
	assert_int_equal(arr(st, "traffic"), 0);
	assert_int_equal(arr(st, "alerts"), 0);
	save(st);
	state_free(st);
}

/* Every list keeps its newest entries within its cap. */
static void
test_caps(void **unused)
{
	struct state	*st = state_load(path, -1, 0);
	const char	*ctl[] = { "NET.IDS" };
	char		 name[32];
	time_t		 now = time(NULL), t;
	int		 i;

	(void)unused;
	for (i = 0; i < STATE_RUNS_MAX + 50; i++) {
		state_run_start(st, now - 100000 + i, NULL);
		state_reload(st, now - 100000 + i, 0, NULL, "bad");
	}
	for (i = 0; i < STATE_IFEVENTS_MAX + 50; i++)
		state_iface_state(st, "eth0", now, i % 2 ? "up" : "down");
	for (i = 0; i < STATE_OUTPUTS_MAX + 5; i++) {
		snprintf(name, sizeof(name), "remote %d", i);
		state_output(st, name, now, 1, 0, 0, 0, "connected");
	}
	/* 30 days of hourly buckets on 2 interfaces, alerts every hour. */
	for (t = now - 30 * 86400; t <= now; t += 3600) {
		state_add_traffic(st, "eth0", t, 10, 10, 1);
		state_add_traffic(st, "eth1", t, 10, 10, 0);
		state_add_alerts(st, t, "scan", ctl, 1, 2, t);
	}
	/* Many categories in one bucket: at most STATE_KEYS_MAX. */
	for (i = 0; i < STATE_KEYS_MAX + 20; i++) {
		snprintf(name, sizeof(name), "cat%d", i);
		state_add_alerts(st, now, name, ctl, 1, 1, now);
	}
	save(st);
	assert_int_equal(arr(st, "runs"), STATE_RUNS_MAX);
	assert_int_equal(arr(st, "reloads"), STATE_RELOADS_MAX);
	assert_int_equal(arr(st, "iface_events"), STATE_IFEVENTS_MAX);
	assert_int_equal(arr(st, "outputs"), STATE_OUTPUTS_MAX);
	/* Hourly for 14 days (+1 hour), daily before: far fewer. */
	assert_true(arr(st, "traffic") <= 2 * (STATE_HOURLY_DAYS * 24 + 2 +
	    17));
	assert_true(arr(st, "alerts") <= STATE_HOURLY_DAYS * 24 + 2 + 17);
	state_free(st);
	/* Totals are kept by the folding. */
	st = state_load(path, -1, 0);
	{
		json_t *ev = state_evidence(st, now - 40 * 86400, now);

		assert_int_equal(json_integer_value(json_object_get(
		    json_object_get(ev, "alerts_by_control"), "NET.IDS")),
		    2 * (30 * 24 + 1) + STATE_KEYS_MAX + 20);
		assert_true(json_object_size(json_object_get(json_array_get(
		    json_object_get((json_t *)state_doc(st), "alerts"),
		    arr(st, "alerts") - 1), "categories")) <= STATE_KEYS_MAX);
		json_decref(ev);
	}
	state_free(st);
}

/* jansson's allocations, all failing while set (json_set_alloc_funcs). */
static void *
js_fail_malloc(size_t n)
{
	(void)n;
	return NULL;
}

/*
 * A save without memory (each reload and the state timer save): it
 * fails, and the hourly buckets it would have folded stay (before, the
 * folding's new list could not be made, the old one was emptied: the
 * history of packets and alerts gone, and saved so at the next save).
 */
static void
test_save_nomem(void **unused)
{
	struct state	*st = state_load(path, -1, 0);
	const char	*ctl[] = { "NET.IDS" };
	time_t		 now = time(NULL), t;
	size_t		 traffic, alerts;
	json_t		*ev;
	char		 err[256];

	(void)unused;
	for (t = now - 20 * 86400; t <= now; t += 3600) {
		state_add_traffic(st, "eth0", t, 10, 10, 1);
		state_add_alerts(st, t, "scan", ctl, 1, 2, t);
	}
	traffic = arr(st, "traffic");
	alerts = arr(st, "alerts");
	json_set_alloc_funcs(js_fail_malloc, free);
	assert_int_not_equal(state_save(st, err, sizeof(err)), 0);
	json_set_alloc_funcs(malloc, free);
	assert_int_equal(arr(st, "traffic"), traffic);
	assert_int_equal(arr(st, "alerts"), alerts);
	save(st);
	assert_true(arr(st, "traffic") < traffic);
	ev = state_evidence(st, now - 40 * 86400, now);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    ev, "alerts_by_control"), "NET.IDS")), 2 * (20 * 24 + 1));
	json_decref(ev);
	state_free(st);
}

/*
 * Self-test results: the last one per rule comes back in the evidence
 * with its digest; the runs are capped; a hostile "selftest_last" (a
 * result that is none of pass, fail, untested; too many rules) is
 * dropped on load, not believed.
 */
static void
test_selftest(void **unused)
{
	struct state	*st = state_load(path, -1, 0);
	time_t		 now = time(NULL);
	json_t		*res, *ev;
	char		 doc[512];
	int		 i;

	(void)unused;
	for (i = 0; i < STATE_SELFTESTS_MAX + 10; i++) {
		res = json_pack("{s:I,s:s,s:i,s:i,s:i,s:{s:s,s:s,s:s}}",
		    "time", (json_int_t)(now - 1000 + i), "digest",
		    i % 2 ? "aa" : "bb", "pass", 1, "fail", 1, "untested", 1,
		    "rules", "1000101", "pass", "1000401", "fail", "9000001",
		    "untested");
		state_selftest(st, res);
		json_decref(res);
	}
	save(st);
	assert_int_equal(arr(st, "selftests"), STATE_SELFTESTS_MAX);
	state_free(st);
	st = state_load(path, -1, 0);
	ev = state_evidence(st, now - 2000, now);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ev, "selftest"), "digest")), "aa");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(ev, "selftest"), "rules"), "1000401")), "fail");
	assert_int_equal(json_array_size(json_object_get(ev,
	    "selftest_runs")), STATE_SELFTESTS_MAX);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_array_get(json_object_get(ev, "selftest_runs"), 0), "failed"),
	    0)), "1000401");
	json_decref(ev);
	state_free(st);

	snprintf(doc, sizeof(doc), "{\"format\":\"canhgac-state\","
	    "\"version\":1,\"selftest_last\":{\"time\":1,\"digest\":"
	    "\"aa\",\"rules\":{\"1000101\":\"surely\"}}}");
	write_file(doc, 0);
	st = state_load(path, -1, 0);
	ev = state_evidence(st, 0, now);
	assert_null(json_object_get(ev, "selftest"));
	json_decref(ev);
	state_free(st);
}

/*
 * Counts of the service user's state file that add up past INT64_MAX
 * (two buckets of 6e18 packets) saturate: the drop rate is never made
 * 0 by a sum gone negative, and no addition overflows (UBSan).
 */
static void
test_count_overflow(void **unused)
{
	struct state	*st;
	json_t		*ev, *ifc;
	time_t		 now = time(NULL), t = now - now % 3600 - 7200;
	char		 doc[1024];

	(void)unused;
	snprintf(doc, sizeof(doc), "{\"format\":\"canhgac-state\","
	    "\"version\":1,\"traffic\":["
	    "{\"t\":%lld,\"span\":3600,\"iface\":\"eth0\",\"packets\":1,"
	    "\"received\":6000000000000000000,\"drops\":0},"
	    "{\"t\":%lld,\"span\":3600,\"iface\":\"eth0\",\"packets\":1,"
	    "\"received\":6000000000000000000,\"drops\":"
	    "5000000000000000000}]}", (long long)t, (long long)t + 3600);
	write_file(doc, 0);
	st = state_load(path, -1, 0);
	assert_int_equal(arr(st, "traffic"), 2);
	ev = state_evidence(st, now - 86400, now);
	ifc = json_array_get(json_object_get(ev, "interface_history"), 0);
	assert_non_null(ifc);
	assert_true(json_integer_value(json_object_get(ifc, "received")) > 0);
	assert_true(json_real_value(json_object_get(ifc, "drop_rate")) > 1.0);
	json_decref(ev);
	state_free(st);
}

/*
 * A run whose last sign of life is in the future (the clock was ahead,
 * or the service user wrote it) before the run of now: its time is not
 * counted (nor twice), the coverage stays at most 100%, and the time up
 * to the run of now is a gap, not hidden. Before, 101.7% and no gap.
 */
static void
test_future_run(void **unused)
{
	struct state	*st;
	json_t		*ev;
	time_t		 now = time(NULL);
	char		 doc[1024];

	(void)unused;
	snprintf(doc, sizeof(doc), "{\"format\":\"canhgac-state\","
	    "\"version\":1,\"runs\":[{\"start\":%lld,\"seen\":%lld,"
	    "\"end\":%lld,\"clean\":true}],\"last_alert\":{\"NET.IDS\":%lld}}",
	    (long long)now - 7200, (long long)now + 86400,
	    (long long)now + 86400, (long long)now + 86400);
	write_file(doc, 0);
	st = state_load(path, -1, 0);
	state_run_start(st, now - 600, NULL);
	ev = state_evidence(st, now - 3600, now);
	assert_true(json_integer_value(json_object_get(ev,
	    "uptime_in_period")) <= 3600);
	assert_true(json_real_value(json_object_get(ev,
	    "coverage_percent")) <= 100.0);
	assert_int_equal(json_array_size(json_object_get(ev, "gaps")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(ev, "gaps"), 0), "seconds")), 3000);
	/* Nor a last alert dated later. */
	assert_null(json_object_get(json_object_get(ev, "last_alert"),
	    "NET.IDS"));
	json_decref(ev);
	state_free(st);
}

/*
 * Times no clock gives (near INT64_MAX, where t + span overflows) in the
 * service user's state file: those records are dropped at load, and
 * saving and a report of it do no arithmetic past the integers (before,
 * signed overflow, which UBSan stops the daemon for).
 */
static void
test_time_range(void **unused)
{
	struct state	*st;
	json_t		*ev;
	time_t		 now = time(NULL);
	char		 doc[2048];

	(void)unused;
	snprintf(doc, sizeof(doc), "{\"format\":\"canhgac-state\","
	    "\"version\":1,\"runs\":[{\"start\":%lld,\"seen\":%lld,"
	    "\"end\":null,\"clean\":true},{\"start\":9223372036854775000,"
	    "\"seen\":9223372036854775807,\"clean\":true}],"
	    "\"traffic\":[{\"t\":9223372036854775000,\"span\":86400,"
	    "\"iface\":\"eth0\",\"packets\":1,\"received\":1,\"drops\":1}],"
	    "\"alerts\":[{\"t\":9223372036854775000,\"span\":86400,"
	    "\"total\":1,\"categories\":{},\"controls\":{}}],"
	    "\"iface_events\":[{\"time\":9223372036854775000,\"iface\":"
	    "\"eth0\",\"state\":\"down\"}],\"outputs\":[{\"name\":"
	    "\"syslog\",\"dropped\":0,\"updated\":9223372036854775000,"
	    "\"last_delivered\":9223372036854775000}],\"last_alert\":"
	    "{\"NET.IDS\":9223372036854775000}}", (long long)now - 100,
	    (long long)now - 50);
	write_file(doc, 0);
	st = state_load(path, -1, 0);
	assert_int_equal(arr(st, "runs"), 1);
	assert_int_equal(arr(st, "traffic"), 0);
	assert_int_equal(arr(st, "alerts"), 0);
	assert_int_equal(arr(st, "iface_events"), 0);
	assert_int_equal(arr(st, "outputs"), 0);
	assert_int_equal(json_object_size(json_object_get((json_t *)
	    state_doc(st), "last_alert")), 0);
	save(st);
	ev = state_evidence(st, 0, now);
	assert_int_equal(json_array_size(json_object_get(ev, "runs")), 1);
	json_decref(ev);
	state_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unclean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_background, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_nomem, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selftest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_count_overflow, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_future_run, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_time_range, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
