/*
 * The sensor's memory across restarts, for the compliance report: runs
 * (start, last sign of life, clean stop), capture interface state
 * changes, packets and capture drops per interface in hourly buckets,
 * alerts per hour by category and control, reloads with the digest of
 * the rule set, and each output's delivery state.
 *
 * This file is the store. One small JSON file, STATE_DIR/state.json,
 * rewritten whole every minute (and at start, reload and stop) through
 * a temporary file and rename, so that a crash leaves the old or the
 * new file, never half of one. Every array is capped: hourly buckets
 * older than two weeks become daily ones, anything older than
 * STATE_KEEP_DAYS goes, and each list keeps its newest entries only.
 * The file is read as hostile input: a record of the wrong shape is
 * dropped, a file that is not ours is set aside with a warning and the
 * history starts afresh. history_sample.c fills it from the daemon's
 * counters; history_evidence.c reads a period of it for the report.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "history.h"
#include "jsonw.h"
#include "selftest.h"
#include "log.h"
#include "rules.h"
#include "safefile.h"
#include "util.h"
#include "xmalloc.h"
#include "history-internal.h"

#define STATE_FORMAT		"canhgac-state"
#define STATE_VERSION		1
#define TEXT_MAX_LEN		512	/* reload errors */

/* A string up to max bytes, or NULL. */
static const char *
str_ok(json_t *v, size_t max)
{
	const char *s = json_string_value(v);

	return s != NULL && *s != '\0' && strlen(s) <= max ? s : NULL;
}

/* A non-negative integer, or -1. */
static json_int_t
int_ok(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 ?
	    json_integer_value(v) : -1;
}

/*
 * A time (unix seconds) a clock can give, up to the year 9999, or -1:
 * one near INT64_MAX made t + span overflow in the folding of buckets
 * and in the report.
 */
#define TIME_OK_MAX	253402300799LL

static json_int_t
time_ok(json_t *v)
{
	json_int_t	t = int_ok(v);

	return t <= TIME_OK_MAX ? t : -1;
}

static json_t *
fresh_doc(void)
{
	return json_pack("{s:s,s:i,s:[],s:[],s:[],s:[],s:[],s:{},s:[],s:[]}",
	    "format", STATE_FORMAT, "version", STATE_VERSION, "runs",
	    "reloads", "iface_events", "traffic", "alerts", "last_alert",
	    "outputs", "selftests");
}

/* A map of name → count, every value a non-negative integer. */
static int
counts_ok(json_t *m)
{
	const char	*k;
	json_t		*v;

	if (!json_is_object(m) || json_object_size(m) > STATE_KEYS_MAX)
		return 0;
	json_object_foreach(m, k, v)
		if (strlen(k) == 0 || strlen(k) > NAME_MAX_LEN ||
		    int_ok(v) < 0)
			return 0;
	return 1;
}

