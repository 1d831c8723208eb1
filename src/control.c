/*
 * The status socket: a UNIX stream socket on the daemon's event base,
 * speaking JSON lines (include/ctl-protocol.h).
 *
 * Hardening, after tmux's server_accept and relayd's control_init: the
 * path length is checked, a stale socket is unlinked (a live one is
 * not), the socket is bound under a umask and then given its group and
 * mode. Each peer is identified with SO_PEERCRED and its groups with
 * SO_PEERGROUPS: read-only commands need root, the daemon's own user or
 * a member of the socket's group; commands that change anything need
 * root or outputs.status.admin_group. Refusals are logged (rate-limited).
 *
 * Every client is bounded: at most CTL_CLIENTS_MAX at once, of which
 * CTL_ADMIN_RESERVE are kept for admins (root and admin_group: an admin
 * may also displace a non-admin follower), at most
 * outputs.status.clients_per_uid for any uid but root, so that no
 * reader can lock an operator out (the longest idle client makes room
 * for a new one); CTL_LINE_MAX bytes a request, an idle timeout, and a
 * follower that receives nothing for outputs.status.follow_idle is
 * closed. Output is capped as input is: an answer is at most
 * CTL_REPLY_MAX bytes, all clients' queued output at most
 * CTL_QUEUED_MAX (small answers always go), a request is not read
 * while a response is still queued beyond CTL_OUT_HIGH, and a follow
 * client that falls CTL_FOLLOW_MAX behind is sent a notice and
 * disconnected. A bad client is closed; nothing a client sends makes
 * the daemon exit.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "alert.h"
#include "compliance.h"
#include "conf.h"
#include "control.h"
#include "ctl-protocol.h"
#include "domset.h"
#include "eventlog.h"
#include "flow.h"
#include "ipset.h"
#include "log.h"
#include "output.h"
#include "rules.h"
#include "sensor.h"
#include "history.h"
#include "stats.h"
#include "types.h"
#include "xmalloc.h"
#include "rules-internal.h"

#define CTL_CLIENTS_MAX		256
#define CTL_ADMIN_RESERVE	16		/* slots only admins take */
#define CTL_REPLY_MAX		(32 * 1024 * 1024)	/* one answer */
#define CTL_QUEUED_MAX		(64 * 1024 * 1024)	/* all clients */
#define CTL_REPLY_SMALL		(64 * 1024)	/* goes even when full */
#define CTL_ENTRY_MAX		253		/* a list entry, as list add */
#define CTL_OUT_HIGH		(256 * 1024)	/* stop reading requests */
#define CTL_FOLLOW_MAX		(256 * 1024)	/* follow lag before cut-off */
#define CTL_IDLE_SEC		60
#define CTL_WRITE_SEC		10		/* output stalled this long */
#define CTL_RING_MAX		1024		/* recent alerts kept */
#define CTL_RING_BYTES		(4 * 1024 * 1024)
#define CTL_LIST_ENTRIES_MAX	1000		/* per add/remove request */
#define CTL_SHOW_MAX		10000
#define CTL_GROUPS_MAX		256
/*
 * Loop time that requests of non-admins may take in each tenth of a
 * second: the socket shares the loop with capture, and a reader asking
 * for compliance reports without pause on 32 connections made capture
 * drop 80% of the packets. Over it their reading stops until the next
 * tenth; short slices, so that capture is never held for long.
 */
#define CTL_BUDGET_WINDOW	100000		/* usec */
#define CTL_BUDGET_USEC		10000

struct ctl_filter {
	int		 max_sev;	/* 0 any; else severity number <= */
	int		 category;	/* -1 any */
	uint32_t	 sid;		/* 0 any */
	uint64_t	 since;		/* usec, 0 any */
};

struct ctl_client {
	struct control		*ctl;
	struct bufferevent	*bev;
	struct ctl_client	*prev, *next;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	int			 admin;
	int			 follow;
	int			 closing;
	int			 paused;	/* reading stopped: output queued */
	int			 throttled;	/* reading stopped: over budget */
	struct ctl_filter	 flt;
	time_t			 last_active;
	time_t			 last_sent;	/* follow: last alert queued */
	size_t			 queued;	/* bytes in the output buffer */
	int			 waiting;	/* answer due when a reload ends */
	int			 in_request;	/* inside client_request */
	json_t			*deferred;	/* list change behind another */
	struct ctl_client	*lq_next;
};

/*
 * A list file changed by list add/remove, as it was: put back if the
 * reload of the change fails. Owned by the control, not the client, so
 * that it is put back even if the client went away meanwhile.
 */
struct list_undo {
	struct control		*ctl;
	struct ctl_client	*cl;		/* NULL: went away */
	char			 file[PATH_MAX];
	char			*buf;
	size_t			 len;
	struct stat		 st;
	json_t			*reply;		/* the answer if it loads */
	char			 what[320];	/* for the log */
};

struct ring_ent {
	uint64_t	 ts;
	uint32_t	 sid;
	uint8_t		 sev;
	uint8_t		 cat;
	char		*line;		/* without the newline */
	size_t		 len;
};

struct control {
	struct sensor		*s;
	struct control_ops	 ops;
	struct evconnlistener	*lis;
	struct event		*ev_resume;	/* accept again after EMFILE */
	struct event		*ev_sweep;	/* closes idle followers */
	struct event		*ev_budget;	/* reads again, next window */
	uint64_t		 budget_start, budget_used;	/* usec */
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t			 group;		/* (gid_t)-1: none */
	gid_t			 admin_gid;
	char			*group_name, *admin_name;
	struct ctl_client	*head;
	size_t			 nclients, nfollow, nnonadmin;
	size_t			 queued;	/* all clients' output bytes */
	uint64_t		 accepted, denied, evicted, cut_off, requests;
	uint64_t		 bad_requests, refused_full, refused_uid;
	uint64_t		 follow_idle_closed, refused_busy, throttled;
	struct ring_ent		 ring[CTL_RING_MAX];
	size_t			 rstart, rcount, rbytes;
	uint64_t		 ring_total;
	time_t			 log_sec;	/* refusal log rate limit */
	int			 log_n, log_suppressed;
	/* One list change at a time: its file is put back if it fails. */
	struct list_undo	*list_undo;
	struct ctl_client	*lq_head, *lq_tail;	/* list changes waiting */
	int			 lq_running;
};

static void	client_read(struct bufferevent *, void *);
static void	client_write(struct bufferevent *, void *);
static void	client_event(struct bufferevent *, short, void *);

/* Log a refusal, at most 5 a second, then a count of the rest. */
static void
ctl_refusal(struct control *ctl, const char *fmt, ...)
{
	time_t	now = time(NULL);
	va_list	ap;
	char	msg[512];

	if (now != ctl->log_sec) {
		if (ctl->log_suppressed > 0)
			log_warnx("control: %d more refusals not logged",
			    ctl->log_suppressed);
		ctl->log_sec = now;
		ctl->log_n = 0;
		ctl->log_suppressed = 0;
	}
	if (ctl->log_n++ >= 5) {
		ctl->log_suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("control: %s", msg);
}

static void
client_free(struct ctl_client *cl)
{
	struct control	*ctl = cl->ctl;

	if (cl->prev != NULL)
		cl->prev->next = cl->next;
	else
		ctl->head = cl->next;
	if (cl->next != NULL)
		cl->next->prev = cl->prev;
	ctl->nclients--;
	if (!cl->admin)
		ctl->nnonadmin--;
	if (cl->follow)
		ctl->nfollow--;
	ctl->queued -= cl->queued;
	if (cl->waiting)
		ctl->ops.reload_forget(ctl->s, cl);
	if (ctl->list_undo != NULL && ctl->list_undo->cl == cl)
		ctl->list_undo->cl = NULL;
	if (cl->deferred != NULL) {
		struct ctl_client **pp, *prev = NULL;

		for (pp = &ctl->lq_head; *pp != NULL && *pp != cl;
		    pp = &(*pp)->lq_next)
			prev = *pp;
		if (*pp == cl)
			*pp = cl->lq_next;
		if (ctl->lq_tail == cl)
			ctl->lq_tail = prev;
		json_decref(cl->deferred);
	}
	bufferevent_free(cl->bev);
	free(cl);
}

/*
 * Close once what is queued has gone out (or CTL_WRITE_SEC passed);
 * returns 1 if the client was freed now.
 */
static int
client_finish(struct ctl_client *cl)
{
	struct timeval	tv = { CTL_WRITE_SEC, 0 };

	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0) {
		client_free(cl);
		return 1;
	}
	cl->closing = 1;
	bufferevent_disable(cl->bev, EV_READ);
	bufferevent_set_timeouts(cl->bev, NULL, &tv);
	return 0;
}

/* Keep the count of every client's queued output bytes. */
static void
client_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct ctl_client	*cl = arg;

	(void)buf;
	cl->queued += info->n_added;
	cl->queued -= info->n_deleted;
	cl->ctl->queued += info->n_added;
	cl->ctl->queued -= info->n_deleted;
}

