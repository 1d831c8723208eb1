/*
 * The self-test of the live rule set (include/selftest.h).
 *
 * What it proves: each active rule, as the running configuration loads
 * it (its level, match keys, thresholds, suppression, exceptions and
 * limits), fires on its positive case. The cases are captures written
 * for the test configuration's addresses (tests/rules/canhgac-test.yaml),
 * not the site's; so the run overlays the case manifest's asset bindings
 * (its "assets") on the live configuration: a group the manifest names
 * holds the manifest's addresses, every other group keeps the site's. It
 * does not prove that the site's own groups and lists are right; the
 * compliance report checks those separately.
 *
 * Where it runs: in a thread, on its own configuration (read again from
 * the file in the loop, as a reload does, since config_load sets TZ) and
 * a rule set built afresh for every case, with its own flows, stream,
 * defrag, host inventory and threshold state, no alert output, event log, sink or
 * counter of the live sensor, and its own event base reading the case
 * file. The live capture goes on meanwhile. Only the result, handed to
 * the loop through a pipe, touches the sensor: the history and the last
 * result. The digest is the live rule set's, taken in the loop when the
 * run starts (the hashes of the files the run then reads).
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "capture.h"
#include "compliance.h"
#include "conf.h"
#include "flow.h"
#include "util.h"
#include "history.h"
#include "hosts.h"
#include "lifecycle.h"
#include "log.h"
#include "rules.h"
#include "safefile.h"
#include "selftest.h"
#include "sensor.h"
#include "xmalloc.h"
#include "yamldoc.h"

#define SELFTEST_MEMCAP	(16ULL << 20)	/* each memcap of the instance */

struct st_waiter {
	selftest_cb		 cb;
	void			*arg;
	struct st_waiter	*next;
};

struct selftest {
	struct sensor		*s;
	json_t			*last;		/* the last result */
	/* The run under way, or none (running == 0). */
	int			 running;
	struct config		*conf;
	char			*manifest;
	char			 digest[65];
	json_t			*result;
	char			 err[1024];
	pthread_t		 tid;
	int			 pipe[2];
	struct event		*ev;
	struct st_waiter	*waiters;	/* told when this run ends */
	struct st_waiter	*next;		/* asked meanwhile */
	int			 again;
};

static const char sensor_reason[] = "a sensor-health rule: the "
    "sensor's own state (drops, a memcap running full, an output losing "
    "alerts) raises it, which no capture file can make";
static const char sensor_reason_vi[] = "quy tắc về tình trạng của chính "
    "cảm biến (mất gói, bộ nhớ chạm giới hạn, đầu ra làm mất cảnh báo): "
    "không tệp gói tin nào tạo ra được tình huống này";

/* The case run's end: every flow ends into the rules, the loop exits. */
static void
case_done(void *arg)
{
	struct sensor	*t = arg;

	t->shutting_down = 1;
	capture_stop(t->cap);
	flow_expire_all(t->w.flows, FLOW_END_CAPTURE);
	event_base_loopexit(t->base, NULL);
}

/*
 * One case through a fresh instance: 1 when rule sid alerted, 0 when it
 * did not, -1 when the case could not run (err says why).
 */