/* Is one record of array `which` of the right shape? */
static int
record_ok(const char *which, json_t *r)
{
	json_t	*e;

	if (!json_is_object(r))
		return 0;
	if (strcmp(which, "runs") == 0)
		return time_ok(json_object_get(r, "start")) >= 0 &&
		    time_ok(json_object_get(r, "seen")) >=
		    json_integer_value(json_object_get(r, "start")) &&
		    ((e = json_object_get(r, "end")) == NULL ||
		    json_is_null(e) || time_ok(e) >= 0) &&
		    json_is_boolean(json_object_get(r, "clean"));
	if (strcmp(which, "reloads") == 0)
		return time_ok(json_object_get(r, "time")) >= 0 &&
		    json_is_boolean(json_object_get(r, "ok"));
	if (strcmp(which, "iface_events") == 0)
		return time_ok(json_object_get(r, "time")) >= 0 &&
		    str_ok(json_object_get(r, "iface"), 63) != NULL &&
		    str_ok(json_object_get(r, "state"), 15) != NULL;
	if (strcmp(which, "traffic") == 0 || strcmp(which, "alerts") == 0) {
		json_int_t span = int_ok(json_object_get(r, "span"));

		if (time_ok(json_object_get(r, "t")) < 0 ||
		    (span != HOUR && span != DAY))
			return 0;
		if (which[0] == 't')
			return str_ok(json_object_get(r, "iface"), 63) &&
			    int_ok(json_object_get(r, "packets")) >= 0 &&
			    int_ok(json_object_get(r, "received")) >= 0 &&
			    int_ok(json_object_get(r, "drops")) >= 0;
		return int_ok(json_object_get(r, "total")) >= 0 &&
		    counts_ok(json_object_get(r, "categories")) &&
		    counts_ok(json_object_get(r, "controls"));
	}
	if (strcmp(which, "selftests") == 0)
		return time_ok(json_object_get(r, "time")) >= 0 &&
		    str_ok(json_object_get(r, "digest"), 64) != NULL &&
		    int_ok(json_object_get(r, "pass")) >= 0 &&
		    int_ok(json_object_get(r, "fail")) >= 0 &&
		    int_ok(json_object_get(r, "untested")) >= 0;
	if (strcmp(which, "outputs") == 0)
		return str_ok(json_object_get(r, "name"), NAME_MAX_LEN) &&
		    int_ok(json_object_get(r, "dropped")) >= 0 &&
		    time_ok(json_object_get(r, "updated")) >= 0 &&
		    ((e = json_object_get(r, "last_delivered")) == NULL ||
		    json_is_null(e) || time_ok(e) >= 0);
	return 0;
}

/* The last self-test: {time, digest, version, rules: {SID: result}},
 * bounded (no version: written before it was kept). */
static int
selftest_last_ok(json_t *r)
{
	json_t		*rules = json_object_get(r, "rules"), *v;
	const char	*k, *t;

	if (!json_is_object(r) || time_ok(json_object_get(r, "time")) < 0 ||
	    str_ok(json_object_get(r, "digest"), 64) == NULL ||
	    (json_object_get(r, "version") != NULL &&
	    !json_is_null(json_object_get(r, "version")) &&
	    str_ok(json_object_get(r, "version"), 64) == NULL) ||
	    !json_is_object(rules) || json_object_size(rules) >
	    SELFTEST_RULES_MAX)
		return 0;
	json_object_foreach(rules, k, v)
		if (strlen(k) > 10 || (t = json_string_value(v)) == NULL ||
		    (strcmp(t, "pass") != 0 && strcmp(t, "fail") != 0 &&
		    strcmp(t, "untested") != 0))
			return 0;
	return 1;
}

static const char *const arrays[] = {
	"runs", "reloads", "iface_events", "traffic", "alerts", "outputs",
	"selftests"
};

/* The t (or time/start) of a record, for sorting. */
json_int_t
state_rec_time(json_t *r)
{
	json_t	*v;

	if ((v = json_object_get(r, "t")) != NULL ||
	    (v = json_object_get(r, "time")) != NULL ||
	    (v = json_object_get(r, "start")) != NULL)
		return json_integer_value(v);
	return 0;
}

static int
rec_cmp(const void *a, const void *b)
{
	json_int_t	x = state_rec_time(*(json_t *const *)a);
	json_int_t	y = state_rec_time(*(json_t *const *)b);

	return x < y ? -1 : x > y;
}

/* Sort an array of records by time (a hand-edited file may not be). */
static void
sort_records(json_t *a)
{
	size_t	 n = json_array_size(a), i;
	json_t	**v;

	if (n < 2)
		return;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	qsort(v, n, sizeof(*v), rec_cmp);
	json_array_clear(a);
	for (i = 0; i < n; i++)
		json_array_append_new(a, v[i]);
	free(v);
}

/*
 * Keep what is well-formed. Returns the number of records dropped, or
 * -1 when the document is not a state file at all.
 */