/*
 * Bytes an answer to cl may take now: CTL_REPLY_MAX, less when the
 * output queued to all clients nears CTL_QUEUED_MAX, but never less
 * than CTL_REPLY_SMALL, so that status and errors always get through.
 */
static size_t
reply_room(const struct control *ctl)
{
	size_t	room = ctl->queued < CTL_QUEUED_MAX ?
		    CTL_QUEUED_MAX - ctl->queued : 0;

	if (room > CTL_REPLY_MAX)
		room = CTL_REPLY_MAX;
	return room < CTL_REPLY_SMALL ? CTL_REPLY_SMALL : room;
}

static void	send_json(struct ctl_client *, json_t *);
static json_t	*reply_err(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/* An answer that did not fit: say why instead (what it was is gone). */
static void
send_too_big(struct ctl_client *cl, size_t room)
{
	struct control	*ctl = cl->ctl;

	ctl->refused_busy++;
	if (room < CTL_REPLY_MAX)
		send_json(cl, reply_err("busy: %zu bytes of answers are "
		    "queued to clients (limit %d); try again shortly",
		    ctl->queued, CTL_QUEUED_MAX));
	else
		send_json(cl, reply_err("answer longer than %d bytes; ask "
		    "for less (filters, --limit, --offset)", CTL_REPLY_MAX));
}

struct dump_ctx {
	struct evbuffer	*out;
	size_t		 left;
};

static int
dump_cb(const char *buf, size_t size, void *arg)
{
	struct dump_ctx	*d = arg;

	if (size > d->left)
		return -1;
	d->left -= size;
	return evbuffer_add(d->out, buf, size);
}

/* Queue j as one line, at most reply_room() bytes; j is consumed. */
static void
send_json(struct ctl_client *cl, json_t *j)
{
	size_t		 room = reply_room(cl->ctl);
	struct dump_ctx	 d = { evbuffer_new(), room - 1 };
	int		 rc;

	/*
	 * Dumped in pieces into a buffer of its own, moved (not copied) to
	 * the client's once complete: no second copy of a big answer, and
	 * nothing of one that does not fit.
	 */
	rc = json_dump_callback(j, dump_cb, &d, JSON_COMPACT |
	    JSON_ENSURE_ASCII);
	json_decref(j);
	if (rc == 0) {
		evbuffer_add(d.out, "\n", 1);
		evbuffer_add_buffer(bufferevent_get_output(cl->bev), d.out);
	}
	evbuffer_free(d.out);
	if (rc != 0)
		send_too_big(cl, room);
}

static json_t *
reply_ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static json_t *
reply_err(const char *fmt, ...)
{
	va_list	ap;
	char	msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:s}", "ok", 0, "error", msg);
}

static uint64_t
wall_now(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

/* The status socket as an output. */
static json_t *
status_json(const struct control *ctl)
{
	return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}",
	    "name", "status", "path", ctl->path,
	    "clients", (json_int_t)ctl->nclients,
	    "followers", (json_int_t)ctl->nfollow,
	    "cut_off", (json_int_t)ctl->cut_off,
	    "denied", (json_int_t)ctl->denied);
}

void
control_stats(struct sensor *s, json_t *snap)
{
	struct control	*ctl = s->control;
	json_t		*o = json_object_get(snap, "outputs");

	if (ctl == NULL)
		return;
	if (o != NULL)
		json_object_set_new(o, "status", status_json(ctl));
	json_object_set_new(snap, "control", json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "accepted", (json_int_t)ctl->accepted,
	    "denied", (json_int_t)ctl->denied,
	    "evicted_idle", (json_int_t)ctl->evicted,
	    "refused_full", (json_int_t)ctl->refused_full,
	    "refused_per_uid", (json_int_t)ctl->refused_uid,
	    "refused_busy", (json_int_t)ctl->refused_busy,
	    "throttled", (json_int_t)ctl->throttled,
	    "follow_idle_closed", (json_int_t)ctl->follow_idle_closed,
	    "queued_bytes", (json_int_t)ctl->queued,
	    "follow_cut_off", (json_int_t)ctl->cut_off,
	    "requests", (json_int_t)ctl->requests,
	    "bad_requests", (json_int_t)ctl->bad_requests,
	    "ring_alerts", (json_int_t)ctl->rcount));
}

/*
 * The outputs for status: one object each, with its name; the status
 * socket's own last (stats has them as outputs.NAME, stats.c).
 */
static json_t *
outputs_status(struct control *ctl)
{
	struct sensor	*s = ctl->s;
	json_t		*a = json_array(), *o;
	int		 i;

	if (s->alerts != NULL)
		json_array_append_new(a, json_pack("{s:s,s:s?,s:I,s:I}",
		    "name", "json", "path", s->conf->alerts_path,
		    "written", (json_int_t)alert_out_count(s->alerts),
		    "errors", (json_int_t)alert_out_errors(s->alerts)));
	if (s->events != NULL)
		json_array_append_new(a, json_pack("{s:s,s:s?,s:I,s:I}",
		    "name", "events", "path", s->events_path,
		    "written", (json_int_t)eventlog_count(s->events),
		    "errors", (json_int_t)eventlog_errors(s->events)));
	if (outputs_syslog(s->outputs) != NULL) {
		o = stats_syslog(outputs_syslog(s->outputs));
		json_object_set_new(o, "name", json_string("syslog"));
		json_object_set(o, "path", json_object_get(o, "socket"));
		json_array_append_new(a, o);
	}
	for (i = 0; i < outputs_nremote(s->outputs); i++) {
		o = stats_remote(outputs_remote(s->outputs, i));
		json_object_set_new(o, "name", json_string("remote"));
		json_array_append_new(a, o);
	}
	json_array_append_new(a, status_json(ctl));
	return a;
}

static json_t *
cmd_version(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	(void)ctl;
	(void)cl;
	(void)req;
	return json_pack("{s:b,s:s,s:s,s:i}", "ok", 1, "daemon", "canhgacd",
	    "version", CANHGAC_VERSION, "protocol", CTL_PROTOCOL_VERSION);
}

static json_t *
cmd_status(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	struct sensor		*s = ctl->s;
	const struct flow_stats	*fs = flow_stats(s->flows);
	const struct rule_stats	*rs = s->rules ? rules_stats(s->rules) : NULL;
	uint64_t		 now = wall_now();
	json_t			*j, *al;

	(void)cl;
	(void)req;
	j = json_pack("{s:b,s:s,s:s,s:i,s:I,s:I,s:i}",
	    "ok", 1, "sensor", s->conf->sensor_name ? s->conf->sensor_name : "",
	    "version", CANHGAC_VERSION, "pid", (int)getpid(),
	    "started", (json_int_t)(s->start_wall / 1000000),
	    "uptime", (json_int_t)(s->start_wall ?
	    (now - s->start_wall) / 1000000 : 0),
	    "security_level", s->conf->security_level);
	json_object_set_new(j, "interfaces", stats_interfaces(ctl->s));
	json_object_set_new(j, "packets", json_integer(
	    (json_int_t)s->dstats.packets));
	json_object_set_new(j, "bytes", json_integer(
	    (json_int_t)s->dstats.bytes));
	json_object_set_new(j, "flows", json_pack("{s:I,s:I,s:I}",
	    "active", (json_int_t)fs->active,
	    "created", (json_int_t)fs->created,
	    "evicted", (json_int_t)fs->evicted));
	al = json_pack("{s:I}", "total", (json_int_t)(rs ? rs->alerts : 0));
	for (int i = SEV_CRITICAL; i <= SEV_INFO; i++)
		json_object_set_new(al, rules_severity_name(i), json_integer(
		    rs ? (json_int_t)rs->by_severity[i] : 0));
	json_object_set_new(al, "excepted", json_integer(rs ?
	    (json_int_t)rs->excepted : 0));
	json_object_set_new(j, "alerts", al);
	if (s->rules != NULL)
		json_object_set_new(j, "rules", json_pack("{s:I,s:I,s:I}",
		    "active", (json_int_t)rules_count(s->rules, 1),
		    "inactive", (json_int_t)rules_count(s->rules, 0),
		    "exceptions", (json_int_t)s->rules->nexc));
	json_object_set_new(j, "outputs", outputs_status(ctl));
	json_object_set_new(j, "reload", json_pack("{s:I,s:I,s:o,s:b,s:s?}",
	    "count", (json_int_t)s->reloads,
	    "failures", (json_int_t)s->reload_failures,
	    "last", s->last_reload ? json_integer((json_int_t)(
	    s->last_reload / 1000000)) : json_null(),
	    "ok", s->reload_ok,
	    "error", s->reload_error[0] ? s->reload_error : NULL));
	return j;
}

/* The one statistics snapshot (stats.c, and control_stats). */
static json_t *
cmd_stats(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	json_t	*j = reply_ok(), *snap = ctl->ops.stats(ctl->s);

	(void)cl;
	(void)req;
	json_object_update(j, snap);
	json_decref(snap);
	return j;
}

