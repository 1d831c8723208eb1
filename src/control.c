/*
 * The status socket: a UNIX stream socket on the daemon's event base,
 * speaking JSON lines (include/ctl-protocol.h).
 *
 * Hardening, after tmux's server_accept and relayd's control_init: the
 * path length is checked, a stale socket is unlinked (a live one is
 * not), the socket is bound and, before it listens, given its group and
 * mode on a descriptor checked to be it. Each peer is identified with
 * SO_PEERCRED and its groups with SO_PEERGROUPS: read-only commands need
 * root, the daemon's own user or a member of the socket's group;
 * commands that change anything, and selftest, need root or
 * outputs.status.admin_group. Refusals are logged (rate-limited).
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
#include "conf.h"
#include "ctl-protocol.h"
#include "jsonw.h"
#include "log.h"
#include "output.h"
#include "sensor.h"
#include "util.h"
#include "xmalloc.h"
#include "control-internal.h"

static void	client_read(struct bufferevent *, void *);
static void	client_write(struct bufferevent *, void *);
static void	client_event(struct bufferevent *, short, void *);

/* Log a refusal, at most 5 a second, then a count of the rest. */
void
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
	if (cl->waiting) {
		ctl->ops.reload_forget(ctl->s, cl);
		if (ctl->ops.selftest_forget != NULL)
			ctl->ops.selftest_forget(ctl->s, cl);
	}
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
size_t
reply_room(const struct control *ctl)
{
	size_t	room = ctl->queued < CTL_QUEUED_MAX ?
		    CTL_QUEUED_MAX - ctl->queued : 0;

	if (room > CTL_REPLY_MAX)
		room = CTL_REPLY_MAX;
	return room < CTL_REPLY_SMALL ? CTL_REPLY_SMALL : room;
}

/* An answer that did not fit: say why instead (what it was is gone). */
void
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
	int		 over;		/* longer than left */
};

static int
dump_cb(const char *buf, size_t size, void *arg)
{
	struct dump_ctx	*d = arg;

	if (size > d->left) {
		d->over = 1;
		return -1;
	}
	d->left -= size;
	return evbuffer_add(d->out, buf, size);
}

/*
 * Queue j as one line, at most reply_room() bytes; j is consumed. An
 * answer that could not be made, masked or dumped for want of memory
 * is this fixed line, which needs none of it (send_too_big's would).
 */
void
send_json(struct ctl_client *cl, json_t *j)
{
	static const char nomem[] = "{\"ok\":false,\"error\":\"no memory "
	    "for the answer\"}\n";
	size_t		 room = reply_room(cl->ctl);
	struct dump_ctx	 d = { evbuffer_new(), room - 1, 0 };
	int		 rc = -1;

	/*
	 * Dumped in pieces into a buffer of its own, moved (not copied) to
	 * the client's once complete: no second copy of a big answer, and
	 * nothing of one that does not fit. Masked first, or not sent.
	 */
	if (j != NULL && d.out != NULL && jw_mask_tree(j) == 0)
		rc = json_dump_callback(j, dump_cb, &d, JSON_COMPACT |
		    JSON_ENSURE_ASCII);
	json_decref(j);
	if (rc == 0 && evbuffer_add(d.out, "\n", 1) == 0 &&
	    evbuffer_add_buffer(bufferevent_get_output(cl->bev), d.out) == 0) {
		evbuffer_free(d.out);
		return;
	}
	if (d.out != NULL)
		evbuffer_free(d.out);
	if (d.over)
		send_too_big(cl, room);
	else
		(void)evbuffer_add(bufferevent_get_output(cl->bev), nomem,
		    sizeof(nomem) - 1);
}

json_t *
reply_ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

json_t *
reply_err(const char *fmt, ...)
{
	va_list	ap;
	char	msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:s}", "ok", 0, "error", msg);
}

/*
 * The answer to a request that waited for a reload (rep may be NULL:
 * already sent); then the client's next requests are read.
 */
void
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