static int
validate(json_t *doc)
{
	json_t		*a, *r, *la, *keep;
	const char	*k;
	size_t		 i, j;
	int		 bad = 0;

	if (!json_is_object(doc) || json_object_size(doc) > 64 ||
	    strcmp(json_string_value(json_object_get(doc, "format")) ?
	    json_string_value(json_object_get(doc, "format")) : "",
	    STATE_FORMAT) != 0 ||
	    json_integer_value(json_object_get(doc, "version")) !=
	    STATE_VERSION)
		return -1;
	for (i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		a = json_object_get(doc, arrays[i]);
		keep = json_array();
		json_array_foreach(a, j, r) {
			if (record_ok(arrays[i], r))
				json_array_append(keep, r);
			else
				bad++;
		}
		if (a != NULL && !json_is_array(a))
			bad++;
		sort_records(keep);
		json_object_set_new(doc, arrays[i], keep);
	}
	if (json_object_get(doc, "selftest_last") != NULL &&
	    !selftest_last_ok(json_object_get(doc, "selftest_last"))) {
		json_object_del(doc, "selftest_last");
		bad++;
	}
	la = json_object_get(doc, "last_alert");
	if (!json_is_object(la) || json_object_size(la) > STATE_KEYS_MAX) {
		bad += la != NULL;
		json_object_set_new(doc, "last_alert", json_object());
	} else {
		json_t *tmp;

		json_object_foreach_safe(la, tmp, k, r)
			if (strlen(k) > NAME_MAX_LEN || time_ok(r) < 0) {
				json_object_del(la, k);
				bad++;
			}
	}
	return bad;
}

/*
 * Read the state file. Anything wrong with it gives a warning naming
 * the file and a fresh history; it never fails.
 */
struct state *
state_load(const char *path, int dfd, int utc_offset)
{
	struct state	*st = xcalloc(1, sizeof(*st));
	struct stat	 sb;
	json_error_t	 je;
	json_t		*doc = NULL;
	const char	*name = strrchr(path, '/');
	char		 why[512], *text;
	size_t		 len;
	int		 fd, bad, over;

	st->path = xstrdup(path);
	xasprintf(&st->tmp, "%s.tmp", path);
	st->lockfd = -1;
	st->dfd = -1;
	st->utc_offset = utc_offset;
	/*
	 * In the state directory (dfd, opened by safe_dir): no link of the
	 * service user's followed, no FIFO waited on, no hard link to
	 * another's file taken. By path: a file of the caller's (tests).
	 */
	if (dfd >= 0 && name != NULL) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", (int)(name - path), path);
		fd = safe_openat(dfd, dir, name + 1, O_RDONLY, 0, 0, why,
		    sizeof(why));
	} else if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
	if (fd < 0) {
		if (errno != ENOENT)
			log_warnx("state %s; starting a new history", why);
		goto fresh;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > STATE_FILE_MAX) {
		log_warnx("state %s: not a regular file of at most %d bytes; "
		    "starting a new history", path, STATE_FILE_MAX);
		close(fd);
		goto fresh;
	}
	/* The service user can append after the check: read to the cap. */
	text = safe_read_capped(fd, STATE_FILE_MAX, &len, &over);
	close(fd);
	if (text == NULL) {
		log_warnx("state %s: %s; starting a new history", path, over ?
		    "grew past its cap while read" : strerror(errno));
		goto fresh;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (doc == NULL) {
		log_warnx("state %s:%d:%d: %s; starting a new history", path,
		    je.line, je.column, je.text);
		goto fresh;
	}
	if ((bad = validate(doc)) < 0) {
		log_warnx("state %s: not a canhgac state file (format %s "
		    "version %d expected); starting a new history", path,
		    STATE_FORMAT, STATE_VERSION);
		json_decref(doc);
		goto fresh;
	}
	if (bad > 0)
		log_warnx("state %s: %d malformed record%s dropped", path, bad,
		    bad == 1 ? "" : "s");
	st->doc = doc;
	return st;
fresh:
	st->doc = fresh_doc();
	st->dirty = 1;
	return st;
}

/* Start of the local day holding t. */
static json_int_t
day_start(const struct state *st, json_int_t t)
{
	json_int_t	l = t + st->utc_offset;

	return l - ((l % DAY) + DAY) % DAY - st->utc_offset;
}

/*
 * A count plus n. The state file is the service user's to write, so its
 * counts may add up past the largest integer: they are held there, not
 * wrapped to a negative sum (which made a drop rate 0).
 */