/* Parse the alert filters of req into f; NULL or an error reply. */
static json_t *
parse_filter(json_t *req, struct ctl_filter *f)
{
	json_t	*v;
	int	 i;

	memset(f, 0, sizeof(*f));
	f->category = -1;
	if ((v = json_object_get(req, "severity")) != NULL) {
		if (json_is_integer(v) && json_integer_value(v) >= 1 &&
		    json_integer_value(v) <= 5)
			f->max_sev = (int)json_integer_value(v);
		else if (json_is_string(v)) {
			for (i = SEV_CRITICAL; i <= SEV_INFO; i++)
				if (strcmp(json_string_value(v),
				    rules_severity_name(i)) == 0)
					f->max_sev = i;
		}
		if (f->max_sev == 0)
			return reply_err("severity: expected critical, high, "
			    "medium, low or info");
	}
	if ((v = json_object_get(req, "category")) != NULL) {
		for (i = 0; json_is_string(v) && i < CAT_MAX; i++)
			if (strcmp(json_string_value(v),
			    rules_category_name(i)) == 0)
				f->category = i;
		if (f->category < 0)
			return reply_err("category: unknown; expected one of "
			    "scan, bruteforce, policy-violation, plaintext, "
			    "weak-crypto, data-leak, exfiltration, ioc, dns, "
			    "anomaly, sensor");
	}
	if ((v = json_object_get(req, "sid")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    json_integer_value(v) > UINT32_MAX)
			return reply_err("sid: expected a positive integer");
		f->sid = (uint32_t)json_integer_value(v);
	}
	if ((v = json_object_get(req, "since")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) < 0)
			return reply_err("since: expected unix seconds");
		f->since = (uint64_t)(json_number_value(v) * 1e6);
	}
	return NULL;
}

static int
filter_match(const struct ctl_filter *f, const struct ring_ent *e)
{
	if (f->max_sev && e->sev > f->max_sev)
		return 0;
	if (f->category >= 0 && e->cat != f->category)
		return 0;
	if (f->sid && e->sid != f->sid)
		return 0;
	if (f->since && e->ts < f->since)
		return 0;
	return 1;
}

#define RING_AT(ctl, i) (&(ctl)->ring[((ctl)->rstart + (i)) % CTL_RING_MAX])

/* The newest `limit` matching alerts of the ring, oldest first. */
static void
send_alerts(struct control *ctl, struct ctl_client *cl,
    const struct ctl_filter *f, size_t limit)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	size_t		 i, n = 0, first = ctl->rcount, bytes = 128;

	/* Walk back from the newest to find where the answer starts. */
	for (i = ctl->rcount; i > 0 && n < limit; i--)
		if (filter_match(f, RING_AT(ctl, i - 1))) {
			n++;
			first = i - 1;
			bytes += RING_AT(ctl, i - 1)->len + 1;
		}
	if (bytes > reply_room(ctl)) {
		send_too_big(cl, reply_room(ctl));
		return;
	}
	evbuffer_add_printf(out, "{\"ok\":true,\"count\":%zu,\"ring\":%zu,"
	    "\"ring_capacity\":%d,\"alerts\":[", n, ctl->rcount, CTL_RING_MAX);
	for (i = first, n = 0; i < ctl->rcount; i++) {
		const struct ring_ent *e = RING_AT(ctl, i);

		if (!filter_match(f, e))
			continue;
		if (n++ > 0)
			evbuffer_add(out, ",", 1);
		evbuffer_add(out, e->line, e->len);
	}
	evbuffer_add(out, "]}\n", 3);
}

static size_t
req_limit(json_t *req, size_t def, size_t max)
{
	json_t	*v = json_object_get(req, "limit");

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (size_t)json_integer_value(v) < max ?
		    (size_t)json_integer_value(v) : max;
	return def;
}

static json_t *
cmd_alerts(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	struct ctl_filter	 f;
	json_t			*e;

	if ((e = parse_filter(req, &f)) != NULL)
		return e;
	send_alerts(ctl, cl, &f, req_limit(req, 100, CTL_RING_MAX));
	return NULL;
}

static json_t *
cmd_follow(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	json_t	*e;

	if ((e = parse_filter(req, &cl->flt)) != NULL)
		return e;
	if (!cl->follow)
		ctl->nfollow++;
	cl->follow = 1;
	cl->last_sent = time(NULL);
	/* A follower need not speak again: no idle timeout. */
	{
		struct timeval wtv = { CTL_WRITE_SEC, 0 };

		bufferevent_set_timeouts(cl->bev, NULL, &wtv);
	}
	return json_pack("{s:b,s:b}", "ok", 1, "follow", 1);
}

static json_t *
cmd_rules(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	const struct ruleset	*rs = ctl->s->rules;
	json_t			*a, *v = json_object_get(req, "active");
	size_t			 i;

	(void)cl;
	if (rs == NULL)
		return reply_err("no rules loaded");
	a = json_array();
	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (json_is_boolean(v) && (int)json_is_true(v) != !!r->active)
			continue;
		json_array_append_new(a, json_pack(
		    "{s:I,s:s,s:s,s:s,s:i,s:b,s:s?,s:I,s:I,s:o,s:s,s:i}",
		    "sid", (json_int_t)r->sid, "name", r->name,
		    "category", rules_category_name(r->category),
		    "severity", rules_severity_name(r->severity),
		    "level", r->level, "active", r->active,
		    "inactive_reason", r->active ? NULL : r->inactive_reason,
		    "hits", (json_int_t)r->hits,
		    "matches", (json_int_t)r->matches,
		    "last_hit", stats_time(ctl->s, r->last_hit),
		    "file", r->file ? r->file : "", "line", r->line));
	}
	return json_pack("{s:b,s:i,s:o}", "ok", 1, "security_level",
	    ctl->s->conf->security_level, "rules", a);
}

static json_t *
cmd_exceptions(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	const struct ruleset	*rs = ctl->s->rules;
	uint64_t		 now = wall_now();
	json_t			*a, *sids;
	size_t			 i, k;

	(void)cl;
	(void)req;
	if (rs == NULL)
		return reply_err("no rules loaded");
	a = json_array();
	for (i = 0; i < rs->nexc; i++) {
		const struct exception *e = &rs->exc[i];

		sids = json_array();
		for (k = 0; k < e->nsids; k++)
			json_array_append_new(sids, json_integer(e->sids[k]));
		json_array_append_new(a, json_pack(
		    "{s:o,s:s?,s:s?,s:s?,s:b,s:I,s:I,s:s,s:i}",
		    "sids", sids, "owner", e->owner, "reason", e->reason,
		    "expires", e->expires_text,
		    "expired", e->expires != 0 && now > e->expires,
		    "hits", (json_int_t)e->hits,
		    "expired_hits", (json_int_t)e->expired_hits,
		    "file", e->file ? e->file : "", "line", e->line));
	}
	return json_pack("{s:b,s:o}", "ok", 1, "exceptions", a);
}

/* A list file's entry on a line: the first word, unless a comment. */
static int
list_token(const char *line, size_t len, const char **tok, size_t *tlen)
{
	size_t	i = 0, j;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] == '#' || line[i] == '\r')
		return 0;
	for (j = i; j < len && !strchr(" \t\r#", line[j]); j++)
		;
	*tok = line + i;
	*tlen = j - i;
	return 1;
}

/* Read a whole file (lists stay well below this); NULL with err set. */
static char *
read_file(const char *path, size_t *lenp, struct stat *st, char *err,
    size_t errlen)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL || fstat(fileno(fp), st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return NULL;
	}
	if (st->st_size > 512 * 1024 * 1024) {
		snprintf(err, errlen, "%s: too large to edit here", path);
		fclose(fp);
		return NULL;
	}
	buf = xmalloc((size_t)st->st_size + 2);
	n = fread(buf, 1, (size_t)st->st_size, fp);
	fclose(fp);
	if (n > 0 && buf[n - 1] != '\n')
		buf[n++] = '\n';
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