/*
 * Whether cl must wait for the next window: it is no admin and this
 * window's CTL_BUDGET_USEC is spent. Then its reading stops and the
 * budget timer reads on.
 */
static int
over_budget(struct ctl_client *cl)
{
	struct control	*ctl = cl->ctl;
	uint64_t	 now = util_mono_usec();
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
		uint64_t t0 = util_mono_usec();
		int rc = n > CTL_LINE_MAX ? -2 :
		    client_request(cl, line, n);

		cl->ctl->budget_used += util_mono_usec() - t0;
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

/*
 * Connections uid holds now, those closing too: a follower cut off for
 * lagging stays until its output goes or CTL_WRITE_SEC passes, and left
 * out, one uid held every non-admin slot with them.
 */
static int
uid_clients(const struct control *ctl, uid_t uid)
{
	const struct ctl_client	*cl;
	int			 n = 0;

	for (cl = ctl->head; cl != NULL; cl = cl->next)
		n += cl->uid == uid;
	return n;
}

/* One non-blocking try to tell the peer on fd why it is refused. */
static void
notice_fd(evutil_socket_t fd, const char *why)
{
	json_t	*j = json_pack("{s:b,s:s}", "ok", 0, "error", why);
	char	*s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	evutil_make_socket_nonblocking(fd);
	if (s != NULL && (write(fd, s, strlen(s)) < 0 || write(fd, "\n",
	    1) < 0))
		log_debug("control: refusal notice: %s", strerror(errno));
	free(s);
	json_decref(j);
}

static void
refuse_fd(evutil_socket_t fd, const char *why)
{
	notice_fd(fd, why);
	close(fd);
}

/*
 * Close old to make room for a new client, telling it why when nothing
 * of its own is still queued (a notice in the middle of a line would
 * garble both).
 */
static void
displace(struct control *ctl, struct ctl_client *old, const char *by)
{
	char	why[160];

	ctl->evicted++;
	/* Debug only: a flood of idle clients must not use up the
	 * refusal log's budget (ctl_refusal) before a real refusal. */
	log_debug("control: uid %ld (pid %ld): %s closed to make room for %s",
	    (long)old->uid, (long)old->pid, old->follow ? "follower" :
	    "idle client", by);
	if (old->bev != NULL && evbuffer_get_length(
	    bufferevent_get_output(old->bev)) == 0) {
		snprintf(why, sizeof(why), "closed to make room for %s: all "
		    "%d connections are in use", by, CTL_CLIENTS_MAX);
		notice_fd(bufferevent_getfd(old->bev), why);
	}
	client_free(old);
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
		displace(ctl, old, "another reader");
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
		displace(ctl, old, admin ? "an administrator" :
		    "another reader");
	}
	return NULL;
}

/* A client on fd (-1: none, for control_feed), first in the list. */
static struct ctl_client *
client_new(struct control *ctl, evutil_socket_t fd, const struct ucred *uc,
    int admin)
{
	struct ctl_client	*cl = calloc(1, sizeof(*cl));

	/* Without memory the connection is closed; the daemon goes on. */
	if (cl == NULL)
		return NULL;
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
	uint64_t		 at;

	if (ctl == NULL || line == NULL)
		return;
	while (len > 0 && line[len - 1] == '\n')
		len--;
	if (len == 0 || len > CTL_RING_BYTES / 4)
		return;
	/* Whole where it goes: past the end, from the start again. */
	at = ctl->rend;
	if (at % CTL_RING_BYTES + len > CTL_RING_BYTES)
		at += CTL_RING_BYTES - at % CTL_RING_BYTES;
	/* The oldest go while the new line would write over them. */
	while (ctl->rcount > 0 && (ctl->rcount == CTL_RING_MAX ||
	    RING_AT(ctl, 0)->at + CTL_RING_BYTES < at + len)) {
		ctl->rstart = (ctl->rstart + 1) % CTL_RING_MAX;
		ctl->rcount--;
	}
	e = RING_AT(ctl, ctl->rcount);
	e->ts = a->ts;
	e->sid = a->sid;
	e->sev = (uint8_t)a->severity;
	e->cat = (uint8_t)a->category;
	e->at = at;
	memcpy(RING_LINE(ctl, e), line, len);
	e->len = len;
	ctl->rend = at + len;
	ctl->rcount++;
	ctl->ring_total++;
	/* Most alerts have no follower: no walk of the clients. */
	if (ctl->nfollow == 0)
		return;
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
	free(ctl->rbuf);
	free(ctl->group_name);
	free(ctl->admin_name);
	free(ctl);
}

