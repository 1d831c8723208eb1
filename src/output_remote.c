/*
 * Remote syslog: RFC 5424 messages, octet-counted (RFC 6587), over TCP
 * or TLS (RFC 5425) to one destination, with a disk spool.
 *
 * Each alert gets the destination's next sequence number and one SD
 * element [canhgac@N seq=... field=...] with the alert's fields. While
 * the connection is up, nothing is waiting in the spool and the socket
 * keeps up, alerts are written straight to it; otherwise they are
 * appended to the spool, and the spool is replayed in order (before
 * anything new) as the socket drains.
 *
 * Syslog over TCP has no acknowledgements, so every frame handed to the
 * connection stays in a window until TCP has acknowledged it (SIOCOUTQ)
 * and resend_window has passed with the peer still reading. After an
 * unclean disconnect the whole window is sent again first: duplicates
 * (same sequence numbers) are possible, loss is not. At exit, what is
 * not delivered within drain_timeout is put back at the front of the
 * spool. Nothing here blocks the event loop.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "jsonw.h"
#include "log.h"
#include "output.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

#define FRAME_BUF	65536
#define OUT_HIGH	(1024 * 1024)	/* bytes queued in the bufferevent */
#define WINDOW_MAX	(64 * 1024 * 1024)
#define BACKOFF_MIN	100000		/* usec */
#define CONNECT_TIMEOUT	10

enum rstate { R_IDLE, R_CONNECTING, R_CONNECTED };

struct wrec {
	struct wrec	*next;
	uint64_t	 end;		/* conn_bytes after this frame */
	uint64_t	 acked_at;	/* usec, 0 = not yet */
	int		 from_spool;
	struct spool_pos pos;
	size_t		 len;
	char		 data[];
};

/*
 * Frames in the order written. In the window, those TCP has acknowledged
 * are a prefix (the byte stream is acknowledged in order), and unacked is
 * the first frame after it: each acknowledgement stamps from there on,
 * where a walk from the head crossed every frame still kept for
 * resend_window, once per write (quadratic in an alert burst: 5,101
 * alerts of the bench's TLS run spent 0.4 s of CPU in that walk).
 */
struct wlist {
	struct wrec	*head, *tail;
	struct wrec	*unacked;	/* the window's first frame not stamped */
	uint64_t	 n, bytes;
};

struct remote {
	struct event_base *base;
	char		*host, *server_name, *sensor, *name;
	int		 port, tls;
	uint32_t	 enterprise;
	uint64_t	 backoff_max, drain_timeout, resend_window;
	struct sockaddr_storage sa;
	socklen_t	 salen;
	SSL_CTX		*ctx;
	struct spool	*spool;
	enum rstate	 state;
	struct bufferevent *bev;
	struct event	*ev_retry, *ev_drain;
	uint64_t	 backoff;
	uint64_t	 conn_bytes;
	uint64_t	 last_acked, last_progress;
	struct wlist	 window;	/* written, not yet acknowledged */
	struct wlist	 resend;	/* to write again after a reconnect */
	int		 closing;	/* we closed it */
	void		(*drain_cb)(void *);
	void		*drain_arg;
	uint64_t	 drain_deadline;
	int		 drained;
	char		 last_error[256];
	uint64_t	 sent, spooled, replayed, resent, connects, failures;
	uint64_t	 disconnects, format_errors, spool_errors;
	uint64_t	 spool_lost;	/* of the current write-error episode */
	char		 frame[FRAME_BUF];
};

static void remote_connect(struct remote *);
static void pump(struct remote *);

static void
wl_push(struct wlist *l, struct wrec *w)
{
	w->next = NULL;
	if (l->tail)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
	if (l->unacked == NULL)
		l->unacked = w;
	l->n++;
	l->bytes += w->len;
}

static struct wrec *
wl_pop(struct wlist *l)
{
	struct wrec *w = l->head;

	if (w == NULL)
		return NULL;
	if ((l->head = w->next) == NULL)
		l->tail = NULL;
	if (l->unacked == w)
		l->unacked = w->next;
	l->n--;
	l->bytes -= w->len;
	return w;
}

/* Put w back at the head of l, as it was before wl_pop (the resend
 * list's: its unacked is never read; the window's is wl_push's). */
static void
wl_unpop(struct wlist *l, struct wrec *w)
{
	if (l->unacked == l->head)
		l->unacked = w;
	w->next = l->head;
	l->head = w;
	if (l->tail == NULL)
		l->tail = w;
	l->n++;
	l->bytes += w->len;
}