static int
run_case(struct config *conf, struct yaml_doc *overlay, uint32_t sid,
    const char *pcap, char *err, size_t errlen)
{
	struct sensor		 t;
	struct rule_info	 ri;
	struct stat		 sb;
	size_t			 i;
	int			 rc = -1;

	if (stat(pcap, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > SELFTEST_CASE_MAX) {
		snprintf(err, errlen, "%.900s: not a regular file of at most "
		    "%d bytes", pcap, SELFTEST_CASE_MAX);
		return -1;
	}
	memset(&t, 0, sizeof(t));
	t.conf = conf;
	t.offline = 1;
	t.workers_cli = 1;	/* one case: the loop is enough */
	if ((t.base = event_base_new()) == NULL) {
		snprintf(err, errlen, "cannot make an event base");
		return -1;
	}
	if ((t.rules = rules_load_overlay(conf, overlay, err, errlen)) == NULL)
		goto out;
	t.w.match_state = rules_main_state(t.rules);
	if ((t.cap = capture_new(t.base, sensor_packet, case_done, &t)) ==
	    NULL || capture_add_file(t.cap, pcap, err, errlen) != 0 ||
	    hosts_init(&t, err, errlen) != 0 ||
	    sensor_flow_init(&t, err, errlen) != 0)
		goto out;
	if (capture_start(t.cap) != 0) {
		snprintf(err, errlen, "%.900s: cannot start reading", pcap);
		goto out;
	}
	event_base_dispatch(t.base);
	rc = 0;
	for (i = 0; i < rules_size(t.rules); i++)
		if (rules_info(t.rules, i, &ri) == 0 && ri.sid == sid &&
		    ri.hits > 0)
			rc = 1;
out:
	if (t.w.flows != NULL)
		sensor_flow_shutdown(&t);
	/* Its own inventory, in memory only (offline: no file). */
	hosts_shutdown(&t);
	capture_free(t.cap);
	rules_free(t.rules);
	event_base_free(t.base);
	return rc;
}

/* The manifest, bounded, as JSON; NULL and err on failure. */
static json_t *
manifest_load(const char *path, char *err, size_t errlen)
{
	json_error_t	 je;
	struct stat	 sb;
	json_t		*m;
	size_t		 n;
	int		 fd;

	/*
	 * Opened as the YAML load after it opens it (safe_open_read): by
	 * name, a root daemon read a link the service user put in the rules
	 * directory, and jansson's error quoted the root-only file's text.
	 */
	if ((fd = safe_open_read(path, err, errlen)) < 0) {
		n = strlen(err);
		snprintf(err + n, errlen - n, " (sensor.selftest_cases)");
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > SELFTEST_MANIFEST_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d "
		    "bytes", path, SELFTEST_MANIFEST_MAX);
		close(fd);
		return NULL;
	}
	m = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	close(fd);
	if (m == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column,
		    je.text);
		return NULL;
	}
	if (!json_is_object(m) || !json_is_array(json_object_get(m,
	    "cases")) || json_array_size(json_object_get(m, "cases")) >
	    SELFTEST_CASES_MAX || !json_is_object(json_object_get(m,
	    "assets"))) {
		snprintf(err, errlen, "%s: expected {\"assets\": {...}, "
		    "\"cases\": [at most %d]}", path, SELFTEST_CASES_MAX);
		json_decref(m);
		return NULL;
	}
	return m;
}

static void
detail(json_t *res, const struct rule_info *ri, const char *result,
    const char *what, const char *text, const char *text_vi)
{
	char	key[16], what_vi[16];

	snprintf(key, sizeof(key), "%u", ri->sid);
	if (json_object_size(json_object_get(res, "rules")) >=
	    SELFTEST_RULES_MAX) {
		json_object_set_new(res, "truncated", json_true());
		return;
	}
	json_object_set_new(json_object_get(res, "rules"), key,
	    json_string(result));
	/* what_vi ("reason_vi", "cases_vi") for the Vietnamese report. */
	snprintf(what_vi, sizeof(what_vi), "%s_vi", what);
	json_object_set_new(json_object_get(res, "details"), key, json_pack(
	    "{s:s,s:s,s:s,s:s,s:s}", "name", ri->name ? ri->name : "", "name_vi",
	    ri->name_vi ? ri->name_vi : "", "result", result, what, text,
	    what_vi, text_vi));
	json_object_set_new(res, result, json_integer(json_integer_value(
	    json_object_get(res, result)) + 1));
}

/* A case's file: a plain name in the manifest's directory. */
static int
case_path(const char *manifest, const char *file, char *out, size_t outlen)
{
	const char	*slash = strrchr(manifest, '/');

	if (file == NULL || file[0] == '\0' || file[0] == '.' ||
	    strchr(file, '/') != NULL || strlen(file) > 128)
		return -1;
	if (slash == NULL)
		return snprintf(out, outlen, "%s", file) < (int)outlen ? 0 : -1;
	return snprintf(out, outlen, "%.*s/%s", (int)(slash - manifest),
	    manifest, file) < (int)outlen ? 0 : -1;
}