/* Replace path with buf atomically: a temporary file, then rename. */
static int
write_file(const char *path, const char *buf, size_t len,
    const struct stat *st, char *err, size_t errlen)
{
	char	*tmp;
	int	 fd;

	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file: %s",
		    tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	(void)fchmod(fd, st->st_mode & 07777);
	(void)fchown(fd, st->st_uid, st->st_gid);
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0 ||
	    close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* A list entry list show can print: what list add would take. */
static int
list_show_entry(const char *tok, size_t tl)
{
	size_t	i;

	if (tl > CTL_ENTRY_MAX)
		return 0;
	for (i = 0; i < tl; i++)
		if (tok[i] <= ' ' || tok[i] >= 0x7f)
			return 0;
	return 1;
}

/* list show's scan of a list file: the page it keeps, what it counts. */
struct show_scan {
	json_t		*ents;
	size_t		 off, limit, total, skipped;
	unsigned long	 line, first_skipped;
	int		 state;		/* 0 blank so far, 1 entry, 2 rest */
	char		 tok[CTL_ENTRY_MAX + 1];
	size_t		 tl;		/* stops at CTL_ENTRY_MAX + 1 */
};

static void
show_token(struct show_scan *sc)
{
	if (!list_show_entry(sc->tok, sc->tl)) {
		if (sc->skipped++ == 0)
			sc->first_skipped = sc->line;
		return;
	}
	if (sc->total >= sc->off && sc->total - sc->off < sc->limit)
		json_array_append_new(sc->ents, json_stringn(sc->tok, sc->tl));
	sc->total++;
}

/* One block of the file (len 0: the end). */
static void
show_block(struct show_scan *sc, const char *p, size_t len)
{
	const char	*end = p + len, *nl;

	if (len == 0 && sc->state == 1)
		show_token(sc);
	for (; p < end; p++) {
		if (sc->state == 2) {
			/* The rest of a line, however long, at memchr speed. */
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				return;
			p = nl;
		}
		if (sc->state == 1 && strchr(" \t\r#\n", *p) != NULL) {
			show_token(sc);
			sc->state = 2;
		}
		if (*p == '\n') {
			sc->line++;
			sc->state = 0;
		} else if (sc->state == 0 && *p != ' ' && *p != '\t') {
			sc->state = *p == '#' || *p == '\r' || *p == '\0' ?
			    2 : 1;
			sc->tok[0] = *p;
			sc->tl = 1;
		} else if (sc->state == 1 && sc->tl <= CTL_ENTRY_MAX)
			sc->tok[sc->tl++] = *p;
		else if (sc->state == 1) {
			/* Too long to be an entry: skip the line whole. */
			show_token(sc);
			sc->state = 2;
		}
	}
}

/*
 * list show reads the file as it is now (it may have been rewritten by
 * hand since the last reload), a block at a time: only the page asked
 * for is kept, and a line that cannot be an entry (longer than any
 * valid one, or not printable ASCII) is counted, never copied.
 */
static json_t *
list_show(struct control *ctl, const struct asset *a, json_t *req)
{
	struct show_scan sc = { .line = 1 };
	char		 buf[65536];
	ssize_t		 n;
	int		 fd;
	struct stat	 st;
	json_t		*v;

	(void)ctl;
	if ((v = json_object_get(req, "offset")) != NULL &&
	    json_is_integer(v) && json_integer_value(v) > 0)
		sc.off = (size_t)json_integer_value(v);
	sc.limit = req_limit(req, 1000, CTL_SHOW_MAX);
	/* Non-blocking: a FIFO put in the list's place must not hang us. */
	if ((fd = open(a->file, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return reply_err("%s: %s", a->file, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return reply_err("%s: not a regular file", a->file);
	}
	sc.ents = json_array();
	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	    (n < 0 && errno == EINTR))
		if (n > 0)
			show_block(&sc, buf, (size_t)n);
	close(fd);
	if (n < 0) {
		json_decref(sc.ents);
		return reply_err("%s: %s", a->file, strerror(errno));
	}
	show_block(&sc, buf, 0);
	return json_pack("{s:b,s:s,s:s,s:s,s:I,s:I,s:b,s:o,s:I,s:o}", "ok", 1,
	    "name", a->name, "file", a->file, "type", a->ips ? "ip" :
	    "domain", "count", (json_int_t)sc.total, "offset",
	    (json_int_t)sc.off, "truncated", sc.off + sc.limit < sc.total,
	    "entries", sc.ents, "skipped", (json_int_t)sc.skipped,
	    "skipped_first_line", sc.first_skipped ?
	    json_integer((json_int_t)sc.first_skipped) : json_null());
}

/* Normalise and check one entry for list a; -1 with err. */
static int
list_entry(const struct asset *a, const char *in, char *out, size_t outlen,
    char *err, size_t errlen)
{
	size_t	n = strlen(in), i;
	int	rc;

	if (n == 0 || n >= outlen || n > 253) {
		snprintf(err, errlen, "\"%.64s\": bad length", in);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)in[i]) || in[i] == '#' ||
		    !isprint((unsigned char)in[i])) {
			snprintf(err, errlen, "\"%.64s\": spaces, # and control "
			    "characters are not allowed", in);
			return -1;
		}
		out[i] = a->ips ? in[i] : (char)tolower((unsigned char)in[i]);
	}
	out[n] = '\0';
	if (a->doms != NULL && n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
	if (a->ips != NULL) {
		struct ipset *t = ipset_new();

		rc = ipset_add_str(t, out, err, errlen);
		ipset_free(t);
	} else {
		struct domset *t = domset_new();

		rc = domset_add(t, out, err, errlen);
		domset_free(t);
	}
	return rc;
}

/*
 * Would entry e (normalised) make list a match nearly everything: a
 * prefix wider than limits.list_min_prefix_v4/_v6, or a public suffix?
 * 1 with the reason in why.
 */
static int
list_too_broad(const struct control *ctl, const struct asset *a,
    const char *e, char *why, size_t whylen)
{
	const struct config	*c = ctl->s->conf;

	if (a->ips != NULL)
		return ipset_too_wide(e, c->list_min_prefix4,
		    c->list_min_prefix6, why, whylen);
	return domset_public_suffix(e, why, whylen);
}

/*
 * list add|remove: rewrite the list file atomically, then rebuild the
 * ruleset through the reload path (the same swap as SIGHUP). If the
 * reload fails the previous file is put back.
 */
static json_t	*cmd_list(struct control *, struct ctl_client *, json_t *);

/*
 * The answer to a request that waited for a reload (rep may be NULL:
 * already sent); then the client's next requests are read.
 */
static void
client_answer(struct ctl_client *cl, json_t *rep)
{
	if (rep != NULL)
		send_json(cl, rep);
	cl->waiting = 0;
	if (cl->in_request || cl->closing || cl->ctl->s->shutting_down)
		return;
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) >
	    CTL_OUT_HIGH) {
		cl->paused = 1;		/* client_write reads on */
		return;
	}
	bufferevent_enable(cl->bev, EV_READ);
	client_read(cl->bev, cl);
}

/* The list changes that waited for the one before, in order. */
static void
list_next(struct control *ctl)
{
	struct ctl_client	*cl;
	json_t			*req, *rep;

	if (ctl->lq_running)
		return;
	ctl->lq_running = 1;
	while (ctl->list_undo == NULL && (cl = ctl->lq_head) != NULL) {
		if ((ctl->lq_head = cl->lq_next) == NULL)
			ctl->lq_tail = NULL;
		cl->lq_next = NULL;
		req = cl->deferred;
		cl->deferred = NULL;
		cl->waiting = 0;
		cl->in_request = 1;
		rep = cmd_list(ctl, cl, req);
		cl->in_request = 0;
		json_decref(req);
		if (!cl->waiting)
			client_answer(cl, rep);
	}
	ctl->lq_running = 0;
}

/* A list change's reload ended: answer, or put the file back. */
static void
list_reloaded(void *arg, int ok, const char *rerr)
{
	struct list_undo	*u = arg;
	struct control		*ctl = u->ctl;
	json_t			*r = u->reply;
	char			 err[PATH_MAX + 128];

	if (ok)
		log_info("control: %s; reloaded", u->what);
	else {
		json_decref(r);
		if (write_file(u->file, u->buf, u->len, &u->st, err,
		    sizeof(err)) != 0)
			log_warnx("control: cannot restore %s: %s", u->file,
			    err);
		r = reply_err("reload failed, %s restored: %s", u->file, rerr);
	}
	ctl->list_undo = NULL;
	if (u->cl != NULL)
		client_answer(u->cl, r);
	else
		json_decref(r);
	free(u->buf);
	free(u);
	list_next(ctl);
}