/* Append list b to list a (b becomes empty). */
static void
wl_concat(struct wlist *a, struct wlist *b)
{
	if (b->head == NULL)
		return;
	if (a->tail)
		a->tail->next = b->head;
	else
		a->head = b->head;
	a->tail = b->tail;
	if (a->unacked == NULL)
		a->unacked = b->unacked;
	a->n += b->n;
	a->bytes += b->bytes;
	memset(b, 0, sizeof(*b));
}

static void
wl_free(struct wlist *l)
{
	struct wrec *w;

	while ((w = wl_pop(l)) != NULL)
		free(w);
}

/* Escape an SD-PARAM value: '"', '\' and ']' get a backslash. */
static size_t
sd_escape(char *out, size_t room, const char *v)
{
	size_t	n = 0;

	for (; *v && n + 2 < room; v++) {
		if (*v == '"' || *v == '\\' || *v == ']')
			out[n++] = '\\';
		out[n++] = *v;
	}
	return n;
}

/* A printable-ASCII token (HOSTNAME), '-' when empty. */
static void
token(char *out, size_t len, const char *s, size_t max)
{
	size_t	n = 0;

	for (; s && *s && n + 1 < len && n < max; s++)
		out[n++] = *s > 32 && *s < 127 ? *s : '_';
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
}

size_t
remote_format(char *buf, size_t len, const struct alert_rec *a,
    const char *hostname, uint32_t enterprise, uint64_t seq)
{
	static const int sevmap[] = { 6, 2, 3, 4, 5, 6 };
	char		 msg[FRAME_BUF], host[256], ts[40];
	size_t		 n, i, hl;
	time_t		 t = (time_t)(a->ts / 1000000);
	struct tm	 tm;
	int		 sev = a->severity >= 1 && a->severity <= 5 ?
			    sevmap[a->severity] : 6;
	const char	*text = "alert";
	int		 k;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	token(host, sizeof(host), hostname, 255);
	k = snprintf(msg, sizeof(msg), "<%d>1 %s.%06uZ %s canhgacd - alert "
	    "[canhgac@%u seq=\"%" PRIu64 "\"", 20 * 8 + sev, ts,
	    (unsigned)(a->ts % 1000000), host, enterprise, seq);
	if (k < 0 || (size_t)k >= sizeof(msg))
		return 0;
	n = (size_t)k;
	for (i = 0; i < a->nkv; i++) {
		/* signature_vi, after signature, is the text when present. */
		if (!strcmp(a->keys[i], "alert.signature") ||
		    !strcmp(a->keys[i], "alert.signature_vi"))
			text = a->vals[i];
		if (strlen(a->keys[i]) > 32 || n + strlen(a->keys[i]) + 8 >=
		    sizeof(msg))
			continue;
		msg[n++] = ' ';
		memcpy(msg + n, a->keys[i], strlen(a->keys[i]));
		n += strlen(a->keys[i]);
		msg[n++] = '=';
		msg[n++] = '"';
		n += sd_escape(msg + n, sizeof(msg) - n - 4, a->vals[i]);
		msg[n++] = '"';
	}
	if (n + 2 >= sizeof(msg))
		return 0;
	msg[n++] = ']';
	msg[n++] = ' ';
	for (; *text && n + 1 < sizeof(msg); text++)
		msg[n++] = *text == '\n' ? ' ' : *text;
	hl = (size_t)snprintf(buf, len, "%zu ", n);
	if (hl + n > len)
		return 0;
	memcpy(buf + hl, msg, n);
	return hl + n;
}

/* The destination's TLS context in *ctx; -1 with err, and *which the
 * key at fault ("ca" or "cert"), when a file does not load. */
