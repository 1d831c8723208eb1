/*
 * The sensor's memory across restarts, for the compliance report: runs
 * (start, last sign of life, clean stop), capture interface state
 * changes, packets and capture drops per interface in hourly buckets,
 * alerts per hour by category and control, reloads with the digest of
 * the rule set, and each output's delivery state.
 *
 * One small JSON file, STATE_DIR/state.json, rewritten whole every
 * minute (and at start, reload and stop) through a temporary file and
 * rename, so that a crash leaves the old or the new file, never half of
 * one. Every array is capped: hourly buckets older than two weeks become
 * daily ones, anything older than STATE_KEEP_DAYS goes, and each list
 * keeps its newest entries only. The file is read as hostile input: a
 * record of the wrong shape is dropped, a file that is not ours is set
 * aside with a warning and the history starts afresh.
 *
 * Nothing here runs per packet: a timer samples the counters the other
 * subsystems keep anyway (rule hits, pcap statistics, output stats) and
 * adds what changed since the last sample.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "canhgac.h"
#include "rules.h"
#include "safefile.h"

#define STATE_FORMAT		"canhgac-state"
#define STATE_VERSION		1
#define HOUR			3600
#define DAY			86400
#define SAMPLE_SECS		10	/* counters; link state every second */
#define SAVE_SECS		60	/* the file */
#define NAME_MAX_LEN		96	/* interface, output, control names */
#define TEXT_MAX_LEN		512	/* reload errors */

/* What was last seen of a counter, to add only the difference. */
struct base_sid {
	uint32_t	 sid;
	uint64_t	 hits;
};
struct base_iface {
	char		 name[64];
	uint64_t	 pkts, recv, drops;
	char		 st[16];
};
struct base_out {
	char		 name[NAME_MAX_LEN];
	uint64_t	 sent, dropped;
};

struct state {
	char		*path, *tmp, *lock;
	int		 lockfd;
	int		 utc_offset;
	json_t		*doc;
	json_t		*run;		/* this process's run, in doc */
	int		 dirty;
	/* Sensor glue. */
	struct sensor	*s;
	struct event	*ev;
	time_t		 last_save;
	unsigned	 ticks;
	const struct ruleset *base_rs;
	struct base_sid	*bsid;
	size_t		 nbsid;
	struct base_iface bif[IFACE_MAX];
	int		 nbif;
	struct base_out	 bout[STATE_OUTPUTS_MAX];
	int		 nbout;
	char		 obuf[32768];	/* outputs_stats_json */
};