static json_t *
list_change(struct control *ctl, struct ctl_client *cl, const struct asset *a,
    int add, json_t *req)
{
	json_t		*ents = json_object_get(req, "entries"), *done, *skip;
	json_t		*forced;
	int		 force = json_is_true(json_object_get(req, "force"));
	char		 err[PATH_MAX + 128], **want, *buf, *p, *nl;
	char		 file[PATH_MAX], name[128];
	uint8_t		*seen;
	size_t		 n, i, len, changed = 0;
	struct stat	 st;
	struct evbuffer	*nb;
	json_t		*r;

	if (!json_is_array(ents) || json_array_size(ents) == 0 ||
	    json_array_size(ents) > CTL_LIST_ENTRIES_MAX)
		return reply_err("entries: expected a list of 1..%d strings",
		    CTL_LIST_ENTRIES_MAX);
	n = json_array_size(ents);
	forced = json_array();
	want = xcalloc(n, sizeof(*want));
	seen = xcalloc(n, 1);
	for (i = 0; i < n; i++) {
		char e[256];
		const char *s = json_string_value(json_array_get(ents, i));

		if (s == NULL || list_entry(a, s, e, sizeof(e), err,
		    sizeof(err)) != 0) {
			r = reply_err("%s: %s", a->name, s ? err :
			    "entries must be strings");
			goto out;
		}
		if (add && list_too_broad(ctl, a, e, err, sizeof(err))) {
			if (!force) {
				r = reply_err("%s: %s; refused, as nearly every "
				    "flow would match it (list add --force "
				    "adds it anyway)", a->name, err);
				goto out;
			}
			log_warnx("control: uid %ld (pid %ld): list add %s: "
			    "forced: %s", (long)cl->uid, (long)cl->pid,
			    a->name, err);
			json_array_append_new(forced, json_string(e));
		}
		want[i] = xstrdup(e);
	}
	snprintf(file, sizeof(file), "%s", a->file);
	snprintf(name, sizeof(name), "%s", a->name);
	if ((buf = read_file(file, &len, &st, err, sizeof(err))) == NULL) {
		r = reply_err("%s", err);
		goto out;
	}
	nb = evbuffer_new();
	for (p = buf; p < buf + len; p = nl + 1) {
		const char	*tok;
		size_t		 tl;
		int		 hit = 0;

		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (list_token(p, (size_t)(nl - p), &tok, &tl))
			for (i = 0; i < n; i++)
				if (strlen(want[i]) == tl &&
				    strncasecmp(want[i], tok, tl) == 0) {
					seen[i] = 1;
					hit = 1;
				}
		if (!add && hit) {
			changed++;
			continue;
		}
		evbuffer_add(nb, p, (size_t)(nl - p + 1));
	}
	done = json_array();
	skip = json_array();
	for (i = 0; i < n; i++) {
		if (add && !seen[i]) {
			size_t k;

			for (k = 0; k < i; k++)
				if (strcmp(want[k], want[i]) == 0)
					break;
			if (k < i)
				continue;
			evbuffer_add_printf(nb, "%s\n", want[i]);
			changed++;
		}
		json_array_append_new((add ? !seen[i] : seen[i]) ? done : skip,
		    json_string(want[i]));
	}
	r = json_pack("{s:b,s:s,s:s,s:o,s:o,s:O}", "ok", 1, "name", name,
	    "file", file, add ? "added" : "removed", done,
	    add ? "already_present" : "not_found", skip, "forced", forced);
	if (changed > 0) {
		size_t		 nlen = evbuffer_get_length(nb);
		const char	*nbuf = (const char *)evbuffer_pullup(nb, -1);

		if (write_file(file, nbuf ? nbuf : "", nlen, &st, err,
			    sizeof(err)) != 0) {
			json_decref(r);
			r = reply_err("%s: list unchanged", err);
		} else {
			/* Answered when the reload ends (list_reloaded). */
			struct list_undo *u = xcalloc(1, sizeof(*u));

			u->ctl = ctl;
			u->cl = cl;
			snprintf(u->file, sizeof(u->file), "%s", file);
			u->buf = buf;
			u->len = len;
			u->st = st;
			u->reply = r;
			snprintf(u->what, sizeof(u->what), "uid %ld (pid %ld): "
			    "list %s %s: %zu entr%s", (long)cl->uid,
			    (long)cl->pid, add ? "add" : "remove", name,
			    changed, changed == 1 ? "y" : "ies");
			buf = NULL;
			r = NULL;
			ctl->list_undo = u;
			cl->waiting = 1;
			ctl->ops.reload(ctl->s, list_reloaded, u);
		}
	}
	evbuffer_free(nb);
	free(buf);
out:
	json_decref(forced);
	for (i = 0; i < n; i++)
		free(want[i]);
	free(want);
	free(seen);
	return r;
}

static const char *
req_str(json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

static json_t *
cmd_list(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	const char		*op = req_str(req, "op");
	const char		*name = req_str(req, "name");
	const struct asset	*a;

	if (op == NULL || (strcmp(op, "add") && strcmp(op, "remove") &&
	    strcmp(op, "show")))
		return reply_err("list: op must be add, remove or show");
	if (name == NULL)
		return reply_err("list: name (an asset list) is required");
	if (ctl->s->rules == NULL ||
	    (a = rules_asset(ctl->s->rules, name)) == NULL)
		return reply_err("list: no asset named \"%s\"", name);
	if (a->file == NULL || (a->ips == NULL && a->doms == NULL))
		return reply_err("list: asset \"%s\" is not a list file "
		    "({file: PATH}); change it in the configuration", name);
	if (strcmp(op, "show") == 0)
		return list_show(ctl, a, req);
	if (!cl->admin) {
		ctl->denied++;
		ctl_refusal(ctl, "uid %ld (pid %ld): list %s refused: not root "
		    "or in the admin group", (long)cl->uid, (long)cl->pid, op);
		return reply_err("permission denied: list %s needs root or "
		    "group %s", op, ctl->admin_name ? ctl->admin_name :
		    "(none configured)");
	}
	if (ctl->list_undo != NULL) {
		/* Behind the change being loaded (its file may go back). */
		cl->deferred = json_incref(req);
		cl->waiting = 1;
		if (ctl->lq_tail != NULL)
			ctl->lq_tail->lq_next = cl;
		else
			ctl->lq_head = cl;
		ctl->lq_tail = cl;
		return NULL;
	}
	return list_change(ctl, cl, a, strcmp(op, "add") == 0, req);
}

static void
client_reloaded(void *arg, int ok, const char *err)
{
	struct ctl_client	*cl = arg;

	client_answer(cl, ok ? json_pack("{s:b,s:s}", "ok", 1, "reloaded",
	    cl->ctl->s->conf->path) : reply_err("reload failed, keeping the "
	    "running configuration: %s", err));
}

/* Answered when the rule set, built by a thread, is swapped in. */
static json_t *
cmd_reload(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	(void)req;
	log_info("control: reload requested by uid %ld (pid %ld)",
	    (long)cl->uid, (long)cl->pid);
	cl->waiting = 1;
	ctl->ops.reload(ctl->s, client_reloaded, cl);
	return NULL;
}

static json_t *
cmd_shutdown(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	(void)req;
	log_info("control: shutdown requested by uid %ld (pid %ld)",
	    (long)cl->uid, (long)cl->pid);
	/* The loop ends after this; control_shutdown sends the answer. */
	send_json(cl, json_pack("{s:b,s:b}", "ok", 1, "stopping", 1));
	ctl->ops.stop(ctl->s, FLOW_END_SHUTDOWN);
	return NULL;
}

/*
 * The compliance report for a level (default: the configured one), with
 * the sensor evidence this process holds (uptime, interfaces, outputs,
 * reloads) and, from the state file, the history of the period since
 * `since` (unix seconds; default all of it): runs and gaps, interface
 * outages, packets and drops, alerts per control and day, reloads.
 */
static json_t *
cmd_compliance(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	struct sensor	*s = ctl->s;
	json_t		*ev, *rep, *lv = json_object_get(req, "level");
	json_t		*sv = json_object_get(req, "since");
	uint64_t	 now = wall_now();
	char		 err[256];

	(void)cl;
	if (lv != NULL && (!json_is_integer(lv) || json_integer_value(lv) < 1 ||
	    json_integer_value(lv) > 5))
		return reply_err("level: an integer 1..5");
	if (sv != NULL && (!json_is_integer(sv) || json_integer_value(sv) < 0 ||
	    (uint64_t)json_integer_value(sv) > now / 1000000))
		return reply_err("since: unix seconds, not in the future");
	ev = json_pack("{s:I,s:I,s:I}", "started",
	    (json_int_t)(s->start_wall / 1000000), "uptime",
	    (json_int_t)(s->start_wall ? (now - s->start_wall) / 1000000 : 0),
	    "packets", (json_int_t)s->dstats.packets);
	json_object_set_new(ev, "interfaces", stats_interfaces(ctl->s));
	json_object_set_new(ev, "outputs", outputs_status(ctl));
	json_object_set_new(ev, "reload", json_pack("{s:I,s:I,s:o,s:b,s:s?}",
	    "count", (json_int_t)s->reloads,
	    "failures", (json_int_t)s->reload_failures,
	    "last", s->last_reload ? json_integer((json_int_t)(
	    s->last_reload / 1000000)) : json_null(),
	    "ok", s->reload_ok,
	    "error", s->reload_error[0] ? s->reload_error : NULL));
	if (s->state != NULL) {
		json_t *h;

		state_sample(s);
		h = state_evidence(s->state, sv ? (time_t)json_integer_value(
		    sv) : 0, (time_t)(now / 1000000));
		json_object_update(ev, h);
		json_decref(h);
		json_object_set_new(ev, "history", json_true());
	} else
		json_object_set_new(ev, "history", json_false());
	rep = compliance_report(s->conf, s->rules, ev, lv ?
	    (int)json_integer_value(lv) : 0, err, sizeof(err));
	json_decref(ev);
	if (rep == NULL)
		return reply_err("compliance: %s", err);
	json_object_set_new(rep, "ok", json_true());
	return rep;
}

static const struct ctl_cmd {
	const char	*name;
	json_t		*(*fn)(struct control *, struct ctl_client *, json_t *);
	int		 admin;		/* changes something */
} ctl_cmds[] = {
	{ CTL_CMD_VERSION, cmd_version, 0 },
	{ CTL_CMD_STATUS, cmd_status, 0 },
	{ CTL_CMD_STATS, cmd_stats, 0 },
	{ CTL_CMD_ALERTS, cmd_alerts, 0 },
	{ CTL_CMD_FOLLOW, cmd_follow, 0 },
	{ CTL_CMD_RULES, cmd_rules, 0 },
	{ CTL_CMD_EXCEPTIONS, cmd_exceptions, 0 },
	{ CTL_CMD_LIST, cmd_list, 0 },		/* add/remove checked inside */
	{ CTL_CMD_RELOAD, cmd_reload, 1 },
	{ CTL_CMD_SHUTDOWN, cmd_shutdown, 1 },
	{ CTL_CMD_COMPLIANCE, cmd_compliance, 0 },
};

/* One request line; returns -1 if the client must be closed. */
static int
client_request(struct ctl_client *cl, const char *line, size_t len)
{
	struct control	*ctl = cl->ctl;
	json_error_t	 je;
	json_t		*req, *rep = NULL;
	const char	*cmd;
	size_t		 i;

	ctl->requests++;
	if (len == 0 || (len == 1 && line[0] == '\r'))
		return 0;
	if ((req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(req)) {
		ctl->bad_requests++;
		send_json(cl, reply_err("bad request: %s", req ?
		    "expected a JSON object" : je.text));
		json_decref(req);
		return -1;
	}
	if ((cmd = req_str(req, "cmd")) == NULL) {
		ctl->bad_requests++;
		send_json(cl, reply_err("bad request: no \"cmd\""));
		json_decref(req);
		return 0;
	}
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(cmd, ctl_cmds[i].name) == 0)
			break;
	if (i == sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))
		rep = reply_err("unknown command \"%.64s\"", cmd);
	else if (ctl_cmds[i].admin && !cl->admin) {
		ctl->denied++;
		ctl_refusal(ctl, "uid %ld (pid %ld): %s refused: not root or "
		    "in the admin group", (long)cl->uid, (long)cl->pid, cmd);
		rep = reply_err("permission denied: %s needs root or group %s",
		    cmd, ctl->admin_name ? ctl->admin_name :
		    "(none configured)");
	} else {
		cl->in_request = 1;
		rep = ctl_cmds[i].fn(ctl, cl, req);
		cl->in_request = 0;
	}
	if (rep != NULL)
		send_json(cl, rep);
	json_decref(req);
	return 0;
}

