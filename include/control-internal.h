/*
 * The status socket's internals, shared by control.c (the socket:
 * clients, their limits, reading and writing, follow), control_cmd.c
 * (the commands) and control_list.c (the list command). The public
 * interface is control.h.
 */
#ifndef CANHGAC_CONTROL_INTERNAL_H
#define CANHGAC_CONTROL_INTERNAL_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "control.h"

#define CTL_CLIENTS_MAX		256
#define CTL_ADMIN_RESERVE	16		/* slots only admins take */
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
#define CTL_RULES_PAGE		1000		/* rules an answer holds */
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
	size_t		 len;		/* the line's, without the newline */
	uint64_t	 at;		/* where in rbuf's running byte count */
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
	size_t			 rstart, rcount;
	/*
	 * The lines, one after another in CTL_RING_BYTES allocated once
	 * (not a malloc and a free an alert): a line starts at rend's place
	 * in it, or at the buffer's start when it would not fit whole
	 * before the end; rend counts bytes written (and skipped) since
	 * start, and a line is overwritten once rend passes its at by the
	 * buffer's size.
	 */
	char			*rbuf;
	uint64_t		 rend;
	uint64_t		 ring_total;
	time_t			 log_sec;	/* refusal log rate limit */
	int			 log_n, log_suppressed;
	/* One list change at a time: its file is put back if it fails. */
	struct list_undo	*list_undo;
	struct ctl_client	*lq_head, *lq_tail;	/* list changes waiting */
	int			 lq_running;
};

#define RING_AT(ctl, i) (&(ctl)->ring[((ctl)->rstart + (i)) % CTL_RING_MAX])
/* A ring entry's line, in rbuf. */
#define RING_LINE(ctl, e) ((ctl)->rbuf + (e)->at % CTL_RING_BYTES)

/* control_cmd.c */
int	 client_request(struct ctl_client *cl, const char *line, size_t len);
int	 filter_match(const struct ctl_filter *f, const struct ring_ent *e);
const char	*req_str(json_t *req, const char *key);
size_t	 req_limit(json_t *req, size_t def, size_t max);
/* control_list.c */
json_t	*cmd_list(struct control *ctl, struct ctl_client *cl, json_t *req);
/* control.c */
void	 client_answer(struct ctl_client *cl, json_t *rep);
void	 ctl_refusal(struct control *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
json_t	*reply_err(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
json_t	*reply_ok(void);
size_t	 reply_room(const struct control *ctl);
void	 send_json(struct ctl_client *cl, json_t *j);
void	 send_too_big(struct ctl_client *cl, size_t room);

#endif /* CANHGAC_CONTROL_INTERNAL_H */