/* Every active rule: its cases, or why it has none. */
static void
run_all(struct selftest *st)
{
	struct yaml_doc		*overlay = NULL;
	struct ruleset		*rs = NULL;
	struct rule_info	 ri;
	json_t			*m, *cases, *c, *untested;
	char			 path[4096], e[1024], ev[1200], key[16];
	size_t			 i, j;

	if ((m = manifest_load(st->manifest, st->err, sizeof(st->err))) ==
	    NULL)
		return;
	/* The manifest is JSON, which the YAML loader reads as well. */
	if ((overlay = yamldoc_load(st->manifest, st->err, sizeof(st->err))) ==
	    NULL)
		goto out;
	if ((rs = rules_load_overlay(st->conf, overlay, st->err,
	    sizeof(st->err))) == NULL)
		goto out;
	cases = json_object_get(m, "cases");
	untested = json_object_get(m, "untested");
	/* The version that ran them: another binary proves nothing. */
	st->result = json_pack("{s:s,s:s,s:I,s:s,s:i,s:i,s:i,s:{},s:{}}",
	    "digest", st->digest, "version", PACKAGE_VERSION, "time",
	    (json_int_t)time(NULL), "cases",
	    st->manifest, "pass", 0, "fail", 0, "untested", 0, "rules",
	    "details");
	for (i = 0; i < rules_size(rs); i++) {
		int	ran = 0, failed = 0;

		if (rules_info(rs, i, &ri) != 0 || !ri.active)
			continue;
		snprintf(key, sizeof(key), "%u", ri.sid);
		if (ri.category == CAT_SENSOR) {
			detail(st->result, &ri, "untested", "reason",
			    sensor_reason, sensor_reason_vi);
			continue;
		}
		e[0] = ev[0] = '\0';
		json_array_foreach(cases, j, c) {
			const char	*file = json_string_value(
					    json_object_get(c, "file"));
			int		 r;

			if (json_integer_value(json_object_get(c, "sid")) !=
			    (json_int_t)ri.sid)
				continue;
			if (case_path(st->manifest, file, path,
			    sizeof(path)) != 0) {
				snprintf(e, sizeof(e), "%s: case %zu: \"file\" "
				    "must be a plain file name", st->manifest,
				    j);
				snprintf(ev, sizeof(ev), "%s: mẫu %zu: \"file\" "
				    "phải là tên tệp đơn thuần", st->manifest,
				    j);
				failed = 1;
				break;
			}
			r = run_case(st->conf, overlay, ri.sid, path, e,
			    sizeof(e));
			ran++;
			if (r != 1) {
				/* The run's own error (system text) as is. */
				snprintf(ev, sizeof(ev), "không chạy được mẫu "
				    "%s: %.900s", file, e);
				if (r == 0) {
					snprintf(e, sizeof(e), "no alert of "
					    "rule %u on its case %s (%s)",
					    ri.sid, file, json_string_value(
					    json_object_get(c, "description")) ?
					    json_string_value(json_object_get(c,
					    "description")) : "");
					snprintf(ev, sizeof(ev), "quy tắc %u "
					    "không phát sinh cảnh báo trên mẫu "
					    "kiểm tra %s", ri.sid, file);
				}
				failed = 1;
				break;
			}
		}
		if (failed)
			detail(st->result, &ri, "fail", "reason", e, ev);
		else if (ran > 0)
			detail(st->result, &ri, "pass", "cases", ran == 1 ?
			    "1 case" : "several cases", ran == 1 ? "1 mẫu" :
			    "nhiều mẫu");
		else
			detail(st->result, &ri, "untested", "reason",
			    json_is_string(json_object_get(untested, key)) ?
			    json_string_value(json_object_get(untested, key)) :
			    "no self-test case for this rule (a site rule, or "
			    "one newer than the installed cases)",
			    "quy tắc này chưa có mẫu tự kiểm tra (quy tắc riêng "
			    "của đơn vị, hoặc mới hơn bộ mẫu đã cài đặt)");
	}
out:
	rules_free(rs);
	yamldoc_free(overlay);
	json_decref(m);
}

static void *
selftest_thread(void *arg)
{
	struct selftest	*st = arg;
	char		 c = 1;

	util_background_thread();
	run_all(st);
	if (write(st->pipe[1], &c, 1) != 1)
		log_warn("selftest: cannot wake the loop");
	return NULL;
}

/* Without memory cb is told at once that the self-test did not run. */
static void
waiters_add(struct st_waiter **list, selftest_cb cb, void *arg)
{
	struct st_waiter	*w;

	if (cb == NULL)
		return;
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		cb(arg, NULL, "no memory to queue the self-test");
		return;
	}
	w->cb = cb;
	w->arg = arg;
	w->next = *list;
	*list = w;
}

static void
waiters_done(struct st_waiter *list, const json_t *res, const char *err)
{
	struct st_waiter	*w;

	while ((w = list) != NULL) {
		list = w->next;
		w->cb(w->arg, res, err);
		free(w);
	}
}

static void
waiters_forget(struct st_waiter **list, void *arg)
{
	struct st_waiter	*w;

	while ((w = *list) != NULL) {
		if (w->arg == arg) {
			*list = w->next;
			free(w);
		} else
			list = &w->next;
	}
}

static void	run_start(struct selftest *);

/* What a run held: its wake-up, its configuration and manifest path. */
static void
run_release(struct selftest *st)
{
	if (st->ev != NULL)
		event_free(st->ev);
	st->ev = NULL;
	if (st->pipe[0] != -1) {
		close(st->pipe[0]);
		close(st->pipe[1]);
	}
	st->pipe[0] = st->pipe[1] = -1;
	config_free(st->conf);
	st->conf = NULL;
	free(st->manifest);
	st->manifest = NULL;
}