static uint64_t
mono_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Whether cl must wait for the next window: it is no admin and this
 * window's CTL_BUDGET_USEC is spent. Then its reading stops and the
 * budget timer reads on.
 */
static int
over_budget(struct ctl_client *cl)
{
	struct control	*ctl = cl->ctl;
	uint64_t	 now = mono_usec();
	struct timeval	 tv = { 0, 0 };

	/*
	 * A bucket: time spent is paid back at CTL_BUDGET_USEC a window, so
	 * one long answer (rules of 100k rules: about a second) holds the
	 * readers back for ten times as long, not one window.
	 */
	if (now - ctl->budget_start >= CTL_BUDGET_WINDOW) {
		uint64_t back = (now - ctl->budget_start) * CTL_BUDGET_USEC /
		    CTL_BUDGET_WINDOW;

		ctl->budget_start = now;
		ctl->budget_used = ctl->budget_used > back ?
		    ctl->budget_used - back : 0;
	}
	/* Without a socket (control_feed, fuzzing) every request runs. */
	if (cl->admin || ctl->budget_used < CTL_BUDGET_USEC ||
	    bufferevent_getfd(cl->bev) < 0)
		return 0;
	if (!cl->throttled)
		ctl->throttled++;
	cl->throttled = 1;
	bufferevent_disable(cl->bev, EV_READ);
	/* Until the debt is paid back below the budget. */
	now = (ctl->budget_used - CTL_BUDGET_USEC) * CTL_BUDGET_WINDOW /
	    CTL_BUDGET_USEC + CTL_BUDGET_WINDOW;
	tv.tv_sec = (time_t)(now / 1000000);
	tv.tv_usec = (suseconds_t)(now % 1000000);
	if (!evtimer_pending(ctl->ev_budget, NULL))
		evtimer_add(ctl->ev_budget, &tv);
	return 1;
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client	*cl = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 n;

	cl->last_active = time(NULL);
	if (cl->follow) {
		/* A follower only listens; what it sends is dropped. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (!cl->closing && !cl->follow && !cl->waiting &&
	    !over_budget(cl) &&
	    (line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		uint64_t t0 = mono_usec();
		int rc = n > CTL_LINE_MAX ? -2 :
		    client_request(cl, line, n);

		cl->ctl->budget_used += mono_usec() - t0;
		free(line);
		if (rc == -2) {
			cl->ctl->bad_requests++;
			send_json(cl, reply_err("request longer than %d bytes",
			    CTL_LINE_MAX));
		}
		if (rc != 0) {
			client_finish(cl);
			return;
		}
		if (cl->waiting) {
			/* In order: the next request after this answer. */
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    CTL_OUT_HIGH) {
			/* Read on once the client has taken its answers. */
			cl->paused = 1;
			bufferevent_disable(bev, EV_READ);
			return;
		}
	}
	if (!cl->closing && !cl->throttled && !cl->waiting &&
	    evbuffer_get_length(in) > CTL_LINE_MAX) {
		cl->ctl->bad_requests++;
		send_json(cl, reply_err("request longer than %d bytes",
		    CTL_LINE_MAX));
		client_finish(cl);
	}
}

static void
client_write(struct bufferevent *bev, void *arg)
{
	struct ctl_client	*cl = arg;

	(void)bev;
	if (cl->closing) {
		client_free(cl);
		return;
	}
	if (cl->paused && !cl->waiting) {
		cl->paused = 0;
		if (cl->throttled)
			return;
		bufferevent_enable(cl->bev, EV_READ);
		client_read(cl->bev, cl);
	}
}

/* A new window: the clients stopped for the budget read on. */
static void
ctl_budget(evutil_socket_t fd, short what, void *arg)
{
	struct control		*ctl = arg;
	struct ctl_client	*cl, *next;

	(void)fd;
	(void)what;
	for (cl = ctl->head; cl != NULL; cl = next) {
		next = cl->next;
		if (!cl->throttled)
			continue;
		cl->throttled = 0;
		if (cl->paused || cl->closing)
			continue;
		bufferevent_enable(cl->bev, EV_READ);
		client_read(cl->bev, cl);
	}
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_client	*cl = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("control: uid %ld (pid %ld): %s timeout, closed",
		    (long)cl->uid, (long)cl->pid, (what & BEV_EVENT_READING) ?
		    "idle" : "write");
	client_free(cl);
}

static int
in_groups(gid_t g, gid_t pgid, const gid_t *gv, int n)
{
	int	i;

	if (g == (gid_t)-1)
		return 0;
	if (g == pgid)
		return 1;
	for (i = 0; i < n; i++)
		if (gv[i] == g)
			return 1;
	return 0;
}

/* The peer's supplementary groups (SO_PEERGROUPS, or its passwd entry). */
static int
peer_groups(int fd, uid_t uid, gid_t gid, gid_t *gv, int max)
{
	socklen_t	 len = (socklen_t)(max * sizeof(gid_t));
	struct passwd	*pw;
	int		 n = max;

#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gv, &len) == 0)
		return (int)(len / sizeof(gid_t));
#else
	(void)len;
	(void)fd;
#endif
	if ((pw = getpwuid(uid)) == NULL ||
	    getgrouplist(pw->pw_name, gid, gv, &n) < 0)
		return 0;
	return n;
}

/*
 * The client that has waited longest, to make room; or NULL. follow:
 * followers (else idle request clients); nonadmin: only non-admins.
 */
static struct ctl_client *
oldest_client(struct control *ctl, int follow, int nonadmin)
{
	struct ctl_client	*cl, *best = NULL;

	for (cl = ctl->head; cl != NULL; cl = cl->next)
		if (!cl->follow == !follow && !cl->closing &&
		    !(nonadmin && cl->admin) && (best == NULL ||
		    cl->last_active < best->last_active))
			best = cl;
	return best;
}

/* Connections uid holds now. */
static int
uid_clients(const struct control *ctl, uid_t uid)
{
	const struct ctl_client	*cl;
	int			 n = 0;

	for (cl = ctl->head; cl != NULL; cl = cl->next)
		n += cl->uid == uid && !cl->closing;
	return n;
}

/*
 * Make room for a new client, or say why not (NULL: room made). A
 * non-admin may hold only the slots admins do not keep; an admin may
 * displace an idle client, or a non-admin follower when none is idle.
 */