/*
 * The socket just bound gets its group and mode, before it listens (no
 * client can connect meanwhile). Its directory may be the service
 * user's, who could have swapped the socket for a link between bind and
 * a chown or chmod by name (root would give any file the group or mode):
 * the path is opened without following a link and must still be a
 * socket of ours with one link; the group is set on that descriptor,
 * the mode through /proc's link to it (fchmod refuses an O_PATH one).
 */
static int
give_socket(const struct control *ctl, mode_t mode, char *err,
    size_t errlen)
{
	struct stat	st = { 0 };
	char		self[64];
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
	else if (snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd),
	    chmod(self, mode & 0777) != 0)
		snprintf(err, errlen, "%s: cannot set its mode through %s: %s",
		    ctl->path, self, strerror(errno));
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
	ctl->rbuf = xmalloc(CTL_RING_BYTES);
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
	ctl->ev_resume = evtimer_new(s->base, ctl_resume, ctl);
	ctl->ev_sweep = event_new(s->base, -1, EV_PERSIST, ctl_sweep, ctl);
	ctl->ev_budget = evtimer_new(s->base, ctl_budget, ctl);
	{
		struct timeval	one = { 1, 0 };

		event_add(ctl->ev_sweep, &one);
	}
	if (alert_sink_add(control_alert, ctl) != 0) {
		snprintf(err, errlen, "%s: too many alert consumers", ctl->path);
		goto fail;
	}
	s->control = ctl;
	return 0;
fail:
	control_free(ctl);
	return -1;
}

/*
 * The socket appears once the sensor is up: whoever waits for it (a
 * script, canhgacctl, a test replaying traffic) then talks to a sensor
 * that is capturing, its packets split among the workers already.
 */
int
control_listen(struct sensor *s, char *err, size_t errlen)
{
	const struct config	*conf = s->conf;
	struct control		*ctl = s->control;
	struct sockaddr_un	 sun;
	mode_t			 mode = conf->status_mode ?
				    (mode_t)conf->status_mode : 0660;
	int			 fd;

	if (ctl == NULL)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, ctl->path, strlen(ctl->path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/*
	 * Under the process's umask, shared by the workers that run by now
	 * (a umask set for the bind would give their files the socket's
	 * mode); give_socket sets the mode before anyone can connect.
	 */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;

		snprintf(err, errlen, "%s: bind: %s%s", ctl->path,
		    strerror(e), e == EADDRINUSE ? " (something was put "
		    "there while the sensor started)" : "");
		close(fd);
		return -1;
	}
	if (give_socket(ctl, mode, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	ctl->lis = evconnlistener_new(s->base, ctl_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128, fd);
	if (ctl->lis == NULL) {
		snprintf(err, errlen, "%s: cannot listen", ctl->path);
		close(fd);
		unlink(ctl->path);
		return -1;
	}
	evconnlistener_set_error_cb(ctl->lis, ctl_accept_error);
	log_info("control: listening on %s (mode %04o, group %s, admin "
	    "group %s)", ctl->path, (unsigned)mode,
	    ctl->group_name ? ctl->group_name : "-",
	    ctl->admin_name ? ctl->admin_name : "- (root only)");
	return 0;
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
	/* Not bound (a start that failed first): the path is not ours. */
	if (ctl->lis != NULL && unlink(ctl->path) != 0 && errno != ENOENT)
		log_debug("control: %s: %s", ctl->path, strerror(errno));
	alert_sink_remove(control_alert, ctl);
	control_free(ctl);
	s->control = NULL;
}