static int
tls_ctx_load(SSL_CTX **ctx, const struct remote_conf *rc, const char **which,
    char *err, size_t errlen)
{
	*which = NULL;
	if ((*ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "SSL_CTX_new failed");
		return -1;
	}
	SSL_CTX_set_min_proto_version(*ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(*ctx, SSL_VERIFY_PEER, NULL);
	if (rc->ca != NULL) {
		if (SSL_CTX_load_verify_locations(*ctx, rc->ca, NULL) != 1) {
			snprintf(err, errlen, "%s: cannot load the CA "
			    "certificates (ca)", rc->ca);
			*which = "ca";
			return -1;
		}
	} else
		SSL_CTX_set_default_verify_paths(*ctx);
	if (rc->cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(*ctx, rc->cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(*ctx, rc->key ? rc->key :
		    rc->cert, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(*ctx) != 1) {
			snprintf(err, errlen, "%s: cannot load the client "
			    "certificate and key", rc->cert);
			*which = "cert";
			return -1;
		}
	}
	return 0;
}

static int
remote_tls_ctx(struct remote *r, const struct remote_conf *rc, char *err,
    size_t errlen)
{
	const char	*which;

	return tls_ctx_load(&r->ctx, rc, &which, err, errlen);
}

int
remote_check_tls(const struct remote_conf *rc, const char **which, char *err,
    size_t errlen)
{
	SSL_CTX	*ctx = NULL;
	int	 ret = 0;

	*which = NULL;
	if (rc->tls)
		ret = tls_ctx_load(&ctx, rc, which, err, errlen);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	remote_connect(arg);
}

struct remote *
remote_new(struct event_base *base, const struct remote_conf *rc,
    const char *sensor, char *err, size_t errlen)
{
	struct remote	*r = xcalloc(1, sizeof(*r));
	struct addrinfo	 hints, *res = NULL;
	char		 port[16];
	int		 e;

	r->base = base;
	r->host = xstrdup(rc->host);
	r->server_name = xstrdup(rc->server_name ? rc->server_name :
	    rc->host);
	r->sensor = xstrdup(sensor);
	r->port = rc->port;
	r->tls = rc->tls;
	r->enterprise = rc->enterprise;
	r->backoff_max = rc->backoff_max;
	r->drain_timeout = rc->drain_timeout;
	r->resend_window = rc->resend_window;
	r->backoff = BACKOFF_MIN;
	xasprintf(&r->name, "%s:%d", rc->host, rc->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", rc->port);
	/* Resolved once at start: a name lookup could block the loop. */
	if ((e = getaddrinfo(rc->host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "remote %s: %s", r->name,
		    gai_strerror(e));
		goto fail;
	}
	memcpy(&r->sa, res->ai_addr, res->ai_addrlen);
	r->salen = res->ai_addrlen;
	freeaddrinfo(res);
	if (r->tls && remote_tls_ctx(r, rc, err, errlen) != 0)
		goto fail;
	if ((r->spool = spool_open(rc->spool, rc->spool_max, rc->fsync, err,
	    errlen)) == NULL)
		goto fail;
	if (spool_pending(r->spool) > 0)
		log_info("remote %s: %" PRIu64 " alerts in the spool %s",
		    r->name, spool_pending(r->spool), rc->spool);
	r->ev_retry = evtimer_new(base, on_retry, r);
	remote_connect(r);
	return r;
fail:
	remote_free(r);
	return NULL;
}

static void
set_error(struct remote *r, const char *what)
{
	if (strcmp(r->last_error, what) != 0) {
		log_warnx("remote %s: %s", r->name, what);
		snprintf(r->last_error, sizeof(r->last_error), "%s", what);
	}
}

static void
schedule_retry(struct remote *r)
{
	struct timeval	tv;

	if (r->drained)
		return;
	tv.tv_sec = (time_t)(r->backoff / 1000000);
	tv.tv_usec = (suseconds_t)(r->backoff % 1000000);
	evtimer_add(r->ev_retry, &tv);
	r->backoff *= 2;
	if (r->backoff > r->backoff_max)
		r->backoff = r->backoff_max;
}

/* The connection is gone: what was in flight is sent again first. */
static void
conn_lost(struct remote *r, const char *why)
{
	if (r->bev != NULL)
		bufferevent_free(r->bev);
	r->bev = NULL;
	if (r->state == R_CONNECTED) {
		r->disconnects++;
		log_warnx("remote %s: disconnected (%s); %" PRIu64 " alerts "
		    "in flight will be resent", r->name, why, r->window.n);
		snprintf(r->last_error, sizeof(r->last_error),
		    "disconnected: %s", why);
	} else {
		r->failures++;
		set_error(r, why);
	}
	wl_concat(&r->window, &r->resend);
	r->resend = r->window;
	memset(&r->window, 0, sizeof(r->window));
	r->state = R_IDLE;
	schedule_retry(r);
}

/* Bytes the peer's TCP has acknowledged, and the send queue. */
static uint64_t
acked_bytes(struct remote *r, int *outq_out)
{
	int		outq = 0;
	uint64_t	inbev, written;

	if (r->bev == NULL)
		return 0;
	if (ioctl(bufferevent_getfd(r->bev), SIOCOUTQ, &outq) != 0)
		outq = 0;
	*outq_out = outq;
	inbev = evbuffer_get_length(bufferevent_get_output(r->bev));
	written = r->conn_bytes - inbev;
	return written > (uint64_t)outq ? written - (uint64_t)outq : 0;
}

/* Forget frames acknowledged long enough ago; commit the spool. */
static void
window_ack(struct remote *r)
{
	uint64_t	 now = util_mono_usec(), acked;
	struct wrec	*w;
	int		 outq = 0, moved = 0;

	if (r->state != R_CONNECTED)
		return;
	acked = acked_bytes(r, &outq);
	if (acked > r->last_acked || outq == 0)
		r->last_progress = now;
	r->last_acked = acked;
	for (w = r->window.unacked; w != NULL && w->end <= acked; w = w->next)
		w->acked_at = now;
	r->window.unacked = w;
	/* A peer that stopped reading may hold frames it acknowledged. */
	if (now - r->last_progress > r->resend_window)
		return;
	while ((w = r->window.head) != NULL && w->acked_at != 0 &&
	    now - w->acked_at >= r->resend_window) {
		wl_pop(&r->window);
		if (w->from_spool) {
			spool_commit(r->spool, &w->pos);
			moved = 1;
		}
		free(w);
	}
	(void)moved;
}

static int
write_frame(struct remote *r, const char *data, size_t len, int from_spool,
    const struct spool_pos *pos, struct wrec *reuse)
{
	struct wrec	*w = reuse;

	/* Its record first: without memory the frame is not written, and
	 * the caller keeps it (spool or resend list), not lost. */
	if (w == NULL && (w = malloc(sizeof(*w) + len)) == NULL)
		return -1;
	if (bufferevent_write(r->bev, data, len) != 0) {
		if (reuse == NULL)
			free(w);
		return -1;
	}
	if (reuse == NULL) {
		memcpy(w->data, data, len);
		w->len = len;
		w->from_spool = from_spool;
		if (pos != NULL)
			w->pos = *pos;
	}
	r->conn_bytes += len;
	w->end = r->conn_bytes;
	w->acked_at = 0;
	wl_push(&r->window, w);
	r->sent++;
	return 0;
}

static size_t
out_len(struct remote *r)
{
	return evbuffer_get_length(bufferevent_get_output(r->bev));
}

/* Resend, then replay the spool, while the socket keeps up. */
static void
pump(struct remote *r)
{
	struct wrec	*w;
	char		*f;
	size_t		 len;
	struct spool_pos end;

	if (r->state != R_CONNECTED)
		return;
	window_ack(r);
	while (r->resend.head != NULL && out_len(r) < OUT_HIGH) {
		w = wl_pop(&r->resend);
		if (write_frame(r, w->data, w->len, w->from_spool, NULL,
		    w) != 0) {
			/* Not written: first again next time, not lost. */
			wl_unpop(&r->resend, w);
			return;
		}
		r->resent++;
	}
	while (r->resend.head == NULL && out_len(r) < OUT_HIGH &&
	    r->window.bytes < WINDOW_MAX &&
	    spool_read(r->spool, &f, &len, &end) == 1) {
		if (write_frame(r, f, len, 1, &end, NULL) != 0) {
			/* Not written: read again next time, not skipped
			 * (a later frame's commit would have passed it). */
			spool_unread(r->spool, len);
			return;
		}
		r->replayed++;
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	/* A collector has nothing to say; discard it. */
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	pump(arg);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct remote	*r = arg;
	char		 why[256];
	unsigned long	 e;

	if (what & BEV_EVENT_CONNECTED) {
		struct timeval tv = { 0, 0 };

		r->state = R_CONNECTED;
		r->connects++;
		r->backoff = BACKOFF_MIN;
		r->last_progress = util_mono_usec();
		r->last_error[0] = '\0';
		bufferevent_set_timeouts(bev, NULL, NULL);
		(void)tv;
		log_info("remote %s: connected%s; %" PRIu64 " to resend, %"
		    PRIu64 " in the spool", r->name, r->tls ? " (TLS)" : "",
		    r->resend.n, spool_pending(r->spool));
		pump(r);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		snprintf(why, sizeof(why), "connection timed out");
	else if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why), "closed by the peer");
	else
		snprintf(why, sizeof(why), "%s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	if (r->tls && r->state == R_CONNECTING) {
		SSL	*ssl = bufferevent_openssl_get_ssl(bev);
		long	 v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;

		if (v != X509_V_OK)
			snprintf(why, sizeof(why), "TLS: certificate "
			    "verification failed: %s (server_name %s)",
			    X509_verify_cert_error_string(v), r->server_name);
		else if ((e = bufferevent_get_openssl_error(bev)) != 0)
			snprintf(why, sizeof(why), "TLS: %s",
			    ERR_reason_error_string(e) ?
			    ERR_reason_error_string(e) : "handshake failed");
	}
	conn_lost(r, why);
}

static void
remote_connect(struct remote *r)
{
	struct timeval	 tv = { CONNECT_TIMEOUT, 0 };

	if (r->state != R_IDLE || r->drained)
		return;
	if (r->tls) {
		SSL *ssl = SSL_new(r->ctx);
		unsigned char ip[16];
		int isip = inet_pton(AF_INET, r->server_name, ip) == 1 ||
		    inet_pton(AF_INET6, r->server_name, ip) == 1;

		if (ssl == NULL) {
			set_error(r, "SSL_new failed");
			schedule_retry(r);
			return;
		}
		if (isip)
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
			    r->server_name);
		else {
			SSL_set_tlsext_host_name(ssl, r->server_name);
			SSL_set1_host(ssl, r->server_name);
		}
		r->bev = bufferevent_openssl_socket_new(r->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (r->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(r->bev, 1);
	} else
		r->bev = bufferevent_socket_new(r->base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
	if (r->bev == NULL) {
		set_error(r, "cannot create a connection");
		schedule_retry(r);
		return;
	}
	bufferevent_setcb(r->bev, on_read, on_write, on_event, r);
	bufferevent_setwatermark(r->bev, EV_WRITE, OUT_HIGH / 2, 0);
	bufferevent_set_timeouts(r->bev, NULL, &tv);
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
	r->conn_bytes = 0;
	r->last_acked = 0;
	r->state = R_CONNECTING;
	if (bufferevent_socket_connect(r->bev, (struct sockaddr *)&r->sa,
	    (int)r->salen) != 0) {
		r->state = R_CONNECTING;
		conn_lost(r, "connect failed");
	}
}

void
remote_send(struct remote *r, const struct alert_rec *a)
{
	uint64_t	seq = spool_next_seq(r->spool);
	size_t		len;

	/* The sensor name of the alert: sensor.name applies on reload. */
	len = remote_format(r->frame, sizeof(r->frame), a, a->sensor != NULL ?
	    a->sensor : r->sensor, r->enterprise, seq);
	if (len == 0) {
		r->format_errors++;
		return;
	}
	if (r->state == R_CONNECTED && r->resend.head == NULL &&
	    spool_pending(r->spool) == 0 && out_len(r) < OUT_HIGH &&
	    r->window.bytes < WINDOW_MAX) {
		if (write_frame(r, r->frame, len, 0, NULL, NULL) == 0)
			return;
	}
	if (spool_append(r->spool, r->frame, len) != 0) {
		if (r->spool_lost++ == 0)
			log_warnx("remote %s: cannot write to the spool (%s); "
			    "counting lost alerts until it works again",
			    r->name, strerror(errno));
		r->spool_errors++;
		set_error(r, "cannot write to the spool");
		return;
	}
	if (r->spool_lost > 0) {
		log_warnx("remote %s: spooling again; %llu alert(s) were "
		    "lost", r->name, (unsigned long long)r->spool_lost);
		r->spool_lost = 0;
	}
	r->spooled++;
}

/* spool_prepend's pieces: the frames of a list, in order. */
static int
persist_next(void *arg, const char **data, size_t *len)
{
	struct wrec	**w = arg;

	if (*w == NULL)
		return 0;
	*data = (*w)->data;
	*len = (*w)->len;
	*w = (*w)->next;
	return 1;
}

/* Put everything not known delivered back at the front of the spool. */
static void
persist(struct remote *r)
{
	struct wlist	 all;
	struct wrec	*at;

	memset(&all, 0, sizeof(all));
	wl_concat(&all, &r->window);
	wl_concat(&all, &r->resend);
	if (all.n == 0)
		return;
	at = all.head;
	if (spool_prepend(r->spool, persist_next, &at, all.bytes, all.n) != 0)
		log_warn("remote %s: cannot keep %" PRIu64 " undelivered "
		    "alerts in the spool", r->name, all.n);
	else
		log_info("remote %s: %" PRIu64 " undelivered alerts kept in "
		    "the spool", r->name, all.n);
	wl_free(&all);
}

static void
drain_finish(struct remote *r, int delivered)
{
	void	(*cb)(void *) = r->drain_cb;

	if (r->drained)
		return;
	r->drained = 1;
	evtimer_del(r->ev_retry);
	if (r->ev_drain)
		evtimer_del(r->ev_drain);
	if (delivered) {
		/* TCP has everything and the peer reads it before EOF. */
		spool_commit_read(r->spool);
		wl_free(&r->window);
	} else
		persist(r);
	if (r->bev != NULL) {
		r->closing = 1;
		bufferevent_free(r->bev);
		r->bev = NULL;
	}
	r->state = R_IDLE;
	spool_sync(r->spool);
	r->drain_cb = NULL;
	if (cb != NULL)
		cb(r->drain_arg);
}

static void
on_drain_timer(evutil_socket_t fd, short what, void *arg)
{
	struct remote	*r = arg;
	int		 outq = 0;

	(void)fd;
	(void)what;
	pump(r);
	if (r->state == R_CONNECTED && r->resend.head == NULL &&
	    spool_pending(r->spool) == 0 && out_len(r) == 0) {
		(void)acked_bytes(r, &outq);
		if (outq == 0) {
			drain_finish(r, 1);
			return;
		}
	}
	if (r->state != R_CONNECTED && r->window.head == NULL &&
	    r->resend.head == NULL && spool_pending(r->spool) == 0) {
		drain_finish(r, 1);
		return;
	}
	if (util_mono_usec() >= r->drain_deadline) {
		log_warnx("remote %s: not delivered within drain_timeout; "
		    "%" PRIu64 " alerts stay in the spool", r->name,
		    spool_pending(r->spool) + r->window.n + r->resend.n);
		drain_finish(r, 0);
		return;
	}
	{
		struct timeval tv = { 0, 20000 };

		evtimer_add(r->ev_drain, &tv);
	}
}

void
remote_drain(struct remote *r, void (*cb)(void *), void *arg)
{
	r->drain_cb = cb;
	r->drain_arg = arg;
	r->drain_deadline = util_mono_usec() + r->drain_timeout;
	if (r->ev_drain == NULL)
		r->ev_drain = evtimer_new(r->base, on_drain_timer, r);
	/* Reconnect at once rather than after a long back-off. */
	if (r->state == R_IDLE && r->backoff > 1000000) {
		r->backoff = 1000000;
	}
	on_drain_timer(-1, 0, r);
}

void
remote_tick(struct remote *r)
{
	pump(r);
	spool_sync(r->spool);
}

int
remote_drained(const struct remote *r)
{
	return r->drained;
}

uint64_t
remote_dropped(const struct remote *r)
{
	/* Alerts the spool could not take (disk full) or lost to its
	 * damage are lost too. */
	return spool_dropped(r->spool) + spool_corrupt(r->spool) +
	    r->spool_errors;
}

void
remote_stats(const struct remote *r, struct remote_stats *st)
{
	static const char *const states[] = { "disconnected", "connecting",
	    "connected" };

	memset(st, 0, sizeof(*st));
	st->destination = r->name;
	st->transport = r->tls ? "tls" : "tcp";
	st->state = states[r->state];
	st->last_error = r->last_error;
	st->sent = r->sent;
	st->spooled = r->spooled;
	st->replayed = r->replayed;
	st->resent = r->resent;
	st->dropped = spool_dropped(r->spool);
	st->spool_pending = spool_pending(r->spool);
	st->spool_bytes = spool_bytes(r->spool);
	st->in_flight = r->window.n + r->resend.n;
	st->connects = r->connects;
	st->connect_failures = r->failures;
	st->disconnects = r->disconnects;
	st->spool_errors = r->spool_errors;
	st->spool_corrupt = spool_corrupt(r->spool);
	st->format_errors = r->format_errors;
}

void
remote_free(struct remote *r)
{
	if (r == NULL)
		return;
	if (!r->drained && r->spool != NULL)
		drain_finish(r, 0);
	if (r->bev != NULL)
		bufferevent_free(r->bev);
	if (r->ev_retry)
		event_free(r->ev_retry);
	if (r->ev_drain)
		event_free(r->ev_drain);
	wl_free(&r->window);
	wl_free(&r->resend);
	spool_close(r->spool);
	if (r->ctx)
		SSL_CTX_free(r->ctx);
	free(r->host);
	free(r->server_name);
	free(r->sensor);
	free(r->name);
	free(r);
}