static const char *
make_room(struct control *ctl, const struct ucred *uc, int admin,
    char *why, size_t whylen)
{
	struct ctl_client	*old;
	int			 cap = ctl->s->conf->status_clients_per_uid;
	int			 n;

	if (uc->uid != 0 && (n = uid_clients(ctl, uc->uid)) >= cap) {
		ctl->refused_uid++;
		snprintf(why, whylen, "too many connections: uid %ld holds %d "
		    "of the %d allowed (outputs.status.clients_per_uid)",
		    (long)uc->uid, n, cap);
		return why;
	}
	if (!admin && ctl->nnonadmin >= CTL_CLIENTS_MAX - CTL_ADMIN_RESERVE) {
		if ((old = oldest_client(ctl, 0, 1)) == NULL) {
			ctl->refused_full++;
			snprintf(why, whylen, "busy: all %d connections open "
			    "to non-admins are in use", CTL_CLIENTS_MAX -
			    CTL_ADMIN_RESERVE);
			return why;
		}
		ctl->evicted++;
		client_free(old);
	}
	if (ctl->nclients >= CTL_CLIENTS_MAX) {
		if ((old = oldest_client(ctl, 0, 0)) == NULL && admin)
			old = oldest_client(ctl, 1, 1);
		if (old == NULL) {
			ctl->refused_full++;
			snprintf(why, whylen, "busy: %d clients already",
			    CTL_CLIENTS_MAX);
			return why;
		}
		ctl->evicted++;
		client_free(old);
	}
	return NULL;
}

/* One non-blocking try to tell a refused peer why, then close it. */
static void
refuse_fd(evutil_socket_t fd, const char *why)
{
	json_t	*j = json_pack("{s:b,s:s}", "ok", 0, "error", why);
	char	*s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	evutil_make_socket_nonblocking(fd);
	if (s != NULL && (write(fd, s, strlen(s)) < 0 || write(fd, "\n",
	    1) < 0))
		log_debug("control: refusal notice: %s", strerror(errno));
	free(s);
	json_decref(j);
	close(fd);
}

/* A client on fd (-1: none, for control_feed), first in the list. */
static struct ctl_client *
client_new(struct control *ctl, evutil_socket_t fd, const struct ucred *uc,
    int admin)
{
	struct ctl_client	*cl = xcalloc(1, sizeof(*cl));

	cl->ctl = ctl;
	cl->uid = uc->uid;
	cl->gid = uc->gid;
	cl->pid = uc->pid;
	cl->admin = admin;
	cl->last_active = time(NULL);
	cl->bev = bufferevent_socket_new(ctl->s->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (cl->bev == NULL) {
		free(cl);
		return NULL;
	}
	evbuffer_add_cb(bufferevent_get_output(cl->bev), client_out_cb, cl);
	bufferevent_setcb(cl->bev, client_read, client_write, client_event,
	    cl);
	/* Never hold more than one request's worth of input. */
	bufferevent_setwatermark(cl->bev, EV_READ, 0, CTL_LINE_MAX + 1);
	cl->next = ctl->head;
	if (ctl->head != NULL)
		ctl->head->prev = cl;
	ctl->head = cl;
	ctl->nclients++;
	if (!admin)
		ctl->nnonadmin++;
	return cl;
}

/* cl is still a client, waiting for an answer. */
static int
ctl_client_waiting(const struct control *ctl, const struct ctl_client *cl)
{
	const struct ctl_client	*c;

	for (c = ctl->head; c != NULL && c != cl; c = c->next)
		;
	return c != NULL && cl->waiting;
}

/*
 * Run bytes through the request path as a client of this process's uid
 * would send them (admin or not), in reads of at most a line's worth as
 * the socket gives them; the answers are added to out. For the fuzz
 * target and tests: no socket is involved.
 */
void
control_feed(struct sensor *s, const char *buf, size_t len, int admin,
    struct evbuffer *out)
{
	struct control		*ctl = s->control;
	struct ctl_client	*cl, *c;
	struct evbuffer		*in;
	struct ucred		 uc = { .pid = getpid(), .uid = geteuid(),
				    .gid = getegid() };
	size_t			 n, off = 0;

	if (ctl == NULL || (cl = client_new(ctl, -1, &uc, admin)) == NULL)
		return;
	/* No socket: this side fills the input and takes the output. */
	in = bufferevent_get_input(cl->bev);
	evbuffer_unfreeze(in, 0);
	evbuffer_unfreeze(bufferevent_get_output(cl->bev), 1);
	for (;;) {
		n = CTL_LINE_MAX + 1 - evbuffer_get_length(in);
		if (n > len - off)
			n = len - off;
		evbuffer_add(in, buf + off, n);
		off += n;
		client_read(cl->bev, cl);
		/* An answer after a reload: run the loop until it is in. */
		while (ctl->head != NULL && ctl_client_waiting(ctl, cl))
			event_base_loop(s->base, EVLOOP_ONCE);
		/* client_read may have freed it (closed, nothing queued). */
		for (c = ctl->head; c != NULL && c != cl; c = c->next)
			;
		if (c == NULL)
			return;
		evbuffer_add_buffer(out, bufferevent_get_output(cl->bev));
		if (cl->closing || cl->follow)
			break;
		if (cl->paused)
			cl->paused = 0;
		else if (off == len)
			break;
	}
	client_free(cl);
}

static void
ctl_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control		*ctl = arg;
	struct ctl_client	*cl;
	struct ucred		 uc;
	socklen_t		 len = sizeof(uc);
	gid_t			 gv[CTL_GROUPS_MAX];
	int			 ng, reader, admin;
	char			 why[256];
	struct timeval		 rtv = { CTL_IDLE_SEC, 0 };
	struct timeval		 wtv = { CTL_WRITE_SEC, 0 };

	(void)lis;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0) {
		ctl_refusal(ctl, "SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return;
	}
	ng = peer_groups(fd, uc.uid, uc.gid, gv, CTL_GROUPS_MAX);
	reader = uc.uid == 0 || uc.uid == geteuid() ||
	    in_groups(ctl->group, uc.gid, gv, ng) ||
	    in_groups(ctl->admin_gid, uc.gid, gv, ng);
	if (!reader) {
		ctl->denied++;
		ctl_refusal(ctl, "uid %ld (pid %ld) refused: not root or in "
		    "group %s", (long)uc.uid, (long)uc.pid, ctl->group_name ?
		    ctl->group_name : "(none configured)");
		refuse_fd(fd, "permission denied: not root or in the socket's "
		    "group");
		return;
	}
	admin = uc.uid == 0 || in_groups(ctl->admin_gid, uc.gid, gv, ng);
	if (make_room(ctl, &uc, admin, why, sizeof(why)) != NULL) {
		ctl_refusal(ctl, "uid %ld (pid %ld) refused: %s", (long)uc.uid,
		    (long)uc.pid, why);
		refuse_fd(fd, why);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	if ((cl = client_new(ctl, fd, &uc, admin)) == NULL) {
		close(fd);
		return;
	}
	bufferevent_set_timeouts(cl->bev, &rtv, &wtv);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	ctl->accepted++;
}

static void
ctl_resume(evutil_socket_t fd, short what, void *arg)
{
	struct control	*ctl = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(ctl->lis);
}

/* accept(2) failed (e.g. out of descriptors): pause a second, go on. */
static void
ctl_accept_error(struct evconnlistener *lis, void *arg)
{
	struct control	*ctl = arg;
	struct timeval	 one = { 1, 0 };
	int		 e = EVUTIL_SOCKET_ERROR();

	if (e == EINTR || e == EAGAIN || e == ECONNABORTED)
		return;
	ctl_refusal(ctl, "accept: %s; pausing for a second",
	    evutil_socket_error_to_string(e));
	evconnlistener_disable(lis);
	evtimer_add(ctl->ev_resume, &one);
}

/*
 * Feed one alert line: keep it in the ring (bounded by count and
 * bytes) and stream it to the follow clients that want it.
 */
void
control_alert(void *ctx, const struct alert_rec *a)
{
	struct control		*ctl = ctx;
	struct ctl_client	*cl, *next;
	struct ring_ent		*e;
	const char		*line = a->json;
	size_t			 len = a->len;

	if (ctl == NULL || line == NULL)
		return;
	while (len > 0 && line[len - 1] == '\n')
		len--;
	if (len == 0 || len > CTL_RING_BYTES / 4)
		return;
	while (ctl->rcount > 0 && (ctl->rcount == CTL_RING_MAX ||
	    ctl->rbytes + len > CTL_RING_BYTES)) {
		e = RING_AT(ctl, 0);
		ctl->rbytes -= e->len;
		free(e->line);
		e->line = NULL;
		ctl->rstart = (ctl->rstart + 1) % CTL_RING_MAX;
		ctl->rcount--;
	}
	e = RING_AT(ctl, ctl->rcount);
	e->ts = a->ts;
	e->sid = a->sid;
	e->sev = (uint8_t)a->severity;
	e->cat = (uint8_t)a->category;
	e->line = xmalloc(len);
	memcpy(e->line, line, len);
	e->len = len;
	ctl->rcount++;
	ctl->rbytes += len;
	ctl->ring_total++;
	for (cl = ctl->head; cl != NULL; cl = next) {
		struct evbuffer *out;

		next = cl->next;
		if (!cl->follow || cl->closing || !filter_match(&cl->flt, e))
			continue;
		out = bufferevent_get_output(cl->bev);
		if (evbuffer_get_length(out) + len > CTL_FOLLOW_MAX) {
			ctl->cut_off++;
			ctl_refusal(ctl, "uid %ld (pid %ld): follow client "
			    "too slow (%d bytes queued); disconnected",
			    (long)cl->uid, (long)cl->pid, CTL_FOLLOW_MAX);
			send_json(cl, reply_err("follow: too slow, more than "
			    "%d bytes of alerts queued; disconnected",
			    CTL_FOLLOW_MAX));
			client_finish(cl);
			continue;
		}
		evbuffer_add(out, line, len);
		evbuffer_add(out, "\n", 1);
		cl->last_sent = time(NULL);
	}
}

/*
 * Once a second: close the followers that were sent nothing for
 * outputs.status.follow_idle (a filter that never matches must not hold
 * a slot for ever), with a notice saying why.
 */
static void
ctl_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct control		*ctl = arg;
	struct ctl_client	*cl, *next;
	time_t			 now = time(NULL);
	long long		 idle = (long long)(ctl->s->conf->
				    status_follow_idle / 1000000);

	(void)fd;
	(void)what;
	for (cl = ctl->head; cl != NULL; cl = next) {
		next = cl->next;
		if (!cl->follow || cl->closing ||
		    (long long)(now - cl->last_sent) < idle)
			continue;
		ctl->follow_idle_closed++;
		ctl_refusal(ctl, "uid %ld (pid %ld): follower sent nothing "
		    "for %llds; closed", (long)cl->uid, (long)cl->pid, idle);
		send_json(cl, reply_err("follow: no alert matched for %llds "
		    "(outputs.status.follow_idle); closed, reconnect to go on",
		    idle));
		client_finish(cl);
	}
}