json_int_t
state_count_add(json_int_t a, uint64_t n)
{
	if (a < 0)
		a = 0;
	return n > (uint64_t)(LLONG_MAX - a) ? LLONG_MAX :
	    a + (json_int_t)n;
}

/* Add every count of src into dst (nested maps too, keys capped). */
void
state_merge_counts(json_t *dst, json_t *src)
{
	const char	*k;
	json_t		*v, *d;

	json_object_foreach(src, k, v) {
		d = json_object_get(dst, k);
		if (json_is_object(v)) {
			if (d == NULL && json_object_size(dst) <
			    STATE_KEYS_MAX) {
				d = json_object();
				json_object_set_new(dst, k, d);
			}
			if (json_is_object(d))
				state_merge_counts(d, v);
		} else if (json_is_integer(v) && strcmp(k, "t") != 0 &&
		    strcmp(k, "span") != 0) {
			if (json_is_integer(d))
				json_integer_set(d, state_count_add(
				    json_integer_value(d), json_integer_value(v)
				    > 0 ? (uint64_t)json_integer_value(v) : 0));
			else if (d == NULL && json_object_size(dst) <
			    STATE_KEYS_MAX)
				/* A copy: integers are shared by reference. */
				json_object_set_new(dst, k, json_integer(
				    json_integer_value(v)));
		}
	}
}

static int
same_key(json_t *a, json_t *b)
{
	const char	*x = json_string_value(json_object_get(a, "iface"));
	const char	*y = json_string_value(json_object_get(b, "iface"));

	return (x == NULL && y == NULL) || (x && y && strcmp(x, y) == 0);
}

/*
 * Hourly buckets older than STATE_HOURLY_DAYS fold into daily ones;
 * buckets older than STATE_KEEP_DAYS go; then the oldest beyond max.
 * The input is in time order and so is the output: a day's bucket takes
 * the place of its first hour.
 */
static void
compact(struct state *st, json_t *a, size_t max, time_t now)
{
	json_t		*out = json_array(), *r, *d;
	json_int_t	 hcut = now - STATE_HOURLY_DAYS * DAY;
	json_int_t	 kcut = now - STATE_KEEP_DAYS * (json_int_t)DAY;
	size_t		 i, j;
	int		 nomem = out == NULL;

	/*
	 * Run at every save (the state timer, each reload): without memory
	 * for the new list, or for any record of it, the old one stays as
	 * it is, to be folded at a later save, not emptied.
	 */
	json_array_foreach(a, i, r) {
		if (nomem)
			break;
		json_int_t t = json_integer_value(json_object_get(r, "t"));
		json_int_t span = json_integer_value(json_object_get(r,
		    "span"));
		json_int_t ds;
		int found = 0;

		if (t + span < kcut)
			continue;
		if (span != HOUR || t >= hcut) {
			nomem |= json_array_append(out, r) != 0;
			continue;
		}
		ds = day_start(st, t);
		for (j = json_array_size(out); j > 0 && !found; j--) {
			d = json_array_get(out, j - 1);
			if (json_integer_value(json_object_get(d, "t")) < ds)
				break;
			if (json_integer_value(json_object_get(d, "t")) == ds &&
			    json_integer_value(json_object_get(d, "span")) ==
			    DAY && same_key(d, r)) {
				state_merge_counts(d, r);
				found = 1;
			}
		}
		if (found)
			continue;
		d = json_deep_copy(r);
		nomem |= json_object_set_new(d, "t", json_integer(ds)) != 0 ||
		    json_object_set_new(d, "span", json_integer(DAY)) != 0 ||
		    json_array_append_new(out, d) != 0;
	}
	if (nomem) {
		json_decref(out);
		return;
	}
	while (json_array_size(out) > max)
		json_array_remove(out, 0);
	json_array_clear(a);
	json_array_extend(a, out);
	json_decref(out);
}

/* Keep the newest max entries of a list. */
static void
cap_list(json_t *a, size_t max)
{
	while (json_array_size(a) > max)
		json_array_remove(a, 0);
}