/* A string member, or "" (never NULL). */
static const char *
js_get(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static time_t
now_sec(void)
{
	return time(NULL);
}

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

static json_t *
fresh_doc(void)
{
	return json_pack("{s:s,s:i,s:[],s:[],s:[],s:[],s:[],s:{},s:[]}",
	    "format", STATE_FORMAT, "version", STATE_VERSION, "runs",
	    "reloads", "iface_events", "traffic", "alerts", "last_alert",
	    "outputs");
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
		return int_ok(json_object_get(r, "start")) >= 0 &&
		    int_ok(json_object_get(r, "seen")) >=
		    json_integer_value(json_object_get(r, "start")) &&
		    ((e = json_object_get(r, "end")) == NULL ||
		    json_is_null(e) || int_ok(e) >= 0) &&
		    json_is_boolean(json_object_get(r, "clean"));
	if (strcmp(which, "reloads") == 0)
		return int_ok(json_object_get(r, "time")) >= 0 &&
		    json_is_boolean(json_object_get(r, "ok"));
	if (strcmp(which, "iface_events") == 0)
		return int_ok(json_object_get(r, "time")) >= 0 &&
		    str_ok(json_object_get(r, "iface"), 63) != NULL &&
		    str_ok(json_object_get(r, "state"), 15) != NULL;
	if (strcmp(which, "traffic") == 0 || strcmp(which, "alerts") == 0) {
		json_int_t span = int_ok(json_object_get(r, "span"));

		if (int_ok(json_object_get(r, "t")) < 0 ||
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
	if (strcmp(which, "outputs") == 0)
		return str_ok(json_object_get(r, "name"), NAME_MAX_LEN) &&
		    int_ok(json_object_get(r, "dropped")) >= 0 &&
		    int_ok(json_object_get(r, "updated")) >= 0;
	return 0;
}

static const char *const arrays[] = {
	"runs", "reloads", "iface_events", "traffic", "alerts", "outputs"
};

/* The t (or time/start) of a record, for sorting. */
static json_int_t
rec_time(json_t *r)
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
	json_int_t	x = rec_time(*(json_t *const *)a);
	json_int_t	y = rec_time(*(json_t *const *)b);

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
	la = json_object_get(doc, "last_alert");
	if (!json_is_object(la) || json_object_size(la) > STATE_KEYS_MAX) {
		bad += la != NULL;
		json_object_set_new(doc, "last_alert", json_object());
	} else {
		json_t *tmp;

		json_object_foreach_safe(la, tmp, k, r)
			if (strlen(k) > NAME_MAX_LEN || int_ok(r) < 0) {
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
state_load(const char *path, int utc_offset)
{
	struct state	*st = xcalloc(1, sizeof(*st));
	struct stat	 sb;
	json_error_t	 je;
	json_t		*doc = NULL;
	int		 fd, bad;

	st->path = xstrdup(path);
	xasprintf(&st->tmp, "%s.tmp", path);
	st->lockfd = -1;
	st->utc_offset = utc_offset;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			log_warn("state %s: cannot read, starting a new "
			    "history", path);
		goto fresh;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > STATE_FILE_MAX) {
		log_warnx("state %s: not a regular file of at most %d bytes; "
		    "starting a new history", path, STATE_FILE_MAX);
		close(fd);
		goto fresh;
	}
	doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	close(fd);
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

/* Add every count of src into dst (nested maps too, keys capped). */
static void
merge_counts(json_t *dst, json_t *src)
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
				merge_counts(d, v);
		} else if (json_is_integer(v) && strcmp(k, "t") != 0 &&
		    strcmp(k, "span") != 0) {
			if (json_is_integer(d))
				json_integer_set(d, json_integer_value(d) +
				    json_integer_value(v));
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

	json_array_foreach(a, i, r) {
		json_int_t t = json_integer_value(json_object_get(r, "t"));
		json_int_t span = json_integer_value(json_object_get(r,
		    "span"));
		json_int_t ds;
		int found = 0;

		if (t + span < kcut)
			continue;
		if (span != HOUR || t >= hcut) {
			json_array_append(out, r);
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
				merge_counts(d, r);
				found = 1;
			}
		}
		if (found)
			continue;
		d = json_deep_copy(r);
		json_object_set_new(d, "t", json_integer(ds));
		json_object_set_new(d, "span", json_integer(DAY));
		json_array_append_new(out, d);
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
	compact(st, json_object_get(d, "traffic"), STATE_TRAFFIC_MAX, now);
	compact(st, json_object_get(d, "alerts"), STATE_ALERTS_MAX, now);
}

/* Write the file: temporary file, fsync, rename over the old one. */
int
state_save(struct state *st, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 fd;

	enforce_caps(st, now_sec());
	if ((buf = json_dumps(st->doc, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "state %s: cannot encode", st->path);
		return -1;
	}
	len = strlen(buf);
	(void)unlink(st->tmp);
	fd = open(st->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
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
		unlink(st->tmp);
		return -1;
	}
	close(fd);
	if (rename(st->tmp, st->path) != 0) {
		snprintf(err, errlen, "state %s: rename: %s", st->path,
		    strerror(errno));
		unlink(st->tmp);
		return -1;
	}
	st->dirty = 0;
	return 0;
}

void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	if (st->lockfd >= 0)
		close(st->lockfd);
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

static void
add_int(json_t *o, const char *key, uint64_t n)
{
	json_t	*v = json_object_get(o, key);

	if (json_is_integer(v))
		json_integer_set(v, json_integer_value(v) + (json_int_t)n);
	else if (json_object_size(o) < STATE_KEYS_MAX)
		json_object_set_new(o, key, json_integer((json_int_t)n));
}

void
state_add_traffic(struct state *st, const char *iface, time_t now,
    uint64_t pkts, uint64_t recv, uint64_t drops)
{
	json_t	*b;

	if (pkts == 0 && recv == 0 && drops == 0)
		return;
	b = bucket(st, "traffic", iface, now);
	add_int(b, "packets", pkts);
	add_int(b, "received", recv);
	add_int(b, "drops", drops);
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
	add_int(b, "total", n);
	add_int(json_object_get(b, "categories"), category, n);
	for (i = 0; i < ncontrols; i++) {
		add_int(json_object_get(b, "controls"), controls[i], n);
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
	add_int(r, "dropped", dropped);
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

/* ---- The report's view: the period [since, now]. ---- */

static json_t *
iso(json_int_t t)
{
	char		 buf[32];
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (t <= 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_int_t
overlap(json_int_t a, json_int_t b, json_int_t since, json_int_t until)
{
	if (a < since)
		a = since;
	if (b > until)
		b = until;
	return b > a ? b - a : 0;
}

/* When a run ended (or now, for the one running). */
static json_int_t
run_end(const struct state *st, json_t *r, json_int_t now)
{
	json_t	*e = json_object_get(r, "end");

	if (json_is_integer(e))
		return json_integer_value(e);
	if (r == st->run)
		return now;
	return json_integer_value(json_object_get(r, "seen"));
}

static void
gap(json_t *gaps, json_int_t from, json_int_t to, json_int_t since,
    json_int_t now, const char *why)
{
	if (overlap(from, to, since, now) == 0)
		return;
	if (from < since)
		from = since;
	if (to > now)
		to = now;
	json_array_append_new(gaps, json_pack("{s:o,s:o,s:I,s:s}", "from",
	    iso(from), "to", iso(to), "seconds", to - from, "reason", why));
}

/* Runs, uptime and gaps within the period. */
static void
ev_runs(const struct state *st, json_t *ev, json_int_t since, json_int_t now)
{
	json_t		*runs = json_array(), *gaps = json_array(), *r;
	json_t		*all = json_object_get(st->doc, "runs");
	json_int_t	 up = 0, prev_end = -1, first = -1;
	size_t		 i;
	int		 unclean = 0, prev_clean = 1;

	json_array_foreach(all, i, r) {
		json_int_t	s = json_integer_value(json_object_get(r,
				    "start"));
		json_int_t	e = run_end(st, r, now);
		int		clean = json_is_true(json_object_get(r,
				    "clean"));
		int		running = r == st->run;

		if (first < 0)
			first = s;
		if (prev_end >= 0)
			gap(gaps, prev_end, s, since, now, prev_clean ?
			    "stopped" : "unclean-end");
		prev_end = e;
		prev_clean = clean;
		if (!running && (e < since || (e == since && s < since)))
			continue;
		up += overlap(s, e, since, now);
		if (!clean && !running && e >= since)
			unclean++;
		json_array_append_new(runs, json_pack("{s:o,s:o,s:b,s:b,s:s?}",
		    "start", iso(s), "end", iso(e), "clean", clean,
		    "running", running, "digest", json_string_value(
		    json_object_get(r, "digest"))));
	}
	/* Before the first record nothing is known: say so as a gap. */
	if (first > since)
		gap(gaps, since, first, since, now, "no-record");
	if (prev_end >= 0 && prev_end < now && (json_array_size(all) == 0 ||
	    json_array_get(all, json_array_size(all) - 1) != st->run))
		gap(gaps, prev_end, now, since, now, prev_clean ? "stopped" :
		    "unclean-end");
	json_object_set_new(ev, "runs", runs);
	json_object_set_new(ev, "gaps", gaps);
	json_object_set_new(ev, "uptime_in_period", json_integer(up));
	json_object_set_new(ev, "unclean_ends", json_integer(unclean));
	json_object_set_new(ev, "history_from", iso(first));
	json_object_set_new(ev, "coverage_percent", json_real(now > since ?
	    100.0 * (double)up / (double)(now - since) : 0.0));
}

/* Periods an interface was not up, from its state changes. */
static json_t *
iface_down(const struct state *st, const char *name, json_int_t since,
    json_int_t now)
{
	json_t		*ev = json_object_get(st->doc, "iface_events");
	json_t		*runs = json_object_get(st->doc, "runs");
	json_t		*out = json_array(), *r, *n, *u;
	size_t		 i, j;

	json_array_foreach(ev, i, r) {
		json_int_t	t = json_integer_value(json_object_get(r,
				    "time"));
		json_int_t	end = -1;
		const char	*s = json_string_value(json_object_get(r,
				    "state"));

		if (strcmp(json_string_value(json_object_get(r, "iface")),
		    name) != 0 || strcmp(s, "up") == 0)
			continue;
		for (j = i + 1; j < json_array_size(ev); j++) {
			n = json_array_get(ev, j);
			if (strcmp(json_string_value(json_object_get(n,
			    "iface")), name) == 0) {
				end = json_integer_value(json_object_get(n,
				    "time"));
				break;
			}
		}
		/* Not after the end of the run it was seen in. */
		json_array_foreach(runs, j, u) {
			json_int_t rs = json_integer_value(json_object_get(u,
			    "start"));
			json_int_t re = run_end(st, u, now);

			if (rs <= t && t <= re && (end < 0 || end > re))
				end = re;
		}
		if (end < 0)
			end = now;
		if (overlap(t, end, since, now) == 0 && !(t == end &&
		    t >= since))
			continue;
		json_array_append_new(out, json_pack("{s:o,s:o,s:I,s:s}",
		    "from", iso(t < since ? since : t), "to", iso(end),
		    "seconds", overlap(t, end, since, now), "state", s));
	}
	return out;
}

/* The totals of one interface in ifs, made on first use. */
static json_t *
iface_entry(json_t *ifs, const char *name)
{
	json_t	*o;
	size_t	 j;

	json_array_foreach(ifs, j, o)
		if (strcmp(js_get(o, "name"), name) == 0)
			return o;
	o = json_pack("{s:s,s:i,s:i,s:i}", "name", name, "packets", 0,
	    "received", 0, "drops", 0);
	json_array_append_new(ifs, o);
	return o;
}

/* Packets, drops and the drop rate per interface, and over time. */
static void
ev_traffic(const struct state *st, json_t *ev, json_int_t since,
    json_int_t now, json_int_t *from)
{
	json_t		*tr = json_object_get(st->doc, "traffic");
	json_t		*ifs = json_array(), *series = json_array(), *r, *o;
	size_t		 i;

	json_array_foreach(tr, i, r) {
		json_int_t	t = json_integer_value(json_object_get(r, "t"));
		json_int_t	span = json_integer_value(json_object_get(r,
				    "span"));
		json_int_t	recv = json_integer_value(json_object_get(r,
				    "received"));
		json_int_t	drops = json_integer_value(json_object_get(r,
				    "drops"));
		const char	*name = json_string_value(json_object_get(r,
				    "iface"));

		if (t + span <= since || t > now)
			continue;
		if (*from < 0 || t < *from)
			*from = t;
		json_array_append_new(series, json_pack("{s:o,s:I,s:s,s:I,s:I,"
		    "s:I,s:f}", "t", iso(t), "span", span, "iface", name,
		    "packets", json_integer_value(json_object_get(r,
		    "packets")), "received", recv, "drops", drops,
		    "drop_rate", recv + drops > 0 ? 100.0 * (double)drops /
		    (double)(recv + drops) : 0.0));
		o = iface_entry(ifs, name);
		add_int(o, "packets", (uint64_t)json_integer_value(
		    json_object_get(r, "packets")));
		add_int(o, "received", (uint64_t)recv);
		add_int(o, "drops", (uint64_t)drops);
	}
	/* Interfaces seen only in state changes still get their periods. */
	json_array_foreach(json_object_get(st->doc, "iface_events"), i, r)
		(void)iface_entry(ifs, js_get(r, "iface"));
	json_array_foreach(ifs, i, o) {
		json_int_t recv = json_integer_value(json_object_get(o,
		    "received"));
		json_int_t drops = json_integer_value(json_object_get(o,
		    "drops"));

		json_object_set_new(o, "drop_rate", json_real(recv + drops > 0 ?
		    100.0 * (double)drops / (double)(recv + drops) : 0.0));
		json_object_set_new(o, "down", iface_down(st, js_get(o, "name"),
		    since, now));
	}
	json_object_set_new(ev, "interface_history", ifs);
	json_object_set_new(ev, "drops_over_time", series);
}

/* "2025-01-02" of t in the sensor's time zone. */
static void
local_day(const struct state *st, json_int_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)(t + st->utc_offset);
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Alerts in the period: by control, by category, per day. */
static void
ev_alerts(const struct state *st, json_t *ev, json_int_t since,
    json_int_t now, json_int_t *from)
{
	json_t		*al = json_object_get(st->doc, "alerts");
	json_t		*ctl = json_object(), *cat = json_object();
	json_t		*days = json_array(), *last = json_object();
	json_t		*r, *d = NULL, *v;
	const char	*k;
	json_int_t	 total = 0;
	char		 day[16];
	size_t		 i;

	json_array_foreach(al, i, r) {
		json_int_t	t = json_integer_value(json_object_get(r, "t"));
		json_int_t	span = json_integer_value(json_object_get(r,
				    "span"));

		if (t + span <= since || t > now)
			continue;
		if (*from < 0 || t < *from)
			*from = t;
		merge_counts(ctl, json_object_get(r, "controls"));
		merge_counts(cat, json_object_get(r, "categories"));
		total += json_integer_value(json_object_get(r, "total"));
		local_day(st, t, day, sizeof(day));
		if (d == NULL || strcmp(js_get(d, "day"), day) != 0) {
			d = json_pack("{s:s,s:i,s:{}}", "day", day, "total", 0,
			    "categories");
			json_array_append_new(days, d);
		}
		add_int(d, "total", (uint64_t)json_integer_value(
		    json_object_get(r, "total")));
		merge_counts(json_object_get(d, "categories"),
		    json_object_get(r, "categories"));
	}
	json_object_foreach(json_object_get(st->doc, "last_alert"), k, v)
		if (json_integer_value(v) >= since)
			json_object_set_new(last, k, iso(json_integer_value(v)));
	json_object_set_new(ev, "alerts_total", json_integer(total));
	json_object_set_new(ev, "alerts_by_control", ctl);
	json_object_set_new(ev, "alerts_by_category", cat);
	json_object_set_new(ev, "alerts_per_day", days);
	json_object_set_new(ev, "last_alert", last);
}

/*
 * Rule-set history: each start and reload with its digest, and whether
 * the digest differs from the one before (a change of the rule set).
 */
static void
ev_ruleset(const struct state *st, json_t *ev, json_int_t since,
    json_int_t now)
{
	json_t		*runs = json_object_get(st->doc, "runs");
	json_t		*rl = json_object_get(st->doc, "reloads");
	json_t		*hist = json_array();
	const char	*prev = NULL;
	size_t		 i = 0, j = 0;
	int		 changes = 0, nrel = 0, fails = 0;

	/* Both lists are in time order: merge them. */
	while (i < json_array_size(runs) || j < json_array_size(rl)) {
		json_t		*a = json_array_get(runs, i);
		json_t		*b = json_array_get(rl, j);
		int		 isrun = b == NULL || (a != NULL &&
				    rec_time(a) <= rec_time(b));
		json_t		*x = isrun ? a : b;
		json_int_t	 t = rec_time(x);
		const char	*dg = json_string_value(json_object_get(x,
				    "digest"));
		int		 ok = isrun || json_is_true(json_object_get(x,
				    "ok"));
		int		 changed = ok && dg != NULL && prev != NULL &&
				    strcmp(dg, prev) != 0;

		if (isrun)
			i++;
		else
			j++;
		if (t >= since && t <= now) {
			json_array_append_new(hist, json_pack("{s:o,s:s,s:b,"
			    "s:s?,s:b,s:s?}", "time", iso(t), "event",
			    isrun ? "start" : "reload", "ok", ok, "digest", dg,
			    "changed", changed, "error", json_string_value(
			    json_object_get(x, "error"))));
			changes += changed;
			nrel += !isrun;
			fails += !ok;
		}
		if (ok && dg != NULL)
			prev = dg;
	}
	json_object_set_new(ev, "ruleset_history", hist);
	json_object_set_new(ev, "ruleset_changes", json_integer(changes));
	json_object_set_new(ev, "reloads_in_period", json_integer(nrel));
	json_object_set_new(ev, "reload_failures_in_period",
	    json_integer(fails));
}

static json_t *
ev_outputs(const struct state *st)
{
	json_t	*out = json_array(), *r;
	size_t	 i;

	json_array_foreach(json_object_get(st->doc, "outputs"), i, r)
		json_array_append_new(out, json_pack("{s:s,s:o,s:O,s:O,s:O,"
		    "s:O,s:o}", "name", js_get(r, "name"), "last_delivered",
		    iso(json_integer_value(json_object_get(r,
		    "last_delivered"))), "dropped", json_object_get(r,
		    "dropped"), "spool_pending", json_object_get(r,
		    "spool_pending") ? json_object_get(r, "spool_pending") :
		    json_null(), "spool_bytes", json_object_get(r,
		    "spool_bytes") ? json_object_get(r, "spool_bytes") :
		    json_null(), "state", json_object_get(r, "state") ?
		    json_object_get(r, "state") : json_null(), "updated",
		    iso(json_integer_value(json_object_get(r, "updated")))));
	return out;
}

/* What the state holds for the period [since, now], as report JSON. */
json_t *
state_evidence(const struct state *st, time_t since, time_t now)
{
	int		 all = since <= 0;
	json_t		*ev = json_object();
	json_int_t	 from = -1;

	json_t		*r0 = json_array_get(json_object_get(st->doc, "runs"),
			    0);

	if (since > now)
		since = now;
	/* No --since: all of the history there is. */
	if (since <= 0)
		since = r0 != NULL ? rec_time(r0) : now;
	ev_runs(st, ev, since, now);
	ev_traffic(st, ev, since, now, &from);
	ev_alerts(st, ev, since, now, &from);
	ev_ruleset(st, ev, since, now);
	json_object_set_new(ev, "delivery", ev_outputs(st));
	json_object_set_new(ev, "period", json_pack("{s:o,s:o,s:o,s:s}",
	    "since", all ? json_null() : iso(since), "until", iso(now),
	    "counts_from", iso(from >= 0 && from < since ? from : since),
	    "state_file", st->path));
	return ev;
}

/* ---- The daemon's side: sampling on a timer, start, reload, stop. ---- */

static int
bsid_cmp(const void *a, const void *b)
{
	const struct base_sid	*x = a, *y = b;

	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* Alerts since the last sample, from the rules' own hit counters. */
static void
sample_rules(struct state *st, const struct ruleset *rs, time_t now)
{
	struct base_sid	*nb;
	struct rule_info ri;
	size_t		 i, n = rules_size(rs);

	if (rs == NULL)
		return;
	nb = xcalloc(n + 1, sizeof(*nb));
	for (i = 0; rules_info(rs, i, &ri) == 0; i++) {
		const struct rule_info	*r = &ri;
		struct base_sid		 key = { r->sid, 0 }, *o;
		uint64_t		 prev = 0;

		o = st->nbsid ? bsearch(&key, st->bsid, st->nbsid,
		    sizeof(*st->bsid), bsid_cmp) : NULL;
		if (o != NULL)
			prev = o->hits;
		/* Counters only grow; a smaller one is a new rule. */
		if (r->hits > prev)
			state_add_alerts(st, now, rules_category_name(
			    r->category), r->controls, r->ncontrols,
			    r->hits - prev, (time_t)(r->last_hit / 1000000));
		nb[i].sid = r->sid;
		nb[i].hits = r->hits;
	}
	qsort(nb, n, sizeof(*nb), bsid_cmp);
	free(st->bsid);
	st->bsid = nb;
	st->nbsid = n;
	st->base_rs = rs;
}

/* The difference of a counter that may have been reset. */
static uint64_t
delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

static int
sample_ifaces(struct state *st, struct sensor *s, time_t now)
{
	int	i, j, changed = 0;

	capture_stats_update(s->cap);
	for (i = 0; i < capture_count(s->cap); i++) {
		const struct iface	*ifc = capture_iface(s->cap, i);
		struct base_iface	*b = NULL;
		const char		*ist = capture_link_name(
					    capture_link_state(ifc));
		uint64_t		 drops = ifc->ps_drop + ifc->ps_ifdrop;

		for (j = 0; j < st->nbif; j++)
			if (strcmp(st->bif[j].name, ifc->name) == 0)
				b = &st->bif[j];
		if (b == NULL) {
			if (st->nbif == IFACE_MAX)
				continue;
			b = &st->bif[st->nbif++];
			memset(b, 0, sizeof(*b));
			snprintf(b->name, sizeof(b->name), "%s", ifc->name);
		}
		state_add_traffic(st, ifc->name, now, delta(ifc->pkts,
		    b->pkts), delta(ifc->ps_recv, b->recv), delta(drops,
		    b->drops));
		b->pkts = ifc->pkts;
		b->recv = ifc->ps_recv;
		b->drops = drops;
		if (strcmp(b->st, ist) != 0) {
			changed = b->st[0] != '\0';
			snprintf(b->st, sizeof(b->st), "%s", ist);
			state_iface_state(st, ifc->name, now, ist);
		}
	}
	return changed;
}

static struct base_out *
base_out(struct state *st, const char *name)
{
	int	i;

	for (i = 0; i < st->nbout; i++)
		if (strcmp(st->bout[i].name, name) == 0)
			return &st->bout[i];
	if (st->nbout == STATE_OUTPUTS_MAX)
		return NULL;
	memset(&st->bout[st->nbout], 0, sizeof(st->bout[0]));
	snprintf(st->bout[st->nbout].name, sizeof(st->bout[0].name), "%s",
	    name);
	return &st->bout[st->nbout++];
}

static void
sample_output(struct state *st, const char *name, time_t now, uint64_t sent,
    uint64_t dropped, int64_t pending, int64_t bytes, const char *ostate)
{
	struct base_out	*b = base_out(st, name);

	if (b == NULL)
		return;
	state_output(st, name, now, delta(sent, b->sent), delta(dropped,
	    b->dropped), pending, bytes, ostate);
	b->sent = sent;
	b->dropped = dropped;
}

/* Each output's delivery, from the counters it keeps (output.c). */
static void
sample_outputs(struct state *st, struct sensor *s, time_t now)
{
	struct jsonw	 w;
	json_t		*o, *sl, *r;
	char		 name[NAME_MAX_LEN];
	size_t		 i;

	if (s->alerts != NULL) {
		snprintf(name, sizeof(name), "json %s", s->conf->alerts_path ?
		    s->conf->alerts_path : (s->alerts_path ? s->alerts_path :
		    "-"));
		sample_output(st, name, now, alert_out_count(s->alerts),
		    alert_out_errors(s->alerts), -1, -1, NULL);
	}
	if (s->outputs == NULL)
		return;
	jw_init(&w, st->obuf, sizeof(st->obuf));
	outputs_stats_json(s->outputs, &w);
	if (jw_finish(&w) <= 0 || (o = json_loads(st->obuf, 0, NULL)) ==
	    NULL)
		return;
	sl = json_object_get(json_object_get(o, "outputs"), "syslog");
	if (sl != NULL)
		sample_output(st, "syslog", now, (uint64_t)json_integer_value(
		    json_object_get(sl, "sent")), (uint64_t)json_integer_value(
		    json_object_get(sl, "dropped")), json_integer_value(
		    json_object_get(sl, "waiting")), -1, NULL);
	json_array_foreach(json_object_get(json_object_get(o, "outputs"),
	    "remote"), i, r) {
		snprintf(name, sizeof(name), "remote %s", js_get(r,
		    "destination"));
		sample_output(st, name, now, (uint64_t)(json_integer_value(
		    json_object_get(r, "sent")) + json_integer_value(
		    json_object_get(r, "replayed"))), (uint64_t)
		    json_integer_value(json_object_get(r, "dropped")),
		    json_integer_value(json_object_get(r, "spool_pending")),
		    json_integer_value(json_object_get(r, "spool_bytes")),
		    js_get(r, "state"));
	}
	json_decref(o);
}

static void
save_now(struct state *st)
{
	char	err[512];

	if (state_save(st, err, sizeof(err)) != 0) {
		/* Once per minute at most: the timer saves no more often. */
		log_warnx("%s", err);
	}
	st->last_save = now_sec();
}

/* Fold everything counted since the last sample into the state. */
void
state_sample(struct sensor *s)
{
	struct state	*st = s->state;
	time_t		 now = now_sec();
	int		 urgent;

	if (st == NULL)
		return;
	state_run_seen(st, now);
	urgent = sample_ifaces(st, s, now);
	sample_rules(st, s->rules, now);
	sample_outputs(st, s, now);
	if (urgent)
		save_now(st);
}

/* Each second the links (a short outage counts); the rest less often. */
static void
on_state_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sensor	*s = arg;
	struct state	*st = s->state;
	time_t		 now = now_sec();

	(void)fd;
	(void)what;
	if (++st->ticks % SAMPLE_SECS != 0) {
		if (sample_ifaces(st, s, now))
			save_now(st);
		return;
	}
	state_sample(s);
	if (now - st->last_save >= SAVE_SECS)
		save_now(st);
}

/* May the service user create files in dir? A warning if not. */
static void
check_writable(struct sensor *s, const char *dir)
{
	struct stat	sb;
	uid_t		uid;
	gid_t		gid;
	char		err[256];

	if (geteuid() != 0 || s->conf->user == NULL ||
	    daemon_user(s->conf->user, &uid, &gid, err, sizeof(err)) != 0 ||
	    stat(dir, &sb) != 0)
		return;
	if (sb.st_uid == uid ? (sb.st_mode & S_IWUSR) : sb.st_gid == gid ?
	    (sb.st_mode & S_IWGRP) : (sb.st_mode & S_IWOTH))
		return;
	log_warnx("state directory %s is not writable by user %s: the "
	    "history of the compliance report will not be saved (see "
	    "etc/canhgac.tmpfiles)", dir, s->conf->user);
}

/*
 * At start (after capture opened): read the file, record this run and
 * the interfaces' state, save, and sample every SAMPLE_SECS. Replays
 * (-r) leave the state alone: they are not the sensor running.
 */
int
state_init(struct sensor *s, char *err, size_t errlen)
{
	struct timeval	 tv = { 1, 0 };
	struct state	*st;
	struct stat	 sb = { 0 };
	char		*dir, *path, digest[65], why[512];

	(void)err;
	(void)errlen;
	if (s->offline || s->conf->state_dir == NULL ||
	    strcmp(s->conf->state_dir, "none") == 0)
		return 0;
	dir = config_path(s->conf, s->conf->state_dir);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		log_warnx("state directory %s: %s; the compliance report will "
		    "have no history", dir, sb.st_mode == 0 ?
		    strerror(errno) : "not a directory");
		free(dir);
		return 0;
	}
	xasprintf(&path, "%s/state.json", dir);
	st = state_load(path, s->conf->utc_offset);
	free(path);
	/* One daemon per state file: a second one runs without. */
	xasprintf(&st->lock, "%s/state.lock", dir);
	/* In the service user's directory: no link of its is followed. */
	st->lockfd = safe_open(st->lock, O_RDWR | O_CREAT, 0640, SAFE_GIVE,
	    why, sizeof(why));
	if (st->lockfd < 0 || flock(st->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (st->lockfd < 0)
			log_warnx("state: %s; running without history", why);
		else
			log_warnx("state %s: held by another canhgacd; running "
			    "without history", st->lock);
		state_free(st);
		free(dir);
		return 0;
	}
	check_writable(s, dir);
	free(dir);
	s->state = st;
	st->s = s;
	compliance_digest(s->conf, s->rules, digest);
	state_run_start(st, now_sec(), digest);
	state_sample(s);
	save_now(st);
	if ((st->ev = event_new(s->base, -1, EV_PERSIST, on_state_tick,
	    s)) == NULL || event_add(st->ev, &tv) != 0)
		log_warnx("state: cannot start the timer; saved at stop only");
	return 0;
}

void
state_reload_begin(struct sensor *s)
{
	state_sample(s);
}

/* A reload happened: record it with the digest of the rule set now. */
void
state_reload_end(struct sensor *s, int ok, const char *error)
{
	char	digest[65];

	if (s->state == NULL)
		return;
	/* sensor.timezone applies on reload: days are the new zone's. */
	s->state->utc_offset = s->conf->utc_offset;
	compliance_digest(s->conf, s->rules, digest);
	state_reload(s->state, now_sec(), ok, ok ? digest : NULL,
	    ok ? NULL : error);
	state_sample(s);
	save_now(s->state);
}

/* A clean stop: the last counters, the end of the run, saved. */
void
state_shutdown(struct sensor *s)
{
	struct state	*st = s->state;

	if (st == NULL)
		return;
	state_sample(s);
	state_run_stop(st, now_sec());
	save_now(st);
	if (st->ev != NULL)
		event_free(st->ev);
	state_free(st);
	s->state = NULL;
}