/* A socket at path that still answers belongs to a running daemon. */
static int
socket_in_use(const struct sockaddr_un *sun)
{
	int	fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return rc;
}

static int
lookup_group(const char *name, gid_t *gid, const char *key, char *err,
    size_t errlen)
{
	struct group	*gr;

	*gid = (gid_t)-1;
	if (name == NULL)
		return 0;
	if ((gr = getgrnam(name)) == NULL) {
		snprintf(err, errlen, "%s: outputs.status.%s: no group \"%s\"",
		    "status socket", key, name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

static void
control_free(struct control *ctl)
{
	size_t	i;

	while (ctl->head != NULL)
		client_free(ctl->head);
	if (ctl->list_undo != NULL) {
		ctl->ops.reload_forget(ctl->s, ctl->list_undo);
		json_decref(ctl->list_undo->reply);
		free(ctl->list_undo->buf);
		free(ctl->list_undo);
	}
	if (ctl->lis != NULL)
		evconnlistener_free(ctl->lis);
	if (ctl->ev_resume != NULL)
		event_free(ctl->ev_resume);
	if (ctl->ev_sweep != NULL)
		event_free(ctl->ev_sweep);
	if (ctl->ev_budget != NULL)
		event_free(ctl->ev_budget);
	for (i = 0; i < ctl->rcount; i++)
		free(RING_AT(ctl, i)->line);
	free(ctl->group_name);
	free(ctl->admin_name);
	free(ctl);
}

/*
 * The socket just bound gets its group. Its directory may be the
 * service user's, who could have swapped the socket for a link between
 * bind and a chown by name (root would give any file the group): the
 * path is opened without following a link and must still be a socket
 * of ours with one link; the group is set on that descriptor.
 */
static int
give_socket(const struct control *ctl, char *err, size_t errlen)
{
	struct stat	st = { 0 };
	int		pfd, rc = -1;

	if ((pfd = open(ctl->path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", ctl->path, strerror(errno));
		return -1;
	}
	if (fstat(pfd, &st) != 0)
		snprintf(err, errlen, "%s: %s", ctl->path, strerror(errno));
	else if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_nlink != 1)
		snprintf(err, errlen, "%s: replaced after bind (not our "
		    "socket now); refusing it", ctl->path);
	else if (ctl->group != (gid_t)-1 && st.st_gid != ctl->group &&
	    fchownat(pfd, "", (uid_t)-1, ctl->group, AT_EMPTY_PATH) != 0)
		snprintf(err, errlen, "%s: %s", ctl->path, strerror(errno));
	else
		rc = 0;
	/* Ours (a link or another's socket is left where it is). */
	if (rc != 0 && S_ISSOCK(st.st_mode) && st.st_uid == geteuid())
		(void)unlink(ctl->path);
	close(pfd);
	return rc;
}

int
control_init(struct sensor *s, const struct control_ops *ops, char *err,
    size_t errlen)
{
	const struct config	*conf = s->conf;
	struct control		*ctl;
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd;

	if (conf->status_socket == NULL)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(conf->status_socket) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path longer than %zu bytes",
		    conf->status_socket, sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, conf->status_socket,
	    strlen(conf->status_socket));
	ctl = xcalloc(1, sizeof(*ctl));
	ctl->s = s;
	ctl->ops = *ops;
	snprintf(ctl->path, sizeof(ctl->path), "%s", conf->status_socket);
	if (lookup_group(conf->status_group, &ctl->group, "group", err,
	    errlen) != 0 || lookup_group(conf->status_admin_group,
	    &ctl->admin_gid, "admin_group", err, errlen) != 0)
		goto fail;
	if (conf->status_group)
		ctl->group_name = xstrdup(conf->status_group);
	if (conf->status_admin_group)
		ctl->admin_name = xstrdup(conf->status_admin_group);

	if (lstat(ctl->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket; "
			    "not removing it", ctl->path);
			goto fail;
		}
		if (socket_in_use(&sun)) {
			snprintf(err, errlen, "%s: in use by a running "
			    "daemon", ctl->path);
			goto fail;
		}
		if (unlink(ctl->path) != 0) {
			snprintf(err, errlen, "%s: cannot remove the stale "
			    "socket: %s", ctl->path, strerror(errno));
			goto fail;
		}
		log_info("control: removed stale socket %s", ctl->path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	/* The mode from the umask: no chmod by name afterwards. */
	old = umask(~(conf->status_mode ? (mode_t)conf->status_mode :
	    0660) & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		snprintf(err, errlen, "%s: bind: %s", ctl->path,
		    strerror(errno));
		close(fd);
		goto fail;
	}
	umask(old);
	if (give_socket(ctl, err, errlen) != 0) {
		close(fd);
		goto fail;
	}
	ctl->lis = evconnlistener_new(s->base, ctl_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128, fd);
	if (ctl->lis == NULL) {
		snprintf(err, errlen, "%s: cannot listen", ctl->path);
		close(fd);
		unlink(ctl->path);
		goto fail;
	}
	evconnlistener_set_error_cb(ctl->lis, ctl_accept_error);
	ctl->ev_resume = evtimer_new(s->base, ctl_resume, ctl);
	ctl->ev_sweep = event_new(s->base, -1, EV_PERSIST, ctl_sweep, ctl);
	ctl->ev_budget = evtimer_new(s->base, ctl_budget, ctl);
	{
		struct timeval	one = { 1, 0 };

		event_add(ctl->ev_sweep, &one);
	}
	if (alert_sink_add(control_alert, ctl) != 0) {
		snprintf(err, errlen, "%s: too many alert consumers", ctl->path);
		unlink(ctl->path);
		goto fail;
	}
	s->control = ctl;
	log_info("control: listening on %s (mode %04o, group %s, admin "
	    "group %s)", ctl->path, conf->status_mode ?
	    (unsigned)conf->status_mode : 0660u,
	    ctl->group_name ? ctl->group_name : "-",
	    ctl->admin_name ? ctl->admin_name : "- (root only)");
	return 0;
fail:
	control_free(ctl);
	return -1;
}

void
control_shutdown(struct sensor *s)
{
	struct control		*ctl = s->control;
	struct ctl_client	*cl;

	if (ctl == NULL)
		return;
	/*
	 * Last answers (shutdown's own) go out before the sockets close:
	 * one non-blocking write each, as the loop no longer runs.
	 */
	for (cl = ctl->head; cl != NULL; cl = cl->next) {
		struct evbuffer	*out = bufferevent_get_output(cl->bev);
		size_t		 n = evbuffer_get_length(out);
		unsigned char	*p = n ? evbuffer_pullup(out, -1) : NULL;

		if (p != NULL && write(bufferevent_getfd(cl->bev), p, n) < 0)
			log_debug("control: last write: %s", strerror(errno));
	}
	if (unlink(ctl->path) != 0 && errno != ENOENT)
		log_debug("control: %s: %s", ctl->path, strerror(errno));
	alert_sink_remove(control_alert, ctl);
	control_free(ctl);
	s->control = NULL;
}