static void
enforce_caps(struct state *st, time_t now)
{
	json_t	*d = st->doc;

	cap_list(json_object_get(d, "runs"), STATE_RUNS_MAX);
	cap_list(json_object_get(d, "reloads"), STATE_RELOADS_MAX);
	cap_list(json_object_get(d, "iface_events"), STATE_IFEVENTS_MAX);
	cap_list(json_object_get(d, "outputs"), STATE_OUTPUTS_MAX);
	cap_list(json_object_get(d, "selftests"), STATE_SELFTESTS_MAX);
	compact(st, json_object_get(d, "traffic"), STATE_TRAFFIC_MAX, now);
	compact(st, json_object_get(d, "alerts"), STATE_ALERTS_MAX, now);
}

/* The document as written, caps enforced first; NULL with err. */
static char *
state_encode(struct state *st, char *err, size_t errlen)
{
	char	*buf;

	enforce_caps(st, now_sec());
	/* A reload's error, an interface's name: masked as every output. */
	if (jw_mask_tree(st->doc) != 0) {
		snprintf(err, errlen, "state %s: no memory to mask a number "
		    "in it; not saved", st->path);
		return NULL;
	}
	if ((buf = json_dumps(st->doc, JSON_COMPACT)) == NULL)
		snprintf(err, errlen, "state %s: cannot encode", st->path);
	return buf;
}

/*
 * Write buf (freed here): temporary file, fsync, rename over the old
 * one. Reads only what is fixed at open, so any thread may call it.
 */