/* The run ended: the result kept and recorded, the waiters told. */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct selftest		*st = arg;
	struct st_waiter	*w = st->waiters, *next = st->next;
	char			 c;
	int			 again = st->again;

	(void)what;
	if (read(fd, &c, 1) != 1)
		return;
	pthread_join(st->tid, NULL);
	run_release(st);
	st->running = 0;
	st->waiters = st->next = NULL;
	st->again = 0;
	if (st->result != NULL) {
		json_decref(st->last);
		st->last = st->result;
		st->result = NULL;
		log_info("self-test of rule set %.12s: %lld passed, %lld "
		    "failed, %lld untested", st->digest,
		    json_integer_value(json_object_get(st->last, "pass")),
		    json_integer_value(json_object_get(st->last, "fail")),
		    json_integer_value(json_object_get(st->last, "untested")));
		state_selftest_end(st->s, st->last);
		waiters_done(w, st->last, NULL);
	} else {
		log_warnx("self-test not run: %s", st->err);
		waiters_done(w, NULL, st->err);
	}
	if (again && !st->s->shutting_down) {
		st->waiters = next;
		run_start(st);
	} else
		waiters_done(next, NULL, "the sensor is stopping");
}

static void
run_start(struct selftest *st)
{
	struct sensor	*s = st->s;
	struct st_waiter *w = st->waiters;

	st->err[0] = '\0';
	st->result = NULL;
	st->pipe[0] = st->pipe[1] = -1;
	if (s->conf->path == NULL) {
		snprintf(st->err, sizeof(st->err), "no configuration file");
		goto fail;
	}
	compliance_digest(s->conf, s->rules, st->digest);
	if ((st->conf = config_load(s->conf->path, st->err,
	    sizeof(st->err))) == NULL)
		goto fail;
	/* Run after each reload's swap: without memory, not run, said. */
	if ((st->manifest = config_path_try(st->conf,
	    st->conf->selftest_cases)) == NULL) {
		snprintf(st->err, sizeof(st->err), "no memory for the path of "
		    "sensor.selftest_cases");
		goto fail;
	}
	/*
	 * A case is a few thousand packets: the instance needs little of
	 * the live memcaps, and must not double the sensor's memory.
	 */
	if (st->conf->flow_memcap > SELFTEST_MEMCAP)
		st->conf->flow_memcap = SELFTEST_MEMCAP;
	if (st->conf->stream_memcap > SELFTEST_MEMCAP)
		st->conf->stream_memcap = SELFTEST_MEMCAP;
	if (st->conf->defrag_memcap > SELFTEST_MEMCAP)
		st->conf->defrag_memcap = SELFTEST_MEMCAP;
	if (st->conf->threshold_memcap > SELFTEST_MEMCAP)
		st->conf->threshold_memcap = SELFTEST_MEMCAP;
	if (pipe(st->pipe) == -1) {
		snprintf(st->err, sizeof(st->err), "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((st->ev = event_new(s->base, st->pipe[0], EV_READ, on_done,
	    st)) == NULL || event_add(st->ev, NULL) != 0 ||
	    pthread_create(&st->tid, NULL, selftest_thread, st) != 0) {
		snprintf(st->err, sizeof(st->err), "cannot start a thread");
		goto fail;
	}
	st->running = 1;
	return;
fail:
	run_release(st);
	st->waiters = NULL;
	log_warnx("self-test not run: %s", st->err);
	waiters_done(w, NULL, st->err);
}

void
selftest_request(struct sensor *s, selftest_cb cb, void *arg)
{
	struct selftest	*st = s->selftest;

	if (st == NULL) {
		if (cb != NULL)
			cb(arg, NULL, "the self-test is not started");
		return;
	}
	if (st->running) {
		st->again = 1;
		waiters_add(&st->next, cb, arg);
		return;
	}
	waiters_add(&st->waiters, cb, arg);
	run_start(st);
}

void
selftest_forget(struct sensor *s, void *arg)
{
	if (s->selftest == NULL)
		return;
	waiters_forget(&s->selftest->waiters, arg);
	waiters_forget(&s->selftest->next, arg);
}

const json_t *
selftest_last(const struct sensor *s)
{
	return s->selftest ? s->selftest->last : NULL;
}

int
selftest_init(struct sensor *s, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (s->offline)
		return 0;
	s->selftest = xcalloc(1, sizeof(*s->selftest));
	s->selftest->s = s;
	s->selftest->pipe[0] = s->selftest->pipe[1] = -1;
	selftest_request(s, NULL, NULL);
	return 0;
}

void
selftest_shutdown(struct sensor *s)
{
	struct selftest	*st = s->selftest;

	if (st == NULL)
		return;
	if (st->running) {
		pthread_join(st->tid, NULL);
		run_release(st);
		json_decref(st->result);
		waiters_done(st->waiters, NULL, "the sensor stopped");
		waiters_done(st->next, NULL, "the sensor stopped");
	}
	json_decref(st->last);
	free(st);
	s->selftest = NULL;
}