static int
state_write(const struct state *st, char *buf, char *err, size_t errlen)
{
	const char	*tmp, *name;
	size_t		 len = strlen(buf), off = 0;
	ssize_t		 n;
	int		 fd, d;

	/*
	 * In the directory opened at start (the service user's: a link it
	 * swapped in for the directory later is not followed), else by path.
	 */
	d = st->dfd >= 0 ? st->dfd : AT_FDCWD;
	tmp = st->dfd >= 0 ? strrchr(st->tmp, '/') + 1 : st->tmp;
	name = st->dfd >= 0 ? strrchr(st->path, '/') + 1 : st->path;
	(void)unlinkat(d, tmp, 0);
	fd = openat(d, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	/*
	 * Root's save at start is the service user's file too, as every
	 * later one (README): it was root's until the next minute's.
	 */
	if (fd >= 0 && safe_give(fd) != 0) {
		close(fd);
		(void)unlinkat(d, tmp, 0);
		fd = -1;
	}
	if (fd < 0) {
		snprintf(err, errlen, "state %s: %s", st->tmp,
		    strerror(errno));
		free(buf);
		return -1;
	}
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	free(buf);
	if (off < len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		snprintf(err, errlen, "state %s: write: %s", st->tmp,
		    strerror(errno));
		close(fd);
		(void)unlinkat(d, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(d, tmp, d, name) != 0) {
		snprintf(err, errlen, "state %s: rename: %s", st->path,
		    strerror(errno));
		(void)unlinkat(d, tmp, 0);
		return -1;
	}
	return 0;
}

int
state_save(struct state *st, char *err, size_t errlen)
{
	char	*buf;

	util_job_join(&st->bg);	/* they share the temporary */
	if ((buf = state_encode(st, err, errlen)) == NULL ||
	    state_write(st, buf, err, errlen) != 0)
		return -1;
	st->dirty = 0;
	return 0;
}

static void *
state_save_thread(void *arg)
{
	struct state	*st = arg;
	char		 err[512];

	util_background_thread();
	if (state_write(st, st->bg_buf, err, sizeof(err)) != 0)
		log_warnx("%s", err);
	st->bg_buf = NULL;
	util_job_done(&st->bg);
	return NULL;
}

int
state_save_background(struct state *st, char *err, size_t errlen)
{
	char	*buf;

	if (util_job_busy(&st->bg))
		return 1;
	if ((buf = state_encode(st, err, errlen)) == NULL)
		return -1;
	st->dirty = 0;
	st->bg_buf = buf;
	if (util_job_start(&st->bg, state_save_thread, st) != 0) {
		st->bg_buf = NULL;
		return state_write(st, buf, err, errlen);
	}
	return 0;
}

void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	util_job_join(&st->bg);
	if (st->lockfd >= 0)
		close(st->lockfd);
	if (st->dfd >= 0)
		close(st->dfd);
	json_decref(st->doc);
	free(st->bsid);
	free(st->path);
	free(st->tmp);
	free(st->lock);
	free(st);
}

const json_t *
state_doc(const struct state *st)
{
	return st->doc;
}

/* A new run: earlier runs without a stop ended uncleanly. */
void
state_run_start(struct state *st, time_t now, const char *digest)
{
	st->run = json_pack("{s:I,s:I,s:n,s:b,s:s?}", "start",
	    (json_int_t)now, "seen", (json_int_t)now, "end", "clean", 0,
	    "digest", digest);
	json_array_append_new(json_object_get(st->doc, "runs"), st->run);
	/* The array may drop its oldest entries, never the newest. */
	st->dirty = 1;
}

void
state_run_seen(struct state *st, time_t now)
{
	if (st->run != NULL)
		json_object_set_new(st->run, "seen", json_integer(now));
}

void
state_run_stop(struct state *st, time_t now)
{
	if (st->run == NULL)
		return;
	json_object_set_new(st->run, "seen", json_integer(now));
	json_object_set_new(st->run, "end", json_integer(now));
	json_object_set_new(st->run, "clean", json_true());
	st->dirty = 1;
}

void
state_reload(struct state *st, time_t now, int ok, const char *digest,
    const char *error)
{
	char	e[TEXT_MAX_LEN];

	snprintf(e, sizeof(e), "%s", error ? error : "");
	json_array_append_new(json_object_get(st->doc, "reloads"), json_pack(
	    "{s:I,s:b,s:s?,s:s?}", "time", (json_int_t)now, "ok", ok,
	    "digest", digest, "error", e[0] ? e : NULL));
	st->dirty = 1;
}

/*
 * A self-test ended: its counts and failed sids in the list of runs,
 * and the result per rule as the last one (the compliance report's).
 */
void
state_selftest(struct state *st, json_t *res)
{
	json_t		*failed = json_array(), *v;
	const char	*k;

	json_object_foreach(json_object_get(res, "rules"), k, v)
		if (strcmp(json_string_value(v), "fail") == 0 &&
		    json_array_size(failed) < STATE_KEYS_MAX)
			json_array_append_new(failed, json_string(k));
	json_array_append_new(json_object_get(st->doc, "selftests"), json_pack(
	    "{s:O,s:O,s:O,s:O,s:O,s:o}", "time", json_object_get(res, "time"),
	    "digest", json_object_get(res, "digest"), "pass",
	    json_object_get(res, "pass"), "fail", json_object_get(res, "fail"),
	    "untested", json_object_get(res, "untested"), "failed", failed));
	json_object_set_new(st->doc, "selftest_last", json_pack("{s:O,s:O,"
	    "s:O,s:o}", "time", json_object_get(res, "time"), "digest",
	    json_object_get(res, "digest"), "version", json_object_get(res,
	    "version") ? json_object_get(res, "version") : json_null(),
	    "rules", json_deep_copy(json_object_get(res, "rules"))));
	st->dirty = 1;
}

/* The newest bucket of `which` for this hour (and interface), made. */
static json_t *
bucket(struct state *st, const char *which, const char *iface, time_t now)
{
	json_t		*a = json_object_get(st->doc, which), *r;
	json_int_t	 h = now - now % HOUR;
	size_t		 i;

	for (i = json_array_size(a); i > 0; i--) {
		r = json_array_get(a, i - 1);
		if (json_integer_value(json_object_get(r, "t")) < h)
			break;
		if (json_integer_value(json_object_get(r, "t")) == h &&
		    json_integer_value(json_object_get(r, "span")) == HOUR &&
		    (iface == NULL || strcmp(json_string_value(
		    json_object_get(r, "iface")), iface) == 0))
			return r;
	}
	if (iface != NULL)
		r = json_pack("{s:I,s:i,s:s,s:i,s:i,s:i}", "t", h, "span", HOUR,
		    "iface", iface, "packets", 0, "received", 0, "drops", 0);
	else
		r = json_pack("{s:I,s:i,s:i,s:{},s:{}}", "t", h, "span", HOUR,
		    "total", 0, "categories", "controls");
	json_array_append_new(a, r);
	return r;
}

void
state_add_int(json_t *o, const char *key, uint64_t n)
{
	json_t	*v = json_object_get(o, key);

	if (json_is_integer(v))
		json_integer_set(v, state_count_add(json_integer_value(v), n));
	else if (json_object_size(o) < STATE_KEYS_MAX)
		json_object_set_new(o, key, json_integer(state_count_add(0,
		    n)));
}

void
state_add_traffic(struct state *st, const char *iface, time_t now,
    uint64_t pkts, uint64_t recv, uint64_t drops)
{
	json_t	*b;

	if (pkts == 0 && recv == 0 && drops == 0)
		return;
	b = bucket(st, "traffic", iface, now);
	state_add_int(b, "packets", pkts);
	state_add_int(b, "received", recv);
	state_add_int(b, "drops", drops);
	st->dirty = 1;
}

/* An interface's state when it differs from the last one recorded. */
void
state_iface_state(struct state *st, const char *iface, time_t now,
    const char *state)
{
	json_t	*a = json_object_get(st->doc, "iface_events"), *r;
	size_t	 i;

	for (i = json_array_size(a); i > 0; i--) {
		r = json_array_get(a, i - 1);
		if (strcmp(json_string_value(json_object_get(r, "iface")),
		    iface) == 0) {
			if (strcmp(json_string_value(json_object_get(r,
			    "state")), state) == 0)
				return;
			break;
		}
	}
	json_array_append_new(a, json_pack("{s:I,s:s,s:s}", "time",
	    (json_int_t)now, "iface", iface, "state", state));
	st->dirty = 1;
}

void
state_add_alerts(struct state *st, time_t now, const char *category,
    const char *const *controls, size_t ncontrols, uint64_t n, time_t last)
{
	json_t	*b, *la = json_object_get(st->doc, "last_alert");
	size_t	 i;

	if (n == 0)
		return;
	b = bucket(st, "alerts", NULL, now);
	state_add_int(b, "total", n);
	state_add_int(json_object_get(b, "categories"), category, n);
	for (i = 0; i < ncontrols; i++) {
		state_add_int(json_object_get(b, "controls"), controls[i], n);
		if (json_integer_value(json_object_get(la, controls[i])) <
		    last && (json_object_get(la, controls[i]) != NULL ||
		    json_object_size(la) < STATE_KEYS_MAX))
			json_object_set_new(la, controls[i],
			    json_integer(last));
	}
	st->dirty = 1;
}

/* One output: delivered and dropped since the last call, queue depth. */
void
state_output(struct state *st, const char *name, time_t now,
    uint64_t delivered, uint64_t dropped, int64_t pending, int64_t bytes,
    const char *ostate)
{
	json_t	*a = json_object_get(st->doc, "outputs"), *r = NULL;
	size_t	 i;

	json_array_foreach(a, i, r)
		if (strcmp(json_string_value(json_object_get(r, "name")),
		    name) == 0)
			break;
	if (i == json_array_size(a)) {
		r = json_pack("{s:s,s:n,s:i}", "name", name, "last_delivered",
		    "dropped", 0);
		json_array_append_new(a, r);
	}
	if (delivered > 0)
		json_object_set_new(r, "last_delivered", json_integer(now));
	state_add_int(r, "dropped", dropped);
	json_object_set_new(r, "updated", json_integer(now));
	json_object_set_new(r, "spool_pending", pending >= 0 ?
	    json_integer(pending) : json_null());
	json_object_set_new(r, "spool_bytes", bytes >= 0 ?
	    json_integer(bytes) : json_null());
	json_object_set_new(r, "state", ostate ? json_string(ostate) :
	    json_null());
	if (delivered > 0 || dropped > 0)
		st->dirty = 1;
}
